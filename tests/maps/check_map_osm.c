/* check_map_osm: the OpenStreetMap importer on real extracts (Monaco, two osmnx test files) and on a hand-written
 * file whose every edge is known: counts, one-way rules, speeds, drops, connectivity, route lengths against
 * geodesics computed here from the raw file, determinism, and a clear refusal of every broken input. */
#include <check.h>

#include "rt_check.h"
#include "rt_geo.h"
#include "rt_data.h"
#include "rt_proc.h"
#include <math.h>
#include <readosm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "map_graph.h"
#include "map_osm.h"
#include "map_proj.h"
#include "map_route.h"

#define S_MONACO  "osm/monaco.osm.pbf"
#define S_GERMANY RT_OSMNX_DIR "/planet_10.068,48.135_10.071,48.137.osm"
#define S_OAKLAND RT_OSMNX_DIR "/West-Oakland.osm.bz2"

/* ---- Helpers. ------------------------------------------------------------------------------------------------ */

/* Nodes reached from `start` over out-edges (reverse = false) or in-edges (reverse = true). */
static size_t s_reach (const map_graph_t *g, uint32_t start, bool reverse)
{
    size_t n = map_graph_node_count (g), seen_count = 1, top = 0;
    bool *seen = calloc (n, sizeof *seen);
    uint32_t *stack = malloc (n * sizeof *stack);
    ck_assert (seen && stack);
    seen[start] = true;
    stack[top++] = start;
    while (top > 0) {
        uint32_t v = stack[--top], first, end;
        if (reverse)
            map_graph_in (g, v, &first, &end);
        else
            map_graph_out (g, v, &first, &end);
        for (uint32_t i = first; i < end; i++) {
            const map_edge_t *e = map_graph_edge (g, reverse ? map_graph_in_edge (g, i) : i);
            uint32_t w = reverse ? e->from : e->to;
            if (!seen[w]) {
                seen[w] = true;
                seen_count++;
                stack[top++] = w;
            }
        }
    }
    free (seen);
    free (stack);
    return seen_count;
}

/* Every node reaches every other: all are reached from node 0 forwards and backwards. */
static void s_assert_strongly_connected (const map_graph_t *g)
{
    size_t n = map_graph_node_count (g);
    ck_assert_uint_gt (n, 1);
    ck_assert_uint_eq (s_reach (g, 0, false), n);
    ck_assert_uint_eq (s_reach (g, 0, true), n);
}

/* The graph's numbers agree with the stats, and the extent is that of the graph's nodes. */
static void s_assert_stats_match (const map_graph_t *g, const map_osm_stats_t *st)
{
    ck_assert_uint_eq (st->nodes, map_graph_node_count (g));
    ck_assert_uint_eq (st->edges, map_graph_edge_count (g));
    ck_assert_int_eq (st->epsg, map_graph_epsg (g));
    double lon_min = INFINITY, lon_max = -INFINITY, lat_min = INFINITY, lat_max = -INFINITY;
    for (uint32_t v = 0; v < map_graph_node_count (g); v++) {
        const map_node_t *p = map_graph_node (g, v);
        lon_min = fmin (lon_min, p->lon), lon_max = fmax (lon_max, p->lon);
        lat_min = fmin (lat_min, p->lat), lat_max = fmax (lat_max, p->lat);
    }
    ck_assert_double_eq (st->lon_min, lon_min);
    ck_assert_double_eq (st->lon_max, lon_max);
    ck_assert_double_eq (st->lat_min, lat_min);
    ck_assert_double_eq (st->lat_max, lat_max);
}

/* Node x/y are the projection of its lon/lat in the graph's CRS (checked on every step-th node). */
static void s_assert_projected (const map_graph_t *g, size_t step)
{
    char err[256];
    map_proj_t *proj = map_proj_new (map_graph_epsg (g), err, sizeof err);
    ck_assert_msg (proj, "%s", err);
    for (uint32_t v = 0; v < map_graph_node_count (g); v += (uint32_t)step) {
        const map_node_t *p = map_graph_node (g, v);
        double x, y;
        ck_assert_int_eq (map_proj_forward (proj, p->lon, p->lat, &x, &y, err, sizeof err), 0);
        ck_assert_double_eq_tol (p->x, x, 1e-6);
        ck_assert_double_eq_tol (p->y, y, 1e-6);
    }
    map_proj_destroy (&proj);
}

/* The graph node at exactly lon/lat, or MAP_NODE_NONE. */
static uint32_t s_node_at (const map_graph_t *g, double lon, double lat)
{
    for (uint32_t v = 0; v < map_graph_node_count (g); v++) {
        const map_node_t *p = map_graph_node (g, v);
        if (fabs (p->lon - lon) < 1e-9 && fabs (p->lat - lat) < 1e-9) return v;
    }
    return MAP_NODE_NONE;
}

/* The edge from -> to, or NULL. */
static const map_edge_t *s_edge (const map_graph_t *g, uint32_t from, uint32_t to)
{
    uint32_t first, end;
    map_graph_out (g, from, &first, &end);
    for (uint32_t e = first; e < end; e++)
        if (map_graph_edge (g, e)->to == to) return map_graph_edge (g, e);
    return NULL;
}

static void s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    ck_assert_msg (f, "cannot write %s", path);
    fputs (text, f);
    fclose (f);
}

/* Imports path with the given highway list and EPSG code; err receives the message. */
static map_graph_t *s_import (const char *path, const char *highways, int epsg, map_osm_stats_t *st, char *err,
                              size_t errlen)
{
    map_osm_options_t opt = {.highways = highways, .epsg = epsg};
    err[0] = '\0';
    return map_osm_import (path, &opt, st, err, errlen);
}

/* Asserts that importing path fails with a message naming the file and containing `why`. */
static void s_assert_refused (const char *path, const char *highways, int epsg, const char *why)
{
    char err[1024];
    map_osm_stats_t st;
    map_graph_t *g = s_import (path, highways, epsg, &st, err, sizeof err);
    ck_assert_msg (g == NULL, "%s was imported, expected a refusal (%s)", path, why);
    ck_assert_msg (strncmp (err, path, strlen (path)) == 0 && err[strlen (path)] == ':',
                   "message does not start with the file name: %s", err);
    ck_assert_msg (strstr (err, why), "message '%s' does not say '%s'", err, why);
}

/* Removes the files named in the NULL-terminated list from dir, then dir. */
static void s_cleanup (char *dir, const char *const *names)
{
    char path[4096];
    for (; *names; names++) {
        snprintf (path, sizeof path, "%s/%s", dir, *names);
        unlink (path);
    }
    rmdir (dir);
    free (dir);
}

/* ---- A hand-written file in which every edge is known. -------------------------------------------------------- */

/* Around 9.00 E, 45.00 N (UTM 32N), nodes listed out of id order on purpose:
 *   square 1-2-3-4: 1-2 two-way at "30 mph", 2->3 one-way, 3-4 tertiary 50 km/h forward and 30 backward
 *     (maxspeed:backward), 4-1 two-way without maxspeed;
 *   roundabout 10->11->12->10 (primary, implied one-way), joined to 2 by a two-way secondary at "FR:urban";
 *   motorway loop 11->20->21 (maxspeed=none) and 21->22->12 ("80;60"), one-way by implication;
 *   spur 4-70 open to cars (access=no, motorcar=yes); way 115 runs from 4 to node 999, which is not in the file;
 *   dropped: a footway 3-31-30, a private road 1-60, an area=yes service ring 1-2-3-1, a reversible diagonal 2-4;
 *   kept but cut off: a separate street 40-41-42 and a one-way dead end 4->50. */
static const char s_tiny_osm[] =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<osm version=\"0.6\" generator=\"check_map_osm\">\n"
    " <node id=\"70\" lat=\"45.0015\" lon=\"9.0000\"/>\n"
    " <node id=\"3\" lat=\"45.001\" lon=\"9.001\"/>\n"
    " <node id=\"1\" lat=\"45.000\" lon=\"9.000\"/>\n"
    " <node id=\"2\" lat=\"45.000\" lon=\"9.001\"/>\n"
    " <node id=\"4\" lat=\"45.001\" lon=\"9.000\"><tag k=\"highway\" v=\"crossing\"/></node>\n"
    " <node id=\"12\" lat=\"44.9995\" lon=\"9.0025\"/>\n"
    " <node id=\"10\" lat=\"45.000\" lon=\"9.002\"/>\n"
    " <node id=\"11\" lat=\"45.0005\" lon=\"9.0025\"/>\n"
    " <node id=\"20\" lat=\"45.001\" lon=\"9.004\"/>\n"
    " <node id=\"21\" lat=\"45.000\" lon=\"9.006\"/>\n"
    " <node id=\"22\" lat=\"44.999\" lon=\"9.004\"/>\n"
    " <node id=\"30\" lat=\"45.002\" lon=\"9.000\"/>\n"
    " <node id=\"31\" lat=\"45.002\" lon=\"9.001\"/>\n"
    " <node id=\"42\" lat=\"45.010\" lon=\"9.012\"/>\n"
    " <node id=\"40\" lat=\"45.010\" lon=\"9.010\"/>\n"
    " <node id=\"41\" lat=\"45.010\" lon=\"9.011\"/>\n"
    " <node id=\"50\" lat=\"45.001\" lon=\"8.999\"/>\n"
    " <node id=\"60\" lat=\"45.000\" lon=\"8.999\"/>\n"
    " <way id=\"100\"><nd ref=\"1\"/><nd ref=\"2\"/><tag k=\"highway\" v=\"residential\"/>"
    "<tag k=\"maxspeed\" v=\"30 mph\"/></way>\n"
    " <way id=\"101\"><nd ref=\"2\"/><nd ref=\"3\"/><tag k=\"highway\" v=\"residential\"/>"
    "<tag k=\"oneway\" v=\"yes\"/></way>\n"
    " <way id=\"102\"><nd ref=\"3\"/><nd ref=\"4\"/><tag k=\"highway\" v=\"tertiary\"/>"
    "<tag k=\"maxspeed\" v=\"50\"/><tag k=\"maxspeed:backward\" v=\"30\"/></way>\n"
    " <way id=\"103\"><nd ref=\"4\"/><nd ref=\"1\"/><tag k=\"highway\" v=\"residential\"/></way>\n"
    " <way id=\"104\"><nd ref=\"10\"/><nd ref=\"11\"/><nd ref=\"12\"/><nd ref=\"10\"/>"
    "<tag k=\"highway\" v=\"primary\"/><tag k=\"junction\" v=\"roundabout\"/></way>\n"
    " <way id=\"105\"><nd ref=\"2\"/><nd ref=\"10\"/><tag k=\"highway\" v=\"secondary\"/>"
    "<tag k=\"maxspeed\" v=\"FR:urban\"/></way>\n"
    " <way id=\"106\"><nd ref=\"11\"/><nd ref=\"20\"/><nd ref=\"21\"/><tag k=\"highway\" v=\"motorway\"/>"
    "<tag k=\"maxspeed\" v=\"none\"/></way>\n"
    " <way id=\"107\"><nd ref=\"21\"/><nd ref=\"22\"/><nd ref=\"12\"/><tag k=\"highway\" v=\"motorway\"/>"
    "<tag k=\"maxspeed\" v=\"80;60\"/></way>\n"
    " <way id=\"108\"><nd ref=\"3\"/><nd ref=\"31\"/><nd ref=\"30\"/><tag k=\"highway\" v=\"footway\"/></way>\n"
    " <way id=\"109\"><nd ref=\"40\"/><nd ref=\"41\"/><nd ref=\"42\"/><tag k=\"highway\" v=\"residential\"/></way>\n"
    " <way id=\"110\"><nd ref=\"4\"/><nd ref=\"50\"/><tag k=\"highway\" v=\"service\"/>"
    "<tag k=\"oneway\" v=\"yes\"/></way>\n"
    " <way id=\"111\"><nd ref=\"1\"/><nd ref=\"60\"/><tag k=\"highway\" v=\"residential\"/>"
    "<tag k=\"access\" v=\"private\"/></way>\n"
    " <way id=\"112\"><nd ref=\"4\"/><nd ref=\"70\"/><tag k=\"highway\" v=\"service\"/>"
    "<tag k=\"access\" v=\"no\"/><tag k=\"motorcar\" v=\"yes\"/></way>\n"
    " <way id=\"113\"><nd ref=\"1\"/><nd ref=\"2\"/><nd ref=\"3\"/><nd ref=\"1\"/><tag k=\"highway\" v=\"service\"/>"
    "<tag k=\"area\" v=\"yes\"/></way>\n"
    " <way id=\"114\"><nd ref=\"2\"/><nd ref=\"4\"/><tag k=\"highway\" v=\"residential\"/>"
    "<tag k=\"oneway\" v=\"reversible\"/></way>\n"
    " <way id=\"115\"><nd ref=\"4\"/><nd ref=\"999\"/><tag k=\"highway\" v=\"residential\"/></way>\n"
    " <relation id=\"900\"><member type=\"way\" ref=\"100\" role=\"\"/><tag k=\"type\" v=\"route\"/></relation>\n"
    "</osm>\n";

/* OSM id -> lon/lat of the tiny file's nodes that the import keeps. */
static const struct {
    int id;
    double lon, lat;
} s_tiny_kept[] = {
    {1, 9.000, 45.000},  {2, 9.001, 45.000},    {3, 9.001, 45.001},    {4, 9.000, 45.001},
    {10, 9.002, 45.000}, {11, 9.0025, 45.0005}, {12, 9.0025, 44.9995}, {20, 9.004, 45.001},
    {21, 9.006, 45.000}, {22, 9.004, 44.999},   {70, 9.000, 45.0015},
};
#define S_TINY_KEPT (sizeof s_tiny_kept / sizeof s_tiny_kept[0])

/* Graph node of OSM node id in the tiny file (by its coordinates). */
static uint32_t s_tiny (const map_graph_t *g, int id)
{
    for (size_t i = 0; i < S_TINY_KEPT; i++)
        if (s_tiny_kept[i].id == id) return s_node_at (g, s_tiny_kept[i].lon, s_tiny_kept[i].lat);
    return MAP_NODE_NONE;
}

/* Asserts the edge between OSM nodes a -> b exists with the given speed and class, and a geodesic length. */
static void s_assert_tiny_edge (const map_graph_t *g, int a, int b, double speed_kmh, map_road_class_t road_class)
{
    uint32_t u = s_tiny (g, a), v = s_tiny (g, b);
    ck_assert_msg (u != MAP_NODE_NONE && v != MAP_NODE_NONE, "node %d or %d missing", a, b);
    const map_edge_t *e = s_edge (g, u, v);
    ck_assert_msg (e, "edge %d -> %d missing", a, b);
    ck_assert_msg (fabs (e->speed_kmh - speed_kmh) < 1e-3, "edge %d -> %d: %.3f km/h, expected %.3f", a, b,
                   e->speed_kmh, speed_kmh);
    ck_assert_int_eq (e->road_class, road_class);
    const map_node_t *p = map_graph_node (g, u), *q = map_graph_node (g, v);
    ck_assert_double_eq_tol (e->length_m, rt_geod_m (p->lon, p->lat, q->lon, q->lat), 1e-6);
}

static void s_assert_no_tiny_edge (const map_graph_t *g, int a, int b)
{
    uint32_t u = s_tiny (g, a), v = s_tiny (g, b);
    ck_assert_msg (u == MAP_NODE_NONE || v == MAP_NODE_NONE || !s_edge (g, u, v), "edge %d -> %d exists", a, b);
}

START_TEST (test_tiny_file_every_edge)
{
    char *dir = rt_temp_dir ("osm-tiny"), path[4096], err[512];
    ck_assert_ptr_nonnull (dir);
    snprintf (path, sizeof path, "%s/tiny.osm", dir);
    s_write (path, s_tiny_osm);
    map_osm_stats_t st;
    map_graph_t *g = s_import (path, NULL, 0, &st, err, sizeof err);
    ck_assert_msg (g, "%s", err);

    ck_assert_uint_eq (st.osm_nodes, 18);
    ck_assert_uint_eq (st.osm_ways, 16);
    /* Kept: 100-107, 109, 110, 112, 115. Not: footway 108, private 111, area 113, reversible 114. */
    ck_assert_uint_eq (st.ways_kept, 12);
    ck_assert_uint_eq (st.ways_oneway, 5);      /* 101 and 110 tagged, 104 roundabout, 106 and 107 motorway */
    ck_assert_uint_eq (st.maxspeed_tagged, 4);  /* 100, 102, 105, 107 */
    ck_assert_uint_eq (st.maxspeed_unknown, 1); /* 106: none */
    ck_assert_uint_eq (st.segments_missing, 1); /* 4-999 */
    ck_assert_uint_eq (st.components, 3);       /* the network, 40-41-42, the dead end 50 */
    ck_assert_uint_eq (st.nodes_dropped, 4);
    ck_assert_uint_eq (st.edges_dropped, 5); /* 40<->41, 41<->42, 4->50 */
    ck_assert_uint_eq (map_graph_node_count (g), S_TINY_KEPT);
    ck_assert_uint_eq (map_graph_edge_count (g), 18);
    ck_assert_int_eq (st.epsg, 32632);
    s_assert_stats_match (g, &st);
    s_assert_strongly_connected (g);
    s_assert_projected (g, 1);

    /* Ids follow the OSM ids, whatever the order in the file. */
    for (uint32_t i = 0; i < S_TINY_KEPT; i++)
        ck_assert_uint_eq (s_tiny (g, s_tiny_kept[i].id), i);

    const double mph30 = 30 * 1.609344;
    s_assert_tiny_edge (g, 1, 2, mph30, MAP_ROAD_LOCAL);
    s_assert_tiny_edge (g, 2, 1, mph30, MAP_ROAD_LOCAL);
    s_assert_tiny_edge (g, 2, 3, 30, MAP_ROAD_LOCAL); /* residential default */
    s_assert_no_tiny_edge (g, 3, 2);
    s_assert_tiny_edge (g, 3, 4, 50, MAP_ROAD_SECONDARY);
    s_assert_tiny_edge (g, 4, 3, 30, MAP_ROAD_SECONDARY);
    s_assert_tiny_edge (g, 4, 1, 30, MAP_ROAD_LOCAL);
    s_assert_tiny_edge (g, 1, 4, 30, MAP_ROAD_LOCAL);
    s_assert_tiny_edge (g, 10, 11, 60, MAP_ROAD_ARTERIAL); /* primary default */
    s_assert_tiny_edge (g, 11, 12, 60, MAP_ROAD_ARTERIAL);
    s_assert_tiny_edge (g, 12, 10, 60, MAP_ROAD_ARTERIAL);
    s_assert_no_tiny_edge (g, 11, 10);
    s_assert_no_tiny_edge (g, 10, 12);
    s_assert_tiny_edge (g, 2, 10, 50, MAP_ROAD_SECONDARY); /* FR:urban */
    s_assert_tiny_edge (g, 10, 2, 50, MAP_ROAD_SECONDARY);
    s_assert_tiny_edge (g, 11, 20, 100, MAP_ROAD_EXPRESSWAY); /* maxspeed=none: motorway default */
    s_assert_tiny_edge (g, 20, 21, 100, MAP_ROAD_EXPRESSWAY);
    s_assert_no_tiny_edge (g, 20, 11);
    s_assert_tiny_edge (g, 21, 22, 60, MAP_ROAD_EXPRESSWAY); /* the lower of 80;60 */
    s_assert_tiny_edge (g, 22, 12, 60, MAP_ROAD_EXPRESSWAY);
    s_assert_tiny_edge (g, 4, 70, 20, MAP_ROAD_LOCAL); /* service default */
    s_assert_tiny_edge (g, 70, 4, 20, MAP_ROAD_LOCAL);
    s_assert_no_tiny_edge (g, 1, 3); /* area */
    s_assert_no_tiny_edge (g, 3, 1);
    s_assert_no_tiny_edge (g, 2, 4); /* reversible */
    s_assert_no_tiny_edge (g, 4, 2);
    /* The dropped nodes are nowhere in the graph. */
    const double gone[][2] = {{9.000, 45.002}, {9.001, 45.002}, {9.010, 45.010}, {9.011, 45.010},
                              {9.012, 45.010}, {8.999, 45.001}, {8.999, 45.000}};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        ck_assert_uint_eq (s_node_at (g, gone[i][0], gone[i][1]), MAP_NODE_NONE);

    /* 3 -> 2 has no edge (one-way 2->3): 3-4-1-2 is the only loop-free way, its length the sum of three
     * geodesics. */
    map_router_t *r = map_router_new (g);
    map_route_t route;
    ck_assert_int_eq (map_router_route (r, s_tiny (g, 3), s_tiny (g, 2), &route), 0);
    double expect = rt_geod_m (9.001, 45.001, 9.000, 45.001) + rt_geod_m (9.000, 45.001, 9.000, 45.000) +
                    rt_geod_m (9.000, 45.000, 9.001, 45.000);
    ck_assert_double_eq_tol (route.length_m, expect, 1e-6);
    map_router_destroy (&r);
    map_graph_destroy (&g);

    /* Same file twice: same graph. */
    map_graph_t *a = s_import (path, NULL, 0, &st, err, sizeof err),
                *b = s_import (path, NULL, 0, &st, err, sizeof err);
    ck_assert (a && b);
    ck_assert_uint_eq (map_graph_fingerprint (a), map_graph_fingerprint (b));
    map_graph_destroy (&a);
    map_graph_destroy (&b);
    s_cleanup (dir, (const char *const[]){"tiny.osm", NULL});
}
END_TEST

START_TEST (test_tiny_file_highway_list)
{
    char *dir = rt_temp_dir ("osm-list"), path[4096], err[512];
    ck_assert_ptr_nonnull (dir);
    snprintf (path, sizeof path, "%s/tiny.osm", dir);
    s_write (path, s_tiny_osm);
    map_osm_stats_t st;

    /* The square alone. */
    map_graph_t *g = s_import (path, "residential,tertiary", 0, &st, err, sizeof err);
    ck_assert_msg (g, "%s", err);
    ck_assert_uint_eq (map_graph_node_count (g), 4);
    ck_assert_uint_eq (map_graph_edge_count (g), 7);
    ck_assert_uint_eq (st.nodes_dropped, 3); /* 40-41-42 */
    s_assert_strongly_connected (g);
    map_graph_destroy (&g);

    /* Roundabout, its link to 2 and the motorway loop; spaces around the values are fine. */
    g = s_import (path, " motorway , primary,secondary ", 0, &st, err, sizeof err);
    ck_assert_msg (g, "%s", err);
    ck_assert_uint_eq (map_graph_node_count (g), 7);
    ck_assert_uint_eq (map_graph_edge_count (g), 9);
    ck_assert_uint_eq (st.ways_kept, 4); /* 104-107 */
    s_assert_strongly_connected (g);
    map_graph_destroy (&g);

    /* The motorway alone is a one-way chain: nothing can be reached both ways. */
    s_assert_refused (path, "motorway", 0, "no drivable roads");
    /* Values that are not drivable, or not highway values at all, are named. */
    s_assert_refused (path, "residential,footway", 0, "'footway'");
    s_assert_refused (path, "residential,,primary", 0, "''");
    s_assert_refused (path, "Residential", 0, "'Residential'");
    s_cleanup (dir, (const char *const[]){"tiny.osm", NULL});
}
END_TEST

/* ---- Real extracts. ------------------------------------------------------------------------------------------ */

/* Drivable ways of the default classes, read by the test itself with readosm. */
typedef struct {
    uint64_t drivable; /* highway value in MAP_OSM_DEFAULT_HIGHWAYS */
    uint64_t closed;   /* of those, access=no/private and no motorcar/motor_vehicle/vehicle tag */
    uint64_t plain;    /* of those, no access, motorcar, motor_vehicle, vehicle, area or oneway tag */
    uint64_t single;   /* of those, with fewer than two nodes: no segment at all */
} s_access_count_t;

static int s_on_access_way (const void *user, const readosm_way *way)
{
    s_access_count_t *count = (s_access_count_t *)user;
    const char *highway = NULL, *access = NULL;
    bool vehicle = false, other = false;
    for (int i = 0; i < way->tag_count; i++) {
        const char *k = way->tags[i].key, *v = way->tags[i].value;
        if (strcmp (k, "highway") == 0) highway = v;
        if (strcmp (k, "access") == 0) access = v;
        if (strcmp (k, "motorcar") == 0 || strcmp (k, "motor_vehicle") == 0 || strcmp (k, "vehicle") == 0)
            vehicle = true;
        if (strcmp (k, "area") == 0 || strncmp (k, "oneway", 6) == 0) other = true;
    }
    if (!highway) return READOSM_OK;
    /* Matches a whole comma-separated item of the default list. */
    char item[64];
    snprintf (item, sizeof item, ",%s,", highway);
    if (!strstr ("," MAP_OSM_DEFAULT_HIGHWAYS ",", item)) return READOSM_OK;
    count->drivable++;
    if (way->node_ref_count < 2)
        count->single++;
    else if (access && (strcmp (access, "no") == 0 || strcmp (access, "private") == 0) && !vehicle)
        count->closed++;
    else if (!access && !vehicle && !other)
        count->plain++;
    return READOSM_OK;
}

START_TEST (test_monaco)
{
    char path[4096], err[512];
    if (!rt_data (S_MONACO, path, sizeof path)) return;
    map_osm_stats_t st;
    map_graph_t *g = s_import (path, NULL, 0, &st, err, sizeof err);
    ck_assert_msg (g, "%s", err);
    /* PROVENANCE.md: 180,118 nodes, 27,377 ways, 1,763 of them of a drivable class. Counted here with readosm:
     * the drivable ways closed by access=no/private alone, or with a single node (the extract has three), can never
     * be kept; those without any access, area or oneway tag are always kept. */
    ck_assert_uint_eq (st.osm_nodes, 180118);
    ck_assert_uint_eq (st.osm_ways, 27377);
    s_access_count_t count = {0};
    const void *h = NULL;
    ck_assert_int_eq (readosm_open (path, &h), READOSM_OK);
    ck_assert_int_eq (readosm_parse (h, &count, NULL, s_on_access_way, NULL), READOSM_OK);
    readosm_close (h);
    ck_assert_uint_eq (count.drivable, 1763);
    ck_assert_uint_gt (count.closed, 0);
    ck_assert_uint_le (st.ways_kept, count.drivable - count.closed - count.single);
    ck_assert_uint_ge (st.ways_kept, count.plain);
    ck_assert_uint_gt (st.ways_oneway, 0);
    ck_assert_uint_gt (st.maxspeed_tagged, 0);
    ck_assert_int_eq (st.epsg, 32632); /* Monaco, 7.4 E: UTM zone 32 covers 6-12 E */
    /* The kept extent lies inside the extract's bbox, and spans most of it. */
    ck_assert_double_ge (st.lon_min, 7.349);
    ck_assert_double_le (st.lon_max, 7.491);
    ck_assert_double_ge (st.lat_min, 43.715);
    ck_assert_double_le (st.lat_max, 43.770);
    ck_assert_double_gt (st.lon_max - st.lon_min, 0.1);
    ck_assert_double_gt (st.lat_max - st.lat_min, 0.04);
    s_assert_stats_match (g, &st);
    s_assert_strongly_connected (g);
    s_assert_projected (g, 97);
    /* A real city always has pieces that cannot be left or entered again (dead-end one-ways, gated yards). */
    ck_assert_uint_gt (st.components, 1);
    ck_assert_uint_gt (st.nodes_dropped, 0);
    ck_assert_uint_gt (st.edges_dropped, 0);
    /* No degree-2 contraction: a city of a few thousand streets has many more nodes than ways. */
    ck_assert_uint_gt (map_graph_node_count (g), 5 * st.ways_kept);
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        ck_assert (edge->speed_kmh >= 5 && edge->speed_kmh <= 130);
        ck_assert (edge->length_m > 0 && edge->length_m < 5000);
    }
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_monaco_deterministic_and_crs_independent_lengths)
{
    char path[4096], err[512];
    if (!rt_data (S_MONACO, path, sizeof path)) return;
    map_osm_stats_t st;
    map_graph_t *a = s_import (path, NULL, 0, &st, err, sizeof err);
    map_graph_t *b = s_import (path, NULL, 32632, &st, err, sizeof err);
    map_graph_t *c = s_import (path, NULL, 3857, &st, err, sizeof err);
    ck_assert_msg (a && b && c, "%s", err);
    ck_assert_uint_eq (map_graph_fingerprint (a), map_graph_fingerprint (b));
    ck_assert_int_eq (map_graph_epsg (c), 3857);
    /* Web Mercator stretches distances by 1/cos(43.7) = 1.38, yet road lengths and times stay the same. */
    ck_assert_uint_eq (map_graph_node_count (a), map_graph_node_count (c));
    ck_assert_uint_eq (map_graph_edge_count (a), map_graph_edge_count (c));
    for (uint32_t e = 0; e < map_graph_edge_count (a); e++) {
        const map_edge_t *x = map_graph_edge (a, e), *y = map_graph_edge (c, e);
        ck_assert_uint_eq (x->from, y->from);
        ck_assert_uint_eq (x->to, y->to);
        ck_assert_double_eq_tol (x->length_m, y->length_m, 1e-9);
        ck_assert_int_eq (x->time_ms, y->time_ms);
    }
    map_graph_destroy (&a);
    map_graph_destroy (&b);
    map_graph_destroy (&c);
}
END_TEST

/* The test's own reading of the extract: every node, and the one-way chains worth routing along. */
typedef struct {
    int64_t id;
    double lon, lat;
} s_osm_node_t;

typedef struct {
    s_osm_node_t *nodes;
    size_t node_count, node_cap;
    int64_t *refs; /* candidate ways, each as: count, then count node ids */
    size_t ref_count, ref_cap;
} s_osm_t;

static int s_on_osm_node (const void *user, const readosm_node *node)
{
    s_osm_t *osm = (s_osm_t *)user;
    if (osm->node_count == osm->node_cap) {
        osm->node_cap = osm->node_cap ? 2 * osm->node_cap : 4096;
        osm->nodes = realloc (osm->nodes, osm->node_cap * sizeof *osm->nodes);
    }
    osm->nodes[osm->node_count++] = (s_osm_node_t){node->id, node->longitude, node->latitude};
    return READOSM_OK;
}

/* Candidates: explicitly one-way streets (oneway=yes) of an ordinary class, no access, area or junction tag, at
 * least three nodes, not closed. Picked by tags alone, without asking the importer. */
static int s_on_osm_way (const void *user, const readosm_way *way)
{
    s_osm_t *osm = (s_osm_t *)user;
    bool oneway = false, ordinary = false;
    for (int i = 0; i < way->tag_count; i++) {
        const char *k = way->tags[i].key, *v = way->tags[i].value;
        if (strcmp (k, "oneway") == 0) oneway = strcmp (v, "yes") == 0;
        if (strcmp (k, "highway") == 0)
            ordinary = strcmp (v, "primary") == 0 || strcmp (v, "secondary") == 0 || strcmp (v, "tertiary") == 0 ||
                       strcmp (v, "residential") == 0 || strcmp (v, "unclassified") == 0;
        if (strcmp (k, "access") == 0 || strcmp (k, "area") == 0 || strcmp (k, "junction") == 0 ||
            strncmp (k, "motor", 5) == 0 || strcmp (k, "vehicle") == 0)
            return READOSM_OK;
    }
    int n = way->node_ref_count;
    if (!oneway || !ordinary || n < 3 || way->node_refs[0] == way->node_refs[n - 1]) return READOSM_OK;
    while (osm->ref_count + (size_t)n + 1 > osm->ref_cap) {
        osm->ref_cap = osm->ref_cap ? 2 * osm->ref_cap : 4096;
        osm->refs = realloc (osm->refs, osm->ref_cap * sizeof *osm->refs);
    }
    osm->refs[osm->ref_count++] = n;
    memcpy (osm->refs + osm->ref_count, way->node_refs, (size_t)n * sizeof *osm->refs);
    osm->ref_count += (size_t)n;
    return READOSM_OK;
}

static int s_osm_node_cmp (const void *a, const void *b)
{
    int64_t x = ((const s_osm_node_t *)a)->id, y = ((const s_osm_node_t *)b)->id;
    return (x > y) - (x < y);
}

static const s_osm_node_t *s_osm_node (const s_osm_t *osm, int64_t id)
{
    s_osm_node_t key = {.id = id};
    return bsearch (&key, osm->nodes, osm->node_count, sizeof key, s_osm_node_cmp);
}

/* Routes along one-way streets read from the file by the test itself. When the fastest route from a street's first
 * node to its last follows the street node by node, its length must be the sum of the geodesic lengths of the
 * street's segments, computed here from the raw coordinates (0.5% allowed). Any route is at least as long as the
 * geodesic between its ends. */
START_TEST (test_monaco_route_lengths)
{
    char path[4096], err[512];
    if (!rt_data (S_MONACO, path, sizeof path)) return;
    s_osm_t osm = {0};
    const void *h = NULL;
    ck_assert_int_eq (readosm_open (path, &h), READOSM_OK);
    ck_assert_int_eq (readosm_parse (h, &osm, s_on_osm_node, s_on_osm_way, NULL), READOSM_OK);
    readosm_close (h);
    qsort (osm.nodes, osm.node_count, sizeof *osm.nodes, s_osm_node_cmp);

    map_osm_stats_t st;
    map_graph_t *g = s_import (path, NULL, 0, &st, err, sizeof err);
    ck_assert_msg (g, "%s", err);
    map_proj_t *proj = map_proj_new (st.epsg, err, sizeof err);
    map_router_t *r = map_router_new (g);
    ck_assert (proj && r);

    size_t candidates = 0, routed = 0, along = 0;
    for (size_t i = 0; i < osm.ref_count; i += 1 + (size_t)osm.refs[i]) {
        size_t n = (size_t)osm.refs[i];
        const int64_t *ids = osm.refs + i + 1;
        candidates++;
        const s_osm_node_t *first = s_osm_node (&osm, ids[0]), *last = s_osm_node (&osm, ids[n - 1]);
        ck_assert (first && last);
        /* Snap the ends; a street outside the kept component snaps elsewhere and is skipped. */
        double x, y;
        ck_assert_int_eq (map_proj_forward (proj, first->lon, first->lat, &x, &y, err, sizeof err), 0);
        uint32_t a = map_graph_nearest (g, x, y);
        ck_assert_int_eq (map_proj_forward (proj, last->lon, last->lat, &x, &y, err, sizeof err), 0);
        uint32_t b = map_graph_nearest (g, x, y);
        if (map_graph_node (g, a)->lon != first->lon || map_graph_node (g, a)->lat != first->lat ||
            map_graph_node (g, b)->lon != last->lon || map_graph_node (g, b)->lat != last->lat)
            continue;
        routed++;
        map_route_t route;
        ck_assert_int_eq (map_router_route (r, a, b, &route), 0); /* one component: always reachable */
        ck_assert_double_ge (route.length_m, rt_geod_m (first->lon, first->lat, last->lon, last->lat) - 1e-6);

        size_t count;
        const uint32_t *p = map_router_path (r, &count);
        bool same = count == n;
        double sum = 0;
        for (size_t k = 0; k < n; k++) {
            const s_osm_node_t *q = s_osm_node (&osm, ids[k]);
            ck_assert (q);
            if (k > 0) {
                const s_osm_node_t *prev = s_osm_node (&osm, ids[k - 1]);
                sum += rt_geod_m (prev->lon, prev->lat, q->lon, q->lat);
            }
            if (same && (map_graph_node (g, p[k])->lon != q->lon || map_graph_node (g, p[k])->lat != q->lat))
                same = false;
        }
        if (!same) continue;
        along++;
        ck_assert_msg (fabs (route.length_m - sum) <= 0.005 * sum,
                       "way starting at node %lld: route %.2f m, "
                       "segments %.2f m",
                       (long long)ids[0], route.length_m, sum);
    }
    /* Most one-way streets are their own fastest route between their ends; enough of them must be checked for
     * the test to mean something. */
    ck_assert_uint_gt (candidates, 100);
    ck_assert_uint_gt (routed, candidates / 2);
    ck_assert_uint_gt (along, routed / 2);

    /* Routes between scattered node pairs are never shorter than the geodesic between their ends. */
    size_t n = map_graph_node_count (g);
    for (uint32_t k = 0; k < 200; k++) {
        uint32_t u = (uint32_t)((k * 7919u) % n), v = (uint32_t)((k * 104729u + 17) % n);
        map_route_t route;
        ck_assert_int_eq (map_router_route (r, u, v, &route), 0);
        const map_node_t *pu = map_graph_node (g, u), *pv = map_graph_node (g, v);
        ck_assert_double_ge (route.length_m, rt_geod_m (pu->lon, pu->lat, pv->lon, pv->lat) - 1e-6);
    }
    map_router_destroy (&r);
    map_proj_destroy (&proj);
    map_graph_destroy (&g);
    free (osm.nodes);
    free (osm.refs);
}
END_TEST

START_TEST (test_osmnx_germany)
{
    char path[4096], err[512];
    if (!rt_data (S_GERMANY, path, sizeof path)) return;
    map_osm_stats_t st;
    map_graph_t *g = s_import (path, NULL, 0, &st, err, sizeof err);
    ck_assert_msg (g, "%s", err);
    ck_assert_uint_eq (st.osm_nodes, 281); /* PROVENANCE.md */
    ck_assert_uint_eq (st.osm_ways, 56);
    ck_assert_int_eq (st.epsg, 32632); /* 10.07 E */
    /* Inside the file's <bounds>: 10.068-10.071 E, 48.135-48.137 N. */
    ck_assert_double_ge (st.lon_min, 10.068);
    ck_assert_double_le (st.lon_max, 10.071);
    ck_assert_double_ge (st.lat_min, 48.135);
    ck_assert_double_le (st.lat_max, 48.137);
    s_assert_stats_match (g, &st);
    s_assert_strongly_connected (g);
    s_assert_projected (g, 1);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_osmnx_oakland)
{
    char bz2[4096], err[512];
    if (!rt_data (S_OAKLAND, bz2, sizeof bz2)) return;
    /* The compressed file is refused with the command that fixes it. */
    s_assert_refused (bz2, NULL, 0, "bzip2 -dk");

    char *dir = rt_temp_dir ("osm-oakland"), path[4096];
    ck_assert_ptr_nonnull (dir);
    snprintf (path, sizeof path, "%s/West-Oakland.osm", dir);
    ck_assert_int_eq (rt_bunzip (bz2, path), 0);

    map_osm_stats_t st;
    map_graph_t *g = s_import (path, NULL, 0, &st, err, sizeof err);
    ck_assert_msg (g, "%s", err);
    ck_assert_uint_eq (st.osm_nodes, 446); /* PROVENANCE.md */
    ck_assert_uint_eq (st.osm_ways, 66);
    ck_assert_int_eq (st.epsg, 32610); /* 122.3 W */
    ck_assert_double_gt (st.lon_min, -122.31);
    ck_assert_double_lt (st.lon_max, -122.28);
    s_assert_stats_match (g, &st);
    s_assert_strongly_connected (g);
    s_assert_projected (g, 1);
    map_graph_destroy (&g);
    s_cleanup (dir, (const char *const[]){"West-Oakland.osm", NULL});
}
END_TEST

/* ---- Parsing rules. ------------------------------------------------------------------------------------------ */

START_TEST (test_parse_maxspeed)
{
    const double mph = 1.609344, knot = 1.852;
    const struct {
        const char *value;
        double kmh;
    } cases[] = {
        {"50", 50},
        {"50 km/h", 50},
        {"50km/h", 50},
        {"50kmh", 50},
        {"50 kph", 50},
        {" 50 ", 50},
        {"12.5", 12.5},
        {"30 mph", 30 * mph},
        {"30mph", 30 * mph},
        {"10 knots", 10 * knot},
        {"60;40", 40},
        {"40;60", 40},
        {"none;30", 30},
        {"DE:urban", 50},
        {"DE:rural", 100},
        {"FR:urban", 50},
        {"FR:rural", 80},
        {"RU:urban", 60},
        {"RU:motorway", 110},
        {"IT:motorway", 130},
        {"GB:urban", 30 * mph},
        {"GB:nsl_single", 60 * mph},
        {"GB:nsl_dual", 70 * mph},
        {"DE:zone30", 30},
        {"DE:zone:30", 30},
        {"DE:zone20", 20},
        {"BE-VLG:urban", 50},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg (fabs (map_osm_parse_maxspeed (cases[i].value) - cases[i].kmh) < 1e-9, "'%s': %f, expected %f",
                       cases[i].value, map_osm_parse_maxspeed (cases[i].value), cases[i].kmh);

    /* Values whose exact number varies by country: plausible ranges. */
    double cn = map_osm_parse_maxspeed ("CN:urban"), xx = map_osm_parse_maxspeed ("XX:living_street");
    double walk = map_osm_parse_maxspeed ("walk"), de_walk = map_osm_parse_maxspeed ("DE:living_street");
    ck_assert (cn >= 30 && cn <= 60);
    ck_assert (xx >= 5 && xx <= 20);
    ck_assert (walk >= 4 && walk <= 10);
    ck_assert (de_walk >= 4 && de_walk <= 10); /* Schrittgeschwindigkeit */
    ck_assert (map_osm_parse_maxspeed ("XX:motorway") > map_osm_parse_maxspeed ("XX:rural"));
    ck_assert (map_osm_parse_maxspeed ("XX:rural") > map_osm_parse_maxspeed ("XX:urban"));

    const char *unusable[] = {"none",  "signals", "variable", "",    "abc",  "50 furlongs",  "-30",
                              "0",     "9999",    "inf",      "nan", "0x20", "50 km/h km/h", "CN:moon",
                              "urban", ":urban",  "D:urban",  ";",   "1e2"};
    for (size_t i = 0; i < sizeof unusable / sizeof unusable[0]; i++)
        ck_assert_msg (map_osm_parse_maxspeed (unusable[i]) == 0, "'%s' gave %f", unusable[i],
                       map_osm_parse_maxspeed (unusable[i]));
    ck_assert (map_osm_parse_maxspeed (NULL) == 0);
}
END_TEST

START_TEST (test_default_speeds)
{
    /* The table. */
    const struct {
        const char *highway;
        double kmh;
    } roads[] = {{"motorway", 100},   {"trunk", 80},         {"primary", 60},
                 {"secondary", 50},   {"tertiary", 40},      {"unclassified", 30},
                 {"residential", 30}, {"living_street", 10}, {"service", 20}};
    for (size_t i = 0; i < sizeof roads / sizeof roads[0]; i++) {
        ck_assert_double_eq (map_osm_default_speed (roads[i].highway), roads[i].kmh);
        if (i < 5) { /* links a bit slower than their road */
            char link[64];
            snprintf (link, sizeof link, "%s_link", roads[i].highway);
            ck_assert_double_gt (map_osm_default_speed (link), 0);
            ck_assert_double_lt (map_osm_default_speed (link), roads[i].kmh);
        }
    }
    const char *not_drivable[] = {"footway", "cycleway", "steps", "path", "pedestrian", "", "Motorway"};
    for (size_t i = 0; i < sizeof not_drivable / sizeof not_drivable[0]; i++)
        ck_assert_double_eq (map_osm_default_speed (not_drivable[i]), 0);
    ck_assert_double_eq (map_osm_default_speed (NULL), 0);
}
END_TEST

START_TEST (test_utm_zones)
{
    ck_assert_int_eq (map_osm_utm_epsg (7.42, 43.74), 32632);  /* Monaco */
    ck_assert_int_eq (map_osm_utm_epsg (-122.3, 37.8), 32610); /* Oakland */
    ck_assert_int_eq (map_osm_utm_epsg (114.3, 30.6), 32650);  /* Wuhan */
    ck_assert_int_eq (map_osm_utm_epsg (151.2, -33.9), 32756); /* Sydney */
    ck_assert_int_eq (map_osm_utm_epsg (-58.4, -34.6), 32721); /* Buenos Aires */
    ck_assert_int_eq (map_osm_utm_epsg (-180, 10), 32601);
    ck_assert_int_eq (map_osm_utm_epsg (180, 10), 32660);
    ck_assert_int_eq (map_osm_utm_epsg (6.0, 45), 32632);    /* a zone starts at its western edge */
    ck_assert_int_eq (map_osm_utm_epsg (5.3, 60.4), 32632);  /* Bergen: the 32V exception */
    ck_assert_int_eq (map_osm_utm_epsg (15.6, 78.2), 32633); /* Longyearbyen: Svalbard's 33X */
    ck_assert_int_eq (map_osm_utm_epsg (0.0, 0.0), 32631);
}
END_TEST

/* ---- Broken inputs. ------------------------------------------------------------------------------------------ */

/* Copies the first `bytes` bytes of src to dst. */
static void s_copy_prefix (const char *src, const char *dst, size_t bytes)
{
    size_t len = 0;
    char *data = rt_slurp (src, &len);
    ck_assert_ptr_nonnull (data);
    ck_assert_uint_gt (len, bytes);
    FILE *f = fopen (dst, "wb");
    ck_assert_ptr_nonnull (f);
    ck_assert_uint_eq (fwrite (data, 1, bytes, f), bytes);
    fclose (f);
    free (data);
}

START_TEST (test_truncated_pbf)
{
    char src[4096], path[4096];
    if (!rt_data (S_MONACO, src, sizeof src)) return;
    char *dir = rt_temp_dir ("osm-trunc");
    ck_assert_ptr_nonnull (dir);
    /* Cut inside the header block, inside the first data block, and inside the second. */
    const size_t cuts[] = {100, 500000, 1500000};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        snprintf (path, sizeof path, "%s/cut.osm.pbf", dir);
        s_copy_prefix (src, path, cuts[i]);
        s_assert_refused (path, NULL, 0, "truncated");
    }
    s_cleanup (dir, (const char *const[]){"cut.osm.pbf", NULL});
}
END_TEST

START_TEST (test_broken_files)
{
    char *dir = rt_temp_dir ("osm-broken"), path[4096];
    ck_assert_ptr_nonnull (dir);

    snprintf (path, sizeof path, "%s/garbage.osm", dir);
    s_write (path, "this is not XML at all\n\x01\x02");
    s_assert_refused (path, NULL, 0, "XML");

    snprintf (path, sizeof path, "%s/cut.osm", dir);
    s_write (path, "<osm version=\"0.6\"><node id=\"1\" lat=\"45\" lon=\"9\"/><way id=\"2\"><nd ref=\"1\"/>");
    s_assert_refused (path, NULL, 0, "XML");

    snprintf (path, sizeof path, "%s/empty.osm", dir);
    s_write (path, "");
    s_assert_refused (path, NULL, 0, "XML");

    snprintf (path, sizeof path, "%s/garbage.osm.pbf", dir);
    s_write (path, "garbage garbage garbage garbage");
    s_assert_refused (path, NULL, 0, "PBF");

    snprintf (path, sizeof path, "%s/paths.osm", dir);
    s_write (path, "<osm version=\"0.6\">\n"
                   " <node id=\"1\" lat=\"45.0\" lon=\"9.0\"/><node id=\"2\" lat=\"45.0\" lon=\"9.001\"/>\n"
                   " <node id=\"3\" lat=\"45.001\" lon=\"9.001\"/>\n"
                   " <way id=\"10\"><nd ref=\"1\"/><nd ref=\"2\"/><tag k=\"highway\" v=\"footway\"/></way>\n"
                   " <way id=\"11\"><nd ref=\"2\"/><nd ref=\"3\"/><tag k=\"highway\" v=\"cycleway\"/></way>\n"
                   "</osm>\n");
    s_assert_refused (path, NULL, 0, "no drivable roads (highway values kept: motorway,");

    snprintf (path, sizeof path, "%s/nowhere.osm", dir);
    s_write (path, "<osm version=\"0.6\">\n"
                   " <way id=\"10\"><nd ref=\"1\"/><nd ref=\"2\"/><tag k=\"highway\" v=\"residential\"/></way>\n"
                   "</osm>\n");
    s_assert_refused (path, NULL, 0, "no drivable roads");

    snprintf (path, sizeof path, "%s/nolat.osm", dir);
    s_write (path, "<osm version=\"0.6\">\n"
                   " <node id=\"1\" lon=\"9.0\"/><node id=\"2\" lat=\"45.0\" lon=\"9.001\"/>\n"
                   " <way id=\"10\"><nd ref=\"1\"/><nd ref=\"2\"/><tag k=\"highway\" v=\"residential\"/></way>\n"
                   "</osm>\n");
    s_assert_refused (path, NULL, 0, "node 1: no valid lon/lat");

    snprintf (path, sizeof path, "%s/missing.osm", dir);
    s_assert_refused (path, NULL, 0, "No such file");
    snprintf (path, sizeof path, "%s/map.osm.gz", dir);
    s_write (path, "\x1f\x8b");
    s_assert_refused (path, NULL, 0, "gzip -dk");
    snprintf (path, sizeof path, "%s/map.osm.bz2", dir);
    s_write (path, "BZh9");
    s_assert_refused (path, NULL, 0, "bzip2 -dk");
    snprintf (path, sizeof path, "%s/map.o5m", dir);
    s_write (path, "\xff\xe0");
    s_assert_refused (path, NULL, 0, "unsupported file type");
    s_assert_refused (dir, NULL, 0, "directory");

    s_cleanup (dir, (const char *const[]){"garbage.osm", "cut.osm", "empty.osm", "garbage.osm.pbf", "paths.osm",
                                          "nowhere.osm", "nolat.osm", "map.osm.gz", "map.osm.bz2", "map.o5m", NULL});
}
END_TEST

START_TEST (test_bad_crs)
{
    char path[4096];
    if (!rt_data (S_MONACO, path, sizeof path)) return;
    s_assert_refused (path, NULL, 99999, "EPSG:99999");
    s_assert_refused (path, NULL, 4326, "not a projected"); /* degrees, not metres */
    /* UTM 50N is China's: Monaco is far outside it. */
    s_assert_refused (path, NULL, 32650, "outside the domain of EPSG:32650");
    s_assert_refused (path, "motorway,foo", 0, "'foo'");
}
END_TEST

/* ---- Files libreadosm 1.1.0 cannot read safely (found by tests/fuzz/fuzz_osm): refused before it reads them. ---- */

/* An XML <tag> without k or v, or a <member> without role, crashed libreadosm (strlen of NULL). */
START_TEST (test_xml_tag_without_k_or_v)
{
    char *dir = rt_temp_dir ("osm-xml-attrs"), path[4096];
    ck_assert_ptr_nonnull (dir);
    snprintf (path, sizeof path, "%s/attrs.osm", dir);
    static const struct {
        const char *element, *why;
    } cases[] = {
        {"<tag k=\"highway\"/>", "line 3: a <tag> without v"},
        {"<tag v='residential' />", "line 3: a <tag> without k"},
        {"<tag\n k=\"highway\"\n/>", "line 3: a <tag> without v"},
        {"<tag/>", "a <tag> without k and v"},
        {"<member type=\"way\" ref=\"10\"/>", "a <member> without role"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf (text, sizeof text,
                  "<osm version=\"0.6\">\n <node id=\"1\" lat=\"45\" lon=\"9\"/><node id=\"2\" lat=\"45\" lon=\"9.001\"/>\n"
                  " <way id=\"10\"><nd ref=\"1\"/><nd ref=\"2\"/><tag k=\"highway\" v=\"residential\"/></way>"
                  "<relation id=\"20\">%s</relation>\n</osm>\n",
                  cases[i].element);
        s_write (path, text);
        s_assert_refused (path, NULL, 0, cases[i].why);
    }
    /* The same element hidden in an entity, or in UTF-16 (bytes that do not spell "<tag"), is found all the same. */
    s_write (path, "<?xml version='1.0'?>\n<!DOCTYPE osm [<!ENTITY t \"<tag k='highway'/>\">]>\n<osm>\n&t;</osm>\n");
    s_assert_refused (path, NULL, 0, "line 4: a <tag> without v");
    const char utf8[] = "<osm><way id=\"1\"><tag k=\"highway\"/></way></osm>";
    uint8_t utf16[2 + 2 * sizeof utf8] = {0xff, 0xfe};
    for (size_t i = 0; i + 1 < sizeof utf8; i++)
        utf16[2 + 2 * i] = (uint8_t)utf8[i];
    FILE *f = fopen (path, "wb");
    ck_assert_ptr_nonnull (f);
    ck_assert_uint_eq (fwrite (utf16, 1, 2 + 2 * (sizeof utf8 - 1), f), 2 + 2 * (sizeof utf8 - 1));
    fclose (f);
    s_assert_refused (path, NULL, 0, "line 1: a <tag> without v");
    /* A file that is not well-formed is refused before libreadosm, which would leak its parser, reads it. */
    s_write (path, "<osm version=\"0.6\">\n <node id=\"1\" lat=\"45\" lon=\"9\">\n</osm>\n");
    s_assert_refused (path, NULL, 0, "not well-formed OSM XML (garbage or a truncated file): line 3: mismatched tag");

    /* What only looks like such an element (in a comment, CDATA, a processing instruction, an attribute value) is
     * no reason to refuse a file. */
    s_write (path, "<?xml version='1.0'?>\n<?note <tag k='x'/> ?>\n<osm version=\"0.6\">\n"
                   " <!-- <tag k=\"a\"/> <member/> -->\n"
                   " <node id=\"1\" lat=\"45\" lon=\"9\"><![CDATA[ <tag v='b'/> ]]></node>\n"
                   " <node id=\"2\" lat=\"45\" lon=\"9.001\"/>\n"
                   " <way id=\"10\"><nd ref=\"1\"/><nd ref=\"2\"/><tag k=\"highway\" v=\"residential\"/>"
                   "<tag k=\"note\" v=\"a > b, &lt;tag k='c'/>\"/></way>\n"
                   " <relation id=\"20\"><member type=\"way\" ref=\"10\" role=\"\"/></relation>\n</osm>\n");
    char err[1024];
    map_osm_stats_t st;
    map_graph_t *g = s_import (path, NULL, 0, &st, err, sizeof err);
    ck_assert_msg (g, "%s", err);
    ck_assert_uint_eq (map_graph_node_count (g), 2);
    ck_assert_uint_eq (map_graph_edge_count (g), 2);
    map_graph_destroy (&g);
    s_cleanup (dir, (const char *const[]){"attrs.osm", NULL});
}
END_TEST

/* A protobuf message under construction, for hand-made PBF files. */
typedef struct {
    uint8_t b[2048];
    size_t n;
} s_pb_t;

static void s_pb_raw (s_pb_t *o, const void *data, size_t n)
{
    ck_assert_uint_le (o->n + n, sizeof o->b);
    memcpy (o->b + o->n, data, n);
    o->n += n;
}

static void s_pb_var (s_pb_t *o, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        s_pb_raw (o, &byte, 1);
        v >>= 7;
    } while (v);
}

static void s_pb_int (s_pb_t *o, unsigned field, uint64_t v)
{
    s_pb_var (o, field << 3);
    s_pb_var (o, v);
}

static void s_pb_bytes (s_pb_t *o, unsigned field, const void *data, size_t n)
{
    s_pb_var (o, field << 3 | 2);
    s_pb_var (o, n);
    s_pb_raw (o, data, n);
}

static void s_pb_msg (s_pb_t *o, unsigned field, const s_pb_t *m)
{
    s_pb_bytes (o, field, m->b, m->n);
}

/* A packed array of n values, zigzag-encoded when zigzag. */
static void s_pb_packed (s_pb_t *o, unsigned field, const int64_t *v, size_t n, bool zigzag)
{
    s_pb_t m = {.n = 0};
    for (size_t i = 0; i < n; i++)
        s_pb_var (&m, zigzag ? ((uint64_t)v[i] << 1) ^ (uint64_t)(v[i] >> 63) : (uint64_t)v[i]);
    s_pb_msg (o, field, &m);
}

/* What to break in s_write_pbf's file. */
typedef enum { S_PBF_SOUND, S_PBF_KEY_PAST_TABLE, S_PBF_TWO_TABLES, S_PBF_HUGE_HEADER, S_PBF_NEGATIVE_SIZE } s_pbf_fault_t;

/* Writes a PBF of two nodes and a residential way between them, with one fault. The data block is raw (not
 * packed) except for S_PBF_NEGATIVE_SIZE, whose packed block claims an unpacked size of -1. */
static void s_write_pbf (const char *path, s_pbf_fault_t fault)
{
    s_pb_t table = {.n = 0}, dense = {.n = 0}, way = {.n = 0}, group = {.n = 0}, block = {.n = 0};
    s_pb_bytes (&table, 1, "", 0);
    s_pb_bytes (&table, 1, "highway", 7);
    s_pb_bytes (&table, 1, "residential", 11);
    s_pb_packed (&dense, 1, (const int64_t[]){1, 1}, 2, true);
    s_pb_packed (&dense, 8, (const int64_t[]){450000000, 0}, 2, true);
    s_pb_packed (&dense, 9, (const int64_t[]){90000000, 10000}, 2, true);
    s_pb_int (&way, 1, 10);
    s_pb_packed (&way, 2, (const int64_t[]){fault == S_PBF_KEY_PAST_TABLE ? 99 : 1}, 1, false);
    s_pb_packed (&way, 3, (const int64_t[]){2}, 1, false);
    s_pb_packed (&way, 8, (const int64_t[]){1, 1}, 2, true);
    s_pb_msg (&group, 2, &dense);
    s_pb_msg (&group, 3, &way);
    s_pb_msg (&block, 1, &table);
    if (fault == S_PBF_TWO_TABLES) s_pb_msg (&block, 1, &table);
    s_pb_msg (&block, 2, &group);

    s_pb_t blob = {.n = 0};
    if (fault == S_PBF_NEGATIVE_SIZE) {
        s_pb_int (&blob, 2, 0xffffffffu); /* an int32 of -1, as readosm reads it */
        s_pb_bytes (&blob, 3, "\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
    } else {
        s_pb_msg (&blob, 1, &block);
    }
    s_pb_t header_blob = {.n = 0};
    s_pb_bytes (&header_blob, 1, "\x22\x0eOsmSchema-V0.6", 16); /* HeaderBlock with required_features, raw */
    FILE *f = fopen (path, "wb");
    ck_assert_ptr_nonnull (f);
    const struct {
        const char *type;
        const s_pb_t *blob;
    } parts[] = {{"OSMHeader", &header_blob}, {"OSMData", &blob}};
    for (size_t i = 0; i < 2; i++) {
        s_pb_t header = {.n = 0};
        s_pb_bytes (&header, 1, parts[i].type, strlen (parts[i].type));
        s_pb_int (&header, 3, parts[i].blob->n);
        uint32_t len = (uint32_t)header.n;
        if (i == 1 && fault == S_PBF_HUGE_HEADER) len = 0x84000000u; /* 2.2 GB, as the fuzzer's file said */
        const uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
        ck_assert_uint_eq (fwrite (be, 1, 4, f), 4);
        ck_assert_uint_eq (fwrite (header.b, 1, header.n, f), header.n);
        ck_assert_uint_eq (fwrite (parts[i].blob->b, 1, parts[i].blob->n, f), parts[i].blob->n);
    }
    fclose (f);
}

/* libreadosm allocated whatever a block header's length said (2.2 GB in the file the fuzzer made), wrote through a
 * NULL pointer on a negative unpacked size, read past its string table on a tag's index, and miscounted a second
 * string table. Each is refused with what is wrong; the same file without the fault imports. */
START_TEST (test_pbf_sizes_and_indexes_checked)
{
    char *dir = rt_temp_dir ("osm-pbf-faults"), path[4096], err[1024];
    ck_assert_ptr_nonnull (dir);
    snprintf (path, sizeof path, "%s/faults.osm.pbf", dir);
    s_write_pbf (path, S_PBF_SOUND);
    map_osm_stats_t st;
    map_graph_t *g = s_import (path, NULL, 0, &st, err, sizeof err);
    ck_assert_msg (g, "%s", err);
    ck_assert_uint_eq (map_graph_node_count (g), 2);
    ck_assert_uint_eq (st.ways_kept, 1);
    map_graph_destroy (&g);

    s_write_pbf (path, S_PBF_HUGE_HEADER);
    s_assert_refused (path, NULL, 0, "corrupt PBF, or one libreadosm cannot read safely: a block header of an impossible size");
    s_write_pbf (path, S_PBF_NEGATIVE_SIZE);
    s_assert_refused (path, NULL, 0, "a block of an impossible unpacked size");
    s_write_pbf (path, S_PBF_KEY_PAST_TABLE);
    s_assert_refused (path, NULL, 0, "a string index past the block's string table");
    s_write_pbf (path, S_PBF_TWO_TABLES);
    s_assert_refused (path, NULL, 0, "two string tables in one block");
    s_cleanup (dir, (const char *const[]){"faults.osm.pbf", NULL});
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_osm");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_tiny_file_every_edge);
    tcase_add_test (core, test_tiny_file_highway_list);
    tcase_add_test (core, test_monaco);
    tcase_add_test (core, test_monaco_deterministic_and_crs_independent_lengths);
    tcase_add_test (core, test_monaco_route_lengths);
    tcase_add_test (core, test_osmnx_germany);
    tcase_add_test (core, test_osmnx_oakland);
    tcase_add_test (core, test_parse_maxspeed);
    tcase_add_test (core, test_default_speeds);
    tcase_add_test (core, test_utm_zones);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_truncated_pbf);
    tcase_add_test (limits, test_broken_files);
    tcase_add_test (limits, test_bad_crs);
    tcase_add_test (limits, test_xml_tag_without_k_or_v);
    tcase_add_test (limits, test_pbf_sizes_and_indexes_checked);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
