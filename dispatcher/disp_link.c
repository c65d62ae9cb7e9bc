/* disp_link: the simulator's side of dispatching, in-process or over ZeroMQ. The in-process link runs the engine
 * directly and publishes metrics on its own XPUB; the ZeroMQ link speaks the lockstep protocol to
 * robotaxi-dispatcher, which runs the same engine, so both give the same decisions for the same ticks. */
#include "disp_link.h"
#include "map_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "disp_codec.h"
#include "disp_engine.h"

#define S_MAX_MSG_BYTES (64LL * 1024 * 1024)
#define S_HWM           10000
#define S_ENDPOINT_MAX  256
#define S_BYE_LINGER_MS 100 /* long enough for Bye to leave, short enough not to hang on a dead dispatcher */

typedef enum { S_INPROC, S_ZMQ } s_transport_t;

struct disp_link_t {
    s_transport_t transport;
    void *ctx; /* NULL for an in-process link without a publisher */
    char endpoint[S_ENDPOINT_MAX];

    /* in-process */
    disp_engine_t *engine;
    void *xpub;
    int subscribers;

    /* ZeroMQ */
    void *dealer;
    int timeout_ms;
    disp_assignment_t *assignments;
    size_t assignment_cap;
};

static int s_socket_options (void *sock, int linger_ms)
{
    int64_t max_bytes = S_MAX_MSG_BYTES;
    int hwm = S_HWM;
    if (zmq_setsockopt (sock, ZMQ_MAXMSGSIZE, &max_bytes, sizeof max_bytes) ||
        zmq_setsockopt (sock, ZMQ_RCVHWM, &hwm, sizeof hwm) || zmq_setsockopt (sock, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt (sock, ZMQ_LINGER, &linger_ms, sizeof linger_ms))
        return -1;
    return 0;
}

/* Milliseconds on a monotonic clock: only for timeouts, never for simulated time. */
static int64_t s_clock_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void disp_link_destroy (disp_link_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_link_t *self = *self_p;
    if (self->dealer) {
        uint8_t *frame;
        size_t len;
        if (disp_codec_encode_bye ("simulation finished", &frame, &len) == 0) {
            int linger = S_BYE_LINGER_MS;
            zmq_setsockopt (self->dealer, ZMQ_LINGER, &linger, sizeof linger);
            zmq_send (self->dealer, frame, len, ZMQ_DONTWAIT);
            free (frame);
        }
        zmq_close (self->dealer);
    }
    if (self->xpub) zmq_close (self->xpub);
    if (self->ctx) zmq_ctx_term (self->ctx);
    disp_engine_destroy (&self->engine);
    free (self->assignments);
    free (self);
    *self_p = NULL;
}

/* ---- in-process -------------------------------------------------------------------------------------------- */

disp_link_t *disp_link_inproc_new (const map_graph_t *g, const disp_hello_t *hello, const char *publish_endpoint,
                                   char *err, size_t errlen)
{
    disp_link_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "dispatch: out of memory");
        return NULL;
    }
    self->transport = S_INPROC;
    self->engine = disp_engine_new (g, &hello->traffic, &hello->config, err, errlen);
    if (!self->engine) goto fail;
    if (publish_endpoint) {
        snprintf (self->endpoint, sizeof self->endpoint, "%s", publish_endpoint);
        int verbose = 1;
        self->ctx = zmq_ctx_new ();
        self->xpub = self->ctx ? zmq_socket (self->ctx, ZMQ_XPUB) : NULL;
        if (!self->xpub || s_socket_options (self->xpub, 0) ||
            zmq_setsockopt (self->xpub, ZMQ_XPUB_VERBOSE, &verbose, sizeof verbose)) {
            map_error (err, errlen, "%s: cannot create a publisher: %s", publish_endpoint, zmq_strerror (zmq_errno ()));
            goto fail;
        }
        if (zmq_bind (self->xpub, publish_endpoint) != 0) {
            map_error (err, errlen, "%s: bind failed: %s", publish_endpoint, zmq_strerror (zmq_errno ()));
            goto fail;
        }
    }
    return self;
fail:
    disp_link_destroy (&self);
    return NULL;
}

/* Reads one subscription message from the XPUB if one is waiting. Returns 1 when one was read, else 0. */
static int s_read_subscription (disp_link_t *self)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, self->xpub, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&msg);
        return 0;
    }
    const uint8_t *data = zmq_msg_data (&msg);
    if (zmq_msg_size (&msg) >= 1 && data[0] == 1)
        self->subscribers++;
    else if (zmq_msg_size (&msg) >= 1 && data[0] == 0 && self->subscribers > 0)
        self->subscribers--;
    zmq_msg_close (&msg);
    return 1;
}

static int s_inproc_step (disp_link_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen)
{
    if (disp_engine_step (self->engine, tick, out, err, errlen) != 0) return -1;
    if (!self->xpub) return 0;
    while (s_read_subscription (self))
        ;
    for (size_t i = 0; i < tick->publish_count; i++) {
        const disp_publication_t *p = &tick->publish[i];
        if (zmq_send (self->xpub, p->topic, strlen (p->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
            zmq_send (self->xpub, p->payload, p->payload_len, ZMQ_DONTWAIT);
    }
    return 0;
}

int disp_link_wait_subscribers (disp_link_t *self, int count, int timeout_ms)
{
    if (self->transport == S_ZMQ) return count;
    if (!self->xpub) return 0;
    int64_t deadline = s_clock_ms () + timeout_ms;
    while (s_read_subscription (self))
        ;
    while (self->subscribers < count) {
        int64_t left = deadline - s_clock_ms ();
        if (left <= 0) break;
        zmq_pollitem_t item = {self->xpub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, (long)left) < 0 && zmq_errno () != EINTR) break;
        while (s_read_subscription (self))
            ;
    }
    return self->subscribers;
}

/* ---- ZeroMQ ------------------------------------------------------------------------------------------------ */

/* Waits up to the link's timeout for one message from the dispatcher and decodes it. The payload is the last
 * frame (a dispatcher answers a DEALER with a single frame). */
static int s_await (disp_link_t *self, disp_msg_t *msg, char *err, size_t errlen)
{
    int64_t deadline = s_clock_ms () + self->timeout_ms;
    for (;;) {
        int64_t left = deadline - s_clock_ms ();
        if (left < 0) left = 0;
        zmq_pollitem_t item = {self->dealer, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll (&item, 1, (long)left);
        if (n < 0 && zmq_errno () != EINTR)
            return map_error (err, errlen, "%s: %s", self->endpoint, zmq_strerror (zmq_errno ()));
        if (n > 0) break;
        if (left == 0)
            return map_error (err, errlen, "%s: no answer from a dispatcher within %.1f s", self->endpoint,
                           self->timeout_ms / 1000.0);
    }
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int more = 1;
    while (more) {
        if (zmq_msg_recv (&frame, self->dealer, 0) < 0) {
            zmq_msg_close (&frame);
            return map_error (err, errlen, "%s: %s", self->endpoint, zmq_strerror (zmq_errno ()));
        }
        more = zmq_msg_more (&frame);
    }
    char why[256];
    int rc = disp_codec_decode (zmq_msg_data (&frame), zmq_msg_size (&frame), msg, why, sizeof why);
    zmq_msg_close (&frame);
    if (rc != 0) return map_error (err, errlen, "%s: bad reply from the dispatcher: %s", self->endpoint, why);
    return 0;
}

/* Sends one frame (freed here). */
static int s_send (disp_link_t *self, uint8_t *frame, size_t len, char *err, size_t errlen)
{
    int rc = zmq_send (self->dealer, frame, len, ZMQ_DONTWAIT);
    free (frame);
    if (rc < 0) return map_error (err, errlen, "%s: cannot send: %s", self->endpoint, zmq_strerror (zmq_errno ()));
    return 0;
}

disp_link_t *disp_link_zmq_new (const char *endpoint, const disp_hello_t *hello, int timeout_ms, char *err,
                                size_t errlen)
{
    disp_link_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "dispatch: out of memory");
        return NULL;
    }
    self->transport = S_ZMQ;
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    self->ctx = zmq_ctx_new ();
    self->dealer = self->ctx ? zmq_socket (self->ctx, ZMQ_DEALER) : NULL;
    if (!self->dealer || s_socket_options (self->dealer, 0)) {
        map_error (err, errlen, "%s: cannot create a socket: %s", endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    if (zmq_connect (self->dealer, endpoint) != 0) {
        map_error (err, errlen, "%s: cannot connect: %s", endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_hello (hello, &frame, &len) != 0) {
        map_error (err, errlen, "%s: out of memory", endpoint);
        goto fail;
    }
    if (s_send (self, frame, len, err, errlen) != 0) goto fail;
    disp_msg_t msg;
    if (s_await (self, &msg, err, errlen) != 0) goto fail;
    if (msg.kind == DISP_MSG_ERROR)
        map_error (err, errlen, "%s: dispatcher refused the session: %s", endpoint, msg.error.message);
    else if (msg.kind != DISP_MSG_HELLO_REPLY)
        map_error (err, errlen, "%s: the dispatcher answered Hello with message %d", endpoint, (int)msg.kind);
    int ok = msg.kind == DISP_MSG_HELLO_REPLY;
    disp_msg_clear (&msg);
    if (!ok) goto fail;
    return self;
fail:
    /* No session was opened, so there is nobody to say Bye to. */
    if (self->dealer) {
        zmq_close (self->dealer);
        self->dealer = NULL;
    }
    disp_link_destroy (&self);
    return NULL;
}

static int s_zmq_step (disp_link_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen)
{
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_tick (tick, &frame, &len) != 0)
        return map_error (err, errlen, "%s: out of memory", self->endpoint);
    if (s_send (self, frame, len, err, errlen) != 0) return -1;
    disp_msg_t msg;
    if (s_await (self, &msg, err, errlen) != 0) return -1;
    int rc = -1;
    if (msg.kind == DISP_MSG_ERROR)
        map_error (err, errlen, "%s: %s", self->endpoint, msg.error.message);
    else if (msg.kind != DISP_MSG_DECISIONS)
        map_error (err, errlen, "%s: the dispatcher answered a tick with message %d", self->endpoint, (int)msg.kind);
    else if (msg.decisions.step != tick->step)
        map_error (err, errlen, "%s: decisions for step %llu, expected step %llu", self->endpoint,
                (unsigned long long)msg.decisions.step, (unsigned long long)tick->step);
    else {
        size_t n = msg.decisions.assignment_count;
        if (n > self->assignment_cap) {
            disp_assignment_t *as = realloc (self->assignments, n * sizeof *as);
            if (!as) {
                disp_msg_clear (&msg);
                return map_error (err, errlen, "%s: out of memory", self->endpoint);
            }
            self->assignments = as;
            self->assignment_cap = n;
        }
        if (n > 0) memcpy (self->assignments, msg.decisions.assignments, n * sizeof *self->assignments);
        out->step = msg.decisions.step;
        out->assignments = self->assignments;
        out->assignment_count = n;
        rc = 0;
    }
    disp_msg_clear (&msg);
    return rc;
}

int disp_link_step (disp_link_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen)
{
    if (self->transport == S_INPROC) return s_inproc_step (self, tick, out, err, errlen);
    return s_zmq_step (self, tick, out, err, errlen);
}
