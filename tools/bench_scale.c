/* bench_scale: `robotaxi-bench scale`, issue 17's targets and growth table in one run. Each run is a whole day
 * (map build and contraction, then the day and its output files) in a child process of its own, so its peak RSS
 * (getrusage of the child) is its alone. The target runs are played twice, in-process and over TCP loopback to a
 * dispatcher server on a thread of the same child, and their output folders compared file by file. Figures only:
 * the targets print "met" or "missed", never a failing status (machines are noisy); the status is 1 only when a
 * run failed or the two dispatchers' outputs differ. */
#define _DEFAULT_SOURCE /* wait4, mkdtemp */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "disp_server.h"
#include "map_graph.h"
#include "map_net.h"
#include "sim_config.h"
#include "sim_run.h"
#include "tool_cli.h"

#define PROG             "robotaxi-bench"
#define S_CMD            PROG " scale" /* messages: "robotaxi-bench: scale: ..." */
#define S_DEFAULT_SCEN   "scenarios/wuhan-2024.ini"
#define S_BIG_GRID_M     55.0   /* about 325,000 nodes: a real city's drivable network */
#define S_MID_GRID_M     95.0   /* about 110,000 nodes */
#define S_SMALL_GRID_M   600.0  /* the default map: 2,946 nodes */
#define S_BIG_WALL_S     60.0
#define S_BIG_RSS_MB     2048.0
#define S_SMALL_WALL_S   10.0
#define S_DAYS_WALL_S    300.0
#define S_MAX_SETS       64
#define S_TIMEOUT_MS     600000 /* a dispatcher server builds a 325k-node map itself before its first answer */

/* One run of the table: the scenario with its grid, demand (and drivers in proportion) and fleet. */
typedef struct {
    const char *name;     /* what --only names */
    const char *groups;   /* the groups it belongs to, comma-separated, for --only */
    double grid_m;
    double riders_factor; /* demand.trips_per_day and human.drivers x this */
    double fleet;         /* robotaxi.fleet_size; 0: the scenario's */
    int target;           /* 1: a target run (small), 2: a target run (big), both also played over TCP;
                             3: the many-days target (in-process only) */
    int days;             /* scenario.days (0: one), each also played without robotaxis when baseline */
    int baseline;
} s_row_t;

static const s_row_t s_rows[] = {   /* played in this order: the quick runs first */
    {"small", "targets,map,riders,fleet", S_SMALL_GRID_M, 1, 0, 1, 1, 0},
    {"riders-80k", "growth,riders", S_SMALL_GRID_M, 0.1, 0, 0, 1, 0},
    {"fleet-4000", "growth,fleet", S_SMALL_GRID_M, 1, 4000, 0, 1, 0},
    {"fleet-40000", "growth,fleet", S_SMALL_GRID_M, 1, 40000, 0, 1, 0},
    {"riders-3.2M", "growth,riders", S_SMALL_GRID_M, 4, 0, 0, 1, 0},
    {"map-110k", "growth,map", S_MID_GRID_M, 1, 0, 0, 1, 0},
    {"big-400", "targets,big,map", S_BIG_GRID_M, 1, 0, 2, 1, 0},
    {"big-4000", "targets,big", S_BIG_GRID_M, 1, 4000, 2, 1, 0},
    {"days-30", "targets,days", S_SMALL_GRID_M, 1, 0, 3, 30, 1},
};
#define S_ROWS (sizeof s_rows / sizeof s_rows[0])

/* What a child reports through its pipe, and what the parent adds. */
typedef struct {
    int ok;
    char err[400];
    size_t nodes, edges;
    double map_s, day_s;                  /* map build and contraction; the day with its output files */
    uint64_t trips, riders, robotaxis, drivers;
    double wall_s;                        /* parent: fork to exit */
    double rss_mb;                        /* parent: the child's ru_maxrss */
    double cpu_s;                         /* parent: the child's user + system time (less noisy on a busy machine) */
} s_result_t;

typedef struct {
    const char *scenario;
    int scenario_given;
    const char *sets[S_MAX_SETS];
    size_t set_count;
    char only[512];   /* empty: every row */
    double fraction;  /* demand, drivers and fleet x this */
    int tcp;          /* play the target runs over TCP too */
    int keep;         /* keep the output folders */
    const char *map_cache; /* a folder of map caches, one per grid (map.cache), or NULL */
} s_options_t;

static double
s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
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

/* Is word one of the comma-separated words of list? */
static int
s_in_list (const char *list, const char *word)
{
    size_t n = strlen (word);
    for (const char *p = list; *p;) {
        const char *e = strchr (p, ',');
        size_t len = e ? (size_t) (e - p) : strlen (p);
        if (len == n && strncmp (p, word, n) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static int
s_selected (const s_options_t *o, const s_row_t *row)
{
    if (!o->only[0] || s_in_list (o->only, row->name))
        return 1;
    for (const char *p = o->only; *p;) {
        const char *e = strchr (p, ',');
        char word[64];
        snprintf (word, sizeof word, "%.*s", (int) (e ? e - p : (ptrdiff_t) strlen (p)), p);
        if (s_in_list (row->groups, word))
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

/* The scenario of row: the file, the user's --set, then the row's own keys. 0, or -1 with a message. */
static int
s_config (const s_options_t *o, const s_row_t *row, sim_config_t *cfg, char *err, size_t errlen)
{
    sim_config_defaults (cfg);
    if (sim_config_load (cfg, o->scenario, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < o->set_count; i++)
        if (sim_config_set (cfg, o->sets[i], err, errlen) < 0)
            return -1;
    char kv[128];
    double riders = cfg->demand.trips_per_day * row->riders_factor * o->fraction;
    double drivers = (double) cfg->human.drivers * row->riders_factor * o->fraction;
    double fleet = (row->fleet > 0 ? row->fleet : (double) cfg->robotaxi.fleet_size) * o->fraction;
    const char *key[] = {"map.grid_m", "demand.trips_per_day", "human.drivers", "robotaxi.fleet_size",
                         "scenario.days", "scenario.baseline"};
    double val[] = {row->grid_m, riders, drivers, fleet, row->days ? row->days : 1, row->baseline};
    for (size_t i = 0; i < sizeof val / sizeof val[0]; i++) {
        snprintf (kv, sizeof kv, "%s=%.0f", key[i], val[i]);
        if (sim_config_set (cfg, kv, err, errlen) < 0)
            return -1;
    }
    if (o->map_cache) {
        char setting[sizeof cfg->map.cache + 64];
        if ((size_t) snprintf (setting, sizeof setting, "map.cache=%s/wuhan-%.0fm.map", o->map_cache, row->grid_m) >=
            sizeof setting)
        {
            snprintf (err, errlen, "--map-cache: %s: too long a folder name", o->map_cache);
            return -1;
        }
        if (sim_config_set (cfg, setting, err, errlen) < 0)
            return -1;
    }
    return sim_config_check (cfg, err, errlen);
}

/* In the child: the whole run of row into dir, in-process or (tcp) over TCP loopback to a server thread. */
static void
s_child (const s_options_t *o, const s_row_t *row, int tcp, const char *dir, s_result_t *r)
{
    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg) {
        snprintf (r->err, sizeof r->err, "out of memory");
        return;
    }
    char err[sizeof r->err] = "";
    map_net_t *g = NULL;
    s_server_thread_t st = {.stop = 0};
    pthread_t thread;
    int serving = 0;
    double t0 = s_now_s ();
    if (s_config (o, row, cfg, err, sizeof err) < 0)
        goto done;
    sim_run_opts_t opts = {
        .dispatcher = "inproc", .quiet = 1, .no_plots = 1, .timeout_ms = S_TIMEOUT_MS, .route_thread = 1};
    g = sim_run_open_map (cfg, &opts, err, sizeof err);
    if (!g)
        goto done;
    r->map_s = s_now_s () - t0;
    r->nodes = map_graph_node_count (map_net_graph (g));
    r->edges = map_graph_edge_count (map_net_graph (g));
    r->riders = (uint64_t) cfg->demand.trips_per_day;
    r->drivers = (uint64_t) cfg->human.drivers;
    r->robotaxis = (uint64_t) cfg->robotaxi.fleet_size;
    if (tcp) {
        disp_server_opts_t sopts = {.bind = "tcp://127.0.0.1:0"};
        st.server = disp_server_new (&sopts, err, sizeof err);
        if (!st.server)
            goto done;
        if (pthread_create (&thread, NULL, s_serve, &st) != 0) {
            snprintf (err, sizeof err, "cannot start the dispatcher thread");
            goto done;
        }
        serving = 1;
        opts.dispatcher = disp_server_bind_endpoint (st.server);
    }
    if (mkdir (dir, 0700) < 0) {
        snprintf (err, sizeof err, "%s: %s", dir, strerror (errno));
        goto done;
    }
    sim_run_result_t res;
    double t1 = s_now_s ();
    if (sim_run_play (cfg, g, &opts, dir, &res, err, sizeof err) < 0)
        goto done;
    r->day_s = s_now_s () - t1;
    for (size_t d = 0; d < res.day_count; d++) /* every day's trips; a baseline's days are not counted */
        r->trips += res.days[d].robotaxi_trips + res.days[d].human_trips;
    sim_run_result_clear (&res);
    r->ok = 1;
done:
    if (serving) {
        st.stop = 1;
        pthread_join (thread, NULL);
    }
    disp_server_destroy (&st.server);
    map_net_destroy (&g);
    free (cfg);
    if (!r->ok)
        snprintf (r->err, sizeof r->err, "%s", err);
}

/* Runs row in a child process; r holds what it measured (r->ok 0 with r->err on failure). */
static void
s_run (const s_options_t *o, const s_row_t *row, int tcp, const char *dir, s_result_t *r)
{
    memset (r, 0, sizeof *r);
    int fd[2];
    if (pipe (fd) < 0) {
        snprintf (r->err, sizeof r->err, "pipe: %s", strerror (errno));
        return;
    }
    fflush (stdout);
    fflush (stderr);
    double t0 = s_now_s ();
    pid_t pid = fork ();
    if (pid < 0) {
        snprintf (r->err, sizeof r->err, "fork: %s", strerror (errno));
        close (fd[0]);
        close (fd[1]);
        return;
    }
    if (pid == 0) {
        close (fd[0]);
        s_child (o, row, tcp, dir, r);
        ssize_t n = write (fd[1], r, sizeof *r);
        _exit (n == (ssize_t) sizeof *r ? 0 : 1);
    }
    close (fd[1]);
    size_t got = 0;
    while (got < sizeof *r) {
        ssize_t n = read (fd[0], (char *) r + got, sizeof *r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t) n;
    }
    close (fd[0]);
    int status;
    struct rusage ru;
    while (wait4 (pid, &status, 0, &ru) < 0 && errno == EINTR)
        ;
    r->wall_s = s_now_s () - t0;
    r->rss_mb = (double) ru.ru_maxrss / 1024.0;   /* kilobytes on Linux */
    r->cpu_s = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
               (double) ru.ru_stime.tv_usec / 1e6;
    if (got != sizeof *r) {
        memset (r, 0, offsetof (s_result_t, wall_s));
        snprintf (r->err, sizeof r->err, "the run's process ended without a result (status %d)", status);
    }
}

/* Are the regular files of folders a and b the same names with the same bytes? 1, 0 (why in err), -1 on an
 * error. */
static int
s_same_files (const char *a, const char *b, char *err, size_t errlen)
{
    const char *dirs[2] = {a, b};
    for (int side = 0; side < 2; side++) {
        DIR *d = opendir (dirs[side]);
        if (!d) {
            snprintf (err, errlen, "%s: %s", dirs[side], strerror (errno));
            return -1;
        }
        struct dirent *e;
        int same = 1;
        while (same && (e = readdir (d))) {
            if (e->d_name[0] == '.')
                continue;
            char pa[4096], pb[4096];
            snprintf (pa, sizeof pa, "%s/%s", dirs[side], e->d_name);
            snprintf (pb, sizeof pb, "%s/%s", dirs[1 - side], e->d_name);
            FILE *fa = fopen (pa, "rb"), *fb = fopen (pb, "rb");
            if (!fa || !fb) {
                snprintf (err, errlen, "%.100s only in %.120s", e->d_name, dirs[side]);
                same = 0;
            }
            while (same && side == 0) {   /* the bytes once, the names both ways */
                char ba[65536], bb[65536];
                size_t na = fread (ba, 1, sizeof ba, fa), nb = fread (bb, 1, sizeof bb, fb);
                if (na != nb || memcmp (ba, bb, na) != 0) {
                    snprintf (err, errlen, "%.100s differs", e->d_name);
                    same = 0;
                }
                if (na < sizeof ba)
                    break;
            }
            if (fa)
                fclose (fa);
            if (fb)
                fclose (fb);
        }
        closedir (d);
        if (!same)
            return 0;
    }
    return 1;
}

static void
s_remove_dir (const char *dir)
{
    DIR *d = opendir (dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir (d))) {
        if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
        char p[4096];
        snprintf (p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat (p, &st) == 0 && S_ISDIR (st.st_mode))
            s_remove_dir (p);
        else
            unlink (p);
    }
    closedir (d);
    rmdir (dir);
}

static void
s_print_row (const char *name, const char *how, const s_result_t *r)
{
    if (!r->ok) {
        printf ("  %-12s %-7s failed: %s\n", name, how, r->err);
    } else {
        printf ("  %-12s %-7s %8zu %9llu %7llu %9llu %7.2f %8.2f %8.2f %8.2f %8llu %9.0f %8.0f\n", name, how,
                r->nodes, (unsigned long long) r->riders, (unsigned long long) r->drivers,
                (unsigned long long) r->robotaxis, r->map_s, r->day_s, r->wall_s, r->cpu_s,
                (unsigned long long) r->trips, r->day_s > 0 ? (double) r->trips / r->day_s : 0.0, r->rss_mb);
    }
    fflush (stdout);
}

static const char *
s_judge (int judged, int met)
{
    return !judged ? "not judged (--fraction)" : met ? "met" : "missed";
}

/* One growth axis: the rows of group, in table order, with each figure against the axis' first row. */
static void
s_print_axis (const char *title, const char *group, const char *const names[3], const s_result_t *res,
              const int *done)
{
    int any = 0;
    for (size_t i = 0; i < S_ROWS; i++)
        any |= done[i] && res[i].ok && s_in_list (s_rows[i].groups, group);
    if (!any)
        return;
    printf ("  %s\n", title);
    const s_result_t *first = NULL;
    for (int k = 0; k < 3; k++) {
        size_t i = 0;
        while (i < S_ROWS && strcmp (s_rows[i].name, names[k]) != 0)
            i++;
        if (i == S_ROWS || !done[i] || !res[i].ok) {
            printf ("    %-12s not run\n", names[k]);
            continue;
        }
        const s_result_t *r = &res[i];
        double tps = r->day_s > 0 ? (double) r->trips / r->day_s : 0;
        printf ("    %-12s %8zu nodes %9llu riders %6llu robotaxis: %8llu trips  %9.0f trips/s  %7.0f MB", names[k],
                r->nodes, (unsigned long long) r->riders, (unsigned long long) r->robotaxis,
                (unsigned long long) r->trips, tps, r->rss_mb);
        if (first && first->trips > 0 && first->day_s > 0)
            printf ("   x%.2f trips, x%.2f day time, x%.2f RSS", (double) r->trips / (double) first->trips,
                    r->day_s / first->day_s, r->rss_mb / first->rss_mb);
        printf ("\n");
        if (!first)
            first = r;
    }
}

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: " PROG " scale [-s SCENARIO] [--set KEY=VALUE]... [--only LIST] [--fraction F] [--no-tcp]\n"
             "                            [--keep DIR] [--map-cache DIR]\n"
             "Issue 17's targets and growth table, each run a whole day (map build and contraction, the day, its\n"
             "output files) in a process of its own: wall time, trips served per second of the day, peak RSS.\n"
             "Target runs (small, big-400, big-4000) are also played over TCP loopback and their output files\n"
             "compared with the in-process ones. Every run plays one day without a baseline but days-30.\n"
             "Runs: small (map.grid_m=600, 2946 nodes), big-400 and big-4000 (55 m, 325540 nodes, the scenario's\n"
             "robotaxis and 4000), map-110k (95 m), riders-80k and riders-3.2M (demand and drivers x0.1 and x4),\n"
             "fleet-4000 and fleet-40000, days-30 (30 days with a baseline on the 2946-node map: 60 city-days,\n"
             "target <= 5 min; its trips are the 30 days'); groups: targets, big, growth, map, riders, fleet, days.\n"
             "  -s, --scenario FILE       the scenario (default: " S_DEFAULT_SCEN ", run from the checkout)\n"
             "      --set SECTION.KEY=VALUE  as for robotaxi-sim, before each run's own keys\n"
             "      --only LIST           only these runs or groups, comma-separated (default: all; the two big\n"
             "                            runs and their TCP twins take most of the time)\n"
             "      --fraction F          demand, drivers and robotaxis x F (0 < F <= 1), for a quick check;\n"
             "                            targets are then not judged\n"
             "      --no-tcp              play the target runs in-process only\n"
             "      --keep DIR            keep the runs' output folders in DIR (created; default: a temporary one)\n"
             "      --map-cache DIR       keep each grid's road network and contraction in DIR/wuhan-GRIDm.map\n"
             "                            (map.cache) and load it in later runs: \"map s\" is then a load, not a\n"
             "                            build (default: build every map in every run)\n"
             "  -h, --help                this help\n"
             "  -V, --version             version\n"
             "\n");
    tool_cli_help_status (out, "done: every run finished, and the target runs' files are the same in-process and "
                               "over TCP",
                          "a run failed, or a target run's files differ between in-process and TCP");
}

/* 0, 1 for --help / --version (already answered), or 2 after a usage message. */
static int
s_parse (int argc, char **argv, s_options_t *o, const char **keep_dir)
{
    static const struct option options[] = {{"scenario", required_argument, NULL, 's'},
                                            {"set", required_argument, NULL, 'S'},
                                            {"only", required_argument, NULL, 'o'},
                                            {"fraction", required_argument, NULL, 'f'},
                                            {"no-tcp", no_argument, NULL, 'T'},
                                            {"keep", required_argument, NULL, 'k'},
                                            {"map-cache", required_argument, NULL, 'm'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {NULL, 0, NULL, 0}};
    *o = (s_options_t) {.scenario = S_DEFAULT_SCEN, .fraction = 1, .tcp = 1};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long (argc, argv, ":s:hV", options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's':
            o->scenario = optarg;
            o->scenario_given = 1;
            break;
        case 'S':
            if (o->set_count == S_MAX_SETS)
                return tool_cli_usage_error (S_CMD, "--set: at most %d", S_MAX_SETS);
            o->sets[o->set_count++] = optarg;
            break;
        case 'o': {
            snprintf (o->only, sizeof o->only, "%s", optarg);
            for (const char *p = optarg; *p;) {
                const char *e = strchr (p, ',');
                char word[64];
                snprintf (word, sizeof word, "%.*s", (int) (e ? e - p : (ptrdiff_t) strlen (p)), p);
                int known = 0;
                for (size_t i = 0; i < S_ROWS; i++)
                    known |= strcmp (s_rows[i].name, word) == 0 || s_in_list (s_rows[i].groups, word);
                if (!known)
                    return tool_cli_usage_error (S_CMD, "--only: '%s' is not a run or a group", word);
                if (!e)
                    break;
                p = e + 1;
            }
            break;
        }
        case 'f':
            o->fraction = strtod (optarg, &end);
            if (end == optarg || *end || !(o->fraction > 0 && o->fraction <= 1))
                return tool_cli_usage_error (S_CMD, "--fraction: '%s' is not a number in (0, 1]", optarg);
            break;
        case 'T': o->tcp = 0; break;
        case 'k': *keep_dir = optarg; o->keep = 1; break;
        case 'm': o->map_cache = optarg; break;
        case 'h': s_usage (stdout); return 1;
        case 'V': printf (PROG " " RT_VERSION "\n"); return 1;
        default: return tool_cli_bad_option (S_CMD, c, argv, options);
        }
    }
    if (optind != argc)
        return tool_cli_usage_error (S_CMD, "%s: unexpected argument", argv[optind]);
    return 0;
}

int
bench_scale_main (int argc, char **argv)
{
    s_options_t o;
    const char *keep_dir = NULL;
    int rc = s_parse (argc, argv, &o, &keep_dir);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (o.map_cache && mkdir (o.map_cache, 0700) < 0 && errno != EEXIST) {
        fprintf (stderr, PROG ": scale: --map-cache: %s: %s\n", o.map_cache, strerror (errno));
        return 73;
    }
    /* the scenario and the --set keys, checked once here as robotaxi-sim checks them */
    sim_config_t *cfg = malloc (sizeof *cfg);
    char err[512];
    if (!cfg)
        return 1;
    sim_config_defaults (cfg);
    rc = sim_config_load (cfg, o.scenario, err, sizeof err);
    if (rc < 0) {
        fprintf (stderr, PROG ": scale: %s%s\n", err,
                 o.scenario_given ? "" : " (run from the checkout, or give the scenario with -s)");
        free (cfg);
        return rc == SIM_CONFIG_UNREADABLE ? EX_NOINPUT : EX_CONFIG;
    }
    for (size_t i = 0; i < o.set_count; i++)
        if (sim_config_set (cfg, o.sets[i], err, sizeof err) < 0) {
            fprintf (stderr, PROG ": scale: %s\n", err);
            free (cfg);
            return EX_CONFIG;
        }
    if (sim_config_check (cfg, err, sizeof err) < 0 || sim_config_check_files (cfg, err, sizeof err) < 0) {
        fprintf (stderr, PROG ": scale: %s\n", err);
        free (cfg);
        return EX_CONFIG;
    }
    printf (PROG " scale: scenario '%s' (%s), seed %llu: %.0f riders a day, %lld drivers, %lld robotaxis; "
            "demand, drivers and robotaxis x%g\n",
            cfg->scenario.name, o.scenario, (unsigned long long) cfg->scenario.seed, cfg->demand.trips_per_day,
            (long long) cfg->human.drivers, (long long) cfg->robotaxi.fleet_size, o.fraction);
    free (cfg);
    char tmp[4096];
    if (keep_dir) {
        snprintf (tmp, sizeof tmp, "%s", keep_dir);
        if (mkdir (tmp, 0700) < 0 && errno != EEXIST) {
            fprintf (stderr, PROG ": scale: %s: %s\n", tmp, strerror (errno));
            return 1;
        }
    } else {
        const char *t = getenv ("TMPDIR");
        snprintf (tmp, sizeof tmp, "%s/robotaxi-bench-scale-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp (tmp)) {
            fprintf (stderr, PROG ": scale: %s: %s\n", tmp, strerror (errno));
            return 1;
        }
    }
    printf ("each run in its own process; wall = map + day + process; cpu = its user + system time, all threads (the\n"
            "routing thread of a day; over TCP also the dispatcher's); trips/s = trips served / day s; RSS = the "
            "process's peak\n\n");
    printf ("  %-12s %-7s %8s %9s %7s %9s %7s %8s %8s %8s %8s %9s %8s\n", "run", "via", "nodes", "riders", "drivers",
            "robotaxis", "map s", "day s", "wall s", "cpu s", "trips", "trips/s", "RSS MB");
    fflush (stdout);

    s_result_t res[S_ROWS], tcp_res[S_ROWS];
    int done[S_ROWS] = {0}, same[S_ROWS] = {0}, failed = 0;
    char why[S_ROWS][256];
    for (size_t i = 0; i < S_ROWS; i++) {
        if (!s_selected (&o, &s_rows[i]))
            continue;
        char din[4200], dtcp[4200];
        snprintf (din, sizeof din, "%s/%s-inproc", tmp, s_rows[i].name);
        snprintf (dtcp, sizeof dtcp, "%s/%s-tcp", tmp, s_rows[i].name);
        s_remove_dir (din);
        s_remove_dir (dtcp);
        s_run (&o, &s_rows[i], 0, din, &res[i]);
        done[i] = 1;
        s_print_row (s_rows[i].name, "inproc", &res[i]);
        failed |= !res[i].ok;
        if (res[i].ok && (s_rows[i].target == 1 || s_rows[i].target == 2) && o.tcp) {
            s_run (&o, &s_rows[i], 1, dtcp, &tcp_res[i]);
            s_print_row (s_rows[i].name, "tcp", &tcp_res[i]);
            failed |= !tcp_res[i].ok;
            if (tcp_res[i].ok) {
                int s = s_same_files (din, dtcp, why[i], sizeof why[i]);
                same[i] = s == 1 ? 1 : -1;
                if (s == 1)
                    snprintf (why[i], sizeof why[i], "identical output files");
                failed |= s != 1;
                printf ("  %-12s         in-process and TCP: %s\n", s_rows[i].name, why[i]);
            }
        }
        if (!o.keep) {
            s_remove_dir (din);
            s_remove_dir (dtcp);
        }
    }
    if (!o.keep)
        rmdir (tmp);
    else
        printf ("\noutput folders kept in %s\n", tmp);

    int judged = o.fraction == 1;
    printf ("\ntargets (issue 17; wall = what a user waits for, map build and contraction included):\n");
    for (size_t i = 0; i < S_ROWS; i++) {
        if (!s_rows[i].target || !done[i])
            continue;
        const s_result_t *r = &res[i];
        if (!r->ok) {
            printf ("  %-12s failed\n", s_rows[i].name);
            continue;
        }
        if (s_rows[i].target == 3) {
            printf ("  %-12s %zu nodes, %d days with a baseline (%d city-days), the map built once: %.1f s (target <= "
                    "%.0f s): %s (%.1f s CPU on two threads)\n",
                    s_rows[i].name, r->nodes, s_rows[i].days, 2 * s_rows[i].days, r->wall_s, S_DAYS_WALL_S,
                    s_judge (judged, r->wall_s <= S_DAYS_WALL_S), r->cpu_s);
            continue;
        }
        if (s_rows[i].target == 1) {
            printf ("  %-12s %zu nodes, %llu robotaxis: whole day %.1f s (target <= %.0f s): %s (%.1f s CPU)\n",
                    s_rows[i].name, r->nodes, (unsigned long long) r->robotaxis, r->wall_s, S_SMALL_WALL_S,
                    s_judge (judged, r->wall_s <= S_SMALL_WALL_S), r->cpu_s);
        } else {
            printf ("  %-12s %zu nodes, %llu robotaxis: whole day %.1f s (target <= %.0f s): %s (%.1f s CPU); peak "
                    "RSS %.0f MB (target <= %.0f MB): %s\n",
                    s_rows[i].name, r->nodes, (unsigned long long) r->robotaxis, r->wall_s, S_BIG_WALL_S,
                    s_judge (judged, r->wall_s <= S_BIG_WALL_S), r->cpu_s, r->rss_mb, S_BIG_RSS_MB,
                    s_judge (judged, r->rss_mb <= S_BIG_RSS_MB));
        }
        if (s_rows[i].target && o.tcp)
            printf ("  %-12s in-process and TCP outputs identical: %s\n", s_rows[i].name,
                    same[i] == 1 ? "met" : same[i] == -1 ? "MISSED (DIFFERENT)" : "not run");
    }

    printf ("\ngrowth (each axis against its first row; goal: close to linear in trips, at most logarithmic in map "
            "nodes):\n");
    static const char *const map_rows[3] = {"small", "map-110k", "big-400"};
    static const char *const rider_rows[3] = {"riders-80k", "small", "riders-3.2M"};
    static const char *const fleet_rows[3] = {"small", "fleet-4000", "fleet-40000"};
    s_print_axis ("map nodes (the scenario's demand and robotaxis):", "map", map_rows, res, done);
    s_print_axis ("riders a day (drivers in proportion; the default map):", "riders", rider_rows, res, done);
    s_print_axis ("robotaxis (the scenario's demand; the default map):", "fleet", fleet_rows, res, done);
    return failed ? 1 : 0;
}
