/* disp_policy_nearest: first come, first served; each waiting rider gets the idle vehicle of their fleet that
 * reaches them soonest, within the session's pickup limit and before the rider's deadline. */
#include "disp_policy.h"

void disp_policy_nearest_assign (disp_engine_t *engine, void *state)
{
    (void)state;
    const disp_request_t *pending;
    size_t count = disp_engine_pending (engine, &pending);
    int64_t now_ms = disp_engine_now (engine);
    int64_t max_pickup_ms = disp_engine_max_pickup_ms (engine);

    for (size_t i = 0; i < count; i++) {
        const disp_request_t *r = &pending[i];
        /* Skip the graph search when the fleet has nobody free: the common case at rush hour. */
        if (disp_engine_idle_count (engine, (disp_fleet_t)r->fleet) == 0) continue;
        int64_t limit_ms = max_pickup_ms;
        if (r->deadline_ms - now_ms < limit_ms) limit_ms = r->deadline_ms - now_ms;
        if (limit_ms <= 0) continue;
        uint32_t vehicle_id;
        int64_t eta_ms;
        if (disp_engine_nearest_idle (engine, r->origin.node, (disp_fleet_t)r->fleet, limit_ms, &vehicle_id,
                                      &eta_ms) == 0)
            disp_engine_assign (engine, i, vehicle_id, eta_ms);
    }
}
