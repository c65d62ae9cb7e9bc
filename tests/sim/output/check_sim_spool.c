/* check_sim_spool: files written behind the run keep what the run appended, in order, per stream: every record
 * reaches its file whole (never split over two chunks, even one larger than a chunk), two streams do not mix, a run
 * that outpaces a slow writer waits instead of losing rows, and what is left at the end is written by the finish. */
#include <check.h>

#include "rt_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim_spool.h"

/* A record: its length in bytes (>= 8), its stream's sequence number, then filler bytes equal to (seq & 0xff). */
typedef struct {
    uint32_t len, seq;
} s_rec_t;

typedef struct {
    int stream;
    uint32_t next;     /* the sequence number expected next */
    int bad;           /* a record arrived split, damaged or out of order */
    size_t calls;
    long slow_ns;      /* sleeps this long per call: a writer slower than the run */
} s_sink_t;

static void
s_format (void *arg, const unsigned char *records, size_t n, FILE *f)
{
    s_sink_t *sink = arg;
    sink->calls++;
    if (sink->slow_ns) {
        struct timespec ts = {0, sink->slow_ns};
        nanosleep (&ts, NULL);
    }
    for (size_t at = 0; at < n;) {
        s_rec_t rec;
        if (n - at < sizeof rec) {
            sink->bad = 1;
            return;
        }
        memcpy (&rec, records + at, sizeof rec);
        if (rec.len < sizeof rec || rec.len > n - at || rec.seq != sink->next) {
            sink->bad = 1;
            return;
        }
        for (size_t i = sizeof rec; i < rec.len; i++)
            if (records[at + i] != (unsigned char) (rec.seq & 0xff))
                sink->bad = 1;
        fprintf (f, "%d:%u\n", sink->stream, rec.seq);
        sink->next++;
        at += rec.len;
    }
}

static void
s_append (sim_spool_t *spool, int stream, uint32_t seq, uint32_t len)
{
    unsigned char *p = sim_spool_reserve (spool, stream, len + 16);   /* reserves more than it uses */
    ck_assert_ptr_nonnull (p);
    s_rec_t rec = {len, seq};
    memcpy (p, &rec, sizeof rec);
    memset (p + sizeof rec, (int) (seq & 0xff), len - sizeof rec);
    sim_spool_commit (spool, stream, len);
}

/* The file's lines must be "stream:0" .. "stream:count-1". */
static void
s_check_file (FILE *f, int stream, uint32_t count)
{
    rewind (f);
    char line[64], want[64];
    uint32_t seen = 0;
    while (fgets (line, sizeof line, f)) {
        snprintf (want, sizeof want, "%d:%u\n", stream, seen);
        ck_assert_str_eq (line, want);
        seen++;
    }
    ck_assert_uint_eq (seen, count);
}

START_TEST (test_two_streams_in_order_and_whole)
{
    char err[256] = "";
    sim_spool_t *spool = sim_spool_new (256, 5, err, sizeof err);
    ck_assert_msg (spool != NULL, "%s", err);
    FILE *fa = tmpfile (), *fb = tmpfile ();
    ck_assert (fa && fb);
    s_sink_t a = {.stream = 0}, b = {.stream = 1};
    int sa = sim_spool_stream (spool, fa, s_format, &a);
    int sb = sim_spool_stream (spool, fb, s_format, &b);
    ck_assert_int_eq (sa, 0);
    ck_assert_int_eq (sb, 1);
    const uint32_t count = 20000;
    for (uint32_t i = 0; i < count; i++) {
        s_append (spool, sa, i, 8 + i % 40);   /* records of 8 .. 47 bytes in 256-byte chunks: many chunk ends */
        if (i % 3 == 0)
            s_append (spool, sb, i / 3, 8 + i % 7);
    }
    ck_assert_int_eq (sim_spool_finish (&spool), 0);
    ck_assert_ptr_null (spool);
    ck_assert_int_eq (a.bad, 0);
    ck_assert_int_eq (b.bad, 0);
    ck_assert_uint_gt (a.calls, 100);   /* it did go chunk by chunk */
    s_check_file (fa, 0, count);
    s_check_file (fb, 1, (count + 2) / 3);
    fclose (fa);
    fclose (fb);
}
END_TEST

START_TEST (test_record_larger_than_a_chunk)
{
    char err[256] = "";
    sim_spool_t *spool = sim_spool_new (64, 5, err, sizeof err);
    ck_assert_ptr_nonnull (spool);
    FILE *f = tmpfile ();
    s_sink_t sink = {.stream = 0};
    int s = sim_spool_stream (spool, f, s_format, &sink);
    s_append (spool, s, 0, 20);
    s_append (spool, s, 1, 5000);   /* 78 chunks' worth in one record */
    s_append (spool, s, 2, 30);
    s_append (spool, s, 3, 100000);
    s_append (spool, s, 4, 9);
    ck_assert_int_eq (sim_spool_finish (&spool), 0);
    ck_assert_int_eq (sink.bad, 0);
    s_check_file (f, 0, 5);
    fclose (f);
}
END_TEST

START_TEST (test_slow_writer_makes_the_run_wait_and_loses_nothing)
{
    char err[256] = "";
    sim_spool_t *spool = sim_spool_new (128, 5, err, sizeof err);
    ck_assert_ptr_nonnull (spool);
    FILE *f = tmpfile ();
    s_sink_t sink = {.stream = 0, .slow_ns = 200000};   /* 0.2 ms a chunk */
    int s = sim_spool_stream (spool, f, s_format, &sink);
    const uint32_t count = 3000;   /* about 400 chunks: the 5 are reused again and again */
    for (uint32_t i = 0; i < count; i++)
        s_append (spool, s, i, 24);
    ck_assert_int_eq (sim_spool_finish (&spool), 0);
    ck_assert_int_eq (sink.bad, 0);
    s_check_file (f, 0, count);
    fclose (f);
}
END_TEST

START_TEST (test_nothing_written)
{
    char err[256] = "";
    sim_spool_t *spool = sim_spool_new (1024, 8, err, sizeof err);
    ck_assert_ptr_nonnull (spool);
    FILE *f = tmpfile ();
    s_sink_t sink = {.stream = 0};
    sim_spool_stream (spool, f, s_format, &sink);
    ck_assert_int_eq (sim_spool_finish (&spool), 0);
    ck_assert_uint_eq (sink.calls, 0);
    ck_assert_int_eq (sim_spool_finish (&spool), 0);   /* NULL-safe */
    ck_assert_int_eq (sim_spool_finish (NULL), 0);
    fclose (f);
}
END_TEST

START_TEST (test_stream_limit)
{
    char err[256] = "";
    sim_spool_t *spool = sim_spool_new (1024, 2, err, sizeof err);   /* asks for fewer chunks than streams need */
    ck_assert_ptr_nonnull (spool);
    FILE *f[SIM_SPOOL_STREAMS];
    s_sink_t sink[SIM_SPOOL_STREAMS];
    for (int i = 0; i < SIM_SPOOL_STREAMS; i++) {
        f[i] = tmpfile ();
        sink[i] = (s_sink_t) {.stream = i};
        ck_assert_int_eq (sim_spool_stream (spool, f[i], s_format, &sink[i]), i);
    }
    ck_assert_int_eq (sim_spool_stream (spool, f[0], s_format, &sink[0]), -1);
    /* every stream holds a chunk it fills, and the run still finds one for the next record: no deadlock */
    for (uint32_t k = 0; k < 200; k++)
        for (int i = 0; i < SIM_SPOOL_STREAMS; i++)
            s_append (spool, i, k, 300);
    ck_assert_int_eq (sim_spool_finish (&spool), 0);
    for (int i = 0; i < SIM_SPOOL_STREAMS; i++) {
        ck_assert_int_eq (sink[i].bad, 0);
        s_check_file (f[i], i, 200);
        fclose (f[i]);
    }
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_spool");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_two_streams_in_order_and_whole);
    tcase_add_test (core, test_record_larger_than_a_chunk);
    tcase_add_test (core, test_nothing_written);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_slow_writer_makes_the_run_wait_and_loses_nothing);
    tcase_add_test (limits, test_stream_limit);
    tcase_set_timeout (limits, 60);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
