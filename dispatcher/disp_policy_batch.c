/* disp_policy_batch: riders are collected over a window of the session clock, then matched to vehicles all together
 * at the least total pickup time, instead of first come, first served.
 *
 * Windows are [n x W, (n + 1) x W) for W = params.batch_window_ms. A request waits in the engine's queue until the
 * first step at or after the end of the window its request time falls in. At that step, every waiting request whose
 * window has ended forms one batch: each gets as candidates its params.batch_candidates nearest idle vehicles of its
 * fleet (and as many of the other fleet when it accepts any fleet) within min(max pickup, deadline - now), and an
 * exact assignment (disp_assign) takes the most riders at the least total pickup time over those candidates. Pruning
 * to k candidates can leave a rider without a vehicle that is free and in reach (all its candidates went to others):
 * such riders then get the nearest idle vehicle left, one by one in arrival order, so no free vehicle stays unused
 * for a rider it can reach. Riders still without a vehicle wait for the next window (or give up at their deadline).
 *
 * A request that reaches the engine only after its window was closed (a late sender) waits for the next window.
 *
 * Whether a window has ended since the last batch follows from the time of the previous step alone (the engine's
 * disp_engine_previous_step): a batch runs when the window of now starts after the window of the previous step. So
 * the policy keeps no state between steps but scratch space, and a restarted dispatcher, told the previous step's
 * time by the resync tick, batches at exactly the steps the lost one would have. */
#include "disp_policy.h"

#include <stdlib.h>

#include "disp_assign.h"

/* A vehicle with no column in the batch under way. */
#define S_NONE UINT32_MAX

/* One rider of the batch under way. */
typedef struct {
    uint32_t pending; /* index in the engine's pending array */
    uint8_t search;   /* bit f: fleet f may hold idle vehicles in reach beyond the candidates (its search returned k,
                         or never ran) */
} s_row_t;

/* One candidate pair of the batch under way. */
typedef struct {
    uint32_t row, vehicle;
    int64_t eta_ms;
} s_candidate_t;

typedef struct {
    int64_t window_ms;
    uint32_t k;
    disp_assign_t *solver;

    s_row_t *rows;
    size_t row_cap;
    s_candidate_t *cands;
    size_t cand_count, cand_cap;
    uint32_t *vehicle_ids; /* k results of one search */
    int64_t *eta_ms;
    uint32_t *col_vehicle; /* column -> vehicle, in increasing vehicle id */
    size_t col_count, col_cap;
    uint32_t *col_of; /* [vehicle capacity]: vehicle -> column in this batch, or S_NONE */
} s_batch_t;

void *disp_policy_batch_state_new (const disp_config_t *config)
{
    s_batch_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->window_ms = config->params.batch_window_ms;
    self->k = config->params.batch_candidates;
    self->solver = disp_assign_new ();
    self->vehicle_ids = malloc (self->k * sizeof *self->vehicle_ids);
    self->eta_ms = malloc (self->k * sizeof *self->eta_ms);
    self->col_of = malloc ((size_t)config->vehicle_capacity * sizeof *self->col_of);
    if (!self->solver || !self->vehicle_ids || !self->eta_ms || !self->col_of) {
        disp_policy_batch_state_free (self);
        return NULL;
    }
    for (uint32_t v = 0; v < config->vehicle_capacity; v++)
        self->col_of[v] = S_NONE;
    return self;
}

void disp_policy_batch_state_free (void *state)
{
    s_batch_t *self = state;
    if (!self) return;
    disp_assign_destroy (&self->solver);
    free (self->rows);
    free (self->cands);
    free (self->vehicle_ids);
    free (self->eta_ms);
    free (self->col_vehicle);
    free (self->col_of);
    free (self);
}

/* Start of the window holding t: the largest multiple of window_ms at or before t (t may be negative). */
static int64_t s_window_start (int64_t t, int64_t window_ms)
{
    int64_t q = t / window_ms;
    if (t % window_ms < 0) q--;
    return q * window_ms;
}

/* Grows *p to hold at least n elements of size bytes (doubling). 0 or -1 (unchanged). */
static int s_reserve (void **p, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < n)
        c *= 2;
    void *q = realloc (*p, c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int s_cmp_u32 (const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}


/* Collects the candidates of every row: its k nearest idle vehicles of each fleet it accepts. 0, or -1 when out of
 * memory. */
static int s_collect (s_batch_t *self, disp_engine_t *engine, const disp_request_t *pending, size_t rows)
{
    self->cand_count = 0;
    for (size_t row = 0; row < rows; row++) {
        const disp_request_t *r = &pending[self->rows[row].pending];
        int64_t limit_ms = disp_engine_pickup_limit (engine, r);
        if (limit_ms <= 0) continue;
        for (int f = 0; f < DISP_FLEET_COUNT; f++) {
            if (!disp_request_accepts (r, (disp_fleet_t)f)) continue;
            size_t n = disp_engine_idle_for_k (engine, r, (disp_fleet_t)f, limit_ms, self->k,
                                                self->vehicle_ids, self->eta_ms);
            if (n < self->k) self->rows[row].search &= (uint8_t) ~(1u << f);
            if (s_reserve ((void **)&self->cands, &self->cand_cap, self->cand_count + n, sizeof *self->cands))
                return -1;
            for (size_t c = 0; c < n; c++)
                self->cands[self->cand_count++] =
                    (s_candidate_t){.row = (uint32_t)row, .vehicle = self->vehicle_ids[c], .eta_ms = self->eta_ms[c]};
        }
    }
    return 0;
}

/* Numbers the candidate vehicles as columns in increasing id order (so equal choices favour lower ids, as in the
 * nearest policy) and loads the problem into the solver. 0, or -1 when out of memory. col_of is set for every
 * candidate vehicle; s_forget_columns clears it. */
static int s_load (s_batch_t *self, size_t rows)
{
    self->col_count = 0;
    for (size_t c = 0; c < self->cand_count; c++) {
        uint32_t v = self->cands[c].vehicle;
        if (self->col_of[v] != S_NONE) continue;
        if (s_reserve ((void **)&self->col_vehicle, &self->col_cap, self->col_count + 1, sizeof *self->col_vehicle))
            return -1;
        self->col_of[v] = 0; /* seen; numbered below */
        self->col_vehicle[self->col_count++] = v;
    }
    if (self->col_count > 1) qsort (self->col_vehicle, self->col_count, sizeof *self->col_vehicle, s_cmp_u32);
    for (size_t j = 0; j < self->col_count; j++)
        self->col_of[self->col_vehicle[j]] = (uint32_t)j;
    if (disp_assign_reset (self->solver, (uint32_t)rows, (uint32_t)self->col_count)) return -1;
    for (size_t c = 0; c < self->cand_count; c++) {
        const s_candidate_t *cand = &self->cands[c];
        if (disp_assign_add (self->solver, cand->row, self->col_of[cand->vehicle], cand->eta_ms)) return -1;
    }
    return 0;
}

static void s_forget_columns (s_batch_t *self)
{
    for (size_t c = 0; c < self->cand_count; c++)
        self->col_of[self->cands[c].vehicle] = S_NONE;
    self->col_count = 0;
}

/* The nearest idle vehicle left for request r over the fleets it accepts whose bit is set in `fleets` (sooner first,
 * then lower id). 0 and the vehicle, or -1. */
static int s_nearest_left (disp_engine_t *engine, const disp_request_t *r, unsigned fleets, int64_t limit_ms,
                           uint32_t *vehicle_id, int64_t *eta_ms)
{
    uint32_t best = UINT32_MAX; /* never a vehicle id (ids are below the capacity, at most 2^22) */
    int64_t best_eta = 0;
    for (int f = 0; f < DISP_FLEET_COUNT; f++) {
        if (!(fleets & (1u << f)) || !disp_request_accepts (r, (disp_fleet_t)f) || disp_engine_idle_count (engine, (disp_fleet_t)f) == 0)
            continue;
        uint32_t v;
        int64_t eta;
        if (disp_engine_idle_for (engine, r, (disp_fleet_t)f, limit_ms, &v, &eta)) continue;
        if (best == UINT32_MAX || eta < best_eta || (eta == best_eta && v < best)) {
            best = v;
            best_eta = eta;
        }
    }
    if (best == UINT32_MAX) return -1;
    *vehicle_id = best;
    *eta_ms = best_eta;
    return 0;
}

void disp_policy_batch_assign (disp_engine_t *engine, void *state)
{
    s_batch_t *self = state;
    int64_t now_ms = disp_engine_now (engine);
    /* The latest window end at or before now; nothing to do until a new one passes, that is while now is in the
     * window of the previous step (time never goes back, so that window ended at the latest batch). */
    int64_t close_ms = s_window_start (now_ms, self->window_ms), previous_ms;
    if (disp_engine_previous_step (engine, &previous_ms) && s_window_start (previous_ms, self->window_ms) >= close_ms)
        return;

    const disp_request_t *pending;
    size_t count = disp_engine_pending (engine, &pending);
    if (s_reserve ((void **)&self->rows, &self->row_cap, count, sizeof *self->rows)) return;
    size_t rows = 0;
    for (size_t i = 0; i < count; i++)
        if (pending[i].time_ms < close_ms) self->rows[rows++] = (s_row_t){.pending = (uint32_t)i, .search = 0xff};
    if (rows == 0) return;

    /* The exact assignment over the candidates. Out of memory, it is skipped and every rider goes to the greedy
     * pass below: worse choices, but still every rider that can be served is. */
    int solved = s_collect (self, engine, pending, rows) == 0 && s_load (self, rows) == 0;
    if (!solved)
        for (size_t row = 0; row < rows; row++)
            self->rows[row].search = 0xff;
    if (solved) {
        disp_assign_solve (self->solver);
        for (size_t row = 0; row < rows; row++) {
            int64_t eta_ms;
            uint32_t col = disp_assign_col_of (self->solver, (uint32_t)row, &eta_ms);
            if (col != DISP_ASSIGN_NONE)
                disp_engine_assign (engine, self->rows[row].pending, self->col_vehicle[col], eta_ms);
        }
    }
    s_forget_columns (self);

    /* The greedy pass. A rider the solve left out has all its candidates taken (else the matching would not be of
     * maximum size), so a fleet whose search found fewer than k, all of them candidates, has nobody left in reach:
     * only the other fleets are searched. */
    for (size_t row = 0; row < rows; row++) {
        if (solved && disp_assign_col_of (self->solver, (uint32_t)row, NULL) != DISP_ASSIGN_NONE) continue;
        const disp_request_t *r = &pending[self->rows[row].pending];
        int64_t limit_ms = disp_engine_pickup_limit (engine, r);
        if (limit_ms <= 0) continue;
        uint32_t vehicle_id;
        int64_t eta_ms;
        if (s_nearest_left (engine, r, self->rows[row].search, limit_ms, &vehicle_id, &eta_ms) == 0)
            disp_engine_assign (engine, self->rows[row].pending, vehicle_id, eta_ms);
    }
}
