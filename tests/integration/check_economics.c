/* check_economics: robotaxi-sim as a user runs it for the cost model: the calibration scenario against the facts
 * it must reproduce (README "Calibration"), runs of several days with drivers deciding whether to work, sweeps,
 * the plots and report, and the refusals of bad parameters. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rt_check.h"
#include "rt_proc.h"

#define S_TIMEOUT_MS (1800 * 1000)

static char *s_sim;

static void
s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
}

static void
s_teardown (void)
{
    free (s_sim);
}

static json_t *
s_json (const char *dir, const char *name)
{
    char path[1024];
    json_error_t jerr;
    snprintf (path, sizeof path, "%s/%s", dir, name);
    json_t *j = json_load_file (path, 0, &jerr);
    ck_assert_msg (j != NULL, "%s: %s", path, jerr.text);
    return j;
}

static double
s_jnum (json_t *root, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get (root, a);
    if (b)
        v = json_object_get (v, b);
    if (c)
        v = json_object_get (v, c);
    ck_assert_msg (json_is_number (v), "%s.%s.%s is not a number", a, b ? b : "", c ? c : "");
    return json_number_value (v);
}

/* A CSV read whole: header names and rows of numbers (a field that is not a number reads as NAN). */
typedef struct {
    char names[64][48];
    size_t ncols;
    double rows[4000][64];
    char first[4000][32];      /* each row's first field as text (fleet names) */
    size_t nrows;
} s_csv_t;

static void
s_csv (const char *dir, const char *name, s_csv_t *csv)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    char *text = rt_slurp (path, NULL);
    ck_assert_msg (text != NULL, "%s is missing", path);
    memset (csv, 0, sizeof *csv);
    char *save = NULL;
    int header = 1;
    for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        size_t col = 0;
        char *fsave = NULL;
        for (char *f = strtok_r (line, ",", &fsave); f; f = strtok_r (NULL, ",", &fsave), col++) {
            ck_assert_uint_lt (col, 64);
            if (header)
                snprintf (csv->names[col], sizeof csv->names[col], "%s", f);
            else {
                char *end;
                double v = strtod (f, &end);
                csv->rows[csv->nrows][col] = *end ? NAN : v;
                if (col == 0)
                    snprintf (csv->first[csv->nrows], sizeof csv->first[0], "%s", f);
            }
        }
        if (header)
            csv->ncols = col;
        else {
            ck_assert_uint_eq (col, csv->ncols);
            csv->nrows++;
            ck_assert_uint_lt (csv->nrows, 4000);
        }
        header = 0;
    }
    free (text);
}

static size_t
s_col (const s_csv_t *csv, const char *name)
{
    for (size_t i = 0; i < csv->ncols; i++)
        if (strcmp (csv->names[i], name) == 0)
            return i;
    ck_abort_msg ("no column %s", name);
    return 0;
}

/* The value in column `name` of the row whose column `key` equals at. */
static double
s_at (const s_csv_t *csv, const char *key, double at, const char *name)
{
    size_t k = s_col (csv, key), c = s_col (csv, name);
    for (size_t r = 0; r < csv->nrows; r++)
        if (fabs (csv->rows[r][k] - at) < 1e-9)
            return csv->rows[r][c];
    ck_abort_msg ("no row with %s = %g", key, at);
    return NAN;
}

/* The value in column `name` of the row whose first field is `first`. */
static double
s_row (const s_csv_t *csv, const char *first, const char *name)
{
    size_t c = s_col (csv, name);
    for (size_t r = 0; r < csv->nrows; r++)
        if (strcmp (csv->first[r], first) == 0)
            return csv->rows[r][c];
    ck_abort_msg ("no row %s", first);
    return NAN;
}

static int
s_exists (const char *dir, const char *name)
{
    char path[1024];
    struct stat st;
    snprintf (path, sizeof path, "%s/%s", dir, name);
    return stat (path, &st) == 0 && st.st_size > 0;
}

static s_csv_t s_table;

/* The README's calibration table, checked on a day of scenarios/wuhan-2024.ini. */
START_TEST (test_wuhan_2024_reproduces_the_calibration)
{
    char *dir = rt_temp_dir ("calib");
    char scenario[1024];
    snprintf (scenario, sizeof scenario, "%s/scenarios/wuhan-2024.ini", getenv ("RT_SOURCE_DIR"));
    static char out[65536], err[65536];
    char *argv[] = {s_sim, "-q", "-s", scenario, "-o", dir, NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim -s wuhan-2024.ini exited %d: %s", rc, err);

    /* fares: 10 km paid 4-16 yuan by robotaxi (with or without a coupon), 18-30 by human ride-hail; a 2 km robotaxi
     * ride under 2 yuan with the coupon */
    s_csv (dir, "fares.csv", &s_table);
    double r10 = s_at (&s_table, "distance_km", 10, "robotaxi_yuan");
    double r10c = s_at (&s_table, "distance_km", 10, "robotaxi_coupon_yuan");
    double h10 = s_at (&s_table, "distance_km", 10, "human_yuan");
    double r2c = s_at (&s_table, "distance_km", 2, "robotaxi_coupon_yuan");
    ck_assert_msg (r10 >= 4 && r10 <= 16, "robotaxi 10 km: %.2f yuan", r10);
    ck_assert_msg (r10c >= 4 && r10c <= 16, "robotaxi 10 km with coupon: %.2f yuan", r10c);
    ck_assert_msg (h10 >= 18 && h10 <= 30, "human 10 km: %.2f yuan", h10);
    ck_assert_msg (r2c < 2, "robotaxi 2 km with coupon: %.2f yuan", r2c);

    /* 400 robotaxis take about 1% of the city's ride-hail trips: 0.5% .. 2% */
    json_t *s = s_json (dir, "summary.json");
    ck_assert_double_eq (s_jnum (s, "fleets", "robotaxi", "vehicles"), 400);
    double rt = s_jnum (s, "fleets", "robotaxi", "served"), hu = s_jnum (s, "fleets", "human", "served");
    double share = rt / (rt + hu);
    ck_assert_msg (share >= 0.005 && share <= 0.02, "robotaxi share %.2f%%", 100 * share);

    /* human ride-hail empty driving near 40% of km: 35% .. 45% */
    double empty = s_jnum (s, "fleets", "human", "empty_km_share");
    ck_assert_msg (empty >= 0.35 && empty <= 0.45, "human empty km %.1f%%", 100 * empty);
    json_decref (s);

    /* robotaxi all-in cost 150-200 yuan per vehicle-day, break-even near 20 rides a day: 15 .. 25 */
    s_csv (dir, "costs.csv", &s_table);
    double per_day = s_row (&s_table, "robotaxi", "cost_per_vehicle_day");
    double break_even = s_row (&s_table, "robotaxi", "break_even_rides_per_day");
    ck_assert_msg (per_day >= 150 && per_day <= 200, "robotaxi %.1f yuan per vehicle-day", per_day);
    ck_assert_msg (break_even >= 15 && break_even <= 25, "robotaxi break-even %.1f rides a day", break_even);
    free (dir);
}
END_TEST

/* Several days with a baseline: drivers decide each morning, the series is written, and displacement counts the
 * drivers who work without robotaxis but not with them. */
START_TEST (test_days_with_baseline)
{
    char *dir = rt_temp_dir ("days");
    static char out[65536], err[65536];
    char *argv[] = {s_sim, "-q", "--no-plots", "--days", "4", "--baseline", "--set", "demand.trips_per_day=8000",
                    "--set", "human.drivers=400", "--set", "robotaxi.fleet_size=60", "--set",
                    "choice.asc_robotaxi=0", "-o", dir, NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim --days 4 exited %d: %s", rc, err);
    s_csv (dir, "days.csv", &s_table);
    ck_assert_uint_eq (s_table.nrows, 4);
    double displaced = 0;
    for (size_t d = 0; d < 4; d++) {
        ck_assert_double_eq (s_table.rows[d][s_col (&s_table, "day")], d + 1);
        double active = s_table.rows[d][s_col (&s_table, "active_drivers")];
        double base = s_table.rows[d][s_col (&s_table, "baseline_active_drivers")];
        ck_assert (active > 0 && active <= 400 && base > 0 && base <= 400);
        displaced += s_table.rows[d][s_col (&s_table, "displaced_drivers")];
    }
    /* day 1: nobody has seen robotaxis yet, so the same drivers go out in both worlds */
    ck_assert_double_eq (s_table.rows[0][s_col (&s_table, "displaced_drivers")], 0);
    /* robotaxis that riders like take trips, earnings fall, and some drivers stay home later */
    ck_assert_msg (displaced > 0, "no driver displaced over 4 days");
    ck_assert_double_gt (s_table.rows[3][s_col (&s_table, "income_lost_yuan")] +
                             s_table.rows[2][s_col (&s_table, "income_lost_yuan")],
                         0);
    ck_assert_msg (strstr (out, "no-robotaxi drivers"), "the daily table is not printed: %s", out);
    json_t *s = s_json (dir, "summary.json");
    ck_assert_double_eq (s_jnum (s, "day", NULL, NULL), 4);
    ck_assert_double_eq (s_jnum (s, "displacement", "displaced_drivers", NULL),
                         s_table.rows[3][s_col (&s_table, "displaced_drivers")]);
    json_decref (s);
    free (dir);
}
END_TEST

/* A sweep writes one row per run, byte-identical on 1 and 2 threads, with the figures moving the right way. */
START_TEST (test_sweep_rows_and_threads)
{
    char *dir1 = rt_temp_dir ("sweep1"), *dir2 = rt_temp_dir ("sweep2");
    static char out[65536], err[65536];
    char *argv1[] = {s_sim, "-q", "--no-plots", "--sweep", "robotaxi.fleet_size=0:60:30", "--sweep",
                     "robotaxi.promo_factor=0.3,1", "--set", "demand.trips_per_day=6000", "--set",
                     "human.drivers=300", "--set", "choice.asc_robotaxi=0", "--jobs", "1", "-o", dir1, NULL};
    int rc = rt_run (argv1, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "sweep on 1 thread exited %d: %s", rc, err);
    char *argv2[] = {s_sim, "-q", "--no-plots", "--sweep", "robotaxi.fleet_size=0:60:30", "--sweep",
                     "robotaxi.promo_factor=0.3,1", "--set", "demand.trips_per_day=6000", "--set",
                     "human.drivers=300", "--set", "choice.asc_robotaxi=0", "--jobs", "2", "-o", dir2, NULL};
    rc = rt_run (argv2, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "sweep on 2 threads exited %d: %s", rc, err);
    ck_assert (rt_same_in_dirs (dir1, dir2, "sweep.csv"));
    ck_assert (rt_same_in_dirs (dir1, dir2, "runs/0005/summary.json"));
    s_csv (dir1, "sweep.csv", &s_table);
    ck_assert_uint_eq (s_table.nrows, 6);
    size_t fleet = s_col (&s_table, "robotaxi.fleet_size"), promo = s_col (&s_table, "robotaxi.promo_factor");
    size_t share = s_col (&s_table, "robotaxi_share"), drivers_net = s_col (&s_table, "driver_net_income_yuan");
    /* row-major: fleet 0 (promo 0.3, 1), 30 (...), 60 (...) */
    ck_assert_double_eq (s_table.rows[0][fleet], 0);
    ck_assert_double_eq (s_table.rows[1][promo], 1);
    ck_assert_double_eq (s_table.rows[5][fleet], 60);
    ck_assert_double_eq (s_table.rows[0][share], 0);
    /* more robotaxis at the promotional price: a larger share and less for human drivers */
    ck_assert_double_gt (s_table.rows[4][share], s_table.rows[2][share]);
    ck_assert_double_gt (s_table.rows[2][share], 0);
    ck_assert_double_lt (s_table.rows[4][drivers_net], s_table.rows[0][drivers_net]);
    /* the full price sells fewer robotaxi rides than the promotion */
    ck_assert_double_lt (s_table.rows[5][share], s_table.rows[4][share]);
    ck_assert_msg (s_exists (dir1, "runs/0003/config.ini"), "a run's config.ini is missing");
    free (dir1);
    free (dir2);
}
END_TEST

/* A default-sized run leaves the plots and a report that shows them. */
START_TEST (test_run_writes_plots_and_report)
{
    char *dir = rt_temp_dir ("plots");
    static char out[65536], err[65536];
    char *argv[] = {s_sim, "-q", "--set", "demand.trips_per_day=6000", "--set", "human.drivers=300", "-o", dir,
                    NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim exited %d: %s", rc, err);
    const char *files[] = {"report.html", "fares.svg", "utilization.svg", "waits.svg", "costcurve.svg",
                           "choice.svg", "costs.csv", "costcurve.csv", "choice.csv", "waits.csv", "days.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_msg (s_exists (dir, files[i]), "%s is missing", files[i]);
    char path[1024];
    snprintf (path, sizeof path, "%s/report.html", dir);
    char *html = rt_slurp (path, NULL);
    ck_assert (strstr (html, "fares.svg") && strstr (html, "costcurve.svg"));
    ck_assert_msg (!strstr (html, "http://") && !strstr (html, "https://"), "the report reaches for the network");
    free (html);
    free (dir);
}
END_TEST

/* Bad parameters are refused before anything runs, naming the key and what it may be. */
START_TEST (test_bad_parameters_are_refused)
{
    static const struct {
        const char *args[4];
        const char *needles[2];
    } cases[] = {
        {{"--set", "robotaxi.start_yuan=-1"}, {"robotaxi.start_yuan", "0 .. 1000"}},
        {{"--set", "human.commission=1.2"}, {"human.commission", "0 .. 1"}},
        {{"--set", "robotaxi.coupon_share=2"}, {"robotaxi.coupon_share", "0 .. 1"}},
        {{"--sweep", "robotaxi.fleet_size=2000:0:250"}, {"robotaxi.fleet_size", "no points"}},
        {{"--sweep", "robotaxi.fleet_size=0:2000:0"}, {"robotaxi.fleet_size", "no points"}},
        {{"--sweep", "robotaxi.fleet_sise=0:10:5"}, {"robotaxi.fleet_sise", "did you mean robotaxi.fleet_size"}},
        {{"--sweep", "robotaxi.promo_factor=0.5:1.5:0.5"}, {"robotaxi.promo_factor", "0 .. 1"}},
        {{"--set", "no.such_key=1"}, {"no.such_key", "unknown key"}},
        {{"--days", "0"}, {"scenario.days", "1 .. 3650"}},
        {{"--set", "robotaxi.charge_h_per_day=20", "--set", "robotaxi.clean_h_per_day=5"},
         {"robotaxi.charge_h_per_day", "24"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static char out[8192], err[8192];
        char *argv[8] = {s_sim, "-q", "--no-plots"};
        int n = 3;
        for (int a = 0; a < 4 && cases[i].args[a]; a++)
            argv[n++] = (char *) cases[i].args[a];
        argv[n] = NULL;
        int rc = rt_run (argv, out, sizeof out, err, sizeof err, 60000);
        ck_assert_msg (rc == 78, "case %zu: exit %d, not 78 (EX_CONFIG), stderr: %s", i, rc, err);
        for (int k = 0; k < 2; k++)
            ck_assert_msg (strstr (err, cases[i].needles[k]), "case %zu: '%s' not in: %s", i, cases[i].needles[k],
                           err);
    }
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("integration_economics");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_set_timeout (core, 3600);
    tcase_add_test (core, test_wuhan_2024_reproduces_the_calibration);
    tcase_add_test (core, test_days_with_baseline);
    tcase_add_test (core, test_sweep_rows_and_threads);
    tcase_add_test (core, test_run_writes_plots_and_report);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_bad_parameters_are_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
