/* check_map_traffic: hour-of-day factors applied to free-flow times. */
#include <check.h>

#include "rt_check.h"
#include <stdint.h>
#include <stdlib.h>

#include "map_traffic.h"

#define S_HOUR_MS INT64_C (3600000)

START_TEST (test_flat_and_hours)
{
    map_traffic_t t;
    map_traffic_flat (&t, 1.25);
    for (int h = 0; h < 24; h++)
        ck_assert_double_eq (t.hour_factor[h], 1.25);
    ck_assert_int_eq (map_traffic_time (&t, 0, 1000), 1250);
    /* A morning peak: 8:00-8:59 is slow, 9:00 is not. */
    map_traffic_flat (&t, 1.0);
    t.hour_factor[8] = 1.6;
    ck_assert_int_eq (map_traffic_time (&t, 8 * S_HOUR_MS, 600000), 960000);
    ck_assert_int_eq (map_traffic_time (&t, 9 * S_HOUR_MS - 1, 600000), 960000);
    ck_assert_int_eq (map_traffic_time (&t, 9 * S_HOUR_MS, 600000), 600000);
    /* Day 3 at 8:30 is the same hour. */
    ck_assert_double_eq (map_traffic_factor (&t, 3 * 24 * S_HOUR_MS + 8 * S_HOUR_MS + 1800000), 1.6);
}
END_TEST

START_TEST (test_rounding_and_negative_time)
{
    map_traffic_t t;
    map_traffic_flat (&t, 1.5);
    ck_assert_int_eq (map_traffic_time (&t, 0, 1), 2); /* 1.5 rounds half away from zero */
    ck_assert_int_eq (map_traffic_time (&t, 0, 0), 0);
    t.hour_factor[0] = 2.0;
    ck_assert_double_eq (map_traffic_factor (&t, -5), 2.0); /* before day 0: hour 0 */
    ck_assert_double_eq (map_traffic_factor (&t, INT64_MAX), t.hour_factor[(INT64_MAX / S_HOUR_MS) % 24]);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_traffic");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_flat_and_hours);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_rounding_and_negative_time);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
