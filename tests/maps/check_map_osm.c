/* check_map_osm: being written. */
#include "rt_check.h"

int main (void)
{
    return rt_check_run (suite_create ("map_osm"));
}
