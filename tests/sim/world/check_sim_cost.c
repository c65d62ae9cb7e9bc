/* check_sim_cost: each fleet's cost parts match hand arithmetic on the default (Wuhan) parameters, the totals, the
 * break-even and the cost-against-utilization curve agree with each other, empty runs give zeros rather than NaN, and
 * costs.csv / costcurve.csv hold what the structs hold. */
#include <check.h>

#include "rt_check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_config.h"
#include "sim_cost.h"
#include "sim_report.h"

#define TOL 1e-9

static sim_config_t cfg;
static char s_dir[] = "/tmp/robotaxi-cost-XXXXXX";

/* A robotaxi fleet: 400 vehicle-days of 24 h in service, 5,000 h with a rider, 200 km and 20 trips of 10 yuan a
 * vehicle-day. */
static const sim_cost_use_t s_robotaxi_use = {.vehicle_days = 400,
                                              .hours_online = 9600,
                                              .hours_occupied = 5000,
                                              .km = 80000,
                                              .trips = 8000,
                                              .fares_yuan = 80000};

/* Human drivers: 100 driver-days of 10 h online, 5 h with a rider, 150 km and 15 trips of 20 yuan a day. */
static const sim_cost_use_t s_human_use = {.vehicle_days = 100,
                                           .hours_online = 1000,
                                           .hours_occupied = 500,
                                           .km = 15000,
                                           .trips = 1500,
                                           .fares_yuan = 30000};

/* Each test starts from the defaults, with the cost parameters the hand arithmetic below assumes pinned (so a
 * recalibration of the defaults does not move these checks), and gets a fresh empty folder for its files. */
static void
s_setup (void)
{
    sim_config_defaults (&cfg);
    cfg.robotaxi.vehicle_price_yuan = 200000;
    cfg.robotaxi.sensor_price_yuan = 0;
    cfg.robotaxi.life_years = 5;
    cfg.robotaxi.residual_share = 0.2;
    cfg.robotaxi.finance_rate = 0.03;
    cfg.robotaxi.insurance_yuan_per_year = 4000;
    cfg.robotaxi.kwh_per_km = 0.15;
    cfg.robotaxi.kwh_price_yuan = 0.8;
    cfg.robotaxi.maintenance_yuan_per_km = 0.06;
    cfg.robotaxi.cleaning_yuan_per_day = 10;
    cfg.robotaxi.depot_yuan_per_day = 8;
    cfg.robotaxi.software_yuan_per_day = 5;
    cfg.robotaxi.vehicles_per_operator = 12;
    cfg.robotaxi.operator_wage_yuan_per_h = 25;
    cfg.human.vehicle_rent_yuan_per_day = 90;
    cfg.human.insurance_yuan_per_year = 3650;
    cfg.human.maintenance_yuan_per_km = 0.05;
    cfg.human.energy_yuan_per_km = 0.3;
    cfg.human.commission = 0.14;
    cfg.human.reservation_wage_yuan_per_h = 20;
    cfg.human.workdays_per_month = 26;
    strcpy (s_dir, "/tmp/robotaxi-cost-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
}

static void
s_remove (const char *name)
{
    char path[512];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    unlink (path);
}

static void
s_teardown (void)
{
    s_remove ("costs.csv");
    s_remove ("costcurve.csv");
    rmdir (s_dir);
}

/* Every number of a cost in the order of costs.csv (after the fleet and the use columns). */
#define S_COST_FIELDS 22
static void
s_fields (const sim_cost_t *c, double v[S_COST_FIELDS])
{
    const double all[S_COST_FIELDS] = {c->capital,
                                       c->rent,
                                       c->insurance,
                                       c->energy,
                                       c->maintenance,
                                       c->cleaning,
                                       c->depot,
                                       c->software,
                                       c->operators,
                                       c->commission,
                                       c->driver_time,
                                       c->fixed_per_vehicle_day,
                                       c->variable_per_km,
                                       c->cost_per_vehicle_day,
                                       c->cost_per_km,
                                       c->cost_per_trip,
                                       c->cost_per_10km,
                                       c->revenue_per_vehicle_day,
                                       c->revenue_per_trip,
                                       c->profit_per_vehicle_day,
                                       c->break_even_rides_per_day,
                                       c->utilization};
    memcpy (v, all, sizeof all);
}

static void
s_assert_all_finite (const sim_cost_t *c)
{
    double v[S_COST_FIELDS];
    s_fields (c, v);
    for (int i = 0; i < S_COST_FIELDS; i++)
        ck_assert_msg (isfinite (v[i]), "field %d of %s is %g", i, disp_fleet_name (c->fleet), v[i]);
}

START_TEST (test_robotaxi_parts_match_hand_arithmetic)
{
    cfg.robotaxi.finance_rate = 0; /* straight-line */
    sim_cost_t c;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &s_robotaxi_use, &c);
    ck_assert_int_eq (c.fleet, DISP_FLEET_ROBOTAXI);
    /* 200,000 yuan, 20 % back after 5 years: 200000 x 0.8 / 5 / 365 = 87.67 a day */
    ck_assert_double_eq_tol (c.capital, 200000.0 * 0.8 / 5 / 365, TOL);
    ck_assert_double_eq_tol (c.capital, 87.67, 0.005);
    ck_assert_double_eq_tol (c.insurance, 4000.0 / 365, TOL);
    /* 200 km a day at 0.15 kWh/km and 0.8 yuan/kWh; upkeep 0.06 yuan/km */
    ck_assert_double_eq_tol (c.energy, 0.15 * 0.8 * 200, TOL);
    ck_assert_double_eq_tol (c.maintenance, 0.06 * 200, TOL);
    ck_assert_double_eq_tol (c.cleaning, 10, TOL);
    ck_assert_double_eq_tol (c.depot, 8, TOL);
    ck_assert_double_eq_tol (c.software, 5, TOL);
    /* one operator at 25 yuan/h for 12 vehicles, 24 h a day */
    ck_assert_double_eq_tol (c.operators, 24.0 * 25 / 12, TOL);
    ck_assert_double_eq (c.rent, 0);
    ck_assert_double_eq (c.commission, 0);
    ck_assert_double_eq (c.driver_time, 0);
    ck_assert_double_eq_tol (c.variable_per_km, 0.18, TOL);
    ck_assert_double_eq_tol (c.utilization, 5000.0 / 9600, TOL);
}
END_TEST

START_TEST (test_capital_annuity_at_three_percent)
{
    /* By hand, 200,000 yuan over 5 years at 3 %, 40,000 back at the end:
     *   1.03^5 = 1.159274, so 1 yuan in 5 years is worth 0.862609 today; the residual is worth 34,504.35
     *   capital recovery factor 0.03 / (1 - 0.862609) = 0.218355
     *   (200,000 - 34,504.35) x 0.218355 = 36,136.73 yuan a year = 99.0047 yuan a day */
    sim_cost_t c;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &s_robotaxi_use, &c);
    ck_assert_double_eq_tol (c.capital, 99.0047, 1e-4);
    /* financing costs money: more than straight-line 87.67 */
    ck_assert_double_gt (c.capital, 200000.0 * 0.8 / 5 / 365);

    /* 4.5 years: 1.03^4.5 = 1.142267, discount 0.875452, factor 0.240872;
     * (200,000 - 35,018.09) x 0.240872 = 39,739.45 a year = 108.8752 a day */
    cfg.robotaxi.life_years = 4.5;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &s_robotaxi_use, &c);
    ck_assert_double_eq_tol (c.capital, 108.8752, 1e-4);

    /* sensors are part of the price: at rate 0, 250,000 x 0.8 / 4.5 / 365 */
    cfg.robotaxi.sensor_price_yuan = 50000;
    cfg.robotaxi.finance_rate = 0;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &s_robotaxi_use, &c);
    ck_assert_double_eq_tol (c.capital, 250000.0 * 0.8 / 4.5 / 365, TOL);

    /* a vanishing rate meets straight-line: no jump at 0 */
    double straight = c.capital;
    cfg.robotaxi.finance_rate = 1e-9;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &s_robotaxi_use, &c);
    ck_assert_double_eq_tol (c.capital, straight, 1e-4);
}
END_TEST

START_TEST (test_totals_add_up)
{
    const sim_cost_use_t *uses[DISP_FLEET_COUNT] = {&s_robotaxi_use, &s_human_use};
    for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
        const sim_cost_use_t *u = uses[fl];
        sim_cost_t c;
        sim_cost_fleet (&cfg, (disp_fleet_t) fl, u, &c);
        double parts = c.capital + c.rent + c.insurance + c.energy + c.maintenance + c.cleaning + c.depot +
                       c.software + c.operators + c.commission + c.driver_time;
        double fixed =
            c.capital + c.rent + c.insurance + c.cleaning + c.depot + c.software + c.operators + c.driver_time;
        double km_day = u->km / u->vehicle_days;
        ck_assert_double_eq_tol (c.cost_per_vehicle_day, parts, TOL);
        ck_assert_double_eq_tol (c.fixed_per_vehicle_day, fixed, TOL);
        /* what is neither fixed nor the commission grows with km */
        ck_assert_double_eq_tol (c.energy + c.maintenance, c.variable_per_km * km_day, TOL);
        ck_assert_double_eq_tol (c.cost_per_km, c.cost_per_vehicle_day / km_day, TOL);
        ck_assert_double_eq_tol (c.cost_per_10km, 10 * c.cost_per_km, TOL);
        ck_assert_double_eq_tol (c.cost_per_trip, c.cost_per_vehicle_day * u->vehicle_days / u->trips, TOL);
        ck_assert_double_eq_tol (c.revenue_per_vehicle_day, u->fares_yuan / u->vehicle_days, TOL);
        ck_assert_double_eq_tol (c.revenue_per_trip, u->fares_yuan / u->trips, TOL);
        ck_assert_double_eq_tol (c.profit_per_vehicle_day, c.revenue_per_vehicle_day - c.cost_per_vehicle_day, TOL);
        s_assert_all_finite (&c);
    }
    /* the robotaxi at defaults, by hand: fixed 99.0047 + 10.9589 + 10 + 8 + 5 + 50 = 182.9636, plus 0.18 x 200 km */
    sim_cost_t c;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &s_robotaxi_use, &c);
    ck_assert_double_eq_tol (c.fixed_per_vehicle_day, 182.9636, 1e-4);
    ck_assert_double_eq_tol (c.cost_per_vehicle_day, 218.9636, 1e-4);
    ck_assert_double_eq_tol (c.cost_per_km, 218.9636 / 200, 1e-6);
}
END_TEST

START_TEST (test_human_parts_match_hand_arithmetic)
{
    sim_cost_t c;
    sim_cost_fleet (&cfg, DISP_FLEET_HUMAN, &s_human_use, &c);
    ck_assert_int_eq (c.fleet, DISP_FLEET_HUMAN);
    ck_assert_double_eq_tol (c.rent, 90, TOL);
    /* 3,650 yuan a year over the 26 x 12 days worked */
    ck_assert_double_eq_tol (c.insurance, 3650.0 / (26 * 12), TOL);
    /* 150 km a day at 0.3 yuan/km energy and 0.05 yuan/km upkeep */
    ck_assert_double_eq_tol (c.energy, 0.3 * 150, TOL);
    ck_assert_double_eq_tol (c.maintenance, 0.05 * 150, TOL);
    /* 14 % of 300 yuan of fares */
    ck_assert_double_eq_tol (c.commission, 0.14 * 300, TOL);
    /* 10 h online valued at the 20 yuan/h reservation wage */
    ck_assert_double_eq_tol (c.driver_time, 10 * 20, TOL);
    ck_assert_double_eq (c.capital, 0);
    ck_assert_double_eq (c.operators, 0);
    ck_assert_double_eq (c.cleaning + c.depot + c.software, 0);
    ck_assert_double_eq_tol (c.variable_per_km, 0.35, TOL);
    ck_assert_double_eq_tol (c.fixed_per_vehicle_day, 90 + 3650.0 / 312 + 200, TOL);
    ck_assert_double_eq_tol (c.cost_per_vehicle_day, 90 + 3650.0 / 312 + 200 + 45 + 7.5 + 42, TOL);
    ck_assert_double_eq_tol (c.utilization, 0.5, TOL);
}
END_TEST

START_TEST (test_break_even_known_case)
{
    /* a robotaxi whose only fixed cost is 100 yuan of cleaning a day and whose km cost 0.25 x 0.8 = 0.2 yuan:
     * a 10 km, 10 yuan trip leaves 10 - 2 = 8 yuan, so 100 / 8 = 12.5 rides a day pay the fixed day */
    cfg.robotaxi.vehicle_price_yuan = 0;
    cfg.robotaxi.insurance_yuan_per_year = 0;
    cfg.robotaxi.cleaning_yuan_per_day = 100;
    cfg.robotaxi.depot_yuan_per_day = 0;
    cfg.robotaxi.software_yuan_per_day = 0;
    cfg.robotaxi.operator_wage_yuan_per_h = 0;
    cfg.robotaxi.kwh_per_km = 0.25;
    cfg.robotaxi.maintenance_yuan_per_km = 0;
    sim_cost_t c;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &s_robotaxi_use, &c);
    ck_assert_double_eq_tol (c.fixed_per_vehicle_day, 100, TOL);
    ck_assert_double_eq_tol (c.break_even_rides_per_day, 12.5, TOL);
    /* at exactly that many rides (same trip length and fare) the profit is 0 */
    sim_cost_use_t at = {
        .vehicle_days = 1, .hours_online = 24, .hours_occupied = 12, .km = 125, .trips = 12.5, .fares_yuan = 125};
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &at, &c);
    ck_assert_double_eq_tol (c.profit_per_vehicle_day, 0, 1e-9);

    /* human: a 20 yuan, 10 km trip leaves 20 - 3.5 (km) - 2.8 (14 % commission) = 13.7 yuan toward the
     * 301.70 yuan fixed day (rent, insurance, 10 h of the driver's time) */
    sim_cost_fleet (&cfg, DISP_FLEET_HUMAN, &s_human_use, &c);
    ck_assert_double_eq_tol (c.break_even_rides_per_day, (90 + 3650.0 / 312 + 200) / 13.7, 1e-9);
    ck_assert_double_eq_tol (c.break_even_rides_per_day, 22.02, 0.005);
}
END_TEST

START_TEST (test_profit_sign_flips_when_fares_drop)
{
    /* 250 yuan a day covers the robotaxi's 218.96; 180 does not */
    sim_cost_use_t u = s_robotaxi_use;
    sim_cost_t c;
    u.fares_yuan = 400 * 250.0;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &u, &c);
    ck_assert_double_gt (c.profit_per_vehicle_day, 0);
    ck_assert_double_eq_tol (c.profit_per_vehicle_day, 250 - 218.9636, 1e-4);
    u.fares_yuan = 400 * 180.0;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &u, &c);
    ck_assert_double_lt (c.profit_per_vehicle_day, 0);

    /* human: the commission falls with the fares, but not enough to keep the day paid */
    sim_cost_use_t h = s_human_use;
    h.fares_yuan = 100 * 500.0;
    sim_cost_fleet (&cfg, DISP_FLEET_HUMAN, &h, &c);
    ck_assert_double_gt (c.profit_per_vehicle_day, 0);
    ck_assert_double_eq_tol (c.commission, 0.14 * 500, TOL);
    h.fares_yuan = 100 * 300.0;
    sim_cost_fleet (&cfg, DISP_FLEET_HUMAN, &h, &c);
    ck_assert_double_lt (c.profit_per_vehicle_day, 0);
}
END_TEST

START_TEST (test_cost_per_km_falls_with_utilization)
{
    const sim_cost_use_t *uses[DISP_FLEET_COUNT] = {&s_robotaxi_use, &s_human_use};
    for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
        double prev = INFINITY;
        for (int i = 1; i <= 20; i++) {
            double y = sim_cost_per_km_at (&cfg, (disp_fleet_t) fl, uses[fl], i * 0.05);
            ck_assert_msg (y < prev, "%s: %g yuan/km at u=%g, %g just below", disp_fleet_name ((disp_fleet_t) fl), y,
                           i * 0.05, prev);
            prev = y;
        }
    }
    /* robotaxi at u = 1: 24 h x 16 km per occupied hour = 384 km a day, so 0.18 + 182.9636 / 384 */
    double full = sim_cost_per_km_at (&cfg, DISP_FLEET_ROBOTAXI, &s_robotaxi_use, 1.0);
    ck_assert_double_eq_tol (full, 0.18 + 182.9636 / 384, 1e-6);
    /* with ever more km a day the fixed day fades and only the running cost per km is left */
    double huge = sim_cost_per_km_at (&cfg, DISP_FLEET_ROBOTAXI, &s_robotaxi_use, 1e6);
    ck_assert_double_eq_tol (huge, 0.18 + 182.9636 / (384 * 1e6), 1e-9);
    /* human: the commission, 14 % of 2 yuan of fare per km, stays at any utilization */
    double human_huge = sim_cost_per_km_at (&cfg, DISP_FLEET_HUMAN, &s_human_use, 1e6);
    ck_assert_double_eq_tol (human_huge, 0.35 + 0.14 * 2, 1e-5);
}
END_TEST

START_TEST (test_curve_meets_the_run_at_its_own_utilization)
{
    const sim_cost_use_t *uses[DISP_FLEET_COUNT] = {&s_robotaxi_use, &s_human_use};
    for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
        sim_cost_t c;
        sim_cost_fleet (&cfg, (disp_fleet_t) fl, uses[fl], &c);
        double y = sim_cost_per_km_at (&cfg, (disp_fleet_t) fl, uses[fl], c.utilization);
        ck_assert_double_eq_tol (y, c.cost_per_km, 1e-9);
    }
}
END_TEST

/* The numbers of a costs.csv row after the fleet name; the count read. */
static int
s_parse_row (const char *line, double *v, int max)
{
    const char *p = strchr (line, ',');
    int n = 0;
    while (p && *p == ',' && n < max) {
        char *end;
        v[n++] = strtod (p + 1, &end);
        p = end;
    }
    return n;
}

START_TEST (test_written_files_hold_the_structs)
{
    sim_cost_use_t use[DISP_FLEET_COUNT] = {s_robotaxi_use, s_human_use};
    char err[512] = "";
    ck_assert_int_eq (sim_report_write_costs (s_dir, &cfg, use, err, sizeof err), 0);

    char path[512], line[4096];
    snprintf (path, sizeof path, "%s/costs.csv", s_dir);
    FILE *f = fopen (path, "r");
    ck_assert_ptr_nonnull (f);
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f));
    ck_assert_str_eq (line, "fleet,vehicle_days,hours_online,hours_occupied,km,trips,fares_yuan,capital,rent,"
                            "insurance,energy,maintenance,cleaning,depot,software,operators,commission,driver_time,"
                            "fixed_per_vehicle_day,variable_per_km,cost_per_vehicle_day,cost_per_km,cost_per_trip,"
                            "cost_per_10km,revenue_per_vehicle_day,revenue_per_trip,profit_per_vehicle_day,"
                            "break_even_rides_per_day,utilization\n");
    int rows = 0;
    while (fgets (line, sizeof line, f)) {
        ck_assert_int_lt (rows, DISP_FLEET_COUNT);
        disp_fleet_t fl = (disp_fleet_t) rows;
        size_t name_len = strlen (disp_fleet_name (fl));
        ck_assert_msg (strncmp (line, disp_fleet_name (fl), name_len) == 0 && line[name_len] == ',', "row %d: %s",
                       rows, line);
        double v[6 + S_COST_FIELDS + 1];
        ck_assert_int_eq (s_parse_row (line, v, 6 + S_COST_FIELDS + 1), 6 + S_COST_FIELDS);
        const double in[6] = {use[fl].vehicle_days, use[fl].hours_online, use[fl].hours_occupied,
                              use[fl].km,           use[fl].trips,        use[fl].fares_yuan};
        for (int i = 0; i < 6; i++)
            ck_assert_double_eq_tol (v[i], in[i], 0.05);
        sim_cost_t c;
        sim_cost_fleet (&cfg, fl, &use[fl], &c);
        double want[S_COST_FIELDS];
        s_fields (&c, want);
        for (int i = 0; i < S_COST_FIELDS; i++)
            ck_assert_msg (fabs (v[6 + i] - want[i]) <= 0.005 + 1e-9, "%s column %d: %g in the file, %g computed",
                           disp_fleet_name (fl), 7 + i, v[6 + i], want[i]);
        rows++;
    }
    fclose (f);
    ck_assert_int_eq (rows, DISP_FLEET_COUNT);

    snprintf (path, sizeof path, "%s/costcurve.csv", s_dir);
    f = fopen (path, "r");
    ck_assert_ptr_nonnull (f);
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f));
    ck_assert_str_eq (line, "utilization,robotaxi_yuan_per_km,human_yuan_per_km\n");
    rows = 0;
    while (fgets (line, sizeof line, f)) {
        double u, robotaxi, human;
        ck_assert_int_eq (sscanf (line, "%lf,%lf,%lf", &u, &robotaxi, &human), 3);
        rows++;
        ck_assert_double_eq_tol (u, rows * 0.05, 1e-9);
        ck_assert_double_eq_tol (robotaxi, sim_cost_per_km_at (&cfg, DISP_FLEET_ROBOTAXI, &use[0], u), 5e-5);
        ck_assert_double_eq_tol (human, sim_cost_per_km_at (&cfg, DISP_FLEET_HUMAN, &use[1], u), 5e-5);
    }
    fclose (f);
    ck_assert_int_eq (rows, 20);
}
END_TEST

START_TEST (test_zero_vehicle_days_give_zeros_not_nan)
{
    sim_cost_use_t none = {0};
    for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
        sim_cost_t c;
        sim_cost_fleet (&cfg, (disp_fleet_t) fl, &none, &c);
        s_assert_all_finite (&c);
        ck_assert_double_eq (c.cost_per_vehicle_day, 0);
        ck_assert_double_eq (c.fixed_per_vehicle_day, 0);
        ck_assert_double_eq (c.capital + c.rent + c.insurance + c.operators + c.driver_time, 0);
        ck_assert_double_eq (c.cost_per_km, 0);
        ck_assert_double_eq (c.cost_per_trip, 0);
        ck_assert_double_eq (c.profit_per_vehicle_day, 0);
        ck_assert_double_eq (c.break_even_rides_per_day, 0);
        ck_assert_double_eq (c.utilization, 0);
        ck_assert_double_eq (sim_cost_per_km_at (&cfg, (disp_fleet_t) fl, &none, 0.5), 0);
    }
    /* km and fares without vehicle-days (a broken tally) still give no per-day figure */
    sim_cost_use_t odd = s_robotaxi_use;
    odd.vehicle_days = 0;
    sim_cost_t c;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &odd, &c);
    s_assert_all_finite (&c);
    ck_assert_double_eq (c.cost_per_vehicle_day, 0);
    ck_assert_double_eq (c.revenue_per_vehicle_day, 0);
}
END_TEST

START_TEST (test_idle_fleet_pays_its_fixed_day)
{
    /* vehicles in the fleet that drove nowhere: the fixed day is due, nothing per km or per trip is defined */
    sim_cost_use_t idle = {.vehicle_days = 10, .hours_online = 240};
    for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
        sim_cost_t c;
        sim_cost_fleet (&cfg, (disp_fleet_t) fl, &idle, &c);
        s_assert_all_finite (&c);
        ck_assert_double_gt (c.cost_per_vehicle_day, 0);
        ck_assert_double_eq_tol (c.cost_per_vehicle_day, c.fixed_per_vehicle_day, TOL);
        ck_assert_double_eq (c.energy, 0);
        ck_assert_double_eq (c.cost_per_km, 0);
        ck_assert_double_eq (c.cost_per_10km, 0);
        ck_assert_double_eq (c.cost_per_trip, 0);
        ck_assert_double_eq (c.revenue_per_trip, 0);
        ck_assert_double_eq (c.break_even_rides_per_day, 0);
        ck_assert_double_eq (c.utilization, 0);
        ck_assert_double_eq_tol (c.profit_per_vehicle_day, -c.cost_per_vehicle_day, TOL);
    }
    /* km but no trip (repositioning only) */
    sim_cost_use_t empty = {.vehicle_days = 10, .hours_online = 240, .km = 500};
    sim_cost_t c;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &empty, &c);
    s_assert_all_finite (&c);
    ck_assert_double_gt (c.cost_per_km, 0);
    ck_assert_double_eq (c.cost_per_trip, 0);
    ck_assert_double_eq (c.break_even_rides_per_day, 0);
}
END_TEST

START_TEST (test_break_even_zero_when_a_trip_loses_money)
{
    /* a 10 km robotaxi trip at 1.5 yuan does not pay its 1.8 yuan of energy and upkeep */
    sim_cost_use_t cheap = s_robotaxi_use;
    cheap.fares_yuan = 8000 * 1.5;
    sim_cost_t c;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &cheap, &c);
    ck_assert_double_eq (c.break_even_rides_per_day, 0);
    /* exactly at cost: still no break-even */
    cheap.fares_yuan = 8000 * 1.8;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &cheap, &c);
    ck_assert_double_eq (c.break_even_rides_per_day, 0);
    /* free rides */
    cheap.fares_yuan = 0;
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &cheap, &c);
    ck_assert_double_eq (c.break_even_rides_per_day, 0);
    s_assert_all_finite (&c);
    /* human: a commission of the whole fare leaves nothing */
    cfg.human.commission = 1;
    sim_cost_fleet (&cfg, DISP_FLEET_HUMAN, &s_human_use, &c);
    ck_assert_double_eq (c.break_even_rides_per_day, 0);
}
END_TEST

START_TEST (test_cost_curve_without_basis_is_zero)
{
    sim_cost_use_t u = s_robotaxi_use;
    ck_assert_double_eq (sim_cost_per_km_at (&cfg, DISP_FLEET_ROBOTAXI, &u, 0), 0);
    ck_assert_double_eq (sim_cost_per_km_at (&cfg, DISP_FLEET_ROBOTAXI, &u, -0.5), 0);
    ck_assert_double_eq (sim_cost_per_km_at (&cfg, DISP_FLEET_ROBOTAXI, &u, NAN), 0);
    u.hours_occupied = 0;
    ck_assert_double_eq (sim_cost_per_km_at (&cfg, DISP_FLEET_ROBOTAXI, &u, 0.5), 0);
    u = s_robotaxi_use;
    u.km = 0;
    ck_assert_double_eq (sim_cost_per_km_at (&cfg, DISP_FLEET_ROBOTAXI, &u, 0.5), 0);
    u = s_robotaxi_use;
    u.hours_online = 0;
    ck_assert_double_eq (sim_cost_per_km_at (&cfg, DISP_FLEET_HUMAN, &u, 0.5), 0);
}
END_TEST

START_TEST (test_write_into_missing_folder_names_the_path)
{
    sim_cost_use_t use[DISP_FLEET_COUNT] = {s_robotaxi_use, s_human_use};
    char err[512] = "";
    ck_assert_int_eq (sim_report_write_costs ("/nonexistent/robotaxi-cost", &cfg, use, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "/nonexistent/robotaxi-cost/costs.csv: ") == err, "err: %s", err);
    ck_assert_ptr_nonnull (strstr (err, "No such file"));
}
END_TEST

START_TEST (test_empty_fleet_writes_zeros)
{
    /* a run without human drivers still writes both rows and a curve of zeros for them */
    sim_cost_use_t use[DISP_FLEET_COUNT] = {s_robotaxi_use, {.vehicle_days = 0}};
    char err[512] = "";
    ck_assert_int_eq (sim_report_write_costs (s_dir, &cfg, use, err, sizeof err), 0);
    char path[512], line[4096];
    snprintf (path, sizeof path, "%s/costs.csv", s_dir);
    FILE *f = fopen (path, "r");
    ck_assert_ptr_nonnull (f);
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f)); /* header ("maintenance" holds "nan") */
    int lines = 1;
    while (fgets (line, sizeof line, f)) {
        ck_assert_ptr_null (strstr (line, "nan"));
        ck_assert_ptr_null (strstr (line, "inf"));
        lines++;
    }
    fclose (f);
    ck_assert_int_eq (lines, 1 + DISP_FLEET_COUNT);
    snprintf (path, sizeof path, "%s/costcurve.csv", s_dir);
    f = fopen (path, "r");
    ck_assert_ptr_nonnull (f);
    ck_assert_ptr_nonnull (fgets (line, sizeof line, f));
    lines = 0;
    while (fgets (line, sizeof line, f)) {
        double u, robotaxi, human;
        ck_assert_int_eq (sscanf (line, "%lf,%lf,%lf", &u, &robotaxi, &human), 3);
        ck_assert_double_gt (robotaxi, 0);
        ck_assert_double_eq (human, 0);
        lines++;
    }
    fclose (f);
    ck_assert_int_eq (lines, 20);
}
END_TEST

/* charging.mode battery: the energy part is what the fleet bought, per vehicle-day, whatever the per-km prices say;
 * the per-km rate, and with it the break-even and the curve, is that spend per km driven. */
START_TEST (test_battery_energy_is_what_was_bought)
{
    sim_cost_use_t h = s_human_use, r = s_robotaxi_use;
    h.battery = r.battery = 1;
    h.energy_yuan = 1200;    /* 12 yuan a driver-day, 0.08 yuan a km */
    r.energy_yuan = 10000;   /* 25 yuan a robotaxi-day, 0.125 yuan a km */
    sim_cost_t ch, cr, ch_km;
    sim_cost_fleet (&cfg, DISP_FLEET_HUMAN, &h, &ch);
    sim_cost_fleet (&cfg, DISP_FLEET_ROBOTAXI, &r, &cr);
    sim_cost_fleet (&cfg, DISP_FLEET_HUMAN, &s_human_use, &ch_km);
    ck_assert_double_eq_tol (ch.energy, 12, TOL);
    ck_assert_double_eq_tol (ch.variable_per_km, 0.08 + 0.05, TOL);
    ck_assert_double_eq_tol (cr.energy, 25, TOL);
    ck_assert_double_eq_tol (cr.variable_per_km, 0.125 + cfg.robotaxi.maintenance_yuan_per_km, TOL);
    /* everything else as with the per-km price: only the energy moved */
    ck_assert_double_eq_tol (ch.cost_per_vehicle_day - ch.energy, ch_km.cost_per_vehicle_day - ch_km.energy, TOL);
    /* the curve at the run's own utilization is the run's cost per km, energy bought included */
    ck_assert_double_eq_tol (sim_cost_per_km_at (&cfg, DISP_FLEET_HUMAN, &h, 0.5), ch.cost_per_km, TOL);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_cost");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_robotaxi_parts_match_hand_arithmetic);
    tcase_add_test (core, test_capital_annuity_at_three_percent);
    tcase_add_test (core, test_totals_add_up);
    tcase_add_test (core, test_human_parts_match_hand_arithmetic);
    tcase_add_test (core, test_break_even_known_case);
    tcase_add_test (core, test_profit_sign_flips_when_fares_drop);
    tcase_add_test (core, test_cost_per_km_falls_with_utilization);
    tcase_add_test (core, test_curve_meets_the_run_at_its_own_utilization);
    tcase_add_test (core, test_written_files_hold_the_structs);
    tcase_add_test (core, test_battery_energy_is_what_was_bought);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_zero_vehicle_days_give_zeros_not_nan);
    tcase_add_test (limits, test_idle_fleet_pays_its_fixed_day);
    tcase_add_test (limits, test_break_even_zero_when_a_trip_loses_money);
    tcase_add_test (limits, test_cost_curve_without_basis_is_zero);
    tcase_add_test (limits, test_write_into_missing_folder_names_the_path);
    tcase_add_test (limits, test_empty_fleet_writes_zeros);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
