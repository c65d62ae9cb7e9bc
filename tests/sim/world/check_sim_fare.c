/* check_sim_fare: the default tariffs land in the calibration bands (CALIBRATION.md): a 10 km ride costs 4-16 yuan by
 * robotaxi and 18-30 yuan by human ride-hail at city speeds, and a 2 km robotaxi ride with the coupon costs under
 * 2 yuan. */
#include <check.h>
#include <stdlib.h>

#include "sim_config.h"
#include "sim_fare.h"

static sim_config_t cfg;

static void
s_setup (void)
{
    sim_config_defaults (&cfg);
}

/* minutes for km at speed_kmh */
static double
s_min (double km, double speed_kmh)
{
    return km / speed_kmh * 60.0;
}

START_TEST (test_ten_km_bands_at_city_speeds)
{
    /* Wuhan's mean speeds are 27-37 km/h (peak to daily mean); check 20-45 km/h for margin */
    for (double v = 20; v <= 45; v += 1) {
        double robotaxi = sim_fare_paid (&cfg.robotaxi.tariff, 10, s_min (10, v), 0);
        double with_coupon = sim_fare_paid (&cfg.robotaxi.tariff, 10, s_min (10, v), 1);
        double human = sim_fare_paid (&cfg.human.tariff, 10, s_min (10, v), 0);
        ck_assert_msg (robotaxi >= 4 && robotaxi <= 16, "robotaxi 10 km at %g km/h: %g yuan", v, robotaxi);
        ck_assert_msg (with_coupon >= 4 && with_coupon <= 16, "robotaxi+coupon 10 km at %g km/h: %g", v, with_coupon);
        ck_assert_msg (human >= 18 && human <= 30, "human 10 km at %g km/h: %g yuan", v, human);
    }
}
END_TEST

START_TEST (test_two_km_with_coupon_under_two_yuan)
{
    for (double v = 20; v <= 45; v += 1) {
        double fare = sim_fare_paid (&cfg.robotaxi.tariff, 2, s_min (2, v), 1);
        ck_assert_msg (fare < 2.0, "2 km with coupon at %g km/h: %g yuan", v, fare);
        ck_assert_double_ge (fare, cfg.robotaxi.tariff.min_fare_yuan);
    }
}
END_TEST

START_TEST (test_list_price_arithmetic)
{
    /* 16 yuan incl. 1 km and 2 min, then 2.9 yuan/km and 0.4 yuan/min: 10 km in 20 min = 16 + 26.1 + 7.2 */
    ck_assert_double_eq_tol (sim_fare_list (&cfg.robotaxi.tariff, 10, 20), 49.3, 1e-9);
    ck_assert_double_eq_tol (sim_fare_paid (&cfg.robotaxi.tariff, 10, 20, 0), 49.3 * 0.3, 1e-9);
    /* inside the start allowance only the start fare counts */
    ck_assert_double_eq_tol (sim_fare_list (&cfg.robotaxi.tariff, 0.5, 1), 16, 1e-9);
}
END_TEST

START_TEST (test_fare_grows_with_distance)
{
    double prev_r = 0, prev_h = 0;
    for (double km = 0; km <= 30; km += 0.5) {
        double r = sim_fare_paid (&cfg.robotaxi.tariff, km, s_min (km, 30), 0);
        double h = sim_fare_paid (&cfg.human.tariff, km, s_min (km, 30), 0);
        ck_assert_double_ge (r, prev_r);
        ck_assert_double_ge (h, prev_h);
        ck_assert_double_lt (r, h);   /* the robotaxi is cheaper at every distance */
        prev_r = r;
        prev_h = h;
    }
}
END_TEST

START_TEST (test_minimum_fare_floor)
{
    sim_tariff_t t = cfg.robotaxi.tariff;
    t.coupon_yuan = 100;
    ck_assert_double_eq (sim_fare_paid (&t, 3, 6, 1), t.min_fare_yuan);
    t.promo_factor = 0;
    ck_assert_double_eq (sim_fare_paid (&t, 3, 6, 0), t.min_fare_yuan);
}
END_TEST

/* a driver is paid on the list fare whatever the rider's promotion or coupon, with the minimum fare as its floor */
START_TEST (test_driver_earns_the_list_fare)
{
    sim_tariff_t t = cfg.human.tariff;
    t.promo_factor = 0.5;
    t.coupon_yuan = 5;
    double list = sim_fare_list (&t, 10, 20);
    ck_assert_double_eq_tol (sim_fare_earned (&t, 10, 20), list, 1e-12);
    ck_assert_double_lt (sim_fare_paid (&t, 10, 20, 1), sim_fare_earned (&t, 10, 20));
    t.min_fare_yuan = list + 1;
    ck_assert_double_eq (sim_fare_earned (&t, 10, 20), list + 1);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_fare");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, NULL);
    tcase_add_test (core, test_ten_km_bands_at_city_speeds);
    tcase_add_test (core, test_two_km_with_coupon_under_two_yuan);
    tcase_add_test (core, test_list_price_arithmetic);
    tcase_add_test (core, test_fare_grows_with_distance);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, NULL);
    tcase_add_test (limits, test_minimum_fare_floor);
    tcase_add_test (limits, test_driver_earns_the_list_fare);
    suite_add_tcase (s, limits);
    SRunner *sr = srunner_create (s);
    srunner_run_all (sr, CK_NORMAL);
    int failed = srunner_ntests_failed (sr);
    srunner_free (sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
