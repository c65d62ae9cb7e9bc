/* check_bench_scale: `robotaxi-bench scale` (issue 17's benchmark) at a tiny size, as a user reads it: each run's
 * row with its map, riders, trips and peak RSS; the target run played in-process and over TCP with the same output
 * files; every target printed beside its figure (and not judged at a fraction); a growth axis with each row against
 * its first; a run or group it does not know refused as a usage error. Times are never asserted. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <string.h>

#include "rt_proc.h"

static char *s_bench, *s_dir;
static char s_out[65536], s_err[65536];
static char s_scenario[4096];

static void
s_setup (void)
{
    s_bench = rt_tool ("robotaxi-bench");
    s_dir = rt_temp_dir ("bench-scale");
    ck_assert_ptr_nonnull (s_dir);
    const char *src = getenv ("RT_SOURCE_DIR");
    snprintf (s_scenario, sizeof s_scenario, "%s/scenarios/wuhan-2024.ini", src ? src : ".");
}

static void
s_teardown (void)
{
    char *argv[] = {"/bin/rm", "-rf", s_dir, NULL};
    rt_run (argv, NULL, 0, NULL, 0, 60000);
    free (s_bench);
    free (s_dir);
}

/* The row of run `name` played `via`: its figures. 0 when there is none. */
static int
s_row (const char *name, const char *via, unsigned long *nodes, unsigned long *riders, unsigned long *trips,
       double *rss_mb)
{
    char head[64];
    snprintf (head, sizeof head, "\n  %-12s %-7s ", name, via);
    const char *p = strstr (s_out, head);
    if (!p)
        return 0;
    unsigned long drivers, robotaxis;
    double map_s, day_s, wall_s, cpu_s, tps;
    return sscanf (p + strlen (head), "%lu %lu %lu %lu %lf %lf %lf %lf %lu %lf %lf", nodes, riders, &drivers,
                   &robotaxis, &map_s, &day_s, &wall_s, &cpu_s, trips, &tps, rss_mb) == 11;
}

START_TEST (test_tiny_day_in_process_and_over_tcp)
{
    char keep[4200];
    snprintf (keep, sizeof keep, "%s/runs", s_dir);
    char *argv[] = {s_bench, "scale", "-s", s_scenario, "--only", "small,riders-80k,days-30", "--fraction", "0.01",
                    "--keep", keep, NULL};
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, 240000);
    ck_assert_msg (rc == 0, "exit %d; stdout:\n%s\nstderr:\n%s", rc, s_out, s_err);

    /* wuhan-2024 at 1%: 8,000 riders, 320 drivers, 4 robotaxis on the 2,946-node map */
    unsigned long nodes, riders, trips, tcp_trips;
    double rss, tcp_rss;
    ck_assert_msg (s_row ("small", "inproc", &nodes, &riders, &trips, &rss), "no in-process row:\n%s", s_out);
    ck_assert_uint_eq (nodes, 2946);
    ck_assert_uint_eq (riders, 8000);
    ck_assert_msg (trips > riders / 4 && trips <= riders, "%lu trips of %lu riders", trips, riders);
    ck_assert_msg (rss > 1 && rss < 1024, "peak RSS %.1f MB", rss);
    ck_assert_msg (s_row ("small", "tcp", &nodes, &riders, &tcp_trips, &tcp_rss), "no TCP row:\n%s", s_out);
    ck_assert_uint_eq (tcp_trips, trips);
    ck_assert_msg (strstr (s_out, "small                in-process and TCP: identical output files"), "%s", s_out);
    ck_assert_msg (strstr (s_out, "in-process and TCP outputs identical: met"), "%s", s_out);

    /* the files it compared are there, and the same */
    char in[4300], tcp[4300];
    snprintf (in, sizeof in, "%s/small-inproc", keep);
    snprintf (tcp, sizeof tcp, "%s/small-tcp", keep);
    ck_assert (rt_same_in_dirs (in, tcp, "summary.json"));
    ck_assert (rt_same_in_dirs (in, tcp, "hourly.csv"));

    /* the target beside its figure, not judged at a fraction; the growth run only in-process */
    ck_assert_msg (strstr (s_out, "whole day ") && strstr (s_out, "(target <= 10 s): not judged (--fraction)"), "%s",
                   s_out);
    unsigned long small_trips = trips;
    ck_assert_msg (s_row ("riders-80k", "inproc", &nodes, &riders, &trips, &rss), "%s", s_out);
    ck_assert_uint_eq (riders, 800);
    ck_assert_msg (trips > 0 && trips < small_trips, "%lu trips of 800 riders, %lu of 8000", trips, small_trips);
    unsigned long few_trips = trips;
    ck_assert_msg (!s_row ("riders-80k", "tcp", &nodes, &riders, &trips, &rss), "%s", s_out);
    /* the riders axis: 800 riders first, then 8,000 against it with the ratio of their trips */
    const char *axis = strstr (s_out, "riders a day");
    ck_assert_ptr_nonnull (axis);
    double x_trips;
    const char *ratio = strstr (axis, "   x");
    ck_assert_msg (ratio && sscanf (ratio, "   x%lf trips", &x_trips) == 1, "%s", axis);
    double want = (double) small_trips / (double) few_trips;
    ck_assert_msg (x_trips > want - 0.006 && x_trips < want + 0.006, "x%.2f trips printed, x%.4f measured", x_trips,
                   want);
    ck_assert_msg (strstr (axis, "riders-3.2M  not run"), "%s", axis);

    /* 30 days with a baseline: in-process only, every day's trips (the drivers' pool shrinks after day 1, so
     * somewhat fewer than 30 small days'), and its own target */
    ck_assert_msg (s_row ("days-30", "inproc", &nodes, &riders, &trips, &rss), "%s", s_out);
    ck_assert_msg (trips > 20 * small_trips && trips <= 30 * small_trips, "%lu trips in 30 days, %lu in one", trips,
                   small_trips);
    ck_assert_msg (!s_row ("days-30", "tcp", &nodes, &riders, &trips, &rss), "%s", s_out);
    ck_assert_msg (strstr (s_out, "30 days with a baseline (60 city-days), the map built once: ") &&
                       strstr (s_out, "(target <= 300 s): not judged (--fraction)"),
                   "%s", s_out);
}
END_TEST

START_TEST (test_unknown_run_is_a_usage_error)
{
    char *argv[] = {s_bench, "scale", "--only", "small,huge", NULL};
    ck_assert_int_eq (rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, 60000), 2);
    ck_assert_str_eq (s_err, "robotaxi-bench: scale: --only: 'huge' is not a run or a group\n"
                             "Try 'robotaxi-bench scale --help' for more information.\n");
    char *frac[] = {s_bench, "scale", "--fraction", "2", NULL};
    ck_assert_int_eq (rt_run (frac, s_out, sizeof s_out, s_err, sizeof s_err, 60000), 2);
    ck_assert_msg (strstr (s_err, "--fraction: '2' is not a number in (0, 1]"), "%s", s_err);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("integration_bench_scale");
    TCase *tc = tcase_create ("scale");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_set_timeout (tc, 300);
    tcase_add_test (tc, test_tiny_day_in_process_and_over_tcp);
    tcase_add_test (tc, test_unknown_run_is_a_usage_error);
    suite_add_tcase (s, tc);
    return rt_check_run (s);
}
