/* disp_maps: the dispatcher's map cache and its worker thread. A request is normalised into a key (source, CRS, and
 * for OSM imports the sorted highway classes; the grid only for the embedded city), looked up, and when absent queued
 * for the worker. The worker opens maps one at a time with map_net_open and hands them back through a done list and
 * a pipe the service polls. Entries live in an array of pointers, so a session's pointer survives the array growing;
 * an entry is freed only when nobody holds it and the worker is done with it: a queued build nobody waits for any
 * more is taken off the queue, so a client that asks and leaves cannot pile up work. */
#include "disp_maps.h"
#include "disp_codec.h"
#include "map_error.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map_file.h"
#include "map_osm.h"
#include "map_wuhan.h"

#define S_EMBEDDED        "embedded:wuhan"
#define S_KEY_MAX         1200
#define S_HIGHWAY_MAX     32   /* classes in one list */
#define S_GRID_MIN_M      50.0 /* map_wuhan_build's range */
#define S_GRID_MAX_M      2000.0
/* The embedded city has about this many nodes times grid_m^-2 (2,946 at 600 m and 325,540 at 55 m: slightly over
 * both; at 1-2 km grids, where fixed roads weigh more, 1-10% under). A request is refused on the estimate before any
 * work, and the worker checks the real count after building. */
#define S_EMBEDDED_NODES_M2 1.1e9

/* Written by the service's thread only: an entry stays S_QUEUED while the worker has it (queued, building, or in the
 * done list), so the worker never writes a field the service reads outside the lock. */
typedef enum { S_QUEUED, S_READY, S_FAILED } s_state_t;

struct disp_map_t {
    char key[S_KEY_MAX];
    char name[DISP_MAPS_NAME_MAX + 16];
    map_spec_t spec;       /* what the worker opens: a host path or the embedded city, and the cache file */
    int is_file;           /* an operator's file (its errors are not shown to clients) */
    s_state_t state;
    size_t holds;
    uint64_t used;         /* LRU stamp */
    size_t bytes;
    map_net_t *net;
    map_proj_t *proj;
    int reported;          /* collect has told the holders how the build ended */
    int code;              /* a failure's code, for requests that come later in the same collect round */
    char message[256];
    /* worker side: set by the worker, read by the service after the entry reaches the done list */
    map_net_t *built;
    char build_err[512];
    disp_map_t *next;      /* todo or done list */
};

typedef struct {
    char name[DISP_MAPS_NAME_MAX + 1];
    char path[sizeof ((map_spec_t *)0)->source];
    int osm;
} s_source_t;

struct disp_maps_t {
    disp_maps_opts_t opts;
    char cache_dir[3072];
    s_source_t *sources;
    size_t source_count;
    disp_map_t **maps;
    size_t map_count, map_cap;
    uint64_t clock;
    disp_maps_stats_t stats;
    /* the worker */
    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    disp_map_t *todo, *done; /* FIFO queue; done in any order */
    int stop;
    int pipe_fd[2];
};

/* ---- names ------------------------------------------------------------------------------------------------- */

int disp_maps_name_ok (const char *name)
{
    size_t len = strlen (name);
    if (len == 0 || len > DISP_MAPS_NAME_MAX || name[0] == '.') return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum ((unsigned char)name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-') return 0;
    return 1;
}

int disp_maps_name_of (const char *path, char *name, size_t size)
{
    const char *base = strrchr (path, '/');
    base = base ? base + 1 : path;
    size_t len = strcspn (base, ".");
    if (len == 0 || len >= size || len > DISP_MAPS_NAME_MAX) return -1;
    memcpy (name, base, len);
    name[len] = '\0';
    return disp_maps_name_ok (name) ? 0 : -1;
}

/* ---- sizes ------------------------------------------------------------------------------------------------- */

size_t disp_maps_net_bytes (const map_net_t *net)
{
    const map_graph_t *g = map_net_graph (net);
    size_t nodes = map_graph_node_count (g), edges = map_graph_edge_count (g);
    size_t shortcuts = map_ch_shortcut_count (map_net_ch (net));
    /* node: coordinates, adjacency offsets, spatial index, CH rank and order; edge: the edge, its in-list entry and
     * its arcs in the hierarchy; shortcut: two arcs with their lengths */
    return 128 + nodes * 104 + edges * 96 + shortcuts * 48;
}

/* ---- the worker -------------------------------------------------------------------------------------------- */

typedef struct {
    const disp_maps_t *maps;
    const char *name;
} s_log_arg_t;

static void s_on_log (const char *line, void *arg)
{
    const s_log_arg_t *l = arg;
    if (l->maps->opts.verbose) fprintf (stderr, "robotaxi-dispatcher: map %s: %s\n", l->name, line);
}

static void *s_worker (void *arg)
{
    disp_maps_t *self = arg;
    pthread_mutex_lock (&self->lock);
    for (;;) {
        while (!self->stop && !self->todo)
            pthread_cond_wait (&self->wake, &self->lock);
        if (self->stop) break;
        disp_map_t *job = self->todo;
        self->todo = job->next;
        job->next = NULL;
        pthread_mutex_unlock (&self->lock);

        s_log_arg_t l = {self, job->name};
        char err[512] = "";
        map_net_t *net = map_net_open (&job->spec, s_on_log, &l, err, sizeof err);
        if (net && map_graph_node_count (map_net_graph (net)) > self->opts.max_nodes) {
            snprintf (err, sizeof err, "%zu nodes, over the limit of %zu (--max-map-nodes)",
                      map_graph_node_count (map_net_graph (net)), self->opts.max_nodes);
            map_net_destroy (&net);
        }
        pthread_mutex_lock (&self->lock);
        job->built = net;
        snprintf (job->build_err, sizeof job->build_err, "%s", err);
        job->next = self->done;
        self->done = job;
        ssize_t w = write (self->pipe_fd[1], "x", 1); /* the pipe is non-blocking: a full pipe is already a wake-up */
        (void)w;
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

/* ---- construction ------------------------------------------------------------------------------------------ */

disp_maps_t *disp_maps_new (const disp_map_source_t *sources, size_t count, const disp_maps_opts_t *opts, char *err,
                            size_t errlen)
{
    disp_maps_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "maps: out of memory");
        return NULL;
    }
    self->pipe_fd[0] = self->pipe_fd[1] = -1;
    self->opts = *opts;
    if (opts->cache_dir) {
        struct stat st;
        if (stat (opts->cache_dir, &st) != 0 || !S_ISDIR (st.st_mode) || access (opts->cache_dir, W_OK) != 0) {
            map_error (err, errlen, "map cache %s: not a folder this process can write", opts->cache_dir);
            goto fail;
        }
        if ((size_t)snprintf (self->cache_dir, sizeof self->cache_dir, "%s", opts->cache_dir) >= sizeof self->cache_dir) {
            map_error (err, errlen, "map cache %s: path too long", opts->cache_dir);
            goto fail;
        }
        self->opts.cache_dir = self->cache_dir;
    }
    self->sources = calloc (count ? count : 1, sizeof *self->sources);
    if (!self->sources) {
        map_error (err, errlen, "maps: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < count; i++) {
        const disp_map_source_t *src = &sources[i];
        if (!disp_maps_name_ok (src->name)) {
            map_error (err, errlen, "map '%s': not a map name (letters, digits, '.', '_', '-'; at most %d)", src->name,
                       DISP_MAPS_NAME_MAX);
            goto fail;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp (self->sources[k].name, src->name) == 0) {
                map_error (err, errlen, "map %s: listed twice (%s and %s)", src->name, self->sources[k].path, src->path);
                goto fail;
            }
        struct stat st;
        if (stat (src->path, &st) != 0) {
            map_error (err, errlen, "map %s: %s: %s", src->name, src->path, strerror (errno));
            goto fail;
        }
        if (!S_ISREG (st.st_mode) || access (src->path, R_OK) != 0) {
            map_error (err, errlen, "map %s: %s: not a readable regular file", src->name, src->path);
            goto fail;
        }
        s_source_t *s = &self->sources[i];
        snprintf (s->name, sizeof s->name, "%s", src->name);
        if ((size_t)snprintf (s->path, sizeof s->path, "%s", src->path) >= sizeof s->path) {
            map_error (err, errlen, "map %s: path longer than %zu characters", src->name,
                       sizeof ((map_spec_t *)0)->source - 1);
            goto fail;
        }
        s->osm = !map_file_is_map (src->path) && map_net_is_osm_name (src->path);
        self->source_count++;
    }
    if (pipe (self->pipe_fd) != 0 || fcntl (self->pipe_fd[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl (self->pipe_fd[1], F_SETFL, O_NONBLOCK) != 0) {
        map_error (err, errlen, "maps: cannot make a pipe: %s", strerror (errno));
        goto fail;
    }
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    if (pthread_create (&self->thread, NULL, s_worker, self) != 0) {
        map_error (err, errlen, "maps: cannot start the map worker");
        pthread_cond_destroy (&self->wake);
        pthread_mutex_destroy (&self->lock);
        goto fail;
    }
    self->thread_started = 1;
    return self;
fail:
    disp_maps_destroy (&self);
    return NULL;
}

static void s_map_free (disp_map_t *map)
{
    map_net_destroy (&map->net);
    map_net_destroy (&map->built);
    map_proj_destroy (&map->proj);
    free (map);
}

void disp_maps_destroy (disp_maps_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_maps_t *self = *self_p;
    if (self->thread_started) {
        pthread_mutex_lock (&self->lock);
        self->stop = 1;
        pthread_cond_broadcast (&self->wake);
        pthread_mutex_unlock (&self->lock);
        pthread_join (self->thread, NULL);
        pthread_cond_destroy (&self->wake);
        pthread_mutex_destroy (&self->lock);
    }
    for (size_t i = 0; i < self->map_count; i++)
        s_map_free (self->maps[i]);
    free (self->maps);
    free (self->sources);
    if (self->pipe_fd[0] >= 0) close (self->pipe_fd[0]);
    if (self->pipe_fd[1] >= 0) close (self->pipe_fd[1]);
    free (self);
    *self_p = NULL;
}

int disp_maps_fd (const disp_maps_t *self)
{
    return self->pipe_fd[0];
}

/* ---- requests ---------------------------------------------------------------------------------------------- */

/* Sorts and de-duplicates a comma-separated class list into out. 0, or -1 with a message. */
static int s_highways_canonical (const char *list, char *out, size_t size, char *err, size_t errlen)
{
    char copy[512], *classes[S_HIGHWAY_MAX];
    size_t count = 0;
    if ((size_t)snprintf (copy, sizeof copy, "%s", list) >= sizeof copy)
        return map_error (err, errlen, "hello.map.highways: longer than %zu characters", sizeof copy - 1);
    char *save = NULL;
    for (char *tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t len = strlen (tok);
        while (len > 0 && tok[len - 1] == ' ')
            tok[--len] = '\0';
        if (len == 0) continue;
        for (size_t i = 0; i < len; i++)
            if (!islower ((unsigned char)tok[i]) && tok[i] != '_')
                return map_error (err, errlen, "hello.map.highways: a class is lower-case letters and '_'");
        int seen = 0;
        for (size_t k = 0; k < count && !seen; k++)
            seen = strcmp (classes[k], tok) == 0;
        if (seen) continue;
        if (count == S_HIGHWAY_MAX)
            return map_error (err, errlen, "hello.map.highways: more than %d classes", S_HIGHWAY_MAX);
        size_t at = count++;
        while (at > 0 && strcmp (classes[at - 1], tok) > 0) {
            classes[at] = classes[at - 1];
            at--;
        }
        classes[at] = tok;
    }
    if (count == 0) return map_error (err, errlen, "hello.map.highways: no class named");
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < count; k++)
        used += (size_t)snprintf (out + used, size - used, "%s%s", k ? "," : "", classes[k]);
    return 0;
}

static uint64_t s_fnv (const char *text)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

/* Turns a client's spec into the entry it names: the key and what the worker opens. 0, or -1 with *code and a
 * message fit for the client. */
static int s_resolve (disp_maps_t *self, const map_spec_t *in, disp_map_t *out, int *code, char *err, size_t errlen)
{
    *code = DISP_ERR_BAD_VALUE;
    /* The spec comes off the wire: its strings must end inside their fields (the codec ensures it; cheap to keep). */
    if (!memchr (in->source, '\0', sizeof in->source) || !memchr (in->highways, '\0', sizeof in->highways) ||
        !memchr (in->cache, '\0', sizeof in->cache))
        return map_error (err, errlen, "hello.map: a field is not terminated");
    if (in->cache[0])
        return map_error (err, errlen,
                          "hello.map.cache: must be empty: the dispatcher alone decides where map caches live");
    if (in->epsg != 0 && (in->epsg < 1024 || in->epsg > 999999))
        return map_error (err, errlen, "hello.map.epsg: %d is not the EPSG code of a projected CRS (0: UTM zone)",
                          in->epsg);
    memset (&out->spec, 0, sizeof out->spec);
    if (strncmp (in->source, "embedded:", 9) == 0) {
        if (strcmp (in->source, S_EMBEDDED) != 0) {
            *code = DISP_ERR_MAP;
            return map_error (err, errlen, "hello.map.source: '%.64s' is not a built-in city (known: " S_EMBEDDED ")",
                              in->source);
        }
        if (!(in->grid_m >= S_GRID_MIN_M && in->grid_m <= S_GRID_MAX_M))
            return map_error (err, errlen, "hello.map.grid_m: %g is not in [%g, %g]", in->grid_m, S_GRID_MIN_M,
                              S_GRID_MAX_M);
        double nodes = S_EMBEDDED_NODES_M2 / (in->grid_m * in->grid_m);
        if (nodes > (double)self->opts.max_nodes) {
            *code = DISP_ERR_LIMIT;
            return map_error (err, errlen, "limit max_map_nodes: the embedded city at grid_m %g has about %.0f nodes, "
                              "over this dispatcher's limit of %zu", in->grid_m, nodes, self->opts.max_nodes);
        }
        int epsg = in->epsg;
        if (epsg == 0) {
            double lon_min, lat_min, lon_max, lat_max;
            map_wuhan_extent (&lon_min, &lat_min, &lon_max, &lat_max);
            epsg = map_osm_utm_epsg ((lon_min + lon_max) / 2, (lat_min + lat_max) / 2);
        }
        snprintf (out->spec.source, sizeof out->spec.source, "%s", S_EMBEDDED);
        out->spec.epsg = epsg;
        out->spec.grid_m = in->grid_m;
        snprintf (out->name, sizeof out->name, "%s", S_EMBEDDED);
        snprintf (out->key, sizeof out->key, "%s epsg=%d grid=%.17g", S_EMBEDDED, epsg, in->grid_m);
        return 0;
    }
    if (!disp_maps_name_ok (in->source))
        return map_error (err, errlen, "hello.map.source: not a map name: embedded:wuhan, or the name of a map the "
                          "dispatcher serves (letters, digits, '.', '_', '-'), never a path");
    const s_source_t *src = NULL;
    for (size_t i = 0; i < self->source_count && !src; i++)
        if (strcmp (self->sources[i].name, in->source) == 0) src = &self->sources[i];
    if (!src) {
        *code = DISP_ERR_MAP;
        return map_error (err, errlen, "hello.map.source: '%s' is not a map this dispatcher serves", in->source);
    }
    snprintf (out->name, sizeof out->name, "%s", src->name);
    snprintf (out->spec.source, sizeof out->spec.source, "%s", src->path);
    out->spec.epsg = in->epsg;
    out->is_file = 1;
    if (!src->osm) {
        /* A map file keeps the CRS and classes it was imported with; the requested CRS is checked when it loads. */
        snprintf (out->key, sizeof out->key, "map %s epsg=%d", src->name, in->epsg);
        return 0;
    }
    char classes[512];
    if (s_highways_canonical (in->highways[0] ? in->highways : MAP_OSM_DEFAULT_HIGHWAYS, classes, sizeof classes, err,
                              errlen) != 0)
        return -1;
    snprintf (out->spec.highways, sizeof out->spec.highways, "%s", classes);
    snprintf (out->key, sizeof out->key, "osm %s epsg=%d highways=%s", src->name, in->epsg, classes);
    if (self->opts.cache_dir &&
        (size_t)snprintf (out->spec.cache, sizeof out->spec.cache, "%s/%s-%016llx.map", self->opts.cache_dir, src->name,
                          (unsigned long long)s_fnv (out->key)) >= sizeof out->spec.cache)
        out->spec.cache[0] = '\0'; /* no room for the name: import without a cache */
    return 0;
}

static disp_map_t *s_find (disp_maps_t *self, const char *key)
{
    for (size_t i = 0; i < self->map_count; i++)
        if (strcmp (self->maps[i]->key, key) == 0) return self->maps[i];
    return NULL;
}

static void s_remove (disp_maps_t *self, disp_map_t *map)
{
    for (size_t i = 0; i < self->map_count; i++)
        if (self->maps[i] == map) {
            memmove (&self->maps[i], &self->maps[i + 1], (self->map_count - i - 1) * sizeof *self->maps);
            self->map_count--;
            break;
        }
    if (map->state == S_READY) self->stats.bytes -= map->bytes;
    s_map_free (map);
}

disp_map_t *disp_maps_request (disp_maps_t *self, const map_spec_t *spec, int *code, char *err, size_t errlen)
{
    disp_map_t probe;
    memset (&probe, 0, sizeof probe);
    if (s_resolve (self, spec, &probe, code, err, errlen) != 0) return NULL;
    disp_map_t *map = s_find (self, probe.key);
    if (map && map->state == S_FAILED) {
        /* A failure not yet taken away by collect (it is reported in the same round). */
        *code = map->code;
        map_error (err, errlen, "%s", map->message);
        return NULL;
    }
    if (!map) {
        if (self->map_count == self->map_cap) {
            size_t cap = self->map_cap ? 2 * self->map_cap : 16;
            disp_map_t **maps = realloc (self->maps, cap * sizeof *maps);
            if (!maps) {
                *code = DISP_ERR_UNSPECIFIED;
                return map_error (err, errlen, "dispatcher: out of memory"), NULL;
            }
            self->maps = maps;
            self->map_cap = cap;
        }
        map = malloc (sizeof *map);
        if (!map) {
            *code = DISP_ERR_UNSPECIFIED;
            return map_error (err, errlen, "dispatcher: out of memory"), NULL;
        }
        *map = probe;
        map->state = S_QUEUED;
        self->maps[self->map_count++] = map;
        pthread_mutex_lock (&self->lock);
        disp_map_t **tail = &self->todo;
        while (*tail)
            tail = &(*tail)->next;
        *tail = map;
        pthread_cond_signal (&self->wake);
        pthread_mutex_unlock (&self->lock);
    }
    map->holds++;
    map->used = ++self->clock;
    return map;
}

void disp_maps_release (disp_maps_t *self, disp_map_t *map)
{
    if (!map) return;
    if (map->holds > 0) map->holds--;
    map->used = ++self->clock;
    if (map->holds > 0) return;
    if (map->state == S_QUEUED) {
        /* Nobody waits for it any more: take it off the queue before the worker starts it. */
        pthread_mutex_lock (&self->lock);
        int taken = 0;
        for (disp_map_t **p = &self->todo; *p; p = &(*p)->next)
            if (*p == map) {
                *p = map->next;
                taken = 1;
                break;
            }
        pthread_mutex_unlock (&self->lock);
        if (taken) s_remove (self, map);
    } else if (map->state == S_FAILED && map->reported) {
        s_remove (self, map);
    }
}

const map_net_t *disp_map_net (const disp_map_t *map)
{
    return map->state == S_READY ? map->net : NULL;
}

const char *disp_map_name (const disp_map_t *map)
{
    return map->name;
}

map_proj_t *disp_map_proj (disp_map_t *map, char *err, size_t errlen)
{
    if (!map->proj && map->net) map->proj = map_proj_new (map_graph_epsg (map_net_graph (map->net)), err, errlen);
    return map->proj;
}

/* ---- finished builds and the budget ------------------------------------------------------------------------ */

/* Drops unused ready maps, least recently used first, until `extra` more bytes fit. 1 when they fit. */
static int s_make_room (disp_maps_t *self, size_t extra, const disp_map_t *keep)
{
    while (self->stats.bytes + extra > self->opts.cache_bytes) {
        disp_map_t *victim = NULL;
        for (size_t i = 0; i < self->map_count; i++) {
            disp_map_t *m = self->maps[i];
            if (m != keep && m->state == S_READY && m->holds == 0 && (!victim || m->used < victim->used)) victim = m;
        }
        if (!victim) return 0;
        if (self->opts.verbose)
            fprintf (stderr, "robotaxi-dispatcher: map %s dropped from the cache (%.1f MB) to make room\n",
                     victim->name, victim->bytes / 1e6);
        s_remove (self, victim);
        self->stats.evicted++;
    }
    return 1;
}

void disp_maps_collect (disp_maps_t *self, disp_maps_done_fn *done, void *arg)
{
    char drain[64];
    while (read (self->pipe_fd[0], drain, sizeof drain) > 0) {
    }
    pthread_mutex_lock (&self->lock);
    disp_map_t *list = self->done;
    self->done = NULL;
    pthread_mutex_unlock (&self->lock);
    while (list) {
        disp_map_t *map = list;
        list = map->next;
        map->next = NULL;
        self->stats.builds++;
        map->net = map->built;
        map->built = NULL;
        if (map->net) {
            map->bytes = disp_maps_net_bytes (map->net);
            if (!s_make_room (self, map->bytes, map)) {
                map->code = DISP_ERR_LIMIT;
                snprintf (map->message, sizeof map->message,
                          "limit map_cache_mb: map '%s' (about %.0f MB) does not fit beside the maps in use",
                          map->name, map->bytes / 1e6);
                fprintf (stderr, "robotaxi-dispatcher: map %s: %s\n", map->name, map->message);
                map_net_destroy (&map->net);
            }
        } else {
            /* The operator's log gets the details (paths, the file's problem); a client only learns that it failed,
             * except for the embedded city, whose messages name no file. */
            fprintf (stderr, "robotaxi-dispatcher: map %s: %s\n", map->name, map->build_err);
            map->code = strstr (map->build_err, "--max-map-nodes") ? DISP_ERR_LIMIT : DISP_ERR_MAP;
            if (map->code == DISP_ERR_LIMIT)
                snprintf (map->message, sizeof map->message, "limit max_map_nodes: map '%s' is larger than this "
                          "dispatcher's limit of %zu nodes", map->name, self->opts.max_nodes);
            else if (map->is_file)
                snprintf (map->message, sizeof map->message,
                          "hello.map: map '%s' could not be opened with these options (epsg, highways); the "
                          "dispatcher's log says why", map->name);
            else
                snprintf (map->message, sizeof map->message, "hello.map: %.200s", map->build_err);
        }
        if (map->net) {
            map->state = S_READY;
            self->stats.bytes += map->bytes;
            done (map, 0, "", arg);
        } else {
            map->state = S_FAILED;
            self->stats.build_failures++;
            done (map, map->code, map->message, arg);
        }
        map->reported = 1;
        if (map->state == S_FAILED && map->holds == 0) s_remove (self, map);
    }
    s_make_room (self, 0, NULL);
}

void disp_maps_stats (const disp_maps_t *self, disp_maps_stats_t *out)
{
    *out = self->stats;
    out->cached = 0;
    for (size_t i = 0; i < self->map_count; i++)
        out->cached += self->maps[i]->state == S_READY;
}
