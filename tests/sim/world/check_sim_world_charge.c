/* check_sim_world_charge: electric fleets in the world (charging.mode battery) as an operator would audit a day:
 * every battery's energy balances (charged = used + end - start), none runs below zero or above its capacity, no
 * charging site ever has more vehicles plugged in than plugs, vehicles that find every plug busy wait and are
 * plugged in first come first served, low vehicles really go to charge (events and legs say so, on the roads), even
 * ones standing idle all day, the same day twice is the same, and charging.mode fixed has no batteries at all. */
#include <check.h>

#include "rt_check.h"
#include <math.h>
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

enum { S_EVENTS_MAX = 400000 };

typedef struct {
    int64_t time_ms[S_EVENTS_MAX], vehicle[S_EVENTS_MAX], node[S_EVENTS_MAX];
    sim_event_kind_t kind[S_EVENTS_MAX];
    size_t count;
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
    for (size_t i = 0; i + 1 < leg->count; i++)
        if (leg->nodes[i] != leg->nodes[i + 1])
            ck_assert_uint_ne (map_graph_find_edge (g, leg->nodes[i], leg->nodes[i + 1]), MAP_EDGE_NONE);
    log->legs[leg->state]++;
}

/* The small default city with a day busy enough for every car to need a charge now and then. */
static void
s_config (sim_config_t *cfg, const char *const *extra)
{
    char err[256];
    sim_config_defaults (cfg);
    static const char *const base[] = {"charging.mode=battery", "demand.trips_per_day=20000", "human.drivers=600",
                                       "robotaxi.fleet_size=40", "choice.asc_robotaxi=-1", NULL};
    for (const char *const *s = base; *s; s++)
        ck_assert_msg (sim_config_set (cfg, *s, err, sizeof err) == 0, "%s: %s", *s, err);
    for (const char *const *s = extra; s && *s; s++)
        ck_assert_msg (sim_config_set (cfg, *s, err, sizeof err) == 0, "%s: %s", *s, err);
    ck_assert_msg (sim_config_check (cfg, err, sizeof err) == 0, "%s", err);
}

/* What a day gave: copies of the world's rows. */
typedef struct {
    sim_battery_row_t *batteries;
    size_t nbatteries;
    sim_charge_session_t *sessions;
    size_t nsessions;
    sim_charge_site_row_t *sites;
    size_t nsites;
    sim_snapshot_t final;
} s_day_t;

static void
s_day_free (s_day_t *d)
{
    free (d->batteries);
    free (d->sessions);
    free (d->sites);
}

static void *
s_copy (const void *p, size_t n, size_t size)
{
    void *q = malloc (n * size + 1);
    ck_assert_ptr_nonnull (q);
    if (n)
        memcpy (q, p, n * size);
    return q;
}

static void
s_play (const sim_config_t *cfg, s_log_t *log, s_day_t *day)
{
    char err[512];
    disp_hello_t hello;
    sim_run_hello (cfg, s_net, &hello);
    disp_link_t *link = disp_link_inproc_new (s_net, &hello, NULL, NULL, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    memset (log, 0, sizeof *log);
    sim_world_opts_t opts = {.on_event = s_on_event, .event_arg = log, .on_leg = s_on_leg, .track_arg = log};
    sim_world_t *w = sim_world_new (cfg, s_net, &opts, err, sizeof err);
    ck_assert_msg (w != NULL, "%s", err);
    ck_assert_msg (sim_world_run (w, link, NULL, NULL, err, sizeof err) == 0, "%s", err);
    day->final = *sim_world_final (w);
    const sim_battery_row_t *b;
    const sim_charge_session_t *s;
    const sim_charge_site_row_t *c;
    day->nbatteries = sim_world_batteries (w, &b);
    day->nsessions = sim_world_charge_sessions (w, &s);
    day->nsites = sim_world_charge_sites (w, &c);
    day->batteries = s_copy (b, day->nbatteries, sizeof *b);
    day->sessions = s_copy (s, day->nsessions, sizeof *s);
    day->sites = s_copy (c, day->nsites, sizeof *c);
    sim_world_destroy (&w);
    disp_link_destroy (&link);
}

static s_log_t s_log, s_log2;

START_TEST (test_energy_balances_and_stays_in_the_battery)
{
    sim_config_t cfg;
    s_config (&cfg, NULL);
    s_day_t day;
    s_play (&cfg, &s_log, &day);
    ck_assert_uint_eq (day.nbatteries, 640);
    size_t charged = 0;
    for (size_t i = 0; i < day.nbatteries; i++) {
        const sim_battery_row_t *r = &day.batteries[i];
        ck_assert_msg (fabs (r->charged_kwh - (r->used_kwh + r->end_kwh - r->start_kwh)) < 1e-6,
                       "vehicle %u: charged %.6f, used %.6f, %.6f -> %.6f", r->vehicle, r->charged_kwh, r->used_kwh,
                       r->start_kwh, r->end_kwh);
        ck_assert_msg (r->min_kwh >= 0, "vehicle %u ran down to %.3f kWh", r->vehicle, r->min_kwh);
        ck_assert (r->end_kwh <= r->capacity_kwh + 1e-9 && r->start_kwh <= r->capacity_kwh + 1e-9);
        ck_assert (r->bought_kwh >= r->charged_kwh);   /* losses: bought more than went in */
        charged += r->sessions > 0;
    }
    /* a busy day: many cars charge at least once, robotaxis among them */
    ck_assert_uint_gt (charged, 100);
    size_t robotaxi_sessions = 0;
    double depot_yuan = 0, depot_kwh = 0;
    for (size_t i = 0; i < day.nsessions; i++) {
        const sim_charge_session_t *s = &day.sessions[i];
        ck_assert (s->soc_to <= 1.0 + 1e-9 && s->soc_to >= s->soc_from);
        ck_assert (s->plug_ms >= s->arrive_ms && s->end_ms >= s->plug_ms);
        if (!s->cut)   /* charged to the fleet's level */
            ck_assert_double_eq_tol (s->soc_to, s->fleet == DISP_FLEET_ROBOTAXI ? 0.9 : 0.8, 1e-3);
        ck_assert_int_eq (day.sites[s->site].depot, s->fleet == DISP_FLEET_ROBOTAXI);   /* each fleet its own sites */
        if (s->fleet == DISP_FLEET_ROBOTAXI) {
            robotaxi_sessions++;
            depot_yuan += s->energy_yuan;
            depot_kwh += s->bought_kwh;
        }
    }
    ck_assert_uint_gt (robotaxi_sessions, 5);
    /* the robotaxis' energy cost is what they bought plus their day's net draw at the depot's valley price (0.31) */
    double want = 0;
    for (size_t i = 0; i < day.nbatteries; i++) {
        const sim_battery_row_t *r = &day.batteries[i];
        if (r->fleet == DISP_FLEET_ROBOTAXI)
            want += r->energy_yuan + (r->start_kwh - r->end_kwh) / 0.92 * 0.31;
    }
    const sim_fleet_metrics_t *rf = &day.final.fleets[DISP_FLEET_ROBOTAXI];
    ck_assert_int_eq (rf->battery, 1);
    ck_assert_double_eq_tol (rf->energy_yuan, want, 1e-6);
    /* the depot tariff's prices run 0.31 .. 1.17 yuan per kWh bought */
    ck_assert (depot_yuan / depot_kwh > 0.30 && depot_yuan / depot_kwh < 1.18);
    /* the low went to charge: a charge_start per session not begun after a wait, legs to the charger and at it */
    size_t starts = 0, waits = 0;
    for (size_t i = 0; i < s_log.count; i++) {
        starts += s_log.kind[i] == SIM_EVENT_CHARGE_START;
        waits += s_log.kind[i] == SIM_EVENT_CHARGE_WAIT;
    }
    ck_assert_uint_eq (starts, day.nsessions);
    ck_assert_uint_gt (s_log.legs[SIM_LEG_TO_CHARGER], 0);
    ck_assert_uint_gt (s_log.legs[SIM_LEG_CHARGING], 0);
    s_day_free (&day);
}
END_TEST

/* Few plugs, low batteries: queues form; plugs never over-occupied; the queue is served in arrival order. */
START_TEST (test_plugs_and_queues)
{
    sim_config_t cfg;
    static const char *const scarce[] = {"charging.public_sites=2", "charging.public_plugs=2",
                                         "human.start_soc=0.4", NULL};
    s_config (&cfg, scarce);
    s_day_t day;
    s_play (&cfg, &s_log, &day);
    size_t waited = 0;
    for (size_t s = 0; s < day.nsites; s++) {
        /* the most plugged in at once, from the sessions' [plug, end) spans */
        size_t peak = 0;
        for (size_t i = 0; i < day.nsessions; i++) {
            const sim_charge_session_t *a = &day.sessions[i];
            if (a->site != s)
                continue;
            size_t at_once = 0;
            for (size_t j = 0; j < day.nsessions; j++) {
                const sim_charge_session_t *b = &day.sessions[j];
                at_once += b->site == s && b->plug_ms <= a->plug_ms && b->end_ms > a->plug_ms;
            }
            peak = at_once > peak ? at_once : peak;
            /* first come, first served: whoever arrived before a and waited was plugged in no later than a */
            for (size_t j = 0; j < day.nsessions; j++) {
                const sim_charge_session_t *b = &day.sessions[j];
                if (b->site == s && b->arrive_ms < a->arrive_ms && b->plug_ms > b->arrive_ms &&
                    a->plug_ms > a->arrive_ms)
                    ck_assert_int_le (b->plug_ms, a->plug_ms);
            }
            waited += a->plug_ms > a->arrive_ms;
        }
        ck_assert_msg (peak <= day.sites[s].plugs, "site %zu: %zu plugged in at once, %u plugs", s, peak,
                       day.sites[s].plugs);
    }
    ck_assert_uint_gt (waited, 10);   /* two public sites of two plugs for 600 drivers: they wait */
    double wait_h = 0;
    for (size_t i = 0; i < day.nbatteries; i++)
        wait_h += day.batteries[i].wait_h;
    ck_assert (wait_h > 1.0);
    s_day_free (&day);
}
END_TEST

/* Robotaxis that stand idle all day (hardly any riders) still draw their computer's power: they go to charge when
 * their battery runs low, instead of standing until it is flat. */
START_TEST (test_idle_vehicles_charge_before_they_run_flat)
{
    sim_config_t cfg;
    static const char *const quiet[] = {"demand.trips_per_day=300", "human.drivers=50", "robotaxi.start_soc=0.22",
                                        NULL};
    s_config (&cfg, quiet);
    s_day_t day;
    s_play (&cfg, &s_log, &day);
    size_t robotaxis = 0;
    for (size_t i = 0; i < day.nbatteries; i++) {
        const sim_battery_row_t *r = &day.batteries[i];
        ck_assert_msg (r->min_kwh >= 0, "vehicle %u ran down to %.3f kWh", r->vehicle, r->min_kwh);
        if (r->fleet == DISP_FLEET_ROBOTAXI) {
            robotaxis++;
            ck_assert_msg (r->sessions >= 1, "robotaxi %u never charged (%.2f kWh left)", r->vehicle, r->end_kwh);
        }
    }
    ck_assert_uint_eq (robotaxis, 40);
    s_day_free (&day);
}
END_TEST

/* Small batteries and long rides: a range-blind dispatcher sent robotaxis on rides they could not finish (down to
 * -47% of the battery on this day). Each vehicle tells the dispatcher its reach, rides are kept within it, and a
 * vehicle that can take no ride goes to charge: none drops below the reserve, and the robotaxis still carry riders. */
START_TEST (test_rides_stay_within_reach)
{
    sim_config_t cfg;
    static const char *const small[] = {"robotaxi.battery_kwh=12", "robotaxi.start_soc=0.5",
                                        "robotaxi.charge_below_soc=0.15", "demand.trip_km_mean=10",
                                        "demand.trip_km_max=30", "charging.depot_plugs_per_vehicle=1", NULL};
    s_config (&cfg, small);
    s_day_t day;
    s_play (&cfg, &s_log, &day);
    size_t robotaxis = 0;
    for (size_t i = 0; i < day.nbatteries; i++) {
        const sim_battery_row_t *r = &day.batteries[i];
        double reserve_kwh = cfg.charging.reserve_soc * r->capacity_kwh;
        ck_assert_msg (r->min_kwh >= reserve_kwh, "vehicle %u (%s) ran down to %.3f kWh, below its reserve %.3f",
                       r->vehicle, r->fleet == DISP_FLEET_ROBOTAXI ? "robotaxi" : "human", r->min_kwh, reserve_kwh);
        robotaxis += r->fleet == DISP_FLEET_ROBOTAXI;
    }
    ck_assert_uint_eq (robotaxis, 40);
    ck_assert_msg (day.final.fleets[DISP_FLEET_ROBOTAXI].served >= 400, "robotaxis served %llu riders",
                   (unsigned long long) day.final.fleets[DISP_FLEET_ROBOTAXI].served);
    s_day_free (&day);
}
END_TEST

START_TEST (test_same_day_twice)
{
    sim_config_t cfg;
    s_config (&cfg, NULL);
    s_day_t a, b;
    s_play (&cfg, &s_log, &a);
    s_play (&cfg, &s_log2, &b);
    ck_assert_uint_eq (a.nsessions, b.nsessions);
    for (size_t i = 0; i < a.nsessions; i++) {
        const sim_charge_session_t *x = &a.sessions[i], *y = &b.sessions[i];
        ck_assert (x->vehicle == y->vehicle && x->site == y->site && x->arrive_ms == y->arrive_ms &&
                   x->plug_ms == y->plug_ms && x->end_ms == y->end_ms && x->charged_kwh == y->charged_kwh &&
                   x->energy_yuan == y->energy_yuan && x->cut == y->cut);
    }
    ck_assert_uint_eq (a.nbatteries, b.nbatteries);
    for (size_t i = 0; i < a.nbatteries; i++)
        ck_assert (a.batteries[i].used_kwh == b.batteries[i].used_kwh &&
                   a.batteries[i].end_kwh == b.batteries[i].end_kwh &&
                   a.batteries[i].energy_yuan == b.batteries[i].energy_yuan);
    ck_assert_uint_eq (s_log.count, s_log2.count);
    s_day_free (&a);
    s_day_free (&b);
}
END_TEST

/* The robotaxis' sessions that began in [from_h, to_h), and what all their kWh bought cost per kWh. */
static size_t
s_robotaxi_sessions (const s_day_t *day, int from_h, int to_h, double *yuan_per_kwh)
{
    size_t n = 0;
    double kwh = 0, yuan = 0;
    for (size_t i = 0; i < day->nsessions; i++) {
        const sim_charge_session_t *s = &day->sessions[i];
        if (s->fleet != DISP_FLEET_ROBOTAXI)
            continue;
        kwh += s->bought_kwh;
        yuan += s->energy_yuan;
        n += s->plug_ms >= from_h * 3600000LL && s->plug_ms < to_h * 3600000LL;
    }
    *yuan_per_kwh = kwh > 0 ? yuan / kwh : 0;
    return n;
}

/* Policy charge-early sends the robotaxis low on reach to charge in the midday valley (12-14 h) instead of letting
 * them run low into the evening peak: many more of their sessions begin then than under nearest (29 against 7), and
 * their kWh cost less (0.75 yuan against 0.83). Under charging.mode fixed it decides as nearest. */
START_TEST (test_charge_early_charges_in_the_valley)
{
    sim_config_t cfg;
    static const char *const early[] = {"dispatch.policy=charge-early", NULL};
    s_day_t near, mid;
    double near_price, mid_price;
    s_config (&cfg, NULL);
    s_play (&cfg, &s_log, &near);
    s_config (&cfg, early);
    s_play (&cfg, &s_log2, &mid);
    size_t near_midday = s_robotaxi_sessions (&near, 12, 14, &near_price);
    size_t mid_midday = s_robotaxi_sessions (&mid, 12, 14, &mid_price);
    ck_assert_msg (mid_midday >= near_midday + 15, "charge-early began %zu robotaxi sessions at 12-14 h, nearest %zu",
                   mid_midday, near_midday);
    ck_assert_msg (mid_price < 0.95 * near_price, "charge-early paid %.3f yuan/kWh, nearest %.3f", mid_price,
                   near_price);
    s_day_free (&near);
    s_day_free (&mid);

    static const char *const fixed[] = {"charging.mode=fixed", NULL};
    static const char *const fixed_early[] = {"charging.mode=fixed", "dispatch.policy=charge-early", NULL};
    s_config (&cfg, fixed);
    s_play (&cfg, &s_log, &near);
    s_config (&cfg, fixed_early);
    s_play (&cfg, &s_log2, &mid);
    ck_assert_uint_eq (s_log.count, s_log2.count);
    for (size_t i = 0; i < s_log.count; i++) {
        ck_assert_int_eq (s_log.time_ms[i], s_log2.time_ms[i]);
        ck_assert_int_eq (s_log.vehicle[i], s_log2.vehicle[i]);
        ck_assert_int_eq (s_log.kind[i], s_log2.kind[i]);
    }
    s_day_free (&near);
    s_day_free (&mid);
}
END_TEST

START_TEST (test_fixed_mode_has_no_batteries)
{
    sim_config_t cfg;
    static const char *const fixed[] = {"charging.mode=fixed", NULL};
    s_config (&cfg, fixed);
    s_day_t day;
    s_play (&cfg, &s_log, &day);
    ck_assert_uint_eq (day.nbatteries, 0);
    ck_assert_uint_eq (day.nsessions, 0);
    ck_assert_uint_eq (day.nsites, 0);
    for (size_t i = 0; i < s_log.count; i++)
        ck_assert (s_log.kind[i] != SIM_EVENT_CHARGE_START && s_log.kind[i] != SIM_EVENT_CHARGE_WAIT);
    s_day_free (&day);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_world_charge");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_set_timeout (core, 300);
    tcase_add_test (core, test_energy_balances_and_stays_in_the_battery);
    tcase_add_test (core, test_plugs_and_queues);
    tcase_add_test (core, test_idle_vehicles_charge_before_they_run_flat);
    tcase_add_test (core, test_rides_stay_within_reach);
    tcase_add_test (core, test_charge_early_charges_in_the_valley);
    tcase_add_test (core, test_same_day_twice);
    tcase_add_test (core, test_fixed_mode_has_no_batteries);
    suite_add_tcase (s, core);
    return rt_check_run (s);
}
