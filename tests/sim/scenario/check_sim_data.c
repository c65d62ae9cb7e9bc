/* check_sim_data: installed data found by name (robotaxi-sim -s wuhan-2024), as an installed tool looks for it. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_data.h"

static char s_dir[] = "/tmp/robotaxi-data-XXXXXX";

static void
s_setup (void)
{
    strcpy (s_dir, "/tmp/robotaxi-data-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
}

static void
s_teardown (void)
{
    char cmd[128];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system (cmd) != 0)
        fprintf (stderr, "check_sim_data: could not remove %s\n", s_dir);
}

/* Creates DIR/REL (a file; its folders first). */
static void
s_touch (const char *rel)
{
    char path[512], *slash;
    snprintf (path, sizeof path, "%s/%s", s_dir, rel);
    for (slash = strchr (path + strlen (s_dir) + 1, '/'); slash; slash = strchr (slash + 1, '/')) {
        *slash = '\0';
        mkdir (path, 0755);
        *slash = '/';
    }
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs ("[scenario]\n", f);
    ck_assert_int_eq (fclose (f), 0);
}

/* An install under PREFIX: the tool is PREFIX/bin/robotaxi-sim, its scenarios PREFIX/share/robotaxi/NAME.ini. */
START_TEST (test_installed_beside_bin)
{
    char exe[512], want[1024], path[SIM_DATA_PATH_MAX], err[1024];
    sim_data_dirs_t dirs;
    s_touch ("prefix/share/robotaxi/wuhan-2024.ini");
    s_touch ("prefix/bin/robotaxi-sim");
    snprintf (exe, sizeof exe, "%s/prefix/bin/robotaxi-sim", s_dir);
    sim_data_dirs (&dirs, exe, "../share/robotaxi", "/nonexistent/share/robotaxi");
    ck_assert_uint_eq (dirs.count, 2);
    ck_assert_int_eq (sim_data_find (&dirs, "wuhan-2024", ".ini", path, sizeof path, err, sizeof err), 0);
    snprintf (want, sizeof want, "%s/prefix/bin/../share/robotaxi/wuhan-2024.ini", s_dir);
    ck_assert_str_eq (path, want);
    /* the name with its suffix is the same scenario */
    ck_assert_int_eq (sim_data_find (&dirs, "wuhan-2024.ini", ".ini", path, sizeof path, err, sizeof err), 0);
    ck_assert_str_eq (path, want);
}
END_TEST

/* Nothing beside bin/: the data folder configured at build time. */
START_TEST (test_builtin_fallback)
{
    char exe[512], builtin[512], want[1024], path[SIM_DATA_PATH_MAX], err[1024];
    sim_data_dirs_t dirs;
    s_touch ("usr/share/robotaxi/policies/tolerances.csv");
    snprintf (exe, sizeof exe, "%s/build/tools/robotaxi-regress", s_dir);
    snprintf (builtin, sizeof builtin, "%s/usr/share/robotaxi", s_dir);
    sim_data_dirs (&dirs, exe, "../share/robotaxi", builtin);
    ck_assert_int_eq (sim_data_find (&dirs, "policies", NULL, path, sizeof path, err, sizeof err), 0);
    snprintf (want, sizeof want, "%s/policies", builtin);
    ck_assert_str_eq (path, want);
}
END_TEST

/* A file that exists, or a path, is taken as it is: a scenario in the working folder wins over an installed one. */
START_TEST (test_existing_file_wins)
{
    char exe[512], cwd[1024], path[SIM_DATA_PATH_MAX], err[1024];
    sim_data_dirs_t dirs;
    s_touch ("prefix/share/robotaxi/monaco.ini");
    s_touch ("work/monaco.ini");
    snprintf (exe, sizeof exe, "%s/prefix/bin/robotaxi-sim", s_dir);
    sim_data_dirs (&dirs, exe, "../share/robotaxi", NULL);
    ck_assert_ptr_nonnull (getcwd (cwd, sizeof cwd));
    char work[512];
    snprintf (work, sizeof work, "%s/work", s_dir);
    ck_assert_int_eq (chdir (work), 0);
    ck_assert_int_eq (sim_data_find (&dirs, "monaco.ini", ".ini", path, sizeof path, err, sizeof err), 0);
    ck_assert_str_eq (path, "monaco.ini");
    /* a path with a '/' is never looked up, even when it does not exist: its own error says why */
    ck_assert_int_eq (sim_data_find (&dirs, "sub/monaco", ".ini", path, sizeof path, err, sizeof err), 0);
    ck_assert_str_eq (path, "sub/monaco");
    ck_assert_int_eq (chdir (cwd), 0);
}
END_TEST

/* A name found nowhere: the message says every folder looked in, in order. */
START_TEST (test_unknown_name)
{
    char exe[512], path[SIM_DATA_PATH_MAX], err[1024], want[1024];
    sim_data_dirs_t dirs;
    snprintf (exe, sizeof exe, "%s/prefix/bin/robotaxi-sim", s_dir);
    sim_data_dirs (&dirs, exe, "../share/robotaxi", "/usr/local/share/robotaxi");
    ck_assert_int_eq (sim_data_find (&dirs, "wuhan-2025", ".ini", path, sizeof path, err, sizeof err), -1);
    snprintf (want, sizeof want, "wuhan-2025: no such file, nor wuhan-2025.ini in %s/prefix/bin/../share/robotaxi or "
              "/usr/local/share/robotaxi", s_dir);
    ck_assert_str_eq (err, want);
}
END_TEST

START_TEST (test_limits)
{
    char path[SIM_DATA_PATH_MAX], err[256];
    sim_data_dirs_t dirs;
    /* no executable path, the same folder twice, an absolute FROM_BIN: each folder once */
    sim_data_dirs (&dirs, NULL, "../share/robotaxi", "/opt/robotaxi");
    ck_assert_uint_eq (dirs.count, 1);
    ck_assert_str_eq (dirs.dir[0], "/opt/robotaxi");
    sim_data_dirs (&dirs, "/x/bin/robotaxi-sim", "/opt/robotaxi", "/opt/robotaxi");
    ck_assert_uint_eq (dirs.count, 1);
    sim_data_dirs (&dirs, "robotaxi-sim", "../share/robotaxi", "");
    ck_assert_uint_eq (dirs.count, 0);
    ck_assert_int_eq (sim_data_find (&dirs, "nowhere", ".ini", path, sizeof path, err, sizeof err), -1);
    ck_assert_str_eq (err, "nowhere: no such file, nor nowhere.ini in any data folder (none known)");
    /* a message cut short by a small buffer stays a string */
    sim_data_dirs (&dirs, "/a/very/long/prefix/bin/robotaxi-sim", "../share/robotaxi", "/usr/share/robotaxi");
    ck_assert_int_eq (sim_data_find (&dirs, "nowhere", ".ini", path, sizeof path, err, 40), -1);
    ck_assert_uint_eq (strlen (err), 39);
    /* the running program: its own folder, whatever it is */
    sim_data_dirs_self (&dirs, "../share/robotaxi", NULL);
    ck_assert_uint_eq (dirs.count, 1);
    ck_assert_ptr_nonnull (strstr (dirs.dir[0], "/../share/robotaxi"));
}
END_TEST

static Suite *
s_suite (void)
{
    Suite *s = suite_create ("sim_data");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_installed_beside_bin);
    tcase_add_test (core, test_builtin_fallback);
    tcase_add_test (core, test_existing_file_wins);
    tcase_add_test (core, test_unknown_name);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_limits);
    suite_add_tcase (s, limits);
    return s;
}

int
main (void)
{
    return rt_check_run (s_suite ());
}
