/* sim_world_cruise: idle human drivers cruising the streets for riders between parked spells (human.cruise_kmh). */
#include "sim_world.h"
#include "sim_world_state.h"

#include <math.h>

#include "map_traffic.h"

#define S_WALK_MAX_EDGES 256   /* a hop ends after this many streets even if shorter than human.cruise_hop_km */

/* Adds node to walk w, reached free_ms of free-flow time and km from its start. 0 or -1. */
static int
s_walk_push (swi_path_t *w, uint32_t node, int64_t free_ms, double km)
{
    if (swi_path_reserve (w, w->count + 1) < 0)
        return -1;
    w->nodes[w->count] = node;
    w->at_ms[w->count] = free_ms;
    w->km[w->count++] = km;
    return 0;
}

/* Starts idle human driver v's next cruise hop from its node: a walk along the streets that at every crossing takes a
 * street other than the one it came by (back only from a dead end), the one leading to the busier place (demand
 * weight) the more likely, until human.cruise_hop_km are driven; at the hour's traffic. A driver with no street to
 * take stays parked. The dispatcher hears of the new place at the hop's end (swi_on_cruise_end). */
void
swi_cruise_start (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    swi_path_t *w = &self->walks[v].path;
    uint32_t node = veh->node, prev = MAP_NODE_NONE;
    double km = 0;
    int64_t free_ms = 0;
    w->count = 0;
    if (s_walk_push (w, node, 0, 0) < 0)
        goto nomem;
    for (int steps = 0; km < self->cfg->human.cruise_hop_km && steps < S_WALK_MAX_EDGES; steps++) {
        uint32_t first, end;
        map_graph_out (self->graph, node, &first, &end);
        double total = 0;
        for (uint32_t e = first; e < end; e++)
            if (end - first == 1 || map_graph_edge (self->graph, e)->to != prev)
                total += self->edge_weight[e];
        if (!(total > 0))
            break;
        double u = sim_rng_uniform (&self->rng_cruise) * total;
        const map_edge_t *pick = NULL;
        for (uint32_t e = first; e < end; e++) {
            const map_edge_t *edge = map_graph_edge (self->graph, e);
            if (edge->to == prev && end - first > 1)
                continue;
            pick = edge;
            double wgt = self->edge_weight[e];
            if (u < wgt)
                break;
            u -= wgt;
        }
        km += pick->length_m / 1000.0;
        free_ms += pick->time_ms;
        prev = node;
        node = pick->to;
        if (s_walk_push (w, node, free_ms, km) < 0)
            goto nomem;
    }
    if (w->count < 2)
        return;   /* nowhere to go: parked until a rider comes */
    for (uint32_t i = 0; i < w->count; i++)
        w->at_ms[i] = self->now_ms + map_traffic_time (&self->cfg->traffic, self->now_ms, w->at_ms[i]);
    for (uint32_t i = 0; i < w->count; i++) {   /* the speeds, once the times are known: km between times */
        int64_t span = i + 1 < w->count ? w->at_ms[i + 1] - w->at_ms[i] : 0;
        w->kmh[i] = span > 0 ? (float) ((w->km[i + 1] - w->km[i]) / ((double) span / SWI_HOUR_MS)) : 0.0f;
    }
    veh->cruising = 1;
    veh->wake_ms = w->at_ms[w->count - 1];
    swi_track_t *t = swi_tracked (self, v);
    if (t) {   /* the parked spell ends; the hop is told when it ends, where it ends */
        swi_track_close (self, v);
        if (swi_path_copy (&t->path, w, w->count) < 0)
            goto nomem;
        t->cursor = 0;
        t->split = 0;
    }
    swi_schedule (self, veh->wake_ms, SWI_EV_CRUISE_END, v);
    return;
nomem:
    swi_fail (self, "out of memory");
}

/* Ends v's hop at node j of its walk: the km to there are driven (cruising km), it is the vehicle's node, and the
 * hop so far is told to the tracker. */
static void
s_cruise_arrive (sim_world_t *self, uint32_t v, uint32_t j)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    const swi_path_t *w = &self->walks[v].path;
    sim_metrics_km (self->metrics, veh->fleet, SIM_KM_CRUISE, self->now_ms, w->km[j]);
    veh->km += w->km[j];
    swi_charge_drive (self, v, w->km[j], w->at_ms[j] - w->at_ms[0]);
    veh->node = w->nodes[j];
    veh->cruising = 0;
    self->walks[v].cut = j;
    swi_track_t *t = swi_tracked (self, v);
    if (t) {
        if (j >= 1) {
            t->path.count = j + 1;
            swi_track_emit (self, v, SIM_LEG_CRUISING, -1, 0);
        }
        t->path.count = 0;
    }
}

/* The node where cruising vehicle v can turn off its walk: the first it reaches from now on (*j its index); else its
 * node. */
uint32_t
swi_cruise_next (const sim_world_t *self, uint32_t v, uint32_t *j)
{
    const swi_vehicle_t *veh = &self->vehicles[v];
    *j = 0;
    if (!veh->cruising)
        return veh->node;
    const swi_path_t *w = &self->walks[v].path;
    while (*j + 1 < w->count && w->at_ms[*j] < self->now_ms)
        (*j)++;
    return w->nodes[*j];
}

/* Stops v's hop where it can (swi_cruise_next), now: returns how long until it is there (0 when not cruising). */
int64_t
swi_cruise_cut (sim_world_t *self, uint32_t v)
{
    if (!self->vehicles[v].cruising)
        return 0;
    uint32_t j;
    swi_cruise_next (self, v, &j);
    int64_t lead = self->walks[v].path.at_ms[j] - self->now_ms;
    s_cruise_arrive (self, v, j);
    return lead > 0 ? lead : 0;
}

/* The end of an idle human driver's cruise hop: the dispatcher hears where the driver is, who parks there until the
 * hop's km averaged over the hop and the parked spell make human.cruise_kmh, then cruises on. */
void
swi_on_cruise_end (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    if (!veh->cruising || self->now_ms != veh->wake_ms)
        return;   /* the hop was cut short (a rider, the shift's end) */
    const swi_path_t *w = &self->walks[v].path;
    double km = w->km[w->count - 1];
    int64_t drove_ms = self->now_ms - w->at_ms[0];
    s_cruise_arrive (self, v, w->count - 1);
    swi_mark_changed (self, v);
    swi_track_idle (self, v);
    int64_t park_ms = (int64_t) llround (km / self->cfg->human.cruise_kmh * SWI_HOUR_MS) - drove_ms;
    veh->wake_ms = self->now_ms + (park_ms > 0 ? park_ms : 0);
    swi_schedule (self, veh->wake_ms, SWI_EV_CRUISE, v);
}

/* An idle human driver's parked spell is over: the next hop. */
void
swi_on_cruise (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    if (veh->state != SWI_VEH_IDLE || veh->cruising || !veh->on_shift || self->now_ms != veh->wake_ms)
        return;   /* a rider came first, or the shift ended */
    swi_cruise_start (self, v);
}
