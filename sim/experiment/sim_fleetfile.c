/* sim_fleetfile: robotaxi depots, human drivers' shifts and charging sites read from CSV files (see
 * sim_fleetfile.h). */
#include "sim_fleetfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_error.h"
#include "map_graph.h"
#include "map_proj.h"
#include "sim_csv.h"

#define S_COUNT_MAX 2000000.0 /* vehicles or drivers on one row: human.drivers' own bound */

/* The road node within snap_m of the row's lon/lat cells, or -1 with "PATH:LINE: why" in err. */
static int
s_snap (const sim_csv_t *csv, size_t r, int c_lon, int c_lat, map_proj_t *proj, const map_graph_t *g,
        double snap_m, const char *snap_key, uint32_t *node, char *err, size_t errlen)
{
    double lon, lat, x, y;
    char perr[256];
    int line = csv->lines[r];
    if (sim_csv_parse_number (sim_csv_cell (csv, r, c_lon), &lon) != 0 || !(lon >= -180 && lon <= 180) ||
        sim_csv_parse_number (sim_csv_cell (csv, r, c_lat), &lat) != 0 || !(lat >= -90 && lat <= 90))
        return map_error (err, errlen, "%s:%d: '%s', '%s' is not a longitude and latitude", csv->path, line,
                          sim_csv_cell (csv, r, c_lon), sim_csv_cell (csv, r, c_lat));
    *node = MAP_NODE_NONE;
    if (map_proj_forward (proj, lon, lat, &x, &y, perr, sizeof perr) == 0)
        *node = map_graph_nearest_within (g, x, y, snap_m);
    if (*node == MAP_NODE_NONE)
        return map_error (err, errlen, "%s:%d: no road within %s (%g m) of %g, %g", csv->path, line, snap_key,
                          snap_m, lon, lat);
    return 0;
}

/* A count cell: a whole number from 1 on into *n (an empty cell when optional gives 1), or -1 with the line. */
static int
s_count (const sim_csv_t *csv, size_t r, int col, const char *what, size_t *n, char *err, size_t errlen)
{
    double v;
    if (col < 0 || sim_csv_blank (sim_csv_cell (csv, r, col))) {
        *n = 1;
        return 0;
    }
    if (sim_csv_parse_number (sim_csv_cell (csv, r, col), &v) != 0 || !(v >= 1 && v <= S_COUNT_MAX) || v != floor (v))
        return map_error (err, errlen, "%s:%d: %s '%s' is not a whole number from 1 to %.0f", csv->path,
                          csv->lines[r], what, sim_csv_cell (csv, r, col), S_COUNT_MAX);
    *n = (size_t) v;
    return 0;
}

/* Opens path as key's file: 0; 1 missing (message "key: PATH: no such file"); -1. */
static int
s_open (sim_csv_t *csv, const char *path, const char *key, char *err, size_t errlen)
{
    int loaded = sim_csv_load (csv, path, err, errlen);
    if (loaded == 1)
        map_error (err, errlen, "%s: %s: no such file", key, path);
    else if (loaded == 0 && csv->nrows == 0) {
        map_error (err, errlen, "%s:1: no rows (%s)", path, key);
        sim_csv_free (csv);
        return -1;
    }
    return loaded;
}

static int
s_load_depots (const sim_config_t *cfg, const map_graph_t *g, map_proj_t *proj, sim_fleetfile_t *out, char *err,
               size_t errlen)
{
    const char *path = cfg->robotaxi.depot_file;
    sim_csv_t csv = {0};
    int rc = s_open (&csv, path, "robotaxi.depot_file", err, errlen);
    if (rc != 0)
        return rc;
    rc = -1;
    static const char *const names[] = {"lon", "lat", "vehicles"};
    int col[3];
    size_t want = (size_t) cfg->robotaxi.fleet_size, total = 0;
    if (sim_csv_need (&csv, names, col, 3, err, errlen) < 0)
        goto done;
    out->depots = malloc ((want ? want : 1) * sizeof *out->depots);
    if (!out->depots) {
        map_error (err, errlen, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < csv.nrows; r++) {
        uint32_t node;
        size_t n;
        if (s_snap (&csv, r, col[0], col[1], proj, g, cfg->robotaxi.depot_snap_m, "robotaxi.depot_snap_m", &node,
                    err, errlen) < 0 ||
            s_count (&csv, r, col[2], "vehicles", &n, err, errlen) < 0)
            goto done;
        if (sim_csv_blank (sim_csv_cell (&csv, r, col[2]))) {
            map_error (err, errlen, "%s:%d: no vehicles", path, csv.lines[r]);
            goto done;
        }
        for (size_t k = 0; k < n && total + k < want; k++)
            out->depots[total + k] = node;
        total += n;
    }
    if (total != want) {
        map_error (err, errlen, "%s: the depots hold %zu vehicles, robotaxi.fleet_size is %zu (they must match)",
                   path, total, want);
        goto done;
    }
    out->depot_rows = csv.nrows;
    rc = 0;
done:
    sim_csv_free (&csv);
    return rc;
}

static int
s_load_shifts (const sim_config_t *cfg, const map_graph_t *g, map_proj_t *proj, sim_fleetfile_t *out, char *err,
               size_t errlen)
{
    const char *path = cfg->human.shift_file;
    sim_csv_t csv = {0};
    int rc = s_open (&csv, path, "human.shift_file", err, errlen);
    if (rc != 0)
        return rc;
    rc = -1;
    static const char *const names[] = {"start_h", "length_h", "home_lon", "home_lat"};
    int col[4];
    size_t want = (size_t) cfg->human.drivers, total = 0;
    if (sim_csv_need (&csv, names, col, 4, err, errlen) < 0)
        goto done;
    int c_drivers = sim_csv_col (&csv, "drivers");
    out->shifts = malloc ((want ? want : 1) * sizeof *out->shifts);
    if (!out->shifts) {
        map_error (err, errlen, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < csv.nrows; r++) {
        sim_shift_t s;
        size_t n;
        int line = csv.lines[r];
        if (sim_csv_parse_number (sim_csv_cell (&csv, r, col[0]), &s.start_h) != 0 ||
            !(s.start_h >= 0 && s.start_h < 24)) {
            map_error (err, errlen, "%s:%d: start_h '%s' is not an hour from 0 to below 24", path, line,
                       sim_csv_cell (&csv, r, col[0]));
            goto done;
        }
        if (sim_csv_parse_number (sim_csv_cell (&csv, r, col[1]), &s.length_h) != 0 ||
            !(s.length_h > 0 && s.length_h <= 24)) {
            map_error (err, errlen, "%s:%d: length_h '%s' is not a number of hours above 0, at most 24", path, line,
                       sim_csv_cell (&csv, r, col[1]));
            goto done;
        }
        if (s_snap (&csv, r, col[2], col[3], proj, g, cfg->human.home_snap_m, "human.home_snap_m", &s.home, err,
                    errlen) < 0 ||
            s_count (&csv, r, c_drivers, "drivers", &n, err, errlen) < 0)
            goto done;
        for (size_t k = 0; k < n && total + k < want; k++)
            out->shifts[total + k] = s;
        total += n;
    }
    if (total != want) {
        map_error (err, errlen, "%s: the shifts are for %zu drivers, human.drivers is %zu (they must match)", path,
                   total, want);
        goto done;
    }
    out->shift_rows = csv.nrows;
    rc = 0;
done:
    sim_csv_free (&csv);
    return rc;
}

/* 1 when text is word, blanks around it allowed. */
static int
s_is (const char *text, const char *word)
{
    size_t len = strlen (word);
    text += strspn (text, " \t");
    return strncmp (text, word, len) == 0 && sim_csv_blank (text + len);
}

static int
s_load_sites (const sim_config_t *cfg, const map_graph_t *g, map_proj_t *proj, sim_fleetfile_t *out, char *err,
              size_t errlen)
{
    const char *path = cfg->charging.site_file;
    sim_csv_t csv = {0};
    int rc = s_open (&csv, path, "charging.site_file", err, errlen);
    if (rc != 0)
        return rc;
    rc = -1;
    static const char *const names[] = {"lon", "lat", "plugs", "kw", "access"};
    int col[5];
    size_t depots = 0;
    if (sim_csv_need (&csv, names, col, 5, err, errlen) < 0)
        goto done;
    out->sites = calloc (csv.nrows, sizeof *out->sites);
    if (!out->sites) {
        map_error (err, errlen, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < csv.nrows; r++) {
        sim_charger_site_t *site = &out->sites[r];
        size_t plugs;
        int line = csv.lines[r];
        if (s_snap (&csv, r, col[0], col[1], proj, g, cfg->charging.site_snap_m, "charging.site_snap_m", &site->node,
                    err, errlen) < 0 ||
            s_count (&csv, r, col[2], "plugs", &plugs, err, errlen) < 0)
            goto done;
        if (sim_csv_blank (sim_csv_cell (&csv, r, col[2]))) {
            map_error (err, errlen, "%s:%d: no plugs", path, line);
            goto done;
        }
        site->plugs = (uint32_t) plugs;
        if (sim_csv_parse_number (sim_csv_cell (&csv, r, col[3]), &site->kw) != 0 ||
            !(site->kw > 0 && site->kw <= 1000)) {
            map_error (err, errlen, "%s:%d: kw '%s' is not a power above 0, at most 1000 kW", path, line,
                       sim_csv_cell (&csv, r, col[3]));
            goto done;
        }
        const char *access = sim_csv_cell (&csv, r, col[4]);
        if (s_is (access, "depot"))
            site->access = SIM_CHARGER_DEPOT;
        else if (s_is (access, "public"))
            site->access = SIM_CHARGER_PUBLIC;
        else {
            map_error (err, errlen, "%s:%d: access '%s' is neither depot (the robotaxis' own) nor public", path,
                       line, access);
            goto done;
        }
        depots += site->access == SIM_CHARGER_DEPOT;
    }
    size_t publics = csv.nrows - depots;
    if (cfg->robotaxi.fleet_size > 0 && depots == 0 && !(cfg->charging.robotaxi_public && publics > 0)) {
        map_error (err, errlen, "%s: no site the %lld robotaxis may charge at: no row has access depot%s", path,
                   (long long) cfg->robotaxi.fleet_size,
                   cfg->charging.robotaxi_public ? "" : " (and charging.robotaxi_public is 0)");
        goto done;
    }
    if (cfg->human.drivers > 0 && publics == 0) {
        map_error (err, errlen, "%s: no site the %lld human drivers may charge at: no row has access public", path,
                   (long long) cfg->human.drivers);
        goto done;
    }
    out->site_count = csv.nrows;
    out->site_depots = depots;
    rc = 0;
done:
    sim_csv_free (&csv);
    return rc;
}

int
sim_fleetfile_load (const sim_config_t *cfg, const map_net_t *net, sim_fleetfile_t *out, char *err, size_t errlen)
{
    memset (out, 0, sizeof *out);
    if (!cfg->robotaxi.depot_file[0] && !cfg->human.shift_file[0] && !cfg->charging.site_file[0])
        return 0;
    const map_graph_t *g = map_net_graph (net);
    map_proj_t *proj = map_proj_new (map_graph_epsg (g), err, errlen);
    if (!proj)
        return -1;
    int rc = 0;
    if (cfg->robotaxi.depot_file[0])
        rc = s_load_depots (cfg, g, proj, out, err, errlen);
    if (rc == 0 && cfg->human.shift_file[0])
        rc = s_load_shifts (cfg, g, proj, out, err, errlen);
    if (rc == 0 && cfg->charging.site_file[0])
        rc = s_load_sites (cfg, g, proj, out, err, errlen);
    map_proj_destroy (&proj);
    if (rc != 0)
        sim_fleetfile_free (out);
    return rc;
}

static const char *
s_base (const char *path)
{
    const char *slash = strrchr (path, '/');
    return slash ? slash + 1 : path;
}

void
sim_fleetfile_describe (const sim_fleetfile_t *self, const sim_config_t *cfg, char *buf, size_t len)
{
    int at = 0;
    buf[0] = '\0';
    if (self->depots)
        at = snprintf (buf, len, "robotaxi.depot_file %s: %zu depots, %lld robotaxis",
                       s_base (cfg->robotaxi.depot_file), self->depot_rows, (long long) cfg->robotaxi.fleet_size);
    if (self->shifts && at >= 0 && (size_t) at < len)
        at += snprintf (buf + at, len - at, "%shuman.shift_file %s: %zu shift patterns, %lld drivers",
                        at ? "; " : "", s_base (cfg->human.shift_file), self->shift_rows,
                        (long long) cfg->human.drivers);
    if (self->sites && at >= 0 && (size_t) at < len)
        snprintf (buf + at, len - at, "%scharging.site_file %s: %zu depots, %zu public sites", at ? "; " : "",
                  s_base (cfg->charging.site_file), self->site_depots, self->site_count - self->site_depots);
}

void
sim_fleetfile_free (sim_fleetfile_t *self)
{
    free (self->depots);
    free (self->shifts);
    free (self->sites);
    memset (self, 0, sizeof *self);
}
