/* sim_world_track: paths with times; where a tracked vehicle is on its path, its legs told to opts.on_leg. */
#include "sim_world.h"
#include "sim_world_state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- paths with times (a cruise hop's walk, a tracked vehicle's leg) ---- */

/* Makes room for n points of path p. 0 or -1. */
int
swi_path_reserve (swi_path_t *p, uint32_t n)
{
    if (n <= p->cap)
        return 0;
    uint32_t cap = p->cap ? p->cap : 16;
    while (cap < n)
        cap *= 2;
    uint32_t *nodes = realloc (p->nodes, cap * sizeof *nodes);
    if (nodes)
        p->nodes = nodes;
    int64_t *at = realloc (p->at_ms, cap * sizeof *at);
    if (at)
        p->at_ms = at;
    double *km = realloc (p->km, cap * sizeof *km);
    if (km)
        p->km = km;
    float *kmh = realloc (p->kmh, cap * sizeof *kmh);
    if (kmh)
        p->kmh = kmh;
    if (!nodes || !at || !km || !kmh)
        return -1;
    p->cap = cap;
    return 0;
}

int
swi_path_copy (swi_path_t *to, const swi_path_t *from, uint32_t n)
{
    if (swi_path_reserve (to, n) < 0)
        return -1;
    memcpy (to->nodes, from->nodes, n * sizeof *to->nodes);
    memcpy (to->at_ms, from->at_ms, n * sizeof *to->at_ms);
    memcpy (to->km, from->km, n * sizeof *to->km);
    memcpy (to->kmh, from->kmh, n * sizeof *to->kmh);
    to->count = n;
    return 0;
}

void
swi_path_free (swi_path_t *p)
{
    free (p->nodes);
    free (p->at_ms);
    free (p->km);
    free (p->kmh);
    memset (p, 0, sizeof *p);
}

/* ---- tracking (opts.on_leg) ---- */

swi_track_t *
swi_tracked (sim_world_t *self, uint32_t v)
{
    if (!self->tracks || (self->opts.tracked && !self->opts.tracked[v]))
        return NULL;
    return &self->tracks[v];
}

static sim_leg_state_t
s_leg_state (const swi_vehicle_t *veh)
{
    if (veh->homing)
        return veh->fleet == DISP_FLEET_ROBOTAXI ? SIM_LEG_TO_DEPOT : SIM_LEG_GOING_HOME;
    if (veh->state == SWI_VEH_CHARGE)
        return veh->charge == SWI_CHARGE_DRIVE ? SIM_LEG_TO_CHARGER : SIM_LEG_CHARGING;
    return veh->state == SWI_VEH_PICKUP       ? SIM_LEG_TO_PICKUP
           : veh->state == SWI_VEH_OCCUPIED   ? SIM_LEG_CARRYING
           : veh->state == SWI_VEH_REPOSITION ? SIM_LEG_REPOSITION
           : veh->cruising                    ? SIM_LEG_CRUISING
                                              : SIM_LEG_IDLE;
}


/* Tells the listener the leg held by v's track from point `first` on. */
void
swi_track_emit (sim_world_t *self, uint32_t v, sim_leg_state_t state, int64_t request, uint32_t first)
{
    const swi_path_t *p = &self->tracks[v].path;
    sim_leg_t leg = {.day = self->opts.day + 1,
                     .vehicle = v,
                     .fleet = self->vehicles[v].fleet,
                     .state = state,
                     .request = request,
                     .count = p->count - first,
                     .nodes = p->nodes + first,
                     .at_ms = p->at_ms + first};
    self->opts.on_leg (self->opts.track_arg, &leg);
}

/* Ends vehicle v's open leg now: an idle spell that lasted is told to the listener (a drive was told as it started). */
void
swi_track_close (sim_world_t *self, uint32_t v)
{
    swi_track_t *t = swi_tracked (self, v);
    if (!t)
        return;
    swi_path_t *p = &t->path;
    if (p->count == 1 && self->now_ms > p->at_ms[0]) {
        p->nodes[1] = p->nodes[0];
        p->at_ms[1] = self->now_ms;
        p->km[1] = p->km[0];
        p->count = 2;
        /* a spell at a charging site (waiting or plugged in) is told as charging, any other as idle: also the one
         * a vehicle leaves to drive to a charger, already in its charging state then */
        const swi_vehicle_t *veh = &self->vehicles[v];
        int at_site = veh->state == SWI_VEH_CHARGE && veh->charge != SWI_CHARGE_DRIVE;
        swi_track_emit (self, v, at_site ? SIM_LEG_CHARGING : SIM_LEG_IDLE, -1, 0);
    }
    p->count = 0;
}

/* Opens an idle spell of vehicle v at its node, now. */
void
swi_track_idle (sim_world_t *self, uint32_t v)
{
    swi_track_t *t = swi_tracked (self, v);
    if (!t)
        return;
    swi_path_t *p = &t->path;
    if (swi_path_reserve (p, 2) < 0) {
        swi_fail (self, "out of memory");
        return;
    }
    p->nodes[0] = self->vehicles[v].node;
    p->at_ms[0] = self->now_ms;
    p->km[0] = 0;
    p->kmh[0] = 0.0f;
    p->count = 1;
    t->cursor = 0;
    t->split = 0;
}

/* Vehicle v starts driving from `from` to `to` now, for drive_ms (its state already set): the path, each node's time
 * (drive_ms shared out by the edges' free-flow times), told to the listener. */
void
swi_track_drive (sim_world_t *self, uint32_t v, int64_t request, uint32_t from, uint32_t to, int64_t depart_ms,
                 int64_t drive_ms)
{
    swi_track_t *t = swi_tracked (self, v);
    if (!t || self->failed)
        return;
    map_route_t route;
    size_t n = 1;
    const uint32_t *path = &from;
    if (self->drive_path && self->drive_path_count >= 1 && self->drive_path[0] == from &&
        self->drive_path[self->drive_path_count - 1] == to) {
        path = self->drive_path;   /* kept when the drive was routed */
        n = self->drive_path_count;
    } else if (from != to) {
        if (map_ch_route (self->router, from, to, &route) < 0) {
            swi_fail (self, "no road from node %u to node %u", from, to);
            return;
        }
        path = map_ch_path (self->router, &n);
    }
    /* A drive that starts when a cruise hop cut short reaches its crossing (depart_ms after now) keeps the rest of
     * that hop before it, so the vehicle's place is known in between; the hop itself was told at the cut. */
    uint32_t b = 0;
    const swi_walk_t *w = self->walks && v < self->humans ? &self->walks[v] : NULL;
    if (depart_ms > self->now_ms && w && w->cut < w->path.count && w->path.nodes[w->cut] == from &&
        w->path.at_ms[w->cut] == depart_ms)
        b = w->cut;
    swi_path_t *p = &t->path;
    if ((b > 0 && swi_path_copy (p, &w->path, b) < 0) || swi_path_reserve (p, b + (uint32_t) (n < 2 ? 2 : n)) < 0) {
        swi_fail (self, "out of memory");
        return;
    }
    int64_t total = 0;
    p->nodes[b] = path[0];
    p->at_ms[b] = 0;
    p->km[b] = b > 0 ? w->path.km[b] : 0;
    for (size_t i = 1; i < n; i++) {
        uint32_t e = map_graph_find_edge (self->graph, path[i - 1], path[i]);
        const map_edge_t *edge = e == MAP_EDGE_NONE ? NULL : map_graph_edge (self->graph, e);
        total += edge ? edge->time_ms : 0;
        p->nodes[b + i] = path[i];
        p->at_ms[b + i] = total;   /* free-flow time so far, scaled below */
        p->km[b + i] = p->km[b + i - 1] + (edge ? edge->length_m / 1000.0 : 0);
        p->kmh[b + i - 1] = edge ? (float) edge->length_m : 0.0f;   /* metres until the times are known */
    }
    if (n < 2) {
        p->nodes[b + 1] = to;
        p->at_ms[b + 1] = 0;
        p->km[b + 1] = p->km[b];
        p->kmh[b] = 0.0f;
        n = 2;
    }
    for (size_t i = 0; i < n; i++)
        p->at_ms[b + i] = depart_ms + (total > 0 ? (int64_t) llround ((double) drive_ms * (double) p->at_ms[b + i] /
                                                                      (double) total)
                                                 : (i == n - 1 ? drive_ms : 0));
    p->at_ms[b + n - 1] = depart_ms + drive_ms;
    for (size_t i = b; i + 1 < b + n; i++) {
        int64_t span = p->at_ms[i + 1] - p->at_ms[i];
        p->kmh[i] = span > 0 ? (float) (p->kmh[i] / ((double) span / 3600.0)) : 0.0f;
    }
    n += b;
    p->count = (uint32_t) n;
    t->cursor = 0;
    t->split = b;
    self->drive_path = NULL;
    if (drive_ms > 0 || from != to)   /* told from its start */
        swi_track_emit (self, v, s_leg_state (&self->vehicles[v]), request, b);
}

int
sim_world_place (sim_world_t *self, uint32_t v, sim_place_t *out)
{
    if (v >= self->vehicle_count || (self->vehicles[v].state == SWI_VEH_OFFLINE && !self->vehicles[v].homing))
        return -1;
    swi_track_t *t = swi_tracked (self, v);
    if (!t || t->path.count == 0)
        return -1;
    const swi_path_t *p = &t->path;
    const swi_vehicle_t *veh = &self->vehicles[v];
    out->fleet = veh->fleet;
    out->state = t->split > 0 && self->now_ms < p->at_ms[t->split] ? SIM_LEG_CRUISING : s_leg_state (veh);
    out->speed_kmh = 0;
    uint32_t last = p->count - 1;
    const map_node_t *a = map_graph_node (self->graph, p->nodes[last]);
    out->lon = a->lon;
    out->lat = a->lat;
    out->node = p->nodes[last];
    if (p->count < 2 || self->now_ms >= p->at_ms[last])
        return 0;   /* standing, or at the end of the drive */
    if (self->now_ms < p->at_ms[t->cursor])
        t->cursor = 0;
    while (t->cursor + 1 < last && p->at_ms[t->cursor + 1] <= self->now_ms)
        t->cursor++;
    uint32_t i = t->cursor;
    a = map_graph_node (self->graph, p->nodes[i]);
    const map_node_t *b = map_graph_node (self->graph, p->nodes[i + 1]);
    int64_t span = p->at_ms[i + 1] - p->at_ms[i];
    double f = span > 0 ? (double) (self->now_ms - p->at_ms[i]) / (double) span : 0.0;
    out->node = f == 0.0 ? p->nodes[i] : UINT32_MAX;
    out->lon = a->lon + f * (b->lon - a->lon);
    out->lat = a->lat + f * (b->lat - a->lat);
    out->speed_kmh = p->kmh[i];
    return 0;
}
