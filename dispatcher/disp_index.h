/* disp_index: a uniform grid of vehicle positions over the map's projected bounding box, so the dispatcher finds the
 * vehicles nearest to a rider, nearest first, without scanning the whole fleet. */
#ifndef DISP_INDEX_H
#define DISP_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct disp_index_t disp_index_t;

/* An empty index over the box [min_x, max_x] x [min_y, max_y] (metres, e.g. from map_graph_bounds) with square
 * cells of cell_m metres, for vehicle ids 0 .. max_vehicle_id inclusive. A cell of about the mean spacing between
 * vehicles (sqrt (box area / fleet size)) keeps queries short. The grid is capped at about four million cells; a
 * finer cell_m is coarsened to fit. Returns NULL when out of memory or when the arguments are unusable (a bound not
 * finite, max < min, cell_m not > 0, max_vehicle_id == UINT32_MAX). */
disp_index_t *disp_index_new (double min_x, double min_y, double max_x, double max_y, double cell_m,
                              uint32_t max_vehicle_id);

/* NULL-safe; sets *self_p to NULL. */
void disp_index_destroy (disp_index_t **self_p);

/* Inserts vehicle at (x, y), or moves it there when already present. Points outside the box are kept at their own
 * position and filed in the border cell nearest to them. Never allocates. Returns 0, or -1 (and changes nothing) when
 * vehicle > max_vehicle_id or x or y is not finite. */
int disp_index_put (disp_index_t *self, uint32_t vehicle, double x, double y);

/* Removes vehicle; a no-op when it is absent or out of range. O(1). */
void disp_index_remove (disp_index_t *self, uint32_t vehicle);

/* 1 when vehicle is in the index, else 0. */
int disp_index_contains (const disp_index_t *self, uint32_t vehicle);

/* Number of vehicles in the index. */
size_t disp_index_count (const disp_index_t *self);

/* Starts a nearest-first walk from (x, y), replacing any walk under way. The index must not change until the walk
 * ends; a put or remove in between ends it (query_next then returns -1). */
void disp_index_query_begin (disp_index_t *self, double x, double y);

/* The next vehicle of the walk, in order of straight distance from the query point (compared as dx*dx + dy*dy), ties
 * by lower vehicle id; *dist_m is that distance in metres. Returns 0, or -1 when every vehicle has been returned,
 * the query point is not finite, no walk was begun, or the index changed since query_begin. The cost grows with the
 * number of vehicles returned (and the cells crossed to reach them), not with the fleet; no allocation. */
int disp_index_query_next (disp_index_t *self, uint32_t *vehicle, double *dist_m);

#endif
