/* check_recovery: every policy recovers exactly from a killed dispatcher. Six simulators (nearest, batch and cost,
 * each without and with rebalancing, on a mixed-fleet platform) play the same small day at once over TCP loopback,
 * each against its own robotaxi-dispatcher. The test kills each dispatcher with SIGKILL at five steps of the day
 * drawn from a seeded generator, and each time starts a new one on the same port. Every simulator must resume and
 * finish with the events.csv (compared with robotaxi-eventdiff) and summary.json (byte for byte) of the same day
 * played in-process.
 *
 * Where a day is: the simulator publishes a metrics snapshot every simulated minute through its dispatcher
 * (metrics.interval_min = 1), which republishes it once it has stepped that tick, so the stream says which step the
 * session has reached. A kill lands once the session has reached the drawn step (a few steps later, as the simulator
 * keeps going until the test reacts; every simulator is paused with SIGSTOP while a dispatcher is replaced); the
 * simulator's own log line ("new session after ... at step N") names the step it resent to the new dispatcher. */
#include <check.h>

#include "rt_check.h"
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "robotaxi.pb-c.h"
#include "rt_proc.h"
#include "rt_rand.h"

#define S_RUNS      6
#define S_KILLS     5
#define S_STEP_MS   10000 /* dispatch.step_s: the default */
#define S_DAY_STEPS (86400000 / S_STEP_MS)
#define S_SEED      20240614u /* the draw of the kill steps */
#define S_WAIT_MS   120000    /* any one wait of the test */

/* A small mixed-fleet day: few vehicles and riders, so six of them over TCP take seconds; a snapshot per minute. */
#define S_DAY                                                                                                        \
    "--no-plots", "--events", "--set", "demand.trips_per_day=3000", "--set", "human.drivers=50", "--set",            \
        "robotaxi.fleet_size=12", "--set", "dispatch.mixed_fleet=1", "--set", "metrics.interval_min=1", "--set",     \
        "dispatch.batch_window_s=120"

static const struct {
    const char *policy;
    int rebalance;
} s_configs[S_RUNS] = {{"nearest", 0}, {"batch", 0}, {"cost", 0}, {"nearest", 1}, {"batch", 1}, {"cost", 1}};

/* A pipe read line by line without blocking longer than asked. */
typedef struct {
    int fd;
    char buf[4096];
    size_t used;
    int eof;
} s_lines_t;

/* One day over TCP: a simulator and the dispatcher it talks to, killed and restarted on the same port. */
typedef struct {
    char name[64]; /* scenario.name; the session is "NAME seed 42" */
    char session[96];
    char *in_dir, *tcp_dir;
    uint64_t kill_step[S_KILLS]; /* the seeded draw, ascending */
    size_t kills;                /* done so far */
    /* the simulator */
    pid_t sim;
    s_lines_t sim_err;
    int exit_status; /* once it has exited; -1 before */
    size_t resumes;  /* its "new session after ... at step N" lines */
    uint64_t resume_step[S_KILLS + 4];
    /* its dispatcher */
    pid_t disp;
    s_lines_t disp_err;
    char bind[256];     /* where it serves: the same port after every restart */
    void *sub;          /* subscribed to its metrics stream */
    int64_t reached_ms; /* the latest snapshot time it published for the session */
} s_run_t;

static char *s_sim, *s_disp, *s_diff;
static void *s_ctx;
static s_run_t s_runs[S_RUNS];

static int64_t s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next whole line of r into line within timeout_ms: 1, 0 when none came in time, -1 at end of file. */
static int s_line (s_lines_t *r, char *line, size_t len, int timeout_ms)
{
    int64_t deadline = s_now_ms () + timeout_ms;
    for (;;) {
        char *nl = memchr (r->buf, '\n', r->used);
        if (nl) {
            size_t n = (size_t)(nl - r->buf);
            snprintf (line, len, "%.*s", (int)n, r->buf);
            memmove (r->buf, nl + 1, r->used - n - 1);
            r->used -= n + 1;
            return 1;
        }
        if (r->used == sizeof r->buf) r->used = 0; /* a line longer than the buffer: not one we look for */
        if (r->eof || r->fd < 0) return -1;
        int64_t left = deadline - s_now_ms ();
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        int n = poll (&p, 1, left > 0 ? (int)left : 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        ssize_t got = read (r->fd, r->buf + r->used, sizeof r->buf - r->used);
        if (got <= 0) {
            r->eof = 1;
            continue;
        }
        r->used += (size_t)got;
    }
}

/* Waits for a line of run's dispatcher log holding needle; fails the test after S_WAIT_MS. */
static void s_disp_wait (s_run_t *run, const char *needle, char *line, size_t len)
{
    int64_t deadline = s_now_ms () + S_WAIT_MS;
    while (s_now_ms () < deadline) {
        int rc = s_line (&run->disp_err, line, len, 1000);
        ck_assert_msg (rc >= 0, "%s: the dispatcher's log ended before '%s'", run->name, needle);
        if (rc == 1 && strstr (line, needle)) return;
    }
    ck_abort_msg ("%s: no '%s' from the dispatcher", run->name, needle);
}

/* Starts run's robotaxi-dispatcher at its bind endpoint (the first time an ephemeral loopback port, then the same
 * one) with an ephemeral publish port, subscribes to its metrics stream and waits until the subscription has reached
 * it. */
static void s_start_dispatcher (s_run_t *run)
{
    char *argv[] = {
        s_disp,      "--bind", run->bind, "--publish", "tcp://127.0.0.1:0", "--state", "tcp://127.0.0.1:0",
        "--verbose", NULL};
    int fd;
    run->disp = rt_spawn (argv, NULL, &fd);
    ck_assert_int_gt (run->disp, 0);
    run->disp_err = (s_lines_t){.fd = fd};
    char line[1024], served[256], pub[256];
    s_disp_wait (run, "serving on", line, sizeof line);
    ck_assert_int_eq (sscanf (line, "robotaxi-dispatcher: serving on %255[^,], publishing on %255[^,],", served, pub),
                      2);
    snprintf (run->bind, sizeof run->bind, "%s", served);
    run->sub = zmq_socket (s_ctx, ZMQ_SUB);
    ck_assert_ptr_nonnull (run->sub);
    int hwm = 0; /* keep everything: the test reads the stream between other work */
    zmq_setsockopt (run->sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    ck_assert_int_eq (zmq_setsockopt (run->sub, ZMQ_SUBSCRIBE, "metrics.", 8), 0);
    ck_assert_int_eq (zmq_connect (run->sub, pub), 0);
    s_disp_wait (run, "subscriber joined", line, sizeof line);
}

/* Ends run's dispatcher: SIGKILL (no goodbye) or SIGTERM (a clean stop, exit 0). */
static void s_end_dispatcher (s_run_t *run, int sig)
{
    if (run->disp <= 0) return;
    kill (run->disp, sig);
    int status = rt_wait (run->disp, 10000);
    ck_assert_msg (status == (sig == SIGKILL ? 128 + SIGKILL : 0), "%s: the dispatcher ended with %d", run->name,
                   status);
    run->disp = -1;
    close (run->disp_err.fd);
    run->disp_err.fd = -1;
    zmq_close (run->sub);
    run->sub = NULL;
}

/* Reads what has come: snapshots on the streams (how far each session is), the simulators' log lines (each "new
 * session after" names the step it resent) and their exits. Waits up to timeout_ms for the first snapshot. */
static void s_pump (int timeout_ms)
{
    zmq_pollitem_t items[S_RUNS];
    size_t n = 0;
    for (size_t r = 0; r < S_RUNS; r++)
        if (s_runs[r].sub) items[n++] = (zmq_pollitem_t){s_runs[r].sub, 0, ZMQ_POLLIN, 0};
    zmq_poll (items, (int)n, timeout_ms);
    for (size_t r = 0; r < S_RUNS; r++) {
        s_run_t *run = &s_runs[r];
        for (int i = 0; run->sub && i < 1000; i++) {
            zmq_msg_t topic, payload;
            zmq_msg_init (&topic);
            if (zmq_msg_recv (&topic, run->sub, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close (&topic);
                break;
            }
            zmq_msg_init (&payload);
            ck_assert_int_ge (zmq_msg_recv (&payload, run->sub, 0), 0);
            Robotaxi__V1__MetricsSnapshot *s =
                robotaxi__v1__metrics_snapshot__unpack (NULL, zmq_msg_size (&payload), zmq_msg_data (&payload));
            ck_assert_ptr_nonnull (s);
            ck_assert_str_eq (s->session, run->session);
            if (s->sim_time_ms > run->reached_ms) run->reached_ms = s->sim_time_ms;
            robotaxi__v1__metrics_snapshot__free_unpacked (s, NULL);
            zmq_msg_close (&topic);
            zmq_msg_close (&payload);
        }
        /* Whether it has exited is asked before its log is read: a line written just before the exit would
         * otherwise be left in the pipe behind a status already taken. Once it has exited, the log is read to its
         * end. */
        int status, exited = 0;
        if (run->exit_status < 0 && waitpid (run->sim, &status, WNOHANG) == run->sim) exited = 1;
        char line[1024];
        int rc;
        while ((rc = s_line (&run->sim_err, line, sizeof line, exited ? S_WAIT_MS : 0)) == 1) {
            const char *at = strstr (line, "new session after");
            if (!at) continue;
            unsigned long long step = 0;
            const char *s = strstr (at, " at step ");
            ck_assert_msg (s && sscanf (s, " at step %llu", &step) == 1, "%s: %s", run->name, line);
            ck_assert_uint_lt (run->resumes, sizeof run->resume_step / sizeof run->resume_step[0]);
            run->resume_step[run->resumes++] = step;
        }
        if (exited) {
            ck_assert_msg (rc < 0, "%s: the simulator's log did not end after it exited", run->name);
            run->exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
        }
    }
}

static int s_cmp_u64 (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Five distinct steps of the day from the seeded generator, ascending; not in its last hour, which a simulator may
 * have finished by the time the kill lands. */
static void s_draw_kills (uint64_t *state, uint64_t *steps)
{
    for (size_t k = 0; k < S_KILLS; k++) {
        int fresh;
        do {
            steps[k] = 1 + rt_next (state) % (S_DAY_STEPS - 360);
            fresh = 1;
            for (size_t j = 0; j < k; j++)
                fresh &= steps[j] != steps[k];
        } while (!fresh);
    }
    qsort (steps, S_KILLS, sizeof steps[0], s_cmp_u64);
}

/* Sends sig (SIGSTOP or SIGCONT) to every simulator still playing. */
static void s_hold (int sig)
{
    for (size_t r = 0; r < S_RUNS; r++)
        if (s_runs[r].sim > 0 && s_runs[r].exit_status < 0) kill (s_runs[r].sim, sig);
}

static void s_setup (void)
{
    s_sim = rt_tool ("robotaxi-sim");
    s_disp = rt_tool ("robotaxi-dispatcher");
    s_diff = rt_tool ("robotaxi-eventdiff");
    s_ctx = zmq_ctx_new ();
}

static void s_teardown (void)
{
    for (size_t r = 0; r < S_RUNS; r++) {
        s_run_t *run = &s_runs[r];
        if (run->sim > 0 && run->exit_status < 0) {
            kill (run->sim, SIGKILL);
            rt_wait (run->sim, 10000);
        }
        if (run->sim_err.fd >= 0) close (run->sim_err.fd);
        if (run->disp > 0) {
            kill (run->disp, SIGKILL);
            rt_wait (run->disp, 10000);
        }
        if (run->disp_err.fd >= 0) close (run->disp_err.fd);
        if (run->sub) zmq_close (run->sub);
        free (run->in_dir);
        free (run->tcp_dir);
    }
    zmq_ctx_term (s_ctx);
    free (s_sim);
    free (s_disp);
    free (s_diff);
}

START_TEST (test_every_policy_recovers_exactly_from_kills)
{
    static char out[65536], err[65536];
    char rebalance[S_RUNS][32], policy[S_RUNS][32], name[S_RUNS][96];
    uint64_t draw = S_SEED;

    /* the uninterrupted days, in-process */
    for (size_t r = 0; r < S_RUNS; r++) {
        s_run_t *run = &s_runs[r];
        *run = (s_run_t){.sim = -1,
                         .sim_err = {.fd = -1},
                         .exit_status = -1,
                         .disp = -1,
                         .disp_err = {.fd = -1},
                         .bind = "tcp://127.0.0.1:0",
                         .reached_ms = -1};
        const char *suffix = s_configs[r].rebalance ? "-rebalance" : "";
        snprintf (run->name, sizeof run->name, "recovery-%s%s", s_configs[r].policy, suffix);
        snprintf (run->session, sizeof run->session, "recovery-%s%s seed 42", s_configs[r].policy, suffix);
        s_draw_kills (&draw, run->kill_step);
        run->in_dir = rt_temp_dir ("recovery-in");
        run->tcp_dir = rt_temp_dir ("recovery-tcp");
        ck_assert_ptr_nonnull (run->in_dir);
        ck_assert_ptr_nonnull (run->tcp_dir);
        snprintf (rebalance[r], sizeof rebalance[r], "dispatch.rebalance=%d", s_configs[r].rebalance);
        snprintf (policy[r], sizeof policy[r], "%s", s_configs[r].policy);
        snprintf (name[r], sizeof name[r], "scenario.name=%.63s", run->name);
        char *argv[] = {s_sim,   "-q",         "--out", run->in_dir, "--policy", policy[r],
                        "--set", rebalance[r], "--set", name[r],     S_DAY,      NULL};
        int rc = rt_run (argv, out, sizeof out, err, sizeof err, S_WAIT_MS);
        ck_assert_msg (rc == 0, "%s in-process exited %d: %s", run->name, rc, err);
    }

    /* the same days over TCP, all at once, each against its own dispatcher */
    for (size_t r = 0; r < S_RUNS; r++) {
        s_run_t *run = &s_runs[r];
        s_start_dispatcher (run);
        char *argv[] = {s_sim,     "-d",    run->bind,    "--reconnect", "60",    "--out", run->tcp_dir, "--policy",
                        policy[r], "--set", rebalance[r], "--set",       name[r], S_DAY,   NULL};
        int fd;
        run->sim = rt_spawn (argv, NULL, &fd);
        ck_assert_int_gt (run->sim, 0);
        run->sim_err = (s_lines_t){.fd = fd};
    }

    /* Each dispatcher dies once its session has reached the next drawn step, after the simulator has left the step
     * it resent last behind, and a new one takes its port. Every simulator must come back and finish its day. */
    int64_t deadline = s_now_ms () + 3 * S_WAIT_MS;
    for (;;) {
        s_pump (20);
        size_t finished = 0;
        for (size_t r = 0; r < S_RUNS; r++) {
            s_run_t *run = &s_runs[r];
            if (run->exit_status >= 0) {
                ck_assert_msg (run->kills == S_KILLS && run->resumes == S_KILLS,
                               "%s exited %d after %zu kills and %zu resumes", run->name, run->exit_status,
                               run->kills, run->resumes);
                finished++;
                continue;
            }
            if (run->kills == S_KILLS || run->resumes < run->kills) continue;
            int64_t target_ms = (int64_t)(run->kill_step[run->kills] - 1) * S_STEP_MS;
            int64_t resumed_ms = run->kills ? (int64_t)(run->resume_step[run->kills - 1] - 1) * S_STEP_MS : -1;
            if (run->reached_ms < target_ms || run->reached_ms <= resumed_ms) continue;
            /* The simulators are paused while a dispatcher is replaced, so that none plays on to the end of its
             * day (or past its own next kill) while the test is busy: on a loaded machine that takes longer than the
             * hour of day left after the last drawn step. */
            s_hold (SIGSTOP);
            s_end_dispatcher (run, SIGKILL);
            run->kills++;
            s_start_dispatcher (run);
            s_hold (SIGCONT);
        }
        if (finished == S_RUNS) break;
        ck_assert_msg (s_now_ms () < deadline, "the days did not finish in time");
    }
    for (size_t r = 0; r < S_RUNS; r++)
        s_end_dispatcher (&s_runs[r], SIGTERM);

    /* each day against the uninterrupted one; all are compared before the verdict, which names every one that differs
     */
    char verdict[4096] = "";
    size_t differ = 0;
    for (size_t r = 0; r < S_RUNS; r++) {
        s_run_t *run = &s_runs[r];
        char steps[128] = "", drawn[128] = "";
        for (size_t i = 0; i < run->resumes; i++)
            snprintf (steps + strlen (steps), sizeof steps - strlen (steps), "%s%" PRIu64, i ? "," : "",
                      run->resume_step[i]);
        for (size_t i = 0; i < S_KILLS; i++)
            snprintf (drawn + strlen (drawn), sizeof drawn - strlen (drawn), "%s%" PRIu64, i ? "," : "",
                      run->kill_step[i]);
        ck_assert_msg (run->exit_status == 0, "%s over TCP exited %d", run->name, run->exit_status);
        /* five distinct kill points, each at or after its drawn step */
        for (size_t i = 0; i < S_KILLS; i++) {
            ck_assert_msg (run->resume_step[i] >= run->kill_step[i], "%s: drawn %s, killed at %s", run->name, drawn,
                           steps);
            ck_assert_msg (i == 0 || run->resume_step[i] > run->resume_step[i - 1], "%s: killed at %s", run->name,
                           steps);
        }
        char a[4096], b[4096];
        snprintf (a, sizeof a, "%s/events.csv", run->in_dir);
        snprintf (b, sizeof b, "%s/events.csv", run->tcp_dir);
        char *dargv[] = {s_diff, a, b, NULL};
        int rc = rt_run (dargv, out, sizeof out, err, sizeof err, S_WAIT_MS);
        int same_summary = rt_same_in_dirs (run->in_dir, run->tcp_dir, "summary.json");
        fprintf (stderr, "check_recovery: %-26s drawn %-29s killed at %-29s events %s, summary.json %s\n", run->name,
                 drawn, steps, rc == 0 ? "same" : "DIFFER", same_summary ? "same" : "DIFFERS");
        if (rc != 0 || !same_summary) {
            differ++;
            char *nl = strchr (out, '\n');
            if (nl) *nl = '\0';
            snprintf (verdict + strlen (verdict), sizeof verdict - strlen (verdict),
                      "\n  %.63s (steps %.127s): %.300s%s", run->name, steps, rc == 1 ? out : err,
                      same_summary ? "" : "; summary.json differs");
        }
    }
    ck_assert_msg (differ == 0, "%zu of %d days differ from the uninterrupted day after the kills:%s", differ, S_RUNS,
                   verdict);
    /* passed: the outputs (a few MB a run) go; a failure keeps them for the eventdiff above */
    for (size_t r = 0; r < S_RUNS; r++) {
        char *rm[] = {"/bin/rm", "-rf", s_runs[r].in_dir, s_runs[r].tcp_dir, NULL};
        ck_assert_int_eq (rt_run (rm, NULL, 0, NULL, 0, S_WAIT_MS), 0);
    }
}
END_TEST

static Suite *s_suite (void)
{
    Suite *s = suite_create ("recovery");
    TCase *tc = tcase_create ("core");
    tcase_add_checked_fixture (tc, s_setup, s_teardown);
    tcase_set_timeout (tc, 600);
    tcase_add_test (tc, test_every_policy_recovers_exactly_from_kills);
    suite_add_tcase (s, tc);
    return s;
}

int main (void)
{
    return rt_check_run (s_suite ());
}
