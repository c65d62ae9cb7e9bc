/* rt_sub: receiving a metrics message on a SUB socket in tests, decoded with the generated protobuf-c code (tests may
 * read the wire directly: they check what any subscriber would get). */
#ifndef RT_SUB_H
#define RT_SUB_H

#include <check.h>
#include <zmq.h>

#include "robotaxi.pb-c.h"

/* Receives [topic][snapshot] within timeout_ms. Returns the decoded snapshot (caller frees with
 * robotaxi__v1__metrics_snapshot__free_unpacked) and its topic, or NULL when nothing came. Fails the test on a
 * message of another shape. */
static inline Robotaxi__V1__MetricsSnapshot *
rt_sub_recv (void *sub, int timeout_ms, char *topic, size_t topic_size)
{
    zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, timeout_ms) != 1) return NULL;
    int n = zmq_recv (sub, topic, topic_size - 1, 0);
    ck_assert_int_ge (n, 0);
    topic[(size_t)n < topic_size - 1 ? (size_t)n : topic_size - 1] = '\0';
    int more;
    size_t size = sizeof more;
    zmq_getsockopt (sub, ZMQ_RCVMORE, &more, &size);
    ck_assert (more);
    zmq_msg_t payload;
    zmq_msg_init (&payload);
    ck_assert_int_ge (zmq_msg_recv (&payload, sub, 0), 0);
    Robotaxi__V1__MetricsSnapshot *s =
        robotaxi__v1__metrics_snapshot__unpack (NULL, zmq_msg_size (&payload), zmq_msg_data (&payload));
    zmq_msg_close (&payload);
    ck_assert_ptr_nonnull (s);
    return s;
}

#endif
