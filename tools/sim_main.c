/* robotaxi-sim: plays a simulated city day with a driverless fleet beside human ride-hail drivers. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_config.h"
#include "sim_run.h"

#define PROG "robotaxi-sim"

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: " PROG " [OPTION]...\n"
             "Play one simulated city day: a driverless robotaxi fleet beside human ride-hail drivers, dispatched\n"
             "in lockstep, with utilization, fares, waits, drivers' earnings and (with --baseline) displacement.\n"
             "\n"
             "  -s, --scenario FILE       scenario file (default: the built-in Wuhan scenario, = scenarios/wuhan.ini)\n"
             "      --set SECTION.KEY=VALUE  override one parameter (repeatable; applied after --scenario)\n"
             "      --seed N              random seed (overrides scenario.seed)\n"
             "  -o, --out DIR             output folder (default: out)\n"
             "  -d, --dispatcher WHERE    'inproc' (default) or a robotaxi-dispatcher endpoint such as\n"
             "                            tcp://127.0.0.1:5555 or ipc:///tmp/robotaxi.sock\n"
             "      --publish ENDPOINT    with --dispatcher inproc: publish metrics on this PUB endpoint\n"
             "      --wait-subscribers N  with --publish: wait for N subscribers before starting\n"
             "      --timeout SECONDS     wait this long for the dispatcher or subscribers (default 10)\n"
             "  -b, --baseline            also play the same day without robotaxis and report displacement\n"
             "  -q, --quiet               no progress lines\n"
             "      --print-config        print the resolved scenario and exit\n"
             "      --help-config         list every scenario parameter with its default, range and source\n"
             "  -h, --help                this help\n"
             "  -V, --version             version\n"
             "\n"
             "Outputs in DIR: summary.json, hourly.csv, fares.csv, drivers.csv and config.ini (the resolved\n"
             "scenario, seed included: '" PROG " -s DIR/config.ini' repeats the run). Exit status: 0 done,\n"
             "1 the run failed, 2 bad usage or scenario.\n");
}

int
main (int argc, char **argv)
{
    enum { O_SET = 256, O_SEED, O_PUBLISH, O_WAIT, O_TIMEOUT, O_PRINT, O_HELPCFG };
    static const struct option options[] = {
        {"scenario", required_argument, NULL, 's'}, {"set", required_argument, NULL, O_SET},
        {"seed", required_argument, NULL, O_SEED},  {"out", required_argument, NULL, 'o'},
        {"dispatcher", required_argument, NULL, 'd'}, {"publish", required_argument, NULL, O_PUBLISH},
        {"wait-subscribers", required_argument, NULL, O_WAIT}, {"timeout", required_argument, NULL, O_TIMEOUT},
        {"baseline", no_argument, NULL, 'b'},       {"quiet", no_argument, NULL, 'q'},
        {"print-config", no_argument, NULL, O_PRINT}, {"help-config", no_argument, NULL, O_HELPCFG},
        {"help", no_argument, NULL, 'h'},           {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *scenario = NULL, *seed = NULL;
    const char **sets = calloc ((size_t) argc, sizeof *sets);
    size_t nsets = 0;
    int print_config = 0;
    double timeout_s = 10;
    sim_run_opts_t opts = {.dispatcher = "inproc", .out_dir = "out"};
    char err[1024];
    int c;
    if (!sets)
        return 1;
    while ((c = getopt_long (argc, argv, "s:o:d:bqhV", options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's': scenario = optarg; break;
        case O_SET: sets[nsets++] = optarg; break;
        case O_SEED: seed = optarg; break;
        case 'o': opts.out_dir = optarg; break;
        case 'd': opts.dispatcher = optarg; break;
        case O_PUBLISH: opts.publish = optarg; break;
        case O_WAIT:
            opts.wait_subscribers = (int) strtol (optarg, &end, 10);
            if (*end || opts.wait_subscribers < 0 || opts.wait_subscribers > 1000) {
                fprintf (stderr, PROG ": --wait-subscribers: '%s' is not a count from 0 to 1000\n", optarg);
                return 2;
            }
            break;
        case O_TIMEOUT:
            timeout_s = strtod (optarg, &end);
            if (*end || !(timeout_s > 0 && timeout_s <= 3600)) {
                fprintf (stderr, PROG ": --timeout: '%s' is not a number of seconds from 0 to 3600\n", optarg);
                return 2;
            }
            break;
        case 'b': opts.baseline = 1; break;
        case 'q': opts.quiet = 1; break;
        case O_PRINT: print_config = 1; break;
        case O_HELPCFG: sim_config_describe (stdout); free (sets); return 0;
        case 'h': s_usage (stdout); free (sets); return 0;
        case 'V': printf (PROG " " RT_VERSION "\n"); free (sets); return 0;
        default: s_usage (stderr); free (sets); return 2;
        }
    }
    if (optind < argc) {
        fprintf (stderr, PROG ": unexpected argument '%s' (see --help)\n", argv[optind]);
        free (sets);
        return 2;
    }
    opts.timeout_ms = (int) (timeout_s * 1000);
    if (opts.publish && strcmp (opts.dispatcher, "inproc") != 0) {
        fprintf (stderr, PROG ": --publish is for --dispatcher inproc; a remote dispatcher publishes on its own "
                         "--publish endpoint\n");
        free (sets);
        return 2;
    }

    sim_config_t *cfg = malloc (sizeof *cfg);
    if (!cfg) {
        free (sets);
        return 1;
    }
    int rc = 2;
    sim_config_defaults (cfg);
    if (scenario && sim_config_load (cfg, scenario, err, sizeof err) < 0)
        goto fail;
    for (size_t i = 0; i < nsets; i++)
        if (sim_config_set (cfg, sets[i], err, sizeof err) < 0)
            goto fail;
    if (seed && sim_config_set_key (cfg, "scenario.seed", seed, "--seed: ", err, sizeof err) < 0)
        goto fail;
    if (sim_config_check (cfg, err, sizeof err) < 0)
        goto fail;
    if (print_config) {
        sim_config_write (cfg, stdout);
        rc = 0;
        goto out;
    }
    rc = 1;
    if (sim_run (cfg, &opts, err, sizeof err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    fprintf (stderr, PROG ": %s\n", err);
out:
    free (cfg);
    free (sets);
    return rc;
}
