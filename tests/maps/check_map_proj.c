/* check_map_proj: WGS84 <-> UTM 50N (Wuhan) and other CRSs, and the messages for CRSs and points PROJ cannot use. */
#include <check.h>

#include "rt_check.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "map_proj.h"

START_TEST (test_wuhan_utm50)
{
    char err[256] = "";
    map_proj_t *p = map_proj_new (32650, err, sizeof err);
    ck_assert_msg (p != NULL, "%s", err);
    ck_assert_int_eq (map_proj_epsg (p), 32650);
    double x, y;
    ck_assert_int_eq (map_proj_forward (p, 114.30, 30.59, &x, &y, err, sizeof err), 0);
    /* CALIBRATION.md: 114.30 E, 30.59 N is E 241099, N 3387271 in EPSG:32650. */
    ck_assert_double_eq_tol (x, 241099, 1.0);
    ck_assert_double_eq_tol (y, 3387271, 1.0);
    double lon, lat;
    ck_assert_int_eq (map_proj_inverse (p, x, y, &lon, &lat, err, sizeof err), 0);
    ck_assert_double_eq_tol (lon, 114.30, 1e-7);
    ck_assert_double_eq_tol (lat, 30.59, 1e-7);
    /* One kilometre east is about 1000 m of easting (scale factor near 1 at this distance from the meridian). */
    double x2, y2;
    ck_assert_int_eq (map_proj_forward (p, 114.30 + 1.0 / 95.9, 30.59, &x2, &y2, err, sizeof err), 0);
    ck_assert_double_eq_tol (x2 - x, 1000, 5);
    map_proj_destroy (&p);
    ck_assert_ptr_null (p);
}
END_TEST

START_TEST (test_other_crs)
{
    char err[256] = "";
    map_proj_t *p = map_proj_new (32651, err, sizeof err);
    ck_assert_msg (p != NULL, "%s", err);
    double x, y, lon, lat;
    ck_assert_int_eq (map_proj_forward (p, 114.30, 30.59, &x, &y, err, sizeof err), 0);
    ck_assert_double_lt (x, 0); /* 8.7 degrees west of zone 51's meridian: negative easting */
    ck_assert_int_eq (map_proj_inverse (p, x, y, &lon, &lat, err, sizeof err), 0);
    ck_assert_double_eq_tol (lon, 114.30, 1e-7);
    ck_assert_double_eq_tol (lat, 30.59, 1e-7);
    map_proj_destroy (&p);

    p = map_proj_new (3857, err, sizeof err);
    ck_assert_msg (p != NULL, "%s", err);
    ck_assert_int_eq (map_proj_forward (p, 114.30, 30.59, &x, &y, err, sizeof err), 0);
    /* Web Mercator easting is R * lon in radians. */
    ck_assert_double_eq_tol (x, 6378137.0 * 114.30 * 3.14159265358979323846 / 180.0, 0.01);
    ck_assert_int_eq (map_proj_forward (p, -70, 30.59, &x, &y, err, sizeof err), 0); /* world-wide CRS */
    map_proj_destroy (&p);
}
END_TEST

START_TEST (test_unusable_crs_refused)
{
    char err[256] = "";
    ck_assert_ptr_null (map_proj_new (99999, err, sizeof err));
    ck_assert_msg (strstr (err, "99999") != NULL, "message: %s", err);
    ck_assert_msg (strstr (err, "EPSG:99999: ") == err && strlen (err) > strlen ("EPSG:99999: "), "message: %s", err);

    err[0] = '\0';
    ck_assert_ptr_null (map_proj_new (4326, err, sizeof err)); /* geographic, degrees */
    ck_assert_msg (strstr (err, "EPSG:4326 is not a projected metric CRS") != NULL, "message: %s", err);

    err[0] = '\0';
    ck_assert_ptr_null (map_proj_new (4978, err, sizeof err)); /* geocentric */
    ck_assert_msg (strstr (err, "4978") != NULL, "message: %s", err);

    err[0] = '\0';
    ck_assert_ptr_null (map_proj_new (2236, err, sizeof err)); /* projected, but in US feet */
    ck_assert_msg (strstr (err, "not a projected metric CRS") != NULL, "message: %s", err);
}
END_TEST

START_TEST (test_points_outside_domain_refused)
{
    char err[256] = "";
    map_proj_t *p = map_proj_new (32650, err, sizeof err);
    ck_assert_ptr_nonnull (p);
    double x = 7, y = 7;
    ck_assert_int_eq (map_proj_forward (p, 200, 30, &x, &y, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "lon 200.000000, lat 30.000000: outside the domain of EPSG:32650") != NULL,
                   "message: %s", err);
    ck_assert_int_eq (map_proj_forward (p, -70, 30.59, &x, &y, err, sizeof err), -1); /* another hemisphere */
    ck_assert_msg (strstr (err, "lon -70.000000") != NULL && strstr (err, "EPSG:32650") != NULL, "message: %s", err);
    ck_assert_int_eq (map_proj_forward (p, 114, 95, &x, &y, err, sizeof err), -1);
    ck_assert_int_eq (map_proj_forward (p, NAN, 30, &x, &y, err, sizeof err), -1);
    ck_assert_double_eq (x, 7); /* outputs untouched on failure */
    double lon, lat;
    ck_assert_int_eq (map_proj_inverse (p, 1e30, 1e30, &lon, &lat, err, sizeof err), -1);
    ck_assert_msg (strstr (err, "outside the domain of EPSG:32650") != NULL, "message: %s", err);
    ck_assert_int_eq (map_proj_inverse (p, INFINITY, 0, &lon, &lat, err, sizeof err), -1);
    /* An error leaves the projection usable. */
    ck_assert_int_eq (map_proj_forward (p, 114.30, 30.59, &x, &y, err, sizeof err), 0);
    ck_assert_double_eq_tol (x, 241099, 1.0);
    map_proj_destroy (&p);
    map_proj_destroy (&p); /* NULL-safe */
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_proj");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_wuhan_utm50);
    tcase_add_test (core, test_other_crs);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_unusable_crs_refused);
    tcase_add_test (limits, test_points_outside_domain_refused);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
