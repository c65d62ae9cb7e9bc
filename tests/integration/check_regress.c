/* check_regress: robotaxi-regress, the policy regression gate, as a developer runs it. The committed suite passes its
 * committed baselines (the gate stays open); a test-only build whose "nearest" ignores the nearest vehicle fails it
 * on the figures a farther vehicle must worsen (the gate can close); the baselines change only with --bless; the
 * results are the same bytes with one or two threads and over ZeroMQ; bad usage is refused with exit 2, bad suite
 * files with exit 78 (EX_CONFIG), each with a message naming the file and line. */
#include <check.h>

#include "rt_check.h"
#include "rt_data.h"
#include "rt_proc.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_MONACO "osm/monaco.osm.pbf"
/* A sanitizer build plays a suite many times slower than a release build. */
#define S_RUN_TIMEOUT_MS 1500000

static const char *const s_scenarios[] = {"ev-weekday", "osm-monaco", "robotaxi-shortage", "rush-surge",
                                          "surplus-rebalance", "weekday"};
static const char *const s_policies[] = {"nearest", "batch", "cost", "charge-early"};
#define S_NSCENARIOS (sizeof s_scenarios / sizeof s_scenarios[0])
#define S_NPOLICIES (sizeof s_policies / sizeof s_policies[0])

static char *s_regress, *s_worse, *s_disp;
static char s_suite[4096], s_monaco_set[4200];
static pid_t s_disp_pid = -1;
static int s_disp_err = -1;
static char s_out[1 << 17], s_err[1 << 16];

static void
s_setup (void)
{
    s_regress = rt_tool ("robotaxi-regress");
    s_worse = rt_tool ("robotaxi-regress-worse");
    s_disp = rt_tool ("robotaxi-dispatcher");
    const char *src = getenv ("RT_SOURCE_DIR");
    snprintf (s_suite, sizeof s_suite, "%s/tests/policies", src ? src : ".");
}

static void
s_teardown (void)
{
    ck_assert_int_eq (rt_stop (&s_disp_pid, &s_disp_err, 10000), 0);   /* a clean stop on SIGTERM */
    free (s_regress);
    free (s_worse);
    free (s_disp);
}

/* "--set osm-monaco:map.file=PATH" with the shared extract, or NULL (the test returns) when it is missing outside
 * CI; under CI=true a missing extract fails the test. */
static const char *
s_monaco (void)
{
    char path[4096];
    if (!rt_data (S_MONACO, path, sizeof path))
        return NULL;
    snprintf (s_monaco_set, sizeof s_monaco_set, "osm-monaco:map.file=%s", path);
    return s_monaco_set;
}

static void
s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    ck_assert_msg (f != NULL, "cannot write %s", path);
    fputs (text, f);
    ck_assert_int_eq (fclose (f), 0);
}

static void
s_copy (const char *from, const char *to)
{
    size_t len;
    char *text = rt_slurp (from, &len);
    ck_assert_msg (text != NULL, "cannot read %s", from);
    s_write (to, text);
    free (text);
}

static void
s_remove (char *dir)
{
    if (!dir)
        return;
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    rt_run (argv, NULL, 0, NULL, 0, 60000);
    free (dir);
}

/* The status of one row of regress.csv (scenario, policy, metric), copied into status; fails the test when the row
 * is missing or there twice. Also returns the row's change field in change (may be NULL). */
static void
s_status (const char *csv, const char *scenario, const char *policy, const char *metric, char *status, size_t len,
          char *change, size_t change_len)
{
    char key[256];
    int found = 0;
    snprintf (key, sizeof key, "%s,%s,", scenario, policy);
    for (const char *line = csv; line && *line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL) {
        if (strncmp (line, key, strlen (key)) != 0)
            continue;
        /* scenario,policy,seed,metric,better,baseline,value,change,tolerance,status */
        char f[10][128];
        int n = sscanf (line, "%127[^,],%127[^,],%127[^,],%127[^,],%127[^,],%127[^,],%127[^,],%127[^,],%127[^,],%127[^\n]",
                        f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]);
        ck_assert_msg (n == 10, "regress.csv line with empty fields where none are expected: %.200s", line);
        if (strcmp (f[3], metric) != 0)
            continue;
        ck_assert_msg (!found, "regress.csv has %s / %s / %s twice", scenario, policy, metric);
        found = 1;
        snprintf (status, len, "%.*s", (int) len - 1, f[9]);
        if (change)
            snprintf (change, change_len, "%.*s", (int) change_len - 1, f[7]);
    }
    ck_assert_msg (found, "regress.csv has no row for %s / %s / %s", scenario, policy, metric);
}

/* The gated metrics of the committed suite (tolerances.csv's first column), count returned. */
static size_t
s_gated (char metrics[][64], size_t cap)
{
    char path[4200];
    snprintf (path, sizeof path, "%s/tolerances.csv", s_suite);
    char *text = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (text);
    size_t n = 0;
    const char *line = strchr (text, '\n');
    while (line && line[1] && n < cap) {
        line++;
        ck_assert_int_eq (sscanf (line, "%63[^,]", metrics[n]), 1);
        n++;
        line = strchr (line, '\n');
    }
    free (text);
    return n;
}

static int
s_count_lines (const char *text)
{
    int n = 0;
    for (const char *c = text; *c; c++)
        n += *c == '\n';
    return n;
}

START_TEST (test_committed_suite_passes_its_baselines)
{
    const char *monaco = s_monaco ();
    if (!monaco)
        return;
    char *out = rt_temp_dir ("regress-open");
    char *argv[] = {s_regress, "--suite", s_suite, "-o", out, "--jobs", "2", "--set", (char *) monaco, NULL};
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_RUN_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-regress on the committed suite exited %d:\n%s\n%s", rc, s_out, s_err);
    ck_assert_msg (!strstr (s_out, "WORSE ") && !strstr (s_out, "WORSE\n") && !strstr (s_out, "regressions:"),
                   "the committed suite has regressions:\n%s", s_out);
    ck_assert_msg (strstr (s_out, " 0 WORSE, 0 new") != NULL, "%s", s_out);
    /* the side-by-side table: the policies as columns, every scenario with its seed */
    ck_assert_msg (strstr (s_out, "nearest") && strstr (s_out, "batch") && strstr (s_out, "cost"), "%s", s_out);
    ck_assert_ptr_nonnull (strstr (s_out, "weekday (seed 42)"));
    char last[64];
    snprintf (last, sizeof last, "run %zu/%zu done: ", S_NSCENARIOS * S_NPOLICIES, S_NSCENARIOS * S_NPOLICIES);
    ck_assert_msg (strstr (s_err, last) != NULL, "no '%s' in:\n%s", last, s_err);

    char path[4200], metrics[32][64];
    size_t nm = s_gated (metrics, 32);
    ck_assert_uint_ge (nm, 10);
    snprintf (path, sizeof path, "%s/regress.csv", out);
    char *csv = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (csv);
    ck_assert_msg (strncmp (csv, "scenario,policy,seed,metric,better,baseline,value,change,tolerance,status\n", 74) == 0,
                   "regress.csv header: %.100s", csv);
    ck_assert_int_eq (s_count_lines (csv), 1 + (int) (S_NSCENARIOS * S_NPOLICIES * nm));
    for (size_t s = 0; s < S_NSCENARIOS; s++)
        for (size_t p = 0; p < S_NPOLICIES; p++) {
            for (size_t m = 0; m < nm; m++) {
                char status[32];
                s_status (csv, s_scenarios[s], s_policies[p], metrics[m], status, sizeof status, NULL, 0);
                ck_assert_msg (strcmp (status, "within") == 0 || strcmp (status, "better") == 0,
                               "%s / %s / %s is %s", s_scenarios[s], s_policies[p], metrics[m], status);
            }
            snprintf (path, sizeof path, "%s/runs/%s/%s/summary.json", out, s_scenarios[s], s_policies[p]);
            ck_assert_msg (access (path, R_OK) == 0, "no %s", path);
            snprintf (path, sizeof path, "%s/runs/%s/%s/config.ini", out, s_scenarios[s], s_policies[p]);
            char *ini = rt_slurp (path, NULL);
            ck_assert_msg (ini != NULL, "no %s", path);
            char want[64];
            snprintf (want, sizeof want, "policy = %s\n", s_policies[p]);
            ck_assert_msg (strstr (ini, want) != NULL, "%s does not say %s", path, want);
            free (ini);
        }
    free (csv);

    /* the chart: an SVG that names every scenario */
    snprintf (path, sizeof path, "%s/regress.svg", out);
    char *svg = rt_slurp (path, NULL);
    ck_assert_msg (svg != NULL, "no regress.svg (is gnuplot-nox installed?)");
    ck_assert_ptr_nonnull (strstr (svg, "<svg"));
    for (size_t s = 0; s < S_NSCENARIOS; s++)
        ck_assert_msg (strstr (svg, s_scenarios[s]) != NULL, "regress.svg does not name %s", s_scenarios[s]);
    free (svg);
    s_remove (out);
}
END_TEST

START_TEST (test_nearest_ignoring_the_nearest_vehicle_closes_the_gate)
{
    const char *monaco = s_monaco ();
    if (!monaco)
        return;
    /* it says what it is */
    char *help[] = {s_worse, "--help", NULL};
    ck_assert_int_eq (rt_run (help, s_out, sizeof s_out, s_err, sizeof s_err, 30000), 0);
    ck_assert_msg (strstr (s_out, "nearest") && strstr (s_out, "TEST ONLY"), "%s", s_out);

    char *out = rt_temp_dir ("regress-worse");
    char *argv[] = {s_worse, "--suite", s_suite, "-o", out, "--jobs", "2", "--set", (char *) monaco, NULL};
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_RUN_TIMEOUT_MS);
    ck_assert_msg (rc == 1, "the worsened nearest exited %d, not 1:\n%s\n%s", rc, s_out, s_err);
    ck_assert_ptr_nonnull (strstr (s_err, "TEST ONLY"));
    ck_assert_msg (strstr (s_out, "  WORSE") != NULL, "the table marks nothing WORSE:\n%s", s_out);
    ck_assert_msg (strstr (s_out, "weekday / nearest: robotaxi_empty_km_share ") != NULL, "%s", s_out);
    ck_assert_msg (strstr (s_out, "weekday / nearest: robotaxi_mean_wait_s ") != NULL, "%s", s_out);

    char path[4200], metrics[32][64], status[32], change[64];
    size_t nm = s_gated (metrics, 32);
    snprintf (path, sizeof path, "%s/regress.csv", out);
    char *csv = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (csv);
    for (size_t s = 0; s < S_NSCENARIOS; s++) {
        /* A farther vehicle drives farther empty to the rider, and the rider waits longer. Human riders are served
         * by thousands of drivers, so there is always a farther one. With 10 robotaxis (robotaxi-shortage) a second
         * idle one is rarely in reach, so there only the human riders' wait must show it. */
        s_status (csv, s_scenarios[s], "nearest", "human_mean_wait_s", status, sizeof status, NULL, 0);
        ck_assert_msg (strcmp (status, "worse") == 0, "%s / nearest: human_mean_wait_s is %s", s_scenarios[s], status);
        if (strcmp (s_scenarios[s], "robotaxi-shortage") == 0)
            continue;
        s_status (csv, s_scenarios[s], "nearest", "robotaxi_empty_km_share", status, sizeof status, NULL, 0);
        ck_assert_msg (strcmp (status, "worse") == 0, "%s / nearest: robotaxi_empty_km_share is %s", s_scenarios[s],
                       status);
        s_status (csv, s_scenarios[s], "nearest", "robotaxi_mean_wait_s", status, sizeof status, NULL, 0);
        ck_assert_msg (strcmp (status, "worse") == 0, "%s / nearest: robotaxi_mean_wait_s is %s", s_scenarios[s],
                       status);
    }
    /* the built-in batch and cost are untouched: the same figures as their baselines */
    for (size_t s = 0; s < S_NSCENARIOS; s++)
        for (size_t p = 1; p < S_NPOLICIES; p++)
            for (size_t m = 0; m < nm; m++) {
                s_status (csv, s_scenarios[s], s_policies[p], metrics[m], status, sizeof status, change, sizeof change);
                ck_assert_msg (strcmp (status, "within") == 0, "%s / %s / %s is %s", s_scenarios[s], s_policies[p],
                               metrics[m], status);
            }
    free (csv);
    s_remove (out);
}
END_TEST

START_TEST (test_baselines_change_only_with_bless)
{
    char *suite = rt_temp_dir ("regress-suite"), *out = rt_temp_dir ("regress-bless");
    char from[4200], to[4200];
    const char *files[] = {"weekday.ini", "tolerances.csv", "baselines.csv"};
    for (size_t i = 0; i < 3; i++) {
        snprintf (from, sizeof from, "%s/%s", s_suite, files[i]);
        snprintf (to, sizeof to, "%s/%s", suite, files[i]);
        s_copy (from, to);
    }
    /* weekday / nearest's served share made unreachable: 2 riders served for each who asked */
    char base[4200], committed[4200];
    snprintf (base, sizeof base, "%s/baselines.csv", suite);
    snprintf (committed, sizeof committed, "%s/baselines.csv", s_suite);
    char *text = rt_slurp (base, NULL);
    ck_assert_ptr_nonnull (text);
    char *row = strstr (text, "\nweekday,nearest,served_share,");
    ck_assert_ptr_nonnull (row);
    char *value = row + strlen ("\nweekday,nearest,served_share,"), *eol = strchr (value, '\n');
    FILE *f = fopen (base, "w");
    ck_assert_ptr_nonnull (f);
    fprintf (f, "%.*s2%s", (int) (value - text), text, eol);
    ck_assert_int_eq (fclose (f), 0);
    free (text);
    char *edited = rt_slurp (base, NULL);

    char *argv[] = {s_regress, "--suite", suite, "-o", out, "--scenario", "weekday", "--policy", "nearest", "-q",
                    "--no-plots", NULL, NULL};
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_RUN_TIMEOUT_MS);
    ck_assert_msg (rc == 1, "an unreachable baseline: exit %d, not 1:\n%s\n%s", rc, s_out, s_err);
    ck_assert_msg (strstr (s_out, "weekday / nearest: served_share ") != NULL, "%s", s_out);
    ck_assert_msg (strstr (s_out, " against 2.00 (") != NULL, "%s", s_out);
    char *after = rt_slurp (base, NULL);
    ck_assert_msg (strcmp (after, edited) == 0, "a run without --bless changed baselines.csv");
    free (after);

    argv[11] = "--bless";
    rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_RUN_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "--bless exited %d:\n%s\n%s", rc, s_out, s_err);
    ck_assert_msg (strstr (s_out, ": 1 value changed, 0 added, 0 dropped") != NULL, "%s", s_out);
    /* the one value is back to the committed one, every other row (the other scenarios' too) kept as it was */
    ck_assert_msg (rt_same_file (base, committed), "blessed baselines.csv differs from the committed one");
    snprintf (to, sizeof to, "%s/baselines.csv.part", suite);
    ck_assert_msg (access (to, F_OK) != 0, "the temporary file was left behind");

    argv[11] = NULL;
    rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_RUN_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "after --bless the run exited %d:\n%s\n%s", rc, s_out, s_err);
    free (edited);
    s_remove (suite);
    s_remove (out);
}
END_TEST

/* Starts robotaxi-dispatcher on an ephemeral loopback port and reads the endpoint it reports into bind. */
static void
s_start_dispatcher (char *bind, size_t len)
{
    char *argv[] = {s_disp, "--bind", "tcp://127.0.0.1:0", "--publish", "tcp://127.0.0.1:0", "--state",
                    "tcp://127.0.0.1:0", NULL};
    s_disp_pid = rt_spawn (argv, NULL, &s_disp_err);
    ck_assert_int_gt (s_disp_pid, 0);
    char line[1024], endpoint[256];
    ck_assert_msg (rt_wait_line (s_disp_err, "serving on", line, sizeof line, 20000) == 0, "dispatcher did not start");
    ck_assert_int_eq (sscanf (line, "robotaxi-dispatcher: serving on %255[^,]", endpoint), 1);
    snprintf (bind, len, "%s", endpoint);
}

/* Two policies on the weekday, each run with its day without robotaxis: with one thread, with two (the runs share the
 * map at once), and with two over TCP to a robotaxi-dispatcher: the same regress.csv and the same runs. */
START_TEST (test_same_results_at_any_thread_count_and_over_zeromq)
{
    char bind[256];
    s_start_dispatcher (bind, sizeof bind);
    char *dirs[3] = {rt_temp_dir ("regress-j1"), rt_temp_dir ("regress-j2"), rt_temp_dir ("regress-tcp")};
    const char *jobs[3] = {"1", "2", "2"}, *where[3] = {"inproc", "inproc", bind};
    for (int k = 0; k < 3; k++) {
        char *argv[] = {s_regress, "--suite", s_suite, "-o", dirs[k], "--scenario", "weekday", "--policy", "nearest",
                        "--policy", "batch", "--no-plots", "--events", "--jobs", (char *) jobs[k], "-d",
                        (char *) where[k], NULL};
        int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_RUN_TIMEOUT_MS);
        ck_assert_msg (rc == 0, "--jobs %s -d %s exited %d:\n%s\n%s", jobs[k], where[k], rc, s_out, s_err);
        ck_assert_msg (strstr (s_out, "2 runs in") != NULL, "%s", s_out);
    }
    for (int k = 1; k < 3; k++) {
        ck_assert_msg (rt_same_in_dirs (dirs[0], dirs[k], "regress.csv"), "regress.csv differs: %s against %s",
                       dirs[0], dirs[k]);
        const char *runs[] = {"runs/weekday/nearest", "runs/weekday/batch"};
        for (size_t r = 0; r < 2; r++) {
            char a[4200], b[4200];
            snprintf (a, sizeof a, "%s/%s", dirs[0], runs[r]);
            snprintf (b, sizeof b, "%s/%s", dirs[k], runs[r]);
            const char *files[] = {"summary.json", "days.csv", "hourly.csv", "config.ini", "events.csv"};
            for (size_t f = 0; f < 5; f++)
                ck_assert_msg (rt_same_in_dirs (a, b, files[f]), "%s/%s differs from %s's", b, files[f], a);
        }
    }
    for (int k = 0; k < 3; k++)
        s_remove (dirs[k]);
}
END_TEST

/* When the gate closes, the runs' events logs show the first decision the changed policy made differently. */
START_TEST (test_events_show_where_the_worse_nearest_parts_from_nearest)
{
    char *dirs[2] = {rt_temp_dir ("regress-ev-real"), rt_temp_dir ("regress-ev-worse")};
    char *tools[2] = {s_regress, s_worse};
    int want_rc[2] = {0, 1};
    for (int k = 0; k < 2; k++) {
        char *argv[] = {tools[k], "--suite", s_suite, "-o", dirs[k], "--scenario", "weekday", "--policy", "nearest",
                        "--no-plots", "--events", "-q", NULL};
        int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_RUN_TIMEOUT_MS);
        ck_assert_msg (rc == want_rc[k], "%s exited %d:\n%s\n%s", tools[k], rc, s_out, s_err);
    }
    ck_assert_ptr_nonnull (strstr (s_out, "weekday / nearest: "));
    char a[4200], b[4200];
    snprintf (a, sizeof a, "%s/runs/weekday/nearest/events.csv", dirs[0]);
    snprintf (b, sizeof b, "%s/runs/weekday/nearest/events.csv", dirs[1]);
    char *diff = rt_tool ("robotaxi-eventdiff");
    char *argv[] = {diff, a, b, NULL};
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, 120000);
    ck_assert_msg (rc == 1, "robotaxi-eventdiff exited %d:\n%s\n%s", rc, s_out, s_err);
    /* the logs agree up to the first assignment where another vehicle was nearer: the report names it, with both
     * vehicles */
    ck_assert_msg (strncmp (s_out, "first difference at day 1 ", 26) == 0, "%s", s_out);
    const char *line_end = strchr (s_out, '\n');
    const char *first = strstr (s_out, ": assign request ");
    ck_assert_msg (first != NULL && first < line_end, "%s", s_out);
    ck_assert_msg (strstr (first + 1, ": assign request ") != NULL && strstr (first + 1, ": assign request ") < line_end,
                   "only one side's assignment is named: %s", s_out);
    ck_assert_msg (strstr (s_out, " instants agree before it\n"), "%s", s_out);
    free (diff);
    for (int k = 0; k < 2; k++)
        s_remove (dirs[k]);
}
END_TEST

/* Runs argv expecting exit status and a message holding want on stderr. */
static void
s_refused (char *const argv[], int status, const char *want)
{
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, 60000);
    ck_assert_msg (rc == status, "%s %s: exit %d, not %d:\n%s", argv[1], argv[2] ? argv[2] : "", rc, status, s_err);
    ck_assert_msg (strstr (s_err, want) != NULL, "expected '%s' in:\n%s", want, s_err);
}

/* One scenario played with one policy: its chart is drawn (gnuplot died on it, signal 11, and the run still exited 0
 * and listed regress.svg) and listed. A chart gnuplot fails on is an error after the verdict: exit 1 with gnuplot's
 * message, and regress.svg is not among the results. */
START_TEST (test_one_scenario_one_policy_charted_and_a_failed_chart_fails)
{
    char *out = rt_temp_dir ("regress-one");
    char *argv[] = {s_regress, "--suite", s_suite, "--scenario", "weekday", "--policy", "nearest", "-o", out, "-q",
                    NULL};
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_RUN_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-regress --scenario weekday --policy nearest exited %d:\n%s\n%s", rc, s_out,
                   s_err);
    ck_assert_msg (strstr (s_out, "results in ") && strstr (s_out, "/: regress.csv, regress.svg, report.html, "),
                   "%s", s_out);
    ck_assert_msg (strstr (s_err, "gnuplot") == NULL, "%s", s_err);
    char svg_path[4200], csv_path[4200];
    snprintf (svg_path, sizeof svg_path, "%s/regress.svg", out);
    snprintf (csv_path, sizeof csv_path, "%s/regress.csv", out);
    char *svg = rt_slurp (svg_path, NULL);
    ck_assert_msg (svg != NULL, "no regress.svg (is gnuplot-nox installed?)");
    ck_assert_msg (strstr (svg, "</svg>") && strstr (svg, "weekday") && strstr (svg, "nearest"),
                   "regress.svg is not a whole chart of weekday and nearest");
    free (svg);

    const char *had = getenv ("ROBOTAXI_GNUPLOT");
    char *saved = had ? strdup (had) : NULL;
    setenv ("ROBOTAXI_GNUPLOT", "/bin/false", 1);   /* a gnuplot that fails on every script */
    rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_RUN_TIMEOUT_MS);
    if (saved)
        setenv ("ROBOTAXI_GNUPLOT", saved, 1);
    else
        unsetenv ("ROBOTAXI_GNUPLOT");
    free (saved);
    ck_assert_msg (rc == 1, "a chart gnuplot failed on exited %d:\n%s\n%s", rc, s_out, s_err);
    ck_assert_msg (strstr (s_err, "robotaxi-regress: gnuplot: regress.gp: exit status 1") != NULL, "%s", s_err);
    ck_assert_msg (strstr (s_out, " 0 WORSE, 0 new") != NULL, "the verdict is still printed:\n%s", s_out);
    ck_assert_msg (strstr (s_out, "regress.svg") == NULL, "a chart not drawn is listed:\n%s", s_out);
    ck_assert_msg (access (svg_path, F_OK) != 0, "the first run's regress.svg passes for this one's");
    ck_assert_msg (access (csv_path, R_OK) == 0, "no regress.csv");
    s_remove (out);
}
END_TEST

START_TEST (test_bad_usage_exits_2_and_bad_suite_files_78_naming_file_and_line)
{
    char *out = rt_temp_dir ("regress-usage");
    char *unknown_policy[] = {s_regress, "--policy", "fastest", "--suite", s_suite, "-o", out, NULL};
    s_refused (unknown_policy, 2, "--policy fastest: not a policy (known: nearest, batch, cost, charge-early)");
    char *unknown_scenario[] = {s_regress, "--scenario", "sunday", "--suite", s_suite, "-o", out, NULL};
    s_refused (unknown_scenario, 2, "--scenario sunday: no scenario of that name in");
    char *bad_set[] = {s_regress, "--set", "sunday:robotaxi.fleet_size=5", "--suite", s_suite, "-o", out, NULL};
    s_refused (bad_set, 78, "no scenario 'sunday'");
    char *bad_jobs[] = {s_regress, "--jobs", "0", "--suite", s_suite, NULL};
    s_refused (bad_jobs, 2, "--jobs: '0' is not a count from 1 to 256");
    char *own_remote[] = {s_worse, "--dispatcher", "tcp://127.0.0.1:1", "--suite", s_suite, NULL};
    s_refused (own_remote, 2, "own policies (nearest) run in process only");

    /* a suite of one scenario with broken CSV files */
    char *suite = rt_temp_dir ("regress-bad"), path[4200], from[4200];
    snprintf (from, sizeof from, "%s/weekday.ini", s_suite);
    snprintf (path, sizeof path, "%s/weekday.ini", suite);
    s_copy (from, path);
    char tolerances[4200], baselines[4200];
    snprintf (tolerances, sizeof tolerances, "%s/tolerances.csv", suite);
    snprintf (baselines, sizeof baselines, "%s/baselines.csv", suite);
    char *argv[] = {s_regress, "--suite", suite, "-o", out, NULL};
    s_write (tolerances, "metric,better,relative,absolute\nserved_share,higher,0,0.01\nserved_sahre,higher,0,0.01\n");
    char want[4400];
    snprintf (want, sizeof want, "%s:3: metric: 'served_sahre' is not a headline metric (robotaxi_trips, ", tolerances);
    s_refused (argv, 78, want);
    s_write (tolerances, "metric,better,relative,absolute\nserved_share,more,0,0.01\n");
    snprintf (want, sizeof want, "%s:2: better: 'more' is neither lower nor higher", tolerances);
    s_refused (argv, 78, want);
    s_write (tolerances, "metric,better,relative,absolute\nserved_share,higher,-1,0.01\n");
    snprintf (want, sizeof want, "%s:2: relative: '-1' is not a number >= 0", tolerances);
    s_refused (argv, 78, want);

    s_write (tolerances, "metric,better,relative,absolute\nserved_share,higher,0,0.01\n");
    s_write (baselines, "scenario,policy,metric,value\nweekday,nearest,served_share,0.98\nweekday,batch,served_share,"
                        "lots\n");
    snprintf (want, sizeof want, "%s:3: value: 'lots' is not a number", baselines);
    s_refused (argv, 78, want);
    s_write (baselines, "scenario,policy,metric,value\nweekday,nearest,served_share,0.98\n\nweekday,batch\n");
    snprintf (want, sizeof want, "%s:4: expected 4 fields, got 2", baselines);
    s_refused (argv, 78, want);
    s_write (baselines, "scenario,policy,metric,value\nweekday,nearest,served_share,0.98\nweekday,nearest,"
                        "served_share,0.97\n");
    snprintf (want, sizeof want, "%s:3: metric: served_share of weekday / nearest is given twice (first on line 2)",
              baselines);
    s_refused (argv, 78, want);
    /* nothing was played, so nothing was written */
    snprintf (path, sizeof path, "%s/regress.csv", out);
    ck_assert_msg (access (path, F_OK) != 0, "a refused suite left %s", path);

    char *help[] = {s_regress, "--help", NULL};
    ck_assert_int_eq (rt_run (help, s_out, sizeof s_out, s_err, sizeof s_err, 30000), 0);
    ck_assert_msg (strstr (s_out, "Usage: robotaxi-regress") && !strstr (s_out, "TEST ONLY"), "%s", s_out);
    char *version[] = {s_regress, "--version", NULL};
    ck_assert_int_eq (rt_run (version, s_out, sizeof s_out, s_err, sizeof s_err, 30000), 0);
    ck_assert_ptr_nonnull (strstr (s_out, "robotaxi-regress "));
    s_remove (suite);
    s_remove (out);
}
END_TEST

static Suite *
s_suite_new (void)
{
    Suite *s = suite_create ("integration_regress");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 1800);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_committed_suite_passes_its_baselines);
    tcase_add_test (core, test_nearest_ignoring_the_nearest_vehicle_closes_the_gate);
    tcase_add_test (core, test_baselines_change_only_with_bless);
    tcase_add_test (core, test_same_results_at_any_thread_count_and_over_zeromq);
    tcase_add_test (core, test_events_show_where_the_worse_nearest_parts_from_nearest);
    tcase_add_test (core, test_one_scenario_one_policy_charted_and_a_failed_chart_fails);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_set_timeout (limits, 300);
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_bad_usage_exits_2_and_bad_suite_files_78_naming_file_and_line);
    suite_add_tcase (s, limits);
    return s;
}

int
main (void)
{
    return rt_check_run (s_suite_new ());
}
