/* check_sim_sweep: --sweep grids, seeds, the thread pool and sweep.csv, as a user meets them. */
#include <check.h>

#include "rt_check.h"
#include "rt_rand.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim_config.h"
#include "sim_sweep.h"

#define S_NONE SIZE_MAX

static char s_dir[] = "/tmp/robotaxi-sweep-XXXXXX";

static void
s_setup (void)
{
    strcpy (s_dir, "/tmp/robotaxi-sweep-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
}

/* name in the test's folder, written into path (which it returns) */
static const char *
s_path (char *path, size_t len, const char *name)
{
    snprintf (path, len, "%s/%s", s_dir, name);
    return path;
}

/* The whole file as text (NULL when it cannot be read). */
static char *
s_slurp (const char *path)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream (&buf, &len);
    int c;
    while ((c = fgetc (f)) != EOF)
        fputc (c, mem);
    fclose (mem);
    fclose (f);
    return buf;
}

/* A sweep over the keys given, checked to be accepted. */
static sim_sweep_t *
s_sweep (const sim_config_t *base, uint64_t seeds, const char *a, const char *b)
{
    char err[512];
    sim_sweep_t *sw = sim_sweep_new ();
    ck_assert_ptr_nonnull (sw);
    ck_assert_msg (sim_sweep_set_seeds (sw, seeds, err, sizeof err) == 0, "%s", err);
    ck_assert_msg (sim_sweep_add (sw, base, a, err, sizeof err) == 0, "%s", err);
    if (b)
        ck_assert_msg (sim_sweep_add (sw, base, b, err, sizeof err) == 0, "%s", err);
    return sw;
}

/* The fake simulator: metrics computed from the config, after a pause of 0..2 ms that differs by run, so runs
 * finish out of order when there are several jobs. */
typedef struct {
    atomic_size_t calls;
    atomic_size_t highest;     /* highest run index started */
    atomic_size_t finished;
    atomic_int out_of_order;   /* a run finished before one with a lower index */
    size_t fail_run;           /* this run fails with "boom" */
    size_t fail_run2;          /* and this one too */
    size_t odd_run;            /* this run reports other metrics */
    int odd_kind;              /* 0: a renamed metric, 1: the last metric left out */
} s_fake_t;

static void
s_pause (size_t run)
{
    uint64_t state = 0x5eed + run;
    struct timespec ts = {0, (long) (rt_next (&state) % 2000000)};
    nanosleep (&ts, NULL);
}

static int
s_fake_run (const sim_config_t *cfg, size_t run, sim_sweep_row_t *row, void *arg, char *err, size_t errlen)
{
    s_fake_t *fake = arg;
    atomic_fetch_add (&fake->calls, 1);
    size_t seen = atomic_load (&fake->highest);
    while (run > seen && !atomic_compare_exchange_weak (&fake->highest, &seen, run))
        ;
    if (run == fake->fail_run || run == fake->fail_run2) {
        snprintf (err, errlen, "boom");
        return -1;
    }
    s_pause (run);
    /* no ck_assert here: this runs on the pool's threads */
    double fleet = (double) cfg->robotaxi.fleet_size;
    int odd = run == fake->odd_run;
    int bad = sim_sweep_row_add (row, "vehicles_x2", fleet * 2) < 0;
    bad |= sim_sweep_row_add (row, "fare_share", cfg->robotaxi.tariff.promo_factor) < 0;
    bad |= sim_sweep_row_add (row, odd && fake->odd_kind == 0 ? "per_fourth" : "per_third", fleet / 3) < 0;
    if (!(odd && fake->odd_kind == 1))
        bad |= sim_sweep_row_add (row, "seed_echo", (double) cfg->scenario.seed) < 0;
    if (bad) {
        snprintf (err, errlen, "sim_sweep_row_add refused a metric");
        return -1;
    }
    if (atomic_fetch_add (&fake->finished, 1) != run)
        atomic_store (&fake->out_of_order, 1);
    return 0;
}

static void
s_fake_init (s_fake_t *fake)
{
    atomic_init (&fake->calls, 0);
    atomic_init (&fake->highest, 0);
    atomic_init (&fake->finished, 0);
    atomic_init (&fake->out_of_order, 0);
    fake->fail_run = S_NONE;
    fake->fail_run2 = S_NONE;
    fake->odd_run = S_NONE;
    fake->odd_kind = 0;
}

typedef struct {
    size_t calls, last_done, last_total;
    int increasing;
} s_progress_t;

static void
s_on_progress (const sim_sweep_progress_t *progress, void *arg)
{
    s_progress_t *p = arg;
    if (progress->done != p->last_done + 1 || progress->failed || progress->failures || progress->resumed)
        p->increasing = 0;
    p->calls++;
    p->last_done = progress->done;
    p->last_total = progress->total;
}

START_TEST (test_range_includes_its_end)
{
    sim_config_t base;
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:250", NULL);
    ck_assert_uint_eq (sim_sweep_points (sw), 9);
    ck_assert_uint_eq (sim_sweep_runs (sw), 9);
    ck_assert_uint_eq (sim_sweep_keys (sw), 1);
    ck_assert_str_eq (sim_sweep_key (sw, 0), "robotaxi.fleet_size");
    for (size_t r = 0; r < 9; r++) {
        char want[16];
        snprintf (want, sizeof want, "%zu", r * 250);
        ck_assert_str_eq (sim_sweep_value (sw, r, 0), want);
        ck_assert_uint_eq (sim_sweep_seed (sw, &base, r), 42);
    }
    ck_assert_ptr_null (sim_sweep_value (sw, 9, 0));
    ck_assert_ptr_null (sim_sweep_value (sw, 0, 1));
    ck_assert_ptr_null (sim_sweep_key (sw, 1));
    sim_sweep_destroy (&sw);
    ck_assert_ptr_null (sw);
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_two_keys_make_a_row_major_grid)
{
    sim_config_t base;
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:250", "robotaxi.promo_factor=0.1,0.2,0.3");
    ck_assert_uint_eq (sim_sweep_runs (sw), 27);
    static const char *const promo[] = {"0.1", "0.2", "0.3"};
    for (size_t r = 0; r < 27; r++) {
        char fleet[16];
        snprintf (fleet, sizeof fleet, "%zu", r / 3 * 250);
        ck_assert_str_eq (sim_sweep_value (sw, r, 0), fleet);
        ck_assert_str_eq (sim_sweep_value (sw, r, 1), promo[r % 3]);
    }
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_decimal_steps_print_as_typed)
{
    sim_config_t base, cfg;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.promo_factor=0.1:0.3:0.1", NULL);
    ck_assert_uint_eq (sim_sweep_runs (sw), 3);
    ck_assert_str_eq (sim_sweep_value (sw, 0, 0), "0.1");
    ck_assert_str_eq (sim_sweep_value (sw, 1, 0), "0.2");
    ck_assert_str_eq (sim_sweep_value (sw, 2, 0), "0.3");
    ck_assert_int_eq (sim_sweep_config (sw, 2, &base, &cfg, err, sizeof err), 0);
    ck_assert_double_eq (cfg.robotaxi.tariff.promo_factor, 0.3);
    sim_sweep_destroy (&sw);

    sw = s_sweep (&base, 1, "human.commission=0:1:0.1", NULL);
    ck_assert_uint_eq (sim_sweep_runs (sw), 11);
    ck_assert_str_eq (sim_sweep_value (sw, 3, 0), "0.3");
    ck_assert_str_eq (sim_sweep_value (sw, 7, 0), "0.7");
    ck_assert_str_eq (sim_sweep_value (sw, 10, 0), "1");
    sim_sweep_destroy (&sw);

    /* crossing zero gives 0, not a rounding residue */
    sw = s_sweep (&base, 1, "choice.asc_other=-0.3:0.3:0.1", NULL);
    ck_assert_uint_eq (sim_sweep_runs (sw), 7);
    ck_assert_str_eq (sim_sweep_value (sw, 0, 0), "-0.3");
    ck_assert_str_eq (sim_sweep_value (sw, 3, 0), "0");
    ck_assert_str_eq (sim_sweep_value (sw, 6, 0), "0.3");
    sim_sweep_destroy (&sw);

    /* an end the steps do not land on is not a point */
    sw = s_sweep (&base, 1, "human.drivers=0:10:3", NULL);
    ck_assert_uint_eq (sim_sweep_runs (sw), 4);
    ck_assert_str_eq (sim_sweep_value (sw, 3, 0), "9");
    sim_sweep_destroy (&sw);

    /* list items are texts, spaces around them dropped; large numbers keep every digit */
    sw = s_sweep (&base, 1, "dispatch.policy= nearest , nearest", "demand.trips_per_day=1000000:3000000:1000000");
    ck_assert_uint_eq (sim_sweep_runs (sw), 6);
    ck_assert_str_eq (sim_sweep_value (sw, 5, 0), "nearest");
    ck_assert_str_eq (sim_sweep_value (sw, 5, 1), "3000000");
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_seeds_follow_the_base_seed)
{
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 3, "robotaxi.fleet_size=0:2000:250", NULL);
    ck_assert_uint_eq (sim_sweep_points (sw), 9);
    ck_assert_uint_eq (sim_sweep_seeds (sw), 3);
    ck_assert_uint_eq (sim_sweep_runs (sw), 27);
    for (size_t r = 0; r < 27; r++) {
        ck_assert_uint_eq (sim_sweep_seed (sw, &base, r), 42 + r % 3);
        char fleet[16];
        snprintf (fleet, sizeof fleet, "%zu", r / 3 * 250);
        ck_assert_str_eq (sim_sweep_value (sw, r, 0), fleet);
    }
    /* seeds can be set after the keys; the count wraps at 2^64 */
    sim_sweep_t *late = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:250", NULL);
    ck_assert_int_eq (sim_sweep_set_seeds (late, 2, err, sizeof err), 0);
    ck_assert_uint_eq (sim_sweep_runs (late), 18);
    base.scenario.seed = UINT64_MAX;
    ck_assert_uint_eq (sim_sweep_seed (late, &base, 16), UINT64_MAX);
    ck_assert_uint_eq (sim_sweep_seed (late, &base, 17), 0);
    sim_sweep_destroy (&late);
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_run_config_has_the_point_and_seed)
{
    sim_config_t base, cfg;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 3, "robotaxi.fleet_size=0:2000:250", "robotaxi.promo_factor=0.1,0.2,0.3");
    /* run 41 = point 13 (fleet index 4, promo index 1) x 3 seeds + seed index 2 */
    ck_assert_int_eq (sim_sweep_config (sw, 41, &base, &cfg, err, sizeof err), 0);
    ck_assert_int_eq (cfg.robotaxi.fleet_size, 1000);
    ck_assert_double_eq (cfg.robotaxi.tariff.promo_factor, 0.2);
    ck_assert_uint_eq (cfg.scenario.seed, 44);
    /* everything else is the base */
    ck_assert_int_eq (cfg.human.drivers, base.human.drivers);
    ck_assert_double_eq (cfg.human.tariff.promo_factor, base.human.tariff.promo_factor);
    ck_assert_str_eq (cfg.dispatch.policy, base.dispatch.policy);
    ck_assert_uint_eq (base.scenario.seed, 42);
    ck_assert_int_eq (base.robotaxi.fleet_size, 400);
    ck_assert_int_eq (sim_sweep_config (sw, 81, &base, &cfg, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "run 81") && strstr (err, "81 runs"), "%s", err);
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_csv_is_the_same_for_any_jobs)
{
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 2, "robotaxi.fleet_size=0:2000:250", "robotaxi.promo_factor=0.1,0.2,0.3");
    const int jobs[] = {1, 2, 4, 100};
    char *first = NULL;
    int shuffled = 0;
    for (size_t j = 0; j < sizeof jobs / sizeof jobs[0]; j++) {
        s_fake_t fake;
        s_fake_init (&fake);
        s_progress_t prog = {.increasing = 1};
        char csv[512], tmp[512];
        s_path (csv, sizeof csv, "sweep.csv");
        s_path (tmp, sizeof tmp, "sweep.csv.part");
        ck_assert_msg (sim_sweep_run (sw, &base, jobs[j], s_fake_run, &fake, csv, s_on_progress, &prog, err,
                                      sizeof err) == 0, "%s", err);
        ck_assert_uint_eq (atomic_load (&fake.calls), 54);
        ck_assert_uint_eq (prog.calls, 54);
        ck_assert_uint_eq (prog.last_done, 54);
        ck_assert_uint_eq (prog.last_total, 54);
        ck_assert (prog.increasing);
        shuffled |= atomic_load (&fake.out_of_order);
        ck_assert_int_eq (access (tmp, F_OK), -1);
        char *text = s_slurp (csv);
        ck_assert_ptr_nonnull (text);
        if (!first) {
            first = text;
            continue;
        }
        ck_assert_msg (strcmp (first, text) == 0, "jobs=%d wrote another file", jobs[j]);
        free (text);
    }
    ck_assert_msg (shuffled, "runs never finished out of order: the test does not exercise the pool");
    /* header, then one line per run in run order; two seeds: each metric's mean and ci95 per point follow */
    const char *header = "robotaxi.fleet_size,robotaxi.promo_factor,run,seed,vehicles_x2,fare_share,per_third,"
                         "seed_echo,vehicles_x2_mean,vehicles_x2_ci95,fare_share_mean,fare_share_ci95,per_third_mean,"
                         "per_third_ci95,seed_echo_mean,seed_echo_ci95\n";
    ck_assert_msg (strncmp (first, header, strlen (header)) == 0, "%s", first);
    /* seed_echo 42 and 43: mean 42.5, half-width t(1) x sd / sqrt(2) = 12.706205 x 0.5 */
    ck_assert_ptr_nonnull (strstr (first, "\n0,0.1,0,42,0,0.1,0,42,0,0,0.1,0,0,0,42.5,6.3531025\n"
                                          "0,0.1,1,43,0,0.1,0,43,0,0,0.1,0,0,0,42.5,6.3531025\n0,0.2,2,42,"));
    ck_assert_ptr_nonnull (strstr (first, "\n250,0.2,9,43,500,0.2,83.33333333333333,43,500,0,"));
    ck_assert_ptr_nonnull (strstr (first, "\n2000,0.3,53,43,4000,0.3,666.6666666666666,43,4000,0,"));
    size_t lines = 0;
    for (const char *c = first; *c; c++)
        lines += *c == '\n';
    ck_assert_uint_eq (lines, 55);
    /* the metrics stay readable for the report code */
    ck_assert_uint_eq (sim_sweep_metrics (sw), 4);
    ck_assert_str_eq (sim_sweep_metric_name (sw, 2), "per_third");
    ck_assert_double_eq (sim_sweep_metric (sw, 9, 2), 250.0 / 3);
    ck_assert_double_eq (sim_sweep_metric (sw, 53, 0), 4000);
    ck_assert_ptr_null (sim_sweep_metric_name (sw, 4));
    free (first);
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_seeds_alone_replicate_the_base)
{
    /* no --sweep key, only --sweep-seeds: one point, run with each seed */
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = sim_sweep_new ();
    ck_assert_int_eq (sim_sweep_set_seeds (sw, 3, err, sizeof err), 0);
    ck_assert_uint_eq (sim_sweep_points (sw), 1);
    s_fake_t fake;
    s_fake_init (&fake);
    char csv[512], points[512];
    s_path (csv, sizeof csv, "seeds.csv");
    s_path (points, sizeof points, "seeds_points.csv");
    sim_sweep_set_points_path (sw, points);
    ck_assert_msg (sim_sweep_run (sw, &base, 2, s_fake_run, &fake, csv, NULL, NULL, err, sizeof err) == 0, "%s", err);
    char *text = s_slurp (csv);
    /* seed_echo 42, 43, 44: mean 43, half-width t(2) x 1 / sqrt(3) = 4.302653 / 1.7320508 */
    ck_assert_str_eq (text, "run,seed,vehicles_x2,fare_share,per_third,seed_echo,vehicles_x2_mean,vehicles_x2_ci95,"
                            "fare_share_mean,fare_share_ci95,per_third_mean,per_third_ci95,seed_echo_mean,"
                            "seed_echo_ci95\n"
                            "0,42,800,0.3,133.33333333333334,42,800,0,0.3,0,133.33333333333334,0,43,"
                            "2.4841378677795514\n"
                            "1,43,800,0.3,133.33333333333334,43,800,0,0.3,0,133.33333333333334,0,43,"
                            "2.4841378677795514\n"
                            "2,44,800,0.3,133.33333333333334,44,800,0,0.3,0,133.33333333333334,0,43,"
                            "2.4841378677795514\n");
    free (text);
    text = s_slurp (points);
    ck_assert_str_eq (text, "runs,vehicles_x2_mean,vehicles_x2_ci95,fare_share_mean,fare_share_ci95,per_third_mean,"
                            "per_third_ci95,seed_echo_mean,seed_echo_ci95\n"
                            "3,800,0,0.3,0,133.33333333333334,0,43,2.4841378677795514\n");
    free (text);
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_row_add_limits)
{
    sim_sweep_row_t row = {0};
    char name[64];
    for (int i = 0; i < SIM_SWEEP_MAX_METRICS; i++) {
        snprintf (name, sizeof name, "m%d", i);
        ck_assert_int_eq (sim_sweep_row_add (&row, name, i), 0);
    }
    ck_assert_int_eq (sim_sweep_row_add (&row, "one_too_many", 1), -1);
    ck_assert_uint_eq (row.count, SIM_SWEEP_MAX_METRICS);
    row.count = 0;
    memset (name, 'x', 47);
    name[47] = '\0';
    ck_assert_int_eq (sim_sweep_row_add (&row, name, 1), 0);
    name[47] = 'x';
    name[48] = '\0';
    ck_assert_int_eq (sim_sweep_row_add (&row, name, 1), -1);
    ck_assert_int_eq (sim_sweep_row_add (&row, "", 1), -1);
    ck_assert_uint_eq (row.count, 1);
}
END_TEST

/* Adding `assignment` fails with a message holding each of the given parts, and leaves the sweep as it was. */
static void
s_refused (sim_sweep_t *sw, const sim_config_t *base, const char *assignment, const char *part1, const char *part2)
{
    char err[512] = "";
    size_t keys = sim_sweep_keys (sw), runs = sim_sweep_runs (sw);
    ck_assert_msg (sim_sweep_add (sw, base, assignment, err, sizeof err) == -1, "%s was accepted", assignment);
    ck_assert_msg (strstr (err, part1) && (!part2 || strstr (err, part2)), "%s: %s", assignment, err);
    ck_assert_uint_eq (sim_sweep_keys (sw), keys);
    ck_assert_uint_eq (sim_sweep_runs (sw), runs);
}

START_TEST (test_values_the_scenario_refuses)
{
    sim_config_t base;
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = sim_sweep_new ();
    s_refused (sw, &base, "robotaxi.fleet_size=0:300000:100000",
               "--sweep robotaxi.fleet_size=0:300000:100000: robotaxi.fleet_size: 300000 is out of range",
               "(0 .. 200000)");
    s_refused (sw, &base, "robotaxi.promo_factor=0.5,1.5", "robotaxi.promo_factor: 1.5 is out of range", "(0 .. 1)");
    s_refused (sw, &base, "robotaxi.fleet_size=0:10:2.5", "robotaxi.fleet_size: '2.5' is not a decimal integer", NULL);
    s_refused (sw, &base, "human.commission=0.1,abc", "human.commission: 'abc' is not a decimal number", NULL);
    /* a range's ends and step are decimal too, as in a scenario file: no hex, no inf */
    s_refused (sw, &base, "robotaxi.fleet_size=0x0:0x10:8", "robotaxi.fleet_size", NULL);
    s_refused (sw, &base, "human.commission=0:inf:0.1", "human.commission", NULL);
    /* an integer key's ends are integers as written: 1e1 made the points 10 and 20 */
    s_refused (sw, &base, "robotaxi.fleet_size=1e1:2e1:5", "robotaxi.fleet_size: '1e1' is not a decimal integer",
               NULL);
    s_refused (sw, &base, "robotaxi.fleet_size=10:20.0:5", "robotaxi.fleet_size: '20.0' is not a decimal integer",
               NULL);
    s_refused (sw, &base, "human.drivers=100,2e2", "human.drivers: '2e2' is not a decimal integer", NULL);
    const char *typo = "robotaxi.fleet_sise=1,2";
    s_refused (sw, &base, typo, "--sweep robotaxi.fleet_sise=1,2: robotaxi.fleet_sise: unknown key",
               "did you mean robotaxi.fleet_size");
    ck_assert_uint_eq (sim_sweep_runs (sw), 1);
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_sweeps_without_points)
{
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = sim_sweep_new ();
    ck_assert_int_eq (sim_sweep_add (sw, &base, "robotaxi.fleet_size=2000:0:250", err, sizeof err), -1);
    ck_assert_str_eq (err, "--sweep robotaxi.fleet_size=2000:0:250: no points (need from <= to and step > 0)");
    s_refused (sw, &base, "robotaxi.fleet_size=0:2000:0", "no points (need from <= to and step > 0)", NULL);
    s_refused (sw, &base, "robotaxi.fleet_size=0:2000:-250", "no points", NULL);
    s_refused (sw, &base, "robotaxi.fleet_size=0:2000:x", "no points ('x' is not a number", NULL);
    s_refused (sw, &base, "robotaxi.fleet_size=0:2000:nan", "no points", NULL);
    s_refused (sw, &base, "robotaxi.fleet_size=0::250", "no points", NULL);
    s_refused (sw, &base, "robotaxi.fleet_size=", "--sweep robotaxi.fleet_size=: no points (empty list)", NULL);
    s_refused (sw, &base, "robotaxi.fleet_size=1,,3", "no points (a list item is empty)", NULL);
    s_refused (sw, &base, "robotaxi.fleet_size=1,2,", "no points (a list item is empty)", NULL);
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_refused_assignments)
{
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:250", NULL);
    s_refused (sw, &base, "robotaxi.fleet_size", "--sweep robotaxi.fleet_size: expected KEY=", NULL);
    s_refused (sw, &base, "=1,2", "expected KEY=", NULL);
    s_refused (sw, &base, " robotaxi.fleet_size = 1,2", "robotaxi.fleet_size is already swept",
               "--sweep robotaxi.fleet_size=0:2000:250");
    s_refused (sw, &base, "scenario.seed=1:5:1", "--sweep scenario.seed=1:5:1:", "use --replications N (--sweep-seeds N)");
    /* 9 points x 20,000 values, then a range of 200,001 values on its own */
    s_refused (sw, &base, "human.drivers=0:19999:1", "180000 runs, more than 100000", NULL);
    sim_sweep_t *big = sim_sweep_new ();
    s_refused (big, &base, "robotaxi.fleet_size=0:200000:1", "more than 100000", NULL);
    ck_assert_int_eq (sim_sweep_add (big, &base, "robotaxi.fleet_size=0:99999:1", err, sizeof err), 0);
    ck_assert_uint_eq (sim_sweep_runs (big), 100000);
    sim_sweep_destroy (&big);
    /* seeds count toward the limit, whichever comes first */
    ck_assert_int_eq (sim_sweep_set_seeds (sw, 0, err, sizeof err), -1);
    ck_assert_str_eq (err, "--replications 0: must be 1 .. 1000");
    ck_assert_int_eq (sim_sweep_set_seeds (sw, 1001, err, sizeof err), -1);
    ck_assert_int_eq (sim_sweep_add (sw, &base, "human.drivers=0:2000:1", err, sizeof err), 0);
    ck_assert_int_eq (sim_sweep_set_seeds (sw, 1000, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "--replications 1000: 18009 points x 1000 seeds") && strstr (err, "more than 100000"),
                   "%s", err);
    ck_assert_uint_eq (sim_sweep_seeds (sw), 1);
    sim_sweep_t *seeded = sim_sweep_new ();
    ck_assert_int_eq (sim_sweep_set_seeds (seeded, 1000, err, sizeof err), 0);
    s_refused (seeded, &base, "robotaxi.fleet_size=0:200:1", "201 values x 1000 seeds = 201000 runs", NULL);
    sim_sweep_destroy (&seeded);
    sim_sweep_destroy (&sw);
}
END_TEST

/* What the progress told of failed runs. */
typedef struct {
    size_t failures;
    char told[2][256];
} s_failures_t;

static void
s_on_failure (const sim_sweep_progress_t *progress, void *arg)
{
    s_failures_t *f = arg;
    if (!progress->failed)
        return;
    if (f->failures < 2)
        snprintf (f->told[f->failures], sizeof f->told[0], "run %zu (%s): %s", progress->run, progress->point,
                  progress->message);
    f->failures++;
}

START_TEST (test_failing_runs_are_told_and_the_others_go_on)
{
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:250", "robotaxi.promo_factor=0.1,0.2,0.3");
    char csv[512], tmp[512];
    s_path (csv, sizeof csv, "sweep.csv");
    s_path (tmp, sizeof tmp, "sweep.csv.part");
    const int jobs[] = {1, 4};
    char *first_text = NULL;
    for (size_t j = 0; j < 2; j++) {
        s_fake_t fake;
        s_fake_init (&fake);
        fake.fail_run = 5;
        fake.fail_run2 = 19;
        s_failures_t told = {0};
        int rc = sim_sweep_run (sw, &base, jobs[j], s_fake_run, &fake, csv, s_on_failure, &told, err, sizeof err);
        ck_assert_int_eq (rc, 2);
        ck_assert_str_eq (err, "2 runs failed; the first, run 5 (robotaxi.fleet_size=250, robotaxi.promo_factor=0.3; "
                               "seed 42): boom");
        /* every run was played, each failure told with its point and seed as it happened */
        ck_assert_uint_eq (atomic_load (&fake.calls), 27);
        ck_assert_uint_eq (told.failures, 2);
        if (jobs[j] == 1) {
            ck_assert_str_eq (told.told[0], "run 5 (robotaxi.fleet_size=250, robotaxi.promo_factor=0.3; seed 42): "
                                            "boom");
            ck_assert_str_eq (told.told[1], "run 19 (robotaxi.fleet_size=1500, robotaxi.promo_factor=0.2; seed 42): "
                                            "boom");
        }
        /* sweep.csv holds the 25 others, in run order, the same bytes for any jobs; the failed ones read as NAN */
        char *text = s_slurp (csv);
        size_t lines = 0;
        for (const char *c = text; *c; c++)
            lines += *c == '\n';
        ck_assert_uint_eq (lines, 1 + 25);
        ck_assert_ptr_null (strstr (text, "\n250,0.3,5,"));
        ck_assert_ptr_nonnull (strstr (text, "\n250,0.2,4,"));
        ck_assert_int_eq (access (tmp, F_OK), -1);
        if (first_text)
            ck_assert_str_eq (text, first_text);
        else
            first_text = text;
        if (text != first_text)
            free (text);
        ck_assert (isnan (sim_sweep_metric (sw, 5, 0)));
        ck_assert_double_eq (sim_sweep_metric (sw, 4, 0), 500);
    }
    free (first_text);

    /* the first run names the columns: without it there is no sweep.csv to write, and the earlier one stays */
    FILE *f = fopen (csv, "w");
    fputs ("an earlier sweep\n", f);
    fclose (f);
    s_fake_t fake;
    s_fake_init (&fake);
    fake.fail_run = 0;
    ck_assert_int_eq (sim_sweep_run (sw, &base, 2, s_fake_run, &fake, csv, NULL, NULL, err, sizeof err), -1);
    ck_assert_str_eq (err, "run 0 (robotaxi.fleet_size=0, robotaxi.promo_factor=0.1; seed 42): boom");
    char *text = s_slurp (csv);
    ck_assert_str_eq (text, "an earlier sweep\n");
    free (text);
    ck_assert_int_eq (access (tmp, F_OK), -1);
    ck_assert_uint_eq (sim_sweep_metrics (sw), 0);
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_mismatched_metric_names)
{
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:250", NULL);
    for (int jobs = 1; jobs <= 4; jobs *= 4) {
        s_fake_t fake;
        s_fake_init (&fake);
        fake.odd_run = 3;
        ck_assert_int_eq (sim_sweep_run (sw, &base, jobs, s_fake_run, &fake, NULL, NULL, NULL, err, sizeof err), 2);
        ck_assert_msg (strstr (err, "run 3 (robotaxi.fleet_size=750; seed 42): metric 3 is 'per_fourth' where run 0 "
                                    "has 'per_third'"),
                       "jobs %d: %s", jobs, err);
        s_fake_init (&fake);
        fake.odd_run = 3;
        fake.odd_kind = 1;
        ck_assert_int_eq (sim_sweep_run (sw, &base, jobs, s_fake_run, &fake, NULL, NULL, NULL, err, sizeof err), 2);
        ck_assert_msg (strstr (err, "run 3 (robotaxi.fleet_size=750; seed 42): metric 4 is missing (run 0 reports "
                                    "'seed_echo' there"),
                       "jobs %d: %s", jobs, err);
    }
    sim_sweep_destroy (&sw);
}
END_TEST

static int
s_seed_metric_run (const sim_config_t *cfg, size_t run, sim_sweep_row_t *row, void *arg, char *err, size_t errlen)
{
    (void) run;
    (void) arg;
    (void) err;
    (void) errlen;
    sim_sweep_row_add (row, "vehicles", (double) cfg->robotaxi.fleet_size);
    sim_sweep_row_add (row, "seed", (double) cfg->scenario.seed);
    return 0;
}

START_TEST (test_metric_named_like_a_column)
{
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:250", NULL);
    ck_assert_int_eq (sim_sweep_run (sw, &base, 2, s_seed_metric_run, NULL, NULL, NULL, NULL, err, sizeof err), -1);
    ck_assert_str_eq (err, "run 0 (robotaxi.fleet_size=0; seed 42): metric 2 'seed' repeats a column of sweep.csv");
    sim_sweep_destroy (&sw);
}
END_TEST

static int
s_mean_named_run (const sim_config_t *cfg, size_t run, sim_sweep_row_t *row, void *arg, char *err, size_t errlen)
{
    (void) run;
    (void) arg;
    (void) err;
    (void) errlen;
    sim_sweep_row_add (row, "vehicles", (double) cfg->robotaxi.fleet_size);
    sim_sweep_row_add (row, "vehicles_ci95", 1);
    return 0;
}

/* With replications, NAME_mean and NAME_ci95 are columns too: a metric named so is refused; with one seed it is
 * not (no such columns then). */
START_TEST (test_metric_named_like_a_mean_column)
{
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    sim_sweep_t *sw = s_sweep (&base, 2, "robotaxi.fleet_size=10,20", NULL);
    ck_assert_int_eq (sim_sweep_run (sw, &base, 1, s_mean_named_run, NULL, NULL, NULL, NULL, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "metric 2 'vehicles_ci95' repeats a column of sweep.csv"), "%s", err);
    ck_assert_int_eq (sim_sweep_set_seeds (sw, 1, err, sizeof err), 0);
    ck_assert_msg (sim_sweep_run (sw, &base, 1, s_mean_named_run, NULL, NULL, NULL, NULL, err, sizeof err) == 0, "%s",
                   err);
    sim_sweep_destroy (&sw);
}
END_TEST

static volatile sig_atomic_t s_stop_flag;

/* Asks the sweep to stop once run 1 has played. */
static int
s_stopping_run (const sim_config_t *cfg, size_t run, sim_sweep_row_t *row, void *arg, char *err, size_t errlen)
{
    int rc = s_fake_run (cfg, run, row, arg, err, errlen);
    if (run == 1)
        s_stop_flag = 1;
    return rc;
}

/* A sweep of 2 points x 3 seeds stopped after run 1: the means are over the runs stored (the first point's two, 42
 * and 43: 42.5 +- 12.706205 x 0.5); the second point is left out of sweep_points.csv, having no run. */
START_TEST (test_stopped_replications_average_the_runs_stored)
{
    sim_config_t base;
    char err[512], csv[512], points[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;
    sim_sweep_t *sw = s_sweep (&base, 3, "robotaxi.fleet_size=10,20", NULL);
    s_fake_t fake;
    s_fake_init (&fake);
    s_stop_flag = 0;
    s_path (csv, sizeof csv, "stopped.csv");
    s_path (points, sizeof points, "stopped_points.csv");
    sim_sweep_set_stop (sw, &s_stop_flag);
    sim_sweep_set_points_path (sw, points);
    ck_assert_msg (sim_sweep_run (sw, &base, 1, s_stopping_run, &fake, csv, NULL, NULL, err, sizeof err) == 1, "%s",
                   err);
    char *text = s_slurp (csv);
    ck_assert_ptr_nonnull (text);
    ck_assert_msg (strstr (text, "\n10,0,42,20,0.3,3.3333333333333335,42,20,0,0.3,0,3.3333333333333335,0,42.5,"
                                 "6.3531025\n10,1,43,") && !strstr (text, "\n10,2,"), "%s", text);
    free (text);
    text = s_slurp (points);
    ck_assert_ptr_nonnull (text);
    ck_assert_str_eq (text, "robotaxi.fleet_size,runs,vehicles_x2_mean,vehicles_x2_ci95,fare_share_mean,"
                            "fare_share_ci95,per_third_mean,per_third_ci95,seed_echo_mean,seed_echo_ci95\n"
                            "10,2,20,0,0.3,0,3.3333333333333335,0,42.5,6.3531025\n");
    free (text);
    /* one run stored: its values, and no interval */
    s_stop_flag = 0;
    s_fake_init (&fake);
    sim_sweep_t *one = s_sweep (&base, 3, "robotaxi.fleet_size=10,20", NULL);
    sim_sweep_set_stop (one, &s_stop_flag);
    s_stop_flag = 1;
    ck_assert_msg (sim_sweep_run (one, &base, 1, s_fake_run, &fake, csv, NULL, NULL, err, sizeof err) == 1, "%s", err);
    text = s_slurp (csv);
    ck_assert_msg (strstr (text, "\n10,0,42,20,0.3,3.3333333333333335,42,20,nan,0.3,nan,3.3333333333333335,nan,42,"
                                 "nan\n") != NULL, "%s", text);
    free (text);
    sim_sweep_destroy (&one);
    sim_sweep_destroy (&sw);
}
END_TEST

/* A shard plays only its runs (r % N == K - 1), its first run naming the columns; the shards' lines together are the
 * whole sweep's sweep.csv, line for line. */
START_TEST (test_shards_split_the_runs)
{
    sim_config_t base;
    char err[512], path[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:250", NULL);
    s_fake_t fake;
    s_fake_init (&fake);
    ck_assert_int_eq (sim_sweep_run (sw, &base, 2, s_fake_run, &fake, s_path (path, sizeof path, "whole.csv"), NULL,
                                     NULL, err, sizeof err), 0);
    char *whole = s_slurp (path);
    ck_assert_ptr_nonnull (whole);
    size_t lines = 0;
    for (size_t k = 1; k <= 3; k++) {
        char name[32];
        snprintf (name, sizeof name, "shard%zu.csv", k);
        ck_assert_int_eq (sim_sweep_set_shard (sw, k, 3, err, sizeof err), 0);
        ck_assert_uint_eq (sim_sweep_shard_runs (sw), 3);
        s_fake_init (&fake);
        ck_assert_msg (sim_sweep_run (sw, &base, 2, s_fake_run, &fake, s_path (path, sizeof path, name), NULL, NULL,
                                      err, sizeof err) == 0, "%s", err);
        ck_assert_uint_eq (atomic_load (&fake.calls), 3);
        for (size_t r = 0; r < 9; r++) {
            ck_assert_int_eq (sim_sweep_in_shard (sw, r), r % 3 == k - 1);
            ck_assert_int_eq (isnan (sim_sweep_metric (sw, r, 0)), r % 3 != k - 1);
        }
        char *text = s_slurp (path);
        ck_assert_ptr_nonnull (text);
        /* the same header, then each line of the shard is the whole sweep's line of that run */
        const char *body = strchr (text, '\n') + 1;
        ck_assert_int_eq (strncmp (text, whole, (size_t) (body - text)), 0);
        for (const char *line = body; *line; lines++) {
            size_t n = strcspn (line, "\n") + 1;
            char needle[256];
            snprintf (needle, sizeof needle, "\n%.*s", (int) n, line);
            ck_assert_msg (strstr (whole, needle), "shard %zu: %.*s is not a line of the whole sweep", k, (int) n,
                           line);
            ck_assert_uint_eq (strtoul (strchr (line, ',') + 1, NULL, 10) % 3, k - 1);
            line += n;
        }
        free (text);
    }
    ck_assert_uint_eq (lines, 9);
    /* a run of shard 2/3 reporting other metrics is compared with the shard's first run, run 1 */
    ck_assert_int_eq (sim_sweep_set_shard (sw, 2, 3, err, sizeof err), 0);
    s_fake_init (&fake);
    fake.odd_run = 4;
    ck_assert_int_eq (sim_sweep_run (sw, &base, 2, s_fake_run, &fake, NULL, NULL, NULL, err, sizeof err), 2);
    ck_assert_msg (strstr (err, "run 4 (robotaxi.fleet_size=1000; seed 42): metric 3 is 'per_fourth' where run 1 has "
                                "'per_third'"), "%s", err);
    /* more shards than runs: the last ones are empty */
    ck_assert_int_eq (sim_sweep_set_shard (sw, 12, 12, err, sizeof err), 0);
    ck_assert_uint_eq (sim_sweep_shard_runs (sw), 0);
    s_fake_init (&fake);
    ck_assert_int_eq (sim_sweep_run (sw, &base, 2, s_fake_run, &fake, NULL, NULL, NULL, err, sizeof err), 0);
    ck_assert_uint_eq (atomic_load (&fake.calls), 0);
    ck_assert_int_eq (sim_sweep_set_shard (sw, 4, 3, err, sizeof err), -1);
    ck_assert_str_eq (err, "--shard 4/3: need 1 <= K <= N <= 100000");
    ck_assert_int_eq (sim_sweep_set_shard (sw, 0, 3, err, sizeof err), -1);
    free (whole);
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_unwritable_csv_fails_before_any_run)
{
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:250", NULL);
    s_fake_t fake;
    s_fake_init (&fake);
    const char *csv = "/nonexistent-robotaxi-dir/sweep.csv";
    ck_assert_int_eq (sim_sweep_run (sw, &base, 2, s_fake_run, &fake, csv, NULL, NULL, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "/nonexistent-robotaxi-dir/sweep.csv: No such file"), "%s", err);
    ck_assert_uint_eq (atomic_load (&fake.calls), 0);
    ck_assert_int_eq (sim_sweep_run (sw, &base, 0, s_fake_run, &fake, NULL, NULL, NULL, err, sizeof err), -1);
    ck_assert_str_eq (err, "--jobs 0: need at least 1");
    sim_sweep_destroy (&sw);
}
END_TEST

START_TEST (test_points_breaking_cross_key_rules)
{
    /* each value is in range on its own; 14 h is above the base's 12 h longest shift */
    sim_config_t base;
    char err[512];
    sim_config_defaults (&base);
    base.robotaxi.fleet_size = 400;   /* the figures below assume it, whatever the default */
    sim_sweep_t *sw = s_sweep (&base, 1, "robotaxi.fleet_size=0:2000:1000", "human.shift_min_h=8:14:2");
    s_fake_t fake;
    s_fake_init (&fake);
    char csv[512];
    s_path (csv, sizeof csv, "x.csv");
    ck_assert_int_eq (sim_sweep_run (sw, &base, 2, s_fake_run, &fake, csv, NULL, NULL, err, sizeof err), -1);
    ck_assert_str_eq (err, "--sweep point robotaxi.fleet_size=0, human.shift_min_h=14: human.shift_min_h (14) is "
                           "above human.shift_max_h (12)");
    ck_assert_uint_eq (atomic_load (&fake.calls), 0);
    ck_assert_int_eq (access (csv, F_OK), -1);
    sim_sweep_destroy (&sw);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_sweep");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, NULL);
    tcase_add_test (core, test_range_includes_its_end);
    tcase_add_test (core, test_two_keys_make_a_row_major_grid);
    tcase_add_test (core, test_decimal_steps_print_as_typed);
    tcase_add_test (core, test_seeds_follow_the_base_seed);
    tcase_add_test (core, test_run_config_has_the_point_and_seed);
    tcase_add_test (core, test_csv_is_the_same_for_any_jobs);
    tcase_add_test (core, test_seeds_alone_replicate_the_base);
    tcase_add_test (core, test_stopped_replications_average_the_runs_stored);
    tcase_add_test (core, test_shards_split_the_runs);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, NULL);
    tcase_add_test (limits, test_row_add_limits);
    tcase_add_test (limits, test_values_the_scenario_refuses);
    tcase_add_test (limits, test_sweeps_without_points);
    tcase_add_test (limits, test_refused_assignments);
    tcase_add_test (limits, test_failing_runs_are_told_and_the_others_go_on);
    tcase_add_test (limits, test_mismatched_metric_names);
    tcase_add_test (limits, test_metric_named_like_a_column);
    tcase_add_test (limits, test_metric_named_like_a_mean_column);
    tcase_add_test (limits, test_unwritable_csv_fails_before_any_run);
    tcase_add_test (limits, test_points_breaking_cross_key_rules);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
