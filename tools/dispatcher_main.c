/* robotaxi-dispatcher: serves dispatch sessions to simulators over ZeroMQ and republishes their metrics. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_policy.h"
#include "disp_server.h"

#ifndef RT_VERSION
#define RT_VERSION "unknown"
#endif

#define S_PROG            "robotaxi-dispatcher"
#define S_DEFAULT_BIND    "tcp://127.0.0.1:5555"
#define S_DEFAULT_PUBLISH "tcp://127.0.0.1:5556"
#define S_DEFAULT_STATE   "tcp://127.0.0.1:5557"

/* The one global: set by SIGINT/SIGTERM, read by the server loop. */
static volatile sig_atomic_t s_stop = 0;

typedef struct {
    const char *bind;
    const char *publish; /* NULL: no metrics stream */
    const char *state;   /* NULL: no state endpoint */
    int state_given;     /* --state was on the command line (the default goes away with --publish none) */
    int verbose;
    size_t max_message_bytes;
    const char *curve_secret, *curve_clients;
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
             "Heartbeats both ways; sessions silent for 10 heartbeat periods are forgotten. Republishes the metrics\n"
             "the sessions send on a PUB socket, numbered per topic; a late subscriber asks the state endpoint for\n"
             "the latest snapshot of each session.\n"
             "\n"
             "  -b, --bind ENDPOINT      where simulators and live clients connect (default " S_DEFAULT_BIND ")\n"
             "  -p, --publish ENDPOINT   where metrics subscribers connect (default " S_DEFAULT_PUBLISH
             "); 'none' disables\n"
             "  -s, --state ENDPOINT     where subscribers ask for the stream's state (default " S_DEFAULT_STATE
             "); 'none' disables\n"
             "      --max-message MB     answer larger client frames with ERROR_TOO_LARGE (default 16, at most 64)\n"
             "      --curve-secret FILE  CURVE on the client endpoint: this server's key pair (FILE_secret)...\n"
             "      --curve-clients DIR  ...admitting only clients whose public key files are in DIR\n"
             "                           (robotaxi-keygen makes key files)\n"
             "  -v, --verbose            log sessions and subscribers on stderr\n"
             "  -h, --help               show this help and exit\n"
             "  -V, --version            show the version and exit\n"
             "\n"
             "Policies:\n");
    const disp_policy_t *list;
    size_t count = disp_policy_list (&list);
    for (size_t i = 0; i < count; i++)
        fprintf (out, "  %-10s %s\n", list[i].name, list[i].summary);
    fprintf (out, "\nSIGINT or SIGTERM stop the service; it prints its counters on stderr.\n");
}

/* Returns 0 to run, 1 when --help/--version was answered, 2 on bad usage. */
static int s_parse (int argc, char **argv, s_options_t *opt)
{
    static const struct option longopts[] = {
        {"bind", required_argument, NULL, 'b'},         {"publish", required_argument, NULL, 'p'},
        {"state", required_argument, NULL, 's'},        {"max-message", required_argument, NULL, 'M'},
        {"curve-secret", required_argument, NULL, 'C'}, {"curve-clients", required_argument, NULL, 'K'},
        {"verbose", no_argument, NULL, 'v'},            {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},            {NULL, 0, NULL, 0}};
    *opt = (s_options_t){.bind = S_DEFAULT_BIND, .publish = S_DEFAULT_PUBLISH, .state = S_DEFAULT_STATE};
    int c;
    opterr = 0; /* our own messages, in the "prog: what: why" shape */
    while ((c = getopt_long (argc, argv, ":b:p:s:vhV", longopts, NULL)) != -1) {
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
            if (*end || end == optarg || !(mb >= 0.001 && mb <= 64)) {
                fprintf (stderr, S_PROG ": --max-message: '%s' is not a size from 0.001 to 64 MB\n", optarg);
                return 2;
            }
            opt->max_message_bytes = (size_t)(mb * 1024 * 1024);
            break;
        }
        case 'C':
            opt->curve_secret = optarg;
            break;
        case 'K':
            opt->curve_clients = optarg;
            break;
        case 'h':
            s_usage (stdout);
            return 1;
        case 'V':
            printf (S_PROG " %s\n", RT_VERSION);
            return 1;
        case ':':
            fprintf (stderr, S_PROG ": %s: missing argument\n", argv[optind - 1]);
            fprintf (stderr, "Try '" S_PROG " --help' for more information.\n");
            return 2;
        default:
            fprintf (stderr, S_PROG ": %s: unknown option\n", argv[optind - 1]);
            fprintf (stderr, "Try '" S_PROG " --help' for more information.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf (stderr, S_PROG ": %s: unexpected argument\n", argv[optind]);
        return 2;
    }
    if (!opt->curve_secret != !opt->curve_clients) {
        fprintf (stderr, S_PROG ": --curve-secret and --curve-clients go together\n");
        return 2;
    }
    if (opt->bind[0] == '\0') {
        fprintf (stderr, S_PROG ": --bind: empty endpoint\n");
        return 2;
    }
    if (!opt->publish && opt->state) {
        if (opt->state_given) {
            fprintf (stderr, S_PROG ": --state: there is no stream to give the state of with --publish none\n");
            return 2;
        }
        opt->state = NULL;
    }
    return 0;
}

int main (int argc, char **argv)
{
    s_options_t opt;
    int rc = s_parse (argc, argv, &opt);
    if (rc == 1) return 0;
    if (rc == 2) return 2;

    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);

    char err[512];
    disp_server_opts_t sopts = {.bind = opt.bind,
                                .publish = opt.publish,
                                .state = opt.state,
                                .verbose = opt.verbose,
                                .max_message_bytes = opt.max_message_bytes,
                                .curve_secret = opt.curve_secret,
                                .curve_clients = opt.curve_clients};
    disp_server_t *server = disp_server_new (&sopts, err, sizeof err);
    if (!server) {
        fprintf (stderr, S_PROG ": %s\n", err);
        return 1;
    }
    const char *pub = disp_server_publish_endpoint (server), *state = disp_server_state_endpoint (server);
    fprintf (stderr, S_PROG ": serving on %s, publishing on %s, state on %s\n", disp_server_bind_endpoint (server),
             pub ? pub : "none", state ? state : "none");
    fflush (stderr);

    rc = disp_server_run (server, &s_stop);
    disp_server_stats_t stats;
    disp_server_stats (server, &stats);
    fprintf (stderr,
             S_PROG ": stopped: %llu frames in, %llu error replies (%llu malformed, %llu too large), %llu sessions "
                    "opened, %llu closed (%llu expired), %llu live updates, %llu assignments, %llu metrics published, "
                    "%llu subscribers joined, %llu state requests answered\n",
             (unsigned long long)stats.frames_in, (unsigned long long)stats.errors_sent,
             (unsigned long long)stats.malformed, (unsigned long long)stats.too_large,
             (unsigned long long)stats.sessions_opened, (unsigned long long)stats.sessions_closed,
             (unsigned long long)stats.sessions_expired, (unsigned long long)stats.live_updates,
             (unsigned long long)stats.assignments, (unsigned long long)stats.published,
             (unsigned long long)stats.subscribers_joined, (unsigned long long)stats.state_replies);
    if (rc != 0) fprintf (stderr, S_PROG ": %s: serving failed\n", disp_server_bind_endpoint (server));
    disp_server_destroy (&server);
    return rc == 0 ? 0 : 1;
}
