/* disp_link: the simulator's side of dispatching. One interface, two transports: in-process (the engine is called
 * directly; metrics go to the simulator's own PUB socket if any) and ZeroMQ (a DEALER to robotaxi-dispatcher; the
 * dispatcher publishes the metrics). Both run the same engine code, so both give identical decisions. */
#ifndef DISP_LINK_H
#define DISP_LINK_H

#include <stddef.h>
#include "disp_types.h"
#include "map_net.h"

typedef struct disp_link_t disp_link_t;

/* In-process dispatching on network net (must outlive the link). publish_endpoint may be NULL (no metrics stream);
 * otherwise a PUB socket is bound there. NULL with a message on failure. */
disp_link_t *disp_link_inproc_new (const map_net_t *net, const disp_hello_t *hello, const char *publish_endpoint,
                                   char *err, size_t errlen);

/* Connects to a dispatcher at endpoint and opens a session with hello. Waits up to timeout_ms for the reply.
 * NULL with a message on failure ("tcp://127.0.0.1:5555: no answer from a dispatcher within 5.0 s", or the
 * dispatcher's error reply). */
disp_link_t *disp_link_zmq_new (const char *endpoint, const disp_hello_t *hello, int timeout_ms, char *err,
                                size_t errlen);

/* NULL-safe. Says Bye to a remote dispatcher. Sets *self_p to NULL. */
void disp_link_destroy (disp_link_t **self_p);

/* One lockstep step: sends the tick (and its publications), waits for the decisions. out->assignments is owned by
 * the link and valid until the next step. Returns 0, or -1 with a message (timeout, error reply, transport). */
int disp_link_step (disp_link_t *self, const disp_tick_t *tick, disp_decisions_t *out, char *err, size_t errlen);

/* Starts a new session on the same link (the next day of a run): the dispatcher forgets every vehicle and request
 * and takes hello afresh; the link's metrics publisher, if any, stays bound so subscribers keep their stream.
 * Returns 0, or -1 with a message (and the link is then unusable). */
int disp_link_restart (disp_link_t *self, const disp_hello_t *hello, char *err, size_t errlen);

/* For an in-process link with a publish endpoint: wait up to timeout_ms until `count` subscribers have joined.
 * Returns the number joined. Remote links return count at once (the dispatcher owns the publisher). */
int disp_link_wait_subscribers (disp_link_t *self, int count, int timeout_ms);

#endif
