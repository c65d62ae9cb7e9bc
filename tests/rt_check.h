/* rt_check: the one way every Check suite here is run, so each test file's main is only its suite. */
#ifndef RT_CHECK_H
#define RT_CHECK_H

#include <check.h>
#include <stdlib.h>

/* Runs the suite (taking ownership) with normal output; EXIT_SUCCESS when every test passed. */
static inline int
rt_check_run (Suite *suite)
{
    SRunner *sr = srunner_create (suite);
    srunner_run_all (sr, CK_NORMAL);
    int failed = srunner_ntests_failed (sr);
    srunner_free (sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
