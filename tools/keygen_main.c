/* robotaxi-keygen: writes a CURVE key pair for robotaxi-dispatcher and its clients, as CZMQ key files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "disp_curve.h"
#include "tool_cli.h"

#ifndef RT_VERSION
#define RT_VERSION "unknown"
#endif

#define S_PROG "robotaxi-keygen"

static void s_usage (FILE *out)
{
    fprintf (out,
             "Usage: " S_PROG " NAME...\n"
             "Writes a new CURVE key pair for each NAME: the public key to NAME and the secret key to NAME_secret.\n"
             "Give the dispatcher its NAME_secret (--curve-secret) and a folder holding the public files of the\n"
             "clients it admits (--curve-clients); give each client its own NAME_secret and the dispatcher's public\n"
             "file (--curve-secret, --curve-server). Keep the _secret files private.\n"
             "\n"
             "  -h, --help     this help\n"
             "  -V, --version  version\n"
             "\n");
    tool_cli_help_status (out, "the key pairs written", "a key pair could not be written");
}

int main (int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    int c;
    opterr = 0; /* tool_cli's messages */
    while ((c = getopt_long (argc, argv, ":hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': s_usage (stdout); return 0;
        case 'V': printf (S_PROG " %s\n", RT_VERSION); return 0;
        default: return tool_cli_bad_option (S_PROG, c, argv, longopts);
        }
    }
    if (optind == argc)
        return tool_cli_usage_error (S_PROG, "NAME: missing operand (the key pair to write)");
    for (int i = optind; i < argc; i++) {
        char err[512];
        if (disp_curve_keygen (argv[i], err, sizeof err) != 0) {
            fprintf (stderr, S_PROG ": %s\n", err);
            return 1;
        }
        printf ("%s, %s_secret\n", argv[i], argv[i]);
    }
    return 0;
}
