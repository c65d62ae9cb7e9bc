/* disp_policy_nearest: first come, first served; each waiting rider gets the idle vehicle that reaches them soonest,
 * within the session's pickup limit and before the rider's deadline, from the rider's fleet or, for a rider who
 * accepts either (any_fleet), from either fleet. Ties go to the rider's own fleet, then to the lower vehicle id. */
#include "disp_policy.h"

void disp_policy_nearest_assign (disp_engine_t *engine, void *state)
{
    (void)state;
    const disp_request_t *pending;
    size_t count = disp_engine_pending (engine, &pending);
    for (size_t i = 0; i < count; i++) {
        const disp_request_t *r = &pending[i];
        int64_t limit_ms = disp_engine_pickup_limit (engine, r);
        disp_fleet_t fleets[DISP_FLEET_COUNT];
        size_t nfleets = disp_request_fleets (r, fleets);
        int found = 0;
        uint32_t best_id = 0;
        int64_t best_eta_ms = 0;
        /* The own fleet is searched first; the other fleet then only wins by being strictly sooner, so its search
         * can stop a millisecond short of the best time so far. */
        for (size_t k = 0; k < nfleets && limit_ms > 0; k++) {
            /* Skip the graph search when the fleet has nobody free: the common case at rush hour. */
            if (disp_engine_idle_count (engine, fleets[k]) == 0) continue;
            uint32_t vehicle_id;
            int64_t eta_ms;
            if (disp_engine_idle_for (engine, r, fleets[k], limit_ms, &vehicle_id, &eta_ms) != 0)
                continue;
            found = 1;
            best_id = vehicle_id;
            best_eta_ms = eta_ms;
            limit_ms = eta_ms - 1;
        }
        if (found) disp_engine_assign (engine, i, best_id, best_eta_ms);
    }
}
