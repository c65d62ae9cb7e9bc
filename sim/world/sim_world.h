/* sim_world: one simulated city day. All state hangs off one world object (clock, seeded random streams, event
 * queue, vehicles, riders, metrics, a const map), so two worlds can run side by side. The world asks a dispatcher
 * for decisions through a disp_link_t once per step (lockstep), so its results do not depend on timing. */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stddef.h>
#include <stdint.h>
#include "disp_link.h"
#include "map_net.h"
#include "sim_charger.h"
#include "sim_config.h"
#include "sim_cost.h"
#include "sim_event.h"
#include "sim_leg.h"
#include "sim_metrics.h"

#define SIM_DAY_MS 86400000LL

typedef struct sim_world_t sim_world_t;

/* Called every sim_world_opts_t.sample_ms of the day with the world at that instant (sim_world_place). */
typedef void (sim_sample_fn) (void *arg, sim_world_t *world);

/* Encodes a metrics snapshot into a publication (topic and payload, malloc'd) the dispatcher link sends on: how a
 * run's snapshots reach subscribers is the caller's (sim_codec_publication), not the world's. 0, or -1 when out of
 * memory. */
typedef int (sim_world_publish_fn) (const sim_snapshot_t *snap, disp_publication_t *out);

/* One request of a given demand (a trips file, read by whoever runs the world): a person looking at the app. */
typedef struct {
    int64_t time_ms;           /* when, ms after midnight (0 .. SIM_DAY_MS - 1); a list is ascending */
    uint32_t origin, destination; /* road nodes, different */
    int8_t fleet;              /* the only fleet the rider would take (disp_fleet_t), or -1: any, by price and wait */
    double patience_min;       /* > 0: how long this rider waits; 0: demand.patience_min */
    const char *ref;           /* the request's name in its file (its id or line), or NULL; told in its events */
} sim_trip_t;

/* One human driver's shift pattern (a shifts file, read by whoever runs the world). */
typedef struct {
    double start_h;            /* 0 <= start_h < 24; a shift past midnight wraps to the early hours */
    double length_h;           /* 0 < length_h <= 24 */
    uint32_t home;             /* road node the driver starts from and drives back to */
} sim_shift_t;

typedef struct {
    int baseline;              /* 1: the same day without robotaxis (riders choose between the others) */
    sim_world_publish_fn *publish; /* NULL, or how to encode a metrics snapshot sent with the ticks */
    uint32_t day;              /* 0-based day of a run of several: picks the day's riders, shifts and downtimes */
    const uint8_t *works;      /* per driver of the pool (human.drivers): 1 = works this day; NULL = all work */
    sim_event_fn *on_event;    /* NULL, or called for every request, assignment, pickup, drop-off, give-up,
                                * reposition, arrival and shift change of the day, with event_arg (logging changes no
                                * result). sim_run gives the events log to the main series only, never to the day
                                * without robotaxis of --baseline. */
    void *event_arg;
    /* The day's demand, instead of drawing it from the zones (NULL: drawn). The world reads it while it lives and
     * never changes it; riders still choose a fleet or neither by price and wait (from their own seeded draws). */
    const sim_trip_t *trips;
    size_t trip_count;
    int route_thread;          /* 1: each ride is routed from the request on, on a thread of the world's own, so the
                                * route is ready at the pickup (a second core saves a big map's day a third of its
                                * time); the results are the same either way */
    /* Tracking (trajectories), which changes no result. With on_leg, each tracked vehicle (tracked[v] nonzero, or
     * every vehicle when tracked is NULL) has its legs told to on_leg (sim_leg.h) and its place known at any instant
     * (sim_world_place); its drives are routed once more for their paths. With on_sample and sample_ms > 0,
     * on_sample is called at 0, sample_ms, 2 x sample_ms ... of the day, and past midnight while riders are seen
     * through. Both get track_arg. */
    sim_leg_fn *on_leg;
    sim_sample_fn *on_sample;
    void *track_arg;
    const uint8_t *tracked;    /* vehicle_count entries (sim_world_vehicle_count), or NULL */
    int64_t sample_ms;
    /* Fleets from files (read by whoever runs the world; NULL: placed and drawn as without them). depots: one road
     * node per robotaxi (robotaxi.fleet_size entries): it starts there, drives back there empty when its downtime
     * starts (after the ride it is on), and leaves from there when service resumes. shifts: one per driver of the
     * pool (human.drivers entries): the driver starts from home, works that shift and drives home empty at its
     * end, instead of a drawn place and shift and the booked human.commute_km. */
    const uint32_t *depots;
    const sim_shift_t *shifts;
    /* Charging sites from a file (charging.site_file; charging.mode battery): they replace the generated sites, in
     * this order. NULL: generated. */
    const sim_charger_site_t *charge_sites;
    size_t charge_site_count;
} sim_world_opts_t;

/* The riders' choice against the robotaxi price: the predicted shares at SIM_CHOICE_FACTORS multiples of the
 * robotaxi fare (0.25, 0.5, ... 3), every rider of the day with the waits they expected. */
#define SIM_CHOICE_FACTORS 12
typedef struct {
    double price_factor[SIM_CHOICE_FACTORS];
    double share[SIM_CHOICE_FACTORS][DISP_FLEET_COUNT + 1];   /* robotaxi, human, other */
} sim_choice_curve_t;

/* One human driver's day, for drivers.csv. */
typedef struct {
    uint32_t id;
    double shift_start_h, shift_h;
    double hours_online;
    uint32_t trips;
    double revenue_yuan, km;
    double net_yuan;           /* revenue after commission, running costs, rent and insurance */
    uint8_t worked;
} sim_driver_row_t;

/* A driver's net earnings for a day: fares less commission, energy (energy_yuan, the electricity the driver bought
 * under charging.mode battery; when negative, human.energy_yuan_per_km x km), maintenance per km, and (on a day
 * worked) rent and insurance. The one formula behind drivers.csv, the drivers' metrics and their work decisions. */
double sim_world_driver_net (const sim_config_t *cfg, double revenue_yuan, double km, double energy_yuan, int worked);

/* Builds the world for cfg on graph g (must outlive the world): places vehicles, draws shifts. NULL with a
 * message when the scenario cannot run on this map (e.g. a service area with no road in it). */
sim_world_t *sim_world_new (const sim_config_t *cfg, const map_net_t *net, const sim_world_opts_t *opts, char *err,
                            size_t errlen);

/* NULL-safe; sets *self_p to NULL. */
void sim_world_destroy (sim_world_t **self_p);

/* Called at every simulated hour (1..24) while the day runs. */
typedef void (sim_progress_fn) (sim_world_t *world, int hour, void *arg);

/* Plays the day: requests arrive until midnight, then the riders still waiting or riding are seen through. The
 * dispatcher's repositions send idle robotaxis driving empty to their targets (busy meanwhile, idle there on arrival,
 * or off shift when the shift ended on the way). With dispatch.mixed_fleet, riders who chose a human driver for a
 * trip inside the robotaxi service area accept a robotaxi too; served by one, they count (request, ride, fare at the
 * robotaxi tariff) for the robotaxi fleet. Returns 0, or -1 with a message when the dispatcher link fails or answers
 * something impossible (a busy vehicle, a fleet the rider does not accept, a human driver repositioned). */
int sim_world_run (sim_world_t *self, disp_link_t *link, sim_progress_fn *progress, void *arg, char *err,
                   size_t errlen);

/* The same day without robotaxis (set before sim_world_run): its final snapshot, and its drivers' days (rows of the
 * whole pool, as sim_world_drivers gives them). The final snapshot then reports the displacement against it:
 * trips and income moved, and the drivers who worked that day but not this one. */
void sim_world_set_baseline (sim_world_t *self, const sim_snapshot_t *baseline_final,
                             const sim_driver_row_t *baseline_rows);

/* What a fleet did over a day, as the cost model counts it (vehicle-days = the fleet's vehicles that day). */
void sim_world_cost_use (const sim_fleet_metrics_t *m, sim_cost_use_t *use);

/* The riders' predicted choice against the robotaxi price, over the day so far. */
void sim_world_choice_curve (const sim_world_t *self, sim_choice_curve_t *out);

/* The final snapshot as published at the end of sim_world_run (with its sequence number). */
const sim_snapshot_t *sim_world_final (const sim_world_t *self);

/* The figures so far (seq left 0). Brings every vehicle's time up to the current clock first. */
void sim_world_snapshot (sim_world_t *self, sim_snapshot_kind_t kind, sim_snapshot_t *out);

const sim_metrics_t *sim_world_metrics (const sim_world_t *self);

/* Human drivers' days, one row per driver of the pool (those who stayed home have worked = 0); array owned by the
 * world. */
size_t sim_world_drivers (sim_world_t *self, const sim_driver_row_t **out);

int64_t sim_world_now (const sim_world_t *self);

/* Vehicles of the world: human drivers [0, human.drivers), then the robotaxis (none on a baseline day). */
uint32_t sim_world_vehicle_count (const sim_world_t *self);

/* Where tracked vehicle v is now (opts.on_leg): on its routed path when driving, interpolated by time along the edge
 * it is on; at its node when idle. 0, or -1 when v is off shift, not tracked or out of range. */
int sim_world_place (sim_world_t *self, uint32_t v, sim_place_t *out);

/* Riders waiting for or in a vehicle right now. */
size_t sim_world_active_riders (const sim_world_t *self);

/* ---- electric fleets (charging.mode battery; README "Electric fleets") ---- */

/* A vehicle's battery over the day. Energy balance: charged_kwh = used_kwh + end_kwh - start_kwh. */
typedef struct {
    uint32_t vehicle;
    int fleet;                 /* disp_fleet_t */
    double capacity_kwh;
    double start_kwh, end_kwh; /* stored at the start and at the end of the day */
    double min_kwh;            /* the least it held */
    double used_kwh;           /* taken by driving and standing */
    double charged_kwh;        /* put in by chargers */
    double bought_kwh;         /* paid for (charged_kwh over the chargers' efficiency) */
    double energy_yuan;        /* what that cost, each hour's kWh at that hour's price */
    uint32_t sessions;         /* plug-ins (a session cut by the day's end counts) */
    double wait_h, plug_h;     /* at charging sites: waiting for a plug, plugged in */
    double km;                 /* driven */
} sim_battery_row_t;

/* One charging session. */
typedef struct {
    uint32_t vehicle;
    int fleet;
    uint32_t site;             /* index into sim_world_charge_sites */
    int64_t arrive_ms, plug_ms, end_ms;   /* ms after the day's midnight */
    double soc_from, soc_to;
    double charged_kwh, bought_kwh, energy_yuan;
    int cut;                   /* 1: the day ended before it was done */
} sim_charge_session_t;

/* A charging site and its use over the day. */
typedef struct {
    uint32_t node;
    double lon, lat;
    uint32_t plugs;
    double kw;
    int depot;                 /* 1: the robotaxi operator's own; 0: public */
    double plug_h, wait_h;     /* plug-hours used, hours vehicles waited */
    uint32_t sessions;
} sim_charge_site_row_t;

/* Every vehicle's battery (human drivers who stayed home included, with nothing used), the sessions in the order
 * they ended, and the sites; 0 rows under charging.mode fixed. Arrays owned by the world; valid until it is
 * destroyed. Call after sim_world_run. */
size_t sim_world_batteries (sim_world_t *self, const sim_battery_row_t **out);
size_t sim_world_charge_sessions (const sim_world_t *self, const sim_charge_session_t **out);
size_t sim_world_charge_sites (sim_world_t *self, const sim_charge_site_row_t **out);

#endif
