/* map_proj: WGS84 lon/lat <-> a projected metric CRS through PROJ. One PJ_CONTEXT and one PJ per object, built once
 * and reused; PROJ's errors are read from the context and turned into messages that name the point. */
#include "map_proj.h"

#include <assert.h>
#include <math.h>
#include <proj.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How far outside the CRS's published area of use a point may lie. UTM zones are 6 degrees wide and stay usable
 * (if distorted) a zone beyond their edges; farther out transverse Mercator breaks down. */
#define S_AREA_MARGIN_DEG 6.0

struct map_proj_t {
    int epsg;
    PJ_CONTEXT *ctx;
    PJ *pj;                          /* EPSG:4326 -> EPSG:<epsg>, normalised to lon/lat and easting/northing */
    double west, south, east, north; /* area of use of the target CRS, degrees; west > east crosses 180 */
    char last_log[200]; /* PROJ's last logged error, more telling than its error code ("crs not found") */
};

/* PROJ log callback: keeps the last message instead of printing it. */
static void s_on_log (void *arg, int level, const char *msg)
{
    map_proj_t *self = arg;
    (void)level;
    snprintf (self->last_log, sizeof self->last_log, "%s", msg ? msg : "");
}

/* What went wrong in the last PROJ call on self's context, never NULL. Strips PROJ's "function: " prefix. */
static const char *s_proj_error (map_proj_t *self)
{
    if (self->last_log[0]) {
        const char *colon = strstr (self->last_log, ": ");
        return colon ? colon + 2 : self->last_log;
    }
    int code = proj_context_errno (self->ctx);
    const char *text = code ? proj_context_errno_string (self->ctx, code) : NULL;
    return text ? text : "unknown PROJ error";
}

/* Checks that crs is a projected CRS whose first two axes are in metres. 0, or -1 with a message. */
static int s_check_metric (PJ_CONTEXT *ctx, PJ *crs, int epsg, char *err, size_t errlen)
{
    if (proj_get_type (crs) != PJ_TYPE_PROJECTED_CRS) {
        snprintf (err, errlen, "EPSG:%d is not a projected metric CRS", epsg);
        return -1;
    }
    PJ *cs = proj_crs_get_coordinate_system (ctx, crs);
    int ok = cs && proj_cs_get_axis_count (ctx, cs) >= 2;
    for (int i = 0; ok && i < 2; i++) {
        double factor = 0;
        if (!proj_cs_get_axis_info (ctx, cs, i, NULL, NULL, NULL, &factor, NULL, NULL, NULL) || factor != 1.0) ok = 0;
    }
    proj_destroy (cs);
    if (!ok) {
        snprintf (err, errlen, "EPSG:%d is not a projected metric CRS (axes are not in metres)", epsg);
        return -1;
    }
    return 0;
}

map_proj_t *map_proj_new (int epsg, char *err, size_t errlen)
{
    map_proj_t *self = calloc (1, sizeof *self);
    PJ *crs = NULL;
    if (!self) {
        snprintf (err, errlen, "EPSG:%d: out of memory", epsg);
        return NULL;
    }
    self->epsg = epsg;
    self->ctx = proj_context_create ();
    if (!self->ctx) {
        snprintf (err, errlen, "EPSG:%d: cannot create a PROJ context", epsg);
        goto err;
    }
    /* Errors come back as messages; PROJ's log is captured rather than printed on stderr. */
    proj_log_func (self->ctx, self, s_on_log);
    proj_log_level (self->ctx, PJ_LOG_ERROR);

    char target[32];
    snprintf (target, sizeof target, "EPSG:%d", epsg);
    crs = proj_create (self->ctx, target);
    if (!crs) {
        snprintf (err, errlen, "EPSG:%d: %s", epsg, s_proj_error (self));
        goto err;
    }
    if (s_check_metric (self->ctx, crs, epsg, err, errlen)) goto err;
    self->west = -180, self->south = -90, self->east = 180, self->north = 90;
    double w, s, e, n;
    if (proj_get_area_of_use (self->ctx, crs, &w, &s, &e, &n, NULL) && w > -1000) {
        self->west = w, self->south = s, self->east = e, self->north = n;
    }

    self->last_log[0] = '\0';
    PJ *raw = proj_create_crs_to_crs (self->ctx, "EPSG:4326", target, NULL);
    if (!raw) {
        snprintf (err, errlen, "EPSG:%d: %s", epsg, s_proj_error (self));
        goto err;
    }
    /* EPSG:4326 is latitude first; normalising makes the input lon, lat and the output easting, northing. */
    self->pj = proj_normalize_for_visualization (self->ctx, raw);
    proj_destroy (raw);
    if (!self->pj) {
        snprintf (err, errlen, "EPSG:%d: %s", epsg, s_proj_error (self));
        goto err;
    }
    proj_destroy (crs);
    return self;

err:
    proj_destroy (crs);
    map_proj_destroy (&self);
    return NULL;
}

void map_proj_destroy (map_proj_t **self_p)
{
    if (!self_p || !*self_p) return;
    map_proj_t *self = *self_p;
    proj_destroy (self->pj);
    if (self->ctx) proj_context_destroy (self->ctx);
    free (self);
    *self_p = NULL;
}

/* True when lon/lat lies inside the area of use widened by the margin. Longitudes wrap when the area crosses 180. */
static bool s_in_area (const map_proj_t *self, double lon, double lat)
{
    if (lat < self->south - S_AREA_MARGIN_DEG || lat > self->north + S_AREA_MARGIN_DEG) return false;
    double w = self->west - S_AREA_MARGIN_DEG, e = self->east + S_AREA_MARGIN_DEG;
    if (self->west <= self->east) {
        if (e - w >= 360) return true;
        /* The widened range may itself spill over +-180. */
        return (lon >= w && lon <= e) || (lon + 360 >= w && lon + 360 <= e) || (lon - 360 >= w && lon - 360 <= e);
    }
    return lon >= w || lon <= e; /* crosses the antimeridian */
}

/* Runs PROJ in direction dir on (a, b). 0, or -1 when PROJ fails or returns a non-finite result; the PJ's error
 * state is reset either way so the next call starts clean. */
static int s_trans (map_proj_t *self, PJ_DIRECTION dir, double a, double b, double *out_a, double *out_b,
                    const char **why)
{
    proj_errno_reset (self->pj);
    PJ_COORD c = proj_coord (a, b, 0, 0);
    PJ_COORD r = proj_trans (self->pj, dir, c);
    int code = proj_errno (self->pj);
    if (code || !isfinite (r.xy.x) || !isfinite (r.xy.y)) { /* HUGE_VAL is infinite */
        const char *text = code ? proj_context_errno_string (self->ctx, code) : NULL;
        *why = text ? text : "no finite result";
        proj_errno_reset (self->pj);
        return -1;
    }
    *out_a = r.xy.x;
    *out_b = r.xy.y;
    return 0;
}

int map_proj_forward (map_proj_t *self, double lon, double lat, double *x, double *y, char *err, size_t errlen)
{
    assert (self && x && y);
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
        snprintf (err, errlen, "lon %f, lat %f: outside the domain of EPSG:%d (not a longitude/latitude in degrees)",
                  lon, lat, self->epsg);
        return -1;
    }
    if (!s_in_area (self, lon, lat)) {
        snprintf (err, errlen,
                  "lon %f, lat %f: outside the domain of EPSG:%d (area of use %.1f..%.1f E, %.1f..%.1f N)", lon, lat,
                  self->epsg, self->west, self->east, self->south, self->north);
        return -1;
    }
    const char *why = NULL;
    if (s_trans (self, PJ_FWD, lon, lat, x, y, &why)) {
        snprintf (err, errlen, "lon %f, lat %f: outside the domain of EPSG:%d (%s)", lon, lat, self->epsg, why);
        return -1;
    }
    return 0;
}

int map_proj_inverse (map_proj_t *self, double x, double y, double *lon, double *lat, char *err, size_t errlen)
{
    assert (self && lon && lat);
    const char *why = NULL;
    if (!isfinite (x) || !isfinite (y)) {
        snprintf (err, errlen, "x %.3f, y %.3f: not a finite point", x, y);
        return -1;
    }
    double a, b;
    if (s_trans (self, PJ_INV, x, y, &a, &b, &why)) {
        snprintf (err, errlen, "x %.3f, y %.3f: outside the domain of EPSG:%d (%s)", x, y, self->epsg, why);
        return -1;
    }
    if (!s_in_area (self, a, b)) {
        snprintf (err, errlen, "x %.3f, y %.3f: lon %f, lat %f is outside the domain of EPSG:%d", x, y, a, b,
                  self->epsg);
        return -1;
    }
    *lon = a;
    *lat = b;
    return 0;
}

int map_proj_epsg (const map_proj_t *self)
{
    assert (self);
    return self->epsg;
}
