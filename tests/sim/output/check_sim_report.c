/* check_sim_report: every figure is rounded once and reads the same wherever it appears: the terminal tables,
 * summary.json, days.csv and robotaxi-watch's row show one text for one figure (net 17.0498 yuan/h is 17.05
 * everywhere, never 17.0 beside 17.1); tables say their scope (the last day of several, all days); the displacement
 * table's totals are the sums of days.csv's columns; the watch's "carrying" is the tables' "time carrying a rider",
 * and its net per hour waits for the end of the day. */
#include <check.h>

#include "rt_check.h"
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_proc.h"
#include "sim_csv.h"
#include "sim_report.h"

/* A final snapshot of day 3 whose figures sit next to a rounding boundary, with its displacement. */
static void
s_snapshot (sim_snapshot_t *s, sim_snapshot_kind_t kind)
{
    memset (s, 0, sizeof *s);
    s->kind = kind;
    s->seq = 97;
    s->sim_time_ms = kind == SIM_SNAPSHOT_FINAL ? 88100000 : 15 * 60000;
    s->day = 3;
    snprintf (s->scenario, sizeof s->scenario, "wuhan");
    s->seed = 42;
    sim_fleet_metrics_t *r = &s->fleets[DISP_FLEET_ROBOTAXI], *h = &s->fleets[DISP_FLEET_HUMAN];
    r->vehicles = 40;
    r->requests = 610;
    r->served = 482;
    r->unserved = 128;
    r->util_occupied = 0.136549;   /* 13.65%, not 13.7% */
    r->util_pickup = 0.0502;
    r->util_idle = 1 - 0.136549 - 0.0502;
    r->mean_wait_s = 334.06;       /* 334.1 s, 5.6 min */
    r->km_driven = 5631.44;
    r->revenue_yuan = 4846.5449;
    h->vehicles = 2137;
    h->requests = 55301;
    h->served = 53566;
    h->util_occupied = 0.48;
    h->util_pickup = 0.1442;
    h->util_idle = 0.3758;
    h->mean_wait_s = 248.4;
    s->drivers.drivers = 2137;
    s->drivers.hours_online = 21525.64;
    s->drivers.gross_hourly_yuan = 46.3649;
    s->drivers.net_hourly_yuan = 17.0498;   /* 17.05; rounded again to one decimal that would be 17.1, from the
                                             * full value 17.0 */
    s->drivers.net_daily_yuan = 231.94;
    s->drivers.net_income_yuan = 495663.01;
    s->has_displacement = 1;
    s->displacement.trips_moved = 162;
    s->displacement.displaced_drivers = 147;
}

/* What fn printed, NUL-terminated (malloc'd). */
static char *
s_printed (void (*fn) (FILE *, const void *), const void *arg)
{
    FILE *f = tmpfile ();
    ck_assert_ptr_nonnull (f);
    fn (f, arg);
    long len = ftell (f);
    ck_assert_int_ge (len, 0);
    char *text = malloc ((size_t) len + 1);
    rewind (f);
    ck_assert_uint_eq (fread (text, 1, (size_t) len, f), (size_t) len);
    text[len] = '\0';
    fclose (f);
    return text;
}

static void
s_print_summary (FILE *f, const void *arg)
{
    sim_report_print_summary (f, arg, 3);
}

static void
s_print_summary_one_day (FILE *f, const void *arg)
{
    sim_report_print_summary (f, arg, 1);
}

static void
s_print_row (FILE *f, const void *arg)
{
    sim_report_print_row (f, arg, 1);
}

/* The days table and the displacement of the 3 days at arg. */
static void
s_print_days (FILE *f, const void *arg)
{
    sim_report_print_days (f, arg, 3);
    sim_report_print_displacement (f, arg, 3);
}

static void
s_print_one_day (FILE *f, const void *arg)
{
    sim_report_print_days (f, arg, 1);
    sim_report_print_displacement (f, arg, 1);
}

/* The first row of robotaxi-watch's table after its header lines (those start with blanks or "seq"). */
static const char *
s_data_line (const char *text)
{
    const char *line = text;
    while (line && (*line == ' ' || strncmp (line, "seq", 3) == 0)) {
        line = strchr (line, '\n');
        line = line ? line + 1 : NULL;
    }
    ck_assert_ptr_nonnull (line);
    return line;
}

/* The number at a.b.c of a JSON text. */
static double
s_json_at (const char *text, const char *a, const char *b, const char *c)
{
    json_error_t jerr;
    json_t *root = json_loads (text, 0, &jerr);
    ck_assert_msg (root != NULL, "%s", jerr.text);
    json_t *v = json_object_get (root, a);
    if (b)
        v = json_object_get (v, b);
    if (c)
        v = json_object_get (v, c);
    ck_assert_msg (json_is_number (v), "%s.%s.%s is not a number", a, b ? b : "", c ? c : "");
    double d = json_number_value (v);
    json_decref (root);
    return d;
}

START_TEST (test_rounding_once)
{
    const sim_fig_t *net = sim_report_fig_find (SIM_FIGS_DRIVERS, "net_hourly_yuan");
    const sim_fig_t *occ = sim_report_fig_find (SIM_FIGS_FLEET, "util_occupied");
    const sim_fig_t *wait = sim_report_fig_find (SIM_FIGS_FLEET, "mean_wait_s");
    ck_assert_ptr_nonnull (net);
    ck_assert_ptr_nonnull (occ);
    ck_assert_ptr_nonnull (wait);
    char a[32], b[32];
    ck_assert_str_eq (sim_report_fig_text (net, 17.0498, a, sizeof a), "17.05");
    ck_assert_str_eq (sim_report_fig_text (net, sim_report_round (17.0498, net->decimals), b, sizeof b), "17.05");
    ck_assert_str_eq (sim_report_fig_text (occ, 0.136549, a, sizeof a), "13.65%");
    ck_assert_str_eq (sim_report_fig_text (occ, 0.1365, a, sizeof a), "13.65%");
    ck_assert_str_eq (sim_report_fig_text (wait, 334.06, a, sizeof a), "5.6");
    ck_assert_str_eq (sim_report_fig_text (net, -0.001, a, sizeof a), "0.00");    /* never "-0.00" */
    ck_assert_str_eq (sim_report_fig_text (net, NAN, a, sizeof a), "-");
    ck_assert_double_eq (sim_report_round (2.675, 2), sim_report_round (sim_report_round (2.675, 2), 2));
    ck_assert_ptr_null (sim_report_fig_find (SIM_FIGS_DAY, "no_such_column"));
    ck_assert_ptr_null (sim_report_fig (SIM_FIGS_DAY, 1000));
}
END_TEST

/* The terminal and summary.json show one text per figure, and the table says which day it is. */
START_TEST (test_terminal_matches_summary_json)
{
    sim_snapshot_t snap;
    s_snapshot (&snap, SIM_SNAPSHOT_FINAL);
    char *json = sim_report_snapshot_json (&snap, 2);
    char *out = s_printed (s_print_summary, &snap);
    ck_assert_msg (strstr (out, "day 3 of 3 (the last day)"), "no scope in: %s", out);
    ck_assert_msg (strstr (out, "human drivers on day 3:"), "%s", out);
    char want[256], a[32];
    const sim_fig_t *net = sim_report_fig_find (SIM_FIGS_DRIVERS, "net_hourly_yuan");
    snprintf (want, sizeof want, "net %s yuan/h",
              sim_report_fig_text (net, s_json_at (json, "drivers", "net_hourly_yuan", NULL), a, sizeof a));
    ck_assert_str_eq (want, "net 17.05 yuan/h");
    ck_assert_msg (strstr (out, want), "'%s' not in: %s", want, out);
    /* every shown row of the fleets table holds the text of the JSON value */
    for (size_t i = 0; sim_report_fig (SIM_FIGS_FLEET, i); i++) {
        const sim_fig_t *fig = sim_report_fig (SIM_FIGS_FLEET, i);
        if (!(fig->flags & SIM_FIG_SHOWN) || (fig->flags & SIM_FIG_IF_USED))
            continue;
        char b[32];
        snprintf (want, sizeof want, "%s", fig->label);
        const char *line = strstr (out, want);
        ck_assert_msg (line, "no row '%s' in: %s", fig->label, out);
        sim_report_fig_text (fig, s_json_at (json, "fleets", "robotaxi", fig->key), a, sizeof a);
        sim_report_fig_text (fig, s_json_at (json, "fleets", "human", fig->key), b, sizeof b);
        char ra[32], rb[32];
        ck_assert_int_eq (sscanf (line + strlen (fig->label), " %31s %31s", ra, rb), 2);
        ck_assert_str_eq (ra, a);
        ck_assert_str_eq (rb, b);
    }
    ck_assert_msg (strstr (out, "time carrying a rider") && strstr (out, "13.65%"), "%s", out);
    ck_assert_msg (!strstr (out, "time repositioning"), "a row of nothing: %s", out);
    free (out);
    /* a run of one day has no scope to say */
    char *one = s_printed (s_print_summary_one_day, &snap);
    ck_assert_msg (!strstr (one, "day 3") && !strstr (one, "last day"), "%s", one);
    free (one);
    free (json);
}
END_TEST

/* robotaxi-watch's row: "carrying" is the tables' time carrying a rider, in the same text; net per hour only at
 * the end of the day. */
START_TEST (test_watch_row_is_the_tables)
{
    sim_snapshot_t snap;
    s_snapshot (&snap, SIM_SNAPSHOT_FINAL);
    char *row = s_printed (s_print_row, &snap);
    char *table = s_printed (s_print_summary, &snap);
    ck_assert_msg (strstr (row, "carrying") && strstr (row, "robotaxi:"), "no 'carrying' in the header: %s", row);
    ck_assert_msg (!strstr (row, "util"), "an unlabelled utilization: %s", row);
    /* the robotaxi figure the table shows as "time carrying a rider" */
    char r_table[32], h_table[32];
    const char *line = strstr (table, "time carrying a rider");
    ck_assert_int_eq (sscanf (line + strlen ("time carrying a rider"), " %31s %31s", r_table, h_table), 2);
    const char *data = s_data_line (row);
    unsigned long long served, req, h_served, h_req;
    char r_carry[32], h_carry[32], r_wait[32], h_wait[32], gross[32], net[32];
    ck_assert_int_eq (sscanf (data, "%*s %*s %*s | %llu/%llu %31s %31s | %llu/%llu %31s %31s | %31s %31s", &served,
                              &req, r_carry, r_wait, &h_served, &h_req, h_carry, h_wait, gross, net),
                      10);
    ck_assert_uint_eq (served, 482);
    ck_assert_uint_eq (req, 610);
    ck_assert_str_eq (r_carry, r_table);
    ck_assert_str_eq (h_carry, h_table);
    ck_assert_str_eq (r_wait, "5.6m");
    ck_assert_str_eq (gross, "46.36");
    ck_assert_str_eq (net, "17.05");
    free (row);
    /* at 00:15 a day's rent and insurance against a quarter hour: no net figure yet */
    s_snapshot (&snap, SIM_SNAPSHOT_PERIODIC);
    snap.drivers.net_hourly_yuan = -295.7;
    row = s_printed (s_print_row, &snap);
    data = s_data_line (row);
    ck_assert_int_eq (sscanf (data, "%*s %*s %*s | %llu/%llu %31s %31s | %llu/%llu %31s %31s | %31s %31s", &served,
                              &req, r_carry, r_wait, &h_served, &h_req, h_carry, h_wait, gross, net),
                      10);
    ck_assert_str_eq (net, "-");
    ck_assert_msg (!strstr (row, "295"), "%s", row);
    free (row);
    free (table);
}
END_TEST

/* Three days with a baseline: days.csv holds the displacement of each day, and the terminal's totals are the sums
 * of its columns. */
START_TEST (test_displacement_totals_are_days_csv_sums)
{
    sim_day_row_t days[3];
    memset (days, 0, sizeof days);
    for (uint32_t i = 0; i < 3; i++) {
        days[i].day = i + 1;
        days[i].has_baseline = 1;
        days[i].active_drivers = 2776 - 300 * i;
        days[i].driver_net_hourly_yuan = 17.0498 + i;
        days[i].robotaxi_share = 0.0080049 + 0.0004 * i;
        days[i].baseline_active_drivers = 2776 - 290 * i;
        days[i].displaced_drivers = 120 * i;
        days[i].income_lost_yuan = 12381.035 * i + 0.004;
        days[i].trips_lost = 1401 * i;
        days[i].trips_moved = 150 + i;
        days[i].income_moved_yuan = 2603.855 + 1.111 * i;
        days[i].fulltime_drivers_equivalent = 8.9149 + i;
    }
    char *dir = rt_temp_dir ("report"), err[512];
    ck_assert_msg (sim_report_write_days (dir, days, 3, err, sizeof err) == 0, "%s", err);
    char path[1024];
    snprintf (path, sizeof path, "%s/days.csv", dir);
    sim_csv_t csv;
    ck_assert_int_eq (sim_csv_load (&csv, path, err, sizeof err), 0);
    ck_assert_uint_eq (csv.nrows, 3);
    char *text = s_printed (s_print_days, days);
    ck_assert_msg (strstr (text, "each day (days.csv)"), "%s", text);
    ck_assert_msg (strstr (text, "displacement: each day against the same day without robotaxis"), "%s", text);
    /* the days table shows the net per hour as days.csv holds it */
    ck_assert_msg (strstr (text, " 17.05 ") && !strstr (text, " 17.0 "), "%s", text);
    static const char *const cols[] = {"trips_moved", "income_moved_yuan", "fulltime_drivers_equivalent",
                                       "displaced_drivers", "income_lost_yuan", "trips_lost"};
    const char *total = strstr (text, "total, 3 days");
    const char *mean = strstr (text, "mean per day");
    ck_assert_msg (total && mean, "%s", text);
    total += strlen ("total, 3 days");
    mean += strlen ("mean per day");
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        int col = sim_csv_col (&csv, cols[c]);
        ck_assert_msg (col >= 0, "days.csv has no %s", cols[c]);
        double sum = 0;
        for (size_t r = 0; r < 3; r++)
            sum += strtod (sim_csv_cell (&csv, r, col), NULL);
        char want[32], got[32];
        int used;
        const sim_fig_t *fig = sim_report_fig_find (SIM_FIGS_DAY, cols[c]);
        ck_assert_int_eq (sscanf (total, " %31s%n", got, &used), 1);
        total += used;
        ck_assert_str_eq (got, sim_report_fig_text (fig, sum, want, sizeof want));
        ck_assert_int_eq (sscanf (mean, " %31s%n", got, &used), 1);
        mean += used;
        ck_assert_str_eq (got, sim_report_fig_text (fig, sum / 3, want, sizeof want));
    }
    sim_csv_free (&csv);
    free (text);
    free (dir);
}
END_TEST

/* Without a baseline there is no displacement to print, and days.csv has no baseline columns. */
START_TEST (test_no_baseline_no_displacement)
{
    sim_day_row_t day = {.day = 1, .active_drivers = 10};
    char *text = s_printed (s_print_one_day, &day);
    ck_assert_str_eq (text, "");
    free (text);
    char *dir = rt_temp_dir ("report1"), err[512], path[1024];
    ck_assert_msg (sim_report_write_days (dir, &day, 1, err, sizeof err) == 0, "%s", err);
    snprintf (path, sizeof path, "%s/days.csv", dir);
    char *csv = rt_slurp (path, NULL);
    ck_assert_msg (!strstr (csv, "displaced") && !strstr (csv, "trips_moved"), "%s", csv);
    free (csv);
    free (dir);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_report");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_rounding_once);
    tcase_add_test (core, test_terminal_matches_summary_json);
    tcase_add_test (core, test_watch_row_is_the_tables);
    tcase_add_test (core, test_displacement_totals_are_days_csv_sums);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_no_baseline_no_displacement);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
