/* sim_stat: means of runs and their Student's t 95% confidence intervals. */
#include "sim_stat.h"

#include <math.h>

void
sim_stat_add (sim_stat_t *st, double v)
{
    st->n++;
    double d = v - st->mean;
    st->mean += d / (double) st->n;
    st->m2 += d * (v - st->mean);
}

void
sim_stat_merge (sim_stat_t *a, const sim_stat_t *b)
{
    if (!b->n)
        return;
    double n = (double) (a->n + b->n), d = b->mean - a->mean;
    a->m2 += b->m2 + d * d * (double) a->n * (double) b->n / n;
    a->mean += d * (double) b->n / n;
    a->n += b->n;
}

double
sim_stat_t95 (size_t df)
{
    static const double t[] = {12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
                               2.262157,  2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
                               2.109816,  2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
                               2.059539,  2.055529, 2.051831, 2.048407, 2.045230, 2.042272};
    if (df == 0)
        return NAN;
    if (df <= sizeof t / sizeof t[0])
        return t[df - 1];
    double z = 1.959964, n = (double) df;
    return z + (z * z * z + z) / (4 * n) + (5 * pow (z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

double
sim_stat_mean (const sim_stat_t *st)
{
    return st->n ? st->mean : NAN;
}

double
sim_stat_ci95 (const sim_stat_t *st)
{
    if (st->n < 2)
        return NAN;
    return sim_stat_t95 (st->n - 1) * sqrt (st->m2 / (double) (st->n - 1)) / sqrt ((double) st->n);
}
