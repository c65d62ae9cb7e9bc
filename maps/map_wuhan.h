/* map_wuhan: the embedded Wuhan-like city, generated deterministically from geographic facts written in the code:
 * the three towns (Hankou, Wuchang, Hanyang), the Yangtze and Han rivers crossed only at bridges placed where the real
 * bridges are, a street grid with ring roads (arterials about every 2.4 km and secondary roads about every 1.2 km,
 * whatever the grid spacing), and free-flow speeds by road class. */
#ifndef MAP_WUHAN_H
#define MAP_WUHAN_H

#include <stddef.h>
#include "map_graph.h"

/* Version of what map_wuhan_build makes: bump it whenever the same arguments would give another graph, so map files
 * caching the embedded city (map.cache) made by an older generator are rebuilt, not reused. */
#define MAP_WUHAN_GENERATOR 1

typedef enum { MAP_WUHAN_YANGTZE = 0, MAP_WUHAN_HAN = 1, MAP_WUHAN_RIVER_COUNT } map_wuhan_river_t;
typedef enum { MAP_WUHAN_HANKOU = 0, MAP_WUHAN_WUCHANG = 1, MAP_WUHAN_HANYANG = 2, MAP_WUHAN_TOWN_COUNT } map_wuhan_town_t;

typedef struct { double lon, lat; } map_lonlat_t;

typedef struct {
    const char *name;
    map_lonlat_t at;           /* middle of the crossing */
    map_wuhan_river_t river;
    map_wuhan_town_t bank_a, bank_b;
} map_wuhan_bridge_t;

typedef struct {
    const char *name;
    map_lonlat_t centre;
} map_wuhan_town_info_t;

/* Builds the city projected to EPSG:<epsg> with a street grid of grid_m metres (50..2000). Returns NULL and a
 * message in err when the CRS is unusable or grid_m is out of range. Same arguments -> identical graph. */
map_graph_t *map_wuhan_build (int epsg, double grid_m, char *err, size_t errlen);

/* The facts the generator uses, for tests and documentation. Arrays are static; counts returned. */
size_t map_wuhan_bridges (const map_wuhan_bridge_t **out);
size_t map_wuhan_river (map_wuhan_river_t river, const map_lonlat_t **out);
const map_wuhan_town_info_t *map_wuhan_town (map_wuhan_town_t town);

/* Bounding box of the generated city, degrees. */
void map_wuhan_extent (double *lon_min, double *lat_min, double *lon_max, double *lat_max);

#endif
