/* sim_codec: MetricsSnapshot encoding for the metrics stream. */
#include "sim_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "robotaxi.pb-c.h"

const char *
sim_codec_topic (sim_snapshot_kind_t kind)
{
    return kind == SIM_SNAPSHOT_FINAL ? "metrics.final" : "metrics.periodic";
}

int
sim_codec_encode_snapshot (const sim_snapshot_t *snap, uint8_t **out, size_t *out_len)
{
    Robotaxi__V1__MetricsSnapshot msg = ROBOTAXI__V1__METRICS_SNAPSHOT__INIT;
    Robotaxi__V1__FleetMetrics fleets[DISP_FLEET_COUNT];
    Robotaxi__V1__FleetMetrics *fleet_ptrs[DISP_FLEET_COUNT];
    Robotaxi__V1__DriverMetrics drivers = ROBOTAXI__V1__DRIVER_METRICS__INIT;
    Robotaxi__V1__Displacement disp = ROBOTAXI__V1__DISPLACEMENT__INIT;
    Robotaxi__V1__ChoiceMetrics choice = ROBOTAXI__V1__CHOICE_METRICS__INIT;

    msg.kind = snap->kind == SIM_SNAPSHOT_FINAL ? ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_FINAL
                                                : ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_PERIODIC;
    msg.seq = snap->seq;
    msg.sim_time_ms = snap->sim_time_ms;
    msg.day = snap->day;
    msg.scenario = (char *) snap->scenario;
    msg.seed = snap->seed;
    msg.publisher = (char *) snap->publisher;
    msg.session = (char *) snap->session;
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        const sim_fleet_metrics_t *m = &snap->fleets[f];
        Robotaxi__V1__FleetMetrics *pb = &fleets[f];
        robotaxi__v1__fleet_metrics__init (pb);
        pb->fleet = m->fleet == DISP_FLEET_ROBOTAXI ? ROBOTAXI__V1__FLEET__FLEET_ROBOTAXI : ROBOTAXI__V1__FLEET__FLEET_HUMAN;
        pb->vehicles = m->vehicles;
        pb->online = m->online;
        pb->requests = m->requests;
        pb->served = m->served;
        pb->unserved = m->unserved;
        pb->util_occupied = m->util_occupied;
        pb->util_pickup = m->util_pickup;
        pb->util_idle = m->util_idle;
        pb->util_reposition = m->util_reposition;
        pb->reposition_km = m->reposition_km;
        pb->empty_km_share = m->empty_km_share;
        pb->km_driven = m->km_driven;
        pb->revenue_yuan = m->revenue_yuan;
        pb->mean_wait_s = m->mean_wait_s;
        pb->p95_wait_s = m->p95_wait_s;
        pb->hours_online = m->hours_online;
        pb->hours_occupied = m->hours_occupied;
        pb->cost_per_km = m->cost_per_km;
        pb->cost_per_vehicle_day = m->cost_per_vehicle_day;
        pb->profit_per_vehicle_day = m->profit_per_vehicle_day;
        pb->break_even_rides_per_day = m->break_even_rides_per_day;
        fleet_ptrs[f] = pb;
    }
    msg.n_fleets = DISP_FLEET_COUNT;
    msg.fleets = fleet_ptrs;
    drivers.drivers = snap->drivers.drivers;
    drivers.hours_online = snap->drivers.hours_online;
    drivers.gross_hourly_yuan = snap->drivers.gross_hourly_yuan;
    drivers.net_hourly_yuan = snap->drivers.net_hourly_yuan;
    drivers.net_daily_yuan = snap->drivers.net_daily_yuan;
    drivers.net_income_yuan = snap->drivers.net_income_yuan;
    msg.drivers = &drivers;
    choice.considered = snap->choice.considered;
    choice.chose_robotaxi = snap->choice.chose[DISP_FLEET_ROBOTAXI];
    choice.chose_human = snap->choice.chose[DISP_FLEET_HUMAN];
    choice.chose_other = snap->choice.chose[SIM_CHOICE_OTHER];
    msg.choice = &choice;
    if (snap->has_displacement) {
        const sim_displacement_t *d = &snap->displacement;
        disp.baseline_human_trips = d->baseline_human_trips;
        disp.human_trips = d->human_trips;
        disp.trips_moved = d->trips_moved;
        disp.baseline_driver_income_yuan = d->baseline_driver_income_yuan;
        disp.driver_income_yuan = d->driver_income_yuan;
        disp.income_moved_yuan = d->income_moved_yuan;
        disp.fulltime_drivers_equivalent = d->fulltime_drivers_equivalent;
        disp.baseline_drivers = d->baseline_drivers;
        disp.drivers = d->drivers;
        disp.displaced_drivers = d->displaced_drivers;
        disp.displaced_income_yuan = d->displaced_income_yuan;
        disp.displaced_trips = d->displaced_trips;
        msg.displacement = &disp;
    }
    size_t len = robotaxi__v1__metrics_snapshot__get_packed_size (&msg);
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf)
        return -1;
    robotaxi__v1__metrics_snapshot__pack (&msg, buf);
    *out = buf;
    *out_len = len;
    return 0;
}

/* Fills snap from an unpacked message. 0, or -1 with a message when a fleet is unknown. */
static int
s_snapshot_from (const Robotaxi__V1__MetricsSnapshot *msg, sim_snapshot_t *snap, char *err, size_t errlen)
{
    memset (snap, 0, sizeof *snap);
    int rc = 0;
    snap->kind = msg->kind == ROBOTAXI__V1__METRICS_SNAPSHOT__KIND__KIND_FINAL ? SIM_SNAPSHOT_FINAL
                                                                              : SIM_SNAPSHOT_PERIODIC;
    snap->seq = msg->seq;
    snap->sim_time_ms = msg->sim_time_ms;
    snap->day = msg->day;
    snprintf (snap->scenario, sizeof snap->scenario, "%s", msg->scenario ? msg->scenario : "");
    snap->seed = msg->seed;
    snprintf (snap->publisher, sizeof snap->publisher, "%s", msg->publisher ? msg->publisher : "");
    snprintf (snap->session, sizeof snap->session, "%s", msg->session ? msg->session : "");
    snprintf (snap->client, sizeof snap->client, "%s", msg->client ? msg->client : "");
    for (size_t i = 0; i < msg->n_fleets && rc == 0; i++) {
        const Robotaxi__V1__FleetMetrics *pb = msg->fleets[i];
        if (pb->fleet != ROBOTAXI__V1__FLEET__FLEET_ROBOTAXI && pb->fleet != ROBOTAXI__V1__FLEET__FLEET_HUMAN) {
            snprintf (err, errlen, "fleets[%zu].fleet: %d is not a fleet", i, (int) pb->fleet);
            rc = -1;
            break;
        }
        disp_fleet_t f = pb->fleet == ROBOTAXI__V1__FLEET__FLEET_ROBOTAXI ? DISP_FLEET_ROBOTAXI : DISP_FLEET_HUMAN;
        sim_fleet_metrics_t *m = &snap->fleets[f];
        m->fleet = f;
        m->vehicles = pb->vehicles;
        m->online = pb->online;
        m->requests = pb->requests;
        m->served = pb->served;
        m->unserved = pb->unserved;
        m->util_occupied = pb->util_occupied;
        m->util_pickup = pb->util_pickup;
        m->util_idle = pb->util_idle;
        m->util_reposition = pb->util_reposition;
        m->reposition_km = pb->reposition_km;
        m->empty_km_share = pb->empty_km_share;
        m->km_driven = pb->km_driven;
        m->revenue_yuan = pb->revenue_yuan;
        m->mean_wait_s = pb->mean_wait_s;
        m->p95_wait_s = pb->p95_wait_s;
        m->hours_online = pb->hours_online;
        m->hours_occupied = pb->hours_occupied;
        m->cost_per_km = pb->cost_per_km;
        m->cost_per_vehicle_day = pb->cost_per_vehicle_day;
        m->profit_per_vehicle_day = pb->profit_per_vehicle_day;
        m->break_even_rides_per_day = pb->break_even_rides_per_day;
    }
    if (msg->choice) {
        snap->choice.considered = msg->choice->considered;
        snap->choice.chose[DISP_FLEET_ROBOTAXI] = msg->choice->chose_robotaxi;
        snap->choice.chose[DISP_FLEET_HUMAN] = msg->choice->chose_human;
        snap->choice.chose[SIM_CHOICE_OTHER] = msg->choice->chose_other;
    }
    if (msg->drivers) {
        snap->drivers.drivers = msg->drivers->drivers;
        snap->drivers.hours_online = msg->drivers->hours_online;
        snap->drivers.gross_hourly_yuan = msg->drivers->gross_hourly_yuan;
        snap->drivers.net_hourly_yuan = msg->drivers->net_hourly_yuan;
        snap->drivers.net_daily_yuan = msg->drivers->net_daily_yuan;
        snap->drivers.net_income_yuan = msg->drivers->net_income_yuan;
    }
    if (msg->displacement) {
        const Robotaxi__V1__Displacement *d = msg->displacement;
        snap->has_displacement = 1;
        snap->displacement = (sim_displacement_t) {
            .baseline_human_trips = d->baseline_human_trips,
            .human_trips = d->human_trips,
            .trips_moved = d->trips_moved,
            .baseline_driver_income_yuan = d->baseline_driver_income_yuan,
            .driver_income_yuan = d->driver_income_yuan,
            .income_moved_yuan = d->income_moved_yuan,
            .fulltime_drivers_equivalent = d->fulltime_drivers_equivalent,
            .baseline_drivers = d->baseline_drivers,
            .drivers = d->drivers,
            .displaced_drivers = d->displaced_drivers,
            .displaced_income_yuan = d->displaced_income_yuan,
            .displaced_trips = d->displaced_trips};
    }
    return rc;
}

int
sim_codec_publication (const sim_snapshot_t *snap, disp_publication_t *out)
{
    snprintf (out->topic, sizeof out->topic, "%s", sim_codec_topic (snap->kind));
    return sim_codec_encode_snapshot (snap, &out->payload, &out->payload_len);
}

int
sim_codec_decode_snapshot (const uint8_t *data, size_t len, sim_snapshot_t *snap, char *err, size_t errlen)
{
    Robotaxi__V1__MetricsSnapshot *msg = robotaxi__v1__metrics_snapshot__unpack (NULL, len, data);
    if (!msg) {
        snprintf (err, errlen, "not a robotaxi.v1 MetricsSnapshot (%zu bytes)", len);
        return -1;
    }
    int rc = s_snapshot_from (msg, snap, err, errlen);
    robotaxi__v1__metrics_snapshot__free_unpacked (msg, NULL);
    return rc;
}

int
sim_codec_encode_state_request (const char *prefix, uint8_t **out, size_t *out_len)
{
    Robotaxi__V1__StateRequest req = ROBOTAXI__V1__STATE_REQUEST__INIT;
    req.topic_prefix = (char *) (prefix ? prefix : "");
    size_t len = robotaxi__v1__state_request__get_packed_size (&req);
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf)
        return -1;
    robotaxi__v1__state_request__pack (&req, buf);
    *out = buf;
    *out_len = len;
    return 0;
}

int
sim_codec_decode_state (const uint8_t *data, size_t len, sim_state_t *state, char *err, size_t errlen)
{
    memset (state, 0, sizeof *state);
    Robotaxi__V1__StateReply *msg = robotaxi__v1__state_reply__unpack (NULL, len, data);
    if (!msg) {
        snprintf (err, errlen, "not a robotaxi.v1 StateReply (%zu bytes)", len);
        return -1;
    }
    int rc = 0;
    snprintf (state->publisher, sizeof state->publisher, "%s", msg->publisher ? msg->publisher : "");
    state->topics = calloc (msg->n_topics ? msg->n_topics : 1, sizeof *state->topics);
    if (!state->topics) {
        snprintf (err, errlen, "state reply: out of memory");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < msg->n_topics; i++) {
        const Robotaxi__V1__TopicState *t = msg->topics[i];
        sim_topic_state_t *out = &state->topics[state->topic_count++];
        snprintf (out->topic, sizeof out->topic, "%s", t->topic ? t->topic : "");
        out->seq = t->seq;
        out->latest = calloc (t->n_latest ? t->n_latest : 1, sizeof *out->latest);
        if (!out->latest) {
            snprintf (err, errlen, "state reply: out of memory");
            rc = -1;
            break;
        }
        for (size_t k = 0; rc == 0 && k < t->n_latest; k++) {
            char why[200];
            if (s_snapshot_from (t->latest[k], &out->latest[k], why, sizeof why) < 0) {
                snprintf (err, errlen, "topics[%zu].latest[%zu]: %s", i, k, why);
                rc = -1;
            }
            out->latest_count++;
        }
    }
    robotaxi__v1__state_reply__free_unpacked (msg, NULL);
    if (rc < 0)
        sim_codec_state_clear (state);
    return rc;
}

void
sim_codec_state_clear (sim_state_t *state)
{
    if (!state)
        return;
    for (size_t i = 0; i < state->topic_count; i++)
        free (state->topics[i].latest);
    free (state->topics);
    memset (state, 0, sizeof *state);
}
