/* sim_report: output files and printed tables. */
#include "sim_report.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim_fare.h"
#include "sim_file.h"

/* ---- figures ------------------------------------------------------------------------------------------------ */

/* Where a figure's value lives in the struct a table is written from. */
typedef enum { S_U32, S_U64, S_F64, S_USE } s_type_t;   /* S_USE: a double of the sim_cost_use_t beside a cost */

typedef struct {
    sim_fig_t fig;
    s_type_t type;
    size_t offset;
} s_field_t;

#define S_SHOWN SIM_FIG_SHOWN
#define S_NUM   SIM_FIG_NUMBER
#define S_PCT   SIM_FIG_PERCENT
#define S_MIN   SIM_FIG_MINUTES
#define S_FLEET(m) offsetof (sim_fleet_metrics_t, m)
#define S_DRV(m)   offsetof (sim_driver_metrics_t, m)
#define S_DISP(m)  offsetof (sim_displacement_t, m)
#define S_DAY(m)   offsetof (sim_day_row_t, m)
#define S_COST(m)  offsetof (sim_cost_t, m)
#define S_USE_(m)  offsetof (sim_cost_use_t, m)

/* summary.json fleets.*, in the file's order */
static const s_field_t s_fleet_fields[] = {
    {{"vehicles", 0, S_NUM, "vehicles", S_SHOWN}, S_U32, S_FLEET (vehicles)},
    {{"online", 0, S_NUM, "vehicles on shift now", 0}, S_U32, S_FLEET (online)},
    {{"requests", 0, S_NUM, "requests", S_SHOWN}, S_U64, S_FLEET (requests)},
    {{"served", 0, S_NUM, "trips served", S_SHOWN}, S_U64, S_FLEET (served)},
    {{"unserved", 0, S_NUM, "unserved (gave up)", S_SHOWN}, S_U64, S_FLEET (unserved)},
    {{"util_occupied", 4, S_PCT, "time carrying a rider", S_SHOWN}, S_F64, S_FLEET (util_occupied)},
    {{"util_pickup", 4, S_PCT, "time driving to pickups", S_SHOWN}, S_F64, S_FLEET (util_pickup)},
    {{"util_idle", 4, S_PCT, "time idle", S_SHOWN}, S_F64, S_FLEET (util_idle)},
    {{"util_reposition", 4, S_PCT, "time repositioning", S_SHOWN | SIM_FIG_IF_USED}, S_F64,
     S_FLEET (util_reposition)},
    {{"empty_km_share", 4, S_PCT, "empty km share", S_SHOWN}, S_F64, S_FLEET (empty_km_share)},
    {{"km_driven", 1, S_NUM, "km driven", S_SHOWN}, S_F64, S_FLEET (km_driven)},
    {{"reposition_km", 1, S_NUM, "km driven repositioning", S_SHOWN | SIM_FIG_IF_USED}, S_F64,
     S_FLEET (reposition_km)},
    {{"revenue_yuan", 2, S_NUM, "revenue, yuan", S_SHOWN}, S_F64, S_FLEET (revenue_yuan)},
    {{"mean_wait_s", 1, S_MIN, "mean wait, min", S_SHOWN}, S_F64, S_FLEET (mean_wait_s)},
    {{"p95_wait_s", 1, S_MIN, "95th percentile wait, min", S_SHOWN}, S_F64, S_FLEET (p95_wait_s)},
    {{"hours_online", 1, S_NUM, "hours on shift", 0}, S_F64, S_FLEET (hours_online)},
    {{"hours_occupied", 1, S_NUM, "hours carrying a rider", 0}, S_F64, S_FLEET (hours_occupied)},
    {{"cost_per_km", 4, S_NUM, "cost per km, yuan", 0}, S_F64, S_FLEET (cost_per_km)},
    {{"cost_per_vehicle_day", 2, S_NUM, "cost per vehicle-day, yuan", 0}, S_F64, S_FLEET (cost_per_vehicle_day)},
    {{"profit_per_vehicle_day", 2, S_NUM, "profit per vehicle-day, yuan", 0}, S_F64,
     S_FLEET (profit_per_vehicle_day)},
    {{"break_even_rides_per_day", 2, S_NUM, "break-even rides per day", 0}, S_F64,
     S_FLEET (break_even_rides_per_day)},
};

/* summary.json drivers.* */
static const s_field_t s_driver_fields[] = {
    {{"drivers", 0, S_NUM, "drivers who worked", S_SHOWN}, S_U32, S_DRV (drivers)},
    {{"hours_online", 1, S_NUM, "hours on shift", S_SHOWN}, S_F64, S_DRV (hours_online)},
    {{"gross_hourly_yuan", 2, S_NUM, "gross yuan/h", S_SHOWN}, S_F64, S_DRV (gross_hourly_yuan)},
    {{"net_hourly_yuan", 2, S_NUM, "net yuan/h", S_SHOWN}, S_F64, S_DRV (net_hourly_yuan)},
    {{"net_daily_yuan", 2, S_NUM, "net yuan a day each", S_SHOWN}, S_F64, S_DRV (net_daily_yuan)},
    {{"net_income_yuan", 2, S_NUM, "net income of them all, yuan", S_SHOWN}, S_F64, S_DRV (net_income_yuan)},
};

/* summary.json displacement.* */
static const s_field_t s_displacement_fields[] = {
    {{"baseline_human_trips", 0, S_NUM, "human ride-hail trips without robotaxis", S_SHOWN}, S_U64,
     S_DISP (baseline_human_trips)},
    {{"human_trips", 0, S_NUM, "human ride-hail trips with robotaxis", S_SHOWN}, S_U64, S_DISP (human_trips)},
    {{"trips_moved", 0, S_NUM, "trips moved to robotaxis", S_SHOWN}, S_U64, S_DISP (trips_moved)},
    {{"baseline_driver_income_yuan", 2, S_NUM, "drivers' net income without robotaxis, yuan", S_SHOWN}, S_F64,
     S_DISP (baseline_driver_income_yuan)},
    {{"driver_income_yuan", 2, S_NUM, "drivers' net income with robotaxis, yuan", S_SHOWN}, S_F64,
     S_DISP (driver_income_yuan)},
    {{"income_moved_yuan", 2, S_NUM, "net income moved, yuan", S_SHOWN}, S_F64, S_DISP (income_moved_yuan)},
    {{"fulltime_drivers_equivalent", 2, S_NUM, "the same in full-time drivers", S_SHOWN}, S_F64,
     S_DISP (fulltime_drivers_equivalent)},
    {{"baseline_drivers", 0, S_NUM, "drivers who worked without robotaxis", S_SHOWN}, S_U32,
     S_DISP (baseline_drivers)},
    {{"drivers", 0, S_NUM, "drivers who worked with robotaxis", S_SHOWN}, S_U32, S_DISP (drivers)},
    {{"displaced_drivers", 0, S_NUM, "displaced drivers (worked without robotaxis, not with them)", S_SHOWN}, S_U32,
     S_DISP (displaced_drivers)},
    {{"displaced_income_yuan", 2, S_NUM, "their net income without robotaxis, yuan", S_SHOWN}, S_F64,
     S_DISP (displaced_income_yuan)},
    {{"displaced_trips", 0, S_NUM, "their trips without robotaxis", S_SHOWN}, S_U64, S_DISP (displaced_trips)},
};

/* days.csv after `day`, in the file's order: SIM_FIG_SHOWN marks the columns of the days table; the displacement
 * table shows the baseline columns that add up over days (all but the drivers who worked without robotaxis) */
#define S_BASE (SIM_FIG_BASELINE | SIM_FIG_SUM)
static const s_field_t s_day_fields[] = {
    {{"active_drivers", 0, S_NUM, "drivers who worked", S_SHOWN}, S_U32, S_DAY (active_drivers)},
    {{"driver_hours", 1, S_NUM, "drivers' hours on shift", SIM_FIG_SUM}, S_F64, S_DAY (driver_hours)},
    {{"driver_net_hourly_yuan", 2, S_NUM, "drivers' net yuan/h", S_SHOWN}, S_F64, S_DAY (driver_net_hourly_yuan)},
    {{"driver_net_income_yuan", 2, S_NUM, "drivers' net income, yuan", SIM_FIG_SUM}, S_F64,
     S_DAY (driver_net_income_yuan)},
    {{"robotaxi_trips", 0, S_NUM, "robotaxi trips", S_SHOWN | SIM_FIG_SUM}, S_U64, S_DAY (robotaxi_trips)},
    {{"human_trips", 0, S_NUM, "human ride-hail trips", S_SHOWN | SIM_FIG_SUM}, S_U64, S_DAY (human_trips)},
    {{"robotaxi_share", 5, S_PCT, "robotaxi share of trips", S_SHOWN}, S_F64, S_DAY (robotaxi_share)},
    {{"unserved", 0, S_NUM, "riders who gave up", S_SHOWN | SIM_FIG_SUM}, S_U64, S_DAY (unserved)},
    {{"considered", 0, S_NUM, "riders who considered ride-hail", SIM_FIG_SUM}, S_U64, S_DAY (considered)},
    {{"chose_other", 0, S_NUM, "riders who chose another mode", SIM_FIG_SUM}, S_U64, S_DAY (chose_other)},
    {{"baseline_active_drivers", 0, S_NUM, "drivers who worked without robotaxis", S_SHOWN | SIM_FIG_BASELINE},
     S_U32, S_DAY (baseline_active_drivers)},
    {{"trips_moved", 0, S_NUM, "trips moved to robotaxis", S_BASE}, S_U64, S_DAY (trips_moved)},
    {{"income_moved_yuan", 2, S_NUM, "drivers' net income moved, yuan", S_BASE}, S_F64, S_DAY (income_moved_yuan)},
    {{"fulltime_drivers_equivalent", 2, S_NUM, "the same in full-time drivers", S_BASE}, S_F64,
     S_DAY (fulltime_drivers_equivalent)},
    {{"displaced_drivers", 0, S_NUM, "displaced drivers", S_BASE}, S_U32, S_DAY (displaced_drivers)},
    {{"income_lost_yuan", 2, S_NUM, "their net income without robotaxis, yuan", S_BASE}, S_F64,
     S_DAY (income_lost_yuan)},
    {{"trips_lost", 0, S_NUM, "their trips without robotaxis", S_BASE}, S_U64, S_DAY (trips_lost)},
};

/* costs.csv after `fleet`: what the fleet did (sim_cost_use_t), then its costs (sim_cost_t) */
static const s_field_t s_cost_fields[] = {
    {{"vehicle_days", 1, S_NUM, "vehicle-days", 0}, S_USE, S_USE_ (vehicle_days)},
    {{"hours_online", 1, S_NUM, "hours online", 0}, S_USE, S_USE_ (hours_online)},
    {{"hours_occupied", 1, S_NUM, "hours carrying a rider", 0}, S_USE, S_USE_ (hours_occupied)},
    {{"km", 1, S_NUM, "km", 0}, S_USE, S_USE_ (km)},
    {{"trips", 1, S_NUM, "trips", 0}, S_USE, S_USE_ (trips)},
    {{"fares_yuan", 2, S_NUM, "fares, yuan", 0}, S_USE, S_USE_ (fares_yuan)},
    {{"capital", 2, S_NUM, "capital", 0}, S_F64, S_COST (capital)},
    {{"rent", 2, S_NUM, "rent", 0}, S_F64, S_COST (rent)},
    {{"insurance", 2, S_NUM, "insurance", 0}, S_F64, S_COST (insurance)},
    {{"energy", 2, S_NUM, "energy", 0}, S_F64, S_COST (energy)},
    {{"maintenance", 2, S_NUM, "maintenance", 0}, S_F64, S_COST (maintenance)},
    {{"cleaning", 2, S_NUM, "cleaning", 0}, S_F64, S_COST (cleaning)},
    {{"depot", 2, S_NUM, "depot", 0}, S_F64, S_COST (depot)},
    {{"software", 2, S_NUM, "software", 0}, S_F64, S_COST (software)},
    {{"operators", 2, S_NUM, "remote operators", 0}, S_F64, S_COST (operators)},
    {{"commission", 2, S_NUM, "platform commission", 0}, S_F64, S_COST (commission)},
    {{"driver_time", 2, S_NUM, "driver time", 0}, S_F64, S_COST (driver_time)},
    {{"fixed_per_vehicle_day", 2, S_NUM, "fixed, per vehicle-day", 0}, S_F64, S_COST (fixed_per_vehicle_day)},
    {{"variable_per_km", 4, S_NUM, "variable, per km", 0}, S_F64, S_COST (variable_per_km)},
    {{"cost_per_vehicle_day", 2, S_NUM, "cost per vehicle-day, yuan", S_SHOWN}, S_F64,
     S_COST (cost_per_vehicle_day)},
    {{"cost_per_km", 4, S_NUM, "cost per km, yuan", S_SHOWN}, S_F64, S_COST (cost_per_km)},
    {{"cost_per_trip", 2, S_NUM, "cost per trip, yuan", S_SHOWN}, S_F64, S_COST (cost_per_trip)},
    {{"cost_per_10km", 2, S_NUM, "cost per 10 km, yuan", S_SHOWN}, S_F64, S_COST (cost_per_10km)},
    {{"revenue_per_vehicle_day", 2, S_NUM, "revenue per vehicle-day, yuan", S_SHOWN}, S_F64,
     S_COST (revenue_per_vehicle_day)},
    {{"revenue_per_trip", 2, S_NUM, "revenue per trip, yuan", S_SHOWN}, S_F64, S_COST (revenue_per_trip)},
    {{"profit_per_vehicle_day", 2, S_NUM, "profit per vehicle-day, yuan", S_SHOWN}, S_F64,
     S_COST (profit_per_vehicle_day)},
    {{"break_even_rides_per_day", 2, S_NUM, "break-even rides per day", S_SHOWN}, S_F64,
     S_COST (break_even_rides_per_day)},
    {{"utilization", 4, S_PCT, "utilization: time carrying a rider", S_SHOWN}, S_F64, S_COST (utilization)},
};

#define S_COUNT(a) (sizeof (a) / sizeof (a)[0])

static const s_field_t *
s_fields (sim_figs_t group, size_t *count)
{
    switch (group) {
    case SIM_FIGS_FLEET: *count = S_COUNT (s_fleet_fields); return s_fleet_fields;
    case SIM_FIGS_DRIVERS: *count = S_COUNT (s_driver_fields); return s_driver_fields;
    case SIM_FIGS_DISPLACEMENT: *count = S_COUNT (s_displacement_fields); return s_displacement_fields;
    case SIM_FIGS_DAY: *count = S_COUNT (s_day_fields); return s_day_fields;
    case SIM_FIGS_COST: *count = S_COUNT (s_cost_fields); return s_cost_fields;
    }
    *count = 0;
    return NULL;
}

const sim_fig_t *
sim_report_fig (sim_figs_t group, size_t i)
{
    size_t n;
    const s_field_t *f = s_fields (group, &n);
    return i < n ? &f[i].fig : NULL;
}

const sim_fig_t *
sim_report_fig_find (sim_figs_t group, const char *key)
{
    size_t n;
    const s_field_t *f = s_fields (group, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp (f[i].fig.key, key) == 0)
            return &f[i].fig;
    return NULL;
}

/* The field of group behind fig (a pointer sim_report_fig gave). */
static const s_field_t *
s_field_of (const sim_fig_t *fig)
{
    return (const s_field_t *) (const void *) ((const char *) fig - offsetof (s_field_t, fig));
}

double
sim_report_round (double v, int decimals)
{
    double scale = pow (10.0, decimals);
    return round (v * scale) / scale + 0.0;   /* + 0.0: no "-0.00" */
}

const char *
sim_report_fig_text (const sim_fig_t *fig, double v, char *buf, size_t len)
{
    if (!isfinite (v)) {
        snprintf (buf, len, "-");
        return buf;
    }
    double r = sim_report_round (v, fig->decimals);
    switch (fig->unit) {
    case SIM_FIG_PERCENT:
        snprintf (buf, len, "%.*f%%", fig->decimals > 2 ? fig->decimals - 2 : 0, 100 * r);
        break;
    case SIM_FIG_MINUTES: snprintf (buf, len, "%.1f", sim_report_round (r / 60.0, 1)); break;
    case SIM_FIG_NUMBER: snprintf (buf, len, "%.*f", fig->decimals, r); break;
    }
    return buf;
}

const char *
sim_report_last_day (uint32_t day, uint32_t days, char *buf, size_t len)
{
    if (days > 1)
        snprintf (buf, len, "day %u of %u (the last day)", day, days);
    else
        snprintf (buf, len, "%s", "");
    return buf;
}

/* The value of field f in the struct at base (for S_USE, in use). */
static double
s_value (const s_field_t *f, const void *base, const void *use)
{
    const char *p = (const char *) (f->type == S_USE ? use : base) + f->offset;
    switch (f->type) {
    case S_U32: return (double) *(const uint32_t *) (const void *) p;
    case S_U64: return (double) *(const uint64_t *) (const void *) p;
    case S_F64:
    case S_USE: return *(const double *) (const void *) p;
    }
    return 0;
}

/* The text of fig (of a table of one struct, not S_USE) for the struct at base. */
static const char *
s_text (const sim_fig_t *fig, const void *base, char *buf, size_t len)
{
    assert (s_field_of (fig)->type != S_USE);
    return sim_report_fig_text (fig, s_value (s_field_of (fig), base, NULL), buf, len);
}

/* Writes a field as a CSV cell: integers whole, doubles rounded once to the figure's decimals. */
static void
s_csv_cell (FILE *f, const s_field_t *fd, const void *base, const void *use)
{
    if (fd->type == S_U32)
        fprintf (f, "%u", *(const uint32_t *) (const void *) ((const char *) base + fd->offset));
    else if (fd->type == S_U64)
        fprintf (f, "%llu", (unsigned long long) *(const uint64_t *) (const void *) ((const char *) base + fd->offset));
    else
        fprintf (f, "%.*f", fd->fig.decimals, sim_report_round (s_value (fd, base, use), fd->fig.decimals));
}

/* The fields of a table as a JSON object: integers whole, doubles rounded once to the figure's decimals. */
static json_t *
s_object_json (const s_field_t *fields, size_t n, const void *base)
{
    json_t *o = json_object ();
    for (size_t i = 0; i < n; i++) {
        const s_field_t *f = &fields[i];
        const char *p = (const char *) base + f->offset;
        json_t *v;
        if (f->type == S_U32)
            v = json_integer ((json_int_t) *(const uint32_t *) (const void *) p);
        else if (f->type == S_U64)
            v = json_integer ((json_int_t) *(const uint64_t *) (const void *) p);
        else
            v = json_real (sim_report_round (*(const double *) (const void *) p, f->fig.decimals));
        json_object_set_new (o, f->fig.key, v);
    }
    return o;
}

/* ---- summary.json and the stream's JSON lines ----------------------------------------------------------------- */

/* A fleet's charging (charging.mode battery): shares of its on-shift hours plugged in and waiting for a plug, and the
 * electricity bought per vehicle-day (robotaxis in the fleet, drivers who worked) and per km driven. */
typedef struct {
    double plug_share, wait_share, kwh_per_vehicle_day, yuan_per_vehicle_day, kwh_per_km, yuan_per_km;
} s_charging_t;

static double
s_per (double a, double b)
{
    return b > 0 ? a / b : 0.0;
}

static void
s_charging (const sim_fleet_metrics_t *m, s_charging_t *out)
{
    out->plug_share = s_per (m->charge_plug_h, m->hours_online);
    out->wait_share = s_per (m->charge_wait_h, m->hours_online);
    out->kwh_per_vehicle_day = s_per (m->energy_kwh, (double) m->vehicles);
    out->yuan_per_vehicle_day = s_per (m->energy_yuan, (double) m->vehicles);
    out->kwh_per_km = s_per (m->energy_kwh, m->km_driven);
    out->yuan_per_km = s_per (m->energy_yuan, m->km_driven);
}

/* summary.json charging.FLEET (battery runs only) */
static json_t *
s_charging_json (const sim_fleet_metrics_t *m)
{
    s_charging_t c;
    s_charging (m, &c);
    json_t *o = json_object ();
    json_object_set_new (o, "plugged_in_share", json_real (sim_report_round (c.plug_share, 4)));
    json_object_set_new (o, "waiting_for_plug_share", json_real (sim_report_round (c.wait_share, 4)));
    json_object_set_new (o, "plugged_in_h", json_real (sim_report_round (m->charge_plug_h, 1)));
    json_object_set_new (o, "waiting_for_plug_h", json_real (sim_report_round (m->charge_wait_h, 1)));
    json_object_set_new (o, "kwh_per_vehicle_day", json_real (sim_report_round (c.kwh_per_vehicle_day, 2)));
    json_object_set_new (o, "energy_yuan_per_vehicle_day", json_real (sim_report_round (c.yuan_per_vehicle_day, 2)));
    json_object_set_new (o, "kwh_per_km", json_real (sim_report_round (c.kwh_per_km, 4)));
    json_object_set_new (o, "energy_yuan_per_km", json_real (sim_report_round (c.yuan_per_km, 4)));
    return o;
}

/* One snapshot as a JSON object; with days > 0, the run's number of days beside "day". */
static json_t *
s_snapshot_object (const sim_snapshot_t *snap, uint32_t days)
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
    json_object_set_new (root, "sim_time_s", json_real (sim_report_round ((double) snap->sim_time_ms / 1000.0, 3)));
    json_object_set_new (root, "day", json_integer (snap->day));
    if (days > 0)
        json_object_set_new (root, "days", json_integer (days));
    json_object_set_new (root, "scenario", json_string (snap->scenario));
    /* a seed is 64-bit unsigned; JSON readers lose precision past 2^53, so it travels as text */
    char seed[32];
    snprintf (seed, sizeof seed, "%llu", (unsigned long long) snap->seed);
    json_object_set_new (root, "seed", json_string (seed));
    json_t *fleets = json_object ();
    for (int f = 0; f < DISP_FLEET_COUNT; f++)
        json_object_set_new (fleets, disp_fleet_name ((disp_fleet_t) f),
                             s_object_json (s_fleet_fields, S_COUNT (s_fleet_fields), &snap->fleets[f]));
    json_object_set_new (root, "fleets", fleets);
    json_object_set_new (root, "drivers", s_object_json (s_driver_fields, S_COUNT (s_driver_fields), &snap->drivers));
    if (snap->fleets[DISP_FLEET_ROBOTAXI].battery) {
        json_t *charging = json_object ();
        for (int f = 0; f < DISP_FLEET_COUNT; f++)
            json_object_set_new (charging, disp_fleet_name ((disp_fleet_t) f), s_charging_json (&snap->fleets[f]));
        json_object_set_new (root, "charging", charging);
    }
    json_t *choice = json_object ();
    json_object_set_new (choice, "considered", json_integer ((json_int_t) snap->choice.considered));
    json_object_set_new (choice, "chose_robotaxi", json_integer ((json_int_t) snap->choice.chose[DISP_FLEET_ROBOTAXI]));
    json_object_set_new (choice, "chose_human", json_integer ((json_int_t) snap->choice.chose[DISP_FLEET_HUMAN]));
    json_object_set_new (choice, "chose_other", json_integer ((json_int_t) snap->choice.chose[SIM_CHOICE_OTHER]));
    json_object_set_new (root, "choice", choice);
    if (snap->has_displacement)
        json_object_set_new (root, "displacement", s_object_json (s_displacement_fields,
                                                                  S_COUNT (s_displacement_fields),
                                                                  &snap->displacement));
    return root;
}

static char *
s_dump (json_t *root, int indent)
{
    size_t flags = JSON_REAL_PRECISION (12) | (indent ? JSON_INDENT (indent) : JSON_COMPACT);
    char *text = json_dumps (root, flags);
    json_decref (root);
    return text;
}

char *
sim_report_snapshot_json (const sim_snapshot_t *snap, int indent)
{
    return s_dump (s_snapshot_object (snap, 0), indent);
}

int
sim_report_write_summary (const char *dir, const sim_snapshot_t *final_snap, uint32_t days, char *err,
                          size_t errlen)
{
    sim_file_t out;
    char *text = s_dump (s_snapshot_object (final_snap, days ? days : 1), 2);
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
    fputs ("day", f);
    for (size_t c = 0; c < S_COUNT (s_day_fields); c++)
        if (base || !(s_day_fields[c].fig.flags & SIM_FIG_BASELINE))
            fprintf (f, ",%s", s_day_fields[c].fig.key);
    fputc ('\n', f);
    for (size_t i = 0; i < count; i++) {
        fprintf (f, "%u", days[i].day);
        for (size_t c = 0; c < S_COUNT (s_day_fields); c++)
            if (base || !(s_day_fields[c].fig.flags & SIM_FIG_BASELINE)) {
                fputc (',', f);
                s_csv_cell (f, &s_day_fields[c], &days[i], NULL);
            }
        fputc ('\n', f);
    }
    return sim_file_close (&out, err, errlen);
}

/* ---- the terminal: every figure as summary.json and the CSV files hold it, under its scope -------------------- */

#define S_LABEL_W 36

/* 1 when field f is shown for these two fleets' values: always, or (SIM_FIG_IF_USED) when one is not 0. */
static int
s_used (const s_field_t *f, const void *a, const void *b)
{
    return !(f->fig.flags & SIM_FIG_IF_USED) || s_value (f, a, NULL) != 0 || s_value (f, b, NULL) != 0;
}

void
sim_report_print_costs (FILE *out, const sim_cost_t cost[DISP_FLEET_COUNT], uint32_t days)
{
    const sim_cost_t *r = &cost[DISP_FLEET_ROBOTAXI], *h = &cost[DISP_FLEET_HUMAN];
    char head[64], a[32], b[32];
    if (days > 1)
        snprintf (head, sizeof head, "costs over all %u days (costs.csv)", days);
    else
        snprintf (head, sizeof head, "costs (costs.csv)");
    fprintf (out, "\n%-*s %14s %15s\n", S_LABEL_W, head, "robotaxi", "human ride-hail");
    for (size_t i = 0; i < S_COUNT (s_cost_fields); i++) {
        const s_field_t *f = &s_cost_fields[i];
        if (f->fig.flags & SIM_FIG_SHOWN)
            fprintf (out, "%-*s %14s %15s\n", S_LABEL_W, f->fig.label, s_text (&f->fig, r, a, sizeof a),
                     s_text (&f->fig, h, b, sizeof b));
    }
    fprintf (out, "(human costs value the drivers' time at their reservation wage and count the commission%s)\n",
             days > 1 ? "; per vehicle-day: the mean over the days" : "");
}

/* A column of a terminal table of days: the days.csv column and its short heading. */
typedef struct {
    const char *key, *head;
} s_day_col_t;

/* Prints the heading and the figures of one row of a days table; label heads the row. */
static void
s_day_cells (FILE *out, const s_day_col_t *cols, size_t n, const double *values)
{
    char text[48];
    for (size_t c = 0; c < n; c++) {
        int w = (int) strlen (cols[c].head) > 9 ? (int) strlen (cols[c].head) : 9;
        fprintf (out, "  %*s", w, sim_report_fig_text (sim_report_fig_find (SIM_FIGS_DAY, cols[c].key), values[c],
                                                       text, sizeof text));
    }
    fputc ('\n', out);
}

static void
s_day_heads (FILE *out, const char *first, const s_day_col_t *cols, size_t n)
{
    fprintf (out, "%-14s", first);
    for (size_t c = 0; c < n; c++)
        fprintf (out, "  %9s", cols[c].head);
    fputc ('\n', out);
}

/* The values of cols for day d. */
static void
s_day_values (const sim_day_row_t *d, const s_day_col_t *cols, size_t n, double *values)
{
    for (size_t c = 0; c < n; c++)
        values[c] = s_value (s_field_of (sim_report_fig_find (SIM_FIGS_DAY, cols[c].key)), d, NULL);
}

void
sim_report_print_days (FILE *out, const sim_day_row_t *days, size_t count)
{
    static const s_day_col_t cols[] = {
        {"active_drivers", "drivers"},   {"driver_net_hourly_yuan", "net yuan/h"},
        {"robotaxi_trips", "robotaxi trips"}, {"human_trips", "human trips"},
        {"robotaxi_share", "robotaxi share"}, {"unserved", "gave up"},
        {"baseline_active_drivers", "drivers without robotaxis"}};
    if (count < 2)
        return;
    size_t n = S_COUNT (cols) - (days[0].has_baseline ? 0 : 1);
    double values[S_COUNT (cols)];
    fprintf (out, "\neach day (days.csv)\n");
    s_day_heads (out, "", cols, n);
    for (size_t i = 0; i < count; i++) {
        char label[32];
        snprintf (label, sizeof label, "day %u", days[i].day);
        fprintf (out, "%-14s", label);
        s_day_values (&days[i], cols, n, values);
        s_day_cells (out, cols, n, values);
    }
}

void
sim_report_print_displacement (FILE *out, const sim_day_row_t *days, size_t count)
{
    static const s_day_col_t cols[] = {
        {"trips_moved", "trips moved"},        {"income_moved_yuan", "income moved, yuan"},
        {"fulltime_drivers_equivalent", "full-time drivers"}, {"displaced_drivers", "displaced drivers"},
        {"income_lost_yuan", "their income, yuan"}, {"trips_lost", "their trips"}};
    enum { N = S_COUNT (cols) };
    if (count == 0 || !days[0].has_baseline)
        return;
    double values[N], total[N] = {0};
    fprintf (out, "\ndisplacement: %s against the same day without robotaxis (days.csv)\n",
             count > 1 ? "each day" : "the day");
    s_day_heads (out, "", cols, N);
    for (size_t i = 0; i < count; i++) {
        char label[32];
        snprintf (label, sizeof label, "day %u", days[i].day);
        fprintf (out, "%-14s", label);
        s_day_values (&days[i], cols, N, values);
        s_day_cells (out, cols, N, values);
        /* the total adds the figures as days.csv holds them, so it is the sum of the file's column */
        for (size_t c = 0; c < N; c++)
            total[c] += sim_report_round (values[c], sim_report_fig_find (SIM_FIGS_DAY, cols[c].key)->decimals);
    }
    if (count > 1) {
        char label[48];
        snprintf (label, sizeof label, "total, %zu days", count);
        fprintf (out, "%-14s", label);
        s_day_cells (out, cols, N, total);
        for (size_t c = 0; c < N; c++)
            values[c] = total[c] / (double) count;
        fprintf (out, "%-14s", "mean per day");
        s_day_cells (out, cols, N, values);
    }
    fprintf (out, "(trips and income moved: human ride-hail trips and drivers' net income without robotaxis less with "
                  "them;\n full-time drivers: that income in full-time drivers' net incomes of a day; displaced "
                  "drivers worked\n without robotaxis but not with them, their income and trips are of the day "
                  "without robotaxis%s)\n",
             count > 1 ? ";\n over days, drivers add up to driver-days: a driver displaced on two days counts twice"
                       : "");
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

int
sim_report_write_charging (const char *dir, const sim_battery_row_t *batteries, size_t nbatteries,
                           const sim_charge_session_t *sessions, size_t nsessions, const sim_charge_site_row_t *sites,
                           size_t nsites, char *err, size_t errlen)
{
    sim_file_t out;
    FILE *f = sim_file_open (&out, dir, "batteries.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        return -1;
    fprintf (f, "vehicle,fleet,capacity_kwh,start_kwh,end_kwh,min_kwh,used_kwh,charged_kwh,bought_kwh,energy_yuan,"
                "sessions,wait_h,plug_h,km,kwh_per_km\n");
    for (size_t i = 0; i < nbatteries; i++) {
        const sim_battery_row_t *r = &batteries[i];
        fprintf (f, "%u,%s,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.2f,%u,%.3f,%.3f,%.1f,%.4f\n", r->vehicle,
                 disp_fleet_name ((disp_fleet_t) r->fleet), r->capacity_kwh, r->start_kwh, r->end_kwh, r->min_kwh,
                 r->used_kwh, r->charged_kwh, r->bought_kwh, r->energy_yuan, r->sessions, r->wait_h, r->plug_h, r->km,
                 r->km > 0 ? r->used_kwh / r->km : 0.0);
    }
    if (sim_file_close (&out, err, errlen) < 0)
        return -1;
    if (!(f = sim_file_open (&out, dir, "charging.csv", err, errlen) == 0 ? out.f : NULL))
        return -1;
    fprintf (f, "vehicle,fleet,site,arrive_s,plug_s,end_s,wait_min,charge_min,soc_from,soc_to,charged_kwh,bought_kwh,"
                "energy_yuan,cut\n");
    for (size_t i = 0; i < nsessions; i++) {
        const sim_charge_session_t *r = &sessions[i];
        fprintf (f, "%u,%s,%u,%.3f,%.3f,%.3f,%.2f,%.2f,%.4f,%.4f,%.3f,%.3f,%.2f,%d\n", r->vehicle,
                 disp_fleet_name ((disp_fleet_t) r->fleet), r->site, r->arrive_ms / 1000.0, r->plug_ms / 1000.0,
                 r->end_ms / 1000.0, (r->plug_ms - r->arrive_ms) / 60000.0, (r->end_ms - r->plug_ms) / 60000.0,
                 r->soc_from, r->soc_to, r->charged_kwh, r->bought_kwh, r->energy_yuan, r->cut);
    }
    if (sim_file_close (&out, err, errlen) < 0)
        return -1;
    if (!(f = sim_file_open (&out, dir, "chargers.csv", err, errlen) == 0 ? out.f : NULL))
        return -1;
    fprintf (f, "site,kind,lon,lat,node,plugs,kw,sessions,plug_h,wait_h,plug_use\n");
    for (size_t i = 0; i < nsites; i++) {
        const sim_charge_site_row_t *r = &sites[i];
        fprintf (f, "%zu,%s,%.6f,%.6f,%u,%u,%.1f,%u,%.3f,%.3f,%.4f\n", i, r->depot ? "depot" : "public", r->lon,
                 r->lat, r->node, r->plugs, r->kw, r->sessions, r->plug_h, r->wait_h, r->plug_h / (r->plugs * 24.0));
    }
    return sim_file_close (&out, err, errlen);
}

#define S_HOUR_MS 3600000.0

/* The hours of [from_ms, to_ms) within hour h of the day. */
static double
s_overlap_h (int64_t from_ms, int64_t to_ms, int h)
{
    double a = fmax ((double) from_ms, h * S_HOUR_MS), b = fmin ((double) to_ms, (h + 1) * S_HOUR_MS);
    return b > a ? (b - a) / S_HOUR_MS : 0;
}

void
sim_report_charging_hours (const sim_charge_session_t *sessions, size_t nsessions,
                           sim_charging_hour_t hours[24][DISP_FLEET_COUNT])
{
    memset (hours, 0, 24 * sizeof hours[0]);
    for (size_t i = 0; i < nsessions; i++) {
        const sim_charge_session_t *r = &sessions[i];
        if (r->fleet < 0 || r->fleet >= DISP_FLEET_COUNT)
            continue;
        /* an hour's vehicle-hours over the hour's length, one hour: the mean number of vehicles */
        for (int h = 0; h < 24; h++) {
            hours[h][r->fleet].charging += s_overlap_h (r->plug_ms, r->end_ms, h);
            hours[h][r->fleet].waiting += s_overlap_h (r->arrive_ms, r->plug_ms, h);
        }
        if (r->plug_ms >= 0 && r->plug_ms < 24 * (int64_t) S_HOUR_MS) {
            sim_charging_hour_t *at = &hours[r->plug_ms / (int64_t) S_HOUR_MS][r->fleet];
            at->sessions_started++;
            at->kwh_bought += r->bought_kwh;
            at->energy_yuan += r->energy_yuan;
        }
    }
}

int
sim_report_write_charging_hourly (const char *dir, const sim_metrics_t *metrics,
                                  const sim_charge_session_t *sessions, size_t nsessions, char *err, size_t errlen)
{
    sim_charging_hour_t hours[24][DISP_FLEET_COUNT];
    sim_report_charging_hours (sessions, nsessions, hours);
    sim_file_t out;
    FILE *f = sim_file_open (&out, dir, "charging_hourly.csv", err, errlen) == 0 ? out.f : NULL;
    if (!f)
        return -1;
    fprintf (f, "hour,fleet,charging,waiting,in_service,sessions_started,kwh_bought,energy_yuan\n");
    for (int h = 0; h < 24; h++)
        for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
            const sim_charging_hour_t *c = &hours[h][fl];
            sim_fleet_metrics_t m;
            sim_metrics_hour (metrics, (disp_fleet_t) fl, h, &m);
            fprintf (f, "%d,%s,%.4f,%.4f,%.1f,%u,%.3f,%.2f\n", h, disp_fleet_name ((disp_fleet_t) fl), c->charging,
                     c->waiting, m.vehicles_online_mean, c->sessions_started, c->kwh_bought, c->energy_yuan);
        }
    return sim_file_close (&out, err, errlen);
}

void
sim_report_print_summary (FILE *out, const sim_snapshot_t *snap, uint32_t days)
{
    const sim_fleet_metrics_t *r = &snap->fleets[DISP_FLEET_ROBOTAXI], *h = &snap->fleets[DISP_FLEET_HUMAN];
    char scope[64], a[32], b[32];
    sim_report_last_day (snap->day, days, scope, sizeof scope);
    fprintf (out, "\n%-*s %14s %15s\n", S_LABEL_W, scope, "robotaxi", "human ride-hail");
    for (size_t i = 0; i < S_COUNT (s_fleet_fields); i++) {
        const s_field_t *f = &s_fleet_fields[i];
        if ((f->fig.flags & SIM_FIG_SHOWN) && s_used (f, r, h))
            fprintf (out, "%-*s %14s %15s\n", S_LABEL_W, f->fig.label, s_text (&f->fig, r, a, sizeof a),
                     s_text (&f->fig, h, b, sizeof b));
    }
    const sim_driver_metrics_t *d = &snap->drivers;
    char on_day[32] = "", t[6][32];
    if (days > 1)
        snprintf (on_day, sizeof on_day, " on day %u", snap->day);
    for (size_t i = 0; i < S_COUNT (s_driver_fields); i++)
        s_text (&s_driver_fields[i].fig, d, t[i], sizeof t[i]);
    fprintf (out, "\nhuman drivers%s: %s worked %s h; gross %s yuan/h, net %s yuan/h, net %s yuan/day each\n", on_day,
             t[0], t[1], t[2], t[3], t[4]);
    if (r->battery) {
        s_charging_t c[DISP_FLEET_COUNT];
        s_charging (r, &c[DISP_FLEET_ROBOTAXI]);
        s_charging (h, &c[DISP_FLEET_HUMAN]);
        fprintf (out, "\ncharging%-*s %14s %15s\n", S_LABEL_W - 8, "", "robotaxi", "human ride-hail");
        fprintf (out, "%-*s %13.2f%% %14.2f%%\n", S_LABEL_W, "time plugged in (of on-shift)", 100 * c[0].plug_share,
                 100 * c[1].plug_share);
        fprintf (out, "%-*s %13.2f%% %14.2f%%\n", S_LABEL_W, "time waiting for a plug", 100 * c[0].wait_share,
                 100 * c[1].wait_share);
        fprintf (out, "%-*s %14.2f %15.2f\n", S_LABEL_W, "kWh bought per vehicle-day", c[0].kwh_per_vehicle_day,
                 c[1].kwh_per_vehicle_day);
        fprintf (out, "%-*s %14.2f %15.2f\n", S_LABEL_W, "energy per vehicle-day, yuan", c[0].yuan_per_vehicle_day,
                 c[1].yuan_per_vehicle_day);
        fprintf (out, "%-*s %14.4f %15.4f\n", S_LABEL_W, "kWh bought per km", c[0].kwh_per_km, c[1].kwh_per_km);
        fprintf (out, "%-*s %14.4f %15.4f\n", S_LABEL_W, "energy per km, yuan", c[0].yuan_per_km, c[1].yuan_per_km);
    }
}

void
sim_report_print_row (FILE *out, const sim_snapshot_t *snap, int header)
{
    if (header) {
        fprintf (out, "%-20s | %-33s | %-33s | %s\n", "", "robotaxi:", "human:", "drivers, yuan/h:");
        fprintf (out, "%-5s %-8s %5s", "seq", "kind", "time");
        for (int i = 0; i < 2; i++)
            fprintf (out, " | %9s/%-7s %8s %6s", "served", "request", "carrying", "wait");
        fprintf (out, " | %7s %7s\n", "gross", "net");
    }
    const sim_fig_t *carry = sim_report_fig_find (SIM_FIGS_FLEET, "util_occupied");
    const sim_fig_t *wait = sim_report_fig_find (SIM_FIGS_FLEET, "mean_wait_s");
    const sim_fig_t *gross = sim_report_fig_find (SIM_FIGS_DRIVERS, "gross_hourly_yuan");
    const sim_fig_t *net = sim_report_fig_find (SIM_FIGS_DRIVERS, "net_hourly_yuan");
    const sim_fleet_metrics_t *m[2] = {&snap->fleets[DISP_FLEET_ROBOTAXI], &snap->fleets[DISP_FLEET_HUMAN]};
    long long minutes = (long long) (snap->sim_time_ms / 60000);
    fprintf (out, "%-5llu %-8s %02lld:%02lld", (unsigned long long) snap->seq,
             snap->kind == SIM_SNAPSHOT_FINAL ? "final" : "periodic", minutes / 60, minutes % 60);
    for (int i = 0; i < 2; i++) {
        char c[32], w[32];
        fprintf (out, " | %9llu/%-7llu %8s %5sm", (unsigned long long) m[i]->served,
                 (unsigned long long) m[i]->requests, sim_report_fig_text (carry, m[i]->util_occupied, c, sizeof c),
                 sim_report_fig_text (wait, m[i]->mean_wait_s, w, sizeof w));
    }
    /* net per hour charges each driver's whole day of rent and insurance: only a finished day has all its hours */
    char g[32], n[32];
    fprintf (out, " | %7s %7s\n", sim_report_fig_text (gross, snap->drivers.gross_hourly_yuan, g, sizeof g),
             snap->kind == SIM_SNAPSHOT_FINAL ? sim_report_fig_text (net, snap->drivers.net_hourly_yuan, n, sizeof n)
                                              : "-");
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
    fputs ("fleet", f);
    for (size_t c = 0; c < S_COUNT (s_cost_fields); c++)
        fprintf (f, ",%s", s_cost_fields[c].fig.key);
    fputc ('\n', f);
    for (int fl = 0; fl < DISP_FLEET_COUNT; fl++) {
        sim_cost_t c;
        sim_cost_fleet (cfg, (disp_fleet_t) fl, &use[fl], &c);
        fputs (disp_fleet_name ((disp_fleet_t) fl), f);
        for (size_t k = 0; k < S_COUNT (s_cost_fields); k++) {
            fputc (',', f);
            s_csv_cell (f, &s_cost_fields[k], &c, &use[fl]);
        }
        fputc ('\n', f);
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
