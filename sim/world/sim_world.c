/* sim_world: vehicles, riders and the events that move them through one day. */
#include "sim_world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_ch.h"
#include "map_ch_ahead.h"
#include "map_traffic.h"
#include "sim_cost.h"
#include "sim_fare.h"
#include "sim_queue.h"
#include "sim_rng.h"
#include "sim_world_state.h"

#define S_PI 3.14159265358979323846
/* Rides routed ahead at once (opts.route_thread): the riders asked between the oldest ride not yet picked up and the
 * newest, about 45 minutes of the 3.2M-rider day's peak; past that a ride is routed at need. */
#define S_AHEAD_SLOTS 65536

typedef void (s_handler_fn) (sim_world_t *self, uint32_t subject);

/* Grows *array (of elem bytes) so that it holds at least need elements. 0 or -1. */
static int
s_reserve (void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc (*array, ncap * elem);
    if (!p)
        return -1;
    *array = p;
    *cap = ncap;
    return 0;
}

/* Tells the listener of an event of the world's day at now, at node (sim_event.h says which ids each kind has).
 * Nothing without a listener. */
static void
s_log (sim_world_t *self, sim_event_kind_t kind, int64_t vehicle, int fleet, int64_t request, uint32_t node)
{
    if (!self->opts.on_event)
        return;
    const map_node_t *n = map_graph_node (self->graph, node);
    sim_event_t row = {.day = self->opts.day + 1,
                       .time_ms = self->now_ms,
                       .kind = kind,
                       .vehicle = vehicle,
                       .fleet = fleet,
                       .request = request,
                       .node = node,
                       .lon = n->lon,
                       .lat = n->lat,
                       .trip = self->opts.trips && request != SIM_EVENT_NONE
                                   ? self->opts.trips[self->riders[request].trip].ref : NULL};
    self->opts.on_event (self->opts.event_arg, &row);
}

/* ---- demand ---------------------------------------------------------------------------------------------- */

static double
s_zone_weight (const sim_config_t *cfg, const map_node_t *n)
{
    double w = cfg->demand.base_weight;
    for (size_t i = 0; i < cfg->zone_count; i++) {
        const sim_zone_t *z = &cfg->zones[i];
        /* equirectangular distance: plenty for a weight that falls off over kilometres */
        double dx = (n->lon - z->lon) * 111.32 * cos (z->lat * S_PI / 180.0);
        double dy = (n->lat - z->lat) * 110.57;
        double d2 = (dx * dx + dy * dy) / (z->radius_km * z->radius_km);
        w += z->weight * exp (-0.5 * d2);
    }
    return w;
}

static int
s_in_box (const double *box, const map_node_t *n)
{
    return n->lon >= box[0] && n->lat >= box[1] && n->lon <= box[2] && n->lat <= box[3];
}

static double
s_node_weight (const sim_world_t *self, uint32_t node)
{
    return self->node_weight_cum[node] - (node ? self->node_weight_cum[node - 1] : 0.0);
}

/* A destination for a trip from origin: a road length drawn from the gamma distribution, turned into a straight
 * distance by the detour factor, in a random direction; among a few such candidates the busier place wins more
 * often, so destinations follow the zones too. */
static uint32_t
s_draw_destination (sim_world_t *self, uint32_t origin)
{
    const sim_config_t *cfg = self->cfg;
    const map_node_t *o = map_graph_node (self->graph, origin);
    size_t n = map_graph_node_count (self->graph);
    double scale = cfg->demand.trip_km_mean / cfg->demand.trip_km_shape;
    for (int attempt = 0; attempt < 16; attempt++) {
        double km = sim_rng_gamma (&self->rng_demand, cfg->demand.trip_km_shape, scale);
        if (km < cfg->demand.trip_km_min)
            km = cfg->demand.trip_km_min;
        if (km > cfg->demand.trip_km_max)
            km = cfg->demand.trip_km_max;
        double straight_m = km * 1000.0 / cfg->demand.detour_factor;
        uint32_t cand[6];
        double weight[6], total = 0;
        int found = 0;
        for (int c = 0; c < 6; c++) {
            double phi = 2.0 * S_PI * sim_rng_uniform (&self->rng_demand);
            double x = o->x + straight_m * cos (phi), y = o->y + straight_m * sin (phi);
            /* a point in the river or off the map snaps far away: not a place anybody asked to go */
            uint32_t node = map_graph_nearest_within (self->graph, x, y, 0.25 * straight_m + 500.0);
            if (node == MAP_NODE_NONE || node == origin)
                continue;
            cand[found] = node;
            weight[found] = s_node_weight (self, node);
            total += weight[found];
            found++;
        }
        if (found == 0 || total <= 0)
            continue;
        double u = sim_rng_uniform (&self->rng_demand) * total;
        for (int c = 0; c < found; c++) {
            if (u < weight[c] || c == found - 1)
                return cand[c];
            u -= weight[c];
        }
    }
    /* An origin with no road within reach in any direction: any other busy place. */
    uint32_t d;
    do
        d = swi_draw_node (self->node_weight_cum, n, sim_rng_uniform (&self->rng_demand));
    while (d == origin && n > 1);
    return d;
}

/* Time of the next request after t: a Poisson process whose rate is constant within each hour. Memorylessness lets
 * us restart the exponential draw at every hour boundary. Returns SIM_DAY_MS when no request comes before
 * midnight. */
static int64_t
s_next_arrival (sim_world_t *self, double t_ms)
{
    while (t_ms < (double) SIM_DAY_MS) {
        int h = (int) (t_ms / (double) SWI_HOUR_MS);
        double hour_end = (double) (h + 1) * SWI_HOUR_MS;
        double rate = self->hour_rate_per_ms[h];
        if (rate <= 0) {
            t_ms = hour_end;
            continue;
        }
        double dt = sim_rng_exponential (&self->rng_demand, 1.0 / rate);
        if (t_ms + dt < hour_end)
            return (int64_t) ceil (t_ms + dt);
        t_ms = hour_end;
    }
    return SIM_DAY_MS;
}

/* Schedules the request that follows after_ms, if one comes before midnight. */
static void
s_schedule_next_request (sim_world_t *self, int64_t after_ms)
{
    if (self->opts.trips) {   /* the given demand: its next row, at its own time */
        if (self->next_trip < self->opts.trip_count)
            swi_schedule (self, self->opts.trips[self->next_trip].time_ms, SWI_EV_REQUEST, 0);
        return;
    }
    int64_t next_ms = s_next_arrival (self, (double) after_ms);
    if (next_ms < SIM_DAY_MS)
        swi_schedule (self, next_ms, SWI_EV_REQUEST, 0);
}

/* ---- vehicles ---------------------------------------------------------------------------------------------- */

static sim_time_kind_t
s_time_kind (swi_veh_state_t state)
{
    return state == SWI_VEH_OCCUPIED     ? SIM_TIME_OCCUPIED
           : state == SWI_VEH_PICKUP     ? SIM_TIME_PICKUP
           : state == SWI_VEH_REPOSITION ? SIM_TIME_REPOSITION
                                         : SIM_TIME_IDLE;
}

/* Books the vehicle's time in its current state up to now. */
static void
s_account (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    if (veh->state != SWI_VEH_OFFLINE && self->now_ms > veh->since_ms) {
        sim_metrics_vehicle_time (self->metrics, veh->fleet, s_time_kind (veh->state), veh->since_ms, self->now_ms);
        if (veh->state == SWI_VEH_IDLE || (veh->state == SWI_VEH_CHARGE && veh->charge == SWI_CHARGE_WAIT))
            swi_charge_stand (self, v, veh->since_ms, self->now_ms);   /* standing draws from the battery */
        int64_t end = self->now_ms < SIM_DAY_MS ? self->now_ms : SIM_DAY_MS;
        if (end > veh->since_ms)
            veh->online_ms += end - veh->since_ms;
    }
    veh->since_ms = self->now_ms;
}

static void
s_set_state (sim_world_t *self, uint32_t v, swi_veh_state_t state)
{
    s_account (self, v);
    self->vehicles[v].state = state;
    if (self->tracks) {
        swi_track_close (self, v);
        if (state == SWI_VEH_IDLE)
            swi_track_idle (self, v);
    }
}

/* Schedules vehicle v on service over [start_ms, end_ms) of a day that repeats: a span past midnight wraps to the
 * early hours of this day. */
static void
s_schedule_service (sim_world_t *self, uint32_t v, int64_t start_ms, int64_t end_ms)
{
    if (end_ms > SIM_DAY_MS) {
        swi_schedule (self, 0, SWI_EV_SHIFT_START, v);
        swi_schedule (self, end_ms - SIM_DAY_MS, SWI_EV_SHIFT_END, v);
        end_ms = SIM_DAY_MS;
    }
    swi_schedule (self, start_ms, SWI_EV_SHIFT_START, v);
    swi_schedule (self, end_ms, SWI_EV_SHIFT_END, v);
}

/* An hour drawn with weight w[h]; cum is scratch. */
static int
s_draw_hour (sim_rng_t *rng, const double *w)
{
    double cum[24], acc = 0;
    for (int h = 0; h < 24; h++)
        cum[h] = (acc += w[h]);
    double u = sim_rng_uniform (rng) * cum[23];
    int h = 0;
    while (h < 23 && cum[h] <= u)
        h++;
    return h;
}

static void
s_place_fleets (sim_world_t *self)
{
    const sim_config_t *cfg = self->cfg;
    size_t n = map_graph_node_count (self->graph);

    /* Every driver of the pool draws a place and a shift, working or not, so a driver's day does not depend on who
     * else works. */
    for (uint32_t v = 0; v < self->humans; v++) {
        swi_vehicle_t *veh = &self->vehicles[v];
        veh->fleet = DISP_FLEET_HUMAN;
        veh->node = swi_draw_node (self->node_weight_cum, n, sim_rng_uniform (&self->rng_human));
        veh->home = MAP_NODE_NONE;
        /* shift start: an hour by weight, a uniform minute within it; length uniform in [min, max] */
        int h = s_draw_hour (&self->rng_human, cfg->human.shift_start_weight);
        double start_h = h + sim_rng_uniform (&self->rng_human);
        double len_h = cfg->human.shift_min_h + (cfg->human.shift_max_h - cfg->human.shift_min_h) *
                                                     sim_rng_uniform (&self->rng_human);
        if (self->opts.shifts) {   /* drawn all the same, so the stream stays that of a day without the file */
            veh->node = veh->home = self->opts.shifts[v].home;
            start_h = self->opts.shifts[v].start_h;
            len_h = self->opts.shifts[v].length_h;
        }
        veh->shift_start_h = start_h;
        veh->shift_h = len_h;
        if (self->opts.works && !self->opts.works[v])
            continue;
        veh->worked = 1;
        int64_t start_ms = (int64_t) llround (start_h * SWI_HOUR_MS);
        s_schedule_service (self, v, start_ms, start_ms + (int64_t) llround (len_h * SWI_HOUR_MS));
    }
    /* Robotaxis run round the clock but for one block a day of charging and cleaning, started in a quiet hour
     * (weight: how far the hour's demand is below the busiest hour's). */
    double quiet[24], busiest = 0;
    for (int h = 0; h < 24; h++)
        busiest = fmax (busiest, cfg->demand.hour_weight[h]);
    for (int h = 0; h < 24; h++)
        quiet[h] = busiest - cfg->demand.hour_weight[h] + 1e-3 * busiest;
    /* with batteries, charging is where and when the battery asks for it: only the cleaning is a block */
    int battery = strcmp (cfg->charging.mode, "battery") == 0;
    double down_h = (battery ? 0.0 : cfg->robotaxi.charge_h_per_day) + cfg->robotaxi.clean_h_per_day;
    for (uint32_t i = 0; i < self->robotaxis; i++) {
        uint32_t v = self->humans + i;
        swi_vehicle_t *veh = &self->vehicles[v];
        veh->fleet = DISP_FLEET_ROBOTAXI;
        veh->node = swi_draw_node (self->area_weight_cum, n, sim_rng_uniform (&self->rng_robotaxi));
        veh->home = MAP_NODE_NONE;
        if (self->opts.depots)
            veh->node = veh->home = self->opts.depots[i];
        double down_start_h = s_draw_hour (&self->rng_robotaxi, quiet) + sim_rng_uniform (&self->rng_robotaxi);
        veh->worked = 1;
        veh->shift_h = 24 - down_h;
        if (down_h <= 0) {
            s_schedule_service (self, v, 0, SIM_DAY_MS);
            continue;
        }
        /* in service from the end of the downtime until its start the next time round */
        int64_t back_ms = (int64_t) llround ((down_start_h + down_h) * SWI_HOUR_MS) % SIM_DAY_MS;
        veh->shift_start_h = (double) back_ms / SWI_HOUR_MS;
        s_schedule_service (self, v, back_ms, back_ms + (int64_t) llround (veh->shift_h * SWI_HOUR_MS));
    }
}

/* ---- rider choice ------------------------------------------------------------------------------------------ */

/* Adds a wait sample at t_ms. 0 or -1 when out of memory. */
static int
s_waits_add (swi_waits_t *w, int64_t t_ms, double wait_min)
{
    if (w->count == w->cap) {
        if (w->head > 0) {   /* reuse the evicted front before growing */
            memmove (w->t_ms, w->t_ms + w->head, (w->count - w->head) * sizeof *w->t_ms);
            memmove (w->wait_min, w->wait_min + w->head, (w->count - w->head) * sizeof *w->wait_min);
            w->count -= w->head;
            w->head = 0;
        }
        if (w->count == w->cap) {
            size_t cap = w->cap ? 2 * w->cap : 1024;
            int64_t *t = realloc (w->t_ms, cap * sizeof *t);
            if (t)
                w->t_ms = t;
            double *m = realloc (w->wait_min, cap * sizeof *m);
            if (m)
                w->wait_min = m;
            if (!t || !m)
                return -1;
            w->cap = cap;
        }
    }
    w->t_ms[w->count] = t_ms;
    w->wait_min[w->count++] = wait_min;
    w->sum_min += wait_min;
    return 0;
}

/* The wait a rider expects at now_ms: the mean of the window's samples, or the last mean when it holds none. */
static double
s_waits_expect (swi_waits_t *w, int64_t now_ms, int64_t window_ms)
{
    while (w->head < w->count && w->t_ms[w->head] < now_ms - window_ms)
        w->sum_min -= w->wait_min[w->head++];
    if (w->head == w->count) {
        w->sum_min = 0;   /* no drift from a long run of additions and removals */
        return w->expect_min;
    }
    w->expect_min = w->sum_min / (double) (w->count - w->head);
    return w->expect_min;
}

/* Logit choice probabilities over utilities v[k] of the available options (avail[k]); others get 0. */
static void
s_logit (const double *v, const int *avail, int n, double *p)
{
    double top = -INFINITY, sum = 0;
    for (int k = 0; k < n; k++)
        if (avail[k] && v[k] > top)
            top = v[k];
    for (int k = 0; k < n; k++) {
        p[k] = avail[k] ? exp (v[k] - top) : 0.0;
        sum += p[k];
    }
    for (int k = 0; k < n; k++)
        p[k] /= sum;
}

/* What rider r chooses (a fleet or SIM_CHOICE_OTHER; with `only` >= 0 that fleet or neither) with the uniform draw
 * u; also adds the rider's probabilities
 * at every price factor to the choice curve. The rider is quoted fares for the straight distance times the detour
 * factor at the fare-curve speed slowed by the hour's traffic, and expects each fleet's recent mean wait. */
static int
s_choose (sim_world_t *self, const swi_rider_t *rider, int only, double u_fleet, double u_coupon)
{
    const sim_config_t *cfg = self->cfg;
    const map_node_t *o = map_graph_node (self->graph, rider->origin);
    const map_node_t *d = map_graph_node (self->graph, rider->destination);
    double km = hypot (d->x - o->x, d->y - o->y) / 1000.0 * cfg->demand.detour_factor;
    double min = km / cfg->metrics.fare_curve_kmh * 60.0 * map_traffic_factor (&cfg->traffic, self->now_ms);
    int64_t window_ms = (int64_t) llround (cfg->choice.wait_window_min * 60000.0);
    double fare[DISP_FLEET_COUNT];
    fare[DISP_FLEET_ROBOTAXI] = sim_fare_paid (&cfg->robotaxi.tariff, km, min,
                                               u_coupon < cfg->robotaxi.tariff.coupon_share);
    fare[DISP_FLEET_HUMAN] = sim_fare_paid (&cfg->human.tariff, km, min, u_coupon < cfg->human.tariff.coupon_share);
    double v[DISP_FLEET_COUNT + 1], p[DISP_FLEET_COUNT + 1];
    int avail[DISP_FLEET_COUNT + 1];
    avail[DISP_FLEET_ROBOTAXI] = self->robotaxis > 0 && self->in_area[rider->origin] &&
                                 self->in_area[rider->destination];
    avail[DISP_FLEET_HUMAN] = self->humans_working > 0;
    avail[SIM_CHOICE_OTHER] = 1;
    for (int f = 0; only >= 0 && f < DISP_FLEET_COUNT; f++)
        if (f != only)
            avail[f] = 0;   /* a rider who asked for one fleet weighs it against going another way */
    double wait_r = s_waits_expect (&self->waits[DISP_FLEET_ROBOTAXI], self->now_ms, window_ms);
    double wait_h = s_waits_expect (&self->waits[DISP_FLEET_HUMAN], self->now_ms, window_ms);
    double v_robotaxi_rest = cfg->choice.asc_robotaxi + cfg->choice.beta_wait * wait_r;
    v[DISP_FLEET_HUMAN] = cfg->choice.beta_price * fare[DISP_FLEET_HUMAN] + cfg->choice.beta_wait * wait_h;
    v[SIM_CHOICE_OTHER] = cfg->choice.asc_other + cfg->choice.beta_price * cfg->choice.other_price_yuan +
                          cfg->choice.beta_time * cfg->choice.other_extra_min_per_km * km;
    for (int k = 0; k < SIM_CHOICE_FACTORS; k++) {
        double factor = 0.25 * (k + 1);
        v[DISP_FLEET_ROBOTAXI] = v_robotaxi_rest + cfg->choice.beta_price * fare[DISP_FLEET_ROBOTAXI] * factor;
        s_logit (v, avail, DISP_FLEET_COUNT + 1, p);
        for (int c = 0; c <= DISP_FLEET_COUNT; c++)
            self->curve[k][c] += p[c];
    }
    v[DISP_FLEET_ROBOTAXI] = v_robotaxi_rest + cfg->choice.beta_price * fare[DISP_FLEET_ROBOTAXI];
    s_logit (v, avail, DISP_FLEET_COUNT + 1, p);
    /* robotaxi, then human, then other along [0, 1) */
    if (u_fleet < p[DISP_FLEET_ROBOTAXI])
        return DISP_FLEET_ROBOTAXI;
    if (u_fleet < p[DISP_FLEET_ROBOTAXI] + p[DISP_FLEET_HUMAN] || !avail[SIM_CHOICE_OTHER])
        return DISP_FLEET_HUMAN;
    return SIM_CHOICE_OTHER;
}

/* ---- event handlers ----------------------------------------------------------------------------------------- */

static void
s_on_request (sim_world_t *self, uint32_t subject)
{
    (void) subject;
    const sim_config_t *cfg = self->cfg;
    size_t n = map_graph_node_count (self->graph);
    if (s_reserve ((void **) &self->riders, &self->rider_cap, self->rider_count + 1, sizeof (swi_rider_t)) < 0 ||
        s_reserve ((void **) &self->new_riders, &self->new_cap, self->new_count + 1, sizeof (uint32_t)) < 0) {
        swi_fail (self, "out of memory");
        return;
    }
    swi_rider_t candidate = {.request_ms = self->now_ms, .ride_ticket = MAP_CH_AHEAD_NONE};
    double patience_min = cfg->demand.patience_min;
    int only = -1;   /* the one fleet a rider of the given demand asked for, or -1 */
    if (self->opts.trips) {
        candidate.trip = (uint32_t) self->next_trip;
        const sim_trip_t *trip = &self->opts.trips[self->next_trip++];
        candidate.origin = trip->origin;
        candidate.destination = trip->destination;
        only = trip->fleet;
        if (trip->patience_min > 0)
            patience_min = trip->patience_min;
    } else {
        candidate.origin = swi_draw_node (self->node_weight_cum, n, sim_rng_uniform (&self->rng_demand));
        candidate.destination = s_draw_destination (self, candidate.origin);
    }
    candidate.deadline_ms = self->now_ms + (int64_t) llround (patience_min * 60000.0);
    /* Both draws are made for every rider, whatever the fleets, so the baseline day sees the same riders. */
    double u_fleet = sim_rng_uniform (&self->rng_demand);
    double u_coupon = sim_rng_uniform (&self->rng_demand);
    int chosen = s_choose (self, &candidate, only, u_fleet, u_coupon);
    self->choice.considered++;
    self->choice.chose[chosen]++;
    s_schedule_next_request (self, self->now_ms);
    if (chosen == SIM_CHOICE_OTHER)
        return;   /* goes by metro, bus or on foot */
    uint32_t r = (uint32_t) self->rider_count++;
    swi_rider_t *rider = &self->riders[r];
    *rider = candidate;
    rider->fleet = rider->chosen = (uint8_t) chosen;
    /* One draw decides the coupon under either tariff, so a rider moved to a robotaxi keeps their luck. */
    rider->coupon[DISP_FLEET_ROBOTAXI] = u_coupon < cfg->robotaxi.tariff.coupon_share;
    rider->coupon[DISP_FLEET_HUMAN] = u_coupon < cfg->human.tariff.coupon_share;
    /* On a mixed platform a rider who asked for a human driver takes a robotaxi too, where robotaxis may drive the
     * whole trip (their service area). */
    rider->any_fleet = cfg->dispatch.mixed_fleet && chosen == DISP_FLEET_HUMAN && self->robotaxis > 0 &&
                       self->in_area[rider->origin] && self->in_area[rider->destination];
    rider->state = SWI_RIDER_WAITING;
    /* the ride is routed from now on, on the world's routing thread, ready by the pickup */
    if (self->ahead)
        rider->ride_ticket = map_ch_ahead_ask (self->ahead, rider->origin, rider->destination);
    self->active_riders++;
    self->new_riders[self->new_count++] = r;
    sim_metrics_request (self->metrics, rider->fleet, self->now_ms);
    swi_schedule (self, rider->deadline_ms, SWI_EV_GIVEUP, r);
    s_log (self, SIM_EVENT_REQUEST, SIM_EVENT_NONE, rider->fleet, r, rider->origin);
}

static void
s_on_giveup (sim_world_t *self, uint32_t r)
{
    swi_rider_t *rider = &self->riders[r];
    if (rider->state != SWI_RIDER_WAITING)
        return;   /* assigned riders wait for their car: the dispatcher promised it before the deadline */
    rider->state = SWI_RIDER_GAVE_UP;
    if (rider->ride_ticket != MAP_CH_AHEAD_NONE) {
        map_ch_ahead_drop (self->ahead, rider->ride_ticket);
        rider->ride_ticket = MAP_CH_AHEAD_NONE;
    }
    self->active_riders--;
    s_log (self, SIM_EVENT_GIVEUP, SIM_EVENT_NONE, rider->fleet, r, rider->origin);
    sim_metrics_giveup (self->metrics, rider->fleet, self->now_ms);
    if (s_waits_add (&self->waits[rider->chosen], self->now_ms, self->cfg->demand.patience_min) < 0)
        swi_fail (self, "out of memory");
    if (rider->sent) {
        if (s_reserve ((void **) &self->cancelled, &self->cancelled_cap, self->cancelled_count + 1,
                       sizeof (uint64_t)) < 0) {
            swi_fail (self, "out of memory");
            return;
        }
        self->cancelled[self->cancelled_count++] = r;
    }
}

/* Drives a vehicle from `from` to `to` along route (rc: map_ch_route's answer for them) starting now: returns the
 * traffic-adjusted time and sets *km. */
static int64_t
s_drive_along (sim_world_t *self, int rc, const map_route_t *route, uint32_t from, uint32_t to, double *km)
{
    if (rc < 0) {
        swi_fail (self, "no road from node %u to node %u", from, to);
        *km = 0;
        return 0;
    }
    *km = route->length_m / 1000.0;
    return map_traffic_time (&self->cfg->traffic, self->now_ms, route->time_ms);
}

/* Drives vehicle v from `from` to `to` starting now, as s_drive_along. With a ticket (not MAP_CH_AHEAD_NONE) the
 * route was asked ahead for the same from and to, and the ticket is used up. A tracked vehicle's path is kept for
 * its leg (drive_path). */
static int64_t
s_drive (sim_world_t *self, uint32_t v, uint32_t from, uint32_t to, uint64_t ticket, double *km)
{
    map_route_t route;
    int rc;
    self->drive_path = NULL;
    if (ticket != MAP_CH_AHEAD_NONE && swi_tracked (self, v)) {
        rc = map_ch_ahead_take_path (self->ahead, ticket, &route, &self->drive_path, &self->drive_path_count);
    } else if (ticket != MAP_CH_AHEAD_NONE) {
        rc = map_ch_ahead_take (self->ahead, ticket, &route);
    } else {
        rc = map_ch_route (self->router, from, to, &route);
        if (rc == 0 && swi_tracked (self, v))
            self->drive_path = map_ch_path (self->router, &self->drive_path_count);
    }
    return s_drive_along (self, rc, &route, from, to, km);
}

static void
s_on_pickup (sim_world_t *self, uint32_t r)
{
    swi_rider_t *rider = &self->riders[r];
    uint32_t v = rider->vehicle;
    swi_vehicle_t *veh = &self->vehicles[v];
    rider->state = SWI_RIDER_RIDING;
    veh->node = rider->origin;
    s_log (self, SIM_EVENT_PICKUP, v, rider->fleet, r, rider->origin);
    s_set_state (self, v, SWI_VEH_OCCUPIED);
    /* the metrics count the serving fleet; the waits riders expect are those of the option they chose */
    if (sim_metrics_pickup (self->metrics, rider->fleet, self->now_ms, self->now_ms - rider->request_ms) < 0 ||
        s_waits_add (&self->waits[rider->chosen], self->now_ms, (double) (self->now_ms - rider->request_ms) / 60000.0) < 0)
        swi_fail (self, "out of memory");
    double km;
    int64_t trip_ms = s_drive (self, v, rider->origin, rider->destination, rider->ride_ticket, &km);
    rider->ride_ticket = MAP_CH_AHEAD_NONE;
    swi_track_drive (self, v, r, rider->origin, rider->destination, self->now_ms, trip_ms);
    rider->leg_start_ms = self->now_ms;
    rider->trip_km = km;
    sim_metrics_km (self->metrics, rider->fleet, SIM_KM_OCCUPIED, self->now_ms, km);
    veh->km += km;
    swi_charge_drive (self, v, km, trip_ms);
    swi_schedule (self, self->now_ms + trip_ms, SWI_EV_DROPOFF, r);
}

static void s_off_shift (sim_world_t *self, uint32_t v, int64_t lead_ms);

static int s_go_charge (sim_world_t *self, uint32_t v);

/* Vehicle v is free for riders from now, at its node: idle, the dispatcher told, and an idle human driver cruises;
 * or, with its battery low, it goes to charge first. */
static void
s_become_free (sim_world_t *self, uint32_t v)
{
    if (swi_charge_wanted (self, v) && s_go_charge (self, v))
        return;
    s_set_state (self, v, SWI_VEH_IDLE);
    swi_mark_changed (self, v);
    if (self->walks && v < self->humans)
        swi_cruise_start (self, v);
}

/* Vehicle v is done with what it was doing (a ride, a reposition, a charge): free for riders again, or off shift when
 * its shift ended meanwhile. */
static void
s_carry_on (sim_world_t *self, uint32_t v)
{
    if (self->vehicles[v].on_shift) {
        s_become_free (self, v);
    } else {
        s_off_shift (self, v, 0);
        swi_mark_changed (self, v);
    }
}

static void
s_on_dropoff (sim_world_t *self, uint32_t r)
{
    const sim_config_t *cfg = self->cfg;
    swi_rider_t *rider = &self->riders[r];
    uint32_t v = rider->vehicle;
    swi_vehicle_t *veh = &self->vehicles[v];
    /* the fare uses the road length of the trip and its actual duration */
    double km = rider->trip_km;
    double minutes = (double) (self->now_ms - rider->leg_start_ms) / 60000.0;
    /* the serving fleet's tariff */
    const sim_tariff_t *tariff = rider->fleet == DISP_FLEET_ROBOTAXI ? &cfg->robotaxi.tariff : &cfg->human.tariff;
    double fare = sim_fare_paid (tariff, km, minutes, rider->coupon[rider->fleet]);
    sim_metrics_fare (self->metrics, rider->fleet, self->now_ms, fare);
    /* a driver is paid on the list fare: the platform funds the rider's promotion and coupon (README "Costs") */
    veh->revenue_yuan += rider->fleet == DISP_FLEET_HUMAN ? sim_fare_earned (tariff, km, minutes) : fare;
    veh->trips++;
    rider->state = SWI_RIDER_DONE;
    self->active_riders--;
    veh->node = rider->destination;
    s_log (self, SIM_EVENT_DROPOFF, v, rider->fleet, r, rider->destination);
    s_carry_on (self, v);
}

/* A human driver's empty trip between home and the area where riders are, at the start and end of a shift (not at
 * the midnight seam of a shift that runs past it). */
static void
s_commute (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    if (veh->fleet != DISP_FLEET_HUMAN || self->now_ms <= 0 || self->now_ms >= SIM_DAY_MS ||
        veh->home != MAP_NODE_NONE)
        return;   /* a driver with a home from the shifts file drives home instead (s_off_shift) */
    sim_metrics_km (self->metrics, veh->fleet, SIM_KM_CRUISE, self->now_ms, self->cfg->human.commute_km);
    veh->km += self->cfg->human.commute_km;
    swi_charge_drive (self, v, self->cfg->human.commute_km, -1);
}

/* Vehicle v goes off shift now (offline for the dispatcher). One with a home (a robotaxi's depot, a driver's home
 * from the fleets files) elsewhere drives there empty, setting out lead_ms from now (where a cut cruise hop ends):
 * empty km, the leg to_depot or going_home, SWI_EV_HOME on arrival. Not past midnight: the day is over then, and not
 * at the midnight seam of a service that runs past it. */
static void
s_off_shift (sim_world_t *self, uint32_t v, int64_t lead_ms)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    s_set_state (self, v, SWI_VEH_OFFLINE);
    if (veh->home == MAP_NODE_NONE || veh->node == veh->home || self->now_ms <= 0 || self->now_ms >= SIM_DAY_MS)
        return;
    veh->homing = 1;
    double km;
    int64_t drive_ms = s_drive (self, v, veh->node, veh->home, MAP_CH_AHEAD_NONE, &km);
    swi_track_drive (self, v, -1, veh->node, veh->home, self->now_ms + lead_ms, drive_ms);
    sim_metrics_km (self->metrics, veh->fleet, SIM_KM_CRUISE, self->now_ms, km);
    veh->km += km;
    swi_charge_drive (self, v, km, drive_ms);
    swi_schedule (self, self->now_ms + lead_ms + drive_ms, SWI_EV_HOME, v);
}

/* The end of a drive home (s_off_shift): at the depot or home, and back in service from there when service has
 * resumed on the way. */
static void
s_on_home (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    if (!veh->homing) {
        swi_fail (self, "vehicle %u arrived home from a drive it was not on", v);
        return;
    }
    veh->homing = 0;
    veh->node = veh->home;
    s_log (self, SIM_EVENT_ARRIVE, v, veh->fleet, SIM_EVENT_NONE, veh->home);
    if (veh->on_shift)
        s_become_free (self, v);
    else
        s_set_state (self, v, SWI_VEH_OFFLINE);
}

static void
s_on_shift_start (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    veh->on_shift = 1;
    s_log (self, SIM_EVENT_SHIFT_START, v, veh->fleet, SIM_EVENT_NONE, veh->node);
    s_commute (self, v);
    if (veh->state == SWI_VEH_OFFLINE && !veh->homing)   /* one still driving home starts there (s_on_home) */
        s_become_free (self, v);
}

static void
s_on_shift_end (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    veh->on_shift = 0;
    s_log (self, SIM_EVENT_SHIFT_END, v, veh->fleet, SIM_EVENT_NONE, veh->node);
    s_commute (self, v);
    if (veh->state == SWI_VEH_IDLE) {
        int64_t lead_ms = swi_cruise_cut (self, v);   /* a cruising driver stops at the next crossing */
        s_off_shift (self, v, lead_ms);
        swi_mark_changed (self, v);
    }
    /* a vehicle with a rider finishes the trip and goes off shift at the drop-off; one repositioning drives on to
     * its target and goes off shift there (its charging and cleaning happen where it stops, or at its depot) */
}

/* ---- charging (charging.mode battery; the batteries and sites are sim_world_energy.c's) ---- */

/* Vehicle v, free but low, drives to a charging site instead of taking riders, busy for the dispatcher until it is
 * charged. 0 when no site takes its fleet: it stays in service. */
static int
s_go_charge (sim_world_t *self, uint32_t v)
{
    uint32_t site = swi_charge_pick (self, v);
    if (site == SIM_CHARGER_NONE)
        return 0;
    swi_vehicle_t *veh = &self->vehicles[v];
    uint32_t to = sim_chargers_site (self->chargers, site)->node;
    veh->charge = SWI_CHARGE_DRIVE;
    s_set_state (self, v, SWI_VEH_CHARGE);
    swi_mark_changed (self, v);
    int64_t drive_ms = 0;
    if (to != veh->node) {
        double km;
        drive_ms = s_drive (self, v, veh->node, to, MAP_CH_AHEAD_NONE, &km);
        swi_track_drive (self, v, -1, veh->node, to, self->now_ms, drive_ms);
        sim_metrics_km (self->metrics, veh->fleet, SIM_KM_CRUISE, self->now_ms, km);
        veh->km += km;
        swi_charge_drive (self, v, km, drive_ms);
    }
    swi_schedule (self, self->now_ms + drive_ms, SWI_EV_CHARGE_ARRIVE, v);
    return 1;
}

/* The dispatcher sent vehicle v to charge (a policy's early charging): an idle electric vehicle below its
 * charge_to_soc goes as if it had run low. Any other is told again as it is, so the dispatcher does not count it
 * offline. */
static void
s_charge_ordered (sim_world_t *self, uint32_t v)
{
    if (v >= self->vehicle_count) {
        swi_fail (self, "the dispatcher sent vehicle %u to charge, past the fleets' %u", v, self->vehicle_count);
        return;
    }
    swi_vehicle_t *veh = &self->vehicles[v];
    if (self->batteries && veh->state == SWI_VEH_IDLE && !veh->cruising && veh->on_shift) {
        s_account (self, v);   /* the standing so far drawn from the battery */
        if (!swi_charge_full (self, v) && s_go_charge (self, v))
            return;
    }
    swi_mark_changed (self, v);
}

/* At the charging site: plugged in when a plug is free, else in the site's queue; either way a spell there. */
static void
s_on_charge_arrive (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    if (veh->state != SWI_VEH_CHARGE || veh->charge != SWI_CHARGE_DRIVE) {
        swi_fail (self, "vehicle %u arrived at a charging site it was not driving to", v);
        return;
    }
    s_account (self, v);   /* the drive's time, before the phase changes */
    veh->node = sim_chargers_site (self->chargers, self->batteries[v].site)->node;
    int plugged = swi_charge_arrive (self, v);
    veh->charge = plugged ? SWI_CHARGE_PLUG : SWI_CHARGE_WAIT;
    if (self->tracks) {
        swi_track_close (self, v);
        swi_track_idle (self, v);   /* a spell at the site, told as charging */
    }
    s_log (self, plugged ? SIM_EVENT_CHARGE_START : SIM_EVENT_CHARGE_WAIT, v, veh->fleet, SIM_EVENT_NONE, veh->node);
    if (plugged)
        swi_schedule (self, swi_charge_done_ms (self, v), SWI_EV_CHARGE_END, v);
}

/* Charged to its level: the plug goes to the first waiting there, and v is back in service (or off shift when its
 * shift ended meanwhile). */
static void
s_on_charge_end (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    if (veh->state != SWI_VEH_CHARGE || veh->charge != SWI_CHARGE_PLUG) {
        swi_fail (self, "vehicle %u finished a charge it was not plugged in for", v);
        return;
    }
    if (self->tracks)
        swi_track_close (self, v);   /* the spell at the site, while still charging */
    uint32_t next = swi_charge_leave (self, v);
    s_log (self, SIM_EVENT_CHARGE_END, v, veh->fleet, SIM_EVENT_NONE, veh->node);
    if (next != SIM_CHARGER_NONE) {
        s_account (self, next);   /* its wait, before the phase changes */
        self->vehicles[next].charge = SWI_CHARGE_PLUG;
        s_log (self, SIM_EVENT_CHARGE_START, next, self->vehicles[next].fleet, SIM_EVENT_NONE,
               self->vehicles[next].node);
        swi_schedule (self, swi_charge_done_ms (self, next), SWI_EV_CHARGE_END, next);
    }
    veh->charge = SWI_CHARGE_NONE;
    s_carry_on (self, v);
}

/* An idle driver's parked spell is over: one whose battery ran low goes to charge, the others cruise on. */
static void
s_on_cruise (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    if (veh->state == SWI_VEH_IDLE && !veh->cruising && veh->on_shift && self->now_ms == veh->wake_ms &&
        swi_charge_wanted (self, v) && s_go_charge (self, v))
        return;
    swi_on_cruise (self, v);
}

/* Every SWI_CHARGE_CHECK_MS: a vehicle standing idle turns free no more, yet its battery runs down (a robotaxi's
 * computer); one below its level now goes to charge. */
static void
s_on_charge_check (sim_world_t *self, uint32_t subject)
{
    (void) subject;
    for (uint32_t v = 0; v < self->vehicle_count; v++) {
        swi_vehicle_t *veh = &self->vehicles[v];
        if (veh->state != SWI_VEH_IDLE || veh->cruising || !veh->on_shift)
            continue;
        s_account (self, v);   /* the standing so far drawn from the battery */
        if (swi_charge_wanted (self, v))
            s_go_charge (self, v);
        else if (self->batteries && self->batteries[v].reach_m - swi_charge_reach_m (self, v) > SWI_REACH_RETELL_M)
            swi_mark_changed (self, v);   /* standing took a km off its reach: the dispatcher hears the new one */
    }
    if (self->now_ms + SWI_CHARGE_CHECK_MS < SIM_DAY_MS)
        swi_schedule (self, self->now_ms + SWI_CHARGE_CHECK_MS, SWI_EV_CHARGE_CHECK, 0);
}

/* The end of a reposition drive: idle at the target, or off shift when the shift ended on the way. */
static void
s_on_arrive (sim_world_t *self, uint32_t v)
{
    swi_vehicle_t *veh = &self->vehicles[v];
    if (veh->state != SWI_VEH_REPOSITION) {
        swi_fail (self, "vehicle %u arrived from a reposition it was not on (state %d)", v, veh->state);
        return;
    }
    veh->node = veh->target;
    s_log (self, SIM_EVENT_ARRIVE, v, veh->fleet, SIM_EVENT_NONE, veh->target);
    s_carry_on (self, v);
}

/* Numbers the snapshot (the day's own count, summary.json's seq; the publisher numbers the stream per topic) and,
 * when this world publishes, queues it encoded for the next tick. */
static void
s_publish (sim_world_t *self, sim_snapshot_t *snap)
{
    snap->seq = ++self->pub_seq;
    if (!self->opts.publish)
        return;
    if (s_reserve ((void **) &self->pubs, &self->pub_cap, self->pub_count + 1, sizeof (disp_publication_t)) < 0) {
        swi_fail (self, "out of memory");
        return;
    }
    if (self->opts.publish (snap, &self->pubs[self->pub_count]) < 0) {
        swi_fail (self, "out of memory");
        return;
    }
    self->pub_count++;
}

static void
s_on_snapshot (sim_world_t *self, uint32_t subject)
{
    (void) subject;
    if (self->opts.publish) {
        sim_snapshot_t snap;
        sim_world_snapshot (self, SIM_SNAPSHOT_PERIODIC, &snap);
        s_publish (self, &snap);
    }
    int64_t next = self->now_ms + (int64_t) llround (self->cfg->metrics.interval_min * 60000.0);
    if (next <= SIM_DAY_MS)
        swi_schedule (self, next, SWI_EV_SNAPSHOT, 0);
}

/* Tracked vehicles' places asked for (opts.on_sample), then the next sample while the day goes on. */
static void
s_on_sample (sim_world_t *self, uint32_t subject)
{
    (void) subject;
    self->opts.on_sample (self->opts.track_arg, self);
    int64_t next = self->now_ms + self->opts.sample_ms;
    if (next < SIM_DAY_MS || self->active_riders > 0)
        swi_schedule (self, next, SWI_EV_SAMPLE, 0);
}

static disp_position_t
s_position (const sim_world_t *self, uint32_t node)
{
    const map_node_t *n = map_graph_node (self->graph, node);
    return (disp_position_t) {.lon = n->lon, .lat = n->lat, .node = node};
}

/* Applies a rebalancing order: the idle robotaxi drives empty to the target, busy for the dispatcher until it
 * arrives. Human drivers choose for themselves, so an order for one is an impossible answer. */
static void
s_reposition (sim_world_t *self, const disp_reposition_t *order)
{
    uint32_t v = order->vehicle_id, target = order->target.node;
    if (v >= self->vehicle_count || target >= map_graph_node_count (self->graph)) {
        swi_fail (self, "dispatcher repositioned unknown vehicle %u or to unknown node %u", v, target);
        return;
    }
    swi_vehicle_t *veh = &self->vehicles[v];
    if (veh->state != SWI_VEH_IDLE || veh->fleet != DISP_FLEET_ROBOTAXI) {
        swi_fail (self, "dispatcher repositioned vehicle %u (state %d, fleet %s)", v, veh->state,
                  disp_fleet_name (veh->fleet));
        return;
    }
    s_set_state (self, v, SWI_VEH_REPOSITION);
    veh->target = target;
    s_log (self, SIM_EVENT_REPOSITION, v, veh->fleet, SIM_EVENT_NONE, target);
    double km;
    int64_t drive_ms = s_drive (self, v, veh->node, target, MAP_CH_AHEAD_NONE, &km);
    swi_track_drive (self, v, -1, veh->node, target, self->now_ms, drive_ms);
    sim_metrics_km (self->metrics, veh->fleet, SIM_KM_REPOSITION, self->now_ms, km);
    veh->km += km;
    swi_charge_drive (self, v, km, drive_ms);
    swi_mark_changed (self, v);   /* reported busy */
    swi_schedule (self, self->now_ms + drive_ms, SWI_EV_ARRIVE, v);
}

/* With a routing thread, a step's pickup legs are routed on both cores before its assignments are applied: all are
 * asked of the thread, which works from the first on, while this thread takes them from the last back (computing
 * those the thread has not started). The routes are those map_ch_route gives, so the day is the same. An assignment
 * the caller then refuses was routed for nothing: the run fails anyway. */
static void
s_route_pickups (sim_world_t *self, const disp_decisions_t *dec)
{
    size_t n = dec->assignment_count;
    self->pickup_count = 0;
    size_t had = self->pickups_cap;
    if (!self->ahead || n < 2 ||
        s_reserve ((void **) &self->pickups, &self->pickups_cap, n, sizeof (swi_pickup_t)) < 0)
        return;   /* routed one by one as they are applied */
    memset (self->pickups + had, 0, (self->pickups_cap - had) * sizeof (swi_pickup_t));   /* no paths yet */
    for (size_t i = 0; i < n; i++) {
        const disp_assignment_t *a = &dec->assignments[i];
        swi_pickup_t *p = &self->pickups[i];
        p->ready = 0;
        p->ticket = MAP_CH_AHEAD_NONE;
        uint32_t j;
        if (a->request_id < self->rider_count && a->vehicle_id < self->vehicle_count)
            p->ticket = map_ch_ahead_ask (self->ahead, swi_cruise_next (self, a->vehicle_id, &j),
                                          self->riders[a->request_id].origin);
    }
    for (size_t i = n; i-- > 0;) {
        swi_pickup_t *p = &self->pickups[i];
        if (p->ticket == MAP_CH_AHEAD_NONE)
            continue;
        p->path_count = 0;
        if (swi_tracked (self, dec->assignments[i].vehicle_id)) {
            const uint32_t *path;
            size_t count;
            p->rc = map_ch_ahead_take_path (self->ahead, p->ticket, &p->route, &path, &count);
            if (p->rc == 0 && s_reserve ((void **) &p->path, &p->path_cap, count, sizeof *path) == 0) {
                memcpy (p->path, path, count * sizeof *path);
                p->path_count = count;
            }
        } else {
            p->rc = map_ch_ahead_take (self->ahead, p->ticket, &p->route);
        }
        p->ticket = MAP_CH_AHEAD_NONE;
        p->ready = 1;
    }
    self->pickup_count = n;
}

/* Sends what happened since the last tick, and applies the dispatcher's decisions. */
static void
s_exchange (sim_world_t *self, disp_link_t *link)
{
    if (s_reserve ((void **) &self->tick_requests, &self->tick_requests_cap, self->new_count,
                   sizeof (disp_request_t)) < 0) {
        swi_fail (self, "out of memory");
        return;
    }
    size_t nreq = 0;
    for (size_t i = 0; i < self->new_count; i++) {
        uint32_t r = self->new_riders[i];
        swi_rider_t *rider = &self->riders[r];
        if (rider->state != SWI_RIDER_WAITING)
            continue;   /* gave up before the dispatcher heard of it */
        rider->sent = 1;
        self->tick_requests[nreq++] = (disp_request_t) {.id = r,
                                                        .time_ms = rider->request_ms,
                                                        .origin = s_position (self, rider->origin),
                                                        .destination = s_position (self, rider->destination),
                                                        .fleet = rider->fleet,
                                                        .deadline_ms = rider->deadline_ms,
                                                        .any_fleet = rider->any_fleet};
    }
    for (size_t i = 0; i < self->changed_count; i++) {
        uint32_t v = self->changed[i];
        swi_vehicle_t *veh = &self->vehicles[v];
        veh->changed = 0;
        uint8_t status = veh->state == SWI_VEH_OFFLINE ? DISP_VEH_OFFLINE
                         : veh->state == SWI_VEH_IDLE  ? DISP_VEH_IDLE
                                                       : DISP_VEH_BUSY;
        self->tick_vehicles[i] = (disp_vehicle_t) {
            .id = v, .fleet = veh->fleet, .status = status, .position = s_position (self, veh->node),
            .time_ms = self->now_ms};
        double reach_m = swi_charge_reach_m (self, v);
        if (reach_m >= 0) {   /* an electric vehicle: the dispatcher keeps its rides within reach */
            self->tick_vehicles[i].range_limited = 1;
            self->tick_vehicles[i].range_m = reach_m;
            self->batteries[v].reach_m = reach_m;
        }
    }
    disp_tick_t tick = {.step = ++self->step,
                        .now_ms = self->now_ms,
                        .requests = self->tick_requests,
                        .request_count = nreq,
                        .vehicles = self->tick_vehicles,
                        .vehicle_count = self->changed_count,
                        .cancelled = self->cancelled,
                        .cancelled_count = self->cancelled_count,
                        .publish = self->pubs,
                        .publish_count = self->pub_count};
    disp_decisions_t dec;
    char err[512];
    int rc = disp_link_step (link, &tick, &dec, err, sizeof err);
    for (size_t i = 0; i < self->pub_count; i++)
        free (self->pubs[i].payload);
    self->pub_count = 0;
    self->new_count = 0;
    self->changed_count = 0;
    self->cancelled_count = 0;
    if (rc < 0) {
        swi_fail (self, "%s", err);
        return;
    }
    s_route_pickups (self, &dec);
    for (size_t i = 0; i < dec.assignment_count; i++) {
        const disp_assignment_t *a = &dec.assignments[i];
        if (a->request_id >= self->rider_count || a->vehicle_id >= self->vehicle_count) {
            swi_fail (self, "dispatcher assigned unknown request %llu or vehicle %u",
                      (unsigned long long) a->request_id, a->vehicle_id);
            return;
        }
        uint32_t r = (uint32_t) a->request_id, v = a->vehicle_id;
        swi_rider_t *rider = &self->riders[r];
        swi_vehicle_t *veh = &self->vehicles[v];
        if (rider->state != SWI_RIDER_WAITING || veh->state != SWI_VEH_IDLE ||
            (veh->fleet != rider->fleet && !rider->any_fleet)) {
            swi_fail (self, "dispatcher assigned request %u (state %d, fleet %s) to vehicle %u (state %d, fleet %s)",
                      r, rider->state, disp_fleet_name (rider->fleet), v, veh->state, disp_fleet_name (veh->fleet));
            return;
        }
        if (veh->fleet != rider->fleet) {
            /* a mixed-fleet rider served by the other fleet is that fleet's request, rider and fare from now on */
            sim_metrics_move_request (self->metrics, (disp_fleet_t) rider->fleet, (disp_fleet_t) veh->fleet,
                                      rider->request_ms);
            rider->fleet = veh->fleet;
        }
        rider->state = SWI_RIDER_ASSIGNED;
        rider->vehicle = v;
        veh->rider = r;
        /* a cruising driver turns off at the next crossing, and drives to the rider from there */
        int64_t lead_ms = swi_cruise_cut (self, v);
        s_log (self, SIM_EVENT_ASSIGN, v, veh->fleet, r, veh->node);
        s_set_state (self, v, SWI_VEH_PICKUP);
        double km;
        const swi_pickup_t *p = i < self->pickup_count ? &self->pickups[i] : NULL;
        if (p && p->ready) {
            self->drive_path = p->path_count ? p->path : NULL;
            self->drive_path_count = p->path_count;
        }
        int64_t pickup_ms = p && p->ready ? s_drive_along (self, p->rc, &p->route, veh->node, rider->origin, &km)
                                          : s_drive (self, v, veh->node, rider->origin, MAP_CH_AHEAD_NONE, &km);
        swi_track_drive (self, v, r, veh->node, rider->origin, self->now_ms + lead_ms, pickup_ms);
        sim_metrics_km (self->metrics, veh->fleet, SIM_KM_PICKUP, self->now_ms, km);
        veh->km += km;
        swi_charge_drive (self, v, km, pickup_ms);
        swi_schedule (self, self->now_ms + lead_ms + pickup_ms, SWI_EV_PICKUP, r);
    }
    for (size_t i = 0; i < dec.reposition_count && !self->failed; i++)
        s_reposition (self, &dec.repositions[i]);
    for (size_t i = 0; i < dec.charge_count && !self->failed; i++)
        s_charge_ordered (self, dec.charges[i]);
}

static s_handler_fn *const s_handlers[SWI_EV_COUNT] = {
    [SWI_EV_REQUEST] = s_on_request,
    [SWI_EV_GIVEUP] = s_on_giveup,
    [SWI_EV_PICKUP] = s_on_pickup,
    [SWI_EV_DROPOFF] = s_on_dropoff,
    [SWI_EV_SHIFT_START] = s_on_shift_start,
    [SWI_EV_SHIFT_END] = s_on_shift_end,
    [SWI_EV_HOME] = s_on_home,
    [SWI_EV_SNAPSHOT] = s_on_snapshot,
    [SWI_EV_ARRIVE] = s_on_arrive,
    [SWI_EV_SAMPLE] = s_on_sample,
    [SWI_EV_CRUISE_END] = swi_on_cruise_end,
    [SWI_EV_CRUISE] = s_on_cruise,
    [SWI_EV_CHARGE_ARRIVE] = s_on_charge_arrive,
    [SWI_EV_CHARGE_END] = s_on_charge_end,
    [SWI_EV_CHARGE_CHECK] = s_on_charge_check,
    /* SWI_EV_TICK needs the link and SWI_EV_HOUR the progress callback: the run loop handles them */
};

/* ---- the world --------------------------------------------------------------------------------------------- */

sim_world_t *
sim_world_new (const sim_config_t *cfg, const map_net_t *net, const sim_world_opts_t *opts, char *err,
               size_t errlen)
{
    sim_world_t *self = calloc (1, sizeof *self);
    if (!self)
        goto nomem;
    self->cfg = cfg;
    const map_graph_t *g = map_net_graph (net);
    self->graph = g;
    self->opts = *opts;
    size_t n = map_graph_node_count (g);
    self->humans = (uint32_t) cfg->human.drivers;
    self->robotaxis = opts->baseline ? 0 : (uint32_t) cfg->robotaxi.fleet_size;
    self->vehicle_count = self->humans + self->robotaxis;
    self->router = map_ch_query_new (map_net_ch (net));
    /* a world that cannot start its routing thread routes every ride at need: slower, the same results */
    if (opts->route_thread)
        self->ahead = map_ch_ahead_new (map_net_ch (net), S_AHEAD_SLOTS, opts->on_leg != NULL);
    self->queue = sim_queue_new ();
    self->metrics = sim_metrics_new (SIM_DAY_MS);
    self->node_weight_cum = malloc (n * sizeof (double));
    self->area_weight_cum = malloc (n * sizeof (double));
    self->in_area = malloc (n);
    self->vehicles = calloc (self->vehicle_count ? self->vehicle_count : 1, sizeof (swi_vehicle_t));
    self->changed = malloc ((self->vehicle_count ? self->vehicle_count : 1) * sizeof (uint32_t));
    self->tick_vehicles = malloc ((self->vehicle_count ? self->vehicle_count : 1) * sizeof (disp_vehicle_t));
    self->driver_rows = calloc (self->humans ? self->humans : 1, sizeof (sim_driver_row_t));
    if (opts->on_leg &&
        !(self->tracks = calloc (self->vehicle_count ? self->vehicle_count : 1, sizeof (swi_track_t))))
        goto nomem;
    if (cfg->human.cruise_kmh > 0 && self->humans > 0 && !(self->walks = calloc (self->humans, sizeof (swi_walk_t))))
        goto nomem;
    if (!self->router || !self->queue || !self->metrics || !self->node_weight_cum || !self->area_weight_cum ||
        !self->in_area || !self->vehicles || !self->changed || !self->tick_vehicles || !self->driver_rows)
        goto nomem;

    sim_rng_seed_day (&self->rng_demand, cfg->scenario.seed, SIM_STREAM_DEMAND, opts->day);
    sim_rng_seed_day (&self->rng_human, cfg->scenario.seed, SIM_STREAM_HUMAN, opts->day);
    sim_rng_seed_day (&self->rng_robotaxi, cfg->scenario.seed, SIM_STREAM_ROBOTAXI, opts->day);
    sim_rng_seed_day (&self->rng_cruise, cfg->scenario.seed, SIM_STREAM_CRUISE, opts->day);
    for (uint32_t v = 0; v < self->humans; v++)
        self->humans_working += !opts->works || opts->works[v];
    for (int f = 0; f < DISP_FLEET_COUNT; f++)
        self->waits[f].expect_min = cfg->choice.wait_init_min;

    double acc = 0, area_acc = 0;
    for (uint32_t i = 0; i < n; i++) {
        const map_node_t *node = map_graph_node (g, i);
        double w = s_zone_weight (cfg, node);
        self->in_area[i] = (uint8_t) s_in_box (cfg->robotaxi.service_area, node);
        self->node_weight_cum[i] = (acc += w);
        self->area_weight_cum[i] = (area_acc += self->in_area[i] ? w : 0.0);
    }
    if (acc <= 0) {
        snprintf (err, errlen, "demand: every road node has weight 0 (demand.base_weight and zones)");
        goto fail;
    }
    if (self->robotaxis > 0 && area_acc <= 0) {
        snprintf (err, errlen, "robotaxi.service_area: %g,%g,%g,%g holds no road of the map", cfg->robotaxi.service_area[0],
                  cfg->robotaxi.service_area[1], cfg->robotaxi.service_area[2], cfg->robotaxi.service_area[3]);
        goto fail;
    }
    for (size_t i = 0; opts->trips && i < opts->trip_count; i++) {
        const sim_trip_t *t = &opts->trips[i];
        if (t->time_ms < 0 || t->time_ms >= SIM_DAY_MS || (i > 0 && t->time_ms < opts->trips[i - 1].time_ms) ||
            t->origin >= n || t->destination >= n || t->origin == t->destination || t->fleet < -1 ||
            t->fleet >= DISP_FLEET_COUNT || !(t->patience_min >= 0)) {
            snprintf (err, errlen, "demand: trip %zu (at %lld ms, node %u to %u) is not a request of this day and map",
                      i, (long long) t->time_ms, t->origin, t->destination);
            goto fail;
        }
    }
    for (uint32_t i = 0; opts->depots && i < self->robotaxis; i++)
        if (opts->depots[i] >= n) {
            snprintf (err, errlen, "robotaxi %u: depot node %u is not a node of this map", i, opts->depots[i]);
            goto fail;
        }
    for (size_t i = 0; opts->charge_sites && i < opts->charge_site_count; i++) {
        const sim_charger_site_t *c = &opts->charge_sites[i];
        if (c->node >= n || c->plugs < 1 || !(c->kw > 0) ||
            (c->access != SIM_CHARGER_DEPOT && c->access != SIM_CHARGER_PUBLIC)) {
            snprintf (err, errlen, "charging site %zu: node %u, %u plugs of %g kW is not a site of this map", i,
                      c->node, c->plugs, c->kw);
            goto fail;
        }
    }
    for (uint32_t v = 0; opts->shifts && v < self->humans; v++) {
        const sim_shift_t *s = &opts->shifts[v];
        if (s->home >= n || !(s->start_h >= 0 && s->start_h < 24) || !(s->length_h > 0 && s->length_h <= 24)) {
            snprintf (err, errlen, "driver %u: a shift from %g h for %g h from node %u is not one of this day and "
                      "map", v, s->start_h, s->length_h, s->home);
            goto fail;
        }
    }
    double wsum = 0;
    for (int h = 0; h < 24; h++)
        wsum += cfg->demand.hour_weight[h];
    for (int h = 0; h < 24; h++)
        self->hour_rate_per_ms[h] =
            cfg->demand.trips_per_day * cfg->demand.hour_weight[h] / wsum / (double) SWI_HOUR_MS;

    if (self->walks) {   /* what a cruising driver weighs at every crossing, looked up once */
        size_t edges = map_graph_edge_count (g);
        if (!(self->edge_weight = malloc ((edges ? edges : 1) * sizeof (double))))
            goto nomem;
        for (uint32_t e = 0; e < edges; e++)
            self->edge_weight[e] = s_node_weight (self, map_graph_edge (g, e)->to);
    }
    sim_metrics_set_vehicles (self->metrics, DISP_FLEET_HUMAN, self->humans_working);
    sim_metrics_set_vehicles (self->metrics, DISP_FLEET_ROBOTAXI, self->robotaxis);
    s_place_fleets (self);
    if (swi_charge_new (self, err, errlen) < 0)   /* the batteries of the vehicles just placed */
        goto fail;
    if (self->batteries)
        swi_schedule (self, SWI_CHARGE_CHECK_MS, SWI_EV_CHARGE_CHECK, 0);
    s_schedule_next_request (self, 0);
    swi_schedule (self, 0, SWI_EV_TICK, 0);
    swi_schedule (self, (int64_t) llround (cfg->metrics.interval_min * 60000.0), SWI_EV_SNAPSHOT, 0);
    for (int h = 1; h <= 24; h++)
        swi_schedule (self, h * SWI_HOUR_MS, SWI_EV_HOUR, (uint32_t) h);
    if (opts->on_sample && opts->sample_ms > 0)
        swi_schedule (self, 0, SWI_EV_SAMPLE, 0);
    if (self->failed) {
        snprintf (err, errlen, "%s", self->err);
        goto fail;
    }
    return self;
nomem:
    snprintf (err, errlen, "out of memory");
fail:
    sim_world_destroy (&self);
    return NULL;
}

void
sim_world_destroy (sim_world_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_world_t *self = *self_p;
    map_ch_ahead_destroy (&self->ahead);
    swi_charge_free (self);
    for (size_t i = 0; i < self->pickups_cap; i++)
        free (self->pickups[i].path);
    free (self->pickups);
    map_ch_query_destroy (&self->router);
    sim_queue_destroy (&self->queue);
    sim_metrics_destroy (&self->metrics);
    free (self->node_weight_cum);
    free (self->area_weight_cum);
    free (self->in_area);
    for (uint32_t v = 0; self->tracks && v < self->vehicle_count; v++)
        swi_path_free (&self->tracks[v].path);
    free (self->tracks);
    for (uint32_t v = 0; self->walks && v < self->humans; v++)
        swi_path_free (&self->walks[v].path);
    free (self->walks);
    free (self->edge_weight);
    free (self->vehicles);
    free (self->driver_rows);
    free (self->riders);
    free (self->new_riders);
    free (self->changed);
    free (self->cancelled);
    for (size_t i = 0; i < self->pub_count; i++)
        free (self->pubs[i].payload);
    free (self->pubs);
    free (self->tick_requests);
    free (self->tick_vehicles);
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        free (self->waits[f].t_ms);
        free (self->waits[f].wait_min);
    }
    free (self);
    *self_p = NULL;
}

int
sim_world_run (sim_world_t *self, disp_link_t *link, sim_progress_fn *progress, void *arg, char *err,
               size_t errlen)
{
    const int64_t step_ms = (int64_t) llround (self->cfg->dispatch.step_s * 1000.0);
    sim_queue_entry_t ev;
    while (!self->failed && sim_queue_pop (self->queue, &ev) == 0) {
        self->now_ms = ev.time_ms;
        if (ev.type == SWI_EV_TICK) {
            s_exchange (self, link);
            if (self->now_ms >= SIM_DAY_MS && self->active_riders == 0)
                break;
            /* after midnight, keep dispatching only while riders still wait or ride */
            if (self->now_ms + step_ms < SIM_DAY_MS || self->active_riders > 0)
                swi_schedule (self, self->now_ms + step_ms, SWI_EV_TICK, 0);
        } else if (ev.type == SWI_EV_HOUR) {
            if (progress)
                progress (self, (int) ev.subject, arg);
        } else {
            s_handlers[ev.type](self, ev.subject);
        }
    }
    for (uint32_t v = 0; self->tracks && !self->failed && v < self->vehicle_count; v++)
        swi_track_close (self, v);   /* the idle spells open at the end */
    if (!self->failed) {
        /* bring vehicle time up to the end, and send the final figures with one last tick */
        for (uint32_t v = 0; v < self->vehicle_count; v++)
            s_account (self, v);   /* up to the end, standing draws included */
        swi_charge_finish (self);   /* sessions still open booked as they stand: the final figures count them */
        sim_world_snapshot (self, SIM_SNAPSHOT_FINAL, &self->final);
        s_publish (self, &self->final);
        if (!self->failed)
            s_exchange (self, link);
    }
    if (self->failed) {
        snprintf (err, errlen, "%s", self->err);
        return -1;
    }
    return 0;
}

void
sim_world_set_baseline (sim_world_t *self, const sim_snapshot_t *baseline_final,
                        const sim_driver_row_t *baseline_rows)
{
    self->has_baseline = 1;
    self->baseline = *baseline_final;
    self->baseline_rows = baseline_rows;
}

void
sim_world_choice_curve (const sim_world_t *self, sim_choice_curve_t *out)
{
    double n = (double) self->choice.considered;
    for (int k = 0; k < SIM_CHOICE_FACTORS; k++) {
        out->price_factor[k] = 0.25 * (k + 1);
        for (int c = 0; c <= DISP_FLEET_COUNT; c++)
            out->share[k][c] = n > 0 ? self->curve[k][c] / n : 0.0;
    }
}

double
sim_world_driver_net (const sim_config_t *cfg, double revenue_yuan, double km, double energy_yuan, int worked)
{
    double energy = energy_yuan >= 0 ? energy_yuan : km * cfg->human.energy_yuan_per_km;
    double net = revenue_yuan * (1.0 - cfg->human.commission) - energy - km * cfg->human.maintenance_yuan_per_km;
    if (worked)
        net -= cfg->human.vehicle_rent_yuan_per_day +
               cfg->human.insurance_yuan_per_year / (cfg->human.workdays_per_month * 12.0);
    return net;
}

const sim_snapshot_t *
sim_world_final (const sim_world_t *self)
{
    return &self->final;
}

/* Trips and drivers' income that moved to robotaxis: the baseline day's minus this day's, never negative. */
static void
s_displacement (const sim_world_t *self, const sim_snapshot_t *now, sim_displacement_t *x)
{
    const sim_config_t *cfg = self->cfg;
    x->baseline_human_trips = self->baseline.fleets[DISP_FLEET_HUMAN].served;
    x->human_trips = now->fleets[DISP_FLEET_HUMAN].served;
    x->trips_moved = x->baseline_human_trips > x->human_trips ? x->baseline_human_trips - x->human_trips : 0;
    x->baseline_driver_income_yuan = self->baseline.drivers.net_income_yuan;
    x->driver_income_yuan = now->drivers.net_income_yuan;
    double moved = x->baseline_driver_income_yuan - x->driver_income_yuan;
    x->income_moved_yuan = moved > 0 ? moved : 0;
    double fulltime_daily = cfg->human.fulltime_monthly_net_yuan / cfg->human.workdays_per_month;
    x->fulltime_drivers_equivalent = x->income_moved_yuan / fulltime_daily;
    x->baseline_drivers = self->baseline.drivers.drivers;
    x->drivers = now->drivers.drivers;
    /* the drivers who worked the day without robotaxis and stayed home this one, and what they earned then */
    for (uint32_t v = 0; self->baseline_rows && v < self->humans; v++)
        if (self->baseline_rows[v].worked && !self->vehicles[v].worked) {
            x->displaced_drivers++;
            x->displaced_income_yuan += self->baseline_rows[v].net_yuan;
            x->displaced_trips += self->baseline_rows[v].trips;
        }
}

void
sim_world_cost_use (const sim_fleet_metrics_t *m, sim_cost_use_t *use)
{
    memset (use, 0, sizeof *use);
    use->vehicle_days = (double) m->vehicles;   /* robotaxis in the fleet; drivers who worked */
    use->hours_online = m->hours_online;
    use->hours_occupied = m->hours_occupied;
    use->km = m->km_driven;
    use->trips = (double) m->served;
    use->fares_yuan = m->revenue_yuan;
    use->battery = m->battery;
    use->energy_yuan = m->energy_yuan;
}

void
sim_world_snapshot (sim_world_t *self, sim_snapshot_kind_t kind, sim_snapshot_t *out)
{
    const sim_config_t *cfg = self->cfg;
    memset (out, 0, sizeof *out);
    out->kind = kind;
    out->sim_time_ms = self->now_ms;
    snprintf (out->scenario, sizeof out->scenario, "%s", cfg->scenario.name);
    out->seed = cfg->scenario.seed;
    uint32_t online[DISP_FLEET_COUNT] = {0};
    for (uint32_t v = 0; v < self->vehicle_count; v++) {
        s_account (self, v);
        if (self->vehicles[v].state != SWI_VEH_OFFLINE)
            online[self->vehicles[v].fleet]++;
    }
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        sim_metrics_fleet (self->metrics, (disp_fleet_t) f, &out->fleets[f]);
        out->fleets[f].online = online[f];
        out->fleets[f].battery = self->batteries != NULL;
    }
    for (uint32_t v = 0; self->batteries && v < self->vehicle_count; v++) {
        const swi_vehicle_t *veh = &self->vehicles[v];
        if (veh->fleet == DISP_FLEET_HUMAN && !veh->worked)
            continue;   /* a driver at home buys nothing */
        double kwh;
        out->fleets[veh->fleet].energy_yuan += swi_charge_energy_yuan (self, v, &kwh);
        out->fleets[veh->fleet].energy_kwh += kwh;
        out->fleets[veh->fleet].charge_plug_h += self->battery_rows[v].plug_h;
        out->fleets[veh->fleet].charge_wait_h += self->battery_rows[v].wait_h;
    }
    out->day = self->opts.day + 1;
    out->choice = self->choice;
    sim_driver_metrics_t *d = &out->drivers;
    double revenue = 0, hours = 0, net = 0;
    for (uint32_t v = 0; v < self->humans; v++) {
        const swi_vehicle_t *veh = &self->vehicles[v];
        if (!veh->worked || (veh->online_ms == 0 && veh->trips == 0))
            continue;   /* stays home, or a shift that has not started yet */
        d->drivers++;
        revenue += veh->revenue_yuan;
        net += sim_world_driver_net (cfg, veh->revenue_yuan, veh->km, swi_charge_energy_yuan (self, v, NULL), 1);
        hours += (double) veh->online_ms / SWI_HOUR_MS;
    }
    d->hours_online = hours;
    d->net_income_yuan = net;
    if (hours > 0) {
        d->gross_hourly_yuan = revenue / hours;
        d->net_hourly_yuan = d->net_income_yuan / hours;
    }
    if (d->drivers > 0)
        d->net_daily_yuan = d->net_income_yuan / d->drivers;
    if (kind == SIM_SNAPSHOT_FINAL)
        for (int f = 0; f < DISP_FLEET_COUNT; f++) {
            sim_cost_use_t use;
            sim_cost_t cost;
            sim_world_cost_use (&out->fleets[f], &use);
            sim_cost_fleet (cfg, (disp_fleet_t) f, &use, &cost);
            out->fleets[f].cost_per_km = cost.cost_per_km;
            out->fleets[f].cost_per_vehicle_day = cost.cost_per_vehicle_day;
            out->fleets[f].profit_per_vehicle_day = cost.profit_per_vehicle_day;
            out->fleets[f].break_even_rides_per_day = cost.break_even_rides_per_day;
        }
    if (kind == SIM_SNAPSHOT_FINAL && self->has_baseline) {
        out->has_displacement = 1;
        s_displacement (self, out, &out->displacement);
    }
}

const sim_metrics_t *
sim_world_metrics (const sim_world_t *self)
{
    return self->metrics;
}

size_t
sim_world_drivers (sim_world_t *self, const sim_driver_row_t **out)
{
    const sim_config_t *cfg = self->cfg;
    for (uint32_t v = 0; v < self->humans; v++) {
        const swi_vehicle_t *veh = &self->vehicles[v];
        sim_driver_row_t *row = &self->driver_rows[v];
        row->id = v;
        row->shift_start_h = veh->shift_start_h;
        row->shift_h = veh->shift_h;
        row->hours_online = (double) veh->online_ms / SWI_HOUR_MS;
        row->trips = veh->trips;
        row->revenue_yuan = veh->revenue_yuan;
        row->km = veh->km;
        row->worked = veh->worked;
        row->net_yuan =
            sim_world_driver_net (cfg, veh->revenue_yuan, veh->km, swi_charge_energy_yuan (self, v, NULL), veh->worked);
    }
    *out = self->driver_rows;
    return self->humans;
}

int64_t
sim_world_now (const sim_world_t *self)
{
    return self->now_ms;
}

uint32_t
sim_world_vehicle_count (const sim_world_t *self)
{
    return self->vehicle_count;
}

size_t
sim_world_batteries (sim_world_t *self, const sim_battery_row_t **out)
{
    *out = self->battery_rows;
    return self->battery_rows ? self->vehicle_count : 0;
}

size_t
sim_world_charge_sessions (const sim_world_t *self, const sim_charge_session_t **out)
{
    *out = self->sessions;
    return self->session_count;
}

size_t
sim_world_charge_sites (sim_world_t *self, const sim_charge_site_row_t **out)
{
    *out = self->site_rows;
    return self->chargers ? sim_chargers_count (self->chargers) : 0;
}

size_t
sim_world_active_riders (const sim_world_t *self)
{
    return self->active_riders;
}
