/* map_osm: imports an OpenStreetMap extract (.osm XML or .osm.pbf, read with libreadosm) into a road graph: the
 * drivable ways by highway class, one-way rules, speeds from maxspeed, projected with PROJ, reduced to the largest
 * strongly connected component so that every node can reach every other. */
#ifndef MAP_OSM_H
#define MAP_OSM_H

#include <stddef.h>
#include <stdint.h>
#include "map_graph.h"

/* The highway=* values kept when the caller gives no list: motorway down to residential and service roads. */
#define MAP_OSM_DEFAULT_HIGHWAYS                                                                                     \
    "motorway,motorway_link,trunk,trunk_link,primary,primary_link,secondary,secondary_link,tertiary,tertiary_link," \
    "unclassified,residential,living_street,service"

typedef struct {
    const char *highways;      /* comma-separated highway=* values to keep; NULL or "" = MAP_OSM_DEFAULT_HIGHWAYS */
    int epsg;                  /* projected metric CRS; 0 = the UTM zone of the data's centre (326zz north, 327zz south) */
} map_osm_options_t;

typedef struct {
    uint64_t osm_nodes;        /* node elements read from the file */
    uint64_t osm_ways;         /* way elements read from the file */
    uint64_t ways_kept;        /* drivable ways (by the highway list, access and oneway rules) */
    uint64_t ways_oneway;      /* of those, one-way (tagged or implied) */
    uint64_t maxspeed_tagged;  /* kept ways whose maxspeed was understood */
    uint64_t maxspeed_unknown; /* kept ways with a maxspeed value that could not be read (class default used) */
    uint64_t segments_missing; /* segments of kept ways dropped because a node is not in the file (extract border) */
    size_t components;         /* strongly connected components of the drivable network */
    size_t nodes_dropped;      /* nodes outside the largest component */
    size_t edges_dropped;      /* directed edges touching those nodes (counted before duplicate edges merge) */
    size_t nodes, edges;       /* in the imported graph */
    int epsg;                  /* the CRS used */
    double lon_min, lat_min, lon_max, lat_max; /* extent of the kept nodes, degrees */
} map_osm_stats_t;

/* Imports path (".osm" or ".osm.pbf"/".pbf"). Returns the finished graph (caller owns it) and fills *stats (when
 * not NULL), or NULL with a message in err naming the file and what is wrong: missing or unreadable file, an
 * unsupported suffix (compressed .osm.bz2/.gz: the message says to decompress it), a truncated or corrupt file, no
 * drivable road, an unknown highway value in the list, an unusable EPSG code, or coordinates outside the CRS. */
map_graph_t *map_osm_import (const char *path, const map_osm_options_t *opt, map_osm_stats_t *stats, char *err,
                             size_t errlen);

/* Parses an OSM maxspeed value into km/h: "50", "50 km/h", "30 mph", "10 knots", "CN:urban" and similar implicit
 * zone values, "walk"; a list "60;40" gives the lowest. Returns the speed, or 0 when the value cannot be used
 * ("none", "signals", "variable", garbage), in which case the class default applies. */
double map_osm_parse_maxspeed (const char *value);

/* Free-flow speed for a highway class without a usable maxspeed, km/h; 0 for a value that is not drivable. */
double map_osm_default_speed (const char *highway);

/* The EPSG code of the UTM zone containing lon/lat (32601..32660 north, 32701..32760 south). */
int map_osm_utm_epsg (double lon, double lat);

#endif
