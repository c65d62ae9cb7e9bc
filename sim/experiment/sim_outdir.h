/* sim_outdir: a results folder that tells the truth. Before robotaxi-sim writes a run or a sweep into DIR, the files
 * an earlier run or sweep of it left there are removed, so that no summary, plot or table of another run stands beside
 * the new ones (report.html links every data file of its folder). A folder that holds anything else is refused, with
 * the names of what is there, and nothing in it is touched: only names robotaxi-sim writes are ever removed. */
#ifndef SIM_OUTDIR_H
#define SIM_OUTDIR_H

#include <stddef.h>

/* sim_outdir_prepare's answer for a folder that holds what robotaxi-sim did not write. */
#define SIM_OUTDIR_REFUSED (-2)

enum {
    SIM_OUTDIR_CHECK = 1,       /* only check: remove nothing (a refusal before a long map import, not after) */
    SIM_OUTDIR_KEEP_SWEEP = 2,  /* --resume: keep runs/, config.ini, sweep.ini and shard.ini, the sweep continued */
    SIM_OUTDIR_IN_SWEEP = 4,    /* DIR is a run folder of a sweep (runs/NNNN): robotaxi-sim's by its place */
};

/* Makes DIR ready for robotaxi-sim's outputs, creating it (and its parents) when missing. Names that start with '.'
 * are neither counted nor removed. Every other entry must be robotaxi-sim's:
 *   - the files of a run or a sweep: config.ini, summary.json, costs.csv, costcurve.csv, hourly.csv, days.csv,
 *     fares.csv, waits.csv, choice.csv, drivers.csv, events.csv, headline.csv, report.html, sweep.csv, sweep_points.csv, sweep.ini,
 *     shard.ini (a shard of a sweep, sim_shard), trips.geojson, fcd.csv, roads.geojson, requests.csv, map_frames.json, and NAME.part of each (a file being
 *     written when a run was killed);
 *   - NAME.svg beside gnuplot/NAME.gp (the plot drawn from that script), and gnuplot/ holding .gp and .dat files;
 *   - runs/ holding run folders named by digits (runs/0042), each holding only the files above;
 * and, unless flags has SIM_OUTDIR_IN_SWEEP, DIR must hold robotaxi-sim's config.ini (its first line is
 * SIM_CONFIG_BANNER): a folder of files that merely have these names is someone else's.
 * Then removes them (with SIM_OUTDIR_KEEP_SWEEP all but runs/, config.ini, sweep.ini and shard.ini; nothing with
 * SIM_OUTDIR_CHECK) and returns 0. Otherwise removes nothing and returns SIM_OUTDIR_REFUSED with "DIR: holds files
 * robotaxi-sim did not write: a, b/, ... (move them away or choose another output folder)" in err, at most 6 names
 * and then how many more. -1 with "PATH: why" when a folder cannot be made, read or emptied. */
int sim_outdir_prepare (const char *dir, unsigned flags, char *err, size_t errlen);

#endif
