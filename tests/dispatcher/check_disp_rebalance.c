/* check_disp_rebalance: rebalancing through the engine on a 12 x 12 street grid cut into 3 x 3 zones of 1 km. Demand
 * seen in one zone draws idle robotaxis from zones with more than their share, nearest first, once the interval has
 * passed; balanced zones, human drivers and human-only demand move nothing; robotaxis already on their way count;
 * the orders are the same on every run. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_engine.h"
#include "disp_policy.h"
#include "rt_engine.h"

#define S_SIDE     12
#define S_BLOCK_M  250.0
#define S_ZONE_M   1000.0
#define S_INTERVAL 60000
#define S_HORIZON  1800000
#define S_MAX_VEH  64

/* Node at column i, row j: x = 250 i, y = 250 j, so zone column = i / 4 and zone row = j / 4. */
#define S_NODE(i, j) ((uint32_t)((j)*S_SIDE + (i)))

/* The zone-(0,0) corner where riders appear, and the far zone (2,2). */
#define S_DEMAND_NODE S_NODE (1, 1)

static int64_t s_block_ms;

/* The S_SIDE x S_SIDE grid, blocks of S_BLOCK_M at 36 km/h; sets s_block_ms. */
static map_net_t *s_grid (void)
{
    return rt_grid (S_SIDE, S_SIDE, S_BLOCK_M, S_BLOCK_M, 36.0, &s_block_ms);
}

/* Blocks between two nodes of the grid (every street two-way, all blocks equal). */
static int s_blocks (uint32_t a, uint32_t b)
{
    int ai = (int)(a % S_SIDE), aj = (int)(a / S_SIDE), bi = (int)(b % S_SIDE), bj = (int)(b / S_SIDE);
    return abs (ai - bi) + abs (aj - bj);
}

/* Pickups are limited to 1 s, so nobody is ever assigned and the idle robotaxis are left to the rebalancer. */
static disp_engine_t *s_engine (const map_net_t *net, int rebalance, double zone_m, double traffic_factor)
{
    disp_params_t params = {.rebalance = rebalance,
                            .rebalance_interval_ms = S_INTERVAL,
                            .rebalance_zone_m = zone_m,
                            .rebalance_horizon_ms = S_HORIZON};
    return rt_engine (net, "nearest", 1000, S_MAX_VEH, traffic_factor, &params);
}

/* Fills reqs[0..n) with riders at `node` at time t_ms, ids from *next_id on. They give up at once: only the
 * rebalancer's demand counts matter here. */
static void s_riders (disp_request_t *reqs, size_t n, uint32_t node, int64_t t_ms, disp_fleet_t fleet, int any_fleet,
                      uint64_t *next_id)
{
    for (size_t i = 0; i < n; i++)
        reqs[i] = rt_request ((*next_id)++, t_ms, node, MAP_NODE_NONE, fleet, any_fleet, t_ms + 1);
}

/* One valid tick, numbered on from the previous one; it never assigns anybody. */
static disp_decisions_t s_step (disp_engine_t *e, int64_t now_ms, const disp_vehicle_t *vehs, size_t nv,
                                const disp_request_t *reqs, size_t nr)
{
    static uint64_t step;
    disp_decisions_t d = rt_step (e, ++step, now_ms, vehs, nv, reqs, nr, NULL, 0);
    ck_assert_uint_eq (d.assignment_count, 0);
    return d;
}

/* The reposition i of d sends vehicle v to `target`, with the eta of its blocks at the traffic factor. */
static void s_expect_move (const disp_decisions_t *d, size_t i, uint32_t v, uint32_t from, uint32_t target,
                           double factor)
{
    ck_assert_uint_lt (i, d->reposition_count);
    const disp_reposition_t *r = &d->repositions[i];
    ck_assert_uint_eq (r->vehicle_id, v);
    ck_assert_uint_eq (r->target.node, target);
    ck_assert_int_eq (r->eta_ms, llround ((double)(s_blocks (from, target) * s_block_ms) * factor));
}

START_TEST (test_idle_robotaxis_move_toward_demand_after_the_interval)
{
    map_net_t *net = s_grid ();
    disp_engine_t *e = s_engine (net, 1, S_ZONE_M, 1.0);
    /* Four robotaxis and two human drivers idle in the far zone (2,2). */
    uint32_t at[] = {S_NODE (10, 10), S_NODE (9, 10), S_NODE (10, 9), S_NODE (11, 11)};
    disp_vehicle_t vehs[6];
    for (uint32_t v = 0; v < 4; v++)
        vehs[v] = rt_vehicle (v, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, at[v]);
    vehs[4] = rt_vehicle (10, DISP_FLEET_HUMAN, DISP_VEH_IDLE, S_NODE (11, 10));
    vehs[5] = rt_vehicle (11, DISP_FLEET_HUMAN, DISP_VEH_IDLE, S_NODE (9, 9));
    disp_decisions_t d = s_step (e, 0, vehs, 6, NULL, 0);
    ck_assert_uint_eq (d.reposition_count, 0); /* no demand seen yet */

    /* At 10 s, five robotaxi riders (expected demand about 5 over the horizon) and five human-only riders appear in
     * zone (0,0). The rebalancer ran at 0 s: nothing moves before 60 s. */
    disp_request_t reqs[10];
    uint64_t id = 1;
    s_riders (reqs, 5, S_DEMAND_NODE, 10000, DISP_FLEET_ROBOTAXI, 0, &id);
    s_riders (reqs + 5, 5, S_DEMAND_NODE, 10000, DISP_FLEET_HUMAN, 0, &id);
    d = s_step (e, 10000, NULL, 0, reqs, 10);
    ck_assert_uint_eq (d.reposition_count, 0);
    d = s_step (e, S_INTERVAL - 1, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.reposition_count, 0);

    /* At 60 s all four robotaxis go (about 4.9 requests expected, 4 robotaxis), nearest first: 17, 17, 18 and 20
     * blocks, ties to the lower id. The human drivers stay. */
    d = s_step (e, S_INTERVAL, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.reposition_count, 4);
    s_expect_move (&d, 0, 1, at[1], S_DEMAND_NODE, 1.0);
    s_expect_move (&d, 1, 2, at[2], S_DEMAND_NODE, 1.0);
    s_expect_move (&d, 2, 0, at[0], S_DEMAND_NODE, 1.0);
    s_expect_move (&d, 3, 3, at[3], S_DEMAND_NODE, 1.0);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 0);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_HUMAN), 2);

    /* Two more robotaxis turn idle far away. The four on their way already cover the ~4.7 requests expected, so
     * the next run (120 s) sends nobody. */
    disp_vehicle_t more[] = {rt_vehicle (4, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (8, 10)),
                             rt_vehicle (5, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (11, 8))};
    d = s_step (e, 90000, more, 2, NULL, 0);
    ck_assert_uint_eq (d.reposition_count, 0);
    d = s_step (e, 2 * S_INTERVAL, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.reposition_count, 0);

    /* Three more riders at 150 s: about 7.5 expected, 4 on their way, so both idle robotaxis go at 180 s (6 in
     * all, the whole supply). */
    s_riders (reqs, 3, S_DEMAND_NODE, 150000, DISP_FLEET_ROBOTAXI, 0, &id);
    d = s_step (e, 150000, NULL, 0, reqs, 3);
    ck_assert_uint_eq (d.reposition_count, 0);
    d = s_step (e, 3 * S_INTERVAL, NULL, 0, NULL, 0);
    ck_assert_uint_eq (d.reposition_count, 2);
    s_expect_move (&d, 0, 4, more[0].position.node, S_DEMAND_NODE, 1.0); /* 16 blocks */
    s_expect_move (&d, 1, 5, more[1].position.node, S_DEMAND_NODE, 1.0); /* 17 blocks */

    /* All six arrive and report idle at the corner: balanced, nothing moves. */
    disp_vehicle_t arrived[6];
    for (uint32_t v = 0; v < 6; v++)
        arrived[v] = rt_vehicle (v, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_DEMAND_NODE);
    d = s_step (e, 4 * S_INTERVAL, arrived, 6, NULL, 0);
    ck_assert_uint_eq (d.reposition_count, 0);
    disp_engine_destroy (&e);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_only_the_surplus_moves_nearest_first)
{
    map_net_t *net = s_grid ();
    /* Rush hour: drives take 1.5 times free flow, and so do the etas. */
    disp_engine_t *e = s_engine (net, 1, S_ZONE_M, 1.5);
    /* Four robotaxis in zone (2,2), 20, 18, 17 and 15 blocks from the corner. */
    uint32_t at[] = {S_NODE (11, 11), S_NODE (10, 10), S_NODE (10, 9), S_NODE (9, 8)};
    disp_vehicle_t vehs[4];
    for (uint32_t v = 0; v < 4; v++)
        vehs[v] = rt_vehicle (v, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, at[v]);
    s_step (e, 0, vehs, 4, NULL, 0);
    /* Two riders at the corner and two in zone (2,2) itself: each zone's target is two robotaxis. Zone (2,2) gives
     * its two surplus robotaxis nearest the corner. */
    disp_request_t reqs[4];
    uint64_t id = 1;
    s_riders (reqs, 2, S_DEMAND_NODE, S_INTERVAL, DISP_FLEET_ROBOTAXI, 0, &id);
    s_riders (reqs + 2, 2, S_NODE (11, 9), S_INTERVAL, DISP_FLEET_ROBOTAXI, 0, &id);
    disp_decisions_t d = s_step (e, S_INTERVAL, NULL, 0, reqs, 4);
    ck_assert_uint_eq (d.reposition_count, 2);
    s_expect_move (&d, 0, 3, at[3], S_DEMAND_NODE, 1.5);
    s_expect_move (&d, 1, 2, at[2], S_DEMAND_NODE, 1.5);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 2);
    disp_engine_destroy (&e);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_balanced_zones_and_human_drivers_stay)
{
    map_net_t *net = s_grid ();
    disp_request_t reqs[8];
    uint64_t id = 1;

    /* Two riders and two robotaxis in each of zones (0,0) and (2,2): balanced. */
    disp_engine_t *e = s_engine (net, 1, S_ZONE_M, 1.0);
    disp_vehicle_t vehs[] = {rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (0, 0)),
                             rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (3, 2)),
                             rt_vehicle (3, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (9, 11)),
                             rt_vehicle (2, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (10, 10))};
    s_step (e, 0, vehs, 4, NULL, 0);
    s_riders (reqs, 2, S_DEMAND_NODE, S_INTERVAL, DISP_FLEET_ROBOTAXI, 0, &id);
    s_riders (reqs + 2, 2, S_NODE (9, 9), S_INTERVAL, DISP_FLEET_ROBOTAXI, 0, &id);
    disp_decisions_t d = s_step (e, S_INTERVAL, NULL, 0, reqs, 4);
    ck_assert_uint_eq (d.reposition_count, 0);
    /* Four more riders at the corner make it three times the far zone's demand: a target of 3 robotaxis against 1.
     * One robotaxi crosses; both far ones are 18 blocks away, and the tie goes to the lower id. */
    s_riders (reqs, 4, S_DEMAND_NODE, 2 * S_INTERVAL, DISP_FLEET_ROBOTAXI, 0, &id);
    d = s_step (e, 2 * S_INTERVAL, NULL, 0, reqs, 4);
    ck_assert_uint_eq (d.reposition_count, 1);
    s_expect_move (&d, 0, 2, S_NODE (10, 10), S_DEMAND_NODE, 1.0);
    disp_engine_destroy (&e);

    /* Human drivers only, idle far from robotaxi riders: nobody is moved. */
    e = s_engine (net, 1, S_ZONE_M, 1.0);
    disp_vehicle_t humans[] = {rt_vehicle (0, DISP_FLEET_HUMAN, DISP_VEH_IDLE, S_NODE (10, 10)),
                               rt_vehicle (1, DISP_FLEET_HUMAN, DISP_VEH_IDLE, S_NODE (9, 9))};
    s_step (e, 0, humans, 2, NULL, 0);
    s_riders (reqs, 5, S_DEMAND_NODE, S_INTERVAL, DISP_FLEET_ROBOTAXI, 0, &id);
    d = s_step (e, S_INTERVAL, NULL, 0, reqs, 5);
    ck_assert_uint_eq (d.reposition_count, 0);
    ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_HUMAN), 2);
    disp_engine_destroy (&e);

    /* Robotaxis far from riders who want only human drivers: no robotaxi demand, nothing moves. The same riders
     * accepting either fleet are robotaxi demand: both robotaxis go. */
    for (int any = 0; any <= 1; any++) {
        e = s_engine (net, 1, S_ZONE_M, 1.0);
        disp_vehicle_t robotaxis[] = {rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (10, 10)),
                                      rt_vehicle (1, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (9, 9))};
        s_step (e, 0, robotaxis, 2, NULL, 0);
        s_riders (reqs, 5, S_DEMAND_NODE, S_INTERVAL, DISP_FLEET_HUMAN, any, &id);
        d = s_step (e, S_INTERVAL, NULL, 0, reqs, 5);
        ck_assert_uint_eq (d.reposition_count, any ? 2 : 0);
        disp_engine_destroy (&e);
    }
    map_net_destroy (&net);
}
END_TEST

/* The orders of one scripted session, vehicles listed in the given order. */
static size_t s_script (const map_net_t *net, int reverse, disp_reposition_t *out, size_t cap)
{
    disp_engine_t *e = s_engine (net, 1, S_ZONE_M, 1.2);
    disp_vehicle_t vehs[20];
    for (uint32_t k = 0; k < 20; k++) {
        uint32_t v = reverse ? 19 - k : k;
        /* robotaxis spread over the right half, a few sharing nodes */
        vehs[k] = rt_vehicle (v, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (6 + v % 6, (v * 5) % S_SIDE));
    }
    s_step (e, 0, vehs, 20, NULL, 0);
    disp_request_t reqs[12];
    uint64_t id = 1;
    s_riders (reqs, 6, S_NODE (1, 1), 20000, DISP_FLEET_ROBOTAXI, 0, &id);
    s_riders (reqs + 6, 4, S_NODE (2, 9), 30000, DISP_FLEET_HUMAN, 1, &id);
    s_riders (reqs + 10, 2, S_NODE (5, 6), 40000, DISP_FLEET_ROBOTAXI, 0, &id);
    s_step (e, 40000, NULL, 0, reqs, 12);
    disp_decisions_t d = s_step (e, S_INTERVAL, NULL, 0, NULL, 0);
    ck_assert_uint_le (d.reposition_count, cap);
    memcpy (out, d.repositions, d.reposition_count * sizeof *out);
    disp_engine_destroy (&e);
    return d.reposition_count;
}

START_TEST (test_same_ticks_same_orders)
{
    map_net_t *net = s_grid ();
    disp_reposition_t a[20], b[20], c[20];
    size_t na = s_script (net, 0, a, 20), nb = s_script (net, 0, b, 20), nc = s_script (net, 1, c, 20);
    /* twelve requests seen, demand in zones (0,0) x6, (0,2) x4, (1,1) x2 */
    ck_assert_uint_ge (na, 6);
    ck_assert_uint_eq (na, nb);
    ck_assert_uint_eq (na, nc);
    for (size_t i = 0; i < na; i++) {
        ck_assert_uint_eq (a[i].vehicle_id, b[i].vehicle_id);
        ck_assert_uint_eq (a[i].vehicle_id, c[i].vehicle_id);
        ck_assert_uint_eq (a[i].target.node, b[i].target.node);
        ck_assert_uint_eq (a[i].target.node, c[i].target.node);
        ck_assert_int_eq (a[i].eta_ms, b[i].eta_ms);
        ck_assert_int_eq (a[i].eta_ms, c[i].eta_ms);
        /* nearest first */
        if (i > 0) ck_assert_int_le (a[i - 1].eta_ms, a[i].eta_ms);
    }
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_off_or_one_zone_moves_nothing)
{
    map_net_t *net = s_grid ();
    /* Rebalancing off, or a zone covering the whole map: demand at the corner, robotaxis far away, nobody moves. */
    for (int k = 0; k < 2; k++) {
        disp_engine_t *e = k == 0 ? s_engine (net, 0, S_ZONE_M, 1.0) : s_engine (net, 1, 5000, 1.0);
        disp_vehicle_t vehs[] = {rt_vehicle (0, DISP_FLEET_ROBOTAXI, DISP_VEH_IDLE, S_NODE (10, 10))};
        s_step (e, 0, vehs, 1, NULL, 0);
        disp_request_t reqs[5];
        uint64_t id = 1;
        s_riders (reqs, 5, S_DEMAND_NODE, S_INTERVAL, DISP_FLEET_ROBOTAXI, 0, &id);
        for (int t = 1; t <= 3; t++) {
            disp_decisions_t d = s_step (e, t * S_INTERVAL, NULL, 0, t == 1 ? reqs : NULL, t == 1 ? 5 : 0);
            ck_assert_uint_eq (d.reposition_count, 0);
        }
        ck_assert_uint_eq (disp_engine_idle_count (e, DISP_FLEET_ROBOTAXI), 1);
        disp_engine_destroy (&e);
    }
    map_net_destroy (&net);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("disp_rebalance");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_idle_robotaxis_move_toward_demand_after_the_interval);
    tcase_add_test (core, test_only_the_surplus_moves_nearest_first);
    tcase_add_test (core, test_balanced_zones_and_human_drivers_stay);
    tcase_add_test (core, test_same_ticks_same_orders);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_off_or_one_zone_moves_nothing);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
