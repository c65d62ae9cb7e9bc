/* map_proj: WGS84 longitude/latitude <-> a metric CRS, through PROJ. */
#ifndef MAP_PROJ_H
#define MAP_PROJ_H

#include <stddef.h>

typedef struct map_proj_t map_proj_t;

/* Builds a transformation from EPSG:4326 (lon/lat order) to EPSG:<epsg>, with its own PJ_CONTEXT (one per thread
 * that uses it). Returns NULL and a message in err ("EPSG:99999: crs not found") when PROJ cannot build it or the
 * target CRS is not projected in metres. The caller owns the result. */
map_proj_t *map_proj_new (int epsg, char *err, size_t errlen);

/* NULL-safe; sets *self_p to NULL. */
void map_proj_destroy (map_proj_t **self_p);

/* lon/lat in degrees -> x (easting), y (northing) in metres. 0, or -1 with a message naming the point when the
 * point is outside the CRS's domain or PROJ fails. */
int map_proj_forward (map_proj_t *self, double lon, double lat, double *x, double *y, char *err, size_t errlen);

/* x/y in metres -> lon/lat in degrees. 0 or -1 as above. */
int map_proj_inverse (map_proj_t *self, double x, double y, double *lon, double *lat, char *err, size_t errlen);

/* The EPSG code given to map_proj_new. */
int map_proj_epsg (const map_proj_t *self);

#endif
