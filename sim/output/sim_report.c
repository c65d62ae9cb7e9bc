/* sim_report: output files and printed tables. */
#include "sim_report.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fare.h"
#include "sim_file.h"

/* Rounds for output: figures are printed with a fixed number of decimals, so files are stable and readable. */
static json_t *
s_real (double v, int decimals)
{
    double scale = pow (10.0, decimals);
    return json_real (round (v * scale) / scale);
}

static json_t *
s_fleet_json (const sim_fleet_metrics_t *m)
{
    json_t *o = json_object ();
    json_object_set_new (o, "vehicles", json_integer (m->vehicles));
    json_object_set_new (o, "online", json_integer (m->online));
    json_object_set_new (o, "requests", json_integer ((json_int_t) m->requests));
    json_object_set_new (o, "served", json_integer ((json_int_t) m->served));
    json_object_set_new (o, "unserved", json_integer ((json_int_t) m->unserved));
    json_object_set_new (o, "util_occupied", s_real (m->util_occupied, 4));
    json_object_set_new (o, "util_pickup", s_real (m->util_pickup, 4));
    json_object_set_new (o, "util_idle", s_real (m->util_idle, 4));
    json_object_set_new (o, "util_reposition", s_real (m->util_reposition, 4));
    json_object_set_new (o, "empty_km_share", s_real (m->empty_km_share, 4));
    json_object_set_new (o, "km_driven", s_real (m->km_driven, 1));
    json_object_set_new (o, "reposition_km", s_real (m->reposition_km, 1));
    json_object_set_new (o, "revenue_yuan", s_real (m->revenue_yuan, 2));
    json_object_set_new (o, "mean_wait_s", s_real (m->mean_wait_s, 1));
    json_object_set_new (o, "p95_wait_s", s_real (m->p95_wait_s, 1));
    json_object_set_new (o, "hours_online", s_real (m->hours_online, 1));
    json_object_set_new (o, "hours_occupied", s_real (m->hours_occupied, 1));
    json_object_set_new (o, "cost_per_km", s_real (m->cost_per_km, 4));
    json_object_set_new (o, "cost_per_vehicle_day", s_real (m->cost_per_vehicle_day, 2));
    json_object_set_new (o, "profit_per_vehicle_day", s_real (m->profit_per_vehicle_day, 2));
    json_object_set_new (o, "break_even_rides_per_day", s_real (m->break_even_rides_per_day, 2));
    return o;
}

char *
sim_report_snapshot_json (const sim_snapshot_t *snap, int indent)
{
    json_t *root = json_object ();
    json_object_set_new (root, "kind", json_string (snap->kind == SIM_SNAPSHOT_FINAL ? "final" : "periodic"));
    json_object_set_new (root, "seq", json_integer ((json_int_t) snap->seq));
    /* stream stamps, absent from the simulator's own snapshots (summary.json) */
    if (snap->publisher[0])
        json_object_set_new (root, "publisher", json_string (snap->publisher));
    if (snap->session[0])
        json_object_set_new (root, "session", json_string (snap->session));
    if (snap->client[0])
        json_object_set_new (root, "client", json_string (snap->client));
    json_object_set_new (root, "sim_time_s", s_real ((double) snap->sim_time_ms / 1000.0, 3));
    json_object_set_new (root, "day", json_integer (snap->day));
    json_object_set_new (root, "scenario", json_string (snap->scenario));
    /* a seed is 64-bit unsigned; JSON readers lose precision past 2^53, so it travels as text */
    char seed[32];
    snprintf (seed, sizeof seed, "%llu", (unsigned long long) snap->seed);
    json_object_set_new (root, "seed", json_string (seed));
    json_t *fleets = json_object ();
    for (int f = 0; f < DISP_FLEET_COUNT; f++)
        json_object_set_new (fleets, disp_fleet_name ((disp_fleet_t) f), s_fleet_json (&snap->fleets[f]));
    json_object_set_new (root, "fleets", fleets);
    const sim_driver_metrics_t *d = &snap->drivers;
    json_t *drivers = json_object ();
    json_object_set_new (drivers, "drivers", json_integer (d->drivers));
    json_object_set_new (drivers, "hours_online", s_real (d->hours_online, 1));
    json_object_set_new (drivers, "gross_hourly_yuan", s_real (d->gross_hourly_yuan, 2));
    json_object_set_new (drivers, "net_hourly_yuan", s_real (d->net_hourly_yuan, 2));
    json_object_set_new (drivers, "net_daily_yuan", s_real (d->net_daily_yuan, 2));
    json_object_set_new (drivers, "net_income_yuan", s_real (d->net_income_yuan, 2));
    json_object_set_new (root, "drivers", drivers);
    json_t *choice = json_object ();
    json_object_set_new (choice, "considered", json_integer ((json_int_t) snap->choice.considered));
    json_object_set_new (choice, "chose_robotaxi", json_integer ((json_int_t) snap->choice.chose[DISP_FLEET_ROBOTAXI]));
    json_object_set_new (choice, "chose_human", json_integer ((json_int_t) snap->choice.chose[DISP_FLEET_HUMAN]));
    json_object_set_new (choice, "chose_other", json_integer ((json_int_t) snap->choice.chose[SIM_CHOICE_OTHER]));
    json_object_set_new (root, "choice", choice);
    if (snap->has_displacement) {
        const sim_displacement_t *x = &snap->displacement;
        json_t *o = json_object ();
        json_object_set_new (o, "baseline_human_trips", json_integer ((json_int_t) x->baseline_human_trips));
        json_object_set_new (o, "human_trips", json_integer ((json_int_t) x->human_trips));
        json_object_set_new (o, "trips_moved", json_integer ((json_int_t) x->trips_moved));
        json_object_set_new (o, "baseline_driver_income_yuan", s_real (x->baseline_driver_income_yuan, 2));
        json_object_set_new (o, "driver_income_yuan", s_real (x->driver_income_yuan, 2));
        json_object_set_new (o, "income_moved_yuan", s_real (x->income_moved_yuan, 2));
        json_object_set_new (o, "fulltime_drivers_equivalent", s_real (x->fulltime_drivers_equivalent, 2));
        json_object_set_new (o, "baseline_drivers", json_integer (x->baseline_drivers));
        json_object_set_new (o, "drivers", json_integer (x->drivers));
        json_object_set_new (o, "displaced_drivers", json_integer (x->displaced_drivers));
        json_object_set_new (o, "displaced_income_yuan", s_real (x->displaced_income_yuan, 2));
        json_object_set_new (o, "displaced_trips", json_integer ((json_int_t) x->displaced_trips));
        json_object_set_new (root, "displacement", o);
    }
    size_t flags = JSON_REAL_PRECISION (12) | (indent ? JSON_INDENT (indent) : JSON_COMPACT);
    char *text = json_dumps (root, flags);
    json_decref (root);
    return text;
}

int
sim_report_write_summary (const char *dir, const sim_snapshot_t *final_snap, char *err, size_t errlen)
{
    sim_file_t out;
    char *text = sim_report_snapshot_json (final_snap, 2);
    if (!text) {
        snprintf (err, errlen, "out of memory");
        return -1;
    }
    FILE *f = sim_file_open (&out, dir, "summary.json", err, errlen) == 0 ? out.f : NULL;
    if (!f) {
        free (text);
        return -1;
    }
    fputs (text, f);
    fputc ('\n', f);
    free (text);
    return sim_file_close (&out, err, errlen);
}

int
sim_report_write_hourly (const char *dir, const sim_metrics_t *metrics, char *err, size_t errlen)
{
    sim_file_t out;
    FILE *f = sim_file_open (&out, dir, "hourly.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        return -1;
    fprintf (f, "hour,fleet,requests,served,unserved,vehicles_online,util_occupied,util_pickup,util_idle,km_driven,"
                "empty_km_share,revenue_yuan,mean_wait_s,p95_wait_s,util_reposition,reposition_km\n");
    for (int h = 0; h < 24; h++)
        for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
            sim_fleet_metrics_t m;
            sim_metrics_hour (metrics, (disp_fleet_t) fl, h, &m);
            fprintf (f, "%d,%s,%llu,%llu,%llu,%.1f,%.4f,%.4f,%.4f,%.1f,%.4f,%.2f,%.1f,%.1f,%.4f,%.1f\n", h,
                     disp_fleet_name ((disp_fleet_t) fl), (unsigned long long) m.requests,
                     (unsigned long long) m.served, (unsigned long long) m.unserved, m.vehicles_online_mean,
                     m.util_occupied, m.util_pickup, m.util_idle, m.km_driven, m.empty_km_share, m.revenue_yuan,
                     m.mean_wait_s, m.p95_wait_s, m.util_reposition, m.reposition_km);
        }
    return sim_file_close (&out, err, errlen);
}

int
sim_report_write_fares (const char *dir, const sim_config_t *cfg, char *err, size_t errlen)
{
    sim_file_t out;
    FILE *f = sim_file_open (&out, dir, "fares.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        return -1;
    const sim_tariff_t *rt = &cfg->robotaxi.tariff, *hu = &cfg->human.tariff, *tx = &cfg->taxi.tariff;
    fprintf (f, "distance_km,minutes,robotaxi_list_yuan,robotaxi_yuan,robotaxi_coupon_yuan,human_list_yuan,"
                "human_yuan,taxi_yuan\n");
    for (int i = 0; i <= 60; i++) {
        double km = i * 0.5;
        double min = km / cfg->metrics.fare_curve_kmh * 60.0;
        fprintf (f, "%.1f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", km, min, sim_fare_list (rt, km, min),
                 sim_fare_paid (rt, km, min, 0), sim_fare_paid (rt, km, min, 1), sim_fare_list (hu, km, min),
                 sim_fare_paid (hu, km, min, 0), sim_fare_paid (tx, km, min, 0));
    }
    return sim_file_close (&out, err, errlen);
}

int
sim_report_write_waits (const char *dir, const sim_metrics_t *metrics, const sim_config_t *cfg, char *err,
                        size_t errlen)
{
    sim_file_t out;
    /* a rider is picked up by the patience at the latest, or a little after when a car was already on its way */
    size_t bins = (size_t) ceil (cfg->demand.patience_min + cfg->dispatch.max_pickup_min) + 1;
    uint64_t *counts[DISP_FLEET_COUNT] = {NULL};
    int rc = -1;
    for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
        counts[fl] = malloc (bins * sizeof (uint64_t));
        if (!counts[fl]) {
            snprintf (err, errlen, "out of memory");
            goto done;
        }
        sim_metrics_wait_histogram (metrics, (disp_fleet_t) fl, counts[fl], bins);
    }
    FILE *f = sim_file_open (&out, dir, "waits.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        goto done;
    fprintf (f, "wait_min,robotaxi,human\n");
    for (size_t i = 0; i < bins; i++)
        fprintf (f, "%zu,%llu,%llu\n", i, (unsigned long long) counts[DISP_FLEET_ROBOTAXI][i],
                 (unsigned long long) counts[DISP_FLEET_HUMAN][i]);
    rc = sim_file_close (&out, err, errlen);
done:
    for (int fl = 0; fl < DISP_FLEET_COUNT; fl++)
        free (counts[fl]);
    return rc;
}

int
sim_report_write_choice (const char *dir, const sim_config_t *cfg, const sim_choice_curve_t *curve, char *err,
                         size_t errlen)
{
    sim_file_t out;
    FILE *f = sim_file_open (&out, dir, "choice.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        return -1;
    double fare10 = sim_fare_paid (&cfg->robotaxi.tariff, 10.0, 10.0 / cfg->metrics.fare_curve_kmh * 60.0, 0);
    fprintf (f, "price_factor,robotaxi_yuan_10km,robotaxi_share,human_share,other_share\n");
    for (int k = 0; k < SIM_CHOICE_FACTORS; k++)
        fprintf (f, "%.2f,%.2f,%.5f,%.5f,%.5f\n", curve->price_factor[k], fare10 * curve->price_factor[k],
                 curve->share[k][DISP_FLEET_ROBOTAXI], curve->share[k][DISP_FLEET_HUMAN],
                 curve->share[k][SIM_CHOICE_OTHER]);
    return sim_file_close (&out, err, errlen);
}

int
sim_report_write_days (const char *dir, const sim_day_row_t *days, size_t count, char *err, size_t errlen)
{
    sim_file_t out;
    FILE *f = sim_file_open (&out, dir, "days.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        return -1;
    int base = count > 0 && days[0].has_baseline;
    fprintf (f, "day,active_drivers,driver_hours,driver_net_hourly_yuan,driver_net_income_yuan,robotaxi_trips,"
                "human_trips,robotaxi_share,unserved,considered,chose_other%s\n",
             base ? ",baseline_active_drivers,displaced_drivers,income_lost_yuan,trips_lost" : "");
    for (size_t i = 0; i < count; i++) {
        const sim_day_row_t *d = &days[i];
        fprintf (f, "%u,%u,%.1f,%.2f,%.2f,%llu,%llu,%.5f,%llu,%llu,%llu", d->day, d->active_drivers, d->driver_hours,
                 d->driver_net_hourly_yuan, d->driver_net_income_yuan, (unsigned long long) d->robotaxi_trips,
                 (unsigned long long) d->human_trips, d->robotaxi_share, (unsigned long long) d->unserved,
                 (unsigned long long) d->considered, (unsigned long long) d->chose_other);
        if (base)
            fprintf (f, ",%u,%u,%.2f,%llu", d->baseline_active_drivers, d->displaced_drivers, d->income_lost_yuan,
                     (unsigned long long) d->trips_lost);
        fputc ('\n', f);
    }
    return sim_file_close (&out, err, errlen);
}

void
sim_report_print_costs (FILE *out, const sim_cost_t cost[DISP_FLEET_COUNT])
{
    const sim_cost_t *r = &cost[DISP_FLEET_ROBOTAXI], *h = &cost[DISP_FLEET_HUMAN];
    fprintf (out, "\n%-28s %14s %14s\n", "costs (costs.csv)", "robotaxi", "human ride-hail");
    fprintf (out, "%-28s %14.2f %14.2f\n", "cost per vehicle-day, yuan", r->cost_per_vehicle_day,
             h->cost_per_vehicle_day);
    fprintf (out, "%-28s %14.3f %14.3f\n", "cost per km, yuan", r->cost_per_km, h->cost_per_km);
    fprintf (out, "%-28s %14.2f %14.2f\n", "cost per 10 km, yuan", r->cost_per_10km, h->cost_per_10km);
    fprintf (out, "%-28s %14.2f %14.2f\n", "cost per trip, yuan", r->cost_per_trip, h->cost_per_trip);
    fprintf (out, "%-28s %14.2f %14.2f\n", "revenue per trip, yuan", r->revenue_per_trip, h->revenue_per_trip);
    fprintf (out, "%-28s %14.2f %14.2f\n", "profit per vehicle-day, yuan", r->profit_per_vehicle_day,
             h->profit_per_vehicle_day);
    fprintf (out, "%-28s %14.1f %14.1f\n", "break-even rides per day", r->break_even_rides_per_day,
             h->break_even_rides_per_day);
    fprintf (out, "%-28s %13.1f%% %13.1f%%\n", "utilization (occupied)", 100 * r->utilization, 100 * h->utilization);
    fprintf (out, "(human costs value the drivers' time at their reservation wage and count the commission)\n");
}

void
sim_report_print_days (FILE *out, const sim_day_row_t *days, size_t count)
{
    int base = count > 0 && days[0].has_baseline;
    fprintf (out, "\n%5s %8s %10s %11s %10s%s\n", "day", "drivers", "net yuan/h", "robotaxi %", "gave up",
             base ? "  no-robotaxi drivers  displaced" : "");
    for (size_t i = 0; i < count; i++) {
        const sim_day_row_t *d = &days[i];
        fprintf (out, "%5u %8u %10.1f %10.2f%% %10llu", d->day, d->active_drivers, d->driver_net_hourly_yuan,
                 100 * d->robotaxi_share, (unsigned long long) d->unserved);
        if (base)
            fprintf (out, "  %20u %10u", d->baseline_active_drivers, d->displaced_drivers);
        fputc ('\n', out);
    }
}

int
sim_report_write_drivers (const char *dir, const sim_driver_row_t *rows, size_t count, char *err, size_t errlen)
{
    sim_file_t out;
    FILE *f = sim_file_open (&out, dir, "drivers.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        return -1;
    fprintf (f, "driver,worked,shift_start_h,shift_h,hours_online,trips,revenue_yuan,km,net_yuan,gross_hourly_yuan,"
                "net_hourly_yuan\n");
    for (size_t i = 0; i < count; i++) {
        const sim_driver_row_t *r = &rows[i];
        double gross_h = r->hours_online > 0 ? r->revenue_yuan / r->hours_online : 0;
        double net_h = r->hours_online > 0 ? r->net_yuan / r->hours_online : 0;
        fprintf (f, "%u,%u,%.2f,%.2f,%.2f,%u,%.2f,%.1f,%.2f,%.2f,%.2f\n", r->id, r->worked, r->shift_start_h,
                 r->shift_h, r->hours_online, r->trips, r->revenue_yuan, r->km, r->net_yuan, gross_h, net_h);
    }
    return sim_file_close (&out, err, errlen);
}

void
sim_report_print_summary (FILE *out, const sim_snapshot_t *snap)
{
    const sim_fleet_metrics_t *r = &snap->fleets[DISP_FLEET_ROBOTAXI], *h = &snap->fleets[DISP_FLEET_HUMAN];
    fprintf (out, "\n%-28s %14s %14s\n", "", "robotaxi", "human ride-hail");
    fprintf (out, "%-28s %14u %14u\n", "vehicles", r->vehicles, h->vehicles);
    fprintf (out, "%-28s %14llu %14llu\n", "requests", (unsigned long long) r->requests,
             (unsigned long long) h->requests);
    fprintf (out, "%-28s %14llu %14llu\n", "trips served", (unsigned long long) r->served,
             (unsigned long long) h->served);
    fprintf (out, "%-28s %14llu %14llu\n", "unserved (gave up)", (unsigned long long) r->unserved,
             (unsigned long long) h->unserved);
    fprintf (out, "%-28s %13.1f%% %13.1f%%\n", "time carrying a rider", 100 * r->util_occupied,
             100 * h->util_occupied);
    fprintf (out, "%-28s %13.1f%% %13.1f%%\n", "time driving to pickups", 100 * r->util_pickup, 100 * h->util_pickup);
    fprintf (out, "%-28s %13.1f%% %13.1f%%\n", "time idle", 100 * r->util_idle, 100 * h->util_idle);
    if (r->reposition_km > 0 || h->reposition_km > 0)
        fprintf (out, "%-28s %13.1f%% %13.1f%%\n", "time repositioning", 100 * r->util_reposition,
                 100 * h->util_reposition);
    fprintf (out, "%-28s %13.1f%% %13.1f%%\n", "empty km share", 100 * r->empty_km_share, 100 * h->empty_km_share);
    fprintf (out, "%-28s %14.0f %14.0f\n", "km driven", r->km_driven, h->km_driven);
    if (r->reposition_km > 0 || h->reposition_km > 0)
        fprintf (out, "%-28s %14.0f %14.0f\n", "  of which repositioning", r->reposition_km, h->reposition_km);
    fprintf (out, "%-28s %14.0f %14.0f\n", "revenue, yuan", r->revenue_yuan, h->revenue_yuan);
    fprintf (out, "%-28s %14.1f %14.1f\n", "mean wait, min", r->mean_wait_s / 60, h->mean_wait_s / 60);
    fprintf (out, "%-28s %14.1f %14.1f\n", "95th pct wait, min", r->p95_wait_s / 60, h->p95_wait_s / 60);
    const sim_driver_metrics_t *d = &snap->drivers;
    fprintf (out, "\nhuman drivers: %u worked %.0f h; gross %.1f yuan/h, net %.1f yuan/h, net %.0f yuan/day each\n",
             d->drivers, d->hours_online, d->gross_hourly_yuan, d->net_hourly_yuan, d->net_daily_yuan);
    if (snap->has_displacement) {
        const sim_displacement_t *x = &snap->displacement;
        fprintf (out, "displacement vs. the same day without robotaxis: %llu human trips (%llu -> %llu), "
                      "%.0f yuan of drivers' net income, = %.1f full-time drivers\n",
                 (unsigned long long) x->trips_moved, (unsigned long long) x->baseline_human_trips,
                 (unsigned long long) x->human_trips, x->income_moved_yuan, x->fulltime_drivers_equivalent);
    }
}

void
sim_report_print_row (FILE *out, const sim_snapshot_t *snap, int header)
{
    if (header)
        fprintf (out, "%-5s %-8s %5s | %-29s | %-29s | %s\n", "seq", "kind", "time", "robotaxi: served/req util wait",
                 "human:    served/req util wait", "driver net/h");
    const sim_fleet_metrics_t *r = &snap->fleets[DISP_FLEET_ROBOTAXI], *h = &snap->fleets[DISP_FLEET_HUMAN];
    long long minutes = (long long) (snap->sim_time_ms / 60000);
    fprintf (out, "%-5llu %-8s %02lld:%02lld | %7llu/%-7llu %4.0f%% %5.1fm | %7llu/%-7llu %4.0f%% %5.1fm | %6.1f\n",
             (unsigned long long) snap->seq, snap->kind == SIM_SNAPSHOT_FINAL ? "final" : "periodic", minutes / 60,
             minutes % 60, (unsigned long long) r->served, (unsigned long long) r->requests,
             100 * (r->util_occupied + r->util_pickup), r->mean_wait_s / 60, (unsigned long long) h->served,
             (unsigned long long) h->requests, 100 * (h->util_occupied + h->util_pickup), h->mean_wait_s / 60,
             snap->drivers.net_hourly_yuan);
    fflush (out);
}

static int
s_write_cost_table (const char *dir, const sim_config_t *cfg, const sim_cost_use_t use[DISP_FLEET_COUNT], char *err,
                    size_t errlen)
{
    sim_file_t out;
    FILE *f = sim_file_open (&out, dir, "costs.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        return -1;
    fprintf (f, "fleet,vehicle_days,hours_online,hours_occupied,km,trips,fares_yuan,capital,rent,insurance,energy,"
                "maintenance,cleaning,depot,software,operators,commission,driver_time,fixed_per_vehicle_day,"
                "variable_per_km,cost_per_vehicle_day,cost_per_km,cost_per_trip,cost_per_10km,"
                "revenue_per_vehicle_day,revenue_per_trip,profit_per_vehicle_day,break_even_rides_per_day,"
                "utilization\n");
    for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
        const sim_cost_use_t *u = &use[fl];
        sim_cost_t c;
        sim_cost_fleet (cfg, (disp_fleet_t) fl, u, &c);
        fprintf (f, "%s,%.1f,%.1f,%.1f,%.1f,%.1f,%.2f,", disp_fleet_name ((disp_fleet_t) fl), u->vehicle_days,
                 u->hours_online, u->hours_occupied, u->km, u->trips, u->fares_yuan);
        fprintf (f, "%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,", c.capital, c.rent, c.insurance,
                 c.energy, c.maintenance, c.cleaning, c.depot, c.software, c.operators, c.commission, c.driver_time);
        fprintf (f, "%.2f,%.4f,%.2f,%.4f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.4f\n", c.fixed_per_vehicle_day,
                 c.variable_per_km, c.cost_per_vehicle_day, c.cost_per_km, c.cost_per_trip, c.cost_per_10km,
                 c.revenue_per_vehicle_day, c.revenue_per_trip, c.profit_per_vehicle_day, c.break_even_rides_per_day,
                 c.utilization);
    }
    return sim_file_close (&out, err, errlen);
}

static int
s_write_cost_curve (const char *dir, const sim_config_t *cfg, const sim_cost_use_t use[DISP_FLEET_COUNT], char *err,
                    size_t errlen)
{
    sim_file_t out;
    FILE *f = sim_file_open (&out, dir, "costcurve.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        return -1;
    fprintf (f, "utilization,robotaxi_yuan_per_km,human_yuan_per_km\n");
    for (int i = 1; i <= 20; i++) {
        double u = i * 0.05; /* from the integer step, so the last row is exactly 1 */
        fprintf (f, "%.2f,%.4f,%.4f\n", u,
                 sim_cost_per_km_at (cfg, DISP_FLEET_ROBOTAXI, &use[DISP_FLEET_ROBOTAXI], u),
                 sim_cost_per_km_at (cfg, DISP_FLEET_HUMAN, &use[DISP_FLEET_HUMAN], u));
    }
    return sim_file_close (&out, err, errlen);
}

int
sim_report_write_costs (const char *dir, const sim_config_t *cfg, const sim_cost_use_t use[DISP_FLEET_COUNT],
                        char *err, size_t errlen)
{
    if (s_write_cost_table (dir, cfg, use, err, errlen) != 0)
        return -1;
    return s_write_cost_curve (dir, cfg, use, err, errlen);
}
