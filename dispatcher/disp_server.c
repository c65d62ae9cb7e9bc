/* disp_server: the dispatcher service. One ROUTER serves every session; a session belongs to the connection that
 * opened it (its ZeroMQ-made routing id, its peer address and, with CURVE, its client key: a message that matches the
 * id but not the rest is refused; when that connection closes, its session goes at once, so no later connection that
 * presents the same id can receive what was meant for it) and owns an engine over a map from the map cache (disp_maps), which builds maps on
 * its own thread: a Hello whose map is not ready waits, its session pending, while every other session is served.
 * Lockstep sessions step when a Tick comes; live sessions step when an Update comes and every live_step_ms of wall
 * clock besides (so batch windows close and riders' deadlines pass without input), and get their Decisions as soon
 * as something is decided. Either side heartbeats when it has been quiet for the session's period; a session silent
 * for DISP_SERVER_EXPIRY_BEATS periods or for the idle timeout is forgotten, and a peer without a session is told
 * ERROR_NO_SESSION so it can open a new one and resend its state. An XPUB republishes the metrics the sessions send,
 * stamped with the session and the client key. Nothing a peer sends stops the service: bad, oversized or over-limit
 * frames get an ErrorReply and are counted.
 *
 * Frames: a DEALER peer sends [payload]; the ROUTER sees [routing id][payload]. A REQ-style empty delimiter
 * ([routing id][][payload]) is tolerated and answered in the same shape. Bye gets no reply: the peer has usually
 * closed its socket already. A second Hello from the same peer replaces its session; if that Hello is refused the
 * peer has no session left. */
#include "disp_server.h"
#include "disp_zmq.h"
#include "map_error.h"
#include "map_mem.h"

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

/* Who a connection is: the ROUTER's routing id for it, and the client behind it (its CURVE key, or without CURVE its
 * address), which the per-client limit counts. */
typedef struct {
    uint8_t id[S_ROUTING_ID_MAX];
    size_t id_len;
    int delimiter; /* the peer frames with an empty delimiter (REQ style): unsolicited sends do too */
    char peer[64];
    char key[41];
    int fd; /* the connection's socket (ZMQ_SRCFD): its DISCONNECTED event ends the session */
} s_owner_t;

typedef struct {
    s_owner_t owner;
    char name[64]; /* Hello.session */
    disp_engine_t *engine;
    disp_map_t *map; /* held */
    disp_mode_t mode;
    size_t vehicle_capacity;
    int64_t heartbeat_ms;
    int64_t expiry_ms;       /* forgotten after this long without a word */
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
    int buckets_on[DISP_FLEET_COUNT]; /* as the engine had them after the last step (s_note_buckets) */
} s_session_t;

/* A Hello whose map is being built: answered when the map is ready (or failed). */
typedef struct {
    s_owner_t owner;
    disp_hello_t hello;
    disp_map_t *map; /* held */
} s_pending_t;

/* Where a reply goes, and who sent what it answers. */
typedef struct {
    const uint8_t *id;
    size_t id_len;
    int delimiter;
    const char *peer;
    const char *key;
    int fd;
} s_route_t;

struct disp_server_t {
    void *ctx;
    int owns_ctx;          /* 0 when the context is CZMQ's (CURVE): never terminated here */
    disp_curve_t *curve;   /* NULL: no CURVE */
    void *router;
    void *monitor;   /* PAIR receiving the ROUTER's DISCONNECTED events */
    disp_pub_t *pub; /* NULL when not publishing */
    char bind_endpoint[DISP_ZMQ_ENDPOINT_MAX];
    int verbose;
    size_t max_message_bytes;
    disp_server_limits_t limits;
    disp_maps_t *maps;
    s_session_t **sessions; /* pointers: a session's address stays put while others come and go */
    size_t session_count;
    s_pending_t **pending;
    size_t pending_count;
    disp_server_stats_t stats;
};

static void s_log (const disp_server_t *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
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

void disp_server_limits_defaults (disp_server_limits_t *limits)
{
    *limits = (disp_server_limits_t){.max_sessions = DISP_SERVER_MAX_SESSIONS_DEFAULT,
                                     .max_client_sessions = DISP_SERVER_MAX_CLIENT_SESSIONS_DEFAULT,
                                     .max_vehicles = DISP_SERVER_MAX_VEHICLES_DEFAULT,
                                     .max_riders = DISP_SERVER_MAX_RIDERS_DEFAULT,
                                     .max_map_nodes = DISP_SERVER_MAX_MAP_NODES_DEFAULT,
                                     .map_cache_bytes = (size_t)DISP_SERVER_MAP_CACHE_MB_DEFAULT << 20,
                                     .search_bytes = (size_t)DISP_SERVER_SEARCH_MB_DEFAULT << 20,
                                     .idle_timeout_ms = (int64_t)DISP_SERVER_IDLE_TIMEOUT_S_DEFAULT * 1000};
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
    disp_server_limits_t def;
    disp_server_limits_defaults (&def);
    self->limits = opts->limits;
    disp_server_limits_t *l = &self->limits;
    if (!l->max_sessions) l->max_sessions = def.max_sessions;
    if (!l->max_client_sessions) l->max_client_sessions = def.max_client_sessions;
    if (!l->max_vehicles) l->max_vehicles = def.max_vehicles;
    if (!l->max_riders) l->max_riders = def.max_riders;
    if (!l->max_map_nodes) l->max_map_nodes = def.max_map_nodes;
    if (!l->map_cache_bytes) l->map_cache_bytes = def.map_cache_bytes;
    if (!l->search_bytes) l->search_bytes = def.search_bytes;
    if (l->idle_timeout_ms <= 0) l->idle_timeout_ms = def.idle_timeout_ms;
    if (!opts->curve_secret != !opts->curve_clients) {
        map_error (err, errlen, "CURVE needs both the server's secret key file and the clients' key folder");
        goto fail;
    }
    disp_maps_opts_t mopts = {.max_nodes = l->max_map_nodes,
                              .cache_bytes = l->map_cache_bytes,
                              .cache_dir = opts->map_cache_dir,
                              .verbose = opts->verbose};
    self->maps = disp_maps_new (opts->maps, opts->map_count, &mopts, err, errlen);
    if (!self->maps) goto fail;
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
    /* A session ends with its connection: the ROUTER's monitor reports each closed connection by its socket. */
    char monitor_at[64];
    snprintf (monitor_at, sizeof monitor_at, "inproc://disp-server-%p", (void *)self);
    if (zmq_socket_monitor (self->router, monitor_at, ZMQ_EVENT_DISCONNECTED) != 0 ||
        !(self->monitor = zmq_socket (self->ctx, ZMQ_PAIR)) || zmq_connect (self->monitor, monitor_at) != 0) {
        map_error (err, errlen, "%s: cannot monitor the socket: %s", bind_endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    if (opts->state && !publish_endpoint) {
        map_error (err, errlen, "%s: a state endpoint needs a publish endpoint", opts->state);
        goto fail;
    }
    if (publish_endpoint) {
        /* With CURVE, the stream and its state are as closed as the client endpoint: same keys, same admitted
         * clients. */
        self->pub = disp_pub_new_curve (self->ctx, publish_endpoint, opts->state, self->curve, err, errlen);
        if (!self->pub) goto fail;
    }
    self->sessions = calloc (self->limits.max_sessions, sizeof *self->sessions);
    self->pending = calloc (self->limits.max_sessions, sizeof *self->pending);
    if (!self->sessions || !self->pending) {
        map_error (err, errlen, "dispatcher: out of memory");
        goto fail;
    }
    return self;
fail:
    disp_server_destroy (&self);
    return NULL;
}

static void s_session_free (disp_server_t *self, s_session_t *session)
{
    disp_engine_destroy (&session->engine);
    disp_maps_release (self->maps, session->map);
    free (session->in_requests);
    free (session->in_vehicles);
    free (session->in_cancelled);
    free (session);
}

void disp_server_destroy (disp_server_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_server_t *self = *self_p;
    for (size_t i = 0; i < self->session_count; i++)
        s_session_free (self, self->sessions[i]);
    free (self->sessions);
    for (size_t i = 0; i < self->pending_count; i++) {
        disp_maps_release (self->maps, self->pending[i]->map);
        free (self->pending[i]);
    }
    free (self->pending);
    disp_maps_destroy (&self->maps);
    if (self->router) zmq_socket_monitor (self->router, NULL, 0);
    if (self->monitor) zmq_close (self->monitor);
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
    disp_maps_stats_t maps;
    disp_maps_stats (self->maps, &maps);
    out->map_builds = maps.builds;
    out->map_build_failures = maps.build_failures;
    out->maps_evicted = maps.evicted;
}

/* ---- replies ----------------------------------------------------------------------------------------------- */

/* Sends [routing id]([])[frame] to the peer; frees frame. ROUTER_MANDATORY is off, so a vanished peer's reply is
 * dropped silently instead of failing. */
static void s_reply (disp_server_t *self, const s_route_t *route, uint8_t *frame, size_t len)
{
    disp_zmq_router_send (self->router, route->id, route->id_len, route->delimiter, frame, len);
    free (frame);
}

static s_route_t s_route_of (const s_owner_t *owner)
{
    return (s_route_t){.id = owner->id,
                       .id_len = owner->id_len,
                       .delimiter = owner->delimiter,
                       .peer = owner->peer,
                       .key = owner->key,
                       .fd = owner->fd};
}

/* Sends an encoded frame to a session's peer (an answer, or unasked: live decisions, heartbeats); frees frame. */
static void s_tell (disp_server_t *self, s_session_t *session, uint8_t *frame, size_t len, int64_t wall_ms)
{
    s_route_t route = s_route_of (&session->owner);
    s_reply (self, &route, frame, len);
    session->told_ms = wall_ms;
}

static void s_reply_error (disp_server_t *self, const s_route_t *route, disp_error_code_t code, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));
static void s_reply_error (disp_server_t *self, const s_route_t *route, disp_error_code_t code, const char *fmt, ...)
{
    char message[256];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (message, sizeof message, fmt, ap);
    va_end (ap);
    s_log (self, "error reply: %s", message);
    self->stats.errors_sent++;
    switch (code) {
    case DISP_ERR_PROTOCOL: self->stats.protocol++; break;
    case DISP_ERR_BAD_VALUE: self->stats.bad_value++; break;
    case DISP_ERR_MAP: self->stats.map_errors++; break;
    case DISP_ERR_POLICY: self->stats.policy_errors++; break;
    case DISP_ERR_LIMIT: self->stats.limited++; break;
    case DISP_ERR_NO_SESSION: self->stats.no_session++; break;
    default: break; /* malformed and too large are counted where they are found */
    }
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_error (code, message, &frame, &len) == 0) s_reply (self, route, frame, len);
}

/* ---- sessions ---------------------------------------------------------------------------------------------- */

static int s_same_connection (const s_owner_t *owner, const s_route_t *route)
{
    return owner->id_len == route->id_len && memcmp (owner->id, route->id, route->id_len) == 0;
}

static int s_owned_by (const s_owner_t *owner, const s_route_t *route)
{
    return s_same_connection (owner, route) && owner->fd == route->fd && strcmp (owner->peer, route->peer) == 0 &&
           strcmp (owner->key, route->key) == 0;
}

/* The client behind an owner or a route, for the per-client limit: its CURVE key, else its address. */
static const char *s_client_of (const char *peer, const char *key)
{
    return key[0] ? key : peer;
}

/* The session this connection owns, or NULL, in one pass over the sessions and the Hellos waiting for their maps.
 * *foreign is set when the routing id names one that another connection or client opened (a reused or guessed id):
 * that finds nothing, as if there were no session. */
static s_session_t *s_session_find (disp_server_t *self, const s_route_t *route, int *foreign)
{
    *foreign = 0;
    s_session_t *found = NULL;
    for (size_t i = 0; i < self->session_count; i++)
        if (s_same_connection (&self->sessions[i]->owner, route)) {
            if (s_owned_by (&self->sessions[i]->owner, route))
                found = self->sessions[i];
            else
                *foreign = 1;
        }
    for (size_t i = 0; i < self->pending_count; i++)
        if (s_same_connection (&self->pending[i]->owner, route) && !s_owned_by (&self->pending[i]->owner, route))
            *foreign = 1;
    return found;
}

/* Removes a session; keeps the others in order. why: for the log. */
static void s_session_drop (disp_server_t *self, size_t i, const char *why)
{
    s_session_t *session = self->sessions[i];
    s_log (self, "session '%s' %s", session->name, why);
    s_session_free (self, session);
    memmove (&self->sessions[i], &self->sessions[i + 1], (self->session_count - i - 1) * sizeof *self->sessions);
    self->session_count--;
    self->stats.sessions_closed++;
}

static void s_pending_drop (disp_server_t *self, size_t i)
{
    disp_maps_release (self->maps, self->pending[i]->map);
    free (self->pending[i]);
    memmove (&self->pending[i], &self->pending[i + 1], (self->pending_count - i - 1) * sizeof *self->pending);
    self->pending_count--;
}

/* Removes what this connection has (its session, or its Hello waiting for a map). */
static void s_session_remove (disp_server_t *self, const s_route_t *route)
{
    for (size_t i = 0; i < self->session_count; i++)
        if (s_owned_by (&self->sessions[i]->owner, route)) {
            s_session_drop (self, i, "closed");
            return;
        }
    for (size_t i = 0; i < self->pending_count; i++)
        if (s_owned_by (&self->pending[i]->owner, route)) {
            s_pending_drop (self, i);
            return;
        }
}

/* Opens the session of a Hello whose map is ready and answers it. */
static void s_session_open (disp_server_t *self, const s_owner_t *owner, const disp_hello_t *hello, disp_map_t *map)
{
    s_route_t route = s_route_of (owner);
    const map_net_t *net = disp_map_net (map);
    uint64_t fingerprint = map_graph_fingerprint (map_net_graph (net));
    if (hello->map_fingerprint != 0 && fingerprint != hello->map_fingerprint) {
        disp_maps_release (self->maps, map);
        s_reply_error (self, &route, DISP_ERR_MAP,
                       "hello.map.fingerprint: does not match map '%s' as this dispatcher builds it (check the "
                       "source, epsg, grid_m and highways on both sides)",
                       disp_map_name (map));
        return;
    }
    char err[256];
    s_session_t *session = calloc (1, sizeof *session);
    disp_engine_t *engine = session ? disp_engine_new (net, &hello->traffic, &hello->config, err, sizeof err) : NULL;
    if (engine && !disp_engine_set_search_memory (engine, self->limits.search_bytes))
        s_log (self, "session '%s': map %s needs more than --max-search-mb (%zu MB) for nearest-vehicle buckets: "
               "vehicles are found by the index walk (the same answers, slower)",
               hello->session, disp_map_name (map), self->limits.search_bytes >> 20);
    if (!engine) {
        disp_maps_release (self->maps, map);
        if (session)
            s_reply_error (self, &route, DISP_ERR_BAD_VALUE, "%s", err);
        else
            s_reply_error (self, &route, DISP_ERR_UNSPECIFIED, "dispatcher: out of memory");
        free (session);
        return;
    }
    int64_t wall = disp_zmq_clock_ms ();
    session->owner = *owner;
    snprintf (session->name, sizeof session->name, "%s", hello->session);
    session->engine = engine;
    for (int f = 0; f < DISP_FLEET_COUNT; f++)
        session->buckets_on[f] = disp_engine_buckets (engine, (disp_fleet_t)f, NULL);
    session->map = map;
    session->mode = hello->mode;
    session->vehicle_capacity = hello->config.vehicle_capacity;
    session->heartbeat_ms = hello->heartbeat_ms;
    session->expiry_ms = DISP_SERVER_EXPIRY_BEATS * hello->heartbeat_ms;
    if (session->expiry_ms > self->limits.idle_timeout_ms) session->expiry_ms = self->limits.idle_timeout_ms;
    session->heard_ms = session->told_ms = wall;
    session->opened_ms = wall;
    session->clock_start_ms = hello->clock_start_ms;
    session->live_step_ms = hello->live_step_ms;
    session->next_step_ms = wall + hello->live_step_ms;
    self->sessions[self->session_count++] = session;
    self->stats.sessions_opened++;
    s_log (self, "session '%s' opened: map %s, %s, policy %s, %u vehicles", session->name, disp_map_name (map),
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

/* disp_maps_collect's report on a finished build: the Hellos waiting for that map are answered, oldest first. */
static void s_on_map_done (disp_map_t *map, int code, const char *message, void *arg)
{
    disp_server_t *self = arg;
    for (size_t i = 0; i < self->pending_count;) {
        s_pending_t *p = self->pending[i];
        if (p->map != map) {
            i++;
            continue;
        }
        memmove (&self->pending[i], &self->pending[i + 1], (self->pending_count - i - 1) * sizeof *self->pending);
        self->pending_count--;
        if (code == 0) {
            s_session_open (self, &p->owner, &p->hello, map); /* takes the hold */
        } else {
            s_route_t route = s_route_of (&p->owner);
            disp_maps_release (self->maps, map);
            s_reply_error (self, &route, (disp_error_code_t)code, "%s", message);
        }
        free (p);
    }
}

/* Sessions and waiting Hellos of one client. */
static size_t s_client_sessions (const disp_server_t *self, const char *client)
{
    size_t n = 0;
    for (size_t i = 0; i < self->session_count; i++)
        n += strcmp (s_client_of (self->sessions[i]->owner.peer, self->sessions[i]->owner.key), client) == 0;
    for (size_t i = 0; i < self->pending_count; i++)
        n += strcmp (s_client_of (self->pending[i]->owner.peer, self->pending[i]->owner.key), client) == 0;
    return n;
}

/* Whether another client has a session (or a waiting Hello) of this name: names are what subscribers go by. */
static int s_name_taken (const disp_server_t *self, const char *name, const char *client)
{
    for (size_t i = 0; i < self->session_count; i++) {
        const s_session_t *s = self->sessions[i];
        if (strcmp (s->name, name) == 0 && strcmp (s_client_of (s->owner.peer, s->owner.key), client) != 0) return 1;
    }
    for (size_t i = 0; i < self->pending_count; i++) {
        const s_pending_t *p = self->pending[i];
        if (strcmp (p->hello.session, name) == 0 && strcmp (s_client_of (p->owner.peer, p->owner.key), client) != 0)
            return 1;
    }
    return 0;
}

/* foreign: the routing id names a session (or waiting Hello) another connection opened (s_session_find). */
static void s_on_hello (disp_server_t *self, const s_route_t *route, const disp_hello_t *hello, int foreign)
{
    /* A routing id of someone else's session, presented from elsewhere, opens nothing and closes nothing. */
    if (foreign) {
        s_reply_error (self, route, DISP_ERR_PROTOCOL, "routing id: in use by another connection's session");
        return;
    }
    /* A new Hello starts over, whatever becomes of it. */
    s_session_remove (self, route);

    /* ZeroMQ gives every connection that does not choose one a routing id starting with a zero byte, never reused
     * while the socket lives. A client that picks its own could pick one a silent session still has. */
    if (route->id_len == 0 || route->id[0] != 0) {
        s_reply_error (self, route, DISP_ERR_PROTOCOL,
                       "routing id: chosen by the client; the dispatcher only serves ids that ZeroMQ assigns");
        return;
    }
    if (strcmp (hello->protocol, DISP_PROTOCOL) != 0) {
        s_reply_error (self, route, DISP_ERR_PROTOCOL, "hello.protocol: not %s", DISP_PROTOCOL);
        return;
    }
    if (hello->map_fingerprint == 0 && hello->mode != DISP_MODE_LIVE) {
        s_reply_error (self, route, DISP_ERR_MAP,
                       "hello.map.fingerprint: 0 is for live clients that send lon/lat; a lockstep session sends road "
                       "nodes and must give its map's fingerprint");
        return;
    }
    /* The policy is checked before the map: no point building a city for a session that cannot run. */
    if (!disp_policy_find (hello->config.policy)) {
        char names[128];
        s_reply_error (self, route, DISP_ERR_POLICY, "hello.policy: not a policy (%s)",
                       disp_policy_names (names, sizeof names));
        return;
    }
    if (hello->config.vehicle_capacity > self->limits.max_vehicles) {
        s_reply_error (self, route, DISP_ERR_LIMIT, "limit max_vehicles: hello.vehicle_capacity %u is over %zu",
                       hello->config.vehicle_capacity, self->limits.max_vehicles);
        return;
    }
    if (self->session_count + self->pending_count >= self->limits.max_sessions) {
        s_reply_error (self, route, DISP_ERR_LIMIT, "limit max_sessions: %zu sessions are open; try again later",
                       self->limits.max_sessions);
        return;
    }
    const char *client = s_client_of (route->peer, route->key);
    if (s_client_sessions (self, client) >= self->limits.max_client_sessions) {
        s_reply_error (self, route, DISP_ERR_LIMIT, "limit max_client_sessions: this client has %zu sessions open",
                       self->limits.max_client_sessions);
        return;
    }
    if (s_name_taken (self, hello->session, client)) {
        s_reply_error (self, route, DISP_ERR_BAD_VALUE, "hello.session: the name is in use by another client");
        return;
    }
    int code;
    char err[256];
    disp_map_t *map = disp_maps_request (self->maps, &hello->map, &code, err, sizeof err);
    if (!map) {
        s_reply_error (self, route, (disp_error_code_t)code, "%s", err);
        return;
    }
    s_owner_t owner = {.id_len = route->id_len, .delimiter = route->delimiter};
    memcpy (owner.id, route->id, route->id_len);
    snprintf (owner.peer, sizeof owner.peer, "%s", route->peer);
    snprintf (owner.key, sizeof owner.key, "%s", route->key);
    owner.fd = route->fd;
    if (disp_map_net (map)) {
        s_session_open (self, &owner, hello, map);
        return;
    }
    s_pending_t *p = malloc (sizeof *p);
    if (!p) {
        disp_maps_release (self->maps, map);
        s_reply_error (self, route, DISP_ERR_UNSPECIFIED, "dispatcher: out of memory");
        return;
    }
    *p = (s_pending_t){.owner = owner, .hello = *hello, .map = map};
    self->pending[self->pending_count++] = p;
    s_log (self, "session '%s' waits for map %s", hello->session, disp_map_name (map));
}

/* Publications go out under the session's name and its client's key, on the stream's own topics only (a client
 * making up topics would fill the publisher's topic table for everyone). 0, or -1 after an error reply. */
static int s_check_publications (disp_server_t *self, const s_route_t *route, const disp_tick_t *tick)
{
    for (size_t i = 0; i < tick->publish_count; i++) {
        const char *topic = tick->publish[i].topic;
        if (strcmp (topic, "metrics.periodic") != 0 && strcmp (topic, "metrics.final") != 0) {
            s_reply_error (self, route, DISP_ERR_BAD_VALUE,
                           "tick.publish[%zu].topic: not metrics.periodic or metrics.final", i);
            return -1;
        }
    }
    return 0;
}

/* Whether n more riders would pass the session's limit on waiting riders. */
static int s_riders_over (const disp_server_t *self, const s_session_t *session, size_t more)
{
    size_t waiting = disp_engine_pending_count (session->engine) + session->in_request_count;
    return waiting + more > self->limits.max_riders;
}

/* Logs (with --verbose) once when a fleet of the session leaves the nearest-vehicle buckets: their memory passed
 * --max-search-mb, and that fleet's vehicles are found by the slower index walk from then on. */
static void s_note_buckets (const disp_server_t *self, s_session_t *session)
{
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        int on = disp_engine_buckets (session->engine, (disp_fleet_t)f, NULL);
        if (session->buckets_on[f] && !on)
            s_log (self,
                   "session '%s': %s vehicles past --max-search-mb (%zu MB): found by the index walk from now on "
                   "(the same answers, slower)",
                   session->name, disp_fleet_name ((disp_fleet_t)f), self->limits.search_bytes >> 20);
        session->buckets_on[f] = on;
    }
}

static void s_on_tick (disp_server_t *self, const s_route_t *route, s_session_t *session, const disp_tick_t *tick)
{
    if (session->mode != DISP_MODE_LOCKSTEP) {
        s_reply_error (self, route, DISP_ERR_PROTOCOL, "tick in a live session: live clients send Update");
        return;
    }
    if (s_check_publications (self, route, tick) != 0) return;
    if (s_riders_over (self, session, tick->request_count)) {
        s_reply_error (self, route, DISP_ERR_LIMIT, "limit max_riders: more than %zu riders would be waiting",
                       self->limits.max_riders);
        return;
    }
    /* A resync's requests since the rebalancer's last run are replayed as demand: as many as riders may wait. */
    if (tick->resync && tick->observed_count > self->limits.max_riders) {
        s_reply_error (self, route, DISP_ERR_LIMIT, "limit max_riders: tick.observed holds more than %zu requests",
                       self->limits.max_riders);
        return;
    }
    char err[256];
    disp_decisions_t decisions;
    if (disp_engine_step (session->engine, tick, &decisions, err, sizeof err) != 0) {
        s_reply_error (self, route, DISP_ERR_BAD_VALUE, "%s", err);
        return;
    }
    s_note_buckets (self, session);
    if (tick->resync)
        s_log (self, "session '%s' resumed at step %llu: %zu vehicles, %zu waiting riders", session->name,
               (unsigned long long)tick->step, tick->vehicle_count, tick->request_count);
    self->stats.assignments += decisions.assignment_count;
    /* A slow subscriber past its high-water mark loses messages; the simulator never waits for it. */
    for (size_t i = 0; self->pub && i < tick->publish_count; i++)
        if (disp_pub_send_from (self->pub, &tick->publish[i], session->name, session->owner.key) == 0)
            self->stats.published++;
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
static int s_snap (s_session_t *session, disp_position_t *pos, const char *field, size_t i, char *err, size_t errlen)
{
    if (pos->node != MAP_NODE_NONE) return 0;
    const map_graph_t *graph = map_net_graph (disp_map_net (session->map));
    map_proj_t *proj = disp_map_proj (session->map, err, errlen);
    if (!proj) return -1;
    double x, y;
    char why[200];
    if (map_proj_forward (proj, pos->lon, pos->lat, &x, &y, why, sizeof why) != 0)
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
    s_note_buckets (self, session);
    if (decisions.assignment_count == 0 && decisions.reposition_count == 0) return;
    self->stats.assignments += decisions.assignment_count;
    decisions.rebalance = NULL; /* a live client never resends it: a live session's demand restarts with it */
    uint8_t *frame;
    size_t len;
    if (disp_codec_encode_decisions (&decisions, &frame, &len) == 0) s_tell (self, session, frame, len, wall_ms);
}

/* Appends count items of `size` bytes to a growable array. 0, or -1 out of memory (nothing changed). */
static int s_append (void **array, size_t *used, size_t *cap, const void *items, size_t count, size_t size)
{
    if (count == 0) return 0;
    if (map_mem_reserve (array, cap, *used + count, size) != 0) return -1;
    memcpy ((char *)*array + *used * size, items, count * size);
    *used += count;
    return 0;
}

/* Steps every live session that received updates since its last step, with all of them at once: under load the
 * updates read in one wake-up are dispatched together and answered with one Decisions. */
static void s_live_flush_session (disp_server_t *self, s_session_t *session, int64_t wall)
{
    if (!session->in_pending) return;
    disp_tick_t tick = {.requests = session->in_requests,
                        .request_count = session->in_request_count,
                        .vehicles = session->in_vehicles,
                        .vehicle_count = session->in_vehicle_count,
                        .cancelled = session->in_cancelled,
                        .cancelled_count = session->in_cancelled_count};
    s_route_t route = s_route_of (&session->owner);
    s_live_step (self, &route, session, &tick, wall);
    session->in_request_count = session->in_vehicle_count = session->in_cancelled_count = 0;
    session->in_pending = 0;
}

static void s_live_flush (disp_server_t *self)
{
    int64_t wall = disp_zmq_clock_ms ();
    for (size_t i = 0; i < self->session_count; i++)
        s_live_flush_session (self, self->sessions[i], wall);
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
    if (s_riders_over (self, session, update->request_count)) {
        s_reply_error (self, route, DISP_ERR_LIMIT, "limit max_riders: more than %zu riders would be waiting",
                       self->limits.max_riders);
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
        if (s_snap (session, &reqs[i].origin, "update.requests.origin", i, err, sizeof err) ||
            (!no_destination && s_snap (session, dest, "update.requests.destination", i, err, sizeof err))) {
            s_reply_error (self, route, DISP_ERR_BAD_VALUE, "%s", err);
            return;
        }
        if (reqs[i].time_ms == 0) reqs[i].time_ms = now;
        if (reqs[i].deadline_ms == 0) reqs[i].deadline_ms = INT64_MAX;
    }
    for (size_t i = 0; i < update->vehicle_count; i++)
        if (vehs[i].status == DISP_VEH_IDLE &&
            s_snap (session, &vehs[i].position, "update.vehicles.position", i, err, sizeof err)) {
            s_reply_error (self, route, DISP_ERR_BAD_VALUE, "%s", err);
            return;
        }
    if (disp_engine_check (session->engine, update, err, sizeof err) != 0) {
        s_reply_error (self, route, DISP_ERR_BAD_VALUE, "update: %s", err);
        return;
    }
    /* The inbox holds at most a fleet's worth of telemetry and max_riders cancellations (besides what one update
     * brings): a client sending many large updates in one wake-up has the earlier ones stepped first. */
    if (session->in_vehicle_count + update->vehicle_count > session->vehicle_capacity ||
        session->in_cancelled_count + update->cancelled_count > self->limits.max_riders)
        s_live_flush_session (self, session, wall);
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
        s_session_t *session = self->sessions[i];
        if (wall_ms - session->heard_ms > session->expiry_ms) {
            self->stats.sessions_expired++;
            s_session_drop (self, i, "expired: its peer has been silent");
            continue;
        }
        if (session->heard_ms + session->expiry_ms + 1 < next) next = session->heard_ms + session->expiry_ms + 1;
        if (session->mode != DISP_MODE_LIVE) continue;
        if (wall_ms >= session->next_step_ms) {
            s_route_t route = s_route_of (&session->owner);
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
    int foreign;
    s_session_t *session = s_session_find (self, route, &foreign);
    if (foreign) self->stats.foreign++;
    if (session) session->heard_ms = disp_zmq_clock_ms ();
    switch (msg.kind) {
    case DISP_MSG_HELLO:
        s_on_hello (self, route, &msg.hello, foreign);
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

/* Ends the sessions (and waiting Hellos) of connections the ROUTER's monitor reports closed. Read before the ROUTER's
 * messages: a new connection that got the same socket number is accepted only after the old one's event was queued.
 * 0, or -1 on a socket failure. */
static int s_read_disconnects (disp_server_t *self)
{
    for (;;) {
        zmq_msg_t event, address;
        zmq_msg_init (&event);
        if (zmq_msg_recv (&event, self->monitor, ZMQ_DONTWAIT) < 0) {
            int e = zmq_errno ();
            zmq_msg_close (&event);
            return e == EAGAIN || e == EINTR ? 0 : -1;
        }
        int more = zmq_msg_more (&event);
        uint16_t kind = 0;
        uint32_t fd = 0;
        if (zmq_msg_size (&event) >= 6) {
            memcpy (&kind, zmq_msg_data (&event), sizeof kind);
            memcpy (&fd, (const uint8_t *)zmq_msg_data (&event) + 2, sizeof fd);
        }
        zmq_msg_close (&event);
        while (more) { /* the endpoint frame */
            zmq_msg_init (&address);
            if (zmq_msg_recv (&address, self->monitor, 0) < 0) {
                zmq_msg_close (&address);
                return -1;
            }
            more = zmq_msg_more (&address);
            zmq_msg_close (&address);
        }
        if (kind != ZMQ_EVENT_DISCONNECTED) continue;
        for (size_t i = self->session_count; i-- > 0;)
            if (self->sessions[i]->owner.fd == (int)fd) s_session_drop (self, i, "closed: its connection closed");
        for (size_t i = self->pending_count; i-- > 0;)
            if (self->pending[i]->owner.fd == (int)fd) s_pending_drop (self, i);
    }
}

/* Handles one message waiting on the ROUTER. Returns 1 when one was handled, 0 when none was waiting, -1 on a
 * socket failure. */
static int s_router_once (disp_server_t *self)
{
    disp_zmq_request_t req;
    int rc = disp_zmq_router_recv (self->router, &req);
    if (rc <= 0) return rc;
    self->stats.frames_in++;
    s_route_t route = {
        .id = req.id, .id_len = req.id_len, .delimiter = req.delimiter, .peer = req.peer, .key = req.key,
        .fd = req.fd};
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
        zmq_pollitem_t items[5] = {{self->router, 0, ZMQ_POLLIN, 0},
                                   {NULL, disp_maps_fd (self->maps), ZMQ_POLLIN, 0},
                                   {self->monitor, 0, ZMQ_POLLIN, 0},
                                   {self->pub ? disp_pub_socket (self->pub) : NULL, 0, ZMQ_POLLIN, 0},
                                   {state, 0, ZMQ_POLLIN, 0}};
        int64_t wait_ms = due - disp_zmq_clock_ms ();
        if (wait_ms < 0) wait_ms = 0;
        int n = zmq_poll (items, 3 + (self->pub != NULL) + (state != NULL), (long)wait_ms);
        if (n < 0) {
            if (zmq_errno () == EINTR) continue;
            return -1;
        }
        /* Closed connections first, always: see s_read_disconnects. */
        if (s_read_disconnects (self) < 0) return -1;
        if (items[0].revents & ZMQ_POLLIN) {
            for (int i = 0; i < S_BATCH && !*stop; i++) {
                if (i > 0 && s_read_disconnects (self) < 0) return -1;
                int rc = s_router_once (self);
                if (rc < 0) return -1;
                if (rc == 0) break;
            }
            s_live_flush (self);
        }
        /* Maps the worker finished: the Hellos waiting for them get their sessions (or their errors). */
        if (items[1].revents & ZMQ_POLLIN) disp_maps_collect (self->maps, s_on_map_done, self);
        if (self->pub && (items[3].revents & ZMQ_POLLIN) && s_read_subscriptions (self) < 0) return -1;
        if (state && (items[4].revents & ZMQ_POLLIN) && disp_pub_serve_state (self->pub) < 0) return -1;
        due = s_timers (self, disp_zmq_clock_ms ());
    }
    /* Subscription notices already queued when the stop came still count: the final counters are complete. */
    if (self->pub && s_read_subscriptions (self) < 0) return -1;
    return 0;
}
