/* check_batch_day: a small simulated day dispatched by the batch policy, as a user runs it (robotaxi-sim --set
 * dispatch.policy=batch): it completes, serves about as many riders as first come first served, riders wait at most
 * about half a window longer on average, and the day is the same in-process and through a robotaxi-dispatcher over
 * TCP. */
#include <check.h>

#include "rt_check.h"
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_proc.h"

#define SMALL    "--set", "demand.trips_per_day=6000", "--set", "human.drivers=300", "--set", "robotaxi.fleet_size=40"
#define WINDOW_S 30

static char *s_sim, *s_disp;
static pid_t s_disp_pid = -1;
static int s_disp_err = -1;

static void s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
    s_disp = rt_tool ("robotaxi-dispatcher");
}

/* Stops the dispatcher a test started, even when the test failed half-way. */
static void s_teardown (void)
{
    if (s_disp_pid > 0) {
        kill (s_disp_pid, SIGTERM);
        ck_assert_int_eq (rt_wait (s_disp_pid, 10000), 0); /* a clean stop on SIGTERM */
        close (s_disp_err);
        s_disp_pid = -1;
    }
    free (s_sim);
    free (s_disp);
}

/* Riders served and their mean wait over both fleets, from DIR/summary.json. */
static void s_served_and_wait (const char *dir, double *served, double *mean_wait_s)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    json_t *summary = json_load_file (path, 0, &jerr);
    ck_assert_msg (summary != NULL, "%s: %s", path, jerr.text);
    json_t *fleets = json_object_get (summary, "fleets");
    const char *name;
    json_t *fleet;
    double n = 0, wait_sum = 0;
    json_object_foreach (fleets, name, fleet)
    {
        double s = json_number_value (json_object_get (fleet, "served"));
        n += s;
        wait_sum += s * json_number_value (json_object_get (fleet, "mean_wait_s"));
    }
    json_decref (summary);
    *served = n;
    *mean_wait_s = n > 0 ? wait_sum / n : 0;
}

/* Plays the small day with `policy`, a window of window_s and k candidates, in-process or through the dispatcher at
 * `endpoint` (NULL: in-process), into a fresh folder (returned, malloc'd). */
static char *s_day (const char *policy, int window_s, int k, const char *endpoint)
{
    char *dir = rt_temp_dir (endpoint ? "tcp" : policy);
    char set[64], window[64], candidates[64];
    snprintf (set, sizeof set, "dispatch.policy=%s", policy);
    snprintf (window, sizeof window, "dispatch.batch_window_s=%d", window_s);
    snprintf (candidates, sizeof candidates, "dispatch.batch_candidates=%d", k);
    static char out[65536], err[65536];
    char *argv[] = {s_sim,
                    "--out",
                    dir,
                    "-q",
                    SMALL,
                    "--set",
                    set,
                    "--set",
                    window,
                    "--set",
                    candidates,
                    endpoint ? "-d" : NULL,
                    (char *)endpoint,
                    NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim --set %s%s%s exited %d: %s", set, endpoint ? " -d " : "",
                   endpoint ? endpoint : "", rc, err);
    return dir;
}

START_TEST (test_batch_day_serves_riders_within_half_a_window_of_nearest)
{
    char *near_dir = s_day ("nearest", WINDOW_S, 8, NULL), *batch_dir = s_day ("batch", WINDOW_S, 8, NULL);
    double near_served, near_wait, batch_served, batch_wait;
    s_served_and_wait (near_dir, &near_served, &near_wait);
    s_served_and_wait (batch_dir, &batch_served, &batch_wait);
    /* thousands of riders are served, nearly as many as first come first served: batch holds each rider up to one
     * window, so a few more reach their patience, but it never leaves a rider waiting beside a free vehicle it could
     * take. Far fewer (here: over 5% fewer) would mean riders left unserved. */
    ck_assert_double_gt (batch_served, 3000);
    ck_assert_msg (batch_served >= 0.95 * near_served, "batch served %.0f riders, nearest %.0f", batch_served,
                   near_served);
    /* A rider's wait is the wait for a vehicle to be assigned plus its drive. Batch adds the rest of the rider's
     * window to the first part: riders ask at any moment of their window, so that is half a window on average (at
     * most one), less the part of a step nearest also waits for its next tick; and it takes some off the second (a
     * lower total pickup time). So the mean wait may grow, by about half a window at most. Riders held one window
     * too long would add a whole window (tried: +29 s here). */
    ck_assert_msg (batch_wait <= near_wait + WINDOW_S / 2.0, "mean wait %.1f s under batch, %.1f s under nearest",
                   batch_wait, near_wait);
    free (near_dir);
    free (batch_dir);
}
END_TEST

START_TEST (test_batch_day_same_over_tcp)
{
    /* the batch policy's parameters travel in the Hello and its state lives in the dispatcher's session: the day
     * over TCP equals the in-process one */
    char *dargv[] = {s_disp, "--bind", "tcp://127.0.0.1:0", "--publish", "tcp://127.0.0.1:0", "--verbose", NULL};
    s_disp_pid = rt_spawn (dargv, NULL, &s_disp_err);
    ck_assert_int_gt (s_disp_pid, 0);
    char line[1024], bind[256], pub[256];
    ck_assert_msg (rt_wait_line (s_disp_err, "serving on", line, sizeof line, 20000) == 0,
                   "dispatcher did not start");
    ck_assert_int_eq (sscanf (line, "robotaxi-dispatcher: serving on %255[^,], publishing on %255s", bind, pub), 2);

    /* not the defaults, so a parameter lost on the way would show */
    char *tcp_dir = s_day ("batch", 60, 3, bind), *inproc_dir = s_day ("batch", 60, 3, NULL);
    const char *files[] = {"summary.json", "hourly.csv", "drivers.csv", "config.ini"};
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg (rt_same_in_dirs (tcp_dir, inproc_dir, files[i]), "%s differs between TCP and in-process",
                       files[i]);
    free (tcp_dir);
    free (inproc_dir);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("integration_batch_day");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 900);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_batch_day_serves_riders_within_half_a_window_of_nearest);
    tcase_add_test (core, test_batch_day_same_over_tcp);
    suite_add_tcase (s, core);
    return rt_check_run (s);
}
