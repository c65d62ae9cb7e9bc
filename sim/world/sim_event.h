/* sim_event: what happened in the world's day, one record per thing that happened to a rider or a vehicle (a
 * request, an assignment, a pickup, a drop-off, a give-up, a reposition and its arrival, a shift change), handed to
 * whoever listens as the world plays it (sim_world_opts_t.on_event). The world knows no file: sim_events writes these
 * records to events.csv, sim_evdiff reads them back, and both name the kinds as this module does. */
#ifndef SIM_EVENT_H
#define SIM_EVENT_H

#include <stddef.h>
#include <stdint.h>

#define SIM_EVENT_NONE (-1) /* an id field (vehicle, request, node, fleet) the event does not have */

typedef enum {
    SIM_EVENT_REQUEST = 0, /* a rider asks for a ride: fleet asked, request, node = origin */
    SIM_EVENT_ASSIGN,      /* the dispatcher's decision applied: vehicle, its fleet, request, its node */
    SIM_EVENT_PICKUP,      /* vehicle, fleet, request, node = origin */
    SIM_EVENT_DROPOFF,     /* vehicle, fleet, request, node = destination */
    SIM_EVENT_GIVEUP,      /* a waiting rider gives up: fleet, request, node = origin */
    SIM_EVENT_REPOSITION,  /* a rebalancing order applied: vehicle, fleet, node = target */
    SIM_EVENT_ARRIVE,      /* the end of a reposition drive, or of one to the depot or home: vehicle, fleet, node */
    SIM_EVENT_SHIFT_START, /* vehicle, fleet, its node */
    SIM_EVENT_SHIFT_END,   /* vehicle, fleet, its node */
    SIM_EVENT_CHARGE_WAIT, /* at a charging site with every plug busy: vehicle, fleet, node = the site */
    SIM_EVENT_CHARGE_START,/* plugged in: vehicle, fleet, node = the site */
    SIM_EVENT_CHARGE_END,  /* unplugged (charged to its level, or the day's end): vehicle, fleet, node = the site */
    SIM_EVENT_KIND_COUNT
} sim_event_kind_t;

/* One row of the log. Ids are SIM_EVENT_NONE when absent; lon and lat are NAN when absent (only a file written by
 * hand has that: the world always gives a node and its position). */
typedef struct {
    uint32_t day;    /* 1-based */
    int64_t time_ms; /* since the day's midnight */
    sim_event_kind_t kind;
    int64_t vehicle;
    int fleet; /* disp_fleet_t */
    int64_t request;
    int64_t node;
    double lon, lat;
    const char *trip; /* the request's name in the trips file it came from (sim_trip_t.ref), or NULL: drawn, or an
                       * event without a request; valid during the call */
} sim_event_t;

/* The event's name in the log ("request", "shift_start"); NULL for a kind out of range. */
const char *sim_event_kind_name (sim_event_kind_t kind);

/* The kind named name (len bytes, not necessarily NUL-terminated). 0, or -1 when no event has that name. */
int sim_event_kind_parse (const char *name, size_t len, sim_event_kind_t *kind);

/* A listener of the world's events, called once per event in the order the world plays them. */
typedef void (sim_event_fn) (void *arg, const sim_event_t *event);

#endif
