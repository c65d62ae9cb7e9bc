/* sim_traj: writing a run's trajectories (trips.geojson, fcd.csv, roads.geojson, requests.csv). */
#include "sim_traj.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "disp_types.h"
#include "map_error.h"
#include "sim_file.h"
#include "sim_report_map.h"
#include "sim_spool.h"

#define S_DAY_MS 86400000LL

/* Measured on the default day (README "Trajectories"): trips.geojson bytes per tracked vehicle-hour on shift, and an
 * fcd.csv row's bytes. The estimate takes every tracked vehicle on shift through the whole window: an upper bound
 * for human drivers, who work part of the day. */
#define S_GEOJSON_BYTES_PER_VEHICLE_HOUR 1600.0
#define S_FCD_BYTES_PER_ROW 52.0

struct sim_traj_t {
    sim_traj_opts_t opts;
    const map_graph_t *graph;
    uint32_t humans, robotaxis;
    uint8_t *tracked;          /* per vehicle */
    uint32_t picked;
    uint32_t day;              /* the day being played, 1-based; 0: none tracked */
    sim_file_t trips, fcd, roads, requests;
    /* trips.geojson and fcd.csv are written behind the run: the run copies each leg and sample row into the spool,
     * whose thread formats and writes them (and feeds the map's frames). What the spool's thread uses (from here to
     * `map`) the run's thread does not touch until sim_spool_finish. */
    sim_spool_t *spool;
    int legs_stream, fcd_stream;
    uint64_t legs;             /* legs written */
    int nomem;                 /* a leg could not be written: the close fails */
    char *buf;                 /* one leg's text */
    size_t buf_cap;
    char (*place)[24];         /* per node: "lon,lat" as written ("" until first written); NULL when out of memory */
    sim_report_map_frames_t *map;   /* report.html's map frames, made from the fcd rows (map_frames.json) */
    char *dir;                 /* the run folder */
};

/* The stdio buffer of the big files, and the spool's chunks: fewer, larger writes, and a run at most a few MB ahead
 * of its writer. */
#define S_FILE_BUFFER (1 << 20)
#define S_SPOOL_CHUNK (1 << 20)
#define S_SPOOL_CHUNKS 8

/* A leg as the spool carries it: this head, then int64_t at_ms[count], then uint32_t nodes[count], padded to 8. */
typedef struct {
    int64_t request;
    uint32_t day, vehicle, count;
    int32_t fleet, state;
    uint32_t pad;
} s_leg_head_t;

/* An fcd.csv row as the spool carries it. */
typedef struct {
    int64_t now_ms;
    double lon, lat;           /* when node is UINT32_MAX */
    double speed_kmh;
    uint32_t day, vehicle, node;
    uint8_t fleet, state;
} s_fcd_row_t;

/* ---- numbers as text, fast: a day's files hold millions of them ---- */

static const int64_t s_pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

static char *
s_uint (char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *
s_int (char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return s_uint (p, (uint64_t) (-(v + 1)) + 1);
    }
    return s_uint (p, (uint64_t) v);
}

/* v with dec decimals (0 .. 9), halves away from zero, as printf's "%.*f" would write it for these magnitudes. */
static char *
s_fixed (char *p, double v, int dec)
{
    int64_t scaled = llround (fabs (v) * (double) s_pow10[dec]);
    if (v < 0 && scaled != 0)
        *p++ = '-';
    p = s_uint (p, (uint64_t) (scaled / s_pow10[dec]));
    if (dec > 0) {
        int64_t frac = scaled % s_pow10[dec];
        *p++ = '.';
        for (int i = dec - 1; i >= 0; i--) {
            p[i] = (char) ('0' + frac % 10);
            frac /= 10;
        }
        p += dec;
    }
    return p;
}

/* ms as seconds with 3 decimals (exact). */
static char *
s_seconds (char *p, int64_t ms)
{
    p = s_int (p, ms / 1000);
    *p++ = '.';
    int64_t frac = ms % 1000;
    p[0] = (char) ('0' + frac / 100);
    p[1] = (char) ('0' + frac / 10 % 10);
    p[2] = (char) ('0' + frac % 10);
    return p + 3;
}

static char *
s_text (char *p, const char *text)
{
    size_t n = strlen (text);
    memcpy (p, text, n);
    return p + n;
}

/* "lon,lat" of node n with 6 decimals each, formatted once per node: a day passes the same nodes again and again. */
static char *
s_node (const sim_traj_t *self, char *p, uint32_t n)
{
    const map_node_t *node = map_graph_node (self->graph, n);
    if (!self->place) {
        p = s_fixed (p, node->lon, 6);
        *p++ = ',';
        return s_fixed (p, node->lat, 6);
    }
    char *text = self->place[n];   /* [0]: the length; at most 11 + 1 + 10 characters follow */
    if (!text[0]) {
        char *q = s_fixed (text + 1, node->lon, 6);
        *q++ = ',';
        text[0] = (char) (s_fixed (q, node->lat, 6) - (text + 1));
    }
    memcpy (p, text + 1, (size_t) text[0]);
    return p + text[0];
}

/* ---- options ---- */

static int
s_clock (const char *text, const char *end, int64_t *ms)
{
    int h, m, n = 0;
    if (sscanf (text, "%2d:%2d%n", &h, &m, &n) != 2 || text + n != end || h < 0 || h > 24 || m < 0 || m > 59 ||
        (h == 24 && m != 0))
        return -1;
    *ms = ((int64_t) h * 60 + m) * 60000;
    return 0;
}

int
sim_traj_parse_window (const char *text, sim_traj_opts_t *opts, char *err, size_t errlen)
{
    const char *dash = strchr (text, '-');
    int64_t from, to;
    if (!dash || s_clock (text, dash, &from) < 0 || s_clock (dash + 1, dash + 1 + strlen (dash + 1), &to) < 0)
        return map_error (err, errlen, "--traj-window %s: expected HH:MM-HH:MM, e.g. 07:00-09:30", text);
    if (to <= from)
        return map_error (err, errlen, "--traj-window %s: the end must come after the start", text);
    opts->from_ms = from;
    opts->to_ms = to;
    return 0;
}

int
sim_traj_parse_date (const char *text, sim_traj_opts_t *opts, char *err, size_t errlen)
{
    int y, mo, d, n = 0;
    if (sscanf (text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || text[n] || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
        d > 31)
        return map_error (err, errlen, "--traj-date %s: expected a date YYYY-MM-DD from 1970 on", text);
    /* days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days inverse) */
    int yy = y - (mo <= 2);
    int era = yy / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t) era * 146097 + doe - 719468;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[mo - 1] + (mo == 2 && leap))
        return map_error (err, errlen, "--traj-date %s: no such day", text);
    opts->date_unix_s = days * 86400;
    return 0;
}

/* Marks the vehicles spec picks in mask (may be NULL: only checks). 0, or -1 with why. */
static int
s_pick (const char *spec, uint32_t humans, uint32_t robotaxis, uint8_t *mask, uint32_t *picked, char *err,
        size_t errlen)
{
    uint32_t count = humans + robotaxis;
    if (mask)
        memset (mask, 0, count ? count : 1);
    if (!spec || !strcmp (spec, "all") || !spec[0]) {
        if (mask)
            memset (mask, 1, count);
        *picked = count;
        return 0;
    }
    const char *p = spec;
    while (*p) {
        const char *end = strchr (p, ',');
        size_t len = end ? (size_t) (end - p) : strlen (p);
        char item[64];
        if (len == 0 || len >= sizeof item)
            return map_error (err, errlen, "--traj-vehicles %s: an empty or overlong item", spec);
        memcpy (item, p, len);
        item[len] = '\0';
        uint64_t lo, hi;
        int n = 0;
        if (!strcmp (item, "robotaxi")) {
            lo = humans;
            hi = (uint64_t) count - 1;
            if (robotaxis == 0)
                return map_error (err, errlen, "--traj-vehicles %s: this run has no robotaxis", spec);
        } else if (!strcmp (item, "human")) {
            lo = 0;
            hi = (uint64_t) humans - 1;
            if (humans == 0)
                return map_error (err, errlen, "--traj-vehicles %s: this run has no human drivers", spec);
        } else if (sscanf (item, "%" SCNu64 "-%" SCNu64 "%n", &lo, &hi, &n) == 2 && !item[n] && item[0] != '-') {
            if (hi < lo)
                return map_error (err, errlen, "--traj-vehicles %s: range %s runs backwards", spec, item);
        } else if (n = 0, sscanf (item, "%" SCNu64 "%n", &lo, &n) == 1 && !item[n] && item[0] != '-') {
            hi = lo;
        } else {
            return map_error (err, errlen,
                              "--traj-vehicles %s: %s is not robotaxi, human, a vehicle id or a range of them (N-M)",
                              spec, item);
        }
        if (hi >= count)
            return map_error (err, errlen,
                              "--traj-vehicles %s: %s: the vehicles are 0 .. %u (human drivers 0 .. %u, then the "
                              "robotaxis)",
                              spec, item, count ? count - 1 : 0, humans ? humans - 1 : 0);
        for (uint64_t v = lo; mask && v <= hi; v++)
            mask[v] = 1;
        p += len + (end != NULL);
        if (end && !*p)
            return map_error (err, errlen, "--traj-vehicles %s: ends with a comma", spec);
    }
    uint32_t n = 0;
    if (mask)
        for (uint32_t v = 0; v < count; v++)
            n += mask[v];
    *picked = n;
    return 0;
}

int
sim_traj_check_vehicles (const char *spec, uint32_t humans, uint32_t robotaxis, uint32_t *picked, char *err,
                         size_t errlen)
{
    uint8_t *mask = malloc (humans + robotaxis + 1);
    if (!mask)
        return map_error (err, errlen, "out of memory");
    int rc = s_pick (spec, humans, robotaxis, mask, picked, err, errlen);
    free (mask);
    return rc;
}

/* ---- the files ---- */

static int
s_write_roads (sim_traj_t *self, char *err, size_t errlen)
{
    FILE *f = self->roads.f;
    fputs ("{\"type\":\"FeatureCollection\",\"features\":[", f);
    size_t edges = map_graph_edge_count (self->graph);
    int first = 1;
    for (uint32_t e = 0; e < edges; e++) {
        if (map_graph_is_twin (self->graph, e))
            continue;   /* the other half of a two-way street */
        const map_edge_t *edge = map_graph_edge (self->graph, e);
        const map_node_t *a = map_graph_node (self->graph, edge->from), *b = map_graph_node (self->graph, edge->to);
        char line[384], *p = line;
        p = s_text (p, first ? "\n" : ",\n");
        p = s_text (p, "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[");
        p = s_fixed (p, a->lon, 6);
        *p++ = ',';
        p = s_fixed (p, a->lat, 6);
        p = s_text (p, "],[");
        p = s_fixed (p, b->lon, 6);
        *p++ = ',';
        p = s_fixed (p, b->lat, 6);
        p = s_text (p, "]]},\"properties\":{\"class\":\"");
        p = s_text (p, map_road_class_name ((map_road_class_t) edge->road_class));
        p = s_text (p, "\",\"speed_kmh\":");
        p = s_fixed (p, edge->speed_kmh, 1);
        p = s_text (p, map_graph_find_edge (self->graph, edge->to, edge->from) == MAP_EDGE_NONE ? ",\"oneway\":true}}"
                                                                                              : ",\"oneway\":false}}");
        fwrite (line, 1, (size_t) (p - line), f);
        first = 0;
    }
    fputs ("\n]}\n", f);
    return sim_file_close (&self->roads, err, errlen);
}

static sim_spool_format_fn s_format_legs, s_format_fcd;

sim_traj_t *
sim_traj_open (const char *dir, const sim_traj_opts_t *opts, const map_graph_t *g, uint32_t humans,
               uint32_t robotaxis, char *err, size_t errlen)
{
    sim_traj_t *self = calloc (1, sizeof *self);
    if (!self || !(self->tracked = malloc (humans + robotaxis + 1))) {
        free (self);
        map_error (err, errlen, "out of memory");
        return NULL;
    }
    self->opts = *opts;
    self->graph = g;
    self->place = calloc (map_graph_node_count (g) + 1, sizeof *self->place);   /* NULL: formatted each time */
    self->humans = humans;
    self->robotaxis = robotaxis;
    if (s_pick (opts->vehicles, humans, robotaxis, self->tracked, &self->picked, err, errlen) < 0)
        goto fail;
    if (sim_file_open (&self->roads, dir, "roads.geojson", err, errlen) < 0 || s_write_roads (self, err, errlen) < 0)
        goto fail;
    if (sim_file_open (&self->trips, dir, "trips.geojson", err, errlen) < 0 ||
        sim_file_open (&self->requests, dir, "requests.csv", err, errlen) < 0 ||
        (opts->period_s > 0 && sim_file_open (&self->fcd, dir, "fcd.csv", err, errlen) < 0))
        goto fail;
    setvbuf (self->trips.f, NULL, _IOFBF, S_FILE_BUFFER);
    if (self->fcd.f)
        setvbuf (self->fcd.f, NULL, _IOFBF, S_FILE_BUFFER);
    fputs ("{\"type\":\"FeatureCollection\",\"features\":[", self->trips.f);
    fputs ("day,time_s,request,fleet,lon,lat\n", self->requests.f);
    if (self->fcd.f)
        fputs ("day,time_s,vehicle,fleet,state,lon,lat,speed_kmh\n", self->fcd.f);
    if (self->fcd.f) {   /* the map's frames over the roads' bounds (report.html reads them, not fcd.csv) */
        double b[4];   /* to 6 decimals, as roads.geojson has them: the page's box then is the frames' to the bit */
        map_graph_lonlat_bounds (g, &b[0], &b[1], &b[2], &b[3]);
        for (int i = 0; i < 4; i++)
            b[i] = (double) llround (b[i] * 1e6) / 1e6;
        if (!(self->dir = strdup (dir)) || !(self->map = sim_report_map_frames_new (b[0], b[1], b[2], b[3], NULL))) {
            map_error (err, errlen, "out of memory");
            goto fail;
        }
    }
    if (!(self->spool = sim_spool_new (S_SPOOL_CHUNK, S_SPOOL_CHUNKS, err, errlen)))
        goto fail;
    self->legs_stream = sim_spool_stream (self->spool, self->trips.f, s_format_legs, self);
    self->fcd_stream = self->fcd.f ? sim_spool_stream (self->spool, self->fcd.f, s_format_fcd, self) : -1;
    return self;
fail:
    sim_traj_destroy (&self);
    return NULL;
}

void
sim_traj_estimate (const sim_traj_t *self, uint32_t days, double *geojson_bytes, double *fcd_bytes)
{
    const sim_traj_opts_t *o = &self->opts;
    uint32_t first = o->first_day ? o->first_day : 1, last = o->last_day ? o->last_day : days;
    if (last > days)
        last = days;
    double ndays = last >= first ? (double) (last - first + 1) : 0.0;
    double hours = o->to_ms > o->from_ms ? (double) (o->to_ms - o->from_ms) / 3600000.0 : 24.0;
    double vehicle_hours = (double) self->picked * ndays * hours;
    *geojson_bytes = vehicle_hours * S_GEOJSON_BYTES_PER_VEHICLE_HOUR;
    *fcd_bytes = o->period_s > 0 ? vehicle_hours * 3600.0 / o->period_s * S_FCD_BYTES_PER_ROW : 0.0;
}

const uint8_t *
sim_traj_tracked (const sim_traj_t *self)
{
    return self->tracked;
}

void
sim_traj_day (sim_traj_t *self, uint32_t day)
{
    const sim_traj_opts_t *o = &self->opts;
    int in = (!o->first_day || day >= o->first_day) && (!o->last_day || day <= o->last_day);
    self->day = in ? day : 0;
}

/* The window of the current day: [w0, w1] in ms after its midnight. */
static void
s_window (const sim_traj_t *self, int64_t *w0, int64_t *w1)
{
    if (self->opts.to_ms > self->opts.from_ms) {
        *w0 = self->opts.from_ms;
        *w1 = self->opts.to_ms;
    } else {
        *w0 = 0;
        *w1 = INT64_MAX;
    }
}

static int
s_grow (sim_traj_t *self, size_t need)
{
    if (need <= self->buf_cap)
        return 0;
    size_t cap = self->buf_cap ? self->buf_cap : 4096;
    while (cap < need)
        cap *= 2;
    char *b = realloc (self->buf, cap);
    if (!b)
        return -1;
    self->buf = b;
    self->buf_cap = cap;
    return 0;
}

/* One coordinate [lon,lat,0,unix] at position t of the way from node a to node b (0 .. 1), at ms of the day. */
static char *
s_point (const sim_traj_t *self, char *p, const map_node_t *a, const map_node_t *b, double t, uint32_t day,
         int64_t ms)
{
    *p++ = '[';
    p = s_fixed (p, a->lon + t * (b->lon - a->lon), 6);
    *p++ = ',';
    p = s_fixed (p, a->lat + t * (b->lat - a->lat), 6);
    p = s_text (p, ",0,");
    p = s_seconds (p, (self->opts.date_unix_s + (int64_t) (day - 1) * 86400) * 1000 + ms);
    *p++ = ']';
    return p;
}

/* The same at node n itself. */
static char *
s_node_point (const sim_traj_t *self, char *p, uint32_t n, uint32_t day, int64_t ms)
{
    *p++ = '[';
    p = s_node (self, p, n);
    p = s_text (p, ",0,");
    p = s_seconds (p, (self->opts.date_unix_s + (int64_t) (day - 1) * 86400) * 1000 + ms);
    *p++ = ']';
    return p;
}

/* Writes one leg as a Feature of trips.geojson (the spool's thread). */
static void
s_write_leg (sim_traj_t *self, const sim_leg_t *leg, FILE *f)
{
    int64_t w0, w1;
    s_window (self, &w0, &w1);
    /* room for every point and its cut: each at most ~60 characters */
    if (self->nomem || s_grow (self, 512 + (leg->count + 2) * 72) < 0) {
        self->nomem = 1;
        return;
    }
    char *p = self->buf;
    p = s_text (p, self->legs ? ",\n" : "\n");
    p = s_text (p, "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[");
    size_t points = 0;
    for (size_t i = 0; i < leg->count; i++) {
        const map_node_t *b = map_graph_node (self->graph, leg->nodes[i]);
        int64_t tb = leg->at_ms[i];
        if (i > 0) {
            const map_node_t *a = map_graph_node (self->graph, leg->nodes[i - 1]);
            int64_t ta = leg->at_ms[i - 1];
            if (ta < w0 && tb > w0) {   /* the window opens on this edge */
                p = s_text (p, points++ ? "," : "");
                p = s_point (self, p, a, b, (double) (w0 - ta) / (double) (tb - ta), leg->day, w0);
            }
            if (tb >= w0 && tb <= w1) {
                p = s_text (p, points++ ? "," : "");
                p = s_node_point (self, p, leg->nodes[i], leg->day, tb);
            }
            if (ta < w1 && tb > w1) {   /* and closes on it */
                p = s_text (p, points++ ? "," : "");
                p = s_point (self, p, a, b, (double) (w1 - ta) / (double) (tb - ta), leg->day, w1);
            }
        } else if (tb >= w0 && tb <= w1) {
            p = s_node_point (self, p, leg->nodes[i], leg->day, tb);
            points++;
        }
    }
    if (points < 2)
        return;   /* touches the window at one instant only */
    p = s_text (p, "]},\"properties\":{\"vehicle\":");
    p = s_uint (p, leg->vehicle);
    p = s_text (p, ",\"fleet\":\"");
    p = s_text (p, disp_fleet_name ((disp_fleet_t) leg->fleet));
    p = s_text (p, "\",\"state\":\"");
    p = s_text (p, sim_leg_state_name (leg->state));
    p = s_text (p, "\",\"request\":");
    p = leg->request >= 0 ? s_int (p, leg->request) : s_text (p, "null");
    p = s_text (p, ",\"day\":");
    p = s_uint (p, leg->day);
    p = s_text (p, "}}");
    fwrite (self->buf, 1, (size_t) (p - self->buf), f);
    self->legs++;
}

static size_t
s_leg_bytes (size_t count)
{
    return (sizeof (s_leg_head_t) + count * (sizeof (int64_t) + sizeof (uint32_t)) + 7) / 8 * 8;
}

static void
s_format_legs (void *arg, const unsigned char *records, size_t n, FILE *f)
{
    sim_traj_t *self = arg;
    for (size_t at = 0; at < n;) {
        s_leg_head_t head;
        memcpy (&head, records + at, sizeof head);
        const unsigned char *times = records + at + sizeof head;
        sim_leg_t leg = {.day = head.day, .vehicle = head.vehicle, .fleet = head.fleet,
                         .state = (sim_leg_state_t) head.state, .request = head.request, .count = head.count,
                         .at_ms = (const int64_t *) (const void *) times,
                         .nodes = (const uint32_t *) (const void *) (times + head.count * sizeof (int64_t))};
        s_write_leg (self, &leg, f);
        at += s_leg_bytes (head.count);
    }
}

void
sim_traj_on_leg (void *traj, const sim_leg_t *leg)
{
    sim_traj_t *self = traj;
    if (!self->day || leg->vehicle >= self->humans + self->robotaxis || !self->tracked[leg->vehicle])
        return;
    int64_t w0, w1;
    s_window (self, &w0, &w1);
    if (leg->at_ms[leg->count - 1] < w0 || leg->at_ms[0] > w1)
        return;
    size_t bytes = s_leg_bytes (leg->count);
    unsigned char *rec = sim_spool_reserve (self->spool, self->legs_stream, bytes);
    if (!rec)
        return;   /* the spool fails the close */
    s_leg_head_t head = {.request = leg->request, .day = leg->day, .vehicle = leg->vehicle,
                         .count = (uint32_t) leg->count, .fleet = leg->fleet, .state = (int32_t) leg->state};
    memcpy (rec, &head, sizeof head);
    memcpy (rec + sizeof head, leg->at_ms, leg->count * sizeof (int64_t));
    memcpy (rec + sizeof head + leg->count * sizeof (int64_t), leg->nodes, leg->count * sizeof (uint32_t));
    sim_spool_commit (self->spool, self->legs_stream, bytes);
}

/* Writes fcd.csv rows and gives them to the map's frames (the spool's thread). */
static void
s_format_fcd (void *arg, const unsigned char *records, size_t n, FILE *f)
{
    sim_traj_t *self = arg;
    char text[1 << 16];
    char *p = text;
    for (size_t at = 0; at + sizeof (s_fcd_row_t) <= n; at += sizeof (s_fcd_row_t)) {
        s_fcd_row_t row;
        memcpy (&row, records + at, sizeof row);
        if (p > text + sizeof text - 256) {
            fwrite (text, 1, (size_t) (p - text), f);
            p = text;
        }
        const char *fleet = disp_fleet_name ((disp_fleet_t) row.fleet);
        const char *state = sim_leg_state_name ((sim_leg_state_t) row.state);
        p = s_uint (p, row.day);
        *p++ = ',';
        p = row.now_ms % 1000 ? s_seconds (p, row.now_ms) : s_int (p, row.now_ms / 1000);
        *p++ = ',';
        p = s_uint (p, row.vehicle);
        *p++ = ',';
        p = s_text (p, fleet);
        *p++ = ',';
        p = s_text (p, state);
        *p++ = ',';
        if (row.node != UINT32_MAX) {
            p = s_node (self, p, row.node);
        } else {
            p = s_fixed (p, row.lon, 6);
            *p++ = ',';
            p = s_fixed (p, row.lat, 6);
        }
        *p++ = ',';
        p = s_fixed (p, row.speed_kmh, 1);
        *p++ = '\n';
        /* the map's frames get the row as written (6 decimals), the same as from fcd.csv; a refused row fails the
         * close */
        const map_node_t *node = row.node != UINT32_MAX ? map_graph_node (self->graph, row.node) : NULL;
        double lon = node ? node->lon : row.lon, lat = node ? node->lat : row.lat;
        sim_report_map_frames_add (self->map, row.day, row.now_ms, row.vehicle, fleet, state,
                                   (double) llround (lon * 1e6) / 1e6, (double) llround (lat * 1e6) / 1e6);
    }
    fwrite (text, 1, (size_t) (p - text), f);
}

void
sim_traj_on_sample (void *traj, sim_world_t *world)
{
    sim_traj_t *self = traj;
    if (!self->day || !self->fcd.f)
        return;
    int64_t now = sim_world_now (world), w0, w1;
    s_window (self, &w0, &w1);
    if (now < w0 || now >= w1)
        return;
    uint32_t count = sim_world_vehicle_count (world);
    if (count > self->humans + self->robotaxis)
        count = self->humans + self->robotaxis;
    /* room for a row of every vehicle; what is used is committed */
    unsigned char *rec = sim_spool_reserve (self->spool, self->fcd_stream, (size_t) count * sizeof (s_fcd_row_t));
    if (!rec)
        return;   /* the spool fails the close */
    size_t used = 0;
    for (uint32_t v = 0; v < count; v++) {
        sim_place_t at;
        if (!self->tracked[v] || sim_world_place (world, v, &at) < 0)
            continue;
        s_fcd_row_t row = {.now_ms = now, .speed_kmh = at.speed_kmh, .day = self->day, .vehicle = v,
                           .node = at.node, .fleet = (uint8_t) at.fleet, .state = (uint8_t) at.state};
        if (at.node == UINT32_MAX) {
            row.lon = at.lon;
            row.lat = at.lat;
        }
        memcpy (rec + used, &row, sizeof row);
        used += sizeof row;
    }
    sim_spool_commit (self->spool, self->fcd_stream, used);
}

void
sim_traj_on_event (void *traj, const sim_event_t *event)
{
    sim_traj_t *self = traj;
    if (event->kind != SIM_EVENT_REQUEST || !self->day)
        return;
    int64_t w0, w1;
    s_window (self, &w0, &w1);
    if (event->time_ms < w0 || event->time_ms >= w1)
        return;
    char line[256], *p = line;
    p = s_uint (p, self->day);
    *p++ = ',';
    p = s_seconds (p, event->time_ms);
    *p++ = ',';
    p = s_int (p, event->request);
    *p++ = ',';
    p = s_text (p, disp_fleet_name ((disp_fleet_t) event->fleet));
    *p++ = ',';
    p = s_fixed (p, event->lon, 6);
    *p++ = ',';
    p = s_fixed (p, event->lat, 6);
    *p++ = '\n';
    fwrite (line, 1, (size_t) (p - line), self->requests.f);
}

static void
s_free (sim_traj_t *self)
{
    sim_report_map_frames_destroy (&self->map);
    free (self->dir);
    free (self->place);
    free (self->tracked);
    free (self->buf);
    free (self);
}

int
sim_traj_close (sim_traj_t **self_p, char *err, size_t errlen)
{
    if (!self_p || !*self_p)
        return 0;
    sim_traj_t *self = *self_p;
    *self_p = NULL;
    int rc = 0;
    if (sim_spool_finish (&self->spool) < 0)
        self->nomem = 1;
    if (self->nomem) {
        rc = map_error (err, errlen, "%s: out of memory while writing", self->trips.path);
        sim_file_abandon (&self->trips);
        sim_file_abandon (&self->requests);
        sim_file_abandon (&self->fcd);
    } else {
        fputs ("\n]}\n", self->trips.f);
        if (sim_report_map_frames_write (self->map, self->dir, err, errlen) < 0 ||
            sim_file_close (&self->trips, err, errlen) < 0 || sim_file_close (&self->requests, err, errlen) < 0 ||
            sim_file_close (&self->fcd, err, errlen) < 0)
            rc = -1;
        sim_file_abandon (&self->trips);
        sim_file_abandon (&self->requests);
        sim_file_abandon (&self->fcd);
    }
    s_free (self);
    return rc;
}

void
sim_traj_destroy (sim_traj_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_traj_t *self = *self_p;
    sim_spool_finish (&self->spool);   /* its thread writes to the files: stopped before they close */
    sim_file_abandon (&self->trips);
    sim_file_abandon (&self->fcd);
    sim_file_abandon (&self->roads);
    sim_file_abandon (&self->requests);
    s_free (self);
    *self_p = NULL;
}
