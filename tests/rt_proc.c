/* rt_proc: child-process helpers for the integration tests. */
#include "rt_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
rt_tool (const char *name)
{
    const char *dir = getenv ("RT_TOOLS_DIR");
    char *path = malloc (4096);
    snprintf (path, 4096, "%s/%s", dir ? dir : ".", name);
    return path;
}

pid_t
rt_spawn (char *const argv[], int *out_fd, int *err_fd)
{
    int outp[2] = {-1, -1}, errp[2] = {-1, -1};
    if ((out_fd && pipe (outp) < 0) || (err_fd && pipe (errp) < 0))
        return -1;
    pid_t pid = fork ();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int devnull = open ("/dev/null", O_RDWR);
        dup2 (devnull, 0);
        dup2 (out_fd ? outp[1] : devnull, 1);
        dup2 (err_fd ? errp[1] : devnull, 2);
        for (int fd = 3; fd < 256; fd++)
            close (fd);
        execv (argv[0], argv);
        _exit (127);
    }
    if (out_fd) {
        close (outp[1]);
        *out_fd = outp[0];
    }
    if (err_fd) {
        close (errp[1]);
        *err_fd = errp[0];
    }
    return pid;
}

int
rt_wait_line (int fd, const char *needle, char *line, size_t len, int timeout_ms)
{
    long long deadline = s_now_ms () + timeout_ms;
    size_t used = 0;
    for (;;) {
        long long left = deadline - s_now_ms ();
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll (&p, 1, (int) left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        char c;
        ssize_t r = read (fd, &c, 1);
        if (r <= 0)
            return -1;
        if (c == '\n') {
            line[used] = '\0';
            if (strstr (line, needle))
                return 0;
            used = 0;
        } else if (used + 1 < len) {
            line[used++] = c;
        }
    }
}

int
rt_wait (pid_t pid, int timeout_ms)
{
    long long deadline = s_now_ms () + timeout_ms;
    int status;
    for (;;) {
        pid_t r = waitpid (pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
        if (r < 0)
            return -1;
        if (s_now_ms () > deadline) {
            kill (pid, SIGKILL);
            waitpid (pid, &status, 0);
            return -1;
        }
        struct timespec ts = {0, 5 * 1000000};
        nanosleep (&ts, NULL);
    }
}

int
rt_stop (pid_t *pid, int *fd, int timeout_ms)
{
    int rc = 0;
    if (*pid > 0) {
        kill (*pid, SIGTERM);
        rc = rt_wait (*pid, timeout_ms);
    }
    if (*fd >= 0)
        close (*fd);
    *pid = -1;
    *fd = -1;
    return rc;
}

/* Drains fd into buf (keeping the first len-1 bytes); returns 1 while the pipe is open. */
static int
s_drain (int fd, char *buf, size_t len, size_t *used)
{
    char chunk[4096];
    ssize_t r = read (fd, chunk, sizeof chunk);
    if (r <= 0)
        return 0;
    if (buf && *used + 1 < len) {
        size_t take = (size_t) r < len - 1 - *used ? (size_t) r : len - 1 - *used;
        memcpy (buf + *used, chunk, take);
        *used += take;
        buf[*used] = '\0';
    }
    return 1;
}

int
rt_run (char *const argv[], char *out, size_t out_len, char *err, size_t err_len, int timeout_ms)
{
    int ofd, efd;
    if (out)
        out[0] = '\0';
    if (err)
        err[0] = '\0';
    pid_t pid = rt_spawn (argv, &ofd, &efd);
    if (pid < 0)
        return -1;
    size_t oused = 0, eused = 0;
    int oopen = 1, eopen = 1;
    long long deadline = s_now_ms () + timeout_ms;
    while ((oopen || eopen) && s_now_ms () < deadline) {
        struct pollfd p[2] = {{.fd = oopen ? ofd : -1, .events = POLLIN}, {.fd = eopen ? efd : -1, .events = POLLIN}};
        if (poll (p, 2, 100) <= 0)
            continue;
        if (p[0].revents)
            oopen = s_drain (ofd, out, out_len, &oused);
        if (p[1].revents)
            eopen = s_drain (efd, err, err_len, &eused);
    }
    close (ofd);
    close (efd);
    long long left = deadline - s_now_ms ();
    return rt_wait (pid, left > 0 ? (int) left : 1);
}

char *
rt_slurp (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, used = 0;
    char *buf = malloc (cap);
    size_t r;
    while ((r = fread (buf + used, 1, cap - used - 1, f)) > 0) {
        used += r;
        if (cap - used < 2) {
            cap *= 2;
            buf = realloc (buf, cap);
        }
    }
    fclose (f);
    buf[used] = '\0';
    if (len)
        *len = used;
    return buf;
}

int
rt_same_file (const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = rt_slurp (a, &la), *y = rt_slurp (b, &lb);
    int same = x && y && la == lb && memcmp (x, y, la) == 0;
    free (x);
    free (y);
    return same;
}

int
rt_same_in_dirs (const char *dir_a, const char *dir_b, const char *name)
{
    char pa[4096], pb[4096];
    snprintf (pa, sizeof pa, "%s/%s", dir_a, name);
    snprintf (pb, sizeof pb, "%s/%s", dir_b, name);
    return rt_same_file (pa, pb);
}

int
rt_exists_in (const char *dir, const char *name)
{
    char path[4096];
    struct stat st;
    snprintf (path, sizeof path, "%s/%s", dir, name);
    return stat (path, &st) == 0;
}

char *
rt_temp_dir (const char *tag)
{
    const char *tmp = getenv ("TMPDIR");
    char *path = malloc (4096);
    snprintf (path, 4096, "%s/robotaxi-%s-XXXXXX", tmp ? tmp : "/tmp", tag);
    if (!mkdtemp (path)) {
        free (path);
        return NULL;
    }
    return path;
}

int
rt_bunzip (const char *src, const char *dst)
{
    char *argv[] = {"/bin/sh", "-c", "bzip2 -dc \"$0\" > \"$1\"", (char *)src, (char *)dst, NULL};
    char err[512];
    return rt_run (argv, NULL, 0, err, sizeof err, 30000) == 0 ? 0 : -1;
}
