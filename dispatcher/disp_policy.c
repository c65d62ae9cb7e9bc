/* disp_policy: the table of dispatch policies. A new policy is one new file and one row here. */
#include "disp_policy.h"

#include <stdio.h>
#include <string.h>

static const disp_policy_t s_policies[] = {
    {"nearest", "nearest idle vehicle by travel time, of the rider's fleet (of either for an any-fleet rider)",
     disp_policy_nearest_assign, NULL, NULL},
    {"batch",
     "riders collected over a window (batch_window), then matched all together at the least total pickup time",
     disp_policy_batch_assign, disp_policy_batch_state_new, disp_policy_batch_state_free},
    {"cost", "cheapest for the operator of each accepted fleet's nearest idle vehicle: km cost plus priced wait",
     disp_policy_cost_assign, NULL, NULL},
    {"charge-early",
     "nearest, and in the valley hours (charge_early_hours) idle robotaxis low on reach are sent to charge",
     disp_policy_charge_early_assign, disp_policy_charge_early_state_new, disp_policy_charge_early_state_free},
};

#define S_POLICY_COUNT (sizeof s_policies / sizeof s_policies[0])

const disp_policy_t *disp_policy_find (const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < S_POLICY_COUNT; i++)
        if (strcmp (s_policies[i].name, name) == 0) return &s_policies[i];
    return NULL;
}

const disp_policy_t *disp_policy_lookup (const disp_policy_t *own, size_t count, const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; own && i < count; i++)
        if (own[i].name && strcmp (own[i].name, name) == 0) return &own[i];
    return disp_policy_find (name);
}

size_t disp_policy_list (const disp_policy_t **out)
{
    if (out) *out = s_policies;
    return S_POLICY_COUNT;
}

const char *disp_policy_names (char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < S_POLICY_COUNT && used < size; i++) {
        int n = snprintf (buf + used, size - used, "%s%s", i ? ", " : "", s_policies[i].name);
        if (n < 0) break;
        used += (size_t)n;
    }
    return buf;
}
