/* sim_metrics: sums per fleet and hour, and waits counted per whole second for percentiles: a snapshot costs the
 * range of waits (minutes of seconds), not the number of riders served. */
#include "sim_metrics.h"

#include <stdlib.h>
#include <string.h>

#define S_HOUR_MS 3600000LL

typedef struct {
    uint64_t requests, served, unserved;
    double time_ms[SIM_TIME_KIND_COUNT];
    double km[SIM_KM_KIND_COUNT];
    double revenue_yuan;
    uint32_t *wait_at_s;       /* [wait_len]: riders picked up after waiting that many (rounded) seconds */
    size_t wait_len;
    size_t wait_count;         /* riders picked up: the sum of wait_at_s */
    double wait_sum_ms;
} s_bucket_t;

struct sim_metrics_t {
    int64_t horizon_ms;
    uint32_t vehicles[DISP_FLEET_COUNT];
    s_bucket_t hour[DISP_FLEET_COUNT][24];
};

sim_metrics_t *
sim_metrics_new (int64_t horizon_ms)
{
    sim_metrics_t *self = calloc (1, sizeof *self);
    if (self)
        self->horizon_ms = horizon_ms;
    return self;
}

void
sim_metrics_destroy (sim_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (int f = 0; f < DISP_FLEET_COUNT; f++)
        for (int h = 0; h < 24; h++)
            free ((*self_p)->hour[f][h].wait_at_s);
    free (*self_p);
    *self_p = NULL;
}

/* Hour bucket of an event at t_ms: events after the horizon (the drain after midnight) count in the last hour. */
static s_bucket_t *
s_bucket (sim_metrics_t *self, disp_fleet_t fleet, int64_t t_ms)
{
    int64_t h = t_ms < 0 ? 0 : t_ms / S_HOUR_MS;
    if (h > 23)
        h = 23;
    return &self->hour[fleet][h];
}

void
sim_metrics_set_vehicles (sim_metrics_t *self, disp_fleet_t fleet, uint32_t vehicles)
{
    self->vehicles[fleet] = vehicles;
}

void
sim_metrics_request (sim_metrics_t *self, disp_fleet_t fleet, int64_t t_ms)
{
    s_bucket (self, fleet, t_ms)->requests++;
}

void
sim_metrics_move_request (sim_metrics_t *self, disp_fleet_t from, disp_fleet_t to, int64_t t_ms)
{
    s_bucket_t *b = s_bucket (self, from, t_ms);
    if (b->requests > 0)
        b->requests--;
    s_bucket (self, to, t_ms)->requests++;
}

void
sim_metrics_giveup (sim_metrics_t *self, disp_fleet_t fleet, int64_t t_ms)
{
    s_bucket (self, fleet, t_ms)->unserved++;
}

int
sim_metrics_pickup (sim_metrics_t *self, disp_fleet_t fleet, int64_t t_ms, int64_t wait_ms)
{
    s_bucket_t *b = s_bucket (self, fleet, t_ms);
    size_t at_s = wait_ms > 0 ? (size_t) ((wait_ms + 500) / 1000) : 0;
    if (at_s >= b->wait_len) {
        size_t len = b->wait_len ? b->wait_len : 1024;
        while (len <= at_s)
            len *= 2;
        uint32_t *w = realloc (b->wait_at_s, len * sizeof *w);
        if (!w)
            return -1;
        memset (w + b->wait_len, 0, (len - b->wait_len) * sizeof *w);
        b->wait_at_s = w;
        b->wait_len = len;
    }
    b->wait_at_s[at_s]++;
    b->wait_count++;
    b->wait_sum_ms += (double) wait_ms;
    b->served++;
    return 0;
}

void
sim_metrics_vehicle_time (sim_metrics_t *self, disp_fleet_t fleet, sim_time_kind_t kind, int64_t from_ms,
                          int64_t to_ms)
{
    if (from_ms < 0)
        from_ms = 0;
    if (to_ms > self->horizon_ms)
        to_ms = self->horizon_ms;
    while (from_ms < to_ms) {
        int64_t h = from_ms / S_HOUR_MS;
        int64_t hour_end = (h + 1) * S_HOUR_MS;
        int64_t end = to_ms < hour_end ? to_ms : hour_end;
        s_bucket_t *b = &self->hour[fleet][h % 24];
        b->time_ms[kind] += (double) (end - from_ms);
        from_ms = end;
    }
}

void
sim_metrics_km (sim_metrics_t *self, disp_fleet_t fleet, sim_km_kind_t kind, int64_t t_ms, double km)
{
    s_bucket (self, fleet, t_ms)->km[kind] += km;
}

void
sim_metrics_fare (sim_metrics_t *self, disp_fleet_t fleet, int64_t t_ms, double yuan)
{
    s_bucket (self, fleet, t_ms)->revenue_yuan += yuan;
}

/* Sums hours [h0, h1] into out; p95 by nearest rank over the pooled waits. */
static void
s_fill (const sim_metrics_t *self, disp_fleet_t fleet, int h0, int h1, sim_fleet_metrics_t *out)
{
    memset (out, 0, sizeof *out);
    out->fleet = fleet;
    out->vehicles = self->vehicles[fleet];
    double time_ms[SIM_TIME_KIND_COUNT] = {0}, km[SIM_KM_KIND_COUNT] = {0}, wait_sum_ms = 0;
    size_t waits = 0;
    for (int h = h0; h <= h1; h++) {
        const s_bucket_t *b = &self->hour[fleet][h];
        out->requests += b->requests;
        out->served += b->served;
        out->unserved += b->unserved;
        for (int k = 0; k < SIM_TIME_KIND_COUNT; k++)
            time_ms[k] += b->time_ms[k];
        for (int k = 0; k < SIM_KM_KIND_COUNT; k++)
            km[k] += b->km[k];
        out->revenue_yuan += b->revenue_yuan;
        wait_sum_ms += b->wait_sum_ms;
        waits += b->wait_count;
    }
    double on_shift_ms = 0;
    for (int k = 0; k < SIM_TIME_KIND_COUNT; k++)
        on_shift_ms += time_ms[k];
    if (on_shift_ms > 0) {
        out->util_occupied = time_ms[SIM_TIME_OCCUPIED] / on_shift_ms;
        out->util_pickup = time_ms[SIM_TIME_PICKUP] / on_shift_ms;
        out->util_idle = time_ms[SIM_TIME_IDLE] / on_shift_ms;
        out->util_reposition = time_ms[SIM_TIME_REPOSITION] / on_shift_ms;
    }
    out->hours_online = on_shift_ms / (double) S_HOUR_MS;
    out->hours_occupied = time_ms[SIM_TIME_OCCUPIED] / (double) S_HOUR_MS;
    out->vehicles_online_mean = on_shift_ms / ((double) (h1 - h0 + 1) * S_HOUR_MS);
    out->km_driven = km[SIM_KM_PICKUP] + km[SIM_KM_OCCUPIED] + km[SIM_KM_CRUISE] + km[SIM_KM_REPOSITION];
    out->reposition_km = km[SIM_KM_REPOSITION];
    double empty_km = km[SIM_KM_PICKUP] + km[SIM_KM_CRUISE] + km[SIM_KM_REPOSITION];
    out->empty_km_share = out->km_driven > 0 ? empty_km / out->km_driven : 0;
    if (waits > 0) {
        out->mean_wait_s = wait_sum_ms / (double) waits / 1000.0;
        /* Nearest rank, ceil(0.95 n): the smallest wait with at least that many riders at or below it. */
        size_t rank = (size_t) ((95 * waits + 99) / 100), len = 0, below = 0;
        if (rank == 0)
            rank = 1;
        for (int h = h0; h <= h1; h++)
            if (self->hour[fleet][h].wait_len > len)
                len = self->hour[fleet][h].wait_len;
        for (size_t s = 0; s < len; s++) {
            for (int h = h0; h <= h1; h++)
                if (s < self->hour[fleet][h].wait_len)
                    below += self->hour[fleet][h].wait_at_s[s];
            if (below >= rank) {
                out->p95_wait_s = (double) s;
                break;
            }
        }
    }
}

void
sim_metrics_wait_histogram (const sim_metrics_t *self, disp_fleet_t fleet, uint64_t *counts, size_t nbins)
{
    memset (counts, 0, nbins * sizeof *counts);
    if (nbins == 0)
        return;
    for (int h = 0; h < 24; h++) {
        const s_bucket_t *b = &self->hour[fleet][h];
        for (size_t s = 0; s < b->wait_len; s++) {
            size_t bin = s / 60;
            counts[bin < nbins ? bin : nbins - 1] += b->wait_at_s[s];
        }
    }
}

void
sim_metrics_fleet (const sim_metrics_t *self, disp_fleet_t fleet, sim_fleet_metrics_t *out)
{
    s_fill (self, fleet, 0, 23, out);
    /* over a whole day the mean is per 24 h, whatever the horizon */
}

void
sim_metrics_hour (const sim_metrics_t *self, disp_fleet_t fleet, int hour, sim_fleet_metrics_t *out)
{
    s_fill (self, fleet, hour, hour, out);
}
