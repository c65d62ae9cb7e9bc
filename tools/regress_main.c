/* robotaxi-regress: plays the policy suite and fails when a dispatch policy got worse against its baselines. */
#include "regress_cli.h"

int
main (int argc, char **argv)
{
    return regress_cli (argc, argv, NULL, 0);
}
