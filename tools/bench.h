/* bench: the benchmarks robotaxi-bench runs, one function per subcommand. */
#ifndef BENCH_H
#define BENCH_H

/* `robotaxi-bench routing ...`: argv[0] is "routing". Returns the process exit code. */
int bench_routing_main (int argc, char **argv);

/* `robotaxi-bench dispatch ...`: argv[0] is "dispatch". Returns the process exit code. */
int bench_dispatch_main (int argc, char **argv);

/* `robotaxi-bench scale ...`: issue 17's targets and growth table; argv[0] is "scale". Returns the exit code. */
int bench_scale_main (int argc, char **argv);

#endif
