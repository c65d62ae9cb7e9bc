/* check_map_ch_sources: the standing-sources buckets of map_ch answer "which k sources reach this target soonest"
 * exactly as brute force does (plain Dijkstra from the target, every source compared, ties by id), while sources
 * come, move and go; the horizon, the limit and the entry limit behave as documented; a watch is told of exactly the
 * sources that reach each target within its limit, with the Dijkstra time. */
#include <check.h>

#include "rt_check.h"
#include "rt_data.h"
#include "rt_rand.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map_ch.h"
#include "map_ch_sources.h"
#include "map_graph.h"
#include "map_osm.h"
#include "map_route.h"
#include "map_wuhan.h"

#define S_INF MAP_CH_UNREACHABLE

static int s_record_time (uint32_t node, int64_t time_ms, void *arg)
{
    ((int64_t *)arg)[node] = time_ms;
    return 0;
}

typedef struct {
    int64_t ms;
    uint32_t id;
} s_pair_t;

static int s_pair_cmp (const void *a, const void *b)
{
    const s_pair_t *x = a, *y = b;
    if (x->ms != y->ms) return x->ms < y->ms ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Brute force: every present source's plain Dijkstra time to target, those within limit, sorted by (time, id). */
static size_t s_brute (map_router_t *r, size_t n, uint32_t target, int64_t limit_ms, const uint32_t *node_of,
                       const int *present, uint32_t id_limit, int64_t *to_target, s_pair_t *out)
{
    for (size_t v = 0; v < n; v++)
        to_target[v] = S_INF;
    map_router_search_to (r, target, INT64_MAX, s_record_time, to_target);
    size_t count = 0;
    for (uint32_t id = 0; id < id_limit; id++)
        if (present[id] && to_target[node_of[id]] <= limit_ms)
            out[count++] = (s_pair_t){.ms = to_target[node_of[id]], .id = id};
    qsort (out, count, sizeof *out, s_pair_cmp);
    return count;
}

/* The longest of 20 routes between random nodes (the draws come from *st): a typical trip, to set horizons by. */
static int64_t s_long_trip_ms (map_router_t *r, size_t n, uint64_t *st)
{
    int64_t longest = 0;
    for (int i = 0; i < 20; i++) {
        uint32_t a = (uint32_t)(rt_next (st) % n), b = (uint32_t)(rt_next (st) % n);
        map_route_t route;
        if (map_router_route (r, a, b, &route) == 0 && route.time_ms > longest) longest = route.time_ms;
    }
    return longest;
}

/* Random puts, moves and removals on g, each followed now and then by queries for random targets, limits and k,
 * compared with brute force. Returns how many queries found at least one source (so callers can check the cases
 * were not empty). */
static size_t s_expect_brute (const map_graph_t *g, uint64_t seed, uint32_t id_limit, size_t rounds)
{
    char err[256] = "";
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_msg (ch != NULL, "map_ch_build: %s", err);
    size_t n = map_graph_node_count (g);
    uint64_t st = seed;
    /* A horizon about a third of the typical trip, so the cut matters. */
    map_router_t *r = map_router_new (g);
    int64_t *to_target = malloc (n * sizeof *to_target);
    s_pair_t *want = malloc (id_limit * sizeof *want);
    uint32_t *node_of = calloc (id_limit, sizeof *node_of), *ids = malloc (id_limit * sizeof *ids);
    int64_t *ms = malloc (id_limit * sizeof *ms);
    int *present = calloc (id_limit, sizeof *present);
    ck_assert (r && to_target && want && node_of && ids && ms && present);
    int64_t horizon_ms = s_long_trip_ms (r, n, &st) / 3 + 1;
    map_ch_sources_t *s = map_ch_sources_new (ch, id_limit, horizon_ms, SIZE_MAX);
    ck_assert_ptr_nonnull (s);
    ck_assert_int_eq (map_ch_sources_horizon (s), horizon_ms);
    size_t nonempty = 0, count = 0;
    /* A few hot nodes get several sources, so equal times (ties by id) are common. */
    uint32_t hot[3] = {(uint32_t)(rt_next (&st) % n), (uint32_t)(rt_next (&st) % n), (uint32_t)(rt_next (&st) % n)};
    for (size_t round = 0; round < rounds; round++) {
        uint32_t id = (uint32_t)(rt_next (&st) % id_limit);
        if (present[id] && rt_next (&st) % 3 == 0) {
            map_ch_sources_remove (s, id);
            present[id] = 0;
            count--;
        } else {
            uint32_t node = rt_next (&st) % 4 == 0 ? hot[rt_next (&st) % 3] : (uint32_t)(rt_next (&st) % n);
            ck_assert_int_eq (map_ch_sources_put (s, id, node), 0);
            if (!present[id]) count++;
            present[id] = 1;
            node_of[id] = node;
        }
        ck_assert_uint_eq (map_ch_sources_count (s), count);
        ck_assert_int_eq (map_ch_sources_contains (s, id), present[id]);
        if (round % 5 != 0) continue;
        uint32_t target = rt_next (&st) % 4 == 0 ? hot[rt_next (&st) % 3] : (uint32_t)(rt_next (&st) % n);
        int64_t limit_ms = rt_next (&st) % 4 == 0 ? horizon_ms : (int64_t)(rt_next (&st) % (uint64_t)(horizon_ms + 1));
        size_t k = 1 + rt_next (&st) % 6;
        size_t got = map_ch_sources_nearest (s, target, limit_ms, k, ids, ms);
        size_t all = s_brute (r, n, target, limit_ms, node_of, present, id_limit, to_target, want);
        size_t expect = all < k ? all : k;
        ck_assert_msg (got == expect, "round %zu target %u limit %lld k %zu: %zu found, brute force %zu", round, target,
                       (long long)limit_ms, k, got, expect);
        for (size_t i = 0; i < got; i++)
            ck_assert_msg (ids[i] == want[i].id && ms[i] == want[i].ms,
                           "round %zu target %u k %zu: #%zu is source %u at %lld ms, brute force %u at %lld ms", round,
                           target, k, i, ids[i], (long long)ms[i], want[i].id, (long long)want[i].ms);
        if (got > 0) nonempty++;
    }
    /* Taking every source out leaves empty buckets. */
    for (uint32_t id = 0; id < id_limit; id++)
        map_ch_sources_remove (s, id);
    ck_assert_uint_eq (map_ch_sources_count (s), 0);
    ck_assert_uint_eq (map_ch_sources_entries (s), 0);
    map_ch_sources_destroy (&s);
    ck_assert_ptr_null (s);
    map_ch_destroy (&ch);
    map_router_destroy (&r);
    free (to_target);
    free (want);
    free (node_of);
    free (ids);
    free (ms);
    free (present);
    return nonempty;
}

START_TEST (test_random_graphs_equal_brute_force)
{
    static const struct {
        uint64_t seed;
        size_t n, m;
        uint32_t ids;
    } cases[] = {{11, 30, 60, 8}, {12, 100, 400, 40}, {13, 200, 500, 60}, {14, 300, 1500, 200}, {15, 150, 160, 30}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        map_graph_t *g = rt_random_graph (cases[c].seed, cases[c].n, cases[c].m, 5);
        size_t nonempty = s_expect_brute (g, cases[c].seed, cases[c].ids, 1500);
        ck_assert_uint_gt (nonempty, 30);
        map_graph_destroy (&g);
    }
}
END_TEST

START_TEST (test_wuhan_equal_brute_force)
{
    char err[256] = "";
    map_graph_t *g = map_wuhan_build (32650, 400, err, sizeof err);
    ck_assert_msg (g != NULL, "map_wuhan_build: %s", err);
    ck_assert_uint_gt (s_expect_brute (g, 21, 300, 2000), 100);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_monaco_equal_brute_force)
{
    char path[1024];
    if (!rt_data ("osm/monaco.osm.pbf", path, sizeof path)) return;
    char err[512] = "";
    map_graph_t *g = map_osm_import (path, NULL, NULL, err, sizeof err);
    ck_assert_msg (g != NULL, "map_osm_import: %s", err);
    ck_assert_uint_gt (s_expect_brute (g, 31, 150, 1500), 100);
    map_graph_destroy (&g);
}
END_TEST

/* A line 0 - 1 - 2 - 3 (100 m, 10 s a hop): times, the limit, the horizon, k and ties by id. */
START_TEST (test_line_limits_and_ties)
{
    map_graph_t *g = map_graph_new (32650);
    for (int i = 0; i < 4; i++)
        map_graph_add_node (g, 0, 0, 100.0 * i, 0);
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert_int_eq (map_graph_add_edge (g, i, i + 1, 100, 36, MAP_ROAD_LOCAL), 0);
        ck_assert_int_eq (map_graph_add_edge (g, i + 1, i, 100, 36, MAP_ROAD_LOCAL), 0);
    }
    ck_assert_int_eq (map_graph_finish (g), 0);
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_ptr_nonnull (ch);
    /* Horizon 20 s: a source three hops away (30 s) is never found, whatever the limit. */
    map_ch_sources_t *s = map_ch_sources_new (ch, 10, 20000, SIZE_MAX);
    ck_assert_int_eq (map_ch_sources_put (s, 7, 3), 0);
    ck_assert_int_eq (map_ch_sources_put (s, 5, 1), 0);
    ck_assert_int_eq (map_ch_sources_put (s, 2, 1), 0);
    uint32_t ids[4];
    int64_t ms[4];
    ck_assert_uint_eq (map_ch_sources_nearest (s, 0, 20000, 4, ids, ms), 2);
    ck_assert_uint_eq (ids[0], 2); /* both at 10 s: the lower id first */
    ck_assert_uint_eq (ids[1], 5);
    ck_assert_int_eq (ms[0], 10000);
    ck_assert_int_eq (ms[1], 10000);
    ck_assert_uint_eq (map_ch_sources_nearest (s, 0, 9999, 4, ids, ms), 0); /* the limit is inclusive only */
    ck_assert_uint_eq (map_ch_sources_nearest (s, 0, 10000, 1, ids, ms), 1);
    ck_assert_uint_eq (ids[0], 2);
    /* Moving source 2 to node 0 makes it 0 ms away; moving 7 next to the target puts it in reach. */
    ck_assert_int_eq (map_ch_sources_put (s, 2, 0), 0);
    ck_assert_int_eq (map_ch_sources_put (s, 7, 2), 0);
    ck_assert_uint_eq (map_ch_sources_count (s), 3);
    ck_assert_uint_eq (map_ch_sources_nearest (s, 0, 20000, 4, ids, ms), 3);
    ck_assert_uint_eq (ids[0], 2);
    ck_assert_int_eq (ms[0], 0);
    ck_assert_uint_eq (ids[1], 5);
    ck_assert_uint_eq (ids[2], 7);
    ck_assert_int_eq (ms[2], 20000);
    /* Out-of-range and absent removals change nothing; k = 0 and an empty set find nothing. */
    map_ch_sources_remove (s, 9);
    map_ch_sources_remove (s, 1000);
    ck_assert_uint_eq (map_ch_sources_count (s), 3);
    ck_assert_uint_eq (map_ch_sources_nearest (s, 0, 20000, 0, ids, ms), 0);
    for (uint32_t id = 0; id < 10; id++)
        map_ch_sources_remove (s, id);
    ck_assert_uint_eq (map_ch_sources_nearest (s, 0, 20000, 4, ids, ms), 0);
    map_ch_sources_destroy (&s);
    map_ch_sources_destroy (&s); /* NULL-safe */
    ck_assert_ptr_null (map_ch_sources_new (ch, 10, -1, SIZE_MAX));
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

/* Past the entry limit a put fails and leaves the source absent and every other source's answers intact. */
START_TEST (test_entry_limit_refuses_and_keeps_the_rest)
{
    char err[256] = "";
    map_graph_t *g = map_wuhan_build (32650, 600, err, sizeof err);
    ck_assert_ptr_nonnull (g);
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_ptr_nonnull (ch);
    size_t n = map_graph_node_count (g);
    map_ch_sources_t *free_set = map_ch_sources_new (ch, 4, 900000, SIZE_MAX);
    ck_assert_int_eq (map_ch_sources_put (free_set, 0, 0), 0);
    size_t one = map_ch_sources_entries (free_set);
    ck_assert_uint_gt (one, 1);
    /* Room for one source and a half. */
    map_ch_sources_t *s = map_ch_sources_new (ch, 4, 900000, one + one / 2);
    ck_assert_int_eq (map_ch_sources_put (s, 0, 0), 0);
    ck_assert_int_eq (map_ch_sources_put (s, 1, 0), -1);
    ck_assert_int_eq (map_ch_sources_contains (s, 1), 0);
    ck_assert_uint_eq (map_ch_sources_count (s), 1);
    ck_assert_uint_eq (map_ch_sources_entries (s), one);
    uint32_t ids[2];
    int64_t ms[2], want[2];
    /* A target a few minutes from node 0. */
    map_ch_query_t *q = map_ch_query_new (ch);
    uint32_t target = 0;
    for (uint32_t v = 1; v < n && target == 0; v++) {
        map_route_t route;
        if (map_ch_route (q, 0, v, &route) == 0 && route.time_ms > 180000 && route.time_ms < 600000) target = v;
    }
    map_ch_query_destroy (&q);
    ck_assert_uint_ne (target, 0);
    ck_assert_uint_eq (map_ch_sources_nearest (free_set, target, 900000, 2, ids, want), 1);
    ck_assert_uint_eq (map_ch_sources_nearest (s, target, 900000, 2, ids, ms), 1);
    ck_assert_uint_eq (ids[0], 0);
    ck_assert_int_eq (ms[0], want[0]);
    map_ch_sources_destroy (&s);
    map_ch_sources_destroy (&free_set);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

/* ---- the watch ---- */

typedef struct {
    uint32_t targets, sources;
    int64_t *least; /* [target * sources + source]: least time told, S_INF when never */
    size_t told;
} s_told_t;

static void s_on_told (uint32_t target, uint32_t source, int64_t ms, void *arg)
{
    s_told_t *t = arg;
    ck_assert_uint_lt (target, t->targets);
    ck_assert_uint_lt (source, t->sources);
    int64_t *least = &t->least[(size_t)target * t->sources + source];
    if (ms < *least) *least = ms;
    t->told++;
}

/* Targets are watched at random nodes with random limits (some moved, some taken out); then sources are put with the
 * watch. Every (target, source) pair within the target's limit by plain Dijkstra must be told, with exactly that
 * least time, and no other pair. */
static size_t s_expect_watch (const map_graph_t *g, uint64_t seed, uint32_t targets, uint32_t sources)
{
    char err[256] = "";
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_msg (ch != NULL, "map_ch_build: %s", err);
    size_t n = map_graph_node_count (g);
    uint64_t st = seed;
    map_router_t *r = map_router_new (g);
    int64_t horizon_ms = s_long_trip_ms (r, n, &st) / 2 + 1;
    map_ch_watch_t *w = map_ch_watch_new (ch, targets, horizon_ms, SIZE_MAX);
    map_ch_sources_t *s = map_ch_sources_new (ch, sources, horizon_ms, SIZE_MAX);
    ck_assert (w && s);
    uint32_t *t_node = calloc (targets, sizeof *t_node);
    int64_t *t_limit = calloc (targets, sizeof *t_limit);
    int *t_on = calloc (targets, sizeof *t_on);
    for (uint32_t round = 0; round < 3 * targets; round++) {
        uint32_t id = (uint32_t)(rt_next (&st) % targets);
        if (t_on[id] && rt_next (&st) % 4 == 0) {
            map_ch_watch_remove (w, id);
            t_on[id] = 0;
            continue;
        }
        t_node[id] = (uint32_t)(rt_next (&st) % n);
        t_limit[id] = (int64_t)(rt_next (&st) % (uint64_t)(horizon_ms + 1));
        ck_assert_int_eq (map_ch_watch_put (w, id, t_node[id], t_limit[id]), 0);
        t_on[id] = 1;
    }
    size_t on = 0;
    for (uint32_t id = 0; id < targets; id++) {
        ck_assert_int_eq (map_ch_watch_contains (w, id), t_on[id]);
        on += (size_t)t_on[id];
    }
    ck_assert_uint_eq (map_ch_watch_count (w), on);
    s_told_t told = {.targets = targets, .sources = sources, .least = malloc ((size_t)targets * sources * 8)};
    for (size_t i = 0; i < (size_t)targets * sources; i++)
        told.least[i] = S_INF;
    uint32_t *s_node = malloc (sources * sizeof *s_node);
    for (uint32_t id = 0; id < sources; id++) {
        s_node[id] = (uint32_t)(rt_next (&st) % n);
        ck_assert_int_eq (map_ch_sources_put_watched (s, id, s_node[id], w, s_on_told, &told), 0);
    }
    int64_t *to_target = malloc (n * sizeof *to_target);
    size_t pairs = 0;
    for (uint32_t t = 0; t < targets; t++) {
        for (size_t v = 0; v < n; v++)
            to_target[v] = S_INF;
        if (t_on[t]) map_router_search_to (r, t_node[t], INT64_MAX, s_record_time, to_target);
        for (uint32_t id = 0; id < sources; id++) {
            int64_t want = t_on[t] && to_target[s_node[id]] <= t_limit[t] ? to_target[s_node[id]] : S_INF;
            int64_t got = told.least[(size_t)t * sources + id];
            ck_assert_msg (got == want, "target %u (node %u, limit %lld) source %u (node %u): told %lld, Dijkstra %lld",
                           t, t_node[t], (long long)t_limit[t], id, s_node[id], (long long)got, (long long)want);
            pairs += want != S_INF;
        }
    }
    map_ch_watch_destroy (&w);
    ck_assert_ptr_null (w);
    map_ch_sources_destroy (&s);
    map_ch_destroy (&ch);
    map_router_destroy (&r);
    free (t_node);
    free (t_limit);
    free (t_on);
    free (told.least);
    free (s_node);
    free (to_target);
    return pairs;
}

START_TEST (test_watch_tells_exactly_the_pairs_within_limits)
{
    static const struct {
        uint64_t seed;
        size_t n, m;
    } cases[] = {{41, 40, 90}, {42, 150, 600}, {43, 300, 800}, {44, 200, 220}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        map_graph_t *g = rt_random_graph (cases[c].seed, cases[c].n, cases[c].m, 5);
        ck_assert_uint_gt (s_expect_watch (g, cases[c].seed, 60, 80), 50);
        map_graph_destroy (&g);
    }
    char err[256] = "";
    map_graph_t *g = map_wuhan_build (32650, 400, err, sizeof err);
    ck_assert_ptr_nonnull (g);
    ck_assert_uint_gt (s_expect_watch (g, 45, 120, 150), 500);
    map_graph_destroy (&g);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_ch_sources");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 180); /* thousands of Dijkstra searches: slow under sanitizers */
    tcase_add_test (core, test_random_graphs_equal_brute_force);
    tcase_add_test (core, test_wuhan_equal_brute_force);
    tcase_add_test (core, test_monaco_equal_brute_force);
    tcase_add_test (core, test_line_limits_and_ties);
    tcase_add_test (core, test_entry_limit_refuses_and_keeps_the_rest);
    tcase_add_test (core, test_watch_tells_exactly_the_pairs_within_limits);
    suite_add_tcase (s, core);
    return rt_check_run (s);
}
