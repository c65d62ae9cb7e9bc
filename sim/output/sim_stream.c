/* sim_stream: sequence checking and state filtering for a metrics subscriber. */
#include "sim_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One topic: whose numbers it follows and the last one seen (or the state's). */
typedef struct {
    char topic[64];
    char publisher[SIM_PUBLISHER_MAX];
    uint64_t last;
    uint64_t state_seq;        /* the state's number for the topic while it still filters (same publisher) */
    int from_state;
} s_topic_t;

struct sim_stream_t {
    s_topic_t *topics;
    size_t count, cap;
    char state_publisher[SIM_PUBLISHER_MAX];
    int has_state;
    sim_stream_stats_t stats;
};

sim_stream_t *
sim_stream_new (void)
{
    return calloc (1, sizeof (sim_stream_t));
}

void
sim_stream_destroy (sim_stream_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->topics);
    free (*self_p);
    *self_p = NULL;
}

static s_topic_t *
s_find (sim_stream_t *self, const char *topic)
{
    for (size_t i = 0; i < self->count; i++)
        if (strncmp (self->topics[i].topic, topic, sizeof self->topics[i].topic - 1) == 0)
            return &self->topics[i];
    return NULL;
}

/* A new topic entry following publisher from `last`. NULL when out of memory. */
static s_topic_t *
s_add (sim_stream_t *self, const char *topic, const char *publisher, uint64_t last, int from_state)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? 2 * self->cap : 8;
        s_topic_t *topics = realloc (self->topics, cap * sizeof *topics);
        if (!topics)
            return NULL;
        self->topics = topics;
        self->cap = cap;
    }
    s_topic_t *t = &self->topics[self->count++];
    memset (t, 0, sizeof *t);
    snprintf (t->topic, sizeof t->topic, "%s", topic);
    snprintf (t->publisher, sizeof t->publisher, "%s", publisher);
    t->last = last;
    t->state_seq = last;
    t->from_state = from_state;
    return t;
}

int
sim_stream_set_state (sim_stream_t *self, const sim_state_t *state)
{
    self->has_state = 1;
    snprintf (self->state_publisher, sizeof self->state_publisher, "%s", state->publisher);
    for (size_t i = 0; i < state->topic_count; i++) {
        s_topic_t *t = s_find (self, state->topics[i].topic);
        if (!t && !s_add (self, state->topics[i].topic, state->publisher, state->topics[i].seq, 1))
            return -1;
    }
    return 0;
}

int
sim_stream_check (sim_stream_t *self, const char *topic, const char *publisher, uint64_t seq,
                  sim_stream_verdict_t *out)
{
    memset (out, 0, sizeof *out);
    out->deliver = 1;
    self->stats.received++;
    if (seq == 0)
        return 0;
    s_topic_t *t = s_find (self, topic);
    if (!t) {
        /* The state's publisher had published nothing on this topic when the state was taken: it starts at 1. */
        int stated = self->has_state && strcmp (publisher, self->state_publisher) == 0;
        t = s_add (self, topic, publisher, stated ? 0 : seq - 1, stated);
        if (!t)
            return -1;
    }
    if (strncmp (t->publisher, publisher, sizeof t->publisher - 1) != 0) {
        out->publisher_changed = 1;
        snprintf (out->previous, sizeof out->previous, "%s", t->publisher);
        snprintf (t->publisher, sizeof t->publisher, "%s", publisher);
        t->last = seq;
        t->from_state = 0;
        self->stats.publisher_changes++;
        return 0;
    }
    if (seq <= t->last) {
        out->deliver = 0;
        if (t->from_state && seq <= t->state_seq)
            self->stats.in_state++;
        else
            self->stats.duplicates++;
        return 0;
    }
    if (seq > t->last + 1) {
        out->gap_first = t->last + 1;
        out->gap_last = seq - 1;
        out->missing = seq - 1 - t->last;
        self->stats.gaps++;
        self->stats.missing += out->missing;
    }
    t->last = seq;
    return 0;
}

void
sim_stream_stats (const sim_stream_t *self, sim_stream_stats_t *out)
{
    *out = self->stats;
}
