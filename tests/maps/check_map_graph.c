/* check_map_graph: adjacency, duplicate edges, travel-time rounding, nearest-node snapping and fingerprints. */
#include <check.h>

#include "rt_check.h"
#include "rt_rand.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map_graph.h"

/* Four nodes on a 100 m square, counter-clockwise from the origin. */
static map_graph_t *s_square (void)
{
    map_graph_t *g = map_graph_new (32650);
    ck_assert_ptr_nonnull (g);
    ck_assert_uint_eq (map_graph_add_node (g, 114.0, 30.0, 0, 0), 0);
    ck_assert_uint_eq (map_graph_add_node (g, 114.001, 30.0, 100, 0), 1);
    ck_assert_uint_eq (map_graph_add_node (g, 114.001, 30.001, 100, 100), 2);
    ck_assert_uint_eq (map_graph_add_node (g, 114.0, 30.001, 0, 100), 3);
    return g;
}

START_TEST (test_adjacency_consistent)
{
    map_graph_t *g = s_square ();
    /* Added out of order on purpose. */
    ck_assert_int_eq (map_graph_add_edge (g, 2, 3, 0, 36, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, 36, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 3, 0, 0, 36, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 1, 2, 0, 36, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 0, 2, 0, 72, MAP_ROAD_ARTERIAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 2, 0, 0, 72, MAP_ROAD_ARTERIAL), 0);
    ck_assert_int_eq (map_graph_finish (g), 0);
    ck_assert_uint_eq (map_graph_node_count (g), 4);
    ck_assert_uint_eq (map_graph_edge_count (g), 6);

    size_t m = map_graph_edge_count (g);
    int *seen_out = calloc (m, sizeof (int)), *seen_in = calloc (m, sizeof (int));
    for (uint32_t v = 0; v < 4; v++) {
        uint32_t first, end;
        map_graph_out (g, v, &first, &end);
        for (uint32_t e = first; e < end; e++) {
            ck_assert_uint_eq (map_graph_edge (g, e)->from, v);
            seen_out[e]++;
        }
        map_graph_in (g, v, &first, &end);
        uint32_t last_from = 0;
        for (uint32_t i = first; i < end; i++) {
            uint32_t e = map_graph_in_edge (g, i);
            ck_assert_uint_eq (map_graph_edge (g, e)->to, v);
            ck_assert_uint_ge (map_graph_edge (g, e)->from, last_from); /* in-edges ordered by from */
            last_from = map_graph_edge (g, e)->from;
            seen_in[e]++;
        }
    }
    for (size_t e = 0; e < m; e++) {
        ck_assert_int_eq (seen_out[e], 1);
        ck_assert_int_eq (seen_in[e], 1);
        if (e > 0) { /* sorted by (from, to) */
            const map_edge_t *a = map_graph_edge (g, (uint32_t)e - 1), *b = map_graph_edge (g, (uint32_t)e);
            ck_assert (a->from < b->from || (a->from == b->from && a->to < b->to));
        }
    }
    /* The diagonal: straight distance, 72 km/h = 20 m/s. */
    uint32_t first, end;
    map_graph_out (g, 0, &first, &end);
    ck_assert_uint_eq (end - first, 2);
    const map_edge_t *diag = map_graph_edge (g, first + 1);
    ck_assert_uint_eq (diag->to, 2);
    ck_assert_double_eq_tol (diag->length_m, 100 * sqrt (2), 1e-9);
    ck_assert_int_eq (diag->time_ms, (int64_t)ceil (100 * sqrt (2) / 20 * 1000));
    ck_assert_str_eq (map_road_class_name ((map_road_class_t)diag->road_class), "arterial");
    ck_assert_double_eq (map_graph_max_speed_kmh (g), 72);
    double x0, y0, x1, y1;
    map_graph_bounds (g, &x0, &y0, &x1, &y1);
    ck_assert_double_eq (x0, 0);
    ck_assert_double_eq (y0, 0);
    ck_assert_double_eq (x1, 100);
    ck_assert_double_eq (y1, 100);
    free (seen_out);
    free (seen_in);
    map_graph_destroy (&g);
    ck_assert_ptr_null (g);
}
END_TEST

START_TEST (test_duplicates_keep_fastest)
{
    map_graph_t *g = s_square ();
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, 30, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, 70, MAP_ROAD_EXPRESSWAY), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, 50, MAP_ROAD_ARTERIAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 1, 0, 0, 30, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_finish (g), 0);
    ck_assert_uint_eq (map_graph_edge_count (g), 2);
    const map_edge_t *e = map_graph_edge (g, 0);
    ck_assert_uint_eq (e->from, 0);
    ck_assert_uint_eq (e->to, 1);
    ck_assert_int_eq (e->road_class, MAP_ROAD_EXPRESSWAY);
    ck_assert_int_eq (e->time_ms, (int64_t)ceil (100 / (70 / 3.6) * 1000));
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_time_ceil_rule)
{
    map_graph_t *g = s_square ();
    /* 100 m at 36 km/h = 10 m/s is exactly 10 s; 100.0004 m is 10000.04 ms -> 10001; 0.001 m -> 1 ms minimum. */
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 100, 36, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 1, 2, 100.0004, 36, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 2, 3, 0.001, 36, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 3, 0, 1000, 120, MAP_ROAD_EXPRESSWAY), 0);
    ck_assert_int_eq (map_graph_finish (g), 0);
    ck_assert_int_eq (map_graph_edge (g, 0)->time_ms, 10000);
    ck_assert_int_eq (map_graph_edge (g, 1)->time_ms, 10001);
    ck_assert_int_eq (map_graph_edge (g, 2)->time_ms, 1);
    ck_assert_int_eq (map_graph_edge (g, 3)->time_ms, 30000);
    ck_assert_double_eq (map_graph_edge (g, 3)->length_m, 1000);
    map_graph_destroy (&g);
}
END_TEST

/* n random nodes in a w x h box with a few clusters and exact duplicates, to exercise ties and dense cells. */
static map_graph_t *s_random_graph (uint64_t seed, size_t n, double w, double h)
{
    uint64_t st = seed;
    map_graph_t *g = map_graph_new (32650);
    for (size_t i = 0; i < n; i++) {
        double x, y;
        if (i % 10 == 9) { /* a duplicate position of an earlier node */
            const map_node_t *old = map_graph_node (g, (uint32_t)(rt_next (&st) % i));
            x = old->x - 240000;
            y = old->y - 3380000;
        } else if (i % 3 == 0) { /* a cluster */
            x = 0.3 * w + rt_uniform (&st, -10, 10);
            y = 0.6 * h + rt_uniform (&st, -10, 10);
        } else {
            x = rt_uniform (&st, 0, w);
            y = rt_uniform (&st, 0, h);
        }
        map_graph_add_node (g, 0, 0, 240000 + x, 3380000 + y);
    }
    for (size_t i = 0; i + 1 < n; i++)
        map_graph_add_edge (g, (uint32_t)i, (uint32_t)i + 1, 0, 30, MAP_ROAD_LOCAL);
    ck_assert_int_eq (map_graph_finish (g), 0);
    return g;
}

static uint32_t s_brute_nearest (const map_graph_t *g, double x, double y)
{
    uint32_t best = MAP_NODE_NONE;
    double best_d2 = INFINITY;
    for (uint32_t v = 0; v < map_graph_node_count (g); v++) {
        const map_node_t *nd = map_graph_node (g, v);
        double d2 = (nd->x - x) * (nd->x - x) + (nd->y - y) * (nd->y - y);
        if (d2 < best_d2) {
            best_d2 = d2;
            best = v;
        }
    }
    return best;
}

START_TEST (test_nearest_matches_brute_force)
{
    static const struct {
        size_t n;
        double w, h;
    } shapes[] = {{500, 20000, 15000}, {37, 1000, 1000}, {300, 50000, 50}, {2, 10, 0}};
    uint64_t st = 42;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        map_graph_t *g = s_random_graph (1000 + s, shapes[s].n, shapes[s].w, shapes[s].h);
        for (int q = 0; q < 1000; q++) {
            double x, y;
            if (q % 4 == 0) { /* exactly on a node: must find that node or a lower id at the same spot */
                const map_node_t *nd = map_graph_node (g, (uint32_t)(rt_next (&st) % shapes[s].n));
                x = nd->x;
                y = nd->y;
            } else { /* inside and well outside the bounds */
                x = 240000 + rt_uniform (&st, -0.5, 1.5) * (shapes[s].w + 100);
                y = 3380000 + rt_uniform (&st, -0.5, 1.5) * (shapes[s].h + 100);
            }
            uint32_t want = s_brute_nearest (g, x, y);
            ck_assert_uint_eq (map_graph_nearest (g, x, y), want);
            /* Within a reach: the same node when it is that near, else none (reaches from 0 to past the box). */
            const map_node_t *w = map_graph_node (g, want);
            double d = sqrt ((w->x - x) * (w->x - x) + (w->y - y) * (w->y - y));
            double reach = rt_uniform (&st, 0, 2) * (d + 1);
            if (reach >= d * (1 + 1e-12))
                ck_assert_uint_eq (map_graph_nearest_within (g, x, y, reach), want);
            else if (reach < d * (1 - 1e-12)) /* (a reach within rounding of the distance is not judged) */
                ck_assert_uint_eq (map_graph_nearest_within (g, x, y, reach), MAP_NODE_NONE);
            ck_assert_uint_eq (map_graph_nearest_within (g, x, y, d * (1 + 1e-9) + 1e-9), want);
        }
        /* Very far away still answers, unless a reach is given. */
        ck_assert_uint_eq (map_graph_nearest (g, -1e9, 5e8), s_brute_nearest (g, -1e9, 5e8));
        ck_assert_uint_eq (map_graph_nearest_within (g, -1e9, 5e8, 1e6), MAP_NODE_NONE);
        ck_assert_uint_eq (map_graph_nearest_within (g, -1e9, 5e8, 1e10), s_brute_nearest (g, -1e9, 5e8));
        ck_assert_uint_eq (map_graph_nearest_within (g, 240000, 3380000, -1), MAP_NODE_NONE);
        map_graph_destroy (&g);
    }
}
END_TEST

static map_graph_t *s_fingerprint_graph (double last_speed)
{
    map_graph_t *g = s_square ();
    map_graph_add_edge (g, 0, 1, 0, 30, MAP_ROAD_LOCAL);
    map_graph_add_edge (g, 1, 2, 0, 30, MAP_ROAD_LOCAL);
    map_graph_add_edge (g, 2, 3, 0, last_speed, MAP_ROAD_LOCAL);
    ck_assert_int_eq (map_graph_finish (g), 0);
    return g;
}

START_TEST (test_fingerprint)
{
    map_graph_t *a = s_fingerprint_graph (30), *b = s_fingerprint_graph (30), *c = s_fingerprint_graph (31);
    ck_assert_uint_eq (map_graph_fingerprint (a), map_graph_fingerprint (b));
    ck_assert_uint_ne (map_graph_fingerprint (a), map_graph_fingerprint (c));
    map_graph_destroy (&a);
    map_graph_destroy (&b);
    map_graph_destroy (&c);
}
END_TEST

START_TEST (test_bad_input_refused)
{
    map_graph_t *g = map_graph_new (32650);
    ck_assert_int_eq (map_graph_finish (g), -1); /* no node */
    ck_assert_uint_eq (map_graph_add_node (g, 0, 0, 0, 0), 0);
    ck_assert_uint_eq (map_graph_add_node (g, 0, 0, NAN, 0), MAP_NODE_NONE);
    ck_assert_uint_eq (map_graph_add_node (g, 0, 0, 10, 0), 1);
    ck_assert_int_eq (map_graph_add_edge (g, 0, 0, 0, 30, MAP_ROAD_LOCAL), -1); /* loop */
    ck_assert_int_eq (map_graph_add_edge (g, 0, 7, 0, 30, MAP_ROAD_LOCAL), -1); /* unknown node */
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, 0, MAP_ROAD_LOCAL), -1);  /* no speed */
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, -5, MAP_ROAD_LOCAL), -1);
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, 30, MAP_ROAD_CLASS_COUNT), -1);
    ck_assert_int_eq (map_graph_finish (g), 0);
    ck_assert_uint_eq (map_graph_edge_count (g), 0);
    ck_assert_uint_eq (map_graph_add_node (g, 0, 0, 5, 5), MAP_NODE_NONE); /* frozen */
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, 30, MAP_ROAD_LOCAL), -1);
    ck_assert_str_eq (map_road_class_name (MAP_ROAD_BRIDGE), "bridge");
    ck_assert_str_eq (map_road_class_name (MAP_ROAD_EXPRESSWAY), "expressway");
    map_graph_destroy (&g);
    map_graph_destroy (&g); /* NULL-safe */
}
END_TEST

START_TEST (test_coincident_nodes_get_min_length)
{
    map_graph_t *g = map_graph_new (32650);
    map_graph_add_node (g, 0, 0, 5, 5);
    map_graph_add_node (g, 0, 0, 5, 5);
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, 36, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_finish (g), 0);
    ck_assert_double_eq (map_graph_edge (g, 0)->length_m, 0.1);
    ck_assert_int_eq (map_graph_edge (g, 0)->time_ms, 10);
    ck_assert_uint_eq (map_graph_nearest (g, 5, 5), 0); /* tie -> lower id */
    ck_assert_uint_eq (map_graph_nearest (g, NAN, 5), MAP_NODE_NONE);
    map_graph_destroy (&g);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_graph");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_adjacency_consistent);
    tcase_add_test (core, test_duplicates_keep_fastest);
    tcase_add_test (core, test_time_ceil_rule);
    tcase_add_test (core, test_nearest_matches_brute_force);
    tcase_add_test (core, test_fingerprint);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_bad_input_refused);
    tcase_add_test (limits, test_coincident_nodes_get_min_length);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
