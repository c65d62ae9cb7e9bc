/* check_tcp: robotaxi-dispatcher, robotaxi-sim and robotaxi-watch as separate processes over TCP loopback. The
 * dispatched day equals the in-process one byte for byte; the metrics stream reaches a subscriber whole, numbered
 * per topic; a late subscriber starts from the dispatcher's state; robotaxi-watch reports gaps and publisher
 * restarts; bad frames get error replies while the dispatcher keeps serving; a missing dispatcher is reported, not
 * waited for. */
#include <check.h>

#include "rt_check.h"
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "disp_codec.h"
#include "robotaxi.pb-c.h"
#include "rt_proc.h"

#define SMALL "--set", "demand.trips_per_day=6000", "--set", "human.drivers=300", "--set", "robotaxi.fleet_size=40"

static char *s_sim, *s_disp, *s_watch;
static pid_t s_disp_pid = -1;
static int s_disp_err = -1;
static char s_bind[256], s_pub[256], s_state[256];

static void
s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
    s_disp = rt_tool ("robotaxi-dispatcher");
    s_watch = rt_tool ("robotaxi-watch");
}

static void
s_teardown (void)
{
    ck_assert_int_eq (rt_stop (&s_disp_pid, &s_disp_err, 10000), 0);   /* a clean stop on SIGTERM */
    free (s_sim);
    free (s_disp);
    free (s_watch);
}

/* Starts the dispatcher at bind (ephemeral loopback ports when NULL), with up to four more arguments (NULL-ended),
 * and reads the endpoints it reports. */
static void
s_start_dispatcher_with (const char *bind, char *const *extra)
{
    char *argv[14] = {s_disp,    "--bind",           (char *) (bind ? bind : "tcp://127.0.0.1:0"),
                      "--publish", "tcp://127.0.0.1:0", "--state", "tcp://127.0.0.1:0", "--verbose"};
    for (size_t i = 0; extra && extra[i] && i < 4; i++)
        argv[8 + i] = extra[i];
    s_disp_pid = rt_spawn (argv, NULL, &s_disp_err);
    ck_assert_int_gt (s_disp_pid, 0);
    char line[1024];
    ck_assert_msg (rt_wait_line (s_disp_err, "serving on", line, sizeof line, 20000) == 0, "dispatcher did not start");
    ck_assert_int_eq (sscanf (line, "robotaxi-dispatcher: serving on %255[^,], publishing on %255[^,], state on %255s",
                              s_bind, s_pub, s_state),
                      3);
    ck_assert_msg (strncmp (s_state, "tcp://127.0.0.1:", 16) == 0 && strcmp (s_state, s_pub) != 0, "%s", line);
}

/* The streamed snapshot has the figures of DIR/summary.json. Only the numbering differs: the stream's `seq` is the
 * publisher's per topic (and it names publisher and session), summary.json's `seq` is the simulator's count (and
 * its `days` the run's number of days, which a snapshot does not carry); and summary.json's `charging` figures
 * (charging.mode battery) are not streamed (README "Electric fleets"). */
static void
s_assert_same_as_summary (json_t *streamed, const char *dir)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    json_t *summary = json_load_file (path, 0, &jerr);
    ck_assert_ptr_nonnull (summary);
    json_t *figures = json_deep_copy (streamed);
    ck_assert_ptr_null (json_object_get (figures, "charging"));
    const char *stamps[] = {"seq", "publisher", "session", "days", "charging"};
    for (size_t i = 0; i < 5; i++) {
        json_object_del (figures, stamps[i]);
        json_object_del (summary, stamps[i]);
    }
    ck_assert_msg (json_equal (summary, figures), "the streamed final snapshot differs from summary.json");
    json_decref (figures);
    json_decref (summary);
}

static void
s_start_dispatcher_at (const char *bind)
{
    s_start_dispatcher_with (bind, NULL);
}

static void
s_start_dispatcher (void)
{
    s_start_dispatcher_at (NULL);
}

START_TEST (test_tcp_equals_inproc_and_stream_reaches_subscriber)
{
    s_start_dispatcher ();
    char *tcp_dir = rt_temp_dir ("tcp"), *inproc_dir = rt_temp_dir ("inproc");
    char line[1024];

    /* a subscriber first; the dispatcher says when its subscription arrived, so no snapshot can be missed */
    int watch_out;
    char *wargv[] = {s_watch, "--json", "--once", "--timeout", "120", s_pub, NULL};
    pid_t watch = rt_spawn (wargv, &watch_out, NULL);
    ck_assert_msg (rt_wait_line (s_disp_err, "subscriber joined", line, sizeof line, 20000) == 0,
                   "the subscription never reached the dispatcher");

    static char out[65536], err[65536];
    char *tcp_argv[] = {s_sim, "-d", s_bind, "--out", tcp_dir, "--baseline", "-q", SMALL, NULL};
    int rc = rt_run (tcp_argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim over TCP exited %d: %s", rc, err);
    ck_assert_ptr_nonnull (strstr (out, "displacement: the day against the same day without robotaxis"));
    char *in_argv[] = {s_sim, "--out", inproc_dir, "--baseline", "-q", SMALL, NULL};
    rc = rt_run (in_argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim in-process exited %d: %s", rc, err);

    const char *files[] = {"summary.json", "hourly.csv", "fares.csv", "drivers.csv", "config.ini"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg (rt_same_in_dirs (tcp_dir, inproc_dir, files[i]), "%s differs between TCP and in-process", files[i]);

    /* the subscriber saw every snapshot of the day, numbered per topic by one publisher, ending with the summary */
    FILE *ws = fdopen (watch_out, "r");
    char *buf = NULL, publisher[256] = "";
    size_t cap = 0;
    long expect_seq[2] = {1, 1}; /* metrics.periodic, metrics.final */
    json_t *last = NULL;
    while (getline (&buf, &cap, ws) > 0) {
        json_error_t jerr;
        json_t *j = json_loads (buf, 0, &jerr);
        ck_assert_msg (j != NULL, "watch printed a line that is not JSON: %s", buf);
        int final = strcmp (json_string_value (json_object_get (j, "kind")), "final") == 0;
        ck_assert_int_eq (json_integer_value (json_object_get (j, "seq")), expect_seq[final]);
        expect_seq[final]++;
        const char *pub = json_string_value (json_object_get (j, "publisher"));
        ck_assert_ptr_nonnull (pub);
        if (!publisher[0]) snprintf (publisher, sizeof publisher, "%s", pub);
        ck_assert_str_eq (pub, publisher);
        /* the session is the simulator's Hello.session: scenario name and seed */
        ck_assert_str_eq (json_string_value (json_object_get (j, "session")), "wuhan seed 42");
        if (last)
            json_decref (last);
        last = j;
    }
    free (buf);
    fclose (ws);
    ck_assert_int_eq (rt_wait (watch, 10000), 0);
    /* 96 quarter-hour snapshots (00:15 .. 24:00) and the final one */
    ck_assert_int_eq (expect_seq[0] - 1, 96);
    ck_assert_int_eq (expect_seq[1] - 1, 1);
    ck_assert_str_eq (json_string_value (json_object_get (last, "kind")), "final");
    s_assert_same_as_summary (last, tcp_dir);
    json_decref (last);
    free (tcp_dir);
    free (inproc_dir);
}
END_TEST


/* The dispatcher is killed (SIGKILL: no goodbye) in the middle of a simulated day and a new one started at the same
 * endpoint. The simulator waits, opens a new session, resends its waiting riders and vehicles, and finishes a day
 * identical to the in-process one: no rider lost, none assigned twice (the simulator refuses a double assignment). */
START_TEST (test_sim_survives_a_killed_dispatcher)
{
    s_start_dispatcher ();
    char *tcp_dir = rt_temp_dir ("killed"), *inproc_dir = rt_temp_dir ("alive");
    static char out[65536], err[65536];
    char *in_argv[] = {s_sim, "--out", inproc_dir, "-q", "--no-plots", NULL};
    int rc = rt_run (in_argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim in-process exited %d: %s", rc, err);

    int sim_err;
    char *tcp_argv[] = {s_sim, "-d", s_bind, "--out", tcp_dir, "--no-plots", "--reconnect", "120", NULL};
    pid_t sim = rt_spawn (tcp_argv, NULL, &sim_err);
    char line[1024];
    ck_assert_msg (rt_wait_line (sim_err, " 09:00 ", line, sizeof line, 120000) == 0, "no progress from the sim");
    kill (s_disp_pid, SIGKILL);
    ck_assert_int_eq (rt_wait (s_disp_pid, 10000), 128 + SIGKILL);
    close (s_disp_err);
    char bind[256];
    snprintf (bind, sizeof bind, "%s", s_bind);
    s_start_dispatcher_at (bind);
    ck_assert_msg (rt_wait_line (sim_err, "new session after", line, sizeof line, 120000) == 0,
                   "the simulator did not reconnect");
    ck_assert_msg (rt_wait_line (s_disp_err, "resumed at step", line, sizeof line, 20000) == 0,
                   "the new dispatcher did not receive the simulator's state");
    ck_assert_int_eq (rt_wait (sim, 300000), 0);
    close (sim_err);

    const char *files[] = {"summary.json", "hourly.csv", "waits.csv", "drivers.csv", "costs.csv", "config.ini"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_msg (rt_same_in_dirs (tcp_dir, inproc_dir, files[i]), "%s differs after the dispatcher was killed",
                       files[i]);
    free (tcp_dir);
    free (inproc_dir);
}
END_TEST


/* Reads robotaxi-watch --json lines from fd to the end; returns the last snapshot (caller decrefs). */
static json_t *
s_last_snapshot (int fd)
{
    FILE *ws = fdopen (fd, "r");
    char *buf = NULL;
    size_t cap = 0;
    json_t *last = NULL;
    while (getline (&buf, &cap, ws) > 0) {
        json_error_t jerr;
        json_t *j = json_loads (buf, 0, &jerr);
        ck_assert_msg (j != NULL, "watch printed a line that is not JSON: %s", buf);
        if (last)
            json_decref (last);
        last = j;
    }
    free (buf);
    fclose (ws);
    return last;
}

START_TEST (test_tcp_equals_inproc_with_rebalancing_and_mixed_fleet)
{
    /* Repositions and any_fleet requests go over the wire, and the metrics stream carries the repositioning. */
    s_start_dispatcher ();
    char *tcp_dir = rt_temp_dir ("tcp-rebalance"), *inproc_dir = rt_temp_dir ("inproc-rebalance");
    char line[1024];
    int watch_out;
    char *wargv[] = {s_watch, "--json", "--once", "--timeout", "120", s_pub, NULL};
    pid_t watch = rt_spawn (wargv, &watch_out, NULL);
    ck_assert_msg (rt_wait_line (s_disp_err, "subscriber joined", line, sizeof line, 20000) == 0,
                   "the subscription never reached the dispatcher");
    static char out[65536], err[65536];
#define S_OPTIONS "--set", "dispatch.rebalance=1", "--set", "dispatch.mixed_fleet=1", "--set", "dispatch.policy=cost"
    char *tcp_argv[] = {s_sim, "-d", s_bind, "--out", tcp_dir, "-q", "--no-plots", SMALL, S_OPTIONS, NULL};
    int rc = rt_run (tcp_argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim over TCP exited %d: %s", rc, err);
    char *in_argv[] = {s_sim, "--out", inproc_dir, "-q", "--no-plots", SMALL, S_OPTIONS, NULL};
#undef S_OPTIONS
    rc = rt_run (in_argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim in-process exited %d: %s", rc, err);
    const char *files[] = {"summary.json", "hourly.csv", "drivers.csv", "costs.csv", "config.ini"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_msg (rt_same_in_dirs (tcp_dir, inproc_dir, files[i]), "%s differs between TCP and in-process",
                       files[i]);

    /* the day did reposition robotaxis and move riders to them, so the comparison covered both */
    char path[4096];
    snprintf (path, sizeof path, "%s/summary.json", tcp_dir);
    json_error_t jerr;
    json_t *summary = json_load_file (path, 0, &jerr);
    ck_assert_ptr_nonnull (summary);
    json_t *robotaxi = json_object_get (json_object_get (summary, "fleets"), "robotaxi");
    ck_assert_double_gt (json_number_value (json_object_get (robotaxi, "reposition_km")), 0);
    ck_assert_int_gt (json_integer_value (json_object_get (robotaxi, "requests")),
                      json_integer_value (json_object_get (json_object_get (summary, "choice"), "chose_robotaxi")));
    json_t *last = s_last_snapshot (watch_out);
    ck_assert_int_eq (rt_wait (watch, 10000), 0);
    ck_assert_ptr_nonnull (last);
    s_assert_same_as_summary (last, tcp_dir);
    json_decref (last);
    json_decref (summary);
    free (tcp_dir);
    free (inproc_dir);
}
END_TEST


/* Writes text to DIR/NAME; returns the malloc'd path. */
static char *
s_write_file (const char *dir, const char *name, const char *text)
{
    char *path = malloc (strlen (dir) + strlen (name) + 2);
    sprintf (path, "%s/%s", dir, name);
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs (text, f);
    ck_assert_int_eq (fclose (f), 0);
    return path;
}

/* robotaxi-client replays requests and telemetry against a live dispatcher and prints what was assigned. */
START_TEST (test_client_replays_requests_and_telemetry)
{
    s_start_dispatcher ();
    char *dir = rt_temp_dir ("client");
    char *csv = s_write_file (dir, "replay.csv",
                              "time_s,kind,id,fleet,lon,lat,dest_lon,dest_lat,status,patience_s\n"
                              "# two robotaxis: one next to the riders, one 6 km away\n"
                              "0,vehicle,0,robotaxi,114.3010,30.5810,,,idle,\n"
                              "0,vehicle,1,robotaxi,114.3500,30.6200,,,idle,\n"
                              "0.1,request,11,robotaxi,114.3000,30.5800,114.3300,30.6000,,900\n"
                              "0.2,request,12,robotaxi,114.3000,30.5800,,,,\n"
                              "0.3,request,13,human,114.3000,30.5800,,,,\n"
                              "0.4,request,14,human,114.3000,30.5800,,,,\n"
                              "0.5,cancel,14,,,,,,,\n"
                              "0.8,vehicle,2,human,114.3050,30.5850,,,idle,\n");
    static char out[65536], err[65536];
    char *client = rt_tool ("robotaxi-client");
    char *argv[] = {client, "-d", s_bind, "--speed", "2", "--linger", "1", csv, NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, 60000);
    ck_assert_msg (rc == 0, "robotaxi-client exited %d: %s", rc, err);
    /* the near robotaxi takes the first rider, the far one the second; the human rider waits for the human car */
    ck_assert_msg (strstr (out, "at_s,request,vehicle,pickup_eta_s,assigned_after_ms\n"), "%s", out);
    ck_assert_msg (strstr (out, ",11,0,"), "request 11 should get vehicle 0:\n%s", out);
    ck_assert_msg (strstr (out, ",12,1,"), "request 12 should get vehicle 1:\n%s", out);
    ck_assert_msg (strstr (out, ",13,2,"), "request 13 should get vehicle 2:\n%s", out);
    ck_assert_msg (!strstr (out, ",14,"), "request 14 was cancelled:\n%s", out);
    ck_assert_msg (strstr (err, "4 requests sent, 3 assigned, 1 cancelled"), "%s", err);
    /* vehicle 1 is farther, so its pickup takes longer than vehicle 0's */
    double eta0 = -1, eta1 = -1;
    for (char *line = strtok (out, "\n"); line; line = strtok (NULL, "\n")) {
        double at, eta;
        unsigned long long req;
        unsigned veh;
        if (sscanf (line, "%lf,%llu,%u,%lf", &at, &req, &veh, &eta) == 4) {
            if (veh == 0) eta0 = eta;
            if (veh == 1) eta1 = eta;
        }
    }
    ck_assert_double_ge (eta0, 0);
    ck_assert_double_gt (eta1, eta0 + 60);

    /* a bad row is reported with its line, before anything is sent */
    char *bad = s_write_file (dir, "bad.csv",
                              "time_s,kind,id,fleet,lon,lat,dest_lon,dest_lat,status,patience_s\n"
                              "0,vehicle,0,robotaxi,114.3010,30.5810,,,idle,\n"
                              "0.1,request,11,car,114.3000,30.5800,,,,\n");
    char *bargv[] = {client, "-d", s_bind, bad, NULL};
    rc = rt_run (bargv, out, sizeof out, err, sizeof err, 60000);
    ck_assert_int_eq (rc, 65); /* EX_DATAERR: a malformed input file */
    ck_assert_msg (strstr (err, "bad.csv:3: fleet: 'car' is not robotaxi, human or any"), "%s", err);
    /* two requests with one id: an assignment could not say which rider it serves */
    char *twice = s_write_file (dir, "twice.csv",
                                "time_s,kind,id,fleet,lon,lat,dest_lon,dest_lat,status,patience_s\n"
                                "0.1,request,11,robotaxi,114.3000,30.5800,,,,\n"
                                "0.2,request,12,robotaxi,114.3000,30.5800,,,,\n"
                                "0.3,request,11,human,114.3000,30.5800,,,,\n");
    char *targv[] = {client, "-d", s_bind, twice, NULL};
    rc = rt_run (targv, out, sizeof out, err, sizeof err, 60000);
    ck_assert_int_eq (rc, 65);
    ck_assert_msg (strstr (err, "twice.csv:4: id: request 11 was already asked on line 2"), "%s", err);
    free (twice);

    /* the demo file shipped with the project replays whole */
    char demo[4096];
    snprintf (demo, sizeof demo, "%s/scenarios/live-demo.csv", getenv ("RT_SOURCE_DIR"));
    char *dargv[] = {client, "-d", s_bind, "--speed", "20", demo, NULL};
    rc = rt_run (dargv, out, sizeof out, err, sizeof err, 120000);
    ck_assert_msg (rc == 0, "demo replay exited %d: %s", rc, err);
    unsigned sent, assigned;
    const char *summary = strstr (err, "updates: ");
    ck_assert_msg (summary && sscanf (summary, "updates: %u requests sent, %u assigned", &sent, &assigned) == 2,
                   "%s", err);
    ck_assert_uint_eq (sent, 150);
    ck_assert_uint_gt (assigned, 100);
    free (csv);
    free (bad);
    free (client);
    free (dir);
}
END_TEST


/* CURVE: a dispatcher with a key pair admits a simulator whose public key is in its clients' folder, and no one
 * else (another key, or no encryption at all); refused clients do not stop it serving. */
START_TEST (test_curve_admits_only_listed_keys)
{
    char *dir = rt_temp_dir ("curve");
    char server[4096], clients[4096], sim_key[4096], stranger[4096], sim_public[4200];
    snprintf (server, sizeof server, "%s/server", dir);
    snprintf (clients, sizeof clients, "%s/clients", dir);
    snprintf (sim_key, sizeof sim_key, "%s/sim", dir);
    snprintf (stranger, sizeof stranger, "%s/stranger", dir);
    ck_assert_int_eq (mkdir (clients, 0700), 0);
    char *keygen = rt_tool ("robotaxi-keygen");
    static char out[65536], err[65536];
    char *kargv[] = {keygen, server, sim_key, stranger, NULL};
    ck_assert_int_eq (rt_run (kargv, out, sizeof out, err, sizeof err, 20000), 0);
    /* only the simulator's public key goes to the dispatcher */
    snprintf (sim_public, sizeof sim_public, "%s/sim", clients);
    ck_assert_int_eq (rename (sim_key, sim_public), 0);
    char sim_secret[4200];
    snprintf (sim_secret, sizeof sim_secret, "%s_secret", sim_key);

    char *extra[] = {"--curve-secret", server, "--curve-clients", clients, NULL};
    s_start_dispatcher_with (NULL, extra);
    char *out_dir = rt_temp_dir ("curve-run");
    char *ok_argv[] = {s_sim, "-d", s_bind, "--out", out_dir, "-q", "--no-plots", "--curve-secret", sim_secret,
                       "--curve-server", server, SMALL, NULL};
    int rc = rt_run (ok_argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "the listed key was refused (%d): %s", rc, err);
    ck_assert_ptr_nonnull (strstr (out, "robotaxi"));

    /* The metrics stream and its state are as closed as the client endpoint: a listed key gets the day's final
     * snapshot, stamped with the key of the client that sent it; anyone else gets nothing. */
    char *keyed_watch[] = {s_watch, "--state", s_state, "--json", "--once", "--timeout", "20", "--curve-secret",
                           sim_secret, "--curve-server", server, s_pub, NULL};
    rc = rt_run (keyed_watch, out, sizeof out, err, sizeof err, 60000);
    ck_assert_msg (rc == 0, "a listed subscriber got no state (%d): %s", rc, err);
    char *sim_pub_file = rt_slurp (sim_public, NULL), sim_key_txt[41] = "";
    ck_assert_ptr_nonnull (sim_pub_file);
    const char *at = strstr (sim_pub_file, "public-key = \"");
    ck_assert_msg (at && sscanf (at, "public-key = \"%40[^\"]", sim_key_txt) == 1, "%s", sim_pub_file);
    char stamp[80];
    snprintf (stamp, sizeof stamp, "\"client\":\"%s\"", sim_key_txt);
    ck_assert_msg (strstr (out, stamp), "the snapshot does not name the sending client's key %s: %.400s", sim_key_txt,
                   out);
    free (sim_pub_file);
    char *plain_watch[] = {s_watch, "--state", s_state, "--json", "--once", "--timeout", "3", s_pub, NULL};
    rc = rt_run (plain_watch, out, sizeof out, err, sizeof err, 60000);
    ck_assert_msg (rc == 1 && !strstr (out, "\"kind\""), "a subscriber without keys got metrics (%d): %s", rc, out);
    char *stranger_watch[] = {s_watch, "--state", s_state, "--json", "--once", "--timeout", "3", "--curve-secret",
                              stranger, "--curve-server", server, s_pub, NULL};
    rc = rt_run (stranger_watch, out, sizeof out, err, sizeof err, 60000);
    ck_assert_msg (rc == 1 && !strstr (out, "\"kind\""), "an unlisted key got metrics (%d): %s", rc, out);

    char *bad_argv[] = {s_sim, "-d", s_bind, "--out", out_dir, "-q", "--no-plots", "--timeout", "2",
                        "--curve-secret", stranger, "--curve-server", server, SMALL, NULL};
    rc = rt_run (bad_argv, out, sizeof out, err, sizeof err, 60000);
    ck_assert_int_eq (rc, 1);
    ck_assert_msg (strstr (err, "no answer") && strstr (err, "--curve-clients"), "%s", err);
    char *plain_argv[] = {s_sim, "-d", s_bind, "--out", out_dir, "-q", "--no-plots", "--timeout", "2", SMALL, NULL};
    rc = rt_run (plain_argv, out, sizeof out, err, sizeof err, 60000);
    ck_assert_int_eq (rc, 1);
    /* a public key file is not a key pair */
    char *pub_argv[] = {s_sim, "-d", s_bind, "--out", out_dir, "--curve-secret", server, "--curve-server", server, NULL};
    char server_public_only[4200];
    snprintf (server_public_only, sizeof server_public_only, "%s", sim_public);
    pub_argv[6] = server_public_only;
    rc = rt_run (pub_argv, out, sizeof out, err, sizeof err, 60000);
    ck_assert_int_eq (rc, 65); /* EX_DATAERR: read, but not a key pair */
    ck_assert_msg (strstr (err, "holds no secret key"), "%s", err);
    /* still serving the listed key */
    rc = rt_run (ok_argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "after the refusals (%d): %s", rc, err);
    free (keygen);
    free (out_dir);
    free (dir);
}
END_TEST

/* After a day served by the dispatcher, a late robotaxi-watch --state gets the latest periodic and the final
 * snapshot from the state endpoint, and stops at once with --once. */
START_TEST (test_late_watch_starts_from_the_dispatchers_state)
{
    s_start_dispatcher ();
    char *dir = rt_temp_dir ("late");
    static char out[65536], err[65536];
    char *sim_argv[] = {s_sim, "-d", s_bind, "--out", dir, "-q", "--no-plots", SMALL, NULL};
    int rc = rt_run (sim_argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim exited %d: %s", rc, err);

    char *wargv[] = {s_watch, "--state", s_state, "--json", "--once", "--timeout", "60", s_pub, NULL};
    rc = rt_run (wargv, out, sizeof out, err, sizeof err, 60000);
    ck_assert_msg (rc == 0, "robotaxi-watch exited %d: %s", rc, err);
    ck_assert_msg (strstr (err, "1 snapshot(s) on metrics.periodic up to seq 96"), "%s", err);
    ck_assert_msg (strstr (err, "1 snapshot(s) on metrics.final up to seq 1"), "%s", err);
    ck_assert_msg (strstr (err, "summary: received 0, from state 2, skipped 0, gaps 0, missing 0"), "%s", err);
    /* two lines: the day's last periodic snapshot (24:00), then the final one */
    char *second = strchr (out, '\n');
    ck_assert_ptr_nonnull (second);
    *second++ = '\0';
    json_error_t jerr;
    json_t *periodic = json_loads (out, 0, &jerr), *final = json_loads (second, 0, &jerr);
    ck_assert_ptr_nonnull (periodic);
    ck_assert_ptr_nonnull (final);
    ck_assert_str_eq (json_string_value (json_object_get (periodic, "kind")), "periodic");
    ck_assert_int_eq (json_integer_value (json_object_get (periodic, "seq")), 96);
    ck_assert (json_real_value (json_object_get (periodic, "sim_time_s")) == 86400.0);
    s_assert_same_as_summary (final, dir);
    json_decref (periodic);
    json_decref (final);
    free (dir);
}
END_TEST

/* ---- a publisher in the test, which numbers as it is told ---- */

/* Binds an XPUB on an ephemeral loopback port; its endpoint goes into endpoint[256]. */
static void *
s_raw_publisher (void *ctx, char *endpoint)
{
    void *xpub = zmq_socket (ctx, ZMQ_XPUB);
    int linger = 0;
    zmq_setsockopt (xpub, ZMQ_LINGER, &linger, sizeof linger);
    ck_assert_int_eq (zmq_bind (xpub, "tcp://127.0.0.1:*"), 0);
    size_t size = 256;
    ck_assert_int_eq (zmq_getsockopt (xpub, ZMQ_LAST_ENDPOINT, endpoint, &size), 0);
    return xpub;
}

/* Waits for a subscription to reach the XPUB (so nothing sent after it is lost). */
static void
s_raw_wait_subscriber (void *xpub)
{
    zmq_pollitem_t item = {.socket = xpub, .events = ZMQ_POLLIN};
    ck_assert_int_eq (zmq_poll (&item, 1, 20000), 1);
    uint8_t notice[64];
    ck_assert_int_ge (zmq_recv (xpub, notice, sizeof notice, 0), 1);
    ck_assert_int_eq (notice[0], 1);
}

static void
s_raw_send (void *xpub, int final, uint64_t seq, const char *publisher)
{
    Robotaxi__V1__MetricsSnapshot s = ROBOTAXI__V1__METRICS_SNAPSHOT__INIT;
    s.kind = final ? ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_FINAL
                   : ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_PERIODIC;
    s.seq = seq;
    s.publisher = (char *) publisher;
    s.session = "check";
    s.scenario = "check";
    s.sim_time_ms = (int64_t) seq * 900000;
    uint8_t buf[512];
    size_t len = robotaxi__v1__metrics_snapshot__pack (&s, buf);
    const char *topic = final ? "metrics.final" : "metrics.periodic";
    ck_assert_int_ge (zmq_send (xpub, topic, strlen (topic), ZMQ_SNDMORE), 0);
    ck_assert_int_ge (zmq_send (xpub, buf, len, 0), 0);
}

START_TEST (test_watch_reports_a_gap_and_fails_on_it)
{
    void *ctx = zmq_ctx_new ();
    char endpoint[256];
    void *xpub = s_raw_publisher (ctx, endpoint);
    int err_fd;
    char *wargv[] = {s_watch, "--fail-on-gap", "--once", "--timeout", "60", endpoint, NULL};
    pid_t watch = rt_spawn (wargv, NULL, &err_fd);
    s_raw_wait_subscriber (xpub);
    /* number 3 never sent */
    s_raw_send (xpub, 0, 1, "check-pub");
    s_raw_send (xpub, 0, 2, "check-pub");
    s_raw_send (xpub, 0, 4, "check-pub");
    s_raw_send (xpub, 1, 1, "check-pub");
    char line[1024];
    ck_assert_int_eq (rt_wait_line (err_fd, "gap on", line, sizeof line, 60000), 0);
    ck_assert_str_eq (line, "robotaxi-watch: gap on metrics.periodic: 1 message(s) missing (seq 3..3)");
    ck_assert_int_eq (rt_wait_line (err_fd, "summary:", line, sizeof line, 60000), 0);
    ck_assert_str_eq (line, "robotaxi-watch: summary: received 4, from state 0, skipped 0, gaps 1, missing 1");
    ck_assert_int_eq (rt_wait (watch, 20000), 1);
    close (err_fd);
    zmq_close (xpub);
    zmq_ctx_term (ctx);
}
END_TEST

START_TEST (test_watch_takes_a_new_publisher_without_a_gap)
{
    void *ctx = zmq_ctx_new ();
    char endpoint[256];
    void *xpub = s_raw_publisher (ctx, endpoint);
    int err_fd;
    char *wargv[] = {s_watch, "--fail-on-gap", "--once", "--timeout", "60", endpoint, NULL};
    pid_t watch = rt_spawn (wargv, NULL, &err_fd);
    s_raw_wait_subscriber (xpub);
    /* a publisher restarts: its numbers start over under a new id */
    s_raw_send (xpub, 0, 41, "host-1-100.0");
    s_raw_send (xpub, 0, 42, "host-1-100.0");
    s_raw_send (xpub, 0, 1, "host-2-200.0");
    s_raw_send (xpub, 0, 2, "host-2-200.0");
    s_raw_send (xpub, 1, 1, "host-2-200.0");
    char line[1024];
    ck_assert_int_eq (rt_wait_line (err_fd, "changed", line, sizeof line, 60000), 0);
    ck_assert_str_eq (line,
                      "robotaxi-watch: publisher on metrics.periodic changed: host-1-100.0 -> host-2-200.0; counting "
                      "from seq 1");
    ck_assert_int_eq (rt_wait_line (err_fd, "summary:", line, sizeof line, 60000), 0);
    ck_assert_str_eq (line, "robotaxi-watch: summary: received 5, from state 0, skipped 0, gaps 0, missing 0");
    ck_assert_int_eq (rt_wait (watch, 20000), 0);
    close (err_fd);
    zmq_close (xpub);
    zmq_ctx_term (ctx);
}
END_TEST

/* Sends one raw frame from a DEALER and returns the decoded reply kind (or -1 on no reply). */
static int
s_raw_exchange (void *dealer, const void *data, size_t len, disp_msg_t *reply)
{
    ck_assert_int_ge (zmq_send (dealer, data, len, 0), 0);
    zmq_pollitem_t item = {.socket = dealer, .events = ZMQ_POLLIN};
    if (zmq_poll (&item, 1, 10000) <= 0)
        return -1;
    zmq_msg_t m;
    zmq_msg_init (&m);
    ck_assert_int_ge (zmq_msg_recv (&m, dealer, 0), 0);
    char err[256];
    int rc = disp_codec_decode (zmq_msg_data (&m), zmq_msg_size (&m), reply, err, sizeof err);
    zmq_msg_close (&m);
    ck_assert_msg (rc == 0, "reply does not decode: %s", err);
    return (int) reply->kind;
}

START_TEST (test_malformed_frames_get_errors_and_service_goes_on)
{
    s_start_dispatcher ();
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (dealer, ZMQ_LINGER, &linger, sizeof linger);
    ck_assert_int_eq (zmq_connect (dealer, s_bind), 0);
    disp_msg_t reply;

    const char garbage[] = "\xff\xff\xff\xff this is not protobuf";
    ck_assert_int_eq (s_raw_exchange (dealer, garbage, sizeof garbage, &reply), DISP_MSG_ERROR);
    ck_assert_int_eq (reply.error.code, DISP_ERR_MALFORMED);
    disp_msg_clear (&reply);

    /* a well-formed tick before any hello gets "no session", the cue to send Hello */
    disp_tick_t tick = {.step = 1, .now_ms = 0};
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_tick (&tick, &frame, &len), 0);
    ck_assert_int_eq (s_raw_exchange (dealer, frame, len, &reply), DISP_MSG_ERROR);
    ck_assert_int_eq (reply.error.code, DISP_ERR_NO_SESSION);
    disp_msg_clear (&reply);
    free (frame);
    zmq_close (dealer);
    zmq_ctx_term (ctx);

    /* the same dispatcher still runs a whole day for a simulator */
    char *dir = rt_temp_dir ("after-garbage");
    static char out[65536], err[65536];
    char *argv[] = {s_sim, "-d", s_bind, "--out", dir, "-q", SMALL, NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim exited %d: %s", rc, err);
    free (dir);
}
END_TEST

START_TEST (test_unreachable_dispatcher_is_reported)
{
    /* a port nobody listens on: take an ephemeral one and close it */
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_REP);
    ck_assert_int_eq (zmq_bind (s, "tcp://127.0.0.1:*"), 0);
    char endpoint[256];
    size_t size = sizeof endpoint;
    zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &size);
    zmq_close (s);
    zmq_ctx_term (ctx);

    char *dir = rt_temp_dir ("unreachable");
    static char out[8192], err[8192];
    char *argv[] = {s_sim, "-d", endpoint, "--timeout", "1", "--out", dir, "-q", NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, 60000);
    ck_assert_int_eq (rc, 1);
    ck_assert_msg (strstr (err, endpoint) && strstr (err, "no answer from a dispatcher"), "%s", err);
    char *bad_argv[] = {s_sim, "-d", "nonsense://x", "--timeout", "1", "--out", dir, "-q", NULL};
    rc = rt_run (bad_argv, out, sizeof out, err, sizeof err, 60000);
    ck_assert_int_eq (rc, 1);
    ck_assert_msg (strstr (err, "nonsense://x"), "%s", err);
    free (dir);
}
END_TEST

START_TEST (test_inproc_publisher_waits_for_subscriber)
{
    char *dir = rt_temp_dir ("inproc-pub");
    char endpoint[512];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/metrics.sock", dir);
    char *argv[] = {s_sim, "--publish", endpoint, "--wait-subscribers", "1", "--timeout", "60", "--out", dir, "-q",
                    SMALL, NULL};
    pid_t sim = rt_spawn (argv, NULL, NULL);
    int watch_out;
    char *wargv[] = {s_watch, "--once", "--timeout", "120", endpoint, NULL};
    pid_t watch = rt_spawn (wargv, &watch_out, NULL);
    char line[1024];
    /* table mode: a header, then rows; the last one is the final snapshot */
    ck_assert_int_eq (rt_wait_line (watch_out, "robotaxi:", line, sizeof line, 120000), 0);
    ck_assert_int_eq (rt_wait_line (watch_out, " final ", line, sizeof line, 300000), 0);
    ck_assert_int_eq (rt_wait (sim, 300000), 0);
    ck_assert_int_eq (rt_wait (watch, 10000), 0);
    close (watch_out);
    free (dir);
}
END_TEST

START_TEST (test_usage_errors)
{
    static char out[65536], err[8192];
    char *help[] = {s_sim, "--help", NULL};
    ck_assert_int_eq (rt_run (help, out, sizeof out, err, sizeof err, 10000), 0);
    ck_assert_ptr_nonnull (strstr (out, "Usage: robotaxi-sim"));
    char *cfg_help[] = {s_sim, "--help-config", NULL};
    ck_assert_int_eq (rt_run (cfg_help, out, sizeof out, err, sizeof err, 10000), 0);
    ck_assert_ptr_nonnull (strstr (out, "`robotaxi.fleet_size`"));
    char *unknown[] = {s_sim, "--set", "robotaxi.fleetsize=3", NULL};
    ck_assert_int_eq (rt_run (unknown, out, sizeof out, err, sizeof err, 10000), 78); /* EX_CONFIG */
    ck_assert_msg (strstr (err, "robotaxi.fleetsize: unknown key (did you mean robotaxi.fleet_size?)"), "%s", err);
    char *range[] = {s_sim, "--set", "human.commission=2", NULL};
    ck_assert_int_eq (rt_run (range, out, sizeof out, err, sizeof err, 10000), 78);
    ck_assert_msg (strstr (err, "human.commission: 2 is out of range (0 .. 1)"), "%s", err);
    char *missing[] = {s_sim, "--scenario", "/nonexistent.ini", NULL};
    ck_assert_int_eq (rt_run (missing, out, sizeof out, err, sizeof err, 10000), 66); /* EX_NOINPUT */
    ck_assert_msg (strstr (err, "/nonexistent.ini"), "%s", err);
    char *watch_help[] = {s_watch, "--help", NULL};
    ck_assert_int_eq (rt_run (watch_help, out, sizeof out, err, sizeof err, 10000), 0);
    ck_assert_ptr_nonnull (strstr (out, "Usage: robotaxi-watch"));
    ck_assert_ptr_nonnull (strstr (out, "--state ENDPOINT"));
    ck_assert_ptr_nonnull (strstr (out, "--fail-on-gap"));
    char *watch_none[] = {s_watch, NULL};
    ck_assert_int_eq (rt_run (watch_none, out, sizeof out, err, sizeof err, 10000), 2);
    char *watch_quiet[] = {s_watch, "--timeout", "0.5", "tcp://127.0.0.1:1", NULL};
    ck_assert_int_eq (rt_run (watch_quiet, out, sizeof out, err, sizeof err, 10000), 1);
    ck_assert_msg (strstr (err, "nothing received"), "%s", err);
    char *watch_hwm[] = {s_watch, "--hwm", "0", "tcp://127.0.0.1:1", NULL};
    ck_assert_int_eq (rt_run (watch_hwm, out, sizeof out, err, sizeof err, 10000), 2);
    ck_assert_msg (strstr (err, "--hwm: '0' is not a count"), "%s", err);
    /* a state endpoint nobody answers on is reported, not waited for forever */
    char *watch_state[] = {s_watch, "--state", "tcp://127.0.0.1:1", "--timeout", "0.5", "tcp://127.0.0.1:1", NULL};
    ck_assert_int_eq (rt_run (watch_state, out, sizeof out, err, sizeof err, 10000), 1);
    ck_assert_msg (strstr (err, "tcp://127.0.0.1:1: no state reply within 0.5 s"), "%s", err);
    char *disp_state[] = {s_disp, "--publish", "none", "--state", "tcp://127.0.0.1:0", NULL};
    ck_assert_int_eq (rt_run (disp_state, out, sizeof out, err, sizeof err, 10000), 2);
    ck_assert_msg (strstr (err, "--state: there is no stream"), "%s", err);
    char *sim_state[] = {s_sim, "--state", "tcp://127.0.0.1:0", NULL};
    ck_assert_int_eq (rt_run (sim_state, out, sizeof out, err, sizeof err, 10000), 2);
    ck_assert_msg (strstr (err, "--state goes with --publish"), "%s", err);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("integration_tcp");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 900);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_tcp_equals_inproc_and_stream_reaches_subscriber);
    tcase_add_test (core, test_tcp_equals_inproc_with_rebalancing_and_mixed_fleet);
    tcase_add_test (core, test_inproc_publisher_waits_for_subscriber);
    tcase_add_test (core, test_sim_survives_a_killed_dispatcher);
    tcase_add_test (core, test_client_replays_requests_and_telemetry);
    tcase_add_test (core, test_late_watch_starts_from_the_dispatchers_state);
    tcase_add_test (core, test_watch_reports_a_gap_and_fails_on_it);
    tcase_add_test (core, test_watch_takes_a_new_publisher_without_a_gap);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_set_timeout (limits, 900);
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_malformed_frames_get_errors_and_service_goes_on);
    tcase_add_test (limits, test_unreachable_dispatcher_is_reported);
    tcase_add_test (limits, test_usage_errors);
    tcase_add_test (limits, test_curve_admits_only_listed_keys);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
