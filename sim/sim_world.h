/* sim_world: one simulated city day. All state hangs off one world object (clock, seeded random streams, event
 * queue, vehicles, riders, metrics, a const map), so two worlds can run side by side. The world asks a dispatcher
 * for decisions through a disp_link_t once per step (lockstep), so its results do not depend on timing. */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stddef.h>
#include <stdint.h>
#include "disp_link.h"
#include "map_net.h"
#include "sim_config.h"
#include "sim_metrics.h"

#define SIM_DAY_MS 86400000LL

typedef struct sim_world_t sim_world_t;

typedef struct {
    int baseline;              /* 1: the same day without robotaxis; riders who would ride one ask for a human */
    int publish;               /* 1: send metrics snapshots with the ticks */
} sim_world_opts_t;

/* One human driver's day, for drivers.csv. */
typedef struct {
    uint32_t id;
    double shift_start_h, shift_h;
    double hours_online;
    uint32_t trips;
    double revenue_yuan, km;
    double net_yuan;           /* revenue after commission and running cost */
} sim_driver_row_t;

/* Builds the world for cfg on graph g (must outlive the world): places vehicles, draws shifts. NULL with a
 * message when the scenario cannot run on this map (e.g. a service area with no road in it). */
sim_world_t *sim_world_new (const sim_config_t *cfg, const map_net_t *net, const sim_world_opts_t *opts, char *err,
                            size_t errlen);

/* NULL-safe; sets *self_p to NULL. */
void sim_world_destroy (sim_world_t **self_p);

/* Called at every simulated hour (1..24) while the day runs. */
typedef void (sim_progress_fn) (sim_world_t *world, int hour, void *arg);

/* Plays the day: requests arrive until midnight, then the riders still waiting or riding are seen through. Returns
 * 0, or -1 with a message when the dispatcher link fails or answers something impossible (a busy vehicle, the
 * wrong fleet). */
int sim_world_run (sim_world_t *self, disp_link_t *link, sim_progress_fn *progress, void *arg, char *err,
                   size_t errlen);

/* The final snapshot of the same day without robotaxis (set before sim_world_run): the final snapshot then reports
 * the displacement against it. */
void sim_world_set_baseline (sim_world_t *self, const sim_snapshot_t *baseline_final);

/* The final snapshot as published at the end of sim_world_run (with its sequence number). */
const sim_snapshot_t *sim_world_final (const sim_world_t *self);

/* The figures so far (seq left 0). Brings every vehicle's time up to the current clock first. */
void sim_world_snapshot (sim_world_t *self, sim_snapshot_kind_t kind, sim_snapshot_t *out);

const sim_metrics_t *sim_world_metrics (const sim_world_t *self);

/* Human drivers' days; array owned by the world. */
size_t sim_world_drivers (sim_world_t *self, const sim_driver_row_t **out);

int64_t sim_world_now (const sim_world_t *self);

/* Riders waiting for or in a vehicle right now. */
size_t sim_world_active_riders (const sim_world_t *self);

#endif
