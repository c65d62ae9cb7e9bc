/* disp_rebalance: idle robotaxis follow expected demand.
 *
 * Zones are squares of params.rebalance_zone_m laid over the map's projected bounds. Each zone keeps an
 * exponentially decayed count of the requests that started in it (only those a robotaxi may serve: robotaxi requests
 * and any_fleet ones), with time constant tau = params.rebalance_horizon_ms, and the same decayed sums of their
 * origins' x and y. A steady rate of r requests per ms gives a decayed count of r x tau, so with tau equal to the
 * horizon the count itself is the expected number of requests over the next horizon: that is a zone's expected
 * demand d_z. Human drivers choose for themselves and are never moved.
 *
 * A run, at most every params.rebalance_interval_ms of session clock:
 *   1. Supply of a zone s_z = idle robotaxis in it + robotaxis this rebalancer sent there that have not arrived
 *      (their eta has not passed and they are not reported idle yet). S = the sum of s_z, D = the sum of d_z.
 *      With D < 1 (not one request expected over the horizon) nothing moves.
 *   2. Target t_z = d_z x min(1, S / D): the robotaxis spread in proportion to expected demand, but never more
 *      than one per expected request. When the robotaxis outnumber the requests expected, the rest stay where they
 *      are: a few requests seen at night would otherwise pull the whole fleet across the city (on the default day
 *      the uncapped rule drove four times the repositioning km, 3,820 against 942, for about the same waits).
 *   3. A zone gives floor(s_z - t_z) of its idle robotaxis when that is >= 1 (at most its idle ones), and needs
 *      floor(t_z - s_z) when that is >= 1. Whole vehicles only: a move takes a vehicle from a zone at least one above
 *      its target to one at least one below, so every move shrinks the total imbalance by 2 and no vehicle is sent
 *      back and forth between balanced zones; the moves of a run are at most the total need.
 *   4. A needy zone's destination is the road node nearest the centroid of its decayed demand.
 *   5. Every idle robotaxi of a giving zone is a candidate for every needy zone, timed at free flow by the
 *      contraction hierarchy; pairs are taken nearest first (free-flow time, then vehicle id, then zone index), while
 *      the vehicle is unused, its zone still gives and the destination zone still needs. A pair whose drive
 *      (traffic-adjusted) is longer than the horizon is never taken: the vehicle would come after the demand.
 *   6. Each move goes back to the engine with the traffic-adjusted eta, and the engine orders it
 *      (disp_engine_reposition); the vehicle counts as busy until its owner reports it again.
 * Everything runs in a fixed order (zones by index, vehicles by id), so the same ticks give the same orders.
 *
 * The engine and the rebalancer: the engine owns the rebalancer and calls it; the rebalancer reads only what the
 * engine hands it (disp_rebalance_fleet_t: the clock and the idle robotaxis) and answers with moves, so it needs no
 * engine service and the two never call each other in a circle.
 *
 * Recovery: the state after a run (disp_rebalance_state) goes out with that step's decisions; a restarted dispatcher
 * restores the one its client kept and observes the requests sent since, in order, and then runs exactly as the lost
 * one would have. */
#include "disp_rebalance.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "map_ch.h"
#include "map_error.h"
#include "map_mem.h"

/* Decay weights grow as exp((t - decay_ms) / tau) between rescalings; rescale long before they could overflow. */
#define S_RESCALE_TAUS 32.0

/* Slack on whole-vehicle counts, far below any real fraction of a vehicle. */
#define S_SLACK 1e-9

/* A move under way: the vehicle, the zone it was sent to, when it is expected there. The wire's own type, so the
 * state after a run hands out the orders as they are. */
typedef disp_rebalance_order_t s_order_t;

typedef struct {
    int64_t free_ms;
    uint32_t vehicle; /* id, for ties */
    uint32_t cand;    /* index into the candidates */
    uint32_t target;  /* index into the needy zones (ascending zone index) */
} s_pair_t;

struct disp_rebalance_t {
    const map_graph_t *graph;
    const map_traffic_t *traffic;
    map_ch_query_t *ch; /* travel-time tables; scratch reused */
    double min_x, min_y, zone_m;
    uint32_t cols, rows;
    size_t zone_count;
    int64_t interval_ms, horizon_ms;
    double tau_ms;

    /* decayed demand per zone, as of decay_ms */
    double *demand, *sum_x, *sum_y;
    int64_t decay_ms;

    int ran;
    int64_t last_run_ms;
    uint64_t runs;

    s_order_t *orders; /* moves under way */
    size_t order_count, order_cap;

    /* the state after the last run, for a resync (disp_rebalance_state) */
    disp_zone_demand_t *state_zones; /* [zone_count], made up front so handing out the state never fails */
    disp_rebalance_state_t state;

    /* scratch of a run */
    uint32_t *have;    /* [zone_count] supply, then what the zone gives */
    uint32_t *idle_in; /* [zone_count] idle robotaxis in the zone */
    uint32_t *need;    /* [zone_count] */
    size_t idle_cap;                     /* of cand, cand_node, used and moves */
    uint32_t *cand, *cand_node;          /* candidates: indices into the run's idle ids, and their nodes */
    uint32_t *target_zone, *target_node; /* needy zones and their destinations */
    size_t target_zone_cap, target_node_cap;
    uint8_t *used; /* [idle_cap] */
    int64_t *table;
    size_t table_cap;
    s_pair_t *pairs;
    size_t pair_cap;
    disp_rebalance_move_t *moves; /* [idle_cap]: the moves of the last run */
};

disp_rebalance_t *disp_rebalance_new (const map_net_t *net, const map_traffic_t *traffic, const disp_params_t *params)
{
    assert (net && traffic && params && params->rebalance_zone_m > 0 && params->rebalance_horizon_ms > 0);
    disp_rebalance_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->graph = map_net_graph (net);
    self->traffic = traffic;
    self->zone_m = params->rebalance_zone_m;
    self->interval_ms = params->rebalance_interval_ms;
    self->horizon_ms = params->rebalance_horizon_ms;
    self->tau_ms = (double)params->rebalance_horizon_ms;
    double max_x, max_y;
    map_graph_bounds (self->graph, &self->min_x, &self->min_y, &max_x, &max_y);
    self->cols = (uint32_t)floor ((max_x - self->min_x) / self->zone_m) + 1;
    self->rows = (uint32_t)floor ((max_y - self->min_y) / self->zone_m) + 1;
    self->zone_count = (size_t)self->cols * self->rows;
    self->ch = map_ch_query_new (map_net_ch (net));
    self->demand = calloc (self->zone_count, sizeof *self->demand);
    self->sum_x = calloc (self->zone_count, sizeof *self->sum_x);
    self->sum_y = calloc (self->zone_count, sizeof *self->sum_y);
    self->have = calloc (self->zone_count, sizeof *self->have);
    self->idle_in = calloc (self->zone_count, sizeof *self->idle_in);
    self->need = calloc (self->zone_count, sizeof *self->need);
    self->state_zones = malloc (self->zone_count * sizeof *self->state_zones);
    if (!self->ch || !self->demand || !self->sum_x || !self->sum_y || !self->have || !self->idle_in || !self->need ||
        !self->state_zones) {
        disp_rebalance_destroy (&self);
        return NULL;
    }
    return self;
}

void disp_rebalance_destroy (disp_rebalance_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_rebalance_t *self = *self_p;
    map_ch_query_destroy (&self->ch);
    free (self->demand);
    free (self->sum_x);
    free (self->sum_y);
    free (self->orders);
    free (self->have);
    free (self->idle_in);
    free (self->need);
    free (self->moves);
    free (self->cand);
    free (self->cand_node);
    free (self->target_zone);
    free (self->target_node);
    free (self->used);
    free (self->table);
    free (self->pairs);
    free (self->state_zones);
    free (self);
    *self_p = NULL;
}

/* The zone holding projected point (x, y); points on the far edges belong to the last row and column. */
static uint32_t s_zone_of (const disp_rebalance_t *self, double x, double y)
{
    double c = floor ((x - self->min_x) / self->zone_m), r = floor ((y - self->min_y) / self->zone_m);
    uint32_t col = c < 0 ? 0 : c >= self->cols ? self->cols - 1 : (uint32_t)c;
    uint32_t row = r < 0 ? 0 : r >= self->rows ? self->rows - 1 : (uint32_t)r;
    return row * self->cols + col;
}

static uint32_t s_zone_of_node (const disp_rebalance_t *self, uint32_t node)
{
    const map_node_t *n = map_graph_node (self->graph, node);
    return s_zone_of (self, n->x, n->y);
}

/* Brings the decayed sums forward to t_ms (> decay_ms). */
static void s_decay_to (disp_rebalance_t *self, int64_t t_ms)
{
    double f = exp (-(double)(t_ms - self->decay_ms) / self->tau_ms);
    for (size_t z = 0; z < self->zone_count; z++) {
        self->demand[z] *= f;
        self->sum_x[z] *= f;
        self->sum_y[z] *= f;
    }
    self->decay_ms = t_ms;
}

void disp_rebalance_observe (disp_rebalance_t *self, const disp_request_t *request)
{
    if (!disp_request_accepts (request, DISP_FLEET_ROBOTAXI)) return;
    assert (request->origin.node < map_graph_node_count (self->graph));
    /* Weights are kept relative to decay_ms: a request at t weighs exp((t - decay_ms) / tau) now, and all weights
     * shrink together when decay_ms moves on. */
    if ((double)(request->time_ms - self->decay_ms) > S_RESCALE_TAUS * self->tau_ms)
        s_decay_to (self, request->time_ms);
    double w = exp ((double)(request->time_ms - self->decay_ms) / self->tau_ms);
    const map_node_t *at = map_graph_node (self->graph, request->origin.node);
    uint32_t z = s_zone_of (self, at->x, at->y);
    self->demand[z] += w;
    self->sum_x[z] += w * at->x;
    self->sum_y[z] += w * at->y;
}

/* Scratch for n idle vehicles (candidates, their nodes, used flags, moves). 0 or -1. */
static int s_reserve_idle (disp_rebalance_t *self, size_t n)
{
    if (n <= self->idle_cap) return 0;
    size_t cap = self->idle_cap ? self->idle_cap : 64;
    while (cap < n)
        cap *= 2;
    disp_rebalance_move_t *m = realloc (self->moves, cap * sizeof *m);
    if (!m) return -1;
    self->moves = m;
    uint32_t *a = realloc (self->cand, cap * sizeof *a);
    if (!a) return -1;
    self->cand = a;
    if (!(a = realloc (self->cand_node, cap * sizeof *a))) return -1;
    self->cand_node = a;
    uint8_t *u = realloc (self->used, cap);
    if (!u) return -1;
    self->used = u;
    self->idle_cap = cap;
    return 0;
}

/* Whether vehicle v is among the n idle ids (ascending). */
static int s_is_idle (const uint32_t *ids, size_t n, uint32_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] == v) return 1;
        if (ids[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int s_pair_cmp (const void *a, const void *b)
{
    const s_pair_t *x = a, *y = b;
    if (x->free_ms != y->free_ms) return x->free_ms < y->free_ms ? -1 : 1;
    if (x->vehicle != y->vehicle) return x->vehicle < y->vehicle ? -1 : 1;
    return (x->target > y->target) - (x->target < y->target);
}

/* Keeps the orders still under way at now_ms: not yet due and not reported idle (among the idle_count ids,
 * ascending). Counts them into have[]. */
static void s_orders_prune (disp_rebalance_t *self, int64_t now_ms, const uint32_t *idle_id, size_t idle_count)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->order_count; i++) {
        const s_order_t *o = &self->orders[i];
        if (o->arrive_ms <= now_ms || s_is_idle (idle_id, idle_count, o->vehicle_id)) continue;
        self->have[o->zone]++;
        self->orders[kept++] = *o;
    }
    self->order_count = kept;
}

int disp_rebalance_due (const disp_rebalance_t *self, int64_t now_ms)
{
    return !self->ran || now_ms - self->last_run_ms >= self->interval_ms;
}

int disp_rebalance_run (disp_rebalance_t *self, const disp_rebalance_fleet_t *fleet,
                        const disp_rebalance_move_t **moves)
{
    int64_t now_ms = fleet->now_ms;
    *moves = self->moves;
    if (!disp_rebalance_due (self, now_ms)) return 0;
    self->ran = 1;
    self->runs++;
    self->last_run_ms = now_ms;
    if (now_ms > self->decay_ms) s_decay_to (self, now_ms);

    size_t idle = fleet->idle_count;
    if (s_reserve_idle (self, idle ? idle : 1)) return -1;
    *moves = self->moves;
    const uint32_t *idle_id = fleet->idle_ids, *idle_node = fleet->idle_nodes;
    memset (self->have, 0, self->zone_count * sizeof *self->have);
    memset (self->idle_in, 0, self->zone_count * sizeof *self->idle_in);
    s_orders_prune (self, now_ms, idle_id, idle);
    double total_demand = 0;
    for (size_t z = 0; z < self->zone_count; z++)
        total_demand += self->demand[z];
    if (idle == 0 || total_demand < 1.0) return 0;

    /* 1-3: supply, targets, what each zone gives (kept in have[]) and needs */
    for (size_t i = 0; i < idle; i++)
        self->idle_in[s_zone_of_node (self, idle_node[i])]++;
    size_t supply = idle + self->order_count, targets = 0;
    double share = fmin (1.0, (double)supply / total_demand);
    for (size_t z = 0; z < self->zone_count; z++) {
        double have = (double)(self->have[z] + self->idle_in[z]);
        double target = self->demand[z] * share;
        /* a hair of slack, so a target of exactly 4 computed as 3.999... still needs 4 */
        double give = floor (have - target + S_SLACK), need = floor (target - have + S_SLACK);
        self->have[z] = give >= 1 ? (give < self->idle_in[z] ? (uint32_t)give : self->idle_in[z]) : 0;
        self->need[z] = need >= 1 ? (uint32_t)need : 0;
        targets += self->need[z] > 0;
    }
    size_t cands = 0;
    for (size_t i = 0; i < idle; i++)
        if (self->have[s_zone_of_node (self, idle_node[i])] > 0) {
            self->cand[cands] = (uint32_t)i;
            self->cand_node[cands++] = idle_node[i];
        }
    if (cands == 0 || targets == 0) return 0;

    /* 4: destinations of the needy zones, in zone order */
    if (map_mem_reserve ((void **)&self->target_zone, &self->target_zone_cap, targets, sizeof *self->target_zone) ||
        map_mem_reserve ((void **)&self->target_node, &self->target_node_cap, targets, sizeof *self->target_node))
        return -1;
    size_t t = 0;
    for (size_t z = 0; z < self->zone_count; z++) {
        if (self->need[z] == 0) continue;
        self->target_zone[t] = (uint32_t)z;
        self->target_node[t++] =
            map_graph_nearest (self->graph, self->sum_x[z] / self->demand[z], self->sum_y[z] / self->demand[z]);
    }

    /* 5: every candidate timed to every destination, nearest pairs first */
    if (map_mem_reserve ((void **)&self->table, &self->table_cap, cands * targets, sizeof *self->table) ||
        map_mem_reserve ((void **)&self->pairs, &self->pair_cap, cands * targets, sizeof *self->pairs))
        return -1;
    if (map_ch_table (self->ch, self->cand_node, cands, self->target_node, targets, self->table)) return -1;
    size_t npairs = 0;
    for (size_t c = 0; c < cands; c++)
        for (size_t j = 0; j < targets; j++) {
            int64_t free_ms = self->table[c * targets + j];
            if (free_ms == MAP_CH_UNREACHABLE || self->cand_node[c] == self->target_node[j]) continue;
            if (map_traffic_time (self->traffic, now_ms, free_ms) > self->horizon_ms) continue;
            self->pairs[npairs++] = (s_pair_t){.free_ms = free_ms,
                                               .vehicle = idle_id[self->cand[c]],
                                               .cand = (uint32_t)c,
                                               .target = (uint32_t)j};
        }
    qsort (self->pairs, npairs, sizeof *self->pairs, s_pair_cmp);

    /* 6: the moves (at most one per candidate, so moves[] holds them; the orders under way grow by as many) */
    if (map_mem_reserve ((void **)&self->orders, &self->order_cap, self->order_count + cands, sizeof *self->orders)) return -1;
    memset (self->used, 0, cands);
    int moved = 0;
    for (size_t p = 0; p < npairs; p++) {
        const s_pair_t *pair = &self->pairs[p];
        uint32_t from = s_zone_of_node (self, self->cand_node[pair->cand]), to = self->target_zone[pair->target];
        if (self->used[pair->cand] || self->have[from] == 0 || self->need[to] == 0) continue;
        int64_t eta_ms = map_traffic_time (self->traffic, now_ms, pair->free_ms);
        self->moves[moved] = (disp_rebalance_move_t){
            .vehicle_id = pair->vehicle, .node = self->target_node[pair->target], .eta_ms = eta_ms};
        self->orders[self->order_count++] =
            (s_order_t){.vehicle_id = pair->vehicle, .zone = to, .arrive_ms = now_ms + eta_ms};
        self->used[pair->cand] = 1;
        self->have[from]--;
        self->need[to]--;
        moved++;
    }
    return moved;
}

/* ---- recovery ---------------------------------------------------------------------------------------------- */

uint64_t disp_rebalance_runs (const disp_rebalance_t *self)
{
    return self->runs;
}

const disp_rebalance_state_t *disp_rebalance_state (disp_rebalance_t *self)
{
    if (!self->ran) return NULL;
    size_t n = 0;
    for (size_t z = 0; z < self->zone_count; z++)
        /* A zone left out is restored as zeros. Only the sign of a zero could differ (and the wire drops it
         * anyway); figures are only scaled, added to and, for a zone with demand, divided, so no decision can. */
        if (self->demand[z] != 0 || self->sum_x[z] != 0 || self->sum_y[z] != 0)
            self->state_zones[n++] = (disp_zone_demand_t){
                .zone = (uint32_t)z, .demand = self->demand[z], .sum_x = self->sum_x[z], .sum_y = self->sum_y[z]};
    self->state = (disp_rebalance_state_t){.run_ms = self->last_run_ms,
                                           .decay_ms = self->decay_ms,
                                           .zones = self->state_zones,
                                           .zone_count = n,
                                           .orders = self->orders,
                                           .order_count = self->order_count};
    return &self->state;
}

int disp_rebalance_check_state (const disp_rebalance_t *self, const disp_rebalance_state_t *state, int64_t now_ms,
                                uint32_t vehicle_capacity, const char *field, char *err, size_t errlen)
{
    if (state->run_ms > now_ms)
        return map_error (err, errlen, "%s.run_ms: %lld is after the step's now_ms %lld", field,
                          (long long)state->run_ms, (long long)now_ms);
    if (state->zone_count > self->zone_count)
        return map_error (err, errlen, "%s.zones: %zu entries, more than the %zu zones of the map", field,
                          state->zone_count, self->zone_count);
    if (disp_resync_state_check (state, self->zone_count, field, err, errlen) != 0) return -1;
    if (state->order_count > vehicle_capacity)
        return map_error (err, errlen, "%s.orders: %zu entries, more than the session's %u vehicles", field,
                          state->order_count, vehicle_capacity);
    for (size_t i = 0; i < state->order_count; i++) {
        const disp_rebalance_order_t *o = &state->orders[i];
        if (o->vehicle_id >= vehicle_capacity)
            return map_error (err, errlen, "%s.orders[%zu].vehicle_id: %u is past the session's vehicle capacity %u",
                              field, i, o->vehicle_id, vehicle_capacity);
        if (o->zone >= self->zone_count)
            return map_error (err, errlen, "%s.orders[%zu].zone: %u is not a zone (the map has %zu)", field, i,
                              o->zone, self->zone_count);
    }
    return 0;
}

int disp_rebalance_restore (disp_rebalance_t *self, const disp_rebalance_state_t *state)
{
    size_t orders = state ? state->order_count : 0;
    if (map_mem_reserve ((void **)&self->orders, &self->order_cap, orders, sizeof *self->orders)) return -1;
    memset (self->demand, 0, self->zone_count * sizeof *self->demand);
    memset (self->sum_x, 0, self->zone_count * sizeof *self->sum_x);
    memset (self->sum_y, 0, self->zone_count * sizeof *self->sum_y);
    self->ran = state != NULL;
    self->last_run_ms = state ? state->run_ms : 0;
    self->decay_ms = state ? state->decay_ms : 0;
    self->order_count = orders;
    if (!state) return 0;
    for (size_t i = 0; i < state->zone_count; i++) {
        const disp_zone_demand_t *z = &state->zones[i];
        assert (z->zone < self->zone_count);
        self->demand[z->zone] = z->demand;
        self->sum_x[z->zone] = z->sum_x;
        self->sum_y[z->zone] = z->sum_y;
    }
    if (orders > 0) memcpy (self->orders, state->orders, orders * sizeof *self->orders);
    return 0;
}
