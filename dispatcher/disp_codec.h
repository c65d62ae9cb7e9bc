/* disp_codec: robotaxi.v1 Envelope frames <-> the dispatcher's own types, and the metrics stream's numbering and
 * state messages. The only dispatcher file that sees protobuf-c. */
#ifndef DISP_CODEC_H
#define DISP_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "disp_types.h"

typedef enum {
    DISP_ERR_UNSPECIFIED = 0,
    DISP_ERR_MALFORMED = 1,
    DISP_ERR_PROTOCOL = 2,
    DISP_ERR_BAD_VALUE = 3,
    DISP_ERR_MAP = 4,
    DISP_ERR_POLICY = 5,
    DISP_ERR_TOO_LARGE = 6,
    DISP_ERR_NO_SESSION = 7,
    DISP_ERR_LIMIT = 8 /* an operator's limit: the message names it */
} disp_error_code_t;

typedef enum {
    DISP_MSG_HELLO = 1,
    DISP_MSG_HELLO_REPLY,
    DISP_MSG_TICK,
    DISP_MSG_DECISIONS,
    DISP_MSG_ERROR,
    DISP_MSG_BYE,
    DISP_MSG_UPDATE,
    DISP_MSG_HEARTBEAT
} disp_msg_kind_t;

typedef struct {
    char dispatcher_version[32];
    uint32_t nodes, edges;
    int64_t now_ms;            /* live: the session clock at opening */
    int64_t heartbeat_ms;      /* the period both sides keep */
} disp_hello_reply_t;

typedef struct {
    disp_error_code_t code;
    char message[256];
} disp_error_t;

/* A decoded frame. Arrays inside (tick, decisions) are owned by the message; free with disp_msg_clear. An Update
 * decodes into `tick` (step and now_ms 0). */
typedef struct {
    disp_msg_kind_t kind;
    disp_hello_t hello;
    disp_hello_reply_t hello_reply;
    disp_tick_t tick;
    disp_decisions_t decisions;
    disp_error_t error;
    char bye_reason[128];
    uint64_t heartbeat_seq;
} disp_msg_t;

/* Decodes one frame. Returns 0, or -1 with a message ("not a robotaxi.v1 Envelope", "tick.vehicles[3].status: 7 is
 * not a vehicle status") for anything malformed. A Hello's absent optional fields get their defaults
 * (disp_params_fill, DISP_HEARTBEAT_MS_DEFAULT, DISP_LIVE_STEP_MS_DEFAULT) and out-of-range ones are refused. On -1
 * msg holds nothing to free. */
int disp_codec_decode (const uint8_t *data, size_t len, disp_msg_t *msg, char *err, size_t errlen);

/* Frees what disp_codec_decode allocated in msg and zeroes it. */
void disp_msg_clear (disp_msg_t *msg);

/* Encoders: each returns a malloc'd frame in *out / *out_len (caller frees), 0 or -1 when out of memory. */
int disp_codec_encode_hello (const disp_hello_t *hello, uint8_t **out, size_t *out_len);
int disp_codec_encode_hello_reply (const disp_hello_reply_t *reply, uint8_t **out, size_t *out_len);
int disp_codec_encode_tick (const disp_tick_t *tick, uint8_t **out, size_t *out_len);
/* An Update from the tick's requests, vehicles and cancellations (step, now_ms and publications are not sent). */
int disp_codec_encode_update (const disp_tick_t *update, uint8_t **out, size_t *out_len);
int disp_codec_encode_heartbeat (uint64_t seq, uint8_t **out, size_t *out_len);
int disp_codec_encode_decisions (const disp_decisions_t *decisions, uint8_t **out, size_t *out_len);
int disp_codec_encode_error (disp_error_code_t code, const char *message, uint8_t **out, size_t *out_len);
int disp_codec_encode_bye (const char *reason, uint8_t **out, size_t *out_len);

/* ---- metrics stream ---------------------------------------------------------------------------------------- */

/* The MetricsSnapshot in data with seq, publisher, session and client (the sender's CURVE key; NULL: "") set,
 * whatever the sender put there; every other field, unknown ones included, is kept. A malloc'd frame in *out /
 * *out_len (caller frees). 0, or -1 with a message when data is not a MetricsSnapshot or memory ran out. */
int disp_codec_stamp_snapshot (const uint8_t *data, size_t len, uint64_t seq, const char *publisher,
                               const char *session, const char *client, uint8_t **out, size_t *out_len, char *err,
                               size_t errlen);

/* Decodes a StateRequest frame; its topic prefix goes into prefix[prefix_size]. 0, or -1 with a message when the
 * frame is not a StateRequest or the prefix does not fit. */
int disp_codec_decode_state_request (const uint8_t *data, size_t len, char *prefix, size_t prefix_size, char *err,
                                     size_t errlen);

/* One topic of a StateReply: its last sequence number and the latest encoded MetricsSnapshot of each session,
 * oldest first. The caller owns everything pointed to. */
typedef struct {
    const char *topic;
    uint64_t seq;
    const uint8_t *const *latest;  /* latest_count encoded MetricsSnapshots */
    const size_t *latest_len;
    size_t latest_count;
} disp_topic_state_t;

/* A StateReply frame from the publisher's id and its topics, malloc'd in *out / *out_len (caller frees). 0, or -1
 * when a snapshot does not decode or memory ran out. */
int disp_codec_encode_state_reply (const char *publisher, const disp_topic_state_t *topics, size_t count,
                                   uint8_t **out, size_t *out_len);

#endif
