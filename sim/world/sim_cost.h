/* sim_cost: what each fleet costs and earns, from the scenario's cost parameters (README "Costs") and what the fleet
 * did in a run: cost per km, per trip, per 10 km and per vehicle-day, the operator's profit per vehicle-day and the
 * rides a day at which a vehicle breaks even. Pure arithmetic: no state, no I/O besides the CSV writers. */
#ifndef SIM_COST_H
#define SIM_COST_H

#include "disp_types.h"
#include "sim_config.h"

/* What a fleet did over a span of one or more days. */
typedef struct {
    double vehicle_days;       /* robotaxi: vehicles x days in the fleet; human: driver-days worked */
    double hours_online;       /* hours on shift, all vehicles together (in service, for robotaxis) */
    double hours_occupied;     /* hours carrying a rider, all vehicles together */
    double km;                 /* every km driven, empty ones included */
    double trips;              /* trips served */
    double fares_yuan;         /* paid by riders */
    int battery;               /* charging.mode battery: energy is energy_yuan, what the fleet bought; else the
                                * scenario's price per km */
    double energy_yuan;        /* electricity bought, its day's net draw topped up at the valley price (battery) */
} sim_cost_use_t;

/* A fleet's costs. Parts are yuan per vehicle-day; a part that does not apply to the fleet is 0. */
typedef struct {
    disp_fleet_t fleet;
    /* parts, yuan per vehicle-day */
    double capital;            /* robotaxi: vehicle + sensors as an annuity over the life, less the residual */
    double rent;               /* human: car rent or depreciation */
    double insurance;
    double energy;             /* the electricity bought (charging.mode battery); else robotaxi: kWh/km x price, human:
                                * energy_yuan_per_km */
    double maintenance;
    double cleaning, depot, software;   /* robotaxi */
    double operators;          /* robotaxi: remote safety operators, round the clock */
    double commission;         /* human: the platform's share of the fares */
    double driver_time;        /* human: hours on shift x reservation wage */
    /* totals */
    double fixed_per_vehicle_day;     /* parts that do not grow with km or fares */
    double variable_per_km;           /* energy + maintenance per km */
    double cost_per_vehicle_day;
    double cost_per_km, cost_per_trip, cost_per_10km;
    double revenue_per_vehicle_day;   /* robotaxi: fares; human: fares (commission is among the costs) */
    double revenue_per_trip;
    double profit_per_vehicle_day;    /* revenue - cost */
    double break_even_rides_per_day;  /* fixed cost / (revenue per trip - variable cost per trip); 0 when no trip
                                       * or when a trip earns less than it costs */
    double utilization;               /* hours occupied / hours online */
} sim_cost_t;

/* Costs of `fleet` under cfg for what it did. Every figure is finite: a ratio without a base (no km, no trip, no
 * hours) is 0, and with no vehicle-day all per-day, per-km and per-trip figures are 0 (variable_per_km, a rate taken
 * from cfg, is still given). */
void sim_cost_fleet (const sim_config_t *cfg, disp_fleet_t fleet, const sim_cost_use_t *use, sim_cost_t *out);

/* Cost per km at utilization u (share of online time carrying a rider), holding the run's speeds, empty-km share
 * and hours online per vehicle-day: the cost-against-utilization curve. 0 when the run gives no basis (no km). */
double sim_cost_per_km_at (const sim_config_t *cfg, disp_fleet_t fleet, const sim_cost_use_t *use, double u);

#endif
