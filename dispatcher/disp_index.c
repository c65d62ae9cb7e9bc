/* disp_index: vehicles filed by grid cell in intrusive doubly linked lists (O(1) put, move and remove, and no
 * allocation after construction), and a nearest-first walk that scans square rings of cells around the query point,
 * keeps the vehicles seen in a binary heap ordered by (distance, id), and hands one out only once no unscanned cell
 * can hold anything as near. Lists are unordered; the heap's total order makes results deterministic. */
#include "disp_index.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* End of a cell list, and the cell of an absent vehicle. Ids are <= max_vehicle_id < UINT32_MAX. */
#define S_NIL UINT32_MAX

/* Most cells in a grid: 16 MB of list heads. */
#define S_MAX_CELLS (1u << 22)

typedef struct {
    double x, y;         /* position as put, possibly outside the box */
    uint32_t cell;       /* S_NIL when absent */
    uint32_t prev, next; /* neighbours in the list of `cell`, S_NIL at the ends */
} s_vehicle_t;

typedef struct {
    double d2; /* squared distance to the query point */
    uint32_t id;
} s_candidate_t;

struct disp_index_t {
    double min_x, min_y, cell_m;
    uint32_t cols, rows;
    uint32_t *head;         /* [cols * rows]: first vehicle of each cell, or S_NIL */
    s_vehicle_t *vehicles;  /* [vehicle_limit] */
    uint32_t vehicle_limit; /* max_vehicle_id + 1 */
    size_t count;
    uint64_t stamp; /* bumped by every put and remove, so a walk notices a change */

    /* The walk under way. Rings 0 .. ring - 1 around cell (cx, cy) are scanned; every vehicle not yet in the heap
     * is at least sqrt (bound2) away, unless all is set, when the heap holds everything left. */
    bool active, all;
    double qx, qy, eps_m, bound2;
    int64_t cx, cy, ring, ring_max;
    size_t pushed;
    uint64_t stamp_at_begin;
    s_candidate_t *heap; /* [vehicle_limit]: a heap never holds more than every vehicle */
    size_t heap_count;
};

/* Cell along one axis of coordinate v, clamped into [0, count - 1]. Precondition: v is finite. */
static uint32_t s_axis_cell (double v, double origin, double cell_m, uint32_t count)
{
    double c = floor ((v - origin) / cell_m);
    if (!(c >= 0)) return 0;
    if (c >= (double)count) return count - 1;
    return (uint32_t)c;
}

disp_index_t *disp_index_new (double min_x, double min_y, double max_x, double max_y, double cell_m,
                              uint32_t max_vehicle_id)
{
    if (!isfinite (min_x) || !isfinite (min_y) || !isfinite (max_x) || !isfinite (max_y) || !isfinite (cell_m) ||
        !(cell_m > 0) || max_x < min_x || max_y < min_y || max_vehicle_id == UINT32_MAX)
        return NULL;
    /* Grow the cell until the grid fits: the cell count is memory, and an over-fine grid only costs empty scans. */
    double cols, rows;
    for (;;) {
        cols = floor ((max_x - min_x) / cell_m) + 1;
        rows = floor ((max_y - min_y) / cell_m) + 1;
        if (cols * rows <= (double)S_MAX_CELLS) break;
        cell_m *= 2;
    }
    disp_index_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->min_x = min_x;
    self->min_y = min_y;
    self->cell_m = cell_m;
    self->cols = (uint32_t)cols;
    self->rows = (uint32_t)rows;
    self->vehicle_limit = max_vehicle_id + 1;
    size_t cells = (size_t)self->cols * self->rows;
    self->head = malloc (cells * sizeof *self->head);
    self->vehicles = malloc ((size_t)self->vehicle_limit * sizeof *self->vehicles);
    self->heap = malloc ((size_t)self->vehicle_limit * sizeof *self->heap);
    if (!self->head || !self->vehicles || !self->heap) goto err;
    for (size_t c = 0; c < cells; c++)
        self->head[c] = S_NIL;
    for (uint32_t v = 0; v < self->vehicle_limit; v++)
        self->vehicles[v] = (s_vehicle_t){.cell = S_NIL, .prev = S_NIL, .next = S_NIL};
    return self;

err:
    disp_index_destroy (&self);
    return NULL;
}

void disp_index_destroy (disp_index_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_index_t *self = *self_p;
    free (self->head);
    free (self->vehicles);
    free (self->heap);
    free (self);
    *self_p = NULL;
}

/* Takes present vehicle v out of its cell's list. */
static void s_unlink (disp_index_t *self, uint32_t v)
{
    s_vehicle_t *veh = &self->vehicles[v];
    assert (veh->cell != S_NIL);
    if (veh->prev != S_NIL)
        self->vehicles[veh->prev].next = veh->next;
    else
        self->head[veh->cell] = veh->next;
    if (veh->next != S_NIL) self->vehicles[veh->next].prev = veh->prev;
    veh->cell = veh->prev = veh->next = S_NIL;
}

int disp_index_put (disp_index_t *self, uint32_t vehicle, double x, double y)
{
    assert (self);
    if (vehicle >= self->vehicle_limit || !isfinite (x) || !isfinite (y)) return -1;
    uint32_t cell = s_axis_cell (y, self->min_y, self->cell_m, self->rows) * self->cols +
                    s_axis_cell (x, self->min_x, self->cell_m, self->cols);
    s_vehicle_t *veh = &self->vehicles[vehicle];
    if (veh->cell == S_NIL)
        self->count++;
    else if (veh->cell != cell)
        s_unlink (self, vehicle);
    if (veh->cell != cell) {
        veh->cell = cell;
        veh->prev = S_NIL;
        veh->next = self->head[cell];
        if (veh->next != S_NIL) self->vehicles[veh->next].prev = vehicle;
        self->head[cell] = vehicle;
    }
    veh->x = x;
    veh->y = y;
    self->stamp++;
    return 0;
}

void disp_index_remove (disp_index_t *self, uint32_t vehicle)
{
    assert (self);
    if (vehicle >= self->vehicle_limit || self->vehicles[vehicle].cell == S_NIL) return;
    s_unlink (self, vehicle);
    self->count--;
    self->stamp++;
}

int disp_index_contains (const disp_index_t *self, uint32_t vehicle)
{
    assert (self);
    return vehicle < self->vehicle_limit && self->vehicles[vehicle].cell != S_NIL;
}

size_t disp_index_count (const disp_index_t *self)
{
    assert (self);
    return self->count;
}

/* ---- The walk. ---------------------------------------------------------------------------------------------- */

static bool s_before (s_candidate_t a, s_candidate_t b)
{
    return a.d2 < b.d2 || (a.d2 == b.d2 && a.id < b.id);
}

/* Adds a candidate. Precondition: heap_count < vehicle_limit (each vehicle is pushed at most once per walk). */
static void s_heap_push (disp_index_t *self, s_candidate_t c)
{
    assert (self->heap_count < self->vehicle_limit);
    size_t i = self->heap_count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!s_before (c, self->heap[parent])) break;
        self->heap[i] = self->heap[parent];
        i = parent;
    }
    self->heap[i] = c;
}

/* Removes and returns the first candidate. Precondition: the heap is not empty. */
static s_candidate_t s_heap_pop (disp_index_t *self)
{
    assert (self->heap_count > 0);
    s_candidate_t top = self->heap[0], last = self->heap[--self->heap_count];
    size_t n = self->heap_count, i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && s_before (self->heap[child + 1], self->heap[child])) child++;
        if (!s_before (self->heap[child], last)) break;
        self->heap[i] = self->heap[child];
        i = child;
    }
    if (n > 0) self->heap[i] = last;
    return top;
}

/* Pushes every vehicle of cell (i, j), which lies in the grid. */
static void s_scan_cell (disp_index_t *self, int64_t i, int64_t j)
{
    for (uint32_t v = self->head[(size_t)j * self->cols + (size_t)i]; v != S_NIL; v = self->vehicles[v].next) {
        double dx = self->vehicles[v].x - self->qx, dy = self->vehicles[v].y - self->qy;
        s_candidate_t c = {.d2 = dx * dx + dy * dy, .id = v};
        s_heap_push (self, c);
        self->pushed++;
    }
}

/* Scans the next ring of cells and tightens the bound on what is left unscanned. Precondition: an active walk with
 * all not set. */
static void s_scan_ring (disp_index_t *self)
{
    int64_t k = self->ring++, cx = self->cx, cy = self->cy, cols = self->cols, rows = self->rows;
    int64_t x_lo = cx - k < 0 ? 0 : cx - k, x_hi = cx + k > cols - 1 ? cols - 1 : cx + k;
    int64_t y_lo = cy - k < 0 ? 0 : cy - k, y_hi = cy + k > rows - 1 ? rows - 1 : cy + k;
    /* The ring's bottom and top rows whole, then its left and right columns between them. */
    if (cy - k >= 0)
        for (int64_t i = x_lo; i <= x_hi; i++)
            s_scan_cell (self, i, cy - k);
    if (k > 0 && cy + k < rows)
        for (int64_t i = x_lo; i <= x_hi; i++)
            s_scan_cell (self, i, cy + k);
    for (int64_t j = cy - k + 1; j <= cy + k - 1; j++) {
        if (j < 0 || j >= rows) continue;
        if (cx - k >= 0) s_scan_cell (self, cx - k, j);
        if (k > 0 && cx + k < cols) s_scan_cell (self, cx + k, j);
    }
    if (self->ring > self->ring_max || self->pushed == self->count) {
        self->all = true;
        return;
    }
    /* The scanned cells make up a rectangle whose sides on the grid's border reach to infinity (border cells hold
     * the points beyond the box); q lies inside it. Every unscanned vehicle lies outside it, so at least as far as
     * the nearest finite side. eps_m covers rounding in the cell of a point on a cell's edge. */
    double lx = self->min_x + (double)x_lo * self->cell_m, hx = self->min_x + (double)(x_hi + 1) * self->cell_m;
    double ly = self->min_y + (double)y_lo * self->cell_m, hy = self->min_y + (double)(y_hi + 1) * self->cell_m;
    double bound = INFINITY;
    if (x_lo > 0) bound = fmin (bound, self->qx - lx);
    if (x_hi < cols - 1) bound = fmin (bound, hx - self->qx);
    if (y_lo > 0) bound = fmin (bound, self->qy - ly);
    if (y_hi < rows - 1) bound = fmin (bound, hy - self->qy);
    bound -= self->eps_m;
    self->bound2 = bound > 0 ? bound * bound : 0;
}

void disp_index_query_begin (disp_index_t *self, double x, double y)
{
    assert (self);
    self->heap_count = 0;
    self->pushed = 0;
    self->stamp_at_begin = self->stamp;
    self->active = isfinite (x) && isfinite (y);
    if (!self->active) return;
    self->qx = x;
    self->qy = y;
    self->cx = s_axis_cell (x, self->min_x, self->cell_m, self->cols);
    self->cy = s_axis_cell (y, self->min_y, self->cell_m, self->rows);
    int64_t far = self->cx;
    if ((int64_t)self->cols - 1 - self->cx > far) far = (int64_t)self->cols - 1 - self->cx;
    if (self->cy > far) far = self->cy;
    if ((int64_t)self->rows - 1 - self->cy > far) far = (int64_t)self->rows - 1 - self->cy;
    self->ring = 0;
    self->ring_max = far;
    self->all = self->count == 0;
    self->bound2 = 0;
    /* Far more than the rounding of any coordinate involved, far less than anything that matters. */
    self->eps_m = 1e-9 * (self->cell_m + fabs (self->min_x) + fabs (self->min_y) + fabs (x) + fabs (y));
}

int disp_index_query_next (disp_index_t *self, uint32_t *vehicle, double *dist_m)
{
    assert (self && vehicle && dist_m);
    if (!self->active || self->stamp != self->stamp_at_begin) {
        self->active = false;
        return -1;
    }
    for (;;) {
        if (self->heap_count > 0 && (self->all || self->heap[0].d2 < self->bound2)) {
            s_candidate_t c = s_heap_pop (self);
            *vehicle = c.id;
            *dist_m = sqrt (c.d2);
            return 0;
        }
        if (self->all) {
            self->active = false;
            return -1;
        }
        s_scan_ring (self);
    }
}
