/* sim_shard: a sweep split into shards (the tasks of a Slurm job array, or any set of machines) and joined back:
 * which share a task plays, the manifest a shard's folder holds, and the checks that the folders given to a merge
 * are the shards of one sweep, every run in exactly one of them. */
#ifndef SIM_SHARD_H
#define SIM_SHARD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sim_sweep.h"

#define SIM_SHARD_FILE "shard.ini"   /* a shard's manifest, beside its config.ini and sweep.ini */

/* sim_shard_plan's answers besides 0 and -1 (out of memory). */
enum {
    SIM_SHARD_MISSING = -2,    /* a folder, a manifest, a run or a whole shard is not there */
    SIM_SHARD_BAD = -3,        /* a malformed manifest, shards of different sweeps or splits, a run given twice */
};

/* Reads "K/N" (decimal, 1 <= K <= N <= SIM_SWEEP_MAX_RUNS) into *k and *n. 0, or -1 with "--shard TEXT: why". */
int sim_shard_parse (const char *text, size_t *k, size_t *n, char *err, size_t errlen);

/* The shard of a Slurm array task, from its environment: with SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT both
 * set, N = SLURM_ARRAY_TASK_COUNT and K = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / STEP + 1, STEP being
 * SLURM_ARRAY_TASK_STEP (1 when unset), so --array=0-9, --array=1-10 and --array=0-18:2 all give shards 1/10 ..
 * 10/10. Returns 1 with *k, *n and a line saying where they came from in how; 0 when either variable is unset (not
 * an array task); -1 with a message when they cannot be read as one share (no SLURM_ARRAY_TASK_MIN, ids that are
 * not evenly spaced such as --array=1,4,5, an id outside the array). */
int sim_shard_from_env (size_t *k, size_t *n, char *how, size_t howlen, char *err, size_t errlen);

/* The fingerprint of a sweep: zlib's CRC-32 of its config.ini text followed by its sweep.ini text. */
uint32_t sim_shard_fingerprint (const char *config_text, const char *grid_text);

/* Writes the manifest of sweep's shard (sim_sweep_set_shard): a comment, then a [shard] section with
 * "shard = K/N", "fingerprint = XXXXXXXX" (8 hex digits) and "runs = R1,R2,..." (the runs it holds, in order;
 * empty when none). 0, or -1 on a write error. */
int sim_shard_write (FILE *out, const sim_sweep_t *sweep, uint32_t fingerprint);

/* What a merge joins: one sweep's texts and, for each run, the shard folder that holds it. */
typedef struct {
    char *config_text;         /* the sweep's config.ini and sweep.ini, as every shard holds them */
    char *grid_text;
    size_t runs;               /* the sweep's runs (sweep.ini's "runs") */
    size_t n;                  /* shards in the split */
    size_t *holder;            /* runs entries: the index in dirs of the folder holding each run */
} sim_shard_plan_t;

/* Reads the manifests, config.ini and sweep.ini of the count folders in dirs and checks that they are the shards of
 * one sweep: each manifest well formed and its fingerprint that of the folder's config.ini and sweep.ini, every
 * folder's config.ini and sweep.ini the same bytes, one split N, no shard given twice, every shard given, and each
 * run's headline.csv (a run that finished) in its folder. Fills plan (the caller clears it with
 * sim_shard_plan_clear, also after a failure) and returns 0; or SIM_SHARD_MISSING or SIM_SHARD_BAD (above) or -1,
 * with a message in err that names the folders and the runs. */
int sim_shard_plan (sim_shard_plan_t *plan, const char *const *dirs, size_t count, char *err, size_t errlen);

/* Frees what plan holds; NULL-safe, leaves it zeroed. */
void sim_shard_plan_clear (sim_shard_plan_t *plan);

/* Copies the files of folder src (and its subfolders) into dst, created when missing; names starting with '.' are
 * skipped. 0, or -1 with "PATH: why". */
int sim_shard_copy_dir (const char *src, const char *dst, char *err, size_t errlen);

/* The whole text of a file (malloc'd, NUL-terminated), or NULL with errno set. */
char *sim_shard_slurp (const char *path);

#endif
