/* sim_pool: a pool of threads that plays numbered tasks (the runs of a sweep, the runs of a regression suite): each
 * thread takes the next task number in turn, and the first failure stops the hand-out. */
#ifndef SIM_POOL_H
#define SIM_POOL_H

#include <stddef.h>

/* Plays task number `task`. Returns 0 when done; a positive number when the task is dropped (neither done nor failed,
 * e.g. its result is not wanted any more); or -1 with a message in err. Called from several threads at once, each
 * with its own err; arg is shared. */
typedef int (sim_pool_task_fn) (size_t task, void *arg, char *err, size_t errlen);

/* Told after each task done, done going 1, 2, ... total. Called with the pool's lock held, so calls never overlap and
 * arrive in order of done; it must be quick and must not call into the pool. */
typedef void (sim_pool_done_fn) (size_t task, size_t done, size_t total, void *arg);

/* Plays tasks 0 .. count-1 on min(jobs, count) threads, the calling thread one of them (if the system refuses a
 * thread, the ones started do the work); tasks are handed out in number order. After the first failure no further
 * task is started and the ones under way finish. done_fn may be NULL.
 * Returns 0 when every task was done or dropped. Returns -1 when a task failed, with the lowest-numbered one that
 * failed in *failed and its message in err ("failed (no message)" when it left none), so the outcome does not depend
 * on jobs when failures depend only on the task; or -1 with *failed = count and "--jobs N: need at least 1" or
 * "out of memory" in err. */
int sim_pool_run (size_t count, int jobs, sim_pool_task_fn *task_fn, void *arg, sim_pool_done_fn *done_fn,
                  void *done_arg, size_t *failed, char *err, size_t errlen);

#endif
