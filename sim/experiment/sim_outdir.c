/* sim_outdir: what robotaxi-sim writes in a results folder, and clearing it before a run or a sweep writes there. */
#define _GNU_SOURCE /* vasprintf */
#include "sim_outdir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map_error.h"
#include "sim_config.h"
#include "sim_events.h"
#include "sim_file.h"

/* The files of a run's or a sweep's folder (README "Outputs" and "Sweeps"); plots and their scripts are found by
 * their pairing instead (NAME.svg beside gnuplot/NAME.gp), since the plots a report draws change with the data. */
static const char *const s_outputs[] = {
    "config.ini", "summary.json", "costs.csv", "costcurve.csv", "hourly.csv", "days.csv", "fares.csv",
    "waits.csv", "choice.csv", "drivers.csv", SIM_EVENTS_FILE, "headline.csv", "report.html", "sweep.csv",
    "sweep_points.csv",
    "sweep.ini", "shard.ini", "trips.geojson", "fcd.csv", "roads.geojson", "requests.csv", "map_frames.json",
    "batteries.csv", "charging.csv", "chargers.csv", "charging_hourly.csv"};

#define S_SHOWN 6   /* foreign names a refusal lists */

typedef struct {
    char **item;
    size_t count, cap;
} s_list_t;

/* Where an entry of the folder being scanned sits. */
typedef enum { S_TOP, S_RUN, S_RUNS, S_GNUPLOT } s_kind_t;

typedef struct {
    const char *dir;
    s_list_t ours;             /* paths under dir to remove, each folder after everything in it */
    s_list_t foreign;          /* paths under dir robotaxi-sim did not write (folders end in '/') */
    int has_config;            /* dir holds robotaxi-sim's config.ini */
} s_scan_t;

static int
s_push (s_list_t *list, const char *fmt, ...)
{
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 32;
        char **grown = realloc (list->item, cap * sizeof *grown);
        if (!grown)
            return -1;
        list->item = grown;
        list->cap = cap;
    }
    va_list ap;
    va_start (ap, fmt);
    int n = vasprintf (&list->item[list->count], fmt, ap);
    va_end (ap);
    if (n < 0)
        return -1;
    list->count++;
    return 0;
}

static void
s_list_free (s_list_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        free (list->item[i]);
    free (list->item);
    memset (list, 0, sizeof *list);
}

static int
s_ends_with (const char *s, const char *tail)
{
    size_t n = strlen (s), t = strlen (tail);
    return n >= t && strcmp (s + n - t, tail) == 0;
}

/* name without a trailing ".part" (a file killed while written), into buf. */
static void
s_strip_part (const char *name, char *buf, size_t len)
{
    snprintf (buf, len, "%s", name);
    size_t n = strlen (buf), p = strlen (SIM_FILE_PART);
    if (n > p && strcmp (buf + n - p, SIM_FILE_PART) == 0)
        buf[n - p] = '\0';
}

static int
s_is_output (const char *name)
{
    for (size_t i = 0; i < sizeof s_outputs / sizeof s_outputs[0]; i++)
        if (strcmp (name, s_outputs[i]) == 0)
            return 1;
    return 0;
}

static int
s_all_digits (const char *name)
{
    if (!*name)
        return 0;
    for (const char *c = name; *c; c++)
        if (!isdigit ((unsigned char) *c))
            return 0;
    return 1;
}

/* 1 when path is a regular file whose first line is line. */
static int
s_first_line_is (const char *path, const char *line)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    char buf[256];
    int same = fgets (buf, sizeof buf, f) && strncmp (buf, line, strlen (line)) == 0 &&
               (buf[strlen (line)] == '\n' || buf[strlen (line)] == '\0');
    fclose (f);
    return same;
}

/* 1 when DIR/REL/gnuplot/NAME.gp exists for the plot file NAME.svg. */
static int
s_has_script (const s_scan_t *scan, const char *rel, const char *svg)
{
    char path[SIM_FILE_PATH_MAX];
    struct stat st;
    int n = snprintf (path, sizeof path, "%s/%s%sgnuplot/%.*s.gp", scan->dir, rel, rel[0] ? "/" : "",
                      (int) (strlen (svg) - 4), svg);
    return n > 0 && (size_t) n < sizeof path && lstat (path, &st) == 0 && S_ISREG (st.st_mode);
}

static int s_scan_dir (s_scan_t *scan, const char *rel, s_kind_t kind, char *err, size_t errlen);

/* Sorts one entry of folder rel (of the given kind) into ours or foreign. */
static int
s_scan_entry (s_scan_t *scan, const char *rel, s_kind_t kind, const char *name, char *err, size_t errlen)
{
    char path[SIM_FILE_PATH_MAX], full[SIM_FILE_PATH_MAX], bare[256];
    struct stat st;
    int n = snprintf (path, sizeof path, "%s%s%s", rel, rel[0] ? "/" : "", name);
    int m = snprintf (full, sizeof full, "%s/%s", scan->dir, path);
    if (n < 0 || (size_t) n >= sizeof path || m < 0 || (size_t) m >= sizeof full)
        return map_error (err, errlen, "%s/%s: path too long", scan->dir, path);
    if (lstat (full, &st) < 0)
        return errno == ENOENT ? 0 : map_error (err, errlen, "%s: %s", full, strerror (errno));
    int is_file = S_ISREG (st.st_mode), is_dir = S_ISDIR (st.st_mode);
    s_strip_part (name, bare, sizeof bare);
    int ours = 0;
    switch (kind) {
    case S_TOP:
    case S_RUN:
        if (is_file && s_is_output (bare)) {
            ours = 1;
            /* a folder's own config.ini marks it as robotaxi-sim's; one of another program is not ours */
            if (kind == S_TOP && strcmp (name, "config.ini") == 0) {
                ours = s_first_line_is (full, SIM_CONFIG_BANNER);
                scan->has_config = ours;
            }
        } else if (is_file && s_ends_with (name, ".svg")) {
            ours = s_has_script (scan, rel, name);
        } else if (is_dir && strcmp (name, "gnuplot") == 0) {
            if (s_scan_dir (scan, path, S_GNUPLOT, err, errlen) < 0)
                return -1;
            ours = 1;
        } else if (is_dir && kind == S_TOP && strcmp (name, "runs") == 0) {
            if (s_scan_dir (scan, path, S_RUNS, err, errlen) < 0)
                return -1;
            ours = 1;
        }
        break;
    case S_RUNS:
        if (is_dir && s_all_digits (name)) {
            if (s_scan_dir (scan, path, S_RUN, err, errlen) < 0)
                return -1;
            ours = 1;
        }
        break;
    case S_GNUPLOT:
        ours = is_file && (s_ends_with (bare, ".gp") || s_ends_with (bare, ".dat"));
        break;
    }
    /* a folder is pushed after what it holds, so removing in list order empties it first */
    int rc = ours ? s_push (&scan->ours, "%s", path) : s_push (&scan->foreign, "%s%s", path, is_dir ? "/" : "");
    return rc < 0 ? map_error (err, errlen, "%s: out of memory", scan->dir) : 0;
}

/* Sorts every entry of DIR/rel, except names that start with '.'. */
static int
s_scan_dir (s_scan_t *scan, const char *rel, s_kind_t kind, char *err, size_t errlen)
{
    char path[SIM_FILE_PATH_MAX];
    int n = snprintf (path, sizeof path, "%s%s%s", scan->dir, rel[0] ? "/" : "", rel);
    if (n < 0 || (size_t) n >= sizeof path)
        return map_error (err, errlen, "%s/%s: path too long", scan->dir, rel);
    DIR *d = opendir (path);
    if (!d)
        return map_error (err, errlen, "%s: %s", path, strerror (errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir (d)))
        if (e->d_name[0] != '.')
            rc = s_scan_entry (scan, rel, kind, e->d_name, err, errlen);
    closedir (d);
    return rc;
}

static int
s_cmp_str (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

/* "a, b/, c and 4 more" of a sorted list. */
static void
s_names (s_list_t *list, char *buf, size_t len)
{
    qsort (list->item, list->count, sizeof *list->item, s_cmp_str);
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < list->count && i < S_SHOWN && used < len; i++) {
        int n = snprintf (buf + used, len - used, "%s%s", i ? ", " : "", list->item[i]);
        used += n > 0 ? (size_t) n : 0;
    }
    if (list->count > S_SHOWN && used < len)
        snprintf (buf + used, len - used, " and %zu more", list->count - S_SHOWN);
}

/* Whether a path of ours is kept by --resume: the sweep being continued. */
static int
s_kept (const char *path)
{
    return strcmp (path, "config.ini") == 0 || strcmp (path, "sweep.ini") == 0 || strcmp (path, "shard.ini") == 0 ||
           strcmp (path, "runs") == 0 ||
           strncmp (path, "runs/", 5) == 0;
}

int
sim_outdir_prepare (const char *dir, unsigned flags, char *err, size_t errlen)
{
    struct stat st;
    if (flags & SIM_OUTDIR_CHECK) {
        if (stat (dir, &st) < 0 && errno == ENOENT)
            return 0;
    } else if (sim_file_make_dir (dir, err, errlen) < 0) {
        return -1;
    }
    s_scan_t scan = {.dir = dir};
    int rc = s_scan_dir (&scan, "", (flags & SIM_OUTDIR_IN_SWEEP) ? S_RUN : S_TOP, err, errlen);
    if (rc < 0)
        goto done;
    char names[1024];
    if (scan.foreign.count > 0) {
        s_names (&scan.foreign, names, sizeof names);
        map_error (err, errlen, "%s: holds files robotaxi-sim did not write: %s (move them away or choose another "
                   "output folder)", dir, names);
        rc = SIM_OUTDIR_REFUSED;
        goto done;
    }
    if (scan.ours.count > 0 && !scan.has_config && !(flags & SIM_OUTDIR_IN_SWEEP)) {
        s_names (&scan.ours, names, sizeof names);
        map_error (err, errlen, "%s: holds %s, but no config.ini of robotaxi-sim: not a results folder of it (move "
                   "them away or choose another output folder)", dir, names);
        rc = SIM_OUTDIR_REFUSED;
        goto done;
    }
    if (flags & SIM_OUTDIR_CHECK)
        goto done;
    for (size_t i = 0; i < scan.ours.count; i++) {
        const char *rel = scan.ours.item[i];
        if ((flags & SIM_OUTDIR_KEEP_SWEEP) && s_kept (rel))
            continue;
        char path[SIM_FILE_PATH_MAX];
        snprintf (path, sizeof path, "%s/%s", dir, rel);
        if (lstat (path, &st) < 0)
            continue;
        if (S_ISDIR (st.st_mode)) {
            /* a folder that still holds a '.' file stays, with it */
            if (rmdir (path) < 0 && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
                rc = map_error (err, errlen, "%s: %s", path, strerror (errno));
                goto done;
            }
        } else if (unlink (path) < 0 && errno != ENOENT) {
            rc = map_error (err, errlen, "%s: %s", path, strerror (errno));
            goto done;
        }
    }
done:
    s_list_free (&scan.ours);
    s_list_free (&scan.foreign);
    return rc;
}
