/* disp_types: the dispatcher's own value types (requests, vehicle states, assignments, the lockstep step
 * exchange). Wire messages are turned into these by disp_codec; nothing outside the codec sees protobuf names. */
#ifndef DISP_TYPES_H
#define DISP_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include "map_graph.h"
#include "map_net.h"
#include "map_traffic.h"

typedef enum { DISP_FLEET_ROBOTAXI = 0, DISP_FLEET_HUMAN = 1, DISP_FLEET_COUNT } disp_fleet_t;

typedef enum { DISP_VEH_OFFLINE = 0, DISP_VEH_IDLE = 1, DISP_VEH_BUSY = 2 } disp_vehicle_status_t;

typedef struct {
    double lon, lat;
    uint32_t node;             /* MAP_NODE_NONE when the sender gave only lon/lat */
} disp_position_t;

typedef struct {
    uint64_t id;
    int64_t time_ms;
    disp_position_t origin, destination;
    uint8_t fleet;             /* disp_fleet_t the rider asked for */
    int64_t deadline_ms;       /* rider gives up if not picked up by then */
} disp_request_t;

typedef struct {
    uint32_t id;
    uint8_t fleet;             /* disp_fleet_t */
    uint8_t status;            /* disp_vehicle_status_t */
    disp_position_t position;
    int64_t time_ms;
} disp_vehicle_t;

typedef struct {
    uint64_t request_id;
    uint32_t vehicle_id;
    int64_t pickup_eta_ms;
} disp_assignment_t;

/* A metrics message to publish: topic and encoded MetricsSnapshot. */
typedef struct {
    char topic[32];
    uint8_t *payload;
    size_t payload_len;
} disp_publication_t;

/* One lockstep step from the simulator. Arrays are owned by whoever built the tick. */
typedef struct {
    uint64_t step;
    int64_t now_ms;
    const disp_request_t *requests;
    size_t request_count;
    const disp_vehicle_t *vehicles;
    size_t vehicle_count;
    const uint64_t *cancelled;
    size_t cancelled_count;
    const disp_publication_t *publish;
    size_t publish_count;
} disp_tick_t;

/* The dispatcher's answer. `assignments` is owned by the producer (engine or link) and stays valid until its next
 * step. */
typedef struct {
    uint64_t step;
    const disp_assignment_t *assignments;
    size_t assignment_count;
} disp_decisions_t;

/* What a session asks of the dispatcher. */
typedef struct {
    char policy[32];           /* "nearest" */
    int64_t max_pickup_ms;     /* never assign a vehicle further away than this (traffic-adjusted) */
    uint32_t vehicle_capacity; /* vehicle ids are < this */
} disp_config_t;

/* Session opening: the map to build, its expected fingerprint, traffic and the dispatch configuration. */
typedef struct {
    char protocol[32];         /* DISP_PROTOCOL */
    char session[64];
    map_spec_t map;
    uint64_t map_fingerprint;
    map_traffic_t traffic;
    disp_config_t config;
} disp_hello_t;

#define DISP_PROTOCOL "robotaxi.v1"

const char *disp_fleet_name (disp_fleet_t fleet);   /* "robotaxi", "human" */

#endif
