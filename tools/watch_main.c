/* robotaxi-watch: subscribes to a robotaxi metrics stream and prints it live, as a table or JSON lines; checks the
 * publisher's sequence numbers and, with --state, starts from the publisher's state (the Clone pattern). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "disp_curve.h"
#include "sim_codec.h"
#include "sim_report.h"
#include "sim_stream.h"
#include "tool_cli.h"

#define PROG "robotaxi-watch"

#define S_HWM_DEFAULT     10000           /* as the dispatcher's sockets */
#define S_MAX_MSG_BYTES   (16LL << 20)    /* a state reply of many sessions stays far below this */
#define S_STATE_WAIT_S    10.0            /* how long to wait for a state reply without --timeout */
#define S_POLL_MS         200

static volatile sig_atomic_t s_stop = 0;

typedef struct {
    int json, once, fail_on_gap;
    double timeout_s;          /* 0: wait forever */
    int hwm;                   /* receive high-water mark of the subscription */
    const char *topic;
    const char *state;         /* state endpoint, or NULL */
    const char *endpoint;
    const char *curve_secret, *curve_server; /* CURVE: our key pair and the publisher's public key, or NULL */
    disp_curve_keys_t keys;
} s_options_t;

/* What was shown so far: table rows (for the header every 24) and whether --once is done. */
typedef struct {
    int rows;
    int final_seen;
} s_output_t;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: " PROG " [OPTION]... ENDPOINT\n"
             "Subscribe to the metrics a robotaxi-dispatcher (or robotaxi-sim --publish) publishes at ENDPOINT,\n"
             "e.g. tcp://127.0.0.1:5556, and print each snapshot as a table row. Every message carries the\n"
             "publisher's sequence number for its topic: a jump is reported on stderr as\n"
             "  " PROG ": gap on TOPIC: N message(s) missing (seq A..B)\n"
             "and a new publisher id (a restarted publisher) starts the count again. At exit a summary line on\n"
             "stderr gives the messages received, skipped, the gaps and the messages missing.\n"
             "\n"
             "      --json          print each snapshot as one line of JSON (keys as in summary.json, with the\n"
             "                      publisher and session that sent it)\n"
             "  -t, --topic PREFIX  subscribe to topics starting with PREFIX (default 'metrics.')\n"
             "      --state ENDPOINT\n"
             "                      first ask the publisher's state endpoint (e.g. tcp://127.0.0.1:5557) for the\n"
             "                      latest snapshot of each session, print those, then follow the stream without\n"
             "                      the messages the state already holds\n"
             "  -1, --once          exit after the first final snapshot (end of a simulated day), from the state\n"
             "                      or the stream\n"
             "      --timeout SECS  exit with status 1 if nothing arrives for this long (default: wait forever);\n"
             "                      also how long to wait for the state reply (default 10)\n"
             "      --hwm N         receive high-water mark: messages queued here before ZeroMQ drops the next\n"
             "                      ones (default %d; the publisher queues up to 10000 more for each subscriber)\n"
             "      --fail-on-gap   exit with status 1 when any message was missing\n"
             "      --curve-secret FILE  subscribe over CURVE with this key pair (FILE_secret, from robotaxi-keygen)\n"
             "      --curve-server FILE  ...to a dispatcher whose public key is FILE (both or neither); a dispatcher\n"
             "                      run with CURVE sends nothing to a subscriber whose key it does not list\n"
             "  -h, --help          this help\n"
             "  -V, --version       version\n"
             "\n",
             S_HWM_DEFAULT);
    tool_cli_help_status (out, "done or interrupted", "a timeout, a failure or (with --fail-on-gap) a gap");
}

/* Returns -1 to run, or the exit status: 0 when --help/--version was answered, 2 on bad usage, 65 or 66 for key
 * files. */
static int
s_parse (int argc, char **argv, s_options_t *opt)
{
    enum { O_TIMEOUT = 256, O_HWM, O_FAIL_ON_GAP, O_CURVE_SECRET, O_CURVE_SERVER, O_JSON, O_STATE };
    static const struct option options[] = {{"json", no_argument, NULL, O_JSON},
                                            {"topic", required_argument, NULL, 't'},
                                            {"state", required_argument, NULL, O_STATE},
                                            {"once", no_argument, NULL, '1'},
                                            {"timeout", required_argument, NULL, O_TIMEOUT},
                                            {"hwm", required_argument, NULL, O_HWM},
                                            {"fail-on-gap", no_argument, NULL, O_FAIL_ON_GAP},
                                            {"curve-secret", required_argument, NULL, O_CURVE_SECRET},
                                            {"curve-server", required_argument, NULL, O_CURVE_SERVER},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {NULL, 0, NULL, 0}};
    *opt = (s_options_t) {.hwm = S_HWM_DEFAULT, .topic = "metrics."};
    int c;
    opterr = 0; /* tool_cli's messages */
    while ((c = getopt_long (argc, argv, ":t:1hV", options, NULL)) != -1) {
        char *end;
        long n;
        switch (c) {
        case O_JSON: opt->json = 1; break;
        case 't': opt->topic = optarg; break;
        case O_STATE: opt->state = optarg; break;
        case '1': opt->once = 1; break;
        case O_FAIL_ON_GAP: opt->fail_on_gap = 1; break;
        case O_CURVE_SECRET: opt->curve_secret = optarg; break;
        case O_CURVE_SERVER: opt->curve_server = optarg; break;
        case O_TIMEOUT:
            opt->timeout_s = strtod (optarg, &end);
            if (*end || end == optarg || !(opt->timeout_s > 0))
                return tool_cli_usage_error (PROG, "--timeout: '%s' is not a positive number of seconds", optarg);
            break;
        case O_HWM:
            n = strtol (optarg, &end, 10);
            if (*end || end == optarg || n < 1 || n > 10000000)
                return tool_cli_usage_error (PROG, "--hwm: '%s' is not a count from 1 to 10000000", optarg);
            opt->hwm = (int) n;
            break;
        case 'h': s_usage (stdout); return 0;
        case 'V': printf (PROG " " RT_VERSION "\n"); return 0;
        default: return tool_cli_bad_option (PROG, c, argv, options);
        }
    }
    if (optind != argc - 1)
        return tool_cli_usage_error (PROG, "ENDPOINT: one endpoint to subscribe to, not %d operands", argc - optind);
    opt->endpoint = argv[optind];
    if (!opt->curve_secret != !opt->curve_server)
        return tool_cli_usage_error (PROG, "--curve-secret, --curve-server: the two go together");
    char err[512];
    if (opt->curve_secret &&
        disp_curve_keys_load (&opt->keys, opt->curve_secret, opt->curve_server, err, sizeof err) != 0) {
        fprintf (stderr, PROG ": %s\n", err);
        return tool_cli_keys_status (opt->curve_secret, opt->curve_server);
    }
    return -1;
}

/* A socket of `type` with the limits every robotaxi socket has: message size, both high-water marks (receiving:
 * rcvhwm), no linger. NULL with a message on stderr. */
static void *
s_socket (void *ctx, int type, int rcvhwm, const s_options_t *opt)
{
    void *sock = zmq_socket (ctx, type);
    int linger = 0, sndhwm = S_HWM_DEFAULT;
    int64_t max_bytes = S_MAX_MSG_BYTES;
    if (!sock || zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt (sock, ZMQ_MAXMSGSIZE, &max_bytes, sizeof max_bytes) ||
        zmq_setsockopt (sock, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm) ||
        zmq_setsockopt (sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm)) {
        fprintf (stderr, PROG ": cannot create a ZeroMQ socket: %s\n", zmq_strerror (zmq_errno ()));
        if (sock)
            zmq_close (sock);
        return NULL;
    }
    char err[256];
    if (opt->curve_secret && disp_curve_client_apply (&opt->keys, sock, err, sizeof err) != 0) {
        fprintf (stderr, PROG ": %s\n", err);
        zmq_close (sock);
        return NULL;
    }
    return sock;
}

/* Receives one whole message, keeping its first `max` frames in frames (to close). Returns the number of frames of
 * the message (more than max when some were dropped), or -1 on failure. */
static int
s_recv_frames (void *sock, zmq_msg_t *frames, int max)
{
    int count = 0, more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        if (zmq_msg_recv (&m, sock, 0) < 0) {
            zmq_msg_close (&m);
            for (int i = 0; i < count && i < max; i++)
                zmq_msg_close (&frames[i]);
            return -1;
        }
        more = zmq_msg_more (&m);
        if (count < max)
            frames[count] = m;
        else
            zmq_msg_close (&m);
        count++;
    }
    return count;
}

static void
s_show (const s_options_t *opt, const sim_snapshot_t *snap, s_output_t *out)
{
    if (opt->json) {
        char *text = sim_report_snapshot_json (snap, 0);
        if (text) {
            puts (text);
            free (text);
        }
    } else {
        sim_report_print_row (stdout, snap, out->rows++ % 24 == 0);
    }
    fflush (stdout);
    if (snap->kind == SIM_SNAPSHOT_FINAL)
        out->final_seen = 1;
}

/* Asks the state endpoint for the topics of the subscription and waits for the reply. 0, or -1 with a message on
 * stderr. */
static int
s_fetch_state (void *ctx, const s_options_t *opt, sim_state_t *state)
{
    double wait_s = opt->timeout_s > 0 ? opt->timeout_s : S_STATE_WAIT_S;
    void *dealer = s_socket (ctx, ZMQ_DEALER, S_HWM_DEFAULT, opt);
    uint8_t *req = NULL;
    size_t len;
    int rc = -1;
    if (!dealer)
        return -1;
    if (zmq_connect (dealer, opt->state) < 0) {
        fprintf (stderr, PROG ": %s: %s\n", opt->state, zmq_strerror (zmq_errno ()));
        goto done;
    }
    if (sim_codec_encode_state_request (opt->topic, &req, &len) < 0 || zmq_send (dealer, req, len, 0) < 0) {
        fprintf (stderr, PROG ": %s: cannot send the state request\n", opt->state);
        goto done;
    }
    zmq_pollitem_t item = {.socket = dealer, .events = ZMQ_POLLIN};
    int n;
    do
        n = zmq_poll (&item, 1, (long) (wait_s * 1000));
    while (n < 0 && zmq_errno () == EINTR && !s_stop);
    if (n <= 0) {
        fprintf (stderr, PROG ": %s: no state reply within %.1f s\n", opt->state, wait_s);
        goto done;
    }
    zmq_msg_t frame;
    if (s_recv_frames (dealer, &frame, 1) != 1) {
        fprintf (stderr, PROG ": %s: the state reply is not one frame\n", opt->state);
        goto done;
    }
    char err[256];
    rc = sim_codec_decode_state (zmq_msg_data (&frame), zmq_msg_size (&frame), state, err, sizeof err);
    zmq_msg_close (&frame);
    if (rc < 0)
        fprintf (stderr, PROG ": %s: %s\n", opt->state, err);
done:
    free (req);
    zmq_close (dealer);
    return rc;
}

/* Prints the state's snapshots and hands the state to the sequence check. 0, or -1 when out of memory. */
static int
s_apply_state (const s_options_t *opt, const sim_state_t *state, sim_stream_t *stream, s_output_t *out)
{
    for (size_t i = 0; i < state->topic_count; i++) {
        const sim_topic_state_t *t = &state->topics[i];
        fprintf (stderr, PROG ": state of %s: %zu snapshot(s) on %s up to seq %llu\n", state->publisher,
                 t->latest_count, t->topic, (unsigned long long) t->seq);
        for (size_t k = 0; k < t->latest_count; k++)
            s_show (opt, &t->latest[k], out);
    }
    if (state->topic_count == 0)
        fprintf (stderr, PROG ": state of %s: nothing published yet\n", state->publisher);
    return sim_stream_set_state (stream, state);
}

/* Handles one stream message: checks its number, shows it unless the state held it. 0, or -1 when out of memory. */
static int
s_on_message (const s_options_t *opt, void *sub, sim_stream_t *stream, s_output_t *out)
{
    zmq_msg_t frames[2];
    int count = s_recv_frames (sub, frames, 2);
    if (count < 0)
        return 0;
    if (count != 2) {
        fprintf (stderr, PROG ": skipped a message of %d frame(s); expected [topic, snapshot]\n", count);
        for (int i = 0; i < count && i < 2; i++)
            zmq_msg_close (&frames[i]);
        return 0;
    }
    char topic[64];
    snprintf (topic, sizeof topic, "%.*s", (int) zmq_msg_size (&frames[0]), (const char *) zmq_msg_data (&frames[0]));
    sim_snapshot_t snap;
    char err[256];
    int rc = 0;
    if (sim_codec_decode_snapshot (zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]), &snap, err, sizeof err) < 0) {
        fprintf (stderr, PROG ": skipped a message on topic '%s': %s\n", topic, err);
    } else {
        sim_stream_verdict_t v;
        rc = sim_stream_check (stream, topic, snap.publisher, snap.seq, &v);
        if (v.publisher_changed)
            fprintf (stderr, PROG ": publisher on %s changed: %s -> %s; counting from seq %llu\n", topic,
                     v.previous[0] ? v.previous : "(none)", snap.publisher, (unsigned long long) snap.seq);
        if (v.missing > 0)
            fprintf (stderr, PROG ": gap on %s: %llu message(s) missing (seq %llu..%llu)\n", topic,
                     (unsigned long long) v.missing, (unsigned long long) v.gap_first,
                     (unsigned long long) v.gap_last);
        if (rc == 0 && v.deliver)
            s_show (opt, &snap, out);
    }
    zmq_msg_close (&frames[0]);
    zmq_msg_close (&frames[1]);
    return rc;
}

int
main (int argc, char **argv)
{
    s_options_t opt;
    int rc = s_parse (argc, argv, &opt);
    if (rc >= 0)
        return rc;
    signal (SIGINT, s_on_signal);
    signal (SIGTERM, s_on_signal);

    rc = 1;
    void *ctx = zmq_ctx_new ();
    void *sub = ctx ? s_socket (ctx, ZMQ_SUB, opt.hwm, &opt) : NULL;
    sim_stream_t *stream = sim_stream_new ();
    sim_state_t state = {0};
    s_output_t out = {0};
    if (!sub || !stream)
        goto done;
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, opt.topic, strlen (opt.topic));
    if (zmq_connect (sub, opt.endpoint) < 0) {
        fprintf (stderr, PROG ": %s: %s\n", opt.endpoint, zmq_strerror (zmq_errno ()));
        rc = 2;
        goto done;
    }
    /* Subscribed first, then the state: what is published meanwhile waits in the subscription, and the numbers
     * tell which of it the state already holds. */
    if (opt.state) {
        if (s_fetch_state (ctx, &opt, &state) < 0)
            goto done;
        if (s_apply_state (&opt, &state, stream, &out) < 0) {
            fprintf (stderr, PROG ": out of memory\n");
            goto done;
        }
        if (opt.once && out.final_seen) {
            rc = 0;
            goto done;
        }
    }
    double idle_s = 0;
    for (;;) {
        if (s_stop) {
            rc = 0;
            break;
        }
        zmq_pollitem_t item = {.socket = sub, .events = ZMQ_POLLIN};
        int n = zmq_poll (&item, 1, S_POLL_MS);
        if (n < 0) {
            if (zmq_errno () == EINTR)
                continue;
            fprintf (stderr, PROG ": poll: %s\n", zmq_strerror (zmq_errno ()));
            break;
        }
        if (n == 0) {
            idle_s += S_POLL_MS / 1000.0;
            if (opt.timeout_s > 0 && idle_s >= opt.timeout_s) {
                fprintf (stderr, PROG ": %s: nothing received for %.1f s\n", opt.endpoint, opt.timeout_s);
                break;
            }
            continue;
        }
        idle_s = 0;
        if (s_on_message (&opt, sub, stream, &out) < 0) {
            fprintf (stderr, PROG ": out of memory\n");
            break;
        }
        if (opt.once && out.final_seen) {
            rc = 0;
            break;
        }
    }
done:
    if (stream) {
        sim_stream_stats_t st;
        sim_stream_stats (stream, &st);
        size_t from_state = 0;
        for (size_t i = 0; i < state.topic_count; i++)
            from_state += state.topics[i].latest_count;
        fprintf (stderr,
                 PROG ": summary: received %llu, from state %zu, skipped %llu, gaps %llu, missing %llu\n",
                 (unsigned long long) st.received, from_state, (unsigned long long) (st.in_state + st.duplicates),
                 (unsigned long long) st.gaps, (unsigned long long) st.missing);
        if (rc == 0 && opt.fail_on_gap && st.gaps > 0)
            rc = 1;
    }
    sim_codec_state_clear (&state);
    sim_stream_destroy (&stream);
    if (sub)
        zmq_close (sub);
    if (ctx)
        zmq_ctx_term (ctx);
    return rc;
}
