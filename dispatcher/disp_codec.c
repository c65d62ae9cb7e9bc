/* disp_codec: robotaxi.v1 Envelope frames <-> the dispatcher's own types. The only dispatcher file that includes
 * the generated protobuf-c header; everything it decodes is validated here so the engine and the service can trust
 * enum values, array sizes and string lengths. */
#include "disp_codec.h"
#include "map_error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "robotaxi.pb-c.h"

/* Hour factors outside this range are almost certainly a unit mistake on the sender's side. */
#define S_HOUR_FACTOR_MIN 1.0
#define S_HOUR_FACTOR_MAX 10.0

/* Heartbeats faster than this flood the service; slower ones make a dead peer take minutes to notice. */
#define S_HEARTBEAT_MS_MIN 50
#define S_HEARTBEAT_MS_MAX 60000

/* A live session clock may start anywhere in the first 10 years (ms). */
#define S_CLOCK_START_MAX (3650LL * 86400000LL)

/* Copies a decoded protobuf string (may be NULL: treated as empty) into a fixed buffer of `size` bytes. Fails with
 * a message naming `field` when the string does not fit with its terminator. */
static int s_copy_string (char *dst, size_t size, const char *src, const char *field, char *err, size_t errlen)
{
    if (!src) src = "";
    size_t len = strlen (src);
    if (len >= size) return map_error (err, errlen, "%s: %zu bytes, longer than the limit of %zu", field, len, size - 1);
    memcpy (dst, src, len + 1);
    return 0;
}

static int s_check_fleet (int value, const char *field, char *err, size_t errlen)
{
    if (value < 0 || value >= DISP_FLEET_COUNT) return map_error (err, errlen, "%s: %d is not a fleet", field, value);
    return 0;
}

static int s_check_status (int value, const char *field, char *err, size_t errlen)
{
    if (value < DISP_VEH_OFFLINE || value > DISP_VEH_BUSY)
        return map_error (err, errlen, "%s: %d is not a vehicle status", field, value);
    return 0;
}

/* A missing Position decodes as (0, 0) without a node. */
static void s_position_from (const Robotaxi__V1__Position *p, disp_position_t *out)
{
    out->lon = p ? p->lon : 0.0;
    out->lat = p ? p->lat : 0.0;
    out->node = MAP_NODE_NONE;
    if (p && p->node_present_case == ROBOTAXI__V1__POSITION__NODE_PRESENT_NODE) out->node = p->node;
}

static void s_position_to (const disp_position_t *in, Robotaxi__V1__Position *p)
{
    robotaxi__v1__position__init (p);
    p->lon = in->lon;
    p->lat = in->lat;
    if (in->node != MAP_NODE_NONE) {
        p->node_present_case = ROBOTAXI__V1__POSITION__NODE_PRESENT_NODE;
        p->node = in->node;
    }
}

/* ---- decoding ---------------------------------------------------------------------------------------------- */

/* Absent parameters (and zeros) take the defaults; the rest must be in range. */
static int s_decode_params (const Robotaxi__V1__PolicyParams *p, disp_params_t *out, char *err, size_t errlen)
{
    memset (out, 0, sizeof *out);
    if (p) {
        out->batch_window_ms = p->batch_window_ms;
        out->batch_candidates = p->batch_candidates;
        out->cost_per_km[DISP_FLEET_ROBOTAXI] = p->robotaxi_cost_per_km;
        out->cost_per_km[DISP_FLEET_HUMAN] = p->human_cost_per_km;
        out->wait_yuan_per_min = p->wait_yuan_per_min;
        out->rebalance = p->rebalance ? 1 : 0;
        out->rebalance_interval_ms = p->rebalance_interval_ms;
        out->rebalance_zone_m = p->rebalance_zone_m;
        out->rebalance_horizon_ms = p->rebalance_horizon_ms;
        out->charge_early_hours = p->charge_early_hours;
        out->charge_early_reach_m = p->charge_early_reach_m;
    }
    disp_params_fill (out);
    char why[200];
    if (disp_params_check (out, why, sizeof why)) return map_error (err, errlen, "hello.%s", why);
    return 0;
}

static int s_decode_hello (const Robotaxi__V1__Hello *h, disp_hello_t *out, char *err, size_t errlen)
{
    if (s_copy_string (out->protocol, sizeof out->protocol, h->protocol, "hello.protocol", err, errlen) ||
        s_copy_string (out->session, sizeof out->session, h->session, "hello.session", err, errlen) ||
        s_copy_string (out->config.policy, sizeof out->config.policy, h->policy, "hello.policy", err, errlen))
        return -1;
    out->config.max_pickup_ms = h->max_pickup_ms;
    out->config.vehicle_capacity = h->vehicle_capacity;
    if (s_decode_params (h->params, &out->config.params, err, errlen)) return -1;
    if ((int)h->mode != DISP_MODE_LOCKSTEP && (int)h->mode != DISP_MODE_LIVE)
        return map_error (err, errlen, "hello.mode: %d is not a session mode", (int)h->mode);
    out->mode = (disp_mode_t)h->mode;
    out->heartbeat_ms = h->heartbeat_ms ? h->heartbeat_ms : DISP_HEARTBEAT_MS_DEFAULT;
    if (out->heartbeat_ms < S_HEARTBEAT_MS_MIN || out->heartbeat_ms > S_HEARTBEAT_MS_MAX)
        return map_error (err, errlen, "hello.heartbeat_ms: %lld is not in [%d, %d]", (long long)out->heartbeat_ms,
                          S_HEARTBEAT_MS_MIN, S_HEARTBEAT_MS_MAX);
    out->clock_start_ms = h->clock_start_ms;
    if (out->clock_start_ms < 0 || out->clock_start_ms > S_CLOCK_START_MAX)
        return map_error (err, errlen, "hello.clock_start_ms: %lld is not in [0, %lld]",
                          (long long)out->clock_start_ms, (long long)S_CLOCK_START_MAX);
    out->live_step_ms = h->live_step_ms ? h->live_step_ms : DISP_LIVE_STEP_MS_DEFAULT;
    if (out->live_step_ms < 1 || out->live_step_ms > S_HEARTBEAT_MS_MAX)
        return map_error (err, errlen, "hello.live_step_ms: %lld is not in [1, %d]", (long long)out->live_step_ms,
                          S_HEARTBEAT_MS_MAX);

    const Robotaxi__V1__MapSpec *m = h->map;
    if (!m) return map_error (err, errlen, "hello.map: missing");
    if (s_copy_string (out->map.source, sizeof out->map.source, m->source, "hello.map.source", err, errlen) ||
        s_copy_string (out->map.highways, sizeof out->map.highways, m->highways, "hello.map.highways", err, errlen) ||
        s_copy_string (out->map.cache, sizeof out->map.cache, m->cache, "hello.map.cache", err, errlen))
        return -1;
    out->map.epsg = m->epsg;
    out->map.grid_m = m->grid_m;
    out->map_fingerprint = m->fingerprint;

    /* No factors means free flow all day; otherwise all 24 hours must be given. */
    if (m->n_hour_factor == 0) {
        for (int hour = 0; hour < 24; hour++)
            out->traffic.hour_factor[hour] = 1.0;
        return 0;
    }
    if (m->n_hour_factor != 24)
        return map_error (err, errlen, "hello.map.hour_factor: %zu entries, expected 24", m->n_hour_factor);
    for (int hour = 0; hour < 24; hour++) {
        double f = m->hour_factor[hour];
        if (!(f >= S_HOUR_FACTOR_MIN && f <= S_HOUR_FACTOR_MAX))
            return map_error (err, errlen, "hello.map.hour_factor[%d]: %g is not in [%g, %g]", hour, f,
                           S_HOUR_FACTOR_MIN, S_HOUR_FACTOR_MAX);
        out->traffic.hour_factor[hour] = f;
    }
    return 0;
}

/* A publication's payload must be a MetricsSnapshot we could read ourselves; subscribers get the sender's bytes. */
static int s_check_snapshot (const uint8_t *data, size_t len, const char *field, char *err, size_t errlen)
{
    Robotaxi__V1__MetricsSnapshot *s = robotaxi__v1__metrics_snapshot__unpack (NULL, len, data);
    if (!s) return map_error (err, errlen, "%s: not a robotaxi.v1 MetricsSnapshot (%zu bytes)", field, len);
    int rc = 0;
    if ((int)s->kind < ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_PERIODIC ||
        (int)s->kind > ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_FINAL)
        rc = map_error (err, errlen, "%s.kind: %d is not a snapshot kind", field, (int)s->kind);
    for (size_t i = 0; rc == 0 && i < s->n_fleets; i++) {
        char sub[128];
        snprintf (sub, sizeof sub, "%.64s.fleets[%zu].fleet", field, i);
        rc = s_check_fleet (s->fleets[i]->fleet, sub, err, errlen);
    }
    robotaxi__v1__metrics_snapshot__free_unpacked (s, NULL);
    return rc;
}

/* Decodes n requests into a new array, attached to *out and *count as soon as it is allocated (so disp_msg_clear
 * frees it half-built); `field` names the array in messages ("tick.requests"). 0, or -1 with a message. */
static int s_decode_requests (const char *field, size_t n, Robotaxi__V1__RideRequest *const *requests,
                              const disp_request_t **out, size_t *count, char *err, size_t errlen)
{
    if (n == 0) return 0;
    disp_request_t *reqs = calloc (n, sizeof *reqs);
    if (!reqs) return map_error (err, errlen, "%s: out of memory", field);
    *out = reqs;
    *count = n;
    char sub[96];
    for (size_t i = 0; i < n; i++) {
        const Robotaxi__V1__RideRequest *r = requests[i];
        snprintf (sub, sizeof sub, "%.64s[%zu].fleet", field, i);
        if (s_check_fleet (r->fleet, sub, err, errlen)) return -1;
        reqs[i].id = r->id;
        reqs[i].time_ms = r->time_ms;
        s_position_from (r->origin, &reqs[i].origin);
        s_position_from (r->destination, &reqs[i].destination);
        reqs[i].fleet = (uint8_t)r->fleet;
        reqs[i].deadline_ms = r->deadline_ms;
        reqs[i].any_fleet = r->any_fleet ? 1 : 0;
    }
    return 0;
}

/* A rebalancer's state (Decisions.rebalance, Tick.rebalance) in one block (state, zones, orders: one free), attached
 * to *out at once. Checked here as far as it can be without the session: figures finite, demand >= 0, decay_ms >= 0,
 * zones ascending; the engine checks zones and vehicles against the session's map and capacity. 0, or -1 with a
 * message naming the field. */
static int s_decode_rebalance (const char *field, const Robotaxi__V1__RebalanceState *r,
                               const disp_rebalance_state_t **out, char *err, size_t errlen)
{
    size_t nz = r->n_zones, no = r->n_orders;
    disp_rebalance_state_t *state =
        malloc (sizeof *state + nz * sizeof (disp_zone_demand_t) + no * sizeof (disp_rebalance_order_t));
    if (!state) return map_error (err, errlen, "%s: out of memory", field);
    *out = state;
    disp_zone_demand_t *zones = (disp_zone_demand_t *)(state + 1);
    disp_rebalance_order_t *orders = (disp_rebalance_order_t *)(zones + nz);
    *state = (disp_rebalance_state_t){.run_ms = r->run_ms,
                                      .decay_ms = r->decay_ms,
                                      .zones = zones,
                                      .zone_count = nz,
                                      .orders = orders,
                                      .order_count = no};
    for (size_t i = 0; i < nz; i++) {
        const Robotaxi__V1__ZoneDemand *z = r->zones[i];
        zones[i] = (disp_zone_demand_t){.zone = z->zone, .demand = z->demand, .sum_x = z->sum_x, .sum_y = z->sum_y};
    }
    for (size_t i = 0; i < no; i++)
        orders[i] = (disp_rebalance_order_t){
            .vehicle_id = r->orders[i]->vehicle_id, .zone = r->orders[i]->zone, .arrive_ms = r->orders[i]->arrive_ms};
    /* the map's zone count is the engine's to check; everything else here */
    return disp_resync_state_check (state, SIZE_MAX, field, err, errlen);
}

/* Fills the requests, vehicles and cancellations of msg->tick from a Tick or an Update (`what` names it in
 * messages). Arrays are attached to msg as soon as they are allocated, so disp_msg_clear frees a half-built tick. */
static int s_decode_changes (const char *what, size_t n_requests, Robotaxi__V1__RideRequest *const *requests,
                             size_t n_vehicles, Robotaxi__V1__VehicleState *const *vehicles, size_t n_cancelled,
                             const uint64_t *cancelled, disp_msg_t *msg, char *err, size_t errlen)
{
    disp_tick_t *out = &msg->tick;
    char field[64];
    snprintf (field, sizeof field, "%s.requests", what);
    if (s_decode_requests (field, n_requests, requests, &out->requests, &out->request_count, err, errlen)) return -1;
    if (n_vehicles > 0) {
        disp_vehicle_t *vehs = calloc (n_vehicles, sizeof *vehs);
        if (!vehs) return map_error (err, errlen, "%s.vehicles: out of memory", what);
        out->vehicles = vehs;
        out->vehicle_count = n_vehicles;
        for (size_t i = 0; i < n_vehicles; i++) {
            const Robotaxi__V1__VehicleState *v = vehicles[i];
            snprintf (field, sizeof field, "%s.vehicles[%zu].fleet", what, i);
            if (s_check_fleet (v->fleet, field, err, errlen)) return -1;
            snprintf (field, sizeof field, "%s.vehicles[%zu].status", what, i);
            if (s_check_status (v->status, field, err, errlen)) return -1;
            vehs[i].id = v->id;
            vehs[i].fleet = (uint8_t)v->fleet;
            vehs[i].status = (uint8_t)v->status;
            s_position_from (v->position, &vehs[i].position);
            vehs[i].time_ms = v->time_ms;
            if (v->range_limited) {
                if (!isfinite (v->range_m) || v->range_m < 0)
                    return map_error (err, errlen, "%s.vehicles[%zu].range_m: %g is not a distance (finite, >= 0)",
                                      what, i, v->range_m);
                vehs[i].range_limited = 1;
                vehs[i].range_m = v->range_m;
            }
        }
    }
    if (n_cancelled > 0) {
        uint64_t *ids = malloc (n_cancelled * sizeof *ids);
        if (!ids) return map_error (err, errlen, "%s.cancelled: out of memory", what);
        memcpy (ids, cancelled, n_cancelled * sizeof *ids);
        out->cancelled = ids;
        out->cancelled_count = n_cancelled;
    }
    return 0;
}

/* Fills msg->tick (see s_decode_changes). */
static int s_decode_tick (const Robotaxi__V1__Tick *t, disp_msg_t *msg, char *err, size_t errlen)
{
    disp_tick_t *out = &msg->tick;
    char field[64];
    out->step = t->step;
    out->now_ms = t->now_ms;
    out->resync = t->resync ? 1 : 0;
    if (s_decode_changes ("tick", t->n_requests, t->requests, t->n_vehicles, t->vehicles, t->n_cancelled,
                          t->cancelled, msg, err, errlen))
        return -1;
    /* the rest of a resync's session state */
    out->has_previous = t->previous_present_case == ROBOTAXI__V1__TICK__PREVIOUS_PRESENT_PREVIOUS_MS;
    out->previous_ms = out->has_previous ? t->previous_ms : 0;
    if (t->rebalance && s_decode_rebalance ("tick.rebalance", t->rebalance, &out->rebalance, err, errlen)) return -1;
    if (s_decode_requests ("tick.observed", t->n_observed, t->observed, &out->observed, &out->observed_count, err,
                           errlen))
        return -1;
    if (t->n_publish > 0) {
        disp_publication_t *pubs = calloc (t->n_publish, sizeof *pubs);
        if (!pubs) return map_error (err, errlen, "tick.publish: out of memory");
        out->publish = pubs;
        out->publish_count = t->n_publish;
        for (size_t i = 0; i < t->n_publish; i++) {
            const Robotaxi__V1__Publication *p = t->publish[i];
            snprintf (field, sizeof field, "tick.publish[%zu].topic", i);
            if (s_copy_string (pubs[i].topic, sizeof pubs[i].topic, p->topic, field, err, errlen)) return -1;
            snprintf (field, sizeof field, "tick.publish[%zu].payload", i);
            if (s_check_snapshot (p->payload.data, p->payload.len, field, err, errlen)) return -1;
            pubs[i].payload = malloc (p->payload.len > 0 ? p->payload.len : 1);
            if (!pubs[i].payload) return map_error (err, errlen, "%s: out of memory", field);
            if (p->payload.len > 0) memcpy (pubs[i].payload, p->payload.data, p->payload.len);
            pubs[i].payload_len = p->payload.len;
        }
    }
    return 0;
}

static int s_decode_decisions (const Robotaxi__V1__Decisions *d, disp_msg_t *msg, char *err, size_t errlen)
{
    msg->decisions.step = d->step;
    msg->decisions.now_ms = d->now_ms;
    if (d->n_assignments > 0) {
        disp_assignment_t *as = calloc (d->n_assignments, sizeof *as);
        if (!as) return map_error (err, errlen, "decisions.assignments: out of memory");
        msg->decisions.assignments = as;
        msg->decisions.assignment_count = d->n_assignments;
        for (size_t i = 0; i < d->n_assignments; i++) {
            as[i].request_id = d->assignments[i]->request_id;
            as[i].vehicle_id = d->assignments[i]->vehicle_id;
            as[i].pickup_eta_ms = d->assignments[i]->pickup_eta_ms;
        }
    }
    if (d->n_repositions > 0) {
        disp_reposition_t *rs = calloc (d->n_repositions, sizeof *rs);
        if (!rs) return map_error (err, errlen, "decisions.repositions: out of memory");
        msg->decisions.repositions = rs;
        msg->decisions.reposition_count = d->n_repositions;
        for (size_t i = 0; i < d->n_repositions; i++) {
            rs[i].vehicle_id = d->repositions[i]->vehicle_id;
            s_position_from (d->repositions[i]->target, &rs[i].target);
            rs[i].eta_ms = d->repositions[i]->eta_ms;
        }
    }
    if (d->rebalance &&
        s_decode_rebalance ("decisions.rebalance", d->rebalance, &msg->decisions.rebalance, err, errlen))
        return -1;
    if (d->n_charge > 0) {
        uint32_t *ids = malloc (d->n_charge * sizeof *ids);
        if (!ids) return map_error (err, errlen, "decisions.charge: out of memory");
        memcpy (ids, d->charge, d->n_charge * sizeof *ids);
        msg->decisions.charges = ids;
        msg->decisions.charge_count = d->n_charge;
    }
    return 0;
}

static int s_decode_body (const Robotaxi__V1__Envelope *env, size_t len, disp_msg_t *msg, char *err, size_t errlen)
{
    switch (env->body_case) {
    case ROBOTAXI__V1__ENVELOPE__BODY_HELLO:
        msg->kind = DISP_MSG_HELLO;
        return s_decode_hello (env->hello, &msg->hello, err, errlen);
    case ROBOTAXI__V1__ENVELOPE__BODY_HELLO_REPLY:
        msg->kind = DISP_MSG_HELLO_REPLY;
        msg->hello_reply.nodes = env->hello_reply->nodes;
        msg->hello_reply.edges = env->hello_reply->edges;
        msg->hello_reply.now_ms = env->hello_reply->now_ms;
        msg->hello_reply.heartbeat_ms = env->hello_reply->heartbeat_ms;
        return s_copy_string (msg->hello_reply.dispatcher_version, sizeof msg->hello_reply.dispatcher_version,
                              env->hello_reply->dispatcher_version, "hello_reply.dispatcher_version", err, errlen);
    case ROBOTAXI__V1__ENVELOPE__BODY_TICK:
        msg->kind = DISP_MSG_TICK;
        return s_decode_tick (env->tick, msg, err, errlen);
    case ROBOTAXI__V1__ENVELOPE__BODY_DECISIONS:
        msg->kind = DISP_MSG_DECISIONS;
        return s_decode_decisions (env->decisions, msg, err, errlen);
    case ROBOTAXI__V1__ENVELOPE__BODY_ERROR: {
        msg->kind = DISP_MSG_ERROR;
        int code = env->error->code;
        if (code < DISP_ERR_UNSPECIFIED || code > DISP_ERR_LIMIT)
            return map_error (err, errlen, "error.code: %d is not an error code", code);
        msg->error.code = (disp_error_code_t)code;
        return s_copy_string (msg->error.message, sizeof msg->error.message, env->error->message, "error.message",
                              err, errlen);
    }
    case ROBOTAXI__V1__ENVELOPE__BODY_BYE:
        msg->kind = DISP_MSG_BYE;
        return s_copy_string (msg->bye_reason, sizeof msg->bye_reason, env->bye->reason, "bye.reason", err, errlen);
    case ROBOTAXI__V1__ENVELOPE__BODY_UPDATE: {
        msg->kind = DISP_MSG_UPDATE;
        const Robotaxi__V1__Update *u = env->update;
        return s_decode_changes ("update", u->n_requests, u->requests, u->n_vehicles, u->vehicles, u->n_cancelled,
                                 u->cancelled, msg, err, errlen);
    }
    case ROBOTAXI__V1__ENVELOPE__BODY_HEARTBEAT:
        msg->kind = DISP_MSG_HEARTBEAT;
        msg->heartbeat_seq = env->heartbeat->seq;
        return 0;
    default:
        /* Random bytes often parse as unknown fields; without a body the frame is not one of ours. */
        return map_error (err, errlen, "not a robotaxi.v1 Envelope (%zu bytes): no message body", len);
    }
}

int disp_codec_decode (const uint8_t *data, size_t len, disp_msg_t *msg, char *err, size_t errlen)
{
    memset (msg, 0, sizeof *msg);
    Robotaxi__V1__Envelope *env = robotaxi__v1__envelope__unpack (NULL, len, data);
    if (!env) return map_error (err, errlen, "not a robotaxi.v1 Envelope (%zu bytes)", len);
    int rc = s_decode_body (env, len, msg, err, errlen);
    robotaxi__v1__envelope__free_unpacked (env, NULL);
    if (rc != 0) disp_msg_clear (msg);
    return rc;
}

void disp_msg_clear (disp_msg_t *msg)
{
    if (!msg) return;
    /* The tick's arrays are const for readers; the decoder allocated them, so it may free them. */
    free ((void *)msg->tick.requests);
    free ((void *)msg->tick.vehicles);
    free ((void *)msg->tick.cancelled);
    disp_publication_t *pubs = (disp_publication_t *)msg->tick.publish;
    for (size_t i = 0; pubs && i < msg->tick.publish_count; i++)
        free (pubs[i].payload);
    free (pubs);
    free ((void *)msg->tick.observed);
    free ((void *)msg->tick.rebalance);
    free ((void *)msg->decisions.assignments);
    free ((void *)msg->decisions.repositions);
    free ((void *)msg->decisions.charges);
    free ((void *)msg->decisions.rebalance);
    memset (msg, 0, sizeof *msg);
}

/* ---- encoding ---------------------------------------------------------------------------------------------- */

/* Packs env into a malloc'd buffer. */
static int s_pack (const Robotaxi__V1__Envelope *env, uint8_t **out, size_t *out_len)
{
    size_t size = robotaxi__v1__envelope__get_packed_size (env);
    uint8_t *buf = malloc (size > 0 ? size : 1);
    if (!buf) return -1;
    size_t written = robotaxi__v1__envelope__pack (env, buf);
    if (written != size) {
        free (buf);
        return -1;
    }
    *out = buf;
    *out_len = size;
    return 0;
}

int disp_codec_encode_hello (const disp_hello_t *hello, uint8_t **out, size_t *out_len)
{
    Robotaxi__V1__MapSpec map = ROBOTAXI__V1__MAP_SPEC__INIT;
    map.source = (char *)hello->map.source;
    map.epsg = hello->map.epsg;
    map.grid_m = hello->map.grid_m;
    map.highways = (char *)hello->map.highways;
    map.cache = (char *)hello->map.cache;
    map.fingerprint = hello->map_fingerprint;
    map.n_hour_factor = 24;
    map.hour_factor = (double *)hello->traffic.hour_factor;

    Robotaxi__V1__Hello h = ROBOTAXI__V1__HELLO__INIT;
    h.protocol = (char *)hello->protocol;
    h.session = (char *)hello->session;
    h.map = &map;
    h.policy = (char *)hello->config.policy;
    h.max_pickup_ms = hello->config.max_pickup_ms;
    h.vehicle_capacity = hello->config.vehicle_capacity;
    const disp_params_t *pp = &hello->config.params;
    Robotaxi__V1__PolicyParams params = ROBOTAXI__V1__POLICY_PARAMS__INIT;
    params.batch_window_ms = pp->batch_window_ms;
    params.batch_candidates = pp->batch_candidates;
    params.robotaxi_cost_per_km = pp->cost_per_km[DISP_FLEET_ROBOTAXI];
    params.human_cost_per_km = pp->cost_per_km[DISP_FLEET_HUMAN];
    params.wait_yuan_per_min = pp->wait_yuan_per_min;
    params.rebalance = pp->rebalance ? 1 : 0;
    params.rebalance_interval_ms = pp->rebalance_interval_ms;
    params.rebalance_zone_m = pp->rebalance_zone_m;
    params.rebalance_horizon_ms = pp->rebalance_horizon_ms;
    params.charge_early_hours = pp->charge_early_hours;
    params.charge_early_reach_m = pp->charge_early_reach_m;
    h.params = &params;
    h.mode = (Robotaxi__V1__SessionMode)hello->mode;
    h.heartbeat_ms = hello->heartbeat_ms;
    h.clock_start_ms = hello->clock_start_ms;
    h.live_step_ms = hello->live_step_ms;

    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_HELLO;
    env.hello = &h;
    return s_pack (&env, out, out_len);
}

int disp_codec_encode_hello_reply (const disp_hello_reply_t *reply, uint8_t **out, size_t *out_len)
{
    Robotaxi__V1__HelloReply r = ROBOTAXI__V1__HELLO_REPLY__INIT;
    r.dispatcher_version = (char *)reply->dispatcher_version;
    r.nodes = reply->nodes;
    r.edges = reply->edges;
    r.now_ms = reply->now_ms;
    r.heartbeat_ms = reply->heartbeat_ms;
    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_HELLO_REPLY;
    env.hello_reply = &r;
    return s_pack (&env, out, out_len);
}

/* A rebalancer's state as protobuf-c structs: the message and one scratch block per array, freed by
 * s_rebalance_pb_free once the frame is packed. */
typedef struct {
    Robotaxi__V1__RebalanceState msg;
    Robotaxi__V1__ZoneDemand *zones;
    Robotaxi__V1__ZoneDemand **zone_ptrs;
    Robotaxi__V1__RebalanceOrder *orders;
    Robotaxi__V1__RebalanceOrder **order_ptrs;
} s_rebalance_pb_t;

static void s_rebalance_pb_free (s_rebalance_pb_t *pb)
{
    free (pb->zones);
    free (pb->zone_ptrs);
    free (pb->orders);
    free (pb->order_ptrs);
}

/* Fills pb from in. 0, or -1 when out of memory (pb is then still for s_rebalance_pb_free). */
static int s_rebalance_to (const disp_rebalance_state_t *in, s_rebalance_pb_t *pb)
{
    size_t nz = in->zone_count, no = in->order_count;
    robotaxi__v1__rebalance_state__init (&pb->msg);
    pb->zones = calloc (nz ? nz : 1, sizeof *pb->zones);
    pb->zone_ptrs = calloc (nz ? nz : 1, sizeof *pb->zone_ptrs);
    pb->orders = calloc (no ? no : 1, sizeof *pb->orders);
    pb->order_ptrs = calloc (no ? no : 1, sizeof *pb->order_ptrs);
    if (!pb->zones || !pb->zone_ptrs || !pb->orders || !pb->order_ptrs) return -1;
    for (size_t i = 0; i < nz; i++) {
        robotaxi__v1__zone_demand__init (&pb->zones[i]);
        pb->zones[i].zone = in->zones[i].zone;
        pb->zones[i].demand = in->zones[i].demand;
        pb->zones[i].sum_x = in->zones[i].sum_x;
        pb->zones[i].sum_y = in->zones[i].sum_y;
        pb->zone_ptrs[i] = &pb->zones[i];
    }
    for (size_t i = 0; i < no; i++) {
        robotaxi__v1__rebalance_order__init (&pb->orders[i]);
        pb->orders[i].vehicle_id = in->orders[i].vehicle_id;
        pb->orders[i].zone = in->orders[i].zone;
        pb->orders[i].arrive_ms = in->orders[i].arrive_ms;
        pb->order_ptrs[i] = &pb->orders[i];
    }
    pb->msg.run_ms = in->run_ms;
    pb->msg.decay_ms = in->decay_ms;
    pb->msg.n_zones = nz;
    pb->msg.zones = pb->zone_ptrs;
    pb->msg.n_orders = no;
    pb->msg.orders = pb->order_ptrs;
    return 0;
}

/* Tick and Update encoding needs one protobuf struct per element plus the pointer arrays protobuf-c wants; all of it
 * lives in one scratch block per array, freed once the frame is packed. as_update: pack an Update (requests,
 * vehicles, cancellations only) instead of a Tick. A Tick's observed requests follow its requests in the requests'
 * block. */
static int s_encode_changes (const disp_tick_t *tick, int as_update, uint8_t **out, size_t *out_len)
{
    int rc = -1;
    size_t nr = tick->request_count, nv = tick->vehicle_count, np = as_update ? 0 : tick->publish_count;
    size_t no = as_update ? 0 : tick->observed_count, nq = nr + no;
    s_rebalance_pb_t rebalance = {0};
    Robotaxi__V1__RideRequest *reqs = calloc (nq ? nq : 1, sizeof *reqs);
    Robotaxi__V1__RideRequest **req_ptrs = calloc (nq ? nq : 1, sizeof *req_ptrs);
    Robotaxi__V1__Position *req_pos = calloc (nq ? 2 * nq : 1, sizeof *req_pos);
    Robotaxi__V1__VehicleState *vehs = calloc (nv ? nv : 1, sizeof *vehs);
    Robotaxi__V1__VehicleState **veh_ptrs = calloc (nv ? nv : 1, sizeof *veh_ptrs);
    Robotaxi__V1__Position *veh_pos = calloc (nv ? nv : 1, sizeof *veh_pos);
    Robotaxi__V1__Publication *pubs = calloc (np ? np : 1, sizeof *pubs);
    Robotaxi__V1__Publication **pub_ptrs = calloc (np ? np : 1, sizeof *pub_ptrs);
    if (!reqs || !req_ptrs || !req_pos || !vehs || !veh_ptrs || !veh_pos || !pubs || !pub_ptrs) goto done;

    if (!as_update && tick->rebalance && s_rebalance_to (tick->rebalance, &rebalance)) goto done;

    for (size_t i = 0; i < nq; i++) {
        const disp_request_t *r = i < nr ? &tick->requests[i] : &tick->observed[i - nr];
        robotaxi__v1__ride_request__init (&reqs[i]);
        reqs[i].id = r->id;
        reqs[i].time_ms = r->time_ms;
        s_position_to (&r->origin, &req_pos[2 * i]);
        s_position_to (&r->destination, &req_pos[2 * i + 1]);
        reqs[i].origin = &req_pos[2 * i];
        reqs[i].destination = &req_pos[2 * i + 1];
        reqs[i].fleet = (Robotaxi__V1__Fleet)r->fleet;
        reqs[i].deadline_ms = r->deadline_ms;
        reqs[i].any_fleet = r->any_fleet ? 1 : 0;
        req_ptrs[i] = &reqs[i];
    }
    for (size_t i = 0; i < nv; i++) {
        const disp_vehicle_t *v = &tick->vehicles[i];
        robotaxi__v1__vehicle_state__init (&vehs[i]);
        vehs[i].id = v->id;
        vehs[i].fleet = (Robotaxi__V1__Fleet)v->fleet;
        vehs[i].status = (Robotaxi__V1__VehicleStatus)v->status;
        s_position_to (&v->position, &veh_pos[i]);
        vehs[i].position = &veh_pos[i];
        vehs[i].time_ms = v->time_ms;
        vehs[i].range_limited = v->range_limited != 0;
        vehs[i].range_m = v->range_limited ? v->range_m : 0;
        veh_ptrs[i] = &vehs[i];
    }
    for (size_t i = 0; i < np; i++) {
        const disp_publication_t *p = &tick->publish[i];
        robotaxi__v1__publication__init (&pubs[i]);
        pubs[i].topic = (char *)p->topic;
        pubs[i].payload.data = p->payload;
        pubs[i].payload.len = p->payload_len;
        pub_ptrs[i] = &pubs[i];
    }

    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    Robotaxi__V1__Tick t = ROBOTAXI__V1__TICK__INIT;
    Robotaxi__V1__Update u = ROBOTAXI__V1__UPDATE__INIT;
    if (as_update) {
        u.n_requests = nr;
        u.requests = req_ptrs;
        u.n_vehicles = nv;
        u.vehicles = veh_ptrs;
        u.n_cancelled = tick->cancelled_count;
        u.cancelled = (uint64_t *)tick->cancelled;
        env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_UPDATE;
        env.update = &u;
    } else {
        t.step = tick->step;
        t.now_ms = tick->now_ms;
        t.n_requests = nr;
        t.requests = req_ptrs;
        t.n_vehicles = nv;
        t.vehicles = veh_ptrs;
        t.n_cancelled = tick->cancelled_count;
        t.cancelled = (uint64_t *)tick->cancelled;
        t.n_publish = np;
        t.publish = pub_ptrs;
        t.resync = tick->resync ? 1 : 0;
        if (tick->has_previous) {
            t.previous_present_case = ROBOTAXI__V1__TICK__PREVIOUS_PRESENT_PREVIOUS_MS;
            t.previous_ms = tick->previous_ms;
        }
        if (tick->rebalance) t.rebalance = &rebalance.msg;
        t.n_observed = no;
        t.observed = req_ptrs + nr;
        env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_TICK;
        env.tick = &t;
    }
    rc = s_pack (&env, out, out_len);
done:
    s_rebalance_pb_free (&rebalance);
    free (reqs);
    free (req_ptrs);
    free (req_pos);
    free (vehs);
    free (veh_ptrs);
    free (veh_pos);
    free (pubs);
    free (pub_ptrs);
    return rc;
}

int disp_codec_encode_tick (const disp_tick_t *tick, uint8_t **out, size_t *out_len)
{
    return s_encode_changes (tick, 0, out, out_len);
}

int disp_codec_encode_update (const disp_tick_t *update, uint8_t **out, size_t *out_len)
{
    return s_encode_changes (update, 1, out, out_len);
}

int disp_codec_encode_decisions (const disp_decisions_t *decisions, uint8_t **out, size_t *out_len)
{
    size_t n = decisions->assignment_count, nr = decisions->reposition_count;
    Robotaxi__V1__Assignment *as = calloc (n ? n : 1, sizeof *as);
    Robotaxi__V1__Assignment **ptrs = calloc (n ? n : 1, sizeof *ptrs);
    Robotaxi__V1__Reposition *rs = calloc (nr ? nr : 1, sizeof *rs);
    Robotaxi__V1__Reposition **rs_ptrs = calloc (nr ? nr : 1, sizeof *rs_ptrs);
    Robotaxi__V1__Position *rs_pos = calloc (nr ? nr : 1, sizeof *rs_pos);
    s_rebalance_pb_t rebalance = {0};
    int rc = -1;
    if (as && ptrs && rs && rs_ptrs && rs_pos &&
        !(decisions->rebalance && s_rebalance_to (decisions->rebalance, &rebalance))) {
        for (size_t i = 0; i < n; i++) {
            robotaxi__v1__assignment__init (&as[i]);
            as[i].request_id = decisions->assignments[i].request_id;
            as[i].vehicle_id = decisions->assignments[i].vehicle_id;
            as[i].pickup_eta_ms = decisions->assignments[i].pickup_eta_ms;
            ptrs[i] = &as[i];
        }
        for (size_t i = 0; i < nr; i++) {
            robotaxi__v1__reposition__init (&rs[i]);
            rs[i].vehicle_id = decisions->repositions[i].vehicle_id;
            s_position_to (&decisions->repositions[i].target, &rs_pos[i]);
            rs[i].target = &rs_pos[i];
            rs[i].eta_ms = decisions->repositions[i].eta_ms;
            rs_ptrs[i] = &rs[i];
        }
        Robotaxi__V1__Decisions d = ROBOTAXI__V1__DECISIONS__INIT;
        d.step = decisions->step;
        d.now_ms = decisions->now_ms;
        d.n_assignments = n;
        d.assignments = ptrs;
        d.n_repositions = nr;
        d.repositions = rs_ptrs;
        d.n_charge = decisions->charge_count;
        d.charge = (uint32_t *)decisions->charges;
        if (decisions->rebalance) d.rebalance = &rebalance.msg;
        Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
        env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_DECISIONS;
        env.decisions = &d;
        rc = s_pack (&env, out, out_len);
    }
    free (as);
    free (ptrs);
    free (rs);
    free (rs_ptrs);
    free (rs_pos);
    s_rebalance_pb_free (&rebalance);
    return rc;
}

int disp_codec_encode_error (disp_error_code_t code, const char *message, uint8_t **out, size_t *out_len)
{
    /* Keep the message within what a decoder accepts (disp_error_t.message). */
    char text[sizeof ((disp_error_t *)0)->message];
    snprintf (text, sizeof text, "%s", message ? message : "");
    Robotaxi__V1__ErrorReply e = ROBOTAXI__V1__ERROR_REPLY__INIT;
    e.code = (Robotaxi__V1__ErrorCode)code;
    e.message = text;
    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_ERROR;
    env.error = &e;
    return s_pack (&env, out, out_len);
}

int disp_codec_encode_bye (const char *reason, uint8_t **out, size_t *out_len)
{
    Robotaxi__V1__Bye b = ROBOTAXI__V1__BYE__INIT;
    b.reason = (char *)(reason ? reason : "");
    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_BYE;
    env.bye = &b;
    return s_pack (&env, out, out_len);
}

int disp_codec_encode_heartbeat (uint64_t seq, uint8_t **out, size_t *out_len)
{
    Robotaxi__V1__Heartbeat h = ROBOTAXI__V1__HEARTBEAT__INIT;
    h.seq = seq;
    Robotaxi__V1__Envelope env = ROBOTAXI__V1__ENVELOPE__INIT;
    env.body_case = ROBOTAXI__V1__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &h;
    return s_pack (&env, out, out_len);
}

/* ---- metrics stream ---------------------------------------------------------------------------------------- */

int disp_codec_stamp_snapshot (const uint8_t *data, size_t len, uint64_t seq, const char *publisher,
                               const char *session, const char *client, uint8_t **out, size_t *out_len, char *err,
                               size_t errlen)
{
    Robotaxi__V1__MetricsSnapshot *s = robotaxi__v1__metrics_snapshot__unpack (NULL, len, data);
    if (!s) return map_error (err, errlen, "not a robotaxi.v1 MetricsSnapshot (%zu bytes)", len);
    /* The strings belong to the unpacked message: swap ours in for packing, and theirs back before freeing. */
    char *own_publisher = s->publisher, *own_session = s->session, *own_client = s->client;
    s->seq = seq;
    s->publisher = (char *)(publisher ? publisher : "");
    s->session = (char *)(session ? session : "");
    s->client = (char *)(client ? client : "");
    size_t size = robotaxi__v1__metrics_snapshot__get_packed_size (s);
    uint8_t *buf = malloc (size > 0 ? size : 1);
    if (buf) robotaxi__v1__metrics_snapshot__pack (s, buf);
    s->publisher = own_publisher;
    s->session = own_session;
    s->client = own_client;
    robotaxi__v1__metrics_snapshot__free_unpacked (s, NULL);
    if (!buf) return map_error (err, errlen, "snapshot: out of memory");
    *out = buf;
    *out_len = size;
    return 0;
}

int disp_codec_decode_state_request (const uint8_t *data, size_t len, char *prefix, size_t prefix_size, char *err,
                                     size_t errlen)
{
    Robotaxi__V1__StateRequest *r = robotaxi__v1__state_request__unpack (NULL, len, data);
    if (!r) return map_error (err, errlen, "not a robotaxi.v1 StateRequest (%zu bytes)", len);
    int rc = s_copy_string (prefix, prefix_size, r->topic_prefix, "state_request.topic_prefix", err, errlen);
    robotaxi__v1__state_request__free_unpacked (r, NULL);
    return rc;
}

int disp_codec_encode_state_reply (const char *publisher, const disp_topic_state_t *topics, size_t count,
                                   uint8_t **out, size_t *out_len)
{
    /* One allocation for the topic messages and their pointers; the snapshots are unpacked one by one, because
     * protobuf-c embeds messages, not bytes. */
    size_t snapshots = 0;
    for (size_t i = 0; i < count; i++)
        snapshots += topics[i].latest_count;
    Robotaxi__V1__TopicState *states = calloc (count ? count : 1, sizeof *states);
    Robotaxi__V1__TopicState **state_ptrs = calloc (count ? count : 1, sizeof *state_ptrs);
    Robotaxi__V1__MetricsSnapshot **latest = calloc (snapshots ? snapshots : 1, sizeof *latest);
    Robotaxi__V1__StateReply reply = ROBOTAXI__V1__STATE_REPLY__INIT;
    size_t used = 0, size;
    uint8_t *buf;
    int rc = -1;
    if (!states || !state_ptrs || !latest) goto done;
    for (size_t i = 0; i < count; i++) {
        Robotaxi__V1__TopicState *t = &states[i];
        robotaxi__v1__topic_state__init (t);
        t->topic = (char *)topics[i].topic;
        t->seq = topics[i].seq;
        t->latest = &latest[used];
        for (size_t k = 0; k < topics[i].latest_count; k++) {
            latest[used] =
                robotaxi__v1__metrics_snapshot__unpack (NULL, topics[i].latest_len[k], topics[i].latest[k]);
            if (!latest[used]) goto done;
            used++;
            t->n_latest++;
        }
        state_ptrs[i] = t;
    }
    reply.publisher = (char *)(publisher ? publisher : "");
    reply.n_topics = count;
    reply.topics = state_ptrs;
    size = robotaxi__v1__state_reply__get_packed_size (&reply);
    buf = malloc (size > 0 ? size : 1);
    if (!buf) goto done;
    robotaxi__v1__state_reply__pack (&reply, buf);
    *out = buf;
    *out_len = size;
    rc = 0;
done:
    for (size_t k = 0; latest && k < snapshots; k++)
        if (latest[k]) robotaxi__v1__metrics_snapshot__free_unpacked (latest[k], NULL);
    free (latest);
    free (state_ptrs);
    free (states);
    return rc;
}
