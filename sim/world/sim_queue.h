/* sim_queue: the discrete-event queue. Events are ordered by (time, insertion sequence), so two events due at the
 * same instant always come out in the order they were scheduled: runs are deterministic by construction. */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t time_ms;
    uint64_t seq;              /* set by sim_queue_push */
    uint32_t type;             /* the world's event kind */
    uint32_t subject;          /* vehicle index, rider index, ... as the kind says */
} sim_queue_entry_t;

typedef struct sim_queue_t sim_queue_t;

/* An empty queue. NULL when out of memory. */
sim_queue_t *sim_queue_new (void);

/* NULL-safe; sets *self_p to NULL. */
void sim_queue_destroy (sim_queue_t **self_p);

/* Schedules an event at time_ms. Returns 0, or -1 when out of memory. */
int sim_queue_push (sim_queue_t *self, int64_t time_ms, uint32_t type, uint32_t subject);

/* Removes the earliest event into *out. Returns 0, or -1 when the queue is empty. */
int sim_queue_pop (sim_queue_t *self, sim_queue_entry_t *out);

/* The earliest event without removing it, or NULL when empty. */
const sim_queue_entry_t *sim_queue_peek (const sim_queue_t *self);

size_t sim_queue_size (const sim_queue_t *self);

#endif
