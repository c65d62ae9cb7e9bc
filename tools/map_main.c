/* robotaxi-map: imports OpenStreetMap extracts into map files, and inspects, routes on and draws any map the
 * simulator accepts (a map file, an OSM extract, or embedded:wuhan). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "map_ch.h"
#include "map_graph.h"
#include "map_net.h"
#include "map_osm.h"
#include "map_proj.h"
#include "sim_config.h"
#include "sim_data.h"
#include "sim_map_svg.h"
#include "tool_cli.h"

#define PROG "robotaxi-map"

/* A route endpoint farther than this from any road is refused rather than silently moved. */
#define S_SNAP_LIMIT_M 2000.0

typedef struct {
    map_spec_t spec;
    const char *out;           /* -o */
    int width_px;              /* render: picture width */
    const char *scenario;      /* render: --scenario FILE|NAME (NULL: the default scenario) */
    const char **sets;         /* render: each --set KEY=VALUE, in order */
    size_t nsets;
    int quiet;
} s_opts_t;

static void s_usage (FILE *out)
{
    fprintf (out,
             "Usage: " PROG " import FILE.osm.pbf -o CITY.map [--epsg N] [--highways LIST]\n"
             "       " PROG " info MAP\n"
             "       " PROG " route MAP LON,LAT LON,LAT [-o ROUTE.geojson]\n"
             "       " PROG " render MAP -o CITY.svg [--width PX] [--scenario FILE|NAME] [--set KEY=VALUE]...\n"
             "MAP is a map file, an OSM extract (.osm, .osm.pbf; imported on the fly) or embedded:wuhan.\n"
             "  import   read an OpenStreetMap extract (.osm or .osm.pbf), keep the drivable roads, project them,\n"
             "           keep the largest strongly connected part, contract it for fast routing, save a map file\n"
             "  info     nodes, edges, km of road, bounding box, CRS, what the import dropped\n"
             "  route    fastest free-flow route between two points: length, time, and the path as GeoJSON\n"
             "  render   the road network drawn to scale as SVG, shaded by road class, with a scenario's\n"
             "           demand zones and robotaxi service area over it (fitted to MAP as robotaxi-sim fits\n"
             "           them) and a legend\n"
             "Options:\n"
             "  -o, --out FILE         where import, render (and optionally route) write (--output: the same)\n"
             "      --epsg N           metric CRS to project to (default: UTM zone of the map's centre)\n"
             "      --highways LIST    OSM highway classes to keep (default: " MAP_OSM_DEFAULT_HIGHWAYS ")\n"
             "      --grid M           street grid of embedded:wuhan, metres (default 600)\n"
             "      --width PX         render: picture width in pixels (default 1600)\n"
             "      --scenario FILE|NAME  render: the scenario whose zones and service area are drawn (a\n"
             "                         file, or an installed scenario's name as robotaxi-sim -s takes it;\n"
             "                         default: the built-in Wuhan scenario)\n"
             "      --set KEY=VALUE    render: set a scenario parameter (repeatable), e.g.\n"
             "                         --set zones.NAME=LON,LAT,RADIUS_KM,WEIGHT\n"
             "  -q, --quiet            no progress lines\n"
             "  -h, --help             this help\n"
             "  -V, --version          version\n"
             "\n");
    tool_cli_help_status (out, "done", "a map or extract that cannot be imported, projected, routed or drawn");
}

static void s_on_log (const char *line, void *arg)
{
    const s_opts_t *o = arg;
    if (!o->quiet) fprintf (stderr, PROG ": %s\n", line);
}

/* The map the command names, or NULL after saying why on stderr. */
static map_net_t *s_open (s_opts_t *o)
{
    char err[1024];
    map_net_t *net = map_net_open (&o->spec, s_on_log, o, err, sizeof err);
    if (!net) fprintf (stderr, PROG ": %s\n", err);
    return net;
}

static double s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- import ---- */

static int s_import (s_opts_t *o)
{
    char err[1024];
    double t0 = s_now_s ();
    map_net_t *net = s_open (o);
    if (!net) return 1;
    double import_s = s_now_s () - t0;
    if (map_net_save (net, o->out, err, sizeof err) < 0) {
        fprintf (stderr, PROG ": %s\n", err);
        map_net_destroy (&net);
        return 1;
    }
    const map_graph_t *g = map_net_graph (net);
    const map_meta_t *m = map_net_meta (net);
    printf ("%s: %zu nodes, %zu edges, %.1f km of road, EPSG:%d, %zu shortcuts; imported and contracted in %.2f s\n",
            o->out, map_graph_node_count (g), map_graph_edge_count (g), map_graph_road_km (g), m->epsg,
            map_ch_shortcut_count (map_net_ch (net)), import_s);
    if (m->osm.components > 1)
        printf ("dropped %zu smaller components: %zu nodes, %zu edges\n", m->osm.components - 1, m->osm.nodes_dropped,
                m->osm.edges_dropped);
    map_net_destroy (&net);
    return 0;
}

/* ---- info ---- */

static int s_info (s_opts_t *o)
{
    map_net_t *net = s_open (o);
    if (!net) return 1;
    const map_graph_t *g = map_net_graph (net);
    const map_meta_t *m = map_net_meta (net);
    double min_x, min_y, max_x, max_y;
    map_graph_bounds (g, &min_x, &min_y, &max_x, &max_y);
    double lon_min, lat_min, lon_max, lat_max;
    map_graph_lonlat_bounds (g, &lon_min, &lat_min, &lon_max, &lat_max);
    size_t by_class[MAP_ROAD_CLASS_COUNT] = {0};
    for (uint32_t e = 0; e < map_graph_edge_count (g); e++) by_class[map_graph_edge (g, e)->road_class]++;

    printf ("map          %s\n", o->spec.source);
    printf ("source       %s\n", m->source);
    printf ("nodes        %zu\n", map_graph_node_count (g));
    printf ("edges        %zu (directed)\n", map_graph_edge_count (g));
    printf ("road         %.1f km (a two-way street counted once)\n", map_graph_road_km (g));
    printf ("by class    ");
    for (int c = 0; c < MAP_ROAD_CLASS_COUNT; c++)
        if (by_class[c]) printf (" %s %zu", map_road_class_name ((map_road_class_t)c), by_class[c]);
    printf (" (edges)\n");
    printf ("bbox         %.6f,%.6f,%.6f,%.6f (lon/lat)\n", lon_min, lat_min, lon_max, lat_max);
    printf ("extent       %.1f x %.1f km (EPSG:%d metres %.0f,%.0f .. %.0f,%.0f)\n", (max_x - min_x) / 1000,
            (max_y - min_y) / 1000, map_graph_epsg (g), min_x, min_y, max_x, max_y);
    printf ("crs          EPSG:%d\n", map_graph_epsg (g));
    printf ("max speed    %.0f km/h\n", map_graph_max_speed_kmh (g));
    printf ("shortcuts    %zu (contraction hierarchy)\n", map_ch_shortcut_count (map_net_ch (net)));
    printf ("fingerprint  %016llx\n", (unsigned long long)map_graph_fingerprint (g));
    if (m->osm.osm_ways) {
        printf ("highways     %s\n", m->highways);
        printf ("osm read     %llu nodes, %llu ways; %llu drivable ways kept (%llu one-way)\n",
                (unsigned long long)m->osm.osm_nodes, (unsigned long long)m->osm.osm_ways,
                (unsigned long long)m->osm.ways_kept, (unsigned long long)m->osm.ways_oneway);
        printf ("maxspeed     %llu ways tagged and read, %llu unreadable (class default used)\n",
                (unsigned long long)m->osm.maxspeed_tagged, (unsigned long long)m->osm.maxspeed_unknown);
        printf ("components   %zu strongly connected; kept the largest, dropped %zu nodes and %zu edges\n",
                m->osm.components, m->osm.nodes_dropped, m->osm.edges_dropped);
    } else if (m->grid_m > 0) {
        printf ("grid         %.0f m\n", m->grid_m);
    }
    map_net_destroy (&net);
    return 0;
}

/* ---- route ---- */

/* "LON,LAT" -> projected point snapped to the nearest node. 0, or -1 with a message. */
static int s_snap (const map_graph_t *g, map_proj_t *proj, const char *text, uint32_t *node, double *snap_m,
                   char *err, size_t errlen)
{
    double lon, lat, x, y;
    char tail;
    if (sscanf (text, "%lf,%lf%c", &lon, &lat, &tail) != 2 || !(lon >= -180 && lon <= 180) ||
        !(lat >= -90 && lat <= 90)) {
        snprintf (err, errlen, "'%s' is not LON,LAT in degrees (e.g. 7.4246,43.7384)", text);
        return -1;
    }
    char why[512];
    if (map_proj_forward (proj, lon, lat, &x, &y, why, sizeof why) < 0) {
        snprintf (err, errlen, "%s: %s", text, why);
        return -1;
    }
    *node = map_graph_nearest (g, x, y);
    const map_node_t *n = map_graph_node (g, *node);
    *snap_m = hypot (n->x - x, n->y - y);
    if (*snap_m > S_SNAP_LIMIT_M) {
        snprintf (err, errlen, "%s is %.1f km from the nearest road of the map", text, *snap_m / 1000);
        return -1;
    }
    return 0;
}

static int s_route (s_opts_t *o, const char *from_text, const char *to_text)
{
    char err[1024];
    map_net_t *net = s_open (o);
    if (!net) return 1;
    const map_graph_t *g = map_net_graph (net);
    int rc = 1;
    map_ch_query_t *q = map_ch_query_new (map_net_ch (net));
    map_proj_t *proj = map_proj_new (map_graph_epsg (g), err, sizeof err);
    json_t *doc = NULL;
    uint32_t from, to;
    double from_snap_m, to_snap_m;
    if (!q || !proj) goto fail;
    if (s_snap (g, proj, from_text, &from, &from_snap_m, err, sizeof err) < 0 ||
        s_snap (g, proj, to_text, &to, &to_snap_m, err, sizeof err) < 0)
        goto fail;
    map_route_t route;
    if (map_ch_route (q, from, to, &route) < 0) {
        snprintf (err, sizeof err, "no route from %s to %s", from_text, to_text);
        goto fail;
    }
    size_t count;
    const uint32_t *path = map_ch_path (q, &count);
    json_t *coords = json_array ();
    for (size_t i = 0; i < count; i++) {
        const map_node_t *n = map_graph_node (g, path[i]);
        json_array_append_new (coords, json_pack ("[f,f]", n->lon, n->lat));
    }
    doc = json_pack ("{s:s, s:[{s:s, s:{s:s, s:o}, s:{s:f, s:f, s:i, s:f, s:f, s:i, s:i}}]}", "type",
                     "FeatureCollection", "features", "type", "Feature", "geometry", "type", "LineString",
                     "coordinates", coords, "properties", "length_m", route.length_m, "time_s",
                     (double)route.time_ms / 1000.0, "nodes", (json_int_t)count, "from_snap_m", from_snap_m,
                     "to_snap_m", to_snap_m, "from_node", (json_int_t)from, "to_node", (json_int_t)to);
    if (!doc) {
        snprintf (err, sizeof err, "out of memory");
        goto fail;
    }
    printf ("length %.0f m, time %.1f min (free flow), %zu nodes; start snapped %.0f m, end snapped %.0f m\n",
            route.length_m, (double)route.time_ms / 60000.0, count, from_snap_m, to_snap_m);
    if (o->out) {
        if (json_dump_file (doc, o->out, JSON_INDENT (1) | JSON_REAL_PRECISION (10)) < 0) {
            snprintf (err, sizeof err, "%s: cannot write: %s", o->out, strerror (errno));
            goto fail;
        }
        printf ("path written to %s\n", o->out);
    } else {
        json_dumpf (doc, stdout, JSON_COMPACT | JSON_REAL_PRECISION (10));
        printf ("\n");
    }
    rc = 0;
fail:
    if (rc) fprintf (stderr, PROG ": %s\n", err);
    json_decref (doc);
    map_proj_destroy (&proj);
    map_ch_query_destroy (&q);
    map_net_destroy (&net);
    return rc;
}

/* ---- render ---- */

/* The scenario whose zones and service area render draws: the default one, or --scenario's, then each --set (read
 * before the map, so a bad one is refused before a long import). 0, or an exit status after saying why on stderr. */
static int s_render_scenario (const s_opts_t *o, sim_config_t *cfg)
{
    char err[1024];
    sim_config_defaults (cfg);
    if (o->scenario) {
        /* a bare name that is no file here is an installed scenario, as robotaxi-sim -s finds it */
        sim_data_dirs_t dirs;
        char path[SIM_DATA_PATH_MAX];
        sim_data_dirs_self (&dirs, RT_DATADIR_FROM_BIN, RT_DATADIR);
        if (sim_data_find (&dirs, o->scenario, ".ini", path, sizeof path, err, sizeof err) < 0) {
            fprintf (stderr, PROG ": --scenario: %s\n", err);
            return TOOL_CLI_NOINPUT;
        }
        int loaded = sim_config_load (cfg, path, err, sizeof err);
        if (loaded < 0) {
            fprintf (stderr, PROG ": %s\n", err);
            return loaded == SIM_CONFIG_UNREADABLE ? TOOL_CLI_NOINPUT : TOOL_CLI_CONFIG;
        }
    }
    for (size_t i = 0; i < o->nsets; i++)
        if (sim_config_set (cfg, o->sets[i], err, sizeof err) < 0) {
            fprintf (stderr, PROG ": %s\n", err);
            return TOOL_CLI_CONFIG;
        }
    if (sim_config_check (cfg, err, sizeof err) < 0) {
        fprintf (stderr, PROG ": %s\n", err);
        return TOOL_CLI_CONFIG;
    }
    return 0;
}

/* cfg fitted to the map drawn, MAP, whatever map the scenario names: on a map file or extract its zones and area are
 * what a run on it would get (sim_config_fit_map). */
static void s_render_fit (const s_opts_t *o, const map_graph_t *g, sim_config_t *cfg)
{
    if (strncmp (o->spec.source, "embedded:", 9) == 0)
        cfg->map_file[0] = '\0';
    else
        snprintf (cfg->map_file, sizeof cfg->map_file, "%s", o->spec.source);
    double lon_min, lat_min, lon_max, lat_max;
    map_graph_lonlat_bounds (g, &lon_min, &lat_min, &lon_max, &lat_max);
    sim_config_fit_map (cfg, lon_min, lat_min, lon_max, lat_max);
}

/* The picture of net with cfg's zones and service area (fitted to it), at o->out. 0 or 1, after saying why. */
static int s_render_write (const s_opts_t *o, const map_net_t *net, sim_config_t *cfg)
{
    const map_graph_t *g = map_net_graph (net);
    s_render_fit (o, g, cfg);
    char scenario[160], err[1024];
    snprintf (scenario, sizeof scenario, "%s %s%s", o->scenario ? "scenario" : "the default scenario",
              cfg->scenario.name, o->nsets ? " with --set" : "");
    sim_map_svg_stats_t st;
    if (sim_map_svg_write (g, o->spec.source, cfg, scenario, o->width_px, o->out, &st, err, sizeof err) != 0) {
        fprintf (stderr, PROG ": %s\n", err);
        return 1;
    }
    printf ("%s: %d x %d px, %.1f x %.1f km, %zu road segments drawn (a two-way street once), %zu demand zones and "
            "the robotaxi service area of %s\n",
            o->out, st.width_px, st.height_px, st.width_km, st.height_km, st.segments, st.zones, scenario);
    return 0;
}

static int s_render (s_opts_t *o)
{
    sim_config_t *cfg = calloc (1, sizeof *cfg);
    if (!cfg) {
        fprintf (stderr, PROG ": out of memory\n");
        return 1;
    }
    map_net_t *net = NULL;
    int rc = s_render_scenario (o, cfg);
    if (rc == 0 && !(net = s_open (o))) rc = 1;
    if (rc == 0) rc = s_render_write (o, net, cfg);
    free (cfg);
    map_net_destroy (&net);
    return rc;
}

int main (int argc, char **argv)
{
    static const struct option options[] = {
        {"out", required_argument, NULL, 'o'},    {"output", required_argument, NULL, 'o'},
        {"epsg", required_argument, NULL, 'E'},
        {"highways", required_argument, NULL, 'H'}, {"grid", required_argument, NULL, 'G'},
        {"width", required_argument, NULL, 'W'}, {"quiet", no_argument, NULL, 'q'},
        {"scenario", required_argument, NULL, 'S'}, {"set", required_argument, NULL, 'K'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *sets[64];
    s_opts_t o = {.width_px = 1600, .sets = sets};
    o.spec.grid_m = 600;
    int c;
    char *end;
    opterr = 0; /* tool_cli's messages */
    while ((c = getopt_long (argc, argv, ":o:qhV", options, NULL)) != -1) {
        switch (c) {
        case 'o': o.out = optarg; break;
        case 'E':
            errno = 0;
            long epsg = strtol (optarg, &end, 10);
            if (*end || end == optarg || epsg < 1024 || epsg > 999999)
                return tool_cli_usage_error (PROG, "--epsg: '%s' is not an EPSG code (1024..999999)", optarg);
            o.spec.epsg = (int)epsg;
            break;
        case 'H':
            if (strlen (optarg) >= sizeof o.spec.highways)
                return tool_cli_usage_error (PROG, "--highways: list longer than %zu characters",
                                             sizeof o.spec.highways - 1);
            snprintf (o.spec.highways, sizeof o.spec.highways, "%s", optarg);
            break;
        case 'G':
            o.spec.grid_m = strtod (optarg, &end);
            if (*end || end == optarg)
                return tool_cli_usage_error (PROG, "--grid: '%s' is not a number of metres", optarg);
            break;
        case 'W': {
            long w = strtol (optarg, &end, 10);
            if (*end || end == optarg || w < 100 || w > 20000)
                return tool_cli_usage_error (PROG, "--width: '%s' is not a width from 100 to 20000 px", optarg);
            o.width_px = (int)w;
            break;
        }
        case 'S': o.scenario = optarg; break;
        case 'K':
            if (o.nsets == sizeof sets / sizeof sets[0])
                return tool_cli_usage_error (PROG, "--set: more than %zu", sizeof sets / sizeof sets[0]);
            sets[o.nsets++] = optarg;
            break;
        case 'q': o.quiet = 1; break;
        case 'h': s_usage (stdout); return 0;
        case 'V': printf (PROG " " RT_VERSION "\n"); return 0;
        default: return tool_cli_bad_option (PROG, c, argv, options);
        }
    }
    int rest = argc - optind;
    const char *cmd = rest >= 1 ? argv[optind] : NULL;
    int want = !cmd ? -1
               : strcmp (cmd, "route") == 0 ? 4
               : (strcmp (cmd, "import") == 0 || strcmp (cmd, "info") == 0 || strcmp (cmd, "render") == 0) ? 2
                                                                                                               : -1;
    if (!cmd) return tool_cli_usage_error (PROG, "COMMAND: missing operand (import, info, route, render)");
    if (want < 0) return tool_cli_usage_error (PROG, "%s: not a command (import, info, route, render)", cmd);
    if (rest != want)
        return tool_cli_usage_error (PROG, "%s: %d operands after the command, not %d", cmd, rest - 1, want - 1);
    if (strlen (argv[optind + 1]) >= sizeof o.spec.source)
        return tool_cli_usage_error (PROG, "%.60s...: path longer than %zu characters", argv[optind + 1],
                                     sizeof o.spec.source - 1);
    if ((o.scenario || o.nsets) && strcmp (cmd, "render") != 0)
        return tool_cli_usage_error (PROG, "%s: --scenario and --set are for render only", cmd);
    if (!o.out && (strcmp (cmd, "import") == 0 || strcmp (cmd, "render") == 0))
        return tool_cli_usage_error (PROG, "%s: -o %s is required", cmd,
                                     strcmp (cmd, "import") == 0 ? "CITY.map" : "CITY.svg");
    /* a file that cannot be read is told apart from one that is no map */
    if (strncmp (argv[optind + 1], "embedded:", 9) != 0) {
        int rc = tool_cli_readable (PROG, NULL, argv[optind + 1]);
        if (rc) return rc;
    }
    snprintf (o.spec.source, sizeof o.spec.source, "%s", argv[optind + 1]);
    if (strcmp (cmd, "import") == 0) return s_import (&o);
    if (strcmp (cmd, "info") == 0) return s_info (&o);
    if (strcmp (cmd, "render") == 0) return s_render (&o);
    return s_route (&o, argv[optind + 2], argv[optind + 3]);
}
