/* robotaxi-client: replays a CSV of ride requests and vehicle telemetry against a live robotaxi-dispatcher on the
 * wall clock, and prints the assignments as they come back. For demos, tests and load checks of the live mode. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_link.h"
#include "disp_policy.h"
#include "disp_replay.h"
#include "disp_zmq.h"
#include "tool_cli.h"

#ifndef RT_VERSION
#define RT_VERSION "unknown"
#endif

#define S_PROG             "robotaxi-client"
#define S_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"

/* The one global: set by SIGINT/SIGTERM. */
static volatile sig_atomic_t s_stop = 0;

static void s_on_signal (int signum)
{
    (void)signum;
    s_stop = 1;
}

typedef struct {
    const char *endpoint;
    const char *policy;
    const char *map;
    const char *csv;
    double speed;     /* replay this many times faster than the file's clock */
    double linger_s;  /* after the last row, wait this long for the last decisions */
    double clock_h;   /* the session clock's start, hours after midnight (traffic follows it) */
    double timeout_s; /* the dispatcher's first answer */
    double reconnect_s;
    double max_pickup_min; /* never send a vehicle further away than this */
    const char *curve_secret, *curve_server; /* CURVE keys, both or neither */
    int quiet;
} s_options_t;

/* Request bookkeeping for the report, one per request row, sorted by id: when the request left. */
typedef struct {
    uint64_t id;
    int64_t sent_wall_ms; /* -1 until sent */
    int assigned;
} s_sent_t;

static void s_usage (FILE *out)
{
    fprintf (out,
             "Usage: " S_PROG " [OPTION]... FILE.csv\n"
             "Replays ride requests and vehicle telemetry from FILE.csv against a live robotaxi-dispatcher, on the\n"
             "wall clock, and prints each assignment as it arrives (CSV on stdout: request, vehicle, pickup ETA and\n"
             "how long after sending the request it was assigned). A summary goes to stderr.\n"
             "\n"
             "  -d, --dispatcher ENDPOINT  the dispatcher (default " S_DEFAULT_ENDPOINT ")\n"
             "  -p, --policy NAME          dispatch policy (default nearest; robotaxi-dispatcher --help lists them)\n"
             "  -m, --map NAME             road network: embedded:wuhan (the default) or the name of a map the\n"
             "                             dispatcher serves (robotaxi-dispatcher --map NAME=FILE)\n"
             "      --speed X              replay X times faster than the file's clock (default 1); patience\n"
             "                             and pickup times stay real durations on the dispatcher's clock\n"
             "      --clock HOURS          the session clock starts at this hour of the day (default 8)\n"
             "      --max-pickup MINUTES   never send a vehicle further away than this (default 15)\n"
             "      --linger SECONDS       after the last row, wait this long for decisions (default 2)\n"
             "      --timeout SECONDS      wait this long for the dispatcher's first answer (default 10)\n"
             "      --reconnect SECONDS    a dispatcher that dies: wait this long for a restarted one (default 60)\n"
             "      --curve-secret FILE    over CURVE: this client's key pair (FILE_secret)...\n"
             "      --curve-server FILE    ...and the dispatcher's public key file (robotaxi-keygen makes them)\n"
             "  -q, --quiet                no summary\n"
             "  -h, --help                 this help\n"
             "  -V, --version              version\n"
             "\n"
             "FILE.csv starts with the header\n"
             "  " DISP_REPLAY_HEADER "\n"
             "then one row per event, in time order:\n"
             "  time_s      seconds from the start of the replay\n"
             "  kind        request | vehicle | cancel\n"
             "  id          request id, or vehicle id (0 .. 4194303)\n"
             "  fleet       robotaxi | human | any (a request any fleet may serve)\n"
             "  lon,lat     WGS84 position (request: pickup; vehicle: where it is); snapped to the nearest road\n"
             "  dest_lon,dest_lat  request: drop-off (may be empty)\n"
             "  status      vehicle: idle | busy | offline\n"
             "  patience_s  request: the rider gives up unless picked up within this long (empty: waits until\n"
             "              cancelled)\n"
             "A vehicle the dispatcher assigns counts as busy until a row reports it idle again.\n"
             "\n");
    tool_cli_help_status (out, "replayed", "the dispatcher failed or refused");
}

static int s_parse_double (const char *opt, const char *text, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod (text, &end);
    if (errno || end == text || *end || !(v >= min && v <= max)) {
        tool_cli_usage_error (S_PROG, "%s: '%s' is not a number from %g to %g", opt, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* Returns 0 to run, 1 when --help/--version was answered, 2 on bad usage. */
static int s_parse (int argc, char **argv, s_options_t *opt)
{
    enum { O_SPEED = 256, O_CLOCK, O_LINGER, O_TIMEOUT, O_RECONNECT, O_MAX_PICKUP, O_CURVE_SECRET, O_CURVE_SERVER };
    static const struct option longopts[] = {
        {"dispatcher", required_argument, NULL, 'd'}, {"policy", required_argument, NULL, 'p'},
        {"map", required_argument, NULL, 'm'},        {"speed", required_argument, NULL, O_SPEED},
        {"clock", required_argument, NULL, O_CLOCK},  {"linger", required_argument, NULL, O_LINGER},
        {"timeout", required_argument, NULL, O_TIMEOUT}, {"reconnect", required_argument, NULL, O_RECONNECT},
        {"max-pickup", required_argument, NULL, O_MAX_PICKUP},
        {"curve-secret", required_argument, NULL, O_CURVE_SECRET}, {"curve-server", required_argument, NULL, O_CURVE_SERVER},
        {"quiet", no_argument, NULL, 'q'},            {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},          {NULL, 0, NULL, 0}};
    *opt = (s_options_t){.endpoint = S_DEFAULT_ENDPOINT,
                         .policy = "nearest",
                         .map = "embedded:wuhan",
                         .speed = 1,
                         .linger_s = 2,
                         .clock_h = 8,
                         .timeout_s = 10,
                         .reconnect_s = 60,
                         .max_pickup_min = 15};
    int c;
    opterr = 0;
    while ((c = getopt_long (argc, argv, ":d:p:m:qhV", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'd': opt->endpoint = optarg; break;
        case 'p': opt->policy = optarg; break;
        case 'm': opt->map = optarg; break;
        case 'q': opt->quiet = 1; break;
        case O_SPEED: bad = s_parse_double ("--speed", optarg, 0.001, 1e6, &opt->speed); break;
        case O_CLOCK: bad = s_parse_double ("--clock", optarg, 0, 24, &opt->clock_h); break;
        case O_LINGER: bad = s_parse_double ("--linger", optarg, 0, 3600, &opt->linger_s); break;
        case O_TIMEOUT: bad = s_parse_double ("--timeout", optarg, 0.1, 3600, &opt->timeout_s); break;
        case O_RECONNECT: bad = s_parse_double ("--reconnect", optarg, 0, 86400, &opt->reconnect_s); break;
        case O_CURVE_SECRET: opt->curve_secret = optarg; break;
        case O_CURVE_SERVER: opt->curve_server = optarg; break;
        case O_MAX_PICKUP: bad = s_parse_double ("--max-pickup", optarg, 0.1, 120, &opt->max_pickup_min); break;
        case 'h': s_usage (stdout); return 1;
        case 'V': printf (S_PROG " %s\n", RT_VERSION); return 1;
        default: return tool_cli_bad_option (S_PROG, c, argv, longopts);
        }
        if (bad) return 2;
    }
    if (optind != argc - 1)
        return tool_cli_usage_error (S_PROG, "FILE.csv: one replay file, not %d operands", argc - optind);
    opt->csv = argv[optind];
    if (!opt->curve_secret != !opt->curve_server)
        return tool_cli_usage_error (S_PROG, "--curve-secret, --curve-server: the two go together");
    if (!disp_policy_find (opt->policy)) {
        char names[128];
        return tool_cli_usage_error (S_PROG, "--policy: '%s' is not a policy (%s)", opt->policy,
                                     disp_policy_names (names, sizeof names));
    }
    return 0;
}

/* ---- the replay ---- */

static int s_cmp_i64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int s_cmp_sent (const void *a, const void *b)
{
    uint64_t x = ((const s_sent_t *)a)->id, y = ((const s_sent_t *)b)->id;
    return x < y ? -1 : x > y;
}

/* The request row with this id, or NULL. */
static s_sent_t *s_find_sent (s_sent_t *sent, size_t count, uint64_t id)
{
    s_sent_t key = {.id = id};
    return bsearch (&key, sent, count, sizeof *sent, s_cmp_sent);
}

/* One entry per request row, sorted by id (the replay has no two requests with one id). */
static void s_index_requests (const disp_replay_row_t *rows, size_t row_count, s_sent_t *sent)
{
    size_t n = 0;
    for (size_t i = 0; i < row_count; i++)
        if (rows[i].kind == DISP_REPLAY_REQUEST)
            sent[n++] = (s_sent_t){.id = rows[i].request.id, .sent_wall_ms = -1};
    qsort (sent, n, sizeof *sent, s_cmp_sent);
}

int main (int argc, char **argv)
{
    s_options_t opt;
    int rc = s_parse (argc, argv, &opt);
    if (rc == 1) return 0;
    if (rc == 2) return 2;

    char err[512];
    if ((rc = tool_cli_readable (S_PROG, NULL, opt.csv)) != 0) return rc;
    disp_replay_t *replay = disp_replay_load (opt.csv, err, sizeof err);
    if (!replay) {
        fprintf (stderr, S_PROG ": %s\n", err);
        return TOOL_CLI_DATAERR;
    }
    disp_replay_row_t *rows = disp_replay_rows (replay);
    size_t row_count = disp_replay_count (replay);
    size_t request_rows = disp_replay_request_count (replay);
    s_sent_t *sent = calloc (request_rows ? request_rows : 1, sizeof *sent);
    int64_t *latency = calloc (request_rows ? request_rows : 1, sizeof *latency);
    if (!sent || !latency) {
        fprintf (stderr, S_PROG ": out of memory\n");
        disp_replay_destroy (&replay);
        free (sent);
        free (latency);
        return 1;
    }
    s_index_requests (rows, row_count, sent);

    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGINT, &sa, NULL);
    sigaction (SIGTERM, &sa, NULL);

    disp_hello_t hello;
    memset (&hello, 0, sizeof hello);
    snprintf (hello.protocol, sizeof hello.protocol, "%s", DISP_PROTOCOL);
    snprintf (hello.session, sizeof hello.session, S_PROG " %.40s", opt.csv);
    snprintf (hello.map.source, sizeof hello.map.source, "%s", opt.map);
    hello.map.grid_m = 600; /* the embedded map's default, as robotaxi-sim builds it */
    for (int h = 0; h < 24; h++)
        hello.traffic.hour_factor[h] = 1.0;
    snprintf (hello.config.policy, sizeof hello.config.policy, "%s", opt.policy);
    hello.config.max_pickup_ms = llround (opt.max_pickup_min * 60000.0);
    hello.config.vehicle_capacity = disp_replay_capacity (replay);
    hello.mode = DISP_MODE_LIVE;
    hello.heartbeat_ms = DISP_HEARTBEAT_MS_DEFAULT;
    hello.clock_start_ms = llround (opt.clock_h * 3600000.0);
    hello.live_step_ms = DISP_LIVE_STEP_MS_DEFAULT;

    disp_curve_keys_t keys;
    if (opt.curve_secret && disp_curve_keys_load (&keys, opt.curve_secret, opt.curve_server, err, sizeof err) != 0) {
        fprintf (stderr, S_PROG ": %s\n", err);
        disp_replay_destroy (&replay);
        free (sent);
        free (latency);
        return tool_cli_keys_status (opt.curve_secret, opt.curve_server);
    }
    disp_link_t *link = disp_link_zmq_new_keys (opt.endpoint, &hello, (int)(opt.timeout_s * 1000),
                                                opt.curve_secret ? &keys : NULL, err, sizeof err);
    if (!link) {
        fprintf (stderr, S_PROG ": %s\n", err);
        disp_replay_destroy (&replay);
        free (sent);
        free (latency);
        return 1;
    }
    disp_link_set_recovery (link, (int)(opt.reconnect_s * 1000), NULL, NULL);

    printf ("at_s,request,vehicle,pickup_eta_s,assigned_after_ms\n");
    int64_t start = disp_zmq_clock_ms ();
    size_t next = 0, nsent = 0, assigned = 0, repositions = 0, cancels = 0, updates = 0;
    rc = 0;
    while (!s_stop) {
        int64_t now = disp_zmq_clock_ms ();
        int64_t file_ms = (int64_t)((double)(now - start) * opt.speed);
        /* Everything due goes out as one update per row, in file order. */
        while (next < row_count && rows[next].at_ms <= file_ms) {
            disp_replay_row_t *r = &rows[next++];
            disp_tick_t u = {0};
            if (r->kind == DISP_REPLAY_REQUEST) {
                /* Patience is a real duration on the dispatcher's clock, like the pickup times it is compared
                 * with: --speed compresses only the file's clock. */
                if (r->request.deadline_ms > 0) r->request.deadline_ms += disp_link_clock (link);
                u.requests = &r->request;
                u.request_count = 1;
                s_find_sent (sent, request_rows, r->request.id)->sent_wall_ms = disp_zmq_clock_ms ();
                nsent++;
            } else if (r->kind == DISP_REPLAY_VEHICLE) {
                u.vehicles = &r->vehicle;
                u.vehicle_count = 1;
            } else {
                u.cancelled = &r->cancel_id;
                u.cancelled_count = 1;
                cancels++;
            }
            if (disp_link_send (link, &u, err, sizeof err) != 0) {
                fprintf (stderr, S_PROG ": %s\n", err);
                rc = 1;
                goto done;
            }
            updates++;
        }
        int64_t until;
        if (next < row_count)
            until = start + (int64_t)ceil ((double)rows[next].at_ms / opt.speed);
        else
            until = start + (int64_t)ceil ((double)(row_count ? rows[row_count - 1].at_ms : 0) / opt.speed) +
                    (int64_t)(opt.linger_s * 1000);
        int64_t wait = until - disp_zmq_clock_ms ();
        if (next >= row_count && wait <= 0) break;
        if (wait > 200) wait = 200; /* see a signal soon */
        disp_decisions_t d;
        int got = disp_link_receive (link, (int)(wait > 0 ? wait : 0), &d, err, sizeof err);
        if (got < 0) {
            fprintf (stderr, S_PROG ": %s\n", err);
            rc = 1;
            goto done;
        }
        if (got == 0) continue;
        int64_t at = disp_zmq_clock_ms ();
        for (size_t i = 0; i < d.assignment_count; i++) {
            const disp_assignment_t *a = &d.assignments[i];
            s_sent_t *s = s_find_sent (sent, request_rows, a->request_id);
            if (s && s->sent_wall_ms < 0) s = NULL; /* not sent by this replay: never counted */
            int64_t lat_ms = s ? at - s->sent_wall_ms : -1;
            if (s && !s->assigned) {
                s->assigned = 1;
                latency[assigned++] = lat_ms;
            }
            printf ("%.3f,%llu,%u,%.1f,%lld\n", (double)(at - start) * opt.speed / 1000.0,
                    (unsigned long long)a->request_id, a->vehicle_id, (double)a->pickup_eta_ms / 1000.0,
                    (long long)lat_ms);
        }
        repositions += d.reposition_count;
        fflush (stdout);
    }
done:
    if (!opt.quiet) {
        qsort (latency, assigned, sizeof *latency, s_cmp_i64);
        double mean = 0;
        for (size_t i = 0; i < assigned; i++)
            mean += (double)latency[i] / (double)assigned;
        fprintf (stderr,
                 S_PROG ": %zu rows in %zu updates: %zu requests sent, %zu assigned, %zu cancelled, %zu repositions; "
                        "assigned after a mean %.1f ms (p99 %lld ms); %u reconnects\n",
                 row_count, updates, nsent, assigned, cancels, repositions, mean,
                 assigned ? (long long)latency[(size_t)ceil (0.99 * (double)assigned) - 1] : 0LL,
                 disp_link_reconnects (link));
    }
    disp_link_destroy (&link);
    disp_replay_destroy (&replay);
    free (sent);
    free (latency);
    if (s_stop && rc == 0) fprintf (stderr, S_PROG ": interrupted\n");
    return rc;
}
