/* robotaxi-watch: subscribes to a robotaxi metrics stream and prints it live, as a table or JSON lines. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "sim_codec.h"
#include "sim_report.h"

#define PROG "robotaxi-watch"

static volatile sig_atomic_t s_stop = 0;

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
             "e.g. tcp://127.0.0.1:5556, and print each snapshot as a table row.\n"
             "\n"
             "  -j, --json          print each snapshot as one line of JSON (keys as in summary.json)\n"
             "  -t, --topic PREFIX  subscribe to topics starting with PREFIX (default 'metrics.')\n"
             "  -1, --once          exit after the first final snapshot (end of a simulated day)\n"
             "      --timeout SECS  exit with status 1 if nothing arrives for this long (default: wait forever)\n"
             "  -h, --help          this help\n"
             "  -V, --version       version\n"
             "\n"
             "Exit status: 0 done or interrupted, 1 timeout or a failure, 2 bad usage.\n");
}

int
main (int argc, char **argv)
{
    static const struct option options[] = {{"json", no_argument, NULL, 'j'},
                                            {"topic", required_argument, NULL, 't'},
                                            {"once", no_argument, NULL, '1'},
                                            {"timeout", required_argument, NULL, 'T'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {NULL, 0, NULL, 0}};
    int json = 0, once = 0, c;
    double timeout_s = 0;
    const char *topic = "metrics.";
    while ((c = getopt_long (argc, argv, "jt:1hV", options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'j': json = 1; break;
        case 't': topic = optarg; break;
        case '1': once = 1; break;
        case 'T':
            timeout_s = strtod (optarg, &end);
            if (*end || !(timeout_s > 0)) {
                fprintf (stderr, PROG ": --timeout: '%s' is not a positive number of seconds\n", optarg);
                return 2;
            }
            break;
        case 'h': s_usage (stdout); return 0;
        case 'V': printf (PROG " " RT_VERSION "\n"); return 0;
        default: s_usage (stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf (stderr, PROG ": expected one ENDPOINT (see --help)\n");
        return 2;
    }
    const char *endpoint = argv[optind];
    signal (SIGINT, s_on_signal);
    signal (SIGTERM, s_on_signal);

    int rc = 1;
    void *ctx = zmq_ctx_new ();
    void *sub = ctx ? zmq_socket (ctx, ZMQ_SUB) : NULL;
    int linger = 0;
    int64_t maxmsg = 16 << 20;
    if (!sub) {
        fprintf (stderr, PROG ": cannot create a ZeroMQ socket: %s\n", zmq_strerror (zmq_errno ()));
        goto done;
    }
    zmq_setsockopt (sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (sub, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, topic, strlen (topic));
    if (zmq_connect (sub, endpoint) < 0) {
        fprintf (stderr, PROG ": %s: %s\n", endpoint, zmq_strerror (zmq_errno ()));
        rc = 2;
        goto done;
    }
    double idle_s = 0;
    int rows = 0;
    for (;;) {
        if (s_stop) {
            rc = 0;
            break;
        }
        zmq_pollitem_t item = {.socket = sub, .events = ZMQ_POLLIN};
        int n = zmq_poll (&item, 1, 200);
        if (n < 0) {
            if (zmq_errno () == EINTR)
                continue;
            fprintf (stderr, PROG ": poll: %s\n", zmq_strerror (zmq_errno ()));
            break;
        }
        if (n == 0) {
            idle_s += 0.2;
            if (timeout_s > 0 && idle_s >= timeout_s) {
                fprintf (stderr, PROG ": %s: nothing received for %.1f s\n", endpoint, timeout_s);
                break;
            }
            continue;
        }
        idle_s = 0;
        zmq_msg_t frames[2];
        int count = 0, more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init (&m);
            if (zmq_msg_recv (&m, sub, 0) < 0) {
                zmq_msg_close (&m);
                break;
            }
            more = zmq_msg_more (&m);
            if (count < 2)
                frames[count++] = m;
            else
                zmq_msg_close (&m);
        }
        if (count != 2) {
            fprintf (stderr, PROG ": skipped a message of %d frame(s); expected [topic, snapshot]\n", count);
            for (int i = 0; i < count; i++)
                zmq_msg_close (&frames[i]);
            continue;
        }
        sim_snapshot_t snap;
        char err[256];
        if (sim_codec_decode_snapshot (zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]), &snap, err,
                                       sizeof err) < 0) {
            fprintf (stderr, PROG ": skipped a message on topic '%.*s': %s\n", (int) zmq_msg_size (&frames[0]),
                     (const char *) zmq_msg_data (&frames[0]), err);
        } else if (json) {
            char *text = sim_report_snapshot_json (&snap, 0);
            if (text) {
                puts (text);
                fflush (stdout);
                free (text);
            }
        } else {
            sim_report_print_row (stdout, &snap, rows++ % 24 == 0);
        }
        zmq_msg_close (&frames[0]);
        zmq_msg_close (&frames[1]);
        if (once && snap.kind == SIM_SNAPSHOT_FINAL) {
            rc = 0;
            break;
        }
    }
done:
    if (sub)
        zmq_close (sub);
    if (ctx)
        zmq_ctx_term (ctx);
    return rc;
}
