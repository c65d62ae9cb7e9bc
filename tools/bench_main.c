/* robotaxi-bench: measures, in one run and side by side, what a user waits for. `day`: the default scenario's day
 * in-process and dispatched over TCP loopback (a dispatcher server on a thread), with the ratio of the two. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "bench.h"
#include "disp_link.h"
#include "disp_server.h"
#include "map_graph.h"
#include "map_net.h"
#include "sim_config.h"
#include "sim_run.h"
#include "sim_world.h"
#include "tool_cli.h"

#define PROG "robotaxi-bench"

static double
s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
    disp_server_t *server;
    volatile sig_atomic_t stop;
} s_server_thread_t;

static void *
s_serve (void *arg)
{
    s_server_thread_t *t = arg;
    disp_server_run (t->server, &t->stop);
    return NULL;
}

/* Plays the day on link; returns wall seconds (or -1) and the final snapshot. */
static double
s_day (const sim_config_t *cfg, const map_net_t *g, disp_link_t *link, sim_snapshot_t *final)
{
    char err[512];
    sim_world_opts_t opts = {.baseline = 0, .publish = NULL, .route_thread = 1}; /* as robotaxi-sim plays a day */
    double t0 = s_now_s ();
    sim_world_t *w = sim_world_new (cfg, g, &opts, err, sizeof err);
    if (!w || sim_world_run (w, link, NULL, NULL, err, sizeof err) < 0) {
        fprintf (stderr, PROG ": %s\n", err);
        sim_world_destroy (&w);
        return -1;
    }
    double dt = s_now_s () - t0;
    *final = *sim_world_final (w);
    sim_world_destroy (&w);
    return dt;
}

static int
s_bench_day (sim_config_t *cfg)
{
    char err[512];
    double t0 = s_now_s ();
    sim_run_opts_t quiet = {.quiet = 1};
    /* a map that cannot be used, or a service area without its roads, is a bad scenario (as robotaxi-sim has it) */
    map_net_t *g = sim_run_open_map (cfg, &quiet, err, sizeof err);
    if (!g) {
        fprintf (stderr, PROG ": %s\n", err);
        return TOOL_CLI_CONFIG;
    }
    double map_s = s_now_s () - t0;
    disp_hello_t hello;
    sim_run_hello (cfg, g, &hello);
    printf ("robotaxi-bench day: scenario '%s', seed %llu: %.0f riders expected, %lld drivers + %lld robotaxis\n",
            cfg->scenario.name, (unsigned long long) cfg->scenario.seed, cfg->demand.trips_per_day,
            (long long) cfg->human.drivers, (long long) cfg->robotaxi.fleet_size);
    printf ("  %-30s %8.2f s   %zu nodes, %zu edges\n", "map build and contraction", map_s,
            map_graph_node_count (map_net_graph (g)), map_graph_edge_count (map_net_graph (g)));

    int rc = 1;
    sim_snapshot_t in_final, tcp_final;
    disp_link_t *link = disp_link_inproc_new (g, &hello, NULL, NULL, err, sizeof err);
    if (!link) {
        fprintf (stderr, PROG ": %s\n", err);
        goto done;
    }
    double in_s = s_day (cfg, g, link, &in_final);
    disp_link_destroy (&link);
    if (in_s < 0)
        goto done;
    uint64_t trips = in_final.fleets[0].served + in_final.fleets[1].served;
    uint64_t requests = in_final.fleets[0].requests + in_final.fleets[1].requests;
    printf ("  %-30s %8.2f s   %llu requests, %llu trips served, %.0f trips/s\n", "day, dispatched in-process", in_s,
            (unsigned long long) requests, (unsigned long long) trips, (double) trips / in_s);

    s_server_thread_t st = {.stop = 0};
    disp_server_opts_t sopts = {.bind = "tcp://127.0.0.1:0"};
    st.server = disp_server_new (&sopts, err, sizeof err);
    if (!st.server) {
        fprintf (stderr, PROG ": %s\n", err);
        goto done;
    }
    pthread_t thread;
    pthread_create (&thread, NULL, s_serve, &st);
    link = disp_link_zmq_new (disp_server_bind_endpoint (st.server), &hello, 30000, err, sizeof err);
    double tcp_s = -1;
    if (link) {
        tcp_s = s_day (cfg, g, link, &tcp_final);
        disp_link_destroy (&link);
    } else {
        fprintf (stderr, PROG ": %s\n", err);
    }
    st.stop = 1;
    pthread_join (thread, NULL);
    disp_server_destroy (&st.server);
    if (tcp_s < 0)
        goto done;
    int same = memcmp (&in_final.fleets, &tcp_final.fleets, sizeof in_final.fleets) == 0 &&
               memcmp (&in_final.drivers, &tcp_final.drivers, sizeof in_final.drivers) == 0;
    printf ("  %-30s %8.2f s   %.2f x the in-process time; results %s\n", "day, dispatched over TCP", tcp_s,
            tcp_s / in_s, same ? "identical" : "DIFFERENT");
    rc = same ? 0 : 1;
done:
    map_net_destroy (&g);
    return rc;
}

static void
s_usage (FILE *out)
{
    fprintf (out, "Usage: " PROG " day [-s SCENARIO] [--set KEY=VALUE]...\n"
                  "       " PROG " routing [--help]\n"
                  "       " PROG " dispatch [--help]\n"
                  "       " PROG " scale [--help]\n"
                  "Benchmarks, measured side by side in one run (figures in the README).\n"
                  "  day      the scenario's day (default: the built-in Wuhan day), in-process and over TCP loopback\n"
                  "  routing  contraction hierarchies against Dijkstra on real and generated maps (see routing --help)\n"
                  "  dispatch the dispatcher over TCP: live nearest throughput and latency, one batch window, beside\n"
                  "           the raw ZeroMQ round-trip rate (see dispatch --help)\n"
                  "  scale    wuhan-2024 on a 325k-node map and the default one, with issue 17's targets and a growth\n"
                  "           table over map nodes, riders and robotaxis (see scale --help)\n"
                  "  -s, --scenario FILE       as for robotaxi-sim\n"
                  "      --set SECTION.KEY=VALUE  as for robotaxi-sim\n"
                  "  -h, --help                this help\n"
                  "  -V, --version             version\n"
                  "\n");
    tool_cli_help_status (out, "done (day: the same results in-process and over TCP)",
                          "a benchmark failed, or (day) the two results differ");
}

int
main (int argc, char **argv)
{
    static const struct option options[] = {{"scenario", required_argument, NULL, 's'},
                                            {"set", required_argument, NULL, 'S'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {NULL, 0, NULL, 0}};
    /* Each benchmark past the first word parses its own options. */
    if (argc >= 2 && strcmp (argv[1], "routing") == 0)
        return bench_routing_main (argc - 1, argv + 1);
    if (argc >= 2 && strcmp (argv[1], "dispatch") == 0)
        return bench_dispatch_main (argc - 1, argv + 1);
    if (argc >= 2 && strcmp (argv[1], "scale") == 0)
        return bench_scale_main (argc - 1, argv + 1);
    sim_config_t *cfg = malloc (sizeof *cfg);
    char err[512];
    int c, rc = 2;
    if (!cfg)
        return 1;
    sim_config_defaults (cfg);
    opterr = 0; /* tool_cli's messages */
    while ((c = getopt_long (argc, argv, ":s:hV", options, NULL)) != -1) {
        switch (c) {
        case 's':
            rc = sim_config_load (cfg, optarg, err, sizeof err);
            if (rc < 0) {
                rc = rc == SIM_CONFIG_UNREADABLE ? EX_NOINPUT : EX_CONFIG;
                goto bad;
            }
            break;
        case 'S':
            rc = EX_CONFIG;
            if (sim_config_set (cfg, optarg, err, sizeof err) < 0)
                goto bad;
            break;
        case 'h': s_usage (stdout); free (cfg); return 0;
        case 'V': printf (PROG " " RT_VERSION "\n"); free (cfg); return 0;
        default: free (cfg); return tool_cli_bad_option (PROG, c, argv, options);
        }
    }
    if (optind == argc) {
        free (cfg);
        return tool_cli_usage_error (PROG, "BENCHMARK: missing operand (day, routing, dispatch, scale)");
    }
    if (optind != argc - 1 || strcmp (argv[optind], "day") != 0) {
        free (cfg);
        return tool_cli_usage_error (PROG, "%s: not a benchmark, or options before routing, dispatch or "
                                     "scale (day, routing, dispatch, scale)", argv[optind]);
    }
    rc = EX_CONFIG;
    if (sim_config_check (cfg, err, sizeof err) < 0)
        goto bad;
    rc = EX_NOINPUT;
    if (sim_config_check_files (cfg, err, sizeof err) < 0)
        goto bad;
    rc = s_bench_day (cfg);
    free (cfg);
    return rc;
bad:
    fprintf (stderr, PROG ": %s\n", err);
    free (cfg);
    return rc;   /* EX_NOINPUT: a scenario file that cannot be read; EX_CONFIG: a bad scenario or --set */
}
