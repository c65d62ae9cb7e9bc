/* sim_map_svg: a road map drawn to scale as SVG (robotaxi-map render): the roads shaded by class and, over them, a
 * scenario's demand zones and robotaxi service area, under a title and above a legend and a scale bar, so the
 * picture says what each mark is without the reader knowing the scenario file. */
#ifndef SIM_MAP_SVG_H
#define SIM_MAP_SVG_H

#include <stddef.h>

#include "map_graph.h"
#include "sim_config.h"

/* What was drawn. */
typedef struct {
    int width_px, height_px;     /* the whole picture, legend included */
    double width_km, height_km;  /* the roads' extent */
    size_t segments;             /* road segments drawn (a two-way street once) */
    size_t zones;                /* demand zones drawn */
    int service_area;            /* 1 when the robotaxi service area was drawn */
} sim_map_svg_stats_t;

/* Writes the map g as an SVG picture at path (written whole or not at all: sim_file), width_px wide (100 .. 20000),
 * titled with source (what the map was opened from). With cfg, its zones and robotaxi.service_area are drawn over
 * the roads (cfg as a run would play it on g: sim_config_fit_map done), and scenario names them in the title and
 * legend (NULL: "the default scenario"); without cfg, the roads alone. stats may be NULL. 0, or -1 with "PATH: why"
 * (or "zones.NAME: why" when a zone cannot be projected into the map's CRS) in err. */
int sim_map_svg_write (const map_graph_t *g, const char *source, const sim_config_t *cfg, const char *scenario,
                       int width_px, const char *path, sim_map_svg_stats_t *stats, char *err, size_t errlen);

#endif
