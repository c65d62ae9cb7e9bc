/* sim_evdiff: reads events logs (sim_events.h) and finds where two of them part ways in meaning, not in bytes.
 * Columns are found by their header name (any order; extra columns, such as trip, are ignored; a field in double
 * quotes may hold commas); CRLF line ends, blank lines and lines starting with '#' are skipped; numbers compare by
 * value (time_s as integer milliseconds, lon and lat within 1e-6 degrees). The events of one day and one millisecond
 * form an instant whose order carries no meaning: instants compare in order, each as a multiset. Both files are
 * streamed an instant at a time, so memory stays at the largest instant, whatever the length of the logs. */
#ifndef SIM_EVDIFF_H
#define SIM_EVDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "sim_events.h"

#define SIM_EVDIFF_LONLAT_TOLERANCE 1e-6 /* degrees: lon and lat this close are the same place */

/* ---- reading one log ---- */

typedef struct sim_evdiff_reader_t sim_evdiff_reader_t;

/* Opens the log at path and reads its header; name is how messages call the file (NULL: path). NULL with
 * "NAME: why" or "NAME:LINE: column: why" (a required column missing, named twice) in err. */
sim_evdiff_reader_t *sim_evdiff_reader_open (const char *path, const char *name, char *err, size_t errlen);

/* NULL-safe; sets *self_p to NULL. */
void sim_evdiff_reader_destroy (sim_evdiff_reader_t **self_p);

/* The next row into *row, its line number (1-based, as an editor counts) into *line. 1, 0 at the end of the file,
 * or -1 with "NAME:LINE: column: why" when the row is malformed: a bad number, an unknown event or fleet, a field
 * count other than the header's, a day going backwards, or a time going backwards within a day. */
int sim_evdiff_reader_next (sim_evdiff_reader_t *self, sim_event_t *row, size_t *line, char *err, size_t errlen);

/* ---- comparing two logs ---- */

#define SIM_EVDIFF_REPORT_MAX 2048

typedef struct {
    uint64_t events;   /* events that agree: all of them when the logs are the same, else those before the
                        * first instant that differs */
    uint64_t instants; /* instants that agree, counted the same way */
    char report[SIM_EVDIFF_REPORT_MAX]; /* the first difference in words (two lines, no final newline); "" when
                                         * the logs are the same */
} sim_evdiff_result_t;

/* Compares the logs at path_a and path_b (named name_a and name_b in messages; NULL: the paths). 0 when they are
 * the same in meaning, 1 when they differ (res->report names the instant, both events in words with their line
 * numbers, or the one event missing from the other log, or which log ends first), -1 with a message in err when a
 * file cannot be read or is malformed. */
int sim_evdiff_compare (const char *path_a, const char *name_a, const char *path_b, const char *name_b,
                        sim_evdiff_result_t *res, char *err, size_t errlen);

/* An event in words into buf (truncated to size), e.g. "assign request 17 to robotaxi 3 at node 120 (114.3051200,
 * 30.5931100)". */
void sim_evdiff_words (const sim_event_t *row, char *buf, size_t size);

/* "day D HH:MM:SS.mmm" of an instant (hours past 23 after midnight) into buf. */
void sim_evdiff_instant (uint32_t day, int64_t time_ms, char *buf, size_t size);

#endif
