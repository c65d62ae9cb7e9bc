/* fuzz_tmp: the scratch files of a fuzz driver whose decoder takes a path. A private folder is made once per process
 * (mkdtemp in $TMPDIR, else /tmp), each input is written to the same few names in it, and the folder is removed at
 * exit, so parallel jobs never share a file and a long run leaves nothing behind. libFuzzer gives a driver no
 * context argument: the folder's name is the only static state a driver keeps. */
#ifndef FUZZ_TMP_H
#define FUZZ_TMP_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char s_fuzz_tmp_dir[512];

/* atexit: removes every file the driver wrote, then the folder. A crash skips this (libFuzzer _exits): the folder's
 * name starts with the driver's, to find it. */
static void s_fuzz_tmp_remove (void)
{
    if (!s_fuzz_tmp_dir[0]) return;
    DIR *dir = opendir (s_fuzz_tmp_dir);
    if (dir) {
        struct dirent *entry;
        char path[1024];
        while ((entry = readdir (dir)) != NULL) {
            if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0) continue;
            snprintf (path, sizeof path, "%s/%s", s_fuzz_tmp_dir, entry->d_name);
            unlink (path);
        }
        closedir (dir);
    }
    rmdir (s_fuzz_tmp_dir);
    s_fuzz_tmp_dir[0] = '\0';
}

/* Writes data[0..size) to the file `name` in the driver's folder (made on first use) and returns its path, valid
 * until the next call. Aborts when the scratch file cannot be written: that is the machine's fault, not the
 * decoder's, and must not pass for a tested input. */
static const char *fuzz_tmp_write (const char *driver, const char *name, const uint8_t *data, size_t size)
{
    static char path[1024];
    if (!s_fuzz_tmp_dir[0]) {
        const char *base = getenv ("TMPDIR");
        snprintf (s_fuzz_tmp_dir, sizeof s_fuzz_tmp_dir, "%s/%s.XXXXXX", base && base[0] ? base : "/tmp", driver);
        if (!mkdtemp (s_fuzz_tmp_dir)) {
            perror (s_fuzz_tmp_dir);
            abort ();
        }
        atexit (s_fuzz_tmp_remove);
    }
    snprintf (path, sizeof path, "%s/%s", s_fuzz_tmp_dir, name);
    FILE *f = fopen (path, "wb");
    if (!f || (size > 0 && fwrite (data, 1, size, f) != size) || fclose (f) != 0) {
        perror (path);
        abort ();
    }
    return path;
}

#endif
