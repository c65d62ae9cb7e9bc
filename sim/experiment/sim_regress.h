/* sim_regress: the dispatch policies' regression gate. A suite folder holds scenarios (NAME.ini, each with its own
 * seed), tolerances.csv (the gated headline metrics, which way is better and how much worse is still fine) and
 * baselines.csv (the committed figures of every scenario x policy). Every picked scenario is played with every picked
 * policy, the day without robotaxis beside it, on a pool of threads; the headline metrics are compared with the
 * baselines, written as OUT/regress.csv and drawn as OUT/regress.svg, each run's files in OUT/runs/SCENARIO/POLICY/.
 * Blessing rewrites the baselines from the runs made, and nothing else ever writes them. */
#ifndef SIM_REGRESS_H
#define SIM_REGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "sim_pool.h"
#include "disp_types.h"
#include "sim_sweep.h"

#define SIM_REGRESS_NAME_LEN 64    /* a scenario's name (its file name without .ini), terminator included */

/* Which way a metric is better. */
typedef enum { SIM_REGRESS_LOWER, SIM_REGRESS_HIGHER } sim_regress_better_t;

/* What a gated metric of a run shows against its baseline. */
typedef enum {
    SIM_REGRESS_WITHIN,        /* no change beyond the tolerance either way */
    SIM_REGRESS_BETTER,        /* better by more than the tolerance */
    SIM_REGRESS_WORSE,         /* worse by more than the tolerance: a regression */
    SIM_REGRESS_NEW,           /* no baseline for it: bless to add one */
    SIM_REGRESS_FAILED,        /* the run failed */
    SIM_REGRESS_STATUS_COUNT
} sim_regress_status_t;

/* A gated metric: one row of tolerances.csv. A change in the worse direction is a regression when it exceeds
 * max(relative x |baseline|, absolute). */
typedef struct {
    char name[SIM_SWEEP_NAME_LEN];
    sim_regress_better_t better;
    double relative, absolute;
} sim_regress_metric_t;

/* One gated metric of one run, compared. */
typedef struct {
    double value;              /* NAN when the run failed */
    int has_baseline;          /* baselines.csv has a row for it */
    double baseline;           /* NAN when there is none */
    double change;             /* value - baseline (NAN without both) */
    double tolerance;          /* max(relative x |baseline|, absolute) (NAN without a baseline) */
    sim_regress_status_t status;
} sim_regress_cell_t;

typedef struct {
    const char *prog;          /* prefix of progress lines and notes on stderr ("robotaxi-regress") */
    const char *out_dir;       /* created if missing */
    int jobs;                  /* worker threads, >= 1 */
    const char *dispatcher;    /* "inproc", or a robotaxi-dispatcher endpoint: the runs then go over ZeroMQ */
    int timeout_ms;            /* a remote dispatcher's answer */
    int quiet;                 /* no progress lines */
    int no_plots;              /* no regress.svg */
    int events;                /* each run also writes its events.csv (sim_events.h) */
    const sim_pool_net_t *net; /* NULL, or the ranks to spread the runs over (sim_pool_run): every rank calls
                                * sim_regress_run alike; rank 0 gathers the results, compares and writes regress.csv
                                * and the charts; another rank returns 0 once its share is played */
} sim_regress_opts_t;

typedef struct sim_regress_t sim_regress_t;

/* Loads the suite in folder dir: its scenario files DIR/NAME.ini in name order (NAME of letters, digits, '.', '_'
 * and '-'; each read over the defaults), DIR/tolerances.csv (metric,better,relative,absolute; more columns are
 * ignored) and DIR/baselines.csv (scenario,policy,metric,value; a missing file is no baseline at all). own
 * (own_count of them, may be NULL) are the program's own policies, kept by pointer: each replaces the built-in of
 * its name or is added after them. NULL with a message in err: "DIR: why" (no folder, no scenario file, a bad file
 * name), a scenario file's own "PATH:LINE: key: why", or "FILE:LINE: column: why" for a CSV file (a metric that is
 * not a headline metric, better not lower or higher, a tolerance not a number >= 0, a value not a number, a row
 * given twice, a row of the wrong length). *unreadable (may be NULL) is then 1 when what failed was reading the
 * folder, a scenario file or tolerances.csv (not what they hold), else 0. */
sim_regress_t *sim_regress_open (const char *dir, const disp_policy_t *own, size_t own_count, int *unreadable,
                                 char *err, size_t errlen);

/* Frees the suite; NULL-safe, sets *self_p to NULL. */
void sim_regress_destroy (sim_regress_t **self_p);

/* Plays only the scenarios picked (all of them until one is picked). 0, or -1 with "--scenario NAME: no scenario
 * of that name in DIR (known: a, b)". */
int sim_regress_pick_scenario (sim_regress_t *self, const char *name, char *err, size_t errlen);

/* Plays only the policies picked (until one is picked: every policy, the built-ins in their table order with own
 * ones replacing by name, then the other own ones). 0, or -1 with "--policy NAME: not a policy (known: ...)". */
int sim_regress_pick_policy (sim_regress_t *self, const char *name, char *err, size_t errlen);

/* Applies "KEY=VALUE" to every scenario, or "SCENARIO:KEY=VALUE" to that one, as sim_config_set does. 0, or -1 with
 * "--set ...: why" (a scenario of that name not in the suite, a key or value sim_config refuses). */
int sim_regress_set (sim_regress_t *self, const char *assignment, char *err, size_t errlen);

/* Checks every picked scenario (sim_config_check). 0, or -1 with "PATH: why" for the first one refused. */
int sim_regress_check (const sim_regress_t *self, char *err, size_t errlen);

/* Plays every picked scenario x picked policy (with the day without robotaxis: displaced drivers) on opts->jobs
 * threads: each distinct map opened once and shared by the runs on it (an OSM map.file without map.cache is cached
 * as OUT/maps/SCENARIO.map), each run's files and config.ini (and with opts->events its events.csv) in
 * OUT/runs/SCENARIO/POLICY/. Then compares the gated
 * metrics with the baselines and writes OUT/regress.csv (scenario,policy,seed,metric,better,baseline,value,change,
 * tolerance,status; the same bytes for any jobs and either kind of dispatcher) and, unless opts->no_plots,
 * OUT/regress.svg and OUT/report.html (sim_plot_regress; gnuplot missing is a note on stderr, a chart gnuplot failed
 * on is not a failure of the call: sim_regress_chart tells it). A failed run, or the runs on a map
 * that could not be opened, are FAILED cells with the reason in sim_regress_failure, not a failure of the call.
 * Progress on stderr unless opts->quiet. 0, or -1 with a message (the output folder, out of memory). */
int sim_regress_run (sim_regress_t *self, const sim_regress_opts_t *opts, char *err, size_t errlen);

/* The picked scenarios in name order: count, name, the seed played, and the scenario file. */
size_t sim_regress_scenarios (const sim_regress_t *self);
const char *sim_regress_scenario (const sim_regress_t *self, size_t s);
uint64_t sim_regress_seed (const sim_regress_t *self, size_t s);

/* The picked policies in order: count and name. */
size_t sim_regress_policies (const sim_regress_t *self);
const char *sim_regress_policy (const sim_regress_t *self, size_t p);

/* The gated metrics in tolerances.csv's order. */
size_t sim_regress_metrics (const sim_regress_t *self);
const sim_regress_metric_t *sim_regress_metric (const sim_regress_t *self, size_t m);

/* After sim_regress_run: metric m of scenario s played with policy p (indexes as above), NULL when out of range or
 * before a run; why run (s, p) failed, or NULL when it did not; and how many cells have a status. */
const sim_regress_cell_t *sim_regress_cell (const sim_regress_t *self, size_t s, size_t p, size_t m);
const char *sim_regress_failure (const sim_regress_t *self, size_t s, size_t p);
size_t sim_regress_count (const sim_regress_t *self, sim_regress_status_t status);

/* After sim_regress_run: 1 when OUT/regress.svg was drawn; 0 when it was not and that is no failure (opts->no_plots,
 * or gnuplot missing: a note went to stderr); -1 when gnuplot failed on it (no regress.svg), *why (when why is not
 * NULL) then saying how, as "gnuplot: regress.gp: ...", until the next run. */
int sim_regress_chart (const sim_regress_t *self, const char **why);

/* The status as regress.csv writes it: within, better, worse, new, failed. */
const char *sim_regress_status_name (sim_regress_status_t status);

/* After sim_regress_run: rewrites DIR/baselines.csv (written as baselines.csv.part, then renamed over it) from the runs made:
 * their gated metrics as the shortest text that reads back as the same number, in place of their rows before;
 * rows of runs not made this time kept as they were, in their order; new rows after them. *changed, *added and
 * *dropped (may be NULL) count values that differ from the file's, rows added and rows of a made run no longer
 * gated. 0, or -1 with a message: a run failed (nothing written), the file could not be written. */
int sim_regress_bless (sim_regress_t *self, size_t *changed, size_t *added, size_t *dropped, char *err,
                       size_t errlen);

/* DIR/baselines.csv. */
const char *sim_regress_baselines_path (const sim_regress_t *self);

#endif
