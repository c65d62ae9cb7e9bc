/* sim_evdiff: reading events logs and comparing two of them an instant at a time. */
#define _POSIX_C_SOURCE 200809L /* getline */
#include "sim_evdiff.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_types.h"
#include "map_error.h"

/* ---- reading ---------------------------------------------------------------------------------------------- */

typedef enum {
    S_DAY = 0,
    S_TIME,
    S_EVENT,
    S_VEHICLE,
    S_FLEET,
    S_REQUEST,
    S_NODE,
    S_LON,
    S_LAT,
    S_COLUMNS
} s_column_t;

static const char *const s_column_names[S_COLUMNS] = {"day",     "time_s", "event", "vehicle", "fleet",
                                                      "request", "node",   "lon",   "lat"};

/* A field of the current line: not NUL-terminated. */
typedef struct {
    const char *s;
    size_t len;
} s_field_t;

struct sim_evdiff_reader_t {
    FILE *f;
    char *name; /* as messages call the file */
    char *buf;  /* the current line (getline's buffer) */
    size_t cap;
    size_t line;              /* number of the current line */
    size_t header_fields;     /* fields of the header: every row has as many */
    size_t column[S_COLUMNS]; /* field index of each column */
    s_field_t *fields;        /* [header_fields] of the current row */
    int has_last;             /* the last row's instant, for the order checks */
    uint32_t last_day;
    int64_t last_ms;
    size_t last_line;
};

/* "NAME:LINE: column: why" into err. Returns -1. */
static int s_row_error (const sim_evdiff_reader_t *self, s_column_t col, char *err, size_t errlen, const char *fmt,
                        ...) __attribute__ ((format (printf, 5, 6)));

static int s_row_error (const sim_evdiff_reader_t *self, s_column_t col, char *err, size_t errlen, const char *fmt,
                        ...)
{
    char why[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (why, sizeof why, fmt, ap);
    va_end (ap);
    return map_error (err, errlen, "%s:%zu: %s: %s", self->name, self->line, s_column_names[col], why);
}

/* Reads the next line that carries data (not blank, not a '#' comment) into self->buf without its line end.
 * 1, 0 at the end of the file, -1 with "NAME: why" on a read error. */
static int s_next_line (sim_evdiff_reader_t *self, char *err, size_t errlen)
{
    for (;;) {
        errno = 0;
        ssize_t n = getline (&self->buf, &self->cap, self->f);
        if (n < 0) {
            if (ferror (self->f))
                return map_error (err, errlen, "%s: %s", self->name, errno ? strerror (errno) : "read error");
            return 0;
        }
        self->line++;
        while (n > 0 && (self->buf[n - 1] == '\n' || self->buf[n - 1] == '\r'))
            self->buf[--n] = '\0';
        if (self->buf[0] == '#') continue;
        ssize_t i = 0;
        while (i < n && (self->buf[i] == ' ' || self->buf[i] == '\t'))
            i++;
        if (i < n) return 1;
    }
}

/* The comma that ends the field at p, or NULL for the last: a field in double quotes (events.csv's trip) may hold
 * commas, and "" for a quote. */
static char *s_field_end (char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '"')
        for (p++; *p; p++)
            if (*p == '"' && *++p != '"') break;
    return strchr (p, ',');
}

/* Splits the current line at commas into fields (blanks around each trimmed). Returns how many fields the line
 * has; only the first `max` are stored. */
static size_t s_split (char *line, s_field_t *fields, size_t max)
{
    size_t n = 0;
    for (char *p = line;;) {
        char *end = s_field_end (p);
        size_t len = end ? (size_t)(end - p) : strlen (p);
        const char *s = p;
        while (len > 0 && (*s == ' ' || *s == '\t'))
            s++, len--;
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (n < max) fields[n] = (s_field_t){s, len};
        n++;
        if (!end) return n;
        p = end + 1;
    }
}

sim_evdiff_reader_t *sim_evdiff_reader_open (const char *path, const char *name, char *err, size_t errlen)
{
    sim_evdiff_reader_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "out of memory");
        return NULL;
    }
    self->name = strdup (name ? name : path);
    if (!self->name) {
        map_error (err, errlen, "out of memory");
        goto fail;
    }
    self->f = fopen (path, "r");
    if (!self->f) {
        map_error (err, errlen, "%s: %s", self->name, strerror (errno));
        goto fail;
    }
    int rc = s_next_line (self, err, errlen);
    if (rc < 0) goto fail;
    if (rc == 0) {
        map_error (err, errlen, "%s: no header line (" SIM_EVENTS_COLUMNS ")", self->name);
        goto fail;
    }
    /* a UTF-8 byte order mark, as some spreadsheets write it, is not part of the first name */
    char *header = self->buf;
    if (strncmp (header, "\xEF\xBB\xBF", 3) == 0) header += 3;
    size_t n = s_split (header, NULL, 0);
    self->header_fields = n;
    self->fields = calloc (n, sizeof *self->fields);
    if (!self->fields) {
        map_error (err, errlen, "out of memory");
        goto fail;
    }
    s_split (header, self->fields, n);
    for (int c = 0; c < S_COLUMNS; c++) {
        size_t found = n;
        for (size_t i = 0; i < n; i++) {
            if (self->fields[i].len != strlen (s_column_names[c]) ||
                memcmp (self->fields[i].s, s_column_names[c], self->fields[i].len) != 0)
                continue;
            if (found < n) {
                s_row_error (self, (s_column_t)c, err, errlen,
                             "column named twice in the header (fields %zu and %zu)", found + 1, i + 1);
                goto fail;
            }
            found = i;
        }
        if (found == n) {
            s_row_error (self, (s_column_t)c, err, errlen,
                         "missing column (the header needs " SIM_EVENTS_COLUMNS ")");
            goto fail;
        }
        self->column[c] = found;
    }
    return self;
fail:
    sim_evdiff_reader_destroy (&self);
    return NULL;
}

void sim_evdiff_reader_destroy (sim_evdiff_reader_t **self_p)
{
    if (!self_p || !*self_p) return;
    sim_evdiff_reader_t *self = *self_p;
    if (self->f) fclose (self->f);
    free (self->name);
    free (self->buf);
    free (self->fields);
    free (self);
    *self_p = NULL;
}

/* A whole number of digits only, at most max. 0, or -1 when f is anything else. */
static int s_parse_whole (s_field_t f, uint64_t max, uint64_t *out)
{
    if (f.len == 0) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < f.len; i++) {
        if (f.s[i] < '0' || f.s[i] > '9') return -1;
        unsigned d = (unsigned)(f.s[i] - '0');
        if (v > (max - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Seconds written in decimal ("28800", "28800.5", "28800.500") as integer milliseconds, so equal times compare
 * equal whatever the decimals. 0; -1 when f is not such a number; -2 when it holds a fraction of a millisecond. */
static int s_parse_ms (s_field_t f, int64_t *out)
{
    size_t i = 0;
    int64_t sec = 0, ms = 0;
    if (f.len == 0 || f.s[0] < '0' || f.s[0] > '9') return -1;
    for (; i < f.len && f.s[i] >= '0' && f.s[i] <= '9'; i++) {
        if (sec > (INT64_MAX / 1000 - 9) / 10) return -1;
        sec = sec * 10 + (f.s[i] - '0');
    }
    if (i < f.len && f.s[i] == '.') {
        int decimals = 0, finer = 0;
        for (i++; i < f.len && f.s[i] >= '0' && f.s[i] <= '9'; i++, decimals++) {
            if (decimals < 3)
                ms = ms * 10 + (f.s[i] - '0');
            else if (f.s[i] != '0')
                finer = 1;
        }
        for (; decimals < 3; decimals++)
            ms *= 10;
        if (i == f.len && finer) return -2;
    }
    if (i != f.len) return -1;
    *out = sec * 1000 + ms;
    return 0;
}

/* A decimal number (strtod's syntax) that is all of f. 0, or -1. */
static int s_parse_real (s_field_t f, double *out)
{
    char buf[64];
    if (f.len == 0 || f.len >= sizeof buf) return -1;
    memcpy (buf, f.s, f.len);
    buf[f.len] = '\0';
    char *end;
    errno = 0;
    double v = strtod (buf, &end);
    if (*end || errno == ERANGE || !isfinite (v)) return -1;
    *out = v;
    return 0;
}

/* An optional id (vehicle, request, node): SIM_EVENT_NONE when empty. 0, or -1 with the message. */
static int s_parse_id (sim_evdiff_reader_t *self, s_column_t col, int64_t *out, char *err, size_t errlen)
{
    s_field_t f = self->fields[self->column[col]];
    uint64_t v;
    *out = SIM_EVENT_NONE;
    if (f.len == 0) return 0;
    if (s_parse_whole (f, INT64_MAX, &v) < 0)
        return s_row_error (self, col, err, errlen, "'%.*s' is not a whole number (an id: 0, 1, 2, ...)", (int)f.len,
                            f.s);
    *out = (int64_t)v;
    return 0;
}

/* An optional position coordinate within [-limit, limit]: NAN when empty. 0, or -1 with the message. */
static int s_parse_coord (sim_evdiff_reader_t *self, s_column_t col, double limit, double *out, char *err,
                          size_t errlen)
{
    s_field_t f = self->fields[self->column[col]];
    *out = NAN;
    if (f.len == 0) return 0;
    if (s_parse_real (f, out) < 0)
        return s_row_error (self, col, err, errlen, "'%.*s' is not a number", (int)f.len, f.s);
    if (*out < -limit || *out > limit)
        return s_row_error (self, col, err, errlen, "%.*s is out of range (-%g .. %g degrees)", (int)f.len, f.s,
                            limit, limit);
    return 0;
}

/* Parses the current line into row. 0, or -1 with the message. */
static int s_parse_row (sim_evdiff_reader_t *self, sim_event_t *row, char *err, size_t errlen)
{
    size_t n = s_split (self->buf, self->fields, self->header_fields);
    if (n != self->header_fields)
        return map_error (err, errlen, "%s:%zu: %zu fields where the header has %zu", self->name, self->line, n,
                          self->header_fields);
    memset (row, 0, sizeof *row);
    s_field_t f = self->fields[self->column[S_DAY]];
    uint64_t day;
    if (f.len == 0) return s_row_error (self, S_DAY, err, errlen, "empty (a day is 1, 2, ...)");
    if (s_parse_whole (f, UINT32_MAX, &day) < 0 || day == 0)
        return s_row_error (self, S_DAY, err, errlen, "'%.*s' is not a day (1, 2, ...)", (int)f.len, f.s);
    row->day = (uint32_t)day;

    f = self->fields[self->column[S_TIME]];
    if (f.len == 0) return s_row_error (self, S_TIME, err, errlen, "empty (seconds since the day's midnight)");
    int rc = s_parse_ms (f, &row->time_ms);
    if (rc == -2)
        return s_row_error (self, S_TIME, err, errlen, "'%.*s' holds a fraction of a millisecond", (int)f.len, f.s);
    if (rc < 0) return s_row_error (self, S_TIME, err, errlen, "'%.*s' is not a number", (int)f.len, f.s);

    f = self->fields[self->column[S_EVENT]];
    if (f.len == 0 || sim_event_kind_parse (f.s, f.len, &row->kind) < 0) {
        char names[256] = "";
        for (int k = 0; k < SIM_EVENT_KIND_COUNT; k++)
            snprintf (names + strlen (names), sizeof names - strlen (names), "%s%s", k ? ", " : "",
                      sim_event_kind_name ((sim_event_kind_t)k));
        if (f.len == 0) return s_row_error (self, S_EVENT, err, errlen, "empty (one of %s)", names);
        return s_row_error (self, S_EVENT, err, errlen, "unknown event '%.*s' (%s)", (int)f.len, f.s, names);
    }

    f = self->fields[self->column[S_FLEET]];
    row->fleet = SIM_EVENT_NONE;
    for (int fl = 0; f.len > 0 && fl < DISP_FLEET_COUNT; fl++) {
        const char *name = disp_fleet_name ((disp_fleet_t)fl);
        if (strlen (name) == f.len && memcmp (name, f.s, f.len) == 0) row->fleet = fl;
    }
    if (f.len > 0 && row->fleet == SIM_EVENT_NONE)
        return s_row_error (self, S_FLEET, err, errlen, "unknown fleet '%.*s' (robotaxi, human)", (int)f.len, f.s);

    if (s_parse_id (self, S_VEHICLE, &row->vehicle, err, errlen) < 0 ||
        s_parse_id (self, S_REQUEST, &row->request, err, errlen) < 0 ||
        s_parse_id (self, S_NODE, &row->node, err, errlen) < 0 ||
        s_parse_coord (self, S_LON, 180.0, &row->lon, err, errlen) < 0 ||
        s_parse_coord (self, S_LAT, 90.0, &row->lat, err, errlen) < 0)
        return -1;
    return 0;
}

int sim_evdiff_reader_next (sim_evdiff_reader_t *self, sim_event_t *row, size_t *line, char *err, size_t errlen)
{
    int rc = s_next_line (self, err, errlen);
    if (rc <= 0) return rc;
    if (s_parse_row (self, row, err, errlen) < 0) return -1;
    /* instants come in order: a day never goes back, and within a day the clock never does */
    if (self->has_last && row->day < self->last_day)
        return s_row_error (self, S_DAY, err, errlen,
                            "day %" PRIu32 " after day %" PRIu32 " of line %zu: days go "
                            "forwards",
                            row->day, self->last_day, self->last_line);
    if (self->has_last && row->day == self->last_day && row->time_ms < self->last_ms)
        return s_row_error (self, S_TIME, err, errlen,
                            "%lld.%03lld after %lld.%03lld of line %zu: time goes forwards "
                            "within a day",
                            (long long)(row->time_ms / 1000), (long long)(row->time_ms % 1000),
                            (long long)(self->last_ms / 1000), (long long)(self->last_ms % 1000), self->last_line);
    self->has_last = 1;
    self->last_day = row->day;
    self->last_ms = row->time_ms;
    self->last_line = self->line;
    *line = self->line;
    return 1;
}

/* ---- words -------------------------------------------------------------------------------------------------- */

void sim_evdiff_instant (uint32_t day, int64_t time_ms, char *buf, size_t size)
{
    int64_t s = time_ms / 1000;
    snprintf (buf, size, "day %" PRIu32 " %02lld:%02lld:%02lld.%03lld", day, (long long)(s / 3600),
              (long long)(s / 60 % 60), (long long)(s % 60), (long long)(time_ms % 1000));
}

/* A growing text in a fixed buffer: appends silently stop at its end. */
typedef struct {
    char *buf;
    size_t size, len;
} s_text_t;

static void s_add (s_text_t *t, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void s_add (s_text_t *t, const char *fmt, ...)
{
    if (t->len + 1 >= t->size) return;
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (t->buf + t->len, t->size - t->len, fmt, ap);
    va_end (ap);
    if (n > 0) t->len = t->len + (size_t)n < t->size ? t->len + (size_t)n : t->size - 1;
}

/* "robotaxi 3", "vehicle 3" without a fleet, "robotaxi" without a vehicle, "no vehicle" without either. */
static void s_add_vehicle (s_text_t *t, const sim_event_t *row)
{
    const char *fleet = row->fleet != SIM_EVENT_NONE ? disp_fleet_name ((disp_fleet_t)row->fleet) : NULL;
    if (row->vehicle != SIM_EVENT_NONE)
        s_add (t, "%s %lld", fleet ? fleet : "vehicle", (long long)row->vehicle);
    else
        s_add (t, "%s", fleet ? fleet : "no vehicle");
}

static void s_add_request (s_text_t *t, const sim_event_t *row)
{
    if (row->request != SIM_EVENT_NONE)
        s_add (t, "request %lld", (long long)row->request);
    else
        s_add (t, "no request");
}

static void s_add_place (s_text_t *t, const sim_event_t *row)
{
    if (row->node != SIM_EVENT_NONE)
        s_add (t, "node %lld", (long long)row->node);
    else
        s_add (t, "no node");
    if (!isnan (row->lon) && !isnan (row->lat))
        s_add (t, " (%.7f, %.7f)", row->lon, row->lat);
    else if (!isnan (row->lon) || !isnan (row->lat))
        s_add (t, " (lon %.7f, lat %.7f)", row->lon, row->lat);
}

/* How each kind reads: %r the request, %v the vehicle (with its fleet), %f the fleet, %p the place. */
static const char *const s_templates[SIM_EVENT_KIND_COUNT] = {
    [SIM_EVENT_REQUEST] = "%r for %f at %p",          [SIM_EVENT_ASSIGN] = "assign %r to %v at %p",
    [SIM_EVENT_PICKUP] = "pickup of %r by %v at %p",  [SIM_EVENT_DROPOFF] = "dropoff of %r by %v at %p",
    [SIM_EVENT_GIVEUP] = "giveup of %r for %f at %p", [SIM_EVENT_REPOSITION] = "reposition %v to %p",
    [SIM_EVENT_ARRIVE] = "arrive of %v at %p",        [SIM_EVENT_SHIFT_START] = "shift_start of %v at %p",
    [SIM_EVENT_SHIFT_END] = "shift_end of %v at %p",  [SIM_EVENT_CHARGE_WAIT] = "charge_wait of %v at %p",
    [SIM_EVENT_CHARGE_START] = "charge_start of %v at %p", [SIM_EVENT_CHARGE_END] = "charge_end of %v at %p",
};

void sim_evdiff_words (const sim_event_t *row, char *buf, size_t size)
{
    s_text_t t = {buf, size, 0};
    if (size == 0) return;
    buf[0] = '\0';
    const char *tpl = (unsigned)row->kind < SIM_EVENT_KIND_COUNT ? s_templates[row->kind] : "event of %v at %p";
    for (const char *p = tpl; *p; p++) {
        if (*p != '%') {
            s_add (&t, "%c", *p);
            continue;
        }
        switch (*++p) {
        case 'r':
            s_add_request (&t, row);
            break;
        case 'v':
            s_add_vehicle (&t, row);
            break;
        case 'f':
            s_add (&t, "%s", row->fleet != SIM_EVENT_NONE ? disp_fleet_name ((disp_fleet_t)row->fleet) : "no fleet");
            break;
        default:
            s_add_place (&t, row);
            break;
        }
    }
    /* an id the kind does not carry (a file written by hand) is added, so two rows that differ never read the same */
    if (!strstr (tpl, "%v") && row->vehicle != SIM_EVENT_NONE)
        s_add (&t, " with vehicle %lld", (long long)row->vehicle);
    if (!strstr (tpl, "%r") && row->request != SIM_EVENT_NONE)
        s_add (&t, " with request %lld", (long long)row->request);
}

/* "s" after a count other than 1. */
static const char *s_plural (uint64_t n)
{
    return n == 1 ? "" : "s";
}

/* ---- comparing ---------------------------------------------------------------------------------------------- */

typedef struct {
    sim_event_t row;
    size_t line;
    int matched; /* has an equal event in the other log's instant */
} s_item_t;

/* One log as the comparison walks it: the current instant, and the row read past it (the next instant's first). */
typedef struct {
    sim_evdiff_reader_t *reader;
    const char *name;
    s_item_t *items; /* the current instant, [count] */
    size_t count, cap;
    s_item_t next;
    int has_next;
} s_side_t;

/* Reads side's next instant into items (count 0 at the end of the log). 0, or -1 with the message. */
static int s_fill (s_side_t *side, char *err, size_t errlen)
{
    side->count = 0;
    if (!side->has_next) {
        int rc = sim_evdiff_reader_next (side->reader, &side->next.row, &side->next.line, err, errlen);
        if (rc <= 0) return rc;
    }
    side->has_next = 0;
    for (;;) {
        if (side->count == side->cap) {
            size_t cap = side->cap ? 2 * side->cap : 64;
            s_item_t *p = realloc (side->items, cap * sizeof *p);
            if (!p) return map_error (err, errlen, "out of memory");
            side->items = p;
            side->cap = cap;
        }
        side->next.matched = 0;
        side->items[side->count++] = side->next;
        int rc = sim_evdiff_reader_next (side->reader, &side->next.row, &side->next.line, err, errlen);
        if (rc < 0) return -1;
        if (rc == 0) return 0;
        if (side->next.row.day != side->items[0].row.day || side->next.row.time_ms != side->items[0].row.time_ms) {
            side->has_next = 1;
            return 0;
        }
    }
}

static int s_cmp_i64 (int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* Orders coordinates, an absent one (NAN) first. */
static int s_cmp_coord (double a, double b)
{
    if (isnan (a) || isnan (b)) return isnan (b) - isnan (a);
    return a < b ? -1 : a > b;
}

/* The order in which an instant's events are matched: by kind, request, vehicle, fleet, node, then place. */
static int s_cmp_item (const void *pa, const void *pb)
{
    const sim_event_t *a = &((const s_item_t *)pa)->row, *b = &((const s_item_t *)pb)->row;
    int c;
    if ((c = s_cmp_i64 (a->kind, b->kind)) || (c = s_cmp_i64 (a->request, b->request)) ||
        (c = s_cmp_i64 (a->vehicle, b->vehicle)) || (c = s_cmp_i64 (a->fleet, b->fleet)) ||
        (c = s_cmp_i64 (a->node, b->node)) || (c = s_cmp_coord (a->lon, b->lon)))
        return c;
    return s_cmp_coord (a->lat, b->lat);
}

static int s_same_coord (double a, double b)
{
    if (isnan (a) || isnan (b)) return isnan (a) && isnan (b);
    /* a hair over the tolerance: 114.3051200 and 114.3051210 are 1e-6 apart in decimal, a bit more in binary */
    return fabs (a - b) <= SIM_EVDIFF_LONLAT_TOLERANCE * (1 + 1e-6);
}

static int s_same_row (const sim_event_t *a, const sim_event_t *b)
{
    return a->kind == b->kind && a->request == b->request && a->vehicle == b->vehicle && a->fleet == b->fleet &&
           a->node == b->node && s_same_coord (a->lon, b->lon) && s_same_coord (a->lat, b->lat);
}

/* Matches the two instants' events as multisets: sorted the same way, walked side by side. 1 when every event has
 * its equal on the other side. */
static int s_match (s_side_t *a, s_side_t *b)
{
    qsort (a->items, a->count, sizeof *a->items, s_cmp_item);
    qsort (b->items, b->count, sizeof *b->items, s_cmp_item);
    size_t i = 0, j = 0, matched = 0;
    while (i < a->count && j < b->count) {
        if (s_same_row (&a->items[i].row, &b->items[j].row)) {
            a->items[i++].matched = b->items[j++].matched = 1;
            matched++;
        } else if (s_cmp_item (&a->items[i], &b->items[j]) < 0) {
            i++;
        } else {
            j++;
        }
    }
    return matched == a->count && matched == b->count;
}

/* The unmatched item of side that comes first in its file; NULL when all matched. */
static const s_item_t *s_first_unmatched (const s_side_t *side)
{
    const s_item_t *first = NULL;
    for (size_t i = 0; i < side->count; i++)
        if (!side->items[i].matched && (!first || side->items[i].line < first->line)) first = &side->items[i];
    return first;
}

/* The unmatched item of side that reads as another version of x: of the same kind, preferably about the same
 * request, else the same vehicle; NULL when none is of x's kind (x is then missing, not changed). */
static const s_item_t *s_partner (const s_side_t *side, const s_item_t *x)
{
    const s_item_t *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < side->count; i++) {
        const s_item_t *y = &side->items[i];
        if (y->matched || y->row.kind != x->row.kind) continue;
        int score = (x->row.request != SIM_EVENT_NONE && y->row.request == x->row.request) * 2 +
                    (x->row.vehicle != SIM_EVENT_NONE && y->row.vehicle == x->row.vehicle);
        if (score > best_score || (score == best_score && y->line < best->line)) {
            best = y;
            best_score = score;
        }
    }
    return best;
}

static void s_add_item (s_text_t *t, const s_side_t *side, const s_item_t *x)
{
    char words[512];
    sim_evdiff_words (&x->row, words, sizeof words);
    s_add (t, "%s:%zu: %s", side->name, x->line, words);
}

/* The report of an instant of both logs that differs. */
static void s_report_instant (s_text_t *t, const s_side_t *a, const s_side_t *b)
{
    const s_item_t *xa = s_first_unmatched (a), *xb = s_first_unmatched (b);
    const s_item_t *pb = xa ? s_partner (b, xa) : NULL;
    if (xa && pb) { /* the same kind of event, changed */
        s_add_item (t, a, xa);
        s_add (t, "; ");
        s_add_item (t, b, pb);
        return;
    }
    if (xa) {
        s_add_item (t, a, xa);
        s_add (t, " is missing from %s", b->name);
        if (xb) {
            s_add (t, "; ");
            s_add_item (t, b, xb);
            s_add (t, " is missing from %s", a->name);
        }
        return;
    }
    s_add_item (t, b, xb);
    s_add (t, " is missing from %s", a->name);
}

/* The report of side's instant that the other log does not have at all: it has none at that time (other holds
 * its next instant) or has ended (other->count == 0). */
static void s_report_missing (s_text_t *t, const s_side_t *side, const s_side_t *other, uint64_t agreed)
{
    const s_item_t *x = &side->items[0];
    for (size_t i = 1; i < side->count; i++)
        if (side->items[i].line < x->line) x = &side->items[i];
    if (other->count == 0) {
        char words[512];
        sim_evdiff_words (&x->row, words, sizeof words);
        s_add (t, "%s ends after %" PRIu64 " event%s; %s:%zu goes on with %s", other->name, agreed, s_plural (agreed),
               side->name, x->line, words);
    } else {
        s_add_item (t, side, x);
        char when[64];
        const s_item_t *y = &other->items[0];
        for (size_t i = 1; i < other->count; i++)
            if (other->items[i].line < y->line) y = &other->items[i];
        sim_evdiff_instant (y->row.day, y->row.time_ms, when, sizeof when);
        char words[512];
        sim_evdiff_words (&y->row, words, sizeof words);
        s_add (t, " is missing from %s, which has no event at that instant (its next: %s:%zu at %s: %s)", other->name,
               other->name, y->line, when, words);
    }
    if (side->count > 1) s_add (t, "; %zu more event%s at that instant", side->count - 1, s_plural (side->count - 1));
}

int sim_evdiff_compare (const char *path_a, const char *name_a, const char *path_b, const char *name_b,
                        sim_evdiff_result_t *res, char *err, size_t errlen)
{
    int rc = -1;
    memset (res, 0, sizeof *res);
    s_side_t a = {.name = name_a ? name_a : path_a}, b = {.name = name_b ? name_b : path_b};
    a.reader = sim_evdiff_reader_open (path_a, a.name, err, errlen);
    if (!a.reader) goto done;
    b.reader = sim_evdiff_reader_open (path_b, b.name, err, errlen);
    if (!b.reader) goto done;
    s_text_t t = {res->report, sizeof res->report, 0};
    for (;;) {
        if (s_fill (&a, err, errlen) < 0 || s_fill (&b, err, errlen) < 0) goto done;
        if (a.count == 0 && b.count == 0) {
            rc = 0;
            break;
        }
        /* the earlier of the two instants (the only one when a log has ended) is where they part, if they do */
        const s_side_t *first = NULL;
        if (b.count == 0)
            first = &a;
        else if (a.count == 0)
            first = &b;
        else if (a.items[0].row.day != b.items[0].row.day)
            first = a.items[0].row.day < b.items[0].row.day ? &a : &b;
        else if (a.items[0].row.time_ms != b.items[0].row.time_ms)
            first = a.items[0].row.time_ms < b.items[0].row.time_ms ? &a : &b;
        if (first || !s_match (&a, &b)) {
            const s_side_t *at = first ? first : &a;
            char when[64];
            sim_evdiff_instant (at->items[0].row.day, at->items[0].row.time_ms, when, sizeof when);
            s_add (&t, "first difference at %s: ", when);
            if (first)
                s_report_missing (&t, first, first == &a ? &b : &a, res->events);
            else
                s_report_instant (&t, &a, &b);
            s_add (&t, "\n%" PRIu64 " event%s in %" PRIu64 " instant%s agree%s before it", res->events,
                   s_plural (res->events), res->instants, s_plural (res->instants), res->events == 1 ? "s" : "");
            rc = 1;
            break;
        }
        res->events += a.count;
        res->instants++;
    }
done:
    free (a.items);
    free (b.items);
    sim_evdiff_reader_destroy (&a.reader);
    sim_evdiff_reader_destroy (&b.reader);
    return rc;
}
