/* sim_report: what a run leaves behind and shows: summary.json, hourly.csv, fares.csv, drivers.csv, the summary
 * table, and the snapshot rows and JSON lines that robotaxi-watch prints. Key and column names are documented in
 * the README ("Outputs"). */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include <stdio.h>
#include "sim_config.h"
#include "sim_cost.h"
#include "sim_metrics.h"
#include "sim_world.h"

/* One day of a run, for days.csv and the headline figures: sim_run fills them (sim_run_result_t), this module
 * writes and prints them, so the type lives here, below the runs. */
typedef struct {
    uint32_t day;              /* 1-based */
    uint32_t active_drivers;   /* human drivers who worked */
    double driver_hours, driver_net_hourly_yuan, driver_net_income_yuan;
    uint64_t robotaxi_trips, human_trips, unserved;
    uint64_t considered, chose_other;
    double robotaxi_share;     /* of the ride-hail trips served */
    int has_baseline;          /* the same day without robotaxis was played too: */
    uint32_t baseline_active_drivers, displaced_drivers;
    double income_lost_yuan;   /* what the displaced drivers earned on the day without robotaxis */
    uint64_t trips_lost;       /* the trips they drove then */
    uint64_t trips_moved;      /* human ride-hail trips without robotaxis less those with them (sim_displacement_t) */
    double income_moved_yuan;  /* the drivers' net income without robotaxis less with them */
    double fulltime_drivers_equivalent;   /* income_moved_yuan in full-time drivers' daily net incomes */
} sim_day_row_t;

/* ---- figures: one rounding and one label each, whatever shows them ------------------------------------------ */

/* How a figure reads in a table: the number itself, a share as a percentage (two decimals fewer), or seconds as
 * minutes with one decimal. */
typedef enum { SIM_FIG_NUMBER, SIM_FIG_PERCENT, SIM_FIG_MINUTES } sim_fig_unit_t;

/* Which figures a table shows: SIM_FIG_SHOWN in the run's tables (terminal and report.html); SIM_FIG_IF_USED only
 * when some value is not 0 (repositioning); SIM_FIG_BASELINE a days.csv column written with --baseline only;
 * SIM_FIG_SUM a count or amount whose total over days means something (a share or a rate has none). */
enum { SIM_FIG_SHOWN = 1, SIM_FIG_IF_USED = 2, SIM_FIG_BASELINE = 4, SIM_FIG_SUM = 8 };

/* A figure as every output shows it: its key (in summary.json, or its column in a CSV), the decimals every output
 * rounds it to (once: JSON, CSV, terminal, report.html and robotaxi-watch all print that rounded value), the label
 * of the tables that show it, how it reads there, and SIM_FIG_* flags. */
typedef struct {
    const char *key;
    int decimals;
    sim_fig_unit_t unit;
    const char *label;
    unsigned flags;
} sim_fig_t;

/* The groups of figures: a fleet's (summary.json fleets.robotaxi and fleets.human), the human drivers'
 * (drivers.*), the displacement against the day without robotaxis (displacement.*), a day's (the columns of
 * days.csv after `day`), a fleet's costs (the columns of costs.csv after `fleet`). */
typedef enum { SIM_FIGS_FLEET, SIM_FIGS_DRIVERS, SIM_FIGS_DISPLACEMENT, SIM_FIGS_DAY, SIM_FIGS_COST } sim_figs_t;

/* The i-th figure of group, in the order the file holds them; NULL past the last. */
const sim_fig_t *sim_report_fig (sim_figs_t group, size_t i);

/* The figure of group with this key, or NULL. */
const sim_fig_t *sim_report_fig_find (sim_figs_t group, const char *key);

/* v to `decimals` decimals, halves away from zero: the one rounding of every figure. Rounding a rounded value again
 * changes nothing. */
double sim_report_round (double v, int decimals);

/* The text of fig for value v as the tables show it ("13.66%", "5.6", "17.05"), v rounded by sim_report_round
 * first: a raw value and the same value read back from summary.json or a CSV give the same text. A value that is
 * not finite reads as "-". Returns buf. */
const char *sim_report_fig_text (const sim_fig_t *fig, double v, char *buf, size_t len);

/* The scope a run's last-day figures have, for table headings: "" for a run of one day, else "day N of N (the last
 * day)". Returns buf. */
const char *sim_report_last_day (uint32_t day, uint32_t days, char *buf, size_t len);

/* One snapshot as JSON: one line (indent 0) or indented. malloc'd, caller frees; NULL when out of memory. */
char *sim_report_snapshot_json (const sim_snapshot_t *snap, int indent);

/* Writes DIR/summary.json: the final snapshot of the last of the run's `days` days, indented, with "days" beside
 * its "day". 0, or -1 with a message. */
int sim_report_write_summary (const char *dir, const sim_snapshot_t *final_snap, uint32_t days, char *err,
                              size_t errlen);

/* Writes DIR/hourly.csv: one row per hour and fleet. */
int sim_report_write_hourly (const char *dir, const sim_metrics_t *metrics, char *err, size_t errlen);

/* Writes DIR/fares.csv: fare against distance, 0-30 km in 0.5 km steps, for both fleets. */
int sim_report_write_fares (const char *dir, const sim_config_t *cfg, char *err, size_t errlen);

/* Writes DIR/waits.csv: riders picked up per minute of wait (0 .. patience), per fleet. */
int sim_report_write_waits (const char *dir, const sim_metrics_t *metrics, const sim_config_t *cfg, char *err,
                            size_t errlen);

/* Writes DIR/choice.csv: the riders' predicted shares as the robotaxi fare is multiplied by each price factor. */
int sim_report_write_choice (const char *dir, const sim_config_t *cfg, const sim_choice_curve_t *curve, char *err,
                             size_t errlen);

/* Writes DIR/days.csv: one row per day (the baseline columns when the days have them). */
int sim_report_write_days (const char *dir, const sim_day_row_t *days, size_t count, char *err, size_t errlen);

/* The cost table printed after the summary: the cost model over all `days` days of the run (costs.csv). */
void sim_report_print_costs (FILE *out, const sim_cost_t cost[DISP_FLEET_COUNT], uint32_t days);

/* The daily series of a run of several days (days.csv); nothing for one day. */
void sim_report_print_days (FILE *out, const sim_day_row_t *days, size_t count);

/* With a baseline: the displacement of each day (days.csv), and over several days their total and mean per day;
 * nothing without a baseline. */
void sim_report_print_displacement (FILE *out, const sim_day_row_t *days, size_t count);

/* Writes DIR/drivers.csv: one row per human driver. */
int sim_report_write_drivers (const char *dir, const sim_driver_row_t *rows, size_t count, char *err,
                              size_t errlen);

/* charging.mode battery (README "Electric fleets"): batteries.csv (a row per vehicle: its battery over the day, the
 * energy used, charged and bought and what it cost), charging.csv (a row per charging session) and chargers.csv (a
 * row per charging site and its use). 0, or -1 with "PATH: why". */
int sim_report_write_charging (const char *dir, const sim_battery_row_t *batteries, size_t nbatteries,
                               const sim_charge_session_t *sessions, size_t nsessions,
                               const sim_charge_site_row_t *sites, size_t nsites, char *err, size_t errlen);

/* One hour of one fleet's charging (charging_hourly.csv, README "Electric fleets"). */
typedef struct {
    double charging, waiting;   /* mean vehicles plugged in, and waiting for a plug, over the hour: the sessions'
                                 * [plug_ms, end_ms) and [arrive_ms, plug_ms) clipped to the hour, over an hour */
    double in_service;          /* mean vehicles on shift (hourly.csv's vehicles_online; charging ones included) */
    uint32_t sessions_started;  /* sessions plugged in within the hour */
    double kwh_bought, energy_yuan;   /* of the sessions plugged in within the hour, whole */
} sim_charging_hour_t;

/* The charging of sessions[0..nsessions) by hour of the day (0 .. 23) and fleet, in_service left 0. A span past
 * 24:00 counts in no hour, nor does a session plugged in after it. */
void sim_report_charging_hours (const sim_charge_session_t *sessions, size_t nsessions,
                                sim_charging_hour_t hours[24][DISP_FLEET_COUNT]);

/* Writes DIR/charging_hourly.csv: a row per hour 0 .. 23 and fleet with sim_report_charging_hours' figures and the
 * vehicles on shift of metrics. 0, or -1 with "PATH: why". */
int sim_report_write_charging_hourly (const char *dir, const sim_metrics_t *metrics,
                                      const sim_charge_session_t *sessions, size_t nsessions, char *err,
                                      size_t errlen);

/* The end-of-run table: the last day's final snapshot snap, of a run of `days` days (headed with its scope when
 * there are several), and the human drivers' line. */
void sim_report_print_summary (FILE *out, const sim_snapshot_t *snap, uint32_t days);

/* A compact live row per snapshot (robotaxi-watch), with a header line when header is nonzero: per fleet riders
 * served of requests, the share of on-shift time carrying a rider ("carrying", the tables' "time carrying a rider")
 * and the mean wait; the drivers' gross yuan per hour and, on a final snapshot only, their net yuan per hour (during
 * the day it would charge the whole day's rent and insurance to the hours so far). */
void sim_report_print_row (FILE *out, const sim_snapshot_t *snap, int header);

/* DIR/costs.csv: one row per fleet with every field above. DIR/costcurve.csv: utilization 0.05 .. 1 in 0.05 steps,
 * cost per km of each fleet. 0, or -1 with "PATH: why". */
int sim_report_write_costs (const char *dir, const sim_config_t *cfg, const sim_cost_use_t use[DISP_FLEET_COUNT],
                            char *err, size_t errlen);

#endif
