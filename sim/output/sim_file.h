/* sim_file: an output file of a results folder, opened as DIR/NAME and closed with a check that nothing written was
 * lost, so every writer (reports, costs, plots, sweeps, logs, baselines) reports failures the same way: "PATH: why".
 * The text goes to PATH.part and is renamed to PATH when closed, so a reader never sees half a file, and a writer
 * that fails leaves the file that was there before. */
#ifndef SIM_FILE_H
#define SIM_FILE_H

#include <stddef.h>
#include <stdio.h>

#define SIM_FILE_PATH_MAX 4096

#define SIM_FILE_PART ".part"   /* the suffix of a file while it is written */

typedef struct {
    FILE *f;
    char path[SIM_FILE_PATH_MAX];                          /* the file's name once closed */
    char part[SIM_FILE_PATH_MAX + sizeof SIM_FILE_PART];   /* PATH.part while it is written */
} sim_file_t;

/* Opens DIR/NAME for writing (as DIR/NAME.part). 0, or -1 with "DIR/NAME: why" (or "...: path too long") in err. */
int sim_file_open (sim_file_t *self, const char *dir, const char *name, char *err, size_t errlen);

/* The same for a whole path. */
int sim_file_open_path (sim_file_t *self, const char *path, char *err, size_t errlen);

/* Closes the file and renames PATH.part to PATH (nothing when it is not open). 0, or -1 with "PATH: write failed"
 * when anything written was lost, or "PATH: why" when the rename failed; PATH.part is removed then. */
int sim_file_close (sim_file_t *self, char *err, size_t errlen);

/* Closes the file after a failure elsewhere, keeping the message already in err: PATH.part is removed and PATH is as
 * it was before. */
void sim_file_abandon (sim_file_t *self);

/* Creates the folder path and any missing parents (mkdir -p). 0, or -1 with "PATH: why" (or "PATH: not a
 * directory" when something else is there). */
int sim_file_make_dir (const char *path, char *err, size_t errlen);

#endif
