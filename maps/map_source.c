/* map_source: turns a map specification into a road graph, so every process builds the same network from the same
 * few words. Only embedded maps exist today; map files come later. */
#include "map_source.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "map_wuhan.h"

typedef map_graph_t *(s_builder_fn)(const map_spec_t *spec, char *err, size_t errlen);

static map_graph_t *s_build_wuhan (const map_spec_t *spec, char *err, size_t errlen)
{
    return map_wuhan_build (spec->epsg, spec->grid_m, err, errlen);
}

/* Known sources; a new embedded map is one more row. */
static const struct {
    const char *name;
    s_builder_fn *build;
} s_sources[] = {
    {"embedded:wuhan", s_build_wuhan},
};

map_graph_t *map_source_load (const map_spec_t *spec, char *err, size_t errlen)
{
    assert (spec);
    for (size_t i = 0; i < sizeof s_sources / sizeof s_sources[0]; i++)
        if (strncmp (spec->source, s_sources[i].name, sizeof spec->source) == 0)
            return s_sources[i].build (spec, err, errlen);
    /* The spec comes from a user's file: print at most the buffer, even if it is not terminated. */
    snprintf (err, errlen, "map.source: '%.*s': unknown map source (known: embedded:wuhan)", (int)sizeof spec->source,
              spec->source);
    return NULL;
}
