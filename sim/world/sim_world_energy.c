/* sim_world_energy: the world's electric vehicles (charging.mode battery): batteries drained by driving and
 * standing, charging sites with plugs (the robotaxi operator's depots and public sites), and each charging session
 * booked at the hour's price. The flow (a low vehicle drives to a site, waits, charges, returns) is sim_world.c's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "map_graph.h"
#include "sim_world.h"
#include "sim_world_state.h"

/* Candidate sites a vehicle weighs by the time to reach them. */
#define S_NEAREST 3

/* Speed of a human driver's commute km (booked without a route): the off-peak speed of CALIBRATION.md. */
#define S_COMMUTE_KMH 30.0

static const sim_ev_t *
s_ev (const sim_world_t *self, uint32_t v)
{
    return &self->ev[self->vehicles[v].fleet];
}

static void
s_ev_from (sim_ev_t *ev, const sim_ev_config_t *c, const sim_config_t *cfg)
{
    *ev = (sim_ev_t) {.capacity_kwh = c->battery_kwh,
                      .drive_kwh_per_km = c->drive_kwh_per_km,
                      .aux_kw = c->aux_kw,
                      .stand_kw = c->stand_kw,
                      .max_kw = c->max_charge_kw,
                      .taper_soc = cfg->charging.taper_soc,
                      .end_share = cfg->charging.end_share,
                      .efficiency = cfg->charging.efficiency};
}

static const sim_ev_config_t *
s_fleet_cfg (const sim_world_t *self, uint32_t v)
{
    return self->vehicles[v].fleet == DISP_FLEET_ROBOTAXI ? &self->cfg->robotaxi.ev : &self->cfg->human.ev;
}

/* The sites: opts.charge_sites when given (charging.site_file), else the robotaxis' depots (opts.depots' distinct
 * nodes, or charging.depot_sites drawn in the service area by demand), then charging.public_sites drawn over the
 * map by demand. *out is malloc'd. */
static int
s_sites (sim_world_t *self, sim_charger_site_t **out, size_t *count)
{
    const sim_config_t *cfg = self->cfg;
    if (self->opts.charge_sites) {
        *out = malloc ((self->opts.charge_site_count ? self->opts.charge_site_count : 1) * sizeof **out);
        if (!*out)
            return -1;
        memcpy (*out, self->opts.charge_sites, self->opts.charge_site_count * sizeof **out);
        *count = self->opts.charge_site_count;
        return 0;
    }
    size_t n = map_graph_node_count (self->graph);
    size_t depots = 0, cap = (size_t) cfg->charging.public_sites + (self->robotaxis ? self->robotaxis : 0) +
                             (size_t) cfg->charging.depot_sites + 1;
    sim_charger_site_t *sites = calloc (cap, sizeof *sites);
    if (!sites)
        return -1;
    sim_rng_t rng;
    sim_rng_seed (&rng, cfg->scenario.seed, SIM_STREAM_SITES);
    const double ppv = cfg->charging.depot_plugs_per_vehicle;
    if (self->robotaxis > 0 && self->opts.depots) {
        /* one site per distinct depot, in order of first use, with plugs for the vehicles based there */
        uint32_t *vehicles = calloc (self->robotaxis, sizeof *vehicles);
        if (!vehicles) {
            free (sites);
            return -1;
        }
        for (uint32_t i = 0; i < self->robotaxis; i++) {
            size_t d = 0;
            while (d < depots && sites[d].node != self->opts.depots[i])
                d++;
            if (d == depots)
                sites[depots++] = (sim_charger_site_t) {.node = self->opts.depots[i], .kw = cfg->charging.depot_kw,
                                                        .access = SIM_CHARGER_DEPOT};
            vehicles[d]++;
        }
        for (size_t d = 0; d < depots; d++)
            sites[d].plugs = (uint32_t) ceil (vehicles[d] * ppv);
        free (vehicles);
    } else if (self->robotaxis > 0) {
        depots = (size_t) cfg->charging.depot_sites;
        uint32_t plugs = (uint32_t) ceil (self->robotaxis * ppv / (double) depots);
        for (size_t d = 0; d < depots; d++)
            sites[d] = (sim_charger_site_t) {.node = swi_draw_node (self->area_weight_cum, n, sim_rng_uniform (&rng)),
                                             .plugs = plugs ? plugs : 1,
                                             .kw = cfg->charging.depot_kw,
                                             .access = SIM_CHARGER_DEPOT};
    }
    size_t total = depots;
    sim_rng_seed (&rng, cfg->scenario.seed, SIM_STREAM_SITES);   /* public sites: the same with or without robotaxis */
    for (int64_t i = 0; i < cfg->charging.public_sites; i++)
        sites[total++] = (sim_charger_site_t) {.node = swi_draw_node (self->node_weight_cum, n, sim_rng_uniform (&rng)),
                                               .plugs = (uint32_t) cfg->charging.public_plugs,
                                               .kw = cfg->charging.public_kw,
                                               .access = SIM_CHARGER_PUBLIC};
    *out = sites;
    *count = total;
    return 0;
}

/* Whether vehicles of `fleet` may charge at site: robotaxis at the depots (public sites too with
 * charging.robotaxi_public), human drivers at public sites. */
static int
s_may_use (const sim_world_t *self, int fleet, const sim_charger_site_t *site)
{
    int depot = site->access == SIM_CHARGER_DEPOT;
    return fleet == DISP_FLEET_ROBOTAXI ? depot || self->cfg->charging.robotaxi_public : !depot;
}

/* Each fleet's charger margin: over the places its vehicles may be sent (robotaxis: the service area; drivers: the
 * whole map), the farthest straight line to the nearest site the fleet may use, times SWI_REACH_DETOUR. A fleet with
 * no site gets 0 (its vehicles never find a charger anyway). */
static void
s_margins (sim_world_t *self)
{
    size_t nodes = map_graph_node_count (self->graph), nsites = sim_chargers_count (self->chargers);
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        double worst2 = 0;
        int any = 0;
        for (size_t n = 0; n < nodes; n++) {
            if (f == DISP_FLEET_ROBOTAXI && !self->in_area[n])
                continue;
            const map_node_t *at = map_graph_node (self->graph, (uint32_t) n);
            double best2 = INFINITY;
            for (size_t s = 0; s < nsites; s++) {
                const sim_charger_site_t *site = sim_chargers_site (self->chargers, s);
                if (!s_may_use (self, f, site))
                    continue;
                const map_node_t *p = map_graph_node (self->graph, site->node);
                best2 = fmin (best2, (p->x - at->x) * (p->x - at->x) + (p->y - at->y) * (p->y - at->y));
            }
            if (isfinite (best2)) {
                worst2 = fmax (worst2, best2);
                any = 1;
            }
        }
        self->charger_margin_m[f] = any ? sqrt (worst2) * SWI_REACH_DETOUR : 0;
    }
}

int
swi_charge_new (sim_world_t *self, char *err, size_t errlen)
{
    const sim_config_t *cfg = self->cfg;
    if (strcmp (cfg->charging.mode, "battery") != 0)
        return 0;
    s_ev_from (&self->ev[DISP_FLEET_ROBOTAXI], &cfg->robotaxi.ev, cfg);
    s_ev_from (&self->ev[DISP_FLEET_HUMAN], &cfg->human.ev, cfg);
    memcpy (self->tou_depot.yuan_per_kwh, cfg->charging.depot_yuan_per_kwh, sizeof self->tou_depot.yuan_per_kwh);
    memcpy (self->tou_public.yuan_per_kwh, cfg->charging.public_yuan_per_kwh, sizeof self->tou_public.yuan_per_kwh);
    uint32_t count = self->vehicle_count ? self->vehicle_count : 1;
    sim_charger_site_t *sites = NULL;
    size_t nsites = 0;
    self->batteries = calloc (count, sizeof *self->batteries);
    self->battery_rows = calloc (count, sizeof *self->battery_rows);
    if (!self->batteries || !self->battery_rows || s_sites (self, &sites, &nsites) < 0)
        goto nomem;
    self->chargers = sim_chargers_new (sites, nsites, self->vehicle_count);
    self->site_rows = calloc (nsites ? nsites : 1, sizeof *self->site_rows);
    if (!self->chargers || !self->site_rows)
        goto nomem;
    for (size_t s = 0; s < nsites; s++) {
        const map_node_t *node = map_graph_node (self->graph, sites[s].node);
        self->site_rows[s] = (sim_charge_site_row_t) {.node = sites[s].node,
                                                      .lon = node->lon,
                                                      .lat = node->lat,
                                                      .plugs = sites[s].plugs,
                                                      .kw = sites[s].kw,
                                                      .depot = sites[s].access == SIM_CHARGER_DEPOT};
    }
    free (sites);
    s_margins (self);
    for (uint32_t v = 0; v < self->vehicle_count; v++) {
        const sim_ev_config_t *c = s_fleet_cfg (self, v);
        double kwh = c->start_soc * c->battery_kwh;
        self->batteries[v] = (swi_battery_t) {.kwh = kwh, .site = SIM_CHARGER_NONE};
        self->battery_rows[v] = (sim_battery_row_t) {.vehicle = v,
                                                     .fleet = self->vehicles[v].fleet,
                                                     .capacity_kwh = c->battery_kwh,
                                                     .start_kwh = kwh,
                                                     .end_kwh = kwh,
                                                     .min_kwh = kwh};
    }
    return 0;
nomem:
    free (sites);
    snprintf (err, errlen, "out of memory");
    return -1;
}

void
swi_charge_free (sim_world_t *self)
{
    sim_chargers_destroy (&self->chargers);
    free (self->batteries);
    free (self->battery_rows);
    free (self->sessions);
    free (self->site_rows);
}

/* Takes kwh from v's battery. */
static void
s_use (sim_world_t *self, uint32_t v, double kwh)
{
    swi_battery_t *b = &self->batteries[v];
    sim_battery_row_t *row = &self->battery_rows[v];
    b->kwh -= kwh;
    row->used_kwh += kwh;
    if (b->kwh < row->min_kwh)
        row->min_kwh = b->kwh;
}

void
swi_charge_drive (sim_world_t *self, uint32_t v, double km, int64_t drive_ms)
{
    if (!self->batteries)
        return;
    if (drive_ms < 0)   /* booked without a route (a commute): at the off-peak speed */
        drive_ms = (int64_t) llround (km / S_COMMUTE_KMH * SWI_HOUR_MS);
    s_use (self, v, sim_ev_drive_kwh (s_ev (self, v), km, (double) drive_ms / SWI_HOUR_MS));
    self->battery_rows[v].km += km;
}

void
swi_charge_stand (sim_world_t *self, uint32_t v, int64_t from_ms, int64_t to_ms)
{
    if (!self->batteries || to_ms <= from_ms)
        return;
    double kwh = sim_ev_stand_kwh (s_ev (self, v), (double) (to_ms - from_ms) / SWI_HOUR_MS);
    if (kwh > 0)
        s_use (self, v, kwh);
}

/* The cheapest hour's price of a tariff. */
static double
s_valley (const sim_tou_t *tou)
{
    double low = tou->yuan_per_kwh[0];
    for (int h = 1; h < 24; h++)
        low = fmin (low, tou->yuan_per_kwh[h]);
    return low;
}

double
swi_charge_energy_yuan (const sim_world_t *self, uint32_t v, double *kwh)
{
    if (!self->batteries) {
        if (kwh)
            *kwh = 0;
        return -1.0;
    }
    const sim_battery_row_t *row = &self->battery_rows[v];
    int robotaxi = self->vehicles[v].fleet == DISP_FLEET_ROBOTAXI;
    double eff = self->cfg->charging.efficiency;
    double topup_kwh = (row->start_kwh - self->batteries[v].kwh) / eff;   /* negative: ends fuller than it began */
    double valley = s_valley (robotaxi ? &self->tou_depot : &self->tou_public);
    if (kwh)
        *kwh = row->bought_kwh + topup_kwh;
    return row->energy_yuan + topup_kwh * valley;
}

int
swi_charge_wanted (const sim_world_t *self, uint32_t v)
{
    if (!self->batteries)
        return 0;
    const sim_ev_config_t *c = s_fleet_cfg (self, v);
    return self->batteries[v].kwh < c->charge_below_soc * c->battery_kwh ||
           swi_charge_reach_m (self, v) < SWI_REACH_MIN_M;
}

int
swi_charge_full (const sim_world_t *self, uint32_t v)
{
    const sim_ev_config_t *c = s_fleet_cfg (self, v);
    return !self->batteries || self->batteries[v].kwh >= c->charge_to_soc * c->battery_kwh;
}

double
swi_charge_reach_m (const sim_world_t *self, uint32_t v)
{
    if (!self->batteries)
        return -1.0;
    const sim_ev_t *ev = s_ev (self, v);
    double above_kwh = self->batteries[v].kwh - self->cfg->charging.reserve_soc * ev->capacity_kwh;
    double kwh_per_km = ev->drive_kwh_per_km + ev->aux_kw / SWI_REACH_KMH;
    double reach_m = above_kwh / kwh_per_km * 1000.0 - self->charger_margin_m[self->vehicles[v].fleet];
    return reach_m > 0 ? reach_m : 0;
}

uint32_t
swi_charge_pick (sim_world_t *self, uint32_t v)
{
    const swi_vehicle_t *veh = &self->vehicles[v];
    const map_node_t *at = map_graph_node (self->graph, veh->node);
    size_t best[S_NEAREST];
    double best_d2[S_NEAREST];
    size_t found = 0, n = sim_chargers_count (self->chargers);
    for (size_t s = 0; s < n; s++) {
        const sim_charger_site_t *site = sim_chargers_site (self->chargers, s);
        if (!s_may_use (self, veh->fleet, site))
            continue;
        const map_node_t *p = map_graph_node (self->graph, site->node);
        double d2 = (p->x - at->x) * (p->x - at->x) + (p->y - at->y) * (p->y - at->y);
        /* kept in order of distance (ties: the earlier site first); the farthest of a full list falls off */
        size_t k;
        if (found < S_NEAREST)
            k = found++;
        else if (d2 < best_d2[S_NEAREST - 1])
            k = S_NEAREST - 1;
        else
            continue;
        while (k > 0 && best_d2[k - 1] > d2) {
            best[k] = best[k - 1];
            best_d2[k] = best_d2[k - 1];
            k--;
        }
        best[k] = s;
        best_d2[k] = d2;
    }
    uint32_t pick = SIM_CHARGER_NONE;
    int64_t pick_ms = INT64_MAX;
    for (size_t i = 0; i < found; i++) {
        uint32_t node = sim_chargers_site (self->chargers, best[i])->node;
        map_route_t route;
        int64_t ms = 0;
        if (node != veh->node) {
            if (map_ch_route (self->router, veh->node, node, &route) < 0)
                continue;   /* no road there */
            ms = route.time_ms;
        }
        if (ms < pick_ms) {
            pick = (uint32_t) best[i];
            pick_ms = ms;
        }
    }
    self->batteries[v].site = pick;
    return pick;
}

/* Plugs v in now at its site (the plug is its): until when it charges to its level. */
static void
s_plug (sim_world_t *self, uint32_t v)
{
    swi_battery_t *b = &self->batteries[v];
    const sim_ev_t *ev = s_ev (self, v);
    const sim_charger_site_t *site = sim_chargers_site (self->chargers, b->site);
    b->plug_ms = self->now_ms;
    b->soc_from = b->kwh / ev->capacity_kwh;
    double hours = sim_ev_charge_hours (ev, site->kw, b->soc_from, s_fleet_cfg (self, v)->charge_to_soc);
    b->done_ms = self->now_ms + (int64_t) llround (hours * SWI_HOUR_MS);
}

int
swi_charge_arrive (sim_world_t *self, uint32_t v)
{
    swi_battery_t *b = &self->batteries[v];
    b->arrive_ms = self->now_ms;
    int plugged = sim_chargers_arrive (self->chargers, b->site, v, (double) self->now_ms / SWI_HOUR_MS);
    if (plugged)
        s_plug (self, v);
    return plugged;
}

int64_t
swi_charge_done_ms (const sim_world_t *self, uint32_t v)
{
    return self->batteries[v].done_ms;
}

/* Books v's session from its plug-in to now (cut: the day ended first). */
static void
s_book (sim_world_t *self, uint32_t v, int cut)
{
    swi_battery_t *b = &self->batteries[v];
    sim_battery_row_t *row = &self->battery_rows[v];
    const sim_ev_t *ev = s_ev (self, v);
    const sim_charger_site_t *site = sim_chargers_site (self->chargers, b->site);
    double hours = (double) (self->now_ms - b->plug_ms) / SWI_HOUR_MS, in = 0, bought = 0;
    const sim_tou_t *tou = site->access == SIM_CHARGER_DEPOT ? &self->tou_depot : &self->tou_public;
    double yuan = sim_ev_session_yuan (ev, site->kw, b->soc_from, (double) b->plug_ms / SWI_HOUR_MS, hours, tou, &in,
                                       &bought);
    b->kwh += in;
    row->charged_kwh += in;
    row->bought_kwh += bought;
    row->energy_yuan += yuan;
    row->sessions++;
    row->wait_h += (double) (b->plug_ms - b->arrive_ms) / SWI_HOUR_MS;
    row->plug_h += hours;
    self->site_rows[b->site].sessions++;
    if (self->session_count == self->session_cap) {
        size_t cap = self->session_cap ? 2 * self->session_cap : 1024;
        sim_charge_session_t *grown = realloc (self->sessions, cap * sizeof *grown);
        if (!grown) {
            swi_fail (self, "out of memory");
            return;
        }
        self->sessions = grown;
        self->session_cap = cap;
    }
    self->sessions[self->session_count++] = (sim_charge_session_t) {.vehicle = v,
                                                                     .fleet = self->vehicles[v].fleet,
                                                                     .site = b->site,
                                                                     .arrive_ms = b->arrive_ms,
                                                                     .plug_ms = b->plug_ms,
                                                                     .end_ms = self->now_ms,
                                                                     .soc_from = b->soc_from,
                                                                     .soc_to = b->soc_from + in / ev->capacity_kwh,
                                                                     .charged_kwh = in,
                                                                     .bought_kwh = bought,
                                                                     .energy_yuan = yuan,
                                                                     .cut = cut};
}

uint32_t
swi_charge_leave (sim_world_t *self, uint32_t v)
{
    swi_battery_t *b = &self->batteries[v];
    s_book (self, v, 0);
    uint32_t site = b->site;
    b->site = SIM_CHARGER_NONE;
    uint32_t next = sim_chargers_leave (self->chargers, site, v, (double) self->now_ms / SWI_HOUR_MS);
    if (next != SIM_CHARGER_NONE)
        s_plug (self, next);
    return next;
}

void
swi_charge_finish (sim_world_t *self)
{
    if (!self->batteries)
        return;
    for (uint32_t v = 0; v < self->vehicle_count; v++) {
        const swi_vehicle_t *veh = &self->vehicles[v];
        if (veh->state == SWI_VEH_CHARGE && veh->charge == SWI_CHARGE_PLUG)
            s_book (self, v, 1);
        else if (veh->state == SWI_VEH_CHARGE && veh->charge == SWI_CHARGE_WAIT)
            self->battery_rows[v].wait_h += (double) (self->now_ms - self->batteries[v].arrive_ms) / SWI_HOUR_MS;
        self->battery_rows[v].end_kwh = self->batteries[v].kwh;
    }
    double now_h = (double) self->now_ms / SWI_HOUR_MS;
    for (size_t s = 0; s < sim_chargers_count (self->chargers); s++)
        sim_chargers_hours (self->chargers, s, now_h, &self->site_rows[s].plug_h, &self->site_rows[s].wait_h);
}
