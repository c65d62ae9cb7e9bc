/* map_graph: the directed road graph. Nodes and edges are collected in growable arrays, then frozen by
 * map_graph_finish into sorted edges with forward and reverse adjacency (CSR) and a uniform grid for nearest-node
 * snapping. Everything refers to nodes and edges by integer id, never by pointer, so the arrays may move. */
#include "map_graph.h"
#include "map_mem.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct map_graph_t {
    int epsg;
    bool finished;

    map_node_t *nodes;
    size_t node_count, node_cap;
    map_edge_t *edges;
    size_t edge_count, edge_cap;

    /* After finish: out-edges of node v are edges [out_first[v], out_first[v + 1]); edges sorted by (from, to). */
    uint32_t *out_first;
    /* In-edges of node v are in_edges[in_first[v] .. in_first[v + 1]), edge ids ordered by (to, from). */
    uint32_t *in_first;
    uint32_t *in_edges;

    double max_speed_kmh;
    double min_x, min_y, max_x, max_y;
    double lon_min, lat_min, lon_max, lat_max;

    /* Spatial index: cell (cx, cy) holds cell_nodes[cell_first[c] .. cell_first[c + 1]) with c = cy * cols + cx,
     * node ids ascending. The cell with index 0 starts at (min_x, min_y). */
    double cell_m;
    uint32_t cols, rows;
    uint32_t *cell_first;
    uint32_t *cell_nodes;
};

map_graph_t *map_graph_new (int epsg)
{
    map_graph_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->epsg = epsg;
    return self;
}

void map_graph_destroy (map_graph_t **self_p)
{
    if (!self_p || !*self_p) return;
    map_graph_t *self = *self_p;
    free (self->nodes);
    free (self->edges);
    free (self->out_first);
    free (self->in_first);
    free (self->in_edges);
    free (self->cell_first);
    free (self->cell_nodes);
    free (self);
    *self_p = NULL;
}

uint32_t map_graph_add_node (map_graph_t *self, double lon, double lat, double x, double y)
{
    assert (self);
    if (self->finished || self->node_count >= MAP_NODE_NONE - 1) return MAP_NODE_NONE;
    if (!isfinite (x) || !isfinite (y)) return MAP_NODE_NONE;
    if (map_mem_reserve ((void **)&self->nodes, &self->node_cap, self->node_count + 1, sizeof (map_node_t))) return MAP_NODE_NONE;
    self->nodes[self->node_count] = (map_node_t){.lon = lon, .lat = lat, .x = x, .y = y};
    return (uint32_t)self->node_count++;
}

int map_graph_add_edge (map_graph_t *self, uint32_t from, uint32_t to, double length_m, double speed_kmh,
                        map_road_class_t road_class)
{
    assert (self);
    if (self->finished || from >= self->node_count || to >= self->node_count || from == to) return -1;
    if (!(speed_kmh > 0) || !isfinite (speed_kmh) || (unsigned)road_class >= MAP_ROAD_CLASS_COUNT) return -1;
    if (isinf (length_m) || self->edge_count >= MAP_NODE_NONE - 1) return -1;
    if (!(length_m > 0)) {
        /* Straight distance; never zero so every edge has a positive length and time. */
        length_m = hypot (self->nodes[to].x - self->nodes[from].x, self->nodes[to].y - self->nodes[from].y);
        if (length_m < 0.1) length_m = 0.1;
    }
    double time_ms = ceil (length_m / (speed_kmh / 3.6) * 1000.0);
    if (!(time_ms < 1e15)) return -1;
    return map_graph_restore_edge (self, &(map_edge_t){
                                             .from = from,
                                             .to = to,
                                             .length_m = length_m,
                                             .time_ms = time_ms < 1 ? 1 : (int64_t)time_ms,
                                             .speed_kmh = (float)speed_kmh,
                                             .road_class = (uint8_t)road_class,
                                         });
}

int map_graph_restore_edge (map_graph_t *self, const map_edge_t *edge)
{
    assert (self && edge);
    if (self->finished || edge->from >= self->node_count || edge->to >= self->node_count || edge->from == edge->to)
        return -1;
    if (!(edge->length_m > 0) || !isfinite (edge->length_m) || !(edge->speed_kmh > 0) || !isfinite (edge->speed_kmh))
        return -1;
    if (edge->time_ms < 1 || edge->time_ms >= (int64_t)1e15 || edge->road_class >= MAP_ROAD_CLASS_COUNT) return -1;
    if (self->edge_count >= MAP_NODE_NONE - 1) return -1;
    if (map_mem_reserve ((void **)&self->edges, &self->edge_cap, self->edge_count + 1, sizeof (map_edge_t))) return -1;
    self->edges[self->edge_count++] = *edge;
    return 0;
}

/* Edge order used by finish: (from, to, time_ms). Equal keys keep insertion order (the sort is stable). */
static int s_edge_cmp (const map_edge_t *a, const map_edge_t *b)
{
    if (a->from != b->from) return a->from < b->from ? -1 : 1;
    if (a->to != b->to) return a->to < b->to ? -1 : 1;
    if (a->time_ms != b->time_ms) return a->time_ms < b->time_ms ? -1 : 1;
    return 0;
}

/* Stable bottom-up merge sort of edges[0..n) using tmp (n items). qsort is not stable, and a stable order makes the
 * surviving duplicate independent of the C library. */
static void s_sort_edges (map_edge_t *edges, map_edge_t *tmp, size_t n)
{
    map_edge_t *src = edges, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = s_edge_cmp (&src[j], &src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        map_edge_t *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != edges) memcpy (edges, src, n * sizeof *edges);
}

/* Cell index along one axis for coordinate v, clamped into [0, count - 1]. Precondition: finished index. */
static uint32_t s_cell_of (double v, double origin, double cell_m, uint32_t count)
{
    double c = floor ((v - origin) / cell_m);
    if (!(c >= 0)) return 0;
    if (c >= count) return count - 1;
    return (uint32_t)c;
}

/* Builds the uniform grid over the node bounds. Cells are about twice the mean node spacing, so a cell holds about
 * four nodes. */
static int s_build_index (map_graph_t *self)
{
    size_t n = self->node_count;
    double w = self->max_x - self->min_x, h = self->max_y - self->min_y;
    double cell = w * h > 0 ? sqrt (w * h / (double)n) * 2.0 : fmax (w, h) / (double)n * 2.0;
    if (!(cell > 0)) cell = 1.0;
    double cols, rows;
    for (;;) {
        cols = floor (w / cell) + 1;
        rows = floor (h / cell) + 1;
        if (cols * rows <= 4.0 * (double)n + 64) break;
        cell *= 2; /* very elongated extents: keep the cell count proportional to the node count */
    }
    self->cell_m = cell;
    self->cols = (uint32_t)cols;
    self->rows = (uint32_t)rows;
    size_t cells = (size_t)self->cols * self->rows;
    self->cell_first = calloc (cells + 1, sizeof (uint32_t));
    self->cell_nodes = malloc (n * sizeof (uint32_t));
    if (!self->cell_first || !self->cell_nodes) return -1;
    /* Counting sort of node ids by cell; visiting ids in order keeps each cell's list ascending. */
    for (size_t v = 0; v < n; v++) {
        uint32_t cx = s_cell_of (self->nodes[v].x, self->min_x, cell, self->cols);
        uint32_t cy = s_cell_of (self->nodes[v].y, self->min_y, cell, self->rows);
        self->cell_first[(size_t)cy * self->cols + cx + 1]++;
    }
    for (size_t c = 0; c < cells; c++)
        self->cell_first[c + 1] += self->cell_first[c];
    uint32_t *fill = malloc ((cells + 1) * sizeof (uint32_t));
    if (!fill) return -1;
    memcpy (fill, self->cell_first, (cells + 1) * sizeof (uint32_t));
    for (size_t v = 0; v < n; v++) {
        uint32_t cx = s_cell_of (self->nodes[v].x, self->min_x, cell, self->cols);
        uint32_t cy = s_cell_of (self->nodes[v].y, self->min_y, cell, self->rows);
        self->cell_nodes[fill[(size_t)cy * self->cols + cx]++] = (uint32_t)v;
    }
    free (fill);
    return 0;
}

int map_graph_finish (map_graph_t *self)
{
    assert (self);
    if (self->finished) return 0;
    size_t n = self->node_count;
    if (n == 0) return -1;

    /* Sort, then keep the first (fastest) edge of every (from, to) run. */
    if (self->edge_count > 1) {
        map_edge_t *tmp = malloc (self->edge_count * sizeof *tmp);
        if (!tmp) return -1;
        s_sort_edges (self->edges, tmp, self->edge_count);
        free (tmp);
    }
    size_t kept = 0;
    for (size_t i = 0; i < self->edge_count; i++) {
        if (kept > 0 && self->edges[kept - 1].from == self->edges[i].from &&
            self->edges[kept - 1].to == self->edges[i].to)
            continue;
        self->edges[kept++] = self->edges[i];
    }
    self->edge_count = kept;
    size_t m = kept;

    self->out_first = calloc (n + 1, sizeof (uint32_t));
    self->in_first = calloc (n + 1, sizeof (uint32_t));
    self->in_edges = malloc ((m ? m : 1) * sizeof (uint32_t));
    if (!self->out_first || !self->in_first || !self->in_edges) goto err;
    self->max_speed_kmh = 0;
    for (size_t e = 0; e < m; e++) {
        self->out_first[self->edges[e].from + 1]++;
        self->in_first[self->edges[e].to + 1]++;
        if (self->edges[e].speed_kmh > self->max_speed_kmh) self->max_speed_kmh = self->edges[e].speed_kmh;
    }
    for (size_t v = 0; v < n; v++) {
        self->out_first[v + 1] += self->out_first[v];
        self->in_first[v + 1] += self->in_first[v];
    }
    /* Edges are in (from, to) order, so filling buckets by `to` in edge order sorts each bucket by `from`. */
    uint32_t *fill = malloc (n * sizeof (uint32_t));
    if (!fill) goto err;
    memcpy (fill, self->in_first, n * sizeof (uint32_t));
    for (size_t e = 0; e < m; e++)
        self->in_edges[fill[self->edges[e].to]++] = (uint32_t)e;
    free (fill);

    self->min_x = self->max_x = self->nodes[0].x;
    self->min_y = self->max_y = self->nodes[0].y;
    self->lon_min = self->lon_max = self->nodes[0].lon;
    self->lat_min = self->lat_max = self->nodes[0].lat;
    for (size_t v = 1; v < n; v++) {
        self->min_x = fmin (self->min_x, self->nodes[v].x);
        self->max_x = fmax (self->max_x, self->nodes[v].x);
        self->min_y = fmin (self->min_y, self->nodes[v].y);
        self->max_y = fmax (self->max_y, self->nodes[v].y);
        self->lon_min = fmin (self->lon_min, self->nodes[v].lon);
        self->lon_max = fmax (self->lon_max, self->nodes[v].lon);
        self->lat_min = fmin (self->lat_min, self->nodes[v].lat);
        self->lat_max = fmax (self->lat_max, self->nodes[v].lat);
    }
    if (s_build_index (self)) goto err;
    self->finished = true;
    return 0;

err:
    /* Leave the builder usable: drop the half-built indexes (edges stay sorted and deduplicated, which is harmless).
     */
    free (self->out_first);
    free (self->in_first);
    free (self->in_edges);
    free (self->cell_first);
    free (self->cell_nodes);
    self->out_first = self->in_first = self->in_edges = self->cell_first = self->cell_nodes = NULL;
    return -1;
}

size_t map_graph_node_count (const map_graph_t *self)
{
    assert (self);
    return self->node_count;
}

size_t map_graph_edge_count (const map_graph_t *self)
{
    assert (self);
    return self->edge_count;
}

int map_graph_epsg (const map_graph_t *self)
{
    assert (self);
    return self->epsg;
}

const map_node_t *map_graph_node (const map_graph_t *self, uint32_t node)
{
    assert (self && node < self->node_count);
    return &self->nodes[node];
}

const map_edge_t *map_graph_edge (const map_graph_t *self, uint32_t edge)
{
    assert (self && edge < self->edge_count);
    return &self->edges[edge];
}

void map_graph_out (const map_graph_t *self, uint32_t node, uint32_t *first, uint32_t *end)
{
    assert (self && self->finished && node < self->node_count);
    *first = self->out_first[node];
    *end = self->out_first[node + 1];
}

void map_graph_in (const map_graph_t *self, uint32_t node, uint32_t *first, uint32_t *end)
{
    assert (self && self->finished && node < self->node_count);
    *first = self->in_first[node];
    *end = self->in_first[node + 1];
}

uint32_t map_graph_in_edge (const map_graph_t *self, uint32_t i)
{
    assert (self && self->finished && i < self->edge_count);
    return self->in_edges[i];
}

/* Squared distance from (x, y) to node v. */
static double s_dist2 (const map_graph_t *self, uint32_t v, double x, double y)
{
    double dx = self->nodes[v].x - x, dy = self->nodes[v].y - y;
    return dx * dx + dy * dy;
}

/* Updates (*best, *best_d2) with the nodes of cell (cx, cy); ties go to the lower id. */
static void s_scan_cell (const map_graph_t *self, uint32_t cx, uint32_t cy, double x, double y, uint32_t *best,
                         double *best_d2)
{
    size_t c = (size_t)cy * self->cols + cx;
    for (uint32_t i = self->cell_first[c]; i < self->cell_first[c + 1]; i++) {
        uint32_t v = self->cell_nodes[i];
        double d2 = s_dist2 (self, v, x, y);
        if (d2 < *best_d2 || (d2 == *best_d2 && v < *best)) {
            *best = v;
            *best_d2 = d2;
        }
    }
}

uint32_t map_graph_nearest (const map_graph_t *self, double x, double y)
{
    return map_graph_nearest_within (self, x, y, INFINITY);
}

uint32_t map_graph_nearest_within (const map_graph_t *self, double x, double y, double max_m)
{
    assert (self && self->finished);
    if (self->node_count == 0 || isnan (x) || isnan (y) || !(max_m >= 0)) return MAP_NODE_NONE;
    uint32_t best = MAP_NODE_NONE;
    double best_d2 = INFINITY;
    /* Farther than max_m from the whole bounding box: no node can be within reach. */
    double out_x = fmax (fmax (self->min_x - x, x - self->max_x), 0);
    double out_y = fmax (fmax (self->min_y - y, y - self->max_y), 0);
    if (out_x * out_x + out_y * out_y > max_m * max_m) return MAP_NODE_NONE;

    /* Cell coordinates of the query point, possibly outside the grid. */
    double fcx = floor ((x - self->min_x) / self->cell_m);
    double fcy = floor ((y - self->min_y) / self->cell_m);
    double far = 4.0 * ((double)self->cols + self->rows) + 16;
    if (!(fabs (fcx) < far + self->cols) || !(fabs (fcy) < far + self->rows)) {
        /* Far away from the whole network: every node is about equally far, scan them all. */
        for (uint32_t v = 0; v < self->node_count; v++) {
            double d2 = s_dist2 (self, v, x, y);
            if (d2 < best_d2) {
                best = v;
                best_d2 = d2;
            }
        }
        return best_d2 <= max_m * max_m ? best : MAP_NODE_NONE;
    }
    int64_t cx = (int64_t)fcx, cy = (int64_t)fcy;
    int64_t cols = self->cols, rows = self->rows;
    /* First ring that touches the grid, and the ring that covers all of it. */
    int64_t k0 = cx < 0 ? -cx : (cx >= cols ? cx - (cols - 1) : 0);
    int64_t ky = cy < 0 ? -cy : (cy >= rows ? cy - (rows - 1) : 0);
    if (ky > k0) k0 = ky;
    int64_t k_max = cx > cols - 1 - cx ? cx : cols - 1 - cx;
    if (cy > k_max) k_max = cy;
    if (rows - 1 - cy > k_max) k_max = rows - 1 - cy;

    for (int64_t k = k0; k <= k_max; k++) {
        int64_t x_lo = cx - k < 0 ? 0 : cx - k, x_hi = cx + k > cols - 1 ? cols - 1 : cx + k;
        int64_t y_lo = cy - k < 0 ? 0 : cy - k, y_hi = cy + k > rows - 1 ? rows - 1 : cy + k;
        /* Bottom and top rows of the ring, then its left and right columns without the corners. */
        if (cy - k >= 0 && cy - k < rows)
            for (int64_t i = x_lo; i <= x_hi; i++)
                s_scan_cell (self, (uint32_t)i, (uint32_t)(cy - k), x, y, &best, &best_d2);
        if (k > 0 && cy + k >= 0 && cy + k < rows)
            for (int64_t i = x_lo; i <= x_hi; i++)
                s_scan_cell (self, (uint32_t)i, (uint32_t)(cy + k), x, y, &best, &best_d2);
        for (int64_t j = y_lo; j <= y_hi; j++) {
            if (j == cy - k || j == cy + k) continue;
            if (cx - k >= 0 && cx - k < cols)
                s_scan_cell (self, (uint32_t)(cx - k), (uint32_t)j, x, y, &best, &best_d2);
            if (k > 0 && cx + k >= 0 && cx + k < cols)
                s_scan_cell (self, (uint32_t)(cx + k), (uint32_t)j, x, y, &best, &best_d2);
        }
        /* Any node in ring k + 1 differs from the query by at least k whole cells along one axis. Stop only when
         * the best is strictly closer, so an equally distant node with a lower id cannot be missed. */
        double ring_min = (double)k * self->cell_m;
        if (best != MAP_NODE_NONE && best_d2 < ring_min * ring_min) break;
        if (ring_min > max_m) break; /* every node not yet seen is farther than max_m */
    }
    return best != MAP_NODE_NONE && best_d2 <= max_m * max_m ? best : MAP_NODE_NONE;
}

double map_graph_max_speed_kmh (const map_graph_t *self)
{
    assert (self && self->finished);
    return self->max_speed_kmh;
}

void map_graph_bounds (const map_graph_t *self, double *min_x, double *min_y, double *max_x, double *max_y)
{
    assert (self && self->finished);
    *min_x = self->min_x;
    *min_y = self->min_y;
    *max_x = self->max_x;
    *max_y = self->max_y;
}

/* FNV-1a 64 over n raw bytes. */
static uint64_t s_fnv (uint64_t hash, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        hash ^= p[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

uint64_t map_graph_fingerprint (const map_graph_t *self)
{
    assert (self);
    uint64_t hash = 0xcbf29ce484222325ULL;
    int32_t epsg = self->epsg;
    uint64_t count = self->node_count;
    hash = s_fnv (hash, &epsg, sizeof epsg);
    hash = s_fnv (hash, &count, sizeof count);
    for (size_t v = 0; v < self->node_count; v++) {
        hash = s_fnv (hash, &self->nodes[v].x, sizeof (double));
        hash = s_fnv (hash, &self->nodes[v].y, sizeof (double));
    }
    for (size_t e = 0; e < self->edge_count; e++) {
        const map_edge_t *edge = &self->edges[e];
        hash = s_fnv (hash, &edge->from, sizeof edge->from);
        hash = s_fnv (hash, &edge->to, sizeof edge->to);
        hash = s_fnv (hash, &edge->time_ms, sizeof edge->time_ms);
        hash = s_fnv (hash, &edge->road_class, sizeof edge->road_class);
        hash = s_fnv (hash, &edge->length_m, sizeof edge->length_m);
    }
    return hash;
}

void map_graph_lonlat_bounds (const map_graph_t *self, double *lon_min, double *lat_min, double *lon_max,
                              double *lat_max)
{
    assert (self && self->finished);
    *lon_min = self->lon_min;
    *lat_min = self->lat_min;
    *lon_max = self->lon_max;
    *lat_max = self->lat_max;
}

uint32_t map_graph_find_edge (const map_graph_t *self, uint32_t from, uint32_t to)
{
    assert (self && self->finished && from < self->node_count);
    /* Out-edges are sorted by target: binary search. */
    uint32_t lo = self->out_first[from], end = self->out_first[from + 1], hi = end;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (self->edges[mid].to < to) lo = mid + 1;
        else hi = mid;
    }
    return lo < end && self->edges[lo].to == to ? lo : MAP_EDGE_NONE;
}

int map_graph_is_twin (const map_graph_t *self, uint32_t edge)
{
    assert (self && edge < self->edge_count);
    const map_edge_t *e = &self->edges[edge];
    return e->from > e->to && map_graph_find_edge (self, e->to, e->from) != MAP_EDGE_NONE;
}

double map_graph_road_km (const map_graph_t *self)
{
    assert (self && self->finished);
    double metres = 0;
    for (uint32_t e = 0; e < self->edge_count; e++)
        if (!map_graph_is_twin (self, e)) metres += self->edges[e].length_m;
    return metres / 1000.0;
}

const char *map_road_class_name (map_road_class_t road_class)
{
    static const char *const names[MAP_ROAD_CLASS_COUNT] = {
        [MAP_ROAD_EXPRESSWAY] = "expressway", [MAP_ROAD_ARTERIAL] = "arterial", [MAP_ROAD_SECONDARY] = "secondary",
        [MAP_ROAD_LOCAL] = "local",           [MAP_ROAD_BRIDGE] = "bridge",
    };
    if ((unsigned)road_class >= MAP_ROAD_CLASS_COUNT) return "unknown";
    return names[road_class];
}
