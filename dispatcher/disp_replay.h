/* disp_replay: the replay file that robotaxi-client plays against a live dispatcher: a CSV of ride requests,
 * vehicle telemetry and cancellations, each at a time from the start of the replay. The whole file is read and
 * checked before anything is sent, so a bad row is reported with its line and nothing reaches the dispatcher. */
#ifndef DISP_REPLAY_H
#define DISP_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "disp_types.h"

/* The first line of every replay file. */
#define DISP_REPLAY_HEADER "time_s,kind,id,fleet,lon,lat,dest_lon,dest_lat,status,patience_s"

/* Vehicle ids run from 0 to DISP_REPLAY_MAX_VEHICLES - 1 (the dispatcher sizes its fleet by the largest). */
#define DISP_REPLAY_MAX_VEHICLES (1u << 22)

typedef enum { DISP_REPLAY_REQUEST, DISP_REPLAY_VEHICLE, DISP_REPLAY_CANCEL } disp_replay_kind_t;

/* One row of the file. */
typedef struct {
    int64_t at_ms;             /* from the start of the replay */
    disp_replay_kind_t kind;
    disp_request_t request;    /* DISP_REPLAY_REQUEST; deadline_ms holds the patience in ms (0 = none): the sender
                                * turns it into a deadline on the dispatcher's clock */
    disp_vehicle_t vehicle;    /* DISP_REPLAY_VEHICLE, position as lon/lat (node MAP_NODE_NONE) */
    uint64_t cancel_id;        /* DISP_REPLAY_CANCEL */
    size_t line;               /* in the file, for messages */
} disp_replay_row_t;

typedef struct disp_replay_t disp_replay_t;

/* Reads and checks the replay file at path. Returns a new replay (caller destroys it), or NULL with "PATH: why" or
 * "PATH:LINE: field: why" in err: an unreadable or empty file, a wrong header, a row with a bad field, rows out of
 * time order, two requests with one id. Blank lines and lines starting with '#' are skipped. */
disp_replay_t *disp_replay_load (const char *path, char *err, size_t errlen);

/* The same from an open stream; name stands for the path in messages. The caller keeps and closes in. */
disp_replay_t *disp_replay_read (FILE *in, const char *name, char *err, size_t errlen);

/* NULL-safe; sets *self_p to NULL. */
void disp_replay_destroy (disp_replay_t **self_p);

/* How many rows the file holds (comments and blank lines not counted). */
size_t disp_replay_count (const disp_replay_t *self);

/* The rows in file order (time order), count of them; owned by the replay, which the caller may change in place (a
 * request's patience becomes a deadline as it is sent). */
disp_replay_row_t *disp_replay_rows (disp_replay_t *self);

/* How many of the rows are requests. */
size_t disp_replay_request_count (const disp_replay_t *self);

/* The largest vehicle id in the file + 1; 1 when there is no vehicle row. */
uint32_t disp_replay_capacity (const disp_replay_t *self);

#endif
