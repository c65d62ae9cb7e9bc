/* disp_engine: one dispatch session. Keeps a mirror of the vehicles (fleet, status, node), the idle vehicles in a
 * list per node, in a spatial index per fleet and as standing sources of the contraction hierarchy per fleet
 * (map_ch_sources: buckets filled by one upward search as a vehicle becomes idle), and the riders still waiting.
 * The nearest idle vehicle is found exactly: by default one backward upward search from the rider reads the buckets
 * in time order and stops once nothing later can win, so its cost follows the vehicles near the rider, not the
 * fleet. Two older exact ways remain: a Dijkstra search outward from the rider given a budget of settled nodes (off
 * by default), and, for a fleet without buckets, a walk of the fleet's index outward from the rider, timing
 * candidates with the hierarchy until straight distance alone proves nobody farther can be sooner. A step validates
 * the whole tick before touching anything, so a bad tick is refused without side effects. */
#include "disp_engine.h"
#include "map_error.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_policy.h"
#include "disp_index.h"
#include "disp_rebalance.h"
#include "map_ch.h"
#include "map_ch_sources.h"
#include "map_route.h"

/* No vehicle, and the end of an idle list. Vehicle ids are < capacity <= S_MAX_VEHICLES, so UINT32_MAX is never a
 * vehicle. */
#define S_NIL UINT32_MAX

/* Nodes the local search may settle before the buckets (or the index walk) take over. With buckets none is best:
 * the whole Wuhan market's day took 10.8 s at 0, 16.3 s at 64 and 16.9 s at 512 on the 2,946-node map, and the
 * local search was 62% of the day at 110k nodes with 512. (Before the buckets, 512 was best for the index walk.) */
#define S_LOCAL_BUDGET 0

/* Bucket entries each fleet's vehicles, and each fleet's watched places, may hold by default: 1 GiB each. */
#define S_NEAR_ENTRY_BYTES ((size_t)1 << 30)

/* A Hello could ask for billions of vehicles; the mirror is allocated up front, so cap it. */
#define S_MAX_VEHICLES (1u << 22)

/* A vehicle told to a watched place: it reaches the place in ms, as long as it is idle in the same spell (epoch). */
typedef struct {
    int64_t ms;
    uint32_t vehicle, epoch;
} s_told_t;

/* A watched place: nobody was within limit_ms when it was last searched; told lists every vehicle that became idle
 * since and reaches it within limit_ms (some of them busy again by now). */
typedef struct {
    int64_t limit_ms;
    s_told_t *told;
    uint32_t count, cap;
} s_watched_t;

/* A watched place told of more vehicles than this is no longer watched: its next search is a full one. */
#define S_WATCH_TOLD_MAX 64

typedef struct {
    uint32_t node;       /* last known node, MAP_NODE_NONE before the first update */
    uint32_t prev, next; /* neighbours in the idle list of `node`; S_NIL at the ends or when not idle */
    uint8_t fleet;       /* disp_fleet_t */
    uint8_t status;      /* disp_vehicle_status_t; only DISP_VEH_IDLE vehicles are in a list and an index */
} s_vehicle_t;

struct disp_engine_t {
    const map_graph_t *graph;
    size_t node_count;
    map_traffic_t traffic;
    disp_config_t config;
    const disp_policy_t *policy;
    void *policy_state;    /* the policy's per-session state, or NULL */
    /* Mixed fleets, cost and rebalancing (section "services for cost and rebalancing"). */
    const map_ch_t *hierarchy;     /* the network's, for route_ch */
    map_ch_query_t *route_ch;      /* route lengths for policies; made on first use, scratch reused */
    disp_rebalance_t *rebalance;   /* NULL unless params.rebalance */
    uint32_t *rebalance_ids, *rebalance_nodes; /* the idle robotaxis handed to a run (disp_rebalance_fleet_t) */
    size_t rebalance_cap;
    map_router_t *router;  /* the local search; scratch reused */
    size_t local_budget;   /* nodes it may settle */
    map_ch_query_t *ch;    /* exact travel times for the index walk; scratch reused */
    /* The idle vehicles of each fleet as standing sources of the hierarchy (map_ch_sources): the search used past
     * the local one. Made by the fleet's first search (s_buckets_reach) while buckets_on; a put that runs out of
     * memory or entries turns buckets_on off, and the index walk, just as exact, serves that fleet from then on. */
    int buckets_on[DISP_FLEET_COUNT];
    map_ch_sources_t *near[DISP_FLEET_COUNT];
    size_t near_entry_limit; /* bucket entries each fleet's set may hold */
    size_t near_entry_budget; /* entries both fleets' sets may hold together (0: no such cap); a fleet's put that
                               * passes it leaves the buckets, as one that passes near_entry_limit does */
    size_t watch_entry_limit; /* entries each fleet's watch may hold */
    int64_t asked_ms_max;    /* the longest pickup time (in traffic) a search has asked for */
    /* Places where the buckets found nobody of the fleet within some time (map_ch_watch, ids = nodes): a rider left
     * waiting is asked for again every step, and the answer can only change through a vehicle becoming idle within
     * that time of the place. Each such vehicle is told to the place as it is put in the buckets (watched[].told),
     * so the next search there reads that short list instead of searching. NULL with near[fleet]. */
    map_ch_watch_t *watch[DISP_FLEET_COUNT];
    s_watched_t *watched[DISP_FLEET_COUNT]; /* [node_count] */
    uint32_t *idle_epoch;                   /* [capacity]: bumped each time the vehicle becomes idle */
    uint32_t *unwatch;                      /* places whose list overflowed during a put, to stop watching */
    size_t unwatch_count, unwatch_cap;
    int told_fleet;                         /* the fleet of the put under way (s_on_told) */
    /* A lower bound on free-flow time per metre of straight distance: min over edges of time / straight length.
     * Any path from a to b takes at least |ab| x this, whatever its shape. */
    double lb_ms_per_m;

    s_vehicle_t *vehicles;                  /* [config.vehicle_capacity] */
    double *range_m;                        /* [capacity]: an idle vehicle's reach on a ride; INFINITY: unlimited */
    size_t limited_idle[DISP_FLEET_COUNT];  /* idle vehicles of each fleet with a finite reach */
    uint32_t *reach_ids;                    /* scratch of disp_engine_idle_for_k */
    int64_t *reach_etas;
    size_t reach_cap;
    double max_m_per_ms;                    /* the fastest road's metres per free-flow ms: a drive's length bound */
    uint64_t *reach_ok_id;                  /* [capacity]: the rider a search this step found the vehicle fit for */
    uint64_t *reach_ok_step;                /* [capacity]: that step (reach_step), 0: none */
    uint64_t reach_step;                    /* numbers the steps, from 1 */
    int64_t *hub_to, *hub_from;             /* [node_count], made on first need: free-flow ms to and from the hub */
    uint32_t *idle_head;                    /* [node_count]: first idle vehicle at each node, or S_NIL */
    disp_index_t *idle[DISP_FLEET_COUNT];   /* idle vehicles of each fleet by position */

    disp_request_t *pending; /* waiting riders in arrival order */
    double *pending_trip_m;  /* [pending_cap]: each one's ride length once a reach check needed it, else -1 */
    uint8_t *assigned;       /* parallel to pending: set by disp_engine_assign during the policy call */
    size_t pending_count, pending_cap;

    disp_assignment_t *assignments; /* this step's decisions */
    size_t assignment_count, assignment_cap;
    uint32_t *charges;               /* this step's vehicles sent to charge; room for every vehicle */
    size_t charge_count;
    disp_reposition_t *repositions;  /* this step's rebalancing orders */
    size_t reposition_count, reposition_cap;

    int64_t now_ms;
    int stepped; /* a step has been applied, so now_ms is meaningful */
    int64_t previous_ms; /* the step before the current one, when has_previous (disp_engine_previous_step) */
    int has_previous;

    /* State of the local search in progress (s_visit). */
    struct {
        uint8_t fleet;
        uint32_t vehicle; /* best so far, or S_NIL */
        int64_t free_ms;  /* free-flow time of the best so far */
        size_t settled;   /* nodes settled so far */
        int over_budget;  /* stopped by the budget before the answer was certain */
    } search;

    /* State of a search for the k nearest (s_visit_k, s_walk_index_k). */
    struct {
        uint8_t fleet;
        size_t k, count;
        uint32_t *ids; /* the caller's arrays: the best so far, by (free-flow time, id) */
        int64_t *free_ms;
        size_t settled;
        int over_budget;
    } knn;
};

static void s_buckets_off (disp_engine_t *self, int fleet);

/* In one pass over the edges: the lower bound on time per metre of straight distance (see lb_ms_per_m; edges whose
 * end points coincide constrain nothing, and a little is taken off so rounding can never make the bound exceed a
 * real time) and the most road metres any edge covers in a free-flow ms (max_m_per_ms). */
static void s_edge_bounds (const map_graph_t *g, double *lb_ms_per_m, double *max_m_per_ms)
{
    double best = INFINITY, fastest = 0;
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        const map_node_t *a = map_graph_node (g, edge->from), *b = map_graph_node (g, edge->to);
        double straight_m = hypot (b->x - a->x, b->y - a->y);
        if (straight_m > 0) best = fmin (best, (double)edge->time_ms / straight_m);
        fastest = fmax (fastest, edge->length_m / (double)(edge->time_ms > 0 ? edge->time_ms : 1));
    }
    *lb_ms_per_m = isfinite (best) ? best * (1 - 1e-9) : 0;
    *max_m_per_ms = fastest;
}

disp_engine_t *disp_engine_new (const map_net_t *net, const map_traffic_t *traffic, const disp_config_t *cfg,
                                char *err, size_t errlen)
{
    assert (net && traffic && cfg);
    const map_graph_t *g = map_net_graph (net);
    const disp_policy_t *policy = disp_policy_lookup (cfg->own_policies, cfg->own_policy_count, cfg->policy);
    if (!policy) {
        char names[128];
        map_error (err, errlen, "dispatch.policy: '%s' is not a policy (%s)", cfg->policy,
                   disp_policy_names (names, sizeof names));
        return NULL;
    }
    if (cfg->vehicle_capacity == 0 || cfg->vehicle_capacity > S_MAX_VEHICLES) {
        map_error (err, errlen, "dispatch.vehicle_capacity: %u is not in [1, %u]", cfg->vehicle_capacity,
                S_MAX_VEHICLES);
        return NULL;
    }
    for (int hour = 0; hour < 24; hour++) {
        double f = traffic->hour_factor[hour];
        if (!(f >= 1.0 && isfinite (f))) {
            map_error (err, errlen, "traffic.hour_factor[%d]: %g is not a factor >= 1", hour, f);
            return NULL;
        }
    }
    size_t node_count = map_graph_node_count (g);
    if (node_count == 0) {
        map_error (err, errlen, "map: the graph has no node");
        return NULL;
    }

    disp_engine_t *self = calloc (1, sizeof *self);
    if (!self) goto oom;
    self->graph = g;
    self->node_count = node_count;
    self->traffic = *traffic;
    self->config = *cfg;
    self->policy = policy;
    disp_params_fill (&self->config.params);
    char why[200];
    if (disp_params_check (&self->config.params, why, sizeof why)) {
        map_error (err, errlen, "dispatch.%s", why);
        free (self);
        return NULL;
    }
    if (policy->state_new) {
        self->policy_state = policy->state_new (&self->config);
        if (!self->policy_state) goto oom;
    }
    self->router = map_router_new (g);
    self->local_budget = S_LOCAL_BUDGET;
    self->hierarchy = map_net_ch (net);
    if (self->config.params.rebalance) {
        self->rebalance = disp_rebalance_new (net, &self->traffic, &self->config.params);
        if (!self->rebalance) goto oom;
    }
    self->ch = map_ch_query_new (map_net_ch (net));
    s_edge_bounds (g, &self->lb_ms_per_m, &self->max_m_per_ms);
    self->vehicles = malloc (cfg->vehicle_capacity * sizeof *self->vehicles);
    self->idle_epoch = calloc (cfg->vehicle_capacity, sizeof *self->idle_epoch);
    self->range_m = malloc (cfg->vehicle_capacity * sizeof *self->range_m);
    self->reach_ok_id = calloc (cfg->vehicle_capacity, sizeof *self->reach_ok_id);
    self->charges = malloc (cfg->vehicle_capacity * sizeof *self->charges);
    self->reach_ok_step = calloc (cfg->vehicle_capacity, sizeof *self->reach_ok_step);
    self->idle_head = malloc (node_count * sizeof *self->idle_head);
    if (!self->router || !self->ch || !self->vehicles || !self->idle_epoch || !self->range_m || !self->reach_ok_id ||
        !self->reach_ok_step || !self->charges || !self->idle_head)
        goto oom;
    for (uint32_t v = 0; v < cfg->vehicle_capacity; v++)
        self->range_m[v] = INFINITY;
    for (size_t n = 0; n < node_count; n++)
        self->idle_head[n] = S_NIL;
    /* Cells about as wide as the spacing of the whole fleet spread over the map keep walks short. */
    double min_x, min_y, max_x, max_y;
    map_graph_bounds (g, &min_x, &min_y, &max_x, &max_y);
    double area_m2 = fmax (max_x - min_x, 1.0) * fmax (max_y - min_y, 1.0);
    double cell_m = fmax (50.0, sqrt (area_m2 / cfg->vehicle_capacity));
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        self->idle[f] = disp_index_new (min_x, min_y, max_x, max_y, cell_m, cfg->vehicle_capacity - 1);
        if (!self->idle[f]) goto oom;
    }
    for (uint32_t v = 0; v < cfg->vehicle_capacity; v++)
        self->vehicles[v] = (s_vehicle_t){
            .node = MAP_NODE_NONE, .prev = S_NIL, .next = S_NIL, .fleet = 0, .status = DISP_VEH_OFFLINE};
    self->near_entry_limit = self->watch_entry_limit = S_NEAR_ENTRY_BYTES / map_ch_sources_entry_bytes ();
    for (int f = 0; f < DISP_FLEET_COUNT; f++) /* made by each fleet's first search */
        self->buckets_on[f] = cfg->max_pickup_ms >= 0;
    return self;
oom:
    map_error (err, errlen, "dispatch: out of memory");
    disp_engine_destroy (&self);
    return NULL;
}

void disp_engine_destroy (disp_engine_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_engine_t *self = *self_p;
    if (self->policy_state && self->policy->state_free) self->policy->state_free (self->policy_state);
    map_router_destroy (&self->router);
    map_ch_query_destroy (&self->ch);
    map_ch_query_destroy (&self->route_ch);
    disp_rebalance_destroy (&self->rebalance);
    free (self->rebalance_ids);
    free (self->rebalance_nodes);
    free (self->idle_head);
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        disp_index_destroy (&self->idle[f]);
        s_buckets_off (self, f);
    }
    free (self->idle_epoch);
    free (self->range_m);
    free (self->reach_ok_id);
    free (self->charges);
    free (self->hub_to);
    free (self->hub_from);
    free (self->reach_ok_step);
    free (self->pending_trip_m);
    free (self->reach_ids);
    free (self->reach_etas);
    free (self->unwatch);
    free (self->vehicles);
    free (self->pending);
    free (self->assigned);
    free (self->assignments);
    free (self->repositions);
    free (self);
    *self_p = NULL;
}

/* ---- buckets and watched places ---------------------------------------------------------------------------- */

/* Stops watching every place of the fleet. */
static void s_watch_off (disp_engine_t *self, int fleet)
{
    map_ch_watch_destroy (&self->watch[fleet]);
    if (self->watched[fleet]) {
        for (size_t n = 0; n < self->node_count; n++)
            free (self->watched[fleet][n].told);
        free (self->watched[fleet]);
        self->watched[fleet] = NULL;
    }
}

/* Starts the fleet's watch afresh (empty). 0 or -1 when out of memory (then there is none). */
static int s_watch_on (disp_engine_t *self, int fleet)
{
    s_watch_off (self, fleet);
    self->watch[fleet] = map_ch_watch_new (self->hierarchy, (uint32_t)self->node_count, self->config.max_pickup_ms,
                                           self->watch_entry_limit);
    self->watched[fleet] = calloc (self->node_count, sizeof *self->watched[fleet]);
    if (self->watch[fleet] && self->watched[fleet]) return 0;
    s_watch_off (self, fleet);
    return -1;
}

/* Drops the fleet's buckets and watch (a later search may make them again while buckets_on). */
static void s_buckets_off (disp_engine_t *self, int fleet)
{
    map_ch_sources_destroy (&self->near[fleet]);
    s_watch_off (self, fleet);
}

/* Out of memory or entries: the fleet finds vehicles with the index walk from now on. */
static void s_buckets_fail (disp_engine_t *self, int fleet)
{
    s_buckets_off (self, fleet);
    self->buckets_on[fleet] = 0;
}

/* Notes a place whose told list is full, to stop watching after the put. Out of memory it stays watched with a full
 * list, which s_watched_answer never reads: its searches are full ones. */
static void s_unwatch_later (disp_engine_t *self, uint32_t node)
{
    if (self->unwatch_count == self->unwatch_cap) {
        size_t cap = self->unwatch_cap ? 2 * self->unwatch_cap : 64;
        uint32_t *u = realloc (self->unwatch, cap * sizeof *u);
        if (!u) return;
        self->unwatch = u;
        self->unwatch_cap = cap;
    }
    self->unwatch[self->unwatch_count++] = node;
}

/* map_ch_watch_fn: vehicle `source`, just idle, reaches watched place `node` in ms. */
static void s_on_told (uint32_t node, uint32_t source, int64_t ms, void *arg)
{
    disp_engine_t *self = arg;
    s_watched_t *w = &self->watched[self->told_fleet][node];
    if (w->count == S_WATCH_TOLD_MAX) return; /* already noted for unwatching (or kept full: see s_unwatch_later) */
    if (w->count == w->cap) {
        uint32_t cap = w->cap ? 2 * w->cap : 8;
        s_told_t *t = realloc (w->told, cap * sizeof *t);
        if (!t) {
            w->count = S_WATCH_TOLD_MAX; /* a full list is never read */
            s_unwatch_later (self, node);
            return;
        }
        w->told = t;
        w->cap = cap;
    }
    w->told[w->count++] = (s_told_t){.ms = ms, .vehicle = source, .epoch = self->idle_epoch[source]};
    if (w->count == S_WATCH_TOLD_MAX) s_unwatch_later (self, node);
}

/* Stops watching the places whose lists a put just filled. */
static void s_unwatch_noted (disp_engine_t *self, int f)
{
    for (size_t i = 0; i < self->unwatch_count; i++) {
        uint32_t node = self->unwatch[i];
        map_ch_watch_remove (self->watch[f], node);
        self->watched[f][node].count = 0;
    }
}

/* Puts idle vehicle v in its fleet's buckets, telling the watched places it reaches in time. */
static void s_buckets_put (disp_engine_t *self, uint32_t v)
{
    const s_vehicle_t *veh = &self->vehicles[v];
    int f = veh->fleet;
    self->told_fleet = f;
    self->unwatch_count = 0;
    if (map_ch_sources_put_watched (self->near[f], v, veh->node, self->watch[f], s_on_told, self) != 0) {
        s_buckets_fail (self, f);
        return;
    }
    if (self->near_entry_budget) {
        size_t both = 0;
        for (int g = 0; g < DISP_FLEET_COUNT; g++)
            both += self->near[g] ? map_ch_sources_entries (self->near[g]) : 0;
        if (both > self->near_entry_budget) {
            s_buckets_fail (self, f);
            return;
        }
    }
    s_unwatch_noted (self, f);
}

/* The k soonest idle vehicles of the fleet within free_limit_ms of a watched node, from its told list: 1 with
 * *found set, or 0 when node is not watched for that much time (or its list is full) and a search must answer. */
static int s_watched_answer (disp_engine_t *self, int fleet, uint32_t node, int64_t free_limit_ms, size_t k,
                             uint32_t *ids, int64_t *ms, size_t *found)
{
    if (!self->watch[fleet] || !map_ch_watch_contains (self->watch[fleet], node)) return 0;
    s_watched_t *w = &self->watched[fleet][node];
    if (w->limit_ms < free_limit_ms || w->count == S_WATCH_TOLD_MAX) return 0;
    uint32_t to = 0;
    size_t count = 0;
    for (uint32_t i = 0; i < w->count; i++) {
        s_told_t t = w->told[i];
        const s_vehicle_t *veh = &self->vehicles[t.vehicle];
        if (veh->status != DISP_VEH_IDLE || veh->fleet != fleet || self->idle_epoch[t.vehicle] != t.epoch) continue;
        w->told[to++] = t; /* still idle since it was told: keep */
        /* best k by (time, id); one vehicle may be told more than once, the least time counts */
        if (t.ms <= free_limit_ms) map_ch_best_offer (ids, ms, k, &count, t.vehicle, t.ms);
    }
    w->count = to;
    *found = count;
    return 1;
}

/* A search of the fleet's buckets at node found nobody within free_limit_ms: watch the place from now on. */
static void s_watch_place (disp_engine_t *self, int fleet, uint32_t node, int64_t free_limit_ms)
{
    if (!self->watch[fleet]) return;
    if (map_ch_watch_put (self->watch[fleet], node, node, free_limit_ms) != 0) {
        /* Out of entries: start the watch afresh (a place not watched is searched, so nothing is lost). */
        if (s_watch_on (self, fleet) != 0) return;
        if (map_ch_watch_put (self->watch[fleet], node, node, free_limit_ms) != 0) return;
    }
    s_watched_t *w = &self->watched[fleet][node];
    w->limit_ms = free_limit_ms;
    w->count = 0;
}

/* The k soonest idle vehicles of the fleet within free_limit_ms of node, by the buckets (or a watched place's list).
 * Precondition: near[fleet] and free_limit_ms <= its horizon. */
static size_t s_buckets_nearest (disp_engine_t *self, int fleet, uint32_t node, int64_t free_limit_ms, size_t k,
                                 uint32_t *ids, int64_t *ms)
{
    size_t found;
    if (s_watched_answer (self, fleet, node, free_limit_ms, k, ids, ms, &found)) return found;
    found = map_ch_sources_nearest (self->near[fleet], node, free_limit_ms, k, ids, ms);
    if (found == 0) s_watch_place (self, fleet, node, free_limit_ms);
    return found;
}

/* (Re)makes the fleet's buckets with the given horizon and puts its idle vehicles in them. 0, or -1 when out of
 * memory (then the fleet has none, and buckets_on is off). */
static int s_buckets_make (disp_engine_t *self, int fleet, int64_t horizon_ms)
{
    s_buckets_off (self, fleet);
    self->near[fleet] =
        map_ch_sources_new (self->hierarchy, self->config.vehicle_capacity, horizon_ms, self->near_entry_limit);
    if (!self->near[fleet] || s_watch_on (self, fleet) != 0) {
        s_buckets_fail (self, fleet);
        return -1;
    }
    for (uint32_t v = 0; v < self->config.vehicle_capacity && self->near[fleet]; v++) {
        const s_vehicle_t *veh = &self->vehicles[v];
        if (veh->status == DISP_VEH_IDLE && veh->fleet == fleet) s_buckets_put (self, v);
    }
    return self->near[fleet] ? 0 : -1;
}

/* Rounds a time up to whole minutes, at most the session's pickup limit. */
static int64_t s_horizon_minutes (const disp_engine_t *self, int64_t ms)
{
    int64_t horizon_ms = (ms + 59999) / 60000 * 60000;
    return horizon_ms < self->config.max_pickup_ms ? horizon_ms : self->config.max_pickup_ms;
}

/* 1 when the fleet's buckets can answer a search within free_limit_ms (limit_ms in traffic, factor the time's traffic
 * factor). A bucket search is exact only within the horizon its vehicles were put with, and a put costs more the
 * farther it looks (about as the square of the time), so the horizon follows what is asked: riders' patience
 * (10 min by default), not the session's pickup limit, bounds it, and at rush hour a free-flow search goes less far
 * for the same patience. For later puts the horizon drops to the longest time asked so far, in the free-flow
 * minutes of the present hour (vehicles put farther stay valid: lowering costs nothing); a search past it grows it,
 * in whole minutes, which puts the fleet's idle vehicles again (a few times a day). The first search makes them. */
static int s_buckets_reach (disp_engine_t *self, int fleet, int64_t free_limit_ms, int64_t limit_ms, double factor)
{
    if (!self->buckets_on[fleet] || free_limit_ms > self->config.max_pickup_ms) return 0;
    if (limit_ms > self->asked_ms_max) self->asked_ms_max = limit_ms;
    map_ch_sources_t *near = self->near[fleet];
    if (near) {
        int64_t wanted_ms = s_horizon_minutes (self, (int64_t)floor ((double)self->asked_ms_max / factor));
        if (wanted_ms < map_ch_sources_horizon (near)) map_ch_sources_lower_horizon (near, wanted_ms);
        if (free_limit_ms <= map_ch_sources_horizon (near)) return 1;
    }
    return s_buckets_make (self, fleet, s_horizon_minutes (self, free_limit_ms)) == 0;
}

/* ---- idle vehicles ---------------------------------------------------------------------------------------- */

/* Precondition: vehicle v is idle at a valid node, so it is in that node's list and its fleet's index. */
static void s_idle_remove (disp_engine_t *self, uint32_t v)
{
    s_vehicle_t *veh = &self->vehicles[v];
    assert (veh->status == DISP_VEH_IDLE && veh->node < self->node_count);
    if (veh->prev != S_NIL)
        self->vehicles[veh->prev].next = veh->next;
    else
        self->idle_head[veh->node] = veh->next;
    if (veh->next != S_NIL) self->vehicles[veh->next].prev = veh->prev;
    veh->prev = veh->next = S_NIL;
    assert (disp_index_contains (self->idle[veh->fleet], v));
    disp_index_remove (self->idle[veh->fleet], v);
    if (self->near[veh->fleet]) map_ch_sources_remove (self->near[veh->fleet], v);
    if (isfinite (self->range_m[v])) self->limited_idle[veh->fleet]--;
}

/* Precondition: vehicle v is marked idle at a valid node and is in no list or index. */
static void s_idle_insert (disp_engine_t *self, uint32_t v)
{
    s_vehicle_t *veh = &self->vehicles[v];
    assert (veh->status == DISP_VEH_IDLE && veh->node < self->node_count);
    veh->prev = S_NIL;
    veh->next = self->idle_head[veh->node];
    if (veh->next != S_NIL) self->vehicles[veh->next].prev = v;
    self->idle_head[veh->node] = v;
    const map_node_t *at = map_graph_node (self->graph, veh->node);
    int rc = disp_index_put (self->idle[veh->fleet], v, at->x, at->y);
    assert (rc == 0); /* ids are below the capacity the index was made for */
    (void)rc;
    self->idle_epoch[v]++;
    if (self->near[veh->fleet]) s_buckets_put (self, v);
    if (isfinite (self->range_m[v])) self->limited_idle[veh->fleet]++;
}

/* ---- step -------------------------------------------------------------------------------------------------- */

/* Checks a resync's session state: the previous step, the rebalancer's state and the requests it saw since. */
static int s_validate_resync (const disp_engine_t *self, const disp_tick_t *tick, char *err, size_t errlen)
{
    if (tick->has_previous && tick->previous_ms > tick->now_ms)
        return map_error (err, errlen, "tick.previous_ms: %lld is after now_ms %lld", (long long)tick->previous_ms,
                          (long long)tick->now_ms);
    if (self->rebalance && tick->rebalance &&
        disp_rebalance_check_state (self->rebalance, tick->rebalance, tick->now_ms, self->config.vehicle_capacity,
                                    "tick.rebalance", err, errlen))
        return -1;
    if (!self->rebalance) return 0; /* a session without rebalancing has no use for them */
    for (size_t i = 0; i < tick->observed_count; i++) {
        const disp_request_t *r = &tick->observed[i];
        if (r->fleet >= DISP_FLEET_COUNT)
            return map_error (err, errlen, "tick.observed[%zu].fleet: %u is not a fleet", i, r->fleet);
        if (r->any_fleet > 1)
            return map_error (err, errlen, "tick.observed[%zu].any_fleet: %u is not 0 or 1", i, r->any_fleet);
        if (r->origin.node == MAP_NODE_NONE || r->origin.node >= self->node_count)
            return map_error (err, errlen, "tick.observed[%zu].origin.node: not a node (the map has %zu)", i,
                              self->node_count);
    }
    return 0;
}

/* Checks everything the step relies on; returns -1 with a message naming the first bad field. A resync replaces the
 * session's state, so its time only has to follow the previous step it names. */
static int s_validate (const disp_engine_t *self, const disp_tick_t *tick, char *err, size_t errlen)
{
    if (tick->resync) {
        if (s_validate_resync (self, tick, err, errlen)) return -1;
    } else if (self->stepped && tick->now_ms < self->now_ms) {
        return map_error (err, errlen, "tick.now_ms: %lld is before the previous step's %lld", (long long)tick->now_ms,
                       (long long)self->now_ms);
    }
    return disp_engine_check (self, tick, err, errlen);
}

int disp_engine_check (const disp_engine_t *self, const disp_tick_t *tick, char *err, size_t errlen)
{
    for (size_t i = 0; i < tick->vehicle_count; i++) {
        const disp_vehicle_t *v = &tick->vehicles[i];
        if (v->id >= self->config.vehicle_capacity)
            return map_error (err, errlen, "tick.vehicles[%zu].id: %u is past the session's vehicle capacity %u", i,
                           v->id, self->config.vehicle_capacity);
        if (v->fleet >= DISP_FLEET_COUNT)
            return map_error (err, errlen, "tick.vehicles[%zu].fleet: %u is not a fleet", i, v->fleet);
        if (v->status > DISP_VEH_BUSY)
            return map_error (err, errlen, "tick.vehicles[%zu].status: %u is not a vehicle status", i, v->status);
        /* Lockstep senders know the node; snapping bare lon/lat is left to a live mode. Only an idle vehicle's
         * place matters to dispatching. */
        if (v->status == DISP_VEH_IDLE && v->position.node == MAP_NODE_NONE)
            return map_error (err, errlen, "tick.vehicles[%zu].position: node missing", i);
        if (v->range_limited > 1)
            return map_error (err, errlen, "tick.vehicles[%zu].range_limited: %u is not 0 or 1", i, v->range_limited);
        if (v->range_limited && !(isfinite (v->range_m) && v->range_m >= 0))
            return map_error (err, errlen, "tick.vehicles[%zu].range_m: %g is not a distance (finite, >= 0)", i,
                              v->range_m);
        if (v->position.node != MAP_NODE_NONE && v->position.node >= self->node_count)
            return map_error (err, errlen, "tick.vehicles[%zu].position.node: %u is not a node (the map has %zu)", i,
                           v->position.node, self->node_count);
    }
    for (size_t i = 0; i < tick->request_count; i++) {
        const disp_request_t *r = &tick->requests[i];
        if (r->fleet >= DISP_FLEET_COUNT)
            return map_error (err, errlen, "tick.requests[%zu].fleet: %u is not a fleet", i, r->fleet);
        if (r->any_fleet > 1)
            return map_error (err, errlen, "tick.requests[%zu].any_fleet: %u is not 0 or 1", i, r->any_fleet);
        if (r->origin.node == MAP_NODE_NONE)
            return map_error (err, errlen, "tick.requests[%zu].origin: node missing", i);
        if (r->origin.node >= self->node_count)
            return map_error (err, errlen, "tick.requests[%zu].origin.node: %u is not a node (the map has %zu)", i,
                           r->origin.node, self->node_count);
        if (r->destination.node != MAP_NODE_NONE && r->destination.node >= self->node_count)
            return map_error (err, errlen, "tick.requests[%zu].destination.node: %u is not a node (the map has %zu)", i,
                           r->destination.node, self->node_count);
    }
    return 0;
}

/* Grows pending/assigned/assignments so the step cannot fail half-way. Returns 0 or -1 (state unchanged). */
static int s_reserve (disp_engine_t *self, size_t pending_needed)
{
    if (pending_needed > self->pending_cap) {
        size_t cap = self->pending_cap ? self->pending_cap : 64;
        while (cap < pending_needed)
            cap *= 2;
        disp_request_t *pending = realloc (self->pending, cap * sizeof *pending);
        if (!pending) return -1;
        self->pending = pending;
        uint8_t *assigned = realloc (self->assigned, cap * sizeof *assigned);
        if (!assigned) return -1;
        self->assigned = assigned;
        double *trip_m = realloc (self->pending_trip_m, cap * sizeof *trip_m);
        if (!trip_m) return -1;
        self->pending_trip_m = trip_m;
        self->pending_cap = cap;
    }
    if (pending_needed > self->assignment_cap) {
        size_t cap = self->pending_cap;
        disp_assignment_t *as = realloc (self->assignments, cap * sizeof *as);
        if (!as) return -1;
        self->assignments = as;
        self->assignment_cap = cap;
    }
    return 0;
}

static void s_apply_vehicle (disp_engine_t *self, const disp_vehicle_t *update)
{
    s_vehicle_t *veh = &self->vehicles[update->id];
    if (veh->status == DISP_VEH_IDLE) s_idle_remove (self, update->id);
    veh->fleet = update->fleet;
    veh->status = update->status;
    veh->node = update->position.node;
    self->range_m[update->id] = update->range_limited ? update->range_m : INFINITY;
    if (veh->status == DISP_VEH_IDLE) s_idle_insert (self, update->id);
}

static int s_id_in (uint64_t id, const uint64_t *ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (ids[i] == id) return 1;
    return 0;
}

/* Keeps the pending requests for which keep() is true, in order. */
static void s_pending_filter (disp_engine_t *self, int (*keep) (const disp_engine_t *, size_t, const void *),
                              const void *arg)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->pending_count; i++) {
        if (!keep (self, i, arg)) continue;
        self->pending[kept] = self->pending[i];
        self->pending_trip_m[kept] = self->pending_trip_m[i];
        self->assigned[kept] = self->assigned[i];
        kept++;
    }
    self->pending_count = kept;
}

static int s_keep_not_cancelled (const disp_engine_t *self, size_t i, const void *arg)
{
    const disp_tick_t *tick = arg;
    return !s_id_in (self->pending[i].id, tick->cancelled, tick->cancelled_count);
}

static int s_keep_not_expired (const disp_engine_t *self, size_t i, const void *arg)
{
    (void)arg;
    return self->pending[i].deadline_ms > self->now_ms;
}

static int s_keep_unassigned (const disp_engine_t *self, size_t i, const void *arg)
{
    (void)arg;
    return !self->assigned[i];
}

/* Inserts r after every pending request with an earlier or equal time: arrival order is (request time, arrival).
 * Requests nearly always arrive in time order, so the scan from the end stops at once. Capacity is reserved. */
static void s_pending_insert (disp_engine_t *self, const disp_request_t *r)
{
    assert (self->pending_count < self->pending_cap);
    size_t at = self->pending_count;
    while (at > 0 && self->pending[at - 1].time_ms > r->time_ms)
        at--;
    memmove (&self->pending[at + 1], &self->pending[at], (self->pending_count - at) * sizeof *self->pending);
    memmove (&self->assigned[at + 1], &self->assigned[at], (self->pending_count - at) * sizeof *self->assigned);
    memmove (&self->pending_trip_m[at + 1], &self->pending_trip_m[at],
             (self->pending_count - at) * sizeof *self->pending_trip_m);
    self->pending[at] = *r;
    self->pending_trip_m[at] = -1;
    self->assigned[at] = 0;
    self->pending_count++;
}

/* A resync: forgets every vehicle, waiting rider and the rebalancer's state, and takes the session's past from the
 * tick (its previous step, the rebalancer's state after its last run). The tick's vehicles and requests then come in
 * as in any step; pending order is (request time, arrival), and the client keeps its riders in arrival order, so the
 * queue is the one the lost dispatcher had. 0, or -1 when out of memory (before anything changed). */
static int s_resync (disp_engine_t *self, const disp_tick_t *tick)
{
    if (self->rebalance && disp_rebalance_restore (self->rebalance, tick->rebalance)) return -1;
    for (uint32_t v = 0; v < self->config.vehicle_capacity; v++) {
        if (self->vehicles[v].status == DISP_VEH_IDLE) s_idle_remove (self, v);
        self->range_m[v] = INFINITY;
        self->vehicles[v] = (s_vehicle_t){
            .node = MAP_NODE_NONE, .prev = S_NIL, .next = S_NIL, .fleet = 0, .status = DISP_VEH_OFFLINE};
    }
    self->pending_count = 0;
    self->stepped = tick->has_previous;
    self->now_ms = tick->has_previous ? tick->previous_ms : 0;
    return 0;
}

/* Room for n more reposition orders this step. 0 or -1. */
static int s_reserve_repositions (disp_engine_t *self, size_t n)
{
    if (self->reposition_count + n <= self->reposition_cap) return 0;
    size_t cap = self->reposition_cap ? 2 * self->reposition_cap : 64;
    while (cap < self->reposition_count + n)
        cap *= 2;
    disp_reposition_t *rs = realloc (self->repositions, cap * sizeof *rs);
    if (!rs) return -1;
    self->repositions = rs;
    self->reposition_cap = cap;
    return 0;
}

/* The rebalancer's turn, after the policy: when it is due, hands it the clock and the idle robotaxis and orders the
 * moves it answers with. The rebalancer reads nothing else of the engine (disp_rebalance.h), so the engine calls it
 * and it never calls back. Room for its orders is made first, so they all go out or none. When it ran, its new state
 * goes out with the decisions (out->rebalance), for a resync. */
static void s_rebalance (disp_engine_t *self, disp_decisions_t *out)
{
    if (!disp_rebalance_due (self->rebalance, self->now_ms)) return;
    size_t idle = disp_engine_idle_count (self, DISP_FLEET_ROBOTAXI), cap = idle ? idle : 1;
    if (cap > self->rebalance_cap) {
        uint32_t *ids = realloc (self->rebalance_ids, cap * sizeof *ids);
        if (!ids) return;
        self->rebalance_ids = ids;
        uint32_t *nodes = realloc (self->rebalance_nodes, cap * sizeof *nodes);
        if (!nodes) return;
        self->rebalance_nodes = nodes;
        self->rebalance_cap = cap;
    }
    if (s_reserve_repositions (self, idle)) return;
    disp_rebalance_fleet_t fleet = {.now_ms = self->now_ms,
                                    .idle_ids = self->rebalance_ids,
                                    .idle_nodes = self->rebalance_nodes,
                                    .idle_count = disp_engine_idle_vehicles (self, DISP_FLEET_ROBOTAXI,
                                                                             self->rebalance_ids,
                                                                             self->rebalance_nodes, cap)};
    if (self->limited_idle[DISP_FLEET_ROBOTAXI] > 0) {
        /* Robotaxis that might not finish the longest drive a move may be (the horizon at the map's top straight-line
         * speed) stay where they are: a move must not leave one unable to reach a charger. */
        double longest_m = (double)self->config.params.rebalance_horizon_ms / self->lb_ms_per_m;
        size_t kept = 0;
        for (size_t i = 0; i < fleet.idle_count && i < cap; i++) {
            if (self->range_m[self->rebalance_ids[i]] < longest_m) continue;
            self->rebalance_ids[kept] = self->rebalance_ids[i];
            self->rebalance_nodes[kept++] = self->rebalance_nodes[i];
        }
        fleet.idle_count = kept;
    }
    const disp_rebalance_move_t *moves;
    int n = disp_rebalance_run (self->rebalance, &fleet, &moves);
    for (int i = 0; i < n; i++) {
        int rc = disp_engine_reposition (self, moves[i].vehicle_id, moves[i].node, moves[i].eta_ms);
        assert (rc == 0); /* room was made above */
        (void)rc;
    }
    out->rebalance = disp_rebalance_state (self->rebalance);
}

int disp_engine_step (disp_engine_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen)
{
    assert (self && tick && out);
    if (s_validate (self, tick, err, errlen)) return -1;
    if (s_reserve (self, (tick->resync ? 0 : self->pending_count) + tick->request_count))
        return map_error (err, errlen, "dispatch: out of memory");
    if (tick->resync && s_resync (self, tick)) return map_error (err, errlen, "dispatch: out of memory");

    self->has_previous = self->stepped;
    self->previous_ms = self->now_ms;
    self->now_ms = tick->now_ms;
    self->stepped = 1;
    for (size_t i = 0; i < tick->vehicle_count; i++)
        s_apply_vehicle (self, &tick->vehicles[i]);
    if (tick->cancelled_count > 0) s_pending_filter (self, s_keep_not_cancelled, tick);
    /* A rider who gave up in the same tick that brought the request is never queued. */
    for (size_t i = 0; i < tick->request_count; i++)
        if (!s_id_in (tick->requests[i].id, tick->cancelled, tick->cancelled_count))
            s_pending_insert (self, &tick->requests[i]);
    /* Demand is demand, served or not: the rebalancer sees every new request, even one cancelled at once. A resync's
     * requests are the riders still waiting, most of them seen before: the rebalancer sees instead the requests sent
     * since its state was taken, this step's new ones among them. */
    const disp_request_t *seen = tick->resync ? tick->observed : tick->requests;
    size_t seen_count = tick->resync ? tick->observed_count : tick->request_count;
    for (size_t i = 0; self->rebalance && i < seen_count; i++)
        disp_rebalance_observe (self->rebalance, &seen[i]);
    s_pending_filter (self, s_keep_not_expired, NULL);

    self->assignment_count = 0;
    self->reposition_count = 0;
    self->charge_count = 0;
    self->reach_step++;
    self->policy->assign (self, self->policy_state);
    /* Idle robotaxis the policy left are moved toward demand. Out of memory there only means no moves this step:
     * the policy's assignments stand. When it ran, its new state goes out with the decisions, for a resync. */
    out->rebalance = NULL;
    if (self->rebalance) s_rebalance (self, out);
    s_pending_filter (self, s_keep_unassigned, NULL);

    out->step = tick->step;
    out->now_ms = self->now_ms;
    out->assignments = self->assignments;
    out->assignment_count = self->assignment_count;
    out->repositions = self->repositions;
    out->reposition_count = self->reposition_count;
    out->charges = self->charges;
    out->charge_count = self->charge_count;
    return 0;
}

size_t disp_engine_pending_count (const disp_engine_t *self)
{
    return self->pending_count;
}

/* ---- services for cost and rebalancing ------------------------------------------------------------------- */

int disp_engine_route_length (disp_engine_t *self, uint32_t from, uint32_t to, double *length_m)
{
    if (from >= self->node_count || to >= self->node_count) return -1;
    /* A query of its own: the index walk's query holds a target between calls. */
    if (!self->route_ch && !(self->route_ch = map_ch_query_new (self->hierarchy))) return -1;
    map_route_t route;
    if (map_ch_route (self->route_ch, from, to, &route) != 0) return -1;
    *length_m = route.length_m;
    return 0;
}

uint32_t disp_engine_vehicle_node (const disp_engine_t *self, uint32_t vehicle_id)
{
    if (vehicle_id >= self->config.vehicle_capacity) return MAP_NODE_NONE;
    return self->vehicles[vehicle_id].node;
}

size_t disp_engine_idle_vehicles (const disp_engine_t *self, disp_fleet_t fleet, uint32_t *ids, uint32_t *nodes,
                                  size_t cap)
{
    if ((unsigned)fleet >= DISP_FLEET_COUNT) return 0;
    size_t count = disp_index_count (self->idle[fleet]), found = 0;
    for (uint32_t v = 0; v < self->config.vehicle_capacity && found < count && found < cap; v++) {
        const s_vehicle_t *veh = &self->vehicles[v];
        if (veh->status != DISP_VEH_IDLE || veh->fleet != fleet) continue;
        ids[found] = v;
        nodes[found] = veh->node;
        found++;
    }
    return count;
}

/* ---- services for policies --------------------------------------------------------------------------------- */

size_t disp_engine_pending (disp_engine_t *self, const disp_request_t **out)
{
    *out = self->pending;
    return self->pending_count;
}

size_t disp_engine_idle_count (const disp_engine_t *self, disp_fleet_t fleet)
{
    if ((unsigned)fleet >= DISP_FLEET_COUNT) return 0;
    return disp_index_count (self->idle[fleet]);
}

int64_t disp_engine_now (const disp_engine_t *self)
{
    return self->now_ms;
}

int disp_engine_previous_step (const disp_engine_t *self, int64_t *ms)
{
    if (self->has_previous) *ms = self->previous_ms;
    return self->has_previous;
}

int64_t disp_engine_max_pickup_ms (const disp_engine_t *self)
{
    return self->config.max_pickup_ms;
}

int64_t disp_engine_pickup_limit (const disp_engine_t *self, const disp_request_t *r)
{
    int64_t left_ms = r->deadline_ms - self->now_ms;
    return left_ms < self->config.max_pickup_ms ? left_ms : self->config.max_pickup_ms;
}

const disp_config_t *disp_engine_config (const disp_engine_t *self)
{
    return &self->config;
}

/* Local search visitor, in (free-flow time, node id) order. The first node holding an idle vehicle of the fleet fixes
 * the best time; nodes settled at that same time may still hold a lower vehicle id, so the search stops only past
 * it. Past the budget with no answer yet, it gives up and says so. */
static int s_visit (uint32_t node, int64_t time_ms, void *arg)
{
    disp_engine_t *self = arg;
    if (self->search.vehicle != S_NIL && time_ms > self->search.free_ms) return 1;
    if (++self->search.settled > self->local_budget) {
        self->search.over_budget = 1;
        return 1;
    }
    for (uint32_t v = self->idle_head[node]; v != S_NIL; v = self->vehicles[v].next)
        if (self->vehicles[v].fleet == self->search.fleet && v < self->search.vehicle) {
            self->search.vehicle = v;
            self->search.free_ms = time_ms;
        }
    return 0;
}

/* The index walk: candidates come nearest first by straight distance and each is timed exactly. Once the lower
 * bound of the next candidate exceeds the best time found (or the limit), nobody farther can do better. Candidates
 * at the best time are still timed, so ties go to the lower id. Sets *best_ms; returns the vehicle or S_NIL. */
static uint32_t s_walk_index (disp_engine_t *self, uint32_t node, disp_fleet_t fleet, int64_t free_limit_ms,
                              int64_t *best_ms)
{
    disp_index_t *idle = self->idle[fleet];
    const map_node_t *at = map_graph_node (self->graph, node);
    map_ch_target (self->ch, node);
    disp_index_query_begin (idle, at->x, at->y);
    uint32_t best = S_NIL, v;
    *best_ms = free_limit_ms;
    double dist_m;
    while (disp_index_query_next (idle, &v, &dist_m) == 0) {
        if (dist_m * self->lb_ms_per_m > (double)*best_ms) break;
        int64_t free_ms = map_ch_time_from (self->ch, self->vehicles[v].node);
        if (free_ms == MAP_CH_UNREACHABLE || free_ms > *best_ms) continue;
        if (best == S_NIL || free_ms < *best_ms || v < best) {
            best = v;
            *best_ms = free_ms;
        }
    }
    return best;
}

int disp_engine_nearest_idle (disp_engine_t *self, uint32_t node, disp_fleet_t fleet, int64_t limit_ms,
                              uint32_t *vehicle_id, int64_t *eta_ms)
{
    if (node >= self->node_count || (unsigned)fleet >= DISP_FLEET_COUNT || limit_ms < 0) return -1;
    if (disp_index_count (self->idle[fleet]) == 0) return -1;
    /* The traffic factor is the same on every road at a given time, so the order by free-flow time is the order by
     * traffic-adjusted time and free-flow times suffice. */
    double factor = map_traffic_factor (&self->traffic, self->now_ms);
    int64_t free_limit_ms = (int64_t)floor ((double)limit_ms / factor);

    self->search.fleet = (uint8_t)fleet;
    self->search.vehicle = S_NIL;
    self->search.free_ms = 0;
    self->search.settled = 0;
    self->search.over_budget = 0;
    map_router_search_to (self->router, node, free_limit_ms, s_visit, self);
    uint32_t best = self->search.vehicle;
    int64_t best_ms = self->search.free_ms;
    if (self->search.over_budget) {
        if (s_buckets_reach (self, fleet, free_limit_ms, limit_ms, factor)) {
            if (s_buckets_nearest (self, fleet, node, free_limit_ms, 1, &best, &best_ms) == 0) best = S_NIL;
        } else
            best = s_walk_index (self, node, fleet, free_limit_ms, &best_ms);
    }
    if (best == S_NIL) return -1;
    int64_t eta = map_traffic_time (&self->traffic, self->now_ms, best_ms);
    if (eta > limit_ms) /* only possible through rounding at the very edge of the limit */
        return -1;
    *vehicle_id = best;
    *eta_ms = eta;
    return 0;
}

void disp_engine_set_local_budget (disp_engine_t *self, size_t nodes)
{
    self->local_budget = nodes;
}

int disp_engine_set_search_memory (disp_engine_t *self, size_t bytes)
{
    /* The per-node arrays come first: a map too large for the budget gets no buckets at all. */
    /* Per node, for both fleets: the vehicles' buckets, the watch, and the watched places' lists. Allocated
     * untouched; pages fill as searches reach them. */
    size_t per_node = DISP_FLEET_COUNT * (map_ch_sources_node_bytes () + map_ch_watch_node_bytes () +
                                          sizeof (s_watched_t));
    size_t fixed = self->node_count * per_node;
    /* The entries left are shared: a quarter for the two fleets' watches (few places are watched at once), the rest
     * for both fleets' vehicles together, as one fleet (the human drivers, tens of thousands) may need nearly all. */
    size_t entries = bytes > fixed ? (bytes - fixed) / map_ch_sources_entry_bytes () : 0;
    size_t watch = entries / (2 * DISP_FLEET_COUNT);
    self->watch_entry_limit = watch ? watch : 1;
    size_t vehicles = entries - DISP_FLEET_COUNT * watch;
    self->near_entry_limit = self->near_entry_budget = vehicles ? vehicles : 1;
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        s_buckets_off (self, f); /* made again, within the new limit, by the next search */
        if (entries == 0) self->buckets_on[f] = 0;
    }
    return entries > 0;
}

int disp_engine_set_buckets (disp_engine_t *self, int on)
{
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        s_buckets_off (self, f);
        self->buckets_on[f] = on && self->config.max_pickup_ms >= 0;
        if (self->buckets_on[f] && s_buckets_make (self, f, 0) != 0) return -1;
    }
    return 0;
}

int disp_engine_buckets (const disp_engine_t *self, disp_fleet_t fleet, size_t *entries)
{
    if ((unsigned)fleet >= DISP_FLEET_COUNT || !self->buckets_on[fleet]) return 0;
    if (entries) *entries = self->near[fleet] ? map_ch_sources_entries (self->near[fleet]) : 0;
    return 1;
}

/* ---- riders and the reach of electric vehicles ------------------------------------------------------------ */

/* Where r's ride length is kept: its slot when r is a waiting rider (worked out once however often it is searched
 * for), else *local. */
static double *s_trip_slot (disp_engine_t *self, const disp_request_t *r, double *local)
{
    if (self->pending_count > 0 && r >= self->pending && r < self->pending + self->pending_count)
        return &self->pending_trip_m[r - self->pending];
    *local = -1;
    return local;
}

static int s_hub_visit (uint32_t node, int64_t time_ms, void *arg)
{
    ((int64_t *)arg)[node] = time_ms;
    return 0;
}

/* An upper bound on the length of r's ride without routing it: the fastest path is no slower than the way through
 * the hub (the node nearest the map's middle), and no road covers more metres in a ms than the fastest one. The
 * times to and from the hub are worked out once, on first need (16 bytes a node). INFINITY when either end is cut
 * off from the hub or out of memory. */
static double s_ride_bound_m (disp_engine_t *self, const disp_request_t *r)
{
    if (r->destination.node == MAP_NODE_NONE) return INFINITY;
    if (!self->hub_to) {
        int64_t *to = malloc (self->node_count * sizeof *to), *from = malloc (self->node_count * sizeof *from);
        if (!to || !from) {
            free (to);
            free (from);
            return INFINITY;
        }
        for (size_t n = 0; n < self->node_count; n++)
            to[n] = from[n] = -1;
        double min_x, min_y, max_x, max_y;
        map_graph_bounds (self->graph, &min_x, &min_y, &max_x, &max_y);
        uint32_t hub = map_graph_nearest (self->graph, (min_x + max_x) / 2, (min_y + max_y) / 2);
        map_router_search_to (self->router, hub, INT64_MAX / 4, s_hub_visit, to);
        map_router_search_from (self->router, hub, INT64_MAX / 4, s_hub_visit, from);
        self->hub_to = to;
        self->hub_from = from;
    }
    int64_t a = self->hub_to[r->origin.node], b = self->hub_from[r->destination.node];
    if (a < 0 || b < 0) return INFINITY;
    return (double)(a + b) * self->max_m_per_ms * (1 + 1e-9);
}

/* Whether idle vehicle v can take rider r on its reach: the drive from its node to the pickup plus the ride, both
 * the fastest free-flow paths (the paths vehicles drive), within range_m. *trip_m is the ride's length, worked out on
 * first need (negative until then; INFINITY when the destination has no node or cannot be reached). pickup_max_m
 * bounds the pickup's length from above when known (else INFINITY): a reach that covers it needs no route. */
static int s_in_reach (disp_engine_t *self, uint32_t v, const disp_request_t *r, double *trip_m, double pickup_max_m)
{
    double range_m = self->range_m[v];
    if (!isfinite (range_m)) return 1;
    if (*trip_m < 0 && s_ride_bound_m (self, r) + pickup_max_m <= range_m) return 1;
    if (*trip_m < 0) {
        double len = INFINITY;
        if (r->destination.node != MAP_NODE_NONE &&
            disp_engine_route_length (self, r->origin.node, r->destination.node, &len) != 0)
            len = INFINITY;
        *trip_m = len;
    }
    if (*trip_m > range_m) return 0;
    if (*trip_m + pickup_max_m <= range_m) return 1;
    double pickup_m = 0;
    if (self->vehicles[v].node != r->origin.node &&
        disp_engine_route_length (self, self->vehicles[v].node, r->origin.node, &pickup_m) != 0)
        return 0;
    return pickup_m + *trip_m <= range_m;
}

/* s_in_reach for vehicle v that a search found eta_ms (in traffic, now) from r's origin, with the pickup's length
 * bounded from the eta: no road covers more metres in a free-flow ms than the fastest one, and an eta in traffic is
 * at least the free-flow time times the factor now. A vehicle found fit is remembered for disp_engine_assign. */
static int s_fits (disp_engine_t *self, uint32_t v, const disp_request_t *r, int64_t eta_ms)
{
    double local, *trip_m = s_trip_slot (self, r, &local);
    double pickup_max_m =
        ((double)eta_ms + 1.0) * self->max_m_per_ms / map_traffic_factor (&self->traffic, self->now_ms) * (1 + 1e-9);
    if (!s_in_reach (self, v, r, trip_m, pickup_max_m)) return 0;
    self->reach_ok_id[v] = r->id;
    self->reach_ok_step[v] = self->reach_step;
    return 1;
}

int disp_engine_can_serve (disp_engine_t *self, const disp_request_t *r, uint32_t vehicle_id)
{
    if (vehicle_id >= self->config.vehicle_capacity || self->vehicles[vehicle_id].status != DISP_VEH_IDLE ||
        !disp_request_accepts (r, (disp_fleet_t)self->vehicles[vehicle_id].fleet))
        return 0;
    double local, *trip_m = s_trip_slot (self, r, &local);
    return s_in_reach (self, vehicle_id, r, trip_m, INFINITY);
}

size_t disp_engine_idle_for_k (disp_engine_t *self, const disp_request_t *r, disp_fleet_t fleet, int64_t limit_ms,
                               size_t k, uint32_t *vehicle_ids, int64_t *eta_ms)
{
    if ((unsigned)fleet >= DISP_FLEET_COUNT || !disp_request_accepts (r, fleet)) return 0;
    if (self->limited_idle[fleet] == 0) /* nobody's reach is limited: the nearest are the answer */
        return disp_engine_nearest_idle_k (self, r->origin.node, fleet, limit_ms, k, vehicle_ids, eta_ms);
    /* Ask for more of the nearest until k of them have the reach or none is left: among the n nearest, the ones
     * with the reach are the nearest with the reach, in the same order. */
    size_t idle = disp_index_count (self->idle[fleet]), ask = k, got = 0;
    while (k > 0) {
        if (ask > idle) ask = idle;
        if (ask > self->reach_cap) {
            uint32_t *ids = realloc (self->reach_ids, ask * sizeof *ids);
            if (ids) self->reach_ids = ids;
            int64_t *etas = ids ? realloc (self->reach_etas, ask * sizeof *etas) : NULL;
            if (etas) self->reach_etas = etas;
            if (!ids || !etas) return 0; /* out of memory: nobody offered this step */
            self->reach_cap = ask;
        }
        size_t n = disp_engine_nearest_idle_k (self, r->origin.node, fleet, limit_ms, ask, self->reach_ids,
                                               self->reach_etas);
        got = 0;
        for (size_t i = 0; i < n && got < k; i++) {
            if (!s_fits (self, self->reach_ids[i], r, self->reach_etas[i])) continue;
            vehicle_ids[got] = self->reach_ids[i];
            eta_ms[got] = self->reach_etas[i];
            got++;
        }
        if (got == k || n < ask || ask == idle) break;
        size_t enough = k + self->limited_idle[fleet]; /* at most limited_idle of any nearest lack the reach */
        ask = ask * 2 < enough ? ask * 2 : enough;
    }
    return got;
}

int disp_engine_idle_for (disp_engine_t *self, const disp_request_t *r, disp_fleet_t fleet, int64_t limit_ms,
                          uint32_t *vehicle_id, int64_t *eta_ms)
{
    if ((unsigned)fleet >= DISP_FLEET_COUNT || !disp_request_accepts (r, fleet)) return -1;
    if (disp_engine_nearest_idle (self, r->origin.node, fleet, limit_ms, vehicle_id, eta_ms) != 0) return -1;
    if (self->limited_idle[fleet] == 0 || s_fits (self, *vehicle_id, r, *eta_ms)) return 0;
    /* the nearest is out of reach: the nearest that is not */
    return disp_engine_idle_for_k (self, r, fleet, limit_ms, 1, vehicle_id, eta_ms) == 1 ? 0 : -1;
}

int disp_engine_assign (disp_engine_t *self, size_t pending_index, uint32_t vehicle_id, int64_t eta_ms)
{
    /* Policies only assign what the engine offered them; anything else is a bug in the policy. */
    assert (pending_index < self->pending_count && !self->assigned[pending_index]);
    assert (vehicle_id < self->config.vehicle_capacity && self->vehicles[vehicle_id].status == DISP_VEH_IDLE);
    assert (disp_request_accepts (&self->pending[pending_index], (disp_fleet_t)self->vehicles[vehicle_id].fleet));
    assert (self->assignment_count < self->assignment_cap);
    /* A vehicle a rider search found fit for this rider in this step is; any other is checked. */
    if (!(self->reach_ok_step[vehicle_id] == self->reach_step &&
          self->reach_ok_id[vehicle_id] == self->pending[pending_index].id) &&
        !s_in_reach (self, vehicle_id, &self->pending[pending_index], &self->pending_trip_m[pending_index], INFINITY))
        return -1;

    s_idle_remove (self, vehicle_id);
    self->vehicles[vehicle_id].status = DISP_VEH_BUSY;
    self->assigned[pending_index] = 1;
    self->assignments[self->assignment_count++] = (disp_assignment_t){
        .request_id = self->pending[pending_index].id, .vehicle_id = vehicle_id, .pickup_eta_ms = eta_ms};
    return 0;
}

double disp_engine_vehicle_reach_m (const disp_engine_t *self, uint32_t vehicle_id)
{
    return vehicle_id < self->config.vehicle_capacity ? self->range_m[vehicle_id] : INFINITY;
}

int disp_engine_send_to_charge (disp_engine_t *self, uint32_t vehicle_id)
{
    if (vehicle_id >= self->config.vehicle_capacity || self->vehicles[vehicle_id].status != DISP_VEH_IDLE ||
        !isfinite (self->range_m[vehicle_id]))
        return -1;
    s_idle_remove (self, vehicle_id);
    self->vehicles[vehicle_id].status = DISP_VEH_OFFLINE;
    self->charges[self->charge_count++] = vehicle_id; /* a vehicle leaves the idle ones once: room for all */
    return 0;
}

int disp_engine_reposition (disp_engine_t *self, uint32_t vehicle_id, uint32_t node, int64_t eta_ms)
{
    assert (vehicle_id < self->config.vehicle_capacity && self->vehicles[vehicle_id].status == DISP_VEH_IDLE);
    assert (node < self->node_count);
    if (s_reserve_repositions (self, 1)) return -1;
    s_idle_remove (self, vehicle_id);
    self->vehicles[vehicle_id].status = DISP_VEH_BUSY;
    const map_node_t *at = map_graph_node (self->graph, node);
    self->repositions[self->reposition_count++] = (disp_reposition_t){
        .vehicle_id = vehicle_id, .target = {.lon = at->lon, .lat = at->lat, .node = node}, .eta_ms = eta_ms};
    return 0;
}

/* ---- the k nearest idle vehicles ----------------------------------------------------------------------------- */

/* The same two exact searches as disp_engine_nearest_idle, keeping the best k instead of the best one. Separate
 * visitors, so the single search pays nothing for this one. */

/* Puts vehicle v at free-flow time free_ms into the best-k list when it belongs there: kept sorted by (time, id), the
 * last one dropped when the list is full. Each vehicle is offered at most once per search. */
static void s_knn_offer (disp_engine_t *self, uint32_t v, int64_t free_ms)
{
    map_ch_best_offer (self->knn.ids, self->knn.free_ms, self->knn.k, &self->knn.count, v, free_ms);
}

/* Local search visitor, in (free-flow time, node id) order: collects the fleet's idle vehicles of each settled node.
 * Once k are held, nodes past the k-th time cannot improve the list (nodes at that very time still may, by id). Past
 * the budget it gives up and says so. */
static int s_visit_k (uint32_t node, int64_t time_ms, void *arg)
{
    disp_engine_t *self = arg;
    if (self->knn.count == self->knn.k && time_ms > self->knn.free_ms[self->knn.k - 1]) return 1;
    if (++self->knn.settled > self->local_budget) {
        self->knn.over_budget = 1;
        return 1;
    }
    for (uint32_t v = self->idle_head[node]; v != S_NIL; v = self->vehicles[v].next)
        if (self->vehicles[v].fleet == self->knn.fleet) s_knn_offer (self, v, time_ms);
    return 0;
}

/* The index walk for k: candidates nearest first by straight distance, each timed exactly, until the lower bound of
 * the next one exceeds the k-th best time (or the limit while fewer than k are held). */
static void s_walk_index_k (disp_engine_t *self, uint32_t node, disp_fleet_t fleet, int64_t free_limit_ms)
{
    disp_index_t *idle = self->idle[fleet];
    const map_node_t *at = map_graph_node (self->graph, node);
    self->knn.count = 0;
    map_ch_target (self->ch, node);
    disp_index_query_begin (idle, at->x, at->y);
    uint32_t v;
    double dist_m;
    while (disp_index_query_next (idle, &v, &dist_m) == 0) {
        int64_t worst_ms = self->knn.count == self->knn.k ? self->knn.free_ms[self->knn.k - 1] : free_limit_ms;
        if (dist_m * self->lb_ms_per_m > (double)worst_ms) break;
        int64_t free_ms = map_ch_time_from (self->ch, self->vehicles[v].node);
        if (free_ms == MAP_CH_UNREACHABLE || free_ms > free_limit_ms) continue;
        s_knn_offer (self, v, free_ms);
    }
}

size_t disp_engine_nearest_idle_k (disp_engine_t *self, uint32_t node, disp_fleet_t fleet, int64_t limit_ms, size_t k,
                                   uint32_t *vehicle_ids, int64_t *eta_ms)
{
    if (k == 0 || node >= self->node_count || (unsigned)fleet >= DISP_FLEET_COUNT || limit_ms < 0) return 0;
    if (disp_index_count (self->idle[fleet]) == 0) return 0;
    /* One factor for every road at a given time: free-flow order is traffic-adjusted order (see nearest_idle). */
    double factor = map_traffic_factor (&self->traffic, self->now_ms);
    int64_t free_limit_ms = (int64_t)floor ((double)limit_ms / factor);

    self->knn.fleet = (uint8_t)fleet;
    self->knn.k = k;
    self->knn.count = 0;
    self->knn.ids = vehicle_ids;
    self->knn.free_ms = eta_ms; /* free-flow times until the end, then turned into etas in place */
    self->knn.settled = 0;
    self->knn.over_budget = 0;
    map_router_search_to (self->router, node, free_limit_ms, s_visit_k, self);
    if (self->knn.over_budget) {
        if (s_buckets_reach (self, fleet, free_limit_ms, limit_ms, factor))
            self->knn.count = s_buckets_nearest (self, fleet, node, free_limit_ms, k, vehicle_ids, eta_ms);
        else
            s_walk_index_k (self, node, fleet, free_limit_ms);
    }
    size_t found = self->knn.count;
    for (size_t i = 0; i < found; i++) {
        int64_t eta = map_traffic_time (&self->traffic, self->now_ms, eta_ms[i]);
        if (eta > limit_ms) { /* only through rounding at the very edge of the limit; later ones are later still */
            found = i;
            break;
        }
        eta_ms[i] = eta;
    }
    self->knn.ids = NULL;
    self->knn.free_ms = NULL;
    return found;
}
