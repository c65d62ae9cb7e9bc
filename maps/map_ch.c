/* map_ch: contraction hierarchies. Nodes are contracted one at a time, in order of a lazily updated priority (arcs
 * added per arc removed, contracted neighbours, level); witness searches bounded by settled nodes decide which
 * shortcuts are needed; the result is kept as two compact arc arrays numbered by rank: arcs going up from a node,
 * and arcs coming down into it from above. Queries are Dijkstra searches that only climb (stall-on-demand prunes
 * labels that a higher node beats); tables use buckets. Scratch space belongs to the query object and is stamped
 * per search, so nothing is cleared between queries. Single-threaded and deterministic: ties are broken by node id
 * and nothing depends on addresses or time. */
#include "map_ch.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "map_ch_search.h"
#include "map_error.h"

#define S_FORMAT         1u               /* version of the stored layout */
#define S_MAGIC          0x48435452u      /* "RTCH" little-endian */
#define S_END_MAGIC      0x52544348u      /* "HCTR" */
#define S_MAX_ARCS       (UINT32_MAX - 2) /* of each kind, so that arc indices stay clear of S_NONE */
#define S_IO_CHUNK       4096             /* items per block when saving and loading arrays */
#define S_PROGRESS_STEPS 100

/* Witness searches give up after settling this many nodes (then a shortcut is added, which is always safe). */
#define S_WITNESS_LIMIT 500

/* ---- checking and finishing a hierarchy (after a build, and on every load) ------------------------------------- */

/* Index of the arc at rank r with the given head in first/arcs (sorted by head), or S_NONE. */
static uint32_t s_find_arc (const uint32_t *first, const s_arc_t *arcs, uint32_t r, uint32_t head)
{
    uint32_t lo = first[r], hi = first[r + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (arcs[mid].head < head)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < first[r + 1] && arcs[lo].head == head ? lo : S_NONE;
}

/* The graph edge from -> to, or S_NONE. The graph keeps one edge per ordered pair. */
static uint32_t s_graph_edge (const map_graph_t *g, uint32_t from, uint32_t to)
{
    uint32_t first, end;
    map_graph_out (g, from, &first, &end);
    for (uint32_t e = first; e < end; e++)
        if (map_graph_edge (g, e)->to == to) return e;
    return S_NONE;
}

/* Checks one arc between ranks a -> b (real direction) stored at rank r, and sets *length_m to the length of the
 * path it stands for. Arcs below r are already checked, so a shortcut's halves have their lengths. */
static int s_check_arc (const map_ch_t *ch, const s_arc_t *arc, uint32_t a, uint32_t b, uint32_t r, double *length_m,
                        char *err, size_t errlen)
{
    if (arc->weight_ms < 1)
        return map_error (err, errlen, "arc %u -> %u has time %lld", a, b, (long long)arc->weight_ms);
    if (arc->mid == S_NONE) {
        uint32_t e = s_graph_edge (ch->g, ch->node[a], ch->node[b]);
        if (e == S_NONE || map_graph_edge (ch->g, e)->time_ms != arc->weight_ms)
            return map_error (err, errlen, "arc %u -> %u is not a road of the graph", a, b);
        *length_m = map_graph_edge (ch->g, e)->length_m;
        return 0;
    }
    uint32_t m = arc->mid;
    if (m >= r) return map_error (err, errlen, "shortcut %u -> %u bypasses rank %u, not below both ends", a, b, m);
    uint32_t in = s_find_arc (ch->bwd_first, ch->bwd, m, a), out = s_find_arc (ch->fwd_first, ch->fwd, m, b);
    if (in == S_NONE || out == S_NONE)
        return map_error (err, errlen, "shortcut %u -> %u through %u has no halves", a, b, m);
    int64_t wa = ch->bwd[in].weight_ms, wb = ch->fwd[out].weight_ms;
    if (wa > INT64_MAX - wb || wa + wb != arc->weight_ms)
        return map_error (err, errlen, "shortcut %u -> %u: time %lld is not the sum of its halves", a, b,
                          (long long)arc->weight_ms);
    *length_m = ch->bwd_length_m[in] + ch->fwd_length_m[out];
    return 0;
}

/* Checks the arc arrays of ch (ranks and node ids already a permutation, first[] arrays consistent with the counts)
 * against its graph: arcs go up, heads ascend, graph-edge arcs are edges with their times, shortcuts are the sum of
 * two arcs below, and every edge of the graph is covered by an arc at most as slow. Fills the lengths and the
 * shortcut count. 0 or -1 with a message. */
static int s_check (map_ch_t *ch, char *err, size_t errlen)
{
    ch->shortcuts = 0;
    for (uint32_t r = 0; r < ch->n; r++) {
        for (int side = 0; side < 2; side++) {
            const uint32_t *first = side ? ch->bwd_first : ch->fwd_first;
            const s_arc_t *arcs = side ? ch->bwd : ch->fwd;
            double *lengths = side ? ch->bwd_length_m : ch->fwd_length_m;
            s_qarc_t *qarcs = side ? ch->qbwd : ch->qfwd;
            for (uint32_t i = first[r]; i < first[r + 1]; i++) {
                uint32_t h = arcs[i].head;
                if (h <= r || h >= ch->n || (i > first[r] && arcs[i - 1].head >= h))
                    return map_error (err, errlen, "arc %u of rank %u: head %u out of order", i, r, h);
                if (arcs[i].weight_ms < 0 || arcs[i].weight_ms > (int64_t)UINT32_MAX)
                    return map_error (err, errlen, "arc %u of rank %u: %lld ms is not a time a search can hold", i, r,
                                      (long long)arcs[i].weight_ms);
                qarcs[i] = (s_qarc_t){.head = h, .weight_ms = (uint32_t)arcs[i].weight_ms};
                if (s_check_arc (ch, &arcs[i], side ? h : r, side ? r : h, r, &lengths[i], err, errlen) < 0)
                    return -1;
                if (arcs[i].mid != S_NONE) ch->shortcuts++;
            }
        }
    }
    size_t m = map_graph_edge_count (ch->g);
    for (uint32_t e = 0; e < m; e++) {
        const map_edge_t *edge = map_graph_edge (ch->g, e);
        uint32_t a = ch->rank[edge->from], b = ch->rank[edge->to];
        uint32_t i = a < b ? s_find_arc (ch->fwd_first, ch->fwd, a, b) : s_find_arc (ch->bwd_first, ch->bwd, b, a);
        const s_arc_t *arc = i == S_NONE ? NULL : a < b ? &ch->fwd[i] : &ch->bwd[i];
        if (!arc || arc->weight_ms > edge->time_ms)
            return map_error (err, errlen, "road %u -> %u is missing from the hierarchy", edge->from, edge->to);
    }
    return 0;
}

/* A hierarchy shell for g with rank tables and first[] arrays allocated (arcs not yet). NULL when out of memory. */
static map_ch_t *s_ch_new (const map_graph_t *g)
{
    map_ch_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->g = g;
    self->n = (uint32_t)map_graph_node_count (g);
    size_t n = self->n;
    self->rank = malloc ((n ? n : 1) * sizeof *self->rank);
    self->node = malloc ((n ? n : 1) * sizeof *self->node);
    self->fwd_first = calloc (n + 1, sizeof *self->fwd_first);
    self->bwd_first = calloc (n + 1, sizeof *self->bwd_first);
    if (!self->rank || !self->node || !self->fwd_first || !self->bwd_first) map_ch_destroy (&self);
    return self;
}

/* Allocates the length arrays for fwd_count and bwd_count arcs, and one-item arc arrays where there are no arcs
 * (so that no array is NULL). 0 or -1. */
static int s_alloc_lengths (map_ch_t *ch)
{
    size_t f = ch->fwd_count ? ch->fwd_count : 1, b = ch->bwd_count ? ch->bwd_count : 1;
    if (!ch->fwd) ch->fwd = malloc (sizeof *ch->fwd);
    if (!ch->bwd) ch->bwd = malloc (sizeof *ch->bwd);
    ch->fwd_length_m = malloc (f * sizeof *ch->fwd_length_m);
    ch->bwd_length_m = malloc (b * sizeof *ch->bwd_length_m);
    ch->qfwd = malloc (f * sizeof *ch->qfwd);
    ch->qbwd = malloc (b * sizeof *ch->qbwd);
    return ch->fwd && ch->bwd && ch->fwd_length_m && ch->bwd_length_m && ch->qfwd && ch->qbwd ? 0 : -1;
}

void map_ch_destroy (map_ch_t **self_p)
{
    if (!self_p || !*self_p) return;
    map_ch_t *self = *self_p;
    free (self->rank);
    free (self->node);
    free (self->fwd_first);
    free (self->bwd_first);
    free (self->fwd);
    free (self->bwd);
    free (self->qfwd);
    free (self->qbwd);
    free (self->fwd_length_m);
    free (self->bwd_length_m);
    free (self);
    *self_p = NULL;
}

const map_graph_t *map_ch_graph (const map_ch_t *self)
{
    assert (self);
    return self->g;
}

size_t map_ch_shortcut_count (const map_ch_t *self)
{
    assert (self);
    return self->shortcuts;
}

/* ---- contraction ----------------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t other; /* node at the other end (graph ids while building) */
    uint32_t mid;   /* node a shortcut bypasses, S_NONE for a graph edge */
    uint32_t hops;  /* graph edges the arc stands for */
    int64_t weight_ms;
} s_warc_t;

/* A node's arcs of one kind: arena arcs [first, first + count), room for cap. */
typedef struct {
    size_t first;
    uint32_t count, cap;
} s_adj_t;

/* All lists of one kind live in one arena, in node order after each compaction, so that a witness search walks
 * through nearby memory rather than one allocation per node. A list that outgrows its room moves to the end. The
 * lists of contracted nodes move out to the hierarchy (their adj gets cap 0), so the arena shrinks as the remaining
 * graph does. */
typedef struct {
    s_warc_t *arcs;
    size_t used, cap;
    size_t live;  /* arcs in the lists of uncontracted nodes */
    s_adj_t *adj; /* per node */
} s_arena_t;

enum { S_OUT = 0, S_IN = 1 };

typedef struct {
    uint32_t added, added_hops;     /* shortcuts contracting the node would add, and the edges they stand for */
    uint32_t removed, removed_hops; /* arcs it would take away */
} s_cost_t;

typedef struct {
    uint32_t from, to, hops;
    int64_t weight_ms;
} s_shortcut_t;

typedef struct {
    const map_graph_t *g;
    uint32_t n;
    map_ch_t *ch;      /* receives each node's arcs as it is contracted (graph ids, ranked at the end) */
    size_t arc_cap[2]; /* room in ch->fwd, ch->bwd */
    /* The remaining graph: arcs between uncontracted nodes. When a node is contracted, its lists hold exactly its
     * arcs to higher nodes and move to ch. */
    s_arena_t arena[2]; /* S_OUT, S_IN */
    uint32_t *level;    /* 0, or 1 + the highest level among contracted neighbours */
    uint32_t *deleted;  /* contracted neighbours */
    uint32_t *order;    /* order[k]: the k-th node contracted */
    s_side_t witness;   /* witness searches */
    uint32_t mark_generation;
    uint32_t *mark;     /* mark[w] == mark_generation: w is a target of the current witness searches */
    s_shortcut_t *plan; /* shortcuts the last s_plan found necessary */
    size_t plan_count, plan_cap;
    s_item_t *queue; /* contraction order: min-heap on (priority, node) */
    s_label_t *queue_label;
    size_t queue_size;
} s_builder_t;

static void s_builder_free (s_builder_t *b)
{
    for (int k = 0; k < 2; k++) {
        free (b->arena[k].arcs);
        free (b->arena[k].adj);
    }
    free (b->plan);
    free (b->level);
    free (b->deleted);
    free (b->order);
    s_side_free (&b->witness);
    free (b->mark);
    free (b->queue);
    free (b->queue_label);
}

static inline s_warc_t *s_arcs (const s_arena_t *a, uint32_t v)
{
    return a->arcs + a->adj[v].first;
}

/* Copies the lists of uncontracted nodes, in node order and with a little room each, into a new block of twice
 * their size plus `need` (room at the end). 0 or -1 when out of memory. */
static int s_arena_compact (s_arena_t *a, uint32_t n, size_t need)
{
    size_t live = need;
    for (uint32_t v = 0; v < n; v++)
        if (a->adj[v].cap > 0) live += a->adj[v].count + 2;
    size_t cap = 2 * live;
    s_warc_t *arcs = malloc (cap * sizeof *arcs);
    if (!arcs) return -1;
    size_t used = 0;
    for (uint32_t v = 0; v < n; v++) {
        s_adj_t *adj = &a->adj[v];
        if (adj->cap == 0) continue;
        memcpy (arcs + used, a->arcs + adj->first, adj->count * sizeof *arcs);
        adj->first = used;
        adj->cap = adj->count + 2;
        used += adj->cap;
    }
    free (a->arcs);
    a->arcs = arcs;
    a->used = used;
    a->cap = cap;
    return 0;
}

/* Appends arc to v's list, moving the list to the end of the arena when it is full. Arc pointers into the arena
 * are invalid afterwards. 0 or -1. */
static int s_arena_push (s_arena_t *a, uint32_t n, uint32_t v, s_warc_t arc)
{
    s_adj_t *adj = &a->adj[v];
    assert (adj->cap > 0);
    if (adj->count == adj->cap) {
        uint32_t cap = adj->cap < 2 ? 4 : 2 * adj->cap;
        if (a->used + cap > a->cap && s_arena_compact (a, n, cap) < 0) return -1;
        memmove (a->arcs + a->used, a->arcs + adj->first, adj->count * sizeof *a->arcs);
        adj->first = a->used;
        adj->cap = cap;
        a->used += cap;
    }
    a->arcs[adj->first + adj->count++] = arc;
    a->live++;
    return 0;
}

/* Position of the arc to `other` in v's list, or S_NONE. */
static uint32_t s_arena_find (const s_arena_t *a, uint32_t v, uint32_t other)
{
    const s_warc_t *arcs = s_arcs (a, v);
    for (uint32_t i = 0, count = a->adj[v].count; i < count; i++)
        if (arcs[i].other == other) return i;
    return S_NONE;
}

/* Removes the arc to `other` (present by invariant), moving the last arc into its place. */
static void s_arena_remove (s_arena_t *a, uint32_t v, uint32_t other)
{
    uint32_t i = s_arena_find (a, v, other);
    assert (i != S_NONE);
    s_warc_t *arcs = s_arcs (a, v);
    arcs[i] = arcs[--a->adj[v].count];
    a->live--;
}

/* The remaining graph starts as the graph's edges (one per ordered pair), laid out in node order. 0 or -1. */
static int s_builder_init (s_builder_t *b, const map_graph_t *g, map_ch_t *ch)
{
    memset (b, 0, sizeof *b);
    b->g = g;
    b->ch = ch;
    b->n = (uint32_t)map_graph_node_count (g);
    size_t n = b->n, m = map_graph_edge_count (g);
    for (int k = 0; k < 2; k++) {
        b->arena[k].adj = calloc (n, sizeof *b->arena[k].adj);
        b->arena[k].cap = 2 * (m + 2 * n);
        b->arena[k].arcs = malloc (b->arena[k].cap * sizeof *b->arena[k].arcs);
        if (!b->arena[k].adj || !b->arena[k].arcs) return -1;
    }
    b->level = calloc (n, sizeof *b->level);
    b->deleted = calloc (n, sizeof *b->deleted);
    b->order = malloc (n * sizeof *b->order);
    b->mark = calloc (n, sizeof *b->mark);
    b->queue = malloc (n * sizeof *b->queue);
    b->queue_label = calloc (n, sizeof *b->queue_label);
    if (!b->level || !b->deleted || !b->order || !b->mark || !b->queue || !b->queue_label ||
        s_side_init (&b->witness, n, false) < 0)
        return -1;
    /* Room for each node's edges and two more, in node order. */
    for (int k = 0; k < 2; k++) {
        s_arena_t *a = &b->arena[k];
        for (uint32_t v = 0; v < n; v++) {
            uint32_t first, end;
            if (k == S_OUT)
                map_graph_out (g, v, &first, &end);
            else
                map_graph_in (g, v, &first, &end);
            a->adj[v] = (s_adj_t){.first = a->used, .count = 0, .cap = end - first + 2};
            a->used += a->adj[v].cap;
        }
    }
    for (uint32_t e = 0; e < m; e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        uint32_t dup = s_arena_find (&b->arena[S_OUT], edge->from, edge->to);
        if (dup != S_NONE) {
            /* Finished graphs keep one edge per pair; should a second appear, the faster one stands. */
            s_warc_t *out = &s_arcs (&b->arena[S_OUT], edge->from)[dup];
            s_warc_t *in = &s_arcs (&b->arena[S_IN], edge->to)[s_arena_find (&b->arena[S_IN], edge->to, edge->from)];
            if (edge->time_ms < out->weight_ms) out->weight_ms = in->weight_ms = edge->time_ms;
            continue;
        }
        s_warc_t arc = {.other = edge->to, .mid = S_NONE, .hops = 1, .weight_ms = edge->time_ms};
        if (s_arena_push (&b->arena[S_OUT], b->n, edge->from, arc) < 0) return -1;
        arc.other = edge->from;
        if (s_arena_push (&b->arena[S_IN], b->n, edge->to, arc) < 0) return -1;
    }
    return 0;
}

/* The time beyond which a witness search from u (reached from u over an arc of in_ms) need not look: the slowest
 * way u -> v -> w to a target w that has no witness yet. 0 when every target is decided. */
static int64_t s_witness_bound (const s_builder_t *b, uint32_t u, int64_t in_ms, const s_warc_t *out,
                                uint32_t out_count)
{
    const s_side_t *s = &b->witness;
    int64_t bound = 0;
    for (uint32_t j = 0; j < out_count; j++) {
        uint32_t w = out[j].other;
        int64_t via_ms = in_ms + out[j].weight_ms;
        if (w == u || via_ms <= bound || (s_side_reached (s, w) && s->label[w].dist_ms <= via_ms)) continue;
        bound = via_ms;
    }
    return bound;
}

/* Dijkstra from u over the remaining graph without v, looking for paths to v's out-neighbours (out, marked in
 * b->mark) as fast as through v (u -> v takes in_ms). Stops when every target has one, when no undecided target
 * can get one, or after S_WITNESS_LIMIT settled nodes. Every label it leaves is the time of a real path. */
static void s_witness (s_builder_t *b, uint32_t u, uint32_t v, int64_t in_ms, const s_warc_t *out, uint32_t out_count)
{
    s_side_t *s = &b->witness;
    const s_arena_t *arena = &b->arena[S_OUT];
    s_side_begin (s);
    s_side_offer (s, u, 0);
    int64_t max_ms = s_witness_bound (b, u, in_ms, out, out_count);
    if (max_ms == 0) return; /* no target but u itself */
    uint32_t settled = 0;
    while (s->heap_size > 0 && s->heap[0].key <= max_ms && settled < S_WITNESS_LIMIT) {
        uint32_t x = s_side_pop (s);
        settled++;
        int64_t dx = s->label[x].dist_ms;
        const s_warc_t *arcs = s_arcs (arena, x);
        bool target_improved = false;
        for (uint32_t i = 0, count = arena->adj[x].count; i < count; i++) {
            uint32_t y = arcs[i].other;
            int64_t dy = dx + arcs[i].weight_ms;
            if (y != v && dy <= max_ms && s_side_offer (s, y, dy) && b->mark[y] == b->mark_generation)
                target_improved = true;
        }
        if (target_improved) max_ms = s_witness_bound (b, u, in_ms, out, out_count);
    }
}

/* Adds (or improves) the shortcut u -> w through v. 0 or -1 when out of memory. */
static int s_add_shortcut (s_builder_t *b, uint32_t u, uint32_t w, int64_t weight_ms, uint32_t v, uint32_t hops)
{
    s_warc_t arc = {.other = w, .mid = v, .hops = hops, .weight_ms = weight_ms};
    uint32_t i = s_arena_find (&b->arena[S_OUT], u, w);
    if (i != S_NONE) {
        s_warc_t *out = &s_arcs (&b->arena[S_OUT], u)[i];
        if (weight_ms >= out->weight_ms) return 0;
        uint32_t j = s_arena_find (&b->arena[S_IN], w, u);
        assert (j != S_NONE);
        *out = arc;
        arc.other = u;
        s_arcs (&b->arena[S_IN], w)[j] = arc;
        return 0;
    }
    if (s_arena_push (&b->arena[S_OUT], b->n, u, arc) < 0) return -1;
    arc.other = u;
    return s_arena_push (&b->arena[S_IN], b->n, w, arc);
}

/* Works out which shortcuts contracting v needs: for each path u -> v -> w, one unless a witness search finds a
 * path from u to w avoiding v that is as fast. Counts them in *cost and, with `keep`, leaves them in b->plan (only
 * for a node about to be contracted: a hub's estimate would list degree-squared shortcuts). 0, or -1 when out of
 * memory. */
static int s_plan (s_builder_t *b, uint32_t v, bool keep, s_cost_t *cost)
{
    uint32_t in_count = b->arena[S_IN].adj[v].count, out_count = b->arena[S_OUT].adj[v].count;
    const s_warc_t *in = s_arcs (&b->arena[S_IN], v), *out = s_arcs (&b->arena[S_OUT], v);
    b->plan_count = 0;
    *cost = (s_cost_t){.removed = in_count + out_count};
    for (uint32_t i = 0; i < in_count; i++)
        cost->removed_hops += in[i].hops;
    for (uint32_t j = 0; j < out_count; j++)
        cost->removed_hops += out[j].hops;
    if (in_count == 0 || out_count == 0) return 0;

    if (++b->mark_generation == 0) {
        memset (b->mark, 0, b->n * sizeof *b->mark);
        b->mark_generation = 1;
    }
    for (uint32_t j = 0; j < out_count; j++)
        b->mark[out[j].other] = b->mark_generation;
    for (uint32_t i = 0; i < in_count; i++) {
        uint32_t u = in[i].other;
        s_witness (b, u, v, in[i].weight_ms, out, out_count);
        for (uint32_t j = 0; j < out_count; j++) {
            uint32_t w = out[j].other;
            int64_t via_ms = in[i].weight_ms + out[j].weight_ms;
            if (w == u || (s_side_reached (&b->witness, w) && b->witness.label[w].dist_ms <= via_ms)) continue;
            cost->added++;
            cost->added_hops += in[i].hops + out[j].hops;
            if (!keep) continue;
            if (b->plan_count == b->plan_cap) {
                size_t cap = b->plan_cap ? 2 * b->plan_cap : 256;
                s_shortcut_t *grown = realloc (b->plan, cap * sizeof *grown);
                if (!grown) return -1;
                b->plan = grown;
                b->plan_cap = cap;
            }
            b->plan[b->plan_count++] =
                (s_shortcut_t){.from = u, .to = w, .hops = in[i].hops + out[j].hops, .weight_ms = via_ms};
        }
    }
    return 0;
}

/* Contraction priority of v from its planned cost, lower first: arcs added per arc removed, by count and by the
 * graph edges they stand for (keeps the hierarchy sparse), plus contracted neighbours and level (spread the
 * contraction evenly over the map, so that the hierarchy stays shallow). */
static int64_t s_priority (const s_builder_t *b, uint32_t v, const s_cost_t *c)
{
    int64_t removed = c->removed ? c->removed : 1, removed_hops = c->removed_hops ? c->removed_hops : 1;
    return 1000 * (int64_t)c->added / removed + 1000 * (int64_t)c->added_hops / removed_hops +
           100 * (int64_t)b->deleted[v] + 100 * (int64_t)b->level[v];
}

static void s_queue_update (s_builder_t *b, uint32_t v, int64_t priority)
{
    size_t at = b->queue_label[v].pos;
    int64_t old = b->queue[at].key;
    b->queue[at].key = priority;
    if (priority < old)
        s_heap_up (b->queue, b->queue_label, at);
    else
        s_heap_down (b->queue, b->queue_label, b->queue_size, at);
}

/* Moves the lists of v, contracted with the given rank (ranks are given in order), to the hierarchy. 0 or -1. */
static int s_freeze (s_builder_t *b, uint32_t v, uint32_t rank)
{
    map_ch_t *ch = b->ch;
    for (int k = 0; k < 2; k++) {
        s_arena_t *a = &b->arena[k];
        uint32_t *first = k == S_OUT ? ch->fwd_first : ch->bwd_first;
        s_arc_t **arcs = k == S_OUT ? &ch->fwd : &ch->bwd;
        uint32_t count = a->adj[v].count;
        if (first[rank] + (size_t)count > S_MAX_ARCS) return -1;
        if (first[rank] + (size_t)count > b->arc_cap[k]) {
            size_t cap = b->arc_cap[k] ? 2 * b->arc_cap[k] : 1024;
            while (cap < first[rank] + (size_t)count)
                cap *= 2;
            s_arc_t *grown = realloc (*arcs, cap * sizeof *grown);
            if (!grown) return -1;
            *arcs = grown;
            b->arc_cap[k] = cap;
        }
        const s_warc_t *list = s_arcs (a, v);
        for (uint32_t i = 0; i < count; i++)
            (*arcs)[first[rank] + i] =
                (s_arc_t){.head = list[i].other, .mid = list[i].mid, .weight_ms = list[i].weight_ms};
        first[rank + 1] = first[rank] + count;
        a->live -= count;
        a->adj[v] = (s_adj_t){0};
    }
    return 0;
}

/* Contracts v as the rank-th node: adds the planned shortcuts (the plan must be v's, made on the current graph),
 * takes v out of the remaining graph, tells its neighbours and moves its lists to the hierarchy. 0 or -1. */
static int s_contract (s_builder_t *b, uint32_t v, uint32_t rank)
{
    for (size_t k = 0; k < b->plan_count; k++) {
        const s_shortcut_t *sc = &b->plan[k];
        if (s_add_shortcut (b, sc->from, sc->to, sc->weight_ms, v, sc->hops) < 0) return -1;
    }
    const s_arena_t *out = &b->arena[S_OUT], *in = &b->arena[S_IN];
    for (uint32_t i = 0; i < in->adj[v].count; i++)
        s_arena_remove (&b->arena[S_OUT], s_arcs (in, v)[i].other, v);
    for (uint32_t j = 0; j < out->adj[v].count; j++)
        s_arena_remove (&b->arena[S_IN], s_arcs (out, v)[j].other, v);
    for (int k = 0; k < 2; k++) {
        for (uint32_t i = 0; i < b->arena[k].adj[v].count; i++) {
            uint32_t x = s_arcs (&b->arena[k], v)[i].other;
            if (k == S_OUT && s_arena_find (in, v, x) != S_NONE) continue; /* seen as an in-neighbour */
            b->deleted[x]++;
            if (b->level[x] < b->level[v] + 1) b->level[x] = b->level[v] + 1;
        }
    }
    return s_freeze (b, v, rank);
}

/* Contracts every node in priority order. Updates are lazy: the head of the queue is planned again on the current
 * graph before it goes, and goes back in when that makes it dearer than the next one; its neighbours' priorities
 * are left to be found stale the same way (re-planning every neighbour after each contraction costs twice the time
 * for a hierarchy hardly any better). 0 or -1 when out of memory. */
static int s_contract_all (s_builder_t *b, map_ch_progress_fn *progress, void *arg)
{
    s_cost_t cost;
    for (uint32_t v = 0; v < b->n; v++) {
        s_plan (b, v, false, &cost); /* without keep it allocates nothing and cannot fail */
        b->queue[v] = (s_item_t){.key = s_priority (b, v, &cost), .node = v};
        b->queue_label[v].pos = v;
    }
    b->queue_size = b->n;
    for (size_t i = b->n / 2; i-- > 0;)
        s_heap_down (b->queue, b->queue_label, b->queue_size, i);

    uint32_t done = 0, step = b->n / S_PROGRESS_STEPS + 1, compact_at = b->n / 2;
    while (b->queue_size > 0) {
        /* Each time half the remaining nodes are gone, pack what is left so that searches touch fewer cache lines
         * (a logarithmic number of linear passes). */
        if (b->queue_size <= compact_at) {
            if (s_arena_compact (&b->arena[S_OUT], b->n, 0) < 0 || s_arena_compact (&b->arena[S_IN], b->n, 0) < 0)
                return -1;
            compact_at = (uint32_t)b->queue_size / 2;
        }
        uint32_t v = b->queue[0].node;
        if (s_plan (b, v, true, &cost) < 0) return -1;
        int64_t priority = s_priority (b, v, &cost);
        if (priority > b->queue[0].key) {
            s_queue_update (b, v, priority);
            if (b->queue[0].node != v) continue;
        }
        s_heap_pop (b->queue, b->queue_label, &b->queue_size);
        if (s_contract (b, v, done) < 0) return -1;
        b->order[done++] = v;
        if (progress && done % step == 0) progress ((double)done / b->n, arg);
    }
    return 0;
}

static int s_head_cmp (const void *a, const void *b)
{
    uint32_t x = ((const s_arc_t *)a)->head, y = ((const s_arc_t *)b)->head;
    return (x > y) - (x < y);
}

/* Numbers the hierarchy by rank: the contraction order gives the ranks, heads and bypassed nodes (stored as graph
 * ids) become ranks, and each node's arcs are sorted by head. 0 or -1. */
static int s_rank_arcs (map_ch_t *ch, const uint32_t *order)
{
    uint32_t n = ch->n;
    for (uint32_t r = 0; r < n; r++) {
        ch->node[r] = order[r];
        ch->rank[order[r]] = r;
    }
    ch->fwd_count = ch->fwd_first[n];
    ch->bwd_count = ch->bwd_first[n];
    for (int k = 0; k < 2; k++) {
        const uint32_t *first = k == S_OUT ? ch->fwd_first : ch->bwd_first;
        s_arc_t *arcs = k == S_OUT ? ch->fwd : ch->bwd;
        for (uint32_t i = 0; i < first[n]; i++) {
            arcs[i].head = ch->rank[arcs[i].head];
            if (arcs[i].mid != S_NONE) arcs[i].mid = ch->rank[arcs[i].mid];
        }
        /* Heads are distinct within a node, so the sorted order is unique whatever the sort. */
        for (uint32_t r = 0; r < n; r++)
            if (first[r + 1] - first[r] > 1)
                qsort (arcs + first[r], first[r + 1] - first[r], sizeof *arcs, s_head_cmp);
    }
    return s_alloc_lengths (ch);
}

map_ch_t *map_ch_build (const map_graph_t *g, map_ch_progress_fn *progress, void *arg, char *err, size_t errlen)
{
    assert (g);
    if (map_graph_node_count (g) >= S_STALLED) {
        map_error (err, errlen, "contraction: too many nodes");
        return NULL;
    }
    s_builder_t b;
    memset (&b, 0, sizeof b);
    map_ch_t *ch = s_ch_new (g);
    if (!ch || s_builder_init (&b, g, ch) < 0 || s_contract_all (&b, progress, arg) < 0 ||
        s_rank_arcs (ch, b.order) < 0)
        goto oom;
    s_builder_free (&b);
    /* The checks a loaded hierarchy must pass hold by construction; running them also fills the lengths. */
    char why[256];
    if (s_check (ch, why, sizeof why) < 0) {
        map_error (err, errlen, "contraction: internal error: %s", why);
        map_ch_destroy (&ch);
        return NULL;
    }
    if (progress) progress (1.0, arg);
    return ch;
oom:
    s_builder_free (&b);
    map_ch_destroy (&ch);
    map_error (err, errlen, "contraction: out of memory");
    return NULL;
}

/* ---- storage --------------------------------------------------------------------------------------------------- */

typedef struct {
    map_ch_write_fn *write;
    void *arg;
    unsigned char buf[16 * S_IO_CHUNK];
    size_t used;
    int failed;
} s_writer_t;

static void s_flush (s_writer_t *w)
{
    if (!w->failed && w->used > 0 && w->write (w->buf, w->used, w->arg) < 0) w->failed = 1;
    w->used = 0;
}

static void s_put_u32 (s_writer_t *w, uint32_t v)
{
    if (w->used + 4 > sizeof w->buf) s_flush (w);
    for (int i = 0; i < 4; i++)
        w->buf[w->used++] = (unsigned char)(v >> (8 * i));
}

static void s_put_u64 (s_writer_t *w, uint64_t v)
{
    s_put_u32 (w, (uint32_t)v);
    s_put_u32 (w, (uint32_t)(v >> 32));
}

/* Per rank: the arc count; then the arcs (head, mid, time). */
static void s_put_arcs (s_writer_t *w, const map_ch_t *ch, const uint32_t *first, const s_arc_t *arcs)
{
    for (uint32_t r = 0; r < ch->n; r++)
        s_put_u32 (w, first[r + 1] - first[r]);
    for (uint32_t i = 0; i < first[ch->n]; i++) {
        s_put_u32 (w, arcs[i].head);
        s_put_u32 (w, arcs[i].mid);
        s_put_u64 (w, (uint64_t)arcs[i].weight_ms);
    }
}

int map_ch_save (const map_ch_t *self, map_ch_write_fn *write, void *arg)
{
    assert (self && write);
    s_writer_t *w = malloc (sizeof *w);
    if (!w) return -1;
    w->write = write;
    w->arg = arg;
    w->used = 0;
    w->failed = 0;
    s_put_u32 (w, S_MAGIC);
    s_put_u32 (w, S_FORMAT);
    s_put_u32 (w, self->n);
    s_put_u32 (w, (uint32_t)map_graph_edge_count (self->g));
    s_put_u64 (w, map_graph_fingerprint (self->g));
    for (uint32_t r = 0; r < self->n; r++)
        s_put_u32 (w, self->node[r]);
    s_put_arcs (w, self, self->fwd_first, self->fwd);
    s_put_arcs (w, self, self->bwd_first, self->bwd);
    s_put_u32 (w, S_END_MAGIC);
    s_flush (w);
    int rc = w->failed ? -1 : 0;
    free (w);
    return rc;
}

typedef struct {
    map_ch_read_fn *read;
    void *arg;
    int failed; /* end of data reached */
} s_reader_t;

static uint32_t s_le32 (const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t s_get_u32 (s_reader_t *r)
{
    unsigned char b[4];
    if (r->failed || r->read (b, 4, r->arg) < 0) {
        r->failed = 1;
        return 0;
    }
    return s_le32 (b);
}

static uint64_t s_get_u64 (s_reader_t *r)
{
    uint64_t lo = s_get_u32 (r);
    return lo | (uint64_t)s_get_u32 (r) << 32;
}

/* Reads count u32 values into out, a block at a time. 0 or -1 (end of data). */
static int s_get_u32s (s_reader_t *r, uint32_t *out, size_t count)
{
    unsigned char buf[4 * S_IO_CHUNK];
    for (size_t done = 0; done < count && !r->failed;) {
        size_t k = count - done < S_IO_CHUNK ? count - done : S_IO_CHUNK;
        if (r->read (buf, 4 * k, r->arg) < 0) {
            r->failed = 1;
            break;
        }
        for (size_t i = 0; i < k; i++)
            out[done + i] = s_le32 (buf + 4 * i);
        done += k;
    }
    return r->failed ? -1 : 0;
}

/* Reads the arc counts per rank into first[] and the arcs. Arrays grow as data arrives, so a damaged count runs
 * into the end of the data instead of into a huge allocation. 0 or -1 with a message. */
static int s_get_arcs (s_reader_t *r, uint32_t n, uint32_t *first, s_arc_t **arcs_p, size_t *count_p,
                       const char *what, char *err, size_t errlen)
{
    if (s_get_u32s (r, first + 1, n) < 0) return map_error (err, errlen, "truncated (%s arc counts)", what);
    first[0] = 0;
    for (uint32_t v = 0; v < n; v++) {
        if (first[v + 1] > S_MAX_ARCS - first[v])
            return map_error (err, errlen, "%s arc count of rank %u out of range", what, v);
        first[v + 1] += first[v];
    }
    size_t count = first[n], cap = 0;
    s_arc_t *arcs = NULL;
    unsigned char buf[16 * 256];
    for (size_t done = 0; done < count;) {
        size_t k = count - done < 256 ? count - done : 256;
        if (done + k > cap) {
            size_t want = cap ? 2 * cap : 65536;
            if (want > count) want = count;
            s_arc_t *grown = realloc (arcs, want * sizeof *grown);
            if (!grown) {
                free (arcs);
                return map_error (err, errlen, "out of memory");
            }
            arcs = grown;
            cap = want;
        }
        if (r->read (buf, 16 * k, r->arg) < 0) {
            r->failed = 1;
            free (arcs);
            return map_error (err, errlen, "truncated (%s arcs)", what);
        }
        for (size_t i = 0; i < k; i++) {
            const unsigned char *p = buf + 16 * i;
            arcs[done + i] =
                (s_arc_t){.head = s_le32 (p),
                          .mid = s_le32 (p + 4),
                          .weight_ms = (int64_t)((uint64_t)s_le32 (p + 8) | (uint64_t)s_le32 (p + 12) << 32)};
        }
        done += k;
    }
    *arcs_p = arcs;
    *count_p = count;
    return 0;
}

map_ch_t *map_ch_load (const map_graph_t *g, map_ch_read_fn *read, void *arg, char *err, size_t errlen)
{
    assert (g && read);
    s_reader_t r = {.read = read, .arg = arg};
    uint32_t magic = s_get_u32 (&r), format = s_get_u32 (&r), n = s_get_u32 (&r), m = s_get_u32 (&r);
    uint64_t fingerprint = s_get_u64 (&r);
    if (r.failed) {
        map_error (err, errlen, "truncated (header)");
        return NULL;
    }
    if (magic != S_MAGIC) {
        map_error (err, errlen, "not a contraction hierarchy");
        return NULL;
    }
    if (format != S_FORMAT) {
        map_error (err, errlen, "layout version %u, this program reads %u", format, S_FORMAT);
        return NULL;
    }
    if (n != map_graph_node_count (g) || m != map_graph_edge_count (g)) {
        map_error (err, errlen, "built for %u nodes and %u edges, the graph has %zu and %zu", n, m,
                   map_graph_node_count (g), map_graph_edge_count (g));
        return NULL;
    }
    if (fingerprint != map_graph_fingerprint (g)) {
        map_error (err, errlen, "built for another graph of the same size");
        return NULL;
    }
    map_ch_t *ch = s_ch_new (g);
    if (!ch) {
        map_error (err, errlen, "out of memory");
        return NULL;
    }
    if (s_get_u32s (&r, ch->node, n) < 0) {
        map_error (err, errlen, "truncated (ranks)");
        goto fail;
    }
    for (uint32_t v = 0; v < n; v++)
        ch->rank[v] = S_NONE;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t v = ch->node[k];
        if (v >= n || ch->rank[v] != S_NONE) {
            map_error (err, errlen, "rank %u names node %u: not a permutation", k, v);
            goto fail;
        }
        ch->rank[v] = k;
    }
    if (s_get_arcs (&r, n, ch->fwd_first, &ch->fwd, &ch->fwd_count, "upward", err, errlen) < 0 ||
        s_get_arcs (&r, n, ch->bwd_first, &ch->bwd, &ch->bwd_count, "downward", err, errlen) < 0)
        goto fail;
    if (s_get_u32 (&r) != S_END_MAGIC || r.failed) {
        map_error (err, errlen, r.failed ? "truncated (end mark)" : "bad end mark");
        goto fail;
    }
    if (s_alloc_lengths (ch) < 0) {
        map_error (err, errlen, "out of memory");
        goto fail;
    }
    if (s_check (ch, err, errlen) < 0) goto fail;
    return ch;
fail:
    map_ch_destroy (&ch);
    return NULL;
}

/* ---- queries --------------------------------------------------------------------------------------------------- */

typedef struct {
    uint32_t a, b, mid; /* an arc a -> b (ranks) to expand; mid as in s_arc_t */
} s_span_t;

struct map_ch_query_t {
    const map_ch_t *ch;
    s_side_t fwd, bwd; /* point-to-point and table searches */
    s_side_t target;   /* map_ch_target's backward search, kept apart so other queries leave it alone */
    bool have_target;

    /* Last route: the meeting node (S_NONE when there is none), and its unpacked path, built on demand. */
    uint32_t meet;
    uint32_t from, to;
    uint32_t *path;
    size_t path_count;
    s_span_t *stack;

    /* Buckets for map_ch_table, allocated on first use: bucket of rank v is entries [bucket_first[v],
     * bucket_first[v] + bucket_count[v]) when bucket_stamp[v] == bucket_generation. */
    uint32_t bucket_generation;
    uint32_t *bucket_stamp, *bucket_first, *bucket_count, *touched;
    uint32_t *entry_target, *raw_node, *raw_target; /* raw_*: entries in search order, before sorting by node */
    int64_t *entry_ms, *raw_ms;
    size_t entry_cap;
};

map_ch_query_t *map_ch_query_new (const map_ch_t *ch)
{
    assert (ch);
    map_ch_query_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->ch = ch;
    self->meet = S_NONE;
    size_t n = ch->n;
    self->path = malloc (n * sizeof *self->path);
    self->stack = malloc (2 * n * sizeof *self->stack);
    if (!self->path || !self->stack || s_side_init (&self->fwd, n, true) < 0 ||
        s_side_init (&self->bwd, n, true) < 0 || s_side_init (&self->target, n, false) < 0)
        map_ch_query_destroy (&self);
    return self;
}

void map_ch_query_destroy (map_ch_query_t **self_p)
{
    if (!self_p || !*self_p) return;
    map_ch_query_t *self = *self_p;
    s_side_free (&self->fwd);
    s_side_free (&self->bwd);
    s_side_free (&self->target);
    free (self->path);
    free (self->stack);
    free (self->bucket_stamp);
    free (self->bucket_first);
    free (self->bucket_count);
    free (self->touched);
    free (self->entry_target);
    free (self->entry_ms);
    free (self->raw_node);
    free (self->raw_target);
    free (self->raw_ms);
    free (self);
    *self_p = NULL;
}

int map_ch_route (map_ch_query_t *self, uint32_t from, uint32_t to, map_route_t *out)
{
    assert (self && out);
    const map_ch_t *ch = self->ch;
    assert (from < ch->n && to < ch->n);
    self->meet = S_NONE;
    self->path_count = 0;
    self->from = from;
    self->to = to;
    if (from == to) {
        self->meet = ch->rank[from];
        *out = (map_route_t){.time_ms = 0, .length_m = 0};
        return 0;
    }
    s_side_t *f = &self->fwd, *b = &self->bwd;
    s_side_begin (f);
    s_side_begin (b);
    uint32_t s = ch->rank[from], t = ch->rank[to];
    s_side_offer (f, s, 0);
    f->pred[s] = S_NONE;
    s_side_offer (b, t, 0);
    b->pred[t] = S_NONE;
    int64_t best = MAP_CH_UNREACHABLE;
    uint32_t meet = S_NONE;
    /* Settle the smaller head of the two searches; a search stops once its head cannot beat the best meeting. */
    for (;;) {
        bool f_open = f->heap_size > 0 && f->heap[0].key < best;
        bool b_open = b->heap_size > 0 && b->heap[0].key < best;
        if (!f_open && !b_open) break;
        bool forward = f_open && (!b_open || f->heap[0].key <= b->heap[0].key);
        s_side_t *mine = forward ? f : b, *other = forward ? b : f;
        uint32_t v = forward ? s_step (f, ch->fwd_first, ch->qfwd, ch->bwd_first, ch->qbwd, best)
                             : s_step (b, ch->bwd_first, ch->qbwd, ch->fwd_first, ch->qfwd, best);
        if (s_side_reached (other, v) && mine->label[v].dist_ms + other->label[v].dist_ms < best) {
            best = mine->label[v].dist_ms + other->label[v].dist_ms;
            meet = v;
        }
    }
    if (meet == S_NONE) return -1;
    /* Labels only fall, and best is the shortest time, so the meeting node's labels now add up to exactly it. */
    assert (f->label[meet].dist_ms + b->label[meet].dist_ms == best);
    double length_m = 0;
    for (uint32_t v = meet; f->pred[v] != S_NONE; v = f->pred[v])
        length_m += ch->fwd_length_m[f->pred_arc[v]];
    for (uint32_t v = meet; b->pred[v] != S_NONE; v = b->pred[v])
        length_m += ch->bwd_length_m[b->pred_arc[v]];
    self->meet = meet;
    *out = (map_route_t){.time_ms = best, .length_m = length_m};
    return 0;
}

/* Expands the spans on the stack (depth spans, the next to expand on top) onto the path, shortcut by shortcut.
 * Spans on the stack cover disjoint stretches of a path, and a shortest path visits at most n nodes, so neither the
 * stack (2n) nor the path (n) can overflow; the checks are there for hierarchies read from crafted data. 0 or -1. */
static int s_expand (map_ch_query_t *self, size_t depth)
{
    const map_ch_t *ch = self->ch;
    while (depth > 0) {
        s_span_t span = self->stack[--depth];
        if (span.mid == S_NONE) {
            if (self->path_count == ch->n) return -1;
            self->path[self->path_count++] = ch->node[span.b];
            continue;
        }
        uint32_t m = span.mid;
        uint32_t in = s_find_arc (ch->bwd_first, ch->bwd, m, span.a),
                 out = s_find_arc (ch->fwd_first, ch->fwd, m, span.b);
        assert (in != S_NONE && out != S_NONE); /* checked when built or loaded */
        if (depth + 2 > 2 * (size_t)ch->n) return -1;
        self->stack[depth++] = (s_span_t){.a = m, .b = span.b, .mid = ch->fwd[out].mid};
        self->stack[depth++] = (s_span_t){.a = span.a, .b = m, .mid = ch->bwd[in].mid};
    }
    return 0;
}

const uint32_t *map_ch_path (map_ch_query_t *self, size_t *count)
{
    assert (self && count);
    const map_ch_t *ch = self->ch;
    if (self->meet != S_NONE && self->path_count == 0) {
        self->path[self->path_count++] = self->from;
        if (self->from != self->to) {
            /* Stack bottom to top: the down-path's arcs last to first, then the up-path's arcs last to first, so
             * the first arc from the source is expanded first. Each chain has fewer than n arcs (ranks only rise
             * on the way up and only fall on the way down). */
            size_t down = 0;
            for (uint32_t v = self->meet; self->bwd.pred[v] != S_NONE; v = self->bwd.pred[v])
                down++;
            size_t depth = down;
            for (uint32_t v = self->meet; self->bwd.pred[v] != S_NONE; v = self->bwd.pred[v]) {
                const s_arc_t *arc = &ch->bwd[self->bwd.pred_arc[v]];
                self->stack[--down] = (s_span_t){.a = v, .b = self->bwd.pred[v], .mid = arc->mid};
            }
            for (uint32_t v = self->meet; self->fwd.pred[v] != S_NONE; v = self->fwd.pred[v]) {
                const s_arc_t *arc = &ch->fwd[self->fwd.pred_arc[v]];
                self->stack[depth++] = (s_span_t){.a = self->fwd.pred[v], .b = v, .mid = arc->mid};
            }
            if (s_expand (self, depth) < 0) {
                self->meet = S_NONE;
                self->path_count = 0;
            }
        }
    }
    *count = self->path_count;
    return self->path;
}

void map_ch_target (map_ch_query_t *self, uint32_t target)
{
    assert (self && target < self->ch->n);
    const map_ch_t *ch = self->ch;
    s_side_t *t = &self->target;
    s_side_begin (t);
    s_side_offer (t, ch->rank[target], 0);
    while (t->heap_size > 0)
        s_step (t, ch->bwd_first, ch->qbwd, ch->fwd_first, ch->qfwd, INT64_MAX);
    self->have_target = true;
}

int64_t map_ch_time_from (map_ch_query_t *self, uint32_t source)
{
    assert (self && self->have_target && source < self->ch->n);
    const map_ch_t *ch = self->ch;
    const s_side_t *t = &self->target;
    s_side_t *f = &self->fwd;
    self->meet = S_NONE;
    s_side_begin (f);
    s_side_offer (f, ch->rank[source], 0);
    int64_t best = MAP_CH_UNREACHABLE;
    while (f->heap_size > 0 && f->heap[0].key < best) {
        uint32_t v = s_step (f, ch->fwd_first, ch->qfwd, ch->bwd_first, ch->qbwd, best);
        if (s_side_reached (t, v) && t->label[v].pos == S_SETTLED && f->label[v].dist_ms + t->label[v].dist_ms < best)
            best = f->label[v].dist_ms + t->label[v].dist_ms;
    }
    return best;
}

/* Table scratch: per-node bucket arrays on first use, entry arrays grown to hold `need` entries. 0 or -1. */
static int s_table_reserve (map_ch_query_t *self, size_t need)
{
    size_t n = self->ch->n ? self->ch->n : 1;
    if (!self->bucket_stamp) {
        self->bucket_stamp = calloc (n, sizeof *self->bucket_stamp);
        self->bucket_first = malloc (n * sizeof *self->bucket_first);
        self->bucket_count = malloc (n * sizeof *self->bucket_count);
        self->touched = malloc (n * sizeof *self->touched);
        if (!self->bucket_stamp || !self->bucket_first || !self->bucket_count || !self->touched) return -1;
    }
    if (need <= self->entry_cap) return 0;
    size_t cap = self->entry_cap ? self->entry_cap : 4096;
    while (cap < need)
        cap *= 2;
    uint32_t *et = realloc (self->entry_target, cap * sizeof *et);
    if (et) self->entry_target = et;
    int64_t *em = realloc (self->entry_ms, cap * sizeof *em);
    if (em) self->entry_ms = em;
    uint32_t *rn = realloc (self->raw_node, cap * sizeof *rn);
    if (rn) self->raw_node = rn;
    uint32_t *rt = realloc (self->raw_target, cap * sizeof *rt);
    if (rt) self->raw_target = rt;
    int64_t *rm = realloc (self->raw_ms, cap * sizeof *rm);
    if (rm) self->raw_ms = rm;
    if (!et || !em || !rn || !rt || !rm) return -1;
    self->entry_cap = cap;
    return 0;
}

static int s_u32_cmp (const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int map_ch_table (map_ch_query_t *self, const uint32_t *sources, size_t source_count, const uint32_t *targets,
                  size_t target_count, int64_t *out)
{
    assert (self && (sources || !source_count) && (targets || !target_count) &&
            (out || !source_count || !target_count));
    const map_ch_t *ch = self->ch;
    self->meet = S_NONE;
    if (source_count == 0 || target_count == 0) return 0;
    if (target_count > UINT32_MAX || s_table_reserve (self, 0) < 0) return -1;
    if (++self->bucket_generation == 0) {
        memset (self->bucket_stamp, 0, ch->n * sizeof *self->bucket_stamp);
        self->bucket_generation = 1;
    }
    uint32_t generation = self->bucket_generation;

    /* Backward search from each target; each node settled with a usable label gets an entry (target, time). */
    s_side_t *b = &self->bwd;
    size_t entries = 0, touched = 0;
    for (size_t j = 0; j < target_count; j++) {
        assert (targets[j] < ch->n);
        s_side_begin (b);
        s_side_offer (b, ch->rank[targets[j]], 0);
        while (b->heap_size > 0) {
            uint32_t v = s_step (b, ch->bwd_first, ch->qbwd, ch->fwd_first, ch->qfwd, INT64_MAX);
            if (b->label[v].pos != S_SETTLED) continue;
            if (entries == self->entry_cap && s_table_reserve (self, entries + 1) < 0) return -1;
            self->raw_node[entries] = v;
            self->raw_target[entries] = (uint32_t)j;
            self->raw_ms[entries++] = b->label[v].dist_ms;
            if (self->bucket_stamp[v] != generation) {
                self->bucket_stamp[v] = generation;
                self->bucket_count[v] = 0;
                self->touched[touched++] = v;
            }
            self->bucket_count[v]++;
        }
    }
    /* Buckets laid out by rank, entries within a bucket by target: scans run through memory in order. */
    qsort (self->touched, touched, sizeof *self->touched, s_u32_cmp);
    uint32_t at = 0;
    for (size_t k = 0; k < touched; k++) {
        uint32_t v = self->touched[k];
        self->bucket_first[v] = at;
        at += self->bucket_count[v];
        self->bucket_count[v] = 0;
    }
    for (size_t k = 0; k < entries; k++) {
        uint32_t v = self->raw_node[k];
        uint32_t slot = self->bucket_first[v] + self->bucket_count[v]++;
        self->entry_target[slot] = self->raw_target[k];
        self->entry_ms[slot] = self->raw_ms[k];
    }

    /* Forward search from each source; every bucket it settles offers a time to each target in it. */
    s_side_t *f = &self->fwd;
    for (size_t i = 0; i < source_count; i++) {
        assert (sources[i] < ch->n);
        int64_t *row = out + i * target_count;
        for (size_t j = 0; j < target_count; j++)
            row[j] = MAP_CH_UNREACHABLE;
        s_side_begin (f);
        s_side_offer (f, ch->rank[sources[i]], 0);
        while (f->heap_size > 0) {
            uint32_t v = s_step (f, ch->fwd_first, ch->qfwd, ch->bwd_first, ch->qbwd, INT64_MAX);
            if (f->label[v].pos != S_SETTLED || self->bucket_stamp[v] != generation) continue;
            int64_t dv = f->label[v].dist_ms;
            const uint32_t *et = self->entry_target + self->bucket_first[v];
            const int64_t *em = self->entry_ms + self->bucket_first[v];
            for (uint32_t k = 0, end = self->bucket_count[v]; k < end; k++)
                if (dv + em[k] < row[et[k]]) row[et[k]] = dv + em[k];
        }
    }
    return 0;
}
