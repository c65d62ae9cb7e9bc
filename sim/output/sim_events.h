/* sim_events: the events log of a run, DIR/events.csv: one row per thing that happened to a rider or a vehicle
 * (a request, an assignment, a pickup, a drop-off, a give-up, a reposition and its arrival, a shift change), in
 * the order the world played them. The columns, in this order (README "Outputs"):
 *
 *   day,time_s,event,vehicle,fleet,request,node,lon,lat,trip
 *
 * day is 1-based; time_s is simulated seconds since the day's midnight with exactly 3 decimals (past 86400 while
 * the last riders are seen through); vehicle and request are the world's ids, empty when the event has none; fleet
 * is robotaxi or human; node is the map node, lon and lat its WGS84 position with 7 decimals; trip is the request's
 * name in the trips file it came from (demand.col_request, or its line), empty for drawn demand and events without a
 * request (in double quotes, as CSV has it, when it holds a comma, a quote or a line break). The file appears
 * complete or not at all: rows go to DIR/events.csv.part, renamed to events.csv when the log is closed. The reader
 * and comparator of such logs is sim_evdiff. */
#ifndef SIM_EVENTS_H
#define SIM_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include "sim_event.h"

#define SIM_EVENTS_FILE    "events.csv"
#define SIM_EVENTS_COLUMNS "day,time_s,event,vehicle,fleet,request,node,lon,lat" /* the ones a reader needs */
#define SIM_EVENTS_HEADER  SIM_EVENTS_COLUMNS ",trip"
typedef struct sim_events_t sim_events_t;

/* Opens the log of DIR: removes an events.csv left there by an earlier run, and writes the header to
 * DIR/events.csv.part. NULL with "PATH: why" in err. */
sim_events_t *sim_events_open (const char *dir, char *err, size_t errlen);

/* Appends one row. Write failures show at sim_events_close. */
void sim_events_write (sim_events_t *self, const sim_event_t *row);

/* The same as a world's event hook (sim_world_opts_t.on_event, with the log as its arg). */
void sim_events_on_event (void *log, const sim_event_t *row);

/* Rows written so far. */
uint64_t sim_events_count (const sim_events_t *self);

/* Closes the log and renames it to DIR/events.csv; destroys it (sets *self_p to NULL) either way. 0, or -1 with
 * "PATH: why" when anything written was lost (the partial file is then removed). NULL-safe (0). */
int sim_events_close (sim_events_t **self_p, char *err, size_t errlen);

/* Abandons the log after a failure elsewhere: removes the partial file, leaves no events.csv. NULL-safe; sets
 * *self_p to NULL. */
void sim_events_destroy (sim_events_t **self_p);

/* Removes DIR/events.csv if there is one (a run that writes no log, so an earlier run's does not pass for its
 * own). 0, or -1 with "PATH: why" when it exists and cannot be removed. */
int sim_events_remove (const char *dir, char *err, size_t errlen);

#endif
