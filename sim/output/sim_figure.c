/* sim_figure: gnuplot scripts written from figure descriptions, run by gnuplot, and the pieces of report.html. */
#include "sim_figure.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "map_error.h"

#define S_PATH_MAX 4096
#define S_PLOT_MAX 16

const char *
sim_figure_palette (size_t i)
{
    static const char *const colour[SIM_FIGURE_PALETTE] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                           "#E69F00", "#56B4E9", "#000000", "#999999"};
    return colour[i % SIM_FIGURE_PALETTE];
}

/* -------------------------------------------------------------------------------------------------------------- */
/* files of the results folder */

int
sim_figure_path (char *buf, size_t len, const char *dir, const char *name, char *err, size_t errlen)
{
    int n = snprintf (buf, len, "%s/%s", dir, name);
    if (n < 0 || (size_t) n >= len)
        return map_error (err, errlen, "%s/%s: path too long", dir, name);
    return 0;
}

int
sim_figure_check_dir (const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat (dir, &st) != 0)
        return map_error (err, errlen, "%s: %s", dir, strerror (errno));
    if (!S_ISDIR (st.st_mode))
        return map_error (err, errlen, "%s: not a folder", dir);
    return 0;
}

int
sim_figure_csv_load (sim_csv_t *csv, const char *dir, const char *name, char *err, size_t errlen)
{
    char path[S_PATH_MAX];
    memset (csv, 0, sizeof *csv);
    if (sim_figure_path (path, sizeof path, dir, name, err, errlen) != 0)
        return -1;
    return sim_csv_load (csv, path, err, errlen);
}

int
sim_figure_csv_numeric (const sim_csv_t *csv, const int *col, size_t n, char *err, size_t errlen)
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

double
sim_figure_csv_val (const sim_csv_t *csv, size_t row, int col)
{
    double v;
    if (col < 0 || sim_csv_parse_number (sim_csv_cell (csv, row, col), &v) != 0)
        return NAN;
    return v;
}

int
sim_figure_csv_open (sim_csv_t *csv, const char *dir, const char *name, const char *const *need, int *col, size_t n,
                     const char *text, char *err, size_t errlen)
{
    int rc = sim_figure_csv_load (csv, dir, name, err, errlen);
    if (rc != 0)
        return rc;
    if (sim_csv_need (csv, need, col, n, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        int c = text && strcmp (need[i], text) == 0 ? -1 : col[i];
        if (sim_figure_csv_numeric (csv, &c, 1, err, errlen) != 0)
            goto fail;
    }
    return 0;
fail:
    sim_csv_free (csv);
    return -1;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* writing for gnuplot */

void
sim_figure_gp_str (FILE *f, const char *s)
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

void
sim_figure_dat_text (FILE *f, const char *s)
{
    if (!*s)
        fputc ('-', f);
    for (; *s; s++)
        fputc ((unsigned char) *s < 0x20 ? ' ' : *s, f);
}

void
sim_figure_dat_num (FILE *f, double v)
{
    if (isfinite (v))
        fprintf (f, "%.6g", v);
    else
        fputs ("NaN", f);
}

void
sim_figure_clause (FILE *f, const sim_figure_t *fig, const sim_figure_series_t *s, int *n)
{
    fputs ((*n)++ ? ", \\\n     " : "plot ", f);
    if (s->data)
        sim_figure_gp_str (f, s->data);
    else
        fprintf (f, "'gnuplot/%s.dat'", fig->name);
    if (fig->blocks)
        fprintf (f, " index %d", s->index);
    fprintf (f, " using %s", s->using);
    if (s->axes)
        fprintf (f, " axes %s", s->axes);
    fprintf (f, " with %s", s->with);
    /* labels are text: gnuplot colours them with textcolor */
    if (s->colour)
        fprintf (f, " %s rgb '%s'", strncmp (s->with, "labels", 6) == 0 ? "textcolor" : "linecolor", s->colour);
    if (s->title) {
        fputs (" title ", f);
        sim_figure_gp_str (f, s->title);
    } else
        fputs (" notitle", f);
}

/* The axes' lines: every label, then every range, then every axis's tics, each x, y, y2. */
static void
s_axes (FILE *f, const sim_figure_t *fig)
{
    const sim_figure_axis_t *axis[] = {&fig->x, &fig->y, &fig->y2};
    static const char *const name[] = {"x", "y", "y2"};
    for (size_t i = 0; i < 3; i++)
        if (axis[i]->label) {
            fprintf (f, "set %slabel ", name[i]);
            sim_figure_gp_str (f, axis[i]->label);
            fputc ('\n', f);
        }
    for (size_t i = 0; i < 3; i++)
        if (axis[i]->range)
            fprintf (f, "set %srange [%s]\n", name[i], axis[i]->range);
    for (size_t i = 0; i < 3; i++)
        if (axis[i]->tics)
            fprintf (f, "set %stics%s%s\n", name[i], axis[i]->tics[0] ? " " : "", axis[i]->tics);
}

/* The whole script of fig into f. */
static void
s_script (FILE *f, const sim_figure_t *fig)
{
    const char *name = fig->name;
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
    sim_figure_gp_str (f, fig->title ? fig->title : "");
    fputc ('\n', f);
    if (fig->head)
        fig->head (f, fig->arg);
    s_axes (f, fig);
    for (const char *const *line = fig->settings; line && *line; line++)
        fprintf (f, "%s\n", *line);
    if (fig->tail)
        fig->tail (f, fig->arg);
    int n = 0;
    for (const sim_figure_series_t *s = fig->series; s && s->using; s++)
        if ((s->when & ~fig->have) == 0)
            sim_figure_clause (f, fig, s, &n);
    if (n)
        fputc ('\n', f);
}

/* -------------------------------------------------------------------------------------------------------------- */
/* the figures of a folder */

typedef struct {
    char name[32];         /* NAME: gnuplot/NAME.gp draws NAME.svg */
    char heading[160];
    char alt[320];
    int drawn;
    char error[512];       /* why gnuplot failed on it */
} s_plot_t;

struct sim_figure_folder_t {
    char dir[S_PATH_MAX];
    s_plot_t plots[S_PLOT_MAX];
    size_t nplots;
    int have_gnuplot;
    char gnuplot[S_PATH_MAX];   /* the program, as an absolute path */
    char missing[512];     /* why gnuplot is not available */
};

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

sim_figure_folder_t *
sim_figure_folder_new (const char *dir)
{
    sim_figure_folder_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->dir, sizeof self->dir, "%s", dir);
    size_t n = strlen (self->dir);
    while (n > 1 && self->dir[n - 1] == '/')
        self->dir[--n] = '\0';
    const char *prog = getenv ("ROBOTAXI_GNUPLOT");
    int from_env = prog && *prog;
    if (!from_env)
        prog = "gnuplot";
    self->have_gnuplot = s_find_program (prog, self->gnuplot, sizeof self->gnuplot) == 0;
    if (!self->have_gnuplot)
        snprintf (self->missing, sizeof self->missing,
                  "gnuplot not found (%s%s): plots not drawn; install it with: " SIM_FIGURE_APT,
                  from_env ? "ROBOTAXI_GNUPLOT=" : "no gnuplot on PATH", from_env ? prog : "");
    return self;
}

void
sim_figure_folder_destroy (sim_figure_folder_t **self_p)
{
    if (self_p && *self_p) {
        free (*self_p);
        *self_p = NULL;
    }
}

const char *
sim_figure_folder_dir (const sim_figure_folder_t *self)
{
    return self->dir;
}

int
sim_figure_folder_make_dir (sim_figure_folder_t *self, char *err, size_t errlen)
{
    char sub[S_PATH_MAX];
    if (sim_figure_path (sub, sizeof sub, self->dir, "gnuplot", err, errlen) != 0)
        return -1;
    if (mkdir (sub, 0777) != 0 && errno != EEXIST)
        return map_error (err, errlen, "%s: %s", sub, strerror (errno));
    return 0;
}

int
sim_figure_folder_dat (const sim_figure_folder_t *self, const sim_figure_t *fig, sim_file_t *dat, char *err,
                       size_t errlen)
{
    char file[64];
    snprintf (file, sizeof file, "gnuplot/%s.dat", fig->name);
    return sim_file_open (dat, self->dir, file, err, errlen);
}

int
sim_figure_folder_add (sim_figure_folder_t *self, const sim_figure_t *fig, char *err, size_t errlen)
{
    if (self->nplots == S_PLOT_MAX)
        return map_error (err, errlen, "%s: too many plots", fig->name);
    char file[64];
    snprintf (file, sizeof file, "gnuplot/%s.gp", fig->name);
    sim_file_t gp;
    if (sim_file_open (&gp, self->dir, file, err, errlen) != 0)
        return -1;
    s_script (gp.f, fig);
    if (sim_file_close (&gp, err, errlen) != 0)
        return -1;
    s_plot_t *p = &self->plots[self->nplots++];
    snprintf (p->name, sizeof p->name, "%s", fig->name);
    snprintf (p->heading, sizeof p->heading, "%s", fig->heading);
    snprintf (p->alt, sizeof p->alt, "%s", fig->alt);
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
s_run_gnuplot (const sim_figure_folder_t *self, const char *name, char *err, size_t errlen)
{
    char script[64];
    snprintf (script, sizeof script, "gnuplot/%s.gp", name);
    FILE *log = tmpfile ();
    if (!log)
        return map_error (err, errlen, "gnuplot: %s.gp: no temporary file for its messages: %s", name,
                          strerror (errno));
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
        if (chdir (self->dir) != 0) {
            dprintf (STDERR_FILENO, "cannot enter %s: %s\n", self->dir, strerror (errno));
            _exit (126);
        }
        char *argv[] = {(char *) self->gnuplot, script, NULL};
        execvp (argv[0], argv);
        dprintf (STDERR_FILENO, "cannot run %s: %s\n", self->gnuplot, strerror (errno));
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
    char why[512]; /* as long as a line of the log: s_first_error never cuts one */
    s_first_error (log, why, sizeof why);
    fclose (log);
    if (!why[0] && WIFEXITED (status))
        snprintf (why, sizeof why, "exit status %d", WEXITSTATUS (status));
    else if (!why[0])
        snprintf (why, sizeof why, "killed by signal %d", WIFSIGNALED (status) ? WTERMSIG (status) : 0);
    return map_error (err, errlen, "gnuplot: %s.gp: %s", name, why);
}

/* Draws every figure added. 0 when all were drawn, 1 when gnuplot is missing (err says so), -1 with the first
 * failure in err (the others are still drawn). A failed plot leaves no SVG behind. */
static int
s_draw_all (sim_figure_folder_t *self, char *err, size_t errlen)
{
    if (!self->have_gnuplot) {
        map_error (err, errlen, "%s", self->missing);
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < self->nplots; i++) {
        s_plot_t *p = &self->plots[i];
        char svg[S_PATH_MAX], file[64], script[64];
        snprintf (file, sizeof file, "%s.svg", p->name);
        snprintf (script, sizeof script, "%s.gp", p->name);
        if (sim_figure_path (svg, sizeof svg, self->dir, file, p->error, sizeof p->error) != 0) {
            if (rc == 0)
                rc = map_error (err, errlen, "%s", p->error);
            continue;
        }
        unlink (svg);   /* an old picture must not pass for this run's */
        struct stat st;
        if (s_run_gnuplot (self, p->name, p->error, sizeof p->error) != 0)
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

int
sim_figure_folder_finish (sim_figure_folder_t *self, sim_figure_page_fn *page, const void *arg, char *err,
                          size_t errlen)
{
    int rc = s_draw_all (self, err, errlen);
    char report_err[512];
    sim_file_t o;
    if (sim_file_open (&o, self->dir, "report.html", report_err, sizeof report_err) != 0)
        return map_error (err, errlen, "%s", report_err);
    page (o.f, arg);
    if (sim_file_close (&o, report_err, sizeof report_err) != 0)
        return map_error (err, errlen, "%s", report_err);
    return rc;
}

/* -------------------------------------------------------------------------------------------------------------- */
/* report.html */

void
sim_figure_html (FILE *f, const char *s)
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

static const char s_css[] =
    "body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;background:#fff}\n"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\n"
    "table{border-collapse:collapse;margin:.5em 0}th,td{padding:.2em .7em;border-bottom:1px solid #e4e4e4}\n"
    "th{text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.sec th{padding-top:.8em;color:#555;font-weight:normal;font-style:italic}\n"
    "figure{margin:1em 0}img{max-width:100%;height:auto;border:1px solid #eee}\n"
    "figcaption{color:#555;font-size:.9em}.wide{overflow-x:auto}.meta{color:#555}\n"
    ".note{background:#fff4e0;border-left:4px solid #e69f00;padding:.5em 1em}\n";

void
sim_figure_html_begin (FILE *f, const char *title)
{
    fputs ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
    sim_figure_html (f, title);
    fprintf (f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", s_css);
    sim_figure_html (f, title);
    fputs ("</h1>\n", f);
}

void
sim_figure_html_csv (FILE *f, const sim_csv_t *csv, int digits)
{
    fputs ("<div class=\"wide\"><table>\n<tr>", f);
    for (size_t c = 0; c < csv->ncols; c++) {
        fputs ("<th class=\"n\">", f);
        sim_figure_html (f, csv->names[c]);
        fputs ("</th>", f);
    }
    fputs ("</tr>\n", f);
    for (size_t r = 0; r < csv->nrows; r++) {
        fputs ("<tr>", f);
        for (size_t c = 0; c < csv->ncols; c++) {
            double v;
            const char *cell = sim_csv_cell (csv, r, (int) c);
            int number = sim_csv_parse_number (cell, &v) == 0;
            fputs (number ? "<td class=\"n\">" : "<td>", f);
            char shown[64];
            if (number && digits > 0 && isfinite (v) && v != trunc (v)) {
                snprintf (shown, sizeof shown, "%.*g", digits, v);
                cell = shown;
            }
            sim_figure_html (f, cell);
            fputs ("</td>", f);
        }
        fputs ("</tr>\n", f);
    }
    fputs ("</table></div>\n", f);
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

void
sim_figure_html_files (FILE *f, const char *dir)
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
        sim_figure_html (f, names[i]);
        fputs ("</a></li>\n", f);
        free (names[i]);
    }
    fputs ("</ul>\n", f);
    free (names);
}

void
sim_figure_folder_html_notes (const sim_figure_folder_t *self, FILE *f)
{
    if (!self->have_gnuplot) {
        fputs ("<p class=\"note\">plots not drawn: gnuplot not found (" SIM_FIGURE_APT ").", f);
        if (self->nplots)
            fputs (" Their scripts are in <a href=\"gnuplot/\">gnuplot/</a>: once gnuplot is installed, run "
                   "<code>gnuplot gnuplot/NAME.gp</code> in this folder, or make this page again.",
                   f);
        fputs ("</p>\n", f);
        return;
    }
    for (size_t i = 0; i < self->nplots; i++)
        if (!self->plots[i].drawn) {
            fprintf (f, "<p class=\"note\">%s.svg not drawn: ", self->plots[i].name);
            sim_figure_html (f, self->plots[i].error);
            fputs ("</p>\n", f);
        }
}

void
sim_figure_folder_html_figures (const sim_figure_folder_t *self, FILE *f)
{
    for (size_t i = 0; i < self->nplots; i++) {
        const s_plot_t *p = &self->plots[i];
        if (!p->drawn)
            continue;
        fputs ("<h2>", f);
        sim_figure_html (f, p->heading);
        fprintf (f, "</h2>\n<figure><img src=\"%s.svg\" alt=\"", p->name);
        sim_figure_html (f, p->alt);
        fprintf (f, "\"><figcaption>drawn by <a href=\"gnuplot/%s.gp\">gnuplot/%s.gp</a> from "
                    "<a href=\"gnuplot/%s.dat\">gnuplot/%s.dat</a></figcaption></figure>\n",
                 p->name, p->name, p->name, p->name);
    }
}
