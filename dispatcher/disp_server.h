/* disp_server: the dispatcher service. A ROUTER socket serves any number of simulator sessions (one engine and map
 * each, keyed by the peer's routing id); an XPUB socket republishes the metrics the sessions send. Bad frames get an
 * ErrorReply and are counted; the service keeps serving. */
#ifndef DISP_SERVER_H
#define DISP_SERVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef struct disp_server_t disp_server_t;

typedef struct {
    uint64_t frames_in;
    uint64_t errors_sent;        /* error replies: malformed, protocol, bad values */
    uint64_t sessions_opened;
    uint64_t sessions_closed;
    uint64_t published;
    uint64_t subscribers_joined;
} disp_server_stats_t;

/* How to serve. Zero / NULL fields take the defaults noted. */
typedef struct {
    const char *bind;              /* ROUTER endpoint for clients (required) */
    const char *publish;           /* XPUB endpoint for metrics subscribers; NULL = no metrics stream */
    int verbose;                   /* log sessions and subscriptions on stderr */
} disp_server_opts_t;

/* Binds the ROUTER at opts->bind and, when opts->publish is not NULL, an XPUB there. NULL with a message
 * ("tcp://x:1: bind failed: Address already in use") on failure. */
disp_server_t *disp_server_new (const disp_server_opts_t *opts, char *err, size_t errlen);

/* NULL-safe; closes sockets and sessions; sets *self_p to NULL. */
void disp_server_destroy (disp_server_t **self_p);

/* Serves until *stop becomes nonzero (checked at least every 200 ms). Returns 0, or -1 on a socket failure. */
int disp_server_run (disp_server_t *self, volatile sig_atomic_t *stop);

/* The actual endpoints after binding (resolves wildcard hosts and ephemeral ports such as tcp://127.0.0.1:0). */
const char *disp_server_bind_endpoint (const disp_server_t *self);
const char *disp_server_publish_endpoint (const disp_server_t *self);

void disp_server_stats (const disp_server_t *self, disp_server_stats_t *out);

#endif
