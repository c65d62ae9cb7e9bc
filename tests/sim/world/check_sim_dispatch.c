/* check_sim_dispatch: a simulated day under the dispatch options. On a mixed platform (dispatch.mixed_fleet) riders
 * who chose a human driver ride robotaxis too, at the robotaxi tariff, and count for the robotaxi fleet; with
 * rebalancing (dispatch.rebalance) idle robotaxis drive empty toward demand, riders wait less, and the drive is
 * booked as empty km, on-shift time and cost. Each comparison is the same day (same seed) with the option on and off. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_link.h"
#include "map_net.h"
#include "rt_proc.h"
#include "sim_config.h"
#include "sim_cost.h"
#include "sim_run.h"
#include "sim_world.h"

static map_net_t *s_net;

static void
s_setup (void)
{
    sim_config_t cfg;
    char err[256];
    sim_config_defaults (&cfg);
    s_net = map_net_open (&cfg.map, NULL, NULL, err, sizeof err);
    ck_assert_msg (s_net != NULL, "%s", err);
}

static void
s_teardown (void)
{
    map_net_destroy (&s_net);
}

static void
s_set (sim_config_t *cfg, const char *assignment)
{
    char err[256];
    ck_assert_msg (sim_config_set (cfg, assignment, err, sizeof err) == 0, "%s: %s", assignment, err);
}

/* A tenth of the default city day, with robotaxis liked well enough to take a few hundred riders and still stand
 * idle part of the day. */
static void
s_small (sim_config_t *cfg)
{
    sim_config_defaults (cfg);
    s_set (cfg, "demand.trips_per_day=6000");
    s_set (cfg, "human.drivers=300");
    s_set (cfg, "robotaxi.fleet_size=40");
    s_set (cfg, "choice.asc_robotaxi=-3");
}

/* Plays one day in-process and returns its final snapshot. */
static void
s_play (const sim_config_t *cfg, sim_snapshot_t *final)
{
    disp_hello_t hello;
    char err[512];
    sim_run_hello (cfg, s_net, &hello);
    disp_link_t *link = disp_link_inproc_new (s_net, &hello, NULL, NULL, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    sim_world_opts_t opts = {0};
    sim_world_t *w = sim_world_new (cfg, s_net, &opts, err, sizeof err);
    ck_assert_msg (w != NULL, "%s", err);
    ck_assert_msg (sim_world_run (w, link, NULL, NULL, err, sizeof err) == 0, "%s", err);
    *final = *sim_world_final (w);
    sim_world_destroy (&w);
    disp_link_destroy (&link);
}

START_TEST (test_mixed_fleet_moves_human_riders_to_robotaxis)
{
    sim_config_t cfg;
    s_small (&cfg);
    s_set (&cfg, "dispatch.policy=cost");
    sim_snapshot_t apart, mixed;
    s_play (&cfg, &apart);
    s_set (&cfg, "dispatch.mixed_fleet=1");
    s_play (&cfg, &mixed);
    const sim_fleet_metrics_t *ra = &apart.fleets[DISP_FLEET_ROBOTAXI], *ha = &apart.fleets[DISP_FLEET_HUMAN];
    const sim_fleet_metrics_t *rm = &mixed.fleets[DISP_FLEET_ROBOTAXI], *hm = &mixed.fleets[DISP_FLEET_HUMAN];

    /* the same people consider a trip */
    ck_assert_uint_eq (apart.choice.considered, mixed.choice.considered);
    /* apart, each fleet's requests are the riders who chose it; mixed, riders who chose a human driver and got a
     * robotaxi are robotaxi requests, and everyone is counted once */
    ck_assert_uint_eq (ra->requests, apart.choice.chose[DISP_FLEET_ROBOTAXI]);
    ck_assert_uint_eq (ha->requests, apart.choice.chose[DISP_FLEET_HUMAN]);
    ck_assert_uint_gt (rm->requests, mixed.choice.chose[DISP_FLEET_ROBOTAXI] + 50);
    ck_assert_uint_eq (rm->requests + hm->requests,
                       mixed.choice.chose[DISP_FLEET_ROBOTAXI] + mixed.choice.chose[DISP_FLEET_HUMAN]);
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        ck_assert_uint_eq (apart.fleets[f].served + apart.fleets[f].unserved, apart.fleets[f].requests);
        ck_assert_uint_eq (mixed.fleets[f].served + mixed.fleets[f].unserved, mixed.fleets[f].requests);
    }
    /* trips move from human drivers to robotaxis */
    ck_assert_uint_gt (rm->served, ra->served + 50);
    ck_assert_uint_lt (hm->served, ha->served);
    ck_assert_double_gt (rm->revenue_yuan, ra->revenue_yuan);
    ck_assert_double_lt (mixed.drivers.net_income_yuan, apart.drivers.net_income_yuan);
    /* the riders moved pay the robotaxi tariff (about 70% off the list price), far below a human driver's fare */
    ck_assert_double_lt (rm->revenue_yuan / (double) rm->served, 0.75 * hm->revenue_yuan / (double) hm->served);
}
END_TEST

START_TEST (test_rebalancing_shortens_robotaxi_waits_and_books_empty_km)
{
    /* Demand gathers in the zones (little between them) and trips are long, so robotaxis drop riders far from where
     * the next ones appear. */
    sim_config_t cfg;
    s_small (&cfg);
    s_set (&cfg, "demand.base_weight=0.02");
    s_set (&cfg, "demand.trip_km_mean=12");
    sim_snapshot_t still, moved;
    s_play (&cfg, &still);
    s_set (&cfg, "dispatch.rebalance=1");
    s_play (&cfg, &moved);
    const sim_fleet_metrics_t *rs = &still.fleets[DISP_FLEET_ROBOTAXI], *rm = &moved.fleets[DISP_FLEET_ROBOTAXI];

    /* robotaxi riders wait less and more of them are served */
    ck_assert_msg (rm->mean_wait_s < rs->mean_wait_s, "mean wait %.1f s with rebalancing, %.1f s without",
                   rm->mean_wait_s, rs->mean_wait_s);
    ck_assert_uint_gt (rm->served, rs->served);

    /* only robotaxis drive on rebalancing orders, and only when it is on */
    ck_assert_double_eq (rs->reposition_km, 0);
    ck_assert_double_eq (rs->util_reposition, 0);
    ck_assert_double_gt (rm->reposition_km, 100);
    ck_assert_double_gt (rm->util_reposition, 0);
    ck_assert_double_eq (moved.fleets[DISP_FLEET_HUMAN].reposition_km, 0);
    ck_assert_double_eq (moved.fleets[DISP_FLEET_HUMAN].util_reposition, 0);

    /* the drive is on-shift time and empty km: robotaxis do not cruise, so their empty km are pickups plus
     * repositioning */
    ck_assert_double_eq_tol (rm->util_occupied + rm->util_pickup + rm->util_idle + rm->util_reposition, 1.0, 1e-9);
    double empty_km = rm->empty_km_share * rm->km_driven;
    ck_assert_double_gt (empty_km - rm->reposition_km, 0);   /* the pickups */
    ck_assert_double_gt (rm->empty_km_share, rs->empty_km_share);

    /* and the cost model counts every km: a robotaxi's day costs the same fixed parts plus the km at the variable
     * rate (maintenance) plus the electricity bought, so the extra cost per vehicle-day is the extra km at that rate
     * and the extra energy; and the extra km took extra electricity */
    double upkeep_per_km = cfg.robotaxi.maintenance_yuan_per_km;
    ck_assert_double_gt (upkeep_per_km, 0);
    ck_assert (rm->battery && rs->battery);
    ck_assert_double_gt (rm->energy_kwh, rs->energy_kwh);
    ck_assert_double_eq_tol (rm->cost_per_vehicle_day - rs->cost_per_vehicle_day,
                             (upkeep_per_km * (rm->km_driven - rs->km_driven) + rm->energy_yuan - rs->energy_yuan) /
                             rm->vehicles, 1e-6);
    ck_assert_double_eq_tol (rm->cost_per_km, rm->cost_per_vehicle_day * rm->vehicles / rm->km_driven, 1e-9);

    /* a robotaxi whose downtime (with batteries, its half hour of cleaning: charging is on shift) starts during a
     * repositioning drive finishes it first, as it finishes a ride: in service a little longer than 23.5 h of 24 on
     * average, never much */
    double online_h = 24 - cfg.robotaxi.clean_h_per_day;
    ck_assert_double_eq (online_h, 23.5);
    ck_assert_double_ge (rm->vehicles_online_mean, 40 * online_h / 24);
    ck_assert_double_lt (rm->vehicles_online_mean, 40 * online_h / 24 + 0.5);
}
END_TEST

/* Runs cfg through sim_run (outputs written, no plots) into a fresh folder; returns the folder (caller frees). */
static char *
s_run_to (const sim_config_t *cfg, const char *tag)
{
    char err[512];
    char *dir = rt_temp_dir (tag);
    sim_run_opts_t opts = {.dispatcher = "inproc", .out_dir = dir, .quiet = 1, .timeout_ms = 5000, .no_plots = 1};
    FILE *saved = stdout;
    stdout = fopen ("/dev/null", "w");
    int rc = sim_run (cfg, &opts, err, sizeof err);
    fclose (stdout);
    stdout = saved;
    ck_assert_msg (rc == 0, "%s", err);
    return dir;
}

START_TEST (test_rebalanced_mixed_day_is_deterministic_and_reported)
{
    sim_config_t cfg;
    s_small (&cfg);
    s_set (&cfg, "dispatch.policy=cost");
    s_set (&cfg, "dispatch.mixed_fleet=1");
    s_set (&cfg, "dispatch.rebalance=1");
    char *a = s_run_to (&cfg, "dispatch-a"), *b = s_run_to (&cfg, "dispatch-b");
    const char *files[] = {"summary.json", "hourly.csv", "drivers.csv", "costs.csv", "config.ini"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_msg (rt_same_in_dirs (a, b, files[i]), "%s differs between two runs of the same day", files[i]);
    /* the outputs carry the repositioning: summary fields and hourly columns */
    char path[4096];
    snprintf (path, sizeof path, "%s/summary.json", a);
    char *summary = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (summary);
    const char *robotaxi = strstr (summary, "\"robotaxi\": {");
    ck_assert_ptr_nonnull (robotaxi);
    const char *km = strstr (robotaxi, "\"reposition_km\": ");
    ck_assert_ptr_nonnull (km);
    ck_assert_double_gt (strtod (km + strlen ("\"reposition_km\": "), NULL), 0);
    ck_assert_ptr_nonnull (strstr (robotaxi, "\"util_reposition\": "));
    free (summary);
    snprintf (path, sizeof path, "%s/hourly.csv", a);
    char *hourly = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (hourly);
    ck_assert_msg (strstr (hourly, ",util_reposition,reposition_km\n") != NULL, "%.200s", hourly);
    free (hourly);
    free (a);
    free (b);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_dispatch");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 600);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_mixed_fleet_moves_human_riders_to_robotaxis);
    tcase_add_test (core, test_rebalancing_shortens_robotaxi_waits_and_books_empty_km);
    tcase_add_test (core, test_rebalanced_mixed_day_is_deterministic_and_reported);
    suite_add_tcase (s, core);
    return rt_check_run (s);
}
