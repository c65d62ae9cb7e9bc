/* sim_leg: where a vehicle is over its day. The world hands whoever tracks its vehicles (sim_world_opts_t.on_leg)
 * one record per leg: a drive along its routed path (to a pickup, carrying a rider, repositioning) with the time the
 * vehicle passes each road node, or a spell standing idle at one node. The world knows no file: sim_traj writes these
 * records as trajectories (trips.geojson, fcd.csv). */
#ifndef SIM_LEG_H
#define SIM_LEG_H

#include <stddef.h>
#include <stdint.h>

/* What the vehicle does along a leg (also its state at a sample). */
typedef enum {
    SIM_LEG_IDLE = 0,   /* on shift, free, standing at a node */
    SIM_LEG_TO_PICKUP,  /* driving empty to a rider it was assigned */
    SIM_LEG_CARRYING,   /* driving a rider to the destination */
    SIM_LEG_REPOSITION, /* driving empty where the dispatcher sent it */
    SIM_LEG_CRUISING,   /* an idle human driver cruising the streets for riders (free for the dispatcher) */
    SIM_LEG_TO_DEPOT,   /* a robotaxi out of service (its downtime began) driving empty to its depot */
    SIM_LEG_GOING_HOME, /* a human driver whose shift ended driving empty home */
    SIM_LEG_TO_CHARGER, /* driving empty to a charging site (charging.mode battery) */
    SIM_LEG_CHARGING,   /* at a charging site: waiting for a plug or plugged in */
    SIM_LEG_STATE_COUNT
} sim_leg_state_t;

/* One leg. A drive's times are the departure, the passing of each node and the arrival: the drive's time under the
 * hour's traffic (the world's own) shared out over the path's edges by their free-flow times, the traffic factor of
 * the departure hour being the same on every edge. An idle spell has two points at the same node. */
typedef struct {
    uint32_t day;         /* 1-based */
    uint32_t vehicle;     /* the world's vehicle index (events.csv's vehicle) */
    int fleet;            /* disp_fleet_t */
    sim_leg_state_t state;
    int64_t request;      /* the rider served (events.csv's request), or -1 */
    size_t count;         /* points, >= 2 */
    const uint32_t *nodes;
    const int64_t *at_ms; /* ms after the day's midnight (past 86,400,000 for a ride finished after midnight);
                           * ascending, ties allowed */
} sim_leg_t;

/* A listener of legs: called when a drive starts (its whole path and times known) and when an idle spell ends. */
typedef void (sim_leg_fn) (void *arg, const sim_leg_t *leg);

/* A tracked vehicle's place at one instant (sim_world_place). */
typedef struct {
    double lon, lat;      /* WGS84 */
    double speed_kmh;     /* along the edge it is on; 0 standing */
    uint32_t node;        /* the node it is at, or UINT32_MAX between two */
    sim_leg_state_t state;
    int fleet;
} sim_place_t;

/* The state's name in the outputs ("idle", "to_pickup", "carrying", "repositioning", "cruising", "to_depot",
 * "going_home"); NULL out of range. */
const char *sim_leg_state_name (sim_leg_state_t state);

#endif
