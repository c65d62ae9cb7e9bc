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
} sim_day_row_t;

/* One snapshot as JSON: one line (indent 0) or indented. malloc'd, caller frees; NULL when out of memory. */
char *sim_report_snapshot_json (const sim_snapshot_t *snap, int indent);

/* Writes DIR/summary.json: the final snapshot, indented. 0, or -1 with a message. */
int sim_report_write_summary (const char *dir, const sim_snapshot_t *final_snap, char *err, size_t errlen);

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

/* The cost table printed after the summary. */
void sim_report_print_costs (FILE *out, const sim_cost_t cost[DISP_FLEET_COUNT]);

/* The daily series of a run of several days. */
void sim_report_print_days (FILE *out, const sim_day_row_t *days, size_t count);

/* Writes DIR/drivers.csv: one row per human driver. */
int sim_report_write_drivers (const char *dir, const sim_driver_row_t *rows, size_t count, char *err,
                              size_t errlen);

/* The end-of-run table. */
void sim_report_print_summary (FILE *out, const sim_snapshot_t *snap);

/* A compact live row per snapshot, with a header line when header is nonzero. */
void sim_report_print_row (FILE *out, const sim_snapshot_t *snap, int header);

/* DIR/costs.csv: one row per fleet with every field above. DIR/costcurve.csv: utilization 0.05 .. 1 in 0.05 steps,
 * cost per km of each fleet. 0, or -1 with "PATH: why". */
int sim_report_write_costs (const char *dir, const sim_config_t *cfg, const sim_cost_use_t use[DISP_FLEET_COUNT],
                            char *err, size_t errlen);

#endif
