/* sim_rng: the simulator's seeded random numbers (xoshiro256** seeded through splitmix64) and the few
 * distributions the model draws from. Written here rather than taken from GSL so that a run's numbers depend only on
 * this file: baselines committed for regression tests must not move when a library upgrade changes an algorithm. */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} sim_rng_t;

/* Seeds a generator for (seed, stream): independent streams of one seed let the demand be drawn identically whether
 * or not robotaxis run (the displacement baseline needs exactly the same riders). */
void sim_rng_seed (sim_rng_t *self, uint64_t seed, uint64_t stream);

/* The simulator's streams. Each purpose draws from its own, so that for one seed the riders are the same with and
 * without robotaxis and a driver's day does not depend on who else works. Every day of a run has its own set:
 * stream + SIM_STREAMS_PER_DAY x day (sim_rng_seed_day). */
enum {
    SIM_STREAM_SITES = 0,      /* the generated charging sites, drawn once and the same every day: sim_rng_seed, not
                                * sim_rng_seed_day (slot 0 of a day is no daily purpose's) (sim_world_energy) */
    SIM_STREAM_DEMAND = 1,     /* riders: arrivals, places, choice draws (sim_world) */
    SIM_STREAM_HUMAN = 2,      /* human drivers' places and shifts (sim_world) */
    SIM_STREAM_ROBOTAXI = 3,   /* robotaxi depots and downtimes (sim_world) */
    SIM_STREAM_WAGES = 4,      /* reservation wages, drawn once on day 0 (sim_drivers) */
    SIM_STREAM_DECIDE = 5,     /* the morning work decisions (sim_drivers) */
    SIM_STREAM_TRIPFILE = 6,   /* which rows of a trips file play, with demand.file_scale (sim_tripfile) */
    SIM_STREAM_CRUISE = 7,     /* the streets idle human drivers cruise (sim_world) */
    SIM_STREAMS_PER_DAY = 8
};

/* Seeds a generator for stream `stream` of day `day` (0-based). */
void sim_rng_seed_day (sim_rng_t *self, uint64_t seed, uint64_t stream, uint32_t day);

uint64_t sim_rng_next (sim_rng_t *self);

/* Uniform in [0, 1). */
double sim_rng_uniform (sim_rng_t *self);

/* Uniform integer in [0, n); n > 0. */
uint64_t sim_rng_below (sim_rng_t *self, uint64_t n);

/* Exponential with the given mean (> 0). */
double sim_rng_exponential (sim_rng_t *self, double mean);

/* Standard normal (Marsaglia polar method). */
double sim_rng_normal (sim_rng_t *self);

/* Gamma(shape, scale) with shape >= 1 (Marsaglia & Tsang 2000). */
double sim_rng_gamma (sim_rng_t *self, double shape, double scale);

#endif
