/* check_disp_index: the vehicle grid gives exactly what sorting the whole fleet by distance gives (same vehicles,
 * same order, same distances, ties by id) through random puts, moves and removals, for points inside and outside
 * its box, and stays sane when empty, with one vehicle, or with a crowd on one spot. */
#include <check.h>

#include "rt_check.h"
#include "rt_rand.h"
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "disp_index.h"

/* The box of the random tests: 12 km x 9 km, cells of 250 m. */
#define S_MIN_X  500000.0
#define S_MIN_Y  3300000.0
#define S_MAX_X  512000.0
#define S_MAX_Y  3309000.0
#define S_CELL_M 250.0

/* A coordinate along one axis: mostly inside the box, sometimes on a cell edge, sometimes well outside. */
static double s_coord (uint64_t *state, double lo, double hi)
{
    uint64_t pick = rt_next (state) % 10;
    if (pick == 0) return lo + S_CELL_M * (double)(rt_next (state) % (uint64_t)((hi - lo) / S_CELL_M + 1));
    if (pick == 1) return rt_uniform (state, lo - 3000, lo);
    if (pick == 2) return rt_uniform (state, hi, hi + 3000);
    return rt_uniform (state, lo, hi);
}

/* What the index should hold, kept by hand. */
typedef struct {
    bool present;
    double x, y;
} s_truth_t;

typedef struct {
    double d2;
    uint32_t id;
} s_hit_t;

static int s_hit_cmp (const void *pa, const void *pb)
{
    const s_hit_t *a = pa, *b = pb;
    if (a->d2 != b->d2) return a->d2 < b->d2 ? -1 : 1;
    return a->id < b->id ? -1 : (a->id > b->id);
}

/* Every present vehicle sorted by (squared distance to (x, y), id) into hits; their count. */
static size_t s_brute (const s_truth_t *truth, uint32_t n, double x, double y, s_hit_t *hits)
{
    size_t count = 0;
    for (uint32_t v = 0; v < n; v++) {
        if (!truth[v].present) continue;
        double dx = truth[v].x - x, dy = truth[v].y - y;
        hits[count++] = (s_hit_t){.d2 = dx * dx + dy * dy, .id = v};
    }
    qsort (hits, count, sizeof *hits, s_hit_cmp);
    return count;
}

/* Walks the index from (x, y) for up to `want` vehicles (all of them when want >= count) and checks each against
 * the brute force; a full walk must then report the end. (Compares in plain C and asserts once: every Check
 * assertion is a write to the runner's pipe.) */
static void s_check_walk (disp_index_t *index, const s_truth_t *truth, uint32_t n, s_hit_t *hits, double x, double y,
                          size_t want)
{
    size_t count = s_brute (truth, n, x, y, hits);
    ck_assert_uint_eq (disp_index_count (index), count);
    disp_index_query_begin (index, x, y);
    size_t limit = want < count ? want : count, i = 0;
    uint32_t v = UINT32_MAX;
    double d = -1;
    int rc = 0;
    for (; i < limit; i++) {
        v = UINT32_MAX;
        d = -1;
        rc = disp_index_query_next (index, &v, &d);
        if (rc != 0 || v != hits[i].id || d != sqrt (hits[i].d2)) break;
    }
    ck_assert_msg (i == limit,
                   "query (%.3f, %.3f) item %zu of %zu: rc %d, vehicle %u at %.6f m, expected %u at %.6f m", x, y, i,
                   count, rc, v, d, i < count ? hits[i].id : UINT32_MAX, i < count ? sqrt (hits[i].d2) : -1.0);
    if (want >= count) {
        ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
        ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
    }
}

/* Random puts, moves and removals on 3,000 ids, each batch followed by full and partial walks from random points. */
START_TEST (test_matches_brute_force)
{
    const uint32_t n = 3000;
    disp_index_t *index = disp_index_new (S_MIN_X, S_MIN_Y, S_MAX_X, S_MAX_Y, S_CELL_M, n - 1);
    ck_assert_ptr_nonnull (index);
    s_truth_t *truth = calloc (n, sizeof *truth);
    s_hit_t *hits = malloc (n * sizeof *hits);
    uint64_t rng = 20240611;
    size_t walks = 0;
    for (int batch = 0; batch < 30; batch++) {
        /* Early batches mostly add, later ones mostly move and remove. */
        int ops = batch < 5 ? 800 : 300;
        for (int op = 0; op < ops; op++) {
            uint32_t v = (uint32_t)(rt_next (&rng) % n);
            uint64_t kind = rt_next (&rng) % 10;
            if (kind < (batch < 5 ? 8u : 3u) || (kind < 7 && truth[v].present)) {
                double x = s_coord (&rng, S_MIN_X, S_MAX_X), y = s_coord (&rng, S_MIN_Y, S_MAX_Y);
                if (kind == 6 && truth[v].present) /* a small move, often within its cell */
                    x = truth[v].x + rt_uniform (&rng, -30, 30), y = truth[v].y + rt_uniform (&rng, -30, 30);
                if (kind == 5) { /* onto another vehicle's spot: equal distances, order by id */
                    uint32_t other = (uint32_t)(rt_next (&rng) % n);
                    if (truth[other].present) x = truth[other].x, y = truth[other].y;
                }
                ck_assert_int_eq (disp_index_put (index, v, x, y), 0);
                truth[v] = (s_truth_t){.present = true, .x = x, .y = y};
            } else {
                disp_index_remove (index, v);
                truth[v].present = false;
            }
        }
        for (uint32_t v = 0; v < n; v++)
            if (disp_index_contains (index, v) != truth[v].present) ck_abort_msg ("vehicle %u: contains is wrong", v);
        for (int q = 0; q < 40; q++) {
            double x = s_coord (&rng, S_MIN_X, S_MAX_X), y = s_coord (&rng, S_MIN_Y, S_MAX_Y);
            if (q % 8 == 0) { /* from a vehicle's own spot */
                uint32_t v = (uint32_t)(rt_next (&rng) % n);
                if (truth[v].present) x = truth[v].x, y = truth[v].y;
            }
            size_t want = q % 4 == 0 ? SIZE_MAX : 1 + (size_t)(rt_next (&rng) % 40);
            s_check_walk (index, truth, n, hits, x, y, want);
            walks++;
        }
    }
    ck_assert_uint_eq (walks, 30 * 40);
    free (hits);
    free (truth);
    disp_index_destroy (&index);
    ck_assert_ptr_null (index);
}
END_TEST

/* Four vehicles exactly 100 m away in four directions, and a fifth on the query point: the nearest first, then the
 * four by id, whatever the order they were put in. */
START_TEST (test_ties_by_id)
{
    disp_index_t *index = disp_index_new (0, 0, 1000, 1000, 100, 99);
    ck_assert_ptr_nonnull (index);
    double qx = 450, qy = 450;
    ck_assert_int_eq (disp_index_put (index, 42, qx + 100, qy), 0);
    ck_assert_int_eq (disp_index_put (index, 7, qx, qy - 100), 0);
    ck_assert_int_eq (disp_index_put (index, 99, qx - 100, qy), 0);
    ck_assert_int_eq (disp_index_put (index, 13, qx, qy + 100), 0);
    ck_assert_int_eq (disp_index_put (index, 50, qx, qy), 0);
    const uint32_t expect[] = {50, 7, 13, 42, 99};
    disp_index_query_begin (index, qx, qy);
    for (size_t i = 0; i < 5; i++) {
        uint32_t v;
        double d;
        ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
        ck_assert_uint_eq (v, expect[i]);
        ck_assert_double_eq (d, i == 0 ? 0 : 100);
    }
    uint32_t v;
    double d;
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
    disp_index_destroy (&index);
}
END_TEST

/* Vehicles beyond every side of the box are kept at their own positions: distances are true ones, from query points
 * inside and outside. */
START_TEST (test_outside_the_box)
{
    disp_index_t *index = disp_index_new (0, 0, 1000, 1000, 100, 9);
    ck_assert_ptr_nonnull (index);
    s_truth_t truth[10] = {{0}};
    const double at[][2] = {{-5000, 500}, {6000, 500}, {500, -7000}, {500, 8000}, {-300, -300},
                            {1300, 1300}, {500, 500},  {1000, 1000}, {0, 0},      {-1e7, 1e7}};
    for (uint32_t v = 0; v < 10; v++) {
        ck_assert_int_eq (disp_index_put (index, v, at[v][0], at[v][1]), 0);
        truth[v] = (s_truth_t){.present = true, .x = at[v][0], .y = at[v][1]};
    }
    s_hit_t hits[10];
    const double from[][2] = {{500, 500}, {-4000, 500}, {-4900, 600}, {7000, -7000}, {500, 7990},
                              {1e6, 1e6}, {0, 0},       {1000, 1000}, {-1e7, 1e7},   {1050, -20}};
    for (size_t q = 0; q < sizeof from / sizeof from[0]; q++)
        s_check_walk (index, truth, 10, hits, from[q][0], from[q][1], SIZE_MAX);
    /* The nearest to a point far to the west is the vehicle far to the west, though it shares a border cell. */
    uint32_t v;
    double d;
    disp_index_query_begin (index, -4900, 500);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
    ck_assert_uint_eq (v, 0);
    ck_assert_double_eq (d, 100);
    disp_index_destroy (&index);
}
END_TEST

START_TEST (test_empty_and_single)
{
    disp_index_t *index = disp_index_new (0, 0, 1000, 1000, 50, 9);
    ck_assert_ptr_nonnull (index);
    uint32_t v = 12345;
    double d = -1;
    ck_assert_uint_eq (disp_index_count (index), 0);
    disp_index_query_begin (index, 500, 500);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
    ck_assert_uint_eq (v, 12345); /* untouched */
    disp_index_remove (index, 3); /* absent: nothing happens */
    ck_assert_uint_eq (disp_index_count (index), 0);

    ck_assert_int_eq (disp_index_put (index, 3, 30, 40), 0);
    ck_assert_uint_eq (disp_index_count (index), 1);
    disp_index_query_begin (index, 0, 0);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
    ck_assert_uint_eq (v, 3);
    ck_assert_double_eq (d, 50);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
    /* Moved across the box, then put again at the same spot: still one vehicle. */
    ck_assert_int_eq (disp_index_put (index, 3, 990, 990), 0);
    ck_assert_int_eq (disp_index_put (index, 3, 990, 990), 0);
    ck_assert_uint_eq (disp_index_count (index), 1);
    disp_index_query_begin (index, 1000, 1000);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
    ck_assert_uint_eq (v, 3);
    ck_assert_double_eq_tol (d, sqrt (200), 1e-9);
    disp_index_remove (index, 3);
    ck_assert_int_eq (disp_index_contains (index, 3), 0);
    ck_assert_uint_eq (disp_index_count (index), 0);
    disp_index_query_begin (index, 1000, 1000);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
    disp_index_destroy (&index);
    disp_index_destroy (&index); /* NULL-safe */
    disp_index_destroy (NULL);
}
END_TEST

/* 2,000 vehicles on one spot and one a metre away: the crowd comes out by id, then the other. */
START_TEST (test_crowd_on_one_spot)
{
    const uint32_t n = 2001;
    disp_index_t *index = disp_index_new (0, 0, 5000, 5000, 200, n - 1);
    ck_assert_ptr_nonnull (index);
    for (uint32_t i = 0; i < n - 1; i++) /* put in a scrambled order */
        ck_assert_int_eq (disp_index_put (index, (i * 7919u) % (n - 1), 2500, 2500), 0);
    ck_assert_int_eq (disp_index_put (index, n - 1, 2501, 2500), 0);
    ck_assert_uint_eq (disp_index_count (index), n);
    disp_index_query_begin (index, 2400, 2500);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v;
        double d;
        ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
        ck_assert_uint_eq (v, i);
        ck_assert_double_eq (d, i < n - 1 ? 100 : 101);
    }
    uint32_t v;
    double d;
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
    /* Half of the crowd leaves: the walk sees only the rest. */
    for (uint32_t i = 0; i < n - 1; i += 2)
        disp_index_remove (index, i);
    disp_index_query_begin (index, 2500, 2500);
    for (uint32_t i = 1; i < n - 1; i += 2) {
        ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
        ck_assert_uint_eq (v, i);
        ck_assert_double_eq (d, 0);
    }
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
    ck_assert_uint_eq (v, n - 1);
    disp_index_destroy (&index);
}
END_TEST

/* A walk that stops early, the next walk starting afresh, and a walk ended by a change to the index. */
START_TEST (test_walks_restart_and_end_on_change)
{
    disp_index_t *index = disp_index_new (0, 0, 1000, 1000, 100, 9);
    ck_assert_ptr_nonnull (index);
    for (uint32_t i = 0; i < 10; i++)
        ck_assert_int_eq (disp_index_put (index, i, 100.0 * i, 0), 0);
    uint32_t v;
    double d;
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1); /* no walk begun */
    disp_index_query_begin (index, 0, 0);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
    ck_assert_uint_eq (v, 0);
    disp_index_query_begin (index, 950, 0);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
    ck_assert_uint_eq (v, 9);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
    ck_assert_uint_eq (v, 8);
    ck_assert_int_eq (disp_index_put (index, 0, 950, 0), 0);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
    disp_index_query_begin (index, 950, 0);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
    ck_assert_uint_eq (v, 0);
    ck_assert_double_eq (d, 0);
    disp_index_query_begin (index, NAN, 0);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
    disp_index_query_begin (index, 0, INFINITY);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), -1);
    disp_index_destroy (&index);
}
END_TEST

START_TEST (test_bad_arguments)
{
    ck_assert_ptr_null (disp_index_new (NAN, 0, 10, 10, 1, 10));
    ck_assert_ptr_null (disp_index_new (0, 0, INFINITY, 10, 1, 10));
    ck_assert_ptr_null (disp_index_new (10, 0, 0, 10, 1, 10));
    ck_assert_ptr_null (disp_index_new (0, 10, 10, 0, 1, 10));
    ck_assert_ptr_null (disp_index_new (0, 0, 10, 10, 0, 10));
    ck_assert_ptr_null (disp_index_new (0, 0, 10, 10, -5, 10));
    ck_assert_ptr_null (disp_index_new (0, 0, 10, 10, NAN, 10));
    ck_assert_ptr_null (disp_index_new (0, 0, 10, 10, 1, UINT32_MAX));
    disp_index_t *index = disp_index_new (0, 0, 10, 10, 1, 4);
    ck_assert_ptr_nonnull (index);
    ck_assert_int_eq (disp_index_put (index, 5, 1, 1), -1); /* past max_vehicle_id */
    ck_assert_int_eq (disp_index_put (index, 4, NAN, 1), -1);
    ck_assert_int_eq (disp_index_put (index, 4, 1, -INFINITY), -1);
    ck_assert_uint_eq (disp_index_count (index), 0);
    ck_assert_int_eq (disp_index_contains (index, 5), 0);
    disp_index_remove (index, 5);
    ck_assert_int_eq (disp_index_put (index, 4, 1, 1), 0);
    ck_assert_int_eq (disp_index_put (index, 4, NAN, 1), -1); /* refused: stays where it was */
    uint32_t v;
    double d;
    disp_index_query_begin (index, 1, 2);
    ck_assert_int_eq (disp_index_query_next (index, &v, &d), 0);
    ck_assert_uint_eq (v, 4);
    ck_assert_double_eq (d, 1);
    disp_index_destroy (&index);
}
END_TEST

/* A box that is a single point, and a cell so fine the grid is coarsened to fit: both still answer exactly. */
START_TEST (test_degenerate_grids)
{
    const uint32_t n = 200;
    s_truth_t truth[200];
    s_hit_t hits[200];
    uint64_t rng = 7;
    disp_index_t *point = disp_index_new (100, 100, 100, 100, 10, n - 1);
    disp_index_t *fine = disp_index_new (0, 0, 50000, 50000, 0.001, n - 1);
    ck_assert_ptr_nonnull (point);
    ck_assert_ptr_nonnull (fine);
    for (uint32_t v = 0; v < n; v++) {
        double x = rt_uniform (&rng, -1000, 51000), y = rt_uniform (&rng, -1000, 51000);
        ck_assert_int_eq (disp_index_put (point, v, x, y), 0);
        ck_assert_int_eq (disp_index_put (fine, v, x, y), 0);
        truth[v] = (s_truth_t){.present = true, .x = x, .y = y};
    }
    for (int q = 0; q < 20; q++) {
        double x = rt_uniform (&rng, -2000, 52000), y = rt_uniform (&rng, -2000, 52000);
        s_check_walk (point, truth, n, hits, x, y, SIZE_MAX);
        s_check_walk (fine, truth, n, hits, x, y, 5);
    }
    disp_index_destroy (&point);
    disp_index_destroy (&fine);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("disp_index");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 60); /* brute force over thousands of walks: slow under sanitizers */
    tcase_add_test (core, test_matches_brute_force);
    tcase_add_test (core, test_ties_by_id);
    tcase_add_test (core, test_outside_the_box);
    tcase_add_test (core, test_crowd_on_one_spot);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_empty_and_single);
    tcase_add_test (limits, test_walks_restart_and_end_on_change);
    tcase_add_test (limits, test_bad_arguments);
    tcase_add_test (limits, test_degenerate_grids);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
