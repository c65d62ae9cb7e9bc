/* map_error: the error-message convention shared by every layer: a function that fails on user input writes what
 * and where into the caller's buffer and returns -1. It lives in the lowest layer so all above can use it. */
#ifndef MAP_ERROR_H
#define MAP_ERROR_H

#include <stddef.h>

/* Formats a message into err (when err is not NULL and errlen > 0; truncated to fit) and returns -1, so callers
 * can write `return map_error (err, errlen, "...", ...)`. */
int map_error (char *err, size_t errlen, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

/* Appends formatted text to a message being built in buf (len bytes, *used of them written), keeping it terminated
 * and truncating at the end: a list of names or runs that a message then quotes. */
void map_error_append (char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

#endif
