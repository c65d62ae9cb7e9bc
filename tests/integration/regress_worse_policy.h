/* regress_worse_policy: a deliberately worse "nearest" that ignores the nearest vehicle, for the regression gate's
 * own test: robotaxi-regress-worse plays it in place of the built-in nearest, against nearest's baselines. */
#ifndef REGRESS_WORSE_POLICY_H
#define REGRESS_WORSE_POLICY_H

#include "disp_policy.h"

/* How many of the soonest idle vehicles it looks at, taking the last. */
#define REGRESS_WORSE_K 4

/* The policy's assign function (disp_assign_fn); no state. */
disp_assign_fn regress_worse_nearest_assign;

#endif
