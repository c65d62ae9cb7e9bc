/* sim_run: one whole run as a user starts it: build the map, connect to the dispatcher, play the day (and, when
 * asked, the same day without robotaxis first), write the output folder and print the summary. */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stddef.h>
#include "disp_types.h"
#include "map_net.h"
#include "sim_config.h"
#include "disp_curve.h"
#include "sim_cost.h"
#include "sim_metrics.h"
#include "sim_report.h"
#include "sim_sweep.h"

typedef struct {
    const char *dispatcher;    /* "inproc", or a ZeroMQ endpoint of robotaxi-dispatcher */
    const char *publish;       /* in-process only: bind a PUB socket here for the metrics stream (NULL: none) */
    const char *state;         /* with publish: bind the publisher's state endpoint (ROUTER) here (NULL: none) */
    int wait_subscribers;      /* in-process only: wait until this many subscribers joined before starting */
    int timeout_ms;            /* how long to wait for a dispatcher's answer or for subscribers */
    int reconnect_ms;          /* a remote dispatcher that dies mid-run: wait this long for it to come back */
    const disp_curve_keys_t *keys; /* remote dispatcher over CURVE with these keys; NULL: plain */
    const char *out_dir;       /* created if missing */
    int baseline;              /* also run the day without robotaxis and report displacement */
    int quiet;                 /* no progress lines on stderr */
    int no_plots;              /* skip the SVG plots and report.html */
    /* In-process dispatchers only: the program's own policies, found by name before the built-ins, so one can
     * replace a built-in (disp_config_t.own_policies; a test's deliberately worse "nearest"). NULL / 0: none. */
    const disp_policy_t *own_policies;
    size_t own_policy_count;
    int events;                /* with an output folder: write OUT/events.csv (sim_events.h), the main series' days */
} sim_run_opts_t;

/* What a run produced. */
typedef struct {
    sim_snapshot_t final;                    /* the last day's final snapshot */
    sim_cost_use_t use[DISP_FLEET_COUNT];    /* summed over the days */
    sim_cost_t cost[DISP_FLEET_COUNT];       /* over the days */
    sim_day_row_t *days;                     /* one per day; sim_run_result_clear frees */
    size_t day_count;
} sim_run_result_t;

/* The Hello a simulator of cfg sends to its dispatcher: the map and its fingerprint on net, traffic, policy, pickup
 * limit and vehicle capacity. */
void sim_run_hello (const sim_config_t *cfg, const map_net_t *net, disp_hello_t *hello);

/* Makes cfg's map.file and map.cache absolute, opens the network cfg names (progress on stderr unless opts->quiet)
 * and fits cfg to it (sim_config_fit_map). NULL with a message in err. The caller owns the network. */
map_net_t *sim_run_open_map (sim_config_t *cfg, const sim_run_opts_t *opts, char *err, size_t errlen);

/* Plays cfg (already fitted to net) for cfg->scenario.days days, each with the drivers' morning decision, and with
 * opts->baseline the same days without robotaxis beside them. With out_dir, writes the run's files there (summary,
 * hourly, waits, choice and drivers of the last day; days.csv, costs.csv, costcurve.csv, fares.csv; with
 * opts->events, events.csv of every day of the main series, else an earlier events.csv there is removed); no
 * config.ini, no plots. Thread-safe for in-process runs without a publisher (sweeps run it on several threads). 0, or -1 with a
 * message. */
int sim_run_play (const sim_config_t *cfg, const map_net_t *net, const sim_run_opts_t *opts, const char *out_dir,
                  sim_run_result_t *res, char *err, size_t errlen);

/* Writes DIR/config.ini: the resolved scenario cfg (fitted to its map), which repeats the run. 0, or -1 with a
 * message. */
int sim_run_write_config (const char *dir, const sim_config_t *cfg, char *err, size_t errlen);

/* Frees what a result holds (not the struct). */
void sim_run_result_clear (sim_run_result_t *res);

/* The run's headline figures as named metrics (the columns of sweep.csv, README "Sweeps"): per-day means over the
 * days for trips, drivers and displacement, the cost model over all days, waits and empty km of the last day.
 * The names depend only on whether a baseline ran. 0, or -1 when the row is full. */
int sim_run_headline (const sim_run_result_t *res, int baseline, sim_sweep_row_t *row);

/* Runs every run of sweep in process on `jobs` threads: the map opened once (once per run when a map key is
 * swept), each run's files in OUT/runs/NNNN/ with its config.ini, and OUT/sweep.csv with one row of headline
 * figures per run, then the sweep's plots and report.html. Progress on stderr unless opts->quiet. 0, or -1 with a
 * message. */
int sim_run_sweep (const sim_config_t *scenario, sim_sweep_t *sweep, int jobs, const sim_run_opts_t *opts, char *err,
                   size_t errlen);

/* Runs cfg (already checked) as opts say. Returns 0, or -1 with a message in err. */
int sim_run (const sim_config_t *cfg, const sim_run_opts_t *opts, char *err, size_t errlen);

#endif
