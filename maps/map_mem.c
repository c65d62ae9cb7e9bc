/* map_mem: growing arrays. */
#include "map_mem.h"

#include <stdint.h>
#include <stdlib.h>

int map_mem_reserve (void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2) return -1;
        n *= 2;
    }
    if (n > SIZE_MAX / elem) return -1;
    void *p = realloc (*array, n * elem);
    if (!p) return -1;
    *array = p;
    *cap = n;
    return 0;
}
