/* map_ch_ahead: point-to-point routes asked ahead of need and computed on a thread of their own. A caller who knows
 * a route it will want later (a rider's ride: known at the request, wanted at the pickup) asks for it then, and finds
 * it ready when it comes. The answer is always the one map_ch_route gives: a route the thread has not started when it
 * is wanted is computed by the caller, one it is computing is waited for. So results never depend on how far the
 * thread got, and a caller can ask or not ask without changing anything but the time taken.
 *
 * Asked routes live in a ring of a fixed number of slots. A slot is free again once its route was taken or dropped
 * and the thread has passed it; when none is free, an ask is refused and the caller routes at need. One thread asks,
 * takes and drops; the object's own thread routes. */
#ifndef MAP_CH_AHEAD_H
#define MAP_CH_AHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "map_ch.h"
#include "map_route.h"

#define MAP_CH_AHEAD_NONE UINT64_MAX /* no ticket: the ask was refused */

typedef struct map_ch_ahead_t map_ch_ahead_t;

/* Starts a routing thread over ch (which must outlive the object) with `slots` slots (rounded up to a power of two,
 * at least 2). With paths, each route's nodes are kept too (map_ch_ahead_take_path). NULL when out of memory or when
 * no thread can be started. */
map_ch_ahead_t *map_ch_ahead_new (const map_ch_t *ch, size_t slots, int paths);

/* Stops the thread (routes it has not started are abandoned) and frees everything. NULL-safe; sets *self_p to NULL.
 */
void map_ch_ahead_destroy (map_ch_ahead_t **self_p);

/* Asks for the route from -> to (nodes of ch's graph). A ticket for map_ch_ahead_take or map_ch_ahead_drop, or
 * MAP_CH_AHEAD_NONE when every slot is in use. Every ticket must be taken or dropped once, or its slot stays in use
 * and, the ring being in order, so do those asked after it. */
uint64_t map_ch_ahead_ask (map_ch_ahead_t *self, uint32_t from, uint32_t to);

/* The route of ticket: what map_ch_route (from, to) gives, 0 and *out, or -1 when there is no road. Computes it on
 * the calling thread when the routing thread has not started it; waits when it is being computed. The ticket is
 * then used up. -1 also when out of memory (the caller's first computation needs a query object). */
int map_ch_ahead_take (map_ch_ahead_t *self, uint64_t ticket, map_route_t *out);

/* The same, on an object made with paths, and the route's nodes, first to last as map_ch_path gives them (*count >=
 * 1; NULL and 0 when there is no road): valid until the next map_ch_ahead_ask, take or take_path. */
int map_ch_ahead_take_path (map_ch_ahead_t *self, uint64_t ticket, map_route_t *out, const uint32_t **path,
                            size_t *count);

/* 1 when the routing thread has finished the ticket's route (taking it then costs nothing), else 0. The ticket stays
 * to be taken or dropped. */
int map_ch_ahead_ready (const map_ch_ahead_t *self, uint64_t ticket);

/* Gives back a ticket whose route is no longer wanted (a rider who gave up); the thread skips it if not started. */
void map_ch_ahead_drop (map_ch_ahead_t *self, uint64_t ticket);

/* How the asked routes were answered so far: by the routing thread, on the caller's thread, refused asks. */
typedef struct {
    uint64_t ahead, at_need, refused;
} map_ch_ahead_stats_t;
void map_ch_ahead_stats (const map_ch_ahead_t *self, map_ch_ahead_stats_t *out);

#endif
