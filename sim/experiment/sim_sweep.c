/* sim_sweep: the grid of swept values, and the thread pool that plays it into sweep.csv in run order. */
#define _XOPEN_SOURCE 700 /* clock_gettime */
#include "sim_sweep.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "map_error.h"
#include "sim_csv.h"
#include "sim_file.h"
#include "sim_pool.h"
#include "sim_stat.h"

#define S_KEY_LEN 160

/* One swept key and the texts applied to it. */
typedef struct {
    char key[S_KEY_LEN];
    char *assignment;          /* "KEY=SPEC" as the user gave it, for messages */
    char **values;
    size_t count;
    size_t stride;             /* grid points between two consecutive values of this key (row-major) */
} s_axis_t;

struct sim_sweep_t {
    s_axis_t *axes;
    size_t axis_count;
    size_t points;             /* product of the axes' counts */
    uint64_t seeds;
    const volatile sig_atomic_t *stop;  /* sim_sweep_set_stop; NULL: never */
    size_t shard_k, shard_n;   /* sim_sweep_set_shard: play the runs r with r % shard_n == shard_k - 1; 1/1: all */
    const char *points_path;   /* sim_sweep_set_points_path; NULL: none */
    const sim_pool_net_t *net; /* sim_sweep_set_net; NULL: this process alone */
    size_t *by_rank;           /* net->size counters: the runs each rank played in the last sim_sweep_run */
    int by_rank_count;
    /* the metrics of the last successful sim_sweep_run */
    sim_sweep_row_t *names;    /* names only; NULL before */
    double *values;            /* runs x names->count */
    size_t value_runs;
};

/* The shared state of one sim_sweep_run's tasks (sim_pool). Everything below `lock` is guarded by it. */
typedef struct {
    const sim_sweep_t *sweep;
    const sim_config_t *base;
    sim_sweep_run_fn *run_fn;
    void *arg;
    sim_sweep_progress_fn *progress_fn;
    void *progress_arg;
    size_t runs;               /* of the whole sweep */
    size_t first, step;        /* the runs played: first, first + step, ... (the shard) */
    const volatile sig_atomic_t *stop;
    pthread_mutex_t lock;
    pthread_cond_t first_settled;  /* the first run was stored or failed */
    int first_state;           /* the first run: 0 pending, 1 stored (ref holds its names), -1 failed */
    sim_sweep_row_t ref;       /* the first run's row: the names every run must report */
    double *values;            /* runs x ref.count, allocated when run 0 is stored */
    uint8_t *stored;           /* runs: 1 once the run's row is in values */
    sim_sweep_progress_t progress;
} s_pool_t;

/* --- the grid --- */

sim_sweep_t *
sim_sweep_new (void)
{
    sim_sweep_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->points = 1;
    self->seeds = 1;
    self->shard_k = 1;
    self->shard_n = 1;
    return self;
}

static void
s_axis_free (s_axis_t *axis)
{
    for (size_t i = 0; i < axis->count; i++)
        free (axis->values[i]);
    free (axis->values);
    free (axis->assignment);
    memset (axis, 0, sizeof *axis);
}

static void
s_results_clear (sim_sweep_t *self)
{
    free (self->names);
    free (self->values);
    self->names = NULL;
    self->values = NULL;
    self->value_runs = 0;
}

void
sim_sweep_destroy (sim_sweep_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_sweep_t *self = *self_p;
    for (size_t i = 0; i < self->axis_count; i++)
        s_axis_free (&self->axes[i]);
    free (self->axes);
    s_results_clear (self);
    free (self->by_rank);
    free (self);
    *self_p = NULL;
}

int
sim_sweep_set_seeds (sim_sweep_t *self, uint64_t seeds, char *err, size_t errlen)
{
    if (seeds < 1 || seeds > SIM_SWEEP_MAX_SEEDS)
        return map_error (err, errlen, "--replications %llu: must be 1 .. %d", (unsigned long long) seeds,
                          SIM_SWEEP_MAX_SEEDS);
    /* points <= SIM_SWEEP_MAX_RUNS and seeds <= SIM_SWEEP_MAX_SEEDS: the product fits in 64 bits */
    if ((uint64_t) self->points * seeds > SIM_SWEEP_MAX_RUNS)
        return map_error (err, errlen, "--replications %llu: %zu points x %llu seeds = %llu runs, more than %d",
                          (unsigned long long) seeds, self->points, (unsigned long long) seeds,
                          (unsigned long long) ((uint64_t) self->points * seeds), SIM_SWEEP_MAX_RUNS);
    self->seeds = seeds;
    s_results_clear (self);
    return 0;
}

/* Copies text[0..len) without the spaces around it into buf (size cap). Returns the copied length, or (size_t) -1
 * when it does not fit. */
static size_t
s_trim_copy (const char *text, size_t len, char *buf, size_t cap)
{
    while (len > 0 && isspace ((unsigned char) *text)) {
        text++;
        len--;
    }
    while (len > 0 && isspace ((unsigned char) text[len - 1]))
        len--;
    if (len >= cap)
        return (size_t) -1;
    memcpy (buf, text, len);
    buf[len] = '\0';
    return len;
}

/* A finite decimal number and nothing else (spaces around it allowed), as a scenario file writes it: no hex, inf or
 * nan (sim_config_parse_real). */
static int
s_parse_number (const char *text, size_t len, double *out)
{
    return sim_config_parse_real (text, len, out);
}

/* Appends a copy of text to a growing list of strings. 0, or -1 when out of memory (the list keeps what it had). */
static int
s_list_push (char ***list, size_t *count, size_t *cap, const char *text)
{
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **grown = realloc (*list, ncap * sizeof *grown);
        if (!grown)
            return -1;
        *list = grown;
        *cap = ncap;
    }
    char *copy = strdup (text);
    if (!copy)
        return -1;
    (*list)[(*count)++] = copy;
    return 0;
}

/* Turns SPEC into the value texts of one axis. where: "--sweep KEY=SPEC: ". Precondition: axis->values is empty.
 * On failure axis may hold some values; the caller frees them. */
static int
s_parse_spec (s_axis_t *axis, const char *spec, const char *where, char *err, size_t errlen)
{
    size_t cap = 0;
    const char *c1 = strchr (spec, ':');
    const char *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
    int is_range = c2 && !strchr (c2 + 1, ':') && !strchr (spec, ',');
    if (is_range) {
        double from, to, step;
        const char *part[3] = {spec, c1 + 1, c2 + 1};
        size_t len[3] = {(size_t) (c1 - spec), (size_t) (c2 - c1 - 1), strlen (c2 + 1)};
        double *dst[3] = {&from, &to, &step};
        for (int i = 0; i < 3; i++)
            if (s_parse_number (part[i], len[i], dst[i]) < 0)
                return map_error (err, errlen, "%sno points ('%.*s' is not a number; need from:to:step)", where,
                                  (int) len[i], part[i]);
        if (from > to || step <= 0)
            return map_error (err, errlen, "%sno points (need from <= to and step > 0)", where);
        /* to is in the range when it lands within 1e-9 x step of a grid value */
        double steps = (to - from) / step;
        if (!(steps < SIM_SWEEP_MAX_RUNS))
            return map_error (err, errlen, "%smore than %d runs", where, SIM_SWEEP_MAX_RUNS);
        size_t n = (size_t) floor (steps + 1e-9) + 1;
        for (size_t i = 0; i < n; i++) {
            /* from + i x step, never repeated addition: the error does not pile up along the range */
            double v = from + (double) i * step;
            if (i == n - 1 && fabs (v - to) <= 1e-9 * step)
                v = to;
            if (fabs (v) <= 1e-9 * step)
                v = 0;   /* -0.3:0.3:0.1 passes 0, not 5.55e-17 */
            char text[40];
            snprintf (text, sizeof text, "%.15g", v + 0.0);
            if (s_list_push (&axis->values, &axis->count, &cap, text) < 0)
                return map_error (err, errlen, "%sout of memory", where);
        }
        return 0;
    }
    /* a list: items are texts, each applied as given (without the spaces around it) */
    const char *item = spec;
    for (size_t i = 1;; i++) {
        const char *comma = strchr (item, ',');
        size_t len = comma ? (size_t) (comma - item) : strlen (item);
        char text[1024];
        size_t got = s_trim_copy (item, len, text, sizeof text);
        if (got == (size_t) -1)
            return map_error (err, errlen, "%sitem %zu is longer than %zu characters", where, i, sizeof text - 1);
        if (got == 0)
            return map_error (err, errlen, "%sno points (%s)", where,
                              !comma && i == 1 ? "empty list" : "a list item is empty");
        if (axis->count >= SIM_SWEEP_MAX_RUNS)
            return map_error (err, errlen, "%smore than %d runs", where, SIM_SWEEP_MAX_RUNS);
        if (s_list_push (&axis->values, &axis->count, &cap, text) < 0)
            return map_error (err, errlen, "%sout of memory", where);
        if (!comma)
            return 0;
        item = comma + 1;
    }
}

/* Grid points between consecutive values of each axis: the last key added varies fastest. */
static void
s_update_strides (sim_sweep_t *self)
{
    size_t stride = 1;
    for (size_t k = self->axis_count; k-- > 0;) {
        self->axes[k].stride = stride;
        stride *= self->axes[k].count;
    }
    self->points = stride;
}

int
sim_sweep_add (sim_sweep_t *self, const sim_config_t *base, const char *assignment, char *err, size_t errlen)
{
    size_t wlen = strlen (assignment) + 32;
    char *where = malloc (wlen);
    s_axis_t axis = {0};
    sim_config_t *probe = malloc (sizeof *probe);
    if (!where || !probe) {
        map_error (err, errlen, "--sweep %s: out of memory", assignment);
        goto err;
    }
    snprintf (where, wlen, "--sweep %s: ", assignment);

    const char *eq = strchr (assignment, '=');
    size_t klen = eq ? s_trim_copy (assignment, (size_t) (eq - assignment), axis.key, sizeof axis.key) : 0;
    if (!eq || klen == 0) {
        map_error (err, errlen, "%sexpected KEY=from:to:step or KEY=v1,v2,...", where);
        goto err;
    }
    if (klen == (size_t) -1) {
        map_error (err, errlen, "%skey too long", where);
        goto err;
    }
    if (strcmp (axis.key, "scenario.seed") == 0) {
        map_error (err, errlen, "%sthe seed is not swept: use --replications N (--sweep-seeds N) to run each point "
                   "with N seeds", where);
        goto err;
    }
    if (strcmp (axis.key, "scenario.baseline") == 0) {
        /* sweep.csv has the displacement columns in every row or in none */
        map_error (err, errlen, "%sthe baseline is not swept: every run of a sweep plays it (--baseline) or none "
                   "does", where);
        goto err;
    }
    for (size_t k = 0; k < self->axis_count; k++)
        if (strcmp (self->axes[k].key, axis.key) == 0) {
            map_error (err, errlen, "%s%s is already swept (--sweep %s)", where, axis.key,
                       self->axes[k].assignment);
            goto err;
        }
    if (s_parse_spec (&axis, eq + 1, where, err, errlen) < 0)
        goto err;
    /* every value must be one the scenario accepts; sim_config's message names the key and its range */
    *probe = *base;
    for (size_t i = 0; i < axis.count; i++)
        if (sim_config_set_key (probe, axis.key, axis.values[i], where, err, errlen) < 0)
            goto err;
    /* a range's ends as written are values of the key too: an integer key refuses 1e3 there as in a list, though
     * the points made from it print as 1000 */
    const char *spec = eq + 1, *c1 = strchr (spec, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
    if (c2 && !strchr (c2 + 1, ':') && !strchr (spec, ',')) {
        const char *end[2] = {spec, c1 + 1};
        size_t len[2] = {(size_t) (c1 - spec), (size_t) (c2 - c1 - 1)};
        for (int i = 0; i < 2; i++) {
            char text[64];
            if (s_trim_copy (end[i], len[i], text, sizeof text) != (size_t) -1 &&
                sim_config_set_key (probe, axis.key, text, where, err, errlen) < 0)
                goto err;
        }
    }
    /* both factors are at most SIM_SWEEP_MAX_RUNS and seeds at most SIM_SWEEP_MAX_SEEDS: no overflow */
    uint64_t runs = (uint64_t) self->points * axis.count * self->seeds;
    if (runs > SIM_SWEEP_MAX_RUNS) {
        map_error (err, errlen, "%s%zu points x %zu values x %llu seeds = %llu runs, more than %d", where,
                   self->points, axis.count, (unsigned long long) self->seeds, (unsigned long long) runs,
                   SIM_SWEEP_MAX_RUNS);
        goto err;
    }
    axis.assignment = strdup (assignment);
    s_axis_t *grown = axis.assignment ? realloc (self->axes, (self->axis_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        map_error (err, errlen, "%sout of memory", where);
        goto err;
    }
    self->axes = grown;
    self->axes[self->axis_count++] = axis;
    s_update_strides (self);
    s_results_clear (self);
    free (where);
    free (probe);
    return 0;
err:
    s_axis_free (&axis);
    free (where);
    free (probe);
    return -1;
}

size_t
sim_sweep_points (const sim_sweep_t *self)
{
    return self->points;
}

uint64_t
sim_sweep_seeds (const sim_sweep_t *self)
{
    return self->seeds;
}

size_t
sim_sweep_runs (const sim_sweep_t *self)
{
    return self->points * (size_t) self->seeds;
}

size_t
sim_sweep_keys (const sim_sweep_t *self)
{
    return self->axis_count;
}

const char *
sim_sweep_key (const sim_sweep_t *self, size_t k)
{
    return k < self->axis_count ? self->axes[k].key : NULL;
}

const char *
sim_sweep_value (const sim_sweep_t *self, size_t run, size_t k)
{
    if (k >= self->axis_count || run >= sim_sweep_runs (self))
        return NULL;
    const s_axis_t *axis = &self->axes[k];
    size_t point = run / self->seeds;
    return axis->values[point / axis->stride % axis->count];
}

uint64_t
sim_sweep_seed (const sim_sweep_t *self, const sim_config_t *base, size_t run)
{
    return base->scenario.seed + (uint64_t) run % self->seeds;
}

int
sim_sweep_config (const sim_sweep_t *self, size_t run, const sim_config_t *base, sim_config_t *out, char *err,
                  size_t errlen)
{
    assert (out != base);
    if (run >= sim_sweep_runs (self))
        return map_error (err, errlen, "run %zu: out of range (the sweep has %zu runs)", run, sim_sweep_runs (self));
    *out = *base;
    for (size_t k = 0; k < self->axis_count; k++)
        if (sim_config_set_key (out, self->axes[k].key, sim_sweep_value (self, run, k), "", err, errlen) < 0)
            return -1;
    out->scenario.seed = sim_sweep_seed (self, base, run);
    return 0;
}

/* "K=V, K2=V2" for run's point, followed by "; seed S" when base is not NULL ("seed S" alone without keys). */
static void
s_describe (const sim_sweep_t *self, const sim_config_t *base, size_t run, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < self->axis_count; k++)
        map_error_append (buf, len, &used, "%s%s=%s", k ? ", " : "", self->axes[k].key, sim_sweep_value (self, run, k));
    if (base)
        map_error_append (buf, len, &used, "%sseed %llu", self->axis_count ? "; " : "",
                  (unsigned long long) sim_sweep_seed (self, base, run));
}

int
sim_sweep_check (const sim_sweep_t *self, const sim_config_t *base, char *err, size_t errlen)
{
    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg)
        return map_error (err, errlen, "--sweep: out of memory");
    char msg[512], point[1024];
    for (size_t p = 0; p < self->points; p++) {
        size_t run = p * (size_t) self->seeds;
        if (sim_sweep_config (self, run, base, cfg, msg, sizeof msg) < 0 ||
            sim_config_check (cfg, msg, sizeof msg) < 0) {
            s_describe (self, NULL, run, point, sizeof point);
            free (cfg);
            return map_error (err, errlen, "--sweep point %s: %s", point, msg);
        }
    }
    free (cfg);
    return 0;
}

/* --- the pool --- */

/* 1-based number of the first metric where row differs from ref, or 0 when they agree. */
static size_t
s_first_difference (const sim_sweep_row_t *ref, const sim_sweep_row_t *row)
{
    size_t n = ref->count < row->count ? ref->count : row->count;
    for (size_t i = 0; i < n; i++)
        if (strcmp (ref->name[i], row->name[i]) != 0)
            return i + 1;
    return ref->count == row->count ? 0 : n + 1;
}

/* Whether a row a callback filled is well formed (it may have written the struct without sim_sweep_row_add). */
static int
s_row_valid (const sim_sweep_row_t *row, char *msg, size_t len)
{
    if (row->count > SIM_SWEEP_MAX_METRICS)
        return map_error (msg, len, "reports %zu metrics, more than %d", row->count, SIM_SWEEP_MAX_METRICS);
    for (size_t i = 0; i < row->count; i++)
        if (!row->name[i][0] || !memchr (row->name[i], '\0', SIM_SWEEP_NAME_LEN))
            return map_error (msg, len, "metric %zu has no name, or a name of %d characters or more", i + 1,
                              SIM_SWEEP_NAME_LEN);
    return 0;
}

/* Whether run 0's metric names make distinct sweep.csv columns: none repeats another, a swept key, run or seed. */
static int
s_columns_distinct (const sim_sweep_t *sweep, const sim_sweep_row_t *row, char *msg, size_t len)
{
    for (size_t i = 0; i < row->count; i++) {
        const char *name = row->name[i];
        int taken = strcmp (name, "run") == 0 || strcmp (name, "seed") == 0;
        for (size_t k = 0; !taken && k < sweep->axis_count; k++)
            taken = strcmp (name, sweep->axes[k].key) == 0;
        for (size_t j = 0; !taken && j < i; j++)
            taken = strcmp (name, row->name[j]) == 0;
        /* with several seeds, NAME_mean and NAME_ci95 follow the metrics */
        for (size_t j = 0; !taken && sweep->seeds > 1 && j < row->count; j++) {
            size_t n = strlen (row->name[j]);
            taken = strncmp (name, row->name[j], n) == 0 && (strcmp (name + n, "_mean") == 0 ||
                                                              strcmp (name + n, "_ci95") == 0);
        }
        if (taken)
            return map_error (msg, len, "metric %zu '%s' repeats a column of sweep.csv", i + 1, name);
    }
    return 0;
}

/* Stores run's row. The first run played (run 0, or a shard's first) sets the metric names; any other run waits
 * until it has settled (it was handed out first, so the wait is short), so that a mismatch is always reported
 * against it whatever the completion order.
 * Returns 0 (stored), 1 (dropped: run 0 failed, the sweep is lost anyway) or -1 with a message in msg.
 * Precondition: pool->lock held. */
static int
s_store (s_pool_t *pool, size_t run, const sim_sweep_row_t *row, char *msg, size_t len)
{
    if (s_row_valid (row, msg, len) < 0)
        return -1;
    if (run == pool->first) {
        if (s_columns_distinct (pool->sweep, row, msg, len) < 0)
            return -1;
        pool->ref = *row;
        if (row->count > 0) {
            pool->values = calloc (pool->runs * row->count, sizeof *pool->values);
            if (!pool->values)
                return map_error (msg, len, "out of memory for %zu runs x %zu metrics", pool->runs, row->count);
        }
        pool->first_state = 1;
        pthread_cond_broadcast (&pool->first_settled);
    } else {
        while (pool->first_state == 0)
            pthread_cond_wait (&pool->first_settled, &pool->lock);
        if (pool->first_state < 0)
            return 1;
        size_t diff = s_first_difference (&pool->ref, row);
        if (diff) {
            const sim_sweep_row_t *ref = &pool->ref;
            size_t first = pool->first;
            if (diff > row->count)
                return map_error (msg, len, "metric %zu is missing (run %zu reports '%s' there; every run must "
                                  "report the same metrics in the same order)", diff, first, ref->name[diff - 1]);
            if (diff > ref->count)
                return map_error (msg, len, "metric %zu '%s' is one more than run %zu reports (every run must report "
                                  "the same metrics in the same order)", diff, row->name[diff - 1], first);
            return map_error (msg, len, "metric %zu is '%s' where run %zu has '%s' (every run must report the same "
                              "metrics in the same order)", diff, row->name[diff - 1], first, ref->name[diff - 1]);
        }
    }
    if (row->count > 0)
        memcpy (pool->values + run * row->count, row->value, row->count * sizeof row->value[0]);
    pool->stored[run] = 1;
    return 0;
}

static double
s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What playing a run gives, sent to the process that gathers (sim_pool). */
typedef struct {
    int played;                /* run_fn's return: 0 played, 1 taken from an earlier sweep */
    double run_s;              /* wall-clock seconds */
    sim_sweep_row_t row;
} s_outcome_t;

/* One run as a task of the pool (task i plays run first + i x step): its config and its row. Dropped (1) when the
 * sweep was stopped before it started, or the first run failed here (the sweep cannot be written); the first run
 * never is dropped, since it names the columns every other run is checked against. */
static int
s_play (size_t task, void *result, void *arg, char *msg, size_t len)
{
    s_pool_t *pool = arg;
    s_outcome_t *out = result;
    size_t run = pool->first + task * pool->step;
    pthread_mutex_lock (&pool->lock);
    int lost = pool->first_state < 0;
    pthread_mutex_unlock (&pool->lock);
    if (run > pool->first && ((pool->stop && *pool->stop) || lost))
        return 1;
    sim_config_t cfg;
    out->row.count = 0;
    double t0 = s_now_s ();
    int rc = sim_sweep_config (pool->sweep, run, pool->base, &cfg, msg, len);
    if (rc == 0) {
        out->played = pool->run_fn (&cfg, run, &out->row, pool->arg, msg, len);
        rc = out->played < 0 ? -1 : 0;
    }
    out->run_s = s_now_s () - t0;
    return rc;
}

/* A run's outcome, played here or on another process: its row stored, and the progress told. A failed run is told
 * and the others go on. */
static int
s_settle (size_t task, int rc, const void *result, void *arg, char *msg, size_t len)
{
    s_pool_t *pool = arg;
    const s_outcome_t *out = result;
    size_t run = pool->first + task * pool->step;
    pthread_mutex_lock (&pool->lock);
    if (rc == 0)
        rc = s_store (pool, run, &out->row, msg, len);
    if (rc < 0 && run == pool->first) {
        /* the runs waiting for the first run's names give up */
        pool->first_state = -1;
        pthread_cond_broadcast (&pool->first_settled);
    }
    if (rc <= 0) {
        sim_sweep_progress_t *p = &pool->progress;
        p->run = run;
        p->failed = rc < 0;
        p->done += rc == 0;
        p->resumed += rc == 0 && out->played == 1;
        p->failures += rc < 0;
        p->run_s = out->played == 1 ? 0 : out->run_s;
        char point[1024];
        if (rc < 0)
            s_describe (pool->sweep, pool->base, run, point, sizeof point);
        p->point = rc < 0 ? point : NULL;
        p->message = rc < 0 ? (msg[0] ? msg : "failed (no message)") : NULL;
        if (pool->progress_fn)
            pool->progress_fn (p, pool->progress_arg);
        p->point = p->message = NULL;
    }
    pthread_mutex_unlock (&pool->lock);
    return rc;
}

/* The runs stored of each point, per metric: stat[point x names->count + m], the finite values in run order (so the
 * same bytes follow for any jobs, resumed or merged). NULL when out of memory. */
static sim_stat_t *
s_point_stats (const sim_sweep_t *self, const sim_sweep_row_t *names, const double *values, const uint8_t *stored,
               size_t runs)
{
    sim_stat_t *stat = calloc (self->points * (names->count ? names->count : 1), sizeof *stat);
    for (size_t r = 0; stat && r < runs; r++)
        for (size_t m = 0; stored[r] && m < names->count; m++)
            if (isfinite (values[r * names->count + m]))
                sim_stat_add (&stat[r / self->seeds * names->count + m], values[r * names->count + m]);
    return stat;
}

/* The header's NAME_mean, NAME_ci95 for every metric. */
static void
s_write_stat_names (FILE *out, const sim_sweep_row_t *names)
{
    char col[SIM_SWEEP_NAME_LEN + 8];
    for (size_t m = 0; m < names->count; m++) {
        snprintf (col, sizeof col, "%s_mean", names->name[m]);
        sim_csv_field (out, col, 0);
        snprintf (col, sizeof col, "%s_ci95", names->name[m]);
        sim_csv_field (out, col, 0);
    }
}

/* A point's mean and 95% half-width of every metric, as the shortest texts that read back as the same doubles. */
static void
s_write_stats (FILE *out, const sim_stat_t *stat, size_t count)
{
    char num[64];
    for (size_t m = 0; m < count; m++) {
        sim_csv_format_number (num, sizeof num, sim_stat_mean (&stat[m]));
        sim_csv_field (out, num, 0);
        sim_csv_format_number (num, sizeof num, sim_stat_ci95 (&stat[m]));
        sim_csv_field (out, num, 0);
    }
}

/* sweep_points.csv: the keys, runs, then each metric's mean and ci95 over the point's runs stored; a line per point
 * with a run stored. */
static void
s_write_points (FILE *out, const sim_sweep_t *self, const sim_sweep_row_t *names, const sim_stat_t *stat,
                const uint8_t *stored)
{
    for (size_t k = 0; k < self->axis_count; k++)
        sim_csv_field (out, self->axes[k].key, k == 0);
    sim_csv_field (out, "runs", self->axis_count == 0);
    s_write_stat_names (out, names);
    fputc ('\n', out);
    char num[64];
    for (size_t p = 0; p < self->points; p++) {
        size_t n = 0, run = p * (size_t) self->seeds;
        for (size_t i = 0; i < self->seeds; i++)
            n += stored[run + i];
        if (!n)
            continue;
        for (size_t k = 0; k < self->axis_count; k++)
            sim_csv_field (out, sim_sweep_value (self, run, k), k == 0);
        snprintf (num, sizeof num, "%zu", n);
        sim_csv_field (out, num, self->axis_count == 0);
        s_write_stats (out, stat + p * names->count, names->count);
        fputc ('\n', out);
    }
}

/* sweep.csv: the header, then a line for each run stored, in run order; with several seeds (stat not NULL) each line
 * ends with its point's means and half-widths. */
static void
s_write_csv (FILE *out, const sim_sweep_t *self, const sim_config_t *base, const sim_sweep_row_t *names,
             const double *values, const uint8_t *stored, size_t runs, const sim_stat_t *stat)
{
    for (size_t k = 0; k < self->axis_count; k++)
        sim_csv_field (out, self->axes[k].key, k == 0);
    sim_csv_field (out, "run", self->axis_count == 0);
    sim_csv_field (out, "seed", 0);
    for (size_t m = 0; m < names->count; m++)
        sim_csv_field (out, names->name[m], 0);
    if (stat)
        s_write_stat_names (out, names);
    fputc ('\n', out);
    char num[64];
    for (size_t r = 0; r < runs; r++) {
        if (!stored[r])
            continue;
        for (size_t k = 0; k < self->axis_count; k++)
            sim_csv_field (out, sim_sweep_value (self, r, k), k == 0);
        snprintf (num, sizeof num, "%zu", r);
        sim_csv_field (out, num, self->axis_count == 0);
        snprintf (num, sizeof num, "%llu", (unsigned long long) sim_sweep_seed (self, base, r));
        sim_csv_field (out, num, 0);
        for (size_t m = 0; m < names->count; m++) {
            sim_csv_format_number (num, sizeof num, values[r * names->count + m]);
            sim_csv_field (out, num, 0);
        }
        if (stat)
            s_write_stats (out, stat + r / self->seeds * names->count, names->count);
        fputc ('\n', out);
    }
}

int
sim_sweep_run (sim_sweep_t *self, const sim_config_t *base, int jobs, sim_sweep_run_fn *run_fn, void *arg,
               const char *csv_path, sim_sweep_progress_fn *progress_fn, void *progress_arg, char *err,
               size_t errlen)
{
    assert (run_fn);
    s_results_clear (self);
    if (jobs < 1)
        return map_error (err, errlen, "--jobs %d: need at least 1", jobs);
    if (sim_sweep_check (self, base, err, errlen) < 0)
        return -1;

    int rc = -1, pooled = 0;
    size_t runs = sim_sweep_runs (self);
    sim_file_t out = {0}, points_out = {0};
    sim_stat_t *stat = NULL;
    s_pool_t *pool = calloc (1, sizeof *pool);
    uint8_t *stored = calloc (runs ? runs : 1, 1);
    sim_sweep_row_t *names = NULL;
    if (!pool || !stored) {
        map_error (err, errlen, "--sweep: out of memory");
        goto done;
    }
    free (self->by_rank);
    self->by_rank_count = self->net && self->net->size > 1 ? self->net->size : 1;
    self->by_rank = calloc ((size_t) self->by_rank_count, sizeof *self->by_rank);
    if (!self->by_rank) {
        map_error (err, errlen, "--sweep: out of memory");
        goto done;
    }
    /* The output must be writable before hours of runs, not after; only the process that gathers writes it. */
    int gather = !self->net || self->net->size <= 1 || self->net->rank == 0;
    if (!gather)
        csv_path = NULL;
    if (csv_path && sim_file_open_path (&out, csv_path, err, errlen) < 0)
        goto done;
    if (csv_path && self->seeds > 1 && self->points_path &&
        sim_file_open_path (&points_out, self->points_path, err, errlen) < 0)
        goto done;

    size_t count = sim_sweep_shard_runs (self);
    *pool = (s_pool_t) {.sweep = self, .base = base, .run_fn = run_fn, .arg = arg, .progress_fn = progress_fn,
                        .progress_arg = progress_arg, .runs = runs, .first = self->shard_k - 1,
                        .step = self->shard_n, .stop = self->stop, .stored = stored, .progress = {.total = count}};
    pthread_mutex_init (&pool->lock, NULL);
    pthread_cond_init (&pool->first_settled, NULL);
    char msg[1024];
    size_t failed = 0;
    sim_pool_job_t job = {.count = count, .result_size = sizeof (s_outcome_t), .play = s_play, .store = s_settle,
                          .arg = pool, .by_rank = self->by_rank};
    pooled = 1;
    int played = sim_pool_run (&job, jobs, self->net, &failed, msg, sizeof msg);
    pthread_cond_destroy (&pool->first_settled);
    pthread_mutex_destroy (&pool->lock);
    if (played < 0 && failed == count) {
        map_error (err, errlen, "--sweep: %s", msg);
        goto done;
    }
    if (!gather) {
        rc = 0;   /* this rank's share was played; rank 0 stored it */
        goto done;
    }
    int runs_failed = played < 0;
    if (runs_failed) {
        /* the others went on; without the first run's names there is no sweep.csv to write */
        char point[1024];
        size_t run = pool->first + failed * pool->step;
        s_describe (self, base, run, point, sizeof point);
        if (pool->progress.failures > 1)
            map_error (err, errlen, "%zu runs failed; the first, run %zu (%s): %s", pool->progress.failures, run,
                       point, msg);
        else
            map_error (err, errlen, "run %zu (%s): %s", run, point, msg);
        if (pool->first_state < 0)
            goto done;
    }
    size_t done_runs = 0;
    for (size_t r = 0; r < runs; r++)
        done_runs += stored[r];
    if (out.f && self->seeds > 1 && !(stat = s_point_stats (self, &pool->ref, pool->values, stored, runs))) {
        map_error (err, errlen, "--sweep: out of memory");
        goto done;
    }
    if (out.f) {
        s_write_csv (out.f, self, base, &pool->ref, pool->values, stored, runs, stat);
        if (sim_file_close (&out, err, errlen) < 0)
            goto done;
    }
    if (points_out.f) {
        s_write_points (points_out.f, self, &pool->ref, stat, stored);
        if (sim_file_close (&points_out, err, errlen) < 0)
            goto done;
    }
    /* runs stopped before they started read as NAN */
    for (size_t r = 0; r < runs && pool->values; r++)
        if (!stored[r])
            for (size_t m = 0; m < pool->ref.count; m++)
                pool->values[r * pool->ref.count + m] = NAN;
    names = malloc (sizeof *names);
    if (!names) {
        map_error (err, errlen, "--sweep: out of memory");
        goto done;
    }
    *names = pool->ref;
    self->names = names;
    self->values = pool->values;
    self->value_runs = runs;
    pool->values = NULL;
    rc = runs_failed ? 2 : done_runs < count ? 1 : 0;
done:
    if (!pooled && self->net && self->net->size > 1 && self->net->rank == 0) {
        /* failed before the runs: the other ranks, already asking for runs, get none and finish */
        sim_pool_job_t none = {.count = 0, .result_size = 1, .play = s_play};
        size_t nothing;
        char why[256];
        sim_pool_run (&none, 1, self->net, &nothing, why, sizeof why);
    }
    sim_file_abandon (&out);
    sim_file_abandon (&points_out);
    free (stat);
    if (pool)
        free (pool->values);
    free (pool);
    free (stored);
    return rc;
}

void
sim_sweep_set_stop (sim_sweep_t *self, const volatile sig_atomic_t *stop)
{
    self->stop = stop;
}

void
sim_sweep_set_net (sim_sweep_t *self, const sim_pool_net_t *net)
{
    self->net = net;
}

size_t
sim_sweep_played_on (const sim_sweep_t *self, int rank)
{
    return self->by_rank && rank >= 0 && rank < self->by_rank_count ? self->by_rank[rank] : 0;
}

void
sim_sweep_set_points_path (sim_sweep_t *self, const char *path)
{
    self->points_path = path;
}

int
sim_sweep_set_shard (sim_sweep_t *self, size_t k, size_t n, char *err, size_t errlen)
{
    if (n < 1 || n > SIM_SWEEP_MAX_RUNS || k < 1 || k > n)
        return map_error (err, errlen, "--shard %zu/%zu: need 1 <= K <= N <= %d", k, n, SIM_SWEEP_MAX_RUNS);
    self->shard_k = k;
    self->shard_n = n;
    s_results_clear (self);
    return 0;
}

void
sim_sweep_shard (const sim_sweep_t *self, size_t *k, size_t *n)
{
    *k = self->shard_k;
    *n = self->shard_n;
}

size_t
sim_sweep_shard_runs (const sim_sweep_t *self)
{
    size_t runs = sim_sweep_runs (self), first = self->shard_k - 1;
    return first < runs ? (runs - first + self->shard_n - 1) / self->shard_n : 0;
}

int
sim_sweep_in_shard (const sim_sweep_t *self, size_t run)
{
    return run < sim_sweep_runs (self) && run % self->shard_n == self->shard_k - 1;
}

int
sim_sweep_write_grid (const sim_sweep_t *self, FILE *out)
{
    for (size_t k = 0; k < self->axis_count; k++) {
        const s_axis_t *axis = &self->axes[k];
        fprintf (out, "%s = ", axis->key);
        for (size_t i = 0; i < axis->count; i++)
            fprintf (out, "%s%s", i ? "," : "", axis->values[i]);
        fputc ('\n', out);
    }
    fprintf (out, "seeds = %llu\nruns = %zu\n", (unsigned long long) self->seeds, sim_sweep_runs (self));
    return ferror (out) ? -1 : 0;
}

size_t
sim_sweep_metrics (const sim_sweep_t *self)
{
    return self->names ? self->names->count : 0;
}

const char *
sim_sweep_metric_name (const sim_sweep_t *self, size_t m)
{
    return self->names && m < self->names->count ? self->names->name[m] : NULL;
}

double
sim_sweep_metric (const sim_sweep_t *self, size_t run, size_t m)
{
    if (!self->names || m >= self->names->count || run >= self->value_runs)
        return NAN;
    return self->values[run * self->names->count + m];
}

int
sim_sweep_row_add (sim_sweep_row_t *row, const char *name, double value)
{
    size_t len = strlen (name);
    if (row->count >= SIM_SWEEP_MAX_METRICS || len == 0 || len >= SIM_SWEEP_NAME_LEN)
        return -1;
    memcpy (row->name[row->count], name, len + 1);
    row->value[row->count++] = value;
    return 0;
}
