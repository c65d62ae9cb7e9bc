/* check_outputs: one run of two days with its baseline, watched by robotaxi-watch on its --publish stream, read as a
 * user reads it: the terminal heads the last day's table with its scope and the costs with theirs; the displacement
 * totals of the terminal and of report.html are the sums of days.csv's columns; net yuan per hour is the same text
 * in the terminal, summary.json and report.html; the watch's "carrying" column is the report's "time carrying a
 * rider" (same definition, same text) and its net per hour waits for the end of the day. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_check.h"
#include "rt_json.h"
#include "rt_proc.h"

#define S_TIMEOUT_MS (900 * 1000)

static char *s_sim, *s_watch;

static void
s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
    s_watch = rt_tool ("robotaxi-watch");
}

static void
s_teardown (void)
{
    free (s_sim);
    free (s_watch);
}

/* DIR/name read whole (malloc'd); fails the test when missing. */
static char *
s_file (const char *dir, const char *name)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    char *text = rt_slurp (path, NULL);
    ck_assert_msg (text != NULL, "%s is missing", path);
    return text;
}

/* Everything left on fd, up to len-1 bytes. */
static void
s_read_all (int fd, char *buf, size_t len)
{
    size_t n = 0;
    ssize_t got;
    while (n + 1 < len && (got = read (fd, buf + n, len - 1 - n)) > 0)
        n += (size_t) got;
    buf[n] = '\0';
}

/* days.csv: the header and each row's cells as text. */
typedef struct {
    char names[32][48];
    char cells[8][32][32];
    size_t ncols, nrows;
} s_days_t;

static void
s_days (const char *dir, s_days_t *d)
{
    char *text = s_file (dir, "days.csv");
    memset (d, 0, sizeof *d);
    char *save = NULL;
    int header = 1;
    for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save), header = 0) {
        size_t col = 0;
        char *fsave = NULL;
        for (char *f = strtok_r (line, ",", &fsave); f; f = strtok_r (NULL, ",", &fsave), col++) {
            ck_assert_uint_lt (col, 32);
            snprintf (header ? d->names[col] : d->cells[d->nrows][col], 32, "%s", f);
        }
        if (header)
            d->ncols = col;
        else
            ck_assert_uint_lt (++d->nrows, 8);
    }
    free (text);
}

/* The sum of column name over the days, written with as many decimals as the file's cells have. */
static void
s_days_sum (const s_days_t *d, const char *name, char *out, size_t len)
{
    size_t c = 0;
    while (c < d->ncols && strcmp (d->names[c], name) != 0)
        c++;
    ck_assert_msg (c < d->ncols, "days.csv has no column %s", name);
    const char *dot = strchr (d->cells[0][c], '.');
    int decimals = dot ? (int) strlen (dot + 1) : 0;
    double sum = 0;
    for (size_t r = 0; r < d->nrows; r++)
        sum += strtod (d->cells[r][c], NULL);
    snprintf (out, len, "%.*f", decimals, sum);
}

/* The text of the report's cell in the row headed `row`, column `col` (0: the first figure). */
static void
s_html_cell (const char *html, const char *row, int col, char *out, size_t len)
{
    char head[160];
    snprintf (head, sizeof head, "<tr><th>%s</th>", row);
    const char *p = strstr (html, head);
    ck_assert_msg (p != NULL, "report.html has no row '%s'", row);
    p += strlen (head);
    for (int i = 0; i <= col; i++) {
        p = strstr (p, "<td class=\"n\">");
        ck_assert_ptr_nonnull (p);
        p += strlen ("<td class=\"n\">");
    }
    const char *end = strchr (p, '<');
    snprintf (out, len, "%.*s", (int) (end - p), p);
}

/* The watch's row fields: served/requests, carrying and wait per fleet, drivers' gross and net. */
typedef struct {
    char r_carry[32], h_carry[32], gross[32], net[32];
} s_row_t;

static void
s_watch_row (const char *line, s_row_t *row)
{
    unsigned long long a, b, c, d;
    char rw[32], hw[32];
    ck_assert_msg (sscanf (line, "%*s %*s %*s | %llu/%llu %31s %31s | %llu/%llu %31s %31s | %31s %31s", &a, &b,
                           row->r_carry, rw, &c, &d, row->h_carry, hw, row->gross, row->net) == 10,
                   "not a row of robotaxi-watch: %s", line);
}

START_TEST (test_two_days_read_alike_everywhere)
{
    char *dir = rt_temp_dir ("outputs");
    char endpoint[600], out_dir[600];
    snprintf (endpoint, sizeof endpoint, "ipc://%s/metrics.sock", dir);
    snprintf (out_dir, sizeof out_dir, "%s/out", dir);
    char *argv[] = {s_sim, "-q", "--days", "2", "--baseline", "--publish", endpoint, "--wait-subscribers", "1",
                    "--timeout", "120", "--set", "demand.trips_per_day=8000", "--set", "human.drivers=400", "--set",
                    "robotaxi.fleet_size=60", "--set", "choice.asc_robotaxi=0", "-o", out_dir, NULL};
    int sim_out;
    pid_t sim = rt_spawn (argv, &sim_out, NULL);
    ck_assert_int_gt (sim, 0);
    char *wargv[] = {s_watch, "--timeout", "300", endpoint, NULL};
    int watch_out;
    pid_t watch = rt_spawn (wargv, &watch_out, NULL);
    ck_assert_int_gt (watch, 0);
    /* the watch: its header names the column, a periodic row has no net per hour yet, and the second final row is
     * the last day's end */
    char line[1024];
    s_row_t periodic, final;
    ck_assert_int_eq (rt_wait_line (watch_out, "carrying", line, sizeof line, 120000), 0);
    ck_assert_int_eq (rt_wait_line (watch_out, " periodic ", line, sizeof line, 300000), 0);
    s_watch_row (line, &periodic);
    ck_assert_str_eq (periodic.net, "-");
    ck_assert_int_eq (rt_wait_line (watch_out, " final ", line, sizeof line, 600000), 0);
    ck_assert_int_eq (rt_wait_line (watch_out, " final ", line, sizeof line, 600000), 0);
    s_watch_row (line, &final);
    static char out[65536];
    s_read_all (sim_out, out, sizeof out);
    close (sim_out);
    ck_assert_int_eq (rt_wait (sim, S_TIMEOUT_MS), 0);
    ck_assert_int_eq (rt_stop (&watch, &watch_out, 10000), 0);

    json_error_t jerr;
    char path[1024];
    snprintf (path, sizeof path, "%s/summary.json", out_dir);
    json_t *summary = json_load_file (path, 0, &jerr);
    ck_assert_msg (summary != NULL, "%s: %s", path, jerr.text);
    char *html = s_file (out_dir, "report.html");
    s_days_t days;
    s_days (out_dir, &days);
    ck_assert_uint_eq (days.nrows, 2);
    ck_assert_double_eq (rt_json_num (summary, "day", NULL, NULL), 2);
    ck_assert_double_eq (rt_json_num (summary, "days", NULL, NULL), 2);

    /* each table says which days it covers */
    ck_assert_msg (strstr (out, "\nday 2 of 2 (the last day) "), "the last day's table is not labelled: %s", out);
    ck_assert_msg (strstr (out, "human drivers on day 2:"), "%s", out);
    ck_assert_msg (strstr (out, "\ncosts over all 2 days (costs.csv)"), "%s", out);
    ck_assert_msg (strstr (out, "\neach day (days.csv)"), "%s", out);
    ck_assert (strstr (html, "<h2>Fleets on day 2 of 2 (the last day)</h2>") != NULL);
    ck_assert (strstr (html, "<h2>Costs over all 2 days</h2>") != NULL);

    /* net yuan per hour: one text in the terminal, summary.json and report.html */
    char net[64], want[128];
    snprintf (net, sizeof net, "%.2f", rt_json_num (summary, "drivers", "net_hourly_yuan", NULL));
    snprintf (want, sizeof want, "net %s yuan/h", net);
    ck_assert_msg (strstr (out, want), "terminal lacks '%s': %s", want, out);
    ck_assert_msg (strstr (html, want), "report.html lacks '%s'", want);
    ck_assert_str_eq (final.net, net);   /* and the watch, at the end of the day */

    /* the watch's "carrying" is the report's "time carrying a rider", as summary.json holds it */
    char cell[64];
    snprintf (want, sizeof want, "%.2f%%", 100 * rt_json_num (summary, "fleets", "robotaxi", "util_occupied"));
    s_html_cell (html, "time carrying a rider", 0, cell, sizeof cell);
    ck_assert_str_eq (cell, want);
    ck_assert_str_eq (final.r_carry, cell);
    s_html_cell (html, "time carrying a rider", 1, cell, sizeof cell);
    ck_assert_str_eq (final.h_carry, cell);

    /* displacement: the totals of the terminal and of the report are the sums of days.csv's columns */
    static const char *const cols[] = {"trips_moved", "income_moved_yuan", "fulltime_drivers_equivalent",
                                       "displaced_drivers", "income_lost_yuan", "trips_lost"};
    ck_assert_msg (strstr (out, "trips moved  income moved, yuan  full-time drivers  displaced drivers  their income, "
                                "yuan  their trips"),
                   "%s", out);
    const char *total = strstr (out, "\ntotal, 2 days");
    ck_assert_msg (total != NULL, "no total row: %s", out);
    total += strlen ("\ntotal, 2 days");
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        char sum[64], got[64];
        int used;
        s_days_sum (&days, cols[c], sum, sizeof sum);
        ck_assert_int_eq (sscanf (total, " %63s%n", got, &used), 1);
        total += used;
        ck_assert_msg (strcmp (got, sum) == 0, "terminal total of %s: %s, days.csv sums to %s", cols[c], got, sum);
        s_html_cell (html, "total, 2 days", (int) c, cell, sizeof cell);
        ck_assert_msg (strcmp (cell, sum) == 0, "report total of %s: %s, days.csv sums to %s", cols[c], cell, sum);
    }
    /* readable column names in the report, the machine names stay in days.csv */
    ck_assert (strstr (html, "<th class=\"n\">displaced drivers</th>") != NULL);
    ck_assert (strstr (html, "<th class=\"n\">trips moved to robotaxis</th>") != NULL);
    ck_assert (strstr (html, ">income_lost_yuan<") == NULL);
    free (html);
    json_decref (summary);
    free (dir);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("integration_outputs");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_set_timeout (core, 1800);
    tcase_add_test (core, test_two_days_read_alike_everywhere);
    suite_add_tcase (s, core);
    return rt_check_run (s);
}
