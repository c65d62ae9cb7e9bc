/* check_sim_world: a simulated day behaves as a user expects (peaks, waits, give-ups, shifts, the baseline sees the
 * same riders), and runs are deterministic: same seed -> identical output files, another seed -> different ones. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_link.h"
#include "map_graph.h"
#include "map_net.h"
#include "rt_proc.h"
#include "rt_rand.h"
#include "sim_config.h"
#include "sim_run.h"
#include "sim_world.h"

static map_net_t *s_graph;

/* A tenth of the default city day: same map and parameters, fewer riders and vehicles. */
static void
s_small (sim_config_t *cfg)
{
    char err[256];
    sim_config_defaults (cfg);
    ck_assert (sim_config_set (cfg, "demand.trips_per_day=6000", err, sizeof err) == 0);
    ck_assert (sim_config_set (cfg, "human.drivers=300", err, sizeof err) == 0);
    ck_assert (sim_config_set (cfg, "robotaxi.fleet_size=40", err, sizeof err) == 0);
    /* riders who like robotaxis more than Wuhan's did in 2024, so both fleets are busy in a small day */
    ck_assert (sim_config_set (cfg, "choice.asc_robotaxi=-1", err, sizeof err) == 0);
}

static void
s_setup (void)
{
    sim_config_t cfg;
    char err[256];
    sim_config_defaults (&cfg);
    s_graph = map_net_open (&cfg.map, NULL, NULL, err, sizeof err);
    ck_assert_msg (s_graph != NULL, "%s", err);
}

static void
s_teardown (void)
{
    map_net_destroy (&s_graph);
}

static int s_hours_seen;

static void
s_count_hours (sim_world_t *w, int hour, void *arg)
{
    (void) w;
    (void) arg;
    ck_assert_int_eq (hour, s_hours_seen + 1);
    s_hours_seen = hour;
}

/* Plays one day in-process; returns its final snapshot and (optionally) the drivers' rows' summary. */
static void
s_play (const sim_config_t *cfg, int baseline, sim_snapshot_t *final, const sim_metrics_t **metrics_out,
        sim_world_t **keep)
{
    disp_hello_t hello;
    char err[512];
    sim_run_hello (cfg, s_graph, &hello);
    disp_link_t *link = disp_link_inproc_new (s_graph, &hello, NULL, NULL, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    sim_world_opts_t opts = {.baseline = baseline, .publish = NULL};
    sim_world_t *w = sim_world_new (cfg, s_graph, &opts, err, sizeof err);
    ck_assert_msg (w != NULL, "%s", err);
    s_hours_seen = 0;
    ck_assert_msg (sim_world_run (w, link, s_count_hours, NULL, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq (s_hours_seen, 24);
    *final = *sim_world_final (w);
    if (metrics_out)
        *metrics_out = sim_world_metrics (w);
    disp_link_destroy (&link);
    if (keep)
        *keep = w;
    else
        sim_world_destroy (&w);
}

START_TEST (test_day_shape)
{
    sim_config_t cfg;
    s_small (&cfg);
    sim_snapshot_t snap;
    const sim_metrics_t *m;
    sim_world_t *w;
    s_play (&cfg, 0, &snap, &m, &w);
    const sim_fleet_metrics_t *r = &snap.fleets[DISP_FLEET_ROBOTAXI], *h = &snap.fleets[DISP_FLEET_HUMAN];
    uint64_t requests = r->requests + h->requests;
    /* Poisson demand around the expected 6,000; each rider took a fleet or went another way */
    ck_assert_uint_gt (snap.choice.considered, 5700);
    ck_assert_uint_lt (snap.choice.considered, 6300);
    ck_assert_uint_eq (snap.choice.chose[DISP_FLEET_ROBOTAXI], r->requests);
    ck_assert_uint_eq (snap.choice.chose[DISP_FLEET_HUMAN], h->requests);
    ck_assert_uint_eq (requests + snap.choice.chose[SIM_CHOICE_OTHER], snap.choice.considered);
    ck_assert_uint_gt (snap.choice.chose[SIM_CHOICE_OTHER], 100);
    ck_assert_uint_gt (r->requests, 100);
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        const sim_fleet_metrics_t *x = &snap.fleets[f];
        /* every rider is either picked up or gives up by the end */
        ck_assert_uint_eq (x->served + x->unserved, x->requests);
        ck_assert_double_eq_tol (x->util_occupied + x->util_pickup + x->util_idle + x->util_reposition, 1.0, 1e-9);
        ck_assert_double_eq (x->reposition_km, 0);   /* dispatch.rebalance is off */
        ck_assert_double_gt (x->util_occupied, 0.05);
        ck_assert_double_ge (x->p95_wait_s, x->mean_wait_s);
        ck_assert_double_le (x->p95_wait_s, cfg.demand.patience_min * 60 + 1);
        ck_assert_double_gt (x->revenue_yuan, 0);
        /* trips: mean road length of a ride in the 2-10 km band's neighbourhood */
        double ride_km = x->km_driven * (1 - x->empty_km_share) / (double) x->served;
        ck_assert_msg (ride_km > 4 && ride_km < 12, "mean ride %.2f km", ride_km);
    }
    /* morning peak against the small hours */
    sim_fleet_metrics_t h3, h8;
    sim_metrics_hour (m, DISP_FLEET_HUMAN, 3, &h3);
    sim_metrics_hour (m, DISP_FLEET_HUMAN, 8, &h8);
    ck_assert_uint_gt (h8.requests, 5 * h3.requests);
    /* with batteries (the default) robotaxis run all day but for 0.5 h of cleaning, charging on shift: 40 x 23.5 / 24
     * online on average (a little more: a car with a rider when its downtime comes finishes the ride first) */
    ck_assert_str_eq (cfg.charging.mode, "battery");
    ck_assert_double_ge (r->vehicles_online_mean, 40 * 23.5 / 24);
    ck_assert_double_lt (r->vehicles_online_mean, 40 * 23.5 / 24 + 0.3);
    /* in charging.mode fixed, 2.5 h of charging and cleaning: 40 x 21.5 / 24 */
    sim_config_t fixed = cfg;
    char err[256];
    ck_assert (sim_config_set (&fixed, "charging.mode=fixed", err, sizeof err) == 0);
    sim_snapshot_t fixed_snap;
    s_play (&fixed, 0, &fixed_snap, NULL, NULL);
    double fixed_online = fixed_snap.fleets[DISP_FLEET_ROBOTAXI].vehicles_online_mean;
    ck_assert_double_ge (fixed_online, 40 * 21.5 / 24);
    ck_assert_double_lt (fixed_online, 40 * 21.5 / 24 + 0.3);
    /* human drivers cruise while idle: their empty km are far more than pickups alone */
    ck_assert_double_gt (h->empty_km_share, 0.25);
    ck_assert_double_lt (r->empty_km_share, h->empty_km_share);
    /* shifts of 8-12 h: a driver is online for the shift, plus the ride under way when it ends */
    const sim_driver_row_t *rows;
    size_t n = sim_world_drivers (w, &rows);
    ck_assert_uint_eq (n, 300);
    double hours = 0;
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq (rows[i].worked, 1);   /* no pool decision given (works NULL): every driver works */
        ck_assert_double_le (rows[i].hours_online, rows[i].shift_h + 1.5);
        ck_assert_double_ge (rows[i].shift_h, 8.0);
        ck_assert_double_le (rows[i].shift_h, 12.0);
        hours += rows[i].hours_online;
    }
    ck_assert_double_eq_tol (hours, snap.drivers.hours_online, 1e-6);
    ck_assert_double_gt (snap.drivers.net_hourly_yuan, 0);
    ck_assert_double_lt (snap.drivers.net_hourly_yuan, snap.drivers.gross_hourly_yuan);
    sim_world_destroy (&w);
}
END_TEST

START_TEST (test_baseline_sees_the_same_riders)
{
    sim_config_t cfg;
    s_small (&cfg);
    sim_snapshot_t with, without;
    s_play (&cfg, 0, &with, NULL, NULL);
    s_play (&cfg, 1, &without, NULL, NULL);
    ck_assert_uint_eq (without.fleets[DISP_FLEET_ROBOTAXI].requests, 0);
    ck_assert_uint_eq (without.fleets[DISP_FLEET_ROBOTAXI].vehicles, 0);
    /* the same people consider a trip; without robotaxis, some of those who took one go another way instead */
    ck_assert_uint_eq (with.choice.considered, without.choice.considered);
    ck_assert_uint_gt (without.choice.chose[SIM_CHOICE_OTHER], with.choice.chose[SIM_CHOICE_OTHER]);
    ck_assert_uint_gt (without.fleets[DISP_FLEET_HUMAN].requests, with.fleets[DISP_FLEET_HUMAN].requests);
    /* robotaxis take trips from human drivers */
    ck_assert_uint_gt (without.fleets[DISP_FLEET_HUMAN].served, with.fleets[DISP_FLEET_HUMAN].served);
    ck_assert_double_gt (without.drivers.net_income_yuan, with.drivers.net_income_yuan);
}
END_TEST

START_TEST (test_riders_give_up_without_vehicles)
{
    sim_config_t cfg;
    char err[256];
    s_small (&cfg);
    ck_assert (sim_config_set (&cfg, "robotaxi.fleet_size=1", err, sizeof err) == 0);
    ck_assert (sim_config_set (&cfg, "choice.asc_robotaxi=5", err, sizeof err) == 0);
    sim_snapshot_t snap;
    s_play (&cfg, 0, &snap, NULL, NULL);
    const sim_fleet_metrics_t *r = &snap.fleets[DISP_FLEET_ROBOTAXI];
    /* one robotaxi cannot carry a thousand riders: most give up, and none waits past the patience */
    ck_assert_uint_gt (r->requests, 1000);
    ck_assert_uint_gt (r->unserved, r->requests * 9 / 10);
    ck_assert_uint_eq (r->served + r->unserved, r->requests);
    ck_assert_uint_lt (r->served, 80);
}
END_TEST

START_TEST (test_no_drivers_no_robotaxis)
{
    sim_config_t cfg;
    char err[256];
    s_small (&cfg);
    ck_assert (sim_config_set (&cfg, "robotaxi.fleet_size=0", err, sizeof err) == 0);
    ck_assert (sim_config_set (&cfg, "human.drivers=0", err, sizeof err) == 0);
    ck_assert (sim_config_set (&cfg, "demand.trips_per_day=500", err, sizeof err) == 0);
    sim_snapshot_t snap;
    s_play (&cfg, 0, &snap, NULL, NULL);
    ck_assert_uint_eq (snap.fleets[DISP_FLEET_HUMAN].served, 0);
    ck_assert_uint_eq (snap.fleets[DISP_FLEET_HUMAN].unserved, snap.fleets[DISP_FLEET_HUMAN].requests);
    ck_assert_double_eq (snap.drivers.net_hourly_yuan, 0);
}
END_TEST

static char *
s_run_to (const char *tag, const char *seed, int baseline, int route_thread)
{
    sim_config_t cfg;
    char err[512];
    s_small (&cfg);
    ck_assert (sim_config_set_key (&cfg, "scenario.seed", seed, "", err, sizeof err) == 0);
    cfg.scenario.baseline = baseline;
    char *dir = rt_temp_dir (tag);
    sim_run_opts_t opts = {.dispatcher = "inproc", .out_dir = dir, .quiet = 1, .timeout_ms = 5000,
                           .route_thread = route_thread, .events = 1};
    FILE *saved = stdout;
    stdout = fopen ("/dev/null", "w");
    int rc = sim_run (&cfg, &opts, err, sizeof err);
    fclose (stdout);
    stdout = saved;
    ck_assert_msg (rc == 0, "%s", err);
    return dir;
}

START_TEST (test_same_seed_identical_files_other_seed_different)
{
    char *a = s_run_to ("det-a", "7", 1, 0), *b = s_run_to ("det-b", "7", 1, 0), *c = s_run_to ("det-c", "8", 1, 0);
    const char *files[] = {"summary.json", "hourly.csv", "fares.csv", "drivers.csv", "config.ini"};
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg (rt_same_in_dirs (a, b, files[i]), "%s differs between two runs with seed 7", files[i]);
    ck_assert (!rt_same_in_dirs (a, c, "summary.json"));
    ck_assert (!rt_same_in_dirs (a, c, "hourly.csv"));
    ck_assert (!rt_same_in_dirs (a, c, "drivers.csv"));
    ck_assert (!rt_same_in_dirs (a, c, "config.ini"));   /* the seed is recorded */
    ck_assert (rt_same_in_dirs (a, c, "fares.csv"));     /* tariffs do not depend on the seed */
    char path[4096];
    snprintf (path, sizeof path, "%s/summary.json", a);
    char *summary = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (strstr (summary, "\"displacement\""));
    ck_assert_ptr_nonnull (strstr (summary, "\"seed\": \"7\""));
    free (summary);
    free (a);
    free (b);
    free (c);
}
END_TEST

/* Rides routed ahead on the world's own thread (as robotaxi-sim plays a day) change nothing: every file, events
 * included, is the same as when each ride is routed at its pickup. */
START_TEST (test_routes_ahead_change_nothing)
{
    char *at_need = s_run_to ("ahead-0", "11", 0, 0), *ahead = s_run_to ("ahead-1", "11", 0, 1);
    const char *files[] = {"summary.json", "hourly.csv", "waits.csv", "drivers.csv", "events.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_msg (rt_same_in_dirs (at_need, ahead, files[i]), "%s differs with rides routed ahead", files[i]);
    free (at_need);
    free (ahead);
}
END_TEST

/* What a given demand's day records: requests and give-ups, in order. */
typedef struct {
    int64_t time_ms[4096], node[4096], request[4096];
    int fleet[4096];
    sim_event_kind_t kind[4096];
    size_t count;
} s_log_t;

static void
s_keep_event (void *arg, const sim_event_t *e)
{
    s_log_t *log = arg;
    if ((e->kind != SIM_EVENT_REQUEST && e->kind != SIM_EVENT_GIVEUP) || log->count == 4096)
        return;
    log->time_ms[log->count] = e->time_ms;
    log->node[log->count] = e->node;
    log->request[log->count] = e->request;
    log->fleet[log->count] = e->fleet;
    log->kind[log->count++] = e->kind;
}

/* A day given its demand (a trips file's rows, as sim_trip_t) plays exactly those requests: each rider who takes a
 * fleet asks at the row's time and origin, in the rows' order; riders still choose by price and wait, so some go
 * another way; a row that asks for one fleet never rides the other; a row's patience is its own. A list that is not
 * a day's demand on this map is refused with a message. */
START_TEST (test_given_demand_plays_those_requests)
{
    sim_config_t cfg;
    char err[512];
    s_small (&cfg);
    size_t n = map_graph_node_count (map_net_graph (s_graph));
    enum { TRIPS = 2000 };
    sim_trip_t *trips = calloc (TRIPS, sizeof *trips);
    ck_assert_ptr_nonnull (trips);
    uint64_t st = 5;
    for (size_t i = 0; i < TRIPS; i++) {
        trips[i].time_ms = (int64_t) (i * (SIM_DAY_MS / TRIPS));
        trips[i].origin = (uint32_t) (rt_next (&st) % n);
        do
            trips[i].destination = (uint32_t) (rt_next (&st) % n);
        while (trips[i].destination == trips[i].origin);
        trips[i].fleet = i % 3 == 0 ? (int8_t) DISP_FLEET_HUMAN : (int8_t) -1;
        /* a night rider (02:00-03:00) with one minute of patience */
        trips[i].patience_min = trips[i].time_ms >= 2 * 3600000 && trips[i].time_ms < 3 * 3600000 ? 1.0 : 0.0;
    }
    disp_hello_t hello;
    sim_run_hello (&cfg, s_graph, &hello);
    disp_link_t *link = disp_link_inproc_new (s_graph, &hello, NULL, NULL, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    static s_log_t log;
    log.count = 0;
    sim_world_opts_t opts = {.trips = trips, .trip_count = TRIPS, .on_event = s_keep_event, .event_arg = &log};
    sim_world_t *w = sim_world_new (&cfg, s_graph, &opts, err, sizeof err);
    ck_assert_msg (w != NULL, "%s", err);
    ck_assert_msg (sim_world_run (w, link, NULL, NULL, err, sizeof err) == 0, "%s", err);
    const sim_snapshot_t *snap = sim_world_final (w);
    ck_assert_uint_eq (snap->choice.considered, TRIPS);
    ck_assert_uint_gt (snap->choice.chose[SIM_CHOICE_OTHER], 0);
    ck_assert_uint_gt (snap->choice.chose[DISP_FLEET_ROBOTAXI], 0);
    size_t row = 0, requests = 0, night_giveups = 0;
    int64_t asked_ms[TRIPS];
    for (size_t k = 0; k < log.count; k++) {
        if (log.kind[k] == SIM_EVENT_GIVEUP) {
            int64_t asked = asked_ms[log.request[k]], waited = log.time_ms[k] - asked;
            int night = asked >= 2 * 3600000 && asked < 3 * 3600000;
            ck_assert_int_eq (waited, night ? 60000 : (int64_t) (cfg.demand.patience_min * 60000));
            night_giveups += night;
            continue;
        }
        /* the next row a rider took a fleet for: the rows between went another way */
        while (row < TRIPS && (trips[row].time_ms != log.time_ms[k] || (int64_t) trips[row].origin != log.node[k]))
            row++;
        ck_assert_msg (row < TRIPS, "request %zu at %lld ms, node %lld is no row of the demand", k,
                       (long long) log.time_ms[k], (long long) log.node[k]);
        if (trips[row].fleet >= 0)
            ck_assert_int_eq (log.fleet[k], trips[row].fleet);
        ck_assert_int_lt (log.request[k], TRIPS);
        asked_ms[log.request[k]] = log.time_ms[k];
        row++;
        requests++;
    }
    ck_assert_uint_eq (requests, snap->fleets[DISP_FLEET_ROBOTAXI].requests + snap->fleets[DISP_FLEET_HUMAN].requests);
    ck_assert_uint_eq (requests + snap->choice.chose[SIM_CHOICE_OTHER], TRIPS);
    sim_world_destroy (&w);
    disp_link_destroy (&link);
    ck_assert_uint_gt (night_giveups, 0);   /* the night's few drivers leave some waiting: each its own minute */

    /* not a day's demand: out of order, a node off the map */
    trips[10].time_ms = trips[9].time_ms - 1;
    w = sim_world_new (&cfg, s_graph, &opts, err, sizeof err);
    ck_assert_ptr_null (w);
    ck_assert_ptr_nonnull (strstr (err, "trip 10 "));
    trips[10].time_ms = trips[9].time_ms;
    trips[11].destination = (uint32_t) n;
    w = sim_world_new (&cfg, s_graph, &opts, err, sizeof err);
    ck_assert_ptr_null (w);
    ck_assert_ptr_nonnull (strstr (err, "trip 11 "));
    free (trips);
}
END_TEST

START_TEST (test_unusable_service_area_refused)
{
    sim_config_t cfg;
    char err[512];
    s_small (&cfg);
    ck_assert (sim_config_set (&cfg, "robotaxi.service_area=10,10,11,11", err, sizeof err) == 0);
    sim_world_opts_t opts = {0};
    sim_world_t *w = sim_world_new (&cfg, s_graph, &opts, err, sizeof err);
    ck_assert_ptr_null (w);
    ck_assert_msg (strstr (err, "robotaxi.service_area") && strstr (err, "no road"), "%s", err);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_world");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 600);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_day_shape);
    tcase_add_test (core, test_baseline_sees_the_same_riders);
    tcase_add_test (core, test_same_seed_identical_files_other_seed_different);
    tcase_add_test (core, test_routes_ahead_change_nothing);
    tcase_add_test (core, test_given_demand_plays_those_requests);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_set_timeout (limits, 600);
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_riders_give_up_without_vehicles);
    tcase_add_test (limits, test_no_drivers_no_robotaxis);
    tcase_add_test (limits, test_unusable_service_area_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
