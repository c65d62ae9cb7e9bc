/* map_ch_sources: the sources nearest to a target by time, as sources come and go, over a contraction hierarchy
 * (map_ch); and watches, told of the sources put near each target. */
#ifndef MAP_CH_SOURCES_H
#define MAP_CH_SOURCES_H

#include <stddef.h>
#include <stdint.h>
#include "map_ch.h"

/* ---- standing sources: the sources nearest to a target, by time, as sources come and go ---- */

/* A set of sources (ids 0 .. id_limit - 1, each at a node), kept as buckets: putting a source runs one upward search
 * from its node, cut at horizon_ms, and files (source, time) in the bucket of every node it settles, sorted by time.
 * A query runs one upward search backward from the target and reads the buckets it settles, in time order, stopping
 * as soon as nothing later can enter the answer, so its cost follows the sources near the target, not the set.
 * Times are exactly plain Dijkstra's for every pair within the horizon. Owns its scratch: one thread at a time. */
typedef struct map_ch_sources_t map_ch_sources_t;

/* An empty set on hierarchy ch (which must outlive it) holding at most entry_limit bucket entries in all (16 bytes
 * each; a source takes one per node its search settles). NULL when out of memory or horizon_ms < 0. */
map_ch_sources_t *map_ch_sources_new (const map_ch_t *ch, uint32_t id_limit, int64_t horizon_ms, size_t entry_limit);

/* NULL-safe; sets *self_p to NULL. */
void map_ch_sources_destroy (map_ch_sources_t **self_p);

/* Puts source id (< id_limit) at node, moving it when present. 0, or -1 when out of memory or the entry limit would
 * be passed; the source is then absent. */
int map_ch_sources_put (map_ch_sources_t *self, uint32_t id, uint32_t node);

/* Takes source id out; a no-op when absent or out of range. */
void map_ch_sources_remove (map_ch_sources_t *self, uint32_t id);

/* 1 when id is in the set, else 0. */
int map_ch_sources_contains (const map_ch_sources_t *self, uint32_t id);

/* Memory a set takes, bytes: per node of the hierarchy whatever it holds (bucket heads, search labels and heap; a
 * watch also keeps its targets, one per node when its ids are nodes), and per entry with its share of slack (the
 * source's mark, as many dead entries as live ones, arrays grown to twice their need). For callers that budget. */
size_t map_ch_sources_node_bytes (void);
size_t map_ch_watch_node_bytes (void);
size_t map_ch_sources_entry_bytes (void);

/* Sources in the set, bucket entries they hold, and the horizon the set was made with. */
size_t map_ch_sources_count (const map_ch_sources_t *self);
size_t map_ch_sources_entries (const map_ch_sources_t *self);
int64_t map_ch_sources_horizon (const map_ch_sources_t *self);

/* Lowers the horizon of later puts to horizon_ms (a higher or negative one changes nothing). Sources already put
 * keep their farther entries, which stay exact, so queries within the new horizon stay exact too. */
void map_ch_sources_lower_horizon (map_ch_sources_t *self, int64_t horizon_ms);

/* The (at most k) sources that reach target soonest, within limit_ms (precondition: <= the horizon), sorted by
 * (free-flow time, id): ids[i] and ms[i] for i < the returned count. */
size_t map_ch_sources_nearest (map_ch_sources_t *self, uint32_t target, int64_t limit_ms, size_t k, uint32_t *ids,
                               int64_t *ms);

/* Offers id at time t to a list of the best k (ids[i], ms[i] for i < *count, sorted by (time, id), k > 0): it goes
 * in when it beats the k-th; an id already listed keeps the lesser of its times. What nearest uses, for callers
 * that gather candidates of their own (a watch's told vehicles). */
void map_ch_best_offer (uint32_t *ids, int64_t *ms, size_t k, size_t *count, uint32_t id, int64_t t);

/* ---- a watch: targets told about the sources put near them ---- */

/* The same buckets the other way round: targets (ids 0 .. id_limit - 1), each at a node with its own time limit
 * (<= horizon_ms), filed by one backward upward search cut at that limit. A source put with
 * map_ch_sources_put_watched reads the watch's buckets at the nodes its own search settles (no search more) and
 * reports every target it reaches within the target's limit. A dispatcher watches the places where it found nobody:
 * from then on it learns of each vehicle that could serve there as the vehicle becomes free, and answers the riders
 * waiting there without searching again. */
typedef struct map_ch_watch_t map_ch_watch_t;

/* An empty watch; entry_limit as for map_ch_sources_new. NULL when out of memory or horizon_ms < 0. */
map_ch_watch_t *map_ch_watch_new (const map_ch_t *ch, uint32_t id_limit, int64_t horizon_ms, size_t entry_limit);
void map_ch_watch_destroy (map_ch_watch_t **self_p);

/* Puts target id (< id_limit) at node with limit_ms (0 .. the horizon), moving it when present. 0, or -1 when out of
 * memory or past the entry limit (the target is then absent). */
int map_ch_watch_put (map_ch_watch_t *self, uint32_t id, uint32_t node, int64_t limit_ms);
void map_ch_watch_remove (map_ch_watch_t *self, uint32_t id);
int map_ch_watch_contains (const map_ch_watch_t *self, uint32_t id);
size_t map_ch_watch_count (const map_ch_watch_t *self);

/* Told that source reaches target in ms (within the target's limit). One pair may be told more than once, with
 * different times (the least is the travel time); the callback must not change the watch. */
typedef void (map_ch_watch_fn) (uint32_t target, uint32_t source, int64_t ms, void *arg);

/* map_ch_sources_put, telling fn (arg) of every target of watch (on the same hierarchy; may be NULL) that the source
 * reaches within the target's limit, as the put's own search goes. The horizon of the sources must be at least the
 * watch's largest limit for every such target to be told. */
int map_ch_sources_put_watched (map_ch_sources_t *self, uint32_t id, uint32_t node, const map_ch_watch_t *watch,
                                map_ch_watch_fn *fn, void *arg);

#endif
