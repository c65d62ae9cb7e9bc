/* check_map_wuhan: the embedded city — three towns cut apart by the Yangtze and the Han, joined only at the listed
 * bridges; connected, deterministic, consistent with its projection, with plausible routes, and the same on a fine
 * grid of 100,000+ nodes, where road classes keep their spacing in metres. */
#include <check.h>

#include "rt_check.h"
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map_graph.h"
#include "map_proj.h"
#include "map_route.h"
#include "map_wuhan.h"

#define S_FOREVER_MS (INT64_MAX / 4)

/* The default city (EPSG:32650, 600 m grid) as it has always been built: simulator and dispatcher compare this
 * fingerprint, and recorded scenario outputs depend on it. */
#define S_DEFAULT_NODES       2946
#define S_DEFAULT_EDGES       11328
#define S_DEFAULT_FINGERPRINT 0xe904fcdabd6dd947ULL

/* The finest grid that still gives the routing benchmark's 100,000 nodes (100 m gives 99,107). */
#define S_FINE_GRID_M 99.0

static map_graph_t *s_city (int epsg, double grid_m)
{
    char err[256] = "";
    map_graph_t *g = map_wuhan_build (epsg, grid_m, err, sizeof err);
    ck_assert_msg (g != NULL, "map_wuhan_build: %s", err);
    return g;
}

static int s_count_visit (uint32_t node, int64_t time_ms, void *arg)
{
    (void)node;
    (void)time_ms;
    (*(size_t *)arg)++;
    return 0;
}

/* Every node reaches node 0 and is reached from it, every road class is present, every node lies in the extent. */
static void s_check_connected (const map_graph_t *g)
{
    size_t n = map_graph_node_count (g);
    map_router_t *r = map_router_new (g);
    ck_assert_ptr_nonnull (r);
    size_t seen = 0;
    ck_assert_uint_eq (map_router_search_from (r, 0, S_FOREVER_MS, s_count_visit, &seen), n);
    seen = 0;
    ck_assert_uint_eq (map_router_search_to (r, 0, S_FOREVER_MS, s_count_visit, &seen), n);
    size_t by_class[MAP_ROAD_CLASS_COUNT] = {0};
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++)
        by_class[map_graph_edge (g, e)->road_class]++;
    for (int c = 0; c < MAP_ROAD_CLASS_COUNT; c++)
        ck_assert_msg (by_class[c] > 0, "no %s edges", map_road_class_name ((map_road_class_t)c));
    ck_assert_double_eq (map_graph_max_speed_kmh (g), 70);
    double lon0, lat0, lon1, lat1;
    map_wuhan_extent (&lon0, &lat0, &lon1, &lat1);
    for (uint32_t v = 0; v < n; v++) {
        const map_node_t *nd = map_graph_node (g, v);
        ck_assert (nd->lon >= lon0 && nd->lon <= lon1 && nd->lat >= lat0 && nd->lat <= lat1);
    }
    map_router_destroy (&r);
}

START_TEST (test_default_city_connected)
{
    map_graph_t *g = s_city (32650, 600);
    size_t n = map_graph_node_count (g);
    ck_assert_uint_ge (n, 1500);
    ck_assert_uint_le (n, 6000);
    ck_assert_uint_ge (map_graph_edge_count (g), 3 * n);
    s_check_connected (g);
    map_graph_destroy (&g);
}
END_TEST

/* Classes by distance were chosen so that the default grid keeps every 4th line arterial and every 2nd secondary:
 * the default city must not change by a single edge. */
START_TEST (test_default_city_unchanged)
{
    map_graph_t *g = s_city (32650, 600);
    ck_assert_uint_eq (map_graph_node_count (g), S_DEFAULT_NODES);
    ck_assert_uint_eq (map_graph_edge_count (g), S_DEFAULT_EDGES);
    ck_assert_msg (map_graph_fingerprint (g) == S_DEFAULT_FINGERPRINT, "fingerprint %016llx",
                   (unsigned long long)map_graph_fingerprint (g));
    size_t by_class[MAP_ROAD_CLASS_COUNT] = {0};
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++)
        by_class[map_graph_edge (g, e)->road_class]++;
    ck_assert_uint_eq (by_class[MAP_ROAD_EXPRESSWAY], 558);
    ck_assert_uint_eq (by_class[MAP_ROAD_ARTERIAL], 3140);
    ck_assert_uint_eq (by_class[MAP_ROAD_SECONDARY], 2504);
    ck_assert_uint_eq (by_class[MAP_ROAD_LOCAL], 5104);
    ck_assert_uint_eq (by_class[MAP_ROAD_BRIDGE], 22);
    map_graph_destroy (&g);
}
END_TEST

/* True when segment a-b and c-d share a point, in plain lon/lat coordinates. */
static bool s_meet (map_lonlat_t a, map_lonlat_t b, map_lonlat_t c, map_lonlat_t d)
{
    double d1 = (d.lon - c.lon) * (a.lat - c.lat) - (d.lat - c.lat) * (a.lon - c.lon);
    double d2 = (d.lon - c.lon) * (b.lat - c.lat) - (d.lat - c.lat) * (b.lon - c.lon);
    double d3 = (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon);
    double d4 = (b.lon - a.lon) * (d.lat - a.lat) - (b.lat - a.lat) * (d.lon - a.lon);
    return ((d1 <= 0 && d2 >= 0) || (d1 >= 0 && d2 <= 0)) && ((d3 <= 0 && d4 >= 0) || (d3 >= 0 && d4 <= 0));
}

static bool s_crosses (map_lonlat_t a, map_lonlat_t b, map_wuhan_river_t river)
{
    const map_lonlat_t *pts;
    size_t count = map_wuhan_river (river, &pts);
    for (size_t i = 0; i + 1 < count; i++)
        if (s_meet (a, b, pts[i], pts[i + 1])) return true;
    return false;
}

/* Distance in metres from projected point (px, py) to segment a-b. */
static double s_dist_to_segment (double px, double py, const map_node_t *a, const map_node_t *b)
{
    double dx = b->x - a->x, dy = b->y - a->y;
    double t = ((px - a->x) * dx + (py - a->y) * dy) / (dx * dx + dy * dy);
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    return hypot (a->x + t * dx - px, a->y + t * dy - py);
}

/* Every edge that crosses a river is a bridge edge near a listed bridge of that river, and every listed bridge is
 * built in both directions. g is in EPSG:32650. */
static void s_check_rivers (const map_graph_t *g)
{
    char err[256];
    map_proj_t *p = map_proj_new (32650, err, sizeof err);
    ck_assert_ptr_nonnull (p);
    const map_wuhan_bridge_t *bridges;
    size_t bridge_count = map_wuhan_bridges (&bridges);
    ck_assert_uint_ge (bridge_count, 10);
    size_t *used = calloc (bridge_count, sizeof *used);
    size_t crossings = 0;
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        const map_node_t *a = map_graph_node (g, edge->from), *b = map_graph_node (g, edge->to);
        map_lonlat_t la = {a->lon, a->lat}, lb = {b->lon, b->lat};
        for (int river = 0; river < MAP_WUHAN_RIVER_COUNT; river++) {
            if (!s_crosses (la, lb, (map_wuhan_river_t)river)) continue;
            crossings++;
            ck_assert_msg (edge->road_class == MAP_ROAD_BRIDGE, "a %s edge %.4f,%.4f -> %.4f,%.4f crosses a river",
                           map_road_class_name ((map_road_class_t)edge->road_class), a->lon, a->lat, b->lon, b->lat);
            double best = INFINITY;
            size_t best_i = 0;
            for (size_t i = 0; i < bridge_count; i++) {
                if ((int)bridges[i].river != river) continue;
                double bx, by;
                ck_assert_int_eq (
                    map_proj_forward (p, bridges[i].at.lon, bridges[i].at.lat, &bx, &by, err, sizeof err), 0);
                double d = s_dist_to_segment (bx, by, a, b);
                if (d < best) {
                    best = d;
                    best_i = i;
                }
            }
            ck_assert_msg (best < 1500, "river crossing %.4f,%.4f -> %.4f,%.4f is %.0f m from any bridge", a->lon,
                           a->lat, b->lon, b->lat, best);
            used[best_i]++;
        }
    }
    /* Every listed bridge is built, in both directions. */
    for (size_t i = 0; i < bridge_count; i++)
        ck_assert_msg (used[i] >= 2, "%s is missing", bridges[i].name);
    ck_assert_uint_ge (crossings, 2 * bridge_count);
    free (used);
    map_proj_destroy (&p);
}

START_TEST (test_rivers_crossed_only_at_bridges)
{
    map_graph_t *g = s_city (32650, 600);
    s_check_rivers (g);
    map_graph_destroy (&g);
}
END_TEST

static uint32_t s_root (uint32_t *parent, uint32_t v)
{
    while (parent[v] != v)
        v = parent[v] = parent[parent[v]];
    return v;
}

static uint32_t s_town_node (const map_graph_t *g, map_proj_t *p, map_wuhan_town_t town)
{
    char err[256];
    double x, y;
    const map_wuhan_town_info_t *info = map_wuhan_town (town);
    ck_assert_int_eq (map_proj_forward (p, info->centre.lon, info->centre.lat, &x, &y, err, sizeof err), 0);
    return map_graph_nearest (g, x, y);
}

/* Without its bridges the network of g (EPSG:32650) falls apart into exactly three pieces, one per town. */
static void s_check_three_towns (const map_graph_t *g)
{
    char err[256];
    map_proj_t *p = map_proj_new (32650, err, sizeof err);
    ck_assert_ptr_nonnull (p);
    size_t n = map_graph_node_count (g);
    uint32_t *parent = malloc (n * sizeof *parent);
    for (uint32_t v = 0; v < n; v++)
        parent[v] = v;
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        if (edge->road_class != MAP_ROAD_BRIDGE) parent[s_root (parent, edge->from)] = s_root (parent, edge->to);
    }
    size_t components = 0;
    for (uint32_t v = 0; v < n; v++)
        components += s_root (parent, v) == v;
    ck_assert_uint_eq (components, 3);
    uint32_t roots[MAP_WUHAN_TOWN_COUNT];
    for (int t = 0; t < MAP_WUHAN_TOWN_COUNT; t++) {
        roots[t] = s_root (parent, s_town_node (g, p, (map_wuhan_town_t)t));
        for (int u = 0; u < t; u++)
            ck_assert_msg (roots[u] != roots[t], "%s and %s are on the same bank", map_wuhan_town (u)->name,
                           map_wuhan_town (t)->name);
    }
    free (parent);
    map_proj_destroy (&p);
}

START_TEST (test_three_towns_without_bridges)
{
    map_graph_t *g = s_city (32650, 600);
    s_check_three_towns (g);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_deterministic)
{
    map_graph_t *a = s_city (32650, 600), *b = s_city (32650, 600), *c = s_city (32651, 600);
    ck_assert_uint_eq (map_graph_fingerprint (a), map_graph_fingerprint (b));
    ck_assert_uint_eq (map_graph_node_count (a), map_graph_node_count (b));
    ck_assert_uint_ne (map_graph_fingerprint (a), map_graph_fingerprint (c));
    ck_assert_int_eq (map_graph_epsg (c), 32651);
    ck_assert_uint_gt (map_graph_node_count (c), 1500);
    map_graph_destroy (&a);
    map_graph_destroy (&b);
    map_graph_destroy (&c);
}
END_TEST

START_TEST (test_nodes_match_projection)
{
    map_graph_t *g = s_city (32650, 600);
    char err[256];
    map_proj_t *p = map_proj_new (32650, err, sizeof err);
    for (uint32_t v = 0; v < map_graph_node_count (g); v++) {
        const map_node_t *nd = map_graph_node (g, v);
        double x, y;
        ck_assert_int_eq (map_proj_forward (p, nd->lon, nd->lat, &x, &y, err, sizeof err), 0);
        ck_assert_double_eq_tol (x, nd->x, 1e-6);
        ck_assert_double_eq_tol (y, nd->y, 1e-6);
    }
    map_proj_destroy (&p);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_hankou_to_wuchang_route)
{
    map_graph_t *g = s_city (32650, 600);
    char err[256];
    map_proj_t *p = map_proj_new (32650, err, sizeof err);
    uint32_t from = s_town_node (g, p, MAP_WUHAN_HANKOU), to = s_town_node (g, p, MAP_WUHAN_WUCHANG);
    map_router_t *r = map_router_new (g);
    map_route_t route;
    ck_assert_int_eq (map_router_route (r, from, to, &route), 0);
    const map_node_t *a = map_graph_node (g, from), *b = map_graph_node (g, to);
    double straight_m = hypot (b->x - a->x, b->y - a->y);
    ck_assert_double_gt (straight_m, 5000); /* the centres are about 6.5 km apart */
    ck_assert_double_gt (route.length_m, straight_m);
    double speed_kmh = route.length_m / (double)route.time_ms * 3600.0;
    ck_assert_msg (speed_kmh >= 20 && speed_kmh <= 70, "speed %.1f km/h", speed_kmh);
    size_t count;
    const uint32_t *path = map_router_path (r, &count);
    bool bridge = false;
    for (size_t i = 0; i + 1 < count; i++) {
        uint32_t first, end;
        map_graph_out (g, path[i], &first, &end);
        for (uint32_t e = first; e < end; e++)
            if (map_graph_edge (g, e)->to == path[i + 1] && map_graph_edge (g, e)->road_class == MAP_ROAD_BRIDGE)
                bridge = true;
    }
    ck_assert_msg (bridge, "Hankou -> Wuchang without crossing the Yangtze");
    map_router_destroy (&r);
    map_proj_destroy (&p);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_bad_arguments_refused)
{
    char err[256] = "";
    ck_assert_ptr_null (map_wuhan_build (32650, 40, err, sizeof err));
    ck_assert_msg (strstr (err, "grid 40 m") != NULL && strstr (err, "50..2000") != NULL, "message: %s", err);
    err[0] = '\0';
    ck_assert_ptr_null (map_wuhan_build (32650, 49.5, err, sizeof err));
    ck_assert_msg (strstr (err, "49.5") != NULL, "message: %s", err);
    err[0] = '\0';
    ck_assert_ptr_null (map_wuhan_build (32650, 2500, err, sizeof err));
    ck_assert_msg (strstr (err, "2500") != NULL, "message: %s", err);
    err[0] = '\0';
    ck_assert_ptr_null (map_wuhan_build (32650, NAN, err, sizeof err));
    ck_assert_str_ne (err, "");
    err[0] = '\0';
    ck_assert_ptr_null (map_wuhan_build (99999, 600, err, sizeof err));
    ck_assert_msg (strstr (err, "99999") != NULL, "message: %s", err);
    err[0] = '\0';
    ck_assert_ptr_null (map_wuhan_build (27700, 600, err, sizeof err)); /* British National Grid: not China */
    ck_assert_msg (strstr (err, "outside the domain of EPSG:27700") != NULL, "message: %s", err);
}
END_TEST

START_TEST (test_grid_range_ends)
{
    map_graph_t *coarse = s_city (32650, 2000), *fine = s_city (32650, 50);
    ck_assert_uint_lt (map_graph_node_count (coarse), map_graph_node_count (fine));
    ck_assert_uint_gt (map_graph_node_count (coarse), 100);
    ck_assert_uint_ge (map_graph_node_count (fine), 300000); /* the routing benchmark's large city */
    map_graph_destroy (&coarse);
    map_graph_destroy (&fine);
}
END_TEST

/* A fine grid is the same city: 100,000+ nodes, all mutually reachable, rivers crossed only at the bridges, three
 * towns. */
START_TEST (test_fine_city)
{
    map_graph_t *g = s_city (32650, S_FINE_GRID_M);
    ck_assert_uint_ge (map_graph_node_count (g), 100000);
    ck_assert_uint_ge (map_graph_edge_count (g), 3 * map_graph_node_count (g));
    s_check_connected (g);
    s_check_rivers (g);
    s_check_three_towns (g);
    map_graph_destroy (&g);
}
END_TEST

/* Road-class totals of g: directed edge count and length in metres per class. Only straight grid streets (one grid
 * step along an axis) when grid_only, leaving out ring links and bridges. */
static void s_class_totals (const map_graph_t *g, double grid_m, bool grid_only, size_t *count, double *length_m)
{
    for (int c = 0; c < MAP_ROAD_CLASS_COUNT; c++)
        count[c] = 0, length_m[c] = 0;
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        const map_node_t *a = map_graph_node (g, edge->from), *b = map_graph_node (g, edge->to);
        double dx = fabs (b->x - a->x), dy = fabs (b->y - a->y);
        bool street = (dy < 0.01 && fabs (dx - grid_m) < 0.01) || (dx < 0.01 && fabs (dy - grid_m) < 0.01);
        if (grid_only && !street) continue;
        count[edge->road_class]++;
        length_m[edge->road_class] += edge->length_m;
    }
}

/* Northings of the east-west streets of class c, ascending and distinct (rounded to the metre); their count. */
static size_t s_class_northings (const map_graph_t *g, double grid_m, map_road_class_t c, double *out, size_t cap)
{
    size_t count = 0;
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        const map_node_t *a = map_graph_node (g, edge->from), *b = map_graph_node (g, edge->to);
        if (edge->road_class != c || fabs (b->y - a->y) > 0.01 || fabs (fabs (b->x - a->x) - grid_m) > 0.01) continue;
        double y = round (a->y);
        size_t i = 0;
        while (i < count && out[i] < y)
            i++;
        if (i < count && out[i] == y) continue;
        ck_assert_uint_lt (count, cap);
        memmove (&out[i + 1], &out[i], (count - i) * sizeof *out);
        out[i] = y;
        count++;
    }
    return count;
}

/* Classes go by distance, not by line index: on a 150 m grid the arterials are still 2,400 m apart, on the very
 * lines they take at 600 m, so the city has about as many kilometres of arterial and secondary road as at 600 m
 * (and their share of all streets falls), while local streets multiply. */
START_TEST (test_classes_spaced_by_distance)
{
    map_graph_t *coarse = s_city (32650, 600), *fine = s_city (32650, 150);
    size_t count_c[MAP_ROAD_CLASS_COUNT], count_f[MAP_ROAD_CLASS_COUNT];
    double len_c[MAP_ROAD_CLASS_COUNT], len_f[MAP_ROAD_CLASS_COUNT];
    s_class_totals (coarse, 600, true, count_c, len_c);
    s_class_totals (fine, 150, true, count_f, len_f);
    double ratio_art = len_f[MAP_ROAD_ARTERIAL] / len_c[MAP_ROAD_ARTERIAL];
    double ratio_sec = len_f[MAP_ROAD_SECONDARY] / len_c[MAP_ROAD_SECONDARY];
    double ratio_loc = len_f[MAP_ROAD_LOCAL] / len_c[MAP_ROAD_LOCAL];
    ck_assert_msg (ratio_art > 0.9 && ratio_art < 1.15, "arterial km 150 m / 600 m: %.3f", ratio_art);
    ck_assert_msg (ratio_sec > 0.9 && ratio_sec < 1.15, "secondary km 150 m / 600 m: %.3f", ratio_sec);
    ck_assert_msg (ratio_loc > 5, "local km 150 m / 600 m: %.3f", ratio_loc);
    /* Share of arterial streets: a quarter of the lines at 600 m, a sixteenth at 150 m. */
    size_t all_c = 0, all_f = 0;
    for (int c = 0; c < MAP_ROAD_CLASS_COUNT; c++)
        all_c += count_c[c], all_f += count_f[c];
    double share_c = (double)count_c[MAP_ROAD_ARTERIAL] / (double)all_c;
    double share_f = (double)count_f[MAP_ROAD_ARTERIAL] / (double)all_f;
    ck_assert_msg (fabs (share_c - 0.25) < 0.02 && fabs (share_f - 0.0625) < 0.01, "arterial share %.3f and %.3f",
                   share_c, share_f);
    /* The same east-west arterials, 2,400 m apart, and secondary roads halfway between them. */
    double ys_c[64], ys_f[64];
    size_t n_c = s_class_northings (coarse, 600, MAP_ROAD_ARTERIAL, ys_c, 64);
    size_t n_f = s_class_northings (fine, 150, MAP_ROAD_ARTERIAL, ys_f, 64);
    ck_assert_uint_ge (n_c, 10);
    ck_assert_uint_eq (n_c, n_f);
    for (size_t i = 0; i < n_c; i++) {
        ck_assert_double_eq (ys_c[i], ys_f[i]);
        if (i > 0) ck_assert_double_eq (ys_f[i] - ys_f[i - 1], 2400);
    }
    n_f = s_class_northings (fine, 150, MAP_ROAD_SECONDARY, ys_f, 64);
    ck_assert_uint_ge (n_f, n_c - 1);
    for (size_t i = 0; i < n_f; i++)
        ck_assert_double_eq (fmod (fabs (ys_f[i] - ys_c[0]), 2400), 1200);
    map_graph_destroy (&coarse);
    map_graph_destroy (&fine);
}
END_TEST

START_TEST (test_facts)
{
    const map_wuhan_bridge_t *bridges;
    size_t count = map_wuhan_bridges (&bridges);
    size_t yangtze = 0, han = 0;
    for (size_t i = 0; i < count; i++) {
        ck_assert_ptr_nonnull (bridges[i].name);
        ck_assert_int_ne (bridges[i].bank_a, bridges[i].bank_b);
        if (bridges[i].river == MAP_WUHAN_YANGTZE) {
            yangtze++;
            ck_assert (bridges[i].bank_b == MAP_WUHAN_WUCHANG); /* Yangtze bridges all land in Wuchang */
        } else {
            han++;
        }
    }
    ck_assert_uint_ge (yangtze, 6);
    ck_assert_uint_ge (han, 3);
    double lon0, lat0, lon1, lat1;
    map_wuhan_extent (&lon0, &lat0, &lon1, &lat1);
    const map_lonlat_t *pts;
    size_t n = map_wuhan_river (MAP_WUHAN_YANGTZE, &pts);
    ck_assert (n >= 2 && pts[0].lat < lat0 && pts[n - 1].lat > lat1); /* cuts the map from south to north */
    n = map_wuhan_river (MAP_WUHAN_HAN, &pts);
    ck_assert (n >= 2 && pts[0].lon < lon0);
    ck_assert_str_eq (map_wuhan_town (MAP_WUHAN_HANKOU)->name, "Hankou");
    ck_assert_str_eq (map_wuhan_town (MAP_WUHAN_WUCHANG)->name, "Wuchang");
    ck_assert_str_eq (map_wuhan_town (MAP_WUHAN_HANYANG)->name, "Hanyang");
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_wuhan");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 120); /* all-pairs brute force and full city builds: slow under sanitizers */
    tcase_add_test (core, test_default_city_connected);
    tcase_add_test (core, test_default_city_unchanged);
    tcase_add_test (core, test_rivers_crossed_only_at_bridges);
    tcase_add_test (core, test_three_towns_without_bridges);
    tcase_add_test (core, test_deterministic);
    tcase_add_test (core, test_nodes_match_projection);
    tcase_add_test (core, test_hankou_to_wuchang_route);
    tcase_add_test (core, test_classes_spaced_by_distance);
    suite_add_tcase (s, core);
    TCase *fine = tcase_create ("fine");
    tcase_set_timeout (fine, 120); /* 100,000 and 390,000 node cities: seconds under sanitizers */
    tcase_add_test (fine, test_fine_city);
    tcase_add_test (fine, test_grid_range_ends);
    suite_add_tcase (s, fine);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_bad_arguments_refused);
    tcase_add_test (limits, test_facts);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
