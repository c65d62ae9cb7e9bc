/* check_sim_queue: events come out by time, and by scheduling order at equal times. */
#include <check.h>

#include "rt_check.h"
#include <stdint.h>
#include <stdlib.h>

#include "sim_queue.h"
#include "sim_rng.h"

START_TEST (test_order_time_then_insertion)
{
    sim_queue_t *q = sim_queue_new ();
    /* three events at t=5 scheduled in the order 10, 11, 12, mixed with others */
    sim_queue_push (q, 5, 0, 10);
    sim_queue_push (q, 1, 0, 1);
    sim_queue_push (q, 5, 0, 11);
    sim_queue_push (q, 9, 0, 2);
    sim_queue_push (q, 5, 0, 12);
    sim_queue_push (q, 0, 0, 0);
    uint32_t expect[] = {0, 1, 10, 11, 12, 2};
    sim_queue_entry_t ev;
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq (sim_queue_pop (q, &ev), 0);
        ck_assert_uint_eq (ev.subject, expect[i]);
    }
    ck_assert_int_eq (sim_queue_pop (q, &ev), -1);
    sim_queue_destroy (&q);
    ck_assert_ptr_null (q);
}
END_TEST

START_TEST (test_random_against_sorted)
{
    /* 20,000 events with many equal times: the pop order is sorted by (time, scheduling order) */
    sim_queue_t *q = sim_queue_new ();
    sim_rng_t rng;
    sim_rng_seed (&rng, 7, 0);
    enum { N = 20000 };
    int64_t *times = malloc (N * sizeof *times);
    for (uint32_t i = 0; i < N; i++) {
        times[i] = (int64_t) sim_rng_below (&rng, 500);
        sim_queue_push (q, times[i], 1, i);
    }
    ck_assert_uint_eq (sim_queue_size (q), N);
    sim_queue_entry_t prev = {.time_ms = -1}, ev;
    for (uint32_t i = 0; i < N; i++) {
        ck_assert_int_eq (sim_queue_pop (q, &ev), 0);
        ck_assert_int_eq (ev.time_ms, times[ev.subject]);
        ck_assert (ev.time_ms > prev.time_ms || (ev.time_ms == prev.time_ms && ev.subject > prev.subject));
        prev = ev;
    }
    free (times);
    sim_queue_destroy (&q);
}
END_TEST

START_TEST (test_interleaved_push_pop)
{
    /* events scheduled while popping (as handlers do) still come out in order */
    sim_queue_t *q = sim_queue_new ();
    sim_queue_push (q, 10, 0, 0);
    sim_queue_entry_t ev;
    int64_t last = -1;
    uint32_t popped = 0;
    while (sim_queue_pop (q, &ev) == 0) {
        ck_assert_int_ge (ev.time_ms, last);
        last = ev.time_ms;
        if (++popped < 1000) {
            sim_queue_push (q, ev.time_ms + (popped % 3), 0, popped);
            sim_queue_push (q, ev.time_ms + 7, 0, popped);
        }
        if (popped > 5000)
            break;
    }
    ck_assert_uint_gt (popped, 1000);
    ck_assert_ptr_null (sim_queue_peek (q));
    sim_queue_destroy (&q);
}
END_TEST

START_TEST (test_empty_and_destroy_null)
{
    sim_queue_t *q = sim_queue_new ();
    sim_queue_entry_t ev;
    ck_assert_int_eq (sim_queue_pop (q, &ev), -1);
    ck_assert_ptr_null (sim_queue_peek (q));
    sim_queue_destroy (&q);
    sim_queue_destroy (&q);
    sim_queue_destroy (NULL);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_queue");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_order_time_then_insertion);
    tcase_add_test (core, test_random_against_sorted);
    tcase_add_test (core, test_interleaved_push_pop);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_empty_and_destroy_null);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
