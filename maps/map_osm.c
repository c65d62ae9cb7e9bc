/* map_osm: the OpenStreetMap importer. libreadosm reads the file (XML or PBF) in two passes so that memory follows
 * the drivable network, not the whole extract:
 *   pass 1, ways only: the drivable ways are kept with their tags already turned into directions, speeds and a
 *           road class, and their node references collected; the references are then sorted into the list of the
 *           nodes needed (ids ascending) and each reference becomes an index into it;
 *   pass 2, nodes only: each node is looked up by binary search and, when needed, its lon/lat stored.
 * Then the directed edges are laid between consecutive nodes of each way, the strongly connected components found
 * (iterative Tarjan: no recursion, graphs may have millions of nodes), and the largest one projected with PROJ into
 * the graph. Graph node ids follow the OSM node ids, so the same file always gives the same graph.
 * Working memory is about 8 bytes per way-node reference, 60 per road node and 20 per directed edge (plus the graph
 * itself), so a city extract needs tens of megabytes whatever else (buildings, POIs) the file holds. The second pass
 * costs little: readosm decodes ways fast when no node callback is given, and nodes without the way callback.
 *
 * Edge lengths are geodesic (PROJ's geod_inverse on the WGS84 ellipsoid), so they do not depend on the CRS chosen:
 * EPSG:3857 would otherwise stretch every road by 1/cos(latitude). A way segment whose node is not in the file (ways
 * cut at an extract's border) is dropped and counted; the rest of the way stays. maxspeed:forward/backward are
 * honoured per direction; conditional, lane and vehicle-specific limits (maxspeed:conditional, :lanes, :hgv) and turn
 * restrictions (relations) are not read. */
#include "map_osm.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <expat.h>
#include <geodesic.h>
#include <math.h>
#include <readosm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "map_error.h"
#include "map_proj.h"
#include "map_mem.h"

/* ---- Facts: highway classes, zone speed limits. ------------------------------------------------------------- */

/* Every highway=* value the importer can keep, with its free-flow speed when the way has no usable maxspeed (km/h;
 * links a bit slower than their road) and its road class. "road" (not yet classified) and "track" are known so that
 * a caller may opt in; they are not in MAP_OSM_DEFAULT_HIGHWAYS. */
static const struct {
    const char *value;
    double speed_kmh;
    map_road_class_t road_class;
} s_highways[] = {
    {"motorway", 100, MAP_ROAD_EXPRESSWAY}, {"motorway_link", 60, MAP_ROAD_EXPRESSWAY},
    {"trunk", 80, MAP_ROAD_EXPRESSWAY},     {"trunk_link", 50, MAP_ROAD_EXPRESSWAY},
    {"primary", 60, MAP_ROAD_ARTERIAL},     {"primary_link", 45, MAP_ROAD_ARTERIAL},
    {"secondary", 50, MAP_ROAD_SECONDARY},  {"secondary_link", 40, MAP_ROAD_SECONDARY},
    {"tertiary", 40, MAP_ROAD_SECONDARY},   {"tertiary_link", 30, MAP_ROAD_SECONDARY},
    {"unclassified", 30, MAP_ROAD_LOCAL},   {"residential", 30, MAP_ROAD_LOCAL},
    {"living_street", 10, MAP_ROAD_LOCAL},  {"service", 20, MAP_ROAD_LOCAL},
    {"road", 30, MAP_ROAD_LOCAL},           {"track", 15, MAP_ROAD_LOCAL},
};

#define S_HIGHWAY_COUNT (sizeof s_highways / sizeof s_highways[0])
_Static_assert(S_HIGHWAY_COUNT <= 32, "the highway list is a 32-bit mask");

#define S_KMH_PER_MPH  1.609344
#define S_KMH_PER_KNOT 1.852
#define S_WALK_KMH     5.0   /* "walk": walking pace */
#define S_MAX_KMH      300.0 /* a maxspeed above this is taken for a typo */

/* Implicit speed limits ("FR:urban", "DE:motorway"), km/h, from the national defaults for cars listed on the OSM
 * wiki's "Default speed limits" page; 0 means "use the generic row". "trunk" takes the rural value. Countries not
 * listed use the generic row, which is also used for a region code ("BE-VLG") of a country not listed. */
static const struct {
    const char *country;
    double urban, rural, motorway, living_street;
} s_zones[] = {
    {"AT", 50, 100, 130, S_WALK_KMH},
    {"BE", 50, 90, 120, 20},
    {"CH", 50, 80, 120, 20},
    {"CN", 50, 70, 120, 0},
    {"CZ", 50, 90, 130, 20},
    {"DE", 50, 100, 130, S_WALK_KMH}, /* DE:motorway has no limit; 130 is the advisory speed */
    {"DK", 50, 80, 130, 15},
    {"ES", 50, 90, 120, 20},
    {"FI", 50, 80, 120, 20},
    {"FR", 50, 80, 130, 20},
    {"GB", 30 * S_KMH_PER_MPH, 60 * S_KMH_PER_MPH, 70 * S_KMH_PER_MPH, 0},
    {"IT", 50, 90, 130, 0},
    {"JP", 60, 60, 100, 0},
    {"NL", 50, 80, 130, 15},
    {"PL", 50, 90, 140, 20},
    {"RU", 60, 90, 110, 20},
    {"SE", 50, 70, 110, 0},
    {NULL, 50, 90, 120, 10}, /* generic: any other country ("XX:urban") */
};

/* ---- maxspeed ------------------------------------------------------------------------------------------------ */

/* True when s[0..len) equals word, ignoring case. */
static bool s_is (const char *s, size_t len, const char *word)
{
    return strlen (word) == len && strncasecmp (s, word, len) == 0;
}

/* Reads an unsigned decimal number ("50", "12.5") at s[0..len): its value and how many characters it used, 0 when
 * s does not start with a digit. Written out rather than strtod, which also takes "inf", "0x1p4" and the locale's
 * decimal comma. */
static size_t s_number (const char *s, size_t len, double *value)
{
    size_t i = 0;
    double v = 0;
    while (i < len && isdigit ((unsigned char)s[i]) && i < 12)
        v = v * 10 + (s[i++] - '0');
    if (i == 0) return 0;
    if (i + 1 < len && s[i] == '.' && isdigit ((unsigned char)s[i + 1])) {
        double scale = 0.1;
        for (i++; i < len && isdigit ((unsigned char)s[i]); i++, scale /= 10)
            v += (s[i] - '0') * scale;
    }
    *value = v;
    return i;
}

/* A zone value "CC:kind" or "CC-RRR:kind" (s[0..len), colon at s[colon]): km/h, or 0 when unknown. */
static double s_zone_speed (const char *s, size_t len, size_t colon)
{
    /* Country: two letters, optionally followed by a region ("BE-VLG"). */
    if (colon < 2 || !isalpha ((unsigned char)s[0]) || !isalpha ((unsigned char)s[1])) return 0;
    if (colon > 2 && s[2] != '-') return 0;
    size_t z = 0;
    while (s_zones[z].country && strncasecmp (s_zones[z].country, s, 2) != 0)
        z++;
    const char *kind = s + colon + 1;
    size_t kind_len = len - colon - 1;
    double v;
    /* "DE:zone30", "DE:zone:30", "DE:zone 30": a zone with its limit in its name. */
    if (kind_len > 4 && strncasecmp (kind, "zone", 4) == 0) {
        size_t i = 4;
        if (kind[i] == ':' || kind[i] == ' ') i++;
        size_t used = s_number (kind + i, kind_len - i, &v);
        return used > 0 && i + used == kind_len ? v : 0;
    }
    size_t generic = sizeof s_zones / sizeof s_zones[0] - 1;
    if (s_is (kind, kind_len, "urban")) return s_zones[z].urban ? s_zones[z].urban : s_zones[generic].urban;
    if (s_is (kind, kind_len, "rural") || s_is (kind, kind_len, "trunk"))
        return s_zones[z].rural ? s_zones[z].rural : s_zones[generic].rural;
    if (s_is (kind, kind_len, "motorway"))
        return s_zones[z].motorway ? s_zones[z].motorway : s_zones[generic].motorway;
    if (s_is (kind, kind_len, "living_street"))
        return s_zones[z].living_street ? s_zones[z].living_street : s_zones[generic].living_street;
    if (s_is (kind, kind_len, "walk")) return S_WALK_KMH;
    if (s_is (kind, kind_len, "bicycle_road")) return 30;
    /* Britain's national speed limits. */
    if (s_is (kind, kind_len, "nsl_single")) return 60 * S_KMH_PER_MPH;
    if (s_is (kind, kind_len, "nsl_dual")) return 70 * S_KMH_PER_MPH;
    if (s_is (kind, kind_len, "nsl_restricted")) return 30 * S_KMH_PER_MPH;
    return 0;
}

/* One value of a maxspeed list (s[0..len), no ';'): km/h, or 0 when unusable. */
static double s_one_maxspeed (const char *s, size_t len)
{
    while (len > 0 && isspace ((unsigned char)s[0]))
        s++, len--;
    while (len > 0 && isspace ((unsigned char)s[len - 1]))
        len--;
    if (len == 0) return 0;
    if (s_is (s, len, "walk")) return S_WALK_KMH;
    const char *colon = memchr (s, ':', len);
    double v = 0;
    if (colon)
        v = s_zone_speed (s, len, (size_t)(colon - s));
    else {
        size_t used = s_number (s, len, &v);
        if (used == 0) return 0;
        const char *unit = s + used;
        size_t unit_len = len - used;
        while (unit_len > 0 && *unit == ' ')
            unit++, unit_len--;
        if (unit_len == 0 || s_is (unit, unit_len, "km/h") || s_is (unit, unit_len, "kmh") ||
            s_is (unit, unit_len, "kph"))
            ;
        else if (s_is (unit, unit_len, "mph"))
            v *= S_KMH_PER_MPH;
        else if (s_is (unit, unit_len, "knots") || s_is (unit, unit_len, "knot") || s_is (unit, unit_len, "kn"))
            v *= S_KMH_PER_KNOT;
        else
            return 0;
    }
    return v > 0 && v <= S_MAX_KMH ? v : 0;
}

double map_osm_parse_maxspeed (const char *value)
{
    if (!value) return 0;
    double best = 0;
    const char *s = value;
    for (;;) {
        const char *semi = strchr (s, ';');
        size_t len = semi ? (size_t)(semi - s) : strlen (s);
        double v = s_one_maxspeed (s, len);
        if (v > 0 && (best == 0 || v < best)) best = v;
        if (!semi) break;
        s = semi + 1;
    }
    return best;
}

/* Index of a highway value in s_highways, or -1. */
static int s_highway_index (const char *value, size_t len)
{
    for (size_t i = 0; i < S_HIGHWAY_COUNT; i++)
        if (strlen (s_highways[i].value) == len && strncmp (s_highways[i].value, value, len) == 0) return (int)i;
    return -1;
}

double map_osm_default_speed (const char *highway)
{
    int h = highway ? s_highway_index (highway, strlen (highway)) : -1;
    return h < 0 ? 0 : s_highways[h].speed_kmh;
}

int map_osm_utm_epsg (double lon, double lat)
{
    if (!isfinite (lon)) lon = 0;
    if (!isfinite (lat)) lat = 0;
    lon = fmin (fmax (lon, -180), 180);
    int zone = (int)floor ((lon + 180) / 6) + 1;
    if (zone > 60) zone = 60;
    /* The two exceptions of the UTM grid: south-western Norway is in 32V, and Svalbard in 31X, 33X, 35X, 37X. */
    if (lat >= 56 && lat < 64 && lon >= 3 && lon < 12) zone = 32;
    if (lat >= 72 && lat < 84 && lon >= 0 && lon < 42) zone = lon < 9 ? 31 : lon < 21 ? 33 : lon < 33 ? 35 : 37;
    return (lat >= 0 ? 32600 : 32700) + zone;
}

/* ---- Working state of one import. ---------------------------------------------------------------------------- */

#define S_FORWARD  1u
#define S_BACKWARD 2u

/* A kept way: its node references are refs[first .. first + count). */
typedef struct {
    size_t first;
    uint32_t count;
    float forward_kmh, backward_kmh;
    uint8_t road_class;
    uint8_t directions; /* S_FORWARD | S_BACKWARD */
} s_way_t;

/* A directed edge before the graph exists, between indexes into the needed-node list. */
typedef struct {
    uint32_t from, to;
    float speed_kmh;
    uint8_t road_class;
} s_edge_t;

typedef struct {
    const char *path;
    const char *highways;  /* the list as given, for messages */
    uint32_t highway_mask; /* bit i: s_highways[i] kept */
    map_osm_stats_t *stats;

    s_way_t *ways;
    size_t way_count, way_cap;
    int64_t *refs; /* pass 1: OSM node ids; after it, indexes into ids */
    size_t ref_count, ref_cap;

    int64_t *ids; /* the nodes kept ways need, OSM ids ascending, no duplicates */
    size_t id_count;
    double *lon, *lat;
    uint8_t *have; /* 1 once pass 2 has read the node */

    s_edge_t *edges;
    size_t edge_count, edge_cap;

    bool failed; /* a callback wrote its error into err; the rest of the file is ignored */
    char *err;
    size_t errlen;
} s_import_t;

/* Records an error from inside a readosm callback. The parse is not stopped: readosm's XML reader returns from a
 * stopped parse without freeing its expat parser, so the callbacks ignore the rest of the file instead. Returns what
 * the callback returns. */
static int s_fail (s_import_t *self, const char *why)
{
    if (!self->failed) map_error (self->err, self->errlen, "%s: %s", self->path, why);
    self->failed = true;
    return READOSM_OK;
}

/* ---- Pass 1: ways. ------------------------------------------------------------------------------------------- */

/* Value of tag key on way, or NULL. */
static const char *s_tag (const readosm_way *way, const char *key)
{
    for (int i = 0; i < way->tag_count; i++)
        if (way->tags[i].key && way->tags[i].value && strcmp (way->tags[i].key, key) == 0) return way->tags[i].value;
    return NULL;
}

/* True when value is one of the NULL-terminated words. */
static bool s_one_of (const char *value, const char *const *words)
{
    for (; *words; words++)
        if (strcmp (value, *words) == 0) return true;
    return false;
}

/* True when cars may not use the way. The most specific of motorcar, motor_vehicle, vehicle, access that says yes or
 * no decides, so access=no + motor_vehicle=yes is open and motor_vehicle=no closes the way whatever access says.
 * "destination" and "customers" are open: a taxi may drive there to drop a rider. */
static bool s_closed_to_cars (const readosm_way *way)
{
    static const char *const keys[] = {"motorcar", "motor_vehicle", "vehicle", "access"};
    static const char *const closed[] = {"no", "private", "agricultural", "forestry", "delivery", "emergency", NULL};
    static const char *const open[] = {"yes", "designated", "permissive", "destination", "customers", "permit", NULL};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const char *v = s_tag (way, keys[k]);
        if (!v) continue;
        if (s_one_of (v, closed)) return true;
        if (s_one_of (v, open)) return false;
    }
    return false;
}

/* Directions a car may use the way in: S_FORWARD and/or S_BACKWARD, or 0 when the way is to be skipped
 * (oneway=reversible/alternating: the direction changes during the day). An explicit oneway tag (the most specific of
 * oneway:motorcar, oneway:motor_vehicle, oneway:vehicle, oneway) wins; without one, highway=motorway and
 * motorway_link (the OSM wiki: implied on motorway, common practice on its links) and junction=roundabout/circular
 * are one-way. */
static unsigned s_directions (const readosm_way *way, const char *highway)
{
    static const char *const keys[] = {"oneway:motorcar", "oneway:motor_vehicle", "oneway:vehicle", "oneway"};
    static const char *const fwd[] = {"yes", "true", "1", NULL};
    static const char *const bwd[] = {"-1", "reverse", NULL};
    static const char *const both[] = {"no", "false", "0", NULL};
    static const char *const skip[] = {"reversible", "alternating", NULL};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const char *v = s_tag (way, keys[k]);
        if (!v) continue;
        if (s_one_of (v, fwd)) return S_FORWARD;
        if (s_one_of (v, bwd)) return S_BACKWARD;
        if (s_one_of (v, both)) return S_FORWARD | S_BACKWARD;
        if (s_one_of (v, skip)) return 0;
    }
    const char *junction = s_tag (way, "junction");
    if (strcmp (highway, "motorway") == 0 || strcmp (highway, "motorway_link") == 0) return S_FORWARD;
    if (junction && (strcmp (junction, "roundabout") == 0 || strcmp (junction, "circular") == 0)) return S_FORWARD;
    return S_FORWARD | S_BACKWARD;
}

/* Pass 1 callback: keeps a drivable way with its directions, speeds and class, and collects its node ids. */
static int s_on_way (const void *user, const readosm_way *way)
{
    s_import_t *self = (s_import_t *)user;
    self->stats->osm_ways++;
    if (self->failed) return READOSM_OK;
    const char *highway = s_tag (way, "highway");
    if (!highway || way->node_ref_count < 2 || !way->node_refs) return READOSM_OK;
    int h = s_highway_index (highway, strlen (highway));
    if (h < 0 || !(self->highway_mask & (1u << h))) return READOSM_OK;
    const char *area = s_tag (way, "area");
    if (area && strcmp (area, "yes") == 0) return READOSM_OK;
    if (s_closed_to_cars (way)) return READOSM_OK;
    unsigned directions = s_directions (way, highway);
    if (!directions) return READOSM_OK;

    /* Speeds: maxspeed:forward/backward over maxspeed over the class default. */
    const char *tags[3] = {s_tag (way, "maxspeed"), s_tag (way, "maxspeed:forward"),
                           s_tag (way, "maxspeed:backward")};
    double kmh[3];
    bool tagged = false, understood = false;
    for (int i = 0; i < 3; i++) {
        kmh[i] = map_osm_parse_maxspeed (tags[i]);
        tagged |= tags[i] != NULL;
        understood |= kmh[i] > 0;
    }
    double base = kmh[0] > 0 ? kmh[0] : s_highways[h].speed_kmh;
    if (understood)
        self->stats->maxspeed_tagged++;
    else if (tagged)
        self->stats->maxspeed_unknown++;

    if (map_mem_reserve ((void **)&self->ways, &self->way_cap, self->way_count + 1, sizeof *self->ways) ||
        map_mem_reserve ((void **)&self->refs, &self->ref_cap, self->ref_count + (size_t)way->node_ref_count,
                         sizeof *self->refs))
        return s_fail (self, "out of memory");
    self->ways[self->way_count++] = (s_way_t){
        .first = self->ref_count,
        .count = (uint32_t)way->node_ref_count,
        .forward_kmh = (float)(kmh[1] > 0 ? kmh[1] : base),
        .backward_kmh = (float)(kmh[2] > 0 ? kmh[2] : base),
        .road_class = (uint8_t)s_highways[h].road_class,
        .directions = (uint8_t)directions,
    };
    _Static_assert(sizeof (long long) == sizeof (int64_t), "readosm's node ids are copied as int64_t");
    memcpy (self->refs + self->ref_count, way->node_refs, (size_t)way->node_ref_count * sizeof *self->refs);
    self->ref_count += (size_t)way->node_ref_count;
    self->stats->ways_kept++;
    if (directions != (S_FORWARD | S_BACKWARD)) self->stats->ways_oneway++;
    return READOSM_OK;
}

static int s_id_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Index of OSM node id in self->ids, or -1. */
static ptrdiff_t s_find (const s_import_t *self, int64_t id)
{
    size_t lo = 0, hi = self->id_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (self->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < self->id_count && self->ids[lo] == id ? (ptrdiff_t)lo : -1;
}

/* After pass 1: the sorted list of needed node ids, and every reference turned into an index into it. */
static int s_index_refs (s_import_t *self)
{
    self->ids = malloc ((self->ref_count ? self->ref_count : 1) * sizeof *self->ids);
    if (!self->ids) return map_error (self->err, self->errlen, "%s: out of memory", self->path);
    memcpy (self->ids, self->refs, self->ref_count * sizeof *self->ids);
    qsort (self->ids, self->ref_count, sizeof *self->ids, s_id_cmp);
    size_t n = 0;
    for (size_t i = 0; i < self->ref_count; i++)
        if (n == 0 || self->ids[n - 1] != self->ids[i]) self->ids[n++] = self->ids[i];
    self->id_count = n;
    int64_t *shrunk = realloc (self->ids, (n ? n : 1) * sizeof *self->ids);
    if (shrunk) self->ids = shrunk; /* keeping the larger block is harmless */
    if (n >= MAP_NODE_NONE - 1)
        return map_error (self->err, self->errlen, "%s: too many road nodes (%zu) for one graph", self->path, n);
    for (size_t i = 0; i < self->ref_count; i++) {
        ptrdiff_t k = s_find (self, self->refs[i]);
        assert (k >= 0);
        self->refs[i] = k;
    }
    self->lon = malloc (n * sizeof *self->lon);
    self->lat = malloc (n * sizeof *self->lat);
    self->have = calloc (n, 1);
    if (!self->lon || !self->lat || !self->have)
        return map_error (self->err, self->errlen, "%s: out of memory", self->path);
    return 0;
}

/* ---- Pass 2: nodes. ------------------------------------------------------------------------------------------ */

/* Pass 2 callback: stores the coordinates of a needed node. A node repeated in the file keeps its first position. */
static int s_on_node (const void *user, const readosm_node *node)
{
    s_import_t *self = (s_import_t *)user;
    self->stats->osm_nodes++;
    ptrdiff_t k = s_find (self, node->id);
    if (self->failed || k < 0 || self->have[k]) return READOSM_OK;
    double lon = node->longitude, lat = node->latitude;
    if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
        /* readosm gives READOSM_UNDEFINED for a missing attribute. */
        char why[96];
        map_error (why, sizeof why, "node %lld: no valid lon/lat", node->id);
        return s_fail (self, why);
    }
    self->lon[k] = lon;
    self->lat[k] = lat;
    self->have[k] = 1;
    return READOSM_OK;
}

/* ---- Reading the file. --------------------------------------------------------------------------------------- */

/* True when path ends with suffix, ignoring case. */
static bool s_ends_with (const char *path, const char *suffix)
{
    size_t n = strlen (path), k = strlen (suffix);
    return n >= k && strcasecmp (path + n - k, suffix) == 0;
}

/* Checks that path is a readable regular file with a suffix readosm understands. 0, or -1 with a message. */
static int s_check_file (const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat (path, &st) != 0) return map_error (err, errlen, "%s: cannot open: %s", path, strerror (errno));
    if (S_ISDIR (st.st_mode)) return map_error (err, errlen, "%s: cannot open: is a directory", path);
    static const struct {
        const char *suffix, *tool;
    } packed[] = {{".bz2", "bzip2 -dk"}, {".gz", "gzip -dk"}, {".xz", "xz -dk"}, {".zst", "zstd -d"}};
    for (size_t i = 0; i < sizeof packed / sizeof packed[0]; i++)
        if (s_ends_with (path, packed[i].suffix))
            return map_error (err, errlen,
                              "%s: unsupported file type: compressed (%s); decompress it first (%s %s) "
                              "and import the .osm file",
                              path, packed[i].suffix + 1, packed[i].tool, path);
    if (!s_ends_with (path, ".osm") && !s_ends_with (path, ".pbf"))
        return map_error (err, errlen,
                          "%s: unsupported file type: expected .osm (XML) or .osm.pbf (convert other "
                          "formats with osmium cat)",
                          path);
    return 0;
}

/* ---- XML pre-check ---------------------------------------------------------------------------------------------
 * libreadosm 1.1.0 copies a <tag>'s k and v, and a <member>'s role, with strlen and strcpy without looking whether
 * the attribute is there: one such element crashes it (a NULL read; found by tests/fuzz/fuzz_osm). And on a file
 * that is not well-formed it returns without freeing its parser or the element it was reading. So an .osm file is
 * parsed once before readosm reads it, by the same parser (expat, set up as readosm sets it up: same elements, same
 * entities, same verdict on well-formedness), and refused when it is not well-formed or when any <tag> lacks k or v
 * or any <member> lacks role. */

typedef struct {
    XML_Parser parser;
    const char *path;
    char *err;
    size_t errlen;
    bool refused;
} s_xml_t;

static void XMLCALL s_xml_start (void *user, const XML_Char *name, const XML_Char **attr)
{
    s_xml_t *x = user;
    bool tag = strcmp (name, "tag") == 0, member = strcmp (name, "member") == 0;
    if (x->refused || (!tag && !member)) return;
    bool k = false, v = false, role = false;
    for (size_t i = 0; attr[i]; i += 2) {
        k |= strcmp (attr[i], "k") == 0;
        v |= strcmp (attr[i], "v") == 0;
        role |= strcmp (attr[i], "role") == 0;
    }
    if ((tag && k && v) || (member && role)) return;
    map_error (x->err, x->errlen, "%s: line %lu: a <%s> without %s: not valid OSM XML", x->path,
               (unsigned long)XML_GetCurrentLineNumber (x->parser), name,
               member ? "role" : !k && !v ? "k and v" : !k ? "k" : "v");
    x->refused = true;
    XML_StopParser (x->parser, XML_FALSE);
}

/* The pre-check of an .osm file (see above). 0 when readosm may read it, or -1 with "PATH: [line N: ]why". */
static int s_check_xml (const char *path, char *err, size_t errlen)
{
    FILE *f = fopen (path, "rb");
    if (!f) return 0; /* readosm says why */
    s_xml_t x = {.parser = XML_ParserCreate (NULL), .path = path, .err = err, .errlen = errlen};
    char *buf = malloc (65536);
    int rc = 0;
    if (!x.parser || !buf) {
        rc = map_error (err, errlen, "%s: out of memory", path);
        goto done;
    }
    XML_SetUserData (x.parser, &x);
    XML_SetStartElementHandler (x.parser, s_xml_start);
    for (bool last = false; !last;) {
        size_t got = fread (buf, 1, 65536, f);
        if (ferror (f)) {
            rc = map_error (err, errlen, "%s: cannot read OSM data: read error", path);
            goto done;
        }
        last = feof (f) != 0;
        if (XML_Parse (x.parser, buf, (int)got, last) != XML_STATUS_OK) {
            if (x.refused) {
                rc = -1; /* s_xml_start wrote the message */
            } else {
                rc = map_error (err, errlen,
                                "%s: cannot read OSM data: not well-formed OSM XML (garbage or a truncated file): "
                                "line %lu: %s",
                                path, (unsigned long)XML_GetCurrentLineNumber (x.parser),
                                XML_ErrorString (XML_GetErrorCode (x.parser)));
            }
            goto done;
        }
    }
done:
    if (x.parser) XML_ParserFree (x.parser);
    free (buf);
    fclose (f);
    return rc;
}

/* ---- PBF pre-check ---------------------------------------------------------------------------------------------
 * libreadosm 1.1.0 trusts a .pbf file's sizes and string indexes: a block header may make it allocate gigabytes
 * (found by fuzz_osm: malloc of 2.2 GB), a negative size makes it write through a NULL pointer, a tag's string
 * index past the block's string table makes it read outside an array, a repeated array field or a second string
 * table makes it count past what it filled, and a packed array of tiny numbers becomes one small allocation per
 * number. So a .pbf file is walked once before readosm reads it, the way readosm will walk it, and refused unless
 * all of that is safe. The walk follows readosm's own grammar, not protobuf's in general: a field key is one byte
 * (field id in bits 3-7, wire type in 0-2), only the fields readosm knows are allowed (it fails on any other), a
 * varint is at most 5 bytes for its 32-bit fields and 10 for 64-bit ones, and a message it parses may not be empty.
 * It checks what readosm parses for the importer's two passes (ways, then dense nodes); relations, which the
 * importer never asks for, are skipped as readosm skips them. Limits: a block header under 64 KiB and a block under
 * 32 MiB, packed or not (the PBF format's own); in one block at most S_PBF_ITEMS_MAX strings and array values, and
 * tags and user names that readosm copies out of the string table adding up to at most S_PBF_COPY_MAX bytes (a
 * block may name one long string a million times). Real blocks hold 8,000 objects: a few hundred thousand values
 * and a few megabytes of tags. Every block is decompressed here once more. */

#define S_PBF_HEADER_MAX (64u * 1024u)
#define S_PBF_BLOCK_MAX  (32u * 1024u * 1024u)
#define S_PBF_ITEMS_MAX  (4u * 1024u * 1024u)
#define S_PBF_COPY_MAX   (64u * 1024u * 1024u)

enum { S_PB_NONE = 0, S_PB_INT32, S_PB_INT64, S_PB_BYTES };

/* The field kinds readosm expects in each message, by field id (its "hints"). */
static const uint8_t s_pb_blob_header[32] = {[1] = S_PB_BYTES, [2] = S_PB_BYTES, [3] = S_PB_INT32};
static const uint8_t s_pb_blob[32] = {[1] = S_PB_BYTES, [2] = S_PB_INT32, [3] = S_PB_BYTES};
static const uint8_t s_pb_block[32] = {[1] = S_PB_BYTES, [2] = S_PB_BYTES, [17] = S_PB_INT32,
                                       [18] = S_PB_INT32, [19] = S_PB_INT64, [20] = S_PB_INT64};
static const uint8_t s_pb_strings[32] = {[1] = S_PB_BYTES};
static const uint8_t s_pb_group[32] = {[1] = S_PB_BYTES, [2] = S_PB_BYTES, [3] = S_PB_BYTES, [4] = S_PB_BYTES,
                                       [5] = S_PB_BYTES};
static const uint8_t s_pb_dense[32] = {[1] = S_PB_BYTES, [5] = S_PB_BYTES, [8] = S_PB_BYTES, [9] = S_PB_BYTES,
                                       [10] = S_PB_BYTES};
static const uint8_t s_pb_dense_info[32] = {[1] = S_PB_BYTES, [2] = S_PB_BYTES, [3] = S_PB_BYTES, [4] = S_PB_BYTES,
                                            [5] = S_PB_BYTES, [6] = S_PB_BYTES};
static const uint8_t s_pb_way[32] = {[1] = S_PB_INT64, [2] = S_PB_BYTES, [3] = S_PB_BYTES, [4] = S_PB_BYTES,
                                     [8] = S_PB_BYTES};
static const uint8_t s_pb_info[32] = {[1] = S_PB_INT32, [2] = S_PB_INT32, [3] = S_PB_INT64, [4] = S_PB_INT32,
                                      [5] = S_PB_INT32, [6] = S_PB_INT32};

typedef struct {
    const uint8_t *p, *end;
} s_pb_t;

/* One field as readosm reads it. */
typedef struct {
    unsigned id;
    uint64_t value;            /* S_PB_INT32 (truncated to 32 bits), S_PB_INT64 */
    const uint8_t *data;       /* S_PB_BYTES */
    size_t len;
} s_pb_field_t;

/* A varint of at most max bytes, truncated to 64 bits. 0, or -1 past the end or when longer. */
static int s_pb_varint (s_pb_t *c, int max, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < max; i++) {
        if (c->p >= c->end) return -1;
        uint8_t b = *c->p++;
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* The next field of a message with readosm's hints. 0, or -1 where readosm fails. */
static int s_pb_field (s_pb_t *c, const uint8_t hints[32], s_pb_field_t *f)
{
    *f = (s_pb_field_t){0};
    if (c->p >= c->end) return -1;
    uint8_t key = *c->p++;
    f->id = key >> 3;
    unsigned wire = key & 7u;
    uint8_t hint = hints[f->id];
    if (wire == 0 && (hint == S_PB_INT32 || hint == S_PB_INT64)) {
        if (s_pb_varint (c, hint == S_PB_INT32 ? 5 : 10, &f->value)) return -1;
        if (hint == S_PB_INT32) f->value &= 0xffffffffu;
        return 0;
    }
    uint64_t len;
    if (wire != 2 || hint != S_PB_BYTES || s_pb_varint (c, 5, &len) || len > (uint64_t)(c->end - c->p)) return -1;
    f->data = c->p;
    f->len = (size_t)len;
    c->p += len;
    return 0;
}

/* The walk's state over one block. */
typedef struct {
    uint64_t items;            /* strings and array values so far in this block */
    uint32_t strings;          /* entries of its string table */
    uint32_t *lens;            /* their lengths (lens_cap entries allocated; kept from block to block) */
    size_t lens_cap;
    uint64_t copied;           /* bytes of strings readosm copies for tags and user names */
    const char *why;           /* what is wrong, for the message */
} s_pbf_walk_t;

/* Counts a copy of string i (a valid index) by readosm. 0, or -1 past S_PBF_COPY_MAX. */
static int s_pbf_copy (s_pbf_walk_t *w, uint32_t i)
{
    w->copied += (uint64_t)w->lens[i] + 1;
    if (w->copied <= S_PBF_COPY_MAX) return 0;
    w->why = "tags that would take more memory than the importer allows";
    return -1;
}

/* What the values of a packed array are to readosm. */
typedef enum {
    S_PBF_NUMBERS,             /* plain numbers */
    S_PBF_KEYS_VALS,           /* DenseNodes keys_vals: 0 ends a node, anything else is a string index */
    S_PBF_INDEXES,             /* a way's keys or values: every value is a string index */
    S_PBF_USERS                /* DenseInfo user names: zigzag 32-bit deltas whose positive sums are string indexes */
} s_pbf_values_t;

/* Counts a packed array (readosm fails on an empty one) of values of at most `max` bytes each, and checks each
 * string index among them. 0, or -1 with w->why. */
static int s_pbf_packed (s_pbf_walk_t *w, const uint8_t *data, size_t len, int max, s_pbf_values_t kind,
                         size_t *count)
{
    s_pb_t c = {data, data + len};
    size_t n = 0;
    uint32_t sum = 0;
    if (len == 0) {
        w->why = "an empty array";
        return -1;
    }
    while (c.p < c.end) {
        uint64_t v;
        if (s_pb_varint (&c, max, &v)) {
            w->why = "a broken number in an array";
            return -1;
        }
        n++;
        uint32_t v32 = (uint32_t)v;
        if ((kind == S_PBF_INDEXES || (kind == S_PBF_KEYS_VALS && v32 != 0))) {
            if (v32 >= w->strings) {
                w->why = "a string index past the block's string table";
                return -1;
            }
            if (s_pbf_copy (w, v32)) return -1;
        }
        if (kind == S_PBF_USERS) {
            uint32_t half = (uint32_t)(v32 / 2u + (v32 & 1u));
            sum += (v32 & 1u) ? 0u - half : half;
            if ((int32_t)sum > 0) {
                if (sum >= w->strings) {
                    w->why = "a user name index past the block's string table";
                    return -1;
                }
                if (s_pbf_copy (w, sum)) return -1;
            }
        }
    }
    w->items += n;
    if (w->items > S_PBF_ITEMS_MAX) {
        w->why = "more strings and values in one block than the importer reads";
        return -1;
    }
    *count = n;
    return 0;
}

/* Walks a message with the given hints, calling each_field for every field (NULL: fields are only checked). A
 * message readosm parses may not be empty. */
typedef int s_pbf_field_fn (s_pbf_walk_t *w, const s_pb_field_t *f, void *arg);

static int s_pbf_message (s_pbf_walk_t *w, const uint8_t *data, size_t len, const uint8_t hints[32],
                          s_pbf_field_fn *each_field, void *arg)
{
    s_pb_t c = {data, data + len};
    if (len == 0) {
        w->why = "an empty message";
        return -1;
    }
    while (c.p < c.end) {
        s_pb_field_t f;
        if (s_pb_field (&c, hints, &f)) {
            w->why = "a field the reader does not know, or a broken one";
            return -1;
        }
        if (each_field && each_field (w, &f, arg)) return -1;
    }
    return 0;
}

/* Arrays of a dense-node group or a way, each allowed once (readosm miscounts a repeated one). */
typedef struct {
    size_t count[11];          /* by field id; SIZE_MAX when absent */
} s_pbf_arrays_t;

static int s_pbf_once (s_pbf_walk_t *w, s_pbf_arrays_t *a, unsigned id)
{
    if (a->count[id] != SIZE_MAX) {
        w->why = "an array given twice";
        return -1;
    }
    return 0;
}

static int s_pbf_dense_info_field (s_pbf_walk_t *w, const s_pb_field_t *f, void *arg)
{
    s_pbf_arrays_t *a = arg;
    if (f->id == 6) return 0; /* visible: not read */
    if (s_pbf_once (w, a, f->id)) return -1;
    /* versions uint32, timestamps sint32, changesets sint64, uids sint32, user names sint32 deltas */
    return s_pbf_packed (w, f->data, f->len, f->id == 3 ? 10 : 5, f->id == 5 ? S_PBF_USERS : S_PBF_NUMBERS,
                         &a->count[f->id]);
}

static int s_pbf_dense_field (s_pbf_walk_t *w, const s_pb_field_t *f, void *arg)
{
    s_pbf_arrays_t *a = arg;
    if (f->id == 5) {
        s_pbf_arrays_t info;
        for (size_t i = 0; i < 11; i++) info.count[i] = SIZE_MAX;
        if (s_pbf_once (w, a, 5) || s_pbf_message (w, f->data, f->len, s_pb_dense_info, s_pbf_dense_info_field, &info))
            return -1;
        a->count[5] = 0;
        return 0;
    }
    if (s_pbf_once (w, a, f->id)) return -1;
    /* ids, lats, lons sint64; keys_vals uint32 string indexes */
    return s_pbf_packed (w, f->data, f->len, f->id == 10 ? 5 : 10, f->id == 10 ? S_PBF_KEYS_VALS : S_PBF_NUMBERS,
                         &a->count[f->id]);
}

/* A way's Info: readosm checks its user name index itself, and copies the name. */
static int s_pbf_info_field (s_pbf_walk_t *w, const s_pb_field_t *f, void *arg)
{
    (void)arg;
    int32_t user = (int32_t)(uint32_t)f->value;
    return f->id == 5 && user > 0 && (uint32_t)user < w->strings ? s_pbf_copy (w, (uint32_t)user) : 0;
}

static int s_pbf_way_field (s_pbf_walk_t *w, const s_pb_field_t *f, void *arg)
{
    s_pbf_arrays_t *a = arg;
    if (f->id == 1) return 0;
    if (f->id == 4) return s_pbf_message (w, f->data, f->len, s_pb_info, s_pbf_info_field, NULL);
    if (s_pbf_once (w, a, f->id)) return -1;
    /* keys and values uint32 string indexes; refs sint64 */
    return s_pbf_packed (w, f->data, f->len, f->id == 8 ? 10 : 5, f->id == 8 ? S_PBF_NUMBERS : S_PBF_INDEXES,
                         &a->count[f->id]);
}

static int s_pbf_group_field (s_pbf_walk_t *w, const s_pb_field_t *f, void *arg)
{
    (void)arg;
    if (f->id != 2 && f->id != 3) return 0; /* nodes one by one, relations, change sets: never parsed */
    s_pbf_arrays_t a;
    for (size_t i = 0; i < 11; i++) a.count[i] = SIZE_MAX;
    if (f->id == 2) return s_pbf_message (w, f->data, f->len, s_pb_dense, s_pbf_dense_field, &a);
    if (s_pbf_message (w, f->data, f->len, s_pb_way, s_pbf_way_field, &a)) return -1;
    if (a.count[2] != a.count[3]) {
        w->why = "a way with more keys than values";
        return -1;
    }
    return 0;
}

static int s_pbf_string_field (s_pbf_walk_t *w, const s_pb_field_t *f, void *arg)
{
    (void)arg;
    if (++w->items > S_PBF_ITEMS_MAX) {
        w->why = "more strings and values in one block than the importer reads";
        return -1;
    }
    if (w->strings == w->lens_cap) {
        size_t cap = w->lens_cap ? 2 * w->lens_cap : 1024;
        uint32_t *grown = realloc (w->lens, cap * sizeof *grown);
        if (!grown) {
            w->why = "out of memory";
            return -1;
        }
        w->lens = grown;
        w->lens_cap = cap;
    }
    w->lens[w->strings++] = (uint32_t)f->len;
    return 0;
}

/* A PrimitiveBlock: one string table, before the groups that index it; readosm stops at granularity (field 17) and
 * misreads the other fields past 16, so those are refused. */
static int s_pbf_block (s_pbf_walk_t *w, const uint8_t *data, size_t len)
{
    s_pb_t c = {data, data + len};
    bool table = false, groups = false;
    if (len == 0) {
        w->why = "an empty block";
        return -1;
    }
    while (c.p < c.end) {
        s_pb_field_t f;
        if (s_pb_field (&c, s_pb_block, &f)) {
            w->why = "a field the reader does not know, or a broken one";
            return -1;
        }
        if (f.id == 17) return 0;
        if (f.id != 1 && f.id != 2) {
            w->why = "coordinate offsets or a date granularity, which libreadosm misreads";
            return -1;
        }
        if (f.id == 1) {
            if (table || groups) {
                w->why = table ? "two string tables in one block" : "a string table after the groups that use it";
                return -1;
            }
            table = true;
            if (s_pbf_message (w, f.data, f.len, s_pb_strings, s_pbf_string_field, NULL)) return -1;
        } else {
            groups = true;
            if (s_pbf_message (w, f.data, f.len, s_pb_group, s_pbf_group_field, NULL)) return -1;
        }
    }
    return 0;
}

/* A BlobHeader: its type ("OSMHeader" first, then "OSMData") and the size of the blob after it. */
typedef struct {
    const char *type;
    bool type_ok;
    int32_t datasize;
} s_pbf_header_t;

static int s_pbf_header_field (s_pbf_walk_t *w, const s_pb_field_t *f, void *arg)
{
    (void)w;
    s_pbf_header_t *h = arg;
    if (f->id == 1 && f->len == strlen (h->type) && memcmp (f->data, h->type, f->len) == 0) h->type_ok = true;
    if (f->id == 3) h->datasize = (int32_t)(uint32_t)f->value;
    return 0;
}

/* A Blob: exactly one payload, raw or zlib-packed with its size (readosm mixes them up otherwise). */
typedef struct {
    const uint8_t *raw, *zlib;
    size_t raw_len, zlib_len;
    int raws, zlibs, sizes;
    int32_t raw_size;
} s_pbf_blob_t;

static int s_pbf_blob_field (s_pbf_walk_t *w, const s_pb_field_t *f, void *arg)
{
    (void)w;
    s_pbf_blob_t *b = arg;
    if (f->id == 1) b->raws++, b->raw = f->data, b->raw_len = f->len;
    if (f->id == 2) b->sizes++, b->raw_size = (int32_t)(uint32_t)f->value;
    if (f->id == 3) b->zlibs++, b->zlib = f->data, b->zlib_len = f->len;
    return 0;
}

/* The pre-check of a .pbf file (see above). 0 when readosm may read it, or -1 with "PATH: why". */
static int s_check_pbf (const char *path, char *err, size_t errlen)
{
    FILE *f = fopen (path, "rb");
    if (!f) return 0; /* readosm says why */
    uint8_t *buf = malloc (S_PBF_HEADER_MAX), *data = NULL, *unpacked = NULL;
    s_pbf_walk_t w = {0};
    int rc = 0;
    if (!buf) {
        fclose (f);
        return map_error (err, errlen, "%s: out of memory", path);
    }
    for (uint64_t block = 0;; block++) {
        w = (s_pbf_walk_t){.lens = w.lens, .lens_cap = w.lens_cap};
        uint8_t be[4];
        size_t got = fread (be, 1, 4, f);
        if (got == 0 && block > 0 && feof (f)) break;
        if (got != 4) {
            w.why = "truncated (a block header's length)";
            break;
        }
        uint32_t header_len = (uint32_t)be[0] << 24 | (uint32_t)be[1] << 16 | (uint32_t)be[2] << 8 | be[3];
        if (header_len == 0 || header_len > S_PBF_HEADER_MAX) {
            w.why = "a block header of an impossible size";
            break;
        }
        if (fread (buf, 1, header_len, f) != header_len) {
            w.why = "truncated (a block header)";
            break;
        }
        s_pbf_header_t h = {.type = block == 0 ? "OSMHeader" : "OSMData"};
        if (s_pbf_message (&w, buf, header_len, s_pb_blob_header, s_pbf_header_field, &h)) break;
        if (!h.type_ok || h.datasize <= 0 || (uint32_t)h.datasize > S_PBF_BLOCK_MAX) {
            w.why = !h.type_ok ? (block == 0 ? "no OSMHeader block first" : "a block that is not OSMData")
                               : "a block of an impossible size";
            break;
        }
        free (data);
        data = malloc ((size_t)h.datasize);
        if (!data) {
            w.why = "out of memory";
            break;
        }
        if (fread (data, 1, (size_t)h.datasize, f) != (size_t)h.datasize) {
            w.why = "truncated (a block)";
            break;
        }
        if (block == 0) continue; /* readosm skips the header block unread */
        s_pbf_blob_t b = {0};
        if (s_pbf_message (&w, data, (size_t)h.datasize, s_pb_blob, s_pbf_blob_field, &b)) break;
        const uint8_t *raw = b.raw;
        size_t raw_len = b.raw_len;
        if (b.raws == 1 && b.zlibs == 0) {
            if (b.sizes > 1 || (b.sizes == 1 && (b.raw_size < 0 || (size_t)b.raw_size != raw_len))) {
                w.why = "a block whose size does not match its data";
                break;
            }
        } else if (b.raws == 0 && b.zlibs == 1 && b.sizes == 1 && b.zlib_len > 0) {
            if (b.raw_size <= 0 || (uint32_t)b.raw_size > S_PBF_BLOCK_MAX) {
                w.why = "a block of an impossible unpacked size";
                break;
            }
            free (unpacked);
            unpacked = malloc ((size_t)b.raw_size);
            uLongf size = (uLongf)b.raw_size;
            if (!unpacked) {
                w.why = "out of memory";
                break;
            }
            if (uncompress (unpacked, &size, b.zlib, (uLong)b.zlib_len) != Z_OK || size != (uLongf)b.raw_size) {
                w.why = "a block that does not decompress to its size";
                break;
            }
            raw = unpacked;
            raw_len = (size_t)b.raw_size;
        } else {
            w.why = "a block with no data, or with data in more than one form";
            break;
        }
        if (s_pbf_block (&w, raw, raw_len)) break;
    }
    if (w.why)
        rc = map_error (err, errlen, "%s: cannot read OSM data: corrupt PBF, or one libreadosm cannot read safely: %s",
                        path, w.why);
    free (w.lens);
    free (buf);
    free (data);
    free (unpacked);
    fclose (f);
    return rc;
}

/* What readosm's error codes mean, indexed by minus the code. */
static const char *const s_readosm_errors[] = {
    [-READOSM_INVALID_SUFFIX] = "unsupported file type (expected .osm or .osm.pbf)",
    [-READOSM_FILE_NOT_FOUND] = "cannot open the file",
    [-READOSM_INSUFFICIENT_MEMORY] = "out of memory",
    [-READOSM_CREATE_XML_PARSER_ERROR] = "cannot create an XML parser",
    [-READOSM_READ_ERROR] = "read error (unreadable or truncated file)",
    [-READOSM_XML_ERROR] = "not well-formed OSM XML (garbage or a truncated file)",
    [-READOSM_INVALID_PBF_HEADER] = "corrupt or truncated PBF (invalid block header)",
    [-READOSM_UNZIP_ERROR] = "corrupt PBF (a block does not decompress)",
};

/* What a readosm error code means, for messages; never NULL. */
static const char *s_readosm_why (int code)
{
    size_t i = code < 0 ? (size_t)-code : 0;
    if (i < sizeof s_readosm_errors / sizeof s_readosm_errors[0] && s_readosm_errors[i]) return s_readosm_errors[i];
    return "readosm failed";
}

/* Runs one readosm pass over the file with the given callbacks. 0, or -1 with a message. */
static int s_parse (s_import_t *self, readosm_node_callback on_node, readosm_way_callback on_way)
{
    const void *handle = NULL;
    int rc = readosm_open (self->path, &handle);
    if (rc == READOSM_OK) rc = readosm_parse (handle, self, on_node, on_way, NULL);
    if (handle) readosm_close (handle);
    if (self->failed) return -1; /* a callback has written the message */
    if (rc == READOSM_OK) return 0;
    return map_error (self->err, self->errlen, "%s: cannot read OSM data: %s (readosm error %d)", self->path,
                      s_readosm_why (rc), rc);
}

/* Parses the highway list (NULL or "" = the default) into a mask. 0, or -1 naming the unknown value. */
static int s_highway_mask (s_import_t *self, const char *list)
{
    self->highways = list && *list ? list : MAP_OSM_DEFAULT_HIGHWAYS;
    self->highway_mask = 0;
    const char *s = self->highways;
    for (;;) {
        const char *comma = strchr (s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen (s);
        const char *v = s;
        size_t vlen = len;
        while (vlen > 0 && isspace ((unsigned char)*v))
            v++, vlen--;
        while (vlen > 0 && isspace ((unsigned char)v[vlen - 1]))
            vlen--;
        int h = s_highway_index (v, vlen);
        if (h < 0) {
            char known[400] = "";
            size_t used = 0;
            for (size_t i = 0; i < S_HIGHWAY_COUNT && used < sizeof known; i++) {
                int w = snprintf (known + used, sizeof known - used, "%s%s", i ? ", " : "", s_highways[i].value);
                used += w > 0 ? (size_t)w : 0;
            }
            return map_error (self->err, self->errlen,
                              "%s: highway list: '%.*s' is not a drivable highway value (known: %s)", self->path,
                              (int)(vlen < 60 ? vlen : 60), v, known);
        }
        self->highway_mask |= 1u << h;
        if (!comma) break;
        s = comma + 1;
    }
    return 0;
}

/* ---- Graph. -------------------------------------------------------------------------------------------------- */

/* Lays the directed edges of every kept way between nodes that are in the file. 0 or -1 (out of memory). */
static int s_build_edges (s_import_t *self)
{
    for (size_t w = 0; w < self->way_count; w++) {
        const s_way_t *way = &self->ways[w];
        for (uint32_t i = 0; i + 1 < way->count; i++) {
            uint32_t a = (uint32_t)self->refs[way->first + i], b = (uint32_t)self->refs[way->first + i + 1];
            if (!self->have[a] || !self->have[b]) {
                self->stats->segments_missing++;
                continue;
            }
            if (a == b) continue; /* a node repeated in a row */
            for (unsigned dir = S_FORWARD; dir <= S_BACKWARD; dir <<= 1) {
                if (!(way->directions & dir)) continue;
                if (map_mem_reserve ((void **)&self->edges, &self->edge_cap, self->edge_count + 1, sizeof *self->edges))
                    return map_error (self->err, self->errlen, "%s: out of memory", self->path);
                self->edges[self->edge_count++] = (s_edge_t){
                    .from = dir == S_FORWARD ? a : b,
                    .to = dir == S_FORWARD ? b : a,
                    .speed_kmh = dir == S_FORWARD ? way->forward_kmh : way->backward_kmh,
                    .road_class = way->road_class,
                };
            }
        }
    }
    if (self->edge_count >= UINT32_MAX)
        return map_error (self->err, self->errlen, "%s: too many road segments for one graph", self->path);
    return 0;
}

/* Strongly connected components of the edges over nodes [0, n) with Tarjan's algorithm, iteratively: comp[v] gets
 * the component of v (MAP_NODE_NONE for a node not in the file), *components their number, and the return value
 * is the component with the most nodes (the first completed among equals), or MAP_NODE_NONE when out of memory.
 * Precondition: at least one node is in the file.
 * A node visited but not yet given a component is on Tarjan's stack, so no separate flag is needed. */
static uint32_t s_largest_scc (const s_import_t *self, uint32_t *comp, size_t *components)
{
    size_t n = self->id_count, m = self->edge_count;
    uint32_t *first = calloc (n + 1, sizeof *first), *to = malloc ((m ? m : 1) * sizeof *to);
    uint32_t *index = malloc (n * sizeof *index), *low = malloc (n * sizeof *low);
    uint32_t *stack = malloc (n * sizeof *stack), *call = malloc (n * sizeof *call);
    /* next: first the fill cursor of each node's CSR row, then the next edge to try at each level of the walk. */
    uint32_t *next = malloc (n * sizeof *next), *size = malloc (n * sizeof *size);
    uint32_t best = MAP_NODE_NONE;
    if (!first || !to || !index || !low || !stack || !call || !next || !size) goto done;

    /* Out-edges as CSR: node v's targets are to[first[v] .. first[v + 1]). */
    for (size_t e = 0; e < m; e++)
        first[self->edges[e].from + 1]++;
    for (size_t v = 0; v < n; v++)
        first[v + 1] += first[v];
    memcpy (next, first, n * sizeof *next);
    for (size_t e = 0; e < m; e++)
        to[next[self->edges[e].from]++] = self->edges[e].to;

    for (size_t v = 0; v < n; v++)
        index[v] = comp[v] = MAP_NODE_NONE;
    uint32_t counter = 0, count = 0, depth = 0, top = 0;
    for (uint32_t root = 0; root < n; root++) {
        if (!self->have[root] || index[root] != MAP_NODE_NONE) continue;
        index[root] = low[root] = counter++;
        stack[top++] = root;
        call[depth] = root;
        next[depth++] = first[root];
        while (depth > 0) {
            uint32_t v = call[depth - 1];
            if (next[depth - 1] < first[v + 1]) {
                uint32_t w = to[next[depth - 1]++];
                if (index[w] == MAP_NODE_NONE) {
                    index[w] = low[w] = counter++;
                    stack[top++] = w;
                    call[depth] = w;
                    next[depth++] = first[w];
                } else if (comp[w] == MAP_NODE_NONE && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            /* v is finished: it roots a component, or passes its low link to its caller. */
            if (low[v] == index[v]) {
                uint32_t w, members = 0;
                do {
                    w = stack[--top];
                    comp[w] = count;
                    members++;
                } while (w != v);
                size[count] = members;
                if (best == MAP_NODE_NONE || members > size[best]) best = count;
                count++;
            }
            depth--;
            if (depth > 0 && low[v] < low[call[depth - 1]]) low[call[depth - 1]] = low[v];
        }
    }
    *components = count;
    assert (best != MAP_NODE_NONE); /* the caller has edges, hence nodes */
done:
    free (first);
    free (to);
    free (index);
    free (low);
    free (stack);
    free (call);
    free (next);
    free (size);
    return best;
}

/* Builds the graph from the nodes of component keep: ids in OSM id order, projected into the CRS (the UTM zone of
 * the kept extent's centre when epsg is 0), edges with geodesic lengths. NULL with a message on failure. */
static map_graph_t *s_make_graph (s_import_t *self, const uint32_t *comp, uint32_t keep, int epsg)
{
    map_osm_stats_t *st = self->stats;
    size_t n = self->id_count;
    bool any = false;
    for (size_t v = 0; v < n; v++) {
        if (comp[v] != keep) continue;
        if (!any || self->lon[v] < st->lon_min) st->lon_min = self->lon[v];
        if (!any || self->lon[v] > st->lon_max) st->lon_max = self->lon[v];
        if (!any || self->lat[v] < st->lat_min) st->lat_min = self->lat[v];
        if (!any || self->lat[v] > st->lat_max) st->lat_max = self->lat[v];
        any = true;
    }
    assert (any);
    if (epsg == 0) epsg = map_osm_utm_epsg ((st->lon_min + st->lon_max) / 2, (st->lat_min + st->lat_max) / 2);
    st->epsg = epsg;

    char why[300];
    map_graph_t *g = NULL;
    uint32_t *new_id = malloc (n * sizeof *new_id);
    map_proj_t *proj = map_proj_new (epsg, why, sizeof why);
    if (!proj) {
        map_error (self->err, self->errlen, "%s: %s", self->path, why);
        goto err;
    }
    g = map_graph_new (epsg);
    if (!g || !new_id) {
        map_error (self->err, self->errlen, "%s: out of memory", self->path);
        goto err;
    }
    for (size_t v = 0; v < n; v++) {
        new_id[v] = MAP_NODE_NONE;
        if (comp[v] != keep) continue;
        double x, y;
        if (map_proj_forward (proj, self->lon[v], self->lat[v], &x, &y, why, sizeof why)) {
            map_error (self->err, self->errlen, "%s: node %lld: %s", self->path, (long long)self->ids[v], why);
            goto err;
        }
        new_id[v] = map_graph_add_node (g, self->lon[v], self->lat[v], x, y);
        if (new_id[v] == MAP_NODE_NONE) {
            map_error (self->err, self->errlen, "%s: out of memory", self->path);
            goto err;
        }
    }
    struct geod_geodesic geod;
    geod_init (&geod, 6378137.0, 1 / 298.257223563); /* WGS84 */
    for (size_t e = 0; e < self->edge_count; e++) {
        const s_edge_t *edge = &self->edges[e];
        if (comp[edge->from] != keep || comp[edge->to] != keep) {
            st->edges_dropped++;
            continue;
        }
        double length_m = 0;
        geod_inverse (&geod, self->lat[edge->from], self->lon[edge->from], self->lat[edge->to], self->lon[edge->to],
                      &length_m, NULL, NULL);
        /* Two OSM nodes at one spot give 0, which the graph turns into its minimal length. */
        if (map_graph_add_edge (g, new_id[edge->from], new_id[edge->to], length_m, edge->speed_kmh,
                                (map_road_class_t)edge->road_class)) {
            map_error (self->err, self->errlen, "%s: out of memory", self->path);
            goto err;
        }
    }
    if (map_graph_finish (g)) {
        map_error (self->err, self->errlen, "%s: out of memory", self->path);
        goto err;
    }
    map_proj_destroy (&proj);
    free (new_id);
    return g;

err:
    map_proj_destroy (&proj);
    map_graph_destroy (&g);
    free (new_id);
    return NULL;
}

/* ---- The import. --------------------------------------------------------------------------------------------- */

map_graph_t *map_osm_import (const char *path, const map_osm_options_t *opt, map_osm_stats_t *stats, char *err,
                             size_t errlen)
{
    map_osm_stats_t local;
    map_osm_stats_t *st = stats ? stats : &local;
    memset (st, 0, sizeof *st);
    s_import_t self_ = {.path = path ? path : "(null)", .stats = st, .err = err, .errlen = errlen};
    s_import_t *self = &self_;
    map_graph_t *g = NULL;
    uint32_t *comp = NULL;

    if (!path) {
        map_error (err, errlen, "(null): no file given");
        return NULL;
    }
    if (s_highway_mask (self, opt ? opt->highways : NULL)) return NULL;
    if (s_check_file (path, err, errlen)) return NULL;
    if (s_ends_with (path, ".osm") && s_check_xml (path, err, errlen)) return NULL;
    if (s_ends_with (path, ".pbf") && s_check_pbf (path, err, errlen)) return NULL;

    if (s_parse (self, NULL, s_on_way)) goto done;
    if (self->way_count == 0) {
        map_error (err, errlen, "%s: no drivable roads (highway values kept: %s; %llu ways read)", path,
                   self->highways, (unsigned long long)st->osm_ways);
        goto done;
    }
    if (s_index_refs (self)) goto done;
    if (s_parse (self, s_on_node, NULL)) goto done;
    if (s_build_edges (self)) goto done;
    if (self->edge_count == 0) {
        map_error (err, errlen,
                   "%s: no drivable roads: the %llu drivable ways have no segment with both nodes in the "
                   "file (%llu nodes read)",
                   path, (unsigned long long)st->ways_kept, (unsigned long long)st->osm_nodes);
        goto done;
    }

    comp = malloc (self->id_count * sizeof *comp);
    uint32_t keep = comp ? s_largest_scc (self, comp, &st->components) : MAP_NODE_NONE;
    if (keep == MAP_NODE_NONE) {
        map_error (err, errlen, "%s: out of memory", path);
        goto done;
    }
    size_t present = 0, kept = 0;
    for (size_t v = 0; v < self->id_count; v++) {
        present += self->have[v];
        kept += comp[v] == keep;
    }
    st->nodes_dropped = present - kept;
    if (kept < 2) {
        map_error (err, errlen,
                   "%s: no drivable roads: no two road nodes can reach each other (one-way streets "
                   "only?)",
                   path);
        goto done;
    }
    g = s_make_graph (self, comp, keep, opt ? opt->epsg : 0);
    if (g) {
        st->nodes = map_graph_node_count (g);
        st->edges = map_graph_edge_count (g);
    }

done:
    free (comp);
    free (self->ways);
    free (self->refs);
    free (self->ids);
    free (self->lon);
    free (self->lat);
    free (self->have);
    free (self->edges);
    return g;
}
