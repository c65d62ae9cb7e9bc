/* sim_data: finds installed data (scenarios, the policy regression suite) by name. */
#include "sim_data.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Appends DIR to the list unless it is empty, already there, or the list is full. */
static void
s_add (sim_data_dirs_t *self, const char *dir)
{
    if (!dir || !*dir || self->count == SIM_DATA_MAX_DIRS)
        return;
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->dir[i], dir) == 0)
            return;
    snprintf (self->dir[self->count++], SIM_DATA_PATH_MAX, "%s", dir);
}

void
sim_data_dirs (sim_data_dirs_t *self, const char *exe, const char *from_bin, const char *builtin)
{
    self->count = 0;
    const char *slash = exe ? strrchr (exe, '/') : NULL;
    if (slash && from_bin && *from_bin && from_bin[0] != '/') {
        char dir[SIM_DATA_PATH_MAX];
        int n = snprintf (dir, sizeof dir, "%.*s/%s", (int) (slash - exe), exe, from_bin);
        if (n > 0 && (size_t) n < sizeof dir)
            s_add (self, dir);
    }
    else if (from_bin && from_bin[0] == '/')
        s_add (self, from_bin);
    s_add (self, builtin);
}

void
sim_data_dirs_self (sim_data_dirs_t *self, const char *from_bin, const char *builtin)
{
    char exe[SIM_DATA_PATH_MAX];
    ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    sim_data_dirs (self, n > 0 ? exe : NULL, from_bin, builtin);
}

int
sim_data_find (const sim_data_dirs_t *self, const char *arg, const char *suffix, char *path, size_t len, char *err,
               size_t errlen)
{
    if (!suffix)
        suffix = "";
    size_t alen = strlen (arg), slen = strlen (suffix);
    if (alen > slen && strcmp (arg + alen - slen, suffix) == 0)
        suffix = "";   /* wuhan-2024.ini is wuhan-2024 too */
    if (strchr (arg, '/') || access (arg, F_OK) == 0 || !*arg) {
        if ((size_t) snprintf (path, len, "%s", arg) >= len) {
            snprintf (err, errlen, "%s: path too long", arg);
            return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < self->count; i++) {
        int n = snprintf (path, len, "%s/%s%s", self->dir[i], arg, suffix);
        if (n > 0 && (size_t) n < len && access (path, F_OK) == 0)
            return 0;
    }
    int n = snprintf (err, errlen, "%s: no such file, nor %s%s in ", arg, arg, suffix);
    for (size_t i = 0; i < self->count && n > 0 && (size_t) n < errlen; i++)
        n += snprintf (err + n, errlen - (size_t) n, "%s%s", i == 0 ? "" : i + 1 < self->count ? ", " : " or ",
                       self->dir[i]);
    if (self->count == 0 && n > 0 && (size_t) n < errlen)
        snprintf (err + n, errlen - (size_t) n, "any data folder (none known)");
    return -1;
}
