/* check_sim_ev: an electric car's energy as a fleet operator would check it: a slow km costs more than a fast one,
 * a charger gives full power up to the taper point and less after, the time to a level agrees with an independent
 * step-by-step integration and with its inverse, and a session across a tariff's hour boundary pays each hour's
 * energy at that hour's price. */
#include <check.h>

#include "rt_check.h"
#include <math.h>

#include "sim_ev.h"

/* A ride-hail car of the BYD Qin Plus EV's size: 57 kWh, 60 kW DC. */
static const sim_ev_t s_car = {.capacity_kwh = 57.0,
                               .drive_kwh_per_km = 0.12,
                               .aux_kw = 1.5,
                               .stand_kw = 0.3,
                               .max_kw = 60.0,
                               .taper_soc = 0.8,
                               .end_share = 0.2,
                               .efficiency = 0.92};

START_TEST (test_slow_km_costs_more)
{
    /* 10 km in 20 min (30 km/h) against 10 km in 40 min (15 km/h) */
    double fast = sim_ev_drive_kwh (&s_car, 10, 1.0 / 3), slow = sim_ev_drive_kwh (&s_car, 10, 2.0 / 3);
    ck_assert_double_eq_tol (fast, 1.2 + 0.5, 1e-12);
    ck_assert_double_eq_tol (slow, 1.2 + 1.0, 1e-12);
    ck_assert_double_eq_tol (sim_ev_stand_kwh (&s_car, 2), 0.6, 1e-12);
    ck_assert_double_eq (sim_ev_drive_kwh (&s_car, -3, -1), 0.0);
}
END_TEST

START_TEST (test_power_curve)
{
    ck_assert_double_eq (sim_ev_power_kw (&s_car, 120, 0.1), 60.0);   /* the car's limit */
    ck_assert_double_eq (sim_ev_power_kw (&s_car, 30, 0.5), 30.0);    /* the charger's */
    ck_assert_double_eq (sim_ev_power_kw (&s_car, 120, 0.8), 60.0);
    ck_assert_double_eq_tol (sim_ev_power_kw (&s_car, 120, 0.9), 60.0 * 0.6, 1e-9);
    ck_assert_double_eq_tol (sim_ev_power_kw (&s_car, 120, 1.0), 60.0 * 0.2, 1e-9);
    double last = 1e9;
    for (double s = 0; s <= 1.0; s += 0.01) {
        double p = sim_ev_power_kw (&s_car, 120, s);
        ck_assert (p <= last + 1e-12);
        last = p;
    }
}
END_TEST

START_TEST (test_charge_time_below_taper)
{
    /* 20% -> 80% of 57 kWh at 60 kW: 34.2 kWh in 0.57 h (34 min) */
    ck_assert_double_eq_tol (sim_ev_charge_hours (&s_car, 120, 0.2, 0.8), 0.57, 1e-12);
    ck_assert_double_eq (sim_ev_charge_hours (&s_car, 120, 0.8, 0.2), 0.0);
    ck_assert_double_eq (sim_ev_charge_hours (&s_car, 0, 0.2, 0.8), 0.0);
}
END_TEST

/* The time by small steps of charge: sum of C ds / P(s), with no closed form. */
static double
s_integrate (const sim_ev_t *ev, double kw, double a, double b)
{
    const int steps = 200000;
    double h = 0, ds = (b - a) / steps;
    for (int i = 0; i < steps; i++)
        h += ev->capacity_kwh * ds / sim_ev_power_kw (ev, kw, a + (i + 0.5) * ds);
    return h;
}

START_TEST (test_charge_time_matches_integration_and_inverse)
{
    const double levels[] = {0.0, 0.15, 0.5, 0.79, 0.8, 0.85, 0.93, 0.99, 1.0};
    const size_t n = sizeof levels / sizeof *levels;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            double a = levels[i], b = levels[j];
            double h = sim_ev_charge_hours (&s_car, 90, a, b);
            ck_assert_msg (fabs (h - s_integrate (&s_car, 90, a, b)) < 1e-6, "%.2f -> %.2f: %.9f h", a, b, h);
            ck_assert_msg (fabs (sim_ev_charge_soc (&s_car, 90, a, h) - b) < 1e-9, "inverse %.2f -> %.2f", a, b);
        }
    /* the taper makes the last 20% slower than the 20% below it */
    ck_assert (sim_ev_charge_hours (&s_car, 90, 0.8, 1.0) > 2 * sim_ev_charge_hours (&s_car, 90, 0.6, 0.8));
    /* long enough and it is full, never more */
    ck_assert_double_eq (sim_ev_charge_soc (&s_car, 90, 0.3, 50), 1.0);
    ck_assert_double_eq (sim_ev_charge_soc (&s_car, 90, 0.3, 0), 0.3);
}
END_TEST

START_TEST (test_no_taper)
{
    sim_ev_t flat = s_car;
    flat.end_share = 1.0;
    ck_assert_double_eq_tol (sim_ev_charge_hours (&flat, 60, 0.5, 1.0), 57 * 0.5 / 60, 1e-12);
    ck_assert_double_eq_tol (sim_ev_charge_soc (&flat, 60, 0.5, 57 * 0.25 / 60), 0.75, 1e-12);
    flat.taper_soc = 1.0;
    flat.end_share = 0.2;
    ck_assert_double_eq_tol (sim_ev_charge_hours (&flat, 60, 0.0, 1.0), 57.0 / 60, 1e-12);
}
END_TEST

START_TEST (test_session_pays_each_hour_its_price)
{
    sim_tou_t tou;
    for (int h = 0; h < 24; h++)
        tou.yuan_per_kwh[h] = h >= 23 || h < 7 ? 0.4 : 1.0;   /* valley from 23:00 */
    double in, bought;
    /* 22:30 for 1 h from 20% at 30 kW: 15 kWh at 1.0, 15 kWh at 0.4, all below the taper (0.2 -> 0.726) */
    double yuan = sim_ev_session_yuan (&s_car, 30, 0.2, 22.5, 1.0, &tou, &in, &bought);
    ck_assert_double_eq_tol (in, 30.0, 1e-9);
    ck_assert_double_eq_tol (bought, 30.0 / 0.92, 1e-9);
    ck_assert_double_eq_tol (yuan, 15.0 / 0.92 * 1.0 + 15.0 / 0.92 * 0.4, 1e-9);
    /* the next day's hours: 47:30 is 23:30 */
    double late = sim_ev_session_yuan (&s_car, 30, 0.2, 47.5, 0.5, &tou, &in, NULL);
    ck_assert_double_eq_tol (in, 15.0, 1e-9);
    ck_assert_double_eq_tol (late, 15.0 / 0.92 * 0.4, 1e-9);
    /* energy in equals the change in charge, across the taper too */
    sim_ev_session_yuan (&s_car, 60, 0.5, 3.2, 2.7, &tou, &in, NULL);
    ck_assert_double_eq_tol (in, 57 * (sim_ev_charge_soc (&s_car, 60, 0.5, 2.7) - 0.5), 1e-9);
    ck_assert_double_eq (sim_ev_session_yuan (&s_car, 60, 0.5, 3.2, 0, &tou, &in, &bought), 0.0);
    ck_assert_double_eq (in, 0.0);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_ev");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_slow_km_costs_more);
    tcase_add_test (core, test_power_curve);
    tcase_add_test (core, test_charge_time_below_taper);
    tcase_add_test (core, test_charge_time_matches_integration_and_inverse);
    tcase_add_test (core, test_session_pays_each_hour_its_price);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_no_taper);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
