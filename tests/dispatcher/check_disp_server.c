/* check_disp_server: the dispatcher service in a thread, talked to through disp_link and through raw DEALER
 * sockets. Bad frames get error replies and the service keeps serving; in-process and remote dispatching give the
 * same decisions; metrics reach subscribers. No sleeps: every wait is a zmq_poll with a timeout. */
#include <check.h>

#include "rt_check.h"
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "disp_codec.h"
#include "disp_link.h"
#include "disp_policy.h"
#include "disp_server.h"
#include "disp_zmq.h"
#include "map_net.h"
#include "robotaxi.pb-c.h"
#include "rt_data.h"
#include "rt_proc.h"
#include "rt_sub.h"

#define S_WAIT_MS 10000 /* generous: sanitizer builds are slow */

/* ---- a server in a thread ---- */

typedef struct {
    disp_server_t *server;
    pthread_t thread;
    volatile sig_atomic_t stop;
    int rc;
    char bind[256], publish[256];
} s_service_t;

static void *s_service_main (void *arg)
{
    s_service_t *svc = arg;
    svc->rc = disp_server_run (svc->server, &svc->stop);
    return NULL;
}

static s_service_t *s_service_start_with (const disp_server_opts_t *opts)
{
    s_service_t *svc = calloc (1, sizeof *svc);
    char err[256] = "";
    int publish = opts->publish != NULL;
    svc->server = disp_server_new (opts, err, sizeof err);
    ck_assert_msg (svc->server != NULL, "server: %s", err);
    snprintf (svc->bind, sizeof svc->bind, "%s", disp_server_bind_endpoint (svc->server));
    ck_assert_msg (strncmp (svc->bind, "tcp://127.0.0.1:", 16) == 0 && strcmp (svc->bind, "tcp://127.0.0.1:0") != 0,
                   "%s", svc->bind);
    (void)publish;
    if (publish)
        snprintf (svc->publish, sizeof svc->publish, "%s", disp_server_publish_endpoint (svc->server));
    else
        ck_assert_ptr_null (disp_server_publish_endpoint (svc->server));
    ck_assert_int_eq (pthread_create (&svc->thread, NULL, s_service_main, svc), 0);
    return svc;
}

static s_service_t *s_service_start (int publish)
{
    disp_server_opts_t opts = {.bind = "tcp://127.0.0.1:0", .publish = publish ? "tcp://127.0.0.1:0" : NULL};
    return s_service_start_with (&opts);
}

/* Stops the service and returns its counters. */
static disp_server_stats_t s_service_stop (s_service_t *svc)
{
    svc->stop = 1;
    pthread_join (svc->thread, NULL);
    ck_assert_int_eq (svc->rc, 0);
    disp_server_stats_t stats;
    disp_server_stats (svc->server, &stats);
    disp_server_destroy (&svc->server);
    ck_assert_ptr_null (svc->server);
    free (svc);
    return stats;
}

/* ---- maps and messages ---- */

static map_spec_t s_spec (void)
{
    map_spec_t spec = {.source = "embedded:wuhan", .epsg = 32650, .grid_m = 1000.0};
    return spec;
}

static map_net_t *s_wuhan (void)
{
    map_spec_t spec = s_spec ();
    char err[256] = "";
    map_net_t *net = map_net_open (&spec, NULL, NULL, err, sizeof err);
    ck_assert_msg (net != NULL, "map: %s", err);
    return net;
}

static disp_hello_t s_hello (uint64_t fingerprint, uint32_t capacity)
{
    disp_hello_t h;
    memset (&h, 0, sizeof h);
    strcpy (h.protocol, DISP_PROTOCOL);
    strcpy (h.session, "check_disp_server");
    h.map = s_spec ();
    h.map_fingerprint = fingerprint;
    for (int i = 0; i < 24; i++)
        h.traffic.hour_factor[i] = 1.0 + (i >= 7 && i <= 9 ? 0.8 : 0.1 * (i % 3));
    strcpy (h.config.policy, "nearest");
    h.config.max_pickup_ms = 20 * 60 * 1000;
    h.config.vehicle_capacity = capacity;
    return h;
}

/* ---- a raw DEALER, for frames no link would send ---- */

typedef struct {
    void *ctx, *sock;
} s_peer_t;

static s_peer_t s_peer (const char *endpoint)
{
    s_peer_t p;
    p.ctx = zmq_ctx_new ();
    p.sock = zmq_socket (p.ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (p.sock, ZMQ_LINGER, &linger, sizeof linger);
    ck_assert_int_eq (zmq_connect (p.sock, endpoint), 0);
    return p;
}

static void s_peer_close (s_peer_t *p)
{
    zmq_close (p->sock);
    zmq_ctx_term (p->ctx);
}

/* Sends the given frames as one message. */
static void s_peer_send (s_peer_t *p, const void *const *frames, const size_t *sizes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        ck_assert_int_ge (zmq_send (p->sock, frames[i], sizes[i], i + 1 < count ? ZMQ_SNDMORE : 0), 0);
}

static void s_peer_send_one (s_peer_t *p, const void *data, size_t size)
{
    const void *frames[] = {data};
    s_peer_send (p, frames, &size, 1);
}

/* Waits for a reply and decodes its last frame; *frames gets the number of frames. */
static void s_peer_recv (s_peer_t *p, disp_msg_t *msg, int *frames)
{
    zmq_pollitem_t item = {p->sock, 0, ZMQ_POLLIN, 0};
    ck_assert_msg (zmq_poll (&item, 1, S_WAIT_MS) == 1, "no reply within %d ms", S_WAIT_MS);
    zmq_msg_t part;
    zmq_msg_init (&part);
    int count = 0, more = 1;
    while (more) {
        ck_assert_int_ge (zmq_msg_recv (&part, p->sock, 0), 0);
        count++;
        more = zmq_msg_more (&part);
    }
    char err[256] = "";
    int rc = disp_codec_decode (zmq_msg_data (&part), zmq_msg_size (&part), msg, err, sizeof err);
    zmq_msg_close (&part);
    ck_assert_msg (rc == 0, "reply: %s", err);
    if (frames) *frames = count;
}

/* Sends one encoded frame (freed) and expects an error reply with `code` whose message contains `text`. */
static void s_expect_error (s_peer_t *p, uint8_t *frame, size_t len, disp_error_code_t code, const char *text)
{
    s_peer_send_one (p, frame, len);
    free (frame);
    disp_msg_t msg;
    s_peer_recv (p, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_ERROR);
    ck_assert_int_eq (msg.error.code, code);
    ck_assert_msg (strstr (msg.error.message, text), "'%s' does not say '%s'", msg.error.message, text);
    disp_msg_clear (&msg);
}

static void s_expect_hello_reply (s_peer_t *p, const disp_hello_t *h, const map_graph_t *g)
{
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_hello (h, &frame, &len), 0);
    s_peer_send_one (p, frame, len);
    free (frame);
    disp_msg_t msg;
    s_peer_recv (p, &msg, NULL);
    ck_assert_msg (msg.kind == DISP_MSG_HELLO_REPLY, "kind %d: %s", msg.kind, msg.error.message);
    ck_assert_str_eq (msg.hello_reply.dispatcher_version, RT_VERSION);
    ck_assert_uint_eq (msg.hello_reply.nodes, map_graph_node_count (g));
    ck_assert_uint_eq (msg.hello_reply.edges, map_graph_edge_count (g));
    disp_msg_clear (&msg);
}

/* ---- a deterministic stream of ticks ---- */

typedef struct {
    uint64_t state;
} s_rng_t;

static uint32_t s_rand (s_rng_t *r, uint32_t bound)
{
    r->state = r->state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((r->state >> 33) % bound);
}

#define S_VEHICLES 60
#define S_STEPS    12

/* Fills tick number `step` (1-based): some vehicles come online or finish a ride somewhere, riders appear, one
 * rider gives up now and then. Arrays must hold S_VEHICLES vehicles and 20 requests. */
static void s_make_tick (s_rng_t *r, uint32_t nodes, uint64_t step, disp_tick_t *t, disp_vehicle_t *vehs,
                         disp_request_t *reqs, uint64_t *cancelled)
{
    int64_t now_ms = 7 * 3600000LL + (int64_t)step * 30000;
    size_t nv = 0, nr = 0, nc = 0;
    for (uint32_t id = 0; id < S_VEHICLES; id++) {
        if (step > 1 && s_rand (r, 4) != 0) continue;
        vehs[nv++] = (disp_vehicle_t){.id = id,
                                      .fleet = (uint8_t)(id % 3 == 0 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI),
                                      .status = (uint8_t)(s_rand (r, 5) == 0 ? DISP_VEH_OFFLINE : DISP_VEH_IDLE),
                                      .position = {114.3, 30.6, s_rand (r, nodes)},
                                      .time_ms = now_ms};
    }
    nr = 5 + s_rand (r, 15);
    for (size_t i = 0; i < nr; i++)
        reqs[i] = (disp_request_t){.id = step * 100 + i,
                                   .time_ms = now_ms - s_rand (r, 30000),
                                   .origin = {114.3, 30.6, s_rand (r, nodes)},
                                   .destination = {114.31, 30.61, s_rand (r, nodes)},
                                   .fleet = (uint8_t)(s_rand (r, 3) == 0 ? DISP_FLEET_HUMAN : DISP_FLEET_ROBOTAXI),
                                   .deadline_ms = now_ms + 60000 + s_rand (r, 600000)};
    if (step > 2) cancelled[nc++] = (step - 1) * 100 + s_rand (r, 5);
    *t = (disp_tick_t){.step = step,
                       .now_ms = now_ms,
                       .requests = reqs,
                       .request_count = nr,
                       .vehicles = vehs,
                       .vehicle_count = nv,
                       .cancelled = cancelled,
                       .cancelled_count = nc};
}

/* Steps both links with tick number `step` of the stream and checks they decided the same, within the pickup limit.
 * Returns the number of assignments. */
static size_t s_step_both (disp_link_t *local, disp_link_t *remote, s_rng_t *rng, const map_graph_t *g, uint64_t step,
                           int64_t max_pickup_ms)
{
    disp_vehicle_t vehs[S_VEHICLES];
    disp_request_t reqs[20];
    uint64_t cancelled[1];
    disp_tick_t t;
    s_make_tick (rng, (uint32_t)map_graph_node_count (g), step, &t, vehs, reqs, cancelled);
    disp_decisions_t a, b;
    char err[256] = "";
    ck_assert_msg (disp_link_step (local, &t, &a, err, sizeof err) == 0, "inproc step: %s", err);
    ck_assert_msg (disp_link_step (remote, &t, &b, err, sizeof err) == 0, "zmq step %llu: %s", (unsigned long long)step,
                   err);
    ck_assert_uint_eq (a.step, step);
    ck_assert_uint_eq (b.step, step);
    ck_assert_uint_eq (a.assignment_count, b.assignment_count);
    for (size_t i = 0; i < a.assignment_count; i++) {
        ck_assert_uint_eq (a.assignments[i].request_id, b.assignments[i].request_id);
        ck_assert_uint_eq (a.assignments[i].vehicle_id, b.assignments[i].vehicle_id);
        ck_assert_int_eq (a.assignments[i].pickup_eta_ms, b.assignments[i].pickup_eta_ms);
        ck_assert_int_le (a.assignments[i].pickup_eta_ms, max_pickup_ms);
    }
    return a.assignment_count;
}

/* ---- core ---- */

START_TEST (test_inproc_and_zmq_agree)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (0);
    disp_hello_t h = s_hello (map_graph_fingerprint (g), S_VEHICLES);
    char err[256] = "";
    disp_link_t *local = disp_link_inproc_new (net, &h, NULL, NULL, err, sizeof err);
    ck_assert_msg (local != NULL, "inproc: %s", err);
    disp_link_t *remote = disp_link_zmq_new (svc->bind, &h, S_WAIT_MS, err, sizeof err);
    ck_assert_msg (remote != NULL, "zmq: %s", err);

    s_rng_t rng = {42};
    size_t total = 0;
    for (uint64_t step = 1; step <= S_STEPS; step++) {
        total += s_step_both (local, remote, &rng, g, step, h.config.max_pickup_ms);
    }
    ck_assert_uint_gt (total, 10); /* the comparison saw real decisions */
    ck_assert_int_eq (disp_link_wait_subscribers (remote, 3, 0), 3);
    disp_link_destroy (&local);
    disp_link_destroy (&remote);
    ck_assert_ptr_null (remote);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.sessions_opened, 1);
    ck_assert_uint_eq (stats.errors_sent, 0);
    ck_assert_uint_ge (stats.frames_in, 1 + S_STEPS); /* + Bye, if it arrived before the stop */
    map_net_destroy (&net);
}
END_TEST

/* An encoded MetricsSnapshot with the given sequence number. */
static uint8_t *s_snapshot (uint64_t seq, size_t *len)
{
    Robotaxi__V1__MetricsSnapshot s = ROBOTAXI__V1__METRICS_SNAPSHOT__INIT;
    s.seq = seq;
    s.scenario = "check";
    *len = robotaxi__v1__metrics_snapshot__get_packed_size (&s);
    uint8_t *buf = malloc (*len ? *len : 1);
    robotaxi__v1__metrics_snapshot__pack (&s, buf);
    return buf;
}

/* Receives [topic][payload] within timeout_ms; returns 1 and the snapshot's seq, or 0. */
static int s_sub_recv (void *sub, int timeout_ms, char *topic, size_t topic_size, uint64_t *seq)
{
    Robotaxi__V1__MetricsSnapshot *s = rt_sub_recv (sub, timeout_ms, topic, topic_size);
    if (!s) return 0;
    *seq = s->seq;
    robotaxi__v1__metrics_snapshot__free_unpacked (s, NULL);
    return 1;
}

/* Steps the link with one publication per tick until the subscriber sees one (subscriptions take a moment to
 * reach the publisher, and ZeroMQ drops what is published before). Returns the number of ticks sent. */
static uint64_t s_publish_until_seen (disp_link_t *link, void *sub, uint64_t first_step)
{
    for (uint64_t step = first_step; step < first_step + 100; step++) {
        size_t len;
        uint8_t *snap = s_snapshot (step, &len);
        disp_publication_t pub = {.topic = "metrics.periodic", .payload = snap, .payload_len = len};
        disp_tick_t t = {.step = step, .now_ms = (int64_t)step * 1000, .publish = &pub, .publish_count = 1};
        disp_decisions_t d;
        char err[256] = "";
        ck_assert_msg (disp_link_step (link, &t, &d, err, sizeof err) == 0, "%s", err);
        free (snap);
        char topic[64];
        uint64_t seq;
        if (s_sub_recv (sub, 100, topic, sizeof topic, &seq)) {
            ck_assert_str_eq (topic, "metrics.periodic");
            ck_assert_uint_le (seq, step);
            ck_assert_uint_ge (seq, first_step);
            return step - first_step + 1;
        }
    }
    ck_abort_msg ("no publication reached the subscriber");
    return 0;
}

START_TEST (test_publications_reach_subscribers)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (1);
    disp_hello_t h = s_hello (map_graph_fingerprint (g), 10);
    char err[256] = "";

    void *ctx = zmq_ctx_new ();
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    int linger = 0;
    zmq_setsockopt (sub, ZMQ_LINGER, &linger, sizeof linger);
    ck_assert_int_eq (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "metrics.", 8), 0);
    ck_assert_int_eq (zmq_connect (sub, svc->publish), 0);

    /* Through the service. */
    disp_link_t *remote = disp_link_zmq_new (svc->bind, &h, S_WAIT_MS, err, sizeof err);
    ck_assert_msg (remote != NULL, "zmq: %s", err);
    uint64_t sent = s_publish_until_seen (remote, sub, 1);
    disp_link_destroy (&remote);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.published, sent);
    ck_assert_uint_eq (stats.subscribers_joined, 1);

    /* In process: the link's own publisher, with the subscriber waited for first. */
    char endpoint[] = "ipc:///tmp/check_disp_server_XXXXXX";
    int fd = mkstemp (endpoint + 6);
    ck_assert_int_ge (fd, 0);
    close (fd);
    unlink (endpoint + 6);
    disp_link_t *local = disp_link_inproc_new (net, &h, endpoint, NULL, err, sizeof err);
    ck_assert_msg (local != NULL, "inproc: %s", err);
    void *sub2 = zmq_socket (ctx, ZMQ_SUB);
    zmq_setsockopt (sub2, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (sub2, ZMQ_SUBSCRIBE, "", 0);
    ck_assert_int_eq (zmq_connect (sub2, endpoint), 0);
    ck_assert_int_eq (disp_link_wait_subscribers (local, 1, S_WAIT_MS), 1);
    ck_assert_uint_eq (s_publish_until_seen (local, sub2, 1), 1);
    /* Nobody else joins: the wait gives up after its timeout with the count so far. */
    ck_assert_int_eq (disp_link_wait_subscribers (local, 2, 50), 1);
    disp_link_destroy (&local);
    unlink (endpoint + 6);

    zmq_close (sub);
    zmq_close (sub2);
    zmq_ctx_term (ctx);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_sessions_hello_again_and_bye)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (0);
    s_peer_t p = s_peer (svc->bind);
    disp_hello_t h = s_hello (map_graph_fingerprint (g), 10);
    s_expect_hello_reply (&p, &h, g);

    /* An idle vehicle; a rider right there takes it. */
    uint32_t node = 5;
    disp_vehicle_t v = {.id = 1, .fleet = DISP_FLEET_ROBOTAXI, .status = DISP_VEH_IDLE, .position = {0, 0, node}};
    disp_request_t r = {.id = 9,
                        .origin = {0, 0, node},
                        .destination = {0, 0, MAP_NODE_NONE},
                        .fleet = DISP_FLEET_ROBOTAXI,
                        .deadline_ms = 600000};
    disp_tick_t t = {.step = 1, .now_ms = 0, .vehicles = &v, .vehicle_count = 1, .requests = &r, .request_count = 1};
    uint8_t *frame;
    size_t len;
    disp_msg_t msg;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_peer_send_one (&p, frame, len);
    free (frame);
    s_peer_recv (&p, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_DECISIONS);
    ck_assert_uint_eq (msg.decisions.assignment_count, 1);
    ck_assert_uint_eq (msg.decisions.assignments[0].vehicle_id, 1);
    ck_assert_int_eq (msg.decisions.assignments[0].pickup_eta_ms, 0);
    disp_msg_clear (&msg);

    /* A bad tick is refused; the session stays usable. */
    disp_vehicle_t bad = v;
    bad.id = 10;
    disp_tick_t tb = {.step = 2, .now_ms = 1000, .vehicles = &bad, .vehicle_count = 1};
    ck_assert_int_eq (disp_codec_encode_tick (&tb, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_BAD_VALUE, "tick.vehicles[0].id: 10");

    /* Hello again: a fresh session, the vehicle is unknown again, so a new rider waits. */
    s_expect_hello_reply (&p, &h, g);
    r.id = 10;
    disp_tick_t t2 = {.step = 1, .now_ms = 0, .requests = &r, .request_count = 1};
    ck_assert_int_eq (disp_codec_encode_tick (&t2, &frame, &len), 0);
    s_peer_send_one (&p, frame, len);
    free (frame);
    s_peer_recv (&p, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_DECISIONS);
    ck_assert_uint_eq (msg.decisions.assignment_count, 0);
    disp_msg_clear (&msg);

    /* Bye closes the session: the next tick is a protocol error. */
    ck_assert_int_eq (disp_codec_encode_bye ("done", &frame, &len), 0);
    s_peer_send_one (&p, frame, len);
    free (frame);
    ck_assert_int_eq (disp_codec_encode_tick (&t2, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_NO_SESSION, "tick without a session");

    s_peer_close (&p);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.sessions_opened, 2);
    ck_assert_uint_eq (stats.sessions_closed, 2);
    ck_assert_uint_eq (stats.errors_sent, 2);
    map_net_destroy (&net);
}
END_TEST

/* ---- limits ---- */

START_TEST (test_malformed_frames_keep_serving)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (0);
    s_peer_t p = s_peer (svc->bind);

    const char *garbage = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";
    s_expect_error (&p, (uint8_t *)strdup (garbage), strlen (garbage), DISP_ERR_MALFORMED,
                    "not a robotaxi.v1 Envelope (11 bytes)");
    s_expect_error (&p, malloc (1), 0, DISP_ERR_MALFORMED, "not a robotaxi.v1 Envelope (0 bytes)");

    /* Four frames: refused as a whole. */
    const void *frames[] = {"a", "b", "c", "d"};
    size_t sizes[] = {1, 1, 1, 1};
    s_peer_send (&p, frames, sizes, 4);
    disp_msg_t msg;
    s_peer_recv (&p, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_ERROR);
    ck_assert_int_eq (msg.error.code, DISP_ERR_MALFORMED);
    ck_assert_msg (strstr (msg.error.message, "got 4 frames"), "%s", msg.error.message);
    disp_msg_clear (&msg);

    /* A REQ-style empty delimiter is tolerated and the answer comes back in the same shape. */
    disp_hello_t h = s_hello (map_graph_fingerprint (g), 10);
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    const void *with_delim[] = {"", frame};
    size_t delim_sizes[] = {0, len};
    s_peer_send (&p, with_delim, delim_sizes, 2);
    free (frame);
    int nframes = 0;
    s_peer_recv (&p, &msg, &nframes);
    ck_assert_int_eq (msg.kind, DISP_MSG_HELLO_REPLY);
    ck_assert_int_eq (nframes, 2);
    disp_msg_clear (&msg);

    /* After all that, a plain valid Hello still works. */
    s_expect_hello_reply (&p, &h, g);

    /* A message only a dispatcher sends is a protocol error. */
    ck_assert_int_eq (disp_codec_encode_bye ("x", &frame, &len), 0);
    free (frame);
    disp_hello_reply_t hr = {.dispatcher_version = "0", .nodes = 1, .edges = 1};
    ck_assert_int_eq (disp_codec_encode_hello_reply (&hr, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_PROTOCOL, "not message");

    s_peer_close (&p);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.errors_sent, 4);
    ck_assert_uint_eq (stats.frames_in, 6);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_hello_refusals)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    uint64_t fp = map_graph_fingerprint (g);
    s_service_t *svc = s_service_start (0);
    s_peer_t p = s_peer (svc->bind);
    uint8_t *frame;
    size_t len;

    /* Tick before hello. */
    disp_tick_t t = {.step = 1, .now_ms = 0};
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_NO_SESSION, "tick without a session");

    disp_hello_t h = s_hello (fp, 10);
    strcpy (h.protocol, "robotaxi.v0");
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_PROTOCOL, "hello.protocol: not robotaxi.v1");

    h = s_hello (fp, 10);
    strcpy (h.config.policy, "cheapest");
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    char names[128], why[256];
    snprintf (why, sizeof why, "hello.policy: not a policy (%s)", disp_policy_names (names, sizeof names));
    s_expect_error (&p, frame, len, DISP_ERR_POLICY, why);

    h = s_hello (fp ^ 1, 10);
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    /* The refusal names the field, never the value the client should have sent. */
    s_peer_send_one (&p, frame, len);
    free (frame);
    disp_msg_t msg;
    s_peer_recv (&p, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_ERROR);
    ck_assert_int_eq (msg.error.code, DISP_ERR_MAP);
    ck_assert_msg (strstr (msg.error.message, "hello.map.fingerprint: does not match map 'embedded:wuhan'"), "%s",
                   msg.error.message);
    char hex[32];
    snprintf (hex, sizeof hex, "%016llx", (unsigned long long)fp);
    ck_assert_msg (!strstr (msg.error.message, hex), "the reply gives the right fingerprint away: %s",
                   msg.error.message);
    snprintf (hex, sizeof hex, "%llx", (unsigned long long)fp);
    ck_assert_msg (!strstr (msg.error.message, hex), "%s", msg.error.message);
    disp_msg_clear (&msg);

    h = s_hello (fp, 10);
    strcpy (h.map.source, "embedded:atlantis");
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_MAP, "atlantis");

    h = s_hello (fp, 0);
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_BAD_VALUE, "vehicle_capacity");

    /* The failed Hellos left no session behind. */
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_NO_SESSION, "tick without a session");

    /* Through a link, the refusal becomes the constructor's message. */
    char err[256] = "";
    h = s_hello (fp, 10);
    strcpy (h.config.policy, "cheapest");
    ck_assert_ptr_null (disp_link_zmq_new (svc->bind, &h, S_WAIT_MS, err, sizeof err));
    ck_assert_msg (strstr (err, ": dispatcher refused the session: hello.policy: not a policy"), "%s", err);

    s_peer_close (&p);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.sessions_opened, 0);
    ck_assert_uint_eq (stats.errors_sent, 8);
    map_net_destroy (&net);
}
END_TEST

static int64_t s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST (test_link_without_dispatcher)
{
    disp_hello_t h = s_hello (0, 10);
    char err[256] = "";
    /* Find a free port by binding and closing a socket, so nobody is listening there. */
    void *ctx = zmq_ctx_new ();
    void *probe = zmq_socket (ctx, ZMQ_ROUTER);
    ck_assert_int_eq (zmq_bind (probe, "tcp://127.0.0.1:0"), 0);
    char endpoint[256];
    size_t size = sizeof endpoint;
    zmq_getsockopt (probe, ZMQ_LAST_ENDPOINT, endpoint, &size);
    zmq_close (probe);
    zmq_ctx_term (ctx);

    int64_t start = s_now_ms ();
    ck_assert_ptr_null (disp_link_zmq_new (endpoint, &h, 300, err, sizeof err));
    int64_t took = s_now_ms () - start;
    char expect[300];
    snprintf (expect, sizeof expect, "%s: no answer from a dispatcher within 0.3 s", endpoint);
    ck_assert_str_eq (err, expect);
    ck_assert_int_ge (took, 250);
    ck_assert_int_lt (took, 3000);

    ck_assert_ptr_null (disp_link_zmq_new ("carrier-pigeon://coop", &h, 300, err, sizeof err));
    ck_assert_msg (strncmp (err, "carrier-pigeon://coop: cannot connect: ", 39) == 0, "%s", err);

    /* And a server refuses an endpoint it cannot bind. */
    disp_server_opts_t bad = {.bind = "tcp://127.0.0.1:notaport"};
    ck_assert_ptr_null (disp_server_new (&bad, err, sizeof err));
    ck_assert_msg (strstr (err, "tcp://127.0.0.1:notaport: bind failed: "), "%s", err);
    /* A state endpoint without a stream has nothing to give. */
    disp_server_opts_t stateless = {.bind = "tcp://127.0.0.1:0", .state = "tcp://127.0.0.1:0"};
    ck_assert_ptr_null (disp_server_new (&stateless, err, sizeof err));
    ck_assert_msg (strstr (err, "a state endpoint needs a publish endpoint"), "%s", err);
    disp_server_opts_t bad_state = {.bind = "tcp://127.0.0.1:0", .publish = "tcp://127.0.0.1:0", .state = "nope://"};
    ck_assert_ptr_null (disp_server_new (&bad_state, err, sizeof err));
    ck_assert_msg (strstr (err, "nope://: bind failed: "), "%s", err);
}
END_TEST

/* ---- the robotaxi-dispatcher tool ---- */

/* Runs the tool with args; returns its exit status and its stderr (first bytes) in out. */
static int s_run_tool (const char *const *args, char *out, size_t out_size)
{
    const char *dir = getenv ("RT_TOOLS_DIR");
    ck_assert_ptr_nonnull (dir);
    char path[512];
    snprintf (path, sizeof path, "%s/robotaxi-dispatcher", dir);
    int fds[2];
    ck_assert_int_eq (pipe (fds), 0);
    pid_t pid = fork ();
    ck_assert_int_ge (pid, 0);
    if (pid == 0) {
        dup2 (fds[1], 2);
        dup2 (fds[1], 1);
        close (fds[0]);
        close (fds[1]);
        char *argv[16] = {path};
        for (int i = 0; args[i] && i < 14; i++)
            argv[i + 1] = (char *)args[i];
        execv (path, argv);
        _exit (127);
    }
    close (fds[1]);
    size_t used = 0;
    ssize_t n;
    while ((n = read (fds[0], out + used, out_size - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = '\0';
    close (fds[0]);
    int status;
    waitpid (pid, &status, 0);
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

START_TEST (test_tool_usage_and_bind_failure)
{
    char out[8192];
    const char *help[] = {"--help", NULL};
    ck_assert_int_eq (s_run_tool (help, out, sizeof out), 0);
    ck_assert_msg (strstr (out, "tcp://127.0.0.1:5555") && strstr (out, "nearest"), "%s", out);
    const char *version[] = {"--version", NULL};
    ck_assert_int_eq (s_run_tool (version, out, sizeof out), 0);
    ck_assert_msg (strstr (out, RT_VERSION), "%s", out);
    const char *bad[] = {"--frobnicate", NULL};
    ck_assert_int_eq (s_run_tool (bad, out, sizeof out), 2);
    const char *extra[] = {"serve", NULL};
    ck_assert_int_eq (s_run_tool (extra, out, sizeof out), 2);

    /* Limits and maps: defaults shown, bad values refused before anything is bound. */
    const char *help_limits[] = {"--help", NULL};
    ck_assert_int_eq (s_run_tool (help_limits, out, sizeof out), 0);
    ck_assert_msg (strstr (out, "--max-sessions N") && strstr (out, "(default 64)") &&
                       strstr (out, "--map-cache-mb MB") && strstr (out, "--map [NAME=]FILE") &&
                       strstr (out, "--max-search-mb MB") && strstr (out, "(default 1024)"),
                   "%s", out);
    const char *zero[] = {"--max-sessions", "0", NULL};
    ck_assert_int_eq (s_run_tool (zero, out, sizeof out), 2);
    ck_assert_msg (strstr (out, "--max-sessions: '0' is not a whole number"), "%s", out);
    const char *missing[] = {"--map", "/nonexistent/city.osm.pbf", NULL};
    ck_assert_int_eq (s_run_tool (missing, out, sizeof out), 66); /* EX_NOINPUT */
    ck_assert_msg (strstr (out, "--map city: /nonexistent/city.osm.pbf: No such file or directory"), "%s", out);
    const char *bad_name[] = {"--map", "../up=/etc/hostname", NULL};
    ck_assert_int_eq (s_run_tool (bad_name, out, sizeof out), 78); /* EX_CONFIG */
    ck_assert_msg (strstr (out, "'../up' is not a map name"), "%s", out);

    /* A port already taken: exit 1 with the endpoint and the reason. */
    s_service_t *svc = s_service_start (0);
    const char *taken[] = {"--bind", svc->bind, "--publish", "none", NULL};
    ck_assert_int_eq (s_run_tool (taken, out, sizeof out), 1);
    char expect[400];
    snprintf (expect, sizeof expect, "robotaxi-dispatcher: %s: bind failed: Address already in use", svc->bind);
    ck_assert_msg (strstr (out, expect), "%s", out);
    s_service_stop (svc);
}
END_TEST

/* Start, wait for the "serving on" line (no sleeping), serve a session, stop with SIGTERM: exit 0 with counters. */
START_TEST (test_tool_serves_and_stops)
{
    const char *dir = getenv ("RT_TOOLS_DIR");
    ck_assert_ptr_nonnull (dir);
    char path[512];
    snprintf (path, sizeof path, "%s/robotaxi-dispatcher", dir);
    char sock_path[] = "/tmp/check_disp_tool_XXXXXX";
    int fd = mkstemp (sock_path);
    ck_assert_int_ge (fd, 0);
    close (fd);
    unlink (sock_path);
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "ipc://%s", sock_path);
    /* --maps DIR: the map files in it, each by its name; other files are not maps */
    char maps_dir[] = "/tmp/check_disp_maps_XXXXXX", city[128], notes[128];
    ck_assert_ptr_nonnull (mkdtemp (maps_dir));
    snprintf (city, sizeof city, "%s/city.map", maps_dir);
    snprintf (notes, sizeof notes, "%s/notes.txt", maps_dir);
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    char err[256] = "";
    ck_assert_msg (map_net_save (net, city, err, sizeof err) == 0, "%s", err);
    FILE *f = fopen (notes, "w");
    ck_assert_ptr_nonnull (f);
    fputs ("not a map\n", f);
    fclose (f);

    int fds[2];
    ck_assert_int_eq (pipe (fds), 0);
    pid_t pid = fork ();
    ck_assert_int_ge (pid, 0);
    if (pid == 0) {
        dup2 (fds[1], 2);
        close (fds[0]);
        close (fds[1]);
        execl (path, path, "--bind", endpoint, "--publish", "none", "--maps", maps_dir, "--verbose", (char *)NULL);
        _exit (127);
    }
    close (fds[1]);
    char out[8192] = "";
    size_t used = 0;
    while (!strstr (out, "\n") || !strstr (out, "serving on")) {
        ssize_t n = read (fds[0], out + used, sizeof out - 1 - used);
        ck_assert_int_gt (n, 0);
        used += (size_t)n;
        out[used] = '\0';
    }
    char expect[256];
    snprintf (expect, sizeof expect, "robotaxi-dispatcher: serving on %s, publishing on none", endpoint);
    ck_assert_msg (strstr (out, expect), "%s", out);

    disp_hello_t h = s_hello (map_graph_fingerprint (g), 10);
    disp_link_t *link = disp_link_zmq_new (endpoint, &h, S_WAIT_MS, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    disp_link_destroy (&link);
    strcpy (h.map.source, "city");
    strcpy (h.session, "on the city map");
    link = disp_link_zmq_new (endpoint, &h, S_WAIT_MS, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    disp_link_destroy (&link);
    strcpy (h.map.source, "notes");
    ck_assert_ptr_null (disp_link_zmq_new (endpoint, &h, S_WAIT_MS, err, sizeof err));
    ck_assert_msg (strstr (err, "hello.map.source: 'notes' is not a map this dispatcher serves"), "%s", err);

    kill (pid, SIGTERM);
    ssize_t n;
    while ((n = read (fds[0], out + used, sizeof out - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = '\0';
    close (fds[0]);
    int status;
    waitpid (pid, &status, 0);
    ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0, "%s", out);
    ck_assert_msg (strstr (out, "session 'check_disp_server' opened"), "%s", out);
    snprintf (expect, sizeof expect, "robotaxi-dispatcher: map city: %s\n", city);
    ck_assert_msg (strstr (out, expect), "%s", out);
    ck_assert_msg (strstr (out, "session 'on the city map' opened: map city,"), "%s", out);
    ck_assert_msg (strstr (out, "stopped: ") && strstr (out, "2 sessions opened"), "%s", out);
    unlink (sock_path);
    unlink (city);
    unlink (notes);
    rmdir (maps_dir);
    map_net_destroy (&net);
}
END_TEST


/* ---- live sessions, heartbeats, limits, recovery ---- */

/* A live session's hello: heartbeats every heartbeat_ms, the session clock starting at 08:00. */
static disp_hello_t s_live_hello (uint64_t fingerprint, uint32_t capacity, int64_t heartbeat_ms)
{
    disp_hello_t h = s_hello (fingerprint, capacity);
    h.mode = DISP_MODE_LIVE;
    h.heartbeat_ms = heartbeat_ms;
    h.clock_start_ms = 8 * 3600000LL;
    h.live_step_ms = 20;
    return h;
}

/* Waits for decisions on a live link; fails the test (at the caller's line) when none come within S_WAIT_MS. */
#define s_live_expect(link, d)                                                                                  \
    do {                                                                                                        \
        char why_[256] = "";                                                                                    \
        int rc_ = disp_link_receive ((link), S_WAIT_MS, (d), why_, sizeof why_);                                \
        ck_assert_msg (rc_ == 1, "no decisions (rc %d): %s", rc_, why_);                                        \
    } while (0)

START_TEST (test_live_requests_get_assignments_as_made)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (0);
    disp_hello_t h = s_live_hello (map_graph_fingerprint (g), 10, 1000);
    char err[256] = "";
    disp_link_t *link = disp_link_zmq_new (svc->bind, &h, S_WAIT_MS, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    ck_assert_int_ge (disp_link_clock (link), h.clock_start_ms);

    /* Positions as a phone app sends them: lon/lat only. Vehicle 3 waits right at node 100, vehicle 4 at a node
     * far away; the rider stands at node 100 too, so vehicle 3 must come. */
    uint32_t far_id = (uint32_t)map_graph_node_count (g) - 1;
    const map_node_t *near = map_graph_node (g, 100), *far = map_graph_node (g, far_id);
    disp_vehicle_t vehs[2] = {
        {.id = 3, .fleet = DISP_FLEET_ROBOTAXI, .status = DISP_VEH_IDLE, .position = {near->lon, near->lat, MAP_NODE_NONE}},
        {.id = 4, .fleet = DISP_FLEET_ROBOTAXI, .status = DISP_VEH_IDLE, .position = {far->lon, far->lat, MAP_NODE_NONE}}};
    disp_request_t req = {.id = 77, .origin = {near->lon, near->lat, MAP_NODE_NONE}, .fleet = DISP_FLEET_ROBOTAXI};
    disp_tick_t u = {.vehicles = vehs, .vehicle_count = 2, .requests = &req, .request_count = 1};
    ck_assert_msg (disp_link_send (link, &u, err, sizeof err) == 0, "%s", err);
    disp_decisions_t d;
    s_live_expect (link, &d);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].request_id, 77);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 3);
    ck_assert_int_eq (d.assignments[0].pickup_eta_ms, 0);
    ck_assert_int_ge (d.now_ms, h.clock_start_ms);

    /* A rider nobody can take waits; the vehicle that frees up later gets the ride without a new request. */
    disp_request_t waiting = {.id = 78, .origin = {near->lon, near->lat, MAP_NODE_NONE}, .fleet = DISP_FLEET_HUMAN};
    disp_tick_t u2 = {.requests = &waiting, .request_count = 1};
    ck_assert_int_eq (disp_link_send (link, &u2, err, sizeof err), 0);
    ck_assert_int_eq (disp_link_receive (link, 200, &d, err, sizeof err), 0);
    uint32_t first_edge, end_edge;
    map_graph_out (g, 100, &first_edge, &end_edge);
    ck_assert_uint_lt (first_edge, end_edge);
    uint32_t next_door = map_graph_edge (g, first_edge)->to; /* one road from the rider */
    disp_vehicle_t human = {.id = 5, .fleet = DISP_FLEET_HUMAN, .status = DISP_VEH_IDLE, .position = {0, 0, next_door}};
    disp_tick_t u3 = {.vehicles = &human, .vehicle_count = 1};
    ck_assert_int_eq (disp_link_send (link, &u3, err, sizeof err), 0);
    s_live_expect (link, &d);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].request_id, 78);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 5);
    ck_assert_int_gt (d.assignments[0].pickup_eta_ms, 0);

    /* A rider whose deadline passes on the session clock is dropped by the timer step, unassigned. */
    disp_request_t hurried = {.id = 79, .origin = {0, 0, 100}, .fleet = DISP_FLEET_HUMAN,
                              .deadline_ms = disp_link_clock (link) + 100};
    disp_tick_t u4 = {.requests = &hurried, .request_count = 1};
    ck_assert_int_eq (disp_link_send (link, &u4, err, sizeof err), 0);
    ck_assert_int_eq (disp_link_receive (link, 400, &d, err, sizeof err), 0);
    human.position.node = 100;
    ck_assert_int_eq (disp_link_send (link, &u3, err, sizeof err), 0);
    ck_assert_int_eq (disp_link_receive (link, 300, &d, err, sizeof err), 0);

    disp_link_destroy (&link);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.assignments, 2);
    ck_assert_uint_eq (stats.live_updates, 5);
    ck_assert_uint_eq (stats.errors_sent, 0);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_live_bad_position_is_refused_and_serving_goes_on)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (0);
    disp_hello_t h = s_live_hello (map_graph_fingerprint (g), 4, 1000);
    char err[256] = "";
    disp_link_t *link = disp_link_zmq_new (svc->bind, &h, S_WAIT_MS, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    /* Shanghai is 700 km from the Wuhan network. */
    disp_request_t req = {.id = 1, .origin = {121.47, 31.23, MAP_NODE_NONE}, .fleet = DISP_FLEET_ROBOTAXI};
    disp_tick_t u = {.requests = &req, .request_count = 1};
    ck_assert_int_eq (disp_link_send (link, &u, err, sizeof err), 0);
    disp_decisions_t d;
    ck_assert_int_eq (disp_link_receive (link, S_WAIT_MS, &d, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "update.requests.origin[0]") && strstr (err, "km from the road network"), "%s", err);
    disp_link_destroy (&link);

    /* a lockstep message in a live session, and the reverse, are protocol errors */
    s_peer_t p = s_peer (svc->bind);
    s_expect_hello_reply (&p, &h, g);
    disp_tick_t tick = {.step = 1, .now_ms = 0};
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_tick (&tick, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_PROTOCOL, "tick in a live session");
    disp_hello_t lockstep = s_hello (map_graph_fingerprint (g), 4);
    s_expect_hello_reply (&p, &lockstep, g);
    ck_assert_int_eq (disp_codec_encode_update (&tick, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_PROTOCOL, "update in a lockstep session");
    s_peer_close (&p);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.errors_sent, 3);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_heartbeats_and_silent_sessions)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (0);
    s_peer_t p = s_peer (svc->bind);
    uint8_t *frame;
    size_t len;

    /* without a session, a heartbeat is told to say Hello */
    ck_assert_int_eq (disp_codec_encode_heartbeat (1, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_NO_SESSION, "heartbeat without a session");

    /* a live session with a 50 ms period: a heartbeat is answered, and the dispatcher heartbeats on its own */
    disp_hello_t h = s_live_hello (map_graph_fingerprint (g), 4, 50);
    s_expect_hello_reply (&p, &h, g);
    ck_assert_int_eq (disp_codec_encode_heartbeat (2, &frame, &len), 0);
    s_peer_send_one (&p, frame, len);
    free (frame);
    disp_msg_t msg;
    s_peer_recv (&p, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_HEARTBEAT);
    uint64_t first = msg.heartbeat_seq;
    disp_msg_clear (&msg);
    s_peer_recv (&p, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_HEARTBEAT);
    ck_assert_uint_gt (msg.heartbeat_seq, first);
    disp_msg_clear (&msg);

    /* then silence for more than 10 periods: the session is forgotten */
    zmq_pollitem_t item = {p.sock, 0, ZMQ_POLLIN, 0};
    int heartbeats = 0;
    for (;;) {
        ck_assert_int_lt (heartbeats, 400); /* expiry after 10 x 50 ms: far fewer heartbeats than this */
        if (zmq_poll (&item, 1, 300) == 0) break;
        s_peer_recv (&p, &msg, NULL);
        ck_assert_int_eq (msg.kind, DISP_MSG_HEARTBEAT);
        disp_msg_clear (&msg);
        heartbeats++;
    }
    ck_assert_int_ge (heartbeats, 3);
    disp_tick_t empty = {0};
    ck_assert_int_eq (disp_codec_encode_update (&empty, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_NO_SESSION, "update without a session");
    s_peer_close (&p);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.sessions_expired, 1);
    ck_assert_uint_eq (stats.heartbeats_in, 1);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_oversized_frames_get_too_large)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    disp_server_opts_t opts = {.bind = "tcp://127.0.0.1:0", .max_message_bytes = 4096};
    s_service_t *svc = s_service_start_with (&opts);
    s_peer_t p = s_peer (svc->bind);
    uint8_t *big = calloc (1, 4097);
    s_peer_send_one (&p, big, 4097);
    free (big);
    disp_msg_t msg;
    s_peer_recv (&p, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_ERROR);
    ck_assert_int_eq (msg.error.code, DISP_ERR_TOO_LARGE);
    ck_assert_msg (strstr (msg.error.message, "4097 bytes") && strstr (msg.error.message, "limit of 4096"), "%s",
                   msg.error.message);
    disp_msg_clear (&msg);
    /* a tick with 200 vehicles is over 4 KiB too; the service goes on serving the same peer */
    disp_hello_t h = s_hello (map_graph_fingerprint (g), 200);
    s_expect_hello_reply (&p, &h, g);
    disp_vehicle_t vehs[200];
    for (uint32_t i = 0; i < 200; i++)
        vehs[i] = (disp_vehicle_t){.id = i, .status = DISP_VEH_IDLE, .position = {114.3, 30.6, i}};
    disp_tick_t t = {.step = 1, .vehicles = vehs, .vehicle_count = 200};
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    ck_assert_uint_gt (len, 4096);
    s_expect_error (&p, frame, len, DISP_ERR_TOO_LARGE, "over the limit");
    t.vehicle_count = 20;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_peer_send_one (&p, frame, len);
    free (frame);
    s_peer_recv (&p, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_DECISIONS);
    disp_msg_clear (&msg);
    s_peer_close (&p);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.too_large, 2);
    ck_assert_uint_eq (stats.errors_sent, 2);

    /* a limit beyond what ZeroMQ itself lets through is refused at start */
    char err[256] = "";
    disp_server_opts_t huge = {.bind = "tcp://127.0.0.1:0", .max_message_bytes = (size_t)DISP_ZMQ_MAX_MSG_BYTES + 1};
    ck_assert_ptr_null (disp_server_new (&huge, err, sizeof err));
    ck_assert_msg (strstr (err, "max_message_bytes"), "%s", err);
    map_net_destroy (&net);
}
END_TEST

static void s_on_link_log (const char *line, void *arg)
{
    (*(int *)arg)++;
    (void)line;
}

/* The dispatcher goes away between two steps and a new one comes up at the same endpoint: the link opens a new
 * session, resends what the dispatcher should know, and the decisions continue exactly as an in-process link's. */
START_TEST (test_link_resumes_on_a_restarted_dispatcher)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (0);
    char bind[256];
    snprintf (bind, sizeof bind, "%s", svc->bind);
    disp_hello_t h = s_hello (map_graph_fingerprint (g), S_VEHICLES);
    char err[256] = "";
    disp_link_t *local = disp_link_inproc_new (net, &h, NULL, NULL, err, sizeof err);
    disp_link_t *remote = disp_link_zmq_new (bind, &h, S_WAIT_MS, err, sizeof err);
    ck_assert_msg (local && remote, "%s", err);
    int logged = 0;
    disp_link_set_recovery (remote, S_WAIT_MS, s_on_link_log, &logged);

    s_rng_t rng = {7};
    size_t total = 0, after = 0;
    for (uint64_t step = 1; step <= S_STEPS; step++) {
        if (step == S_STEPS / 2) {
            /* kill between steps; the new service binds the same port */
            s_service_stop (svc);
            disp_server_opts_t opts = {.bind = bind};
            svc = s_service_start_with (&opts);
        }
        size_t made = s_step_both (local, remote, &rng, g, step, h.config.max_pickup_ms);
        total += made;
        if (step >= S_STEPS / 2) after += made;
    }
    ck_assert_uint_gt (after, 5); /* the resumed session made real decisions */
    ck_assert_uint_gt (total, after);
    ck_assert_uint_eq (disp_link_reconnects (remote), 1);
    ck_assert_int_eq (logged, 2); /* "waiting for it", "new session" */
    disp_link_destroy (&local);
    disp_link_destroy (&remote);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.sessions_opened, 1);
    map_net_destroy (&net);
}
END_TEST

/* A lockstep session of 4 vehicles on the Wuhan map (opened into *net) with svc, through disp_link_zmq_new. */
static disp_link_t *s_remote_wuhan (const s_service_t *svc, map_net_t **net)
{
    *net = s_wuhan ();
    disp_hello_t h = s_hello (map_graph_fingerprint (map_net_graph (*net)), 4);
    char err[256] = "";
    disp_link_t *remote = disp_link_zmq_new (svc->bind, &h, S_WAIT_MS, err, sizeof err);
    ck_assert_msg (remote != NULL, "%s", err);
    return remote;
}

/* Without recovery (the default), a lost dispatcher is an error naming it, and the wait is bounded by pings. */
START_TEST (test_link_without_recovery_reports_the_loss)
{
    map_net_t *net;
    s_service_t *svc = s_service_start (0);
    disp_link_t *remote = s_remote_wuhan (svc, &net);
    char err[256] = "";
    s_service_stop (svc);
    disp_tick_t t = {.step = 1, .now_ms = 0};
    disp_decisions_t d;
    ck_assert_int_eq (disp_link_step (remote, &t, &d, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "no answer"), "%s", err);
    disp_link_destroy (&remote);
    map_net_destroy (&net);
}
END_TEST

/* A lockstep simulator may compute for longer than the link's liveness window (3 pings of 1 s) between two ticks:
 * robotaxi-sim --baseline plays the whole day without robotaxis on one link while the scenario's link waits for its
 * first tick. The dispatcher owed no word meanwhile, so the next tick is answered, not taken for a lost dispatcher
 * (it used to fail with "no answer" without recovery, and to reconnect needlessly with it). The pause stands for the
 * simulator's work; no socket is waited for with it. */
START_TEST (test_quiet_between_ticks_is_no_lost_dispatcher)
{
    map_net_t *net;
    s_service_t *svc = s_service_start (0);
    disp_link_t *remote = s_remote_wuhan (svc, &net);
    char err[256] = "";
    struct timespec work = {.tv_sec = 3, .tv_nsec = 500000000};
    while (nanosleep (&work, &work) != 0)
        ;
    disp_tick_t t = {.step = 1, .now_ms = 0};
    disp_decisions_t d;
    ck_assert_msg (disp_link_step (remote, &t, &d, err, sizeof err) == 0, "a quiet 3.5 s before the tick: %s", err);
    disp_link_destroy (&remote);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.sessions_opened, 1);   /* no second session: the link did not reconnect */
    map_net_destroy (&net);
}
END_TEST

/* A live client keeps its waiting riders across a dispatcher restart: the new session gets them and assigns them. */
START_TEST (test_live_link_resends_waiting_riders)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (0);
    char bind[256];
    snprintf (bind, sizeof bind, "%s", svc->bind);
    disp_hello_t h = s_live_hello (map_graph_fingerprint (g), 4, 100);
    char err[256] = "";
    disp_link_t *link = disp_link_zmq_new (bind, &h, S_WAIT_MS, err, sizeof err);
    ck_assert_msg (link != NULL, "%s", err);
    disp_link_set_recovery (link, S_WAIT_MS, NULL, NULL);
    disp_request_t req = {.id = 9, .origin = {0, 0, 50}, .fleet = DISP_FLEET_ROBOTAXI};
    disp_tick_t u = {.requests = &req, .request_count = 1};
    ck_assert_int_eq (disp_link_send (link, &u, err, sizeof err), 0);
    disp_decisions_t d;
    ck_assert_int_eq (disp_link_receive (link, 200, &d, err, sizeof err), 0);
    s_service_stop (svc);
    disp_server_opts_t opts = {.bind = bind};
    svc = s_service_start_with (&opts);
    /* the vehicle appears on the new dispatcher only; the rider must have been resent for it to be assigned */
    ck_assert_int_eq (disp_link_receive (link, 1000, &d, err, sizeof err), 0);
    ck_assert_uint_eq (disp_link_reconnects (link), 1);
    disp_vehicle_t v = {.id = 2, .fleet = DISP_FLEET_ROBOTAXI, .status = DISP_VEH_IDLE, .position = {0, 0, 50}};
    disp_tick_t u2 = {.vehicles = &v, .vehicle_count = 1};
    ck_assert_int_eq (disp_link_send (link, &u2, err, sizeof err), 0);
    s_live_expect (link, &d);
    ck_assert_uint_eq (d.assignment_count, 1);
    ck_assert_uint_eq (d.assignments[0].request_id, 9);
    ck_assert_uint_eq (d.assignments[0].vehicle_id, 2);
    disp_link_destroy (&link);
    s_service_stop (svc);
    map_net_destroy (&net);
}
END_TEST

/* ---- security: what a client may not do ---- */

/* A DEALER whose connection comes from `source` (a loopback address other than 127.0.0.1 makes another client:
 * ZeroMQ's "tcp://SOURCE;HOST:PORT"), and with routing_id when not NULL. */
static s_peer_t s_peer_from (const char *endpoint, const char *source, const void *routing_id, size_t id_len)
{
    s_peer_t p;
    p.ctx = zmq_ctx_new ();
    p.sock = zmq_socket (p.ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (p.sock, ZMQ_LINGER, &linger, sizeof linger);
    if (routing_id) ck_assert_int_eq (zmq_setsockopt (p.sock, ZMQ_ROUTING_ID, routing_id, id_len), 0);
    char where[300];
    ck_assert_int_eq (strncmp (endpoint, "tcp://", 6), 0);
    snprintf (where, sizeof where, "tcp://%s:0;%s", source, endpoint + 6);
    ck_assert_int_eq (zmq_connect (p.sock, source ? where : endpoint), 0);
    return p;
}

/* Sends a Hello and returns the reply (an ErrorReply or a HelloReply); the caller clears it. */
static void s_hello_reply (s_peer_t *p, const disp_hello_t *h, disp_msg_t *msg)
{
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_hello (h, &frame, &len), 0);
    s_peer_send_one (p, frame, len);
    free (frame);
    s_peer_recv (p, msg, NULL);
}

/* The Hello is refused with `code`, saying `text`, and the message names nothing of `secret` (a host path). */
static void s_expect_hello_refused (s_peer_t *p, const disp_hello_t *h, disp_error_code_t code, const char *text,
                                    const char *secret, char *message, size_t size)
{
    disp_msg_t msg;
    s_hello_reply (p, h, &msg);
    ck_assert_msg (msg.kind == DISP_MSG_ERROR, "the Hello was not refused (kind %d)", msg.kind);
    ck_assert_int_eq (msg.error.code, code);
    ck_assert_msg (strstr (msg.error.message, text), "'%s' does not say '%s'", msg.error.message, text);
    if (secret) ck_assert_msg (!strstr (msg.error.message, secret), "the reply names %s: %s", secret, msg.error.message);
    ck_assert_msg (!strstr (msg.error.message, "No such file"), "the reply tells whether a file exists: %s",
                   msg.error.message);
    if (message) snprintf (message, size, "%s", msg.error.message);
    disp_msg_clear (&msg);
}

static void s_write_text (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs (text, f);
    ck_assert_int_eq (fclose (f), 0);
}

static char *s_temp_dir (void)
{
    char tmpl[] = "/tmp/check_disp_server.XXXXXX";
    ck_assert_ptr_nonnull (mkdtemp (tmpl));
    return strdup (tmpl);
}

static void s_remove_tree (const char *dir)
{
    char cmd[600];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq (system (cmd), 0);
}

/* The reproduction first: a client asked for an OSM extract with map.cache naming an existing file, and the
 * service overwrote that file with a map file. Now a client names no file at all: sources are the operator's names,
 * a cache path is refused, and no reply tells a path, a file's existence or the fingerprint to send. */
START_TEST (test_clients_never_name_host_files)
{
    char pbf[400];
    if (!rt_data ("osm/monaco.osm.pbf", pbf, sizeof pbf)) return;
    char *dir = s_temp_dir (), victim[256], small[256], cache[256];
    snprintf (victim, sizeof victim, "%s/victim.txt", dir);
    snprintf (small, sizeof small, "%s/small.map", dir);
    snprintf (cache, sizeof cache, "%s/cache", dir);
    s_write_text (victim, "precious: not a map file\n");
    ck_assert_int_eq (mkdir (cache, 0700), 0);
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    char err[512] = "";
    ck_assert_msg (map_net_save (net, small, err, sizeof err) == 0, "%s", err);
    disp_map_source_t maps[] = {{"monaco", pbf}, {"small", small}};
    disp_server_opts_t opts = {
        .bind = "tcp://127.0.0.1:0", .maps = maps, .map_count = 2, .map_cache_dir = cache};
    s_service_t *svc = s_service_start_with (&opts);
    s_peer_t p = s_peer (svc->bind);

    disp_hello_t h = s_hello (1, 10);
    strcpy (h.map.source, "monaco");
    snprintf (h.map.cache, sizeof h.map.cache, "%s", victim);
    s_expect_hello_refused (&p, &h, DISP_ERR_BAD_VALUE, "hello.map.cache: must be empty", victim, NULL, 0);

    /* Paths as sources: refused alike, whether the file exists or not. */
    char a[256], b[256];
    h = s_hello (1, 10);
    snprintf (h.map.source, sizeof h.map.source, "%s", victim);
    s_expect_hello_refused (&p, &h, DISP_ERR_BAD_VALUE, "hello.map.source: not a map name", victim, a, sizeof a);
    snprintf (h.map.source, sizeof h.map.source, "%s/no-such.map", dir);
    s_expect_hello_refused (&p, &h, DISP_ERR_BAD_VALUE, "hello.map.source: not a map name", dir, b, sizeof b);
    ck_assert_str_eq (a, b);
    strcpy (h.map.source, "../small");
    s_expect_hello_refused (&p, &h, DISP_ERR_BAD_VALUE, "not a map name", NULL, NULL, 0);
    strcpy (h.map.source, "atlantis");
    s_expect_hello_refused (&p, &h, DISP_ERR_MAP, "'atlantis' is not a map this dispatcher serves", dir, NULL, 0);

    /* The operator's map file by its name: served. A CRS it was not made in: refused without its path. */
    h = s_hello (map_graph_fingerprint (g), 10);
    strcpy (h.map.source, "small");
    h.map.epsg = 0;
    s_expect_hello_reply (&p, &h, g);
    h.map.epsg = 32651;
    s_expect_hello_refused (&p, &h, DISP_ERR_MAP, "map 'small' could not be opened", dir, NULL, 0);

    /* The extract the issue named: imported into the service's own cache folder. */
    map_spec_t spec = {.source = "", .epsg = 0};
    snprintf (spec.source, sizeof spec.source, "%s", pbf);
    map_net_t *monaco = map_net_open (&spec, NULL, NULL, err, sizeof err);
    ck_assert_msg (monaco != NULL, "%s", err);
    h = s_hello (map_graph_fingerprint (map_net_graph (monaco)), 10);
    strcpy (h.map.source, "monaco");
    h.map.epsg = 0; /* its own UTM zone */
    s_expect_hello_reply (&p, &h, map_net_graph (monaco));
    /* The same classes in another order and spacing are the same import: one build for both. */
    disp_hello_t hl = s_live_hello (0, 10, 1000);
    strcpy (hl.map.source, "monaco");
    hl.map.epsg = 0;
    strcpy (hl.map.highways, "primary,secondary,tertiary,residential");
    disp_msg_t first, second;
    s_hello_reply (&p, &hl, &first);
    strcpy (hl.map.highways, "residential, tertiary,secondary ,primary,primary");
    s_hello_reply (&p, &hl, &second);
    ck_assert_msg (first.kind == DISP_MSG_HELLO_REPLY && second.kind == DISP_MSG_HELLO_REPLY, "%d %d", first.kind,
                   second.kind);
    ck_assert_uint_eq (first.hello_reply.nodes, second.hello_reply.nodes);
    ck_assert_uint_lt (first.hello_reply.nodes, map_graph_node_count (map_net_graph (monaco)));
    disp_msg_clear (&first);
    disp_msg_clear (&second);

    s_peer_close (&p);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.sessions_opened, 4);
    ck_assert_uint_eq (stats.bad_value, 4);
    ck_assert_uint_eq (stats.map_errors, 2);
    ck_assert_uint_eq (stats.map_builds, 4); /* small, small in another CRS (refused), monaco, monaco's main roads */
    ck_assert_uint_eq (stats.map_build_failures, 1);
    char *text = rt_slurp (victim, NULL);
    ck_assert_str_eq (text, "precious: not a map file\n");
    free (text);
    char listing[1200];
    snprintf (listing, sizeof listing, "ls '%s' | grep -q '^monaco-[0-9a-f]*\\.map$'", cache);
    ck_assert_msg (system (listing) == 0, "no import cached in the service's own folder %s", cache);
    map_net_destroy (&monaco);
    map_net_destroy (&net);
    s_remove_tree (dir);
    free (dir);
}
END_TEST

/* Past an operator's limit a client gets ERROR_LIMIT naming it, and the sessions within the limits go on. Clients are
 * told apart by their address: 127.0.0.2 and 127.0.0.3 are other clients than 127.0.0.1. */
START_TEST (test_limits_refuse_and_serving_goes_on)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    disp_server_opts_t opts = {.bind = "tcp://127.0.0.1:0",
                               .limits = {.max_sessions = 3,
                                          .max_client_sessions = 2,
                                          .max_vehicles = 50,
                                          .max_riders = 4,
                                          .max_map_nodes = 20000}};
    s_service_t *svc = s_service_start_with (&opts);
    s_peer_t p1 = s_peer (svc->bind), p2 = s_peer (svc->bind), p3 = s_peer (svc->bind);
    s_peer_t q = s_peer_from (svc->bind, "127.0.0.2", NULL, 0), r = s_peer_from (svc->bind, "127.0.0.3", NULL, 0);

    disp_hello_t h = s_hello (map_graph_fingerprint (g), 51);
    s_expect_hello_refused (&p1, &h, DISP_ERR_LIMIT, "limit max_vehicles", NULL, NULL, 0);
    h = s_hello (map_graph_fingerprint (g), 10);
    h.map.grid_m = 100; /* about 110,000 nodes */
    s_expect_hello_refused (&p1, &h, DISP_ERR_LIMIT, "limit max_map_nodes", NULL, NULL, 0);

    h = s_hello (map_graph_fingerprint (g), 10);
    s_expect_hello_reply (&p1, &h, g);
    strcpy (h.session, "second");
    s_expect_hello_reply (&p2, &h, g);
    strcpy (h.session, "third");
    s_expect_hello_refused (&p3, &h, DISP_ERR_LIMIT, "limit max_client_sessions", NULL, NULL, 0);
    strcpy (h.session, "other client");
    s_expect_hello_reply (&q, &h, g);
    strcpy (h.session, "one too many");
    s_expect_hello_refused (&r, &h, DISP_ERR_LIMIT, "limit max_sessions", NULL, NULL, 0);

    /* Five riders at once would pass max_riders = 4; four fit. */
    disp_request_t reqs[5];
    for (int i = 0; i < 5; i++)
        reqs[i] = (disp_request_t){.id = 100 + (uint64_t)i,
                                   .origin = {0, 0, (uint32_t)i},
                                   .destination = {0, 0, MAP_NODE_NONE},
                                   .fleet = DISP_FLEET_ROBOTAXI,
                                   .deadline_ms = 600000};
    disp_tick_t t = {.step = 1, .now_ms = 0, .requests = reqs, .request_count = 5};
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_expect_error (&p1, frame, len, DISP_ERR_LIMIT, "limit max_riders");
    t.request_count = 4;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_peer_send_one (&p1, frame, len);
    free (frame);
    disp_msg_t msg;
    s_peer_recv (&p1, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_DECISIONS);
    disp_msg_clear (&msg);
    disp_request_t one = reqs[4];
    disp_tick_t t2 = {.step = 2, .now_ms = 1000, .requests = &one, .request_count = 1};
    ck_assert_int_eq (disp_codec_encode_tick (&t2, &frame, &len), 0);
    s_expect_error (&p1, frame, len, DISP_ERR_LIMIT, "limit max_riders");

    /* A closed session makes room again (the tick after the Bye, refused, shows the Bye was handled). */
    ck_assert_int_eq (disp_codec_encode_bye ("done", &frame, &len), 0);
    s_peer_send_one (&q, frame, len);
    free (frame);
    ck_assert_int_eq (disp_codec_encode_tick (&t2, &frame, &len), 0);
    s_expect_error (&q, frame, len, DISP_ERR_NO_SESSION, "tick without a session");
    s_expect_hello_reply (&r, &h, g);

    s_peer_close (&p1);
    s_peer_close (&p2);
    s_peer_close (&p3);
    s_peer_close (&q);
    s_peer_close (&r);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.limited, 6);
    ck_assert_uint_eq (stats.sessions_opened, 4);
    map_net_destroy (&net);
}
END_TEST

/* Requests that differ only in what the map ignores share one map; the cache holds what its budget allows, dropping
 * unused maps first and refusing a map that does not fit beside the ones in use. */
START_TEST (test_map_cache_normalised_and_bounded)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    size_t one_map = disp_maps_net_bytes (net);
    disp_server_opts_t opts = {.bind = "tcp://127.0.0.1:0", .limits = {.map_cache_bytes = one_map + one_map / 2}};
    s_service_t *svc = s_service_start_with (&opts);
    s_peer_t p = s_peer (svc->bind), q = s_peer (svc->bind);
    static const char *const highways[] = {"", "primary", "primary,secondary", "secondary, primary", "motorway"};
    disp_hello_t h = s_hello (map_graph_fingerprint (g), 10);
    for (int i = 0; i < 20; i++) {
        snprintf (h.map.highways, sizeof h.map.highways, "%s", highways[i % 5]);
        s_expect_hello_reply (&p, &h, g); /* each Hello replaces the last session */
    }
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_bye ("done", &frame, &len), 0);
    s_peer_send_one (&p, frame, len);
    free (frame);

    /* Another grid is another map: the first, unused now, makes room for it. */
    map_spec_t spec = s_spec ();
    spec.grid_m = 1100.0;
    char err[256] = "";
    map_net_t *net2 = map_net_open (&spec, NULL, NULL, err, sizeof err);
    ck_assert_msg (net2 != NULL, "%s", err);
    disp_hello_t h2 = s_hello (map_graph_fingerprint (map_net_graph (net2)), 10);
    h2.map.grid_m = 1100.0;
    s_expect_hello_reply (&p, &h2, map_net_graph (net2));
    /* While that session holds its map, the first one does not fit beside it. */
    strcpy (h.session, "another");
    s_expect_hello_refused (&q, &h, DISP_ERR_LIMIT, "limit map_cache_mb", NULL, NULL, 0);
    /* The held map is still served. */
    strcpy (h2.session, "another");
    s_expect_hello_reply (&q, &h2, map_net_graph (net2));

    s_peer_close (&p);
    s_peer_close (&q);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.map_builds, 3);
    ck_assert_uint_eq (stats.maps_evicted, 1);
    ck_assert_uint_eq (stats.map_build_failures, 1);
    ck_assert_uint_eq (stats.sessions_opened, 22);
    map_net_destroy (&net2);
    map_net_destroy (&net);
}
END_TEST

/* A client asking for a big map (the embedded city at 150 m: about 45,000 nodes, contracted on the worker) stalls no
 * one: another session's ticks are answered while the map is being built. Before, the service built maps on its
 * own thread and every other client waited for the whole build. */
START_TEST (test_a_map_build_stalls_no_other_session)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start (0);
    s_peer_t busy = s_peer (svc->bind), big = s_peer (svc->bind);
    disp_hello_t h = s_hello (map_graph_fingerprint (g), 10);
    s_expect_hello_reply (&busy, &h, g);

    disp_hello_t hb = s_hello (0, 10);
    hb.mode = DISP_MODE_LIVE; /* fingerprint 0: whatever the dispatcher builds */
    hb.map.grid_m = 150.0;
    strcpy (hb.session, "big map");
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_hello (&hb, &frame, &len), 0);
    s_peer_send_one (&big, frame, len);
    free (frame);

    size_t answered = 0;
    int64_t worst_ms = 0, start = s_now_ms ();
    for (uint64_t step = 1;; step++) {
        zmq_pollitem_t item = {big.sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, 0) == 1) break; /* the big map's answer came */
        ck_assert_msg (s_now_ms () - start < 120000, "no answer for the big map in 120 s");
        disp_tick_t t = {.step = step, .now_ms = (int64_t)step * 1000};
        ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
        int64_t sent = s_now_ms ();
        s_peer_send_one (&busy, frame, len);
        free (frame);
        disp_msg_t msg;
        s_peer_recv (&busy, &msg, NULL);
        ck_assert_int_eq (msg.kind, DISP_MSG_DECISIONS);
        disp_msg_clear (&msg);
        if (s_now_ms () - sent > worst_ms) worst_ms = s_now_ms () - sent;
        answered++;
    }
    disp_msg_t msg;
    s_peer_recv (&big, &msg, NULL);
    ck_assert_msg (msg.kind == DISP_MSG_HELLO_REPLY, "kind %d: %s", msg.kind, msg.error.message);
    ck_assert_uint_gt (msg.hello_reply.nodes, 30000);
    disp_msg_clear (&msg);
    fprintf (stderr, "check_disp_server: %zu ticks answered while the map was built in %lld ms (slowest %lld ms)\n",
             answered, (long long)(s_now_ms () - start), (long long)worst_ms);
    ck_assert_uint_ge (answered, 10);
    s_peer_close (&busy);
    s_peer_close (&big);
    s_service_stop (svc);
    map_net_destroy (&net);
}
END_TEST

/* A session belongs to the connection that opened it: a routing id the client chose is refused, a connection that
 * presents another's id from elsewhere is no owner, another client cannot take a session's name, and no client can
 * publish on topics of its own making. */
START_TEST (test_sessions_belong_to_their_connection)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc = s_service_start_with (&(disp_server_opts_t){.bind = "tcp://127.0.0.1:0",
                                                                    .publish = "tcp://127.0.0.1:0"});
    disp_hello_t h = s_hello (map_graph_fingerprint (g), 10);

    s_peer_t chosen = s_peer_from (svc->bind, "127.0.0.1", "me", 2);
    s_expect_hello_refused (&chosen, &h, DISP_ERR_PROTOCOL, "routing id", NULL, NULL, 0);
    s_peer_close (&chosen);

    /* An id in ZeroMQ's own shape (a zero byte first), reused from another address after its owner left: the owner's
     * live session (heartbeating every 50 ms) ended with its connection, so the newcomer gets none of its messages
     * and cannot act on it. */
    static const uint8_t id[5] = {0, 'o', 'w', 'n', '1'};
    s_peer_t owner = s_peer_from (svc->bind, "127.0.0.1", id, sizeof id);
    disp_hello_t hl = s_live_hello (map_graph_fingerprint (g), 4, 50);
    strcpy (hl.session, "owner's run");
    s_expect_hello_reply (&owner, &hl, g);
    s_peer_close (&owner);
    s_peer_t thief = s_peer_from (svc->bind, "127.0.0.2", id, sizeof id);
    disp_tick_t t = {.step = 1, .now_ms = 0};
    uint8_t *frame;
    size_t len;
    int64_t start = s_now_ms ();
    disp_msg_t msg;
    do { /* the old connection may still be registered under the id for a moment: ZeroMQ refuses the new one then */
        ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
        s_peer_send_one (&thief, frame, len);
        free (frame);
        zmq_pollitem_t item = {thief.sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, 500) == 1) break;
        s_peer_close (&thief);
        thief = s_peer_from (svc->bind, "127.0.0.2", id, sizeof id);
    } while (s_now_ms () - start < S_WAIT_MS);
    s_peer_recv (&thief, &msg, NULL);
    ck_assert_int_eq (msg.kind, DISP_MSG_ERROR);
    ck_assert_int_eq (msg.error.code, DISP_ERR_NO_SESSION);
    disp_msg_clear (&msg);
    zmq_pollitem_t quiet = {thief.sock, 0, ZMQ_POLLIN, 0};
    ck_assert_msg (zmq_poll (&quiet, 1, 500) == 0, "the newcomer received the old session's messages");
    s_peer_close (&thief);

    /* Names: another client cannot open a session under a name in use; the same client can (its own reconnect). */
    s_peer_t a = s_peer (svc->bind), b = s_peer_from (svc->bind, "127.0.0.2", NULL, 0), a2 = s_peer (svc->bind);
    strcpy (h.session, "wuhan seed 42");
    s_expect_hello_reply (&a, &h, g);
    s_expect_hello_refused (&b, &h, DISP_ERR_BAD_VALUE, "hello.session: the name is in use by another client", NULL,
                            NULL, 0);
    s_expect_hello_reply (&a2, &h, g);

    /* Publications on the stream's own topics only. */
    uint8_t payload[] = {0x08, 0x01};
    disp_publication_t pub = {.topic = "metrics.evil", .payload = payload, .payload_len = sizeof payload};
    disp_tick_t tp = {.step = 1, .now_ms = 0, .publish = &pub, .publish_count = 1};
    ck_assert_int_eq (disp_codec_encode_tick (&tp, &frame, &len), 0);
    s_expect_error (&a, frame, len, DISP_ERR_BAD_VALUE, "tick.publish[0].topic");

    s_peer_close (&a);
    s_peer_close (&b);
    s_peer_close (&a2);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.protocol, 1);
    ck_assert_uint_eq (stats.sessions_opened, 3);
    ck_assert_uint_ge (stats.sessions_closed, 1); /* the owner's, when its connection closed (and maybe the others) */
    ck_assert_uint_eq (stats.sessions_expired, 0);
    map_net_destroy (&net);
}
END_TEST

/* --idle-timeout bounds how long a silent session lingers, whatever heartbeat period its client promised. */
START_TEST (test_idle_sessions_are_forgotten)
{
    map_net_t *net = s_wuhan ();
    const map_graph_t *g = map_net_graph (net);
    s_service_t *svc =
        s_service_start_with (&(disp_server_opts_t){.bind = "tcp://127.0.0.1:0", .limits = {.idle_timeout_ms = 300}});
    s_peer_t p = s_peer (svc->bind);
    disp_hello_t h = s_hello (map_graph_fingerprint (g), 10);
    h.heartbeat_ms = 60000; /* a promise of a word a minute: 10 minutes of silence by that rule */
    s_expect_hello_reply (&p, &h, g);
    zmq_pollitem_t item = {p.sock, 0, ZMQ_POLLIN, 0};
    ck_assert_int_eq (zmq_poll (&item, 1, 1000), 0); /* a second of silence on both sides */
    disp_tick_t t = {.step = 1, .now_ms = 0};
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_expect_error (&p, frame, len, DISP_ERR_NO_SESSION, "tick without a session");
    s_peer_close (&p);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.sessions_expired, 1);
    map_net_destroy (&net);
}
END_TEST

/* Clients that ask for maps and leave before the worker gets to them leave no work behind: their builds are dropped
 * from the queue. */
START_TEST (test_abandoned_map_builds_are_dropped)
{
    s_service_t *svc = s_service_start (0);
    s_peer_t big = s_peer (svc->bind);
    disp_hello_t h = s_hello (0, 10);
    h.mode = DISP_MODE_LIVE;
    h.map.grid_m = 150.0; /* keeps the worker busy for a while */
    strcpy (h.session, "big");
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    s_peer_send_one (&big, frame, len);
    free (frame);
    /* its answer (no session yet: the map is being built) shows the big Hello came first */
    disp_tick_t t0 = {.step = 1};
    ck_assert_int_eq (disp_codec_encode_tick (&t0, &frame, &len), 0);
    s_expect_error (&big, frame, len, DISP_ERR_NO_SESSION, "without a session");
    for (int i = 0; i < 5; i++) {
        s_peer_t p = s_peer (svc->bind);
        disp_hello_t hi = h;
        hi.map.grid_m = 400.0 + 10 * i;
        snprintf (hi.session, sizeof hi.session, "leaves %d", i);
        ck_assert_int_eq (disp_codec_encode_hello (&hi, &frame, &len), 0);
        s_peer_send_one (&p, frame, len);
        free (frame);
        ck_assert_int_eq (disp_codec_encode_bye ("never mind", &frame, &len), 0);
        s_peer_send_one (&p, frame, len);
        free (frame);
        /* a tick, refused, shows both were handled */
        disp_tick_t t = {.step = 1};
        ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
        s_expect_error (&p, frame, len, DISP_ERR_NO_SESSION, "without a session");
        s_peer_close (&p);
    }
    disp_msg_t msg;
    s_peer_recv (&big, &msg, NULL);
    ck_assert_msg (msg.kind == DISP_MSG_HELLO_REPLY, "kind %d: %s", msg.kind, msg.error.message);
    disp_msg_clear (&msg);
    s_peer_close (&big);
    disp_server_stats_t stats = s_service_stop (svc);
    ck_assert_uint_eq (stats.map_builds, 1);
    ck_assert_uint_eq (stats.sessions_opened, 1);
}
END_TEST

/* The README's CURVE example keeps a client's key pair (NAME and NAME_secret, the same public key twice) in the
 * clients' folder: the service admits the key once and starts (it used to abort in CZMQ's certificate store). */
START_TEST (test_curve_folder_with_a_key_pair_starts)
{
    char *dir = s_temp_dir (), server[300], clients[300], sim[400];
    snprintf (server, sizeof server, "%s/server", dir);
    snprintf (clients, sizeof clients, "%s/clients", dir);
    snprintf (sim, sizeof sim, "%s/sim", clients);
    ck_assert_int_eq (mkdir (clients, 0700), 0);
    char err[512] = "";
    ck_assert_msg (disp_curve_keygen (server, err, sizeof err) == 0, "%s", err);
    ck_assert_msg (disp_curve_keygen (sim, err, sizeof err) == 0, "%s", err);
    disp_server_opts_t opts = {.bind = "tcp://127.0.0.1:0", .curve_secret = server, .curve_clients = clients};
    disp_server_t *server_p = disp_server_new (&opts, err, sizeof err);
    ck_assert_msg (server_p != NULL, "%s", err);
    disp_server_destroy (&server_p);
    s_remove_tree (dir);
    free (dir);
}
END_TEST

static Suite *s_suite (void)
{
    Suite *s = suite_create ("disp_server");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_inproc_and_zmq_agree);
    tcase_add_test (core, test_publications_reach_subscribers);
    tcase_add_test (core, test_sessions_hello_again_and_bye);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_malformed_frames_keep_serving);
    tcase_add_test (limits, test_hello_refusals);
    tcase_add_test (limits, test_link_without_dispatcher);
    tcase_add_test (limits, test_tool_usage_and_bind_failure);
    tcase_add_test (limits, test_tool_serves_and_stops);
    tcase_add_test (limits, test_oversized_frames_get_too_large);
    tcase_add_test (limits, test_heartbeats_and_silent_sessions);
    suite_add_tcase (s, limits);
    TCase *live = tcase_create ("live");
    tcase_add_test (live, test_live_requests_get_assignments_as_made);
    tcase_add_test (live, test_live_bad_position_is_refused_and_serving_goes_on);
    suite_add_tcase (s, live);
    TCase *recovery = tcase_create ("recovery");
    tcase_add_test (recovery, test_link_resumes_on_a_restarted_dispatcher);
    tcase_add_test (recovery, test_link_without_recovery_reports_the_loss);
    tcase_add_test (recovery, test_quiet_between_ticks_is_no_lost_dispatcher);
    tcase_add_test (recovery, test_live_link_resends_waiting_riders);
    suite_add_tcase (s, recovery);
    TCase *security = tcase_create ("security");
    tcase_add_test (security, test_clients_never_name_host_files);
    tcase_add_test (security, test_limits_refuse_and_serving_goes_on);
    tcase_add_test (security, test_map_cache_normalised_and_bounded);
    tcase_add_test (security, test_a_map_build_stalls_no_other_session);
    tcase_add_test (security, test_sessions_belong_to_their_connection);
    tcase_add_test (security, test_idle_sessions_are_forgotten);
    tcase_add_test (security, test_abandoned_map_builds_are_dropped);
    tcase_add_test (security, test_curve_folder_with_a_key_pair_starts);
    suite_add_tcase (s, security);
    return s;
}

int main (void)
{
    return rt_check_run (s_suite ());
}
