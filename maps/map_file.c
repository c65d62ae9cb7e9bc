/* map_file: the map cache format. Layout (all integers little-endian, doubles as their IEEE-754 bits):
 *
 *   header, 32 bytes: magic "\x89RTMAP\r\n" | u32 version | u32 byte-order mark 0x0A0B0C0D | u64 payload bytes |
 *                     u32 crc32 of the payload | u32 crc32 of the 28 bytes before it
 *   payload: metadata | graph (nodes, edges with their exact times) | u64 length + the hierarchy's own bytes
 *
 * The magic's high byte and CR LF catch text-mode copies; the checksums catch truncation and bit rot; the version
 * catches files written by an older or newer robotaxi. The whole file is read and checked before any of it is used,
 * and every count is checked against the bytes that remain, so a damaged file cannot make the reader allocate wildly
 * or build a half graph. */
#include "map_file.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "map_error.h"

static const unsigned char s_magic[8] = {0x89, 'R', 'T', 'M', 'A', 'P', '\r', '\n'};
#define S_BOM 0x0A0B0C0Du
#define S_HEADER_BYTES 32
#define S_NODE_BYTES 32                        /* lon, lat, x, y */
#define S_EDGE_BYTES (4 + 4 + 8 + 8 + 4 + 1)   /* from, to, length, time, speed, class */

/* ---- writing: a growable little-endian byte buffer ---- */

typedef struct {
    unsigned char *data;
    size_t len, cap;
    int failed;                /* out of memory: later puts do nothing */
} s_buf_t;

static void s_put (s_buf_t *b, const void *data, size_t n)
{
    if (b->failed) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        unsigned char *grown = realloc (b->data, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy (b->data + b->len, data, n);
    b->len += n;
}

static void s_put_u64 (s_buf_t *b, uint64_t v)
{
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++) bytes[i] = (unsigned char)(v >> (8 * i));
    s_put (b, bytes, 8);
}

static void s_put_u32 (s_buf_t *b, uint32_t v)
{
    unsigned char bytes[4];
    for (int i = 0; i < 4; i++) bytes[i] = (unsigned char)(v >> (8 * i));
    s_put (b, bytes, 4);
}

static void s_put_f64 (s_buf_t *b, double v)
{
    uint64_t bits;
    memcpy (&bits, &v, sizeof bits);
    s_put_u64 (b, bits);
}

static void s_put_f32 (s_buf_t *b, float v)
{
    uint32_t bits;
    memcpy (&bits, &v, sizeof bits);
    s_put_u32 (b, bits);
}

static void s_put_str (s_buf_t *b, const char *s, size_t field_size)
{
    size_t n = strnlen (s, field_size);
    s_put_u32 (b, (uint32_t)n);
    s_put (b, s, n);
}

/* map_ch_save's callback: the hierarchy writes in its own little-endian layout. */
static int s_ch_write (const void *data, size_t size, void *arg)
{
    s_buf_t *b = arg;
    s_put (b, data, size);
    return b->failed ? -1 : 0;
}

static void s_put_meta (s_buf_t *b, const map_meta_t *meta, uint64_t fingerprint)
{
    s_put_str (b, meta->source, sizeof meta->source);
    s_put_u64 (b, meta->source_bytes);
    s_put_u64 (b, (uint64_t)meta->source_mtime_s);
    s_put_str (b, meta->highways, sizeof meta->highways);
    s_put_f64 (b, meta->grid_m);
    s_put_u32 (b, (uint32_t)meta->epsg);
    const map_osm_stats_t *o = &meta->osm;
    uint64_t counts[] = {o->osm_nodes,       o->osm_ways,         o->ways_kept,     o->ways_oneway,
                         o->maxspeed_tagged, o->maxspeed_unknown, o->segments_missing, o->components,
                         o->nodes_dropped,   o->edges_dropped,    o->nodes,         o->edges};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) s_put_u64 (b, counts[i]);
    s_put_u32 (b, (uint32_t)o->epsg);
    s_put_f64 (b, o->lon_min);
    s_put_f64 (b, o->lat_min);
    s_put_f64 (b, o->lon_max);
    s_put_f64 (b, o->lat_max);
    s_put_u64 (b, fingerprint);
}

int map_file_save (const char *path, const map_graph_t *g, const map_ch_t *ch, const map_meta_t *meta, char *err,
                   size_t errlen)
{
    assert (path && g && ch && meta && map_ch_graph (ch) == g);
    s_buf_t b = {0};
    /* Header first with zero sums; filled in once the payload is complete. */
    s_put (&b, s_magic, sizeof s_magic);
    s_put_u32 (&b, MAP_FILE_VERSION);
    s_put_u32 (&b, S_BOM);
    s_put_u64 (&b, 0);
    s_put_u32 (&b, 0);
    s_put_u32 (&b, 0);

    s_put_meta (&b, meta, map_graph_fingerprint (g));
    size_t n = map_graph_node_count (g), m = map_graph_edge_count (g);
    s_put_u64 (&b, n);
    for (uint32_t v = 0; v < n; v++) {
        const map_node_t *node = map_graph_node (g, v);
        s_put_f64 (&b, node->lon);
        s_put_f64 (&b, node->lat);
        s_put_f64 (&b, node->x);
        s_put_f64 (&b, node->y);
    }
    s_put_u64 (&b, m);
    for (uint32_t e = 0; e < m; e++) {
        const map_edge_t *edge = map_graph_edge (g, e);
        s_put_u32 (&b, edge->from);
        s_put_u32 (&b, edge->to);
        s_put_f64 (&b, edge->length_m);
        s_put_u64 (&b, (uint64_t)edge->time_ms);
        s_put_f32 (&b, edge->speed_kmh);
        s_put (&b, &edge->road_class, 1);
    }
    size_t ch_len_at = b.len;
    s_put_u64 (&b, 0);
    if (!b.failed && map_ch_save (ch, s_ch_write, &b) < 0 && !b.failed) {
        free (b.data);
        return map_error (err, errlen, "%s: cannot store the contraction hierarchy", path);
    }
    if (b.failed) {
        free (b.data);
        return map_error (err, errlen, "%s: out of memory", path);
    }
    uint64_t ch_len = b.len - ch_len_at - 8;
    for (int i = 0; i < 8; i++) b.data[ch_len_at + (size_t)i] = (unsigned char)(ch_len >> (8 * i));

    /* Now the sums over the finished payload, then over the header itself. */
    uint64_t payload = b.len - S_HEADER_BYTES;
    uLong crc = crc32_z (0L, b.data + S_HEADER_BYTES, payload);
    for (int i = 0; i < 8; i++) b.data[16 + i] = (unsigned char)(payload >> (8 * i));
    for (int i = 0; i < 4; i++) b.data[24 + i] = (unsigned char)(crc >> (8 * i));
    uLong head = crc32_z (0L, b.data, 28);
    for (int i = 0; i < 4; i++) b.data[28 + i] = (unsigned char)(head >> (8 * i));

    /* Write beside the target and rename: readers see the old file or the new one, never half of one. */
    char tmp[4200];
    if ((size_t)snprintf (tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid ()) >= sizeof tmp) {
        free (b.data);
        return map_error (err, errlen, "%.200s...: path too long", path);
    }
    FILE *f = fopen (tmp, "wb");
    int ok = f && fwrite (b.data, 1, b.len, f) == b.len;
    int saved_errno = errno;
    if (f && fclose (f) != 0 && ok) {
        ok = 0;
        saved_errno = errno;
    }
    free (b.data);
    if (!ok || rename (tmp, path) != 0) {
        if (ok) saved_errno = errno;
        unlink (tmp);
        return map_error (err, errlen, "%s: cannot write: %s", path, strerror (saved_errno));
    }
    return 0;
}

/* ---- reading: a bounds-checked cursor over the whole file ---- */

typedef struct {
    const unsigned char *p, *end;
    int short_read;            /* set once a read ran past the end */
} s_cur_t;

static const unsigned char *s_take (s_cur_t *c, size_t n)
{
    if (c->short_read || (size_t)(c->end - c->p) < n) {
        c->short_read = 1;
        return NULL;
    }
    const unsigned char *at = c->p;
    c->p += n;
    return at;
}

static uint64_t s_get_u64 (s_cur_t *c)
{
    const unsigned char *at = s_take (c, 8);
    uint64_t v = 0;
    if (at)
        for (int i = 7; i >= 0; i--) v = (v << 8) | at[i];
    return v;
}

static uint32_t s_get_u32 (s_cur_t *c)
{
    const unsigned char *at = s_take (c, 4);
    uint32_t v = 0;
    if (at)
        for (int i = 3; i >= 0; i--) v = (v << 8) | at[i];
    return v;
}

static double s_get_f64 (s_cur_t *c)
{
    uint64_t bits = s_get_u64 (c);
    double v;
    memcpy (&v, &bits, sizeof v);
    return v;
}

static float s_get_f32 (s_cur_t *c)
{
    uint32_t bits = s_get_u32 (c);
    float v;
    memcpy (&v, &bits, sizeof v);
    return v;
}

/* A length-prefixed string into a field of `size` bytes; a string that would not fit is damage. */
static int s_get_str (s_cur_t *c, char *out, size_t size)
{
    uint32_t n = s_get_u32 (c);
    const unsigned char *at = n < size ? s_take (c, n) : NULL;
    if (!at) {
        c->short_read = 1;
        out[0] = '\0';
        return -1;
    }
    memcpy (out, at, n);
    out[n] = '\0';
    return 0;
}

static void s_get_meta (s_cur_t *c, map_meta_t *meta, uint64_t *fingerprint)
{
    memset (meta, 0, sizeof *meta);
    s_get_str (c, meta->source, sizeof meta->source);
    meta->source_bytes = s_get_u64 (c);
    meta->source_mtime_s = (int64_t)s_get_u64 (c);
    s_get_str (c, meta->highways, sizeof meta->highways);
    meta->grid_m = s_get_f64 (c);
    meta->epsg = (int)s_get_u32 (c);
    map_osm_stats_t *o = &meta->osm;
    o->osm_nodes = s_get_u64 (c);
    o->osm_ways = s_get_u64 (c);
    o->ways_kept = s_get_u64 (c);
    o->ways_oneway = s_get_u64 (c);
    o->maxspeed_tagged = s_get_u64 (c);
    o->maxspeed_unknown = s_get_u64 (c);
    o->segments_missing = s_get_u64 (c);
    o->components = (size_t)s_get_u64 (c);
    o->nodes_dropped = (size_t)s_get_u64 (c);
    o->edges_dropped = (size_t)s_get_u64 (c);
    o->nodes = (size_t)s_get_u64 (c);
    o->edges = (size_t)s_get_u64 (c);
    o->epsg = (int)s_get_u32 (c);
    o->lon_min = s_get_f64 (c);
    o->lat_min = s_get_f64 (c);
    o->lon_max = s_get_f64 (c);
    o->lat_max = s_get_f64 (c);
    *fingerprint = s_get_u64 (c);
}

/* Reads the whole of path and checks the header and both checksums. 0 with the payload as a cursor (*data owns
 * the bytes; free it), or -1 with a message. */
static int s_read_checked (const char *path, unsigned char **data, s_cur_t *payload, char *err, size_t errlen)
{
    *data = NULL;
    FILE *f = fopen (path, "rb");
    if (!f) return map_error (err, errlen, "%s: cannot open: %s", path, strerror (errno));
    unsigned char head[S_HEADER_BYTES];
    size_t got = fread (head, 1, sizeof head, f);
    if (got < sizeof s_magic || memcmp (head, s_magic, sizeof s_magic) != 0) {
        fclose (f);
        return map_error (err, errlen, "%s: not a robotaxi map file (make one with robotaxi-map import)", path);
    }
    if (got < sizeof head) {
        fclose (f);
        return map_error (err, errlen, "%s: truncated map file (%zu bytes)", path, got);
    }
    s_cur_t c = {head, head + sizeof head, 0};
    s_take (&c, sizeof s_magic);
    uint32_t version = s_get_u32 (&c), bom = s_get_u32 (&c);
    uint64_t payload_len = s_get_u64 (&c);
    uint32_t payload_crc = s_get_u32 (&c), head_crc = s_get_u32 (&c);
    if ((uint32_t)crc32_z (0L, head, 28) != head_crc) {
        fclose (f);
        return map_error (err, errlen, "%s: damaged map file (header checksum mismatch)", path);
    }
    if (bom != S_BOM) {
        fclose (f);
        return map_error (err, errlen, "%s: map file has a foreign byte order", path);
    }
    if (version != MAP_FILE_VERSION) {
        fclose (f);
        return map_error (err, errlen,
                          "%s: stale map file: format version %u, this robotaxi reads version %u; re-import the "
                          "source with robotaxi-map import",
                          path, version, MAP_FILE_VERSION);
    }
    if (fseek (f, 0, SEEK_END) != 0) {
        fclose (f);
        return map_error (err, errlen, "%s: cannot seek: %s", path, strerror (errno));
    }
    long size = ftell (f);
    if (size < 0 || (uint64_t)size - S_HEADER_BYTES != payload_len) {
        fclose (f);
        return map_error (err, errlen, "%s: damaged map file (%ld bytes; the header says %llu)", path, size,
                          (unsigned long long)(payload_len + S_HEADER_BYTES));
    }
    unsigned char *bytes = malloc (payload_len ? payload_len : 1);
    if (!bytes) {
        fclose (f);
        return map_error (err, errlen, "%s: out of memory for %llu bytes", path, (unsigned long long)payload_len);
    }
    int ok = fseek (f, S_HEADER_BYTES, SEEK_SET) == 0 && fread (bytes, 1, payload_len, f) == payload_len;
    fclose (f);
    if (!ok) {
        free (bytes);
        return map_error (err, errlen, "%s: read error", path);
    }
    if ((uint32_t)crc32_z (0L, bytes, payload_len) != payload_crc) {
        free (bytes);
        return map_error (err, errlen, "%s: damaged map file (checksum mismatch)", path);
    }
    *data = bytes;
    *payload = (s_cur_t){bytes, bytes + payload_len, 0};
    return 0;
}

int map_file_is_map (const char *path)
{
    unsigned char head[sizeof s_magic];
    FILE *f = fopen (path, "rb");
    if (!f) return 0;
    size_t got = fread (head, 1, sizeof head, f);
    fclose (f);
    return got == sizeof head && memcmp (head, s_magic, sizeof s_magic) == 0;
}

/* map_ch_load's callback. */
static int s_ch_read (void *out, size_t size, void *arg)
{
    const unsigned char *at = s_take (arg, size);
    if (!at) return -1;
    memcpy (out, at, size);
    return 0;
}

int map_file_load (const char *path, map_graph_t **g_out, map_ch_t **ch_out, map_meta_t *meta, char *err,
                   size_t errlen)
{
    assert (path && g_out && ch_out && meta);
    *g_out = NULL;
    *ch_out = NULL;
    unsigned char *data;
    s_cur_t c;
    if (s_read_checked (path, &data, &c, err, errlen) < 0) return -1;
    map_graph_t *g = NULL;
    uint64_t fingerprint;
    s_get_meta (&c, meta, &fingerprint);
    if (c.short_read) goto damaged;

    uint64_t n = s_get_u64 (&c);
    if (n == 0 || n >= MAP_NODE_NONE || n > (uint64_t)(c.end - c.p) / S_NODE_BYTES) goto damaged;
    g = map_graph_new (meta->epsg);
    if (!g) goto oom;
    for (uint64_t v = 0; v < n; v++) {
        double lon = s_get_f64 (&c), lat = s_get_f64 (&c), x = s_get_f64 (&c), y = s_get_f64 (&c);
        if (map_graph_add_node (g, lon, lat, x, y) == MAP_NODE_NONE) goto damaged;
    }
    uint64_t m = s_get_u64 (&c);
    if (m >= MAP_NODE_NONE || m > (uint64_t)(c.end - c.p) / S_EDGE_BYTES) goto damaged;
    for (uint64_t e = 0; e < m; e++) {
        map_edge_t edge;
        edge.from = s_get_u32 (&c);
        edge.to = s_get_u32 (&c);
        edge.length_m = s_get_f64 (&c);
        edge.time_ms = (int64_t)s_get_u64 (&c);
        edge.speed_kmh = s_get_f32 (&c);
        const unsigned char *cls = s_take (&c, 1);
        edge.road_class = cls ? *cls : 0xff;
        if (map_graph_restore_edge (g, &edge) < 0) goto damaged;
    }
    if (map_graph_finish (g) < 0) goto oom;
    /* The stored edges were already sorted and unique; anything else means the file is not what was saved. */
    if (map_graph_edge_count (g) != m || map_graph_fingerprint (g) != fingerprint) goto damaged;

    uint64_t ch_len = s_get_u64 (&c);
    if (c.short_read || ch_len != (uint64_t)(c.end - c.p)) goto damaged;
    char why[256] = "";
    map_ch_t *ch = map_ch_load (g, s_ch_read, &c, why, sizeof why);
    if (!ch) {
        map_graph_destroy (&g);
        free (data);
        return map_error (err, errlen, "%s: damaged map file (contraction hierarchy: %s)", path, why);
    }
    if (c.p != c.end) {
        map_ch_destroy (&ch);
        goto damaged;
    }
    free (data);
    *g_out = g;
    *ch_out = ch;
    return 0;

damaged:
    map_graph_destroy (&g);
    free (data);
    return map_error (err, errlen, "%s: damaged map file (its contents do not match its own counts)", path);
oom:
    map_graph_destroy (&g);
    free (data);
    return map_error (err, errlen, "%s: out of memory", path);
}
