/* disp_zmq: ZeroMQ plumbing shared by the dispatcher service and the simulator's link: the limits every socket gets,
 * binding with the resolved endpoint read back, and the metrics publisher (an XPUB that numbers every message, counts
 * its subscribers, never blocks on a slow one, and answers state requests on an optional ROUTER). */
#ifndef DISP_ZMQ_H
#define DISP_ZMQ_H

#include <stddef.h>
#include <stdint.h>
#include <zmq.h>
#include "disp_curve.h"
#include "disp_types.h"

#define DISP_ZMQ_ENDPOINT_MAX 256

/* Every socket's limits: ZeroMQ drops a peer whose frame is larger than DISP_ZMQ_MAX_MSG_BYTES, and holds at most
 * DISP_ZMQ_HWM messages per peer and direction (past that a PUB drops, anything else refuses to queue more). */
#define DISP_ZMQ_MAX_MSG_BYTES (64LL * 1024 * 1024)
#define DISP_ZMQ_HWM           10000

/* Sets ZMQ_MAXMSGSIZE, both high-water marks and ZMQ_LINGER (ms). 0, or -1 with zmq_errno set. */
int disp_zmq_limits (void *sock, int linger_ms);

/* A socket of `type` with the limits (linger 0) bound at endpoint, a CURVE server when curve is not NULL; the
 * endpoint as bound (wildcard hosts and ephemeral ports resolved) goes into resolved[DISP_ZMQ_ENDPOINT_MAX]. NULL
 * with "ENDPOINT: bind failed: why". */
void *disp_zmq_bind (void *ctx, int type, const char *endpoint, disp_curve_t *curve, char *resolved, char *err,
                     size_t errlen);

/* ---- the metrics publisher ---------------------------------------------------------------------------------
 * Every message it sends is numbered: MetricsSnapshot.seq counts 1, 2, 3, ... per topic, .publisher names this
 * publisher (host, pid and start time: it changes when the publisher restarts and its numbers start over), .session
 * names the session that sent it. It keeps the latest snapshot of each session on each topic, and with a state
 * endpoint it answers a StateRequest with them (the "Clone" pattern: subscribe, ask the state, drop the stream's
 * messages numbered at or below the state's). Nothing here blocks on a peer: a subscriber past its high-water mark
 * loses messages, but their numbers are spent, so it sees the gap. */

#define DISP_PUB_TOPICS_MAX   64  /* distinct topics; a publication on one more is rejected */
#define DISP_PUB_SESSIONS_MAX 64  /* sessions remembered per topic; the one silent longest is forgotten first */
#define DISP_PUB_PREFIX_MAX   256 /* longest StateRequest.topic_prefix accepted, bytes */

/* Milliseconds on a monotonic clock, for timeouts, heartbeats and live session clocks; never for simulated time, so
 * lockstep decisions never depend on it. */
int64_t disp_zmq_clock_ms (void);

/* One message read from a ROUTER socket. A DEALER peer sends [payload], a REQ peer [][payload]; the ROUTER adds the
 * peer's routing id in front. Anything else is not well formed. The pointers are valid until
 * disp_zmq_request_close. */
typedef struct {
    const uint8_t *id;         /* the peer's routing id */
    size_t id_len;
    int delimiter;             /* the peer framed with an empty delimiter (REQ style); answers must too */
    int well_formed;           /* one payload frame, after an empty delimiter or none */
    size_t frames;             /* frames after the routing id */
    const uint8_t *payload;    /* the last frame (well formed or not) */
    size_t payload_len;
    char peer[64];             /* the connection's remote address (ZeroMQ's Peer-Address), "" when it has none */
    int fd;                    /* the connection's socket (ZMQ_SRCFD), -1 when unknown: tells connections apart */
    char key[41];              /* the client's CURVE public key (Z85) when the authenticator admitted it, else "" */
    zmq_msg_t parts_[3];       /* storage: the id and up to two more frames */
    size_t count_;
} disp_zmq_request_t;

/* Reads one whole message waiting on router, without blocking. Returns 1 with *req filled (close it), 0 when none
 * was waiting, -1 on a socket failure. */
int disp_zmq_router_recv (void *router, disp_zmq_request_t *req);

/* Frees what disp_zmq_router_recv holds in req. */
void disp_zmq_request_close (disp_zmq_request_t *req);

/* Sends frame to the peer with routing id `id`, after an empty delimiter when `delimiter`, without blocking. With
 * ROUTER_MANDATORY off, a message to a vanished peer or one past its high-water mark is dropped, not waited on.
 * Returns 0 when handed to ZeroMQ, -1 when dropped. */
int disp_zmq_router_send (void *router, const uint8_t *id, size_t id_len, int delimiter, const void *frame,
                          size_t len);

typedef struct disp_pub_t disp_pub_t;

/* What a publisher did so far. */
typedef struct {
    uint64_t sent;            /* numbered and handed to ZeroMQ, which may still drop it for a subscriber past its
                               * high-water mark: only that subscriber can tell, from the gap in seq */
    uint64_t dropped;         /* numbered, but refused by ZeroMQ: every subscriber sees the gap */
    uint64_t rejected;        /* not published, no number spent: not a MetricsSnapshot, topic table full, no memory */
    uint64_t state_replies;   /* StateRequests answered */
    uint64_t state_malformed; /* requests dropped unanswered: wrong frame count, not a StateRequest */
} disp_pub_stats_t;

/* A publisher bound at endpoint in ctx (which must outlive it) and, when state_endpoint is not NULL, a ROUTER bound
 * there for StateRequests (with the disp_zmq_limits). NULL with a message on failure. */
disp_pub_t *disp_pub_new (void *ctx, const char *endpoint, const char *state_endpoint, char *err, size_t errlen);

/* The same with both sockets CURVE servers when curve is not NULL (ctx must then be disp_curve_context(curve)):
 * only admitted clients subscribe or ask for the state, and the stream is encrypted. */
disp_pub_t *disp_pub_new_curve (void *ctx, const char *endpoint, const char *state_endpoint, disp_curve_t *curve,
                                char *err, size_t errlen);

/* NULL-safe; closes the sockets, frees the kept snapshots; sets *self_p to NULL. */
void disp_pub_destroy (disp_pub_t **self_p);

/* The endpoint as bound. */
const char *disp_pub_endpoint (const disp_pub_t *self);

/* The state endpoint as bound, or NULL when there is none. */
const char *disp_pub_state_endpoint (const disp_pub_t *self);

/* This publisher's id, the MetricsSnapshot.publisher and StateReply.publisher it sends ("host-pid-seconds.nanos"). */
const char *disp_pub_id (const disp_pub_t *self);

/* The XPUB socket, for zmq_poll: it becomes readable when a subscription notice arrives. */
void *disp_pub_socket (disp_pub_t *self);

/* The state ROUTER, for zmq_poll (readable when a request waits), or NULL when there is none. */
void *disp_pub_state_socket (disp_pub_t *self);

/* Reads the subscription notices already waiting, without blocking. Returns how many subscribers joined among
 * them (0 when none waited), or -1 on a socket failure. */
int disp_pub_read (disp_pub_t *self);

/* Answers the StateRequests already waiting (at most a batch of them), without blocking: one StateReply frame each,
 * sent the way the request came (a REQ peer's empty delimiter is kept). Malformed requests are counted and dropped.
 * Returns the number answered, 0 without a state endpoint, or -1 on a socket failure. */
int disp_pub_serve_state (disp_pub_t *self);

/* Subscribers now (joins minus leaves; one per topic subscribed). */
uint64_t disp_pub_subscribers (const disp_pub_t *self);

/* Waits up to timeout_ms until at least `count` subscribers have joined, answering state requests meanwhile.
 * Returns the number subscribed. */
uint64_t disp_pub_wait (disp_pub_t *self, uint64_t count, int timeout_ms);

/* Numbers the snapshot in pub->payload for pub->topic, stamps this publisher and `session` (NULL: "") on it,
 * keeps it as the session's latest on the topic and sends [topic][snapshot] without blocking: past a subscriber's
 * high-water mark the message is dropped for it, the sender never waits. Returns 0 when handed to ZeroMQ, -1 when
 * refused (rejected or dropped: see disp_pub_stats_t). */
int disp_pub_send (disp_pub_t *self, const disp_publication_t *pub, const char *session);

/* The same, stamping `client` (the sender's CURVE public key, Z85; NULL: "") as MetricsSnapshot.client. */
int disp_pub_send_from (disp_pub_t *self, const disp_publication_t *pub, const char *session, const char *client);

void disp_pub_stats (const disp_pub_t *self, disp_pub_stats_t *out);

#endif
