/* map_route: fastest paths by free-flow time. A* for point-to-point routes, bounded Dijkstra for "who can reach this
 * node soonest" searches. All scratch space is allocated once per router; a generation stamp marks which entries
 * belong to the current query, so nothing is cleared between queries. */
#include "map_route.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#define S_CLOSED UINT32_MAX /* heap position of a settled node */

typedef struct {
    int64_t key_ms; /* Dijkstra: time from the start; A*: time + heuristic */
    uint32_t node;
} s_heap_item_t;

struct map_router_t {
    const map_graph_t *g;
    size_t n;
    double heuristic_speed_mps; /* no edge is faster than this in straight-line terms; 0 disables the heuristic */

    uint32_t generation; /* current query; stamp[v] == generation means dist/parent/pos of v are valid */
    uint32_t *stamp;
    int64_t *dist_ms;
    uint32_t *parent_edge; /* edge that reached v, MAP_NODE_NONE for the start */
    uint32_t *pos;         /* index of v in heap, or S_CLOSED once settled */

    s_heap_item_t *heap; /* binary min-heap on (key_ms, node), at most n items */
    size_t heap_size;

    uint32_t *path; /* last route, first to last */
    size_t path_count;
};

map_router_t *map_router_new (const map_graph_t *g)
{
    assert (g);
    map_router_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->g = g;
    self->n = map_graph_node_count (g);
    size_t n = self->n ? self->n : 1;
    self->stamp = calloc (n, sizeof *self->stamp);
    self->dist_ms = malloc (n * sizeof *self->dist_ms);
    self->parent_edge = malloc (n * sizeof *self->parent_edge);
    self->pos = malloc (n * sizeof *self->pos);
    self->heap = malloc (n * sizeof *self->heap);
    self->path = malloc (n * sizeof *self->path);
    if (!self->stamp || !self->dist_ms || !self->parent_edge || !self->pos || !self->heap || !self->path) {
        map_router_destroy (&self);
        return NULL;
    }
    /* The A* bound must not overestimate on any edge, including edges whose given length is shorter than the
     * straight distance between their ends: take the fastest straight-line speed any edge achieves. */
    double speed_mps = map_graph_max_speed_kmh (g) / 3.6;
    size_t m = map_graph_edge_count (g);
    for (uint32_t e = 0; e < m; e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        const map_node_t *a = map_graph_node (g, edge->from), *b = map_graph_node (g, edge->to);
        double straight_mps = hypot (b->x - a->x, b->y - a->y) * 1000.0 / (double)edge->time_ms;
        if (straight_mps > speed_mps) speed_mps = straight_mps;
    }
    self->heuristic_speed_mps = isfinite (speed_mps) ? speed_mps : 0;
    return self;
}

void map_router_destroy (map_router_t **self_p)
{
    if (!self_p || !*self_p) return;
    map_router_t *self = *self_p;
    free (self->stamp);
    free (self->dist_ms);
    free (self->parent_edge);
    free (self->pos);
    free (self->heap);
    free (self->path);
    free (self);
    *self_p = NULL;
}

/* Starts a new query: bumps the generation, and on wrap-around clears the stamps once. */
static void s_begin (map_router_t *self)
{
    self->heap_size = 0;
    self->generation++;
    if (self->generation == 0) {
        for (size_t v = 0; v < self->n; v++)
            self->stamp[v] = 0;
        self->generation = 1;
    }
}

static bool s_less (const s_heap_item_t *a, const s_heap_item_t *b)
{
    return a->key_ms < b->key_ms || (a->key_ms == b->key_ms && a->node < b->node);
}

/* Moves heap item i up until its parent is smaller, keeping pos[] in step. */
static void s_sift_up (map_router_t *self, size_t i)
{
    s_heap_item_t item = self->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!s_less (&item, &self->heap[parent])) break;
        self->heap[i] = self->heap[parent];
        self->pos[self->heap[i].node] = (uint32_t)i;
        i = parent;
    }
    self->heap[i] = item;
    self->pos[item.node] = (uint32_t)i;
}

static void s_sift_down (map_router_t *self, size_t i)
{
    s_heap_item_t item = self->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= self->heap_size) break;
        if (child + 1 < self->heap_size && s_less (&self->heap[child + 1], &self->heap[child])) child++;
        if (!s_less (&self->heap[child], &item)) break;
        self->heap[i] = self->heap[child];
        self->pos[self->heap[i].node] = (uint32_t)i;
        i = child;
    }
    self->heap[i] = item;
    self->pos[item.node] = (uint32_t)i;
}

/* Removes the smallest item and marks its node settled. Precondition: heap not empty. */
static s_heap_item_t s_pop (map_router_t *self)
{
    assert (self->heap_size > 0);
    s_heap_item_t top = self->heap[0];
    self->pos[top.node] = S_CLOSED;
    self->heap_size--;
    if (self->heap_size > 0) {
        self->heap[0] = self->heap[self->heap_size];
        s_sift_down (self, 0);
    }
    return top;
}

/* Offers node v at dist_ms through edge `via` with heap key key_ms. Settled nodes and no improvements are ignored.
 * Precondition for A*: the key is dist_ms + h(v) with a consistent h, so a settled node never improves. */
static void s_relax (map_router_t *self, uint32_t v, int64_t dist_ms, int64_t key_ms, uint32_t via)
{
    if (self->stamp[v] != self->generation) {
        self->stamp[v] = self->generation;
        self->dist_ms[v] = dist_ms;
        self->parent_edge[v] = via;
        assert (self->heap_size < self->n);
        self->heap[self->heap_size] = (s_heap_item_t){.key_ms = key_ms, .node = v};
        self->pos[v] = (uint32_t)self->heap_size++;
        s_sift_up (self, self->heap_size - 1);
        return;
    }
    if (self->pos[v] == S_CLOSED || dist_ms >= self->dist_ms[v]) return;
    self->dist_ms[v] = dist_ms;
    self->parent_edge[v] = via;
    self->heap[self->pos[v]].key_ms = key_ms;
    s_sift_up (self, self->pos[v]);
}

/* Lower bound on the time from v to target: straight distance at the fastest speed, shaved by 0.1% and floored so
 * that rounding never makes it overestimate. */
static int64_t s_heuristic_ms (const map_router_t *self, uint32_t v, const map_node_t *target)
{
    if (self->heuristic_speed_mps <= 0) return 0;
    const map_node_t *a = map_graph_node (self->g, v);
    double d_m = hypot (target->x - a->x, target->y - a->y);
    return (int64_t)floor (0.999 * d_m * 1000.0 / self->heuristic_speed_mps);
}

int map_router_route (map_router_t *self, uint32_t from, uint32_t to, map_route_t *out)
{
    assert (self && out);
    assert (from < self->n && to < self->n);
    s_begin (self);
    self->path_count = 0;
    const map_node_t *target = map_graph_node (self->g, to);
    s_relax (self, from, 0, s_heuristic_ms (self, from, target), MAP_NODE_NONE);
    bool found = false;
    while (self->heap_size > 0) {
        uint32_t u = s_pop (self).node;
        if (u == to) {
            found = true;
            break;
        }
        int64_t du = self->dist_ms[u];
        uint32_t first, end;
        map_graph_out (self->g, u, &first, &end);
        for (uint32_t e = first; e < end; e++) {
            const map_edge_t *edge = map_graph_edge (self->g, e);
            uint32_t v = edge->to;
            if (self->stamp[v] == self->generation && self->pos[v] == S_CLOSED) continue;
            int64_t dv = du + edge->time_ms;
            s_relax (self, v, dv, dv + s_heuristic_ms (self, v, target), e);
        }
    }
    if (!found) return -1;

    /* Walk the parent edges back from the target, then reverse into first-to-last order. */
    double length_m = 0;
    size_t count = 0;
    uint32_t v = to;
    self->path[count++] = v;
    while (self->parent_edge[v] != MAP_NODE_NONE) {
        const map_edge_t *edge = map_graph_edge (self->g, self->parent_edge[v]);
        length_m += edge->length_m;
        v = edge->from;
        assert (count < self->n);
        self->path[count++] = v;
    }
    for (size_t i = 0; i < count / 2; i++) {
        uint32_t swap = self->path[i];
        self->path[i] = self->path[count - 1 - i];
        self->path[count - 1 - i] = swap;
    }
    self->path_count = count;
    out->time_ms = self->dist_ms[to];
    out->length_m = length_m;
    return 0;
}

const uint32_t *map_router_path (const map_router_t *self, size_t *count)
{
    assert (self && count);
    *count = self->path_count;
    return self->path;
}

/* Bounded Dijkstra from start over the reverse graph (reverse = true) or the forward graph. Settles nodes in
 * (time, id) order: edge times are at least 1 ms, so no node can enter the heap below one already settled. */
static size_t s_search (map_router_t *self, uint32_t start, int64_t limit_ms, bool reverse, map_visit_fn *visit,
                        void *arg)
{
    assert (self && visit);
    assert (start < self->n);
    if (limit_ms < 0) return 0;
    s_begin (self);
    s_relax (self, start, 0, 0, MAP_NODE_NONE);
    size_t visited = 0;
    while (self->heap_size > 0) {
        s_heap_item_t top = s_pop (self);
        if (top.key_ms > limit_ms) break;
        visited++;
        if (visit (top.node, top.key_ms, arg)) break;
        uint32_t first, end;
        if (reverse)
            map_graph_in (self->g, top.node, &first, &end);
        else
            map_graph_out (self->g, top.node, &first, &end);
        for (uint32_t i = first; i < end; i++) {
            uint32_t e = reverse ? map_graph_in_edge (self->g, i) : i;
            const map_edge_t *edge = map_graph_edge (self->g, e);
            uint32_t v = reverse ? edge->from : edge->to;
            int64_t dv = top.key_ms + edge->time_ms;
            if (dv > limit_ms) continue;
            s_relax (self, v, dv, dv, e);
        }
    }
    return visited;
}

size_t map_router_search_to (map_router_t *self, uint32_t target, int64_t limit_ms, map_visit_fn *visit, void *arg)
{
    return s_search (self, target, limit_ms, true, visit, arg);
}

size_t map_router_search_from (map_router_t *self, uint32_t source, int64_t limit_ms, map_visit_fn *visit, void *arg)
{
    return s_search (self, source, limit_ms, false, visit, arg);
}
