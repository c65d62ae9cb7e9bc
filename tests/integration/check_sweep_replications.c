/* check_sweep_replications: robotaxi-sim --sweep ... --replications R plays each point R times; sweep.csv's
 * METRIC_mean and METRIC_ci95 columns and sweep_points.csv hold each point's mean and the half-width of its 95%
 * interval (Student's t), computed here again from the per-run columns; the same bytes on 1 and 2 threads;
 * --replications 1 leaves sweep.csv as it was; bad counts are usage errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_check.h"
#include "rt_proc.h"

#define S_TIMEOUT_MS (600 * 1000)
/* a tiny day: 2 fleet sizes */
#define S_GRID "--sweep", "robotaxi.fleet_size=10,30", "--set", "demand.trips_per_day=3000", "--set", "human.drivers=150"
#define S_T2 4.302653   /* Student's t, 0.975 quantile, 2 degrees of freedom */
#define S_MAX_COLS 256
#define S_MAX_ROWS 16

static char *s_sim;
static char s_out[65536], s_err[65536];

static void
s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
    const char *names[] = {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT"};
    for (int i = 0; i < 2; i++)
        unsetenv (names[i]);
}

static void
s_teardown (void)
{
    free (s_sim);
}

/* A CSV of plain fields (no quoting: the sweep's keys and numbers need none). */
typedef struct {
    size_t ncols, nrows;
    char *names[S_MAX_COLS];
    double v[S_MAX_ROWS][S_MAX_COLS];
    char *text;
} s_table_t;

static void
s_load (const char *dir, const char *name, s_table_t *t)
{
    char path[2048];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    memset (t, 0, sizeof *t);
    t->text = rt_slurp (path, NULL);
    ck_assert_msg (t->text != NULL, "%s: missing", path);
    char *save_line = NULL, *line = strtok_r (t->text, "\n", &save_line);
    ck_assert (line != NULL);
    char *save = NULL;
    for (char *f = strtok_r (line, ",", &save); f; f = strtok_r (NULL, ",", &save)) {
        ck_assert (t->ncols < S_MAX_COLS);
        t->names[t->ncols++] = f;
    }
    while ((line = strtok_r (NULL, "\n", &save_line)) != NULL) {
        ck_assert (t->nrows < S_MAX_ROWS);
        size_t c = 0;
        for (char *f = strtok_r (line, ",", &save); f; f = strtok_r (NULL, ",", &save), c++) {
            ck_assert (c < t->ncols);
            t->v[t->nrows][c] = strtod (f, NULL);
        }
        ck_assert_msg (c == t->ncols, "%s: a line of %zu fields under %zu names", path, c, t->ncols);
        t->nrows++;
    }
}

static int
s_col (const s_table_t *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp (t->names[c], name) == 0)
            return (int) c;
    return -1;
}

static int
s_close (double got, double want)
{
    if (isnan (want))
        return isnan (got);
    return fabs (got - want) <= 1e-9 * fmax (1.0, fabs (want));
}

/* 2 points x 3 replications: each line's mean and ci95 columns are its point's, computed from the metric columns
 * (two-pass mean and sample standard deviation, t(2) = 4.302653); sweep_points.csv holds them once per point; the
 * files are the same bytes on 1 and 2 threads and with --sweep-seeds 3. */
START_TEST (test_replications_means_and_intervals)
{
    char *d1 = rt_temp_dir ("repl-1"), *d2 = rt_temp_dir ("repl-2"), *d3 = rt_temp_dir ("repl-seeds");
    char *a1[] = {s_sim, "-q", "--no-plots", S_GRID, "--replications", "3", "--jobs", "1", "-o", d1, NULL};
    int rc = rt_run (a1, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "exit %d: %s", rc, s_err);
    char *a2[] = {s_sim, "-q", "--no-plots", S_GRID, "--replications", "3", "--jobs", "2", "-o", d2, NULL};
    rc = rt_run (a2, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "exit %d: %s", rc, s_err);
    char *a3[] = {s_sim, "-q", "--no-plots", S_GRID, "--sweep-seeds", "3", "--jobs", "2", "-o", d3, NULL};
    rc = rt_run (a3, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "exit %d: %s", rc, s_err);
    const char *files[] = {"sweep.csv", "sweep_points.csv", "sweep.ini"};
    for (int i = 0; i < 3; i++) {
        ck_assert_msg (rt_same_in_dirs (d1, d2, files[i]), "%s differs on 1 and 2 threads", files[i]);
        ck_assert_msg (rt_same_in_dirs (d1, d3, files[i]), "%s differs under --sweep-seeds", files[i]);
    }

    s_table_t *runs = malloc (sizeof *runs), *points = malloc (sizeof *points);
    s_load (d1, "sweep.csv", runs);
    s_load (d1, "sweep_points.csv", points);
    ck_assert_int_eq (runs->nrows, 6);
    ck_assert_int_eq (points->nrows, 2);
    int seed = s_col (runs, "seed"), first = seed + 1;
    ck_assert_int_eq (seed, 2);
    /* the metrics, then a mean and a ci95 column for each */
    size_t nmetrics = 0;
    for (const char *n; first + (int) nmetrics < (int) runs->ncols; nmetrics++) {
        n = runs->names[first + nmetrics];
        if (strlen (n) > 5 && strcmp (n + strlen (n) - 5, "_mean") == 0)
            break;
    }
    ck_assert_msg (nmetrics > 20, "%zu metrics", nmetrics);
    ck_assert_int_eq (runs->ncols, (size_t) first + 3 * nmetrics);
    ck_assert_int_eq (points->ncols, 2 + 2 * nmetrics);
    ck_assert_str_eq (points->names[0], "robotaxi.fleet_size");
    ck_assert_str_eq (points->names[1], "runs");
    size_t spread = 0;
    for (size_t p = 0; p < 2; p++) {
        ck_assert (runs->v[3 * p][0] == (p ? 30 : 10) && points->v[p][0] == runs->v[3 * p][0]);
        ck_assert (points->v[p][1] == 3);
        for (size_t i = 0; i < 3; i++)
            ck_assert (runs->v[3 * p + i][seed] == 42 + i);   /* seeds derived from the scenario's 42 */
        for (size_t m = 0; m < nmetrics; m++) {
            const char *name = runs->names[first + m];
            char want[128];
            snprintf (want, sizeof want, "%s_mean", name);
            int cm = s_col (runs, want), pm = s_col (points, want);
            snprintf (want, sizeof want, "%s_ci95", name);
            int cc = s_col (runs, want), pc = s_col (points, want);
            ck_assert_msg (cm >= 0 && cc == cm + 1 && pm >= 0 && pc == pm + 1, "%s: no mean and ci95 beside", name);
            double x[3], sum = 0;
            for (size_t i = 0; i < 3; i++)
                sum += x[i] = runs->v[3 * p + i][first + m];
            double mean = sum / 3, ss = 0;
            for (size_t i = 0; i < 3; i++)
                ss += (x[i] - mean) * (x[i] - mean);
            double half = S_T2 * sqrt (ss / 2) / sqrt (3);
            spread += half > 0;
            for (size_t i = 0; i < 3; i++) {
                ck_assert_msg (s_close (runs->v[3 * p + i][cm], mean), "point %zu %s_mean: %.17g, want %.17g", p,
                               name, runs->v[3 * p + i][cm], mean);
                ck_assert_msg (s_close (runs->v[3 * p + i][cc], half), "point %zu %s_ci95: %.17g, want %.17g", p,
                               name, runs->v[3 * p + i][cc], half);
            }
            ck_assert (s_close (points->v[p][pm], mean) && s_close (points->v[p][pc], half));
        }
    }
    /* the seeds make a difference: most metrics have an interval */
    ck_assert_msg (spread > nmetrics, "%zu metrics x points with a spread", spread);
    free (runs->text);
    free (points->text);
    free (runs);
    free (points);
    free (d1);
    free (d2);
    free (d3);
}
END_TEST

/* --replications 1 is the sweep without it: the same sweep.csv, no mean columns, no sweep_points.csv. */
START_TEST (test_one_replication_is_unchanged)
{
    char *d1 = rt_temp_dir ("repl-one"), *d0 = rt_temp_dir ("repl-none");
    char *a1[] = {s_sim, "-q", "--no-plots", S_GRID, "--replications", "1", "-o", d1, NULL};
    int rc = rt_run (a1, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "exit %d: %s", rc, s_err);
    char *a0[] = {s_sim, "-q", "--no-plots", S_GRID, "-o", d0, NULL};
    rc = rt_run (a0, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "exit %d: %s", rc, s_err);
    ck_assert (rt_same_in_dirs (d1, d0, "sweep.csv") && rt_same_in_dirs (d1, d0, "sweep.ini"));
    ck_assert (!rt_exists_in (d1, "sweep_points.csv"));
    char path[2048];
    snprintf (path, sizeof path, "%s/sweep.csv", d1);
    char *text = rt_slurp (path, NULL);
    ck_assert (text && !strstr (text, "_mean,") && !strstr (text, "_ci95"));
    ck_assert (strstr (text, ",driver_net_income_yuan\n"));   /* the metrics end the line, as before */
    free (text);
    free (d1);
    free (d0);
}
END_TEST

/* A count that is not 1 .. 1000 is a usage error naming the option; without --sweep it is refused too. */
START_TEST (test_bad_replications_are_usage_errors)
{
    char *dir = rt_temp_dir ("repl-bad");
    const char *bad[] = {"0", "-2", "three", "", "1001", "2x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {s_sim, "-q", S_GRID, "--replications", (char *) bad[i], "-o", dir, NULL};
        int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
        ck_assert_msg (rc == 2 && strstr (s_err, "--replications: '") && strstr (s_err, "is not a count from 1 to 1000"),
                       "'%s': exit %d: %s", bad[i], rc, s_err);
    }
    char *alone[] = {s_sim, "-q", "--replications", "3", "-o", dir, NULL};
    int rc = rt_run (alone, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 2 && strstr (s_err, "go with --sweep"), "exit %d: %s", rc, s_err);
    char *help[] = {s_sim, "--help", NULL};
    rc = rt_run (help, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert (rc == 0 && strstr (s_out, "--replications R") && strstr (s_out, "the same as --replications N"));
    ck_assert (!rt_exists_in (dir, "sweep.csv"));
    free (dir);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("integration_sweep_replications");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_set_timeout (core, 600);
    tcase_add_test (core, test_replications_means_and_intervals);
    tcase_add_test (core, test_one_replication_is_unchanged);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_bad_replications_are_usage_errors);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
