/* robotaxi-dispatcher: serves dispatch sessions to simulators over ZeroMQ and republishes their metrics. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "disp_policy.h"
#include "disp_server.h"
#include "tool_cli.h"

#ifndef RT_VERSION
#define RT_VERSION "unknown"
#endif

#define S_PROG            "robotaxi-dispatcher"
#define S_DEFAULT_BIND    "tcp://127.0.0.1:5555"
#define S_DEFAULT_PUBLISH "tcp://127.0.0.1:5556"
#define S_DEFAULT_STATE   "tcp://127.0.0.1:5557"

/* The one global: set by SIGINT/SIGTERM, read by the server loop. */
static volatile sig_atomic_t s_stop = 0;

#define S_MAPS_MAX 256 /* maps one service lists */

typedef struct {
    const char *bind;
    const char *publish; /* NULL: no metrics stream */
    const char *state;   /* NULL: no state endpoint */
    int state_given;     /* --state was on the command line (the default goes away with --publish none) */
    int verbose;
    size_t max_message_bytes;
    const char *curve_secret, *curve_clients;
    disp_map_source_t maps[S_MAPS_MAX];
    char map_names[S_MAPS_MAX][DISP_MAPS_NAME_MAX + 1];
    char *map_paths[S_MAPS_MAX]; /* malloc'd for --maps entries, NULL for --map (argv's) */
    size_t map_count;
    const char *map_cache_dir;
    disp_server_limits_t limits;
} s_options_t;

static void s_on_signal (int signum)
{
    (void)signum;
    s_stop = 1;
}

static void s_usage (FILE *out)
{
    fprintf (out,
             "Usage: " S_PROG " [--bind ENDPOINT] [--publish ENDPOINT|none] [--state ENDPOINT|none] [OPTION]...\n"
             "Serves dispatch sessions over ZeroMQ (a ROUTER, protocol robotaxi.v1): simulators in lockstep with their\n"
             "clock, and live clients on the wall clock (requests and telemetry in, assignments out as made).\n"
             "Heartbeats both ways; sessions silent for 10 heartbeat periods (or --idle-timeout) are forgotten.\nRepublishes the metrics "
             "the sessions send on a PUB socket, numbered per topic; a late subscriber asks the state endpoint for\n"
             "the latest snapshot of each session.\n"
             "\n"
             "      --bind ENDPOINT      where simulators and live clients connect (default " S_DEFAULT_BIND ")\n"
             "      --publish ENDPOINT   where metrics subscribers connect (default " S_DEFAULT_PUBLISH
             "); 'none' disables\n"
             "      --state ENDPOINT     where subscribers ask for the stream's state (default " S_DEFAULT_STATE
             "); 'none' disables\n"
             "      --max-message MB     answer larger client frames with ERROR_TOO_LARGE (default 16, at most 64)\n"
             "      --curve-secret FILE  CURVE on every endpoint (clients, metrics, state): this server's key pair\n"
             "                           (FILE_secret)...\n"
             "      --curve-clients DIR  ...admitting only clients whose public key files are in DIR when the service\n"
             "                           starts (robotaxi-keygen makes key files)\n"
             "\n"
             "Maps (clients pick one by name; they never name a file on this host):\n"
             "      --map [NAME=]FILE    serve the map file or OSM extract FILE as NAME (default NAME: the file name\n"
             "                           without folders and suffixes, monaco.osm.pbf -> monaco); repeatable\n"
             "      --maps DIR           serve every *.map, *.osm and *.pbf file in DIR, each by its name\n"
             "      --map-cache DIR      cache OSM imports as map files in DIR (default: import on every load)\n"
             "                           The embedded city (embedded:wuhan) is always served.\n"
             "\n"
             "Limits (a client past one gets ERROR_LIMIT naming it; the service goes on):\n"
             "      --max-sessions N         sessions open or waiting for a map, all clients (default %d)\n"
             "      --max-client-sessions N  sessions of one client: its CURVE key, else its address (default %d)\n"
             "      --max-vehicles N         vehicles in one session (default %d)\n"
             "      --max-riders N           riders waiting in one session (default %d)\n"
             "      --max-map-nodes N        largest road network a session may ask for (default %d)\n"
             "      --map-cache-mb MB        memory for maps; unused ones go, least recently used first (default %d)\n"
             "      --max-search-mb MB       memory for one session's nearest-vehicle buckets; past it the session\n"
             "                               finds vehicles without them: the same answers, slower (default %d)\n"
             "      --idle-timeout S         forget a session silent this long, in seconds (default %d)\n"
             "\n"
             "  -v, --verbose            log sessions and subscribers on stderr\n"
             "  -h, --help               show this help and exit\n"
             "  -V, --version            show the version and exit\n"
             "\n"
             "Policies:\n",
             DISP_SERVER_MAX_SESSIONS_DEFAULT, DISP_SERVER_MAX_CLIENT_SESSIONS_DEFAULT, DISP_SERVER_MAX_VEHICLES_DEFAULT,
             DISP_SERVER_MAX_RIDERS_DEFAULT, DISP_SERVER_MAX_MAP_NODES_DEFAULT, DISP_SERVER_MAP_CACHE_MB_DEFAULT,
             DISP_SERVER_SEARCH_MB_DEFAULT, DISP_SERVER_IDLE_TIMEOUT_S_DEFAULT);
    const disp_policy_t *list;
    size_t count = disp_policy_list (&list);
    for (size_t i = 0; i < count; i++)
        fprintf (out, "  %-10s %s\n", list[i].name, list[i].summary);
    fprintf (out, "\nSIGINT or SIGTERM stop the service; it prints its counters on stderr.\n\n");
    tool_cli_help_status (out, "stopped by SIGINT or SIGTERM", "the service could not start or failed");
}

/* A whole number in [min, max] for option `name`. 0, or 2 (bad usage) after the message and the Try line. */
static int s_count (const char *arg, const char *name, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll (arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '+' || arg[0] == '-' || v < min || v > max) {
        return tool_cli_usage_error (S_PROG, "%s: '%s' is not a whole number from %lld to %lld", name, arg, min,
                                     max);
    }
    *out = v;
    return 0;
}

/* Adds a map: name (NULL: from the file name) and path (kept: argv's, or malloc'd when owned). 0, or an exit status
 * after a message: EX_NOINPUT for a file that is not there, EX_CONFIG for a bad or doubled name, 2 for too many. */
static int s_add_map (s_options_t *opt, const char *name, const char *path, char *owned)
{
    if (opt->map_count == S_MAPS_MAX) {
        free (owned);
        return tool_cli_usage_error (S_PROG, "--map: more than %d maps", S_MAPS_MAX);
    }
    size_t i = opt->map_count;
    if (name) {
        if (!disp_maps_name_ok (name)) {
            fprintf (stderr, S_PROG ": --map: '%s' is not a map name (letters, digits, '.', '_', '-', at most %d)\n",
                     name, DISP_MAPS_NAME_MAX);
            free (owned);
            return EX_CONFIG;
        }
        snprintf (opt->map_names[i], sizeof opt->map_names[i], "%s", name);
    } else if (disp_maps_name_of (path, opt->map_names[i], sizeof opt->map_names[i]) != 0) {
        fprintf (stderr, S_PROG ": --map %s: its file name makes no map name; give one: --map NAME=%s\n", path, path);
        free (owned);
        return EX_CONFIG;
    }
    struct stat st;
    if (stat (path, &st) != 0 || !S_ISREG (st.st_mode) || access (path, R_OK) != 0) {
        fprintf (stderr, S_PROG ": --map %s: %s: %s\n", opt->map_names[i], path,
                 errno && stat (path, &st) != 0 ? strerror (errno) : "not a readable regular file");
        free (owned);
        return EX_NOINPUT;
    }
    for (size_t k = 0; k < i; k++)
        if (strcmp (opt->map_names[k], opt->map_names[i]) == 0) {
            fprintf (stderr, S_PROG ": --map: two maps named %s (%s and %s)\n", opt->map_names[i],
                     opt->maps[k].path, path);
            free (owned);
            return EX_CONFIG;
        }
    opt->maps[i] = (disp_map_source_t){.name = opt->map_names[i], .path = path};
    opt->map_paths[i] = owned;
    opt->map_count++;
    return 0;
}

static int s_map_file_name (const struct dirent *e)
{
    size_t len = strlen (e->d_name);
    static const char *const suffixes[] = {".map", ".osm", ".pbf"};
    if (e->d_name[0] == '.') return 0;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (len > 4 && strcmp (e->d_name + len - 4, suffixes[i]) == 0) return 1;
    return 0;
}

/* --maps DIR: every map file and OSM extract in DIR, in name order. 0, or an exit status after a message. */
static int s_add_map_dir (s_options_t *opt, const char *dir)
{
    struct dirent **list;
    int n = scandir (dir, &list, s_map_file_name, alphasort);
    if (n < 0) {
        fprintf (stderr, S_PROG ": --maps %s: %s\n", dir, strerror (errno));
        return EX_NOINPUT;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        size_t size = strlen (dir) + strlen (list[i]->d_name) + 2;
        char *path = rc == 0 ? malloc (size) : NULL;
        if (path) snprintf (path, size, "%s/%s", dir, list[i]->d_name);
        if (rc == 0 && !path) {
            fprintf (stderr, S_PROG ": --maps %s: out of memory\n", dir);
            rc = 1;
        } else if (rc == 0) {
            rc = s_add_map (opt, NULL, path, path);
        }
        free (list[i]);
    }
    free (list);
    return rc;
}

static void s_options_free (s_options_t *opt)
{
    for (size_t i = 0; i < opt->map_count; i++)
        free (opt->map_paths[i]);
}

/* Returns -1 to run, or the exit status: 0 when --help/--version was answered, 2 on bad usage, EX_NOINPUT or
 * EX_CONFIG for a map that cannot be served. */
static int s_parse (int argc, char **argv, s_options_t *opt)
{
    static const struct option longopts[] = {
        {"bind", required_argument, NULL, 'b'},         {"publish", required_argument, NULL, 'p'},
        {"state", required_argument, NULL, 's'},        {"max-message", required_argument, NULL, 'M'},
        {"curve-secret", required_argument, NULL, 'C'}, {"curve-clients", required_argument, NULL, 'K'},
        {"verbose", no_argument, NULL, 'v'},            {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},            {"map", required_argument, NULL, 'm'},
        {"maps", required_argument, NULL, 'D'},         {"map-cache", required_argument, NULL, 'c'},
        {"max-sessions", required_argument, NULL, 1},   {"max-client-sessions", required_argument, NULL, 2},
        {"max-vehicles", required_argument, NULL, 3},   {"max-riders", required_argument, NULL, 4},
        {"max-map-nodes", required_argument, NULL, 5},  {"map-cache-mb", required_argument, NULL, 6},
        {"idle-timeout", required_argument, NULL, 7},   {"max-search-mb", required_argument, NULL, 8},
        {NULL, 0, NULL, 0}};
    memset (opt, 0, sizeof *opt);
    opt->bind = S_DEFAULT_BIND;
    opt->publish = S_DEFAULT_PUBLISH;
    opt->state = S_DEFAULT_STATE;
    disp_server_limits_defaults (&opt->limits);
    int c, rc;
    long long v;
    opterr = 0; /* tool_cli's messages */
    while ((c = getopt_long (argc, argv, ":vhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            opt->bind = optarg;
            break;
        case 'p':
            opt->publish = strcmp (optarg, "none") == 0 ? NULL : optarg;
            break;
        case 's':
            opt->state = strcmp (optarg, "none") == 0 ? NULL : optarg;
            opt->state_given = 1;
            break;
        case 'v':
            opt->verbose = 1;
            break;
        case 'M': {
            char *end;
            double mb = strtod (optarg, &end);
            if (*end || end == optarg || !(mb >= 0.001 && mb <= 64))
                return tool_cli_usage_error (S_PROG, "--max-message: '%s' is not a size from 0.001 to 64 MB", optarg);
            opt->max_message_bytes = (size_t)(mb * 1024 * 1024);
            break;
        }
        case 'C':
            opt->curve_secret = optarg;
            break;
        case 'm': {
            char *eq = strchr (optarg, '=');
            if (eq) *eq = '\0'; /* NAME=FILE: argv is ours to cut */
            rc = eq ? s_add_map (opt, optarg, eq + 1, NULL) : s_add_map (opt, NULL, optarg, NULL);
            if (rc) return rc;
            break;
        }
        case 'D':
            if ((rc = s_add_map_dir (opt, optarg))) return rc;
            break;
        case 'c':
            opt->map_cache_dir = optarg;
            break;
        case 1:
            if (s_count (optarg, "--max-sessions", 1, 100000, &v)) return 2;
            opt->limits.max_sessions = (size_t)v;
            break;
        case 2:
            if (s_count (optarg, "--max-client-sessions", 1, 100000, &v)) return 2;
            opt->limits.max_client_sessions = (size_t)v;
            break;
        case 3:
            if (s_count (optarg, "--max-vehicles", 1, 100000000, &v)) return 2;
            opt->limits.max_vehicles = (size_t)v;
            break;
        case 4:
            if (s_count (optarg, "--max-riders", 1, 100000000, &v)) return 2;
            opt->limits.max_riders = (size_t)v;
            break;
        case 5:
            if (s_count (optarg, "--max-map-nodes", 1, 100000000, &v)) return 2;
            opt->limits.max_map_nodes = (size_t)v;
            break;
        case 6:
            if (s_count (optarg, "--map-cache-mb", 1, 1048576, &v)) return 2;
            opt->limits.map_cache_bytes = (size_t)v << 20;
            break;
        case 7:
            if (s_count (optarg, "--idle-timeout", 1, 86400, &v)) return 2;
            opt->limits.idle_timeout_ms = v * 1000;
            break;
        case 8:
            if (s_count (optarg, "--max-search-mb", 1, 1048576, &v)) return 2;
            opt->limits.search_bytes = (size_t)v << 20;
            break;
        case 'K':
            opt->curve_clients = optarg;
            break;
        case 'h':
            s_usage (stdout);
            return 0;
        case 'V':
            printf (S_PROG " %s\n", RT_VERSION);
            return 0;
        default:
            return tool_cli_bad_option (S_PROG, c, argv, longopts);
        }
    }
    if (optind < argc)
        return tool_cli_usage_error (S_PROG, "%s: unexpected argument", argv[optind]);
    if (!opt->curve_secret != !opt->curve_clients)
        return tool_cli_usage_error (S_PROG, "--curve-secret, --curve-clients: the two go together");
    if (opt->bind[0] == '\0')
        return tool_cli_usage_error (S_PROG, "--bind: empty endpoint");
    if (!opt->publish && opt->state) {
        if (opt->state_given)
            return tool_cli_usage_error (S_PROG, "--state: there is no stream to give the state of with --publish "
                                                 "none");
        opt->state = NULL;
    }
    return -1;
}

int main (int argc, char **argv)
{
    static s_options_t opt; /* large (the map table): off the stack */
    int rc = s_parse (argc, argv, &opt);
    if (rc >= 0) {
        s_options_free (&opt);
        return rc;
    }

    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);

    /* key files that cannot be read are told apart from a service that cannot start */
    DIR *clients = opt.curve_clients ? opendir (opt.curve_clients) : NULL;
    if (opt.curve_clients && !clients) {
        fprintf (stderr, S_PROG ": --curve-clients: %s: %s\n", opt.curve_clients, strerror (errno));
        s_options_free (&opt);
        return TOOL_CLI_NOINPUT;
    }
    if (clients) closedir (clients);
    if (opt.curve_secret && tool_cli_keys_status (opt.curve_secret, NULL) == TOOL_CLI_NOINPUT) {
        fprintf (stderr, S_PROG ": --curve-secret: %s: cannot be read (nor %s_secret)\n", opt.curve_secret,
                 opt.curve_secret);
        s_options_free (&opt);
        return TOOL_CLI_NOINPUT;
    }

    char err[512];
    disp_server_opts_t sopts = {.bind = opt.bind,
                                .publish = opt.publish,
                                .state = opt.state,
                                .verbose = opt.verbose,
                                .max_message_bytes = opt.max_message_bytes,
                                .curve_secret = opt.curve_secret,
                                .curve_clients = opt.curve_clients,
                                .maps = opt.maps,
                                .map_count = opt.map_count,
                                .map_cache_dir = opt.map_cache_dir,
                                .limits = opt.limits};
    disp_server_t *server = disp_server_new (&sopts, err, sizeof err);
    if (!server) {
        fprintf (stderr, S_PROG ": %s\n", err);
        s_options_free (&opt);
        return 1;
    }
    for (size_t i = 0; i < opt.map_count; i++)
        fprintf (stderr, S_PROG ": map %s: %s\n", opt.maps[i].name, opt.maps[i].path);
    const char *pub = disp_server_publish_endpoint (server), *state = disp_server_state_endpoint (server);
    fprintf (stderr, S_PROG ": serving on %s, publishing on %s, state on %s\n", disp_server_bind_endpoint (server),
             pub ? pub : "none", state ? state : "none");
    fflush (stderr);

    rc = disp_server_run (server, &s_stop);
    disp_server_stats_t stats;
    disp_server_stats (server, &stats);
    fprintf (stderr,
             S_PROG ": stopped: %llu frames in, %llu error replies (%llu malformed, %llu too large, %llu protocol, "
                    "%llu bad value, %llu map, %llu policy, %llu limit, %llu no session), %llu foreign, %llu maps built "
                    "(%llu failed, %llu evicted), %llu sessions "
                    "opened, %llu closed (%llu expired), %llu live updates, %llu assignments, %llu metrics published, "
                    "%llu subscribers joined, %llu state requests answered\n",
             (unsigned long long)stats.frames_in, (unsigned long long)stats.errors_sent,
             (unsigned long long)stats.malformed, (unsigned long long)stats.too_large,
             (unsigned long long)stats.protocol, (unsigned long long)stats.bad_value,
             (unsigned long long)stats.map_errors, (unsigned long long)stats.policy_errors,
             (unsigned long long)stats.limited, (unsigned long long)stats.no_session, (unsigned long long)stats.foreign,
             (unsigned long long)stats.map_builds, (unsigned long long)stats.map_build_failures,
             (unsigned long long)stats.maps_evicted, (unsigned long long)stats.sessions_opened, (unsigned long long)stats.sessions_closed,
             (unsigned long long)stats.sessions_expired, (unsigned long long)stats.live_updates,
             (unsigned long long)stats.assignments, (unsigned long long)stats.published,
             (unsigned long long)stats.subscribers_joined, (unsigned long long)stats.state_replies);
    if (rc != 0) fprintf (stderr, S_PROG ": %s: serving failed\n", disp_server_bind_endpoint (server));
    disp_server_destroy (&server);
    s_options_free (&opt);
    return rc == 0 ? 0 : 1;
}
