/* check_cli: the one command-line convention of README "Command lines", held by every tool as a user meets it: each
 * installed tool (the list in tools/CMakeLists.txt), robotaxi-bench's routing, dispatch and scale and the test-only
 * robotaxi-regress-worse answer --help and --version on stdout with 0; refuse an unknown option, an option without
 * its argument and one given an argument it does not take with exactly "tool: what: why" and one "Try 'tool --help'
 * for more information." line and status 2; print the same exit-status table; and give every short option one
 * meaning across tools, the one README's table lists, accepting exactly the letters their --help documents. */
#include <check.h>

#include "rt_check.h"
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_proc.h"

/* A command as a user types it: the program, and for robotaxi-bench's own benchmarks the benchmark's name. short_name
 * is what README's table of short options calls the tool. */
typedef struct {
    const char *program, *command, *short_name;
} s_cmd_t;

static const s_cmd_t s_cmds[] = {
    {"robotaxi-sim", NULL, "sim"},
    {"robotaxi-dispatcher", NULL, "dispatcher"},
    {"robotaxi-client", NULL, "client"},
    {"robotaxi-watch", NULL, "watch"},
    {"robotaxi-bench", NULL, "bench"},
    {"robotaxi-bench", "routing", "bench"},
    {"robotaxi-bench", "dispatch", "bench"},
    {"robotaxi-map", NULL, "map"},
    {"robotaxi-keygen", NULL, "keygen"},
    {"robotaxi-eventdiff", NULL, "eventdiff"},
    {"robotaxi-regress", NULL, "regress"},
    {"robotaxi-regress-worse", NULL, "regress"},
    {"robotaxi-bench", "scale", "bench"},
};
#define S_CMDS (sizeof s_cmds / sizeof s_cmds[0])

static char s_out[1 << 16], s_err[1 << 16];
static char s_help[S_CMDS][1 << 14];

/* Runs cmd with up to 5 more arguments (NULL-terminated); returns the status, output in s_out and s_err. */
static int
s_run (const s_cmd_t *cmd, const char *a, const char *b, const char *c, const char *d, const char *e)
{
    char *tool = rt_tool (cmd->program);
    char *argv[8];
    int n = 0;
    argv[n++] = tool;
    if (cmd->command)
        argv[n++] = (char *) cmd->command;
    const char *more[] = {a, b, c, d, e};
    for (int i = 0; i < 5 && more[i]; i++)
        argv[n++] = (char *) more[i];
    argv[n] = NULL;
    int rc = rt_run (argv, s_out, sizeof s_out, s_err, sizeof s_err, 60000);
    free (tool);
    return rc;
}

/* What a usage error prints: "PREFIX: what\nTry 'COMMAND --help' for more information.\n", PREFIX being
 * "robotaxi-bench: routing" for a benchmark's options. */
static void
s_usage_error (char *buf, size_t len, const s_cmd_t *cmd, const char *what)
{
    if (cmd->command)
        snprintf (buf, len, "%s: %s: %s\nTry '%s %s --help' for more information.\n", cmd->program, cmd->command,
                  what, cmd->program, cmd->command);
    else
        snprintf (buf, len, "%s: %s\nTry '%s --help' for more information.\n", cmd->program, what, cmd->program);
}

static const char *
s_name (const s_cmd_t *cmd, char *buf, size_t len)
{
    snprintf (buf, len, "%s%s%s", cmd->program, cmd->command ? " " : "", cmd->command ? cmd->command : "");
    return buf;
}

/* Every command's --help into s_help; each must answer with 0, on stdout only. */
static void
s_read_helps (void)
{
    for (size_t i = 0; i < S_CMDS; i++) {
        char name[128];
        int rc = s_run (&s_cmds[i], "--help", NULL, NULL, NULL, NULL);
        ck_assert_msg (rc == 0, "%s --help: exit %d; stderr: %s", s_name (&s_cmds[i], name, sizeof name), rc, s_err);
        ck_assert_msg (s_err[0] == '\0', "%s --help wrote on stderr: %s", name, s_err);
        ck_assert_msg (strncmp (s_out, "Usage: ", 7) == 0, "%s --help does not start with 'Usage: ': %.200s", name,
                       s_out);
        ck_assert_uint_lt (strlen (s_out), sizeof s_help[i]);
        strcpy (s_help[i], s_out);
    }
}

/* The short options a help documents: "  -x, --long" at the start of a line; letters[k] and longs[k]. */
static size_t
s_short_options (const char *help, char *letters, char longs[][48], size_t max)
{
    regex_t re;
    ck_assert_int_eq (regcomp (&re, "^ +-([A-Za-z0-9]), --([a-z0-9-]+)", REG_EXTENDED | REG_NEWLINE), 0);
    size_t n = 0;
    regmatch_t m[3];
    for (const char *p = help; n < max && regexec (&re, p, 3, m, p == help ? 0 : REG_NOTBOL) == 0; p += m[0].rm_eo) {
        letters[n] = p[m[1].rm_so];
        snprintf (longs[n], sizeof longs[n], "%.*s", (int) (m[2].rm_eo - m[2].rm_so), p + m[2].rm_so);
        n++;
    }
    regfree (&re);
    return n;
}

/* The long options a help documents with an argument: "--name ARG" on an option line ("  -x, --name ARG",
 * "      --name ARG") or in brackets anywhere ("[--name ARG]"); names[k], short letters[k] (0: none). */
static size_t
s_options_with_argument (const char *help, char names[][48], char *letters, size_t max)
{
    regex_t line, bracket;
    ck_assert_int_eq (regcomp (&line, "^ +(-([A-Za-z0-9]), )?--([a-z0-9-]+)[ =]\\[?[A-Z]", REG_EXTENDED | REG_NEWLINE),
                      0);
    ck_assert_int_eq (regcomp (&bracket, "\\[--([a-z0-9-]+) [A-Z]", REG_EXTENDED), 0);
    size_t n = 0;
    regmatch_t m[4];
    for (const char *p = help; n < max && regexec (&line, p, 4, m, p == help ? 0 : REG_NOTBOL) == 0;
         p += m[0].rm_eo) {
        snprintf (names[n], sizeof names[n], "%.*s", (int) (m[3].rm_eo - m[3].rm_so), p + m[3].rm_so);
        letters[n++] = m[2].rm_so >= 0 ? p[m[2].rm_so] : 0;
    }
    for (const char *p = help; n < max && regexec (&bracket, p, 2, m, 0) == 0; p += m[0].rm_eo) {
        snprintf (names[n], sizeof names[n], "%.*s", (int) (m[1].rm_eo - m[1].rm_so), p + m[1].rm_so);
        letters[n++] = 0;
    }
    regfree (&line);
    regfree (&bracket);
    return n;
}

START_TEST (test_every_installed_tool_is_checked)
{
    /* a tool added to the installed list without being added here would escape the convention */
    char path[4096];
    snprintf (path, sizeof path, "%s/tools/CMakeLists.txt", getenv ("RT_SOURCE_DIR"));
    char *text = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (text);
    char *list = strstr (text, "set(rt_tools ");
    ck_assert_ptr_nonnull (list);
    char *end = strchr (list, ')');
    ck_assert_ptr_nonnull (end);
    *end = '\0';
    size_t tools = 0;
    for (char *tok = strtok (list + strlen ("set(rt_tools "), " \n"); tok; tok = strtok (NULL, " \n")) {
        int found = 0;
        for (size_t i = 0; i < S_CMDS; i++)
            found |= strcmp (s_cmds[i].program, tok) == 0;
        ck_assert_msg (found, "installed tool %s is not among the commands check_cli runs", tok);
        tools++;
    }
    ck_assert_uint_ge (tools, 9);
    free (text);
}
END_TEST

START_TEST (test_help_version_and_one_table_of_exit_statuses)
{
    s_read_helps ();
    const char *head = "Exit status (one table for every robotaxi tool, README \"Command lines\"):\n";
    char *table0 = NULL;
    for (size_t i = 0; i < S_CMDS; i++) {
        char name[128];
        s_name (&s_cmds[i], name, sizeof name);
        const char *table = strstr (s_help[i], head);
        ck_assert_msg (table, "%s --help has no exit-status table", name);
        /* the lines from status 2 to the last, 130 and 143 (what 0 and 1 mean is the tool's), in every tool alike */
        const char *rest = strstr (table, "\n  2 "), *last = strstr (table, "\n  130, 143 ");
        ck_assert_msg (rest && last && rest < last, "%s --help: the table lacks status 2 or 130, 143", name);
        size_t len = (size_t) (strchr (last + 1, '\n') - rest);
        if (!table0)
            table0 = strndup (rest, len);
        ck_assert_msg (strlen (table0) == len && strncmp (rest, table0, len) == 0,
                       "%s --help prints another table:\n%.*s\nnot\n%s", name, (int) len, rest, table0);
        for (const char *status = "2 \0" "65 \0" "66 \0" "73 \0" "78 \0"; *status; status += strlen (status) + 1) {
            char want[32];
            snprintf (want, sizeof want, "\n  %s", status);
            ck_assert_msg (strstr (table, want), "%s --help: no status %s", name, status);
        }

        int rc = s_run (&s_cmds[i], "--version", NULL, NULL, NULL, NULL);
        ck_assert_msg (rc == 0 && s_err[0] == '\0', "%s --version: exit %d; stderr: %s", name, rc, s_err);
        /* "robotaxi-sim 0.1.0\n": the program as called, one line */
        size_t plen = strlen (s_cmds[i].program);
        ck_assert_msg (strncmp (s_out, s_cmds[i].program, plen) == 0 && s_out[plen] == ' ' &&
                           strchr (s_out, '\n') == s_out + strlen (s_out) - 1 && !isspace ((unsigned char) s_out[plen + 1]),
                       "%s --version: '%s'", name, s_out);
    }
    free (table0);
}
END_TEST

START_TEST (test_usage_errors_have_one_shape_and_status_2)
{
    s_read_helps ();
    char want[1024], name[128];
    for (size_t i = 0; i < S_CMDS; i++) {
        const s_cmd_t *cmd = &s_cmds[i];
        s_name (cmd, name, sizeof name);

        int rc = s_run (cmd, "--no-such-option", NULL, NULL, NULL, NULL);
        s_usage_error (want, sizeof want, cmd, "--no-such-option: unknown option (or an abbreviation of more than one)");
        ck_assert_msg (rc == 2, "%s --no-such-option: exit %d", name, rc);
        ck_assert_str_eq (s_err, want);
        ck_assert_str_eq (s_out, "");

        rc = s_run (cmd, "--help=yes", NULL, NULL, NULL, NULL);
        s_usage_error (want, sizeof want, cmd, "--help: takes no argument");
        ck_assert_msg (rc == 2, "%s --help=yes: exit %d", name, rc);
        ck_assert_str_eq (s_err, want);

        /* every option documented with an argument, given none (as the last word), long and short */
        char names[64][48], letters[64];
        size_t n = s_options_with_argument (s_help[i], names, letters, 64);
        for (size_t k = 0; k < n; k++) {
            char opt[64], what[128];
            snprintf (opt, sizeof opt, "--%s", names[k]);
            rc = s_run (cmd, opt, NULL, NULL, NULL, NULL);
            snprintf (what, sizeof what, "--%s: missing argument", names[k]);
            s_usage_error (want, sizeof want, cmd, what);
            ck_assert_msg (rc == 2, "%s %s: exit %d; stderr: %s", name, opt, rc, s_err);
            ck_assert_str_eq (s_err, want);
            if (!letters[k])
                continue;
            snprintf (opt, sizeof opt, "-%c", letters[k]);
            rc = s_run (cmd, opt, NULL, NULL, NULL, NULL);
            snprintf (what, sizeof what, "-%c: missing argument", letters[k]);
            s_usage_error (want, sizeof want, cmd, what);
            ck_assert_msg (rc == 2, "%s %s: exit %d; stderr: %s", name, opt, rc, s_err);
            ck_assert_str_eq (s_err, want);
        }
        ck_assert_msg (n > 0 || !strcmp (cmd->program, "robotaxi-keygen") || !strcmp (cmd->program, "robotaxi-eventdiff"),
                       "%s --help documents no option with an argument", name);
    }

    /* operands: too few is a usage error of the same shape */
    static const size_t needs_operands[] = {2, 3, 4, 7, 8, 9};   /* client, watch, bench, map, keygen, eventdiff */
    for (size_t k = 0; k < sizeof needs_operands / sizeof needs_operands[0]; k++) {
        const s_cmd_t *cmd = &s_cmds[needs_operands[k]];
        s_name (cmd, name, sizeof name);
        int rc = s_run (cmd, NULL, NULL, NULL, NULL, NULL);
        ck_assert_msg (rc == 2, "%s without operands: exit %d", name, rc);
        char prefix[128], try[160];
        snprintf (prefix, sizeof prefix, "%s: ", cmd->program);
        snprintf (try, sizeof try, "\nTry '%s --help' for more information.\n", cmd->program);
        const char *nl = strchr (s_err, '\n');
        ck_assert_msg (strncmp (s_err, prefix, strlen (prefix)) == 0 && nl && strcmp (nl, try) == 0,
                       "%s without operands: '%s'", name, s_err);
    }
}
END_TEST

START_TEST (test_a_short_option_means_one_thing_the_one_readme_lists)
{
    s_read_helps ();
    /* letter -> long name, and which tools have it, from every --help */
    char long_of[128][48] = {{0}};
    char tools_of[128][256] = {{0}};
    char where[128][128] = {{0}};
    for (size_t i = 0; i < S_CMDS; i++) {
        char letters[64], longs[64][48], name[128];
        s_name (&s_cmds[i], name, sizeof name);
        size_t n = s_short_options (s_help[i], letters, longs, 64);
        ck_assert_msg (n >= 2, "%s --help documents no -h and -V", name);
        for (size_t k = 0; k < n; k++) {
            unsigned char c = (unsigned char) letters[k];
            ck_assert_msg (!long_of[c][0] || strcmp (long_of[c], longs[k]) == 0,
                           "-%c means --%s in %s but --%s in %s", c, longs[k], name, long_of[c], where[c]);
            snprintf (long_of[c], sizeof long_of[c], "%.47s", longs[k]);
            snprintf (where[c], sizeof where[c], "%.127s", name);
            char tag[40];
            snprintf (tag, sizeof tag, " %s,", s_cmds[i].short_name);
            if (!strstr (tools_of[c], tag))
                snprintf (tools_of[c] + strlen (tools_of[c]), sizeof tools_of[c] - strlen (tools_of[c]), "%s", tag);
        }
    }

    /* README's table says the same, row for row */
    char path[4096];
    snprintf (path, sizeof path, "%s/README.md", getenv ("RT_SOURCE_DIR"));
    char *readme = rt_slurp (path, NULL);
    ck_assert_ptr_nonnull (readme);
    char *section = strstr (readme, "\n### Command lines\n");
    ck_assert_msg (section, "README has no section 'Command lines'");
    char *table = strstr (section, "\n| short | long | tools |\n|---|---|---|\n");
    ck_assert_msg (table, "README 'Command lines' has no table of short options");
    regex_t row;
    ck_assert_int_eq (regcomp (&row, "^\\| `-([A-Za-z0-9])` \\| `--([a-z0-9-]+)` \\| ([a-z, ]+) \\|$",
                               REG_EXTENDED | REG_NEWLINE),
                      0);
    int listed[128] = {0};
    const char *p = strchr (table + 1, '\n') + 1;
    p = strchr (p, '\n') + 1;
    regmatch_t m[4];
    while (strncmp (p, "| `", 3) == 0) {
        const char *eol = strchr (p, '\n');
        ck_assert_msg (regexec (&row, p, 4, m, 0) == 0 && p + m[0].rm_eo == eol, "README row '%.*s' is not "
                       "| `-x` | `--long` | tools |", (int) (eol - p), p);
        unsigned char c = (unsigned char) p[m[1].rm_so];
        char lng[48], tools[256];
        snprintf (lng, sizeof lng, "%.*s", (int) (m[2].rm_eo - m[2].rm_so), p + m[2].rm_so);
        snprintf (tools, sizeof tools, "%.*s", (int) (m[3].rm_eo - m[3].rm_so), p + m[3].rm_so);
        ck_assert_msg (long_of[c][0], "README lists -%c (--%s), which no tool's --help has", c, lng);
        ck_assert_msg (strcmp (long_of[c], lng) == 0, "README: -%c is --%s; the tools' --help: --%s", c, lng,
                       long_of[c]);
        if (strcmp (tools, "all") == 0) {
            for (size_t i = 0; i < S_CMDS; i++) {
                char tag[40];
                snprintf (tag, sizeof tag, " %s,", s_cmds[i].short_name);
                ck_assert_msg (strstr (tools_of[c], tag), "README: every tool has -%c; %s has not", c,
                               s_cmds[i].program);
            }
        } else {
            /* the same tools, in any order */
            char seen[256] = "";
            for (char *tok = strtok (tools, ", "); tok; tok = strtok (NULL, ", ")) {
                char tag[40];
                snprintf (tag, sizeof tag, " %s,", tok);
                ck_assert_msg (strstr (tools_of[c], tag), "README: %s has -%c; its --help does not say so", tok, c);
                snprintf (seen + strlen (seen), sizeof seen - strlen (seen), "%s", tag);
            }
            ck_assert_msg (strlen (seen) == strlen (tools_of[c]), "README: -%c in%s; the tools' --help: in%s", c,
                           seen, tools_of[c]);
        }
        listed[c] = 1;
        p = eol + 1;
    }
    regfree (&row);
    for (int c = 0; c < 128; c++)
        ck_assert_msg (!long_of[c][0] || listed[c], "-%c (--%s, %s) is missing from README's table", c, long_of[c],
                       where[c]);
    free (readme);
}
END_TEST

START_TEST (test_every_letter_is_documented_or_refused)
{
    /* A letter a tool takes but does not document would mean something no table says. Each letter is tried with three
     * operands after it, which every tool refuses before doing anything (so an accepted letter costs nothing); run in
     * a scratch folder all the same. */
    s_read_helps ();
    char *dir = rt_temp_dir ("cli-letters");
    ck_assert_ptr_nonnull (dir);
    ck_assert_int_eq (chdir (dir), 0);
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (size_t i = 0; i < S_CMDS; i++) {
        char name[128], documented[64], longs[64][48];
        s_name (&s_cmds[i], name, sizeof name);
        size_t n = s_short_options (s_help[i], documented, longs, 64);
        documented[n] = '\0';
        for (const char *l = letters; *l; l++) {
            char opt[3] = {'-', *l, '\0'}, what[64], want[512];
            int rc = s_run (&s_cmds[i], opt, "cli-extra-1", "cli-extra-2", "cli-extra-3", NULL);
            snprintf (what, sizeof what, "-%c: unknown option", *l);
            if (strchr (documented, *l)) {
                ck_assert_msg (!strstr (s_err, what), "%s documents -%c but refuses it: %s", name, *l, s_err);
                continue;
            }
            s_usage_error (want, sizeof want, &s_cmds[i], what);
            ck_assert_msg (rc == 2 && strcmp (s_err, want) == 0,
                           "%s takes -%c, which its --help does not document (exit %d): %s", name, *l, rc, s_err);
        }
    }
    char *argv[] = {"/bin/rm", "-rf", dir, NULL};
    rt_run (argv, NULL, 0, NULL, 0, 60000);
    free (dir);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("integration_cli");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 600);
    tcase_add_test (core, test_every_installed_tool_is_checked);
    tcase_add_test (core, test_help_version_and_one_table_of_exit_statuses);
    tcase_add_test (core, test_a_short_option_means_one_thing_the_one_readme_lists);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_set_timeout (limits, 900);
    tcase_add_test (limits, test_usage_errors_have_one_shape_and_status_2);
    tcase_add_test (limits, test_every_letter_is_documented_or_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
