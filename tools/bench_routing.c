/* bench_routing: `robotaxi-bench routing`, contraction hierarchies against plain Dijkstra, side by side on the same
 * random pairs, on an OSM extract and on generated Wuhan-like cities: preprocessing time, queries per second, their
 * ratio and a many-to-many table, then a PASS/MISS line per performance target. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "map_ch.h"
#include "map_graph.h"
#include "map_osm.h"
#include "map_route.h"
#include "map_wuhan.h"
#include "tool_cli.h"

#define PROG              "robotaxi-bench"
#define S_CMD             PROG " routing" /* messages: "robotaxi-bench: routing: ..." */
#define S_DEFAULT_OSM     "../shared/data/osm/monaco.osm.pbf"
#define S_MAX_MAPS        16
#define S_TABLE_RUNS      3 /* the table is timed this many times; the median is reported */
#define S_BIG_NODES       100000
#define S_HUGE_NODES      300000
#define S_SPEEDUP_TARGET  300.0
#define S_PREP_TARGET_S   30.0
#define S_TABLE_TARGET_MS 200.0

typedef struct {
    const char *osm[S_MAX_MAPS];
    size_t osm_count;
    int osm_given; /* --osm or --no-osm seen: no default extract */
    double grid_m[S_MAX_MAPS];
    size_t grid_count;
    int grid_given;
    size_t pairs, dijkstra_pairs, table;
    uint64_t seed;
} s_options_t;

/* What one map measured. */
typedef struct {
    char name[96];
    size_t nodes, edges, shortcuts;
    double map_s, prep_s;
    double ch_us, dijkstra_us; /* mean per query */
    double table_ms;           /* median, or -1 when no table was run */
} s_result_t;

static double s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t s_next (uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void s_usage (FILE *out)
{
    fprintf (out,
             "Usage: " PROG " routing [OPTIONS]\n"
             "Contraction hierarchies (CH) against plain Dijkstra on the same random pairs, per map: preprocessing\n"
             "time, shortcuts, queries per second, their ratio and an N x N table; then PASS/MISS per target.\n"
             "  --osm FILE            an OpenStreetMap extract (.osm, .osm.pbf); may repeat\n"
             "                        (default: " S_DEFAULT_OSM " when it exists)\n"
             "  --no-osm              no OpenStreetMap extract\n"
             "  --grid M              an embedded Wuhan-like city with an M-metre street grid; may repeat\n"
             "                        (default: --grid 95 --grid 55, about 110 000 and 325 000 nodes)\n"
             "  --no-grid             no generated city\n"
             "  --pairs N             random pairs routed by CH (default 10000)\n"
             "  --dijkstra-pairs N    of those, the first N also by plain Dijkstra (default 1000)\n"
             "  --table N             time an N x N table, median of %d runs (default 1000; 0: none)\n"
             "  --seed S              seed of the random pairs (default 1)\n"
             "  -h, --help            this help\n"
             "  -V, --version         version\n"
             "Targets: CH queries >= %.0fx Dijkstra on the largest map of >= %d nodes, preprocessing < %.0f s at\n"
             ">= %d nodes, a 1000 x 1000 table < %.0f ms on the largest map.\n"
             "\n",
             S_TABLE_RUNS, S_SPEEDUP_TARGET, S_BIG_NODES, S_PREP_TARGET_S, S_HUGE_NODES, S_TABLE_TARGET_MS);
    tool_cli_help_status (out, "every map measured and CH agreed with Dijkstra on every pair (a MISS does not change it)",
                          "a map could not be measured, or CH and Dijkstra disagreed");
}

/* Parses a whole non-negative integer argument into *out. 0 or -1. */
static int s_parse_count (const char *text, size_t *out)
{
    char *end;
    unsigned long long v = strtoull (text, &end, 10);
    if (end == text || *end || text[0] == '-' || v > SIZE_MAX / 16) return -1;
    *out = (size_t)v;
    return 0;
}

/* 0, 1 for --help / --version (already answered), or 2 after a usage message. */
static int s_parse (int argc, char **argv, s_options_t *o)
{
    static const struct option options[] = {{"osm", required_argument, NULL, 'o'},
                                            {"no-osm", no_argument, NULL, 'O'},
                                            {"grid", required_argument, NULL, 'g'},
                                            {"no-grid", no_argument, NULL, 'G'},
                                            {"pairs", required_argument, NULL, 'p'},
                                            {"dijkstra-pairs", required_argument, NULL, 'd'},
                                            {"table", required_argument, NULL, 't'},
                                            {"seed", required_argument, NULL, 's'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {NULL, 0, NULL, 0}};
    *o = (s_options_t){.pairs = 10000, .dijkstra_pairs = 1000, .table = 1000, .seed = 1};
    optind = 1;
    opterr = 0; /* getopt would name the subcommand as the program; the messages below name both */
    int c;
    while ((c = getopt_long (argc, argv, ":hV", options, NULL)) != -1) {
        char *end;
        size_t count;
        switch (c) {
        case 'o':
            if (o->osm_count == S_MAX_MAPS) goto too_many;
            o->osm[o->osm_count++] = optarg;
            o->osm_given = 1;
            break;
        case 'O':
            o->osm_given = 1;
            break;
        case 'g': {
            if (o->grid_count == S_MAX_MAPS) goto too_many;
            double grid_m = strtod (optarg, &end);
            if (end == optarg || *end || !(grid_m > 0)) {
                return tool_cli_usage_error (S_CMD, "--grid: '%s' is not a length in metres", optarg);
            }
            o->grid_m[o->grid_count++] = grid_m;
            o->grid_given = 1;
            break;
        }
        case 'G':
            o->grid_given = 1;
            break;
        case 'p':
        case 'd':
        case 't':
            if (s_parse_count (optarg, &count) < 0)
                return tool_cli_usage_error (S_CMD, "--%s: '%s' is not a count",
                                             c == 'p' ? "pairs" : c == 'd' ? "dijkstra-pairs" : "table", optarg);
            if (c == 'p') o->pairs = count;
            if (c == 'd') o->dijkstra_pairs = count;
            if (c == 't') o->table = count;
            break;
        case 's':
            if (s_parse_count (optarg, &count) < 0)
                return tool_cli_usage_error (S_CMD, "--seed: '%s' is not a number", optarg);
            o->seed = count;
            break;
        case 'h':
            s_usage (stdout);
            return 1;
        case 'V':
            printf (PROG " " RT_VERSION "\n");
            return 1;
        default:
            return tool_cli_bad_option (S_CMD, c, argv, options);
        }
    }
    if (optind != argc) return tool_cli_usage_error (S_CMD, "%s: unexpected argument", argv[optind]);
    if (o->table > 65535) return tool_cli_usage_error (S_CMD, "--table: %zu is more than 65535", o->table);
    if (o->pairs == 0) return tool_cli_usage_error (S_CMD, "--pairs: must be at least 1");
    if (o->dijkstra_pairs > o->pairs) o->dijkstra_pairs = o->pairs;
    if (!o->grid_given) {
        o->grid_m[o->grid_count++] = 95;
        o->grid_m[o->grid_count++] = 55;
    }
    return 0;
too_many:
    return tool_cli_usage_error (S_CMD, "at most %d maps of a kind (--osm, --grid)", S_MAX_MAPS);
}

/* ---- plain Dijkstra: map_router's bounded search, stopped at the target -------------------------------------- */

typedef struct {
    uint32_t target;
    int64_t time_ms;
} s_until_t;

static int s_until_target (uint32_t node, int64_t time_ms, void *arg)
{
    s_until_t *u = arg;
    if (node != u->target) return 0;
    u->time_ms = time_ms;
    return 1;
}

static int64_t s_dijkstra (map_router_t *r, uint32_t from, uint32_t to)
{
    s_until_t u = {.target = to, .time_ms = MAP_CH_UNREACHABLE};
    map_router_search_from (r, from, INT64_MAX, s_until_target, &u);
    return u.time_ms;
}

static int s_double_cmp (const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Measures one map (taking ownership of g). 0; -1 after printing why (out of memory); -2 when CH gave another
 * answer than Dijkstra (also printed). */
static int s_measure (map_graph_t *g, const s_options_t *o, s_result_t *res)
{
    int rc = -1;
    char err[512] = "";
    map_ch_t *ch = NULL;
    map_ch_query_t *q = NULL;
    map_router_t *router = NULL;
    size_t n = map_graph_node_count (g), pairs = o->pairs, side = o->table;
    size_t ends = pairs > side ? pairs : side;
    uint32_t *from = malloc (ends * sizeof *from), *to = malloc (ends * sizeof *to);
    int64_t *ch_ms = malloc (pairs * sizeof *ch_ms), *table = NULL;
    if (!from || !to || !ch_ms) goto oom;
    res->nodes = n;
    res->edges = map_graph_edge_count (g);

    double t0 = s_now_s ();
    ch = map_ch_build (g, NULL, NULL, err, sizeof err);
    res->prep_s = s_now_s () - t0;
    if (!ch) {
        fprintf (stderr, PROG ": routing: %s: %s\n", res->name, err);
        goto done;
    }
    res->shortcuts = map_ch_shortcut_count (ch);
    q = map_ch_query_new (ch);
    router = map_router_new (g);
    if (!q || !router) goto oom;

    uint64_t st = o->seed;
    for (size_t i = 0; i < ends; i++) {
        from[i] = (uint32_t)(s_next (&st) % n);
        to[i] = (uint32_t)(s_next (&st) % n);
    }
    t0 = s_now_s ();
    for (size_t i = 0; i < pairs; i++) {
        map_route_t route;
        ch_ms[i] = map_ch_route (q, from[i], to[i], &route) == 0 ? route.time_ms : MAP_CH_UNREACHABLE;
    }
    res->ch_us = (s_now_s () - t0) / (double)pairs * 1e6;

    res->dijkstra_us = 0;
    if (o->dijkstra_pairs > 0) {
        t0 = s_now_s ();
        for (size_t i = 0; i < o->dijkstra_pairs; i++) {
            int64_t want = s_dijkstra (router, from[i], to[i]);
            if (want != ch_ms[i]) {
                fprintf (stderr, PROG ": routing: %s: pair %zu (%u -> %u): CH %lld ms, Dijkstra %lld ms: WRONG\n",
                         res->name, i, from[i], to[i], (long long)ch_ms[i], (long long)want);
                rc = -2;
                goto done;
            }
        }
        res->dijkstra_us = (s_now_s () - t0) / (double)o->dijkstra_pairs * 1e6;
    }

    res->table_ms = -1;
    if (side > 0) {
        table = malloc (side * side * sizeof *table);
        if (!table) goto oom;
        double runs[S_TABLE_RUNS];
        for (int k = 0; k < S_TABLE_RUNS; k++) {
            t0 = s_now_s ();
            if (map_ch_table (q, from, side, to, side, table) < 0) goto oom;
            runs[k] = (s_now_s () - t0) * 1e3;
        }
        qsort (runs, S_TABLE_RUNS, sizeof runs[0], s_double_cmp);
        res->table_ms = runs[S_TABLE_RUNS / 2];
        /* The diagonal holds the routed pairs: the table must agree with the point-to-point answers. */
        for (size_t i = 0; i < side && i < pairs; i++)
            if (table[i * side + i] != ch_ms[i]) {
                fprintf (stderr, PROG ": routing: %s: table cell %zu (%u -> %u): %lld ms, route %lld ms: WRONG\n",
                         res->name, i, from[i], to[i], (long long)table[i * side + i], (long long)ch_ms[i]);
                rc = -2;
                goto done;
            }
    }
    rc = 0;
    goto done;
oom:
    fprintf (stderr, PROG ": routing: %s: out of memory\n", res->name);
done:
    free (from);
    free (to);
    free (ch_ms);
    free (table);
    map_router_destroy (&router);
    map_ch_query_destroy (&q);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
    return rc;
}

static void s_print_row (const s_result_t *r)
{
    char dijkstra[320] = "-", speedup[320] = "-", table[320] = "-"; /* room for any double */
    if (r->dijkstra_us > 0) {
        snprintf (dijkstra, sizeof dijkstra, "%.0f", 1e6 / r->dijkstra_us);
        snprintf (speedup, sizeof speedup, "%.0fx", r->dijkstra_us / r->ch_us);
    }
    if (r->table_ms >= 0) snprintf (table, sizeof table, "%.1f", r->table_ms);
    printf ("%-24s %9zu %9zu %7.2f %8.2f %9zu %9.0f %9s %8s %9s\n", r->name, r->nodes, r->edges, r->map_s, r->prep_s,
            r->shortcuts, 1e6 / r->ch_us, dijkstra, speedup, table);
    fflush (stdout);
}

/* The PASS/MISS lines. */
static void s_targets (const s_result_t *res, size_t count, const s_options_t *o)
{
    const s_result_t *big = NULL, *largest = NULL, *slowest_huge = NULL;
    for (size_t i = 0; i < count; i++) {
        if (!largest || res[i].nodes > largest->nodes) largest = &res[i];
        if (res[i].nodes >= S_BIG_NODES && res[i].dijkstra_us > 0 && (!big || res[i].nodes > big->nodes))
            big = &res[i];
        if (res[i].nodes >= S_HUGE_NODES && (!slowest_huge || res[i].prep_s > slowest_huge->prep_s))
            slowest_huge = &res[i];
    }
    printf ("\ntargets:\n");
    if (big) {
        double ratio = big->dijkstra_us / big->ch_us;
        printf ("  %-4s CH queries >= %.0fx plain Dijkstra on the largest map of >= %d nodes: %.0fx (%s)\n",
                ratio >= S_SPEEDUP_TARGET ? "PASS" : "MISS", S_SPEEDUP_TARGET, S_BIG_NODES, ratio, big->name);
    } else {
        printf ("  MISS CH queries >= %.0fx plain Dijkstra on a map of >= %d nodes: no such map measured\n",
                S_SPEEDUP_TARGET, S_BIG_NODES);
    }
    if (slowest_huge)
        printf ("  %-4s preprocessing < %.0f s at >= %d nodes: %.2f s (%s, the slowest such map)\n",
                slowest_huge->prep_s < S_PREP_TARGET_S ? "PASS" : "MISS", S_PREP_TARGET_S, S_HUGE_NODES,
                slowest_huge->prep_s, slowest_huge->name);
    else
        printf ("  MISS preprocessing < %.0f s at >= %d nodes: no such map measured\n", S_PREP_TARGET_S,
                S_HUGE_NODES);
    if (largest && largest->table_ms >= 0 && o->table >= 1000)
        printf ("  %-4s %zu x %zu table < %.0f ms on the largest map: %.1f ms (%s, %zu nodes)\n",
                largest->table_ms < S_TABLE_TARGET_MS ? "PASS" : "MISS", o->table, o->table, S_TABLE_TARGET_MS,
                largest->table_ms, largest->name, largest->nodes);
    else
        printf ("  MISS 1000 x 1000 table < %.0f ms: not measured (--table below 1000 or no map)\n",
                S_TABLE_TARGET_MS);
}

int bench_routing_main (int argc, char **argv)
{
    s_options_t o;
    int rc = s_parse (argc, argv, &o);
    if (rc) return rc == 1 ? 0 : 2;
    if (!o.osm_given && access (S_DEFAULT_OSM, R_OK) == 0) o.osm[o.osm_count++] = S_DEFAULT_OSM;

    printf (PROG " routing: %zu random pairs per map by CH, the first %zu also by plain Dijkstra; ", o.pairs,
            o.dijkstra_pairs);
    if (o.table > 0)
        printf ("%zu x %zu table (median of %d); seed %llu\n", o.table, o.table, S_TABLE_RUNS,
                (unsigned long long)o.seed);
    else
        printf ("no table; seed %llu\n", (unsigned long long)o.seed);
    if (!o.osm_given && o.osm_count == 0)
        printf ("note: %s not found: no OpenStreetMap map (give one with --osm FILE)\n", S_DEFAULT_OSM);
    printf ("speed-up = mean plain Dijkstra time per query / mean CH time per query\n\n");
    printf ("%-24s %9s %9s %7s %8s %9s %9s %9s %8s %9s\n", "map", "nodes", "edges", "map s", "prep s", "shortcuts",
            "CH q/s", "Dijk q/s", "speed-up", "table ms");
    fflush (stdout);

    s_result_t res[2 * S_MAX_MAPS];
    size_t count = 0;
    int failed = 0;
    for (size_t k = 0; k < o.osm_count + o.grid_count; k++) {
        s_result_t *r = &res[count];
        memset (r, 0, sizeof *r);
        char err[512] = "";
        double t0 = s_now_s ();
        map_graph_t *g;
        if (k < o.osm_count) {
            const char *base = strrchr (o.osm[k], '/');
            snprintf (r->name, sizeof r->name, "osm %.80s", base ? base + 1 : o.osm[k]);
            g = map_osm_import (o.osm[k], NULL, NULL, err, sizeof err);
        } else {
            double grid_m = o.grid_m[k - o.osm_count];
            snprintf (r->name, sizeof r->name, "wuhan %g m", grid_m);
            g = map_wuhan_build (32650, grid_m, err, sizeof err);
        }
        r->map_s = s_now_s () - t0;
        if (!g) {
            fprintf (stderr, PROG ": routing: %s\n", err);
            failed = 1;
            continue;
        }
        rc = s_measure (g, &o, r);
        if (rc == -2) return 1; /* CH disagreed with Dijkstra: stop here, loudly */
        if (rc < 0) {
            failed = 1;
            continue;
        }
        s_print_row (r);
        count++;
    }
    s_targets (res, count, &o);
    return failed ? 1 : 0;
}
