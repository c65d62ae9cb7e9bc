/* regress_worse_policy: a deliberately worse "nearest" for the regression gate's own test (never installed). Each
 * waiting rider, first come first served, gets the farthest of the REGRESS_WORSE_K idle vehicles that reach them
 * soonest within the pickup limit, instead of the soonest one: the mistake a broken change to nearest could make.
 * The rider's own fleet is searched first; the other fleet (an any-fleet rider) only when the own one has nobody. */
#include "regress_worse_policy.h"

#include <stdint.h>

void
regress_worse_nearest_assign (disp_engine_t *engine, void *state)
{
    (void) state;
    const disp_request_t *pending;
    size_t count = disp_engine_pending (engine, &pending);
    for (size_t i = 0; i < count; i++) {
        const disp_request_t *r = &pending[i];
        int64_t limit_ms = disp_engine_pickup_limit (engine, r);
        disp_fleet_t fleets[DISP_FLEET_COUNT];
        size_t nfleets = disp_request_fleets (r, fleets);
        for (size_t f = 0; f < nfleets && limit_ms > 0; f++) {
            uint32_t ids[REGRESS_WORSE_K];
            int64_t eta_ms[REGRESS_WORSE_K];
            size_t n = disp_engine_idle_for_k (engine, r, fleets[f], limit_ms, REGRESS_WORSE_K, ids,
                                                eta_ms);
            if (n == 0)
                continue;
            /* the last one found is the farthest of them */
            disp_engine_assign (engine, i, ids[n - 1], eta_ms[n - 1]);
            break;
        }
    }
}
