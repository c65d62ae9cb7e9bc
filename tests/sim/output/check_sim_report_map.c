/* check_sim_report_map: report.html's map reads what --trajectories writes and keeps what it says it keeps: the
 * frames of fcd.csv's first day every frame step with each vehicle where it was, all vehicles up to the cap and an
 * even sample above it, the roads (smaller classes left out past the cap), the demand of the day on its grid; a
 * file with a missing column or a bad row names the file and the line; no roads.geojson, no map. The frames builder
 * (what robotaxi-sim gives every fcd row) writes map_frames.json, which the map reads instead of fcd.csv and which
 * holds the same frames; a row out of order fails its write; a damaged file names itself. */
#include <check.h>

#include "rt_check.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_proc.h"
#include "sim_report_map.h"

static char *s_dir;

/* Three roads: an arterial along the south edge, a local street north from it, a secondary across the north. */
static const char s_roads[] =
    "{\"type\":\"FeatureCollection\",\"features\":[\n"
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[114.000000,30.000000],"
    "[114.100000,30.000000]]},\"properties\":{\"class\":\"arterial\",\"speed_kmh\":50.0,\"oneway\":false}},\n"
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[114.050000,30.000000],"
    "[114.050000,30.100000]]},\"properties\":{\"class\":\"local\",\"speed_kmh\":30.0,\"oneway\":true}},\n"
    "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[114.000000,30.100000],"
    "[114.050000,30.100000],[114.100000,30.100000]]},\"properties\":{\"class\":\"secondary\",\"speed_kmh\":40.0,"
    "\"oneway\":false}}\n"
    "]}\n";

static void
s_write (const char *name, const char *text)
{
    char path[4200];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs (text, f);
    ck_assert_int_eq (fclose (f), 0);
}

static void
s_setup (void)
{
    s_dir = rt_temp_dir ("check_sim_report_map");
    ck_assert_ptr_nonnull (s_dir);
}

static void
s_teardown (void)
{
    static const char *const names[] = {"roads.geojson", "requests.csv", "fcd.csv", "map.html",
                                        SIM_REPORT_MAP_FRAMES_FILE};
    char path[4200];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf (path, sizeof path, "%s/%s", s_dir, names[i]);
        unlink (path);
    }
    rmdir (s_dir);
    free (s_dir);
}

/* The map of s_dir with opts, which must load; its stats in *st. */
static sim_report_map_t *
s_load (const sim_report_map_opts_t *opts, sim_report_map_stats_t *st)
{
    char err[512] = "";
    sim_report_map_t *map = NULL;
    ck_assert_msg (sim_report_map_load (s_dir, opts, &map, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_nonnull (map);
    sim_report_map_stats (map, st);
    return map;
}

/* The message of a load that must fail. */
static void
s_fails (const char *want)
{
    char err[512] = "";
    sim_report_map_t *map = NULL;
    ck_assert_int_eq (sim_report_map_load (s_dir, NULL, &map, err, sizeof err), -1);
    ck_assert_ptr_null (map);
    ck_assert_msg (strstr (err, want) != NULL, "wanted \"%s\" in: %s", want, err);
    ck_assert_msg (strstr (err, s_dir) != NULL, "the message does not name the file's path: %s", err);
}

/* The grid's step: a quantized place is within half of it. */
#define S_STEP_LON (0.1 * 1.02 / SIM_REPORT_MAP_GRID)

START_TEST (test_frames_hold_each_vehicle_where_it_was)
{
    s_write ("roads.geojson", s_roads);
    /* every 60 s; frames asked every 120 s or more keep 0, 120 and 240. Vehicle 9 is only seen at 60 s (no frame).
     * Day 2 is not drawn. */
    s_write ("fcd.csv", "day,time_s,vehicle,fleet,state,lon,lat,speed_kmh\n"
                        "1,0,3,robotaxi,idle,114.000000,30.000000,0.0\n"
                        "1,0,5,human,carrying,114.100000,30.100000,30.0\n"
                        "1,60,3,robotaxi,to_pickup,114.010000,30.000000,30.0\n"
                        "1,60,5,human,carrying,114.090000,30.100000,30.0\n"
                        "1,60,9,human,idle,114.050000,30.050000,0.0\n"
                        "1,120,3,robotaxi,to_pickup,114.020000,30.000000,30.0\n"
                        "1,120,5,human,repositioning,114.080000,30.100000,30.0\n"
                        "1,180,3,robotaxi,carrying,114.030000,30.000000,30.0\n"
                        "1,240,3,robotaxi,carrying,114.040000,30.010000,30.0\n"
                        "2,0,3,robotaxi,idle,114.000000,30.000000,0.0\n");
    sim_report_map_opts_t opts = {.frame_s = 120};
    sim_report_map_stats_t st;
    sim_report_map_t *map = s_load (&opts, &st);
    ck_assert_int_eq (st.day, 1);
    ck_assert_int_eq (st.fcd_period_s, 60);
    ck_assert_int_eq (st.frame_s, 120);
    ck_assert_uint_eq (st.fcd_rows, 9);
    ck_assert_uint_eq (st.vehicles, 3);
    ck_assert_uint_eq (st.vehicles_kept, 3);
    ck_assert_uint_eq (st.frames, 3);
    ck_assert_uint_eq (st.dots, 2 + 2 + 1);
    ck_assert_uint_eq (st.segments, 4);   /* the secondary road's two points make two segments */
    ck_assert_uint_eq (st.segments_drawn, 4);

    static const int32_t want_t[] = {0, 120, 240};
    static const size_t want_n[] = {2, 2, 1};
    for (size_t k = 0; k < 3; k++) {
        size_t n;
        ck_assert_int_eq (sim_report_map_frame (map, k, &n), want_t[k]);
        ck_assert_uint_eq (n, want_n[k]);
    }
    sim_report_map_dot_t dot;
    sim_report_map_dot (map, 1, 0, &dot);   /* at 120 s, in the order of ids: 3 then 5 */
    ck_assert_uint_eq (dot.vehicle, 3);
    ck_assert_str_eq (dot.fleet, "robotaxi");
    ck_assert_str_eq (dot.state, "to_pickup");
    ck_assert_double_eq_tol (dot.lon, 114.02, S_STEP_LON);
    ck_assert_double_eq_tol (dot.lat, 30.0, S_STEP_LON);
    sim_report_map_dot (map, 1, 1, &dot);
    ck_assert_uint_eq (dot.vehicle, 5);
    ck_assert_str_eq (dot.fleet, "human");
    ck_assert_str_eq (dot.state, "repositioning");
    ck_assert_double_eq_tol (dot.lon, 114.08, S_STEP_LON);
    ck_assert_double_eq_tol (dot.lat, 30.1, S_STEP_LON);
    sim_report_map_dot (map, 2, 0, &dot);
    ck_assert_uint_eq (dot.vehicle, 3);
    ck_assert_str_eq (dot.state, "carrying");
    ck_assert_double_eq_tol (dot.lat, 30.01, S_STEP_LON);
    sim_report_map_destroy (&map);
    ck_assert_ptr_null (map);
}
END_TEST

START_TEST (test_unknown_states_are_kept_by_name)
{
    s_write ("roads.geojson", s_roads);
    s_write ("fcd.csv", "vehicle,day,time_s,state,fleet,lon,lat\n" /* columns found by name, in any order */
                        "1,1,0,charging,robotaxi,114.05,30.05\n"
                        "2,1,0,going_home,human,114.06,30.05\n");
    sim_report_map_stats_t st;
    sim_report_map_t *map = s_load (NULL, &st);
    ck_assert_uint_eq (st.frames, 1);
    sim_report_map_dot_t dot;
    sim_report_map_dot (map, 0, 0, &dot);
    ck_assert_str_eq (dot.state, "charging");
    sim_report_map_dot (map, 0, 1, &dot);
    ck_assert_str_eq (dot.state, "going_home");
    ck_assert_str_eq (dot.fleet, "human");
    sim_report_map_destroy (&map);
}
END_TEST

/* fcd.csv with nveh vehicles (ids 0..nveh-1, even ones robotaxis) at nsamples samples every period_s. */
static void
s_fcd_many (int nveh, int nsamples, int period_s)
{
    char path[4200];
    snprintf (path, sizeof path, "%s/fcd.csv", s_dir);
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs ("day,time_s,vehicle,fleet,state,lon,lat,speed_kmh\n", f);
    for (int t = 0; t < nsamples; t++)
        for (int v = 0; v < nveh; v++)
            fprintf (f, "1,%d,%d,%s,carrying,%.6f,%.6f,20.0\n", t * period_s, v, v % 2 ? "human" : "robotaxi",
                     114.0 + 0.1 * v / nveh, 30.0 + 0.1 * t / nsamples);
    ck_assert_int_eq (fclose (f), 0);
}

START_TEST (test_vehicles_above_the_cap_are_an_even_sample)
{
    s_write ("roads.geojson", s_roads);
    s_fcd_many (50, 4, 120);
    sim_report_map_opts_t opts = {.vehicles_max = 10};
    sim_report_map_stats_t st;
    sim_report_map_t *map = s_load (&opts, &st);
    ck_assert_uint_eq (st.vehicles, 50);
    ck_assert_uint_eq (st.vehicles_kept, 10);
    ck_assert_uint_eq (st.frames, 4);
    ck_assert_uint_eq (st.dots, 40);
    for (size_t k = 0; k < st.frames; k++) {
        size_t n;
        sim_report_map_frame (map, k, &n);
        ck_assert_uint_eq (n, 10);
        for (size_t i = 0; i < n; i++) {
            sim_report_map_dot_t dot;
            sim_report_map_dot (map, k, i, &dot);
            ck_assert_uint_eq (dot.vehicle, 5 * i + 4);   /* every fifth, evenly spread: both fleets drawn */
        }
    }
    sim_report_map_destroy (&map);

    /* at the cap, all */
    opts.vehicles_max = 50;
    map = s_load (&opts, &st);
    ck_assert_uint_eq (st.vehicles_kept, 50);
    ck_assert_uint_eq (st.dots, 200);
    sim_report_map_destroy (&map);
}
END_TEST

START_TEST (test_frame_step_grows_to_the_dots_budget)
{
    s_write ("roads.geojson", s_roads);
    s_fcd_many (10, 40, 60);   /* 400 rows */
    sim_report_map_opts_t opts = {.dots_max = 60};
    sim_report_map_stats_t st;
    sim_report_map_t *map = s_load (&opts, &st);
    ck_assert_int_eq (st.frame_s, 480);   /* 60 -> 120 -> 240 -> 480: 400 x 60/480 = 50 dots */
    ck_assert_uint_eq (st.frames, 5);
    ck_assert_uint_le (st.dots, 60);
    size_t n;
    ck_assert_int_eq (sim_report_map_frame (map, 1, &n), 480);
    sim_report_map_destroy (&map);
}
END_TEST

START_TEST (test_demand_of_the_day_on_the_grid)
{
    s_write ("roads.geojson", s_roads);
    s_write ("fcd.csv", "day,time_s,vehicle,fleet,state,lon,lat,speed_kmh\n"
                        "1,0,1,robotaxi,idle,114.05,30.05,0\n");
    s_write ("requests.csv", "day,time_s,request,fleet,lon,lat\n"
                             "1,8.5,0,robotaxi,114.05,30.05\n"
                             "1,9,1,human,114.06,30.05\n"
                             "1,10,2,human,120.00,30.05\n"  /* off the map */
                             "2,5,3,human,114.05,30.05\n");   /* another day */
    sim_report_map_stats_t st;
    sim_report_map_t *map = s_load (NULL, &st);
    ck_assert_uint_eq (st.requests, 3);
    ck_assert_uint_eq (st.requests_outside, 1);
    sim_report_map_destroy (&map);
}
END_TEST

START_TEST (test_the_page_holds_the_map_and_its_data)
{
    s_write ("roads.geojson", s_roads);
    s_fcd_many (4, 6, 120);
    s_write ("requests.csv", "day,time_s,request,fleet,lon,lat\n1,8.5,0,robotaxi,114.05,30.05\n");
    sim_report_map_stats_t st;
    sim_report_map_t *map = s_load (NULL, &st);
    char path[4200];
    snprintf (path, sizeof path, "%s/map.html", s_dir);
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    sim_report_map_html (map, f);
    ck_assert_int_eq (fclose (f), 0);
    sim_report_map_destroy (&map);
    char *html = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (html);
    /* the error capture comes before any other script of the section */
    const char *capture = strstr (html, "window.onerror"), *data = strstr (html, "id=\"map-data\">");
    ck_assert_ptr_nonnull (capture);
    ck_assert_ptr_nonnull (data);
    ck_assert_ptr_eq (strstr (html, "<script"), strstr (html, "<script>\n(function () {\n  var errors"));
    static const char *const wants[] = {
        "<canvas id=\"map-canvas\"",        "id=\"map-play\"",       "id=\"map-time\"",     "id=\"map-legend\"",
        "<pre id=\"map-selftest\" hidden>", "4 of 4 vehicles drawn", "a frame every 120 s", "1 requests of the day"};
    for (size_t i = 0; i < sizeof wants / sizeof *wants; i++)
        ck_assert_msg (strstr (html, wants[i]) != NULL, "the page has no %s", wants[i]);
    ck_assert_msg (strstr (html, "http://") == NULL && strstr (html, "https://") == NULL,
                   "the map loads something from the network");
    /* the data is JSON whose frames are the map's */
    data += strlen ("id=\"map-data\">");
    const char *end = strstr (data, "</script>");
    ck_assert_ptr_nonnull (end);
    json_error_t jerr;
    json_t *root = json_loadb (data, (size_t) (end - data), 0, &jerr);
    ck_assert_msg (root != NULL, "the map's data is no JSON: %s", jerr.text);
    json_t *t = json_object_get (json_object_get (root, "frames"), "t");
    ck_assert_uint_eq (json_array_size (t), 6);   /* 0, 120, .. 600 */
    ck_assert_int_eq (json_integer_value (json_array_get (t, 2)), 240);
    ck_assert_int_eq (json_integer_value (json_object_get (root, "frame_s")), 120);
    const char *dots = json_string_value (json_object_get (root, "dots"));
    ck_assert_ptr_nonnull (dots);
    ck_assert_uint_eq (strlen (dots), (6 * 4 * 6 + 2) / 3 * 4);   /* 24 dots of 6 bytes, as base64 */
    ck_assert_uint_eq (st.data_bytes, (size_t) (end - data));
    json_decref (root);
    free (html);
}
END_TEST

START_TEST (test_no_roads_no_map)
{
    s_write ("fcd.csv", "day,time_s,vehicle,fleet,state,lon,lat,speed_kmh\n");
    char err[512] = "";
    sim_report_map_t *map = (sim_report_map_t *) 1;
    ck_assert_int_eq (sim_report_map_load (s_dir, NULL, &map, err, sizeof err), 0);
    ck_assert_ptr_null (map);
}
END_TEST

START_TEST (test_too_many_roads_leave_out_the_small_ones)
{
    s_write ("roads.geojson", s_roads);
    sim_report_map_opts_t opts = {.segments_max = 3};
    sim_report_map_stats_t st;
    sim_report_map_t *map = s_load (&opts, &st);
    ck_assert_uint_eq (st.segments, 4);
    ck_assert_uint_eq (st.segments_drawn, 3);
    ck_assert_str_eq (st.classes_left_out, "local");
    ck_assert_uint_eq (st.frames, 0);   /* no fcd.csv: roads only */
    sim_report_map_destroy (&map);
}
END_TEST

START_TEST (test_missing_column_names_file_and_line)
{
    s_write ("roads.geojson", s_roads);
    s_write ("fcd.csv", "day,time_s,vehicle,fleet,lon,lat,speed_kmh\n1,0,1,robotaxi,114.05,30.05,0\n");
    s_fails ("fcd.csv:1: no column 'state'");
    s_write ("fcd.csv", "day,time_s,vehicle,fleet,state,lon,lat,speed_kmh\n1,0,1,robotaxi,idle,114.05,30.05,0\n");
    s_write ("requests.csv", "day,time_s,request,fleet,lon\n1,0,1,robotaxi,114.05\n");
    s_fails ("requests.csv:1: no column 'lat'");
}
END_TEST

START_TEST (test_bad_rows_name_file_and_line)
{
    s_write ("roads.geojson", s_roads);
    static const char head[] = "day,time_s,vehicle,fleet,state,lon,lat,speed_kmh\n"
                               "1,0,1,robotaxi,idle,114.05,30.05,0\n"
                               "\n";   /* a blank line still counts */
    char text[512];
    snprintf (text, sizeof text, "%s1,60,1,robotaxi,idle,east,30.05,0\n", head);
    s_write ("fcd.csv", text);
    s_fails ("fcd.csv:4: lon 'east' is not a number");
    snprintf (text, sizeof text, "%s1,60,1,robotaxi,idle,114.05,30.05\n", head);
    s_write ("fcd.csv", text);
    s_fails ("fcd.csv:4: expected 8 fields, got 7");
    snprintf (text, sizeof text, "%s1,-60,1,robotaxi,idle,114.05,30.05,0\n", head);
    s_write ("fcd.csv", text);
    s_fails ("fcd.csv:4: time_s goes back from 0 to -60");
    snprintf (text, sizeof text, "%s1,60,1.5,robotaxi,idle,114.05,30.05,0\n", head);
    s_write ("fcd.csv", text);
    s_fails ("fcd.csv:4: vehicle '1.5' is not an id");
    snprintf (text, sizeof text, "%s1,60,1,robotaxi,<b>idle</b>,114.05,30.05,0\n", head);
    s_write ("fcd.csv", text);
    s_fails ("fcd.csv:4: state '<b>idle</b>' is not a name");
    s_write ("fcd.csv", "");
    s_fails ("fcd.csv:1: empty file");
}
END_TEST

START_TEST (test_bad_road_names_file_and_line)
{
    s_write ("roads.geojson", "{\"type\":\"FeatureCollection\",\"features\":[\n"
                              "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[114,30],"
                              "[114.1,30]]},\"properties\":{\"class\":\"local\"}},\n"
                              "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[114,30]},"
                              "\"properties\":{}}\n"
                              "]}\n");
    s_fails ("roads.geojson:3: a road that is not a LineString");
    /* a document not written a feature a line is read whole */
    s_write ("roads.geojson", "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"geometry\":"
                              "{\"type\":\"LineString\",\"coordinates\":[[114,30],[114.1,30],[114.1,30.1]]},"
                              "\"properties\":{\"class\":\"local\"}}]}");
    sim_report_map_stats_t st;
    sim_report_map_t *map = s_load (NULL, &st);
    ck_assert_uint_eq (st.segments, 2);
    sim_report_map_destroy (&map);
    s_write ("roads.geojson", "{\"type\":\"FeatureCollection\",\"features\":[]}\n");
    s_fails ("roads.geojson: no roads");
}
END_TEST

/* The roads' bounds of s_roads (the builder's box is made from them as the map's is). */
#define S_ROADS_BOUNDS 114.0, 30.0, 114.1, 30.1

static char *
s_path (const char *name)
{
    static char path[4200];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    return path;
}

/* fcd.csv's rows given to a builder (opts' limits), which writes map_frames.json. */
static void
s_frames_from_fcd (const sim_report_map_opts_t *opts)
{
    FILE *f = fopen (s_path ("fcd.csv"), "r");
    ck_assert_ptr_nonnull (f);
    sim_report_map_frames_t *b = sim_report_map_frames_new (S_ROADS_BOUNDS, opts);
    ck_assert_ptr_nonnull (b);
    char line[256], fleet[32], state[32];
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f));   /* the header */
    unsigned day, vehicle;
    double t, lon, lat;
    while (fgets (line, sizeof line, f)) {
        ck_assert_int_eq (sscanf (line, "%u,%lf,%u,%31[^,],%31[^,],%lf,%lf", &day, &t, &vehicle, fleet, state, &lon,
                                  &lat),
                          7);
        ck_assert_int_eq (sim_report_map_frames_add (b, day, llround (t * 1000), vehicle, fleet, state, lon, lat), 0);
    }
    fclose (f);
    char err[512] = "";
    ck_assert_msg (sim_report_map_frames_write (b, s_dir, err, sizeof err) == 0, "%s", err);
    sim_report_map_frames_destroy (&b);
    ck_assert_ptr_null (b);
}

/* The page's map section of s_dir (opts), its text. */
static char *
s_page (const sim_report_map_opts_t *opts, sim_report_map_stats_t *st)
{
    sim_report_map_t *map = s_load (opts, st);
    FILE *f = fopen (s_path ("map.html"), "w");
    ck_assert_ptr_nonnull (f);
    sim_report_map_html (map, f);
    ck_assert_int_eq (fclose (f), 0);
    sim_report_map_destroy (&map);
    char *html = rt_slurp (s_path ("map.html"), NULL);
    ck_assert_ptr_nonnull (html);
    return html;
}

START_TEST (test_frames_file_holds_the_frames_of_fcd_csv)
{
    s_write ("roads.geojson", s_roads);
    s_write ("requests.csv", "day,time_s,request,fleet,lon,lat\n1,8.5,0,robotaxi,114.05,30.05\n");
    /* 30 vehicles, 40 samples a minute apart: a cap of 12 vehicles and 150 dots (60 s -> 120 -> 240 s) */
    s_fcd_many (30, 40, 60);
    sim_report_map_opts_t opts = {.vehicles_max = 12, .dots_max = 150};
    sim_report_map_stats_t slow, fast;
    char *from_fcd = s_page (&opts, &slow);
    ck_assert (!slow.from_frames_file);
    ck_assert_int_eq (slow.frame_s, 240);
    ck_assert_uint_eq (slow.vehicles_kept, 12);

    s_frames_from_fcd (&opts);
    s_write ("fcd.csv", "day,time_s,vehicle,fleet,state,lon,lat,speed_kmh\n"); /* the map no longer needs it */
    char *from_file = s_page (NULL, &fast);   /* the builder's limits hold, not the reader's */
    ck_assert (fast.from_frames_file);
    ck_assert_int_eq (fast.day, 1);
    ck_assert_uint_eq (fast.fcd_rows, 1200);
    ck_assert_int_eq (fast.fcd_period_s, 60);
    ck_assert_int_eq (fast.frame_s, 240);
    ck_assert_uint_eq (fast.vehicles, 30);
    ck_assert_uint_eq (fast.vehicles_kept, 12);
    ck_assert_uint_eq (fast.frames, slow.frames);
    ck_assert_uint_eq (fast.dots, slow.dots);
    ck_assert_uint_eq (fast.requests, 1);
    ck_assert_uint_eq (fast.data_bytes, slow.data_bytes);
    ck_assert_msg (strcmp (from_fcd, from_file) == 0, "the page from map_frames.json is not the page from fcd.csv");
    free (from_fcd);
    free (from_file);

    /* and the dots read back are the vehicles where they were */
    sim_report_map_t *map = s_load (NULL, &fast);
    sim_report_map_dot_t dot;
    size_t n;
    ck_assert_int_eq (sim_report_map_frame (map, 2, &n), 480);
    ck_assert_uint_eq (n, 12);
    sim_report_map_dot (map, 2, 3, &dot);
    ck_assert_uint_eq (dot.vehicle, 9);   /* every 2.5th of 30: 1, 4, 6, 9, ... */
    ck_assert_str_eq (dot.fleet, "human");
    ck_assert_str_eq (dot.state, "carrying");
    ck_assert_double_eq_tol (dot.lon, 114.0 + 0.1 * 9 / 30, S_STEP_LON);
    ck_assert_double_eq_tol (dot.lat, 30.0 + 0.1 * 8 / 40, S_STEP_LON);
    sim_report_map_destroy (&map);
}
END_TEST

START_TEST (test_frames_builder_keeps_the_first_day_in_order)
{
    s_write ("roads.geojson", s_roads);
    char err[512] = "";
    sim_report_map_frames_t *b = sim_report_map_frames_new (S_ROADS_BOUNDS, NULL);
    ck_assert_ptr_nonnull (b);
    ck_assert_int_eq (sim_report_map_frames_add (b, 2, 0, 7, "robotaxi", "idle", 114.05, 30.05), 0);
    ck_assert_int_eq (sim_report_map_frames_add (b, 2, 60000, 7, "robotaxi", "charging", 114.06, 30.05), 0);
    ck_assert_int_eq (sim_report_map_frames_add (b, 2, 120400, 7, "robotaxi", "idle", 114.07, 30.05), 0);
    ck_assert_int_eq (sim_report_map_frames_add (b, 3, 0, 7, "robotaxi", "idle", 114.08, 30.05), 0);   /* not kept */
    ck_assert_int_eq (sim_report_map_frames_write (b, s_dir, err, sizeof err), 0);
    sim_report_map_frames_destroy (&b);
    sim_report_map_stats_t st;
    sim_report_map_t *map = s_load (NULL, &st);
    ck_assert (st.from_frames_file);
    ck_assert_int_eq (st.day, 2);
    ck_assert_uint_eq (st.fcd_rows, 3);
    ck_assert_uint_eq (st.frames, 3);
    size_t n;
    ck_assert_int_eq (sim_report_map_frame (map, 2, &n), 120);   /* 120.4 s: the frame's second */
    sim_report_map_dot_t dot;
    sim_report_map_dot (map, 1, 0, &dot);
    ck_assert_str_eq (dot.state, "charging");
    sim_report_map_dot (map, 2, 0, &dot);
    ck_assert_double_eq_tol (dot.lon, 114.07, S_STEP_LON);
    sim_report_map_destroy (&map);

    /* a time going back: refused, and the write says why and leaves no file */
    ck_assert_int_eq (unlink (s_path (SIM_REPORT_MAP_FRAMES_FILE)), 0);
    b = sim_report_map_frames_new (S_ROADS_BOUNDS, NULL);
    ck_assert_int_eq (sim_report_map_frames_add (b, 1, 60000, 1, "human", "idle", 114.05, 30.05), 0);
    ck_assert_int_eq (sim_report_map_frames_add (b, 1, 0, 2, "human", "idle", 114.05, 30.05), -1);
    ck_assert_int_eq (sim_report_map_frames_add (b, 1, 60000, 3, "human", "idle", 114.05, 30.05), -1);
    ck_assert_int_eq (sim_report_map_frames_write (b, s_dir, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "map_frames.json: time_s goes back from 60 to 0") != NULL, "%s", err);
    ck_assert_int_eq (access (s_path (SIM_REPORT_MAP_FRAMES_FILE), F_OK), -1);
    sim_report_map_frames_destroy (&b);

    /* no builder (a run without fcd rows): nothing written */
    ck_assert_int_eq (sim_report_map_frames_write (NULL, s_dir, err, sizeof err), 0);
    ck_assert_int_eq (access (s_path (SIM_REPORT_MAP_FRAMES_FILE), F_OK), -1);
}
END_TEST

START_TEST (test_damaged_frames_file_names_itself)
{
    s_write ("roads.geojson", s_roads);
    s_fcd_many (4, 3, 60);
    s_frames_from_fcd (NULL);
    char *good = rt_slurp (s_path (SIM_REPORT_MAP_FRAMES_FILE), NULL);
    ck_assert_ptr_nonnull (good);
    size_t len = strlen (good);
    good[len / 2] = '\0';   /* cut short */
    s_write (SIM_REPORT_MAP_FRAMES_FILE, good);
    s_fails ("map_frames.json: not a map_frames.json of robotaxi-sim");
    free (good);
    s_write (SIM_REPORT_MAP_FRAMES_FILE, "{\"grid\":4095,\"bbox\":[114,30,114.1,30.1],\"day\":1,\"fcd_rows\":1,"
                                         "\"fcd_period_s\":0,\"frame_s\":1,\"vehicles\":1,\n\"fleets\":[\"robotaxi\"],"
                                         "\"states\":[\"idle\"],\n\"kept\":[5],\n\"frames\":{\"t\":[0],\"n\":[2]},\n"
                                         "\"dots\":\"AAAAAAAA\"}\n");
    s_fails ("map_frames.json: the frames' counts do not add up to the dots");
    s_write (SIM_REPORT_MAP_FRAMES_FILE, "{\"grid\":4095,\"bbox\":[114,30,114.1,30.1],\"day\":1,\"fcd_rows\":1,"
                                         "\"fcd_period_s\":0,\"frame_s\":1,\"vehicles\":1,\n\"fleets\":[\"robotaxi\"],"
                                         "\"states\":[\"idle\"],\n\"kept\":[5],\n\"frames\":{\"t\":[0],\"n\":[1]},\n"
                                         "\"dots\":\"AQAAAAAA\"}\n");   /* vehicle index 1 of 1 kept */
    s_fails ("map_frames.json: a dot names a vehicle, fleet or state it does not list");
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_report_map");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_frames_hold_each_vehicle_where_it_was);
    tcase_add_test (core, test_unknown_states_are_kept_by_name);
    tcase_add_test (core, test_vehicles_above_the_cap_are_an_even_sample);
    tcase_add_test (core, test_demand_of_the_day_on_the_grid);
    tcase_add_test (core, test_the_page_holds_the_map_and_its_data);
    tcase_add_test (core, test_no_roads_no_map);
    tcase_add_test (core, test_frames_file_holds_the_frames_of_fcd_csv);
    tcase_add_test (core, test_frames_builder_keeps_the_first_day_in_order);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_frame_step_grows_to_the_dots_budget);
    tcase_add_test (limits, test_too_many_roads_leave_out_the_small_ones);
    tcase_add_test (limits, test_missing_column_names_file_and_line);
    tcase_add_test (limits, test_bad_rows_name_file_and_line);
    tcase_add_test (limits, test_bad_road_names_file_and_line);
    tcase_add_test (limits, test_damaged_frames_file_names_itself);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
