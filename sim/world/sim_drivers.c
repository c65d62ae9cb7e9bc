/* sim_drivers: who works each day, and what drivers expect to earn. */
#include "sim_drivers.h"

#include <math.h>
#include <stdlib.h>

#include "sim_rng.h"

struct sim_drivers_t {
    const sim_config_t *cfg;
    size_t count;
    double *reservation;       /* yuan per hour */
    double *expected;          /* yuan per hour */
};

sim_drivers_t *
sim_drivers_new (const sim_config_t *cfg)
{
    sim_drivers_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->cfg = cfg;
    self->count = (size_t) cfg->human.drivers;
    size_t n = self->count ? self->count : 1;
    self->reservation = malloc (n * sizeof (double));
    self->expected = malloc (n * sizeof (double));
    if (!self->reservation || !self->expected) {
        sim_drivers_destroy (&self);
        return NULL;
    }
    sim_rng_t rng;
    sim_rng_seed_day (&rng, cfg->scenario.seed, SIM_STREAM_WAGES, 0);
    for (size_t i = 0; i < self->count; i++) {
        self->reservation[i] =
            cfg->human.reservation_wage_yuan_per_h * exp (cfg->human.reservation_wage_spread * sim_rng_normal (&rng));
        self->expected[i] = cfg->human.expected_hourly_init_yuan;
    }
    return self;
}

void
sim_drivers_destroy (sim_drivers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->reservation);
    free ((*self_p)->expected);
    free (*self_p);
    *self_p = NULL;
}

size_t
sim_drivers_count (const sim_drivers_t *self)
{
    return self->count;
}

uint32_t
sim_drivers_decide (sim_drivers_t *self, uint32_t day, uint8_t *works)
{
    sim_rng_t rng;
    sim_rng_seed_day (&rng, self->cfg->scenario.seed, SIM_STREAM_DECIDE, day);
    double scale = self->cfg->human.decision_noise_yuan;
    uint32_t working = 0;
    for (size_t i = 0; i < self->count; i++) {
        /* one draw per driver whether or not it matters, so every driver's noise is the same in any pool */
        double u = sim_rng_uniform (&rng);
        double p = 1.0 / (1.0 + exp (-(self->expected[i] - self->reservation[i]) / scale));
        works[i] = u < p;
        working += works[i];
    }
    return working;
}

void
sim_drivers_learn (sim_drivers_t *self, const sim_driver_row_t *rows, size_t count)
{
    double a = self->cfg->human.learning_rate;
    double net = 0, hours = 0;
    for (size_t i = 0; i < count && i < self->count; i++)
        if (rows[i].worked && rows[i].hours_online > 0) {
            net += rows[i].net_yuan;
            hours += rows[i].hours_online;
        }
    /* with nobody on the road, those at home hear nothing new */
    int have_market = hours > 0;
    double market = have_market ? net / hours : 0;
    for (size_t i = 0; i < count && i < self->count; i++) {
        double seen;
        if (rows[i].worked && rows[i].hours_online > 0)
            seen = rows[i].net_yuan / rows[i].hours_online;
        else if (have_market)
            seen = market;
        else
            continue;
        self->expected[i] += a * (seen - self->expected[i]);
    }
}

double
sim_drivers_reservation (const sim_drivers_t *self, size_t i)
{
    return self->reservation[i];
}

double
sim_drivers_expected (const sim_drivers_t *self, size_t i)
{
    return self->expected[i];
}
