/* sim_tripfile: a day's demand read from a trips CSV (see sim_tripfile.h). */
#include "sim_tripfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "map_error.h"
#include "map_graph.h"
#include "map_proj.h"
#include "sim_csv.h"
#include "sim_rng.h"

#define S_DAY_S 86400.0

static const char *const s_reason_text[SIM_TRIPFILE_REASONS] = {
    [SIM_TRIPFILE_BAD_TIME] = "a time this reader does not know, or past the day",
    [SIM_TRIPFILE_OTHER_DAY] = "another day",
    [SIM_TRIPFILE_BAD_PLACE] = "a place that is not a number, or a node id not of the map",
    [SIM_TRIPFILE_OFF_MAP] = "off the map (no road within demand.snap_m)",
    [SIM_TRIPFILE_SAME_NODE] = "origin and destination on the same road node",
    [SIM_TRIPFILE_DROPOFF_FIRST] = "a drop-off before the pickup",
    [SIM_TRIPFILE_BAD_FLEET] = "a fleet other than robotaxi, human or any",
    [SIM_TRIPFILE_BAD_PATIENCE] = "a patience that is not a positive number of minutes",
};

static int s_days_in_month (int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* A time of a row: seconds after midnight into *sec, and its date as YYYYMMDD into *date (0 when it has none).
 * Accepted: seconds of the day; HH:MM[:SS]; YYYY-MM-DD HH:MM[:SS] (or a T between, a Z after); MM/DD/YYYY
 * hh:mm[:ss] AM|PM. 0, or -1 when it is none of these or out of range. */
static int s_time (const char *s, double *sec, long *date)
{
    enum { S_ISO, S_US, S_CLOCK } form;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, n = 0;
    *date = 0;
    if (sim_csv_parse_number (s, sec) == 0) return *sec >= 0 && *sec < S_DAY_S ? 0 : -1;
    if (sscanf (s, "%4d-%2d-%2d%*1[T ]%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) == 5)
        form = S_ISO;
    else if ((y = mo = d = h = mi = n = 0, sscanf (s, "%2d/%2d/%4d %2d:%2d%n", &mo, &d, &y, &h, &mi, &n) == 5))
        form = S_US;
    else if ((y = mo = d = h = mi = n = 0, sscanf (s, "%2d:%2d%n", &h, &mi, &n) == 2))
        form = S_CLOCK;
    else
        return -1;
    /* what follows the minutes: seconds, then a Z (ISO) or AM / PM (US) */
    const char *rest = s + n;
    double sc = 0;
    int used = 0;
    if (rest[0] == ':') {
        if (sscanf (rest, ":%lf%n", &sc, &used) != 1) return -1;
        rest += used;
    }
    if (form == S_ISO && rest[0] == 'Z') rest++;
    if (form == S_US) {
        char ampm[3] = "";
        if (sscanf (rest, " %2[APMapm]%n", ampm, &used) != 1 ||
            (strcasecmp (ampm, "AM") != 0 && strcasecmp (ampm, "PM") != 0) || h < 1 || h > 12)
            return -1;
        h = h % 12 + (strcasecmp (ampm, "PM") == 0 ? 12 : 0);
        rest += used;
    }
    if (*rest) return -1;
    if (y) {
        if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > s_days_in_month (y, mo)) return -1;
        *date = (long)y * 10000 + mo * 100 + d;
    }
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || !(sc >= 0 && sc < 60)) return -1;
    *sec = h * 3600.0 + mi * 60.0 + sc;
    return 0;
}

typedef struct {
    sim_trip_t trip;
    size_t row; /* file order, to keep rows of the same time in it */
} s_row_t;

static int s_row_cmp (const void *a, const void *b)
{
    const s_row_t *x = a, *y = b;
    if (x->trip.time_ms != y->trip.time_ms) return x->trip.time_ms < y->trip.time_ms ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* The column named by a key's value, or -1 (an optional column may be absent). */
static int s_col (const sim_csv_t *csv, const char *name)
{
    return name[0] ? sim_csv_col (csv, name) : -1;
}

int sim_tripfile_load (const sim_config_t *cfg, const map_net_t *net, sim_tripfile_t *out, char *err, size_t errlen)
{
    const char *path = cfg->demand.file;
    memset (out, 0, sizeof *out);
    sim_csv_t csv = {0};
    int loaded = sim_csv_load (&csv, path, err, errlen);
    if (loaded == 1) {
        map_error (err, errlen, "demand.file: %s: no such file", path);
        return 1;
    }
    if (loaded < 0) return -1;
    int rc = -1;
    s_row_t *rows = NULL;
    map_proj_t *proj = NULL;
    const map_graph_t *g = map_net_graph (net);
    size_t n = map_graph_node_count (g);
    const struct demand_cols {
        const char *key, *name;
    } cols[] = {{"demand.col_origin_lon", cfg->demand.col_origin_lon},
                {"demand.col_origin_lat", cfg->demand.col_origin_lat},
                {"demand.col_destination_lon", cfg->demand.col_destination_lon},
                {"demand.col_destination_lat", cfg->demand.col_destination_lat},
                {"demand.col_origin", cfg->demand.col_origin},
                {"demand.col_destination", cfg->demand.col_destination}};
    int c[6];
    for (int i = 0; i < 6; i++)
        c[i] = s_col (&csv, cols[i].name);
    int c_time = s_col (&csv, cfg->demand.col_time), c_fleet = s_col (&csv, cfg->demand.col_fleet),
        c_patience = s_col (&csv, cfg->demand.col_patience), c_dropoff = s_col (&csv, cfg->demand.col_dropoff_time);
    int lonlat = c[0] >= 0 && c[1] >= 0 && c[2] >= 0 && c[3] >= 0, nodes = c[4] >= 0 && c[5] >= 0;
    if (c_time < 0) {
        map_error (err, errlen, "%s:1: no column '%s' (demand.col_time)", path, cfg->demand.col_time);
        goto done;
    }
    if (!lonlat && !nodes) {
        map_error (
            err, errlen,
            "%s:1: no places: give columns '%s', '%s', '%s' and '%s' (lon/lat), or '%s' and '%s' (road node ids); "
            "the demand.col_* keys name them",
            path, cols[0].name, cols[1].name, cols[2].name, cols[3].name, cols[4].name, cols[5].name);
        goto done;
    }
    if (lonlat && !(proj = map_proj_new (map_graph_epsg (g), err, errlen))) goto done;
    rows = malloc ((csv.nrows ? csv.nrows : 1) * sizeof *rows);
    if (!rows) {
        map_error (err, errlen, "out of memory");
        goto done;
    }
    long day = 0;
    if (strcmp (cfg->demand.file_day, "first") != 0) {
        double unused;
        char probe[64];
        snprintf (probe, sizeof probe, "%s 00:00", cfg->demand.file_day);
        if (s_time (probe, &unused, &day) != 0 || !day) {
            map_error (err, errlen, "demand.file_day: '%s' is not a date YYYY-MM-DD", cfg->demand.file_day);
            goto done;
        }
    }
    size_t kept = 0;
    for (size_t r = 0; r < csv.nrows; r++) {
        int line = csv.lines[r];
        int why = -1;
        double sec = 0;
        long date = 0;
        sim_trip_t t = {.fleet = -1};
        if (s_time (sim_csv_cell (&csv, r, c_time), &sec, &date) != 0) why = SIM_TRIPFILE_BAD_TIME;
        if (why < 0 && date) {
            if (!day) day = date; /* the first dated row's day */
            if (date != day) why = SIM_TRIPFILE_OTHER_DAY;
        }
        if (why < 0) {
            t.time_ms = (int64_t)llround (sec * 1000.0);
            if (t.time_ms >= 86400000) why = SIM_TRIPFILE_BAD_TIME;
        }
        if (why < 0 && lonlat) {
            double v[4], x, y;
            char perr[256];
            for (int i = 0; i < 4 && why < 0; i++)
                if (sim_csv_parse_number (sim_csv_cell (&csv, r, c[i]), &v[i]) != 0 || !isfinite (v[i]))
                    why = SIM_TRIPFILE_BAD_PLACE;
            for (int end = 0; end < 2 && why < 0; end++) {
                if (map_proj_forward (proj, v[2 * end], v[2 * end + 1], &x, &y, perr, sizeof perr) != 0) {
                    why = SIM_TRIPFILE_OFF_MAP; /* a number, but nowhere near the map's projection */
                    break;
                }
                uint32_t node = map_graph_nearest_within (g, x, y, cfg->demand.snap_m);
                if (node == MAP_NODE_NONE)
                    why = SIM_TRIPFILE_OFF_MAP;
                else if (end == 0)
                    t.origin = node;
                else
                    t.destination = node;
            }
        } else if (why < 0) {
            for (int end = 0; end < 2 && why < 0; end++) {
                double v;
                if (sim_csv_parse_number (sim_csv_cell (&csv, r, c[4 + end]), &v) != 0 || v < 0 || v >= (double)n ||
                    v != floor (v))
                    why = SIM_TRIPFILE_BAD_PLACE;
                else if (end == 0)
                    t.origin = (uint32_t)v;
                else
                    t.destination = (uint32_t)v;
            }
        }
        if (why < 0 && t.origin == t.destination) why = SIM_TRIPFILE_SAME_NODE;
        if (why < 0 && c_dropoff >= 0 && sim_csv_cell (&csv, r, c_dropoff)[0]) {
            double dsec;
            long ddate;
            if (s_time (sim_csv_cell (&csv, r, c_dropoff), &dsec, &ddate) != 0)
                why = SIM_TRIPFILE_BAD_TIME;
            else if ((ddate && date && ddate < date) || ((!ddate || !date || ddate == date) && dsec < sec))
                why = SIM_TRIPFILE_DROPOFF_FIRST;
        }
        if (why < 0 && c_fleet >= 0) {
            const char *f = sim_csv_cell (&csv, r, c_fleet);
            if (!f[0] || strcasecmp (f, "any") == 0)
                t.fleet = -1;
            else if (strcasecmp (f, "robotaxi") == 0)
                t.fleet = DISP_FLEET_ROBOTAXI;
            else if (strcasecmp (f, "human") == 0)
                t.fleet = DISP_FLEET_HUMAN;
            else
                why = SIM_TRIPFILE_BAD_FLEET;
        }
        if (why < 0 && c_patience >= 0 && sim_csv_cell (&csv, r, c_patience)[0]) {
            double p;
            if (sim_csv_parse_number (sim_csv_cell (&csv, r, c_patience), &p) != 0 || !(p > 0) || p > 1440)
                why = SIM_TRIPFILE_BAD_PATIENCE;
            else
                t.patience_min = p;
        }
        if (why >= 0) {
            if (cfg->demand.file_strict) {
                map_error (err, errlen, "%s:%d: %s (demand.file_strict)", path, line, s_reason_text[why]);
                goto done;
            }
            if (out->skipped[why] < SIM_TRIPFILE_LINES_KEPT) out->lines[why][out->skipped[why]] = line;
            out->skipped[why]++;
            continue;
        }
        rows[kept++] = (s_row_t){.trip = t, .row = r};
    }
    out->rows = csv.nrows;
    if (day) snprintf (out->day, sizeof out->day, "%04ld-%02ld-%02ld", day / 10000, day / 100 % 100, day % 100);
    /* Scaling: each row is played floor(scale) times, and once more with the fractional part's chance. */
    double scale = cfg->demand.file_scale, whole = floor (scale), frac = scale - whole;
    sim_rng_t rng;
    sim_rng_seed_day (&rng, cfg->scenario.seed, SIM_STREAM_TRIPFILE, 0);
    /* at most whole + 1 copies of each row */
    s_row_t *played = malloc ((kept ? kept : 1) * (size_t)(whole + 1) * sizeof *played);
    if (!played) {
        map_error (err, errlen, "out of memory");
        goto done;
    }
    size_t total = 0;
    for (size_t i = 0; i < kept; i++) {
        int copies = (int)whole + (frac > 0 && sim_rng_uniform (&rng) < frac ? 1 : 0);
        for (int k = 0; k < copies; k++)
            played[total++] = rows[i];
    }
    qsort (played, total, sizeof *played, s_row_cmp);
    out->trips = malloc ((total ? total : 1) * sizeof *out->trips);
    if (!out->trips) {
        free (played);
        map_error (err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < total; i++)
        out->trips[i] = played[i].trip;
    out->count = total;
    free (played);
    if (total == 0) {
        char what[512];
        sim_tripfile_describe (out, path, what, sizeof what);
        map_error (err, errlen, "%s: no row can be played (%s)", path, what);
        sim_tripfile_free (out);
        goto done;
    }
    rc = 0;
done:
    map_proj_destroy (&proj);
    free (rows);
    sim_csv_free (&csv);
    return rc;
}

size_t sim_tripfile_not_played (const sim_tripfile_t *self)
{
    size_t skipped = 0;
    for (int w = 0; w < SIM_TRIPFILE_REASONS; w++)
        skipped += self->skipped[w];
    return skipped;
}

void sim_tripfile_describe (const sim_tripfile_t *self, const char *path, char *buf, size_t len)
{
    size_t skipped = sim_tripfile_not_played (self);
    const char *base = strrchr (path, '/');
    int at = snprintf (buf, len, "demand.file %s: %zu rows%s%s, %zu played", base ? base + 1 : path, self->rows,
                       self->day[0] ? " of " : "", self->day, self->count);
    if (skipped && at >= 0 && (size_t)at < len) at += snprintf (buf + at, len - at, "; %zu not played:", skipped);
    int first = 1;
    for (int w = 0; w < SIM_TRIPFILE_REASONS; w++) {
        if (!self->skipped[w] || at < 0 || (size_t)at >= len) continue;
        at += snprintf (buf + at, len - at, "%s %zu %s (line", first ? "" : ",", self->skipped[w], s_reason_text[w]);
        size_t shown = self->skipped[w] < SIM_TRIPFILE_LINES_KEPT ? self->skipped[w] : SIM_TRIPFILE_LINES_KEPT;
        for (size_t i = 0; i < shown && at >= 0 && (size_t)at < len; i++)
            at += snprintf (buf + at, len - at, "%s %d", i ? "," : (shown > 1 ? "s" : ""), self->lines[w][i]);
        if (at >= 0 && (size_t)at < len)
            at += snprintf (buf + at, len - at, "%s)", self->skipped[w] > shown ? ", ..." : "");
        first = 0;
    }
}

void sim_tripfile_free (sim_tripfile_t *self)
{
    free (self->trips);
    memset (self, 0, sizeof *self);
}
