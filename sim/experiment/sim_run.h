/* sim_run: one whole run as a user starts it: build the map, connect to the dispatcher, play the day (and, when
 * asked, the same day without robotaxis first), write the output folder and print the summary. */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <signal.h>
#include <stddef.h>
#include "sim_pool.h"
#include "disp_types.h"
#include "map_net.h"
#include "sim_config.h"
#include "disp_curve.h"
#include "sim_cost.h"
#include "sim_metrics.h"
#include "sim_report.h"
#include "sim_sweep.h"
#include "sim_traj.h"

typedef struct {
    const char *dispatcher;    /* "inproc", or a ZeroMQ endpoint of robotaxi-dispatcher */
    const char *publish;       /* in-process only: bind a PUB socket here for the metrics stream (NULL: none) */
    const char *state;         /* with publish: bind the publisher's state endpoint (ROUTER) here (NULL: none) */
    int wait_subscribers;      /* in-process only: wait until this many subscribers joined before starting */
    int timeout_ms;            /* how long to wait for a dispatcher's answer or for subscribers */
    int reconnect_ms;          /* a remote dispatcher that dies mid-run: wait this long for it to come back */
    const disp_curve_keys_t *keys; /* remote dispatcher over CURVE with these keys; NULL: plain */
    const char *out_dir;       /* created if missing; see sim_outdir for what may already be there */
    int quiet;                 /* no progress lines on stderr */
    int no_plots;              /* skip the SVG plots and report.html */
    /* In-process dispatchers only: the program's own policies, found by name before the built-ins, so one can
     * replace a built-in (disp_config_t.own_policies; a test's deliberately worse "nearest"). NULL / 0: none. */
    const disp_policy_t *own_policies;
    size_t own_policy_count;
    int route_thread;          /* 1: the main series routes each ride ahead, on a thread of its own (sim_world_opts_t),
                                * unless a baseline plays its next day beside it; sweeps leave it 0, as their runs
                                * already keep every core busy */
    int events;                /* with an output folder: write OUT/events.csv (sim_events.h), the main series' days */
    const sim_traj_opts_t *traj; /* with an output folder: the main series' trajectories (sim_traj.h); NULL: none */
    int resume;                /* sweeps: continue the sweep in out_dir, its finished runs kept (--resume) */
    int shard;                 /* sweeps: out_dir is one shard of the sweep, the runs sim_sweep_set_shard chose
                                * (--shard): with shard.ini (sim_shard.h), without sweep.csv, plots or report */
    /* sweeps: once *stop is non-zero (a signal handler sets it), no further run starts, and the sweep writes what
     * the finished runs found. NULL: never. */
    const volatile sig_atomic_t *stop;
    /* sweeps: NULL, or the ranks to spread the runs over (sim_sweep_set_net): every rank calls sim_run_sweep alike;
     * rank 0 prepares the folder first and alone writes sweep.csv, plots and report */
    const sim_pool_net_t *net;
} sim_run_opts_t;

/* How sim_run and sim_run_sweep end besides 0 (done) and -1 (failed, message in err). */
enum {
    SIM_RUN_STOPPED = 1,       /* a sweep stopped by opts->stop: sweep.csv and the report hold the finished runs */
    SIM_RUN_RUNS_FAILED = 2,   /* a sweep in which runs failed (err: the first, and how many): the others were
                                * played, and sweep.csv and the report hold the runs that finished */
    SIM_RUN_REFUSED = -2,      /* out_dir holds files robotaxi-sim did not write, or (--resume) another sweep */
    SIM_RUN_NO_SWEEP = -3,     /* --resume: out_dir holds no sweep to continue */
    SIM_RUN_BAD_MAP = -4,      /* the scenario's map cannot be opened, or the scenario does not fit it: a bad scenario */
    SIM_RUN_BAD_DATA = -5,     /* demand.file is malformed (a missing column, a bad row with demand.file_strict), or
                                * robotaxi.depot_file or human.shift_file (a bad row, counts that do not match) */
    SIM_RUN_NO_INPUT = -6,     /* demand.file, robotaxi.depot_file or human.shift_file does not exist */
    SIM_RUN_OTHER_RANK = -7,   /* a rank > 0: rank 0 did not start the sweep (it tells why) */
};

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

/* Makes cfg's map.file and map.cache absolute, opens the network cfg names (progress on stderr unless opts->quiet),
 * fits cfg to it (sim_config_fit_map) and checks that cfg fits it (sim_config_check_map: a service area with roads).
 * NULL with a message in err. The caller owns the network. */
map_net_t *sim_run_open_map (sim_config_t *cfg, const sim_run_opts_t *opts, char *err, size_t errlen);

/* Plays cfg (already fitted to net) for cfg->scenario.days days, each with the drivers' morning decision, and with
 * cfg->scenario.baseline the same days without robotaxis beside them. With out_dir, writes the run's files there (summary,
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
 * swept), each run's files in OUT/runs/NNNN/ with its config.ini and, written last, headline.csv (its row of
 * sweep.csv); OUT/config.ini (the base scenario) and OUT/sweep.ini (the grid) say which sweep the folder holds; then
 * OUT/sweep.csv with one row of headline figures per run, rounded as the runs' own files round them, and the
 * sweep's plots and report.html. An earlier run's or sweep's outputs in OUT are removed first (sim_outdir). With
 * opts->resume, OUT must hold the same sweep (the same config.ini and sweep.ini), and a run whose headline.csv is
 * there is taken as it is. Progress on stderr unless opts->quiet: a line per finished run, at most one a second,
 * with runs done, failed, time spent and time left. Returns 0; SIM_RUN_STOPPED when opts->stop ended it early (the
 * files then hold the finished runs); SIM_RUN_REFUSED, SIM_RUN_NO_SWEEP or SIM_RUN_BAD_MAP (above); or -1, each with a
 * message. */
int sim_run_sweep (const sim_config_t *scenario, sim_sweep_t *sweep, int jobs, const sim_run_opts_t *opts, char *err,
                   size_t errlen);

/* With opts->shard, sim_run_sweep plays only the sweep's shard (sim_sweep_set_shard) into OUT: its runs/NNNN,
 * config.ini and sweep.ini as the whole sweep writes them, and OUT/shard.ini (sim_shard_write), but no sweep.csv,
 * plots or report (sim_run_merge writes them from all the shards). With opts->resume as well, OUT must hold the same
 * shard; a shard's folder is never resumed as a whole sweep nor the other way round (SIM_RUN_REFUSED).
 *
 * sim_run_merge joins the count shard folders in dirs (sim_shard_plan checks them) into opts->out_dir as if the
 * sweep had been played there in one go: config.ini, sweep.ini, runs/NNNN copied from the shards, sweep.csv and,
 * unless opts->no_plots, the plots and report.html, the same bytes. The out folder is prepared as for a sweep
 * (sim_outdir) and may not be one of the shards. Returns 0; SIM_RUN_NO_INPUT (a shard, a shard's file or a run
 * missing), SIM_RUN_BAD_DATA (shards of different sweeps, a shard given twice, a manifest that does not fit),
 * SIM_RUN_REFUSED (the out folder) or -1, each with a message naming folders and runs. */
int sim_run_merge (const char *const *dirs, size_t count, int jobs, const sim_run_opts_t *opts, char *err,
                   size_t errlen);

/* Runs cfg (already checked) as opts say, into opts->out_dir after removing an earlier run's or sweep's outputs
 * there (sim_outdir). Returns 0, SIM_RUN_REFUSED when the folder holds files robotaxi-sim did not write,
 * SIM_RUN_BAD_MAP when the scenario's map cannot be opened or the scenario does not fit it, or -1; a message in err. */
int sim_run (const sim_config_t *cfg, const sim_run_opts_t *opts, char *err, size_t errlen);

#endif
