/* disp_maps: the dispatcher service's maps. Clients never name files: they ask for the embedded city or for a map the
 * operator listed by name (disp_map_source_t). Maps are built, loaded or imported on one worker thread, so a big
 * build never stalls the service's thread; the finished ones stay in a cache bounded in bytes, the least recently used
 * unused map going first. Every request is normalised first (fields a source ignores are dropped, highway lists
 * sorted), so requests that differ only in ignored fields share one map. Messages meant for a client never name a
 * host path, say whether a file exists, or give a value the client should have sent; the operator's log gets the
 * details. Single-threaded API: only the worker runs beside it, and it touches nothing but its own job. */
#ifndef DISP_MAPS_H
#define DISP_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include "map_net.h"
#include "map_proj.h"

/* A map the operator lets clients open: Hello.map.source = name picks it. path: a map file or an OSM extract. */
typedef struct {
    const char *name;
    const char *path;
} disp_map_source_t;

#define DISP_MAPS_NAME_MAX 64

/* Whether name is a valid map name: 1..DISP_MAPS_NAME_MAX letters, digits, '.', '_' or '-', not starting with '.',
 * and not "embedded:..." (that prefix names the built-in cities). */
int disp_maps_name_ok (const char *name);

/* The name a file goes by when the operator gives none (and the name a simulator sends for its map.file): the file
 * name without folders and without everything from its first '.', e.g. "/data/monaco.osm.pbf" -> "monaco". 0, or
 * -1 when that is not a valid name. */
int disp_maps_name_of (const char *path, char *name, size_t size);

typedef struct disp_maps_t disp_maps_t;
typedef struct disp_map_t disp_map_t; /* one cached map; the pointer stays valid while it is held */

/* How the service's maps are bounded. */
typedef struct {
    size_t max_nodes;      /* larger maps are refused (the embedded city's size is estimated before it is built) */
    size_t cache_bytes;    /* maps kept in memory at most (an estimate from their nodes, edges and shortcuts) */
    const char *cache_dir; /* OSM imports are cached here as map files (NULL: imported on every load) */
    int verbose;           /* progress of builds on stderr */
} disp_maps_opts_t;

/* The operator's sources (names unique and valid; each path a readable regular file) and the worker thread. NULL
 * with a message naming the source on failure ("map monaco: /x.pbf: No such file or directory"). */
disp_maps_t *disp_maps_new (const disp_map_source_t *sources, size_t count, const disp_maps_opts_t *opts, char *err,
                            size_t errlen);

/* NULL-safe. Waits for a build in progress to end, then frees every map; sets *self_p to NULL. */
void disp_maps_destroy (disp_maps_t **self_p);

/* A file descriptor that becomes readable when a build finishes (poll it, then call disp_maps_collect). */
int disp_maps_fd (const disp_maps_t *self);

/* The map spec asks for, held for the caller (release it with disp_maps_release): a cached one, one being built, or
 * a new one whose build is queued now. NULL with an error code (disp_error_code_t: DISP_ERR_BAD_VALUE, DISP_ERR_MAP,
 * DISP_ERR_LIMIT) and a message fit for the client, naming the field, when the request is refused. */
disp_map_t *disp_maps_request (disp_maps_t *self, const map_spec_t *spec, int *code, char *err, size_t errlen);

/* Gives up a hold. A map nobody holds stays cached until the cache needs its room. */
void disp_maps_release (disp_maps_t *self, disp_map_t *map);

/* The network, or NULL while it is being built. */
const map_net_t *disp_map_net (const disp_map_t *map);

/* The name the client used ("embedded:wuhan" or an operator's name), for logs and messages. */
const char *disp_map_name (const disp_map_t *map);

/* A projection from lon/lat to the map's CRS, made on first use (for snapping live positions). NULL with a message. */
map_proj_t *disp_map_proj (disp_map_t *map, char *err, size_t errlen);

/* Called by disp_maps_collect for each finished build: code 0 when the map is ready, else the error code and a
 * message fit for the client. */
typedef void (disp_maps_done_fn) (disp_map_t *map, int code, const char *message, void *arg);

/* Takes the builds that finished, calls done for each, then trims the cache to its budget. A build whose map does not
 * fit beside the maps in use is reported as DISP_ERR_LIMIT and dropped. */
void disp_maps_collect (disp_maps_t *self, disp_maps_done_fn *done, void *arg);

/* What the cache did so far. */
typedef struct {
    uint64_t builds;          /* maps built, loaded or imported */
    uint64_t build_failures;  /* of which failed or refused after building */
    uint64_t evicted;         /* dropped to make room */
    size_t cached;            /* maps in memory now */
    size_t bytes;             /* their estimated size */
} disp_maps_stats_t;

void disp_maps_stats (const disp_maps_t *self, disp_maps_stats_t *out);

/* The estimated memory of a network (graph, spatial index and contraction hierarchy), bytes. */
size_t disp_maps_net_bytes (const map_net_t *net);

#endif
