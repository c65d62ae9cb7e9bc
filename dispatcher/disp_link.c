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
#include "map_mem.h"

#define S_BYE_LINGER_MS 100 /* long enough for Bye to leave, short enough not to hang on a dead dispatcher */
#define S_PING_MS       1000 /* while waiting for a lockstep answer, ping a silent dispatcher this often */
#define S_LIVENESS      3    /* pings (or live heartbeat periods) without a word: the dispatcher is gone */
#define S_ATTEMPT_MS    1000 /* first wait for a restarted dispatcher's HelloReply; doubles up to S_ATTEMPT_MAX */
#define S_ATTEMPT_MAX   8000

typedef enum { S_INPROC, S_ZMQ } s_transport_t;

/* Outcomes of waiting for the dispatcher. */
typedef enum { S_GOT = 1, S_QUIET = 0, S_FAIL = -1, S_LOST = -2 } s_wait_t;

struct disp_link_t {
    s_transport_t transport;
    void *ctx; /* NULL for an in-process link without a publisher */
    char endpoint[DISP_ZMQ_ENDPOINT_MAX]; /* the dispatcher's (ZeroMQ link) */

    /* in-process */
    const map_net_t *net;
    disp_engine_t *engine;
    disp_pub_t *pub; /* NULL without a publish endpoint */
    char session[sizeof ((disp_hello_t *)0)->session]; /* Hello.session: the publisher stamps it on the metrics */

    /* ZeroMQ */
    void *dealer;
    int curve;               /* the dealer is a CURVE client with keys */
    disp_curve_keys_t keys;
    int timeout_ms;          /* the first Hello's wait */
    disp_hello_t hello;      /* the session, to open it again after a loss */
    int reconnect_ms;        /* how long to wait for a restarted dispatcher; 0 = not at all */
    disp_link_log_fn *log;
    void *log_arg;
    unsigned reconnects;
    int64_t ping_ms;         /* lockstep: S_PING_MS; live: the session's heartbeat period */
    int64_t heard_ms, told_ms; /* wall clock of the last word from / to the dispatcher */
    uint64_t ping_seq;
    int64_t clock_wall_ms, clock_at_ms; /* live: the session clock read clock_at_ms at wall clock clock_wall_ms */

    /* What the dispatcher should know: each vehicle's last state, the riders waiting in arrival order. */
    disp_vehicle_t *known;   /* [hello.config.vehicle_capacity] */
    uint8_t *is_known;
    disp_request_t *waiting;
    size_t waiting_count, waiting_cap;
    disp_vehicle_t *resync_vehicles; /* scratch for a resync */
    /* Lockstep: the rest of what a restarted dispatcher needs to decide as the lost one would have. The previous
     * step's time (batch windows follow from it), the rebalancer's state as the last decisions carrying one had it,
     * and every request sent since (the rebalancer counts them as demand, served or not). */
    int has_previous;
    int64_t previous_ms;
    int has_rebalance;
    disp_rebalance_state_t rebalance; /* over the two arrays below */
    disp_zone_demand_t *rebalance_zones;
    size_t rebalance_zone_cap;
    disp_rebalance_order_t *rebalance_orders;
    size_t rebalance_order_cap;
    disp_request_t *observed;
    size_t observed_count, observed_cap;

    /* The last decisions received. */
    disp_assignment_t *assignments;
    size_t assignment_cap;
    disp_reposition_t *repositions;
    size_t reposition_cap;
    uint32_t *charges;       /* the last decisions' vehicles sent to charge */
    size_t charge_cap;
    uint64_t *sorted_ids;    /* scratch: assigned request ids, sorted */
};

static void s_log (disp_link_t *self, const char *fmt, ...)
{
    if (!self->log) return;
    char line[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    self->log (line, self->log_arg);
}

/* Says Bye (best effort) and closes the dealer. */
static void s_close_dealer (disp_link_t *self, const char *why)
{
    if (!self->dealer) return;
    uint8_t *frame;
    size_t len;
    if (why && disp_codec_encode_bye (why, &frame, &len) == 0) {
        int linger = S_BYE_LINGER_MS;
        zmq_setsockopt (self->dealer, ZMQ_LINGER, &linger, sizeof linger);
        zmq_send (self->dealer, frame, len, ZMQ_DONTWAIT);
        free (frame);
    }
    zmq_close (self->dealer);
    self->dealer = NULL;
}

void disp_link_destroy (disp_link_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_link_t *self = *self_p;
    s_close_dealer (self, "simulation finished");
    disp_pub_destroy (&self->pub);
    if (self->ctx) zmq_ctx_term (self->ctx);
    disp_engine_destroy (&self->engine);
    free (self->known);
    free (self->is_known);
    free (self->waiting);
    free (self->resync_vehicles);
    free (self->rebalance_zones);
    free (self->rebalance_orders);
    free (self->observed);
    free (self->assignments);
    free (self->repositions);
    free (self->charges);
    free (self->sorted_ids);
    free (self);
    *self_p = NULL;
}

void disp_link_set_recovery (disp_link_t *self, int reconnect_ms, disp_link_log_fn *log, void *arg)
{
    self->reconnect_ms = reconnect_ms > 0 ? reconnect_ms : 0;
    self->log = log;
    self->log_arg = arg;
}

unsigned disp_link_reconnects (const disp_link_t *self)
{
    return self->reconnects;
}

/* ---- in-process -------------------------------------------------------------------------------------------- */

disp_link_t *disp_link_inproc_new (const map_net_t *net, const disp_hello_t *hello, const char *publish_endpoint,
                                   const char *state_endpoint, char *err, size_t errlen)
{
    disp_link_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "dispatch: out of memory");
        return NULL;
    }
    self->transport = S_INPROC;
    self->net = net;
    snprintf (self->session, sizeof self->session, "%s", hello->session);
    self->engine = disp_engine_new (net, &hello->traffic, &hello->config, err, errlen);
    if (!self->engine) goto fail;
    if (publish_endpoint) {
        self->ctx = zmq_ctx_new ();
        self->pub = disp_pub_new (self->ctx, publish_endpoint, state_endpoint, err, errlen);
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
        disp_pub_send (self->pub, &tick->publish[i], self->session); /* dropped for a subscriber past its HWM */
    disp_pub_serve_state (self->pub); /* state requests that came since the last step */
    return 0;
}

int disp_link_wait_subscribers (disp_link_t *self, int count, int timeout_ms)
{
    if (self->transport == S_ZMQ) return count;
    if (!self->pub || count <= 0) return 0;
    return (int)disp_pub_wait (self->pub, (uint64_t)count, timeout_ms);
}

/* ---- what the dispatcher should know ------------------------------------------------------------------------ */

static int s_id_in (uint64_t id, const uint64_t *ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (ids[i] == id) return 1;
    return 0;
}

/* Applies what the client is about to send, as the engine will: vehicle states, then cancellations, then new
 * requests (a rider cancelled in the same message is never queued); with expire_ms >= 0, riders whose deadline has
 * passed by then leave too. Vehicle ids past the capacity are the dispatcher's to refuse. 0, or -1 out of memory. */
static int s_mirror_apply (disp_link_t *self, const disp_tick_t *t, int64_t expire_ms)
{
    uint32_t capacity = self->hello.config.vehicle_capacity;
    for (size_t i = 0; i < t->vehicle_count; i++)
        if (t->vehicles[i].id < capacity) {
            self->known[t->vehicles[i].id] = t->vehicles[i];
            self->is_known[t->vehicles[i].id] = 1;
        }
    size_t kept = 0;
    for (size_t i = 0; i < self->waiting_count; i++)
        if (!s_id_in (self->waiting[i].id, t->cancelled, t->cancelled_count) &&
            !(expire_ms >= 0 && self->waiting[i].deadline_ms <= expire_ms))
            self->waiting[kept++] = self->waiting[i];
    self->waiting_count = kept;
    size_t need = self->waiting_count + t->request_count;
    if (need > self->waiting_cap) {
        size_t cap = self->waiting_cap ? self->waiting_cap : 64;
        while (cap < need)
            cap *= 2;
        disp_request_t *w = realloc (self->waiting, cap * sizeof *w);
        if (!w) return -1;
        self->waiting = w;
        self->waiting_cap = cap;
    }
    for (size_t i = 0; i < t->request_count; i++)
        if (!s_id_in (t->requests[i].id, t->cancelled, t->cancelled_count) &&
            !(expire_ms >= 0 && t->requests[i].deadline_ms <= expire_ms))
            self->waiting[self->waiting_count++] = t->requests[i];
    return 0;
}

static int s_cmp_u64 (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Applies decisions received: assigned riders stop waiting, assigned and repositioned vehicles are busy. */
static void s_mirror_decided (disp_link_t *self, const disp_decisions_t *d)
{
    uint32_t capacity = self->hello.config.vehicle_capacity;
    for (size_t i = 0; i < d->assignment_count; i++) {
        self->sorted_ids[i] = d->assignments[i].request_id;
        if (d->assignments[i].vehicle_id < capacity) self->known[d->assignments[i].vehicle_id].status = DISP_VEH_BUSY;
    }
    for (size_t i = 0; i < d->reposition_count; i++)
        if (d->repositions[i].vehicle_id < capacity) self->known[d->repositions[i].vehicle_id].status = DISP_VEH_BUSY;
    for (size_t i = 0; i < d->charge_count; i++)
        if (d->charges[i] < capacity) self->known[d->charges[i]].status = DISP_VEH_OFFLINE;
    if (d->assignment_count == 0) return;
    qsort (self->sorted_ids, d->assignment_count, sizeof *self->sorted_ids, s_cmp_u64);
    size_t kept = 0;
    for (size_t i = 0; i < self->waiting_count; i++)
        if (!bsearch (&self->waiting[i].id, self->sorted_ids, d->assignment_count, sizeof *self->sorted_ids,
                      s_cmp_u64))
            self->waiting[kept++] = self->waiting[i];
    self->waiting_count = kept;
}

/* Lockstep with rebalancing: keeps the requests of tick t, all of them and in order, until decisions bring the
 * rebalancer's state that counts them. 0, or -1 out of memory. */
static int s_mirror_sent (disp_link_t *self, const disp_tick_t *t)
{
    if (!self->hello.config.params.rebalance || t->request_count == 0) return 0;
    if (map_mem_reserve ((void **)&self->observed, &self->observed_cap, self->observed_count + t->request_count,
                sizeof *self->observed))
        return -1;
    memcpy (self->observed + self->observed_count, t->requests, t->request_count * sizeof *self->observed);
    self->observed_count += t->request_count;
    return 0;
}

/* Keeps the rebalancer's state decisions brought; the requests sent so far are in it. 0, or -1 out of memory. */
static int s_mirror_rebalance (disp_link_t *self, const disp_rebalance_state_t *state)
{
    if (map_mem_reserve ((void **)&self->rebalance_zones, &self->rebalance_zone_cap, state->zone_count,
                sizeof *self->rebalance_zones) ||
        map_mem_reserve ((void **)&self->rebalance_orders, &self->rebalance_order_cap, state->order_count,
                sizeof *self->rebalance_orders))
        return -1;
    if (state->zone_count > 0)
        memcpy (self->rebalance_zones, state->zones, state->zone_count * sizeof *self->rebalance_zones);
    if (state->order_count > 0)
        memcpy (self->rebalance_orders, state->orders, state->order_count * sizeof *self->rebalance_orders);
    self->rebalance = *state;
    self->rebalance.zones = self->rebalance_zones;
    self->rebalance.orders = self->rebalance_orders;
    self->has_rebalance = 1;
    self->observed_count = 0;
    return 0;
}

/* Forgets the session's past (a new day). */
static void s_mirror_forget (disp_link_t *self)
{
    memset (self->is_known, 0, self->hello.config.vehicle_capacity);
    self->waiting_count = 0;
    self->has_previous = 0;
    self->has_rebalance = 0;
    self->observed_count = 0;
}

/* The whole state as one message: every known vehicle in id order, every waiting rider, and (read by lockstep
 * dispatchers) the previous step, the rebalancer's state and the requests sent since. */
static void s_mirror_state (disp_link_t *self, disp_tick_t *out)
{
    size_t n = 0;
    for (uint32_t v = 0; v < self->hello.config.vehicle_capacity; v++)
        if (self->is_known[v]) self->resync_vehicles[n++] = self->known[v];
    out->vehicles = self->resync_vehicles;
    out->vehicle_count = n;
    out->requests = self->waiting;
    out->request_count = self->waiting_count;
    out->cancelled = NULL;
    out->cancelled_count = 0;
    out->resync = 1;
    out->has_previous = self->has_previous;
    out->previous_ms = self->previous_ms;
    out->rebalance = self->has_rebalance ? &self->rebalance : NULL;
    out->observed = self->observed;
    out->observed_count = self->observed_count;
}

/* ---- ZeroMQ ------------------------------------------------------------------------------------------------ */

/* Sends one frame (freed here). */
static int s_send (disp_link_t *self, uint8_t *frame, size_t len, char *err, size_t errlen)
{
    int rc = zmq_send (self->dealer, frame, len, ZMQ_DONTWAIT);
    free (frame);
    if (rc < 0) return map_error (err, errlen, "%s: cannot send: %s", self->endpoint, zmq_strerror (zmq_errno ()));
    self->told_ms = disp_zmq_clock_ms ();
    return 0;
}

/* Waits until deadline (wall clock) for one message from the dispatcher and decodes it into msg. With liveness set,
 * pings the dispatcher after ping_ms of quiet on our side and gives up (S_LOST) after S_LIVENESS x ping_ms without
 * a word from it. Returns S_GOT, S_QUIET (deadline passed), S_LOST, or S_FAIL with a message. */
static s_wait_t s_wait (disp_link_t *self, int64_t deadline, int liveness, disp_msg_t *msg, char *err, size_t errlen)
{
    for (;;) {
        /* A message already queued is read without a poll: at high rates most are. */
        int events = 0;
        size_t events_size = sizeof events;
        if (zmq_getsockopt (self->dealer, ZMQ_EVENTS, &events, &events_size) == 0 && (events & ZMQ_POLLIN)) break;
        int64_t now = disp_zmq_clock_ms ();
        if (liveness && now - self->heard_ms >= S_LIVENESS * self->ping_ms) return S_LOST;
        if (liveness && now - self->told_ms >= self->ping_ms) {
            uint8_t *frame;
            size_t len;
            if (disp_codec_encode_heartbeat (++self->ping_seq, &frame, &len) != 0)
                return map_error (err, errlen, "%s: out of memory", self->endpoint), S_FAIL;
            if (s_send (self, frame, len, err, errlen) != 0) return S_FAIL;
        }
        int64_t until = deadline;
        if (liveness) {
            int64_t next_ping = self->told_ms + self->ping_ms, lost = self->heard_ms + S_LIVENESS * self->ping_ms;
            if (next_ping < until) until = next_ping;
            if (lost < until) until = lost;
        }
        int64_t left = until - now;
        if (left < 0) left = 0;
        zmq_pollitem_t item = {self->dealer, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll (&item, 1, (long)left);
        if (n < 0 && zmq_errno () != EINTR)
            return map_error (err, errlen, "%s: %s", self->endpoint, zmq_strerror (zmq_errno ())), S_FAIL;
        if (n > 0) break;
        if (disp_zmq_clock_ms () >= deadline) return S_QUIET;
    }
    zmq_msg_t frame;
    zmq_msg_init (&frame);
    int more = 1;
    while (more) {
        if (zmq_msg_recv (&frame, self->dealer, 0) < 0) {
            zmq_msg_close (&frame);
            return map_error (err, errlen, "%s: %s", self->endpoint, zmq_strerror (zmq_errno ())), S_FAIL;
        }
        more = zmq_msg_more (&frame);
    }
    self->heard_ms = disp_zmq_clock_ms ();
    char why[256];
    int rc = disp_codec_decode (zmq_msg_data (&frame), zmq_msg_size (&frame), msg, why, sizeof why);
    zmq_msg_close (&frame);
    if (rc != 0) return map_error (err, errlen, "%s: bad reply from the dispatcher: %s", self->endpoint, why), S_FAIL;
    return S_GOT;
}

/* A fresh DEALER connected to the dispatcher. 0, or -1 with a message. */
static int s_open_dealer (disp_link_t *self, char *err, size_t errlen)
{
    self->dealer = zmq_socket (self->ctx, ZMQ_DEALER);
    if (!self->dealer || disp_zmq_limits (self->dealer, 0)) {
        map_error (err, errlen, "%s: cannot create a socket: %s", self->endpoint, zmq_strerror (zmq_errno ()));
        if (self->dealer) zmq_close (self->dealer);
        self->dealer = NULL;
        return -1;
    }
    char why[256];
    if (self->curve && disp_curve_client_apply (&self->keys, self->dealer, why, sizeof why) != 0) {
        map_error (err, errlen, "%s: %s", self->endpoint, why);
        zmq_close (self->dealer);
        self->dealer = NULL;
        return -1;
    }
    if (zmq_connect (self->dealer, self->endpoint) != 0) {
        map_error (err, errlen, "%s: cannot connect: %s", self->endpoint, zmq_strerror (zmq_errno ()));
        zmq_close (self->dealer);
        self->dealer = NULL;
        return -1;
    }
    return 0;
}

/* Sends Hello and waits up to wait_ms for the HelloReply (heartbeats and stale answers are skipped). Returns S_GOT,
 * S_QUIET when no answer came, or S_FAIL with a message (the dispatcher refused the session). */
static s_wait_t s_hello (disp_link_t *self, int wait_ms, char *err, size_t errlen)
{
    const char *endpoint = self->endpoint;
    if (self->hello.mode == DISP_MODE_LIVE) self->hello.clock_start_ms = disp_link_clock (self);
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_hello (&self->hello, &frame, &len) != 0)
        return map_error (err, errlen, "%s: out of memory", endpoint), S_FAIL;
    if (s_send (self, frame, len, err, errlen) != 0) return S_FAIL;
    int64_t deadline = disp_zmq_clock_ms () + wait_ms;
    for (;;) {
        disp_msg_t msg;
        s_wait_t w = s_wait (self, deadline, 0, &msg, err, errlen);
        if (w != S_GOT) return w;
        s_wait_t result = S_FAIL;
        if (msg.kind == DISP_MSG_HELLO_REPLY) {
            result = S_GOT;
            if (self->hello.mode == DISP_MODE_LIVE) {
                self->clock_wall_ms = disp_zmq_clock_ms ();
                self->clock_at_ms = msg.hello_reply.now_ms;
            }
        } else if (msg.kind == DISP_MSG_ERROR && msg.error.code != DISP_ERR_NO_SESSION) {
            map_error (err, errlen, "%s: dispatcher refused the session: %s", endpoint, msg.error.message);
        } else {
            result = S_QUIET; /* a heartbeat or an answer meant for the previous session: keep waiting */
        }
        disp_msg_clear (&msg);
        if (result != S_QUIET) return result;
    }
}

/* The dispatcher is gone: waits up to reconnect_ms for one that answers a new Hello, on a fresh socket each attempt
 * (an old socket may still hold messages for the dead one). step is the lockstep step about to be resent (named in
 * the log line), 0 for none. 0, or -1 with a message. */
static int s_reconnect (disp_link_t *self, const char *why, uint64_t step, char *err, size_t errlen)
{
    if (self->reconnect_ms <= 0) return map_error (err, errlen, "%s: %s", self->endpoint, why);
    s_log (self, "dispatcher %s: %s; waiting up to %.0f s for it", self->endpoint, why, self->reconnect_ms / 1000.0);
    int64_t start = disp_zmq_clock_ms (), deadline = start + self->reconnect_ms;
    int attempt_ms = S_ATTEMPT_MS;
    for (;;) {
        s_close_dealer (self, NULL);
        if (s_open_dealer (self, err, errlen) != 0) return -1;
        int64_t left = deadline - disp_zmq_clock_ms ();
        if (left <= 0) break;
        s_wait_t w = s_hello (self, (int)(left < attempt_ms ? left : attempt_ms), err, errlen);
        if (w == S_FAIL) return -1;
        if (w == S_GOT) {
            self->reconnects++;
            self->heard_ms = disp_zmq_clock_ms ();
            char at[48] = "";
            if (step > 0) snprintf (at, sizeof at, " at step %llu", (unsigned long long)step);
            s_log (self, "dispatcher %s: new session after %.1f s; resending %zu waiting riders%s", self->endpoint,
                   (disp_zmq_clock_ms () - start) / 1000.0, self->waiting_count, at);
            return 0;
        }
        if (attempt_ms < S_ATTEMPT_MAX) attempt_ms *= 2;
    }
    return map_error (err, errlen, "%s: %s, and no dispatcher answered within %.0f s", self->endpoint, why,
                      self->reconnect_ms / 1000.0);
}

disp_link_t *disp_link_zmq_new (const char *endpoint, const disp_hello_t *hello, int timeout_ms, char *err,
                                size_t errlen)
{
    return disp_link_zmq_new_keys (endpoint, hello, timeout_ms, NULL, err, errlen);
}

disp_link_t *disp_link_zmq_new_keys (const char *endpoint, const disp_hello_t *hello, int timeout_ms,
                                     const disp_curve_keys_t *keys, char *err, size_t errlen)
{
    disp_link_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "dispatch: out of memory");
        return NULL;
    }
    self->transport = S_ZMQ;
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
    self->hello = *hello;
    if (keys) {
        self->curve = 1;
        self->keys = *keys;
    }
    self->ping_ms = hello->mode == DISP_MODE_LIVE && hello->heartbeat_ms > 0 ? hello->heartbeat_ms : S_PING_MS;
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    uint32_t capacity = hello->config.vehicle_capacity;
    self->known = calloc (capacity ? capacity : 1, sizeof *self->known);
    self->is_known = calloc (capacity ? capacity : 1, 1);
    self->resync_vehicles = malloc ((capacity ? capacity : 1) * sizeof *self->resync_vehicles);
    self->ctx = zmq_ctx_new ();
    if (!self->known || !self->is_known || !self->resync_vehicles || !self->ctx) {
        map_error (err, errlen, "%s: out of memory", endpoint);
        goto fail;
    }
    if (s_open_dealer (self, err, errlen) != 0) goto fail;
    self->clock_wall_ms = disp_zmq_clock_ms ();
    self->clock_at_ms = hello->clock_start_ms;
    s_wait_t w = s_hello (self, self->timeout_ms, err, errlen);
    if (w == S_QUIET)
        map_error (err, errlen, "%s: no answer from a dispatcher within %.1f s%s", endpoint, self->timeout_ms / 1000.0,
                   self->curve ? " (with CURVE: is this client's public key in the dispatcher's --curve-clients "
                                 "folder, and the server key the dispatcher's?)"
                               : "");
    if (w != S_GOT) goto fail;
    self->heard_ms = disp_zmq_clock_ms ();
    return self;
fail:
    /* No session was opened, so there is nobody to say Bye to. */
    s_close_dealer (self, NULL);
    disp_link_destroy (&self);
    return NULL;
}

/* Keeps the decisions of msg in the link's own arrays and applies them to what the dispatcher knows. */
static int s_take_decisions (disp_link_t *self, const disp_msg_t *msg, disp_decisions_t *out, char *err,
                             size_t errlen)
{
    size_t n = msg->decisions.assignment_count, nr = msg->decisions.reposition_count;
    if (n > self->assignment_cap) {
        disp_assignment_t *as = realloc (self->assignments, n * sizeof *as);
        uint64_t *ids = realloc (self->sorted_ids, n * sizeof *ids);
        if (as) self->assignments = as;
        if (ids) self->sorted_ids = ids;
        if (!as || !ids) return map_error (err, errlen, "%s: out of memory", self->endpoint);
        self->assignment_cap = n;
    }
    if (nr > self->reposition_cap) {
        disp_reposition_t *rs = realloc (self->repositions, nr * sizeof *rs);
        if (!rs) return map_error (err, errlen, "%s: out of memory", self->endpoint);
        self->repositions = rs;
        self->reposition_cap = nr;
    }
    if (n > 0) memcpy (self->assignments, msg->decisions.assignments, n * sizeof *self->assignments);
    size_t nc = msg->decisions.charge_count;
    if (nc > self->charge_cap) {
        uint32_t *cs = realloc (self->charges, nc * sizeof *cs);
        if (!cs) return map_error (err, errlen, "%s: out of memory", self->endpoint);
        self->charges = cs;
        self->charge_cap = nc;
    }
    if (nr > 0) memcpy (self->repositions, msg->decisions.repositions, nr * sizeof *self->repositions);
    if (nc > 0) memcpy (self->charges, msg->decisions.charges, nc * sizeof *self->charges);
    *out = msg->decisions;
    out->assignments = self->assignments;
    out->repositions = self->repositions;
    out->charges = self->charges;
    out->rebalance = NULL;
    /* Lockstep: a rebalancer's state is kept for a resync (live clients resend only riders and vehicles). */
    if (msg->decisions.rebalance && self->hello.mode == DISP_MODE_LOCKSTEP) {
        if (s_mirror_rebalance (self, msg->decisions.rebalance))
            return map_error (err, errlen, "%s: out of memory", self->endpoint);
        out->rebalance = &self->rebalance;
    }
    s_mirror_decided (self, out);
    return 0;
}

/* Sends the tick (or, after a reconnect, the whole state with the tick's step, time and publications) and waits
 * for its decisions, recovering from a lost dispatcher as often as it takes. */
static int s_zmq_step (disp_link_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen)
{
    if (s_mirror_apply (self, tick, tick->now_ms) != 0 || s_mirror_sent (self, tick) != 0)
        return map_error (err, errlen, "%s: out of memory", self->endpoint);
    const disp_tick_t *send = tick;
    disp_tick_t state = *tick;
    for (;;) {
        uint8_t *frame;
        size_t len;
        if (disp_codec_encode_tick (send, &frame, &len) != 0)
            return map_error (err, errlen, "%s: out of memory", self->endpoint);
        if (s_send (self, frame, len, err, errlen) != 0) return -1;
        /* In lockstep the dispatcher owes nothing between its last answer and this tick, however long the simulator
         * computed in between (a whole baseline day on another link): its silence counts from now. */
        self->heard_ms = self->told_ms;
        const char *lost = NULL;
        while (!lost) {
            disp_msg_t msg;
            s_wait_t w = s_wait (self, INT64_MAX, 1, &msg, err, errlen);
            if (w == S_FAIL) return -1;
            if (w == S_LOST) {
                lost = "no answer";
                break;
            }
            int rc = 1; /* 1: keep waiting */
            if (msg.kind == DISP_MSG_ERROR && msg.error.code == DISP_ERR_NO_SESSION)
                lost = "it no longer knows this session";
            else if (msg.kind == DISP_MSG_ERROR)
                rc = map_error (err, errlen, "%s: %s", self->endpoint, msg.error.message);
            else if (msg.kind == DISP_MSG_DECISIONS && msg.decisions.step == tick->step) {
                rc = s_take_decisions (self, &msg, out, err, errlen);
                /* from now on this step is the previous one a resync names */
                self->has_previous = 1;
                self->previous_ms = tick->now_ms;
            } else if (msg.kind != DISP_MSG_HEARTBEAT && msg.kind != DISP_MSG_DECISIONS)
                rc = map_error (err, errlen, "%s: the dispatcher answered a tick with message %d", self->endpoint,
                                (int)msg.kind);
            /* decisions for another step answer a tick sent before a reconnect: never applied */
            disp_msg_clear (&msg);
            if (rc <= 0) return rc;
        }
        if (s_reconnect (self, lost, tick->step, err, errlen) != 0) return -1;
        s_mirror_state (self, &state);
        send = &state;
    }
}

int disp_link_restart (disp_link_t *self, const disp_hello_t *hello, char *err, size_t errlen)
{
    if (self->transport == S_INPROC) {
        snprintf (self->session, sizeof self->session, "%s", hello->session);
        disp_engine_destroy (&self->engine);
        self->engine = disp_engine_new (self->net, &hello->traffic, &hello->config, err, errlen);
        return self->engine ? 0 : -1;
    }
    if (hello->config.vehicle_capacity != self->hello.config.vehicle_capacity)
        return map_error (err, errlen, "%s: a restarted session must keep its vehicle capacity", self->endpoint);
    /* A new day: the dispatcher and the link forget every vehicle and rider. */
    self->hello = *hello;
    s_mirror_forget (self);
    /* Bye ends the session; the dispatcher reads this socket in order, so the Hello after it opens the next one. */
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_bye ("next day", &frame, &len) != 0)
        return map_error (err, errlen, "%s: out of memory", self->endpoint);
    if (s_send (self, frame, len, err, errlen) != 0) return -1;
    s_wait_t w = s_hello (self, self->timeout_ms, err, errlen);
    if (w == S_GOT) return 0;
    if (w == S_FAIL) return -1;
    if (s_reconnect (self, "no answer to the next day's Hello", 0, err, errlen) != 0) return -1;
    return 0;
}

int disp_link_step (disp_link_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen)
{
    if (self->transport == S_INPROC) return s_inproc_step (self, tick, out, err, errlen);
    return s_zmq_step (self, tick, out, err, errlen);
}

/* ---- live mode --------------------------------------------------------------------------------------------- */

int64_t disp_link_clock (const disp_link_t *self)
{
    return self->clock_at_ms + (disp_zmq_clock_ms () - self->clock_wall_ms);
}

/* Sends an Update holding u's requests, vehicles and cancellations. */
static int s_send_update (disp_link_t *self, const disp_tick_t *u, char *err, size_t errlen)
{
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_update (u, &frame, &len) != 0)
        return map_error (err, errlen, "%s: out of memory", self->endpoint);
    return s_send (self, frame, len, err, errlen);
}

int disp_link_send (disp_link_t *self, const disp_tick_t *update, char *err, size_t errlen)
{
    if (self->transport != S_ZMQ || self->hello.mode != DISP_MODE_LIVE)
        return map_error (err, errlen, "dispatch: updates need a live session over ZeroMQ");
    /* Deadlines are on the dispatcher's clock, which the link follows; 0 means none. */
    if (s_mirror_apply (self, update, -1) != 0) return map_error (err, errlen, "%s: out of memory", self->endpoint);
    return s_send_update (self, update, err, errlen);
}

/* Drops waiting riders whose deadline has passed on the session clock. */
static void s_expire_live (disp_link_t *self)
{
    int64_t now = disp_link_clock (self);
    size_t kept = 0;
    for (size_t i = 0; i < self->waiting_count; i++)
        if (self->waiting[i].deadline_ms == 0 || self->waiting[i].deadline_ms > now)
            self->waiting[kept++] = self->waiting[i];
    self->waiting_count = kept;
}

int disp_link_receive (disp_link_t *self, int timeout_ms, disp_decisions_t *out, char *err, size_t errlen)
{
    if (self->transport != S_ZMQ || self->hello.mode != DISP_MODE_LIVE)
        return map_error (err, errlen, "dispatch: decisions arrive only in a live session over ZeroMQ");
    int64_t deadline = disp_zmq_clock_ms () + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        disp_msg_t msg;
        s_wait_t w = s_wait (self, deadline, 1, &msg, err, errlen);
        if (w == S_FAIL) return -1;
        if (w == S_QUIET) return 0;
        const char *lost = w == S_LOST ? "no heartbeat" : NULL;
        int rc = 0; /* 0: keep waiting */
        if (w == S_GOT) {
            if (msg.kind == DISP_MSG_ERROR && msg.error.code == DISP_ERR_NO_SESSION)
                lost = "it no longer knows this session";
            else if (msg.kind == DISP_MSG_ERROR)
                rc = map_error (err, errlen, "%s: %s", self->endpoint, msg.error.message);
            else if (msg.kind == DISP_MSG_DECISIONS)
                rc = s_take_decisions (self, &msg, out, err, errlen) == 0 ? 1 : -1;
            disp_msg_clear (&msg);
        }
        if (rc != 0) return rc;
        if (lost) {
            if (s_reconnect (self, lost, 0, err, errlen) != 0) return -1;
            s_expire_live (self);
            disp_tick_t state = {0};
            s_mirror_state (self, &state);
            if (s_send_update (self, &state, err, errlen) != 0) return -1;
        }
    }
}
