/* disp_types: the dispatcher's own value types (requests, vehicle states, assignments, the lockstep step
 * exchange). Wire messages are turned into these by disp_codec; nothing outside the codec sees protobuf names. */
#ifndef DISP_TYPES_H
#define DISP_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include "map_graph.h"
#include "map_net.h"
#include "map_traffic.h"

typedef enum { DISP_FLEET_ROBOTAXI = 0, DISP_FLEET_HUMAN = 1, DISP_FLEET_COUNT } disp_fleet_t;

typedef enum { DISP_VEH_OFFLINE = 0, DISP_VEH_IDLE = 1, DISP_VEH_BUSY = 2 } disp_vehicle_status_t;

typedef struct {
    double lon, lat;
    uint32_t node;             /* MAP_NODE_NONE when the sender gave only lon/lat */
} disp_position_t;

typedef struct {
    uint64_t id;
    int64_t time_ms;
    disp_position_t origin, destination;
    uint8_t fleet;             /* disp_fleet_t the rider asked for */
    int64_t deadline_ms;       /* rider gives up if not picked up by then */
    uint8_t any_fleet;         /* the rider also accepts the other fleet (mixed-fleet platform) */
} disp_request_t;

typedef struct {
    uint32_t id;
    uint8_t fleet;             /* disp_fleet_t */
    uint8_t status;            /* disp_vehicle_status_t */
    disp_position_t position;
    int64_t time_ms;
    uint8_t range_limited;     /* 1: an electric vehicle that may drive at most range_m more on a ride */
    double range_m;            /* with range_limited: metres of pickup plus ride it can take (finite, >= 0) */
} disp_vehicle_t;

typedef struct {
    uint64_t request_id;
    uint32_t vehicle_id;
    int64_t pickup_eta_ms;
} disp_assignment_t;

/* Rebalancing: an idle vehicle sent empty toward expected demand. */
typedef struct {
    uint32_t vehicle_id;
    disp_position_t target;
    int64_t eta_ms;
} disp_reposition_t;

/* The rebalancer's state after a run (disp_rebalance.h): what a new dispatcher needs to continue it exactly. Sent
 * with the Decisions of the step it ran in, kept by the client, resent with a resync tick. */
typedef struct {
    uint32_t zone;             /* zone index (row x columns + column) */
    double demand, sum_x, sum_y; /* decayed request count and sums of the origins' projected x and y */
} disp_zone_demand_t;

typedef struct {
    uint32_t vehicle_id;
    uint32_t zone;             /* where it was sent */
    int64_t arrive_ms;         /* when it is expected there */
} disp_rebalance_order_t;

typedef struct {
    int64_t run_ms;            /* session time of the run */
    int64_t decay_ms;          /* session time the decayed figures refer to */
    const disp_zone_demand_t *zones; /* zones with any demand, ascending; the others have none */
    size_t zone_count;
    const disp_rebalance_order_t *orders; /* moves under way */
    size_t order_count;
} disp_rebalance_state_t;

/* A metrics message to publish: topic and encoded MetricsSnapshot. */
typedef struct {
    char topic[32];
    uint8_t *payload;
    size_t payload_len;
} disp_publication_t;

/* One lockstep step from the simulator. Arrays are owned by whoever built the tick. */
typedef struct {
    uint64_t step;
    int64_t now_ms;
    const disp_request_t *requests;
    size_t request_count;
    const disp_vehicle_t *vehicles;
    size_t vehicle_count;
    const uint64_t *cancelled;
    size_t cancelled_count;
    const disp_publication_t *publish;
    size_t publish_count;
    int resync;                /* after a reconnect: vehicles and requests hold the whole state */
    /* With resync only: the rest of the session's state (see Tick in robotaxi.proto). */
    int has_previous;          /* a step came before this one, at previous_ms */
    int64_t previous_ms;
    const disp_rebalance_state_t *rebalance; /* the last one decisions carried; NULL: none yet */
    const disp_request_t *observed; /* requests sent since then, this step's included, in the order sent */
    size_t observed_count;
} disp_tick_t;

/* The dispatcher's answer. `assignments` is owned by the producer (engine or link) and stays valid until its next
 * step. */
typedef struct {
    uint64_t step;
    int64_t now_ms;            /* the session clock at the decision */
    const disp_assignment_t *assignments;
    size_t assignment_count;
    const disp_reposition_t *repositions;
    size_t reposition_count;
    const disp_rebalance_state_t *rebalance; /* the rebalancer's state when it ran in this step, else NULL; owned
                                                like assignments */
    const uint32_t *charges;   /* idle electric vehicles sent to charge (policy charge-early); owned like assignments */
    size_t charge_count;
} disp_decisions_t;

/* Policy parameters (Hello.params). disp_config_defaults fills the defaults; 0 on the wire means default. */
typedef struct {
    int64_t batch_window_ms;       /* batch: requests collected this long, then assigned together */
    uint32_t batch_candidates;     /* batch: nearest idle vehicles considered per request */
    double cost_per_km[DISP_FLEET_COUNT]; /* cost: operator's cost of a km, yuan, by fleet */
    double wait_yuan_per_min;      /* cost: price on a minute of a rider's wait */
    int rebalance;                 /* move idle robotaxis toward expected demand (any policy) */
    int64_t rebalance_interval_ms;
    double rebalance_zone_m;       /* side of a square demand zone */
    int64_t rebalance_horizon_ms;  /* expected demand over this long ahead */
    uint32_t charge_early_hours;   /* charge-early: hours (bit h: hour h) it sends low robotaxis to charge */
    double charge_early_reach_m;   /* charge-early: an idle robotaxi with less reach than this is sent */
} disp_params_t;

typedef struct disp_policy_t disp_policy_t;   /* disp_policy.h */

/* What a session asks of the dispatcher. */
typedef struct {
    char policy[32];           /* "nearest" */
    int64_t max_pickup_ms;     /* never assign a vehicle further away than this (traffic-adjusted) */
    uint32_t vehicle_capacity; /* vehicle ids are < this */
    disp_params_t params;
    /* A program's own policies, looked up by name before the built-in table (so one may replace a built-in), for
     * the engines it runs itself: never sent over the wire, so a remote dispatcher knows only its built-ins. The
     * array must outlive the sessions. NULL / 0: the built-in table alone. */
    const disp_policy_t *own_policies;
    size_t own_policy_count;
} disp_config_t;

typedef enum { DISP_MODE_LOCKSTEP = 0, DISP_MODE_LIVE = 1 } disp_mode_t;

/* Session opening: the map to build, its expected fingerprint, traffic and the dispatch configuration. */
typedef struct {
    char protocol[32];         /* DISP_PROTOCOL */
    char session[64];
    map_spec_t map;
    uint64_t map_fingerprint;
    map_traffic_t traffic;
    disp_config_t config;
    disp_mode_t mode;
    int64_t heartbeat_ms;      /* the client's heartbeat period */
    int64_t clock_start_ms;    /* live: session clock at Hello */
    int64_t live_step_ms;      /* live: step this often without new input */
} disp_hello_t;

#define DISP_PROTOCOL "robotaxi.v1"

/* Defaults of the optional Hello fields, and the allowed ranges the codec checks. */
#define DISP_HEARTBEAT_MS_DEFAULT    1000
#define DISP_LIVE_STEP_MS_DEFAULT    100

const char *disp_fleet_name (disp_fleet_t fleet);   /* "robotaxi", "human" */

/* The fleets request r accepts, the rider's own first, then the other one when r->any_fleet. Fills fleets[] and
 * returns how many (1 or 2). r->fleet must be a fleet. */
size_t disp_request_fleets (const disp_request_t *r, disp_fleet_t fleets[DISP_FLEET_COUNT]);

/* Whether request r accepts a vehicle of `fleet`. */
int disp_request_accepts (const disp_request_t *r, disp_fleet_t fleet);

/* The default policy parameters (see robotaxi.proto PolicyParams). */
void disp_params_defaults (disp_params_t *params);

/* Replaces every zero field of params with its default. */
void disp_params_fill (disp_params_t *params);

/* Checks the parameters' ranges. 0, or -1 with a message naming the field ("params.batch_window_ms: ..."). */
int disp_params_check (const disp_params_t *params, char *err, size_t errlen);

/* Checks a rebalancer state's figures as the codec and the rebalancer both need them: decay_ms >= 0, zones in
 * ascending order, each below zone_count (SIZE_MAX: any), with finite figures and demand >= 0. 0, or -1 with a
 * message naming field and the entry ("tick.rebalance.zones[3].zone: 7 does not follow zone 9"). */
int disp_resync_state_check (const disp_rebalance_state_t *state, size_t zone_count, const char *field, char *err,
                                size_t errlen);

#endif
