/* map_traffic: congestion by hour of day, as a factor on free-flow travel time. */
#ifndef MAP_TRAFFIC_H
#define MAP_TRAFFIC_H

#include <stdint.h>

typedef struct {
    double hour_factor[24];    /* travel time = free-flow time x factor of the hour the trip starts in; >= 1 */
} map_traffic_t;

/* Fills t with one factor for every hour. */
void map_traffic_flat (map_traffic_t *t, double factor);

/* Factor for a simulated time in ms since midnight of day 0 (wraps every 24 h). */
double map_traffic_factor (const map_traffic_t *t, int64_t t_ms);

/* Travel time of a trip that starts at depart_ms and takes free_ms at free flow: llround(free_ms x factor). */
int64_t map_traffic_time (const map_traffic_t *t, int64_t depart_ms, int64_t free_ms);

#endif
