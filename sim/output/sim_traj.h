/* sim_traj: a run's vehicles as trajectories, for kepler.gl, a GIS or report.html's map (robotaxi-sim
 * --trajectories). Into the run folder DIR it writes (README "Trajectories"):
 *
 *   trips.geojson  RFC 7946 FeatureCollection, one LineString Feature per leg of a vehicle (a drive along its road
 *                  path, or a spell standing idle), coordinates [lon, lat, 0, unix_time] (the shape kepler.gl's Trip
 *                  layer opens), properties vehicle, fleet, state, request (null when none), day;
 *   fcd.csv        floating-car data: day,time_s,vehicle,fleet,state,lon,lat,speed_kmh, one row per tracked vehicle
 *                  on shift at every sample (period_s), ordered by day, time and vehicle;
 *   roads.geojson  the road network: one LineString Feature per road (a two-way street once), properties class,
 *                  speed_kmh, oneway;
 *   requests.csv   every rider's request: day,time_s,request,fleet,lon,lat (the fleet asked for, the origin).
 *
 * Times: time_s is seconds after the day's midnight; unix_time is that clock read as UTC on opts.date plus the days
 * before (the local clock of the simulated city, so viewers show its hours). A window and a vehicle subset limit what
 * is written; legs crossing the window's edges are cut there. Every file appears complete or not at all (sim_file). */
#ifndef SIM_TRAJ_H
#define SIM_TRAJ_H

#include <stddef.h>
#include <stdint.h>

#include "map_graph.h"
#include "sim_event.h"
#include "sim_leg.h"
#include "sim_world.h"

#define SIM_TRAJ_PERIOD_S_DEFAULT 60

typedef struct {
    int64_t from_ms, to_ms;    /* the window within each day, ms after midnight: [from, to); 0 and 0: the whole day
                                * and what is seen through after midnight */
    uint32_t first_day, last_day; /* days written, 1-based; 0 and 0: all */
    const char *vehicles;      /* which vehicles: NULL or "all", or a comma list of robotaxi, human, N and N-M
                                * (vehicle ids as in events.csv) */
    int period_s;              /* fcd.csv's sample period, 1 .. 3600; 0: no fcd.csv */
    int64_t date_unix_s;       /* midnight UTC of day 1's date */
} sim_traj_opts_t;

typedef struct sim_traj_t sim_traj_t;

/* Parses a window "HH:MM-HH:MM" (the end may be 24:00; it must be after the start) into opts. 0, or -1 with why. */
int sim_traj_parse_window (const char *text, sim_traj_opts_t *opts, char *err, size_t errlen);

/* Parses a date YYYY-MM-DD into opts->date_unix_s. 0, or -1 with why. */
int sim_traj_parse_date (const char *text, sim_traj_opts_t *opts, char *err, size_t errlen);

/* Checks opts->vehicles for a run with `humans` human drivers and `robotaxis` robotaxis, and counts the vehicles it
 * picks. 0, or -1 with "--traj-vehicles: why". */
int sim_traj_check_vehicles (const char *spec, uint32_t humans, uint32_t robotaxis, uint32_t *picked, char *err,
                             size_t errlen);

/* Opens the trajectories of a run of `days` days on graph g (must outlive the writer) with `humans` human drivers
 * and `robotaxis` robotaxis, writing roads.geojson at once. NULL with "PATH: why" or "--traj-vehicles: why". */
sim_traj_t *sim_traj_open (const char *dir, const sim_traj_opts_t *opts, const map_graph_t *g, uint32_t humans,
                           uint32_t robotaxis, char *err, size_t errlen);

/* What the run will write, roughly, in bytes (printed before a long run so a user can narrow it). */
void sim_traj_estimate (const sim_traj_t *self, uint32_t days, double *geojson_bytes, double *fcd_bytes);

/* The vehicles tracked (sim_world_opts_t.tracked): one byte per vehicle, humans then robotaxis. */
const uint8_t *sim_traj_tracked (const sim_traj_t *self);

/* The world's hooks (sim_world_opts_t on_leg, on_sample, on_event; arg: the writer). sim_traj_day names the day the
 * next world plays (1-based) and whether it is tracked at all (a baseline's world is not). */
void sim_traj_day (sim_traj_t *self, uint32_t day);
void sim_traj_on_leg (void *traj, const sim_leg_t *leg);
void sim_traj_on_sample (void *traj, sim_world_t *world);
void sim_traj_on_event (void *traj, const sim_event_t *event);

/* Finishes and closes the files; destroys the writer either way. 0, or -1 with "PATH: why". NULL-safe (0). */
int sim_traj_close (sim_traj_t **self_p, char *err, size_t errlen);

/* Abandons the files after a failure elsewhere (none is left). NULL-safe; sets *self_p to NULL. */
void sim_traj_destroy (sim_traj_t **self_p);

#endif
