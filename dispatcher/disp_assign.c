/* disp_assign: minimum-cost maximum-cardinality bipartite matching by successive shortest augmenting paths with
 * potentials (the Hungarian / Jonker-Volgenant family), on a sparse graph.
 *
 * Think of a flow network: a source feeding every row, an arc per candidate pair, every column draining into a sink,
 * all of capacity one. Each round finds the cheapest augmenting path from any free row to any free column with one
 * Dijkstra search started from all free rows at once, then flips the path. Paths are found cheapest first, so after
 * k rounds the matching is the cheapest of its size; when no free column can be reached from any free row, the size
 * is the maximum and the cost the least among matchings of that size. A search from one row at a time (as the
 * textbook square Hungarian method does) would not be enough when some rows stay unmatched: it cannot tell which rows
 * should be the ones left out.
 *
 * Potentials keep every reduced cost c(i, j) + p(i) - p(j) non-negative so Dijkstra applies. All free rows share one
 * potential (free_pot); after a round that reached a free column at reduced distance D, every node the search settled
 * at distance d < D has its potential lowered by D - d (free rows by D). This is the usual update, raising each
 * potential by the smaller of d and D, shifted by the constant -D: no reduced cost changes, and only the settled
 * nodes are touched.
 *
 * Starting every round by scanning every free row's edges would cost O(edges) a round, and most rounds (a rider and
 * a vehicle that nobody else wants) settle one or two columns. So the start is kept between rounds instead: for each
 * column, its cheapest edge from a free row (best_row, best_cost), and a heap of the columns keyed by
 * best_cost - p(column). Free rows all share free_pot, so that order is the order of the distances the round starts
 * from, and a key changes only when the column's potential changes (it was settled) or its best row gets matched. A
 * round merges that heap with a working heap of the columns reached through matched rows.
 *
 * Bounds (why int64 cannot overflow): in the unshifted form every potential stays between 0 and the cost of the last
 * augmenting path, at most (m + 1) x C for m = min(rows, cols) and the largest cost C; the shift moves them by at
 * most as much. Labels are below (3m + 4) x C. With m <= 2^22 and C <= 2^38, all stay below 2^62. */
#include "disp_assign.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Place of a column in no heap. */
#define S_OUT UINT32_MAX

typedef struct {
    uint32_t row, col;
    int64_t cost;
} s_edge_t;

/* An indexed binary min-heap of columns ordered by (key[column], column id). Keys live in an array owned elsewhere;
 * a key may change only while its column is out of the heap or through s_heap_update. */
typedef struct {
    uint32_t *item;     /* [cols] */
    uint32_t *pos;      /* [cols]: place in item, or S_OUT */
    const int64_t *key; /* [cols] */
    size_t count;
} s_heap_t;

struct disp_assign_t {
    uint32_t rows, cols;

    s_edge_t *edges, *tmp; /* as added; tmp is the sort's other buffer */
    size_t edge_count, edge_cap;
    size_t *bucket; /* counting sort, [max (rows, cols) + 1] */

    /* the graph both ways, duplicates merged: each row's columns in increasing order, each column's rows too */
    size_t *row_start;  /* [rows + 1] */
    uint32_t *adj_col;  /* [edge_cap] */
    int64_t *adj_cost;  /* [edge_cap] */
    size_t *col_start;  /* [cols + 1] */
    uint32_t *cadj_row; /* [edge_cap] */
    int64_t *cadj_cost; /* [edge_cap] */

    /* the matching and the potentials */
    uint32_t *col_of_row; /* [rows] */
    int64_t *cost_of_row; /* [rows] */
    int64_t *row_pot;     /* [rows]; meaningful for matched rows, free rows use free_pot */
    uint32_t *row_of_col; /* [cols] */
    int64_t *col_pot;     /* [cols] */
    int64_t free_pot;
    size_t matched;
    int64_t total;

    /* the start kept between rounds */
    uint32_t *best_row; /* [cols]: the free row with the cheapest edge to the column (lowest id on ties), or
                           DISP_ASSIGN_NONE */
    int64_t *best_cost; /* [cols]: that edge's cost */
    int64_t *start_key; /* [cols]: best_cost - col_pot, the key in `start` */
    s_heap_t start;

    /* one round's Dijkstra */
    s_heap_t work;      /* columns reached through matched rows, keyed by label */
    int64_t *label;     /* [cols] reduced distance (tentative while in `work`) */
    uint32_t *pred_row; /* [cols] the row it was reached from */
    int64_t *pred_cost; /* [cols] the cost of that edge */
    uint32_t *stamp;    /* [cols]: == epoch when settled this round */
    uint32_t epoch;
    uint32_t *settled; /* [cols] in the order settled */

    uint32_t row_cap, col_cap; /* sizes the row and column arrays hold */
    size_t bucket_cap;
};

disp_assign_t *disp_assign_new (void)
{
    return calloc (1, sizeof (disp_assign_t));
}

void disp_assign_destroy (disp_assign_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_assign_t *self = *self_p;
    free (self->edges);
    free (self->tmp);
    free (self->bucket);
    free (self->row_start);
    free (self->adj_col);
    free (self->adj_cost);
    free (self->col_start);
    free (self->cadj_row);
    free (self->cadj_cost);
    free (self->col_of_row);
    free (self->cost_of_row);
    free (self->row_pot);
    free (self->row_of_col);
    free (self->col_pot);
    free (self->best_row);
    free (self->best_cost);
    free (self->start_key);
    free (self->start.item);
    free (self->start.pos);
    free (self->work.item);
    free (self->work.pos);
    free (self->label);
    free (self->pred_row);
    free (self->pred_cost);
    free (self->stamp);
    free (self->settled);
    free (self);
    *self_p = NULL;
}

/* Grows *p to hold n elements of size bytes. 0 or -1 (unchanged). */
static int s_grow (void **p, size_t n, size_t size)
{
    void *q = realloc (*p, (n ? n : 1) * size);
    if (!q) return -1;
    *p = q;
    return 0;
}

/* Makes the per-row and per-column arrays hold the current problem. 0 or -1 (the caps are left as they were). */
static int s_reserve_nodes (disp_assign_t *self)
{
    if (self->rows > self->row_cap || !self->row_start) { /* row_start has rows + 1 entries, even for 0 rows */
        size_t n = self->rows;
        if (s_grow ((void **)&self->row_start, n + 1, sizeof (size_t)) ||
            s_grow ((void **)&self->col_of_row, n, sizeof (uint32_t)) ||
            s_grow ((void **)&self->cost_of_row, n, sizeof (int64_t)) ||
            s_grow ((void **)&self->row_pot, n, sizeof (int64_t)))
            return -1;
        self->row_cap = self->rows;
    }
    if (self->cols > self->col_cap || !self->col_start) {
        size_t n = self->cols;
        if (s_grow ((void **)&self->col_start, n + 1, sizeof (size_t)) ||
            s_grow ((void **)&self->row_of_col, n, sizeof (uint32_t)) ||
            s_grow ((void **)&self->col_pot, n, sizeof (int64_t)) ||
            s_grow ((void **)&self->best_row, n, sizeof (uint32_t)) ||
            s_grow ((void **)&self->best_cost, n, sizeof (int64_t)) ||
            s_grow ((void **)&self->start_key, n, sizeof (int64_t)) ||
            s_grow ((void **)&self->start.item, n, sizeof (uint32_t)) ||
            s_grow ((void **)&self->start.pos, n, sizeof (uint32_t)) ||
            s_grow ((void **)&self->work.item, n, sizeof (uint32_t)) ||
            s_grow ((void **)&self->work.pos, n, sizeof (uint32_t)) ||
            s_grow ((void **)&self->label, n, sizeof (int64_t)) ||
            s_grow ((void **)&self->pred_row, n, sizeof (uint32_t)) ||
            s_grow ((void **)&self->pred_cost, n, sizeof (int64_t)) ||
            s_grow ((void **)&self->settled, n, sizeof (uint32_t)))
            return -1;
        /* New stamps must not look like this round's: restart the epochs on a cleared array. */
        if (s_grow ((void **)&self->stamp, n, sizeof (uint32_t))) return -1;
        memset (self->stamp, 0, (n ? n : 1) * sizeof *self->stamp);
        self->epoch = 0;
        self->col_cap = self->cols;
    }
    size_t buckets = (self->rows > self->cols ? self->rows : self->cols) + 1;
    if (buckets > self->bucket_cap) {
        if (s_grow ((void **)&self->bucket, buckets, sizeof (size_t))) return -1;
        self->bucket_cap = buckets;
    }
    self->start.key = self->start_key;
    self->work.key = self->label;
    return 0;
}

/* An empty answer for the current problem. Precondition: the node arrays hold it. */
static void s_clear_answer (disp_assign_t *self)
{
    for (uint32_t i = 0; i < self->rows; i++)
        self->col_of_row[i] = DISP_ASSIGN_NONE;
    for (uint32_t j = 0; j < self->cols; j++)
        self->row_of_col[j] = DISP_ASSIGN_NONE;
    self->matched = 0;
    self->total = 0;
}

int disp_assign_reset (disp_assign_t *self, uint32_t rows, uint32_t cols)
{
    assert (self);
    self->edge_count = 0;
    self->matched = 0;
    self->total = 0;
    self->rows = self->cols = 0;
    if (rows > DISP_ASSIGN_MAX_SIZE || cols > DISP_ASSIGN_MAX_SIZE) return -1;
    self->rows = rows;
    self->cols = cols;
    if (s_reserve_nodes (self)) {
        self->rows = self->cols = 0;
        return -1;
    }
    s_clear_answer (self);
    return 0;
}

int disp_assign_add (disp_assign_t *self, uint32_t row, uint32_t col, int64_t cost)
{
    assert (self);
    if (row >= self->rows || col >= self->cols || cost < 0 || cost > DISP_ASSIGN_COST_MAX) return -1;
    if (self->edge_count == self->edge_cap) {
        size_t cap = self->edge_cap ? 2 * self->edge_cap : 256;
        if (s_grow ((void **)&self->edges, cap, sizeof (s_edge_t)) ||
            s_grow ((void **)&self->tmp, cap, sizeof (s_edge_t)) ||
            s_grow ((void **)&self->adj_col, cap, sizeof (uint32_t)) ||
            s_grow ((void **)&self->adj_cost, cap, sizeof (int64_t)) ||
            s_grow ((void **)&self->cadj_row, cap, sizeof (uint32_t)) ||
            s_grow ((void **)&self->cadj_cost, cap, sizeof (int64_t)))
            return -1;
        self->edge_cap = cap;
    }
    self->edges[self->edge_count++] = (s_edge_t){.row = row, .col = col, .cost = cost};
    return 0;
}

uint32_t disp_assign_col_of (const disp_assign_t *self, uint32_t row, int64_t *cost_out)
{
    if (row >= self->rows || self->col_of_row[row] == DISP_ASSIGN_NONE) return DISP_ASSIGN_NONE;
    if (cost_out) *cost_out = self->cost_of_row[row];
    return self->col_of_row[row];
}

size_t disp_assign_matched (const disp_assign_t *self)
{
    return self->matched;
}

int64_t disp_assign_total (const disp_assign_t *self)
{
    return self->total;
}

/* ---- the graph ------------------------------------------------------------------------------------------------ */

/* One stable counting-sort pass of n edges from `from` into `to` by row (by_row) or by column. */
static void s_sort_pass (disp_assign_t *self, const s_edge_t *from, s_edge_t *to, size_t n, int by_row)
{
    size_t keys = by_row ? self->rows : self->cols;
    memset (self->bucket, 0, (keys + 1) * sizeof *self->bucket);
    for (size_t e = 0; e < n; e++)
        self->bucket[(by_row ? from[e].row : from[e].col) + 1]++;
    for (size_t k = 0; k < keys; k++)
        self->bucket[k + 1] += self->bucket[k];
    for (size_t e = 0; e < n; e++)
        to[self->bucket[by_row ? from[e].row : from[e].col]++] = from[e];
}

/* Builds the adjacency both ways from the added edges: sorted by (row, column) with two counting-sort passes, a
 * repeated pair keeping its cheapest cost, then the column-major copy (rows in increasing order). Linear in edges +
 * rows + columns. */
static void s_build_graph (disp_assign_t *self)
{
    size_t n = self->edge_count;
    s_sort_pass (self, self->edges, self->tmp, n, 0);
    s_sort_pass (self, self->tmp, self->edges, n, 1);
    size_t out = 0, e = 0;
    for (uint32_t i = 0; i < self->rows; i++) {
        self->row_start[i] = out;
        for (; e < n && self->edges[e].row == i; e++) {
            if (out > self->row_start[i] && self->adj_col[out - 1] == self->edges[e].col) {
                if (self->edges[e].cost < self->adj_cost[out - 1]) self->adj_cost[out - 1] = self->edges[e].cost;
                continue;
            }
            self->adj_col[out] = self->edges[e].col;
            self->adj_cost[out] = self->edges[e].cost;
            out++;
        }
    }
    self->row_start[self->rows] = out;

    size_t *at = self->bucket; /* at[j]: next free place of column j */
    memset (at, 0, (self->cols + 1) * sizeof *at);
    for (size_t k = 0; k < out; k++)
        at[self->adj_col[k] + 1]++;
    for (uint32_t j = 0; j < self->cols; j++)
        at[j + 1] += at[j];
    memcpy (self->col_start, at, (self->cols + 1) * sizeof *at);
    for (uint32_t i = 0; i < self->rows; i++)
        for (size_t k = self->row_start[i]; k < self->row_start[i + 1]; k++) {
            size_t place = at[self->adj_col[k]]++;
            self->cadj_row[place] = i;
            self->cadj_cost[place] = self->adj_cost[k];
        }
}

/* ---- heaps of columns ----------------------------------------------------------------------------------------- */

static int s_less (const s_heap_t *h, uint32_t a, uint32_t b)
{
    return h->key[a] < h->key[b] || (h->key[a] == h->key[b] && a < b);
}

static void s_heap_set (s_heap_t *h, size_t at, uint32_t col)
{
    h->item[at] = col;
    h->pos[col] = (uint32_t)at;
}

static void s_sift_up (s_heap_t *h, size_t at)
{
    uint32_t col = h->item[at];
    while (at > 0) {
        size_t parent = (at - 1) / 2;
        if (!s_less (h, col, h->item[parent])) break;
        s_heap_set (h, at, h->item[parent]);
        at = parent;
    }
    s_heap_set (h, at, col);
}

static void s_sift_down (s_heap_t *h, size_t at)
{
    uint32_t col = h->item[at];
    size_t n = h->count;
    for (;;) {
        size_t child = 2 * at + 1;
        if (child >= n) break;
        if (child + 1 < n && s_less (h, h->item[child + 1], h->item[child])) child++;
        if (!s_less (h, h->item[child], col)) break;
        s_heap_set (h, at, h->item[child]);
        at = child;
    }
    s_heap_set (h, at, col);
}

/* Precondition: col is not in h and its key is set. */
static void s_heap_push (s_heap_t *h, uint32_t col)
{
    s_heap_set (h, h->count++, col);
    s_sift_up (h, h->count - 1);
}

/* Restores the order after col's key changed. Precondition: col is in h. */
static void s_heap_update (s_heap_t *h, uint32_t col)
{
    s_sift_up (h, h->pos[col]);
    s_sift_down (h, h->pos[col]);
}

/* Takes col out of h (a no-op when it is not in). */
static void s_heap_remove (s_heap_t *h, uint32_t col)
{
    uint32_t at = h->pos[col];
    if (at == S_OUT) return;
    h->pos[col] = S_OUT;
    uint32_t last = h->item[--h->count];
    if (last == col) return;
    s_heap_set (h, at, last);
    s_heap_update (h, last);
}

/* ---- solving -------------------------------------------------------------------------------------------------- */

/* Recomputes column j's cheapest edge from a free row, and its place in the start heap. */
static void s_rebest (disp_assign_t *self, uint32_t j)
{
    self->best_row[j] = DISP_ASSIGN_NONE;
    for (size_t k = self->col_start[j]; k < self->col_start[j + 1]; k++) {
        uint32_t i = self->cadj_row[k];
        if (self->col_of_row[i] != DISP_ASSIGN_NONE) continue;
        if (self->best_row[j] == DISP_ASSIGN_NONE || self->cadj_cost[k] < self->best_cost[j]) {
            self->best_row[j] = i;
            self->best_cost[j] = self->cadj_cost[k];
        }
    }
    if (self->best_row[j] == DISP_ASSIGN_NONE) {
        s_heap_remove (&self->start, j);
        return;
    }
    self->start_key[j] = self->best_cost[j] - self->col_pot[j];
    if (self->start.pos[j] == S_OUT)
        s_heap_push (&self->start, j);
    else
        s_heap_update (&self->start, j);
}

/* Offers column j the reduced distance `label` through matched row i (edge cost `cost`). Only a strictly shorter
 * distance replaces an earlier one. Precondition: j is not settled this round. */
static void s_offer (disp_assign_t *self, uint32_t j, int64_t label, uint32_t i, int64_t cost)
{
    assert (label >= 0);
    if (self->work.pos[j] == S_OUT) {
        self->label[j] = label;
        self->pred_row[j] = i;
        self->pred_cost[j] = cost;
        s_heap_push (&self->work, j);
    } else if (label < self->label[j]) {
        self->label[j] = label;
        self->pred_row[j] = i;
        self->pred_cost[j] = cost;
        s_sift_up (&self->work, self->work.pos[j]);
    }
}

/* The next column to settle: the least (distance, id) of the start heap (distance best_cost + free_pot - col_pot)
 * and the working heap, taken out of both. Sets its label and predecessor. DISP_ASSIGN_NONE when both are empty. */
static uint32_t s_next (disp_assign_t *self)
{
    uint32_t js = self->start.count ? self->start.item[0] : DISP_ASSIGN_NONE;
    uint32_t jw = self->work.count ? self->work.item[0] : DISP_ASSIGN_NONE;
    if (js == DISP_ASSIGN_NONE && jw == DISP_ASSIGN_NONE) return DISP_ASSIGN_NONE;
    int64_t ls = js == DISP_ASSIGN_NONE ? 0 : self->start_key[js] + self->free_pot;
    int from_start = jw == DISP_ASSIGN_NONE ||
                     (js != DISP_ASSIGN_NONE && (ls < self->label[jw] || (ls == self->label[jw] && js <= jw)));
    if (from_start) {
        s_heap_remove (&self->start, js);
        s_heap_remove (&self->work, js); /* a longer way through a matched row, if any */
        assert (ls >= 0);
        self->label[js] = ls;
        self->pred_row[js] = self->best_row[js];
        self->pred_cost[js] = self->best_cost[js];
        return js;
    }
    s_heap_remove (&self->work, jw);
    s_heap_remove (&self->start, jw); /* its start distance is no shorter */
    return jw;
}

/* One round: the cheapest augmenting path from any free row, then the potential update and the flip. Returns 1 when a
 * path was found, 0 when no free column can be reached from any free row (the matching is then maximum). */
static int s_round (disp_assign_t *self)
{
    if (++self->epoch == 0) { /* wrapped: old stamps could look current */
        memset (self->stamp, 0, self->cols * sizeof *self->stamp);
        self->epoch = 1;
    }
    size_t settled = 0;
    uint32_t target = DISP_ASSIGN_NONE, j;
    while ((j = s_next (self)) != DISP_ASSIGN_NONE) {
        self->stamp[j] = self->epoch;
        self->settled[settled++] = j;
        uint32_t i = self->row_of_col[j];
        if (i == DISP_ASSIGN_NONE) {
            target = j;
            break;
        }
        /* The matched edge back to row i is tight, so row i sits at the column's distance. */
        int64_t at = self->label[j];
        for (size_t e = self->row_start[i]; e < self->row_start[i + 1]; e++) {
            uint32_t j2 = self->adj_col[e];
            if (self->stamp[j2] == self->epoch) continue;
            s_offer (self, j2, at + self->adj_cost[e] + self->row_pot[i] - self->col_pot[j2], i, self->adj_cost[e]);
        }
    }
    /* Columns reached but not settled leave the working heap; the start heap keeps its columns. */
    for (size_t k = 0; k < self->work.count; k++)
        self->work.pos[self->work.item[k]] = S_OUT;
    self->work.count = 0;
    if (target == DISP_ASSIGN_NONE) return 0; /* no round follows: the start heap need not be made whole */

    int64_t d = self->label[target];
    for (size_t s = 0; s < settled; s++) {
        uint32_t c = self->settled[s];
        int64_t lower = d - self->label[c];
        self->col_pot[c] -= lower;
        if (self->row_of_col[c] != DISP_ASSIGN_NONE) self->row_pot[self->row_of_col[c]] -= lower;
    }
    self->free_pot -= d;

    /* Flip the path: each column takes the row it was reached from; that row's old column is the next one back. */
    uint32_t source = DISP_ASSIGN_NONE;
    for (j = target;;) {
        uint32_t i = self->pred_row[j];
        uint32_t before = self->col_of_row[i];
        self->col_of_row[i] = j;
        self->cost_of_row[i] = self->pred_cost[j];
        self->row_of_col[j] = i;
        if (before == DISP_ASSIGN_NONE) {
            self->row_pot[i] = self->free_pot;
            source = i;
            break;
        }
        j = before;
    }

    /* The settled columns' potentials changed: back into the start heap with their new keys. Then the columns whose
     * cheapest free row was the one just matched look for another. */
    for (size_t s = 0; s < settled; s++) {
        uint32_t c = self->settled[s];
        if (self->best_row[c] == source) continue; /* done just below */
        if (self->best_row[c] != DISP_ASSIGN_NONE) {
            self->start_key[c] = self->best_cost[c] - self->col_pot[c];
            s_heap_push (&self->start, c);
        }
    }
    for (size_t e = self->row_start[source]; e < self->row_start[source + 1]; e++)
        if (self->best_row[self->adj_col[e]] == source) s_rebest (self, self->adj_col[e]);
    return 1;
}

void disp_assign_solve (disp_assign_t *self)
{
    assert (self);
    s_clear_answer (self);
    s_build_graph (self);
    self->free_pot = 0;
    self->start.count = 0;
    self->work.count = 0;
    for (uint32_t j = 0; j < self->cols; j++) {
        self->col_pot[j] = 0;
        self->work.pos[j] = S_OUT;
        self->start.pos[j] = S_OUT;
        /* every row is free: the column's cheapest edge, lowest row on ties (rows are in increasing order) */
        self->best_row[j] = DISP_ASSIGN_NONE;
        for (size_t k = self->col_start[j]; k < self->col_start[j + 1]; k++)
            if (self->best_row[j] == DISP_ASSIGN_NONE || self->cadj_cost[k] < self->best_cost[j]) {
                self->best_row[j] = self->cadj_row[k];
                self->best_cost[j] = self->cadj_cost[k];
            }
        if (self->best_row[j] != DISP_ASSIGN_NONE) {
            self->start_key[j] = self->best_cost[j];
            s_heap_set (&self->start, self->start.count++, j);
        }
    }
    for (size_t at = self->start.count / 2; at-- > 0;)
        s_sift_down (&self->start, at);
    while (s_round (self))
        ;
    for (uint32_t i = 0; i < self->rows; i++)
        if (self->col_of_row[i] != DISP_ASSIGN_NONE) {
            self->matched++;
            self->total += self->cost_of_row[i];
        }
}
