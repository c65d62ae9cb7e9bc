/* sim_sweep: parameter sweeps: a grid of scenario values x seeds, run on a pool of threads into one sweep.csv. */
#ifndef SIM_SWEEP_H
#define SIM_SWEEP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim_config.h"
#include "sim_pool.h"

#define SIM_SWEEP_MAX_METRICS 64      /* metrics one run may report */
#define SIM_SWEEP_NAME_LEN 48         /* a metric name's buffer, terminator included */
#define SIM_SWEEP_MAX_RUNS 100000     /* grid points x seeds */
#define SIM_SWEEP_MAX_SEEDS 1000

/* What one run reports: named metrics, in an order every run of a sweep keeps. */
typedef struct {
    size_t count;
    char name[SIM_SWEEP_MAX_METRICS][SIM_SWEEP_NAME_LEN];
    double value[SIM_SWEEP_MAX_METRICS];
} sim_sweep_row_t;

/* Appends a metric to row. Returns 0, or -1 when the row is full or name is empty or has SIM_SWEEP_NAME_LEN
 * characters or more (the row is then unchanged). */
int sim_sweep_row_add (sim_sweep_row_t *row, const char *name, double value);

/* Plays one run: cfg is the run's whole scenario (the base, the grid point's values and the run's seed), run its
 * index. Fills row (empty on entry) and returns 0; or fills it from an earlier sweep's finished run and returns 1
 * (nothing played: a resumed sweep); or returns -1 with a message in err. Called from several threads at once when
 * jobs > 1, each with its own cfg, row and err; arg is shared. */
typedef int (sim_sweep_run_fn) (const sim_config_t *cfg, size_t run, sim_sweep_row_t *row, void *arg, char *err,
                                size_t errlen);

/* Where a sweep stands when a run has settled (was stored or failed). */
typedef struct {
    size_t run;                /* the run that settled */
    int failed;                /* 1 when it failed */
    size_t done;               /* runs stored so far, resumed ones included: 1, 2, ... total when none fails */
    size_t resumed;            /* of them, runs taken from an earlier sweep (the run callback returned 1) */
    size_t failures;           /* runs failed so far */
    size_t total;              /* runs in the sweep */
    double run_s;              /* wall-clock seconds the run took (0 when resumed) */
    const char *point;         /* a failed run: its swept values and seed ("KEY=V, ...; seed S"); else NULL */
    const char *message;       /* a failed run: why; else NULL */
} sim_sweep_progress_t;

/* Told after each run that settled. Called with the sweep's lock held, so calls never overlap and arrive in order
 * of done + failures; it must be quick and must not call into the sweep. */
typedef void (sim_sweep_progress_fn) (const sim_sweep_progress_t *progress, void *arg);

typedef struct sim_sweep_t sim_sweep_t;

/* A sweep with no keys (one grid point) and one seed. NULL when out of memory. */
sim_sweep_t *sim_sweep_new (void);

/* Frees the sweep; NULL-safe, sets *self_p to NULL. */
void sim_sweep_destroy (sim_sweep_t **self_p);

/* Runs each grid point with seeds base, base+1, ..., base+seeds-1 (base: the base config's scenario.seed; the sum
 * wraps around at 2^64). With 1 seed (the default) every point uses the same seed, so points differ only in the
 * swept values. Returns 0, or -1 with "--replications N: why" in err (not 1 .. SIM_SWEEP_MAX_SEEDS, or more than
 * SIM_SWEEP_MAX_RUNS runs with the keys added so far); the sweep is then unchanged. */
int sim_sweep_set_seeds (sim_sweep_t *self, uint64_t seeds, char *err, size_t errlen);

/* Adds a key to the grid from "KEY=SPEC" (as --sweep gives it). SPEC is from:to:step (value i is from + i x step,
 * up to and including to when it lands within 1e-9 x step of it; the text applied is %.15g of it, so 0.1:0.3:0.1
 * gives 0.1, 0.2, 0.3) or a list
 * v1,v2,... (each item taken as text, spaces around it dropped). Each value is applied to a copy of base with
 * sim_config_set_key, so a bad value fails here. The first key added varies slowest in the grid. Returns 0, or -1
 * with "--sweep KEY=SPEC: why" in err: a value sim_config refuses (its message names the key and the range), no
 * points, no '=', a key given twice, scenario.seed (use set_seeds), scenario.baseline (a sweep's rows have the
 * same columns), more than SIM_SWEEP_MAX_RUNS runs in total.
 * The sweep is unchanged after a failure. A range SPEC has exactly two ':' and no ','; anything else is a list. */
int sim_sweep_add (sim_sweep_t *self, const sim_config_t *base, const char *assignment, char *err, size_t errlen);

/* Makes sim_sweep_run stop early once *stop is non-zero (a signal handler sets it): no run after run 0 starts any
 * more, the runs under way finish. NULL (the default): never. */
void sim_sweep_set_stop (sim_sweep_t *self, const volatile sig_atomic_t *stop);

/* Spreads sim_sweep_run's runs over the processes of net (the caller keeps it alive; NULL, the default: this
 * process alone). */
void sim_sweep_set_net (sim_sweep_t *self, const sim_pool_net_t *net);

/* On rank 0 (or alone) after sim_sweep_run: the runs rank `rank` played and rank 0 settled (stored or failed). */
size_t sim_sweep_played_on (const sim_sweep_t *self, int rank);

/* With several seeds, makes sim_sweep_run also write path (the caller keeps it alive; NULL, the default: no such
 * file), next to csv_path and only when csv_path is given: sweep_points.csv, a line per grid point with a run stored
 * (the keys, runs, then each metric's NAME_mean and NAME_ci95 as sweep.csv's last columns give them). */
void sim_sweep_set_points_path (sim_sweep_t *self, const char *path);

/* Makes sim_sweep_run play only shard k of n (1 <= k <= n <= SIM_SWEEP_MAX_RUNS): the runs r with r % n == k - 1,
 * so that runs of one point's seeds and of neighbouring points spread over the shards and the shards take about
 * as long. A shard may hold no run (more shards than runs). 1/1 (the default) is the whole sweep. Returns 0, or -1
 * with "--shard K/N: why" in err (the sweep is then unchanged). */
int sim_sweep_set_shard (sim_sweep_t *self, size_t k, size_t n, char *err, size_t errlen);

/* The shard set (1/1 when none), the runs it plays, and whether run `run` is one of them. */
void sim_sweep_shard (const sim_sweep_t *self, size_t *k, size_t *n);
size_t sim_sweep_shard_runs (const sim_sweep_t *self);
int sim_sweep_in_shard (const sim_sweep_t *self, size_t run);

/* Writes the grid as lines of a [sweep] section (without its header): each key with its value texts in order
 * ("robotaxi.fleet_size = 0,30,60"), then "seeds = N" and "runs = N". Two sweeps with the same lines play the same
 * runs on the same base. 0, or -1 on a write error. */
int sim_sweep_write_grid (const sim_sweep_t *self, FILE *out);

/* Grid points (the product of every key's value count; 1 with no keys), seeds per point, runs (points x seeds). */
size_t sim_sweep_points (const sim_sweep_t *self);
uint64_t sim_sweep_seeds (const sim_sweep_t *self);
size_t sim_sweep_runs (const sim_sweep_t *self);

/* Swept keys in the order added, and key k's name (NULL when k is out of range). */
size_t sim_sweep_keys (const sim_sweep_t *self);
const char *sim_sweep_key (const sim_sweep_t *self, size_t k);

/* The text applied to key k in run `run` (NULL when either is out of range). Run index = point x seeds + seed
 * index; points are numbered row-major over the keys in the order added. Owned by the sweep. */
const char *sim_sweep_value (const sim_sweep_t *self, size_t run, size_t k);

/* The seed of run `run`: base->scenario.seed + run % seeds. */
uint64_t sim_sweep_seed (const sim_sweep_t *self, const sim_config_t *base, size_t run);

/* Writes into out the config of run `run`: base, the point's values and the run's seed. Returns 0, or -1 with a
 * message in err (run out of range, or a value this base refuses). out may not alias base. */
int sim_sweep_config (const sim_sweep_t *self, size_t run, const sim_config_t *base, sim_config_t *out, char *err,
                      size_t errlen);

/* Checks every grid point's config with sim_config_check (the rules between keys, e.g. human.shift_min_h <=
 * human.shift_max_h). Returns 0, or -1 with "--sweep point K=V, ...: why" in err for the first point refused. */
int sim_sweep_check (const sim_sweep_t *self, const sim_config_t *base, char *err, size_t errlen);

/* Plays every run of the sweep on `jobs` threads (the calling thread is one of them; clamped to the run count; if
 * the system refuses a thread, the ones started do the work). Each thread takes the next run index in turn and
 * calls run_fn. Before any run, the points are checked (sim_sweep_check) and csv_path's temporary file is created.
 *
 * On success writes csv_path (unless NULL) atomically (CSV_PATH.part, then rename: sim_file) and returns 0. The file is the
 * same bytes for any jobs: header = the keys as added, run, seed, then run 0's metric names; one line per run in
 * run order: the value texts, the run, the seed, then the metrics as the shortest text that reads back as the same
 * double (nan, inf, -inf when not finite). Fields holding ',', '"' or a line break are quoted as in RFC 4180.
 * With several seeds (replications), each line then ends with its point's NAME_mean and NAME_ci95 for every metric:
 * the mean of the point's runs stored (finite values only, in run order, so the same bytes for any jobs) and the
 * half-width of its 95% confidence interval (Student's t, runs - 1 degrees of freedom; nan with one run), the same
 * on each of the point's lines, written like the metrics. With one seed the lines end with the metrics.
 * progress_fn may be NULL. The metrics stay readable through sim_sweep_metric* until the next sim_sweep_run,
 * sim_sweep_add or sim_sweep_set_seeds.
 *
 * Stopped (sim_sweep_set_stop) before every run was played, it writes csv_path the same way with the lines of the
 * runs stored only, still in run order, and returns 1; the metrics of the runs not played read as NAN. Run 0 is
 * always played (it names the columns).
 *
 * With a shard (sim_sweep_set_shard) only the shard's runs are played, in order, its first run taking run 0's part
 * above (it names the columns, it is played even when stopped, and messages compare against it); csv_path then
 * holds the shard's lines only, the progress's total is the shard's runs, and the other runs' metrics read as NAN.
 * A shard without runs plays nothing and returns 0.
 *
 * A run that fails is told to progress_fn (with its point and message) and the other runs go on; csv_path is then
 * written with the runs stored, as when stopped, and 2 is returned with "run N (K=V, ...; seed S): why" in err for
 * the lowest-numbered run that failed ("M runs failed; the first, run N ...: why" when several did), so the message
 * does not depend on jobs or ranks when failures depend only on the run. When the first run (which names the
 * columns) failed, csv_path is left as it was and -1 is returned with that message. Every run must report run 0's
 * metric names in its order (another list is a failure of that run, naming the first differing metric), and run
 * 0's names must differ from each other, the swept keys, run and seed. Other failures (-1): jobs < 1, a point
 * sim_sweep_check refuses, csv_path not writable ("PATH: why"), out of memory, the ranks' net failing.
 *
 * With a net (sim_sweep_set_net) of several ranks, every rank calls this with the same sweep and base: the runs are
 * spread over the ranks (sim_pool_run) and rank 0 gathers their rows and alone writes csv_path and the points file,
 * the same bytes as on one process; on the other ranks it writes nothing, and returns 0 (or -1) for its share. */
int sim_sweep_run (sim_sweep_t *self, const sim_config_t *base, int jobs, sim_sweep_run_fn *run_fn, void *arg,
                   const char *csv_path, sim_sweep_progress_fn *progress_fn, void *progress_arg, char *err,
                   size_t errlen);

/* After a successful sim_sweep_run: metrics per run, metric m's name (NULL when out of range), and its value in run
 * `run` (NAN when either is out of range). 0, NULL and NAN when there are no results. */
size_t sim_sweep_metrics (const sim_sweep_t *self);
const char *sim_sweep_metric_name (const sim_sweep_t *self, size_t m);
double sim_sweep_metric (const sim_sweep_t *self, size_t run, size_t m);

#endif
