/* map_ch_ahead: routes asked ahead of need, computed on a thread of their own (see map_ch_ahead.h).
 *
 * Each slot of the ring goes FREE -> QUEUED (asked) -> RUNNING (the thread took it) -> DONE, or QUEUED -> TAKEN (the
 * asking thread took it first, or dropped it). The two threads race only on that one compare-and-swap, so exactly
 * one of them routes a slot. The thread walks the ring in order and publishes how far it got (`passed`); the asker
 * frees slots from the oldest on, once they are used up and passed, so a slot is never rewritten while the thread
 * may still read or write it. */
#include "map_ch_ahead.h"

#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { S_QUEUED = 1, S_RUNNING, S_DONE, S_TAKEN };

typedef struct {
    _Atomic int state;
    uint32_t from, to; /* written by the asker before the ask is published */
    int rc;            /* written by the thread before DONE */
    map_route_t route;
    uint32_t *path; /* with paths: the route's nodes (written by whoever routes the slot), path_count of them; 0 when
                     * they could not be kept (out of memory) */
    size_t path_count, path_cap;
    bool used; /* asker only: taken or dropped */
} s_slot_t;

struct map_ch_ahead_t {
    const map_ch_t *ch;
    s_slot_t *slot;
    uint64_t mask;           /* slots - 1 */
    uint64_t tail;           /* asker only: the oldest slot not yet free */
    uint64_t asked;          /* tickets handed out; written by the asker under lock */
    _Atomic uint64_t passed; /* the thread has finished with every slot below this */
    _Atomic bool stop;
    bool sleeping; /* under lock: the thread waits for an ask */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    map_ch_query_t *mine;   /* the asker's query object, made at its first route */
    map_ch_query_t *theirs; /* the thread's */
    map_ch_ahead_stats_t stats;
    bool paths; /* keep each route's nodes */
};

/* Keeps the nodes of query q's last route in slot s (path_count 0 when out of memory). */
static void s_keep_path (s_slot_t *s, map_ch_query_t *q)
{
    size_t n;
    const uint32_t *path = map_ch_path (q, &n);
    s->path_count = 0;
    if (n > s->path_cap) {
        size_t cap = s->path_cap ? s->path_cap : 64;
        while (cap < n)
            cap *= 2;
        uint32_t *grown = realloc (s->path, cap * sizeof *grown);
        if (!grown) return;
        s->path = grown;
        s->path_cap = cap;
    }
    memcpy (s->path, path, n * sizeof *path);
    s->path_count = n;
}

static void *s_route_ahead (void *arg)
{
    map_ch_ahead_t *self = arg;
    uint64_t next = 0;
    for (;;) {
        pthread_mutex_lock (&self->lock);
        while (next == self->asked && !atomic_load (&self->stop)) {
            self->sleeping = true;
            pthread_cond_wait (&self->wake, &self->lock);
        }
        self->sleeping = false;
        uint64_t asked = self->asked;
        pthread_mutex_unlock (&self->lock);
        for (; next < asked; next++) {
            if (atomic_load_explicit (&self->stop, memory_order_relaxed)) return NULL;
            s_slot_t *s = &self->slot[next & self->mask];
            int expect = S_QUEUED;
            if (atomic_compare_exchange_strong (&s->state, &expect, S_RUNNING)) {
                s->rc = map_ch_route (self->theirs, s->from, s->to, &s->route);
                if (s->rc == 0 && self->paths) s_keep_path (s, self->theirs);
                atomic_store_explicit (&s->state, S_DONE, memory_order_release);
            }
            atomic_store_explicit (&self->passed, next + 1, memory_order_release);
        }
        if (atomic_load (&self->stop)) return NULL;
    }
}

map_ch_ahead_t *map_ch_ahead_new (const map_ch_t *ch, size_t slots, int paths)
{
    assert (ch);
    size_t n = 2;
    while (n < slots && n < ((size_t)1 << 30))
        n <<= 1;
    map_ch_ahead_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->ch = ch;
    self->paths = paths != 0;
    self->mask = n - 1;
    self->slot = calloc (n, sizeof *self->slot);
    self->theirs = map_ch_query_new (ch);
    if (!self->slot || !self->theirs) goto err;
    if (pthread_mutex_init (&self->lock, NULL) != 0) goto err;
    if (pthread_cond_init (&self->wake, NULL) != 0) {
        pthread_mutex_destroy (&self->lock);
        goto err;
    }
    /* The thread takes no signals: they stay with the threads that wait for them (a SIGINT must interrupt the
     * caller's own waits). */
    sigset_t all, old;
    sigfillset (&all);
    pthread_sigmask (SIG_SETMASK, &all, &old);
    int started = pthread_create (&self->thread, NULL, s_route_ahead, self);
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    if (started != 0) {
        pthread_cond_destroy (&self->wake);
        pthread_mutex_destroy (&self->lock);
        goto err;
    }
    return self;
err:
    map_ch_query_destroy (&self->theirs);
    free (self->slot);
    free (self);
    return NULL;
}

void map_ch_ahead_destroy (map_ch_ahead_t **self_p)
{
    if (!self_p || !*self_p) return;
    map_ch_ahead_t *self = *self_p;
    pthread_mutex_lock (&self->lock);
    atomic_store (&self->stop, true);
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    pthread_cond_destroy (&self->wake);
    pthread_mutex_destroy (&self->lock);
    map_ch_query_destroy (&self->mine);
    map_ch_query_destroy (&self->theirs);
    for (uint64_t i = 0; i <= self->mask; i++)
        free (self->slot[i].path);
    free (self->slot);
    free (self);
    *self_p = NULL;
}

uint64_t map_ch_ahead_ask (map_ch_ahead_t *self, uint32_t from, uint32_t to)
{
    if (self->asked - self->tail > self->mask) {
        uint64_t passed = atomic_load_explicit (&self->passed, memory_order_acquire);
        while (self->tail < passed && self->slot[self->tail & self->mask].used)
            self->tail++;
        if (self->asked - self->tail > self->mask) {
            self->stats.refused++;
            return MAP_CH_AHEAD_NONE;
        }
    }
    uint64_t ticket = self->asked;
    s_slot_t *s = &self->slot[ticket & self->mask];
    s->from = from;
    s->to = to;
    s->used = false;
    atomic_store_explicit (&s->state, S_QUEUED, memory_order_relaxed); /* published by the lock below */
    pthread_mutex_lock (&self->lock);
    self->asked = ticket + 1;
    if (self->sleeping) pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    return ticket;
}

int map_ch_ahead_take_path (map_ch_ahead_t *self, uint64_t ticket, map_route_t *out, const uint32_t **path,
                            size_t *count)
{
    assert (self->paths);
    s_slot_t *s = &self->slot[ticket & self->mask];
    int rc = map_ch_ahead_take (self, ticket, out);
    *path = NULL;
    *count = 0;
    if (rc < 0) return rc;
    if (atomic_load_explicit (&s->state, memory_order_relaxed) == S_TAKEN) { /* routed here, just now */
        *path = map_ch_path (self->mine, count);
        return 0;
    }
    if (s->path_count == 0) { /* the thread could not keep it: route it again here */
        if (!self->mine && !(self->mine = map_ch_query_new (self->ch))) return -1;
        if (map_ch_route (self->mine, s->from, s->to, out) < 0) return -1;
        *path = map_ch_path (self->mine, count);
        return 0;
    }
    *path = s->path;
    *count = s->path_count;
    return 0;
}

int map_ch_ahead_take (map_ch_ahead_t *self, uint64_t ticket, map_route_t *out)
{
    assert (ticket < self->asked && ticket >= self->tail);
    s_slot_t *s = &self->slot[ticket & self->mask];
    assert (!s->used);
    s->used = true;
    int expect = S_QUEUED;
    if (atomic_compare_exchange_strong (&s->state, &expect, S_TAKEN)) {
        self->stats.at_need++;
        if (!self->mine && !(self->mine = map_ch_query_new (self->ch))) return -1;
        return map_ch_route (self->mine, s->from, s->to, out);
    }
    /* the thread has it: a route being computed is a few dozen microseconds away */
    while (atomic_load_explicit (&s->state, memory_order_acquire) != S_DONE)
        sched_yield ();
    self->stats.ahead++;
    if (s->rc == 0) *out = s->route;
    return s->rc;
}

int map_ch_ahead_ready (const map_ch_ahead_t *self, uint64_t ticket)
{
    assert (ticket < self->asked && ticket >= self->tail);
    return atomic_load_explicit (&self->slot[ticket & self->mask].state, memory_order_acquire) == S_DONE;
}

void map_ch_ahead_drop (map_ch_ahead_t *self, uint64_t ticket)
{
    assert (ticket < self->asked && ticket >= self->tail);
    s_slot_t *s = &self->slot[ticket & self->mask];
    assert (!s->used);
    s->used = true;
    int expect = S_QUEUED;
    atomic_compare_exchange_strong (&s->state, &expect, S_TAKEN);
}

void map_ch_ahead_stats (const map_ch_ahead_t *self, map_ch_ahead_stats_t *out)
{
    *out = self->stats;
}
