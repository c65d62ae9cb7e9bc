/* check_sim_tripfile: a trips CSV (demand.file) becomes the requests a user meant: every time format read to the
 * millisecond, lon/lat snapped to the road node they name, node ids taken as they are, columns found under the names
 * the demand.col_* keys give (FleetPy's rq_time/start/end here), rows sorted by time; every row that cannot be
 * played counted under its reason with its line, or fatal with demand.file_strict; demand.file_scale thins by a
 * seeded draw and repeats; a missing file or column is named. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_graph.h"
#include "map_net.h"
#include "rt_proc.h"
#include "sim_config.h"
#include "sim_tripfile.h"

static map_net_t *s_net;
static char *s_dir;

static void
s_setup (void)
{
    sim_config_t cfg;
    char err[256];
    sim_config_defaults (&cfg);
    s_net = map_net_open (&cfg.map, NULL, NULL, err, sizeof err);
    ck_assert_msg (s_net != NULL, "%s", err);
    s_dir = rt_temp_dir ("tripfile");
    ck_assert_ptr_nonnull (s_dir);
}

static void
s_teardown (void)
{
    map_net_destroy (&s_net);
    free (s_dir);
}

/* Writes text to DIR/name and points cfg's demand.file at it. */
static void
s_file (sim_config_t *cfg, const char *name, const char *text)
{
    snprintf (cfg->demand.file, sizeof cfg->demand.file, "%s/%s", s_dir, name);
    FILE *f = fopen (cfg->demand.file, "w");
    ck_assert_ptr_nonnull (f);
    fputs (text, f);
    fclose (f);
}

/* "lon,lat" of node i, printed exactly enough to snap back to it. */
static void
s_at (uint32_t i, char *buf, size_t len)
{
    const map_node_t *n = map_graph_node (map_net_graph (s_net), i);
    snprintf (buf, len, "%.9f,%.9f", n->lon, n->lat);
}

/* The same requests, named the same (their names are copies of the file's text, at other addresses). */
static int
s_same_trips (const sim_trip_t *a, const sim_trip_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].time_ms != b[i].time_ms || a[i].origin != b[i].origin || a[i].destination != b[i].destination ||
            a[i].fleet != b[i].fleet || a[i].patience_min != b[i].patience_min || strcmp (a[i].ref, b[i].ref) != 0)
            return 0;
    return 1;
}

START_TEST (test_formats_places_and_order)
{
    sim_config_t cfg;
    sim_config_defaults (&cfg);
    char a[64], b[64], c[64], d[64], text[4096];
    s_at (10, a, sizeof a);
    s_at (200, b, sizeof b);
    s_at (1500, c, sizeof c);
    s_at (2900, d, sizeof d);
    /* rows out of time order, four time formats, a fleet and a patience column with blanks */
    snprintf (text, sizeof text,
              "time,origin_lon,origin_lat,destination_lon,destination_lat,fleet,patience_min\n"
              "2024-05-01 08:30:15.250,%s,%s,robotaxi,\n"
              "3600.5,%s,%s,,4\n"
              "07:00:00,%s,%s,human,\n"
              "05/01/2024 12:00:00 AM,%s,%s,ANY,2.5\n"
              "05/01/2024 01:15:00 PM,%s,%s,,\n"
              "2024-05-01T23:59:59Z,%s,%s,,\n",
              a, b, b, c, c, d, d, a, a, c, b, d);
    s_file (&cfg, "formats.csv", text);
    sim_tripfile_t t;
    char err[512];
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq (t.rows, 6);
    ck_assert_uint_eq (t.count, 6);
    ck_assert_str_eq (t.day, "2024-05-01");
    const int64_t want_ms[] = {0, 3600500, 7 * 3600000, 8 * 3600000 + 30 * 60000 + 15250, 13 * 3600000 + 15 * 60000,
                               86399000};
    const uint32_t want_from[] = {2900, 200, 1500, 10, 10, 200}, want_to[] = {10, 1500, 2900, 200, 1500, 2900};
    const int want_fleet[] = {-1, -1, DISP_FLEET_HUMAN, DISP_FLEET_ROBOTAXI, -1, -1};
    const double want_patience[] = {2.5, 4, 0, 0, 0, 0};
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq (t.trips[i].time_ms, want_ms[i]);
        ck_assert_uint_eq (t.trips[i].origin, want_from[i]);
        ck_assert_uint_eq (t.trips[i].destination, want_to[i]);
        ck_assert_int_eq (t.trips[i].fleet, want_fleet[i]);
        ck_assert_double_eq (t.trips[i].patience_min, want_patience[i]);
    }
    sim_tripfile_free (&t);

    /* FleetPy's request file: rq_time in seconds, start and end as node ids, request_id ignored */
    snprintf (cfg.demand.col_time, sizeof cfg.demand.col_time, "rq_time");
    snprintf (cfg.demand.col_origin, sizeof cfg.demand.col_origin, "start");
    snprintf (cfg.demand.col_destination, sizeof cfg.demand.col_destination, "end");
    s_file (&cfg, "fleetpy.csv", "rq_time,start,end,request_id\n60,5,7,0\n30,8,9,1\n");
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq (t.count, 2);
    ck_assert_str_eq (t.day, "");
    ck_assert_int_eq (t.trips[0].time_ms, 30000);
    ck_assert_uint_eq (t.trips[0].origin, 8);
    ck_assert_uint_eq (t.trips[1].destination, 7);
    sim_tripfile_free (&t);
}
END_TEST

/* Each kind of row that cannot be played is counted under its reason with its line; the rest play. With
 * demand.file_strict the first such row stops the load, named by file and line. */
START_TEST (test_rows_not_played_are_reported)
{
    sim_config_t cfg;
    sim_config_defaults (&cfg);
    char a[64], b[64], text[4096];
    s_at (10, a, sizeof a);
    s_at (200, b, sizeof b);
    snprintf (text, sizeof text,
              "time,origin_lon,origin_lat,destination_lon,destination_lat,fleet,patience_min,dropoff_time\n"
              "2024-05-01 08:00:00,%s,%s,,,\n"          /* line 2: played, fixes the day */
              "25:00:00,%s,%s,,,\n"                     /* 3: past the day */
              "2024-05-02 08:00:00,%s,%s,,,\n"          /* 4: another day */
              "08:00:00,10.0,50.0,%s,,,\n"              /* 5: off the map */
              "08:00:00,%s,%s,,,\n"                     /* 6: same node */
              "08:00:00,%s,%s,taxi,,\n"                 /* 7: unknown fleet */
              "08:00:00,%s,%s,,-3,\n"                   /* 8: bad patience */
              "2024-05-01 09:00:00,%s,%s,,,2024-05-01 08:59:00\n" /* 9: drop-off first */
              "08:00:00,x,30.5,%s,,,\n"                 /* 10: not a number */
              "09:00:00,%s,%s,,,09:20:00\n",            /* 11: played */
              a, b, a, b, a, b, b, a, a, a, b, a, b, a, b, b, a, b);
    s_file (&cfg, "bad.csv", text);
    sim_tripfile_t t;
    char err[512], what[1024];
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq (t.rows, 10);
    ck_assert_uint_eq (t.count, 2);
    const int reason_line[][2] = {{SIM_TRIPFILE_BAD_TIME, 3},       {SIM_TRIPFILE_OTHER_DAY, 4},
                                  {SIM_TRIPFILE_OFF_MAP, 5},        {SIM_TRIPFILE_SAME_NODE, 6},
                                  {SIM_TRIPFILE_BAD_FLEET, 7},      {SIM_TRIPFILE_BAD_PATIENCE, 8},
                                  {SIM_TRIPFILE_DROPOFF_FIRST, 9},  {SIM_TRIPFILE_BAD_PLACE, 10}};
    for (size_t i = 0; i < sizeof reason_line / sizeof reason_line[0]; i++) {
        ck_assert_uint_eq (t.skipped[reason_line[i][0]], 1);
        ck_assert_int_eq (t.lines[reason_line[i][0]][0], reason_line[i][1]);
    }
    sim_tripfile_describe (&t, cfg.demand.file, what, sizeof what);
    ck_assert_msg (strstr (what, "bad.csv: 10 rows of 2024-05-01, 2 played; 8 not played:") &&
                       strstr (what, "1 off the map (no road within demand.snap_m) (line 5)"),
                   "%s", what);
    sim_tripfile_free (&t);

    cfg.demand.file_strict = 1;
    ck_assert_int_eq (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "bad.csv:3: a time this reader does not know"), "%s", err);

    /* nothing playable, a missing column, a missing file */
    cfg.demand.file_strict = 0;
    s_file (&cfg, "none.csv", "time,origin,destination\n25:00,1,2\n");
    ck_assert_int_eq (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "none.csv: no row can be played"), "%s", err);
    s_file (&cfg, "cols.csv", "when,origin,destination\n10,1,2\n");
    ck_assert_int_eq (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "cols.csv:1: no column 'time' (demand.col_time)"), "%s", err);
    snprintf (cfg.demand.file, sizeof cfg.demand.file, "%s/missing.csv", s_dir);
    ck_assert_int_eq (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err), 1);
    ck_assert_msg (strstr (err, "missing.csv: no such file"), "%s", err);
}
END_TEST

/* demand.file_scale: 2 plays every row twice; 0.3 a seeded share, the same rows for the same seed, other rows for
 * another seed; the result stays in time order. */
START_TEST (test_scale_thins_and_repeats)
{
    sim_config_t cfg;
    sim_config_defaults (&cfg);
    size_t len = 0, cap = 200000;
    char *text = malloc (cap);
    ck_assert_ptr_nonnull (text);
    len += (size_t)snprintf (text + len, cap - len, "time,origin,destination\n");
    for (int i = 0; i < 2000; i++)
        len += (size_t)snprintf (text + len, cap - len, "%d,%d,%d\n", (i * 37) % 86400, i % 2900, i % 2900 + 1);
    s_file (&cfg, "many.csv", text);
    free (text);
    sim_tripfile_t t, u, v;
    char err[512];
    cfg.demand.file_scale = 2;
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq (t.count, 4000);
    for (size_t i = 1; i < t.count; i++)
        ck_assert_int_le (t.trips[i - 1].time_ms, t.trips[i].time_ms);
    sim_tripfile_free (&t);
    cfg.demand.file_scale = 0.3;
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err) == 0, "%s", err);
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &u, err, sizeof err) == 0, "%s", err);
    cfg.scenario.seed = 43;
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &v, err, sizeof err) == 0, "%s", err);
    ck_assert_msg (t.count > 500 && t.count < 700, "%zu of 2000 rows at 0.3", t.count);
    ck_assert_uint_eq (t.count, u.count);
    ck_assert (s_same_trips (t.trips, u.trips, t.count));
    ck_assert (v.count != t.count || !s_same_trips (t.trips, v.trips, t.count));
    sim_tripfile_free (&t);
    sim_tripfile_free (&u);
    sim_tripfile_free (&v);
}
END_TEST

/* A file of several dates: day k of a run plays the date D + k - 1 (demand.file_dates = calendar), a date without
 * rows is refused with the dates the file holds, or (file) the file's dates in turn; rows without a date play every
 * day; each request is named by its request_id cell, or its line without that column. */
START_TEST (test_a_date_per_day)
{
    sim_config_t cfg;
    sim_config_defaults (&cfg);
    s_file (&cfg, "week.csv",
            "request_id,time,origin,destination\n"
            "m1,2024-05-01 08:00,1,2\n"
            "t1,2024-05-02 07:00,3,4\n"
            "m2,2024-05-01 06:00,5,6\n"
            "s1,2024-05-04 09:00,7,8\n"
            "t2,2024-05-02 09:00,9,9\n" /* same node: counted, not played */
            "t3,2024-05-02 10:00,9,10\n");
    sim_tripfile_t t;
    char err[1024], what[1024];
    size_t n;
    const sim_trip_t *day;
    cfg.scenario.days = 2;
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq (t.day_count, 2);
    ck_assert_str_eq (t.days[0].date, "2024-05-01");
    ck_assert_str_eq (t.days[1].date, "2024-05-02");
    day = sim_tripfile_trips (&t, 0, &n);
    ck_assert_uint_eq (n, 2);
    ck_assert_str_eq (day[0].ref, "m2"); /* by time */
    ck_assert_int_eq (day[0].time_ms, 6 * 3600000);
    ck_assert_str_eq (day[1].ref, "m1");
    day = sim_tripfile_trips (&t, 1, &n);
    ck_assert_uint_eq (n, 2);
    ck_assert_str_eq (day[0].ref, "t1");
    ck_assert_uint_eq (day[0].origin, 3);
    ck_assert_str_eq (day[1].ref, "t3");
    ck_assert_uint_eq (t.days[1].rows, 3);
    ck_assert_uint_eq (t.skipped[SIM_TRIPFILE_OTHER_DAY], 1); /* 2024-05-04 */
    ck_assert_int_eq (t.lines[SIM_TRIPFILE_OTHER_DAY][0], 5);
    sim_tripfile_describe (&t, cfg.demand.file, what, sizeof what);
    ck_assert_msg (strstr (what, "demand.file week.csv: 6 rows, 2 played of 2024-05-01, 2 of 2024-05-02; 2 not "
                                 "played: 1 another day (line 5), 1 origin and destination on the same road node "
                                 "(line 6)"),
                   "%s", what);
    sim_tripfile_free (&t);

    /* a third day: 2024-05-03 has no row */
    cfg.scenario.days = 3;
    ck_assert_int_eq (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "week.csv: no row of 2024-05-03 (day 3 of the run); the file holds 2024-05-01 to "
                                "2024-05-02, 2024-05-04"),
                   "%s", err);
    ck_assert_ptr_null (t.trips);

    /* demand.file_dates = file: the dates it holds, in turn, from file_day on */
    snprintf (cfg.demand.file_dates, sizeof cfg.demand.file_dates, "file");
    snprintf (cfg.demand.file_day, sizeof cfg.demand.file_day, "2024-05-02");
    cfg.scenario.days = 6;
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err) == 0, "%s", err);
    const char *want[] = {"2024-05-02", "2024-05-04", "2024-05-02", "2024-05-04", "2024-05-02", "2024-05-04"};
    for (uint32_t k = 0; k < 6; k++) {
        ck_assert_str_eq (t.days[k].date, want[k]);
        day = sim_tripfile_trips (&t, k, &n);
        ck_assert_uint_eq (n, k % 2 ? 1 : 2);
        ck_assert_str_eq (day[0].ref, k % 2 ? "s1" : "t1");
    }
    ck_assert_uint_eq (t.skipped[SIM_TRIPFILE_OTHER_DAY], 2); /* 2024-05-01 */
    sim_tripfile_describe (&t, cfg.demand.file, what, sizeof what);
    ck_assert_msg (strstr (what, "6 rows, 9 played over 6 days (2024-05-02 on day 1, 2024-05-04 on day 6; 1 to 2 a "
                                 "day)"),
                   "%s", what);
    sim_tripfile_free (&t);
    snprintf (cfg.demand.file_day, sizeof cfg.demand.file_day, "2024-05-05");
    ck_assert_int_eq (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "no row of 2024-05-05 or later (demand.file_day)"), "%s", err);

    /* times without dates: the same rows every day, named by their lines (no request_id column) */
    s_file (&cfg, "plain.csv", "time,origin,destination\n08:00,1,2\n07:00,3,4\n");
    ck_assert_msg (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq (t.day_count, 1);
    day = sim_tripfile_trips (&t, 5, &n);
    ck_assert_uint_eq (n, 2);
    ck_assert_ptr_eq (day, t.trips);
    ck_assert_str_eq (day[0].ref, "3");
    ck_assert_str_eq (day[1].ref, "2");
    sim_tripfile_free (&t);
    /* a column named by the user must be there */
    snprintf (cfg.demand.col_request, sizeof cfg.demand.col_request, "trip_id");
    ck_assert_int_eq (sim_tripfile_load (&cfg, s_net, &t, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "plain.csv:1: no column 'trip_id' (demand.col_request)"), "%s", err);
}
END_TEST

/* robotaxi-sim plays a trips file and says what it left out; a missing file exits 66 (EX_NOINPUT), a bad row with
 * demand.file_strict 65 (EX_DATAERR), each with the file (and line) named. */
START_TEST (test_robotaxi_sim_plays_a_file)
{
    sim_config_t cfg;
    sim_config_defaults (&cfg);
    char a[64], b[64], text[1024], set[600], out_dir[4200];
    s_at (10, a, sizeof a);
    s_at (2000, b, sizeof b);
    snprintf (text, sizeof text,
              "time,origin_lon,origin_lat,destination_lon,destination_lat\n08:00,%s,%s\n08:01,%s,%s\n"
              "08:02,10.0,50.0,%s\n",
              a, b, b, a, b);
    s_file (&cfg, "day.csv", text);
    snprintf (set, sizeof set, "demand.file=%s", cfg.demand.file);
    snprintf (out_dir, sizeof out_dir, "%s/out", s_dir);
    char *sim = rt_tool ("robotaxi-sim");
    static char out[65536], err[65536];
    char *play[] = {sim, "-q", "--no-plots", "--set", set, "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (play, out, sizeof out, err, sizeof err, 60000), 0);
    ck_assert_msg (strstr (err, "demand.file day.csv: 3 rows, 2 played; 1 not played: 1 off the map") &&
                       strstr (err, "(line 4)"),
                   "%s", err);
    char *strict[] = {sim, "-q", "--no-plots", "--set", set, "--set", "demand.file_strict=1", "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (strict, out, sizeof out, err, sizeof err, 60000), 65);
    ck_assert_msg (strstr (err, "day.csv:4: off the map"), "%s", err);
    char *missing[] = {sim, "-q", "--no-plots", "--set", "demand.file=/nonexistent/trips.csv", "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (missing, out, sizeof out, err, sizeof err, 60000), 66);
    ck_assert_msg (strstr (err, "demand.file: /nonexistent/trips.csv: no such file"), "%s", err);
    free (sim);
}
END_TEST

/* robotaxi-sim --days 2 plays each date of a two-date file on its day: events.csv names the file's request ids on
 * every event of a request (ids of 2024-05-01 on day 1 only, of 2024-05-02 on day 2 only), nothing on the others;
 * robotaxi-eventdiff reads the log; a third day, whose date the file lacks, is refused (exit 65) with the dates it
 * holds; a bad demand.file_dates exits 78. */
START_TEST (test_robotaxi_sim_plays_a_date_per_day)
{
    sim_config_t cfg;
    sim_config_defaults (&cfg);
    static char text[16384];
    size_t len = (size_t)snprintf (text, sizeof text, "time,origin,destination,request_id\n");
    const int rows[2] = {60, 40};
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < rows[d]; i++)
            len += (size_t)snprintf (text + len, sizeof text - len, "2024-05-0%d %02d:%02d:00,%d,%d,%c%d\n", d + 1,
                                     6 + i % 16, i * 7 % 60, (i * 97 + d * 13) % 2900, (i * 389 + 1000) % 2900,
                                     "ab"[d], i);
    s_file (&cfg, "two.csv", text);
    char set[600], out_dir[4200], events[4300];
    snprintf (set, sizeof set, "demand.file=%s", cfg.demand.file);
    snprintf (out_dir, sizeof out_dir, "%s/days", s_dir);
    snprintf (events, sizeof events, "%s/events.csv", out_dir);
    char *sim = rt_tool ("robotaxi-sim"), *diff = rt_tool ("robotaxi-eventdiff");
    static char out[65536], err[65536];
    char *play[] = {sim, "--no-plots", "--days", "2", "--events", "--set", set, "-o", out_dir, NULL};
    ck_assert_msg (rt_run (play, out, sizeof out, err, sizeof err, 120000) == 0, "%s", err);
    ck_assert_msg (strstr (err, "demand.file two.csv: 100 rows, 60 played of 2024-05-01, 40 of 2024-05-02"), "%s",
                   err);
    char *log = rt_slurp (events, NULL);
    ck_assert_ptr_nonnull (log);
    ck_assert_msg (strncmp (log, "day,time_s,event,vehicle,fleet,request,node,lon,lat,trip\n", 57) == 0, "%.80s", log);
    size_t requests[2] = {0, 0}, named = 0;
    for (char *line = strchr (log, '\n') + 1; *line;) {
        char *end = strchr (line, '\n');
        ck_assert_ptr_nonnull (end);
        *end = 0;
        char *field[10];
        int n = 0;
        for (char *p = line; n < 10; p++) {
            field[n++] = p;
            p = strchr (p, ',');
            if (!p) break;
            *p = 0;
        }
        ck_assert_int_eq (n, 10);
        int day = atoi (field[0]);
        ck_assert (day == 1 || day == 2);
        const char *kind = field[2], *trip = field[9];
        int of_request = strcmp (kind, "request") == 0 || strcmp (kind, "assign") == 0 ||
                         strcmp (kind, "pickup") == 0 || strcmp (kind, "dropoff") == 0 || strcmp (kind, "giveup") == 0;
        if (of_request) {
            /* an id of that day's date, of a row that exists */
            ck_assert_msg (trip[0] == "ab"[day - 1] && atoi (trip + 1) < rows[day - 1], "day %d: %s of %s", day, kind,
                           trip);
            named++;
        } else {
            ck_assert_msg (trip[0] == 0, "%s with trip %s", kind, trip);
        }
        if (strcmp (kind, "request") == 0) requests[day - 1]++;
        line = end + 1;
    }
    free (log);
    /* riders choose: some of each day's rows take a ride, none more than the day has */
    ck_assert_msg (requests[0] > 0 && requests[0] <= 60 && requests[1] > 0 && requests[1] <= 40, "%zu, %zu",
                   requests[0], requests[1]);
    ck_assert_uint_gt (named, requests[0] + requests[1]);
    char *same[] = {diff, events, events, NULL};
    ck_assert_msg (rt_run (same, out, sizeof out, err, sizeof err, 60000) == 0, "%s%s", out, err);

    char *three[] = {sim, "-q", "--no-plots", "--days", "3", "--set", set, "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (three, out, sizeof out, err, sizeof err, 60000), 65);
    ck_assert_msg (strstr (err, "two.csv: no row of 2024-05-03 (day 3 of the run); the file holds 2024-05-01 to "
                                "2024-05-02"),
                   "%s", err);
    char *bad[] = {sim, "-q", "--no-plots", "--set", set, "--set", "demand.file_dates=weekly", "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (bad, out, sizeof out, err, sizeof err, 60000), 78);
    ck_assert_msg (strstr (err, "demand.file_dates: 'weekly' is neither calendar nor file"), "%s", err);
    free (sim);
    free (diff);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_tripfile");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_formats_places_and_order);
    tcase_add_test (core, test_scale_thins_and_repeats);
    tcase_add_test (core, test_a_date_per_day);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_rows_not_played_are_reported);
    tcase_add_test (limits, test_robotaxi_sim_plays_a_file);
    tcase_add_test (limits, test_robotaxi_sim_plays_a_date_per_day);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
