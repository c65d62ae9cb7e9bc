/* regress_cli: robotaxi-regress's options, table, messages and exit status. */
#define _XOPEN_SOURCE 700 /* clock_gettime */
#include "regress_cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "disp_policy.h"
#include "sim_data.h"
#include "sim_regress.h"
#include "tool_cli.h"
#ifdef RT_HAVE_MPI
#include "sim_ranks.h"
#endif

#define S_CELL_LEN 160

static void
s_usage (FILE *out, const char *prog, const disp_policy_t *own, size_t own_count)
{
    fprintf (out,
             "Usage: %s [OPTION]...\n"
             "Play a suite of scenarios with every dispatch policy, each scenario with its fixed seed and the same day\n"
             "without robotaxis beside it, and compare the headline metrics with the suite's baselines: a side-by-side\n"
             "table of policies and scenarios on stdout, each change beyond its tolerance marked (WORSE or better).\n"
             "\n"
             "      --suite DIR           the suite (default: tests/policies, or where there is none the installed\n"
             "                            suite, policies/ in the data folder): scenario files DIR/NAME.ini, the\n"
             "                            gated metrics DIR/tolerances.csv, the baselines DIR/baselines.csv\n"
             "      --scenario NAME       play only this scenario (repeatable; default: all of the suite)\n"
             "  -p, --policy NAME         play only this policy (repeatable; default: every policy)\n"
             "  -o, --out DIR             output folder (default: regress-out)\n"
             "  -j, --jobs N              runs in parallel on N threads (default: the number of CPUs)\n"
             "  -d, --dispatcher WHERE    'inproc' (default) or a robotaxi-dispatcher endpoint such as\n"
             "                            tcp://127.0.0.1:5555: the runs then go over ZeroMQ (same results)\n"
             "      --set KEY=VALUE       set a scenario parameter in every scenario (repeatable)\n"
             "      --set SCENARIO:KEY=VALUE  ...in one scenario, e.g. --set osm-monaco:map.file=PATH\n"
             "      --bless               rewrite DIR/baselines.csv from the runs made (rows of runs not made are\n"
             "                            kept); nothing else ever writes it\n"
             "  -q, --quiet               no progress lines\n"
             "      --no-plots            skip regress.svg and report.html (they need gnuplot)\n"
             "      --events              write each run's events.csv (compare two with robotaxi-eventdiff)\n"
             "  -h, --help                this help\n"
             "  -V, --version             version\n"
             "\n"
             "A change in a metric's worse direction is a regression when it exceeds max(relative x |baseline|,\n"
             "absolute) of tolerances.csv (metric,better,relative,absolute; better is lower or higher).\n"
             "Outputs in DIR: regress.csv (scenario,policy,seed,metric,better,baseline,value,change,tolerance,status),\n"
             "regress.svg and report.html (the changes in units of tolerance), runs/SCENARIO/POLICY/ (each run's\n"
             "files and config.ini), maps/ (import caches of OSM maps).\n"
             "\n",
             prog);
    tool_cli_help_status (out, "every gated metric within tolerance or better (or baselines blessed)",
                          "a regression, a run without a baseline (add it with --bless), a failed run or a chart "
                          "gnuplot failed on");
    if (own_count) {
        fprintf (out, "\nThis program's own policies, played in process in place of the built-in of the same name:\n");
        for (size_t i = 0; i < own_count; i++)
            fprintf (out, "  %-10s %s\n", own[i].name, own[i].summary ? own[i].summary : "");
    }
}

static double
s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The unit a metric's name ends in, as the table shows it after a number. */
static const char *
s_unit (const char *metric)
{
    size_t n = strlen (metric);
    if (n > 2 && strcmp (metric + n - 2, "_s") == 0)
        return " s";
    if (n > 5 && strcmp (metric + n - 5, "_yuan") == 0)
        return " yuan";
    return "";
}

/* A figure as the table shows it: four significant digits or so, whole numbers from 1000 on, then the unit. */
static void
s_figure (char *buf, size_t len, double v, const char *unit)
{
    double a = fabs (v);
    if (!isfinite (v))
        snprintf (buf, len, "%g%s", v, unit);
    else if (a >= 1000)
        snprintf (buf, len, "%.0f%s", v, unit);
    else if (a >= 100)
        snprintf (buf, len, "%.1f%s", v, unit);
    else if (a >= 1)
        snprintf (buf, len, "%.2f%s", v, unit);
    else
        snprintf (buf, len, "%.4f%s", v, unit);
}

/* The change as the table shows it: per cent of the baseline, or the difference when the baseline is 0. */
static void
s_change (char *buf, size_t len, const sim_regress_cell_t *cell, const char *unit)
{
    if (!isfinite (cell->change))
        snprintf (buf, len, "%s", isnan (cell->change) ? "" : "changed");
    else if (cell->change == 0 && cell->baseline == 0)
        snprintf (buf, len, "+0");
    else if (cell->baseline != 0)
        snprintf (buf, len, "%+.1f%%", 100 * cell->change / fabs (cell->baseline));
    else {
        char fig[32];
        s_figure (fig, sizeof fig, cell->change, unit);
        snprintf (buf, len, "%s%.31s", cell->change >= 0 ? "+" : "", fig);
    }
}

static void
s_cell_text (char *buf, size_t len, const sim_regress_cell_t *cell, const char *metric)
{
    static const char *const marks[SIM_REGRESS_STATUS_COUNT] = {"", "better", "WORSE", "new", "FAILED"};
    const char *unit = s_unit (metric);
    if (cell->status == SIM_REGRESS_FAILED) {
        snprintf (buf, len, "FAILED");
        return;
    }
    char fig[48], change[48];
    s_figure (fig, sizeof fig, cell->value, unit);
    s_change (change, sizeof change, cell, unit);
    snprintf (buf, len, "%s%s%s%s%s", fig, change[0] ? "  " : "", change, marks[cell->status][0] ? "  " : "",
              marks[cell->status]);
}

/* "5% or 10 s", "5%", "10 s" or "none". */
static void
s_tolerance_text (char *buf, size_t len, const sim_regress_metric_t *m)
{
    const char *unit = s_unit (m->name);
    if (m->relative > 0 && m->absolute > 0)
        snprintf (buf, len, "%g%% or %g%s", 100 * m->relative, m->absolute, unit);
    else if (m->relative > 0)
        snprintf (buf, len, "%g%%", 100 * m->relative);
    else if (m->absolute > 0)
        snprintf (buf, len, "%g%s", m->absolute, unit);
    else
        snprintf (buf, len, "none");
}

/* The side-by-side table: policies as columns, each scenario's gated metrics as rows. */
static void
s_print_table (const sim_regress_t *r)
{
    size_t ns = sim_regress_scenarios (r), np = sim_regress_policies (r), nm = sim_regress_metrics (r);
    size_t name_w = 8, cell_w = 8;
    char cell[S_CELL_LEN];
    for (size_t m = 0; m < nm; m++)
        if (strlen (sim_regress_metric (r, m)->name) + 4 > name_w)
            name_w = strlen (sim_regress_metric (r, m)->name) + 4;
    for (size_t p = 0; p < np; p++)
        if (strlen (sim_regress_policy (r, p)) > cell_w)
            cell_w = strlen (sim_regress_policy (r, p));
    for (size_t s = 0; s < ns; s++)
        for (size_t p = 0; p < np; p++)
            for (size_t m = 0; m < nm; m++) {
                s_cell_text (cell, sizeof cell, sim_regress_cell (r, s, p, m), sim_regress_metric (r, m)->name);
                if (strlen (cell) > cell_w)
                    cell_w = strlen (cell);
            }
    printf ("%-*s", (int) name_w, "");
    for (size_t p = 0; p < np; p++)
        printf ("  %-*s", (int) cell_w, sim_regress_policy (r, p));
    printf ("\n");
    for (size_t s = 0; s < ns; s++) {
        printf ("%s (seed %llu)\n", sim_regress_scenario (r, s), (unsigned long long) sim_regress_seed (r, s));
        for (size_t m = 0; m < nm; m++) {
            const char *metric = sim_regress_metric (r, m)->name;
            printf ("  %-*s", (int) name_w - 2, metric);
            for (size_t p = 0; p < np; p++) {
                s_cell_text (cell, sizeof cell, sim_regress_cell (r, s, p, m), metric);
                printf ("  %-*s", (int) cell_w, cell);
            }
            printf ("\n");
        }
    }
}

/* Each regression in words, then the runs without baselines and the failed runs. */
static void
s_print_findings (const sim_regress_t *r)
{
    size_t ns = sim_regress_scenarios (r), np = sim_regress_policies (r), nm = sim_regress_metrics (r);
    if (sim_regress_count (r, SIM_REGRESS_WORSE))
        printf ("\nregressions:\n");
    for (size_t s = 0; s < ns; s++)
        for (size_t p = 0; p < np; p++)
            for (size_t m = 0; m < nm; m++) {
                const sim_regress_cell_t *c = sim_regress_cell (r, s, p, m);
                const sim_regress_metric_t *metric = sim_regress_metric (r, m);
                if (c->status != SIM_REGRESS_WORSE)
                    continue;
                char value[48], base[48], change[48], tol[96];
                const char *unit = s_unit (metric->name);
                s_figure (value, sizeof value, c->value, unit);
                s_figure (base, sizeof base, c->baseline, unit);
                s_change (change, sizeof change, c, unit);
                s_tolerance_text (tol, sizeof tol, metric);
                printf ("  %s / %s: %s %s against %s (%s, tolerance %s; %s is better)\n", sim_regress_scenario (r, s),
                        sim_regress_policy (r, p), metric->name, value, base, change, tol,
                        metric->better == SIM_REGRESS_LOWER ? "lower" : "higher");
            }
    for (size_t s = 0; s < ns; s++)
        for (size_t p = 0; p < np; p++) {
            size_t fresh = 0;
            for (size_t m = 0; m < nm; m++)
                fresh += sim_regress_cell (r, s, p, m)->status == SIM_REGRESS_NEW;
            if (fresh)
                printf ("new: %s / %s has no baseline for %zu of %zu metrics (add them with --bless)\n",
                        sim_regress_scenario (r, s), sim_regress_policy (r, p), fresh, nm);
            if (sim_regress_failure (r, s, p))
                printf ("failed: %s / %s: %s\n", sim_regress_scenario (r, s), sim_regress_policy (r, p),
                        sim_regress_failure (r, s, p));
        }
}

/* A count from 1 to 256 in text, or -1. */
static long
s_jobs (const char *text)
{
    char *end;
    long n = strtol (text, &end, 10);
    return *end || end == text || n < 1 || n > 256 ? -1 : n;
}

/* The program. Under mpirun (net of several ranks) the runs are spread over the ranks and rank 0 alone compares,
 * prints and writes; *fatal is set when playing the suite failed (another rank may then be waiting for this one). */
static int
s_regress (int argc, char **argv, const disp_policy_t *own, size_t own_count, const sim_pool_net_t *net,
           int *fatal)
{
    enum { O_SCENARIO = 256, O_SET, O_BLESS, O_NOPLOTS, O_EVENTS };
    static const struct option options[] = {
        {"suite", required_argument, NULL, 's'},      {"scenario", required_argument, NULL, O_SCENARIO},
        {"policy", required_argument, NULL, 'p'},     {"out", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},       {"dispatcher", required_argument, NULL, 'd'},
        {"set", required_argument, NULL, O_SET},      {"bless", no_argument, NULL, O_BLESS},
        {"quiet", no_argument, NULL, 'q'},            {"no-plots", no_argument, NULL, O_NOPLOTS},
        {"events", no_argument, NULL, O_EVENTS},      {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},          {NULL, 0, NULL, 0}};
    const char *prog = strrchr (argv[0], '/') ? strrchr (argv[0], '/') + 1 : argv[0];
    const char *suite = "tests/policies";
    char suite_path[SIM_DATA_PATH_MAX];
    int suite_given = 0;
    const char **scenarios = calloc ((size_t) argc, sizeof *scenarios);
    const char **policies = calloc ((size_t) argc, sizeof *policies);
    const char **sets = calloc ((size_t) argc, sizeof *sets);
    size_t nscenarios = 0, npolicies = 0, nsets = 0;
    long jobs = sysconf (_SC_NPROCESSORS_ONLN);
    int bless = 0, rc = 2, c;
    sim_regress_opts_t opts = {.prog = prog, .out_dir = "regress-out", .dispatcher = "inproc", .timeout_ms = 10000};
    sim_regress_t *r = NULL;
    char err[2048];
    if (!scenarios || !policies || !sets) {
        fprintf (stderr, "%s: out of memory\n", prog);
        rc = 1;
        goto out;
    }
    if (jobs < 1)
        jobs = 1;
    opterr = 0; /* tool_cli's messages */
    while ((c = getopt_long (argc, argv, ":p:o:j:d:qhV", options, NULL)) != -1) {
        switch (c) {
        case 's': suite = optarg; suite_given = 1; break; /* --suite: no short form (-s is a scenario elsewhere) */
        case O_SCENARIO: scenarios[nscenarios++] = optarg; break;
        case 'p': policies[npolicies++] = optarg; break;
        case 'o': opts.out_dir = optarg; break;
        case 'j':
            jobs = s_jobs (optarg);
            if (jobs < 0) {
                rc = tool_cli_usage_error (prog, "--jobs: '%s' is not a count from 1 to 256", optarg);
                goto out;
            }
            break;
        case 'd': opts.dispatcher = optarg; break;
        case O_SET: sets[nsets++] = optarg; break;
        case O_BLESS: bless = 1; break;
        case 'q': opts.quiet = 1; break;
        case O_NOPLOTS: opts.no_plots = 1; break;
        case O_EVENTS: opts.events = 1; break;
        case 'h': s_usage (stdout, prog, own, own_count); rc = 0; goto out;
        case 'V': printf ("%s %s\n", prog, RT_VERSION); rc = 0; goto out;
        default: rc = tool_cli_bad_option (prog, c, argv, options); goto out;
        }
    }
    if (optind < argc) {
        rc = tool_cli_usage_error (prog, "%s: unexpected argument", argv[optind]);
        goto out;
    }
    opts.jobs = (int) jobs;
    if (own_count && strcmp (opts.dispatcher, "inproc") != 0) {
        rc = tool_cli_usage_error (prog, "--dispatcher %s: this program's own policies (%s%s) run in process only; a "
                                   "remote dispatcher knows only its built-ins", opts.dispatcher, own[0].name,
                                   own_count > 1 ? ", ..." : "");
        goto out;
    }
    if (!suite_given && access (suite, F_OK) != 0) {
        /* not in a checkout: the installed suite, found as robotaxi-sim finds installed scenarios */
        sim_data_dirs_t dirs;
        sim_data_dirs_self (&dirs, RT_DATADIR_FROM_BIN, RT_DATADIR);
        for (size_t i = 0; i < dirs.count; i++) {
            int n = snprintf (suite_path, sizeof suite_path, "%s/policies", dirs.dir[i]);
            if (n > 0 && (size_t) n < sizeof suite_path && access (suite_path, F_OK) == 0) {
                suite = suite_path;
                break;
            }
        }
    }
    int unreadable = 0;
    r = sim_regress_open (suite, own, own_count, &unreadable, err, sizeof err);
    if (!r) {
        rc = unreadable ? EX_NOINPUT : EX_CONFIG;
        goto fail;
    }
    /* --scenario and --policy name what to play: a name not in the suite is bad usage (2) */
    for (size_t i = 0; i < nscenarios; i++)
        if (sim_regress_pick_scenario (r, scenarios[i], err, sizeof err) < 0)
            goto fail;
    for (size_t i = 0; i < npolicies; i++)
        if (sim_regress_pick_policy (r, policies[i], err, sizeof err) < 0)
            goto fail;
    /* a value refused in a scenario, from --set or its file */
    rc = EX_CONFIG;
    for (size_t i = 0; i < nsets; i++)
        if (sim_regress_set (r, sets[i], err, sizeof err) < 0)
            goto fail;
    if (sim_regress_check (r, err, sizeof err) < 0)
        goto fail;
    for (size_t i = 0; i < own_count && !opts.quiet; i++)
        fprintf (stderr, "%s: own policy '%s': %s\n", prog, own[i].name, own[i].summary ? own[i].summary : "");

    rc = 1;
    double t0 = s_now_s ();
    if (net && net->size > 1) {
        opts.net = net;
        opts.quiet |= net->rank > 0;   /* rank 0 tells the progress */
    }
    if (sim_regress_run (r, &opts, err, sizeof err) < 0) {
        *fatal = 1;
        goto fail;
    }
    if (opts.net && opts.net->rank > 0) {
        rc = 0;   /* this rank's share of the runs is played; rank 0 compares, writes and tells */
        goto out;
    }
    double wall_s = s_now_s () - t0;
    size_t ns = sim_regress_scenarios (r), np = sim_regress_policies (r), failed = 0;
    for (size_t s = 0; s < ns; s++)
        for (size_t p = 0; p < np; p++)
            failed += sim_regress_failure (r, s, p) != NULL;
    size_t worse = sim_regress_count (r, SIM_REGRESS_WORSE), fresh = sim_regress_count (r, SIM_REGRESS_NEW);
    printf ("%s: %zu scenario%s x %zu polic%s against %s\n\n", prog, ns, ns == 1 ? "" : "s", np,
            np == 1 ? "y" : "ies", sim_regress_baselines_path (r));
    s_print_table (r);
    s_print_findings (r);
    size_t runs = ns * np, threads = (size_t) opts.jobs < runs ? (size_t) opts.jobs : runs;
    printf ("\n%zu run%s in %.1f s on %zu thread%s (%zu failed); %zu metrics compared: %zu within tolerance, %zu "
            "better, %zu WORSE, %zu new\n",
            runs, runs == 1 ? "" : "s", wall_s, threads, threads == 1 ? "" : "s", failed,
            ns * np * sim_regress_metrics (r) - sim_regress_count (r, SIM_REGRESS_FAILED),
            sim_regress_count (r, SIM_REGRESS_WITHIN), sim_regress_count (r, SIM_REGRESS_BETTER), worse, fresh);
    /* a chart gnuplot failed on is not among the results, and fails the run once the verdict is out */
    const char *chart_why;
    int chart = sim_regress_chart (r, &chart_why);
    printf ("results in %s/: regress.csv%s%s, runs/SCENARIO/POLICY/\n", opts.out_dir,
            chart > 0 ? ", regress.svg" : "", opts.no_plots || chart < 0 ? "" : ", report.html");
    if (chart < 0)
        fprintf (stderr, "%s: %s\n", prog, chart_why);
    if (bless) {
        size_t changed, added, dropped;
        if (sim_regress_bless (r, &changed, &added, &dropped, err, sizeof err) < 0)
            goto fail;
        printf ("blessed %s: %zu value%s changed, %zu added, %zu dropped\n", sim_regress_baselines_path (r), changed,
                changed == 1 ? "" : "s", added, dropped);
        rc = chart < 0;
        goto out;
    }
    if (worse || fresh || failed) {
        fprintf (stderr, "%s: %zu regression%s, %zu metric%s without a baseline, %zu failed run%s\n", prog, worse,
                 worse == 1 ? "" : "s", fresh, fresh == 1 ? "" : "s", failed, failed == 1 ? "" : "s");
        goto out;
    }
    rc = chart < 0;
    goto out;
fail:
    if (rc == TOOL_CLI_USAGE)
        tool_cli_usage_error (prog, "%s", err); /* --scenario or --policy naming none of the suite */
    else
        fprintf (stderr, "%s: %s\n", prog, err);
out:
    sim_regress_destroy (&r);
    free (scenarios);
    free (policies);
    free (sets);
    return rc;
}

int
regress_cli (int argc, char **argv, const disp_policy_t *own, size_t own_count)
{
    int fatal = 0;
#ifdef RT_HAVE_MPI
    if (sim_ranks_launched ()) {
        char err[1024];
        sim_ranks_t *ranks = sim_ranks_open (&argc, &argv, err, sizeof err);
        if (!ranks) {
            fprintf (stderr, "%s: %s\n", argv[0], err);
            return 1;
        }
        int rc = s_regress (argc, argv, own, own_count, sim_ranks_net (ranks), &fatal);
        if (sim_ranks_size (ranks) > 1 && (fatal || (rc != 0 && rc != TOOL_CLI_USAGE && sim_ranks_rank (ranks) > 0)))
            sim_ranks_abort (ranks, rc);   /* the other ranks would wait for this one for ever */
        sim_ranks_close (&ranks);
        return rc;
    }
#endif
    return s_regress (argc, argv, own, own_count, NULL, &fatal);
}
