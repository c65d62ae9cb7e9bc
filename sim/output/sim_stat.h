/* sim_stat: the mean of several runs' values and the half-width of its 95% confidence interval (Student's t), as
 * sweep.csv, sweep_points.csv and the sweep's plots and report give them. */
#ifndef SIM_STAT_H
#define SIM_STAT_H

#include <stddef.h>

/* Values taken one by one: their count, mean and sum of squared deviations from it (Welford). {0} is empty. */
typedef struct {
    size_t n;
    double mean, m2;
} sim_stat_t;

/* Adds v (a finite number: the caller leaves out what a run could not measure). */
void sim_stat_add (sim_stat_t *st, double v);

/* Adds b's values to a (Chan et al.'s pairwise update). */
void sim_stat_merge (sim_stat_t *a, const sim_stat_t *b);

/* The mean; NaN when empty. */
double sim_stat_mean (const sim_stat_t *st);

/* The half-width of the mean's two-sided 95% confidence interval, t(n - 1) x s / sqrt(n) with s the sample standard
 * deviation; NaN for fewer than two values. */
double sim_stat_ci95 (const sim_stat_t *st);

/* Student's t quantile for a two-sided 95% interval (the 0.975 quantile) with df degrees of freedom: a table to 30
 * (6 decimals: t(2) = 4.302653), then the Cornish-Fisher expansion around the normal quantile (within 2e-4 of the
 * exact value at 31, closer beyond). NaN for df = 0. */
double sim_stat_t95 (size_t df);

#endif
