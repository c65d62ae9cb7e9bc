/* sim_data: finds installed data (scenarios, the policy regression suite) by name. An installed tool looks in the
 * data folder beside its own bin/ first (../share/robotaxi, so a copy installed under any prefix finds its own
 * files), then in the data folder configured at build time. */
#ifndef SIM_DATA_H
#define SIM_DATA_H

#include <stddef.h>

#define SIM_DATA_PATH_MAX 4096
#define SIM_DATA_MAX_DIRS 2

typedef struct {
    char dir[SIM_DATA_MAX_DIRS][SIM_DATA_PATH_MAX];   /* the folders looked in, in order */
    size_t count;
} sim_data_dirs_t;

/* Fills self with the folders to look in: FROM_BIN taken relative to the folder of the executable EXE (when EXE is a
 * path with a '/' and FROM_BIN is relative), then BUILTIN. NULL or empty ones are skipped, a folder is listed once,
 * and one whose path would not fit is left out. */
void sim_data_dirs (sim_data_dirs_t *self, const char *exe, const char *from_bin, const char *builtin);

/* The same for the running program: EXE is what /proc/self/exe points to (nothing when it cannot be read). */
void sim_data_dirs_self (sim_data_dirs_t *self, const char *from_bin, const char *builtin);

/* What a user gave where a data file is expected (robotaxi-sim -s ARG): ARG itself when a file of that name exists or
 * ARG has a '/'; otherwise the first DIR/ARG SUFFIX that exists among the folders (SUFFIX may be "" or NULL; it is
 * not added twice: ARG may end in it).
 * 0 with the path in path; -1 when ARG is a bare name found nowhere, with "ARG: no such file, nor ARGSUFFIX in DIR1
 * or DIR2" in err (or "...: path too long"). */
int sim_data_find (const sim_data_dirs_t *self, const char *arg, const char *suffix, char *path, size_t len,
                   char *err, size_t errlen);

#endif
