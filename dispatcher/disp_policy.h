/* disp_policy: the table of dispatch policies and the engine services a policy may use. A new policy is one new
 * file (disp_policy_NAME.c defining disp_policy_NAME_assign, and state functions if it keeps state between steps)
 * and one row in disp_policy.c's table. */
#ifndef DISP_POLICY_H
#define DISP_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include "disp_types.h"

typedef struct disp_engine_t disp_engine_t;

/* Assigns vehicles to pending requests for the current step by calling disp_engine_assign. `state` is what the
 * policy's state_new made for this session (NULL for a policy without state). Requests left unassigned stay pending
 * for the next step (until their deadline or a cancellation). */
typedef void (disp_assign_fn) (disp_engine_t *engine, void *state);

/* Per-session state of a policy: made when the session opens (NULL only when out of memory: the session is then
 * refused), freed when it ends. Both may be NULL in a policy's row. A dispatcher restarted mid-session starts with a
 * new state, so anything a decision depends on belongs in the engine's state (vehicles, waiting riders, the previous
 * step's time), not here: keep scratch space here. */
typedef void *(disp_state_new_fn) (const disp_config_t *config);
typedef void (disp_state_free_fn) (void *state);

struct disp_policy_t {
    const char *name;
    const char *summary;
    disp_assign_fn *assign;
    disp_state_new_fn *state_new;
    disp_state_free_fn *state_free;
};

/* The built-in policy called `name`, or NULL. */
const disp_policy_t *disp_policy_find (const char *name);

/* The policy called `name` among `own` (count of them, a program's own: see disp_config_t.own_policies) first, then
 * among the built-ins. NULL when none has the name. */
const disp_policy_t *disp_policy_lookup (const disp_policy_t *own, size_t count, const char *name);

/* All policies, for --help and error messages. */
size_t disp_policy_list (const disp_policy_t **out);

/* The policies' names, comma-separated ("nearest, batch"), into buf (truncated to fit). Returns buf. */
const char *disp_policy_names (char *buf, size_t size);

/* ---- engine services for policies ---- */

/* Pending requests in arrival order (request time, then arrival in the tick). Valid during the assign call. */
size_t disp_engine_pending (disp_engine_t *self, const disp_request_t **out);

/* Idle vehicles of a fleet right now. */
size_t disp_engine_idle_count (const disp_engine_t *self, disp_fleet_t fleet);

/* Current simulated time and the session's pickup limit. */
int64_t disp_engine_now (const disp_engine_t *self);
int64_t disp_engine_max_pickup_ms (const disp_engine_t *self);

/* The time of the session's previous step: 1 and *ms, or 0 at the session's first step. A restarted dispatcher
 * learns it from the resync tick, so a policy whose decisions depend on when it last ran derives that from here
 * (and the time now) rather than keeping it in its state, and recovers exactly. */
int disp_engine_previous_step (const disp_engine_t *self, int64_t *ms);

/* How long the drive to request r may take now: the session's pickup limit, cut by the rider's deadline. A rider
 * with 0 or less left can no longer be served. */
int64_t disp_engine_pickup_limit (const disp_engine_t *self, const disp_request_t *r);

/* The session's configuration, with its policy parameters (defaults filled in). */
const disp_config_t *disp_engine_config (const disp_engine_t *self);

/* The idle vehicle of `fleet` that reaches `node` soonest (traffic-adjusted time at disp_engine_now, ties to the
 * lower vehicle id), no later than limit_ms. Returns 0 and sets *vehicle_id and *eta_ms, or -1 when none. */
int disp_engine_nearest_idle (disp_engine_t *self, uint32_t node, disp_fleet_t fleet, int64_t limit_ms,
                              uint32_t *vehicle_id, int64_t *eta_ms);

/* The (at most) k idle vehicles of `fleet` that reach `node` soonest, no later than limit_ms, timed and limited
 * exactly as disp_engine_nearest_idle does: into vehicle_ids[0..] and eta_ms[0..] (the caller's arrays of k), in
 * order of eta, then vehicle id. Returns how many: k, or fewer when fewer idle vehicles of the fleet are within the
 * limit; 0 when k is 0, node or fleet is out of range or limit_ms < 0. Exact: any idle vehicle of the fleet not
 * returned is past the limit, later than the last one returned, or as soon with a higher id. The first one returned
 * is the one disp_engine_nearest_idle gives. */
size_t disp_engine_nearest_idle_k (disp_engine_t *self, uint32_t node, disp_fleet_t fleet, int64_t limit_ms, size_t k,
                                   uint32_t *vehicle_ids, int64_t *eta_ms);

/* The idle vehicle of `fleet` that reaches rider r's origin soonest and can take r on its reach, no later than
 * limit_ms: disp_engine_nearest_idle among the vehicles that can serve r. An electric vehicle reports how far it may
 * still drive on a ride (VehicleState.range_m); it can serve r when the drive to the pickup plus the ride, both the
 * fastest paths, fit in it. A vehicle without a reported range can serve any rider. 0 for a fleet r does not
 * accept. Returns 0 and sets *vehicle_id and *eta_ms, or -1 when none. Policies give riders vehicles through these
 * two, never through the place-only searches above, which ignore reach. */
int disp_engine_idle_for (disp_engine_t *self, const disp_request_t *r, disp_fleet_t fleet, int64_t limit_ms,
                          uint32_t *vehicle_id, int64_t *eta_ms);

/* The (at most) k idle vehicles of `fleet` that reach r's origin soonest and can take r on their reach, in the
 * order and with the etas of disp_engine_nearest_idle_k (the ones out of reach left out). Returns how many; 0 when
 * out of memory. */
size_t disp_engine_idle_for_k (disp_engine_t *self, const disp_request_t *r, disp_fleet_t fleet, int64_t limit_ms,
                               size_t k, uint32_t *vehicle_ids, int64_t *eta_ms);

/* 1 when the vehicle is idle, of a fleet r accepts, and can take r on its reach (see disp_engine_idle_for). */
int disp_engine_can_serve (disp_engine_t *self, const disp_request_t *r, uint32_t vehicle_id);

/* Records an assignment of pending request number `pending_index` (index into disp_engine_pending's array) to an
 * idle vehicle: the vehicle becomes busy and the request leaves the queue when the policy returns. Returns 0; or -1,
 * recording nothing, when the vehicle cannot take the rider on its reach (disp_engine_can_serve): the rider waits on,
 * so no policy sends an electric vehicle on a ride it cannot finish. */
int disp_engine_assign (disp_engine_t *self, size_t pending_index, uint32_t vehicle_id, int64_t eta_ms);

/* Sends the idle vehicle `vehicle_id` empty to `node` (rebalancing): it leaves the idle vehicles, counts as busy
 * until its owner reports it idle again, and the order goes out with this step's decisions. Returns 0, or -1 when out
 * of memory (nothing changed). */
int disp_engine_reposition (disp_engine_t *self, uint32_t vehicle_id, uint32_t node, int64_t eta_ms);

/* The reach vehicle `vehicle_id` last reported, metres (see disp_engine_idle_for); INFINITY for a vehicle without one
 * (its energy is not modelled) or past the capacity. */
double disp_engine_vehicle_reach_m (const disp_engine_t *self, uint32_t vehicle_id);

/* Sends the idle electric vehicle `vehicle_id` (one that reported a reach) to charge now: it leaves the idle vehicles
 * and counts as offline until its owner reports it again; the order goes out with this step's decisions
 * (Decisions.charge). The owner picks the charger. Returns 0, or -1 (nothing changed) when the vehicle is not idle
 * or has no reach. */
int disp_engine_send_to_charge (disp_engine_t *self, uint32_t vehicle_id);

/* ---- engine services for mixed fleets, the cost policy and rebalancing ---- */

/* Length in metres of the fastest free-flow path from -> to (the path a vehicle drives). Returns 0 and sets
 * *length_m (0 when from == to), or -1 when a node is out of range, `to` cannot be reached from `from`, or out of
 * memory. Keeps its own hierarchy query, so it may be called between disp_engine_nearest_idle calls. */
int disp_engine_route_length (disp_engine_t *self, uint32_t from, uint32_t to, double *length_m);

/* The node vehicle `vehicle_id` was last reported at; MAP_NODE_NONE before its first report or past the capacity. */
uint32_t disp_engine_vehicle_node (const disp_engine_t *self, uint32_t vehicle_id);

/* The idle vehicles of `fleet` in id order: writes the first min(count, cap) ids and nodes into ids[] and nodes[]
 * and returns the count (disp_engine_idle_count of the fleet). Scans the session's vehicles: for periodic work, not
 * per request. */
size_t disp_engine_idle_vehicles (const disp_engine_t *self, disp_fleet_t fleet, uint32_t *ids, uint32_t *nodes,
                                  size_t cap);

/* Policies (one file each). */
disp_assign_fn disp_policy_nearest_assign;
disp_assign_fn disp_policy_batch_assign;
disp_state_new_fn disp_policy_batch_state_new;
disp_state_free_fn disp_policy_batch_state_free;
disp_assign_fn disp_policy_cost_assign;
disp_assign_fn disp_policy_charge_early_assign;
disp_state_new_fn disp_policy_charge_early_state_new;
disp_state_free_fn disp_policy_charge_early_state_free;

#endif
