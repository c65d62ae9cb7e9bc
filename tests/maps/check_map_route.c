/* check_map_route: A* routes and bounded searches against brute-force shortest paths on random graphs. */
#include <check.h>

#include "rt_check.h"
#include "rt_rand.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map_graph.h"
#include "map_route.h"

#define S_INF INT64_MAX

/* All-pairs fastest times by Floyd-Warshall, S_INF when unreachable. Caller frees. */
static int64_t *s_floyd (const map_graph_t *g)
{
    size_t n = map_graph_node_count (g);
    int64_t *d = malloc (n * n * sizeof *d);
    for (size_t i = 0; i < n * n; i++)
        d[i] = S_INF;
    for (size_t i = 0; i < n; i++)
        d[i * n + i] = 0;
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        int64_t *cell = &d[edge->from * n + edge->to];
        if (edge->time_ms < *cell) *cell = edge->time_ms;
    }
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < n; i++) {
            if (d[i * n + k] == S_INF) continue;
            for (size_t j = 0; j < n; j++)
                if (d[k * n + j] != S_INF && d[i * n + k] + d[k * n + j] < d[i * n + j])
                    d[i * n + j] = d[i * n + k] + d[k * n + j];
        }
    return d;
}

/* Finds the edge from -> to, or fails the test. */
static const map_edge_t *s_edge_between (const map_graph_t *g, uint32_t from, uint32_t to)
{
    uint32_t first, end;
    map_graph_out (g, from, &first, &end);
    for (uint32_t e = first; e < end; e++)
        if (map_graph_edge (g, e)->to == to) return map_graph_edge (g, e);
    ck_abort_msg ("path step %u -> %u is not an edge", from, to);
    return NULL;
}

static const struct {
    uint64_t seed;
    size_t n, m;
} s_cases[] = {{1, 20, 40}, {2, 20, 80}, {3, 60, 150}, {4, 100, 400}, {5, 200, 500}, {6, 200, 1200}, {7, 150, 160}};

START_TEST (test_route_equals_brute_force)
{
    for (size_t c = 0; c < sizeof s_cases / sizeof s_cases[0]; c++) {
        map_graph_t *g = rt_random_graph (s_cases[c].seed, s_cases[c].n, s_cases[c].m, 0);
        map_router_t *r = map_router_new (g);
        ck_assert_ptr_nonnull (r);
        size_t n = map_graph_node_count (g);
        int64_t *d = s_floyd (g);
        size_t reachable = 0, unreachable = 0;
        for (uint32_t a = 0; a < n; a++)
            for (uint32_t b = 0; b < n; b++) {
                map_route_t route = {.time_ms = -7, .length_m = -7};
                int rc = map_router_route (r, a, b, &route);
                if (d[a * n + b] == S_INF) {
                    ck_assert_int_eq (rc, -1);
                    unreachable++;
                    continue;
                }
                reachable++;
                ck_assert_int_eq (rc, 0);
                ck_assert_int_eq (route.time_ms, d[a * n + b]);
                size_t count;
                const uint32_t *path = map_router_path (r, &count);
                ck_assert_uint_ge (count, 1);
                ck_assert_uint_eq (path[0], a);
                ck_assert_uint_eq (path[count - 1], b);
                int64_t sum_ms = 0;
                double sum_m = 0;
                for (size_t i = 0; i + 1 < count; i++) {
                    const map_edge_t *edge = s_edge_between (g, path[i], path[i + 1]);
                    sum_ms += edge->time_ms;
                    sum_m += edge->length_m;
                }
                ck_assert_int_eq (sum_ms, route.time_ms);
                ck_assert_double_eq_tol (sum_m, route.length_m, 1e-6);
                if (a == b) {
                    ck_assert_uint_eq (count, 1);
                    ck_assert_double_eq (route.length_m, 0);
                }
            }
        ck_assert_uint_gt (reachable, n); /* the cases are not trivial */
        if (s_cases[c].m < 2 * s_cases[c].n) ck_assert_uint_gt (unreachable, 0);
        free (d);
        map_router_destroy (&r);
        map_graph_destroy (&g);
    }
}
END_TEST

typedef struct {
    uint32_t *nodes;
    int64_t *times;
    size_t count;
    size_t stop_after; /* return nonzero after this many visits; 0 = never */
} s_visits_t;

static int s_record (uint32_t node, int64_t time_ms, void *arg)
{
    s_visits_t *v = arg;
    v->nodes[v->count] = node;
    v->times[v->count] = time_ms;
    v->count++;
    return v->stop_after && v->count >= v->stop_after;
}

/* Checks one bounded search: visits in (time, id) order, exactly the nodes within limit, with brute-force times.
 * `to_target` selects search_to (times are d[v][start]) or search_from (d[start][v]). */
static void s_check_search (map_router_t *r, const int64_t *d, size_t n, uint32_t start, int64_t limit_ms,
                            int to_target)
{
    s_visits_t v = {.nodes = malloc (n * sizeof (uint32_t)), .times = malloc (n * sizeof (int64_t))};
    size_t visited = to_target ? map_router_search_to (r, start, limit_ms, s_record, &v)
                               : map_router_search_from (r, start, limit_ms, s_record, &v);
    ck_assert_uint_eq (visited, v.count);
    size_t expected = 0;
    for (uint32_t u = 0; u < n; u++) {
        int64_t t = to_target ? d[u * n + start] : d[start * n + u];
        if (t <= limit_ms) expected++;
    }
    ck_assert_uint_eq (v.count, expected);
    for (size_t i = 0; i < v.count; i++) {
        int64_t t = to_target ? d[v.nodes[i] * n + start] : d[start * n + v.nodes[i]];
        ck_assert_int_eq (v.times[i], t);
        ck_assert_int_le (v.times[i], limit_ms);
        if (i > 0)
            ck_assert (v.times[i - 1] < v.times[i] || (v.times[i - 1] == v.times[i] && v.nodes[i - 1] < v.nodes[i]));
    }
    if (limit_ms >= 0) {
        ck_assert_uint_eq (v.nodes[0], start);
        ck_assert_int_eq (v.times[0], 0);
    }
    free (v.nodes);
    free (v.times);
}

START_TEST (test_searches_equal_brute_force)
{
    for (size_t c = 0; c < sizeof s_cases / sizeof s_cases[0]; c++) {
        map_graph_t *g = rt_random_graph (s_cases[c].seed, s_cases[c].n, s_cases[c].m, 0);
        map_router_t *r = map_router_new (g);
        size_t n = map_graph_node_count (g);
        int64_t *d = s_floyd (g);
        static const int64_t limits[] = {0, 60000, 300000, 900000, INT64_MAX / 4};
        for (uint32_t s = 0; s < n; s += 3)
            for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
                s_check_search (r, d, n, s, limits[l], 1);
                s_check_search (r, d, n, s, limits[l], 0);
            }
        free (d);
        map_router_destroy (&r);
        map_graph_destroy (&g);
    }
}
END_TEST

START_TEST (test_repeated_queries_identical)
{
    map_graph_t *g = rt_random_graph (11, 200, 900, 0);
    map_router_t *r = map_router_new (g);
    size_t n = map_graph_node_count (g);
    uint64_t st = 5;
    for (int q = 0; q < 300; q++) {
        uint32_t a = (uint32_t)(rt_next (&st) % n), b = (uint32_t)(rt_next (&st) % n);
        map_route_t first, again;
        int rc1 = map_router_route (r, a, b, &first);
        size_t count1, count2;
        const uint32_t *p = map_router_path (r, &count1);
        uint32_t *copy = malloc ((count1 ? count1 : 1) * sizeof (uint32_t));
        memcpy (copy, p, count1 * sizeof (uint32_t));
        /* Other queries in between must not leak into the next answer. */
        s_visits_t v = {.nodes = malloc (n * sizeof (uint32_t)), .times = malloc (n * sizeof (int64_t))};
        map_router_search_to (r, b, 600000, s_record, &v);
        v.count = 0;
        map_router_search_from (r, a, 600000, s_record, &v);
        map_route_t other;
        map_router_route (r, b, a, &other);
        int rc2 = map_router_route (r, a, b, &again);
        ck_assert_int_eq (rc1, rc2);
        if (rc1 == 0) {
            ck_assert_int_eq (first.time_ms, again.time_ms);
            ck_assert_double_eq (first.length_m, again.length_m);
            p = map_router_path (r, &count2);
            ck_assert_uint_eq (count1, count2);
            ck_assert_int_eq (memcmp (copy, p, count1 * sizeof (uint32_t)), 0);
        }
        free (copy);
        free (v.nodes);
        free (v.times);
    }
    map_router_destroy (&r);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_search_stops_when_asked)
{
    map_graph_t *g = rt_random_graph (4, 100, 400, 0);
    map_router_t *r = map_router_new (g);
    s_visits_t v = {
        .nodes = malloc (100 * sizeof (uint32_t)), .times = malloc (100 * sizeof (int64_t)), .stop_after = 5};
    ck_assert_uint_eq (map_router_search_from (r, 0, INT64_MAX / 4, s_record, &v), 5);
    ck_assert_uint_eq (v.count, 5);
    v.count = 0;
    v.stop_after = 1;
    ck_assert_uint_eq (map_router_search_to (r, 3, INT64_MAX / 4, s_record, &v), 1);
    ck_assert_uint_eq (v.nodes[0], 3);
    v.count = 0;
    v.stop_after = 0;
    ck_assert_uint_eq (map_router_search_to (r, 3, -1, s_record, &v), 0); /* negative limit: nothing */
    free (v.nodes);
    free (v.times);
    map_router_destroy (&r);
    map_graph_destroy (&g);
}
END_TEST

/* An edge given a length shorter than the straight distance must not make A* miss the fastest path. */
START_TEST (test_short_edge_keeps_route_optimal)
{
    map_graph_t *g = map_graph_new (32650);
    map_graph_add_node (g, 0, 0, 0, 0);
    map_graph_add_node (g, 0, 0, 1000, 0);
    map_graph_add_node (g, 0, 0, 10000, 0);
    map_graph_add_node (g, 0, 0, 500, 3000);
    map_graph_add_edge (g, 0, 1, 0, 30, MAP_ROAD_LOCAL);
    map_graph_add_edge (g, 1, 2, 0, 30, MAP_ROAD_LOCAL);
    map_graph_add_edge (g, 0, 3, 0, 30, MAP_ROAD_LOCAL);
    map_graph_add_edge (g, 3, 2, 10, 30, MAP_ROAD_LOCAL); /* a "tunnel": 10 m for a 10 km gap */
    ck_assert_int_eq (map_graph_finish (g), 0);
    map_router_t *r = map_router_new (g);
    map_route_t route;
    ck_assert_int_eq (map_router_route (r, 0, 2, &route), 0);
    ck_assert_int_eq (route.time_ms, map_graph_edge (g, 1)->time_ms + map_graph_edge (g, 3)->time_ms);
    size_t count;
    const uint32_t *p = map_router_path (r, &count);
    ck_assert_uint_eq (count, 3);
    ck_assert_uint_eq (p[1], 3);
    map_router_destroy (&r);
    map_router_destroy (&r);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_single_node_graph)
{
    map_graph_t *g = map_graph_new (32650);
    map_graph_add_node (g, 0, 0, 1, 1);
    ck_assert_int_eq (map_graph_finish (g), 0);
    map_router_t *r = map_router_new (g);
    map_route_t route;
    ck_assert_int_eq (map_router_route (r, 0, 0, &route), 0);
    ck_assert_int_eq (route.time_ms, 0);
    ck_assert_double_eq (route.length_m, 0);
    s_visits_t v = {.nodes = malloc (sizeof (uint32_t)), .times = malloc (sizeof (int64_t))};
    ck_assert_uint_eq (map_router_search_from (r, 0, 0, s_record, &v), 1);
    free (v.nodes);
    free (v.times);
    map_router_destroy (&r);
    map_graph_destroy (&g);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_route");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 120); /* all-pairs brute force and full city builds: slow under sanitizers */
    tcase_add_test (core, test_route_equals_brute_force);
    tcase_add_test (core, test_searches_equal_brute_force);
    tcase_add_test (core, test_repeated_queries_identical);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_search_stops_when_asked);
    tcase_add_test (limits, test_short_edge_keeps_route_optimal);
    tcase_add_test (limits, test_single_node_graph);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
