/* fuzz_metrics: libFuzzer driver for the metrics stream's decoders, each fed the same bytes: the dispatcher's
 * StateRequest decoder (disp_codec_decode_state_request: any subscriber may send one), its stamping of a client's
 * published MetricsSnapshot (disp_codec_stamp_snapshot), and a subscriber's MetricsSnapshot and StateReply decoders
 * (sim_codec_decode_snapshot, sim_codec_decode_state: robotaxi-watch reads whatever the publisher it connects to
 * sends). Each must accept or refuse with a message, never crash or leak; a stamped snapshot that a subscriber
 * reads carries the dispatcher's stamps, whatever the sender put there. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_codec.h"
#include "sim_codec.h"

static void s_fail (const char *what)
{
    fprintf (stderr, "fuzz_metrics: %s\n", what);
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err[512] = "";
    char prefix[64];
    if (disp_codec_decode_state_request (data, size, prefix, sizeof prefix, err, sizeof err) == 0) {
        if (strlen (prefix) >= sizeof prefix) s_fail ("a state request's prefix overran its buffer");
    } else if (!err[0]) {
        s_fail ("a state request refused without a message");
    }

    err[0] = '\0';
    sim_snapshot_t snap;
    if (sim_codec_decode_snapshot (data, size, &snap, err, sizeof err) != 0 && !err[0])
        s_fail ("a snapshot refused without a message");

    err[0] = '\0';
    uint8_t *stamped = NULL;
    size_t stamped_len = 0;
    if (disp_codec_stamp_snapshot (data, size, 7, "dispatcher-1", "session-1", "client-key", &stamped, &stamped_len,
                                   err, sizeof err) == 0) {
        if (sim_codec_decode_snapshot (stamped, stamped_len, &snap, err, sizeof err) == 0 &&
            (snap.seq != 7 || strcmp (snap.publisher, "dispatcher-1") != 0 || strcmp (snap.session, "session-1") != 0))
            s_fail ("a stamped snapshot does not carry the dispatcher's stamps");
        free (stamped);
    } else if (!err[0]) {
        s_fail ("a published snapshot refused without a message");
    }

    err[0] = '\0';
    sim_state_t state;
    if (sim_codec_decode_state (data, size, &state, err, sizeof err) == 0) {
        for (size_t i = 0; i < state.topic_count; i++)
            if (strlen (state.topics[i].topic) >= sizeof state.topics[i].topic) s_fail ("a topic overran its buffer");
        sim_codec_state_clear (&state);
    } else {
        if (!err[0]) s_fail ("a state reply refused without a message");
        if (state.topics || state.topic_count) s_fail ("a refused state reply left something to free");
    }
    return 0;
}
