/* sim_run: a run from scenario to output folder. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sim_run.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "disp_link.h"
#include "disp_maps.h"
#include "map_error.h"
#include "map_graph.h"
#include "map_net.h"
#include "sim_codec.h"
#include "sim_cost.h"
#include "sim_csv.h"
#include "sim_drivers.h"
#include "sim_events.h"
#include "sim_traj.h"
#include "sim_file.h"
#include "sim_outdir.h"
#include "sim_plot.h"
#include "sim_report.h"
#include "sim_shard.h"
#include "sim_tripfile.h"
#include "sim_fleetfile.h"
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
        row->trips_moved = x->trips_moved;
        row->income_moved_yuan = x->income_moved_yuan;
        row->fulltime_drivers_equivalent = x->fulltime_drivers_equivalent;
    }
}

/* One series of days (the scenario's, or the one without robotaxis): its pool of drivers, its link, today's world,
 * and a copy of today's drivers' rows (the other series reads the baseline's). */
typedef struct {
    int is_baseline;
    int route_thread;          /* its worlds route rides ahead on a thread of their own (sim_world_opts_t) */
    const sim_tripfile_t *demand; /* the trips file's rows (demand.file), or NULL: drawn */
    const sim_fleetfile_t *fleets; /* depots, shifts and charging sites from files (sim_fleetfile.h), or NULL */
    sim_drivers_t *drivers;
    uint8_t *works;
    disp_link_t *link;
    sim_world_t *world;
    sim_driver_row_t *rows;
    sim_snapshot_t final;
    sim_events_t *events;      /* the run's events log (not owned), or NULL: the baseline series never logs */
    sim_traj_t *traj;          /* the run's trajectories (not owned), or NULL: the baseline series is not tracked */
} s_series_t;

/* A world's events, to the series' log and trajectories (requests.csv). */
static void
s_on_event (void *series, const sim_event_t *event)
{
    const s_series_t *x = series;
    if (x->events)
        sim_events_on_event (x->events, event);
    if (x->traj)
        sim_traj_on_event (x->traj, event);
}

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
    size_t trip_count = 0;   /* the file's rows of this day's date: the baseline's day plays the same ones */
    const sim_trip_t *trips = x->demand ? sim_tripfile_trips (x->demand, day, &trip_count) : NULL;
    sim_world_opts_t wopts = {.baseline = x->is_baseline,
                              .publish = x->is_baseline ? NULL : sim_codec_publication,
                              .day = day,
                              .works = x->works,
                              .on_event = x->events || x->traj ? s_on_event : NULL,
                              .event_arg = x,
                              .on_leg = x->traj ? sim_traj_on_leg : NULL,
                              .on_sample = x->traj && opts->traj->period_s > 0 ? sim_traj_on_sample : NULL,
                              .track_arg = x->traj,
                              .tracked = x->traj ? sim_traj_tracked (x->traj) : NULL,
                              .sample_ms = x->traj ? (int64_t) opts->traj->period_s * 1000 : 0,
                              .route_thread = x->route_thread,
                              .trips = trips,
                              .trip_count = trip_count,
                              .depots = x->fleets ? x->fleets->depots : NULL,
                              .shifts = x->fleets ? x->fleets->shifts : NULL,
                              .charge_sites = x->fleets ? x->fleets->sites : NULL,
                              .charge_site_count = x->fleets ? x->fleets->site_count : 0};
    if (x->traj)
        sim_traj_day (x->traj, day + 1);
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

/* The baseline's next day, played on a thread of its own while the scenario's series plays today: the baseline never
 * reads the other series, and the other reads only a copy of the baseline's finished day, so the two overlap and a
 * multi-day run with --baseline takes about the time of one series on two cores. Results are those of playing the
 * days one after the other. */
typedef struct {
    s_series_t *base;
    uint32_t day;
    const sim_config_t *cfg;
    const sim_run_opts_t *opts;
    const map_net_t *net;
    const disp_hello_t *hello;
    int rc;
    char err[512];
} s_base_job_t;

static void *
s_base_play (void *arg)
{
    s_base_job_t *job = arg;
    job->rc = s_series_day (job->base, NULL, job->day, job->cfg, job->opts, job->net, job->hello, job->err,
                            sizeof job->err);
    return NULL;
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
    if (sim_report_write_summary (out_dir, final, (uint32_t) cfg->scenario.days, err, errlen) < 0 ||
        sim_report_write_hourly (out_dir, sim_world_metrics (world), err, errlen) < 0 ||
        sim_report_write_waits (out_dir, sim_world_metrics (world), cfg, err, errlen) < 0 ||
        sim_report_write_choice (out_dir, cfg, &curve, err, errlen) < 0 ||
        sim_report_write_drivers (out_dir, rows, nrows, err, errlen) < 0)
        return -1;
    const sim_battery_row_t *batteries;
    const sim_charge_session_t *sessions;
    const sim_charge_site_row_t *sites;
    size_t nbatteries = sim_world_batteries (world, &batteries);
    size_t nsessions = sim_world_charge_sessions (world, &sessions);
    size_t nsites = sim_world_charge_sites (world, &sites);
    if (nbatteries > 0 && (sim_report_write_charging (out_dir, batteries, nbatteries, sessions, nsessions, sites,
                                                      nsites, err, errlen) < 0 ||
                           sim_report_write_charging_hourly (out_dir, sim_world_metrics (world), sessions, nsessions,
                                                             err, errlen) < 0))
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
    /* today: the baseline's finished day as the scenario's series reads it (final and rows), kept while the baseline
     * plays tomorrow on a second thread */
    s_series_t base = {0}, main = {0}, today = {0};
    sim_tripfile_t demand = {0};
    sim_fleetfile_t fleets = {0};
    uint32_t days = (uint32_t) cfg->scenario.days;
    res->days = calloc (days, sizeof *res->days);
    if (!res->days) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    int baseline = cfg->scenario.baseline != 0;
    if (baseline && s_series_open (&base, 1, cfg, opts, net, &hello, NULL, err, errlen) < 0)
        goto done;
    if (s_series_open (&main, 0, cfg, opts, net, &hello, opts->publish, err, errlen) < 0)
        goto done;
    if (cfg->demand.file[0]) {   /* read once: both series play each day's rows (every day the same without dates) */
        int got = sim_tripfile_load (cfg, net, &demand, err, errlen);
        if (got != 0) {
            rc = got == 1 ? SIM_RUN_NO_INPUT : SIM_RUN_BAD_DATA;
            goto done;
        }
        base.demand = main.demand = &demand;
        char what[1024];
        sim_tripfile_describe (&demand, cfg->demand.file, what, sizeof what);
        /* rows not played are always told: nothing of a user's file is dropped silently */
        if (!opts->quiet || sim_tripfile_not_played (&demand) > 0)
            fprintf (stderr, "robotaxi-sim: %s\n", what);
    }
    if (cfg->robotaxi.depot_file[0] || cfg->human.shift_file[0] || cfg->charging.site_file[0]) {   /* read once */
        int got = sim_fleetfile_load (cfg, net, &fleets, err, errlen);
        if (got != 0) {
            rc = got == 1 ? SIM_RUN_NO_INPUT : SIM_RUN_BAD_DATA;
            goto done;
        }
        base.fleets = main.fleets = &fleets;
        if (!opts->quiet) {
            char what[1024];
            sim_fleetfile_describe (&fleets, cfg, what, sizeof what);
            fprintf (stderr, "robotaxi-sim: %s\n", what);
        }
    }
    /* Rides routed ahead take the second core; in a run of several days with a baseline, the baseline's next day
     * already does (a third thread only slowed 30 days of the default city from 240 to 281 s). */
    main.route_thread = opts->route_thread && !(baseline && days > 1);
    if (out_dir && opts->events) {
        main.events = sim_events_open (out_dir, err, errlen);
        if (!main.events)
            goto done;
    } else if (out_dir && sim_events_remove (out_dir, err, errlen) < 0) {
        goto done;
    }
    if (out_dir && opts->traj) {
        main.traj = sim_traj_open (out_dir, opts->traj, map_net_graph (net), (uint32_t) cfg->human.drivers,
                                   (uint32_t) cfg->robotaxi.fleet_size, err, errlen);
        if (!main.traj)
            goto done;
        double geojson, fcd;
        sim_traj_estimate (main.traj, days, &geojson, &fcd);
        if (!opts->quiet || geojson + fcd > 1e9)
            fprintf (stderr,
                     "robotaxi-sim: trajectories: up to about %.0f MB of trips.geojson and %.0f MB of fcd.csv "
                     "(--traj-window, --traj-days, --traj-vehicles and --fcd-period write less)\n",
                     geojson / 1e6, fcd / 1e6);
    }
    if (opts->publish && opts->wait_subscribers > 0) {
        int joined = disp_link_wait_subscribers (main.link, opts->wait_subscribers, opts->timeout_ms);
        if (joined < opts->wait_subscribers) {
            snprintf (err, errlen, "%s: %d of %d subscribers joined within %.1f s", opts->publish, joined,
                      opts->wait_subscribers, opts->timeout_ms / 1000.0);
            goto done;
        }
    }
    size_t pool = (size_t) cfg->human.drivers;
    if (baseline && !(today.rows = malloc ((pool ? pool : 1) * sizeof *today.rows))) {
        snprintf (err, errlen, "out of memory");
        goto done;
    }
    if (baseline && s_series_day (&base, NULL, 0, cfg, opts, net, &hello, err, errlen) < 0)
        goto done;
    for (uint32_t day = 0; day < days; day++) {
        s_base_job_t job = {.base = &base, .day = day + 1, .cfg = cfg, .opts = opts, .net = net, .hello = &hello};
        pthread_t thread;
        int ahead = 0;
        if (baseline) {
            today.final = base.final;
            memcpy (today.rows, base.rows, pool * sizeof *today.rows);
            if (day + 1 < days) {
                ahead = pthread_create (&thread, NULL, s_base_play, &job) == 0;
                if (!ahead && s_series_day (&base, NULL, day + 1, cfg, opts, net, &hello, err, errlen) < 0)
                    goto done;
            }
        }
        int main_rc = s_series_day (&main, baseline ? &today : NULL, day, cfg, opts, net, &hello, err, errlen);
        if (ahead) {
            pthread_join (thread, NULL);
            if (main_rc == 0 && job.rc < 0) {
                snprintf (err, errlen, "%s", job.err);
                goto done;
            }
        }
        if (main_rc < 0)
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
            res->use[f].battery = use.battery;
            res->use[f].energy_yuan += use.energy_yuan;
        }
        if (days > 1 && !opts->quiet) {
            char net_h[32], share[32];   /* rounded as days.csv holds them */
            sim_report_fig_text (sim_report_fig_find (SIM_FIGS_DAY, "driver_net_hourly_yuan"),
                                 row->driver_net_hourly_yuan, net_h, sizeof net_h);
            sim_report_fig_text (sim_report_fig_find (SIM_FIGS_DAY, "robotaxi_share"), row->robotaxi_share, share,
                                 sizeof share);
            fprintf (stderr, "robotaxi-sim: day %u/%u  drivers %u  net %s yuan/h  robotaxi share %s  gave up %llu\n",
                     day + 1, days, row->active_drivers, net_h, share, (unsigned long long) row->unserved);
        }
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
    if (sim_events_close (&main.events, err, errlen) < 0 || sim_traj_close (&main.traj, err, errlen) < 0)
        goto done;
    rc = 0;
done:
    free (today.rows);
    sim_tripfile_free (&demand);
    sim_fleetfile_free (&fleets);
    sim_events_destroy (&main.events);   /* a failed run leaves no log */
    sim_traj_destroy (&main.traj);
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
    p->charge_early_hours = 0;
    for (int64_t h = cfg->dispatch.charge_early_from_h; h != cfg->dispatch.charge_early_to_h; h = (h + 1) % 24)
        p->charge_early_hours |= 1u << h;
    p->charge_early_reach_m = cfg->dispatch.charge_early_reach_km * 1000.0;
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
        s_make_absolute (cfg->demand.file, sizeof cfg->demand.file, "demand.file", err, errlen) < 0 ||
        s_make_absolute (cfg->robotaxi.depot_file, sizeof cfg->robotaxi.depot_file, "robotaxi.depot_file", err,
                         errlen) < 0 ||
        s_make_absolute (cfg->human.shift_file, sizeof cfg->human.shift_file, "human.shift_file", err, errlen) < 0 ||
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
    if (sim_config_check_map (cfg, map_net_graph (net), err, errlen) < 0)
        map_net_destroy (&net);
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
    /* refused before a long map import, cleared once the run is about to write */
    rc = sim_outdir_prepare (opts->out_dir, SIM_OUTDIR_CHECK, err, errlen);
    if (rc < 0)
        goto done;
    rc = SIM_RUN_BAD_MAP;
    net = sim_run_open_map (cfg, opts, err, errlen);
    if (!net)
        goto done;
    rc = -1;
    const map_graph_t *g = map_net_graph (net);
    if (!opts->quiet)
        fprintf (stderr, "robotaxi-sim: map %s: %zu nodes, %zu edges (EPSG:%d); dispatcher %s\n",
                 map_net_meta (net)->source, map_graph_node_count (g), map_graph_edge_count (g), map_graph_epsg (g),
                 opts->dispatcher);
    int cleared = sim_outdir_prepare (opts->out_dir, 0, err, errlen);
    if (cleared < 0) {
        rc = cleared;
        goto done;
    }
    /* Written once the scenario is fitted to the map, so the file reproduces the run exactly. */
    if (sim_run_write_config (opts->out_dir, cfg, err, errlen) < 0)
        goto done;

    sim_run_result_t res;
    int played = sim_run_play (cfg, net, opts, opts->out_dir, &res, err, errlen);
    if (played < 0) {
        rc = played;   /* a trips file that is missing or malformed has its own exit status */
        goto done;
    }
    sim_report_print_summary (stdout, &res.final, (uint32_t) res.day_count);
    sim_report_print_costs (stdout, res.cost, (uint32_t) res.day_count);
    sim_report_print_days (stdout, res.days, res.day_count);
    sim_report_print_displacement (stdout, res.days, res.day_count);
    sim_run_result_clear (&res);
    if (!opts->no_plots && s_draw (sim_plot_run, opts->out_dir, err, errlen) < 0)
        goto done;
    printf ("\nresults in %s/: %ssummary.json, costs.csv, costcurve.csv, hourly.csv, days.csv, fares.csv, waits.csv, "
            "choice.csv, drivers.csv, %s%s%sconfig.ini\n",
            opts->out_dir, opts->no_plots ? "" : "report.html (open it in a browser), *.svg, ",
            strcmp (cfg->charging.mode, "battery") == 0
                ? "batteries.csv, charging.csv, charging_hourly.csv, chargers.csv, "
                : "",
            opts->events ? "events.csv, " : "",
            !opts->traj                ? ""
            : opts->traj->period_s > 0 ? "trips.geojson, fcd.csv, roads.geojson, requests.csv, map_frames.json, "
                                       : "trips.geojson, roads.geojson, requests.csv, ");
    rc = 0;
done:
    map_net_destroy (&net);
    free (cfg);
    return rc;
}

/* ---- headline figures and sweeps ------------------------------------------------------------------------------ */

/* v with `decimals` decimals (as printf's %.Nf would show it, as a double); as it is when decimals < 0 or v is not
 * finite. */
static double
s_round (double v, int decimals)
{
    if (decimals < 0 || !isfinite (v))
        return v;
    double scale = pow (10.0, decimals);
    return round (v * scale) / scale + 0.0;   /* + 0.0: no "-0" */
}

/* The headline figures; with `rounded`, each with the decimals the run's own files give the same quantity
 * (costs.csv, days.csv, hourly.csv, choice.csv, summary.json), so sweep.csv reads like them. */
static int
s_headline (const sim_run_result_t *res, int baseline, int rounded, sim_sweep_row_t *row)
{
    const sim_snapshot_t *last = &res->final;
    const sim_fleet_metrics_t *lr = &last->fleets[DISP_FLEET_ROBOTAXI], *lh = &last->fleets[DISP_FLEET_HUMAN];
    const sim_cost_t *cr = &res->cost[DISP_FLEET_ROBOTAXI], *ch = &res->cost[DISP_FLEET_HUMAN];
    double days = res->day_count ? (double) res->day_count : 1.0;
    double trips_r = 0, trips_h = 0, unserved = 0, considered = 0, other = 0, drivers = 0, hours = 0, net = 0;
    double base_drivers = 0, displaced = 0, income_lost = 0, trips_lost = 0, moved = 0, income_moved = 0, fte = 0;
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
        moved += (double) d->trips_moved;
        income_moved += d->income_moved_yuan;
        fte += d->fulltime_drivers_equivalent;
    }
    double served = trips_r + trips_h;
    const sim_cost_use_t *ur = &res->use[DISP_FLEET_ROBOTAXI];
    struct {
        const char *name;
        double value;
        int decimals;
    } m[] = {
        {"robotaxi_trips", trips_r / days, 1},
        {"human_trips", trips_h / days, 1},
        {"robotaxi_share", served > 0 ? trips_r / served : 0, 5},
        {"served_share", served + unserved > 0 ? served / (served + unserved) : 0, 5},
        {"other_mode_share", considered > 0 ? other / considered : 0, 5},
        {"robotaxi_mean_wait_s", lr->mean_wait_s, 1},
        {"robotaxi_p95_wait_s", lr->p95_wait_s, 1},
        {"human_mean_wait_s", lh->mean_wait_s, 1},
        {"human_p95_wait_s", lh->p95_wait_s, 1},
        {"robotaxi_utilization", cr->utilization, 4},
        {"human_utilization", ch->utilization, 4},
        {"robotaxi_empty_km_share", lr->empty_km_share, 4},
        {"human_empty_km_share", lh->empty_km_share, 4},
        {"robotaxi_revenue_yuan", ur->fares_yuan / days, 2},
        {"human_revenue_yuan", res->use[DISP_FLEET_HUMAN].fares_yuan / days, 2},
        {"robotaxi_rides_per_vehicle_day", ur->vehicle_days > 0 ? ur->trips / ur->vehicle_days : 0, 2},
        {"robotaxi_cost_per_km", cr->cost_per_km, 4},
        {"human_cost_per_km", ch->cost_per_km, 4},
        {"robotaxi_cost_per_vehicle_day", cr->cost_per_vehicle_day, 2},
        {"robotaxi_profit_per_vehicle_day", cr->profit_per_vehicle_day, 2},
        {"robotaxi_break_even_rides_per_day", cr->break_even_rides_per_day, 2},
        {"human_cost_per_vehicle_day", ch->cost_per_vehicle_day, 2},
        {"human_profit_per_vehicle_day", ch->profit_per_vehicle_day, 2},
        {"active_drivers", drivers / days, 1},
        {"driver_net_hourly_yuan", hours > 0 ? net / hours : 0, 2},
        {"driver_net_income_yuan", net / days, 2},
        /* with a baseline only */
        {"baseline_active_drivers", base_drivers / days, 1},
        {"displaced_drivers", displaced / days, 1},
        {"displaced_income_yuan", income_lost / days, 2},
        {"displaced_trips", trips_lost / days, 1},
        {"trips_moved", moved / days, 1},
        {"income_moved_yuan", income_moved / days, 2},
        {"fulltime_drivers_equivalent", fte / days, 2},
    };
    size_t count = sizeof m / sizeof m[0] - (baseline ? 0 : 7);
    for (size_t i = 0; i < count; i++)
        if (sim_sweep_row_add (row, m[i].name, rounded ? s_round (m[i].value, m[i].decimals) : m[i].value) < 0)
            return -1;
    return 0;
}

int
sim_run_headline (const sim_run_result_t *res, int baseline, sim_sweep_row_t *row)
{
    return s_headline (res, baseline, 0, row);
}

#define S_HEADLINE "headline.csv"   /* a sweep's run: its row of sweep.csv, written last */

typedef struct {
    const sim_run_opts_t *opts;
    const map_net_t *net;      /* shared, or NULL: each run opens its own (a map key is swept) */
    char runs_dir[4096];
    int jobs;
    /* progress; the sweep calls s_sweep_progress with its lock held, so no lock of our own */
    double start_s, last_line_s, played_s;
    size_t done, total;
} s_sweep_ctx_t;

static double
s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* DIR/headline.csv: the run's metrics by name, each the shortest text that reads back as the same double, so a
 * resumed sweep's sweep.csv is the same bytes as one played in one go. */
static int
s_headline_write (const char *dir, const sim_sweep_row_t *row, char *err, size_t errlen)
{
    sim_file_t out;
    if (sim_file_open (&out, dir, S_HEADLINE, err, errlen) < 0)
        return -1;
    for (size_t m = 0; m < row->count; m++)
        sim_csv_field (out.f, row->name[m], m == 0);
    fputc ('\n', out.f);
    char num[64];
    for (size_t m = 0; m < row->count; m++) {
        sim_csv_format_number (num, sizeof num, row->value[m]);
        sim_csv_field (out.f, num, m == 0);
    }
    fputc ('\n', out.f);
    return sim_file_close (&out, err, errlen);
}

/* The row a finished run left in DIR/headline.csv. 1 when read, 0 when the run did not finish (no such file), -1
 * with "PATH:LINE: why" when the file is not such a row. */
static int
s_headline_read (const char *dir, sim_sweep_row_t *row, char *err, size_t errlen)
{
    char path[SIM_FILE_PATH_MAX];
    if (snprintf (path, sizeof path, "%s/%s", dir, S_HEADLINE) >= (int) sizeof path)
        return map_error (err, errlen, "%s/%s: path too long", dir, S_HEADLINE);
    sim_csv_t csv;
    int rc = sim_csv_load (&csv, path, err, errlen);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    rc = 1;
    row->count = 0;
    if (csv.nrows != 1) {
        rc = map_error (err, errlen, "%s: expected one row of metrics, found %zu", path, csv.nrows);
        goto done;
    }
    for (size_t m = 0; m < csv.ncols; m++) {
        const char *cell = sim_csv_cell (&csv, 0, (int) m);
        char *end;
        double v = strtod (cell, &end);
        if (end == cell || *end || sim_sweep_row_add (row, csv.names[m], v) < 0) {
            rc = map_error (err, errlen, "%s:%d: %s: '%s' is not a metric's value", path, csv.lines[0], csv.names[m],
                            cell);
            goto done;
        }
    }
done:
    sim_csv_free (&csv);
    return rc;
}

static int
s_sweep_one (const sim_config_t *point, size_t run, sim_sweep_row_t *row, void *arg, char *err, size_t errlen)
{
    s_sweep_ctx_t *ctx = arg;
    int rc = -1;
    char dir[4200];
    snprintf (dir, sizeof dir, "%s/%04zu", ctx->runs_dir, run);
    /* a resumed sweep keeps a run that finished: its headline.csv is written last */
    if (ctx->opts->resume) {
        int got = s_headline_read (dir, row, err, errlen);
        if (got != 0)
            return got;
    }
    map_net_t *own = NULL;
    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    *cfg = *point;
    sim_run_opts_t opts = *ctx->opts;
    opts.quiet = 1;
    opts.route_thread = 0;
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
    /* what a run that did not finish left there goes first */
    if (sim_outdir_prepare (dir, SIM_OUTDIR_IN_SWEEP, err, errlen) < 0)
        goto done;
    if (sim_run_write_config (dir, cfg, err, errlen) < 0)
        goto done;
    sim_run_result_t res;
    if (sim_run_play (cfg, net, &opts, dir, &res, err, errlen) < 0)
        goto done;
    if (s_headline (&res, cfg->scenario.baseline != 0, 1, row) < 0)
        snprintf (err, errlen, "too many metrics for a sweep row");
    else
        rc = s_headline_write (dir, row, err, errlen);
    sim_run_result_clear (&res);
done:
    map_net_destroy (&own);
    free (cfg);
    return rc;
}

/* "42s", "3m05s", "2h07m". */
static void
s_duration (char *buf, size_t len, double s)
{
    long t = lround (s);
    if (t < 60)
        snprintf (buf, len, "%lds", t);
    else if (t < 3600)
        snprintf (buf, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf (buf, len, "%ldh%02ldm", t / 3600, t % 3600 / 60);
}

/* A line per finished run, at most one a second (the first, a failure and the last always), with the time left
 * from the mean time of the runs played so far spread over the threads. */
static void
s_sweep_progress (const sim_sweep_progress_t *p, void *arg)
{
    s_sweep_ctx_t *ctx = arg;
    double now = s_now_s ();
    size_t played = p->done - p->resumed, settled = p->done + p->failures;
    if (!p->failed)
        ctx->played_s += p->run_s;
    ctx->done = p->done;
    if (p->failed)   /* told even with -q: the exit status alone would not say which */
        fprintf (stderr, "robotaxi-sim: sweep: run %zu (%s) failed: %s; the other runs go on\n", p->run, p->point,
                 p->message);
    if (ctx->opts->quiet)
        return;
    if (!(settled == 1 || p->failed || settled == p->total || now - ctx->last_line_s >= 1.0))
        return;
    ctx->last_line_s = now;
    char resumed[48] = "", spent[32], left[48];
    if (p->resumed)
        snprintf (resumed, sizeof resumed, " (%zu resumed)", p->resumed);
    s_duration (spent, sizeof spent, now - ctx->start_s);
    size_t remaining = p->total - settled;
    if (remaining == 0) {
        snprintf (left, sizeof left, "none left");
    } else if (played == 0) {
        snprintf (left, sizeof left, "time left unknown until a run is played");
    } else {
        size_t threads = (size_t) ctx->jobs < remaining ? (size_t) ctx->jobs : remaining;
        char t[32];
        s_duration (t, sizeof t, ctx->played_s / (double) played * (double) remaining / (double) threads);
        snprintf (left, sizeof left, "about %s left", t);
    }
    fprintf (stderr, "robotaxi-sim: sweep: %zu/%zu runs done%s, %zu failed, %s spent, %s\n", p->done, p->total,
             resumed, p->failures, spent, left);
}

/* The text write_fn writes into a buffer (malloc'd, NUL-terminated), or NULL when out of memory or on a write
 * error. */
static char *
s_text (int (*write_fn) (const void *, FILE *), const void *what)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&buf, &len);
    if (!f)
        return NULL;
    int rc = write_fn (what, f);
    if (fclose (f) != 0 || rc < 0) {
        free (buf);
        return NULL;
    }
    return buf;
}

static int
s_write_scenario (const void *cfg, FILE *out)
{
    return sim_config_write (cfg, out);
}

typedef struct {
    const sim_sweep_t *sweep;
    int events;
} s_grid_t;

/* sweep.ini: the grid, and whether the runs log their events (a resumed run must be like the others). */
static int
s_write_grid (const void *arg, FILE *out)
{
    const s_grid_t *g = arg;
    fprintf (out, "; robotaxi-sim sweep: the grid played on config.ini's scenario; --resume checks that it is the "
                  "same\n[sweep]\n");
    if (sim_sweep_write_grid (g->sweep, out) < 0)
        return -1;
    fprintf (out, "events = %d\n", g->events);
    return ferror (out) ? -1 : 0;
}

typedef struct {
    const sim_sweep_t *sweep;
    uint32_t fingerprint;
} s_shard_text_t;

/* shard.ini: which share of the sweep the folder holds (sim_shard_write). */
static int
s_write_shard (const void *arg, FILE *out)
{
    const s_shard_text_t *s = arg;
    return sim_shard_write (out, s->sweep, s->fingerprint);
}

/* One line of text (from *at, advanced past it) into buf, "(none)" at the end. */
static void
s_line (const char **at, char *buf, size_t len)
{
    size_t n = strcspn (*at, "\n");
    if (n == 0 && !**at)
        snprintf (buf, len, "(none)");
    else
        snprintf (buf, len, "%.*s", (int) n, *at);
    *at += n + ((*at)[n] == '\n');
}

/* Whether DIR/NAME holds exactly text; SIM_RUN_REFUSED with the first line that differs when not. */
static int
s_same_sweep (const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
    char path[SIM_FILE_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen (path, "r");
    if (!f) {
        map_error (err, errlen, "%s: %s: the folder holds no whole sweep to resume", path, strerror (errno));
        return SIM_RUN_REFUSED;
    }
    char *old = NULL;
    size_t cap = 0;
    ssize_t got = getdelim (&old, &cap, '\0', f);
    fclose (f);
    if (got < 0) {
        free (old);
        return map_error (err, errlen, "%s: cannot read it", path);
    }
    const char *a = old, *b = text;
    int rc = 0;
    for (int line = 1; *a || *b; line++) {
        char was[512], now[512];
        s_line (&a, was, sizeof was);
        s_line (&b, now, sizeof now);
        if (strcmp (was, now) != 0) {
            map_error (err, errlen, "%s:%d: the folder holds another sweep: '%s' there, '%s' now (--resume "
                       "continues the same sweep: the same scenario, --set, --seed, --sweep, --replications, --shard "
                       "and --events)", path, line, was, now);
            rc = SIM_RUN_REFUSED;
            break;
        }
    }
    free (old);
    return rc;
}

/* Writes DIR/NAME with text. */
static int
s_write_text (const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
    sim_file_t out;
    if (sim_file_open (&out, dir, name, err, errlen) < 0)
        return -1;
    fputs (text, out.f);
    return sim_file_close (&out, err, errlen);
}

int
sim_run_sweep (const sim_config_t *scenario, sim_sweep_t *sweep, int jobs, const sim_run_opts_t *opts, char *err,
               size_t errlen)
{
    int rc = -1;
    /* with ranks, rank 0 checks and prepares the folder, then tells the others to go (or not) */
    const sim_pool_net_t *ranks = opts->net && opts->net->size > 1 ? opts->net : NULL;
    int rank0 = !ranks || ranks->rank == 0, told = 0;
    char path[4200];
    char *config_text = NULL, *grid_text = NULL, *shard_text = NULL;
    map_net_t *net = NULL;
    s_sweep_ctx_t ctx = {.opts = opts, .jobs = jobs, .total = sim_sweep_shard_runs (sweep)};
    size_t shard_k, shard_n;
    sim_sweep_shard (sweep, &shard_k, &shard_n);
    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    *cfg = *scenario;
    int map_swept = 0;
    for (size_t k = 0; k < sim_sweep_keys (sweep); k++)
        map_swept |= strncmp (sim_sweep_key (sweep, k), "map.", 4) == 0;
    unsigned keep = opts->resume ? SIM_OUTDIR_KEEP_SWEEP : 0;
    snprintf (path, sizeof path, "%s/sweep.ini", opts->out_dir);
    struct stat st;
    if (rank0 && opts->resume && stat (path, &st) < 0) {
        map_error (err, errlen, "%s: %s: no sweep to resume there (start it without --resume)", path,
                   strerror (errno));
        rc = SIM_RUN_NO_SWEEP;
        goto done;
    }
    /* refused before a long map import, cleared once the sweep is known to be the one to continue */
    int ready = rank0 ? sim_outdir_prepare (opts->out_dir, SIM_OUTDIR_CHECK | keep, err, errlen) : 0;
    if (ready < 0) {
        rc = ready;
        goto done;
    }
    if (!map_swept) {
        /* one map for every run; the base is fitted to it once, so every run's config.ini names the same map */
        net = sim_run_open_map (cfg, opts, err, errlen);
        if (!net) {
            rc = SIM_RUN_BAD_MAP;
            goto done;
        }
        ctx.net = net;
    }
    s_grid_t grid = {.sweep = sweep, .events = opts->events};
    config_text = s_text (s_write_scenario, cfg);
    grid_text = s_text (s_write_grid, &grid);
    if (!config_text || !grid_text) {
        snprintf (err, errlen, "out of memory");
        goto done;
    }
    if (opts->shard) {
        s_shard_text_t st_arg = {.sweep = sweep, .fingerprint = sim_shard_fingerprint (config_text, grid_text)};
        shard_text = s_text (s_write_shard, &st_arg);
        if (!shard_text) {
            snprintf (err, errlen, "out of memory");
            goto done;
        }
    }
    if (rank0 && opts->resume) {
        int same = s_same_sweep (opts->out_dir, "config.ini", config_text, err, errlen);
        if (same == 0)
            same = s_same_sweep (opts->out_dir, "sweep.ini", grid_text, err, errlen);
        snprintf (path, sizeof path, "%s/%s", opts->out_dir, SIM_SHARD_FILE);
        if (same == 0 && opts->shard && stat (path, &st) < 0) {
            map_error (err, errlen, "%s: %s: the folder holds this sweep played without --shard, not a shard of it "
                       "(resume it without --shard)", path, strerror (errno));
            same = SIM_RUN_REFUSED;
        }
        if (same == 0 && opts->shard)
            same = s_same_sweep (opts->out_dir, SIM_SHARD_FILE, shard_text, err, errlen);
        if (same == 0 && !opts->shard && stat (path, &st) == 0) {
            map_error (err, errlen, "%s: the folder holds one shard of this sweep, not the whole sweep (resume it "
                       "with the --shard its shard.ini names; robotaxi-sim merge joins the shards)", path);
            same = SIM_RUN_REFUSED;
        }
        if (same < 0) {
            rc = same;
            goto done;
        }
    }
    ready = rank0 ? sim_outdir_prepare (opts->out_dir, keep, err, errlen) : 0;
    if (ready < 0) {
        rc = ready;
        goto done;
    }
    if (rank0 && !opts->resume && (s_write_text (opts->out_dir, "config.ini", config_text, err, errlen) < 0 ||
                          s_write_text (opts->out_dir, "sweep.ini", grid_text, err, errlen) < 0 ||
                          (shard_text && s_write_text (opts->out_dir, SIM_SHARD_FILE, shard_text, err, errlen) < 0)))
        goto done;
    snprintf (ctx.runs_dir, sizeof ctx.runs_dir, "%s/runs", opts->out_dir);
    if (rank0 && sim_file_make_dir (ctx.runs_dir, err, errlen) < 0)
        goto done;
    if (ranks) {
        told = 1;
        int go = ranks->share (ranks->self, 0);
        if (go != 0) {
            map_error (err, errlen, "rank 0 did not start the sweep");
            rc = SIM_RUN_OTHER_RANK;
            goto done;
        }
    }
    char where[64] = "";
    if (ranks)
        snprintf (where, sizeof where, "%d MPI ranks x ", ranks->size);
    if (!opts->quiet && opts->shard)
        fprintf (stderr, "robotaxi-sim: sweep: shard %zu/%zu: %zu of the %zu runs (%zu points x %llu seeds) on %s%d "
                 "threads%s\n", shard_k, shard_n, ctx.total, sim_sweep_runs (sweep), sim_sweep_points (sweep),
                 (unsigned long long) sim_sweep_seeds (sweep), where, jobs, opts->resume ? ", finished runs kept" : "");
    else if (!opts->quiet)
        fprintf (stderr, "robotaxi-sim: sweep: %zu runs (%zu points x %llu seeds) on %s%d threads%s\n",
                 sim_sweep_runs (sweep), sim_sweep_points (sweep), (unsigned long long) sim_sweep_seeds (sweep), where,
                 jobs, opts->resume ? ", finished runs kept" : "");
    ctx.start_s = s_now_s ();
    snprintf (path, sizeof path, "%s/sweep.csv", opts->out_dir);
    char points_path[SIM_FILE_PATH_MAX];
    snprintf (points_path, sizeof points_path, "%s/sweep_points.csv", opts->out_dir);
    sim_sweep_set_points_path (sweep, points_path);
    sim_sweep_set_stop (sweep, opts->stop);
    sim_sweep_set_net (sweep, ranks);
    /* a shard's rows are in its runs' headline.csv; sweep.csv, plots and report are the merge's */
    int played = sim_sweep_run (sweep, cfg, jobs, s_sweep_one, &ctx, opts->shard ? NULL : path, s_sweep_progress,
                                &ctx, err, errlen);
    sim_sweep_set_stop (sweep, NULL);
    sim_sweep_set_net (sweep, NULL);
    sim_sweep_set_points_path (sweep, NULL);
    if (played < 0 || !rank0) {
        rc = played < 0 ? -1 : 0;   /* another rank: its share is played, rank 0 writes and tells */
        goto done;
    }
    if (ranks && !opts->quiet) {
        fprintf (stderr, "robotaxi-sim: sweep: runs played by rank:");
        for (int r = 0; r < ranks->size; r++)
            fprintf (stderr, "%s %zu", r ? "," : "", sim_sweep_played_on (sweep, r));
        fputc ('\n', stderr);
    }
    if (!opts->shard && !opts->no_plots && s_draw (sim_plot_sweep, opts->out_dir, err, errlen) < 0)
        goto done;
    if (played == 1 && opts->shard) {
        fprintf (stderr, "robotaxi-sim: sweep stopped: %zu of the shard's %zu runs finished, in %s/runs; to finish "
                         "the shard, run the same command again with --resume\n", ctx.done, ctx.total,
                 opts->out_dir);
        rc = SIM_RUN_STOPPED;
        goto done;
    }
    if (played == 1) {
        fprintf (stderr, "robotaxi-sim: sweep stopped: %zu of %zu runs finished, their rows in %s; to finish it, run "
                         "the same command again with --resume\n", ctx.done, ctx.total, path);
        rc = SIM_RUN_STOPPED;
        goto done;
    }
    if (played == 2) {
        /* err holds the first failed run; every failure was told as it happened */
        if (!opts->quiet)
            fprintf (stderr, "robotaxi-sim: sweep: %zu of %zu runs finished, their rows in %s; the failed ones play "
                     "again with the same command and --resume\n", ctx.done, ctx.total, opts->shard ? ctx.runs_dir :
                     path);
        rc = SIM_RUN_RUNS_FAILED;
        goto done;
    }
    rc = 0;
done:
    if (ranks && !told)
        ranks->share (ranks->self, rc == 0 ? -1 : rc);   /* rank 0 failed before the runs: the others stop */
    map_net_destroy (&net);
    free (config_text);
    free (grid_text);
    free (shard_text);
    free (cfg);
    return rc;
}

/* ---- merging the shards of a sweep ---------------------------------------------------------------------------- */

typedef struct {
    const char *const *dirs;
    const size_t *holder;
    char runs_dir[4096];
} s_merge_ctx_t;

/* A run of the merged sweep: its folder copied from the shard that played it, its row from its headline.csv (as a
 * resumed sweep takes a finished run: 1). */
static int
s_merge_one (const sim_config_t *point, size_t run, sim_sweep_row_t *row, void *arg, char *err, size_t errlen)
{
    (void) point;
    const s_merge_ctx_t *ctx = arg;
    char src[SIM_FILE_PATH_MAX], dst[SIM_FILE_PATH_MAX];
    if (snprintf (src, sizeof src, "%s/runs/%04zu", ctx->dirs[ctx->holder[run]], run) >= (int) sizeof src ||
        snprintf (dst, sizeof dst, "%s/%04zu", ctx->runs_dir, run) >= (int) sizeof dst)
        return map_error (err, errlen, "%s: path too long", ctx->dirs[ctx->holder[run]]);
    if (sim_shard_copy_dir (src, dst, err, errlen) < 0)
        return -1;
    int got = s_headline_read (dst, row, err, errlen);
    if (got == 0)
        return map_error (err, errlen, "%s/%s: gone while merged", src, S_HEADLINE);
    return got;
}

/* Rebuilds the sweep the texts of its config.ini and sweep.ini describe, into cfg and sweep, and checks that it
 * writes the same texts back (so that the merged files are the same bytes). SIM_RUN_BAD_DATA with a message when
 * not. */
static int
s_sweep_read_back (const sim_shard_plan_t *plan, const char *dir, sim_config_t *cfg, sim_sweep_t *sweep,
                   int *events, char *err, size_t errlen)
{
    char path[SIM_FILE_PATH_MAX], msg[1024];
    snprintf (path, sizeof path, "%s/config.ini", dir);
    sim_config_defaults (cfg);
    if (sim_config_load (cfg, path, msg, sizeof msg) < 0) {
        map_error (err, errlen, "%s", msg);
        return SIM_RUN_BAD_DATA;
    }
    char *text = s_text (s_write_scenario, cfg);
    int same = text && strcmp (text, plan->config_text) == 0;
    free (text);
    if (!same)
        return map_error (err, errlen, "%s: does not read back as the same scenario (was it edited?)", path),
               SIM_RUN_BAD_DATA;
    snprintf (path, sizeof path, "%s/sweep.ini", dir);
    int in_sweep = 0, lineno = 0;
    *events = 0;
    for (const char *line = plan->grid_text; *line; ) {
        size_t n = strcspn (line, "\n");
        char buf[65536];
        lineno++;
        snprintf (buf, sizeof buf, "%.*s", (int) (n < sizeof buf ? n : sizeof buf - 1), line);
        line += n + (line[n] == '\n');
        char *eq = strstr (buf, " = ");
        if (strcmp (buf, "[sweep]") == 0) {
            in_sweep = 1;
        } else if (buf[0] == ';' || buf[0] == '\0' || !in_sweep) {
            continue;
        } else if (!eq) {
            return map_error (err, errlen, "%s:%d: not 'KEY = VALUES'", path, lineno), SIM_RUN_BAD_DATA;
        } else {
            *eq = '\0';
            const char *value = eq + 3;
            int rc = 0;
            if (strcmp (buf, "seeds") == 0) {
                char *end;
                unsigned long long seeds = strtoull (value, &end, 10);
                rc = *end ? -1 : sim_sweep_set_seeds (sweep, seeds, msg, sizeof msg);
            } else if (strcmp (buf, "events") == 0) {
                *events = strcmp (value, "1") == 0;
            } else if (strcmp (buf, "runs") != 0) {
                char assignment[65600];
                snprintf (assignment, sizeof assignment, "%s=%s", buf, value);
                rc = sim_sweep_add (sweep, cfg, assignment, msg, sizeof msg);
            }
            if (rc < 0)
                return map_error (err, errlen, "%s:%d: %s", path, lineno, msg), SIM_RUN_BAD_DATA;
        }
    }
    s_grid_t grid = {.sweep = sweep, .events = *events};
    text = s_text (s_write_grid, &grid);
    same = text && strcmp (text, plan->grid_text) == 0;
    free (text);
    if (!same)
        return map_error (err, errlen, "%s: does not read back as the same grid (was it edited?)", path),
               SIM_RUN_BAD_DATA;
    return 0;
}

int
sim_run_merge (const char *const *dirs, size_t count, int jobs, const sim_run_opts_t *opts, char *err,
               size_t errlen)
{
    sim_shard_plan_t plan;
    sim_config_t *cfg = malloc (sizeof *cfg);
    sim_sweep_t *sweep = sim_sweep_new ();
    int rc = sim_shard_plan (&plan, dirs, count, err, errlen);
    if (rc < 0) {
        rc = rc == SIM_SHARD_MISSING ? SIM_RUN_NO_INPUT : rc == SIM_SHARD_BAD ? SIM_RUN_BAD_DATA : -1;
        goto done;
    }
    rc = -1;
    if (!cfg || !sweep) {
        snprintf (err, errlen, "out of memory");
        goto done;
    }
    /* the merged folder is cleared first: never one of the shards */
    struct stat out_st, st;
    if (stat (opts->out_dir, &out_st) == 0)
        for (size_t i = 0; i < count; i++)
            if (stat (dirs[i], &st) == 0 && st.st_dev == out_st.st_dev && st.st_ino == out_st.st_ino) {
                map_error (err, errlen, "%s: is the shard %s given to merge; the merged sweep goes to a folder of its "
                           "own", opts->out_dir, dirs[i]);
                rc = SIM_RUN_REFUSED;
                goto done;
            }
    int events;
    rc = s_sweep_read_back (&plan, dirs[0], cfg, sweep, &events, err, errlen);
    if (rc < 0)
        goto done;
    if (sim_sweep_runs (sweep) != plan.runs) {
        map_error (err, errlen, "%s/sweep.ini: runs = %zu, but its grid has %zu", dirs[0], plan.runs,
                   sim_sweep_runs (sweep));
        rc = SIM_RUN_BAD_DATA;
        goto done;
    }
    rc = sim_outdir_prepare (opts->out_dir, 0, err, errlen);
    if (rc < 0)
        goto done;
    rc = -1;
    s_merge_ctx_t ctx = {.dirs = dirs, .holder = plan.holder};
    snprintf (ctx.runs_dir, sizeof ctx.runs_dir, "%s/runs", opts->out_dir);
    if (s_write_text (opts->out_dir, "config.ini", plan.config_text, err, errlen) < 0 ||
        s_write_text (opts->out_dir, "sweep.ini", plan.grid_text, err, errlen) < 0 ||
        sim_file_make_dir (ctx.runs_dir, err, errlen) < 0)
        goto done;
    char path[SIM_FILE_PATH_MAX];
    snprintf (path, sizeof path, "%s/sweep.csv", opts->out_dir);
    char points_path[SIM_FILE_PATH_MAX];
    snprintf (points_path, sizeof points_path, "%s/sweep_points.csv", opts->out_dir);
    sim_sweep_set_points_path (sweep, points_path);
    if (sim_sweep_run (sweep, cfg, jobs, s_merge_one, &ctx, path, NULL, NULL, err, errlen) != 0)
        goto done;
    if (!opts->no_plots && s_draw (sim_plot_sweep, opts->out_dir, err, errlen) < 0)
        goto done;
    rc = 0;
done:
    sim_shard_plan_clear (&plan);
    sim_sweep_destroy (&sweep);
    free (cfg);
    return rc;
}
