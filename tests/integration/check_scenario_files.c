/* check_scenario_files: robotaxi-sim, robotaxi-regress and robotaxi-bench given scenario files that are not one, as a
 * user meets them: a folder, a missing file, a fifo, an empty file, a missing ']' and a hexadecimal number are each
 * refused with the file (and line) and what was wrong, exit status 66 (EX_NOINPUT) for a file that cannot be read
 * and 78 (EX_CONFIG) for one whose content is refused; bad usage stays 2; nothing is written. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "rt_proc.h"

static char *s_sim, *s_regress, *s_bench, *s_dir;
static char s_out[65536], s_err[65536];

static void
s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
    s_regress = rt_tool ("robotaxi-regress");
    s_bench = rt_tool ("robotaxi-bench");
    s_dir = rt_temp_dir ("scenario-files");
    ck_assert_ptr_nonnull (s_dir);
}

/* Removes the test's folder, even when the test failed half-way. */
static void
s_teardown (void)
{
    char *argv[] = {"/bin/rm", "-rf", s_dir, NULL};
    rt_run (argv, NULL, 0, NULL, 0, 60000);
    free (s_sim);
    free (s_regress);
    free (s_bench);
    free (s_dir);
}

/* DIR/NAME in buf. */
static const char *
s_path (char *buf, size_t len, const char *name)
{
    snprintf (buf, len, "%s/%s", s_dir, name);
    return buf;
}

static void
s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs (text, f);
    fclose (f);
}

/* Runs argv; expects exit status want and stderr exactly "PROG: " + message + "\n". */
static void
s_expect (char *const argv[], int want, const char *prog, const char *message)
{
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, 60000);
    char line[8192], args[8192] = "";
    for (int i = 1; argv[i]; i++)
        snprintf (args + strlen (args), sizeof args - strlen (args), " %s", argv[i]);
    snprintf (line, sizeof line, "%s: %s\n", prog, message);
    ck_assert_msg (rc == want, "%s%s: exit %d, not %d; stderr: %s", prog, args, rc, want, s_err);
    ck_assert_str_eq (s_err, line);
}

/* robotaxi-sim -s PATH -o DIR/out: refused with want and message, and no output folder made. */
static void
s_sim_refuses (const char *scenario, int want, const char *message)
{
    char out[4200];
    s_path (out, sizeof out, "out");
    char *argv[] = {s_sim, "-q", "--no-plots", "-s", (char *) scenario, "-o", out, NULL};
    s_expect (argv, want, "robotaxi-sim", message);
    ck_assert_msg (access (out, F_OK) != 0, "a refused scenario left %s", out);
}

START_TEST (test_sim_refuses_what_is_not_a_readable_file_with_66)
{
    char path[4200], msg[4400];
    /* a folder used to play the default day and exit 0 */
    snprintf (msg, sizeof msg, "%s: not a regular file", s_dir);
    s_sim_refuses (s_dir, EX_NOINPUT, msg);
    s_path (path, sizeof path, "missing.ini");
    snprintf (msg, sizeof msg, "%s: No such file or directory", path);
    s_sim_refuses (path, EX_NOINPUT, msg);
    /* a fifo nobody writes to: refused at once instead of waiting for a writer */
    s_path (path, sizeof path, "fifo.ini");
    ck_assert_int_eq (mkfifo (path, 0600), 0);
    snprintf (msg, sizeof msg, "%s: not a regular file", path);
    s_sim_refuses (path, EX_NOINPUT, msg);
}
END_TEST

START_TEST (test_sim_refuses_a_bad_scenario_with_78_at_its_line)
{
    char path[4200], msg[4400];
    s_path (path, sizeof path, "empty.ini");
    s_write (path, "");
    snprintf (msg, sizeof msg, "%s: empty scenario (no keys)", path);
    s_sim_refuses (path, EX_CONFIG, msg);
    s_path (path, sizeof path, "comments.ini");
    s_write (path, "; a scenario to be written\n\n[robotaxi]\n");
    snprintf (msg, sizeof msg, "%s: empty scenario (no keys)", path);
    s_sim_refuses (path, EX_CONFIG, msg);
    /* was "PATH:3: scenario.fleet_size: unknown key" (line 4's key, under the previous section) */
    s_path (path, sizeof path, "bracket.ini");
    s_write (path, "[scenario]\nname = x\n[robotaxi\nfleet_size = 10\n");
    snprintf (msg, sizeof msg, "%s:3: section header: expected ']'", path);
    s_sim_refuses (path, EX_CONFIG, msg);
    s_path (path, sizeof path, "junk.ini");
    s_write (path, "[robotaxi]\nfleet_size = 10\nand twenty more\n");
    snprintf (msg, sizeof msg, "%s:3: expected 'key = value'", path);
    s_sim_refuses (path, EX_CONFIG, msg);
    /* was read as 16 */
    s_path (path, sizeof path, "hex.ini");
    s_write (path, "[robotaxi]\nfleet_size = 0x10\n");
    snprintf (msg, sizeof msg, "%s:2: robotaxi.fleet_size: '0x10' is not a decimal integer", path);
    s_sim_refuses (path, EX_CONFIG, msg);
    /* unknown keys and values out of range, in a file or from the command line, are bad values too */
    s_path (path, sizeof path, "typo.ini");
    s_write (path, "[robotaxi]\nfleet_sise = 10\n");
    snprintf (msg, sizeof msg, "%s:2: robotaxi.fleet_sise: unknown key (did you mean robotaxi.fleet_size?)", path);
    s_sim_refuses (path, EX_CONFIG, msg);
    char *set[] = {s_sim, "--set", "robotaxi.fleet_size=1e3", "--print-config", NULL};
    s_expect (set, EX_CONFIG, "robotaxi-sim", "--set robotaxi.fleet_size: '1e3' is not a decimal integer");
    char *range[] = {s_sim, "--set", "human.commission=2", "--print-config", NULL};
    s_expect (range, EX_CONFIG, "robotaxi-sim", "--set human.commission: 2 is out of range (0 .. 1)");
    char *days[] = {s_sim, "--days", "0x2", "--print-config", NULL};
    s_expect (days, EX_CONFIG, "robotaxi-sim", "--days: scenario.days: '0x2' is not a decimal integer");
    /* bad usage is still 2 */
    char *usage[] = {s_sim, "--print-config", "extra", NULL};
    s_expect (usage, 2, "robotaxi-sim", "extra: unexpected argument\nTry 'robotaxi-sim --help' for more information.");
    /* and a good scenario with a long comment line still plays (prints) */
    s_path (path, sizeof path, "good.ini");
    char text[1024] = "; ";
    memset (text + 2, '-', 300);
    snprintf (text + 302, sizeof text - 302, "\n[robotaxi]\nfleet_size = 16\n");
    s_write (path, text);
    char *good[] = {s_sim, "-s", path, "--print-config", NULL};
    ck_assert_int_eq (rt_run (good, s_out, sizeof s_out, s_err, sizeof s_err, 60000), 0);
    ck_assert_msg (strstr (s_out, "\nfleet_size = 16\n"), "%s", s_out);
}
END_TEST

START_TEST (test_sim_refuses_a_scenario_that_does_not_fit_its_map)
{
    /* each used to exit 1, as a run that failed under way */
    char path[4200], msg[4600], out[4200];
    s_path (path, sizeof path, "nomap.ini");
    s_write (path, "[map]\nfile = city.map\n");
    snprintf (msg, sizeof msg, "map.file: %s/city.map: No such file or directory", s_dir);
    s_sim_refuses (path, EX_NOINPUT, msg);
    /* a box of Wuhan's roads written latitude first is no box at all (114 is no latitude) */
    s_path (path, sizeof path, "swapped.ini");
    s_write (path, "[robotaxi]\nservice_area = 30.43,114.13,30.58,114.47\n");
    snprintf (msg, sizeof msg, "%s:2: robotaxi.service_area: '30.43,114.13,30.58,114.47' is not a box (need -180 <= "
              "lon_min < lon_max <= 180, -90 <= lat_min < lat_max <= 90); it is one read latitude first: write "
              "lon_min,lat_min,lon_max,lat_max", path);
    s_sim_refuses (path, EX_CONFIG, msg);
    /* a box away from every road: found once the map is open, before the day is played */
    s_path (out, sizeof out, "out");
    char *away[] = {s_sim, "-q", "--no-plots", "--set", "robotaxi.service_area=114.6,30.8,114.7,30.9", "-o", out,
                    NULL};
    s_expect (away, EX_CONFIG, "robotaxi-sim", "robotaxi.service_area: 114.6,30.8,114.7,30.9 holds no road of the map "
              "(its roads lie within lon 114.1301 .. 114.4699, lat 30.4301 .. 30.7000)");
    ck_assert_msg (s_out[0] == '\0', "a refused scenario printed: %s", s_out);
    /* a key given twice */
    s_path (path, sizeof path, "twice.ini");
    s_write (path, "[robotaxi]\nfleet_size = 40\n[human]\ndrivers = 300\n[robotaxi]\nfleet_size = 50\n");
    snprintf (msg, sizeof msg, "%s:6: robotaxi.fleet_size: already set on line 2 (give each key once)", path);
    s_sim_refuses (path, EX_CONFIG, msg);
    /* robotaxi-bench plays the same scenarios with the same statuses */
    s_path (path, sizeof path, "nomap.ini");
    char *bench[] = {s_bench, "-s", path, "day", NULL};
    snprintf (msg, sizeof msg, "map.file: %s/city.map: No such file or directory", s_dir);
    s_expect (bench, EX_NOINPUT, "robotaxi-bench", msg);
}
END_TEST

START_TEST (test_regress_and_bench_use_the_same_statuses)
{
    char suite[4096], path[4400], msg[4600], out[4200];
    s_path (out, sizeof out, "regress-out");
    s_path (suite, sizeof suite, "no-suite");
    char *missing[] = {s_regress, "--suite", suite, "-o", out, NULL};
    snprintf (msg, sizeof msg, "%s: No such file or directory", suite);
    s_expect (missing, EX_NOINPUT, "robotaxi-regress", msg);

    s_path (suite, sizeof suite, "suite");
    ck_assert_int_eq (mkdir (suite, 0700), 0);
    snprintf (path, sizeof path, "%.4096s/tolerances.csv", suite);
    s_write (path, "metric,better,relative,absolute\nserved_share,higher,0,0.01\n");
    snprintf (path, sizeof path, "%.4096s/weekday.ini", suite);
    s_write (path, "[robotaxi]\nfleet_size = 0x10\n");
    char *bad[] = {s_regress, "--suite", suite, "-o", out, NULL};
    snprintf (msg, sizeof msg, "%s:2: robotaxi.fleet_size: '0x10' is not a decimal integer", path);
    s_expect (bad, EX_CONFIG, "robotaxi-regress", msg);
    s_write (path, "[robotaxi]\nfleet_size = 10\n");
    char *set[] = {s_regress, "--suite", suite, "-o", out, "--set", "robotaxi.fleet_size=+3", NULL};
    s_expect (set, EX_CONFIG, "robotaxi-regress", "--set robotaxi.fleet_size: '+3' is not a decimal integer");
    char *name[] = {s_regress, "--suite", suite, "-o", out, "--scenario", "sunday", NULL};
    ck_assert_int_eq (rt_run (name, s_out, sizeof s_out, s_err, sizeof s_err, 60000), 2);
    ck_assert_msg (access (out, F_OK) != 0, "a refused suite left %s", out);

    s_path (path, sizeof path, "missing.ini");
    char *bench_missing[] = {s_bench, "-s", path, "day", NULL};
    snprintf (msg, sizeof msg, "%s: No such file or directory", path);
    s_expect (bench_missing, EX_NOINPUT, "robotaxi-bench", msg);
    s_path (path, sizeof path, "empty.ini");
    s_write (path, "\n");
    char *bench_empty[] = {s_bench, "-s", path, "day", NULL};
    snprintf (msg, sizeof msg, "%s: empty scenario (no keys)", path);
    s_expect (bench_empty, EX_CONFIG, "robotaxi-bench", msg);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("integration_scenario_files");
    TCase *limits = tcase_create ("limits");
    tcase_set_timeout (limits, 300);
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_sim_refuses_what_is_not_a_readable_file_with_66);
    tcase_add_test (limits, test_sim_refuses_a_bad_scenario_with_78_at_its_line);
    tcase_add_test (limits, test_sim_refuses_a_scenario_that_does_not_fit_its_map);
    tcase_add_test (limits, test_regress_and_bench_use_the_same_statuses);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
