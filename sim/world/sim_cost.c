/* sim_cost: cost parts, totals, break-even and the cost-against-utilization curve of each fleet. */
#include "sim_cost.h"

#include <math.h>
#include <stdio.h>
#include <string.h>


/* What one vehicle does in one (vehicle-)day; the parts are computed from these alone, so the run's own figures and
 * the curve's hypothetical ones go through the same arithmetic. */
typedef struct {
    double hours_online;
    double km;
    double fares_yuan;
    double energy_per_km;      /* charging.mode battery: the electricity bought per km driven; < 0: the scenario's
                                * per-km price */
} s_day_t;

/* a / b, or 0 when b is not positive: no figure here may come out NaN or infinite */
static double
s_ratio (double a, double b)
{
    return b > 0 ? a / b : 0.0;
}

/* Yearly cost of owning an asset bought at `price` and sold for residual_share x price after life_years, financed
 * at `rate` a year: the annuity that repays the price less the present value of the residual. At rate 0 it is
 * straight-line depreciation. Works for non-integer lives. */
static double
s_capital_per_year (double price, double residual_share, double rate, double life_years)
{
    if (life_years <= 0 || price <= 0)
        return 0.0;
    if (rate <= 0)
        return price * (1.0 - residual_share) / life_years;
    /* (1 + rate)^-life via log1p/expm1, which stay accurate for small rates */
    double log_growth = life_years * log1p (rate);
    double discount = exp (-log_growth); /* present value of 1 yuan at the end of the life */
    double capital_recovery = rate / -expm1 (-log_growth);
    return (price - residual_share * price * discount) * capital_recovery;
}

/* Robotaxi parts per vehicle-day. */
static void
s_robotaxi_parts (const sim_config_t *cfg, const s_day_t *day, sim_cost_t *out)
{
    out->capital =
        s_capital_per_year (cfg->robotaxi.vehicle_price_yuan + cfg->robotaxi.sensor_price_yuan,
                            cfg->robotaxi.residual_share, cfg->robotaxi.finance_rate, cfg->robotaxi.life_years) /
        365.0;
    out->insurance = cfg->robotaxi.insurance_yuan_per_year / 365.0;
    double energy_per_km =
        day->energy_per_km >= 0 ? day->energy_per_km : cfg->robotaxi.kwh_per_km * cfg->robotaxi.kwh_price_yuan;
    out->energy = energy_per_km * day->km;
    out->maintenance = cfg->robotaxi.maintenance_yuan_per_km * day->km;
    out->cleaning = cfg->robotaxi.cleaning_yuan_per_day;
    out->depot = cfg->robotaxi.depot_yuan_per_day;
    out->software = cfg->robotaxi.software_yuan_per_day;
    /* remote safety operators watch the fleet round the clock, whatever the hours in service */
    out->operators = s_ratio (24.0 * cfg->robotaxi.operator_wage_yuan_per_h, cfg->robotaxi.vehicles_per_operator);
    out->variable_per_km = energy_per_km + cfg->robotaxi.maintenance_yuan_per_km;
}

/* Human ride-hail parts per driver-day worked. */
static void
s_human_parts (const sim_config_t *cfg, const s_day_t *day, sim_cost_t *out)
{
    out->rent = cfg->human.vehicle_rent_yuan_per_day;
    /* the car is insured every calendar day, but only days worked earn: the year's premium is spread over the
     * workdays_per_month x 12 days a driver works, not over 365 */
    out->insurance = s_ratio (cfg->human.insurance_yuan_per_year, cfg->human.workdays_per_month * 12.0);
    double energy_per_km = day->energy_per_km >= 0 ? day->energy_per_km : cfg->human.energy_yuan_per_km;
    out->energy = energy_per_km * day->km;
    out->maintenance = cfg->human.maintenance_yuan_per_km * day->km;
    out->commission = cfg->human.commission * day->fares_yuan;
    out->driver_time = day->hours_online * cfg->human.reservation_wage_yuan_per_h;
    out->variable_per_km = energy_per_km + cfg->human.maintenance_yuan_per_km;
}

typedef void (*s_parts_fn) (const sim_config_t *cfg, const s_day_t *day, sim_cost_t *out);

static const s_parts_fn s_parts[DISP_FLEET_COUNT] = {
    [DISP_FLEET_ROBOTAXI] = s_robotaxi_parts,
    [DISP_FLEET_HUMAN] = s_human_parts,
};

/* The parts of `fleet` for one day, with fixed_per_vehicle_day, variable_per_km and cost_per_vehicle_day set and
 * every other field 0. An unknown fleet costs nothing. */
static void
s_day_cost (const sim_config_t *cfg, disp_fleet_t fleet, const s_day_t *day, sim_cost_t *out)
{
    memset (out, 0, sizeof *out);
    out->fleet = fleet;
    if ((unsigned) fleet >= DISP_FLEET_COUNT)
        return;
    s_parts[fleet](cfg, day, out);
    out->fixed_per_vehicle_day = out->capital + out->rent + out->insurance + out->cleaning + out->depot +
                                 out->software + out->operators + out->driver_time;
    out->cost_per_vehicle_day = out->fixed_per_vehicle_day + out->energy + out->maintenance + out->commission;
}

/* The electricity bought per km (charging.mode battery), or -1: the scenario's per-km price. */
static double
s_energy_per_km (const sim_cost_use_t *use)
{
    return use->battery ? s_ratio (use->energy_yuan, use->km) : -1.0;
}

/* The platform's commission as a share of fares (0 for the robotaxi, whose operator keeps all of them). */
static double
s_commission_share (const sim_config_t *cfg, disp_fleet_t fleet)
{
    return fleet == DISP_FLEET_HUMAN ? cfg->human.commission : 0.0;
}

void
sim_cost_fleet (const sim_config_t *cfg, disp_fleet_t fleet, const sim_cost_use_t *use, sim_cost_t *out)
{
    memset (out, 0, sizeof *out);
    out->fleet = fleet;
    out->utilization = s_ratio (use->hours_occupied, use->hours_online);
    if (use->vehicle_days <= 0) {
        /* no vehicle-day to spread anything over: only the per-km rate, a parameter, is still meaningful */
        sim_cost_t rate;
        s_day_cost (cfg, fleet, &(s_day_t){.energy_per_km = -1}, &rate);
        out->variable_per_km = rate.variable_per_km;
        return;
    }
    double vehicle_days = use->vehicle_days;
    s_day_t day = {
        .hours_online = use->hours_online / vehicle_days,
        .km = use->km > 0 ? use->km / vehicle_days : 0.0,
        .fares_yuan = use->fares_yuan / vehicle_days,
        .energy_per_km = s_energy_per_km (use),
    };
    double utilization = out->utilization;
    s_day_cost (cfg, fleet, &day, out);
    out->utilization = utilization;

    double trips_per_day = use->trips > 0 ? use->trips / vehicle_days : 0.0;
    out->cost_per_km = s_ratio (out->cost_per_vehicle_day, day.km);
    out->cost_per_10km = 10.0 * out->cost_per_km;
    out->cost_per_trip = s_ratio (out->cost_per_vehicle_day, trips_per_day);
    out->revenue_per_vehicle_day = day.fares_yuan;
    out->revenue_per_trip = s_ratio (day.fares_yuan, trips_per_day);
    out->profit_per_vehicle_day = out->revenue_per_vehicle_day - out->cost_per_vehicle_day;

    /* each extra ride brings its fare, less the energy and upkeep of its share of the km and the commission on it;
     * the fixed day is paid off after fixed / margin rides */
    if (trips_per_day > 0) {
        double margin = out->revenue_per_trip - out->variable_per_km * s_ratio (day.km, trips_per_day) -
                        s_commission_share (cfg, fleet) * out->revenue_per_trip;
        /* a margin lost in rounding (a fare that just pays its km) is no margin: no break-even of 1e17 rides */
        int earns = margin > 1e-9 * fabs (out->revenue_per_trip);
        out->break_even_rides_per_day = earns ? out->fixed_per_vehicle_day / margin : 0.0;
    }
}

double
sim_cost_per_km_at (const sim_config_t *cfg, disp_fleet_t fleet, const sim_cost_use_t *use, double u)
{
    if (!(u > 0) || use->vehicle_days <= 0 || use->hours_online <= 0 || use->hours_occupied <= 0 || use->km <= 0)
        return 0.0;
    /* km and fares per occupied hour, empty km folded in at the run's own share; hours online per day held */
    double km_per_occupied_h = use->km / use->hours_occupied;
    double fares_per_occupied_h = use->fares_yuan / use->hours_occupied;
    double occupied_h_per_day = u * use->hours_online / use->vehicle_days;
    s_day_t day = {
        .hours_online = use->hours_online / use->vehicle_days,
        .km = occupied_h_per_day * km_per_occupied_h,
        .fares_yuan = occupied_h_per_day * fares_per_occupied_h,
        .energy_per_km = s_energy_per_km (use),
    };
    sim_cost_t cost;
    s_day_cost (cfg, fleet, &day, &cost);
    return s_ratio (cost.cost_per_vehicle_day, day.km);
}
