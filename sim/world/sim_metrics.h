/* sim_metrics: what the simulated day produced, per fleet and per hour, and the snapshot published from it.
 * The world reports events (a request, a pickup, a stretch of vehicle time in some state, km, a fare); this module
 * keeps the sums and turns them into the figures users read. */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "disp_types.h"

/* On-shift time: carrying a rider, driving to one, idle, or driving empty where the dispatcher sent the vehicle
 * (rebalancing). */
typedef enum {
    SIM_TIME_OCCUPIED = 0,
    SIM_TIME_PICKUP,
    SIM_TIME_IDLE,
    SIM_TIME_REPOSITION,
    SIM_TIME_KIND_COUNT
} sim_time_kind_t;
/* Empty km are pickups, cruising (an idle human driver looking for riders, and the trips to and from a shift) and
 * repositioning (an idle robotaxi sent toward expected demand). */
typedef enum { SIM_KM_PICKUP = 0, SIM_KM_OCCUPIED, SIM_KM_CRUISE, SIM_KM_REPOSITION, SIM_KM_KIND_COUNT } sim_km_kind_t;

/* Figures of one fleet over a span (the day so far, or one hour). Field names are the keys of summary.json and the
 * columns of hourly.csv (README "Outputs"). */
typedef struct {
    disp_fleet_t fleet;
    uint32_t vehicles;
    uint32_t online;             /* at the snapshot time; in hourly rows: mean vehicles on shift */
    double vehicles_online_mean;
    uint64_t requests, served, unserved;
    double util_occupied, util_pickup, util_idle, util_reposition;   /* shares of on-shift time; sum to 1 */
    double empty_km_share;
    double km_driven;
    double reposition_km;        /* empty km driven on the dispatcher's rebalancing orders (in km_driven) */
    double hours_online, hours_occupied;   /* all vehicles together */
    double revenue_yuan;
    int battery;                 /* charging.mode battery: energy_yuan is what the fleet bought */
    double energy_yuan;          /* electricity bought, the day's net draw topped up at the valley price */
    double energy_kwh;           /* kWh bought, the same way */
    double charge_plug_h, charge_wait_h;   /* battery: hours plugged in and waiting for a plug at charging sites,
                                            * all vehicles (drivers who worked), sessions as booked so far */
    double mean_wait_s, p95_wait_s;
    /* from the cost model, on final snapshots only */
    double cost_per_km, cost_per_vehicle_day, profit_per_vehicle_day, break_even_rides_per_day;
} sim_fleet_metrics_t;

/* Everyone who considered a ride-hail trip, and what they chose (DISP_FLEET_* or SIM_CHOICE_OTHER). */
#define SIM_CHOICE_OTHER DISP_FLEET_COUNT
typedef struct {
    uint64_t considered;
    uint64_t chose[DISP_FLEET_COUNT + 1];
} sim_choice_metrics_t;

typedef struct {
    uint32_t drivers;            /* drivers who were on shift */
    double hours_online;
    double gross_hourly_yuan;
    double net_hourly_yuan;
    double net_daily_yuan;       /* mean per driver */
    double net_income_yuan;      /* all drivers together */
} sim_driver_metrics_t;

typedef struct {
    uint64_t baseline_human_trips, human_trips, trips_moved;
    double baseline_driver_income_yuan, driver_income_yuan, income_moved_yuan;
    double fulltime_drivers_equivalent;
    uint32_t baseline_drivers, drivers, displaced_drivers;
    double displaced_income_yuan;
    uint64_t displaced_trips;
} sim_displacement_t;

typedef enum { SIM_SNAPSHOT_PERIODIC = 0, SIM_SNAPSHOT_FINAL = 1 } sim_snapshot_kind_t;

/* Stream stamps: the publisher's id and the sending session's name (MetricsSnapshot.publisher / .session). */
#define SIM_PUBLISHER_MAX 128
#define SIM_SESSION_MAX   64

typedef struct {
    sim_snapshot_kind_t kind;
    uint64_t seq;              /* the simulator's count in the day; on the stream, the publisher's number per topic */
    int64_t sim_time_ms;
    uint32_t day;
    char scenario[64];
    uint64_t seed;
    sim_fleet_metrics_t fleets[DISP_FLEET_COUNT];
    sim_driver_metrics_t drivers;
    sim_choice_metrics_t choice;
    int has_displacement;
    sim_displacement_t displacement;
    char publisher[SIM_PUBLISHER_MAX]; /* set by the publisher; "" in the simulator's own snapshots */
    char session[SIM_SESSION_MAX];
    char client[41];                   /* the sender's CURVE public key, set by a dispatcher running CURVE */
} sim_snapshot_t;

typedef struct sim_metrics_t sim_metrics_t;

/* Accumulates over [0, horizon_ms): vehicle time past the horizon is not counted. NULL when out of memory. */
sim_metrics_t *sim_metrics_new (int64_t horizon_ms);
void sim_metrics_destroy (sim_metrics_t **self_p);

void sim_metrics_set_vehicles (sim_metrics_t *self, disp_fleet_t fleet, uint32_t vehicles);
void sim_metrics_request (sim_metrics_t *self, disp_fleet_t fleet, int64_t t_ms);
/* The request made at t_ms and counted for fleet `from` is served by fleet `to` (a mixed-fleet platform): it counts
 * as a request of `to` from now on. */
void sim_metrics_move_request (sim_metrics_t *self, disp_fleet_t from, disp_fleet_t to, int64_t t_ms);
void sim_metrics_giveup (sim_metrics_t *self, disp_fleet_t fleet, int64_t t_ms);
/* A rider picked up at t_ms after waiting wait_ms. 0 or -1 when out of memory. */
int sim_metrics_pickup (sim_metrics_t *self, disp_fleet_t fleet, int64_t t_ms, int64_t wait_ms);
/* A vehicle of `fleet` spent [from_ms, to_ms) in `kind`; split over the hours it covers. */
void sim_metrics_vehicle_time (sim_metrics_t *self, disp_fleet_t fleet, sim_time_kind_t kind, int64_t from_ms,
                               int64_t to_ms);
void sim_metrics_km (sim_metrics_t *self, disp_fleet_t fleet, sim_km_kind_t kind, int64_t t_ms, double km);
void sim_metrics_fare (sim_metrics_t *self, disp_fleet_t fleet, int64_t t_ms, double yuan);

/* Riders of `fleet` picked up after waiting [i, i+1) minutes, for i in [0, nbins); the last bin also holds longer
 * waits. */
void sim_metrics_wait_histogram (const sim_metrics_t *self, disp_fleet_t fleet, uint64_t *counts, size_t nbins);

/* Figures of a fleet for the whole span so far, and for hour h (0..23; times past the horizon count in hour 23 for
 * events, never for vehicle time). `online` is left 0 (the world knows it). */
void sim_metrics_fleet (const sim_metrics_t *self, disp_fleet_t fleet, sim_fleet_metrics_t *out);
void sim_metrics_hour (const sim_metrics_t *self, disp_fleet_t fleet, int hour, sim_fleet_metrics_t *out);

#endif
