/* sim_event: the names of the world's events. */
#include "sim_event.h"

#include <string.h>

static const char *const s_kind_names[SIM_EVENT_KIND_COUNT] = {
    [SIM_EVENT_REQUEST] = "request",     [SIM_EVENT_ASSIGN] = "assign",
    [SIM_EVENT_PICKUP] = "pickup",       [SIM_EVENT_DROPOFF] = "dropoff",
    [SIM_EVENT_GIVEUP] = "giveup",       [SIM_EVENT_REPOSITION] = "reposition",
    [SIM_EVENT_ARRIVE] = "arrive",       [SIM_EVENT_SHIFT_START] = "shift_start",
    [SIM_EVENT_SHIFT_END] = "shift_end",
    [SIM_EVENT_CHARGE_WAIT] = "charge_wait",
    [SIM_EVENT_CHARGE_START] = "charge_start",
    [SIM_EVENT_CHARGE_END] = "charge_end",
};

const char *sim_event_kind_name (sim_event_kind_t kind)
{
    return (unsigned)kind < SIM_EVENT_KIND_COUNT ? s_kind_names[kind] : NULL;
}

int sim_event_kind_parse (const char *name, size_t len, sim_event_kind_t *kind)
{
    for (int k = 0; k < SIM_EVENT_KIND_COUNT; k++)
        if (strlen (s_kind_names[k]) == len && memcmp (s_kind_names[k], name, len) == 0) {
            *kind = (sim_event_kind_t)k;
            return 0;
        }
    return -1;
}
