/* sim_spool: files written behind the run, on a thread of their own. */
#include "sim_spool.h"

#include <pthread.h>
#include <stdlib.h>

#include "map_error.h"

typedef struct s_chunk_t {
    unsigned char *bytes;
    size_t cap, used;
    int stream;
    struct s_chunk_t *next;   /* in the queue or the free list */
} s_chunk_t;

typedef struct {
    FILE *f;
    sim_spool_format_fn *format;
    void *arg;
    s_chunk_t *fill;   /* the chunk the run appends to, or NULL */
} s_stream_t;

struct sim_spool_t {
    size_t chunk_bytes;
    unsigned limit, made;   /* chunks allowed, and made so far (chunk[0 .. made)) */
    s_chunk_t *chunk;
    s_stream_t stream[SIM_SPOOL_STREAMS];
    int streams;
    int failed;             /* a reserve found no memory: the run's side only */
    int threaded;
    pthread_t thread;
    pthread_mutex_t lock;   /* guards everything below */
    pthread_cond_t work;    /* the thread waits here for a queued chunk or the end */
    pthread_cond_t room;    /* the run waits here for a free chunk */
    s_chunk_t *queue, *queue_tail;   /* full chunks, in the order they were filled */
    s_chunk_t *spare;       /* free chunks */
    int closing;
};

static void
s_format (sim_spool_t *self, s_chunk_t *c)
{
    s_stream_t *s = &self->stream[c->stream];
    s->format (s->arg, c->bytes, c->used, s->f);
    c->used = 0;
}

static void *
s_thread (void *arg)
{
    sim_spool_t *self = arg;
    pthread_mutex_lock (&self->lock);
    for (;;) {
        while (!self->queue && !self->closing)
            pthread_cond_wait (&self->work, &self->lock);
        s_chunk_t *c = self->queue;
        if (!c)
            break;   /* closing, and nothing left */
        self->queue = c->next;
        if (!self->queue)
            self->queue_tail = NULL;
        pthread_mutex_unlock (&self->lock);

        s_format (self, c);

        pthread_mutex_lock (&self->lock);
        c->next = self->spare;
        self->spare = c;
        pthread_cond_signal (&self->room);
    }
    pthread_mutex_unlock (&self->lock);
    return NULL;
}

sim_spool_t *
sim_spool_new (size_t chunk_bytes, unsigned chunks, char *err, size_t errlen)
{
    sim_spool_t *self = calloc (1, sizeof *self);
    /* every stream may hold a chunk it fills while the thread formats another */
    unsigned limit = chunks < SIM_SPOOL_STREAMS + 1 ? SIM_SPOOL_STREAMS + 1 : chunks;
    if (!self || !(self->chunk = calloc (limit, sizeof *self->chunk))) {
        free (self);
        map_error (err, errlen, "out of memory");
        return NULL;
    }
    self->chunk_bytes = chunk_bytes ? chunk_bytes : 1;
    self->limit = limit;
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->work, NULL);
    pthread_cond_init (&self->room, NULL);
    self->threaded = pthread_create (&self->thread, NULL, s_thread, self) == 0;
    return self;
}

int
sim_spool_stream (sim_spool_t *self, FILE *f, sim_spool_format_fn *format, void *arg)
{
    if (self->streams == SIM_SPOOL_STREAMS)
        return -1;
    self->stream[self->streams] = (s_stream_t) {.f = f, .format = format, .arg = arg};
    return self->streams++;
}

/* Hands a full chunk to the thread (or formats it here without one). */
static void
s_submit (sim_spool_t *self, s_chunk_t *c)
{
    if (!self->threaded) {
        s_format (self, c);
        c->next = self->spare;
        self->spare = c;
        return;
    }
    c->next = NULL;
    pthread_mutex_lock (&self->lock);
    if (self->queue_tail)
        self->queue_tail->next = c;
    else
        self->queue = c;
    self->queue_tail = c;
    pthread_cond_signal (&self->work);
    pthread_mutex_unlock (&self->lock);
}

/* A free chunk, waiting for the thread to give one back when all are made; NULL when out of memory. */
static s_chunk_t *
s_take (sim_spool_t *self)
{
    s_chunk_t *c = NULL;
    if (self->threaded)
        pthread_mutex_lock (&self->lock);
    while (!self->spare && self->made == self->limit)
        pthread_cond_wait (&self->room, &self->lock);   /* only threaded: unthreaded chunks come back at once */
    if (self->spare) {
        c = self->spare;
        self->spare = c->next;
    } else {
        c = &self->chunk[self->made];
        if ((c->bytes = malloc (self->chunk_bytes))) {
            c->cap = self->chunk_bytes;
            self->made++;
        } else {
            c = NULL;
        }
    }
    if (self->threaded)
        pthread_mutex_unlock (&self->lock);
    return c;
}

void *
sim_spool_reserve (sim_spool_t *self, int stream, size_t n)
{
    s_stream_t *s = &self->stream[stream];
    if (self->failed)
        return NULL;
    s_chunk_t *c = s->fill;
    if (c && c->cap - c->used >= n)
        return c->bytes + c->used;
    if (c && c->used > 0) {
        s_submit (self, c);
        c = s->fill = NULL;
    }
    if (!c && !(c = s->fill = s_take (self))) {
        self->failed = 1;
        return NULL;
    }
    c->stream = stream;
    if (c->cap < n) {   /* a record larger than a chunk: this chunk grows to hold it */
        unsigned char *b = realloc (c->bytes, n);
        if (!b) {
            self->failed = 1;
            return NULL;
        }
        c->bytes = b;
        c->cap = n;
    }
    return c->bytes;
}

void
sim_spool_commit (sim_spool_t *self, int stream, size_t used)
{
    self->stream[stream].fill->used += used;
}

int
sim_spool_finish (sim_spool_t **self_p)
{
    if (!self_p || !*self_p)
        return 0;
    sim_spool_t *self = *self_p;
    *self_p = NULL;
    for (int i = 0; i < self->streams; i++) {
        s_chunk_t *c = self->stream[i].fill;
        if (c && c->used > 0)
            s_submit (self, c);
    }
    if (self->threaded) {
        pthread_mutex_lock (&self->lock);
        self->closing = 1;
        pthread_cond_signal (&self->work);
        pthread_mutex_unlock (&self->lock);
        pthread_join (self->thread, NULL);
    }
    int rc = self->failed ? -1 : 0;
    for (unsigned i = 0; i < self->made; i++)
        free (self->chunk[i].bytes);
    free (self->chunk);
    pthread_mutex_destroy (&self->lock);
    pthread_cond_destroy (&self->work);
    pthread_cond_destroy (&self->room);
    free (self);
    return rc;
}
