/* disp_server: the dispatcher service. A ROUTER socket serves any number of sessions (one engine and map each,
 * keyed by the peer's routing id): lockstep simulators and live clients on the wall clock. An XPUB socket
 * republishes the metrics the sessions send. Bad or oversized frames get an ErrorReply and are counted; silent
 * sessions are forgotten; the service keeps serving. */
#ifndef DISP_SERVER_H
#define DISP_SERVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef struct disp_server_t disp_server_t;

typedef struct {
    uint64_t frames_in;
    uint64_t errors_sent;        /* error replies of every kind */
    uint64_t malformed;          /* of which: frames that were not a valid Envelope */
    uint64_t too_large;          /* of which: frames over the message size limit */
    uint64_t sessions_opened;
    uint64_t sessions_closed;    /* by Bye, by a new Hello, or expired */
    uint64_t sessions_expired;   /* of which: silent for DISP_SERVER_EXPIRY_BEATS heartbeats */
    uint64_t live_updates;       /* Update messages applied */
    uint64_t assignments;        /* assignments made, lockstep and live */
    uint64_t heartbeats_in;
    uint64_t published;
    uint64_t subscribers_joined;
    uint64_t state_replies;      /* state requests answered (disp_pub_stats_t) */
} disp_server_stats_t;

/* A session whose peer has sent nothing for this many of its heartbeat periods is forgotten. */
#define DISP_SERVER_EXPIRY_BEATS 10

/* The default limit on a client's frame (bytes); ZeroMQ itself drops a connection whose frame exceeds
 * DISP_ZMQ_MAX_MSG_BYTES before any of it reaches the service. */
#define DISP_SERVER_MAX_MESSAGE_DEFAULT (16u << 20)

/* How to serve. Zero / NULL fields take the defaults noted. */
typedef struct {
    const char *bind;              /* ROUTER endpoint for clients (required) */
    const char *publish;           /* XPUB endpoint for metrics subscribers; NULL = no metrics stream */
    const char *state;             /* ROUTER endpoint answering StateRequests; NULL = none (needs publish) */
    int verbose;                   /* log sessions and subscriptions on stderr */
    size_t max_message_bytes;      /* larger frames get ERROR_TOO_LARGE; 0 = DISP_SERVER_MAX_MESSAGE_DEFAULT */
    const char *curve_secret;      /* CURVE on the client endpoint: the server's key pair (NAME_secret) ... */
    const char *curve_clients;     /* ... and the folder of admitted clients' public keys; both or neither */
} disp_server_opts_t;

/* Binds the ROUTER at opts->bind and, when opts->publish is not NULL, an XPUB there (and the state ROUTER at
 * opts->state when not NULL). NULL with a message ("tcp://x:1: bind failed: Address already in use",
 * "max_message_bytes: ... is not in [...]") on failure. */
disp_server_t *disp_server_new (const disp_server_opts_t *opts, char *err, size_t errlen);

/* NULL-safe; closes sockets and sessions; sets *self_p to NULL. */
void disp_server_destroy (disp_server_t **self_p);

/* Serves until *stop becomes nonzero (checked at least every 200 ms): answers frames, steps live sessions on the
 * wall clock, sends and checks heartbeats. Returns 0, or -1 on a socket failure. */
int disp_server_run (disp_server_t *self, volatile sig_atomic_t *stop);

/* The actual endpoints after binding (resolves wildcard hosts and ephemeral ports such as tcp://127.0.0.1:0). */
const char *disp_server_bind_endpoint (const disp_server_t *self);
const char *disp_server_publish_endpoint (const disp_server_t *self);
const char *disp_server_state_endpoint (const disp_server_t *self); /* NULL when none */

void disp_server_stats (const disp_server_t *self, disp_server_stats_t *out);

#endif
