/* map_ch: contraction hierarchies over a finished road graph, by free-flow time. Built once (at import), saved in
 * the map file, then queried point to point, many-to-one and many-to-many (bucket method). Every query returns
 * exactly the time plain Dijkstra finds. */
#ifndef MAP_CH_H
#define MAP_CH_H

#include <stddef.h>
#include <stdint.h>
#include "map_graph.h"
#include "map_route.h"

#define MAP_CH_UNREACHABLE INT64_MAX

typedef struct map_ch_t map_ch_t;
typedef struct map_ch_query_t map_ch_query_t;

/* Called now and then during a long build with the share done (0..1). May be NULL. */
typedef void (map_ch_progress_fn) (double done, void *arg);

/* Contracts g (finished; it must outlive the result). Deterministic: the same graph gives the same hierarchy.
 * Returns NULL with a message in err when out of memory. */
map_ch_t *map_ch_build (const map_graph_t *g, map_ch_progress_fn *progress, void *arg, char *err, size_t errlen);

/* NULL-safe; sets *self_p to NULL. */
void map_ch_destroy (map_ch_t **self_p);

/* The graph the hierarchy was built on, and the number of shortcut arcs it added. */
const map_graph_t *map_ch_graph (const map_ch_t *self);
size_t map_ch_shortcut_count (const map_ch_t *self);

/* ---- storage in a map file ---- */

/* Writes the hierarchy as a sequence of write calls (little-endian fixed-width integers and doubles). The callback
 * returns 0, or -1 to abort (then map_ch_save returns -1). */
typedef int (map_ch_write_fn) (const void *data, size_t size, void *arg);
int map_ch_save (const map_ch_t *self, map_ch_write_fn *write, void *arg);

/* Reads what map_ch_save wrote, for graph g (the one it was built on, rebuilt from the same file). The callback fills
 * exactly size bytes and returns 0, or -1 at end of data. Every count and index is checked against g, so damaged
 * data gives NULL and a message in err, never a hierarchy that misroutes or crashes. */
typedef int (map_ch_read_fn) (void *data, size_t size, void *arg);
map_ch_t *map_ch_load (const map_graph_t *g, map_ch_read_fn *read, void *arg, char *err, size_t errlen);

/* ---- queries: one map_ch_query_t per thread; scratch space is reused between queries ---- */

/* NULL when out of memory. The hierarchy must outlive the query object. */
map_ch_query_t *map_ch_query_new (const map_ch_t *ch);
void map_ch_query_destroy (map_ch_query_t **self_p);

/* Fastest free-flow path from -> to: 0 and *out (time and length of the path), or -1 when unreachable.
 * from == to gives 0 ms, 0 m. */
int map_ch_route (map_ch_query_t *self, uint32_t from, uint32_t to, map_route_t *out);

/* Nodes of the last successful map_ch_route, first to last, shortcuts unpacked; *count >= 1. Owned by the query
 * object, valid until its next query. */
const uint32_t *map_ch_path (map_ch_query_t *self, size_t *count);

/* Many-to-one: map_ch_target fixes a target (one backward search), then each map_ch_time_from costs only a forward
 * search. Returns the free-flow time in ms, or MAP_CH_UNREACHABLE. */
void map_ch_target (map_ch_query_t *self, uint32_t target);
int64_t map_ch_time_from (map_ch_query_t *self, uint32_t source);

/* Many-to-many: out[i * target_count + j] = time from sources[i] to targets[j] (ms, or MAP_CH_UNREACHABLE), by the
 * bucket method. 0, or -1 when out of memory. */
int map_ch_table (map_ch_query_t *self, const uint32_t *sources, size_t source_count, const uint32_t *targets,
                  size_t target_count, int64_t *out);

#endif
