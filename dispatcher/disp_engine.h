/* disp_engine: one dispatch session's state (mirror of vehicle states, pending requests) and the step that turns a
 * tick into decisions through the configured policy. The same engine runs in-process and behind the ZeroMQ service,
 * so both give identical decisions for identical ticks. */
#ifndef DISP_ENGINE_H
#define DISP_ENGINE_H

#include <stddef.h>
#include "disp_types.h"
#include "map_net.h"
#include "map_traffic.h"

typedef struct disp_engine_t disp_engine_t;

/* A session on network net (must outlive the engine) with the given traffic and configuration; zero policy
 * parameters take their defaults (disp_params_fill). Returns NULL and a message in err for an unknown policy
 * ("dispatch.policy: 'x' is not a policy (nearest, cost)"), a zero capacity or a parameter out of range. */
disp_engine_t *disp_engine_new (const map_net_t *net, const map_traffic_t *traffic, const disp_config_t *cfg,
                                char *err, size_t errlen);

/* NULL-safe; sets *self_p to NULL. */
void disp_engine_destroy (disp_engine_t **self_p);

/* Applies the tick (vehicle updates, then cancellations, then new requests, in array order) and runs the policy,
 * then, with params.rebalance, the rebalancer (disp_rebalance: every new request is shown to it, and it moves idle
 * robotaxis at most every params.rebalance_interval_ms; its orders are out->repositions, and when it ran,
 * out->rebalance is its state afterwards, owned by the engine like the assignments).
 * A tick with resync first replaces the whole session state: its vehicles and requests are every vehicle and waiting
 * rider, previous_ms the previous step's time, rebalance the last state decisions carried (NULL: the rebalancer never
 * ran) and observed the requests sent since (the rebalancer sees those instead of the waiting riders). Given what a
 * client kept of the lost session, the step decides exactly as the lost dispatcher would have.
 * Idle vehicles and request origins must carry a node (lockstep senders know it; bare lon/lat is refused with
 * "tick.vehicles[i].position: node missing"). Fills out; out->assignments is owned by the engine and
 * valid until the next step. Returns 0, or -1 with a message naming the field when the tick is invalid (vehicle id
 * past capacity, node out of range, time going backwards); an invalid tick changes nothing. */
int disp_engine_step (disp_engine_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen);

/* Checks a tick's vehicles and requests as disp_engine_step would (all but the time), changing nothing: a service
 * that gathers several messages into one step refuses the bad message alone. 0, or -1 with the message. */
int disp_engine_check (const disp_engine_t *self, const disp_tick_t *tick, char *err, size_t errlen);

/* Requests waiting for a vehicle, after the last step. */
size_t disp_engine_pending_count (const disp_engine_t *self);

/* How many nodes a local Dijkstra search for a nearest vehicle may settle before the buckets (or the index walk)
 * take over: default 0, the fastest with buckets. Every way gives the same answer (tests compare them). */
void disp_engine_set_local_budget (disp_engine_t *self, size_t nodes);

/* Past the local search, the idle vehicles of each fleet are found through buckets of the contraction hierarchy
 * (map_ch_sources: one upward search per vehicle as it becomes idle, one backward search per rider), on by default
 * and made by a fleet's first search. Off, a walk of the spatial index times candidates one by one instead: the same
 * answers, slower on large maps (tests and benchmarks compare the two). A fleet whose buckets run out of memory or
 * entries falls back to the walk for the rest of the session. Turned on here, they are made at once: 0, or -1 when
 * out of memory (that fleet then walks). */
int disp_engine_set_buckets (disp_engine_t *self, int on);

/* Caps the memory the buckets may take, bytes (about; default 4 GiB, i.e. 1 GiB of entries for each fleet's
 * vehicles and for each fleet's watched places, besides their arrays of about 370 bytes per map node). With a cap,
 * what the per-node arrays leave is shared: an eighth for each fleet's watch, the rest for both fleets' vehicles
 * together. Past it a fleet finds vehicles without them (the index walk), with the same answers; a budget below the
 * per-node arrays
 * turns the buckets off. A service sets it for every session (robotaxi-dispatcher --max-search-mb); buckets made
 * before are dropped and made again within the new cap by the next search. Returns 1, or 0 when the budget is below
 * the per-node arrays (buckets off). */
int disp_engine_set_search_memory (disp_engine_t *self, size_t bytes);

/* 1 when the fleet finds its idle vehicles through buckets (made or still to be made by its first search), and then
 * *entries (when not NULL) is how many entries they hold. */
int disp_engine_buckets (const disp_engine_t *self, disp_fleet_t fleet, size_t *entries);

#endif
