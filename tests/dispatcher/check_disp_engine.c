/* check_disp_engine: the nearest policy on hand-built graphs with known travel times. Who gets which rider, and that
 * an invalid tick is refused without a trace. A fresh engine given a resync at any step of 40 busy minutes decides
 * as the engine that lived through them, for every policy with and without rebalancing. */
#include <check.h>
#include <math.h>

#include "rt_check.h"
#include "rt_rand.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_engine.h"
#include "disp_policy.h"
#include "map_ch_sources.h"
#include "map_route.h"
#include "rt_engine.h"

/* 3.6 km/h is exactly 1 m/s, so an edge of L metres takes exactly L seconds: 10 m -> 10 000 ms. */
#define S_SPEED_KMH 3.6
#define S_EDGE_MS   10000

/* A side x side grid, node id = y * side + x, 100 m apart, every street two-way and S_EDGE_MS long, as a network. */
static map_net_t *s_grid (int side)
{
    return rt_grid (side, side, 100.0, 10.0, S_SPEED_KMH, NULL);
}

START_TEST (test_travel_time_beats_straight_distance)
{
    /* A street 0 -> 1 -> 2 -> 3 -> 4 -> 5 and a long way back 5 -> 0. The rider waits at 2. Vehicle 1 idles at 3,
     * 100 m away, but 2 -> 3 is one-way: it must go round (3-4-5-0-1-2: 100 s). Vehicle 2 at 0 is 200 m away and
     * 20 s. */
    map_graph_t *g = map_graph_new (32650);
    for (int i = 0; i < 6; i++)
        map_graph_add_node (g, 114.0 + i * 0.001, 30.0, i * 100.0, 0.0);
    for (uint32_t i = 0; i < 5; i++)
        ck_assert_int_eq (map_graph_add_edge (g, i, i + 1, 10.0, S_SPEED_KMH, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 1, 0, 10.0, S_SPEED_KMH, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_add_edge (g, 5, 0, 60.0, S_SPEED_KMH, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_finish (g), 0);
    map_net_t *net = rt_net (g);

    disp_engine_t *e = rt_engine (net, "nearest", RT_HOUR_MS, 10, 1.0, NULL);
    disp_vehicle_t vehs[] = {rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 3),
                             rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 0)};
    disp_request_t req = rt_request (100, 0, 2, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    disp_decisions_t d = rt_step (e, 1, 0, vehs, 2, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].request_id, 100);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 2);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 20000);

    /* The next rider at 2 gets vehicle 1 the long way round. */
    req = rt_request (101, 1000, 2, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    d = rt_step (e, 2, 1000, NULL, 0, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 1);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 100000);
    disp_engine_destroy (&e);
    ck_assert_ptr_null (e);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_ties_go_to_lower_id)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, "nearest", RT_HOUR_MS, 100, 1.0, NULL);
    /* Rider at 55. Vehicle 8 at node 45 and vehicle 2 at node 65: both one edge away; the search settles node 45
     * first, yet the lower vehicle id wins. Vehicles 9 and 4 share node 54, also one edge away. */
    disp_vehicle_t vehs[] = {rt_vehicle (8, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 45),
                             rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 65),
                             rt_vehicle (9, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 54),
                             rt_vehicle (4, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 54)};
    disp_request_t reqs[] = {rt_request (1, 0, 55, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (2, 0, 55, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (3, 0, 55, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (4, 0, 55, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS)};
    disp_decisions_t d = rt_step (e, 1, 0, vehs, 4, reqs, 4, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 4);
    uint32_t expect[] = {2, 4, 8, 9};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq (d.assignments[i].request_id, i + 1);
        ck_assert_uint_eq (d.assignments[i].vehicle_id, expect[i]);
        ck_assert_int_eq (d.assignments[i].pickup_eta_ms, S_EDGE_MS);
    }
    ck_assert_uint_eq (disp_engine_pending_count (e), 0);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

/* An own policy for the test below: every rider gets the idle vehicle that takes longest to reach them. */
static void
s_farthest_assign (disp_engine_t *engine, void *state)
{
    (void)state;
    const disp_request_t *pending;
    size_t count = disp_engine_pending (engine, &pending);
    for (size_t i = 0; i < count; i++) {
        uint32_t ids[16];
        int64_t etas[16];
        size_t n = disp_engine_nearest_idle_k (engine, pending[i].origin.node, pending[i].fleet,
                                               disp_engine_pickup_limit (engine, &pending[i]), 16, ids, etas);
        if (n > 0) disp_engine_assign (engine, i, ids[n - 1], etas[n - 1]);
    }
}

START_TEST (test_own_policy_replaces_a_builtin_and_adds_a_name)
{
    static const disp_policy_t own[] = {
        {"nearest", "test: the farthest idle vehicle", s_farthest_assign, NULL, NULL},
        {"farthest", "test: the farthest idle vehicle", s_farthest_assign, NULL, NULL},
    };
    map_net_t *g = s_grid (10);
    map_traffic_t traffic;
    map_traffic_flat (&traffic, 1.0);
    /* Rider at node 55; vehicle 1 one edge away (45), vehicle 2 four edges away (15). */
    disp_vehicle_t vehs[] = {rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 45),
                             rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 15)};
    disp_request_t req = rt_request (7, 0, 55, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    const char *names[] = {"nearest", "nearest", "farthest"};
    size_t own_count[] = {0, 2, 2};
    uint32_t expect[] = {1, 2, 2};
    for (int k = 0; k < 3; k++) {
        disp_config_t cfg = {.max_pickup_ms = RT_HOUR_MS, .vehicle_capacity = 10, .own_policies = own,
                             .own_policy_count = own_count[k]};
        snprintf (cfg.policy, sizeof cfg.policy, "%s", names[k]);
        char err[256] = "";
        disp_engine_t *e = disp_engine_new (g, &traffic, &cfg, err, sizeof err);
        ck_assert_msg (e != NULL, "%s", err);
        disp_decisions_t d = rt_step (e, 1, 0, vehs, 2, &req, 1, NULL, 0);
        ck_assert_uint_eq (d.assignment_count, 1);
        ck_assert_msg (d.assignments[0].vehicle_id == expect[k], "%s with %zu own policies: vehicle %u", names[k],
                       own_count[k], d.assignments[0].vehicle_id);
        disp_engine_destroy (&e);
    }
    /* an own name is unknown to a session without the program's table, and the built-ins stay as they were */
    ck_assert_ptr_null (disp_policy_find ("farthest"));
    ck_assert_ptr_eq (disp_policy_lookup (own, 2, "batch"), disp_policy_find ("batch"));
    ck_assert_ptr_eq (disp_policy_lookup (own, 2, "nearest"), &own[0]);
    ck_assert_ptr_eq (disp_policy_lookup (NULL, 0, "nearest"), disp_policy_find ("nearest"));
    disp_config_t cfg = {.policy = "farthest", .max_pickup_ms = RT_HOUR_MS, .vehicle_capacity = 10};
    char err[256] = "";
    ck_assert_ptr_null (disp_engine_new (g, &traffic, &cfg, err, sizeof err));
    ck_assert_msg (strstr (err, "'farthest' is not a policy"), "%s", err);
    map_net_destroy (&g);
}
END_TEST

/* An electric vehicle is never given a rider whose pickup plus ride is longer than the reach it reported, under any
 * policy: the nearest vehicle out of reach is passed over for the next one, and a rider only out-of-reach vehicles
 * could serve waits until one has the reach. Grid edges are 10 m long (100 m apart, 10 m of road). */
static const char *const s_reach_policies[] = {"nearest", "cost", "batch"};

START_TEST (test_rides_kept_within_reach)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, s_reach_policies[_i], RT_HOUR_MS, 100, 1.0, NULL);
    /* Riders at 55 going to 59: a 40 m ride. Vehicle 1 at 54 (10 m away) reaches 45 m: one short. Vehicle 2 at 45
     * (10 m) reaches exactly 50 m. Vehicle 3 at 53 (20 m) has no reported reach. */
    disp_vehicle_t vehs[] = {rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 54),
                             rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 45),
                             rt_vehicle (3, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 53)};
    vehs[0].range_limited = vehs[1].range_limited = 1;
    vehs[0].range_m = 45;
    vehs[1].range_m = 50;
    disp_request_t reqs[3];
    for (int i = 0; i < 3; i++)
        reqs[i] = rt_request ((uint64_t)i + 1, 0, 55, 59, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    /* the k nearest that can serve the rider, in order: vehicle 1 left out */
    rt_step (e, 1, 0, vehs, 3, NULL, 0, NULL, 0);
    uint32_t ids[3];
    int64_t etas[3];
    ck_assert_uint_eq (disp_engine_idle_for_k (e, &reqs[0], DISP_FLEET_ROBOTAXI, RT_HOUR_MS, 3, ids, etas), 2);
    ck_assert_uint_eq (ids[0], 2);
    ck_assert_uint_eq (ids[1], 3);
    ck_assert_int_eq (disp_engine_can_serve (e, &reqs[0], 1), 0);
    ck_assert_int_eq (disp_engine_can_serve (e, &reqs[0], 2), 1);
    /* a place-only search still sees vehicle 1 first (it ignores reach) */
    ck_assert_uint_eq (disp_engine_nearest_idle_k (e, 55, DISP_FLEET_ROBOTAXI, RT_HOUR_MS, 1, ids, etas), 1);
    ck_assert_uint_eq (ids[0], 1);

    /* Batch decides at the end of its 30 s window: step at 0 (riders in), then at 30 s. */
    disp_decisions_t d = rt_step (e, 2, 0, NULL, 0, reqs, 3, NULL, 0);
    if (d.assignment_count == 0) d = rt_step (e, 3, 30000, NULL, 0, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 2);
    int seen[4] = {0};
    for (size_t i = 0; i < d.assignment_count; i++)
        seen[d.assignments[i].vehicle_id] = 1;
    ck_assert_msg (seen[2] && seen[3] && !seen[1], "vehicles 2 and 3 should serve, never vehicle 1");
    ck_assert_uint_eq (disp_engine_pending_count (e), 1);

    /* Vehicle 1 reports a longer reach (charged): the waiting rider gets it. */
    vehs[0].range_m = 50;
    d = rt_step (e, 4, 60000, vehs, 1, NULL, 0, NULL, 0);
    if (d.assignment_count == 0) d = rt_step (e, 5, 90000, NULL, 0, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 1);
    ck_assert_uint_eq (disp_engine_pending_count (e), 0);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

/* On a random city with random reaches, in free flow and in traffic: the vehicles a rider search offers are exactly
 * the nearest ones whose reach covers the pickup plus the ride, both routed (the engine skips most routes through
 * bounds; a wrong bound shows here as a vehicle offered out of reach or one left out). */
START_TEST (test_reach_matches_brute_force)
{
    map_net_t *net = rt_city ();
    uint32_t n = (uint32_t)map_graph_node_count (map_net_graph (net));
    enum { VEHICLES = 120, K = 6 };
    disp_vehicle_t vehs[VEHICLES];
    uint64_t state = 11;
    for (uint32_t i = 0; i < VEHICLES; i++) {
        vehs[i] = rt_vehicle (i, i % 3 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE,
                              (uint32_t)rt_next (&state) % n);
        vehs[i].range_limited = i % 7 != 0; /* a few without a reach */
        /* short reaches (most rides do not fit) and long ones (most fit, many by the bounds alone) */
        vehs[i].range_m = (double)((uint32_t)rt_next (&state) % (i % 2 ? 20000 : 150000));
    }
    double factors[] = {1.0, 1.37};
    size_t offered = 0, passed_over = 0;
    for (int f = 0; f < 2; f++) {
        disp_engine_t *e = rt_engine (net, "nearest", RT_HOUR_MS, VEHICLES, factors[f], NULL);
        rt_step (e, 1, 0, vehs, VEHICLES, NULL, 0, NULL, 0);
        for (int q = 0; q < 200; q++) {
            disp_request_t r = rt_request ((uint64_t)q, 0, (uint32_t)rt_next (&state) % n,
                                           (uint32_t)rt_next (&state) % n,
                                           q % 2 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
            uint32_t all[VEHICLES], want[K], got[K];
            int64_t all_eta[VEHICLES], want_eta[K], got_eta[K];
            size_t count = disp_engine_nearest_idle_k (e, r.origin.node, (disp_fleet_t)r.fleet, RT_HOUR_MS,
                                                       VEHICLES, all, all_eta);
            double trip_m = 0;
            int trip_ok = r.origin.node == r.destination.node ||
                          disp_engine_route_length (e, r.origin.node, r.destination.node, &trip_m) == 0;
            size_t nwant = 0;
            for (size_t i = 0; i < count && nwant < K; i++) {
                const disp_vehicle_t *v = &vehs[all[i]];
                double pickup_m = 0;
                if (v->position.node != r.origin.node)
                    ck_assert_int_eq (disp_engine_route_length (e, v->position.node, r.origin.node, &pickup_m), 0);
                int fits = !v->range_limited || (trip_ok && pickup_m + trip_m <= v->range_m);
                ck_assert_int_eq (disp_engine_can_serve (e, &r, all[i]), fits);
                if (!fits) {
                    passed_over++;
                    continue;
                }
                want[nwant] = all[i];
                want_eta[nwant++] = all_eta[i];
            }
            size_t ngot = disp_engine_idle_for_k (e, &r, (disp_fleet_t)r.fleet, RT_HOUR_MS, K, got, got_eta);
            ck_assert_uint_eq (ngot, nwant);
            for (size_t i = 0; i < ngot; i++) {
                ck_assert_uint_eq (got[i], want[i]);
                ck_assert_int_eq (got_eta[i], want_eta[i]);
            }
            uint32_t one;
            int64_t one_eta;
            int rc = disp_engine_idle_for (e, &r, (disp_fleet_t)r.fleet, RT_HOUR_MS, &one, &one_eta);
            ck_assert_int_eq (rc, nwant ? 0 : -1);
            if (nwant) ck_assert_uint_eq (one, want[0]);
            offered += nwant;
        }
        disp_engine_destroy (&e);
    }
    /* both outcomes were tried many times */
    ck_assert_uint_gt (offered, 500);
    ck_assert_uint_gt (passed_over, 500);
    map_net_destroy (&net);
}
END_TEST

/* Policy charge-early: in its hours (12-14 h by default) the robotaxis still idle after the riders were served and
 * whose reach is below charge_early_reach_m (150 km) go to charge; others, human drivers and vehicles without a
 * reach stay; outside its hours nobody is sent. A vehicle sent counts as offline until reported again. */
START_TEST (test_charge_early_sends_low_robotaxis_in_its_hours)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, "charge-early", RT_HOUR_MS, 100, 1.0, NULL);
    disp_vehicle_t vehs[] = {rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 10),
                             rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 20),
                             rt_vehicle (3, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 30),
                             rt_vehicle (4, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 40),
                             rt_vehicle (5, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 54)};
    double reach[] = {100000, 200000, -1, 50000, 90000}; /* -1: no reach reported */
    for (int i = 0; i < 5; i++) {
        vehs[i].range_limited = reach[i] >= 0;
        vehs[i].range_m = reach[i] >= 0 ? reach[i] : 0;
    }
    /* 11:59: before the hours */
    disp_decisions_t d = rt_step (e, 1, 11 * RT_HOUR_MS + 59 * 60000, vehs, 5, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.charge_count, 0);
    /* 12:30: a robotaxi rider at 55 takes vehicle 5 first; then vehicle 1 (100 km) is sent, 2 (200 km), 3 (no
     * reach) and the human driver 4 stay */
    disp_request_t r = rt_request (9, 12 * RT_HOUR_MS + 30 * 60000, 55, 59, DISP_FLEET_ROBOTAXI, 0, 13 * RT_HOUR_MS);
    d = rt_step (e, 2, 12 * RT_HOUR_MS + 30 * 60000, NULL, 0, &r, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 5);
    ck_assert_uint_eq (d.charge_count, 1);
    ck_assert_uint_eq (d.charges[0], 1);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 2);
    /* sent once: the next step sends nobody, and a rider near vehicle 1 gets another one */
    r = rt_request (10, 12 * RT_HOUR_MS + 31 * 60000, 10, 11, DISP_FLEET_ROBOTAXI, 0, 13 * RT_HOUR_MS);
    d = rt_step (e, 3, 12 * RT_HOUR_MS + 31 * 60000, NULL, 0, &r, 1, NULL, 0);
    ck_assert_uint_eq (d.charge_count, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_ne (d.assignments[0].vehicle_id, 1);
    /* vehicle 1 back, charged a little: 14:00 is past the hours */
    vehs[0].range_m = 120000;
    d = rt_step (e, 4, 14 * RT_HOUR_MS, vehs, 1, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.charge_count, 0);
    disp_engine_destroy (&e);

    /* other hours and reach given as parameters; a day later the same hours again */
    disp_params_t params = {.charge_early_hours = 1u << 3, .charge_early_reach_m = 250000};
    e = rt_engine (g, "charge-early", RT_HOUR_MS, 100, 1.0, &params);
    d = rt_step (e, 1, 24 * RT_HOUR_MS + 3 * RT_HOUR_MS, vehs, 5, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.charge_count, 3); /* robotaxis 1, 2 and 5 */
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_never_the_other_fleet)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, "nearest", RT_HOUR_MS, 100, 1.0, NULL);
    /* A robotaxi waits right at the rider's corner; the rider asked for a human driver, 9 + 9 edges away. */
    disp_vehicle_t vehs[] = {rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 55),
                             rt_vehicle (1, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 99)};
    disp_request_t req = rt_request (7, 0, 0, MAP_NODE_NONE, DISP_FLEET_HUMAN, 0, RT_FAR_MS);
    disp_decisions_t d = rt_step (e, 1, 0, vehs, 2, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 1);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 18 * S_EDGE_MS);

    /* Now only the robotaxi is idle: the next human rider waits. */
    req = rt_request (8, 0, 55, MAP_NODE_NONE, DISP_FLEET_HUMAN, 0, RT_FAR_MS);
    d = rt_step (e, 2, 0, NULL, 0, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);
    ck_assert_uint_eq (disp_engine_pending_count (e), 1);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 1);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_HUMAN), 0);

    /* The robotaxi changes fleet (a test of the mirror, not of policy): now it serves the human rider. */
    disp_vehicle_t moved = rt_vehicle (0, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 56);
    d = rt_step (e, 3, 0, &moved, 1, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].request_id, 8);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 0);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 0);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_any_fleet_rider_gets_the_nearer_fleet)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, "nearest", RT_HOUR_MS, 100, 1.0, NULL);
    /* A rider at 0 who asked for a human driver but takes either: the robotaxi 2 edges away beats the human driver 5
     * edges away. */
    disp_vehicle_t vehs[] = {rt_vehicle (3, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 5),
                             rt_vehicle (4, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 2)};
    disp_request_t req = rt_request (1, 0, 0, MAP_NODE_NONE, DISP_FLEET_HUMAN, 1, RT_FAR_MS);
    disp_decisions_t d = rt_step (e, 1, 0, vehs, 2, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 4);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 2 * S_EDGE_MS);

    /* The next one, at 9, has the human driver 4 edges away and a new robotaxi 4 edges away on the other side: a tie
     * goes to the rider's own fleet. */
    disp_vehicle_t robotaxi = rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 19 + 10 * 3);
    req = rt_request (2, 1000, 9, MAP_NODE_NONE, DISP_FLEET_HUMAN, 1, RT_FAR_MS);
    d = rt_step (e, 2, 1000, &robotaxi, 1, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 3);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 4 * S_EDGE_MS);

    /* A robotaxi rider who accepts either, with no robotaxi free but the one far away and a human driver next door:
     * the human driver. */
    disp_vehicle_t human = rt_vehicle (7, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 91);
    req = rt_request (3, 2000, 90, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 1, RT_FAR_MS);
    d = rt_step (e, 3, 2000, &human, 1, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 7);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, S_EDGE_MS);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_max_pickup_and_traffic)
{
    map_net_t *g = s_grid (10);
    /* Limit 30 s: a vehicle 4 edges away is too far, 3 edges is exactly at the limit. */
    disp_engine_t *e = rt_engine (g, "nearest", 3 * S_EDGE_MS, 100, 1.0, NULL);
    disp_vehicle_t far = rt_vehicle (5, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 4);
    disp_request_t req = rt_request (1, 0, 0, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    disp_decisions_t d = rt_step (e, 1, 0, &far, 1, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);
    disp_vehicle_t near = rt_vehicle (6, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 3);
    d = rt_step (e, 2, 1000, &near, 1, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 6);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 3 * S_EDGE_MS);
    disp_engine_destroy (&e);

    /* Rush hour doubles travel times: 2 edges is now 40 s, over the limit; 1 edge is 20 s. */
    e = rt_engine (g, "nearest", 3 * S_EDGE_MS, 100, 2.0, NULL);
    disp_vehicle_t two = rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 2);
    d = rt_step (e, 1, 0, &two, 1, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);
    disp_vehicle_t one = rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 10);
    d = rt_step (e, 2, 0, &one, 1, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 2);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 2 * S_EDGE_MS);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_rider_deadline)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, "nearest", RT_HOUR_MS, 100, 1.0, NULL);
    /* The rider gives up at 25 s; the only vehicle is 30 s away. */
    disp_vehicle_t v = rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 3);
    disp_request_t req = rt_request (1, 0, 0, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, 25000);
    disp_decisions_t d = rt_step (e, 1, 0, &v, 1, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);
    ck_assert_uint_eq (disp_engine_pending_count (e), 1);
    /* At 25 s the rider is gone, even with a vehicle at the door. */
    disp_vehicle_t door = rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 0);
    d = rt_step (e, 2, 25000, &door, 1, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);
    ck_assert_uint_eq (disp_engine_pending_count (e), 0);

    /* A rider whose deadline leaves exactly the drive time is served. */
    req = rt_request (2, 26000, 4, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, 26000 + S_EDGE_MS);
    d = rt_step (e, 3, 26000, NULL, 0, &req, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 0);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_busy_vehicle_not_reused_until_idle)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, "nearest", RT_HOUR_MS, 100, 1.0, NULL);
    disp_vehicle_t v = rt_vehicle (3, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 11);
    disp_request_t reqs[] = {rt_request (1, 0, 12, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (2, 0, 13, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS)};
    disp_decisions_t d = rt_step (e, 1, 0, &v, 1, reqs, 2, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].request_id, 1);
    ck_assert_uint_eq (disp_engine_pending_count (e), 1);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 0);

    /* The simulator reports it busy, then nothing: rider 2 keeps waiting. */
    v.status = DISP_VEH_BUSY;
    d = rt_step (e, 2, 1000, &v, 1, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);
    d = rt_step (e, 3, 2000, NULL, 0, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);

    /* Dropped rider 1 off at node 19: idle again, it takes rider 2 (6 edges: 19 -> 13). */
    v = rt_vehicle (3, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 19);
    d = rt_step (e, 4, 3000, &v, 1, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].request_id, 2);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 3);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 6 * S_EDGE_MS);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_cancelled_never_assigned)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, "nearest", RT_HOUR_MS, 100, 1.0, NULL);
    disp_request_t reqs[] = {rt_request (1, 0, 0, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (2, 0, 9, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (3, 0, 90, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS)};
    /* Rider 3 gives up in the very tick that brings the request. */
    uint64_t gone3 = 3;
    disp_decisions_t d = rt_step (e, 1, 0, NULL, 0, reqs, 3, &gone3, 1);
    ck_assert_uint_eq (d.assignment_count, 0);
    ck_assert_uint_eq (disp_engine_pending_count (e), 2);
    /* Rider 1 gives up as a vehicle appears next to them; rider 2 gets it. Unknown ids are ignored. */
    uint64_t gone[] = {1, 12345};
    disp_vehicle_t v = rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 0);
    d = rt_step (e, 2, 1000, &v, 1, NULL, 0, gone, 2);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].request_id, 2);
    ck_assert_uint_eq (disp_engine_pending_count (e), 0);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

START_TEST (test_arrival_order)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, "nearest", RT_HOUR_MS, 100, 1.0, NULL);
    /* Two riders equally far from the only vehicle; the one who asked first (time_ms) is served first, whatever the
     * order in the tick. */
    disp_vehicle_t v = rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 55);
    disp_request_t reqs[] = {rt_request (10, 500, 54, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                             rt_request (11, 400, 56, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS)};
    disp_decisions_t d = rt_step (e, 1, 1000, &v, 1, reqs, 2, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].request_id, 11);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

/* ---- limits ---- */

/* Runs the same valid ticks on two engines, one of which also sees `bad` in the middle; both must end the same. */
static void s_check_bad_tick_leaves_no_trace (const disp_tick_t *bad, const char *expect_in_err)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *a = rt_engine (g, "nearest", RT_HOUR_MS, 100, 1.0, NULL);
    disp_engine_t *b = rt_engine (g, "nearest", RT_HOUR_MS, 100, 1.0, NULL);
    disp_vehicle_t v1[] = {rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 0)};
    disp_request_t r1 = rt_request (1, 5000, 99, MAP_NODE_NONE, DISP_FLEET_HUMAN, 0, RT_FAR_MS);
    rt_step (a, 1, 5000, v1, 1, &r1, 1, NULL, 0);
    rt_step (b, 1, 5000, v1, 1, &r1, 1, NULL, 0);

    disp_decisions_t out;
    char err[256] = "";
    ck_assert_int_eq (disp_engine_step (a, bad, &out, err, sizeof err), -1);
    ck_assert_msg (strstr (err, expect_in_err), "'%s' does not say '%s'", err, expect_in_err);
    ck_assert_uint_eq (disp_engine_pending_count (a), 1);
    ck_assert_uint_eq (disp_engine_idle_count (a, DISP_FLEET_ROBOTAXI), 1);
    ck_assert_uint_eq (disp_engine_idle_count (a, DISP_FLEET_HUMAN), 0);

    disp_vehicle_t v2[] = {rt_vehicle (2, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 98)};
    disp_request_t r2 = rt_request (2, 6000, 1, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    disp_decisions_t da = rt_step (a, 2, 6000, v2, 1, &r2, 1, NULL, 0);
    disp_decisions_t db = rt_step (b, 2, 6000, v2, 1, &r2, 1, NULL, 0);
    ck_assert_uint_eq (da.assignment_count, 2);
    ck_assert_uint_eq (db.assignment_count, 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq (da.assignments[i].request_id, db.assignments[i].request_id);
        ck_assert_uint_eq (da.assignments[i].vehicle_id, db.assignments[i].vehicle_id);
        ck_assert_int_eq (da.assignments[i].pickup_eta_ms, db.assignments[i].pickup_eta_ms);
    }
    ck_assert_uint_eq (da.assignments[0].request_id, 1);
    ck_assert_uint_eq (da.assignments[0].vehicle_id, 2);
    ck_assert_int_eq (da.assignments[0].pickup_eta_ms, S_EDGE_MS);
    ck_assert_uint_eq (da.assignments[1].vehicle_id, 1);
    disp_engine_destroy (&a);
    disp_engine_destroy (&b);
    map_net_destroy (&g);
}

START_TEST (test_invalid_ticks_change_nothing)
{
    /* Each bad tick starts with valid updates that would change the outcome if applied: a human vehicle next to
     * the waiting human rider, a cancellation, a new request. */
    disp_request_t new_req = rt_request (50, 5000, 0, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    uint64_t cancel_1 = 1;

    disp_vehicle_t past_capacity[] = {rt_vehicle (7, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 99),
                                      rt_vehicle (100, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 99)};
    disp_tick_t t = {.step = 9,
                     .now_ms = 5000,
                     .vehicles = past_capacity,
                     .vehicle_count = 2,
                     .requests = &new_req,
                     .request_count = 1,
                     .cancelled = &cancel_1,
                     .cancelled_count = 1};
    s_check_bad_tick_leaves_no_trace (&t, "tick.vehicles[1].id: 100");

    disp_vehicle_t bad_node[] = {rt_vehicle (7, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 99),
                                 rt_vehicle (8, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 100)};
    t.vehicles = bad_node;
    s_check_bad_tick_leaves_no_trace (&t, "tick.vehicles[1].position.node: 100 is not a node");

    disp_vehicle_t no_node[] = {rt_vehicle (7, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 99),
                                rt_vehicle (8, DISP_FLEET_HUMAN, DISP_VEH_IDLE, MAP_NODE_NONE)};
    t.vehicles = no_node;
    s_check_bad_tick_leaves_no_trace (&t, "tick.vehicles[1].position: node missing");

    disp_vehicle_t bad_reach[] = {rt_vehicle (7, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 99),
                                  rt_vehicle (8, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 3)};
    bad_reach[1].range_limited = 1;
    bad_reach[1].range_m = NAN;
    t.vehicles = bad_reach;
    s_check_bad_tick_leaves_no_trace (&t, "tick.vehicles[1].range_m: nan is not a distance");
    bad_reach[1].range_m = -5;
    s_check_bad_tick_leaves_no_trace (&t, "tick.vehicles[1].range_m: -5 is not a distance");
    bad_reach[1].range_limited = 2;
    bad_reach[1].range_m = 5;
    s_check_bad_tick_leaves_no_trace (&t, "tick.vehicles[1].range_limited: 2 is not 0 or 1");

    disp_vehicle_t bad_fleet[] = {rt_vehicle (7, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 99),
                                  rt_vehicle (8, (disp_fleet_t)5, DISP_VEH_IDLE, 3)};
    t.vehicles = bad_fleet;
    s_check_bad_tick_leaves_no_trace (&t, "tick.vehicles[1].fleet: 5 is not a fleet");

    t.vehicles = past_capacity;
    t.vehicle_count = 1;
    disp_request_t bad_req[] = {rt_request (60, 5000, 0, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS),
                                rt_request (61, 5000, 1000, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS)};
    t.requests = bad_req;
    t.request_count = 2;
    s_check_bad_tick_leaves_no_trace (&t, "tick.requests[1].origin.node: 1000 is not a node");

    t.requests = &new_req;
    t.request_count = 1;
    t.now_ms = 4999;
    s_check_bad_tick_leaves_no_trace (&t, "tick.now_ms: 4999 is before the previous step's 5000");
}
END_TEST

START_TEST (test_unknown_policy_and_bad_config)
{
    map_net_t *g = s_grid (3);
    map_traffic_t traffic;
    map_traffic_flat (&traffic, 1.0);
    disp_config_t cfg = {.policy = "fastest", .max_pickup_ms = 1000, .vehicle_capacity = 10};
    char err[256] = "";
    ck_assert_ptr_null (disp_engine_new (g, &traffic, &cfg, err, sizeof err));
    /* the message lists every policy */
    char names[128], expect[256];
    disp_policy_names (names, sizeof names);
    ck_assert_msg (strstr (names, "nearest") && strstr (names, "batch") && strstr (names, "cost"), "%s", names);
    snprintf (expect, sizeof expect, "dispatch.policy: 'fastest' is not a policy (%s)", names);
    ck_assert_str_eq (err, expect);

    strcpy (cfg.policy, "nearest");
    cfg.vehicle_capacity = 0;
    ck_assert_ptr_null (disp_engine_new (g, &traffic, &cfg, err, sizeof err));
    ck_assert_msg (strstr (err, "dispatch.vehicle_capacity: 0"), "%s", err);

    cfg.vehicle_capacity = 10;
    traffic.hour_factor[3] = 0.5;
    ck_assert_ptr_null (disp_engine_new (g, &traffic, &cfg, err, sizeof err));
    ck_assert_msg (strstr (err, "traffic.hour_factor[3]"), "%s", err);

    const disp_policy_t *list;
    ck_assert_uint_ge (disp_policy_list (&list), 1);
    ck_assert_str_eq (list[0].name, "nearest");
    ck_assert_ptr_eq (disp_policy_find ("nearest"), &list[0]);
    ck_assert_ptr_null (disp_policy_find ("Nearest"));
    ck_assert_ptr_null (disp_policy_find (NULL));
    map_net_destroy (&g);
}
END_TEST

/* Many vehicles and riders on one node and across the grid: every rider is served exactly once, every vehicle used
 * at most once, in the same order on every run. */
START_TEST (test_crowd)
{
    map_net_t *g = s_grid (10);
    disp_engine_t *e = rt_engine (g, "nearest", RT_HOUR_MS, 1000, 1.0, NULL);
    disp_vehicle_t vehs[600];
    for (uint32_t i = 0; i < 600; i++)
        vehs[i] = rt_vehicle (999 - i, i % 2 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, i % 100);
    disp_request_t reqs[500];
    for (uint64_t i = 0; i < 500; i++)
        reqs[i] = rt_request (i, (int64_t)i, (uint32_t)((i * 37) % 100), MAP_NODE_NONE,
                              i % 3 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    disp_decisions_t d = rt_step (e, 1, 1000, vehs, 600, reqs, 500, NULL, 0);
    /* 300 vehicles per fleet; 167 robotaxi riders and 333 human riders: 167 + 300 served. */
    ck_assert_uint_eq (d.assignment_count, 467);
    ck_assert_uint_eq (disp_engine_pending_count (e), 33);
    uint8_t used[1000] = {0};
    for (size_t i = 0; i < d.assignment_count; i++) {
        ck_assert (!used[d.assignments[i].vehicle_id]);
        used[d.assignments[i].vehicle_id] = 1;
    }
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 300 - 167);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_HUMAN), 0);
    disp_engine_destroy (&e);
    map_net_destroy (&g);
}
END_TEST

/* The nearest idle vehicle is exactly the one a brute force over every idle vehicle of the fleet finds with plain A*
 * (map_route), ties to the lower id, within the limit, at any traffic factor: through the local search alone, through
 * the hierarchy's buckets alone (budget 0) or the spatial index walk alone, and mixes (a small budget). Run on the
 * embedded city, with several vehicles sharing nodes. */
START_TEST (test_nearest_matches_brute_force)
{
    map_net_t *net = rt_city ();
    const map_graph_t *g = map_net_graph (net);
    uint32_t n = (uint32_t)map_graph_node_count (g);
    map_router_t *router = map_router_new (g);
    enum { VEHICLES = 240 };
    disp_vehicle_t vehs[VEHICLES];
    uint64_t state = 7;
    for (uint32_t i = 0; i < VEHICLES; i++) {
        /* Every fourth vehicle shares the node of the one before it, so ties happen. */
        uint32_t node = (i % 4 == 3) ? vehs[i - 1].position.node : (uint32_t)rt_next (&state) % n;
        disp_fleet_t fleet = (uint32_t)rt_next (&state) % 2 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI;
        disp_vehicle_status_t status = (uint32_t)rt_next (&state) % 5 ? DISP_VEH_IDLE : DISP_VEH_BUSY;
        vehs[i] = rt_vehicle (i, fleet, status, node);
    }
    /* Past the local search: the hierarchy's buckets (the default) or the index walk; case 9 caps the buckets' memory
     * below their per-node arrays (2 KiB: no buckets at all), case 10 just above them, with room for 600 entries (150
     * for each fleet's watch, 300 for both fleets' vehicles): each fleet's first search runs out while filing its idle
     * vehicles and falls back to the walk there. */
    double factors[] = {1.0, 1.37, 1.0, 1.37, 1.0, 1.0, 1.37, 1.0, 1.37, 1.0, 1.37};
    size_t budgets[] = {0, 0, 40, 40, 1u << 20, 0, 0, 40, 40, 0, 0};
    int buckets[] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1};
    for (int f = 0; f < 11; f++) {
        disp_engine_t *e = rt_engine (net, "nearest", RT_HOUR_MS, VEHICLES, factors[f], NULL);
        disp_engine_set_local_budget (e, budgets[f]);
        ck_assert_int_eq (disp_engine_set_buckets (e, buckets[f]), 0);
        ck_assert_int_eq (disp_engine_buckets (e, DISP_FLEET_HUMAN, NULL), buckets[f]);
        if (f == 9) ck_assert_int_eq (disp_engine_set_search_memory (e, 2048), 0);
        if (f == 10) { /* the per-node arrays (368 bytes a node), then 600 entries */
            ck_assert_uint_eq (2 * (map_ch_sources_node_bytes () + map_ch_watch_node_bytes ()) + 2 * 24, 368);
            ck_assert_int_eq (
                disp_engine_set_search_memory (e, (size_t)n * 368 + 4 * 150 * map_ch_sources_entry_bytes ()), 1);
            ck_assert_int_eq (disp_engine_buckets (e, DISP_FLEET_ROBOTAXI, NULL), 1);
        }
        rt_step (e, 1, 0, vehs, VEHICLES, NULL, 0, NULL, 0);
        map_traffic_t traffic;
        map_traffic_flat (&traffic, factors[f]);
        for (int q = 0; q < 300; q++) {
            uint32_t target = (uint32_t)rt_next (&state) % n;
            disp_fleet_t fleet = q % 2 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI;
            int64_t limit_ms = (q % 3 == 0) ? 120000 + (uint32_t)rt_next (&state) % 240000 : 20 * 60000;
            int64_t free_limit_ms = (int64_t)floor ((double)limit_ms / factors[f]);
            uint32_t best = UINT32_MAX;
            int64_t best_free = 0;
            for (uint32_t i = 0; i < VEHICLES; i++) {
                if (vehs[i].status != DISP_VEH_IDLE || vehs[i].fleet != fleet) continue;
                map_route_t r;
                if (map_router_route (router, vehs[i].position.node, target, &r) < 0) continue;
                if (r.time_ms > free_limit_ms) continue;
                if (best == UINT32_MAX || r.time_ms < best_free || (r.time_ms == best_free && i < best)) {
                    best = i;
                    best_free = r.time_ms;
                }
            }
            uint32_t got;
            int64_t eta;
            int rc = disp_engine_nearest_idle (e, target, fleet, limit_ms, &got, &eta);
            int64_t expect_eta = best == UINT32_MAX ? -1 : map_traffic_time (&traffic, 0, best_free);
            if (expect_eta > limit_ms) best = UINT32_MAX;
            ck_assert_int_eq (rc, best == UINT32_MAX ? -1 : 0);
            if (rc == 0) {
                ck_assert_uint_eq (got, best);
                ck_assert_int_eq (eta, expect_eta);
            }
        }
        if (f >= 9) { /* the cap was reached: both fleets search without buckets now */
            ck_assert_int_eq (disp_engine_buckets (e, DISP_FLEET_HUMAN, NULL), 0);
            ck_assert_int_eq (disp_engine_buckets (e, DISP_FLEET_ROBOTAXI, NULL), 0);
        }
        disp_engine_destroy (&e);
    }
    map_router_destroy (&router);
    map_net_destroy (&net);
}
END_TEST

/* A service's cap on the buckets (robotaxi-dispatcher --max-search-mb) is shared: a session with thousands of human
 * drivers and a few robotaxis keeps the human drivers' buckets with a cap that holds all of their entries but not
 * twice them (split evenly between the fleets' vehicles and watches, as the cap once was, it would not); a cap
 * below what they need sends that fleet to the index walk. */
START_TEST (test_search_memory_shared_between_fleets)
{
    map_net_t *net = rt_city ();
    size_t n = map_graph_node_count (map_net_graph (net));
    enum { HUMANS = 400, ROBOTAXIS = 4 };
    disp_vehicle_t vehs[HUMANS + ROBOTAXIS];
    uint64_t state = 99;
    for (uint32_t i = 0; i < HUMANS + ROBOTAXIS; i++)
        vehs[i] = rt_vehicle (i, i < HUMANS ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE,
                              (uint32_t)(rt_next (&state) % n));
    /* what the human drivers' buckets hold without a cap */
    disp_engine_t *e = rt_engine (net, "nearest", 20 * 60000, HUMANS + ROBOTAXIS, 1.0, NULL);
    rt_step (e, 1, 0, vehs, HUMANS + ROBOTAXIS, NULL, 0, NULL, 0);
    uint32_t got;
    int64_t eta;
    ck_assert_int_eq (disp_engine_nearest_idle (e, 0, DISP_FLEET_HUMAN, 20 * 60000, &got, &eta), 0);
    size_t need = 0;
    ck_assert_int_eq (disp_engine_buckets (e, DISP_FLEET_HUMAN, &need), 1);
    ck_assert_uint_gt (need, HUMANS);
    disp_engine_destroy (&e);
    size_t arrays = n * (2 * (map_ch_sources_node_bytes () + map_ch_watch_node_bytes ()) + 2 * 24);
    for (int fits = 1; fits >= 0; fits--) {
        /* fits: entries for twice what they need (three quarters of it for both fleets' vehicles); else for half */
        size_t entries = fits ? 2 * need : need / 2;
        e = rt_engine (net, "nearest", 20 * 60000, HUMANS + ROBOTAXIS, 1.0, NULL);
        ck_assert_int_eq (disp_engine_set_search_memory (e, arrays + entries * map_ch_sources_entry_bytes ()), 1);
        rt_step (e, 1, 0, vehs, HUMANS + ROBOTAXIS, NULL, 0, NULL, 0);
        uint32_t got_capped;
        int64_t eta_capped;
        ck_assert_int_eq (disp_engine_nearest_idle (e, 0, DISP_FLEET_HUMAN, 20 * 60000, &got_capped, &eta_capped), 0);
        ck_assert_uint_eq (got_capped, got); /* the same answer either way */
        ck_assert_int_eq (eta_capped, eta);
        ck_assert_int_eq (disp_engine_buckets (e, DISP_FLEET_HUMAN, NULL), fits);
        disp_engine_destroy (&e);
    }
    map_net_destroy (&net);
}
END_TEST

/* ---- resync: a new engine given what a client kept decides as the lost one would have ---- */

#define S_CARS     48  /* vehicle ids 0..47: robotaxis the even ones, human drivers the odd ones */
#define S_STEPS    240 /* 40 minutes of 10 s steps */
#define S_STEP_MS  10000
#define S_START_MS (7 * RT_HOUR_MS)

/* What a lockstep client keeps of its session (as disp_link does): every vehicle's last state, the riders waiting in
 * arrival order, the previous step's time, the rebalancer's state of the last decisions carrying one (deep copy) and
 * every request sent since. */
typedef struct {
    disp_vehicle_t known[S_CARS];
    int is_known[S_CARS];
    disp_request_t waiting[4096];
    size_t waiting_count;
    int has_previous;
    int64_t previous_ms;
    int has_rebalance;
    disp_rebalance_state_t rebalance;
    disp_zone_demand_t zones[4096];
    disp_rebalance_order_t orders[S_CARS];
    disp_request_t observed[4096];
    size_t observed_count;
} s_kept_t;

static int s_cancelled_in (uint64_t id, const disp_tick_t *t)
{
    for (size_t i = 0; i < t->cancelled_count; i++)
        if (t->cancelled[i] == id) return 1;
    return 0;
}

/* The client sends tick t: vehicle states, then cancellations and expiries, then new riders; all requests count for
 * the rebalancer. */
static void s_kept_send (s_kept_t *k, const disp_tick_t *t)
{
    for (size_t i = 0; i < t->vehicle_count; i++) {
        k->known[t->vehicles[i].id] = t->vehicles[i];
        k->is_known[t->vehicles[i].id] = 1;
    }
    size_t kept = 0;
    for (size_t i = 0; i < k->waiting_count; i++)
        if (!s_cancelled_in (k->waiting[i].id, t) && k->waiting[i].deadline_ms > t->now_ms)
            k->waiting[kept++] = k->waiting[i];
    k->waiting_count = kept;
    for (size_t i = 0; i < t->request_count; i++) {
        if (!s_cancelled_in (t->requests[i].id, t) && t->requests[i].deadline_ms > t->now_ms) {
            ck_assert_uint_lt (k->waiting_count, sizeof k->waiting / sizeof k->waiting[0]);
            k->waiting[k->waiting_count++] = t->requests[i];
        }
        ck_assert_uint_lt (k->observed_count, sizeof k->observed / sizeof k->observed[0]);
        k->observed[k->observed_count++] = t->requests[i];
    }
}

/* The client applies decisions d of the step at now_ms. */
static void s_kept_decided (s_kept_t *k, const disp_decisions_t *d, int64_t now_ms)
{
    for (size_t i = 0; i < d->assignment_count; i++) {
        k->known[d->assignments[i].vehicle_id].status = DISP_VEH_BUSY;
        size_t kept = 0;
        for (size_t w = 0; w < k->waiting_count; w++)
            if (k->waiting[w].id != d->assignments[i].request_id) k->waiting[kept++] = k->waiting[w];
        k->waiting_count = kept;
    }
    for (size_t i = 0; i < d->reposition_count; i++)
        k->known[d->repositions[i].vehicle_id].status = DISP_VEH_BUSY;
    k->has_previous = 1;
    k->previous_ms = now_ms;
    if (d->rebalance) {
        ck_assert_uint_le (d->rebalance->zone_count, sizeof k->zones / sizeof k->zones[0]);
        ck_assert_uint_le (d->rebalance->order_count, S_CARS);
        for (size_t i = 0; i < d->rebalance->zone_count; i++)
            k->zones[i] = d->rebalance->zones[i];
        for (size_t i = 0; i < d->rebalance->order_count; i++)
            k->orders[i] = d->rebalance->orders[i];
        k->rebalance = *d->rebalance;
        k->rebalance.zones = k->zones;
        k->rebalance.orders = k->orders;
        k->has_rebalance = 1;
        k->observed_count = 0;
    }
}

/* The resync tick for step t: the whole kept state with t's step, time and nothing else. */
static disp_tick_t s_kept_resync (s_kept_t *k, const disp_tick_t *t, disp_vehicle_t *vehs)
{
    size_t nv = 0;
    for (uint32_t v = 0; v < S_CARS; v++)
        if (k->is_known[v]) vehs[nv++] = k->known[v];
    return (disp_tick_t){.step = t->step,
                         .now_ms = t->now_ms,
                         .vehicles = vehs,
                         .vehicle_count = nv,
                         .requests = k->waiting,
                         .request_count = k->waiting_count,
                         .resync = 1,
                         .has_previous = k->has_previous,
                         .previous_ms = k->previous_ms,
                         .rebalance = k->has_rebalance ? &k->rebalance : NULL,
                         .observed = k->observed,
                         .observed_count = k->observed_count};
}

static void s_same_decisions (const disp_decisions_t *a, const disp_decisions_t *b, uint64_t step)
{
    ck_assert_msg (a->assignment_count == b->assignment_count, "step %llu: %zu assignments, resynced %zu",
                   (unsigned long long)step, a->assignment_count, b->assignment_count);
    for (size_t i = 0; i < a->assignment_count; i++) {
        ck_assert_uint_eq (a->assignments[i].request_id, b->assignments[i].request_id);
        ck_assert_uint_eq (a->assignments[i].vehicle_id, b->assignments[i].vehicle_id);
        ck_assert_int_eq (a->assignments[i].pickup_eta_ms, b->assignments[i].pickup_eta_ms);
    }
    ck_assert_msg (a->reposition_count == b->reposition_count, "step %llu: %zu repositions, resynced %zu",
                   (unsigned long long)step, a->reposition_count, b->reposition_count);
    for (size_t i = 0; i < a->reposition_count; i++) {
        ck_assert_uint_eq (a->repositions[i].vehicle_id, b->repositions[i].vehicle_id);
        ck_assert_uint_eq (a->repositions[i].target.node, b->repositions[i].target.node);
        ck_assert_int_eq (a->repositions[i].eta_ms, b->repositions[i].eta_ms);
    }
    ck_assert_msg ((a->rebalance == NULL) == (b->rebalance == NULL), "step %llu: rebalancer ran on one side only",
                   (unsigned long long)step);
    if (!a->rebalance) return;
    ck_assert_int_eq (a->rebalance->run_ms, b->rebalance->run_ms);
    ck_assert_int_eq (a->rebalance->decay_ms, b->rebalance->decay_ms);
    ck_assert_uint_eq (a->rebalance->zone_count, b->rebalance->zone_count);
    ck_assert_uint_eq (a->rebalance->order_count, b->rebalance->order_count);
    /* bit for bit: the decayed demand goes on from these figures */
    for (size_t i = 0; i < a->rebalance->zone_count; i++) {
        const disp_zone_demand_t *za = &a->rebalance->zones[i], *zb = &b->rebalance->zones[i];
        ck_assert_uint_eq (za->zone, zb->zone);
        ck_assert_msg (memcmp (&za->demand, &zb->demand, sizeof za->demand) == 0 &&
                           memcmp (&za->sum_x, &zb->sum_x, sizeof za->sum_x) == 0 &&
                           memcmp (&za->sum_y, &zb->sum_y, sizeof za->sum_y) == 0,
                       "step %llu: zone %u differs", (unsigned long long)step, za->zone);
    }
    for (size_t i = 0; i < a->rebalance->order_count; i++) {
        ck_assert_uint_eq (a->rebalance->orders[i].vehicle_id, b->rebalance->orders[i].vehicle_id);
        ck_assert_uint_eq (a->rebalance->orders[i].zone, b->rebalance->orders[i].zone);
        ck_assert_int_eq (a->rebalance->orders[i].arrive_ms, b->rebalance->orders[i].arrive_ms);
    }
}

/* Forty minutes of a small mixed-fleet city, riders outnumbering vehicles at times. At every step a fresh engine is
 * given the resync the client would send there (its kept state and that step's time): its decisions, repositions and
 * rebalancer state must be those of the engine that lived through them. Policies and rebalancing from the loop index
 * (_i): nearest, batch, cost, then the same with rebalancing. */
START_TEST (test_resync_at_every_step_decides_as_the_lost_engine)
{
    static const char *policies[] = {"nearest", "batch", "cost"};
    const char *policy = policies[_i % 3];
    int rebalance = _i >= 3;
    map_net_t *net = rt_city ();
    uint32_t nodes = (uint32_t)map_graph_node_count (map_net_graph (net));
    disp_params_t params = {
        .batch_window_ms = 60000, .rebalance = rebalance, .rebalance_interval_ms = 120000, .rebalance_zone_m = 3000};
    disp_engine_t *lived = rt_engine (net, policy, 15 * 60000, S_CARS, 1.3, &params);
    static s_kept_t kept;
    memset (&kept, 0, sizeof kept);
    uint64_t rng = 0x5eed0000u + (uint64_t)_i, next_id = 1;
    int64_t busy_until[S_CARS];
    uint32_t dest[S_CARS];
    int report[S_CARS];
    for (uint32_t v = 0; v < S_CARS; v++) {
        busy_until[v] = S_START_MS; /* idle from the start, at a random node */
        dest[v] = (uint32_t)(rt_next (&rng) % nodes);
        report[v] = 1;
    }
    size_t resyncs_with_state = 0, batches = 0;
    for (uint64_t step = 1; step <= S_STEPS; step++) {
        int64_t now = S_START_MS + (int64_t)(step - 1) * S_STEP_MS;
        /* what happened since the last step: vehicles done, new riders (some asking at once for the other fleet
         * too), a rider giving up now and then */
        disp_vehicle_t vehs[S_CARS], resync_vehs[S_CARS];
        size_t nv = 0;
        for (uint32_t v = 0; v < S_CARS; v++) {
            int done = busy_until[v] != INT64_MAX && busy_until[v] <= now;
            if (!report[v] && !done) continue;
            disp_vehicle_status_t status = done ? DISP_VEH_IDLE : DISP_VEH_BUSY;
            vehs[nv++] = rt_vehicle (v, v % 2 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI, status, dest[v]);
            if (done) busy_until[v] = INT64_MAX; /* idle until the dispatcher sends it somewhere */
            report[v] = 0;
        }
        disp_request_t reqs[8];
        size_t nr = rt_next (&rng) % 5;
        for (size_t i = 0; i < nr; i++) {
            int human = rt_next (&rng) % 3 != 0;
            int64_t t = now - (int64_t)(rt_next (&rng) % S_STEP_MS);
            reqs[i] = rt_request (next_id++, t, (uint32_t)(rt_next (&rng) % nodes),
                                  (uint32_t)(rt_next (&rng) % nodes), human ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI,
                                  human && rt_next (&rng) % 2, t + 240000 + (int64_t)(rt_next (&rng) % 360000));
        }
        uint64_t cancelled[1];
        size_t nc = 0;
        if (kept.waiting_count > 0 && rt_next (&rng) % 6 == 0)
            cancelled[nc++] = kept.waiting[rt_next (&rng) % kept.waiting_count].id;
        if (nr > 0 && rt_next (&rng) % 9 == 0) cancelled[0] = reqs[0].id, nc = 1; /* gave up in the same tick */
        disp_tick_t tick = {.step = step,
                            .now_ms = now,
                            .requests = reqs,
                            .request_count = nr,
                            .vehicles = vehs,
                            .vehicle_count = nv,
                            .cancelled = cancelled,
                            .cancelled_count = nc};
        s_kept_send (&kept, &tick);

        /* a dispatcher started now, given the resync */
        disp_engine_t *fresh = rt_engine (net, policy, 15 * 60000, S_CARS, 1.3, &params);
        disp_tick_t resync = s_kept_resync (&kept, &tick, resync_vehs);
        resyncs_with_state += kept.has_rebalance && kept.observed_count > 0;
        disp_decisions_t got;
        char err[256] = "";
        ck_assert_msg (disp_engine_step (fresh, &resync, &got, err, sizeof err) == 0, "resync: %s", err);

        disp_decisions_t d = rt_step (lived, step, now, vehs, nv, reqs, nr, cancelled, nc);
        s_same_decisions (&d, &got, step);
        disp_engine_destroy (&fresh);
        batches += d.assignment_count > 0;

        s_kept_decided (&kept, &d, now);
        for (size_t i = 0; i < d.assignment_count; i++) {
            uint32_t v = d.assignments[i].vehicle_id;
            busy_until[v] = now + d.assignments[i].pickup_eta_ms + 300000 + (int64_t)(rt_next (&rng) % 900000);
            dest[v] = (uint32_t)(rt_next (&rng) % nodes);
            report[v] = 1;
        }
        for (size_t i = 0; i < d.reposition_count; i++) {
            uint32_t v = d.repositions[i].vehicle_id;
            busy_until[v] = now + d.repositions[i].eta_ms;
            dest[v] = d.repositions[i].target.node;
            report[v] = 1;
        }
    }
    /* the time was busy enough to test something: riders left waiting across steps, and (with rebalancing) a state
     * plus requests seen since it at resyncs */
    ck_assert_uint_gt (batches, S_STEPS / 10);
    if (rebalance) ck_assert_uint_gt (resyncs_with_state, S_STEPS / 2);
    disp_engine_destroy (&lived);
    map_net_destroy (&net);
}
END_TEST

/* A resync's session state is checked like the rest of a tick: refused with the field named, nothing changed. */
START_TEST (test_resync_state_out_of_range_is_refused)
{
    map_net_t *net = s_grid (4);
    disp_params_t params = {.rebalance = 1, .rebalance_zone_m = 100};
    disp_engine_t *e = rt_engine (net, "nearest", 60000, 4, 1.0, &params);
    disp_vehicle_t v = rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 0);
    disp_zone_demand_t zones[2] = {{.zone = 3, .demand = 1}, {.zone = 2, .demand = 1}};
    disp_rebalance_order_t order = {.vehicle_id = 9, .zone = 0, .arrive_ms = 5000};
    disp_rebalance_state_t state = {.run_ms = 0, .zones = zones, .zone_count = 1};
    disp_request_t seen = rt_request (1, 0, 99, MAP_NODE_NONE, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    struct {
        disp_tick_t tick;
        const char *field;
    } bad[] = {
        {{.now_ms = 1000, .resync = 1, .has_previous = 1, .previous_ms = 2000}, "tick.previous_ms"},
        {{.now_ms = 1000, .resync = 1, .rebalance = &(disp_rebalance_state_t){.run_ms = 5000}},
         "tick.rebalance.run_ms"},
        {{.now_ms = 1000, .resync = 1, .rebalance = &(disp_rebalance_state_t){.decay_ms = -1}},
         "tick.rebalance.decay_ms"},
        {{.now_ms = 1000, .resync = 1, .rebalance = &(disp_rebalance_state_t){.zones = zones, .zone_count = 2}},
         "tick.rebalance.zones[1].zone"},
        {{.now_ms = 1000, .resync = 1, .rebalance = &(disp_rebalance_state_t){.orders = &order, .order_count = 1}},
         "tick.rebalance.orders[0].vehicle_id"},
        {{.now_ms = 1000, .resync = 1, .observed = &seen, .observed_count = 1}, "tick.observed[0].origin.node"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bad[i].tick.vehicles = &v;
        bad[i].tick.vehicle_count = 1;
        disp_decisions_t out;
        char err[256] = "";
        ck_assert_int_eq (disp_engine_step (e, &bad[i].tick, &out, err, sizeof err), -1);
        ck_assert_msg (strncmp (err, bad[i].field, strlen (bad[i].field)) == 0, "case %zu: %s", i, err);
    }
    /* a zone past the map's: the 4 x 4 grid's 300 m square holds 4 x 4 zones of 100 m */
    zones[0].zone = 16;
    disp_tick_t past = {.now_ms = 1000, .resync = 1, .rebalance = &state, .vehicles = &v, .vehicle_count = 1};
    disp_decisions_t out;
    char err[256] = "";
    ck_assert_int_eq (disp_engine_step (e, &past, &out, err, sizeof err), -1);
    ck_assert_str_eq (err, "tick.rebalance.zones[0].zone: 16 is not a zone (the map has 16)");
    /* nothing changed: the engine never stepped, so a first step at 0 s is fine */
    ck_assert_uint_eq (disp_engine_pending_count (e), 0);
    disp_decisions_t d = rt_step (e, 1, 0, &v, 1, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);
    disp_engine_destroy (&e);
    map_net_destroy (&net);
}
END_TEST

static Suite *s_suite (void)
{
    Suite *s = suite_create ("disp_engine");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_travel_time_beats_straight_distance);
    tcase_add_test (core, test_ties_go_to_lower_id);
    tcase_add_test (core, test_own_policy_replaces_a_builtin_and_adds_a_name);
    tcase_add_loop_test (core, test_rides_kept_within_reach, 0, 3);
    tcase_add_test (core, test_reach_matches_brute_force);
    tcase_add_test (core, test_charge_early_sends_low_robotaxis_in_its_hours);
    tcase_add_test (core, test_never_the_other_fleet);
    tcase_add_test (core, test_any_fleet_rider_gets_the_nearer_fleet);
    tcase_add_test (core, test_max_pickup_and_traffic);
    tcase_add_test (core, test_rider_deadline);
    tcase_add_test (core, test_busy_vehicle_not_reused_until_idle);
    tcase_add_test (core, test_cancelled_never_assigned);
    tcase_add_test (core, test_arrival_order);
    tcase_add_test (core, test_nearest_matches_brute_force);
    tcase_add_test (core, test_search_memory_shared_between_fleets);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_invalid_ticks_change_nothing);
    tcase_add_test (limits, test_unknown_policy_and_bad_config);
    tcase_add_test (limits, test_crowd);
    tcase_add_test (limits, test_resync_state_out_of_range_is_refused);
    suite_add_tcase (s, limits);
    TCase *resync = tcase_create ("resync");
    tcase_set_timeout (resync, 300);
    tcase_add_loop_test (resync, test_resync_at_every_step_decides_as_the_lost_engine, 0, 6);
    suite_add_tcase (s, resync);
    return s;
}

int main (void)
{
    return rt_check_run (s_suite ());
}
