/* check_disp_codec: every message kind survives encode -> decode field by field (doubles bit-exact), and anything
 * malformed is refused with a message naming the field. */
#include <check.h>

#include "rt_check.h"
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_codec.h"
#include "robotaxi.pb-c.h"

/* Bit-exact double comparison: 0.1 + 0.2 must come back as itself, not as something close. */
static int s_same_double (double a, double b)
{
    return memcmp (&a, &b, sizeof a) == 0;
}

static void s_decode_ok (uint8_t *frame, size_t len, disp_msg_t *msg)
{
    char err[256] = "";
    int rc = disp_codec_decode (frame, len, msg, err, sizeof err);
    free (frame);
    ck_assert_msg (rc == 0, "decode failed: %s", err);
}

/* Packs an Envelope built with the generated types (to craft frames our encoders would never produce). */
static uint8_t *s_pack (const Robotaxi__V1__Envelope *env, size_t *len)
{
    *len = robotaxi__v1__envelope__get_packed_size (env);
    uint8_t *buf = malloc (*len ? *len : 1);
    ck_assert_ptr_nonnull (buf);
    robotaxi__v1__envelope__pack (env, buf);
    return buf;
}

/* Decodes a frame that must be refused; returns the message in err. */
static void s_decode_fails (uint8_t *frame, size_t len, char *err, size_t errlen)
{
    disp_msg_t msg;
    err[0] = '\0';
    int rc = disp_codec_decode (frame, len, &msg, err, errlen);
    ck_assert_int_eq (rc, -1);
    ck_assert_msg (err[0] != '\0', "no message");
}

static void s_hello_fill (disp_hello_t *h)
{
    memset (h, 0, sizeof *h);
    strcpy (h->protocol, DISP_PROTOCOL);
    strcpy (h->session, "test run 7");
    strcpy (h->map.source, "embedded:wuhan");
    h->map.epsg = 32650;
    h->map.grid_m = 0.1 + 0.2;
    h->map_fingerprint = 0xfedcba9876543210ULL;
    for (int i = 0; i < 24; i++)
        h->traffic.hour_factor[i] = 1.0 + i / 7.0;
    strcpy (h->config.policy, "nearest");
    h->config.max_pickup_ms = 900000;
    h->config.vehicle_capacity = 5000;
    h->config.params.charge_early_hours = 0xf00;
    h->config.params.charge_early_reach_m = 12345.5;
}

START_TEST (test_hello_round_trip)
{
    disp_hello_t h;
    s_hello_fill (&h);
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    disp_msg_t msg;
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_HELLO);
    ck_assert_str_eq (msg.hello.protocol, "robotaxi.v1");
    ck_assert_str_eq (msg.hello.session, "test run 7");
    ck_assert_str_eq (msg.hello.map.source, "embedded:wuhan");
    ck_assert_int_eq (msg.hello.map.epsg, 32650);
    ck_assert (s_same_double (msg.hello.map.grid_m, 0.1 + 0.2));
    ck_assert_uint_eq (msg.hello.map_fingerprint, 0xfedcba9876543210ULL);
    for (int i = 0; i < 24; i++)
        ck_assert (s_same_double (msg.hello.traffic.hour_factor[i], 1.0 + i / 7.0));
    ck_assert_str_eq (msg.hello.config.policy, "nearest");
    ck_assert_int_eq (msg.hello.config.max_pickup_ms, 900000);
    ck_assert_uint_eq (msg.hello.config.vehicle_capacity, 5000);
    ck_assert_uint_eq (msg.hello.config.params.charge_early_hours, 0xf00);
    ck_assert (s_same_double (msg.hello.config.params.charge_early_reach_m, 12345.5));
    disp_msg_clear (&msg);

    /* hours past 23 and a reach that is not a distance are refused, naming the field */
    h.config.params.charge_early_hours = 1u << 24;
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    char err[256];
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "hello.params.charge_early_hours: 0x1000000 names hours past 23");
    free (frame);
    h.config.params.charge_early_hours = 0;
    h.config.params.charge_early_reach_m = -3;
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "hello.params.charge_early_reach_m: -3 is not in (0, 10000000]");
    free (frame);
}
END_TEST

START_TEST (test_hello_reply_error_bye_round_trip)
{
    disp_hello_reply_t r = {.dispatcher_version = "0.1.0", .nodes = 12345, .edges = 67890};
    uint8_t *frame;
    size_t len;
    disp_msg_t msg;
    ck_assert_int_eq (disp_codec_encode_hello_reply (&r, &frame, &len), 0);
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_HELLO_REPLY);
    ck_assert_str_eq (msg.hello_reply.dispatcher_version, "0.1.0");
    ck_assert_uint_eq (msg.hello_reply.nodes, 12345);
    ck_assert_uint_eq (msg.hello_reply.edges, 67890);
    disp_msg_clear (&msg);

    ck_assert_int_eq (disp_codec_encode_error (DISP_ERR_POLICY, "dispatch.policy: 'x' is not a policy", &frame, &len),
                      0);
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_ERROR);
    ck_assert_int_eq (msg.error.code, DISP_ERR_POLICY);
    ck_assert_str_eq (msg.error.message, "dispatch.policy: 'x' is not a policy");
    disp_msg_clear (&msg);

    ck_assert_int_eq (disp_codec_encode_bye ("simulation finished", &frame, &len), 0);
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_BYE);
    ck_assert_str_eq (msg.bye_reason, "simulation finished");
    disp_msg_clear (&msg);
}
END_TEST

/* An encoded MetricsSnapshot to carry in a publication. */
static uint8_t *s_snapshot (size_t *len, uint64_t seq)
{
    Robotaxi__V1__FleetMetrics fm = ROBOTAXI__V1__FLEET_METRICS__INIT;
    fm.fleet = ROBOTAXI__V1__FLEET__FLEET_HUMAN;
    fm.served = 42;
    fm.mean_wait_s = 123.456;
    Robotaxi__V1__FleetMetrics *fleets[] = {&fm};
    Robotaxi__V1__MetricsSnapshot s = ROBOTAXI__V1__METRICS_SNAPSHOT__INIT;
    s.seq = seq;
    s.scenario = "baseline";
    s.n_fleets = 1;
    s.fleets = fleets;
    *len = robotaxi__v1__metrics_snapshot__get_packed_size (&s);
    uint8_t *buf = malloc (*len);
    robotaxi__v1__metrics_snapshot__pack (&s, buf);
    return buf;
}

START_TEST (test_tick_round_trip)
{
    disp_request_t reqs[2] = {
        {.id = UINT64_MAX - 1,
         .time_ms = -5,
         .origin = {114.30527, 30.59276, 17},
         .destination = {114.1 + 1e-15, -DBL_MIN, MAP_NODE_NONE},
         .fleet = DISP_FLEET_HUMAN,
         .deadline_ms = 600000},
        {.id = 2,
         .time_ms = 1000,
         .origin = {0.0, 5e-324, 0},
         .destination = {1.0 / 3.0, 2.0 / 3.0, 4000000000u},
         .fleet = DISP_FLEET_ROBOTAXI,
         .deadline_ms = INT64_MAX},
    };
    disp_vehicle_t vehs[3] = {
        {.id = 0, .fleet = DISP_FLEET_ROBOTAXI, .status = DISP_VEH_IDLE, .position = {114.2, 30.5, 3}, .time_ms = 7},
        {.id = 9, .fleet = DISP_FLEET_HUMAN, .status = DISP_VEH_BUSY, .position = {1e-300, 1e300, MAP_NODE_NONE}},
        {.id = 4, .fleet = DISP_FLEET_HUMAN, .status = DISP_VEH_OFFLINE, .position = {0, 0, 0}, .time_ms = -1,
         .range_limited = 1, .range_m = 12345.678},
    };
    uint64_t cancelled[3] = {5, 0, UINT64_MAX};
    size_t snap_len;
    uint8_t *snap = s_snapshot (&snap_len, 77);
    disp_publication_t pubs[2] = {{.topic = "metrics.periodic", .payload = snap, .payload_len = snap_len},
                                  {.topic = "metrics.final", .payload = snap, .payload_len = 0}};
    disp_tick_t t = {.step = 99,
                     .now_ms = 123456789012LL,
                     .requests = reqs,
                     .request_count = 2,
                     .vehicles = vehs,
                     .vehicle_count = 3,
                     .cancelled = cancelled,
                     .cancelled_count = 3,
                     .publish = pubs,
                     .publish_count = 2};
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    disp_msg_t msg;
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_TICK);
    const disp_tick_t *d = &msg.tick;
    ck_assert_uint_eq (d->step, 99);
    ck_assert_int_eq (d->now_ms, 123456789012LL);
    ck_assert_uint_eq (d->request_count, 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq (d->requests[i].id, reqs[i].id);
        ck_assert_int_eq (d->requests[i].time_ms, reqs[i].time_ms);
        ck_assert (s_same_double (d->requests[i].origin.lon, reqs[i].origin.lon));
        ck_assert (s_same_double (d->requests[i].origin.lat, reqs[i].origin.lat));
        ck_assert_uint_eq (d->requests[i].origin.node, reqs[i].origin.node);
        ck_assert (s_same_double (d->requests[i].destination.lon, reqs[i].destination.lon));
        ck_assert (s_same_double (d->requests[i].destination.lat, reqs[i].destination.lat));
        ck_assert_uint_eq (d->requests[i].destination.node, reqs[i].destination.node);
        ck_assert_uint_eq (d->requests[i].fleet, reqs[i].fleet);
        ck_assert_int_eq (d->requests[i].deadline_ms, reqs[i].deadline_ms);
    }
    ck_assert_uint_eq (d->requests[0].destination.node, MAP_NODE_NONE);
    ck_assert_uint_eq (d->vehicle_count, 3);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq (d->vehicles[i].id, vehs[i].id);
        ck_assert_uint_eq (d->vehicles[i].fleet, vehs[i].fleet);
        ck_assert_uint_eq (d->vehicles[i].status, vehs[i].status);
        ck_assert (s_same_double (d->vehicles[i].position.lon, vehs[i].position.lon));
        ck_assert (s_same_double (d->vehicles[i].position.lat, vehs[i].position.lat));
        ck_assert_uint_eq (d->vehicles[i].position.node, vehs[i].position.node);
        ck_assert_int_eq (d->vehicles[i].time_ms, vehs[i].time_ms);
        ck_assert_uint_eq (d->vehicles[i].range_limited, vehs[i].range_limited);
        ck_assert (s_same_double (d->vehicles[i].range_m, vehs[i].range_m));
    }
    ck_assert_uint_eq (d->cancelled_count, 3);
    ck_assert_mem_eq (d->cancelled, cancelled, sizeof cancelled);
    ck_assert_uint_eq (d->publish_count, 2);
    ck_assert_str_eq (d->publish[0].topic, "metrics.periodic");
    ck_assert_uint_eq (d->publish[0].payload_len, snap_len);
    ck_assert_mem_eq (d->publish[0].payload, snap, snap_len);
    ck_assert_str_eq (d->publish[1].topic, "metrics.final");
    ck_assert_uint_eq (d->publish[1].payload_len, 0);
    disp_msg_clear (&msg);
    free (snap);
    ck_assert_ptr_null (msg.tick.requests);
}
END_TEST

START_TEST (test_empty_tick_and_decisions_round_trip)
{
    disp_tick_t t = {.step = 0, .now_ms = 0};
    uint8_t *frame;
    size_t len;
    disp_msg_t msg;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_TICK);
    ck_assert_uint_eq (msg.tick.request_count + msg.tick.vehicle_count + msg.tick.cancelled_count, 0);
    disp_msg_clear (&msg);

    disp_assignment_t as[2] = {{.request_id = 7, .vehicle_id = 3, .pickup_eta_ms = 61000},
                               {.request_id = UINT64_MAX, .vehicle_id = UINT32_MAX - 1, .pickup_eta_ms = -1}};
    uint32_t charges[3] = {0, 41, UINT32_MAX};
    disp_decisions_t dec = {.step = 12, .assignments = as, .assignment_count = 2, .charges = charges,
                            .charge_count = 3};
    ck_assert_int_eq (disp_codec_encode_decisions (&dec, &frame, &len), 0);
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_DECISIONS);
    ck_assert_uint_eq (msg.decisions.step, 12);
    ck_assert_uint_eq (msg.decisions.charge_count, 3);
    ck_assert_mem_eq (msg.decisions.charges, charges, sizeof charges);
    ck_assert_uint_eq (msg.decisions.assignment_count, 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq (msg.decisions.assignments[i].request_id, as[i].request_id);
        ck_assert_uint_eq (msg.decisions.assignments[i].vehicle_id, as[i].vehicle_id);
        ck_assert_int_eq (msg.decisions.assignments[i].pickup_eta_ms, as[i].pickup_eta_ms);
    }
    disp_msg_clear (&msg);

    dec.assignment_count = 0;
    dec.charge_count = 0;
    ck_assert_int_eq (disp_codec_encode_decisions (&dec, &frame, &len), 0);
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_DECISIONS);
    ck_assert_uint_eq (msg.decisions.assignment_count, 0);
    ck_assert_uint_eq (msg.decisions.charge_count, 0);
    ck_assert_ptr_null (msg.decisions.charges);
    disp_msg_clear (&msg);
}
END_TEST

/* got is a decoded copy of want: every field, figures bit for bit. */
static void s_same_rebalance (const disp_rebalance_state_t *got, const disp_rebalance_state_t *want)
{
    ck_assert_ptr_nonnull (got);
    ck_assert_int_eq (got->run_ms, want->run_ms);
    ck_assert_int_eq (got->decay_ms, want->decay_ms);
    ck_assert_uint_eq (got->zone_count, want->zone_count);
    for (size_t i = 0; i < want->zone_count; i++) {
        ck_assert_uint_eq (got->zones[i].zone, want->zones[i].zone);
        ck_assert (s_same_double (got->zones[i].demand, want->zones[i].demand));
        ck_assert (s_same_double (got->zones[i].sum_x, want->zones[i].sum_x));
        ck_assert (s_same_double (got->zones[i].sum_y, want->zones[i].sum_y));
    }
    ck_assert_uint_eq (got->order_count, want->order_count);
    for (size_t i = 0; i < want->order_count; i++) {
        ck_assert_uint_eq (got->orders[i].vehicle_id, want->orders[i].vehicle_id);
        ck_assert_uint_eq (got->orders[i].zone, want->orders[i].zone);
        ck_assert_int_eq (got->orders[i].arrive_ms, want->orders[i].arrive_ms);
    }
}

/* A resync tick's session state (previous step, rebalancer state, requests seen since) and a Decisions' rebalancer
 * state come back field by field, figures bit for bit. */
START_TEST (test_resync_state_round_trip)
{
    disp_zone_demand_t zones[2] = {{.zone = 4, .demand = 0.1 + 0.2, .sum_x = -1e-300, .sum_y = 3.5e6 / 3},
                                   {.zone = 400, .demand = 5e-324, .sum_x = 1.0 / 3, .sum_y = DBL_MAX}};
    disp_rebalance_order_t orders[1] = {{.vehicle_id = 41, .zone = 400, .arrive_ms = 25500123}};
    disp_rebalance_state_t state = {.run_ms = 25200000,
                                    .decay_ms = 25200000,
                                    .zones = zones,
                                    .zone_count = 2,
                                    .orders = orders,
                                    .order_count = 1};
    disp_request_t waiting = {.id = 9, .time_ms = 1, .origin = {114.3, 30.6, 12}, .deadline_ms = 600001};
    disp_request_t seen[2] = {{.id = 10,
                               .time_ms = 25210000,
                               .origin = {114.31, 30.61, 77},
                               .fleet = DISP_FLEET_HUMAN,
                               .deadline_ms = 25810000,
                               .any_fleet = 1},
                              {.id = 11, .time_ms = 25219999, .origin = {114.32, 30.62, 78}, .deadline_ms = 1}};
    disp_tick_t t = {.step = 2522,
                     .now_ms = 25220000,
                     .requests = &waiting,
                     .request_count = 1,
                     .resync = 1,
                     .has_previous = 1,
                     .previous_ms = 25210000,
                     .rebalance = &state,
                     .observed = seen,
                     .observed_count = 2};
    uint8_t *frame;
    size_t len;
    disp_msg_t msg;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_TICK);
    const disp_tick_t *got = &msg.tick;
    ck_assert_int_eq (got->resync, 1);
    ck_assert_int_eq (got->has_previous, 1);
    ck_assert_int_eq (got->previous_ms, 25210000);
    ck_assert_uint_eq (got->request_count, 1);
    ck_assert_uint_eq (got->requests[0].id, 9);
    ck_assert_uint_eq (got->observed_count, 2);
    for (size_t i = 0; i < 2; i++) {
        ck_assert_uint_eq (got->observed[i].id, seen[i].id);
        ck_assert_int_eq (got->observed[i].time_ms, seen[i].time_ms);
        ck_assert_uint_eq (got->observed[i].origin.node, seen[i].origin.node);
        ck_assert_uint_eq (got->observed[i].fleet, seen[i].fleet);
        ck_assert_uint_eq (got->observed[i].any_fleet, seen[i].any_fleet);
        ck_assert_int_eq (got->observed[i].deadline_ms, seen[i].deadline_ms);
    }
    s_same_rebalance (got->rebalance, &state);
    disp_msg_clear (&msg);

    /* the same state on decisions */
    disp_decisions_t dec = {.step = 2522, .now_ms = 25220000, .rebalance = &state};
    ck_assert_int_eq (disp_codec_encode_decisions (&dec, &frame, &len), 0);
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.kind, DISP_MSG_DECISIONS);
    s_same_rebalance (msg.decisions.rebalance, &state);
    disp_msg_clear (&msg);

    /* the first step's resync names no previous step, and decisions without a run carry no state */
    t = (disp_tick_t){.step = 1, .resync = 1};
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.tick.has_previous, 0);
    ck_assert_ptr_null (msg.tick.rebalance);
    ck_assert_uint_eq (msg.tick.observed_count, 0);
    disp_msg_clear (&msg);
    disp_decisions_t plain = {.step = 1};
    ck_assert_int_eq (disp_codec_encode_decisions (&plain, &frame, &len), 0);
    s_decode_ok (frame, len, &msg);
    ck_assert_ptr_null (msg.decisions.rebalance);
    disp_msg_clear (&msg);
}
END_TEST

/* A client's rebalancer state is untrusted: zones out of order, figures that are not finite counts, a negative decay
 * time and a bad fleet among the requests seen are refused, naming the field. */
START_TEST (test_resync_state_out_of_range)
{
    Robotaxi__V1__ZoneDemand z[2];
    Robotaxi__V1__ZoneDemand *zp[2] = {&z[0], &z[1]};
    for (int i = 0; i < 2; i++) {
        robotaxi__v1__zone_demand__init (&z[i]);
        z[i].zone = (uint32_t)(5 + i);
        z[i].demand = 1;
    }
    Robotaxi__V1__RebalanceState r = ROBOTAXI__V1__REBALANCE_STATE__INIT;
    r.n_zones = 2;
    r.zones = zp;
    Robotaxi__V1__Tick t = ROBOTAXI__V1__TICK__INIT;
    t.resync = 1;
    t.rebalance = &r;
    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_TICK;
    env.tick = &t;
    size_t len;
    char err[256];
    uint8_t *frame;

    z[1].zone = 5;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.rebalance.zones[1].zone: 5 does not follow zone 5");
    free (frame);
    z[1].zone = 6;

    z[0].demand = NAN;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.rebalance.zones[0].demand: nan is not a finite count >= 0");
    free (frame);
    z[0].demand = -1;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.rebalance.zones[0].demand: -1 is not a finite count >= 0");
    free (frame);
    z[0].demand = 1;

    z[1].sum_y = INFINITY;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.rebalance.zones[1].sum_y: not finite");
    free (frame);
    z[1].sum_y = 0;

    r.decay_ms = -1;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.rebalance.decay_ms: -1 is negative");
    free (frame);
    r.decay_ms = 0;

    /* the same checks on decisions */
    z[0].demand = -2;
    Robotaxi__V1__Decisions d = ROBOTAXI__V1__DECISIONS__INIT;
    d.rebalance = &r;
    Robotaxi__V1__Envelope denv = ROBOTAXI__V1__ENVELOPE__INIT;
    denv.body_case = ROBOTAXI__V1__ENVELOPE__BODY_DECISIONS;
    denv.decisions = &d;
    frame = s_pack (&denv, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "decisions.rebalance.zones[0].demand: -2 is not a finite count >= 0");
    free (frame);
    z[0].demand = 1;

    Robotaxi__V1__RideRequest q = ROBOTAXI__V1__RIDE_REQUEST__INIT;
    Robotaxi__V1__RideRequest *qp = &q;
    q.fleet = (Robotaxi__V1__Fleet)2;
    t.n_observed = 1;
    t.observed = &qp;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.observed[0].fleet: 2 is not a fleet");
    free (frame);

    /* and a valid one decodes */
    q.fleet = ROBOTAXI__V1__FLEET__FLEET_ROBOTAXI;
    frame = s_pack (&env, &len);
    disp_msg_t msg;
    s_decode_ok (frame, len, &msg);
    ck_assert_uint_eq (msg.tick.rebalance->zone_count, 2);
    disp_msg_clear (&msg);
}
END_TEST

/* proto3 leaves out fields equal to zero and protobuf-c counts -0.0 as zero, so a negative zero comes back as +0.0:
 * equal as a number, not bit-exact. Everything else is. */
START_TEST (test_negative_zero_comes_back_as_zero)
{
    disp_vehicle_t v = {.id = 1, .fleet = DISP_FLEET_ROBOTAXI, .status = DISP_VEH_IDLE, .position = {-0.0, 30.5, 2}};
    disp_tick_t t = {.step = 1, .vehicles = &v, .vehicle_count = 1};
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_tick (&t, &frame, &len), 0);
    disp_msg_t msg;
    s_decode_ok (frame, len, &msg);
    ck_assert (msg.tick.vehicles[0].position.lon == 0.0);
    ck_assert (s_same_double (msg.tick.vehicles[0].position.lat, 30.5));
    disp_msg_clear (&msg);
}
END_TEST

/* A Hello without hour factors means free flow. */
START_TEST (test_hello_without_traffic_is_free_flow)
{
    Robotaxi__V1__MapSpec map = ROBOTAXI__V1__MAP_SPEC__INIT;
    map.source = "embedded:wuhan";
    Robotaxi__V1__Hello h = ROBOTAXI__V1__HELLO__INIT;
    h.protocol = "robotaxi.v1";
    h.map = &map;
    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_HELLO;
    env.hello = &h;
    size_t len;
    uint8_t *frame = s_pack (&env, &len);
    disp_msg_t msg;
    s_decode_ok (frame, len, &msg);
    for (int i = 0; i < 24; i++)
        ck_assert (s_same_double (msg.hello.traffic.hour_factor[i], 1.0));
    disp_msg_clear (&msg);
}
END_TEST

/* ---- limits ---- */

START_TEST (test_garbage_and_empty_frames)
{
    char err[256];
    uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    s_decode_fails (garbage, sizeof garbage, err, sizeof err);
    ck_assert_msg (strstr (err, "not a robotaxi.v1 Envelope (12 bytes)"), "%s", err);

    const char *text = "hello world, this is not protobuf";
    s_decode_fails ((uint8_t *)text, strlen (text), err, sizeof err);
    ck_assert_msg (strstr (err, "not a robotaxi.v1 Envelope"), "%s", err);

    s_decode_fails ((uint8_t *)"", 0, err, sizeof err);
    ck_assert_msg (strstr (err, "not a robotaxi.v1 Envelope (0 bytes)"), "%s", err);
}
END_TEST

START_TEST (test_truncated_frame)
{
    disp_hello_t h;
    s_hello_fill (&h);
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_hello (&h, &frame, &len), 0);
    char err[256];
    for (size_t cut = 1; cut < len; cut += 7) {
        disp_msg_t msg;
        if (disp_codec_decode (frame, len - cut, &msg, err, sizeof err) == 0) {
            /* A cut exactly between fields leaves a valid, shorter message; whatever decodes must be freed. */
            disp_msg_clear (&msg);
            continue;
        }
        ck_assert_msg (strstr (err, "Envelope") || strstr (err, "hello."), "%s", err);
    }
    /* Cut in the middle of the nested Hello: certainly invalid. */
    s_decode_fails (frame, len / 2, err, sizeof err);
    ck_assert_msg (strstr (err, "not a robotaxi.v1 Envelope"), "%s", err);
    free (frame);
}
END_TEST

START_TEST (test_out_of_range_enums)
{
    Robotaxi__V1__VehicleState v[4];
    Robotaxi__V1__VehicleState *vp[4];
    for (int i = 0; i < 4; i++) {
        robotaxi__v1__vehicle_state__init (&v[i]);
        v[i].id = (uint32_t)i;
        vp[i] = &v[i];
    }
    v[3].status = (Robotaxi__V1__VehicleStatus)7;
    Robotaxi__V1__Tick t = ROBOTAXI__V1__TICK__INIT;
    t.n_vehicles = 4;
    t.vehicles = vp;
    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_TICK;
    env.tick = &t;
    size_t len;
    uint8_t *frame = s_pack (&env, &len);
    char err[256];
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.vehicles[3].status: 7 is not a vehicle status");
    free (frame);

    v[3].status = ROBOTAXI__V1__VEHICLE_STATUS__VEHICLE_IDLE;
    v[1].fleet = (Robotaxi__V1__Fleet)2;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.vehicles[1].fleet: 2 is not a fleet");
    free (frame);

    /* a reach that is not a distance; without range_limited the field means nothing and is not looked at */
    v[1].fleet = ROBOTAXI__V1__FLEET__FLEET_HUMAN;
    v[2].range_m = -1;
    frame = s_pack (&env, &len);
    disp_msg_t ok;
    s_decode_ok (frame, len, &ok);
    ck_assert_uint_eq (ok.tick.vehicles[2].range_limited, 0);
    disp_msg_clear (&ok);
    double bad[] = {-1, NAN, INFINITY};
    const char *said[] = {"-1", "nan", "inf"};
    v[2].range_limited = 1;
    for (int i = 0; i < 3; i++) {
        v[2].range_m = bad[i];
        frame = s_pack (&env, &len);
        s_decode_fails (frame, len, err, sizeof err);
        char want[128];
        snprintf (want, sizeof want, "tick.vehicles[2].range_m: %s is not a distance (finite, >= 0)", said[i]);
        ck_assert_str_eq (err, want);
        free (frame);
    }
    v[2].range_limited = 0;

    v[1].fleet = ROBOTAXI__V1__FLEET__FLEET_HUMAN;
    Robotaxi__V1__RideRequest r = ROBOTAXI__V1__RIDE_REQUEST__INIT;
    Robotaxi__V1__RideRequest *rp = &r;
    r.fleet = (Robotaxi__V1__Fleet)-1;
    t.n_requests = 1;
    t.requests = &rp;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.requests[0].fleet: -1 is not a fleet");
    free (frame);

    Robotaxi__V1__ErrorReply e = ROBOTAXI__V1__ERROR_REPLY__INIT;
    e.code = (Robotaxi__V1__ErrorCode)99;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_ERROR;
    env.error = &e;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "error.code: 99 is not an error code");
    free (frame);
}
END_TEST

START_TEST (test_hour_factor_limits)
{
    double factors[24];
    for (int i = 0; i < 24; i++)
        factors[i] = 1.5;
    Robotaxi__V1__MapSpec map = ROBOTAXI__V1__MAP_SPEC__INIT;
    map.source = "embedded:wuhan";
    map.n_hour_factor = 23;
    map.hour_factor = factors;
    Robotaxi__V1__Hello h = ROBOTAXI__V1__HELLO__INIT;
    h.protocol = "robotaxi.v1";
    h.map = &map;
    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_HELLO;
    env.hello = &h;
    size_t len;
    char err[256];
    uint8_t *frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "hello.map.hour_factor: 23 entries, expected 24");
    free (frame);

    map.n_hour_factor = 24;
    factors[5] = 0.5;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "hello.map.hour_factor[5]: 0.5 is not in [1, 10]");
    free (frame);

    factors[5] = 10.0;
    factors[23] = 10.5;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "hello.map.hour_factor[23]: 10.5 is not in [1, 10]");
    free (frame);

    factors[23] = NAN;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_msg (strstr (err, "hello.map.hour_factor[23]: "), "%s", err);
    free (frame);
}
END_TEST

START_TEST (test_long_strings)
{
    char long_policy[40], long_source[600], long_topic[33];
    memset (long_policy, 'p', sizeof long_policy - 1);
    long_policy[sizeof long_policy - 1] = '\0';
    memset (long_source, 's', sizeof long_source - 1);
    long_source[sizeof long_source - 1] = '\0';
    memset (long_topic, 't', 32);
    long_topic[32] = '\0';

    Robotaxi__V1__MapSpec map = ROBOTAXI__V1__MAP_SPEC__INIT;
    map.source = "embedded:wuhan";
    Robotaxi__V1__Hello h = ROBOTAXI__V1__HELLO__INIT;
    h.protocol = "robotaxi.v1";
    h.map = &map;
    h.policy = long_policy;
    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_HELLO;
    env.hello = &h;
    size_t len;
    char err[256];
    uint8_t *frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_msg (strncmp (err, "hello.policy: 39 bytes", 22) == 0, "%s", err);
    free (frame);

    h.policy = "nearest";
    map.source = long_source;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_msg (strncmp (err, "hello.map.source: 599 bytes", 27) == 0, "%s", err);
    free (frame);

    /* Topic must stay under 32 bytes; a payload that is not a MetricsSnapshot is refused. */
    Robotaxi__V1__Publication p = ROBOTAXI__V1__PUBLICATION__INIT;
    Robotaxi__V1__Publication *pp = &p;
    p.topic = long_topic;
    Robotaxi__V1__Tick t = ROBOTAXI__V1__TICK__INIT;
    t.n_publish = 1;
    t.publish = &pp;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_TICK;
    env.tick = &t;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_msg (strncmp (err, "tick.publish[0].topic: 32 bytes", 31) == 0, "%s", err);
    free (frame);

    uint8_t junk[] = {0xff, 0xff, 0xff};
    long_topic[31] = '\0';
    p.payload.data = junk;
    p.payload.len = sizeof junk;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.publish[0].payload: not a robotaxi.v1 MetricsSnapshot (3 bytes)");
    free (frame);

    /* A snapshot whose fleet is out of range is refused too. */
    Robotaxi__V1__FleetMetrics fm = ROBOTAXI__V1__FLEET_METRICS__INIT;
    fm.fleet = (Robotaxi__V1__Fleet)3;
    Robotaxi__V1__FleetMetrics *fmp = &fm;
    Robotaxi__V1__MetricsSnapshot s = ROBOTAXI__V1__METRICS_SNAPSHOT__INIT;
    s.n_fleets = 1;
    s.fleets = &fmp;
    uint8_t snap[64];
    p.payload.len = robotaxi__v1__metrics_snapshot__pack (&s, snap);
    p.payload.data = snap;
    frame = s_pack (&env, &len);
    s_decode_fails (frame, len, err, sizeof err);
    ck_assert_str_eq (err, "tick.publish[0].payload.fleets[0].fleet: 3 is not a fleet");
    free (frame);
}
END_TEST

/* The encoder never writes an error message the decoder would refuse. */
START_TEST (test_long_error_message_is_cut)
{
    char text[1000];
    memset (text, 'e', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_error (DISP_ERR_BAD_VALUE, text, &frame, &len), 0);
    disp_msg_t msg;
    s_decode_ok (frame, len, &msg);
    ck_assert_int_eq (msg.error.code, DISP_ERR_BAD_VALUE);
    ck_assert_uint_eq (strlen (msg.error.message), sizeof msg.error.message - 1);
    disp_msg_clear (&msg);
}
END_TEST

/* ---- metrics stream ---- */

/* An encoded MetricsSnapshot as a simulator sends it (with its own numbers), followed by a field this schema does
 * not know (number 99, varint 7), as a newer sender might add. */
static uint8_t *s_stream_snapshot (int64_t sim_time_ms, size_t *len)
{
    Robotaxi__V1__MetricsSnapshot s = ROBOTAXI__V1__METRICS_SNAPSHOT__INIT;
    Robotaxi__V1__FleetMetrics fleet = ROBOTAXI__V1__FLEET_METRICS__INIT, *fleets[] = {&fleet};
    fleet.fleet = ROBOTAXI__V1__FLEET__FLEET_HUMAN;
    fleet.served = 3810;
    fleet.revenue_yuan = 0.1 + 0.2;
    s.kind = ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_FINAL;
    s.seq = 97;
    s.sim_time_ms = sim_time_ms;
    s.scenario = "wuhan";
    s.publisher = "someone else";
    s.n_fleets = 1;
    s.fleets = fleets;
    size_t n = robotaxi__v1__metrics_snapshot__get_packed_size (&s);
    uint8_t *buf = malloc (n + 3);
    ck_assert_ptr_nonnull (buf);
    robotaxi__v1__metrics_snapshot__pack (&s, buf);
    buf[n] = 0x98; /* tag (99 << 3) | varint, as a varint */
    buf[n + 1] = 0x06;
    buf[n + 2] = 7;
    *len = n + 3;
    return buf;
}

START_TEST (test_stamp_sets_numbers_and_keeps_everything_else)
{
    size_t len, out_len;
    uint8_t *in = s_stream_snapshot (87650000, &len), *out;
    char err[256] = "";
    ck_assert_int_eq (
        disp_codec_stamp_snapshot (in, len, 5, "host-1-2.3", "wuhan seed 42", NULL, &out, &out_len, err, sizeof err), 0);
    Robotaxi__V1__MetricsSnapshot *s = robotaxi__v1__metrics_snapshot__unpack (NULL, out_len, out);
    ck_assert_ptr_nonnull (s);
    ck_assert_uint_eq (s->seq, 5);
    ck_assert_str_eq (s->publisher, "host-1-2.3");
    ck_assert_str_eq (s->session, "wuhan seed 42");
    ck_assert_int_eq (s->kind, ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_FINAL);
    ck_assert_int_eq (s->sim_time_ms, 87650000);
    ck_assert_str_eq (s->scenario, "wuhan");
    ck_assert_uint_eq (s->n_fleets, 1);
    ck_assert_uint_eq (s->fleets[0]->served, 3810);
    ck_assert (s_same_double (s->fleets[0]->revenue_yuan, 0.1 + 0.2));
    ck_assert_uint_eq (s->base.n_unknown_fields, 1); /* a newer sender's field reaches newer subscribers */
    ck_assert_uint_eq (s->base.unknown_fields[0].tag, 99);
    robotaxi__v1__metrics_snapshot__free_unpacked (s, NULL);
    free (out);

    /* garbage is refused, with nothing to free */
    in[0] = 0xff;
    in[1] = 0xff;
    ck_assert_int_eq (disp_codec_stamp_snapshot (in, 2, 1, "p", "s", NULL, &out, &out_len, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "not a robotaxi.v1 MetricsSnapshot"), "%s", err);
    free (in);
}
END_TEST

START_TEST (test_state_request_and_reply)
{
    Robotaxi__V1__StateRequest req = ROBOTAXI__V1__STATE_REQUEST__INIT;
    req.topic_prefix = "metrics.final";
    uint8_t buf[1024];
    size_t len = robotaxi__v1__state_request__pack (&req, buf);
    char prefix[32], err[256] = "";
    ck_assert_int_eq (disp_codec_decode_state_request (buf, len, prefix, sizeof prefix, err, sizeof err), 0);
    ck_assert_str_eq (prefix, "metrics.final");
    /* an empty frame is a request for everything */
    ck_assert_int_eq (disp_codec_decode_state_request (buf, 0, prefix, sizeof prefix, err, sizeof err), 0);
    ck_assert_str_eq (prefix, "");
    ck_assert_int_eq (disp_codec_decode_state_request (buf, len, prefix, 8, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "state_request.topic_prefix: 13 bytes"), "%s", err);
    const uint8_t garbage[] = {0xff, 0xff};
    ck_assert_int_eq (disp_codec_decode_state_request (garbage, 2, prefix, sizeof prefix, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "not a robotaxi.v1 StateRequest"), "%s", err);

    size_t a_len, b_len;
    uint8_t *a = s_stream_snapshot (1000, &a_len), *b = s_stream_snapshot (2000, &b_len);
    const uint8_t *latest[] = {a, b};
    const size_t latest_len[] = {a_len, b_len};
    disp_topic_state_t topics[] = {
        {.topic = "metrics.periodic", .seq = 12, .latest = latest, .latest_len = latest_len, .latest_count = 2},
        {.topic = "metrics.final", .seq = 0}};
    uint8_t *out;
    size_t out_len;
    ck_assert_int_eq (disp_codec_encode_state_reply ("host-1-2.3", topics, 2, &out, &out_len), 0);
    Robotaxi__V1__StateReply *r = robotaxi__v1__state_reply__unpack (NULL, out_len, out);
    ck_assert_ptr_nonnull (r);
    ck_assert_str_eq (r->publisher, "host-1-2.3");
    ck_assert_uint_eq (r->n_topics, 2);
    ck_assert_str_eq (r->topics[0]->topic, "metrics.periodic");
    ck_assert_uint_eq (r->topics[0]->seq, 12);
    ck_assert_uint_eq (r->topics[0]->n_latest, 2);
    ck_assert_int_eq (r->topics[0]->latest[0]->sim_time_ms, 1000);
    ck_assert_int_eq (r->topics[0]->latest[1]->sim_time_ms, 2000);
    ck_assert_uint_eq (r->topics[0]->latest[1]->fleets[0]->served, 3810);
    ck_assert_str_eq (r->topics[1]->topic, "metrics.final");
    ck_assert_uint_eq (r->topics[1]->n_latest, 0);
    robotaxi__v1__state_reply__free_unpacked (r, NULL);
    free (out);

    /* a kept snapshot that does not decode fails the reply instead of sending half of it */
    a[0] = 0xff;
    a[1] = 0xff;
    const size_t short_len[] = {2, b_len};
    topics[0].latest_len = short_len;
    ck_assert_int_eq (disp_codec_encode_state_reply ("host-1-2.3", topics, 2, &out, &out_len), -1);
    free (a);
    free (b);
}
END_TEST

static Suite *s_suite (void)
{
    Suite *s = suite_create ("disp_codec");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_hello_round_trip);
    tcase_add_test (core, test_hello_reply_error_bye_round_trip);
    tcase_add_test (core, test_tick_round_trip);
    tcase_add_test (core, test_empty_tick_and_decisions_round_trip);
    tcase_add_test (core, test_resync_state_round_trip);
    tcase_add_test (core, test_hello_without_traffic_is_free_flow);
    tcase_add_test (core, test_negative_zero_comes_back_as_zero);
    tcase_add_test (core, test_stamp_sets_numbers_and_keeps_everything_else);
    tcase_add_test (core, test_state_request_and_reply);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_garbage_and_empty_frames);
    tcase_add_test (limits, test_truncated_frame);
    tcase_add_test (limits, test_out_of_range_enums);
    tcase_add_test (limits, test_resync_state_out_of_range);
    tcase_add_test (limits, test_hour_factor_limits);
    tcase_add_test (limits, test_long_strings);
    tcase_add_test (limits, test_long_error_message_is_cut);
    suite_add_tcase (s, limits);
    return s;
}

int main (void)
{
    return rt_check_run (s_suite ());
}
