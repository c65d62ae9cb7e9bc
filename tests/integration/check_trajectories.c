/* check_trajectories: robotaxi-sim --trajectories as a user runs it and opens its files. trips.geojson is an RFC 7946
 * FeatureCollection whose legs run along the roads of roads.geojson with [lon, lat, 0, unix time] coordinates in
 * time order, one vehicle never in two legs at once; every pickup and drop-off of events.csv is where and when a
 * carrying leg starts and ends; every fcd.csv row is its vehicle's leg at that instant; the run's results are those
 * of the same run without trajectories; a window, a vehicle subset and a date narrow what is written; bad options are
 * refused with the option named. */
#include <check.h>

#include "rt_check.h"
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_data.h"
#include "rt_proc.h"
#include "sim_evdiff.h"

#define MAX_VEHICLES 512
#define SMALL                                                                                                          \
    "--set", "demand.trips_per_day=6000", "--set", "human.drivers=300", "--set", "robotaxi.fleet_size=40", "--set",    \
        "dispatch.rebalance=1"
#define DAY1_2024 1704067200LL /* 2024-01-01T00:00:00Z: --traj-date's default */

static char *s_sim;
static uint32_t s_humans = 300, s_robotaxis = 40; /* the fleets of the run being read (SMALL's by default) */
static char s_out[65536], s_err[65536];

static void s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
}

static void s_teardown (void)
{
    free (s_sim);
}

static int s_run (char *const argv[])
{
    return rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, 600000);
}

static const char *s_in (int slot, const char *dir, const char *name)
{
    static char buf[3][4096];
    snprintf (buf[slot], sizeof buf[slot], "%.3000s/%.1000s", dir, name);
    return buf[slot];
}

/* ---- the roads: node positions (micro-degrees) and the segments between them ---- */

static uint64_t s_key (double lon, double lat)
{
    return (uint64_t)(llround ((lon + 180.0) * 1e6)) << 32 | (uint64_t)llround ((lat + 90.0) * 1e6);
}

static int s_cmp_u64 (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    uint64_t a, b;
} s_seg_t;

static int s_cmp_seg (const void *a, const void *b)
{
    const s_seg_t *x = a, *y = b;
    if (x->a != y->a) return x->a < y->a ? -1 : 1;
    return x->b < y->b ? -1 : x->b > y->b;
}

typedef struct {
    uint64_t *nodes;
    size_t node_count;
    s_seg_t *segs; /* both directions */
    size_t seg_count;
    double lon_min, lat_min, lon_max, lat_max;
    double max_kmh;
} s_roads_t;

static void s_roads_load (const char *path, s_roads_t *r)
{
    json_error_t jerr;
    json_t *root = json_load_file (path, 0, &jerr);
    ck_assert_msg (root, "%s:%d: %s", path, jerr.line, jerr.text);
    ck_assert_str_eq (json_string_value (json_object_get (root, "type")), "FeatureCollection");
    json_t *features = json_object_get (root, "features");
    size_t n = json_array_size (features);
    ck_assert_msg (n > 1000, "%s: %zu roads", path, n);
    memset (r, 0, sizeof *r);
    r->nodes = malloc (2 * n * sizeof *r->nodes);
    r->segs = malloc (2 * n * sizeof *r->segs);
    r->lon_min = r->lat_min = INFINITY;
    r->lon_max = r->lat_max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get (features, i);
        json_t *g = json_object_get (f, "geometry");
        ck_assert_str_eq (json_string_value (json_object_get (g, "type")), "LineString");
        json_t *c = json_object_get (g, "coordinates");
        ck_assert_int_eq (json_array_size (c), 2);
        uint64_t k[2];
        for (int j = 0; j < 2; j++) {
            double lon = json_number_value (json_array_get (json_array_get (c, j), 0));
            double lat = json_number_value (json_array_get (json_array_get (c, j), 1));
            k[j] = s_key (lon, lat);
            r->nodes[r->node_count++] = k[j];
            r->lon_min = fmin (r->lon_min, lon);
            r->lon_max = fmax (r->lon_max, lon);
            r->lat_min = fmin (r->lat_min, lat);
            r->lat_max = fmax (r->lat_max, lat);
        }
        r->segs[r->seg_count++] = (s_seg_t){k[0], k[1]};
        r->segs[r->seg_count++] = (s_seg_t){k[1], k[0]};
        json_t *p = json_object_get (f, "properties");
        ck_assert (json_is_string (json_object_get (p, "class")));
        ck_assert (json_is_boolean (json_object_get (p, "oneway")));
        r->max_kmh = fmax (r->max_kmh, json_number_value (json_object_get (p, "speed_kmh")));
    }
    qsort (r->nodes, r->node_count, sizeof *r->nodes, s_cmp_u64);
    qsort (r->segs, r->seg_count, sizeof *r->segs, s_cmp_seg);
    json_decref (root);
}

static int s_is_node (const s_roads_t *r, uint64_t k)
{
    return bsearch (&k, r->nodes, r->node_count, sizeof k, s_cmp_u64) != NULL;
}

static int s_is_road (const s_roads_t *r, uint64_t a, uint64_t b)
{
    s_seg_t s = {a, b};
    return bsearch (&s, r->segs, r->seg_count, sizeof s, s_cmp_seg) != NULL;
}

static void s_roads_free (s_roads_t *r)
{
    free (r->nodes);
    free (r->segs);
}

/* ---- the legs of trips.geojson ---- */

typedef struct {
    uint32_t vehicle;
    char state[16];
    int64_t request;   /* -1: null */
    size_t count;
    double *lon, *lat; /* count of each */
    int64_t *t_ms;     /* unix time in ms */
} s_leg_t;

typedef struct {
    s_leg_t *leg;
    size_t count;
} s_legs_t;

static int s_cmp_leg (const void *a, const void *b)
{
    const s_leg_t *x = a, *y = b;
    if (x->vehicle != y->vehicle) return x->vehicle < y->vehicle ? -1 : 1;
    if (x->t_ms[0] != y->t_ms[0]) return x->t_ms[0] < y->t_ms[0] ? -1 : 1;
    return (x->t_ms[x->count - 1] > y->t_ms[y->count - 1]) - (x->t_ms[x->count - 1] < y->t_ms[y->count - 1]);
}

/* Reads and checks every feature: its structure, coordinate order and ranges, times in order, properties, and that
 * a drive runs from node to node along roads (a leg cut by the window may start or end between two nodes: cut ones
 * may, whole-day ones may not). Legs sorted by vehicle and time. */
static void s_legs_load (const char *path, const s_roads_t *r, int cut, int64_t t0_ms, int64_t t1_ms, s_legs_t *out)
{
    json_error_t jerr;
    json_t *root = json_load_file (path, 0, &jerr);
    ck_assert_msg (root, "%s:%d: %s", path, jerr.line, jerr.text);
    ck_assert_str_eq (json_string_value (json_object_get (root, "type")), "FeatureCollection");
    json_t *features = json_object_get (root, "features");
    ck_assert (json_is_array (features));
    size_t n = json_array_size (features);
    out->leg = calloc (n ? n : 1, sizeof *out->leg);
    out->count = n;
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get (features, i);
        s_leg_t *leg = &out->leg[i];
        ck_assert_str_eq (json_string_value (json_object_get (f, "type")), "Feature");
        json_t *g = json_object_get (f, "geometry");
        ck_assert_str_eq (json_string_value (json_object_get (g, "type")), "LineString");
        json_t *c = json_object_get (g, "coordinates");
        leg->count = json_array_size (c);
        ck_assert_msg (leg->count >= 2, "feature %zu: a LineString of %zu positions", i, leg->count);
        leg->lon = malloc (leg->count * sizeof (double));
        leg->lat = malloc (leg->count * sizeof (double));
        leg->t_ms = malloc (leg->count * sizeof (int64_t));
        for (size_t j = 0; j < leg->count; j++) {
            json_t *pos = json_array_get (c, j);
            ck_assert_int_eq (json_array_size (pos), 4);
            for (int k = 0; k < 4; k++)
                ck_assert (json_is_number (json_array_get (pos, k)));
            /* RFC 7946: longitude first */
            leg->lon[j] = json_number_value (json_array_get (pos, 0));
            leg->lat[j] = json_number_value (json_array_get (pos, 1));
            ck_assert_msg (leg->lon[j] >= r->lon_min - 1e-9 && leg->lon[j] <= r->lon_max + 1e-9 &&
                               leg->lat[j] >= r->lat_min - 1e-9 && leg->lat[j] <= r->lat_max + 1e-9,
                           "feature %zu: [%f, %f] is off the map (lon/lat swapped?)", i, leg->lon[j], leg->lat[j]);
            ck_assert (json_number_value (json_array_get (pos, 2)) == 0);
            leg->t_ms[j] = llround (json_number_value (json_array_get (pos, 3)) * 1000.0);
            ck_assert_msg (leg->t_ms[j] >= t0_ms && leg->t_ms[j] <= t1_ms,
                           "feature %zu: time %lld outside [%lld, %lld]", i, (long long)leg->t_ms[j],
                           (long long)t0_ms, (long long)t1_ms);
            ck_assert_msg (j == 0 || leg->t_ms[j] >= leg->t_ms[j - 1], "feature %zu: time goes backwards at %zu", i,
                           j);
        }
        ck_assert_msg (leg->t_ms[leg->count - 1] > leg->t_ms[0] || leg->lon[0] != leg->lon[leg->count - 1],
                       "feature %zu: neither moves nor lasts", i);
        json_t *p = json_object_get (f, "properties");
        json_t *v = json_object_get (p, "vehicle"), *req = json_object_get (p, "request");
        ck_assert (json_is_integer (v));
        leg->vehicle = (uint32_t)json_integer_value (v);
        ck_assert (leg->vehicle < s_humans + s_robotaxis);
        ck_assert_str_eq (json_string_value (json_object_get (p, "fleet")), leg->vehicle < s_humans ? "human" : "robotaxi");
        ck_assert_int_eq (json_integer_value (json_object_get (p, "day")), 1);
        const char *state = json_string_value (json_object_get (p, "state"));
        ck_assert (state && strlen (state) < sizeof leg->state);
        strcpy (leg->state, state);
        int rider = !strcmp (state, "to_pickup") || !strcmp (state, "carrying");
        ck_assert_msg (rider || !strcmp (state, "idle") || !strcmp (state, "repositioning") ||
                           !strcmp (state, "to_charger") || !strcmp (state, "charging") ||
                           (!strcmp (state, "cruising") && leg->vehicle < s_humans),
                       "vehicle %u: state %s", leg->vehicle, state);
        ck_assert_msg (rider ? json_is_integer (req) : json_is_null (req), "feature %zu: %s with request %s", i, state,
                       json_is_null (req) ? "null" : "set");
        leg->request = rider ? (int64_t)json_integer_value (req) : -1;
        /* on the network */
        for (size_t j = 0; j < leg->count; j++) {
            int end = j == 0 || j == leg->count - 1;
            uint64_t k = s_key (leg->lon[j], leg->lat[j]);
            ck_assert_msg (s_is_node (r, k) || (cut && end), "feature %zu: [%f, %f] is not a road node", i,
                           leg->lon[j], leg->lat[j]);
            int still = !strcmp (state, "idle") || !strcmp (state, "charging");
            if (j > 0 && still)
                ck_assert_msg (k == s_key (leg->lon[0], leg->lat[0]), "feature %zu: an %s vehicle moves", i, state);
            if (j > 0 && !still && !(cut && (j == 1 || j == leg->count - 1))) {
                uint64_t a = s_key (leg->lon[j - 1], leg->lat[j - 1]);
                ck_assert_msg (a == k || s_is_road (r, a, k), "feature %zu: [%f, %f] -> [%f, %f] is no road", i,
                               leg->lon[j - 1], leg->lat[j - 1], leg->lon[j], leg->lat[j]);
            }
        }
    }
    json_decref (root);
    qsort (out->leg, out->count, sizeof *out->leg, s_cmp_leg);
    /* one vehicle is in one leg at a time */
    for (size_t i = 1; i < out->count; i++) {
        const s_leg_t *a = &out->leg[i - 1], *b = &out->leg[i];
        if (a->vehicle == b->vehicle)
            ck_assert_msg (b->t_ms[0] >= a->t_ms[a->count - 1], "vehicle %u: a %s leg starts at %lld inside a %s leg to %lld",
                           a->vehicle, b->state, (long long)b->t_ms[0], a->state, (long long)a->t_ms[a->count - 1]);
    }
}

static void s_legs_free (s_legs_t *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free (l->leg[i].lon);
        free (l->leg[i].lat);
        free (l->leg[i].t_ms);
    }
    free (l->leg);
}

/* The leg of vehicle v in `state` (NULL: any) holding unix time t_ms (ends included), or NULL; searched from the
 * vehicle's first leg. */
static const s_leg_t *s_leg_at (const s_legs_t *l, uint32_t v, int64_t t_ms, const char *state)
{
    size_t lo = 0, hi = l->count;
    while (lo < hi) { /* the vehicle's first leg */
        size_t mid = (lo + hi) / 2;
        if (l->leg[mid].vehicle < v) lo = mid + 1;
        else hi = mid;
    }
    for (size_t i = lo; i < l->count && l->leg[i].vehicle == v && l->leg[i].t_ms[0] <= t_ms; i++) {
        const s_leg_t *leg = &l->leg[i];
        if (t_ms <= leg->t_ms[leg->count - 1] && (!state || !strcmp (state, leg->state))) return leg;
    }
    return NULL;
}

/* Where leg is at unix time t_ms: along the segment that holds it. */
static void s_leg_place (const s_leg_t *leg, int64_t t_ms, double *lon, double *lat)
{
    for (size_t j = 1; j < leg->count; j++)
        if (t_ms <= leg->t_ms[j]) {
            int64_t span = leg->t_ms[j] - leg->t_ms[j - 1];
            double f = span > 0 ? (double)(t_ms - leg->t_ms[j - 1]) / (double)span : 1.0;
            *lon = leg->lon[j - 1] + f * (leg->lon[j] - leg->lon[j - 1]);
            *lat = leg->lat[j - 1] + f * (leg->lat[j] - leg->lat[j - 1]);
            return;
        }
    *lon = leg->lon[leg->count - 1];
    *lat = leg->lat[leg->count - 1];
}

/* Checks fcd.csv against the legs: rows in order, each at a multiple of period_s in [t0, t1) of the day, each its
 * vehicle's leg at that instant (the state of a leg holding it; the place within a few centimetres). Returns the
 * rows. */
static size_t s_check_fcd (const char *path, const s_legs_t *legs, int period_s, int64_t base_s, int64_t t0_s,
                           int64_t t1_s, double max_kmh, const uint8_t *picked)
{
    FILE *f = fopen (path, "r");
    ck_assert_msg (f, "%s missing", path);
    char line[512];
    ck_assert (fgets (line, sizeof line, f));
    ck_assert_str_eq (line, "day,time_s,vehicle,fleet,state,lon,lat,speed_kmh\n");
    size_t rows = 0, lineno = 1;
    long long last_t = -1, last_v = -1;
    while (fgets (line, sizeof line, f)) {
        lineno++;
        unsigned day, v;
        double t, lon, lat, kmh;
        char fleet[16], state[24];
        ck_assert_msg (sscanf (line, "%u,%lf,%u,%15[^,],%23[^,],%lf,%lf,%lf", &day, &t, &v, fleet, state, &lon, &lat,
                               &kmh) == 8,
                       "%s:%zu: %s", path, lineno, line);
        long long ts = llround (t);
        ck_assert_msg (day == 1 && fabs (t - ts) < 1e-9 && ts % period_s == 0 && ts >= t0_s && ts < t1_s,
                       "%s:%zu: day %u at %f", path, lineno, day, t);
        ck_assert_msg (ts > last_t || (ts == last_t && v > last_v), "%s:%zu: out of order", path, lineno);
        last_t = ts;
        last_v = v;
        ck_assert_msg (v < s_humans + s_robotaxis && (!picked || picked[v]), "%s:%zu: vehicle %u", path, lineno, v);
        ck_assert_str_eq (fleet, v < s_humans ? "human" : "robotaxi");
        ck_assert_msg (kmh >= 0 && kmh <= max_kmh * 1.01 + 0.1, "%s:%zu: %f km/h", path, lineno, kmh);
        int64_t at = (base_s + ts) * 1000;
        const s_leg_t *leg = s_leg_at (legs, v, at, state);
        ck_assert_msg (leg, "%s:%zu: vehicle %u is %s at %lld s in no leg of trips.geojson", path, lineno, v, state,
                       ts);
        double want_lon, want_lat;
        s_leg_place (leg, at, &want_lon, &want_lat);
        ck_assert_msg (fabs (want_lon - lon) < 2e-6 && fabs (want_lat - lat) < 2e-6,
                       "%s:%zu: vehicle %u at [%f, %f], its leg at [%f, %f]", path, lineno, v, lon, lat, want_lon,
                       want_lat);
        ck_assert_msg (!strcmp (state, "idle") || !strcmp (state, "charging") ? kmh == 0 : 1, "%s:%zu: %s at %f km/h",
                       path, lineno, state, kmh);
        rows++;
    }
    fclose (f);
    return rows;
}

/* Every pickup and drop-off of the events log at path starts and ends a carrying leg of that vehicle and rider, there
 * and then; every repositioning ends at its arrival; there are as many pickups and drop-offs as carrying legs. Returns
 * the pickups. */
static size_t s_check_events (const char *path, const s_legs_t *legs, size_t carrying)
{
    char err[1024];
    sim_evdiff_reader_t *r = sim_evdiff_reader_open (path, NULL, err, sizeof err);
    ck_assert_msg (r, "%s", err);
    sim_event_t ev;
    size_t line, pickups = 0, dropoffs = 0, charges = 0;
    int rc;
    while ((rc = sim_evdiff_reader_next (r, &ev, &line, err, sizeof err)) == 1) {
        int64_t at = DAY1_2024 * 1000 + ev.time_ms;
        if (ev.kind == SIM_EVENT_PICKUP || ev.kind == SIM_EVENT_DROPOFF) {
            const s_leg_t *leg = s_leg_at (legs, (uint32_t)ev.vehicle, at, "carrying");
            ck_assert_msg (leg && leg->request == ev.request, "events.csv:%zu: no carrying leg of vehicle %lld then",
                           line, (long long)ev.vehicle);
            size_t j = ev.kind == SIM_EVENT_PICKUP ? 0 : leg->count - 1;
            ck_assert_msg (leg->t_ms[j] == at && fabs (leg->lon[j] - ev.lon) < 1e-6 && fabs (leg->lat[j] - ev.lat) < 1e-6,
                           "events.csv:%zu: the leg %s at %lld [%f, %f]", line, j ? "ends" : "starts",
                           (long long)leg->t_ms[j], leg->lon[j], leg->lat[j]);
            pickups += ev.kind == SIM_EVENT_PICKUP;
            dropoffs += ev.kind == SIM_EVENT_DROPOFF;
        } else if (ev.kind == SIM_EVENT_CHARGE_WAIT || ev.kind == SIM_EVENT_CHARGE_START) {
            /* at the site, at the end of the drive there and in a charging spell (waiting or plugged in) */
            const s_leg_t *leg = s_leg_at (legs, (uint32_t)ev.vehicle, at, "charging");
            ck_assert_msg (leg && fabs (leg->lon[0] - ev.lon) < 1e-6 && fabs (leg->lat[0] - ev.lat) < 1e-6,
                           "events.csv:%zu: vehicle %lld is not charging at the site then", line,
                           (long long)ev.vehicle);
            charges++;
        } else if (ev.kind == SIM_EVENT_ARRIVE && ev.vehicle >= s_humans) {
            const s_leg_t *leg = s_leg_at (legs, (uint32_t)ev.vehicle, at, "repositioning");
            ck_assert_msg (leg && leg->t_ms[leg->count - 1] == at, "events.csv:%zu: no repositioning ends then", line);
        }
    }
    ck_assert_msg (rc == 0, "%s", err);
    sim_evdiff_reader_destroy (&r);
    ck_assert_int_eq (pickups, carrying);
    ck_assert_int_eq (dropoffs, carrying);
    ck_assert_uint_gt (charges, 0);   /* the default batteries */
    return pickups;
}

START_TEST (test_legs_follow_the_roads_the_events_and_fcd)
{
    char *dir = rt_temp_dir ("traj"), *plain = rt_temp_dir ("traj-plain");
    char *argv[] = {s_sim, "--no-plots", "-o", dir, SMALL, "--events", "--trajectories", NULL};
    ck_assert_msg (s_run (argv) == 0, "%s", s_err);
    /* the size is told before the run, and the files are named after it */
    ck_assert_msg (strstr (s_err, "trajectories: up to about"), "%s", s_err);
    ck_assert_msg (strstr (s_out, "trips.geojson, fcd.csv, roads.geojson, requests.csv, map_frames.json"), "%s", s_out);
    /* tracking changes nothing the run found */
    char *argv2[] = {s_sim, "--no-plots", "-q", "-o", plain, SMALL, "--events", NULL};
    ck_assert_msg (s_run (argv2) == 0, "%s", s_err);
    const char *same[] = {"summary.json", "events.csv", "drivers.csv", "hourly.csv"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++)
        ck_assert_msg (rt_same_in_dirs (dir, plain, same[i]), "%s differs with --trajectories", same[i]);

    s_roads_t roads;
    s_roads_load (s_in (0, dir, "roads.geojson"), &roads);
    s_legs_t legs;
    s_legs_load (s_in (0, dir, "trips.geojson"), &roads, 0, DAY1_2024 * 1000, (DAY1_2024 + 2 * 86400) * 1000, &legs);
    size_t by_state[7] = {0};
    const char *states[] = {"idle", "to_pickup", "carrying", "repositioning", "cruising", "to_charger", "charging"};
    for (size_t i = 0; i < legs.count; i++)
        for (int k = 0; k < 7; k++)
            by_state[k] += !strcmp (legs.leg[i].state, states[k]);
    for (int k = 0; k < 7; k++)
        ck_assert_msg (by_state[k] > 0, "no %s leg among %zu", states[k], legs.count);

    size_t pickups = s_check_events (s_in (1, dir, "events.csv"), &legs, by_state[2]);
    ck_assert_msg (pickups > 1000, "%zu pickups", pickups);

    size_t rows = s_check_fcd (s_in (0, dir, "fcd.csv"), &legs, 60, DAY1_2024, 0, 2 * 86400, roads.max_kmh, NULL);
    ck_assert_msg (rows > 100000, "%zu fcd rows", rows);

    /* requests.csv: a row per request of the log */
    FILE *f = fopen (s_in (0, dir, "requests.csv"), "r");
    ck_assert (f);
    char text[256];
    size_t requests = 0;
    ck_assert (fgets (text, sizeof text, f) && !strcmp (text, "day,time_s,request,fleet,lon,lat\n"));
    while (fgets (text, sizeof text, f))
        requests++;
    fclose (f);
    ck_assert_msg (requests > pickups, "%zu requests, %zu pickups", requests, pickups);
    s_legs_free (&legs);
    s_roads_free (&roads);
    free (dir);
    free (plain);
}
END_TEST

START_TEST (test_window_vehicles_and_date_narrow_what_is_written)
{
    char *dir = rt_temp_dir ("traj-window");
    char *argv[] = {s_sim,           "--no-plots",     "-q",
                    "-o",            dir,              SMALL,
                    "--trajectories", "--traj-window", "07:00-08:30",
                    "--traj-vehicles", "robotaxi,3,10-12", "--fcd-period",
                    "30",            "--traj-date",    "2025-03-01",
                    NULL};
    ck_assert_msg (s_run (argv) == 0, "%s", s_err);
    const int64_t base = 1740787200; /* 2025-03-01T00:00:00Z */
    uint8_t picked[MAX_VEHICLES] = {0};
    for (uint32_t v = s_humans; v < s_humans + s_robotaxis; v++)
        picked[v] = 1;
    picked[3] = picked[10] = picked[11] = picked[12] = 1;
    s_roads_t roads;
    s_roads_load (s_in (0, dir, "roads.geojson"), &roads);
    s_legs_t legs;
    s_legs_load (s_in (0, dir, "trips.geojson"), &roads, 1, (base + 7 * 3600) * 1000, (base + 8 * 3600 + 1800) * 1000,
                 &legs);
    size_t robotaxi = 0, human = 0, cut = 0;
    for (size_t i = 0; i < legs.count; i++) {
        const s_leg_t *leg = &legs.leg[i];
        ck_assert_msg (picked[leg->vehicle], "vehicle %u was not asked for", leg->vehicle);
        robotaxi += leg->vehicle >= s_humans;
        human += leg->vehicle < s_humans;
        cut += leg->t_ms[0] == (base + 7 * 3600) * 1000 || leg->t_ms[leg->count - 1] == (base + 8 * 3600 + 1800) * 1000;
    }
    ck_assert_msg (robotaxi > 0 && human > 0 && cut > 0, "%zu robotaxi legs, %zu human, %zu cut", robotaxi, human, cut);
    size_t rows = s_check_fcd (s_in (0, dir, "fcd.csv"), &legs, 30, base, 7 * 3600, 8 * 3600 + 1800, roads.max_kmh,
                               picked);
    /* the 40 robotaxis run all the time but for their downtime: most of the 180 samples */
    ck_assert_msg (rows > 40 * 180 / 2 && rows <= (s_robotaxis + 4) * 180, "%zu fcd rows", rows);
    s_legs_free (&legs);
    s_roads_free (&roads);

    /* no fcd.csv with --fcd-period 0; a run without --trajectories removes an earlier run's */
    char *argv2[] = {s_sim, "--no-plots", "-q", "-o", dir, SMALL, "--trajectories", "--fcd-period", "0", NULL};
    ck_assert_msg (s_run (argv2) == 0, "%s", s_err);
    ck_assert (access (s_in (0, dir, "fcd.csv"), F_OK) != 0 && access (s_in (1, dir, "trips.geojson"), F_OK) == 0);
    char *argv3[] = {s_sim, "--no-plots", "-q", "-o", dir, SMALL, "--set", "demand.trips_per_day=600", NULL};
    ck_assert_msg (s_run (argv3) == 0, "%s", s_err);
    const char *gone[] = {"trips.geojson", "roads.geojson", "requests.csv"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg (access (s_in (0, dir, gone[i]), F_OK) != 0, "an earlier run's %s passes for this one's", gone[i]);
    free (dir);
}
END_TEST

/* The README's walk-through on Monaco: the sample trips file played with --trajectories, on a real OSM map with one-way
 * streets; the same checks. */
START_TEST (test_monaco_walk_through)
{
    char map[4096], scenario[4096];
    if (!rt_data ("osm/monaco.osm.pbf", map, sizeof map))
        return;
    const char *src = getenv ("RT_SOURCE_DIR");
    snprintf (scenario, sizeof scenario, "%s/scenarios/monaco-trips.ini", src ? src : ".");
    char set[4200];
    snprintf (set, sizeof set, "map.file=%s", map);
    char *dir = rt_temp_dir ("traj-monaco");
    char *argv[] = {s_sim, "--no-plots", "-q", "-o", dir, "-s", scenario, "--set", set, "--events", "--trajectories",
                    NULL};
    ck_assert_msg (s_run (argv) == 0, "%s", s_err);
    s_humans = 300;
    s_robotaxis = 60;
    s_roads_t roads;
    s_roads_load (s_in (0, dir, "roads.geojson"), &roads);
    s_legs_t legs;
    s_legs_load (s_in (0, dir, "trips.geojson"), &roads, 0, DAY1_2024 * 1000, (DAY1_2024 + 2 * 86400) * 1000, &legs);
    size_t carrying = 0, cruising = 0;
    for (size_t i = 0; i < legs.count; i++) {
        carrying += !strcmp (legs.leg[i].state, "carrying");
        cruising += !strcmp (legs.leg[i].state, "cruising");
    }
    size_t pickups = s_check_events (s_in (1, dir, "events.csv"), &legs, carrying);
    ck_assert_msg (pickups > 2000 && cruising > 1000, "%zu pickups, %zu cruising legs", pickups, cruising);
    size_t rows = s_check_fcd (s_in (0, dir, "fcd.csv"), &legs, 60, DAY1_2024, 0, 2 * 86400, roads.max_kmh, NULL);
    ck_assert_msg (rows > 100000, "%zu fcd rows", rows);
    s_legs_free (&legs);
    s_roads_free (&roads);
    free (dir);
}
END_TEST

START_TEST (test_bad_options_are_refused_naming_them)
{
    char *dir = rt_temp_dir ("traj-bad");
    struct {
        const char *opt, *value, *says;
    } bad[] = {
        {"--traj-window", "09:00-08:00", "--traj-window 09:00-08:00: the end must come after the start"},
        {"--traj-window", "7-8", "--traj-window 7-8: expected HH:MM-HH:MM"},
        {"--traj-vehicles", "340", "--traj-vehicles 340: 340: the vehicles are 0 .. 339"},
        {"--traj-vehicles", "5-2", "range 5-2 runs backwards"},
        {"--traj-vehicles", "taxi", "taxi is not robotaxi, human, a vehicle id"},
        {"--fcd-period", "3601", "--fcd-period: '3601' is not a number of seconds from 0 to 3600"},
        {"--traj-date", "2025-02-30", "--traj-date 2025-02-30: no such day"},
        {"--traj-days", "2", "--traj-days: the run has 1 day"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *argv[] = {s_sim, "--no-plots", "-q", "-o", dir, SMALL, "--trajectories", (char *)bad[i].opt,
                        (char *)bad[i].value, NULL};
        ck_assert_int_eq (s_run (argv), 2);
        ck_assert_msg (strstr (s_err, bad[i].says), "%s %s: %s", bad[i].opt, bad[i].value, s_err);
    }
    char *alone[] = {s_sim, "--no-plots", "-q", "-o", dir, "--traj-window", "07:00-08:00", NULL};
    ck_assert_int_eq (s_run (alone), 2);
    ck_assert_msg (strstr (s_err, "go with --trajectories"), "%s", s_err);
    char *sweep[] = {s_sim, "--no-plots", "-q", "-o", dir, "--trajectories", "--sweep", "robotaxi.fleet_size=10,20", NULL};
    ck_assert_int_eq (s_run (sweep), 2);
    ck_assert_msg (strstr (s_err, "--trajectories is for one run, not a --sweep"), "%s", s_err);
    free (dir);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("integration_trajectories");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 600);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_legs_follow_the_roads_the_events_and_fcd);
    tcase_add_test (core, test_window_vehicles_and_date_narrow_what_is_written);
    tcase_add_test (core, test_bad_options_are_refused_naming_them);
    tcase_add_test (core, test_monaco_walk_through);
    suite_add_tcase (s, core);
    return rt_check_run (s);
}
