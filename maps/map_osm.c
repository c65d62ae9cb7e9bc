/* map_osm: being written. */
#include "map_osm.h"
