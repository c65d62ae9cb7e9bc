/* sim_fare: the fare of a trip under a fleet's tariff. */
#ifndef SIM_FARE_H
#define SIM_FARE_H

#include "sim_config.h" /* sim_tariff_t: a fleet's tariff is part of the scenario */

/* List price of a trip of km kilometres and min minutes, before promotion. */
double sim_fare_list (const sim_tariff_t *t, double km, double min);

/* Price paid: max(min_fare, list x promo_factor - (has_coupon ? coupon : 0)). */
double sim_fare_paid (const sim_tariff_t *t, double km, double min, int has_coupon);

/* What a ride-hail driver earns on the trip (before commission): max(min_fare, list). Promotions and coupons are the
 * platform's (README "Costs"): the rider pays sim_fare_paid, the driver is paid on the list price. */
double sim_fare_earned (const sim_tariff_t *t, double km, double min);

#endif
