/* sim_plot_sweep: a sweep's folder (sim_plot_sweep): its figures, described in one table, and its report.html. */
#include "sim_plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_error.h"
#include "sim_csv.h"
#include "sim_figure.h"

#define S_SERIES_MAX SIM_FIGURE_PALETTE   /* more values of the second key than this: one mean line instead */
#define S_TIMES      "\xc3\x97"

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

enum { S_M_DRIVERS, S_M_NET, S_M_SHARE, S_METRICS };

typedef struct {
    sim_figure_folder_t *figures;
    sim_csv_t csv;
    size_t nkeys;
    s_axis_t x;            /* the first key */
    s_axis_t series;       /* the second key, when lines are drawn per value of it (n == 0: one line) */
    int metric[S_METRICS];
    double *sum;           /* [series][x][metric] */
    size_t *count;
    char over[320];        /* what a point is the mean of */
} s_sweep_t;

static void
s_sweep_free (s_sweep_t *s)
{
    sim_csv_free (&s->csv);
    s_axis_free (&s->x);
    s_axis_free (&s->series);
    free (s->sum);
    free (s->count);
    sim_figure_folder_destroy (&s->figures);
}

static sim_figure_lines_fn s_sweep_xaxis;

/* The sweep's figures, in the order report.html shows them. Each is drawn against the first swept key from
 * gnuplot/NAME.dat: one block (gnuplot index) per value of the second key, each a row per value of the first with
 * the means of its runs (columns: x, value, runs, active_drivers, driver_net_hourly_yuan, robotaxi_share_pct). The
 * series are drawn once per block; with a second key each copy takes the palette's colour of its value, and its
 * title says which value it is. The title is followed by " against KEY (what a point is the mean of)", alt by
 * " against KEY". */
static const sim_figure_t s_figures[] = {
    {.name = "sweep_drivers",
     .source = "sweep.csv",
     .heading = "Drivers against the first swept key",
     .title = "Active drivers and their net earnings",
     .alt = "Active human drivers and their net earnings per hour",
     .head = s_sweep_xaxis,
     .y = {.label = "active human drivers", .range = "0:*"},
     .y2 = {.label = "drivers' net earnings, yuan per hour", .range = "0:*", .tics = ""},
     .settings = (const char *const[]){"set key below horizontal", NULL},
     .blocks = 1,
     .series = (const sim_figure_series_t[]){
         {.using = "1:4", .with = "linespoints linewidth 2.5 pointtype 7", .colour = SIM_FIGURE_HUMAN,
          .title = "active drivers"},
         {.data = "", .using = "1:5", .axes = "x1y2", .with = "linespoints linewidth 2 dashtype 2 pointtype 6",
          .colour = SIM_FIGURE_GREEN, .title = "net yuan per hour (right axis)"},
         {0}}},
    {.name = "sweep_share",
     .source = "sweep.csv",
     .heading = "Robotaxi share against the first swept key",
     .title = "Robotaxi share of trips",
     .alt = "Robotaxi share of trips",
     .head = s_sweep_xaxis,
     .y = {.label = "robotaxi share of trips, %", .range = "0:*"},
     .settings = (const char *const[]){"set key below horizontal", NULL},
     .blocks = 1,
     .series = (const sim_figure_series_t[]){
         {.using = "1:6", .with = "linespoints linewidth 2.5 pointtype 7", .colour = SIM_FIGURE_ROBOTAXI,
          .title = "robotaxi share"},
         {0}}},
};

/* Reads sweep.csv, finds keys and metrics, and takes the means per key value. */
static int
s_sweep_load (s_sweep_t *s, char *err, size_t errlen)
{
    static const char *const need[S_METRICS] = {"active_drivers", "driver_net_hourly_yuan", "robotaxi_share"};
    int rc = sim_figure_csv_load (&s->csv, sim_figure_folder_dir (s->figures), "sweep.csv", err, errlen);
    if (rc > 0)
        return map_error (err, errlen, "%s/sweep.csv: %s", sim_figure_folder_dir (s->figures), strerror (ENOENT));
    if (rc < 0)
        return -1;
    sim_csv_t *csv = &s->csv;
    int first_key = -1, second_key = -1;
    for (size_t c = 0; c < csv->ncols; c++)
        if (strchr (csv->names[c], '.')) {
            if (first_key < 0)
                first_key = (int) c;
            else if (second_key < 0)
                second_key = (int) c;
            s->nkeys++;
        }
    if (first_key < 0)
        return map_error (err, errlen, "%s:1: no swept key (a column named like robotaxi.fleet_size)", csv->path);
    if (sim_csv_need (csv, need, s->metric, S_METRICS, err, errlen) != 0)
        return -1;
    /* a run that could not measure a metric leaves its cell empty; anything else must be a number */
    for (size_t r = 0; r < csv->nrows; r++)
        for (int m = 0; m < S_METRICS; m++) {
            double v;
            const char *cell = sim_csv_cell (csv, r, s->metric[m]);
            if (!sim_csv_blank (cell) && sim_csv_parse_number (cell, &v) != 0)
                return map_error (err, errlen, "%s:%d: %s: '%.40s' is not a number", csv->path, csv->lines[r],
                               need[m], cell);
        }
    if (s_axis_build (&s->x, csv, first_key) != 0)
        return map_error (err, errlen, "%s: out of memory", csv->path);
    if (second_key >= 0) {
        s_axis_t a;
        if (s_axis_build (&a, csv, second_key) != 0) {
            s_axis_free (&a);
            return map_error (err, errlen, "%s: out of memory", csv->path);
        }
        if (a.n <= S_SERIES_MAX)
            s->series = a;
        else
            s_axis_free (&a);
    }
    if (s->series.n && s->nkeys > 2)
        snprintf (s->over, sizeof s->over, "mean over seeds and the other swept keys");
    else if (s->series.n)
        snprintf (s->over, sizeof s->over, "mean over seeds");
    else if (s->nkeys > 1)
        snprintf (s->over, sizeof s->over, "mean over seeds and the other swept keys");
    else
        snprintf (s->over, sizeof s->over, "mean over seeds");
    size_t ns = s->series.n ? s->series.n : 1, cells = ns * (s->x.n ? s->x.n : 1) * S_METRICS;
    s->sum = calloc (cells, sizeof *s->sum);
    s->count = calloc (cells, sizeof *s->count);
    if (!s->sum || !s->count)
        return map_error (err, errlen, "%s: out of memory", csv->path);
    for (size_t r = 0; r < csv->nrows; r++) {
        size_t si = s->series.n ? s->series.of_row[r] : 0;
        size_t at = (si * s->x.n + s->x.of_row[r]) * S_METRICS;
        for (int m = 0; m < S_METRICS; m++) {
            double v = sim_figure_csv_val (csv, r, s->metric[m]);
            if (isfinite (v)) {
                s->sum[at + (size_t) m] += m == S_M_SHARE ? 100 * v : v;
                s->count[at + (size_t) m]++;
            }
        }
    }
    return 0;
}

/* DIR/gnuplot/NAME.dat of fig: one block (gnuplot index) per series, a row per value of the first key with runs. */
static int
s_sweep_dat (const s_sweep_t *s, const sim_figure_t *fig, char *err, size_t errlen)
{
    sim_file_t dat;
    if (sim_figure_folder_dat (s->figures, fig, &dat, err, errlen) != 0)
        return -1;
    size_t ns = s->series.n ? s->series.n : 1;
    fprintf (dat.f, "# %s (mean of the runs with this value, %s)\n", s->x.name, s->over);
    for (size_t si = 0; si < ns; si++) {
        if (si)
            fputs ("\n\n", dat.f);
        fputs ("# index ", dat.f);
        fprintf (dat.f, "%zu: ", si);
        if (s->series.n) {
            sim_figure_dat_text (dat.f, s->series.name);
            fputs (" = ", dat.f);
            sim_figure_dat_text (dat.f, s->series.text[si]);
        } else
            fputs ("all runs", dat.f);
        fputs ("\n# x\tvalue\truns\tactive_drivers\tdriver_net_hourly_yuan\trobotaxi_share_pct\n", dat.f);
        for (size_t xi = 0; xi < s->x.n; xi++) {
            size_t at = (si * s->x.n + xi) * S_METRICS, runs = 0;
            for (int m = 0; m < S_METRICS; m++)
                runs = s->count[at + (size_t) m] > runs ? s->count[at + (size_t) m] : runs;
            if (!runs)
                continue;
            sim_figure_dat_num (dat.f, s->x.numeric ? s->x.num[xi] : (double) xi);
            fputc ('\t', dat.f);
            sim_figure_dat_text (dat.f, s->x.text[xi]);
            fprintf (dat.f, "\t%zu", runs);
            for (int m = 0; m < S_METRICS; m++) {
                fputc ('\t', dat.f);
                size_t k = s->count[at + (size_t) m];
                sim_figure_dat_num (dat.f, k ? s->sum[at + (size_t) m] / (double) k : NAN);
            }
            fputc ('\n', dat.f);
        }
    }
    return sim_file_close (&dat, err, errlen);
}

/* The x axis of a sweep's figure: the first key's values as tics when there are few, or its words; arg is the
 * sweep. */
static void
s_sweep_xaxis (FILE *f, const void *arg)
{
    const s_sweep_t *s = arg;
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
        sim_figure_dat_num (f, s->x.numeric ? s->x.num[i] : (double) i);
    }
    fputs (")\n", f);
    if (!s->x.numeric)
        fprintf (f, "set xrange [-0.5:%g]\n", (double) s->x.n - 0.5);
    else if (s->x.n > 1)
        fprintf (f, "set offsets graph 0.03, graph 0.03, 0, 0\n");
}

/* Adds the figure row: its data, and its series once per value of the second key (or once). */
static int
s_sweep_add (s_sweep_t *s, const sim_figure_t *row, char *err, size_t errlen)
{
    if (s_sweep_dat (s, row, err, errlen) != 0)
        return -1;
    size_t ns = s->series.n ? s->series.n : 1, nt = 0;
    while (row->series[nt].using)
        nt++;
    sim_figure_series_t *series = calloc (ns * nt + 1, sizeof *series);
    char (*titles)[400] = calloc (ns * nt, sizeof *titles);
    if (!series || !titles) {
        free (series);
        free (titles);
        return map_error (err, errlen, "%s: out of memory", s->csv.path);
    }
    for (size_t si = 0, k = 0; si < ns; si++)
        for (size_t t = 0; t < nt; t++, k++) {
            series[k] = row->series[t];
            series[k].index = (int) si;
            if (s->series.n) {
                series[k].colour = sim_figure_palette (si);
                snprintf (titles[k], sizeof titles[k], "%s, %s = %s", row->series[t].title, s->series.name,
                          s->series.text[si]);
                series[k].title = titles[k];
            }
        }
    char title[600], alt[600];
    snprintf (title, sizeof title, "%s against %s (%s)", row->title, s->x.name, s->over);
    snprintf (alt, sizeof alt, "%s against %s", row->alt, s->x.name);
    sim_figure_t fig = *row;
    fig.title = title;
    fig.alt = alt;
    fig.arg = s;
    fig.series = series;
    int rc = sim_figure_folder_add (s->figures, &fig, err, errlen);
    free (series);
    free (titles);
    return rc;
}

static void
s_sweep_page (FILE *f, const void *arg)
{
    const s_sweep_t *s = arg;
    char title[400];
    if (s->series.n)
        snprintf (title, sizeof title, "robotaxi sweep: %s " S_TIMES " %s", s->x.name, s->series.name);
    else
        snprintf (title, sizeof title, "robotaxi sweep: %s", s->x.name);
    sim_figure_html_begin (f, title);
    fprintf (f, "<p class=\"meta\">%zu run%s; swept: ", s->csv.nrows, s->csv.nrows == 1 ? "" : "s");
    size_t k = 0;
    for (size_t c = 0; c < s->csv.ncols; c++)
        if (strchr (s->csv.names[c], '.')) {
            if (k++)
                fputs (", ", f);
            sim_figure_html (f, s->csv.names[c]);
        }
    fputs (". Plotted points are the ", f);
    sim_figure_html (f, s->over);
    fputs (".</p>\n", f);
    sim_figure_folder_html_notes (s->figures, f);
    sim_figure_folder_html_figures (s->figures, f);
    fputs ("<h2>Runs</h2>\n", f);
    sim_figure_html_csv (f, &s->csv);
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
    for (size_t i = 0; s->csv.nrows && i < sizeof s_figures / sizeof s_figures[0]; i++)
        if (s_sweep_add (s, &s_figures[i], err, errlen) != 0)
            goto done;
    rc = sim_figure_folder_finish (s->figures, s_sweep_page, s, err, errlen);
done:
    s_sweep_free (s);
    free (s);
    return rc;
}
