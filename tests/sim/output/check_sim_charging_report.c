/* check_sim_charging_report: charging_hourly.csv (charging.mode = battery). Hand-made sessions give exact hourly
 * means of vehicles charging and waiting, split at the hours and cut at 24:00, and kWh and yuan booked at the hour
 * of plug-in; a battery day's file adds up to charging.csv's sessions and hourly.csv's vehicles on shift, and draws
 * charging.svg; a fixed day writes neither. */
#include <check.h>

#include "rt_check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rt_json.h"
#include "rt_proc.h"
#include "sim_csv.h"
#include "sim_report.h"

#define S_MIN_MS  60000
#define S_HOUR_MS 3600000

static sim_charge_session_t
s_session (int fleet, int64_t arrive_ms, int64_t plug_ms, int64_t end_ms, double kwh, double yuan)
{
    return (sim_charge_session_t) {.vehicle = 1, .fleet = fleet, .arrive_ms = arrive_ms, .plug_ms = plug_ms,
                                   .end_ms = end_ms, .bought_kwh = kwh, .energy_yuan = yuan};
}

/* One robotaxi plugged in 10:30-11:15, one that waited 10:50-11:10 and charged to 11:40, and a human driver from
 * 23:30 to 00:30 of the next day. */
static size_t
s_sessions (sim_charge_session_t *s)
{
    s[0] = s_session (DISP_FLEET_ROBOTAXI, 10 * S_HOUR_MS + 30 * S_MIN_MS, 10 * S_HOUR_MS + 30 * S_MIN_MS,
                      11 * S_HOUR_MS + 15 * S_MIN_MS, 30, 29.4);
    s[1] = s_session (DISP_FLEET_ROBOTAXI, 10 * S_HOUR_MS + 50 * S_MIN_MS, 11 * S_HOUR_MS + 10 * S_MIN_MS,
                      11 * S_HOUR_MS + 40 * S_MIN_MS, 20, 13);
    s[2] = s_session (DISP_FLEET_HUMAN, 23 * S_HOUR_MS + 20 * S_MIN_MS, 23 * S_HOUR_MS + 30 * S_MIN_MS,
                      24 * S_HOUR_MS + 30 * S_MIN_MS, 40, 50);
    s[3] = s_session (DISP_FLEET_HUMAN, 24 * S_HOUR_MS + 10 * S_MIN_MS, 24 * S_HOUR_MS + 20 * S_MIN_MS,
                      25 * S_HOUR_MS, 10, 5);   /* after midnight: in no hour */
    return 4;
}

START_TEST (test_hourly_means_exact)
{
    sim_charge_session_t s[4];
    size_t n = s_sessions (s);
    sim_charging_hour_t h[24][DISP_FLEET_COUNT];
    sim_report_charging_hours (s, n, h);
    const sim_charging_hour_t *r10 = &h[10][DISP_FLEET_ROBOTAXI], *r11 = &h[11][DISP_FLEET_ROBOTAXI];
    /* 10:30-11:00 of the first: half a vehicle over hour 10; 11:00-11:15 and 11:10-11:40: 0.25 + 0.5 in hour 11 */
    ck_assert_double_eq_tol (r10->charging, 0.5, 1e-12);
    ck_assert_double_eq_tol (r11->charging, 0.75, 1e-12);
    /* waiting 10:50-11:10: 10 minutes in each hour */
    ck_assert_double_eq_tol (r10->waiting, 1.0 / 6, 1e-12);
    ck_assert_double_eq_tol (r11->waiting, 1.0 / 6, 1e-12);
    ck_assert_uint_eq (r10->sessions_started, 1);
    ck_assert_uint_eq (r11->sessions_started, 1);
    ck_assert_double_eq_tol (r10->kwh_bought, 30, 1e-12);
    ck_assert_double_eq_tol (r11->energy_yuan, 13, 1e-12);
    /* the human driver: 23:20-23:30 waiting, 23:30-24:00 charging; after midnight nothing */
    const sim_charging_hour_t *h23 = &h[23][DISP_FLEET_HUMAN];
    ck_assert_double_eq_tol (h23->charging, 0.5, 1e-12);
    ck_assert_double_eq_tol (h23->waiting, 1.0 / 6, 1e-12);
    ck_assert_uint_eq (h23->sessions_started, 1);
    ck_assert_double_eq_tol (h23->kwh_bought, 40, 1e-12);
    double total = 0;
    uint32_t started = 0;
    for (int hr = 0; hr < 24; hr++)
        for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
            total += h[hr][fl].charging + h[hr][fl].waiting;
            started += h[hr][fl].sessions_started;
            ck_assert_double_eq (h[hr][fl].in_service, 0);
        }
    ck_assert_double_eq_tol (total, 0.5 + 0.75 + 2.0 / 6 + 0.5 + 1.0 / 6, 1e-12);
    ck_assert_uint_eq (started, 3);
}
END_TEST

START_TEST (test_file_has_vehicles_on_shift)
{
    sim_charge_session_t s[4];
    size_t n = s_sessions (s);
    sim_metrics_t *m = sim_metrics_new (24 * (int64_t) S_HOUR_MS);
    ck_assert_ptr_nonnull (m);
    /* two robotaxis on shift 10:00-12:00, one of them until 10:30 only */
    sim_metrics_vehicle_time (m, DISP_FLEET_ROBOTAXI, SIM_TIME_IDLE, 10 * S_HOUR_MS, 12 * S_HOUR_MS);
    sim_metrics_vehicle_time (m, DISP_FLEET_ROBOTAXI, SIM_TIME_OCCUPIED, 10 * S_HOUR_MS,
                              10 * S_HOUR_MS + 30 * S_MIN_MS);
    char *dir = rt_temp_dir ("charging"), err[512], path[1024];
    ck_assert_int_eq (sim_report_write_charging_hourly (dir, m, s, n, err, sizeof err), 0);
    snprintf (path, sizeof path, "%s/charging_hourly.csv", dir);
    sim_csv_t csv;
    ck_assert_int_eq (sim_csv_load (&csv, path, err, sizeof err), 0);
    ck_assert_uint_eq (csv.nrows, 24 * DISP_FLEET_COUNT);
    int hour = sim_csv_col (&csv, "hour"), fleet = sim_csv_col (&csv, "fleet");
    int charging = sim_csv_col (&csv, "charging"), waiting = sim_csv_col (&csv, "waiting");
    int service = sim_csv_col (&csv, "in_service"), started = sim_csv_col (&csv, "sessions_started");
    ck_assert (hour >= 0 && fleet >= 0 && charging >= 0 && waiting >= 0 && service >= 0 && started >= 0);
    int found = 0;
    for (size_t r = 0; r < csv.nrows; r++) {
        if (strcmp (sim_csv_cell (&csv, r, fleet), "robotaxi") != 0)
            continue;
        int h = atoi (sim_csv_cell (&csv, r, hour));
        if (h == 10) {
            ck_assert_str_eq (sim_csv_cell (&csv, r, charging), "0.5000");
            ck_assert_str_eq (sim_csv_cell (&csv, r, waiting), "0.1667");
            ck_assert_str_eq (sim_csv_cell (&csv, r, service), "1.5");
            found++;
        } else if (h == 11) {
            ck_assert_str_eq (sim_csv_cell (&csv, r, charging), "0.7500");
            ck_assert_str_eq (sim_csv_cell (&csv, r, service), "1.0");
            ck_assert_str_eq (sim_csv_cell (&csv, r, started), "1");
            found++;
        } else if (h == 12) {
            ck_assert_str_eq (sim_csv_cell (&csv, r, service), "0.0");
            ck_assert_str_eq (sim_csv_cell (&csv, r, charging), "0.0000");
            found++;
        }
    }
    ck_assert_int_eq (found, 3);
    sim_csv_free (&csv);
    sim_metrics_destroy (&m);
    free (dir);
}
END_TEST

/* The number in a cell of csv's column name. */
static double
s_num (const sim_csv_t *csv, size_t row, const char *name)
{
    int col = sim_csv_col (csv, name);
    ck_assert_msg (col >= 0, "%s: no column %s", csv->path, name);
    double v;
    ck_assert_msg (sim_csv_parse_number (sim_csv_cell (csv, row, col), &v) == 0, "%s: %s", csv->path, name);
    return v;
}

static void
s_load (sim_csv_t *csv, const char *dir, const char *name)
{
    char path[1024], err[512];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    ck_assert_msg (sim_csv_load (csv, path, err, sizeof err) == 0, "%s", err);
}

static int
s_exists (const char *dir, const char *name)
{
    char path[1024];
    struct stat st;
    snprintf (path, sizeof path, "%s/%s", dir, name);
    return stat (path, &st) == 0;
}

START_TEST (test_battery_day_adds_up)
{
    char *sim = rt_tool ("robotaxi-sim"), *dir = rt_temp_dir ("charging_day"), out[8192], err[8192];
    char *argv[] = {sim, "-q", "--set", "charging.mode=battery", "-o", dir, NULL};
    ck_assert_msg (rt_run (argv, out, sizeof out, err, sizeof err, 120000) == 0, "%s", err);
    ck_assert (s_exists (dir, "charging.svg"));
    char *page = rt_slurp (strcat (strcpy (out, dir), "/report.html"), NULL);
    ck_assert_ptr_nonnull (page);
    ck_assert_msg (strstr (page, "Charging by hour") && strstr (page, "src=\"charging.svg\" alt=\"Mean vehicles"),
                   "report.html shows no charging figure");
    /* and the charging table: summary.json's figures of each fleet, shares in percent */
    json_error_t jerr;
    char path[1024], row[512];
    snprintf (path, sizeof path, "%s/summary.json", dir);
    json_t *summary = json_load_file (path, 0, &jerr);
    ck_assert_msg (summary != NULL, "%s: %s", path, jerr.text);
    ck_assert_msg (strstr (page, "<h2>Charging</h2>"), "report.html has no charging table");
    snprintf (row, sizeof row, "<tr><th>time plugged in (of on-shift)</th><td class=\"n\">%.2f%%</td>"
              "<td class=\"n\">%.2f%%</td></tr>", 100 * rt_json_num (summary, "charging", "robotaxi", "plugged_in_share"),
              100 * rt_json_num (summary, "charging", "human", "plugged_in_share"));
    ck_assert_msg (strstr (page, row), "report.html lacks %s", row);
    snprintf (row, sizeof row, "<tr><th>energy per vehicle-day, yuan</th><td class=\"n\">%.2f</td>"
              "<td class=\"n\">%.2f</td></tr>", rt_json_num (summary, "charging", "robotaxi",
                                                               "energy_yuan_per_vehicle_day"),
              rt_json_num (summary, "charging", "human", "energy_yuan_per_vehicle_day"));
    ck_assert_msg (strstr (page, row), "report.html lacks %s", row);
    ck_assert_double_gt (rt_json_num (summary, "charging", "robotaxi", "energy_yuan_per_vehicle_day"), 0);
    json_decref (summary);
    free (page);
    sim_csv_t hourly, sessions, online;
    s_load (&hourly, dir, "charging_hourly.csv");
    s_load (&sessions, dir, "charging.csv");
    s_load (&online, dir, "hourly.csv");
    ck_assert_uint_eq (hourly.nrows, 24 * DISP_FLEET_COUNT);
    ck_assert_uint_eq (online.nrows, hourly.nrows);
    /* per fleet: charging and waiting vehicle-hours over the day, kWh of sessions plugged in before midnight */
    double plug_h[2] = {0, 0}, wait_h[2] = {0, 0}, kwh[2] = {0, 0}, sum_plug[2] = {0, 0}, sum_wait[2] = {0, 0},
           sum_kwh[2] = {0, 0};
    for (size_t r = 0; r < hourly.nrows; r++) {
        int fl = strcmp (sim_csv_cell (&hourly, r, sim_csv_col (&hourly, "fleet")), "robotaxi") == 0 ? 0 : 1;
        plug_h[fl] += s_num (&hourly, r, "charging");
        wait_h[fl] += s_num (&hourly, r, "waiting");
        kwh[fl] += s_num (&hourly, r, "kwh_bought");
        /* in service is hourly.csv's vehicles online, row for row */
        ck_assert_str_eq (sim_csv_cell (&hourly, r, sim_csv_col (&hourly, "fleet")),
                          sim_csv_cell (&online, r, sim_csv_col (&online, "fleet")));
        ck_assert_double_eq (s_num (&hourly, r, "in_service"), s_num (&online, r, "vehicles_online"));
    }
    for (size_t r = 0; r < sessions.nrows; r++) {
        int fl = strcmp (sim_csv_cell (&sessions, r, sim_csv_col (&sessions, "fleet")), "robotaxi") == 0 ? 0 : 1;
        double arrive = s_num (&sessions, r, "arrive_s"), plug = s_num (&sessions, r, "plug_s");
        double end = s_num (&sessions, r, "end_s");
        /* the span within the day: charge_min / 60 of each session, cut at 24:00 */
        sum_plug[fl] += (fmin (end, 86400) - fmin (plug, 86400)) / 3600;
        sum_wait[fl] += (fmin (plug, 86400) - fmin (arrive, 86400)) / 3600;
        if (plug < 86400)
            sum_kwh[fl] += s_num (&sessions, r, "bought_kwh");
        if (end <= 86400)
            ck_assert_double_eq_tol ((end - plug) / 3600, s_num (&sessions, r, "charge_min") / 60, 1e-3);
    }
    ck_assert_msg (sum_plug[0] > 1 && sum_plug[1] > 1, "a battery day with little charging: %g, %g h", sum_plug[0],
                   sum_plug[1]);
    for (int fl = 0; fl < 2; fl++) {
        /* 24 rows of 4 decimals each, against sessions of 3 */
        ck_assert_msg (fabs (plug_h[fl] - sum_plug[fl]) < 0.005, "fleet %d: %g h charging by hour, %g h in sessions",
                       fl, plug_h[fl], sum_plug[fl]);
        ck_assert_msg (fabs (wait_h[fl] - sum_wait[fl]) < 0.005, "fleet %d: %g h waiting by hour, %g in sessions", fl,
                       wait_h[fl], sum_wait[fl]);
        ck_assert_msg (fabs (kwh[fl] - sum_kwh[fl]) < 0.05, "fleet %d: %g kWh by hour, %g in sessions", fl, kwh[fl],
                       sum_kwh[fl]);
    }
    sim_csv_free (&hourly);
    sim_csv_free (&sessions);
    sim_csv_free (&online);

    /* fixed: no charging table, no charging figure, nothing about charging on the page */
    char *fixed = rt_temp_dir ("charging_fixed");
    char *fixed_argv[] = {sim, "-q", "--set", "charging.mode=fixed", "-o", fixed, NULL};
    ck_assert_msg (rt_run (fixed_argv, out, sizeof out, err, sizeof err, 120000) == 0, "%s", err);
    ck_assert (s_exists (fixed, "summary.json") && s_exists (fixed, "utilization.svg"));
    ck_assert (!s_exists (fixed, "charging_hourly.csv"));
    ck_assert (!s_exists (fixed, "charging.svg"));
    page = rt_slurp (strcat (strcpy (out, fixed), "/report.html"), NULL);
    ck_assert_ptr_nonnull (page);
    ck_assert (!strstr (page, "Charging by hour"));
    ck_assert (!strstr (page, "<h2>Charging"));
    free (page);
    free (fixed);
    free (dir);
    free (sim);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_charging_report");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_hourly_means_exact);
    tcase_add_test (core, test_file_has_vehicles_on_shift);
    suite_add_tcase (s, core);
    TCase *run = tcase_create ("run");
    tcase_set_timeout (run, 240);
    tcase_add_test (run, test_battery_day_adds_up);
    suite_add_tcase (s, run);
    return rt_check_run (s);
}
