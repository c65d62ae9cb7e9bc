/* disp_rebalance: moves idle robotaxis toward where riders are expected, for any policy (params.rebalance). The
 * engine makes one per session, shows it every new request and, after the policy, hands it what a run reads of the
 * session (the clock and the idle robotaxis: disp_rebalance_fleet_t); it answers with moves that the engine turns
 * into reposition orders. It knows nothing else of the engine, so it includes nothing of it. The rule is in
 * disp_rebalance.c's banner. */
#ifndef DISP_REBALANCE_H
#define DISP_REBALANCE_H

#include "disp_types.h"
#include "map_net.h"
#include "map_traffic.h"
#include <stddef.h>
#include <stdint.h>

typedef struct disp_rebalance_t disp_rebalance_t;

/* What a run reads of the session: the clock and the idle robotaxis, ids ascending with their nodes (nodes of the
 * network). Filled by the engine; the arrays are the engine's and only read during the run. */
typedef struct {
    int64_t now_ms;
    const uint32_t *idle_ids;   /* ascending */
    const uint32_t *idle_nodes; /* idle_nodes[i] is where idle_ids[i] stands */
    size_t idle_count;
} disp_rebalance_fleet_t;

/* One move of a run: send idle robotaxi vehicle_id empty to node, expected there after eta_ms (traffic-adjusted). */
typedef struct {
    uint32_t vehicle_id;
    uint32_t node;
    int64_t eta_ms;
} disp_rebalance_move_t;

/* A rebalancer on network net with the session's traffic and parameters (filled and checked: zone side, interval,
 * horizon); net and traffic must outlive it. NULL when out of memory. */
disp_rebalance_t *disp_rebalance_new (const map_net_t *net, const map_traffic_t *traffic,
                                      const disp_params_t *params);

/* NULL-safe; sets *self_p to NULL. */
void disp_rebalance_destroy (disp_rebalance_t **self_p);

/* Counts a new request in the demand of its origin's zone, at its request time, if a robotaxi may serve it (it asked
 * for one, or accepts any fleet). The origin node must be a node of the network. */
void disp_rebalance_observe (disp_rebalance_t *self, const disp_request_t *request);

/* Whether a run at now_ms would run rather than wait: params.rebalance_interval_ms has passed since the last run, or
 * it never ran. The engine asks first, so it lists the idle robotaxis only when they are read. */
int disp_rebalance_due (const disp_rebalance_t *self, int64_t now_ms);

/* Called after the policy at every step: when due at fleet->now_ms, sends idle robotaxis from zones with more than
 * their share toward zones with less. Sets *moves to this run's moves (owned by the rebalancer, valid until its next
 * run or restore; a vehicle at most once, so at most fleet->idle_count of them) and returns how many: 0 when it
 * waited, -1 when out of memory (no moves; the run still counts). The rebalancer counts its moves as under way, so
 * the caller orders every one, in this order. */
int disp_rebalance_run (disp_rebalance_t *self, const disp_rebalance_fleet_t *fleet,
                        const disp_rebalance_move_t **moves);

/* ---- recovery: the state a restarted dispatcher needs (README "Heartbeats and recovery") ---- */

/* Runs so far (a run is a call of disp_rebalance_run that did not wait for the interval), so the caller can tell
 * whether the last call ran. */
uint64_t disp_rebalance_runs (const disp_rebalance_t *self);

/* The state after the last run: its time, the decayed demand of every zone that has any, the moves under way. Owned
 * by the rebalancer, valid until its next run or restore. NULL before the first run. Restoring it (then observing the
 * requests seen since, in the same order) gives a rebalancer whose later runs are exactly this one's. */
const disp_rebalance_state_t *disp_rebalance_state (disp_rebalance_t *self);

/* Checks a state received from a client against this session: zones in range and ascending, figures finite (demand
 * >= 0), decay_ms >= 0, run_ms <= now_ms, at most vehicle_capacity orders of vehicles below it. 0, or -1 with a
 * message naming field[i] ("tick.rebalance.zones[3].zone: 9000 is not a zone (the map has 1200)"). */
int disp_rebalance_check_state (const disp_rebalance_t *self, const disp_rebalance_state_t *state, int64_t now_ms,
                                uint32_t vehicle_capacity, const char *field, char *err, size_t errlen);

/* Replaces the rebalancer's state with state (checked), or with that of a new rebalancer when state is NULL. Returns
 * 0, or -1 when out of memory (nothing changed). */
int disp_rebalance_restore (disp_rebalance_t *self, const disp_rebalance_state_t *state);

#endif
