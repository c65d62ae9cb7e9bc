/* map_ch_sources: standing sources of a contraction hierarchy kept as buckets (the one-to-many bucket method, kept up
 * to date as sources come and go), queried for the k sources nearest a target by time; and watches, the same
 * buckets the other way round, told of the sources put near each target. Built on the upward search of
 * map_ch_search.h; single-threaded and deterministic like the rest of map_ch. */
#include "map_ch_sources.h"

#include "map_ch_search.h"

/* ---- standing sources: buckets kept up to date as sources come and go ------------------------------------------ */

typedef struct {
    int64_t ms;       /* upward time from the source to the bucket's node */
    uint32_t id;      /* the source */
    uint32_t version; /* the source's version when filed: a different one now means the entry is dead (a dead entry
                         would look live again only after 2^32 removals of its source while it waits in a bucket
                         less than half dead) */
} s_entry_t;

/* A bucket is a sorted part, entries [0, sorted) by (ms, id), and an unsorted tail [sorted, count) that takes
 * insertions; the tail is merged in once it outgrows about the square root of the sorted part. Removing a source
 * only bumps its version, which kills its entries where they lie, and counts them dead in their buckets; a bucket
 * half dead is compacted (a merge leaves the dead where they are). A change thus costs about the square root of a
 * bucket instead of moving half of it, while a query still reads the sorted part in time order. A bucket at a node
 * high in the hierarchy holds most of the fleet, so this is what keeps puts and removals cheap. */
typedef struct {
    s_entry_t *entry;
    uint32_t count, cap, sorted, dead;
    int64_t tail_min_ms; /* no tail entry is sooner (it may be lower than the real minimum after removals) */
} s_bucket_t;

typedef struct {
    uint32_t *mark; /* ranks of the buckets holding the source's live entries */
    uint32_t count, cap;
} s_source_t;

/* What an entry's liveness is read from, apart from s_source_t: every scan of a bucket reads it for entries of
 * sources all over the fleet, so it is kept dense (8 bytes a source) to stay in cache. */
typedef struct {
    uint32_t version;
    bool present;
} s_alive_t;

/* A node an upward search settled, and its time from the start. */
typedef struct {
    uint32_t rank;
    int64_t dist_ms;
} s_settled_t;

struct map_ch_sources_t {
    const map_ch_t *ch;
    bool watch;            /* a watch (map_ch_watch_t): targets, filed by backward searches, entries time - limit */
    int64_t *limit_ms;     /* watch only: [id_limit], each target's limit */
    uint32_t id_limit;
    int64_t horizon_ms;
    size_t entry_limit;
    size_t count, entries; /* sources present, and their live entries */
    s_bucket_t *bucket;    /* [n], by rank */
    s_source_t *source;    /* [id_limit] */
    s_alive_t *alive;      /* [id_limit] */
    s_side_t side;         /* the searches; no tree */
    s_entry_t *merge;      /* scratch for merging a tail in: twice the longest tail */
    uint32_t merge_cap;
    s_settled_t *settled;  /* scratch for a put: the nodes its search settled, in order */
    uint32_t settled_cap;
};

static map_ch_sources_t *s_set_new (const map_ch_t *ch, bool watch, uint32_t id_limit, int64_t horizon_ms,
                                    size_t entry_limit)
{
    assert (ch);
    if (horizon_ms < 0) return NULL;
    map_ch_sources_t *self = calloc (1, sizeof *self);
    if (!self) return NULL;
    self->ch = ch;
    self->watch = watch;
    self->id_limit = id_limit;
    self->horizon_ms = horizon_ms;
    self->entry_limit = entry_limit;
    self->bucket = calloc (ch->n ? ch->n : 1, sizeof *self->bucket);
    self->source = calloc (id_limit ? id_limit : 1, sizeof *self->source);
    self->alive = calloc (id_limit ? id_limit : 1, sizeof *self->alive);
    if (watch) self->limit_ms = malloc ((id_limit ? id_limit : 1) * sizeof *self->limit_ms);
    if (!self->bucket || !self->source || !self->alive || (watch && !self->limit_ms) ||
        s_side_init (&self->side, ch->n, false) < 0)
        map_ch_sources_destroy (&self);
    return self;
}

map_ch_sources_t *map_ch_sources_new (const map_ch_t *ch, uint32_t id_limit, int64_t horizon_ms, size_t entry_limit)
{
    return s_set_new (ch, false, id_limit, horizon_ms, entry_limit);
}

map_ch_watch_t *map_ch_watch_new (const map_ch_t *ch, uint32_t id_limit, int64_t horizon_ms, size_t entry_limit)
{
    return (map_ch_watch_t *)s_set_new (ch, true, id_limit, horizon_ms, entry_limit);
}

void map_ch_watch_destroy (map_ch_watch_t **self_p)
{
    if (!self_p) return;
    map_ch_sources_t *set = (map_ch_sources_t *)*self_p;
    map_ch_sources_destroy (&set);
    *self_p = NULL;
}

void map_ch_sources_destroy (map_ch_sources_t **self_p)
{
    if (!self_p || !*self_p) return;
    map_ch_sources_t *self = *self_p;
    if (self->bucket)
        for (uint32_t r = 0; r < self->ch->n; r++)
            free (self->bucket[r].entry);
    if (self->source)
        for (uint32_t id = 0; id < self->id_limit; id++)
            free (self->source[id].mark);
    free (self->bucket);
    free (self->source);
    free (self->alive);
    free (self->limit_ms);
    free (self->merge);
    free (self->settled);
    s_side_free (&self->side);
    free (self);
    *self_p = NULL;
}

/* How many nodes on the buckets a pass over nodes fetches ahead (a put's, or a removal's). */
#define S_AHEAD 8

/* Asks for the cache line at p ahead of its use; only a hint (nothing where the compiler has no such builtin). */
static inline void s_prefetch (const void *p)
{
#if defined(__GNUC__)
    __builtin_prefetch (p);
#else
    (void)p;
#endif
}

/* Keeps a rare path out of line, so that the compiler's inlining budget goes to the searches' steps (s_step). */
#if defined(__GNUC__)
#define S_RARE __attribute__ ((noinline, cold))
#else
#define S_RARE
#endif

static inline bool s_entry_less (s_entry_t a, s_entry_t b)
{
    return a.ms < b.ms || (a.ms == b.ms && a.id < b.id);
}

static inline bool s_entry_live (const map_ch_sources_t *self, s_entry_t e)
{
    return self->alive[e.id].version == e.version;
}

/* Drops the dead entries of b, keeping the sorted part sorted and the tail after it. b->dead counts them exactly, so
 * liveness is read only up to the last of them; the rest, all live, moves as one block. */
static void s_bucket_compact (const map_ch_sources_t *self, s_bucket_t *b)
{
    uint32_t i = 0, to = 0, left = b->dead, gone_sorted = 0;
    for (; i < b->count && left > 0; i++) {
        if (s_entry_live (self, b->entry[i])) {
            b->entry[to++] = b->entry[i];
        } else {
            left--;
            if (i < b->sorted) gone_sorted++;
        }
    }
    if (to < i) memmove (b->entry + to, b->entry + i, (b->count - i) * sizeof *b->entry);
    b->count -= i - to;
    b->sorted -= gone_sorted;
    b->dead = 0;
}

/* Sorts a[0, n) by (ms, id) with tmp[0, n) as scratch: runs of 16 by insertion, then merged pairwise from one
 * array to the other. Returns the one holding the result (a or tmp). */
static s_entry_t *s_entries_sort (s_entry_t *a, uint32_t n, s_entry_t *tmp)
{
    for (uint32_t lo = 0; lo < n; lo += 16) {
        uint32_t hi = n - lo > 16 ? lo + 16 : n;
        for (uint32_t i = lo + 1; i < hi; i++) {
            s_entry_t e = a[i];
            uint32_t j = i;
            for (; j > lo && s_entry_less (e, a[j - 1]); j--)
                a[j] = a[j - 1];
            a[j] = e;
        }
    }
    s_entry_t *from = a, *to = tmp;
    for (size_t width = 16; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                to[k++] = s_entry_less (from[j], from[i]) ? from[j++] : from[i++];
            while (i < mid)
                to[k++] = from[i++];
            while (j < hi)
                to[k++] = from[j++];
        }
        s_entry_t *swap = from;
        from = to;
        to = swap;
    }
    return from;
}

/* Sorts the tail and merges it into the sorted part, dead entries and all (a bucket half dead is compacted: reading
 * every entry's liveness at each merge would cost more than the scans of the dead spare). The merge runs from the
 * back, in place: the sorted entries before the tail's first stay where they are. 0, or -1 when out of memory
 * (nothing changed). */
S_RARE static int s_bucket_merge (map_ch_sources_t *self, s_bucket_t *b)
{
    uint32_t t = b->count - b->sorted;
    if (self->merge_cap / 2 < t) {
        s_entry_t *m = realloc (self->merge, 2 * (size_t)t * sizeof *m);
        if (!m) return -1;
        self->merge = m;
        self->merge_cap = 2 * t;
    }
    s_entry_t *tail = self->merge;
    memcpy (tail, b->entry + b->sorted, t * sizeof *tail);
    tail = s_entries_sort (tail, t, self->merge + t);
    uint32_t i = b->sorted, j = t, k = b->count;
    while (j > 0) {
        if (i > 0 && s_entry_less (tail[j - 1], b->entry[i - 1]))
            b->entry[--k] = b->entry[--i];
        else
            b->entry[--k] = tail[--j];
    }
    b->sorted = b->count;
    b->tail_min_ms = INT64_MAX;
    return 0;
}

/* Kills source id's entries (a new version) and counts them dead in their buckets. */
static void s_source_unmark (map_ch_sources_t *self, uint32_t id)
{
    s_source_t *src = &self->source[id];
    self->alive[id].version++;
    for (uint32_t m = 0; m < src->count; m++) {
        if (m + S_AHEAD < src->count) s_prefetch (&self->bucket[src->mark[m + S_AHEAD]]);
        s_bucket_t *b = &self->bucket[src->mark[m]];
        if (++b->dead * 2 > b->count) s_bucket_compact (self, b);
    }
    self->entries -= src->count;
    src->count = 0;
}

/* A tail this long is merged in: about the square root of the sorted part. */
static uint32_t s_tail_limit (uint32_t sorted)
{
    uint32_t root = 1;
    while (root * root < sorted)
        root *= 2;
    return 8 + root;
}

/* Files (id, ms) in bucket r and notes the mark. 0, or -1 when out of memory or past the entry limit. */
static int s_source_mark (map_ch_sources_t *self, uint32_t id, uint32_t r, int64_t ms)
{
    if (self->entries >= self->entry_limit) return -1;
    s_source_t *src = &self->source[id];
    s_bucket_t *b = &self->bucket[r];
    if (src->count == src->cap) {
        uint32_t cap = src->cap ? 2 * src->cap : 16;
        uint32_t *mark = realloc (src->mark, cap * sizeof *mark);
        if (!mark) return -1;
        src->mark = mark;
        src->cap = cap;
    }
    if (b->count - b->sorted >= s_tail_limit (b->sorted) && s_bucket_merge (self, b) < 0) return -1;
    if (b->count == b->cap) {
        if (b->cap > UINT32_MAX / 2) return -1;
        uint32_t cap = b->cap ? 2 * b->cap : 4;
        s_entry_t *entry = realloc (b->entry, cap * sizeof *entry);
        if (!entry) return -1;
        b->entry = entry;
        b->cap = cap;
    }
    if (b->count == b->sorted || ms < b->tail_min_ms) b->tail_min_ms = ms;
    b->entry[b->count++] = (s_entry_t){.ms = ms, .id = id, .version = self->alive[id].version};
    src->mark[src->count++] = r;
    self->entries++;
    return 0;
}

/* Reports to fn every target of watch w whose bucket at rank v holds it within its limit of a source dv away. */
static void s_watch_scan (const map_ch_sources_t *w, uint32_t v, int64_t dv, uint32_t source, map_ch_watch_fn *fn,
                          void *arg)
{
    const s_bucket_t *bucket = &w->bucket[v];
    /* An entry is (time to the target - its limit): reached in time when entry + dv <= 0. */
    for (uint32_t i = 0; i < bucket->sorted; i++) {
        s_entry_t e = bucket->entry[i];
        if (e.ms + dv > 0) break;
        if (s_entry_live (w, e)) fn (e.id, source, e.ms + w->limit_ms[e.id] + dv, arg);
    }
    if (bucket->count == bucket->sorted || bucket->tail_min_ms + dv > 0) return;
    for (uint32_t i = bucket->sorted; i < bucket->count; i++) {
        s_entry_t e = bucket->entry[i];
        if (e.ms + dv <= 0 && s_entry_live (w, e)) fn (e.id, source, e.ms + w->limit_ms[e.id] + dv, arg);
    }
}

/* The upward search from node cut at cut_ms, forward for sources and backward for a watch's targets: lists the
 * nodes it settles in self->settled, in order. Their count, or -1 when out of memory. */
static int64_t s_settle (map_ch_sources_t *self, uint32_t node, int64_t cut_ms)
{
    const map_ch_t *ch = self->ch;
    const uint32_t *first = self->watch ? ch->bwd_first : ch->fwd_first;
    const uint32_t *ofirst = self->watch ? ch->fwd_first : ch->bwd_first;
    const s_qarc_t *arcs = self->watch ? ch->qbwd : ch->qfwd, *oarcs = self->watch ? ch->qfwd : ch->qbwd;
    s_side_t *f = &self->side;
    s_side_begin (f);
    s_side_offer (f, ch->rank[node], 0);
    uint32_t settled = 0;
    while (f->heap_size > 0 && f->heap[0].key <= cut_ms) {
        uint32_t v = s_step (f, first, arcs, ofirst, oarcs, cut_ms);
        if (f->label[v].pos != S_SETTLED) continue;
        if (settled == self->settled_cap) {
            uint32_t cap = self->settled_cap ? 2 * self->settled_cap : 256;
            s_settled_t *list = realloc (self->settled, cap * sizeof *list);
            if (!list) return -1;
            self->settled = list;
            self->settled_cap = cap;
        }
        self->settled[settled++] = (s_settled_t){.rank = v, .dist_ms = f->label[v].dist_ms};
    }
    return settled;
}

/* Puts id at node: the upward search cut at cut_ms (s_settle), filing each settled node's time less offset_ms; with
 * a watch w, each settled node's bucket there is read too. */
static int s_put (map_ch_sources_t *self, uint32_t id, uint32_t node, int64_t cut_ms, int64_t offset_ms,
                  const map_ch_sources_t *w, map_ch_watch_fn *fn, void *arg)
{
    assert (self && id < self->id_limit && node < self->ch->n);
    map_ch_sources_remove (self, id);
    int64_t found = s_settle (self, node, cut_ms);
    if (found < 0) return -1;
    uint32_t settled = (uint32_t)found;
    /* The buckets are filed (and read) in a second pass, in the order settled: the bucket S_AHEAD nodes on is
     * fetched meanwhile, and the place its entry goes half as far on, as they are all over memory. */
    bool scan = w && w->count > 0;
    for (uint32_t i = 0; i < settled; i++) {
        if (i + S_AHEAD < settled) {
            s_prefetch (&self->bucket[self->settled[i + S_AHEAD].rank]);
            if (scan) s_prefetch (&w->bucket[self->settled[i + S_AHEAD].rank]);
        }
        if (i + S_AHEAD / 2 < settled) {
            const s_bucket_t *b = &self->bucket[self->settled[i + S_AHEAD / 2].rank];
            if (b->entry) s_prefetch (b->entry + b->count);
            if (scan) s_prefetch (w->bucket[self->settled[i + S_AHEAD / 2].rank].entry);
        }
        uint32_t v = self->settled[i].rank;
        int64_t dv = self->settled[i].dist_ms;
        if (s_source_mark (self, id, v, dv - offset_ms) < 0) {
            s_source_unmark (self, id);
            return -1;
        }
        if (scan) s_watch_scan (w, v, dv, id, fn, arg);
    }
    self->alive[id].present = true;
    self->count++;
    return 0;
}

int map_ch_sources_put (map_ch_sources_t *self, uint32_t id, uint32_t node)
{
    assert (self && !self->watch);
    return s_put (self, id, node, self->horizon_ms, 0, NULL, NULL, NULL);
}

int map_ch_sources_put_watched (map_ch_sources_t *self, uint32_t id, uint32_t node, const map_ch_watch_t *watch,
                                map_ch_watch_fn *fn, void *arg)
{
    const map_ch_sources_t *w = (const map_ch_sources_t *)watch;
    assert (self && !self->watch && (!w || (w->watch && w->ch == self->ch && fn)));
    return s_put (self, id, node, self->horizon_ms, 0, w, fn, arg);
}

int map_ch_watch_put (map_ch_watch_t *watch, uint32_t id, uint32_t node, int64_t limit_ms)
{
    map_ch_sources_t *self = (map_ch_sources_t *)watch;
    assert (self && self->watch && id < self->id_limit && limit_ms >= 0 && limit_ms <= self->horizon_ms);
    self->limit_ms[id] = limit_ms;
    return s_put (self, id, node, limit_ms, limit_ms, NULL, NULL, NULL);
}

void map_ch_watch_remove (map_ch_watch_t *watch, uint32_t id)
{
    map_ch_sources_remove ((map_ch_sources_t *)watch, id);
}

int map_ch_watch_contains (const map_ch_watch_t *watch, uint32_t id)
{
    return map_ch_sources_contains ((const map_ch_sources_t *)watch, id);
}

size_t map_ch_watch_count (const map_ch_watch_t *watch)
{
    return map_ch_sources_count ((const map_ch_sources_t *)watch);
}

void map_ch_sources_remove (map_ch_sources_t *self, uint32_t id)
{
    assert (self);
    if (id >= self->id_limit || !self->alive[id].present) return;
    s_source_unmark (self, id);
    self->alive[id].present = false;
    self->count--;
}

int map_ch_sources_contains (const map_ch_sources_t *self, uint32_t id)
{
    assert (self);
    return id < self->id_limit && self->alive[id].present;
}

size_t map_ch_sources_node_bytes (void)
{
    return sizeof (s_bucket_t) + sizeof (s_label_t) + sizeof (s_item_t);
}

size_t map_ch_watch_node_bytes (void)
{
    return map_ch_sources_node_bytes () + sizeof (s_source_t) + sizeof (s_alive_t) + sizeof (int64_t);
}

size_t map_ch_sources_entry_bytes (void)
{
    return 2 * (2 * sizeof (s_entry_t) + sizeof (uint32_t));
}

size_t map_ch_sources_count (const map_ch_sources_t *self)
{
    assert (self);
    return self->count;
}

size_t map_ch_sources_entries (const map_ch_sources_t *self)
{
    assert (self);
    return self->entries;
}

void map_ch_sources_lower_horizon (map_ch_sources_t *self, int64_t horizon_ms)
{
    assert (self);
    if (horizon_ms >= 0 && horizon_ms < self->horizon_ms) self->horizon_ms = horizon_ms;
}

int64_t map_ch_sources_horizon (const map_ch_sources_t *self)
{
    assert (self);
    return self->horizon_ms;
}

/* A source dropped from a full list earlier cannot come back with a later time: the k-th is already before its old
 * time; so the list needs no memory of what it dropped. */
void map_ch_best_offer (uint32_t *ids, int64_t *ms, size_t k, size_t *count, uint32_t id, int64_t t)
{
    size_t n = *count;
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id) {
            if (ms[i] <= t) return;
            memmove (ids + i, ids + i + 1, (n - i - 1) * sizeof *ids);
            memmove (ms + i, ms + i + 1, (n - i - 1) * sizeof *ms);
            n--;
            break;
        }
    if (n == k && (t > ms[n - 1] || (t == ms[n - 1] && id > ids[n - 1]))) {
        *count = n;
        return;
    }
    size_t at = n < k ? n : k - 1;
    while (at > 0 && (ms[at - 1] > t || (ms[at - 1] == t && ids[at - 1] > id))) {
        ms[at] = ms[at - 1];
        ids[at] = ids[at - 1];
        at--;
    }
    ms[at] = t;
    ids[at] = id;
    *count = n < k ? n + 1 : k;
}

size_t map_ch_sources_nearest (map_ch_sources_t *self, uint32_t target, int64_t limit_ms, size_t k, uint32_t *ids,
                               int64_t *ms)
{
    assert (self && !self->watch && target < self->ch->n && limit_ms <= self->horizon_ms);
    const map_ch_t *ch = self->ch;
    if (k == 0 || limit_ms < 0 || self->count == 0) return 0;
    size_t found = 0;
    int64_t bound = limit_ms; /* no later time can enter the list */
    s_side_t *b = &self->side;
    s_side_begin (b);
    s_side_offer (b, ch->rank[target], 0);
    while (b->heap_size > 0 && b->heap[0].key <= bound) {
        uint32_t v = s_step (b, ch->bwd_first, ch->qbwd, ch->fwd_first, ch->qfwd, bound);
        if (b->label[v].pos != S_SETTLED) continue;
        int64_t dv = b->label[v].dist_ms;
        const s_bucket_t *bucket = &self->bucket[v];
        for (uint32_t i = 0; i < bucket->sorted; i++) {
            s_entry_t e = bucket->entry[i];
            int64_t t = e.ms + dv;
            if (t > bound) break; /* the sorted part is in time order */
            if (!s_entry_live (self, e)) continue;
            map_ch_best_offer (ids, ms, k, &found, e.id, t);
            if (found == k) bound = ms[k - 1];
        }
        if (bucket->count == bucket->sorted || bucket->tail_min_ms + dv > bound) continue;
        for (uint32_t i = bucket->sorted; i < bucket->count; i++) {
            s_entry_t e = bucket->entry[i];
            int64_t t = e.ms + dv;
            if (t > bound || !s_entry_live (self, e)) continue;
            map_ch_best_offer (ids, ms, k, &found, e.id, t);
            if (found == k) bound = ms[k - 1];
        }
    }
    return found;
}
