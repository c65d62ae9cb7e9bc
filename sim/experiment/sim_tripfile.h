/* sim_tripfile: a day's demand read from a trips CSV (demand.file): one row per request, columns named by the
 * demand.col_* keys, times as seconds of the day, HH:MM:SS or a date and time (the day picked by demand.file_day),
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

typedef struct {
    sim_trip_t *trips; /* by time (rows of the same time in file order); malloc'd, sim_tripfile_free frees */
    size_t count;
    size_t rows; /* data rows read */
    size_t skipped[SIM_TRIPFILE_REASONS];
    int lines[SIM_TRIPFILE_REASONS][SIM_TRIPFILE_LINES_KEPT]; /* the first lines skipped for each reason */
    char day[40]; /* the day played (YYYY-MM-DD) when the times had dates, else "" */
} sim_tripfile_t;

/* Reads cfg->demand.file for the network net into out. 0; 1 when the file does not exist; -1 with "PATH:LINE: why"
 * in err (a missing column, an unreadable file, out of memory, or with demand.file_strict the first row that cannot
 * be played; also when no row can be played). out holds nothing to free after 1 or -1. */
int sim_tripfile_load (const sim_config_t *cfg, const map_net_t *net, sim_tripfile_t *out, char *err, size_t errlen);

/* Rows read that are not played, for every reason. */
size_t sim_tripfile_not_played (const sim_tripfile_t *self);

/* One line for the user: rows read, requests played, and each reason rows were skipped for with its first lines
 * ("demand.file trips.csv: 1000 rows, 990 played; 10 not played: 8 off the map (no road ...) (lines 4, 9, ...),
 * ..."). */
void sim_tripfile_describe (const sim_tripfile_t *self, const char *path, char *buf, size_t len);

/* Frees what self holds and zeroes it; a zeroed one is fine. */
void sim_tripfile_free (sim_tripfile_t *self);

#endif
