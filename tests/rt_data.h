/* rt_data: where the test data lives. Shared extracts come from $RT_SHARED_DATA (../shared/data beside the
 * checkout); Debian's python-osmnx-doc ships more. A missing file skips the test with a message outside CI, and fails
 * it under CI=true, so CI never passes by skipping. */
#ifndef RT_DATA_H
#define RT_DATA_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RT_OSMNX_DIR "/usr/share/doc/python-osmnx-doc/examples/tests/input_data"

/* Full path of a data file into buf: `rel` under $RT_SHARED_DATA when it has no leading '/', else `rel` as is.
 * Returns buf when the file is readable. Otherwise: under CI=true the calling test fails; elsewhere it prints why
 * and returns NULL, and the caller returns from the test. */
static inline const char *
rt_data (const char *rel, char *buf, size_t size)
{
    const char *root = getenv ("RT_SHARED_DATA");
    if (rel[0] == '/')
        snprintf (buf, size, "%s", rel);
    else
        snprintf (buf, size, "%s/%s", root ? root : "../shared/data", rel);
    if (access (buf, R_OK) == 0) return buf;
    const char *ci = getenv ("CI");
    if (ci && strcmp (ci, "true") == 0) ck_abort_msg ("test data %s is missing (CI=true: a missing fixture fails)", buf);
    fprintf (stderr, "SKIP: test data %s is missing (outside CI this test is skipped)\n", buf);
    return NULL;
}

#endif
