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

/* Days since 1970-01-01 of a date YYYYMMDD, and back (the proleptic Gregorian calendar). */
static long s_day_number (long date)
{
    long y = date / 10000, m = date / 100 % 100, d = date % 100;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static long s_date_of (long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    return (yoe + era * 400 + (m <= 2)) * 10000 + m * 100 + d;
}

static void s_date_text (long date, char *buf, size_t len)
{
    snprintf (buf, len, "%04u-%02u-%02u", (unsigned)(date / 10000) % 10000u, (unsigned)(date / 100) % 100u,
              (unsigned)date % 100u);
}

static int s_long_cmp (const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The dates held (ascending, distinct) as runs of consecutive days, "2024-05-01 to 2024-05-07, 2024-05-09", at most
 * 6 runs and then how many dates more. */
static void s_dates_text (const long *held, size_t n, char *buf, size_t len)
{
    int at = 0, runs = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && at >= 0 && (size_t)at < len;) {
        size_t j = i;
        while (j + 1 < n && s_day_number (held[j + 1]) == s_day_number (held[j]) + 1)
            j++;
        if (runs == 6) {
            snprintf (buf + at, len - at, " and %zu dates more", n - i);
            return;
        }
        char a[16], b[16];
        s_date_text (held[i], a, sizeof a);
        s_date_text (held[j], b, sizeof b);
        at += j > i ? snprintf (buf + at, len - at, "%s%s to %s", runs ? ", " : "", a, b)
                    : snprintf (buf + at, len - at, "%s%s", runs ? ", " : "", a);
        runs++;
        i = j + 1;
    }
}

typedef struct {
    sim_trip_t trip;
    size_t row;  /* file order, to keep rows of the same time in it */
    long date;   /* YYYYMMDD, or 0: a time without a date */
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

/* Which date each day of the run plays (days[k].date, and the date as a number into plays[k]), from the dates the
 * file holds. 0, or -1 with why in err. */
static int s_plan_days (const sim_config_t *cfg, const char *path, long first, const long *held, size_t nheld,
                        long *plays, sim_tripfile_t *out, char *err, size_t errlen)
{
    uint32_t days = (uint32_t)cfg->scenario.days;
    char have[512], date[16];
    s_dates_text (held, nheld, have, sizeof have);
    if (strcmp (cfg->demand.file_dates, "file") == 0) {
        size_t from = 0; /* the held dates from the first day on, taken in turn */
        while (from < nheld && held[from] < first)
            from++;
        if (from == nheld) {
            s_date_text (first, date, sizeof date);
            return map_error (err, errlen, "%s: no row of %s or later (demand.file_day); the file holds %s", path,
                              date, have);
        }
        for (uint32_t k = 0; k < days; k++)
            plays[k] = held[from + k % (nheld - from)];
    } else {
        for (uint32_t k = 0; k < days; k++) {
            plays[k] = s_date_of (s_day_number (first) + k);
            if (!bsearch (&plays[k], held, nheld, sizeof *held, s_long_cmp)) {
                s_date_text (plays[k], date, sizeof date);
                return map_error (err, errlen,
                                  "%s: no row of %s (day %u of the run); the file holds %s "
                                  "(demand.file_dates = file plays the dates it holds, one a day)",
                                  path, date, k + 1, have);
            }
        }
    }
    for (uint32_t k = 0; k < days; k++)
        s_date_text (plays[k], out->days[k].date, sizeof out->days[k].date);
    return 0;
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
    s_row_t *rows = NULL, *played = NULL;
    double *secs = NULL;
    long *dates = NULL, *held = NULL, *plays = NULL, *uniq = NULL;
    size_t *held_rows = NULL;
    map_proj_t *proj = NULL;
    const map_graph_t *g = map_net_graph (net);
    size_t n = map_graph_node_count (g);
    uint32_t run_days = cfg->scenario.days > 0 ? (uint32_t)cfg->scenario.days : 1;
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
        c_patience = s_col (&csv, cfg->demand.col_patience), c_dropoff = s_col (&csv, cfg->demand.col_dropoff_time),
        c_ref = s_col (&csv, cfg->demand.col_request);
    int lonlat = c[0] >= 0 && c[1] >= 0 && c[2] >= 0 && c[3] >= 0, nodes = c[4] >= 0 && c[5] >= 0;
    if (c_time < 0) {
        map_error (err, errlen, "%s:1: no column '%s' (demand.col_time)", path, cfg->demand.col_time);
        goto done;
    }
    /* the default's column may be absent (the line numbers name the rows), a column the user named may not */
    if (c_ref < 0 && strcmp (cfg->demand.col_request, "request_id") != 0) {
        map_error (err, errlen, "%s:1: no column '%s' (demand.col_request)", path, cfg->demand.col_request);
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
    size_t alloc = csv.nrows ? csv.nrows : 1;
    rows = malloc (alloc * sizeof *rows);
    secs = malloc (alloc * sizeof *secs);
    dates = malloc (alloc * sizeof *dates);
    held = malloc (alloc * sizeof *held);
    held_rows = calloc (alloc, sizeof *held_rows);
    plays = malloc (run_days * sizeof *plays);
    uniq = malloc (run_days * sizeof *uniq);
    out->days = calloc (run_days, sizeof *out->days);
    if (!rows || !secs || !dates || !held || !held_rows || !plays || !uniq || !out->days) {
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
    /* First the times, to know which dates the file holds and which ones the run plays. */
    size_t nheld = 0, dateless = 0;
    for (size_t r = 0; r < csv.nrows; r++) {
        if (s_time (sim_csv_cell (&csv, r, c_time), &secs[r], &dates[r]) != 0 ||
            llround (secs[r] * 1000.0) >= 86400000) {
            dates[r] = -1; /* a bad time */
            continue;
        }
        if (!dates[r]) {
            dateless++;
            continue;
        }
        if (!day) day = dates[r]; /* the first dated row's day */
        held[nheld++] = dates[r];
    }
    qsort (held, nheld, sizeof *held, s_long_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < nheld; i++)
        if (!distinct || held[i] != held[distinct - 1]) held[distinct++] = held[i];
    nheld = distinct;
    int dated = nheld > 0;
    out->day_count = dated ? run_days : 1;
    if (dated) {
        if (s_plan_days (cfg, path, day, held, nheld, plays, out, err, errlen) < 0) goto done;
        for (size_t r = 0; r < csv.nrows; r++)
            if (dates[r] > 0) held_rows[(long *)bsearch (&dates[r], held, nheld, sizeof *held, s_long_cmp) - held]++;
    }
    /* the distinct dates played, ascending: each is one stretch of out->trips */
    size_t nuniq = 0;
    for (uint32_t k = 0; dated && k < run_days; k++)
        uniq[nuniq++] = plays[k];
    qsort (uniq, nuniq, sizeof *uniq, s_long_cmp);
    distinct = 0;
    for (size_t i = 0; i < nuniq; i++)
        if (!distinct || uniq[i] != uniq[distinct - 1]) uniq[distinct++] = uniq[i];
    nuniq = distinct;
    size_t kept = 0;
    for (size_t r = 0; r < csv.nrows; r++) {
        int line = csv.lines[r];
        int why = -1;
        double sec = secs[r];
        long date = dates[r];
        sim_trip_t t = {.fleet = -1};
        if (date < 0) why = SIM_TRIPFILE_BAD_TIME;
        if (why < 0 && date && !bsearch (&date, uniq, nuniq, sizeof *uniq, s_long_cmp)) why = SIM_TRIPFILE_OTHER_DAY;
        if (why < 0) t.time_ms = (int64_t)llround (sec * 1000.0);
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
        rows[kept++] = (s_row_t){.trip = t, .row = r, .date = date};
    }
    out->rows = csv.nrows;
    if (dated) s_date_text (plays[0], out->day, sizeof out->day);
    /* Each request is named by its id cell, or its line: the names are copied out of the file's text. */
    size_t ref_len = 0;
    char linebuf[24];
    for (size_t i = 0; i < kept; i++)
        ref_len += (c_ref >= 0 ? strlen (sim_csv_cell (&csv, rows[i].row, c_ref))
                               : (size_t)snprintf (linebuf, sizeof linebuf, "%d", csv.lines[rows[i].row])) +
                   1;
    out->refs = malloc (ref_len ? ref_len : 1);
    if (!out->refs) {
        map_error (err, errlen, "out of memory");
        goto done;
    }
    char *at_ref = out->refs;
    for (size_t i = 0; i < kept; i++) {
        if (c_ref >= 0)
            strcpy (at_ref, sim_csv_cell (&csv, rows[i].row, c_ref));
        else
            sprintf (at_ref, "%d", csv.lines[rows[i].row]);
        rows[i].trip.ref = at_ref;
        at_ref += strlen (at_ref) + 1;
    }
    /* Scaling: each row is played floor(scale) times, and once more with the fractional part's chance. */
    double scale = cfg->demand.file_scale, whole = floor (scale), frac = scale - whole;
    sim_rng_t rng;
    sim_rng_seed_day (&rng, cfg->scenario.seed, SIM_STREAM_TRIPFILE, 0);
    /* at most whole + 1 copies of each row */
    played = malloc ((kept ? kept : 1) * (size_t)(whole + 1) * sizeof *played);
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
    /* one stretch per date played (rows without a date in each), or one for all */
    size_t stretches = dated ? nuniq : 1, room = 0;
    for (size_t i = 0; i < total; i++)
        room += played[i].date ? 1 : stretches;
    out->trips = malloc ((room ? room : 1) * sizeof *out->trips);
    if (!out->trips) {
        map_error (err, errlen, "out of memory");
        goto done;
    }
    for (size_t u = 0; u < stretches; u++) {
        size_t first = out->count;
        for (size_t i = 0; i < total; i++)
            if (!dated || !played[i].date || played[i].date == uniq[u]) out->trips[out->count++] = played[i].trip;
        for (size_t k = 0; k < out->day_count; k++) {
            if (dated && plays[k] != uniq[u]) continue;
            out->days[k].first = first;
            out->days[k].count = out->count - first;
            out->days[k].rows = dateless + (dated ? held_rows[(long *)bsearch (&uniq[u], held, nheld, sizeof *held,
                                                                                s_long_cmp) -
                                                              held]
                                                  : 0);
        }
    }
    for (size_t k = 0; k < out->day_count; k++) {
        if (out->days[k].count > 0) continue;
        char what[512];
        sim_tripfile_describe (out, path, what, sizeof what);
        if (dated && out->day_count > 1)
            map_error (err, errlen, "%s: no row of %s (day %zu of the run) can be played (%s)", path,
                       out->days[k].date, k + 1, what);
        else
            map_error (err, errlen, "%s: no row can be played (%s)", path, what);
        goto done;
    }
    rc = 0;
done:
    if (rc != 0) sim_tripfile_free (out);
    map_proj_destroy (&proj);
    free (rows);
    free (played);
    free (secs);
    free (dates);
    free (held);
    free (held_rows);
    free (plays);
    free (uniq);
    sim_csv_free (&csv);
    return rc;
}

const sim_trip_t *sim_tripfile_trips (const sim_tripfile_t *self, uint32_t day, size_t *count)
{
    const sim_tripfile_day_t *d = &self->days[day < self->day_count ? day : 0];
    *count = d->count;
    return self->trips + d->first;
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
    int at;
    if (self->day_count <= 1) {
        at = snprintf (buf, len, "demand.file %s: %zu rows%s%s, %zu played", base ? base + 1 : path, self->rows,
                       self->day[0] ? " of " : "", self->day, self->count);
    } else if (self->day_count <= SIM_TRIPFILE_DAYS_NAMED) {
        at = snprintf (buf, len, "demand.file %s: %zu rows", base ? base + 1 : path, self->rows);
        for (size_t k = 0; k < self->day_count && at >= 0 && (size_t)at < len; k++)
            at += snprintf (buf + at, len - at, ", %zu %s %s", self->days[k].count, k ? "of" : "played of",
                            self->days[k].date);
    } else {
        size_t sum = 0, least = self->days[0].count, most = 0;
        for (size_t k = 0; k < self->day_count; k++) {
            sum += self->days[k].count;
            least = self->days[k].count < least ? self->days[k].count : least;
            most = self->days[k].count > most ? self->days[k].count : most;
        }
        at = snprintf (buf, len, "demand.file %s: %zu rows, %zu played over %zu days (%s on day 1, %s on day %zu; %zu "
                       "to %zu a day)", base ? base + 1 : path, self->rows, sum, self->day_count, self->days[0].date,
                       self->days[self->day_count - 1].date, self->day_count, least, most);
    }
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
    free (self->days);
    free (self->refs);
    memset (self, 0, sizeof *self);
}
