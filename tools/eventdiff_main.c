/* robotaxi-eventdiff: says where two events logs (robotaxi-sim --events) first differ in meaning. */
#include <getopt.h>
#include <stdio.h>

#include "sim_evdiff.h"
#include "tool_cli.h"

#define PROG "robotaxi-eventdiff"

static void s_usage (FILE *out)
{
    fprintf (
        out,
        "Usage: " PROG " [OPTION]... A.csv B.csv\n"
        "Compare two events logs (robotaxi-sim --events writes DIR/events.csv) and report the first difference\n"
        "in meaning: columns are found by name, numbers compare by value (lon and lat within 1e-6 degrees), and\n"
        "the events of one day and millisecond form an instant whose order does not matter. The report names\n"
        "the instant, both events with their line numbers, and how many events agreed before it.\n"
        "\n"
        "  -q, --quiet     print no verdict, only the exit status says it (errors still go to stderr)\n"
        "  -h, --help      this help\n"
        "  -V, --version   version\n"
        "\n");
    tool_cli_help_status (out, "the same events", "they differ");
}

int main (int argc, char **argv)
{
    static const struct option options[] = {{"quiet", no_argument, NULL, 'q'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"version", no_argument, NULL, 'V'},
                                            {NULL, 0, NULL, 0}};
    int quiet = 0, c;
    opterr = 0; /* tool_cli's messages */
    while ((c = getopt_long (argc, argv, ":qhV", options, NULL)) != -1) {
        switch (c) {
        case 'q':
            quiet = 1;
            break;
        case 'h':
            s_usage (stdout);
            return 0;
        case 'V':
            printf (PROG " " RT_VERSION "\n");
            return 0;
        default:
            return tool_cli_bad_option (PROG, c, argv, options);
        }
    }
    if (argc - optind != 2)
        return tool_cli_usage_error (PROG, "A.csv B.csv: two events logs to compare, not %d", argc - optind);
    /* one that cannot be read is told apart from one that is malformed */
    for (int i = optind; i < argc; i++) {
        int rc = tool_cli_readable (PROG, NULL, argv[i]);
        if (rc)
            return rc;
    }
    static sim_evdiff_result_t res;
    char err[1024];
    int rc = sim_evdiff_compare (argv[optind], NULL, argv[optind + 1], NULL, &res, err, sizeof err);
    if (rc < 0) {
        fprintf (stderr, PROG ": %s\n", err);
        return TOOL_CLI_DATAERR;
    }
    if (!quiet && rc == 0)
        printf ("same events: %llu event%s in %llu instant%s\n", (unsigned long long)res.events,
                res.events == 1 ? "" : "s", (unsigned long long)res.instants, res.instants == 1 ? "" : "s");
    if (!quiet && rc == 1) printf ("%s\n", res.report);
    return rc;
}
