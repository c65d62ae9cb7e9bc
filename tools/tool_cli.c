/* tool_cli: the one command-line convention of every robotaxi tool: messages, the Try line and the exit statuses. */
#include "tool_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "robotaxi-bench routing" -> "robotaxi-bench: routing: " in the message; the Try line keeps the whole of it. */
static void
s_prefix (FILE *out, const char *prog)
{
    const char *space = strchr (prog, ' ');
    if (space)
        fprintf (out, "%.*s: %s: ", (int) (space - prog), prog, space + 1);
    else
        fprintf (out, "%s: ", prog);
}

static void
s_try (const char *prog)
{
    fprintf (stderr, "Try '%s --help' for more information.\n", prog);
}

/* The long option arg ("--ou", "--quiet=1") names: the row of longopts with value val whose name starts with what
 * arg gives (getopt_long takes unique abbreviations), or NULL. */
static const struct option *
s_long_option (const struct option *longopts, const char *arg, int val)
{
    if (!longopts || !arg || strncmp (arg, "--", 2) != 0)
        return NULL;
    const char *name = arg + 2;
    size_t len = strcspn (name, "=");
    for (const struct option *o = longopts; o->name; o++)
        if (o->val == val && !o->flag && strncmp (o->name, name, len) == 0)
            return o;
    return NULL;
}

int
tool_cli_bad_option (const char *prog, int c, char *const argv[], const struct option *longopts)
{
    /* getopt_long has moved optind past the argument it refused, except for a short option inside a cluster ("-qx"),
     * where it still points at the cluster; so argv[optind - 1] is only trusted once longopts confirms it. */
    const char *arg = optind > 0 ? argv[optind - 1] : NULL;
    const struct option *o = optopt ? s_long_option (longopts, arg, optopt) : NULL;
    s_prefix (stderr, prog);
    if (c == ':') {
        if (o)
            fprintf (stderr, "--%s: missing argument\n", o->name);
        else
            fprintf (stderr, "-%c: missing argument\n", optopt);
    } else if (o && o->has_arg == no_argument && strchr (arg, '='))
        fprintf (stderr, "--%s: takes no argument\n", o->name);
    else if (optopt == 0 && arg && strncmp (arg, "--", 2) == 0)
        fprintf (stderr, "%.*s: unknown option (or an abbreviation of more than one)\n", (int) strcspn (arg, "="),
                 arg);
    else if (optopt > ' ' && optopt < 127)
        fprintf (stderr, "-%c: unknown option\n", optopt);
    else
        fprintf (stderr, "%s: unknown option\n", arg ? arg : "?");
    s_try (prog);
    return TOOL_CLI_USAGE;
}

int
tool_cli_usage_error (const char *prog, const char *fmt, ...)
{
    va_list ap;
    s_prefix (stderr, prog);
    va_start (ap, fmt);
    vfprintf (stderr, fmt, ap);
    va_end (ap);
    fputc ('\n', stderr);
    s_try (prog);
    return TOOL_CLI_USAGE;
}

int
tool_cli_readable (const char *prog, const char *what, const char *path)
{
    /* O_NONBLOCK: a fifo must not wait for a writer; it is refused below like a folder */
    int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    const char *why = NULL;
    if (fd < 0 || fstat (fd, &st) != 0)
        why = strerror (errno);
    else if (!S_ISREG (st.st_mode))
        why = "not a regular file";
    if (fd >= 0)
        close (fd);
    if (!why)
        return 0;
    s_prefix (stderr, prog);
    fprintf (stderr, "%s%s%s: %s\n", what ? what : "", what ? ": " : "", path, why);
    return TOOL_CLI_NOINPUT;
}

int
tool_cli_input_status (const char *path, const char *alt)
{
    return access (path, R_OK) == 0 || (alt && access (alt, R_OK) == 0) ? TOOL_CLI_DATAERR : TOOL_CLI_NOINPUT;
}

int
tool_cli_keys_status (const char *secret_file, const char *server_file)
{
    const char *files[2] = {secret_file, server_file};
    for (int i = 0; i < 2; i++) {
        char alt[4096];
        int n = files[i] ? snprintf (alt, sizeof alt, "%s_secret", files[i]) : -1;
        if (files[i] && tool_cli_input_status (files[i], n > 0 && (size_t) n < sizeof alt ? alt : NULL) ==
                            TOOL_CLI_NOINPUT)
            return TOOL_CLI_NOINPUT;
    }
    return TOOL_CLI_DATAERR;
}

void
tool_cli_help_status (FILE *out, const char *ok, const char *failed)
{
    fprintf (out,
             "Exit status (one table for every robotaxi tool, README \"Command lines\"):\n"
             "  0         %s\n"
             "  1         %s\n"
             "  2         bad usage: an unknown option, a missing or malformed option argument, wrong operands\n"
             "  65        (EX_DATAERR) an input file that was read but is malformed\n"
             "  66        (EX_NOINPUT) an input file that cannot be read: missing, a folder, not permitted\n"
             "  73        (EX_CANTCREAT) an output folder that holds files the tool did not write\n"
             "  78        (EX_CONFIG) a bad scenario or parameter value (in a file, --set or an option that sets\n"
             "            one), or a scenario that does not fit its map\n"
             "  130, 143  the work stopped part-way by SIGINT, SIGTERM (128 + the signal's number)\n",
             ok, failed);
}
