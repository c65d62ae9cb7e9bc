/* check_sim_charger: a charging site as a driver meets it: free plugs are taken on arrival, the rest queue first
 * come first served, a freed plug goes to the first in the queue, one who gives up leaves the queue without taking
 * a plug, plugs are never over-occupied (checked against a plain reference queue over a long random day), and the
 * plug-hours and wait-hours add up. */
#include <check.h>

#include "rt_check.h"
#include <stdint.h>
#include <string.h>

#include "sim_charger.h"
#include "sim_rng.h"

START_TEST (test_plugs_then_queue_in_order)
{
    sim_charger_site_t sites[] = {{.node = 7, .plugs = 2, .kw = 60, .access = SIM_CHARGER_PUBLIC},
                                  {.node = 9, .plugs = 1, .kw = 120, .access = SIM_CHARGER_DEPOT}};
    sim_chargers_t *c = sim_chargers_new (sites, 2, 10);
    ck_assert_ptr_nonnull (c);
    ck_assert_uint_eq (sim_chargers_count (c), 2);
    ck_assert_uint_eq (sim_chargers_site (c, 1)->node, 9);
    ck_assert_int_eq (sim_chargers_arrive (c, 0, 3, 1.0), 1);
    ck_assert_int_eq (sim_chargers_arrive (c, 0, 5, 1.0), 1);
    ck_assert_int_eq (sim_chargers_arrive (c, 0, 1, 1.5), 0);
    ck_assert_int_eq (sim_chargers_arrive (c, 0, 8, 2.0), 0);
    ck_assert_int_eq (sim_chargers_arrive (c, 0, 2, 2.0), 0);
    ck_assert_int_eq (sim_chargers_arrive (c, 1, 4, 2.0), 1);   /* the other site is apart */
    ck_assert_uint_eq (sim_chargers_plugged (c, 0), 2);
    ck_assert_uint_eq (sim_chargers_waiting (c, 0), 3);
    sim_chargers_give_up (c, 0, 8, 2.5);   /* the middle of the queue */
    ck_assert_uint_eq (sim_chargers_waiting (c, 0), 2);
    ck_assert_uint_eq (sim_chargers_leave (c, 0, 5, 3.0), 1);   /* first come, first served */
    ck_assert_uint_eq (sim_chargers_leave (c, 0, 3, 3.0), 2);
    ck_assert_uint_eq (sim_chargers_leave (c, 0, 1, 4.0), SIM_CHARGER_NONE);
    ck_assert_uint_eq (sim_chargers_plugged (c, 0), 1);
    ck_assert_uint_eq (sim_chargers_waiting (c, 0), 0);
    /* plug-hours at site 0: 2 plugs 1..3 (4 h), vehicle 1 from 3 to 4 (1 h), vehicle 2 from 3 to 5 (2 h);
     * waits: 1 from 1.5 to 3, 8 from 2 to 2.5, 2 from 2 to 3 */
    double plug_h, wait_h;
    sim_chargers_hours (c, 0, 5.0, &plug_h, &wait_h);
    ck_assert_double_eq_tol (plug_h, 4 + 1 + 2, 1e-12);
    ck_assert_double_eq_tol (wait_h, 1.5 + 0.5 + 1.0, 1e-12);
    ck_assert_uint_eq (sim_chargers_leave (c, 0, 2, 5.0), SIM_CHARGER_NONE);
    ck_assert_int_eq (sim_chargers_arrive (c, 0, 8, 6.0), 1);   /* one who gave up may come back */
    sim_chargers_destroy (&c);
    ck_assert_ptr_null (c);
    sim_chargers_destroy (&c);
}
END_TEST

/* A long random day at three sites against a reference: arrays of who is plugged and who waits, in order. */
START_TEST (test_random_day_matches_reference)
{
    enum { SITES = 3, CARS = 40 };
    sim_charger_site_t sites[SITES] = {{.node = 0, .plugs = 1, .kw = 30},
                                       {.node = 1, .plugs = 3, .kw = 60},
                                       {.node = 2, .plugs = 5, .kw = 120}};
    sim_chargers_t *c = sim_chargers_new (sites, SITES, CARS);
    ck_assert_ptr_nonnull (c);
    int at[CARS], plugged[CARS];   /* the reference: site or -1, and whether plugged */
    uint32_t queue[SITES][CARS];
    int qlen[SITES] = {0}, used[SITES] = {0};
    for (int v = 0; v < CARS; v++)
        at[v] = -1, plugged[v] = 0;
    sim_rng_t rng;
    sim_rng_seed (&rng, 42, 0);
    double now = 0;
    for (int step = 0; step < 20000; step++) {
        now += sim_rng_uniform (&rng) * 0.01;
        uint32_t v = (uint32_t) (sim_rng_uniform (&rng) * CARS);
        if (at[v] < 0) {
            int s = (int) (sim_rng_uniform (&rng) * SITES);
            int took = sim_chargers_arrive (c, (size_t) s, v, now);
            ck_assert_int_eq (took, used[s] < (int) sites[s].plugs);
            at[v] = s;
            plugged[v] = took;
            if (took)
                used[s]++;
            else
                queue[s][qlen[s]++] = v;
        } else if (plugged[v]) {
            int s = at[v];
            uint32_t next = sim_chargers_leave (c, (size_t) s, v, now);
            at[v] = -1;
            plugged[v] = 0;
            if (qlen[s] == 0) {
                ck_assert_uint_eq (next, SIM_CHARGER_NONE);
                used[s]--;
            } else {
                ck_assert_uint_eq (next, queue[s][0]);
                plugged[next] = 1;
                memmove (queue[s], queue[s] + 1, (size_t) --qlen[s] * sizeof **queue);
            }
        } else {   /* waiting: gives up */
            int s = at[v];
            sim_chargers_give_up (c, (size_t) s, v, now);
            at[v] = -1;
            int i = 0;
            while (queue[s][i] != v)
                i++;
            memmove (queue[s] + i, queue[s] + i + 1, (size_t) (qlen[s] - i - 1) * sizeof **queue);
            qlen[s]--;
        }
        for (int s = 0; s < SITES; s++) {
            ck_assert_uint_le (sim_chargers_plugged (c, (size_t) s), sites[s].plugs);
            ck_assert_uint_eq (sim_chargers_plugged (c, (size_t) s), (uint32_t) used[s]);
            ck_assert_uint_eq (sim_chargers_waiting (c, (size_t) s), (uint32_t) qlen[s]);
            ck_assert (qlen[s] == 0 || used[s] == (int) sites[s].plugs);   /* nobody waits by a free plug */
        }
    }
    sim_chargers_destroy (&c);
}
END_TEST

START_TEST (test_bad_sites_refused)
{
    sim_charger_site_t none[] = {{.node = 0, .plugs = 0, .kw = 50}};
    ck_assert_ptr_null (sim_chargers_new (none, 1, 4));
    sim_charger_site_t dead[] = {{.node = 0, .plugs = 2, .kw = 0}};
    ck_assert_ptr_null (sim_chargers_new (dead, 1, 4));
    sim_chargers_t *empty = sim_chargers_new (NULL, 0, 0);
    ck_assert_ptr_nonnull (empty);
    ck_assert_uint_eq (sim_chargers_count (empty), 0);
    sim_chargers_destroy (&empty);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_charger");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_plugs_then_queue_in_order);
    tcase_add_test (core, test_random_day_matches_reference);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_bad_sites_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
