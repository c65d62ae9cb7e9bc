/* rt_geo: geodesic distances for tests, from PROJ's geodesic routines, as an answer independent of the projection
 * and of the code under test. */
#ifndef RT_GEO_H
#define RT_GEO_H

#include <geodesic.h>

/* Distance on the WGS84 ellipsoid between two lon/lat points, metres. */
static inline double
rt_geod_m (double lon1, double lat1, double lon2, double lat2)
{
    struct geod_geodesic geod;
    geod_init (&geod, 6378137.0, 1 / 298.257223563);
    double s12 = 0;
    geod_inverse (&geod, lat1, lon1, lat2, lon2, &s12, NULL, NULL);
    return s12;
}

#endif
