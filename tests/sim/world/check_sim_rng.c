/* check_sim_rng: seeded streams repeat, differ between seeds and streams, and the distributions have the moments
 * the demand model relies on. */
#include <check.h>

#include "rt_check.h"
#include <math.h>
#include <stdlib.h>

#include "sim_rng.h"

START_TEST (test_same_seed_same_numbers)
{
    sim_rng_t a, b, c, d;
    sim_rng_seed (&a, 42, 1);
    sim_rng_seed (&b, 42, 1);
    sim_rng_seed (&c, 43, 1);
    sim_rng_seed (&d, 42, 2);
    int same_c = 0, same_d = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sim_rng_next (&a);
        ck_assert_uint_eq (x, sim_rng_next (&b));
        same_c += x == sim_rng_next (&c);
        same_d += x == sim_rng_next (&d);
    }
    ck_assert_int_eq (same_c, 0);
    ck_assert_int_eq (same_d, 0);
}
END_TEST

START_TEST (test_moments)
{
    sim_rng_t r;
    sim_rng_seed (&r, 1, 0);
    enum { N = 200000 };
    double su = 0, se = 0, sg = 0, sg2 = 0, sn = 0, sn2 = 0;
    int in_2_10 = 0;
    for (int i = 0; i < N; i++) {
        double u = sim_rng_uniform (&r);
        ck_assert (u >= 0 && u < 1);
        su += u;
        se += sim_rng_exponential (&r, 3.0);
        double g = sim_rng_gamma (&r, 3.0, 8.0 / 3.0);   /* the default trip lengths: mean 8 km, shape 3 */
        sg += g;
        sg2 += g * g;
        in_2_10 += g >= 2 && g <= 10;
        double n = sim_rng_normal (&r);
        sn += n;
        sn2 += n * n;
    }
    ck_assert_double_eq_tol (su / N, 0.5, 0.005);
    ck_assert_double_eq_tol (se / N, 3.0, 0.05);
    ck_assert_double_eq_tol (sg / N, 8.0, 0.08);
    /* gamma variance = shape * scale^2 = 3 * (8/3)^2 = 21.33 */
    ck_assert_double_eq_tol (sg2 / N - (sg / N) * (sg / N), 21.33, 0.5);
    ck_assert_double_eq_tol (sn / N, 0.0, 0.01);
    ck_assert_double_eq_tol (sn2 / N, 1.0, 0.02);
    /* "mostly 2-10 km": about two thirds of the draws */
    ck_assert_double_gt ((double) in_2_10 / N, 0.6);
}
END_TEST

START_TEST (test_below_is_unbiased_and_in_range)
{
    sim_rng_t r;
    sim_rng_seed (&r, 9, 0);
    int count[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint64_t x = sim_rng_below (&r, 7);
        ck_assert_uint_lt (x, 7);
        count[x]++;
    }
    for (int i = 0; i < 7; i++)
        ck_assert_int_gt (count[i], 9500);
    ck_assert_uint_eq (sim_rng_below (&r, 1), 0);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_rng");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_same_seed_same_numbers);
    tcase_add_test (core, test_moments);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_below_is_unbiased_and_in_range);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
