/* sim_stream: a subscriber's bookkeeping of the metrics stream. It checks the publisher's sequence numbers per
 * topic (a jump is a gap; a new publisher id starts the count afresh), and after a state reply (the "Clone"
 * pattern) tells which stream messages the state already holds. No sockets: robotaxi-watch feeds it. */
#ifndef SIM_STREAM_H
#define SIM_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "sim_codec.h"

typedef struct sim_stream_t sim_stream_t;

/* What to do with one stream message. */
typedef struct {
    int deliver;               /* 1: new, show it; 0: the state already holds it, or it came before (skip it) */
    uint64_t missing;          /* > 0: a gap just before it, seq gap_first .. gap_last never arrived */
    uint64_t gap_first, gap_last;
    int publisher_changed;     /* the topic's publisher id changed (a restart): counting starts again, no gap */
    char previous[SIM_PUBLISHER_MAX];   /* the id before the change */
} sim_stream_verdict_t;

typedef struct {
    uint64_t received;         /* stream messages checked */
    uint64_t in_state;         /* skipped: numbered at or below the state's number for their topic */
    uint64_t duplicates;       /* skipped: numbered at or below one already received */
    uint64_t gaps, missing;    /* jumps in the numbers, and the messages they skipped */
    uint64_t publisher_changes;
} sim_stream_stats_t;

/* NULL when out of memory. */
sim_stream_t *sim_stream_new (void);

/* NULL-safe; sets *self_p to NULL. */
void sim_stream_destroy (sim_stream_t **self_p);

/* Takes a state reply: messages of state->publisher numbered at or below the state's number for their topic are in
 * the state; a topic the state does not list had no message yet, so its first one must be number 1. Call before the
 * first sim_stream_check. 0, or -1 when out of memory. */
int sim_stream_set_state (sim_stream_t *self, const sim_state_t *state);

/* Checks one stream message of `publisher` numbered seq on topic and fills out. The first message of a topic (with
 * no state for it) starts the count wherever it is; seq 0 (a publisher that does not number) is delivered unchecked.
 * 0, or -1 when out of memory. */
int sim_stream_check (sim_stream_t *self, const char *topic, const char *publisher, uint64_t seq,
                      sim_stream_verdict_t *out);

void sim_stream_stats (const sim_stream_t *self, sim_stream_stats_t *out);

#endif
