/* map_ch_search: the hierarchy's layout and the upward search every query runs, shared by map_ch.c (build, storage,
 * point-to-point, many-to-one and tables) and map_ch_sources.c (standing sources and watches). Private to maps/:
 * nothing outside the folder includes it. */
#ifndef MAP_CH_SEARCH_H
#define MAP_CH_SEARCH_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "map_graph.h"

#define S_NONE           UINT32_MAX       /* no node, no arc */
#define S_SETTLED        UINT32_MAX       /* heap position of a node settled with a label worth using */
#define S_STALLED        (UINT32_MAX - 1) /* heap position of a node settled but stalled (its label is beaten) */

/* ---- the hierarchy --------------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t head;     /* rank of the other end, always above the rank that owns the arc */
    uint32_t mid;      /* rank of the node a shortcut bypasses (below both ends), S_NONE for a graph edge */
    int64_t weight_ms; /* free-flow time of the path the arc stands for */
} s_arc_t;

/* An arc as searches read it: half the size, so twice as many fit in cache. Filled from the full arcs by s_check. */
typedef struct {
    uint32_t head;
    uint32_t weight_ms;
} s_qarc_t;

struct map_ch_t {
    const map_graph_t *g;
    uint32_t n;
    uint32_t *rank; /* graph node -> rank; rank 0 was contracted first */
    uint32_t *node; /* rank -> graph node */
    /* Arcs r -> head (head above r) are fwd[fwd_first[r] .. fwd_first[r + 1]); arcs head -> r (head above r) are
     * bwd[bwd_first[r] .. bwd_first[r + 1]). Both sorted by head, at most one arc per pair and direction. A
     * shortcut a -> b through m is the arc a -> m (in bwd at m, head a) followed by m -> b (in fwd at m, head b). */
    uint32_t *fwd_first, *bwd_first;
    s_arc_t *fwd, *bwd;
    s_qarc_t *qfwd, *qbwd; /* the same arcs, compact, for searches */
    double *fwd_length_m, *bwd_length_m; /* length of the path each arc stands for */
    size_t fwd_count, bwd_count;
    size_t shortcuts;
};

/* ---- labels and a binary min-heap on (key, node), shared by every search here ---------------------------------- */

typedef struct {
    uint32_t stamp; /* == the search's generation: pos and dist_ms belong to the current search */
    uint32_t pos;   /* heap index while queued, S_SETTLED or S_STALLED after */
    int64_t dist_ms;
} s_label_t; /* one cache access per node touched */

typedef struct {
    int64_t key;
    uint32_t node;
} s_item_t;

static inline bool s_item_less (s_item_t a, s_item_t b)
{
    return a.key < b.key || (a.key == b.key && a.node < b.node);
}

static inline void s_heap_up (s_item_t *heap, s_label_t *label, size_t i)
{
    s_item_t item = heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!s_item_less (item, heap[parent])) break;
        heap[i] = heap[parent];
        label[heap[i].node].pos = (uint32_t)i;
        i = parent;
    }
    heap[i] = item;
    label[item.node].pos = (uint32_t)i;
}

static inline void s_heap_down (s_item_t *heap, s_label_t *label, size_t size, size_t i)
{
    s_item_t item = heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && s_item_less (heap[child + 1], heap[child])) child++;
        if (!s_item_less (heap[child], item)) break;
        heap[i] = heap[child];
        label[heap[i].node].pos = (uint32_t)i;
        i = child;
    }
    heap[i] = item;
    label[item.node].pos = (uint32_t)i;
}

/* Removes the smallest item; the pos of its node is left for the caller to set. Precondition: *size > 0. */
static inline s_item_t s_heap_pop (s_item_t *heap, s_label_t *label, size_t *size)
{
    assert (*size > 0);
    s_item_t top = heap[0];
    if (--*size > 0) {
        heap[0] = heap[*size];
        s_heap_down (heap, label, *size, 0);
    }
    return top;
}

/* ---- one Dijkstra search, stamped so that a new search costs nothing ------------------------------------------- */

typedef struct {
    uint32_t generation;
    s_label_t *label;
    uint32_t *pred;     /* only for searches that keep their tree (else NULL): node v was reached from */
    uint32_t *pred_arc; /* and the index of that arc in fwd or bwd */
    s_item_t *heap;     /* at most n items: each node is queued once */
    size_t heap_size;
    size_t n;
} s_side_t;

static inline void s_side_free (s_side_t *s)
{
    free (s->label);
    free (s->pred);
    free (s->pred_arc);
    free (s->heap);
    memset (s, 0, sizeof *s);
}

/* Allocates labels for n nodes (with a tree when `tree`). 0 or -1 (out of memory; s is then empty). Large arrays
 * come from malloc or calloc untouched, so the pages a search never reaches cost no memory. */
static inline int s_side_init (s_side_t *s, size_t n, bool tree)
{
    memset (s, 0, sizeof *s);
    size_t cap = n ? n : 1;
    s->n = n;
    s->label = calloc (cap, sizeof *s->label);
    s->heap = malloc (cap * sizeof *s->heap);
    if (tree) {
        s->pred = malloc (cap * sizeof *s->pred);
        s->pred_arc = malloc (cap * sizeof *s->pred_arc);
    }
    if (!s->label || !s->heap || (tree && (!s->pred || !s->pred_arc))) {
        s_side_free (s);
        return -1;
    }
    return 0;
}

/* Starts a new search: a new generation (stamps cleared once on wrap-around) and an empty heap. */
static inline void s_side_begin (s_side_t *s)
{
    s->heap_size = 0;
    if (++s->generation == 0) {
        for (size_t v = 0; v < s->n; v++)
            s->label[v].stamp = 0;
        s->generation = 1;
    }
}

static inline bool s_side_reached (const s_side_t *s, uint32_t v)
{
    return s->label[v].stamp == s->generation;
}

/* Offers v at dist_ms. Returns true when that is new or better than its queued label (the caller then records the
 * tree); settled nodes are never changed. */
static inline bool s_side_offer (s_side_t *s, uint32_t v, int64_t dist_ms)
{
    s_label_t *l = &s->label[v];
    if (l->stamp != s->generation) {
        l->stamp = s->generation;
        l->dist_ms = dist_ms;
        assert (s->heap_size < s->n);
        s->heap[s->heap_size] = (s_item_t){.key = dist_ms, .node = v};
        s_heap_up (s->heap, s->label, s->heap_size++);
        return true;
    }
    if (l->pos >= S_STALLED || dist_ms >= l->dist_ms) return false;
    l->dist_ms = dist_ms;
    s->heap[l->pos].key = dist_ms;
    s_heap_up (s->heap, s->label, l->pos);
    return true;
}

/* Settles the smallest queued node and returns it. Precondition: heap not empty. */
static inline uint32_t s_side_pop (s_side_t *s)
{
    uint32_t v = s_heap_pop (s->heap, s->label, &s->heap_size).node;
    s->label[v].pos = S_SETTLED;
    return v;
}

/* One step of an upward search: settles the next node and relaxes its arcs (first/arcs: fwd for a forward search,
 * bwd for a backward one), leaving out labels past cut_ms (a search that stops there never needs them). Stall-on-demand: when an arc of the opposite kind (ofirst/oarcs) enters the node from a
 * reached node above with a shorter total, the node's label is not its distance, so it is marked S_STALLED and its
 * arcs are left alone; no shortest up-path runs through such a node. Returns the node settled. */
static inline uint32_t s_step (s_side_t *s, const uint32_t *first, const s_qarc_t *arcs, const uint32_t *ofirst,
                        const s_qarc_t *oarcs, int64_t cut_ms)
{
    uint32_t v = s_side_pop (s);
    int64_t dv = s->label[v].dist_ms;
    for (uint32_t i = ofirst[v], end = ofirst[v + 1]; i < end; i++) {
        const s_label_t *w = &s->label[oarcs[i].head];
        if (w->stamp == s->generation && w->dist_ms + oarcs[i].weight_ms < dv) {
            s->label[v].pos = S_STALLED;
            return v;
        }
    }
    for (uint32_t i = first[v], end = first[v + 1]; i < end; i++) {
        uint32_t w = arcs[i].head;
        int64_t dw = dv + arcs[i].weight_ms;
        if (dw > cut_ms) continue;
        if (s_side_offer (s, w, dw) && s->pred) {
            s->pred[w] = v;
            s->pred_arc[w] = i;
        }
    }
    return v;
}

#endif
