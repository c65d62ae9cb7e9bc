/* sim_fleetfile: fleets read from CSV files. robotaxi.depot_file: one row per depot (lon, lat, vehicles[, name]),
 * the robotaxis dealt to the depots in row order. human.shift_file: one row per shift pattern (start_h, length_h,
 * home_lon, home_lat[, drivers]), the pool's drivers dealt to the rows in order. charging.site_file (charging.mode
 * battery): one row per charging site (lon, lat, plugs, kw, access[, name]), access depot (the robotaxis' own) or
 * public (anyone's). Places are snapped to the road network (robotaxi.depot_snap_m, human.home_snap_m,
 * charging.site_snap_m). The files must give exactly robotaxi.fleet_size robotaxis and human.drivers drivers, and
 * every fleet that runs a site it may charge at. Unlike a trips file, every row must be good: a bad one refuses the
 * file with its line. The result is what sim_world_opts_t takes (depots, shifts, charge_sites). */
#ifndef SIM_FLEETFILE_H
#define SIM_FLEETFILE_H

#include <stddef.h>
#include <stdint.h>

#include "map_net.h"
#include "sim_charger.h"
#include "sim_config.h"
#include "sim_world.h"

typedef struct {
    uint32_t *depots;      /* robotaxi.fleet_size road nodes, robotaxi i's depot; NULL without robotaxi.depot_file */
    size_t depot_rows;
    sim_shift_t *shifts;   /* human.drivers shifts, driver v's; NULL without human.shift_file */
    size_t shift_rows;
    sim_charger_site_t *sites; /* the charging sites in row order; NULL without charging.site_file */
    size_t site_count;
    size_t site_depots;    /* of which depot (robotaxis only) */
} sim_fleetfile_t;

/* Reads cfg's robotaxi.depot_file, human.shift_file and charging.site_file (any may be "") for the network net into
 * out. 0; 1 when a file does not exist ("robotaxi.depot_file: PATH: no such file"); -1 with "PATH:LINE: why" in err
 * (a missing column, a value that is not a number or out of range, a place with no road within the snap distance,
 * counts that do not add up to robotaxi.fleet_size or human.drivers, a sites file without a site robotaxis or human
 * drivers may use while they run, out of memory). out holds nothing to free after 1 or -1. */
int sim_fleetfile_load (const sim_config_t *cfg, const map_net_t *net, sim_fleetfile_t *out, char *err,
                        size_t errlen);

/* One line for the user ("robotaxi.depot_file depots.csv: 3 depots, 60 robotaxis; human.shift_file shifts.csv: 4
 * patterns, 300 drivers; charging.site_file sites.csv: 3 depots, 12 public sites"); "" when no file is given. */
void sim_fleetfile_describe (const sim_fleetfile_t *self, const sim_config_t *cfg, char *buf, size_t len);

/* Frees what self holds and zeroes it; a zeroed one is fine. */
void sim_fleetfile_free (sim_fleetfile_t *self);

#endif
