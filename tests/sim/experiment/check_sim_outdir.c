/* check_sim_outdir: a results folder before a run or a sweep writes into it: an earlier run's files go, anything
 * robotaxi-sim did not write stays and stops the run, named. */
#include <check.h>

#include "rt_check.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_config.h"
#include "sim_outdir.h"

static char s_dir[] = "/tmp/robotaxi-outdir-XXXXXX";
static char s_out[sizeof s_dir + 8];

static void
s_setup (void)
{
    strcpy (s_dir, "/tmp/robotaxi-outdir-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
    snprintf (s_out, sizeof s_out, "%s/out", s_dir);
}

static void
s_teardown (void)
{
    char cmd[sizeof s_dir + 16];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    ck_assert_int_eq (system (cmd), 0);
}

/* Writes OUT/rel (its folders made first) with text. */
static void
s_touch (const char *rel, const char *text)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/%s", s_out, rel);
    for (char *p = path + strlen (s_dir) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            ck_assert (mkdir (path, 0777) == 0 || errno == EEXIST);
            *p = '/';
        }
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs (text, f);
    fclose (f);
}

static int
s_exists (const char *rel)
{
    char path[1024];
    struct stat st;
    snprintf (path, sizeof path, "%s/%s", s_out, rel);
    return lstat (path, &st) == 0;
}

/* A config.ini as robotaxi-sim writes it. */
static void
s_our_config (const char *rel)
{
    s_touch (rel, SIM_CONFIG_BANNER "\n\n[scenario]\nname = wuhan\n");
}

START_TEST (test_an_earlier_run_is_cleared)
{
    char err[1024];
    s_our_config ("config.ini");
    const char *files[] = {"summary.json", "costs.csv", "costcurve.csv", "hourly.csv", "days.csv", "fares.csv",
                           "waits.csv", "choice.csv", "drivers.csv", "events.csv", "report.html",
                           "fares.svg", "gnuplot/fares.gp", "gnuplot/fares.dat", "days.csv.part"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        s_touch (files[i], "x\n");
    s_touch (".keep", "");   /* a hidden file is not the tool's business */
    ck_assert_msg (sim_outdir_prepare (s_out, 0, err, sizeof err) == 0, "%s", err);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_msg (!s_exists (files[i]), "%s is still there", files[i]);
    ck_assert (!s_exists ("config.ini"));
    ck_assert (!s_exists ("gnuplot"));
    ck_assert (s_exists (".keep"));
}
END_TEST

/* A sweep into the folder of a single run, and a run into a sweep's: nothing of the other stays. */
START_TEST (test_an_earlier_sweep_is_cleared)
{
    char err[1024];
    s_our_config ("config.ini");
    const char *files[] = {"sweep.csv", "sweep.ini", "report.html", "sweep_share.svg", "gnuplot/sweep_share.gp",
                           "gnuplot/sweep_share.dat", "runs/0000/config.ini", "runs/0000/summary.json",
                           "runs/0000/headline.csv", "runs/0001/events.csv.part", "runs/0001/config.ini"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        s_touch (files[i], "x\n");
    ck_assert_msg (sim_outdir_prepare (s_out, 0, err, sizeof err) == 0, "%s", err);
    ck_assert (!s_exists ("runs"));
    ck_assert (!s_exists ("sweep.csv"));
    ck_assert (!s_exists ("sweep_share.svg"));
    struct stat st;
    ck_assert (stat (s_out, &st) == 0 && S_ISDIR (st.st_mode));
}
END_TEST

/* Files the tool did not write stop it, named, and nothing in the folder is removed. */
START_TEST (test_other_files_are_refused_and_kept)
{
    char err[1024];
    s_our_config ("config.ini");
    s_touch ("summary.json", "{}\n");
    s_touch ("notes.txt", "mine\n");
    s_touch ("photos/a.jpg", "jpeg\n");
    s_touch ("logo.svg", "<svg/>\n");           /* no gnuplot/logo.gp drew it */
    s_touch ("gnuplot/mine.py", "print()\n");
    s_touch ("runs/0003/summary.json", "{}\n");
    s_touch ("runs/0003/draft.md", "x\n");
    ck_assert_int_eq (sim_outdir_prepare (s_out, 0, err, sizeof err), SIM_OUTDIR_REFUSED);
    ck_assert_msg (strstr (err, "holds files robotaxi-sim did not write: gnuplot/mine.py, logo.svg, notes.txt, "
                                "photos/, runs/0003/draft.md (move them away or choose another output folder)"),
                   "%s", err);
    ck_assert_msg (strncmp (err, s_out, strlen (s_out)) == 0, "%s", err);
    const char *kept[] = {"config.ini", "summary.json", "notes.txt", "photos/a.jpg", "logo.svg", "gnuplot/mine.py",
                          "runs/0003/summary.json"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        ck_assert_msg (s_exists (kept[i]), "%s was removed", kept[i]);
}
END_TEST

/* Files that merely have the tool's names, in a folder without its config.ini, are someone else's. */
START_TEST (test_a_folder_without_our_config_is_refused)
{
    char err[1024];
    s_touch ("summary.json", "{}\n");
    s_touch ("costs.csv", "fleet\n");
    ck_assert_int_eq (sim_outdir_prepare (s_out, 0, err, sizeof err), SIM_OUTDIR_REFUSED);
    ck_assert_msg (strstr (err, "holds costs.csv, summary.json, but no config.ini of robotaxi-sim"), "%s", err);
    ck_assert (s_exists ("summary.json") && s_exists ("costs.csv"));
    /* a config.ini of another program is no mark either */
    s_touch ("config.ini", "[server]\nport = 80\n");
    ck_assert_int_eq (sim_outdir_prepare (s_out, 0, err, sizeof err), SIM_OUTDIR_REFUSED);
    ck_assert_msg (strstr (err, "did not write: config.ini"), "%s", err);
    ck_assert (s_exists ("config.ini") && s_exists ("summary.json"));
}
END_TEST

START_TEST (test_resume_keeps_the_sweep)
{
    char err[1024];
    s_our_config ("config.ini");
    s_touch ("sweep.ini", "[sweep]\n");
    s_touch ("sweep.csv", "run\n");
    s_touch ("report.html", "<html>\n");
    s_touch ("runs/0000/headline.csv", "a\n1\n");
    s_touch ("runs/0001/summary.json.part", "{");
    ck_assert_msg (sim_outdir_prepare (s_out, SIM_OUTDIR_KEEP_SWEEP, err, sizeof err) == 0, "%s", err);
    ck_assert (s_exists ("config.ini") && s_exists ("sweep.ini") && s_exists ("runs/0000/headline.csv"));
    ck_assert (s_exists ("runs/0001/summary.json.part"));   /* the run's own folder is cleared when it replays */
    ck_assert (!s_exists ("sweep.csv") && !s_exists ("report.html"));
}
END_TEST

START_TEST (test_check_only_and_missing_folders)
{
    char err[1024];
    /* a folder that is not there: fine to check, made when prepared */
    ck_assert_int_eq (sim_outdir_prepare (s_out, SIM_OUTDIR_CHECK, err, sizeof err), 0);
    ck_assert (!s_exists (""));
    ck_assert_msg (sim_outdir_prepare (s_out, 0, err, sizeof err) == 0, "%s", err);
    ck_assert (s_exists (""));
    /* a check removes nothing */
    s_our_config ("config.ini");
    s_touch ("summary.json", "{}\n");
    ck_assert_int_eq (sim_outdir_prepare (s_out, SIM_OUTDIR_CHECK, err, sizeof err), 0);
    ck_assert (s_exists ("summary.json") && s_exists ("config.ini"));
    /* a run folder of a sweep needs no config.ini: a run killed before writing it left only a part file */
    s_touch ("runs/0004/summary.json.part", "{");
    char run[1024];
    snprintf (run, sizeof run, "%s/runs/0004", s_out);
    ck_assert_msg (sim_outdir_prepare (run, SIM_OUTDIR_IN_SWEEP, err, sizeof err) == 0, "%s", err);
    ck_assert (!s_exists ("runs/0004/summary.json.part") && s_exists ("runs/0004"));
}
END_TEST

START_TEST (test_many_files_are_counted)
{
    char err[1024];
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf (name, sizeof name, "photo%02d.jpg", i);
        s_touch (name, "x");
    }
    ck_assert_int_eq (sim_outdir_prepare (s_out, 0, err, sizeof err), SIM_OUTDIR_REFUSED);
    ck_assert_msg (strstr (err, ": photo00.jpg, photo01.jpg, photo02.jpg, photo03.jpg, photo04.jpg, photo05.jpg and "
                                "14 more (move"), "%s", err);
    /* a plain file where the folder should be */
    char file[1024];
    snprintf (file, sizeof file, "%s/photo00.jpg", s_out);
    ck_assert_int_eq (sim_outdir_prepare (file, 0, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "photo00.jpg: not a directory"), "%s", err);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_outdir");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_an_earlier_run_is_cleared);
    tcase_add_test (core, test_an_earlier_sweep_is_cleared);
    tcase_add_test (core, test_other_files_are_refused_and_kept);
    tcase_add_test (core, test_a_folder_without_our_config_is_refused);
    tcase_add_test (core, test_resume_keeps_the_sweep);
    tcase_add_test (core, test_check_only_and_missing_folders);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_many_files_are_counted);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
