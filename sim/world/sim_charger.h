/* sim_charger: charging sites as places with plugs (issue 19). A vehicle that arrives takes a free plug or joins the
 * site's queue, first come first served; one that leaves frees its plug for the first in the queue. The sites also
 * keep their plug-hours and wait-hours. Deterministic: the queue's order is the order of arrival (the world's event
 * order), and no memory is taken after sim_chargers_new. */
#ifndef SIM_CHARGER_H
#define SIM_CHARGER_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SIM_CHARGER_DEPOT = 0,   /* the robotaxi operator's own: robotaxis only */
    SIM_CHARGER_PUBLIC       /* anyone's: human drivers, and robotaxis when the scenario lets them */
} sim_charger_access_t;

typedef struct {
    uint32_t node;           /* the road node it stands at */
    uint32_t plugs;          /* >= 1 */
    double kw;               /* each plug's power, > 0 */
    sim_charger_access_t access;
} sim_charger_site_t;

typedef struct sim_chargers_t sim_chargers_t;

#define SIM_CHARGER_NONE UINT32_MAX

/* The sites (copied) for vehicles 0 .. vehicles - 1. NULL when out of memory or a site has no plug. */
sim_chargers_t *sim_chargers_new (const sim_charger_site_t *sites, size_t count, uint32_t vehicles);

void sim_chargers_destroy (sim_chargers_t **self_p);

size_t sim_chargers_count (const sim_chargers_t *self);
const sim_charger_site_t *sim_chargers_site (const sim_chargers_t *self, size_t site);

/* Vehicle v (not at any site) arrives at site at now_h (hours): 1 when it took a plug, 0 when it queues. */
int sim_chargers_arrive (sim_chargers_t *self, size_t site, uint32_t v, double now_h);

/* Vehicle v, plugged in at site, leaves at now_h. The first vehicle queued there takes the plug: it is returned
 * (SIM_CHARGER_NONE when none waits). */
uint32_t sim_chargers_leave (sim_chargers_t *self, size_t site, uint32_t v, double now_h);

/* Vehicle v gives up waiting at site (it was queued there). */
void sim_chargers_give_up (sim_chargers_t *self, size_t site, uint32_t v, double now_h);

/* The site's plugs in use and vehicles waiting now. */
uint32_t sim_chargers_plugged (const sim_chargers_t *self, size_t site);
uint32_t sim_chargers_waiting (const sim_chargers_t *self, size_t site);

/* The site's plug-hours used and hours vehicles waited, up to now_h (the spells still open counted to now_h). */
void sim_chargers_hours (const sim_chargers_t *self, size_t site, double now_h, double *plug_h, double *wait_h);

#endif
