/* sim_file: opening and closing the files of a results folder. */
#include "sim_file.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map_error.h"

int
sim_file_open_path (sim_file_t *self, const char *path, char *err, size_t errlen)
{
    self->f = NULL;
    if (snprintf (self->path, sizeof self->path, "%s", path) >= (int) sizeof self->path)
        return map_error (err, errlen, "%s: path too long", path);
    snprintf (self->part, sizeof self->part, "%s" SIM_FILE_PART, self->path);
    self->f = fopen (self->part, "w");
    if (!self->f)
        return map_error (err, errlen, "%s: %s", self->path, strerror (errno));
    return 0;
}

int
sim_file_open (sim_file_t *self, const char *dir, const char *name, char *err, size_t errlen)
{
    char path[SIM_FILE_PATH_MAX];
    int n = snprintf (path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t) n >= sizeof path) {
        self->f = NULL;
        return map_error (err, errlen, "%s/%s: path too long", dir, name);
    }
    return sim_file_open_path (self, path, err, errlen);
}

int
sim_file_close (sim_file_t *self, char *err, size_t errlen)
{
    if (!self->f)
        return 0;
    int bad = ferror (self->f);
    int closed = fclose (self->f);
    self->f = NULL;
    if (bad || closed != 0) {
        unlink (self->part);
        return map_error (err, errlen, "%s: write failed", self->path);
    }
    if (rename (self->part, self->path) != 0) {
        int e = errno;
        unlink (self->part);
        return map_error (err, errlen, "%s: %s", self->path, strerror (e));
    }
    return 0;
}

void
sim_file_abandon (sim_file_t *self)
{
    if (!self->f)
        return;
    fclose (self->f);
    self->f = NULL;
    unlink (self->part);
}

int
sim_file_make_dir (const char *path, char *err, size_t errlen)
{
    char buf[SIM_FILE_PATH_MAX];
    if (snprintf (buf, sizeof buf, "%s", path) >= (int) sizeof buf)
        return map_error (err, errlen, "%s: path too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir (buf, 0777) < 0 && errno != EEXIST)
                return map_error (err, errlen, "%s: %s", buf, strerror (errno));
            *p = c;
            if (c == '\0')
                break;
        }
    }
    struct stat st;
    if (stat (path, &st) < 0 || !S_ISDIR (st.st_mode))
        return map_error (err, errlen, "%s: not a directory", path);
    return 0;
}
