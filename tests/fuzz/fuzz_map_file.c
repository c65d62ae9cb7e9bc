/* fuzz_map_file: libFuzzer driver for map_file_load, the reader of the map cache (robotaxi-map import's output, and
 * the cache the dispatcher and the simulator reuse). The input is loaded twice from a scratch file: as it is, and
 * with its header's length and both checksums made right, since a mutated file almost never matches its checksums
 * and would otherwise never get past them to the graph and the hierarchy. Every input must load or be refused with
 * a message, never crash, leak or allocate past what its size allows; a map that loads must hold together. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_tmp.h"
#include "map_file.h"

#define S_HEADER_BYTES 32 /* see map_file.c: magic, version, byte-order mark, payload bytes, two CRC-32s */

static void s_fail (const char *what, const char *detail)
{
    fprintf (stderr, "fuzz_map_file: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort ();
}

static void s_put_le (uint8_t *at, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        at[i] = (uint8_t)(v >> (8 * i));
}

static void s_load (const char *path)
{
    map_graph_t *g = NULL;
    map_ch_t *ch = NULL;
    map_meta_t meta;
    char err[1024] = "";
    if (map_file_load (path, &g, &ch, &meta, err, sizeof err) != 0) {
        if (!err[0]) s_fail ("refused a map file without a message", NULL);
        if (g || ch) s_fail ("a refused map file left a graph behind", NULL);
        return;
    }
    if (!g || !ch || map_graph_node_count (g) == 0) s_fail ("loaded a map without a graph", NULL);
    if (map_ch_graph (ch) != g) s_fail ("loaded a hierarchy of another graph", NULL);
    if (memchr (meta.source, '\0', sizeof meta.source) == NULL || memchr (meta.highways, '\0', sizeof meta.highways) == NULL)
        s_fail ("a loaded map's strings are not terminated", NULL);
    map_ch_destroy (&ch);
    map_graph_destroy (&g);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmp_write ("fuzz_map_file", "city.map", data, size);
    map_file_is_map (path);
    s_load (path);
    if (size < S_HEADER_BYTES) return 0;

    uint8_t *fixed = malloc (size);
    if (!fixed) s_fail ("out of memory", NULL);
    memcpy (fixed, data, size);
    s_put_le (fixed + 16, size - S_HEADER_BYTES, 8);
    s_put_le (fixed + 24, crc32_z (0L, fixed + S_HEADER_BYTES, size - S_HEADER_BYTES), 4);
    s_put_le (fixed + 28, crc32_z (0L, fixed, 28), 4);
    if (memcmp (fixed, data, size) != 0) s_load (fuzz_tmp_write ("fuzz_map_file", "city.map", fixed, size));
    free (fixed);
    return 0;
}
