/* sim_pool: the worker threads of sweeps and regression suites, and their share-out over processes. */
#include "sim_pool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_error.h"

#define S_NONE SIZE_MAX

/* The shared state of one sim_pool_run on this process. Everything below `lock` is guarded by it; on a rank > 0 the
 * lock also makes the net's calls one at a time. */
typedef struct {
    const sim_pool_job_t *job;
    const sim_pool_net_t *net; /* NULL: this process alone */
    int remote;                /* this process asks rank 0 for its tasks and sends it their outcomes */
    pthread_mutex_t lock;
    size_t next;               /* the next task to hand out (rank 0 or alone) */
    size_t done;
    int failed;
    size_t failed_task;        /* the lowest-numbered task that failed */
    char failed_msg[1024];
    int net_failed;            /* the net failed: no further task is asked for */
    char net_msg[1024];
} s_pool_t;

/* One thread's share: its pool, and a task handed to it before it started (S_NONE: none). */
typedef struct {
    s_pool_t *pool;
    size_t first;
} s_worker_t;

/* Records a failure of the net (the first one wins). Precondition: pool->lock held. */
static void
s_net_failed (s_pool_t *pool, const char *msg)
{
    if (!pool->net_failed)
        snprintf (pool->net_msg, sizeof pool->net_msg, "%s", msg[0] ? msg : "the processes lost each other");
    pool->net_failed = 1;
}

/* The outcome of a task, here on the gathering process: stored by the job, then counted. */
static void
s_settle (s_pool_t *pool, int from, size_t task, int rc, const void *result, char *msg, size_t len)
{
    const sim_pool_job_t *job = pool->job;
    if (job->store)
        rc = job->store (task, rc, result, job->arg, msg, len);
    pthread_mutex_lock (&pool->lock);
    if (job->by_rank && rc <= 0)
        job->by_rank[from]++;
    if (rc < 0) {
        if (!pool->failed || task < pool->failed_task) {
            pool->failed_task = task;
            snprintf (pool->failed_msg, sizeof pool->failed_msg, "%s", msg[0] ? msg : "failed (no message)");
        }
        pool->failed = 1;
    } else if (rc == 0) {
        pool->done++;
        if (job->done)
            job->done (task, pool->done, job->count, job->arg);
    }
    pthread_mutex_unlock (&pool->lock);
}

/* The next task for a thread of this process: 1 with *task, 0 when none is left. */
static int
s_take (s_pool_t *pool, size_t *task)
{
    int has = 0;
    char msg[1024] = "";
    pthread_mutex_lock (&pool->lock);
    if (pool->net_failed) {
        has = 0;
    } else if (!pool->remote) {
        has = pool->next < pool->job->count;
        if (has)
            *task = pool->next++;
    } else {
        has = pool->net->ask (pool->net->self, task, msg, sizeof msg);
        if (has > 0 && *task >= pool->job->count) {
            snprintf (msg, sizeof msg, "rank 0 handed out task %zu of %zu", *task, pool->job->count);
            has = -1;
        }
        if (has < 0)
            s_net_failed (pool, msg);
    }
    pthread_mutex_unlock (&pool->lock);
    return has > 0;
}

/* One worker: plays tasks until none is left, storing each (or sending it to rank 0). */
static void *
s_worker (void *arg)
{
    s_worker_t *w = arg;
    s_pool_t *pool = w->pool;
    const sim_pool_job_t *job = pool->job;
    char msg[1024], sent[1024];
    void *result = malloc (job->result_size);
    if (!result) {
        pthread_mutex_lock (&pool->lock);
        s_net_failed (pool, "out of memory");
        pthread_mutex_unlock (&pool->lock);
        return NULL;
    }
    size_t task = w->first;
    w->first = S_NONE;
    while (task != S_NONE || s_take (pool, &task)) {
        memset (result, 0, job->result_size);
        msg[0] = '\0';
        int rc = job->play (task, result, job->arg, msg, sizeof msg);
        if (!pool->remote) {
            s_settle (pool, 0, task, rc, result, msg, sizeof msg);
        } else {
            pthread_mutex_lock (&pool->lock);
            if (!pool->net_failed &&
                pool->net->send (pool->net->self, task, rc, msg, result, job->result_size, sent, sizeof sent) < 0)
                s_net_failed (pool, sent);
            pthread_mutex_unlock (&pool->lock);
        }
        task = S_NONE;
    }
    free (result);
    return NULL;
}

/* Rank 0 of several: hands out tasks to the other ranks as they ask and settles their outcomes, until every other
 * rank has finished. */
static void
s_serve (s_pool_t *pool)
{
    const sim_pool_net_t *net = pool->net;
    const sim_pool_job_t *job = pool->job;
    void *result = malloc (job->result_size);
    sim_pool_msg_t msg;
    char err[1024] = "";
    int finished = 0, rc = result ? 0 : -1;
    if (!result)
        snprintf (err, sizeof err, "out of memory");
    while (rc == 0 && finished < net->size - 1) {
        memset (result, 0, job->result_size);
        memset (&msg, 0, sizeof msg);
        rc = net->wait (net->self, &msg, result, job->result_size, err, sizeof err);
        if (rc < 0)
            break;
        if (msg.kind == SIM_POOL_ASK) {
            pthread_mutex_lock (&pool->lock);
            int has = pool->next < job->count;
            size_t task = has ? pool->next++ : 0;
            pthread_mutex_unlock (&pool->lock);
            rc = net->answer (net->self, msg.from, has, task, err, sizeof err);
        } else if (msg.kind == SIM_POOL_RESULT && msg.task < job->count && msg.from > 0 && msg.from < net->size) {
            msg.msg[sizeof msg.msg - 1] = '\0';
            s_settle (pool, msg.from, msg.task, msg.rc, result, msg.msg, sizeof msg.msg);
        } else if (msg.kind == SIM_POOL_FINISH) {
            finished++;
        } else {
            snprintf (err, sizeof err, "rank %d sent a message of kind %d for task %zu", msg.from, (int) msg.kind,
                      msg.task);
            rc = -1;
        }
    }
    if (rc < 0) {
        pthread_mutex_lock (&pool->lock);
        s_net_failed (pool, err);
        pool->next = job->count;   /* the local threads stop too */
        pthread_mutex_unlock (&pool->lock);
    }
    free (result);
}

int
sim_pool_run (const sim_pool_job_t *job, int jobs, const sim_pool_net_t *net, size_t *failed, char *err,
              size_t errlen)
{
    *failed = job->count;
    if (jobs < 1)
        return map_error (err, errlen, "--jobs %d: need at least 1", jobs);
    if (net && net->size <= 1)
        net = NULL;
    int serve = net && net->rank == 0;
    size_t threads = (size_t) jobs;
    if (!serve && job->count < threads && !net)
        threads = job->count ? job->count : 1;
    pthread_t *tids = calloc (threads, sizeof *tids);
    s_worker_t *workers = calloc (threads, sizeof *workers);
    s_pool_t *pool = calloc (1, sizeof *pool);
    if (!pool || !tids || !workers) {
        free (pool);
        free (tids);
        free (workers);
        return map_error (err, errlen, "out of memory");
    }
    *pool = (s_pool_t) {.job = job, .net = net, .remote = net && net->rank > 0};
    pthread_mutex_init (&pool->lock, NULL);
    for (size_t i = 0; i < threads; i++)
        workers[i] = (s_worker_t) {.pool = pool, .first = S_NONE};
    if (serve && job->count > 0) {
        workers[0].first = 0;   /* task 0 is played here: a job's store may wait for it */
        pool->next = 1;
    }
    /* alone or on a rank > 0 the calling thread is worker 0; on rank 0 of several it serves the others */
    size_t started = serve ? 0 : 1;
    while (started < threads && pthread_create (&tids[started], NULL, s_worker, &workers[started]) == 0)
        started++;
    if (serve) {
        if (started == 0)
            s_worker (&workers[0]);   /* no thread: this one plays every task, then answers the others: none */
        s_serve (pool);
    } else {
        s_worker (&workers[0]);
    }
    for (size_t i = serve ? 0 : 1; i < started; i++)
        pthread_join (tids[i], NULL);
    if (pool->remote && !pool->net_failed) {
        char msg[1024];
        if (net->finish (net->self, msg, sizeof msg) < 0)
            s_net_failed (pool, msg);
    }
    pthread_mutex_destroy (&pool->lock);
    int rc = 0;
    if (pool->net_failed) {
        rc = map_error (err, errlen, "%s", pool->net_msg);
    } else if (pool->failed) {
        *failed = pool->failed_task;
        rc = map_error (err, errlen, "%s", pool->failed_msg);
    }
    free (pool);
    free (tids);
    free (workers);
    return rc;
}
