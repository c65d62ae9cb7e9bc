/* rt_json: reading the numbers of summary.json and other JSON outputs in tests. */
#ifndef RT_JSON_H
#define RT_JSON_H

#include <check.h>
#include <jansson.h>

/* The number at root.a.b.c (b and c may be NULL); fails the test, naming the path, when it is not a number. */
static inline double
rt_json_num (json_t *root, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get (root, a);
    if (b)
        v = json_object_get (v, b);
    if (c)
        v = json_object_get (v, c);
    ck_assert_msg (json_is_number (v), "%s.%s.%s is not a number", a, b ? b : "", c ? c : "");
    return json_number_value (v);
}

#endif
