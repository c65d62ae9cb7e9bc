/* robotaxi-sim: plays a simulated city day with a driverless fleet beside human ride-hail drivers. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <unistd.h>

#include "sim_config.h"
#include "sim_data.h"
#ifdef RT_HAVE_MPI
#include "sim_ranks.h"
#endif
#include "sim_run.h"
#include "sim_shard.h"
#include "sim_sweep.h"
#include "tool_cli.h"

#define PROG "robotaxi-sim"

/* The signal that asked a sweep to stop (SIGINT, SIGTERM), 0 before: the program's only global. */
static volatile sig_atomic_t s_stop;

static void
s_on_stop (int sig)
{
    static const char msg[] = PROG ": sweep: stopping: no further run starts, the runs under way finish (the same "
                              "signal again stops at once)\n";
    s_stop = sig;
    ssize_t n = write (STDERR_FILENO, msg, sizeof msg - 1);
    (void) n;
}

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: " PROG " [OPTION]...\n"
             "       " PROG " merge -o OUT [-j N] [--no-plots] [-q] SHARD_DIR...\n"
             "Play simulated city days: a driverless robotaxi fleet beside human ride-hail drivers, dispatched in\n"
             "lockstep; riders choose a robotaxi, a human driver or neither by price and expected wait. Reports\n"
             "utilization, fares, waits, costs per fleet, drivers' earnings and (with --baseline) displacement.\n"
             "\n"
             "  -s, --scenario FILE|NAME  scenario file (default: the built-in Wuhan scenario, = scenarios/wuhan.ini),\n"
             "                            or the name of an installed one (-s wuhan-2024): NAME.ini in BINDIR/\n"
             "                            " RT_DATADIR_FROM_BIN " (BINDIR: this program's folder), else in\n"
             "                            " RT_DATADIR "\n"
             "      --set SECTION.KEY=VALUE  override one parameter (repeatable; applied after --scenario)\n"
             "      --seed N              random seed (overrides scenario.seed)\n"
             "  -o, --out DIR             output folder (default: out)\n"
             "  -d, --dispatcher WHERE    'inproc' (default) or a robotaxi-dispatcher endpoint such as\n"
             "                            tcp://127.0.0.1:5555 or ipc:///tmp/robotaxi.sock\n"
             "      --publish ENDPOINT    with --dispatcher inproc: publish metrics on this PUB endpoint\n"
             "      --state ENDPOINT      with --publish: answer state requests here (a late subscriber's start)\n"
             "      --wait-subscribers N  with --publish: wait for N subscribers before starting\n"
             "      --timeout SECONDS     wait this long for the dispatcher or subscribers (default 10)\n"
             "      --reconnect SECONDS   a remote dispatcher that dies mid-run: wait this long for a restarted one,\n"
             "                            then resume where the run was (default 60; 0 = fail at once)\n"
             "      --curve-secret FILE   with a remote dispatcher over CURVE: this client's key pair (FILE_secret)...\n"
             "      --curve-server FILE   ...and the dispatcher's public key file (robotaxi-keygen makes them)\n"
             "  -p, --policy NAME         dispatch policy (= --set dispatch.policy=NAME): nearest, batch, cost,\n"
             "                            charge-early\n"
             "  -b, --baseline            also play the same days without robotaxis and report displacement\n"
             "                            (= --set scenario.baseline=1)\n"
             "      --days N              play N consecutive days (1 .. 3650; = --set scenario.days=N); human drivers\n"
             "                            decide each morning whether to work from what the last days paid\n"
             "      --no-plots            skip the SVG plots and report.html (they need gnuplot)\n"
             "      --events              write DIR/events.csv: every request, assignment, pickup, drop-off, give-up,\n"
             "                            reposition and shift change (robotaxi-eventdiff compares two of them)\n"
             "      --trajectories        write the vehicles' trajectories: DIR/trips.geojson (a LineString per leg,\n"
             "                            [lon, lat, 0, unix time]: kepler.gl's Trip layer), DIR/fcd.csv (positions\n"
             "                            every --fcd-period), DIR/roads.geojson and DIR/requests.csv; report.html\n"
             "                            then shows them on a map. Its size is printed before the run; to narrow it:\n"
             "      --traj-window HH:MM-HH:MM  only this time of each day (default: the whole day)\n"
             "      --traj-days N[-M]     only these days of the run (default: all)\n"
             "      --traj-vehicles LIST  only these vehicles: robotaxi, human, ids and ranges as in events.csv\n"
             "                            (e.g. robotaxi,0-99; default: all)\n"
             "      --fcd-period S        seconds between fcd.csv's positions, 1 .. 3600, or 0 for no fcd.csv\n"
             "                            (default 60)\n"
             "      --traj-date YYYY-MM-DD  the date of day 1 for the unix times (default 2024-01-01); the\n"
             "                            simulated city's clock is written as UTC, so viewers show its hours\n"
             "      --sweep KEY=FROM:TO:STEP | KEY=V1,V2,...\n"
             "                            run every value of KEY (repeat for a grid of several keys) and write\n"
             "                            DIR/sweep.csv, one row of headline figures per run, DIR/runs/NNNN/ per run\n"
             "      --replications R      play each sweep point R times, with seeds S .. S+R-1 (S: the scenario's\n"
             "                            seed; default 1: every point seed S); from 2, sweep.csv adds each\n"
             "                            metric's mean and 95%% interval per point, and DIR/sweep_points.csv\n"
             "      --sweep-seeds N       the same as --replications N\n"
             "  -j, --jobs N              threads: a sweep plays N runs at once; one run in-process routes its\n"
             "                            rides and pickups on a second thread unless N is 1 (the same results;\n"
             "                            not beside --baseline's second thread in a run of several days)\n"
             "                            (default: the number of CPUs)\n"
             "      --resume              continue the sweep stopped in DIR: its finished runs are kept (the same\n"
             "                            scenario and --sweep options, else refused)\n"
             "      --shard K/N           play only the K-th of N shares of the sweep (the runs r with r %% N = K-1)\n"
             "                            into DIR: its runs/NNNN, config.ini, sweep.ini and shard.ini, but no\n"
             "                            sweep.csv, plots or report; default in a Slurm array task: K =\n"
             "                            (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP + 1,\n"
             "                            N = SLURM_ARRAY_TASK_COUNT. With --resume, plays the shard's missing runs\n"
             "  -q, --quiet               no progress lines\n"
             "      --print-config        print the resolved scenario and exit\n"
             "      --help-config         list every scenario parameter with its default, range and source\n"
             "  -h, --help                this help\n"
             "  -V, --version             version\n"
             "\n"
             "Outputs in DIR: report.html (one page with the plots and tables), summary.json, costs.csv,\n"
             "costcurve.csv, hourly.csv, days.csv, fares.csv, waits.csv, choice.csv, drivers.csv, *.svg,\n"
             "events.csv (with --events), trips.geojson, fcd.csv, roads.geojson, requests.csv and map_frames.json\n"
             "(with --trajectories: report.html's map) and config.ini (the resolved scenario, seed included:\n"
             "'" PROG " -s DIR/config.ini' repeats the run). What an earlier run or sweep wrote in DIR is removed\n"
             "first; a DIR holding other files is refused. SIGINT or SIGTERM stop a sweep after the runs under way:\n"
             "sweep.csv then holds the finished runs, and --resume continues it.\n"
             "\n"
             "merge: joins the folders of the N shards of one sweep (--shard 1/N .. N/N) into OUT, the same bytes as\n"
             "the sweep played in one go: runs/, config.ini, sweep.ini, sweep.csv, plots and report.html. Refused\n"
             "when the shards are of different sweeps, a shard is missing or given twice, or a run did not finish.\n"
             "\n");
    tool_cli_help_status (out, "done", "the run failed once under way (a dispatcher gone, a write error)");
    fprintf (out, "66 also for a scenario name found nowhere and (--resume) a DIR that holds no sweep; 73 also for\n"
                  "(--resume) a DIR that holds another sweep; 130 or 143: a sweep stopped, which --resume continues;\n"
                  "1 also for a sweep in which runs failed: the others are played and written, --resume plays the\n"
                  "failed ones again. Under mpirun (Open MPI) a sweep's runs are spread over the ranks.\n"
                  "merge: 66 a shard, its files or a run missing; 65 shards of different sweeps or a shard given\n"
                  "twice; 73 OUT holds other files or is a shard.\n");
}

/* robotaxi-sim merge -o OUT SHARD_DIR...: argv[0] is "merge". */
static int
s_merge_main (int argc, char **argv)
{
    static const struct option options[] = {
        {"out", required_argument, NULL, 'o'}, {"jobs", required_argument, NULL, 'j'},
        {"no-plots", no_argument, NULL, 'P'},  {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
    sim_run_opts_t opts = {.dispatcher = "inproc"};
    long jobs = sysconf (_SC_NPROCESSORS_ONLN);
    char err[2048];
    int c;
    if (jobs < 1)
        jobs = 1;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long (argc, argv, ":o:j:qh", options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'o': opts.out_dir = optarg; break;
        case 'j':
            jobs = strtol (optarg, &end, 10);
            if (*end || jobs < 1 || jobs > 256)
                return tool_cli_usage_error (PROG, "merge: --jobs: '%s' is not a count from 1 to 256", optarg);
            break;
        case 'P': opts.no_plots = 1; break;
        case 'q': opts.quiet = 1; break;
        case 'h': s_usage (stdout); return 0;
        default: return tool_cli_bad_option (PROG, c, argv, options);
        }
    }
    if (!opts.out_dir)
        return tool_cli_usage_error (PROG, "merge: -o OUT is required (the folder of the merged sweep)");
    if (optind >= argc)
        return tool_cli_usage_error (PROG, "merge: no shard folders given (merge -o OUT SHARD_DIR...)");
    int ran = sim_run_merge ((const char *const *) argv + optind, (size_t) (argc - optind), (int) jobs, &opts, err,
                             sizeof err);
    if (ran < 0) {
        fprintf (stderr, PROG ": %s\n", err);
        return ran == SIM_RUN_REFUSED ? EX_CANTCREAT : ran == SIM_RUN_NO_INPUT ? EX_NOINPUT
               : ran == SIM_RUN_BAD_DATA ? EX_DATAERR : 1;
    }
    if (!opts.quiet)
        printf ("merge: %d shard%s; results in %s/: sweep.csv, runs/NNNN/%s\n", argc - optind,
                argc - optind == 1 ? "" : "s", opts.out_dir, opts.no_plots ? "" : ", report.html, sweep_*.svg");
    return 0;
}

/* The program. Under mpirun (net of several ranks) only a sweep is played, its runs spread over the ranks; rank 0
 * alone prints and writes the sweep's files. *other_rank is set when a rank > 0 stopped because rank 0 did (which
 * tells why). */
static int
s_main (int argc, char **argv, const sim_pool_net_t *net, int *other_rank)
{
    enum { O_SET = 256, O_SEED, O_PUBLISH, O_WAIT, O_TIMEOUT, O_PRINT, O_HELPCFG, O_DAYS, O_NOPLOTS, O_SWEEP, O_SWEEP_SEEDS, O_JOBS, O_RECONNECT, O_CURVE_SECRET, O_CURVE_SERVER, O_STATE, O_EVENTS, O_RESUME, O_TRAJ, O_TRAJ_WINDOW, O_TRAJ_DAYS, O_TRAJ_VEHICLES, O_FCD_PERIOD, O_TRAJ_DATE, O_SHARD, O_REPLICATIONS };
    static const struct option options[] = {
        {"scenario", required_argument, NULL, 's'}, {"set", required_argument, NULL, O_SET},
        {"seed", required_argument, NULL, O_SEED},  {"out", required_argument, NULL, 'o'},
        {"dispatcher", required_argument, NULL, 'd'}, {"publish", required_argument, NULL, O_PUBLISH},
        {"wait-subscribers", required_argument, NULL, O_WAIT}, {"timeout", required_argument, NULL, O_TIMEOUT},
        {"reconnect", required_argument, NULL, O_RECONNECT}, {"policy", required_argument, NULL, 'p'},
        {"curve-secret", required_argument, NULL, O_CURVE_SECRET}, {"curve-server", required_argument, NULL, O_CURVE_SERVER},
        {"baseline", no_argument, NULL, 'b'},       {"quiet", no_argument, NULL, 'q'},
        {"days", required_argument, NULL, O_DAYS},  {"no-plots", no_argument, NULL, O_NOPLOTS},
        {"sweep", required_argument, NULL, O_SWEEP}, {"sweep-seeds", required_argument, NULL, O_SWEEP_SEEDS},
        {"replications", required_argument, NULL, O_REPLICATIONS},
        {"jobs", required_argument, NULL, O_JOBS}, {"state", required_argument, NULL, O_STATE},
        {"events", no_argument, NULL, O_EVENTS}, {"resume", no_argument, NULL, O_RESUME},
        {"shard", required_argument, NULL, O_SHARD},
        {"trajectories", no_argument, NULL, O_TRAJ}, {"traj-window", required_argument, NULL, O_TRAJ_WINDOW},
        {"traj-days", required_argument, NULL, O_TRAJ_DAYS}, {"traj-vehicles", required_argument, NULL, O_TRAJ_VEHICLES},
        {"fcd-period", required_argument, NULL, O_FCD_PERIOD}, {"traj-date", required_argument, NULL, O_TRAJ_DATE},
        {"print-config", no_argument, NULL, O_PRINT}, {"help-config", no_argument, NULL, O_HELPCFG},
        {"help", no_argument, NULL, 'h'},           {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    const char *scenario = NULL, *seed = NULL, *days = NULL, *policy = NULL;
    const char *curve_secret = NULL, *curve_server = NULL;
    disp_curve_keys_t keys;
    const char **sets = calloc ((size_t) argc, sizeof *sets);
    const char **sweeps = calloc ((size_t) argc, sizeof *sweeps);
    size_t nsets = 0, nsweeps = 0;
    unsigned long long sweep_seeds = 1;
    long jobs = sysconf (_SC_NPROCESSORS_ONLN);
    int print_config = 0, baseline = 0;
    double timeout_s = 10, reconnect_s = 60;
    sim_run_opts_t opts = {.dispatcher = "inproc", .out_dir = "out"};
    sim_traj_opts_t traj = {.period_s = SIM_TRAJ_PERIOD_S_DEFAULT, .date_unix_s = 1704067200 /* 2024-01-01 */};
    int trajectories = 0, traj_narrowed = 0;
    const char *traj_days = NULL;
    size_t shard_k = 0, shard_n = 0;
    sim_config_t *cfg = NULL;
    sim_sweep_t *sweep = NULL;
    char err[1024];
    int c, rc = 2;
    if (!sets || !sweeps) {
        rc = 1;
        goto out;
    }
    if (argc >= 2 && strcmp (argv[1], "merge") == 0) {
        if (net && net->size > 1)
            rc = tool_cli_usage_error (PROG, "merge: run it once, without mpirun (%d ranks would each write OUT)",
                                       net->size);
        else
            rc = s_merge_main (argc - 1, argv + 1);
        goto out;
    }
    if (jobs < 1)
        jobs = 1;
    opterr = 0; /* tool_cli's messages */
    while ((c = getopt_long (argc, argv, ":s:o:d:p:j:bqhV", options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's': scenario = optarg; break;
        case O_SET: sets[nsets++] = optarg; break;
        case O_SEED: seed = optarg; break;
        case O_DAYS: days = optarg; break;
        case 'p': policy = optarg; break;
        case O_CURVE_SECRET: curve_secret = optarg; break;
        case O_CURVE_SERVER: curve_server = optarg; break;
        case O_NOPLOTS: opts.no_plots = 1; break;
        case O_EVENTS: opts.events = 1; break;
        case O_TRAJ: trajectories = 1; break;
        case O_TRAJ_WINDOW:
            traj_narrowed = 1;
            if (sim_traj_parse_window (optarg, &traj, err, sizeof err) < 0) {
                tool_cli_usage_error (PROG, "%s", err);
                goto out;
            }
            break;
        case O_TRAJ_DATE:
            traj_narrowed = 1;
            if (sim_traj_parse_date (optarg, &traj, err, sizeof err) < 0) {
                tool_cli_usage_error (PROG, "%s", err);
                goto out;
            }
            break;
        case O_TRAJ_DAYS: traj_narrowed = 1; traj_days = optarg; break;
        case O_TRAJ_VEHICLES: traj_narrowed = 1; traj.vehicles = optarg; break;
        case O_FCD_PERIOD:
            traj_narrowed = 1;
            traj.period_s = (int) strtol (optarg, &end, 10);
            if (*end || end == optarg || traj.period_s < 0 || traj.period_s > 3600) {
                tool_cli_usage_error (PROG, "--fcd-period: '%s' is not a number of seconds from 0 to 3600", optarg);
                goto out;
            }
            break;
        case O_RESUME: opts.resume = 1; break;
        case O_SHARD:
            if (sim_shard_parse (optarg, &shard_k, &shard_n, err, sizeof err) < 0) {
                tool_cli_usage_error (PROG, "%s", err);
                goto out;
            }
            break;
        case O_SWEEP: sweeps[nsweeps++] = optarg; break;
        case O_SWEEP_SEEDS:
        case O_REPLICATIONS:
            sweep_seeds = strtoull (optarg, &end, 10);
            if (*end || optarg[0] == '-' || sweep_seeds < 1 || sweep_seeds > SIM_SWEEP_MAX_SEEDS) {
                tool_cli_usage_error (PROG, "%s: '%s' is not a count from 1 to %d",
                                      c == O_REPLICATIONS ? "--replications" : "--sweep-seeds", optarg,
                                      SIM_SWEEP_MAX_SEEDS);
                goto out;
            }
            break;
        case 'j':
        case O_JOBS:
            jobs = strtol (optarg, &end, 10);
            if (*end || jobs < 1 || jobs > 256) {
                tool_cli_usage_error (PROG, "--jobs: '%s' is not a count from 1 to 256", optarg);
                goto out;
            }
            break;
        case 'o': opts.out_dir = optarg; break;
        case 'd': opts.dispatcher = optarg; break;
        case O_PUBLISH: opts.publish = optarg; break;
        case O_STATE: opts.state = optarg; break;
        case O_WAIT:
            opts.wait_subscribers = (int) strtol (optarg, &end, 10);
            if (*end || opts.wait_subscribers < 0 || opts.wait_subscribers > 1000) {
                tool_cli_usage_error (PROG, "--wait-subscribers: '%s' is not a count from 0 to 1000", optarg);
                goto out;
            }
            break;
        case O_TIMEOUT:
            timeout_s = strtod (optarg, &end);
            if (*end || !(timeout_s > 0 && timeout_s <= 3600)) {
                tool_cli_usage_error (PROG, "--timeout: '%s' is not a number of seconds from 0 to 3600", optarg);
                goto out;
            }
            break;
        case O_RECONNECT:
            reconnect_s = strtod (optarg, &end);
            if (*end || !(reconnect_s >= 0 && reconnect_s <= 86400)) {
                tool_cli_usage_error (PROG, "--reconnect: '%s' is not a number of seconds from 0 to 86400", optarg);
                goto out;
            }
            break;
        case 'b': baseline = 1; break;
        case 'q': opts.quiet = 1; break;
        case O_PRINT: print_config = 1; break;
        case O_HELPCFG: sim_config_describe (stdout); rc = 0; goto out;
        case 'h': s_usage (stdout); rc = 0; goto out;
        case 'V': printf (PROG " " RT_VERSION "\n"); rc = 0; goto out;
        default: rc = tool_cli_bad_option (PROG, c, argv, options); goto out;
        }
    }
    if (optind < argc) {
        tool_cli_usage_error (PROG, "%s: unexpected argument", argv[optind]);
        goto out;
    }
    opts.timeout_ms = (int) (timeout_s * 1000);
    opts.reconnect_ms = (int) (reconnect_s * 1000);
    if (!curve_secret != !curve_server) {
        tool_cli_usage_error (PROG, "--curve-secret, --curve-server: the two go together");
        goto out;
    }
    if (curve_secret) {
        if (strcmp (opts.dispatcher, "inproc") == 0) {
            tool_cli_usage_error (PROG, "--curve-secret is for a remote --dispatcher");
            goto out;
        }
        if (disp_curve_keys_load (&keys, curve_secret, curve_server, err, sizeof err) < 0) {
            fprintf (stderr, PROG ": %s\n", err);
            rc = tool_cli_keys_status (curve_secret, curve_server);
            goto out;
        }
        opts.keys = &keys;
    }
    if (opts.publish && strcmp (opts.dispatcher, "inproc") != 0) {
        tool_cli_usage_error (PROG, "--publish is for --dispatcher inproc; a remote dispatcher publishes on its own "
                                    "--publish endpoint");
        goto out;
    }
    if (opts.state && !opts.publish) {
        tool_cli_usage_error (PROG, "--state goes with --publish (a remote dispatcher has its own --state)");
        goto out;
    }
    if (nsweeps > 0 && (opts.publish || strcmp (opts.dispatcher, "inproc") != 0)) {
        tool_cli_usage_error (PROG, "--sweep runs in process: it takes neither --dispatcher nor --publish");
        goto out;
    }
    if (traj_narrowed && !trajectories) {
        tool_cli_usage_error (PROG, "--traj-window, --traj-days, --traj-vehicles, --fcd-period and --traj-date go "
                                    "with --trajectories");
        goto out;
    }
    if (trajectories && nsweeps > 0) {
        tool_cli_usage_error (PROG, "--trajectories is for one run, not a --sweep");
        goto out;
    }
    if (traj_days) {
        unsigned long a, b;
        int n = 0;
        if (sscanf (traj_days, "%lu%n", &a, &n) == 1 && !traj_days[n])
            b = a;
        else if (n = 0, sscanf (traj_days, "%lu-%lu%n", &a, &b, &n) != 2 || traj_days[n])
            a = 0;
        if (a < 1 || b < a || b > 3650 || strchr (traj_days, '+') || traj_days[0] == '-') {
            tool_cli_usage_error (PROG, "--traj-days: '%s' is not a day N or days N-M of the run (from 1)", traj_days);
            goto out;
        }
        traj.first_day = (uint32_t) a;
        traj.last_day = (uint32_t) b;
    }
    if ((sweep_seeds > 1 || opts.resume || shard_n) && nsweeps == 0) {
        tool_cli_usage_error (PROG, "--replications (--sweep-seeds), --resume and --shard go with --sweep");
        goto out;
    }
    if (nsweeps > 0 && !shard_n) {
        /* a task of a Slurm job array plays its share unless told otherwise */
        char how[256];
        int got = sim_shard_from_env (&shard_k, &shard_n, how, sizeof how, err, sizeof err);
        if (got < 0) {
            tool_cli_usage_error (PROG, "%s", err);
            goto out;
        }
        if (got > 0 && !opts.quiet)
            fprintf (stderr, PROG ": sweep: %s\n", how);
    }

    cfg = malloc (sizeof *cfg);
    sweep = sim_sweep_new ();
    if (!cfg || !sweep) {
        rc = 1;
        goto out;
    }
    sim_config_defaults (cfg);
    /* From here on what is refused is the scenario or a value of it, not the command line's form. */
    if (scenario) {
        /* a bare name that is no file here is an installed scenario: -s wuhan-2024 */
        sim_data_dirs_t dirs;
        char path[SIM_DATA_PATH_MAX];
        sim_data_dirs_self (&dirs, RT_DATADIR_FROM_BIN, RT_DATADIR);
        if (sim_data_find (&dirs, scenario, ".ini", path, sizeof path, err, sizeof err) < 0) {
            rc = EX_NOINPUT;
            goto fail;
        }
        int loaded = sim_config_load (cfg, path, err, sizeof err);
        if (loaded < 0) {
            rc = loaded == SIM_CONFIG_UNREADABLE ? EX_NOINPUT : EX_CONFIG;
            goto fail;
        }
    }
    rc = EX_CONFIG;
    for (size_t i = 0; i < nsets; i++)
        if (sim_config_set (cfg, sets[i], err, sizeof err) < 0)
            goto fail;
    if (seed && sim_config_set_key (cfg, "scenario.seed", seed, "--seed: ", err, sizeof err) < 0)
        goto fail;
    if (policy && sim_config_set_key (cfg, "dispatch.policy", policy, "--policy: ", err, sizeof err) < 0)
        goto fail;
    if (days && sim_config_set_key (cfg, "scenario.days", days, "--days: ", err, sizeof err) < 0)
        goto fail;
    if (baseline && sim_config_set_key (cfg, "scenario.baseline", "1", "--baseline: ", err, sizeof err) < 0)
        goto fail;
    if (sim_config_check (cfg, err, sizeof err) < 0)
        goto fail;
    for (size_t i = 0; i < nsweeps; i++)
        if (sim_sweep_add (sweep, cfg, sweeps[i], err, sizeof err) < 0)
            goto fail;
    if (sim_sweep_set_seeds (sweep, sweep_seeds, err, sizeof err) < 0 || sim_sweep_check (sweep, cfg, err, sizeof err) < 0)
        goto fail;
    if (shard_n) {
        if (sim_sweep_set_shard (sweep, shard_k, shard_n, err, sizeof err) < 0)
            goto fail;
        opts.shard = 1;
    }
    if (trajectories) {
        uint32_t picked;
        if (traj.last_day > (uint32_t) cfg->scenario.days) {
            rc = tool_cli_usage_error (PROG, "--traj-days: the run has %lld day%s", (long long) cfg->scenario.days,
                                       cfg->scenario.days == 1 ? "" : "s");
            goto out;
        }
        if (sim_traj_check_vehicles (traj.vehicles, (uint32_t) cfg->human.drivers, (uint32_t) cfg->robotaxi.fleet_size,
                                     &picked, err, sizeof err) < 0) {
            rc = tool_cli_usage_error (PROG, "%s", err);
            goto out;
        }
        opts.traj = &traj;
    }
    if (print_config) {
        sim_config_write (cfg, stdout);
        rc = 0;
        goto out;
    }
    if (net && net->size > 1 && nsweeps == 0) {
        rc = tool_cli_usage_error (PROG, "%d MPI ranks: only a --sweep spreads its runs over ranks (run one day "
                                   "without mpirun)", net->size);
        goto out;
    }
    if (net && net->size > 1) {
        opts.net = net;
        opts.quiet |= net->rank > 0;   /* rank 0 tells the progress */
    }
    /* a map.file that cannot be read is refused before anything is written */
    rc = EX_NOINPUT;
    if (sim_config_check_files (cfg, err, sizeof err) < 0)
        goto fail;
    if (nsweeps > 0) {
        /* a signal stops the sweep after the runs under way, which then writes what they found; a second one
         * (SA_RESETHAND) ends the program at once */
        struct sigaction sa;
        memset (&sa, 0, sizeof sa);
        sa.sa_handler = s_on_stop;
        sa.sa_flags = SA_RESTART | SA_RESETHAND;
        sigemptyset (&sa.sa_mask);
        sigaction (SIGINT, &sa, NULL);
        sigaction (SIGTERM, &sa, NULL);
        opts.stop = &s_stop;
    }
    opts.route_thread = jobs > 1;
    int ran = nsweeps > 0 ? sim_run_sweep (cfg, sweep, (int) jobs, &opts, err, sizeof err)
                          : sim_run (cfg, &opts, err, sizeof err);
    rc = ran == SIM_RUN_REFUSED ? EX_CANTCREAT : ran == SIM_RUN_NO_SWEEP ? EX_NOINPUT
         : ran == SIM_RUN_BAD_MAP ? EX_CONFIG : ran == SIM_RUN_BAD_DATA ? EX_DATAERR
         : ran == SIM_RUN_NO_INPUT ? EX_NOINPUT : 1;
    if (ran == SIM_RUN_STOPPED) {
        rc = 128 + s_stop;   /* as a shell reports a program a signal ended: 130 SIGINT, 143 SIGTERM */
        goto out;
    }
    if (ran == SIM_RUN_RUNS_FAILED)
        goto fail;           /* 1, with the first failed run; the others were played and written */
    if (ran == SIM_RUN_OTHER_RANK) {
        *other_rank = 1;     /* rank 0 says why */
        goto out;
    }
    if (ran < 0)
        goto fail;
    if (opts.net && opts.net->rank > 0) {
        rc = 0;              /* this rank's share of the runs is played; rank 0 tells */
        goto out;
    }
    if (nsweeps > 0 && opts.shard)
        printf ("sweep: shard %zu/%zu: %zu of %zu runs; results in %s/: runs/NNNN/%s, shard.ini (" PROG " merge -o "
                "OUT SHARD_DIR... joins the %zu shards)\n", shard_k, shard_n, sim_sweep_shard_runs (sweep),
                sim_sweep_runs (sweep), opts.out_dir, opts.events ? " (with events.csv)" : "", shard_n);
    else if (nsweeps > 0)
        printf ("sweep: %zu runs; results in %s/: sweep.csv, %sruns/NNNN/%s%s\n", sim_sweep_runs (sweep), opts.out_dir,
                sim_sweep_seeds (sweep) > 1 ? "sweep_points.csv, " : "", opts.events ? " (with events.csv)" : "",
                opts.no_plots ? "" : ", report.html, sweep_*.svg");
    rc = 0;
    goto out;
fail:
    fprintf (stderr, PROG ": %s\n", err);
out:
    sim_sweep_destroy (&sweep);
    free (cfg);
    free (sets);
    free (sweeps);
    return rc;
}

int
main (int argc, char **argv)
{
    int other_rank = 0;
#ifdef RT_HAVE_MPI
    if (sim_ranks_launched ()) {
        char err[1024];
        sim_ranks_t *ranks = sim_ranks_open (&argc, &argv, err, sizeof err);
        if (!ranks) {
            fprintf (stderr, PROG ": %s\n", err);
            return 1;
        }
        int rc = s_main (argc, argv, sim_ranks_net (ranks), &other_rank);
        if (rc != 0 && rc != TOOL_CLI_USAGE && sim_ranks_rank (ranks) > 0 && !other_rank)
            sim_ranks_abort (ranks, rc);   /* rank 0 would wait for this rank's runs for ever */
        sim_ranks_close (&ranks);
        return rc;
    }
#endif
    return s_main (argc, argv, NULL, &other_rank);
}
