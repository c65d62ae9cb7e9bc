/* check_map_ch: contraction hierarchies give exactly the times plain Dijkstra gives (point to point, many-to-one,
 * tables), real paths with the right lengths, the same hierarchy every build, and refuse damaged stored data. */
#include <check.h>

#include "rt_check.h"
#include "rt_rand.h"
#include "rt_data.h"
#include "rt_proc.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map_ch.h"
#include "map_graph.h"
#include "map_osm.h"
#include "map_route.h"
#include "map_wuhan.h"

#define S_INF MAP_CH_UNREACHABLE

/* ---- reference answers and the comparisons (reusable: each takes any finished graph) --------------------------- */

static int s_record_time (uint32_t node, int64_t time_ms, void *arg)
{
    ((int64_t *)arg)[node] = time_ms;
    return 0;
}

/* row[v] = plain Dijkstra time from source to v (map_router_search_from without a limit), S_INF if unreachable. */
static void s_dijkstra_row (map_router_t *r, size_t n, uint32_t source, int64_t *row)
{
    for (size_t v = 0; v < n; v++)
        row[v] = S_INF;
    map_router_search_from (r, source, INT64_MAX, s_record_time, row);
}

/* The fastest edge from -> to (the graph keeps one per pair), or fails the test. */
static const map_edge_t *s_edge_between (const map_graph_t *g, uint32_t from, uint32_t to)
{
    uint32_t first, end;
    map_graph_out (g, from, &first, &end);
    for (uint32_t e = first; e < end; e++)
        if (map_graph_edge (g, e)->to == to) return map_graph_edge (g, e);
    ck_abort_msg ("path step %u -> %u is not an edge", from, to);
    return NULL;
}

/* The last route of q (from a to b, answer got) unpacks to a real path: it starts at a, ends at b, each step is an
 * edge, and the edges' times and lengths add up to the answer. */
static void s_expect_path (const map_graph_t *g, map_ch_query_t *q, uint32_t a, uint32_t b, const map_route_t *got)
{
    size_t count = 0;
    const uint32_t *path = map_ch_path (q, &count);
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
    ck_assert_int_eq (sum_ms, got->time_ms);
    ck_assert_double_eq_tol (sum_m, got->length_m, 1e-6 * (1 + sum_m));
    if (a == b) {
        ck_assert_uint_eq (count, 1);
        ck_assert_double_eq (got->length_m, 0);
    }
}

/* `pairs` random (seeded) routes on ch equal A* (map_router_route) on g exactly, every path checked. Every 50th pair
 * is a node to itself. Returns how many pairs were unreachable. */
static size_t s_expect_routes (const map_graph_t *g, const map_ch_t *ch, uint64_t seed, size_t pairs)
{
    map_router_t *r = map_router_new (g);
    map_ch_query_t *q = map_ch_query_new (ch);
    ck_assert_ptr_nonnull (r);
    ck_assert_ptr_nonnull (q);
    size_t n = map_graph_node_count (g), unreachable = 0;
    uint64_t st = seed;
    for (size_t k = 0; k < pairs; k++) {
        uint32_t a = (uint32_t)(rt_next (&st) % n);
        uint32_t b = k % 50 == 0 ? a : (uint32_t)(rt_next (&st) % n);
        map_route_t want, got = {.time_ms = -7, .length_m = -7};
        int want_rc = map_router_route (r, a, b, &want);
        int got_rc = map_ch_route (q, a, b, &got);
        ck_assert_msg (got_rc == want_rc, "%u -> %u: map_ch_route %d, A* %d", a, b, got_rc, want_rc);
        if (want_rc < 0) {
            unreachable++;
            continue;
        }
        ck_assert_msg (got.time_ms == want.time_ms, "%u -> %u: CH %lld ms, A* %lld ms", a, b, (long long)got.time_ms,
                       (long long)want.time_ms);
        s_expect_path (g, q, a, b, &got);
    }
    map_ch_query_destroy (&q);
    map_router_destroy (&r);
    return unreachable;
}

/* A table between random sources and targets (with repeats and shared nodes, so some cells are a node to itself)
 * and the same times one target at a time (map_ch_target + map_ch_time_from) equal plain Dijkstra in every cell.
 * Returns how many cells were unreachable. */
static size_t s_expect_tables (const map_graph_t *g, const map_ch_t *ch, uint64_t seed, size_t sources,
                               size_t targets)
{
    size_t n = map_graph_node_count (g);
    uint32_t *src = malloc (sources * sizeof *src), *dst = malloc (targets * sizeof *dst);
    int64_t *table = malloc (sources * targets * sizeof *table), *row = malloc (n * sizeof *row);
    int64_t *want = malloc (sources * targets * sizeof *want);
    uint64_t st = seed;
    for (size_t i = 0; i < sources; i++)
        src[i] = (uint32_t)(rt_next (&st) % n);
    for (size_t j = 0; j < targets; j++)
        dst[j] = j % 3 == 0 ? src[(j / 3) % sources] : (uint32_t)(rt_next (&st) % n);
    if (sources > 2) src[sources - 1] = src[0];
    map_router_t *r = map_router_new (g);
    for (size_t i = 0; i < sources; i++) {
        s_dijkstra_row (r, n, src[i], row);
        for (size_t j = 0; j < targets; j++)
            want[i * targets + j] = row[dst[j]];
    }
    map_ch_query_t *q = map_ch_query_new (ch);
    ck_assert_int_eq (map_ch_table (q, src, sources, dst, targets, table), 0);
    size_t unreachable = 0;
    for (size_t i = 0; i < sources; i++)
        for (size_t j = 0; j < targets; j++) {
            ck_assert_msg (table[i * targets + j] == want[i * targets + j], "table %u -> %u: CH %lld, Dijkstra %lld",
                           src[i], dst[j], (long long)table[i * targets + j], (long long)want[i * targets + j]);
            if (want[i * targets + j] == S_INF) unreachable++;
            if (src[i] == dst[j]) ck_assert_int_eq (table[i * targets + j], 0);
        }
    for (size_t j = 0; j < targets; j++) {
        map_ch_target (q, dst[j]);
        for (size_t i = 0; i < sources; i++)
            ck_assert_msg (map_ch_time_from (q, src[i]) == want[i * targets + j], "many-to-one %u -> %u", src[i],
                           dst[j]);
    }
    map_ch_query_destroy (&q);
    map_router_destroy (&r);
    free (src);
    free (dst);
    free (table);
    free (row);
    free (want);
    return unreachable;
}

/* Builds the hierarchy of g and runs both comparisons: the one call to copy into another suite. */
static void s_expect_exact (const map_graph_t *g, uint64_t seed, size_t pairs, size_t table_side)
{
    char err[256] = "";
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_msg (ch != NULL, "map_ch_build: %s", err);
    ck_assert_ptr_eq (map_ch_graph (ch), g);
    s_expect_routes (g, ch, seed, pairs);
    s_expect_tables (g, ch, seed + 1, table_side, table_side);
    map_ch_destroy (&ch);
}

/* ---- graphs ---------------------------------------------------------------------------------------------------- */

/* A hand graph: count nodes on a line 100 m apart, edges {from, to, metres} at 36 km/h (so 100 ms per metre). */
typedef struct {
    uint32_t from, to;
    double length_m;
} s_hand_edge_t;

static map_graph_t *s_hand_graph (size_t count, const s_hand_edge_t *edges, size_t edge_count)
{
    map_graph_t *g = map_graph_new (32650);
    for (size_t i = 0; i < count; i++)
        map_graph_add_node (g, 0, 0, 100.0 * (double)i, 0);
    for (size_t k = 0; k < edge_count; k++)
        ck_assert_int_eq (map_graph_add_edge (g, edges[k].from, edges[k].to, edges[k].length_m, 36, MAP_ROAD_LOCAL),
                          0);
    ck_assert_int_eq (map_graph_finish (g), 0);
    return g;
}

static map_graph_t *s_wuhan (double grid_m)
{
    char err[256] = "";
    map_graph_t *g = map_wuhan_build (32650, grid_m, err, sizeof err);
    ck_assert_msg (g != NULL, "map_wuhan_build: %s", err);
    return g;
}

/* Every pair of a small graph, route and table, against the Dijkstra matrix. Returns unreachable pairs. */
static size_t s_expect_all_pairs (const map_graph_t *g, const map_ch_t *ch)
{
    size_t n = map_graph_node_count (g), unreachable = 0;
    int64_t *d = malloc (n * n * sizeof *d), *table = malloc (n * n * sizeof *table);
    uint32_t *all = malloc (n * sizeof *all);
    map_router_t *r = map_router_new (g);
    for (uint32_t a = 0; a < n; a++) {
        s_dijkstra_row (r, n, a, d + (size_t)a * n);
        all[a] = a;
    }
    map_ch_query_t *q = map_ch_query_new (ch);
    for (uint32_t a = 0; a < n; a++)
        for (uint32_t b = 0; b < n; b++) {
            map_route_t got = {.time_ms = -7, .length_m = -7};
            int rc = map_ch_route (q, a, b, &got);
            if (d[(size_t)a * n + b] == S_INF) {
                ck_assert_msg (rc == -1, "%u -> %u is unreachable, CH found %lld ms", a, b, (long long)got.time_ms);
                unreachable++;
                continue;
            }
            ck_assert_int_eq (rc, 0);
            ck_assert_msg (got.time_ms == d[(size_t)a * n + b], "%u -> %u: CH %lld, Dijkstra %lld", a, b,
                           (long long)got.time_ms, (long long)d[(size_t)a * n + b]);
            s_expect_path (g, q, a, b, &got);
        }
    ck_assert_int_eq (map_ch_table (q, all, n, all, n, table), 0);
    ck_assert_int_eq (memcmp (table, d, n * n * sizeof *d), 0);
    for (uint32_t b = 0; b < n; b++) {
        map_ch_target (q, b);
        for (uint32_t a = 0; a < n; a++)
            ck_assert_int_eq (map_ch_time_from (q, a), d[(size_t)a * n + b]);
    }
    map_ch_query_destroy (&q);
    map_router_destroy (&r);
    free (d);
    free (table);
    free (all);
    return unreachable;
}

/* ---- storage helpers ------------------------------------------------------------------------------------------- */

typedef struct {
    unsigned char *data;
    size_t len, cap, at;
} s_bytes_t;

static int s_write (const void *data, size_t size, void *arg)
{
    s_bytes_t *b = arg;
    if (b->len + size > b->cap) {
        b->cap = (b->len + size) * 2;
        b->data = realloc (b->data, b->cap);
    }
    memcpy (b->data + b->len, data, size);
    b->len += size;
    return 0;
}

static int s_read (void *data, size_t size, void *arg)
{
    s_bytes_t *b = arg;
    if (size > b->len - b->at) return -1;
    memcpy (data, b->data + b->at, size);
    b->at += size;
    return 0;
}

static s_bytes_t s_save (const map_ch_t *ch)
{
    s_bytes_t b = {0};
    ck_assert_int_eq (map_ch_save (ch, s_write, &b), 0);
    return b;
}

/* Loads len bytes of data for g; NULL with the message in err. */
static map_ch_t *s_load (const map_graph_t *g, const unsigned char *data, size_t len, char *err, size_t errlen)
{
    s_bytes_t b = {.data = (unsigned char *)data, .len = len};
    err[0] = 0;
    return map_ch_load (g, s_read, &b, err, errlen);
}

static int s_fail_write (const void *data, size_t size, void *arg)
{
    (void)data;
    (void)size;
    (void)arg;
    return -1;
}

/* ---- core ------------------------------------------------------------------------------------------------------ */

START_TEST (test_wuhan_routes_equal_dijkstra)
{
    /* The embedded city at its default grid and at a finer one: thousands of pairs, every time exact. */
    map_graph_t *g = s_wuhan (600);
    s_expect_exact (g, 1, 2000, 40);
    map_graph_destroy (&g);
    g = s_wuhan (300);
    s_expect_exact (g, 2, 1500, 60);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_random_graphs_all_pairs_equal_dijkstra)
{
    static const struct {
        uint64_t seed;
        size_t n, m;
    } cases[] = {{1, 20, 40}, {2, 20, 80}, {3, 60, 150}, {4, 100, 400}, {5, 200, 500}, {6, 200, 1200}, {7, 150, 160}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        map_graph_t *g = rt_random_graph (cases[c].seed, cases[c].n, cases[c].m, 5);
        char err[256];
        map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
        ck_assert_ptr_nonnull (ch);
        size_t n = map_graph_node_count (g);
        size_t unreachable = s_expect_all_pairs (g, ch);
        /* The cases are not trivial: sparse one-way graphs leave pairs unreachable, dense ones need shortcuts. */
        if (cases[c].m < 2 * cases[c].n) ck_assert_uint_gt (unreachable, 0);
        ck_assert_uint_lt (unreachable, n * n);
        if (cases[c].m >= 4 * cases[c].n) ck_assert_uint_gt (map_ch_shortcut_count (ch), 0);
        map_ch_destroy (&ch);
        map_graph_destroy (&g);
    }
}
END_TEST

START_TEST (test_monaco_routes_equal_dijkstra)
{
    char path[1024];
    if (!rt_data ("osm/monaco.osm.pbf", path, sizeof path)) return;
    char err[512] = "";
    map_graph_t *g = map_osm_import (path, NULL, NULL, err, sizeof err);
    ck_assert_msg (g != NULL, "map_osm_import: %s", err);
    s_expect_exact (g, 3, 3000, 40);
    map_graph_destroy (&g);
}
END_TEST

/* Debian's OSM test files (python-osmnx-doc): small enough to compare every pair. West Oakland comes compressed,
 * as the package ships it. */
START_TEST (test_osmnx_maps_all_pairs_equal_dijkstra)
{
    char path[1024], err[512] = "";
    if (!rt_data (RT_OSMNX_DIR "/planet_10.068,48.135_10.071,48.137.osm", path, sizeof path)) return;
    map_graph_t *g = map_osm_import (path, NULL, NULL, err, sizeof err);
    ck_assert_msg (g != NULL, "map_osm_import: %s", err);
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_ptr_nonnull (ch);
    s_expect_all_pairs (g, ch);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);

    if (!rt_data (RT_OSMNX_DIR "/West-Oakland.osm.bz2", path, sizeof path)) return;
    char *dir = rt_temp_dir ("map_ch");
    char osm[600];
    snprintf (osm, sizeof osm, "%.500s/west-oakland.osm", dir);
    ck_assert_int_eq (rt_bunzip (path, osm), 0);
    g = map_osm_import (osm, NULL, NULL, err, sizeof err);
    ck_assert_msg (g != NULL, "map_osm_import: %s", err);
    ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_ptr_nonnull (ch);
    s_expect_all_pairs (g, ch);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
    free (dir);
}
END_TEST

START_TEST (test_many_to_one_target_survives_other_queries)
{
    /* The dispatcher fixes a target, then may route and build tables on the same query object between sources. */
    map_graph_t *g = s_wuhan (600);
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    map_ch_query_t *q = map_ch_query_new (ch);
    map_router_t *r = map_router_new (g);
    size_t n = map_graph_node_count (g);
    int64_t *row = malloc (n * sizeof *row), cell;
    uint32_t target = (uint32_t)(n / 2), a = 3, b = (uint32_t)(n - 5);
    map_ch_target (q, target);
    for (uint32_t s = 0; s < n; s += 97) {
        map_route_t route;
        ck_assert_int_eq (map_ch_route (q, a, b, &route), 0);
        ck_assert_int_eq (map_ch_table (q, &b, 1, &a, 1, &cell), 0);
        map_route_t want;
        ck_assert_int_eq (map_router_route (r, s, target, &want), 0);
        ck_assert_int_eq (map_ch_time_from (q, s), want.time_ms);
    }
    /* And the route after a many-to-one query is still a route of its own. */
    map_route_t got, want;
    ck_assert_int_eq (map_ch_route (q, b, a, &got), 0);
    ck_assert_int_eq (map_router_route (r, b, a, &want), 0);
    ck_assert_int_eq (got.time_ms, want.time_ms);
    s_expect_path (g, q, b, a, &got);
    s_dijkstra_row (r, n, b, row);
    ck_assert_int_eq (got.time_ms, row[a]);
    free (row);
    map_router_destroy (&r);
    map_ch_query_destroy (&q);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_save_load_gives_identical_answers)
{
    map_graph_t *g = s_wuhan (600);
    char err[256];
    map_ch_t *built = map_ch_build (g, NULL, NULL, err, sizeof err);
    s_bytes_t saved = s_save (built);
    map_ch_t *loaded = s_load (g, saved.data, saved.len, err, sizeof err);
    ck_assert_msg (loaded != NULL, "map_ch_load: %s", err);
    ck_assert_uint_eq (map_ch_shortcut_count (loaded), map_ch_shortcut_count (built));
    /* Same times, same lengths to the bit, same paths. */
    map_ch_query_t *qa = map_ch_query_new (built), *qb = map_ch_query_new (loaded);
    size_t n = map_graph_node_count (g);
    uint64_t st = 9;
    for (int k = 0; k < 500; k++) {
        uint32_t a = (uint32_t)(rt_next (&st) % n), b = (uint32_t)(rt_next (&st) % n);
        map_route_t ra, rb;
        ck_assert_int_eq (map_ch_route (qa, a, b, &ra), map_ch_route (qb, a, b, &rb));
        ck_assert_int_eq (ra.time_ms, rb.time_ms);
        ck_assert_double_eq (ra.length_m, rb.length_m);
        size_t ca, cb;
        const uint32_t *pa = map_ch_path (qa, &ca), *pb = map_ch_path (qb, &cb);
        ck_assert_uint_eq (ca, cb);
        ck_assert_int_eq (memcmp (pa, pb, ca * sizeof *pa), 0);
    }
    s_expect_routes (g, loaded, 10, 300);
    /* Saving what was loaded gives the same bytes again. */
    s_bytes_t again = s_save (loaded);
    ck_assert_uint_eq (again.len, saved.len);
    ck_assert_int_eq (memcmp (again.data, saved.data, saved.len), 0);
    /* A write callback that fails makes the save fail. */
    ck_assert_int_eq (map_ch_save (built, s_fail_write, NULL), -1);
    free (saved.data);
    free (again.data);
    map_ch_query_destroy (&qa);
    map_ch_query_destroy (&qb);
    map_ch_destroy (&loaded);
    map_ch_destroy (&built);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_build_is_deterministic)
{
    /* Two builds of two separately generated copies of the same city save byte-identical hierarchies. */
    map_graph_t *g1 = s_wuhan (600), *g2 = s_wuhan (600);
    char err[256];
    map_ch_t *c1 = map_ch_build (g1, NULL, NULL, err, sizeof err),
             *c2 = map_ch_build (g2, NULL, NULL, err, sizeof err);
    s_bytes_t b1 = s_save (c1), b2 = s_save (c2);
    ck_assert_uint_gt (b1.len, 0);
    ck_assert_uint_eq (b1.len, b2.len);
    ck_assert_int_eq (memcmp (b1.data, b2.data, b1.len), 0);
    ck_assert_uint_gt (map_ch_shortcut_count (c1), 0);
    free (b1.data);
    free (b2.data);
    map_ch_destroy (&c1);
    map_ch_destroy (&c2);
    map_graph_destroy (&g1);
    map_graph_destroy (&g2);

    map_graph_t *r1 = rt_random_graph (6, 200, 1200, 5), *r2 = rt_random_graph (6, 200, 1200, 5);
    c1 = map_ch_build (r1, NULL, NULL, err, sizeof err);
    c2 = map_ch_build (r2, NULL, NULL, err, sizeof err);
    b1 = s_save (c1);
    b2 = s_save (c2);
    ck_assert_uint_eq (b1.len, b2.len);
    ck_assert_int_eq (memcmp (b1.data, b2.data, b1.len), 0);
    free (b1.data);
    free (b2.data);
    map_ch_destroy (&c1);
    map_ch_destroy (&c2);
    map_graph_destroy (&r1);
    map_graph_destroy (&r2);
}
END_TEST

typedef struct {
    double last;
    int calls, backwards;
} s_progress_t;

static void s_on_progress (double done, void *arg)
{
    s_progress_t *p = arg;
    if (done < p->last || done > 1) p->backwards++;
    p->last = done;
    p->calls++;
}

START_TEST (test_build_reports_progress)
{
    map_graph_t *g = s_wuhan (600);
    char err[256];
    s_progress_t p = {0};
    map_ch_t *ch = map_ch_build (g, s_on_progress, &p, err, sizeof err);
    ck_assert_ptr_nonnull (ch);
    ck_assert_int_gt (p.calls, 10);
    ck_assert_int_eq (p.backwards, 0);
    ck_assert_double_eq (p.last, 1.0);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

/* ---- limits ---------------------------------------------------------------------------------------------------- */

START_TEST (test_single_node)
{
    map_graph_t *g = s_hand_graph (1, NULL, 0);
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_ptr_nonnull (ch);
    ck_assert_uint_eq (map_ch_shortcut_count (ch), 0);
    map_ch_query_t *q = map_ch_query_new (ch);
    map_route_t route = {.time_ms = -7, .length_m = -7};
    ck_assert_int_eq (map_ch_route (q, 0, 0, &route), 0);
    ck_assert_int_eq (route.time_ms, 0);
    ck_assert_double_eq (route.length_m, 0);
    s_expect_path (g, q, 0, 0, &route);
    uint32_t zero = 0;
    int64_t cell = -7;
    ck_assert_int_eq (map_ch_table (q, &zero, 1, &zero, 1, &cell), 0);
    ck_assert_int_eq (cell, 0);
    map_ch_target (q, 0);
    ck_assert_int_eq (map_ch_time_from (q, 0), 0);
    /* An empty table is not an error and writes nothing. */
    ck_assert_int_eq (map_ch_table (q, &zero, 0, &zero, 1, &cell), 0);
    ck_assert_int_eq (cell, 0);
    s_bytes_t saved = s_save (ch);
    map_ch_t *loaded = s_load (g, saved.data, saved.len, err, sizeof err);
    ck_assert_msg (loaded != NULL, "%s", err);
    free (saved.data);
    map_ch_query_destroy (&q);
    map_ch_destroy (&loaded);
    map_ch_destroy (&ch);
    map_ch_destroy (&ch); /* NULL-safe */
    map_ch_query_destroy (&q);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_unconnected_nodes_are_unreachable)
{
    static const s_hand_edge_t edges[] = {{0, 1, 100}, {1, 0, 100}, {2, 3, 100}};
    map_graph_t *g = s_hand_graph (5, edges, 3); /* node 4 has no road at all; 2 -> 3 is one-way */
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    map_ch_query_t *q = map_ch_query_new (ch);
    map_route_t route;
    ck_assert_int_eq (map_ch_route (q, 0, 2, &route), -1);
    ck_assert_int_eq (map_ch_route (q, 3, 2, &route), -1);
    ck_assert_int_eq (map_ch_route (q, 4, 0, &route), -1);
    ck_assert_int_eq (map_ch_route (q, 2, 3, &route), 0);
    ck_assert_int_eq (route.time_ms, 10000);
    uint32_t from[] = {0, 2, 4}, to[] = {1, 3, 2, 4};
    int64_t table[12];
    ck_assert_int_eq (map_ch_table (q, from, 3, to, 4, table), 0);
    static const int64_t want[12] = {10000, S_INF, S_INF, S_INF, S_INF, 10000, 0, S_INF, S_INF, S_INF, S_INF, 0};
    ck_assert_int_eq (memcmp (table, want, sizeof want), 0);
    map_ch_target (q, 2);
    ck_assert_int_eq (map_ch_time_from (q, 3), S_INF);
    ck_assert_int_eq (map_ch_time_from (q, 2), 0);
    s_expect_all_pairs (g, ch);
    map_ch_query_destroy (&q);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_equal_paths_give_a_real_one)
{
    /* A grid of two-way streets of equal length: many equally fast paths between most pairs. */
    enum { S_SIDE = 6 };
    s_hand_edge_t edges[4 * S_SIDE * S_SIDE];
    size_t m = 0;
    for (uint32_t y = 0; y < S_SIDE; y++)
        for (uint32_t x = 0; x < S_SIDE; x++) {
            uint32_t v = y * S_SIDE + x;
            if (x + 1 < S_SIDE) {
                edges[m++] = (s_hand_edge_t){v, v + 1, 100};
                edges[m++] = (s_hand_edge_t){v + 1, v, 100};
            }
            if (y + 1 < S_SIDE) {
                edges[m++] = (s_hand_edge_t){v, v + S_SIDE, 100};
                edges[m++] = (s_hand_edge_t){v + S_SIDE, v, 100};
            }
        }
    map_graph_t *g = s_hand_graph (S_SIDE * S_SIDE, edges, m);
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_uint_eq (s_expect_all_pairs (g, ch), 0);
    map_ch_query_t *q = map_ch_query_new (ch);
    map_route_t route;
    ck_assert_int_eq (map_ch_route (q, 0, S_SIDE * S_SIDE - 1, &route), 0);
    ck_assert_int_eq (route.time_ms, 2 * (S_SIDE - 1) * 10000); /* Manhattan distance at 10 s a block */
    ck_assert_double_eq_tol (route.length_m, 2 * (S_SIDE - 1) * 100.0, 1e-9);
    map_ch_query_destroy (&q);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_shortcut_not_taken_when_a_detour_is_faster)
{
    /* 0 -> 1 -> 2 is the obvious way, but 0 -> 3 -> 2 is faster; 2 gets back to 0 only by the one-way 2 -> 4 -> 0.
     * Whatever is contracted first, a shortcut 0 -> 2 through 1 must not win, nor any shortcut be used backwards. */
    static const s_hand_edge_t edges[] = {{0, 1, 100}, {1, 2, 100}, {0, 3, 60},  {3, 2, 60},
                                          {2, 4, 500}, {4, 0, 500}, {1, 0, 100}, {2, 1, 100}};
    map_graph_t *g = s_hand_graph (5, edges, sizeof edges / sizeof edges[0]);
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    map_ch_query_t *q = map_ch_query_new (ch);
    map_route_t route;
    ck_assert_int_eq (map_ch_route (q, 0, 2, &route), 0);
    ck_assert_int_eq (route.time_ms, 12000);
    size_t count;
    const uint32_t *path = map_ch_path (q, &count);
    ck_assert_uint_eq (count, 3);
    ck_assert_uint_eq (path[1], 3);
    ck_assert_int_eq (map_ch_route (q, 2, 0, &route), 0);
    ck_assert_int_eq (route.time_ms, 20000); /* 2 -> 1 -> 0, not the long way by 4 */
    ck_assert_int_eq (map_ch_route (q, 3, 0, &route), 0);
    ck_assert_int_eq (route.time_ms, 6000 + 20000);
    ck_assert_int_eq (map_ch_route (q, 4, 3, &route), 0);
    ck_assert_int_eq (route.time_ms, 50000 + 6000);
    s_expect_all_pairs (g, ch);
    map_ch_query_destroy (&q);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_hub_with_one_way_spokes)
{
    /* One square that 150 streets meet: a third two-way, a third only into it, a third only out of it, and a ring
     * road joining every tenth spoke end. A node of such degree must neither blow up the contraction nor lose a
     * direction. */
    enum { S_SPOKES = 150 };
    s_hand_edge_t edges[3 * S_SPOKES];
    size_t m = 0;
    for (uint32_t i = 1; i <= S_SPOKES; i++) {
        double length = 100 + i;
        if (i % 3 != 1) edges[m++] = (s_hand_edge_t){0, i, length};
        if (i % 3 != 2) edges[m++] = (s_hand_edge_t){i, 0, length};
        if (i % 10 == 0) edges[m++] = (s_hand_edge_t){i, i + 10 <= S_SPOKES ? i + 10 : 10, 50};
    }
    map_graph_t *g = s_hand_graph (S_SPOKES + 1, edges, m);
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    ck_assert_ptr_nonnull (ch);
    ck_assert_uint_gt (s_expect_all_pairs (g, ch), 0); /* spokes only into the square cannot be reached */
    map_ch_query_t *q = map_ch_query_new (ch);
    map_route_t route;
    ck_assert_int_eq (map_ch_route (q, 3, 2, &route), 0); /* 3 -> square -> 2, both two-way or right-way */
    ck_assert_int_eq (route.time_ms, (103 + 102) * 100);
    ck_assert_int_eq (map_ch_route (q, 2, 3, &route), -1); /* no street leaves 2 */
    map_ch_query_destroy (&q);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_load_refuses_truncated_data)
{
    map_graph_t *g = rt_random_graph (3, 60, 150, 5);
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    s_bytes_t saved = s_save (ch);
    for (size_t len = 0; len < saved.len; len++) {
        map_ch_t *loaded = s_load (g, saved.data, len, err, sizeof err);
        ck_assert_msg (loaded == NULL, "a hierarchy cut to %zu of %zu bytes was accepted", len, saved.len);
        ck_assert_msg (err[0] != 0, "no message for data cut to %zu bytes", len);
    }
    free (saved.data);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_load_refuses_damaged_words)
{
    /* Every 32-bit word of the stored hierarchy damaged in turn (lowest bit, highest bit, all ones): each variant is
     * refused with a message, or (if the damage happens to leave a valid hierarchy) still answers every pair
     * exactly. Nothing crashes, nothing misroutes. */
    map_graph_t *g = rt_random_graph (3, 60, 150, 5);
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    s_bytes_t saved = s_save (ch);
    unsigned char *copy = malloc (saved.len);
    static const uint32_t damage[] = {1u, 0x80000000u, 0xffffffffu};
    size_t refused = 0, variants = 0;
    for (size_t at = 0; at + 4 <= saved.len; at += 4)
        for (size_t d = 0; d < sizeof damage / sizeof damage[0]; d++) {
            memcpy (copy, saved.data, saved.len);
            for (int i = 0; i < 4; i++)
                copy[at + i] ^= (unsigned char)(damage[d] >> (8 * i));
            variants++;
            map_ch_t *loaded = s_load (g, copy, saved.len, err, sizeof err);
            if (!loaded) {
                ck_assert_msg (err[0] != 0, "no message for damage at byte %zu", at);
                refused++;
                continue;
            }
            s_expect_all_pairs (g, loaded);
            map_ch_destroy (&loaded);
        }
    ck_assert_uint_eq (refused, variants); /* in practice every damaged word is caught */
    free (copy);
    free (saved.data);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_load_refuses_another_graph)
{
    map_graph_t *g = rt_random_graph (4, 100, 400, 5);
    char err[256];
    map_ch_t *ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    s_bytes_t saved = s_save (ch);
    /* Wrong node count. */
    map_graph_t *bigger = rt_random_graph (4, 101, 400, 5);
    ck_assert_ptr_null (s_load (bigger, saved.data, saved.len, err, sizeof err));
    ck_assert_msg (strstr (err, "100 nodes") != NULL, "message: %s", err);
    /* Same counts, one road slower. */
    map_graph_t *other = map_graph_new (32650);
    for (uint32_t v = 0; v < map_graph_node_count (g); v++) {
        const map_node_t *node = map_graph_node (g, v);
        map_graph_add_node (other, node->lon, node->lat, node->x, node->y);
    }
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++) {
        map_edge_t edge = *map_graph_edge (g, e);
        if (e == 7) edge.time_ms += 1;
        ck_assert_int_eq (map_graph_restore_edge (other, &edge), 0);
    }
    ck_assert_int_eq (map_graph_finish (other), 0);
    ck_assert_ptr_null (s_load (other, saved.data, saved.len, err, sizeof err));
    ck_assert_msg (strstr (err, "another graph") != NULL, "message: %s", err);
    /* Not a hierarchy at all. */
    unsigned char junk[64];
    memset (junk, 'x', sizeof junk);
    ck_assert_ptr_null (s_load (g, junk, sizeof junk, err, sizeof err));
    ck_assert_msg (strstr (err, "not a contraction hierarchy") != NULL, "message: %s", err);
    free (saved.data);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
    map_graph_destroy (&bigger);
    map_graph_destroy (&other);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_ch");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 180); /* thousands of A* routes and several contractions: slow under sanitizers */
    tcase_add_test (core, test_wuhan_routes_equal_dijkstra);
    tcase_add_test (core, test_random_graphs_all_pairs_equal_dijkstra);
    tcase_add_test (core, test_monaco_routes_equal_dijkstra);
    tcase_add_test (core, test_osmnx_maps_all_pairs_equal_dijkstra);
    tcase_add_test (core, test_many_to_one_target_survives_other_queries);
    tcase_add_test (core, test_save_load_gives_identical_answers);
    tcase_add_test (core, test_build_is_deterministic);
    tcase_add_test (core, test_build_reports_progress);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_set_timeout (limits, 120);
    tcase_add_test (limits, test_single_node);
    tcase_add_test (limits, test_unconnected_nodes_are_unreachable);
    tcase_add_test (limits, test_equal_paths_give_a_real_one);
    tcase_add_test (limits, test_shortcut_not_taken_when_a_detour_is_faster);
    tcase_add_test (limits, test_hub_with_one_way_spokes);
    tcase_add_test (limits, test_load_refuses_truncated_data);
    tcase_add_test (limits, test_load_refuses_damaged_words);
    tcase_add_test (limits, test_load_refuses_another_graph);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
