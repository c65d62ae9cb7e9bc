/* sim_config: the parameter table, and parsing, checking and writing scenarios through it. */
#include "sim_config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disp_policy.h"
#include "map_error.h"

/* T_PATH: a file name, may be empty; relative names in a scenario file are taken from the file's folder. */
typedef enum { T_INT, T_I32, T_SEED, T_REAL, T_TEXT, T_PATH, T_HOURS, T_BOX } s_type_t;

typedef struct {
    const char *key;           /* "section.key" */
    s_type_t type;
    size_t offset;             /* into sim_config_t */
    size_t size;               /* T_TEXT, T_PATH: buffer size */
    double min, max;           /* inclusive range (per element for T_HOURS) */
    const char *fallback;      /* the default, as text: parsed by the same code as a user's value */
    const char *meaning;       /* one line for --help-config and the README; sources in brackets */
} s_param_t;

#define OFF(field) offsetof (sim_config_t, field)
#define TEXT(field) OFF (field), sizeof (((sim_config_t *) 0)->field)

/* Both fleets' tariffs have the same rows; only the prefix, the field and the defaults differ. */
#define TARIFF_ROWS(prefix, fld, start, skm, smin, pkm, pmin, lkm, lsur, promo, minf, coupon, cshare, src)            \
    {prefix ".start_yuan", T_REAL, OFF (fld.start_yuan), 0, 0, 1000, start, "start fare incl. start_km and start_min " src}, \
    {prefix ".start_km", T_REAL, OFF (fld.start_km), 0, 0, 100, skm, "km included in the start fare"},                \
    {prefix ".start_min", T_REAL, OFF (fld.start_min), 0, 0, 600, smin, "minutes included in the start fare"},        \
    {prefix ".per_km_yuan", T_REAL, OFF (fld.per_km_yuan), 0, 0, 100, pkm, "rate per km beyond start_km"},            \
    {prefix ".per_min_yuan", T_REAL, OFF (fld.per_min_yuan), 0, 0, 100, pmin, "rate per minute beyond start_min"},    \
    {prefix ".long_km", T_REAL, OFF (fld.long_km), 0, 0, 1000, lkm, "beyond this distance the per-km rate rises by long_surcharge"}, \
    {prefix ".long_surcharge", T_REAL, OFF (fld.long_surcharge), 0, 0, 10, lsur, "long-distance surcharge on the per-km rate (0.5 = +50%; 0 = none)"}, \
    {prefix ".promo_factor", T_REAL, OFF (fld.promo_factor), 0, 0, 1, promo, "share of the list price paid"},         \
    {prefix ".min_fare_yuan", T_REAL, OFF (fld.min_fare_yuan), 0, 0, 1000, minf, "lowest fare paid"},                 \
    {prefix ".coupon_yuan", T_REAL, OFF (fld.coupon_yuan), 0, 0, 1000, coupon, "taken off a coupon holder's fare"},   \
    {prefix ".coupon_share", T_REAL, OFF (fld.coupon_share), 0, 0, 1, cshare, "share of riders holding a coupon"}

/* Both fleets' electric cars have the same rows (charging.mode battery). */
#define EV_ROWS(prefix, fld, kwh, drive, aux, stand, maxkw, start, below, to, src)                                    \
    {prefix ".battery_kwh", T_REAL, OFF (fld.battery_kwh), 0, 1, 1000, kwh, "usable battery capacity, kWh " src},     \
    {prefix ".drive_kwh_per_km", T_REAL, OFF (fld.drive_kwh_per_km), 0, 0.01, 2, drive,                              \
     "traction energy per km driven, kWh (charging.mode battery) [D: a BYD Qin Plus EV's CLTC 0.113]"},              \
    {prefix ".aux_kw", T_REAL, OFF (fld.aux_kw), 0, 0, 50, aux,                                                     \
     "power drawn while driving besides traction (climate, electronics, a robotaxi's sensors and computer), kW: per " \
     "km it is aux_kw / speed, so congested km cost more"},                                                          \
    {prefix ".stand_kw", T_REAL, OFF (fld.stand_kw), 0, 0, 50, stand,                                               \
     "power drawn while on shift and standing or waiting for a plug, kW"},                                           \
    {prefix ".max_charge_kw", T_REAL, OFF (fld.max_charge_kw), 0, 1, 1000, maxkw,                                   \
     "the most the car takes from a DC charger, kW"},                                                                \
    {prefix ".start_soc", T_REAL, OFF (fld.start_soc), 0, 0.05, 1, start, "state of charge at the start of the day"},   \
    {prefix ".charge_below_soc", T_REAL, OFF (fld.charge_below_soc), 0, 0, 0.95, below,                             \
     "a vehicle that turns free below this state of charge goes to charge [G]"},                                     \
    {prefix ".charge_to_soc", T_REAL, OFF (fld.charge_to_soc), 0, 0.05, 1, to, "and charges up to this"}

static const s_param_t s_params[] = {
    {"scenario.name", T_TEXT, TEXT (scenario.name), 0, 0, "wuhan", "name shown in outputs and metrics"},
    {"scenario.seed", T_SEED, OFF (scenario.seed), 0, 0, 0, "42", "random seed (--seed overrides)"},
    {"scenario.days", T_INT, OFF (scenario.days), 0, 1, 3650, "1",
     "consecutive days played; human drivers decide each morning whether to work (--days overrides)"},
    {"scenario.baseline", T_INT, OFF (scenario.baseline), 0, 0, 1, "0",
     "1: also play the same days without robotaxis and report displacement (--baseline sets it)"},

    {"map.source", T_TEXT, TEXT (map.source), 0, 0, "embedded:wuhan", "embedded road network: embedded:wuhan"},
    {"map.file", T_PATH, TEXT (map_file), 0, 0, "",
     "a map file (robotaxi-map import) or an OSM extract (.osm, .osm.pbf) to use instead of map.source"},
    {"map.epsg", T_I32, OFF (map.epsg), 0, 0, 999999, "0",
     "metric CRS to project to; 0 = UTM zone of the map's centre (Wuhan: 32650, UTM 50N) [CALIBRATION]"},
    {"map.highways", T_TEXT, TEXT (map.highways), 0, 0, MAP_OSM_DEFAULT_HIGHWAYS,
     "OSM highway classes an import keeps"},
    {"map.cache", T_PATH, TEXT (map.cache), 0, 0, "",
     "map file caching the road network and its contraction (an OSM map.file's import, or the embedded city at "
     "its grid): reused while it matches, rewritten otherwise"},
    {"map.grid_m", T_REAL, OFF (map.grid_m), 0, 50, 2000, "600", "street grid spacing of the embedded map, m"},

    {"traffic.hour_factors", T_HOURS, OFF (traffic.hour_factor), 0, 1, 10,
     "1,1,1,1,1,1.05,1.2,1.65,1.7,1.45,1.3,1.3,1.3,1.3,1.3,1.3,1.4,1.7,1.75,1.5,1.3,1.2,1.1,1.05",
     "travel time over free flow by hour (peak delay index 1.55-1.8) [CALIBRATION: city]"},

    {"demand.trips_per_day", T_REAL, OFF (demand.trips_per_day), 0, 0, 1e7, "80000",
     "trips a day for which someone looks at a ride-hail app; each then chooses a robotaxi, a human driver or neither "
     "(the default: a tenth of Wuhan's market, see README) [CALIBRATION: G]"},
    {"demand.hour_weights", T_HOURS, OFF (demand.hour_weight), 0, 0, 1000,
     "0.8,0.5,0.3,0.25,0.25,0.5,1.5,3.2,3.6,2.6,2.2,2.3,2.4,2.2,2.1,2.2,2.6,3.4,3.6,3.0,2.4,2.0,1.6,1.2",
     "relative request rate by hour; weekday peaks 7-9 h and 17:30-19:30 [CALIBRATION: city]"},
    {"demand.base_weight", T_REAL, OFF (demand.base_weight), 0, 0, 1000, "0.3",
     "weight of every road node besides the zones"},
    {"demand.trip_km_mean", T_REAL, OFF (demand.trip_km_mean), 0, 0.5, 100, "8",
     "mean trip length, km, gamma-shaped [CALIBRATION: city]"},
    {"demand.trip_km_shape", T_REAL, OFF (demand.trip_km_shape), 0, 1, 50, "3", "gamma shape of trip lengths"},
    {"demand.trip_km_min", T_REAL, OFF (demand.trip_km_min), 0, 0.1, 100, "1", "shortest trip drawn, km"},
    {"demand.trip_km_max", T_REAL, OFF (demand.trip_km_max), 0, 0.5, 200, "40", "longest trip drawn, km"},
    {"demand.detour_factor", T_REAL, OFF (demand.detour_factor), 0, 1, 3, "1.3", "road km per straight-line km"},
    {"demand.patience_min", T_REAL, OFF (demand.patience_min), 0, 0.5, 240, "10",
     "a rider not picked up by then gives up, minutes"},
    {"demand.file", T_PATH, TEXT (demand.file), 0, 0, "",
     "a trips CSV (one row per request) played instead of drawing the demand; the keys below name its columns"},
    {"demand.file_day", T_TEXT, TEXT (demand.file_day), 0, 0, "first",
     "with date-time columns: the first day played, YYYY-MM-DD, or first: the first dated row's day"},
    {"demand.file_dates", T_TEXT, TEXT (demand.file_dates), 0, 0, "calendar",
     "with dates, day k of a run plays: calendar: file_day + k - 1 (a date without rows stops the run); "
     "file: the file's k-th date from file_day on, again from there after its last"},
    {"demand.file_scale", T_REAL, OFF (demand.file_scale), 0, 0.001, 100, "1",
     "rows played per row read: below 1 a seeded share of them, above 1 copies (2 = each twice)"},
    {"demand.file_strict", T_INT, OFF (demand.file_strict), 0, 0, 1, "0",
     "1: a row that cannot be played (off the map, bad time) stops the run; 0: it is counted and reported"},
    {"demand.snap_m", T_REAL, OFF (demand.snap_m), 0, 1, 100000, "300",
     "a row's lon/lat is snapped to the nearest road node within this many metres, else it is off the map"},
    {"demand.col_time", T_TEXT, TEXT (demand.col_time), 0, 0, "time",
     "request time column: seconds of the day, HH:MM:SS, YYYY-MM-DD HH:MM:SS (or T) or MM/DD/YYYY hh:mm:ss AM"},
    {"demand.col_origin_lon", T_TEXT, TEXT (demand.col_origin_lon), 0, 0, "origin_lon", "origin longitude column"},
    {"demand.col_origin_lat", T_TEXT, TEXT (demand.col_origin_lat), 0, 0, "origin_lat", "origin latitude column"},
    {"demand.col_destination_lon", T_TEXT, TEXT (demand.col_destination_lon), 0, 0, "destination_lon",
     "destination longitude column"},
    {"demand.col_destination_lat", T_TEXT, TEXT (demand.col_destination_lat), 0, 0, "destination_lat",
     "destination latitude column"},
    {"demand.col_origin", T_TEXT, TEXT (demand.col_origin), 0, 0, "origin",
     "origin road node id column, used when the file has no lon/lat columns"},
    {"demand.col_destination", T_TEXT, TEXT (demand.col_destination), 0, 0, "destination",
     "destination road node id column, used when the file has no lon/lat columns"},
    {"demand.col_fleet", T_TEXT, TEXT (demand.col_fleet), 0, 0, "fleet",
     "optional column: robotaxi or human (the only fleet that rider takes), empty or any: chooses"},
    {"demand.col_patience", T_TEXT, TEXT (demand.col_patience), 0, 0, "patience_min",
     "optional column: that rider's patience in minutes (empty: demand.patience_min)"},
    {"demand.col_dropoff_time", T_TEXT, TEXT (demand.col_dropoff_time), 0, 0, "dropoff_time",
     "optional column: the recorded drop-off time; a row whose drop-off is before its pickup is not played"},
    {"demand.col_request", T_TEXT, TEXT (demand.col_request), 0, 0, "request_id",
     "column of the request's id, events.csv's trip column (without the column: the row's line number)"},

    {"choice.beta_price", T_REAL, OFF (choice.beta_price), 0, -10, 0, "-0.15",
     "rider utility per yuan of fare [G]"},
    {"choice.beta_wait", T_REAL, OFF (choice.beta_wait), 0, -10, 0, "-0.2",
     "rider utility per minute of expected wait [G: waiting valued at about 80 yuan/h]"},
    {"choice.beta_time", T_REAL, OFF (choice.beta_time), 0, -10, 0, "-0.05",
     "rider utility per extra minute of travel by the other mode [G]"},
    {"choice.asc_robotaxi", T_REAL, OFF (choice.asc_robotaxi), 0, -20, 20, "-5.5",
     "robotaxi's constant against human ride-hail (trust, few pickup points): fitted so 400 robotaxis take ~1% of "
     "Wuhan's trips (scenarios/wuhan-2024.ini) [CALIBRATION]"},
    {"choice.asc_other", T_REAL, OFF (choice.asc_other), 0, -20, 20, "-3.8",
     "the other mode's constant against human ride-hail: about 1 in 5 who look at a ride-hail app go another way [G]"},
    {"choice.other_price_yuan", T_REAL, OFF (choice.other_price_yuan), 0, 0, 1000, "4",
     "fare of the other mode (metro, bus) [G]"},
    {"choice.other_extra_min_per_km", T_REAL, OFF (choice.other_extra_min_per_km), 0, 0, 60, "2.5",
     "the other mode's extra door-to-door minutes per km of the trip [G]"},
    {"choice.wait_init_min", T_REAL, OFF (choice.wait_init_min), 0, 0, 240, "5",
     "wait riders expect from a fleet before any pickup was seen, minutes [G]"},
    {"choice.wait_window_min", T_REAL, OFF (choice.wait_window_min), 0, 1, 1440, "30",
     "riders expect the mean wait of a fleet's last this many minutes (a rider who gave up counts as "
     "demand.patience_min)"},

    {"robotaxi.fleet_size", T_INT, OFF (robotaxi.fleet_size), 0, 0, 200000, "40",
     "driverless vehicles, in service 24 h less their downtime (the default: a tenth of Wuhan's 400) [CALIBRATION: "
     "Wuhan fleet mid-2024]"},
    {"robotaxi.service_area", T_BOX, OFF (robotaxi.service_area), 0, 0, 0, "114.13,30.43,114.47,30.58",
     "lon_min,lat_min,lon_max,lat_max the robotaxis serve (Hanyang and Wuchang)"},
    {"robotaxi.depot_file", T_PATH, TEXT (robotaxi.depot_file), 0, 0, "",
     "a depots CSV (lon, lat, vehicles[, name]): robotaxis start there and drive back at their downtime; its "
     "vehicles must add up to robotaxi.fleet_size"},
    {"robotaxi.depot_snap_m", T_REAL, OFF (robotaxi.depot_snap_m), 0, 1, 100000, "300",
     "a depot's lon/lat is snapped to the nearest road node within this many metres, else the file is refused"},
    TARIFF_ROWS ("robotaxi", robotaxi.tariff, "16", "1", "2", "2.9", "0.4", "0", "0", "0.3", "1", "4.5", "0.5",
                 "[CALIBRATION: list fare; ~70% discount]"),
    {"robotaxi.vehicle_price_yuan", T_REAL, OFF (robotaxi.vehicle_price_yuan), 0, 0, 1e8, "200000",
     "price of one vehicle [CALIBRATION: RT6 about 200,000 yuan]"},
    {"robotaxi.sensor_price_yuan", T_REAL, OFF (robotaxi.sensor_price_yuan), 0, 0, 1e8, "0",
     "sensors and computer bought on top of the vehicle (0: in the vehicle price, as on the RT6)"},
    {"robotaxi.life_years", T_REAL, OFF (robotaxi.life_years), 0, 0.5, 30, "5",
     "service life of vehicle and sensors, years [CALIBRATION: G]"},
    {"robotaxi.residual_share", T_REAL, OFF (robotaxi.residual_share), 0, 0, 1, "0.3",
     "resale value at the end of the life, share of the price [G]"},
    {"robotaxi.finance_rate", T_REAL, OFF (robotaxi.finance_rate), 0, 0, 1, "0.03",
     "yearly interest on the capital (annuity) [G]"},
    {"robotaxi.insurance_yuan_per_year", T_REAL, OFF (robotaxi.insurance_yuan_per_year), 0, 0, 1e7, "3000",
     "insurance per vehicle and year [G]"},
    {"robotaxi.kwh_per_km", T_REAL, OFF (robotaxi.kwh_per_km), 0, 0, 10, "0.15",
     "charging.mode fixed: energy use, kWh per km [G]"},
    {"robotaxi.kwh_price_yuan", T_REAL, OFF (robotaxi.kwh_price_yuan), 0, 0, 100, "0.8",
     "charging.mode fixed: electricity at the depot, yuan per kWh [G]"},
    {"robotaxi.maintenance_yuan_per_km", T_REAL, OFF (robotaxi.maintenance_yuan_per_km), 0, 0, 100, "0.06",
     "maintenance and tyres per km [G]"},
    {"robotaxi.cleaning_yuan_per_day", T_REAL, OFF (robotaxi.cleaning_yuan_per_day), 0, 0, 1e5, "8",
     "cleaning per vehicle-day [G]"},
    {"robotaxi.depot_yuan_per_day", T_REAL, OFF (robotaxi.depot_yuan_per_day), 0, 0, 1e5, "5",
     "depot, parking and charging site per vehicle-day [G]"},
    {"robotaxi.software_yuan_per_day", T_REAL, OFF (robotaxi.software_yuan_per_day), 0, 0, 1e5, "5",
     "software, maps, connectivity and cloud per vehicle-day [G]"},
    {"robotaxi.vehicles_per_operator", T_REAL, OFF (robotaxi.vehicles_per_operator), 0, 1, 1000, "12",
     "vehicles one remote safety operator watches [CALIBRATION: Pony.ai 1 per 10-12]"},
    {"robotaxi.operator_wage_yuan_per_h", T_REAL, OFF (robotaxi.operator_wage_yuan_per_h), 0, 0, 10000, "20",
     "remote operator's cost per hour, staffed around the clock [G]"},
    {"robotaxi.charge_h_per_day", T_REAL, OFF (robotaxi.charge_h_per_day), 0, 0, 23, "2",
     "charging.mode fixed: hours a day each vehicle is out of service charging, in low-demand hours [G]"},
    {"robotaxi.clean_h_per_day", T_REAL, OFF (robotaxi.clean_h_per_day), 0, 0, 23, "0.5",
     "hours a day each vehicle is out of service for cleaning and checks [G]"},

    EV_ROWS ("robotaxi", robotaxi.ev, "60", "0.13", "1.5", "1", "80", "0.9", "0.2", "0.9",
             "[G: the RT6's pack size is not published]"),

    {"human.drivers", T_INT, OFF (human.drivers), 0, 0, 2000000, "3200",
     "human ride-hail drivers who may work; each decides every morning (the default: a tenth of Wuhan's ~32,000) "
     "[CALIBRATION: G, 30,000-60,000 cars]"},
    {"human.shift_min_h", T_REAL, OFF (human.shift_min_h), 0, 1, 24, "8", "shortest shift, hours"},
    {"human.shift_max_h", T_REAL, OFF (human.shift_max_h), 0, 1, 24, "12",
     "longest shift, hours [CALIBRATION: 42% drive over 10 h]"},
    {"human.shift_start_weights", T_HOURS, OFF (human.shift_start_weight), 0, 0, 1000,
     "1,0.5,0.3,0.3,0.5,1.5,3,3.5,3,2,1.5,1.5,1.5,1.5,1.5,2,2.5,2.5,2,1.5,1.2,1,1,1",
     "relative number of shifts starting in each hour"},
    {"human.shift_file", T_PATH, TEXT (human.shift_file), 0, 0, "",
     "a shifts CSV (start_h, length_h, home_lon, home_lat[, drivers]): drivers work these shifts from home and drive "
     "home at the end; its drivers must add up to human.drivers"},
    {"human.home_snap_m", T_REAL, OFF (human.home_snap_m), 0, 1, 100000, "300",
     "a home's lon/lat is snapped to the nearest road node within this many metres, else the file is refused"},
    {"human.commission", T_REAL, OFF (human.commission), 0, 0, 1, "0.14",
     "platform commission on fares [CALIBRATION: 14% in 2024]"},
    {"human.energy_yuan_per_km", T_REAL, OFF (human.energy_yuan_per_km), 0, 0, 20, "0.3",
     "charging.mode fixed: driver's running cost per km (battery: the electricity bought) "
     "[CALIBRATION: EV electricity]"},
    {"human.fulltime_monthly_net_yuan", T_REAL, OFF (human.fulltime_monthly_net_yuan), 0, 1, 1e6, "7600",
     "a full-time driver's monthly income [CALIBRATION: 7,600 yuan/month]"},
    {"human.workdays_per_month", T_REAL, OFF (human.workdays_per_month), 0, 1, 31, "26",
     "working days in a full-time driver's month [G]"},
    TARIFF_ROWS ("human", human.tariff, "13", "3", "8", "1.45", "0.4", "0", "0", "0.9", "10", "0", "0",
                 "[CALIBRATION: DiDi Express shape, 18-30 yuan per 10 km]"),
    {"human.vehicle_rent_yuan_per_day", T_REAL, OFF (human.vehicle_rent_yuan_per_day), 0, 0, 1e5, "60",
     "rent (or depreciation) of a ride-hail car per working day [G]"},
    {"human.insurance_yuan_per_year", T_REAL, OFF (human.insurance_yuan_per_year), 0, 0, 1e7, "3650",
     "commercial insurance per car and year [G]"},
    {"human.maintenance_yuan_per_km", T_REAL, OFF (human.maintenance_yuan_per_km), 0, 0, 100, "0.05",
     "maintenance and tyres per km [G]"},
    {"human.cruise_kmh", T_REAL, OFF (human.cruise_kmh), 0, 0, 120, "7",
     "mean speed of an idle driver (cruising for riders, parked spells included), km/h; 0: they wait parked "
     "[G: tuned to ~40% empty km]"},
    {"human.cruise_hop_km", T_REAL, OFF (human.cruise_hop_km), 0, 0.1, 50, "3",
     "an idle driver cruises this far along the streets, then parks, then cruises on [G]"},
    {"human.commute_km", T_REAL, OFF (human.commute_km), 0, 0, 200, "5",
     "empty km from home to the first pickup area, and again back home, per shift [G]"},
    {"human.reservation_wage_yuan_per_h", T_REAL, OFF (human.reservation_wage_yuan_per_h), 0, 0, 10000, "20",
     "median net hourly earnings below which a driver stays home; also values drivers' time in costs [G]"},
    {"human.reservation_wage_spread", T_REAL, OFF (human.reservation_wage_spread), 0, 0, 3, "0.3",
     "lognormal sigma of reservation wages across drivers [G]"},
    {"human.expected_hourly_init_yuan", T_REAL, OFF (human.expected_hourly_init_yuan), 0, 0, 10000, "29",
     "net hourly earnings drivers expect before their first day [CALIBRATION: 7,600 yuan/month, 26 days, ~10 h]"},
    {"human.learning_rate", T_REAL, OFF (human.learning_rate), 0, 0, 1, "0.3",
     "weight of the latest day in a driver's expected hourly earnings [G]"},
    {"human.decision_noise_yuan", T_REAL, OFF (human.decision_noise_yuan), 0, 0.01, 1000, "2",
     "logit scale of the daily work decision, yuan per hour [G]"},

    EV_ROWS ("human", human.ev, "57.6", "0.12", "0.6", "0", "60", "0.9", "0.25", "0.8",
             "[CALIBRATION: BYD Qin Plus EV 57.6 kWh]"),

    {"charging.mode", T_TEXT, TEXT (charging.mode), 0, 0, "battery",
     "battery: every vehicle has a battery and charges at sites with plugs, energy bought at its hour's price "
     "(README \"Electric fleets\"); fixed: a robotaxi is out of service robotaxi.charge_h_per_day and energy costs a "
     "price per km (the model before batteries)"},
    {"charging.taper_soc", T_REAL, OFF (charging.taper_soc), 0, 0.1, 1, "0.8",
     "a charger gives full power up to this state of charge, then less [CALIBRATION: DC curves]"},
    {"charging.end_share", T_REAL, OFF (charging.end_share), 0, 0.01, 1, "0.1",
     "the power at 100% as a share of full power, falling linearly from taper_soc (0.1: the last 20% takes about "
     "as long as the first 50%) [CALIBRATION: DC curves]"},
    {"charging.efficiency", T_REAL, OFF (charging.efficiency), 0, 0.5, 1, "0.92",
     "kWh into the battery per kWh bought [G]"},
    {"charging.depot_yuan_per_kwh", T_HOURS, OFF (charging.depot_yuan_per_kwh), 0, 0, 100,
     "0.65,0.31,0.31,0.31,0.31,0.31,0.31,0.65,0.65,0.65,0.65,0.65,0.31,0.31,0.65,0.65,0.97,0.97,1.17,1.17,0.97,0.97,"
     "0.97,0.97",
     "the operator's electricity by hour, yuan per kWh: Hubei's business time-of-use bands (valley 1-7 and 12-14 h, "
     "peak 16-18 and 20-24 h, spike 18-20 h) at 0.48 : 1 : 1.49 : 1.8 of a flat 0.65 [CALIBRATION: Hubei TOU; flat "
     "price G]"},
    {"charging.public_yuan_per_kwh", T_HOURS, OFF (charging.public_yuan_per_kwh), 0, 0, 100,
     "1.1,0.76,0.76,0.76,0.76,0.76,0.76,1.1,1.1,1.1,1.1,1.1,0.76,0.76,1.1,1.1,1.42,1.42,1.62,1.62,1.42,1.42,1.42,1.42",
     "a public charger's price by hour, yuan per kWh: the same bands plus a 0.45 service fee [CALIBRATION: service "
     "fees 0.3-0.8]"},
    {"charging.depot_sites", T_INT, OFF (charging.depot_sites), 0, 1, 10000, "4",
     "the robotaxis' charging depots, placed in the service area by demand (with robotaxi.depot_file: its depots) [G]"},
    {"charging.depot_plugs_per_vehicle", T_REAL, OFF (charging.depot_plugs_per_vehicle), 0, 0.01, 1, "0.25",
     "plugs at the depots per robotaxi [G]"},
    {"charging.depot_kw", T_REAL, OFF (charging.depot_kw), 0, 1, 1000, "120", "power of a depot plug, kW [G]"},
    {"charging.public_sites", T_INT, OFF (charging.public_sites), 0, 1, 1000000, "40",
     "public charging sites, placed by demand [G]"},
    {"charging.public_plugs", T_INT, OFF (charging.public_plugs), 0, 1, 10000, "8", "plugs at each public site [G]"},
    {"charging.public_kw", T_REAL, OFF (charging.public_kw), 0, 1, 1000, "60",
     "power of a public plug, kW [CALIBRATION: China's public chargers average 46.5 kW]"},
    {"charging.robotaxi_public", T_INT, OFF (charging.robotaxi_public), 0, 0, 1, "0",
     "1: robotaxis may charge at public sites too"},
    {"charging.site_file", T_PATH, TEXT (charging.site_file), 0, 0, "",
     "a charging sites CSV (lon, lat, plugs, kw, access[, name]; access depot: the robotaxis' own, public: anyone's) "
     "used instead of the generated sites (charging.mode battery only)"},
    {"charging.site_snap_m", T_REAL, OFF (charging.site_snap_m), 0, 1, 100000, "300",
     "a charging site's lon/lat is snapped to the nearest road node within this many metres, else the file is "
     "refused"},
    {"charging.reserve_soc", T_REAL, OFF (charging.reserve_soc), 0, 0, 0.5, "0.05",
     "dispatch: a vehicle is never given a ride after which it would hold less than this state of charge beyond "
     "what the drive to a charger takes (each vehicle tells the dispatcher its reach) [G]"},

    TARIFF_ROWS ("taxi", taxi.tariff, "10", "3", "0", "1.8", "0", "10", "0.5", "1", "0", "0", "0",
                 "[CALIBRATION: Wuhan taxi meter; used for the fare curves only]"),

    {"dispatch.policy", T_TEXT, TEXT (dispatch.policy), 0, 0, "nearest", "dispatch policy"},
    {"dispatch.step_s", T_REAL, OFF (dispatch.step_s), 0, 1, 600, "10",
     "lockstep period: the simulator and the dispatcher exchange a tick every step, seconds"},
    {"dispatch.max_pickup_min", T_REAL, OFF (dispatch.max_pickup_min), 0, 1, 120, "15",
     "never send a vehicle further away than this, minutes"},
    {"dispatch.batch_window_s", T_REAL, OFF (dispatch.batch_window_s), 0, 1, 3600, "30",
     "policy batch: requests are collected this long, then assigned together, seconds"},
    {"dispatch.batch_candidates", T_INT, OFF (dispatch.batch_candidates), 0, 1, 256, "8",
     "policy batch: nearest idle vehicles considered per request"},
    {"dispatch.robotaxi_cost_per_km", T_REAL, OFF (dispatch.robotaxi_cost_per_km), 0, 0.001, 1000, "0.18",
     "policy cost: operator's cost of one more robotaxi km, yuan [energy 0.15 kWh x 0.8 + maintenance 0.06]"},
    {"dispatch.human_cost_per_km", T_REAL, OFF (dispatch.human_cost_per_km), 0, 0.001, 1000, "1.6",
     "policy cost: operator's cost of one more human-driven km (the driver's pay), yuan [G]"},
    {"dispatch.wait_yuan_per_min", T_REAL, OFF (dispatch.wait_yuan_per_min), 0, 0.001, 1000, "1",
     "policy cost: price put on a minute of a rider's wait, yuan [G]"},
    {"dispatch.mixed_fleet", T_INT, OFF (dispatch.mixed_fleet), 0, 0, 1, "0",
     "1: riders who choose a human ride-hail also accept a robotaxi (one platform runs both fleets)"},
    {"dispatch.rebalance", T_INT, OFF (dispatch.rebalance), 0, 0, 1, "0",
     "1: move idle robotaxis toward zones where demand is expected (with any policy)"},
    {"dispatch.rebalance_interval_min", T_REAL, OFF (dispatch.rebalance_interval_min), 0, 1, 1440, "5",
     "rebalance this often, minutes"},
    {"dispatch.rebalance_zone_m", T_REAL, OFF (dispatch.rebalance_zone_m), 0, 100, 50000, "1500",
     "side of a square demand zone for rebalancing, metres"},
    {"dispatch.rebalance_horizon_min", T_REAL, OFF (dispatch.rebalance_horizon_min), 0, 1, 1440, "30",
     "rebalancing looks at the demand expected over this long ahead, minutes"},
    {"dispatch.charge_early_from_h", T_INT, OFF (dispatch.charge_early_from_h), 0, 0, 23, "12",
     "policy charge-early (charging.mode battery): idle robotaxis low on reach are sent to charge from this hour "
     "[the midday valley of Hubei's time-of-use tariff, 12-14 h, between the peaks]"},
    {"dispatch.charge_early_to_h", T_INT, OFF (dispatch.charge_early_to_h), 0, 0, 23, "14",
     "policy charge-early: until this hour (exclusive; a window may wrap past midnight, e.g. 22 to 6)"},
    {"dispatch.charge_early_reach_km", T_REAL, OFF (dispatch.charge_early_reach_km), 0, 1, 10000, "150",
     "policy charge-early: an idle robotaxi whose reach (km of rides it can still take) is below this is sent [G: "
     "about 65% of a 60 kWh battery]"},

    {"metrics.interval_min", T_REAL, OFF (metrics.interval_min), 0, 1, 1440, "15",
     "publish a metrics snapshot every this many simulated minutes"},
    {"metrics.fare_curve_kmh", T_REAL, OFF (metrics.fare_curve_kmh), 0, 5, 120, "30",
     "speed behind fare quotes to riders (slowed by the hour's traffic factor) and fares.csv [CALIBRATION: 30 km/h "
     "off-peak]"},
};

#define S_PARAM_COUNT (sizeof s_params / sizeof s_params[0])

/* The default demand zones: places in Wuhan that draw ride-hail trips (approximate positions). */
static const char *const s_default_zones[][2] = {
    {"hankou_cbd", "114.285, 30.585, 2.5, 5"},      /* Jianghan Road, Wuhan Plaza */
    {"yongqing", "114.300, 30.603, 2.0, 3"},        /* Wuhan Tiandi */
    {"hankou_station", "114.255, 30.617, 1.5, 3"},  /* Hankou Railway Station */
    {"jiedaokou", "114.338, 30.530, 2.5, 4"},       /* Wuchang: Zhongnan, Jiedaokou, universities */
    {"optics_valley", "114.400, 30.505, 3.0, 4"},   /* Guanggu */
    {"wuchang_station", "114.317, 30.529, 1.5, 2"}, /* Wuchang Railway Station */
    {"wuhan_station", "114.425, 30.607, 1.5, 2"},   /* Wuhan Railway Station */
    {"wangjiadun", "114.262, 30.555, 2.0, 3"},      /* Hanyang centre */
    {"zhuankou", "114.165, 30.490, 3.0, 2"},        /* Economic & Technological Development Zone */
};

static const s_param_t *
s_find (const char *key)
{
    for (size_t i = 0; i < S_PARAM_COUNT; i++)
        if (strcmp (s_params[i].key, key) == 0)
            return &s_params[i];
    return NULL;
}

/* Edit distance, for "did you mean" on unknown keys. Keys are short (< 64 chars). */
static size_t
s_distance (const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la > 63 || lb > 63)
        return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static const char *
s_suggest (const char *key)
{
    const char *best = NULL;
    size_t best_d = 4;
    for (size_t i = 0; i < S_PARAM_COUNT; i++) {
        size_t d = s_distance (key, s_params[i].key);
        if (d < best_d) {
            best_d = d;
            best = s_params[i].key;
        }
    }
    return best;
}

/* Numbers in scenarios are plain decimal, as the README documents: an optional '-', digits with an optional
 * fraction and, for reals, an optional exponent (1.5, .5, 2e-3). No '+', no hex (0x10, 0x1p3), no inf or nan: strtod
 * and strtol with base 0 would take them and read a typo as some other number. Spaces around the number are allowed
 * (a list reads "114.3, 30.6"). The parsers return 0, S_NOT_DECIMAL, or S_TOO_BIG when the text is a decimal number
 * but does not fit the type (reported as out of range). */
enum { S_NOT_DECIMAL = -1, S_TOO_BIG = -2 };

/* The end of the spaces from text on, at most up to end. */
static const char *
s_skip_space (const char *text, const char *end)
{
    while (text < end && isspace ((unsigned char) *text))
        text++;
    return text;
}

/* The end of the digits from text on, at most up to end. */
static const char *
s_skip_digits (const char *text, const char *end)
{
    while (text < end && isdigit ((unsigned char) *text))
        text++;
    return text;
}

/* A real in text[0 .. len): see above. */
static int
s_parse_real_n (const char *text, size_t len, double *out)
{
    const char *end = text + len;
    const char *start = s_skip_space (text, end), *p = start;
    if (p < end && *p == '-')
        p++;
    const char *digits = p;
    p = s_skip_digits (p, end);
    size_t count = (size_t) (p - digits);
    if (p < end && *p == '.') {
        const char *fraction = ++p;
        p = s_skip_digits (p, end);
        count += (size_t) (p - fraction);
    }
    if (count == 0)
        return S_NOT_DECIMAL;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        const char *exponent = p;
        p = s_skip_digits (p, end);
        if (p == exponent)
            return S_NOT_DECIMAL;
    }
    const char *number_end = p;
    if (s_skip_space (p, end) != end)
        return S_NOT_DECIMAL;
    /* strtod reads exactly the decimal checked above: it stops at the same character (a space, a comma or the end) */
    char *stop;
    errno = 0;
    double v = strtod (start, &stop);
    if (stop != number_end)
        return S_NOT_DECIMAL;
    if (errno == ERANGE || !isfinite (v))
        return S_TOO_BIG;
    *out = v;
    return 0;
}

static int
s_parse_real (const char *text, double *out)
{
    return s_parse_real_n (text, strlen (text), out);
}

int
sim_config_parse_real (const char *text, size_t len, double *out)
{
    return s_parse_real_n (text, len, out) == 0 ? 0 : -1;
}

/* A decimal integer: an optional '-' (when allow_minus) and digits, spaces around allowed. *out holds the magnitude;
 * *negative is set when there was a '-'. */
static int
s_parse_digits (const char *text, int allow_minus, unsigned long long *out, int *negative)
{
    const char *end = text + strlen (text);
    const char *start = s_skip_space (text, end), *p = start;
    *negative = 0;
    if (allow_minus && p < end && *p == '-') {
        *negative = 1;
        p++;
    }
    const char *digits = p;
    p = s_skip_digits (p, end);
    if (p == digits || s_skip_space (p, end) != end)
        return S_NOT_DECIMAL;
    errno = 0;
    unsigned long long v = strtoull (digits, NULL, 10);
    if (errno == ERANGE)
        return S_TOO_BIG;
    *out = v;
    return 0;
}

/* A decimal integer that fits int64_t. */
static int
s_parse_int (const char *text, int64_t *out)
{
    unsigned long long magnitude;
    int negative;
    int rc = s_parse_digits (text, 1, &magnitude, &negative);
    if (rc < 0)
        return rc;
    if (magnitude > (unsigned long long) INT64_MAX)
        return S_TOO_BIG;   /* INT64_MIN itself is far outside every range in the table */
    *out = negative ? -(int64_t) magnitude : (int64_t) magnitude;
    return 0;
}

/* Splits a comma-separated list of reals. Returns the number of items (the first n stored in out), or -1 with *bad
 * the index of the first item that is not a decimal number (an empty item is not: "1,,2" is refused, not read as
 * "1,2"). */
static int
s_parse_list (const char *text, double *out, int n, int *bad)
{
    int count = 0;
    for (const char *item = text;; count++) {
        const char *comma = strchr (item, ',');
        size_t len = comma ? (size_t) (comma - item) : strlen (item);
        double v;
        if (s_parse_real_n (item, len, &v) < 0) {
            *bad = count;
            return -1;
        }
        if (count < n)
            out[count] = v;
        if (!comma)
            return count + 1;
        item = comma + 1;
    }
}

/* The text of list item i, for a message: "'1.5'" (at most 40 characters). */
static void
s_list_item (const char *text, int i, char *buf, size_t len)
{
    const char *item = text;
    for (int k = 0; k < i && item; k++) {
        item = strchr (item, ',');
        if (item)
            item++;
    }
    if (!item) {
        snprintf (buf, len, "''");
        return;
    }
    const char *comma = strchr (item, ',');
    size_t n = comma ? (size_t) (comma - item) : strlen (item);
    while (n > 0 && isspace ((unsigned char) *item)) {
        item++;
        n--;
    }
    while (n > 0 && isspace ((unsigned char) item[n - 1]))
        n--;
    snprintf (buf, len, "'%.*s'", (int) (n > 40 ? 40 : n), item);
}

static int
s_set_zone (sim_config_t *cfg, const char *name, const char *value, const char *where, char *err, size_t errlen)
{
    double v[4];
    int bad;
    if (strlen (name) == 0 || strlen (name) >= sizeof cfg->zones[0].name) {
        map_error (err, errlen, "%szones.%s: a zone name has 1 to %zu characters", where, name,
               sizeof cfg->zones[0].name - 1);
        return -1;
    }
    if (s_parse_list (value, v, 4, &bad) != 4) {
        map_error (err, errlen, "%szones.%s: '%s' is not 'lon, lat, radius_km, weight' (decimal numbers)", where, name,
                   value);
        return -1;
    }
    if (v[0] < -180 || v[0] > 180 || v[1] < -90 || v[1] > 90 || v[2] <= 0 || v[2] > 100 || v[3] < 0 || v[3] > 1e6) {
        map_error (err, errlen,
               "%szones.%s: '%s' is out of range (lon -180..180, lat -90..90, radius_km 0..100, weight 0..1e6)",
               where, name, value);
        return -1;
    }
    size_t i = 0;
    while (i < cfg->zone_count && strcmp (cfg->zones[i].name, name) != 0)
        i++;
    if (i == cfg->zone_count) {
        if (cfg->zone_count == SIM_MAX_ZONES) {
            map_error (err, errlen, "%szones.%s: more than %d zones", where, name, SIM_MAX_ZONES);
            return -1;
        }
        cfg->zone_count++;
    }
    sim_zone_t *z = &cfg->zones[i];
    snprintf (z->name, sizeof z->name, "%s", name);
    z->lon = v[0];
    z->lat = v[1];
    z->radius_km = v[2];
    z->weight = v[3];
    return 0;
}

static int
s_set_param (sim_config_t *cfg, const s_param_t *p, const char *value, const char *where, char *err, size_t errlen)
{
    char *base = (char *) cfg + p->offset;
    double v;
    switch (p->type) {
    case T_TEXT:
        if (strlen (value) == 0 || strlen (value) >= p->size) {
            map_error (err, errlen, "%s%s: '%s' must have 1 to %zu characters", where, p->key, value, p->size - 1);
            return -1;
        }
        memcpy (base, value, strlen (value) + 1);
        return 0;
    case T_PATH:
        if (strlen (value) >= p->size) {
            map_error (err, errlen, "%s%s: '%.40s...' is longer than %zu characters", where, p->key, value,
                       p->size - 1);
            return -1;
        }
        memcpy (base, value, strlen (value) + 1);
        return 0;
    case T_SEED: {
        unsigned long long s;
        int negative;
        if (s_parse_digits (value, 0, &s, &negative) < 0) {
            map_error (err, errlen, "%s%s: '%s' is not a decimal integer from 0 to 18446744073709551615", where,
                       p->key, value);
            return -1;
        }
        *(uint64_t *) base = s;
        return 0;
    }
    case T_INT:
    case T_I32: {
        int64_t i = 0;
        int rc = s_parse_int (value, &i);
        if (rc == S_NOT_DECIMAL) {
            map_error (err, errlen, "%s%s: '%s' is not a decimal integer", where, p->key, value);
            return -1;
        }
        if (rc == S_TOO_BIG || (double) i < p->min || (double) i > p->max) {
            map_error (err, errlen, "%s%s: %s is out of range (%.15g .. %.15g)", where, p->key, value, p->min, p->max);
            return -1;
        }
        if (p->type == T_I32)
            *(int32_t *) base = (int32_t) i;
        else
            *(int64_t *) base = i;
        return 0;
    }
    case T_REAL: {
        int rc = s_parse_real (value, &v);
        if (rc == S_NOT_DECIMAL) {
            map_error (err, errlen, "%s%s: '%s' is not a decimal number", where, p->key, value);
            return -1;
        }
        if (rc == S_TOO_BIG || v < p->min || v > p->max) {
            map_error (err, errlen, "%s%s: %s is out of range (%.15g .. %.15g)", where, p->key, value, p->min, p->max);
            return -1;
        }
        *(double *) base = v;
        return 0;
    }
    case T_HOURS: {
        double h[24];
        int bad;
        int n = s_parse_list (value, h, 24, &bad);
        if (n < 0) {
            char item[48];
            s_list_item (value, bad, item, sizeof item);
            map_error (err, errlen, "%s%s: item %d: %s is not a decimal number (24 comma-separated numbers, one per "
                       "hour)", where, p->key, bad + 1, item);
            return -1;
        }
        if (n != 24) {
            map_error (err, errlen, "%s%s: needs 24 comma-separated numbers, one per hour (got %d)", where, p->key, n);
            return -1;
        }
        for (int i = 0; i < 24; i++)
            if (h[i] < p->min || h[i] > p->max) {
                map_error (err, errlen, "%s%s: hour %d: %g is out of range (%g .. %g)", where, p->key, i, h[i], p->min,
                       p->max);
                return -1;
            }
        memcpy (base, h, sizeof h);
        return 0;
    }
    case T_BOX: {
        double b[4];
        int bad;
        if (s_parse_list (value, b, 4, &bad) != 4) {
            map_error (err, errlen, "%s%s: '%s' is not 'lon_min,lat_min,lon_max,lat_max' (decimal numbers)", where,
                       p->key, value);
            return -1;
        }
        if (b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[0] >= b[2] || b[1] >= b[3]) {
            /* four numbers that make a box read latitude first: the usual slip, said so */
            int swapped = b[1] >= -180 && b[3] <= 180 && b[0] >= -90 && b[2] <= 90 && b[1] < b[3] && b[0] < b[2];
            map_error (err, errlen, "%s%s: '%s' is not a box (need -180 <= lon_min < lon_max <= 180, -90 <= lat_min < "
                   "lat_max <= 90)%s", where, p->key, value,
                   swapped ? "; it is one read latitude first: write lon_min,lat_min,lon_max,lat_max" : "");
            return -1;
        }
        memcpy (base, b, sizeof b);
        return 0;
    }
    }
    return -1;
}

int
sim_config_set_key (sim_config_t *cfg, const char *key, const char *value, const char *where, char *err,
                    size_t errlen)
{
    if (strncmp (key, "zones.", 6) == 0) {
        if (s_set_zone (cfg, key + 6, value, where, err, errlen) < 0)
            return -1;
        for (size_t i = 0; i < cfg->zone_count; i++)
            if (strcmp (cfg->zones[i].name, key + 6) == 0)
                cfg->zone_user[i] = 1;
        return 0;
    }
    const s_param_t *p = s_find (key);
    if (!p) {
        const char *near = s_suggest (key);
        if (near)
            map_error (err, errlen, "%s%s: unknown key (did you mean %s?)", where, key, near);
        else
            map_error (err, errlen, "%s%s: unknown key (robotaxi-sim --help-config lists them)", where, key);
        return -1;
    }
    if (s_set_param (cfg, p, value, where, err, errlen) < 0)
        return -1;
    if (strcmp (p->key, "robotaxi.service_area") == 0)
        cfg->service_area_set = 1;
    return 0;
}

void
sim_config_defaults (sim_config_t *cfg)
{
    memset (cfg, 0, sizeof *cfg);
    char err[256];
    for (size_t i = 0; i < S_PARAM_COUNT; i++) {
        int rc = s_set_param (cfg, &s_params[i], s_params[i].fallback, "", err, sizeof err);
        (void) rc;
        /* A default that does not parse is a bug in the table, caught by the config test. */
    }
    for (size_t i = 0; i < sizeof s_default_zones / sizeof s_default_zones[0]; i++)
        s_set_zone (cfg, s_default_zones[i][0], s_default_zones[i][1], "", err, sizeof err);
}

/* Reading a scenario file. Debian builds libinih with a fixed line buffer of INI_MAX_LINE = 200 bytes: a longer
 * line is cut in two, the rest read as a line of its own and every later line number shifted. inih also reports a
 * missing ']' only as a line number, goes on parsing under the previous section (so the message that reached the user
 * was a later line's "unknown key"), reads an indented line as the continuation of the previous value and takes
 * 'key: value' as well. So the file is read whole here, each line checked for syntax (blank, comment, '[section]' or
 * 'key = value') as it is handed to inih in a form inih cannot misread: a comment line as a blank line, whatever its
 * length; a header as "[name]"; a key line as "key=value" without indentation or inline comment. A key line too long
 * for inih's buffer reaches it as "key=", its value kept in s_load_t for the handler. inih still splits every line
 * it is handed and keeps track of the section; this file decides what a line may look like. */

#define S_MAX_FILE (1 << 20)   /* a scenario is a few kilobytes; anything near a megabyte is not one */
#define S_MAX_SECTION 48       /* inih keeps at most 49 characters of a section name */
#define S_MAX_KEY 100          /* "section.key" fits the handler's buffer */

typedef struct {
    sim_config_t *cfg;
    const char *path;
    char *next, *end;          /* the rest of the file, NUL-terminated at end */
    int line;                  /* number of the line handed to inih last */
    const char *long_value;    /* that line's value when it was too long for inih, else NULL */
    size_t keys;               /* key lines applied */
    struct s_seen { char *key; int line; } *seen; /* the keys applied so far and their lines: a key is given once */
    size_t seen_cap;
    char *err;
    size_t errlen;
    int failed;
} s_load_t;

static int
s_on_ini (void *arg, const char *section, const char *name, const char *value)
{
    s_load_t *ld = arg;
    if (ld->failed)
        return 0;
    if (ld->long_value)
        value = ld->long_value;
    char key[160];
    if (snprintf (key, sizeof key, "%s.%s", section, name) >= (int) sizeof key) {
        map_error (ld->err, ld->errlen, "%s:%d: %s.%s: key too long", ld->path, ld->line, section, name);
        ld->failed = 1;
        return 0;
    }
    if (!section[0]) {
        map_error (ld->err, ld->errlen, "%s:%d: %s: a key before the first '[section]' header", ld->path, ld->line,
                   name);
        ld->failed = 1;
        return 0;
    }
    /* A key given twice is a mistake either way round (the first or the last meant), so it is refused, not the last
     * one kept. */
    for (size_t i = 0; i < ld->keys; i++)
        if (strcmp (ld->seen[i].key, key) == 0) {
            map_error (ld->err, ld->errlen, "%s:%d: %s: already set on line %d (give each key once)", ld->path,
                       ld->line, key, ld->seen[i].line);
            ld->failed = 1;
            return 0;
        }
    if (ld->keys == ld->seen_cap) {
        size_t cap = ld->seen_cap ? 2 * ld->seen_cap : 64;
        struct s_seen *grown = realloc (ld->seen, cap * sizeof *grown);
        if (!grown) {
            map_error (ld->err, ld->errlen, "%s:%d: out of memory", ld->path, ld->line);
            ld->failed = 1;
            return 0;
        }
        ld->seen = grown;
        ld->seen_cap = cap;
    }
    if (strcmp (section, "zones") == 0 && !ld->cfg->zones_replaced) {
        /* A file that lists zones gives the whole set: its zones replace the defaults. */
        ld->cfg->zone_count = 0;
        ld->cfg->zones_replaced = 1;
    }
    /* A relative file name in a scenario means a file beside the scenario, wherever it is run from. */
    const s_param_t *p = s_find (key);
    char resolved[1024];
    const char *slash = strrchr (ld->path, '/');
    if (p && p->type == T_PATH && value[0] && value[0] != '/' && slash) {
        if (snprintf (resolved, sizeof resolved, "%.*s/%s", (int) (slash - ld->path), ld->path, value) >=
            (int) sizeof resolved) {
            map_error (ld->err, ld->errlen, "%s:%d: %s: file name too long", ld->path, ld->line, key);
            ld->failed = 1;
            return 0;
        }
        value = resolved;
    }
    char why[512];
    if (sim_config_set_key (ld->cfg, key, value, "", why, sizeof why) < 0) {
        map_error (ld->err, ld->errlen, "%s:%d: %s", ld->path, ld->line, why);
        ld->failed = 1;
        return 0;
    }
    ld->seen[ld->keys].key = strdup (key);
    if (!ld->seen[ld->keys].key) {
        map_error (ld->err, ld->errlen, "%s:%d: out of memory", ld->path, ld->line);
        ld->failed = 1;
        return 0;
    }
    ld->seen[ld->keys++].line = ld->line;
    return 1;
}

/* Refuses the current line: "PATH:LINE: why". Returns NULL, for the reader to end the stream with. */
static char *
s_syntax_error (s_load_t *ld, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static char *
s_syntax_error (s_load_t *ld, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (why, sizeof why, fmt, ap);
    va_end (ap);
    map_error (ld->err, ld->errlen, "%s:%d: %s", ld->path, ld->line, why);
    ld->failed = 1;
    return NULL;
}

/* Trims spaces off both ends of text (in place); returns the first character kept. */
static char *
s_trim (char *text)
{
    while (isspace ((unsigned char) *text))
        text++;
    size_t n = strlen (text);
    while (n > 0 && isspace ((unsigned char) text[n - 1]))
        text[--n] = '\0';
    return text;
}

/* A section name: letters, digits, '_', '-' and '.'. */
static int
s_section_name (const char *name)
{
    if (!name[0])
        return 0;
    for (const char *c = name; *c; c++)
        if (!isalnum ((unsigned char) *c) && !strchr ("_-.", *c))
            return 0;
    return 1;
}

/* inih's reader (an fgets): checks the next line of the file and writes what inih should see of it into str (num
 * bytes). NULL at the end of the file or on a syntax error (ld->failed set). Precondition: inih calls the handler
 * for a line before it asks for the next one, so ld->line and ld->long_value belong to the line being handled. */
static char *
s_next_line (char *str, int num, void *stream)
{
    s_load_t *ld = stream;
    ld->long_value = NULL;
    if (ld->failed || ld->next >= ld->end)
        return NULL;
    char *line = ld->next;
    char *newline = memchr (line, '\n', (size_t) (ld->end - line));
    if (newline) {
        *newline = '\0';
        ld->next = newline + 1;
    } else
        ld->next = ld->end;
    ld->line++;
    if (ld->line == 1 && strncmp (line, "\xEF\xBB\xBF", 3) == 0)
        line += 3;   /* a UTF-8 byte order mark */
    char *text = s_trim (line);
    size_t room = (size_t) num;
    if (!text[0] || text[0] == ';' || text[0] == '#') {
        snprintf (str, room, "\n");
        return str;
    }
    if (text[0] == '[') {
        char *close = strchr (text, ']');
        if (!close)
            return s_syntax_error (ld, "section header: expected ']'");
        *close = '\0';
        char *name = s_trim (text + 1);
        char *rest = s_trim (close + 1);
        if (rest[0] && rest[0] != ';' && rest[0] != '#')
            return s_syntax_error (ld, "section header: expected the end of the line after ']', not '%.40s'", rest);
        if (!s_section_name (name))
            return s_syntax_error (ld, "section header: '%.60s' is not a section name (letters, digits, '_')", name);
        if (strlen (name) > S_MAX_SECTION)
            return s_syntax_error (ld, "section header: a name of more than %d characters", S_MAX_SECTION);
        snprintf (str, room, "[%s]\n", name);
        return str;
    }
    char *eq = strchr (text, '=');
    if (!eq)
        return s_syntax_error (ld, "expected 'key = value'");
    *eq = '\0';
    char *key = s_trim (text);
    /* inih would split a key at ':' (its 'key: value') and end it at an inline comment */
    if (!key[0] || strpbrk (key, ":;[]"))
        return s_syntax_error (ld, "expected 'key = value'");
    if (strlen (key) > S_MAX_KEY)
        return s_syntax_error (ld, "a key of more than %d characters", S_MAX_KEY);
    /* An inline comment starts at a ';' after a space, as inih has it, but not at the value's first character: a
     * value that starts with ';' reads back as it was written (sim_config_write puts a space after '='). */
    char *value = s_trim (eq + 1);
    for (char *c = value; *c; c++)
        if (*c == ';' && c > value && isspace ((unsigned char) c[-1])) {
            *c = '\0';
            break;
        }
    value = s_trim (value);
    if (strlen (key) + strlen (value) + 3 <= room)   /* "key=value\n" and its NUL */
        snprintf (str, room, "%s=%s\n", key, value);
    else {
        snprintf (str, room, "%s=\n", key);
        ld->long_value = value;
    }
    return str;
}

/* Reads the regular file path whole into *text (malloc'd, NUL-terminated; *len bytes). 0; SIM_CONFIG_UNREADABLE
 * when it is not a regular file or cannot be read; SIM_CONFIG_REFUSED when it is too large to be a scenario. */
static int
s_read_file (const char *path, char **text, size_t *len, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a fifo must not wait for a writer; it is refused below like a folder or a device. */
    int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        map_error (err, errlen, "%s: %s", path, strerror (errno));
        return SIM_CONFIG_UNREADABLE;
    }
    struct stat st;
    if (fstat (fd, &st) < 0) {
        map_error (err, errlen, "%s: %s", path, strerror (errno));
        close (fd);
        return SIM_CONFIG_UNREADABLE;
    }
    if (!S_ISREG (st.st_mode)) {
        map_error (err, errlen, "%s: not a regular file", path);
        close (fd);
        return SIM_CONFIG_UNREADABLE;
    }
    if (st.st_size > S_MAX_FILE) {
        map_error (err, errlen, "%s: %lld bytes: too large for a scenario file (at most %d)", path,
                   (long long) st.st_size, S_MAX_FILE);
        close (fd);
        return SIM_CONFIG_REFUSED;
    }
    char *buf = malloc ((size_t) S_MAX_FILE + 2);
    if (!buf) {
        map_error (err, errlen, "%s: out of memory", path);
        close (fd);
        return SIM_CONFIG_REFUSED;
    }
    size_t got = 0;
    while (got <= (size_t) S_MAX_FILE) {
        ssize_t n = read (fd, buf + got, (size_t) S_MAX_FILE + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            map_error (err, errlen, "%s: %s", path, strerror (errno));
            free (buf);
            close (fd);
            return SIM_CONFIG_UNREADABLE;
        }
        if (n == 0)
            break;
        got += (size_t) n;
    }
    close (fd);
    if (got > (size_t) S_MAX_FILE) {
        map_error (err, errlen, "%s: too large for a scenario file (at most %d bytes)", path, S_MAX_FILE);
        free (buf);
        return SIM_CONFIG_REFUSED;
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    return 0;
}

int
sim_config_load (sim_config_t *cfg, const char *path, char *err, size_t errlen)
{
    char *text;
    size_t len;
    int rc = s_read_file (path, &text, &len, err, errlen);
    if (rc < 0)
        return rc;
    const char *nul = memchr (text, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *c = text; c < nul; c++)
            line += *c == '\n';
        map_error (err, errlen, "%s:%d: a NUL byte: not a text file", path, line);
        free (text);
        return SIM_CONFIG_REFUSED;
    }
    s_load_t ld = {.cfg = cfg, .path = path, .next = text, .end = text + len, .err = err, .errlen = errlen};
    rc = ini_parse_stream (s_next_line, &ld, s_on_ini, &ld);
    free (text);
    for (size_t i = 0; i < ld.keys; i++)
        free (ld.seen[i].key);
    free (ld.seen);
    if (ld.failed)
        return SIM_CONFIG_REFUSED;
    if (rc != 0) {
        /* Every line inih sees has been checked above, so this is not expected. */
        map_error (err, errlen, "%s:%d: libinih refused the line", path, rc > 0 ? rc : 0);
        return SIM_CONFIG_REFUSED;
    }
    if (ld.keys == 0) {
        map_error (err, errlen, "%s: empty scenario (no keys)", path);
        return SIM_CONFIG_REFUSED;
    }
    return 0;
}

int
sim_config_set (sim_config_t *cfg, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr (assignment, '=');
    if (!eq || eq == assignment) {
        map_error (err, errlen, "--set %s: expected section.key=value", assignment);
        return -1;
    }
    char key[160];
    size_t klen = (size_t) (eq - assignment);
    if (klen >= sizeof key) {
        map_error (err, errlen, "--set %s: key too long", assignment);
        return -1;
    }
    memcpy (key, assignment, klen);
    key[klen] = '\0';
    while (klen > 0 && isspace ((unsigned char) key[klen - 1]))
        key[--klen] = '\0';
    const char *value = eq + 1;
    while (isspace ((unsigned char) *value))
        value++;
    return sim_config_set_key (cfg, key, value, "--set ", err, errlen);
}

static double
s_sum24 (const double *v)
{
    double s = 0;
    for (int i = 0; i < 24; i++)
        s += v[i];
    return s;
}

int
sim_config_check (const sim_config_t *cfg, char *err, size_t errlen)
{
    if (cfg->human.shift_min_h > cfg->human.shift_max_h) {
        map_error (err, errlen, "human.shift_min_h (%g) is above human.shift_max_h (%g)", cfg->human.shift_min_h,
               cfg->human.shift_max_h);
        return -1;
    }
    if (cfg->robotaxi.charge_h_per_day + cfg->robotaxi.clean_h_per_day >= 24) {
        map_error (err, errlen, "robotaxi.charge_h_per_day + robotaxi.clean_h_per_day (%g h) must stay below 24",
                   cfg->robotaxi.charge_h_per_day + cfg->robotaxi.clean_h_per_day);
        return -1;
    }
    if (strcmp (cfg->charging.mode, "fixed") != 0 && strcmp (cfg->charging.mode, "battery") != 0) {
        map_error (err, errlen, "charging.mode: '%s' is neither fixed nor battery", cfg->charging.mode);
        return -1;
    }
    if (cfg->charging.site_file[0] && strcmp (cfg->charging.mode, "battery") != 0) {
        map_error (err, errlen, "charging.site_file (%s) needs charging.mode = battery (it is %s)",
                   cfg->charging.site_file, cfg->charging.mode);
        return -1;
    }
    if (cfg->dispatch.charge_early_from_h == cfg->dispatch.charge_early_to_h) {
        map_error (err, errlen, "dispatch.charge_early_from_h and dispatch.charge_early_to_h are both %lld: the window "
                   "would be empty", (long long) cfg->dispatch.charge_early_from_h);
        return -1;
    }
    const sim_ev_config_t *evs[] = {&cfg->robotaxi.ev, &cfg->human.ev};
    const char *fleets[] = {"robotaxi", "human"};
    for (int i = 0; i < 2; i++)
        if (evs[i]->charge_below_soc >= evs[i]->charge_to_soc) {
            map_error (err, errlen, "%s.charge_below_soc (%g) must be below %s.charge_to_soc (%g)", fleets[i],
                       evs[i]->charge_below_soc, fleets[i], evs[i]->charge_to_soc);
            return -1;
        }
    if (strcmp (cfg->demand.file_day, "first") != 0) {
        int y, m, d, n = 0;
        if (sscanf (cfg->demand.file_day, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
            cfg->demand.file_day[n] || m < 1 || m > 12 || d < 1 || d > 31) {
            map_error (err, errlen, "demand.file_day: '%s' is not a date YYYY-MM-DD (or first)", cfg->demand.file_day);
            return -1;
        }
    }
    if (strcmp (cfg->demand.file_dates, "calendar") != 0 && strcmp (cfg->demand.file_dates, "file") != 0) {
        map_error (err, errlen, "demand.file_dates: '%s' is neither calendar nor file", cfg->demand.file_dates);
        return -1;
    }
    if (cfg->demand.trip_km_min >= cfg->demand.trip_km_max) {
        map_error (err, errlen, "demand.trip_km_min (%g) must be below demand.trip_km_max (%g)", cfg->demand.trip_km_min,
               cfg->demand.trip_km_max);
        return -1;
    }
    if (s_sum24 (cfg->demand.hour_weight) <= 0) {
        map_error (err, errlen, "demand.hour_weights: at least one hour needs a positive weight");
        return -1;
    }
    if (s_sum24 (cfg->human.shift_start_weight) <= 0) {
        map_error (err, errlen, "human.shift_start_weights: at least one hour needs a positive weight");
        return -1;
    }
    double zone_weight = cfg->demand.base_weight;
    for (size_t i = 0; i < cfg->zone_count; i++)
        zone_weight += cfg->zones[i].weight;
    if (zone_weight <= 0) {
        map_error (err, errlen, "demand.base_weight is 0 and no zone has a positive weight: no trip could start anywhere");
        return -1;
    }
    if (cfg->map.epsg != 0 && cfg->map.epsg < 1024) {
        map_error (err, errlen, "map.epsg: %d is not the EPSG code of a projected CRS (0 = UTM zone of the map's centre)",
                   (int) cfg->map.epsg);
        return -1;
    }
    if (cfg->map_file[0] && strcmp (cfg->map.source, "embedded:wuhan") != 0) {
        map_error (err, errlen, "map.file and map.source are both set: give one road network");
        return -1;
    }
    if (!disp_policy_find (cfg->dispatch.policy)) {
        char names[256];
        map_error (err, errlen, "dispatch.policy: '%s' is not a policy (known: %s)", cfg->dispatch.policy,
                   disp_policy_names (names, sizeof names));
        return -1;
    }
    return 0;
}

/* Shortest text that reads back as the same double. */
static void
s_format_real (char *buf, size_t len, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf (buf, len, "%.*g", prec, v);
        if (strtod (buf, NULL) == v)
            return;
    }
}

static void
s_format_value (const sim_config_t *cfg, const s_param_t *p, char *buf, size_t len)
{
    const char *base = (const char *) cfg + p->offset;
    char num[40];
    buf[0] = '\0';
    switch (p->type) {
    case T_TEXT:
    case T_PATH:
        snprintf (buf, len, "%s", base);
        break;
    case T_SEED:
        snprintf (buf, len, "%llu", (unsigned long long) *(const uint64_t *) base);
        break;
    case T_INT:
        snprintf (buf, len, "%lld", (long long) *(const int64_t *) base);
        break;
    case T_I32:
        snprintf (buf, len, "%d", (int) *(const int32_t *) base);
        break;
    case T_REAL:
        s_format_real (buf, len, *(const double *) base);
        break;
    case T_HOURS:
    case T_BOX: {
        int n = p->type == T_HOURS ? 24 : 4;
        for (int i = 0; i < n; i++) {
            s_format_real (num, sizeof num, ((const double *) base)[i]);
            size_t used = strlen (buf);
            snprintf (buf + used, len - used, "%s%s", i ? "," : "", num);
        }
        break;
    }
    }
}

int
sim_config_write (const sim_config_t *cfg, FILE *out)
{
    char value[1024];
    char section[32] = "";
    fprintf (out, SIM_CONFIG_BANNER "\n");
    for (size_t i = 0; i < S_PARAM_COUNT; i++) {
        const s_param_t *p = &s_params[i];
        const char *dot = strchr (p->key, '.');
        size_t slen = (size_t) (dot - p->key);
        if (strncmp (section, p->key, slen) != 0 || section[slen] != '\0') {
            snprintf (section, sizeof section, "%.*s", (int) slen, p->key);
            fprintf (out, "\n[%s]\n", section);
        }
        s_format_value (cfg, p, value, sizeof value);
        fprintf (out, "%s = %s\n", dot + 1, value);
    }
    fprintf (out, "\n[zones]\n");
    for (size_t i = 0; i < cfg->zone_count; i++) {
        const sim_zone_t *z = &cfg->zones[i];
        char lon[40], lat[40], r[40], w[40];
        s_format_real (lon, sizeof lon, z->lon);
        s_format_real (lat, sizeof lat, z->lat);
        s_format_real (r, sizeof r, z->radius_km);
        s_format_real (w, sizeof w, z->weight);
        fprintf (out, "%s = %s, %s, %s, %s\n", z->name, lon, lat, r, w);
    }
    return ferror (out) ? -1 : 0;
}

void
sim_config_describe (FILE *out)
{
    fprintf (out, "| key | default | range | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < S_PARAM_COUNT; i++) {
        const s_param_t *p = &s_params[i];
        char range[64] = "";
        switch (p->type) {
        case T_INT:
        case T_I32:
        case T_REAL:
            snprintf (range, sizeof range, "%.15g .. %.15g", p->min, p->max);
            break;
        case T_HOURS:
            snprintf (range, sizeof range, "24 values, %g .. %g", p->min, p->max);
            break;
        case T_BOX:
            snprintf (range, sizeof range, "lon/lat box");
            break;
        case T_SEED:
            snprintf (range, sizeof range, "0 .. 2^64-1");
            break;
        case T_TEXT:
            snprintf (range, sizeof range, "text");
            break;
        case T_PATH:
            snprintf (range, sizeof range, "file name");
            break;
        }
        if (p->fallback[0])
            fprintf (out, "| `%s` | `%s` | %s | %s |\n", p->key, p->fallback, range, p->meaning);
        else
            fprintf (out, "| `%s` | (none) | %s | %s |\n", p->key, range, p->meaning);
    }
    fprintf (out, "| `zones.NAME` | see `scenarios/wuhan.ini` | lon, lat, radius_km, weight | a demand zone; a file "
                  "with a [zones] section replaces the default zones |\n");
}

void
sim_config_map_spec (const sim_config_t *cfg, map_spec_t *spec)
{
    *spec = cfg->map;
    if (cfg->map_file[0])
        snprintf (spec->source, sizeof spec->source, "%s", cfg->map_file);
}

int
sim_config_check_files (const sim_config_t *cfg, char *err, size_t errlen)
{
    if (!cfg->map_file[0])
        return 0;
    /* as s_read_file opens a scenario: a fifo must not wait for a writer; a folder is no map */
    int fd = open (cfg->map_file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    const char *why = NULL;
    if (fd < 0 || fstat (fd, &st) < 0)
        why = strerror (errno);
    else if (!S_ISREG (st.st_mode))
        why = "not a regular file";
    if (fd >= 0)
        close (fd);
    if (!why)
        return 0;
    map_error (err, errlen, "map.file: %s: %s", cfg->map_file, why);
    return SIM_CONFIG_UNREADABLE;
}

/* How many nodes of g lie in the box lon_min, lat_min, lon_max, lat_max. */
static size_t
s_nodes_in_box (const map_graph_t *g, double lon_min, double lat_min, double lon_max, double lat_max)
{
    size_t n = 0;
    for (uint32_t i = 0; i < map_graph_node_count (g); i++) {
        const map_node_t *node = map_graph_node (g, i);
        n += node->lon >= lon_min && node->lat >= lat_min && node->lon <= lon_max && node->lat <= lat_max;
    }
    return n;
}

int
sim_config_check_map (const sim_config_t *cfg, const map_graph_t *g, char *err, size_t errlen)
{
    const double *b = cfg->robotaxi.service_area;
    if (cfg->robotaxi.fleet_size == 0 || s_nodes_in_box (g, b[0], b[1], b[2], b[3]) > 0)
        return 0;
    double lon_min, lat_min, lon_max, lat_max;
    map_graph_lonlat_bounds (g, &lon_min, &lat_min, &lon_max, &lat_max);
    /* the same four numbers read latitude first, the usual slip */
    int swapped = s_nodes_in_box (g, b[1], b[0], b[3], b[2]) > 0;
    map_error (err, errlen,
               "robotaxi.service_area: %g,%g,%g,%g holds no road of the map (its roads lie within lon %.4f .. %.4f, "
               "lat %.4f .. %.4f)%s",
               b[0], b[1], b[2], b[3], lon_min, lon_max, lat_min, lat_max,
               swapped ? "; read latitude first it holds roads: write lon_min,lat_min,lon_max,lat_max" : "");
    return SIM_CONFIG_REFUSED;
}

void
sim_config_fit_map (sim_config_t *cfg, double lon_min, double lat_min, double lon_max, double lat_max)
{
    if (!cfg->map_file[0])
        return;
    /* Wuhan's default zones mean nothing on another map; zones the scenario gave are kept. */
    size_t kept = 0;
    for (size_t i = 0; i < cfg->zone_count; i++)
        if (cfg->zone_user[i]) {
            cfg->zones[kept] = cfg->zones[i];
            cfg->zone_user[kept++] = 1;
        }
    cfg->zone_count = kept;
    if (kept == 0) {
        /* Degrees to km at the map's latitude: close enough for a zone's radius. */
        double lat = (lat_min + lat_max) / 2;
        double width_km = (lon_max - lon_min) * 111.32 * cos (lat * 3.14159265358979323846 / 180.0);
        double height_km = (lat_max - lat_min) * 110.57;
        double radius_km = fmax (0.1, fmin (100.0, fmin (width_km, height_km) / 4));
        cfg->zone_count = 1;
        cfg->zone_user[0] = 1;
        cfg->zones_replaced = 1;
        cfg->zones[0] = (sim_zone_t) {.lon = (lon_min + lon_max) / 2, .lat = lat, .radius_km = radius_km,
                                      .weight = 3.0};
        snprintf (cfg->zones[0].name, sizeof cfg->zones[0].name, "centre");
    }
    if (!cfg->service_area_set) {
        double box[4] = {lon_min, lat_min, lon_max, lat_max};
        memcpy (cfg->robotaxi.service_area, box, sizeof box);
        cfg->service_area_set = 1;
    }
}
