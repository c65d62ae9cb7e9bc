/* map_error: formatting of error messages into caller buffers. */
#include "map_error.h"

#include <stdarg.h>
#include <stdio.h>

int
map_error (char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (err, errlen, fmt, ap);
        va_end (ap);
    }
    return -1;
}

void
map_error_append (char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used + 1 >= len)
        return;
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (buf + *used, len - *used, fmt, ap);
    va_end (ap);
    if (n > 0)
        *used = *used + (size_t) n < len ? *used + (size_t) n : len - 1;
}
