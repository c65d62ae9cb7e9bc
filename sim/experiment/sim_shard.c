/* sim_shard: the shares of a sweep played apart (Slurm job arrays), their manifests, and the checks before a merge. */
#define _XOPEN_SOURCE 700 /* getdelim */
#include "sim_shard.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "map_error.h"
#include "sim_file.h"

#define S_LIST_SHOWN 10   /* runs named in a message before "and N more" */

/* A decimal count and nothing else into *out. 0, or -1. */
static int
s_count (const char *text, size_t len, size_t *out)
{
    if (len == 0 || len > 9)
        return -1;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        v = v * 10 + (size_t) (text[i] - '0');
    }
    *out = v;
    return 0;
}

int
sim_shard_parse (const char *text, size_t *k, size_t *n, char *err, size_t errlen)
{
    const char *slash = strchr (text, '/');
    if (!slash || s_count (text, (size_t) (slash - text), k) < 0 || s_count (slash + 1, strlen (slash + 1), n) < 0)
        return map_error (err, errlen, "--shard %s: not K/N (the K-th of N shares, e.g. 2/8)", text);
    if (*n < 1 || *n > SIM_SWEEP_MAX_RUNS || *k < 1 || *k > *n)
        return map_error (err, errlen, "--shard %s: need 1 <= K <= N <= %d", text, SIM_SWEEP_MAX_RUNS);
    return 0;
}

/* A Slurm variable read as a count: 1 when set and read, 0 when unset, -1 with a message when not a count. */
static int
s_env_count (const char *name, size_t *out, char *err, size_t errlen)
{
    const char *v = getenv (name);
    if (!v)
        return 0;
    if (s_count (v, strlen (v), out) < 0)
        return map_error (err, errlen, "%s=%s: not a count (give --shard K/N)", name, v);
    return 1;
}

int
sim_shard_from_env (size_t *k, size_t *n, char *how, size_t howlen, char *err, size_t errlen)
{
    size_t id = 0, count = 0, min = 0, max = 0, step = 1;
    int has_id = s_env_count ("SLURM_ARRAY_TASK_ID", &id, err, errlen);
    int has_count = s_env_count ("SLURM_ARRAY_TASK_COUNT", &count, err, errlen);
    if (has_id < 0 || has_count < 0)
        return -1;
    if (!has_id || !has_count)
        return 0;
    int has_min = s_env_count ("SLURM_ARRAY_TASK_MIN", &min, err, errlen);
    int has_max = s_env_count ("SLURM_ARRAY_TASK_MAX", &max, err, errlen);
    int has_step = s_env_count ("SLURM_ARRAY_TASK_STEP", &step, err, errlen);
    if (has_min < 0 || has_max < 0 || has_step < 0)
        return -1;
    if (!has_min)
        return map_error (err, errlen, "SLURM_ARRAY_TASK_ID=%zu: SLURM_ARRAY_TASK_MIN is not set, so this task's "
                          "share is unknown (give --shard K/N)", id);
    if (step < 1)
        step = 1;
    if (count < 1 || id < min || (id - min) % step != 0 || (id - min) / step >= count ||
        (has_max && (max < min || (max - min) / step + 1 != count || (max - min) % step != 0)))
        return map_error (err, errlen, "SLURM_ARRAY_TASK_ID=%zu, SLURM_ARRAY_TASK_MIN=%zu, SLURM_ARRAY_TASK_STEP=%zu, "
                          "SLURM_ARRAY_TASK_COUNT=%zu: the array's ids are not evenly spaced from MIN (an --array "
                          "list such as 1,4,5?), so this task's share is unknown (give --shard K/N)", id, min, step,
                          count);
    *k = (id - min) / step + 1;
    *n = count;
    if (*n > SIM_SWEEP_MAX_RUNS)
        return map_error (err, errlen, "SLURM_ARRAY_TASK_COUNT=%zu: more than %d shares", count, SIM_SWEEP_MAX_RUNS);
    snprintf (how, howlen, "shard %zu/%zu from SLURM_ARRAY_TASK_ID=%zu (K = (ID - %zu) / %zu + 1, N = "
              "SLURM_ARRAY_TASK_COUNT)", *k, *n, id, min, step);
    return 1;
}

uint32_t
sim_shard_fingerprint (const char *config_text, const char *grid_text)
{
    uLong crc = crc32 (0L, Z_NULL, 0);
    crc = crc32 (crc, (const Bytef *) config_text, (uInt) strlen (config_text));
    crc = crc32 (crc, (const Bytef *) grid_text, (uInt) strlen (grid_text));
    return (uint32_t) crc;
}

int
sim_shard_write (FILE *out, const sim_sweep_t *sweep, uint32_t fingerprint)
{
    size_t k, n;
    sim_sweep_shard (sweep, &k, &n);
    fprintf (out, "; robotaxi-sim sweep shard: these runs of the sweep of config.ini and sweep.ini (the runs r with "
                  "r %% N = K - 1);\n; 'robotaxi-sim merge -o OUT DIR...' joins the N shards' folders into the whole "
                  "sweep\n[shard]\nshard = %zu/%zu\nfingerprint = %08x\nruns = ", k, n, (unsigned) fingerprint);
    size_t runs = sim_sweep_runs (sweep), written = 0;
    for (size_t r = k - 1; r < runs; r += n)
        fprintf (out, "%s%zu", written++ ? "," : "", r);
    fputc ('\n', out);
    return ferror (out) ? -1 : 0;
}

char *
sim_shard_slurp (const char *path)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t cap = 0;
    ssize_t got = getdelim (&text, &cap, '\0', f);
    int saved = errno, at_end = feof (f);
    fclose (f);
    if (got < 0) {
        free (text);
        errno = saved;
        /* an empty file reads as "" */
        return at_end ? strdup ("") : NULL;
    }
    return text;
}

/* --- the merge's checks --- */

/* One folder given to a merge. */
typedef struct {
    const char *dir;
    char *config_text, *grid_text;
    size_t k, n;
} s_shard_t;

/* "run 4" or "runs 1, 4 and 7" (S_LIST_SHOWN named, then "and N more") of the runs r < runs with r % n == k - 1. */
static void
s_runs_of (char *buf, size_t len, size_t k, size_t n, size_t runs)
{
    size_t used = 0, total = k - 1 < runs ? (runs - (k - 1) + n - 1) / n : 0, i = 0;
    buf[0] = '\0';
    map_error_append (buf, len, &used, total == 1 ? "run" : "runs");
    for (size_t r = k - 1; r < runs; r += n, i++) {
        if (i == S_LIST_SHOWN) {
            map_error_append (buf, len, &used, " and %zu more", total - i);
            break;
        }
        map_error_append (buf, len, &used, "%s%zu", i == 0 ? " " : i + 1 == total ? " and " : ", ", r);
    }
}

/* The value of "NAME = VALUE" in text (a line of its own, spaces around '=' as written), into buf. 1 when found. */
static int
s_ini_value (const char *text, const char *name, char *buf, size_t len)
{
    size_t nlen = strlen (name);
    for (const char *line = text; *line; ) {
        size_t n = strcspn (line, "\n");
        if (n > nlen + 3 && strncmp (line, name, nlen) == 0 && strncmp (line + nlen, " = ", 3) == 0) {
            size_t v = n - nlen - 3;
            if (v >= len)
                v = len - 1;
            memcpy (buf, line + nlen + 3, v);
            buf[v] = '\0';
            return 1;
        }
        if (n == nlen + 2 && strncmp (line, name, nlen) == 0 && strncmp (line + nlen, " =", 2) == 0) {
            buf[0] = '\0';
            return 1;
        }
        line += n + (line[n] == '\n');
    }
    return 0;
}

/* The first line where a and b differ (1-based) and both lines, or 0 when they are the same text. */
static int
s_first_line_diff (const char *a, const char *b, char *la, char *lb, size_t len)
{
    for (int line = 1; *a || *b; line++) {
        size_t na = strcspn (a, "\n"), nb = strcspn (b, "\n");
        if (na != nb || strncmp (a, b, na) != 0) {
            snprintf (la, len, "%.*s", (int) na, a);
            snprintf (lb, len, "%.*s", (int) nb, b);
            if (!*a)
                snprintf (la, len, "(none)");
            if (!*b)
                snprintf (lb, len, "(none)");
            return line;
        }
        a += na + (a[na] == '\n');
        b += nb + (b[nb] == '\n');
    }
    return 0;
}

/* Reads DIR's manifest, config.ini and sweep.ini into shard and checks the manifest against them. */
static int
s_shard_load (s_shard_t *shard, char *err, size_t errlen)
{
    char path[SIM_FILE_PATH_MAX];
    const char *dir = shard->dir;
    struct stat st;
    if (stat (dir, &st) < 0) {
        map_error (err, errlen, "%s: %s", dir, strerror (errno));
        return SIM_SHARD_MISSING;
    }
    if (!S_ISDIR (st.st_mode)) {
        map_error (err, errlen, "%s: not a folder (a shard is the folder robotaxi-sim --shard K/N wrote)", dir);
        return SIM_SHARD_MISSING;
    }
    snprintf (path, sizeof path, "%s/%s", dir, SIM_SHARD_FILE);
    char *manifest = sim_shard_slurp (path);
    if (!manifest) {
        map_error (err, errlen, "%s: %s: not the folder of a shard (robotaxi-sim --sweep ... --shard K/N writes one)",
                   path, strerror (errno));
        return SIM_SHARD_MISSING;
    }
    int rc = SIM_SHARD_BAD;
    char value[64], want[64];
    if (!s_ini_value (manifest, "shard", value, sizeof value) ||
        sim_shard_parse (value, &shard->k, &shard->n, want, sizeof want) < 0) {
        map_error (err, errlen, "%s: no line 'shard = K/N' (1 <= K <= N)", path);
        goto done;
    }
    const char *names[2] = {"config.ini", "sweep.ini"};
    char **texts[2] = {&shard->config_text, &shard->grid_text};
    for (int i = 0; i < 2; i++) {
        char file[SIM_FILE_PATH_MAX];
        snprintf (file, sizeof file, "%s/%s", dir, names[i]);
        *texts[i] = sim_shard_slurp (file);
        if (!*texts[i]) {
            map_error (err, errlen, "%s: %s: the shard is not whole (its sweep's %s is gone)", file, strerror (errno),
                       names[i]);
            rc = SIM_SHARD_MISSING;
            goto done;
        }
    }
    snprintf (want, sizeof want, "%08x", (unsigned) sim_shard_fingerprint (shard->config_text, shard->grid_text));
    if (!s_ini_value (manifest, "fingerprint", value, sizeof value) || strcmp (value, want) != 0) {
        map_error (err, errlen, "%s: fingerprint '%s' is not that of %s/config.ini and sweep.ini (%s): the files were "
                   "changed after the shard was played", path, value, dir, want);
        goto done;
    }
    rc = 0;
done:
    free (manifest);
    return rc;
}

/* Whether DIR/shard.ini's runs line lists exactly the runs of its K/N of a sweep of `runs` runs. */
static int
s_runs_listed (const s_shard_t *shard, size_t runs, char *err, size_t errlen)
{
    char path[SIM_FILE_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", shard->dir, SIM_SHARD_FILE);
    char *manifest = sim_shard_slurp (path);
    if (!manifest)
        return map_error (err, errlen, "%s: %s", path, strerror (errno));
    const char *line = strstr (manifest, "\nruns = ");
    int rc = line ? 0 : -1;
    if (line) {
        const char *at = line + 8;
        for (size_t r = shard->k - 1; r < runs && rc == 0; r += shard->n) {
            char *end;
            unsigned long long v = strtoull (at, &end, 10);
            if (end == at || v != r || (*end != ',' && *end != '\n' && *end))
                rc = -1;
            at = *end == ',' ? end + 1 : end;
        }
        if (rc == 0 && *at != '\n' && *at)
            rc = -1;
    }
    free (manifest);
    if (rc < 0)
        map_error (err, errlen, "%s: its runs are not those of shard %zu/%zu of a sweep of %zu runs", path, shard->k,
                   shard->n, runs);
    return rc;
}

int
sim_shard_plan (sim_shard_plan_t *plan, const char *const *dirs, size_t count, char *err, size_t errlen)
{
    memset (plan, 0, sizeof *plan);
    if (count == 0)
        return map_error (err, errlen, "merge: no shard folders given");
    int rc = -1;
    s_shard_t *shards = calloc (count, sizeof *shards);
    if (!shards)
        return map_error (err, errlen, "merge: out of memory");
    for (size_t i = 0; i < count; i++) {
        shards[i].dir = dirs[i];
        rc = s_shard_load (&shards[i], err, errlen);
        if (rc < 0)
            goto done;
    }
    /* one sweep: the same scenario and grid everywhere */
    rc = SIM_SHARD_BAD;
    const s_shard_t *first = &shards[0];
    for (size_t i = 1; i < count; i++) {
        const char *names[2] = {"config.ini", "sweep.ini"};
        const char *mine[2] = {shards[i].config_text, shards[i].grid_text};
        const char *theirs[2] = {first->config_text, first->grid_text};
        for (int f = 0; f < 2; f++) {
            char a[256], b[256];
            int line = s_first_line_diff (mine[f], theirs[f], a, b, sizeof a);
            if (line) {
                map_error (err, errlen, "%s/%s:%d: not the sweep of %s: '%s' there, '%s' in %s/%s (the shards of "
                           "one sweep hold the same %s)", shards[i].dir, names[f], line, first->dir, a, b, first->dir,
                           names[f], names[f]);
                goto done;
            }
        }
        if (shards[i].n != first->n) {
            map_error (err, errlen, "%s is shard %zu/%zu, %s shard %zu/%zu: shards of different splits of the sweep",
                       shards[i].dir, shards[i].k, shards[i].n, first->dir, first->k, first->n);
            goto done;
        }
    }
    char value[64];
    size_t runs;
    if (!s_ini_value (first->grid_text, "runs", value, sizeof value) || s_count (value, strlen (value), &runs) < 0) {
        map_error (err, errlen, "%s/sweep.ini: no line 'runs = N'", first->dir);
        goto done;
    }
    for (size_t i = 0; i < count; i++)
        if (s_runs_listed (&shards[i], runs, err, errlen) < 0)
            goto done;
    /* each shard once */
    char list[512];
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < i; j++)
            if (shards[i].k == shards[j].k) {
                s_runs_of (list, sizeof list, shards[i].k, shards[i].n, runs);
                map_error (err, errlen, "%s and %s are both shard %zu/%zu: %s would be merged twice (give each "
                           "shard once)", shards[j].dir, shards[i].dir, shards[i].k, shards[i].n, list);
                goto done;
            }
    /* every shard: the missing ones named with their runs */
    size_t n = first->n;
    if (count < n) {
        uint8_t *given = calloc (n, 1);
        if (!given) {
            rc = map_error (err, errlen, "merge: out of memory");
            goto done;
        }
        for (size_t i = 0; i < count; i++)
            given[shards[i].k - 1] = 1;
        char msg[2048];
        size_t used = 0, missing = 0, shown = 0;
        msg[0] = '\0';
        for (size_t k = 1; k <= n; k++) {
            if (given[k - 1])
                continue;
            missing++;
            s_runs_of (list, sizeof list, k, n, runs);
            if (shown++ < 4)
                map_error_append (msg, sizeof msg, &used, "%sshard %zu/%zu (%s)", shown > 1 ? ", " : "", k, n,
                          k - 1 < runs ? list : "no runs");
        }
        if (shown > 4)
            map_error_append (msg, sizeof msg, &used, " and %zu more shards", shown - 4);
        free (given);
        map_error (err, errlen, "merge: %zu of %zu shards given; missing: %s (play them with --shard K/%zu and give "
                   "their folders too)", count, n, msg, n);
        rc = SIM_SHARD_MISSING;
        goto done;
    }
    /* each run finished where it is */
    plan->holder = malloc ((runs ? runs : 1) * sizeof *plan->holder);
    if (!plan->holder) {
        rc = map_error (err, errlen, "merge: out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++)
        for (size_t r = shards[i].k - 1; r < runs; r += n) {
            char path[SIM_FILE_PATH_MAX];
            snprintf (path, sizeof path, "%s/runs/%04zu/headline.csv", shards[i].dir, r);
            if (access (path, R_OK) < 0) {
                map_error (err, errlen, "%s: %s: run %zu did not finish (continue shard %zu/%zu with --resume -o "
                           "%s)", path, strerror (errno), r, shards[i].k, n, shards[i].dir);
                rc = SIM_SHARD_MISSING;
                goto done;
            }
            plan->holder[r] = i;
        }
    plan->config_text = shards[0].config_text;
    plan->grid_text = shards[0].grid_text;
    shards[0].config_text = shards[0].grid_text = NULL;
    plan->runs = runs;
    plan->n = n;
    rc = 0;
done:
    for (size_t i = 0; i < count; i++) {
        free (shards[i].config_text);
        free (shards[i].grid_text);
    }
    free (shards);
    return rc;
}

void
sim_shard_plan_clear (sim_shard_plan_t *plan)
{
    if (!plan)
        return;
    free (plan->config_text);
    free (plan->grid_text);
    free (plan->holder);
    memset (plan, 0, sizeof *plan);
}

/* Copies the file src to dst. */
static int
s_copy_file (const char *src, const char *dst, char *err, size_t errlen)
{
    FILE *in = fopen (src, "rb");
    if (!in)
        return map_error (err, errlen, "%s: %s", src, strerror (errno));
    FILE *out = fopen (dst, "wb");
    if (!out) {
        int e = errno;
        fclose (in);
        return map_error (err, errlen, "%s: %s", dst, strerror (e));
    }
    char buf[65536];
    size_t got;
    int rc = 0;
    while ((got = fread (buf, 1, sizeof buf, in)) > 0)
        if (fwrite (buf, 1, got, out) != got) {
            rc = map_error (err, errlen, "%s: %s", dst, strerror (errno));
            break;
        }
    if (rc == 0 && ferror (in))
        rc = map_error (err, errlen, "%s: read failed", src);
    fclose (in);
    if (fclose (out) != 0 && rc == 0)
        rc = map_error (err, errlen, "%s: %s", dst, strerror (errno));
    return rc;
}

int
sim_shard_copy_dir (const char *src, const char *dst, char *err, size_t errlen)
{
    if (sim_file_make_dir (dst, err, errlen) < 0)
        return -1;
    DIR *d = opendir (src);
    if (!d)
        return map_error (err, errlen, "%s: %s", src, strerror (errno));
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir (d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char from[SIM_FILE_PATH_MAX], to[SIM_FILE_PATH_MAX];
        if (snprintf (from, sizeof from, "%s/%s", src, e->d_name) >= (int) sizeof from ||
            snprintf (to, sizeof to, "%s/%s", dst, e->d_name) >= (int) sizeof to) {
            rc = map_error (err, errlen, "%s/%s: path too long", src, e->d_name);
            break;
        }
        struct stat st;
        if (stat (from, &st) < 0)
            rc = map_error (err, errlen, "%s: %s", from, strerror (errno));
        else if (S_ISDIR (st.st_mode))
            rc = sim_shard_copy_dir (from, to, err, errlen);
        else
            rc = s_copy_file (from, to, err, errlen);
    }
    closedir (d);
    return rc;
}
