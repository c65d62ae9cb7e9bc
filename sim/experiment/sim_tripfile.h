/* sim_tripfile: a run's demand read from a trips CSV (demand.file): one row per request, columns named by the
 * demand.col_* keys, times as seconds of the day, HH:MM:SS or a date and time (the first day picked by
 * demand.file_day, a date per day of the run),
 * places as lon/lat snapped to the road network (demand.snap_m) or as road node ids. Rows that cannot be played are
 * counted by reason with their line numbers, never dropped silently; demand.file_strict makes the first one fatal.
 * demand.file_scale thins (a seeded share) or repeats the rows. The result is the world's sim_trip_t list, by time.
 */
#ifndef SIM_TRIPFILE_H
#define SIM_TRIPFILE_H

#include <stddef.h>
#include <stdint.h>

#include "map_net.h"
#include "sim_config.h"
#include "sim_world.h"

/* Why a row was not played. */
typedef enum {
    SIM_TRIPFILE_BAD_TIME = 0,  /* not a time this reader knows, or not within a day */
    SIM_TRIPFILE_OTHER_DAY,     /* a date-time of another day than the one played */
    SIM_TRIPFILE_BAD_PLACE,     /* a lon/lat or node id that is not a number, or a node id not of the map */
    SIM_TRIPFILE_OFF_MAP,       /* no road node within demand.snap_m (or outside the map's projection) */
    SIM_TRIPFILE_SAME_NODE,     /* origin and destination on the same road node */
    SIM_TRIPFILE_DROPOFF_FIRST, /* a recorded drop-off before the pickup */
    SIM_TRIPFILE_BAD_FLEET,     /* a fleet that is not robotaxi, human, any or empty */
    SIM_TRIPFILE_BAD_PATIENCE,  /* a patience that is not a positive number of minutes */
    SIM_TRIPFILE_REASONS
} sim_tripfile_reason_t;

#define SIM_TRIPFILE_LINES_KEPT 5 /* line numbers kept per reason, for the report */

/* One day of the run: its rows among sim_tripfile_t.trips (two days of the run may share them, demand.file_dates). */
typedef struct {
    size_t first, count; /* requests played, trips[first .. first + count) */
    size_t rows;         /* rows of the file dated that day (rows without a date count on every day) */
    char date[12];       /* YYYY-MM-DD, or "" when the times have no date */
} sim_tripfile_day_t;

typedef struct {
    sim_trip_t *trips; /* every date's requests, date after date, each by time (rows of the same time in file
                        * order); malloc'd, sim_tripfile_free frees */
    size_t count;
    size_t rows; /* data rows read */
    size_t skipped[SIM_TRIPFILE_REASONS];
    int lines[SIM_TRIPFILE_REASONS][SIM_TRIPFILE_LINES_KEPT]; /* the first lines skipped for each reason */
    char day[40]; /* the run's first day (YYYY-MM-DD) when the times had dates, else "" */
    sim_tripfile_day_t *days; /* per day of the run (scenario.days) when the times had dates, else one for every
                               * day; malloc'd */
    size_t day_count;
    char *refs; /* the requests' names (sim_trip_t.ref point in here); malloc'd */
} sim_tripfile_t;

/* Reads cfg->demand.file for the network net into out, for the cfg->scenario.days days of a run: with dates, day k
 * plays the date D + k - 1 (demand.file_dates = calendar; D is demand.file_day or the first dated row's date) or
 * the file's k-th date from D on, starting over after its last (file). Each request is named (sim_trip_t.ref) by its
 * demand.col_request cell, or its line number when the file has no such column. 0; 1 when the file does not exist;
 * -1 with "PATH:LINE: why" in err (a missing column, an unreadable file, out of memory, or with demand.file_strict
 * the first row that cannot be played; also when no row of a day of the run can be played, or the file has no row
 * of a date the run needs: "PATH: no row of 2024-05-03 (day 3 of the run); the file holds ..."). out holds nothing
 * to free after 1 or -1. */
int sim_tripfile_load (const sim_config_t *cfg, const map_net_t *net, sim_tripfile_t *out, char *err, size_t errlen);

/* The requests of day `day` (0-based) of the run into *count; the same rows every day when the times have no date. */
const sim_trip_t *sim_tripfile_trips (const sim_tripfile_t *self, uint32_t day, size_t *count);

/* Rows read that are not played, for every reason. */
size_t sim_tripfile_not_played (const sim_tripfile_t *self);

/* One line for the user: rows read, requests played (per date of a run of up to SIM_TRIPFILE_DAYS_NAMED dated
 * days, else their total, the first and last dates and the fewest and most a day), and each reason rows were skipped
 * for with its first lines ("demand.file trips.csv: 1000 rows, 990 played; 10 not played: 8 off the map (no road
 * ...) (lines 4, 9, ...), ..."; "demand.file week.csv: 4000 rows, 2004 played of 2024-05-01, 1990 of 2024-05-02;
 * ..."). */
#define SIM_TRIPFILE_DAYS_NAMED 4
void sim_tripfile_describe (const sim_tripfile_t *self, const char *path, char *buf, size_t len);

/* Frees what self holds and zeroes it; a zeroed one is fine. */
void sim_tripfile_free (sim_tripfile_t *self);

#endif
