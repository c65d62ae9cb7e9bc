/* disp_types: names of the dispatcher's enumerations, the fleets a request accepts, the policy parameters'
 * defaults and ranges, and the checks a rebalancer state's figures must pass. */
#include "disp_types.h"

#include <math.h>
#include <stdint.h>

#include "map_error.h"

const char *disp_fleet_name (disp_fleet_t fleet)
{
    switch (fleet) {
    case DISP_FLEET_ROBOTAXI:
        return "robotaxi";
    case DISP_FLEET_HUMAN:
        return "human";
    default:
        return "unknown";
    }
}

size_t disp_request_fleets (const disp_request_t *r, disp_fleet_t fleets[DISP_FLEET_COUNT])
{
    fleets[0] = (disp_fleet_t)r->fleet;
    if (!r->any_fleet) return 1;
    fleets[1] = r->fleet == DISP_FLEET_ROBOTAXI ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI;
    return 2;
}

int disp_request_accepts (const disp_request_t *r, disp_fleet_t fleet)
{
    return r->fleet == fleet || r->any_fleet;
}

void disp_params_defaults (disp_params_t *params)
{
    *params = (disp_params_t){
        .batch_window_ms = 30000,
        .batch_candidates = 8,
        /* energy (0.15 kWh x 0.8 yuan) and maintenance (0.06 yuan) per km: what one more km costs a robotaxi */
        .cost_per_km = {[DISP_FLEET_ROBOTAXI] = 0.18, [DISP_FLEET_HUMAN] = 1.6},
        .wait_yuan_per_min = 1.0,
        .rebalance = 0,
        .rebalance_interval_ms = 300000,
        .rebalance_zone_m = 1500,
        .rebalance_horizon_ms = 1800000,
        .charge_early_hours = 0x3000, /* 12-14 h: the midday valley of Hubei's time-of-use tariff, between peaks */
        .charge_early_reach_m = 150000,
    };
}

void disp_params_fill (disp_params_t *params)
{
    disp_params_t d;
    disp_params_defaults (&d);
    if (params->batch_window_ms == 0) params->batch_window_ms = d.batch_window_ms;
    if (params->batch_candidates == 0) params->batch_candidates = d.batch_candidates;
    for (int f = 0; f < DISP_FLEET_COUNT; f++)
        if (params->cost_per_km[f] == 0) params->cost_per_km[f] = d.cost_per_km[f];
    if (params->wait_yuan_per_min == 0) params->wait_yuan_per_min = d.wait_yuan_per_min;
    if (params->rebalance_interval_ms == 0) params->rebalance_interval_ms = d.rebalance_interval_ms;
    if (params->rebalance_zone_m == 0) params->rebalance_zone_m = d.rebalance_zone_m;
    if (params->rebalance_horizon_ms == 0) params->rebalance_horizon_ms = d.rebalance_horizon_ms;
    if (params->charge_early_hours == 0) params->charge_early_hours = d.charge_early_hours;
    if (params->charge_early_reach_m == 0) params->charge_early_reach_m = d.charge_early_reach_m;
}

int disp_params_check (const disp_params_t *p, char *err, size_t errlen)
{
    if (p->batch_window_ms < 1 || p->batch_window_ms > 3600000)
        return map_error (err, errlen, "params.batch_window_ms: %lld is not in [1, 3600000]",
                          (long long)p->batch_window_ms);
    if (p->batch_candidates < 1 || p->batch_candidates > 256)
        return map_error (err, errlen, "params.batch_candidates: %u is not in [1, 256]", p->batch_candidates);
    for (int f = 0; f < DISP_FLEET_COUNT; f++)
        if (!(p->cost_per_km[f] >= 0 && p->cost_per_km[f] <= 1000))
            return map_error (err, errlen, "params.%s_cost_per_km: %g is not in [0, 1000]",
                              disp_fleet_name ((disp_fleet_t)f), p->cost_per_km[f]);
    if (!(p->wait_yuan_per_min >= 0 && p->wait_yuan_per_min <= 1000))
        return map_error (err, errlen, "params.wait_yuan_per_min: %g is not in [0, 1000]", p->wait_yuan_per_min);
    if (p->rebalance_interval_ms < 1000 || p->rebalance_interval_ms > 86400000)
        return map_error (err, errlen, "params.rebalance_interval_ms: %lld is not in [1000, 86400000]",
                          (long long)p->rebalance_interval_ms);
    if (!(p->rebalance_zone_m >= 100 && p->rebalance_zone_m <= 50000))
        return map_error (err, errlen, "params.rebalance_zone_m: %g is not in [100, 50000]", p->rebalance_zone_m);
    if (p->rebalance_horizon_ms < 60000 || p->rebalance_horizon_ms > 86400000)
        return map_error (err, errlen, "params.rebalance_horizon_ms: %lld is not in [60000, 86400000]",
                          (long long)p->rebalance_horizon_ms);
    if (p->charge_early_hours >= 1u << 24)
        return map_error (err, errlen, "params.charge_early_hours: 0x%x names hours past 23", p->charge_early_hours);
    if (!(p->charge_early_reach_m > 0 && p->charge_early_reach_m <= 10000000))
        return map_error (err, errlen, "params.charge_early_reach_m: %g is not in (0, 10000000]",
                          p->charge_early_reach_m);
    return 0;
}

int disp_resync_state_check (const disp_rebalance_state_t *state, size_t zone_count, const char *field, char *err,
                                size_t errlen)
{
    if (state->decay_ms < 0)
        return map_error (err, errlen, "%s.decay_ms: %lld is negative", field, (long long)state->decay_ms);
    for (size_t i = 0; i < state->zone_count; i++) {
        const disp_zone_demand_t *z = &state->zones[i];
        if (z->zone >= zone_count)
            return map_error (err, errlen, "%s.zones[%zu].zone: %u is not a zone (the map has %zu)", field, i,
                              z->zone, zone_count);
        if (i > 0 && z->zone <= state->zones[i - 1].zone)
            return map_error (err, errlen, "%s.zones[%zu].zone: %u does not follow zone %u", field, i, z->zone,
                              state->zones[i - 1].zone);
        if (!(isfinite (z->demand) && z->demand >= 0))
            return map_error (err, errlen, "%s.zones[%zu].demand: %g is not a finite count >= 0", field, i,
                              z->demand);
        if (!isfinite (z->sum_x) || !isfinite (z->sum_y))
            return map_error (err, errlen, "%s.zones[%zu].sum_%c: not finite", field, i,
                              isfinite (z->sum_x) ? 'y' : 'x');
    }
    return 0;
}
