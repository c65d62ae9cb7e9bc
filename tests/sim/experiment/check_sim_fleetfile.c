/* check_sim_fleetfile: depots, shifts and charging sites CSVs (robotaxi.depot_file, human.shift_file,
 * charging.site_file) become the fleets a user meant: robotaxis dealt to the depots in row order, drivers to the
 * shift patterns, sites with their plugs, power and access, places snapped to the road node they name; a bad row
 * refuses the file with its line and why, counts that do not match the scenario's are refused, so is a sites file
 * without a site a running fleet may use, a missing file is named; robotaxi-sim exits 65, 66 and 78 as for
 * demand.file; the Monaco sample starts every robotaxi at its depot and every driver at home, and brings them back
 * there; the Monaco EV sample charges only at its file's sites. */
#include <check.h>

#include "rt_check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_graph.h"
#include "map_net.h"
#include "rt_data.h"
#include "rt_proc.h"
#include "sim_config.h"
#include "sim_fleetfile.h"

static map_net_t *s_net;
static char *s_dir;

static void
s_setup (void)
{
    sim_config_t cfg;
    char err[256];
    sim_config_defaults (&cfg);
    s_net = map_net_open (&cfg.map, NULL, NULL, err, sizeof err);
    ck_assert_msg (s_net != NULL, "%s", err);
    s_dir = rt_temp_dir ("fleetfile");
    ck_assert_ptr_nonnull (s_dir);
}

static void
s_teardown (void)
{
    map_net_destroy (&s_net);
    free (s_dir);
}

/* Writes text to DIR/name, its path into path. */
static void
s_file (char *path, size_t len, const char *name, const char *text)
{
    snprintf (path, len, "%s/%s", s_dir, name);
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    fputs (text, f);
    fclose (f);
}

/* "lon,lat" of node i, printed exactly enough to snap back to it. */
static void
s_at (uint32_t i, char *buf, size_t len)
{
    const map_node_t *n = map_graph_node (map_net_graph (s_net), i);
    snprintf (buf, len, "%.9f,%.9f", n->lon, n->lat);
}

START_TEST (test_depots_and_shifts_dealt_in_row_order)
{
    sim_config_t cfg;
    char err[512], a[64], b[64], c[64], text[1024];
    sim_config_defaults (&cfg);
    cfg.robotaxi.fleet_size = 5;
    cfg.human.drivers = 4;
    s_at (100, a, sizeof a);
    s_at (1200, b, sizeof b);
    s_at (2500, c, sizeof c);
    snprintf (text, sizeof text, "name,lon,lat,vehicles\nnorth,%s,3\n\"south, by the river\",%s,2\n", a, b);
    s_file (cfg.robotaxi.depot_file, sizeof cfg.robotaxi.depot_file, "depots.csv", text);
    /* columns in any order, drivers optional (1 when empty or absent), a shift past midnight */
    snprintf (text, sizeof text, "home_lon,home_lat,start_h,length_h,drivers\n%s,6.5,10,2\n%s,22,9,\n%s,0,24,1\n", c,
              a, b);
    s_file (cfg.human.shift_file, sizeof cfg.human.shift_file, "shifts.csv", text);
    sim_fleetfile_t f;
    ck_assert_msg (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err) == 0, "%s", err);
    const uint32_t want_depots[5] = {100, 100, 100, 1200, 1200};
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq (f.depots[i], want_depots[i]);
    ck_assert_uint_eq (f.depot_rows, 2);
    ck_assert_uint_eq (f.shift_rows, 3);
    const double want_start[4] = {6.5, 6.5, 22, 0}, want_len[4] = {10, 10, 9, 24};
    const uint32_t want_home[4] = {2500, 2500, 100, 1200};
    for (int v = 0; v < 4; v++) {
        ck_assert_double_eq (f.shifts[v].start_h, want_start[v]);
        ck_assert_double_eq (f.shifts[v].length_h, want_len[v]);
        ck_assert_uint_eq (f.shifts[v].home, want_home[v]);
    }
    char line[512];
    sim_fleetfile_describe (&f, &cfg, line, sizeof line);
    ck_assert_str_eq (line, "robotaxi.depot_file depots.csv: 2 depots, 5 robotaxis; human.shift_file shifts.csv: 3 "
                            "shift patterns, 4 drivers");
    sim_fleetfile_free (&f);
    ck_assert_ptr_null (f.depots);

    /* only one of the files */
    cfg.human.shift_file[0] = '\0';
    ck_assert_msg (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_nonnull (f.depots);
    ck_assert_ptr_null (f.shifts);
    sim_fleetfile_free (&f);
}
END_TEST

/* A sites file: rows in order, columns in any order, name optional, places snapped; which fleets need which rows. */
START_TEST (test_sites_read_and_snapped)
{
    sim_config_t cfg;
    char err[512], a[64], b[64], c[64], text[1024];
    sim_config_defaults (&cfg);
    cfg.robotaxi.fleet_size = 5;
    cfg.human.drivers = 4;
    s_at (100, a, sizeof a);
    s_at (1200, b, sizeof b);
    s_at (2500, c, sizeof c);
    snprintf (text, sizeof text, "access,kw,plugs,lon,lat\ndepot,120,6,%s\n public ,60,8,%s\npublic,7.5,1,%s\n", a,
              b, c);
    s_file (cfg.charging.site_file, sizeof cfg.charging.site_file, "sites.csv", text);
    sim_fleetfile_t f;
    ck_assert_msg (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_null (f.depots);
    ck_assert_ptr_null (f.shifts);
    ck_assert_uint_eq (f.site_count, 3);
    ck_assert_uint_eq (f.site_depots, 1);
    const uint32_t want_node[3] = {100, 1200, 2500}, want_plugs[3] = {6, 8, 1};
    const double want_kw[3] = {120, 60, 7.5};
    const sim_charger_access_t want_access[3] = {SIM_CHARGER_DEPOT, SIM_CHARGER_PUBLIC, SIM_CHARGER_PUBLIC};
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq (f.sites[i].node, want_node[i]);
        ck_assert_uint_eq (f.sites[i].plugs, want_plugs[i]);
        ck_assert_double_eq (f.sites[i].kw, want_kw[i]);
        ck_assert_int_eq (f.sites[i].access, want_access[i]);
    }
    char line[512];
    sim_fleetfile_describe (&f, &cfg, line, sizeof line);
    ck_assert_str_eq (line, "charging.site_file sites.csv: 1 depots, 2 public sites");
    sim_fleetfile_free (&f);
    ck_assert_ptr_null (f.sites);

    /* a place a little off its node snaps to it; a name column is fine */
    const map_node_t *n = map_graph_node (map_net_graph (s_net), 1200);
    snprintf (text, sizeof text, "name,lon,lat,plugs,kw,access\n\"yard, east\",%.9f,%.9f,2,50,depot\nx,%s,3,50,public\n",
              n->lon + 0.0001, n->lat, a);
    s_file (cfg.charging.site_file, sizeof cfg.charging.site_file, "sites.csv", text);
    ck_assert_msg (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq (f.sites[0].node, 1200);
    ck_assert_uint_eq (f.sites[1].node, 100);
    sim_fleetfile_free (&f);

    /* public sites only: robotaxis may use them with charging.robotaxi_public = 1, or when there are none */
    snprintf (text, sizeof text, "lon,lat,plugs,kw,access\n%s,4,60,public\n", b);
    s_file (cfg.charging.site_file, sizeof cfg.charging.site_file, "sites.csv", text);
    ck_assert_int_eq (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "sites.csv: no site the 5 robotaxis may charge at: no row has access depot (and "
                                "charging.robotaxi_public is 0)"),
                   "%s", err);
    cfg.charging.robotaxi_public = 1;
    ck_assert_msg (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err) == 0, "%s", err);
    sim_fleetfile_free (&f);
    cfg.charging.robotaxi_public = 0;
    cfg.robotaxi.fleet_size = 0;
    ck_assert_msg (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err) == 0, "%s", err);
    sim_fleetfile_free (&f);

    /* depots only: fine without human drivers, refused with them */
    cfg.robotaxi.fleet_size = 5;
    snprintf (text, sizeof text, "lon,lat,plugs,kw,access\n%s,4,60,depot\n", b);
    s_file (cfg.charging.site_file, sizeof cfg.charging.site_file, "sites.csv", text);
    ck_assert_int_eq (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "sites.csv: no site the 4 human drivers may charge at: no row has access public"), "%s",
                   err);
    ck_assert_ptr_null (f.sites);
    cfg.human.drivers = 0;
    ck_assert_msg (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq (f.site_depots, 1);
    sim_fleetfile_free (&f);
}
END_TEST

/* Each bad file is refused with its line and why; nothing is left to free. */
START_TEST (test_bad_rows_named_by_line)
{
    sim_config_t cfg;
    char err[512], a[64], text[1024];
    sim_config_defaults (&cfg);
    cfg.robotaxi.fleet_size = 3;
    cfg.human.drivers = 2;
    s_at (100, a, sizeof a);
    const struct {
        int depots; /* 1: a depots file, 0: a shifts file, 2: a charging sites file */
        const char *fmt, *want;
    } cases[] = {
        {1, "lon,lat,vehicles\n%s,2\n\n10.0,50.0,1\n",
         "bad.csv:4: no road within robotaxi.depot_snap_m (300 m) of 10, 50"},
        {1, "lon,lat,vehicles\n%s,2\nabc,30.5,1\n", "bad.csv:3: 'abc', '30.5' is not a longitude and latitude"},
        {1, "lon,lat,vehicles\n%s,1.5\n", "bad.csv:2: vehicles '1.5' is not a whole number"},
        {1, "lon,lat,vehicles\n%s,\n", "bad.csv:2: no vehicles"},
        {1, "lon,lat,vehicles\n%s,2\n",
         "bad.csv: the depots hold 2 vehicles, robotaxi.fleet_size is 3 (they must match)"},
        {1, "lon,lat,cars\n%s,3\n", "bad.csv:1: no column 'vehicles'"},
        {1, "lon,lat,vehicles\n", "bad.csv:1: no rows (robotaxi.depot_file)"},
        {0, "start_h,length_h,home_lon,home_lat\n24,8,%s\n", "bad.csv:2: start_h '24' is not an hour"},
        {0, "start_h,length_h,home_lon,home_lat\n7,0,%s\n", "bad.csv:2: length_h '0' is not a number of hours"},
        {0, "start_h,length_h,home_lon,home_lat,drivers\n7,8,%s,3\n",
         "bad.csv: the shifts are for 3 drivers, human.drivers is 2 (they must match)"},
        {0, "start_h,length_h,home_lon,home_lat,drivers\n7,8,%s,0\n", "bad.csv:2: drivers '0' is not a whole number"},
        {2, "lon,lat,plugs,kw,access\n%s,2,60,depot\n\n10.0,50.0,2,60,public\n",
         "bad.csv:4: no road within charging.site_snap_m (300 m) of 10, 50"},
        {2, "lon,lat,plugs,kw,access\n%s,0,60,depot\n", "bad.csv:2: plugs '0' is not a whole number"},
        {2, "lon,lat,plugs,kw,access\n%s,2.5,60,depot\n", "bad.csv:2: plugs '2.5' is not a whole number"},
        {2, "lon,lat,plugs,kw,access\n%s,,60,depot\n", "bad.csv:2: no plugs"},
        {2, "lon,lat,plugs,kw,access\n%s,2,0,depot\n", "bad.csv:2: kw '0' is not a power above 0, at most 1000 kW"},
        {2, "lon,lat,plugs,kw,access\n%s,2,1001,depot\n", "bad.csv:2: kw '1001' is not a power"},
        {2, "lon,lat,plugs,kw,access\n%s,2,fast,depot\n", "bad.csv:2: kw 'fast' is not a power"},
        {2, "lon,lat,plugs,kw,access\n%s,2,60,public\n%s,2,60,private\n",
         "bad.csv:3: access 'private' is neither depot (the robotaxis' own) nor public"},
        {2, "lon,lat,plugs,kw,access\n%s,2,60,\n", "bad.csv:2: access '' is neither depot"},
        {2, "lon,lat,plugs,kw\n%s,2,60\n", "bad.csv:1: no column 'access'"},
        {2, "lon,lat,plugs,kw,access\n", "bad.csv:1: no rows (charging.site_file)"},
        {2, "lon,lat,plugs,kw,access\n%s,2,60,public\n", "bad.csv: no site the 3 robotaxis may charge at"},
        {2, "lon,lat,plugs,kw,access\n%s,2,60,depot\n", "bad.csv: no site the 2 human drivers may charge at"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf (text, sizeof text, cases[i].fmt, a, a);
        cfg.robotaxi.depot_file[0] = cfg.human.shift_file[0] = cfg.charging.site_file[0] = '\0';
        if (cases[i].depots == 2)
            s_file (cfg.charging.site_file, sizeof cfg.charging.site_file, "bad.csv", text);
        else if (cases[i].depots)
            s_file (cfg.robotaxi.depot_file, sizeof cfg.robotaxi.depot_file, "bad.csv", text);
        else
            s_file (cfg.human.shift_file, sizeof cfg.human.shift_file, "bad.csv", text);
        sim_fleetfile_t f;
        ck_assert_int_eq (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err), -1);
        ck_assert_msg (strstr (err, cases[i].want), "case %zu: '%s' not in '%s'", i, cases[i].want, err);
        ck_assert_ptr_null (f.depots);
        ck_assert_ptr_null (f.shifts);
        ck_assert_ptr_null (f.sites);
    }
    cfg.charging.site_file[0] = '\0';
    snprintf (cfg.human.shift_file, sizeof cfg.human.shift_file, "%s/none.csv", s_dir);
    sim_fleetfile_t f;
    ck_assert_int_eq (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err), 1);
    ck_assert_ptr_nonnull (strstr (err, "human.shift_file: "));
    ck_assert_ptr_nonnull (strstr (err, "none.csv: no such file"));
    cfg.human.shift_file[0] = '\0';
    snprintf (cfg.charging.site_file, sizeof cfg.charging.site_file, "%s/nosites.csv", s_dir);
    ck_assert_int_eq (sim_fleetfile_load (&cfg, s_net, &f, err, sizeof err), 1);
    ck_assert_msg (strstr (err, "charging.site_file: ") && strstr (err, "nosites.csv: no such file"), "%s", err);
    ck_assert_ptr_null (f.sites);
}
END_TEST

/* robotaxi-sim: a bad file exits 65 with its line, a missing one 66, a bad snap distance 78; without the keys the
 * day's files are those of a run before them (config.ini aside, which lists every key). */
START_TEST (test_robotaxi_sim_exit_codes)
{
    char a[64], text[512], path[4096], set[4200], out_dir[4200];
    s_at (100, a, sizeof a);
    snprintf (text, sizeof text, "lon,lat,vehicles\n%s,39\n%s,x\n", a, a);
    s_file (path, sizeof path, "depots.csv", text);
    snprintf (set, sizeof set, "robotaxi.depot_file=%s", path);
    snprintf (out_dir, sizeof out_dir, "%s/out", s_dir);
    char *sim = rt_tool ("robotaxi-sim");
    static char out[65536], err[65536];
    char *bad[] = {sim, "-q", "--no-plots", "--set", set, "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (bad, out, sizeof out, err, sizeof err, 60000), 65);
    ck_assert_msg (strstr (err, "depots.csv:3: vehicles 'x' is not a whole number"), "%s", err);
    char *missing[] = {sim, "-q", "--no-plots", "--set", "human.shift_file=/nonexistent/shifts.csv", "-o", out_dir,
                       NULL};
    ck_assert_int_eq (rt_run (missing, out, sizeof out, err, sizeof err, 60000), 66);
    ck_assert_msg (strstr (err, "human.shift_file: /nonexistent/shifts.csv: no such file"), "%s", err);
    char *snap[] = {sim, "-q", "--no-plots", "--set", "robotaxi.depot_snap_m=0", "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (snap, out, sizeof out, err, sizeof err, 60000), 78);
    ck_assert_msg (strstr (err, "robotaxi.depot_snap_m"), "%s", err);

    /* charging.site_file: a bad row 65, a missing file 66, the key without charging.mode = battery 78 */
    snprintf (text, sizeof text, "lon,lat,plugs,kw,access\n%s,4,60,depot\n%s,4,60,public\n%s,4,60,home\n", a, a, a);
    s_file (path, sizeof path, "sites.csv", text);
    snprintf (set, sizeof set, "charging.site_file=%s", path);
    char *bad_site[] = {sim, "-q", "--no-plots", "--set", "charging.mode=battery", "--set", set, "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (bad_site, out, sizeof out, err, sizeof err, 60000), 65);
    ck_assert_msg (strstr (err, "sites.csv:4: access 'home' is neither depot"), "%s", err);
    char *no_site[] = {sim,   "-q", "--no-plots", "--set", "charging.mode=battery", "--set",
                       "charging.site_file=/nonexistent/sites.csv", "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (no_site, out, sizeof out, err, sizeof err, 60000), 66);
    ck_assert_msg (strstr (err, "charging.site_file: /nonexistent/sites.csv: no such file"), "%s", err);
    char *fixed[] = {sim, "-q", "--no-plots", "--set", "charging.mode=fixed", "--set", set, "-o", out_dir, NULL};
    ck_assert_int_eq (rt_run (fixed, out, sizeof out, err, sizeof err, 60000), 78);
    ck_assert_msg (strstr (err, "charging.site_file") && strstr (err, "needs charging.mode = battery"), "%s", err);
    free (sim);
}
END_TEST

/* Reads the nodes and places of robotaxi-sim's events.csv: for each event kind and vehicle row the node. */
typedef struct {
    double time_s;
    char event[16];
    long vehicle, node;
    char fleet[16];
    double lon, lat;
} s_event_t;

static size_t
s_read_events (const char *path, s_event_t **out)
{
    FILE *f = fopen (path, "r");
    ck_assert_ptr_nonnull (f);
    char line[512];
    size_t n = 0, cap = 0;
    s_event_t *ev = NULL;
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f));   /* header */
    while (fgets (line, sizeof line, f)) {
        s_event_t e = {.vehicle = -1, .node = -1};
        char cols[9][64] = {{0}};
        int c = 0, k = 0;
        for (const char *p = line; *p && *p != '\n' && c < 9; p++) {
            if (*p == ',') {
                c++;
                k = 0;
            } else if (k < 63) {
                cols[c][k++] = *p;
            }
        }
        e.time_s = atof (cols[1]);
        snprintf (e.event, sizeof e.event, "%.15s", cols[2]);
        if (cols[3][0])
            e.vehicle = atol (cols[3]);
        snprintf (e.fleet, sizeof e.fleet, "%.15s", cols[4]);
        if (cols[6][0])
            e.node = atol (cols[6]);
        e.lon = atof (cols[7]);
        e.lat = atof (cols[8]);
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            ev = realloc (ev, cap * sizeof *ev);
            ck_assert_ptr_nonnull (ev);
        }
        ev[n++] = e;
    }
    fclose (f);
    *out = ev;
    return n;
}

/* metres between two lon/lat points (equirectangular: fine over a city) */
static double
s_metres (double lon1, double lat1, double lon2, double lat2)
{
    const double pi = 3.14159265358979323846, k = 6371000.0 * pi / 180.0;
    return hypot ((lon2 - lon1) * k * cos (lat1 * pi / 180.0), (lat2 - lat1) * k);
}

/* The committed Monaco sample (scenarios/monaco-fleets.ini with monaco-depots.csv and monaco-shifts.csv): every
 * robotaxi starts within depot_snap_m of its depot, 25, 20 and 15 of them at the three; every driver's first shift
 * start is within home_snap_m of a home of the file; every drive back after service ends arrives at the vehicle's
 * first node; trips.geojson holds to_depot and going_home legs. */
START_TEST (test_monaco_sample)
{
    char pbf[4096];
    if (!rt_data ("osm/monaco.osm.pbf", pbf, sizeof pbf))
        return;
    const char *src = getenv ("RT_SOURCE_DIR");
    ck_assert_msg (src != NULL, "RT_SOURCE_DIR is not set");
    char ini[4096], map_set[4200], cache_set[4200], run[4200], events[4300], trips[4300];
    snprintf (ini, sizeof ini, "%s/scenarios/monaco-fleets.ini", src);
    snprintf (map_set, sizeof map_set, "map.file=%s", pbf);
    snprintf (cache_set, sizeof cache_set, "map.cache=%s/monaco.map", s_dir);
    snprintf (run, sizeof run, "%s/run", s_dir);
    snprintf (events, sizeof events, "%s/events.csv", run);
    snprintf (trips, sizeof trips, "%s/trips.geojson", run);
    char *sim = rt_tool ("robotaxi-sim");
    static char out[65536], err[65536];
    char *play[] = {sim,   "-s", ini, "--set", map_set, "--set", cache_set, "--events", "--trajectories",
                    "--fcd-period", "0", "--no-plots", "-o", run, NULL};
    int rc = rt_run (play, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim -s monaco-fleets.ini exited %d: %s", rc, err);
    ck_assert_msg (strstr (err, "robotaxi.depot_file monaco-depots.csv: 3 depots, 60 robotaxis; human.shift_file "
                                "monaco-shifts.csv: 5 shift patterns, 300 drivers"),
                   "%s", err);
    const double depot[3][2] = {{7.4186, 43.7300}, {7.4246, 43.7355}, {7.4365, 43.7460}};
    const double home[5][2] = {{7.4130, 43.7270}, {7.4420, 43.7520}, {7.4250, 43.7390}, {7.4180, 43.7330},
                               {7.4320, 43.7440}};
    s_event_t *ev;
    size_t n = s_read_events (events, &ev);
    enum { V = 360 };
    long first_node[V];
    int at_depot[3] = {0}, started = 0, ends = 0, back = 0;
    for (int v = 0; v < V; v++)
        first_node[v] = -1;
    for (size_t i = 0; i < n; i++) {
        long v = ev[i].vehicle;
        if (v < 0)
            continue;
        ck_assert_int_lt (v, V);
        if (strcmp (ev[i].event, "shift_start") == 0 && first_node[v] < 0) {
            first_node[v] = ev[i].node;
            started++;
            int robotaxi = strcmp (ev[i].fleet, "robotaxi") == 0, near = -1;
            for (int k = 0; k < (robotaxi ? 3 : 5); k++) {
                const double *p = robotaxi ? depot[k] : home[k];
                if (s_metres (p[0], p[1], ev[i].lon, ev[i].lat) <= 300)
                    near = k;
            }
            ck_assert_msg (near >= 0, "vehicle %ld starts at %g, %g: no depot or home of the files", v, ev[i].lon,
                           ev[i].lat);
            if (robotaxi)
                at_depot[near]++;
        }
        if (strcmp (ev[i].event, "shift_end") == 0 && ev[i].time_s > 0 && ev[i].time_s < 86400) {
            ends++;
            /* the vehicle's next arrival, or it ended there already */
            int home_again = ev[i].node == first_node[v];
            for (size_t j = i + 1; j < n && !home_again; j++)
                if (ev[j].vehicle == v && strcmp (ev[j].event, "arrive") == 0)
                    home_again = ev[j].node == first_node[v] ? 1 : home_again;
            back += home_again;
        }
    }
    free (ev);
    ck_assert_int_eq (at_depot[0], 25);
    ck_assert_int_eq (at_depot[1], 20);
    ck_assert_int_eq (at_depot[2], 15);
    ck_assert_int_gt (started, 60 + 200);
    ck_assert_int_gt (ends, 60 + 200);
    ck_assert_int_ge (back, ends - 5);   /* a ride finished past midnight ends where it ends */
    size_t len;
    char *geo = rt_slurp (trips, &len);
    ck_assert_ptr_nonnull (geo);
    ck_assert_ptr_nonnull (strstr (geo, "\"state\":\"going_home\""));
    ck_assert_ptr_nonnull (strstr (geo, "\"state\":\"to_depot\""));
    free (geo);
    free (sim);
}
END_TEST

/* The committed Monaco EV sample (scenarios/monaco-ev.ini with monaco-chargers.csv): chargers.csv lists exactly the
 * file's eight sites, in its order, each within charging.site_snap_m of its row with its kind, plugs and power; both
 * kinds of site are used; every session of charging.csv and every charge_start of events.csv is at one of them. */
START_TEST (test_monaco_ev_sites)
{
    char pbf[4096];
    if (!rt_data ("osm/monaco.osm.pbf", pbf, sizeof pbf))
        return;
    const char *src = getenv ("RT_SOURCE_DIR");
    ck_assert_msg (src != NULL, "RT_SOURCE_DIR is not set");
    char ini[4096], map_set[4200], cache_set[4200], run[4200], events[4300], chargers[4300], sessions[4300];
    snprintf (ini, sizeof ini, "%s/scenarios/monaco-ev.ini", src);
    snprintf (map_set, sizeof map_set, "map.file=%s", pbf);
    snprintf (cache_set, sizeof cache_set, "map.cache=%s/monaco.map", s_dir);
    snprintf (run, sizeof run, "%s/run-ev", s_dir);
    snprintf (events, sizeof events, "%s/events.csv", run);
    snprintf (chargers, sizeof chargers, "%s/chargers.csv", run);
    snprintf (sessions, sizeof sessions, "%s/charging.csv", run);
    char *sim = rt_tool ("robotaxi-sim");
    static char out[65536], err[65536];
    char *play[] = {sim, "-s", ini, "--set", map_set, "--set", cache_set, "--events", "--no-plots", "-o", run, NULL};
    int rc = rt_run (play, out, sizeof out, err, sizeof err, 300000);
    ck_assert_msg (rc == 0, "robotaxi-sim -s monaco-ev.ini exited %d: %s", rc, err);
    ck_assert_msg (strstr (err, "charging.site_file monaco-chargers.csv: 3 depots, 5 public sites"), "%s", err);
    enum { SITES = 8 };
    const struct {
        double lon, lat;
        unsigned plugs;
        double kw;
        const char *kind;
    } want[SITES] = {{7.4186, 43.7300, 8, 120, "depot"},   {7.4246, 43.7355, 6, 120, "depot"},
                     {7.4365, 43.7460, 4, 120, "depot"},   {7.4140, 43.7280, 4, 60, "public"},
                     {7.4210, 43.7315, 4, 60, "public"},   {7.4265, 43.7395, 12, 60, "public"},
                     {7.4300, 43.7430, 4, 60, "public"},   {7.4400, 43.7500, 4, 60, "public"}};
    FILE *f = fopen (chargers, "r");
    ck_assert_ptr_nonnull (f);
    char line[512];
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f));
    ck_assert_str_eq (line, "site,kind,lon,lat,node,plugs,kw,sessions,plug_h,wait_h,plug_use\n");
    long node[SITES];
    int rows = 0;
    unsigned used[2] = {0, 0};   /* sessions at depots, at public sites */
    while (fgets (line, sizeof line, f)) {
        int site;
        char kind[16];
        double lon, lat, kw;
        unsigned plugs, count;
        long at;
        ck_assert_int_eq (sscanf (line, "%d,%15[^,],%lf,%lf,%ld,%u,%lf,%u", &site, kind, &lon, &lat, &at, &plugs, &kw,
                                  &count), 8);
        ck_assert_int_lt (rows, SITES);
        node[rows] = at;
        ck_assert_int_eq (site, rows);
        ck_assert_str_eq (kind, want[rows].kind);
        ck_assert_uint_eq (plugs, want[rows].plugs);
        ck_assert_double_eq_tol (kw, want[rows].kw, 1e-9);
        double m = s_metres (want[rows].lon, want[rows].lat, lon, lat);
        ck_assert_msg (m <= 300, "site %d at %g, %g is %.0f m from its row", site, lon, lat, m);
        used[strcmp (kind, "public") == 0] += count;
        rows++;
    }
    fclose (f);
    ck_assert_int_eq (rows, SITES);
    ck_assert_uint_gt (used[0], 0);
    ck_assert_uint_gt (used[1], 0);

    f = fopen (sessions, "r");
    ck_assert_ptr_nonnull (f);
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f));
    unsigned booked = 0;
    while (fgets (line, sizeof line, f)) {
        long v, site;
        char fleet[16];
        ck_assert_int_eq (sscanf (line, "%ld,%15[^,],%ld", &v, fleet, &site), 3);
        ck_assert_msg (site >= 0 && site < SITES, "session at site %ld: %s", site, line);
        /* robotaxis at their depots, drivers at public sites (charging.robotaxi_public is 0) */
        ck_assert_str_eq (fleet, site < 3 ? "robotaxi" : "human");
        booked++;
    }
    fclose (f);
    ck_assert_uint_eq (booked, used[0] + used[1]);

    s_event_t *ev;
    size_t n = s_read_events (events, &ev);
    unsigned starts = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp (ev[i].event, "charge_start") != 0)
            continue;
        int at = 0;
        for (int k = 0; k < SITES; k++)
            at |= ev[i].node == node[k];
        ck_assert_msg (at, "vehicle %ld charges at node %ld, no site of the file", ev[i].vehicle, ev[i].node);
        starts++;
    }
    free (ev);
    ck_assert_uint_gt (starts, 0);
    free (sim);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_fleetfile");
    TCase *core = tcase_create ("core");
    tcase_set_timeout (core, 300);
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_depots_and_shifts_dealt_in_row_order);
    tcase_add_test (core, test_monaco_sample);
    tcase_add_test (core, test_monaco_ev_sites);
    tcase_add_test (core, test_sites_read_and_snapped);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_set_timeout (limits, 120);
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_bad_rows_named_by_line);
    tcase_add_test (limits, test_robotaxi_sim_exit_codes);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
