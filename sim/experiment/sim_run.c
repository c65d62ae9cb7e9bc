/* sim_run: a run from scenario to output folder. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sim_run.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disp_link.h"
#include "disp_maps.h"
#include "map_error.h"
#include "map_graph.h"
#include "map_net.h"
#include "sim_codec.h"
#include "sim_cost.h"
#include "sim_drivers.h"
#include "sim_events.h"
#include "sim_file.h"
#include "sim_plot.h"
#include "sim_report.h"
#include "sim_world.h"

typedef struct {
    const char *label;
    int quiet;
} s_progress_t;

static void
s_on_hour (sim_world_t *world, int hour, void *arg)
{
    s_progress_t *p = arg;
    if (p->quiet)
        return;
    sim_snapshot_t snap;
    sim_world_snapshot (world, SIM_SNAPSHOT_PERIODIC, &snap);
    const sim_fleet_metrics_t *r = &snap.fleets[DISP_FLEET_ROBOTAXI], *h = &snap.fleets[DISP_FLEET_HUMAN];
    fprintf (stderr,
             "robotaxi-sim: %s%02d:00  requests %7llu  served %7llu  gave up %6llu  riders underway %4zu  busy: robotaxi "
             "%3.0f%% human %3.0f%%\n",
             p->label, hour, (unsigned long long) (r->requests + h->requests),
             (unsigned long long) (r->served + h->served), (unsigned long long) (r->unserved + h->unserved),
             sim_world_active_riders (world), 100 * (r->util_occupied + r->util_pickup),
             100 * (h->util_occupied + h->util_pickup));
}

static void
s_on_link_log (const char *line, void *arg)
{
    (void) arg;
    fprintf (stderr, "robotaxi-sim: %s\n", line);
}

static disp_link_t *
s_link (const sim_run_opts_t *opts, const map_net_t *g, const disp_hello_t *hello, const char *publish,
        char *err, size_t errlen)
{
    if (strcmp (opts->dispatcher, "inproc") == 0)
        return disp_link_inproc_new (g, hello, publish, publish ? opts->state : NULL, err, errlen);
    disp_link_t *link = disp_link_zmq_new_keys (opts->dispatcher, hello, opts->timeout_ms, opts->keys, err, errlen);
    if (link)
        disp_link_set_recovery (link, opts->reconnect_ms, opts->quiet ? NULL : s_on_link_log, NULL);
    return link;
}

int
sim_run_write_config (const char *dir, const sim_config_t *cfg, char *err, size_t errlen)
{
    sim_file_t out;
    if (sim_file_open (&out, dir, "config.ini", err, errlen) < 0)
        return -1;
    if (sim_config_write (cfg, out.f) < 0) {
        sim_file_abandon (&out);
        return map_error (err, errlen, "%s: write failed", out.path);
    }
    return sim_file_close (&out, err, errlen);
}

/* Draws the plots and report of DIR with draw (sim_plot_run or sim_plot_sweep). A missing gnuplot is a note on
 * stderr, not a failure: the CSV files and report.html are there. 0, or -1 with a message. */
static int
s_draw (int (*draw) (const char *, char *, size_t), const char *dir, char *err, size_t errlen)
{
    char why[1024];
    int rc = draw (dir, why, sizeof why);
    if (rc < 0)
        return map_error (err, errlen, "%s", why);
    if (rc > 0)
        fprintf (stderr, "robotaxi-sim: %s\n", why);
    return 0;
}

/* The day's row of days.csv from the day's final snapshot (with its displacement when a baseline ran). */
static void
s_day_row (const sim_snapshot_t *final, sim_day_row_t *row)
{
    const sim_fleet_metrics_t *r = &final->fleets[DISP_FLEET_ROBOTAXI], *h = &final->fleets[DISP_FLEET_HUMAN];
    memset (row, 0, sizeof *row);
    row->day = final->day;
    row->active_drivers = final->drivers.drivers;
    row->driver_hours = final->drivers.hours_online;
    row->driver_net_hourly_yuan = final->drivers.net_hourly_yuan;
    row->driver_net_income_yuan = final->drivers.net_income_yuan;
    row->robotaxi_trips = r->served;
    row->human_trips = h->served;
    row->unserved = r->unserved + h->unserved;
    row->considered = final->choice.considered;
    row->chose_other = final->choice.chose[SIM_CHOICE_OTHER];
    row->robotaxi_share = r->served + h->served ? (double) r->served / (double) (r->served + h->served) : 0.0;
    if (final->has_displacement) {
        const sim_displacement_t *x = &final->displacement;
        row->has_baseline = 1;
        row->baseline_active_drivers = x->baseline_drivers;
        row->displaced_drivers = x->displaced_drivers;
        row->income_lost_yuan = x->displaced_income_yuan;
        row->trips_lost = x->displaced_trips;
    }
}

/* One series of days (the scenario's, or the one without robotaxis): its pool of drivers, its link, today's world,
 * and a copy of today's drivers' rows (the other series reads the baseline's). */
typedef struct {
    int is_baseline;
    sim_drivers_t *drivers;
    uint8_t *works;
    disp_link_t *link;
    sim_world_t *world;
    sim_driver_row_t *rows;
    sim_snapshot_t final;
    sim_events_t *events;      /* the run's events log (not owned), or NULL: the baseline series never logs */
} s_series_t;

static void
s_series_clear (s_series_t *x)
{
    sim_drivers_destroy (&x->drivers);
    free (x->works);
    free (x->rows);
    sim_world_destroy (&x->world);
    disp_link_destroy (&x->link);
}

static int
s_series_open (s_series_t *x, int is_baseline, const sim_config_t *cfg, const sim_run_opts_t *opts,
               const map_net_t *net, const disp_hello_t *hello, const char *publish, char *err, size_t errlen)
{
    size_t pool = (size_t) cfg->human.drivers;
    x->is_baseline = is_baseline;
    x->drivers = sim_drivers_new (cfg);
    x->works = malloc (pool ? pool : 1);
    x->rows = malloc ((pool ? pool : 1) * sizeof *x->rows);
    if (!x->drivers || !x->works || !x->rows) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    x->link = s_link (opts, net, hello, publish, err, errlen);
    return x->link ? 0 : -1;
}

/* Plays day `day` of series x: the drivers decide, the world plays, the drivers learn. With base (the baseline's
 * series, already played today) the day reports displacement against it. */
static int
s_series_day (s_series_t *x, const s_series_t *base, uint32_t day, const sim_config_t *cfg,
              const sim_run_opts_t *opts, const map_net_t *net, const disp_hello_t *hello, char *err, size_t errlen)
{
    sim_world_destroy (&x->world);
    if (day > 0 && disp_link_restart (x->link, hello, err, errlen) < 0)
        return -1;
    sim_drivers_decide (x->drivers, day, x->works);
    sim_world_opts_t wopts = {
        .baseline = x->is_baseline, .publish = x->is_baseline ? NULL : sim_codec_publication, .day = day,
        .works = x->works, .on_event = x->events ? sim_events_on_event : NULL, .event_arg = x->events};
    x->world = sim_world_new (cfg, net, &wopts, err, errlen);
    if (!x->world)
        return -1;
    if (base)
        sim_world_set_baseline (x->world, &base->final, base->rows);
    char label[48];
    if (cfg->scenario.days > 1)
        snprintf (label, sizeof label, "%sday %u ", x->is_baseline ? "baseline " : "", day + 1);
    else
        snprintf (label, sizeof label, "%s", x->is_baseline ? "baseline " : "");
    /* hourly lines for a single day; a longer run reports once a day */
    s_progress_t progress = {.label = label, .quiet = opts->quiet || cfg->scenario.days > 1};
    if (sim_world_run (x->world, x->link, s_on_hour, &progress, err, errlen) < 0)
        return -1;
    x->final = *sim_world_final (x->world);
    const sim_driver_row_t *rows;
    size_t n = sim_world_drivers (x->world, &rows);
    memcpy (x->rows, rows, n * sizeof *rows);
    sim_drivers_learn (x->drivers, rows, n);
    return 0;
}

/* The files of a run's last day, from its world. */
static int
s_write_day_files (const char *out_dir, const sim_config_t *cfg, sim_world_t *world, const sim_snapshot_t *final,
                   char *err, size_t errlen)
{
    const sim_driver_row_t *rows;
    size_t nrows = sim_world_drivers (world, &rows);
    sim_choice_curve_t curve;
    sim_world_choice_curve (world, &curve);
    if (sim_report_write_summary (out_dir, final, err, errlen) < 0 ||
        sim_report_write_hourly (out_dir, sim_world_metrics (world), err, errlen) < 0 ||
        sim_report_write_waits (out_dir, sim_world_metrics (world), cfg, err, errlen) < 0 ||
        sim_report_write_choice (out_dir, cfg, &curve, err, errlen) < 0 ||
        sim_report_write_drivers (out_dir, rows, nrows, err, errlen) < 0)
        return -1;
    return 0;
}

int
sim_run_play (const sim_config_t *cfg, const map_net_t *net, const sim_run_opts_t *opts, const char *out_dir,
              sim_run_result_t *res, char *err, size_t errlen)
{
    int rc = -1;
    memset (res, 0, sizeof *res);
    disp_hello_t hello;
    sim_run_hello (cfg, net, &hello);
    hello.config.own_policies = opts->own_policies;
    hello.config.own_policy_count = opts->own_policy_count;
    s_series_t base = {0}, main = {0};
    uint32_t days = (uint32_t) cfg->scenario.days;
    res->days = calloc (days, sizeof *res->days);
    if (!res->days) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    if (opts->baseline && s_series_open (&base, 1, cfg, opts, net, &hello, NULL, err, errlen) < 0)
        goto done;
    if (s_series_open (&main, 0, cfg, opts, net, &hello, opts->publish, err, errlen) < 0)
        goto done;
    if (out_dir && opts->events) {
        main.events = sim_events_open (out_dir, err, errlen);
        if (!main.events)
            goto done;
    } else if (out_dir && sim_events_remove (out_dir, err, errlen) < 0) {
        goto done;
    }
    if (opts->publish && opts->wait_subscribers > 0) {
        int joined = disp_link_wait_subscribers (main.link, opts->wait_subscribers, opts->timeout_ms);
        if (joined < opts->wait_subscribers) {
            snprintf (err, errlen, "%s: %d of %d subscribers joined within %.1f s", opts->publish, joined,
                      opts->wait_subscribers, opts->timeout_ms / 1000.0);
            goto done;
        }
    }
    for (uint32_t day = 0; day < days; day++) {
        if (opts->baseline && s_series_day (&base, NULL, day, cfg, opts, net, &hello, err, errlen) < 0)
            goto done;
        if (s_series_day (&main, opts->baseline ? &base : NULL, day, cfg, opts, net, &hello, err, errlen) < 0)
            goto done;
        sim_day_row_t *row = &res->days[res->day_count++];
        s_day_row (&main.final, row);
        for (int f = 0; f < DISP_FLEET_COUNT; f++) {
            sim_cost_use_t use;
            sim_world_cost_use (&main.final.fleets[f], &use);
            res->use[f].vehicle_days += use.vehicle_days;
            res->use[f].hours_online += use.hours_online;
            res->use[f].hours_occupied += use.hours_occupied;
            res->use[f].km += use.km;
            res->use[f].trips += use.trips;
            res->use[f].fares_yuan += use.fares_yuan;
        }
        if (days > 1 && !opts->quiet)
            fprintf (stderr, "robotaxi-sim: day %u/%u  drivers %u  net %.1f yuan/h  robotaxi share %.1f%%  gave up %llu\n",
                     day + 1, days, row->active_drivers, row->driver_net_hourly_yuan, 100 * row->robotaxi_share,
                     (unsigned long long) row->unserved);
        if (days > 1 && !opts->quiet && row->has_baseline)
            fprintf (stderr, "robotaxi-sim: day %u/%u  without robotaxis %u drivers; %u displaced\n", day + 1, days,
                     row->baseline_active_drivers, row->displaced_drivers);
    }
    res->final = main.final;
    for (int f = 0; f < DISP_FLEET_COUNT; f++)
        sim_cost_fleet (cfg, (disp_fleet_t) f, &res->use[f], &res->cost[f]);
    if (out_dir && (s_write_day_files (out_dir, cfg, main.world, &main.final, err, errlen) < 0 ||
                    sim_report_write_days (out_dir, res->days, res->day_count, err, errlen) < 0 ||
                    sim_report_write_costs (out_dir, cfg, res->use, err, errlen) < 0 ||
                    sim_report_write_fares (out_dir, cfg, err, errlen) < 0))
        goto done;
    if (sim_events_close (&main.events, err, errlen) < 0)
        goto done;
    rc = 0;
done:
    sim_events_destroy (&main.events);   /* a failed run leaves no log */
    s_series_clear (&base);
    s_series_clear (&main);
    if (rc < 0)
        sim_run_result_clear (res);
    return rc;
}

void
sim_run_result_clear (sim_run_result_t *res)
{
    free (res->days);
    res->days = NULL;
    res->day_count = 0;
}

void
sim_run_hello (const sim_config_t *cfg, const map_net_t *net, disp_hello_t *hello)
{
    memset (hello, 0, sizeof *hello);
    snprintf (hello->protocol, sizeof hello->protocol, "%s", DISP_PROTOCOL);
    snprintf (hello->session, sizeof hello->session, "%.40s seed %llu", cfg->scenario.name,
              (unsigned long long) cfg->scenario.seed);
    /* A dispatcher never opens a file a client names: a map file goes by its name (its file name without folders and
     * suffixes, as robotaxi-dispatcher --map FILE names it), and where the service caches imports is its own
     * business. */
    sim_config_map_spec (cfg, &hello->map);
    if (cfg->map_file[0] && disp_maps_name_of (cfg->map_file, hello->map.source, sizeof hello->map.source) != 0)
        hello->map.source[0] = '\0'; /* refused by the dispatcher as "not a map name" */
    hello->map.cache[0] = '\0';
    hello->map_fingerprint = map_graph_fingerprint (map_net_graph (net));
    hello->traffic = cfg->traffic;
    snprintf (hello->config.policy, sizeof hello->config.policy, "%s", cfg->dispatch.policy);
    hello->config.max_pickup_ms = (int64_t) llround (cfg->dispatch.max_pickup_min * 60000.0);
    /* vehicle ids run from 0 to drivers + robotaxis - 1; a session needs room for at least one */
    uint64_t vehicles = (uint64_t) (cfg->human.drivers + cfg->robotaxi.fleet_size);
    hello->config.vehicle_capacity = vehicles > 0 ? (uint32_t) vehicles : 1;
    disp_params_t *p = &hello->config.params;
    p->batch_window_ms = (int64_t) llround (cfg->dispatch.batch_window_s * 1000.0);
    p->batch_candidates = (uint32_t) cfg->dispatch.batch_candidates;
    p->cost_per_km[DISP_FLEET_ROBOTAXI] = cfg->dispatch.robotaxi_cost_per_km;
    p->cost_per_km[DISP_FLEET_HUMAN] = cfg->dispatch.human_cost_per_km;
    p->wait_yuan_per_min = cfg->dispatch.wait_yuan_per_min;
    p->rebalance = cfg->dispatch.rebalance ? 1 : 0;
    p->rebalance_interval_ms = (int64_t) llround (cfg->dispatch.rebalance_interval_min * 60000.0);
    p->rebalance_zone_m = cfg->dispatch.rebalance_zone_m;
    p->rebalance_horizon_ms = (int64_t) llround (cfg->dispatch.rebalance_horizon_min * 60000.0);
    hello->mode = DISP_MODE_LOCKSTEP;
    /* A lockstep simulator speaks at every step, but may compute for a while between days: promise a word a
     * minute, so the dispatcher keeps the session 10 minutes (the link pings faster while it waits for answers). */
    hello->heartbeat_ms = 60000;
    hello->live_step_ms = DISP_LIVE_STEP_MS_DEFAULT;
}

static void
s_on_map_log (const char *line, void *arg)
{
    const sim_run_opts_t *opts = arg;
    if (!opts->quiet)
        fprintf (stderr, "robotaxi-sim: %s\n", line);
}

/* Makes a file name absolute in place (the file need not exist yet): the resolved path when it exists, else the
 * current folder joined with it. 0, or -1 with a message when the result does not fit. */
static int
s_make_absolute (char *path, size_t size, const char *key, char *err, size_t errlen)
{
    if (path[0] == '\0' || path[0] == '/')
        return 0;
    char real[PATH_MAX], cwd[PATH_MAX];
    if (!realpath (path, real)) {
        if (!getcwd (cwd, sizeof cwd) ||
            (size_t) snprintf (real, sizeof real, "%s/%s", cwd, path) >= sizeof real) {
            snprintf (err, errlen, "%s: cannot make '%s' absolute", key, path);
            return -1;
        }
    }
    size_t len = strlen (real);
    if (len >= size) {
        snprintf (err, errlen, "%s: '%s' is longer than %zu characters once made absolute", key, path, size - 1);
        return -1;
    }
    memcpy (path, real, len + 1);
    return 0;
}

/* The network the scenario names, with the scenario fitted to it (see sim_config_fit_map). */
map_net_t *
sim_run_open_map (sim_config_t *cfg, const sim_run_opts_t *opts, char *err, size_t errlen)
{
    /* Absolute names make config.ini repeat the run from any folder, and let a dispatcher elsewhere open the same
     * files. */
    if (s_make_absolute (cfg->map_file, sizeof cfg->map_file, "map.file", err, errlen) < 0 ||
        s_make_absolute (cfg->map.cache, sizeof cfg->map.cache, "map.cache", err, errlen) < 0)
        return NULL;
    map_spec_t spec;
    sim_config_map_spec (cfg, &spec);
    map_net_t *net = map_net_open (&spec, s_on_map_log, (void *) opts, err, errlen);
    if (!net)
        return NULL;
    double lon_min, lat_min, lon_max, lat_max;
    map_graph_lonlat_bounds (map_net_graph (net), &lon_min, &lat_min, &lon_max, &lat_max);
    sim_config_fit_map (cfg, lon_min, lat_min, lon_max, lat_max);
    return net;
}

int
sim_run (const sim_config_t *scenario, const sim_run_opts_t *opts, char *err, size_t errlen)
{
    int rc = -1;
    map_net_t *net = NULL;
    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    *cfg = *scenario;
    if (sim_file_make_dir (opts->out_dir, err, errlen) < 0)
        goto done;
    net = sim_run_open_map (cfg, opts, err, errlen);
    if (!net)
        goto done;
    const map_graph_t *g = map_net_graph (net);
    if (!opts->quiet)
        fprintf (stderr, "robotaxi-sim: map %s: %zu nodes, %zu edges (EPSG:%d); dispatcher %s\n",
                 map_net_meta (net)->source, map_graph_node_count (g), map_graph_edge_count (g), map_graph_epsg (g),
                 opts->dispatcher);
    /* Written once the scenario is fitted to the map, so the file reproduces the run exactly. */
    if (sim_run_write_config (opts->out_dir, cfg, err, errlen) < 0)
        goto done;

    sim_run_result_t res;
    if (sim_run_play (cfg, net, opts, opts->out_dir, &res, err, errlen) < 0)
        goto done;
    sim_report_print_summary (stdout, &res.final);
    sim_report_print_costs (stdout, res.cost);
    if (res.day_count > 1)
        sim_report_print_days (stdout, res.days, res.day_count);
    sim_run_result_clear (&res);
    if (!opts->no_plots && s_draw (sim_plot_run, opts->out_dir, err, errlen) < 0)
        goto done;
    printf ("\nresults in %s/: %ssummary.json, costs.csv, costcurve.csv, hourly.csv, days.csv, fares.csv, waits.csv, "
            "choice.csv, drivers.csv, %sconfig.ini\n",
            opts->out_dir, opts->no_plots ? "" : "report.html (open it in a browser), *.svg, ",
            opts->events ? "events.csv, " : "");
    rc = 0;
done:
    map_net_destroy (&net);
    free (cfg);
    return rc;
}

/* ---- headline figures and sweeps ------------------------------------------------------------------------------ */

int
sim_run_headline (const sim_run_result_t *res, int baseline, sim_sweep_row_t *row)
{
    const sim_snapshot_t *last = &res->final;
    const sim_fleet_metrics_t *lr = &last->fleets[DISP_FLEET_ROBOTAXI], *lh = &last->fleets[DISP_FLEET_HUMAN];
    const sim_cost_t *cr = &res->cost[DISP_FLEET_ROBOTAXI], *ch = &res->cost[DISP_FLEET_HUMAN];
    double days = res->day_count ? (double) res->day_count : 1.0;
    double trips_r = 0, trips_h = 0, unserved = 0, considered = 0, other = 0, drivers = 0, hours = 0, net = 0;
    double base_drivers = 0, displaced = 0, income_lost = 0, trips_lost = 0;
    for (size_t i = 0; i < res->day_count; i++) {
        const sim_day_row_t *d = &res->days[i];
        trips_r += (double) d->robotaxi_trips;
        trips_h += (double) d->human_trips;
        unserved += (double) d->unserved;
        considered += (double) d->considered;
        other += (double) d->chose_other;
        drivers += d->active_drivers;
        hours += d->driver_hours;
        net += d->driver_net_income_yuan;
        base_drivers += d->baseline_active_drivers;
        displaced += d->displaced_drivers;
        income_lost += d->income_lost_yuan;
        trips_lost += (double) d->trips_lost;
    }
    double served = trips_r + trips_h;
    struct {
        const char *name;
        double value;
    } m[] = {
        {"robotaxi_trips", trips_r / days},
        {"human_trips", trips_h / days},
        {"robotaxi_share", served > 0 ? trips_r / served : 0},
        {"served_share", served + unserved > 0 ? served / (served + unserved) : 0},
        {"other_mode_share", considered > 0 ? other / considered : 0},
        {"robotaxi_mean_wait_s", lr->mean_wait_s},
        {"robotaxi_p95_wait_s", lr->p95_wait_s},
        {"human_mean_wait_s", lh->mean_wait_s},
        {"human_p95_wait_s", lh->p95_wait_s},
        {"robotaxi_utilization", cr->utilization},
        {"human_utilization", ch->utilization},
        {"robotaxi_empty_km_share", lr->empty_km_share},
        {"human_empty_km_share", lh->empty_km_share},
        {"robotaxi_revenue_yuan", res->use[DISP_FLEET_ROBOTAXI].fares_yuan / days},
        {"human_revenue_yuan", res->use[DISP_FLEET_HUMAN].fares_yuan / days},
        {"robotaxi_rides_per_vehicle_day", res->use[DISP_FLEET_ROBOTAXI].vehicle_days > 0
                                               ? res->use[DISP_FLEET_ROBOTAXI].trips /
                                                     res->use[DISP_FLEET_ROBOTAXI].vehicle_days
                                               : 0},
        {"robotaxi_cost_per_km", cr->cost_per_km},
        {"human_cost_per_km", ch->cost_per_km},
        {"robotaxi_cost_per_vehicle_day", cr->cost_per_vehicle_day},
        {"robotaxi_profit_per_vehicle_day", cr->profit_per_vehicle_day},
        {"robotaxi_break_even_rides_per_day", cr->break_even_rides_per_day},
        {"human_cost_per_vehicle_day", ch->cost_per_vehicle_day},
        {"human_profit_per_vehicle_day", ch->profit_per_vehicle_day},
        {"active_drivers", drivers / days},
        {"driver_net_hourly_yuan", hours > 0 ? net / hours : 0},
        {"driver_net_income_yuan", net / days},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (sim_sweep_row_add (row, m[i].name, m[i].value) < 0)
            return -1;
    if (!baseline)
        return 0;
    if (sim_sweep_row_add (row, "baseline_active_drivers", base_drivers / days) < 0 ||
        sim_sweep_row_add (row, "displaced_drivers", displaced / days) < 0 ||
        sim_sweep_row_add (row, "displaced_income_yuan", income_lost / days) < 0 ||
        sim_sweep_row_add (row, "displaced_trips", trips_lost / days) < 0 ||
        sim_sweep_row_add (row, "trips_moved", (double) last->displacement.trips_moved) < 0 ||
        sim_sweep_row_add (row, "fulltime_drivers_equivalent", last->displacement.fulltime_drivers_equivalent) < 0)
        return -1;
    return 0;
}

typedef struct {
    const sim_run_opts_t *opts;
    const map_net_t *net;      /* shared, or NULL: each run opens its own (a map key is swept) */
    char runs_dir[4096];
    int quiet_progress;
} s_sweep_ctx_t;

static int
s_sweep_one (const sim_config_t *point, size_t run, sim_sweep_row_t *row, void *arg, char *err, size_t errlen)
{
    s_sweep_ctx_t *ctx = arg;
    int rc = -1;
    char dir[4200];
    map_net_t *own = NULL;
    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    *cfg = *point;
    sim_run_opts_t opts = *ctx->opts;
    opts.quiet = 1;
    opts.publish = NULL;
    opts.state = NULL;
    opts.wait_subscribers = 0;
    const map_net_t *net = ctx->net;
    if (!net) {
        own = sim_run_open_map (cfg, &opts, err, errlen);
        if (!own)
            goto done;
        net = own;
    }
    snprintf (dir, sizeof dir, "%s/%04zu", ctx->runs_dir, run);
    if (sim_file_make_dir (dir, err, errlen) < 0)
        goto done;
    if (sim_run_write_config (dir, cfg, err, errlen) < 0)
        goto done;
    sim_run_result_t res;
    if (sim_run_play (cfg, net, &opts, dir, &res, err, errlen) < 0)
        goto done;
    rc = sim_run_headline (&res, opts.baseline, row);
    if (rc < 0)
        snprintf (err, errlen, "too many metrics for a sweep row");
    sim_run_result_clear (&res);
done:
    map_net_destroy (&own);
    free (cfg);
    return rc;
}

static void
s_sweep_progress (size_t done, size_t total, void *arg)
{
    (void) arg;
    fprintf (stderr, "robotaxi-sim: sweep: %zu/%zu runs done\n", done, total);
}

int
sim_run_sweep (const sim_config_t *scenario, sim_sweep_t *sweep, int jobs, const sim_run_opts_t *opts, char *err,
               size_t errlen)
{
    int rc = -1;
    char path[4200];
    map_net_t *net = NULL;
    s_sweep_ctx_t ctx = {.opts = opts};
    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    *cfg = *scenario;
    int map_swept = 0;
    for (size_t k = 0; k < sim_sweep_keys (sweep); k++)
        map_swept |= strncmp (sim_sweep_key (sweep, k), "map.", 4) == 0;
    snprintf (ctx.runs_dir, sizeof ctx.runs_dir, "%s/runs", opts->out_dir);
    if (sim_file_make_dir (ctx.runs_dir, err, errlen) < 0)
        goto done;
    if (!map_swept) {
        /* one map for every run; the base is fitted to it once, so every run's config.ini names the same map */
        net = sim_run_open_map (cfg, opts, err, errlen);
        if (!net)
            goto done;
        ctx.net = net;
    }
    if (!opts->quiet)
        fprintf (stderr, "robotaxi-sim: sweep: %zu runs (%zu points x %llu seeds) on %d threads\n",
                 sim_sweep_runs (sweep), sim_sweep_points (sweep), (unsigned long long) sim_sweep_seeds (sweep), jobs);
    snprintf (path, sizeof path, "%s/sweep.csv", opts->out_dir);
    if (sim_sweep_run (sweep, cfg, jobs, s_sweep_one, &ctx, path, opts->quiet ? NULL : s_sweep_progress, NULL, err,
                       errlen) < 0)
        goto done;
    if (!opts->no_plots && s_draw (sim_plot_sweep, opts->out_dir, err, errlen) < 0)
        goto done;
    rc = 0;
done:
    map_net_destroy (&net);
    free (cfg);
    return rc;
}
