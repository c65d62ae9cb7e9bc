/* sim_csv: CSV files as the project writes and reads them. Writing: RFC 4180 fields, numbers as the shortest text
 * that reads back as the same double, so a file is the same bytes for the same figures. Reading: a whole file with a
 * header line, columns found by name, each row keeping the line it came from for "PATH:LINE: why" messages. */
#ifndef SIM_CSV_H
#define SIM_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "sim_file.h"

/* A CSV file read whole. Blank lines are skipped; a field in double quotes may hold commas and "" for a quote (not
 * line breaks); blanks around a field are dropped. */
typedef struct {
    char path[SIM_FILE_PATH_MAX];
    char *text;        /* the file, split in place; cells and names point into it */
    char **names;      /* ncols header names */
    size_t ncols;
    char **cells;      /* nrows x ncols, row-major */
    int *lines;        /* the line each row came from, for messages */
    size_t nrows;
} sim_csv_t;

/* Reads the file at path into csv (which it overwrites). Returns 0; 1 when the file does not exist; -1 with
 * "PATH:LINE: why" in err (a row whose field count is not the header's, an empty file, a read error, out of
 * memory). csv holds nothing to free after 1 or -1. */
int sim_csv_load (sim_csv_t *csv, const char *path, char *err, size_t errlen);

/* Frees what csv holds and zeroes it; a zeroed csv is fine. */
void sim_csv_free (sim_csv_t *csv);

/* The column named name, or -1. */
int sim_csv_col (const sim_csv_t *csv, const char *name);

/* The text of row's cell in column col. Precondition: row < nrows, 0 <= col < ncols. */
const char *sim_csv_cell (const sim_csv_t *csv, size_t row, int col);

/* Finds each of names[0..n) into col[]. 0, or -1 with "PATH:1: no column 'x'" for the first one missing. */
int sim_csv_need (const sim_csv_t *csv, const char *const *names, int *col, size_t n, char *err, size_t errlen);

/* A CSV file read a row at a time, for a file too big to hold whole (fcd.csv): the header as a sim_csv_t without
 * rows (so sim_csv_col and sim_csv_need work on &head), then each row's cells, which live until the next row. */
typedef struct {
    sim_csv_t head;    /* path, names, ncols; nrows stays 0 */
    FILE *f;
    char *line;        /* the current row, split in place */
    size_t line_cap;
    char **cells;      /* ncols cells of the current row, into line */
    size_t cells_cap;
    int lineno;        /* the current row's line, for "PATH:LINE: why" */
} sim_csv_stream_t;

/* Opens path and reads its header line into s (which it overwrites). 0; 1 when the file does not exist; -1 with
 * "PATH:LINE: why" (empty file, read error, out of memory). s holds nothing to close after 1 or -1. */
int sim_csv_stream_open (sim_csv_stream_t *s, const char *path, char *err, size_t errlen);

/* The next row into s->cells (blank lines skipped). 1; 0 at the end of the file; -1 with "PATH:LINE: why" (a
 * field count not the header's, a read error, out of memory). */
int sim_csv_stream_next (sim_csv_stream_t *s, char *err, size_t errlen);

/* Closes the file and frees what s holds; a zeroed s is fine. */
void sim_csv_stream_close (sim_csv_stream_t *s);

/* 1 when text is empty or only blanks. */
int sim_csv_blank (const char *text);

/* 0 when text (blanks around it allowed) is a number and nothing else, its value in *v; -1 otherwise. */
int sim_csv_parse_number (const char *text, double *v);

/* Writes text as one field of a line: a comma first unless first, and the text quoted when it holds a comma, a
 * quote or a line break (quotes doubled). */
void sim_csv_field (FILE *out, const char *text, int first);

/* The shortest text that reads back as the same double v (nan, inf, -inf when not finite), into buf. */
void sim_csv_format_number (char *buf, size_t len, double v);

#endif
