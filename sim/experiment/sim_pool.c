/* sim_pool: the worker threads of sweeps and regression suites. */
#include "sim_pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "map_error.h"

/* The shared state of one sim_pool_run. Everything below `lock` is guarded by it. */
typedef struct {
    size_t count;
    sim_pool_task_fn *task_fn;
    void *arg;
    sim_pool_done_fn *done_fn;
    void *done_arg;
    pthread_mutex_t lock;
    size_t next;               /* the next task to hand out */
    size_t done;
    int failed;
    size_t failed_task;        /* the lowest-numbered task that failed */
    char failed_msg[1024];
} s_pool_t;

/* One worker: takes task numbers in turn until none is left or a task failed. */
static void *
s_worker (void *arg)
{
    s_pool_t *pool = arg;
    char msg[1024];
    pthread_mutex_lock (&pool->lock);
    while (!pool->failed && pool->next < pool->count) {
        size_t task = pool->next++;
        pthread_mutex_unlock (&pool->lock);

        msg[0] = '\0';
        int rc = pool->task_fn (task, pool->arg, msg, sizeof msg);

        pthread_mutex_lock (&pool->lock);
        if (rc < 0) {
            if (!pool->failed || task < pool->failed_task) {
                pool->failed_task = task;
                snprintf (pool->failed_msg, sizeof pool->failed_msg, "%s", msg[0] ? msg : "failed (no message)");
            }
            pool->failed = 1;
        } else if (rc == 0) {
            pool->done++;
            if (pool->done_fn)
                pool->done_fn (task, pool->done, pool->count, pool->done_arg);
        }
    }
    pthread_mutex_unlock (&pool->lock);
    return NULL;
}

int
sim_pool_run (size_t count, int jobs, sim_pool_task_fn *task_fn, void *arg, sim_pool_done_fn *done_fn,
              void *done_arg, size_t *failed, char *err, size_t errlen)
{
    *failed = count;
    if (jobs < 1)
        return map_error (err, errlen, "--jobs %d: need at least 1", jobs);
    size_t threads = (size_t) jobs < count ? (size_t) jobs : count;
    pthread_t *tids = NULL;
    s_pool_t *pool = calloc (1, sizeof *pool);
    if (!pool || (threads > 1 && !(tids = calloc (threads - 1, sizeof *tids)))) {
        free (pool);
        return map_error (err, errlen, "out of memory");
    }
    *pool = (s_pool_t) {.count = count, .task_fn = task_fn, .arg = arg, .done_fn = done_fn, .done_arg = done_arg};
    pthread_mutex_init (&pool->lock, NULL);
    size_t started = 0;
    while (started + 1 < threads && pthread_create (&tids[started], NULL, s_worker, pool) == 0)
        started++;
    s_worker (pool);
    for (size_t i = 0; i < started; i++)
        pthread_join (tids[i], NULL);
    pthread_mutex_destroy (&pool->lock);
    int rc = 0;
    if (pool->failed) {
        *failed = pool->failed_task;
        rc = map_error (err, errlen, "%s", pool->failed_msg);
    }
    free (pool);
    free (tids);
    return rc;
}
