/* disp_link: a client's side of dispatching. One interface, two transports: in-process (the engine is called
 * directly; metrics go to the simulator's own PUB socket if any) and ZeroMQ (a DEALER to robotaxi-dispatcher; the
 * dispatcher publishes the metrics). Both run the same engine code, so both give identical decisions. Over ZeroMQ
 * the link keeps a copy of what the dispatcher should know (every vehicle's last state, the riders still waiting),
 * pings a dispatcher that is slow to answer, and when it dies waits for a restarted one, opens a new session and
 * resends that state, so no request is lost or assigned twice. The same link serves live clients (Update /
 * Decisions on the wall clock). */
#ifndef DISP_LINK_H
#define DISP_LINK_H

#include <stddef.h>
#include "disp_curve.h"
#include "disp_types.h"
#include "map_net.h"

typedef struct disp_link_t disp_link_t;

/* In-process dispatching on network net (must outlive the link). publish_endpoint may be NULL (no metrics stream);
 * otherwise a PUB socket is bound there, which numbers the messages with hello->session as their session, and with
 * state_endpoint (NULL: none) a state ROUTER answered at every step. NULL with a message on failure. */
disp_link_t *disp_link_inproc_new (const map_net_t *net, const disp_hello_t *hello, const char *publish_endpoint,
                                   const char *state_endpoint, char *err, size_t errlen);

/* Connects to a dispatcher at endpoint and opens a session with hello. Waits up to timeout_ms for the reply.
 * NULL with a message on failure ("tcp://127.0.0.1:5555: no answer from a dispatcher within 5.0 s", or the
 * dispatcher's error reply). */
disp_link_t *disp_link_zmq_new (const char *endpoint, const disp_hello_t *hello, int timeout_ms, char *err,
                                size_t errlen);

/* The same over CURVE with keys (NULL: plain). A dispatcher that does not admit the key never answers, so the
 * message then says to check the keys. */
disp_link_t *disp_link_zmq_new_keys (const char *endpoint, const disp_hello_t *hello, int timeout_ms,
                                     const disp_curve_keys_t *keys, char *err, size_t errlen);

/* Progress lines for the user ("dispatcher tcp://...: no answer for 3.0 s; reconnecting"). */
typedef void (disp_link_log_fn) (const char *line, void *arg);

/* ZeroMQ links: after the session is open, wait up to reconnect_ms for a dead dispatcher to come back (0, the
 * default: fail at once, as the first connection does), and report on log (may be NULL). */
void disp_link_set_recovery (disp_link_t *self, int reconnect_ms, disp_link_log_fn *log, void *arg);

/* Times the link opened a new session after losing its dispatcher. */
unsigned disp_link_reconnects (const disp_link_t *self);

/* NULL-safe. Says Bye to a remote dispatcher. Sets *self_p to NULL. */
void disp_link_destroy (disp_link_t **self_p);

/* One lockstep step: sends the tick (and its publications), waits for the decisions. out->assignments and
 * out->repositions are owned by the link and valid until the next step. Returns 0, or -1 with a message (timeout, error reply, transport). */
int disp_link_step (disp_link_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen);

/* Starts a new session on the same link (the next day of a run): the dispatcher forgets every vehicle and request
 * and takes hello afresh; the link's metrics publisher, if any, stays bound so subscribers keep their stream.
 * Returns 0, or -1 with a message (and the link is then unusable). */
int disp_link_restart (disp_link_t *self, const disp_hello_t *hello, char *err, size_t errlen);

/* ---- live mode (a ZeroMQ link whose hello.mode is DISP_MODE_LIVE) ---- */

/* Sends what is new (requests, vehicle states, cancellations; step, now_ms and publications are ignored). Requests
 * without time_ms are stamped by the dispatcher. Returns 0, or -1 with a message. */
int disp_link_send (disp_link_t *self, const disp_tick_t *update, char *err, size_t errlen);

/* Waits up to timeout_ms for the dispatcher's next decisions, heartbeating and recovering meanwhile. Returns 1 with
 * *out filled (owned by the link, valid until the next call), 0 when none came in time, -1 with a message. */
int disp_link_receive (disp_link_t *self, int timeout_ms, disp_decisions_t *out, char *err, size_t errlen);

/* The session clock now (live): the dispatcher's clock at Hello plus the time elapsed since. */
int64_t disp_link_clock (const disp_link_t *self);

/* For an in-process link with a publish endpoint: wait up to timeout_ms until `count` subscribers have joined.
 * Returns the number joined. Remote links return count at once (the dispatcher owns the publisher). */
int disp_link_wait_subscribers (disp_link_t *self, int count, int timeout_ms);

#endif
