/* map_net: opens a road network from a specification. Three kinds of source: the embedded Wuhan-like city (built and
 * contracted in memory: a fraction of a second), a map file (loaded as saved), and an OSM extract (imported and
 * contracted, or taken from its cache file when that still matches the extract's size, time and import options). */
#include "map_net.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map_error.h"
#include "map_osm.h"
#include "map_wuhan.h"

#define S_EMBEDDED_PREFIX "embedded:"
#define S_PROGRESS_NODES 100000 /* contraction progress is reported for maps at least this big */

struct map_net_t {
    map_graph_t *graph;
    map_ch_t *ch;
    map_meta_t meta;
};

typedef struct {
    map_net_log_fn *log;
    void *arg;
    int last_tenth;            /* last progress step reported, in tenths */
} s_log_t;

static void s_log (s_log_t *l, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void s_log (s_log_t *l, const char *fmt, ...)
{
    if (!l->log) return;
    char line[768];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    l->log (line, l->arg);
}

/* map_ch_build's progress: one line per tenth, so a long contraction shows it is alive without flooding. */
static void s_on_progress (double done, void *arg)
{
    s_log_t *l = arg;
    int tenth = (int)(done * 10);
    if (tenth > l->last_tenth && tenth < 10) {
        l->last_tenth = tenth;
        s_log (l, "contracting: %d%%", tenth * 10);
    }
}

/* Takes ownership of g and contracts it. NULL with a message (g freed) on failure. */
static map_net_t *s_net_from_graph (map_graph_t *g, const map_meta_t *meta, s_log_t *l, char *err, size_t errlen)
{
    map_net_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_graph_destroy (&g);
        map_error (err, errlen, "%s: out of memory", meta->source);
        return NULL;
    }
    self->graph = g;
    self->meta = *meta;
    l->last_tenth = 0;
    /* Small maps contract in well under a second: progress lines would only be noise. */
    int long_build = map_graph_node_count (g) >= S_PROGRESS_NODES;
    self->ch = map_ch_build (g, long_build ? s_on_progress : NULL, l, err, errlen);
    if (!self->ch) {
        map_net_destroy (&self);
        return NULL;
    }
    return self;
}

static map_net_t *s_load_map_file (const char *path, char *err, size_t errlen);

/* Saves a network just built to spec->cache when one is named. self, or NULL (self freed) with a message when the
 * cache cannot be written. */
static map_net_t *s_cache_write (map_net_t *self, const map_spec_t *spec, s_log_t *l, char *err, size_t errlen)
{
    if (!self || !spec->cache[0]) return self;
    if (map_net_save (self, spec->cache, err, errlen) < 0) {
        map_net_destroy (&self);
        return NULL;
    }
    s_log (l, "map cache written to %s", spec->cache);
    return self;
}

static map_net_t *s_open_embedded (const map_spec_t *spec, s_log_t *l, char *err, size_t errlen)
{
    const char *name = spec->source + strlen (S_EMBEDDED_PREFIX);
    if (strcmp (name, "wuhan") != 0) {
        map_error (err, errlen, "map.source: '%s': unknown embedded map (known: embedded:wuhan)", spec->source);
        return NULL;
    }
    int epsg = spec->epsg;
    if (epsg == 0) {
        double lon_min, lat_min, lon_max, lat_max;
        map_wuhan_extent (&lon_min, &lat_min, &lon_max, &lat_max);
        epsg = map_osm_utm_epsg ((lon_min + lon_max) / 2, (lat_min + lat_max) / 2);
    }
    if (spec->cache[0] && access (spec->cache, F_OK) == 0) {
        /* The same city at the same grid, projection and generator: the contraction is reused, not redone. */
        char why[512] = "";
        map_net_t *cached = s_load_map_file (spec->cache, why, sizeof why);
        const map_meta_t *m = cached ? &cached->meta : NULL;
        if (m && strcmp (m->source, spec->source) == 0 && m->grid_m == spec->grid_m && m->epsg == epsg &&
            m->source_bytes == MAP_WUHAN_GENERATOR) {
            s_log (l, "map %s (%g m grid) from its cache %s: %zu nodes, %zu edges (EPSG:%d)", spec->source,
                   spec->grid_m, spec->cache, map_graph_node_count (cached->graph),
                   map_graph_edge_count (cached->graph), m->epsg);
            return cached;
        }
        if (m) snprintf (why, sizeof why, "it holds %.200s at a %g m grid, EPSG:%d", m->source, m->grid_m, m->epsg);
        map_net_destroy (&cached);
        s_log (l, "map cache %s not used: %s; building again", spec->cache, why);
    }
    map_graph_t *g = map_wuhan_build (epsg, spec->grid_m, err, errlen);
    if (!g) return NULL;
    map_meta_t meta = {.grid_m = spec->grid_m, .epsg = epsg, .source_bytes = MAP_WUHAN_GENERATOR};
    snprintf (meta.source, sizeof meta.source, "%s", spec->source);
    return s_cache_write (s_net_from_graph (g, &meta, l, err, errlen), spec, l, err, errlen);
}

int map_net_is_osm_name (const char *path)
{
    static const char *const suffixes[] = {".osm", ".pbf", ".osm.bz2", ".osm.gz", ".osm.xz", ".osm.zst"};
    size_t len = strlen (path);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t n = strlen (suffixes[i]);
        if (len > n && strcmp (path + len - n, suffixes[i]) == 0) return 1;
    }
    return 0;
}

static const char *s_highways (const map_spec_t *spec)
{
    return spec->highways[0] ? spec->highways : MAP_OSM_DEFAULT_HIGHWAYS;
}

/* The network saved in a map file, as it is. NULL with a message. */
static map_net_t *s_load_map_file (const char *path, char *err, size_t errlen)
{
    map_net_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (map_file_load (path, &self->graph, &self->ch, &self->meta, err, errlen) < 0) {
        map_net_destroy (&self);
        return NULL;
    }
    return self;
}

static map_net_t *s_open_map_file (const char *path, const map_spec_t *spec, s_log_t *l, char *err, size_t errlen)
{
    map_net_t *self = s_load_map_file (path, err, errlen);
    if (!self) return NULL;
    /* A map file keeps the CRS and road classes it was imported with; asking for others is a mistake to report. */
    if (spec->epsg != 0 && spec->epsg != self->meta.epsg) {
        map_error (err, errlen, "map.epsg: %s is projected to EPSG:%d, not EPSG:%d; re-import it with --epsg %d", path,
                   self->meta.epsg, spec->epsg, spec->epsg);
        map_net_destroy (&self);
        return NULL;
    }
    if (spec->highways[0] && self->meta.highways[0] && strcmp (spec->highways, self->meta.highways) != 0) {
        map_error (err, errlen, "map.highways: %s was imported with highways %s; re-import it to change them", path,
                   self->meta.highways);
        map_net_destroy (&self);
        return NULL;
    }
    s_log (l, "map %s: %zu nodes, %zu edges (EPSG:%d)", path, map_graph_node_count (self->graph),
           map_graph_edge_count (self->graph), self->meta.epsg);
    return self;
}

/* Whether the cache's metadata still describes an import of `src` with spec's options. 1 yes; 0 no, with why. */
static int s_cache_matches (const map_meta_t *meta, const struct stat *src, const map_spec_t *spec, char *why,
                            size_t whylen)
{
    if (meta->source_bytes != (uint64_t)src->st_size || meta->source_mtime_s != (int64_t)src->st_mtime) {
        snprintf (why, whylen, "the extract changed since the cache was made");
        return 0;
    }
    if (strcmp (meta->highways, s_highways (spec)) != 0) {
        snprintf (why, whylen, "it was made with other highway classes");
        return 0;
    }
    if (spec->epsg != 0 && spec->epsg != meta->epsg) {
        snprintf (why, whylen, "it is projected to EPSG:%d, not EPSG:%d", meta->epsg, spec->epsg);
        return 0;
    }
    return 1;
}

static map_net_t *s_open_osm (const char *path, const map_spec_t *spec, s_log_t *l, char *err, size_t errlen)
{
    struct stat st;
    if (stat (path, &st) != 0) {
        map_error (err, errlen, "%s: %s", path, strerror (errno));
        return NULL;
    }
    if (spec->cache[0] && access (spec->cache, F_OK) == 0) {
        /* Read once: a cache that loads but describes another import is dropped, not read again. */
        char why[512];
        map_net_t *cached = s_load_map_file (spec->cache, why, sizeof why);
        if (cached && s_cache_matches (&cached->meta, &st, spec, why, sizeof why)) {
            s_log (l, "map %s from its cache %s: %zu nodes, %zu edges (EPSG:%d)", path, spec->cache,
                   map_graph_node_count (cached->graph), map_graph_edge_count (cached->graph), cached->meta.epsg);
            return cached;
        }
        map_net_destroy (&cached);
        s_log (l, "map cache %s not used: %s; importing again", spec->cache, why);
    }
    s_log (l, "importing %s", path);
    map_osm_options_t opt = {.highways = s_highways (spec), .epsg = spec->epsg};
    map_meta_t meta = {.source_bytes = (uint64_t)st.st_size, .source_mtime_s = (int64_t)st.st_mtime};
    snprintf (meta.source, sizeof meta.source, "%s", path);
    snprintf (meta.highways, sizeof meta.highways, "%s", opt.highways);
    map_graph_t *g = map_osm_import (path, &opt, &meta.osm, err, errlen);
    if (!g) return NULL;
    meta.epsg = meta.osm.epsg;
    s_log (l, "imported %s: %zu nodes, %zu edges, EPSG:%d; %zu of %zu components dropped (%zu nodes)", path,
           map_graph_node_count (g), map_graph_edge_count (g), meta.epsg,
           meta.osm.components ? meta.osm.components - 1 : 0, meta.osm.components, meta.osm.nodes_dropped);
    return s_cache_write (s_net_from_graph (g, &meta, l, err, errlen), spec, l, err, errlen);
}

map_net_t *map_net_open (const map_spec_t *spec, map_net_log_fn *log, void *arg, char *err, size_t errlen)
{
    assert (spec);
    s_log_t l = {.log = log, .arg = arg};
    /* The spec may come straight off the wire: never read past its fields. */
    if (!memchr (spec->source, '\0', sizeof spec->source) || !memchr (spec->highways, '\0', sizeof spec->highways) ||
        !memchr (spec->cache, '\0', sizeof spec->cache)) {
        map_error (err, errlen, "map: a source, highway list or cache path longer than %zu characters",
                   sizeof spec->source - 1);
        return NULL;
    }
    if (spec->epsg != 0 && spec->epsg < 1024) {
        map_error (err, errlen, "map.epsg: %d is not an EPSG code of a projected CRS (0 = UTM zone of the centre)",
                   spec->epsg);
        return NULL;
    }
    if (spec->source[0] == '\0') {
        map_error (err, errlen, "map.source: empty (embedded:wuhan or a map or OSM file)");
        return NULL;
    }
    if (strncmp (spec->source, S_EMBEDDED_PREFIX, strlen (S_EMBEDDED_PREFIX)) == 0)
        return s_open_embedded (spec, &l, err, errlen);
    if (map_file_is_map (spec->source) || !map_net_is_osm_name (spec->source))
        return s_open_map_file (spec->source, spec, &l, err, errlen);
    return s_open_osm (spec->source, spec, &l, err, errlen);
}

map_net_t *map_net_adopt (map_graph_t *g, const char *source, char *err, size_t errlen)
{
    assert (g && source);
    map_meta_t meta = {.epsg = map_graph_epsg (g)};
    snprintf (meta.source, sizeof meta.source, "%s", source);
    s_log_t l = {0};
    return s_net_from_graph (g, &meta, &l, err, errlen);
}

void map_net_destroy (map_net_t **self_p)
{
    if (!self_p || !*self_p) return;
    map_net_t *self = *self_p;
    map_ch_destroy (&self->ch);
    map_graph_destroy (&self->graph);
    free (self);
    *self_p = NULL;
}

int map_net_save (const map_net_t *self, const char *path, char *err, size_t errlen)
{
    assert (self);
    return map_file_save (path, self->graph, self->ch, &self->meta, err, errlen);
}

const map_graph_t *map_net_graph (const map_net_t *self)
{
    assert (self);
    return self->graph;
}

const map_ch_t *map_net_ch (const map_net_t *self)
{
    assert (self);
    return self->ch;
}

const map_meta_t *map_net_meta (const map_net_t *self)
{
    assert (self);
    return &self->meta;
}
