/* check_economics: robotaxi-sim as a user runs it for the cost model: the calibration scenario against the facts
 * it must reproduce (README "Calibration"), runs of several days with drivers deciding whether to work, sweeps,
 * the plots and report, and the refusals of bad parameters. */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_check.h"
#include "rt_json.h"
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

/* A CSV read whole: header names and rows of numbers (a field that is not a number reads as NAN). 160 columns: a
 * sweep with replications and the baseline has 3 x 33 metrics besides its keys. */
#define S_CSV_COLS 160
typedef struct {
    char names[S_CSV_COLS][48];
    size_t ncols;
    double rows[4000][S_CSV_COLS];
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
            ck_assert_uint_lt (col, S_CSV_COLS);
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
    ck_assert_double_eq (rt_json_num (s, "fleets", "robotaxi", "vehicles"), 400);
    double rt = rt_json_num (s, "fleets", "robotaxi", "served"), hu = rt_json_num (s, "fleets", "human", "served");
    double share = rt / (rt + hu);
    ck_assert_msg (share >= 0.005 && share <= 0.02, "robotaxi share %.2f%%", 100 * share);

    /* human ride-hail empty driving near 40% of km: 35% .. 45% */
    double empty = rt_json_num (s, "fleets", "human", "empty_km_share");
    ck_assert_msg (empty >= 0.35 && empty <= 0.45, "human empty km %.1f%%", 100 * empty);
    json_decref (s);

    /* robotaxi all-in cost 150-200 yuan per vehicle-day, break-even near 20 rides a day: 15 .. 25 */
    s_csv (dir, "costs.csv", &s_table);
    double per_day = s_row (&s_table, "robotaxi", "cost_per_vehicle_day");
    double break_even = s_row (&s_table, "robotaxi", "break_even_rides_per_day");
    ck_assert_msg (per_day >= 150 && per_day <= 200, "robotaxi %.1f yuan per vehicle-day", per_day);
    ck_assert_msg (break_even >= 15 && break_even <= 25, "robotaxi break-even %.1f rides a day", break_even);

    /* the day is played with batteries (the default charging.mode) and the operator's robotaxis charging early
     * (wuhan-2024.ini's policy): summary.json has the charging figures, and the robotaxis bought their electricity
     * in the valley, below the depot tariff's flat 0.65 yuan a kWh */
    s = s_json (dir, "summary.json");
    double kwh = rt_json_num (s, "charging", "robotaxi", "kwh_per_vehicle_day");
    double yuan = rt_json_num (s, "charging", "robotaxi", "energy_yuan_per_vehicle_day");
    ck_assert_msg (kwh > 0 && yuan / kwh < 0.65, "robotaxis bought %.2f kWh a day at %.3f yuan", kwh, yuan / kwh);

    /* a full-time driver's net income over a month of human.workdays_per_month = 26 days worked is 7,600 yuan +-15%
     * ("driver income and hours"): 6,460 .. 8,740 */
    double monthly = 26.0 * rt_json_num (s, "drivers", "net_daily_yuan", NULL);
    ck_assert_msg (monthly >= 0.85 * 7600 && monthly <= 1.15 * 7600, "drivers' net %.0f yuan a month (26 days)",
                   monthly);
    json_decref (s);
    free (dir);
}
END_TEST

/* The default day with batteries: summary.json's charging figures add up from batteries.csv and summary.json, the
 * terminal shows them, and the robotaxis' hours plugged in per 100 km driven are those of Chinese e-taxis: 1-2 h a day
 * for about 400 km and about 1 h for 250 km, 0.25-0.5 h per 100 km (README "Electric fleets" gives the sources). The
 * same day in fixed mode has no charging figures. */
START_TEST (test_default_day_charging_share)
{
    char *dir = rt_temp_dir ("charging");
    static char out[65536], err[65536];
    char *argv[] = {s_sim, "--no-plots", "--set", "charging.mode=battery", "-o", dir, NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim --set charging.mode=battery exited %d: %s", rc, err);
    ck_assert_msg (strstr (out, "time plugged in (of on-shift)") && strstr (out, "time waiting for a plug"),
                   "no charging lines in the summary: %s", out);
    json_t *s = s_json (dir, "summary.json");
    /* batteries.csv: vehicle,fleet,...,wait_h,plug_h,km,kwh_per_km (its fleet is text, so read here) */
    s_csv (dir, "batteries.csv", &s_table);
    size_t c_wait = s_col (&s_table, "wait_h"), c_plug = s_col (&s_table, "plug_h"), c_km = s_col (&s_table, "km");
    char path[1024], line[1024];
    snprintf (path, sizeof path, "%s/batteries.csv", dir);
    FILE *csv = fopen (path, "r");
    ck_assert_msg (csv != NULL, "no %s", path);
    const char *fleets[] = {"robotaxi", "human"};
    double plug_h[2] = {0, 0}, wait_h[2] = {0, 0}, km[2] = {0, 0};
    size_t vehicles = 0;
    for (size_t r = 0; fgets (line, sizeof line, csv) != NULL; r++) {
        const char *fleet = strchr (line, ',');
        if (r == 0 || fleet == NULL)
            continue;
        for (int f = 0; f < 2; f++)
            if (strncmp (fleet + 1, fleets[f], strlen (fleets[f])) == 0 && fleet[1 + strlen (fleets[f])] == ',') {
                plug_h[f] += s_table.rows[r - 1][c_plug];
                wait_h[f] += s_table.rows[r - 1][c_wait];
                km[f] += s_table.rows[r - 1][c_km];
                vehicles++;
            }
    }
    fclose (csv);
    ck_assert_uint_eq (vehicles, s_table.nrows);
    for (int f = 0; f < 2; f++) {
        double online = rt_json_num (s, "fleets", fleets[f], "hours_online");
        double share = rt_json_num (s, "charging", fleets[f], "plugged_in_share");
        double waiting = rt_json_num (s, "charging", fleets[f], "waiting_for_plug_share");
        /* batteries.csv rounds each vehicle's hours to 3 decimals; summary.json rounds the shares to 4 */
        ck_assert_msg (fabs (share - plug_h[f] / online) < 1e-4 + 1e-3 * s_table.nrows / online,
                       "%s plugged in %.4f of %.1f h, batteries.csv says %.1f h", fleets[f], share, online, plug_h[f]);
        ck_assert_msg (fabs (waiting - wait_h[f] / online) < 1e-4 + 1e-3 * s_table.nrows / online,
                       "%s waiting %.4f, batteries.csv says %.1f h", fleets[f], waiting, wait_h[f]);
    }
    ck_assert_msg (plug_h[0] > 0 && km[0] > 0, "robotaxis never charged");
    double per_100km = 100.0 * plug_h[0] / km[0];
    ck_assert_msg (per_100km >= 0.25 && per_100km <= 0.5, "robotaxis plugged in %.3f h per 100 km", per_100km);
    json_decref (s);

    char *argv_fixed[] = {s_sim, "-q", "--no-plots", "--set", "charging.mode=fixed", "-o", dir, NULL};
    rc = rt_run (argv_fixed, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim --set charging.mode=fixed exited %d: %s", rc, err);
    s = s_json (dir, "summary.json");
    ck_assert_msg (json_object_get (s, "charging") == NULL, "fixed mode has charging figures");
    json_decref (s);
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
    ck_assert_msg (strstr (out, "drivers without robotaxis"), "the daily table is not printed: %s", out);
    json_t *s = s_json (dir, "summary.json");
    ck_assert_double_eq (rt_json_num (s, "day", NULL, NULL), 4);
    ck_assert_double_eq (rt_json_num (s, "displacement", "displaced_drivers", NULL),
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

/* Every file under a/rel is in b/rel with the same bytes, and b/rel holds no other file. Counts the files
 * compared into *count. */
static void
s_same_tree (const char *a, const char *b, const char *rel, size_t *count)
{
    char pa[2048], pb[2048];
    snprintf (pa, sizeof pa, "%s%s%s", a, rel[0] ? "/" : "", rel);
    snprintf (pb, sizeof pb, "%s%s%s", b, rel[0] ? "/" : "", rel);
    size_t na = 0, nb = 0;
    for (int side = 0; side < 2; side++) {
        DIR *d = opendir (side ? pb : pa);
        ck_assert_msg (d != NULL, "%s is not a folder", side ? pb : pa);
        struct dirent *e;
        while ((e = readdir (d)))
            if (e->d_name[0] != '.')
                *(side ? &nb : &na) += 1;
        closedir (d);
    }
    ck_assert_msg (na == nb, "%s holds %zu files, %s %zu", pa, na, pb, nb);
    DIR *d = opendir (pa);
    struct dirent *e;
    while ((e = readdir (d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[1024], full[4200];
        struct stat st;
        snprintf (sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf (full, sizeof full, "%s/%s", a, sub);
        ck_assert_int_eq (stat (full, &st), 0);
        if (S_ISDIR (st.st_mode)) {
            s_same_tree (a, b, sub, count);
            continue;
        }
        ck_assert_msg (rt_same_in_dirs (a, b, sub), "%s differs between %s and %s", sub, a, b);
        (*count)++;
    }
    closedir (d);
}

/* The config.ini of a run with --baseline, --days, --seed, --policy and --set, given back with -s and nothing
 * else, plays the same run: every output is the same bytes, the plots and the report included (none of them
 * names the folder it is in). */
START_TEST (test_config_ini_repeats_the_run)
{
    char *dir1 = rt_temp_dir ("repeat1"), *dir2 = rt_temp_dir ("repeat2");
    static char out[65536], err[65536];
    char *first[] = {s_sim, "-q", "--events", "--baseline", "--days", "2", "--seed", "7", "--policy", "batch", "--set",
                     "demand.trips_per_day=6000", "--set", "human.drivers=300", "--set", "robotaxi.fleet_size=30",
                     "--set", "choice.asc_robotaxi=0", "-o", dir1, NULL};
    int rc = rt_run (first, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim exited %d: %s", rc, err);
    char config[4200];
    snprintf (config, sizeof config, "%s/config.ini", dir1);
    char *text = rt_slurp (config, NULL);
    ck_assert_ptr_nonnull (text);
    ck_assert_msg (strstr (text, "\nbaseline = 1\n") && strstr (text, "\ndays = 2\n") && strstr (text, "\nseed = 7\n") &&
                       strstr (text, "\npolicy = batch\n"),
                   "config.ini does not record the run: %s", text);
    free (text);
    char *again[] = {s_sim, "-q", "--events", "-s", config, "-o", dir2, NULL};
    rc = rt_run (again, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim -s DIR/config.ini exited %d: %s", rc, err);
    size_t count = 0;
    s_same_tree (dir1, dir2, "", &count);
    /* config.ini, summary.json, 9 CSV files, events.csv, report.html, the SVGs and their scripts and data */
    ck_assert_msg (count >= 20, "only %zu files compared", count);
    ck_assert (s_exists (dir2, "days.svg"));
    json_t *s = s_json (dir2, "summary.json");
    ck_assert_msg (json_object_get (s, "displacement") != NULL, "the repeat dropped the baseline");
    json_decref (s);
    free (dir1);
    free (dir2);
}
END_TEST

/* A run or a sweep into a folder of an earlier one leaves none of its files; a folder with someone else's files
 * is refused, named, and left as it was. */
START_TEST (test_output_folder_is_cleared_or_refused)
{
    char *dir = rt_temp_dir ("outdir");
    static char out[65536], err[65536];
    char *run[] = {s_sim, "-q", "--no-plots", "--events", "--set", "demand.trips_per_day=3000", "--set",
                   "human.drivers=150", "-o", dir, NULL};
    int rc = rt_run (run, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim exited %d: %s", rc, err);
    ck_assert (s_exists (dir, "summary.json") && s_exists (dir, "events.csv"));
    char *sweep[] = {s_sim, "-q", "--no-plots", "--sweep", "robotaxi.fleet_size=10,20", "--set",
                     "demand.trips_per_day=3000", "--set", "human.drivers=150", "-o", dir, NULL};
    rc = rt_run (sweep, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "the sweep exited %d: %s", rc, err);
    const char *gone[] = {"summary.json", "costs.csv", "days.csv", "drivers.csv", "events.csv", "hourly.csv"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        ck_assert_msg (!s_exists (dir, gone[i]), "the sweep left the run's %s", gone[i]);
    ck_assert (s_exists (dir, "sweep.csv") && s_exists (dir, "runs/0001/summary.json"));
    /* and a run into the sweep's folder leaves no sweep behind */
    rc = rt_run (run, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "robotaxi-sim exited %d: %s", rc, err);
    ck_assert (!s_exists (dir, "sweep.csv") && !s_exists (dir, "sweep.ini") && !s_exists (dir, "runs/0001/summary.json"));
    /* someone else's file: refused before anything runs, 73 (EX_CANTCREAT), nothing removed */
    char notes[4200];
    snprintf (notes, sizeof notes, "%s/notes.txt", dir);
    FILE *f = fopen (notes, "w");
    ck_assert_ptr_nonnull (f);
    fputs ("mine\n", f);
    fclose (f);
    rc = rt_run (run, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 73, "exit %d, not 73: %s", rc, err);
    ck_assert_msg (strstr (err, "holds files robotaxi-sim did not write: notes.txt"), "%s", err);
    rc = rt_run (sweep, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 73 && strstr (err, "notes.txt"), "exit %d: %s", rc, err);
    ck_assert (s_exists (dir, "notes.txt") && s_exists (dir, "summary.json"));
    free (dir);
}
END_TEST

/* A sweep stopped by a signal writes sweep.csv for the runs it finished and says how to go on; --resume finishes
 * it, keeping those runs, and its sweep.csv is the same bytes as a sweep played in one go. */
START_TEST (test_sweep_stopped_and_resumed)
{
    char *whole = rt_temp_dir ("sweep-whole"), *dir = rt_temp_dir ("sweep-stopped");
    static char out[65536], err[65536];
#define S_SWEEP_ARGS                                                                                                  \
    "--no-plots", "--sweep", "robotaxi.fleet_size=0:70:10", "--set", "demand.trips_per_day=6000", "--set",            \
        "human.drivers=300", "--set", "choice.asc_robotaxi=0", "--days", "2", "--baseline"
    char *one_go[] = {s_sim, "-q", S_SWEEP_ARGS, "--jobs", "2", "-o", whole, NULL};
    int rc = rt_run (one_go, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "the sweep exited %d: %s", rc, err);

    /* stopped once the first run is reported done, by SIGTERM as a batch system sends it */
    char *stopped[] = {s_sim, S_SWEEP_ARGS, "--jobs", "1", "-o", dir, NULL};
    int err_fd = -1;
    pid_t pid = rt_spawn (stopped, NULL, &err_fd);
    ck_assert_int_gt (pid, 0);
    char line[1024];
    ck_assert_int_eq (rt_wait_line (err_fd, "runs done", line, sizeof line, S_TIMEOUT_MS), 0);
    ck_assert_msg (strstr (line, "sweep: 1/8 runs done, 0 failed, ") && strstr (line, " left"), "%s", line);
    ck_assert_int_eq (kill (pid, SIGTERM), 0);
    ck_assert_int_eq (rt_wait_line (err_fd, "sweep stopped", line, sizeof line, S_TIMEOUT_MS), 0);
    ck_assert_msg (strstr (line, "run the same command again with --resume"), "%s", line);
    ck_assert_int_eq (rt_wait (pid, S_TIMEOUT_MS), 143);
    close (err_fd);
    s_csv (dir, "sweep.csv", &s_table);
    ck_assert_msg (s_table.nrows >= 1 && s_table.nrows < 8, "%zu rows after the stop", s_table.nrows);
    size_t finished = s_table.nrows;
    ck_assert (s_exists (dir, "runs/0000/headline.csv"));

    /* another grid is not this sweep */
    char *other[] = {s_sim, "-q", "--no-plots", "--sweep", "robotaxi.fleet_size=0:70:20", "--set",
                     "demand.trips_per_day=6000", "--set", "human.drivers=300", "--set", "choice.asc_robotaxi=0",
                     "--days", "2", "--baseline", "--resume", "-o", dir, NULL};
    rc = rt_run (other, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 73, "exit %d, not 73: %s", rc, err);
    ck_assert_msg (strstr (err, "sweep.ini:3: the folder holds another sweep: 'robotaxi.fleet_size = "
                                "0,10,20,30,40,50,60,70' there, 'robotaxi.fleet_size = 0,20,40,60' now"), "%s", err);
    /* nothing to resume in an empty folder */
    char *empty = rt_temp_dir ("sweep-empty");
    char *nothing[] = {s_sim, "-q", S_SWEEP_ARGS, "--resume", "-o", empty, NULL};
    rc = rt_run (nothing, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 66 && strstr (err, "no sweep to resume there"), "exit %d: %s", rc, err);

    char *resumed[] = {s_sim, S_SWEEP_ARGS, "--jobs", "2", "--resume", "-o", dir, NULL};
    rc = rt_run (resumed, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "the resumed sweep exited %d: %s", rc, err);
    char want[64];
    snprintf (want, sizeof want, "8/8 runs done (%zu resumed), 0 failed", finished);
    ck_assert_msg (strstr (err, want), "'%s' not in: %s", want, err);
    ck_assert_msg (rt_same_in_dirs (whole, dir, "sweep.csv"), "the resumed sweep.csv differs from one in one go");
    ck_assert (rt_same_in_dirs (whole, dir, "runs/0007/summary.json"));
#undef S_SWEEP_ARGS
    free (whole);
    free (dir);
    free (empty);
}
END_TEST

/* sweep.csv rounds each figure as the run's own files round it: no 17-digit floats. */
START_TEST (test_sweep_csv_is_rounded)
{
    char *dir = rt_temp_dir ("sweep-round");
    static char out[65536], err[65536];
    char *argv[] = {s_sim, "-q", "--no-plots", "--sweep", "robotaxi.fleet_size=20,40", "--set",
                    "demand.trips_per_day=6000", "--set", "human.drivers=300", "--set", "choice.asc_robotaxi=0",
                    "--baseline", "--days", "3", "-o", dir, NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "the sweep exited %d: %s", rc, err);
    char path[4200];
    snprintf (path, sizeof path, "%s/sweep.csv", dir);
    char *text = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (text);
    /* no field has more than 5 decimals (shares; yuan have 2, waits 1) */
    for (const char *c = text; *c; c++) {
        if (*c != '.')
            continue;
        size_t decimals = strspn (c + 1, "0123456789");
        ck_assert_msg (decimals <= 5, "a field with %zu decimals: %.40s", decimals, c - 10 > text ? c - 10 : text);
    }
    free (text);
    s_csv (dir, "sweep.csv", &s_table);
    double hourly = s_table.rows[1][s_col (&s_table, "driver_net_hourly_yuan")];
    ck_assert_double_eq_tol (hourly * 100, round (hourly * 100), 1e-6);
    double share = s_table.rows[1][s_col (&s_table, "robotaxi_share")];
    ck_assert_double_gt (share, 0);
    ck_assert_double_eq_tol (share * 1e5, round (share * 1e5), 1e-6);
    free (dir);
}
END_TEST

/* A --baseline sweep of two keys and two seeds leaves a report worth reading: a figure per headline metric against
 * the first key with the seeds' 95% intervals as bars, a heat map per headline metric over both keys, and a page
 * that leads with what the sweep found and the headline figures per point. */
START_TEST (test_sweep_report_with_baseline)
{
    char *dir = rt_temp_dir ("sweep-report");
    static char out[65536], err[65536];
    char *argv[] = {s_sim, "-q", "--sweep", "robotaxi.fleet_size=20,40", "--sweep", "robotaxi.promo_factor=0.3,0.6",
                    "--sweep-seeds", "2", "--set", "demand.trips_per_day=6000", "--set", "human.drivers=300", "--set",
                    "choice.asc_robotaxi=0", "--baseline", "--days", "2", "-o", dir, NULL};
    int rc = rt_run (argv, out, sizeof out, err, sizeof err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "the sweep exited %d: %s", rc, err);
    static const char *const figures[] = {"sweep_share", "sweep_rides", "sweep_utilization", "sweep_cost",
                                          "sweep_profit", "sweep_wait", "sweep_displaced", "sweep_income",
                                          "sweep_heat_share", "sweep_heat_profit", "sweep_heat_moved"};
    char path[4200], name[64];
    snprintf (path, sizeof path, "%s/report.html", dir);
    char *html = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (html);
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        snprintf (name, sizeof name, "%s.svg", figures[i]);
        ck_assert_msg (s_exists (dir, name), "%s is missing", name);
        ck_assert_msg (strstr (html, name) != NULL, "report.html does not show %s", name);
    }
    /* two seeds a point: the line figures draw the means with bars */
    snprintf (path, sizeof path, "%s/gnuplot/sweep_share.gp", dir);
    char *gp = rt_slurp (path, NULL);
    ck_assert_msg (gp && strstr (gp, "with yerrorlines"), "sweep_share.gp draws no bars");
    free (gp);
    const char *found = strstr (html, "What the sweep found"), *table = strstr (html, "Headline figures per point");
    ck_assert (found && table && found < table && table < strstr (html, "<img"));
    ck_assert (strstr (html, "8 runs: 4 points \xc3\x97 2 replications, 2 days each") != NULL);
    free (html);
    s_csv (dir, "sweep.csv", &s_table);
    /* the income moved, beside the displaced drivers, in sweep.csv too (s_col fails on a missing column) */
    ck_assert_double_gt (s_table.rows[0][s_col (&s_table, "income_moved_yuan")], 0);
    /* like the displaced drivers beside them, trips and income moved are means per day of the run's days.csv, not
     * the last day's figures */
    double moved = s_table.rows[0][s_col (&s_table, "trips_moved")];
    double income = s_table.rows[0][s_col (&s_table, "income_moved_yuan")];
    snprintf (path, sizeof path, "%s/runs/0000", dir);
    s_csv (path, "days.csv", &s_table);
    ck_assert_uint_eq (s_table.nrows, 2);
    double day_moved = 0, day_income = 0;
    for (size_t r = 0; r < s_table.nrows; r++) {
        day_moved += s_table.rows[r][s_col (&s_table, "trips_moved")];
        day_income += s_table.rows[r][s_col (&s_table, "income_moved_yuan")];
    }
    ck_assert_double_eq_tol (moved, day_moved / 2, 0.051);
    ck_assert_double_eq_tol (income, day_income / 2, 0.0051);
    free (dir);
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
    tcase_add_test (core, test_default_day_charging_share);
    tcase_add_test (core, test_days_with_baseline);
    tcase_add_test (core, test_sweep_rows_and_threads);
    tcase_add_test (core, test_run_writes_plots_and_report);
    tcase_add_test (core, test_config_ini_repeats_the_run);
    tcase_add_test (core, test_output_folder_is_cleared_or_refused);
    tcase_add_test (core, test_sweep_stopped_and_resumed);
    tcase_add_test (core, test_sweep_csv_is_rounded);
    tcase_add_test (core, test_sweep_report_with_baseline);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_bad_parameters_are_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
