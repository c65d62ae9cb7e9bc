/* disp_policy_charge_early: `nearest`, and in the hours of params.charge_early_hours (by default 12-14 h, the midday
 * valley of Hubei's time-of-use tariff, between the demand peaks) every idle robotaxi whose reach fell below
 * params.charge_early_reach_m is sent to charge then, instead of running low in the evening and charging at the peak
 * price. Robotaxis without a
 * reported reach (no battery modelled) are never sent, so under charging.mode fixed it decides as `nearest`. */
#include <stdlib.h>

#include "disp_policy.h"

#define S_DAY_MS 86400000LL
#define S_HOUR_MS 3600000LL

typedef struct {
    uint32_t *ids, *nodes;     /* scratch for the idle robotaxis, room for the session's vehicles */
    size_t cap;
} s_state_t;

void *disp_policy_charge_early_state_new (const disp_config_t *config)
{
    s_state_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->cap = config->vehicle_capacity ? config->vehicle_capacity : 1;
    self->ids = malloc (self->cap * sizeof *self->ids);
    self->nodes = malloc (self->cap * sizeof *self->nodes);
    if (!self->ids || !self->nodes) {
        disp_policy_charge_early_state_free (self);
        return NULL;
    }
    return self;
}

void disp_policy_charge_early_state_free (void *state)
{
    s_state_t *self = state;
    if (!self) return;
    free (self->ids);
    free (self->nodes);
    free (self);
}

void disp_policy_charge_early_assign (disp_engine_t *engine, void *state)
{
    s_state_t *self = state;
    disp_policy_nearest_assign (engine, NULL);
    const disp_params_t *params = &disp_engine_config (engine)->params;
    int64_t day_ms = ((disp_engine_now (engine) % S_DAY_MS) + S_DAY_MS) % S_DAY_MS;
    if (!(params->charge_early_hours >> (day_ms / S_HOUR_MS) & 1u)) return;
    if (disp_engine_idle_count (engine, DISP_FLEET_ROBOTAXI) == 0) return;
    /* the riders were served first: only the robotaxis still idle go */
    size_t count = disp_engine_idle_vehicles (engine, DISP_FLEET_ROBOTAXI, self->ids, self->nodes, self->cap);
    for (size_t i = 0; i < count && i < self->cap; i++)
        if (disp_engine_vehicle_reach_m (engine, self->ids[i]) < params->charge_early_reach_m)
            (void)disp_engine_send_to_charge (engine, self->ids[i]);
}
