/* disp_replay: reads robotaxi-client's replay CSV into rows, checking every field, the time order and that no two
 * requests share an id (the dispatcher's answer names a request by id only). Numbers are read with strtod and range
 * checked, so "nan", "inf" and out-of-range values are refused with the row's line. */
#include "disp_replay.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "map_error.h"

struct disp_replay_t {
    disp_replay_row_t *rows;
    size_t count;
    size_t request_count;
    uint32_t capacity;         /* largest vehicle id + 1 */
};

/* Splits line (modified) at commas into at most max fields; returns how many, or max + 1 when there are more. */
static size_t s_split (char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == max) return max + 1;
        fields[n++] = p;
        char *comma = strchr (p, ',');
        if (!comma) break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

/* A number field in [min, max]; empty is allowed when `empty` is not NULL (then *empty is set and *out is 0). */
static int s_number (const char *text, double min, double max, double *out, int *empty)
{
    if (empty) *empty = text[0] == '\0';
    if (empty && *empty) {
        *out = 0;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod (text, &end);
    if (errno || end == text || *end || !(v >= min && v <= max)) return -1;
    *out = v;
    return 0;
}

/* Parses one data row (line is modified). -1 with a message (without the file:line prefix) on a bad row. */
static int s_parse_row (char *line, disp_replay_row_t *row, char *err, size_t errlen)
{
    char *f[10];
    size_t n = s_split (line, f, 10);
    if (n != 10)
        return n > 10 ? map_error (err, errlen, "more than 10 fields (" DISP_REPLAY_HEADER ")")
                      : map_error (err, errlen, "expected 10 fields (" DISP_REPLAY_HEADER "), got %zu", n);
    memset (row, 0, sizeof *row);
    double t, id, lon, lat, dlon, dlat, patience;
    int empty;
    if (s_number (f[0], 0, 1e9, &t, NULL)) return map_error (err, errlen, "time_s: '%s' is not seconds >= 0", f[0]);
    row->at_ms = llround (t * 1000);
    if (s_number (f[2], 0, 1.8e19, &id, NULL) || id != floor (id))
        return map_error (err, errlen, "id: '%s' is not a whole number >= 0", f[2]);
    int fleet = -1, any = 0;
    if (strcmp (f[3], "robotaxi") == 0) fleet = DISP_FLEET_ROBOTAXI;
    if (strcmp (f[3], "human") == 0) fleet = DISP_FLEET_HUMAN;
    if (strcmp (f[3], "any") == 0) fleet = DISP_FLEET_ROBOTAXI, any = 1;
    if (strcmp (f[1], "cancel") == 0) {
        row->kind = DISP_REPLAY_CANCEL;
        row->cancel_id = (uint64_t)id;
        return 0;
    }
    if (fleet < 0) return map_error (err, errlen, "fleet: '%s' is not robotaxi, human or any", f[3]);
    if (s_number (f[4], -180, 180, &lon, NULL) || s_number (f[5], -90, 90, &lat, NULL))
        return map_error (err, errlen, "lon,lat: '%s,%s' is not a WGS84 position", f[4], f[5]);
    if (strcmp (f[1], "request") == 0) {
        int no_lon, no_lat;
        if (s_number (f[6], -180, 180, &dlon, &no_lon) || s_number (f[7], -90, 90, &dlat, &no_lat) ||
            no_lon != no_lat)
            return map_error (err, errlen, "dest_lon,dest_lat: '%s,%s' is not a WGS84 position or empty", f[6], f[7]);
        if (s_number (f[9], 0.001, 86400, &patience, &empty))
            return map_error (err, errlen, "patience_s: '%s' is not seconds from 0.001 to 86400, or empty", f[9]);
        row->kind = DISP_REPLAY_REQUEST;
        row->request = (disp_request_t){.id = (uint64_t)id,
                                        .origin = {lon, lat, MAP_NODE_NONE},
                                        .destination = {no_lon ? 0 : dlon, no_lat ? 0 : dlat, MAP_NODE_NONE},
                                        .fleet = (uint8_t)fleet,
                                        .any_fleet = (uint8_t)any,
                                        .deadline_ms = empty ? 0 : llround (patience * 1000)};
        return 0;
    }
    if (strcmp (f[1], "vehicle") == 0) {
        if (any) return map_error (err, errlen, "fleet: a vehicle is robotaxi or human, not any");
        if (id >= DISP_REPLAY_MAX_VEHICLES)
            return map_error (err, errlen, "id: %.0f is past the largest vehicle id %u", id,
                              DISP_REPLAY_MAX_VEHICLES - 1);
        int status = -1;
        if (strcmp (f[8], "idle") == 0) status = DISP_VEH_IDLE;
        if (strcmp (f[8], "busy") == 0) status = DISP_VEH_BUSY;
        if (strcmp (f[8], "offline") == 0) status = DISP_VEH_OFFLINE;
        if (status < 0) return map_error (err, errlen, "status: '%s' is not idle, busy or offline", f[8]);
        row->kind = DISP_REPLAY_VEHICLE;
        row->vehicle = (disp_vehicle_t){
            .id = (uint32_t)id, .fleet = (uint8_t)fleet, .status = (uint8_t)status, .position = {lon, lat, MAP_NODE_NONE}};
        return 0;
    }
    return map_error (err, errlen, "kind: '%s' is not request, vehicle or cancel", f[1]);
}

/* A request's id and line, for the duplicate check. */
typedef struct {
    uint64_t id;
    size_t line;
} s_asked_t;

static int s_cmp_asked (const void *a, const void *b)
{
    const s_asked_t *x = a, *y = b;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* -1 with "NAME:LINE: id: ..." when two request rows share an id: an assignment could not say which rider it serves.
 * The later line is named, with the first one that asked. */
static int s_check_unique (const disp_replay_t *self, const char *name, char *err, size_t errlen)
{
    if (self->request_count < 2) return 0;
    s_asked_t *asked = malloc (self->request_count * sizeof *asked);
    if (!asked) return map_error (err, errlen, "%s: out of memory", name);
    size_t n = 0;
    for (size_t i = 0; i < self->count; i++)
        if (self->rows[i].kind == DISP_REPLAY_REQUEST)
            asked[n++] = (s_asked_t){self->rows[i].request.id, self->rows[i].line};
    qsort (asked, n, sizeof *asked, s_cmp_asked);
    int rc = 0;
    for (size_t i = 1; i < n && rc == 0; i++)
        if (asked[i].id == asked[i - 1].id)
            rc = map_error (err, errlen, "%s:%zu: id: request %llu was already asked on line %zu", name, asked[i].line,
                            (unsigned long long)asked[i].id, asked[i - 1].line);
    free (asked);
    return rc;
}

disp_replay_t *disp_replay_read (FILE *in, const char *name, char *err, size_t errlen)
{
    disp_replay_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "%s: out of memory", name);
        return NULL;
    }
    self->capacity = 1;
    size_t cap = 0, lineno = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    int ok = 1;
    int64_t last_ms = 0;
    while (ok && (len = getline (&line, &line_cap, in)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1) {
            if (strcmp (line, DISP_REPLAY_HEADER) != 0) {
                map_error (err, errlen, "%s:1: the header must be '" DISP_REPLAY_HEADER "'", name);
                ok = 0;
            }
            continue;
        }
        if (len == 0 || line[0] == '#') continue;
        if (self->count == cap) {
            cap = cap ? 2 * cap : 256;
            disp_replay_row_t *grown = realloc (self->rows, cap * sizeof *grown);
            if (!grown) {
                map_error (err, errlen, "%s: out of memory", name);
                ok = 0;
                break;
            }
            self->rows = grown;
        }
        disp_replay_row_t *row = &self->rows[self->count];
        char why[256];
        if (s_parse_row (line, row, why, sizeof why) != 0) {
            map_error (err, errlen, "%s:%zu: %s", name, lineno, why);
            ok = 0;
        } else if (row->at_ms < last_ms) {
            map_error (err, errlen, "%s:%zu: time_s goes back in time; rows must be in time order", name, lineno);
            ok = 0;
        } else {
            last_ms = row->at_ms;
            row->line = lineno;
            if (row->kind == DISP_REPLAY_VEHICLE && row->vehicle.id + 1 > self->capacity)
                self->capacity = row->vehicle.id + 1;
            self->request_count += row->kind == DISP_REPLAY_REQUEST;
            self->count++;
        }
    }
    if (ok && ferror (in)) {
        map_error (err, errlen, "%s: %s", name, strerror (errno));
        ok = 0;
    }
    if (ok && lineno == 0) {
        map_error (err, errlen, "%s: empty file; the header must be '" DISP_REPLAY_HEADER "'", name);
        ok = 0;
    }
    free (line);
    if (ok && s_check_unique (self, name, err, errlen) != 0) ok = 0;
    if (!ok) disp_replay_destroy (&self);
    return self;
}

disp_replay_t *disp_replay_load (const char *path, char *err, size_t errlen)
{
    FILE *f = fopen (path, "r");
    if (!f) {
        map_error (err, errlen, "%s: %s", path, strerror (errno));
        return NULL;
    }
    disp_replay_t *self = disp_replay_read (f, path, err, errlen);
    fclose (f);
    return self;
}

void disp_replay_destroy (disp_replay_t **self_p)
{
    if (!self_p || !*self_p) return;
    free ((*self_p)->rows);
    free (*self_p);
    *self_p = NULL;
}

size_t disp_replay_count (const disp_replay_t *self)
{
    return self->count;
}

disp_replay_row_t *disp_replay_rows (disp_replay_t *self)
{
    return self->rows;
}

size_t disp_replay_request_count (const disp_replay_t *self)
{
    return self->request_count;
}

uint32_t disp_replay_capacity (const disp_replay_t *self)
{
    return self->capacity;
}
