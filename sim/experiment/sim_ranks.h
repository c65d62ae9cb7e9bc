/* sim_ranks: a process's place among the MPI ranks of a job (mpirun, srun), and the net over which sim_pool spreads
 * the runs of a sweep or a regression suite: rank 0 hands out run numbers and gathers the results. Built only with
 * MPI (RT_HAVE_MPI); only the tools link it. */
#ifndef SIM_RANKS_H
#define SIM_RANKS_H

#include <stddef.h>

#include "sim_pool.h"

typedef struct sim_ranks_t sim_ranks_t;

/* Whether an MPI launcher started this process (its environment names a rank: Open MPI's, PMIx's or PMI's). A plain
 * run does not touch MPI. */
int sim_ranks_launched (void);

/* Joins the job (MPI_Init_thread with MPI_THREAD_SERIALIZED: the pool's threads take turns). NULL with a message in
 * err when MPI cannot start or gives less thread support. */
sim_ranks_t *sim_ranks_open (int *argc, char ***argv, char *err, size_t errlen);

/* Leaves the job (MPI_Finalize); NULL-safe, sets *self_p to NULL. */
void sim_ranks_close (sim_ranks_t **self_p);

int sim_ranks_rank (const sim_ranks_t *self);
int sim_ranks_size (const sim_ranks_t *self);

/* The net for sim_pool_run, sim_sweep_set_net and the tools' opts; valid until sim_ranks_close. */
const sim_pool_net_t *sim_ranks_net (sim_ranks_t *self);

/* Ends every rank of the job at once with status (MPI_Abort): for a rank that cannot go on while the others would
 * wait for it. Does not return. */
void sim_ranks_abort (sim_ranks_t *self, int status);

#endif
