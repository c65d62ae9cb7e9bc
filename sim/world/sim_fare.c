/* sim_fare: tariff arithmetic. */
#include "sim_fare.h"

static double
s_beyond (double value, double included)
{
    return value > included ? value - included : 0.0;
}

double
sim_fare_list (const sim_tariff_t *t, double km, double min)
{
    return t->start_yuan + t->per_km_yuan * s_beyond (km, t->start_km) +
           t->per_km_yuan * t->long_surcharge * s_beyond (km, t->long_km > t->start_km ? t->long_km : t->start_km) +
           t->per_min_yuan * s_beyond (min, t->start_min);
}

double
sim_fare_paid (const sim_tariff_t *t, double km, double min, int has_coupon)
{
    double fare = sim_fare_list (t, km, min) * t->promo_factor;
    if (has_coupon)
        fare -= t->coupon_yuan;
    return fare > t->min_fare_yuan ? fare : t->min_fare_yuan;
}

double
sim_fare_earned (const sim_tariff_t *t, double km, double min)
{
    double fare = sim_fare_list (t, km, min);
    return fare > t->min_fare_yuan ? fare : t->min_fare_yuan;
}
