/* sim_world_state: the world's state and the internals that its pieces (sim_world*.c) share. */
#ifndef SIM_WORLD_STATE_H
#define SIM_WORLD_STATE_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include "map_ch.h"
#include "map_ch_ahead.h"
#include "sim_charger.h"
#include "sim_ev.h"
#include "sim_queue.h"
#include "sim_rng.h"

/* The world's public types (sim_world.h) come first: every piece includes its public header, then this one. Not
 * included from here, so that the private header does not tie the world's module to itself (check_layers). */
#ifndef SIM_WORLD_H
#error "include sim_world.h before sim_world_state.h"
#endif

/* Private to sim/world: never installed, never included outside it. The world is one object split over files:
 * sim_world.c (demand, vehicles, riders, choice, the exchange with the dispatcher, the public API),
 * sim_world_track.c (tracking) and sim_world_cruise.c (cruising). Names they share start with swi_ (sim world
 * internal); what one file keeps to itself starts with s_. */

#define SWI_HOUR_MS 3600000LL

/* How often a vehicle standing idle (drawing stand_kw, not turning free) has its battery looked at: a robotaxi with
 * its computer on goes at most this long below its charge_below_soc before it sets off to charge. */
#define SWI_CHARGE_CHECK_MS 300000LL

/* The reach a vehicle tells the dispatcher (swi_charge_reach_m) counts the aux draw at this mean speed, slower than
 * any hour's in CALIBRATION.md (a congested peak is 20 km/h), and the way to a charger as the straight line times
 * this detour (road distances in cities run 1.2-1.4 times the straight line). Both err on the safe side. */
#define SWI_REACH_KMH 15.0
#define SWI_REACH_DETOUR 1.4
/* An idle vehicle's reach is told again once its standing draw took this much off the reach last told. */
#define SWI_REACH_RETELL_M 1000.0
/* A vehicle whose reach is below this can take no ride worth the name: it goes to charge, whatever its level (a small
 * battery far from its chargers may get there above charge_below_soc). */
#define SWI_REACH_MIN_M 1000.0

/* A fleet's recent waits, as riders expect them: pickups (and give-ups, counted at the patience) of the last
 * choice.wait_window_min minutes. */
typedef struct {
    int64_t *t_ms;
    double *wait_min;
    size_t head, count, cap;   /* live samples are [head, count) */
    double sum_min;
    double expect_min;         /* the last mean; choice.wait_init_min before any sample */
} swi_waits_t;

typedef enum {
    SWI_EV_REQUEST = 0,        /* the next rider appears (subject unused) */
    SWI_EV_TICK,               /* lockstep exchange with the dispatcher */
    SWI_EV_GIVEUP,             /* subject: rider */
    SWI_EV_PICKUP,             /* subject: rider */
    SWI_EV_DROPOFF,            /* subject: rider */
    SWI_EV_SHIFT_START,        /* subject: vehicle */
    SWI_EV_SHIFT_END,          /* subject: vehicle */
    SWI_EV_SNAPSHOT,
    SWI_EV_HOUR,
    SWI_EV_ARRIVE,             /* subject: vehicle, at the end of a reposition drive */
    SWI_EV_SAMPLE,             /* tracked vehicles' places asked for (opts.on_sample) */
    SWI_EV_CRUISE_END,         /* subject: vehicle, an idle human driver at the end of a cruise hop */
    SWI_EV_CRUISE,             /* subject: vehicle, an idle human driver's parked spell over: the next hop */
    SWI_EV_HOME,               /* subject: vehicle, at the end of its drive to its depot or home (opts.depots,
                                * opts.shifts) */
    SWI_EV_CHARGE_ARRIVE,      /* subject: vehicle, at the charging site it drove to (charging.mode battery) */
    SWI_EV_CHARGE_END,         /* subject: vehicle, charged to its level */
    SWI_EV_CHARGE_CHECK,       /* every SWI_CHARGE_CHECK_MS: idle vehicles whose battery ran low go to charge */
    SWI_EV_COUNT
} swi_event_kind_t;

/* SWI_VEH_REPOSITION: driving empty where the dispatcher sent it (rebalancing); busy for the dispatcher.
 * SWI_VEH_CHARGE: driving to a charging site, waiting there for a plug or plugged in (swi_vehicle_t.charge); busy. */
typedef enum {
    SWI_VEH_OFFLINE = 0, SWI_VEH_IDLE, SWI_VEH_PICKUP, SWI_VEH_OCCUPIED, SWI_VEH_REPOSITION, SWI_VEH_CHARGE
} swi_veh_state_t;

/* Where a vehicle is in charging (SWI_VEH_CHARGE). */
typedef enum { SWI_CHARGE_NONE = 0, SWI_CHARGE_DRIVE, SWI_CHARGE_WAIT, SWI_CHARGE_PLUG } swi_charge_phase_t;
typedef enum {
    SWI_RIDER_WAITING = 0, SWI_RIDER_ASSIGNED, SWI_RIDER_RIDING, SWI_RIDER_DONE, SWI_RIDER_GAVE_UP
} swi_rider_state_t;

typedef struct {
    uint8_t fleet;
    uint8_t state;             /* swi_veh_state_t */
    uint8_t on_shift;
    uint8_t changed;           /* queued for the next tick */
    uint32_t node;
    uint32_t rider;            /* current rider while PICKUP / OCCUPIED */
    uint32_t target;           /* destination while REPOSITION */
    int64_t since_ms;          /* when the current state began (or was last accounted) */
    int64_t online_ms;
    uint32_t trips;
    double revenue_yuan, km;
    double shift_start_h, shift_h;
    uint8_t worked;            /* has a shift this day */
    uint8_t cruising;          /* an idle human driver on a cruise hop (its walk) */
    uint8_t homing;            /* off shift, driving to home (below); offline for the dispatcher */
    int64_t wake_ms;           /* an idle human driver: when the hop under way ends, or the parked spell after it */
    uint32_t home;             /* a robotaxi's depot or a driver's home from a fleets file, or MAP_NODE_NONE */
    uint8_t charge;            /* swi_charge_phase_t */
} swi_vehicle_t;

/* A vehicle's battery (charging.mode battery); what it did over the day is its sim_battery_row_t. */
typedef struct {
    double kwh;                /* stored now */
    uint32_t site;             /* charging: the site it drives to, waits or charges at */
    int64_t arrive_ms, plug_ms, done_ms;   /* this session's: at the site, plugged in, charged to its level */
    double soc_from;           /* at plug-in */
    double reach_m;            /* the reach last told the dispatcher (swi_charge_reach_m) */
} swi_battery_t;

/* A path with times (a cruise hop's walk, a tracked vehicle's leg): the nodes a vehicle passes, when, the km driven
 * to each and the speed on the edge from each to the next. Grown by swi_path_reserve, freed by swi_path_free. */
typedef struct {
    uint32_t *nodes;
    int64_t *at_ms;
    double *km;                /* from the path's first node */
    float *kmh;                /* on the edge to the next node (the last point's is unused) */
    uint32_t count, cap;
} swi_path_t;

/* An idle human driver's cruise hop. */
typedef struct {
    swi_path_t path;
    uint32_t cut;              /* where the last hop was cut short (sim_world_cruise.c) */
} swi_walk_t;

typedef struct {
    int64_t request_ms;
    int64_t deadline_ms;
    int64_t leg_start_ms;
    double trip_km;            /* road length of the ride, set at pickup */
    uint64_t ride_ticket;      /* the ride's route asked ahead (map_ch_ahead), or MAP_CH_AHEAD_NONE */
    uint32_t origin, destination;
    uint32_t vehicle;
    uint32_t trip;             /* its entry of opts.trips (a given demand), named in its events */
    uint8_t fleet;             /* the fleet counting the rider: the one chosen, until another one is assigned */
    uint8_t chosen;            /* the fleet the rider chose */
    uint8_t any_fleet;         /* accepts a robotaxi too (dispatch.mixed_fleet) */
    uint8_t state;             /* swi_rider_state_t */
    uint8_t coupon[DISP_FLEET_COUNT];   /* the rider holds a coupon of this fleet's tariff */
    uint8_t sent;              /* told to the dispatcher */
} swi_rider_t;

/* A tracked vehicle's open leg (opts.on_leg): a drive's path and times, or an idle spell's node and start (one
 * point); no point off shift. */
typedef struct {
    swi_path_t path;
    uint32_t split;            /* > 0: points before this one are the end of a cruise hop the drive began with */
    uint32_t cursor;           /* where the last place was found: samples go forward in time */
} swi_track_t;

/* The route of one assignment's pickup leg, found before the assignments are applied. */
typedef struct {
    uint64_t ticket;           /* asked of the routing thread; MAP_CH_AHEAD_NONE once taken, or when refused */
    int rc;                    /* map_ch_route's answer, once taken */
    map_route_t route;
    int ready;
    uint32_t *path;            /* a tracked vehicle's: the route's nodes (path_count), for its leg */
    size_t path_count, path_cap;
} swi_pickup_t;

struct sim_world_t {
    const sim_config_t *cfg;
    const map_graph_t *graph;
    sim_world_opts_t opts;
    map_ch_query_t *router;           /* contraction-hierarchy queries, scratch reused */
    map_ch_ahead_t *ahead;            /* opts.route_thread: rides routed from the request on, on a thread */
    sim_queue_t *queue;
    sim_metrics_t *metrics;
    sim_rng_t rng_demand, rng_human, rng_robotaxi;
    int64_t now_ms;
    uint64_t step;

    /* demand */
    double *node_weight_cum;   /* prefix sums of node weights, for drawing origins and destinations */
    double *area_weight_cum;   /* same, restricted to the robotaxi service area (0 outside) */
    uint8_t *in_area;
    double hour_rate_per_ms[24];

    /* fleets: human drivers are vehicles [0, humans), robotaxis [humans, humans + robotaxis) */
    swi_vehicle_t *vehicles;
    uint32_t humans, robotaxis, vehicle_count;
    sim_driver_row_t *driver_rows;

    swi_rider_t *riders;
    size_t rider_count, rider_cap;
    size_t active_riders;
    size_t next_trip;          /* opts.trips: the row the next request is */

    /* what the next tick carries */
    uint32_t *new_riders;
    size_t new_count, new_cap;
    uint32_t *changed;
    size_t changed_count;
    uint64_t *cancelled;
    size_t cancelled_count, cancelled_cap;
    disp_publication_t *pubs;
    size_t pub_count, pub_cap;
    uint64_t pub_seq;

    /* scratch for building ticks */
    disp_request_t *tick_requests;
    size_t tick_requests_cap;
    disp_vehicle_t *tick_vehicles;

    /* a step's pickup routes, computed on both cores when there is a routing thread (s_route_pickups, sim_world.c) */
    swi_pickup_t *pickups;
    size_t pickup_count, pickups_cap;

    swi_track_t *tracks;       /* per vehicle, with opts.on_leg; NULL otherwise */
    swi_walk_t *walks;         /* per human driver, when idle drivers cruise (human.cruise_kmh > 0); NULL otherwise */
    double *edge_weight;       /* with walks: per edge, the demand weight of its end node */
    sim_rng_t rng_cruise;
    const uint32_t *drive_path;   /* a tracked vehicle's drive just routed: its nodes (drive_path_count), or NULL */
    size_t drive_path_count;

    /* charging.mode battery (sim_world_energy.c); all NULL under fixed */
    sim_chargers_t *chargers;
    swi_battery_t *batteries;         /* per vehicle */
    sim_battery_row_t *battery_rows;  /* per vehicle */
    sim_charge_session_t *sessions;
    size_t session_count, session_cap;
    sim_charge_site_row_t *site_rows; /* per site */
    sim_ev_t ev[DISP_FLEET_COUNT];
    sim_tou_t tou_depot, tou_public;
    double charger_margin_m[DISP_FLEET_COUNT]; /* the farthest road a place of the fleet's may be from its chargers */

    /* rider choice */
    swi_waits_t waits[DISP_FLEET_COUNT];
    sim_choice_metrics_t choice;
    double curve[SIM_CHOICE_FACTORS][DISP_FLEET_COUNT + 1];
    uint32_t humans_working;

    int has_baseline;
    sim_snapshot_t baseline;
    const sim_driver_row_t *baseline_rows;
    sim_snapshot_t final;

    char err[512];             /* first failure inside an event handler */
    int failed;
};

/* ---- what every piece uses (here, so the pieces stand on this header and never call each other in a ring) ---- */

/* Records the first failure inside an event handler (printf-style); sim_world_run stops and returns it. */
static inline void
swi_fail (sim_world_t *self, const char *fmt, ...)
{
    if (self->failed)
        return;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (self->err, sizeof self->err, fmt, ap);
    va_end (ap);
    self->failed = 1;
}

/* Queues an event of kind for subject at time_ms (ties in the order queued); fails the world when out of memory. */
static inline void
swi_schedule (sim_world_t *self, int64_t time_ms, swi_event_kind_t kind, uint32_t subject)
{
    if (sim_queue_push (self->queue, time_ms, kind, subject) < 0)
        swi_fail (self, "out of memory");
}

/* Index of the node whose weight interval holds u x total, of the prefix sums cum[0 .. n) (demand weights). */
static inline uint32_t
swi_draw_node (const double *cum, size_t n, double u)
{
    double target = u * cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return (uint32_t) lo;
}

/* Queues vehicle v for the next tick's exchange with the dispatcher (once per tick). */
static inline void
swi_mark_changed (sim_world_t *self, uint32_t v)
{
    if (!self->vehicles[v].changed) {
        self->vehicles[v].changed = 1;
        self->changed[self->changed_count++] = v;
    }
}

/* ---- tracking (sim_world_track.c): paths with times; where a tracked vehicle is, its legs told to opts.on_leg */

/* Vehicle v's track when v is tracked (opts.on_leg, and opts.tracked says so), else NULL. */
swi_track_t *swi_tracked (sim_world_t *self, uint32_t v);

/* Makes room for n points of path p. 0 or -1 (out of memory; p keeps its points). */
int swi_path_reserve (swi_path_t *p, uint32_t n);

/* Makes `to` the first n points of `from` (n <= from->count). 0 or -1 (out of memory). */
int swi_path_copy (swi_path_t *to, const swi_path_t *from, uint32_t n);

/* Frees p's points (p itself is the caller's); p holds none after. */
void swi_path_free (swi_path_t *p);

/* Tells the listener the leg held by v's track (v tracked) from point `first` on, as state, for request (or -1). */
void swi_track_emit (sim_world_t *self, uint32_t v, sim_leg_state_t state, int64_t request, uint32_t first);

/* Ends v's open leg now: an idle spell that lasted is told; the track is left empty. Nothing when v is untracked. */
void swi_track_close (sim_world_t *self, uint32_t v);

/* Opens an idle spell of v at its node, now (the track closed before). Nothing when v is untracked. */
void swi_track_idle (sim_world_t *self, uint32_t v);

/* v (its state already set) drives from `from` to `to`, setting out at depart_ms (now, or later where a cut cruise
 * hop reaches its crossing: that hop's end is kept before the drive) for drive_ms; the drive is told from its start.
 * Uses the path kept in self->drive_path when it runs from `from` to `to` (and clears it), else routes. Nothing when
 * v is untracked or the world has failed. */
void swi_track_drive (sim_world_t *self, uint32_t v, int64_t request, uint32_t from, uint32_t to,
                      int64_t depart_ms, int64_t drive_ms);

/* ---- charging (sim_world_energy.c): batteries, charging sites and sessions (charging.mode battery) ---- */

/* Makes the batteries (charged to start_soc) and the charging sites (the depots of opts.depots or generated ones,
 * and public sites placed by demand) once the fleets are placed. Nothing under charging.mode fixed. 0, or -1 with
 * why in err. */
int swi_charge_new (sim_world_t *self, char *err, size_t errlen);

void swi_charge_free (sim_world_t *self);

/* v drove km in drive_ms: the battery gives the energy (nothing without batteries). */
void swi_charge_drive (sim_world_t *self, uint32_t v, double km, int64_t drive_ms);

/* v stood on shift from from_ms to to_ms (idle, or waiting for a plug): the battery gives the standing draw. */
void swi_charge_stand (sim_world_t *self, uint32_t v, int64_t from_ms, int64_t to_ms);

/* The electricity v has cost so far: what it bought, and its net draw since the day began (start - now) bought at
 * its fleet's valley price (the tariff's cheapest hour: recharged overnight, so that every day starts alike). The kWh
 * bought go to *kwh (may be NULL). -1 without batteries (the caller's per-km price then). */
double swi_charge_energy_yuan (const sim_world_t *self, uint32_t v, double *kwh);

/* v's battery is below its fleet's charge_below_soc, or its reach (swi_charge_reach_m) below SWI_REACH_MIN_M (0
 * without batteries). */
int swi_charge_wanted (const sim_world_t *self, uint32_t v);

/* v's battery is at or above its fleet's charge_to_soc (1 without batteries: nothing to charge). */
int swi_charge_full (const sim_world_t *self, uint32_t v);

/* How far v may drive on a ride (pickup and ride) and still reach a charger of its fleet with charging.reserve_soc
 * left: the energy above the reserve at the drive's kWh per km (traction plus the aux draw at SWI_REACH_KMH), less
 * the fleet's charger margin (the farthest a place it drives to lies from its nearest usable site, straight line x
 * SWI_REACH_DETOUR). Metres, >= 0; -1 without batteries (the dispatcher is then told no reach). */
double swi_charge_reach_m (const sim_world_t *self, uint32_t v);

/* The site v should charge at (its fleet's sites, the quickest to reach of the three nearest), kept as v's site;
 * SIM_CHARGER_NONE when none takes its fleet. Routes with self->router. */
uint32_t swi_charge_pick (sim_world_t *self, uint32_t v);

/* v is at its site now: 1 when it plugged in (swi_charge_done_ms says until when), 0 when it waits for a plug. */
int swi_charge_arrive (sim_world_t *self, uint32_t v);

/* When plugged-in v reaches its charge_to_soc. */
int64_t swi_charge_done_ms (const sim_world_t *self, uint32_t v);

/* Plugged-in v unplugs now: the session is booked (energy in, bought at each hour's price) and the plug goes to the
 * first vehicle waiting there, which is returned plugged in (SIM_CHARGER_NONE when none waits). */
uint32_t swi_charge_leave (sim_world_t *self, uint32_t v);

/* The day is over: sessions still open are booked as they stand (cut), waits counted, each battery's end level and
 * the sites' use kept for sim_world_batteries and sim_world_charge_sites. */
void swi_charge_finish (sim_world_t *self);

/* ---- cruising (sim_world_cruise.c): idle human drivers drive the streets (walks; human.cruise_kmh > 0) ---- */

/* Idle human driver v (on shift, self->walks set) starts a cruise hop from its node now, or stays parked where no
 * street leads on; schedules SWI_EV_CRUISE_END at its end. */
void swi_cruise_start (sim_world_t *self, uint32_t v);

/* The node where v can turn off its hop (the first it reaches from now on, *j its index in the walk), or v's node
 * (*j 0) when v is not cruising. Changes nothing. */
uint32_t swi_cruise_next (const sim_world_t *self, uint32_t v, uint32_t *j);

/* Stops v's hop at swi_cruise_next's node (its km booked, its node set, the hop so far told): returns the ms until
 * v is there, 0 when v was not cruising. */
int64_t swi_cruise_cut (sim_world_t *self, uint32_t v);

/* SWI_EV_CRUISE_END's handler: v's hop is over (ignored when it was cut short); it parks, then cruises on. */
void swi_on_cruise_end (sim_world_t *self, uint32_t v);

/* SWI_EV_CRUISE's handler: v's parked spell is over, the next hop (ignored when a rider or the shift's end came). */
void swi_on_cruise (sim_world_t *self, uint32_t v);

#endif
