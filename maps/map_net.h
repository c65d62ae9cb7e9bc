/* map_net: a road network ready to route on: the graph, its contraction hierarchy and where it came from, opened from
 * a map specification, so the simulator and the dispatcher build the same network from the same few words. */
#ifndef MAP_NET_H
#define MAP_NET_H

#include <stddef.h>
#include "map_ch.h"
#include "map_file.h"
#include "map_graph.h"

typedef struct {
    char source[512];          /* "embedded:wuhan", or a file: a map file (robotaxi-map import) or an OSM extract
                                  (.osm, .osm.pbf, .pbf) */
    int epsg;                  /* metric CRS; 0 = the UTM zone of the map's centre (a map file keeps its own) */
    double grid_m;             /* street grid spacing of an embedded map */
    char highways[512];        /* OSM highway classes to keep; "" = MAP_OSM_DEFAULT_HIGHWAYS */
    char cache[512];           /* a map file reused while it matches the OSM extract and options, or the embedded
                                  city's grid, projection and generator; (re)written otherwise; "" = import or
                                  build every time */
} map_spec_t;

typedef struct map_net_t map_net_t;

/* Progress for the user on long steps ("importing x.osm.pbf", "contracting: 40%"). May be NULL. */
typedef void (map_net_log_fn) (const char *line, void *arg);

/* Opens the network spec names: builds the embedded city, loads a map file, or imports an OSM extract (through
 * spec->cache when set) and contracts it. NULL with a message in err naming the source and the problem. */
map_net_t *map_net_open (const map_spec_t *spec, map_net_log_fn *log, void *arg, char *err, size_t errlen);

/* A network over a graph built by the caller (tests, benchmarks): takes ownership of g (finished) and contracts it.
 * `source` names it in messages and metadata. NULL with a message (g freed) on failure. */
map_net_t *map_net_adopt (map_graph_t *g, const char *source, char *err, size_t errlen);

/* NULL-safe; sets *self_p to NULL. */
void map_net_destroy (map_net_t **self_p);

/* Whether a file name looks like an OSM extract (.osm, .pbf, and compressed .osm ones, which the importer refuses
 * with a note): how map_net_open tells an extract from a map file that is not one by its contents. */
int map_net_is_osm_name (const char *path);

/* Saves the network as a map file. 0 or -1 with "PATH: why". */
int map_net_save (const map_net_t *self, const char *path, char *err, size_t errlen);

const map_graph_t *map_net_graph (const map_net_t *self);
const map_ch_t *map_net_ch (const map_net_t *self);
const map_meta_t *map_net_meta (const map_net_t *self);

#endif
