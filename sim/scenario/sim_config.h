/* sim_config: the scenario. Every parameter has one row in a table (key, type, range, default, meaning); defaults,
 * scenario files (libinih), --set overrides, range checks and the resolved config.ini written with each run all go
 * through that table, so a parameter cannot be documented, parsed or checked in two different ways. */
#ifndef SIM_CONFIG_H
#define SIM_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "map_net.h"
#include "map_traffic.h"

#define SIM_MAX_ZONES 64

/* A fleet's tariff (sim_fare prices a trip with it). */
typedef struct {
    double start_yuan;         /* start fare, includes start_km and start_min */
    double start_km;
    double start_min;
    double per_km_yuan;        /* beyond start_km */
    double per_min_yuan;       /* beyond start_min */
    double long_km;            /* the per-km rate rises by long_surcharge beyond this distance */
    double long_surcharge;     /* 0.5 = +50%; 0 = no long-distance surcharge */
    double promo_factor;       /* paid share of the list price (1 = no promotion) */
    double min_fare_yuan;      /* floor after promotion and coupon */
    double coupon_yuan;        /* taken off the promoted price for riders holding a coupon */
    double coupon_share;       /* share of riders holding a coupon */
} sim_tariff_t;

/* A fleet's electric cars under charging.mode battery (README "Electric fleets"). */
typedef struct {
    double battery_kwh;        /* usable capacity */
    double drive_kwh_per_km;   /* traction energy per km */
    double aux_kw;             /* drawn while driving besides traction: per km it is aux_kw / speed */
    double stand_kw;           /* drawn while on shift and standing or waiting for a plug */
    double max_charge_kw;      /* the most the car takes from a DC charger */
    double start_soc;          /* state of charge at the start of the day */
    double charge_below_soc;   /* a vehicle that turns free below this goes to charge */
    double charge_to_soc;      /* and charges up to this */
} sim_ev_config_t;

/* A demand zone: nodes near it draw more trips (weight x exp(-(d / radius)^2 / 2)). */
typedef struct {
    char name[48];
    double lon, lat;
    double radius_km;
    double weight;
} sim_zone_t;

typedef struct {
    struct {
        char name[64];
        uint64_t seed;
        int64_t days;                  /* consecutive days played (--days) */
        int64_t baseline;              /* 1: also play the days without robotaxis, for displacement (--baseline) */
    } scenario;
    map_spec_t map;                    /* map.source (embedded), epsg, grid_m, highways, cache */
    char map_file[512];                /* map.file: a map file or OSM extract; overrides map.source when set */
    map_traffic_t traffic;
    struct {
        double trips_per_day;          /* expected requests in the day */
        double hour_weight[24];        /* relative request rate by hour of day */
        double base_weight;            /* node weight everywhere, added to the zones' */
        double trip_km_mean, trip_km_shape, trip_km_min, trip_km_max;
        double detour_factor;          /* road km per straight km, used when drawing destinations */
        double patience_min;           /* a rider not picked up by then gives up */
        /* A trips file instead of drawing the demand (sim_tripfile): where, which rows, and its column names. */
        char file[512];                /* "" = drawn from the zones */
        char file_day[16];             /* YYYY-MM-DD: the rows of that day (date-time columns); "first": the first's */
        char file_dates[16];           /* "calendar": day k plays file_day + k - 1; "file": the file's k-th date on */
        double file_scale;             /* rows played per row read: < 1 a seeded share, > 1 copies */
        int64_t file_strict;           /* 1: a row that cannot be played stops the run; 0: counted and reported */
        double snap_m;                 /* a lon/lat farther than this from every road node is not on the map */
        char col_time[64], col_origin_lon[64], col_origin_lat[64], col_destination_lon[64], col_destination_lat[64];
        char col_origin[64], col_destination[64], col_fleet[64], col_patience[64], col_dropoff_time[64];
        char col_request[64];          /* the request's id column (events.csv's trip); absent: its line number */
    } demand;
    /* Rider choice: a multinomial logit over robotaxi (both ends in the service area), human ride-hail and another
     * mode. Utility = asc + beta_price x fare + beta_wait x expected wait (+ beta_time x extra minutes, other mode). */
    struct {
        double beta_price;             /* per yuan */
        double beta_wait;              /* per minute of expected wait */
        double beta_time;              /* per minute of extra travel time (other mode) */
        double asc_robotaxi;           /* against human ride-hail (0) */
        double asc_other;
        double other_price_yuan;       /* metro / bus fare */
        double other_extra_min_per_km; /* the other mode's extra door-to-door minutes per km */
        double wait_init_min;          /* expected wait before any pickup was seen */
        double wait_window_min;        /* riders expect the mean wait of the last this many minutes */
    } choice;
    sim_zone_t zones[SIM_MAX_ZONES];
    size_t zone_count;
    struct {
        int64_t fleet_size;
        double service_area[4];        /* lon_min, lat_min, lon_max, lat_max */
        char depot_file[512];          /* "" = robotaxis start where drawn and stop where their downtime finds them */
        double depot_snap_m;           /* a depot's lon/lat snaps to a road node within this */
        sim_tariff_t tariff;
        /* costs */
        double vehicle_price_yuan, sensor_price_yuan, life_years, residual_share, finance_rate;
        double insurance_yuan_per_year;
        double kwh_per_km, kwh_price_yuan;
        double maintenance_yuan_per_km;
        double cleaning_yuan_per_day, depot_yuan_per_day, software_yuan_per_day;
        double vehicles_per_operator, operator_wage_yuan_per_h;
        /* downtime: each vehicle leaves service once a day for charging and cleaning, in low-demand hours */
        double charge_h_per_day, clean_h_per_day;   /* charge_h_per_day: charging.mode fixed only */
        sim_ev_config_t ev;
    } robotaxi;
    struct {
        int64_t drivers;
        double shift_min_h, shift_max_h;
        double shift_start_weight[24]; /* relative number of shifts starting in each hour */
        char shift_file[512];          /* "" = shifts and places drawn */
        double home_snap_m;            /* a home's lon/lat snaps to a road node within this */
        double commission;             /* platform's share of the fare */
        double energy_yuan_per_km;     /* driver's running cost */
        double fulltime_monthly_net_yuan;
        double workdays_per_month;
        sim_tariff_t tariff;
        /* costs */
        double vehicle_rent_yuan_per_day, insurance_yuan_per_year, maintenance_yuan_per_km;
        /* empty driving besides pickups: cruising while idle, and the trip to and from each shift */
        double cruise_kmh, cruise_hop_km, commute_km;
        /* participation: each driver works a day when expected net hourly earnings beat their reservation wage */
        double reservation_wage_yuan_per_h;   /* median over drivers */
        double reservation_wage_spread;       /* lognormal sigma across drivers */
        double expected_hourly_init_yuan;     /* what drivers expect before their first day */
        double learning_rate;                 /* weight of the latest day in a driver's expectation */
        double decision_noise_yuan;           /* logit scale of the daily decision, yuan per hour */
        sim_ev_config_t ev;
    } human;
    /* Charging (README "Electric fleets"): mode "fixed" books a robotaxi's charging as robotaxi.charge_h_per_day of
     * downtime and energy as a price per km; "battery" gives every vehicle a battery that driving drains and
     * chargers fill, at sites with plugs, at the hour's price. */
    struct {
        char mode[16];                 /* "fixed" or "battery" */
        double taper_soc;              /* chargers give full power up to this state of charge */
        double end_share;              /* the power at 100% as a share of full power (linear taper) */
        double efficiency;             /* kWh into the battery per kWh bought */
        double depot_yuan_per_kwh[24]; /* the operator's own sites, by hour */
        double public_yuan_per_kwh[24];/* public sites (electricity and service fee), by hour */
        int64_t depot_sites;           /* generated depot sites (without robotaxi.depot_file) */
        double depot_plugs_per_vehicle;
        double depot_kw;
        int64_t public_sites;          /* generated public sites, placed by demand */
        int64_t public_plugs;          /* plugs at each */
        double public_kw;
        int64_t robotaxi_public;       /* 1: robotaxis may charge at public sites too */
        char site_file[512];           /* "" = the sites above, generated; else a sites CSV replaces them all */
        double site_snap_m;            /* a site's lon/lat snaps to a road node within this */
        double reserve_soc;            /* dispatch: no ride may leave less than this beyond the way to a charger */
    } charging;
    struct {
        sim_tariff_t tariff;           /* the Wuhan taxi meter, for the fare curves only */
    } taxi;
    struct {
        char policy[32];
        double step_s;
        double max_pickup_min;
        double batch_window_s;         /* batch: requests collected this long, then assigned together */
        int64_t batch_candidates;      /* batch: nearest idle vehicles considered per request */
        double robotaxi_cost_per_km;   /* cost: operator's cost of one more robotaxi km */
        double human_cost_per_km;      /* cost: operator's cost of one more human-driven km */
        double wait_yuan_per_min;      /* cost: price on a minute of a rider's wait */
        int64_t mixed_fleet;           /* 1: riders who choose a human ride-hail accept a robotaxi too */
        int64_t rebalance;             /* 1: move idle robotaxis toward expected demand */
        double rebalance_interval_min;
        double rebalance_zone_m;
        double rebalance_horizon_min;
        int64_t charge_early_from_h;   /* charge-early: robotaxis are sent to charge from this hour */
        int64_t charge_early_to_h;     /* until this one (exclusive; may wrap past midnight) */
        double charge_early_reach_km;  /* those whose reach is below this */
    } dispatch;
    struct {
        double interval_min;           /* snapshot period, simulated minutes */
        double fare_curve_kmh;         /* speed behind the time part of fares.csv */
    } metrics;
    /* internal: set once a file or --set has replaced the default zones, or set the service area */
    int zones_replaced;
    uint8_t zone_user[SIM_MAX_ZONES];  /* zone i came from the scenario (a file or --set), not the defaults */
    int service_area_set;
} sim_config_t;

/* Fills cfg with the defaults (the Wuhan scenario; see README "Calibration"). */
void sim_config_defaults (sim_config_t *cfg);

/* How sim_config_load fails: a file it could not read (a tool exits EX_NOINPUT) or one whose content it refused (a
 * tool exits EX_CONFIG). Both are below 0, so `< 0` tests for either. */
enum { SIM_CONFIG_REFUSED = -1, SIM_CONFIG_UNREADABLE = -2 };

/* Reads a scenario file over cfg: lines of 'key = value' under '[section]' headers, comments (';' or '#' first on a
 * line, or ';' after a space) and blank lines, any length; numbers in plain decimal (no '+', hex, inf or nan; reals
 * may have an exponent). Returns 0; SIM_CONFIG_UNREADABLE with "PATH: why" in err when path is not a regular file
 * it can read ("not a regular file", "No such file or directory", ...); or SIM_CONFIG_REFUSED with "PATH:LINE: why"
 * (a syntax error at its line and what was expected there, an unknown key, a value that is not a decimal number or
 * is out of range) or "PATH: empty scenario (no keys)". Keys read before a refused line stay applied. */
int sim_config_load (sim_config_t *cfg, const char *path, char *err, size_t errlen);

/* Applies one "section.key=value" override (numbers as in a scenario file). Returns 0, or -1 with "--set ...: why"
 * in err. */
int sim_config_set (sim_config_t *cfg, const char *assignment, char *err, size_t errlen);

/* Sets one key to a value; `where` prefixes messages. 0 or -1. */
int sim_config_set_key (sim_config_t *cfg, const char *key, const char *value, const char *where, char *err,
                        size_t errlen);

/* Checks rules that involve several keys (shift_min_h <= shift_max_h, a non-empty service area, weights with a
 * positive sum, ...). 0 or -1 with a message naming the keys. */
int sim_config_check (const sim_config_t *cfg, char *err, size_t errlen);

/* Checks that the files the scenario reads can be read: map.file when set (map.cache may be made by the run). 0, or
 * SIM_CONFIG_UNREADABLE with "map.file: PATH: why" in err (a tool exits EX_NOINPUT). */
int sim_config_check_files (const sim_config_t *cfg, char *err, size_t errlen);

/* Checks a scenario fitted to its map (sim_config_fit_map) against that map's roads: with robotaxis, the service
 * area must hold a road node. 0, or SIM_CONFIG_REFUSED with a message naming robotaxi.service_area and the extent of
 * the map's roads, and saying so when the box holds roads read latitude first (a tool exits EX_CONFIG). */
int sim_config_check_map (const sim_config_t *cfg, const map_graph_t *g, char *err, size_t errlen);

/* A real number in text[0 .. len) as scenario files write them: plain decimal with an optional fraction and exponent
 * (1.5, .5, 2e-3, -4), spaces around allowed; no '+', hex, inf or nan. 0 with *out set, or -1 when the text is not
 * such a number or does not fit a double. */
int sim_config_parse_real (const char *text, size_t len, double *out);

/* The map specification to open: map.file when set (the source), else map.source. */
void sim_config_map_spec (const sim_config_t *cfg, map_spec_t *spec);

/* Fits a scenario written for no particular map to the one opened (extent in degrees). When map.file is set, the
 * default (Wuhan) zones are dropped and, if the scenario gave no zone of its own, one demand zone is put at the map's
 * centre (radius a quarter of its smaller side); when the scenario gave no robotaxi.service_area, it is the whole
 * map. Embedded maps keep the scenario's zones and area. */
void sim_config_fit_map (sim_config_t *cfg, double lon_min, double lat_min, double lon_max, double lat_max);

/* The first line sim_config_write writes (without its line break): how a results folder's config.ini is known to be
 * robotaxi-sim's own (sim_outdir). */
#define SIM_CONFIG_BANNER "; resolved robotaxi scenario: run it again with  robotaxi-sim --scenario THIS_FILE"

/* Writes every key with its resolved value as a scenario file that reproduces the run. 0 or -1 (I/O error). */
int sim_config_write (const sim_config_t *cfg, FILE *out);

/* Writes the parameter reference (key, default, range, meaning) as a Markdown table, for --help-config and the
 * README. */
void sim_config_describe (FILE *out);

#endif
