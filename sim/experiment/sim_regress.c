/* sim_regress: the policy regression suite: loading, playing, comparing, writing and blessing. */
#define _XOPEN_SOURCE 700 /* clock_gettime */
#include "sim_regress.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "disp_policy.h"
#include "map_error.h"
#include "map_graph.h"
#include "sim_config.h"
#include "sim_csv.h"
#include "sim_file.h"
#include "sim_plot.h"
#include "sim_pool.h"
#include "sim_run.h"

#define S_PATH_MAX SIM_FILE_PATH_MAX
#define S_POLICY_LEN 32             /* = sim_config_t.dispatch.policy */

typedef struct {
    char name[SIM_REGRESS_NAME_LEN];
    char path[S_PATH_MAX];
    sim_config_t *cfg;
    int picked;
    size_t map;                     /* index into the run's maps */
} s_scenario_t;

typedef struct {
    const char *name;
    const disp_policy_t *own;       /* the program's own policy of that name, or NULL for a built-in */
    int picked;
} s_policy_t;

/* One row of baselines.csv. */
typedef struct {
    char scenario[SIM_REGRESS_NAME_LEN];
    char policy[S_POLICY_LEN];
    char metric[SIM_SWEEP_NAME_LEN];
    char text[64];                  /* the value as written, kept by a bless that does not touch the row */
    double value;
    int line;
} s_base_t;

/* A map shared by the scenarios that name the same one. */
typedef struct {
    size_t first;                   /* the scenario (index into the suite) it was opened for */
    map_net_t *net;
    char error[1024];               /* why it could not be opened */
    double seconds;
} s_map_t;

/* What one run (scenario x policy) gave. */
typedef struct {
    int made;                       /* played to the end */
    char error[1024];
    double seconds;
    sim_sweep_row_t row;            /* its headline metrics */
} s_result_t;

struct sim_regress_t {
    int unreadable;                 /* while opening: the folder, a scenario file or tolerances.csv could not be read */
    char dir[S_PATH_MAX - 32];      /* room for the file names after it */
    char tolerances_path[S_PATH_MAX];
    char baselines_path[S_PATH_MAX];
    s_scenario_t *scenarios;
    size_t scenario_count;
    int scenarios_picked;
    s_policy_t *policies;
    size_t policy_count;
    int policies_picked;
    sim_regress_metric_t *metrics;
    size_t metric_count;
    s_base_t *bases;
    size_t base_count;
    sim_sweep_row_t headline;       /* every headline metric's name (values meaningless) */
    /* the last sim_regress_run */
    size_t *run_scenarios;          /* picked scenarios' indexes into scenarios */
    size_t run_scenario_count;
    size_t *run_policies;           /* picked policies' indexes into policies */
    size_t run_policy_count;
    s_result_t *results;            /* run_scenario_count x run_policy_count */
    sim_regress_cell_t *cells;      /* results x metric_count */
    size_t status_count[SIM_REGRESS_STATUS_COUNT];
    int chart;                      /* regress.svg: 1 drawn, 0 not asked for or no gnuplot, -1 gnuplot failed on it */
    char chart_error[1024];         /* why, when it failed */
};

static const char *const s_status_names[SIM_REGRESS_STATUS_COUNT] = {"within", "better", "worse", "new", "failed"};

/* ---- loading ------------------------------------------------------------------------------------------------- */

/* Appends ", name" to buf (name alone when buf is empty), cut to fit. */
static void
s_add_name (char *buf, size_t len, const char *name)
{
    size_t used = strlen (buf);
    if (used + 1 < len)
        snprintf (buf + used, len - used, "%s%s", used ? ", " : "", name);
}

static int
s_is_headline (const sim_regress_t *self, const char *name)
{
    for (size_t i = 0; i < self->headline.count; i++)
        if (strcmp (self->headline.name[i], name) == 0)
            return 1;
    return 0;
}

/* "FILE:LINE: metric: 'x' is not a headline metric (a, b, ...)" */
static int
s_not_headline (const sim_regress_t *self, const char *path, int line, const char *name, char *err, size_t errlen)
{
    char names[2048] = "";
    for (size_t i = 0; i < self->headline.count; i++)
        s_add_name (names, sizeof names, self->headline.name[i]);
    return map_error (err, errlen, "%s:%d: metric: '%s' is not a headline metric (%s)", path, line, name, names);
}

static int
s_cmp_names (const void *a, const void *b)
{
    return strcmp (((const s_scenario_t *) a)->name, ((const s_scenario_t *) b)->name);
}

/* 1 when name is made of letters, digits, '.', '_' and '-' only, and is not empty. */
static int
s_plain_name (const char *name)
{
    if (!*name)
        return 0;
    for (const char *c = name; *c; c++)
        if (!isalnum ((unsigned char) *c) && *c != '.' && *c != '_' && *c != '-')
            return 0;
    return 1;
}

/* Finds DIR/ *.ini in name order and reads each over the defaults. */
static int
s_load_scenarios (sim_regress_t *self, char *err, size_t errlen)
{
    DIR *d = opendir (self->dir);
    if (!d) {
        self->unreadable = 1;
        return map_error (err, errlen, "%s: %s", self->dir, strerror (errno));
    }
    size_t cap = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir (d))) {
        size_t len = strlen (e->d_name);
        if (len <= 4 || strcmp (e->d_name + len - 4, ".ini") != 0 || e->d_name[0] == '.')
            continue;
        if (self->scenario_count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            s_scenario_t *grown = realloc (self->scenarios, ncap * sizeof *grown);
            if (!grown) {
                rc = map_error (err, errlen, "%s: out of memory", self->dir);
                break;
            }
            self->scenarios = grown;
            cap = ncap;
        }
        s_scenario_t *s = &self->scenarios[self->scenario_count];
        memset (s, 0, sizeof *s);
        if (len - 4 >= sizeof s->name)
            rc = map_error (err, errlen, "%s/%s: a scenario's name is at most %zu characters", self->dir, e->d_name,
                            sizeof s->name - 1);
        else if (snprintf (s->path, sizeof s->path, "%s/%s", self->dir, e->d_name) >= (int) sizeof s->path)
            rc = map_error (err, errlen, "%s/%s: path too long", self->dir, e->d_name);
        else {
            memcpy (s->name, e->d_name, len - 4);
            if (!s_plain_name (s->name))
                rc = map_error (err, errlen, "%s: a scenario's name (the file's name without .ini) may hold letters, "
                                "digits, '.', '_' and '-' only", s->path);
            else
                self->scenario_count++;
        }
    }
    closedir (d);
    if (rc < 0)
        return -1;
    if (self->scenario_count == 0)
        return map_error (err, errlen, "%s: no scenario files (NAME.ini)", self->dir);
    qsort (self->scenarios, self->scenario_count, sizeof *self->scenarios, s_cmp_names);
    for (size_t i = 0; i < self->scenario_count; i++) {
        s_scenario_t *s = &self->scenarios[i];
        s->cfg = malloc (sizeof *s->cfg);
        if (!s->cfg)
            return map_error (err, errlen, "%s: out of memory", s->path);
        sim_config_defaults (s->cfg);
        int rc_load = sim_config_load (s->cfg, s->path, err, errlen);
        self->unreadable = rc_load == SIM_CONFIG_UNREADABLE;
        if (rc_load < 0)
            return -1;
    }
    return 0;
}

/* A number >= 0 in a CSV cell, or -1 with "FILE:LINE: column: why". */
static int
s_nonnegative (const sim_csv_t *csv, size_t r, int col, double *v, char *err, size_t errlen)
{
    const char *cell = sim_csv_cell (csv, r, col);
    if (sim_csv_parse_number (cell, v) < 0 || !isfinite (*v) || *v < 0)
        return map_error (err, errlen, "%s:%d: %s: '%.40s' is not a number >= 0", csv->path, csv->lines[r],
                          csv->names[col], cell);
    return 0;
}

static int
s_load_tolerances (sim_regress_t *self, char *err, size_t errlen)
{
    static const char *const need[] = {"metric", "better", "relative", "absolute"};
    int col[4];
    sim_csv_t csv;
    int rc = sim_csv_load (&csv, self->tolerances_path, err, errlen);
    self->unreadable = rc > 0 || (rc < 0 && access (self->tolerances_path, R_OK) != 0);
    if (rc > 0)
        return map_error (err, errlen, "%s: %s (every suite needs one: metric,better,relative,absolute)",
                          self->tolerances_path, strerror (ENOENT));
    if (rc < 0)
        return -1;
    rc = -1;
    if (sim_csv_need (&csv, need, col, 4, err, errlen) < 0)
        goto done;
    if (csv.nrows == 0) {
        map_error (err, errlen, "%s:1: no metric to gate (one row per metric after the header)", csv.path);
        goto done;
    }
    self->metrics = calloc (csv.nrows, sizeof *self->metrics);
    if (!self->metrics) {
        map_error (err, errlen, "%s: out of memory", csv.path);
        goto done;
    }
    for (size_t r = 0; r < csv.nrows; r++) {
        sim_regress_metric_t *m = &self->metrics[r];
        const char *name = sim_csv_cell (&csv, r, col[0]), *better = sim_csv_cell (&csv, r, col[1]);
        if (!s_is_headline (self, name)) {
            s_not_headline (self, csv.path, csv.lines[r], name, err, errlen);
            goto done;
        }
        for (size_t q = 0; q < r; q++)
            if (strcmp (self->metrics[q].name, name) == 0) {
                map_error (err, errlen, "%s:%d: metric: '%s' is given twice (first on line %d)", csv.path,
                           csv.lines[r], name, csv.lines[q]);
                goto done;
            }
        snprintf (m->name, sizeof m->name, "%s", name);
        if (strcmp (better, "lower") == 0)
            m->better = SIM_REGRESS_LOWER;
        else if (strcmp (better, "higher") == 0)
            m->better = SIM_REGRESS_HIGHER;
        else {
            map_error (err, errlen, "%s:%d: better: '%.40s' is neither lower nor higher", csv.path, csv.lines[r],
                       better);
            goto done;
        }
        if (s_nonnegative (&csv, r, col[2], &m->relative, err, errlen) < 0 ||
            s_nonnegative (&csv, r, col[3], &m->absolute, err, errlen) < 0)
            goto done;
        self->metric_count++;
    }
    rc = 0;
done:
    sim_csv_free (&csv);
    return rc;
}

/* A text cell into buf: -1 with "FILE:LINE: column: why" when it is empty or too long. */
static int
s_text_cell (const sim_csv_t *csv, size_t r, int col, char *buf, size_t len, char *err, size_t errlen)
{
    const char *cell = sim_csv_cell (csv, r, col);
    if (!*cell)
        return map_error (err, errlen, "%s:%d: %s: empty", csv->path, csv->lines[r], csv->names[col]);
    if (strlen (cell) >= len)
        return map_error (err, errlen, "%s:%d: %s: '%.40s...' is longer than %zu characters", csv->path,
                          csv->lines[r], csv->names[col], cell, len - 1);
    memcpy (buf, cell, strlen (cell) + 1);
    return 0;
}

static const s_base_t *
s_find_base (const sim_regress_t *self, const char *scenario, const char *policy, const char *metric)
{
    for (size_t i = 0; i < self->base_count; i++) {
        const s_base_t *b = &self->bases[i];
        if (strcmp (b->metric, metric) == 0 && strcmp (b->policy, policy) == 0 && strcmp (b->scenario, scenario) == 0)
            return b;
    }
    return NULL;
}

static int
s_load_baselines (sim_regress_t *self, char *err, size_t errlen)
{
    static const char *const need[] = {"scenario", "policy", "metric", "value"};
    int col[4];
    sim_csv_t csv;
    int rc = sim_csv_load (&csv, self->baselines_path, err, errlen);
    if (rc > 0)
        return 0;   /* no baselines yet: every run is new */
    if (rc < 0)
        return -1;
    rc = -1;
    if (sim_csv_need (&csv, need, col, 4, err, errlen) < 0)
        goto done;
    self->bases = calloc (csv.nrows ? csv.nrows : 1, sizeof *self->bases);
    if (!self->bases) {
        map_error (err, errlen, "%s: out of memory", csv.path);
        goto done;
    }
    for (size_t r = 0; r < csv.nrows; r++) {
        s_base_t *b = &self->bases[self->base_count];
        b->line = csv.lines[r];
        if (s_text_cell (&csv, r, col[0], b->scenario, sizeof b->scenario, err, errlen) < 0 ||
            s_text_cell (&csv, r, col[1], b->policy, sizeof b->policy, err, errlen) < 0 ||
            s_text_cell (&csv, r, col[2], b->metric, sizeof b->metric, err, errlen) < 0)
            goto done;
        if (!s_is_headline (self, b->metric)) {
            s_not_headline (self, csv.path, b->line, b->metric, err, errlen);
            goto done;
        }
        const char *text = sim_csv_cell (&csv, r, col[3]);
        if (sim_csv_parse_number (text, &b->value) < 0 || strlen (text) >= sizeof b->text) {
            map_error (err, errlen, "%s:%d: value: '%.40s' is not a number", csv.path, b->line, text);
            goto done;
        }
        snprintf (b->text, sizeof b->text, "%s", text);
        const s_base_t *first = s_find_base (self, b->scenario, b->policy, b->metric);
        if (first) {
            map_error (err, errlen, "%s:%d: metric: %s of %s / %s is given twice (first on line %d)", csv.path,
                       b->line, b->metric, b->scenario, b->policy, first->line);
            goto done;
        }
        self->base_count++;
    }
    rc = 0;
done:
    sim_csv_free (&csv);
    return rc;
}

/* Every policy: the built-ins in table order, an own one replacing the built-in of its name, then the other own
 * ones. */
static int
s_list_policies (sim_regress_t *self, const disp_policy_t *own, size_t own_count, char *err, size_t errlen)
{
    const disp_policy_t *builtin;
    size_t nbuiltin = disp_policy_list (&builtin);
    self->policies = calloc (nbuiltin + own_count, sizeof *self->policies);
    if (!self->policies)
        return map_error (err, errlen, "out of memory");
    for (size_t i = 0; i < nbuiltin; i++) {
        s_policy_t *p = &self->policies[self->policy_count++];
        p->name = builtin[i].name;
        for (size_t k = 0; k < own_count; k++)
            if (own[k].name && strcmp (own[k].name, p->name) == 0)
                p->own = &own[k];
    }
    for (size_t k = 0; k < own_count; k++) {
        if (!own[k].name || !*own[k].name || strlen (own[k].name) >= S_POLICY_LEN)
            return map_error (err, errlen, "own policy %zu: a name of 1 to %d characters is needed", k + 1,
                              S_POLICY_LEN - 1);
        if (disp_policy_find (own[k].name))
            continue;
        int seen = 0;
        for (size_t i = 0; i < self->policy_count; i++)
            seen |= strcmp (self->policies[i].name, own[k].name) == 0;
        if (seen)
            return map_error (err, errlen, "own policy '%s': given twice", own[k].name);
        self->policies[self->policy_count++] = (s_policy_t) {.name = own[k].name, .own = &own[k]};
    }
    return 0;
}

sim_regress_t *
sim_regress_open (const char *dir, const disp_policy_t *own, size_t own_count, int *unreadable, char *err,
                  size_t errlen)
{
    if (unreadable)
        *unreadable = 0;
    sim_regress_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "%s: out of memory", dir);
        return NULL;
    }
    size_t len = strlen (dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len + sizeof "/tolerances.csv" > sizeof self->dir) {
        map_error (err, errlen, "%s: path too long", dir);
        goto fail;
    }
    memcpy (self->dir, dir, len);
    snprintf (self->tolerances_path, sizeof self->tolerances_path, "%s/tolerances.csv", self->dir);
    snprintf (self->baselines_path, sizeof self->baselines_path, "%s/baselines.csv", self->dir);
    /* The headline metrics' names, as a run with a baseline reports them (the values of an empty run are not
     * used). */
    sim_run_result_t empty;
    memset (&empty, 0, sizeof empty);
    if (sim_run_headline (&empty, 1, &self->headline) < 0) {
        map_error (err, errlen, "too many headline metrics");
        goto fail;
    }
    if (s_list_policies (self, own, own_count, err, errlen) < 0 || s_load_scenarios (self, err, errlen) < 0 ||
        s_load_tolerances (self, err, errlen) < 0 || s_load_baselines (self, err, errlen) < 0)
        goto fail;
    return self;
fail:
    if (unreadable && self)
        *unreadable = self->unreadable;
    sim_regress_destroy (&self);
    return NULL;
}

static void
s_results_clear (sim_regress_t *self)
{
    free (self->run_scenarios);
    free (self->run_policies);
    free (self->results);
    free (self->cells);
    self->run_scenarios = self->run_policies = NULL;
    self->results = NULL;
    self->cells = NULL;
    self->run_scenario_count = self->run_policy_count = 0;
    memset (self->status_count, 0, sizeof self->status_count);
    self->chart = 0;
    self->chart_error[0] = '\0';
}

void
sim_regress_destroy (sim_regress_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_regress_t *self = *self_p;
    for (size_t i = 0; i < self->scenario_count; i++)
        free (self->scenarios[i].cfg);
    free (self->scenarios);
    free (self->policies);
    free (self->metrics);
    free (self->bases);
    s_results_clear (self);
    free (self);
    *self_p = NULL;
}

int
sim_regress_pick_scenario (sim_regress_t *self, const char *name, char *err, size_t errlen)
{
    char known[1024] = "";
    for (size_t i = 0; i < self->scenario_count; i++) {
        if (strcmp (self->scenarios[i].name, name) == 0) {
            self->scenarios[i].picked = 1;
            self->scenarios_picked = 1;
            return 0;
        }
        s_add_name (known, sizeof known, self->scenarios[i].name);
    }
    return map_error (err, errlen, "--scenario %s: no scenario of that name in %s (known: %s)", name, self->dir, known);
}

int
sim_regress_pick_policy (sim_regress_t *self, const char *name, char *err, size_t errlen)
{
    char known[1024] = "";
    for (size_t i = 0; i < self->policy_count; i++) {
        if (strcmp (self->policies[i].name, name) == 0) {
            self->policies[i].picked = 1;
            self->policies_picked = 1;
            return 0;
        }
        s_add_name (known, sizeof known, self->policies[i].name);
    }
    return map_error (err, errlen, "--policy %s: not a policy (known: %s)", name, known);
}

int
sim_regress_set (sim_regress_t *self, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr (assignment, '=');
    const char *colon = eq ? memchr (assignment, ':', (size_t) (eq - assignment)) : NULL;
    if (!colon) {
        for (size_t i = 0; i < self->scenario_count; i++)
            if (sim_config_set (self->scenarios[i].cfg, assignment, err, errlen) < 0)
                return -1;
        return 0;
    }
    size_t len = (size_t) (colon - assignment);
    for (size_t i = 0; i < self->scenario_count; i++) {
        s_scenario_t *s = &self->scenarios[i];
        if (strlen (s->name) == len && strncmp (s->name, assignment, len) == 0) {
            char why[1024];
            if (sim_config_set (s->cfg, colon + 1, why, sizeof why) < 0)
                return map_error (err, errlen, "%s: %s", s->name, why);
            return 0;
        }
    }
    return map_error (err, errlen, "--set %s: no scenario '%.*s' in %s (SCENARIO:KEY=VALUE sets a key of one "
                      "scenario, KEY=VALUE of all)", assignment, (int) len, assignment, self->dir);
}

int
sim_regress_check (const sim_regress_t *self, char *err, size_t errlen)
{
    for (size_t i = 0; i < self->scenario_count; i++) {
        const s_scenario_t *s = &self->scenarios[i];
        char why[1024];
        if ((s->picked || !self->scenarios_picked) && sim_config_check (s->cfg, why, sizeof why) < 0)
            return map_error (err, errlen, "%s: %s", s->path, why);
    }
    return 0;
}

/* ---- playing ------------------------------------------------------------------------------------------------- */

static double
s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The shared state of one sim_regress_run. */
typedef struct {
    sim_regress_t *self;
    const sim_regress_opts_t *opts;
    s_map_t *maps;
    size_t map_count;
    size_t *map_of;                 /* per picked scenario: its map */
    sim_config_t **cfgs;            /* per picked scenario: its config fitted to its map */
    char runs_dir[S_PATH_MAX];
} s_play_t;

/* Whether two scenarios name the same map. */
static int
s_same_map (const sim_config_t *a, const sim_config_t *b)
{
    return strcmp (a->map_file, b->map_file) == 0 && strcmp (a->map.source, b->map.source) == 0 &&
           a->map.epsg == b->map.epsg && a->map.grid_m == b->map.grid_m &&
           strcmp (a->map.highways, b->map.highways) == 0 && strcmp (a->map.cache, b->map.cache) == 0;
}

/* Task: opens map number `task` for its first scenario. A failure is kept with the map (its runs fail), not
 * returned: the other maps' runs still go ahead. */
static int
s_open_map (size_t task, void *result, void *arg, char *err, size_t errlen)
{
    (void) result;
    (void) err;
    (void) errlen;
    s_play_t *play = arg;
    s_map_t *m = &play->maps[task];
    sim_run_opts_t ropts = {.quiet = 1};
    double t0 = s_now_s ();
    m->net = sim_run_open_map (play->cfgs[m->first], &ropts, m->error, sizeof m->error);
    m->seconds = s_now_s () - t0;
    return 0;
}

/* Task: run number `task` = scenario (task / policies) played with policy (task % policies), its outcome into
 * result (an s_result_t), on any process. Its failure is kept with its result, not returned: the other runs go
 * ahead. */
static int
s_play_run (size_t task, void *result, void *arg, char *err, size_t errlen)
{
    (void) err;
    (void) errlen;
    s_play_t *play = arg;
    sim_regress_t *self = play->self;
    size_t si = task / self->run_policy_count, pi = task % self->run_policy_count;
    const s_scenario_t *scen = &self->scenarios[self->run_scenarios[si]];
    const s_policy_t *pol = &self->policies[self->run_policies[pi]];
    s_result_t *res = result;
    const s_map_t *map = &play->maps[play->map_of[si]];
    double t0 = s_now_s ();
    if (!map->net) {
        snprintf (res->error, sizeof res->error, "%s", map->error);
        return 0;
    }
    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg) {
        snprintf (res->error, sizeof res->error, "out of memory");
        return 0;
    }
    *cfg = *play->cfgs[si];
    snprintf (cfg->dispatch.policy, sizeof cfg->dispatch.policy, "%s", pol->name);
    cfg->scenario.baseline = 1;   /* the suite's runs report displacement, and their config.ini says so */
    char dir[S_PATH_MAX + 2 * SIM_REGRESS_NAME_LEN];
    snprintf (dir, sizeof dir, "%s/%s/%s", play->runs_dir, scen->name, pol->name);
    sim_run_opts_t ropts = {.dispatcher = play->opts->dispatcher,
                            .timeout_ms = play->opts->timeout_ms,
                            .reconnect_ms = 0,
                            .out_dir = dir,
                            .quiet = 1,
                            .no_plots = 1,
                            .events = play->opts->events,
                            .own_policies = pol->own,
                            .own_policy_count = pol->own ? 1 : 0};
    sim_run_result_t run;
    if (sim_file_make_dir (dir, res->error, sizeof res->error) == 0 &&
        sim_run_write_config (dir, cfg, res->error, sizeof res->error) == 0 &&
        sim_run_play (cfg, map->net, &ropts, dir, &run, res->error, sizeof res->error) == 0) {
        if (sim_run_headline (&run, 1, &res->row) == 0)
            res->made = 1;
        else
            snprintf (res->error, sizeof res->error, "too many headline metrics");
        sim_run_result_clear (&run);
    }
    res->seconds = s_now_s () - t0;
    free (cfg);
    return 0;
}

/* A run's outcome, played here or on another process, into the suite's results (rank 0). */
static int
s_store_run (size_t task, int rc, const void *result, void *arg, char *err, size_t errlen)
{
    (void) err;
    (void) errlen;
    s_play_t *play = arg;
    play->self->results[task] = *(const s_result_t *) result;
    play->self->results[task].error[sizeof play->self->results[task].error - 1] = '\0';
    return rc;
}

static void
s_run_done (size_t task, size_t done, size_t total, void *arg)
{
    const s_play_t *play = arg;
    const sim_regress_t *self = play->self;
    if (play->opts->quiet)
        return;
    size_t si = task / self->run_policy_count, pi = task % self->run_policy_count;
    const char *scen = self->scenarios[self->run_scenarios[si]].name;
    const char *pol = self->policies[self->run_policies[pi]].name;
    const s_result_t *res = &self->results[task];
    if (res->made)
        fprintf (stderr, "%s: run %zu/%zu done: %s/%s (%.1f s)\n", play->opts->prog, done, total, scen, pol,
                 res->seconds);
    else
        fprintf (stderr, "%s: run %zu/%zu FAILED: %s/%s: %s\n", play->opts->prog, done, total, scen, pol,
                 res->error);
}

/* The picked scenarios' configs, with a map cache for an OSM map.file without one, and which of them share a map. */
static int
s_plan_maps (s_play_t *play, char *err, size_t errlen)
{
    sim_regress_t *self = play->self;
    size_t n = self->run_scenario_count;
    play->cfgs = calloc (n, sizeof *play->cfgs);
    play->map_of = calloc (n, sizeof *play->map_of);
    play->maps = calloc (n, sizeof *play->maps);
    if (!play->cfgs || !play->map_of || !play->maps)
        return map_error (err, errlen, "out of memory");
    for (size_t si = 0; si < n; si++) {
        const s_scenario_t *scen = &self->scenarios[self->run_scenarios[si]];
        sim_config_t *cfg = malloc (sizeof *cfg);
        if (!cfg)
            return map_error (err, errlen, "out of memory");
        play->cfgs[si] = cfg;
        *cfg = *scen->cfg;
        if (cfg->map_file[0] && !cfg->map.cache[0]) {
            char maps[S_PATH_MAX];
            snprintf (maps, sizeof maps, "%s/maps", play->opts->out_dir);
            if (sim_file_make_dir (maps, err, errlen) < 0)
                return -1;
            if ((size_t) snprintf (cfg->map.cache, sizeof cfg->map.cache, "%s/%s.map", maps, scen->name) >=
                sizeof cfg->map.cache)
                return map_error (err, errlen, "%s/%s.map: path too long", maps, scen->name);
        }
        size_t m = 0;
        while (m < play->map_count && !s_same_map (play->cfgs[play->maps[m].first], cfg))
            m++;
        if (m == play->map_count)
            play->maps[play->map_count++].first = si;
        play->map_of[si] = m;
    }
    return 0;
}

/* After the maps are open: every scenario on a shared map gets the file names its first scenario made absolute and
 * is fitted to the map, as sim_run_open_map fits the first. */
static void
s_fit_sharers (s_play_t *play)
{
    for (size_t si = 0; si < play->self->run_scenario_count; si++) {
        const s_map_t *m = &play->maps[play->map_of[si]];
        if (m->first == si || !m->net)
            continue;
        sim_config_t *cfg = play->cfgs[si];
        const sim_config_t *first = play->cfgs[m->first];
        memcpy (cfg->map_file, first->map_file, sizeof cfg->map_file);
        memcpy (cfg->map.cache, first->map.cache, sizeof cfg->map.cache);
        double lon_min, lat_min, lon_max, lat_max;
        map_graph_lonlat_bounds (map_net_graph (m->net), &lon_min, &lat_min, &lon_max, &lat_max);
        sim_config_fit_map (cfg, lon_min, lat_min, lon_max, lat_max);
    }
}

static void
s_maps_progress (const s_play_t *play)
{
    const sim_regress_t *self = play->self;
    for (size_t m = 0; m < play->map_count; m++) {
        const s_map_t *map = &play->maps[m];
        char users[1024] = "";
        for (size_t si = 0; si < self->run_scenario_count; si++)
            if (play->map_of[si] == m)
                s_add_name (users, sizeof users, self->scenarios[self->run_scenarios[si]].name);
        const sim_config_t *cfg = play->cfgs[map->first];
        const char *source = cfg->map_file[0] ? cfg->map_file : cfg->map.source;
        if (map->net)
            fprintf (stderr, "%s: map %s (%s): %zu nodes, %zu edges (%.1f s)\n", play->opts->prog, source, users,
                     map_graph_node_count (map_net_graph (map->net)), map_graph_edge_count (map_net_graph (map->net)),
                     map->seconds);
        else
            fprintf (stderr, "%s: map %s (%s) not opened: %s\n", play->opts->prog, source, users, map->error);
    }
}

/* ---- comparing and writing ----------------------------------------------------------------------------------- */

static double
s_row_value (const sim_sweep_row_t *row, const char *name)
{
    for (size_t i = 0; i < row->count; i++)
        if (strcmp (row->name[i], name) == 0)
            return row->value[i];
    return NAN;
}

/* One gated metric of a run against its baseline (b NULL: none). */
static void
s_compare (const sim_regress_metric_t *m, const s_result_t *res, const s_base_t *b, sim_regress_cell_t *cell)
{
    cell->value = res->made ? s_row_value (&res->row, m->name) : NAN;
    cell->has_baseline = b != NULL;
    cell->baseline = b ? b->value : NAN;
    cell->change = NAN;
    cell->tolerance = NAN;
    if (!res->made) {
        cell->status = SIM_REGRESS_FAILED;
        return;
    }
    if (!b) {
        cell->status = SIM_REGRESS_NEW;
        return;
    }
    cell->tolerance = fmax (m->relative * fabs (b->value), m->absolute);
    cell->change = cell->value - b->value;
    if (!isfinite (cell->value) || !isfinite (b->value)) {
        /* a figure that became undefined (or defined) is a change to look at; the same undefined one is not */
        int same = isnan (cell->value) ? isnan (b->value) : cell->value == b->value;
        cell->status = same ? SIM_REGRESS_WITHIN : SIM_REGRESS_WORSE;
        return;
    }
    double worse_by = m->better == SIM_REGRESS_LOWER ? cell->change : -cell->change;
    if (worse_by > cell->tolerance)
        cell->status = SIM_REGRESS_WORSE;
    else if (-worse_by > cell->tolerance)
        cell->status = SIM_REGRESS_BETTER;
    else
        cell->status = SIM_REGRESS_WITHIN;
}

/* A number field; empty when absent (present 0). */
static void
s_number_field (FILE *f, double v, int present)
{
    char num[64] = "";
    if (present)
        sim_csv_format_number (num, sizeof num, v);
    sim_csv_field (f, num, 0);
}

/* OUT/regress.csv (sim_file: complete or as it was). */
static int
s_write_csv (const sim_regress_t *self, const sim_regress_opts_t *opts, char *err, size_t errlen)
{
    sim_file_t out;
    if (sim_file_open (&out, opts->out_dir, "regress.csv", err, errlen) < 0)
        return -1;
    FILE *f = out.f;
    fputs ("scenario,policy,seed,metric,better,baseline,value,change,tolerance,status\n", f);
    for (size_t si = 0; si < self->run_scenario_count; si++)
        for (size_t pi = 0; pi < self->run_policy_count; pi++)
            for (size_t m = 0; m < self->metric_count; m++) {
                const sim_regress_metric_t *metric = &self->metrics[m];
                const sim_regress_cell_t *cell = sim_regress_cell (self, si, pi, m);
                char seed[32];
                snprintf (seed, sizeof seed, "%llu", (unsigned long long) sim_regress_seed (self, si));
                sim_csv_field (f, sim_regress_scenario (self, si), 1);
                sim_csv_field (f, sim_regress_policy (self, pi), 0);
                sim_csv_field (f, seed, 0);
                sim_csv_field (f, metric->name, 0);
                sim_csv_field (f, metric->better == SIM_REGRESS_LOWER ? "lower" : "higher", 0);
                /* a figure a run could not measure is nan; one that is not there is empty */
                int compared = cell->has_baseline && cell->status != SIM_REGRESS_FAILED;
                s_number_field (f, cell->baseline, cell->has_baseline);
                s_number_field (f, cell->value, cell->status != SIM_REGRESS_FAILED);
                s_number_field (f, cell->change, compared);
                s_number_field (f, cell->tolerance, compared);
                sim_csv_field (f, s_status_names[cell->status], 0);
                fputc ('\n', f);
            }
    return sim_file_close (&out, err, errlen);
}

/* Draws regress.svg and report.html, unless opts->no_plots, and keeps how that went for sim_regress_chart. */
static void
s_draw (sim_regress_t *self, const sim_regress_opts_t *opts)
{
    char svg[S_PATH_MAX];
    snprintf (svg, sizeof svg, "%s/regress.svg", opts->out_dir);
    if (opts->no_plots) {
        unlink (svg);   /* an old chart must not pass for this run's */
        return;
    }
    /* The gate's verdict is in regress.csv and the table, which the caller prints first; a chart gnuplot failed on
     * is an error it reports after them (sim_regress_chart), a missing gnuplot only a note. */
    char why[1024];
    int rc = sim_plot_regress (opts->out_dir, why, sizeof why);
    if (rc > 0)
        fprintf (stderr, "%s: %s\n", opts->prog, why);
    else if (rc < 0)
        snprintf (self->chart_error, sizeof self->chart_error, "%s", why);
    self->chart = rc == 0 ? 1 : rc > 0 ? 0 : -1;
}

/* Which scenarios and policies this run plays, and room for their results. */
static int
s_pick (sim_regress_t *self, char *err, size_t errlen)
{
    s_results_clear (self);
    self->run_scenarios = calloc (self->scenario_count, sizeof *self->run_scenarios);
    self->run_policies = calloc (self->policy_count, sizeof *self->run_policies);
    if (!self->run_scenarios || !self->run_policies)
        return map_error (err, errlen, "out of memory");
    for (size_t i = 0; i < self->scenario_count; i++)
        if (self->scenarios[i].picked || !self->scenarios_picked)
            self->run_scenarios[self->run_scenario_count++] = i;
    for (size_t i = 0; i < self->policy_count; i++)
        if (self->policies[i].picked || !self->policies_picked)
            self->run_policies[self->run_policy_count++] = i;
    size_t runs = self->run_scenario_count * self->run_policy_count;
    self->results = calloc (runs, sizeof *self->results);
    self->cells = calloc (runs * self->metric_count, sizeof *self->cells);
    if (!self->results || !self->cells)
        return map_error (err, errlen, "out of memory");
    return 0;
}

int
sim_regress_run (sim_regress_t *self, const sim_regress_opts_t *opts, char *err, size_t errlen)
{
    int rc = -1;
    s_play_t play = {.self = self, .opts = opts};
    if (s_pick (self, err, errlen) < 0)
        goto done;
    if ((size_t) snprintf (play.runs_dir, sizeof play.runs_dir, "%s/runs", opts->out_dir) >= sizeof play.runs_dir) {
        map_error (err, errlen, "%s: path too long", opts->out_dir);
        goto done;
    }
    if (sim_file_make_dir (play.runs_dir, err, errlen) < 0 || s_plan_maps (&play, err, errlen) < 0)
        goto done;
    size_t runs = self->run_scenario_count * self->run_policy_count, failed;
    char msg[1024];
    sim_pool_job_t maps = {.count = play.map_count, .result_size = 1, .play = s_open_map,
                           .arg = &play};
    if (sim_pool_run (&maps, opts->jobs, NULL, &failed, msg, sizeof msg) < 0) {
        map_error (err, errlen, "%s", msg);
        goto done;
    }
    s_fit_sharers (&play);
    if (!opts->quiet) {
        s_maps_progress (&play);
        char where[64] = "";
        if (opts->net && opts->net->size > 1)
            snprintf (where, sizeof where, "%d MPI ranks x ", opts->net->size);
        fprintf (stderr, "%s: %zu runs (%zu scenarios x %zu policies, each with the day without robotaxis) on %s%d "
                 "thread%s, dispatcher %s\n", opts->prog, runs, self->run_scenario_count, self->run_policy_count,
                 where, opts->jobs, opts->jobs == 1 ? "" : "s", opts->dispatcher);
    }
    int nranks = opts->net && opts->net->size > 1 ? opts->net->size : 1;
    size_t *by_rank = calloc ((size_t) nranks, sizeof *by_rank);
    if (!by_rank) {
        map_error (err, errlen, "out of memory");
        goto done;
    }
    sim_pool_job_t job = {.count = runs, .result_size = sizeof (s_result_t), .play = s_play_run,
                          .store = s_store_run, .arg = &play, .done = s_run_done, .by_rank = by_rank};
    int pooled = sim_pool_run (&job, opts->jobs, opts->net, &failed, msg, sizeof msg);
    if (pooled == 0 && nranks > 1 && opts->net->rank == 0 && !opts->quiet) {
        fprintf (stderr, "%s: runs played by rank:", opts->prog);
        for (int r = 0; r < nranks; r++)
            fprintf (stderr, "%s %zu", r ? "," : "", by_rank[r]);
        fputc ('\n', stderr);
    }
    free (by_rank);
    if (pooled < 0) {
        map_error (err, errlen, "%s", msg);
        goto done;
    }
    if (nranks > 1 && opts->net->rank > 0) {
        rc = 0;   /* this rank's share of the runs is played; rank 0 compares and writes */
        goto done;
    }
    for (size_t r = 0; r < runs; r++) {
        size_t si = r / self->run_policy_count, pi = r % self->run_policy_count;
        const char *scen = self->scenarios[self->run_scenarios[si]].name;
        const char *pol = self->policies[self->run_policies[pi]].name;
        for (size_t m = 0; m < self->metric_count; m++) {
            sim_regress_cell_t *cell = &self->cells[r * self->metric_count + m];
            s_compare (&self->metrics[m], &self->results[r], s_find_base (self, scen, pol, self->metrics[m].name),
                       cell);
            self->status_count[cell->status]++;
        }
    }
    if (s_write_csv (self, opts, err, errlen) < 0)
        goto done;
    s_draw (self, opts);
    rc = 0;
done:
    for (size_t m = 0; play.maps && m < play.map_count; m++)
        map_net_destroy (&play.maps[m].net);
    for (size_t si = 0; play.cfgs && si < self->run_scenario_count; si++)
        free (play.cfgs[si]);
    free (play.cfgs);
    free (play.maps);
    free (play.map_of);
    return rc;
}

/* ---- accessors ----------------------------------------------------------------------------------------------- */

size_t
sim_regress_scenarios (const sim_regress_t *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->scenario_count; i++)
        n += self->scenarios[i].picked || !self->scenarios_picked;
    return n;
}

/* The suite's index of picked scenario s, or scenario_count. */
static size_t
s_picked_scenario (const sim_regress_t *self, size_t s)
{
    for (size_t i = 0; i < self->scenario_count; i++)
        if ((self->scenarios[i].picked || !self->scenarios_picked) && s-- == 0)
            return i;
    return self->scenario_count;
}

static size_t
s_picked_policy (const sim_regress_t *self, size_t p)
{
    for (size_t i = 0; i < self->policy_count; i++)
        if ((self->policies[i].picked || !self->policies_picked) && p-- == 0)
            return i;
    return self->policy_count;
}

const char *
sim_regress_scenario (const sim_regress_t *self, size_t s)
{
    size_t i = s_picked_scenario (self, s);
    return i < self->scenario_count ? self->scenarios[i].name : NULL;
}

uint64_t
sim_regress_seed (const sim_regress_t *self, size_t s)
{
    size_t i = s_picked_scenario (self, s);
    return i < self->scenario_count ? self->scenarios[i].cfg->scenario.seed : 0;
}

size_t
sim_regress_policies (const sim_regress_t *self)
{
    size_t n = 0;
    for (size_t i = 0; i < self->policy_count; i++)
        n += self->policies[i].picked || !self->policies_picked;
    return n;
}

const char *
sim_regress_policy (const sim_regress_t *self, size_t p)
{
    size_t i = s_picked_policy (self, p);
    return i < self->policy_count ? self->policies[i].name : NULL;
}

size_t
sim_regress_metrics (const sim_regress_t *self)
{
    return self->metric_count;
}

const sim_regress_metric_t *
sim_regress_metric (const sim_regress_t *self, size_t m)
{
    return m < self->metric_count ? &self->metrics[m] : NULL;
}

/* The result of run (s, p) of the last sim_regress_run, or NULL. */
static const s_result_t *
s_result (const sim_regress_t *self, size_t s, size_t p)
{
    if (!self->results || s >= self->run_scenario_count || p >= self->run_policy_count)
        return NULL;
    return &self->results[s * self->run_policy_count + p];
}

const sim_regress_cell_t *
sim_regress_cell (const sim_regress_t *self, size_t s, size_t p, size_t m)
{
    if (!s_result (self, s, p) || m >= self->metric_count)
        return NULL;
    return &self->cells[(s * self->run_policy_count + p) * self->metric_count + m];
}

const char *
sim_regress_failure (const sim_regress_t *self, size_t s, size_t p)
{
    const s_result_t *res = s_result (self, s, p);
    return res && !res->made ? res->error : NULL;
}

size_t
sim_regress_count (const sim_regress_t *self, sim_regress_status_t status)
{
    return status < SIM_REGRESS_STATUS_COUNT ? self->status_count[status] : 0;
}

int
sim_regress_chart (const sim_regress_t *self, const char **why)
{
    if (why)
        *why = self->chart < 0 ? self->chart_error : NULL;
    return self->chart;
}

const char *
sim_regress_status_name (sim_regress_status_t status)
{
    return status < SIM_REGRESS_STATUS_COUNT ? s_status_names[status] : "?";
}

const char *
sim_regress_baselines_path (const sim_regress_t *self)
{
    return self->baselines_path;
}

/* ---- blessing ------------------------------------------------------------------------------------------------ */

/* The index of the run of the last sim_regress_run that played scenario and policy, or -1. */
static long
s_run_of (const sim_regress_t *self, const char *scenario, const char *policy)
{
    for (size_t si = 0; si < self->run_scenario_count; si++) {
        if (strcmp (self->scenarios[self->run_scenarios[si]].name, scenario) != 0)
            continue;
        for (size_t pi = 0; pi < self->run_policy_count; pi++)
            if (strcmp (self->policies[self->run_policies[pi]].name, policy) == 0)
                return (long) (si * self->run_policy_count + pi);
    }
    return -1;
}

static long
s_metric_index (const sim_regress_t *self, const char *name)
{
    for (size_t m = 0; m < self->metric_count; m++)
        if (strcmp (self->metrics[m].name, name) == 0)
            return (long) m;
    return -1;
}

static void
s_base_row (FILE *f, const char *scenario, const char *policy, const char *metric, const char *value)
{
    sim_csv_field (f, scenario, 1);
    sim_csv_field (f, policy, 0);
    sim_csv_field (f, metric, 0);
    sim_csv_field (f, value, 0);
    fputc ('\n', f);
}

int
sim_regress_bless (sim_regress_t *self, size_t *changed, size_t *added, size_t *dropped, char *err, size_t errlen)
{
    size_t n_changed = 0, n_added = 0, n_dropped = 0;
    size_t runs = self->run_scenario_count * self->run_policy_count, failed = 0;
    if (!self->results)
        return map_error (err, errlen, "--bless: no runs made");
    for (size_t r = 0; r < runs; r++)
        failed += !self->results[r].made;
    if (failed)
        return map_error (err, errlen, "--bless: %zu run%s failed; %s not written", failed, failed == 1 ? "" : "s",
                          self->baselines_path);
    sim_file_t out;
    if (sim_file_open_path (&out, self->baselines_path, err, errlen) < 0)
        return -1;
    FILE *f = out.f;
    fputs ("scenario,policy,metric,value\n", f);
    char num[64];
    /* the rows there were: kept, updated, or dropped (a made run's metric no longer gated) */
    for (size_t i = 0; i < self->base_count; i++) {
        const s_base_t *b = &self->bases[i];
        long r = s_run_of (self, b->scenario, b->policy);
        long m = s_metric_index (self, b->metric);
        if (r < 0) {
            s_base_row (f, b->scenario, b->policy, b->metric, b->text);
            continue;
        }
        if (m < 0) {
            n_dropped++;
            continue;
        }
        double v = self->cells[(size_t) r * self->metric_count + (size_t) m].value;
        sim_csv_format_number (num, sizeof num, v);
        n_changed += !(v == b->value || (isnan (v) && isnan (b->value)));
        s_base_row (f, b->scenario, b->policy, b->metric, num);
    }
    /* then the runs' metrics that had no row, in run order */
    for (size_t r = 0; r < runs; r++) {
        const char *scen = self->scenarios[self->run_scenarios[r / self->run_policy_count]].name;
        const char *pol = self->policies[self->run_policies[r % self->run_policy_count]].name;
        for (size_t m = 0; m < self->metric_count; m++) {
            if (s_find_base (self, scen, pol, self->metrics[m].name))
                continue;
            sim_csv_format_number (num, sizeof num, self->cells[r * self->metric_count + m].value);
            s_base_row (f, scen, pol, self->metrics[m].name, num);
            n_added++;
        }
    }
    if (sim_file_close (&out, err, errlen) < 0)
        return -1;
    /* the suite now compares with what was written */
    free (self->bases);
    self->bases = NULL;
    self->base_count = 0;
    if (s_load_baselines (self, err, errlen) < 0)
        return -1;
    if (changed)
        *changed = n_changed;
    if (added)
        *added = n_added;
    if (dropped)
        *dropped = n_dropped;
    return 0;
}
