/* check_sim_map_svg: robotaxi-map render's picture says what it draws: the roads to scale, the scenario's demand
 * zones at their places with their radii, the robotaxi service area, names that do not sit on each other, and a
 * legend; text from the scenario stays text; a picture that cannot be written leaves nothing. */
#include <check.h>

#include "rt_check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "map_net.h"
#include "map_proj.h"
#include "rt_proc.h"
#include "sim_config.h"
#include "sim_map_svg.h"

static map_net_t *s_net;
static char *s_dir;
static char s_path[4096];

static void
s_setup (void)
{
    map_spec_t spec = {.source = "embedded:wuhan", .grid_m = 1000};
    char err[512];
    s_net = map_net_open (&spec, NULL, NULL, err, sizeof err);
    ck_assert_msg (s_net != NULL, "%s", err);
    s_dir = rt_temp_dir ("check_sim_map_svg");
    ck_assert_ptr_nonnull (s_dir);
    snprintf (s_path, sizeof s_path, "%s/wuhan.svg", s_dir);
}

static void
s_teardown (void)
{
    unlink (s_path);
    rmdir (s_dir);
    free (s_dir);
    map_net_destroy (&s_net);
}

/* How many times needle occurs in text. */
static size_t
s_count (const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr (p, needle)); p += strlen (needle))
        n++;
    return n;
}

/* The picture of cfg (NULL: roads only), read back (malloc'd). */
static char *
s_draw (const sim_config_t *cfg, const char *scenario, sim_map_svg_stats_t *st)
{
    char err[512] = "";
    ck_assert_msg (sim_map_svg_write (map_net_graph (s_net), "embedded:wuhan", cfg, scenario, 800, s_path, st, err,
                                      sizeof err) == 0,
                   "%s", err);
    char *svg = rt_slurp (s_path, NULL);
    ck_assert_ptr_nonnull (svg);
    ck_assert (strncmp (svg, "<?xml", 5) == 0);
    size_t n = strlen (svg);
    ck_assert_msg (n > 7 && strcmp (svg + n - 7, "</svg>\n") == 0, "the picture does not end with </svg>");
    return svg;
}

START_TEST (test_zones_and_service_area_at_their_places)
{
    sim_config_t *cfg = calloc (1, sizeof *cfg);
    sim_config_defaults (cfg);
    sim_map_svg_stats_t st;
    char *svg = s_draw (cfg, "the default scenario wuhan", &st);
    ck_assert_uint_eq (st.zones, cfg->zone_count);
    ck_assert_uint_eq (st.zones, 9);
    ck_assert_int_eq (st.service_area, 1);
    ck_assert_int_eq (st.width_px, 800);
    ck_assert_uint_gt (st.segments, 100);
    /* every zone a circle, named with its weight */
    ck_assert_uint_eq (s_count (svg, "<circle class=\"zone\""), 9);
    for (size_t i = 0; i < cfg->zone_count; i++) {
        char name[96];
        snprintf (name, sizeof name, ">%s (weight %g)</text>", cfg->zones[i].name, cfg->zones[i].weight);
        ck_assert_msg (strstr (svg, name) != NULL, "no label %s", name);
    }
    /* the map in metres (y the northing negated): hankou_cbd at its projected place, its radius 2.5 km */
    char err[256];
    map_proj_t *proj = map_proj_new (map_graph_epsg (map_net_graph (s_net)), err, sizeof err);
    ck_assert_msg (proj != NULL, "%s", err);
    double x, y;
    ck_assert_int_eq (map_proj_forward (proj, 114.285, 30.585, &x, &y, err, sizeof err), 0);
    char circle[160];
    snprintf (circle, sizeof circle, "cx=\"%.1f\" cy=\"%.1f\" r=\"2500.0\"", x, -y);
    ck_assert_msg (strstr (svg, circle) != NULL, "hankou_cbd is not %s", circle);
    /* the service area starts at its south-west corner, 114.13, 30.43 */
    ck_assert_int_eq (map_proj_forward (proj, 114.13, 30.43, &x, &y, err, sizeof err), 0);
    char corner[160];
    snprintf (corner, sizeof corner, "<path class=\"service-area\"");
    const char *area = strstr (svg, corner);
    ck_assert_ptr_nonnull (area);
    snprintf (corner, sizeof corner, " d=\"M%.1f %.1fL", x, -y);
    ck_assert_msg (strstr (area, corner) != NULL, "the service area does not start at %s", corner);
    map_proj_destroy (&proj);
    /* a title and a legend that say what is drawn */
    ck_assert (strstr (svg, "of the default scenario wuhan</text>") != NULL);
    ck_assert (strstr (svg, ">robotaxi service area (robotaxi.service_area)</text>") != NULL);
    ck_assert (strstr (svg, ">demand zone (zones.NAME)") != NULL);
    ck_assert (strstr (svg, ">expressway</text>") != NULL);
    ck_assert (strstr (svg, ">5 km</text>") != NULL);
    free (svg);
    free (cfg);
}
END_TEST

START_TEST (test_roads_only_without_a_scenario)
{
    sim_map_svg_stats_t st;
    char *svg = s_draw (NULL, NULL, &st);
    ck_assert_uint_eq (st.zones, 0);
    ck_assert_int_eq (st.service_area, 0);
    ck_assert (strstr (svg, "<circle") == NULL);
    ck_assert (strstr (svg, "service-area") == NULL);
    ck_assert (strstr (svg, "demand zone") == NULL);
    ck_assert (strstr (svg, "<path class=\"local\"") != NULL);
    free (svg);
}
END_TEST

START_TEST (test_names_do_not_sit_on_each_other)
{
    /* two zones at one place: the second name moves off the first */
    sim_config_t *cfg = calloc (1, sizeof *cfg);
    sim_config_defaults (cfg);
    char err[256];
    ck_assert_int_eq (sim_config_set (cfg, "zones.twin_a=114.30,30.55,1.0,1", err, sizeof err), 0);
    ck_assert_int_eq (sim_config_set (cfg, "zones.twin_b=114.30,30.55,1.0,1", err, sizeof err), 0);
    char *svg = s_draw (cfg, "twins", NULL);
    const char *a = strstr (svg, ">twin_a (weight 1)"), *b = strstr (svg, ">twin_b (weight 1)");
    ck_assert (a && b);
    /* each label's y, from its <text ... y="..." */
    double ya, yb;
    const char *ta = a, *tb = b;
    while (strncmp (ta, "<text", 5) != 0)
        ta--;
    while (strncmp (tb, "<text", 5) != 0)
        tb--;
    ck_assert_int_eq (sscanf (strstr (ta, " y=\""), " y=\"%lf\"", &ya), 1);
    ck_assert_int_eq (sscanf (strstr (tb, " y=\""), " y=\"%lf\"", &yb), 1);
    ck_assert_msg (fabs (ya - yb) > 500, "both names at y %.1f and %.1f m", ya, yb);   /* 1 km circles */
    free (svg);
    free (cfg);
}
END_TEST

START_TEST (test_scenario_text_stays_text)
{
    sim_config_t *cfg = calloc (1, sizeof *cfg);
    sim_config_defaults (cfg);
    char err[256];
    ck_assert_int_eq (sim_config_set (cfg, "zones.a<b&c=114.30,30.55,1.0,1", err, sizeof err), 0);
    char *svg = s_draw (cfg, "<script>&", NULL);
    ck_assert (strstr (svg, ">a&lt;b&amp;c (weight 1)</text>") != NULL);
    ck_assert (strstr (svg, "&lt;script&gt;&amp;</text>") != NULL);
    ck_assert (strstr (svg, "<script") == NULL);
    free (svg);
    free (cfg);
}
END_TEST

START_TEST (test_unwritable_picture_says_where)
{
    char err[512] = "", path[4200];
    snprintf (path, sizeof path, "%s/no/such/folder/x.svg", s_dir);
    ck_assert_int_eq (sim_map_svg_write (map_net_graph (s_net), "embedded:wuhan", NULL, NULL, 800, path, NULL, err,
                                         sizeof err),
                      -1);
    ck_assert_msg (strstr (err, path) != NULL, "err does not name the file: %s", err);
    ck_assert (access (path, F_OK) != 0);
}
END_TEST

int
main (void)
{
    Suite *s = suite_create ("sim_map_svg");
    TCase *core = tcase_create ("core");
    tcase_add_checked_fixture (core, s_setup, s_teardown);
    tcase_add_test (core, test_zones_and_service_area_at_their_places);
    tcase_add_test (core, test_roads_only_without_a_scenario);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_checked_fixture (limits, s_setup, s_teardown);
    tcase_add_test (limits, test_names_do_not_sit_on_each_other);
    tcase_add_test (limits, test_scenario_text_stays_text);
    tcase_add_test (limits, test_unwritable_picture_says_where);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
