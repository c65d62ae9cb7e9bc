/* sim_charger: charging sites as places with plugs. */
#include "sim_charger.h"

#include <assert.h>
#include <stdlib.h>

typedef struct {
    sim_charger_site_t site;
    uint32_t plugged, waiting;
    uint32_t head, tail;     /* the queue, through the vehicles' links */
    double plug_h, wait_h;   /* summed up to last_h */
    double last_h;
} s_site_t;

/* Where a vehicle is: at no site, plugged in or queued at one. */
typedef struct {
    uint32_t site;           /* site + 1; 0: none */
    uint32_t prev, next;     /* its neighbours in the queue */
    int plugged;
} s_car_t;

struct sim_chargers_t {
    s_site_t *sites;
    size_t count;
    s_car_t *cars;
    uint32_t vehicles;
};

sim_chargers_t *
sim_chargers_new (const sim_charger_site_t *sites, size_t count, uint32_t vehicles)
{
    for (size_t i = 0; i < count; i++)
        if (sites[i].plugs == 0 || !(sites[i].kw > 0))
            return NULL;
    sim_chargers_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->sites = calloc (count ? count : 1, sizeof *self->sites);
    self->cars = calloc (vehicles ? vehicles : 1, sizeof *self->cars);
    if (!self->sites || !self->cars) {
        sim_chargers_destroy (&self);
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        self->sites[i] = (s_site_t) {.site = sites[i], .head = SIM_CHARGER_NONE, .tail = SIM_CHARGER_NONE};
    self->count = count;
    self->vehicles = vehicles;
    return self;
}

void
sim_chargers_destroy (sim_chargers_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sim_chargers_t *self = *self_p;
    free (self->sites);
    free (self->cars);
    free (self);
    *self_p = NULL;
}

size_t
sim_chargers_count (const sim_chargers_t *self)
{
    return self->count;
}

const sim_charger_site_t *
sim_chargers_site (const sim_chargers_t *self, size_t site)
{
    assert (site < self->count);
    return &self->sites[site].site;
}

/* Sums the site's hours up to now_h (which never goes back). */
static void
s_advance (s_site_t *s, double now_h)
{
    assert (now_h >= s->last_h);
    s->plug_h += s->plugged * (now_h - s->last_h);
    s->wait_h += s->waiting * (now_h - s->last_h);
    s->last_h = now_h;
}

int
sim_chargers_arrive (sim_chargers_t *self, size_t site, uint32_t v, double now_h)
{
    assert (site < self->count && v < self->vehicles && self->cars[v].site == 0);
    s_site_t *s = &self->sites[site];
    s_car_t *car = &self->cars[v];
    s_advance (s, now_h);
    car->site = (uint32_t) site + 1;
    if (s->plugged < s->site.plugs) {
        s->plugged++;
        car->plugged = 1;
        return 1;
    }
    car->plugged = 0;
    car->prev = s->tail;
    car->next = SIM_CHARGER_NONE;
    if (s->tail != SIM_CHARGER_NONE)
        self->cars[s->tail].next = v;
    else
        s->head = v;
    s->tail = v;
    s->waiting++;
    return 0;
}

/* Takes v out of the queue of s. */
static void
s_unlink (sim_chargers_t *self, s_site_t *s, uint32_t v)
{
    s_car_t *car = &self->cars[v];
    if (car->prev != SIM_CHARGER_NONE)
        self->cars[car->prev].next = car->next;
    else
        s->head = car->next;
    if (car->next != SIM_CHARGER_NONE)
        self->cars[car->next].prev = car->prev;
    else
        s->tail = car->prev;
    s->waiting--;
}

uint32_t
sim_chargers_leave (sim_chargers_t *self, size_t site, uint32_t v, double now_h)
{
    assert (site < self->count && v < self->vehicles);
    s_site_t *s = &self->sites[site];
    s_car_t *car = &self->cars[v];
    assert (car->site == site + 1 && car->plugged);
    s_advance (s, now_h);
    car->site = 0;
    car->plugged = 0;
    uint32_t next = s->head;
    if (next == SIM_CHARGER_NONE) {
        s->plugged--;
        return SIM_CHARGER_NONE;
    }
    s_unlink (self, s, next);   /* it takes the plug: plugged stays the same */
    self->cars[next].plugged = 1;
    return next;
}

void
sim_chargers_give_up (sim_chargers_t *self, size_t site, uint32_t v, double now_h)
{
    assert (site < self->count && v < self->vehicles);
    s_site_t *s = &self->sites[site];
    s_car_t *car = &self->cars[v];
    assert (car->site == site + 1 && !car->plugged);
    s_advance (s, now_h);
    s_unlink (self, s, v);
    car->site = 0;
}

uint32_t
sim_chargers_plugged (const sim_chargers_t *self, size_t site)
{
    assert (site < self->count);
    return self->sites[site].plugged;
}

uint32_t
sim_chargers_waiting (const sim_chargers_t *self, size_t site)
{
    assert (site < self->count);
    return self->sites[site].waiting;
}

void
sim_chargers_hours (const sim_chargers_t *self, size_t site, double now_h, double *plug_h, double *wait_h)
{
    assert (site < self->count);
    const s_site_t *s = &self->sites[site];
    double dt = now_h > s->last_h ? now_h - s->last_h : 0.0;
    *plug_h = s->plug_h + s->plugged * dt;
    *wait_h = s->wait_h + s->waiting * dt;
}
