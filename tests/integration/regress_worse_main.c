/* robotaxi-regress-worse: robotaxi-regress with a deliberately worse "nearest" in place of the built-in, built only
 * for the tests (never installed): it must make the gate fail, proving that the gate can close. */
#include "regress_cli.h"
#include "regress_worse_policy.h"

int
main (int argc, char **argv)
{
    static const disp_policy_t own[] = {
        {"nearest",
         "TEST ONLY (never installed): a worse nearest that ignores the nearest vehicle: each rider gets the "
         "farthest of the 4 idle vehicles that reach them soonest within the pickup limit",
         regress_worse_nearest_assign, NULL, NULL},
    };
    return regress_cli (argc, argv, own, sizeof own / sizeof own[0]);
}
