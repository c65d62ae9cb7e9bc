/* check_events: robotaxi-sim --events and robotaxi-eventdiff as a user runs them. The default day logs the same
 * events in process and through a robotaxi-dispatcher over TCP; a sweep logs each run the same on one thread or two;
 * the log agrees with summary.json and days.csv (and the day without robotaxis of --baseline logs nothing); nearest
 * and batch part at an assignment; the tool's usage, quiet mode and malformed files. */
#include <check.h>

#include "rt_check.h"
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disp_types.h"
#include "rt_proc.h"
#include "sim_evdiff.h"
#include "sim_events.h"

#define SMALL "--set", "demand.trips_per_day=6000", "--set", "human.drivers=300", "--set", "robotaxi.fleet_size=40"

static char *s_sim, *s_disp, *s_diff;
static pid_t s_disp_pid = -1;
static int s_disp_err = -1;
static char s_out[65536], s_err[65536];

static void s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
    s_disp = rt_tool ("robotaxi-dispatcher");
    s_diff = rt_tool ("robotaxi-eventdiff");
}

/* Stops the dispatcher a test started, even when the test failed half-way. */
static void s_teardown (void)
{
    if (s_disp_pid > 0) {
        kill (s_disp_pid, SIGTERM);
        ck_assert_int_eq (rt_wait (s_disp_pid, 10000), 0);
        close (s_disp_err);
        s_disp_pid = -1;
    }
    free (s_sim);
    free (s_disp);
    free (s_diff);
}

/* Runs argv to completion; its exit status (output in s_out, s_err). */
static int s_run (char *const argv[])
{
    return rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, 600000);
}

/* DIR/NAME, in a static buffer per slot (0 or 1). */
static const char *s_in (int slot, const char *dir, const char *name)
{
    static char buf[2][4096];
    snprintf (buf[slot], sizeof buf[slot], "%.3000s/%.1000s", dir, name);
    return buf[slot];
}

/* What a log holds, per day (1..3), kind and fleet. */
typedef struct {
    uint64_t n[4][SIM_EVENT_KIND_COUNT][DISP_FLEET_COUNT];
    uint64_t rows;
} s_counts_t;

/* Reads the whole log with the module's reader (so every row of it parses and its instants come in order). */
static void s_count (const char *path, s_counts_t *c)
{
    char err[1024];
    memset (c, 0, sizeof *c);
    sim_evdiff_reader_t *r = sim_evdiff_reader_open (path, NULL, err, sizeof err);
    ck_assert_msg (r != NULL, "%s", err);
    sim_event_t row;
    size_t line;
    int rc;
    while ((rc = sim_evdiff_reader_next (r, &row, &line, err, sizeof err)) == 1) {
        ck_assert_msg (row.day >= 1 && row.day <= 3 && row.fleet != SIM_EVENT_NONE, "%s:%zu", path, line);
        c->n[row.day][row.kind][row.fleet]++;
        c->rows++;
    }
    ck_assert_msg (rc == 0, "%s", err);
    sim_evdiff_reader_destroy (&r);
}

static uint64_t s_fleet_figure (json_t *summary, const char *fleet, const char *key)
{
    return (uint64_t)json_integer_value (
        json_object_get (json_object_get (json_object_get (summary, "fleets"), fleet), key));
}

/* The log of DIR agrees with DIR/summary.json (its last day): pickups and drop-offs per fleet are the fleet's
 * riders served, give-ups its unserved, requests all requests; every assignment became a pickup. */
static void s_assert_agrees_with_summary (const char *dir, const s_counts_t *c, uint32_t day)
{
    json_error_t jerr;
    json_t *summary = json_load_file (s_in (0, dir, "summary.json"), 0, &jerr);
    ck_assert_msg (summary != NULL, "%s", jerr.text);
    ck_assert_int_eq (json_integer_value (json_object_get (summary, "day")), day);
    uint64_t requests = 0, logged_requests = 0;
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        const char *name = disp_fleet_name ((disp_fleet_t)f);
        uint64_t served = s_fleet_figure (summary, name, "served");
        ck_assert_uint_eq (c->n[day][SIM_EVENT_PICKUP][f], served);
        ck_assert_uint_eq (c->n[day][SIM_EVENT_DROPOFF][f], served);
        ck_assert_uint_eq (c->n[day][SIM_EVENT_ASSIGN][f], served);
        ck_assert_uint_eq (c->n[day][SIM_EVENT_GIVEUP][f], s_fleet_figure (summary, name, "unserved"));
        requests += s_fleet_figure (summary, name, "requests");
        logged_requests += c->n[day][SIM_EVENT_REQUEST][f];
        ck_assert_uint_gt (served, 0);
    }
    /* a rider moved to the other fleet (dispatch.mixed_fleet) counts there; the log says whom they asked */
    ck_assert_uint_eq (logged_requests, requests);
    json_decref (summary);
}

START_TEST (test_default_day_logs_the_same_events_in_process_and_over_tcp)
{
    char *argv_d[] = {s_disp, "--bind", "tcp://127.0.0.1:0", "--publish", "none", NULL};
    s_disp_pid = rt_spawn (argv_d, NULL, &s_disp_err);
    ck_assert_int_gt (s_disp_pid, 0);
    char line[1024], bind[256];
    ck_assert_msg (rt_wait_line (s_disp_err, "serving on", line, sizeof line, 20000) == 0,
                   "dispatcher did not start");
    ck_assert_int_eq (sscanf (line, "robotaxi-dispatcher: serving on %255[^,]", bind), 1);

    char *in_dir = rt_temp_dir ("events-inproc"), *tcp_dir = rt_temp_dir ("events-tcp");
    char *in_argv[] = {s_sim, "--events", "--no-plots", "-q", "-o", in_dir, NULL};
    ck_assert_msg (s_run (in_argv) == 0, "robotaxi-sim in process: %s", s_err);
    ck_assert_msg (strstr (s_out, "drivers.csv, batteries.csv, charging.csv, charging_hourly.csv, chargers.csv, "
                           "events.csv, config.ini"), "%s", s_out);
    char *tcp_argv[] = {s_sim, "--events", "--no-plots", "-q", "-d", bind, "-o", tcp_dir, NULL};
    ck_assert_msg (s_run (tcp_argv) == 0, "robotaxi-sim over TCP: %s", s_err);
    ck_assert_msg (rt_same_in_dirs (in_dir, tcp_dir, "events.csv"), "events.csv differs between TCP and in-process");
    ck_assert_int_ne (access (s_in (0, in_dir, "events.csv.part"), F_OK), 0);

    s_counts_t c;
    s_count (s_in (0, in_dir, "events.csv"), &c);
    char *diff_argv[] = {s_diff, (char *)s_in (0, in_dir, "events.csv"), (char *)s_in (1, tcp_dir, "events.csv"),
                         NULL};
    ck_assert_msg (s_run (diff_argv) == 0, "%s%s", s_out, s_err);
    char expect[128];
    snprintf (expect, sizeof expect, "same events: %llu events in ", (unsigned long long)c.rows);
    ck_assert_msg (strncmp (s_out, expect, strlen (expect)) == 0, "%s", s_out);
    s_assert_agrees_with_summary (in_dir, &c, 1);
    /* the default day: a robotaxi's shift and the riders still underway at midnight are in it */
    ck_assert_uint_gt (c.n[1][SIM_EVENT_SHIFT_START][DISP_FLEET_ROBOTAXI], 0);
    char *text = rt_slurp (s_in (0, in_dir, "events.csv"), NULL);
    ck_assert_ptr_nonnull (strstr (text, "\n1,86400."));
    /* drawn demand: the trip column is there, empty on every row */
    ck_assert_msg (strncmp (text, SIM_EVENTS_HEADER "\n", strlen (SIM_EVENTS_HEADER) + 1) == 0, "%.80s", text);
    size_t row_line = 2;
    for (char *nl = strchr (strchr (text, '\n') + 1, '\n'); nl; nl = strchr (nl + 1, '\n'), row_line++)
        ck_assert_msg (nl[-1] == ',', "events.csv:%zu: a trip on a drawn rider's row", row_line);
    free (text);
    free (in_dir);
    free (tcp_dir);
}
END_TEST

START_TEST (test_log_agrees_with_summary_and_days_and_skips_the_baseline)
{
    /* two days beside their days without robotaxis, with repositions and riders moved between fleets */
    char *dir = rt_temp_dir ("events-days");
    char *argv[] = {s_sim,        "--events",
                    "--no-plots", "-q",
                    "--baseline", "--days",
                    "2",          "-o",
                    dir,          SMALL,
                    "--set",      "dispatch.rebalance=1",
                    "--set",      "dispatch.mixed_fleet=1",
                    "--set",      "dispatch.policy=cost",
                    NULL};
    ck_assert_msg (s_run (argv) == 0, "%s", s_err);
    s_counts_t c;
    s_count (s_in (0, dir, "events.csv"), &c);
    s_assert_agrees_with_summary (dir, &c, 2);
    /* days.csv: each day's trips and give-ups; a baseline day logged too would double them */
    FILE *f = fopen (s_in (0, dir, "days.csv"), "r");
    ck_assert_ptr_nonnull (f);
    char line[2048];
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f));
    const char *columns = "day,active_drivers,driver_hours,driver_net_hourly_yuan,driver_net_income_yuan,"
                          "robotaxi_trips,human_trips,robotaxi_share,unserved,";
    ck_assert_msg (strncmp (line, columns, strlen (columns)) == 0, "%s", line);
    for (uint32_t day = 1; day <= 2; day++) {
        unsigned d;
        unsigned long long robotaxi, human, unserved;
        ck_assert_ptr_nonnull (fgets (line, sizeof line, f));
        ck_assert_int_eq (
            sscanf (line, "%u,%*[^,],%*[^,],%*[^,],%*[^,],%llu,%llu,%*[^,],%llu", &d, &robotaxi, &human, &unserved),
            4);
        ck_assert_uint_eq (d, day);
        ck_assert_uint_eq (c.n[day][SIM_EVENT_PICKUP][DISP_FLEET_ROBOTAXI], robotaxi);
        ck_assert_uint_eq (c.n[day][SIM_EVENT_DROPOFF][DISP_FLEET_HUMAN], human);
        ck_assert_uint_eq (c.n[day][SIM_EVENT_GIVEUP][DISP_FLEET_ROBOTAXI] +
                               c.n[day][SIM_EVENT_GIVEUP][DISP_FLEET_HUMAN],
                           unserved);
        /* robotaxis were sent to rebalance, and every drive that ended arrived */
        ck_assert_uint_gt (c.n[day][SIM_EVENT_REPOSITION][DISP_FLEET_ROBOTAXI], 0);
        ck_assert_uint_le (c.n[day][SIM_EVENT_ARRIVE][DISP_FLEET_ROBOTAXI],
                           c.n[day][SIM_EVENT_REPOSITION][DISP_FLEET_ROBOTAXI]);
        ck_assert_uint_eq (c.n[day][SIM_EVENT_REPOSITION][DISP_FLEET_HUMAN], 0);
    }
    fclose (f);
    free (dir);
}
END_TEST

START_TEST (test_sweep_logs_each_run_the_same_on_one_thread_or_two)
{
    char *one = rt_temp_dir ("events-sweep1"), *two = rt_temp_dir ("events-sweep2");
    char *argv1[] = {
        s_sim, "--sweep", "dispatch.policy=nearest,batch", "--events", "--jobs", "1", "--no-plots", "-q", "-o", one,
        SMALL, NULL};
    ck_assert_msg (s_run (argv1) == 0, "%s", s_err);
    ck_assert_msg (strstr (s_out, "runs/NNNN/ (with events.csv)"), "%s", s_out);
    char *argv2[] = {
        s_sim, "--sweep", "dispatch.policy=nearest,batch", "--events", "--jobs", "2", "--no-plots", "-q", "-o", two,
        SMALL, NULL};
    ck_assert_msg (s_run (argv2) == 0, "%s", s_err);
    const char *runs[] = {"runs/0000", "runs/0001"};
    for (int i = 0; i < 2; i++) {
        char a[4096], b[4096];
        snprintf (a, sizeof a, "%s/%s", one, runs[i]);
        snprintf (b, sizeof b, "%s/%s", two, runs[i]);
        ck_assert_msg (rt_same_in_dirs (a, b, "events.csv"), "%s/events.csv differs between --jobs 1 and 2", runs[i]);
        s_counts_t c;
        s_count (s_in (0, a, "events.csv"), &c);
        s_assert_agrees_with_summary (a, &c, 1);
    }
    free (one);
    free (two);
}
END_TEST

START_TEST (test_nearest_and_batch_part_at_an_assignment)
{
    char *near = rt_temp_dir ("events-nearest"), *batch = rt_temp_dir ("events-batch");
    char *argv_n[] = {s_sim, "--events", "--no-plots", "-q", "-p", "nearest", "-o", near, SMALL, NULL};
    ck_assert_msg (s_run (argv_n) == 0, "%s", s_err);
    char *argv_b[] = {s_sim, "--events", "--no-plots", "-q", "-p", "batch", "-o", batch, SMALL, NULL};
    ck_assert_msg (s_run (argv_b) == 0, "%s", s_err);
    char a[4096], b[4096];
    snprintf (a, sizeof a, "%s/events.csv", near);
    snprintf (b, sizeof b, "%s/events.csv", batch);
    char *diff_argv[] = {s_diff, a, b, NULL};
    ck_assert_int_eq (s_run (diff_argv), 1);
    /* the same riders ask at the same times: the policies first differ in a decision */
    char head[4200];
    snprintf (head, sizeof head, "first difference at day 1 ");
    ck_assert_msg (strncmp (s_out, head, strlen (head)) == 0, "%s", s_out);
    char *first = strstr (s_out, ": assign request ");
    ck_assert_msg (first != NULL && first < strchr (s_out, '\n'), "%s", s_out);
    ck_assert_msg (strstr (s_out, " instants agree before it\n"), "%s", s_out);
    /* quiet: the status alone */
    char *quiet_argv[] = {s_diff, "-q", a, b, NULL};
    ck_assert_int_eq (s_run (quiet_argv), 1);
    ck_assert_str_eq (s_out, "");
    char *same_argv[] = {s_diff, "--quiet", a, a, NULL};
    ck_assert_int_eq (s_run (same_argv), 0);
    ck_assert_str_eq (s_out, "");
    free (near);
    free (batch);
}
END_TEST

/* ---- limits ---- */

START_TEST (test_eventdiff_usage_and_malformed_files)
{
    char *help[] = {s_diff, "--help", NULL};
    ck_assert_int_eq (s_run (help), 0);
    ck_assert_ptr_nonnull (strstr (s_out, "Usage: robotaxi-eventdiff [OPTION]... A.csv B.csv"));
    char *version[] = {s_diff, "--version", NULL};
    ck_assert_int_eq (s_run (version), 0);
    ck_assert_ptr_nonnull (strstr (s_out, "robotaxi-eventdiff "));
    char *one[] = {s_diff, "a.csv", NULL};
    ck_assert_int_eq (s_run (one), 2);
    ck_assert_str_eq (s_err, "robotaxi-eventdiff: A.csv B.csv: two events logs to compare, not 1\n"
                             "Try 'robotaxi-eventdiff --help' for more information.\n");
    char *bad_opt[] = {s_diff, "--frobnicate", "a.csv", "b.csv", NULL};
    ck_assert_int_eq (s_run (bad_opt), 2);

    char *dir = rt_temp_dir ("events-bad");
    ck_assert_int_eq (chdir (dir), 0); /* file names as a user types them */
    FILE *f = fopen ("a.csv", "w");
    fputs ("day,time_s,event,vehicle,fleet,request,node,lon,lat\n1,1.000,request,,human,0,5,114.3,30.6\n", f);
    fclose (f);
    f = fopen ("bad.csv", "w");
    fputs ("day,time_s,event,vehicle,fleet,request,node,lon,lat\n# note\n1,x,request,,human,0,5,114.3,30.6\n", f);
    fclose (f);
    char *bad[] = {s_diff, "a.csv", "bad.csv", NULL};
    ck_assert_int_eq (s_run (bad), 65); /* EX_DATAERR: a malformed input file */
    ck_assert_str_eq (s_err, "robotaxi-eventdiff: bad.csv:3: time_s: 'x' is not a number\n");
    ck_assert_str_eq (s_out, "");
    char *quiet_bad[] = {s_diff, "-q", "a.csv", "bad.csv", NULL};
    ck_assert_int_eq (s_run (quiet_bad), 65); /* quiet hides the verdict, not why there is none */
    ck_assert_ptr_nonnull (strstr (s_err, "bad.csv:3: time_s:"));
    char *missing[] = {s_diff, "a.csv", "nowhere.csv", NULL};
    ck_assert_int_eq (s_run (missing), 66); /* EX_NOINPUT: an input file that cannot be read */
    ck_assert_str_eq (s_err, "robotaxi-eventdiff: nowhere.csv: No such file or directory\n");
    char *same[] = {s_diff, "a.csv", "a.csv", NULL};
    ck_assert_int_eq (s_run (same), 0);
    ck_assert_str_eq (s_out, "same events: 1 event in 1 instant\n");
    free (dir);
}
END_TEST

START_TEST (test_run_without_events_removes_an_earlier_log)
{
    char *dir = rt_temp_dir ("events-stale");
    char *earlier[] = {s_sim, "--events", "--no-plots", "-q", "-o", dir, SMALL, "--set", "demand.trips_per_day=600",
                       NULL};
    ck_assert_msg (s_run (earlier) == 0, "%s", s_err);
    ck_assert_int_eq (access (s_in (0, dir, "events.csv"), F_OK), 0);
    char *argv[] = {s_sim, "--no-plots", "-q", "-o", dir, SMALL, "--set", "demand.trips_per_day=600", NULL};
    ck_assert_msg (s_run (argv) == 0, "%s", s_err);
    ck_assert_msg (access (s_in (0, dir, "events.csv"), F_OK) != 0,
                   "an earlier run's events.csv passes for this one's");
    ck_assert_msg (strstr (s_out, "chargers.csv, config.ini"), "%s", s_out);
    free (dir);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("integration_events");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 900);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_default_day_logs_the_same_events_in_process_and_over_tcp);
    tcase_add_test (core, test_log_agrees_with_summary_and_days_and_skips_the_baseline);
    tcase_add_test (core, test_sweep_logs_each_run_the_same_on_one_thread_or_two);
    tcase_add_test (core, test_nearest_and_batch_part_at_an_assignment);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_set_timeout (limits, 300);
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_eventdiff_usage_and_malformed_files);
    tcase_add_test (limits, test_run_without_events_removes_an_earlier_log);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
