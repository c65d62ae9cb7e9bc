/* check_sim_stream: a subscriber's view of the publisher's numbers. A jump is a gap with its range, a new publisher
 * starts the count again without a gap, repeats are skipped; after a state reply (decoded by sim_codec from what the
 * dispatcher's codec encodes) the stream's messages the state holds are skipped and the first one past it must
 * follow on. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_codec.h"
#include "sim_codec.h"
#include "sim_stream.h"

static sim_stream_verdict_t s_check (sim_stream_t *st, const char *topic, const char *publisher, uint64_t seq)
{
    sim_stream_verdict_t v;
    ck_assert_int_eq (sim_stream_check (st, topic, publisher, seq, &v), 0);
    return v;
}

START_TEST (test_gap_is_reported_with_its_range)
{
    sim_stream_t *st = sim_stream_new ();
    ck_assert_ptr_nonnull (st);
    /* joining mid-stream is no gap: counting starts at the first message seen */
    sim_stream_verdict_t v = s_check (st, "metrics.periodic", "p1", 40);
    ck_assert (v.deliver && v.missing == 0 && !v.publisher_changed);
    v = s_check (st, "metrics.periodic", "p1", 41);
    ck_assert (v.deliver && v.missing == 0);
    v = s_check (st, "metrics.periodic", "p1", 45);
    ck_assert (v.deliver);
    ck_assert_uint_eq (v.missing, 3);
    ck_assert_uint_eq (v.gap_first, 42);
    ck_assert_uint_eq (v.gap_last, 44);
    /* topics count separately: the final topic's 1 after periodic 45 is no gap */
    v = s_check (st, "metrics.final", "p1", 1);
    ck_assert (v.deliver && v.missing == 0);
    /* a repeat is skipped, not a gap */
    v = s_check (st, "metrics.periodic", "p1", 45);
    ck_assert (!v.deliver && v.missing == 0);
    v = s_check (st, "metrics.periodic", "p1", 47);
    ck_assert_uint_eq (v.missing, 1);
    sim_stream_stats_t stats;
    sim_stream_stats (st, &stats);
    ck_assert_uint_eq (stats.received, 6);
    ck_assert_uint_eq (stats.gaps, 2);
    ck_assert_uint_eq (stats.missing, 4);
    ck_assert_uint_eq (stats.duplicates, 1);
    sim_stream_destroy (&st);
    ck_assert_ptr_null (st);
}
END_TEST

START_TEST (test_new_publisher_restarts_the_count_without_a_gap)
{
    sim_stream_t *st = sim_stream_new ();
    s_check (st, "metrics.periodic", "host-1-100.0", 96);
    sim_stream_verdict_t v = s_check (st, "metrics.periodic", "host-2-200.0", 1);
    ck_assert (v.deliver && v.publisher_changed);
    ck_assert_uint_eq (v.missing, 0);
    ck_assert_str_eq (v.previous, "host-1-100.0");
    v = s_check (st, "metrics.periodic", "host-2-200.0", 3);
    ck_assert_uint_eq (v.missing, 1);
    /* a publisher that does not number (seq 0) is shown unchecked */
    v = s_check (st, "metrics.periodic", "", 0);
    ck_assert (v.deliver && !v.publisher_changed && v.missing == 0);
    sim_stream_stats_t stats;
    sim_stream_stats (st, &stats);
    ck_assert_uint_eq (stats.publisher_changes, 1);
    ck_assert_uint_eq (stats.gaps, 1);
    sim_stream_destroy (&st);
}
END_TEST

/* A StateReply as the dispatcher encodes it: metrics.periodic at seq 8 with two sessions' latest snapshots; no
 * metrics.final yet. */
static void s_state (sim_state_t *state)
{
    sim_snapshot_t a = {.kind = SIM_SNAPSHOT_PERIODIC, .seq = 7, .sim_time_ms = 7000, .day = 1};
    sim_snapshot_t b = {.kind = SIM_SNAPSHOT_PERIODIC, .seq = 8, .sim_time_ms = 8000, .day = 2};
    snprintf (a.session, sizeof a.session, "run A");
    snprintf (b.session, sizeof b.session, "run B");
    a.fleets[DISP_FLEET_HUMAN].fleet = b.fleets[DISP_FLEET_HUMAN].fleet = DISP_FLEET_HUMAN;
    a.fleets[DISP_FLEET_ROBOTAXI].served = 123;
    uint8_t *pa, *pb;
    size_t la, lb;
    ck_assert_int_eq (sim_codec_encode_snapshot (&a, &pa, &la), 0);
    ck_assert_int_eq (sim_codec_encode_snapshot (&b, &pb, &lb), 0);
    const uint8_t *latest[] = {pa, pb};
    const size_t latest_len[] = {la, lb};
    disp_topic_state_t topic = {
        .topic = "metrics.periodic", .seq = 8, .latest = latest, .latest_len = latest_len, .latest_count = 2};
    uint8_t *frame;
    size_t len;
    ck_assert_int_eq (disp_codec_encode_state_reply ("pub-1", &topic, 1, &frame, &len), 0);
    char err[256] = "";
    ck_assert_msg (sim_codec_decode_state (frame, len, state, err, sizeof err) == 0, "%s", err);
    free (frame);
    free (pa);
    free (pb);
}

START_TEST (test_state_decodes_and_filters_the_stream)
{
    sim_state_t state;
    s_state (&state);
    ck_assert_str_eq (state.publisher, "pub-1");
    ck_assert_uint_eq (state.topic_count, 1);
    ck_assert_str_eq (state.topics[0].topic, "metrics.periodic");
    ck_assert_uint_eq (state.topics[0].seq, 8);
    ck_assert_uint_eq (state.topics[0].latest_count, 2);
    ck_assert_str_eq (state.topics[0].latest[0].session, "run A");
    ck_assert_uint_eq (state.topics[0].latest[0].fleets[DISP_FLEET_ROBOTAXI].served, 123);
    ck_assert_uint_eq (state.topics[0].latest[1].day, 2);

    sim_stream_t *st = sim_stream_new ();
    ck_assert_int_eq (sim_stream_set_state (st, &state), 0);
    /* queued on the subscription while the state was taken: already in it */
    ck_assert (!s_check (st, "metrics.periodic", "pub-1", 7).deliver);
    ck_assert (!s_check (st, "metrics.periodic", "pub-1", 8).deliver);
    sim_stream_verdict_t v = s_check (st, "metrics.periodic", "pub-1", 9);
    ck_assert (v.deliver && v.missing == 0);
    /* the state had nothing on metrics.final: its first message must be 1, so 3 means two were missed */
    v = s_check (st, "metrics.final", "pub-1", 3);
    ck_assert (v.deliver);
    ck_assert_uint_eq (v.missing, 2);
    ck_assert_uint_eq (v.gap_first, 1);
    sim_stream_stats_t stats;
    sim_stream_stats (st, &stats);
    ck_assert_uint_eq (stats.in_state, 2);
    ck_assert_uint_eq (stats.duplicates, 0);
    sim_stream_destroy (&st);
    sim_codec_state_clear (&state);
    ck_assert_ptr_null (state.topics);
}
END_TEST

START_TEST (test_state_gap_right_after_the_state)
{
    sim_state_t state;
    s_state (&state);
    sim_stream_t *st = sim_stream_new ();
    ck_assert_int_eq (sim_stream_set_state (st, &state), 0);
    /* the subscription reached the publisher after the state was taken: 9 and 10 were lost in between */
    sim_stream_verdict_t v = s_check (st, "metrics.periodic", "pub-1", 11);
    ck_assert_uint_eq (v.missing, 2);
    ck_assert_uint_eq (v.gap_first, 9);
    ck_assert_uint_eq (v.gap_last, 10);
    sim_stream_destroy (&st);
    sim_codec_state_clear (&state);
}
END_TEST

START_TEST (test_bad_state_reply_is_refused)
{
    sim_state_t state;
    char err[256] = "";
    const uint8_t garbage[] = {0xff, 0xff, 0xff};
    ck_assert_int_eq (sim_codec_decode_state (garbage, sizeof garbage, &state, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "not a robotaxi.v1 StateReply"), "%s", err);
    ck_assert_ptr_null (state.topics);
    sim_codec_state_clear (NULL);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("sim_stream");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_gap_is_reported_with_its_range);
    tcase_add_test (core, test_new_publisher_restarts_the_count_without_a_gap);
    tcase_add_test (core, test_state_decodes_and_filters_the_stream);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_state_gap_right_after_the_state);
    tcase_add_test (limits, test_bad_state_reply_is_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
