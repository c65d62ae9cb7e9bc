/* disp_zmq: ZeroMQ plumbing shared by the dispatcher service and the simulator's link: the limits every socket gets,
 * binding with the resolved endpoint read back, and the metrics publisher (an XPUB that counts its subscribers and
 * never blocks on a slow one). */
#ifndef DISP_ZMQ_H
#define DISP_ZMQ_H

#include <stddef.h>
#include <stdint.h>
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

typedef struct disp_pub_t disp_pub_t;

/* A publisher bound at endpoint in ctx (which must outlive it). NULL with a message on failure. */
disp_pub_t *disp_pub_new (void *ctx, const char *endpoint, char *err, size_t errlen);

/* NULL-safe; closes the socket; sets *self_p to NULL. */
void disp_pub_destroy (disp_pub_t **self_p);

/* The endpoint as bound. */
const char *disp_pub_endpoint (const disp_pub_t *self);

/* The XPUB socket, for zmq_poll: it becomes readable when a subscription notice arrives. */
void *disp_pub_socket (disp_pub_t *self);

/* Reads the subscription notices already waiting, without blocking. Returns how many subscribers joined among
 * them (0 when none waited), or -1 on a socket failure. */
int disp_pub_read (disp_pub_t *self);

/* Subscribers now (joins minus leaves; one per topic subscribed). */
uint64_t disp_pub_subscribers (const disp_pub_t *self);

/* Waits up to timeout_ms until at least `count` subscribers have joined. Returns the number subscribed. */
uint64_t disp_pub_wait (disp_pub_t *self, uint64_t count, int timeout_ms);

/* Sends [topic][payload] without blocking: past a subscriber's high-water mark the message is dropped for it,
 * the sender never waits. Returns 0 when handed to ZeroMQ, -1 when dropped. */
int disp_pub_send (disp_pub_t *self, const disp_publication_t *pub);

#endif
