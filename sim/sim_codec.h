/* sim_codec: metrics snapshots <-> robotaxi.v1.MetricsSnapshot bytes. The only sim file that sees protobuf-c. */
#ifndef SIM_CODEC_H
#define SIM_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "sim_metrics.h"

/* The PUB topic of a snapshot kind: "metrics.periodic" or "metrics.final". */
const char *sim_codec_topic (sim_snapshot_kind_t kind);

/* Encodes into a malloc'd buffer (caller frees). 0 or -1 when out of memory. */
int sim_codec_encode_snapshot (const sim_snapshot_t *snap, uint8_t **out, size_t *out_len);

/* Decodes. 0, or -1 with a message when the bytes are not a MetricsSnapshot or a fleet is unknown. */
int sim_codec_decode_snapshot (const uint8_t *data, size_t len, sim_snapshot_t *snap, char *err, size_t errlen);

#endif
