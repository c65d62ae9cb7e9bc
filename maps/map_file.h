/* map_file: the map cache, a compact versioned binary file holding a road graph, its contraction hierarchy and where
 * they came from. Loading it skips the OSM import and the contraction. A file of another format version, another
 * program, another byte order, or damaged in any byte is refused with a message, never misread. */
#ifndef MAP_FILE_H
#define MAP_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "map_ch.h"
#include "map_graph.h"
#include "map_osm.h"

/* Bumped whenever the layout or the import rules change, so older files are refused as stale. */
#define MAP_FILE_VERSION 1u

/* Where a map came from: enough to tell whether a cache still matches its source, and what `robotaxi-map info`
 * reports. */
typedef struct {
    char source[512];          /* "embedded:wuhan", or the OSM file's path as given to the importer */
    uint64_t source_bytes;     /* size and modification time of the OSM file; for an embedded map the version of
                                  its generator (MAP_WUHAN_GENERATOR) and 0 */
    int64_t source_mtime_s;
    char highways[512];        /* highway classes kept by the import ("" for embedded maps) */
    double grid_m;             /* street grid of an embedded map (0 for OSM) */
    int epsg;                  /* CRS of the graph */
    map_osm_stats_t osm;       /* the import's report (zero for embedded maps) */
} map_meta_t;

/* Writes graph g, hierarchy ch (built on g) and meta to path, atomically: a temporary file renamed into place, so a
 * reader never sees half a file. 0, or -1 with "PATH: why" in err. */
int map_file_save (const char *path, const map_graph_t *g, const map_ch_t *ch, const map_meta_t *meta, char *err,
                   size_t errlen);

/* 1 when path begins like a map file (of any version, damaged or not), 0 otherwise: how an opener tells a map file
 * from an OSM extract whatever its name. */
int map_file_is_map (const char *path);

/* Reads path: 0 and a new graph and hierarchy (caller owns both) and *meta, or -1 with "PATH: why" in err. */
int map_file_load (const char *path, map_graph_t **g, map_ch_t **ch, map_meta_t *meta, char *err, size_t errlen);

#endif
