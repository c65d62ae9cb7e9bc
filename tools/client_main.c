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
#include "disp_zmq.h"
#include "map_error.h"

#ifndef RT_VERSION
#define RT_VERSION "unknown"
#endif

#define S_PROG             "robotaxi-client"
#define S_DEFAULT_ENDPOINT "tcp://127.0.0.1:5555"
#define S_HEADER           "time_s,kind,id,fleet,lon,lat,dest_lon,dest_lat,status,patience_s"
#define S_MAX_VEHICLES     (1u << 22)

/* The one global: set by SIGINT/SIGTERM. */
static volatile sig_atomic_t s_stop = 0;

static void s_on_signal (int signum)
{
    (void)signum;
    s_stop = 1;
}

typedef enum { S_ROW_REQUEST, S_ROW_VEHICLE, S_ROW_CANCEL } s_kind_t;

/* One row of the replay file. */
typedef struct {
    int64_t at_ms; /* from the start of the replay */
    s_kind_t kind;
    disp_request_t request; /* S_ROW_REQUEST; deadline_ms holds the patience (0 = none) until sent */
    disp_vehicle_t vehicle; /* S_ROW_VEHICLE */
    uint64_t cancel_id;     /* S_ROW_CANCEL */
    size_t line;            /* in the file, for messages */
} s_row_t;

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
    size_t line;
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
             "  -m, --map SOURCE           road network the dispatcher builds (default embedded:wuhan)\n"
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
             "  " S_HEADER "\n"
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
             "\n"
             "Exit status: 0 replayed, 1 the dispatcher failed or refused, 2 bad usage or a bad file.\n");
}

static int s_parse_double (const char *opt, const char *text, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod (text, &end);
    if (errno || end == text || *end || !(v >= min && v <= max)) {
        fprintf (stderr, S_PROG ": %s: '%s' is not a number from %g to %g\n", opt, text, min, max);
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
        case ':':
            fprintf (stderr, S_PROG ": %s: missing argument\nTry '" S_PROG " --help' for more information.\n",
                     argv[optind - 1]);
            return 2;
        default:
            fprintf (stderr, S_PROG ": %s: unknown option\nTry '" S_PROG " --help' for more information.\n",
                     argv[optind - 1]);
            return 2;
        }
        if (bad) return 2;
    }
    if (optind != argc - 1) {
        fprintf (stderr, S_PROG ": expected one FILE.csv (see --help)\n");
        return 2;
    }
    opt->csv = argv[optind];
    if (!opt->curve_secret != !opt->curve_server) {
        fprintf (stderr, S_PROG ": --curve-secret and --curve-server go together\n");
        return 2;
    }
    if (!disp_policy_find (opt->policy)) {
        char names[128];
        fprintf (stderr, S_PROG ": --policy: '%s' is not a policy (%s)\n", opt->policy,
                 disp_policy_names (names, sizeof names));
        return 2;
    }
    return 0;
}

/* ---- the replay file ---- */

/* Splits line (modified) at commas into at most max fields; returns how many. */
static size_t s_split (char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == max) return max + 1;
        fields[n++] = p;
        char *comma = strchr (p, ',');
        if (!comma) break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

/* A number field; empty is allowed when `empty` is not NULL (then *empty is set). */
static int s_number (const char *text, double min, double max, double *out, int *empty)
{
    if (empty) *empty = text[0] == '\0';
    if (empty && *empty) {
        *out = 0;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod (text, &end);
    if (errno || end == text || *end || !(v >= min && v <= max)) return -1;
    *out = v;
    return 0;
}

/* Parses one data row. -1 with a message (without the file:line prefix) on a bad row. */
static int s_parse_row (char *line, s_row_t *row, char *err, size_t errlen)
{
    char *f[10];
    size_t n = s_split (line, f, 10);
    if (n != 10)
        return n > 10 ? map_error (err, errlen, "more than 10 fields (" S_HEADER ")")
                      : map_error (err, errlen, "expected 10 fields (" S_HEADER "), got %zu", n);
    memset (row, 0, sizeof *row);
    double t, id, lon, lat, dlon, dlat, patience;
    int empty;
    if (s_number (f[0], 0, 1e9, &t, NULL)) return map_error (err, errlen, "time_s: '%s' is not seconds >= 0", f[0]);
    row->at_ms = llround (t * 1000);
    if (s_number (f[2], 0, 1.8e19, &id, NULL) || id != floor (id))
        return map_error (err, errlen, "id: '%s' is not a whole number >= 0", f[2]);
    int fleet = -1, any = 0;
    if (strcmp (f[3], "robotaxi") == 0) fleet = DISP_FLEET_ROBOTAXI;
    if (strcmp (f[3], "human") == 0) fleet = DISP_FLEET_HUMAN;
    if (strcmp (f[3], "any") == 0) fleet = DISP_FLEET_ROBOTAXI, any = 1;
    if (strcmp (f[1], "cancel") == 0) {
        row->kind = S_ROW_CANCEL;
        row->cancel_id = (uint64_t)id;
        return 0;
    }
    if (fleet < 0) return map_error (err, errlen, "fleet: '%s' is not robotaxi, human or any", f[3]);
    if (s_number (f[4], -180, 180, &lon, NULL) || s_number (f[5], -90, 90, &lat, NULL))
        return map_error (err, errlen, "lon,lat: '%s,%s' is not a WGS84 position", f[4], f[5]);
    if (strcmp (f[1], "request") == 0) {
        int no_lon, no_lat;
        if (s_number (f[6], -180, 180, &dlon, &no_lon) || s_number (f[7], -90, 90, &dlat, &no_lat) ||
            no_lon != no_lat)
            return map_error (err, errlen, "dest_lon,dest_lat: '%s,%s' is not a WGS84 position or empty", f[6], f[7]);
        if (s_number (f[9], 0.001, 86400, &patience, &empty))
            return map_error (err, errlen, "patience_s: '%s' is not seconds from 0.001 to 86400, or empty", f[9]);
        row->kind = S_ROW_REQUEST;
        row->request = (disp_request_t){.id = (uint64_t)id,
                                        .origin = {lon, lat, MAP_NODE_NONE},
                                        .destination = {no_lon ? 0 : dlon, no_lat ? 0 : dlat, MAP_NODE_NONE},
                                        .fleet = (uint8_t)fleet,
                                        .any_fleet = (uint8_t)any,
                                        .deadline_ms = empty ? 0 : llround (patience * 1000)};
        return 0;
    }
    if (strcmp (f[1], "vehicle") == 0) {
        if (any) return map_error (err, errlen, "fleet: a vehicle is robotaxi or human, not any");
        if (id >= S_MAX_VEHICLES) return map_error (err, errlen, "id: %.0f is past the largest vehicle id %u", id,
                                                    S_MAX_VEHICLES - 1);
        int status = -1;
        if (strcmp (f[8], "idle") == 0) status = DISP_VEH_IDLE;
        if (strcmp (f[8], "busy") == 0) status = DISP_VEH_BUSY;
        if (strcmp (f[8], "offline") == 0) status = DISP_VEH_OFFLINE;
        if (status < 0) return map_error (err, errlen, "status: '%s' is not idle, busy or offline", f[8]);
        row->kind = S_ROW_VEHICLE;
        row->vehicle = (disp_vehicle_t){
            .id = (uint32_t)id, .fleet = (uint8_t)fleet, .status = (uint8_t)status, .position = {lon, lat, MAP_NODE_NONE}};
        return 0;
    }
    return map_error (err, errlen, "kind: '%s' is not request, vehicle or cancel", f[1]);
}

/* Reads the whole file. Returns the rows (caller frees) and their count, or NULL with a "FILE:LINE: why" message.
 * *capacity gets the largest vehicle id + 1. */
static s_row_t *s_read_csv (const char *path, size_t *count, uint32_t *capacity, char *err, size_t errlen)
{
    FILE *f = fopen (path, "r");
    if (!f) {
        map_error (err, errlen, "%s: %s", path, strerror (errno));
        return NULL;
    }
    s_row_t *rows = NULL;
    size_t n = 0, cap = 0, lineno = 0;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t len;
    int ok = 1;
    int64_t last_ms = 0;
    *capacity = 1;
    while (ok && (len = getline (&line, &line_cap, f)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (lineno == 1) {
            if (strcmp (line, S_HEADER) != 0) {
                map_error (err, errlen, "%s:1: the header must be '" S_HEADER "'", path);
                ok = 0;
            }
            continue;
        }
        if (len == 0 || line[0] == '#') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            s_row_t *grown = realloc (rows, cap * sizeof *grown);
            if (!grown) {
                map_error (err, errlen, "%s: out of memory", path);
                ok = 0;
                break;
            }
            rows = grown;
        }
        char why[256];
        if (s_parse_row (line, &rows[n], why, sizeof why) != 0) {
            map_error (err, errlen, "%s:%zu: %s", path, lineno, why);
            ok = 0;
        } else if (rows[n].at_ms < last_ms) {
            map_error (err, errlen, "%s:%zu: time_s goes back in time; rows must be in time order", path, lineno);
            ok = 0;
        } else {
            last_ms = rows[n].at_ms;
            rows[n].line = lineno;
            if (rows[n].kind == S_ROW_VEHICLE && rows[n].vehicle.id + 1 > *capacity) *capacity = rows[n].vehicle.id + 1;
            n++;
        }
    }
    if (ok && ferror (f)) {
        map_error (err, errlen, "%s: %s", path, strerror (errno));
        ok = 0;
    }
    if (ok && lineno == 0) {
        map_error (err, errlen, "%s: empty file; the header must be '" S_HEADER "'", path);
        ok = 0;
    }
    free (line);
    fclose (f);
    if (!ok) {
        free (rows);
        return NULL;
    }
    *count = n;
    return rows;
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

/* One entry per request row, sorted by id. -1 with "FILE:LINE: ..." when two rows ask with the same id: the
 * dispatcher's answer could not say which of them it serves. */
static int s_index_requests (const s_row_t *rows, size_t row_count, s_sent_t *sent, const char *path, char *err,
                             size_t errlen)
{
    size_t n = 0;
    for (size_t i = 0; i < row_count; i++)
        if (rows[i].kind == S_ROW_REQUEST)
            sent[n++] = (s_sent_t){.id = rows[i].request.id, .line = rows[i].line, .sent_wall_ms = -1};
    qsort (sent, n, sizeof *sent, s_cmp_sent);
    for (size_t i = 1; i < n; i++)
        if (sent[i].id == sent[i - 1].id) {
            size_t first = sent[i - 1].line < sent[i].line ? sent[i - 1].line : sent[i].line;
            size_t again = sent[i - 1].line < sent[i].line ? sent[i].line : sent[i - 1].line;
            return map_error (err, errlen, "%s:%zu: id: request %llu was already asked on line %zu", path, again,
                              (unsigned long long)sent[i].id, first);
        }
    return 0;
}

int main (int argc, char **argv)
{
    s_options_t opt;
    int rc = s_parse (argc, argv, &opt);
    if (rc == 1) return 0;
    if (rc == 2) return 2;

    char err[512];
    size_t row_count;
    uint32_t capacity;
    s_row_t *rows = s_read_csv (opt.csv, &row_count, &capacity, err, sizeof err);
    if (!rows) {
        fprintf (stderr, S_PROG ": %s\n", err);
        return 2;
    }
    size_t request_rows = 0;
    for (size_t i = 0; i < row_count; i++)
        request_rows += rows[i].kind == S_ROW_REQUEST;
    s_sent_t *sent = calloc (request_rows ? request_rows : 1, sizeof *sent);
    int64_t *latency = calloc (request_rows ? request_rows : 1, sizeof *latency);
    if (sent && latency && s_index_requests (rows, row_count, sent, opt.csv, err, sizeof err) != 0) {
        fprintf (stderr, S_PROG ": %s\n", err);
        free (rows);
        free (sent);
        free (latency);
        return 2;
    }
    if (!sent || !latency) {
        fprintf (stderr, S_PROG ": out of memory\n");
        free (rows);
        return 1;
    }

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
    hello.config.vehicle_capacity = capacity;
    hello.mode = DISP_MODE_LIVE;
    hello.heartbeat_ms = DISP_HEARTBEAT_MS_DEFAULT;
    hello.clock_start_ms = llround (opt.clock_h * 3600000.0);
    hello.live_step_ms = DISP_LIVE_STEP_MS_DEFAULT;

    disp_curve_keys_t keys;
    if (opt.curve_secret && disp_curve_keys_load (&keys, opt.curve_secret, opt.curve_server, err, sizeof err) != 0) {
        fprintf (stderr, S_PROG ": %s\n", err);
        free (rows);
        free (sent);
        free (latency);
        return 2;
    }
    disp_link_t *link = disp_link_zmq_new_keys (opt.endpoint, &hello, (int)(opt.timeout_s * 1000),
                                                opt.curve_secret ? &keys : NULL, err, sizeof err);
    if (!link) {
        fprintf (stderr, S_PROG ": %s\n", err);
        free (rows);
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
            s_row_t *r = &rows[next++];
            disp_tick_t u = {0};
            if (r->kind == S_ROW_REQUEST) {
                /* Patience is a real duration on the dispatcher's clock, like the pickup times it is compared
                 * with: --speed compresses only the file's clock. */
                if (r->request.deadline_ms > 0) r->request.deadline_ms += disp_link_clock (link);
                u.requests = &r->request;
                u.request_count = 1;
                s_find_sent (sent, request_rows, r->request.id)->sent_wall_ms = disp_zmq_clock_ms ();
                nsent++;
            } else if (r->kind == S_ROW_VEHICLE) {
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
    free (rows);
    free (sent);
    free (latency);
    if (s_stop && rc == 0) fprintf (stderr, S_PROG ": interrupted\n");
    return rc;
}
