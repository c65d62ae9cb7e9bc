/* check_sim_metrics: utilization shares, empty-km share, waits and their 95th percentile, hour splitting. */
#include <check.h>

#include "rt_check.h"
#include <stdlib.h>

#include "sim_metrics.h"

#define H 3600000LL

START_TEST (test_shares_and_waits)
{
    sim_metrics_t *m = sim_metrics_new (24 * H);
    sim_metrics_set_vehicles (m, DISP_FLEET_HUMAN, 2);
    /* one vehicle: 1 h occupied, 30 min to pickups, 90 min idle -> 1/3, 1/6, 1/2 */
    sim_metrics_vehicle_time (m, DISP_FLEET_HUMAN, SIM_TIME_OCCUPIED, 0, H);
    sim_metrics_vehicle_time (m, DISP_FLEET_HUMAN, SIM_TIME_PICKUP, H, H + H / 2);
    sim_metrics_vehicle_time (m, DISP_FLEET_HUMAN, SIM_TIME_IDLE, H + H / 2, 3 * H);
    sim_metrics_km (m, DISP_FLEET_HUMAN, SIM_KM_PICKUP, 0, 4);
    sim_metrics_km (m, DISP_FLEET_HUMAN, SIM_KM_OCCUPIED, 0, 12);
    for (int i = 1; i <= 100; i++) {
        sim_metrics_request (m, DISP_FLEET_HUMAN, 0);
        ck_assert_int_eq (sim_metrics_pickup (m, DISP_FLEET_HUMAN, 0, i * 1000LL), 0);   /* waits 1..100 s */
    }
    sim_metrics_request (m, DISP_FLEET_HUMAN, 0);
    sim_metrics_giveup (m, DISP_FLEET_HUMAN, 0);
    sim_metrics_fare (m, DISP_FLEET_HUMAN, 0, 25.5);
    sim_fleet_metrics_t f;
    sim_metrics_fleet (m, DISP_FLEET_HUMAN, &f);
    ck_assert_uint_eq (f.vehicles, 2);
    ck_assert_uint_eq (f.requests, 101);
    ck_assert_uint_eq (f.served, 100);
    ck_assert_uint_eq (f.unserved, 1);
    ck_assert_double_eq_tol (f.util_occupied, 1.0 / 3, 1e-12);
    ck_assert_double_eq_tol (f.util_pickup, 1.0 / 6, 1e-12);
    ck_assert_double_eq_tol (f.util_idle, 0.5, 1e-12);
    ck_assert_double_eq_tol (f.empty_km_share, 0.25, 1e-12);
    ck_assert_double_eq_tol (f.km_driven, 16, 1e-12);
    ck_assert_double_eq_tol (f.mean_wait_s, 50.5, 1e-9);
    ck_assert_double_eq (f.p95_wait_s, 95);
    ck_assert_double_eq (f.revenue_yuan, 25.5);
    /* 3 vehicle-hours over 24 h */
    ck_assert_double_eq_tol (f.vehicles_online_mean, 3.0 / 24, 1e-12);
    sim_metrics_destroy (&m);
}
END_TEST

START_TEST (test_hours_split_and_horizon)
{
    sim_metrics_t *m = sim_metrics_new (24 * H);
    /* 30 min before 8:00 and 30 min after, then time past midnight which is not counted */
    sim_metrics_vehicle_time (m, DISP_FLEET_ROBOTAXI, SIM_TIME_IDLE, 7 * H + H / 2, 8 * H + H / 2);
    sim_metrics_vehicle_time (m, DISP_FLEET_ROBOTAXI, SIM_TIME_OCCUPIED, 23 * H, 26 * H);
    sim_fleet_metrics_t h7, h8, h23;
    sim_metrics_hour (m, DISP_FLEET_ROBOTAXI, 7, &h7);
    sim_metrics_hour (m, DISP_FLEET_ROBOTAXI, 8, &h8);
    sim_metrics_hour (m, DISP_FLEET_ROBOTAXI, 23, &h23);
    ck_assert_double_eq_tol (h7.vehicles_online_mean, 0.5, 1e-12);
    ck_assert_double_eq_tol (h8.vehicles_online_mean, 0.5, 1e-12);
    ck_assert_double_eq_tol (h23.vehicles_online_mean, 1.0, 1e-12);
    ck_assert_double_eq (h23.util_occupied, 1.0);
    /* an event after midnight (the drain) is booked in the last hour */
    sim_metrics_request (m, DISP_FLEET_ROBOTAXI, 25 * H);
    sim_metrics_hour (m, DISP_FLEET_ROBOTAXI, 23, &h23);
    ck_assert_uint_eq (h23.requests, 1);
    sim_metrics_destroy (&m);
}
END_TEST

START_TEST (test_repositioning_is_empty_km_and_on_shift_time)
{
    sim_metrics_t *m = sim_metrics_new (24 * H);
    /* a robotaxi: 1 h occupied (12 km), 30 min to pickups (4 km), 30 min repositioning (10 km), 1 h idle */
    sim_metrics_vehicle_time (m, DISP_FLEET_ROBOTAXI, SIM_TIME_OCCUPIED, 0, H);
    sim_metrics_vehicle_time (m, DISP_FLEET_ROBOTAXI, SIM_TIME_PICKUP, H, H + H / 2);
    sim_metrics_vehicle_time (m, DISP_FLEET_ROBOTAXI, SIM_TIME_REPOSITION, H + H / 2, 2 * H);
    sim_metrics_vehicle_time (m, DISP_FLEET_ROBOTAXI, SIM_TIME_IDLE, 2 * H, 3 * H);
    sim_metrics_km (m, DISP_FLEET_ROBOTAXI, SIM_KM_OCCUPIED, 0, 12);
    sim_metrics_km (m, DISP_FLEET_ROBOTAXI, SIM_KM_PICKUP, H, 4);
    sim_metrics_km (m, DISP_FLEET_ROBOTAXI, SIM_KM_REPOSITION, H + H / 2, 10);
    sim_fleet_metrics_t f, h1;
    sim_metrics_fleet (m, DISP_FLEET_ROBOTAXI, &f);
    ck_assert_double_eq_tol (f.km_driven, 26, 1e-12);
    ck_assert_double_eq_tol (f.reposition_km, 10, 1e-12);
    ck_assert_double_eq_tol (f.empty_km_share, 14.0 / 26, 1e-12);
    ck_assert_double_eq_tol (f.hours_online, 3, 1e-12);
    ck_assert_double_eq_tol (f.util_occupied, 1.0 / 3, 1e-12);
    ck_assert_double_eq_tol (f.util_pickup, 1.0 / 6, 1e-12);
    ck_assert_double_eq_tol (f.util_reposition, 1.0 / 6, 1e-12);
    ck_assert_double_eq_tol (f.util_idle, 1.0 / 3, 1e-12);
    sim_metrics_hour (m, DISP_FLEET_ROBOTAXI, 1, &h1);
    ck_assert_double_eq_tol (h1.reposition_km, 10, 1e-12);
    ck_assert_double_eq_tol (h1.util_reposition, 0.5, 1e-12);
    sim_metrics_destroy (&m);
}
END_TEST

START_TEST (test_request_moved_to_the_serving_fleet)
{
    sim_metrics_t *m = sim_metrics_new (24 * H);
    /* three riders ask for a human driver at 7:30; one of them is served by a robotaxi */
    for (int i = 0; i < 3; i++)
        sim_metrics_request (m, DISP_FLEET_HUMAN, 7 * H + H / 2);
    sim_metrics_move_request (m, DISP_FLEET_HUMAN, DISP_FLEET_ROBOTAXI, 7 * H + H / 2);
    sim_fleet_metrics_t r, h, r7;
    sim_metrics_fleet (m, DISP_FLEET_ROBOTAXI, &r);
    sim_metrics_fleet (m, DISP_FLEET_HUMAN, &h);
    sim_metrics_hour (m, DISP_FLEET_ROBOTAXI, 7, &r7);
    ck_assert_uint_eq (r.requests, 1);
    ck_assert_uint_eq (h.requests, 2);
    ck_assert_uint_eq (r7.requests, 1);   /* in the hour it was made */
    sim_metrics_destroy (&m);
}
END_TEST

START_TEST (test_empty_fleet_has_zero_not_nan)
{
    sim_metrics_t *m = sim_metrics_new (24 * H);
    sim_fleet_metrics_t f;
    sim_metrics_fleet (m, DISP_FLEET_ROBOTAXI, &f);
    ck_assert_double_eq (f.util_occupied, 0);
    ck_assert_double_eq (f.empty_km_share, 0);
    ck_assert_double_eq (f.mean_wait_s, 0);
    ck_assert_double_eq (f.p95_wait_s, 0);
    sim_metrics_destroy (&m);
    sim_metrics_destroy (&m);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_metrics");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_shares_and_waits);
    tcase_add_test (core, test_hours_split_and_horizon);
    tcase_add_test (core, test_repositioning_is_empty_km_and_on_shift_time);
    tcase_add_test (core, test_request_moved_to_the_serving_fleet);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_empty_fleet_has_zero_not_nan);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
