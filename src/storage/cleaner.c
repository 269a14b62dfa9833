/*
 * The compaction passes. The key map stores a 64-bit hash of each key and its latest offset
 * (like Kafka's SkimpyOffsetMap, which keeps only key digests): two keys colliding on 64 bits
 * would make the older one's latest record disappear, at odds of about n^2 / 2^65.
 */
#include "storage/cleaner.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "proto/compression.h"
#include "proto/buf.h"
#include "proto/records.h"

typedef struct clean_seg {
    int64_t base;
    int64_t max_timestamp;
    int fd;
    bool built; /* staged files written */
} clean_seg;

struct kc_clean_job {
    char *dir;
    char staging[4096];
    kc_log_config cfg;
    int64_t now_ms;
    clean_seg *segs;
    int n;
    kc_clean_stats stats;
};

/* ---------------------------------------------------------------- key map */

typedef struct key_map {
    uint64_t *hashes; /* 0 = empty slot */
    int64_t *offsets;
    size_t cap, count;
} key_map;

static uint64_t key_hash(const uint8_t *p, int32_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (int32_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1;
}

static void map_put(key_map *m, uint64_t h, int64_t offset);

static void map_grow(key_map *m)
{
    key_map bigger = {0};
    bigger.cap = m->cap ? m->cap * 2 : 1024;
    bigger.hashes = calloc(bigger.cap, sizeof(uint64_t));
    bigger.offsets = calloc(bigger.cap, sizeof(int64_t));
    if (!bigger.hashes || !bigger.offsets)
        kc_fatal("cleaner: out of memory");
    for (size_t i = 0; i < m->cap; i++)
        if (m->hashes[i])
            map_put(&bigger, m->hashes[i], m->offsets[i]);
    free(m->hashes);
    free(m->offsets);
    *m = bigger;
}

static void map_put(key_map *m, uint64_t h, int64_t offset)
{
    if ((m->count + 1) * 2 > m->cap)
        map_grow(m);
    size_t i = h & (m->cap - 1);
    while (m->hashes[i] && m->hashes[i] != h)
        i = (i + 1) & (m->cap - 1);
    if (!m->hashes[i]) {
        m->hashes[i] = h;
        m->count++;
        m->offsets[i] = offset;
    } else if (offset > m->offsets[i]) {
        m->offsets[i] = offset;
    }
}

static int64_t map_get(const key_map *m, uint64_t h)
{
    if (!m->cap)
        return -1;
    size_t i = h & (m->cap - 1);
    while (m->hashes[i]) {
        if (m->hashes[i] == h)
            return m->offsets[i];
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

/* Reads the batch at @p pos of @p fd into *buf (grown as needed). 1 ok, 0 at the end, -errno. */
static int read_batch(int fd, uint64_t pos, uint64_t size_limit, uint8_t **buf, size_t *cap,
                      kc_batch_header *h, size_t *len)
{
    if (pos + KC_BATCH_HEADER_BYTES > size_limit)
        return 0;
    uint8_t hdr[KC_BATCH_HEADER_BYTES];
    int rc = kc_pread_full(fd, hdr, sizeof(hdr), (off_t)pos);
    if (rc)
        return rc;
    kc_batch_header_parse(hdr, sizeof(hdr), h);
    size_t size = (size_t)h->length + KC_BATCH_LOG_OVERHEAD;
    if (h->length < KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD || pos + size > size_limit)
        return -EBADMSG;
    if (size > *cap) {
        free(*buf);
        *cap = size;
        if (!(*buf = malloc(size)))
            kc_fatal("cleaner: out of memory");
    }
    if ((rc = kc_pread_full(fd, *buf, size, (off_t)pos)))
        return rc;
    *len = size;
    return 1;
}

static uint64_t file_size(int fd)
{
    struct stat st;
    return fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
}

/* ---------------------------------------------------------------- passes */

typedef struct map_ctx {
    key_map *map;
    int64_t base_offset;
} map_ctx;

static int map_record(const kc_record *r, void *arg)
{
    map_ctx *m = arg;
    if (r->key_len >= 0)
        map_put(m->map, key_hash(r->key, r->key_len), m->base_offset + r->offset_delta);
    return 0;
}

typedef struct filter_ctx {
    const key_map *map;
    int64_t base_offset;
    bool drop_tombstones;
    kc_wbuf out; /* kept records' raw bytes */
    int32_t kept;
    int64_t read;
} filter_ctx;

static int filter_record(const kc_record *r, void *arg)
{
    filter_ctx *f = arg;
    f->read++;
    /* a record without a key cannot be compacted: Kafka's cleaner drops it */
    bool latest = r->key_len >= 0 &&
                  map_get(f->map, key_hash(r->key, r->key_len)) == f->base_offset + r->offset_delta;
    bool expired_tombstone = r->value_len < 0 && f->drop_tombstones;
    if (latest && !expired_tombstone) {
        kc_wbuf_put(&f->out, r->raw, r->raw_len);
        f->kept++;
    }
    return 0;
}

/*
 * The batch @p buf (@p len bytes, header @p h) with only @p kept of its records, whose raw bytes
 * are @p records (@p records_len): same BaseOffset, LastOffsetDelta (so that the last sequence
 * of an idempotent producer survives, as MemoryRecords.filterTo keeps it), timestamps, flags and
 * codec; a compressed batch is compressed again with its own codec, as Kafka's
 * buildRetainedRecordsInto does. New RecordCount, Length and CRC. Writes it to @p out.
 */
static int write_retained(int out, const uint8_t *buf, const kc_batch_header *h, int32_t kept,
                          const uint8_t *records, size_t records_len, int64_t *written)
{
    uint8_t *deflated = NULL;
    int codec = h->attributes & KC_ATTR_CODEC_MASK;
    if (codec != KC_CODEC_NONE) {
        if (kc_compress(codec, records, records_len, &deflated, &records_len))
            return -EBADMSG; /* a codec the walk could not have inflated either */
        records = deflated;
    }
    size_t total = KC_BATCH_HEADER_BYTES + records_len;
    uint8_t *nb = malloc(total);
    if (!nb)
        kc_fatal("cleaner: out of memory");
    memcpy(nb, buf, KC_BATCH_HEADER_BYTES);
    kc_put_be32(nb + KC_BATCH_OFF_LENGTH, (uint32_t)(total - KC_BATCH_LOG_OVERHEAD));
    kc_put_be32(nb + 57, (uint32_t)kept);
    memcpy(nb + KC_BATCH_HEADER_BYTES, records, records_len);
    kc_put_be32(nb + KC_BATCH_OFF_CRC, kc_batch_compute_crc(nb, total));
    int rc = kc_write_full(out, nb, total);
    free(nb);
    free(deflated);
    *written += (int64_t)total;
    return rc;
}

/* Writes the cleaned copy of segment @p s into the staging folder. */
static int clean_segment(kc_clean_job *j, clean_seg *s, const key_map *map)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%020" PRId64 ".log", j->staging, s->base);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0)
        return -errno;
    uint64_t size = file_size(s->fd), pos = 0;
    uint8_t *buf = NULL;
    size_t cap = 0, len;
    kc_batch_header h;
    bool drop_tombstones =
        s->max_timestamp >= 0 && j->now_ms - s->max_timestamp > j->cfg.delete_retention_ms;
    int rc;
    while ((rc = read_batch(s->fd, pos, size, &buf, &cap, &h, &len)) == 1) {
        rc = 0;
        pos += len;
        j->stats.bytes_before += (int64_t)len;
        if (h.attributes & KC_ATTR_CONTROL) {
            if ((rc = kc_write_full(out, buf, len)))
                break;
            j->stats.bytes_after += (int64_t)len;
            continue;
        }
        filter_ctx f = {
            .map = map, .base_offset = h.base_offset, .drop_tombstones = drop_tombstones};
        if (kc_batch_for_each_record(buf, len, &h, false, filter_record, &f)) {
            kc_wbuf_free(&f.out);
            rc = -EBADMSG;
            break;
        }
        j->stats.records_read += f.read;
        j->stats.records_kept += f.kept;
        if (f.kept == h.record_count) { /* untouched: the bytes as they were */
            rc = kc_write_full(out, buf, len);
            j->stats.bytes_after += (int64_t)len;
        } else if (f.kept > 0) {
            rc = write_retained(out, buf, &h, f.kept, f.out.data, f.out.len, &j->stats.bytes_after);
        }
        kc_wbuf_free(&f.out);
        if (rc)
            break;
    }
    free(buf);
    if (rc == 0 && fsync(out))
        rc = -errno;
    close(out);
    if (rc == 0)
        rc = kc_segment_build_indexes(j->staging, s->base, &j->cfg);
    if (rc == 0)
        s->built = true;
    return rc;
}

kc_clean_job *kc_cleaner_prepare(kc_plog *l, int64_t now_ms)
{
    int n = kc_plog_segment_count(l) - 1;
    if (n <= 0)
        return NULL;
    kc_clean_job *j = calloc(1, sizeof(*j));
    if (!j || !(j->segs = calloc((size_t)n, sizeof(*j->segs))) ||
        !(j->dir = strdup(kc_plog_dir(l))))
        kc_fatal("cleaner: out of memory");
    snprintf(j->staging, sizeof(j->staging), "%s/%s", j->dir, KC_CLEANER_STAGING);
    j->cfg = *kc_plog_config(l);
    j->now_ms = now_ms;
    for (int i = 0; i < n; i++) {
        clean_seg *s = &j->segs[j->n];
        if (kc_plog_closed_segment(l, i, &s->base, &s->max_timestamp, &s->fd) == 0)
            j->n++;
    }
    return j;
}

int kc_cleaner_run(kc_clean_job *j)
{
    if (mkdir(j->staging, 0755) && errno != EEXIST)
        return -errno;
    key_map map = {0};
    uint8_t *buf = NULL;
    size_t cap = 0, len;
    kc_batch_header h;
    int rc = 0;
    for (int i = 0; i < j->n && rc >= 0; i++) {
        uint64_t size = file_size(j->segs[i].fd), pos = 0;
        while ((rc = read_batch(j->segs[i].fd, pos, size, &buf, &cap, &h, &len)) == 1) {
            pos += len;
            if (!(h.attributes & KC_ATTR_CONTROL) &&
                kc_batch_for_each_record(buf, len, &h, false, map_record,
                                         &(map_ctx){&map, h.base_offset})) {
                rc = -EBADMSG;
                break;
            }
        }
    }
    free(buf);
    for (int i = 0; i < j->n && rc >= 0; i++)
        rc = clean_segment(j, &j->segs[i], &map);
    free(map.hashes);
    free(map.offsets);
    return rc < 0 ? rc : 0;
}

int kc_cleaner_finish(kc_plog *l, kc_clean_job *j, bool ok, kc_clean_stats *stats)
{
    int replaced = 0;
    for (int i = 0; i < j->n; i++) {
        clean_seg *s = &j->segs[i];
        if (ok && s->built) {
            int rc = kc_plog_replace_segment(l, s->base, j->staging);
            if (rc < 0) {
                kc_error("STORAGE", "%s: cannot swap in cleaned segment %020" PRId64 ": %s", j->dir,
                         s->base, strerror(-rc));
                replaced = rc;
                ok = false;
            } else {
                replaced += rc;
            }
        }
        if (!ok || !s->built) { /* discard what was staged */
            static const char *const exts[] = {".log", ".index", ".timeindex"};
            for (int k = 0; k < 3; k++) {
                char path[4200];
                snprintf(path, sizeof(path), "%s/%020" PRId64 "%s", j->staging, s->base, exts[k]);
                unlink(path);
            }
        }
        close(s->fd);
    }
    j->stats.segments = replaced > 0 ? replaced : 0;
    if (stats)
        *stats = j->stats;
    free(j->segs);
    free(j->dir);
    free(j);
    return replaced;
}
