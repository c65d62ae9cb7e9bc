/* sim_figure: a figure described once, as data (its title, axes, settings and series), and what every family of
 * plots shares: the gnuplot script written from a description, gnuplot found and run on each script, CSV files read
 * by column name, and the pieces of report.html. The families (sim_plot_run.c, sim_plot_sweep.c,
 * sim_plot_regress.c) hold tables of descriptions and call down into this module, never the other way round. */
#ifndef SIM_FIGURE_H
#define SIM_FIGURE_H

#include <stddef.h>
#include <stdio.h>

#include "sim_csv.h"
#include "sim_file.h"

/* Okabe-Ito colours, told apart by colour-blind readers too */
#define SIM_FIGURE_ROBOTAXI "#0072B2"
#define SIM_FIGURE_HUMAN    "#D55E00"
#define SIM_FIGURE_GREEN    "#009E73"
#define SIM_FIGURE_GREY     "#777777"
#define SIM_FIGURE_PALETTE  8          /* colours in sim_figure_palette, for lines one per value */

#define SIM_FIGURE_NDASH "\xe2\x80\x93"
#define SIM_FIGURE_APT   "apt-get install gnuplot-nox"

/* One axis: x (bottom), y (left) or y2 (right). A NULL field is left to gnuplot. */
typedef struct {
    const char *label;     /* set xlabel 'label' */
    const char *range;     /* set xrange [range], e.g. "0:*" */
    const char *tics;      /* set xtics tics, e.g. "0,2,23"; "": plain "set y2tics" (tics on the right axis) */
} sim_figure_axis_t;

/* One clause of the plot command: a line, bars, points or labels drawn from columns of a data file. A list of series
 * ends with one whose using is NULL. */
typedef struct {
    const char *data;      /* NULL: the figure's gnuplot/NAME.dat; "": the file of the clause before (''); else a
                              file, or "+" for gnuplot's sampled x (a curve of x, no file) */
    int index;             /* the block of the data file (gnuplot's index), when the figure's data is in blocks */
    const char *using;     /* the columns, as gnuplot's using: "1:2", "($1+0.3):2" */
    const char *axes;      /* "x1y2" to read against the right axis; NULL: the left */
    const char *with;      /* the style after "with": "lines linewidth 2.5 dashtype 2", "boxes", "labels left" */
    const char *colour;    /* "#rrggbb": the line's colour (the text's, for labels); NULL: gnuplot's */
    const char *title;     /* the legend entry; NULL: none */
    unsigned when;         /* drawn only when the figure's have holds every one of these bits; 0: always */
} sim_figure_series_t;

/* Writes gnuplot lines that depend on the data (a range, a marker at a computed place) to f; arg is the figure's. */
typedef void sim_figure_lines_fn (FILE *f, const void *arg);

/* A figure: NAME.svg, drawn by gnuplot/NAME.gp from gnuplot/NAME.dat. The script is, in this order: the common
 * settings (SVG 900x560, grid, border, key without a box), the title, head's lines, each axis's label, then range,
 * then tics (x, y, y2), the settings lines, tail's lines and one plot command of the series drawn. A family keeps
 * the figure in a static table and, when drawing, fills a copy with what the data decides (a title with the
 * scenario's name, a range, arg, have). */
typedef struct {
    const char *name;      /* NAME: file names; short, letters, digits and _ */
    const char *source;    /* the CSV file of the results folder its data comes from (the family reads it) */
    const char *heading;   /* its heading in report.html */
    const char *title;     /* over the plot (NULL: none) */
    const char *alt;       /* report.html's words for it, for readers who cannot see it */
    sim_figure_lines_fn *head;   /* NULL: none */
    sim_figure_axis_t x, y, y2;
    const char *const *settings; /* further gnuplot lines (key, styles, comments), NULL-terminated; NULL: none */
    sim_figure_lines_fn *tail;   /* NULL: none */
    const void *arg;             /* for head and tail */
    int blocks;            /* the data file is in blocks: every clause names its index */
    const sim_figure_series_t *series;   /* NULL: tail writes the plot commands itself (sim_figure_clause) */
    unsigned have;         /* what the data holds, for the series' when */
} sim_figure_t;

/* The i-th of SIM_FIGURE_PALETTE colours for lines one per value (i taken modulo SIM_FIGURE_PALETTE). */
const char *sim_figure_palette (size_t i);

/* -------------------------------------------------------------------------------------------------------------- */
/* the figures of one results folder: scripts written, then drawn by gnuplot, then shown in report.html */

typedef struct sim_figure_folder_t sim_figure_folder_t;

/* The figures of the folder dir (trailing slashes dropped), none yet; finds gnuplot: $ROBOTAXI_GNUPLOT when set,
 * else "gnuplot" on PATH. Does not touch the folder. NULL when out of memory. */
sim_figure_folder_t *sim_figure_folder_new (const char *dir);

/* NULL-safe; sets *self_p to NULL. */
void sim_figure_folder_destroy (sim_figure_folder_t **self_p);

/* The folder, without trailing slashes. */
const char *sim_figure_folder_dir (const sim_figure_folder_t *self);

/* Creates DIR/gnuplot, where scripts and their data go, unless it exists. 0, or -1 with "PATH: why". */
int sim_figure_folder_make_dir (sim_figure_folder_t *self, char *err, size_t errlen);

/* Opens DIR/gnuplot/NAME.dat, the data of fig, for the caller to write and close (sim_file). 0 or -1 as
 * sim_file_open. */
int sim_figure_folder_dat (const sim_figure_folder_t *self, const sim_figure_t *fig, sim_file_t *dat, char *err,
                           size_t errlen);

/* Writes DIR/gnuplot/NAME.gp from fig (see sim_figure_t) and adds the figure to the ones to draw, keeping its name,
 * heading and alt. 0, or -1 with "PATH: why" (or "NAME: too many plots"). */
int sim_figure_folder_add (sim_figure_folder_t *self, const sim_figure_t *fig, char *err, size_t errlen);

/* Writes the page to f (report.html); arg is sim_figure_folder_finish's. */
typedef void sim_figure_page_fn (FILE *f, const void *arg);

/* Runs gnuplot on every figure added, then writes DIR/report.html with page whatever the drawing gave (a reader
 * never sees half a page). A figure gnuplot fails on leaves no SVG behind (nor an old one). Returns 0 when all
 * were drawn; 1 when gnuplot is not available (err says so, with the apt-get line); -1 with the first failure in
 * err ("gnuplot: NAME.gp: line 12: ...": the other figures are still drawn) or the page's "PATH: why". */
int sim_figure_folder_finish (sim_figure_folder_t *self, sim_figure_page_fn *page, const void *arg, char *err,
                              size_t errlen);

/* report.html's notes on plots not drawn (gnuplot missing, or each failure), nothing when all were drawn. */
void sim_figure_folder_html_notes (const sim_figure_folder_t *self, FILE *f);

/* report.html's figures: each one drawn, under its heading, with links to its script and data. */
void sim_figure_folder_html_figures (const sim_figure_folder_t *self, FILE *f);

/* -------------------------------------------------------------------------------------------------------------- */
/* writing a script's pieces; the families' head and tail use them */

/* s as a single-quoted gnuplot string: a quote doubled, control characters as spaces. */
void sim_figure_gp_str (FILE *f, const char *s);

/* Writes the series s of fig as the next clause of a plot command: "plot " before the first (*n == 0), a comma and
 * a new line before the others; *n counts them. The caller ends the command with a new line. */
void sim_figure_clause (FILE *f, const sim_figure_t *fig, const sim_figure_series_t *s, int *n);

/* A .dat field: text without tabs and line breaks, or "-" when empty (gnuplot would merge the empty field). */
void sim_figure_dat_text (FILE *f, const char *s);

/* A number in a .dat file (%.6g); NaN (gnuplot skips the point) when not finite. */
void sim_figure_dat_num (FILE *f, double v);

/* -------------------------------------------------------------------------------------------------------------- */
/* files of the results folder */

/* 0 when dir is a folder, else -1 with "DIR: why" (or "DIR: not a folder"). */
int sim_figure_check_dir (const char *dir, char *err, size_t errlen);

/* DIR/NAME into buf; -1 with "DIR/NAME: path too long" when it does not fit. */
int sim_figure_path (char *buf, size_t len, const char *dir, const char *name, char *err, size_t errlen);

/* Reads DIR/NAME. 0, 1 when the file does not exist, -1 with "PATH:LINE: why". csv holds nothing after -1 and 1. */
int sim_figure_csv_load (sim_csv_t *csv, const char *dir, const char *name, char *err, size_t errlen);

/* Every cell of the columns col[0..n) (a negative entry is skipped) must be a number: -1 with "PATH:LINE: COLUMN:
 * 'x' is not a number" on the first that is not. */
int sim_figure_csv_numeric (const sim_csv_t *csv, const int *col, size_t n, char *err, size_t errlen);

/* The number in a cell; NaN for an absent column (col < 0), an empty cell or one that is not a number. */
double sim_figure_csv_val (const sim_csv_t *csv, size_t row, int col);

/* Loads DIR/NAME, finds the columns need[0..n) into col[] and checks they hold numbers, except the column named text
 * (when not NULL). 0, 1 when the file does not exist, -1 with a message (csv then holds nothing). */
int sim_figure_csv_open (sim_csv_t *csv, const char *dir, const char *name, const char *const *need, int *col,
                         size_t n, const char *text, char *err, size_t errlen);

/* -------------------------------------------------------------------------------------------------------------- */
/* report.html */

/* s with HTML's special characters escaped. */
void sim_figure_html (FILE *f, const char *s);

/* The page's head (with its style sheet) and the body's opening, with title as <title> and <h1>. */
void sim_figure_html_begin (FILE *f, const char *title);

/* A whole CSV file as a table; cells that are numbers are right-aligned. digits > 0: numbers with a fraction are shown
 * with that many significant digits (the file keeps them whole); 0: every cell as the file writes it. */
void sim_figure_html_csv (FILE *f, const sim_csv_t *csv, int digits);

/* "Data files": links to the .csv, .json and .ini files in dir, in name order. */
void sim_figure_html_files (FILE *f, const char *dir);

#endif
