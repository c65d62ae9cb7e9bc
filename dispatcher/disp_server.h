/* disp_server: the dispatcher service. A ROUTER socket serves sessions (one engine each, over a map from a bounded
 * cache), each owned by the connection that opened it: lockstep simulators and live clients on the wall clock. An
 * XPUB socket republishes the metrics the sessions send. Everything a client sends is untrusted: clients pick maps
 * by the names the operator gave them, never by path; maps are built on a worker thread so no client stalls the
 * others; every resource a client can make the service spend has an operator's limit. Bad, oversized or over-limit
 * messages get an ErrorReply and are counted; silent sessions are forgotten; the service keeps serving. */
#ifndef DISP_SERVER_H
#define DISP_SERVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "disp_maps.h"

typedef struct disp_server_t disp_server_t;

typedef struct {
    uint64_t frames_in;
    uint64_t errors_sent;        /* error replies of every kind */
    uint64_t malformed;          /* of which: frames that were not a valid Envelope */
    uint64_t too_large;          /* of which: frames over the message size limit */
    uint64_t protocol;           /* of which: ERROR_PROTOCOL (wrong message in the wrong place, client-chosen ids) */
    uint64_t bad_value;          /* of which: ERROR_BAD_VALUE */
    uint64_t map_errors;         /* of which: ERROR_MAP (unknown map name, build failure, fingerprint) */
    uint64_t policy_errors;      /* of which: ERROR_POLICY */
    uint64_t limited;            /* of which: ERROR_LIMIT (an operator's limit reached) */
    uint64_t no_session;         /* of which: ERROR_NO_SESSION */
    uint64_t foreign;            /* messages naming a session another connection or client owns (refused) */
    uint64_t map_builds;         /* maps built or loaded on the worker */
    uint64_t map_build_failures;
    uint64_t maps_evicted;       /* least recently used maps dropped from the cache */
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

/* A session whose peer has sent nothing for this many of its heartbeat periods (or for the idle timeout, whichever
 * is sooner) is forgotten. */
#define DISP_SERVER_EXPIRY_BEATS 10

/* The operator's limits on what clients may make the service spend. Defaults in brackets (disp_server_limits_
 * defaults); 0 in a disp_server_opts_t means the default. */
typedef struct {
    size_t max_sessions;         /* sessions open or waiting for their map, all clients together [64] */
    size_t max_client_sessions;  /* of which one client's (its CURVE key; without CURVE its address) [16] */
    size_t max_vehicles;         /* Hello.vehicle_capacity [200000] */
    size_t max_riders;           /* riders waiting for a vehicle in one session [100000] */
    size_t max_map_nodes;        /* the largest road network a session may ask for [1000000] */
    size_t map_cache_bytes;      /* maps kept in memory; unused ones least recently used go first [2 GiB] */
    size_t search_bytes;         /* one session's nearest-vehicle buckets (disp_engine_set_search_memory) [1 GiB] */
    int64_t idle_timeout_ms;     /* a session silent this long is forgotten [120000] */
} disp_server_limits_t;

#define DISP_SERVER_MAX_SESSIONS_DEFAULT        64
#define DISP_SERVER_MAX_CLIENT_SESSIONS_DEFAULT 16
#define DISP_SERVER_MAX_VEHICLES_DEFAULT        200000
#define DISP_SERVER_MAX_RIDERS_DEFAULT          100000
#define DISP_SERVER_MAX_MAP_NODES_DEFAULT       1000000
#define DISP_SERVER_MAP_CACHE_MB_DEFAULT        2048
#define DISP_SERVER_SEARCH_MB_DEFAULT           1024
#define DISP_SERVER_IDLE_TIMEOUT_S_DEFAULT      120

/* Fills every limit with its default. */
void disp_server_limits_defaults (disp_server_limits_t *limits);



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
    const char *curve_secret;      /* CURVE on every endpoint: the server's key pair (NAME_secret) ... */
    const char *curve_clients;     /* ... and the folder of admitted clients' public keys; both or neither */
    const disp_map_source_t *maps; /* the maps clients may open by name, besides the embedded city; names unique */
    size_t map_count;
    const char *map_cache_dir;     /* where OSM imports are cached as map files; NULL = import on every load */
    disp_server_limits_t limits;   /* zero fields take the defaults */
} disp_server_opts_t;

/* Binds the ROUTER at opts->bind and, when opts->publish is not NULL, an XPUB there (and the state ROUTER at
 * opts->state when not NULL); checks that every listed map file is a readable regular file and starts the map
 * worker. NULL with a message ("tcp://x:1: bind failed: Address already in use", "max_message_bytes: ... is not in
 * [...]", "map monaco: /x.pbf: No such file or directory") on failure. */
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
