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
    ck_assert_int_eq (def.robotaxi.fleet_size, 40);   /* a tenth of Wuhan; wuhan-2024.ini has the 400 */
    ck_assert_int_eq (def.map.epsg, 0); /* the UTM zone of the map's centre: 32650 for Wuhan (check_map_net) */
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

START_TEST (test_map_file_paths_and_fitting)
{
    sim_config_t cfg;
    char err[512];
    sim_config_defaults (&cfg);
    /* A relative map file in a scenario is beside the scenario, whatever folder the run starts from. */
    const char *path = s_write ("monaco.ini", "[map]\nfile = maps/monaco.osm.pbf\ncache = monaco.map\n");
    ck_assert_msg (sim_config_load (&cfg, path, err, sizeof err) == 0, "%s", err);
    char expect[600];
    snprintf (expect, sizeof expect, "%s/maps/monaco.osm.pbf", s_dir);
    ck_assert_str_eq (cfg.map_file, expect);
    snprintf (expect, sizeof expect, "%s/monaco.map", s_dir);
    ck_assert_str_eq (cfg.map.cache, expect);
    ck_assert_int_eq (sim_config_check (&cfg, err, sizeof err), 0);
    map_spec_t spec;
    sim_config_map_spec (&cfg, &spec);
    snprintf (expect, sizeof expect, "%s/maps/monaco.osm.pbf", s_dir);
    ck_assert_str_eq (spec.source, expect);
    /* On --set (no file to be relative to) the name is kept as typed; absolute names are never changed. */
    ck_assert_int_eq (sim_config_set (&cfg, "map.file=city.map", err, sizeof err), 0);
    ck_assert_str_eq (cfg.map_file, "city.map");
    path = s_write ("abs.ini", "[map]\nfile = /data/city.map\n");
    ck_assert_msg (sim_config_load (&cfg, path, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq (cfg.map_file, "/data/city.map");

    /* No zones and no service area in the scenario: they come from the map's extent. */
    sim_config_fit_map (&cfg, 7.40, 43.72, 7.44, 43.76);
    ck_assert_uint_eq (cfg.zone_count, 1);
    ck_assert_double_eq_tol (cfg.zones[0].lon, 7.42, 1e-9);
    ck_assert_double_eq_tol (cfg.zones[0].lat, 43.74, 1e-9);
    /* 0.04 degrees of longitude at 43.74 N is 3.2 km, the smaller side: a quarter of it. */
    ck_assert_double_eq_tol (cfg.zones[0].radius_km, 0.80, 0.01);
    ck_assert_double_eq (cfg.robotaxi.service_area[0], 7.40);
    ck_assert_double_eq (cfg.robotaxi.service_area[3], 43.76);

    /* A scenario's own zones and service area are kept. */
    sim_config_defaults (&cfg);
    ck_assert_int_eq (sim_config_set (&cfg, "map.file=/data/city.map", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_set (&cfg, "robotaxi.service_area=7.41,43.73,7.43,43.75", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_set (&cfg, "zones.port=7.42,43.735,0.3,5", err, sizeof err), 0);
    sim_config_fit_map (&cfg, 7.40, 43.72, 7.44, 43.76);
    ck_assert_uint_eq (cfg.zone_count, 1); /* Wuhan's default zones are gone, the scenario's zone stays */
    ck_assert_str_eq (cfg.zones[0].name, "port");
    ck_assert_double_eq (cfg.robotaxi.service_area[0], 7.41);

    /* The embedded city keeps the Wuhan defaults whatever the extent says. */
    sim_config_defaults (&cfg);
    double area0 = cfg.robotaxi.service_area[0];
    size_t zones = cfg.zone_count;
    sim_config_fit_map (&cfg, 7.40, 43.72, 7.44, 43.76);
    ck_assert_uint_eq (cfg.zone_count, zones);
    ck_assert_double_eq (cfg.robotaxi.service_area[0], area0);
}
END_TEST

START_TEST (test_map_key_conflicts)
{
    sim_config_t cfg;
    char err[512];
    sim_config_defaults (&cfg);
    ck_assert_int_eq (sim_config_set (&cfg, "map.file=city.map", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_set (&cfg, "map.source=embedded:paris", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check (&cfg, err, sizeof err), -1);
    ck_assert_str_eq (err, "map.file and map.source are both set: give one road network");

    sim_config_defaults (&cfg);
    ck_assert_int_eq (sim_config_set (&cfg, "map.cache=city.map", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check (&cfg, err, sizeof err), -1);
    ck_assert_str_eq (err, "map.cache is set but map.file is not: only an imported OSM map is cached");

    sim_config_defaults (&cfg);
    ck_assert_int_eq (sim_config_set (&cfg, "map.epsg=500", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check (&cfg, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "map.epsg: 500 is not the EPSG code of a projected CRS"), "%s", err);
    ck_assert_int_eq (sim_config_set (&cfg, "map.epsg=-1", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "map.epsg: -1 is out of range"), "%s", err);
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
    tcase_add_test (core, test_map_file_paths_and_fitting);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, NULL);
    tcase_add_test (limits, test_unknown_key_names_file_line_and_suggests);
    tcase_add_test (limits, test_out_of_range_and_malformed_values);
    tcase_add_test (limits, test_cross_key_checks);
    tcase_add_test (limits, test_map_key_conflicts);
    tcase_add_test (limits, test_broken_files);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
