/* sim_ev: an electric car's energy over its day (issue 19). What driving and standing take from the battery, what
 * a DC charger puts in over a given time and how long it takes to reach a level (full power up to a taper point,
 * then a linear taper to a share of full power at 100%), and what the energy bought costs at a time-of-use tariff.
 * Pure arithmetic on a car's parameters: the world keeps each vehicle's state of charge. */
#ifndef SIM_EV_H
#define SIM_EV_H

/* A car model's energy parameters (README "Electric fleets" gives the sources). */
typedef struct {
    double capacity_kwh;       /* usable battery capacity, > 0 */
    double drive_kwh_per_km;   /* traction energy per km, at the wheels' demand of city driving */
    double aux_kw;             /* drawn while driving besides traction (climate, electronics; a robotaxi's sensors
                                * and computer): per km it is aux_kw / speed, so slow, congested km cost more */
    double stand_kw;           /* drawn while on shift and standing (0: switched off) */
    double max_kw;             /* the most the car accepts from a DC charger, > 0 */
    double taper_soc;          /* full power up to this state of charge, 0 .. 1 */
    double end_share;          /* the power at 100% as a share of full power, (0, 1]; linear from taper_soc */
    double efficiency;         /* energy into the battery per kWh bought, (0, 1] */
} sim_ev_t;

/* A time-of-use tariff: yuan per kWh bought, by hour of the day (0 .. 23). */
typedef struct {
    double yuan_per_kwh[24];
} sim_tou_t;

/* kWh taken from the battery by driving km in hours (the drive's time), >= 0. */
double sim_ev_drive_kwh (const sim_ev_t *ev, double km, double hours);

/* kWh taken by standing on shift for hours. */
double sim_ev_stand_kwh (const sim_ev_t *ev, double hours);

/* The power into the battery (kW) at state of charge soc (0 .. 1) on a charger of charger_kw: the lesser of the
 * charger's and the car's, tapered above taper_soc. */
double sim_ev_power_kw (const sim_ev_t *ev, double charger_kw, double soc);

/* Hours on a charger of charger_kw to go from soc_from up to soc_to (0 when soc_to <= soc_from). Both are clamped
 * to 0 .. 1. */
double sim_ev_charge_hours (const sim_ev_t *ev, double charger_kw, double soc_from, double soc_to);

/* The state of charge after hours on a charger of charger_kw from soc_from (at most 1): the inverse of
 * sim_ev_charge_hours. */
double sim_ev_charge_soc (const sim_ev_t *ev, double charger_kw, double soc_from, double hours);

/* A charging session from soc_from, starting at start_h (hours after the day's first midnight; past 24 is the next
 * day's hour) and lasting hours: the yuan paid for the energy bought, each hour's kWh at that hour's price (the
 * battery takes kWh x efficiency). *kwh_in gets the kWh into the battery and *kwh_bought what was paid for (either
 * may be NULL). */
double sim_ev_session_yuan (const sim_ev_t *ev, double charger_kw, double soc_from, double start_h, double hours,
                            const sim_tou_t *tou, double *kwh_in, double *kwh_bought);

#endif
