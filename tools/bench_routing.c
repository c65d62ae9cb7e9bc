/* bench_routing: placeholder until the routing benchmark lands. */
#include <stdio.h>

#include "bench.h"

int bench_routing_main (int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf (stderr, "robotaxi-bench: routing: not built yet\n");
    return 1;
}
