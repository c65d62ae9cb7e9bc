/* map_graph: the directed road graph (nodes with lon/lat and projected x/y, edges with length, class and free-flow
 * time), stored as forward and reverse adjacency arrays, with a grid index for nearest-node snapping. */
#ifndef MAP_GRAPH_H
#define MAP_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#define MAP_NODE_NONE UINT32_MAX
#define MAP_EDGE_NONE UINT32_MAX

typedef enum {
    MAP_ROAD_EXPRESSWAY = 0,   /* ring roads and expressways */
    MAP_ROAD_ARTERIAL,         /* main avenues */
    MAP_ROAD_SECONDARY,
    MAP_ROAD_LOCAL,
    MAP_ROAD_BRIDGE,           /* river crossings */
    MAP_ROAD_CLASS_COUNT
} map_road_class_t;

typedef struct {
    double lon, lat;           /* WGS84 degrees */
    double x, y;               /* metres in the graph's CRS */
} map_node_t;

typedef struct {
    uint32_t from, to;
    double length_m;
    int64_t time_ms;           /* free-flow travel time, ceil(length / speed) in ms, at least 1 */
    float speed_kmh;           /* free-flow speed */
    uint8_t road_class;        /* map_road_class_t */
} map_edge_t;

typedef struct map_graph_t map_graph_t;

/* An empty graph in the given EPSG code, ready for add_node/add_edge. NULL when out of memory. */
map_graph_t *map_graph_new (int epsg);

/* NULL-safe; sets *self_p to NULL. */
void map_graph_destroy (map_graph_t **self_p);

/* Adds a node and returns its id (0, 1, 2, ... in call order), or MAP_NODE_NONE when out of memory.
 * Only before map_graph_finish. */
uint32_t map_graph_add_node (map_graph_t *self, double lon, double lat, double x, double y);

/* Adds a directed edge. length_m <= 0 means "the straight distance between the projected nodes". Returns 0, or -1
 * (out of memory, unknown node, from == to, speed <= 0). Only before map_graph_finish. */
int map_graph_add_edge (map_graph_t *self, uint32_t from, uint32_t to, double length_m, double speed_kmh,
                        map_road_class_t road_class);

/* Adds an edge exactly as given (as read back from a map file, so times are not recomputed from a rounded speed).
 * 0, or -1 when a field is out of range (unknown node, from == to, length, speed or time not positive and finite,
 * unknown class) or out of memory. Only before map_graph_finish. */
int map_graph_restore_edge (map_graph_t *self, const map_edge_t *edge);

/* Freezes the graph: sorts edges by (from, to), drops exact duplicates keeping the fastest, builds the reverse
 * adjacency and the spatial index. After it the graph is read-only and may be shared between threads.
 * Returns 0 or -1 when out of memory or when the graph has no node. */
int map_graph_finish (map_graph_t *self);

size_t map_graph_node_count (const map_graph_t *self);
size_t map_graph_edge_count (const map_graph_t *self);
int map_graph_epsg (const map_graph_t *self);

/* Node and edge by id; ids must be in range (assert). */
const map_node_t *map_graph_node (const map_graph_t *self, uint32_t node);
const map_edge_t *map_graph_edge (const map_graph_t *self, uint32_t edge);

/* Outgoing edges of `node` are edge ids [*first, *end). */
void map_graph_out (const map_graph_t *self, uint32_t node, uint32_t *first, uint32_t *end);

/* Incoming edges of `node`: for i in [*first, *end), map_graph_in_edge(self, i) is an edge id whose `to` is node. */
void map_graph_in (const map_graph_t *self, uint32_t node, uint32_t *first, uint32_t *end);
uint32_t map_graph_in_edge (const map_graph_t *self, uint32_t i);

/* Nearest node to projected point (x, y) by straight distance; ties go to the lower id. MAP_NODE_NONE only for an
 * empty graph. Uses the grid index: cost grows with the distance to the network, not with the node count. */
uint32_t map_graph_nearest (const map_graph_t *self, double x, double y);

/* The same node when it is within max_m metres of (x, y), else MAP_NODE_NONE; a point far from every road costs
 * only the rings within max_m (or nothing, when the whole network is farther). */
uint32_t map_graph_nearest_within (const map_graph_t *self, double x, double y, double max_m);

/* Fastest free-flow speed of any edge, km/h (for A* bounds). */
double map_graph_max_speed_kmh (const map_graph_t *self);

/* Bounding box of the projected nodes. */
void map_graph_bounds (const map_graph_t *self, double *min_x, double *min_y, double *max_x, double *max_y);

/* A 64-bit FNV-1a hash over node coordinates and edges, equal for two graphs built the same way. Two processes
 * compare it to be sure they route on the same network. */
uint64_t map_graph_fingerprint (const map_graph_t *self);

/* Bounding box of the nodes in WGS84 degrees. */
void map_graph_lonlat_bounds (const map_graph_t *self, double *lon_min, double *lat_min, double *lon_max,
                              double *lat_max);

/* The edge from -> to, or MAP_EDGE_NONE. Logarithmic in from's out-degree. */
uint32_t map_graph_find_edge (const map_graph_t *self, uint32_t from, uint32_t to);

/* 1 when edge u->v is the second half of a two-way street: u > v and v->u exists. Skipping these visits every street
 * once (km of road, drawing). */
int map_graph_is_twin (const map_graph_t *self, uint32_t edge);

/* Kilometres of road: the length of every edge, with a two-way street (edges u->v and v->u) counted once. */
double map_graph_road_km (const map_graph_t *self);

/* Name of a road class ("expressway", ...). */
const char *map_road_class_name (map_road_class_t road_class);

#endif
