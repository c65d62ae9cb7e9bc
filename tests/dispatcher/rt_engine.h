/* rt_engine: what the dispatcher suites need to drive an engine by hand: a street grid with known travel times, an
 * engine from a few settings, vehicles and riders at nodes, and one tick that must be valid. */
#ifndef RT_ENGINE_H
#define RT_ENGINE_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>

#include "disp_engine.h"
#include "map_graph.h"
#include "map_net.h"
#include "map_traffic.h"

#define RT_HOUR_MS 3600000LL
/* A deadline no test reaches: the rider never gives up. */
#define RT_FAR_MS (10 * RT_HOUR_MS)

/* A network over g for an engine. Takes ownership of g (finished); fails the test when it cannot be made. */
static inline map_net_t *
rt_net (map_graph_t *g)
{
    char err[256] = "";
    map_net_t *net = map_net_adopt (g, "test", err, sizeof err);
    ck_assert_msg (net != NULL, "net: %s", err);
    return net;
}

/* A cols x rows street grid as a network (rows 1: one street). Node id = y * cols + x, at (x * spacing_m,
 * y * spacing_m), lon/lat 114 + x * spacing_m / 1e5, 30 + y * spacing_m / 1e5. Every street is two-way, edge_m long
 * at speed_kmh, a local road; edges are added node by node, east pair then north pair. Sets *edge_ms (when not
 * NULL) to the free-flow time of one edge. */
static inline map_net_t *
rt_grid (int cols, int rows, double spacing_m, double edge_m, double speed_kmh, int64_t *edge_ms)
{
    double spacing_deg = spacing_m / 100000.0;
    map_graph_t *g = map_graph_new (32650);
    ck_assert_ptr_nonnull (g);
    for (int y = 0; y < rows; y++)
        for (int x = 0; x < cols; x++)
            ck_assert_uint_ne (
                map_graph_add_node (g, 114.0 + x * spacing_deg, 30.0 + y * spacing_deg, x * spacing_m, y * spacing_m),
                MAP_NODE_NONE);
    for (int y = 0; y < rows; y++)
        for (int x = 0; x < cols; x++) {
            uint32_t n = (uint32_t)(y * cols + x), up = n + (uint32_t)cols;
            if (x + 1 < cols) {
                ck_assert_int_eq (map_graph_add_edge (g, n, n + 1, edge_m, speed_kmh, MAP_ROAD_LOCAL), 0);
                ck_assert_int_eq (map_graph_add_edge (g, n + 1, n, edge_m, speed_kmh, MAP_ROAD_LOCAL), 0);
            }
            if (y + 1 < rows) {
                ck_assert_int_eq (map_graph_add_edge (g, n, up, edge_m, speed_kmh, MAP_ROAD_LOCAL), 0);
                ck_assert_int_eq (map_graph_add_edge (g, up, n, edge_m, speed_kmh, MAP_ROAD_LOCAL), 0);
            }
        }
    ck_assert_int_eq (map_graph_finish (g), 0);
    if (edge_ms) *edge_ms = map_graph_edge (g, 0)->time_ms;
    return rt_net (g);
}

/* The embedded Wuhan-like city with streets 1 km apart, as a network; fails the test when it cannot be built. */
static inline map_net_t *
rt_city (void)
{
    map_spec_t spec = {.source = "embedded:wuhan", .grid_m = 1000};
    char err[256] = "";
    map_net_t *net = map_net_open (&spec, NULL, NULL, err, sizeof err);
    ck_assert_msg (net != NULL, "%s", err);
    return net;
}

/* An engine on net (which must outlive it) running `policy` with the pickup limit, vehicle capacity, a flat traffic
 * factor and params (NULL: all zero, that is every default). Fails the test when the engine refuses the settings. */
static inline disp_engine_t *
rt_engine (const map_net_t *net, const char *policy, int64_t max_pickup_ms, uint32_t capacity, double traffic_factor,
           const disp_params_t *params)
{
    map_traffic_t traffic;
    map_traffic_flat (&traffic, traffic_factor);
    disp_config_t cfg = {.max_pickup_ms = max_pickup_ms, .vehicle_capacity = capacity};
    snprintf (cfg.policy, sizeof cfg.policy, "%s", policy);
    if (params) cfg.params = *params;
    char err[256] = "";
    disp_engine_t *e = disp_engine_new (net, &traffic, &cfg, err, sizeof err);
    ck_assert_msg (e != NULL, "engine: %s", err);
    return e;
}

/* A vehicle at a node (lon/lat not given). */
static inline disp_vehicle_t
rt_vehicle (uint32_t id, disp_fleet_t fleet, disp_vehicle_status_t status, uint32_t node)
{
    return (disp_vehicle_t){
        .id = id, .fleet = (uint8_t)fleet, .status = (uint8_t)status, .position = {0.0, 0.0, node}};
}

/* A rider asking at time_ms at node origin for destination (MAP_NODE_NONE: not given), who asked for `fleet`, also
 * takes the other one when any_fleet, and gives up at deadline_ms. */
static inline disp_request_t
rt_request (uint64_t id, int64_t time_ms, uint32_t origin, uint32_t destination, disp_fleet_t fleet, int any_fleet,
            int64_t deadline_ms)
{
    return (disp_request_t){.id = id,
                            .time_ms = time_ms,
                            .origin = {0.0, 0.0, origin},
                            .destination = {0.0, 0.0, destination},
                            .fleet = (uint8_t)fleet,
                            .deadline_ms = deadline_ms,
                            .any_fleet = (uint8_t)any_fleet};
}

/* Runs one tick that must be valid (vehicle updates, new requests, cancelled request ids; any list may be NULL with
 * count 0) and returns its decisions, which the engine owns until its next step. Fails the test on a refused tick
 * or decisions not for this step. */
static inline disp_decisions_t
rt_step (disp_engine_t *e, uint64_t step, int64_t now_ms, const disp_vehicle_t *vehs, size_t nv,
         const disp_request_t *reqs, size_t nr, const uint64_t *cancelled, size_t nc)
{
    disp_tick_t t = {.step = step,
                     .now_ms = now_ms,
                     .requests = reqs,
                     .request_count = nr,
                     .vehicles = vehs,
                     .vehicle_count = nv,
                     .cancelled = cancelled,
                     .cancelled_count = nc};
    disp_decisions_t out;
    char err[256] = "";
    ck_assert_msg (disp_engine_step (e, &t, &out, err, sizeof err) == 0, "step %llu: %s", (unsigned long long)step,
                   err);
    ck_assert_uint_eq (out.step, step);
    return out;
}

#endif
