/* check_sim_config: scenario files, --set overrides and their errors, as a user meets them. */
#include <check.h>

#include "rt_check.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "map_graph.h"
#include "sim_config.h"

static char s_dir[] = "/tmp/robotaxi-config-XXXXXX";

static void
s_setup (void)
{
    strcpy (s_dir, "/tmp/robotaxi-config-XXXXXX");
    ck_assert_ptr_nonnull (mkdtemp (s_dir));
}

/* Removes the test's folder (its files, fifo and links included). */
static void
s_teardown (void)
{
    char cmd[128];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system (cmd) != 0)
        fprintf (stderr, "check_sim_config: could not remove %s\n", s_dir);
}

/* Writes len bytes of text as DIR/NAME; returns the path (a static buffer). */
static const char *
s_write_bytes (const char *name, const char *text, size_t len)
{
    static char path[512];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen (path, "w");
    ck_assert_ptr_nonnull (f);
    ck_assert_uint_eq (fwrite (text, 1, len, f), len);
    fclose (f);
    return path;
}

static const char *
s_write (const char *name, const char *text)
{
    return s_write_bytes (name, text, strlen (text));
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
    ck_assert_str_eq (err, "--set human.drivers: '2.5' is not a decimal integer");
    ck_assert_int_eq (sim_config_set (&c, "human.commission=abc", err, sizeof err), -1);
    ck_assert_str_eq (err, "--set human.commission: 'abc' is not a decimal number");
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

/* Loads text as NAME over the defaults, expecting rc; err is "DIR/NAME" followed by tail. */
static void
s_refused (const char *name, const char *text, int rc, const char *tail)
{
    sim_config_t c;
    char err[512], want[1024];
    sim_config_defaults (&c);
    const char *path = s_write (name, text);
    ck_assert_int_eq (sim_config_load (&c, path, err, sizeof err), rc);
    snprintf (want, sizeof want, "%s%s", path, tail);
    ck_assert_str_eq (err, want);
}

START_TEST (test_what_is_not_a_regular_readable_file)
{
    sim_config_t c;
    char err[512], path[600], want[700];
    sim_config_defaults (&c);
    /* a folder used to run the defaults and exit 0 */
    ck_assert_int_eq (sim_config_load (&c, s_dir, err, sizeof err), SIM_CONFIG_UNREADABLE);
    snprintf (want, sizeof want, "%s: not a regular file", s_dir);
    ck_assert_str_eq (err, want);
    snprintf (path, sizeof path, "%s/missing.ini", s_dir);
    ck_assert_int_eq (sim_config_load (&c, path, err, sizeof err), SIM_CONFIG_UNREADABLE);
    snprintf (want, sizeof want, "%s: No such file or directory", path);
    ck_assert_str_eq (err, want);
    /* a fifo nobody writes to: refused at once, not waited on */
    snprintf (path, sizeof path, "%s/fifo.ini", s_dir);
    ck_assert_int_eq (mkfifo (path, 0600), 0);
    ck_assert_int_eq (sim_config_load (&c, path, err, sizeof err), SIM_CONFIG_UNREADABLE);
    snprintf (want, sizeof want, "%s: not a regular file", path);
    ck_assert_str_eq (err, want);
    ck_assert_int_eq (sim_config_load (&c, "/dev/null", err, sizeof err), SIM_CONFIG_UNREADABLE);
    ck_assert_str_eq (err, "/dev/null: not a regular file");
    /* a file that cannot be opened (a symbolic link to itself: permissions do not stop root, this does) */
    snprintf (path, sizeof path, "%s/loop.ini", s_dir);
    ck_assert_int_eq (symlink (path, path), 0);
    ck_assert_int_eq (sim_config_load (&c, path, err, sizeof err), SIM_CONFIG_UNREADABLE);
    snprintf (want, sizeof want, "%s: Too many levels of symbolic links", path);
    ck_assert_str_eq (err, want);
    /* nothing was read */
    sim_config_t d;
    sim_config_defaults (&d);
    char *a = s_resolved (&c), *b = s_resolved (&d);
    ck_assert_str_eq (a, b);
    free (a);
    free (b);
}
END_TEST

START_TEST (test_empty_scenarios)
{
    s_refused ("empty.ini", "", SIM_CONFIG_REFUSED, ": empty scenario (no keys)");
    s_refused ("blank.ini", "\n\n   \n", SIM_CONFIG_REFUSED, ": empty scenario (no keys)");
    s_refused ("comments.ini", "; a scenario\n# to be written\n\n[robotaxi]\n; fleet_size = 10\n",
               SIM_CONFIG_REFUSED, ": empty scenario (no keys)");
}
END_TEST

START_TEST (test_syntax_errors_at_their_own_line)
{
    /* The missing ']' was reported as line 3 with the message of line 4 ("unknown key scenario.fleet_size"). */
    s_refused ("bracket.ini", "[scenario]\nname = x\n[robotaxi\nfleet_size = 10\n", SIM_CONFIG_REFUSED,
               ":3: section header: expected ']'");
    s_refused ("junk.ini", "[robotaxi]\nfleet_size = 10\n\nthis line has no equals sign\n", SIM_CONFIG_REFUSED,
               ":4: expected 'key = value'");
    s_refused ("colon.ini", "[robotaxi]\nfleet_size: 10\n", SIM_CONFIG_REFUSED, ":2: expected 'key = value'");
    s_refused ("nokey.ini", "[robotaxi]\n= 10\n", SIM_CONFIG_REFUSED, ":2: expected 'key = value'");
    /* inih read an indented line as more of the previous value: fleet_size became 20 */
    s_refused ("indent.ini", "[robotaxi]\nfleet_size = 10\n    20\n", SIM_CONFIG_REFUSED,
               ":3: expected 'key = value'");
    s_refused ("after.ini", "[robotaxi] fleet\nfleet_size = 10\n", SIM_CONFIG_REFUSED,
               ":1: section header: expected the end of the line after ']', not 'fleet'");
    s_refused ("name.ini", "[robo taxi]\nfleet_size = 10\n", SIM_CONFIG_REFUSED,
               ":1: section header: 'robo taxi' is not a section name (letters, digits, '_')");
    s_refused ("nosection.ini", "fleet_size = 10\n", SIM_CONFIG_REFUSED,
               ":1: fleet_size: a key before the first '[section]' header");
    static const char nul[] = "[robotaxi]\nfleet_size = 1\0" "0\n";
    sim_config_t c;
    char err[512], want[600];
    sim_config_defaults (&c);
    const char *path = s_write_bytes ("nul.ini", nul, sizeof nul - 1);
    ck_assert_int_eq (sim_config_load (&c, path, err, sizeof err), SIM_CONFIG_REFUSED);
    snprintf (want, sizeof want, "%s:2: a NUL byte: not a text file", path);
    ck_assert_str_eq (err, want);
    /* the first error is the one reported, wherever later ones are */
    s_refused ("first.ini", "[robotaxi]\nfleet_size = 10\nfleet_sise = 3\n[human\n", SIM_CONFIG_REFUSED,
               ":3: robotaxi.fleet_sise: unknown key (did you mean robotaxi.fleet_size?)");
}
END_TEST

START_TEST (test_numbers_are_decimal)
{
    static const struct {
        const char *key, *value, *why;
    } bad[] = {
        {"fleet_size", "0x10", "robotaxi.fleet_size: '0x10' is not a decimal integer"},
        {"fleet_size", "1e3", "robotaxi.fleet_size: '1e3' is not a decimal integer"},
        {"fleet_size", "2.0", "robotaxi.fleet_size: '2.0' is not a decimal integer"},
        {"fleet_size", "+5", "robotaxi.fleet_size: '+5' is not a decimal integer"},
        {"fleet_size", "10 cars", "robotaxi.fleet_size: '10 cars' is not a decimal integer"},
        {"fleet_size", "010x", "robotaxi.fleet_size: '010x' is not a decimal integer"},
        {"fleet_size", "", "robotaxi.fleet_size: '' is not a decimal integer"},
        {"fleet_size", "99999999999999999999", "robotaxi.fleet_size: 99999999999999999999 is out of range (0 .. 200000)"},
        {"promo_factor", "0x1p-1", "robotaxi.promo_factor: '0x1p-1' is not a decimal number"},
        {"promo_factor", "inf", "robotaxi.promo_factor: 'inf' is not a decimal number"},
        {"promo_factor", "nan", "robotaxi.promo_factor: 'nan' is not a decimal number"},
        {"promo_factor", "-infinity", "robotaxi.promo_factor: '-infinity' is not a decimal number"},
        {"promo_factor", "+0.5", "robotaxi.promo_factor: '+0.5' is not a decimal number"},
        {"promo_factor", "0.5.1", "robotaxi.promo_factor: '0.5.1' is not a decimal number"},
        {"promo_factor", "5e", "robotaxi.promo_factor: '5e' is not a decimal number"},
        {"promo_factor", ".", "robotaxi.promo_factor: '.' is not a decimal number"},
        {"promo_factor", "", "robotaxi.promo_factor: '' is not a decimal number"},
        {"promo_factor", "1e999", "robotaxi.promo_factor: 1e999 is out of range (0 .. 1)"},
        {"service_area", "0x72,30.4,114.5,30.7", "robotaxi.service_area: '0x72,30.4,114.5,30.7' is not "
                                                 "'lon_min,lat_min,lon_max,lat_max' (decimal numbers)"},
        {"service_area", "114.1,,30.4,114.5,30.7", "robotaxi.service_area: '114.1,,30.4,114.5,30.7' is not "
                                                   "'lon_min,lat_min,lon_max,lat_max' (decimal numbers)"},
        {"service_area", "114.1,30.4,114.5,30.7,", "robotaxi.service_area: '114.1,30.4,114.5,30.7,' is not "
                                                   "'lon_min,lat_min,lon_max,lat_max' (decimal numbers)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256], name[32], tail[512];
        snprintf (text, sizeof text, "; line 1\n[robotaxi]\n%s = %s\n", bad[i].key, bad[i].value);
        snprintf (name, sizeof name, "number%zu.ini", i);
        snprintf (tail, sizeof tail, ":3: %s", bad[i].why);
        s_refused (name, text, SIM_CONFIG_REFUSED, tail);
    }
    s_refused ("seed.ini", "[scenario]\nseed = 0x2A\n", SIM_CONFIG_REFUSED,
               ":2: scenario.seed: '0x2A' is not a decimal integer from 0 to 18446744073709551615");
    s_refused ("seed2.ini", "[scenario]\nseed = 18446744073709551616\n", SIM_CONFIG_REFUSED,
               ":2: scenario.seed: '18446744073709551616' is not a decimal integer from 0 to 18446744073709551615");
    s_refused ("hours.ini", "[demand]\nhour_weights = 1,1,1,1,0x1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\n",
               SIM_CONFIG_REFUSED, ":2: demand.hour_weights: item 5: '0x1' is not a decimal number (24 "
               "comma-separated numbers, one per hour)");
    s_refused ("zone.ini", "[zones]\nport = 114.3, 30.6, inf, 1\n", SIM_CONFIG_REFUSED,
               ":2: zones.port: '114.3, 30.6, inf, 1' is not 'lon, lat, radius_km, weight' (decimal numbers)");

    /* --set takes numbers the same way */
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    ck_assert_int_eq (sim_config_set (&c, "robotaxi.fleet_size=0x10", err, sizeof err), -1);
    ck_assert_str_eq (err, "--set robotaxi.fleet_size: '0x10' is not a decimal integer");
    ck_assert_int_eq (sim_config_set (&c, "human.commission=nan", err, sizeof err), -1);
    ck_assert_str_eq (err, "--set human.commission: 'nan' is not a decimal number");

    /* what the README documents is read as written */
    const char *path = s_write ("good.ini", "[robotaxi]\nfleet_size = 0016\npromo_factor = .5\ncoupon_yuan = 2e-3\n"
                                            "coupon_share = 15E-2\nmin_fare_yuan = -0\nstart_yuan = 12.\n"
                                            "[choice]\nasc_other = -1.25e+1\n[map]\nepsg = 32650\n");
    ck_assert_msg (sim_config_load (&c, path, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq (c.robotaxi.fleet_size, 16);
    ck_assert_double_eq (c.robotaxi.tariff.promo_factor, 0.5);
    ck_assert_double_eq (c.robotaxi.tariff.coupon_yuan, 0.002);
    ck_assert_double_eq (c.robotaxi.tariff.coupon_share, 0.15);
    ck_assert_double_eq (c.robotaxi.tariff.min_fare_yuan, 0);
    ck_assert_double_eq (c.robotaxi.tariff.start_yuan, 12);
    ck_assert_double_eq (c.choice.asc_other, -12.5);
    ck_assert_int_eq (c.map.epsg, 32650);
}
END_TEST

START_TEST (test_long_lines_are_read_whole)
{
    /* libinih (Debian: a 200-byte line buffer) cut longer lines in two and shifted every later line number. */
    char text[4096], hours[1024] = "";
    size_t used = (size_t) snprintf (text, sizeof text, "; ");
    for (int i = 0; i < 300; i++)
        text[used++] = 'c';
    used += (size_t) snprintf (text + used, sizeof text - used, "\n[robotaxi]\nfleet_size = 12 ; ");
    for (int i = 0; i < 300; i++)
        text[used++] = 'x';
    /* a value longer than inih's buffer: 24 hours written with 17 digits, as config.ini may hold them */
    for (int h = 0; h < 24; h++)
        snprintf (hours + strlen (hours), sizeof hours - strlen (hours), "%s%.17g", h ? "," : "", 1 + h / 7.0);
    ck_assert_uint_gt (strlen (hours), 300);
    snprintf (text + used, sizeof text - used, "\n[demand]\nhour_weights = %s ; measured\n", hours);
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    const char *path = s_write ("long.ini", text);
    ck_assert_msg (sim_config_load (&c, path, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq (c.robotaxi.fleet_size, 12);
    for (int h = 0; h < 24; h++)
        ck_assert_double_eq (c.demand.hour_weight[h], 1 + h / 7.0);
    /* and a mistake after the long lines is reported at its own line */
    snprintf (text + strlen (text), sizeof text - strlen (text), "trip_km_mean = 0x8\n");
    path = s_write ("long.ini", text);
    ck_assert_int_eq (sim_config_load (&c, path, err, sizeof err), SIM_CONFIG_REFUSED);
    char want[600];
    snprintf (want, sizeof want, "%s:6: demand.trip_km_mean: '0x8' is not a decimal number", path);
    ck_assert_str_eq (err, want);
}
END_TEST

START_TEST (test_windows_line_ends_and_byte_order_mark)
{
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    const char *path = s_write ("crlf.ini", "\xEF\xBB\xBF; saved by Notepad\r\n[robotaxi]\r\nfleet_size = 12\r\n"
                                            "[scenario]\r\nname = crlf ; the name\r\n");
    ck_assert_msg (sim_config_load (&c, path, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq (c.robotaxi.fleet_size, 12);
    ck_assert_str_eq (c.scenario.name, "crlf");
}
END_TEST

START_TEST (test_committed_scenarios_read_back)
{
    static const char *const names[] = {"scenarios/wuhan.ini", "scenarios/wuhan-2024.ini", "scenarios/monaco.ini",
                                        "tests/policies/weekday.ini", "tests/policies/rush-surge.ini",
                                        "tests/policies/robotaxi-shortage.ini",
                                        "tests/policies/surplus-rebalance.ini", "tests/policies/osm-monaco.ini"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        sim_config_t a, b;
        char err[512], path[1024];
        snprintf (path, sizeof path, "%s/%s", getenv ("RT_SOURCE_DIR"), names[i]);
        sim_config_defaults (&a);
        ck_assert_msg (sim_config_load (&a, path, err, sizeof err) == 0, "%s", err);
        /* its resolved form (config.ini of a run) reads back as the same scenario */
        char *text = s_resolved (&a);
        const char *resolved = s_write ("resolved.ini", text);
        sim_config_defaults (&b);
        ck_assert_msg (sim_config_load (&b, resolved, err, sizeof err) == 0, "%s: %s", names[i], err);
        char *again = s_resolved (&b);
        ck_assert_str_eq (text, again);
        free (text);
        free (again);
    }
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

    /* A cache of the embedded city (no map.file) is fine: it keeps the contraction of a fine grid. */
    sim_config_defaults (&cfg);
    ck_assert_int_eq (sim_config_set (&cfg, "map.cache=city.map", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check (&cfg, err, sizeof err), 0);

    sim_config_defaults (&cfg);
    ck_assert_int_eq (sim_config_set (&cfg, "map.epsg=500", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check (&cfg, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "map.epsg: 500 is not the EPSG code of a projected CRS"), "%s", err);
    ck_assert_int_eq (sim_config_set (&cfg, "map.epsg=-1", err, sizeof err), -1);
    ck_assert_msg (strstr (err, "map.epsg: -1 is out of range"), "%s", err);
}
END_TEST

START_TEST (test_a_key_given_twice_is_refused_with_both_lines)
{
    /* the last one used to win silently */
    s_refused ("twice.ini", "[robotaxi]\nfleet_size = 40\n; on second thought\nfleet_size = 50\n", SIM_CONFIG_REFUSED,
               ":4: robotaxi.fleet_size: already set on line 2 (give each key once)");
    /* a section given again is no way around it */
    s_refused ("again.ini", "[robotaxi]\nfleet_size = 40\n[human]\ndrivers = 300\n[robotaxi]\nfleet_size = 50\n",
               SIM_CONFIG_REFUSED, ":6: robotaxi.fleet_size: already set on line 2 (give each key once)");
    s_refused ("zones.ini", "[zones]\nport = 114.3, 30.6, 1, 1\nport = 114.4, 30.6, 1, 1\n", SIM_CONFIG_REFUSED,
               ":3: zones.port: already set on line 2 (give each key once)");
    /* the same name in two sections is two keys; a 252-character comment line does not shift the lines */
    char text[1024] = "; ";
    memset (text + 2, '-', 250);
    snprintf (text + 252, sizeof text - 252, "\n[robotaxi]\ncharge_h_per_day = 2\n[human]\ndrivers = 3\n"
                                             "[robotaxi]\ncharge_h_per_day = 3\n");
    ck_assert_uint_eq (strcspn (text, "\n"), 252);
    s_refused ("long.ini", text, SIM_CONFIG_REFUSED,
               ":7: robotaxi.charge_h_per_day: already set on line 3 (give each key once)");
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    const char *path = s_write ("two.ini", "[robotaxi]\ncleaning_yuan_per_day = 3\n[human]\ninsurance_yuan_per_year = 4\n"
                               "[robotaxi]\ninsurance_yuan_per_year = 5\n");
    ck_assert_msg (sim_config_load (&c, path, err, sizeof err) == 0, "%s", err);
    ck_assert_double_eq (c.human.insurance_yuan_per_year, 4);
    ck_assert_double_eq (c.robotaxi.insurance_yuan_per_year, 5);
    /* a config.ini read back after a file was read is a new file: its keys are its own */
    ck_assert_msg (sim_config_load (&c, path, err, sizeof err) == 0, "%s", err);
}
END_TEST

START_TEST (test_a_box_read_latitude_first_is_named)
{
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    /* Wuhan's box written lat,lon: 114 is no latitude */
    ck_assert_int_eq (sim_config_set (&c, "robotaxi.service_area=30.43,114.13,30.58,114.47", err, sizeof err), -1);
    ck_assert_str_eq (err, "--set robotaxi.service_area: '30.43,114.13,30.58,114.47' is not a box (need -180 <= "
                           "lon_min < lon_max <= 180, -90 <= lat_min < lat_max <= 90); it is one read latitude first: "
                           "write lon_min,lat_min,lon_max,lat_max");
    /* no hint where the numbers make no box either way */
    ck_assert_int_eq (sim_config_set (&c, "robotaxi.service_area=1,2,0,3", err, sizeof err), -1);
    ck_assert_ptr_null (strstr (err, "latitude first"));
}
END_TEST

START_TEST (test_a_service_area_must_hold_roads_of_the_map)
{
    /* a little Monaco: where the box is Monaco's read latitude first, a valid box both ways */
    map_graph_t *g = map_graph_new (32632);
    ck_assert_ptr_nonnull (g);
    ck_assert_uint_eq (map_graph_add_node (g, 7.41, 43.72, 0, 0), 0);
    ck_assert_uint_eq (map_graph_add_node (g, 7.43, 43.74, 1600, 2200), 1);
    ck_assert_int_eq (map_graph_add_edge (g, 0, 1, 0, 50, MAP_ROAD_LOCAL), 0);
    ck_assert_int_eq (map_graph_finish (g), 0);
    sim_config_t c;
    char err[512];
    sim_config_defaults (&c);
    ck_assert_int_eq (sim_config_set (&c, "robotaxi.service_area=7.40,43.71,7.44,43.75", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check_map (&c, g, err, sizeof err), 0);
    ck_assert_int_eq (sim_config_set (&c, "robotaxi.service_area=43.71,7.40,43.75,7.44", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check_map (&c, g, err, sizeof err), SIM_CONFIG_REFUSED);
    ck_assert_str_eq (err, "robotaxi.service_area: 43.71,7.4,43.75,7.44 holds no road of the map (its roads lie within "
                           "lon 7.4100 .. 7.4300, lat 43.7200 .. 43.7400); read latitude first it holds roads: write "
                           "lon_min,lat_min,lon_max,lat_max");
    ck_assert_int_eq (sim_config_set (&c, "robotaxi.service_area=8,44,9,45", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check_map (&c, g, err, sizeof err), SIM_CONFIG_REFUSED);
    ck_assert_str_eq (err, "robotaxi.service_area: 8,44,9,45 holds no road of the map (its roads lie within lon 7.4100 "
                           ".. 7.4300, lat 43.7200 .. 43.7400)");
    /* without robotaxis there is no service to give */
    ck_assert_int_eq (sim_config_set (&c, "robotaxi.fleet_size=0", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check_map (&c, g, err, sizeof err), 0);
    map_graph_destroy (&g);
}
END_TEST

START_TEST (test_a_map_file_that_cannot_be_read)
{
    sim_config_t c;
    char err[512], path[600], want[700];
    sim_config_defaults (&c);
    ck_assert_int_eq (sim_config_check_files (&c, err, sizeof err), 0); /* the embedded map: no file */
    snprintf (path, sizeof path, "map.file=%s/nothere.map", s_dir);
    ck_assert_int_eq (sim_config_set (&c, path, err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check_files (&c, err, sizeof err), SIM_CONFIG_UNREADABLE);
    snprintf (want, sizeof want, "map.file: %s/nothere.map: No such file or directory", s_dir);
    ck_assert_str_eq (err, want);
    snprintf (path, sizeof path, "map.file=%s", s_dir);
    ck_assert_int_eq (sim_config_set (&c, path, err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check_files (&c, err, sizeof err), SIM_CONFIG_UNREADABLE);
    snprintf (want, sizeof want, "map.file: %s: not a regular file", s_dir);
    ck_assert_str_eq (err, want);
    snprintf (path, sizeof path, "map.file=%s", s_write ("city.map", "a map, as far as this check goes\n"));
    ck_assert_int_eq (sim_config_set (&c, path, err, sizeof err), 0);
    ck_assert_int_eq (sim_config_check_files (&c, err, sizeof err), 0);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_config");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_defaults_are_the_wuhan_scenario);
    tcase_add_test (core, test_resolved_file_round_trips);
    tcase_add_test (core, test_file_zones_replace_defaults);
    tcase_add_test (core, test_map_file_paths_and_fitting);
    tcase_add_test (core, test_committed_scenarios_read_back);
    tcase_add_test (core, test_long_lines_are_read_whole);
    tcase_add_test (core, test_windows_line_ends_and_byte_order_mark);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_unknown_key_names_file_line_and_suggests);
    tcase_add_test (limits, test_out_of_range_and_malformed_values);
    tcase_add_test (limits, test_cross_key_checks);
    tcase_add_test (limits, test_map_key_conflicts);
    tcase_add_test (limits, test_what_is_not_a_regular_readable_file);
    tcase_add_test (limits, test_empty_scenarios);
    tcase_add_test (limits, test_syntax_errors_at_their_own_line);
    tcase_add_test (limits, test_numbers_are_decimal);
    tcase_add_test (limits, test_a_key_given_twice_is_refused_with_both_lines);
    tcase_add_test (limits, test_a_box_read_latitude_first_is_named);
    tcase_add_test (limits, test_a_service_area_must_hold_roads_of_the_map);
    tcase_add_test (limits, test_a_map_file_that_cannot_be_read);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
