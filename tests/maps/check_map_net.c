/* check_map_net: a map specification opens the same network in every process, and a map file brings back exactly
 * what was saved, or is refused with a message when it is foreign, stale or damaged. */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>
#include <zlib.h>

#include "map_ch.h"
#include "map_file.h"
#include "map_net.h"
#include "map_wuhan.h"
#include "rt_check.h"
#include "rt_data.h"
#include "rt_proc.h"
#include "rt_rand.h"

/* Log lines collected from map_net_open. */
typedef struct {
    char text[8192];
} s_log_t;

static void s_on_log (const char *line, void *arg)
{
    s_log_t *l = arg;
    size_t used = strlen (l->text);
    snprintf (l->text + used, sizeof l->text - used, "%s\n", line);
}

static map_net_t *s_open (const char *source, int epsg, s_log_t *log, char *err, size_t errlen)
{
    map_spec_t spec = {.epsg = epsg, .grid_m = 600};
    snprintf (spec.source, sizeof spec.source, "%.500s", source);
    if (log) log->text[0] = '\0';
    return map_net_open (&spec, log ? s_on_log : NULL, log, err, errlen);
}

/* Same answers from two networks over the same graph: times and lengths of seeded random routes. */
static void s_assert_same_routes (const map_net_t *a, const map_net_t *b, int pairs)
{
    map_ch_query_t *qa = map_ch_query_new (map_net_ch (a)), *qb = map_ch_query_new (map_net_ch (b));
    ck_assert (qa && qb);
    uint32_t n = (uint32_t)map_graph_node_count (map_net_graph (a));
    uint64_t state = 12345;
    for (int i = 0; i < pairs; i++) {
        uint32_t from = (uint32_t)(rt_next (&state) % n), to = (uint32_t)(rt_next (&state) % n);
        map_route_t ra, rb;
        int ok_a = map_ch_route (qa, from, to, &ra), ok_b = map_ch_route (qb, from, to, &rb);
        ck_assert_int_eq (ok_a, ok_b);
        if (ok_a == 0) {
            ck_assert_int_eq (ra.time_ms, rb.time_ms);
            ck_assert_double_eq (ra.length_m, rb.length_m);
        }
    }
    map_ch_query_destroy (&qa);
    map_ch_query_destroy (&qb);
}

START_TEST (test_embedded_wuhan)
{
    char err[512] = "";
    map_net_t *net = s_open ("embedded:wuhan", 0, NULL, err, sizeof err);
    ck_assert_msg (net != NULL, "%s", err);
    map_graph_t *direct = map_wuhan_build (32650, 600, err, sizeof err);
    ck_assert_ptr_nonnull (direct);
    /* EPSG 0 means the UTM zone of the map's centre: Wuhan is in 50N. */
    ck_assert_int_eq (map_graph_epsg (map_net_graph (net)), 32650);
    ck_assert_uint_eq (map_graph_fingerprint (map_net_graph (net)), map_graph_fingerprint (direct));
    ck_assert_str_eq (map_net_meta (net)->source, "embedded:wuhan");
    ck_assert_uint_gt (map_ch_shortcut_count (map_net_ch (net)), 0);
    map_graph_destroy (&direct);
    map_net_destroy (&net);
}
END_TEST

START_TEST (test_unknown_sources_refused)
{
    char err[1024] = "";
    ck_assert_ptr_null (s_open ("embedded:paris", 0, NULL, err, sizeof err));
    ck_assert_str_eq (err, "map.source: 'embedded:paris': unknown embedded map (known: embedded:wuhan)");
    ck_assert_ptr_null (s_open ("/nonexistent/city.osm.pbf", 0, NULL, err, sizeof err));
    ck_assert_msg (strstr (err, "/nonexistent/city.osm.pbf") && strstr (err, "No such file"), "%s", err);
    ck_assert_ptr_null (s_open ("embedded:wuhan", 99999, NULL, err, sizeof err));
    ck_assert_msg (strstr (err, "99999") != NULL, "%s", err);
    ck_assert_ptr_null (s_open ("embedded:wuhan", 500, NULL, err, sizeof err));
    ck_assert_msg (strstr (err, "map.epsg: 500") != NULL, "%s", err);
    /* A source that fills the whole field (no terminator, as a hostile Hello could send) is refused safely. */
    map_spec_t spec = {.grid_m = 600};
    memset (spec.source, 'x', sizeof spec.source);
    ck_assert_ptr_null (map_net_open (&spec, NULL, NULL, err, sizeof err));
    ck_assert_msg (strstr (err, "longer than") != NULL, "%s", err);
}
END_TEST

/* Saves the default embedded map into dir/name; returns the network (caller destroys) and the path. */
static map_net_t *s_saved_wuhan (const char *dir, char *path, size_t size)
{
    char err[512] = "";
    map_net_t *net = s_open ("embedded:wuhan", 0, NULL, err, sizeof err);
    ck_assert_msg (net != NULL, "%s", err);
    snprintf (path, size, "%s/wuhan.map", dir);
    ck_assert_msg (map_net_save (net, path, err, sizeof err) == 0, "%s", err);
    return net;
}

START_TEST (test_map_file_round_trip)
{
    char *dir = rt_temp_dir ("map_net");
    char path[1024], err[1024] = "";
    map_net_t *built = s_saved_wuhan (dir, path, sizeof path);
    s_log_t log;
    map_net_t *loaded = s_open (path, 0, &log, err, sizeof err);
    ck_assert_msg (loaded != NULL, "%s", err);
    ck_assert_uint_eq (map_graph_fingerprint (map_net_graph (loaded)), map_graph_fingerprint (map_net_graph (built)));
    ck_assert_uint_eq (map_ch_shortcut_count (map_net_ch (loaded)), map_ch_shortcut_count (map_net_ch (built)));
    ck_assert_str_eq (map_net_meta (loaded)->source, "embedded:wuhan");
    ck_assert_double_eq (map_net_meta (loaded)->grid_m, 600);
    ck_assert_int_eq (map_net_meta (loaded)->epsg, 32650);
    s_assert_same_routes (built, loaded, 2000);
    /* Saving what was loaded gives the same bytes: nothing is lost or reordered on the way. */
    char again[1100];
    snprintf (again, sizeof again, "%s/again.map", dir);
    ck_assert_msg (map_net_save (loaded, again, err, sizeof err) == 0, "%s", err);
    ck_assert (rt_same_file (path, again));
    /* The file's own CRS is kept; asking for another is refused, not silently reprojected. */
    map_net_t *other = s_open (path, 32649, NULL, err, sizeof err);
    ck_assert_ptr_null (other);
    ck_assert_msg (strstr (err, "EPSG:32650") && strstr (err, "EPSG:32649"), "%s", err);
    map_net_destroy (&loaded);
    map_net_destroy (&built);
    free (dir);
}
END_TEST

/* Rewrites the header's own checksum after a deliberate change, so the change itself is what the reader meets. */
static void s_fix_header_crc (unsigned char *bytes)
{
    uLong crc = crc32 (0L, bytes, 28);
    for (int i = 0; i < 4; i++) bytes[28 + i] = (unsigned char)(crc >> (8 * i));
}

static void s_fix_payload_crc (unsigned char *bytes, size_t len)
{
    uLong crc = crc32 (0L, bytes + 32, (uInt)(len - 32));
    for (int i = 0; i < 4; i++) bytes[24 + i] = (unsigned char)(crc >> (8 * i));
    s_fix_header_crc (bytes);
}

static void s_write (const char *path, const void *data, size_t len)
{
    FILE *f = fopen (path, "wb");
    ck_assert_ptr_nonnull (f);
    ck_assert_uint_eq (fwrite (data, 1, len, f), len);
    ck_assert_int_eq (fclose (f), 0);
}

/* Opening path must fail with a message containing `expect`. */
static void s_expect_refused (const char *path, const char *expect)
{
    char err[1024] = "";
    map_net_t *net = s_open (path, 0, NULL, err, sizeof err);
    ck_assert_msg (net == NULL, "%s opened although it should be refused (%s)", path, expect);
    ck_assert_msg (strstr (err, expect) && strstr (err, path), "expected '%s' naming %s, got: %s", expect, path, err);
}

START_TEST (test_map_file_refusals)
{
    char *dir = rt_temp_dir ("map_net");
    char path[1024], bad[1100];
    map_net_t *net = s_saved_wuhan (dir, path, sizeof path);
    map_net_destroy (&net);
    size_t len;
    unsigned char *good = (unsigned char *)rt_slurp (path, &len);
    ck_assert_ptr_nonnull (good);
    unsigned char *copy = malloc (len);
    snprintf (bad, sizeof bad, "%s/bad.map", dir);

    /* Some other file under a .map name. */
    s_write (bad, "# not a map\n", 12);
    s_expect_refused (bad, "not a robotaxi map file");

    /* Cut short anywhere: in the header, and half way. */
    s_write (bad, good, 20);
    s_expect_refused (bad, "truncated map file");
    s_write (bad, good, len / 2);
    s_expect_refused (bad, "damaged map file");

    /* One bit flipped in the payload: the checksum catches it. */
    memcpy (copy, good, len);
    copy[len / 3] ^= 0x10;
    s_write (bad, copy, len);
    s_expect_refused (bad, "checksum mismatch");

    /* An older format version is stale, and says how to get a current file. */
    memcpy (copy, good, len);
    copy[8] = 0;
    s_fix_header_crc (copy);
    s_write (bad, copy, len);
    s_expect_refused (bad, "stale map file: format version 0");
    s_expect_refused (bad, "robotaxi-map import");

    /* Written on a machine of the other byte order. */
    memcpy (copy, good, len);
    for (int i = 0; i < 4; i++) copy[12 + i] = good[15 - i];
    s_fix_header_crc (copy);
    s_write (bad, copy, len);
    s_expect_refused (bad, "foreign byte order");

    /* Damage behind valid checksums (a buggy writer): counts and indexes are still checked. The metadata of an
     * embedded map is 190 bytes (the layout in map_file.c), so the node count sits at 32 + 190. */
    size_t node_count_at = 32 + 190;
    uint64_t nodes = 0;
    for (int i = 7; i >= 0; i--) nodes = (nodes << 8) | good[node_count_at + (size_t)i];
    ck_assert_uint_eq (nodes, 2946);
    memcpy (copy, good, len);
    copy[node_count_at + 5] = 0x7f; /* about 10^14 nodes: more than the file could hold */
    s_fix_payload_crc (copy, len);
    s_write (bad, copy, len);
    s_expect_refused (bad, "damaged map file");
    /* The first edge's head node, past the node list and the edge count, pointed outside the graph. */
    size_t first_edge_to_at = node_count_at + 8 + (size_t)nodes * 32 + 8 + 4;
    memcpy (copy, good, len);
    memset (copy + first_edge_to_at, 0xff, 4);
    s_fix_payload_crc (copy, len);
    s_write (bad, copy, len);
    s_expect_refused (bad, "damaged map file");

    free (copy);
    free (good);
    free (dir);
}
END_TEST

START_TEST (test_osm_cache_reused_and_refreshed)
{
    char src[1024];
    if (!rt_data (RT_OSMNX_DIR "/planet_10.068,48.135_10.071,48.137.osm", src, sizeof src)) return;
    char *dir = rt_temp_dir ("map_net");
    char osm[480], cache[480], err[1024] = "";
    snprintf (osm, sizeof osm, "%.400s/town.osm", dir);
    snprintf (cache, sizeof cache, "%.400s/town.map", dir);
    size_t len;
    char *bytes = rt_slurp (src, &len);
    ck_assert_ptr_nonnull (bytes);
    s_write (osm, bytes, len);
    free (bytes);

    map_spec_t spec = {0};
    snprintf (spec.source, sizeof spec.source, "%s", osm);
    snprintf (spec.cache, sizeof spec.cache, "%s", cache);
    s_log_t log = {""};
    map_net_t *first = map_net_open (&spec, s_on_log, &log, err, sizeof err);
    ck_assert_msg (first != NULL, "%s", err);
    ck_assert_msg (strstr (log.text, "importing") && strstr (log.text, "map cache written"), "%s", log.text);
    ck_assert_int_eq (access (cache, R_OK), 0);

    /* Unchanged extract: the cache is used, no import. */
    log.text[0] = '\0';
    map_net_t *second = map_net_open (&spec, s_on_log, &log, err, sizeof err);
    ck_assert_msg (second != NULL, "%s", err);
    ck_assert_msg (strstr (log.text, "importing") == NULL, "imported again: %s", log.text);
    ck_assert_uint_eq (map_graph_fingerprint (map_net_graph (first)), map_graph_fingerprint (map_net_graph (second)));
    map_net_destroy (&second);

    /* The extract changed (a newer download): the stale cache is noticed and rewritten. */
    struct utimbuf later = {.actime = 2000000000, .modtime = 2000000000};
    ck_assert_int_eq (utime (osm, &later), 0);
    log.text[0] = '\0';
    second = map_net_open (&spec, s_on_log, &log, err, sizeof err);
    ck_assert_msg (second != NULL, "%s", err);
    ck_assert_msg (strstr (log.text, "changed") && strstr (log.text, "importing"), "%s", log.text);
    map_net_destroy (&second);

    /* Other road classes asked for: not the cached network either. */
    snprintf (spec.highways, sizeof spec.highways, "residential");
    log.text[0] = '\0';
    second = map_net_open (&spec, s_on_log, &log, err, sizeof err);
    ck_assert_msg (second != NULL, "%s", err);
    ck_assert_msg (strstr (log.text, "other highway classes") && strstr (log.text, "importing"), "%s", log.text);
    ck_assert_str_eq (map_net_meta (second)->highways, "residential");
    /* ... and the cache now holds that import, so the next open with these classes reuses it. */
    map_net_destroy (&second);
    log.text[0] = '\0';
    second = map_net_open (&spec, s_on_log, &log, err, sizeof err);
    ck_assert_msg (second != NULL, "%s", err);
    ck_assert_msg (strstr (log.text, "importing") == NULL, "imported again: %s", log.text);
    map_net_destroy (&second);
    map_net_destroy (&first);
    free (dir);
}
END_TEST

/* The embedded city cached: built and written once, then loaded (no contraction) while grid, projection and
 * generator match; another grid is built again and rewrites the cache. */
START_TEST (test_embedded_cache_reused_and_refreshed)
{
    char *dir = rt_temp_dir ("map_net_embedded");
    char cache[480], err[1024] = "";
    snprintf (cache, sizeof cache, "%.400s/wuhan.map", dir);
    map_spec_t spec = {.grid_m = 900};
    snprintf (spec.source, sizeof spec.source, "embedded:wuhan");
    snprintf (spec.cache, sizeof spec.cache, "%s", cache);
    s_log_t log = {""};
    map_net_t *first = map_net_open (&spec, s_on_log, &log, err, sizeof err);
    ck_assert_msg (first != NULL, "%s", err);
    ck_assert_msg (strstr (log.text, "map cache written") && !strstr (log.text, "from its cache"), "%s", log.text);
    ck_assert_int_eq (access (cache, R_OK), 0);

    log.text[0] = '\0';
    map_net_t *second = map_net_open (&spec, s_on_log, &log, err, sizeof err);
    ck_assert_msg (second != NULL, "%s", err);
    ck_assert_msg (strstr (log.text, "from its cache") && !strstr (log.text, "written"), "%s", log.text);
    ck_assert_uint_eq (map_graph_fingerprint (map_net_graph (first)), map_graph_fingerprint (map_net_graph (second)));
    ck_assert_uint_eq (map_ch_shortcut_count (map_net_ch (first)), map_ch_shortcut_count (map_net_ch (second)));
    map_net_destroy (&second);

    /* Another grid: not the cached city; built again, and the cache now holds the new one. */
    spec.grid_m = 1200;
    log.text[0] = '\0';
    second = map_net_open (&spec, s_on_log, &log, err, sizeof err);
    ck_assert_msg (second != NULL, "%s", err);
    ck_assert_msg (strstr (log.text, "not used") && strstr (log.text, "900 m grid") && strstr (log.text, "written"),
                   "%s", log.text);
    ck_assert_uint_ne (map_graph_fingerprint (map_net_graph (first)), map_graph_fingerprint (map_net_graph (second)));
    ck_assert_double_eq (map_net_meta (second)->grid_m, 1200);
    map_net_destroy (&second);
    log.text[0] = '\0';
    second = map_net_open (&spec, s_on_log, &log, err, sizeof err);
    ck_assert_msg (second != NULL && strstr (log.text, "from its cache"), "%s", log.text);
    map_net_destroy (&second);
    map_net_destroy (&first);
    free (dir);
}
END_TEST

int main (void)
{
    Suite *s = suite_create ("map_net");
    TCase *core = tcase_create ("core");
    tcase_add_test (core, test_embedded_wuhan);
    tcase_add_test (core, test_map_file_round_trip);
    tcase_add_test (core, test_osm_cache_reused_and_refreshed);
    tcase_add_test (core, test_embedded_cache_reused_and_refreshed);
    suite_add_tcase (s, core);
    TCase *limits = tcase_create ("limits");
    tcase_add_test (limits, test_unknown_sources_refused);
    tcase_add_test (limits, test_map_file_refusals);
    suite_add_tcase (s, limits);
    return rt_check_run (s);
}
