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
#include "map_graph.h"
#include "map_net.h"
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

/* mkdir -p */
static int
s_make_dir (const char *path, char *err, size_t errlen)
{
    char buf[4096];
    if (snprintf (buf, sizeof buf, "%s", path) >= (int) sizeof buf) {
        snprintf (err, errlen, "%s: path too long", path);
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir (buf, 0777) < 0 && errno != EEXIST) {
                snprintf (err, errlen, "%s: %s", buf, strerror (errno));
                return -1;
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    struct stat st;
    if (stat (path, &st) < 0 || !S_ISDIR (st.st_mode)) {
        snprintf (err, errlen, "%s: not a directory", path);
        return -1;
    }
    return 0;
}

static disp_link_t *
s_link (const sim_run_opts_t *opts, const map_net_t *g, const disp_hello_t *hello, const char *publish,
        char *err, size_t errlen)
{
    if (strcmp (opts->dispatcher, "inproc") == 0)
        return disp_link_inproc_new (g, hello, publish, err, errlen);
    return disp_link_zmq_new (opts->dispatcher, hello, opts->timeout_ms, err, errlen);
}

/* Plays one day on a fresh link and world: the day without robotaxis when is_baseline (nothing published or
 * written), else the scenario's day, compared with *baseline when given. On success *final holds the final
 * snapshot. */
static int
s_play (const sim_config_t *cfg, const sim_run_opts_t *opts, const map_net_t *g, const disp_hello_t *hello,
        int is_baseline, const sim_snapshot_t *baseline, sim_snapshot_t *final, const char *out_dir, char *err,
        size_t errlen)
{
    int rc = -1;
    sim_world_opts_t wopts = {.baseline = is_baseline, .publish = !is_baseline};
    const char *publish = wopts.publish ? opts->publish : NULL;
    disp_link_t *link = s_link (opts, g, hello, publish, err, errlen);
    sim_world_t *world = NULL;
    if (!link)
        return -1;
    if (publish && opts->wait_subscribers > 0) {
        int joined = disp_link_wait_subscribers (link, opts->wait_subscribers, opts->timeout_ms);
        if (joined < opts->wait_subscribers) {
            snprintf (err, errlen, "%s: %d of %d subscribers joined within %.1f s", publish, joined,
                      opts->wait_subscribers, opts->timeout_ms / 1000.0);
            goto done;
        }
    }
    world = sim_world_new (cfg, g, &wopts, err, errlen);
    if (!world)
        goto done;
    if (baseline)
        sim_world_set_baseline (world, baseline);
    s_progress_t progress = {.label = wopts.baseline ? "baseline " : "", .quiet = opts->quiet};
    if (sim_world_run (world, link, s_on_hour, &progress, err, errlen) < 0)
        goto done;
    *final = *sim_world_final (world);
    if (out_dir) {
        const sim_driver_row_t *rows;
        size_t nrows = sim_world_drivers (world, &rows);
        if (sim_report_write_summary (out_dir, final, err, errlen) < 0 ||
            sim_report_write_hourly (out_dir, sim_world_metrics (world), err, errlen) < 0 ||
            sim_report_write_drivers (out_dir, rows, nrows, err, errlen) < 0)
            goto done;
    }
    rc = 0;
done:
    sim_world_destroy (&world);
    disp_link_destroy (&link);
    return rc;
}

void
sim_run_hello (const sim_config_t *cfg, const map_net_t *net, disp_hello_t *hello)
{
    memset (hello, 0, sizeof *hello);
    snprintf (hello->protocol, sizeof hello->protocol, "%s", DISP_PROTOCOL);
    snprintf (hello->session, sizeof hello->session, "%.40s seed %llu", cfg->scenario.name,
              (unsigned long long) cfg->scenario.seed);
    /* File names are absolute by now (sim_run_open_map), so a dispatcher started elsewhere finds the same files. */
    sim_config_map_spec (cfg, &hello->map);
    hello->map_fingerprint = map_graph_fingerprint (map_net_graph (net));
    hello->traffic = cfg->traffic;
    snprintf (hello->config.policy, sizeof hello->config.policy, "%s", cfg->dispatch.policy);
    hello->config.max_pickup_ms = (int64_t) llround (cfg->dispatch.max_pickup_min * 60000.0);
    /* vehicle ids run from 0 to drivers + robotaxis - 1; a session needs room for at least one */
    uint64_t vehicles = (uint64_t) (cfg->human.drivers + cfg->robotaxi.fleet_size);
    hello->config.vehicle_capacity = vehicles > 0 ? (uint32_t) vehicles : 1;
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
    char path[4096];
    map_net_t *net = NULL;
    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    *cfg = *scenario;
    if (s_make_dir (opts->out_dir, err, errlen) < 0)
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
    snprintf (path, sizeof path, "%s/config.ini", opts->out_dir);
    FILE *f = fopen (path, "w");
    if (!f || sim_config_write (cfg, f) < 0 || fclose (f) != 0) {
        snprintf (err, errlen, "%s: cannot write: %s", path, strerror (errno));
        goto done;
    }

    disp_hello_t hello;
    sim_run_hello (cfg, net, &hello);

    sim_snapshot_t baseline, final;
    if (opts->baseline && s_play (cfg, opts, net, &hello, 1, NULL, &baseline, NULL, err, errlen) < 0)
        goto done;
    if (s_play (cfg, opts, net, &hello, 0, opts->baseline ? &baseline : NULL, &final, opts->out_dir, err, errlen) < 0)
        goto done;
    if (sim_report_write_fares (opts->out_dir, cfg, err, errlen) < 0)
        goto done;
    sim_report_print_summary (stdout, &final);
    printf ("\nresults in %s/ (summary.json, hourly.csv, fares.csv, drivers.csv, config.ini)\n", opts->out_dir);
    rc = 0;
done:
    map_net_destroy (&net);
    free (cfg);
    return rc;
}
