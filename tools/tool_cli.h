/* tool_cli: the one command-line convention of every robotaxi tool (README "Command lines"): errors read
 * "tool: what: why" on stderr; a usage error is that one line and then exactly one line
 * "Try 'tool --help' for more information."; one table of exit statuses, the same for every tool. */
#ifndef TOOL_CLI_H
#define TOOL_CLI_H

#include <getopt.h>
#include <stdio.h>
#include <sysexits.h>

/* The exit statuses (README "Command lines"). 65, 66 and 78 are sysexits.h's EX_DATAERR, EX_NOINPUT, EX_CONFIG. */
enum {
    TOOL_CLI_OK = 0,              /* done (the answer is yes: the same events, within tolerance) */
    TOOL_CLI_FAILED = 1,          /* the work failed once under way, or the answer is no */
    TOOL_CLI_USAGE = 2,           /* bad usage: an option, an option's argument or the operands */
    TOOL_CLI_DATAERR = EX_DATAERR, /* an input file that was read but is malformed */
    TOOL_CLI_NOINPUT = EX_NOINPUT, /* an input file that cannot be read */
    TOOL_CLI_CONFIG = EX_CONFIG   /* a bad scenario or parameter value */
};

/* Reports what getopt_long answered c ('?' or ':') for, as "prog: -x: unknown option", "prog: --out: missing
 * argument" or "prog: --quiet: takes no argument", then the Try line. Needs opterr = 0 and an optstring starting
 * with ':' (so a missing argument is ':'); longopts is the table given to getopt_long. prog may carry a command after
 * a space ("robotaxi-bench routing"): the message then reads "robotaxi-bench: routing: ..." and the Try line names
 * the command's own --help. Returns TOOL_CLI_USAGE. */
int tool_cli_bad_option (const char *prog, int c, char *const argv[], const struct option *longopts);

/* Reports a usage error: "prog: " and the formatted what and why on one line, then the Try line, on stderr. prog as
 * for tool_cli_bad_option. Returns TOOL_CLI_USAGE. */
int tool_cli_usage_error (const char *prog, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

/* Whether path is a regular file this process can read. 0, or TOOL_CLI_NOINPUT after "prog: what: PATH: why" on
 * stderr (what may be NULL: "prog: PATH: why"). For a file the tool reads later, so that one it cannot read is told
 * apart from one that is malformed. */
int tool_cli_readable (const char *prog, const char *what, const char *path);

/* The status for an input file a library could not load: TOOL_CLI_NOINPUT when neither path nor alt (may be NULL:
 * a second name the library tries, as a CURVE key pair's NAME_secret) can be read, else TOOL_CLI_DATAERR (it was
 * read, so what was wrong is its content). */
int tool_cli_input_status (const char *path, const char *alt);

/* The status for CURVE key files (--curve-secret FILE, --curve-server FILE) that disp_curve_keys_load refused:
 * tool_cli_input_status of each, a key pair also found as FILE_secret; TOOL_CLI_NOINPUT when either is unreadable. */
int tool_cli_keys_status (const char *secret_file, const char *server_file);

/* The exit-status table for --help, one line per status; ok and failed say what 0 and 1 mean for this tool. */
void tool_cli_help_status (FILE *out, const char *ok, const char *failed);

#endif
