/* sim_queue: binary min-heap of events keyed by (time_ms, seq). */
#include "sim_queue.h"

#include <stdlib.h>

struct sim_queue_t {
    sim_queue_entry_t *heap;
    size_t size, cap;
    uint64_t next_seq;
};

sim_queue_t *
sim_queue_new (void)
{
    return calloc (1, sizeof (sim_queue_t));
}

void
sim_queue_destroy (sim_queue_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->heap);
    free (*self_p);
    *self_p = NULL;
}

static inline int
s_before (const sim_queue_entry_t *a, const sim_queue_entry_t *b)
{
    return a->time_ms < b->time_ms || (a->time_ms == b->time_ms && a->seq < b->seq);
}

int
sim_queue_push (sim_queue_t *self, int64_t time_ms, uint32_t type, uint32_t subject)
{
    if (self->size == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 1024;
        sim_queue_entry_t *heap = realloc (self->heap, cap * sizeof (sim_queue_entry_t));
        if (!heap)
            return -1;
        self->heap = heap;
        self->cap = cap;
    }
    sim_queue_entry_t ev = {.time_ms = time_ms, .seq = self->next_seq++, .type = type, .subject = subject};
    size_t i = self->size++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!s_before (&ev, &self->heap[parent]))
            break;
        self->heap[i] = self->heap[parent];
        i = parent;
    }
    self->heap[i] = ev;
    return 0;
}

int
sim_queue_pop (sim_queue_t *self, sim_queue_entry_t *out)
{
    if (self->size == 0)
        return -1;
    *out = self->heap[0];
    sim_queue_entry_t last = self->heap[--self->size];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= self->size)
            break;
        if (child + 1 < self->size && s_before (&self->heap[child + 1], &self->heap[child]))
            child++;
        if (!s_before (&self->heap[child], &last))
            break;
        self->heap[i] = self->heap[child];
        i = child;
    }
    if (self->size > 0)
        self->heap[i] = last;
    return 0;
}

const sim_queue_entry_t *
sim_queue_peek (const sim_queue_t *self)
{
    return self->size ? &self->heap[0] : NULL;
}

size_t
sim_queue_size (const sim_queue_t *self)
{
    return self->size;
}
