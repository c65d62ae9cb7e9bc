/* map_traffic: congestion by hour of day, a factor on free-flow travel time chosen by the hour a trip starts. */
#include "map_traffic.h"

#include <assert.h>
#include <math.h>

#define S_HOUR_MS INT64_C (3600000)

void map_traffic_flat (map_traffic_t *t, double factor)
{
    assert (t);
    for (int h = 0; h < 24; h++)
        t->hour_factor[h] = factor;
}

double map_traffic_factor (const map_traffic_t *t, int64_t t_ms)
{
    assert (t);
    /* Times before midnight of day 0 do not occur in a run; treat them as hour 0 rather than index backwards. */
    int64_t hour = t_ms < 0 ? 0 : (t_ms / S_HOUR_MS) % 24;
    return t->hour_factor[hour];
}

int64_t map_traffic_time (const map_traffic_t *t, int64_t depart_ms, int64_t free_ms)
{
    return llround ((double)free_ms * map_traffic_factor (t, depart_ms));
}
