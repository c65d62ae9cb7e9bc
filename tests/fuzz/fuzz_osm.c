/* fuzz_osm: libFuzzer driver for map_osm_import, the OpenStreetMap importer (libreadosm underneath). The input is
 * written to a scratch file named by its first byte: a PBF file starts with the big-endian length of its first
 * block header, so a zero byte makes it "input.osm.pbf", anything else "input.osm" (XML). Every input must import
 * or be refused with a message, never crash or leak; a graph that imports is strongly connected and non-empty. The
 * maxspeed parser, which reads a tag value straight from the file, is fed the input's first bytes as text too. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_tmp.h"
#include "map_osm.h"

static void s_fail (const char *what)
{
    fprintf (stderr, "fuzz_osm: %s\n", what);
    abort ();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char value[64];
    size_t n = size < sizeof value - 1 ? size : sizeof value - 1;
    memcpy (value, data, n);
    value[n] = '\0';
    double kmh = map_osm_parse_maxspeed (value);
    if (!(kmh >= 0 && kmh <= 300)) s_fail ("a maxspeed outside 0..300 km/h");

    const char *name = size > 0 && data[0] == 0 ? "input.osm.pbf" : "input.osm";
    const char *path = fuzz_tmp_write ("fuzz_osm", name, data, size);
    map_osm_stats_t stats;
    char err[1024] = "";
    map_graph_t *g = map_osm_import (path, &(map_osm_options_t){0}, &stats, err, sizeof err);
    if (!g) {
        if (!err[0]) s_fail ("refused an extract without a message");
        return 0;
    }
    if (map_graph_node_count (g) == 0 || map_graph_node_count (g) != stats.nodes ||
        map_graph_edge_count (g) != stats.edges)
        s_fail ("an imported graph does not match its report");
    map_graph_destroy (&g);
    return 0;
}
