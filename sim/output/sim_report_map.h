/* sim_report_map: report.html's map of a run with trajectories (robotaxi-sim --trajectories): the roads of
 * roads.geojson, the demand density of requests.csv and the vehicles of map_frames.json, read into a compact form and
 * written into the page as data and a hand-written script that draws them on a <canvas> (README "The map in
 * report.html").
 *
 * What the page holds, so it stays light with a default day (~2,800 vehicles, ~1.7 million fcd.csv rows):
 *   - positions quantized to the roads' bounding box, 0..SIM_REPORT_MAP_GRID on each axis;
 *   - roads: every segment up to SIM_REPORT_MAP_SEGMENTS_MAX; above, the smaller classes are left out (local, then
 *     secondary, ...) until the rest fit, and the page says so;
 *   - demand: requests counted on a grid of SIM_REPORT_MAP_HEAT_COLS columns (rows to the map's shape), not points;
 *   - vehicles: fcd.csv's first day only, one frame every frame_s seconds (the file's period, doubled while the
 *     frames would hold more than SIM_REPORT_MAP_DOTS_MAX positions: 120 s for a default day sampled every 60 s);
 *     all vehicles up to SIM_REPORT_MAP_VEHICLES_MAX, above that as many, evenly spaced in the order of their ids.
 *
 * The vehicles' frames are made while the run samples them: robotaxi-sim gives a frames builder (below) every fcd.csv
 * row as it writes it, and the builder writes map_frames.json, the frames and dots exactly as the page embeds them
 * (~7 MB for a default day), so the report copies them instead of reading the 90 MB fcd.csv. A folder with fcd.csv
 * and no map_frames.json (written by an older robotaxi-sim, or the file removed) is read the slow way: fcd.csv once,
 * through the same builder, so both ways keep the same frames. */
#ifndef SIM_REPORT_MAP_H
#define SIM_REPORT_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_REPORT_MAP_GRID         4095   /* positions are 12-bit on each axis */
#define SIM_REPORT_MAP_SEGMENTS_MAX 60000
#define SIM_REPORT_MAP_HEAT_COLS    160
#define SIM_REPORT_MAP_VEHICLES_MAX 4000
#define SIM_REPORT_MAP_DOTS_MAX     1000000   /* 6 bytes each: 8 MB of base64 at most */
#define SIM_REPORT_MAP_FRAMES_FILE  "map_frames.json"

typedef struct sim_report_map_t sim_report_map_t;
typedef struct sim_report_map_frames_t sim_report_map_frames_t;

/* Limits; a zero field takes the default above (the tests set small ones). */
typedef struct {
    size_t vehicles_max;
    size_t segments_max;
    size_t dots_max;
    int frame_s;   /* the shortest frame step (0: fcd.csv's period) */
} sim_report_map_opts_t;

typedef struct {
    size_t segments, segments_drawn;   /* in roads.geojson, and on the map */
    char classes_left_out[128];        /* "local, secondary" or "" */
    size_t requests, requests_outside;   /* rows of requests.csv on the map's day, and those off the map */
    size_t fcd_rows;                   /* rows of fcd.csv's first day */
    int day;                           /* that day (0: no fcd.csv) */
    int fcd_period_s;                  /* between its first two sample times (0: one sample) */
    int frame_s;                       /* between frames */
    size_t vehicles, vehicles_kept;    /* seen on the day, and drawn */
    size_t frames, dots;               /* frames, and vehicle positions in them */
    size_t data_bytes;                 /* the page's map data (base64 and JSON), without the script */
    int from_frames_file;              /* the vehicles came from map_frames.json (0: from fcd.csv, or none) */
} sim_report_map_stats_t;

/* One vehicle in a frame, read back (for the tests). */
typedef struct {
    uint32_t vehicle;   /* its id in fcd.csv */
    double lon, lat;  /* its place, as quantized */
    const char *fleet, *state;
} sim_report_map_dot_t;

/* Reads dir's roads.geojson, requests.csv and map_frames.json (without it, fcd.csv) into *map. 0 with *map NULL
 * when there is no roads.geojson (no map); 0 with *map set (requests.csv and the vehicles' files may be missing: no
 * density, no vehicles); -1 with "PATH:LINE: why" or "PATH: why" in err (a missing column, a bad number or name,
 * fcd.csv going back in time, a map_frames.json not as written, out of memory). opts may be NULL (the defaults);
 * its vehicles_max, dots_max and frame_s apply to fcd.csv only (map_frames.json was made with the writer's). The
 * map's box is map_frames.json's when there is one. The caller destroys *map. */
int sim_report_map_load (const char *dir, const sim_report_map_opts_t *opts, sim_report_map_t **map, char *err,
                         size_t errlen);

/* A frames builder for a map of the roads' bounds (lon_min .. lat_max, degrees: the page's box is made from them
 * the same way) with opts' limits (NULL: the defaults). NULL when out of memory. */
sim_report_map_frames_t *sim_report_map_frames_new (double lon_min, double lat_min, double lon_max, double lat_max,
                                                    const sim_report_map_opts_t *opts);

/* One fcd.csv row, given in fcd.csv's order (by day, time and vehicle): the vehicle's place at time_ms after the
 * day's midnight. Rows of a later day than the first are ignored (the map shows the first day). Keeps 8 bytes a row
 * of that day until written (~14 MB for a default day). 0; -1 when the row is refused (a day or time going back, a
 * vehicle id of 2^24 or more, a fleet or state that is not a name (letters, digits, _ and -) or one too many, out of
 * memory): then every later call fails too, and the write says why. */
int sim_report_map_frames_add (sim_report_map_frames_t *self, uint32_t day, int64_t time_ms, uint32_t vehicle,
                               const char *fleet, const char *state, double lon, double lat);

/* Makes the frames (the page's sampling rules) and writes them into dir/map_frames.json (complete or not at all).
 * 0 (also for a NULL builder: nothing written), or -1 with "PATH: why" (a row refused, out of memory, a failed
 * write). Once per builder. */
int sim_report_map_frames_write (sim_report_map_frames_t *self, const char *dir, char *err, size_t errlen);

/* Frees the builder. NULL-safe; sets *self_p to NULL. */
void sim_report_map_frames_destroy (sim_report_map_frames_t **self_p);

/* Frees the map. NULL-safe; sets *self_p to NULL. */
void sim_report_map_destroy (sim_report_map_t **self_p);

/* What was read and kept. */
void sim_report_map_stats (const sim_report_map_t *self, sim_report_map_stats_t *st);

/* Frame k's time (seconds after the day's midnight) and its number of vehicles. Precondition: k < frames. */
int32_t sim_report_map_frame (const sim_report_map_t *self, size_t k, size_t *ndots);

/* Vehicle i of frame k (in the order of their ids). Preconditions: k < frames, i < the frame's ndots. */
void sim_report_map_dot (const sim_report_map_t *self, size_t k, size_t i, sim_report_map_dot_t *dot);

/* Writes the page's map section to f: a heading, the canvas, the controls, the legend, a line on the sampling, the
 * data and the script. The first thing of the section is a small script that records every JavaScript error (so a
 * browser test sees errors of the section's main script, which may not run at all); report.html#selftest makes
 * the script set the slider to two times, count the vehicles' pixels at each and write the result as JSON into
 * <pre id="map-selftest">. */
void sim_report_map_html (const sim_report_map_t *self, FILE *f);

#endif
