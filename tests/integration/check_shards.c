/* check_shards: a sweep played as shards (robotaxi-sim --shard K/N, as the tasks of a Slurm job array play it) and
 * joined by robotaxi-sim merge is the same folder, byte for byte, as the sweep played in one go; a failed shard is
 * continued alone with --resume; merges of shards that are not one whole sweep are refused, saying which. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_check.h"
#include "rt_proc.h"

#define S_TIMEOUT_MS (600 * 1000)
/* a small day: 6 runs (3 fleet sizes x 2 seeds) in about a second */
#define S_SWEEP_ARGS                                                                                                  \
    "--sweep", "robotaxi.fleet_size=0:40:20", "--sweep-seeds", "2", "--set", "demand.trips_per_day=6000", "--set",   \
        "human.drivers=300"

static char *s_sim;
static char s_out[65536], s_err[65536];

static void
s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
    /* run inside a Slurm array job, the sweeps here would otherwise play shards */
    const char *names[] = {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
                           "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP"};
    for (int i = 0; i < 5; i++)
        unsetenv (names[i]);
}

static void
s_teardown (void)
{
    free (s_sim);
}

static int
s_exists (const char *dir, const char *name)
{
    char path[4200];
    struct stat st;
    if (snprintf (path, sizeof path, "%s/%s", dir, name) >= (int) sizeof path)
        return 0;
    return stat (path, &st) == 0;
}

/* Whether folders a and b hold the same names (files and subfolders) with the same bytes, recursively; the first
 * difference into why. Counts the files compared into *files. */
static int
s_same_tree (const char *a, const char *b, size_t *files, char *why, size_t len)
{
    for (int side = 0; side < 2; side++) {
        const char *here = side ? b : a, *there = side ? a : b;
        DIR *d = opendir (here);
        if (!d) {
            snprintf (why, len, "%s: cannot open", here);
            return 0;
        }
        struct dirent *e;
        int same = 1;
        while (same && (e = readdir (d)) != NULL) {
            if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
                continue;
            char p[2048], q[2048];
            struct stat st;
            snprintf (p, sizeof p, "%s/%s", here, e->d_name);
            snprintf (q, sizeof q, "%s/%s", there, e->d_name);
            if (stat (q, &st) < 0) {
                snprintf (why, len, "%s is there, %s is not", p, q);
                same = 0;
            } else if (side == 0 && S_ISDIR (st.st_mode)) {
                same = s_same_tree (p, q, files, why, len);
            } else if (side == 0) {
                (*files)++;
                if (!rt_same_file (p, q)) {
                    snprintf (why, len, "%s and %s differ", p, q);
                    same = 0;
                }
            }
        }
        closedir (d);
        if (!same)
            return 0;
    }
    return 1;
}

/* Plays shard k/n of the small sweep into dir on `jobs` threads; its exit status. */
static int
s_shard (const char *k_n, const char *jobs, const char *dir)
{
    char *argv[] = {s_sim, "-q", S_SWEEP_ARGS, "--jobs", (char *) jobs, "--shard", (char *) k_n, "-o", (char *) dir,
                    NULL};
    return rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
}

/* robotaxi-sim merge -o out dirs...; its exit status. */
static int
s_merge (const char *out, const char *d1, const char *d2, const char *d3)
{
    char *argv[] = {s_sim, "merge", "-q", "-o", (char *) out, (char *) d1, (char *) d2, (char *) d3, NULL};
    return rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
}

/* Three shards merged (given out of order) are the sweep played in one go: every file the same bytes, sweep.csv,
 * each run's files, config.ini, sweep.ini, the plots and report.html. A shard killed mid-way is continued alone. */
START_TEST (test_three_shards_merge_into_the_sweep)
{
    char *whole = rt_temp_dir ("shards-whole"), *s1 = rt_temp_dir ("shard1"), *s2 = rt_temp_dir ("shard2");
    char *s3 = rt_temp_dir ("shard3"), *merged = rt_temp_dir ("shards-merged");
    char *one_go[] = {s_sim, "-q", S_SWEEP_ARGS, "--jobs", "2", "-o", whole, NULL};
    int rc = rt_run (one_go, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "the sweep exited %d: %s", rc, s_err);

    ck_assert_msg ((rc = s_shard ("1/3", "2", s1)) == 0, "shard 1/3 exited %d: %s", rc, s_err);
    ck_assert_msg ((rc = s_shard ("2/3", "1", s2)) == 0, "shard 2/3 exited %d: %s", rc, s_err);
    ck_assert_msg ((rc = s_shard ("3/3", "2", s3)) == 0, "shard 3/3 exited %d: %s", rc, s_err);
    /* a shard holds its runs and what a merge needs, not a partial sweep.csv or report */
    ck_assert (s_exists (s2, "runs/0001/headline.csv") && s_exists (s2, "runs/0004/headline.csv"));
    ck_assert (!s_exists (s2, "runs/0000") && !s_exists (s2, "runs/0002") && !s_exists (s2, "runs/0005"));
    ck_assert (!s_exists (s2, "sweep.csv") && !s_exists (s2, "report.html"));
    ck_assert (rt_same_in_dirs (whole, s2, "config.ini") && rt_same_in_dirs (whole, s2, "sweep.ini"));
    char path[2048];
    snprintf (path, sizeof path, "%s/shard.ini", s2);
    char *manifest = rt_slurp (path, NULL);
    ck_assert_msg (manifest && strstr (manifest, "\nshard = 2/3\n") && strstr (manifest, "\nruns = 1,4\n") &&
                   strstr (manifest, "\nfingerprint = "), "%s", manifest ? manifest : "(no shard.ini)");
    free (manifest);

    rc = s_merge (merged, s3, s1, s2);
    ck_assert_msg (rc == 0, "the merge exited %d: %s", rc, s_err);
    size_t files = 0;
    char why[4200] = "";
    ck_assert_msg (s_same_tree (whole, merged, &files, why, sizeof why), "%s", why);
    /* 6 runs of at least 10 files, and the sweep's own */
    ck_assert_msg (files > 6 * 10 + 3, "%zu files compared", files);
    ck_assert (s_exists (merged, "sweep.csv") && s_exists (merged, "runs/0005/headline.csv"));
    /* two seeds a point: the means and intervals per point, merged the same (s_same_tree compared them) */
    ck_assert (s_exists (merged, "sweep_points.csv") && !s_exists (s2, "sweep_points.csv"));

    /* shard 2's task died during run 4: --resume plays that run alone, and the merge is the same again */
    snprintf (path, sizeof path, "%s/runs/0004/headline.csv", s2);
    ck_assert_int_eq (unlink (path), 0);
    rc = s_merge (merged, s1, s2, s3);
    ck_assert_msg (rc == 66 && strstr (s_err, "run 4 did not finish (continue shard 2/3 with --resume"),
                   "exit %d: %s", rc, s_err);
    char *resumed[] = {s_sim, S_SWEEP_ARGS, "--jobs", "2", "--shard", "2/3", "--resume", "-o", s2, NULL};
    rc = rt_run (resumed, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "the resumed shard exited %d: %s", rc, s_err);
    ck_assert_msg (strstr (s_err, "2/2 runs done (1 resumed), 0 failed"), "%s", s_err);
    rc = s_merge (merged, s1, s2, s3);
    ck_assert_msg (rc == 0, "the second merge exited %d: %s", rc, s_err);
    files = 0;
    ck_assert_msg (s_same_tree (whole, merged, &files, why, sizeof why), "after --resume: %s", why);

    /* a shard is not resumed as another shard, nor as the whole sweep */
    char *other[] = {s_sim, "-q", S_SWEEP_ARGS, "--shard", "1/3", "--resume", "-o", s2, NULL};
    rc = rt_run (other, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 73 && strstr (s_err, "shard.ini:4: the folder holds another sweep: 'shard = 2/3' there, "
                                              "'shard = 1/3' now"), "exit %d: %s", rc, s_err);
    char *as_whole[] = {s_sim, "-q", S_SWEEP_ARGS, "--resume", "-o", s2, NULL};
    rc = rt_run (as_whole, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 73 && strstr (s_err, "the folder holds one shard of this sweep"), "exit %d: %s", rc, s_err);
    free (whole);
    free (s1);
    free (s2);
    free (s3);
    free (merged);
}
END_TEST

/* Shards that are not one whole sweep are refused before anything is written: another sweep's shard, a shard
 * missing (its runs named), a shard given twice, a changed shard, a shard as the output folder. */
START_TEST (test_merge_refuses_what_is_not_one_sweep)
{
    char *s1 = rt_temp_dir ("bad-shard1"), *s2 = rt_temp_dir ("bad-shard2"), *s3 = rt_temp_dir ("bad-shard3");
    char *other = rt_temp_dir ("bad-other1"), *base = rt_temp_dir ("bad-out");
    char out[2048];
    snprintf (out, sizeof out, "%s/merged", base);
    int rc;
    ck_assert_msg ((rc = s_shard ("1/3", "2", s1)) == 0, "exit %d: %s", rc, s_err);
    ck_assert_msg ((rc = s_shard ("2/3", "2", s2)) == 0, "exit %d: %s", rc, s_err);
    ck_assert_msg ((rc = s_shard ("3/3", "2", s3)) == 0, "exit %d: %s", rc, s_err);
    /* shard 1/3 of a sweep with other fleet sizes */
    char *argv[] = {s_sim, "-q", "--sweep", "robotaxi.fleet_size=0:40:40", "--sweep-seeds", "2", "--set",
                    "demand.trips_per_day=6000", "--set", "human.drivers=300", "--jobs", "2", "--shard", "1/3", "-o",
                    other, NULL};
    rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "exit %d: %s", rc, s_err);

    rc = s_merge (out, other, s2, s3);
    ck_assert_msg (rc == 65 && strstr (s_err, "sweep.ini:3: not the sweep of ") &&
                   strstr (s_err, "'robotaxi.fleet_size = 0,20,40' there, 'robotaxi.fleet_size = 0,40' in "),
                   "exit %d: %s", rc, s_err);
    ck_assert (!s_exists (out, ""));

    char *two[] = {s_sim, "merge", "-q", "-o", out, s1, s3, NULL};
    rc = rt_run (two, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 66 && strstr (s_err, "2 of 3 shards given; missing: shard 2/3 (runs 1 and 4)"),
                   "exit %d: %s", rc, s_err);
    ck_assert (!s_exists (out, ""));

    rc = s_merge (out, s1, s2, s2);
    ck_assert_msg (rc == 65 && strstr (s_err, "are both shard 2/3: runs 1 and 4 would be merged twice"),
                   "exit %d: %s", rc, s_err);
    ck_assert (!s_exists (out, ""));

    rc = s_merge (s1, s1, s2, s3);
    ck_assert_msg (rc == 73 && strstr (s_err, "the merged sweep goes to a folder of its own"), "exit %d: %s", rc,
                   s_err);
    ck_assert (s_exists (s1, "runs/0000/headline.csv") && s_exists (s1, "shard.ini"));

    /* a shard whose scenario was edited afterwards no longer matches its fingerprint */
    char path[2048];
    snprintf (path, sizeof path, "%s/config.ini", s3);
    FILE *f = fopen (path, "a");
    ck_assert_ptr_nonnull (f);
    fputs ("; edited\n", f);
    fclose (f);
    rc = s_merge (out, s1, s2, s3);
    ck_assert_msg (rc == 65 && strstr (s_err, "is not that of") && strstr (s_err, "the files were changed"),
                   "exit %d: %s", rc, s_err);
    ck_assert (!s_exists (out, ""));

    /* a folder that is no shard */
    rc = s_merge (out, s1, s2, base);
    ck_assert_msg (rc == 66 && strstr (s_err, "shard.ini: No such file or directory: not the folder of a shard"),
                   "exit %d: %s", rc, s_err);
    free (s1);
    free (s2);
    free (s3);
    free (other);
    free (base);
}
END_TEST

/* In a Slurm array task, --shard defaults from the array's variables, whatever the first id and the step. */
START_TEST (test_shard_from_a_slurm_array_task)
{
    char *dir = rt_temp_dir ("slurm-shard");
    char path[2048];
    snprintf (path, sizeof path, "%s/shard.ini", dir);
    /* --array=1-3: task 2 is the second share; --array=0-4:2: task 4 the third */
    const char *vars[][5] = {{"2", "3", "1", "3", "1"}, {"4", "3", "0", "4", "2"}};
    const char *want[] = {"\nshard = 2/3\nfingerprint = ", "\nshard = 3/3\nfingerprint = "};
    const char *runs[] = {"\nruns = 1,4\n", "\nruns = 2,5\n"};
    for (int i = 0; i < 2; i++) {
        setenv ("SLURM_ARRAY_TASK_ID", vars[i][0], 1);
        setenv ("SLURM_ARRAY_TASK_COUNT", vars[i][1], 1);
        setenv ("SLURM_ARRAY_TASK_MIN", vars[i][2], 1);
        setenv ("SLURM_ARRAY_TASK_MAX", vars[i][3], 1);
        setenv ("SLURM_ARRAY_TASK_STEP", vars[i][4], 1);
        char *argv[] = {s_sim, S_SWEEP_ARGS, "--jobs", "2", "-o", dir, NULL};
        int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
        ck_assert_msg (rc == 0, "case %d: exit %d: %s", i, rc, s_err);
        char *manifest = rt_slurp (path, NULL);
        ck_assert_msg (manifest && strstr (manifest, want[i]) && strstr (manifest, runs[i]), "case %d: %s", i,
                       manifest ? manifest : "(no shard.ini)");
        free (manifest);
        ck_assert_msg (strstr (s_err, "from SLURM_ARRAY_TASK_ID="), "case %d: %s", i, s_err);
    }
    /* an --array list (1,4,5) has no evenly spaced ids: the share is unknown, so it is refused */
    setenv ("SLURM_ARRAY_TASK_ID", "4", 1);
    setenv ("SLURM_ARRAY_TASK_COUNT", "3", 1);
    setenv ("SLURM_ARRAY_TASK_MIN", "1", 1);
    setenv ("SLURM_ARRAY_TASK_MAX", "5", 1);
    setenv ("SLURM_ARRAY_TASK_STEP", "1", 1);
    char *argv[] = {s_sim, "-q", S_SWEEP_ARGS, "-o", dir, NULL};
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 2 && strstr (s_err, "give --shard K/N"), "exit %d: %s", rc, s_err);
    /* ...unless --shard says which */
    char *given[] = {s_sim, "-q", S_SWEEP_ARGS, "--shard", "1/3", "-o", dir, NULL};
    rc = rt_run (given, s_out, sizeof s_out, s_err, sizeof s_err, S_TIMEOUT_MS);
    ck_assert_msg (rc == 0, "exit %d: %s", rc, s_err);
    free (dir);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("integration_shards");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_set_timeout (core, 600);
    tcase_add_test (core, test_three_shards_merge_into_the_sweep);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_set_timeout (limits, 600);
    tcase_add_test (limits, test_merge_refuses_what_is_not_one_sweep);
    tcase_add_test (limits, test_shard_from_a_slurm_array_task);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
