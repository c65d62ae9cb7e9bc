/* fuzz_envelope: libFuzzer driver for disp_codec_decode, the decoder of every frame a client sends the dispatcher
 * (and of the dispatcher's answers, on the simulator's side). Whatever the bytes, the decoder must accept them or
 * refuse them with a message, never crash, leak or read out of bounds; and a frame it accepts must encode again
 * into a frame it accepts as the same kind of message with the same counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "disp_codec.h"

/* Stops the run with the input as a crash artifact: an invariant of the codec does not hold. */
static void s_fail (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_envelope: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

/* Encodes msg as its kind's frame: 0 and a malloc'd frame, or -1. */
static int s_encode (const disp_msg_t *msg, uint8_t **out, size_t *out_len)
{
    switch (msg->kind) {
    case DISP_MSG_HELLO: return disp_codec_encode_hello (&msg->hello, out, out_len);
    case DISP_MSG_HELLO_REPLY: return disp_codec_encode_hello_reply (&msg->hello_reply, out, out_len);
    case DISP_MSG_TICK: return disp_codec_encode_tick (&msg->tick, out, out_len);
    case DISP_MSG_UPDATE: return disp_codec_encode_update (&msg->tick, out, out_len);
    case DISP_MSG_DECISIONS: return disp_codec_encode_decisions (&msg->decisions, out, out_len);
    case DISP_MSG_ERROR: return disp_codec_encode_error (msg->error.code, msg->error.message, out, out_len);
    case DISP_MSG_BYE: return disp_codec_encode_bye (msg->bye_reason, out, out_len);
    case DISP_MSG_HEARTBEAT: return disp_codec_encode_heartbeat (msg->heartbeat_seq, out, out_len);
    }
    s_fail ("decoded a frame of no known kind", NULL);
    return -1;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    disp_msg_t msg;
    char err[512] = "";
    if (disp_codec_decode (data, size, &msg, err, sizeof err) != 0) {
        if (!err[0]) s_fail ("refused a frame without a message", NULL);
        return 0;
    }
    uint8_t *frame = NULL;
    size_t frame_len = 0;
    if (s_encode (&msg, &frame, &frame_len) != 0) s_fail ("a decoded frame does not encode", NULL);
    disp_msg_t again;
    if (disp_codec_decode (frame, frame_len, &again, err, sizeof err) != 0)
        s_fail ("a decoded frame, encoded again, is refused", err);
    if (again.kind != msg.kind || again.tick.request_count != msg.tick.request_count ||
        again.tick.vehicle_count != msg.tick.vehicle_count || again.tick.cancelled_count != msg.tick.cancelled_count ||
        again.tick.publish_count != msg.tick.publish_count ||
        again.decisions.assignment_count != msg.decisions.assignment_count ||
        again.decisions.reposition_count != msg.decisions.reposition_count)
        s_fail ("a decoded frame, encoded and decoded again, changed", NULL);
    free (frame);
    disp_msg_clear (&again);
    disp_msg_clear (&msg);
    return 0;
}
