/* sim_leg: the names of the states along a vehicle's legs. */
#include "sim_leg.h"

static const char *const s_state_names[SIM_LEG_STATE_COUNT] = {
    [SIM_LEG_IDLE] = "idle",
    [SIM_LEG_TO_PICKUP] = "to_pickup",
    [SIM_LEG_CARRYING] = "carrying",
    [SIM_LEG_REPOSITION] = "repositioning",
    [SIM_LEG_CRUISING] = "cruising",
    [SIM_LEG_TO_DEPOT] = "to_depot",
    [SIM_LEG_GOING_HOME] = "going_home",
    [SIM_LEG_TO_CHARGER] = "to_charger",
    [SIM_LEG_CHARGING] = "charging",
};

const char *sim_leg_state_name (sim_leg_state_t state)
{
    return (unsigned)state < SIM_LEG_STATE_COUNT ? s_state_names[state] : NULL;
}
