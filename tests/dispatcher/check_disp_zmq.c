/* check_disp_zmq: the metrics publisher as a subscriber sees it. Every message is numbered per topic and stamped
 * with the publisher and the session; a late subscriber that follows the Clone procedure (subscribe, ask the state,
 * drop what the state holds) ends up with every message exactly once; a subscriber that does not read never slows
 * the publisher and sees the gap; malformed state requests are dropped and counted. No sleeps: every wait is a
 * zmq_poll with a timeout. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "disp_zmq.h"
#include "robotaxi.pb-c.h"
#include "rt_sub.h"

#define S_WAIT_MS 10000 /* generous: sanitizer builds are slow */
#define S_FLOOD   100000

/* ---- snapshots ---- */

/* An encoded MetricsSnapshot shaped like the simulator's (both fleets, drivers, choice, displacement: ~300 bytes),
 * told apart by kind and sim_time_ms. */
static uint8_t *s_snapshot (int final, int64_t sim_time_ms, size_t *len)
{
    Robotaxi__V1__MetricsSnapshot s = ROBOTAXI__V1__METRICS_SNAPSHOT__INIT;
    Robotaxi__V1__FleetMetrics fleets[2], *fleet_ptrs[2];
    Robotaxi__V1__DriverMetrics drivers = ROBOTAXI__V1__DRIVER_METRICS__INIT;
    Robotaxi__V1__ChoiceMetrics choice = ROBOTAXI__V1__CHOICE_METRICS__INIT;
    Robotaxi__V1__Displacement displacement = ROBOTAXI__V1__DISPLACEMENT__INIT;
    for (int f = 0; f < 2; f++) {
        robotaxi__v1__fleet_metrics__init (&fleets[f]);
        fleets[f].fleet = f;
        fleets[f].vehicles = 400 + f;
        fleets[f].online = 380;
        fleets[f].requests = 7000 + (uint64_t)sim_time_ms / 1000;
        fleets[f].served = 6500;
        fleets[f].unserved = 500;
        fleets[f].util_occupied = 0.41;
        fleets[f].util_pickup = 0.12;
        fleets[f].util_idle = 0.47;
        fleets[f].empty_km_share = 0.33;
        fleets[f].km_driven = 123456.7;
        fleets[f].revenue_yuan = 98765.43;
        fleets[f].mean_wait_s = 301.5;
        fleets[f].p95_wait_s = 702.25;
        fleets[f].hours_online = 9000.5;
        fleets[f].hours_occupied = 3700.25;
        fleet_ptrs[f] = &fleets[f];
    }
    drivers.drivers = 3200;
    drivers.net_hourly_yuan = 31.5;
    choice.considered = 80000;
    choice.chose_robotaxi = 800;
    displacement.trips_moved = 700;
    s.kind = final ? ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_FINAL
                   : ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_PERIODIC;
    s.sim_time_ms = sim_time_ms;
    s.day = 1;
    s.scenario = "check";
    s.seed = 42;
    s.n_fleets = 2;
    s.fleets = fleet_ptrs;
    s.drivers = &drivers;
    s.choice = &choice;
    s.displacement = &displacement;
    *len = robotaxi__v1__metrics_snapshot__get_packed_size (&s);
    uint8_t *buf = malloc (*len);
    ck_assert_ptr_nonnull (buf);
    robotaxi__v1__metrics_snapshot__pack (&s, buf);
    return buf;
}

/* Publishes a snapshot of `session` on "metrics.final" or "metrics.periodic". Returns disp_pub_send's result. */
static int s_publish (disp_pub_t *pub, const char *session, int final, int64_t sim_time_ms)
{
    disp_publication_t p = {.topic = "metrics.periodic"};
    if (final) snprintf (p.topic, sizeof p.topic, "metrics.final");
    p.payload = s_snapshot (final, sim_time_ms, &p.payload_len);
    int rc = disp_pub_send (pub, &p, session);
    free (p.payload);
    return rc;
}

/* ---- sockets ---- */

static void *s_socket (void *ctx, int type, int rcvhwm)
{
    void *sock = zmq_socket (ctx, type);
    int linger = 0;
    ck_assert_ptr_nonnull (sock);
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (sock, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm);
    return sock;
}

/* A subscriber to "metrics." whose subscription has reached pub (so nothing published after this is lost to it
 * except by its own high-water mark). */
static void *s_subscriber (void *ctx, disp_pub_t *pub, int rcvhwm)
{
    void *sub = s_socket (ctx, ZMQ_SUB, rcvhwm);
    ck_assert_int_eq (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "metrics.", 8), 0);
    ck_assert_int_eq (zmq_connect (sub, disp_pub_endpoint (pub)), 0);
    uint64_t before = disp_pub_subscribers (pub);
    ck_assert_uint_eq (disp_pub_wait (pub, before + 1, S_WAIT_MS), before + 1);
    return sub;
}


/* Serves the state endpoint until `handled` requests (answered or dropped) were handled in all. */
static void s_serve_until (disp_pub_t *pub, uint64_t handled)
{
    for (int i = 0; i < S_WAIT_MS / 100; i++) {
        disp_pub_stats_t st;
        disp_pub_stats (pub, &st);
        if (st.state_replies + st.state_malformed >= handled) return;
        zmq_pollitem_t item = {disp_pub_state_socket (pub), 0, ZMQ_POLLIN, 0};
        zmq_poll (&item, 1, 100);
        ck_assert_int_ge (disp_pub_serve_state (pub), 0);
    }
    ck_abort_msg ("the state requests never arrived");
}

/* Receives one StateReply on a DEALER (one frame) or REQ. NULL when nothing came within timeout_ms. */
static Robotaxi__V1__StateReply *s_state_recv (void *sock, int timeout_ms)
{
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, timeout_ms) != 1) return NULL;
    zmq_msg_t m;
    zmq_msg_init (&m);
    ck_assert_int_ge (zmq_msg_recv (&m, sock, 0), 0);
    ck_assert (!zmq_msg_more (&m));
    Robotaxi__V1__StateReply *r = robotaxi__v1__state_reply__unpack (NULL, zmq_msg_size (&m), zmq_msg_data (&m));
    zmq_msg_close (&m);
    ck_assert_ptr_nonnull (r);
    return r;
}

static void s_state_ask (void *sock, const char *prefix)
{
    Robotaxi__V1__StateRequest req = ROBOTAXI__V1__STATE_REQUEST__INIT;
    req.topic_prefix = (char *)prefix;
    uint8_t buf[512];
    size_t len = robotaxi__v1__state_request__pack (&req, buf);
    ck_assert_int_ge (zmq_send (sock, buf, len, 0), 0);
}

static const Robotaxi__V1__TopicState *s_topic (const Robotaxi__V1__StateReply *r, const char *topic)
{
    for (size_t i = 0; i < r->n_topics; i++)
        if (strcmp (r->topics[i]->topic, topic) == 0) return r->topics[i];
    return NULL;
}

static disp_pub_t *s_pub_new (void *ctx, int with_state)
{
    char err[256] = "";
    disp_pub_t *pub =
        disp_pub_new (ctx, "tcp://127.0.0.1:0", with_state ? "tcp://127.0.0.1:0" : NULL, err, sizeof err);
    ck_assert_msg (pub != NULL, "%s", err);
    return pub;
}

/* ---- core ---- */

START_TEST (test_every_message_numbered_per_topic_and_stamped)
{
    void *ctx = zmq_ctx_new ();
    disp_pub_t *pub = s_pub_new (ctx, 0);
    ck_assert_ptr_null (disp_pub_state_endpoint (pub));
    void *sub = s_subscriber (ctx, pub, 1000);

    ck_assert_int_eq (s_publish (pub, "run A", 0, 1000), 0);
    ck_assert_int_eq (s_publish (pub, "run B", 0, 2000), 0);
    ck_assert_int_eq (s_publish (pub, "run A", 1, 3000), 0);
    /* a topic nobody subscribed to counts on its own */
    disp_publication_t other = {.topic = "other.topic"};
    other.payload = s_snapshot (0, 0, &other.payload_len);
    ck_assert_int_eq (disp_pub_send (pub, &other, "run A"), 0);
    free (other.payload);
    ck_assert_int_eq (s_publish (pub, NULL, 0, 4000), 0);

    const char *topics[] = {"metrics.periodic", "metrics.periodic", "metrics.final", "metrics.periodic"};
    const uint64_t seqs[] = {1, 2, 1, 3};
    const char *sessions[] = {"run A", "run B", "run A", ""};
    for (int i = 0; i < 4; i++) {
        char topic[64];
        Robotaxi__V1__MetricsSnapshot *s = rt_sub_recv (sub, S_WAIT_MS, topic, sizeof topic);
        ck_assert_ptr_nonnull (s);
        ck_assert_str_eq (topic, topics[i]);
        ck_assert_uint_eq (s->seq, seqs[i]);
        ck_assert_str_eq (s->publisher, disp_pub_id (pub));
        ck_assert_str_eq (s->session, sessions[i]);
        /* the figures travel untouched */
        ck_assert_int_eq (s->sim_time_ms, (i + 1) * 1000);
        ck_assert_uint_eq (s->n_fleets, 2);
        ck_assert_uint_eq (s->fleets[1]->requests, 7000 + (uint64_t)(i + 1));
        ck_assert (s->fleets[1]->revenue_yuan == 98765.43);
        ck_assert_uint_eq (s->displacement->trips_moved, 700);
        robotaxi__v1__metrics_snapshot__free_unpacked (s, NULL);
    }
    disp_pub_stats_t st;
    disp_pub_stats (pub, &st);
    ck_assert_uint_eq (st.sent, 5);
    ck_assert_uint_eq (st.dropped + st.rejected, 0);

    /* another publisher (a restart) has another id, and starts at 1 again */
    disp_pub_t *again = s_pub_new (ctx, 0);
    ck_assert_str_ne (disp_pub_id (again), disp_pub_id (pub));
    ck_assert_int_gt (strlen (disp_pub_id (again)), 0);
    disp_pub_destroy (&again);
    ck_assert_ptr_null (again);

    zmq_close (sub);
    disp_pub_destroy (&pub);
    zmq_ctx_term (ctx);
}
END_TEST

/* The Clone procedure: a late subscriber subscribes, asks the state, and keeps only stream messages numbered past
 * the state's. Messages published between its subscription and the state reach it twice (stream and state); the
 * numbers make it drop them, and nothing is missing. */
START_TEST (test_late_subscriber_gets_state_then_stream_without_duplicates_or_gaps)
{
    void *ctx = zmq_ctx_new ();
    disp_pub_t *pub = s_pub_new (ctx, 1);
    ck_assert_ptr_nonnull (disp_pub_state_endpoint (pub));
    /* before anyone listens: periodic 1..6 from two sessions, and A's final */
    for (int i = 1; i <= 6; i++)
        s_publish (pub, i % 2 ? "A" : "B", 0, i * 1000);
    s_publish (pub, "A", 1, 99000);

    void *sub = s_subscriber (ctx, pub, 1000);
    /* published after the subscription, before the state is taken: on the stream and in the state */
    s_publish (pub, "A", 0, 7000);
    s_publish (pub, "B", 0, 8000);
    void *dealer = s_socket (ctx, ZMQ_DEALER, 1000);
    ck_assert_int_eq (zmq_connect (dealer, disp_pub_state_endpoint (pub)), 0);
    s_state_ask (dealer, "metrics.");
    s_serve_until (pub, 1);
    /* after the state */
    s_publish (pub, "A", 0, 9000);
    s_publish (pub, "B", 0, 10000);
    s_publish (pub, "B", 1, 199000);

    /* The state: each topic's last number, each session's latest snapshot, the one updated longest ago first. */
    Robotaxi__V1__StateReply *r = s_state_recv (dealer, S_WAIT_MS);
    ck_assert_ptr_nonnull (r);
    ck_assert_str_eq (r->publisher, disp_pub_id (pub));
    ck_assert_uint_eq (r->n_topics, 2);
    const Robotaxi__V1__TopicState *periodic = s_topic (r, "metrics.periodic"), *final = s_topic (r, "metrics.final");
    ck_assert_ptr_nonnull (periodic);
    ck_assert_ptr_nonnull (final);
    ck_assert_uint_eq (periodic->seq, 8);
    ck_assert_uint_eq (periodic->n_latest, 2);
    ck_assert_str_eq (periodic->latest[0]->session, "A");
    ck_assert_int_eq (periodic->latest[0]->sim_time_ms, 7000);
    ck_assert_uint_eq (periodic->latest[0]->seq, 7);
    ck_assert_str_eq (periodic->latest[1]->session, "B");
    ck_assert_int_eq (periodic->latest[1]->sim_time_ms, 8000);
    ck_assert_uint_eq (final->seq, 1);
    ck_assert_uint_eq (final->n_latest, 1);
    ck_assert_int_eq (final->latest[0]->sim_time_ms, 99000);
    ck_assert_str_eq (final->latest[0]->publisher, disp_pub_id (pub));

    /* The stream from the subscription on, filtered by the state's numbers. */
    uint64_t last_periodic = periodic->seq, last_final = final->seq;
    int64_t kept[8];
    int kept_count = 0, dropped = 0;
    for (;;) {
        char topic[64];
        Robotaxi__V1__MetricsSnapshot *s = rt_sub_recv (sub, S_WAIT_MS, topic, sizeof topic);
        ck_assert_msg (s != NULL, "the stream stopped before B's final");
        uint64_t *last = strcmp (topic, "metrics.final") == 0 ? &last_final : &last_periodic;
        if (s->seq <= *last) {
            dropped++;
        } else {
            ck_assert_uint_eq (s->seq, *last + 1); /* no gap */
            *last = s->seq;
            ck_assert_int_lt (kept_count, 8);
            kept[kept_count++] = s->sim_time_ms;
        }
        int done = s->sim_time_ms == 199000;
        robotaxi__v1__metrics_snapshot__free_unpacked (s, NULL);
        if (done) break;
    }
    ck_assert_int_eq (dropped, 2); /* 7000 and 8000: already in the state */
    ck_assert_int_eq (kept_count, 3);
    ck_assert_int_eq (kept[0], 9000);
    ck_assert_int_eq (kept[1], 10000);
    ck_assert_int_eq (kept[2], 199000);
    ck_assert_uint_eq (last_periodic, 10);
    ck_assert_uint_eq (last_final, 2);
    robotaxi__v1__state_reply__free_unpacked (r, NULL);

    zmq_close (dealer);
    zmq_close (sub);
    disp_pub_destroy (&pub);
    zmq_ctx_term (ctx);
}
END_TEST

/* A subscriber with a receive high-water mark of 1 that does not read while 100000 realistic snapshots go out: every
 * send returns (the test would hang otherwise), the publisher counts them all as sent, and the subscriber, when it
 * reads at last, sees numbers missing, never repeated or out of order. */
START_TEST (test_slow_subscriber_never_blocks_the_publisher_and_sees_the_gap)
{
    void *ctx = zmq_ctx_new ();
    disp_pub_t *pub = s_pub_new (ctx, 0);
    void *slow = s_subscriber (ctx, pub, 1);
    disp_publication_t p = {.topic = "metrics.periodic"};
    p.payload = s_snapshot (0, 1000, &p.payload_len);
    ck_assert_uint_gt (p.payload_len, 200);
    for (int i = 0; i < S_FLOOD; i++)
        ck_assert_int_eq (disp_pub_send (pub, &p, "flood"), 0);
    disp_pub_stats_t st;
    disp_pub_stats (pub, &st);
    ck_assert_uint_eq (st.sent, S_FLOOD);
    ck_assert_uint_eq (st.dropped + st.rejected, 0);

    /* Now it reads. What was queued arrives first; then one more message at a time until one past the flood gets
     * through, so the reading ends on an event, not on a timer. */
    uint64_t received = 0, last = 0, gaps = 0, missing = 0, extra = 0;
    while (last <= S_FLOOD) {
        char topic[64];
        Robotaxi__V1__MetricsSnapshot *s = rt_sub_recv (slow, 100, topic, sizeof topic);
        if (!s) {
            ck_assert_uint_lt (extra, 1000);
            ck_assert_int_eq (disp_pub_send (pub, &p, "flood"), 0);
            extra++;
            continue;
        }
        ck_assert_uint_gt (s->seq, last); /* in order, never twice */
        if (s->seq > last + 1) {
            gaps++;
            missing += s->seq - last - 1;
        }
        last = s->seq;
        received++;
        robotaxi__v1__metrics_snapshot__free_unpacked (s, NULL);
    }
    ck_assert_uint_ge (gaps, 1);
    ck_assert_uint_eq (received + missing, last); /* every number is either received or reported missing */
    ck_assert_uint_lt (received, S_FLOOD);
    disp_pub_stats (pub, &st);
    ck_assert_uint_eq (st.sent, S_FLOOD + extra);
    free (p.payload);
    zmq_close (slow);
    disp_pub_destroy (&pub);
    zmq_ctx_term (ctx);
}
END_TEST

/* ---- limits ---- */

START_TEST (test_malformed_state_requests_are_dropped_and_counted)
{
    void *ctx = zmq_ctx_new ();
    disp_pub_t *pub = s_pub_new (ctx, 1);
    s_publish (pub, "A", 0, 1000);
    s_publish (pub, "A", 1, 2000);
    void *dealer = s_socket (ctx, ZMQ_DEALER, 1000);
    ck_assert_int_eq (zmq_connect (dealer, disp_pub_state_endpoint (pub)), 0);

    const char garbage[] = "\xff\xff\xff\xff this is not protobuf";
    ck_assert_int_ge (zmq_send (dealer, garbage, sizeof garbage, 0), 0);
    ck_assert_int_ge (zmq_send (dealer, "x", 1, ZMQ_SNDMORE), 0); /* two frames, no empty delimiter */
    ck_assert_int_ge (zmq_send (dealer, "y", 1, 0), 0);
    char long_prefix[DISP_PUB_PREFIX_MAX + 2];
    memset (long_prefix, 'm', sizeof long_prefix - 1);
    long_prefix[sizeof long_prefix - 1] = '\0';
    s_state_ask (dealer, long_prefix);
    s_state_ask (dealer, "metrics.final");
    s_serve_until (pub, 4);

    /* Only the good request was answered: the first reply the DEALER gets is its, with the final topic only. */
    Robotaxi__V1__StateReply *r = s_state_recv (dealer, S_WAIT_MS);
    ck_assert_ptr_nonnull (r);
    ck_assert_uint_eq (r->n_topics, 1);
    ck_assert_str_eq (r->topics[0]->topic, "metrics.final");
    ck_assert_int_eq (r->topics[0]->latest[0]->sim_time_ms, 2000);
    robotaxi__v1__state_reply__free_unpacked (r, NULL);
    disp_pub_stats_t st;
    disp_pub_stats (pub, &st);
    ck_assert_uint_eq (st.state_malformed, 3);
    ck_assert_uint_eq (st.state_replies, 1);

    /* A REQ peer (empty delimiter frame) is answered too; a prefix matching nothing gives an empty state. */
    void *req = s_socket (ctx, ZMQ_REQ, 1000);
    ck_assert_int_eq (zmq_connect (req, disp_pub_state_endpoint (pub)), 0);
    s_state_ask (req, "");
    s_serve_until (pub, 5);
    r = s_state_recv (req, S_WAIT_MS);
    ck_assert_ptr_nonnull (r);
    ck_assert_uint_eq (r->n_topics, 2);
    robotaxi__v1__state_reply__free_unpacked (r, NULL);
    s_state_ask (req, "nothing.");
    s_serve_until (pub, 6);
    r = s_state_recv (req, S_WAIT_MS);
    ck_assert_ptr_nonnull (r);
    ck_assert_uint_eq (r->n_topics, 0);
    ck_assert_str_eq (r->publisher, disp_pub_id (pub));
    robotaxi__v1__state_reply__free_unpacked (r, NULL);

    zmq_close (req);
    zmq_close (dealer);
    disp_pub_destroy (&pub);
    zmq_ctx_term (ctx);
}
END_TEST

START_TEST (test_bad_payload_is_rejected_without_spending_a_number)
{
    void *ctx = zmq_ctx_new ();
    disp_pub_t *pub = s_pub_new (ctx, 0);
    void *sub = s_subscriber (ctx, pub, 1000);
    uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff};
    disp_publication_t bad = {.topic = "metrics.periodic", .payload = garbage, .payload_len = sizeof garbage};
    ck_assert_int_eq (disp_pub_send (pub, &bad, "A"), -1);
    ck_assert_int_eq (s_publish (pub, "A", 0, 1000), 0);
    char topic[64];
    Robotaxi__V1__MetricsSnapshot *s = rt_sub_recv (sub, S_WAIT_MS, topic, sizeof topic);
    ck_assert_ptr_nonnull (s);
    ck_assert_uint_eq (s->seq, 1);
    robotaxi__v1__metrics_snapshot__free_unpacked (s, NULL);
    disp_pub_stats_t st;
    disp_pub_stats (pub, &st);
    ck_assert_uint_eq (st.rejected, 1);
    ck_assert_uint_eq (st.sent, 1);
    zmq_close (sub);
    disp_pub_destroy (&pub);
    zmq_ctx_term (ctx);
}
END_TEST

/* The publisher's memory is bounded: topics past DISP_PUB_TOPICS_MAX are refused, and per topic only the latest
 * DISP_PUB_SESSIONS_MAX sessions are kept (the one silent longest goes first). */
START_TEST (test_topics_and_sessions_are_bounded)
{
    void *ctx = zmq_ctx_new ();
    disp_pub_t *pub = s_pub_new (ctx, 1);
    for (int k = 0; k <= DISP_PUB_SESSIONS_MAX; k++) {
        char session[32];
        snprintf (session, sizeof session, "session %d", k);
        s_publish (pub, session, 0, k * 1000);
    }
    s_publish (pub, "session 1", 0, 999000); /* session 1 is now the most recent */

    void *req = s_socket (ctx, ZMQ_REQ, 1000);
    ck_assert_int_eq (zmq_connect (req, disp_pub_state_endpoint (pub)), 0);
    s_state_ask (req, "metrics.periodic");
    s_serve_until (pub, 1);
    Robotaxi__V1__StateReply *r = s_state_recv (req, S_WAIT_MS);
    ck_assert_ptr_nonnull (r);
    ck_assert_uint_eq (r->n_topics, 1);
    const Robotaxi__V1__TopicState *t = r->topics[0];
    ck_assert_uint_eq (t->seq, DISP_PUB_SESSIONS_MAX + 2);
    ck_assert_uint_eq (t->n_latest, DISP_PUB_SESSIONS_MAX);
    ck_assert_str_eq (t->latest[0]->session, "session 2");
    ck_assert_str_eq (t->latest[DISP_PUB_SESSIONS_MAX - 2]->session, "session 64");
    ck_assert_str_eq (t->latest[DISP_PUB_SESSIONS_MAX - 1]->session, "session 1");
    ck_assert_int_eq (t->latest[DISP_PUB_SESSIONS_MAX - 1]->sim_time_ms, 999000);
    for (size_t k = 0; k < t->n_latest; k++)
        ck_assert_str_ne (t->latest[k]->session, "session 0");
    robotaxi__v1__state_reply__free_unpacked (r, NULL);
    disp_pub_stats_t st;
    disp_pub_stats (pub, &st);
    ck_assert_uint_eq (st.rejected, 0);

    /* metrics.periodic is one topic; the table takes DISP_PUB_TOPICS_MAX - 1 more */
    disp_publication_t p;
    p.payload = s_snapshot (0, 0, &p.payload_len);
    for (int i = 1; i < DISP_PUB_TOPICS_MAX; i++) {
        snprintf (p.topic, sizeof p.topic, "t.%d", i);
        ck_assert_int_eq (disp_pub_send (pub, &p, "A"), 0);
    }
    snprintf (p.topic, sizeof p.topic, "t.one.more");
    ck_assert_int_eq (disp_pub_send (pub, &p, "A"), -1);
    snprintf (p.topic, sizeof p.topic, "metrics.periodic");
    ck_assert_int_eq (disp_pub_send (pub, &p, "A"), 0);
    free (p.payload);
    disp_pub_stats (pub, &st);
    ck_assert_uint_eq (st.rejected, 1);
    zmq_close (req);
    disp_pub_destroy (&pub);
    zmq_ctx_term (ctx);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("disp_zmq");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_every_message_numbered_per_topic_and_stamped);
    tcase_add_test (core, test_late_subscriber_gets_state_then_stream_without_duplicates_or_gaps);
    tcase_add_test (core, test_slow_subscriber_never_blocks_the_publisher_and_sees_the_gap);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_malformed_state_requests_are_dropped_and_counted);
    tcase_add_test (limits, test_bad_payload_is_rejected_without_spending_a_number);
    tcase_add_test (limits, test_topics_and_sessions_are_bounded);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
