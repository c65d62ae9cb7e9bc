/* rt_proc: test helpers for running the project's tools as child processes: spawn with pipes, wait for a line on
 * a pipe (instead of sleeping), run to completion with captured output, read files. */
#ifndef RT_PROC_H
#define RT_PROC_H

#include <stddef.h>
#include <sys/types.h>

/* Full path of a built tool ("robotaxi-sim") from $RT_TOOLS_DIR. Static buffer per call site is not needed: the
 * result is malloc'd, caller frees. */
char *rt_tool (const char *name);

/* Starts argv[0] with argv. When out_fd / err_fd are not NULL the child's stdout / stderr go to pipes whose read
 * ends are returned there; otherwise to /dev/null. Returns the pid, or -1. */
pid_t rt_spawn (char *const argv[], int *out_fd, int *err_fd);

/* Reads lines from fd until one contains needle or timeout_ms passes; the matching line goes into line.
 * Returns 0 when found, -1 on timeout or end of file. */
int rt_wait_line (int fd, const char *needle, char *line, size_t len, int timeout_ms);

/* Waits for pid up to timeout_ms (then kills it). Returns its exit status, 128+signal, or -1 on timeout. */
int rt_wait (pid_t pid, int timeout_ms);

/* Stops a child that rt_spawn started: SIGTERM, then rt_wait up to timeout_ms; closes *fd unless it is < 0. Sets
 * *pid and *fd to -1. Returns the child's exit status as rt_wait does, or 0 when *pid is not a child (<= 0). */
int rt_stop (pid_t *pid, int *fd, int timeout_ms);

/* Runs argv to completion (up to timeout_ms), capturing stdout and stderr (each up to len-1 bytes,
 * NUL-terminated; either buffer may be NULL). Returns the exit status as rt_wait. */
int rt_run (char *const argv[], char *out, size_t out_len, char *err, size_t err_len, int timeout_ms);

/* Whole file, NUL-terminated, malloc'd; *len set when len is not NULL. NULL when unreadable. */
char *rt_slurp (const char *path, size_t *len);

/* 1 when the two files exist and have the same bytes. */
int rt_same_file (const char *a, const char *b);

/* 1 when DIR_A/NAME and DIR_B/NAME have the same bytes. */
int rt_same_in_dirs (const char *dir_a, const char *dir_b, const char *name);

/* 1 when DIR/NAME exists (a file or a folder). */
int rt_exists_in (const char *dir, const char *name);

/* Decompresses the bzip2 file src into dst with Debian's bzip2. 0, or -1 when bzip2 failed. */
int rt_bunzip (const char *src, const char *dst);

/* A fresh empty folder under $TMPDIR (or /tmp), malloc'd path. */
char *rt_temp_dir (const char *tag);

#endif
