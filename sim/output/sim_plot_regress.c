/* sim_plot_regress: a regression suite's folder (sim_plot_regress): its chart, one panel per gated metric, and its
 * report.html. */
#include "sim_plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_error.h"
#include "sim_csv.h"
#include "sim_figure.h"

#define S_COUNT(a) (sizeof (a) / sizeof (a)[0])
#define S_REGRESS_CLAMP 4.0   /* changes beyond this many tolerances are drawn at the edge, with their figure */

#define S_NAMES_MAX 64

/* Names in order of first appearance in a column. */
typedef struct {
    const char *name[S_NAMES_MAX];
    size_t n;
} s_names_t;

/* The index of name, or n when it is not there. */
static size_t
s_names_find (const s_names_t *names, const char *name)
{
    size_t i = 0;
    while (i < names->n && strcmp (names->name[i], name) != 0)
        i++;
    return i;
}

/* Adds name unless it is there. 0, or -1 when the list is full. */
static int
s_names_add (s_names_t *names, const char *name)
{
    if (s_names_find (names, name) < names->n)
        return 0;
    if (names->n == S_NAMES_MAX)
        return -1;
    names->name[names->n++] = name;
    return 0;
}

typedef struct {
    sim_figure_folder_t *figures;
    sim_csv_t csv;
    int col[8];
    s_names_t scenarios, policies, metrics;
} s_regress_t;

enum { S_R_SCENARIO, S_R_POLICY, S_R_METRIC, S_R_BETTER, S_R_BASELINE, S_R_CHANGE, S_R_TOLERANCE, S_R_STATUS };

static sim_figure_lines_fn s_regress_layout, s_regress_panels;

/* regress.svg: one panel per gated metric (a multiplot, two panels a row, on a page as tall as they need); in each,
 * a bar per scenario and policy: the change against the baseline in units of the metric's tolerance, up is better.
 * The band within tolerance is grey, the regressions' side red, and each regression carries its change in per cent.
 * gnuplot/regress.dat holds a block (gnuplot index) per metric. The layout and the panels depend on how many
 * scenarios, policies and metrics there are: head and tail write them, with the series below. */
static const sim_figure_t s_figure = {
    .name = "regress",
    .source = "regress.csv",
    .heading = "Change against the baselines",
    .alt = "For each gated metric, the change of each policy in each scenario against its baseline, in units of the "
           "metric's tolerance; regressions are marked WORSE",
    .head = s_regress_layout,
    .settings = (const char *const[]){"set ytics ('-4' -4, '-2' -2, '-1' -1, '0' 0, '+1' 1, '+2' 2, '+4' 4)",
                                      "set xtics rotate by 20 right nomirror",
                                      "set ylabel 'tolerances (up = better)'",
                                      "set object 1 rectangle from graph 0, first -1 to graph 1, first 1 fillcolor "
                                      "rgb '#e8e8e8' fillstyle solid noborder behind",
                                      "set object 2 rectangle from graph 0, graph 0 to graph 1, first -1 fillcolor "
                                      "rgb '#f9d6cc' fillstyle solid noborder behind",
                                      "set xzeroaxis linecolor rgb '#555555'", NULL},
    .tail = s_regress_panels,
    .blocks = 1,
};

/* In each panel: a bar per policy (its rows of the metric's block: using is the policy's, colour the palette's,
 * title its name), then the regressions' labels (left out when the panel's one bar is no regression). */
static const sim_figure_series_t s_bars = {.with = "boxes"};
static const sim_figure_series_t s_worse = {
    .using = "1:($4 == 1 ? ($2 < 0 ? $2 - 0.45 : $2 + 0.45) : 1/0):(sprintf('WORSE %s', strcol(5)))",
    .with = "labels font 'sans,9'",
    .colour = "#b00000"};


/* A row's change in tolerances, signed so that up is better, clamped to S_REGRESS_CLAMP; NaN when not compared. */
static double
s_regress_y (const s_regress_t *r, size_t row)
{
    double change = sim_figure_csv_val (&r->csv, row, r->col[S_R_CHANGE]);
    double tol = sim_figure_csv_val (&r->csv, row, r->col[S_R_TOLERANCE]);
    if (!isfinite (change) || !(tol >= 0))
        return NAN;
    if (strcmp (sim_csv_cell (&r->csv, row, r->col[S_R_BETTER]), "lower") == 0)
        change = -change;
    double y = tol > 0 ? change / tol : change > 0 ? S_REGRESS_CLAMP : change < 0 ? -S_REGRESS_CLAMP : 0;
    return fmax (-S_REGRESS_CLAMP, fmin (S_REGRESS_CLAMP, y));
}

static int
s_regress_load (s_regress_t *r, char *err, size_t errlen)
{
    static const char *const need[] = {"scenario", "policy", "metric", "better", "baseline", "change", "tolerance",
                                       "status"};
    int rc = sim_figure_csv_load (&r->csv, sim_figure_folder_dir (r->figures), "regress.csv", err, errlen);
    if (rc > 0)
        return map_error (err, errlen, "%s/regress.csv: %s", sim_figure_folder_dir (r->figures), strerror (ENOENT));
    if (rc < 0 || sim_csv_need (&r->csv, need, r->col, S_COUNT (need), err, errlen) != 0)
        return -1;
    for (size_t row = 0; row < r->csv.nrows; row++) {
        const int numeric[] = {r->col[S_R_BASELINE], r->col[S_R_CHANGE], r->col[S_R_TOLERANCE]};
        for (size_t i = 0; i < S_COUNT (numeric); i++) {
            double v;
            const char *cell = sim_csv_cell (&r->csv, row, numeric[i]);
            if (!sim_csv_blank (cell) && sim_csv_parse_number (cell, &v) != 0)
                return map_error (err, errlen, "%s:%d: %s: '%.40s' is not a number", r->csv.path, r->csv.lines[row],
                                  r->csv.names[numeric[i]], cell);
        }
        if (s_names_add (&r->scenarios, sim_csv_cell (&r->csv, row, r->col[S_R_SCENARIO])) < 0 ||
            s_names_add (&r->policies, sim_csv_cell (&r->csv, row, r->col[S_R_POLICY])) < 0 ||
            s_names_add (&r->metrics, sim_csv_cell (&r->csv, row, r->col[S_R_METRIC])) < 0)
            return map_error (err, errlen, "%s: more than %d scenarios, policies or metrics to draw", r->csv.path,
                              S_NAMES_MAX);
    }
    return 0;
}

/* gnuplot/regress.dat: a block (gnuplot index) per metric, a row per scenario x policy compared. */
static int
s_regress_dat (const s_regress_t *r, char *err, size_t errlen)
{
    sim_file_t dat;
    if (sim_figure_folder_dat (r->figures, &s_figure, &dat, err, errlen) != 0)
        return -1;
    size_t np = r->policies.n;
    double width = 0.8 / (double) (np ? np : 1);
    for (size_t m = 0; m < r->metrics.n; m++) {
        fprintf (dat.f, "%s# index %zu: ", m ? "\n\n" : "", m);
        sim_figure_dat_text (dat.f, r->metrics.name[m]);
        fputs ("\n# x\tchange_in_tolerances\tpolicy\tworse\tlabel\tscenario\tpolicy_name\tstatus\n", dat.f);
        size_t rows = 0;
        for (size_t row = 0; row < r->csv.nrows; row++) {
            const sim_csv_t *c = &r->csv;
            if (strcmp (sim_csv_cell (c, row, r->col[S_R_METRIC]), r->metrics.name[m]) != 0)
                continue;
            double y = s_regress_y (r, row);
            if (isnan (y))
                continue;
            size_t s = s_names_find (&r->scenarios, sim_csv_cell (c, row, r->col[S_R_SCENARIO]));
            size_t p = s_names_find (&r->policies, sim_csv_cell (c, row, r->col[S_R_POLICY]));
            const char *status = sim_csv_cell (c, row, r->col[S_R_STATUS]);
            int worse = strcmp (status, "worse") == 0;
            double base = sim_figure_csv_val (c, row, r->col[S_R_BASELINE]);
            double change = sim_figure_csv_val (c, row, r->col[S_R_CHANGE]);
            char label[64];
            if (base != 0 && isfinite (base) && isfinite (change))
                snprintf (label, sizeof label, "%+.1f%%", 100 * change / fabs (base));
            else
                snprintf (label, sizeof label, "%+.3g", change);
            sim_figure_dat_num (dat.f, (double) s + ((double) p - (double) (np - 1) / 2) * width);
            fputc ('\t', dat.f);
            sim_figure_dat_num (dat.f, y);
            fprintf (dat.f, "\t%zu\t%d\t", p, worse);
            sim_figure_dat_text (dat.f, label);
            fputc ('\t', dat.f);
            sim_figure_dat_text (dat.f, r->scenarios.name[s]);
            fputc ('\t', dat.f);
            sim_figure_dat_text (dat.f, r->policies.name[p]);
            fputc ('\t', dat.f);
            sim_figure_dat_text (dat.f, status);
            fputc ('\n', dat.f);
            rows++;
        }
        /* gnuplot does not count a block of comments only as an index: a metric with nothing compared (every row
         * new) would shift every later panel onto the next metric's data. One undefined row keeps the block. */
        if (rows == 0)
            fputs ("NaN\tNaN\t-1\t0\t-\t-\t-\tnone\n", dat.f);
    }
    return sim_file_close (&dat, err, errlen);
}

/* Rows of panels on the page. */
static size_t
s_regress_rows (const s_regress_t *r)
{
    size_t rows = (r->metrics.n + 1) / 2;
    return rows ? rows : 1;
}

/* The page, the bars' width and the ranges; arg is the suite. */
static void
s_regress_layout (FILE *f, const void *arg)
{
    const s_regress_t *r = arg;
    /* a taller page for the panels: the common settings' size is for one plot */
    fprintf (f, "set terminal svg size 1200,%zu dynamic noenhanced font 'sans,11' background rgb 'white'\n"
                "set output 'regress.svg'\nunset title\n",
             140 + 300 * s_regress_rows (r));
    fputs ("set style fill solid 0.85 border rgb '#333333'\n", f);
    fprintf (f, "set boxwidth %g\n", 0.8 / (double) (r->policies.n ? r->policies.n : 1) * 0.9);
    fprintf (f, "set yrange [%g:%g]\n", -S_REGRESS_CLAMP - 0.8, S_REGRESS_CLAMP + 0.8);
    fprintf (f, "set xrange [-0.6:%g]\n", (double) r->scenarios.n - 0.4);
}

/* The scenarios' tics, then a panel per metric, each with its bars; arg is the suite. */
static void
s_regress_panels (FILE *f, const void *arg)
{
    const s_regress_t *r = arg;
    size_t rows = s_regress_rows (r);
    fputs ("set xtics (", f);
    for (size_t s = 0; s < r->scenarios.n; s++) {
        if (s)
            fputs (", ", f);
        sim_figure_gp_str (f, r->scenarios.name[s]);
        fprintf (f, " %zu", s);
    }
    fputs (")\n", f);
    /* room at the top for the title and the one legend of the policies' colours */
    double top = 1.0 - 90.0 / (140.0 + 300.0 * (double) rows);
    fprintf (f, "set multiplot layout %zu,2 margins 0.07,0.98,0.05,%.3f spacing 0.08,0.09 title 'Change against "
                "the baselines, in units of each metric''s tolerance (grey: within it; red: a regression, marked "
                "WORSE with its change)' font 'sans,13'\n",
             rows, top);
    for (size_t m = 0; m < r->metrics.n; m++) {
        const char *better = "";
        size_t bars = 0, worse = 0;   /* the rows of the metric's block, and the regressions among them */
        for (size_t row = 0; row < r->csv.nrows; row++)
            if (strcmp (sim_csv_cell (&r->csv, row, r->col[S_R_METRIC]), r->metrics.name[m]) == 0) {
                better = sim_csv_cell (&r->csv, row, r->col[S_R_BETTER]);
                if (!isnan (s_regress_y (r, row))) {
                    bars++;
                    worse += strcmp (sim_csv_cell (&r->csv, row, r->col[S_R_STATUS]), "worse") == 0;
                }
            }
        char title[160];
        snprintf (title, sizeof title, "%s (%s is better)", r->metrics.name[m], better);
        fputs ("set title ", f);
        sim_figure_gp_str (f, title);
        fputc ('\n', f);
        if (m == 0)
            fprintf (f, "set key at screen 0.5, screen %.3f center horizontal box\n", top + (1.0 - top) * 0.35);
        else
            fputs ("unset key\n", f);
        int n = 0;
        for (size_t p = 0; p < r->policies.n; p++) {
            char using[64];
            snprintf (using, sizeof using, "1:($3 == %zu ? $2 : 1/0)", p);
            sim_figure_series_t bar = s_bars;
            bar.index = (int) m;
            bar.using = using;
            bar.colour = sim_figure_palette (p);
            bar.title = r->policies.name[p];
            sim_figure_clause (f, &s_figure, &bar, &n);
        }
        /* gnuplot (5.4) dies on a labels clause whose one point is undefined and ends the file (a block of one row
         * and no regression, as one scenario played with one policy gives, or a metric with nothing compared): no
         * regression, no labels there */
        if (worse || bars > 1) {
            sim_figure_series_t labels = s_worse;
            labels.index = (int) m;
            sim_figure_clause (f, &s_figure, &labels, &n);
        }
        fputc ('\n', f);
    }
    fputs ("unset multiplot\n", f);
}


static void
s_regress_page (FILE *f, const void *arg)
{
    const s_regress_t *r = arg;
    sim_figure_html_begin (f, "robotaxi regression suite");
    fprintf (f, "<p class=\"meta\">%zu scenario%s &middot; %zu polic%s &middot; %zu gated metric%s</p>\n",
             r->scenarios.n, r->scenarios.n == 1 ? "" : "s", r->policies.n, r->policies.n == 1 ? "y" : "ies",
             r->metrics.n, r->metrics.n == 1 ? "" : "s");
    sim_figure_folder_html_notes (r->figures, f);
    sim_figure_folder_html_figures (r->figures, f);
    fputs ("<h2>Every gated metric</h2>\n<p>Numbers to 6 significant digits; regress.csv holds them in full.</p>\n", f);
    sim_figure_html_csv (f, &r->csv, 6);
    sim_figure_html_files (f, sim_figure_folder_dir (r->figures));
    fputs ("</body>\n</html>\n", f);
}

int
sim_plot_regress (const char *dir, char *err, size_t errlen)
{
    if (sim_figure_check_dir (dir, err, errlen) != 0)
        return -1;
    s_regress_t *r = calloc (1, sizeof *r);
    if (!r || !(r->figures = sim_figure_folder_new (dir))) {
        free (r);
        return map_error (err, errlen, "%s: out of memory", dir);
    }
    int rc = -1;
    if (s_regress_load (r, err, errlen) != 0 || sim_figure_folder_make_dir (r->figures, err, errlen) != 0)
        goto done;
    if (r->metrics.n) {
        sim_figure_t fig = s_figure;
        fig.arg = r;
        if (s_regress_dat (r, err, errlen) != 0 || sim_figure_folder_add (r->figures, &fig, err, errlen) != 0)
            goto done;
    }
    rc = sim_figure_folder_finish (r->figures, s_regress_page, r, err, errlen);
done:
    sim_csv_free (&r->csv);
    sim_figure_folder_destroy (&r->figures);
    free (r);
    return rc;
}
