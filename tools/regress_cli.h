/* regress_cli: the command line of robotaxi-regress, shared by the installed tool and by test-only builds that bring
 * their own policies (a deliberately worse "nearest" proves the gate can close). */
#ifndef REGRESS_CLI_H
#define REGRESS_CLI_H

#include <stddef.h>

#include "disp_types.h"

/* Parses argv (the program's name is argv[0]'s last part), plays the suite, prints the side-by-side table and the
 * regressions, and returns the exit status: 0 when every gated metric of every run is within tolerance or better
 * (or the baselines were blessed), 1 on a regression, a run without a baseline or a failed run, 2 for bad usage,
 * EX_NOINPUT (66) when the suite folder, a scenario file or tolerances.csv cannot be read, EX_CONFIG (78) for a bad
 * suite file or a value refused by --set. own (own_count, may be NULL / 0) are the program's own policies, played in process in place of
 * the built-in of the same name (or beside them); --help lists them with their summaries. */
int regress_cli (int argc, char **argv, const disp_policy_t *own, size_t own_count);

#endif
