/* check_sim_world_fleets: fleets given to the world (sim_world_opts_t depots and shifts, as robotaxi.depot_file and
 * human.shift_file give them): robotaxis start at their depot and are back there before service resumes; human
 * drivers work their given shift, start from home and end at home; those drives are on the roads, empty km, told
 * as to_depot and going_home legs, and replace the booked human.commute_km; the same day twice is the same. A suite
 * of its own beside check_sim_world, for the world's fleets from files. */
#include <check.h>

#include "rt_check.h"
#include <stdlib.h>
#include <string.h>

#include "disp_link.h"
#include "map_graph.h"
#include "map_net.h"
#include "sim_config.h"
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

enum { S_ROBOTAXIS = 40, S_DRIVERS = 300, S_EVENTS_MAX = 400000 };

/* Every event with a vehicle, in the order told. */
typedef struct {
    int64_t time_ms[S_EVENTS_MAX], vehicle[S_EVENTS_MAX], node[S_EVENTS_MAX];
    sim_event_kind_t kind[S_EVENTS_MAX];
    size_t count;
    /* from the legs: km of the drives to the depot and home, and how many */
    double km[SIM_LEG_STATE_COUNT];
    size_t legs[SIM_LEG_STATE_COUNT];
} s_log_t;

static void
s_on_event (void *arg, const sim_event_t *e)
{
    s_log_t *log = arg;
    if (e->vehicle == SIM_EVENT_NONE)
        return;
    ck_assert_uint_lt (log->count, S_EVENTS_MAX);
    log->time_ms[log->count] = e->time_ms;
    log->vehicle[log->count] = e->vehicle;
    log->node[log->count] = e->node;
    log->kind[log->count++] = e->kind;
}

static void
s_on_leg (void *arg, const sim_leg_t *leg)
{
    s_log_t *log = arg;
    const map_graph_t *g = map_net_graph (s_net);
    double m = 0;
    for (size_t i = 0; i + 1 < leg->count; i++) {
        if (leg->nodes[i] == leg->nodes[i + 1])
            continue;   /* an idle spell, or a drive that goes nowhere */
        uint32_t e = map_graph_find_edge (g, leg->nodes[i], leg->nodes[i + 1]);
        ck_assert_uint_ne (e, MAP_EDGE_NONE);   /* on the roads */
        m += map_graph_edge (g, e)->length_m;
    }
    log->km[leg->state] += m / 1000.0;
    log->legs[leg->state]++;
}

/* The small default city, its depots (two, in the service area) and shifts (varied starts and lengths, some past
 * midnight, homes spread over the map). */
static void
s_fleets (sim_config_t *cfg, uint32_t *depots, sim_shift_t *shifts, double trips_per_day)
{
    char err[256], set[64];
    sim_config_defaults (cfg);
    snprintf (set, sizeof set, "demand.trips_per_day=%g", trips_per_day);
    ck_assert (sim_config_set (cfg, set, err, sizeof err) == 0);
    ck_assert (sim_config_set (cfg, "human.drivers=300", err, sizeof err) == 0);
    ck_assert (sim_config_set (cfg, "robotaxi.fleet_size=40", err, sizeof err) == 0);
    ck_assert (sim_config_set (cfg, "choice.asc_robotaxi=-1", err, sizeof err) == 0);
    const map_graph_t *g = map_net_graph (s_net);
    uint32_t n = (uint32_t) map_graph_node_count (g), in_area[2] = {MAP_NODE_NONE, MAP_NODE_NONE};
    const double *b = cfg->robotaxi.service_area;
    for (uint32_t i = 0, k = 0; i < n && k < 2; i += 97) {
        const map_node_t *node = map_graph_node (g, i);
        if (node->lon > b[0] && node->lon < b[2] && node->lat > b[1] && node->lat < b[3])
            in_area[k++] = i;
    }
    ck_assert_uint_ne (in_area[1], MAP_NODE_NONE);
    for (uint32_t i = 0; i < S_ROBOTAXIS; i++)
        depots[i] = in_area[i < 25 ? 0 : 1];
    for (uint32_t v = 0; v < S_DRIVERS; v++)
        shifts[v] = (sim_shift_t) {.start_h = (double) (v % 24) + 0.25, .length_h = 6 + v % 7, .home = v * 37 % n};
}

static void
s_play (const sim_config_t *cfg, const uint32_t *depots, const sim_shift_t *shifts, s_log_t *log,
        sim_snapshot_t *final)
{
    char err[512];
    disp_hello_t hello;
    sim_run_hello (cfg, s_net, &hello);
    disp_link_t *link = disp_link_inproc_new (s_net, &hello, NULL, NULL, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    memset (log, 0, sizeof *log);
    sim_world_opts_t opts = {.on_event = s_on_event, .event_arg = log, .on_leg = s_on_leg, .track_arg = log,
                             .depots = depots, .shifts = shifts};
    sim_world_t *w = sim_world_new (cfg, s_net, &opts, err, sizeof err);
    ck_assert_msg (w != NULL, "%s", err);
    ck_assert_msg (sim_world_run (w, link, NULL, NULL, err, sizeof err) == 0, "%s", err);
    *final = *sim_world_final (w);
    sim_world_destroy (&w);
    disp_link_destroy (&link);
}

/* A busy day: every vehicle's first shift start is at its depot or home; every real shift end (not midnight's seam)
 * is followed, after the ride under way if any, by the vehicle at its depot or home before its next start; human
 * shifts are the given ones. */
START_TEST (test_start_and_end_at_depots_and_homes)
{
    sim_config_t cfg;
    static uint32_t depots[S_ROBOTAXIS];
    static sim_shift_t shifts[S_DRIVERS];
    static s_log_t log;
    sim_snapshot_t final;
    s_fleets (&cfg, depots, shifts, 6000);
    s_play (&cfg, depots, shifts, &log, &final);
    ck_assert_uint_gt (final.fleets[DISP_FLEET_ROBOTAXI].served, 100);
    size_t ends = 0, drove_back = 0, robotaxi_ends = 0;
    for (uint32_t v = 0; v < S_DRIVERS + S_ROBOTAXIS; v++) {
        int64_t home = v < S_DRIVERS ? shifts[v].home : depots[v - S_DRIVERS];
        int away = 0, seen_start = 0, ride_past_midnight = 0;
        int64_t end_ms = -1;
        for (size_t k = 0; k < log.count; k++) {
            if (log.vehicle[k] != v)
                continue;
            if (log.kind[k] == SIM_EVENT_SHIFT_START) {
                if (v < S_DRIVERS && log.time_ms[k] > 0)   /* the given shift's start */
                    ck_assert_int_eq (log.time_ms[k], (int64_t) llround (shifts[v].start_h * 3600000.0));
                if (seen_start && log.time_ms[k] > 0 && away) {
                    /* service resumed while the vehicle still drives home (a robotaxi's half hour of cleaning
                     * with batteries): its next event is the arrival there, from where it serves */
                    size_t next = k + 1;
                    while (next < log.count && log.vehicle[next] != v)
                        next++;
                    ck_assert_msg (next < log.count && log.kind[next] == SIM_EVENT_ARRIVE && log.node[next] == home,
                                   "vehicle %u starts at %lld ms away from home, not on its way there", v,
                                   (long long) log.time_ms[k]);
                    away = 0;
                    drove_back++;
                    end_ms = -1;
                    k = next;
                    continue;
                }
                ck_assert_msg (!seen_start || log.time_ms[k] == 0 || !away,
                               "vehicle %u starts at %lld ms away from home", v, (long long) log.time_ms[k]);
                if (!seen_start || log.time_ms[k] > 0)
                    ck_assert_msg (log.node[k] == home || (seen_start && log.time_ms[k] == 0),
                                   "vehicle %u starts at node %lld, not its home %lld", v, (long long) log.node[k],
                                   (long long) home);
                seen_start = 1;
                end_ms = -1;
            } else if (log.kind[k] == SIM_EVENT_SHIFT_END && log.time_ms[k] > 0 && log.time_ms[k] < SIM_DAY_MS) {
                end_ms = log.time_ms[k];
                away = log.node[k] != home;
                ends++;
                robotaxi_ends += v >= S_DRIVERS;
            } else if (end_ms >= 0 && log.kind[k] == SIM_EVENT_DROPOFF) {
                away = 1;
                ride_past_midnight = log.time_ms[k] >= SIM_DAY_MS;
            } else if (end_ms >= 0 && log.kind[k] == SIM_EVENT_ARRIVE && away) {
                ck_assert_int_eq (log.node[k], home);
                away = 0;
                drove_back++;
            }
        }
        if (end_ms >= 0 && !ride_past_midnight)
            ck_assert_msg (!away, "vehicle %u ended its service at %lld ms and did not get home", v,
                           (long long) end_ms);
    }
    ck_assert_uint_gt (ends, S_DRIVERS / 2);
    ck_assert_uint_gt (robotaxi_ends, S_ROBOTAXIS / 2);
    ck_assert_uint_gt (drove_back, S_DRIVERS / 2);
    ck_assert_uint_eq (log.legs[SIM_LEG_GOING_HOME] + log.legs[SIM_LEG_TO_DEPOT], drove_back);
    ck_assert_uint_gt (log.legs[SIM_LEG_TO_DEPOT], 0);

    /* the same day again: the same events */
    static s_log_t again;
    sim_snapshot_t final2;
    s_play (&cfg, depots, shifts, &again, &final2);
    ck_assert_uint_eq (again.count, log.count);
    ck_assert (memcmp (again.node, log.node, log.count * sizeof *log.node) == 0);
    ck_assert (memcmp (again.time_ms, log.time_ms, log.count * sizeof *log.time_ms) == 0);
    ck_assert_double_eq (final2.fleets[DISP_FLEET_HUMAN].km_driven, final.fleets[DISP_FLEET_HUMAN].km_driven);
}
END_TEST

/* A day without riders and without cruising: the only km are the drives home and to the depots, all of them empty,
 * each the length of its leg on the roads; nothing of human.commute_km is booked. */
START_TEST (test_drives_home_are_empty_km)
{
    sim_config_t cfg;
    char err[256];
    static uint32_t depots[S_ROBOTAXIS];
    static sim_shift_t shifts[S_DRIVERS];
    static s_log_t log;
    sim_snapshot_t final;
    s_fleets (&cfg, depots, shifts, 0);
    ck_assert (sim_config_set (&cfg, "human.cruise_kmh=0", err, sizeof err) == 0);
    s_play (&cfg, depots, shifts, &log, &final);
    const sim_fleet_metrics_t *h = &final.fleets[DISP_FLEET_HUMAN], *r = &final.fleets[DISP_FLEET_ROBOTAXI];
    ck_assert_uint_eq (h->served + r->served, 0);
    /* drivers start at home and are there at the end: no km at all, where the booked commute gave 2 x 5 km a shift */
    ck_assert_double_eq_tol (h->km_driven, 0, 1e-9);
    ck_assert_double_eq_tol (r->km_driven, 0, 1e-9);
    ck_assert_uint_eq (log.legs[SIM_LEG_GOING_HOME] + log.legs[SIM_LEG_TO_DEPOT], 0);
    /* drivers whose cruising took them away: with cruising on, every going_home km is an empty km */
    ck_assert (sim_config_set (&cfg, "human.cruise_kmh=7", err, sizeof err) == 0);
    s_play (&cfg, depots, shifts, &log, &final);
    ck_assert_uint_gt (log.legs[SIM_LEG_GOING_HOME], S_DRIVERS / 2);
    ck_assert_double_gt (log.km[SIM_LEG_GOING_HOME], 0);
    double driven = log.km[SIM_LEG_GOING_HOME] + log.km[SIM_LEG_CRUISING];
    ck_assert_double_eq_tol (h->km_driven, driven, 1e-6 * driven);
    ck_assert_double_eq_tol (h->empty_km_share, 1.0, 1e-12);
}
END_TEST

/* A depot or shift the world cannot use is refused with the vehicle named. */
START_TEST (test_bad_fleets_refused)
{
    sim_config_t cfg;
    char err[512];
    static uint32_t depots[S_ROBOTAXIS];
    static sim_shift_t shifts[S_DRIVERS];
    s_fleets (&cfg, depots, shifts, 100);
    depots[7] = (uint32_t) map_graph_node_count (map_net_graph (s_net));
    sim_world_opts_t opts = {.depots = depots};
    sim_world_t *w = sim_world_new (&cfg, s_net, &opts, err, sizeof err);
    ck_assert_ptr_null (w);
    ck_assert_msg (strstr (err, "robotaxi 7: depot node"), "%s", err);
    depots[7] = 0;
    shifts[3].length_h = 0;
    opts = (sim_world_opts_t) {.shifts = shifts};
    w = sim_world_new (&cfg, s_net, &opts, err, sizeof err);
    ck_assert_ptr_null (w);
    ck_assert_msg (strstr (err, "driver 3: a shift"), "%s", err);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_world_fleets");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 600);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_start_and_end_at_depots_and_homes);
    tcase_add_test (core, test_drives_home_are_empty_km);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_bad_fleets_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
