/* sim_ev: an electric car's energy over its day. */
#include "sim_ev.h"

#include <math.h>

static double
s_clamp01 (double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

double
sim_ev_drive_kwh (const sim_ev_t *ev, double km, double hours)
{
    return fmax (0.0, km) * ev->drive_kwh_per_km + fmax (0.0, hours) * ev->aux_kw;
}

double
sim_ev_stand_kwh (const sim_ev_t *ev, double hours)
{
    return fmax (0.0, hours) * ev->stand_kw;
}

/* Full power on this charger. */
static double
s_full_kw (const sim_ev_t *ev, double charger_kw)
{
    return fmin (charger_kw, ev->max_kw);
}

/* The taper's slope: the power falls by this share of full power per unit of charge above taper_soc (0: none). */
static double
s_slope (const sim_ev_t *ev)
{
    return ev->taper_soc < 1 ? (1 - ev->end_share) / (1 - ev->taper_soc) : 0.0;
}

double
sim_ev_power_kw (const sim_ev_t *ev, double charger_kw, double soc)
{
    double full = s_full_kw (ev, charger_kw);
    soc = s_clamp01 (soc);
    if (soc <= ev->taper_soc)
        return full;
    return full * (1 - s_slope (ev) * (soc - ev->taper_soc));
}

/* Above the taper point the power is full x (1 - k (s - t)), so the time from s1 to s2 is
 * C / (full k) x ln ((1 - k (s1 - t)) / (1 - k (s2 - t))); below it, charge over full power. */
double
sim_ev_charge_hours (const sim_ev_t *ev, double charger_kw, double soc_from, double soc_to)
{
    double full = s_full_kw (ev, charger_kw);
    double a = s_clamp01 (soc_from), b = s_clamp01 (soc_to), t = ev->taper_soc, k = s_slope (ev);
    if (b <= a || full <= 0)
        return 0.0;
    double hours = 0;
    if (a < t) {
        double upto = fmin (b, t);
        hours += ev->capacity_kwh * (upto - a) / full;
        a = upto;
    }
    if (b > a) {   /* a >= t here */
        if (k == 0)
            hours += ev->capacity_kwh * (b - a) / full;
        else
            hours += ev->capacity_kwh / (full * k) * log ((1 - k * (a - t)) / (1 - k * (b - t)));
    }
    return hours;
}

double
sim_ev_charge_soc (const sim_ev_t *ev, double charger_kw, double soc_from, double hours)
{
    double full = s_full_kw (ev, charger_kw);
    double s = s_clamp01 (soc_from), t = ev->taper_soc, k = s_slope (ev), c = ev->capacity_kwh;
    if (hours <= 0 || full <= 0)
        return s;
    if (s < t) {
        double to_taper = c * (t - s) / full;
        if (hours <= to_taper)
            return s + hours * full / c;
        hours -= to_taper;
        s = t;
    }
    if (k == 0)
        return s_clamp01 (s + hours * full / c);
    /* 1 - k (s' - t) = (1 - k (s - t)) exp (-hours full k / C) */
    double left = (1 - k * (s - t)) * exp (-hours * full * k / c);
    return s_clamp01 (t + (1 - left) / k);
}

double
sim_ev_session_yuan (const sim_ev_t *ev, double charger_kw, double soc_from, double start_h, double hours,
                     const sim_tou_t *tou, double *kwh_in, double *kwh_bought)
{
    double yuan = 0, in = 0, bought = 0;
    double now = start_h, end = start_h + fmax (0.0, hours), soc = s_clamp01 (soc_from);
    while (now < end) {
        double next = fmin (end, floor (now) + 1);
        double soc_next = sim_ev_charge_soc (ev, charger_kw, soc_from, next - start_h);
        double kwh = ev->capacity_kwh * (soc_next - soc);
        int hour = (int) fmod (floor (now), 24.0);
        if (hour < 0)
            hour += 24;
        in += kwh;
        bought += kwh / ev->efficiency;
        yuan += kwh / ev->efficiency * tou->yuan_per_kwh[hour];
        soc = soc_next;
        now = next;
    }
    if (kwh_in)
        *kwh_in = in;
    if (kwh_bought)
        *kwh_bought = bought;
    return yuan;
}
