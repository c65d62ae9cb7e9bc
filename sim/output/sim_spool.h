/* sim_spool: files written behind the run, on a thread of their own. A run that writes a great deal (trajectories:
 * hundreds of MB a day) appends records to a stream's chunk and goes on; full chunks queue for the spool's thread,
 * which turns each into text with the stream's format function and writes it to the stream's FILE. A stream's
 * chunks are formatted in the order they were filled, so a file's bytes do not depend on the thread. At most
 * `chunks` chunks exist: a run that outpaces its writer waits for one, so memory stays bounded. Without a thread
 * (pthread_create failed) each chunk is formatted as it fills, on the run's thread: the same bytes, later. */
#ifndef SIM_SPOOL_H
#define SIM_SPOOL_H

#include <stddef.h>
#include <stdio.h>

typedef struct sim_spool_t sim_spool_t;

/* Turns bytes [0, n) of records, as the run appended them (whole records: one never straddles two chunks), into
 * text on f. Runs on the spool's thread; it may touch only what the run no longer changes. */
typedef void (sim_spool_format_fn) (void *arg, const unsigned char *records, size_t n, FILE *f);

#define SIM_SPOOL_STREAMS 4

/* A spool of `chunks` (at least SIM_SPOOL_STREAMS + 1) chunks of chunk_bytes each (a record larger than that gets a chunk its size). NULL with
 * why in err when out of memory. */
sim_spool_t *sim_spool_new (size_t chunk_bytes, unsigned chunks, char *err, size_t errlen);

/* Adds a stream writing to f (owned by the caller, who must not touch it until sim_spool_finish) through format
 * (arg is its first argument). Its number (0 ..), or -1 when SIM_SPOOL_STREAMS are open already. */
int sim_spool_stream (sim_spool_t *self, FILE *f, sim_spool_format_fn *format, void *arg);

/* Room for one record of n bytes in the stream's chunk, to be filled and then committed with its real size (<= n).
 * NULL when out of memory: the spool is failed then (sim_spool_finish returns -1) and later reserves return NULL. */
void *sim_spool_reserve (sim_spool_t *self, int stream, size_t n);
void sim_spool_commit (sim_spool_t *self, int stream, size_t used);

/* Formats and writes what is left, stops the thread and destroys the spool (the FILEs stay open: the caller closes
 * them and checks them). 0, or -1 when a reserve failed for want of memory. NULL-safe (0). */
int sim_spool_finish (sim_spool_t **self_p);

#endif
