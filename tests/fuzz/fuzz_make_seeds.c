/* fuzz_make_seeds: writes the wire seeds of the fuzz corpus (corpus/envelope/ and corpus/metrics/) with the
 * project's own encoders, one file per kind of frame, so the fuzzers start from frames a real client or publisher
 * sends. Run by hand after the schema changes, and commit what it writes:
 *   cmake --build build-fuzz --target fuzz_make_seeds && build-fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_codec.h"
#include "sim_codec.h"

/* Writes frame[0..len) to DIR/SUB/NAME and frees it; exits 1 on failure. */
static void s_write (const char *dir, const char *sub, const char *name, int rc, uint8_t *frame, size_t len)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s/%s", dir, sub, name);
    FILE *f = rc == 0 ? fopen (path, "wb") : NULL;
    if (!f || fwrite (frame, 1, len, f) != len || fclose (f) != 0) {
        fprintf (stderr, "fuzz_make_seeds: %s: cannot encode or write\n", path);
        exit (1);
    }
    free (frame);
    printf ("%s (%zu bytes)\n", path, len);
}

/* A snapshot as a simulator publishes it: both fleets, and on a final one the choice, drivers and displacement. */
static void s_snapshot (sim_snapshot_t *s, int final)
{
    memset (s, 0, sizeof *s);
    s->kind = final ? SIM_SNAPSHOT_FINAL : SIM_SNAPSHOT_PERIODIC;
    s->seq = final ? 96 : 12;
    s->sim_time_ms = final ? 86400000 : 10800000;
    s->day = 1;
    snprintf (s->scenario, sizeof s->scenario, "wuhan");
    s->seed = 42;
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        sim_fleet_metrics_t *m = &s->fleets[f];
        m->fleet = (disp_fleet_t)f;
        m->vehicles = f == DISP_FLEET_ROBOTAXI ? 400 : 2500;
        m->online = m->vehicles - 10;
        m->requests = 1200;
        m->served = 1100;
        m->unserved = 100;
        m->util_occupied = 0.5;
        m->util_pickup = 0.1;
        m->util_idle = 0.4;
        m->km_driven = 5210.5;
        m->revenue_yuan = 30120.25;
        m->mean_wait_s = 240;
        m->p95_wait_s = 610;
    }
    if (final) {
        s->choice.considered = 5000;
        s->choice.chose[DISP_FLEET_ROBOTAXI] = 1500;
        s->choice.chose[DISP_FLEET_HUMAN] = 3200;
        s->choice.chose[DISP_FLEET_COUNT] = 300;
        s->drivers = (sim_driver_metrics_t){.drivers = 2400, .hours_online = 19000, .net_hourly_yuan = 31.5};
        s->has_displacement = 1;
        s->displacement = (sim_displacement_t){.baseline_human_trips = 90000, .human_trips = 81000,
                                               .trips_moved = 9000, .displaced_drivers = 120};
    }
}

int main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: fuzz_make_seeds CORPUS_DIR (tests/fuzz/corpus)\n");
        return 2;
    }
    const char *dir = argv[1];
    uint8_t *frame;
    size_t len;
    int rc;

    /* ---- envelope: what a client sends the dispatcher, and what it answers ---- */
    disp_hello_t hello;
    memset (&hello, 0, sizeof hello);
    snprintf (hello.protocol, sizeof hello.protocol, "%s", DISP_PROTOCOL);
    snprintf (hello.session, sizeof hello.session, "wuhan-day-1");
    snprintf (hello.map.source, sizeof hello.map.source, "embedded:wuhan");
    hello.map.grid_m = 600;
    hello.map_fingerprint = 0x9e3779b97f4a7c15ull;
    for (int h = 0; h < 24; h++)
        hello.traffic.hour_factor[h] = h >= 7 && h <= 9 ? 1.6 : 1.0;
    snprintf (hello.config.policy, sizeof hello.config.policy, "batch");
    hello.config.max_pickup_ms = 900000;
    hello.config.vehicle_capacity = 2900;
    hello.config.params.batch_window_ms = 30000;
    hello.config.params.batch_candidates = 8;
    hello.config.params.rebalance = 1;
    hello.mode = DISP_MODE_LOCKSTEP;
    hello.heartbeat_ms = 1000;
    hello.live_step_ms = 1000;
    rc = disp_codec_encode_hello (&hello, &frame, &len);
    s_write (dir, "envelope", "hello-lockstep", rc, frame, len);
    hello.mode = DISP_MODE_LIVE;
    hello.clock_start_ms = 8 * 3600000LL;
    snprintf (hello.config.policy, sizeof hello.config.policy, "nearest");
    memset (&hello.config.params, 0, sizeof hello.config.params);
    rc = disp_codec_encode_hello (&hello, &frame, &len);
    s_write (dir, "envelope", "hello-live", rc, frame, len);

    disp_hello_reply_t reply = {.nodes = 2601, .edges = 10200, .now_ms = 28800000, .heartbeat_ms = 1000};
    snprintf (reply.dispatcher_version, sizeof reply.dispatcher_version, "0.1.0");
    rc = disp_codec_encode_hello_reply (&reply, &frame, &len);
    s_write (dir, "envelope", "hello-reply", rc, frame, len);

    disp_request_t requests[2] = {
        {.id = 11, .time_ms = 28801000, .origin = {114.30, 30.58, MAP_NODE_NONE},
         .destination = {114.33, 30.60, 17}, .fleet = DISP_FLEET_ROBOTAXI, .deadline_ms = 29701000},
        {.id = 12, .time_ms = 28802000, .origin = {114.31, 30.59, 5}, .destination = {0, 0, MAP_NODE_NONE},
         .fleet = DISP_FLEET_HUMAN, .any_fleet = 1},
    };
    disp_vehicle_t vehicles[2] = {
        {.id = 0, .fleet = DISP_FLEET_ROBOTAXI, .status = DISP_VEH_IDLE, .position = {114.301, 30.581, 3}},
        {.id = 7, .fleet = DISP_FLEET_HUMAN, .status = DISP_VEH_BUSY, .position = {114.35, 30.62, MAP_NODE_NONE},
         .time_ms = 28800500},
    };
    uint64_t cancelled[1] = {9};
    sim_snapshot_t snap;
    s_snapshot (&snap, 0);
    disp_publication_t pub = {.topic = "metrics.periodic"};
    if (sim_codec_encode_snapshot (&snap, &pub.payload, &pub.payload_len) != 0) return 1;
    disp_tick_t tick = {.step = 3, .now_ms = 28803000, .requests = requests, .request_count = 2,
                        .vehicles = vehicles, .vehicle_count = 2, .cancelled = cancelled, .cancelled_count = 1,
                        .publish = &pub, .publish_count = 1};
    rc = disp_codec_encode_tick (&tick, &frame, &len);
    s_write (dir, "envelope", "tick", rc, frame, len);
    tick.publish_count = 0;
    tick.resync = 1;
    rc = disp_codec_encode_tick (&tick, &frame, &len);
    s_write (dir, "envelope", "tick-resync", rc, frame, len);
    rc = disp_codec_encode_update (&tick, &frame, &len);
    s_write (dir, "envelope", "update", rc, frame, len);

    disp_assignment_t assignments[2] = {{11, 0, 95000}, {12, 7, 310000}};
    disp_reposition_t repositions[1] = {{.vehicle_id = 3, .target = {114.32, 30.57, 40}, .eta_ms = 240000}};
    disp_decisions_t decisions = {.step = 3, .now_ms = 28803000, .assignments = assignments, .assignment_count = 2,
                                  .repositions = repositions, .reposition_count = 1};
    rc = disp_codec_encode_decisions (&decisions, &frame, &len);
    s_write (dir, "envelope", "decisions", rc, frame, len);
    rc = disp_codec_encode_error (DISP_ERR_BAD_VALUE, "hello.map.grid_m: 3000 is not in [50, 2000]", &frame, &len);
    s_write (dir, "envelope", "error", rc, frame, len);
    rc = disp_codec_encode_bye ("day done", &frame, &len);
    s_write (dir, "envelope", "bye", rc, frame, len);
    rc = disp_codec_encode_heartbeat (41, &frame, &len);
    s_write (dir, "envelope", "heartbeat", rc, frame, len);

    /* ---- metrics: a subscriber's state request, snapshots as published, a state reply ---- */
    rc = sim_codec_encode_state_request ("metrics.", &frame, &len);
    s_write (dir, "metrics", "state-request", rc, frame, len);
    s_write (dir, "metrics", "snapshot-periodic", 0, pub.payload, pub.payload_len);
    uint8_t *final_frame;
    size_t final_len;
    s_snapshot (&snap, 1);
    if (sim_codec_encode_snapshot (&snap, &final_frame, &final_len) != 0) return 1;
    uint8_t *final_copy = malloc (final_len);
    if (!final_copy) return 1;
    memcpy (final_copy, final_frame, final_len);
    s_write (dir, "metrics", "snapshot-final", 0, final_copy, final_len);
    const uint8_t *latest[1] = {final_frame};
    size_t latest_len[1] = {final_len};
    disp_topic_state_t topics[2] = {{.topic = "metrics.periodic", .seq = 12},
                                    {.topic = "metrics.final", .seq = 1, .latest = latest, .latest_len = latest_len,
                                     .latest_count = 1}};
    rc = disp_codec_encode_state_reply ("dispatcher-4f2a", topics, 2, &frame, &len);
    s_write (dir, "metrics", "state-reply", rc, frame, len);
    free (final_frame);
    return 0;
}
