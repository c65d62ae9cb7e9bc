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
#include "disp_zmq.h"

#define S_BYE_LINGER_MS 100 /* long enough for Bye to leave, short enough not to hang on a dead dispatcher */

typedef enum { S_INPROC, S_ZMQ } s_transport_t;

struct disp_link_t {
    s_transport_t transport;
    void *ctx; /* NULL for an in-process link without a publisher */
    char endpoint[DISP_ZMQ_ENDPOINT_MAX]; /* the dispatcher's (ZeroMQ link) */

    /* in-process */
    const map_net_t *net;
    disp_engine_t *engine;
    disp_pub_t *pub; /* NULL without a publish endpoint */

    /* ZeroMQ */
    void *dealer;
    int timeout_ms;
    disp_assignment_t *assignments;
    size_t assignment_cap;
};

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
    disp_pub_destroy (&self->pub);
    if (self->ctx) zmq_ctx_term (self->ctx);
    disp_engine_destroy (&self->engine);
    free (self->assignments);
    free (self);
    *self_p = NULL;
}

/* ---- in-process -------------------------------------------------------------------------------------------- */

disp_link_t *disp_link_inproc_new (const map_net_t *net, const disp_hello_t *hello, const char *publish_endpoint,
                                   char *err, size_t errlen)
{
    disp_link_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "dispatch: out of memory");
        return NULL;
    }
    self->transport = S_INPROC;
    self->net = net;
    self->engine = disp_engine_new (net, &hello->traffic, &hello->config, err, errlen);
    if (!self->engine) goto fail;
    if (publish_endpoint) {
        self->ctx = zmq_ctx_new ();
        self->pub = disp_pub_new (self->ctx, publish_endpoint, err, errlen);
        if (!self->pub) goto fail;
    }
    return self;
fail:
    disp_link_destroy (&self);
    return NULL;
}

static int s_inproc_step (disp_link_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen)
{
    if (disp_engine_step (self->engine, tick, out, err, errlen) != 0) return -1;
    if (!self->pub) return 0;
    disp_pub_read (self->pub);
    for (size_t i = 0; i < tick->publish_count; i++)
        disp_pub_send (self->pub, &tick->publish[i]);   /* dropped for a subscriber past its high-water mark */
    return 0;
}

int disp_link_wait_subscribers (disp_link_t *self, int count, int timeout_ms)
{
    if (self->transport == S_ZMQ) return count;
    if (!self->pub || count <= 0) return 0;
    return (int)disp_pub_wait (self->pub, (uint64_t)count, timeout_ms);
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

/* Sends Hello and waits for the dispatcher's HelloReply. 0, or -1 with a message. */
static int s_hello (disp_link_t *self, const disp_hello_t *hello, char *err, size_t errlen)
{
    const char *endpoint = self->endpoint;
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_hello (hello, &frame, &len) != 0)
        return map_error (err, errlen, "%s: out of memory", endpoint);
    if (s_send (self, frame, len, err, errlen) != 0) return -1;
    disp_msg_t msg;
    if (s_await (self, &msg, err, errlen) != 0) return -1;
    if (msg.kind == DISP_MSG_ERROR)
        map_error (err, errlen, "%s: dispatcher refused the session: %s", endpoint, msg.error.message);
    else if (msg.kind != DISP_MSG_HELLO_REPLY)
        map_error (err, errlen, "%s: the dispatcher answered Hello with message %d", endpoint, (int)msg.kind);
    int ok = msg.kind == DISP_MSG_HELLO_REPLY;
    disp_msg_clear (&msg);
    return ok ? 0 : -1;
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
    if (!self->dealer || disp_zmq_limits (self->dealer, 0)) {
        map_error (err, errlen, "%s: cannot create a socket: %s", endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    if (zmq_connect (self->dealer, endpoint) != 0) {
        map_error (err, errlen, "%s: cannot connect: %s", endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    if (s_hello (self, hello, err, errlen) != 0) goto fail;
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

int disp_link_restart (disp_link_t *self, const disp_hello_t *hello, char *err, size_t errlen)
{
    if (self->transport == S_INPROC) {
        disp_engine_destroy (&self->engine);
        self->engine = disp_engine_new (self->net, &hello->traffic, &hello->config, err, errlen);
        return self->engine ? 0 : -1;
    }
    /* Bye ends the session; the dispatcher reads this socket in order, so the Hello after it opens the next one. */
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_bye ("next day", &frame, &len) != 0)
        return map_error (err, errlen, "%s: out of memory", self->endpoint);
    if (s_send (self, frame, len, err, errlen) != 0) return -1;
    return s_hello (self, hello, err, errlen);
}

int disp_link_step (disp_link_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen)
{
    if (self->transport == S_INPROC) return s_inproc_step (self, tick, out, err, errlen);
    return s_zmq_step (self, tick, out, err, errlen);
}
