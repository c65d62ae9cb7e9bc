/* sim_pool: plays numbered tasks (the runs of a sweep, the runs of a regression suite) on a pool of threads, and
 * optionally over several processes (sim_ranks: MPI ranks). Each thread takes the next task number in turn; a task
 * is played (anywhere) into a result of fixed size, then stored (on the process that gathers, rank 0). A task that
 * fails does not stop the others. */
#ifndef SIM_POOL_H
#define SIM_POOL_H

#include <stddef.h>

/* What a pool plays. */
typedef struct {
    size_t count;              /* tasks 0 .. count-1 */
    size_t result_size;        /* bytes of one task's result, >= 1 */
    /* Plays task into result (result_size bytes, zeroed). Returns 0 when done; a positive number when the task is
     * dropped (neither done nor failed, e.g. its result is not wanted any more); or -1 with a message in err. Called
     * from several threads (and processes) at once, each with its own result and err. */
    int (*play) (size_t task, void *result, void *arg, char *err, size_t errlen);
    /* Takes the outcome of a task played here or on another process: rc and err as play left them, result as it
     * filled it. Returns the rc that counts: 0 stored, positive dropped, -1 failed (with a message in err, which it
     * may rewrite). Called on the gathering process only, from several threads at once: it guards what it shares.
     * NULL: play's rc counts as it is (a job whose play keeps its outcome itself). */
    int (*store) (size_t task, int rc, const void *result, void *arg, char *err, size_t errlen);
    void *arg;
    /* Told after each task stored, done going 1, 2, ...; called with the pool's lock held, so calls never overlap;
     * it must be quick. May be NULL. */
    void (*done) (size_t task, size_t done, size_t total, void *arg);
    /* NULL, or a counter per rank (net->size of them, or 1 without a net), zeroed by the caller: rank 0 adds each
     * task settled (stored or failed) to the rank that played it. */
    size_t *by_rank;
} sim_pool_job_t;

/* A message a gathering process receives from another (sim_pool_net_t.wait). */
typedef enum {
    SIM_POOL_ASK = 1,          /* from: wants a task (answer it) */
    SIM_POOL_RESULT,           /* from: a task's outcome: task, rc, msg and the result in the buffer */
    SIM_POOL_FINISH            /* from: has played its last task and sent every result */
} sim_pool_msg_kind_t;

typedef struct {
    sim_pool_msg_kind_t kind;
    int from;
    size_t task;
    int rc;
    char msg[1024];
} sim_pool_msg_t;

/* How tasks travel between processes: rank 0 gathers, every other rank asks it for tasks and sends it their
 * outcomes (sim_ranks implements it over MPI). The pool calls one function at a time per process. */
typedef struct {
    void *self;
    int rank;                  /* this process, 0 .. size-1 */
    int size;                  /* processes, >= 1 */
    /* rank > 0: asks rank 0 for a task. 1 with *task, 0 when none is left, -1 on failure (message in err). */
    int (*ask) (void *self, size_t *task, char *err, size_t errlen);
    /* rank > 0: sends task's outcome (rc, msg, result of len bytes) to rank 0. 0, or -1 on failure. */
    int (*send) (void *self, size_t task, int rc, const char *msg, const void *result, size_t len, char *err,
                 size_t errlen);
    /* rank > 0: tells rank 0 that this process has sent all it will. 0, or -1 on failure. */
    int (*finish) (void *self, char *err, size_t errlen);
    /* rank 0: waits for the next message; a result's bytes go to buf (len bytes expected). 0, or -1 on failure. */
    int (*wait) (void *self, sim_pool_msg_t *msg, void *buf, size_t len, char *err, size_t errlen);
    /* rank 0: answers rank `to`'s ask: has 1 with task, or 0 (none left). 0, or -1 on failure. */
    int (*answer) (void *self, int to, int has, size_t task, char *err, size_t errlen);
    /* every rank, all at the same point: rank 0's rc reaches the others (rank 0 passes it, the others anything);
     * returns it. Lets rank 0 prepare what every run needs before the others start, or stop them. */
    int (*share) (void *self, int rc);
} sim_pool_net_t;

/* Plays job's tasks on min(jobs, count) threads of this process (the calling thread one of them; if the system
 * refuses a thread, the ones started do the work), tasks handed out in number order. With net (may be NULL) of
 * size > 1, every process calls it with the same job: rank 0 hands out task numbers to its own threads and to the
 * other ranks as they ask (so longer tasks balance out), and stores every outcome; the calling thread of rank 0
 * serves the other ranks and `jobs` threads play. Task 0 is always played on rank 0.
 * A failed task does not stop the others. Returns 0 when every task was done or dropped (on rank > 0: when this
 * process played its share). Returns -1 when a task failed, with the lowest-numbered one that failed in *failed and
 * its message in err ("failed (no message)" when it left none), so the outcome does not depend on jobs or ranks; or
 * -1 with *failed = count and "--jobs N: need at least 1", "out of memory" or the net's failure in err. */
int sim_pool_run (const sim_pool_job_t *job, int jobs, const sim_pool_net_t *net, size_t *failed, char *err,
                  size_t errlen);

#endif
