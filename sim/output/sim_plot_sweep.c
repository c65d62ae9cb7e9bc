/* sim_plot_sweep: a sweep's folder (sim_plot_sweep): what the sweep found and the headline figures per point, its
 * figures (two tables: lines against the first swept key, heat maps over two keys) and its report.html. */
#include "sim_plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_error.h"
#include "sim_csv.h"
#include "sim_figure.h"
#include "sim_stat.h"

#define S_SERIES_MAX SIM_FIGURE_PALETTE   /* more values of the second key than this: one mean line instead */
#define S_KEYS_MAX   64                   /* swept keys told apart (sweep.csv may hold more) */
#define S_LINES_MAX  3                    /* metrics of one line figure */
#define S_LABELS_X   14                   /* a heat map writes its values in the cells up to this many columns ... */
#define S_LABELS_Y   30                   /* ... and rows */
#define S_TIMES      "\xc3\x97"
#define S_PLUSMINUS  "\xc2\xb1"
#define S_MINUS      "\xe2\x88\x92"
#define S_CELL       " style=\"padding:.2em .35em\""   /* the headline table's cells: a dozen columns fit the page */

/* ---- the metrics of sweep.csv the report shows ----------------------------------------------------------------- */

/* What a run's metric covers: every day played (a share, a cost), the mean of a day, or the last day. */
typedef enum { S_ALL_DAYS, S_PER_DAY, S_LAST_DAY } s_scope_t;

enum {
    S_M_SHARE,
    S_M_RIDES,
    S_M_BREAK_EVEN,
    S_M_UTIL,
    S_M_COST,
    S_M_PROFIT,
    S_M_WAIT_R,
    S_M_WAIT_H,
    S_M_DRIVERS,
    S_M_NET,
    S_M_DISPLACED,
    S_M_FTE,
    S_M_MOVED,
    S_M_DISPLACED_INCOME,
    S_METRICS
};

typedef struct {
    const char *column;    /* in sweep.csv */
    double scale;          /* what is shown is the column times this (a share in %, seconds in minutes) */
    int decimals;          /* in the tables and a heat map's cells */
    const char *label;     /* what it is, without its unit */
    const char *unit;      /* "%", "yuan", "min" or "" */
    const char *legend;    /* its words in a legend beside another metric's */
    const char *head;      /* its short heading in the table of headline figures */
    s_scope_t scope;
    int required;          /* sweep.csv must have it (every sweep has) */
    int zero_is_none;      /* 0 means no value (no break-even when a ride does not pay its running cost) */
} s_metric_t;

static const s_metric_t s_metrics[S_METRICS] = {
    [S_M_SHARE] = {"robotaxi_share", 100, 2, "Robotaxi share of trips", "%", "robotaxi share",
                   "Robotaxi share of trips, %", S_ALL_DAYS, 1, 0},
    [S_M_RIDES] = {"robotaxi_rides_per_vehicle_day", 1, 2, "Rides per robotaxi-day", "", "rides",
                   "Rides per robotaxi-day", S_ALL_DAYS, 0, 0},
    [S_M_BREAK_EVEN] = {"robotaxi_break_even_rides_per_day", 1, 1, "Break-even rides per robotaxi-day", "",
                        "break-even rides", "Break-even rides", S_ALL_DAYS, 0, 1},
    [S_M_UTIL] = {"robotaxi_utilization", 100, 2, "Robotaxi utilization", "%", "utilization", "Utilization, %",
                  S_ALL_DAYS, 0, 0},
    [S_M_COST] = {"robotaxi_cost_per_vehicle_day", 1, 1, "Cost per robotaxi-day", "yuan", "cost",
                  "Cost per robotaxi-day, yuan", S_ALL_DAYS, 0, 0},
    [S_M_PROFIT] = {"robotaxi_profit_per_vehicle_day", 1, 1, "Profit per robotaxi-day", "yuan", "profit",
                    "Profit per robotaxi-day, yuan", S_ALL_DAYS, 0, 0},
    [S_M_WAIT_R] = {"robotaxi_mean_wait_s", 1.0 / 60, 1, "Robotaxi riders' mean wait", "min", "robotaxi",
                    "Robotaxi wait, min", S_LAST_DAY, 0, 0},
    [S_M_WAIT_H] = {"human_mean_wait_s", 1.0 / 60, 1, "Human-driven riders' mean wait", "min", "human-driven",
                    "Human-driven wait, min", S_LAST_DAY, 0, 0},
    [S_M_DRIVERS] = {"active_drivers", 1, 0, "Active human drivers", "", "active drivers", "Active drivers",
                     S_PER_DAY, 1, 0},
    [S_M_NET] = {"driver_net_hourly_yuan", 1, 2, "Drivers' net earnings per hour", "yuan",
                 "net yuan/h (right axis)", "Drivers' net yuan per hour", S_ALL_DAYS, 1, 0},
    [S_M_DISPLACED] = {"displaced_drivers", 1, 1, "Displaced drivers", "", "displaced drivers", "Displaced drivers",
                       S_PER_DAY, 0, 0},
    [S_M_FTE] = {"fulltime_drivers_equivalent", 1, 1, "Income moved, in full-time drivers' incomes", "",
                 "income moved", "Income moved, full-time drivers", S_PER_DAY, 0, 0},
    [S_M_MOVED] = {"income_moved_yuan", 1, 0, "Drivers' income moved to robotaxis", "yuan", "income moved",
                   "Income moved, yuan", S_PER_DAY, 0, 0},
    [S_M_DISPLACED_INCOME] = {"displaced_income_yuan", 1, 0, "What the displaced drivers earned without robotaxis",
                              "yuan", "displaced drivers' income", "Displaced drivers' income, yuan",
                              S_PER_DAY, 0, 0},
};

/* The columns of the headline table, in order, and the metrics "What the sweep found" names. */
static const int s_table_metrics[] = {S_M_SHARE, S_M_RIDES,  S_M_BREAK_EVEN, S_M_UTIL,      S_M_COST,
                                      S_M_PROFIT, S_M_WAIT_R, S_M_DISPLACED,  S_M_MOVED};
static const int s_finding_metrics[] = {S_M_SHARE, S_M_RIDES, S_M_PROFIT, S_M_WAIT_R, S_M_DISPLACED, S_M_MOVED};

/* ---- the figures ----------------------------------------------------------------------------------------------- */

/* One line of a figure: a metric, read against the right axis or not, dashed or not, and its colour when no second
 * key colours the lines. */
typedef struct {
    int metric;
    int right;
    int dashed;
    const char *colour;
} s_line_t;

/* A figure against the first swept key: its description (name, heading, title, alt, axis labels and ranges,
 * settings) and its lines. The title gets a second line: "against KEY; what the days are; what a point is"; alt is
 * followed by " against KEY". A figure is drawn when one of its metrics has a value. */
typedef struct {
    sim_figure_t fig;
    s_line_t line[S_LINES_MAX];
    size_t nlines;
} s_line_fig_t;

static const char *const s_zero_line[] = {"set xzeroaxis linetype 1 linewidth 1.5 linecolor rgb '#555555'", NULL};

static const s_line_fig_t s_line_figs[] = {
    {.fig = {.name = "sweep_share",
             .heading = "Robotaxi share of trips",
             .title = "Robotaxi share of trips, %",
             .alt = "The robotaxi share of trips, in per cent,",
             .y = {.label = "robotaxi share of trips, %"}},
     .line = {{S_M_SHARE, 0, 0, SIM_FIGURE_ROBOTAXI}},
     .nlines = 1},
    {.fig = {.name = "sweep_rides",
             .heading = "Rides per robotaxi-day, and the rides that would break even",
             .title = "Rides per robotaxi-day (solid) and the rides that would break even (dashed)",
             .alt = "Rides per robotaxi-day and the rides per day that would pay its costs",
             .y = {.label = "rides per robotaxi per day"}},
     .line = {{S_M_RIDES, 0, 0, SIM_FIGURE_ROBOTAXI}, {S_M_BREAK_EVEN, 0, 1, SIM_FIGURE_GREY}},
     .nlines = 2},
    {.fig = {.name = "sweep_utilization",
             .heading = "Robotaxi utilization",
             .title = "Robotaxi utilization: share of online time carrying a rider, %",
             .alt = "Robotaxi utilization, the share of online time carrying a rider, in per cent,",
             .y = {.label = "robotaxi time carrying a rider, %"}},
     .line = {{S_M_UTIL, 0, 0, SIM_FIGURE_ROBOTAXI}},
     .nlines = 1},
    {.fig = {.name = "sweep_cost",
             .heading = "Cost per robotaxi-day",
             .title = "The operator's cost per robotaxi-day, yuan",
             .alt = "The operator's cost per robotaxi-day, in yuan,",
             .y = {.label = "cost per robotaxi-day, yuan"}},
     .line = {{S_M_COST, 0, 0, SIM_FIGURE_ROBOTAXI}},
     .nlines = 1},
    {.fig = {.name = "sweep_profit",
             .heading = "Profit per robotaxi-day",
             .title = "The operator's profit per robotaxi-day, yuan (below the zero line: a loss)",
             .alt = "The operator's profit per robotaxi-day, in yuan (negative: a loss),",
             /* the zero line always in sight: lower end at most 0, upper at least 0 */
             .y = {.label = "profit per robotaxi-day, yuan", .range = "*<0:0<*"},
             .settings = s_zero_line},
     .line = {{S_M_PROFIT, 0, 0, SIM_FIGURE_ROBOTAXI}},
     .nlines = 1},
    {.fig = {.name = "sweep_wait",
             .heading = "Riders' mean wait",
             .title = "Riders' mean wait for a robotaxi (solid) and a human driver (dashed), min",
             .alt = "Riders' mean wait for a robotaxi and for a human-driven car, in minutes,",
             .y = {.label = "mean wait, min"}},
     .line = {{S_M_WAIT_R, 0, 0, SIM_FIGURE_ROBOTAXI}, {S_M_WAIT_H, 0, 1, SIM_FIGURE_HUMAN}},
     .nlines = 2},
    {.fig = {.name = "sweep_displaced",
             .heading = "Displaced drivers",
             .title = "Displaced drivers (solid) and the income moved, counted in full-time drivers (dashed)",
             .alt = "Drivers who stayed home because of the robotaxis, and the drivers' income moved to robotaxis "
                    "counted in full-time drivers' incomes,",
             .y = {.label = "drivers"}},
     .line = {{S_M_DISPLACED, 0, 0, SIM_FIGURE_HUMAN}, {S_M_FTE, 0, 1, SIM_FIGURE_GREY}},
     .nlines = 2},
    {.fig = {.name = "sweep_income",
             .heading = "Drivers' income moved to robotaxis",
             .title = "Drivers' income moved to robotaxis (solid) and what the displaced drivers earned (dashed), yuan",
             .alt = "The drivers' net income without robotaxis less with them, and what the displaced drivers earned "
                    "without robotaxis, in yuan,",
             .y = {.label = "yuan"}},
     .line = {{S_M_MOVED, 0, 0, SIM_FIGURE_HUMAN}, {S_M_DISPLACED_INCOME, 0, 1, SIM_FIGURE_GREY}},
     .nlines = 2},
    {.fig = {.name = "sweep_drivers",
             .heading = "Active drivers and their net earnings",
             .title = "Active human drivers (solid) and their net yuan per hour (dashed, right axis)",
             .alt = "Active human drivers and their net earnings per hour",
             .y = {.label = "active human drivers"},
             .y2 = {.label = "drivers' net earnings, yuan per hour", .tics = ""}},
     .line = {{S_M_DRIVERS, 0, 0, SIM_FIGURE_HUMAN}, {S_M_NET, 1, 1, SIM_FIGURE_GREEN}},
     .nlines = 2},
};

/* A heat map over the two swept keys (a sweep of exactly two): one metric's mean at each pair of values, written in
 * its cell when the cells are few enough to read. Drawn when the metric differs somewhere on the grid. Diverging:
 * white at zero, red below, blue above; else from white to high. The title gets the days and what a cell is. */
typedef struct {
    sim_figure_t fig;
    int metric;
    int diverging;
    const char *high;      /* the colour of the highest value, when not diverging */
} s_heat_fig_t;

static const s_heat_fig_t s_heat_figs[] = {
    {.fig = {.name = "sweep_heat_share",
             .heading = "Robotaxi share of trips over both swept keys",
             .title = "Robotaxi share of trips, %",
             .alt = "A heat map of the robotaxi share of trips"},
     .metric = S_M_SHARE,
     .high = "#3a87c0"},
    {.fig = {.name = "sweep_heat_profit",
             .heading = "Profit per robotaxi-day over both swept keys",
             .title = "The operator's profit per robotaxi-day, yuan (red: a loss, blue: a profit)",
             .alt = "A heat map of the profit per robotaxi-day"},
     .metric = S_M_PROFIT,
     .diverging = 1},
    {.fig = {.name = "sweep_heat_displaced",
             .heading = "Displaced drivers over both swept keys",
             .title = "Displaced drivers",
             .alt = "A heat map of the displaced drivers"},
     .metric = S_M_DISPLACED,
     .high = "#e8804a"},
    {.fig = {.name = "sweep_heat_moved",
             .heading = "Drivers' income moved to robotaxis over both swept keys",
             .title = "Drivers' income moved to robotaxis, yuan",
             .alt = "A heat map of the drivers' income moved to robotaxis"},
     .metric = S_M_MOVED,
     .high = "#e8804a"},
};

#define S_LINE_FIGS (sizeof s_line_figs / sizeof s_line_figs[0])
#define S_HEAT_FIGS (sizeof s_heat_figs / sizeof s_heat_figs[0])

/* ---- the swept keys -------------------------------------------------------------------------------------------- */

/* The distinct values of one swept key, in plot order: ascending when every value is a number, else as first
 * seen. */
typedef struct {
    int col;
    const char *name;
    size_t n;
    const char **text;     /* n, into the CSV */
    double *num;           /* n, when numeric */
    int numeric;
    size_t *of_row;        /* nrows: the value of each row */
} s_axis_t;

static void
s_axis_free (s_axis_t *a)
{
    free (a->text);
    free (a->num);
    free (a->of_row);
    memset (a, 0, sizeof *a);
}

static size_t
s_axis_find (const s_axis_t *a, const char *cell, double v)
{
    for (size_t j = 0; j < a->n; j++)
        if (a->numeric ? a->num[j] == v : strcmp (a->text[j], cell) == 0)
            return j;
    return a->n;
}

static int
s_axis_build (s_axis_t *a, const sim_csv_t *csv, int col)
{
    memset (a, 0, sizeof *a);
    a->col = col;
    a->name = csv->names[col];
    size_t rows = csv->nrows ? csv->nrows : 1;
    a->text = malloc (rows * sizeof *a->text);
    a->num = malloc (rows * sizeof *a->num);
    a->of_row = malloc (rows * sizeof *a->of_row);
    if (!a->text || !a->num || !a->of_row)
        return -1;
    a->numeric = csv->nrows > 0;
    for (size_t r = 0; r < csv->nrows; r++) {
        double v;
        if (sim_csv_parse_number (sim_csv_cell (csv, r, col), &v) != 0 || !isfinite (v))
            a->numeric = 0;
    }
    for (size_t r = 0; r < csv->nrows; r++) {
        const char *cell = sim_csv_cell (csv, r, col);
        double v = a->numeric ? sim_figure_csv_val (csv, r, col) : 0;
        if (s_axis_find (a, cell, v) == a->n) {
            a->text[a->n] = cell;
            a->num[a->n++] = v;
        }
    }
    /* insertion sort: a sweep has a handful of values per key */
    for (size_t i = 1; a->numeric && i < a->n; i++)
        for (size_t j = i; j > 0 && a->num[j - 1] > a->num[j]; j--) {
            double t = a->num[j];
            a->num[j] = a->num[j - 1];
            a->num[j - 1] = t;
            const char *s = a->text[j];
            a->text[j] = a->text[j - 1];
            a->text[j - 1] = s;
        }
    for (size_t r = 0; r < csv->nrows; r++)
        a->of_row[r] = s_axis_find (a, sim_csv_cell (csv, r, col), a->numeric ? sim_figure_csv_val (csv, r, col) : 0);
    return 0;
}

/* Where value i sits on a figure's axis: the value itself when the key is numeric, else its index. */
static double
s_axis_pos (const s_axis_t *a, size_t i)
{
    return a->numeric ? a->num[i] : (double) i;
}

/* ---- the sweep ------------------------------------------------------------------------------------------------- */

typedef struct s_sweep_t s_sweep_t;

/* What a figure's head needs: the sweep, the row of its table and, for a line figure, its metrics drawn. */
typedef struct {
    const s_sweep_t *s;
    const s_line_fig_t *line;
    const s_heat_fig_t *heat;
    int line_ok[S_LINES_MAX];
    size_t nlines;
    char title[3][400];    /* the lines of its title: what it shows, against what over which days, what a point is */
} s_fig_arg_t;

struct s_sweep_t {
    sim_figure_folder_t *figures;
    sim_csv_t csv;
    size_t nkeys;
    int keys[S_KEYS_MAX];  /* the swept keys' columns */
    s_axis_t x;            /* the first key */
    s_axis_t y;            /* the second key, when there is one */
    int lines_per_y;       /* the line figures draw a line per value of the second key (y.n <= S_SERIES_MAX) */
    size_t ny;             /* y.n, or 1 */
    int metric[S_METRICS]; /* their columns, -1 when sweep.csv has none */
    sim_stat_t *cell;      /* [x][y or 0][metric]: the runs with these values of the first and second keys */
    /* the grid points: the runs with the same value of every key */
    size_t npoints;
    size_t *point_row;     /* npoints: a row of each, in sweep.csv's order */
    sim_stat_t *point;     /* [point][metric] */
    size_t *point_runs;    /* npoints */
    size_t max_runs;       /* the most runs of one point (its seeds) */
    size_t min_runs;       /* the fewest (fewer in a sweep stopped part-way) */
    int bars;              /* a line figure's point is one grid point's mean, some of several seeds */
    unsigned days;         /* scenario.days of config.ini, 0 when unknown or swept */
    int baseline;          /* sweep.csv has the baseline's columns */
    char over[200];        /* what a line figure's point is */
    s_fig_arg_t args[S_LINE_FIGS + S_HEAT_FIGS];
    size_t nargs;
};

static void
s_sweep_free (s_sweep_t *s)
{
    sim_csv_free (&s->csv);
    s_axis_free (&s->x);
    s_axis_free (&s->y);
    free (s->cell);
    free (s->point_row);
    free (s->point);
    free (s->point_runs);
    sim_figure_folder_destroy (&s->figures);
}

/* scenario.days of DIR/config.ini (the scenario every point starts from); 0 when it cannot be read. */
static unsigned
s_config_days (const char *dir)
{
    char path[4200], line[512];
    snprintf (path, sizeof path, "%s/config.ini", dir);
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    unsigned days = 0;
    int in_scenario = 0;
    while (fgets (line, sizeof line, f)) {
        const char *p = line + strspn (line, " \t");
        if (*p == '[')
            in_scenario = strncmp (p, "[scenario]", 10) == 0;
        else if (in_scenario && strncmp (p, "days", 4) == 0) {
            p += 4 + strspn (p + 4, " \t");
            char *end;
            unsigned long v = *p == '=' ? strtoul (p + 1, &end, 10) : 0;
            days = v > 0 && v < 100000 ? (unsigned) v : 0;
        }
    }
    fclose (f);
    return days;
}

/* What a metric of this scope covers, in words: "one day", "all 3 days", "mean per day over 3 days", "the last of 3
 * days". */
static void
s_scope_text (const s_sweep_t *s, s_scope_t scope, char *buf, size_t len)
{
    if (s->days == 1)
        snprintf (buf, len, "one day");
    else if (s->days == 0)
        snprintf (buf, len, "%s", scope == S_ALL_DAYS ? "all days" : scope == S_PER_DAY ? "mean per day" : "last day");
    else if (scope == S_ALL_DAYS)
        snprintf (buf, len, "all %u days", s->days);
    else if (scope == S_PER_DAY)
        snprintf (buf, len, "mean per day over %u days", s->days);
    else
        snprintf (buf, len, "the last of %u days", s->days);
}

/* The value of metric m in row r as shown (scaled); NaN when the run has none. */
static double
s_value (const s_sweep_t *s, size_t r, int m)
{
    double v = sim_figure_csv_val (&s->csv, r, s->metric[m]);
    if (!isfinite (v) || (s_metrics[m].zero_is_none && v == 0))
        return NAN;
    return v * s_metrics[m].scale;
}

static size_t
s_nkeys (const s_sweep_t *s)
{
    return s->nkeys < S_KEYS_MAX ? s->nkeys : S_KEYS_MAX;
}

/* The grid points: rows with the same text in every key column are one point, its runs the seeds played. */
static int
s_sweep_points (s_sweep_t *s)
{
    const sim_csv_t *csv = &s->csv;
    size_t rows = csv->nrows ? csv->nrows : 1, nk = s_nkeys (s);
    size_t *of_row = malloc (rows * sizeof *of_row);
    s->point_row = malloc (rows * sizeof *s->point_row);
    s->point_runs = calloc (rows, sizeof *s->point_runs);
    s->point = calloc (rows * S_METRICS, sizeof *s->point);
    if (!of_row || !s->point_row || !s->point_runs || !s->point) {
        free (of_row);
        return -1;
    }
    for (size_t r = 0; r < csv->nrows; r++) {
        size_t p = 0;
        for (; p < s->npoints; p++) {
            size_t k = 0;
            while (k < nk &&
                   strcmp (sim_csv_cell (csv, r, s->keys[k]), sim_csv_cell (csv, s->point_row[p], s->keys[k])) == 0)
                k++;
            if (k == nk)
                break;
        }
        if (p == s->npoints)
            s->point_row[s->npoints++] = r;
        of_row[r] = p;
        s->point_runs[p]++;
        if (s->point_runs[p] > s->max_runs)
            s->max_runs = s->point_runs[p];
        for (int m = 0; m < S_METRICS; m++) {
            double v = s_value (s, r, m);
            if (isfinite (v))
                sim_stat_add (&s->point[p * S_METRICS + (size_t) m], v);
        }
    }
    s->min_runs = s->max_runs;
    for (size_t p = 0; p < s->npoints; p++)
        s->min_runs = s->point_runs[p] < s->min_runs ? s->point_runs[p] : s->min_runs;
    free (of_row);
    return 0;
}

/* Reads sweep.csv, finds its keys and metrics, and takes the means per point and per value of the first two keys. */
static int
s_sweep_load (s_sweep_t *s, char *err, size_t errlen)
{
    int rc = sim_figure_csv_load (&s->csv, sim_figure_folder_dir (s->figures), "sweep.csv", err, errlen);
    if (rc > 0)
        return map_error (err, errlen, "%s/sweep.csv: %s", sim_figure_folder_dir (s->figures), strerror (ENOENT));
    if (rc < 0)
        return -1;
    sim_csv_t *csv = &s->csv;
    for (size_t c = 0; c < csv->ncols; c++)
        if (strchr (csv->names[c], '.')) {
            if (s->nkeys < S_KEYS_MAX)
                s->keys[s->nkeys] = (int) c;
            s->nkeys++;
        }
    if (!s->nkeys)
        return map_error (err, errlen, "%s:1: no swept key (a column named like robotaxi.fleet_size)", csv->path);
    const char *need[S_METRICS];
    int col[S_METRICS];
    size_t nneed = 0;
    for (int m = 0; m < S_METRICS; m++)
        if (s_metrics[m].required)
            need[nneed++] = s_metrics[m].column;
    if (sim_csv_need (csv, need, col, nneed, err, errlen) != 0)
        return -1;
    for (int m = 0; m < S_METRICS; m++) {
        s->metric[m] = sim_csv_col (csv, s_metrics[m].column);
        /* a run that could not measure a metric leaves its cell empty; anything else must be a number */
        for (size_t r = 0; s->metric[m] >= 0 && r < csv->nrows; r++) {
            double v;
            const char *cell = sim_csv_cell (csv, r, s->metric[m]);
            if (!sim_csv_blank (cell) && sim_csv_parse_number (cell, &v) != 0)
                return map_error (err, errlen, "%s:%d: %s: '%.40s' is not a number", csv->path, csv->lines[r],
                                  s_metrics[m].column, cell);
        }
    }
    s->baseline = s->metric[S_M_DISPLACED] >= 0;
    s->days = s_config_days (sim_figure_folder_dir (s->figures));
    for (size_t k = 0; k < s_nkeys (s); k++)
        if (strcmp (csv->names[s->keys[k]], "scenario.days") == 0)
            s->days = 0;
    if (s_axis_build (&s->x, csv, s->keys[0]) != 0 || (s->nkeys > 1 && s_axis_build (&s->y, csv, s->keys[1]) != 0))
        return map_error (err, errlen, "%s: out of memory", csv->path);
    s->lines_per_y = s->y.n > 0 && s->y.n <= S_SERIES_MAX;
    s->ny = s->y.n ? s->y.n : 1;
    s->cell = calloc ((s->x.n ? s->x.n : 1) * s->ny * S_METRICS, sizeof *s->cell);
    if (!s->cell || s_sweep_points (s) != 0)
        return map_error (err, errlen, "%s: out of memory", csv->path);
    for (size_t r = 0; r < csv->nrows; r++) {
        size_t at = (s->x.of_row[r] * s->ny + (s->y.n ? s->y.of_row[r] : 0)) * S_METRICS;
        for (int m = 0; m < S_METRICS; m++) {
            double v = s_value (s, r, m);
            if (isfinite (v))
                sim_stat_add (&s->cell[at + (size_t) m], v);
        }
    }
    /* a line figure's point is one grid point, the mean of its seeds, when no other key is averaged over */
    int one_point = s->nkeys == 1 || (s->nkeys == 2 && s->lines_per_y);
    s->bars = one_point && s->max_runs > 1;
    if (!one_point)
        snprintf (s->over, sizeof s->over, "mean over seeds and the other swept keys");
    else if (s->max_runs > 1)
        snprintf (s->over, sizeof s->over, "mean of %s%zu replications per point, bars: 95%% interval (Student's t)",
                  s->min_runs < s->max_runs ? "up to " : "", s->max_runs);
    else
        snprintf (s->over, sizeof s->over, "one run per point");
    return 0;
}

/* The runs of the first key's value xi and the line's value yi (0 without a line per value) for metric m, merged
 * over the second key's values when the lines do not tell them apart. */
static sim_stat_t
s_cell (const s_sweep_t *s, size_t xi, size_t yi, int m)
{
    if (s->lines_per_y || !s->y.n)
        return s->cell[(xi * s->ny + yi) * S_METRICS + (size_t) m];
    sim_stat_t all = {0};
    for (size_t j = 0; j < s->ny; j++)
        sim_stat_merge (&all, &s->cell[(xi * s->ny + j) * S_METRICS + (size_t) m]);
    return all;
}

/* 1 when metric m has a value at some point */
static int
s_has (const s_sweep_t *s, int m)
{
    for (size_t p = 0; s->metric[m] >= 0 && p < s->npoints; p++)
        if (s->point[p * S_METRICS + (size_t) m].n)
            return 1;
    return 0;
}

/* ---- numbers as the page shows them ---------------------------------------------------------------------------- */

/* v to decimals, with a real minus sign and the thousands separated by commas; a dash when not finite. */
static void
s_num_text (double v, int decimals, char *buf, size_t len)
{
    if (!isfinite (v)) {
        snprintf (buf, len, SIM_FIGURE_NDASH);
        return;
    }
    char plain[64];
    double scale = pow (10.0, decimals), r = round (fabs (v) * scale) / scale;
    snprintf (plain, sizeof plain, "%.*f", decimals, r);
    size_t digits = strcspn (plain, "."), o = 0;
    if (v < 0 && r > 0 && len > sizeof S_MINUS)
        o += (size_t) snprintf (buf, len, S_MINUS);
    for (size_t i = 0; plain[i] && o + 2 < len; i++) {
        if (i && i < digits && (digits - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = plain[i];
    }
    buf[o < len ? o : len - 1] = '\0';
}

/* The same with metric m's unit: "0.41%", "-70.5 yuan", "3.2 min". */
static void
s_value_text (int m, double v, char *buf, size_t len)
{
    char num[64];
    s_num_text (v, s_metrics[m].decimals, num, sizeof num);
    const char *unit = isfinite (v) ? s_metrics[m].unit : "";
    if (snprintf (buf, len, "%s%s%s", num, *unit && strcmp (unit, "%") != 0 ? " " : "", unit) < 0)
        buf[0] = '\0';
}

/* ---- the figures' data and scripts ----------------------------------------------------------------------------- */

/* s inside a double-quoted gnuplot string: a quote and a backslash escaped, control characters as spaces. */
static void
s_gp_dq (FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc ('\\', f);
        fputc ((unsigned char) *s < 0x20 ? ' ' : *s, f);
    }
}

/* The title: what the figure shows, then what its numbers are, a line each (empty lines left out). */
static void
s_title (FILE *f, const s_fig_arg_t *a)
{
    fputs ("set title \"", f);
    for (size_t i = 0; i < sizeof a->title / sizeof a->title[0]; i++)
        if (a->title[i][0]) {
            if (i)
                fputs ("\\n", f);
            s_gp_dq (f, a->title[i]);
        }
    fputs ("\"\n", f);
}

/* The x axis of a figure against the first key: its values as tics when there are few, or its words. */
static void
s_xaxis (FILE *f, const s_sweep_t *s)
{
    fputs ("set xlabel ", f);
    sim_figure_gp_str (f, s->x.name);
    fputc ('\n', f);
    if (s->x.numeric && s->x.n > 12)
        return;
    fputs ("set xtics (", f);
    for (size_t i = 0; i < s->x.n; i++) {
        if (i)
            fputs (", ", f);
        sim_figure_gp_str (f, s->x.text[i]);
        fputc (' ', f);
        sim_figure_dat_num (f, s_axis_pos (&s->x, i));
    }
    fputs (")\n", f);
    if (!s->x.numeric)
        fprintf (f, "set xrange [-0.5:%g]\n", (double) s->x.n - 0.5);
    else if (s->x.n > 1)
        fputs ("set offsets graph 0.04, graph 0.04, 0, 0\n", f);
}

/* A line figure's head: its title, the x axis and the legend, outside the plot on the right: the second key's
 * values (titled by the key) when they colour the lines, the metrics when there are several; none for one line. */
static void
s_line_head (FILE *f, const void *arg)
{
    const s_fig_arg_t *a = arg;
    const s_sweep_t *s = a->s;
    s_title (f, a);
    s_xaxis (f, s);
    if (a->nlines < 2 && !s->lines_per_y) {
        fputs ("unset key\n", f);
        return;
    }
    fputs ("set key outside right top vertical Left reverse samplen 3 spacing 1.2\n", f);
    if (s->lines_per_y) {
        fputs ("set key title ", f);
        sim_figure_gp_str (f, s->y.name);
        fputs (" left\n", f);
    }
}

/* The position of line t of block bi on the x axis around value xi: when bars are drawn, the lines are moved a
 * little apart (over 5% of the axis in all) so their bars do not hide each other. */
static double
s_line_x (const s_sweep_t *s, const s_fig_arg_t *a, size_t bi, size_t t, size_t xi)
{
    size_t nb = s->lines_per_y ? s->y.n : 1, k = 0, all = nb * a->nlines;
    for (size_t u = 0; u < t; u++)
        k += (size_t) a->line_ok[u];
    k += bi * a->nlines;
    double span = s->x.n > 1 ? s_axis_pos (&s->x, s->x.n - 1) - s_axis_pos (&s->x, 0) : 0;
    double dodge = s->bars && all > 1 ? 0.05 * span * ((double) k / (double) (all - 1) - 0.5) : 0;
    return s_axis_pos (&s->x, xi) + dodge;
}

/* DIR/gnuplot/NAME.dat of a line figure: one block (gnuplot index) per value of the second key (or one), a row per
 * value of the first with runs: the value (x), its text, the runs, then per metric its x (the value, moved apart
 * when bars are drawn), its mean and the low and high ends of the mean's 95% interval (the mean when there is no
 * interval). */
static int
s_line_dat (const s_sweep_t *s, const s_fig_arg_t *a, char *err, size_t errlen)
{
    const s_line_fig_t *row = a->line;
    sim_file_t dat;
    if (sim_figure_folder_dat (s->figures, &row->fig, &dat, err, errlen) != 0)
        return -1;
    size_t nb = s->lines_per_y ? s->y.n : 1;
    fprintf (dat.f, "# against %s (%s)\n", s->x.name, s->over);
    for (size_t bi = 0; bi < nb; bi++) {
        if (bi)
            fputs ("\n\n", dat.f);
        fprintf (dat.f, "# index %zu: ", bi);
        if (s->lines_per_y) {
            sim_figure_dat_text (dat.f, s->y.name);
            fputs (" = ", dat.f);
            sim_figure_dat_text (dat.f, s->y.text[bi]);
        } else
            fputs ("all runs", dat.f);
        fputs ("\n# x\tvalue\truns", dat.f);
        for (size_t t = 0; t < row->nlines; t++) {
            const char *c = s_metrics[row->line[t].metric].column;
            fprintf (dat.f, "\tx\t%s\t%s_low\t%s_high", c, c, c);
        }
        fputc ('\n', dat.f);
        for (size_t xi = 0; xi < s->x.n; xi++) {
            size_t runs = 0;
            for (size_t t = 0; t < row->nlines; t++) {
                sim_stat_t st = s_cell (s, xi, bi, row->line[t].metric);
                runs = st.n > runs ? st.n : runs;
            }
            if (!runs)
                continue;
            sim_figure_dat_num (dat.f, s_axis_pos (&s->x, xi));
            fputc ('\t', dat.f);
            sim_figure_dat_text (dat.f, s->x.text[xi]);
            fprintf (dat.f, "\t%zu", runs);
            for (size_t t = 0; t < row->nlines; t++) {
                sim_stat_t st = s_cell (s, xi, bi, row->line[t].metric);
                double mean = a->line_ok[t] ? sim_stat_mean (&st) : NAN, half = sim_stat_ci95 (&st);
                if (!isfinite (half))
                    half = 0;
                fputc ('\t', dat.f);
                sim_figure_dat_num (dat.f, s_line_x (s, a, bi, t, xi));
                fputc ('\t', dat.f);
                sim_figure_dat_num (dat.f, mean);
                fputc ('\t', dat.f);
                sim_figure_dat_num (dat.f, mean - half);
                fputc ('\t', dat.f);
                sim_figure_dat_num (dat.f, mean + half);
            }
            fputc ('\n', dat.f);
        }
    }
    return sim_file_close (&dat, err, errlen);
}

/* The style of line l: solid with filled points or dashed with open ones, with bars or without. */
static void
s_line_style (const s_sweep_t *s, const s_line_t *l, int bars, char *buf, size_t len)
{
    snprintf (buf, len, "%s linewidth %s%s pointtype %d pointsize 1", bars && s->bars ? "yerrorlines" : "linespoints",
              l->dashed ? "2" : "2.5", l->dashed ? " dashtype 2" : "", l->dashed ? 6 : 7);
}

/* "against KEY; what the days are": the days of the figure's metrics, each metric named when they differ ("against
 * robotaxi.fleet_size; displaced drivers: mean per day over 3 days, waits: the last of 3 days"). */
static void
s_line_scopes (const s_sweep_t *s, const s_line_fig_t *row, const s_fig_arg_t *a, char *buf, size_t len)
{
    int differ = 0;
    size_t first = S_LINES_MAX;
    for (size_t t = 0; t < row->nlines; t++)
        if (a->line_ok[t]) {
            if (first == S_LINES_MAX)
                first = t;
            else if (s_metrics[row->line[t].metric].scope != s_metrics[row->line[first].metric].scope)
                differ = 1;
        }
    size_t o = (size_t) snprintf (buf, len, "against %s; ", s->x.name);
    for (size_t t = first; o < len && t < row->nlines; t++) {
        if (!a->line_ok[t] || (t > first && !differ))
            continue;
        char scope[80];
        s_scope_text (s, s_metrics[row->line[t].metric].scope, scope, sizeof scope);
        if (differ)
            o += (size_t) snprintf (buf + o, len - o, "%s%s: %s", t > first ? ", " : "",
                                    s_metrics[row->line[t].metric].legend, scope);
        else
            o += (size_t) snprintf (buf + o, len - o, "%s", scope);
    }
}

/* Adds a line figure when one of its metrics has a value: its data, and its lines once per value of the second key
 * (or once), with error bars when the points are means of several seeds. With a line per value and several
 * metrics, the legend names each value once (its colour) and each metric once (its style, in grey). */
static int
s_line_add (s_sweep_t *s, const s_line_fig_t *row, char *err, size_t errlen)
{
    s_fig_arg_t *a = &s->args[s->nargs];
    *a = (s_fig_arg_t){.s = s, .line = row};
    size_t first = S_LINES_MAX;
    for (size_t t = 0; t < row->nlines; t++)
        if ((a->line_ok[t] = s_has (s, row->line[t].metric))) {
            a->nlines++;
            first = first < t ? first : t;
        }
    if (!a->nlines)
        return 0;
    s->nargs++;
    if (s_line_dat (s, a, err, errlen) != 0)
        return -1;
    size_t nb = s->lines_per_y ? s->y.n : 1, max = nb * row->nlines + row->nlines;
    sim_figure_series_t *series = calloc (max + 1, sizeof *series);
    char (*text)[3][200] = calloc (max, sizeof *text);
    if (!series || !text) {
        free (series);
        free (text);
        return map_error (err, errlen, "%s: out of memory", s->csv.path);
    }
    size_t k = 0;
    for (size_t bi = 0; bi < nb; bi++)
        for (size_t t = 0; t < row->nlines; t++) {
            if (!a->line_ok[t])
                continue;
            const s_line_t *l = &row->line[t];
            char *using = text[k][0], *with = text[k][1], *title = text[k][2];
            int c = 5 + 4 * (int) t;
            if (s->bars)
                snprintf (using, 200, "%d:%d:%d:%d", c - 1, c, c + 1, c + 2);
            else
                snprintf (using, 200, "%d:%d", c - 1, c);
            s_line_style (s, l, 1, with, 200);
            snprintf (title, 200, "%s", s->lines_per_y ? s->y.text[bi] : s_metrics[l->metric].legend);
            series[k] = (sim_figure_series_t){.data = k ? "" : NULL,
                                              .index = (int) bi,
                                              .using = using,
                                              .axes = l->right ? "x1y2" : NULL,
                                              .with = with,
                                              .colour = s->lines_per_y ? sim_figure_palette (bi) : l->colour,
                                              /* a value once in the legend: on its first metric's line */
                                              .title = !s->lines_per_y || t == first ? title : NULL};
            k++;
        }
    /* the metrics' styles, in grey, as legend entries of their own (lines of nothing) */
    for (size_t t = 0; s->lines_per_y && a->nlines > 1 && t < row->nlines; t++) {
        if (!a->line_ok[t])
            continue;
        const s_line_t *l = &row->line[t];
        snprintf (text[k][2], 200, "%s", s_metrics[l->metric].legend);
        s_line_style (s, l, 0, text[k][1], 200);
        series[k] = (sim_figure_series_t){
            .data = "+", .using = "1:(NaN)", .with = text[k][1], .colour = SIM_FIGURE_GREY, .title = text[k][2]};
        k++;
    }
    char alt[600];
    snprintf (a->title[0], sizeof a->title[0], "%s", row->fig.title);
    s_line_scopes (s, row, a, a->title[1], sizeof a->title[1]);
    snprintf (a->title[2], sizeof a->title[2], "%s", s->over);
    snprintf (alt, sizeof alt, "%s against %s", row->fig.alt, s->x.name);
    sim_figure_t fig = row->fig;
    fig.source = "sweep.csv";
    fig.title = NULL;
    fig.alt = alt;
    fig.head = s_line_head;
    fig.arg = a;
    fig.blocks = 1;
    fig.series = series;
    int rc = sim_figure_folder_add (s->figures, &fig, err, errlen);
    free (series);
    free (text);
    return rc;
}

/* An axis naming the values of key k at their indices 0, 1, ... */
static void
s_index_axis (FILE *f, const char *which, const s_axis_t *k)
{
    fprintf (f, "set %slabel ", which);
    sim_figure_gp_str (f, k->name);
    fprintf (f, "\nset %stics (", which);
    for (size_t i = 0; i < k->n; i++) {
        if (i)
            fputs (", ", f);
        sim_figure_gp_str (f, k->text[i]);
        fprintf (f, " %zu", i);
    }
    fprintf (f, ")\nset %srange [-0.5:%g]\n", which, (double) k->n - 0.5);
}

/* The lowest and highest mean of a heat map's metric over the grid; 0 when no cell has one. */
static int
s_heat_span (const s_sweep_t *s, int m, double *lo, double *hi)
{
    int any = 0;
    for (size_t i = 0; i < s->x.n * s->ny; i++) {
        const sim_stat_t *st = &s->cell[i * S_METRICS + (size_t) m];
        if (!st->n)
            continue;
        *lo = any ? fmin (*lo, st->mean) : st->mean;
        *hi = any ? fmax (*hi, st->mean) : st->mean;
        any = 1;
    }
    return any;
}

/* A heat map's head: its title, both keys by index, the colour scale (white at zero for a diverging one, the
 * metric's name beside it), no grid and no key. */
static void
s_heat_head (FILE *f, const void *arg)
{
    const s_fig_arg_t *a = arg;
    const s_sweep_t *s = a->s;
    const s_heat_fig_t *h = a->heat;
    const s_metric_t *m = &s_metrics[h->metric];
    s_title (f, a);
    s_index_axis (f, "x", &s->x);
    s_index_axis (f, "y", &s->y);
    fputs ("unset grid\nunset key\nset tics out\nset border 15 lc rgb '#555555'\n", f);
    char label[200];
    snprintf (label, sizeof label, "%s%s%s", m->label, *m->unit ? ", " : "", m->unit);
    fputs ("set cblabel ", f);
    sim_figure_gp_str (f, label);
    fputc ('\n', f);
    double lo = 0, hi = 0;
    s_heat_span (s, h->metric, &lo, &hi);
    if (h->diverging) {
        double r = fmax (fabs (lo), fabs (hi));
        fputs ("set palette defined (0 '#d6604d', 0.5 '#f7f7f7', 1 '#4393c3')\n", f);
        fprintf (f, "set cbrange [%.6g:%.6g]\n", -(r > 0 ? r : 1), r > 0 ? r : 1);
    } else
        fprintf (f, "set palette defined (0 '#fbfbfb', 1 '%s')\n", h->high);
}

/* DIR/gnuplot/NAME.dat of a heat map: a row per pair of values of the two keys with runs: their indices, the mean,
 * its text for the cell, the runs. */
static int
s_heat_dat (const s_sweep_t *s, const s_heat_fig_t *h, char *err, size_t errlen)
{
    sim_file_t dat;
    if (sim_figure_folder_dat (s->figures, &h->fig, &dat, err, errlen) != 0)
        return -1;
    fputs ("# x: ", dat.f);
    sim_figure_dat_text (dat.f, s->x.name);
    fputs (" (the index of its value), y: ", dat.f);
    sim_figure_dat_text (dat.f, s->y.name);
    fprintf (dat.f, " (the same), then the mean of %s over their runs\n# x\ty\tmean\ttext\truns\n",
             s_metrics[h->metric].column);
    for (size_t xi = 0; xi < s->x.n; xi++)
        for (size_t yi = 0; yi < s->y.n; yi++) {
            const sim_stat_t *st = &s->cell[(xi * s->ny + yi) * S_METRICS + (size_t) h->metric];
            if (!st->n)
                continue;
            char text[64];
            s_num_text (st->mean, s_metrics[h->metric].decimals, text, sizeof text);
            fprintf (dat.f, "%zu\t%zu\t", xi, yi);
            sim_figure_dat_num (dat.f, st->mean);
            fputc ('\t', dat.f);
            sim_figure_dat_text (dat.f, text);
            fprintf (dat.f, "\t%zu\n", st->n);
        }
    return sim_file_close (&dat, err, errlen);
}

/* Adds a heat map when its metric differs somewhere on the grid. */
static int
s_heat_add (s_sweep_t *s, const s_heat_fig_t *h, char *err, size_t errlen)
{
    double lo = 0, hi = 0;
    if (!s_heat_span (s, h->metric, &lo, &hi) || !(hi > lo))
        return 0;
    if (s_heat_dat (s, h, err, errlen) != 0)
        return -1;
    sim_figure_series_t series[] = {
        {.using = "1:2:3", .with = "image pixels"},
        {.data = "", .using = "1:2:4", .with = "labels font 'sans,11'", .colour = "#000000"},
        {0},
    };
    if (s->x.n > S_LABELS_X || s->y.n > S_LABELS_Y)
        series[1] = (sim_figure_series_t){0};
    s_fig_arg_t *a = &s->args[s->nargs++];
    *a = (s_fig_arg_t){.s = s, .heat = h};
    char scope[80], alt[600];
    s_scope_text (s, s_metrics[h->metric].scope, scope, sizeof scope);
    snprintf (a->title[0], sizeof a->title[0], "%s", h->fig.title);
    snprintf (a->title[1], sizeof a->title[1], "%s; %s", scope,
              s->max_runs > 1 ? "each cell the mean over its seeds" : "one run per cell");
    snprintf (alt, sizeof alt, "%s over %s and %s", h->fig.alt, s->x.name, s->y.name);
    sim_figure_t fig = h->fig;
    fig.source = "sweep.csv";
    fig.title = NULL;
    fig.alt = alt;
    fig.head = s_heat_head;
    fig.arg = a;
    fig.series = series;
    return sim_figure_folder_add (s->figures, &fig, err, errlen);
}

/* ---- report.html ----------------------------------------------------------------------------------------------- */

/* "robotaxi.fleet_size = 100, robotaxi.promo_factor = 0.5": the point of row r */
static void
s_html_point (FILE *f, const s_sweep_t *s, size_t r)
{
    for (size_t k = 0; k < s_nkeys (s); k++) {
        if (k)
            fputs (", ", f);
        sim_figure_html (f, s->csv.names[s->keys[k]]);
        fputs (" = ", f);
        sim_figure_html (f, sim_csv_cell (&s->csv, r, s->keys[k]));
    }
}

/* What the sweep found: each headline metric's lowest and highest point, and how many points make a profit. */
static void
s_html_findings (FILE *f, const s_sweep_t *s)
{
    fputs ("<h2>What the sweep found</h2>\n<ul>\n", f);
    for (size_t i = 0; i < sizeof s_finding_metrics / sizeof s_finding_metrics[0]; i++) {
        int m = s_finding_metrics[i];
        if (!s_has (s, m))
            continue;
        size_t lo = s->npoints, hi = s->npoints, profitable = 0, measured = 0;
        for (size_t p = 0; p < s->npoints; p++) {
            const sim_stat_t *st = &s->point[p * S_METRICS + (size_t) m];
            if (!st->n)
                continue;
            measured++;
            profitable += st->mean > 0;
            if (lo == s->npoints || st->mean < s->point[lo * S_METRICS + (size_t) m].mean)
                lo = p;
            if (hi == s->npoints || st->mean > s->point[hi * S_METRICS + (size_t) m].mean)
                hi = p;
        }
        double vlo = s->point[lo * S_METRICS + (size_t) m].mean, vhi = s->point[hi * S_METRICS + (size_t) m].mean;
        char a[96], b[96], scope[80];
        s_value_text (m, vlo, a, sizeof a);
        s_value_text (m, vhi, b, sizeof b);
        s_scope_text (s, s_metrics[m].scope, scope, sizeof scope);
        fputs ("<li>", f);
        sim_figure_html (f, s_metrics[m].label);
        fprintf (f, " (%s): ", scope);
        if (strcmp (a, b) == 0)
            fprintf (f, "%s at every point", a);
        else {
            fprintf (f, "from %s (", a);
            s_html_point (f, s, s->point_row[lo]);
            fprintf (f, ") to %s (", b);
            s_html_point (f, s, s->point_row[hi]);
            fputs (")", f);
        }
        if (m == S_M_PROFIT && profitable == 0)
            fputs ("; no point makes a profit", f);
        else if (m == S_M_PROFIT)
            fprintf (f, "; %zu of %zu points make a profit", profitable, measured);
        if (m == S_M_DISPLACED && s->days == 1)
            fputs ("; drivers decide each morning from what earlier days paid, so a sweep of one day displaces none: "
                   "sweep several days (--days) to see them leave",
                   f);
        fputs (".</li>\n", f);
    }
    fputs ("</ul>\n", f);
}

/* The headline figures per point: the mean of its runs and, with several seeds, the half-width of its 95%
 * confidence interval. */
static void
s_html_table (FILE *f, const s_sweep_t *s)
{
    int shown[sizeof s_table_metrics / sizeof s_table_metrics[0]];
    size_t ns = 0;
    for (size_t i = 0; i < sizeof s_table_metrics / sizeof s_table_metrics[0]; i++)
        if (s_has (s, s_table_metrics[i]))
            shown[ns++] = s_table_metrics[i];
    fputs ("<h2>Headline figures per point</h2>\n<div class=\"wide\"><table style=\"font-size:.85em\">\n<tr>", f);
    for (size_t k = 0; k < s_nkeys (s); k++) {
        /* the key's last part (fleet_size), the whole name on hover */
        const char *name = s->csv.names[s->keys[k]], *dot = strrchr (name, '.');
        fputs ("<th" S_CELL " title=\"", f);
        sim_figure_html (f, name);
        fputs ("\">", f);
        sim_figure_html (f, dot && dot[1] ? dot + 1 : name);
        fputs ("</th>", f);
    }
    fputs ("<th class=\"n\"" S_CELL ">runs</th>", f);
    for (size_t i = 0; i < ns; i++) {
        fputs ("<th class=\"n\"" S_CELL ">", f);
        sim_figure_html (f, s_metrics[shown[i]].head);
        fputs ("</th>", f);
    }
    fputs ("</tr>\n", f);
    for (size_t p = 0; p < s->npoints; p++) {
        fputs ("<tr>", f);
        for (size_t k = 0; k < s_nkeys (s); k++) {
            fputs ("<td" S_CELL ">", f);
            sim_figure_html (f, sim_csv_cell (&s->csv, s->point_row[p], s->keys[k]));
            fputs ("</td>", f);
        }
        fprintf (f, "<td class=\"n\"" S_CELL ">%zu</td>", s->point_runs[p]);
        for (size_t i = 0; i < ns; i++) {
            const sim_stat_t *st = &s->point[p * S_METRICS + (size_t) shown[i]];
            char num[64], half[64];
            s_num_text (sim_stat_mean (st), s_metrics[shown[i]].decimals, num, sizeof num);
            fprintf (f, "<td class=\"n\"" S_CELL ">%s", num);
            if (isfinite (sim_stat_ci95 (st))) {
                s_num_text (sim_stat_ci95 (st), s_metrics[shown[i]].decimals, half, sizeof half);
                fprintf (f, "<br><small>" S_PLUSMINUS "%s</small>", half);
            }
            fputs ("</td>", f);
        }
        fputs ("</tr>\n", f);
    }
    fputs ("</table></div>\n<p class=\"meta\">A row per point of the grid", f);
    if (s->max_runs > 1)
        fputs (": the mean of its runs (one per seed) " S_PLUSMINUS
               " the half-width of the mean's 95% confidence interval (Student's t)",
               f);
    if (s->days == 1)
        fputs (". Every figure is of the one day played", f);
    else {
        char all[80], per[80], last[80];
        s_scope_text (s, S_ALL_DAYS, all, sizeof all);
        s_scope_text (s, S_PER_DAY, per, sizeof per);
        s_scope_text (s, S_LAST_DAY, last, sizeof last);
        fprintf (f, ". Share, rides, utilization, cost and profit cover %s; drivers, displaced drivers and the income "
                    "moved are the %s; the wait is %s",
                 all, per, last);
    }
    fputs (". Utilization: the share of online time carrying a rider. Income moved: the drivers' net income without "
           "robotaxis less with them. " SIM_FIGURE_NDASH ": no value (no break-even when a ride does not pay its "
           "running cost).</p>\n",
           f);
}

static void
s_sweep_page (FILE *f, const void *arg)
{
    const s_sweep_t *s = arg;
    char title[400];
    if (s->y.n)
        snprintf (title, sizeof title, "robotaxi sweep: %s " S_TIMES " %s%s", s->x.name, s->y.name,
                  s->nkeys > 2 ? " " S_TIMES " ..." : "");
    else
        snprintf (title, sizeof title, "robotaxi sweep: %s", s->x.name);
    sim_figure_html_begin (f, title);
    fprintf (f, "<p class=\"meta\">%zu run%s: %zu point%s", s->csv.nrows, s->csv.nrows == 1 ? "" : "s", s->npoints,
             s->npoints == 1 ? "" : "s");
    if (s->max_runs > 1)
        fprintf (f, " " S_TIMES " %zu replications", s->max_runs);
    if (s->days)
        fprintf (f, ", %u day%s each", s->days, s->days == 1 ? "" : "s");
    if (s->baseline)
        fputs (", each also played without robotaxis (--baseline)", f);
    fputs ("; swept: ", f);
    for (size_t k = 0; k < s_nkeys (s); k++) {
        if (k)
            fputs (", ", f);
        sim_figure_html (f, s->csv.names[s->keys[k]]);
    }
    fputs (". Plotted points are the ", f);
    sim_figure_html (f, s->over);
    fputs (".</p>\n", f);
    if (s->csv.nrows) {
        s_html_findings (f, s);
        s_html_table (f, s);
    }
    sim_figure_folder_html_notes (s->figures, f);
    sim_figure_folder_html_figures (s->figures, f);
    fputs ("<h2>Runs</h2>\n<p class=\"meta\">sweep.csv as written: a row per run.</p>\n", f);
    sim_figure_html_csv (f, &s->csv, 0);
    sim_figure_html_files (f, sim_figure_folder_dir (s->figures));
    fputs ("</body>\n</html>\n", f);
}

int
sim_plot_sweep (const char *dir, char *err, size_t errlen)
{
    if (sim_figure_check_dir (dir, err, errlen) != 0)
        return -1;
    s_sweep_t *s = calloc (1, sizeof *s);
    if (!s || !(s->figures = sim_figure_folder_new (dir))) {
        free (s);
        return map_error (err, errlen, "%s: out of memory", dir);
    }
    int rc = -1;
    if (s_sweep_load (s, err, errlen) != 0 || sim_figure_folder_make_dir (s->figures, err, errlen) != 0)
        goto done;
    /* with two keys, the heat maps first: the whole grid at a glance */
    for (size_t i = 0; s->csv.nrows && s->nkeys == 2 && i < S_HEAT_FIGS; i++)
        if (s_heat_add (s, &s_heat_figs[i], err, errlen) != 0)
            goto done;
    for (size_t i = 0; s->csv.nrows && i < S_LINE_FIGS; i++)
        if (s_line_add (s, &s_line_figs[i], err, errlen) != 0)
            goto done;
    rc = sim_figure_folder_finish (s->figures, s_sweep_page, s, err, errlen);
done:
    s_sweep_free (s);
    free (s);
    return rc;
}
