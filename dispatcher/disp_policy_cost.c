/* disp_policy_cost: first come, first served, by the operator's cost. For each waiting rider in arrival order, the
 * candidates are the idle vehicle that reaches the rider soonest in each fleet the rider accepts (their own; both
 * for a rider with any_fleet), within the session's pickup limit and before the rider's deadline. A candidate of
 * fleet f costs
 *
 *     params.cost_per_km[f] x (pickup km + trip km) + params.wait_yuan_per_min x pickup minutes
 *
 * (km along the fastest free-flow paths; a request whose destination has no node, or cannot be reached, counts its
 * trip as 0 km), and the cheapest is assigned; ties go to the rider's own fleet, then to the lower vehicle id. So on
 * a mixed platform the cheaper fleet serves whenever it can do so in time and its extra wait is worth less than the
 * km it saves. A rider with one acceptable fleet gets that fleet's nearest vehicle, exactly as under `nearest`. */
#include "disp_policy.h"

/* The operator's cost of serving r with the vehicle at vehicle_node after eta_ms, trip_m metres long. */
static double s_cost_yuan (disp_engine_t *engine, const disp_request_t *r, disp_fleet_t fleet, uint32_t vehicle_node,
                           int64_t eta_ms, double trip_m)
{
    const disp_params_t *p = &disp_engine_config (engine)->params;
    double pickup_m;
    /* The vehicle was found on its way to the rider, so a path exists: failing here means out of memory, and the
     * wait alone then prices the pickup. */
    if (disp_engine_route_length (engine, vehicle_node, r->origin.node, &pickup_m) != 0) pickup_m = 0;
    return p->cost_per_km[fleet] * (pickup_m + trip_m) / 1000.0 + p->wait_yuan_per_min * (double)eta_ms / 60000.0;
}

void disp_policy_cost_assign (disp_engine_t *engine, void *state)
{
    (void)state;
    const disp_request_t *pending;
    size_t count = disp_engine_pending (engine, &pending);
    for (size_t i = 0; i < count; i++) {
        const disp_request_t *r = &pending[i];
        int64_t limit_ms = disp_engine_pickup_limit (engine, r);
        if (limit_ms <= 0) continue;
        disp_fleet_t fleets[DISP_FLEET_COUNT];
        size_t nfleets = disp_request_fleets (r, fleets);
        uint32_t cand_id[DISP_FLEET_COUNT];
        int64_t cand_eta_ms[DISP_FLEET_COUNT];
        disp_fleet_t cand_fleet[DISP_FLEET_COUNT];
        size_t ncand = 0;
        for (size_t k = 0; k < nfleets; k++) {
            if (disp_engine_idle_count (engine, fleets[k]) == 0) continue;
            if (disp_engine_idle_for (engine, r, fleets[k], limit_ms, &cand_id[ncand],
                                      &cand_eta_ms[ncand]) != 0)
                continue;
            cand_fleet[ncand++] = fleets[k];
        }
        if (ncand == 0) continue;
        size_t best = 0;
        /* Only a choice between fleets needs the km; the own fleet's candidate comes first and keeps ties. */
        if (ncand > 1) {
            double trip_m = 0;
            if (r->destination.node == MAP_NODE_NONE ||
                disp_engine_route_length (engine, r->origin.node, r->destination.node, &trip_m) != 0)
                trip_m = 0;
            double best_yuan = 0;
            for (size_t c = 0; c < ncand; c++) {
                double yuan = s_cost_yuan (engine, r, cand_fleet[c], disp_engine_vehicle_node (engine, cand_id[c]),
                                           cand_eta_ms[c], trip_m);
                if (c == 0 || yuan < best_yuan) {
                    best = c;
                    best_yuan = yuan;
                }
            }
        }
        disp_engine_assign (engine, i, cand_id[best], cand_eta_ms[best]);
    }
}
