/* map_wuhan: the embedded Wuhan-like city. A street grid and three ring expressways are laid out in projected metres
 * over the city's extent, cut by the Yangtze and the Han, and stitched back together only at the real bridges. Every
 * step is deterministic: same EPSG code and grid spacing -> the same nodes, edges and ids. */
#include "map_wuhan.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_proj.h"

/* ---- Facts: approximate real positions (WGS84 degrees), good to about a kilometre, not surveyed. ------------- */

/* Extent of the generated city: central Wuhan inside the third ring road. */
static const double s_lon_min = 114.13, s_lat_min = 30.43, s_lon_max = 114.47, s_lat_max = 30.70;

/* The Yangtze flows from the south-west to the north-east through the city. The first and last points lie beyond the
 * extent so that the river cuts the map completely. */
static const map_lonlat_t s_yangtze[] = {
    {114.080, 30.370}, {114.130, 30.400}, {114.200, 30.440}, {114.255, 30.475}, {114.275, 30.505},
    {114.283, 30.530}, {114.290, 30.550}, {114.300, 30.575}, {114.318, 30.605}, {114.345, 30.635},
    {114.380, 30.660}, {114.420, 30.685}, {114.470, 30.710}, {114.520, 30.735},
};

/* The Han comes in from the west and joins the Yangtze at Longwangmiao. Its last point lies about 50 m past the
 * Yangtze's line (which runs through 114.294 E at 30.560 N), so the two rivers meet and Hankou, Hanyang and Wuchang
 * are separated everywhere except at bridges. */
static const map_lonlat_t s_han[] = {
    {114.100, 30.600}, {114.160, 30.585}, {114.210, 30.575},  {114.245, 30.566},
    {114.268, 30.562}, {114.287, 30.560}, {114.2945, 30.560},
};

static const map_wuhan_town_info_t s_towns[MAP_WUHAN_TOWN_COUNT] = {
    [MAP_WUHAN_HANKOU] = {"Hankou", {114.28, 30.60}},
    [MAP_WUHAN_WUCHANG] = {"Wuchang", {114.32, 30.55}},
    [MAP_WUHAN_HANYANG] = {"Hanyang", {114.25, 30.55}},
};

/* Bridges at about their real positions; the generator moves each onto the nearest point of its river. */
static const map_wuhan_bridge_t s_bridges[] = {
    {"Baishazhou Bridge", {114.272, 30.487}, MAP_WUHAN_YANGTZE, MAP_WUHAN_HANYANG, MAP_WUHAN_WUCHANG},
    {"Yingwuzhou Bridge", {114.282, 30.531}, MAP_WUHAN_YANGTZE, MAP_WUHAN_HANYANG, MAP_WUHAN_WUCHANG},
    {"Wuhan Yangtze River Bridge", {114.290, 30.550}, MAP_WUHAN_YANGTZE, MAP_WUHAN_HANYANG, MAP_WUHAN_WUCHANG},
    {"Yangsigang Bridge", {114.300, 30.579}, MAP_WUHAN_YANGTZE, MAP_WUHAN_HANKOU, MAP_WUHAN_WUCHANG},
    {"Second Yangtze Bridge", {114.318, 30.606}, MAP_WUHAN_YANGTZE, MAP_WUHAN_HANKOU, MAP_WUHAN_WUCHANG},
    {"Erqi Bridge", {114.345, 30.636}, MAP_WUHAN_YANGTZE, MAP_WUHAN_HANKOU, MAP_WUHAN_WUCHANG},
    {"Tianxingzhou Bridge", {114.410, 30.680}, MAP_WUHAN_YANGTZE, MAP_WUHAN_HANKOU, MAP_WUHAN_WUCHANG},
    {"Jianghan Bridge", {114.275, 30.562}, MAP_WUHAN_HAN, MAP_WUHAN_HANKOU, MAP_WUHAN_HANYANG},
    {"Yuehu Bridge", {114.258, 30.564}, MAP_WUHAN_HAN, MAP_WUHAN_HANKOU, MAP_WUHAN_HANYANG},
    {"Zhiyin Bridge (Jianghan Third)", {114.235, 30.568}, MAP_WUHAN_HAN, MAP_WUHAN_HANKOU, MAP_WUHAN_HANYANG},
    {"Changfeng Bridge", {114.205, 30.577}, MAP_WUHAN_HAN, MAP_WUHAN_HANKOU, MAP_WUHAN_HANYANG},
};

#define S_BRIDGE_COUNT (sizeof s_bridges / sizeof s_bridges[0])

/* Ring expressways: circles around the centre of the three towns, clipped to the extent. */
static const map_lonlat_t s_ring_centre = {114.30, 30.57};
static const double s_ring_radius_m[] = {5000, 9000, 14000};

/* Free-flow speeds by road class, km/h. */
static const double s_speed_kmh[MAP_ROAD_CLASS_COUNT] = {
    [MAP_ROAD_EXPRESSWAY] = 70, [MAP_ROAD_ARTERIAL] = 50, [MAP_ROAD_SECONDARY] = 40,
    [MAP_ROAD_LOCAL] = 30,      [MAP_ROAD_BRIDGE] = 50,
};

#define S_GRID_MIN_M       50.0
#define S_GRID_MAX_M       2000.0
#define S_MAX_RIVER_POINTS 16
#define S_PI               3.14159265358979323846

/* Road classes of the street grid go by distance, not by line index, so that a fine grid keeps a realistic
 * hierarchy: the grid line nearest to every 2,400 m is an arterial, to every other 1,200 m a secondary road, the
 * rest local streets. The phase is that of the default 600 m grid (whose lines lie on multiples of 600 m from the
 * projected origin, starting one line before the extent), so at 600 m every 4th line is an arterial and every 2nd
 * a secondary road, exactly as when classes went by index. */
#define S_ARTERIAL_SPACING_M  2400.0
#define S_SECONDARY_SPACING_M 1200.0
#define S_CLASS_PHASE_GRID_M  600.0

/* ---- Working state of one build. ---------------------------------------------------------------------------- */

typedef struct {
    double x, y;
} s_xy_t;

typedef struct {
    uint32_t a, b; /* undirected: becomes the edges a->b and b->a */
    uint8_t road_class;
} s_link_t;

typedef struct {
    map_proj_t *proj;
    double grid_m;
    s_xy_t river[MAP_WUHAN_RIVER_COUNT][S_MAX_RIVER_POINTS];
    size_t river_count[MAP_WUHAN_RIVER_COUNT];

    map_node_t *nodes;
    size_t node_count, node_cap;
    s_link_t *links;
    size_t link_count, link_cap;
    uint32_t grid_nodes; /* nodes [0, grid_nodes) are street-grid nodes; ring nodes follow */
    /* The street lattice, kept until the rings are tied to it: lattice point (i, j) lies at (x0 + i grid_m,
     * y0 + j grid_m) and its node is lattice[j * cols + i], MAP_NODE_NONE where skipped. A node's x/y differ from
     * its lattice point by at most jitter_m (the projection's round trip). */
    uint32_t *lattice;
    long cols, rows;
    double x0, y0, jitter_m;
    char *err;
    size_t errlen;
} s_build_t;

static const map_lonlat_t *s_river_points (map_wuhan_river_t river, size_t *count)
{
    if (river == MAP_WUHAN_YANGTZE) {
        *count = sizeof s_yangtze / sizeof s_yangtze[0];
        return s_yangtze;
    }
    *count = sizeof s_han / sizeof s_han[0];
    return s_han;
}

static bool s_in_extent (double lon, double lat)
{
    return lon >= s_lon_min && lon <= s_lon_max && lat >= s_lat_min && lat <= s_lat_max;
}

/* Orientation of c relative to the line a->b: >0 left, <0 right, 0 on it. */
static double s_orient (s_xy_t a, s_xy_t b, s_xy_t c)
{
    return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
}

/* True when segments p1-p2 and q1-q2 share a point (touching counts). */
static bool s_segments_meet (s_xy_t p1, s_xy_t p2, s_xy_t q1, s_xy_t q2)
{
    double d1 = s_orient (q1, q2, p1), d2 = s_orient (q1, q2, p2);
    double d3 = s_orient (p1, p2, q1), d4 = s_orient (p1, p2, q2);
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
    /* Collinear or touching cases: an endpoint lies on the other segment. */
    if (d1 == 0 && fmin (q1.x, q2.x) <= p1.x && p1.x <= fmax (q1.x, q2.x) && fmin (q1.y, q2.y) <= p1.y &&
        p1.y <= fmax (q1.y, q2.y))
        return true;
    if (d2 == 0 && fmin (q1.x, q2.x) <= p2.x && p2.x <= fmax (q1.x, q2.x) && fmin (q1.y, q2.y) <= p2.y &&
        p2.y <= fmax (q1.y, q2.y))
        return true;
    if (d3 == 0 && fmin (p1.x, p2.x) <= q1.x && q1.x <= fmax (p1.x, p2.x) && fmin (p1.y, p2.y) <= q1.y &&
        q1.y <= fmax (p1.y, p2.y))
        return true;
    if (d4 == 0 && fmin (p1.x, p2.x) <= q2.x && q2.x <= fmax (p1.x, p2.x) && fmin (p1.y, p2.y) <= q2.y &&
        q2.y <= fmax (p1.y, p2.y))
        return true;
    return false;
}

/* Closest point to p on segment a-b. */
static s_xy_t s_closest_on_segment (s_xy_t p, s_xy_t a, s_xy_t b)
{
    double dx = b.x - a.x, dy = b.y - a.y;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    return (s_xy_t){a.x + t * dx, a.y + t * dy};
}

/* Closest point to p on a river, and its distance. */
static s_xy_t s_closest_on_river (const s_build_t *b, map_wuhan_river_t river, s_xy_t p, double *dist_m)
{
    s_xy_t best = b->river[river][0];
    double best_d = INFINITY;
    for (size_t i = 0; i + 1 < b->river_count[river]; i++) {
        s_xy_t c = s_closest_on_segment (p, b->river[river][i], b->river[river][i + 1]);
        double d = hypot (c.x - p.x, c.y - p.y);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    *dist_m = best_d;
    return best;
}

/* True when p is within dist_m of either river (in the water or on its bank). */
static bool s_near_river (const s_build_t *b, s_xy_t p, double dist_m)
{
    for (int r = 0; r < MAP_WUHAN_RIVER_COUNT; r++) {
        double d;
        s_closest_on_river (b, (map_wuhan_river_t)r, p, &d);
        if (d < dist_m) return true;
    }
    return false;
}

/* True when segment p-q meets either river. */
static bool s_crosses_river (const s_build_t *b, s_xy_t p, s_xy_t q)
{
    for (int r = 0; r < MAP_WUHAN_RIVER_COUNT; r++)
        for (size_t i = 0; i + 1 < b->river_count[r]; i++)
            if (s_segments_meet (p, q, b->river[r][i], b->river[r][i + 1])) return true;
    return false;
}

static s_xy_t s_xy (const s_build_t *b, uint32_t node)
{
    return (s_xy_t){b->nodes[node].x, b->nodes[node].y};
}

/* Adds a node at projected point p if it lies inside the extent and away from the water. Its lon/lat comes from the
 * inverse projection, and x/y are then recomputed forward from that lon/lat, so a node's x/y is exactly what
 * map_proj_forward gives for its lon/lat. Returns the id, MAP_NODE_NONE when skipped, or -1 (as *failed) on error. */
static uint32_t s_add_node (s_build_t *b, s_xy_t p, bool *failed)
{
    double lon, lat, x, y;
    if (map_proj_inverse (b->proj, p.x, p.y, &lon, &lat, b->err, b->errlen))
        return MAP_NODE_NONE; /* far outside the CRS: certainly outside the extent too */
    if (!s_in_extent (lon, lat) || s_near_river (b, p, b->grid_m / 3)) return MAP_NODE_NONE;
    if (map_proj_forward (b->proj, lon, lat, &x, &y, b->err, b->errlen)) {
        *failed = true;
        return MAP_NODE_NONE;
    }
    if (b->node_count == b->node_cap) {
        size_t cap = b->node_cap ? 2 * b->node_cap : 1024;
        map_node_t *grown = realloc (b->nodes, cap * sizeof *grown);
        if (!grown) {
            snprintf (b->err, b->errlen, "embedded:wuhan: out of memory");
            *failed = true;
            return MAP_NODE_NONE;
        }
        b->nodes = grown;
        b->node_cap = cap;
    }
    b->nodes[b->node_count] = (map_node_t){.lon = lon, .lat = lat, .x = x, .y = y};
    return (uint32_t)b->node_count++;
}

/* Adds an undirected link. 0 or -1 when out of memory. */
static int s_add_link (s_build_t *b, uint32_t a, uint32_t c, map_road_class_t road_class)
{
    if (b->link_count == b->link_cap) {
        size_t cap = b->link_cap ? 2 * b->link_cap : 2048;
        s_link_t *grown = realloc (b->links, cap * sizeof *grown);
        if (!grown) {
            snprintf (b->err, b->errlen, "embedded:wuhan: out of memory");
            return -1;
        }
        b->links = grown;
        b->link_cap = cap;
    }
    b->links[b->link_count++] = (s_link_t){.a = a, .b = c, .road_class = (uint8_t)road_class};
    return 0;
}

/* True when the grid line at coordinate line_m is the one nearest to a multiple of spacing_m past phase_m: the
 * target lies in [line_m - grid_m / 2, line_m + grid_m / 2), so each target picks exactly one line. */
static bool s_line_near_multiple (double line_m, double phase_m, double spacing_m, double grid_m)
{
    double d = line_m - phase_m + grid_m / 2;
    return d - spacing_m * floor (d / spacing_m) < grid_m;
}

/* Class of the grid line at coordinate line_m (x of a north-south street, y of an east-west one); phase_m is where
 * the default grid's lines start along that axis. */
static map_road_class_t s_line_class (const s_build_t *b, double line_m, double phase_m)
{
    if (s_line_near_multiple (line_m, phase_m, S_ARTERIAL_SPACING_M, b->grid_m)) return MAP_ROAD_ARTERIAL;
    if (s_line_near_multiple (line_m, phase_m, S_SECONDARY_SPACING_M, b->grid_m)) return MAP_ROAD_SECONDARY;
    return MAP_ROAD_LOCAL;
}

/* Street grid over the projected bounding box of the extent, nodes row by row from the south-west. Leaves the lattice
 * in b (freed by the caller). 0 or -1. */
static int s_build_grid (s_build_t *b)
{
    /* The extent's outline is not a rectangle in the CRS; its corners and edge midpoints bound it closely enough
     * (nodes outside the extent are skipped anyway). */
    double min_x = INFINITY, min_y = INFINITY, max_x = -INFINITY, max_y = -INFINITY;
    for (int i = 0; i <= 2; i++)
        for (int j = 0; j <= 2; j++) {
            double lon = s_lon_min + (s_lon_max - s_lon_min) * i / 2.0;
            double lat = s_lat_min + (s_lat_max - s_lat_min) * j / 2.0;
            double x, y;
            if (map_proj_forward (b->proj, lon, lat, &x, &y, b->err, b->errlen)) return -1;
            min_x = fmin (min_x, x), max_x = fmax (max_x, x);
            min_y = fmin (min_y, y), max_y = fmax (max_y, y);
        }
    double g = b->grid_m;
    double x0 = floor (min_x / g) * g - g, y0 = floor (min_y / g) * g - g;
    long cols = (long)ceil ((max_x - x0) / g) + 2, rows = (long)ceil ((max_y - y0) / g) + 2;
    double phase_x = floor (min_x / S_CLASS_PHASE_GRID_M) * S_CLASS_PHASE_GRID_M - S_CLASS_PHASE_GRID_M;
    double phase_y = floor (min_y / S_CLASS_PHASE_GRID_M) * S_CLASS_PHASE_GRID_M - S_CLASS_PHASE_GRID_M;
    uint32_t *at = malloc ((size_t)cols * (size_t)rows * sizeof *at);
    if (!at) {
        snprintf (b->err, b->errlen, "embedded:wuhan: out of memory");
        return -1;
    }
    b->lattice = at;
    b->cols = cols;
    b->rows = rows;
    b->x0 = x0;
    b->y0 = y0;
    bool failed = false;
    for (long j = 0; j < rows && !failed; j++)
        for (long i = 0; i < cols && !failed; i++) {
            s_xy_t p = {x0 + (double)i * g, y0 + (double)j * g};
            uint32_t v = at[j * cols + i] = s_add_node (b, p, &failed);
            if (v != MAP_NODE_NONE)
                b->jitter_m = fmax (b->jitter_m, fmax (fabs (b->nodes[v].x - p.x), fabs (b->nodes[v].y - p.y)));
        }
    /* Links to the east and north neighbours, unless the street would run through a river. */
    for (long j = 0; j < rows && !failed; j++)
        for (long i = 0; i < cols && !failed; i++) {
            uint32_t v = at[j * cols + i];
            if (v == MAP_NODE_NONE) continue;
            uint32_t east = i + 1 < cols ? at[j * cols + i + 1] : MAP_NODE_NONE;
            uint32_t north = j + 1 < rows ? at[(j + 1) * cols + i] : MAP_NODE_NONE;
            if (east != MAP_NODE_NONE && !s_crosses_river (b, s_xy (b, v), s_xy (b, east)))
                failed = s_add_link (b, v, east, s_line_class (b, y0 + (double)j * g, phase_y)) != 0;
            if (!failed && north != MAP_NODE_NONE && !s_crosses_river (b, s_xy (b, v), s_xy (b, north)))
                failed = s_add_link (b, v, north, s_line_class (b, x0 + (double)i * g, phase_x)) != 0;
        }
    b->grid_nodes = (uint32_t)b->node_count;
    return failed ? -1 : 0;
}

/* Lattice index nearest to coordinate v - origin along an axis of count points, clamped into [0, count - 1]. */
static long s_lattice_index (double v, double origin, double grid_m, long count)
{
    double f = floor ((v - origin) / grid_m + 0.5);
    if (!(f >= 0)) return 0;
    if (f >= (double)count) return count - 1;
    return (long)f;
}

/* Nearest grid node to ring node v that can be reached in a straight line without crossing a river, or
 * MAP_NODE_NONE. Ties go to the lower id. Precondition: the lattice is built. Walks square rings of lattice points
 * outwards from the one nearest to v, so the cost grows with the distance to the answer, not with the grid. */
static uint32_t s_nearest_grid_node (const s_build_t *b, uint32_t v)
{
    assert (b->lattice);
    uint32_t best = MAP_NODE_NONE;
    double best_d2 = INFINITY;
    s_xy_t p = s_xy (b, v);
    double g = b->grid_m;
    long ci = s_lattice_index (p.x, b->x0, g, b->cols), cj = s_lattice_index (p.y, b->y0, g, b->rows);
    long k_max = ci;
    if (b->cols - 1 - ci > k_max) k_max = b->cols - 1 - ci;
    if (cj > k_max) k_max = cj;
    if (b->rows - 1 - cj > k_max) k_max = b->rows - 1 - cj;
    for (long k = 0; k <= k_max; k++) {
        for (long j = cj - k; j <= cj + k; j++) {
            if (j < 0 || j >= b->rows) continue;
            /* The ring's bottom and top rows whole, the rows between only at their two ends. */
            long step = (j == cj - k || j == cj + k) ? 1 : 2 * k;
            for (long i = ci - k; i <= ci + k; i += step) {
                if (i < 0 || i >= b->cols) continue;
                uint32_t u = b->lattice[j * b->cols + i];
                if (u == MAP_NODE_NONE) continue;
                double dx = b->nodes[u].x - p.x, dy = b->nodes[u].y - p.y;
                double d2 = dx * dx + dy * dy;
                if ((d2 < best_d2 || (d2 == best_d2 && u < best)) && !s_crosses_river (b, p, s_xy (b, u))) {
                    best = u;
                    best_d2 = d2;
                }
            }
        }
        /* p lies within half a step of lattice point (ci, cj) on each axis (or beyond the lattice's edge), so a
         * node k + 1 or more steps away on either axis is at least (k + 1/2) steps away, less the jitter. Stop only
         * when the best is strictly closer, so an equally distant node with a lower id cannot be missed. */
        double bound = ((double)k + 0.5) * g - b->jitter_m - 1e-6 * g;
        if (best != MAP_NODE_NONE && bound > 0 && best_d2 < bound * bound) break;
    }
    return best;
}

/* Three ring expressways, nodes about grid_m apart, counter-clockwise from due east. Each ring node is tied to the
 * street grid by an arterial link; ring stretches that would cross a river are left out. 0 or -1. */
static int s_build_rings (s_build_t *b)
{
    s_xy_t c;
    if (map_proj_forward (b->proj, s_ring_centre.lon, s_ring_centre.lat, &c.x, &c.y, b->err, b->errlen)) return -1;
    for (size_t r = 0; r < sizeof s_ring_radius_m / sizeof s_ring_radius_m[0]; r++) {
        double radius = s_ring_radius_m[r];
        size_t count = (size_t)ceil (2 * S_PI * radius / b->grid_m);
        if (count < 8) count = 8;
        uint32_t *ring = malloc (count * sizeof *ring);
        if (!ring) {
            snprintf (b->err, b->errlen, "embedded:wuhan: out of memory");
            return -1;
        }
        bool failed = false;
        for (size_t k = 0; k < count && !failed; k++) {
            double angle = 2 * S_PI * (double)k / (double)count;
            ring[k] = s_add_node (b, (s_xy_t){c.x + radius * cos (angle), c.y + radius * sin (angle)}, &failed);
        }
        for (size_t k = 0; k < count && !failed; k++) {
            uint32_t v = ring[k], next = ring[(k + 1) % count];
            if (v == MAP_NODE_NONE) continue;
            if (next != MAP_NODE_NONE && !s_crosses_river (b, s_xy (b, v), s_xy (b, next)))
                failed = s_add_link (b, v, next, MAP_ROAD_EXPRESSWAY) != 0;
            uint32_t street = s_nearest_grid_node (b, v);
            if (!failed && street != MAP_NODE_NONE) failed = s_add_link (b, v, street, MAP_ROAD_ARTERIAL) != 0;
        }
        free (ring);
        if (failed) return -1;
    }
    return 0;
}

/* Union-find root with path halving. */
static uint32_t s_root (uint32_t *parent, uint32_t v)
{
    while (parent[v] != v) {
        parent[v] = parent[parent[v]];
        v = parent[v];
    }
    return v;
}

/* Nearest node to p among nodes whose town[] equals want (or all nodes when want < 0). Ties go to the lower id. */
static uint32_t s_nearest_in (const s_build_t *b, s_xy_t p, const int *town, int want)
{
    uint32_t best = MAP_NODE_NONE;
    double best_d2 = INFINITY;
    for (uint32_t u = 0; u < b->node_count; u++) {
        if (want >= 0 && town[u] != want) continue;
        double dx = b->nodes[u].x - p.x, dy = b->nodes[u].y - p.y;
        if (dx * dx + dy * dy < best_d2) {
            best_d2 = dx * dx + dy * dy;
            best = u;
        }
    }
    return best;
}

/* Labels every node with the town of its land component (the component holding the node nearest to the town's
 * centre), drops nodes of other components (islands, scraps cut off by the rivers) and renumbers the rest in the
 * same order. On return town[v] is the town of node v. 0 or -1. */
static int s_keep_towns (s_build_t *b, int **town_p)
{
    size_t n = b->node_count;
    uint32_t *parent = malloc (n * sizeof *parent);
    int *town = malloc (n * sizeof *town);
    uint32_t *new_id = malloc (n * sizeof *new_id);
    if (!parent || !town || !new_id) {
        snprintf (b->err, b->errlen, "embedded:wuhan: out of memory");
        goto err;
    }
    for (uint32_t v = 0; v < n; v++)
        parent[v] = v;
    for (size_t l = 0; l < b->link_count; l++) {
        uint32_t ra = s_root (parent, b->links[l].a), rb = s_root (parent, b->links[l].b);
        if (ra != rb) /* the lower root wins, so the labels do not depend on link order */
            parent[ra > rb ? ra : rb] = ra < rb ? ra : rb;
    }
    uint32_t town_root[MAP_WUHAN_TOWN_COUNT];
    for (int t = 0; t < MAP_WUHAN_TOWN_COUNT; t++) {
        s_xy_t centre;
        if (map_proj_forward (b->proj, s_towns[t].centre.lon, s_towns[t].centre.lat, &centre.x, &centre.y, b->err,
                              b->errlen))
            goto err;
        uint32_t v = s_nearest_in (b, centre, NULL, -1);
        if (v == MAP_NODE_NONE) {
            snprintf (b->err, b->errlen, "embedded:wuhan: no street near %s", s_towns[t].name);
            goto err;
        }
        town_root[t] = s_root (parent, v);
        for (int u = 0; u < t; u++)
            if (town_root[u] == town_root[t]) {
                snprintf (b->err, b->errlen, "embedded:wuhan: %s and %s are not separated by the rivers",
                          s_towns[u].name, s_towns[t].name);
                goto err;
            }
    }
    uint32_t kept = 0, kept_grid = 0;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t root = s_root (parent, v);
        town[v] = -1;
        for (int t = 0; t < MAP_WUHAN_TOWN_COUNT; t++)
            if (root == town_root[t]) town[v] = t;
        new_id[v] = town[v] < 0 ? MAP_NODE_NONE : kept;
        if (town[v] >= 0) {
            b->nodes[kept] = b->nodes[v];
            town[kept] = town[v];
            kept++;
            if (v < b->grid_nodes) kept_grid++;
        }
    }
    size_t kept_links = 0;
    for (size_t l = 0; l < b->link_count; l++) {
        s_link_t link = b->links[l];
        if (new_id[link.a] == MAP_NODE_NONE) continue; /* both ends are in the same dropped component */
        assert (new_id[link.b] != MAP_NODE_NONE);
        link.a = new_id[link.a];
        link.b = new_id[link.b];
        b->links[kept_links++] = link;
    }
    b->node_count = kept;
    b->grid_nodes = kept_grid;
    b->link_count = kept_links;
    free (parent);
    free (new_id);
    *town_p = town;
    return 0;

err:
    free (parent);
    free (town);
    free (new_id);
    return -1;
}

/* Each bridge joins the nodes nearest to its crossing point on either bank. 0 or -1. */
static int s_build_bridges (s_build_t *b, const int *town)
{
    for (size_t i = 0; i < S_BRIDGE_COUNT; i++) {
        const map_wuhan_bridge_t *bridge = &s_bridges[i];
        s_xy_t p;
        if (map_proj_forward (b->proj, bridge->at.lon, bridge->at.lat, &p.x, &p.y, b->err, b->errlen)) return -1;
        double d;
        s_xy_t crossing = s_closest_on_river (b, bridge->river, p, &d);
        uint32_t a = s_nearest_in (b, crossing, town, bridge->bank_a);
        uint32_t c = s_nearest_in (b, crossing, town, bridge->bank_b);
        if (a == MAP_NODE_NONE || c == MAP_NODE_NONE) {
            snprintf (b->err, b->errlen, "embedded:wuhan: %s has no street on one bank", bridge->name);
            return -1;
        }
        if (s_add_link (b, a, c, MAP_ROAD_BRIDGE)) return -1;
    }
    return 0;
}

/* Marks every node reachable from node 0 along out-edges (forward) or in-edges (reverse); returns how many. */
static size_t s_reach (const map_graph_t *g, bool reverse, uint32_t *stack, bool *seen)
{
    size_t n = map_graph_node_count (g), top = 0, count = 1;
    memset (seen, 0, n * sizeof *seen);
    seen[0] = true;
    stack[top++] = 0;
    while (top > 0) {
        uint32_t v = stack[--top], first, end;
        if (reverse)
            map_graph_in (g, v, &first, &end);
        else
            map_graph_out (g, v, &first, &end);
        for (uint32_t i = first; i < end; i++) {
            const map_edge_t *e = map_graph_edge (g, reverse ? map_graph_in_edge (g, i) : i);
            uint32_t u = reverse ? e->from : e->to;
            if (!seen[u]) {
                seen[u] = true;
                stack[top++] = u;
                count++;
            }
        }
    }
    return count;
}

/* Checks that every node can reach every other. 0 or -1 with a message. */
static int s_check_strongly_connected (const map_graph_t *g, char *err, size_t errlen)
{
    size_t n = map_graph_node_count (g);
    uint32_t *stack = malloc (n * sizeof *stack);
    bool *seen = malloc (n * sizeof *seen);
    int rc = -1;
    if (!stack || !seen) {
        snprintf (err, errlen, "embedded:wuhan: out of memory");
    } else {
        size_t fwd = s_reach (g, false, stack, seen), rev = s_reach (g, true, stack, seen);
        if (fwd == n && rev == n)
            rc = 0;
        else
            snprintf (err, errlen, "embedded:wuhan: network is not strongly connected (%zu and %zu of %zu nodes)",
                      fwd, rev, n);
    }
    free (stack);
    free (seen);
    return rc;
}

map_graph_t *map_wuhan_build (int epsg, double grid_m, char *err, size_t errlen)
{
    if (!(grid_m >= S_GRID_MIN_M && grid_m <= S_GRID_MAX_M)) {
        snprintf (err, errlen, "embedded:wuhan: grid %g m: out of range %.0f..%.0f m", grid_m, S_GRID_MIN_M,
                  S_GRID_MAX_M);
        return NULL;
    }
    s_build_t b = {.grid_m = grid_m, .err = err, .errlen = errlen};
    map_graph_t *g = NULL;
    int *town = NULL;
    b.proj = map_proj_new (epsg, err, errlen);
    if (!b.proj) return NULL;

    for (int r = 0; r < MAP_WUHAN_RIVER_COUNT; r++) {
        const map_lonlat_t *pts = s_river_points ((map_wuhan_river_t)r, &b.river_count[r]);
        assert (b.river_count[r] <= S_MAX_RIVER_POINTS);
        for (size_t i = 0; i < b.river_count[r]; i++)
            if (map_proj_forward (b.proj, pts[i].lon, pts[i].lat, &b.river[r][i].x, &b.river[r][i].y, err, errlen))
                goto err;
    }
    if (s_build_grid (&b) || s_build_rings (&b)) goto err;
    free (b.lattice); /* its ids are renumbered from here on */
    b.lattice = NULL;
    if (s_keep_towns (&b, &town) || s_build_bridges (&b, town)) goto err;

    g = map_graph_new (epsg);
    if (!g) {
        snprintf (err, errlen, "embedded:wuhan: out of memory");
        goto err;
    }
    for (size_t v = 0; v < b.node_count; v++)
        if (map_graph_add_node (g, b.nodes[v].lon, b.nodes[v].lat, b.nodes[v].x, b.nodes[v].y) != v) {
            snprintf (err, errlen, "embedded:wuhan: out of memory");
            goto err;
        }
    for (size_t l = 0; l < b.link_count; l++) {
        const s_link_t *link = &b.links[l];
        double speed = s_speed_kmh[link->road_class];
        if (map_graph_add_edge (g, link->a, link->b, 0, speed, (map_road_class_t)link->road_class) ||
            map_graph_add_edge (g, link->b, link->a, 0, speed, (map_road_class_t)link->road_class)) {
            snprintf (err, errlen, "embedded:wuhan: out of memory");
            goto err;
        }
    }
    if (map_graph_finish (g)) {
        snprintf (err, errlen, "embedded:wuhan: out of memory");
        goto err;
    }
    if (s_check_strongly_connected (g, err, errlen)) goto err;
    free (town);
    free (b.nodes);
    free (b.links);
    map_proj_destroy (&b.proj);
    return g;

err:
    map_graph_destroy (&g);
    free (town);
    free (b.nodes);
    free (b.links);
    free (b.lattice);
    map_proj_destroy (&b.proj);
    return NULL;
}

size_t map_wuhan_bridges (const map_wuhan_bridge_t **out)
{
    *out = s_bridges;
    return S_BRIDGE_COUNT;
}

size_t map_wuhan_river (map_wuhan_river_t river, const map_lonlat_t **out)
{
    assert ((unsigned)river < MAP_WUHAN_RIVER_COUNT);
    size_t count;
    *out = s_river_points (river, &count);
    return count;
}

const map_wuhan_town_info_t *map_wuhan_town (map_wuhan_town_t town)
{
    assert ((unsigned)town < MAP_WUHAN_TOWN_COUNT);
    return &s_towns[town];
}

void map_wuhan_extent (double *lon_min, double *lat_min, double *lon_max, double *lat_max)
{
    *lon_min = s_lon_min;
    *lat_min = s_lat_min;
    *lon_max = s_lon_max;
    *lat_max = s_lat_max;
}
