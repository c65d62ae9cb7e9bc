/* sim_rng: xoshiro256** generator, splitmix64 seeding and distributions. */
#include "sim_rng.h"

#include <assert.h>
#include <math.h>

static uint64_t
s_splitmix64 (uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t
s_rotl (uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void
sim_rng_seed (sim_rng_t *self, uint64_t seed, uint64_t stream)
{
    /* Mix the stream number in through a second splitmix pass so that nearby seeds and streams do not overlap. */
    uint64_t x = seed;
    uint64_t mixed = s_splitmix64 (&x) ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    for (int i = 0; i < 4; i++)
        self->s[i] = s_splitmix64 (&mixed);
}

void
sim_rng_seed_day (sim_rng_t *self, uint64_t seed, uint64_t stream, uint32_t day)
{
    sim_rng_seed (self, seed, stream + (uint64_t) day * SIM_STREAMS_PER_DAY);
}

uint64_t
sim_rng_next (sim_rng_t *self)
{
    uint64_t *s = self->s;
    uint64_t result = s_rotl (s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s_rotl (s[3], 45);
    return result;
}

double
sim_rng_uniform (sim_rng_t *self)
{
    return (double) (sim_rng_next (self) >> 11) * 0x1.0p-53;
}

uint64_t
sim_rng_below (sim_rng_t *self, uint64_t n)
{
    assert (n > 0);
    /* Rejection keeps the result unbiased for any n. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do
        r = sim_rng_next (self);
    while (r >= limit);
    return r % n;
}

double
sim_rng_exponential (sim_rng_t *self, double mean)
{
    return -mean * log1p (-sim_rng_uniform (self));
}

double
sim_rng_normal (sim_rng_t *self)
{
    double u, v, s;
    do {
        u = 2.0 * sim_rng_uniform (self) - 1.0;
        v = 2.0 * sim_rng_uniform (self) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt (-2.0 * log (s) / s);
}

double
sim_rng_gamma (sim_rng_t *self, double shape, double scale)
{
    assert (shape >= 1.0 && scale > 0.0);
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / sqrt (9.0 * d);
    for (;;) {
        double x, v;
        do {
            x = sim_rng_normal (self);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        double u = sim_rng_uniform (self);
        if (u < 1.0 - 0.0331 * x * x * x * x)
            return d * v * scale;
        if (log (u) < 0.5 * x * x + d * (1.0 - v + log (v)))
            return d * v * scale;
    }
}
