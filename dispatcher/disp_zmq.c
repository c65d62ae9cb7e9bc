/* disp_zmq: socket limits, binding, and the metrics publisher with its sequence numbers and state endpoint. */
#include "disp_zmq.h"
#include "map_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "disp_codec.h"

#define S_STATE_BATCH   64 /* state requests answered per call, so a flood cannot starve the caller's loop */
#define S_SESSION_MAX   64 /* bytes kept of a session name, as disp_hello_t.session */
#define S_ID_MAX        128

/* The latest snapshot one session published on a topic, as sent (numbered and stamped). */
typedef struct {
    char session[S_SESSION_MAX];
    uint8_t *payload;
    size_t len;
} s_latest_t;

/* One topic: its last sequence number and each session's latest snapshot, the least recently updated first. */
typedef struct {
    char topic[sizeof ((disp_publication_t *)0)->topic];
    uint64_t seq;
    s_latest_t latest[DISP_PUB_SESSIONS_MAX];
    size_t latest_count;
} s_topic_t;

struct disp_pub_t {
    void *xpub;
    void *state; /* ROUTER, NULL without a state endpoint */
    char endpoint[DISP_ZMQ_ENDPOINT_MAX];
    char state_endpoint[DISP_ZMQ_ENDPOINT_MAX];
    char id[S_ID_MAX];
    uint64_t subscribers;
    s_topic_t *topics; /* DISP_PUB_TOPICS_MAX of them, topic_count in use, in order of first use */
    size_t topic_count;
    disp_pub_stats_t stats;
};

int disp_zmq_limits (void *sock, int linger_ms)
{
    int64_t max_bytes = DISP_ZMQ_MAX_MSG_BYTES;
    int hwm = DISP_ZMQ_HWM;
    if (zmq_setsockopt (sock, ZMQ_MAXMSGSIZE, &max_bytes, sizeof max_bytes) ||
        zmq_setsockopt (sock, ZMQ_RCVHWM, &hwm, sizeof hwm) || zmq_setsockopt (sock, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt (sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms))
        return -1;
    return 0;
}

void *disp_zmq_bind (void *ctx, int type, const char *endpoint, disp_curve_t *curve, char *resolved, char *err,
                     size_t errlen)
{
    void *sock = ctx ? zmq_socket (ctx, type) : NULL;
    if (!sock) {
        map_error (err, errlen, "%s: cannot create a socket: %s", endpoint, zmq_strerror (zmq_errno ()));
        return NULL;
    }
    int mandatory = 0, verbose = 1;
    if (disp_zmq_limits (sock, 0) ||
        (type == ZMQ_ROUTER && zmq_setsockopt (sock, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory))
        /* Without XPUB_VERBOSE only the first subscriber to a topic would be reported. */
        || (type == ZMQ_XPUB && zmq_setsockopt (sock, ZMQ_XPUB_VERBOSE, &verbose, sizeof verbose))) {
        map_error (err, errlen, "%s: cannot set socket options: %s", endpoint, zmq_strerror (zmq_errno ()));
        zmq_close (sock);
        return NULL;
    }
    char why[256];
    if (curve && disp_curve_server_apply (curve, sock, why, sizeof why) != 0) {
        map_error (err, errlen, "%s: %s", endpoint, why);
        zmq_close (sock);
        return NULL;
    }
    if (zmq_bind (sock, endpoint) != 0) {
        map_error (err, errlen, "%s: bind failed: %s", endpoint, zmq_strerror (zmq_errno ()));
        zmq_close (sock);
        return NULL;
    }
    size_t size = DISP_ZMQ_ENDPOINT_MAX;
    if (zmq_getsockopt (sock, ZMQ_LAST_ENDPOINT, resolved, &size) != 0)
        snprintf (resolved, DISP_ZMQ_ENDPOINT_MAX, "%s", endpoint);
    return sock;
}

/* An id that differs between publishers, in one process or across restarts. Only shown, never decided on: the wall
 * clock is fine here. */
static void s_make_id (char *id, size_t size)
{
    char host[64] = "";
    if (gethostname (host, sizeof host - 1) != 0 || host[0] == '\0') snprintf (host, sizeof host, "localhost");
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    snprintf (id, size, "%s-%ld-%lld.%09ld", host, (long)getpid (), (long long)ts.tv_sec, (long)ts.tv_nsec);
}

int64_t disp_zmq_clock_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int disp_zmq_router_recv (void *router, disp_zmq_request_t *req)
{
    memset (req, 0, sizeof *req);
    size_t total = 0;
    int more = 1;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init (&part);
        if (zmq_msg_recv (&part, router, ZMQ_DONTWAIT) < 0) {
            int e = zmq_errno ();
            zmq_msg_close (&part);
            disp_zmq_request_close (req);
            /* Parts of one message arrive together, so only an empty queue can come before the first part. */
            return total == 0 && (e == EAGAIN || e == EINTR) ? 0 : -1;
        }
        more = zmq_msg_more (&part);
        if (req->count_ < 3) {
            zmq_msg_init (&req->parts_[req->count_]);
            zmq_msg_move (&req->parts_[req->count_++], &part);
        }
        zmq_msg_close (&part);
        total++;
    }
    req->id = zmq_msg_data (&req->parts_[0]);
    req->id_len = zmq_msg_size (&req->parts_[0]);
    req->frames = total - 1;
    int empty_second = total >= 3 && zmq_msg_size (&req->parts_[1]) == 0;
    req->delimiter = empty_second;
    req->well_formed = total == 2 || (total == 3 && empty_second);
    zmq_msg_t *last = &req->parts_[req->count_ - 1];
    req->payload = total >= 2 ? zmq_msg_data (last) : NULL;
    req->payload_len = total >= 2 ? zmq_msg_size (last) : 0;
    /* Connection properties, set by ZeroMQ and the authenticator, never by what the peer wrote in its frames. */
    const char *peer = total >= 2 ? zmq_msg_gets (last, "Peer-Address") : NULL;
    const char *key = total >= 2 ? zmq_msg_gets (last, DISP_CURVE_KEY_PROPERTY) : NULL;
    snprintf (req->peer, sizeof req->peer, "%s", peer ? peer : "");
    snprintf (req->key, sizeof req->key, "%s", key ? key : "");
    req->fd = total >= 2 ? zmq_msg_get (last, ZMQ_SRCFD) : -1;
    return 1;
}

void disp_zmq_request_close (disp_zmq_request_t *req)
{
    for (size_t i = 0; i < req->count_; i++)
        zmq_msg_close (&req->parts_[i]);
    req->count_ = 0;
}

int disp_zmq_router_send (void *router, const uint8_t *id, size_t id_len, int delimiter, const void *frame,
                          size_t len)
{
    if (zmq_send (router, id, id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) return -1;
    if (delimiter && zmq_send (router, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) return -1;
    return zmq_send (router, frame, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

disp_pub_t *disp_pub_new (void *ctx, const char *endpoint, const char *state_endpoint, char *err, size_t errlen)
{
    return disp_pub_new_curve (ctx, endpoint, state_endpoint, NULL, err, errlen);
}

disp_pub_t *disp_pub_new_curve (void *ctx, const char *endpoint, const char *state_endpoint, disp_curve_t *curve,
                                char *err, size_t errlen)
{
    disp_pub_t *self = calloc (1, sizeof *self);
    if (self) self->topics = calloc (DISP_PUB_TOPICS_MAX, sizeof *self->topics);
    if (!self || !self->topics) {
        map_error (err, errlen, "%s: out of memory", endpoint);
        goto fail;
    }
    s_make_id (self->id, sizeof self->id);
    self->xpub = disp_zmq_bind (ctx, ZMQ_XPUB, endpoint, curve, self->endpoint, err, errlen);
    if (!self->xpub) goto fail;
    if (state_endpoint) {
        self->state = disp_zmq_bind (ctx, ZMQ_ROUTER, state_endpoint, curve, self->state_endpoint, err, errlen);
        if (!self->state) goto fail;
    }
    return self;
fail:
    disp_pub_destroy (&self);
    return NULL;
}

void disp_pub_destroy (disp_pub_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_pub_t *self = *self_p;
    if (self->xpub) zmq_close (self->xpub);
    if (self->state) zmq_close (self->state);
    for (size_t t = 0; self->topics && t < self->topic_count; t++)
        for (size_t k = 0; k < self->topics[t].latest_count; k++)
            free (self->topics[t].latest[k].payload);
    free (self->topics);
    free (self);
    *self_p = NULL;
}

const char *disp_pub_endpoint (const disp_pub_t *self)
{
    return self->endpoint;
}

const char *disp_pub_state_endpoint (const disp_pub_t *self)
{
    return self->state ? self->state_endpoint : NULL;
}

const char *disp_pub_id (const disp_pub_t *self)
{
    return self->id;
}

void *disp_pub_socket (disp_pub_t *self)
{
    return self->xpub;
}

void *disp_pub_state_socket (disp_pub_t *self)
{
    return self->state;
}

void disp_pub_stats (const disp_pub_t *self, disp_pub_stats_t *out)
{
    *out = self->stats;
}

/* Subscription notices: first byte 1 = subscribe, 0 = unsubscribe, then the topic. */
int disp_pub_read (disp_pub_t *self)
{
    int joined = 0;
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, self->xpub, ZMQ_DONTWAIT) < 0) {
            int e = zmq_errno ();
            zmq_msg_close (&msg);
            return e == EAGAIN || e == EINTR ? joined : -1;
        }
        const uint8_t *data = zmq_msg_data (&msg);
        if (zmq_msg_size (&msg) >= 1 && data[0] == 1) {
            self->subscribers++;
            joined++;
        } else if (zmq_msg_size (&msg) >= 1 && data[0] == 0 && self->subscribers > 0) {
            self->subscribers--;
        }
        zmq_msg_close (&msg);
    }
}

uint64_t disp_pub_subscribers (const disp_pub_t *self)
{
    return self->subscribers;
}

uint64_t disp_pub_wait (disp_pub_t *self, uint64_t count, int timeout_ms)
{
    int64_t deadline = disp_zmq_clock_ms () + timeout_ms;
    disp_pub_read (self);
    while (self->subscribers < count) {
        int64_t left = deadline - disp_zmq_clock_ms ();
        if (left <= 0) break;
        zmq_pollitem_t items[2] = {{self->xpub, 0, ZMQ_POLLIN, 0}, {self->state, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll (items, self->state ? 2 : 1, (long)left) < 0 && zmq_errno () != EINTR) break;
        if (disp_pub_read (self) < 0) break;
        if ((items[1].revents & ZMQ_POLLIN) && disp_pub_serve_state (self) < 0) break;
    }
    return self->subscribers;
}

/* ---- numbering and the latest snapshots ---------------------------------------------------------------------- */

/* The topic's entry, or NULL when it has none yet. */
static s_topic_t *s_topic_find (disp_pub_t *self, const char *topic)
{
    for (size_t t = 0; t < self->topic_count; t++)
        if (strcmp (self->topics[t].topic, topic) == 0) return &self->topics[t];
    return NULL;
}

/* Makes payload (taken over) the session's latest on the topic and moves the session to the end, the most recent.
 * A new session past DISP_PUB_SESSIONS_MAX replaces the least recently updated one. */
static void s_keep_latest (s_topic_t *topic, const char *session, uint8_t *payload, size_t len)
{
    size_t k = 0;
    while (k < topic->latest_count && strncmp (topic->latest[k].session, session, S_SESSION_MAX - 1) != 0)
        k++;
    if (k == topic->latest_count && topic->latest_count == DISP_PUB_SESSIONS_MAX) k = 0;
    s_latest_t entry = {.payload = payload, .len = len};
    snprintf (entry.session, sizeof entry.session, "%s", session);
    if (k < topic->latest_count) {
        free (topic->latest[k].payload);
        memmove (&topic->latest[k], &topic->latest[k + 1], (topic->latest_count - k - 1) * sizeof entry);
        topic->latest_count--;
    }
    topic->latest[topic->latest_count++] = entry;
}

int disp_pub_send (disp_pub_t *self, const disp_publication_t *pub, const char *session)
{
    return disp_pub_send_from (self, pub, session, NULL);
}

int disp_pub_send_from (disp_pub_t *self, const disp_publication_t *pub, const char *session, const char *client)
{
    if (!session) session = "";
    s_topic_t *topic = s_topic_find (self, pub->topic);
    uint8_t *frame;
    size_t len;
    char err[128];
    if ((!topic && self->topic_count == DISP_PUB_TOPICS_MAX) ||
        disp_codec_stamp_snapshot (pub->payload, pub->payload_len, topic ? topic->seq + 1 : 1, self->id, session,
                                   client, &frame, &len, err, sizeof err) != 0) {
        self->stats.rejected++;
        return -1;
    }
    if (!topic) {
        topic = &self->topics[self->topic_count++];
        snprintf (topic->topic, sizeof topic->topic, "%s", pub->topic);
    }
    /* From here the number is spent, sent or not: that is how a subscriber learns what it missed. */
    topic->seq++;
    int rc = zmq_send (self->xpub, pub->topic, strlen (pub->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
                     zmq_send (self->xpub, frame, len, ZMQ_DONTWAIT) < 0
                 ? -1
                 : 0;
    s_keep_latest (topic, session, frame, len);
    if (rc == 0)
        self->stats.sent++;
    else
        self->stats.dropped++;
    return rc;
}

/* ---- the state endpoint ------------------------------------------------------------------------------------ */

/* The StateReply for topics starting with prefix, malloc'd. 0, or -1 when out of memory. */
static int s_state_reply (const disp_pub_t *self, const char *prefix, uint8_t **out, size_t *out_len)
{
    size_t prefix_len = strlen (prefix), sessions = 0;
    for (size_t t = 0; t < self->topic_count; t++)
        sessions += self->topics[t].latest_count;
    disp_topic_state_t *topics = calloc (self->topic_count + 1, sizeof *topics);
    const uint8_t **latest = calloc (sessions + 1, sizeof *latest);
    size_t *latest_len = calloc (sessions + 1, sizeof *latest_len);
    int rc = -1;
    if (topics && latest && latest_len) {
        size_t count = 0, used = 0;
        for (size_t t = 0; t < self->topic_count; t++) {
            const s_topic_t *topic = &self->topics[t];
            if (strncmp (topic->topic, prefix, prefix_len) != 0) continue;
            topics[count++] = (disp_topic_state_t){.topic = topic->topic,
                                                   .seq = topic->seq,
                                                   .latest = &latest[used],
                                                   .latest_len = &latest_len[used],
                                                   .latest_count = topic->latest_count};
            for (size_t k = 0; k < topic->latest_count; k++, used++) {
                latest[used] = topic->latest[k].payload;
                latest_len[used] = topic->latest[k].len;
            }
        }
        rc = disp_codec_encode_state_reply (self->id, topics, count, out, out_len);
    }
    free (topics);
    free (latest);
    free (latest_len);
    return rc;
}

/* Handles one request waiting on the state ROUTER: [id][request] from a DEALER, [id][][request] from a REQ. Returns 1
 * when one was handled (answered or dropped), 0 when none waited, -1 on a socket failure. */
static int s_state_once (disp_pub_t *self)
{
    disp_zmq_request_t req;
    int rc = disp_zmq_router_recv (self->state, &req);
    if (rc <= 0) return rc;
    char prefix[DISP_PUB_PREFIX_MAX + 1], err[128];
    /* A request that is not one we know gets no answer: an empty reply would read as "nothing published yet" and
     * let a broken client believe it is in sync; silence makes it time out and say so. */
    if (!req.well_formed ||
        disp_codec_decode_state_request (req.payload, req.payload_len, prefix, sizeof prefix, err, sizeof err) != 0) {
        self->stats.state_malformed++;
        disp_zmq_request_close (&req);
        return 1;
    }
    uint8_t *reply;
    size_t len;
    if (s_state_reply (self, prefix, &reply, &len) == 0) {
        if (disp_zmq_router_send (self->state, req.id, req.id_len, req.delimiter, reply, len) == 0)
            self->stats.state_replies++;
        free (reply);
    }
    disp_zmq_request_close (&req);
    return 1;
}

int disp_pub_serve_state (disp_pub_t *self)
{
    if (!self->state) return 0;
    int answered = 0;
    for (int i = 0; i < S_STATE_BATCH; i++) {
        uint64_t before = self->stats.state_replies;
        int rc = s_state_once (self);
        if (rc < 0) return -1;
        if (rc == 0) break;
        answered += (int)(self->stats.state_replies - before);
    }
    return answered;
}
