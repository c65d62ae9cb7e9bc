/* map_mem: growing arrays, the one way every layer does it: capacity doubles (from 64) until the need fits. */
#ifndef MAP_MEM_H
#define MAP_MEM_H

#include <stddef.h>

/* Makes *array (of elem bytes per item, *cap items now) hold at least need items. 0, or -1 when out of memory or the
 * size would overflow; on failure *array and *cap are unchanged. */
int map_mem_reserve (void **array, size_t *cap, size_t need, size_t elem);

#endif
