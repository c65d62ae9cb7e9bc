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

#endif
