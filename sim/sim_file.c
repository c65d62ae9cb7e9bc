/* sim_file: opening and closing the files of a results folder. */
#include "sim_file.h"

#include <errno.h>
#include <string.h>

#include "map_error.h"

int
sim_file_open (sim_file_t *self, const char *dir, const char *name, char *err, size_t errlen)
{
    self->f = NULL;
    int n = snprintf (self->path, sizeof self->path, "%s/%s", dir, name);
    if (n < 0 || (size_t) n >= sizeof self->path)
        return map_error (err, errlen, "%s/%s: path too long", dir, name);
    self->f = fopen (self->path, "w");
    if (!self->f)
        return map_error (err, errlen, "%s: %s", self->path, strerror (errno));
    return 0;
}

int
sim_file_close (sim_file_t *self, char *err, size_t errlen)
{
    if (!self->f)
        return 0;
    int bad = ferror (self->f);
    int closed = fclose (self->f);
    self->f = NULL;
    if (bad || closed != 0)
        return map_error (err, errlen, "%s: write failed", self->path);
    return 0;
}

void
sim_file_abandon (sim_file_t *self)
{
    if (self->f)
        fclose (self->f);
    self->f = NULL;
}
