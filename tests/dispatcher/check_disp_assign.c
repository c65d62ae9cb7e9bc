/* check_disp_assign: the assignment solver against brute force over every matching of many small random problems
 * (square, more rows, more columns, rows without edges, repeated pairs, many equal costs): the same number of pairs
 * and the same total cost, and an answer that is a real matching. Then the limits: empty problems, one row, costs at
 * the largest allowed value, refused input, reuse of one solver. */
#include <check.h>

#include "rt_check.h"
#include "rt_rand.h"
#include <stdlib.h>
#include <string.h>

#include "disp_assign.h"

#define S_MAX 7
#define S_NO  (-1)

/* A small problem kept as a dense table: cost[i][j] or S_NO, the cheapest of repeated pairs. */
typedef struct {
    uint32_t rows, cols;
    int64_t cost[S_MAX][S_MAX];
} s_problem_t;

/* Brute force: every matching, row by row (skip the row, or take a free column it has an edge to). Keeps the largest,
 * then cheapest. */
static void s_brute (const s_problem_t *p, uint32_t row, uint32_t used, size_t size, int64_t cost, size_t *best_size,
                     int64_t *best_cost)
{
    if (row == p->rows) {
        if (size > *best_size || (size == *best_size && cost < *best_cost)) {
            *best_size = size;
            *best_cost = cost;
        }
        return;
    }
    s_brute (p, row + 1, used, size, cost, best_size, best_cost);
    for (uint32_t j = 0; j < p->cols; j++)
        if (p->cost[row][j] != S_NO && !(used & (1u << j)))
            s_brute (p, row + 1, used | (1u << j), size + 1, cost + p->cost[row][j], best_size, best_cost);
}

/* Checks the solver's answer is a matching over p's edges at their cheapest cost, with the reported size and total,
 * and that it is as large and as cheap as brute force finds. */
static void s_check_against_brute (const disp_assign_t *a, const s_problem_t *p, int instance)
{
    size_t best_size = 0;
    int64_t best_cost = 0;
    s_brute (p, 0, 0, 0, 0, &best_size, &best_cost);

    uint32_t used = 0;
    size_t size = 0;
    int64_t total = 0;
    for (uint32_t i = 0; i < p->rows; i++) {
        int64_t c = -1;
        uint32_t j = disp_assign_col_of (a, i, &c);
        if (j == DISP_ASSIGN_NONE) continue;
        ck_assert_msg (j < p->cols && p->cost[i][j] != S_NO, "instance %d: row %u matched to %u without an edge",
                       instance, i, j);
        ck_assert_msg (!(used & (1u << j)), "instance %d: column %u used twice", instance, j);
        ck_assert_int_eq (c, p->cost[i][j]);
        used |= 1u << j;
        size++;
        total += c;
    }
    ck_assert_uint_eq (size, disp_assign_matched (a));
    ck_assert_int_eq (total, disp_assign_total (a));
    ck_assert_msg (size == best_size, "instance %d (%ux%u): %zu pairs, brute force %zu", instance, p->rows, p->cols,
                   size, best_size);
    ck_assert_msg (total == best_cost, "instance %d (%ux%u): total %lld, brute force %lld", instance, p->rows,
                   p->cols, (long long)total, (long long)best_cost);
}

/* A random problem: `density` percent of pairs are edges, costs in [0, cost_range); with `empty_rows`, some rows get
 * no edge; with `repeats`, some pairs are given again at another cost. Loads it into a in random order. */
static void s_random (disp_assign_t *a, s_problem_t *p, uint64_t *st, uint32_t rows, uint32_t cols, int density,
                      int64_t cost_range, int empty_rows, int repeats)
{
    p->rows = rows;
    p->cols = cols;
    typedef struct {
        uint32_t i, j;
        int64_t c;
    } given_t;
    given_t given[2 * S_MAX * S_MAX];
    size_t n = 0;
    for (uint32_t i = 0; i < rows; i++) {
        int no_edges = empty_rows && rt_next (st) % 4 == 0;
        for (uint32_t j = 0; j < cols; j++) {
            p->cost[i][j] = S_NO;
            if (no_edges || (int)(rt_next (st) % 100) >= density) continue;
            int64_t c = (int64_t)(rt_next (st) % (uint64_t)cost_range);
            given[n++] = (given_t){i, j, c};
            p->cost[i][j] = c;
            if (repeats && rt_next (st) % 3 == 0) {
                int64_t c2 = (int64_t)(rt_next (st) % (uint64_t)cost_range);
                given[n++] = (given_t){i, j, c2};
                if (c2 < p->cost[i][j]) p->cost[i][j] = c2;
            }
        }
    }
    for (size_t k = n; k > 1; k--) { /* shuffle: the answer must not depend on the order */
        size_t r = rt_next (st) % k;
        given_t t = given[k - 1];
        given[k - 1] = given[r];
        given[r] = t;
    }
    ck_assert_int_eq (disp_assign_reset (a, rows, cols), 0);
    for (size_t k = 0; k < n; k++)
        ck_assert_int_eq (disp_assign_add (a, given[k].i, given[k].j, given[k].c), 0);
}

/* Runs `count` random problems of the given shape through one solver (reused) against brute force. max_cols 0
 * means square (as many columns as rows). */
static void s_run_random (uint64_t seed, int count, uint32_t min_rows, uint32_t max_rows, uint32_t min_cols,
                          uint32_t max_cols, int64_t cost_range, int empty_rows, int repeats)
{
    disp_assign_t *a = disp_assign_new ();
    ck_assert_ptr_nonnull (a);
    uint64_t st = seed;
    s_problem_t p;
    for (int k = 0; k < count; k++) {
        uint32_t rows = min_rows + (uint32_t)(rt_next (&st) % (max_rows - min_rows + 1));
        uint32_t cols = max_cols ? min_cols + (uint32_t)(rt_next (&st) % (max_cols - min_cols + 1)) : rows;
        int density = 15 + (int)(rt_next (&st) % 86);
        s_random (a, &p, &st, rows, cols, density, cost_range, empty_rows, repeats);
        disp_assign_solve (a);
        s_check_against_brute (a, &p, k);
    }
    disp_assign_destroy (&a);
    ck_assert_ptr_null (a);
}

START_TEST (test_square_matches_brute_force)
{
    s_run_random (1, 3000, 1, S_MAX, 0, 0, 1000, 0, 0); /* square */
}
END_TEST

START_TEST (test_rectangular_matches_brute_force)
{
    /* more rows than columns (riders outnumber vehicles), then more columns than rows */
    s_run_random (2, 2000, 3, S_MAX, 1, 3, 1000, 0, 0);
    s_run_random (3, 2000, 1, 3, 3, S_MAX, 1000, 0, 0);
    s_run_random (4, 2000, 1, S_MAX, 1, S_MAX, 1000, 0, 0);
}
END_TEST

START_TEST (test_rows_without_edges_and_repeated_pairs)
{
    s_run_random (5, 3000, 1, S_MAX, 1, S_MAX, 1000, 1, 1);
}
END_TEST

START_TEST (test_many_equal_costs)
{
    /* costs 0..2: many optimal matchings, many equal paths */
    s_run_random (6, 3000, 1, S_MAX, 1, S_MAX, 3, 1, 1);
    s_run_random (7, 1000, 1, S_MAX, 1, S_MAX, 1, 0, 0);
}
END_TEST

START_TEST (test_answer_independent_of_edge_order)
{
    /* The same edges in two orders give the same pairs, not only the same total. */
    disp_assign_t *a = disp_assign_new (), *b = disp_assign_new ();
    uint64_t st = 11;
    for (int k = 0; k < 500; k++) {
        uint32_t rows = 1 + (uint32_t)(rt_next (&st) % 30), cols = 1 + (uint32_t)(rt_next (&st) % 30);
        ck_assert_int_eq (disp_assign_reset (a, rows, cols), 0);
        ck_assert_int_eq (disp_assign_reset (b, rows, cols), 0);
        enum { N = 200 };
        uint32_t ei[N], ej[N];
        int64_t ec[N];
        for (int e = 0; e < N; e++) {
            ei[e] = (uint32_t)(rt_next (&st) % rows);
            ej[e] = (uint32_t)(rt_next (&st) % cols);
            ec[e] = (int64_t)(rt_next (&st) % 4);
        }
        for (int e = 0; e < N; e++)
            ck_assert_int_eq (disp_assign_add (a, ei[e], ej[e], ec[e]), 0);
        for (int e = N - 1; e >= 0; e--)
            ck_assert_int_eq (disp_assign_add (b, ei[e], ej[e], ec[e]), 0);
        disp_assign_solve (a);
        disp_assign_solve (b);
        for (uint32_t i = 0; i < rows; i++)
            ck_assert_uint_eq (disp_assign_col_of (a, i, NULL), disp_assign_col_of (b, i, NULL));
    }
    disp_assign_destroy (&a);
    disp_assign_destroy (&b);
}
END_TEST

START_TEST (test_cheaper_for_all_beats_cheapest_first)
{
    /* Rider 0 is 1 min from vehicle 0 and 2 min from vehicle 1; rider 1 is 1.5 min from vehicle 0 and 10 min from
     * vehicle 1. Cheapest pair first would give 1 + 10 = 11; the optimum is 2 + 1.5 = 3.5. */
    disp_assign_t *a = disp_assign_new ();
    ck_assert_int_eq (disp_assign_reset (a, 2, 2), 0);
    ck_assert_int_eq (disp_assign_add (a, 0, 0, 60000), 0);
    ck_assert_int_eq (disp_assign_add (a, 0, 1, 120000), 0);
    ck_assert_int_eq (disp_assign_add (a, 1, 0, 90000), 0);
    ck_assert_int_eq (disp_assign_add (a, 1, 1, 600000), 0);
    disp_assign_solve (a);
    ck_assert_uint_eq (disp_assign_col_of (a, 0, NULL), 1);
    ck_assert_uint_eq (disp_assign_col_of (a, 1, NULL), 0);
    ck_assert_int_eq (disp_assign_total (a), 210000);

    /* One vehicle, two riders: the nearer rider gets it whatever the row order. */
    ck_assert_int_eq (disp_assign_reset (a, 2, 1), 0);
    ck_assert_int_eq (disp_assign_add (a, 0, 0, 500), 0);
    ck_assert_int_eq (disp_assign_add (a, 1, 0, 100), 0);
    disp_assign_solve (a);
    ck_assert_uint_eq (disp_assign_col_of (a, 0, NULL), DISP_ASSIGN_NONE);
    ck_assert_uint_eq (disp_assign_col_of (a, 1, NULL), 0);

    /* More pairs beat a lower total: rider 0 could take vehicle 0 at 1, but then rider 1 (only vehicle 0 at 100)
     * is left out; both are served with 0 -> 1 at 50 and 1 -> 0 at 100. */
    ck_assert_int_eq (disp_assign_reset (a, 2, 2), 0);
    ck_assert_int_eq (disp_assign_add (a, 0, 0, 1), 0);
    ck_assert_int_eq (disp_assign_add (a, 0, 1, 50), 0);
    ck_assert_int_eq (disp_assign_add (a, 1, 0, 100), 0);
    disp_assign_solve (a);
    ck_assert_uint_eq (disp_assign_matched (a), 2);
    ck_assert_int_eq (disp_assign_total (a), 150);
    disp_assign_destroy (&a);
}
END_TEST

/* ---- limits ---- */

START_TEST (test_empty_and_one_row)
{
    disp_assign_t *a = disp_assign_new ();
    ck_assert_ptr_nonnull (a);
    /* before any problem, and for 0 x 0, 0 x 5, 5 x 0 and 3 x 3 without edges: nothing matched */
    ck_assert_uint_eq (disp_assign_col_of (a, 0, NULL), DISP_ASSIGN_NONE);
    uint32_t shapes[][2] = {{0, 0}, {0, 5}, {5, 0}, {3, 3}};
    for (size_t s = 0; s < 4; s++) {
        ck_assert_int_eq (disp_assign_reset (a, shapes[s][0], shapes[s][1]), 0);
        disp_assign_solve (a);
        ck_assert_uint_eq (disp_assign_matched (a), 0);
        ck_assert_int_eq (disp_assign_total (a), 0);
        for (uint32_t i = 0; i <= shapes[s][0]; i++)
            ck_assert_uint_eq (disp_assign_col_of (a, i, NULL), DISP_ASSIGN_NONE);
    }
    /* one row: its cheapest column, ties to the lower column */
    ck_assert_int_eq (disp_assign_reset (a, 1, 6), 0);
    int64_t costs[] = {9, 4, 7, 4, 5, 8};
    for (uint32_t j = 0; j < 6; j++)
        ck_assert_int_eq (disp_assign_add (a, 0, j, costs[j]), 0);
    disp_assign_solve (a);
    int64_t c = 0;
    ck_assert_uint_eq (disp_assign_col_of (a, 0, &c), 1);
    ck_assert_int_eq (c, 4);
    ck_assert_uint_eq (disp_assign_col_of (a, 1, NULL), DISP_ASSIGN_NONE); /* out of range */
    disp_assign_destroy (&a);
    disp_assign_destroy (&a); /* NULL-safe */
    disp_assign_destroy (NULL);
}
END_TEST

START_TEST (test_refused_input_changes_nothing)
{
    disp_assign_t *a = disp_assign_new ();
    ck_assert_int_eq (disp_assign_reset (a, 2, 2), 0);
    ck_assert_int_eq (disp_assign_add (a, 2, 0, 1), -1);
    ck_assert_int_eq (disp_assign_add (a, 0, 2, 1), -1);
    ck_assert_int_eq (disp_assign_add (a, 0, 0, -1), -1);
    ck_assert_int_eq (disp_assign_add (a, 0, 0, DISP_ASSIGN_COST_MAX + 1), -1);
    ck_assert_int_eq (disp_assign_add (a, 1, 1, 3), 0);
    disp_assign_solve (a);
    ck_assert_uint_eq (disp_assign_matched (a), 1);
    ck_assert_uint_eq (disp_assign_col_of (a, 1, NULL), 1);
    ck_assert_uint_eq (disp_assign_col_of (a, 0, NULL), DISP_ASSIGN_NONE);
    /* too large a problem is refused and leaves an empty one */
    ck_assert_int_eq (disp_assign_reset (a, DISP_ASSIGN_MAX_SIZE + 1, 1), -1);
    ck_assert_int_eq (disp_assign_add (a, 0, 0, 1), -1);
    disp_assign_solve (a);
    ck_assert_uint_eq (disp_assign_matched (a), 0);
    disp_assign_destroy (&a);
}
END_TEST

START_TEST (test_largest_costs_on_long_paths)
{
    /* A forced chain at the largest cost: row 0 has only column 0 (cost C); every other row i has column i - 1 at
     * C - 1 and column i at C. Cheapest first, rows 1.. take the columns to their left; row 0 then needs an
     * augmenting path through all of them, and the only perfect matching is i -> i: total n x C. */
    enum { N = 2000 };
    const int64_t C = DISP_ASSIGN_COST_MAX;
    disp_assign_t *a = disp_assign_new ();
    ck_assert_int_eq (disp_assign_reset (a, N, N), 0);
    ck_assert_int_eq (disp_assign_add (a, 0, 0, C), 0);
    for (uint32_t i = 1; i < N; i++) {
        ck_assert_int_eq (disp_assign_add (a, i, i - 1, C - 1), 0);
        ck_assert_int_eq (disp_assign_add (a, i, i, C), 0);
    }
    disp_assign_solve (a);
    ck_assert_uint_eq (disp_assign_matched (a), N);
    ck_assert_int_eq (disp_assign_total (a), (int64_t)N * C);
    for (uint32_t i = 0; i < N; i++)
        ck_assert_uint_eq (disp_assign_col_of (a, i, NULL), i);

    /* The same without the last column: one row must go without, and the cheapest choice is row 0 (every other row
     * then pays C - 1): total (n - 1) x (C - 1). */
    ck_assert_int_eq (disp_assign_reset (a, N, N - 1), 0);
    ck_assert_int_eq (disp_assign_add (a, 0, 0, C), 0);
    for (uint32_t i = 1; i < N; i++) {
        ck_assert_int_eq (disp_assign_add (a, i, i - 1, C - 1), 0);
        if (i < N - 1) ck_assert_int_eq (disp_assign_add (a, i, i, C), 0);
    }
    disp_assign_solve (a);
    ck_assert_uint_eq (disp_assign_matched (a), N - 1);
    ck_assert_int_eq (disp_assign_total (a), (int64_t)(N - 1) * (C - 1));
    ck_assert_uint_eq (disp_assign_col_of (a, 0, NULL), DISP_ASSIGN_NONE);
    disp_assign_destroy (&a);
}
END_TEST

START_TEST (test_reuse_after_a_larger_problem)
{
    /* A solver that solved a large problem solves a small one exactly as a fresh solver does. */
    disp_assign_t *used = disp_assign_new ();
    ck_assert_int_eq (disp_assign_reset (used, 300, 400), 0);
    uint64_t st = 99;
    for (int e = 0; e < 3000; e++)
        ck_assert_int_eq (disp_assign_add (used, (uint32_t)(rt_next (&st) % 300), (uint32_t)(rt_next (&st) % 400),
                                           (int64_t)(rt_next (&st) % 100000)),
                          0);
    disp_assign_solve (used);
    ck_assert_uint_gt (disp_assign_matched (used), 250);
    s_problem_t p;
    for (int k = 0; k < 200; k++) {
        s_random (used, &p, &st, 1 + (uint32_t)(rt_next (&st) % S_MAX), 1 + (uint32_t)(rt_next (&st) % S_MAX), 60, 50,
                  1, 1);
        disp_assign_solve (used);
        s_check_against_brute (used, &p, k);
    }
    disp_assign_destroy (&used);
}
END_TEST

static Suite *s_suite (void)
{
    Suite *s = suite_create ("disp_assign");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_square_matches_brute_force);
    tcase_add_test (core, test_rectangular_matches_brute_force);
    tcase_add_test (core, test_rows_without_edges_and_repeated_pairs);
    tcase_add_test (core, test_many_equal_costs);
    tcase_add_test (core, test_answer_independent_of_edge_order);
    tcase_add_test (core, test_cheaper_for_all_beats_cheapest_first);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_empty_and_one_row);
    tcase_add_test (limits, test_refused_input_changes_nothing);
    tcase_add_test (limits, test_largest_costs_on_long_paths);
    tcase_add_test (limits, test_reuse_after_a_larger_problem);
    suite_add_tcase (s, limits);
    return s;
}

int main (void)
{
    return rt_check_run (s_suite ());
}
