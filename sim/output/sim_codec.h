/* sim_codec: metrics snapshots <-> robotaxi.v1.MetricsSnapshot bytes, and a subscriber's StateRequest / StateReply.
 * The only sim file that sees protobuf-c. */
#ifndef SIM_CODEC_H
#define SIM_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "sim_metrics.h"

/* The PUB topic of a snapshot kind: "metrics.periodic" or "metrics.final". */
const char *sim_codec_topic (sim_snapshot_kind_t kind);

/* Encodes into a malloc'd buffer (caller frees). 0 or -1 when out of memory. */
int sim_codec_encode_snapshot (const sim_snapshot_t *snap, uint8_t **out, size_t *out_len);

/* The snapshot as a publication: its topic, and its encoding in a malloc'd payload (the receiver frees it). The
 * world's publish hook (sim_world_publish_fn). 0 or -1 when out of memory. */
int sim_codec_publication (const sim_snapshot_t *snap, disp_publication_t *out);

/* Decodes. 0, or -1 with a message when the bytes are not a MetricsSnapshot or a fleet is unknown. */
int sim_codec_decode_snapshot (const uint8_t *data, size_t len, sim_snapshot_t *snap, char *err, size_t errlen);

/* A StateRequest for the topics starting with prefix, in a malloc'd buffer (caller frees). 0 or -1 when out of
 * memory. */
int sim_codec_encode_state_request (const char *prefix, uint8_t **out, size_t *out_len);

/* One topic of a publisher's state: the topic's last sequence number when the state was taken, and the latest
 * snapshot of each session on it, oldest first. */
typedef struct {
    char topic[64];
    uint64_t seq;
    sim_snapshot_t *latest;
    size_t latest_count;
} sim_topic_state_t;

/* A decoded StateReply. sim_codec_state_clear frees what it holds. */
typedef struct {
    char publisher[SIM_PUBLISHER_MAX];
    sim_topic_state_t *topics;
    size_t topic_count;
} sim_state_t;

/* Decodes a StateReply. 0, or -1 with a message (and nothing to free) when the bytes are not a StateReply or one of
 * its snapshots does not decode. */
int sim_codec_decode_state (const uint8_t *data, size_t len, sim_state_t *state, char *err, size_t errlen);

/* Frees what sim_codec_decode_state allocated and zeroes state. NULL-safe. */
void sim_codec_state_clear (sim_state_t *state);

#endif
