/* sim_drivers: the pool of human ride-hail drivers over many days. Each driver has a reservation wage (lognormal
 * across drivers) and an expectation of net hourly earnings; every morning each decides whether to work (a logit
 * on expectation minus reservation wage), and every evening updates the expectation from what the day paid: their
 * own hours if they worked, else what the drivers who worked made (word gets around). Deterministic for a seed: a
 * pool run beside robotaxis and one run without them draw the same wages and the same daily noise. */
#ifndef SIM_DRIVERS_H
#define SIM_DRIVERS_H

#include <stddef.h>
#include <stdint.h>
#include "sim_config.h"
#include "sim_world.h"

typedef struct sim_drivers_t sim_drivers_t;

/* A pool of cfg->human.drivers drivers. NULL when out of memory. */
sim_drivers_t *sim_drivers_new (const sim_config_t *cfg);

/* NULL-safe; sets *self_p to NULL. */
void sim_drivers_destroy (sim_drivers_t **self_p);

size_t sim_drivers_count (const sim_drivers_t *self);

/* Morning of day (0-based): fills works[i] (1 = driver i works). Returns the number who work. */
uint32_t sim_drivers_decide (sim_drivers_t *self, uint32_t day, uint8_t *works);

/* Evening: updates every driver's expectation from the day's rows (one per driver, as sim_world_drivers gives). */
void sim_drivers_learn (sim_drivers_t *self, const sim_driver_row_t *rows, size_t count);

double sim_drivers_reservation (const sim_drivers_t *self, size_t i);
double sim_drivers_expected (const sim_drivers_t *self, size_t i);

#endif
