/* check_map_source: a map specification names the network every process builds. */
#include <check.h>

#include "rt_check.h"
#include <stdlib.h>
#include <string.h>

#include "map_source.h"
#include "map_wuhan.h"

START_TEST (test_embedded_wuhan)
{
    map_spec_t spec = {.source = "embedded:wuhan", .epsg = 32650, .grid_m = 600};
    char err[256] = "";
    map_graph_t *g = map_source_load (&spec, err, sizeof err);
    ck_assert_msg (g != NULL, "%s", err);
    map_graph_t *direct = map_wuhan_build (32650, 600, err, sizeof err);
    ck_assert_ptr_nonnull (direct);
    ck_assert_uint_eq (map_graph_fingerprint (g), map_graph_fingerprint (direct));
    ck_assert_int_eq (map_graph_epsg (g), 32650);
    map_graph_destroy (&g);
    map_graph_destroy (&direct);
}
END_TEST

START_TEST (test_unknown_source_refused)
{
    map_spec_t spec = {.source = "osm:monaco.pbf", .epsg = 32650, .grid_m = 600};
    char err[512] = "";
    ck_assert_ptr_null (map_source_load (&spec, err, sizeof err));
    ck_assert_str_eq (err, "map.source: 'osm:monaco.pbf': unknown map source (known: embedded:wuhan)");
    /* Parameters are checked by the source itself. */
    map_spec_t bad = {.source = "embedded:wuhan", .epsg = 99999, .grid_m = 600};
    ck_assert_ptr_null (map_source_load (&bad, err, sizeof err));
    ck_assert_msg (strstr (err, "99999") != NULL, "message: %s", err);
    /* A source name that fills the whole field (no terminator) is still reported safely. */
    memset (spec.source, 'x', sizeof spec.source);
    ck_assert_ptr_null (map_source_load (&spec, err, sizeof err));
    ck_assert_msg (strstr (err, "unknown map source") != NULL, "message: %s", err);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_source");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_embedded_wuhan);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_unknown_source_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
