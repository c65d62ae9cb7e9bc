/* check_sim_config: scenario files, --set overrides and their errors, as a user meets them. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_config.h"

static char s_dir[] = "/tmp/robotaxi-config-XXXXXX";

static void
s_setup (void)
{
    strcpy (s_dir, "/tmp/robotaxi-config-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
}

static const char *
s_write (const char *name, const char *text)
{
    static char path[512];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen (path, "w");
    fputs (text, f);
    fclose (f);
    return path;
}

/* The resolved scenario as text. */
static char *
s_resolved (const sim_config_t *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&buf, &len);
    sim_config_write (cfg, f);
    fclose (f);
    return buf;
}

START_TEST (test_defaults_are_the_wuhan_scenario)
{
    sim_config_t def, file;
    char err[512];
    sim_config_defaults (&def);
    sim_config_defaults (&file);
    char path[1024];
    snprintf (path, sizeof path, "%s/scenarios/wuhan.ini", getenv ("RT_SOURCE_DIR"));
    ck_assert_msg (sim_config_load (&file, path, err, sizeof err) == 0, "%s", err);
    char *a = s_resolved (&def), *b = s_resolved (&file);
    ck_assert_str_eq (a, b);
    ck_assert_int_eq (sim_config_check (&def, err, sizeof err), 0);
    ck_assert_int_eq (def.robotaxi.fleet_size, 400);
    ck_assert_int_eq (def.map.epsg, 32650);
    ck_assert_double_eq (def.human.commission, 0.14);
    free (a);
    free (b);
}
END_TEST

START_TEST (test_resolved_file_round_trips)
{
    sim_config_t a, b;
    char err[512];
    sim_config_defaults (&a);
    ck_assert_int_eq (sim_config_set (&a, "robotaxi.fleet_size=1234", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_set (&a, "scenario.seed = 18446744073709551615", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_set (&a, "demand.trip_km_mean=7.123456789", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_set (&a, "zones.airport=114.21, 30.78, 2, 1.5", err, sizeof err), 0);
    char *text = s_resolved (&a);
    const char *path = s_write ("resolved.ini", text);
    sim_config_defaults (&b);
    ck_assert_msg (sim_config_load (&b, path, err, sizeof err) == 0, "%s", err);
    char *again = s_resolved (&b);
    ck_assert_str_eq (text, again);
    ck_assert_uint_eq (b.scenario.seed, UINT64_MAX);
    ck_assert_double_eq (b.demand.trip_km_mean, 7.123456789);
    ck_assert_uint_eq (b.zone_count, a.zone_count);
    free (text);
    free (again);
}
END_TEST

START_TEST (test_file_zones_replace_defaults)
{
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    ck_assert_uint_gt (c.zone_count, 3);
    const char *path = s_write ("zones.ini", "[zones]\nonly = 114.3, 30.6, 2, 1\n");
    ck_assert_int_eq (sim_config_load (&c, path, err, sizeof err), 0);
    ck_assert_uint_eq (c.zone_count, 1);
    ck_assert_str_eq (c.zones[0].name, "only");
}
END_TEST

START_TEST (test_unknown_key_names_file_line_and_suggests)
{
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    const char *path = s_write ("typo.ini", "; comment\n[robotaxi]\nfleet_sise = 10\n");
    ck_assert_int_eq (sim_config_load (&c, path, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "typo.ini:3:") && strstr (err, "robotaxi.fleet_sise") &&
                       strstr (err, "did you mean robotaxi.fleet_size"),
                   "%s", err);
    ck_assert_int_eq (sim_config_set (&c, "nosuch.key=1", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "nosuch.key: unknown key"), "%s", err);
}
END_TEST

START_TEST (test_out_of_range_and_malformed_values)
{
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    ck_assert_int_eq (sim_config_set (&c, "robotaxi.promo_factor=1.5", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "robotaxi.promo_factor") && strstr (err, "out of range (0 .. 1)"), "%s", err);
    ck_assert_int_eq (sim_config_set (&c, "human.drivers=-3", err, sizeof err), -1);
    ck_assert_int_eq (sim_config_set (&c, "human.drivers=2.5", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "not a whole number"), "%s", err);
    ck_assert_int_eq (sim_config_set (&c, "human.commission=abc", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "'abc' is not a number"), "%s", err);
    ck_assert_int_eq (sim_config_set (&c, "demand.hour_weights=1,2,3", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "24 comma-separated"), "%s", err);
    ck_assert_int_eq (sim_config_set (&c, "traffic.hour_factors=1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,0.5",
                                      err, sizeof err), -1);
    ck_assert_msg (strstr (err, "hour 23"), "%s", err);
    ck_assert_int_eq (sim_config_set (&c, "robotaxi.service_area=114.5,30.4,114.1,30.6", err, sizeof err), -1);
    ck_assert_int_eq (sim_config_set (&c, "scenario.seed=-1", err, sizeof err), -1);
    ck_assert_int_eq (sim_config_set (&c, "no_equals_sign", err, sizeof err), -1);
    ck_assert_int_eq (sim_config_set (&c, "zones.z=1,2,3", err, sizeof err), -1);
    /* nothing above changed the scenario */
    sim_config_t d;
    sim_config_defaults (&d);
    char *a = s_resolved (&c), *b = s_resolved (&d);
    ck_assert_str_eq (a, b);
    free (a);
    free (b);
}
END_TEST

START_TEST (test_cross_key_checks)
{
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    ck_assert_int_eq (sim_config_set (&c, "human.shift_min_h=13", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check (&c, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "human.shift_min_h") && strstr (err, "human.shift_max_h"), "%s", err);
    sim_config_defaults (&c);
    ck_assert_int_eq (sim_config_set (&c, "dispatch.policy=fastest", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check (&c, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "'fastest' is not a policy") && strstr (err, "nearest"), "%s", err);
}
END_TEST

START_TEST (test_broken_files)
{
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    ck_assert_int_eq (sim_config_load (&c, "/nonexistent/x.ini", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "/nonexistent/x.ini") && strstr (err, "No such file"), "%s", err);
    const char *garbage = s_write ("garbage.ini", "[map]\nthis line has no equals sign\n");
    ck_assert_int_eq (sim_config_load (&c, garbage, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "garbage.ini:2"), "%s", err);
    char longline[400];
    memset (longline, 'x', sizeof longline);
    memcpy (longline, "[a]\nname = ", 11);
    longline[sizeof longline - 1] = '\0';
    const char *lng = s_write ("long.ini", longline);
    ck_assert_int_eq (sim_config_load (&c, lng, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "long.ini:2") && strstr (err, "longer"), "%s", err);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_config");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, NULL);
    tcase_add_test (core, test_defaults_are_the_wuhan_scenario);
    tcase_add_test (core, test_resolved_file_round_trips);
    tcase_add_test (core, test_file_zones_replace_defaults);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, NULL);
    tcase_add_test (limits, test_unknown_key_names_file_line_and_suggests);
    tcase_add_test (limits, test_out_of_range_and_malformed_values);
    tcase_add_test (limits, test_cross_key_checks);
    tcase_add_test (limits, test_broken_files);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
