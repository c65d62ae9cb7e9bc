/* map_route: shortest paths by free-flow travel time (A* point to point, bounded Dijkstra searches), with scratch
 * space owned by the router and reused between queries. */
#ifndef MAP_ROUTE_H
#define MAP_ROUTE_H

#include <stddef.h>
#include <stdint.h>
#include "map_graph.h"

typedef struct map_router_t map_router_t;

typedef struct {
    int64_t time_ms;           /* free-flow time along the path */
    double length_m;
} map_route_t;

/* A router for graph g (finished). The router keeps a pointer to g; g must outlive it. One router per thread.
 * NULL when out of memory. */
map_router_t *map_router_new (const map_graph_t *g);

/* NULL-safe; sets *self_p to NULL. */
void map_router_destroy (map_router_t **self_p);

/* Fastest path from -> to. Returns 0 and fills out, or -1 when `to` cannot be reached. from == to gives 0 ms, 0 m.
 * Among equally fast paths the result is deterministic. The node sequence stays readable with map_router_path
 * until the next query on this router. */
int map_router_route (map_router_t *self, uint32_t from, uint32_t to, map_route_t *out);

/* Nodes of the last successful map_router_route, from first to last; *count >= 1. Owned by the router. */
const uint32_t *map_router_path (const map_router_t *self, size_t *count);

/* Called for each node settled by a bounded search, in order of (time_ms, node id). Return nonzero to stop. */
typedef int (map_visit_fn) (uint32_t node, int64_t time_ms, void *arg);

/* Dijkstra over the reverse graph from `target`: visits every node from which `target` can be reached within
 * limit_ms (free-flow), nearest first, until visit returns nonzero. Returns the number of nodes visited.
 * Used by the dispatcher to find the nearest idle vehicle to a rider. */
size_t map_router_search_to (map_router_t *self, uint32_t target, int64_t limit_ms, map_visit_fn *visit, void *arg);

/* Same over the forward graph from `source`. */
size_t map_router_search_from (map_router_t *self, uint32_t source, int64_t limit_ms, map_visit_fn *visit,
                               void *arg);

#endif
