/* sim_map_svg: a road map drawn to scale as SVG, with a scenario's zones and service area, a title and a legend. */
#include "sim_map_svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "map_error.h"
#include "map_proj.h"
#include "sim_file.h"

#define S_COUNT(a) (sizeof (a) / sizeof (a)[0])

/* Roads in greys, darker and wider for faster roads, so the scenario's marks in colour stand out over them. */
static const struct {
    const char *colour;
    double width;   /* in stroke units (see s_roads) */
    const char *label;
} s_road[MAP_ROAD_CLASS_COUNT] = {
    [MAP_ROAD_EXPRESSWAY] = {"#343a40", 3.0, "expressway"},
    [MAP_ROAD_ARTERIAL] = {"#6c757d", 2.0, "arterial"},
    [MAP_ROAD_SECONDARY] = {"#adb5bd", 1.4, "secondary"},
    [MAP_ROAD_LOCAL] = {"#ced4da", 0.8, "local street"},
    [MAP_ROAD_BRIDGE] = {"#8c6d46", 3.0, "bridge"},
};

/* Local streets first, so faster roads are drawn over them. */
static const map_road_class_t s_road_order[] = {MAP_ROAD_LOCAL, MAP_ROAD_SECONDARY, MAP_ROAD_ARTERIAL,
                                                MAP_ROAD_BRIDGE, MAP_ROAD_EXPRESSWAY};

#define S_AREA "#0072B2"   /* the robotaxi service area: the robotaxi fleet's colour in every plot (sim_figure.h) */
#define S_ZONE "#CC79A7"   /* demand zones: Okabe-Ito's reddish purple, apart from both fleets' colours */
#define S_TEXT "#212529"
#define S_SIDE_SAMPLES 16  /* points along each side of the service area's lon/lat box, which bends when projected */

/* The picture's layout. The map is an <svg class="map"> of its own whose units are the map's metres (x east, y the
 * northing negated, as SVG's y runs down), its viewBox the roads' extent and a margin, so it is to scale by
 * construction; the title above it and the legend below are in the picture's pixels. */
typedef struct {
    double scale;          /* pixels per metre */
    double top_px;         /* where the map starts below the title */
    double font_px;        /* the text's size in pixels ... */
    double font_m;         /* ... and in the map's metres */
} s_frame_t;

static double
s_map_x (double x)
{
    return x;
}

static double
s_map_y (double y)
{
    return -y;
}

/* s as XML text: &, < and > escaped, and quotes (it may sit in an attribute). */
static void
s_xml (FILE *f, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&': fputs ("&amp;", f); break;
        case '<': fputs ("&lt;", f); break;
        case '>': fputs ("&gt;", f); break;
        case '"': fputs ("&quot;", f); break;
        default: fputc ((unsigned char) *s < 0x20 ? ' ' : *s, f);
        }
}

/* One path per road class; returns the segments drawn and sets have[class] for the classes the map has. */
static size_t
s_roads (FILE *f, const map_graph_t *g, const s_frame_t *fr, double unit_px, int *have)
{
    size_t segments = 0;
    for (size_t k = 0; k < S_COUNT (s_road_order); k++) {
        map_road_class_t c = s_road_order[k];
        int open = 0;
        for (uint32_t e = 0; e < map_graph_edge_count (g); e++) {
            const map_edge_t *edge = map_graph_edge (g, e);
            if (edge->road_class != c || map_graph_is_twin (g, e))   /* a two-way street is drawn once */
                continue;
            if (!open) {
                fprintf (f, "<path class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\" "
                            "stroke-linecap=\"round\" d=\"",
                         map_road_class_name (c), s_road[c].colour, s_road[c].width * unit_px / fr->scale);
                open = 1;
            }
            const map_node_t *a = map_graph_node (g, edge->from), *b = map_graph_node (g, edge->to);
            fprintf (f, "M%.1f %.1fL%.1f %.1f", s_map_x (a->x), s_map_y (a->y), s_map_x (b->x), s_map_y (b->y));
            segments++;
        }
        if (open)
            fputs ("\"/>\n", f);
        have[c] = open;
    }
    return segments;
}

/* The robotaxi service area: its lon/lat box, projected side by side. 0, or -1 with a message. */
static int
s_service_area (FILE *f, const sim_config_t *cfg, map_proj_t *proj, const s_frame_t *fr, char *err, size_t errlen)
{
    const double *b = cfg->robotaxi.service_area;   /* lon_min, lat_min, lon_max, lat_max */
    const double corner[5][2] = {{b[0], b[1]}, {b[2], b[1]}, {b[2], b[3]}, {b[0], b[3]}, {b[0], b[1]}};
    fprintf (f, "<path class=\"service-area\" fill=\"" S_AREA "\" fill-opacity=\"0.06\" stroke=\"" S_AREA "\" "
                "stroke-width=\"%.1f\" stroke-dasharray=\"%.1f %.1f\" d=\"",
             fr->font_m / 5, fr->font_m * 0.8, fr->font_m * 0.4);
    for (int side = 0; side < 4; side++)
        for (int i = 0; i < S_SIDE_SAMPLES; i++) {
            double t = (double) i / S_SIDE_SAMPLES, x, y;
            double lon = corner[side][0] + t * (corner[side + 1][0] - corner[side][0]);
            double lat = corner[side][1] + t * (corner[side + 1][1] - corner[side][1]);
            char why[256];
            if (map_proj_forward (proj, lon, lat, &x, &y, why, sizeof why) != 0) {
                fputs ("\"/>\n", f);
                return map_error (err, errlen, "robotaxi.service_area: %g,%g: %s", lon, lat, why);
            }
            fprintf (f, "%c%.1f %.1f", side == 0 && i == 0 ? 'M' : 'L', s_map_x (x), s_map_y (y));
        }
    fputs ("Z\"/>\n", f);
    return 0;
}

/* The demand zones: a circle of each one's radius, more opaque for a heavier zone, named with its weight. Returns
 * the zones drawn, or -1 with a message. */
static long
s_zones (FILE *f, const sim_config_t *cfg, map_proj_t *proj, const s_frame_t *fr, char *err, size_t errlen)
{
    double heaviest = 0;
    for (size_t i = 0; i < cfg->zone_count; i++)
        heaviest = fmax (heaviest, cfg->zones[i].weight);
    double cx[SIM_MAX_ZONES], cy[SIM_MAX_ZONES];
    for (size_t i = 0; i < cfg->zone_count; i++) {
        const sim_zone_t *z = &cfg->zones[i];
        double x, y;
        char why[256];
        if (map_proj_forward (proj, z->lon, z->lat, &x, &y, why, sizeof why) != 0)
            return map_error (err, errlen, "zones.%s: %s", z->name, why);
        cx[i] = s_map_x (x);
        cy[i] = s_map_y (y);
        double share = heaviest > 0 ? z->weight / heaviest : 1;
        fprintf (f, "<circle class=\"zone\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"" S_ZONE "\" "
                    "fill-opacity=\"%.2f\" stroke=\"" S_ZONE "\" stroke-width=\"%.1f\"/>\n",
                 cx[i], cy[i], z->radius_km * 1000, 0.12 + 0.28 * share, fr->font_m / 6);
    }
    /* the names over every circle, with a white halo, so a name is read over roads and other zones: each at its
     * circle's centre, or else below, above or beside the circle, wherever it overlaps no name placed before */
    double box[SIM_MAX_ZONES][4];   /* the names placed: left, top, right, bottom */
    size_t placed = 0;
    for (size_t i = 0; i < cfg->zone_count; i++) {
        const sim_zone_t *z = &cfg->zones[i];
        char label[96];
        snprintf (label, sizeof label, "%s (weight %g)", z->name, z->weight);
        double w = 0.6 * fr->font_m * (double) strlen (label), h = fr->font_m, r = z->radius_km * 1000;
        const double at[][2] = {{cx[i], cy[i] + 0.35 * h}, {cx[i], cy[i] + r + h}, {cx[i], cy[i] - r - 0.2 * h},
                                {cx[i] + r + w / 2 + 0.3 * h, cy[i]}, {cx[i] - r - w / 2 - 0.3 * h, cy[i]}};
        size_t k = 0;
        for (; k < S_COUNT (at); k++) {
            int clear = 1;
            for (size_t j = 0; j < placed && clear; j++)
                clear = at[k][0] + w / 2 < box[j][0] || at[k][0] - w / 2 > box[j][2] || at[k][1] < box[j][1] ||
                        at[k][1] - h > box[j][3];
            if (clear)
                break;
        }
        if (k == S_COUNT (at))
            k = 0;   /* crowded everywhere: on its circle */
        box[placed][0] = at[k][0] - w / 2;
        box[placed][1] = at[k][1] - h;
        box[placed][2] = at[k][0] + w / 2;
        box[placed][3] = at[k][1];
        placed++;
        fprintf (f, "<text x=\"%.1f\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"%.1f\" fill=\"" S_TEXT "\" "
                    "text-anchor=\"middle\" stroke=\"#ffffff\" stroke-width=\"%.1f\" stroke-opacity=\"0.85\" "
                    "paint-order=\"stroke\">",
                 at[k][0], at[k][1], fr->font_m, fr->font_m / 4);
        s_xml (f, label);
        fputs ("</text>\n", f);
    }
    return (long) cfg->zone_count;
}

/* A legend entry: its sample (kind: 'l' a line of the colour and width, 'a' the service area, 'z' a zone, 's' the
 * scale bar, width pixels long) and its label, at x on the row at y; wraps to the next row when the row is full.
 * With f NULL, only moves x and y (the legend measured before it is drawn). */
typedef struct {
    FILE *f;
    double x, y, left, right, font_px;
} s_legend_t;

static void
s_legend_entry (s_legend_t *lg, char kind, const char *colour, double width, const char *label)
{
    double sample = kind == 's' ? width : 2.8 * lg->font_px;
    double need = sample + 0.6 * lg->font_px * (double) strlen (label) + 2.5 * lg->font_px;
    if (lg->x > lg->left && lg->x + need > lg->right) {
        lg->x = lg->left;
        lg->y += 1.8 * lg->font_px;
    }
    double x = lg->x, y = lg->y, h = lg->font_px;
    FILE *f = lg->f;
    lg->x += need;
    if (!f)
        return;
    switch (kind) {
    case 'l':
        fprintf (f, "<path stroke=\"%s\" stroke-width=\"%.1f\" stroke-linecap=\"round\" d=\"M%.1f %.1fh%.1f\"/>\n",
                 colour, width, x, y - h * 0.35, sample);
        break;
    case 'a':
        fprintf (f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" S_AREA "\" "
                    "fill-opacity=\"0.06\" stroke=\"" S_AREA "\" stroke-width=\"%.1f\" "
                    "stroke-dasharray=\"%.1f %.1f\"/>\n",
                 x, y - h, sample, h, h / 5, h * 0.8, h * 0.4);
        break;
    case 'z':
        fprintf (f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"" S_ZONE "\" fill-opacity=\"0.3\" "
                    "stroke=\"" S_ZONE "\" stroke-width=\"%.1f\"/>\n",
                 x + sample / 2, y - h * 0.35, h * 0.6, h / 6);
        break;
    default:
        fprintf (f, "<path stroke=\"" S_TEXT "\" stroke-width=\"%.1f\" d=\"M%.1f %.1fh%.1fM%.1f %.1fv%.1fM%.1f "
                    "%.1fv%.1f\"/>\n",
                 h / 6, x, y - h * 0.35, sample, x, y - h * 0.6, h * 0.5, x + sample, y - h * 0.6, h * 0.5);
    }
    fprintf (f, "<text x=\"%.1f\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"%.1f\" fill=\"" S_TEXT "\">",
             x + sample + 0.5 * h, y, h);
    s_xml (f, label);
    fputs ("</text>\n", f);
}

/* The legend's entries in order; with f NULL, only where its last row ends (its height). */
static double
s_legend (FILE *f, const s_frame_t *fr, const int *have, const sim_config_t *cfg, double unit_px, double bar_m,
          double top, double width_px)
{
    s_legend_t lg = {f, fr->font_px, top + 1.4 * fr->font_px, fr->font_px, width_px - fr->font_px, fr->font_px};
    for (size_t k = S_COUNT (s_road_order); k-- > 0;) {
        map_road_class_t c = s_road_order[k];
        if (have[c])
            s_legend_entry (&lg, 'l', s_road[c].colour, fmax (1.5, s_road[c].width * unit_px), s_road[c].label);
    }
    if (cfg) {
        s_legend_entry (&lg, 'a', NULL, 0, "robotaxi service area (robotaxi.service_area)");
        s_legend_entry (&lg, 'z', NULL, 0, "demand zone (zones.NAME): circle of its radius, darker when heavier");
    }
    char scale[64];
    snprintf (scale, sizeof scale, "%g %s", bar_m >= 1000 ? bar_m / 1000 : bar_m, bar_m >= 1000 ? "km" : "m");
    s_legend_entry (&lg, 's', NULL, bar_m * fr->scale, scale);
    return lg.y + 0.8 * fr->font_px;
}

int
sim_map_svg_write (const map_graph_t *g, const char *source, const sim_config_t *cfg, const char *scenario,
                   int width_px, const char *path, sim_map_svg_stats_t *stats, char *err, size_t errlen)
{
    double min_x, min_y, max_x, max_y;
    map_graph_bounds (g, &min_x, &min_y, &max_x, &max_y);
    double w_m = fmax (max_x - min_x, 1.0), h_m = fmax (max_y - min_y, 1.0);
    double margin = 0.03 * fmax (w_m, h_m);
    s_frame_t fr = {.scale = width_px / (w_m + 2 * margin), .font_px = fmax (12, width_px / 110.0)};
    fr.top_px = ceil (2.6 * fr.font_px);
    fr.font_m = fr.font_px / fr.scale;
    double map_h_px = ceil ((h_m + 2 * margin) * fr.scale);
    /* stroke widths grow a little with the map, so a city-wide picture still shows its roads */
    double unit_px = fmax (1.0, w_m / 4000.0 * fr.scale);
    /* a scale bar of a round length, about a fifth of the width */
    double bar_m = pow (10, floor (log10 (w_m / 5)));
    if (bar_m * 5 <= w_m / 5)
        bar_m *= 5;
    else if (bar_m * 2 <= w_m / 5)
        bar_m *= 2;
    int have[MAP_ROAD_CLASS_COUNT];
    for (int c = 0; c < MAP_ROAD_CLASS_COUNT; c++)   /* the legend's height needs the classes the map has */
        have[c] = 0;
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++)
        have[map_graph_edge (g, e)->road_class] = 1;
    double legend_top = fr.top_px + map_h_px;
    int height_px = (int) ceil (s_legend (NULL, &fr, have, cfg, unit_px, bar_m, legend_top, width_px));

    map_proj_t *proj = NULL;
    if (cfg && !(proj = map_proj_new (map_graph_epsg (g), err, errlen)))
        return -1;
    sim_file_t out;
    if (sim_file_open_path (&out, path, err, errlen) != 0) {
        map_proj_destroy (&proj);
        return -1;
    }
    FILE *f = out.f;
    fprintf (f,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
             "<title>",
             width_px, height_px, width_px, height_px);
    s_xml (f, source);
    fprintf (f, ": %zu nodes, %zu edges, EPSG:%d</title>\n"
                "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
             map_graph_node_count (g), map_graph_edge_count (g), map_graph_epsg (g), width_px, height_px);
    fprintf (f, "<text x=\"%.1f\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"%.1f\" fill=\"" S_TEXT "\">",
             fr.font_px, 1.7 * fr.font_px, 1.15 * fr.font_px);
    s_xml (f, source);
    fprintf (f, ": roads, %.1f x %.1f km", w_m / 1000, h_m / 1000);
    if (cfg) {
        fputs (", with the demand zones and robotaxi service area of ", f);
        s_xml (f, scenario ? scenario : "the default scenario");
    }
    fputs ("</text>\n", f);
    double vb[4] = {min_x - margin, -(max_y + margin), w_m + 2 * margin, h_m + 2 * margin};
    fprintf (f, "<svg class=\"map\" x=\"0\" y=\"%.0f\" width=\"%d\" height=\"%.0f\" "
                "viewBox=\"%.1f %.1f %.1f %.1f\">\n"
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f8f9fa\"/>\n",
             fr.top_px, width_px, map_h_px, vb[0], vb[1], vb[2], vb[3], vb[0], vb[1], vb[2], vb[3]);
    size_t segments = s_roads (f, g, &fr, unit_px, have);
    long zones = 0;
    if (cfg && (s_service_area (f, cfg, proj, &fr, err, errlen) != 0 ||
                (zones = s_zones (f, cfg, proj, &fr, err, errlen)) < 0)) {
        sim_file_abandon (&out);
        map_proj_destroy (&proj);
        return -1;
    }
    map_proj_destroy (&proj);
    fputs ("</svg>\n", f);
    s_legend (f, &fr, have, cfg, unit_px, bar_m, legend_top, width_px);
    fputs ("</svg>\n", f);
    if (sim_file_close (&out, err, errlen) != 0)
        return -1;
    if (stats)
        *stats = (sim_map_svg_stats_t){.width_px = width_px, .height_px = height_px, .width_km = w_m / 1000,
                                       .height_km = h_m / 1000, .segments = segments, .zones = (size_t) zones,
                                       .service_area = cfg != NULL};
    return 0;
}
