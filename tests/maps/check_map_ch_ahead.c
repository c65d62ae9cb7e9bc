/* check_map_ch_ahead: a route asked ahead is the route map_ch_route gives, whether the routing thread computed it,
 * was computing it when it was wanted, or had not started it (then the caller computes it); dropped tickets free
 * their slots; a full ring refuses asks and serves again once slots are used up; destroying with routes pending is
 * clean. */
#include <check.h>

#include "rt_check.h"
#include "rt_rand.h"
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "map_ch.h"
#include "map_ch_ahead.h"
#include "map_graph.h"
#include "map_route.h"
#include "map_wuhan.h"

static map_graph_t *s_g;
static map_ch_t *s_ch;

static void s_setup (void)
{
    char err[256] = "";
    s_g = map_wuhan_build (32650, 600, err, sizeof err);
    ck_assert_msg (s_g != NULL, "map_wuhan_build: %s", err);
    s_ch = map_ch_build (s_g, NULL, NULL, err, sizeof err);
    ck_assert_msg (s_ch != NULL, "map_ch_build: %s", err);
}

static void s_teardown (void)
{
    map_ch_destroy (&s_ch);
    map_graph_destroy (&s_g);
}

/* Seconds on a monotonic clock: waits for the routing thread are bounded by time, not by a count of yields, so a
 * loaded machine that leaves the thread unscheduled for a while does not fail them. */
static double s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define S_WAIT_S 60.0

typedef struct {
    uint64_t ticket;
    uint32_t from, to;
    int open; /* neither taken nor dropped yet */
} s_ask_t;

/* Takes ask a, checking it against map_ch_route on a query of the test's own. */
static void s_take_and_check (map_ch_ahead_t *ahead, map_ch_query_t *q, s_ask_t *a)
{
    map_route_t got = {.time_ms = -7, .length_m = -7}, want;
    int rc = map_ch_ahead_take (ahead, a->ticket, &got);
    int want_rc = map_ch_route (q, a->from, a->to, &want);
    ck_assert_int_eq (rc, want_rc);
    if (rc == 0) {
        ck_assert_int_eq (got.time_ms, want.time_ms);
        ck_assert_double_eq (got.length_m, want.length_m);
    }
    a->open = 0;
}

/* Many asks, taken and dropped in a shuffled order while more come, some at once (the caller computes them or
 * waits), some after the thread had time: every taken route equals map_ch_route's, and every ask is counted once.
 * The ring has room for every ask, so none is refused and the draws alone decide what is taken or dropped. */
START_TEST (test_routes_equal_map_ch_route_in_any_order)
{
    size_t n = map_graph_node_count (s_g);
    enum { ASKS = 6000 };
    map_ch_ahead_t *ahead = map_ch_ahead_new (s_ch, 8192, 0);
    ck_assert_ptr_nonnull (ahead);
    map_ch_query_t *q = map_ch_query_new (s_ch);
    ck_assert_ptr_nonnull (q);
    s_ask_t *asks = calloc (ASKS, sizeof *asks);
    ck_assert_ptr_nonnull (asks);
    uint64_t st = 20261204u;
    size_t asked = 0, taken = 0, dropped = 0, refused = 0, open_count = 0;
    while (asked < ASKS) {
        /* a burst of asks */
        size_t burst = 1 + rt_next (&st) % 40;
        for (size_t i = 0; i < burst && asked < ASKS; i++) {
            s_ask_t *a = &asks[asked++];
            a->from = (uint32_t)(rt_next (&st) % n);
            a->to = rt_next (&st) % 8 == 0 ? a->from : (uint32_t)(rt_next (&st) % n);
            a->ticket = map_ch_ahead_ask (ahead, a->from, a->to);
            if (a->ticket == MAP_CH_AHEAD_NONE) {
                refused++;
                continue;
            }
            a->open = 1;
            open_count++;
        }
        /* now and then the thread gets time to catch up */
        if (rt_next (&st) % 4 == 0)
            for (int y = 0; y < 50; y++)
                sched_yield ();
        /* some open asks, picked at random among the open ones, are taken (most) or dropped */
        size_t uses = rt_next (&st) % (burst + 8);
        for (size_t u = 0; u < uses && open_count > 0; u++) {
            size_t pick = rt_next (&st) % asked;
            while (!asks[pick].open)
                pick = (pick + 1) % asked;
            if (rt_next (&st) % 5 == 0) {
                map_ch_ahead_drop (ahead, asks[pick].ticket);
                asks[pick].open = 0;
                dropped++;
            } else {
                s_take_and_check (ahead, q, &asks[pick]);
                taken++;
            }
            open_count--;
        }
    }
    for (size_t i = 0; i < asked; i++)
        if (asks[i].open) {
            s_take_and_check (ahead, q, &asks[i]);
            taken++;
        }
    map_ch_ahead_stats_t stats;
    map_ch_ahead_stats (ahead, &stats);
    ck_assert_uint_eq (refused, 0);
    ck_assert_uint_eq (stats.refused, 0);
    ck_assert_uint_eq (stats.ahead + stats.at_need, taken);
    ck_assert_uint_eq (taken + dropped, ASKS);
    ck_assert_uint_gt (taken, ASKS / 2);
    /* one more, taken once the thread says it is ready: the thread's answer, counted as routed ahead */
    s_ask_t last = {.from = 0, .to = (uint32_t)(n - 1)};
    last.ticket = map_ch_ahead_ask (ahead, last.from, last.to);
    ck_assert (last.ticket != MAP_CH_AHEAD_NONE);
    for (double until = s_now_s () + S_WAIT_S; !map_ch_ahead_ready (ahead, last.ticket) && s_now_s () < until;)
        sched_yield ();
    ck_assert_msg (map_ch_ahead_ready (ahead, last.ticket), "the routing thread never routed the last ask");
    s_take_and_check (ahead, q, &last);
    map_ch_ahead_stats (ahead, &stats);
    ck_assert_uint_eq (stats.ahead + stats.at_need, taken + 1);
    ck_assert_uint_ge (stats.ahead, 1);
    free (asks);
    map_ch_query_destroy (&q);
    map_ch_ahead_destroy (&ahead);
    ck_assert_ptr_null (ahead);
}
END_TEST

/* A ring of two slots: a third ask is refused while both are open; once the oldest is used up (and the thread has
 * passed it) asks are served again. */
START_TEST (test_full_ring_refuses_then_serves)
{
    size_t n = map_graph_node_count (s_g);
    map_ch_ahead_t *ahead = map_ch_ahead_new (s_ch, 1, 0); /* rounded up to 2 */
    ck_assert_ptr_nonnull (ahead);
    map_ch_query_t *q = map_ch_query_new (s_ch);
    s_ask_t a = {.from = 0, .to = (uint32_t)(n - 1)}, b = {.from = 1, .to = (uint32_t)(n / 2)},
            c = {.from = 2, .to = 3};
    a.ticket = map_ch_ahead_ask (ahead, a.from, a.to);
    b.ticket = map_ch_ahead_ask (ahead, b.from, b.to);
    ck_assert (a.ticket != MAP_CH_AHEAD_NONE && b.ticket != MAP_CH_AHEAD_NONE);
    ck_assert (map_ch_ahead_ask (ahead, c.from, c.to) == MAP_CH_AHEAD_NONE);
    s_take_and_check (ahead, q, &b); /* the newer one: the oldest still holds the ring */
    ck_assert (map_ch_ahead_ask (ahead, c.from, c.to) == MAP_CH_AHEAD_NONE);
    s_take_and_check (ahead, q, &a);
    /* the thread must pass both slots before they are free again: it has them, or will shortly */
    uint64_t ticket = MAP_CH_AHEAD_NONE;
    for (double until = s_now_s () + S_WAIT_S; ticket == MAP_CH_AHEAD_NONE && s_now_s () < until;) {
        ticket = map_ch_ahead_ask (ahead, c.from, c.to);
        if (ticket == MAP_CH_AHEAD_NONE) sched_yield ();
    }
    ck_assert_msg (ticket != MAP_CH_AHEAD_NONE, "the ring stayed full after both slots were used up");
    c.ticket = ticket;
    s_take_and_check (ahead, q, &c);
    map_ch_ahead_stats_t stats;
    map_ch_ahead_stats (ahead, &stats);
    ck_assert_uint_ge (stats.refused, 2);
    map_ch_query_destroy (&q);
    map_ch_ahead_destroy (&ahead);
}
END_TEST

/* With paths kept, a take gives the route's nodes as map_ch_path gives them, both for routes the thread computed
 * (asked well before, waited for) and for those the caller computes at once (asked and taken back to back); a
 * route to the same node is that one node. */
START_TEST (test_paths_equal_map_ch_path)
{
    size_t n = map_graph_node_count (s_g);
    map_ch_ahead_t *ahead = map_ch_ahead_new (s_ch, 1024, 1);
    map_ch_query_t *q = map_ch_query_new (s_ch);
    ck_assert (ahead && q);
    uint64_t st = 11;
    enum { ROUNDS = 40, BATCH = 20 };
    s_ask_t asks[BATCH];
    size_t checked = 0, long_paths = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < BATCH; i++) {
            asks[i].from = (uint32_t)(rt_next (&st) % n);
            asks[i].to = i == 0 ? asks[i].from : (uint32_t)(rt_next (&st) % n);
            asks[i].ticket = map_ch_ahead_ask (ahead, asks[i].from, asks[i].to);
            ck_assert (asks[i].ticket != MAP_CH_AHEAD_NONE);
        }
        if (round % 2) { /* let the thread finish them all */
            double until = s_now_s () + S_WAIT_S;
            while (!map_ch_ahead_ready (ahead, asks[BATCH - 1].ticket) && s_now_s () < until)
                sched_yield ();
        }
        for (int i = BATCH; i-- > 0;) {
            map_route_t got, want;
            const uint32_t *path;
            size_t count;
            int rc = map_ch_ahead_take_path (ahead, asks[i].ticket, &got, &path, &count);
            ck_assert_int_eq (rc, map_ch_route (q, asks[i].from, asks[i].to, &want));
            if (rc < 0) continue;
            size_t want_count;
            const uint32_t *want_path = map_ch_path (q, &want_count);
            ck_assert_uint_eq (count, want_count);
            ck_assert (path[0] == asks[i].from && path[count - 1] == asks[i].to);
            for (size_t k = 0; k < count; k++)
                ck_assert_uint_eq (path[k], want_path[k]);
            ck_assert_int_eq (got.time_ms, want.time_ms);
            checked++;
            long_paths += count > 10;
        }
    }
    ck_assert_msg (checked > ROUNDS * BATCH * 9 / 10 && long_paths > ROUNDS, "%zu paths checked, %zu long", checked,
                   long_paths);
    map_ch_query_destroy (&q);
    map_ch_ahead_destroy (&ahead);
}
END_TEST

/* Destroying with asks open (never taken, never dropped) stops the thread and frees everything (the sanitizer build
 * checks the memory); NULL is accepted. */
START_TEST (test_destroy_with_routes_pending)
{
    size_t n = map_graph_node_count (s_g);
    map_ch_ahead_t *ahead = map_ch_ahead_new (s_ch, 4096, 0);
    ck_assert_ptr_nonnull (ahead);
    uint64_t st = 7;
    for (int i = 0; i < 4000; i++)
        ck_assert (map_ch_ahead_ask (ahead, (uint32_t)(rt_next (&st) % n), (uint32_t)(rt_next (&st) % n)) !=
                   MAP_CH_AHEAD_NONE);
    map_ch_ahead_destroy (&ahead);
    ck_assert_ptr_null (ahead);
    map_ch_ahead_destroy (&ahead);
    map_ch_ahead_destroy (NULL);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_ch_ahead");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_set_timeout (core, 120);
    tcase_add_test (core, test_routes_equal_map_ch_route_in_any_order);
    tcase_add_test (core, test_paths_equal_map_ch_path);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_set_timeout (limits, 120);
    tcase_add_test (limits, test_full_ring_refuses_then_serves);
    tcase_add_test (limits, test_destroy_with_routes_pending);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
