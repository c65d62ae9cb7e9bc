/* sim_report_map: report.html's map of a run with trajectories: roads, demand density and vehicles, read, reduced
 * and written into the page with the script that draws them; and the frames builder that reduces the vehicles while
 * a run samples them (map_frames.json). */
#include "sim_report_map.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "map_error.h"
#include "sim_csv.h"
#include "sim_file.h"

#define S_PATH_MAX      4096
#define S_NAME_MAX      32
#define S_FLEETS_MAX    8   /* a dot's class is fleet * S_STATES_MAX + state, one byte */
#define S_STATES_MAX    16
#define S_VEHICLE_MAX   (1u << 24)
#define S_HEAT_ROWS_MAX 400
#define S_PI            3.14159265358979323846

/* Road classes, biggest first; a map with too many segments leaves out the last ones first (never the first two). */
static const char *const s_classes[] = {"expressway", "bridge", "arterial", "secondary", "local", "other"};
#define S_CLASSES    (sizeof s_classes / sizeof s_classes[0])
#define S_CLASS_KEEP 2

static const char *const s_known_fleets[] = {"robotaxi", "human"};
static const char *const s_known_states[] = {"idle", "to_pickup", "carrying", "repositioning"};

typedef struct {
    double lon0, lat0, lon1, lat1;
    uint8_t cls;
} s_seg_t;

typedef struct {
    uint16_t v, x, y;   /* v: the vehicle's index among those kept */
    uint8_t cls;
} s_dot_t;

typedef struct {
    int32_t time_s;
    size_t first, n;   /* its dots */
} s_frame_t;

struct sim_report_map_t {
    double lon0, lat0, lon1, lat1;   /* the bounding box the positions are quantized to */
    s_seg_t *segs;                 /* drawn, ordered by class */
    size_t nsegs;
    uint32_t *heat;   /* heat_cols x heat_rows request counts, row 0 south */
    int heat_cols, heat_rows;
    char fleets[S_FLEETS_MAX][S_NAME_MAX];
    size_t nfleets;
    char states[S_STATES_MAX][S_NAME_MAX];
    size_t nstates;
    uint32_t *kept_ids;   /* the kept vehicles' ids, ascending */
    s_frame_t *frames;
    size_t frames_cap;
    s_dot_t *dots;
    size_t dots_cap;
    sim_report_map_stats_t st;
    char *file_text;              /* map_frames.json's text, when read from it: the page copies its dots */
    const char *dots_b64;         /* in it, the dots as base64 */
    size_t dots_b64_len;
};

void
sim_report_map_destroy (sim_report_map_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_report_map_t *self = *self_p;
    free (self->segs);
    free (self->heat);
    free (self->kept_ids);
    free (self->frames);
    free (self->dots);
    free (self->file_text);
    free (self);
    *self_p = NULL;
}

void
sim_report_map_stats (const sim_report_map_t *self, sim_report_map_stats_t *st)
{
    *st = self->st;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* roads.geojson */

/* The class of a road's "class" property (the last, "other", when unknown). */
static uint8_t
s_class_of (const char *name)
{
    for (size_t c = 0; c + 1 < S_CLASSES; c++)
        if (name && strcmp (name, s_classes[c]) == 0)
            return (uint8_t) c;
    return (uint8_t) (S_CLASSES - 1);
}

/* 0 when v is a [lon, lat] (more numbers allowed) within the globe, its place in *lon, *lat. */
static int
s_point (const json_t *v, double *lon, double *lat)
{
    if (!json_is_array (v) || json_array_size (v) < 2 || !json_is_number (json_array_get (v, 0)) ||
        !json_is_number (json_array_get (v, 1)))
        return -1;
    *lon = json_number_value (json_array_get (v, 0));
    *lat = json_number_value (json_array_get (v, 1));
    return isfinite (*lon) && isfinite (*lat) && fabs (*lon) <= 180 && fabs (*lat) <= 90 ? 0 : -1;
}

typedef struct {
    s_seg_t *segs;
    size_t n, cap;
} s_segs_t;

/* Adds feature's segments (a LineString of n points gives n - 1) to segs; where names it for a message. 0, or -1. */
static int
s_add_feature (s_segs_t *segs, const json_t *feature, const char *where, char *err, size_t errlen)
{
    const json_t *geom = json_object_get (feature, "geometry");
    const json_t *coords = json_object_get (geom, "coordinates");
    const char *type = json_string_value (json_object_get (geom, "type"));
    if (!type || strcmp (type, "LineString") != 0 || !json_is_array (coords) || json_array_size (coords) < 2)
        return map_error (err, errlen, "%s: a road that is not a LineString of two or more points", where);
    const json_t *props = json_object_get (feature, "properties");
    uint8_t cls = s_class_of (json_string_value (json_object_get (props, "class")));
    double lon, lat, plon = 0, plat = 0;
    for (size_t i = 0; i < json_array_size (coords); i++) {
        if (s_point (json_array_get (coords, i), &lon, &lat) != 0)
            return map_error (err, errlen, "%s: point %zu of a road is not [lon, lat]", where, i + 1);
        if (i > 0) {
            if (segs->n == segs->cap) {
                size_t cap = segs->cap ? segs->cap * 2 : 1024;
                s_seg_t *grown = realloc (segs->segs, cap * sizeof *grown);
                if (!grown)
                    return map_error (err, errlen, "%s: out of memory", where);
                segs->segs = grown;
                segs->cap = cap;
            }
            segs->segs[segs->n++] = (s_seg_t){plon, plat, lon, lat, cls};
        }
        plon = lon;
        plat = lat;
    }
    return 0;
}

/* The features of a whole document (a file not written one feature a line). */
static int
s_roads_whole (s_segs_t *segs, const char *path, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file (path, 0, &jerr);
    if (!root)
        return map_error (err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
    const json_t *features = json_object_get (root, "features");
    int rc = 0;
    if (!json_is_array (features))
        rc = map_error (err, errlen, "%s: not a GeoJSON FeatureCollection (no \"features\" array)", path);
    for (size_t i = 0; rc == 0 && i < json_array_size (features); i++) {
        char where[S_PATH_MAX + 32];
        snprintf (where, sizeof where, "%s: feature %zu", path, i + 1);
        rc = s_add_feature (segs, json_array_get (features, i), where, err, errlen);
    }
    json_decref (root);
    return rc;
}

/* Reads the roads: one feature a line as robotaxi-sim writes them (so a city of 300,000 roads never sits in memory
 * as one JSON tree), or any other layout as a whole document. 0, 1 when there is no file, or -1. */
static int
s_read_roads (s_segs_t *segs, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return errno == ENOENT ? 1 : map_error (err, errlen, "%s: %s", path, strerror (errno));
    char *line = NULL;
    size_t cap = 0, features = 0;
    ssize_t n;
    int lineno = 0, rc = 0;
    while (rc == 0 && (n = getline (&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && strchr (" \t\r\n,", line[n - 1]))
            line[--n] = '\0';
        const char *p = line + strspn (line, " \t");
        if (strncmp (p, "{\"type\":\"Feature\"", 17) != 0 || line[n - 1] != '}')
            continue;
        json_error_t jerr;
        json_t *feature = json_loadb (p, (size_t) (line + n - p), 0, &jerr);
        char where[S_PATH_MAX + 32];
        snprintf (where, sizeof where, "%s:%d", path, lineno);
        if (!feature)
            rc = map_error (err, errlen, "%s: %s", where, jerr.text);
        else
            rc = s_add_feature (segs, feature, where, err, errlen);
        json_decref (feature);
        features++;
    }
    int bad = ferror (f);
    free (line);
    fclose (f);
    if (rc == 0 && bad)
        rc = map_error (err, errlen, "%s: read failed", path);
    if (rc == 0 && features == 0)
        rc = s_roads_whole (segs, path, err, errlen);
    if (rc == 0 && segs->n == 0)
        rc = map_error (err, errlen, "%s: no roads", path);
    return rc;
}

static int
s_cmp_seg (const void *a, const void *b)
{
    const s_seg_t *x = a, *y = b;
    return (x->cls > y->cls) - (x->cls < y->cls);
}

/* The map's box around the roads' bounds: a margin of 2%, and at least ~100 m a side. The frames builder takes the
 * same bounds, so its dots and the roads share one grid. */
static void
s_set_box (sim_report_map_t *self, double lon_min, double lat_min, double lon_max, double lat_max)
{
    double dlon = fmax (lon_max - lon_min, 0.001), dlat = fmax (lat_max - lat_min, 0.001);
    double mlon = (lon_min + lon_max) / 2, mlat = (lat_min + lat_max) / 2;
    self->lon0 = mlon - dlon * 0.51;
    self->lon1 = mlon + dlon * 0.51;
    self->lat0 = mlat - dlat * 0.51;
    self->lat1 = mlat + dlat * 0.51;
}

/* Keeps the segments that fit in max, leaving out the smallest classes first; sets the bounding box from all. */
static void
s_keep_roads (sim_report_map_t *self, s_segs_t *segs, size_t max)
{
    double lon0 = INFINITY, lat0 = INFINITY, lon1 = -INFINITY, lat1 = -INFINITY;
    size_t per_class[S_CLASSES] = {0};
    for (size_t i = 0; i < segs->n; i++) {
        const s_seg_t *s = &segs->segs[i];
        lon0 = fmin (lon0, fmin (s->lon0, s->lon1));
        lon1 = fmax (lon1, fmax (s->lon0, s->lon1));
        lat0 = fmin (lat0, fmin (s->lat0, s->lat1));
        lat1 = fmax (lat1, fmax (s->lat0, s->lat1));
        per_class[s->cls]++;
    }
    s_set_box (self, lon0, lat0, lon1, lat1);

    qsort (segs->segs, segs->n, sizeof *segs->segs, s_cmp_seg);   /* biggest class first, drawn first */
    size_t keep = segs->n;
    size_t cls = S_CLASSES;
    char *out = self->st.classes_left_out;
    while (keep > max && cls > S_CLASS_KEEP) {
        cls--;
        if (!per_class[cls])
            continue;
        keep -= per_class[cls];
        size_t used = strlen (out);
        snprintf (out + used, sizeof self->st.classes_left_out - used, "%s%s", used ? ", " : "", s_classes[cls]);
    }
    if (keep > max)
        keep = max;   /* still too many of the biggest classes: the first max of them */
    self->st.segments = segs->n;
    self->st.segments_drawn = keep;
    self->segs = segs->segs;
    self->nsegs = keep;
    segs->segs = NULL;
}

/* A place quantized to the box, 0..SIM_REPORT_MAP_GRID on each axis (clamped); 1 when it was outside the box. */
static int
s_quantize (const sim_report_map_t *self, double lon, double lat, uint16_t *x, uint16_t *y)
{
    double fx = (lon - self->lon0) / (self->lon1 - self->lon0), fy = (lat - self->lat0) / (self->lat1 - self->lat0);
    int outside = !(fx >= 0 && fx <= 1 && fy >= 0 && fy <= 1);
    fx = fx < 0 ? 0 : fx > 1 ? 1 : fx;
    fy = fy < 0 ? 0 : fy > 1 ? 1 : fy;
    *x = (uint16_t) lround (fx * SIM_REPORT_MAP_GRID);
    *y = (uint16_t) lround (fy * SIM_REPORT_MAP_GRID);
    return outside;
}

typedef struct {
    FILE *f;        /* NULL: only counted */
    size_t bytes;   /* written */
} s_out_t;
static int s_data (const sim_report_map_t *self, s_out_t *o);

/* -------------------------------------------------------------------------------------------------------------- */
/* the CSV files */

/* The index of name in names[0..*n), added when new (up to max). -1 when it is not a name (letters, digits, _ and
 * -, 1..31 characters) or there is no room. */
static int
s_intern (char (*names)[S_NAME_MAX], size_t *n, size_t max, const char *name)
{
    for (size_t i = 0; i < *n; i++)   /* first: a name already there is one (a fleet or state of every row) */
        if (strcmp (names[i], name) == 0)
            return (int) i;
    size_t len = strlen (name);
    if (len == 0 || len >= S_NAME_MAX ||
        strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789_-") != len)
        return -1;
    if (*n == max)
        return -1;
    memcpy (names[*n], name, len + 1);
    return (int) (*n)++;
}

/* A cell as a number, or -1 with "PATH:LINE: column 'text' is not a number". */
static int
s_number (const sim_csv_stream_t *s, int col, double *v, char *err, size_t errlen)
{
    const char *text = s->cells[col];
    if (sim_csv_parse_number (text, v) != 0 || !isfinite (*v))
        return map_error (err, errlen, "%s:%d: %s '%s' is not a number", s->head.path, s->lineno, s->head.names[col],
                          text);
    return 0;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* the frames builder: the vehicles of the first day, kept compactly row by row, reduced to frames at the end */

/* One fcd.csv row kept: the vehicle's id and its dot class, its quantized place. 8 bytes. */
typedef struct {
    uint32_t vehicle_cls;   /* id << 8 | fleet * S_STATES_MAX + state */
    uint16_t x, y;
} s_kept_row_t;

/* A sample time and where its rows start. */
typedef struct {
    int64_t ms;
    size_t first;
} s_sample_t;

struct sim_report_map_frames_t {
    sim_report_map_t *map;    /* the box, fleets and states; at the end the frames, dots and stats */
    int owns_map;
    sim_report_map_opts_t opts;   /* the limits, defaults filled in */
    uint32_t day;             /* the first day, the one kept */
    int started, done;        /* done: a later day was seen; no more rows are kept */
    s_kept_row_t *rows;
    size_t nrows, rows_cap;
    s_sample_t *samples;
    size_t nsamples, samples_cap;
    uint8_t *seen;            /* per vehicle id: seen on the day */
    size_t seen_cap;
    int finished;             /* the frames are made */
    int failed;               /* a row was refused: why says why */
    char why[256];
};

/* The limits with their defaults. */
static sim_report_map_opts_t
s_opts (const sim_report_map_opts_t *opts)
{
    sim_report_map_opts_t o = opts ? *opts : (sim_report_map_opts_t){0};
    o.vehicles_max = o.vehicles_max ? o.vehicles_max : SIM_REPORT_MAP_VEHICLES_MAX;
    o.vehicles_max = o.vehicles_max > 65535 ? 65535 : o.vehicles_max;   /* a dot names its vehicle in 16 bits */
    o.segments_max = o.segments_max ? o.segments_max : SIM_REPORT_MAP_SEGMENTS_MAX;
    o.dots_max = o.dots_max ? o.dots_max : SIM_REPORT_MAP_DOTS_MAX;
    return o;
}

/* A map with the known fleets and states (in this order, so a dot's class means the same in every map). */
static sim_report_map_t *
s_map_new (void)
{
    sim_report_map_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    for (size_t i = 0; i < sizeof s_known_fleets / sizeof *s_known_fleets; i++)
        s_intern (self->fleets, &self->nfleets, S_FLEETS_MAX, s_known_fleets[i]);
    for (size_t i = 0; i < sizeof s_known_states / sizeof *s_known_states; i++)
        s_intern (self->states, &self->nstates, S_STATES_MAX, s_known_states[i]);
    return self;
}

/* A builder filling map (which it owns when owns). NULL when out of memory (map is not freed). */
static sim_report_map_frames_t *
s_frames_new (sim_report_map_t *map, int owns, const sim_report_map_opts_t *opts)
{
    sim_report_map_frames_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->map = map;
    self->owns_map = owns;
    self->opts = s_opts (opts);
    return self;
}

sim_report_map_frames_t *
sim_report_map_frames_new (double lon_min, double lat_min, double lon_max, double lat_max,
                           const sim_report_map_opts_t *opts)
{
    sim_report_map_t *map = s_map_new ();
    sim_report_map_frames_t *self = map ? s_frames_new (map, 1, opts) : NULL;
    if (!self) {
        free (map);
        return NULL;
    }
    s_set_box (map, lon_min, lat_min, lon_max, lat_max);
    return self;
}

void
sim_report_map_frames_destroy (sim_report_map_frames_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_report_map_frames_t *self = *self_p;
    if (self->owns_map)
        sim_report_map_destroy (&self->map);
    free (self->rows);
    free (self->samples);
    free (self->seen);
    free (self);
    *self_p = NULL;
}

static int s_refuse (sim_report_map_frames_t *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Refuses a row: why kept, every later call fails. -1. */
static int
s_refuse (sim_report_map_frames_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (self->why, sizeof self->why, fmt, ap);
    va_end (ap);
    self->failed = 1;
    return -1;
}

/* Makes room for one more of n items of size in *items (capacity *cap). 0, or -1 when out of memory. */
static int
s_room (void **items, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return 0;
    size_t grown_cap = *cap ? *cap * 2 : first;
    void *grown = realloc (*items, grown_cap * size);
    if (!grown)
        return -1;
    *items = grown;
    *cap = grown_cap;
    return 0;
}

int
sim_report_map_frames_add (sim_report_map_frames_t *self, uint32_t day, int64_t time_ms, uint32_t vehicle,
                           const char *fleet, const char *state, double lon, double lat)
{
    if (self->failed)
        return -1;
    if (self->done)
        return 0;
    if (!self->started) {
        self->started = 1;
        self->day = day;
    }
    if (day < self->day)
        return s_refuse (self, "day %" PRIu32 " after day %" PRIu32 " (rows are ordered by day and time)", day,
                         self->day);
    if (day != self->day) {
        self->done = 1;   /* the map shows the first day */
        return 0;
    }
    int64_t last = self->nsamples ? self->samples[self->nsamples - 1].ms : INT64_MIN;
    if (time_ms < last)
        return s_refuse (self, "time_s goes back from %g to %g (rows are ordered by day and time)",
                         (double) last / 1000, (double) time_ms / 1000);
    if (vehicle >= S_VEHICLE_MAX)
        return s_refuse (self, "vehicle %" PRIu32 " is not an id 0..%u", vehicle, S_VEHICLE_MAX - 1);
    sim_report_map_t *map = self->map;
    int f = s_intern (map->fleets, &map->nfleets, S_FLEETS_MAX, fleet);
    if (f < 0)
        return s_refuse (self, "fleet '%s' is not a name (letters, digits, _ and -) or one fleet more than %d", fleet,
                         S_FLEETS_MAX);
    int s = s_intern (map->states, &map->nstates, S_STATES_MAX, state);
    if (s < 0)
        return s_refuse (self, "state '%s' is not a name (letters, digits, _ and -) or one state more than %d", state,
                         S_STATES_MAX);
    if (s_room ((void **) &self->rows, &self->rows_cap, self->nrows, sizeof *self->rows, 1 << 16) != 0 ||
        (time_ms != last &&
         s_room ((void **) &self->samples, &self->samples_cap, self->nsamples, sizeof *self->samples, 256) != 0))
        return s_refuse (self, "out of memory");
    if (vehicle >= self->seen_cap) {
        size_t cap = self->seen_cap ? self->seen_cap : 1024;
        while (cap <= vehicle)
            cap *= 2;
        uint8_t *grown = realloc (self->seen, cap);
        if (!grown)
            return s_refuse (self, "out of memory");
        memset (grown + self->seen_cap, 0, cap - self->seen_cap);
        self->seen = grown;
        self->seen_cap = cap;
    }
    if (time_ms != last)
        self->samples[self->nsamples++] = (s_sample_t){time_ms, self->nrows};
    if (!self->seen[vehicle]) {
        self->seen[vehicle] = 1;
        map->st.vehicles++;
    }
    s_kept_row_t *row = &self->rows[self->nrows++];
    row->vehicle_cls = vehicle << 8 | (uint32_t) (f * S_STATES_MAX + s);
    s_quantize (map, lon, lat, &row->x, &row->y);
    return 0;
}

/* The vehicles kept: all up to max; above, max of them evenly spaced in the order of their ids. kept[id] is the
 * vehicle's index among those kept, or -1. */
static int
s_pick (sim_report_map_t *map, const uint8_t *seen, size_t nseen, size_t max, int32_t **kept)
{
    size_t v = map->st.vehicles, n = v < max ? v : max;
    *kept = malloc ((nseen ? nseen : 1) * sizeof **kept);
    map->kept_ids = malloc ((n ? n : 1) * sizeof *map->kept_ids);
    if (!*kept || !map->kept_ids)
        return -1;
    size_t rank = 0, k = 0;
    for (size_t id = 0; id < nseen; id++) {
        (*kept)[id] = -1;
        if (!seen[id])
            continue;
        /* rank r is kept when floor((r + 1) n / v) steps up: exactly n of v, evenly spread */
        if ((rank + 1) * n / v > rank * n / v) {
            (*kept)[id] = (int32_t) k;
            map->kept_ids[k++] = (uint32_t) id;
        }
        rank++;
    }
    map->st.vehicles_kept = k;
    return 0;
}

/* Appends a dot to the last frame. */
static int
s_add_dot (sim_report_map_t *self, s_dot_t dot)
{
    if (s_room ((void **) &self->dots, &self->dots_cap, self->st.dots, sizeof *self->dots, 4096) != 0)
        return -1;
    self->dots[self->st.dots++] = dot;
    self->frames[self->st.frames - 1].n++;
    return 0;
}

static int
s_cmp_dot (const void *a, const void *b)
{
    const s_dot_t *x = a, *y = b;
    return (x->v > y->v) - (x->v < y->v);
}

/* Closes the last frame: its dots in the order of the vehicles (the page pairs them up between frames). */
static void
s_end_frame (sim_report_map_t *self)
{
    if (!self->st.frames)
        return;
    s_frame_t *fr = &self->frames[self->st.frames - 1];
    qsort (self->dots + fr->first, fr->n, sizeof *self->dots, s_cmp_dot);
}

/* The frames of the rows kept, into the map: the vehicles picked, the frame step, then a frame every step with the
 * picked vehicles' dots. 0, or -1 when out of memory (why says so). Once. */
static int
s_frames_finish (sim_report_map_frames_t *self)
{
    if (self->finished)
        return self->failed ? -1 : 0;
    self->finished = 1;
    sim_report_map_t *map = self->map;
    map->st.fcd_rows = self->nrows;
    if (self->failed || self->nrows == 0)
        return self->failed ? -1 : 0;
    map->st.day = (int) self->day;
    if (self->nsamples > 1)
        map->st.fcd_period_s = (int) lround (fmax (1, (double) (self->samples[1].ms - self->samples[0].ms) / 1000));
    int32_t *kept = NULL;
    if (s_pick (map, self->seen, self->seen_cap, self->opts.vehicles_max, &kept) != 0) {
        free (kept);
        return s_refuse (self, "out of memory");
    }
    /* the frame step: the file's period (or the shortest asked for), doubled while the frames would hold too many
     * dots (rows x the share of vehicles kept x the share of samples that are frames) */
    int period = map->st.fcd_period_s ? map->st.fcd_period_s : 1;
    int step = self->opts.frame_s > period ? self->opts.frame_s : period;
    double rows = (double) map->st.fcd_rows * (double) map->st.vehicles_kept / (double) map->st.vehicles;
    while (rows * fmin (1.0, (double) period / step) > (double) self->opts.dots_max && step < 86400)
        step *= 2;
    map->st.frame_s = step;
    int64_t next_frame = INT64_MIN;
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < self->nsamples; k++) {
        const s_sample_t *sample = &self->samples[k];
        if (sample->ms < next_frame)
            continue;
        s_end_frame (map);
        if (s_room ((void **) &map->frames, &map->frames_cap, map->st.frames, sizeof *map->frames, 256) != 0) {
            rc = -1;
            break;
        }
        map->frames[map->st.frames++] =
            (s_frame_t){(int32_t) floor ((double) sample->ms / 1000), map->st.dots, 0};
        next_frame = sample->ms + (int64_t) step * 1000;
        size_t end = k + 1 < self->nsamples ? self->samples[k + 1].first : self->nrows;
        for (size_t r = sample->first; rc == 0 && r < end; r++) {
            const s_kept_row_t *row = &self->rows[r];
            int32_t v = kept[row->vehicle_cls >> 8];
            if (v >= 0)
                rc = s_add_dot (map, (s_dot_t){(uint16_t) v, row->x, row->y, (uint8_t) (row->vehicle_cls & 0xff)});
        }
    }
    s_end_frame (map);
    free (kept);
    return rc == 0 ? 0 : s_refuse (self, "out of memory");
}

static int s_frames_json (const sim_report_map_t *self, s_out_t *o);

int
sim_report_map_frames_write (sim_report_map_frames_t *self, const char *dir, char *err, size_t errlen)
{
    if (!self)
        return 0;
    sim_file_t file;
    if (sim_file_open (&file, dir, SIM_REPORT_MAP_FRAMES_FILE, err, errlen) != 0)
        return -1;
    if (s_frames_finish (self) != 0) {
        map_error (err, errlen, "%s: %s", file.path, self->why);
        sim_file_abandon (&file);
        return -1;
    }
    s_out_t out = {file.f, 0};
    if (s_frames_json (self->map, &out) != 0) {
        map_error (err, errlen, "%s: out of memory", file.path);
        sim_file_abandon (&file);
        return -1;
    }
    return sim_file_close (&file, err, errlen);
}

/* -------------------------------------------------------------------------------------------------------------- */
/* fcd.csv, read when there is no map_frames.json: a pass through a builder */

enum { S_DAY, S_TIME, S_VEHICLE, S_FLEET, S_STATE, S_LON, S_LAT, S_FCD_COLS };
static const char *const s_fcd_cols[S_FCD_COLS] = {"day", "time_s", "vehicle", "fleet", "state", "lon", "lat"};

/* The row of s (columns col) given to the builder. 0, or -1 with "PATH:LINE: why". */
static int
s_fcd_row (sim_report_map_frames_t *b, const sim_csv_stream_t *s, const int *col, char *err, size_t errlen)
{
    double day, time_s, vehicle, lon, lat;
    if (s_number (s, col[S_DAY], &day, err, errlen) || s_number (s, col[S_TIME], &time_s, err, errlen) ||
        s_number (s, col[S_VEHICLE], &vehicle, err, errlen) || s_number (s, col[S_LON], &lon, err, errlen) ||
        s_number (s, col[S_LAT], &lat, err, errlen))
        return -1;
    if (day != trunc (day) || day < 0 || day > 1e6)
        return map_error (err, errlen, "%s:%d: day '%s' is not a day number", s->head.path, s->lineno,
                          s->cells[col[S_DAY]]);
    if (vehicle != trunc (vehicle) || vehicle < 0 || vehicle >= S_VEHICLE_MAX)
        return map_error (err, errlen, "%s:%d: vehicle '%s' is not an id 0..%u", s->head.path, s->lineno,
                          s->cells[col[S_VEHICLE]], S_VEHICLE_MAX - 1);
    if (fabs (time_s) > 1e12)
        return map_error (err, errlen, "%s:%d: time_s '%s' is out of range", s->head.path, s->lineno,
                          s->cells[col[S_TIME]]);
    if (sim_report_map_frames_add (b, (uint32_t) day, llround (time_s * 1000), (uint32_t) vehicle,
                                   s->cells[col[S_FLEET]], s->cells[col[S_STATE]], lon, lat) != 0)
        return map_error (err, errlen, "%s:%d: %s", s->head.path, s->lineno, b->why);
    return 0;
}

/* fcd.csv's first day into the map's frames, one pass. 0 (also when there is none), or -1. */
static int
s_read_fcd (sim_report_map_t *self, const char *dir, const sim_report_map_opts_t *opts, char *err, size_t errlen)
{
    char path[S_PATH_MAX];
    snprintf (path, sizeof path, "%s/fcd.csv", dir);
    sim_csv_stream_t s;
    int rc = sim_csv_stream_open (&s, path, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    int col[S_FCD_COLS];
    if (sim_csv_need (&s.head, s_fcd_cols, col, S_FCD_COLS, err, errlen) != 0) {
        sim_csv_stream_close (&s);
        return -1;
    }
    sim_report_map_frames_t *b = s_frames_new (self, 0, opts);
    if (!b) {
        sim_csv_stream_close (&s);
        return map_error (err, errlen, "%s: out of memory", path);
    }
    while (!b->done && (rc = sim_csv_stream_next (&s, err, errlen)) == 1)
        if ((rc = s_fcd_row (b, &s, col, err, errlen)) != 0)
            break;
    sim_csv_stream_close (&s);
    if (rc >= 0 && s_frames_finish (b) != 0)
        rc = map_error (err, errlen, "%s: %s", path, b->why);
    sim_report_map_frames_destroy (&b);
    return rc < 0 ? -1 : 0;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* map_frames.json */

/* An array of n JSON integers in [lo, hi] into v (n values); 0, or -1. */
static int
s_ints (const json_t *a, int64_t lo, int64_t hi, int64_t *v, size_t n)
{
    if (!json_is_array (a) || json_array_size (a) != n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_array_get (a, i);
        if (!json_is_integer (x) || json_integer_value (x) < lo || json_integer_value (x) > hi)
            return -1;
        v[i] = json_integer_value (x);
    }
    return 0;
}

/* The dots from their base64: 8 characters a dot (6 bytes: never padded). 0, or -1 when it is not that. dots holds
 * len / 8. */
static int
s_unbase64_dots (const char *text, size_t len, s_dot_t *dots)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int8_t table[256];
    memset (table, -1, sizeof table);
    for (int i = 0; i < 64; i++)
        table[(uint8_t) abc[i]] = (int8_t) i;
    if (len % 8)
        return -1;
    const uint8_t *p = (const uint8_t *) text;
    for (size_t i = 0; i < len / 8; i++, p += 8) {
        int bad = 0;
        uint64_t v = 0;
        for (int j = 0; j < 8; j++) {
            int c = table[p[j]];
            bad |= c;
            v = v << 6 | (uint64_t) (c & 63);
        }
        if (bad < 0)
            return -1;
        /* bytes b0..b5 from the top: v = b0 << 40 | .. | b5 */
        unsigned b[6];
        for (int j = 0; j < 6; j++)
            b[j] = (unsigned) (v >> (40 - 8 * j)) & 0xff;
        dots[i].v = (uint16_t) (b[0] | b[1] << 8);
        dots[i].x = (uint16_t) (b[2] | (b[3] & 15) << 8);
        dots[i].y = (uint16_t) (b[3] >> 4 | b[4] << 4);
        dots[i].cls = (uint8_t) b[5];
    }
    return 0;
}

/* Names of a JSON array into names (reset first). 0, or -1. */
static int
s_read_names (const json_t *a, char (*names)[S_NAME_MAX], size_t *n, size_t max)
{
    if (!json_is_array (a) || json_array_size (a) > max)
        return -1;
    *n = 0;
    for (size_t i = 0; i < json_array_size (a); i++) {
        const char *name = json_string_value (json_array_get (a, i));
        if (!name || s_intern (names, n, max, name) != (int) i)
            return -1;   /* not a name, or twice */
    }
    return 0;
}

/* The whole of path, NUL-terminated, in *text (*len bytes). 0, 1 when there is no file, or -1 with "PATH: why". */
static int
s_slurp (const char *path, char **text, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return errno == ENOENT ? 1 : map_error (err, errlen, "%s: %s", path, strerror (errno));
    size_t cap = 1 << 20, n = 0, got;
    char *buf = malloc (cap);
    while (buf && (got = fread (buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *grown = realloc (buf, cap * 2);
            if (!grown) {
                free (buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    int bad = ferror (f);
    fclose (f);
    if (!buf || bad) {
        free (buf);
        return map_error (err, errlen, "%s: %s", path, bad ? "read failed" : "out of memory");
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

/* Reads map_frames.json into the map's box, fleets, states, vehicles, frames and dots. 0, 1 when there is none, or
 * -1 with "PATH: why". The file is one JSON object whose last member, on the last line, is "dots": its megabytes of
 * base64 are taken straight from the text, and only what comes before goes through the JSON parser. */
static int
s_read_frames_file (sim_report_map_t *self, const char *dir, char *err, size_t errlen)
{
    char path[S_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, SIM_REPORT_MAP_FRAMES_FILE);
    char *buf = NULL;
    size_t len = 0;
    int rc = s_slurp (path, &buf, &len, err, errlen);
    if (rc != 0)
        return rc;
    static const char dots_key[] = ",\n\"dots\":\"";
    char *dots = strstr (buf, dots_key), *text = dots ? dots + strlen (dots_key) : NULL;
    char *text_end = text ? strchr (text, '"') : NULL;
    if (!text_end || text_end[1] != '}' || strspn (text_end + 2, " \t\r\n") != strlen (text_end + 2)) {
        free (buf);
        return map_error (err, errlen, "%s: not a map_frames.json of robotaxi-sim (no \"dots\" on the last line)",
                          path);
    }
    size_t text_len = (size_t) (text_end - text);
    dots[0] = '}';   /* what comes before the dots, closed */
    json_error_t jerr;
    json_t *root = json_loadb (buf, (size_t) (dots + 1 - buf), 0, &jerr);
    if (!root) {
        free (buf);
        return map_error (err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
    }
    const char *why = NULL;
    sim_report_map_stats_t *st = &self->st;
    json_t *frames = json_object_get (root, "frames");
    int64_t head[7], box_ok = 1;
    double box[4];
    const json_t *bbox = json_object_get (root, "bbox");
    for (int i = 0; i < 4; i++) {
        const json_t *v = json_array_get (bbox, (size_t) i);
        box_ok &= json_is_number (v) && isfinite (box[i] = json_number_value (v)) && fabs (box[i]) <= 180;
    }
    static const char *const keys[] = {"grid", "day", "fcd_rows", "fcd_period_s", "frame_s", "vehicles", "frames"};
    for (int i = 0; i < 7; i++) {
        const json_t *v = i < 6 ? json_object_get (root, keys[i]) : json_object_get (frames, "t");
        head[i] = i < 6 ? (json_is_integer (v) ? json_integer_value (v) : -1) : (int64_t) json_array_size (v);
        if (head[i] < 0 || head[i] > (int64_t) 1 << 40)
            why = why ? why : "a count that is not a whole number >= 0";
    }
    size_t nkept = json_array_size (json_object_get (root, "kept"));
    if (!why && head[0] != SIM_REPORT_MAP_GRID)
        why = "not this program's map frames (another grid)";
    else if (!why && (!box_ok || !(box[0] < box[2]) || !(box[1] < box[3])))
        why = "bbox is not [lon_min, lat_min, lon_max, lat_max]";
    else if (!why && (s_read_names (json_object_get (root, "fleets"), self->fleets, &self->nfleets, S_FLEETS_MAX) ||
                      s_read_names (json_object_get (root, "states"), self->states, &self->nstates, S_STATES_MAX)))
        why = "fleets or states are not lists of names";
    else if (!why && nkept > 65535)
        why = "more than 65,535 kept vehicles";
    if (why) {
        json_decref (root);
        free (buf);
        return map_error (err, errlen, "%s: %s", path, why);
    }
    size_t nframes = (size_t) head[6];
    int64_t *ints = malloc ((nframes * 2 + nkept + 1) * sizeof *ints);
    self->kept_ids = malloc ((nkept + 1) * sizeof *self->kept_ids);
    self->frames = malloc ((nframes + 1) * sizeof *self->frames);
    self->frames_cap = nframes + 1;
    size_t ndots = text_len / 8, sum = 0;
    self->dots = malloc ((ndots + 1) * sizeof *self->dots);
    if (!ints || !self->kept_ids || !self->frames || !self->dots)
        why = "out of memory";
    else if (s_ints (json_object_get (root, "kept"), 0, S_VEHICLE_MAX - 1, ints, nkept) != 0 ||
             s_ints (json_object_get (frames, "t"), INT32_MIN, INT32_MAX, ints + nkept, nframes) ||
             s_ints (json_object_get (frames, "n"), 0, 1 << 30, ints + nkept + nframes, nframes))
        why = "kept or frames are not lists of whole numbers in range";
    else if (s_unbase64_dots (text, text_len, self->dots) != 0)
        why = "dots are not base64 of 6 bytes each";
    for (size_t k = 0; !why && k < nframes; k++)
        sum += (size_t) ints[nkept + nframes + k];
    if (!why && sum != ndots)
        why = "the frames' counts do not add up to the dots";
    for (size_t i = 0; !why && i < ndots; i++) {
        const s_dot_t *d = &self->dots[i];
        if (d->v >= nkept || d->cls / S_STATES_MAX >= self->nfleets || d->cls % S_STATES_MAX >= self->nstates)
            why = "a dot names a vehicle, fleet or state it does not list";
    }
    if (!why) {
        for (size_t i = 0; i < nkept; i++)
            self->kept_ids[i] = (uint32_t) ints[i];
        for (size_t k = 0, at = 0; k < nframes; k++) {
            size_t n = (size_t) ints[nkept + nframes + k];
            self->frames[k] = (s_frame_t){(int32_t) ints[nkept + k], at, n};
            at += n;
        }
        self->lon0 = box[0];
        self->lat0 = box[1];
        self->lon1 = box[2];
        self->lat1 = box[3];
        st->day = (int) head[1];
        st->fcd_rows = (size_t) head[2];
        st->fcd_period_s = (int) head[3];
        st->frame_s = (int) head[4];
        st->vehicles = (size_t) head[5];
        st->vehicles_kept = nkept;
        st->frames = nframes;
        st->dots = ndots;
        self->dots_cap = ndots + 1;
    }
    free (ints);
    if (!why) {
        self->file_text = buf;
        self->dots_b64 = text;
        self->dots_b64_len = text_len;
    } else {
        free (buf);
    }
    json_decref (root);
    return why ? map_error (err, errlen, "%s: %s", path, why) : 0;
}

/* requests.csv: the requests of the map's day counted on the heat grid. 0 (also when there is none), or -1. */
static int
s_read_requests (sim_report_map_t *self, const char *dir, char *err, size_t errlen)
{
    char path[S_PATH_MAX];
    snprintf (path, sizeof path, "%s/requests.csv", dir);
    sim_csv_stream_t s;
    int rc = sim_csv_stream_open (&s, path, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    static const char *const names[] = {"day", "lon", "lat"};
    int col[3];
    if (sim_csv_need (&s.head, names, col, 3, err, errlen) != 0) {
        sim_csv_stream_close (&s);
        return -1;
    }
    /* cells of about equal size on the ground: the rows follow the box's shape in metres */
    double kx = cos ((self->lat0 + self->lat1) / 2 * S_PI / 180);
    double aspect = (self->lat1 - self->lat0) / ((self->lon1 - self->lon0) * kx);
    self->heat_cols = SIM_REPORT_MAP_HEAT_COLS;
    self->heat_rows = (int) fmin (S_HEAT_ROWS_MAX, fmax (1, lround (SIM_REPORT_MAP_HEAT_COLS * aspect)));
    self->heat = calloc ((size_t) self->heat_cols * (size_t) self->heat_rows, sizeof *self->heat);
    if (!self->heat) {
        sim_csv_stream_close (&s);
        return map_error (err, errlen, "%s: out of memory", path);
    }
    int day = self->st.day;
    while ((rc = sim_csv_stream_next (&s, err, errlen)) == 1) {
        double d, lon, lat;
        if (s_number (&s, col[0], &d, err, errlen) || s_number (&s, col[1], &lon, err, errlen) ||
            s_number (&s, col[2], &lat, err, errlen)) {
            rc = -1;
            break;
        }
        if (day == 0)
            day = (int) d;   /* no fcd.csv: the first day of the requests */
        if ((int) d != day)
            continue;
        self->st.requests++;
        uint16_t x, y;
        if (s_quantize (self, lon, lat, &x, &y)) {
            self->st.requests_outside++;
            continue;
        }
        int cx = (int) ((double) x * self->heat_cols / (SIM_REPORT_MAP_GRID + 1));
        int cy = (int) ((double) y * self->heat_rows / (SIM_REPORT_MAP_GRID + 1));
        self->heat[(size_t) cy * (size_t) self->heat_cols + (size_t) cx]++;
    }
    sim_csv_stream_close (&s);
    return rc < 0 ? -1 : 0;
}

int
sim_report_map_load (const char *dir, const sim_report_map_opts_t *opts, sim_report_map_t **map, char *err,
                     size_t errlen)
{
    *map = NULL;
    sim_report_map_opts_t o = s_opts (opts);
    char path[S_PATH_MAX];
    snprintf (path, sizeof path, "%s/roads.geojson", dir);
    s_segs_t segs = {0};
    int rc = s_read_roads (&segs, path, err, errlen);
    if (rc != 0) {
        free (segs.segs);
        return rc < 0 ? -1 : 0;
    }
    sim_report_map_t *self = s_map_new ();
    if (!self) {
        free (segs.segs);
        return map_error (err, errlen, "%s: out of memory", path);
    }
    s_keep_roads (self, &segs, o.segments_max);
    free (segs.segs);
    /* the vehicles: the frames the run made (map_frames.json), else made here from fcd.csv (slower) */
    rc = s_read_frames_file (self, dir, err, errlen);
    self->st.from_frames_file = rc == 0;
    if (rc < 0 || (rc == 1 && s_read_fcd (self, dir, &o, err, errlen) != 0) ||
        s_read_requests (self, dir, err, errlen) != 0) {
        sim_report_map_destroy (&self);
        return -1;
    }
    /* the page's data counted, not written, for its size (the page says it above the data) */
    s_out_t count = {NULL, 0};
    if (s_data (self, &count) != 0) {
        sim_report_map_destroy (&self);
        return map_error (err, errlen, "%s: out of memory", dir);
    }
    self->st.data_bytes = count.bytes;
    *map = self;
    return 0;
}

int32_t
sim_report_map_frame (const sim_report_map_t *self, size_t k, size_t *ndots)
{
    *ndots = self->frames[k].n;
    return self->frames[k].time_s;
}

void
sim_report_map_dot (const sim_report_map_t *self, size_t k, size_t i, sim_report_map_dot_t *dot)
{
    const s_dot_t *d = &self->dots[self->frames[k].first + i];
    dot->vehicle = self->kept_ids[d->v];
    dot->lon = self->lon0 + (self->lon1 - self->lon0) * d->x / SIM_REPORT_MAP_GRID;
    dot->lat = self->lat0 + (self->lat1 - self->lat0) * d->y / SIM_REPORT_MAP_GRID;
    dot->fleet = self->fleets[d->cls / S_STATES_MAX];
    dot->state = self->states[d->cls % S_STATES_MAX];
}

/* -------------------------------------------------------------------------------------------------------------- */
/* the page */

/* Records every JavaScript error of the page from here on, and in #selftest writes what the map's script found (or
 * that it did not finish) with the errors into #map-selftest: on each error and once the page has loaded. */
static const char s_capture_js[] =
    "(function () {\n"
    "  var errors = window.rtMapErrors = [];\n"
    "  function write () {\n"
    "    if (location.hash !== '#selftest') return;\n"
    "    var pre = document.getElementById('map-selftest');\n"
    "    if (!pre) return;\n"
    "    var r = window.rtMapResult || {ok: false, why: 'the map script did not finish'};\n"
    "    r.errors = errors.slice();\n"
    "    if (errors.length) r.ok = false;\n"
    "    pre.textContent = JSON.stringify(r);\n"
    "  }\n"
    "  window.rtMapWrite = write;\n"
    "  window.onerror = function (msg, src, line, col, e) {\n"
    "    errors.push(String(msg) + ' (' + (src || '?') + ':' + line + ':' + col + ')');\n"
    "    write();\n"
    "  };\n"
    "  window.addEventListener('unhandledrejection', function (ev) {\n"
    "    errors.push('unhandled rejection: ' + String(ev.reason));\n"
    "    write();\n"
    "  });\n"
    "  window.addEventListener('load', write);\n"
    "})();\n";

/* The map: a base of demand and roads drawn once offscreen, then per drawing only the vehicles, placed between the
 * two frames around the clock (a vehicle in both moves in a straight line; one in only one shows in its half). */
static const char s_map_js[] =
    "(function () {\n"
    "'use strict';\n"
    "var began = performance.now(), data = JSON.parse(document.getElementById('map-data').textContent);\n"
    "function bytes (s) {\n"
    "  var bin = atob(s), a = new Uint8Array(bin.length);\n"
    "  for (var i = 0; i < bin.length; i++) a[i] = bin.charCodeAt(i);\n"
    "  return a;\n"
    "}\n"
    "var G = data.grid, roads = bytes(data.roads.xy), heat = bytes(data.heat.counts), dots = bytes(data.dots);\n"
    "var T = data.frames.t, N = data.frames.n, start = [], acc = 0;\n"
    "for (var k = 0; k < T.length; k++) { start.push(acc); acc += N[k]; }\n"
    "/* colours: a family per fleet, a shade per state; a state this page does not know gets its fleet's last */\n"
    "var PALETTE = {\n"
    "  robotaxi: {idle: '#9ecae1', to_pickup: '#56b4e9', carrying: '#0072b2', repositioning: '#009e73',\n"
    "             to_depot: '#4a6fa5', to_charger: '#7fcdbb', charging: '#1d91c0', '': '#08306b'},\n"
    "  human: {idle: '#fdc086', to_pickup: '#e69f00', carrying: '#d55e00', repositioning: '#a6611a',\n"
    "          cruising: '#f4a582', going_home: '#8c510a', to_charger: '#fee08b', charging: '#cc4c02',\n"
    "          '': '#67000d'},\n"
    "  '': {'': '#3f007d'}\n"
    "};\n"
    "var STATE_WORDS = {idle: 'idle', to_pickup: 'to pickup', carrying: 'carrying a rider',\n"
    "                   repositioning: 'repositioning', cruising: 'cruising for riders',\n"
    "                   to_depot: 'to the depot', going_home: 'going home', to_charger: 'to a charger',\n"
    "                   charging: 'at a charger'};\n"
    "function colour (fleet, state) {\n"
    "  var f = PALETTE[fleet] || PALETTE[''];\n"
    "  return f[state] || f[''];\n"
    "}\n"
    "var classColour = [], colourClass = {};\n"
    "data.fleets.forEach(function (fleet, fi) {\n"
    "  data.states.forEach(function (state, si) {\n"
    "    var c = colour(fleet, state), cls = fi * 16 + si;\n"
    "    classColour[cls] = c;\n"
    "    colourClass[parseInt(c.slice(1), 16)] = c;\n"
    "  });\n"
    "});\n"
    "\n"
    "/* the canvas: as wide as the page, tall as the map's box in metres; device pixels, so dots are whole pixels "
    "*/\n"
    "var canvas = document.getElementById('map-canvas'), ctx = canvas.getContext('2d');\n"
    "var b = data.bbox, kx = Math.cos((b[1] + b[3]) / 2 * Math.PI / 180);\n"
    "var aspect = (b[3] - b[1]) / ((b[2] - b[0]) * kx);\n"
    "var cssW = Math.min(canvas.parentNode.clientWidth || 900, 980), cssH = Math.round(cssW * aspect);\n"
    "if (cssH > 760) { cssW = Math.round(cssW * 760 / cssH); cssH = 760; }\n"
    "var dpr = window.devicePixelRatio || 1;\n"
    "var W = canvas.width = Math.round(cssW * dpr), H = canvas.height = Math.round(cssH * dpr);\n"
    "canvas.style.width = cssW + 'px';\n"
    "canvas.style.height = cssH + 'px';\n"
    "function px (x) { return x * (W - 1) / G; }\n"
    "function py (y) { return (H - 1) - y * (H - 1) / G; }\n"
    "\n"
    "var base = document.createElement('canvas');\n"
    "base.width = W;\n"
    "base.height = H;\n"
    "(function () {\n"
    "  var c = base.getContext('2d');\n"
    "  c.fillStyle = '#ffffff';\n"
    "  c.fillRect(0, 0, W, H);\n"
    "  var hc = data.heat.cols, hr = data.heat.rows, max = data.heat.max;\n"
    "  if (max > 0) {\n"
    "    var small = document.createElement('canvas');\n"
    "    small.width = hc;\n"
    "    small.height = hr;\n"
    "    var sc = small.getContext('2d'), img = sc.createImageData(hc, hr);\n"
    "    /* the counts spread over their neighbours (a box blur of 2 cells each way, twice), so density reads as "
    "areas */\n"
    "    var d = new Float32Array(hc * hr), e = new Float32Array(hc * hr), r, q, i, m, top = 0;\n"
    "    for (i = 0; i < hc * hr; i++) d[i] = heat[2 * i] | heat[2 * i + 1] << 8;\n"
    "    for (var pass = 0; pass < 4; pass++) {\n"
    "      var across = pass % 2 === 0, from = across ? d : e, to = across ? e : d;\n"
    "      for (r = 0; r < hr; r++)\n"
    "        for (q = 0; q < hc; q++) {\n"
    "          var sum = 0, cnt = 0;\n"
    "          for (m = -2; m <= 2; m++) {\n"
    "            var rr = across ? r : r + m, qq = across ? q + m : q;\n"
    "            if (rr >= 0 && rr < hr && qq >= 0 && qq < hc) { sum += from[rr * hc + qq]; cnt++; }\n"
    "          }\n"
    "          to[r * hc + q] = sum / cnt;\n"
    "        }\n"
    "    }\n"
    "    for (i = 0; i < hc * hr; i++) top = Math.max(top, d[i]);\n"
    "    for (r = 0; r < hr; r++)\n"
    "      for (q = 0; q < hc; q++) {\n"
    "        var v = d[r * hc + q] / top, o = ((hr - 1 - r) * hc + q) * 4;\n"
    "        img.data[o] = 204; img.data[o + 1] = 121; img.data[o + 2] = 167;\n"
    "        img.data[o + 3] = v > 0.02 ? Math.round(200 * Math.sqrt(v)) : 0;\n"
    "      }\n"
    "    sc.putImageData(img, 0, 0);\n"
    "    c.imageSmoothingEnabled = true;\n"
    "    c.drawImage(small, 0, 0, W, H);\n"
    "  }\n"
    "  var style = {expressway: ['#4d4d4d', 2.2], bridge: ['#4d4d4d', 2.2], arterial: ['#737373', 1.6],\n"
    "               secondary: ['#969696', 1.1], local: ['#bdbdbd', 0.7], other: ['#bdbdbd', 0.7]};\n"
    "  var first = [], at = 0;\n"
    "  data.roads.n.forEach(function (n) { first.push(at); at += n; });\n"
    "  c.lineCap = 'round';\n"
    "  for (var ci = data.roads.classes.length - 1; ci >= 0; ci--) {\n"
    "    var st = style[data.roads.classes[ci]] || style.other;\n"
    "    c.strokeStyle = st[0];\n"
    "    c.lineWidth = st[1] * dpr;\n"
    "    c.beginPath();\n"
    "    for (var s = first[ci]; s < first[ci] + data.roads.n[ci]; s++) {\n"
    "      var o8 = s * 8;\n"
    "      c.moveTo(px(roads[o8] | roads[o8 + 1] << 8), py(roads[o8 + 2] | roads[o8 + 3] << 8));\n"
    "      c.lineTo(px(roads[o8 + 4] | roads[o8 + 5] << 8), py(roads[o8 + 6] | roads[o8 + 7] << 8));\n"
    "    }\n"
    "    c.stroke();\n"
    "  }\n"
    "})();\n"
    "\n"
    "/* the legend: a row per state, a column per fleet, with how many are drawn at the clock */\n"
    "var legend = document.getElementById('map-legend'), cells = {};\n"
    "(function () {\n"
    "  var head = '<tr><th>state</th>';\n"
    "  data.fleets.forEach(function (f) { head += '<th class=\"n\">' + f + '</th>'; });\n"
    "  var rows = head + '</tr>';\n"
    "  data.states.forEach(function (s, si) {\n"
    "    var known = STATE_WORDS[s];\n"
    "    rows += '<tr><th>' + (known || s + ' (a state this page does not know)') + '</th>';\n"
    "    data.fleets.forEach(function (f, fi) {\n"
    "      rows += '<td class=\"n\"><span class=\"map-swatch\" style=\"background:' + colour(f, s) +\n"
    "              '\"></span> <span id=\"map-n-' + (fi * 16 + si) + '\">0</span></td>';\n"
    "    });\n"
    "    rows += '</tr>';\n"
    "  });\n"
    "  legend.innerHTML = rows;\n"
    "  data.fleets.forEach(function (f, fi) {\n"
    "    data.states.forEach(function (s, si) {\n"
    "      cells[fi * 16 + si] = document.getElementById('map-n-' + (fi * 16 + si));\n"
    "    });\n"
    "  });\n"
    "})();\n"
    "\n"
    "function frameAt (t) {\n"
    "  var lo = 0, hi = T.length - 1;\n"
    "  while (lo < hi) {\n"
    "    var mid = (lo + hi + 1) >> 1;\n"
    "    if (T[mid] <= t) lo = mid; else hi = mid - 1;\n"
    "  }\n"
    "  return lo;\n"
    "}\n"
    "var buckets = [];\n"
    "function put (cls, x, y) {\n"
    "  (buckets[cls] || (buckets[cls] = [])).push(x, y);\n"
    "}\n"
    "/* Draws the vehicles at clock t over the base; the number drawn. */\n"
    "function draw (t) {\n"
    "  ctx.drawImage(base, 0, 0);\n"
    "  if (!T.length) return 0;\n"
    "  var k = frameAt(t), k2 = Math.min(k + 1, T.length - 1);\n"
    "  var a = k2 > k ? Math.max(0, Math.min(1, (t - T[k]) / (T[k2] - T[k]))) : 0;\n"
    "  buckets = [];\n"
    "  var i = start[k], ie = i + N[k], j = start[k2], je = j + N[k2];\n"
    "  if (k2 === k) j = je;\n"
    "  while (i < ie || j < je) {\n"
    "    var o = i * 6, p = j * 6;\n"
    "    var vi = i < ie ? dots[o] | dots[o + 1] << 8 : 1e9, vj = j < je ? dots[p] | dots[p + 1] << 8 : 1e9;\n"
    "    var xi = dots[o + 2] | (dots[o + 3] & 15) << 8, yi = dots[o + 3] >> 4 | dots[o + 4] << 4;\n"
    "    var xj = dots[p + 2] | (dots[p + 3] & 15) << 8, yj = dots[p + 3] >> 4 | dots[p + 4] << 4;\n"
    "    if (vi === vj) {\n"
    "      put(a < 0.5 ? dots[o + 5] : dots[p + 5], xi + (xj - xi) * a, yi + (yj - yi) * a);\n"
    "      i++; j++;\n"
    "    } else if (vi < vj) {\n"
    "      if (a < 0.5) put(dots[o + 5], xi, yi);\n"
    "      i++;\n"
    "    } else {\n"
    "      if (a >= 0.5) put(dots[p + 5], xj, yj);\n"
    "      j++;\n"
    "    }\n"
    "  }\n"
    "  var size = Math.max(3, Math.round(3 * dpr)), half = size >> 1, drawn = 0;\n"
    "  for (var cls in cells) cells[cls].textContent = '0';\n"
    "  buckets.forEach(function (xy, cls) {\n"
    "    ctx.fillStyle = classColour[cls] || colour('', '');\n"
    "    for (var q = 0; q < xy.length; q += 2)\n"
    "      ctx.fillRect(Math.round(px(xy[q])) - half, Math.round(py(xy[q + 1])) - half, size, size);\n"
    "    drawn += xy.length / 2;\n"
    "    if (cells[cls]) cells[cls].textContent = String(xy.length / 2);\n"
    "  });\n"
    "  return drawn;\n"
    "}\n"
    "\n"
    "/* the controls */\n"
    "var slider = document.getElementById('map-time'), clock = document.getElementById('map-clock');\n"
    "var play = document.getElementById('map-play'), speed = document.getElementById('map-speed');\n"
    "var t0 = T.length ? T[0] : 0, t1 = T.length ? T[T.length - 1] : 0, now = t0, playing = false, last = 0;\n"
    "slider.min = t0;\n"
    "slider.max = t1;\n"
    "function hhmm (t) {\n"
    "  var m = Math.floor(t / 60);\n"
    "  return String(Math.floor(m / 60)).padStart(2, '0') + ':' + String(m % 60).padStart(2, '0');\n"
    "}\n"
    "function show (t) {\n"
    "  now = Math.max(t0, Math.min(t1, t));\n"
    "  slider.value = now;\n"
    "  clock.textContent = hhmm(now);\n"
    "  return draw(now);\n"
    "}\n"
    "function step (ms) {\n"
    "  if (!playing) return;\n"
    "  var dt = last ? (ms - last) / 1000 : 0;\n"
    "  last = ms;\n"
    "  var t = now + dt * Number(speed.value);\n"
    "  show(t > t1 ? t0 : t);\n"
    "  requestAnimationFrame(step);\n"
    "}\n"
    "play.addEventListener('click', function () {\n"
    "  playing = !playing;\n"
    "  play.textContent = playing ? 'Pause' : 'Play';\n"
    "  last = 0;\n"
    "  if (playing) requestAnimationFrame(step);\n"
    "});\n"
    "slider.addEventListener('input', function () { show(Number(slider.value)); });\n"
    "if (!T.length) { play.disabled = true; slider.disabled = true; }\n"
    "show(T.length ? T[Math.floor(T.length / 3)] : 0);\n"
    "var ready = performance.now();\n"
    "\n"
    "/* report.html#selftest: the vehicles drawn at two times, read back from the canvas's pixels */\n"
    "if (location.hash === '#selftest') {\n"
    "  var res = {ok: false, frames: T.length, vehicles: data.vehicles, positions: []}, masks = [];\n"
    "  var bpx = base.getContext('2d').getImageData(0, 0, W, H).data, marked = 0;\n"
    "  for (var q = 0; q < bpx.length; q += 4) marked += bpx[q] < 250 || bpx[q + 1] < 250 || bpx[q + 2] < 250;\n"
    "  res.base_pixels = marked;\n"
    "  if (T.length >= 2) {\n"
    "    [Math.floor(T.length / 3), Math.floor(2 * T.length / 3)].forEach(function (k) {\n"
    "      var drawn = show(T[k]), img = ctx.getImageData(0, 0, W, H).data, mask = new Uint8Array(W * H);\n"
    "      var n = 0, by = {};\n"
    "      for (var p = 0, q = 0; q < W * H; p += 4, q++) {\n"
    "        var c = colourClass[img[p] << 16 | img[p + 1] << 8 | img[p + 2]];\n"
    "        if (c) { mask[q] = 1; n++; by[c] = (by[c] || 0) + 1; }\n"
    "      }\n"
    "      res.positions.push({time_s: T[k], clock: clock.textContent, slider: Number(slider.value),\n"
    "                          vehicles_drawn: drawn, pixels: n, pixels_by_colour: by});\n"
    "      masks.push(mask);\n"
    "    });\n"
    "    var differ = 0;\n"
    "    for (var q2 = 0; q2 < W * H; q2++) differ += masks[0][q2] !== masks[1][q2];\n"
    "    res.pixels_differing = differ;\n"
    "    var t = performance.now(), draws = 0;\n"
    "    for (var kk = 0; kk < T.length; kk += Math.max(1, Math.floor(T.length / 20)), draws++) draw(T[kk] + 30);\n"
    "    res.draw_ms = Math.round((performance.now() - t) / draws * 10) / 10;\n"
    "    show(T[Math.floor(2 * T.length / 3)]);\n"
    "    res.ok = res.positions.every(function (p) { return p.pixels > 0 && p.vehicles_drawn > 0; }) &&\n"
    "             differ > 0 && marked > 0;\n"
    "  } else res.why = 'fewer than two frames';\n"
    "  var r = canvas.getBoundingClientRect();\n"
    "  res.canvas = {x: Math.round(r.left + scrollX), y: Math.round(r.top + scrollY), width: Math.round(r.width),\n"
    "                height: Math.round(r.height), device_pixels: [W, H]};\n"
    "  res.setup_ms = Math.round(ready - began);\n"
    "  window.rtMapResult = res;\n"
    "  window.rtMapWrite();\n"
    "}\n"
    "})();\n";

static void s_put (s_out_t *o, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_put (s_out_t *o, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int n = o->f ? vfprintf (o->f, fmt, ap) : vsnprintf (NULL, 0, fmt, ap);
    va_end (ap);
    if (n > 0)
        o->bytes += (size_t) n;
}

/* bytes[0..n) as base64 in double quotes. */
static void
s_base64 (s_out_t *o, const uint8_t *bytes, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char buf[4096];
    size_t used = 0;
    if (!o->f) {
        o->bytes += (n + 2) / 3 * 4 + 2;
        return;
    }
    fputc ('"', o->f);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t) bytes[i] << 16 | (i + 1 < n ? (uint32_t) bytes[i + 1] << 8 : 0) |
                     (i + 2 < n ? bytes[i + 2] : 0);
        buf[used++] = abc[v >> 18 & 63];
        buf[used++] = abc[v >> 12 & 63];
        buf[used++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        buf[used++] = i + 2 < n ? abc[v & 63] : '=';
        if (used == sizeof buf) {
            fwrite (buf, 1, used, o->f);
            o->bytes += used;
            used = 0;
        }
    }
    fwrite (buf, 1, used, o->f);
    fputc ('"', o->f);
    o->bytes += used + 2;
}

/* names[0..n) as a JSON array (they are checked names: nothing to escape). */
static void
s_names (s_out_t *o, const char (*names)[S_NAME_MAX], size_t n)
{
    s_put (o, "[");
    for (size_t i = 0; i < n; i++)
        s_put (o, "%s\"%s\"", i ? "," : "", names[i]);
    s_put (o, "]");
}

static void
s_put_le16 (uint8_t *p, unsigned v)
{
    p[0] = (uint8_t) (v & 0xff);
    p[1] = (uint8_t) (v >> 8);
}

/* The dots, 6 bytes each: the vehicle's index (16 bits), x and y (12 bits each), the class (8 bits). */
static void
s_pack_dots (const sim_report_map_t *self, uint8_t *bytes)
{
    for (size_t i = 0; i < self->st.dots; i++) {
        const s_dot_t *d = &self->dots[i];
        uint8_t *p = bytes + i * 6;
        s_put_le16 (p, d->v);
        p[2] = (uint8_t) (d->x & 0xff);
        p[3] = (uint8_t) ((d->x >> 8) | (d->y & 15) << 4);
        p[4] = (uint8_t) (d->y >> 4);
        p[5] = d->cls;
    }
}

/* "frames":{"t":[...],"n":[...]},\n"dots":"base64" of the packed dots (the page's and map_frames.json's). */
static void
s_frames_lists (const sim_report_map_t *self, s_out_t *o, const uint8_t *dots)
{
    s_put (o, "\"frames\":{\"t\":[");
    for (size_t k = 0; k < self->st.frames; k++)
        s_put (o, "%s%" PRId32, k ? "," : "", self->frames[k].time_s);
    s_put (o, "],\"n\":[");
    for (size_t k = 0; k < self->st.frames; k++)
        s_put (o, "%s%zu", k ? "," : "", self->frames[k].n);
    s_put (o, "]},\n\"dots\":");
    if (self->dots_b64 && o->f) {   /* map_frames.json's base64, as it is */
        fputc ('"', o->f);
        fwrite (self->dots_b64, 1, self->dots_b64_len, o->f);
        fputc ('"', o->f);
        o->bytes += self->dots_b64_len + 2;
    } else {
        s_base64 (o, dots, self->st.dots * 6);
    }
}

/* The data as JSON. -1 when out of memory (nothing more written). */
static int
s_data (const sim_report_map_t *self, s_out_t *o)
{
    size_t nheat = (size_t) self->heat_cols * (size_t) self->heat_rows;
    uint8_t *roads = malloc (self->nsegs * 8 + 1), *heat = malloc (nheat * 2 + 1),
            *dots = malloc (self->st.dots * 6 + 1);
    if (!roads || !heat || !dots) {
        free (roads);
        free (heat);
        free (dots);
        return -1;
    }
    size_t per_class[S_CLASSES] = {0};
    for (size_t i = 0; i < self->nsegs; i++) {
        const s_seg_t *s = &self->segs[i];
        uint16_t x0, y0, x1, y1;
        s_quantize (self, s->lon0, s->lat0, &x0, &y0);
        s_quantize (self, s->lon1, s->lat1, &x1, &y1);
        s_put_le16 (roads + i * 8, x0);
        s_put_le16 (roads + i * 8 + 2, y0);
        s_put_le16 (roads + i * 8 + 4, x1);
        s_put_le16 (roads + i * 8 + 6, y1);
        per_class[s->cls]++;
    }
    uint32_t max = 0;
    for (size_t i = 0; i < nheat; i++) {
        uint32_t v = self->heat[i] > 65535 ? 65535 : self->heat[i];
        max = v > max ? v : max;
        s_put_le16 (heat + i * 2, v);
    }
    if (o->f && !self->dots_b64)
        s_pack_dots (self, dots);   /* counted, or copied from map_frames.json, they need no packing */
    s_put (o, "{\"grid\":%d,\"bbox\":[%.6f,%.6f,%.6f,%.6f],\"day\":%d,\"vehicles\":%zu,\"frame_s\":%d,\n",
           SIM_REPORT_MAP_GRID, self->lon0, self->lat0, self->lon1, self->lat1, self->st.day, self->st.vehicles_kept,
           self->st.frame_s);
    s_put (o, "\"fleets\":");
    s_names (o, (const char (*)[S_NAME_MAX]) self->fleets, self->nfleets);
    s_put (o, ",\"states\":");
    s_names (o, (const char (*)[S_NAME_MAX]) self->states, self->nstates);
    s_put (o, ",\n\"roads\":{\"classes\":[");
    for (size_t c = 0; c < S_CLASSES; c++)
        s_put (o, "%s\"%s\"", c ? "," : "", s_classes[c]);
    s_put (o, "],\"n\":[");
    for (size_t c = 0; c < S_CLASSES; c++)
        s_put (o, "%s%zu", c ? "," : "", per_class[c]);
    s_put (o, "],\"xy\":");
    s_base64 (o, roads, self->nsegs * 8);
    s_put (o, "},\n\"heat\":{\"cols\":%d,\"rows\":%d,\"max\":%u,\"counts\":", self->heat_cols, self->heat_rows, max);
    s_base64 (o, heat, nheat * 2);
    s_put (o, "},\n");
    s_frames_lists (self, o, dots);
    s_put (o, "}\n");
    free (roads);
    free (heat);
    free (dots);
    return 0;
}

/* map_frames.json: the vehicles' part of the page's data (its box, the kept vehicles' ids, the frames and dots as
 * the page holds them) and what the sampling line says. -1 when out of memory (nothing written). */
static int
s_frames_json (const sim_report_map_t *self, s_out_t *o)
{
    uint8_t *dots = malloc (self->st.dots * 6 + 1);
    if (!dots)
        return -1;
    s_pack_dots (self, dots);
    const sim_report_map_stats_t *st = &self->st;
    s_put (o,
           "{\"grid\":%d,\"bbox\":[%.17g,%.17g,%.17g,%.17g],\"day\":%d,\"fcd_rows\":%zu,\"fcd_period_s\":%d,"
           "\"frame_s\":%d,\"vehicles\":%zu,\n\"fleets\":",
           SIM_REPORT_MAP_GRID, self->lon0, self->lat0, self->lon1, self->lat1, st->day, st->fcd_rows,
           st->fcd_period_s, st->frame_s, st->vehicles);
    s_names (o, (const char (*)[S_NAME_MAX]) self->fleets, self->nfleets);
    s_put (o, ",\"states\":");
    s_names (o, (const char (*)[S_NAME_MAX]) self->states, self->nstates);
    s_put (o, ",\n\"kept\":[");
    for (size_t i = 0; i < st->vehicles_kept; i++)
        s_put (o, "%s%" PRIu32, i ? "," : "", self->kept_ids[i]);
    s_put (o, "],\n");
    s_frames_lists (self, o, dots);
    s_put (o, "}\n");
    free (dots);
    return 0;
}

/* n with thousands separated by commas, into buf. */
static const char *
s_count (char *buf, size_t len, size_t n)
{
    char digits[32];
    int nd = snprintf (digits, sizeof digits, "%zu", n);
    size_t w = 0;
    for (int i = 0; i < nd && w + 2 < len; i++) {
        if (i && (nd - i) % 3 == 0)
            buf[w++] = ',';
        buf[w++] = digits[i];
    }
    buf[w] = '\0';
    return buf;
}

/* The line on what is drawn and how it was sampled. */
static void
s_sampling (const sim_report_map_t *self, FILE *f)
{
    const sim_report_map_stats_t *st = &self->st;
    char a[32], b[32], c[32];
    fputs ("<p class=\"meta\" id=\"map-sampling\">", f);
    if (st->frames)
        fprintf (
            f,
            "Vehicles: day %d of fcd.csv, %s of %s vehicles drawn (all up to %s; above that, that many evenly "
            "spaced in the order of their ids), a frame every %d s (fcd.csv has a sample every %d s), moved in a "
            "straight line between frames. ",
            st->day, s_count (a, sizeof a, st->vehicles_kept), s_count (b, sizeof b, st->vehicles),
            s_count (c, sizeof c, SIM_REPORT_MAP_VEHICLES_MAX), st->frame_s, st->fcd_period_s);
    else
        fputs ("Vehicles: none (no positions were sampled: no map_frames.json or fcd.csv, or no rows in them, as "
               "with robotaxi-sim --fcd-period 0). ",
               f);
    fprintf (f, "Roads: %s of %s segments", s_count (a, sizeof a, st->segments_drawn),
             s_count (b, sizeof b, st->segments));
    if (st->classes_left_out[0])
        fprintf (f, " (more than %s: the %s roads are left out)", s_count (c, sizeof c, SIM_REPORT_MAP_SEGMENTS_MAX),
                 st->classes_left_out);
    if (self->heat)
        fprintf (f, ". Demand: %s requests of the day counted on a %d &times; %d grid (%s off the map)",
                 s_count (a, sizeof a, st->requests), self->heat_cols, self->heat_rows,
                 s_count (b, sizeof b, st->requests_outside));
    else
        fputs (". Demand: none (no requests.csv)", f);
    fprintf (f, ". Map data: %.1f MB.</p>\n", (double) st->data_bytes / 1e6);
}

void
sim_report_map_html (const sim_report_map_t *self, FILE *f)
{
    fputs ("<h2 id=\"map\">Map of the day</h2>\n", f);
    fprintf (f, "<script>\n%s</script>\n", s_capture_js);
    fputs ("<style>\n"
           "#map-canvas{display:block;border:1px solid #ddd;margin:.5em 0}\n"
           ".map-controls{display:flex;gap:.7em;align-items:center}\n"
           "#map-time{flex:1}#map-clock{font-variant-numeric:tabular-nums;min-width:3.5em}\n"
           ".map-swatch{display:inline-block;width:.8em;height:.8em;border-radius:50%;vertical-align:middle}\n"
           "</style>\n",
           f);
    fputs ("<p>Where the vehicles are over the day, each a dot coloured by its fleet and what it is doing, over the "
           "roads (darker and wider: bigger roads) and the demand (pink: where riders asked for a ride, darker where "
           "more did). Play runs the day; the slider picks a time.</p>\n",
           f);
    fputs ("<div><canvas id=\"map-canvas\" width=\"900\" height=\"600\" role=\"img\" aria-label=\"Map of "
           "the roads, the demand and the vehicles at the time the slider shows\"></canvas></div>\n"
           "<div class=\"map-controls\"><button id=\"map-play\" type=\"button\">Play</button>"
           "<input id=\"map-time\" type=\"range\" step=\"1\" aria-label=\"time of day\">"
           "<output id=\"map-clock\">00:00</output>"
           "<select id=\"map-speed\" aria-label=\"speed\"><option value=\"300\">5 min/s</option>"
           "<option value=\"900\" selected>15 min/s</option><option value=\"3600\">1 h/s</option></select></div>\n"
           "<table id=\"map-legend\"></table>\n",
           f);
    s_sampling (self, f);
    fputs ("<pre id=\"map-selftest\" hidden></pre>\n<script type=\"application/json\" id=\"map-data\">", f);
    s_out_t out = {f, 0};
    if (s_data (self, &out) != 0)
        fputs ("{}", f);
    fprintf (f, "</script>\n<script>\n%s</script>\n", s_map_js);
}
