/*
 * Log compaction (src/storage/cleaner.h) on a real partition log (src/storage/plog.h) in a
 * mkdtemp directory: keys updated many times, tombstones, small segments so that there are
 * several closed segments. Checked against Kafka's LogCleaner rules, computed here from what
 * was appended: below the active segment's base each key keeps only its latest record (the
 * key map covers the closed segments only); tombstones go once their segment is older than
 * delete.retention.ms; records without a key are dropped; offsets never change (a filtered
 * batch keeps its BaseOffset and LastOffsetDelta, as MemoryRecords.filterTo does) and batches
 * left empty disappear; compressed batches are filtered too and keep their codec (Kafka's
 * buildRetainedRecordsInto compresses the retained records again); the active segment is never
 * touched; segments deleted by retention while a cleaning runs are skipped; the result
 * survives a reopen with nothing to rebuild; a failed run changes nothing.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch_builder.h"
#include "common/arena.h"
#include "fs_util.h"
#include "proto/compression.h"
#include "proto/records.h"
#include "storage/cleaner.h"
#include "storage/plog.h"

static char root[128];
static char logdir[512];
static char staging[600];

/* ------------------------------------------------------------------ model of what was appended */

#define T0   1700000000000LL /* first batch's timestamp */
#define MAXR 4096
#define MAXB 1024

typedef struct mrec {
    int64_t offset, ts;
    bool key_null, value_null;
    char key[24], value[40];
} mrec;

typedef struct mbatch {
    int64_t base;
    int32_t last_delta;
    int32_t count;
    int16_t attributes;
    int64_t max_ts;
    uint8_t *disk; /* as on disk after append (BaseOffset stamped) */
    size_t len;
} mbatch;

static mrec M[MAXR];
static int NR;
static mbatch MB[MAXB];
static int NB;
static uint32_t rng;

static void setup(void)
{
    cr_assert_eq(fu_mkdtemp(root, sizeof(root), "cleaner"), 0);
    snprintf(logdir, sizeof(logdir), "%s/topic-0", root);
    snprintf(staging, sizeof(staging), "%s/%s", logdir, KC_CLEANER_STAGING);
    NR = NB = 0;
    rng = 12345;
}

static void reset_model(void)
{
    for (int i = 0; i < NB; i++)
        free(MB[i].disk);
    NR = NB = 0;
    rng = 12345;
}

static void teardown(void)
{
    reset_model();
    if (root[0])
        fu_rm_tree(root);
}

TestSuite(cleaner, .init = setup, .fini = teardown, .timeout = 120);

static uint32_t lcg(void)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) & 0x7fff;
}

/* ------------------------------------------------------------------ log helpers */

/* Compacted topic, ~4 batches per segment, an index entry per batch, nothing deleted by time
 * or size; tombstones kept a day. */
static kc_log_config compact_cfg(void)
{
    kc_log_config c;
    memset(&c, 0, sizeof(c));
    c.segment_bytes = 700;
    c.segment_ms = 7LL * 24 * 3600 * 1000;
    c.segment_index_bytes = 8192;
    c.index_interval_bytes = 0;
    c.retention_ms = -1;
    c.retention_bytes = -1;
    c.flush_messages = INT64_MAX;
    c.flush_ms = INT64_MAX;
    c.file_delete_delay_ms = 60000;
    c.cleanup_delete = false;
    c.cleanup_compact = true;
    c.delete_retention_ms = 86400000;
    c.max_message_bytes = 1 << 20;
    return c;
}

static kc_plog *open_at(const char *dir, const kc_log_config *cfg, const kc_plog_open_opts *o,
                        kc_plog_open_stats *st)
{
    kc_plog *l = NULL;
    char err[256] = "";
    cr_assert_eq(kc_plog_open(dir, cfg, o, &l, st, err, sizeof(err)), 0, "open: %s", err);
    cr_assert_not_null(l);
    return l;
}

static kc_plog *open_log(const kc_log_config *cfg)
{
    kc_plog_open_opts o = {false, -1, -1, T0};
    return open_at(logdir, cfg, &o, NULL);
}

/* Appends @p bytes (a built batch, taken over) and records it in the model. */
static int64_t append_built(kc_plog *l, uint8_t *bytes, size_t len, int32_t count, int64_t now_ms)
{
    cr_assert_lt(NB, MAXB);
    int64_t base = -1;
    int rc = kc_plog_append(l, bytes, len, 0, now_ms, &base, NULL);
    cr_assert_eq(rc, 0, "append: %d", rc);
    mbatch *b = &MB[NB++];
    b->base = base;
    b->last_delta = bb_get_i32(bytes + 23);
    b->count = count;
    b->attributes = (int16_t)((bytes[21] << 8) | bytes[22]);
    b->max_ts = bb_get_i64(bytes + 35);
    b->disk = bytes;
    b->len = len;
    return base;
}

/* One batch of @p n records at timestamps @p base_ts + timestamp_delta; a codec in
 * @p attributes compresses its records section with that codec. */
static int64_t append_records(kc_plog *l, const bb_record *recs, int n, int64_t base_ts,
                              int16_t attributes)
{
    bb_batch b;
    bb_batch_defaults(&b);
    b.base_timestamp = base_ts;
    b.attributes = (int16_t)(attributes & ~KC_ATTR_CODEC_MASK);
    b.n_records = n;
    b.records = recs;
    size_t len;
    uint8_t *bytes = bb_build(&b, &len);
    int codec = attributes & KC_ATTR_CODEC_MASK;
    if (codec != KC_CODEC_NONE) {
        kc_batch_header h;
        cr_assert_eq(kc_batch_header_parse(bytes, len, &h), 0);
        uint8_t *z;
        cr_assert_eq(kc_batch_recompress(bytes, len, &h, codec, 1 << 20, &z, &len), 0);
        free(bytes);
        bytes = z;
    }
    int64_t base = append_built(l, bytes, len, n, base_ts);
    for (int i = 0; i < n; i++) {
        cr_assert_lt(NR, MAXR);
        mrec *r = &M[NR++];
        memset(r, 0, sizeof(*r));
        r->offset = base + i;
        r->ts = base_ts + recs[i].timestamp_delta;
        r->key_null = !recs[i].key;
        r->value_null = !recs[i].value;
        snprintf(r->key, sizeof(r->key), "%s", recs[i].key ? recs[i].key : "");
        snprintf(r->value, sizeof(r->value), "%s", recs[i].value ? recs[i].value : "");
    }
    return base;
}

/* A single-record batch. */
static int64_t append_kv(kc_plog *l, const char *key, const char *value, int64_t ts)
{
    bb_record r;
    bb_record_defaults(&r);
    r.key = key;
    r.value = value;
    return append_records(l, &r, 1, ts, 0);
}

/*
 * @p nbatches batches of 4 records over @p nkeys keys "key-NN" chosen at random; about one
 * value in @p tomb_every is null (a tombstone); batch b has timestamps T0 + 1000 * (first + b)
 * + i. Values name their offset.
 */
static void append_updates(kc_plog *l, int first, int nbatches, int nkeys, int tomb_every)
{
    for (int b = 0; b < nbatches; b++) {
        bb_record recs[4];
        char keys[4][24], vals[4][40];
        int64_t leo = kc_plog_log_end_offset(l);
        for (int i = 0; i < 4; i++) {
            bb_record_defaults(&recs[i]);
            snprintf(keys[i], sizeof(keys[i]), "key-%02u", lcg() % (unsigned)nkeys);
            snprintf(vals[i], sizeof(vals[i]), "val-%lld", (long long)(leo + i));
            recs[i].key = keys[i];
            recs[i].value = lcg() % (unsigned)tomb_every == 0 ? NULL : vals[i];
            recs[i].timestamp_delta = i;
        }
        append_records(l, recs, 4, T0 + 1000LL * (first + b), 0);
    }
}

/* ------------------------------------------------------------------ layout and expectations */

typedef struct layout {
    int n;
    int64_t base[256];
    long long size[256]; /* .log bytes */
} layout;

static void seg_path(const char *dir, int64_t base, const char *ext, char *out, size_t len)
{
    snprintf(out, len, "%s/%020lld%s", dir, (long long)base, ext);
}

static layout snap_layout(kc_plog *l)
{
    layout ly;
    memset(&ly, 0, sizeof(ly));
    ly.n = kc_plog_segment_count(l);
    cr_assert_leq(ly.n, 256);
    for (int i = 0; i < ly.n; i++) {
        char p[700];
        ly.base[i] = kc_plog_segment_base(l, i);
        seg_path(kc_plog_dir(l), ly.base[i], ".log", p, sizeof(p));
        ly.size[i] = fu_file_size(p);
    }
    return ly;
}

static int64_t closed_end(const layout *ly)
{
    return ly->base[ly->n - 1];
}

static int seg_of(const layout *ly, int64_t offset)
{
    int s = -1;
    for (int i = 0; i < ly->n; i++)
        if (ly->base[i] <= offset)
            s = i;
    return s;
}

/* Largest timestamp of segment @p s as appended. */
static int64_t seg_max_ts(const layout *ly, int s)
{
    int64_t hi = s + 1 < ly->n ? ly->base[s + 1] : INT64_MAX, m = -1;
    for (int i = 0; i < NB; i++)
        if (MB[i].base >= ly->base[s] && MB[i].base < hi && MB[i].max_ts > m)
            m = MB[i].max_ts;
    return m;
}

/* Latest offset of @p key below @p below, -1 when none. */
static int64_t latest_offset(const char *key, int64_t below)
{
    int64_t o = -1;
    for (int i = 0; i < NR; i++)
        if (M[i].offset < below && !M[i].key_null && strcmp(M[i].key, key) == 0)
            o = M[i].offset;
    return o;
}

/* Kafka's LogCleaner.shouldRetainRecord with this cleaner's tombstone horizon (segment older
 * than delete.retention.ms at @p now_ms), for a cleaning that saw layout @p ly. */
static bool kafka_keeps(const layout *ly, const mrec *r, int64_t now_ms, int64_t retention_ms)
{
    if (r->offset >= closed_end(ly))
        return true;
    if (r->key_null)
        return false; /* no key: invalid in a compacted log, dropped */
    if (latest_offset(r->key, closed_end(ly)) != r->offset)
        return false;
    if (!r->value_null)
        return true;
    return !(now_ms - seg_max_ts(ly, seg_of(ly, r->offset)) > retention_ms);
}

static const mbatch *orig_batch(int64_t base)
{
    for (int i = 0; i < NB; i++)
        if (MB[i].base == base)
            return &MB[i];
    return NULL;
}

/* ------------------------------------------------------------------ reading the log back */

static int64_t rd_varint(const uint8_t **p, const uint8_t *end)
{
    uint64_t u = 0;
    for (int shift = 0;; shift += 7) {
        cr_assert_lt(*p, end, "varint runs past the record");
        cr_assert_lt(shift, 64, "varint too long");
        uint8_t b = *(*p)++;
        u |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

typedef struct grec {
    int64_t offset, ts;
    bool key_null, value_null;
    char key[64], value[64];
} grec;

typedef struct gbatch {
    int64_t base, last;
    uint8_t *bytes;
    size_t len;
} gbatch;

typedef struct readback {
    grec *recs;
    int nrecs;
    gbatch *batches;
    int nbatches;
    int compressed_seen; /* batches read back in a codec */
} readback;

static void readback_free(readback *rb)
{
    for (int i = 0; i < rb->nbatches; i++)
        free(rb->batches[i].bytes);
    free(rb->batches);
    free(rb->recs);
    memset(rb, 0, sizeof(*rb));
}

/* Parses the records of uncompressed batch @p p into rb->recs; returns how many. */
static int parse_records(const uint8_t *p, size_t len, readback *rb)
{
    int64_t base = bb_get_i64(p), base_ts = bb_get_i64(p + 27);
    int32_t last_delta = bb_get_i32(p + 23), count = bb_get_i32(p + 57);
    const uint8_t *q = p + 61, *end = p + len;
    int64_t prev = -1;
    for (int32_t i = 0; i < count; i++) {
        int64_t rlen = rd_varint(&q, end);
        cr_assert(rlen > 0 && rlen <= end - q, "batch %lld record %d: bad length %lld",
                  (long long)base, i, (long long)rlen);
        const uint8_t *rend = q + rlen;
        q++; /* attributes */
        int64_t ts_delta = rd_varint(&q, rend);
        int64_t off_delta = rd_varint(&q, rend);
        grec *g = &rb->recs[rb->nrecs++];
        memset(g, 0, sizeof(*g));
        g->offset = base + off_delta;
        g->ts = base_ts + ts_delta;
        cr_assert(off_delta > prev && off_delta <= last_delta,
                  "batch %lld: offset delta %lld out of order or past LastOffsetDelta %d",
                  (long long)base, (long long)off_delta, last_delta);
        prev = off_delta;
        int64_t klen = rd_varint(&q, rend);
        g->key_null = klen < 0;
        if (klen > 0) {
            cr_assert(klen < (int64_t)sizeof(g->key) && klen <= rend - q);
            memcpy(g->key, q, (size_t)klen);
            q += klen;
        }
        int64_t vlen = rd_varint(&q, rend);
        g->value_null = vlen < 0;
        if (vlen > 0) {
            cr_assert(vlen < (int64_t)sizeof(g->value) && vlen <= rend - q);
            memcpy(g->value, q, (size_t)vlen);
            q += vlen;
        }
        int64_t nh = rd_varint(&q, rend);
        for (int64_t h = 0; h < nh; h++) {
            int64_t hk = rd_varint(&q, rend);
            q += hk > 0 ? hk : 0;
            int64_t hv = rd_varint(&q, rend);
            q += hv > 0 ? hv : 0;
        }
        cr_assert_eq(q, rend, "batch %lld record %d: length does not match its fields",
                     (long long)base, i);
    }
    cr_assert_eq(q, end, "batch %lld: bytes after the last record", (long long)base);
    return count;
}

/*
 * Reads the whole log (kc_plog_read from the log start to the log end offset) and checks each
 * batch: CRC-32C valid, magic 2, Length right, and it is an appended batch with the same
 * BaseOffset, LastOffsetDelta, attributes, timestamps and producer fields; a batch with all
 * its records is byte-identical; a compressed one keeps its codec and its records inflate and
 * parse; none is empty.
 */
static void read_back(kc_plog *l, readback *rb)
{
    memset(rb, 0, sizeof(*rb));
    rb->recs = calloc(MAXR, sizeof(*rb->recs));
    rb->batches = calloc(MAXB, sizeof(*rb->batches));
    cr_assert(rb->recs && rb->batches);
    int64_t off = kc_plog_log_start_offset(l), leo = kc_plog_log_end_offset(l);
    while (off < leo) {
        kc_arena a = KC_ARENA_INIT;
        kc_bytes out = {NULL, 0};
        int rc = kc_plog_read(l, off, leo, 1 << 20, true, &a, &out);
        cr_assert_eq(rc, 0, "read(%lld): rc %d", (long long)off, rc);
        cr_assert_gt(out.len, 0, "read(%lld) below the log end offset %lld returned nothing",
                     (long long)off, (long long)leo);
        size_t pos = 0;
        while (pos < (size_t)out.len) {
            const uint8_t *p = out.p + pos;
            cr_assert_geq((size_t)out.len - pos, 61, "read(%lld): partial batch header",
                          (long long)off);
            size_t size = (size_t)bb_get_i32(p + 8) + 12;
            cr_assert_leq(size, (size_t)out.len - pos, "read(%lld): partial batch", (long long)off);
            int64_t base = bb_get_i64(p);
            cr_assert_eq(p[16], 2, "batch %lld: magic %d", (long long)base, p[16]);
            cr_assert_eq(kc_batch_compute_crc(p, size), (uint32_t)bb_get_i32(p + 17),
                         "batch %lld: CRC-32C does not verify", (long long)base);
            const mbatch *ob = orig_batch(base);
            cr_assert_not_null(ob, "batch at %lld: no appended batch had that BaseOffset",
                               (long long)base);
            cr_assert_eq(bb_get_i32(p + 23), ob->last_delta,
                         "batch %lld: LastOffsetDelta %d, appended %d", (long long)base,
                         bb_get_i32(p + 23), ob->last_delta);
            cr_assert_eq(memcmp(p + 21, ob->disk + 21, 2), 0, "batch %lld: attributes changed",
                         (long long)base);
            cr_assert_eq(memcmp(p + 27, ob->disk + 27, 57 - 27), 0,
                         "batch %lld: timestamps or producer fields changed", (long long)base);
            cr_assert_eq(memcmp(p + 12, ob->disk + 12, 4), 0, "batch %lld: leader epoch",
                         (long long)base);
            int32_t count = bb_get_i32(p + 57);
            cr_assert_gt(count, 0, "batch %lld: empty batch kept", (long long)base);
            cr_assert_lt(rb->nrecs + count, MAXR + 1);
            int codec = ob->attributes & KC_ATTR_CODEC_MASK;
            if (codec != KC_CODEC_NONE) {
                /* the same batch with its records section inflated, to parse it as any other */
                uint8_t *in;
                size_t in_len;
                cr_assert_eq(kc_decompress(codec, p + 61, size - 61, 1 << 20, &in, &in_len), 0,
                             "batch %lld: its records do not inflate", (long long)base);
                uint8_t *flat = malloc(61 + in_len);
                cr_assert_not_null(flat);
                memcpy(flat, p, 61);
                memcpy(flat + 61, in, in_len);
                parse_records(flat, 61 + in_len, rb);
                free(flat);
                free(in);
                rb->compressed_seen++;
            } else {
                parse_records(p, size, rb);
            }
            if (count == ob->count) {
                cr_assert_eq(size, ob->len);
                cr_assert_eq(memcmp(p, ob->disk, size), 0,
                             "batch %lld: nothing removed, yet its bytes changed", (long long)base);
            }
            int64_t last = base + bb_get_i32(p + 23);
            if (rb->nbatches)
                cr_assert_gt(base, rb->batches[rb->nbatches - 1].last,
                             "batch %lld overlaps the previous one", (long long)base);
            cr_assert_lt(rb->nbatches, MAXB);
            gbatch *g = &rb->batches[rb->nbatches++];
            g->base = base;
            g->last = last;
            g->len = size;
            g->bytes = malloc(size);
            cr_assert_not_null(g->bytes);
            memcpy(g->bytes, p, size);
            off = last + 1;
            pos += size;
        }
        kc_arena_free(&a);
    }
    cr_assert_eq(off, leo, "the last batch does not end at the log end offset");
}

/*
 * Every offset from the log start to the log end: a Fetch of one byte with KIP-74 returns the
 * first batch whose last offset is at or after it (the batch holding it, or the next one when
 * the cleaner removed it) — checks the cleaned segments' indexes.
 */
static void check_point_reads(kc_plog *l, const readback *rb)
{
    int64_t leo = kc_plog_log_end_offset(l);
    int bi = 0;
    for (int64_t o = kc_plog_log_start_offset(l); o < leo; o++) {
        while (bi < rb->nbatches && rb->batches[bi].last < o)
            bi++;
        cr_assert_lt(bi, rb->nbatches);
        kc_arena a = KC_ARENA_INIT;
        kc_bytes out = {NULL, 0};
        int rc = kc_plog_read(l, o, leo, 1, true, &a, &out);
        cr_assert_eq(rc, 0, "read(%lld): rc %d", (long long)o, rc);
        cr_assert_eq((size_t)out.len, rb->batches[bi].len,
                     "read(%lld): %d bytes, want the batch at %lld (%zu bytes)", (long long)o,
                     out.len, (long long)rb->batches[bi].base, rb->batches[bi].len);
        cr_assert_eq(memcmp(out.p, rb->batches[bi].bytes, (size_t)out.len), 0,
                     "read(%lld): not the batch at %lld", (long long)o,
                     (long long)rb->batches[bi].base);
        kc_arena_free(&a);
    }
}

/*
 * The log holds exactly what Kafka's cleaner keeps from what was appended (for a cleaning that
 * saw @p ly at @p now_ms), from the log start on, with unchanged offsets; below the active
 * segment each key appears at most once. Returns the number of records kept
 * below the closed end (for the stats).
 */
static int64_t verify_log(kc_plog *l, const layout *ly, int64_t now_ms, int64_t retention_ms)
{
    readback rb;
    read_back(l, &rb);
    int64_t start = kc_plog_log_start_offset(l);
    int gi = 0;
    int64_t kept_closed = 0;
    for (int i = 0; i < NR; i++) {
        const mrec *r = &M[i];
        if (r->offset < start || !kafka_keeps(ly, r, now_ms, retention_ms))
            continue;
        if (r->offset < closed_end(ly))
            kept_closed++;
        cr_assert_lt(gi, rb.nrecs, "record %lld (key %s) missing: the log ends before it",
                     (long long)r->offset, r->key_null ? "null" : r->key);
        const grec *g = &rb.recs[gi++];
        cr_assert_geq(g->offset, r->offset, "record %lld (key %s%s) kept; Kafka's cleaner drops it",
                      (long long)g->offset, g->key_null ? "null" : g->key,
                      g->value_null ? ", tombstone" : "");
        cr_assert_eq(g->offset, r->offset,
                     "expected record %lld (key %s%s) next, found %lld (key %s%s)",
                     (long long)r->offset, r->key_null ? "null" : r->key,
                     r->value_null ? ", tombstone" : "", (long long)g->offset,
                     g->key_null ? "null" : g->key, g->value_null ? ", tombstone" : "");
        cr_assert_eq(g->key_null, r->key_null, "record %lld: key nullness", (long long)r->offset);
        cr_assert_str_eq(g->key, r->key, "record %lld: key", (long long)r->offset);
        cr_assert_eq(g->value_null, r->value_null, "record %lld: value nullness",
                     (long long)r->offset);
        cr_assert_str_eq(g->value, r->value, "record %lld: value", (long long)r->offset);
        cr_assert_eq(g->ts, r->ts, "record %lld: timestamp", (long long)r->offset);
    }
    cr_assert_eq(gi, rb.nrecs, "%d unexpected records kept, the first at offset %lld (key %s)",
                 rb.nrecs - gi, gi < rb.nrecs ? (long long)rb.recs[gi].offset : -1LL,
                 gi < rb.nrecs ? rb.recs[gi].key : "");
    /* the headline property, stated directly */
    for (int i = 0; i < rb.nrecs; i++) {
        if (rb.recs[i].offset >= closed_end(ly) || rb.recs[i].key_null)
            continue;
        for (int k = i + 1; k < rb.nrecs && rb.recs[k].offset < closed_end(ly); k++)
            cr_assert(rb.recs[k].key_null || strcmp(rb.recs[i].key, rb.recs[k].key) != 0,
                      "key %s kept twice below the active segment: offsets %lld and %lld",
                      rb.recs[i].key, (long long)rb.recs[i].offset, (long long)rb.recs[k].offset);
    }
    check_point_reads(l, &rb);
    readback_free(&rb);
    return kept_closed;
}

/* ------------------------------------------------------------------ file snapshots */

typedef struct fsnap {
    int n;
    char name[512][48];
    uint8_t *data[512];
    size_t len[512];
} fsnap;

static int cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* The regular files of @p dir (names and bytes). */
static fsnap *snap_dir(const char *dir)
{
    fsnap *s = calloc(1, sizeof(*s));
    cr_assert_not_null(s);
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "opendir %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        char p[1024];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (stat(p, &st) || !S_ISREG(st.st_mode))
            continue;
        cr_assert_lt(s->n, 512);
        cr_assert_lt(strlen(e->d_name), sizeof(s->name[0]));
        memcpy(s->name[s->n], e->d_name, strlen(e->d_name) + 1);
        s->n++;
    }
    closedir(d);
    qsort(s->name, (size_t)s->n, sizeof(s->name[0]), cmp_name);
    for (int i = 0; i < s->n; i++) {
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", dir, s->name[i]);
        s->data[i] = fu_read_file(p, &s->len[i]);
        cr_assert_not_null(s->data[i], "read %s", p);
    }
    return s;
}

static void snap_free(fsnap *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->data[i]);
    free(s);
}

static void snap_expect_equal(const fsnap *before, const fsnap *after, const char *what)
{
    cr_assert_eq(after->n, before->n, "%s: %d files, was %d", what, after->n, before->n);
    for (int i = 0; i < before->n; i++) {
        cr_assert_str_eq(after->name[i], before->name[i], "%s: file list changed", what);
        cr_assert_eq(after->len[i], before->len[i], "%s: %s is %zu bytes, was %zu", what,
                     before->name[i], after->len[i], before->len[i]);
        cr_assert_eq(memcmp(after->data[i], before->data[i], before->len[i]), 0, "%s: %s changed",
                     what, before->name[i]);
    }
}

static const uint8_t *snap_file(const fsnap *s, const char *name, size_t *len)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0) {
            *len = s->len[i];
            return s->data[i];
        }
    return NULL;
}

/* ------------------------------------------------------------------ one full cleaning */

/* prepare + run + finish(ok); returns what finish returned. */
static int clean(kc_plog *l, int64_t now_ms, kc_clean_stats *st)
{
    kc_clean_job *j = kc_cleaner_prepare(l, now_ms);
    cr_assert_not_null(j, "prepare: the log has closed segments");
    int rc = kc_cleaner_run(j);
    cr_assert_eq(rc, 0, "run: %d", rc);
    return kc_cleaner_finish(l, j, true, st);
}

/* The standard scenario: 44 batches of 4 records over 24 keys, about one tombstone in five,
 * and three hand-placed tombstones never rewritten: dead-early (first segment), dead-mid
 * (around the middle) and dead-late (the last closed segment's first batch); batch b has
 * timestamps T0 + 1000 * b; at least five closed segments. */
static kc_plog *build_standard(const kc_log_config *cfg)
{
    kc_plog *l = open_log(cfg);
    append_updates(l, 0, 2, 24, 5);
    append_kv(l, "dead-early", "alive", T0 + 2000);
    append_kv(l, "dead-early", NULL, T0 + 2001);
    append_updates(l, 3, 17, 24, 5);
    append_kv(l, "dead-mid", "alive", T0 + 20000);
    append_kv(l, "dead-mid", NULL, T0 + 20001);
    append_updates(l, 21, 19, 24, 5);
    append_kv(l, "dead-late", "alive", T0 + 40000);
    cr_assert_eq(kc_plog_roll(l, T0 + 40000), 0);
    append_kv(l, "dead-late", NULL, T0 + 41000);
    append_updates(l, 42, 6, 24, 5);
    cr_assert_geq(kc_plog_segment_count(l), 6, "segments: %d", kc_plog_segment_count(l));
    return l;
}

static bool has_record(const layout *ly, const char *key, bool tombstone, int64_t now_ms,
                       int64_t retention_ms)
{
    for (int i = 0; i < NR; i++)
        if (!M[i].key_null && strcmp(M[i].key, key) == 0 && M[i].value_null == tombstone &&
            M[i].offset < closed_end(ly) && kafka_keeps(ly, &M[i], now_ms, retention_ms))
            return true;
    return false;
}

/* ------------------------------------------------------------------ tests */

Test(cleaner, nothing_to_do_without_a_closed_segment)
{
    kc_log_config cfg = compact_cfg();
    kc_plog *l = open_log(&cfg);
    cr_assert_null(kc_cleaner_prepare(l, T0), "empty log");
    append_kv(l, "a", "1", T0);
    append_kv(l, "a", "2", T0 + 1);
    cr_assert_eq(kc_plog_segment_count(l), 1);
    cr_assert_null(kc_cleaner_prepare(l, T0 + 10), "only the active segment");
    cr_assert_not(fu_exists(staging), "no staging folder made");
    kc_plog_close(l);
}

Test(cleaner, keeps_only_the_latest_record_of_each_key)
{
    kc_log_config cfg = compact_cfg();
    kc_plog *l = build_standard(&cfg);
    layout ly = snap_layout(l);
    int64_t leo = kc_plog_log_end_offset(l), now = T0 + 50000;
    int64_t read_want = 0, bytes_before = 0;
    for (int i = 0; i < NR; i++)
        read_want += M[i].offset < closed_end(&ly);
    for (int i = 0; i + 1 < ly.n; i++)
        bytes_before += ly.size[i];
    /* the scenario is not vacuous: keys repeat and tombstones exist below the active segment */
    int dups = 0, tombs = 0;
    for (int i = 0; i < NR; i++)
        if (M[i].offset < closed_end(&ly)) {
            dups += latest_offset(M[i].key, closed_end(&ly)) != M[i].offset;
            tombs += M[i].value_null;
        }
    cr_assert_gt(dups, 50);
    cr_assert_gt(tombs, 10);
    int fds = fu_open_fd_count();

    kc_clean_stats st;
    memset(&st, 0x5A, sizeof(st));
    int replaced = clean(l, now, &st);
    cr_assert_eq(replaced, ly.n - 1, "every closed segment replaced: %d of %d", replaced, ly.n - 1);
    cr_assert_eq(st.segments, ly.n - 1);
    cr_assert_eq(st.records_read, read_want, "records read %lld, want %lld",
                 (long long)st.records_read, (long long)read_want);
    cr_assert_eq(st.bytes_before, bytes_before);
    cr_assert_eq(fu_open_fd_count(), fds, "the job's descriptors are closed");

    /* same segments, same offsets */
    layout after = snap_layout(l);
    cr_assert_eq(after.n, ly.n);
    for (int i = 0; i < ly.n; i++)
        cr_assert_eq(after.base[i], ly.base[i]);
    int64_t bytes_after = 0;
    for (int i = 0; i + 1 < ly.n; i++)
        bytes_after += after.size[i];
    cr_assert_eq(st.bytes_after, bytes_after);
    cr_assert_lt(bytes_after, bytes_before / 2);
    cr_assert_eq(kc_plog_log_end_offset(l), leo);
    cr_assert_eq(kc_plog_log_start_offset(l), 0);
    cr_assert_eq(kc_plog_size_bytes(l), (uint64_t)(bytes_after + after.size[ly.n - 1]));

    int64_t kept = verify_log(l, &ly, now, cfg.delete_retention_ms);
    cr_assert_eq(st.records_kept, kept, "records kept %lld, want %lld", (long long)st.records_kept,
                 (long long)kept);
    cr_assert(has_record(&ly, "dead-early", true, now, cfg.delete_retention_ms),
              "a day-old tombstone stays");
    cr_assert_eq(fu_count_suffix(staging, ""), 0, "staging folder left empty");
    kc_plog_close(l);
}

/* Three copies of the same log, cleaned at three times: nothing expired, everything expired,
 * and the segments up to the middle one expired. */
/* Latest-for-their-key tombstones of closed segment @p s that the cleaning keeps. */
static int latest_tombstones_kept(const layout *ly, int s, int64_t now_ms, int64_t retention_ms,
                                  int *total)
{
    int kept = 0;
    *total = 0;
    for (int i = 0; i < NR; i++)
        if (M[i].value_null && !M[i].key_null && seg_of(ly, M[i].offset) == s &&
            M[i].offset < closed_end(ly) &&
            latest_offset(M[i].key, closed_end(ly)) == M[i].offset) {
            (*total)++;
            kept += kafka_keeps(ly, &M[i], now_ms, retention_ms);
        }
    return kept;
}

/*
 * Four copies of the same log, cleaned at four times: before everything (nothing expired),
 * long after (everything expired), and 1 ms after / 1 ms before a middle segment holding
 * latest tombstones turns older than delete.retention.ms.
 */
Test(cleaner, tombstones_go_once_their_segment_is_older_than_delete_retention)
{
    kc_log_config cfg = compact_cfg();
    cfg.delete_retention_ms = 5000;
    for (int c = 0; c < 4; c++) {
        reset_model();
        snprintf(logdir, sizeof(logdir), "%s/topic-%d", root, c);
        snprintf(staging, sizeof(staging), "%s/%s", logdir, KC_CLEANER_STAGING);
        kc_plog *l = build_standard(&cfg);
        layout ly = snap_layout(l);
        /* a middle closed segment (not the first, not the last closed) with latest tombstones */
        int s = -1, total = 0;
        for (int k = 1; k <= ly.n - 3; k++)
            if (latest_tombstones_kept(&ly, k, T0, cfg.delete_retention_ms, &total) > 0 &&
                (s < 0 || abs(k - ly.n / 2) < abs(s - ly.n / 2)))
                s = k;
        cr_assert(s >= 1 && s <= ly.n - 3, "scenario has a middle segment with tombstones");
        int64_t now = c == 0   ? T0
                      : c == 1 ? T0 + 1000000000LL
                      : c == 2 ? seg_max_ts(&ly, s) + cfg.delete_retention_ms + 1
                               : seg_max_ts(&ly, s) + cfg.delete_retention_ms - 1;
        int kept_in_s = latest_tombstones_kept(&ly, s, now, cfg.delete_retention_ms, &total);
        cr_assert_gt(total, 0);
        cr_assert_eq(kept_in_s, c == 1 || c == 2 ? 0 : total, "case %d: model", c);

        kc_clean_stats st;
        cr_assert_eq(clean(l, now, &st), ly.n - 1);
        int64_t kept = verify_log(l, &ly, now, cfg.delete_retention_ms);
        cr_assert_eq(st.records_kept, kept);
        /* the hand-placed ones: dead-early sits in the first segment, dead-late in the last
         * closed one */
        bool early = has_record(&ly, "dead-early", true, now, cfg.delete_retention_ms);
        bool late = has_record(&ly, "dead-late", true, now, cfg.delete_retention_ms);
        cr_assert_eq(early, c == 0, "case %d: dead-early tombstone %s", c,
                     early ? "kept" : "dropped");
        cr_assert_eq(late, c != 1, "case %d: dead-late tombstone %s", c, late ? "kept" : "dropped");
        kc_plog_close(l);
    }
}

/* The batch whose BaseOffset is @p base, read back (it must exist): its header and, inflated,
 * the keys of its records in @p keys (up to 8). Returns the record count. */
static int batch_keys(kc_plog *l, int64_t base, kc_batch_header *h, char keys[8][24])
{
    kc_arena a = KC_ARENA_INIT;
    kc_bytes out;
    cr_assert_eq(kc_plog_read(l, base, kc_plog_log_end_offset(l), 1, true, &a, &out), 0);
    cr_assert_eq(kc_batch_header_parse(out.p, (size_t)out.len, h), 0);
    cr_assert_eq(h->base_offset, base, "the batch at %lld is gone", (long long)base);
    readback rb = {.recs = calloc(8, sizeof(grec))};
    cr_assert_not_null(rb.recs);
    uint8_t *in;
    size_t in_len;
    int codec = h->attributes & KC_ATTR_CODEC_MASK;
    cr_assert_eq(kc_decompress(codec, out.p + 61, (size_t)out.len - 61, 1 << 20, &in, &in_len), 0);
    uint8_t *flat = malloc(61 + in_len);
    cr_assert_not_null(flat);
    memcpy(flat, out.p, 61);
    memcpy(flat + 61, in, in_len);
    cr_assert_leq(h->record_count, 8);
    int n = parse_records(flat, 61 + in_len, &rb);
    for (int i = 0; i < n; i++)
        memcpy(keys[i], rb.recs[i].key, sizeof(keys[i]));
    free(flat);
    free(in);
    free(rb.recs);
    kc_arena_free(&a);
    return n;
}

/* Kafka's cleaner filters compressed batches as any other and writes the records it keeps back
 * with the batch's codec (LogCleaner, MemoryRecords.filterTo); an untouched batch stays byte for
 * byte; a tombstone inside a compressed batch goes after delete.retention.ms. */
Test(cleaner, compressed_batches_are_filtered_and_keep_their_codec)
{
    kc_log_config cfg = compact_cfg();
    kc_plog *l = open_log(&cfg);
    append_updates(l, 0, 8, 6, 4);
    /* one batch per codec: key-00 and key-01 (rewritten later), "only-N" twice (the second
     * stays) and a tombstone of "gone-N" (never rewritten) */
    int64_t filtered[5];
    for (int codec = KC_CODEC_GZIP; codec <= KC_CODEC_ZSTD; codec++) {
        char only[24], gone[24], v0[24], v1[24];
        snprintf(only, sizeof(only), "only-%d", codec);
        snprintf(gone, sizeof(gone), "gone-%d", codec);
        snprintf(v0, sizeof(v0), "first-%d", codec);
        snprintf(v1, sizeof(v1), "second-%d", codec);
        bb_record recs[5];
        for (int i = 0; i < 5; i++) {
            bb_record_defaults(&recs[i]);
            recs[i].timestamp_delta = i;
        }
        recs[0].key = "key-00", recs[0].value = v0;
        recs[1].key = only, recs[1].value = v0;
        recs[2].key = "key-01", recs[2].value = NULL;
        recs[3].key = only, recs[3].value = v1;
        recs[4].key = gone, recs[4].value = NULL;
        filtered[codec] = append_records(l, recs, 5, T0 + 8000 + 10 * codec, (int16_t)codec);
    }
    bb_record whole[2];
    bb_record_defaults(&whole[0]);
    bb_record_defaults(&whole[1]);
    whole[0].key = "whole-a", whole[0].value = "a";
    whole[1].key = "whole-b", whole[1].value = "b";
    int64_t untouched = append_records(l, whole, 2, T0 + 8100, KC_CODEC_ZSTD);
    append_updates(l, 9, 8, 6, 4);
    append_kv(l, "key-00", "after", T0 + 17000);
    append_kv(l, "key-01", "after", T0 + 17001);
    append_updates(l, 18, 8, 6, 4);
    cr_assert_eq(kc_plog_roll(l, T0 + 30000), 0);
    append_kv(l, "key-00", "active", T0 + 30000);
    layout ly = snap_layout(l);
    cr_assert_lt(untouched, closed_end(&ly), "the compressed batches are in closed segments");
    int64_t closed = 0;
    for (int i = 0; i < NR; i++)
        closed += M[i].offset < closed_end(&ly);

    kc_clean_stats st;
    cr_assert_eq(clean(l, T0 + 30000, &st), ly.n - 1);
    cr_assert_eq(st.records_read, closed, "every record below the active segment is read");
    verify_log(l, &ly, T0 + 30000, cfg.delete_retention_ms); /* records, offsets, bytes */

    for (int codec = KC_CODEC_GZIP; codec <= KC_CODEC_ZSTD; codec++) {
        kc_batch_header h;
        char keys[8][24], only[24], gone[24];
        snprintf(only, sizeof(only), "only-%d", codec);
        snprintf(gone, sizeof(gone), "gone-%d", codec);
        int n = batch_keys(l, filtered[codec], &h, keys);
        cr_assert_eq(h.attributes & KC_ATTR_CODEC_MASK, codec, "still %s", kc_codec_name(codec));
        cr_assert_eq(h.last_offset_delta, 4, "LastOffsetDelta kept");
        cr_assert_eq(n, 2, "%s batch: 2 records kept, found %d", kc_codec_name(codec), n);
        cr_assert_str_eq(keys[0], only);
        cr_assert_str_eq(keys[1], gone, "the tombstone is younger than delete.retention.ms");
    }
    kc_batch_header h;
    char keys[8][24];
    cr_assert_eq(batch_keys(l, untouched, &h, keys), 2);

    /* two days on, the tombstones inside the compressed batches expire as any other */
    int64_t later = T0 + 30000 + 2 * cfg.delete_retention_ms;
    ly = snap_layout(l);
    cr_assert_eq(clean(l, later, &st), ly.n - 1);
    verify_log(l, &ly, later, cfg.delete_retention_ms);
    for (int codec = KC_CODEC_GZIP; codec <= KC_CODEC_ZSTD; codec++) {
        char only[24];
        snprintf(only, sizeof(only), "only-%d", codec);
        cr_assert_eq(batch_keys(l, filtered[codec], &h, keys), 1);
        cr_assert_str_eq(keys[0], only);
        cr_assert_eq(h.attributes & KC_ATTR_CODEC_MASK, codec);
    }
    kc_plog_close(l);
}

Test(cleaner, active_segment_is_neither_cleaned_nor_mapped)
{
    kc_log_config cfg = compact_cfg();
    kc_plog *l = build_standard(&cfg);
    /* let the active segment grow: duplicates inside it and updates of closed keys */
    kc_log_config big = cfg;
    big.segment_bytes = 1 << 20;
    kc_plog_set_config(l, &big);
    for (int i = 0; i < 6; i++) {
        append_kv(l, "key-03", "active-dup", T0 + 60000 + i);
        append_kv(l, "dead-early", i % 2 ? NULL : "back", T0 + 60100 + i);
    }
    layout ly = snap_layout(l);
    int64_t active_base = closed_end(&ly);
    char p[700];
    seg_path(logdir, active_base, ".log", p, sizeof(p));
    size_t active_len;
    uint8_t *active_before = fu_read_file(p, &active_len);
    cr_assert_not_null(active_before);
    cr_assert_gt(active_len, 0);
    fsnap *before = snap_dir(logdir);

    kc_clean_stats st;
    cr_assert_eq(clean(l, T0 + 70000, &st), ly.n - 1);
    int64_t kept = verify_log(l, &ly, T0 + 70000, cfg.delete_retention_ms);
    cr_assert_eq(st.records_kept, kept);

    /* the active segment's files are untouched */
    fsnap *after = snap_dir(logdir);
    static const char *const exts[] = {".log", ".index", ".timeindex"};
    for (int k = 0; k < 3; k++) {
        char name[64];
        snprintf(name, sizeof(name), "%020lld%s", (long long)active_base, exts[k]);
        size_t lb = 0, la = 0;
        const uint8_t *b = snap_file(before, name, &lb), *a = snap_file(after, name, &la);
        cr_assert(b && a, "%s present", name);
        cr_assert_eq(la, lb, "%s size", name);
        cr_assert_eq(memcmp(a, b, lb), 0, "%s changed", name);
    }
    /* the newer copies in the active segment do not remove the closed segments' latest ones */
    cr_assert(has_record(&ly, "key-03", false, T0 + 70000, cfg.delete_retention_ms) ||
              has_record(&ly, "key-03", true, T0 + 70000, cfg.delete_retention_ms));
    cr_assert(has_record(&ly, "dead-early", true, T0 + 70000, cfg.delete_retention_ms));
    snap_free(before);
    snap_free(after);
    free(active_before);
    kc_plog_close(l);
}

/* Retention removes the two oldest segments between prepare and finish: finish skips them and
 * removes what was staged for them; the others are swapped in. @p before_run: retention runs
 * before the worker (it then reads the renamed files through its dup'd descriptors). */
static void retention_during_cleaning(bool before_run)
{
    kc_log_config cfg = compact_cfg();
    kc_plog *l = build_standard(&cfg);
    layout ly = snap_layout(l);
    int64_t now = T0 + 50000;
    int fds = fu_open_fd_count();
    kc_clean_job *j = kc_cleaner_prepare(l, now);
    cr_assert_not_null(j);
    if (!before_run) {
        cr_assert_eq(kc_cleaner_run(j), 0);
        cr_assert_eq(fu_count_suffix(staging, ".log"), ly.n - 1, "every closed segment staged");
    }
    cr_assert_eq(kc_plog_delete_records(l, ly.base[2]), ly.base[2]);
    char **deleted = NULL;
    int n_deleted = 0;
    cr_assert_eq(kc_plog_retention(l, now, &deleted, &n_deleted), 2);
    int snapshots = 0; /* producer snapshots at the bases of rolled segments go too */
    for (int i = 0; i < n_deleted; i++)
        snapshots += strstr(deleted[i], ".snapshot.deleted") != NULL;
    cr_assert_eq(n_deleted - snapshots, 6, "three files per segment renamed .deleted");
    if (before_run)
        cr_assert_eq(kc_cleaner_run(j), 0);
    kc_clean_stats st;
    int replaced = kc_cleaner_finish(l, j, true, &st);
    cr_assert_eq(replaced, ly.n - 3, "the two removed segments are skipped: %d", replaced);
    cr_assert_eq(st.segments, ly.n - 3);
    cr_assert_eq(fu_count_suffix(staging, ""), 0, "their staged files are removed");
    cr_assert_eq(fu_open_fd_count(), fds - 2,
                 "the job's descriptors are closed (and the removed segments' one each: their "
                 "indexes hold none)");
    cr_assert_eq(kc_plog_segment_count(l), ly.n - 2);
    cr_assert_eq(kc_plog_log_start_offset(l), ly.base[2]);
    /* no cleaned file was renamed over a deleted segment's */
    for (int s = 0; s < 2; s++) {
        char p[700], q[720];
        seg_path(logdir, ly.base[s], ".log", p, sizeof(p));
        cr_assert_not(fu_exists(p), "%s must not come back", p);
        snprintf(q, sizeof(q), "%s.deleted", p);
        cr_assert_eq(fu_file_size(q), ly.size[s], "%s holds the original segment", q);
    }
    for (int i = 0; i < n_deleted; i++)
        free(deleted[i]);
    free(deleted);
    verify_log(l, &ly, now, cfg.delete_retention_ms);
    kc_plog_close(l);
}

Test(cleaner, segment_deleted_by_retention_after_the_run_is_skipped)
{
    retention_during_cleaning(false);
}

Test(cleaner, segment_deleted_by_retention_before_the_run_is_skipped)
{
    retention_during_cleaning(true);
}

Test(cleaner, reopen_after_cleaning_finds_the_same_records_and_rebuilds_nothing)
{
    kc_log_config cfg = compact_cfg();
    cfg.index_interval_bytes = 200; /* sparse: the last batches of a segment have no entry */
    kc_plog *l = build_standard(&cfg);
    layout ly = snap_layout(l);
    int64_t now = T0 + 50000, leo = kc_plog_log_end_offset(l);
    cr_assert_eq(clean(l, now, &(kc_clean_stats){0}), ly.n - 1);
    readback rb1;
    read_back(l, &rb1);
    kc_plog_close(l);
    fsnap *closed = snap_dir(logdir);

    for (int pass = 0; pass < 2; pass++) {
        /* pass 0: unclean shutdown, recovery from offset 0 (every segment scanned and its
         * indexes rewritten); pass 1: clean shutdown (indexes trusted, only sanity-checked) */
        kc_plog_open_opts o = {pass == 1, pass == 1 ? -1 : 0, -1, now};
        kc_plog_open_stats ost;
        memset(&ost, 0x5A, sizeof(ost));
        l = open_at(logdir, &cfg, &o, &ost);
        cr_assert_eq(ost.indexes_rebuilt, 0, "pass %d: %d indexes rebuilt", pass,
                     ost.indexes_rebuilt);
        cr_assert_eq(ost.bytes_truncated, 0, "pass %d: %llu bytes truncated", pass,
                     (unsigned long long)ost.bytes_truncated);
        cr_assert_eq(kc_plog_segment_count(l), ly.n);
        for (int i = 0; i < ly.n; i++)
            cr_assert_eq(kc_plog_segment_base(l, i), ly.base[i]);
        cr_assert_eq(kc_plog_log_end_offset(l), leo);
        cr_assert_eq(kc_plog_log_start_offset(l), 0);
        verify_log(l, &ly, now, cfg.delete_retention_ms);
        readback rb2;
        read_back(l, &rb2);
        cr_assert_eq(rb2.nbatches, rb1.nbatches);
        for (int i = 0; i < rb1.nbatches; i++) {
            cr_assert_eq(rb2.batches[i].len, rb1.batches[i].len);
            cr_assert_eq(memcmp(rb2.batches[i].bytes, rb1.batches[i].bytes, rb1.batches[i].len), 0,
                         "pass %d: batch %lld differs after reopen", pass,
                         (long long)rb1.batches[i].base);
        }
        readback_free(&rb2);
        kc_plog_close(l);
        /* recovery rewrote the indexes from the data: the staged ones were the same */
        fsnap *now_files = snap_dir(logdir);
        snap_expect_equal(closed, now_files, pass == 0 ? "after recovery" : "after clean open");
        snap_free(now_files);
    }
    readback_free(&rb1);
    snap_free(closed);
}

Test(cleaner, failed_run_leaves_the_log_unchanged)
{
    kc_log_config cfg = compact_cfg();
    kc_plog *l = build_standard(&cfg);
    layout ly = snap_layout(l);
    readback rb1;
    read_back(l, &rb1);
    fsnap *before = snap_dir(logdir);
    int fds = fu_open_fd_count();

    kc_clean_job *j = kc_cleaner_prepare(l, T0 + 50000);
    cr_assert_not_null(j);
    cr_assert_eq(kc_cleaner_run(j), 0);
    cr_assert_eq(fu_count_suffix(staging, ".log"), ly.n - 1);
    kc_clean_stats st;
    memset(&st, 0x5A, sizeof(st));
    cr_assert_eq(kc_cleaner_finish(l, j, false, &st), 0, "nothing replaced");
    cr_assert_eq(st.segments, 0);
    cr_assert(fu_exists(staging));
    cr_assert_eq(fu_count_suffix(staging, ""), 0, "staging folder emptied");
    cr_assert_eq(fu_open_fd_count(), fds);

    fsnap *after = snap_dir(logdir);
    snap_expect_equal(before, after, "after a failed cleaning");
    layout ly2 = snap_layout(l);
    cr_assert_eq(ly2.n, ly.n);
    readback rb2;
    read_back(l, &rb2);
    cr_assert_eq(rb2.nbatches, rb1.nbatches);
    cr_assert_eq(rb2.nrecs, NR, "every appended record still there");
    for (int i = 0; i < rb1.nbatches; i++)
        cr_assert_eq(memcmp(rb2.batches[i].bytes, rb1.batches[i].bytes, rb1.batches[i].len), 0);
    readback_free(&rb1);
    readback_free(&rb2);
    snap_free(before);
    snap_free(after);
    kc_plog_close(l);
}

/* A cleaned log cleaned again at the same time: nothing more to remove, files identical. */
Test(cleaner, second_cleaning_changes_nothing)
{
    kc_log_config cfg = compact_cfg();
    kc_plog *l = build_standard(&cfg);
    layout ly = snap_layout(l);
    int64_t now = T0 + 50000;
    kc_clean_stats st1, st2;
    cr_assert_eq(clean(l, now, &st1), ly.n - 1);
    fsnap *once = snap_dir(logdir);
    cr_assert_eq(clean(l, now, &st2), ly.n - 1);
    cr_assert_eq(st2.records_read, st1.records_kept);
    cr_assert_eq(st2.records_kept, st1.records_kept);
    cr_assert_eq(st2.bytes_before, st1.bytes_after);
    cr_assert_eq(st2.bytes_after, st1.bytes_after);
    fsnap *twice = snap_dir(logdir);
    snap_expect_equal(once, twice, "second cleaning");
    verify_log(l, &ly, now, cfg.delete_retention_ms);
    snap_free(once);
    snap_free(twice);
    kc_plog_close(l);
}

/* A topic switched from delete to compact may hold records without a key: Kafka's cleaner
 * counts them invalid and drops them (LogCleaner.shouldRetainRecord). */
Test(cleaner, records_without_a_key_are_dropped)
{
    kc_log_config cfg = compact_cfg();
    kc_plog *l = open_log(&cfg);
    append_updates(l, 0, 6, 4, 100);
    append_kv(l, NULL, "no-key-alone", T0 + 6000);
    bb_record recs[3];
    for (int i = 0; i < 3; i++)
        bb_record_defaults(&recs[i]);
    recs[0].key = "key-00";
    recs[0].value = "with-key";
    recs[1].key = NULL;
    recs[1].value = "no-key-mixed";
    recs[2].key = "key-01";
    recs[2].value = "with-key";
    append_records(l, recs, 3, T0 + 7000, 0);
    append_updates(l, 8, 6, 4, 100);
    cr_assert_eq(kc_plog_roll(l, T0 + 20000), 0);
    append_kv(l, NULL, "no-key-active", T0 + 20000);
    layout ly = snap_layout(l);
    cr_assert_eq(clean(l, T0 + 20000, &(kc_clean_stats){0}), ly.n - 1);
    verify_log(l, &ly, T0 + 20000, cfg.delete_retention_ms);
    kc_plog_close(l);
}
