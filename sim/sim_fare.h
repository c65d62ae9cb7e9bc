/* sim_fare: a fleet's tariff and the fare of a trip. */
#ifndef SIM_FARE_H
#define SIM_FARE_H

typedef struct {
    double start_yuan;         /* start fare, includes start_km and start_min */
    double start_km;
    double start_min;
    double per_km_yuan;        /* beyond start_km */
    double per_min_yuan;       /* beyond start_min */
    double long_km;            /* the per-km rate rises by long_surcharge beyond this distance */
    double long_surcharge;     /* 0.5 = +50%; 0 = no long-distance surcharge */
    double promo_factor;       /* paid share of the list price (1 = no promotion) */
    double min_fare_yuan;      /* floor after promotion and coupon */
    double coupon_yuan;        /* taken off the promoted price for riders holding a coupon */
    double coupon_share;       /* share of riders holding a coupon */
} sim_tariff_t;

/* List price of a trip of km kilometres and min minutes, before promotion. */
double sim_fare_list (const sim_tariff_t *t, double km, double min);

/* Price paid: max(min_fare, list x promo_factor - (has_coupon ? coupon : 0)). */
double sim_fare_paid (const sim_tariff_t *t, double km, double min, int has_coupon);

#endif
