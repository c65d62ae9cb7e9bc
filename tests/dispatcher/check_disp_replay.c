/* check_disp_replay: robotaxi-client's replay CSV reads into the rows a user wrote (times, kinds, positions,
 * patience, the fleet's size), the shipped demo file reads whole, and every kind of bad file is refused with its line
 * and the field at fault. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disp_replay.h"

#define S_HEADER_LINE DISP_REPLAY_HEADER "\n"

/* Reads text as a replay file named "t.csv"; NULL with the message in err. */
static disp_replay_t *s_read (const char *text, char *err, size_t errlen)
{
    FILE *in = fmemopen ((void *)text, strlen (text), "r");
    ck_assert_ptr_nonnull (in);
    err[0] = '\0';
    disp_replay_t *replay = disp_replay_read (in, "t.csv", err, errlen);
    fclose (in);
    return replay;
}

/* text must be refused with a message containing `expected`. */
static void s_refused (const char *text, const char *expected)
{
    char err[512];
    disp_replay_t *replay = s_read (text, err, sizeof err);
    ck_assert_msg (!replay, "accepted:\n%s", text);
    ck_assert_msg (strstr (err, expected), "expected '%s', got '%s'", expected, err);
}

START_TEST (test_rows_as_written)
{
    char err[512];
    disp_replay_t *replay = s_read (S_HEADER_LINE
                                    "# a comment, then a blank line\n"
                                    "\n"
                                    "0,vehicle,7,human,114.3010,30.5810,,,busy,\n"
                                    "0.25,request,11,any,114.3,30.58,114.33,30.6,,90.5\r\n"
                                    "0.25,request,12,robotaxi,114.3,30.58,,,,\n"
                                    "1.5,cancel,11,,,,,,,\n"
                                    "2,vehicle,3,robotaxi,114.35,30.62,,,offline,\n",
                                    err, sizeof err);
    ck_assert_msg (replay, "%s", err);
    ck_assert_uint_eq (disp_replay_count (replay), 5);
    ck_assert_uint_eq (disp_replay_request_count (replay), 2);
    ck_assert_uint_eq (disp_replay_capacity (replay), 8); /* vehicle 7 is the largest id */
    const disp_replay_row_t *r = disp_replay_rows (replay);

    ck_assert_int_eq (r[0].kind, DISP_REPLAY_VEHICLE);
    ck_assert_uint_eq (r[0].line, 4);
    ck_assert_uint_eq (r[0].vehicle.id, 7);
    ck_assert_int_eq (r[0].vehicle.fleet, DISP_FLEET_HUMAN);
    ck_assert_int_eq (r[0].vehicle.status, DISP_VEH_BUSY);
    ck_assert_double_eq (r[0].vehicle.position.lon, 114.3010);
    ck_assert_uint_eq (r[0].vehicle.position.node, MAP_NODE_NONE);

    ck_assert_int_eq (r[1].kind, DISP_REPLAY_REQUEST);
    ck_assert_int_eq (r[1].at_ms, 250);
    ck_assert_uint_eq (r[1].request.id, 11);
    ck_assert_int_eq (r[1].request.any_fleet, 1);
    ck_assert_double_eq (r[1].request.destination.lat, 30.6);
    ck_assert_int_eq (r[1].request.deadline_ms, 90500); /* the patience, in ms, until it is sent */

    ck_assert_int_eq (r[2].request.fleet, DISP_FLEET_ROBOTAXI);
    ck_assert_int_eq (r[2].request.any_fleet, 0);
    ck_assert_int_eq (r[2].request.deadline_ms, 0); /* no patience: waits until cancelled */
    ck_assert_double_eq (r[2].request.destination.lon, 0);

    ck_assert_int_eq (r[3].kind, DISP_REPLAY_CANCEL);
    ck_assert_int_eq (r[3].at_ms, 1500);
    ck_assert_uint_eq (r[3].cancel_id, 11);
    ck_assert_int_eq (r[4].vehicle.status, DISP_VEH_OFFLINE);
    ck_assert_uint_eq (r[4].line, 8);
    disp_replay_destroy (&replay);
    ck_assert_ptr_null (replay);
    disp_replay_destroy (&replay); /* NULL-safe */
}
END_TEST

/* The demo shipped in scenarios/ reads whole: 40 cars reporting, 150 riders, 6 cancellations. */
START_TEST (test_demo_file)
{
    char path[4096], err[512];
    snprintf (path, sizeof path, "%s/scenarios/live-demo.csv", getenv ("RT_SOURCE_DIR"));
    disp_replay_t *replay = disp_replay_load (path, err, sizeof err);
    ck_assert_msg (replay, "%s", err);
    ck_assert_uint_eq (disp_replay_count (replay), 356);
    ck_assert_uint_eq (disp_replay_request_count (replay), 150);
    ck_assert_uint_eq (disp_replay_capacity (replay), 40);
    const disp_replay_row_t *r = disp_replay_rows (replay);
    for (size_t i = 1; i < disp_replay_count (replay); i++)
        ck_assert_int_ge (r[i].at_ms, r[i - 1].at_ms);
    disp_replay_destroy (&replay);
}
END_TEST

START_TEST (test_header_and_empty_files)
{
    char err[512];
    s_refused ("", "t.csv: empty file; the header must be '" DISP_REPLAY_HEADER "'");
    s_refused ("time_s,kind,id\n0,cancel,1\n", "t.csv:1: the header must be");
    /* a header alone is a replay of nothing */
    disp_replay_t *replay = s_read (DISP_REPLAY_HEADER, err, sizeof err);
    ck_assert_msg (replay, "%s", err);
    ck_assert_uint_eq (disp_replay_count (replay), 0);
    ck_assert_uint_eq (disp_replay_capacity (replay), 1);
    disp_replay_destroy (&replay);
    ck_assert_ptr_null (disp_replay_load ("/nonexistent/replay.csv", err, sizeof err));
    ck_assert_msg (strstr (err, "/nonexistent/replay.csv: No such file or directory"), "%s", err);
}
END_TEST

START_TEST (test_bad_rows)
{
    static const struct {
        const char *row, *expected;
    } cases[] = {
        {"0,request,1,robotaxi,114,30,,,\n", "t.csv:2: expected 10 fields"},
        {"0,request,1,robotaxi,114,30,,,,,\n", "t.csv:2: more than 10 fields"},
        {"-1,request,1,robotaxi,114,30,,,,\n", "t.csv:2: time_s: '-1' is not seconds >= 0"},
        {"nan,request,1,robotaxi,114,30,,,,\n", "time_s: 'nan'"},
        {"0,request,1.5,robotaxi,114,30,,,,\n", "id: '1.5' is not a whole number >= 0"},
        {"0,request,2e19,robotaxi,114,30,,,,\n", "id: '2e19'"},
        {"0,request,1,car,114,30,,,,\n", "fleet: 'car' is not robotaxi, human or any"},
        {"0,request,1,robotaxi,181,30,,,,\n", "lon,lat: '181,30' is not a WGS84 position"},
        {"0,request,1,robotaxi,114,inf,,,,\n", "lon,lat: '114,inf'"},
        {"0,request,1,robotaxi,114,30,114.1,,,\n", "dest_lon,dest_lat: '114.1,' is not a WGS84 position or empty"},
        {"0,request,1,robotaxi,114,30,,,,0\n", "patience_s: '0' is not seconds from 0.001 to 86400"},
        {"0,vehicle,1,any,114,30,,,idle,\n", "fleet: a vehicle is robotaxi or human, not any"},
        {"0,vehicle,4194304,human,114,30,,,idle,\n", "id: 4194304 is past the largest vehicle id 4194303"},
        {"0,vehicle,1,human,114,30,,,parked,\n", "status: 'parked' is not idle, busy or offline"},
        {"0,taxi,1,human,114,30,,,idle,\n", "kind: 'taxi' is not request, vehicle or cancel"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf (text, sizeof text, S_HEADER_LINE "%s", cases[i].row);
        s_refused (text, cases[i].expected);
    }
    /* the largest vehicle id is fine and sizes the fleet */
    char err[512];
    disp_replay_t *replay = s_read (S_HEADER_LINE "0,vehicle,4194303,human,114,30,,,idle,\n", err, sizeof err);
    ck_assert_msg (replay, "%s", err);
    ck_assert_uint_eq (disp_replay_capacity (replay), 4194304);
    disp_replay_destroy (&replay);
}
END_TEST

START_TEST (test_order_and_duplicates)
{
    s_refused (S_HEADER_LINE "2,cancel,1,,,,,,,\n1,cancel,2,,,,,,,\n",
               "t.csv:3: time_s goes back in time; rows must be in time order");
    /* two riders with one id: an assignment could not say which it serves; the later line is named */
    s_refused (S_HEADER_LINE "0,request,11,robotaxi,114,30,,,,\n0,request,12,robotaxi,114,30,,,,\n"
                             "0,request,11,human,114,30,,,,\n0,request,12,human,114,30,,,,\n",
               "t.csv:4: id: request 11 was already asked on line 2");
    /* a cancellation names a request again, and that is fine */
    char err[512];
    disp_replay_t *replay =
        s_read (S_HEADER_LINE "0,request,11,robotaxi,114,30,,,,\n1,cancel,11,,,,,,,\n", err, sizeof err);
    ck_assert_msg (replay, "%s", err);
    disp_replay_destroy (&replay);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("disp_replay");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_rows_as_written);
    tcase_add_test (core, test_demo_file);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_header_and_empty_files);
    tcase_add_test (limits, test_bad_rows);
    tcase_add_test (limits, test_order_and_duplicates);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
