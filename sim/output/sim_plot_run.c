/* sim_plot_run: a run's folder (sim_plot_run): its figures, described in one table, and its report.html. */
#include "sim_plot.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "map_error.h"
#include "sim_csv.h"
#include "sim_figure.h"
#include "sim_report.h"
#include "sim_report_map.h"

#define S_COUNT(a)  (sizeof (a) / sizeof (a)[0])
#define S_PATH_MAX  4096
#define S_HOURS_MAX (24 * 400)
#define S_ROBOTAXI  SIM_FIGURE_ROBOTAXI
#define S_HUMAN     SIM_FIGURE_HUMAN
#define S_GREEN     SIM_FIGURE_GREEN
#define S_GREY      SIM_FIGURE_GREY
#define S_NDASH     SIM_FIGURE_NDASH

typedef struct {
    sim_figure_folder_t *figures;
    char scenario[256];      /* for plot titles */
    json_t *summary;
    sim_csv_t costs;         /* ncols == 0 when absent */
    sim_csv_t days;
    uint32_t day, ndays;     /* summary.json's day, and the run's number of days (1 when it does not say) */
    sim_report_map_t *map;   /* the map of --trajectories' files; NULL without roads.geojson */
} s_run_t;

/* -------------------------------------------------------------------------------------------------------------- */
/* the figures */

/* A run's figure: its description, and the function that reads its CSV, writes gnuplot/NAME.dat and adds the figure
 * (a copy of the description with what the data decides), or nothing when there is nothing to draw. 0 or -1. */
typedef struct {
    int (*data) (s_run_t *run, const sim_figure_t *fig, char *err, size_t errlen);
    sim_figure_t fig;
} s_run_figure_t;

/* What a figure's data holds, for its series' when. */
enum {
    S_HAS_ROBOTAXI = 1,      /* rows (or riders, or a point) of the robotaxi fleet */
    S_HAS_HUMAN = 2,         /* ... of human ride-hail */
    S_HAS_TAXI_METER = 4,    /* fares.csv has the taxi meter */
    S_HAS_DISPLACED = 8,     /* days.csv has the drivers displaced */
};

static int s_fares (s_run_t *run, const sim_figure_t *fig, char *err, size_t errlen);
static int s_utilization (s_run_t *run, const sim_figure_t *fig, char *err, size_t errlen);
static int s_charging (s_run_t *run, const sim_figure_t *fig, char *err, size_t errlen);
static int s_waits (s_run_t *run, const sim_figure_t *fig, char *err, size_t errlen);
static int s_costcurve (s_run_t *run, const sim_figure_t *fig, char *err, size_t errlen);
static int s_choice (s_run_t *run, const sim_figure_t *fig, char *err, size_t errlen);
static int s_days (s_run_t *run, const sim_figure_t *fig, char *err, size_t errlen);
static sim_figure_lines_fn s_hours_axis, s_cost_scale, s_choice_today, s_days_tics;

/* The run's figures, in the order report.html shows them. Each title is followed by the scenario's name. */
static const s_run_figure_t s_figures[] = {
    {s_fares,
     {.name = "fares",
      .source = "fares.csv",
      .heading = "Fares",
      .title = "Fare against ride distance",
      .alt = "Fare in yuan against ride distance for each price, over the bands of 4" S_NDASH "16 yuan (robotaxi) and "
             "18" S_NDASH "30 yuan (human ride-hail) per 10 km",
      .x = {.label = "ride distance, km"},   /* range: 0 to the longest ride in the file */
      .y = {.label = "fare, yuan", .range = "0:*"},
      .settings = (const char *const[]){"set samples 2", "set key below horizontal maxrows 3",
                                        "set style fill transparent solid 0.13 noborder",
                                        "# the calibration bands: 4-16 yuan per 10 km by robotaxi, 18-30 by human "
                                        "ride-hail, named in",
                                        "# the key (below the plot, like every label, so none lies over a curve)",
                                        "# a mark at 10 km, the bands' distance, named above the plot",
                                        "set arrow 1 from 10, graph 0 to 10, graph 1 nohead dashtype 2 "
                                        "linecolor rgb '" S_GREY "'",
                                        "set link x2",
                                        "set x2tics ('10 km' 10) scale 0 textcolor rgb '" S_GREY "'", NULL},
      .series = (const sim_figure_series_t[]){
          {.data = "+", .using = "1:(0.4*$1):(1.6*$1)", .with = "filledcurves", .colour = S_ROBOTAXI,
           .title = "robotaxi band: 4" S_NDASH "16 yuan per 10 km"},
          {.data = "+", .using = "1:(1.8*$1):(3.0*$1)", .with = "filledcurves", .colour = S_HUMAN,
           .title = "human ride-hail band: 18" S_NDASH "30 yuan per 10 km"},
          {.using = "1:2", .with = "lines linewidth 1.5 dashtype 2", .colour = S_ROBOTAXI,
           .title = "robotaxi list price"},
          {.data = "", .using = "1:3", .with = "lines linewidth 2.5", .colour = S_ROBOTAXI,
           .title = "robotaxi promotional price"},
          {.data = "", .using = "1:4", .with = "lines linewidth 2 dashtype 3", .colour = "#56B4E9",
           .title = "robotaxi with coupon"},
          {.data = "", .using = "1:5", .with = "lines linewidth 2.5", .colour = S_HUMAN, .title = "human ride-hail"},
          {.data = "", .using = "1:6", .with = "lines linewidth 1.5", .colour = "#444444", .title = "taxi meter",
           .when = S_HAS_TAXI_METER},
          {0}}}},
    {s_utilization,
     {.name = "utilization",
      .source = "hourly.csv",
      .heading = "Utilization by hour",
      .title = "Utilization by hour",
      .alt = "Share of on-shift time carrying a rider, and carrying or driving to a pickup, by hour for each fleet, "
             "with each fleet's vehicles online as a share of its most in an hour",
      .x = {.label = "hour of the day"},     /* range and tics: the hours of the run, in tail */
      .y = {.label = "share of on-shift time, %", .range = "0:*"},
      /* the fleets differ a hundredfold in size: each one's vehicles online against its own busiest hour, so a
       * fleet of 40 robotaxis shows its charging dip beside 1,500 drivers (the counts are in the key) */
      .y2 = {.label = "vehicles online, % of the fleet's most", .range = "0:105", .tics = "0,20,100"},
      /* the key in two columns, robotaxi's and human ride-hail's */
      .settings = (const char *const[]){"set key below vertical maxrows 3 width -6", NULL},
      .tail = s_hours_axis,
      .series = (const sim_figure_series_t[]){
          {.using = "1:2", .with = "linespoints linewidth 2 pointtype 7 pointsize 0.6", .colour = S_ROBOTAXI,
           .title = "robotaxi carrying a rider", .when = S_HAS_ROBOTAXI},
          {.data = "", .using = "1:3", .with = "lines linewidth 2 dashtype 2", .colour = S_ROBOTAXI,
           .title = "robotaxi carrying or driving to a pickup", .when = S_HAS_ROBOTAXI},
          {.data = "", .using = "1:8", .axes = "x1y2", .with = "steps linewidth 1.5 dashtype 3", .colour = S_ROBOTAXI,
           .title = "robotaxis online (right axis)", .when = S_HAS_ROBOTAXI},   /* the title gets the count */
          {.using = "1:5", .with = "linespoints linewidth 2 pointtype 7 pointsize 0.6", .colour = S_HUMAN,
           .title = "human carrying a rider", .when = S_HAS_HUMAN},
          {.data = "", .using = "1:6", .with = "lines linewidth 2 dashtype 2", .colour = S_HUMAN,
           .title = "human carrying or driving to a pickup", .when = S_HAS_HUMAN},
          {.data = "", .using = "1:9", .axes = "x1y2", .with = "steps linewidth 1.5 dashtype 3", .colour = S_HUMAN,
           .title = "human drivers online (right axis)", .when = S_HAS_HUMAN},   /* the title gets the count */
          {0}}}},
    {s_charging,
     {.name = "charging",
      .source = "charging_hourly.csv",   /* written under charging.mode = battery only */
      .heading = "Charging by hour",
      .title = "Vehicles charging, waiting for a plug and on shift by hour",
      .alt = "Mean vehicles plugged in and waiting for a plug by hour for each fleet, as a share of the fleet's most "
             "vehicles on shift in an hour, with the vehicles on shift against the same 100% on the right axis",
      .x = {.label = "hour of the day"},
      .y = {.label = "charging or waiting, % of the fleet's most on shift", .range = "0:*"},
      /* as utilization.svg: each fleet against its own busiest hour, so 40 robotaxis read beside 2,800 drivers; the
       * charging lines get the left axis to themselves, being a few percent of the fleet */
      .y2 = {.label = "on shift, % of the fleet's most", .range = "0:105", .tics = "0,20,100"},
      .settings = (const char *const[]){"set key below vertical maxrows 3 width -6", NULL},
      .tail = s_hours_axis,
      .series = (const sim_figure_series_t[]){
          {.using = "1:2", .with = "linespoints linewidth 2 pointtype 7 pointsize 0.6", .colour = S_ROBOTAXI,
           .title = "robotaxis charging", .when = S_HAS_ROBOTAXI},
          {.data = "", .using = "1:3", .with = "lines linewidth 2 dashtype 2", .colour = S_ROBOTAXI,
           .title = "robotaxis waiting for a plug", .when = S_HAS_ROBOTAXI},
          {.data = "", .using = "1:4", .axes = "x1y2", .with = "steps linewidth 1.5 dashtype 3", .colour = S_ROBOTAXI,
           .title = "robotaxis on shift (right axis)", .when = S_HAS_ROBOTAXI},   /* the title gets the count */
          {.using = "1:5", .with = "linespoints linewidth 2 pointtype 7 pointsize 0.6", .colour = S_HUMAN,
           .title = "human drivers charging", .when = S_HAS_HUMAN},
          {.data = "", .using = "1:6", .with = "lines linewidth 2 dashtype 2", .colour = S_HUMAN,
           .title = "human drivers waiting for a plug", .when = S_HAS_HUMAN},
          {.data = "", .using = "1:7", .axes = "x1y2", .with = "steps linewidth 1.5 dashtype 3", .colour = S_HUMAN,
           .title = "human drivers on shift (right axis)", .when = S_HAS_HUMAN},   /* the title gets the count */
          {0}}}},
    {s_waits,
     {.name = "waits",
      .source = "waits.csv",
      .heading = "Waits",
      .title = "Wait from request to pickup",
      .alt = "Share of each fleet's picked-up riders by minutes waited from request to pickup",
      .x = {.label = "wait from request to pickup, minutes"},   /* range: to the longest wait had, a minute a bar */
      .y = {.label = "share of the fleet's picked-up riders, %", .range = "0:*"},
      .settings = (const char *const[]){"set boxwidth 0.4 absolute", "set style fill solid 0.75 noborder",
                                        "set key below horizontal",
                                        "# each minute [m, m+1) holds two bars: robotaxi on the left, human "
                                        "ride-hail on the right",
                                        NULL},
      .series = (const sim_figure_series_t[]){
          {.using = "($1+0.3):2", .with = "boxes", .colour = S_ROBOTAXI, .title = "robotaxi",
           .when = S_HAS_ROBOTAXI},
          {.using = "($1+0.7):3", .with = "boxes", .colour = S_HUMAN, .title = "human ride-hail",
           .when = S_HAS_HUMAN},
          {0}}}},
    {s_costcurve,
     {.name = "costcurve",
      .source = "costcurve.csv",   /* and each fleet's operating point from costs.csv */
      .heading = "Cost per km against utilization",
      .title = "Cost per km against utilization",
      .alt = "Cost per km in yuan against the share of on-shift time carrying a rider, for both fleets, with where "
             "each fleet ran today",
      .x = {.label = "utilization: share of on-shift time carrying a rider, %", .range = "0:100"},
      .y = {.label = "cost per km, yuan"},  /* a log scale when every value allows one, in tail */
      .settings = (const char *const[]){"set key below vertical maxrows 2 width -6", NULL},
      .tail = s_cost_scale,
      .blocks = 1,   /* index 0: the curves; then one block per fleet with an operating point, in fleet order */
      .series = (const sim_figure_series_t[]){
          {.using = "1:2", .with = "lines linewidth 2.5", .colour = S_ROBOTAXI, .title = "robotaxi"},
          {.data = "", .using = "1:3", .with = "lines linewidth 2.5", .colour = S_HUMAN, .title = "human ride-hail"},
          /* where each fleet ran, said in the key (the title from the data), not in a label by the curve */
          {.data = "", .using = "1:2", .with = "points pointtype 7 pointsize 1.6", .colour = S_ROBOTAXI,
           .when = S_HAS_ROBOTAXI},
          {.data = "", .using = "1:2", .with = "points pointtype 7 pointsize 1.6", .colour = S_HUMAN,
           .when = S_HAS_HUMAN},
          {0}}}},
    {s_choice,
     {.name = "choice",
      .source = "choice.csv",
      .heading = "Riders' choice against the robotaxi fare",
      .title = "Riders' choice against the robotaxi fare",
      .alt = "Predicted shares of riders choosing a robotaxi (left axis) and human ride-hail (right axis) against "
             "the robotaxi fare for 10 km, each axis scaled to its fleet's shares; the rest choose another way",
      .x = {.label = "robotaxi fare for 10 km, yuan"},
      /* a robotaxi share of a few % beside a human one of 70: each fleet on its own axis, scaled to its shares
       * (ranges from the data); the other ways' shares are in the key */
      .y = {.label = "robotaxi, % of riders"},
      .y2 = {.label = "human ride-hail, % of riders", .tics = ""},
      .settings = (const char *const[]){"set key below horizontal", "set ylabel textcolor rgb '" S_ROBOTAXI "'",
                                        "set ytics textcolor rgb '" S_ROBOTAXI "'",
                                        "set y2label textcolor rgb '" S_HUMAN "'",
                                        "set y2tics textcolor rgb '" S_HUMAN "'", NULL},
      .tail = s_choice_today,
      .series = (const sim_figure_series_t[]){
          {.using = "1:2", .with = "linespoints linewidth 2.5 pointtype 7 pointsize 0.6", .colour = S_ROBOTAXI,
           .title = "robotaxi (left axis)"},
          {.data = "", .using = "1:3", .axes = "x1y2", .with = "linespoints linewidth 2.5 pointtype 7 pointsize 0.6",
           .colour = S_HUMAN, .title = "human ride-hail (right axis)"},
          /* no line: a key entry whose title (from the data) gives the other ways' shares */
          {.data = "+", .using = "1:(NaN)", .with = "points pointtype 6 pointsize 0.6", .colour = S_GREY,
           .title = "other ways"},
          {0}}}},
    /* a pool of thousands of drivers beside a hundred displaced: each on its own axis, scaled to its numbers */
    {s_days,
     {.name = "days",
      .source = "days.csv",
      .heading = "Human drivers each day",
      .title = "Human drivers each day",   /* then ", days 1-N" */
      .alt = "Human drivers who worked (left axis) and, with --baseline, the drivers displaced against the same day "
             "without robotaxis (right axis), day by day",
      .x = {.label = "day"},                /* a tic a day for up to a month, in tail */
      .y = {.label = "human drivers who worked"},
      .y2 = {.label = "drivers displaced", .range = "0:*", .tics = ""},
      .settings = (const char *const[]){"set key below horizontal", "set ylabel textcolor rgb '" S_HUMAN "'",
                                        "set ytics textcolor rgb '" S_HUMAN "'", NULL},
      .tail = s_days_tics,
      .series = (const sim_figure_series_t[]){
          {.using = "1:2", .with = "linespoints linewidth 2.5 pointtype 7", .colour = S_HUMAN,
           .title = "active drivers (left axis)"},
          {.data = "", .using = "1:4", .axes = "x1y2", .with = "linespoints linewidth 2 dashtype 2 pointtype 6",
           .colour = S_GREY, .title = "drivers displaced against no robotaxis (right axis)", .when = S_HAS_DISPLACED},
          {0}}}},
    {s_days,
     {.name = "days_pay",
      .source = "days.csv",
      .heading = "Human drivers' net earnings each day",
      .title = "Human drivers' net earnings per hour each day",   /* then ", days 1-N" */
      .alt = "Human drivers' net earnings per hour online, day by day: what their decisions to work follow",
      .x = {.label = "day"},
      .y = {.label = "net yuan per hour online"},
      .settings = (const char *const[]){"set key below horizontal", NULL},
      .tail = s_days_tics,
      .series = (const sim_figure_series_t[]){
          {.using = "1:3", .with = "linespoints linewidth 2.5 pointtype 5", .colour = S_HUMAN,
           .title = "drivers' net yuan per hour"},
          {0}}}},
};

/* The days a figure covers, after its heading and title: the day of a run of one day; of several, the last day's
 * files (hourly, waits, choice), all days (the cost model of costs.csv) or each day (days, days_pay); "" for fares, which
 * know no day. */
static void
s_figure_scope (const s_run_t *run, const char *name, char *buf, size_t len)
{
    static const char *const last_day[] = {"utilization", "charging", "waits", "choice"};
    buf[0] = '\0';
    int of_day = strcmp (name, "costcurve") == 0;
    for (size_t i = 0; i < S_COUNT (last_day); i++)
        of_day |= strcmp (name, last_day[i]) == 0;
    if (run->ndays < 2) {
        if (of_day)
            snprintf (buf, len, ", one day");
        return;
    }
    for (size_t i = 0; i < S_COUNT (last_day); i++)
        if (strcmp (name, last_day[i]) == 0)
            snprintf (buf, len, ", day %u of %u (the last day)", run->day, run->ndays);
    if (strcmp (name, "costcurve") == 0)
        snprintf (buf, len, ", all %u days", run->ndays);
    if (strcmp (name, "days") == 0 || strcmp (name, "days_pay") == 0)
        snprintf (buf, len, ", days 1" S_NDASH "%u", run->ndays);
}

/* Adds fig, headed and titled with what it shows and the days it covers, the title then the scenario. */
static int
s_run_add (s_run_t *run, sim_figure_t *fig, char *err, size_t errlen)
{
    char title[400], heading[200], scope[64];
    s_figure_scope (run, fig->name, scope, sizeof scope);
    snprintf (heading, sizeof heading, "%s%s", fig->heading, scope);
    snprintf (title, sizeof title, "%s%s " S_NDASH " %s", fig->title, scope, run->scenario);
    fig->heading = heading;
    fig->title = title;
    return sim_figure_folder_add (run->figures, fig, err, errlen);
}

/* -------------------------------------------------------------------------------------------------------------- */
/* summary.json, costs.csv and days.csv: what the page shows */

/* Every figure on the page is sim_report's: its label, and its text rounded once as summary.json and the CSV files
 * hold it (the terminal prints the same text). */

/* A figure's cell text; a dash when the figure or its value is missing. */
static void
s_html_fig (FILE *f, const sim_fig_t *fig, double v)
{
    char text[64];
    if (!fig || !isfinite (v)) {
        fputs (S_NDASH, f);
        return;
    }
    fputs (sim_report_fig_text (fig, v, text, sizeof text), f);
}

static const char *
s_fleet_label (const char *fleet)
{
    return strcmp (fleet, "human") == 0 ? "human ride-hail" : fleet;
}

/* The cost table: costs.csv's columns in the page's order, under section headings (key NULL: the label heads a
 * section). */
typedef struct {
    const char *label;
    const char *key;
} s_cost_row_t;

static const s_cost_row_t s_cost_rows[] = {
    {NULL, "cost_per_km"},
    {NULL, "cost_per_trip"},
    {NULL, "cost_per_10km"},
    {NULL, "cost_per_vehicle_day"},
    {NULL, "revenue_per_vehicle_day"},
    {NULL, "profit_per_vehicle_day"},
    {NULL, "revenue_per_trip"},
    {NULL, "break_even_rides_per_day"},
    {NULL, "utilization"},
    {"parts, yuan per vehicle-day", NULL},
    {NULL, "capital"},
    {NULL, "rent"},
    {NULL, "insurance"},
    {NULL, "energy"},
    {NULL, "maintenance"},
    {NULL, "cleaning"},
    {NULL, "depot"},
    {NULL, "software"},
    {NULL, "operators"},
    {NULL, "commission"},
    {NULL, "driver_time"},
    {NULL, "fixed_per_vehicle_day"},
    {NULL, "variable_per_km"},
    {"what the fleet did", NULL},
    {NULL, "vehicle_days"},
    {NULL, "hours_online"},
    {NULL, "hours_occupied"},
    {NULL, "km"},
    {NULL, "trips"},
    {NULL, "fares_yuan"},
};

/* The columns of days.csv in the days table and in the displacement table, in sim_report's order. */
static int
s_in_days_table (const sim_fig_t *fig)
{
    return (fig->flags & SIM_FIG_SHOWN) != 0;
}

static int
s_in_displacement_table (const sim_fig_t *fig)
{
    return (fig->flags & SIM_FIG_BASELINE) && (fig->flags & SIM_FIG_SUM);
}

/* The number at key in obj; NaN when obj or the key is absent. */
static double
s_json_num (const json_t *obj, const char *key)
{
    const json_t *v = obj ? json_object_get (obj, key) : NULL;
    return json_is_number (v) ? json_number_value (v) : NAN;
}

/* Each of keys present in obj (named where in messages) must be a number. */
static int
s_json_check (const json_t *obj, const char *where, const char *const *keys, size_t n, const char *path, char *err,
              size_t errlen)
{
    if (!obj)
        return 0;
    if (!json_is_object (obj))
        return map_error (err, errlen, "%s: %s: not an object", path, where);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get (obj, keys[i]);
        if (v && !json_is_number (v))
            return map_error (err, errlen, "%s: %s.%s: not a number", path, where, keys[i]);
    }
    return 0;
}

/* Each figure of group present in obj must be a number. */
static int
s_figs_check (const json_t *obj, const char *where, sim_figs_t group, const char *path, char *err, size_t errlen)
{
    const sim_fig_t *fig;
    for (size_t i = 0; (fig = sim_report_fig (group, i)) != NULL; i++)
        if (s_json_check (obj, where, &fig->key, 1, path, err, errlen) != 0)
            return -1;
    return 0;
}

/* Reads DIR/summary.json into run->summary and checks what the report shows. */
static int
s_load_summary (s_run_t *run, char *err, size_t errlen)
{
    char path[S_PATH_MAX];
    if (sim_figure_path (path, sizeof path, sim_figure_folder_dir (run->figures), "summary.json", err, errlen) != 0)
        return -1;
    if (access (path, R_OK) != 0)
        return map_error (err, errlen, "%s: %s", path, strerror (errno));
    json_error_t jerr;
    run->summary = json_load_file (path, 0, &jerr);
    if (!run->summary)
        return map_error (err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
    const json_t *root = run->summary;
    if (!json_is_object (root))
        return map_error (err, errlen, "%s: not a JSON object", path);
    const json_t *fleets = json_object_get (root, "fleets");
    if (!json_is_object (fleets))
        return map_error (err, errlen, "%s: no \"fleets\" object", path);
    static const char *const fleet_names[] = {"robotaxi", "human"};
    for (size_t i = 0; i < 2; i++) {
        char where[32];
        snprintf (where, sizeof where, "fleets.%s", fleet_names[i]);
        const json_t *fl = json_object_get (fleets, fleet_names[i]);
        if (!fl)
            return map_error (err, errlen, "%s: no \"%s\" object", path, where);
        if (s_figs_check (fl, where, SIM_FIGS_FLEET, path, err, errlen) != 0)
            return -1;
    }
    if (s_figs_check (json_object_get (root, "drivers"), "drivers", SIM_FIGS_DRIVERS, path, err, errlen) != 0 ||
        s_figs_check (json_object_get (root, "displacement"), "displacement", SIM_FIGS_DISPLACEMENT, path, err,
                      errlen) != 0)
        return -1;
    const json_t *scenario = json_object_get (root, "scenario");
    if (scenario && !json_is_string (scenario))
        return map_error (err, errlen, "%s: scenario: not a string", path);
    const json_t *days = json_object_get (root, "days"), *day = json_object_get (root, "day");
    if (days && !(json_is_integer (days) && json_integer_value (days) >= 1 && json_integer_value (days) <= 100000))
        return map_error (err, errlen, "%s: days: not a whole number of days", path);
    if (day && !(json_is_integer (day) && json_integer_value (day) >= 0 && json_integer_value (day) <= 100000))
        return map_error (err, errlen, "%s: day: not a day's number", path);
    run->ndays = days ? (uint32_t) json_integer_value (days) : 1;
    run->day = day ? (uint32_t) json_integer_value (day) : run->ndays;
    snprintf (run->scenario, sizeof run->scenario, "%s",
              scenario ? json_string_value (scenario) : "(unnamed scenario)");
    return 0;
}

/* Reads DIR/costs.csv into *costs when there is one (ncols stays 0 when not) and checks the columns the report
 * and the cost curve read. */
static int
s_load_costs (const char *dir, sim_csv_t *costs, char *err, size_t errlen)
{
    static const char *const need[] = {"fleet"};
    int col[1];
    int rc = sim_figure_csv_open (costs, dir, "costs.csv", need, col, 1, "fleet", err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    for (size_t i = 0; i < S_COUNT (s_cost_rows); i++) {
        int c = s_cost_rows[i].key ? sim_csv_col (costs, s_cost_rows[i].key) : -1;   /* -1: not checked */
        if (sim_figure_csv_numeric (costs, &c, 1, err, errlen) != 0) {
            sim_csv_free (costs);
            return -1;
        }
    }
    return 0;
}

/* Reads DIR/days.csv into *days when there is one. */
static int
s_load_days (const char *dir, sim_csv_t *days, char *err, size_t errlen)
{
    static const char *const need[] = {"day", "active_drivers", "driver_net_hourly_yuan"};
    int col[S_COUNT (need)];
    int rc = sim_figure_csv_open (days, dir, "days.csv", need, col, S_COUNT (need), NULL, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    /* every column the page and days.svg read, when the file has it */
    const sim_fig_t *fig;
    for (size_t i = 0; (fig = sim_report_fig (SIM_FIGS_DAY, i)) != NULL; i++) {
        int c = sim_csv_col (days, fig->key);
        if (sim_figure_csv_numeric (days, &c, 1, err, errlen) != 0) {
            sim_csv_free (days);
            return -1;
        }
    }
    return 0;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* the figures' data */

/* fares.svg: fare against distance for each price, over the calibration bands. */
static int
s_fares (s_run_t *run, const sim_figure_t *row, char *err, size_t errlen)
{
    static const char *const need[] = {"distance_km", "robotaxi_list_yuan", "robotaxi_yuan", "robotaxi_coupon_yuan",
                                       "human_yuan", "taxi_yuan"};
    const size_t nneed = S_COUNT (need) - 1;   /* the taxi meter came later and may be missing */
    int col[S_COUNT (need)];
    sim_csv_t csv;
    sim_file_t dat = {0};
    int rc = sim_figure_csv_open (&csv, sim_figure_folder_dir (run->figures), row->source, need, col, nneed, NULL, err,
                                  errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    col[nneed] = sim_csv_col (&csv, need[nneed]);
    if (sim_figure_csv_numeric (&csv, &col[nneed], 1, err, errlen) != 0)
        goto fail;
    if (csv.nrows == 0) {
        sim_csv_free (&csv);
        return 0;
    }
    double max_km = 0;
    if (sim_figure_folder_dat (run->figures, row, &dat, err, errlen) != 0)
        goto fail;
    fputs ("# distance_km\trobotaxi_list_yuan\trobotaxi_yuan\trobotaxi_coupon_yuan\thuman_yuan\ttaxi_yuan\n", dat.f);
    for (size_t r = 0; r < csv.nrows; r++) {
        for (size_t i = 0; i < S_COUNT (need); i++) {
            if (i)
                fputc ('\t', dat.f);
            sim_figure_dat_num (dat.f, sim_figure_csv_val (&csv, r, col[i]));
        }
        fputc ('\n', dat.f);
        double km = sim_figure_csv_val (&csv, r, col[0]);
        if (km > max_km)
            max_km = km;
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    if (max_km <= 0)
        max_km = 30;
    sim_figure_t fig = *row;
    char range[64];
    snprintf (range, sizeof range, "0:%g", max_km);
    fig.x.range = range;
    fig.have = col[nneed] >= 0 ? S_HAS_TAXI_METER : 0;
    sim_csv_free (&csv);
    return s_run_add (run, &fig, err, errlen);
fail:
    sim_file_abandon (&dat);
    sim_csv_free (&csv);
    return -1;
}

/* utilization.svg: by hour and fleet, the share of on-shift time carrying a rider and also driving to pickups,
 * and the vehicles online on the right axis. */
static int
s_utilization (s_run_t *run, const sim_figure_t *row, char *err, size_t errlen)
{
    static const char *const need[] = {"hour", "fleet", "vehicles_online", "util_occupied", "util_pickup"};
    static const char *const fleets[] = {"robotaxi", "human"};
    enum { HOUR, FLEET, ONLINE, OCC, PICK };
    int col[S_COUNT (need)];
    sim_csv_t csv;
    sim_file_t dat = {0};
    double *slot = NULL;   /* per hour and fleet: occupied %, occupied + pickup %, vehicles online */
    char *seen = NULL;
    int rc = sim_figure_csv_open (&csv, sim_figure_folder_dir (run->figures), row->source, need, col, S_COUNT (need),
                                  "fleet", err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    int hours = 0;
    for (size_t r = 0; r < csv.nrows; r++) {
        double h = sim_figure_csv_val (&csv, r, col[HOUR]);
        if (!(h >= 0 && h < S_HOURS_MAX && h == floor (h))) {
            map_error (err, errlen, "%s:%d: hour: '%.40s' is not an hour of the run", csv.path, csv.lines[r],
                       sim_csv_cell (&csv, r, col[HOUR]));
            goto fail;
        }
        if ((int) h + 1 > hours)
            hours = (int) h + 1;
    }
    if (hours == 0) {
        sim_csv_free (&csv);
        return 0;
    }
    slot = malloc ((size_t) hours * 6 * sizeof *slot);
    seen = calloc ((size_t) hours * 2, 1);
    if (!slot || !seen) {
        map_error (err, errlen, "%s: out of memory", csv.path);
        goto fail;
    }
    for (size_t i = 0; i < (size_t) hours * 6; i++)
        slot[i] = NAN;
    size_t rows_of[2] = {0, 0};
    for (size_t r = 0; r < csv.nrows; r++) {
        const char *fleet = sim_csv_cell (&csv, r, col[FLEET]);
        int fl = strcmp (fleet, fleets[0]) == 0 ? 0 : strcmp (fleet, fleets[1]) == 0 ? 1 : -1;
        if (fl < 0) {
            map_error (err, errlen, "%s:%d: fleet: '%.40s' is neither robotaxi nor human", csv.path, csv.lines[r],
                       fleet);
            goto fail;
        }
        int h = (int) sim_figure_csv_val (&csv, r, col[HOUR]);
        if (seen[h * 2 + fl]++) {
            map_error (err, errlen, "%s:%d: a second row for hour %d, %s", csv.path, csv.lines[r], h, fleet);
            goto fail;
        }
        double occ = sim_figure_csv_val (&csv, r, col[OCC]), pick = sim_figure_csv_val (&csv, r, col[PICK]);
        double *s = slot + (size_t) (h * 6 + fl * 3);
        s[0] = 100 * occ;
        s[1] = 100 * (occ + pick);
        s[2] = sim_figure_csv_val (&csv, r, col[ONLINE]);
        rows_of[fl]++;
    }
    if (sim_figure_folder_dat (run->figures, row, &dat, err, errlen) != 0)
        goto fail;
    /* each fleet's most vehicles online in an hour: the right axis's 100% for that fleet */
    double most[2] = {0, 0};
    for (int h = 0; h < hours; h++)
        for (int fl = 0; fl < 2; fl++)
            if (slot[h * 6 + fl * 3 + 2] > most[fl])
                most[fl] = slot[h * 6 + fl * 3 + 2];
    fputs ("# hour\trobotaxi_occupied_pct\trobotaxi_occupied_or_pickup_pct\trobotaxi_vehicles_online"
           "\thuman_occupied_pct\thuman_occupied_or_pickup_pct\thuman_vehicles_online"
           "\trobotaxi_online_pct_of_most\thuman_online_pct_of_most\n",
           dat.f);
    for (int h = 0; h < hours; h++) {
        fprintf (dat.f, "%d", h);
        for (int i = 0; i < 8; i++) {
            fputc ('\t', dat.f);
            int fl = i - 6;   /* the last two columns: a fleet's online against its most */
            sim_figure_dat_num (dat.f, i < 6 ? slot[h * 6 + i]
                                      : most[fl] > 0 ? 100 * slot[h * 6 + fl * 3 + 2] / most[fl] : NAN);
        }
        fputc ('\n', dat.f);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    /* the online lines' titles say what 100% is */
    static const char *const online[] = {"robotaxis online", "human drivers online"};
    static const unsigned has[] = {S_HAS_ROBOTAXI, S_HAS_HUMAN};
    sim_figure_series_t series[8];
    char titles[2][96];
    size_t n = 0;
    for (const sim_figure_series_t *s = row->series; s->using && n + 1 < S_COUNT (series); s++, n++) {
        series[n] = *s;
        for (int fl = 0; fl < 2; fl++)
            if (s->axes && (s->when & has[fl])) {
                snprintf (titles[fl], sizeof titles[fl], "%s (right axis), 100%% = %.0f", online[fl], most[fl]);
                series[n].title = titles[fl];
            }
    }
    series[n] = (sim_figure_series_t){0};
    sim_figure_t fig = *row;
    fig.series = series;
    fig.arg = &hours;
    fig.have = (rows_of[0] ? S_HAS_ROBOTAXI : 0) | (rows_of[1] ? S_HAS_HUMAN : 0);
    rc = s_run_add (run, &fig, err, errlen);
    free (slot);
    free (seen);
    sim_csv_free (&csv);
    return rc;
fail:
    sim_file_abandon (&dat);
    free (slot);
    free (seen);
    sim_csv_free (&csv);
    return -1;
}

/* charging.svg (charging.mode = battery): by hour and fleet, the mean vehicles plugged in and waiting for a plug,
 * and on shift, each as a share of the fleet's most vehicles on shift in an hour; no figure without
 * charging_hourly.csv. */
static int
s_charging (s_run_t *run, const sim_figure_t *row, char *err, size_t errlen)
{
    static const char *const need[] = {"hour", "fleet", "charging", "waiting", "in_service"};
    static const char *const fleets[] = {"robotaxi", "human"};
    enum { HOUR, FLEET, CHARGING, WAITING, SERVICE };
    int col[S_COUNT (need)];
    sim_csv_t csv;
    sim_file_t dat = {0};
    double slot[24][2][3];   /* per hour and fleet: charging, waiting, on shift */
    char seen[24][2] = {{0}};
    int rc = sim_figure_csv_open (&csv, sim_figure_folder_dir (run->figures), row->source, need, col, S_COUNT (need),
                                  "fleet", err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    for (int h = 0; h < 24; h++)
        for (int fl = 0; fl < 2; fl++)
            for (int k = 0; k < 3; k++)
                slot[h][fl][k] = NAN;
    double most[2] = {0, 0}, charged[2] = {0, 0};
    for (size_t r = 0; r < csv.nrows; r++) {
        double h = sim_figure_csv_val (&csv, r, col[HOUR]);
        if (!(h >= 0 && h < 24 && h == floor (h))) {
            map_error (err, errlen, "%s:%d: hour: '%.40s' is not an hour of the day", csv.path, csv.lines[r],
                       sim_csv_cell (&csv, r, col[HOUR]));
            goto fail;
        }
        const char *fleet = sim_csv_cell (&csv, r, col[FLEET]);
        int fl = strcmp (fleet, fleets[0]) == 0 ? 0 : strcmp (fleet, fleets[1]) == 0 ? 1 : -1;
        if (fl < 0) {
            map_error (err, errlen, "%s:%d: fleet: '%.40s' is neither robotaxi nor human", csv.path, csv.lines[r],
                       fleet);
            goto fail;
        }
        if (seen[(int) h][fl]++) {
            map_error (err, errlen, "%s:%d: a second row for hour %d, %s", csv.path, csv.lines[r], (int) h, fleet);
            goto fail;
        }
        for (int k = 0; k < 3; k++) {
            double v = sim_figure_csv_val (&csv, r, col[CHARGING + k]);
            if (!(v >= 0)) {
                map_error (err, errlen, "%s:%d: %s: '%.40s' is not a number of vehicles", csv.path, csv.lines[r],
                           need[CHARGING + k], sim_csv_cell (&csv, r, col[CHARGING + k]));
                goto fail;
            }
            slot[(int) h][fl][k] = v;
        }
        most[fl] = fmax (most[fl], slot[(int) h][fl][2]);
        charged[fl] += slot[(int) h][fl][0] + slot[(int) h][fl][1];
    }
    /* a fleet is drawn when it had vehicles on shift or charging; neither: nothing to draw */
    unsigned have = (most[0] > 0 || charged[0] > 0 ? S_HAS_ROBOTAXI : 0) |
                    (most[1] > 0 || charged[1] > 0 ? S_HAS_HUMAN : 0);
    if (!have) {
        sim_csv_free (&csv);
        return 0;
    }
    if (sim_figure_folder_dat (run->figures, row, &dat, err, errlen) != 0)
        goto fail;
    fputs ("# hour\trobotaxi_charging_pct\trobotaxi_waiting_pct\trobotaxi_on_shift_pct"
           "\thuman_charging_pct\thuman_waiting_pct\thuman_on_shift_pct  (% of the fleet's most on shift in an hour)\n",
           dat.f);
    for (int h = 0; h < 24; h++) {
        fprintf (dat.f, "%d", h);
        for (int fl = 0; fl < 2; fl++)
            for (int k = 0; k < 3; k++) {
                fputc ('\t', dat.f);
                sim_figure_dat_num (dat.f, most[fl] > 0 ? 100 * slot[h][fl][k] / most[fl] : NAN);
            }
        fputc ('\n', dat.f);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    sim_csv_free (&csv);
    /* the on-shift lines' titles say what 100% is */
    static const char *const on_shift[] = {"robotaxis on shift", "human drivers on shift"};
    static const unsigned has[] = {S_HAS_ROBOTAXI, S_HAS_HUMAN};
    sim_figure_series_t series[8];
    char titles[2][96];
    size_t n = 0;
    for (const sim_figure_series_t *s = row->series; s->using && n + 1 < S_COUNT (series); s++, n++) {
        series[n] = *s;
        for (int fl = 0; fl < 2; fl++)
            if (s->axes && (s->when & has[fl])) {
                snprintf (titles[fl], sizeof titles[fl], "%s (right axis), 100%% = %.0f", on_shift[fl], most[fl]);
                series[n].title = titles[fl];
            }
    }
    series[n] = (sim_figure_series_t){0};
    int hours = 24;
    sim_figure_t fig = *row;
    fig.series = series;
    fig.arg = &hours;
    fig.have = have;
    return s_run_add (run, &fig, err, errlen);
fail:
    sim_file_abandon (&dat);
    sim_csv_free (&csv);
    return -1;
}

/* The x axis of utilization.svg: a day's hours with a tic every two, or every hour of a longer run; arg is the
 * hours. */
static void
s_hours_axis (FILE *f, const void *arg)
{
    int hours = *(const int *) arg;
    if (hours <= 24)
        fputs ("set xrange [0:23]\nset xtics 0,2,23\n", f);
    else
        fprintf (f, "set xrange [0:%d]\n", hours - 1);
}

/* waits.svg: for each fleet, the share of its picked-up riders per minute of waiting. */
static int
s_waits (s_run_t *run, const sim_figure_t *row, char *err, size_t errlen)
{
    static const char *const need[] = {"wait_min", "robotaxi", "human"};
    int col[S_COUNT (need)];
    sim_csv_t csv;
    sim_file_t dat = {0};
    int rc = sim_figure_csv_open (&csv, sim_figure_folder_dir (run->figures), row->source, need, col, S_COUNT (need),
                                  NULL, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    double total[2] = {0, 0}, max_min = 0;
    for (size_t r = 0; r < csv.nrows; r++) {
        for (int fl = 0; fl < 2; fl++) {
            double v = sim_figure_csv_val (&csv, r, col[1 + fl]);
            if (v < 0) {
                map_error (err, errlen, "%s:%d: %s: a negative count", csv.path, csv.lines[r], need[1 + fl]);
                goto fail;
            }
            total[fl] += v;
            /* the axis ends at the longest wait anyone had, not at the file's last (empty) minute */
            if (v > 0 && sim_figure_csv_val (&csv, r, col[0]) > max_min)
                max_min = sim_figure_csv_val (&csv, r, col[0]);
        }
    }
    if (!(total[0] > 0) && !(total[1] > 0)) {   /* nobody was picked up: nothing to draw */
        sim_csv_free (&csv);
        return 0;
    }
    if (sim_figure_folder_dat (run->figures, row, &dat, err, errlen) != 0)
        goto fail;
    fputs ("# wait_min\trobotaxi_pct\thuman_pct  (share of the fleet's picked-up riders)\n", dat.f);
    for (size_t r = 0; r < csv.nrows; r++) {
        sim_figure_dat_num (dat.f, sim_figure_csv_val (&csv, r, col[0]));
        for (int fl = 0; fl < 2; fl++) {
            fputc ('\t', dat.f);
            sim_figure_dat_num (dat.f, total[fl] > 0 ? 100 * sim_figure_csv_val (&csv, r, col[1 + fl]) / total[fl]
                                                     : NAN);
        }
        fputc ('\n', dat.f);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    sim_csv_free (&csv);
    sim_figure_t fig = *row;
    char range[64];
    snprintf (range, sizeof range, "0:%g", max_min + 1);
    fig.x.range = range;
    if (max_min < 30)
        fig.x.tics = "1";   /* a tic a minute, at the start of each minute's bars */
    fig.have = (total[0] > 0 ? S_HAS_ROBOTAXI : 0) | (total[1] > 0 ? S_HAS_HUMAN : 0);
    return s_run_add (run, &fig, err, errlen);
fail:
    sim_file_abandon (&dat);
    sim_csv_free (&csv);
    return -1;
}

/* costcurve.svg: cost per km against utilization for both fleets, each fleet's operating point (its row in
 * costs.csv) marked. */
static int
s_costcurve (s_run_t *run, const sim_figure_t *row, char *err, size_t errlen)
{
    static const char *const need[] = {"utilization", "robotaxi_yuan_per_km", "human_yuan_per_km"};
    static const char *const point_need[] = {"utilization", "cost_per_km"};
    static const char *const fleets[] = {"robotaxi", "human"};
    static const unsigned has[] = {S_HAS_ROBOTAXI, S_HAS_HUMAN};
    const sim_csv_t *costs = &run->costs;
    int col[S_COUNT (need)], pcol[S_COUNT (point_need)];
    sim_csv_t csv;
    sim_file_t dat = {0};
    int rc = sim_figure_csv_open (&csv, sim_figure_folder_dir (run->figures), row->source, need, col, S_COUNT (need),
                                  NULL, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (csv.nrows == 0) {
        sim_csv_free (&csv);
        return 0;
    }
    /* the operating points: the row of each fleet in costs.csv */
    double point[2][2] = {{NAN, NAN}, {NAN, NAN}};
    if (costs->ncols) {
        if (sim_csv_need (costs, point_need, pcol, S_COUNT (point_need), err, errlen) != 0)
            goto fail;
        int fleet = sim_csv_col (costs, "fleet");
        for (size_t r = 0; r < costs->nrows; r++)
            for (int fl = 0; fl < 2; fl++)
                if (strcmp (sim_csv_cell (costs, r, fleet), fleets[fl]) == 0) {
                    point[fl][0] = 100 * sim_figure_csv_val (costs, r, pcol[0]);
                    point[fl][1] = sim_figure_csv_val (costs, r, pcol[1]);
                }
    }
    /* cost per km falls like 1/utilization: a log scale keeps both ends readable, when every value allows one */
    int logscale = 1;
    for (size_t r = 0; r < csv.nrows; r++)
        for (int i = 1; i < 3; i++)
            if (!(sim_figure_csv_val (&csv, r, col[i]) > 0))
                logscale = 0;
    for (int fl = 0; fl < 2; fl++)
        if (isfinite (point[fl][1]) && !(point[fl][1] > 0))
            logscale = 0;
    if (sim_figure_folder_dat (run->figures, row, &dat, err, errlen) != 0)
        goto fail;
    fputs ("# index 0: utilization_pct\trobotaxi_yuan_per_km\thuman_yuan_per_km\n", dat.f);
    for (size_t r = 0; r < csv.nrows; r++) {
        sim_figure_dat_num (dat.f, 100 * sim_figure_csv_val (&csv, r, col[0]));
        fputc ('\t', dat.f);
        sim_figure_dat_num (dat.f, sim_figure_csv_val (&csv, r, col[1]));
        fputc ('\t', dat.f);
        sim_figure_dat_num (dat.f, sim_figure_csv_val (&csv, r, col[2]));
        fputc ('\n', dat.f);
    }
    int block[2] = {-1, -1}, blocks = 1;
    unsigned have = 0;
    char label[2][160];
    for (int fl = 0; fl < 2; fl++) {
        if (!isfinite (point[fl][0]) || !isfinite (point[fl][1]))
            continue;
        block[fl] = blocks++;
        have |= has[fl];
        fprintf (dat.f, "\n\n# index %d: %s in this run: utilization_pct\tyuan_per_km\tlabel\n", block[fl],
                 fleets[fl]);
        sim_figure_dat_num (dat.f, point[fl][0]);
        fputc ('\t', dat.f);
        sim_figure_dat_num (dat.f, point[fl][1]);
        /* as the cost table shows them (point[fl][0] is already a percentage: the figure's is a share) */
        char u[32], c[32];
        sim_report_fig_text (sim_report_fig_find (SIM_FIGS_COST, "utilization"), point[fl][0] / 100, u, sizeof u);
        sim_report_fig_text (sim_report_fig_find (SIM_FIGS_COST, "cost_per_km"), point[fl][1], c, sizeof c);
        snprintf (label[fl], sizeof label[fl], "%s: %s at %s yuan/km (this run)", s_fleet_label (fleets[fl]), u, c);
        fprintf (dat.f, "\t%s\n", label[fl]);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    sim_csv_free (&csv);
    /* a fleet's point reads its own block, numbered in the order the fleets' blocks were written, and is named in
     * the key */
    sim_figure_series_t series[8];
    size_t n = 0;
    for (const sim_figure_series_t *s = row->series; s->using && n + 1 < S_COUNT (series); s++, n++) {
        series[n] = *s;
        for (int fl = 0; fl < 2; fl++)
            if (s->when & has[fl]) {
                series[n].index = block[fl];
                series[n].title = block[fl] >= 0 ? label[fl] : NULL;
            }
    }
    series[n] = (sim_figure_series_t){0};
    sim_figure_t fig = *row;
    fig.series = series;
    fig.arg = &logscale;
    fig.have = have;
    return s_run_add (run, &fig, err, errlen);
fail:
    sim_file_abandon (&dat);
    sim_csv_free (&csv);
    return -1;
}

/* The y scale of costcurve.svg; arg: whether it is logarithmic. */
static void
s_cost_scale (FILE *f, const void *arg)
{
    /* a log scale labelled at 1, 2 and 5 of each decade, so a value can be read off it */
    fputs (*(const int *) arg ? "set logscale y\nset ytics add (0.02, 0.05, 0.2, 0.5, 2, 5, 20, 50, 200, 500)\n"
                              : "set yrange [0:*]\n",
           f);
}

typedef struct {
    double price, robotaxi, human, other, factor;
} s_choice_t;

static int
s_cmp_choice (const void *a, const void *b)
{
    double x = ((const s_choice_t *) a)->price, y = ((const s_choice_t *) b)->price;
    return (x > y) - (x < y);
}

/* choice.svg: the riders' predicted shares against the robotaxi fare for 10 km. */
static int
s_choice (s_run_t *run, const sim_figure_t *row, char *err, size_t errlen)
{
    static const char *const need[] = {"price_factor", "robotaxi_yuan_10km", "robotaxi_share", "human_share",
                                       "other_share"};
    int col[S_COUNT (need)];
    sim_csv_t csv;
    sim_file_t dat = {0};
    s_choice_t *rows = NULL;
    int rc = sim_figure_csv_open (&csv, sim_figure_folder_dir (run->figures), row->source, need, col, S_COUNT (need),
                                  NULL, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (csv.nrows == 0) {
        sim_csv_free (&csv);
        return 0;
    }
    rows = malloc (csv.nrows * sizeof *rows);
    if (!rows) {
        map_error (err, errlen, "%s: out of memory", csv.path);
        goto fail;
    }
    double today = NAN;
    for (size_t r = 0; r < csv.nrows; r++) {
        s_choice_t *c = &rows[r];
        c->factor = sim_figure_csv_val (&csv, r, col[0]);
        c->price = sim_figure_csv_val (&csv, r, col[1]);
        c->robotaxi = 100 * sim_figure_csv_val (&csv, r, col[2]);
        c->human = 100 * sim_figure_csv_val (&csv, r, col[3]);
        c->other = 100 * sim_figure_csv_val (&csv, r, col[4]);
        if (fabs (c->factor - 1) < 1e-9)
            today = c->price;
    }
    qsort (rows, csv.nrows, sizeof *rows, s_cmp_choice);
    if (sim_figure_folder_dat (run->figures, row, &dat, err, errlen) != 0)
        goto fail;
    fputs ("# robotaxi_yuan_10km\trobotaxi_pct\thuman_pct\tother_pct\tprice_factor\n", dat.f);
    for (size_t r = 0; r < csv.nrows; r++) {
        const double v[] = {rows[r].price, rows[r].robotaxi, rows[r].human, rows[r].other, rows[r].factor};
        for (size_t i = 0; i < S_COUNT (v); i++) {
            if (i)
                fputc ('\t', dat.f);
            sim_figure_dat_num (dat.f, v[i]);
        }
        fputc ('\n', dat.f);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    /* each axis scaled to its fleet: the robotaxi's from 0 to above its most, the human one's around its shares
     * (at least 2 points of % tall, so a flat share stays flat) */
    double rmax = 0, hlo = INFINITY, hhi = -INFINITY, olo = INFINITY, ohi = -INFINITY;
    for (size_t r = 0; r < csv.nrows; r++) {
        rmax = fmax (rmax, rows[r].robotaxi);
        hlo = fmin (hlo, rows[r].human);
        hhi = fmax (hhi, rows[r].human);
        olo = fmin (olo, rows[r].other);
        ohi = fmax (ohi, rows[r].other);
    }
    double mid = isfinite (hlo) ? (hlo + hhi) / 2 : 50, half = isfinite (hlo) ? fmax (0.6 * (hhi - hlo), 1) : 50;
    char yrange[64], y2range[64], other[96];
    snprintf (yrange, sizeof yrange, "0:%.4g", rmax > 0 ? 1.15 * rmax : 1);
    snprintf (y2range, sizeof y2range, "%.4g:%.4g", fmax (0, mid - half), fmin (100, mid + half));
    if (isfinite (olo))
        snprintf (other, sizeof other, "other ways: %.1f" S_NDASH "%.1f%% of riders", olo, ohi);
    else
        snprintf (other, sizeof other, "other ways");
    free (rows);
    sim_csv_free (&csv);
    sim_figure_series_t series[4];
    size_t n = 0;
    for (const sim_figure_series_t *s = row->series; s->using && n + 1 < S_COUNT (series); s++, n++) {
        series[n] = *s;
        if (s->data && strcmp (s->data, "+") == 0)
            series[n].title = other;
    }
    series[n] = (sim_figure_series_t){0};
    sim_figure_t fig = *row;
    fig.y.range = yrange;
    fig.y2.range = y2range;
    fig.series = series;
    fig.arg = &today;
    return s_run_add (run, &fig, err, errlen);
fail:
    sim_file_abandon (&dat);
    free (rows);
    sim_csv_free (&csv);
    return -1;
}

/* A mark at today's fare, when choice.csv has it, named above the plot (x2's tic) rather than inside it; arg is the
 * fare (NaN: none). */
static void
s_choice_today (FILE *f, const void *arg)
{
    double today = *(const double *) arg;
    if (isfinite (today))
        fprintf (f, "set arrow 1 from %g, graph 0 to %g, graph 1 nohead dashtype 2 linecolor rgb '" S_GREY "'\n"
                    "set link x2\n"
                    "set x2tics ('today''s fare' %g) scale 0 textcolor rgb '" S_GREY "'\n",
                 today, today, today);
}

/* days.svg and days_pay.svg, for two days or more: active drivers (and those displaced) and their net hourly earnings
 * by day, from days.csv as the run read it; each figure draws the columns its series name. */
static int
s_days (s_run_t *run, const sim_figure_t *row, char *err, size_t errlen)
{
    const sim_csv_t *days = &run->days;
    if (days->nrows < 2)
        return 0;
    sim_file_t dat;
    int col[] = {sim_csv_col (days, "day"), sim_csv_col (days, "active_drivers"),
                 sim_csv_col (days, "driver_net_hourly_yuan"), sim_csv_col (days, "displaced_drivers")};
    if (sim_figure_folder_dat (run->figures, row, &dat, err, errlen) != 0)
        return -1;
    fputs ("# day\tactive_drivers\tdriver_net_hourly_yuan\tdisplaced_drivers\n", dat.f);
    for (size_t r = 0; r < days->nrows; r++) {
        for (size_t i = 0; i < S_COUNT (col); i++) {
            if (i)
                fputc ('\t', dat.f);
            sim_figure_dat_num (dat.f, sim_figure_csv_val (days, r, col[i]));
        }
        fputc ('\n', dat.f);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        return -1;
    sim_figure_t fig = *row;
    fig.arg = &days->nrows;
    fig.have = col[3] >= 0 ? S_HAS_DISPLACED : 0;
    return s_run_add (run, &fig, err, errlen);
}

/* A tic a day for up to a month; arg is the number of days (size_t). */
static void
s_days_tics (FILE *f, const void *arg)
{
    if (*(const size_t *) arg <= 31)
        fputs ("set xtics 1\n", f);
}

/* -------------------------------------------------------------------------------------------------------------- */
/* report.html */

/* The scope of the last day's figures in a heading: "" for one day, else " on day N of N (the last day)". */
static void
s_last_day (const s_run_t *run, char *buf, size_t len)
{
    char scope[64];
    sim_report_last_day (run->day, run->ndays, scope, sizeof scope);
    snprintf (buf, len, "%s%s", scope[0] ? " on " : "", scope);
}

static void
s_html_fleet_table (FILE *f, const json_t *fleets)
{
    static const char *const names[] = {"robotaxi", "human"};
    fputs ("<table>\n<tr><th></th>", f);
    for (size_t i = 0; i < S_COUNT (names); i++)
        fprintf (f, "<th class=\"n\">%s</th>", s_fleet_label (names[i]));
    fputs ("</tr>\n", f);
    const sim_fig_t *fig;
    for (size_t r = 0; (fig = sim_report_fig (SIM_FIGS_FLEET, r)) != NULL; r++) {
        if (!(fig->flags & SIM_FIG_SHOWN))
            continue;
        double v[S_COUNT (names)];
        int used = 0;
        for (size_t i = 0; i < S_COUNT (names); i++) {
            v[i] = s_json_num (json_object_get (fleets, names[i]), fig->key);
            used |= isfinite (v[i]) && v[i] != 0;
        }
        if ((fig->flags & SIM_FIG_IF_USED) && !used)
            continue;
        fprintf (f, "<tr><th>%s</th>", fig->label);
        for (size_t i = 0; i < S_COUNT (names); i++) {
            fputs ("<td class=\"n\">", f);
            s_html_fig (f, fig, v[i]);
            fputs ("</td>", f);
        }
        fputs ("</tr>\n", f);
    }
    fputs ("</table>\n", f);
}

/* The human drivers' line, as the terminal prints it. */
static void
s_html_drivers (FILE *f, const s_run_t *run, const json_t *drivers)
{
    static const char *const keys[] = {"drivers", "hours_online", "gross_hourly_yuan", "net_hourly_yuan",
                                       "net_daily_yuan", "net_income_yuan"};
    static const char *const words[] = {" worked ", " h; gross ", " yuan/h, net ", " yuan/h, net ",
                                        " yuan/day each; ", " yuan net in all.</p>\n"};
    if (run->ndays > 1)
        fprintf (f, "<p>Human drivers on day %u: ", run->day);
    else
        fputs ("<p>Human drivers: ", f);
    for (size_t i = 0; i < S_COUNT (keys); i++) {
        s_html_fig (f, sim_report_fig_find (SIM_FIGS_DRIVERS, keys[i]), s_json_num (drivers, keys[i]));
        fputs (words[i], f);
    }
}

/* summary.json's charging (charging.mode battery): a row per figure, a column per fleet, as the terminal shows it. */
static void
s_html_charging (FILE *f, const s_run_t *run, const json_t *charging)
{
    static const char *const names[] = {"robotaxi", "human"};
    static const struct {
        const char *key, *label;
        double scale;          /* 100: a share shown in percent */
        int decimals;
    } rows[] = {
        {"plugged_in_share", "time plugged in (of on-shift)", 100, 2},
        {"waiting_for_plug_share", "time waiting for a plug (of on-shift)", 100, 2},
        {"plugged_in_h", "hours plugged in", 1, 1},
        {"waiting_for_plug_h", "hours waiting for a plug", 1, 1},
        {"kwh_per_vehicle_day", "kWh bought per vehicle-day", 1, 2},
        {"energy_yuan_per_vehicle_day", "energy per vehicle-day, yuan", 1, 2},
        {"kwh_per_km", "kWh bought per km", 1, 4},
        {"energy_yuan_per_km", "energy per km, yuan", 1, 4},
    };
    char scope[96];
    s_last_day (run, scope, sizeof scope);
    fprintf (f, "<h2>Charging%s</h2>\n<p>Hours plugged in and waiting for a plug are shares of the fleet's hours on "
                "shift; the kWh and yuan are the electricity bought, per vehicle-day (robotaxis in the fleet, drivers "
                "who worked) and per km driven. Each session is in <a href=\"charging.csv\">charging.csv</a>, each "
                "vehicle in <a href=\"batteries.csv\">batteries.csv</a>, each site in "
                "<a href=\"chargers.csv\">chargers.csv</a> and each hour in "
                "<a href=\"charging_hourly.csv\">charging_hourly.csv</a>.</p>\n<table>\n<tr><th></th>",
             scope);
    for (size_t i = 0; i < S_COUNT (names); i++)
        fprintf (f, "<th class=\"n\">%s</th>", s_fleet_label (names[i]));
    fputs ("</tr>\n", f);
    for (size_t r = 0; r < S_COUNT (rows); r++) {
        fprintf (f, "<tr><th>%s</th>", rows[r].label);
        for (size_t i = 0; i < S_COUNT (names); i++) {
            double v = s_json_num (json_object_get (charging, names[i]), rows[r].key);
            if (isfinite (v))
                fprintf (f, "<td class=\"n\">%.*f%s</td>", rows[r].decimals, v * rows[r].scale,
                         rows[r].scale == 100 ? "%" : "");
            else
                fputs ("<td class=\"n\">" S_NDASH "</td>", f);
        }
        fputs ("</tr>\n", f);
    }
    fputs ("</table>\n", f);
}

/* summary.json's displacement: the last day's, every figure. */
static void
s_html_displacement_day (FILE *f, const s_run_t *run, const json_t *moved)
{
    if (run->ndays > 1)
        fprintf (f, "<h3>Day %u of %u (the last day) in detail</h3>\n<table>\n", run->day, run->ndays);
    else
        fputs ("<table>\n", f);
    const sim_fig_t *fig;
    for (size_t i = 0; (fig = sim_report_fig (SIM_FIGS_DISPLACEMENT, i)) != NULL; i++) {
        double v = s_json_num (moved, fig->key);
        if (!isfinite (v))
            continue;
        fprintf (f, "<tr><th>%s</th><td class=\"n\">", fig->label);
        s_html_fig (f, fig, v);
        fputs ("</td></tr>\n", f);
    }
    fputs ("</table>\n", f);
}

/* A row of a table of days: its label, then the n figures figs with their values v. */
static void
s_html_day_row (FILE *f, const char *label, const sim_fig_t *const *figs, const double *v, size_t n)
{
    fprintf (f, "<tr><th>%s</th>", label);
    for (size_t c = 0; c < n; c++) {
        fputs ("<td class=\"n\">", f);
        s_html_fig (f, figs[c], v[c]);
        fputs ("</td>", f);
    }
    fputs ("</tr>\n", f);
}

/* A table of days.csv: a row per day of the columns whose figure `pick` takes, headed by their labels; with totals,
 * the total over the days (the sum of each column as the file holds it) and the mean per day. Nothing when the file
 * has none of the columns. */
static void
s_html_days_table (FILE *f, const sim_csv_t *days, int (*pick) (const sim_fig_t *), int totals)
{
    const sim_fig_t *figs[32];
    int cols[32];
    size_t n = 0;
    const sim_fig_t *fig;
    for (size_t i = 0; (fig = sim_report_fig (SIM_FIGS_DAY, i)) != NULL && n < S_COUNT (figs); i++) {
        int c = sim_csv_col (days, fig->key);
        if (c >= 0 && pick (fig)) {
            figs[n] = fig;
            cols[n++] = c;
        }
    }
    int day = sim_csv_col (days, "day");
    if (n == 0 || day < 0)
        return;
    fputs ("<table>\n<tr><th>day</th>", f);
    for (size_t c = 0; c < n; c++)
        fprintf (f, "<th class=\"n\">%s</th>", figs[c]->label);
    fputs ("</tr>\n", f);
    double v[32], total[32] = {0};
    for (size_t r = 0; r < days->nrows; r++) {
        for (size_t c = 0; c < n; c++) {
            v[c] = sim_figure_csv_val (days, r, cols[c]);
            total[c] += v[c];
        }
        char label[64];
        snprintf (label, sizeof label, "day %.0f", sim_figure_csv_val (days, r, day));
        s_html_day_row (f, label, figs, v, n);
    }
    if (totals && days->nrows > 1) {
        char label[64];
        snprintf (label, sizeof label, "total, %zu days", days->nrows);
        s_html_day_row (f, label, figs, total, n);
        for (size_t c = 0; c < n; c++)
            v[c] = total[c] / (double) days->nrows;
        s_html_day_row (f, "mean per day", figs, v, n);
    }
    fputs ("</table>\n", f);
}

static void
s_html_costs (FILE *f, const s_run_t *run, const sim_csv_t *costs)
{
    int fleet = sim_csv_col (costs, "fleet");
    if (run->ndays > 1)
        fprintf (f, "<h2>Costs over all %u days</h2>\n<p>Per vehicle-day: the mean over the vehicle-days of all days; "
                    "utilization: the share of all on-shift hours spent carrying a rider.</p>\n",
                 run->ndays);
    else
        fputs ("<h2>Costs</h2>\n", f);
    fputs ("<table>\n<tr><th></th>", f);
    for (size_t r = 0; r < costs->nrows; r++) {
        fputs ("<th class=\"n\">", f);
        sim_figure_html (f, s_fleet_label (sim_csv_cell (costs, r, fleet)));
        fputs ("</th>", f);
    }
    fputs ("</tr>\n", f);
    for (size_t i = 0; i < S_COUNT (s_cost_rows); i++) {
        const s_cost_row_t *row = &s_cost_rows[i];
        if (!row->key) {
            fprintf (f, "<tr class=\"sec\"><th colspan=\"%zu\">%s</th></tr>\n", costs->nrows + 1, row->label);
            continue;
        }
        const sim_fig_t *fig = sim_report_fig_find (SIM_FIGS_COST, row->key);
        int c = sim_csv_col (costs, row->key);
        if (c < 0 || !fig)
            continue;
        fprintf (f, "<tr><th>%s</th>", fig->label);
        for (size_t r = 0; r < costs->nrows; r++) {
            fputs ("<td class=\"n\">", f);
            s_html_fig (f, fig, sim_figure_csv_val (costs, r, c));
            fputs ("</td>", f);
        }
        fputs ("</tr>\n", f);
    }
    fputs ("</table>\n", f);
}

/* The page: the run's figures in tables, each headed with the days it covers, then its plots and data files. */
static void
s_run_page (FILE *f, const void *arg)
{
    const s_run_t *run = arg;
    const json_t *root = run->summary;
    char title[320], scope[96];
    snprintf (title, sizeof title, "robotaxi run: %s", run->scenario);
    sim_figure_html_begin (f, title);
    fputs ("<p class=\"meta\">seed ", f);
    const json_t *seed = json_object_get (root, "seed");
    if (json_is_string (seed))
        sim_figure_html (f, json_string_value (seed));
    else if (json_is_integer (seed))
        fprintf (f, "%" JSON_INTEGER_FORMAT, json_integer_value (seed));
    else
        fputs (S_NDASH, f);
    fprintf (f, " &middot; %u day%s", run->ndays, run->ndays == 1 ? "" : "s");
    fputs ("</p>\n", f);
    sim_figure_folder_html_notes (run->figures, f);

    s_last_day (run, scope, sizeof scope);
    fprintf (f, "<h2>Fleets%s</h2>\n", scope);
    s_html_fleet_table (f, json_object_get (root, "fleets"));
    const json_t *drivers = json_object_get (root, "drivers");
    if (drivers)
        s_html_drivers (f, run, drivers);
    const json_t *charging = json_object_get (root, "charging");
    if (charging)
        s_html_charging (f, run, charging);
    const json_t *moved = json_object_get (root, "displacement");
    int days_moved = run->days.nrows > 1 && sim_csv_col (&run->days, "trips_moved") >= 0;
    if (moved || days_moved) {
        fprintf (f, "<h2>Displacement: %s against the same day without robotaxis</h2>\n",
                 days_moved ? "each day" : "the day");
        fputs ("<p>Trips and income moved: human ride-hail trips and the drivers' net income without robotaxis less "
               "with them, and that income in full-time drivers' net incomes of a day. Displaced drivers: those who "
               "worked on the day without robotaxis but not with them; their income and trips are of the day "
               "without robotaxis.",
               f);
        if (days_moved)
            fputs (" Over days, drivers add up to driver-days: a driver displaced on two days counts twice.", f);
        fputs ("</p>\n", f);
        if (days_moved)
            s_html_days_table (f, &run->days, s_in_displacement_table, 1);
        if (moved)
            s_html_displacement_day (f, run, moved);
    }
    if (run->costs.ncols)
        s_html_costs (f, run, &run->costs);
    if (run->days.ncols && run->days.nrows > 1) {
        fputs ("<h2>Each day</h2>\n", f);
        s_html_days_table (f, &run->days, s_in_days_table, 0);
        fputs ("<p>Every column of every day is in <a href=\"days.csv\">days.csv</a>.</p>\n", f);
    }
    if (run->map)
        sim_report_map_html (run->map, f);
    sim_figure_folder_html_figures (run->figures, f);
    sim_figure_html_files (f, sim_figure_folder_dir (run->figures));
    fputs ("</body>\n</html>\n", f);
}

int
sim_plot_run (const char *dir, char *err, size_t errlen)
{
    if (sim_figure_check_dir (dir, err, errlen) != 0)
        return -1;
    s_run_t *run = calloc (1, sizeof *run);
    if (!run || !(run->figures = sim_figure_folder_new (dir))) {
        free (run);
        return map_error (err, errlen, "%s: out of memory", dir);
    }
    int rc = -1;
    const char *d = sim_figure_folder_dir (run->figures);
    if (s_load_summary (run, err, errlen) != 0 || s_load_costs (d, &run->costs, err, errlen) != 0 ||
        s_load_days (d, &run->days, err, errlen) != 0 || sim_report_map_load (d, NULL, &run->map, err, errlen) != 0 ||
        sim_figure_folder_make_dir (run->figures, err, errlen) != 0)
        goto done;
    if (!json_object_get (run->summary, "days") && run->days.nrows > 1)
        run->ndays = (uint32_t) run->days.nrows;   /* a summary.json of before it said its days */
    for (size_t i = 0; i < S_COUNT (s_figures); i++)
        if (s_figures[i].data (run, &s_figures[i].fig, err, errlen) != 0)
            goto done;
    rc = sim_figure_folder_finish (run->figures, s_run_page, run, err, errlen);
done:
    json_decref (run->summary);
    sim_csv_free (&run->costs);
    sim_csv_free (&run->days);
    sim_report_map_destroy (&run->map);
    sim_figure_folder_destroy (&run->figures);
    free (run);
    return rc;
}
