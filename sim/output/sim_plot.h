/* sim_plot: turns what a run (or a sweep, or a regression suite) left in a folder into SVG plots drawn by gnuplot
 * and a one-page report.html that shows them beside summary tables, readable offline in a browser. One file per
 * family implements it (sim_plot_run.c, sim_plot_sweep.c, sim_plot_regress.c), each with a table of its figures'
 * descriptions over sim_figure. */
#ifndef SIM_PLOT_H
#define SIM_PLOT_H

#include <stddef.h>

/* Plots and report.html for a run's folder DIR.
 *
 * Reads DIR/summary.json (required) and, when present, fares.csv, hourly.csv, waits.csv, costs.csv, costcurve.csv,
 * choice.csv and days.csv, columns found by their header names. For each plot whose input is present it writes the
 * data as DIR/gnuplot/NAME.dat and the script as DIR/gnuplot/NAME.gp (re-run with `cd DIR && gnuplot
 * gnuplot/NAME.gp`), runs gnuplot, which writes DIR/NAME.svg, and then writes DIR/report.html. The program run is
 * $ROBOTAXI_GNUPLOT when set, else "gnuplot" from PATH.
 *
 * Returns 0 when everything was drawn; 1 when gnuplot is not available (scripts and report.html are still
 * written, the page says the plots were not drawn, and err holds a message with the apt-get line); -1 on an error:
 * err names the file and, for a malformed CSV, the line ("out/hourly.csv:3: expected 14 fields, got 13"), or the
 * script gnuplot failed on ("gnuplot: fares.gp: line 12: ..."). When gnuplot fails on one script the others are
 * still drawn and report.html still written. err may be NULL only when errlen is 0. */
int sim_plot_run (const char *dir, char *err, size_t errlen);

/* The same for a sweep's folder DIR: reads DIR/sweep.csv (required: the swept keys first, named with a dot, then
 * `seed`, then metrics, among them robotaxi_share, active_drivers and driver_net_hourly_yuan; the other headline
 * metrics are drawn when present) and DIR/config.ini (the days played, for the titles). Writes a figure per headline
 * metric against the first key (sweep_share, sweep_rides, sweep_utilization, sweep_cost, sweep_profit, sweep_wait,
 * sweep_displaced and sweep_income with the baseline's columns, sweep_drivers), a line per value of the second key
 * (up to 8), each point the mean of the runs with the same key values and, with several seeds per point, an error
 * bar of its 95% interval (Student's t); for exactly two keys, heat maps over both (sweep_heat_share, _profit,
 * _displaced, _moved) of the metrics that differ on the grid; and report.html: what the sweep found, the headline
 * figures per point, the figures and the whole sweep table. Returns as sim_plot_run. */
int sim_plot_sweep (const char *dir, char *err, size_t errlen);

/* The same for a regression suite's folder DIR (robotaxi-regress): reads DIR/regress.csv (required: scenario,
 * policy, metric, better, baseline, change, tolerance and status columns) and writes regress.svg: one panel per
 * metric, in each a bar per scenario and policy showing the change against the baseline in units of the metric's
 * tolerance (up is better, changes beyond 4 tolerances drawn at 4), the band within tolerance grey, the regressions'
 * side red and each regression labelled WORSE with its change in per cent; rows without a baseline or a value are
 * not drawn. Also report.html with the chart and the whole table. Returns as sim_plot_run. */
int sim_plot_regress (const char *dir, char *err, size_t errlen);

#endif
