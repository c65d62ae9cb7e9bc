/* sim_run: one whole run as a user starts it: build the map, connect to the dispatcher, play the day (and, when
 * asked, the same day without robotaxis first), write the output folder and print the summary. */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stddef.h>
#include "disp_types.h"
#include "map_net.h"
#include "sim_config.h"

typedef struct {
    const char *dispatcher;    /* "inproc", or a ZeroMQ endpoint of robotaxi-dispatcher */
    const char *publish;       /* in-process only: bind a PUB socket here for the metrics stream (NULL: none) */
    int wait_subscribers;      /* in-process only: wait until this many subscribers joined before starting */
    int timeout_ms;            /* how long to wait for a dispatcher's answer or for subscribers */
    const char *out_dir;       /* created if missing */
    int baseline;              /* also run the day without robotaxis and report displacement */
    int quiet;                 /* no progress lines on stderr */
} sim_run_opts_t;

/* The Hello a simulator of cfg sends to its dispatcher: the map and its fingerprint on net, traffic, policy, pickup
 * limit and vehicle capacity. */
void sim_run_hello (const sim_config_t *cfg, const map_net_t *net, disp_hello_t *hello);

/* Makes cfg's map.file and map.cache absolute, opens the network cfg names (progress on stderr unless opts->quiet)
 * and fits cfg to it (sim_config_fit_map). NULL with a message in err. The caller owns the network. */
map_net_t *sim_run_open_map (sim_config_t *cfg, const sim_run_opts_t *opts, char *err, size_t errlen);

/* Runs cfg (already checked) as opts say. Returns 0, or -1 with a message in err. */
int sim_run (const sim_config_t *cfg, const sim_run_opts_t *opts, char *err, size_t errlen);

#endif
