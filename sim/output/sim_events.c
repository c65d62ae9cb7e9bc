/* sim_events: writing DIR/events.csv. */
#include "sim_events.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disp_types.h"
#include "map_error.h"
#include "sim_file.h"

#define S_PLACE_MAX (1 << 22) /* nodes below this have their position's text kept */

/* A node's position as written (",lon,lat"): formatting two doubles was most of a row's cost, and a day visits the
 * same few thousand nodes again and again. */
typedef struct {
    double lon, lat;
    char text[48]; /* "" until the node was first written (a WGS84 position takes at most 26 characters) */
} s_place_t;

struct sim_events_t {
    sim_file_t out; /* DIR/events.csv (written as events.csv.part until closed) */
    uint64_t count;
    s_place_t *places; /* by node, [place_cap] */
    size_t place_cap;
};

/* DIR/NAME into buf. 0, or -1 with "DIR/NAME: path too long". */
static int s_path (char *buf, size_t size, const char *dir, const char *name, char *err, size_t errlen)
{
    int n = snprintf (buf, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size) return map_error (err, errlen, "%s/%s: path too long", dir, name);
    return 0;
}

int sim_events_remove (const char *dir, char *err, size_t errlen)
{
    char path[SIM_FILE_PATH_MAX];
    if (s_path (path, sizeof path, dir, SIM_EVENTS_FILE, err, errlen) < 0) return -1;
    if (unlink (path) < 0 && errno != ENOENT) return map_error (err, errlen, "%s: %s", path, strerror (errno));
    return 0;
}

sim_events_t *sim_events_open (const char *dir, char *err, size_t errlen)
{
    sim_events_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "out of memory");
        return NULL;
    }
    if (sim_events_remove (dir, err, errlen) < 0 || sim_file_open (&self->out, dir, SIM_EVENTS_FILE, err, errlen) < 0) {
        free (self);
        return NULL;
    }
    fputs (SIM_EVENTS_HEADER "\n", self->out.f);
    return self;
}

/* An id field: the number, or nothing when absent. */
static void s_put_id (FILE *f, int64_t id)
{
    if (id != SIM_EVENT_NONE) fprintf (f, "%lld", (long long)id);
}

/* ",trip": the request's name in its trips file, in double quotes when CSV needs them; "," when it has none. */
static void s_put_trip (FILE *f, const char *trip)
{
    fputc (',', f);
    if (!trip) return;
    if (!strpbrk (trip, ",\"\r\n")) {
        fputs (trip, f);
        return;
    }
    fputc ('"', f);
    for (const char *p = trip; *p; p++) {
        if (*p == '"') fputc ('"', f);
        fputc (*p, f);
    }
    fputc ('"', f);
}

/* ",lon,lat" of row, empty coordinates when it has none: from the node's kept text when it is the same position. */
static const char *s_place (sim_events_t *self, const sim_event_t *row, char *buf, size_t size)
{
    if (isnan (row->lon) || isnan (row->lat)) return ",,";
    s_place_t *p = NULL;
    if (row->node >= 0 && row->node < S_PLACE_MAX) {
        size_t node = (size_t)row->node;
        if (node >= self->place_cap) {
            size_t cap = self->place_cap ? self->place_cap : 1024;
            while (cap <= node)
                cap *= 2;
            s_place_t *grown = realloc (self->places, cap * sizeof *grown);
            if (grown) {
                memset (grown + self->place_cap, 0, (cap - self->place_cap) * sizeof *grown);
                self->places = grown;
                self->place_cap = cap;
            }
        }
        if (node < self->place_cap) p = &self->places[node];
    }
    if (p && p->text[0] && p->lon == row->lon && p->lat == row->lat) return p->text;
    int n = snprintf (buf, size, ",%.7f,%.7f", row->lon, row->lat);
    if (p && n > 0 && (size_t)n < sizeof p->text) {
        p->lon = row->lon;
        p->lat = row->lat;
        memcpy (p->text, buf, (size_t)n + 1);
    }
    return buf;
}

void sim_events_write (sim_events_t *self, const sim_event_t *row)
{
    assert (row->day >= 1 && row->time_ms >= 0); /* the world's days count from 1, its clock from midnight */
    FILE *f = self->out.f;
    const char *name = sim_event_kind_name (row->kind);
    if (!name) name = ""; /* not a kind: the reader will say so */
    /* time as integer milliseconds, so the text is exact: no floating-point rounding of the clock */
    fprintf (f, "%u,%lld.%03lld,%s,", row->day, (long long)(row->time_ms / 1000), (long long)(row->time_ms % 1000),
             name);
    s_put_id (f, row->vehicle);
    fputc (',', f);
    if (row->fleet != SIM_EVENT_NONE) fputs (disp_fleet_name ((disp_fleet_t)row->fleet), f);
    fputc (',', f);
    s_put_id (f, row->request);
    fputc (',', f);
    s_put_id (f, row->node);
    char buf[640]; /* room for any two doubles with 7 decimals */
    fputs (s_place (self, row, buf, sizeof buf), f);
    s_put_trip (f, row->trip);
    fputc ('\n', f);
    self->count++;
}

void sim_events_on_event (void *log, const sim_event_t *row)
{
    sim_events_write (log, row);
}

uint64_t sim_events_count (const sim_events_t *self)
{
    return self->count;
}

int sim_events_close (sim_events_t **self_p, char *err, size_t errlen)
{
    if (!self_p || !*self_p) return 0;
    sim_events_t *self = *self_p;
    int rc = sim_file_close (&self->out, err, errlen);
    free (self->places);
    free (self);
    *self_p = NULL;
    return rc;
}

void sim_events_destroy (sim_events_t **self_p)
{
    if (!self_p || !*self_p) return;
    sim_events_t *self = *self_p;
    sim_file_abandon (&self->out);
    free (self->places);
    free (self);
    *self_p = NULL;
}
