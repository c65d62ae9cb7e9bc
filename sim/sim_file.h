/* sim_file: an output file of a results folder, opened as DIR/NAME and closed with a check that nothing written was
 * lost, so every writer (reports, costs, plots) reports failures the same way: "PATH: why". */
#ifndef SIM_FILE_H
#define SIM_FILE_H

#include <stddef.h>
#include <stdio.h>

#define SIM_FILE_PATH_MAX 4096

typedef struct {
    FILE *f;
    char path[SIM_FILE_PATH_MAX];
} sim_file_t;

/* Opens DIR/NAME for writing. 0, or -1 with "PATH: why" (or "DIR/NAME: path too long") in err. */
int sim_file_open (sim_file_t *self, const char *dir, const char *name, char *err, size_t errlen);

/* Closes the file (nothing when it is not open). 0, or -1 with "PATH: write failed" when anything written was
 * lost. */
int sim_file_close (sim_file_t *self, char *err, size_t errlen);

/* Closes the file after a failure elsewhere, keeping the message already in err. */
void sim_file_abandon (sim_file_t *self);

/* Creates the folder path and any missing parents (mkdir -p). 0, or -1 with "PATH: why" (or "PATH: not a
 * directory" when something else is there). */
int sim_file_make_dir (const char *path, char *err, size_t errlen);

#endif
