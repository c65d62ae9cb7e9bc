/* disp_server: the dispatcher service. One ROUTER serves every session; sessions are keyed by the peer's routing id
 * and each owns an engine over a map shared through a small cache. Lockstep sessions step when a Tick comes; live
 * sessions step when an Update comes and every live_step_ms of wall clock besides (so batch windows close and riders'
 * deadlines pass without input), and get their Decisions as soon as something is decided. Either side heartbeats
 * when it has been quiet for the session's period; a session silent for DISP_SERVER_EXPIRY_BEATS periods is
 * forgotten, and a peer without a session is told ERROR_NO_SESSION so it can open a new one and resend its state.
 * An XPUB republishes the metrics the sessions send and counts subscriptions. Nothing a peer sends stops the
 * service: bad or oversized frames get an ErrorReply and are counted.
 *
 * Frames: a DEALER peer sends [payload]; the ROUTER sees [routing id][payload]. A REQ-style empty delimiter
 * ([routing id][][payload]) is tolerated and answered in the same shape. Bye gets no reply: the peer has usually
 * closed its socket already. A second Hello from the same peer replaces its session; if that Hello is refused the
 * peer has no session left. */
#include "disp_server.h"
#include "disp_zmq.h"
#include "map_error.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "disp_codec.h"
#include "disp_engine.h"
#include "disp_policy.h"
#include "map_net.h"
#include "map_proj.h"

#ifndef RT_VERSION
#define RT_VERSION "unknown"
#endif

#define S_POLL_MS        200
#define S_BATCH          256 /* messages handled per wake-up before *stop is checked again */
#define S_ROUTING_ID_MAX 256 /* ZeroMQ routing ids are at most 255 bytes */

/* A live position farther than this from every road node is refused rather than snapped. */
#define S_SNAP_MAX_M 2000.0

/* An opened map, shared by every session that names the same specification. */
typedef struct {
    map_spec_t spec;
    map_net_t *net;
    map_proj_t *proj; /* lon/lat -> the map's CRS, made when a live session first needs to snap a position */
} s_map_t;

typedef struct {
    uint8_t id[S_ROUTING_ID_MAX];
    size_t id_len;
    int delimiter; /* the peer frames with an empty delimiter (REQ style): unsolicited sends do too */
    char name[64]; /* Hello.session, for the log */
    disp_engine_t *engine;
    size_t map;    /* index into the server's maps */
    disp_mode_t mode;
    int64_t heartbeat_ms;
    int64_t heard_ms;        /* wall clock when the peer last sent anything */
    int64_t told_ms;         /* wall clock when we last sent the peer anything */
    uint64_t heartbeat_seq;  /* our heartbeats to this peer */
    /* live sessions: the session clock is clock_start_ms + (wall - opened_ms) */
    int64_t opened_ms, clock_start_ms, live_step_ms, next_step_ms;
    uint64_t live_steps;
    /* live sessions: what the updates read since the last step brought, stepped together (s_live_flush) */
    disp_request_t *in_requests;
    disp_vehicle_t *in_vehicles;
    uint64_t *in_cancelled;
    size_t in_request_count, in_vehicle_count, in_cancelled_count;
    size_t in_request_cap, in_vehicle_cap, in_cancelled_cap;
    int in_pending; /* an update came since the last step */
} s_session_t;

/* Where a reply goes: the peer's routing id and whether it used an empty delimiter frame. */
typedef struct {
    const uint8_t *id;
    size_t id_len;
    int delimiter;
} s_route_t;

struct disp_server_t {
    void *ctx;
    int owns_ctx;          /* 0 when the context is CZMQ's (CURVE): never terminated here */
    disp_curve_t *curve;   /* NULL: no CURVE */
    void *router;
    disp_pub_t *pub; /* NULL when not publishing */
    char bind_endpoint[DISP_ZMQ_ENDPOINT_MAX];
    int verbose;
    size_t max_message_bytes;
    s_session_t *sessions;
    size_t session_count, session_cap;
    s_map_t *maps;
    size_t map_count, map_cap;
    disp_server_stats_t stats;
};

static void s_log (const disp_server_t *self, const char *fmt, ...)
{
    if (!self->verbose) return;
    va_list ap;
    va_start (ap, fmt);
    fprintf (stderr, "robotaxi-dispatcher: ");
    vfprintf (stderr, fmt, ap);
    fputc ('\n', stderr);
    va_end (ap);
}

disp_server_t *disp_server_new (const disp_server_opts_t *opts, char *err, size_t errlen)
{
    const char *bind_endpoint = opts->bind, *publish_endpoint = opts->publish;
    disp_server_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "dispatcher: out of memory");
        return NULL;
    }
    self->verbose = opts->verbose;
    self->max_message_bytes = opts->max_message_bytes ? opts->max_message_bytes : DISP_SERVER_MAX_MESSAGE_DEFAULT;
    if (self->max_message_bytes < 1024 || self->max_message_bytes > (size_t)DISP_ZMQ_MAX_MSG_BYTES) {
        map_error (err, errlen, "max_message_bytes: %zu is not in [1024, %lld]", self->max_message_bytes,
                   (long long)DISP_ZMQ_MAX_MSG_BYTES);
        goto fail;
    }
    if (!opts->curve_secret != !opts->curve_clients) {
        map_error (err, errlen, "CURVE needs both the server's secret key file and the clients' key folder");
        goto fail;
    }
    if (opts->curve_secret) {
        self->curve = disp_curve_server_new (opts->curve_secret, opts->curve_clients, err, errlen);
        if (!self->curve) goto fail;
        self->ctx = disp_curve_context (self->curve);
    } else {
        self->ctx = zmq_ctx_new ();
        self->owns_ctx = 1;
    }
    if (!self->ctx) {
        map_error (err, errlen, "dispatcher: cannot create a ZeroMQ context: %s", zmq_strerror (zmq_errno ()));
        goto fail;
    }
    self->router = disp_zmq_bind (self->ctx, ZMQ_ROUTER, bind_endpoint, self->curve, self->bind_endpoint, err, errlen);
    if (!self->router) goto fail;
    if (opts->state && !publish_endpoint) {
        map_error (err, errlen, "%s: a state endpoint needs a publish endpoint", opts->state);
        goto fail;
    }
    if (publish_endpoint) {
        self->pub = disp_pub_new (self->ctx, publish_endpoint, opts->state, err, errlen);
        if (!self->pub) goto fail;
    }
    return self;
fail:
    disp_server_destroy (&self);
    return NULL;
}

static void s_session_free (s_session_t *session)
{
    disp_engine_destroy (&session->engine);
    free (session->in_requests);
    free (session->in_vehicles);
    free (session->in_cancelled);
}

void disp_server_destroy (disp_server_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_server_t *self = *self_p;
    for (size_t i = 0; i < self->session_count; i++)
        s_session_free (&self->sessions[i]);
    free (self->sessions);
    for (size_t i = 0; i < self->map_count; i++) {
        map_net_destroy (&self->maps[i].net);
        map_proj_destroy (&self->maps[i].proj);
    }
    free (self->maps);
    if (self->router) zmq_close (self->router);
    disp_pub_destroy (&self->pub);
    if (self->ctx && self->owns_ctx) zmq_ctx_term (self->ctx);
    disp_curve_destroy (&self->curve);
    free (self);
    *self_p = NULL;
}

const char *disp_server_bind_endpoint (const disp_server_t *self)
{
    return self->bind_endpoint;
}

const char *disp_server_publish_endpoint (const disp_server_t *self)
{
    return self->pub ? disp_pub_endpoint (self->pub) : NULL;
}

const char *disp_server_state_endpoint (const disp_server_t *self)
{
    return self->pub ? disp_pub_state_endpoint (self->pub) : NULL;
}

void disp_server_stats (const disp_server_t *self, disp_server_stats_t *out)
{
    *out = self->stats;
    if (self->pub) {
        disp_pub_stats_t pub;
        disp_pub_stats (self->pub, &pub);
        out->state_replies = pub.state_replies;
    }
}

/* ---- replies ----------------------------------------------------------------------------------------------- */

/* Sends [routing id]([])[frame] to the peer; frees frame. ROUTER_MANDATORY is off, so a vanished peer's reply is
 * dropped silently instead of failing. */
static void s_reply (disp_server_t *self, const s_route_t *route, uint8_t *frame, size_t len)
{
    disp_zmq_router_send (self->router, route->id, route->id_len, route->delimiter, frame, len);
    free (frame);
}

static s_session_t *s_session_find (disp_server_t *self, const s_route_t *route);

/* Sends an encoded frame to a session's peer (an answer, or unasked: live decisions, heartbeats); frees frame. */
static void s_tell (disp_server_t *self, s_session_t *session, uint8_t *frame, size_t len, int64_t wall_ms)
{
    s_route_t route = {.id = session->id, .id_len = session->id_len, .delimiter = session->delimiter};
    s_reply (self, &route, frame, len);
    session->told_ms = wall_ms;
}

static void s_reply_error (disp_server_t *self, const s_route_t *route, disp_error_code_t code, const char *fmt, ...)
{
    char message[256];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (message, sizeof message, fmt, ap);
    va_end (ap);
    s_log (self, "error reply: %s", message);
    self->stats.errors_sent++;
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_error (code, message, &frame, &len) == 0) s_reply (self, route, frame, len);
}

/* ---- sessions and maps ------------------------------------------------------------------------------------- */

static s_session_t *s_session_find (disp_server_t *self, const s_route_t *route)
{
    for (size_t i = 0; i < self->session_count; i++)
        if (self->sessions[i].id_len == route->id_len && memcmp (self->sessions[i].id, route->id, route->id_len) == 0)
            return &self->sessions[i];
    return NULL;
}

/* Removes a session; keeps the others in order. why: for the log. */
static void s_session_drop (disp_server_t *self, s_session_t *session, const char *why)
{
    s_log (self, "session '%s' %s", session->name, why);
    s_session_free (session);
    size_t i = (size_t)(session - self->sessions);
    memmove (&self->sessions[i], &self->sessions[i + 1], (self->session_count - i - 1) * sizeof *self->sessions);
    self->session_count--;
    self->stats.sessions_closed++;
}

/* Removes the session (if any) of the peer. */
static void s_session_remove (disp_server_t *self, const s_route_t *route)
{
    s_session_t *session = s_session_find (self, route);
    if (session) s_session_drop (self, session, "closed");
}

static int s_spec_equal (const map_spec_t *a, const map_spec_t *b)
{
    return strcmp (a->source, b->source) == 0 && a->epsg == b->epsg && a->grid_m == b->grid_m &&
           strcmp (a->highways, b->highways) == 0 && strcmp (a->cache, b->cache) == 0;
}

static void s_on_map_log (const char *line, void *arg)
{
    s_log (arg, "%s", line);
}

/* The network for spec with the given fingerprint, opened on first use; its index in maps goes into *index. A
 * cached network whose fingerprint differs (its file changed since) is opened again. NULL with a message when the
 * source cannot be opened. */
static const map_net_t *s_map_get (disp_server_t *self, const map_spec_t *spec, uint64_t fingerprint, size_t *index,
                                   char *err, size_t errlen)
{
    size_t i = 0;
    while (i < self->map_count && !s_spec_equal (&self->maps[i].spec, spec))
        i++;
    *index = i;
    if (i < self->map_count) {
        if (fingerprint == 0 || map_graph_fingerprint (map_net_graph (self->maps[i].net)) == fingerprint)
            return self->maps[i].net;
        s_log (self, "map %s: fingerprint changed, opening it again", spec->source);
    } else if (self->map_count == self->map_cap) {
        size_t cap = self->map_cap ? 2 * self->map_cap : 4;
        s_map_t *maps = realloc (self->maps, cap * sizeof *maps);
        if (!maps) {
            map_error (err, errlen, "map: out of memory");
            return NULL;
        }
        self->maps = maps;
        self->map_cap = cap;
    }
    map_net_t *net = map_net_open (spec, s_on_map_log, self, err, errlen);
    if (!net) return NULL;
    const map_graph_t *graph = map_net_graph (net);
    s_log (self, "opened map %s (EPSG:%d): %zu nodes, %zu edges", spec->source, map_graph_epsg (graph),
           map_graph_node_count (graph), map_graph_edge_count (graph));
    if (i < self->map_count) {
        /* Engines hold the network: while a session uses the old one it cannot go. */
        for (size_t k = 0; k < self->session_count; k++)
            if (self->sessions[k].map == i) {
                map_net_destroy (&net);
                map_error (err, errlen, "map %s changed on disk while session '%s' uses it; close that session first",
                           spec->source, self->sessions[k].name);
                return NULL;
            }
        map_net_destroy (&self->maps[i].net);
        map_proj_destroy (&self->maps[i].proj);
    } else {
        self->map_count++;
    }
    self->maps[i] = (s_map_t){.spec = *spec, .net = net};
    return net;
}

static void s_on_hello (disp_server_t *self, const s_route_t *route, const disp_hello_t *hello)
{
    /* A new Hello starts over, whatever becomes of it. */
    s_session_remove (self, route);

    if (strcmp (hello->protocol, DISP_PROTOCOL) != 0) {
        s_reply_error (self, route, DISP_ERR_PROTOCOL, "hello.protocol: '%s' is not %s", hello->protocol,
                       DISP_PROTOCOL);
        return;
    }
    char err[256];
    if (hello->map_fingerprint == 0 && hello->mode != DISP_MODE_LIVE) {
        s_reply_error (self, route, DISP_ERR_MAP,
                       "hello.map.fingerprint: 0 is for live clients that send lon/lat; a lockstep session sends road "
                       "nodes and must give its map's fingerprint");
        return;
    }
    /* The policy is checked before the map: no point building a city for a session that cannot run. */
    if (!disp_policy_find (hello->config.policy)) {
        char names[128];
        s_reply_error (self, route, DISP_ERR_POLICY, "hello.policy: '%s' is not a policy (%s)", hello->config.policy,
                       disp_policy_names (names, sizeof names));
        return;
    }
    size_t map_index;
    const map_net_t *net = s_map_get (self, &hello->map, hello->map_fingerprint, &map_index, err, sizeof err);
    if (!net) {
        s_reply_error (self, route, DISP_ERR_MAP, "%s", err);
        return;
    }
    uint64_t fingerprint = map_graph_fingerprint (map_net_graph (net));
    if (hello->map_fingerprint != 0 && fingerprint != hello->map_fingerprint) {
        s_reply_error (self, route, DISP_ERR_MAP, "map fingerprint differs: simulator %016llx, dispatcher %016llx",
                       (unsigned long long)hello->map_fingerprint, (unsigned long long)fingerprint);
        return;
    }
    if (self->session_count == self->session_cap) {
        size_t cap = self->session_cap ? 2 * self->session_cap : 8;
        s_session_t *sessions = realloc (self->sessions, cap * sizeof *sessions);
        if (!sessions) {
            s_reply_error (self, route, DISP_ERR_UNSPECIFIED, "dispatcher: out of memory");
            return;
        }
        self->sessions = sessions;
        self->session_cap = cap;
    }
    disp_engine_t *engine = disp_engine_new (net, &hello->traffic, &hello->config, err, sizeof err);
    if (!engine) {
        s_reply_error (self, route, DISP_ERR_BAD_VALUE, "%s", err);
        return;
    }
    int64_t wall = disp_zmq_clock_ms ();
    s_session_t *session = &self->sessions[self->session_count++];
    memset (session, 0, sizeof *session);
    memcpy (session->id, route->id, route->id_len);
    session->id_len = route->id_len;
    session->delimiter = route->delimiter;
    snprintf (session->name, sizeof session->name, "%s", hello->session);
    session->engine = engine;
    session->map = map_index;
    session->mode = hello->mode;
    session->heartbeat_ms = hello->heartbeat_ms;
    session->heard_ms = session->told_ms = wall;
    session->opened_ms = wall;
    session->clock_start_ms = hello->clock_start_ms;
    session->live_step_ms = hello->live_step_ms;
    session->next_step_ms = wall + hello->live_step_ms;
    self->stats.sessions_opened++;
    s_log (self, "session '%s' opened: %s, %s, policy %s, %u vehicles", session->name, hello->map.source,
           hello->mode == DISP_MODE_LIVE ? "live" : "lockstep", hello->config.policy, hello->config.vehicle_capacity);

    const map_graph_t *graph = map_net_graph (net);
    disp_hello_reply_t reply = {.nodes = (uint32_t)map_graph_node_count (graph),
                                .edges = (uint32_t)map_graph_edge_count (graph),
                                .now_ms = hello->mode == DISP_MODE_LIVE ? hello->clock_start_ms : 0,
                                .heartbeat_ms = hello->heartbeat_ms};
    snprintf (reply.dispatcher_version, sizeof reply.dispatcher_version, "%s", RT_VERSION);
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_hello_reply (&reply, &frame, &len) == 0) s_tell (self, session, frame, len, wall);
}

static void s_on_tick (disp_server_t *self, const s_route_t *route, s_session_t *session, const disp_tick_t *tick)
{
    if (session->mode != DISP_MODE_LOCKSTEP) {
        s_reply_error (self, route, DISP_ERR_PROTOCOL, "tick in a live session: live clients send Update");
        return;
    }
    char err[256];
    disp_decisions_t decisions;
    if (disp_engine_step (session->engine, tick, &decisions, err, sizeof err) != 0) {
        s_reply_error (self, route, DISP_ERR_BAD_VALUE, "%s", err);
        return;
    }
    if (tick->resync)
        s_log (self, "session '%s' resumed at step %llu: %zu vehicles, %zu waiting riders", session->name,
               (unsigned long long)tick->step, tick->vehicle_count, tick->request_count);
    self->stats.assignments += decisions.assignment_count;
    /* A slow subscriber past its high-water mark loses messages; the simulator never waits for it. */
    for (size_t i = 0; self->pub && i < tick->publish_count; i++)
        if (disp_pub_send (self->pub, &tick->publish[i], session->name) == 0) self->stats.published++;
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_decisions (&decisions, &frame, &len) == 0)
        s_tell (self, session, frame, len, session->heard_ms);
    else
        s_reply_error (self, route, DISP_ERR_UNSPECIFIED, "dispatcher: out of memory");
}

/* ---- live sessions ----------------------------------------------------------------------------------------- */

static int64_t s_session_clock (const s_session_t *session, int64_t wall_ms)
{
    return session->clock_start_ms + (wall_ms - session->opened_ms);
}

/* Fills a missing node with the nearest road node to lon/lat. -1 with a message naming field[i] when the point
 * cannot be projected or lies farther than S_SNAP_MAX_M from every road. */
static int s_snap (disp_server_t *self, s_session_t *session, disp_position_t *pos, const char *field, size_t i,
                   char *err, size_t errlen)
{
    if (pos->node != MAP_NODE_NONE) return 0;
    s_map_t *map = &self->maps[session->map];
    const map_graph_t *graph = map_net_graph (map->net);
    if (!map->proj) {
        map->proj = map_proj_new (map_graph_epsg (graph), err, errlen);
        if (!map->proj) return -1;
    }
    double x, y;
    char why[200];
    if (map_proj_forward (map->proj, pos->lon, pos->lat, &x, &y, why, sizeof why) != 0)
        return map_error (err, errlen, "%s[%zu]: %s", field, i, why);
    uint32_t node = map_graph_nearest (graph, x, y);
    const map_node_t *n = node == MAP_NODE_NONE ? NULL : map_graph_node (graph, node);
    double off_m = n ? hypot (n->x - x, n->y - y) : INFINITY;
    if (!(off_m <= S_SNAP_MAX_M))
        return map_error (err, errlen, "%s[%zu]: (%.6f, %.6f) is %.1f km from the road network", field, i, pos->lon,
                          pos->lat, off_m / 1000.0);
    pos->node = node;
    return 0;
}

/* Steps a live session at the wall clock with what the update brings (NULL: nothing new, a timer step) and sends
 * the decisions when there are any. */
static void s_live_step (disp_server_t *self, const s_route_t *route, s_session_t *session, disp_tick_t *update,
                         int64_t wall_ms)
{
    disp_tick_t empty = {0};
    disp_tick_t *tick = update ? update : &empty;
    tick->step = ++session->live_steps;
    tick->now_ms = s_session_clock (session, wall_ms);
    session->next_step_ms = wall_ms + session->live_step_ms;
    char err[256];
    disp_decisions_t decisions;
    if (disp_engine_step (session->engine, tick, &decisions, err, sizeof err) != 0) {
        s_reply_error (self, route, DISP_ERR_BAD_VALUE, "%s", err);
        return;
    }
    if (decisions.assignment_count == 0 && decisions.reposition_count == 0) return;
    self->stats.assignments += decisions.assignment_count;
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_decisions (&decisions, &frame, &len) == 0) s_tell (self, session, frame, len, wall_ms);
}

/* Appends count items of `size` bytes to a growable array. 0, or -1 out of memory (nothing changed). */
static int s_append (void **array, size_t *used, size_t *cap, const void *items, size_t count, size_t size)
{
    if (count == 0) return 0;
    if (*used + count > *cap) {
        size_t grown = *cap ? *cap : 64;
        while (grown < *used + count)
            grown *= 2;
        void *p = realloc (*array, grown * size);
        if (!p) return -1;
        *array = p;
        *cap = grown;
    }
    memcpy ((char *)*array + *used * size, items, count * size);
    *used += count;
    return 0;
}

/* Steps every live session that received updates since its last step, with all of them at once: under load the
 * updates read in one wake-up are dispatched together and answered with one Decisions. */
static void s_live_flush (disp_server_t *self)
{
    int64_t wall = disp_zmq_clock_ms ();
    for (size_t i = 0; i < self->session_count; i++) {
        s_session_t *session = &self->sessions[i];
        if (!session->in_pending) continue;
        disp_tick_t tick = {.requests = session->in_requests,
                            .request_count = session->in_request_count,
                            .vehicles = session->in_vehicles,
                            .vehicle_count = session->in_vehicle_count,
                            .cancelled = session->in_cancelled,
                            .cancelled_count = session->in_cancelled_count};
        s_route_t route = {.id = session->id, .id_len = session->id_len, .delimiter = session->delimiter};
        s_live_step (self, &route, session, &tick, wall);
        session->in_request_count = session->in_vehicle_count = session->in_cancelled_count = 0;
        session->in_pending = 0;
    }
}

/* An Update: positions given as bare lon/lat are snapped, requests without a time are stamped now and requests
 * without a deadline wait until cancelled; a bad update is refused whole. What passes waits in the session's inbox
 * for s_live_flush. The arrays belong to the decoded message, so they may be edited. */
static void s_on_update (disp_server_t *self, const s_route_t *route, s_session_t *session, disp_tick_t *update)
{
    if (session->mode != DISP_MODE_LIVE) {
        s_reply_error (self, route, DISP_ERR_PROTOCOL, "update in a lockstep session: send Tick");
        return;
    }
    int64_t wall = disp_zmq_clock_ms ();
    int64_t now = s_session_clock (session, wall);
    char err[256];
    disp_request_t *reqs = (disp_request_t *)update->requests;
    disp_vehicle_t *vehs = (disp_vehicle_t *)update->vehicles;
    for (size_t i = 0; i < update->request_count; i++) {
        disp_position_t *dest = &reqs[i].destination;
        int no_destination = dest->node == MAP_NODE_NONE && dest->lon == 0 && dest->lat == 0;
        if (s_snap (self, session, &reqs[i].origin, "update.requests.origin", i, err, sizeof err) ||
            (!no_destination && s_snap (self, session, dest, "update.requests.destination", i, err, sizeof err))) {
            s_reply_error (self, route, DISP_ERR_BAD_VALUE, "%s", err);
            return;
        }
        if (reqs[i].time_ms == 0) reqs[i].time_ms = now;
        if (reqs[i].deadline_ms == 0) reqs[i].deadline_ms = INT64_MAX;
    }
    for (size_t i = 0; i < update->vehicle_count; i++)
        if (vehs[i].status == DISP_VEH_IDLE &&
            s_snap (self, session, &vehs[i].position, "update.vehicles.position", i, err, sizeof err)) {
            s_reply_error (self, route, DISP_ERR_BAD_VALUE, "%s", err);
            return;
        }
    if (disp_engine_check (session->engine, update, err, sizeof err) != 0) {
        s_reply_error (self, route, DISP_ERR_BAD_VALUE, "update: %s", err);
        return;
    }
    if (s_append ((void **)&session->in_requests, &session->in_request_count, &session->in_request_cap,
                  update->requests, update->request_count, sizeof *update->requests) ||
        s_append ((void **)&session->in_vehicles, &session->in_vehicle_count, &session->in_vehicle_cap,
                  update->vehicles, update->vehicle_count, sizeof *update->vehicles) ||
        s_append ((void **)&session->in_cancelled, &session->in_cancelled_count, &session->in_cancelled_cap,
                  update->cancelled, update->cancelled_count, sizeof *update->cancelled)) {
        s_reply_error (self, route, DISP_ERR_UNSPECIFIED, "dispatcher: out of memory");
        return;
    }
    session->in_pending = 1;
    self->stats.live_updates++;
}

/* ---- heartbeats and timers --------------------------------------------------------------------------------- */

static void s_send_heartbeat (disp_server_t *self, s_session_t *session, int64_t wall_ms)
{
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_heartbeat (++session->heartbeat_seq, &frame, &len) == 0)
        s_tell (self, session, frame, len, wall_ms);
}

/* Forgets silent sessions, steps live sessions that are due and heartbeats to quiet live peers. Returns the wall
 * time of the next thing due (at most S_POLL_MS ahead). */
static int64_t s_timers (disp_server_t *self, int64_t wall_ms)
{
    int64_t next = wall_ms + S_POLL_MS;
    for (size_t i = self->session_count; i-- > 0;) {
        s_session_t *session = &self->sessions[i];
        if (wall_ms - session->heard_ms > DISP_SERVER_EXPIRY_BEATS * session->heartbeat_ms) {
            self->stats.sessions_expired++;
            s_session_drop (self, session, "expired: its peer has been silent");
            continue;
        }
        if (session->mode != DISP_MODE_LIVE) continue;
        if (wall_ms >= session->next_step_ms) {
            s_route_t route = {.id = session->id, .id_len = session->id_len, .delimiter = session->delimiter};
            s_live_step (self, &route, session, NULL, wall_ms);
        }
        if (wall_ms - session->told_ms >= session->heartbeat_ms) s_send_heartbeat (self, session, wall_ms);
        if (session->next_step_ms < next) next = session->next_step_ms;
        if (session->told_ms + session->heartbeat_ms < next) next = session->told_ms + session->heartbeat_ms;
    }
    return next;
}

static void s_on_payload (disp_server_t *self, const s_route_t *route, const uint8_t *data, size_t len)
{
    disp_msg_t msg;
    char err[256];
    if (len > self->max_message_bytes) {
        self->stats.too_large++;
        s_reply_error (self, route, DISP_ERR_TOO_LARGE, "message of %zu bytes is over the limit of %zu bytes", len,
                       self->max_message_bytes);
        return;
    }
    if (disp_codec_decode (data, len, &msg, err, sizeof err) != 0) {
        self->stats.malformed++;
        s_reply_error (self, route, DISP_ERR_MALFORMED, "%s", err);
        return;
    }
    s_session_t *session = s_session_find (self, route);
    if (session) session->heard_ms = disp_zmq_clock_ms ();
    switch (msg.kind) {
    case DISP_MSG_HELLO:
        s_on_hello (self, route, &msg.hello);
        break;
    case DISP_MSG_BYE:
        s_session_remove (self, route);
        break;
    case DISP_MSG_TICK:
    case DISP_MSG_UPDATE:
    case DISP_MSG_HEARTBEAT:
        if (!session) {
            s_reply_error (self, route, DISP_ERR_NO_SESSION, "%s without a session: send Hello first",
                           msg.kind == DISP_MSG_TICK ? "tick" : msg.kind == DISP_MSG_UPDATE ? "update" : "heartbeat");
        } else if (msg.kind == DISP_MSG_TICK) {
            s_on_tick (self, route, session, &msg.tick);
        } else if (msg.kind == DISP_MSG_UPDATE) {
            s_on_update (self, route, session, &msg.tick);
        } else {
            self->stats.heartbeats_in++;
            s_send_heartbeat (self, session, session->heard_ms);
        }
        break;
    default:
        s_reply_error (self, route, DISP_ERR_PROTOCOL,
                       "a client sends Hello, Tick, Update, Heartbeat or Bye, not message %d", (int)msg.kind);
        break;
    }
    disp_msg_clear (&msg);
}

/* ---- sockets ----------------------------------------------------------------------------------------------- */

/* Handles one message waiting on the ROUTER. Returns 1 when one was handled, 0 when none was waiting, -1 on a
 * socket failure. */
static int s_router_once (disp_server_t *self)
{
    disp_zmq_request_t req;
    int rc = disp_zmq_router_recv (self->router, &req);
    if (rc <= 0) return rc;
    self->stats.frames_in++;
    s_route_t route = {.id = req.id, .id_len = req.id_len, .delimiter = req.delimiter};
    if (!req.well_formed) {
        self->stats.malformed++;
        s_reply_error (self, &route, DISP_ERR_MALFORMED,
                       "expected one frame holding a robotaxi.v1 Envelope, got %zu frames", req.frames);
    } else {
        s_on_payload (self, &route, req.payload, req.payload_len);
    }
    disp_zmq_request_close (&req);
    return 1;
}

/* Counts the subscription notices waiting on the publisher. 0, or -1 on a socket failure. */
static int s_read_subscriptions (disp_server_t *self)
{
    int joined = disp_pub_read (self->pub);
    if (joined < 0) return -1;
    for (int i = 0; i < joined; i++) {
        self->stats.subscribers_joined++;
        s_log (self, "subscriber joined (%llu)", (unsigned long long)disp_pub_subscribers (self->pub));
    }
    return 0;
}

int disp_server_run (disp_server_t *self, volatile sig_atomic_t *stop)
{
    int64_t due = disp_zmq_clock_ms ();
    while (!*stop) {
        /* The state socket exists only with the publisher, so the sockets in use are always the first ones. */
        void *state = self->pub ? disp_pub_state_socket (self->pub) : NULL;
        zmq_pollitem_t items[3] = {{self->router, 0, ZMQ_POLLIN, 0},
                                   {self->pub ? disp_pub_socket (self->pub) : NULL, 0, ZMQ_POLLIN, 0},
                                   {state, 0, ZMQ_POLLIN, 0}};
        int64_t wait_ms = due - disp_zmq_clock_ms ();
        if (wait_ms < 0) wait_ms = 0;
        int n = zmq_poll (items, 1 + (self->pub != NULL) + (state != NULL), (long)wait_ms);
        if (n < 0) {
            if (zmq_errno () == EINTR) continue;
            return -1;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            for (int i = 0; i < S_BATCH && !*stop; i++) {
                int rc = s_router_once (self);
                if (rc < 0) return -1;
                if (rc == 0) break;
            }
            s_live_flush (self);
        }
        if (self->pub && (items[1].revents & ZMQ_POLLIN) && s_read_subscriptions (self) < 0) return -1;
        if (state && (items[2].revents & ZMQ_POLLIN) && disp_pub_serve_state (self->pub) < 0) return -1;
        due = s_timers (self, disp_zmq_clock_ms ());
    }
    /* Subscription notices already queued when the stop came still count: the final counters are complete. */
    if (self->pub && s_read_subscriptions (self) < 0) return -1;
    return 0;
}
