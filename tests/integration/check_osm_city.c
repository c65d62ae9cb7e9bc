/* check_osm_city: the built tools on real OpenStreetMap data, as a user drives them. robotaxi-map imports Monaco,
 * describes it, routes across it and draws it to scale; broken inputs are refused with a message naming the file;
 * robotaxi-sim plays a day on Monaco in-process, from its map cache and over TCP with the same results, and on
 * Debian's two tiny osmnx extracts. */
#include <check.h>

#include "rt_check.h"
#include "rt_geo.h"
#include "rt_data.h"
#include "rt_proc.h"
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_MONACO  "osm/monaco.osm.pbf"
#define S_GERMANY RT_OSMNX_DIR "/planet_10.068,48.135_10.071,48.137.osm"
#define S_OAKLAND RT_OSMNX_DIR "/West-Oakland.osm.bz2"

/* The extract's bounding box (../shared/data/osm/PROVENANCE.md). */
#define S_MONACO_LON_MIN 7.349
#define S_MONACO_LON_MAX 7.491
#define S_MONACO_LAT_MIN 43.715
#define S_MONACO_LAT_MAX 43.770

/* Monte-Carlo Casino and Stade Louis II, the README's example route. */
#define S_CASINO "7.4286,43.7394"
#define S_STADE  "7.4157,43.7276"

/* A sanitizer build runs a Monaco day many times slower than a release build. */
#define S_SIM_TIMEOUT_MS 600000

static char *s_map, *s_sim, *s_disp;
static pid_t s_disp_pid = -1;
static int s_disp_err = -1;

static void s_setup (void)
{
    s_map = rt_tool ("robotaxi-map");
    s_sim = rt_tool ("robotaxi-sim");
    s_disp = rt_tool ("robotaxi-dispatcher");
}

static void s_teardown (void)
{
    rt_stop (&s_disp_pid, &s_disp_err, 10000);
    free (s_map);
    free (s_sim);
    free (s_disp);
}

/* ---- Helpers. ------------------------------------------------------------------------------------------------ */

static int s_exists (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0;
}

static void s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    ck_assert_msg (f != NULL, "cannot write %s", path);
    fputs (text, f);
    ck_assert_int_eq (fclose (f), 0);
}

/* Removes a temporary folder and everything in it. */
static void s_remove (char *dir)
{
    if (!dir) return;
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    rt_run (argv, NULL, 0, NULL, 0, 60000);
    free (dir);
}

/* The line of `text` that starts with `key`, or fails the test. */
static const char *s_line (const char *text, const char *key)
{
    size_t n = strlen (key);
    for (const char *p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
        if (strncmp (p, key, n) == 0) return p;
    ck_abort_msg ("no line starting with '%s' in:\n%s", key, text);
    return NULL;
}

/* What `robotaxi-map info` says about a map. */
typedef struct {
    char text[8192];
    size_t nodes, edges, components, dropped_nodes, dropped_edges;
    unsigned long long osm_nodes, osm_ways, ways_kept;
    double road_km, lon_min, lat_min, lon_max, lat_max, min_x, min_y, max_x, max_y;
    int epsg;
} s_info_t;

/* Runs `robotaxi-map info MAP` and parses its lines; err receives its stderr. */
static void s_info (const char *map, s_info_t *info, char *err, size_t errlen)
{
    char *argv[] = {s_map, "info", (char *)map, NULL};
    int rc = rt_run (argv, info->text, sizeof info->text, err, errlen, 120000);
    ck_assert_msg (rc == 0, "robotaxi-map info %s exited %d: %s", map, rc, err);
    const char *t = info->text;
    ck_assert_int_eq (sscanf (s_line (t, "nodes "), "nodes %zu", &info->nodes), 1);
    ck_assert_int_eq (sscanf (s_line (t, "edges "), "edges %zu", &info->edges), 1);
    ck_assert_int_eq (sscanf (s_line (t, "road "), "road %lf km", &info->road_km), 1);
    ck_assert_int_eq (sscanf (s_line (t, "bbox "), "bbox %lf,%lf,%lf,%lf", &info->lon_min, &info->lat_min,
                              &info->lon_max, &info->lat_max),
                      4);
    int extent_epsg;
    ck_assert_int_eq (sscanf (s_line (t, "extent "), "extent %*f x %*f km (EPSG:%d metres %lf,%lf .. %lf,%lf)",
                              &extent_epsg, &info->min_x, &info->min_y, &info->max_x, &info->max_y),
                      5);
    ck_assert_int_eq (sscanf (s_line (t, "crs "), "crs EPSG:%d", &info->epsg), 1);
    ck_assert_int_eq (extent_epsg, info->epsg);
    ck_assert_int_eq (sscanf (s_line (t, "osm read "), "osm read %llu nodes, %llu ways; %llu drivable ways",
                              &info->osm_nodes, &info->osm_ways, &info->ways_kept),
                      3);
    ck_assert_int_eq (sscanf (s_line (t, "components "),
                              "components %zu strongly connected; kept the largest, dropped %zu nodes and %zu edges",
                              &info->components, &info->dropped_nodes, &info->dropped_edges),
                      3);
}

/* Edges of road class `name` according to info's "by class" line; 0 when the class is not listed. */
static size_t s_class_edges (const s_info_t *info, const char *name)
{
    const char *line = s_line (info->text, "by class");
    const char *end = strchr (line, '\n');
    char pattern[64];
    snprintf (pattern, sizeof pattern, " %s ", name);
    const char *hit = strstr (line, pattern);
    if (!hit || (end && hit > end)) return 0;
    return strtoul (hit + strlen (pattern), NULL, 10);
}

/* A number in a JSON object by path: s_num (root, "fleets", "robotaxi", "served", NULL). */
static double s_num (json_t *root, ...)
{
    va_list ap;
    va_start (ap, root);
    json_t *j = root;
    const char *key;
    while ((key = va_arg (ap, const char *)) != NULL) {
        j = json_object_get (j, key);
        ck_assert_msg (j != NULL, "summary.json has no '%s'", key);
    }
    va_end (ap);
    ck_assert_msg (json_is_number (j), "summary.json: not a number");
    return json_number_value (j);
}

static json_t *s_load_json (const char *dir, const char *name)
{
    char path[4096];
    ck_assert_int_lt (snprintf (path, sizeof path, "%s/%s", dir, name), (int)sizeof path);
    json_error_t jerr;
    json_t *j = json_load_file (path, 0, &jerr);
    ck_assert_msg (j != NULL, "%s does not parse: %s (line %d)", path, jerr.text, jerr.line);
    return j;
}

/* Both fleets of a day's summary served riders and at least `share` of all requests; waits are plausible. */
static void s_assert_day_served (const char *dir, double share)
{
    json_t *s = s_load_json (dir, "summary.json");
    ck_assert_str_eq (json_string_value (json_object_get (s, "kind")), "final");
    double requests = 0, served = 0;
    const char *fleets[] = {"robotaxi", "human"};
    for (int i = 0; i < 2; i++) {
        double r = s_num (s, "fleets", fleets[i], "requests", NULL);
        double v = s_num (s, "fleets", fleets[i], "served", NULL);
        double wait_s = s_num (s, "fleets", fleets[i], "mean_wait_s", NULL);
        ck_assert_msg (v > 0, "%s: the %s fleet served no trip", dir, fleets[i]);
        ck_assert_msg (wait_s > 0 && wait_s < 600, "%s: %s riders waited %.0f s on average", dir, fleets[i], wait_s);
        ck_assert_msg (s_num (s, "fleets", fleets[i], "km_driven", NULL) > 0, "%s: %s drove 0 km", dir, fleets[i]);
        requests += r;
        served += v;
    }
    ck_assert_msg (served >= share * requests, "%s: %.0f of %.0f requests served (< %.0f%%)", dir, served, requests,
                   share * 100);
    json_decref (s);
}

/* What a run's config.ini records as derived from the map: the [zones] centre zone (its only zone) and the robotaxi
 * service area, lon/lat. */
typedef struct {
    double lon, lat, radius_km, weight;
    double area[4];
} s_derived_t;

static void s_config_derived (const char *dir, s_derived_t *d)
{
    char path[4096];
    ck_assert_int_lt (snprintf (path, sizeof path, "%s/config.ini", dir), (int)sizeof path);
    char *ini = rt_slurp (path, NULL);
    ck_assert_msg (ini != NULL, "%s missing", path);
    ck_assert_int_eq (sscanf (s_line (ini, "service_area ="), "service_area = %lf,%lf,%lf,%lf", &d->area[0],
                              &d->area[1], &d->area[2], &d->area[3]),
                      4);
    const char *zones = strstr (ini, "\n[zones]\n");
    ck_assert_msg (zones != NULL, "%s has no [zones] section:\n%s", path, ini);
    zones += strlen ("\n[zones]\n");
    ck_assert_int_eq (sscanf (s_line (zones, "centre ="), "centre = %lf, %lf, %lf, %lf", &d->lon, &d->lat,
                              &d->radius_km, &d->weight),
                      4);
    /* one zone only: the default Wuhan zones mean nothing here */
    int zone_lines = 0;
    for (const char *p = zones; *p && *p != '[';) {
        const char *eol = strchr (p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen (p);
        if (*p != ';' && memchr (p, '=', n)) zone_lines++;
        p += eol ? n + 1 : n;
    }
    ck_assert_msg (zone_lines == 1, "%s: %d zones derived, expected the centre zone only:\n%s", path, zone_lines,
                   zones);
    free (ini);
}

/* ---- robotaxi-map on Monaco. --------------------------------------------------------------------------------- */

START_TEST (test_import_and_info_agree_with_extract)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    char *dir = rt_temp_dir ("osmcity-import"), map[4096];
    ck_assert_ptr_nonnull (dir);
    snprintf (map, sizeof map, "%s/monaco.map", dir);
    static char out[8192], err[8192];
    char *argv[] = {s_map, "import", pbf, "-o", map, NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, 120000);
    ck_assert_msg (rc == 0, "import exited %d: %s", rc, err);
    ck_assert_msg (s_exists (map), "import said %s but wrote no %s", out, map);
    ck_assert_msg (strstr (err, "importing"), "the import reported no progress: %s", err);

    static s_info_t from_map, from_pbf;
    s_info (map, &from_map, err, sizeof err);
    /* a map file is loaded as saved, never imported again */
    ck_assert_msg (!strstr (err, "importing"), "info on a map file imported: %s", err);
    s_info (pbf, &from_pbf, err, sizeof err);
    ck_assert_msg (strstr (err, "importing"), "info on an extract did not say it imports: %s", err);

    /* Same source, same numbers: every line but the first (the map's name) is the same. */
    ck_assert_str_eq (strchr (from_map.text, '\n'), strchr (from_pbf.text, '\n'));
    /* and the import's own summary line says the same */
    size_t nodes, edges;
    int epsg;
    char *colon = strstr (out, ": ");
    ck_assert_ptr_nonnull (colon);
    ck_assert_int_eq (sscanf (colon, ": %zu nodes, %zu edges, %*f km of road, EPSG:%d", &nodes, &edges, &epsg), 3);
    ck_assert_uint_eq (nodes, from_map.nodes);
    ck_assert_uint_eq (edges, from_map.edges);
    ck_assert_int_eq (epsg, from_map.epsg);

    /* Monaco lies in UTM zone 32N; the raw counts are those of PROVENANCE.md */
    ck_assert_int_eq (from_map.epsg, 32632);
    ck_assert_ptr_nonnull (strstr (s_line (from_map.text, "extent"), "EPSG:32632"));
    ck_assert_uint_eq (from_map.osm_nodes, 180118);
    ck_assert_uint_eq (from_map.osm_ways, 27377);
    ck_assert_uint_le (from_map.ways_kept, 1763);
    ck_assert_uint_gt (from_map.ways_kept, 1000);
    /* a road network of a small city: thousands of nodes, at least one way out of every node */
    ck_assert_uint_gt (from_map.nodes, 5000);
    ck_assert_uint_ge (from_map.edges, from_map.nodes);
    ck_assert_double_gt (from_map.road_km, 100);
    ck_assert_double_lt (from_map.road_km, 1000);
    /* the largest component is kept, and it is most of the network */
    ck_assert_uint_ge (from_map.components, 1);
    ck_assert_uint_lt (from_map.dropped_nodes, from_map.nodes / 4);
    /* the kept roads lie inside the extract's box */
    ck_assert_double_ge (from_map.lon_min, S_MONACO_LON_MIN);
    ck_assert_double_le (from_map.lon_max, S_MONACO_LON_MAX);
    ck_assert_double_ge (from_map.lat_min, S_MONACO_LAT_MIN);
    ck_assert_double_le (from_map.lat_max, S_MONACO_LAT_MAX);
    ck_assert_double_lt (from_map.lon_min, from_map.lon_max);
    ck_assert_double_lt (from_map.lat_min, from_map.lat_max);
    /* the projected extent is the lon/lat box measured on the ground (within a few percent: UTM is conformal) */
    double ground_w = rt_geod_m (from_map.lon_min, (from_map.lat_min + from_map.lat_max) / 2, from_map.lon_max,
                              (from_map.lat_min + from_map.lat_max) / 2);
    double ground_h = rt_geod_m (from_map.lon_min, from_map.lat_min, from_map.lon_min, from_map.lat_max);
    ck_assert_double_eq_tol (from_map.max_x - from_map.min_x, ground_w, 0.03 * ground_w);
    ck_assert_double_eq_tol (from_map.max_y - from_map.min_y, ground_h, 0.03 * ground_h);
    s_remove (dir);
}
END_TEST

/* The route in a GeoJSON file written by `robotaxi-map route`. */
typedef struct {
    double length_m, time_s, from_snap_m, to_snap_m;
    double first[2], last[2]; /* lon, lat */
    double line_m;            /* geodesic length of the drawn line */
} s_route_t;

static void s_read_route (const char *path, s_route_t *r)
{
    json_error_t jerr;
    json_t *doc = json_load_file (path, 0, &jerr);
    ck_assert_msg (doc != NULL, "%s does not parse: %s", path, jerr.text);
    ck_assert_str_eq (json_string_value (json_object_get (doc, "type")), "FeatureCollection");
    json_t *features = json_object_get (doc, "features");
    ck_assert_int_eq (json_array_size (features), 1);
    json_t *f = json_array_get (features, 0);
    json_t *geom = json_object_get (f, "geometry"), *props = json_object_get (f, "properties");
    ck_assert_str_eq (json_string_value (json_object_get (geom, "type")), "LineString");
    json_t *coords = json_object_get (geom, "coordinates");
    size_t n = json_array_size (coords);
    ck_assert_uint_ge (n, 2);
    r->line_m = 0;
    double prev[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get (coords, i);
        ck_assert_int_eq (json_array_size (c), 2);
        double p[2] = {json_number_value (json_array_get (c, 0)), json_number_value (json_array_get (c, 1))};
        if (i > 0) r->line_m += rt_geod_m (prev[0], prev[1], p[0], p[1]);
        if (i == 0) memcpy (r->first, p, sizeof p);
        memcpy (r->last, p, sizeof p);
        memcpy (prev, p, sizeof p);
    }
    r->length_m = json_number_value (json_object_get (props, "length_m"));
    r->time_s = json_number_value (json_object_get (props, "time_s"));
    r->from_snap_m = json_number_value (json_object_get (props, "from_snap_m"));
    r->to_snap_m = json_number_value (json_object_get (props, "to_snap_m"));
    json_decref (doc);
}

/* Routes from -> to on map into dir/name and checks what a user would look at. */
static void s_assert_route (const char *map, const char *from, const char *to, const char *dir, const char *name,
                            s_route_t *r)
{
    char path[4096];
    ck_assert_int_lt (snprintf (path, sizeof path, "%s/%s", dir, name), (int)sizeof path);
    static char out[8192], err[8192];
    char *argv[] = {s_map, "route", (char *)map, (char *)from, (char *)to, "-o", path, NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, 120000);
    ck_assert_msg (rc == 0, "route %s %s exited %d: %s", from, to, rc, err);
    s_read_route (path, r);
    double a[2], b[2];
    ck_assert_int_eq (sscanf (from, "%lf,%lf", &a[0], &a[1]), 2);
    ck_assert_int_eq (sscanf (to, "%lf,%lf", &b[0], &b[1]), 2);

    /* The line starts and ends at the road nodes the points snapped to, as close as reported. The Casino is on its
     * square; the stadium's point is the middle of the stadium, about 100 m from the nearest road node. */
    ck_assert_double_eq_tol (rt_geod_m (a[0], a[1], r->first[0], r->first[1]), r->from_snap_m, 1.0);
    ck_assert_double_eq_tol (rt_geod_m (b[0], b[1], r->last[0], r->last[1]), r->to_snap_m, 1.0);
    ck_assert_double_lt (r->from_snap_m, 120);
    ck_assert_double_lt (r->to_snap_m, 120);

    /* No road is shorter than the geodesic between its ends, and none in a city this size is a 3x detour. */
    double direct_m = rt_geod_m (a[0], a[1], b[0], b[1]);
    ck_assert_double_ge (r->length_m + 0.01, rt_geod_m (r->first[0], r->first[1], r->last[0], r->last[1]));
    ck_assert_double_le (r->length_m, 3 * direct_m);
    /* the drawn line is the route measured: its geodesic length is length_m */
    ck_assert_double_eq_tol (r->line_m, r->length_m, 0.005 * r->length_m);
    /* a city drive: between 10 and 130 km/h */
    ck_assert_double_gt (r->time_s, 0);
    double kmh = r->length_m / r->time_s * 3.6;
    ck_assert_msg (kmh > 10 && kmh < 130, "%.0f m in %.0f s is %.1f km/h", r->length_m, r->time_s, kmh);
    /* and the line printed says the same as the file */
    double printed_m;
    ck_assert_int_eq (sscanf (out, "length %lf m", &printed_m), 1);
    ck_assert_double_eq_tol (printed_m, r->length_m, 0.5);
}

START_TEST (test_route_casino_to_stade)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    char *dir = rt_temp_dir ("osmcity-route"), map[4096];
    ck_assert_ptr_nonnull (dir);
    snprintf (map, sizeof map, "%s/monaco.map", dir);
    static char out[65536], err[8192];
    char *imp[] = {s_map, "import", pbf, "-o", map, "-q", NULL};
    ck_assert_int_eq (rt_run (imp, out, sizeof out, err, sizeof err, 120000), 0);

    s_route_t there, back, from_pbf;
    s_assert_route (map, S_CASINO, S_STADE, dir, "there.geojson", &there);
    /* one-way streets may make the way back another one, but it exists */
    s_assert_route (map, S_STADE, S_CASINO, dir, "back.geojson", &back);
    /* the extract routed directly gives the same route as its map file */
    s_assert_route (pbf, S_CASINO, S_STADE, dir, "pbf.geojson", &from_pbf);
    ck_assert_double_eq_tol (from_pbf.length_m, there.length_m, 0.01);
    ck_assert_double_eq_tol (from_pbf.time_s, there.time_s, 0.001);

    /* without -o the GeoJSON goes to stdout, after the summary line */
    char *to_stdout[] = {s_map, "route", map, S_CASINO, S_STADE, "-q", NULL};
    ck_assert_int_eq (rt_run (to_stdout, out, sizeof out, err, sizeof err, 120000), 0);
    const char *geojson = strchr (out, '\n');
    ck_assert_ptr_nonnull (geojson);
    json_error_t jerr;
    json_t *doc = json_loads (geojson + 1, 0, &jerr);
    ck_assert_msg (doc != NULL, "route printed no GeoJSON: %s", out);
    json_t *props = json_object_get (json_array_get (json_object_get (doc, "features"), 0), "properties");
    ck_assert_double_eq_tol (json_number_value (json_object_get (props, "length_m")), there.length_m, 0.01);
    json_decref (doc);
    s_remove (dir);
}
END_TEST

START_TEST (test_route_refuses_bad_points)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    char *dir = rt_temp_dir ("osmcity-route-bad"), map[4096], geojson[4096];
    ck_assert_ptr_nonnull (dir);
    snprintf (map, sizeof map, "%s/monaco.map", dir);
    snprintf (geojson, sizeof geojson, "%s/route.geojson", dir);
    static char out[8192], err[8192];
    char *imp[] = {s_map, "import", pbf, "-o", map, "-q", NULL};
    ck_assert_int_eq (rt_run (imp, out, sizeof out, err, sizeof err, 120000), 0);

    /* Paris is 680 km from Monaco's roads: refused, naming the point, not routed from a far-away node */
    char *paris[] = {s_map, "route", map, S_CASINO, "2.35,48.85", "-o", geojson, "-q", NULL};
    ck_assert_int_eq (rt_run (paris, out, sizeof out, err, sizeof err, 120000), 1);
    ck_assert_msg (strncmp (err, "robotaxi-map: ", 14) == 0 && strstr (err, "2.35,48.85"), "%s", err);
    ck_assert_msg (!s_exists (geojson), "a refused route wrote %s", geojson);

    const char *bad[] = {"abc", "7.42", "7.42,43.73,5", "190,43.7", "7.42,95"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {s_map, "route", map, (char *)bad[i], S_STADE, "-o", geojson, "-q", NULL};
        int rc = rt_run (argv, out, sizeof out, err, sizeof err, 120000);
        ck_assert_msg (rc == 1 || rc == 2, "route from '%s' exited %d: %s", bad[i], rc, err);
        ck_assert_msg (strncmp (err, "robotaxi-map: ", 14) == 0 && strstr (err, bad[i]), "'%s': %s", bad[i], err);
        ck_assert_msg (!s_exists (geojson), "a refused route from '%s' wrote %s", bad[i], geojson);
    }
    s_remove (dir);
}
END_TEST

/* Every "M x yL x y" segment of the <path class="NAME" ...> layer, counted and boxed (SVG y is -northing); 0 when the
 * picture has no such layer. */
static size_t s_svg_segments (const char *svg, const char *name, double box[4])
{
    char tag[64];
    snprintf (tag, sizeof tag, "<path class=\"%s\"", name);
    const char *p = strstr (svg, tag);
    if (!p) return 0;
    p = strstr (p, " d=\"");
    ck_assert_ptr_nonnull (p);
    p += 4;
    size_t count = 0;
    while (*p == 'M') {
        double x1, y1, x2, y2;
        int used;
        ck_assert_int_eq (sscanf (p, "M%lf %lfL%lf %lf%n", &x1, &y1, &x2, &y2, &used), 4);
        double xs[2] = {x1, x2}, ys[2] = {-y1, -y2};
        for (int k = 0; k < 2; k++) {
            box[0] = fmin (box[0], xs[k]);
            box[1] = fmin (box[1], ys[k]);
            box[2] = fmax (box[2], xs[k]);
            box[3] = fmax (box[3], ys[k]);
        }
        count++;
        p += used;
    }
    ck_assert_msg (*p == '"', "unexpected path data in the %s layer: %.40s", name, p);
    return count;
}

START_TEST (test_render_to_scale)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    char *dir = rt_temp_dir ("osmcity-render"), map[4096], svg_path[4096];
    ck_assert_ptr_nonnull (dir);
    snprintf (map, sizeof map, "%s/monaco.map", dir);
    snprintf (svg_path, sizeof svg_path, "%s/monaco.svg", dir);
    static char out[8192], err[8192];
    char *imp[] = {s_map, "import", pbf, "-o", map, "-q", NULL};
    ck_assert_int_eq (rt_run (imp, out, sizeof out, err, sizeof err, 120000), 0);
    static s_info_t info;
    s_info (map, &info, err, sizeof err);

    char *argv[] = {s_map, "render", map, "-o", svg_path, "--width", "900", NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, 120000);
    ck_assert_msg (rc == 0, "render exited %d: %s", rc, err);
    char *svg = rt_slurp (svg_path, NULL);
    ck_assert_msg (svg != NULL, "render wrote no %s", svg_path);
    ck_assert_msg (strncmp (svg, "<?xml", 5) == 0, "not an XML file: %.40s", svg);
    ck_assert_ptr_nonnull (strstr (svg, "<svg"));
    ck_assert_ptr_nonnull (strstr (svg, "</svg>"));
    /* the map is a picture of its own inside, in metres, between the title and the legend */
    const char *root = strstr (svg, "<svg class=\"map\"");
    ck_assert_ptr_nonnull (root);
    int width_px, height_px;
    double vb[4];
    ck_assert_int_eq (sscanf (strstr (root, " width="), " width=\"%d\" height=\"%d\"", &width_px, &height_px), 2);
    ck_assert_int_eq (
        sscanf (strstr (root, "viewBox="), "viewBox=\"%lf %lf %lf %lf\"", &vb[0], &vb[1], &vb[2], &vb[3]), 4);
    ck_assert_int_eq (width_px, 900);
    /* ... and says what it draws: a legend, the demand zone and the service area a run on it would have */
    ck_assert_ptr_nonnull (strstr (svg, "robotaxi service area"));
    ck_assert_ptr_nonnull (strstr (svg, "<circle class=\"zone\""));
    ck_assert_ptr_nonnull (strstr (svg, "centre (weight 3)"));

    /* The picture is the map to scale: the viewBox is the projected extent plus one margin on every side (info
     * rounds metres), and the pixels keep the viewBox's aspect, so nothing is stretched. */
    double left = info.min_x - vb[0], right = vb[0] + vb[2] - info.max_x;
    double top = -vb[1] - info.max_y, bottom = vb[1] + vb[3] + info.min_y;
    ck_assert_double_ge (left, 0);
    ck_assert_double_eq_tol (right, left, 1.5);
    ck_assert_double_eq_tol (top, left, 1.5);
    ck_assert_double_eq_tol (bottom, left, 1.5);
    ck_assert_double_lt (left, 0.05 * fmax (vb[2], vb[3]));
    double ext_aspect = (info.max_x - info.min_x) / (info.max_y - info.min_y);
    double content_aspect = (vb[2] - 2 * left) / (vb[3] - 2 * top);
    ck_assert_double_eq_tol (content_aspect, ext_aspect, 0.02 * ext_aspect);
    ck_assert_double_eq_tol (height_px, width_px * vb[3] / vb[2], 1.0);

    /* Every road class info lists is drawn, each street once (a two-way street is one line, not two), and the
     * drawn roads fill exactly the map's extent. */
    const char *classes[] = {"local", "secondary", "arterial", "bridge", "expressway"};
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    size_t drawn = 0;
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        size_t edges = s_class_edges (&info, classes[i]);
        size_t segments = s_svg_segments (svg, classes[i], box);
        ck_assert_msg (segments <= edges && 2 * segments >= edges, "%s: %zu lines drawn for %zu directed edges",
                       classes[i], segments, edges);
        drawn += segments;
    }
    ck_assert_uint_gt (s_class_edges (&info, "local"), 0);
    ck_assert_uint_gt (s_class_edges (&info, "expressway"), 0);
    ck_assert_uint_ge (2 * drawn, info.edges);
    ck_assert_double_eq_tol (box[0], info.min_x, 1.0);
    ck_assert_double_eq_tol (box[1], info.min_y, 1.0);
    ck_assert_double_eq_tol (box[2], info.max_x, 1.0);
    ck_assert_double_eq_tol (box[3], info.max_y, 1.0);
    free (svg);
    s_remove (dir);
}
END_TEST

/* ---- Broken inputs to robotaxi-map. -------------------------------------------------------------------------- */

/* Copies the first `bytes` of src to dst. */
static void s_copy_head (const char *src, const char *dst, size_t bytes)
{
    size_t len;
    char *data = rt_slurp (src, &len);
    ck_assert_ptr_nonnull (data);
    FILE *f = fopen (dst, "wb");
    ck_assert_ptr_nonnull (f);
    ck_assert_uint_eq (fwrite (data, 1, bytes < len ? bytes : len, f), bytes < len ? bytes : len);
    ck_assert_int_eq (fclose (f), 0);
    free (data);
}

/* Only footways and a pedestrian street: nothing a car may drive on. */
static const char s_footways_osm[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<osm version=\"0.6\" generator=\"check_osm_city\">\n"
    "  <node id=\"1\" lat=\"43.7300\" lon=\"7.4200\"/>\n"
    "  <node id=\"2\" lat=\"43.7310\" lon=\"7.4210\"/>\n"
    "  <node id=\"3\" lat=\"43.7320\" lon=\"7.4220\"/>\n"
    "  <way id=\"10\"><nd ref=\"1\"/><nd ref=\"2\"/><nd ref=\"3\"/><tag k=\"highway\" v=\"footway\"/></way>\n"
    "  <way id=\"11\"><nd ref=\"3\"/><nd ref=\"1\"/><tag k=\"highway\" v=\"pedestrian\"/></way>\n"
    "</osm>\n";

START_TEST (test_map_refuses_broken_inputs)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    char *dir = rt_temp_dir ("osmcity-broken");
    ck_assert_ptr_nonnull (dir);
    char good[4096], trunc[4096], garbage[4096], foot[4096], text[4096], half[4096], missing[4096], out_map[4096],
        out_svg[4096], out_json[4096], bz2[4096];
    snprintf (good, sizeof good, "%s/good.map", dir);
    snprintf (trunc, sizeof trunc, "%s/truncated.osm.pbf", dir);
    snprintf (garbage, sizeof garbage, "%s/garbage.osm", dir);
    snprintf (foot, sizeof foot, "%s/footways.osm", dir);
    snprintf (text, sizeof text, "%s/notes.map", dir);
    snprintf (half, sizeof half, "%s/half.map", dir);
    snprintf (missing, sizeof missing, "%s/missing.osm.pbf", dir);
    snprintf (out_map, sizeof out_map, "%s/out.map", dir);
    snprintf (out_svg, sizeof out_svg, "%s/out.svg", dir);
    snprintf (out_json, sizeof out_json, "%s/out.geojson", dir);
    static char out[8192], err[8192];
    char *imp[] = {s_map, "import", pbf, "-o", good, "-q", NULL};
    ck_assert_int_eq (rt_run (imp, out, sizeof out, err, sizeof err, 120000), 0);
    size_t good_len;
    free (rt_slurp (good, &good_len));

    s_copy_head (pbf, trunc, 300000);
    s_write (garbage, "<?xml version=\"1.0\"?>\n<osm><node id=\"1\" lat=\"x\" <<< this is not XML\n");
    s_write (foot, s_footways_osm);
    s_write (text, "a text file that merely has the .map suffix\n");
    s_copy_head (good, half, good_len / 2);

    /* Each: exit 1 (66 for a file that cannot be read), one line "robotaxi-map: ..." naming the file and saying what
     * is wrong, nothing written. */
    const struct {
        const char *what, *file, *says;
        char *argv[10];
        const char *output; /* must not exist afterwards */
    } cases[] = {
        {"truncated PBF",
         "truncated.osm.pbf",
         "truncated",
         {s_map, "import", trunc, "-o", out_map, "-q", NULL},
         out_map},
        {"XML garbage", "garbage.osm", "XML", {s_map, "import", garbage, "-o", out_map, "-q", NULL}, out_map},
        {"footways only",
         "footways.osm",
         "no drivable roads",
         {s_map, "import", foot, "-o", out_map, "-q", NULL},
         out_map},
        {"unknown EPSG code",
         "monaco.osm.pbf",
         "99999",
         {s_map, "import", pbf, "-o", out_map, "--epsg", "99999", "-q", NULL},
         out_map},
        {"CRS that does not cover Monaco",
         "monaco.osm.pbf",
         "32650",
         {s_map, "import", pbf, "-o", out_map, "--epsg", "32650", "-q", NULL},
         out_map},
        {"text file named .map",
         "notes.map",
         "not a robotaxi map file",
         {s_map, "render", text, "-o", out_svg, "-q", NULL},
         out_svg},
        {"text file named .map", "notes.map", "not a robotaxi map file", {s_map, "info", text, "-q", NULL}, NULL},
        {"map file cut in half",
         "half.map",
         "damaged",
         {s_map, "route", half, S_CASINO, S_STADE, "-o", out_json, "-q", NULL},
         out_json},
        {"map file cut in half", "half.map", "damaged", {s_map, "import", half, "-o", out_map, "-q", NULL}, out_map},
        {"missing file",
         "missing.osm.pbf",
         "No such file",
         {s_map, "import", missing, "-o", out_map, "-q", NULL},
         out_map},
        {"missing file",
         "missing.osm.pbf",
         "No such file",
         {s_map, "render", missing, "-o", out_svg, "-q", NULL},
         out_svg},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = rt_run (cases[i].argv, out, sizeof out, err, sizeof err, 120000);
        ck_assert_msg (rc < 128, "%s: robotaxi-map crashed (status %d): %s", cases[i].what, rc, err);
        int want = strcmp (cases[i].what, "missing file") == 0 ? 66 : 1; /* EX_NOINPUT: cannot be read */
        ck_assert_msg (rc == want, "%s: exit status %d, expected %d: %s", cases[i].what, rc, want, err);
        ck_assert_msg (strncmp (err, "robotaxi-map: ", 14) == 0 && strstr (err, cases[i].file) &&
                           strstr (err, cases[i].says),
                       "%s: expected a message naming %s and saying '%s', got '%s'", cases[i].what, cases[i].file,
                       cases[i].says, err);
        /* one message (a sanitizer build may append its own report) */
        ck_assert_msg (!strstr (err, "\nrobotaxi-map: "), "%s: more than one message: %s", cases[i].what, err);
        if (cases[i].output)
            ck_assert_msg (!s_exists (cases[i].output), "%s: a refused command wrote %s", cases[i].what,
                           cases[i].output);
    }

    /* A compressed extract is refused with the command that makes it usable. */
    if (rt_data (S_OAKLAND, bz2, sizeof bz2)) {
        char *argv[] = {s_map, "import", bz2, "-o", out_map, "-q", NULL};
        ck_assert_int_eq (rt_run (argv, out, sizeof out, err, sizeof err, 120000), 1);
        ck_assert_msg (strstr (err, "West-Oakland.osm.bz2") && strstr (err, "bzip2 -d"), "%s", err);
        ck_assert (!s_exists (out_map));
    }

    /* Usage errors exit 2 and write nothing. */
    char *no_out[] = {s_map, "import", pbf, NULL};
    char *bad_epsg[] = {s_map, "import", pbf, "-o", out_map, "--epsg", "north", NULL};
    char *no_cmd[] = {s_map, "draw", pbf, NULL};
    char *const *usage[] = {no_out, bad_epsg, no_cmd};
    for (size_t i = 0; i < 3; i++) {
        int rc = rt_run (usage[i], out, sizeof out, err, sizeof err, 120000);
        ck_assert_msg (rc == 2, "usage error %zu: exit status %d: %s", i, rc, err);
        ck_assert_msg (strncmp (err, "robotaxi-map: ", 14) == 0, "%s", err);
        ck_assert (!s_exists (out_map));
    }
    s_remove (dir);
}
END_TEST

/* ---- robotaxi-sim on Monaco. --------------------------------------------------------------------------------- */

/* A small Monaco day: enough riders and vehicles to be a city, few enough to run in seconds. No [zones] and no
 * service area: the simulator derives both from the map. The cache is relative to the scenario file. */
static void s_write_monaco_scenario (const char *dir, const char *pbf, char *path, size_t len)
{
    snprintf (path, len, "%s/monaco.ini", dir);
    char text[8192];
    snprintf (text, sizeof text,
              "[scenario]\nname = monaco-check\n\n"
              "[map]\nfile = %s\ncache = monaco.map\n\n"
              "[demand]\ntrips_per_day = 2500\ntrip_km_mean = 2\ntrip_km_min = 0.5\ntrip_km_max = 8\n\n"
              "[human]\ndrivers = 200\n\n"
              "[robotaxi]\nfleet_size = 40\n",
              pbf);
    s_write (path, text);
}

static const char *const s_outputs[] = {"summary.json", "hourly.csv", "drivers.csv", "fares.csv", "config.ini"};

START_TEST (test_sim_monaco_day_from_cache)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    char *dir = rt_temp_dir ("osmcity-sim"), ini[4096], run1[4096], run2[4096], cache[4096];
    ck_assert_ptr_nonnull (dir);
    s_write_monaco_scenario (dir, pbf, ini, sizeof ini);
    snprintf (run1, sizeof run1, "%s/run1", dir);
    snprintf (run2, sizeof run2, "%s/run2", dir);
    snprintf (cache, sizeof cache, "%s/monaco.map", dir);

    static char out[65536], err[65536];
    char *first[] = {s_sim, "-s", ini, "-o", run1, NULL};
    int rc = rt_run (first, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim on Monaco exited %d: %s", rc, err);
    ck_assert_msg (strstr (err, "importing"), "the first run did not import the extract: %s", err);
    ck_assert_msg (s_exists (cache), "the map cache %s (relative to the scenario) was not written: %s", cache, err);

    /* Both fleets work the day; most riders are served and nobody waits long on average. */
    s_assert_day_served (run1, 0.8);
    json_t *s = s_load_json (run1, "summary.json");
    ck_assert_str_eq (json_string_value (json_object_get (s, "scenario")), "monaco-check");
    ck_assert_double_eq (s_num (s, "fleets", "robotaxi", "vehicles", NULL), 40);
    /* of the pool of 200, those whose reservation wage is below what drivers expect go to work */
    double drivers = s_num (s, "fleets", "human", "vehicles", NULL);
    ck_assert_msg (drivers > 150 && drivers <= 200, "%.0f of 200 drivers worked", drivers);
    ck_assert_double_eq (s_num (s, "drivers", "drivers", NULL), drivers);
    double considered = s_num (s, "choice", "considered", NULL);
    ck_assert_msg (fabs (considered - 2500) < 250, "%.0f riders for 2500 a day", considered);
    double requests =
        s_num (s, "fleets", "robotaxi", "requests", NULL) + s_num (s, "fleets", "human", "requests", NULL);
    ck_assert_double_eq (requests + s_num (s, "choice", "chose_other", NULL), considered);
    json_decref (s);

    /* The derived demand zone sits at the middle of the map, a quarter of its shorter side wide, and the robotaxis
     * serve the whole map, which lies inside the extract's box. */
    s_derived_t d;
    s_config_derived (run1, &d);
    static s_info_t info;
    s_info (cache, &info, err, sizeof err);
    ck_assert_double_eq_tol (d.lon, (info.lon_min + info.lon_max) / 2, 1e-6);
    ck_assert_double_eq_tol (d.lat, (info.lat_min + info.lat_max) / 2, 1e-6);
    double short_km = fmin (info.max_x - info.min_x, info.max_y - info.min_y) / 1000;
    ck_assert_double_eq_tol (d.radius_km, short_km / 4, 0.05 * short_km);
    ck_assert_double_gt (d.weight, 0);
    ck_assert_double_ge (d.area[0], S_MONACO_LON_MIN);
    ck_assert_double_ge (d.area[1], S_MONACO_LAT_MIN);
    ck_assert_double_le (d.area[2], S_MONACO_LON_MAX);
    ck_assert_double_le (d.area[3], S_MONACO_LAT_MAX);
    ck_assert_double_eq_tol (d.area[0], info.lon_min, 1e-6);
    ck_assert_double_eq_tol (d.area[1], info.lat_min, 1e-6);
    ck_assert_double_eq_tol (d.area[2], info.lon_max, 1e-6);
    ck_assert_double_eq_tol (d.area[3], info.lat_max, 1e-6);

    /* The second run takes the network from the cache and plays the same day. */
    char *second[] = {s_sim, "-s", ini, "-o", run2, NULL};
    rc = rt_run (second, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "the second run exited %d: %s", rc, err);
    ck_assert_msg (!strstr (err, "importing"), "the second run imported again instead of using the cache: %s", err);
    for (size_t i = 0; i < sizeof s_outputs / sizeof s_outputs[0]; i++)
        ck_assert_msg (rt_same_in_dirs (run1, run2, s_outputs[i]), "%s differs between the import and the cache",
                       s_outputs[i]);
    s_remove (dir);
}
END_TEST

START_TEST (test_sim_monaco_tcp_equals_inproc)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    char *dir = rt_temp_dir ("osmcity-tcp"), ini[4096], tcp_dir[4096], inproc_dir[4096], line[1024], bind[256];
    ck_assert_ptr_nonnull (dir);
    s_write_monaco_scenario (dir, pbf, ini, sizeof ini);
    snprintf (tcp_dir, sizeof tcp_dir, "%s/tcp", dir);
    snprintf (inproc_dir, sizeof inproc_dir, "%s/inproc", dir);

    /* The operator lists the extract; the simulator names it by its file name (monaco.osm.pbf -> monaco). */
    char map_arg[4200];
    snprintf (map_arg, sizeof map_arg, "monaco=%s", pbf);
    char *dargv[] = {s_disp, "--bind", "tcp://127.0.0.1:0", "--publish", "none", "--map", map_arg, "--verbose", NULL};
    s_disp_pid = rt_spawn (dargv, NULL, &s_disp_err);
    ck_assert_int_gt (s_disp_pid, 0);
    ck_assert_msg (rt_wait_line (s_disp_err, "serving on", line, sizeof line, 20000) == 0,
                   "dispatcher did not start");
    ck_assert_int_eq (sscanf (line, "robotaxi-dispatcher: serving on %255[^,]", bind), 1);

    /* Over TCP first: the simulator imports and writes its cache, the dispatcher opens the extract its operator
     * listed under the name the simulator sends. */
    static char out[65536], err[65536];
    char *tcp_argv[] = {s_sim, "-s", ini, "-d", bind, "-o", tcp_dir, "-q", NULL};
    int rc = rt_run (tcp_argv, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim over TCP exited %d: %s", rc, err);
    ck_assert_msg (rt_wait_line (s_disp_err, "opened: ", line, sizeof line, 20000) == 0, "no session logged");
    ck_assert_msg (strstr (line, "opened: map monaco,"), "the dispatcher's session is not on map monaco: %s", line);
    s_assert_day_served (tcp_dir, 0.8);

    char *in_argv[] = {s_sim, "-s", ini, "-o", inproc_dir, "-q", NULL};
    rc = rt_run (in_argv, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim in-process exited %d: %s", rc, err);
    for (size_t i = 0; i < sizeof s_outputs / sizeof s_outputs[0]; i++)
        ck_assert_msg (rt_same_in_dirs (tcp_dir, inproc_dir, s_outputs[i]), "%s differs between TCP and in-process",
                       s_outputs[i]);

    kill (s_disp_pid, SIGTERM);
    ck_assert_int_eq (rt_wait (s_disp_pid, 10000), 0); /* a clean stop on SIGTERM */
    close (s_disp_err);
    s_disp_pid = -1;
    s_remove (dir);
}
END_TEST

/* ---- robotaxi-sim on Debian's tiny osmnx extracts. ----------------------------------------------------------- */

/* Plays a tiny day on map with trips sized for it; checks it was served and the derived zone is on the map. */
static void s_assert_tiny_day (const char *map, const char *dir, const char *trip_km_mean, const char *trip_km_max)
{
    char out_dir[4096], file_set[4200], mean_set[64], max_set[64];
    snprintf (out_dir, sizeof out_dir, "%s/out", dir);
    snprintf (file_set, sizeof file_set, "map.file=%s", map);
    snprintf (mean_set, sizeof mean_set, "demand.trip_km_mean=%s", trip_km_mean);
    snprintf (max_set, sizeof max_set, "demand.trip_km_max=%s", trip_km_max);
    static char out[65536], err[65536];
    char *argv[] = {s_sim,
                    "--set",
                    file_set,
                    "--set",
                    mean_set,
                    "--set",
                    "demand.trip_km_min=0.1",
                    "--set",
                    max_set,
                    "--set",
                    "demand.trips_per_day=300",
                    "--set",
                    "human.drivers=20",
                    "--set",
                    "robotaxi.fleet_size=5",
                    "-o",
                    out_dir,
                    "-q",
                    NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim on %s exited %d: %s", map, rc, err);
    s_assert_day_served (out_dir, 0.8);

    static s_info_t info;
    s_info (map, &info, err, sizeof err);
    s_derived_t d;
    s_config_derived (out_dir, &d);
    ck_assert (d.lon > info.lon_min && d.lon < info.lon_max);
    ck_assert (d.lat > info.lat_min && d.lat < info.lat_max);
    ck_assert_double_eq_tol (d.area[0], info.lon_min, 1e-6);
    ck_assert_double_eq_tol (d.area[1], info.lat_min, 1e-6);
    ck_assert_double_eq_tol (d.area[2], info.lon_max, 1e-6);
    ck_assert_double_eq_tol (d.area[3], info.lat_max, 1e-6);
}

START_TEST (test_sim_on_osmnx_extracts)
{
    char germany[4096], bz2[4096], oakland[4096];
    if (!rt_data (S_GERMANY, germany, sizeof germany) || !rt_data (S_OAKLAND, bz2, sizeof bz2)) return;
    char *dir = rt_temp_dir ("osmcity-osmnx");
    ck_assert_ptr_nonnull (dir);
    snprintf (oakland, sizeof oakland, "%s/West-Oakland.osm", dir);
    ck_assert_int_eq (rt_bunzip (bz2, oakland), 0);

    /* West Oakland: about 1 x 1.3 km of streets */
    s_assert_tiny_day (oakland, dir, "0.8", "2");
    /* A few streets in Bavaria, 0.1 x 0.1 km: the shortest trips the scenario ranges allow */
    s_assert_tiny_day (germany, dir, "0.5", "0.5");
    s_remove (dir);
}
END_TEST

/* ---- robotaxi-sim refusing maps. ----------------------------------------------------------------------------- */

START_TEST (test_sim_refuses_missing_or_broken_map)
{
    char *dir = rt_temp_dir ("osmcity-sim-bad");
    ck_assert_ptr_nonnull (dir);
    char out_dir[4096], garbage[4096], text[4096];
    snprintf (out_dir, sizeof out_dir, "%s/out", dir);
    snprintf (garbage, sizeof garbage, "%s/garbage.osm.pbf", dir);
    snprintf (text, sizeof text, "%s/notes.map", dir);
    s_write (garbage, "this is not a protocol buffer, nor any OSM data\n");
    s_write (text, "a text file that merely has the .map suffix\n");

    /* 66 (EX_NOINPUT) for a file that cannot be read, naming the key; 78 (EX_CONFIG) for one that is no map */
    const struct {
        const char *file, *names, *says;
        int status;
    } cases[] = {
        {"/nonexistent.osm.pbf", "map.file: /nonexistent.osm.pbf", "No such file", 66},
        {garbage, "garbage.osm.pbf", "corrupt", 78},
        {text, "notes.map", "not a robotaxi map file", 78},
    };
    static char out[65536], err[65536];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char set[4200];
        snprintf (set, sizeof set, "map.file=%s", cases[i].file);
        char *argv[] = {s_sim, "--set", set, "-o", out_dir, "-q", NULL};
        int rc = rt_run (argv, out, sizeof out, err, sizeof err, 60000);
        ck_assert_msg (rc == cases[i].status, "map.file=%s: exit status %d, not %d: %s", cases[i].file, rc,
                       cases[i].status, err);
        ck_assert_msg (strncmp (err, "robotaxi-sim: ", 14) == 0 && strstr (err, cases[i].names) &&
                           strstr (err, cases[i].says),
                       "map.file=%s: '%s'", cases[i].file, err);
        for (size_t k = 0; k < sizeof s_outputs / sizeof s_outputs[0]; k++) {
            char result[4200];
            snprintf (result, sizeof result, "%s/%s", out_dir, s_outputs[k]);
            ck_assert_msg (!s_exists (result), "a refused run wrote %s", result);
        }
    }
    s_remove (dir);
}
END_TEST

START_TEST (test_sim_replaces_a_broken_cache)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    char *dir = rt_temp_dir ("osmcity-sim-cache");
    ck_assert_ptr_nonnull (dir);
    char out_dir[4096], cache[4096], file_set[4200], cache_set[4200];
    snprintf (out_dir, sizeof out_dir, "%s/out", dir);
    snprintf (cache, sizeof cache, "%s/city.map", dir);
    snprintf (file_set, sizeof file_set, "map.file=%s", pbf);
    snprintf (cache_set, sizeof cache_set, "map.cache=%s", cache);
    s_write (cache, "not a map: a cache spoiled by hand\n");

    /* A spoiled cache is not fatal: the extract is imported again, and the cache rewritten, with a note. */
    static char out[65536], err[65536];
    char *argv[] = {s_sim,
                    "--set",
                    file_set,
                    "--set",
                    cache_set,
                    "--set",
                    "demand.trips_per_day=200",
                    "--set",
                    "human.drivers=20",
                    "--set",
                    "robotaxi.fleet_size=5",
                    "--set",
                    "demand.trip_km_mean=2",
                    "-o",
                    out_dir,
                    NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "exit status %d: %s", rc, err);
    ck_assert_msg (strstr (err, "city.map") && strstr (err, "not used") && strstr (err, "importing"), "%s", err);
    static s_info_t info;
    s_info (cache, &info, err, sizeof err);
    ck_assert_int_eq (info.epsg, 32632);

    /* An unwritable cache is an error naming it, not a silent re-import every time. */
    char unwritable[4200];
    snprintf (unwritable, sizeof unwritable, "map.cache=%s/no-such-folder/city.map", dir);
    char *bad[] = {s_sim, "--set", file_set, "--set", unwritable, "-o", out_dir, "-q", NULL};
    rc = rt_run (bad, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 78, "exit status %d, not 78 (EX_CONFIG: a bad map.cache): %s", rc, err);
    ck_assert_msg (strncmp (err, "robotaxi-sim: ", 14) == 0 && strstr (err, "no-such-folder/city.map"), "%s", err);
    s_remove (dir);
}
END_TEST

/* Bug: config.ini recorded map.file as resolved against the working folder ("city/monaco.osm.pbf"), but a scenario
 * file's relative paths are read against the file's own folder, so `robotaxi-sim -s OUT/config.ini` looked for
 * OUT/city/monaco.osm.pbf and the README's "repeats the run" failed for every scenario given by a relative path. */
/* Rows of a file, not counting its header. */
static size_t s_data_rows (const char *path)
{
    char *text = rt_slurp (path, NULL);
    ck_assert_msg (text != NULL, "%s cannot be read", path);
    size_t lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    free (text);
    return lines - 1;
}

/* The committed Monaco trips file (scenarios/monaco-trips.ini) plays every row; its generator, run on that day's
 * events.csv, writes one row per ride driven, and that file plays every row again. */
START_TEST (test_sim_monaco_day_from_a_trips_file)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    const char *src = getenv ("RT_SOURCE_DIR");
    ck_assert_msg (src != NULL, "RT_SOURCE_DIR is not set");
    char *dir = rt_temp_dir ("osmcity-trips");
    ck_assert_ptr_nonnull (dir);
    char ini[4096], csv[4096], map_set[4200], cache_set[4200], run[4200], events[4300], again[4300], again_set[4400],
        gen[4096], run2[4200];
    snprintf (ini, sizeof ini, "%s/scenarios/monaco-trips.ini", src);
    snprintf (csv, sizeof csv, "%s/scenarios/monaco-trips.csv", src);
    snprintf (gen, sizeof gen, "%s/tools/trips_from_events.py", src);
    snprintf (map_set, sizeof map_set, "map.file=%s", pbf);
    snprintf (cache_set, sizeof cache_set, "map.cache=%s/monaco.map", dir);
    snprintf (run, sizeof run, "%s/run", dir);
    snprintf (run2, sizeof run2, "%s/run2", dir);
    snprintf (events, sizeof events, "%s/events.csv", run);
    snprintf (again, sizeof again, "%s/again.csv", dir);
    snprintf (again_set, sizeof again_set, "demand.file=%s", again);
    size_t rows = s_data_rows (csv);
    ck_assert_uint_gt (rows, 1000);

    static char out[65536], err[65536];
    char *play[] = {s_sim, "-s", ini, "--set", map_set, "--set", cache_set, "--events", "--no-plots", "-o", run, NULL};
    int rc = rt_run (play, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim -s monaco-trips.ini exited %d: %s", rc, err);
    char want[128];
    snprintf (want, sizeof want, "demand.file monaco-trips.csv: %zu rows, %zu played\n", rows, rows);
    ck_assert_msg (strstr (err, want), "no '%s' in: %s", want, err);
    json_t *s = s_load_json (run, "summary.json");
    ck_assert_double_eq (s_num (s, "choice", "considered", NULL), (double)rows);
    double served = s_num (s, "fleets", "robotaxi", "served", NULL) + s_num (s, "fleets", "human", "served", NULL);
    json_decref (s);
    ck_assert_double_gt (served, 0.5 * (double)rows);

    char *convert[] = {"/usr/bin/python3", gen, events, again, NULL};
    rc = rt_run (convert, out, sizeof out, err, sizeof err, 60000);
    ck_assert_msg (rc == 0, "trips_from_events.py exited %d: %s", rc, err);
    ck_assert_double_eq ((double)s_data_rows (again), served);
    char *replay[] = {s_sim, "-s", ini, "--set", map_set, "--set", cache_set, "--set", again_set, "--no-plots",
                      "-o", run2, NULL};
    rc = rt_run (replay, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim on the generated file exited %d: %s", rc, err);
    snprintf (want, sizeof want, "demand.file again.csv: %.0f rows, %.0f played\n", served, served);
    ck_assert_msg (strstr (err, want), "no '%s' in: %s", want, err);
    s_remove (dir);
}
END_TEST

START_TEST (test_config_ini_repeats_a_relative_scenario)
{
    char pbf[4096];
    if (!rt_data (S_MONACO, pbf, sizeof pbf)) return;
    char *dir = rt_temp_dir ("osmcity-repeat"), cwd[4096], link_path[4096], target[4096];
    ck_assert_ptr_nonnull (dir);
    ck_assert_ptr_nonnull (getcwd (cwd, sizeof cwd));
    if (pbf[0] == '/')
        snprintf (target, sizeof target, "%s", pbf);
    else
        ck_assert_int_lt (snprintf (target, sizeof target, "%s/%s", cwd, pbf), (int)sizeof target);
    ck_assert_int_eq (chdir (dir), 0);
    ck_assert_int_eq (mkdir ("city", 0755), 0);
    snprintf (link_path, sizeof link_path, "%s/city/monaco.osm.pbf", dir);
    ck_assert_int_eq (symlink (target, link_path), 0);
    s_write ("city/small.ini", "[map]\nfile = monaco.osm.pbf\ncache = monaco.map\n\n"
                               "[demand]\ntrips_per_day = 300\ntrip_km_mean = 2\n\n"
                               "[human]\ndrivers = 30\n\n[robotaxi]\nfleet_size = 10\n");

    static char out[65536], err[65536];
    char *first[] = {s_sim, "-s", "city/small.ini", "-o", "out1", "-q", NULL};
    int rc = rt_run (first, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "exit status %d: %s", rc, err);
    ck_assert (s_exists ("city/monaco.map"));
    /* the results' config.ini, given back from another folder, plays the same day on the same map and cache */
    char *again[] = {s_sim, "-s", "out1/config.ini", "-o", "out2", NULL};
    rc = rt_run (again, out, sizeof out, err, sizeof err, S_SIM_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim -s out1/config.ini exited %d: %s", rc, err);
    ck_assert_msg (!strstr (err, "importing"), "the repeat did not find the cache: %s", err);
    ck_assert (rt_same_in_dirs ("out1", "out2", "summary.json"));
    ck_assert_int_eq (chdir (cwd), 0);
    s_remove (dir);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("integration_osm_city");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 900);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_import_and_info_agree_with_extract);
    tcase_add_test (core, test_route_casino_to_stade);
    tcase_add_test (core, test_render_to_scale);
    tcase_add_test (core, test_sim_monaco_day_from_cache);
    tcase_add_test (core, test_sim_monaco_tcp_equals_inproc);
    tcase_add_test (core, test_sim_on_osmnx_extracts);
    tcase_add_test (core, test_sim_monaco_day_from_a_trips_file);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_set_timeout (limits, 900);
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_route_refuses_bad_points);
    tcase_add_test (limits, test_map_refuses_broken_inputs);
    tcase_add_test (limits, test_sim_refuses_missing_or_broken_map);
    tcase_add_test (limits, test_sim_replaces_a_broken_cache);
    tcase_add_test (limits, test_config_ini_repeats_a_relative_scenario);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
