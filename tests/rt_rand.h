/* rt_rand: the seeded generator and the random road graph the Check suites share, so every run tests the same
 * sequence and the results do not depend on the C library. */
#ifndef RT_RAND_H
#define RT_RAND_H

#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "map_graph.h"

/* splitmix64: the next number of the sequence in *state. */
static inline uint64_t
rt_next (uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static inline double
rt_uniform (uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * (double) (rt_next (state) >> 11) / 9007199254740992.0;
}

/* A finished random directed graph with n nodes in a 5 km square and up to m one-way edges. Edge lengths are the
 * straight distance times 1..1.5 (or the straight distance itself), speeds from the road-class range, so A* has a
 * real heuristic; every seventh node sits on a coarse lattice so that equally fast paths occur. When twin_every > 0,
 * every twin_every-th edge also gets a slower parallel twin (the graph keeps the faster). */
static inline map_graph_t *
rt_random_graph (uint64_t seed, size_t n, size_t m, size_t twin_every)
{
    uint64_t st = seed;
    map_graph_t *g = map_graph_new (32650);
    ck_assert_ptr_nonnull (g);
    for (size_t i = 0; i < n; i++) {
        double x = i % 7 == 0 ? 500.0 * (double) (rt_next (&st) % 10) : rt_uniform (&st, 0, 5000);
        double y = i % 7 == 0 ? 500.0 * (double) (rt_next (&st) % 10) : rt_uniform (&st, 0, 5000);
        ck_assert_uint_eq (map_graph_add_node (g, 0, 0, x, y), i);
    }
    static const double speeds[] = {30, 40, 50, 70};
    for (size_t k = 0; k < m; k++) {
        uint32_t a = (uint32_t) (rt_next (&st) % n), b = (uint32_t) (rt_next (&st) % n);
        if (a == b)
            continue;
        const map_node_t *na = map_graph_node (g, a), *nb = map_graph_node (g, b);
        double straight = hypot (nb->x - na->x, nb->y - na->y);
        double length = rt_next (&st) % 3 == 0 ? 0 : straight * rt_uniform (&st, 1.0, 1.5) + 0.5;
        double speed = speeds[rt_next (&st) % 4];
        ck_assert_int_eq (map_graph_add_edge (g, a, b, length, speed, (map_road_class_t) (rt_next (&st) % 4)), 0);
        if (twin_every && k % twin_every == 0)
            ck_assert_int_eq (map_graph_add_edge (g, a, b, length * 1.2, speed, MAP_ROAD_LOCAL), 0);
    }
    ck_assert_int_eq (map_graph_finish (g), 0);
    return g;
}

#endif
