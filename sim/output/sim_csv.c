/* sim_csv: reading and writing the CSV files of results folders and test suites. */
#include "sim_csv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "map_error.h"

/* Whole file into *text (malloc'd, NUL-terminated). 0, 1 when the file does not exist, -1 with a message. */
static int
s_slurp (const char *path, char **text, char *err, size_t errlen)
{
    *text = NULL;
    FILE *f = fopen (path, "rb");
    if (!f)
        return errno == ENOENT ? 1 : map_error (err, errlen, "%s: %s", path, strerror (errno));
    size_t cap = 8192, used = 0;
    char *buf = malloc (cap);
    while (buf) {
        size_t got = fread (buf + used, 1, cap - used - 1, f);
        used += got;
        if (got == 0)
            break;
        if (cap - used < 2) {
            char *bigger = realloc (buf, cap * 2);
            if (!bigger) {
                free (buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    int bad = ferror (f);
    fclose (f);
    if (!buf)
        return map_error (err, errlen, "%s: out of memory", path);
    if (bad) {
        free (buf);
        return map_error (err, errlen, "%s: read failed", path);
    }
    buf[used] = '\0';
    *text = buf;
    return 0;
}

int
sim_csv_blank (const char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    return *text == '\0';
}

int
sim_csv_parse_number (const char *text, double *v)
{
    char *end;
    while (*text == ' ' || *text == '\t')
        text++;
    if (!*text)
        return -1;
    errno = 0;
    *v = strtod (text, &end);
    if (end == text)
        return -1;
    while (*end == ' ' || *end == '\t')
        end++;
    return *end ? -1 : 0;
}

void
sim_csv_free (sim_csv_t *csv)
{
    free (csv->text);
    free (csv->names);
    free (csv->cells);
    free (csv->lines);
    memset (csv, 0, sizeof *csv);
}

static char *
s_trim (char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen (s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Splits line at commas in place into fields (room for at least one more than the line has commas); a field in
 * double quotes may hold commas, and "" for a quote. Returns the number of fields. */
static size_t
s_split (char *line, char **fields)
{
    size_t n = 0;
    char *r = line, *w = line;
    for (;;) {
        char *start = w;
        if (*r == '"') {
            r++;
            while (*r) {
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else
                    *w++ = *r++;
            }
        }
        while (*r && *r != ',')
            *w++ = *r++;
        int more = *r == ',';
        if (more)
            r++;
        *w++ = '\0';   /* w never passes r, so this overwrites only what was read */
        fields[n++] = s_trim (start);
        if (!more)
            return n;
    }
}

int
sim_csv_load (sim_csv_t *csv, const char *path, char *err, size_t errlen)
{
    memset (csv, 0, sizeof *csv);
    int n_path = snprintf (csv->path, sizeof csv->path, "%s", path);
    if (n_path < 0 || (size_t) n_path >= sizeof csv->path)
        return map_error (err, errlen, "%s: path too long", path);
    int rc = s_slurp (csv->path, &csv->text, err, errlen);
    if (rc != 0)
        return rc;
    char **fields = NULL;
    size_t rows_cap = 0;
    int line = 0;
    for (char *p = csv->text; *p;) {
        char *eol = strchr (p, '\n');
        char *next = eol ? eol + 1 : p + strlen (p);
        if (eol)
            *eol = '\0';
        line++;
        size_t len = strlen (p);
        if (len && p[len - 1] == '\r')
            p[len - 1] = '\0';
        if (sim_csv_blank (p)) {
            p = next;
            continue;
        }
        size_t commas = 0;
        for (const char *c = p; *c; c++)
            commas += *c == ',';
        char **grown = realloc (fields, (commas + 1) * sizeof *fields);
        if (!grown)
            goto oom;
        fields = grown;
        size_t n = s_split (p, fields);
        if (!csv->names) {
            csv->names = malloc (n * sizeof *csv->names);
            if (!csv->names)
                goto oom;
            memcpy (csv->names, fields, n * sizeof *fields);
            csv->ncols = n;
        } else {
            if (n != csv->ncols) {
                map_error (err, errlen, "%s:%d: expected %zu fields, got %zu", csv->path, line, csv->ncols, n);
                goto fail;
            }
            if (csv->nrows == rows_cap) {
                rows_cap = rows_cap ? rows_cap * 2 : 64;
                char **cells = realloc (csv->cells, rows_cap * csv->ncols * sizeof *cells);
                if (!cells)
                    goto oom;
                csv->cells = cells;
                int *lines = realloc (csv->lines, rows_cap * sizeof *lines);
                if (!lines)
                    goto oom;
                csv->lines = lines;
            }
            memcpy (csv->cells + csv->nrows * csv->ncols, fields, n * sizeof *fields);
            csv->lines[csv->nrows++] = line;
        }
        p = next;
    }
    free (fields);
    if (!csv->names) {
        map_error (err, errlen, "%s:1: empty file, expected a header line", csv->path);
        sim_csv_free (csv);
        return -1;
    }
    return 0;
oom:
    map_error (err, errlen, "%s: out of memory", csv->path);
fail:
    free (fields);
    sim_csv_free (csv);
    return -1;
}

int
sim_csv_col (const sim_csv_t *csv, const char *name)
{
    for (size_t c = 0; c < csv->ncols; c++)
        if (strcmp (csv->names[c], name) == 0)
            return (int) c;
    return -1;
}

const char *
sim_csv_cell (const sim_csv_t *csv, size_t row, int col)
{
    return csv->cells[row * csv->ncols + (size_t) col];
}

int
sim_csv_need (const sim_csv_t *csv, const char *const *names, int *col, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        col[i] = sim_csv_col (csv, names[i]);
        if (col[i] < 0)
            return map_error (err, errlen, "%s:1: no column '%s'", csv->path, names[i]);
    }
    return 0;
}

/* The next line of s's file that is not blank into s->line (its end of line dropped), s->lineno counting every
 * line. 1, 0 at the end of the file, -1 with a message. */
static int
s_stream_line (sim_csv_stream_t *s, char *err, size_t errlen)
{
    for (;;) {
        errno = 0;
        ssize_t n = getline (&s->line, &s->line_cap, s->f);
        if (n < 0) {
            if (ferror (s->f))
                return map_error (err, errlen, "%s:%d: %s", s->head.path, s->lineno + 1,
                                  errno ? strerror (errno) : "read failed");
            return 0;
        }
        s->lineno++;
        while (n > 0 && (s->line[n - 1] == '\n' || s->line[n - 1] == '\r'))
            s->line[--n] = '\0';
        if (!sim_csv_blank (s->line))
            return 1;
    }
}

/* Splits s->line into s->cells, growing them to its commas. The number of fields, or 0 when out of memory. */
static size_t
s_stream_split (sim_csv_stream_t *s)
{
    size_t commas = 0;
    for (const char *c = s->line; *c; c++)
        commas += *c == ',';
    if (commas + 1 > s->cells_cap) {
        char **grown = realloc (s->cells, (commas + 1) * sizeof *grown);
        if (!grown)
            return 0;
        s->cells = grown;
        s->cells_cap = commas + 1;
    }
    return s_split (s->line, s->cells);
}

int
sim_csv_stream_open (sim_csv_stream_t *s, const char *path, char *err, size_t errlen)
{
    memset (s, 0, sizeof *s);
    int n_path = snprintf (s->head.path, sizeof s->head.path, "%s", path);
    if (n_path < 0 || (size_t) n_path >= sizeof s->head.path)
        return map_error (err, errlen, "%s: path too long", path);
    if (!(s->f = fopen (path, "rb")))
        return errno == ENOENT ? 1 : map_error (err, errlen, "%s: %s", path, strerror (errno));
    int rc = s_stream_line (s, err, errlen);
    if (rc == 0)
        map_error (err, errlen, "%s:1: empty file, expected a header line", s->head.path);
    size_t n = 0;
    if (rc == 1 && (!(s->head.text = strdup (s->line)) ||
                    !(s->head.names = malloc ((strlen (s->line) + 1) * sizeof *s->head.names)))) {
        map_error (err, errlen, "%s: out of memory", s->head.path);
        rc = -1;
    }
    if (rc == 1) {
        n = s_split (s->head.text, s->head.names);
        s->head.ncols = n;
        return 0;
    }
    sim_csv_stream_close (s);
    return -1;
}

int
sim_csv_stream_next (sim_csv_stream_t *s, char *err, size_t errlen)
{
    int rc = s_stream_line (s, err, errlen);
    if (rc != 1)
        return rc;
    size_t n = s_stream_split (s);
    if (n == 0)
        return map_error (err, errlen, "%s: out of memory", s->head.path);
    if (n != s->head.ncols)
        return map_error (err, errlen, "%s:%d: expected %zu fields, got %zu", s->head.path, s->lineno, s->head.ncols,
                          n);
    return 1;
}

void
sim_csv_stream_close (sim_csv_stream_t *s)
{
    if (s->f)
        fclose (s->f);
    free (s->line);
    free (s->cells);
    sim_csv_free (&s->head);
    memset (s, 0, sizeof *s);
}

void
sim_csv_field (FILE *out, const char *text, int first)
{
    if (!first)
        fputc (',', out);
    if (!strpbrk (text, ",\"\r\n")) {
        fputs (text, out);
        return;
    }
    fputc ('"', out);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc ('"', out);
        fputc (*c, out);
    }
    fputc ('"', out);
}

void
sim_csv_format_number (char *buf, size_t len, double v)
{
    if (isnan (v)) {
        snprintf (buf, len, "nan");
        return;
    }
    if (isinf (v)) {
        snprintf (buf, len, v < 0 ? "-inf" : "inf");
        return;
    }
    for (int prec = 6; prec <= 17; prec++) {
        snprintf (buf, len, "%.*g", prec, v);
        if (strtod (buf, NULL) == v)
            return;
    }
}
