/* disp_zmq: socket limits, binding, and the metrics publisher. */
#include "disp_zmq.h"
#include "map_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>


struct disp_pub_t {
    void *xpub;
    char endpoint[DISP_ZMQ_ENDPOINT_MAX];
    uint64_t subscribers;
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

disp_pub_t *disp_pub_new (void *ctx, const char *endpoint, char *err, size_t errlen)
{
    disp_pub_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "%s: out of memory", endpoint);
        return NULL;
    }
    self->xpub = disp_zmq_bind (ctx, ZMQ_XPUB, endpoint, NULL, self->endpoint, err, errlen);
    if (!self->xpub) {
        free (self);
        return NULL;
    }
    return self;
}

void disp_pub_destroy (disp_pub_t **self_p)
{
    if (!self_p || !*self_p) return;
    zmq_close ((*self_p)->xpub);
    free (*self_p);
    *self_p = NULL;
}

const char *disp_pub_endpoint (const disp_pub_t *self)
{
    return self->endpoint;
}

void *disp_pub_socket (disp_pub_t *self)
{
    return self->xpub;
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

static int64_t s_clock_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t disp_pub_wait (disp_pub_t *self, uint64_t count, int timeout_ms)
{
    int64_t deadline = s_clock_ms () + timeout_ms;
    disp_pub_read (self);
    while (self->subscribers < count) {
        int64_t left = deadline - s_clock_ms ();
        if (left <= 0) break;
        zmq_pollitem_t item = {self->xpub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll (&item, 1, (long)left) < 0 && zmq_errno () != EINTR) break;
        if (disp_pub_read (self) < 0) break;
    }
    return self->subscribers;
}

int disp_pub_send (disp_pub_t *self, const disp_publication_t *pub)
{
    if (zmq_send (self->xpub, pub->topic, strlen (pub->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) return -1;
    return zmq_send (self->xpub, pub->payload, pub->payload_len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}
