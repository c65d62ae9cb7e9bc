/* check_disp_policy_batch: the batch policy on a generated grid with known travel times: riders wait for the end of
 * their window and are then served together, at the least total pickup time (checked against brute force over every
 * assignment, and against first come first served); fleets, pickup limit and deadlines hold; the same ticks give the
 * same decisions. And the engine's k-nearest service against a full Dijkstra over every idle vehicle. */
#include <check.h>
#include <math.h>

#include "rt_check.h"
#include "rt_rand.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_engine.h"
#include "disp_policy.h"
#include "map_route.h"
#include "rt_engine.h"

/* 3.6 km/h is exactly 1 m/s, so an edge of L metres takes exactly L seconds: 10 m -> 10 000 ms. */
#define S_SPEED_KMH 3.6
#define S_EDGE_MS   10000
#define S_WINDOW_MS 30000

/* A side x side grid, node id = y * side + x, 100 m apart, every street two-way and S_EDGE_MS long. */
static map_net_t *s_grid (int side)
{
    return rt_grid (side, side, 100.0, 10.0, S_SPEED_KMH, NULL);
}

/* An engine running `policy` with a 30 s window and k candidates (0: the default). */
static disp_engine_t *s_engine (const map_net_t *net, const char *policy, int64_t max_pickup_ms, uint32_t capacity,
                                uint32_t k)
{
    disp_params_t params = {.batch_window_ms = S_WINDOW_MS, .batch_candidates = k};
    return rt_engine (net, policy, max_pickup_ms, capacity, 1.0, &params);
}

/* The vehicle assigned to request id in d, or UINT32_MAX; its eta into *eta when not NULL. */
static uint32_t s_vehicle_of (const disp_decisions_t *d, uint64_t request_id, int64_t *eta)
{
    for (size_t i = 0; i < d->assignment_count; i++)
        if (d->assignments[i].request_id == request_id) {
            if (eta) *eta = d->assignments[i].pickup_eta_ms;
            return d->assignments[i].vehicle_id;
        }
    return UINT32_MAX;
}

static int64_t s_total_eta (const disp_decisions_t *d)
{
    int64_t total = 0;
    for (size_t i = 0; i < d->assignment_count; i++)
        total += d->assignments[i].pickup_eta_ms;
    return total;
}

START_TEST (test_riders_wait_for_the_window_then_all_are_served)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = s_engine (g, "batch", RT_HOUR_MS, 100, 0);
    disp_vehicle_t vehs[] = {rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 0),
                             rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 9),
                             rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 90),
                             rt_vehicle (3, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 99),
                             rt_vehicle (4, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 55)};
    /* Windows are aligned to the session clock, not to the first request: riders at 1 s, 12 s and 25 s all wait for
     * 30 s, even with idle vehicles next to them. */
    disp_request_t r1 = rt_request (1, 1000, 1, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    disp_request_t r2 = rt_request (2, 12000, 98, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    disp_request_t r3 = rt_request (3, 25000, 54, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    ck_assert_uint_eq (rt_step (e, 1, 1000, vehs, 5, &r1, 1, NULL, 0).assignment_count, 0);
    ck_assert_uint_eq (rt_step (e, 2, 12000, NULL, 0, &r2, 1, NULL, 0).assignment_count, 0);
    ck_assert_uint_eq (rt_step (e, 3, 25000, NULL, 0, &r3, 1, NULL, 0).assignment_count, 0);
    ck_assert_uint_eq (rt_step (e, 4, 29999, NULL, 0, NULL, 0, NULL, 0).assignment_count, 0);
    ck_assert_uint_eq (disp_engine_pending_count (e), 3);

    /* At 30 s the window closes: all three are served (each by the vehicle one edge away). A rider asking at 30 s
     * belongs to the next window and waits, although two vehicles are still free. */
    disp_request_t r4 = rt_request (4, 30000, 8, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    disp_decisions_t d = rt_step (e, 5, 30000, NULL, 0, &r4, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 3);
    int64_t eta;
    ck_assert_uint_eq (s_vehicle_of (&d, 1, &eta), 0);
    ck_assert_int_eq (eta, S_EDGE_MS);
    ck_assert_uint_eq (s_vehicle_of (&d, 2, &eta), 3);
    ck_assert_int_eq (eta, S_EDGE_MS);
    ck_assert_uint_eq (s_vehicle_of (&d, 3, &eta), 4);
    ck_assert_int_eq (eta, S_EDGE_MS);
    ck_assert_uint_eq (disp_engine_pending_count (e), 1);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 2);

    /* Rider 4 is served at the first step at or after 60 s, here 61 s (no step fell on 60 s). */
    ck_assert_uint_eq (rt_step (e, 6, 45000, NULL, 0, NULL, 0, NULL, 0).assignment_count, 0);
    d = rt_step (e, 7, 61000, NULL, 0, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (s_vehicle_of (&d, 4, &eta), 1);
    ck_assert_int_eq (eta, S_EDGE_MS);
    ck_assert_uint_eq (disp_engine_pending_count (e), 0);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_leftover_riders_wait_for_the_next_window)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = s_engine (g, "batch", RT_HOUR_MS, 100, 0);
    /* Two riders, one vehicle: the nearer rider (3 edges against 5) is served at the close of the window. */
    disp_vehicle_t v = rt_vehicle (7, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 0);
    disp_request_t reqs[] = {rt_request (1, 1000, 5, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (2, 2000, 3, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS)};
    rt_step (e, 1, 2000, &v, 1, reqs, 2, NULL, 0);
    disp_decisions_t d = rt_step (e, 2, 30000, NULL, 0, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (s_vehicle_of (&d, 2, NULL), 7);
    /* A vehicle frees up in the middle of the next window: rider 1 waits for its close all the same. */
    v = rt_vehicle (8, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 4);
    ck_assert_uint_eq (rt_step (e, 3, 40000, &v, 1, NULL, 0, NULL, 0).assignment_count, 0);
    d = rt_step (e, 4, 60000, NULL, 0, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (s_vehicle_of (&d, 1, NULL), 8);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

/* ---- optimality ---- */

/* Brute force over every assignment of riders to distinct vehicles (a rider may also go without): the most riders
 * served, then the least total time. times[r * nv + v] is the drive from vehicle v to rider r. */
static void s_best (const int64_t *times, size_t nr, size_t nv, size_t r, uint32_t used, size_t served, int64_t total,
                    size_t *best_served, int64_t *best_total)
{
    if (r == nr) {
        if (served > *best_served || (served == *best_served && total < *best_total)) {
            *best_served = served;
            *best_total = total;
        }
        return;
    }
    s_best (times, nr, nv, r + 1, used, served, total, best_served, best_total);
    for (size_t v = 0; v < nv; v++)
        if (!(used & (1u << v)))
            s_best (times, nr, nv, r + 1, used | (1u << v), served + 1, total + times[r * nv + v], best_served,
                    best_total);
}

/* Plays the same day on a `nearest` and a `batch` engine: vehicles idle from 0, riders asking one second apart from
 * 1 s, each arriving in the tick at its own time, then steps up to the close at 30 s. Returns the two totals of
 * pickup times and checks both served every rider. */
static void s_nearest_and_batch (const map_net_t *g, const disp_vehicle_t *vehs, size_t nv,
                                 const disp_request_t *reqs, size_t nr, int64_t *nearest_total, int64_t *batch_total)
{
    disp_engine_t *near = s_engine (g, "nearest", RT_HOUR_MS, 100, 0),
                  *batch = s_engine (g, "batch", RT_HOUR_MS, 100, 0);
    rt_step (near, 0, 0, vehs, nv, NULL, 0, NULL, 0);
    rt_step (batch, 0, 0, vehs, nv, NULL, 0, NULL, 0);
    *nearest_total = *batch_total = 0;
    size_t near_served = 0, batch_served = 0;
    for (size_t i = 0; i < nr; i++) {
        disp_decisions_t d = rt_step (near, i + 1, reqs[i].time_ms, NULL, 0, &reqs[i], 1, NULL, 0);
        near_served += d.assignment_count;
        *nearest_total += s_total_eta (&d);
        d = rt_step (batch, i + 1, reqs[i].time_ms, NULL, 0, &reqs[i], 1, NULL, 0);
        ck_assert_uint_eq (d.assignment_count, 0);
    }
    disp_decisions_t d = rt_step (batch, nr + 1, S_WINDOW_MS, NULL, 0, NULL, 0, NULL, 0);
    batch_served = d.assignment_count;
    *batch_total = s_total_eta (&d);
    ck_assert_uint_eq (near_served, nr);
    ck_assert_uint_eq (batch_served, nr);
    disp_engine_destroy (&near);
    disp_engine_destroy (&batch);
}

START_TEST (test_batch_beats_first_come_first_served)
{
    /* On the bottom street (nodes 0..9): rider A at 3 asks first, rider B at 0 just after; vehicles at 2 and 6.
     * First come first served gives A the vehicle at 2 (1 edge) and leaves B the one at 6 (6 edges): 70 s. Together,
     * A takes the vehicle at 6 (3 edges) and B the one at 2 (2 edges): 50 s. */
    map_net_t *g = s_grid (10);
    disp_vehicle_t vehs[] = {rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 2),
                             rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 6)};
    disp_request_t reqs[] = {rt_request (1, 1000, 3, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (2, 2000, 0, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS)};
    int64_t nearest_total, batch_total;
    s_nearest_and_batch (g, vehs, 2, reqs, 2, &nearest_total, &batch_total);
    ck_assert_int_eq (nearest_total, 7 * S_EDGE_MS);
    ck_assert_int_eq (batch_total, 5 * S_EDGE_MS);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_batch_total_is_the_optimum)
{
    /* Random riders and vehicles on the grid (no more vehicles than candidates, so nothing is pruned): the batch's
     * total pickup time equals the optimum found by brute force over plain A* times, and is never above first come
     * first served. */
    map_net_t *g = s_grid (10);
    map_router_t *router = map_router_new (map_net_graph (g));
    uint64_t st = 2024;
    int strictly_better = 0;
    for (int round = 0; round < 40; round++) {
        size_t nr = 3 + rt_next (&st) % 4, nv = 3 + rt_next (&st) % 6; /* up to 6 riders, 8 vehicles */
        disp_vehicle_t vehs[8];
        disp_request_t reqs[6];
        for (size_t v = 0; v < nv; v++)
            vehs[v] = rt_vehicle ((uint32_t)v, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, (uint32_t)(rt_next (&st) % 100));
        for (size_t r = 0; r < nr; r++)
            reqs[r] = rt_request (r, 1000 * (int64_t)(r + 1), (uint32_t)(rt_next (&st) % 100), MAP_NODE_NONE,
                                  DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
        int64_t times[6 * 8];
        for (size_t r = 0; r < nr; r++)
            for (size_t v = 0; v < nv; v++) {
                map_route_t route;
                ck_assert_int_eq (map_router_route (router, vehs[v].position.node, reqs[r].origin.node, &route), 0);
                times[r * nv + v] = route.time_ms;
            }
        size_t best_served = 0;
        int64_t best_total = 0;
        s_best (times, nr, nv, 0, 0, 0, 0, &best_served, &best_total);
        ck_assert_uint_eq (best_served, nr < nv ? nr : nv);
        if (nr > nv) continue; /* first come first served then cannot serve everyone: compared elsewhere */
        int64_t nearest_total, batch_total;
        s_nearest_and_batch (g, vehs, nv, reqs, nr, &nearest_total, &batch_total);
        ck_assert_int_eq (batch_total, best_total);
        ck_assert_int_le (batch_total, nearest_total);
        strictly_better += batch_total < nearest_total;
    }
    ck_assert_int_gt (strictly_better, 0);
    map_router_destroy (&router);
    map_net_destroy (&g);
}
END_TEST

/* ---- fleets, limits, deadlines ---- */

START_TEST (test_fleets_pickup_limit_and_deadlines)
{
    map_net_t *g = s_grid (10);
    /* pickup limit: 5 edges */
    disp_engine_t *e = s_engine (g, "batch", 5 * S_EDGE_MS, 100, 0);
    disp_vehicle_t vehs[] = {
        rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 0), rt_vehicle (1, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 4),
        rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 99), rt_vehicle (3, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 90)};
    disp_request_t reqs[] = {
        /* a human-driver rider at the robotaxi's corner: gets the human driver 4 edges away */
        rt_request (1, 1000, 0, MAP_NODE_NONE, DISP_FLEET_HUMAN, 0, RT_FAR_MS),
        /* a robotaxi rider at 45: both robotaxis (at 0 and at 99) are 9 edges away, past the limit: waits */
        rt_request (2, 1000, 45, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
        /* a rider who accepts any fleet, at 80: the human driver at 90 is 1 edge away */
        rt_request (3, 1000, 80, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 1, RT_FAR_MS),
        /* a rider whose deadline (20 s from the close) is before the robotaxi at 99 (3 edges from 69) can come */
        rt_request (4, 1000, 69, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, S_WINDOW_MS + 2 * S_EDGE_MS),
        /* a rider who gives up before the window closes is never assigned */
        rt_request (5, 1000, 98, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, 20000),
    };
    rt_step (e, 1, 1000, vehs, 4, reqs, 5, NULL, 0);
    disp_decisions_t d = rt_step (e, 2, S_WINDOW_MS, NULL, 0, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 2);
    int64_t eta;
    ck_assert_uint_eq (s_vehicle_of (&d, 1, &eta), 1);
    ck_assert_int_eq (eta, 4 * S_EDGE_MS);
    ck_assert_uint_eq (s_vehicle_of (&d, 3, &eta), 3);
    ck_assert_int_eq (eta, S_EDGE_MS);
    ck_assert_uint_eq (disp_engine_pending_count (e), 2); /* riders 2 and 4 wait; rider 5 is gone */
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 2);

    /* Next window: rider 4's deadline has passed; rider 2 still has nobody in reach. A robotaxi appears 2 edges
     * from rider 2: served at the close. */
    disp_vehicle_t near = rt_vehicle (5, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 47);
    ck_assert_uint_eq (rt_step (e, 3, 45000, &near, 1, NULL, 0, NULL, 0).assignment_count, 0);
    d = rt_step (e, 4, 2 * S_WINDOW_MS, NULL, 0, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (s_vehicle_of (&d, 2, &eta), 5);
    ck_assert_int_eq (eta, 2 * S_EDGE_MS);
    ck_assert_uint_eq (disp_engine_pending_count (e), 0);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_no_free_vehicle_left_unused_after_pruning)
{
    /* One candidate per rider: riders at 0 and 2 both have the vehicle at 1 as their only candidate; the solve gives
     * it to one of them, and the other still gets the vehicle at 9, the nearest one left. */
    map_net_t *g = s_grid (10);
    disp_engine_t *e = s_engine (g, "batch", RT_HOUR_MS, 100, 1);
    disp_vehicle_t vehs[] = {rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 1),
                             rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 9)};
    disp_request_t reqs[] = {rt_request (1, 1000, 0, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (2, 2000, 2, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS)};
    rt_step (e, 1, 2000, vehs, 2, reqs, 2, NULL, 0);
    disp_decisions_t d = rt_step (e, 2, S_WINDOW_MS, NULL, 0, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 2);
    uint32_t a = s_vehicle_of (&d, 1, NULL), b = s_vehicle_of (&d, 2, NULL);
    ck_assert ((a == 0 && b == 1) || (a == 1 && b == 0));
    ck_assert_uint_eq (disp_engine_pending_count (e), 0);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

/* ---- determinism ---- */

/* Plays a busy random session of 40 steps on engine e and records every decision into log (request, vehicle, eta in
 * order). Vehicles come back idle at random nodes a few steps after being assigned. Returns the number of
 * assignments. */
static size_t s_random_session (disp_engine_t *e, int64_t *log, size_t log_cap)
{
    enum { V = 60, STEPS = 40 };
    uint64_t st = 77;
    int back_at[V]; /* step at which vehicle v is idle again, 0 when idle */
    disp_vehicle_t updates[V];
    for (uint32_t v = 0; v < V; v++) {
        updates[v] = rt_vehicle (v, v % 3 ? DISP_FLEET_ROBOTAXI : DISP_FLEET_HUMAN, DISP_VEH_IDLE,
                                 (uint32_t)(rt_next (&st) % 400));
        back_at[v] = 0;
    }
    size_t nu = V, logged = 0;
    uint64_t next_id = 1;
    for (int step = 1; step <= STEPS; step++) {
        int64_t now = step * 10000LL;
        disp_request_t reqs[12];
        size_t nr = rt_next (&st) % 12;
        for (size_t i = 0; i < nr; i++) {
            reqs[i] = rt_request (next_id++, now - (int64_t)(rt_next (&st) % 10000), (uint32_t)(rt_next (&st) % 400),
                                  MAP_NODE_NONE, rt_next (&st) % 3 ? DISP_FLEET_ROBOTAXI : DISP_FLEET_HUMAN, 0,
                                  now + 60000 + (int64_t)(rt_next (&st) % 120000));
            reqs[i].any_fleet = rt_next (&st) % 4 == 0;
        }
        disp_decisions_t d = rt_step (e, (uint64_t)step, now, updates, nu, reqs, nr, NULL, 0);
        nu = 0;
        for (size_t i = 0; i < d.assignment_count; i++) {
            ck_assert_uint_lt (logged + 3, log_cap);
            log[logged++] = (int64_t)d.assignments[i].request_id;
            log[logged++] = d.assignments[i].vehicle_id;
            log[logged++] = d.assignments[i].pickup_eta_ms;
            back_at[d.assignments[i].vehicle_id] = step + 2 + (int)(rt_next (&st) % 6);
        }
        for (uint32_t v = 0; v < V; v++)
            if (back_at[v] == step + 1) {
                back_at[v] = 0;
                updates[nu++] = rt_vehicle (v, v % 3 ? DISP_FLEET_ROBOTAXI : DISP_FLEET_HUMAN, DISP_VEH_IDLE,
                                            (uint32_t)(rt_next (&st) % 400));
            }
    }
    return logged / 3;
}

START_TEST (test_same_ticks_same_decisions)
{
    map_net_t *g = s_grid (20);
    static int64_t log_a[3 * 1000], log_b[3 * 1000];
    disp_engine_t *a = s_engine (g, "batch", 15 * S_EDGE_MS, 100, 3);
    disp_engine_t *b = s_engine (g, "batch", 15 * S_EDGE_MS, 100, 3);
    size_t na = s_random_session (a, log_a, 3 * 1000);
    size_t nb = s_random_session (b, log_b, 3 * 1000);
    ck_assert_uint_gt (na, 50);
    ck_assert_uint_eq (na, nb);
    ck_assert_int_eq (memcmp (log_a, log_b, 3 * na * sizeof *log_a), 0);
    disp_engine_destroy (&a);
    disp_engine_destroy (&b);
    map_net_destroy (&g);
}
END_TEST

/* ---- the k nearest ---- */

START_TEST (test_k_nearest_on_the_grid_ties_by_id)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = s_engine (g, "nearest", 3 * S_EDGE_MS, 100, 0);
    /* Around node 55: vehicles 9 and 4 at 54 (1 edge), 2 at 65 (1 edge), 8 at 45 (1 edge), 30 at 55 itself, 1 at 57
     * (2 edges), 6 at 77 (4 edges, past the limit), 5 a human at 56. */
    disp_vehicle_t vehs[] = {rt_vehicle (9, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 54),
                             rt_vehicle (4, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 54),
                             rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 65),
                             rt_vehicle (8, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 45),
                             rt_vehicle (30, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 55),
                             rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 57),
                             rt_vehicle (6, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 77),
                             rt_vehicle (5, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 56)};
    rt_step (e, 1, 0, vehs, 8, NULL, 0, NULL, 0);
    uint32_t expect[] = {30, 2, 4, 8, 9, 1};
    int64_t expect_eta[] = {0, S_EDGE_MS, S_EDGE_MS, S_EDGE_MS, S_EDGE_MS, 2 * S_EDGE_MS};
    /* Budget 0 and 3 go past the local search: to the hierarchy's buckets, then (b >= 3) to the index walk. */
    size_t budgets[] = {0, 3, 512, 0, 3};
    for (size_t b = 0; b < 5; b++) {
        disp_engine_set_local_budget (e, budgets[b]);
        ck_assert_int_eq (disp_engine_set_buckets (e, b < 3), 0);
        for (size_t k = 1; k <= 8; k++) {
            uint32_t ids[8];
            int64_t etas[8];
            size_t n = disp_engine_nearest_idle_k (e, 55, DISP_FLEET_ROBOTAXI, 3 * S_EDGE_MS, k, ids, etas);
            ck_assert_uint_eq (n, k < 6 ? k : 6);
            for (size_t i = 0; i < n; i++) {
                ck_assert_uint_eq (ids[i], expect[i]);
                ck_assert_int_eq (etas[i], expect_eta[i]);
            }
        }
        uint32_t id;
        int64_t eta;
        ck_assert_uint_eq (disp_engine_nearest_idle_k (e, 55, DISP_FLEET_HUMAN, 3 * S_EDGE_MS, 4, &id, &eta), 1);
        ck_assert_uint_eq (id, 5);
        ck_assert_uint_eq (disp_engine_nearest_idle_k (e, 55, DISP_FLEET_ROBOTAXI, RT_HOUR_MS, 0, &id, &eta), 0);
        ck_assert_uint_eq (disp_engine_nearest_idle_k (e, 100, DISP_FLEET_ROBOTAXI, RT_HOUR_MS, 1, &id, &eta), 0);
        ck_assert_uint_eq (disp_engine_nearest_idle_k (e, 55, DISP_FLEET_ROBOTAXI, -1, 1, &id, &eta), 0);
    }
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

/* Records the free-flow time of every node a full search reaches. */
static int s_record (uint32_t node, int64_t time_ms, void *arg)
{
    ((int64_t *)arg)[node] = time_ms;
    return 0;
}

/* Orders (time, id) pairs. */
typedef struct {
    int64_t ms;
    uint32_t id;
} s_timed_t;

static int s_cmp_timed (const void *a, const void *b)
{
    const s_timed_t *x = a, *y = b;
    if (x->ms != y->ms) return x->ms < y->ms ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

START_TEST (test_k_nearest_matches_full_dijkstra)
{
    /* On the embedded city, with vehicles sharing nodes: the k nearest idle vehicles of a fleet are exactly the first
     * k of all idle vehicles of that fleet sorted by (time, id), timed by a full Dijkstra from the rider over the
     * reverse graph, within the limit, at two traffic factors, through the local search alone, the index alone
     * (budget 0) and a mix (small budget). */
    map_net_t *net = rt_city ();
    const map_graph_t *g = map_net_graph (net);
    uint32_t n = (uint32_t)map_graph_node_count (g);
    map_router_t *router = map_router_new (g);
    int64_t *time_to = malloc (n * sizeof *time_to);
    enum { VEHICLES = 300 };
    disp_vehicle_t vehs[VEHICLES];
    uint64_t st = 5;
    for (uint32_t i = 0; i < VEHICLES; i++) {
        uint32_t node = (i % 4 == 3) ? vehs[i - 1].position.node : (uint32_t)(rt_next (&st) % n);
        disp_fleet_t fleet = rt_next (&st) % 2 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI;
        disp_vehicle_status_t status = rt_next (&st) % 5 ? DISP_VEH_IDLE : DISP_VEH_BUSY;
        vehs[i] = rt_vehicle (i, fleet, status, node);
    }
    /* Past the local search: the hierarchy's buckets (the default, f < 5) or the index walk. */
    double factors[] = {1.0, 1.37, 1.0, 1.37, 1.0, 1.0, 1.37, 1.0, 1.37};
    size_t budgets[] = {0, 0, 40, 40, 1u << 20, 0, 0, 40, 40};
    for (int f = 0; f < 9; f++) {
        map_traffic_t traffic;
        map_traffic_flat (&traffic, factors[f]);
        disp_engine_t *e = rt_engine (net, "batch", RT_HOUR_MS, VEHICLES, factors[f], NULL);
        disp_engine_set_local_budget (e, budgets[f]);
        ck_assert_int_eq (disp_engine_set_buckets (e, f < 5), 0);
        rt_step (e, 1, 0, vehs, VEHICLES, NULL, 0, NULL, 0);
        for (int q = 0; q < 120; q++) {
            uint32_t target = (uint32_t)(rt_next (&st) % n);
            disp_fleet_t fleet = q % 2 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI;
            int64_t limit_ms = (q % 3 == 0) ? 120000 + (int64_t)(rt_next (&st) % 240000) : 20 * 60000;
            size_t k = 1 + rt_next (&st) % 12;
            /* the limit as nearest_idle applies it: on free-flow time, then on the rounded eta */
            int64_t free_limit_ms = (int64_t)floor ((double)limit_ms / factors[f]);
            for (uint32_t i = 0; i < n; i++)
                time_to[i] = -1;
            map_router_search_to (router, target, INT64_MAX, s_record, time_to);
            s_timed_t all[VEHICLES];
            size_t count = 0;
            for (uint32_t i = 0; i < VEHICLES; i++) {
                if (vehs[i].status != DISP_VEH_IDLE || vehs[i].fleet != fleet) continue;
                int64_t t = time_to[vehs[i].position.node];
                if (t < 0 || t > free_limit_ms) continue;
                int64_t eta = map_traffic_time (&traffic, 0, t);
                if (eta <= limit_ms) all[count++] = (s_timed_t){eta, i};
            }
            qsort (all, count, sizeof *all, s_cmp_timed);
            uint32_t ids[12];
            int64_t etas[12];
            size_t got = disp_engine_nearest_idle_k (e, target, fleet, limit_ms, k, ids, etas);
            ck_assert_uint_eq (got, count < k ? count : k);
            for (size_t i = 0; i < got; i++) {
                ck_assert_uint_eq (ids[i], all[i].id);
                ck_assert_int_eq (etas[i], all[i].ms);
            }
            /* the single nearest agrees with the first of the k */
            uint32_t one;
            int64_t one_eta;
            int rc = disp_engine_nearest_idle (e, target, fleet, limit_ms, &one, &one_eta);
            ck_assert_int_eq (rc, count ? 0 : -1);
            if (count) ck_assert_uint_eq (one, all[0].id);
        }
        disp_engine_destroy (&e);
    }
    free (time_to);
    map_router_destroy (&router);
    map_net_destroy (&net);
}
END_TEST

static Suite *s_suite (void)
{
    Suite *s = suite_create ("disp_policy_batch");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_riders_wait_for_the_window_then_all_are_served);
    tcase_add_test (core, test_leftover_riders_wait_for_the_next_window);
    tcase_add_test (core, test_batch_beats_first_come_first_served);
    tcase_add_test (core, test_batch_total_is_the_optimum);
    tcase_add_test (core, test_fleets_pickup_limit_and_deadlines);
    tcase_add_test (core, test_no_free_vehicle_left_unused_after_pruning);
    tcase_add_test (core, test_same_ticks_same_decisions);
    tcase_add_test (core, test_k_nearest_on_the_grid_ties_by_id);
    tcase_add_test (core, test_k_nearest_matches_full_dijkstra);
    suite_add_tcase (s, core);
    return s;
}

int main (void)
{
    return rt_check_run (s_suite ());
}
