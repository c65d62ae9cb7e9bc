/* check_sim_events: the events log as written (header, exact times, empty fields, complete or not at all) and the
 * comparison of two logs in meaning: another column order, another order within an instant, numbers written
 * otherwise, CRLF and comments change nothing; a changed assignment is reported with both lines in words, an extra
 * event as missing from the other log, a shorter log as ending first; malformed input is named FILE:LINE: column. */
#include <check.h>

#include "rt_check.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disp_types.h"
#include "rt_proc.h"
#include "sim_evdiff.h"
#include "sim_events.h"

#define R    DISP_FLEET_ROBOTAXI
#define H    DISP_FLEET_HUMAN
#define NONE SIM_EVENT_NONE

/* A small day: 8 instants over 2 days, three of them holding several events, one past midnight. */
static const sim_event_t s_day[] = {
    {1, 0, SIM_EVENT_SHIFT_START, 0, H, NONE, 2675, 114.2711285, 30.6075290, NULL},
    {1, 0, SIM_EVENT_SHIFT_START, 3, R, NONE, 120, 114.3051200, 30.5931100, NULL},
    {1, 0, SIM_EVENT_SHIFT_START, 5, R, NONE, 98, 114.3100000, 30.6000000, NULL},
    {1, 28800500, SIM_EVENT_REQUEST, NONE, R, 17, 130, 114.3000000, 30.5800000, "A-17"},
    {1, 28803250, SIM_EVENT_ASSIGN, 3, R, 17, 120, 114.3051200, 30.5931100, "A-17"},
    {1, 28803250, SIM_EVENT_ASSIGN, 0, H, 16, 2675, 114.2711285, 30.6075290, "x,\"y\""},
    {1, 28803250, SIM_EVENT_REPOSITION, 5, R, NONE, 77, 114.3200000, 30.6100000, NULL},
    {1, 28900000, SIM_EVENT_PICKUP, 3, R, 17, 130, 114.3000000, 30.5800000, "A-17"},
    {1, 28950000, SIM_EVENT_ARRIVE, 5, R, NONE, 77, 114.3200000, 30.6100000, NULL},
    {1, 29000000, SIM_EVENT_GIVEUP, NONE, H, 18, 131, 114.3010000, 30.5810000, "42"},
    {1, 86401250, SIM_EVENT_DROPOFF, 3, R, 17, 140, 114.3300000, 30.6000000, "A-17"},
    {1, 86401250, SIM_EVENT_SHIFT_END, 0, H, NONE, 2675, 114.2711285, 30.6075290, NULL},
    {2, 0, SIM_EVENT_SHIFT_START, 0, H, NONE, 2675, 114.2711285, 30.6075290, NULL},
};
#define S_DAY_ROWS     (sizeof s_day / sizeof s_day[0])
#define S_DAY_INSTANTS 8

static char *s_dir;

static void s_setup (void)
{
    s_dir = rt_temp_dir ("events");
    ck_assert_ptr_nonnull (s_dir);
}

static void s_teardown (void)
{
    free (s_dir);
}

/* DIR/name, malloc'd. */
static char *s_path (const char *name)
{
    char *p = malloc (strlen (s_dir) + strlen (name) + 2);
    sprintf (p, "%s/%s", s_dir, name);
    return p;
}

/* Writes rows through the module into SUB/events.csv and returns that path (malloc'd). */
static char *s_write_log (const char *sub, const sim_event_t *rows, size_t n)
{
    char *dir = s_path (sub), err[512];
    ck_assert_int_eq (mkdir (dir, 0777), 0);
    sim_events_t *log = sim_events_open (dir, err, sizeof err);
    ck_assert_msg (log != NULL, "%s", err);
    for (size_t i = 0; i < n; i++)
        sim_events_write (log, &rows[i]);
    ck_assert_uint_eq (sim_events_count (log), n);
    ck_assert_msg (sim_events_close (&log, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_null (log);
    char *path = malloc (strlen (dir) + 16);
    sprintf (path, "%s/events.csv", dir);
    free (dir);
    return path;
}

static char *s_write_text (const char *name, const char *text)
{
    char *path = s_path (name);
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs (text, f);
    ck_assert_int_eq (fclose (f), 0);
    return path;
}

/* Compares two logs named a.csv and b.csv in messages; returns the verdict, the result in *res. */
static int s_compare (const char *a, const char *b, sim_evdiff_result_t *res)
{
    char err[1024] = "";
    int rc = sim_evdiff_compare (a, "a.csv", b, "b.csv", res, err, sizeof err);
    ck_assert_msg (rc >= 0, "comparison failed: %s", err);
    return rc;
}

/* The error message of comparing a malformed file (as bad.csv) with the good day. */
static void s_assert_malformed (const char *text, const char *expect)
{
    static int n;
    char name[32];
    snprintf (name, sizeof name, "bad%d.csv", n++);
    char *bad = s_write_text (name, text), err[1024] = "";
    static sim_evdiff_result_t res;
    ck_assert_int_eq (sim_evdiff_compare (bad, "bad.csv", bad, "bad.csv", &res, err, sizeof err), -1);
    ck_assert_msg (strstr (err, expect) != NULL, "expected '%s' in '%s' for:\n%s", expect, err, text);
    free (bad);
}

START_TEST (test_log_has_the_header_exact_times_and_empty_fields)
{
    char *path = s_write_log ("one", s_day, S_DAY_ROWS);
    char *text = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (text);
    const char *start = "day,time_s,event,vehicle,fleet,request,node,lon,lat,trip\n"
                        "1,0.000,shift_start,0,human,,2675,114.2711285,30.6075290,\n";
    ck_assert_msg (strncmp (text, start, strlen (start)) == 0, "%s", text);
    /* a request has no vehicle; a giveup neither; a reposition no request; time in ms, past midnight too; the
     * trips file's name of the request, quoted as CSV quotes it when it holds a comma or a quote */
    ck_assert_ptr_nonnull (strstr (text, "\n1,28800.500,request,,robotaxi,17,130,114.3000000,30.5800000,A-17\n"));
    ck_assert_ptr_nonnull (strstr (text, "\n1,28803.250,assign,3,robotaxi,17,120,114.3051200,30.5931100,A-17\n"));
    ck_assert_ptr_nonnull (
        strstr (text, "\n1,28803.250,assign,0,human,16,2675,114.2711285,30.6075290,\"x,\"\"y\"\"\"\n"));
    ck_assert_ptr_nonnull (strstr (text, "\n1,28803.250,reposition,5,robotaxi,,77,114.3200000,30.6100000,\n"));
    ck_assert_ptr_nonnull (strstr (text, "\n1,29000.000,giveup,,human,18,131,114.3010000,30.5810000,42\n"));
    ck_assert_ptr_nonnull (strstr (text, "\n1,86401.250,dropoff,3,robotaxi,17,140,114.3300000,30.6000000,A-17\n"));
    ck_assert_ptr_nonnull (strstr (text, "\n2,0.000,shift_start,0,human,,2675,114.2711285,30.6075290,\n"));
    free (text);
    /* the same log compares equal to itself, every event and instant counted */
    static sim_evdiff_result_t res;
    ck_assert_int_eq (s_compare (path, path, &res), 0);
    ck_assert_uint_eq (res.events, S_DAY_ROWS);
    ck_assert_uint_eq (res.instants, S_DAY_INSTANTS);
    ck_assert_str_eq (res.report, "");
    free (path);
}
END_TEST

START_TEST (test_log_appears_complete_or_not_at_all)
{
    char *dir = s_path ("atomic"), err[512];
    ck_assert_int_eq (mkdir (dir, 0777), 0);
    char *final = s_path ("atomic/events.csv"), *part = s_path ("atomic/events.csv.part");
    /* an earlier run's log is gone as soon as a new one starts */
    FILE *old = fopen (final, "w");
    fputs ("old\n", old);
    fclose (old);
    sim_events_t *log = sim_events_open (dir, err, sizeof err);
    ck_assert_ptr_nonnull (log);
    ck_assert_int_ne (access (final, F_OK), 0);
    sim_events_write (log, &s_day[0]);
    ck_assert_int_ne (access (final, F_OK), 0); /* while written, only the partial file exists */
    ck_assert_int_eq (access (part, F_OK), 0);
    /* a run that fails leaves nothing */
    sim_events_destroy (&log);
    ck_assert_ptr_null (log);
    ck_assert_int_ne (access (final, F_OK), 0);
    ck_assert_int_ne (access (part, F_OK), 0);
    /* a folder that cannot hold the file is reported with its path */
    ck_assert_ptr_null (sim_events_open ("/nonexistent-dir", err, sizeof err));
    ck_assert_str_eq (err, "/nonexistent-dir/events.csv: No such file or directory");
    /* a run without a log removes an earlier one */
    old = fopen (final, "w");
    fclose (old);
    ck_assert_int_eq (sim_events_remove (dir, err, sizeof err), 0);
    ck_assert_int_ne (access (final, F_OK), 0);
    ck_assert_int_eq (sim_events_remove (dir, err, sizeof err), 0); /* nothing to remove is fine */
    free (dir);
    free (final);
    free (part);
}
END_TEST

/* Seconds with the fewest decimals that say them ("28800.5", "0"). */
static void s_short_time (int64_t ms, char *buf, size_t size)
{
    snprintf (buf, size, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
    size_t n = strlen (buf);
    while (buf[n - 1] == '0')
        buf[--n] = '\0';
    if (buf[n - 1] == '.') buf[n - 1] = '\0';
}

START_TEST (test_same_meaning_in_another_form_is_the_same)
{
    char *a = s_write_log ("canonical", s_day, S_DAY_ROWS);
    /* columns in another order with one more, CRLF, comments and blank lines; each instant's rows in reverse
     * order; times with fewer decimals, ids with leading zeros, positions a few 1e-7 degrees off; no trip column,
     * as logs had before it (the canonical log's trips, one quoted with a comma in it, are not compared) */
    size_t cap = 1 << 16, len = 0;
    char *text = malloc (cap);
    len += (size_t)snprintf (text + len, cap - len,
                             "# written by hand\r\nlat,event,note,node,time_s,day,request,"
                             "fleet,vehicle,lon\r\n\r\n");
    for (size_t start = 0; start < S_DAY_ROWS;) {
        size_t end = start + 1;
        while (end < S_DAY_ROWS && s_day[end].day == s_day[start].day && s_day[end].time_ms == s_day[start].time_ms)
            end++;
        for (size_t i = end; i-- > start;) {
            const sim_event_t *r = &s_day[i];
            char t[32], vehicle[16] = "", request[16] = "";
            s_short_time (r->time_ms, t, sizeof t);
            if (r->vehicle != NONE) snprintf (vehicle, sizeof vehicle, "00%lld", (long long)r->vehicle);
            if (r->request != NONE) snprintf (request, sizeof request, "%lld", (long long)r->request);
            len += (size_t)snprintf (text + len, cap - len, "%.8f,%s,free text,%lld,%s,%u,%s,%s,%s,%.6f\r\n",
                                     r->lat + 4e-7, sim_event_kind_name (r->kind), (long long)r->node, t, r->day,
                                     request, disp_fleet_name ((disp_fleet_t)r->fleet), vehicle, r->lon);
        }
        len += (size_t)snprintf (text + len, cap - len, "# instant ends\r\n \r\n");
        start = end;
    }
    char *b = s_write_text ("b.csv", text);
    ck_assert_ptr_nonnull (strstr (text, ",assign,free text,2675,28803.25,1,16,human,000,"));
    static sim_evdiff_result_t res;
    ck_assert_msg (s_compare (a, b, &res) == 0, "%s", res.report);
    ck_assert_uint_eq (res.events, S_DAY_ROWS);
    ck_assert_uint_eq (res.instants, S_DAY_INSTANTS);
    ck_assert_msg (s_compare (b, a, &res) == 0, "%s", res.report);
    free (text);
    free (a);
    free (b);
}
END_TEST

START_TEST (test_changed_assignment_is_reported_with_both_lines_in_words)
{
    sim_event_t other[S_DAY_ROWS];
    memcpy (other, s_day, sizeof other);
    /* the dispatcher of b sent robotaxi 5 from node 98 instead of robotaxi 3 */
    other[4].vehicle = 5;
    other[4].node = 98;
    other[4].lon = 114.31;
    other[4].lat = 30.6;
    char *a = s_write_log ("a", s_day, S_DAY_ROWS), *b = s_write_log ("b", other, S_DAY_ROWS);
    static sim_evdiff_result_t res;
    ck_assert_int_eq (s_compare (a, b, &res), 1);
    ck_assert_str_eq (res.report,
                      "first difference at day 1 08:00:03.250: a.csv:6: assign request 17 to robotaxi 3 at node 120 "
                      "(114.3051200, 30.5931100); b.csv:6: assign request 17 to robotaxi 5 at node 98 (114.3100000, "
                      "30.6000000)\n4 events in 2 instants agree before it");
    ck_assert_uint_eq (res.events, 4);
    free (a);
    free (b);
}
END_TEST

START_TEST (test_extra_event_in_an_instant_is_missing_from_the_other_log)
{
    sim_event_t more[S_DAY_ROWS + 1];
    memcpy (more, s_day, 7 * sizeof *more);
    /* b also picks up a rider at the assignments' instant; the rest agrees */
    more[7] = (sim_event_t){1, 28803250, SIM_EVENT_PICKUP, 9, H, 15, 55, 114.29, 30.59, NULL};
    memcpy (more + 8, s_day + 7, (S_DAY_ROWS - 7) * sizeof *more);
    char *a = s_write_log ("a", s_day, S_DAY_ROWS), *b = s_write_log ("b", more, S_DAY_ROWS + 1);
    static sim_evdiff_result_t res;
    ck_assert_int_eq (s_compare (a, b, &res), 1);
    ck_assert_str_eq (res.report,
                      "first difference at day 1 08:00:03.250: b.csv:9: pickup of request 15 by human 9 at "
                      "node 55 (114.2900000, 30.5900000) is missing from a.csv\n4 events in 2 instants "
                      "agree before it");
    /* the other way round: the event a lacks */
    ck_assert_int_eq (s_compare (b, a, &res), 1);
    ck_assert_ptr_nonnull (strstr (res.report, "a.csv:9: pickup of request 15 by human 9 at node 55 (114.2900000, "
                                               "30.5900000) is missing from b.csv\n"));
    free (a);
    free (b);
}
END_TEST

START_TEST (test_instant_one_log_lacks_is_reported_with_the_others_next)
{
    sim_event_t fewer[S_DAY_ROWS];
    memcpy (fewer, s_day, 3 * sizeof *fewer);
    memcpy (fewer + 3, s_day + 4, (S_DAY_ROWS - 4) * sizeof *fewer); /* no request at 08:00:00.500 */
    char *a = s_write_log ("a", s_day, S_DAY_ROWS), *b = s_write_log ("b", fewer, S_DAY_ROWS - 1);
    static sim_evdiff_result_t res;
    ck_assert_int_eq (s_compare (a, b, &res), 1);
    ck_assert_str_eq (res.report, "first difference at day 1 08:00:00.500: a.csv:5: request 17 for robotaxi at node "
                                  "130 (114.3000000, 30.5800000) is missing from b.csv, which has no event at that "
                                  "instant (its next: b.csv:5 at day 1 08:00:03.250: assign request 17 to robotaxi 3 "
                                  "at node 120 (114.3051200, 30.5931100))\n3 events in 1 instant agree before it");
    free (a);
    free (b);
}
END_TEST

START_TEST (test_shorter_log_is_reported_as_ending_first)
{
    char *a = s_write_log ("a", s_day, S_DAY_ROWS), *b = s_write_log ("b", s_day, S_DAY_ROWS - 3);
    static sim_evdiff_result_t res;
    ck_assert_int_eq (s_compare (a, b, &res), 1);
    ck_assert_str_eq (res.report,
                      "first difference at day 1 24:00:01.250: b.csv ends after 10 events; a.csv:12 goes "
                      "on with dropoff of request 17 by robotaxi 3 at node 140 (114.3300000, 30.6000000); "
                      "1 more event at that instant\n10 events in 6 instants agree before it");
    ck_assert_int_eq (s_compare (b, a, &res), 1);
    ck_assert_ptr_nonnull (strstr (res.report, ": a.csv ends after 10 events; b.csv:12 goes on with dropoff"));
    free (a);
    free (b);
}
END_TEST

START_TEST (test_events_in_words)
{
    char buf[256];
    const struct {
        sim_event_t row;
        const char *words;
    } cases[] = {
        {{1, 0, SIM_EVENT_GIVEUP, NONE, H, 18, 131, 114.301, 30.581, NULL},
         "giveup of request 18 for human at node 131 "
         "(114.3010000, 30.5810000)"},
        {{1, 0, SIM_EVENT_REPOSITION, 5, R, NONE, 77, 114.32, 30.61, NULL},
         "reposition robotaxi 5 to node 77 (114.3200000, "
         "30.6100000)"},
        {{1, 0, SIM_EVENT_ARRIVE, 5, R, NONE, 77, 114.32, 30.61, NULL},
         "arrive of robotaxi 5 at node 77 (114.3200000, "
         "30.6100000)"},
        {{1, 0, SIM_EVENT_SHIFT_END, 2, H, NONE, 7, 114.32, 30.61, NULL},
         "shift_end of human 2 at node 7 (114.3200000, "
         "30.6100000)"},
        /* a hand-written row without fleet, node or place, and with ids its kind does not carry */
        {{1, 0, SIM_EVENT_SHIFT_START, 2, NONE, 4, NONE, NAN, NAN, NULL},
         "shift_start of vehicle 2 at no node with "
         "request 4"},
        {{1, 0, SIM_EVENT_REQUEST, 1, NONE, NONE, 3, NAN, NAN, NULL},
         "no request for no fleet at node 3 with vehicle 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sim_evdiff_words (&cases[i].row, buf, sizeof buf);
        ck_assert_str_eq (buf, cases[i].words);
    }
    /* truncated, still a string */
    sim_evdiff_words (&cases[0].row, buf, 10);
    ck_assert_str_eq (buf, "giveup of");
    sim_evdiff_instant (3, 90061007, buf, sizeof buf);
    ck_assert_str_eq (buf, "day 3 25:01:01.007");
}
END_TEST

/* ---- limits ---- */

#define HEAD "day,time_s,event,vehicle,fleet,request,node,lon,lat\n"

START_TEST (test_malformed_input_is_named_by_file_line_and_column)
{
    const struct {
        const char *text, *error;
    } cases[] = {
        {"", "bad.csv: no header line (day,time_s,event,vehicle,fleet,request,node,lon,lat)"},
        {"# only a comment\n\n", "bad.csv: no header line"},
        {"day,time_s,event,vehicle,fleet,request,node,lat\n", "bad.csv:1: lon: missing column (the header needs "},
        {"# c\nday,time_s,event,vehicle,fleet,request,node,lon,lat,day\n",
         "bad.csv:2: day: column named twice in the "
         "header (fields 1 and 10)"},
        {HEAD "1,x,request,,robotaxi,1,2,114.3,30.5\n", "bad.csv:2: time_s: 'x' is not a number"},
        {HEAD "1,-1,request,,robotaxi,1,2,114.3,30.5\n", "bad.csv:2: time_s: '-1' is not a number"},
        {HEAD "1,1.2345,request,,robotaxi,1,2,114.3,30.5\n", "bad.csv:2: time_s: '1.2345' holds a fraction of a "
                                                             "millisecond"},
        {HEAD "1,,request,,robotaxi,1,2,114.3,30.5\n", "bad.csv:2: time_s: empty"},
        {HEAD "0,1,request,,robotaxi,1,2,114.3,30.5\n", "bad.csv:2: day: '0' is not a day (1, 2, ...)"},
        {HEAD "1,1,,,robotaxi,1,2,114.3,30.5\n", "bad.csv:2: event: empty (one of request, assign, "},
        {HEAD "1,1,teleport,,robotaxi,1,2,114.3,30.5\n", "bad.csv:2: event: unknown event 'teleport' (request, "
                                                         "assign, pickup, dropoff, giveup, reposition, arrive, "
                                                         "shift_start, shift_end, charge_wait, charge_start, "
                                                         "charge_end)"},
        {HEAD "1,1,request,,bus,1,2,114.3,30.5\n", "bad.csv:2: fleet: unknown fleet 'bus' (robotaxi, human)"},
        {HEAD "1,1,request,,robotaxi,1.5,2,114.3,30.5\n", "bad.csv:2: request: '1.5' is not a whole number"},
        {HEAD "1,1,assign,-3,robotaxi,1,2,114.3,30.5\n", "bad.csv:2: vehicle: '-3' is not a whole number"},
        {HEAD "1,1,request,,robotaxi,1,99999999999999999999,114.3,30.5\n", "bad.csv:2: node: '99999999999999999999' "
                                                                           "is not a whole number"},
        {HEAD "1,1,request,,robotaxi,1,2,east,30.5\n", "bad.csv:2: lon: 'east' is not a number"},
        {HEAD "1,1,request,,robotaxi,1,2,114.3,95\n", "bad.csv:2: lat: 95 is out of range (-90 .. 90 degrees)"},
        {HEAD "1,1,request,,robotaxi,1,2,114.3\n", "bad.csv:2: 8 fields where the header has 9"},
        {HEAD "1,1,request,,robotaxi,1,2,114.3,30.5,x\n", "bad.csv:2: 10 fields where the header has 9"},
        {HEAD "1,5,request,,robotaxi,1,2,114.3,30.5\n# c\n1,4.999,request,,robotaxi,2,2,114.3,30.5\n",
         "bad.csv:4: time_s: 4.999 after 5.000 of line 2: time goes forwards within a day"},
        {HEAD "2,5,request,,robotaxi,1,2,114.3,30.5\n1,9,request,,robotaxi,2,2,114.3,30.5\n",
         "bad.csv:3: day: day 1 after day 2 of line 2: days go forwards"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_assert_malformed (cases[i].text, cases[i].error);
    /* a file that is not there */
    char err[1024];
    static sim_evdiff_result_t res;
    ck_assert_int_eq (sim_evdiff_compare ("/nonexistent.csv", NULL, "/nonexistent.csv", NULL, &res, err, sizeof err),
                      -1);
    ck_assert_str_eq (err, "/nonexistent.csv: No such file or directory");
}
END_TEST

START_TEST (test_empty_logs_and_extreme_values)
{
    /* two logs without events are the same; one without events ends first against one with */
    char *empty = s_write_log ("empty", NULL, 0), *hand = s_write_text ("hand.csv", "\xEF\xBB\xBF" HEAD "# none\n");
    static sim_evdiff_result_t res;
    ck_assert_int_eq (s_compare (empty, hand, &res), 0);
    ck_assert_uint_eq (res.events, 0);
    ck_assert_uint_eq (res.instants, 0);
    sim_event_t big[] = {
        {UINT32_MAX, INT64_C (90061007), SIM_EVENT_ASSIGN, UINT32_MAX, R, INT64_MAX, UINT32_MAX, -180, -90, NULL},
    };
    char *one = s_write_log ("big", big, 1);
    ck_assert_int_eq (s_compare (empty, one, &res), 1);
    ck_assert_str_eq (res.report,
                      "first difference at day 4294967295 25:01:01.007: a.csv ends after 0 events; "
                      "b.csv:2 goes on with assign request 9223372036854775807 to robotaxi 4294967295 at "
                      "node 4294967295 (-180.0000000, -90.0000000)\n0 events in 0 instants agree before it");
    ck_assert_int_eq (s_compare (one, one, &res), 0);
    /* positions 1e-6 degrees apart are the same place, 2e-6 apart are not */
    char *near = s_write_text ("near.csv", HEAD "1,1,arrive,5,robotaxi,,77,114.3051210,30.5931090\n");
    char *far = s_write_text ("far.csv", HEAD "1,1,arrive,5,robotaxi,,77,114.3051220,30.5931100\n");
    char *here = s_write_text ("here.csv", HEAD "1,1,arrive,5,robotaxi,,77,114.30512,30.59311\n");
    ck_assert_int_eq (s_compare (here, near, &res), 0);
    ck_assert_int_eq (s_compare (here, far, &res), 1);
    ck_assert_ptr_nonnull (strstr (res.report, "a.csv:2: arrive of robotaxi 5 at node 77 (114.3051200, 30.5931100); "
                                               "b.csv:2: arrive of robotaxi 5 at node 77 (114.3051220, 30.5931100)"));
    /* an empty field equals an empty field, and differs from a filled one */
    char *bare = s_write_text ("bare.csv", HEAD "1,1,arrive,,,,,,\n"),
         *bare2 = s_write_text ("bare2.csv", HEAD "1,1.000,arrive,,,,,,\n");
    ck_assert_int_eq (s_compare (bare, bare2, &res), 0);
    ck_assert_int_eq (s_compare (bare, here, &res), 1);
    ck_assert_ptr_nonnull (strstr (res.report, "a.csv:2: arrive of no vehicle at no node; b.csv:2: arrive of "
                                               "robotaxi 5 at node 77"));
    free (empty);
    free (hand);
    free (one);
    free (near);
    free (far);
    free (here);
    free (bare);
    free (bare2);
}
END_TEST

START_TEST (test_large_instant_in_any_order_is_the_same)
{
    /* 5000 events in one instant (the shift starts at midnight are a few thousand): one order against another */
    enum { N = 5000 };
    sim_event_t *rows = malloc (N * sizeof *rows), *shuffled = malloc (N * sizeof *rows);
    for (int i = 0; i < N; i++)
        rows[i] = (sim_event_t){
            1, 0, SIM_EVENT_SHIFT_START, i, i % 2 ? R : H, NONE, i * 7 % 1000, 114 + i * 1e-4, 30 + i * 1e-4, NULL};
    for (int i = 0; i < N; i++)
        shuffled[i] = rows[(i * 7919) % N]; /* 7919 is prime to 5000: a permutation */
    char *a = s_write_log ("a", rows, N), *b = s_write_log ("b", shuffled, N);
    static sim_evdiff_result_t res;
    ck_assert_int_eq (s_compare (a, b, &res), 0);
    ck_assert_uint_eq (res.events, N);
    ck_assert_uint_eq (res.instants, 1);
    /* the same event twice on one side is a difference (multisets, not sets) */
    shuffled[0] = shuffled[1];
    char *c = s_write_log ("c", shuffled, N);
    ck_assert_int_eq (s_compare (a, c, &res), 1);
    ck_assert_ptr_nonnull (strstr (res.report, "first difference at day 1 00:00:00.000: "));
    free (rows);
    free (shuffled);
    free (a);
    free (b);
    free (c);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("sim_events");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_log_has_the_header_exact_times_and_empty_fields);
    tcase_add_test (core, test_log_appears_complete_or_not_at_all);
    tcase_add_test (core, test_same_meaning_in_another_form_is_the_same);
    tcase_add_test (core, test_changed_assignment_is_reported_with_both_lines_in_words);
    tcase_add_test (core, test_extra_event_in_an_instant_is_missing_from_the_other_log);
    tcase_add_test (core, test_instant_one_log_lacks_is_reported_with_the_others_next);
    tcase_add_test (core, test_shorter_log_is_reported_as_ending_first);
    tcase_add_test (core, test_events_in_words);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_malformed_input_is_named_by_file_line_and_column);
    tcase_add_test (limits, test_empty_logs_and_extreme_values);
    tcase_add_test (limits, test_large_instant_in_any_order_is_the_same);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
