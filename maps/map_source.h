/* map_source: builds a road graph from a map specification ("embedded:wuhan" today; files later), so the simulator
 * and the dispatcher build the same network from the same few words. */
#ifndef MAP_SOURCE_H
#define MAP_SOURCE_H

#include <stddef.h>
#include "map_graph.h"

typedef struct {
    char source[256];          /* "embedded:wuhan" */
    int epsg;                  /* metric CRS, e.g. 32650 */
    double grid_m;             /* street grid spacing for embedded maps */
} map_spec_t;

/* Builds the graph named by spec. NULL and a message in err ("map.source: 'x': unknown map source") on failure.
 * The caller owns the graph. */
map_graph_t *map_source_load (const map_spec_t *spec, char *err, size_t errlen);

#endif
