/* fuzz_replay: libFuzzer driver for disp_replay_read, the reader of robotaxi-client's requests CSV, fed the input
 * as an in-memory stream. Every input must read or be refused with a message, never crash or leak; rows that read
 * keep the promises the client relies on: time order, known kinds, positions on the globe, vehicle ids under the
 * limit and a fleet size above each of them, and no two requests with one id. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "disp_replay.h"

static void s_fail (const char *what)
{
    fprintf (stderr, "fuzz_replay: %s\n", what);
    abort ();
}

static int s_on_globe (disp_position_t p)
{
    return p.lon >= -180 && p.lon <= 180 && p.lat >= -90 && p.lat <= 90;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static const char empty[1];
    FILE *in = fmemopen (size ? (void *)data : (void *)empty, size ? size : 1, "r");
    if (!in) s_fail ("fmemopen failed");
    if (size == 0) fgetc (in); /* an empty stream: read the one byte away */
    char err[512] = "";
    disp_replay_t *replay = disp_replay_read (in, "fuzz.csv", err, sizeof err);
    fclose (in);
    if (!replay) {
        if (!err[0]) s_fail ("refused a file without a message");
        return 0;
    }
    const disp_replay_row_t *rows = disp_replay_rows (replay);
    size_t n = disp_replay_count (replay), requests = 0;
    uint32_t capacity = disp_replay_capacity (replay);
    if (capacity < 1 || capacity > DISP_REPLAY_MAX_VEHICLES) s_fail ("a fleet size out of range");
    for (size_t i = 0; i < n; i++) {
        const disp_replay_row_t *r = &rows[i];
        if (r->at_ms < 0 || (i > 0 && r->at_ms < rows[i - 1].at_ms)) s_fail ("rows out of time order");
        if (r->line < 2 || (i > 0 && r->line <= rows[i - 1].line)) s_fail ("a row's line is wrong");
        switch (r->kind) {
        case DISP_REPLAY_REQUEST:
            requests++;
            if (!s_on_globe (r->request.origin) || !s_on_globe (r->request.destination)) s_fail ("a rider off the globe");
            if (r->request.deadline_ms < 0 || r->request.deadline_ms > 86400000) s_fail ("a patience out of range");
            for (size_t k = 0; n <= 2000 && k < i; k++) /* quadratic: only on files of a few thousand rows */
                if (rows[k].kind == DISP_REPLAY_REQUEST && rows[k].request.id == r->request.id)
                    s_fail ("two requests with one id");
            break;
        case DISP_REPLAY_VEHICLE:
            if (r->vehicle.id >= capacity) s_fail ("a vehicle id past the fleet size");
            if (!s_on_globe (r->vehicle.position)) s_fail ("a vehicle off the globe");
            if (r->vehicle.status > DISP_VEH_BUSY || r->vehicle.fleet >= DISP_FLEET_COUNT) s_fail ("a bad vehicle");
            break;
        case DISP_REPLAY_CANCEL: break;
        default: s_fail ("a row of no known kind");
        }
    }
    if (requests != disp_replay_request_count (replay)) s_fail ("the request count is wrong");
    disp_replay_destroy (&replay);
    return 0;
}
