/* disp_rebalance: moves idle robotaxis toward where riders are expected, for any policy (params.rebalance). The
 * engine makes one per session, shows it every new request and runs it after the policy; it answers with
 * disp_engine_reposition orders. The rule is in disp_rebalance.c's banner. */
#ifndef DISP_REBALANCE_H
#define DISP_REBALANCE_H

#include "disp_policy.h"
#include "disp_types.h"
#include "map_net.h"
#include "map_traffic.h"
#include <stddef.h>
#include <stdint.h>

typedef struct disp_rebalance_t disp_rebalance_t;

/* A rebalancer on network net with the session's traffic and parameters (filled and checked: zone side, interval,
 * horizon); net and traffic must outlive it. NULL when out of memory. */
disp_rebalance_t *disp_rebalance_new (const map_net_t *net, const map_traffic_t *traffic,
                                      const disp_params_t *params);

/* NULL-safe; sets *self_p to NULL. */
void disp_rebalance_destroy (disp_rebalance_t **self_p);

/* Counts a new request in the demand of its origin's zone, at its request time, if a robotaxi may serve it (it asked
 * for one, or accepts any fleet). The origin node must be a node of the network. */
void disp_rebalance_observe (disp_rebalance_t *self, const disp_request_t *request);

/* Called after the policy at every step: when params.rebalance_interval_ms has passed since its last run (or on its
 * first call), sends idle robotaxis from zones with more than their share toward zones with less, through
 * disp_engine_reposition. Returns the number of vehicles sent, or -1 when out of memory (orders issued before the
 * failure stand). */
int disp_rebalance_run (disp_rebalance_t *self, disp_engine_t *engine);

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
