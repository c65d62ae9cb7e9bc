/* sim_plot: gnuplot SVGs and report.html from a run's or a sweep's output folder. */
#include "sim_plot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "map_error.h"
#include "sim_csv.h"
#include "sim_file.h"

#define S_PATH_MAX   4096
#define S_PLOT_MAX   8
#define S_SERIES_MAX 8          /* more values of a sweep's second key than this: one mean line instead */
#define S_NDASH      "\xe2\x80\x93"
#define S_TIMES      "\xc3\x97"
#define S_APT        "apt-get install gnuplot-nox"

/* Okabe-Ito colours, told apart by colour-blind readers too */
#define S_ROBOTAXI "#0072B2"
#define S_HUMAN    "#D55E00"
#define S_GREEN    "#009E73"
#define S_GREY     "#777777"
static const char *const s_series_colour[S_SERIES_MAX] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                           "#E69F00", "#56B4E9", "#000000", "#999999"};

/* -------------------------------------------------------------------------------------------------------------- */
/* errors and paths */

/* DIR/NAME into buf; -1 with a message when it does not fit. */
static int
s_path (char *buf, size_t len, const char *dir, const char *name, char *err, size_t errlen)
{
    int n = snprintf (buf, len, "%s/%s", dir, name);
    if (n < 0 || (size_t) n >= len)
        return map_error (err, errlen, "%s/%s: path too long", dir, name);
    return 0;
}

/* Creates DIR/gnuplot, where scripts and their data go, unless it exists. */
static int
s_gnuplot_dir (const char *dir, char *err, size_t errlen)
{
    char sub[S_PATH_MAX];
    if (s_path (sub, sizeof sub, dir, "gnuplot", err, errlen) != 0)
        return -1;
    if (mkdir (sub, 0777) != 0 && errno != EEXIST)
        return map_error (err, errlen, "%s: %s", sub, strerror (errno));
    return 0;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* CSV files, read whole and found by column name */

/* Reads DIR/NAME. 0, 1 when the file does not exist, -1 with "PATH:LINE: why". csv holds nothing after -1 and 1. */
static int
s_csv_load (sim_csv_t *csv, const char *dir, const char *name, char *err, size_t errlen)
{
    char path[S_PATH_MAX];
    memset (csv, 0, sizeof *csv);
    if (s_path (path, sizeof path, dir, name, err, errlen) != 0)
        return -1;
    return sim_csv_load (csv, path, err, errlen);
}

/* Every cell of the columns col[0..n) (a negative entry is skipped) must be a number: -1 with "PATH:LINE: ..." on
 * the first that is not. */
static int
s_csv_numeric (const sim_csv_t *csv, const int *col, size_t n, char *err, size_t errlen)
{
    for (size_t r = 0; r < csv->nrows; r++)
        for (size_t i = 0; i < n; i++) {
            double v;
            if (col[i] >= 0 && sim_csv_parse_number (sim_csv_cell (csv, r, col[i]), &v) != 0)
                return map_error (err, errlen, "%s:%d: %s: '%.40s' is not a number", csv->path, csv->lines[r],
                               csv->names[col[i]], sim_csv_cell (csv, r, col[i]));
        }
    return 0;
}

/* The number in a checked cell; NaN for an absent column (col < 0) or an empty cell. */
static double
s_csv_val (const sim_csv_t *csv, size_t row, int col)
{
    double v;
    if (col < 0 || sim_csv_parse_number (sim_csv_cell (csv, row, col), &v) != 0)
        return NAN;
    return v;
}

/* Loads DIR/NAME, finds the required columns need[0..n) into col[] and checks they hold numbers, except the
 * column named text (when not NULL). 0, 1 when the file does not exist, -1 with a message. */
static int
s_csv_open (sim_csv_t *csv, const char *dir, const char *name, const char *const *need, int *col, size_t n,
            const char *text, char *err, size_t errlen)
{
    int rc = s_csv_load (csv, dir, name, err, errlen);
    if (rc != 0)
        return rc;
    if (sim_csv_need (csv, need, col, n, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        int c = text && strcmp (need[i], text) == 0 ? -1 : col[i];
        if (s_csv_numeric (csv, &c, 1, err, errlen) != 0)
            goto fail;
    }
    return 0;
fail:
    sim_csv_free (csv);
    return -1;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* writing for gnuplot and for the browser */

/* s as a single-quoted gnuplot string: a quote doubled, control characters as spaces. */
static void
s_gp_str (FILE *f, const char *s)
{
    fputc ('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs ("''", f);
        else
            fputc ((unsigned char) *s < 0x20 ? ' ' : *s, f);
    }
    fputc ('\'', f);
}

/* A .dat field: text without tabs and line breaks, or "-" when empty (gnuplot would merge the empty field). */
static void
s_dat_text (FILE *f, const char *s)
{
    if (!*s)
        fputc ('-', f);
    for (; *s; s++)
        fputc ((unsigned char) *s < 0x20 ? ' ' : *s, f);
}

/* A number in a .dat file; NaN (gnuplot skips the point) when undefined. */
static void
s_dat_num (FILE *f, double v)
{
    if (isfinite (v))
        fprintf (f, "%.6g", v);
    else
        fputs ("NaN", f);
}

static void
s_html (FILE *f, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': fputs ("&amp;", f); break;
        case '<': fputs ("&lt;", f); break;
        case '>': fputs ("&gt;", f); break;
        case '"': fputs ("&quot;", f); break;
        case '\'': fputs ("&#39;", f); break;
        default: fputc (*s, f);
        }
}

/* A file name as a relative link: bytes that mean something in a URL are percent-encoded. */
static void
s_html_href (FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char) *s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr ("._-~/", c))
            fputc (c, f);
        else
            fprintf (f, "%%%02X", c);
    }
}

/* How a figure reads in a table. */
typedef enum { S_N0, S_N1, S_N2, S_PCT, S_MIN } s_fmt_t;

static void
s_html_num (FILE *f, double v, s_fmt_t fmt)
{
    if (!isfinite (v)) {
        fputs (S_NDASH, f);
        return;
    }
    switch (fmt) {
    case S_N0: fprintf (f, "%.0f", v); break;
    case S_N1: fprintf (f, "%.1f", v); break;
    case S_N2: fprintf (f, "%.2f", v); break;
    case S_PCT: fprintf (f, "%.1f%%", 100 * v); break;
    case S_MIN: fprintf (f, "%.1f", v / 60); break;
    }
}

/* A table row: what a figure is, where it comes from (NULL: a section heading), how it reads. */
typedef struct {
    const char *label;
    const char *key;
    s_fmt_t fmt;
} s_row_t;

static const char *
s_fleet_label (const char *fleet)
{
    return strcmp (fleet, "human") == 0 ? "human ride-hail" : fleet;
}

static const char s_css[] =
    "body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;background:#fff}\n"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n"
    "table{border-collapse:collapse;margin:.5em 0}th,td{padding:.2em .7em;border-bottom:1px solid #e4e4e4}\n"
    "th{text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.sec th{padding-top:.8em;color:#555;font-weight:normal;font-style:italic}\n"
    "figure{margin:1em 0}img{max-width:100%;height:auto;border:1px solid #eee}\n"
    "figcaption{color:#555;font-size:.9em}.wide{overflow-x:auto}.meta{color:#555}\n"
    ".note{background:#fff4e0;border-left:4px solid #e69f00;padding:.5em 1em}\n";

static void
s_html_begin (FILE *f, const char *title)
{
    fputs ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    s_html (f, title);
    fprintf (f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", s_css);
    s_html (f, title);
    fputs ("</h1>\n", f);
}

/* -------------------------------------------------------------------------------------------------------------- */
/* drawing: scripts registered, then run by gnuplot one by one */

typedef struct {
    char name[32];         /* NAME: gnuplot/NAME.gp draws NAME.svg */
    char heading[160];
    char alt[320];
    int drawn;
    char error[512];       /* why gnuplot failed on it */
} s_plot_t;

typedef struct {
    char dir[S_PATH_MAX];
    char scenario[256];    /* for plot titles */
    s_plot_t plots[S_PLOT_MAX];
    size_t nplots;
    int have_gnuplot;
    char gnuplot[S_PATH_MAX];   /* the program, as an absolute path */
    char missing[512];     /* why gnuplot is not available */
} s_draw_t;

static int
s_is_program (const char *path)
{
    struct stat st;
    return stat (path, &st) == 0 && S_ISREG (st.st_mode) && access (path, X_OK) == 0;
}

/* Absolute path of the program named name (searched on PATH unless it holds a slash) into out; -1 when none. */
static int
s_find_program (const char *name, char *out, size_t outlen)
{
    char buf[S_PATH_MAX];
    const char *found = NULL;
    if (strchr (name, '/')) {
        if (s_is_program (name))
            found = name;
    } else if (*name) {
        const char *path = getenv ("PATH");
        if (!path || !*path)
            path = "/usr/local/bin:/usr/bin:/bin";
        while (!found) {
            size_t n = strcspn (path, ":");
            /* an empty PATH entry means the current folder */
            int len = n ? snprintf (buf, sizeof buf, "%.*s/%s", (int) n, path, name)
                        : snprintf (buf, sizeof buf, "./%s", name);
            if (len > 0 && (size_t) len < sizeof buf && s_is_program (buf))
                found = buf;
            if (!path[n])
                break;
            path += n + 1;
        }
    }
    if (!found)
        return -1;
    /* gnuplot runs inside the results folder, so a relative name must be made absolute first */
    if (found[0] == '/') {
        int n = snprintf (out, outlen, "%s", found);
        return n > 0 && (size_t) n < outlen ? 0 : -1;
    }
    char cwd[S_PATH_MAX];
    if (!getcwd (cwd, sizeof cwd))
        return -1;
    int n = snprintf (out, outlen, "%s/%s", cwd, found);
    return n > 0 && (size_t) n < outlen ? 0 : -1;
}

static void
s_draw_init (s_draw_t *d, const char *dir)
{
    memset (d, 0, sizeof *d);
    snprintf (d->dir, sizeof d->dir, "%s", dir);
    size_t n = strlen (d->dir);
    while (n > 1 && d->dir[n - 1] == '/')
        d->dir[--n] = '\0';
    const char *prog = getenv ("ROBOTAXI_GNUPLOT");
    int from_env = prog && *prog;
    if (!from_env)
        prog = "gnuplot";
    d->have_gnuplot = s_find_program (prog, d->gnuplot, sizeof d->gnuplot) == 0;
    if (!d->have_gnuplot)
        snprintf (d->missing, sizeof d->missing, "gnuplot not found (%s%s): plots not drawn; install it with: " S_APT,
                  from_env ? "ROBOTAXI_GNUPLOT=" : "no gnuplot on PATH", from_env ? prog : "");
}

/* 0 when DIR is a folder, else -1 naming it. */
static int
s_check_dir (const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat (dir, &st) != 0)
        return map_error (err, errlen, "%s: %s", dir, strerror (errno));
    if (!S_ISDIR (st.st_mode))
        return map_error (err, errlen, "%s: not a folder", dir);
    return 0;
}

/* Starts DIR/gnuplot/NAME.gp with the common settings and registers the plot; the caller adds the plot commands
 * and closes gp. title is the plot's title, shown as written. */
static int
s_gp_begin (s_draw_t *d, sim_file_t *gp, const char *name, const char *heading, const char *alt, const char *title,
            char *err, size_t errlen)
{
    if (d->nplots == S_PLOT_MAX)
        return map_error (err, errlen, "%s: too many plots", name);
    char file[64];
    snprintf (file, sizeof file, "gnuplot/%s.gp", name);
    if (sim_file_open (gp, d->dir, file, err, errlen) != 0)
        return -1;
    FILE *f = gp->f;
    fprintf (f, "# %s.gp: draws %s.svg from gnuplot/%s.dat. Written by robotaxi (sim_plot); restyle it and run it\n"
                "# again from the results folder: gnuplot gnuplot/%s.gp\n",
             name, name, name, name);
    fputs ("set encoding utf8\n"
           "set terminal svg size 900,560 dynamic noenhanced font 'sans,12' background rgb 'white'\n",
           f);
    fprintf (f, "set output '%s.svg'\n", name);
    fputs ("set datafile separator tab\n"
           "set grid lc rgb '#dddddd'\n"
           "set border 3 lc rgb '#555555'\n"
           "set tics nomirror\n"
           "set key noopaque\n",
           f);
    fputs ("set title ", f);
    s_gp_str (f, title);
    fputc ('\n', f);
    s_plot_t *p = &d->plots[d->nplots++];
    snprintf (p->name, sizeof p->name, "%s", name);
    snprintf (p->heading, sizeof p->heading, "%s", heading);
    snprintf (p->alt, sizeof p->alt, "%s", alt);
    return 0;
}

/* First line of gnuplot's complaint in log into why: its "line N: message" when there is one, else the first
 * line written. */
static void
s_first_error (FILE *log, char *why, size_t len)
{
    char line[512], first[512] = "";
    why[0] = '\0';
    rewind (log);
    while (fgets (line, sizeof line, log)) {
        line[strcspn (line, "\r\n")] = '\0';
        if (sim_csv_blank (line))
            continue;
        const char *at = line[0] == '"' ? strstr (line, "\" line ") : NULL;
        if (at && !strstr (line, "warning:")) {
            snprintf (why, len, "%s", at + 2);
            return;
        }
        if (!first[0]) {
            size_t end = strlen (line);
            while (end && (line[end - 1] == ' ' || line[end - 1] == '\t'))
                line[--end] = '\0';
            snprintf (first, sizeof first, "%s", line + strspn (line, " \t"));
        }
    }
    snprintf (why, len, "%s", first);
}

/* Runs gnuplot on DIR/gnuplot/NAME.gp inside DIR, its messages in a temporary file. 0, or -1 with
 * "gnuplot: NAME.gp: why". */
static int
s_run_gnuplot (const s_draw_t *d, const char *name, char *err, size_t errlen)
{
    char script[64];
    snprintf (script, sizeof script, "gnuplot/%s.gp", name);
    FILE *log = tmpfile ();
    if (!log)
        return map_error (err, errlen, "gnuplot: %s.gp: no temporary file for its messages: %s", name, strerror (errno));
    fflush (NULL);
    pid_t pid = fork ();
    if (pid < 0) {
        fclose (log);
        return map_error (err, errlen, "gnuplot: %s.gp: fork: %s", name, strerror (errno));
    }
    if (pid == 0) {
        int null = open ("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2 (null, STDIN_FILENO);
            dup2 (null, STDOUT_FILENO);
        }
        dup2 (fileno (log), STDERR_FILENO);
        if (chdir (d->dir) != 0) {
            dprintf (STDERR_FILENO, "cannot enter %s: %s\n", d->dir, strerror (errno));
            _exit (126);
        }
        char *argv[] = {(char *) d->gnuplot, script, NULL};
        execvp (argv[0], argv);
        dprintf (STDERR_FILENO, "cannot run %s: %s\n", d->gnuplot, strerror (errno));
        _exit (127);
    }
    int status;
    while (waitpid (pid, &status, 0) < 0)
        if (errno != EINTR) {
            fclose (log);
            return map_error (err, errlen, "gnuplot: %s.gp: waitpid: %s", name, strerror (errno));
        }
    if (WIFEXITED (status) && WEXITSTATUS (status) == 0) {
        fclose (log);
        return 0;
    }
    char why[400];
    s_first_error (log, why, sizeof why);
    fclose (log);
    if (!why[0] && WIFEXITED (status))
        snprintf (why, sizeof why, "exit status %d", WEXITSTATUS (status));
    else if (!why[0])
        snprintf (why, sizeof why, "killed by signal %d", WIFSIGNALED (status) ? WTERMSIG (status) : 0);
    return map_error (err, errlen, "gnuplot: %s.gp: %s", name, why);
}

/* Draws every registered plot. 0 when all were drawn, 1 when gnuplot is missing (err says so), -1 with the
 * first failure in err (the others are still drawn). A failed plot leaves no SVG behind. */
static int
s_draw_all (s_draw_t *d, char *err, size_t errlen)
{
    if (!d->have_gnuplot) {
        map_error (err, errlen, "%s", d->missing);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < d->nplots; i++) {
        s_plot_t *p = &d->plots[i];
        char svg[S_PATH_MAX], file[64], script[64];
        snprintf (file, sizeof file, "%s.svg", p->name);
        snprintf (script, sizeof script, "%s.gp", p->name);
        if (s_path (svg, sizeof svg, d->dir, file, p->error, sizeof p->error) != 0) {
            if (rc == 0)
                rc = map_error (err, errlen, "%s", p->error);
            continue;
        }
        unlink (svg);   /* an old picture must not pass for this run's */
        struct stat st;
        if (s_run_gnuplot (d, p->name, p->error, sizeof p->error) != 0)
            unlink (svg);
        else if (stat (svg, &st) != 0 || st.st_size == 0)
            snprintf (p->error, sizeof p->error, "gnuplot: %s: no %s written", script, file);
        else
            p->drawn = 1;
        if (!p->drawn && rc == 0)
            rc = map_error (err, errlen, "%s", p->error);
    }
    return rc;
}

static int
s_cmp_str (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

static int
s_ends_with (const char *s, const char *tail)
{
    size_t n = strlen (s), t = strlen (tail);
    return n >= t && strcmp (s + n - t, tail) == 0;
}

/* Links to the data files in DIR (.csv, .json, .ini), in name order. */
static void
s_html_files (FILE *f, const char *dir)
{
    DIR *dp = opendir (dir);
    if (!dp)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir (dp))) {
        if (e->d_name[0] == '.' ||
            !(s_ends_with (e->d_name, ".csv") || s_ends_with (e->d_name, ".json") || s_ends_with (e->d_name, ".ini")))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc (names, cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        if (!(names[n] = strdup (e->d_name)))
            break;
        n++;
    }
    closedir (dp);
    if (n)
        qsort (names, n, sizeof *names, s_cmp_str);
    fputs ("<h2>Data files</h2>\n<ul>\n", f);
    for (size_t i = 0; i < n; i++) {
        fputs ("<li><a href=\"", f);
        s_html_href (f, names[i]);
        fputs ("\">", f);
        s_html (f, names[i]);
        fputs ("</a></li>\n", f);
        free (names[i]);
    }
    fputs ("</ul>\n", f);
    free (names);
}

/* A whole CSV file as a table; cells that are numbers are right-aligned. */
static void
s_html_csv (FILE *f, const sim_csv_t *csv)
{
    fputs ("<div class=\"wide\"><table>\n<tr>", f);
    for (size_t c = 0; c < csv->ncols; c++) {
        fputs ("<th class=\"n\">", f);
        s_html (f, csv->names[c]);
        fputs ("</th>", f);
    }
    fputs ("</tr>\n", f);
    for (size_t r = 0; r < csv->nrows; r++) {
        fputs ("<tr>", f);
        for (size_t c = 0; c < csv->ncols; c++) {
            double v;
            const char *cell = sim_csv_cell (csv, r, (int) c);
            fputs (sim_csv_parse_number (cell, &v) == 0 ? "<td class=\"n\">" : "<td>", f);
            s_html (f, cell);
            fputs ("</td>", f);
        }
        fputs ("</tr>\n", f);
    }
    fputs ("</table></div>\n", f);
}

/* Writes DIR/report.html (sim_file: a reader never sees half a page). body writes the page. */
static int
s_write_report (const char *dir, void (*body) (FILE *, const void *), const void *arg, char *err, size_t errlen)
{
    sim_file_t o;
    if (sim_file_open (&o, dir, "report.html", err, errlen) != 0)
        return -1;
    body (o.f, arg);
    return sim_file_close (&o, err, errlen);
}

/* -------------------------------------------------------------------------------------------------------------- */
/* a run's folder */

typedef struct {
    s_draw_t draw;
    json_t *summary;
    sim_csv_t costs;         /* ncols == 0 when absent */
    sim_csv_t days;
} s_run_t;

static const s_row_t s_fleet_rows[] = {
    {"vehicles", "vehicles", S_N0},
    {"requests", "requests", S_N0},
    {"trips served", "served", S_N0},
    {"unserved (gave up)", "unserved", S_N0},
    {"time carrying a rider", "util_occupied", S_PCT},
    {"time driving to pickups", "util_pickup", S_PCT},
    {"time idle", "util_idle", S_PCT},
    {"empty km share", "empty_km_share", S_PCT},
    {"km driven", "km_driven", S_N0},
    {"revenue, yuan", "revenue_yuan", S_N0},
    {"mean wait, min", "mean_wait_s", S_MIN},
    {"95th percentile wait, min", "p95_wait_s", S_MIN},
};

static const char *const s_driver_keys[] = {"drivers", "hours_online", "gross_hourly_yuan", "net_hourly_yuan",
                                            "net_daily_yuan", "net_income_yuan"};

static const s_row_t s_displacement_rows[] = {
    {"human ride-hail trips without robotaxis", "baseline_human_trips", S_N0},
    {"human ride-hail trips with robotaxis", "human_trips", S_N0},
    {"trips moved to robotaxis", "trips_moved", S_N0},
    {"drivers' net income without robotaxis, yuan", "baseline_driver_income_yuan", S_N0},
    {"drivers' net income with robotaxis, yuan", "driver_income_yuan", S_N0},
    {"net income moved, yuan", "income_moved_yuan", S_N0},
    {"the same in full-time drivers", "fulltime_drivers_equivalent", S_N1},
};

static const s_row_t s_cost_rows[] = {
    {"cost per km, yuan", "cost_per_km", S_N2},
    {"cost per trip, yuan", "cost_per_trip", S_N2},
    {"cost per 10 km, yuan", "cost_per_10km", S_N2},
    {"cost per vehicle-day, yuan", "cost_per_vehicle_day", S_N0},
    {"revenue per vehicle-day, yuan", "revenue_per_vehicle_day", S_N0},
    {"profit per vehicle-day, yuan", "profit_per_vehicle_day", S_N0},
    {"revenue per trip, yuan", "revenue_per_trip", S_N2},
    {"break-even rides per day", "break_even_rides_per_day", S_N1},
    {"utilization (time carrying a rider)", "utilization", S_PCT},
    {"parts, yuan per vehicle-day", NULL, S_N0},
    {"capital", "capital", S_N1},
    {"rent", "rent", S_N1},
    {"insurance", "insurance", S_N1},
    {"energy", "energy", S_N1},
    {"maintenance", "maintenance", S_N1},
    {"cleaning", "cleaning", S_N1},
    {"depot", "depot", S_N1},
    {"software", "software", S_N1},
    {"remote operators", "operators", S_N1},
    {"platform commission", "commission", S_N1},
    {"driver time", "driver_time", S_N1},
    {"fixed, per vehicle-day", "fixed_per_vehicle_day", S_N1},
    {"variable, per km", "variable_per_km", S_N2},
    {"what the fleet did", NULL, S_N0},
    {"vehicle-days", "vehicle_days", S_N1},
    {"hours online", "hours_online", S_N0},
    {"hours carrying a rider", "hours_occupied", S_N0},
    {"km", "km", S_N0},
    {"trips", "trips", S_N0},
    {"fares, yuan", "fares_yuan", S_N0},
};

#define S_COUNT(a) (sizeof (a) / sizeof (a)[0])

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

static int
s_rows_check (const json_t *obj, const char *where, const s_row_t *rows, size_t n, const char *path, char *err,
              size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (s_json_check (obj, where, &rows[i].key, 1, path, err, errlen) != 0)
            return -1;
    return 0;
}

/* Reads DIR/summary.json into run->summary and checks what the report shows. */
static int
s_load_summary (s_run_t *run, char *err, size_t errlen)
{
    char path[S_PATH_MAX];
    if (s_path (path, sizeof path, run->draw.dir, "summary.json", err, errlen) != 0)
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
        if (s_rows_check (fl, where, s_fleet_rows, S_COUNT (s_fleet_rows), path, err, errlen) != 0)
            return -1;
    }
    if (s_json_check (json_object_get (root, "drivers"), "drivers", s_driver_keys, S_COUNT (s_driver_keys), path,
                      err, errlen) != 0 ||
        s_rows_check (json_object_get (root, "displacement"), "displacement", s_displacement_rows,
                      S_COUNT (s_displacement_rows), path, err, errlen) != 0)
        return -1;
    const json_t *scenario = json_object_get (root, "scenario");
    if (scenario && !json_is_string (scenario))
        return map_error (err, errlen, "%s: scenario: not a string", path);
    const json_t *days = json_object_get (root, "days");
    if (days && !json_is_integer (days))
        return map_error (err, errlen, "%s: days: not a whole number", path);
    snprintf (run->draw.scenario, sizeof run->draw.scenario, "%s",
              scenario ? json_string_value (scenario) : "(unnamed scenario)");
    return 0;
}

/* s_gp_begin for a run's plot, titled with what it shows and then the scenario. */
static int
s_gp_begin_run (s_draw_t *d, sim_file_t *gp, const char *name, const char *heading, const char *what, const char *alt,
                char *err, size_t errlen)
{
    char title[400];
    snprintf (title, sizeof title, "%s " S_NDASH " %s", what, d->scenario);
    return s_gp_begin (d, gp, name, heading, alt, title, err, errlen);
}

/* Starts the next clause of a plot command: "plot" before the first, a comma and a new line before the others. */
static void
s_clause (FILE *f, int *n)
{
    fputs ((*n)++ ? ", \\\n     " : "plot ", f);
}

/* fares.svg: fare against distance for each price, over the calibration bands. */
static int
s_plot_fares (s_draw_t *d, char *err, size_t errlen)
{
    static const char *const need[] = {"distance_km", "robotaxi_list_yuan", "robotaxi_yuan", "robotaxi_coupon_yuan",
                                       "human_yuan", "taxi_yuan"};
    const size_t nneed = S_COUNT (need) - 1;   /* the taxi meter came later and may be missing */
    int col[S_COUNT (need)];
    sim_csv_t csv;
    sim_file_t dat = {0}, gp = {0};
    int rc = s_csv_open (&csv, d->dir, "fares.csv", need, col, nneed, NULL, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    col[nneed] = sim_csv_col (&csv, need[nneed]);
    if (s_csv_numeric (&csv, &col[nneed], 1, err, errlen) != 0)
        goto fail;
    if (csv.nrows == 0) {
        sim_csv_free (&csv);
        return 0;
    }
    double max_km = 0;
    if (sim_file_open (&dat, d->dir, "gnuplot/fares.dat", err, errlen) != 0)
        goto fail;
    fputs ("# distance_km\trobotaxi_list_yuan\trobotaxi_yuan\trobotaxi_coupon_yuan\thuman_yuan\ttaxi_yuan\n", dat.f);
    for (size_t r = 0; r < csv.nrows; r++) {
        for (size_t i = 0; i < S_COUNT (need); i++) {
            if (i)
                fputc ('\t', dat.f);
            s_dat_num (dat.f, s_csv_val (&csv, r, col[i]));
        }
        fputc ('\n', dat.f);
        double km = s_csv_val (&csv, r, col[0]);
        if (km > max_km)
            max_km = km;
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    if (max_km <= 0)
        max_km = 30;
    if (s_gp_begin_run (d, &gp, "fares", "Fares", "Fare against ride distance",
                        "Fare in yuan against ride distance for each price, over the bands of 4" S_NDASH
                        "16 yuan (robotaxi) and 18" S_NDASH "30 yuan (human ride-hail) per 10 km",
                        err, errlen) != 0)
        goto fail;
    FILE *f = gp.f;
    double lx = 0.82 * max_km;
    fprintf (f, "set xlabel 'ride distance, km'\n"
                "set ylabel 'fare, yuan'\n"
                "set xrange [0:%g]\n"
                "set yrange [0:*]\n"
                "set samples 2\n"
                "set key top left\n"
                "set style fill transparent solid 0.13 noborder\n"
                "# the calibration bands: 4-16 yuan per 10 km by robotaxi, 18-30 by human ride-hail; their\n"
                "# labels sit near the bands' outer edges, away from where the fares usually run\n"
                "set label 1 '4" S_NDASH "16 yuan per 10 km' at %g,%g center front textcolor rgb '" S_ROBOTAXI "'\n"
                "set label 2 '18" S_NDASH "30 yuan per 10 km' at %g,%g center front textcolor rgb '" S_HUMAN "'\n"
                "set arrow 1 from 10, graph 0 to 10, graph 1 nohead dashtype 2 linecolor rgb '" S_GREY "'\n"
                "set label 3 '10 km' at 10, graph 0.03 left offset character 0.5,0 textcolor rgb '" S_GREY "'\n",
             max_km, lx, 0.62 * lx, lx, 2.8 * lx);
    fputs ("plot '+' using 1:(0.4*$1):(1.6*$1) with filledcurves linecolor rgb '" S_ROBOTAXI "' notitle, \\\n"
           "     '+' using 1:(1.8*$1):(3.0*$1) with filledcurves linecolor rgb '" S_HUMAN "' notitle, \\\n"
           "     'gnuplot/fares.dat' using 1:2 with lines linewidth 1.5 dashtype 2 linecolor rgb '" S_ROBOTAXI "' "
           "title 'robotaxi list price', \\\n"
           "     '' using 1:3 with lines linewidth 2.5 linecolor rgb '" S_ROBOTAXI "' "
           "title 'robotaxi promotional price', \\\n"
           "     '' using 1:4 with lines linewidth 2 dashtype 3 linecolor rgb '#56B4E9' "
           "title 'robotaxi with coupon', \\\n"
           "     '' using 1:5 with lines linewidth 2.5 linecolor rgb '" S_HUMAN "' title 'human ride-hail'",
           f);
    if (col[nneed] >= 0)
        fputs (", \\\n     '' using 1:6 with lines linewidth 1.5 linecolor rgb '#444444' title 'taxi meter'", f);
    fputc ('\n', f);
    if (sim_file_close (&gp, err, errlen) != 0)
        goto fail;
    sim_csv_free (&csv);
    return 0;
fail:
    sim_file_abandon (&dat);
    sim_file_abandon (&gp);
    sim_csv_free (&csv);
    return -1;
}

#define S_HOURS_MAX (24 * 400)

/* utilization.svg: by hour and fleet, the share of on-shift time carrying a rider and also driving to pickups,
 * and the vehicles online on the right axis. */
static int
s_plot_utilization (s_draw_t *d, char *err, size_t errlen)
{
    static const char *const need[] = {"hour", "fleet", "vehicles_online", "util_occupied", "util_pickup"};
    static const char *const fleets[] = {"robotaxi", "human"};
    enum { HOUR, FLEET, ONLINE, OCC, PICK };
    int col[S_COUNT (need)];
    sim_csv_t csv;
    sim_file_t dat = {0}, gp = {0};
    double *slot = NULL;   /* per hour and fleet: occupied %, occupied + pickup %, vehicles online */
    char *seen = NULL;
    int rc = s_csv_open (&csv, d->dir, "hourly.csv", need, col, S_COUNT (need), "fleet", err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    int hours = 0;
    for (size_t r = 0; r < csv.nrows; r++) {
        double h = s_csv_val (&csv, r, col[HOUR]);
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
        int h = (int) s_csv_val (&csv, r, col[HOUR]);
        if (seen[h * 2 + fl]++) {
            map_error (err, errlen, "%s:%d: a second row for hour %d, %s", csv.path, csv.lines[r], h, fleet);
            goto fail;
        }
        double occ = s_csv_val (&csv, r, col[OCC]), pick = s_csv_val (&csv, r, col[PICK]);
        double *s = slot + (size_t) (h * 6 + fl * 3);
        s[0] = 100 * occ;
        s[1] = 100 * (occ + pick);
        s[2] = s_csv_val (&csv, r, col[ONLINE]);
        rows_of[fl]++;
    }
    if (sim_file_open (&dat, d->dir, "gnuplot/utilization.dat", err, errlen) != 0)
        goto fail;
    fputs ("# hour\trobotaxi_occupied_pct\trobotaxi_occupied_or_pickup_pct\trobotaxi_vehicles_online"
           "\thuman_occupied_pct\thuman_occupied_or_pickup_pct\thuman_vehicles_online\n",
           dat.f);
    for (int h = 0; h < hours; h++) {
        fprintf (dat.f, "%d", h);
        for (int i = 0; i < 6; i++) {
            fputc ('\t', dat.f);
            s_dat_num (dat.f, slot[h * 6 + i]);
        }
        fputc ('\n', dat.f);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    if (s_gp_begin_run (d, &gp, "utilization", "Utilization by hour", "Utilization by hour",
                        "Share of on-shift time carrying a rider, and carrying or driving to a pickup, by hour for "
                        "each fleet, with the vehicles online",
                        err, errlen) != 0)
        goto fail;
    FILE *f = gp.f;
    fputs ("set xlabel 'hour of the day'\n"
           "set ylabel 'share of on-shift time, %'\n"
           "set y2label 'vehicles online'\n"
           "set yrange [0:100]\n"
           "set y2range [0:*]\n"
           "set y2tics\n"
           "set key below horizontal maxrows 2\n",
           f);
    if (hours <= 24)
        fputs ("set xrange [0:23]\nset xtics 0,2,23\n", f);
    else
        fprintf (f, "set xrange [0:%d]\n", hours - 1);
    static const char *const colour[] = {S_ROBOTAXI, S_HUMAN};
    static const char *const label[] = {"robotaxi", "human"};
    static const char *const online[] = {"robotaxis online (right axis)", "human drivers online (right axis)"};
    int n = 0;
    for (int fl = 0; fl < 2; fl++) {
        if (!rows_of[fl])
            continue;
        int c = 2 + fl * 3;
        s_clause (f, &n);
        fprintf (f, "'gnuplot/utilization.dat' using 1:%d with linespoints linewidth 2 pointtype 7 pointsize 0.6 "
                    "linecolor rgb '%s' title '%s carrying a rider'",
                 c, colour[fl], label[fl]);
        s_clause (f, &n);
        fprintf (f, "'' using 1:%d with lines linewidth 2 dashtype 2 linecolor rgb '%s' "
                    "title '%s carrying or driving to a pickup'",
                 c + 1, colour[fl], label[fl]);
        s_clause (f, &n);
        fprintf (f, "'' using 1:%d axes x1y2 with steps linewidth 1 dashtype 3 linecolor rgb '%s' title '%s'", c + 2,
                 colour[fl], online[fl]);
    }
    fputc ('\n', f);
    if (sim_file_close (&gp, err, errlen) != 0)
        goto fail;
    free (slot);
    free (seen);
    sim_csv_free (&csv);
    return 0;
fail:
    sim_file_abandon (&dat);
    sim_file_abandon (&gp);
    free (slot);
    free (seen);
    sim_csv_free (&csv);
    return -1;
}

/* waits.svg: for each fleet, the share of its picked-up riders per minute of waiting. */
static int
s_plot_waits (s_draw_t *d, char *err, size_t errlen)
{
    static const char *const need[] = {"wait_min", "robotaxi", "human"};
    int col[S_COUNT (need)];
    sim_csv_t csv;
    sim_file_t dat = {0}, gp = {0};
    int rc = s_csv_open (&csv, d->dir, "waits.csv", need, col, S_COUNT (need), NULL, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    double total[2] = {0, 0}, max_min = 0;
    for (size_t r = 0; r < csv.nrows; r++) {
        for (int fl = 0; fl < 2; fl++) {
            double v = s_csv_val (&csv, r, col[1 + fl]);
            if (v < 0) {
                map_error (err, errlen, "%s:%d: %s: a negative count", csv.path, csv.lines[r], need[1 + fl]);
                goto fail;
            }
            total[fl] += v;
        }
        if (s_csv_val (&csv, r, col[0]) > max_min)
            max_min = s_csv_val (&csv, r, col[0]);
    }
    if (!(total[0] > 0) && !(total[1] > 0)) {   /* nobody was picked up: nothing to draw */
        sim_csv_free (&csv);
        return 0;
    }
    if (sim_file_open (&dat, d->dir, "gnuplot/waits.dat", err, errlen) != 0)
        goto fail;
    fputs ("# wait_min\trobotaxi_pct\thuman_pct  (share of the fleet's picked-up riders)\n", dat.f);
    for (size_t r = 0; r < csv.nrows; r++) {
        s_dat_num (dat.f, s_csv_val (&csv, r, col[0]));
        for (int fl = 0; fl < 2; fl++) {
            fputc ('\t', dat.f);
            s_dat_num (dat.f, total[fl] > 0 ? 100 * s_csv_val (&csv, r, col[1 + fl]) / total[fl] : NAN);
        }
        fputc ('\n', dat.f);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    if (s_gp_begin_run (d, &gp, "waits", "Waits", "Wait from request to pickup",
                        "Share of each fleet's picked-up riders by minutes waited from request to pickup", err,
                        errlen) != 0)
        goto fail;
    FILE *f = gp.f;
    fprintf (f, "set xlabel 'wait from request to pickup, minutes'\n"
                "set ylabel 'share of the fleet''s picked-up riders, %%'\n"
                "set xrange [0:%g]\n"
                "set yrange [0:*]\n"
                "set boxwidth 0.4 absolute\n"
                "set style fill solid 0.75 noborder\n"
                "set key top right\n"
                "# each minute [m, m+1) holds two bars: robotaxi on the left, human ride-hail on the right\n",
             max_min + 1);
    int n = 0;
    if (total[0] > 0) {
        s_clause (f, &n);
        fputs ("'gnuplot/waits.dat' using ($1+0.3):2 with boxes linecolor rgb '" S_ROBOTAXI "' title 'robotaxi'", f);
    }
    if (total[1] > 0) {
        s_clause (f, &n);
        fputs ("'gnuplot/waits.dat' using ($1+0.7):3 with boxes linecolor rgb '" S_HUMAN "' title 'human ride-hail'",
               f);
    }
    fputc ('\n', f);
    if (sim_file_close (&gp, err, errlen) != 0)
        goto fail;
    sim_csv_free (&csv);
    return 0;
fail:
    sim_file_abandon (&dat);
    sim_file_abandon (&gp);
    sim_csv_free (&csv);
    return -1;
}

/* Reads DIR/costs.csv into *costs when there is one (ncols stays 0 when not) and checks the columns the report
 * and the cost curve read. */
static int
s_load_costs (const char *dir, sim_csv_t *costs, char *err, size_t errlen)
{
    static const char *const need[] = {"fleet"};
    int col[1];
    int rc = s_csv_open (costs, dir, "costs.csv", need, col, 1, "fleet", err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    for (size_t i = 0; i < S_COUNT (s_cost_rows); i++) {
        int c = s_cost_rows[i].key ? sim_csv_col (costs, s_cost_rows[i].key) : -1;
        if (s_csv_numeric (costs, &c, 1, err, errlen) != 0) {
            sim_csv_free (costs);
            return -1;
        }
    }
    return 0;
}

/* costcurve.svg: cost per km against utilization for both fleets, each fleet's operating point marked. */
static int
s_plot_costcurve (s_draw_t *d, const sim_csv_t *costs, char *err, size_t errlen)
{
    static const char *const need[] = {"utilization", "robotaxi_yuan_per_km", "human_yuan_per_km"};
    static const char *const point_need[] = {"utilization", "cost_per_km"};
    static const char *const fleets[] = {"robotaxi", "human"};
    static const char *const colour[] = {S_ROBOTAXI, S_HUMAN};
    int col[S_COUNT (need)], pcol[S_COUNT (point_need)];
    sim_csv_t csv;
    sim_file_t dat = {0}, gp = {0};
    int rc = s_csv_open (&csv, d->dir, "costcurve.csv", need, col, S_COUNT (need), NULL, err, errlen);
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
                    point[fl][0] = 100 * s_csv_val (costs, r, pcol[0]);
                    point[fl][1] = s_csv_val (costs, r, pcol[1]);
                }
    }
    /* cost per km falls like 1/utilization: a log scale keeps both ends readable, when every value allows one */
    int logscale = 1;
    for (size_t r = 0; r < csv.nrows; r++)
        for (int i = 1; i < 3; i++)
            if (!(s_csv_val (&csv, r, col[i]) > 0))
                logscale = 0;
    for (int fl = 0; fl < 2; fl++)
        if (isfinite (point[fl][1]) && !(point[fl][1] > 0))
            logscale = 0;
    if (sim_file_open (&dat, d->dir, "gnuplot/costcurve.dat", err, errlen) != 0)
        goto fail;
    fputs ("# index 0: utilization_pct\trobotaxi_yuan_per_km\thuman_yuan_per_km\n", dat.f);
    for (size_t r = 0; r < csv.nrows; r++) {
        s_dat_num (dat.f, 100 * s_csv_val (&csv, r, col[0]));
        fputc ('\t', dat.f);
        s_dat_num (dat.f, s_csv_val (&csv, r, col[1]));
        fputc ('\t', dat.f);
        s_dat_num (dat.f, s_csv_val (&csv, r, col[2]));
        fputc ('\n', dat.f);
    }
    int block[2] = {-1, -1}, blocks = 1;
    for (int fl = 0; fl < 2; fl++) {
        if (!isfinite (point[fl][0]) || !isfinite (point[fl][1]))
            continue;
        block[fl] = blocks++;
        fprintf (dat.f, "\n\n# index %d: %s today: utilization_pct\tyuan_per_km\tlabel\n", block[fl], fleets[fl]);
        s_dat_num (dat.f, point[fl][0]);
        fputc ('\t', dat.f);
        s_dat_num (dat.f, point[fl][1]);
        fprintf (dat.f, "\t%s today: %.0f%% at %.2f yuan/km\n", s_fleet_label (fleets[fl]), point[fl][0],
                 point[fl][1]);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    if (s_gp_begin_run (d, &gp, "costcurve", "Cost per km against utilization", "Cost per km against utilization",
                        "Cost per km in yuan against the share of on-shift time carrying a rider, for both fleets, "
                        "with where each fleet ran today",
                        err, errlen) != 0)
        goto fail;
    FILE *f = gp.f;
    fputs ("set xlabel 'utilization: share of on-shift time carrying a rider, %'\n"
           "set ylabel 'cost per km, yuan'\n"
           "set xrange [0:100]\n"
           "set key top right\n",
           f);
    fputs (logscale ? "set logscale y\n" : "set yrange [0:*]\n", f);
    int n = 0;
    s_clause (f, &n);
    fputs ("'gnuplot/costcurve.dat' index 0 using 1:2 with lines linewidth 2.5 linecolor rgb '" S_ROBOTAXI "' "
           "title 'robotaxi'",
           f);
    s_clause (f, &n);
    fputs ("'' index 0 using 1:3 with lines linewidth 2.5 linecolor rgb '" S_HUMAN "' title 'human ride-hail'", f);
    for (int fl = 0; fl < 2; fl++) {
        if (block[fl] < 0)
            continue;
        s_clause (f, &n);
        fprintf (f, "'' index %d using 1:2 with points pointtype 7 pointsize 1.6 linecolor rgb '%s' notitle",
                 block[fl], colour[fl]);
        s_clause (f, &n);
        fprintf (f, "'' index %d using 1:2:3 with labels left offset character 1,%s textcolor rgb '%s' notitle",
                 block[fl], fl == 0 ? "0.9" : "-0.9", colour[fl]);
    }
    fputc ('\n', f);
    if (sim_file_close (&gp, err, errlen) != 0)
        goto fail;
    sim_csv_free (&csv);
    return 0;
fail:
    sim_file_abandon (&dat);
    sim_file_abandon (&gp);
    sim_csv_free (&csv);
    return -1;
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
s_plot_choice (s_draw_t *d, char *err, size_t errlen)
{
    static const char *const need[] = {"price_factor", "robotaxi_yuan_10km", "robotaxi_share", "human_share",
                                       "other_share"};
    int col[S_COUNT (need)];
    sim_csv_t csv;
    sim_file_t dat = {0}, gp = {0};
    s_choice_t *rows = NULL;
    int rc = s_csv_open (&csv, d->dir, "choice.csv", need, col, S_COUNT (need), NULL, err, errlen);
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
        c->factor = s_csv_val (&csv, r, col[0]);
        c->price = s_csv_val (&csv, r, col[1]);
        c->robotaxi = 100 * s_csv_val (&csv, r, col[2]);
        c->human = 100 * s_csv_val (&csv, r, col[3]);
        c->other = 100 * s_csv_val (&csv, r, col[4]);
        if (fabs (c->factor - 1) < 1e-9)
            today = c->price;
    }
    qsort (rows, csv.nrows, sizeof *rows, s_cmp_choice);
    if (sim_file_open (&dat, d->dir, "gnuplot/choice.dat", err, errlen) != 0)
        goto fail;
    fputs ("# robotaxi_yuan_10km\trobotaxi_pct\thuman_pct\tother_pct\tprice_factor\n", dat.f);
    for (size_t r = 0; r < csv.nrows; r++) {
        const double v[] = {rows[r].price, rows[r].robotaxi, rows[r].human, rows[r].other, rows[r].factor};
        for (size_t i = 0; i < S_COUNT (v); i++) {
            if (i)
                fputc ('\t', dat.f);
            s_dat_num (dat.f, v[i]);
        }
        fputc ('\n', dat.f);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        goto fail;
    if (s_gp_begin_run (d, &gp, "choice", "Riders' choice against the robotaxi fare",
                        "Riders' choice against the robotaxi fare",
                        "Predicted shares of riders choosing a robotaxi, human ride-hail or another way against the "
                        "robotaxi fare for 10 km",
                        err, errlen) != 0)
        goto fail;
    FILE *f = gp.f;
    fputs ("set xlabel 'robotaxi fare for 10 km, yuan'\n"
           "set ylabel 'predicted share of riders, %'\n"
           "set yrange [0:100]\n"
           "set key top right\n",
           f);
    if (isfinite (today))
        fprintf (f, "set arrow 1 from %g, graph 0 to %g, graph 1 nohead dashtype 2 linecolor rgb '" S_GREY "'\n"
                    "set label 1 'today''s fare' at %g, graph 0.97 left offset character 0.5,0 "
                    "textcolor rgb '" S_GREY "'\n",
                 today, today, today);
    fputs ("plot 'gnuplot/choice.dat' using 1:2 with linespoints linewidth 2.5 pointtype 7 pointsize 0.6 "
           "linecolor rgb '" S_ROBOTAXI "' title 'robotaxi', \\\n"
           "     '' using 1:3 with linespoints linewidth 2.5 pointtype 7 pointsize 0.6 linecolor rgb '" S_HUMAN "' "
           "title 'human ride-hail', \\\n"
           "     '' using 1:4 with linespoints linewidth 1.5 pointtype 6 pointsize 0.6 linecolor rgb '" S_GREY "' "
           "title 'other ways'\n",
           f);
    if (sim_file_close (&gp, err, errlen) != 0)
        goto fail;
    free (rows);
    sim_csv_free (&csv);
    return 0;
fail:
    sim_file_abandon (&dat);
    sim_file_abandon (&gp);
    free (rows);
    sim_csv_free (&csv);
    return -1;
}

/* Reads DIR/days.csv into *days when there is one. */
static int
s_load_days (const char *dir, sim_csv_t *days, char *err, size_t errlen)
{
    static const char *const need[] = {"day", "active_drivers", "driver_net_hourly_yuan"};
    int col[S_COUNT (need)];
    int rc = s_csv_open (days, dir, "days.csv", need, col, S_COUNT (need), NULL, err, errlen);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    int displaced = sim_csv_col (days, "displaced_drivers");
    if (s_csv_numeric (days, &displaced, 1, err, errlen) != 0) {
        sim_csv_free (days);
        return -1;
    }
    return 0;
}

/* days.svg, for two days or more: active drivers (and those displaced) and their net hourly earnings by day. */
static int
s_plot_days (s_draw_t *d, const sim_csv_t *days, char *err, size_t errlen)
{
    if (days->nrows < 2)
        return 0;
    sim_file_t dat = {0}, gp = {0};
    int col[] = {sim_csv_col (days, "day"), sim_csv_col (days, "active_drivers"),
                 sim_csv_col (days, "driver_net_hourly_yuan"), sim_csv_col (days, "displaced_drivers")};
    if (sim_file_open (&dat, d->dir, "gnuplot/days.dat", err, errlen) != 0)
        return -1;
    fputs ("# day\tactive_drivers\tdriver_net_hourly_yuan\tdisplaced_drivers\n", dat.f);
    for (size_t r = 0; r < days->nrows; r++) {
        for (size_t i = 0; i < S_COUNT (col); i++) {
            if (i)
                fputc ('\t', dat.f);
            s_dat_num (dat.f, s_csv_val (days, r, col[i]));
        }
        fputc ('\n', dat.f);
    }
    if (sim_file_close (&dat, err, errlen) != 0)
        return -1;
    if (s_gp_begin_run (d, &gp, "days", "Human drivers by day", "Human drivers by day",
                        "Active human drivers and their net earnings per hour, day by day", err, errlen) != 0)
        return -1;
    FILE *f = gp.f;
    fputs ("set xlabel 'day'\n"
           "set ylabel 'human drivers'\n"
           "set y2label 'drivers'' net earnings, yuan per hour'\n"
           "set yrange [0:*]\n"
           "set y2range [0:*]\n"
           "set y2tics\n"
           "set key below horizontal\n",
           f);
    if (days->nrows <= 31)
        fputs ("set xtics 1\n", f);
    fputs ("plot 'gnuplot/days.dat' using 1:2 with linespoints linewidth 2.5 pointtype 7 linecolor rgb '" S_HUMAN
           "' title 'active drivers'",
           f);
    if (col[3] >= 0)
        fputs (", \\\n     '' using 1:4 with linespoints linewidth 2 dashtype 2 pointtype 6 linecolor rgb '" S_GREY
               "' title 'drivers displaced (against no robotaxis)'",
               f);
    fputs (", \\\n     '' using 1:3 axes x1y2 with linespoints linewidth 2.5 pointtype 5 linecolor rgb '" S_GREEN
           "' title 'net yuan per hour (right axis)'\n",
           f);
    return sim_file_close (&gp, err, errlen);
}

/* A table with one column per fleet: rows show obj[fleet][key]. */
static void
s_html_fleet_table (FILE *f, const json_t *fleets)
{
    static const char *const names[] = {"robotaxi", "human"};
    fputs ("<table>\n<tr><th></th>", f);
    for (size_t i = 0; i < S_COUNT (names); i++)
        fprintf (f, "<th class=\"n\">%s</th>", s_fleet_label (names[i]));
    fputs ("</tr>\n", f);
    for (size_t r = 0; r < S_COUNT (s_fleet_rows); r++) {
        fprintf (f, "<tr><th>%s</th>", s_fleet_rows[r].label);
        for (size_t i = 0; i < S_COUNT (names); i++) {
            fputs ("<td class=\"n\">", f);
            s_html_num (f, s_json_num (json_object_get (fleets, names[i]), s_fleet_rows[r].key), s_fleet_rows[r].fmt);
            fputs ("</td>", f);
        }
        fputs ("</tr>\n", f);
    }
    fputs ("</table>\n", f);
}

static void
s_html_costs (FILE *f, const sim_csv_t *costs)
{
    int fleet = sim_csv_col (costs, "fleet");
    fputs ("<h2>Costs</h2>\n<table>\n<tr><th></th>", f);
    for (size_t r = 0; r < costs->nrows; r++) {
        fputs ("<th class=\"n\">", f);
        s_html (f, s_fleet_label (sim_csv_cell (costs, r, fleet)));
        fputs ("</th>", f);
    }
    fputs ("</tr>\n", f);
    for (size_t i = 0; i < S_COUNT (s_cost_rows); i++) {
        const s_row_t *row = &s_cost_rows[i];
        if (!row->key) {
            fprintf (f, "<tr class=\"sec\"><th colspan=\"%zu\">%s</th></tr>\n", costs->nrows + 1, row->label);
            continue;
        }
        int c = sim_csv_col (costs, row->key);
        if (c < 0)
            continue;
        fprintf (f, "<tr><th>%s</th>", row->label);
        for (size_t r = 0; r < costs->nrows; r++) {
            fputs ("<td class=\"n\">", f);
            s_html_num (f, s_csv_val (costs, r, c), row->fmt);
            fputs ("</td>", f);
        }
        fputs ("</tr>\n", f);
    }
    fputs ("</table>\n", f);
}

/* "plots not drawn" notes. */
static void
s_html_notes (FILE *f, const s_draw_t *d)
{
    if (!d->have_gnuplot) {
        fputs ("<p class=\"note\">plots not drawn: gnuplot not found (" S_APT ").", f);
        if (d->nplots)
            fputs (" Their scripts are in <a href=\"gnuplot/\">gnuplot/</a>: once gnuplot is installed, run "
                   "<code>gnuplot gnuplot/NAME.gp</code> in this folder, or make this page again.",
                   f);
        fputs ("</p>\n", f);
        return;
    }
    for (size_t i = 0; i < d->nplots; i++)
        if (!d->plots[i].drawn) {
            fprintf (f, "<p class=\"note\">%s.svg not drawn: ", d->plots[i].name);
            s_html (f, d->plots[i].error);
            fputs ("</p>\n", f);
        }
}

/* Each drawn plot under its heading. */
static void
s_html_figures (FILE *f, const s_draw_t *d)
{
    for (size_t i = 0; i < d->nplots; i++) {
        const s_plot_t *p = &d->plots[i];
        if (!p->drawn)
            continue;
        fputs ("<h2>", f);
        s_html (f, p->heading);
        fprintf (f, "</h2>\n<figure><img src=\"%s.svg\" alt=\"", p->name);
        s_html (f, p->alt);
        fprintf (f, "\"><figcaption>drawn by <a href=\"gnuplot/%s.gp\">gnuplot/%s.gp</a> from "
                    "<a href=\"gnuplot/%s.dat\">gnuplot/%s.dat</a></figcaption></figure>\n",
                 p->name, p->name, p->name, p->name);
    }
}

static void
s_run_page (FILE *f, const void *arg)
{
    const s_run_t *run = arg;
    const json_t *root = run->summary;
    char title[320];
    snprintf (title, sizeof title, "robotaxi run: %s", run->draw.scenario);
    s_html_begin (f, title);
    fputs ("<p class=\"meta\">seed ", f);
    const json_t *seed = json_object_get (root, "seed");
    if (json_is_string (seed))
        s_html (f, json_string_value (seed));
    else if (json_is_integer (seed))
        fprintf (f, "%" JSON_INTEGER_FORMAT, json_integer_value (seed));
    else
        fputs (S_NDASH, f);
    const json_t *days = json_object_get (root, "days"), *day = json_object_get (root, "day");
    if (json_is_integer (days))
        fprintf (f, " &middot; %" JSON_INTEGER_FORMAT " day%s", json_integer_value (days),
                 json_integer_value (days) == 1 ? "" : "s");
    else if (json_is_integer (day))
        fprintf (f, " &middot; day %" JSON_INTEGER_FORMAT, json_integer_value (day));
    fputs ("</p>\n", f);
    s_html_notes (f, &run->draw);

    fputs ("<h2>Fleets</h2>\n", f);
    s_html_fleet_table (f, json_object_get (root, "fleets"));
    const json_t *drivers = json_object_get (root, "drivers");
    if (drivers) {
        fputs ("<p>Human drivers: ", f);
        s_html_num (f, s_json_num (drivers, "drivers"), S_N0);
        fputs (" worked ", f);
        s_html_num (f, s_json_num (drivers, "hours_online"), S_N0);
        fputs (" h; gross ", f);
        s_html_num (f, s_json_num (drivers, "gross_hourly_yuan"), S_N1);
        fputs (" yuan/h, net ", f);
        s_html_num (f, s_json_num (drivers, "net_hourly_yuan"), S_N1);
        fputs (" yuan/h, net ", f);
        s_html_num (f, s_json_num (drivers, "net_daily_yuan"), S_N0);
        fputs (" yuan/day each; ", f);
        s_html_num (f, s_json_num (drivers, "net_income_yuan"), S_N0);
        fputs (" yuan net in all.</p>\n", f);
    }
    const json_t *moved = json_object_get (root, "displacement");
    if (moved) {
        fputs ("<h2>Displacement against the same day without robotaxis</h2>\n<table>\n", f);
        for (size_t i = 0; i < S_COUNT (s_displacement_rows); i++) {
            fprintf (f, "<tr><th>%s</th><td class=\"n\">", s_displacement_rows[i].label);
            s_html_num (f, s_json_num (moved, s_displacement_rows[i].key), s_displacement_rows[i].fmt);
            fputs ("</td></tr>\n", f);
        }
        fputs ("</table>\n", f);
    }
    if (run->costs.ncols)
        s_html_costs (f, &run->costs);
    if (run->days.ncols) {
        fputs ("<h2>Days</h2>\n", f);
        s_html_csv (f, &run->days);
    }
    s_html_figures (f, &run->draw);
    s_html_files (f, run->draw.dir);
    fputs ("</body>\n</html>\n", f);
}

/* Draws, then writes report.html whatever the drawing gave; rc is what the drawing returned. */
static int
s_finish (s_draw_t *d, void (*page) (FILE *, const void *), const void *arg, char *err, size_t errlen)
{
    int rc = s_draw_all (d, err, errlen);
    char report_err[512];
    if (s_write_report (d->dir, page, arg, report_err, sizeof report_err) != 0)
        return map_error (err, errlen, "%s", report_err);
    return rc;
}

int
sim_plot_run (const char *dir, char *err, size_t errlen)
{
    if (s_check_dir (dir, err, errlen) != 0)
        return -1;
    s_run_t *run = calloc (1, sizeof *run);
    if (!run)
        return map_error (err, errlen, "%s: out of memory", dir);
    int rc = -1;
    s_draw_init (&run->draw, dir);
    s_draw_t *d = &run->draw;
    if (s_load_summary (run, err, errlen) != 0 || s_load_costs (d->dir, &run->costs, err, errlen) != 0 ||
        s_load_days (d->dir, &run->days, err, errlen) != 0 || s_gnuplot_dir (d->dir, err, errlen) != 0)
        goto done;
    if (s_plot_fares (d, err, errlen) != 0 || s_plot_utilization (d, err, errlen) != 0 ||
        s_plot_waits (d, err, errlen) != 0 || s_plot_costcurve (d, &run->costs, err, errlen) != 0 ||
        s_plot_choice (d, err, errlen) != 0 || s_plot_days (d, &run->days, err, errlen) != 0)
        goto done;
    rc = s_finish (d, s_run_page, run, err, errlen);
done:
    json_decref (run->summary);
    sim_csv_free (&run->costs);
    sim_csv_free (&run->days);
    free (run);
    return rc;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* a sweep's folder */

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
        double v = a->numeric ? s_csv_val (csv, r, col) : 0;
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
        a->of_row[r] = s_axis_find (a, sim_csv_cell (csv, r, col), a->numeric ? s_csv_val (csv, r, col) : 0);
    return 0;
}

enum { S_M_DRIVERS, S_M_NET, S_M_SHARE, S_METRICS };

typedef struct {
    s_draw_t draw;
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
}

/* Reads sweep.csv, finds keys and metrics, and takes the means per key value. */
static int
s_sweep_load (s_sweep_t *s, char *err, size_t errlen)
{
    static const char *const need[S_METRICS] = {"active_drivers", "driver_net_hourly_yuan", "robotaxi_share"};
    int rc = s_csv_load (&s->csv, s->draw.dir, "sweep.csv", err, errlen);
    if (rc > 0)
        return map_error (err, errlen, "%s/sweep.csv: %s", s->draw.dir, strerror (ENOENT));
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
            double v = s_csv_val (csv, r, s->metric[m]);
            if (isfinite (v)) {
                s->sum[at + (size_t) m] += m == S_M_SHARE ? 100 * v : v;
                s->count[at + (size_t) m]++;
            }
        }
    }
    return 0;
}

/* DIR/gnuplot/NAME.dat: one block (gnuplot index) per series, a row per value of the first key with runs. */
static int
s_sweep_dat (const s_sweep_t *s, const char *name, char *err, size_t errlen)
{
    char file[64];
    snprintf (file, sizeof file, "gnuplot/%s.dat", name);
    sim_file_t dat;
    if (sim_file_open (&dat, s->draw.dir, file, err, errlen) != 0)
        return -1;
    size_t ns = s->series.n ? s->series.n : 1;
    fprintf (dat.f, "# %s (mean of the runs with this value, %s)\n", s->x.name, s->over);
    for (size_t si = 0; si < ns; si++) {
        if (si)
            fputs ("\n\n", dat.f);
        fputs ("# index ", dat.f);
        fprintf (dat.f, "%zu: ", si);
        if (s->series.n) {
            s_dat_text (dat.f, s->series.name);
            fputs (" = ", dat.f);
            s_dat_text (dat.f, s->series.text[si]);
        } else
            fputs ("all runs", dat.f);
        fputs ("\n# x\tvalue\truns\tactive_drivers\tdriver_net_hourly_yuan\trobotaxi_share_pct\n", dat.f);
        for (size_t xi = 0; xi < s->x.n; xi++) {
            size_t at = (si * s->x.n + xi) * S_METRICS, runs = 0;
            for (int m = 0; m < S_METRICS; m++)
                runs = s->count[at + (size_t) m] > runs ? s->count[at + (size_t) m] : runs;
            if (!runs)
                continue;
            s_dat_num (dat.f, s->x.numeric ? s->x.num[xi] : (double) xi);
            fputc ('\t', dat.f);
            s_dat_text (dat.f, s->x.text[xi]);
            fprintf (dat.f, "\t%zu", runs);
            for (int m = 0; m < S_METRICS; m++) {
                fputc ('\t', dat.f);
                size_t k = s->count[at + (size_t) m];
                s_dat_num (dat.f, k ? s->sum[at + (size_t) m] / (double) k : NAN);
            }
            fputc ('\n', dat.f);
        }
    }
    return sim_file_close (&dat, err, errlen);
}

/* The x axis of a sweep plot: the first key's values as tics when there are few, or its words. */
static void
s_sweep_xaxis (FILE *f, const s_sweep_t *s)
{
    fputs ("set xlabel ", f);
    s_gp_str (f, s->x.name);
    fputc ('\n', f);
    if (s->x.numeric && s->x.n > 12)
        return;
    fputs ("set xtics (", f);
    for (size_t i = 0; i < s->x.n; i++) {
        if (i)
            fputs (", ", f);
        s_gp_str (f, s->x.text[i]);
        fputc (' ', f);
        s_dat_num (f, s->x.numeric ? s->x.num[i] : (double) i);
    }
    fputs (")\n", f);
    if (!s->x.numeric)
        fprintf (f, "set xrange [-0.5:%g]\n", (double) s->x.n - 0.5);
    else if (s->x.n > 1)
        fprintf (f, "set offsets graph 0.03, graph 0.03, 0, 0\n");
}

/* A legend entry: what, then the series' key and value when lines are drawn per value. */
static void
s_sweep_title (FILE *f, const s_sweep_t *s, size_t si, const char *what)
{
    char buf[400];
    if (s->series.n)
        snprintf (buf, sizeof buf, "%s, %s = %s", what, s->series.name, s->series.text[si]);
    else
        snprintf (buf, sizeof buf, "%s", what);
    fputs (" title ", f);
    s_gp_str (f, buf);
}

static int
s_plot_sweep_drivers (s_sweep_t *s, char *err, size_t errlen)
{
    if (s_sweep_dat (s, "sweep_drivers", err, errlen) != 0)
        return -1;
    char title[600], alt[600];
    snprintf (title, sizeof title, "Active drivers and their net earnings against %s (%s)", s->x.name, s->over);
    snprintf (alt, sizeof alt, "Active human drivers and their net earnings per hour against %s", s->x.name);
    sim_file_t gp;
    if (s_gp_begin (&s->draw, &gp, "sweep_drivers", "Drivers against the first swept key", alt, title, err, errlen) !=
        0)
        return -1;
    FILE *f = gp.f;
    s_sweep_xaxis (f, s);
    fputs ("set ylabel 'active human drivers'\n"
           "set y2label 'drivers'' net earnings, yuan per hour'\n"
           "set yrange [0:*]\n"
           "set y2range [0:*]\n"
           "set y2tics\n"
           "set key below horizontal\n",
           f);
    int n = 0;
    size_t ns = s->series.n ? s->series.n : 1;
    for (size_t si = 0; si < ns; si++) {
        const char *c = s->series.n ? s_series_colour[si] : S_HUMAN;
        s_clause (f, &n);
        fprintf (f, "'gnuplot/sweep_drivers.dat' index %zu using 1:4 with linespoints linewidth 2.5 pointtype 7 "
                    "linecolor rgb '%s'",
                 si, c);
        s_sweep_title (f, s, si, "active drivers");
        s_clause (f, &n);
        fprintf (f, "'' index %zu using 1:5 axes x1y2 with linespoints linewidth 2 dashtype 2 pointtype 6 "
                    "linecolor rgb '%s'",
                 si, s->series.n ? c : S_GREEN);
        s_sweep_title (f, s, si, "net yuan per hour (right axis)");
    }
    fputc ('\n', f);
    return sim_file_close (&gp, err, errlen);
}

static int
s_plot_sweep_share (s_sweep_t *s, char *err, size_t errlen)
{
    if (s_sweep_dat (s, "sweep_share", err, errlen) != 0)
        return -1;
    char title[600], alt[600];
    snprintf (title, sizeof title, "Robotaxi share of trips against %s (%s)", s->x.name, s->over);
    snprintf (alt, sizeof alt, "Robotaxi share of trips against %s", s->x.name);
    sim_file_t gp;
    if (s_gp_begin (&s->draw, &gp, "sweep_share", "Robotaxi share against the first swept key", alt, title, err,
                    errlen) != 0)
        return -1;
    FILE *f = gp.f;
    s_sweep_xaxis (f, s);
    fputs ("set ylabel 'robotaxi share of trips, %'\n"
           "set yrange [0:*]\n"
           "set key below horizontal\n",
           f);
    int n = 0;
    size_t ns = s->series.n ? s->series.n : 1;
    for (size_t si = 0; si < ns; si++) {
        s_clause (f, &n);
        fprintf (f, "'gnuplot/sweep_share.dat' index %zu using 1:6 with linespoints linewidth 2.5 pointtype 7 "
                    "linecolor rgb '%s'",
                 si, s->series.n ? s_series_colour[si] : S_ROBOTAXI);
        s_sweep_title (f, s, si, "robotaxi share");
    }
    fputc ('\n', f);
    return sim_file_close (&gp, err, errlen);
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
    s_html_begin (f, title);
    fprintf (f, "<p class=\"meta\">%zu run%s; swept: ", s->csv.nrows, s->csv.nrows == 1 ? "" : "s");
    size_t k = 0;
    for (size_t c = 0; c < s->csv.ncols; c++)
        if (strchr (s->csv.names[c], '.')) {
            if (k++)
                fputs (", ", f);
            s_html (f, s->csv.names[c]);
        }
    fputs (". Plotted points are the ", f);
    s_html (f, s->over);
    fputs (".</p>\n", f);
    s_html_notes (f, &s->draw);
    s_html_figures (f, &s->draw);
    fputs ("<h2>Runs</h2>\n", f);
    s_html_csv (f, &s->csv);
    s_html_files (f, s->draw.dir);
    fputs ("</body>\n</html>\n", f);
}

int
sim_plot_sweep (const char *dir, char *err, size_t errlen)
{
    if (s_check_dir (dir, err, errlen) != 0)
        return -1;
    s_sweep_t *s = calloc (1, sizeof *s);
    if (!s)
        return map_error (err, errlen, "%s: out of memory", dir);
    int rc = -1;
    s_draw_init (&s->draw, dir);
    if (s_sweep_load (s, err, errlen) != 0 || s_gnuplot_dir (s->draw.dir, err, errlen) != 0)
        goto done;
    if (s->csv.nrows && (s_plot_sweep_drivers (s, err, errlen) != 0 || s_plot_sweep_share (s, err, errlen) != 0))
        goto done;
    rc = s_finish (&s->draw, s_sweep_page, s, err, errlen);
done:
    s_sweep_free (s);
    free (s);
    return rc;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* a regression suite's folder */

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
    s_draw_t draw;
    sim_csv_t csv;
    int col[8];
    s_names_t scenarios, policies, metrics;
} s_regress_t;

enum { S_R_SCENARIO, S_R_POLICY, S_R_METRIC, S_R_BETTER, S_R_BASELINE, S_R_CHANGE, S_R_TOLERANCE, S_R_STATUS };

/* A row's change in tolerances, signed so that up is better, clamped to S_REGRESS_CLAMP; NaN when not compared. */
static double
s_regress_y (const s_regress_t *r, size_t row)
{
    double change = s_csv_val (&r->csv, row, r->col[S_R_CHANGE]);
    double tol = s_csv_val (&r->csv, row, r->col[S_R_TOLERANCE]);
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
    int rc = s_csv_load (&r->csv, r->draw.dir, "regress.csv", err, errlen);
    if (rc > 0)
        return map_error (err, errlen, "%s/regress.csv: %s", r->draw.dir, strerror (ENOENT));
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
    if (sim_file_open (&dat, r->draw.dir, "gnuplot/regress.dat", err, errlen) != 0)
        return -1;
    size_t np = r->policies.n;
    double width = 0.8 / (double) (np ? np : 1);
    for (size_t m = 0; m < r->metrics.n; m++) {
        fprintf (dat.f, "%s# index %zu: ", m ? "\n\n" : "", m);
        s_dat_text (dat.f, r->metrics.name[m]);
        fputs ("\n# x\tchange_in_tolerances\tpolicy\tworse\tlabel\tscenario\tpolicy_name\tstatus\n", dat.f);
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
            double base = s_csv_val (c, row, r->col[S_R_BASELINE]);
            double change = s_csv_val (c, row, r->col[S_R_CHANGE]);
            char label[64];
            if (base != 0 && isfinite (base) && isfinite (change))
                snprintf (label, sizeof label, "%+.1f%%", 100 * change / fabs (base));
            else
                snprintf (label, sizeof label, "%+.3g", change);
            s_dat_num (dat.f, (double) s + ((double) p - (double) (np - 1) / 2) * width);
            fputc ('\t', dat.f);
            s_dat_num (dat.f, y);
            fprintf (dat.f, "\t%zu\t%d\t", p, worse);
            s_dat_text (dat.f, label);
            fputc ('\t', dat.f);
            s_dat_text (dat.f, r->scenarios.name[s]);
            fputc ('\t', dat.f);
            s_dat_text (dat.f, r->policies.name[p]);
            fputc ('\t', dat.f);
            s_dat_text (dat.f, status);
            fputc ('\n', dat.f);
        }
    }
    return sim_file_close (&dat, err, errlen);
}

/* regress.svg: one panel per gated metric; in each, a bar per scenario and policy: the change against the baseline
 * in units of the metric's tolerance, up is better. The band within tolerance is grey, the regressions' side red,
 * and each regression carries its change in per cent. */
static int
s_plot_regress (s_regress_t *r, char *err, size_t errlen)
{
    if (s_regress_dat (r, err, errlen) != 0)
        return -1;
    sim_file_t gp;
    if (s_gp_begin (&r->draw, &gp, "regress", "Change against the baselines",
                    "For each gated metric, the change of each policy in each scenario against its baseline, in units "
                    "of the metric's tolerance; regressions are marked WORSE",
                    "", err, errlen) != 0)
        return -1;
    FILE *f = gp.f;
    size_t rows = (r->metrics.n + 1) / 2;
    /* a taller page for the panels: the common settings' size is for one plot */
    fprintf (f, "set terminal svg size 1200,%zu dynamic noenhanced font 'sans,11' background rgb 'white'\n"
                "set output 'regress.svg'\nunset title\n",
             140 + 300 * (rows ? rows : 1));
    fputs ("set style fill solid 0.85 border rgb '#333333'\n", f);
    fprintf (f, "set boxwidth %g\n", 0.8 / (double) (r->policies.n ? r->policies.n : 1) * 0.9);
    fprintf (f, "set yrange [%g:%g]\n", -S_REGRESS_CLAMP - 0.8, S_REGRESS_CLAMP + 0.8);
    fprintf (f, "set xrange [-0.6:%g]\n", (double) r->scenarios.n - 0.4);
    fputs ("set ytics ('-4' -4, '-2' -2, '-1' -1, '0' 0, '+1' 1, '+2' 2, '+4' 4)\n"
           "set xtics rotate by 20 right nomirror\n"
           "set ylabel 'tolerances (up = better)'\n"
           "set object 1 rectangle from graph 0, first -1 to graph 1, first 1 fillcolor rgb '#e8e8e8' "
           "fillstyle solid noborder behind\n",
           f);
    fprintf (f, "set object 2 rectangle from graph 0, graph 0 to graph 1, first -1 fillcolor rgb '#f9d6cc' "
                "fillstyle solid noborder behind\n"
                "set xzeroaxis linecolor rgb '#555555'\n");
    fputs ("set xtics (", f);
    for (size_t s = 0; s < r->scenarios.n; s++) {
        if (s)
            fputs (", ", f);
        s_gp_str (f, r->scenarios.name[s]);
        fprintf (f, " %zu", s);
    }
    fputs (")\n", f);
    /* room at the top for the title and the one legend of the policies' colours */
    double top = 1.0 - 90.0 / (140.0 + 300.0 * (double) (rows ? rows : 1));
    fprintf (f, "set multiplot layout %zu,2 margins 0.07,0.98,0.05,%.3f spacing 0.08,0.09 title 'Change against "
                "the baselines, in units of each metric''s tolerance (grey: within it; red: a regression, marked "
                "WORSE with its change)' font 'sans,13'\n",
             rows ? rows : 1, top);
    for (size_t m = 0; m < r->metrics.n; m++) {
        const char *better = "";
        for (size_t row = 0; row < r->csv.nrows; row++)
            if (strcmp (sim_csv_cell (&r->csv, row, r->col[S_R_METRIC]), r->metrics.name[m]) == 0)
                better = sim_csv_cell (&r->csv, row, r->col[S_R_BETTER]);
        char title[160];
        snprintf (title, sizeof title, "%s (%s is better)", r->metrics.name[m], better);
        fputs ("set title ", f);
        s_gp_str (f, title);
        fputc ('\n', f);
        if (m == 0)
            fprintf (f, "set key at screen 0.5, screen %.3f center horizontal box\n", top + (1.0 - top) * 0.35);
        else
            fputs ("unset key\n", f);
        int n = 0;
        for (size_t p = 0; p < r->policies.n; p++) {
            s_clause (f, &n);
            fprintf (f, "'gnuplot/regress.dat' index %zu using 1:($3 == %zu ? $2 : 1/0) with boxes linecolor rgb "
                        "'%s' title ",
                     m, p, s_series_colour[p % S_SERIES_MAX]);
            s_gp_str (f, r->policies.name[p]);
        }
        s_clause (f, &n);
        fprintf (f, "'gnuplot/regress.dat' index %zu using 1:($4 == 1 ? ($2 < 0 ? $2 - 0.45 : $2 + 0.45) : 1/0):"
                    "(sprintf('WORSE %%s', strcol(5))) with labels font 'sans,9' textcolor rgb '#b00000' notitle\n",
                 m);
    }
    fputs ("unset multiplot\n", f);
    return sim_file_close (&gp, err, errlen);
}

static void
s_regress_page (FILE *f, const void *arg)
{
    const s_regress_t *r = arg;
    s_html_begin (f, "robotaxi regression suite");
    fprintf (f, "<p class=\"meta\">%zu scenario%s &middot; %zu polic%s &middot; %zu gated metric%s</p>\n",
             r->scenarios.n, r->scenarios.n == 1 ? "" : "s", r->policies.n, r->policies.n == 1 ? "y" : "ies",
             r->metrics.n, r->metrics.n == 1 ? "" : "s");
    s_html_notes (f, &r->draw);
    s_html_figures (f, &r->draw);
    fputs ("<h2>Every gated metric</h2>\n", f);
    s_html_csv (f, &r->csv);
    s_html_files (f, r->draw.dir);
    fputs ("</body>\n</html>\n", f);
}

int
sim_plot_regress (const char *dir, char *err, size_t errlen)
{
    if (s_check_dir (dir, err, errlen) != 0)
        return -1;
    s_regress_t *r = calloc (1, sizeof *r);
    if (!r)
        return map_error (err, errlen, "%s: out of memory", dir);
    int rc = -1;
    s_draw_init (&r->draw, dir);
    if (s_regress_load (r, err, errlen) != 0 || s_gnuplot_dir (r->draw.dir, err, errlen) != 0)
        goto done;
    if (r->metrics.n && s_plot_regress (r, err, errlen) != 0)
        goto done;
    rc = s_finish (&r->draw, s_regress_page, r, err, errlen);
done:
    sim_csv_free (&r->csv);
    free (r);
    return rc;
}
