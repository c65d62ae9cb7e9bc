/* check_disp_policy_cost: the cost policy on a straight street with known lengths and times. The cheaper fleet serves
 * a rider who accepts either whenever it can come in time and its extra wait costs less than the km it saves (the
 * threshold worked out here from the parameters); a rider who accepts one fleet never gets the other. */
#include <check.h>
#include <math.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_engine.h"
#include "disp_policy.h"
#include "rt_engine.h"

#define S_NODES  101
#define S_EDGE_M 100.0

/* A two-way street of S_NODES nodes S_EDGE_M apart at 36 km/h; node i is at x = i x S_EDGE_M. Sets *edge_ms to the
 * time of one block. */
static map_net_t *s_street (int64_t *edge_ms)
{
    return rt_grid (S_NODES, 1, S_EDGE_M, S_EDGE_M, 36.0, edge_ms);
}

static disp_engine_t *s_engine (const map_net_t *net, const char *policy, double robotaxi_per_km, double human_per_km,
                                double wait_per_min)
{
    disp_params_t params = {.wait_yuan_per_min = wait_per_min};
    params.cost_per_km[DISP_FLEET_ROBOTAXI] = robotaxi_per_km;
    params.cost_per_km[DISP_FLEET_HUMAN] = human_per_km;
    return rt_engine (net, policy, RT_HOUR_MS, 100, 1.0, &params);
}

/* One step at time 0 with the given vehicles and one rider; returns the vehicle assigned, or UINT32_MAX. */
static uint32_t s_assign (disp_engine_t *e, const disp_vehicle_t *vehs, size_t nv, const disp_request_t *rider,
                          int64_t *eta_ms)
{
    disp_decisions_t d = rt_step (e, 1, 0, vehs, nv, rider, 1, NULL, 0);
    ck_assert_uint_le (d.assignment_count, 1);
    if (d.assignment_count == 0) return UINT32_MAX;
    ck_assert_uint_eq (d.assignments[0].request_id, rider->id);
    if (eta_ms) *eta_ms = d.assignments[0].pickup_eta_ms;
    return d.assignments[0].vehicle_id;
}

/* The operator's cost, as the policy's contract states it, of a pickup `pickup` blocks away and a trip `trip`
 * blocks long. */
static double s_cost (double per_km, double wait_per_min, int pickup, int trip, int64_t edge_ms)
{
    return per_km * (pickup + trip) * S_EDGE_M / 1000.0 + wait_per_min * (double)(pickup * edge_ms) / 60000.0;
}

START_TEST (test_robotaxi_serves_when_in_time_though_a_human_driver_is_nearer)
{
    int64_t edge_ms;
    map_net_t *net = s_street (&edge_ms);
    /* A rider at 20 who chose a human driver and takes either, going 1 km to 30. The human driver waits 2 blocks
     * away, a robotaxi 4 blocks away on the other side: 1.6 x 1.2 km + 2 blocks' wait against 0.18 x 1.4 km + 4
     * blocks' wait. */
    ck_assert_double_lt (s_cost (0.18, 1.0, 4, 10, edge_ms), s_cost (1.6, 1.0, 2, 10, edge_ms));
    disp_engine_t *e = s_engine (net, "cost", 0.18, 1.6, 1.0);
    disp_vehicle_t vehs[] = {rt_vehicle (1, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 22),
                             rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 16)};
    disp_request_t rider = rt_request (7, 0, 20, 30, DISP_FLEET_HUMAN, 1, RT_FAR_MS);
    int64_t eta_ms = 0;
    ck_assert_uint_eq (s_assign (e, vehs, 2, &rider, &eta_ms), 2);
    ck_assert_int_eq (eta_ms, 4 * edge_ms);
    disp_engine_destroy (&e);

    /* The same rider gives up in 3 blocks' time: the robotaxi cannot come in time, the human driver can. */
    e = s_engine (net, "cost", 0.18, 1.6, 1.0);
    rider.deadline_ms = 3 * edge_ms;
    ck_assert_uint_eq (s_assign (e, vehs, 2, &rider, &eta_ms), 1);
    ck_assert_int_eq (eta_ms, 2 * edge_ms);
    disp_engine_destroy (&e);

    /* Under `nearest` the nearer human driver serves. */
    e = s_engine (net, "nearest", 0.18, 1.6, 1.0);
    rider.deadline_ms = RT_FAR_MS;
    ck_assert_uint_eq (s_assign (e, vehs, 2, &rider, NULL), 1);
    disp_engine_destroy (&e);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_human_driver_serves_when_the_robotaxi_wait_costs_more_than_the_km_saved)
{
    int64_t edge_ms;
    map_net_t *net = s_street (&edge_ms);
    /* Rider at 50 (asked for a human driver, takes either), human driver 2 blocks away at 52, robotaxi r blocks away
     * at 50 - r. For each set of parameters and trip, the threshold r* is the nearest robotaxi whose cost exceeds
     * the human driver's: at r* - 1 the robotaxi serves, at r* the human driver. A destination without a node counts
     * as a trip of 0 km, which moves the threshold. */
    const struct {
        double robotaxi_per_km, human_per_km, wait_per_min;
        int trip; /* blocks; -1: no destination node */
    } cases[] = {{0.18, 1.6, 1.0, 5}, {0.18, 1.6, 1.0, -1}, {0.18, 1.6, 3.0, 5}, {0.5, 1.0, 0.5, 20}};
    const int human = 2;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int trip = cases[c].trip < 0 ? 0 : cases[c].trip;
        double human_yuan = s_cost (cases[c].human_per_km, cases[c].wait_per_min, human, trip, edge_ms);
        int threshold = human;
        while (s_cost (cases[c].robotaxi_per_km, cases[c].wait_per_min, threshold, trip, edge_ms) <= human_yuan)
            threshold++;
        ck_assert_int_gt (threshold - 1, human); /* the robotaxi is farther, yet cheaper, just below */
        ck_assert_int_lt (threshold, 50);
        /* no knife edge: floating-point order cannot flip the comparisons */
        ck_assert_double_gt (
            fabs (s_cost (cases[c].robotaxi_per_km, cases[c].wait_per_min, threshold, trip, edge_ms) - human_yuan),
            1e-6);
        ck_assert_double_gt (
            fabs (s_cost (cases[c].robotaxi_per_km, cases[c].wait_per_min, threshold - 1, trip, edge_ms) -
                  human_yuan),
            1e-6);
        uint32_t destination = cases[c].trip < 0 ? MAP_NODE_NONE : (uint32_t)(50 + trip);
        disp_request_t rider = rt_request (1, 0, 50, destination, DISP_FLEET_HUMAN, 1, RT_FAR_MS);
        for (int r = threshold - 1; r <= threshold; r++) {
            disp_engine_t *e =
                s_engine (net, "cost", cases[c].robotaxi_per_km, cases[c].human_per_km, cases[c].wait_per_min);
            disp_vehicle_t vehs[] = {rt_vehicle (1, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 50 + human),
                                     rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, (uint32_t)(50 - r))};
            int64_t eta_ms = 0;
            uint32_t got = s_assign (e, vehs, 2, &rider, &eta_ms);
            ck_assert_msg (got == (r < threshold ? 2u : 1u),
                           "case %zu: robotaxi %d blocks away (threshold %d): vehicle %u", c, r, threshold, got);
            ck_assert_int_eq (eta_ms, (r < threshold ? r : human) * edge_ms);
            disp_engine_destroy (&e);
        }
    }
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_one_fleet_riders_never_get_the_other)
{
    int64_t edge_ms;
    map_net_t *net = s_street (&edge_ms);
    disp_engine_t *e = s_engine (net, "cost", 0.18, 1.6, 1.0);
    /* A human rider without any_fleet: the robotaxi at the door is cheaper and nearer, the human driver 10 blocks
     * away serves. */
    disp_vehicle_t vehs[] = {rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 40),
                             rt_vehicle (2, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 50)};
    disp_request_t rider = rt_request (1, 0, 40, 60, DISP_FLEET_HUMAN, 0, RT_FAR_MS);
    ck_assert_uint_eq (s_assign (e, vehs, 2, &rider, NULL), 2);
    /* A robotaxi rider without any_fleet and a human driver at the door: the robotaxi 30 blocks away serves. */
    disp_vehicle_t door = rt_vehicle (3, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 70);
    disp_request_t robo = rt_request (2, 0, 70, 80, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    disp_decisions_t d = rt_step (e, 2, 1000, &door, 1, &robo, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 1); /* the robotaxi at 40 */
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 1);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 30 * edge_ms);
    /* The next robotaxi rider finds no robotaxi free, only the human driver at the door: they wait. */
    disp_request_t second = rt_request (3, 0, 70, 80, DISP_FLEET_ROBOTAXI, 0, RT_FAR_MS);
    d = rt_step (e, 3, 2000, NULL, 0, &second, 1, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);
    ck_assert_uint_eq (disp_engine_pending_count (e), 1);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_HUMAN), 1);
    disp_engine_destroy (&e);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_equal_costs_go_to_the_own_fleet)
{
    int64_t edge_ms;
    map_net_t *net = s_street (&edge_ms);
    /* The same cost per km for both fleets and vehicles 3 blocks away on either side: the costs are equal, and each
     * rider gets their own fleet. */
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        disp_engine_t *e = s_engine (net, "cost", 1.0, 1.0, 1.0);
        disp_vehicle_t vehs[] = {rt_vehicle (1, DISP_FLEET_HUMAN, DISP_VEH_IDLE, 53),
                                 rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, 47)};
        disp_request_t rider = rt_request (1, 0, 50, 60, (disp_fleet_t)f, 1, RT_FAR_MS);
        ck_assert_uint_eq (s_assign (e, vehs, 2, &rider, NULL), (f == DISP_FLEET_HUMAN ? 1u : 2u));
        disp_engine_destroy (&e);
    }
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_any_fleet_out_of_range_refused)
{
    int64_t edge_ms;
    map_net_t *net = s_street (&edge_ms);
    ck_assert_ptr_nonnull (disp_policy_find ("cost"));
    disp_engine_t *e = s_engine (net, "cost", 0.18, 1.6, 1.0);
    disp_request_t rider = rt_request (1, 0, 50, 60, DISP_FLEET_HUMAN, 2, RT_FAR_MS);
    disp_tick_t t = {.step = 1, .now_ms = 0, .requests = &rider, .request_count = 1};
    disp_decisions_t d;
    char err[256] = "";
    ck_assert_int_eq (disp_engine_step (e, &t, &d, err, sizeof err), -1);
    ck_assert_str_eq (err, "tick.requests[0].any_fleet: 2 is not 0 or 1");
    ck_assert_uint_eq (disp_engine_pending_count (e), 0);
    disp_engine_destroy (&e);
    map_net_destroy (&net);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("disp_policy_cost");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_robotaxi_serves_when_in_time_though_a_human_driver_is_nearer);
    tcase_add_test (core, test_human_driver_serves_when_the_robotaxi_wait_costs_more_than_the_km_saved);
    tcase_add_test (core, test_one_fleet_riders_never_get_the_other);
    tcase_add_test (core, test_equal_costs_go_to_the_own_fleet);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_any_fleet_out_of_range_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
