/*
 * Segments, roll, lookup, recovery and retention of one partition log. Segment files are named
 * and filled as Kafka's LogSegment; the sparse indexes follow LogSegment.append (an entry for a
 * batch when more than index.interval.bytes were written since the last entry) and
 * LogSegment.recover (rebuilt while scanning).
 */
#include "storage/plog.h"

#include <dirent.h>
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
#include "proto/records.h"
#include "storage/index.h"
#include "storage/producer_snapshot.h"
#include "storage/producer_state.h"

typedef struct segment {
    int64_t base_offset;
    int64_t next_offset; /* last offset + 1; base_offset when empty */
    int fd;
    uint64_t size;
    kc_index oidx, tidx;
    int64_t max_timestamp; /* largest MaxTimestamp appended, -1 = none */
    int64_t offset_of_max_timestamp;
    int64_t roll_base_ms; /* time of the first append (Kafka's rollingBasedTimestamp), -1 */
    uint32_t bytes_since_index;
} segment;

/* The newest batches appended to the active segment, a ring: fetches near the log end (every
 * follower's, every caught-up consumer's) find their position here instead of reading batch
 * headers from the file, as the offset index has an entry only per index.interval.bytes.
 * Invariant: the entries are consecutive batches of `seg`, the newest ending where the next
 * append goes; emptied when a segment becomes active and when the log is truncated. Allocated
 * at the first append, so that idle partitions do not pay for it. */
#define TAIL_BATCHES 16
typedef struct tail_batches {
    const segment *seg;
    struct {
        int64_t base_offset, last_offset;
        uint64_t pos;
        uint32_t size;
    } e[TAIL_BATCHES];
    int first, n;
} tail_batches;

struct kc_plog {
    char *dir;
    kc_log_config cfg;
    segment **segs; /* oldest first; pointers stay valid while the segment lives */
    int nsegs, cap;
    int64_t log_start_offset;
    int64_t recovery_point;
    int64_t unflushed;
    kc_epoch_cache epochs; /* assigned by appends and verifying scans, truncated with the log */
    kc_producer_state producers; /* idempotent producers: kept by every append, rebuilt at open
                                  * and after truncation from a snapshot and the headers after it */
    int64_t snapshot_offset;     /* the newest `.snapshot` file's offset, -1 = none */
    bool snapshot_unsynced;      /* that file was written without an fsync: the next flush job
                                  * at or past its offset syncs it */
    tail_batches *tail;          /* NULL until the first append */
};

struct kc_plog_flush_job {
    int *fds;
    int n;
    int64_t up_to;
};

static void seg_path(const kc_plog *l, int64_t base, const char *ext, char *out, size_t len)
{
    snprintf(out, len, "%s/%020" PRId64 "%s", l->dir, base, ext);
}

static segment *active(const kc_plog *l)
{
    return l->segs[l->nsegs - 1];
}

/* ------------------------------------------------------------------ segment files */

/* Opens both indexes, writable (preallocated, for appends or a rebuild) or read-only (trimmed
 * files mapped as they are: a closed segment's, or an active one's until its first append);
 * when either file is @p missing they are opened writable, to be rebuilt. */
static int seg_open_indexes(kc_plog *l, segment *s, bool writable, bool missing)
{
    char path[4096];
    writable |= missing;
    seg_path(l, s->base_offset, ".index", path, sizeof(path));
    int rc = kc_index_open(&s->oidx, path, s->base_offset, KC_OFFSET_INDEX_ENTRY,
                           l->cfg.segment_index_bytes, writable);
    if (rc)
        return rc;
    seg_path(l, s->base_offset, ".timeindex", path, sizeof(path));
    /* Kafka sizes the time index like the offset index, in whole 12-byte entries */
    rc = kc_index_open(&s->tidx, path, s->base_offset, KC_TIME_INDEX_ENTRY,
                       l->cfg.segment_index_bytes, writable);
    if (rc)
        kc_index_close(&s->oidx);
    return rc;
}

static segment *seg_new(kc_plog *l, int64_t base, bool create, int *rc)
{
    segment *s = calloc(1, sizeof(*s));
    if (!s)
        kc_fatal("plog: out of memory");
    s->base_offset = s->next_offset = base;
    s->max_timestamp = -1;
    s->offset_of_max_timestamp = base;
    s->roll_base_ms = -1;
    char path[4096];
    seg_path(l, base, ".log", path, sizeof(path));
    s->fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (s->fd < 0) {
        *rc = -errno;
        free(s);
        return NULL;
    }
    *rc = 0;
    return s;
}

static void seg_free(segment *s)
{
    kc_index_close(&s->oidx);
    kc_index_close(&s->tidx);
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

/* A new, empty segment at @p base with writable indexes, or NULL with *rc = -errno. */
static segment *seg_create(kc_plog *l, int64_t base, int *rc)
{
    segment *s = seg_new(l, base, true, rc);
    if (s && (*rc = seg_open_indexes(l, s, true, false))) {
        seg_free(s);
        s = NULL;
    }
    return s;
}

static void push_seg(kc_plog *l, segment *s)
{
    if (l->nsegs == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->segs = realloc(l->segs, (size_t)l->cap * sizeof(*l->segs));
        if (!l->segs)
            kc_fatal("plog: out of memory");
    }
    l->segs[l->nsegs++] = s;
    if (l->tail)
        l->tail->n = 0;
}

static void tail_note(kc_plog *l, const segment *s, const kc_batch_header *h, uint64_t pos,
                      uint32_t size)
{
    if (!l->tail && !(l->tail = calloc(1, sizeof(*l->tail))))
        kc_fatal("plog: out of memory");
    tail_batches *t = l->tail;
    if (t->n > 0) {
        int newest = (t->first + t->n - 1) % TAIL_BATCHES;
        if (t->seg != s || t->e[newest].pos + t->e[newest].size != pos)
            t->n = 0; /* not the continuation of what the ring holds */
    }
    if (t->n == 0)
        t->first = 0;
    t->seg = s;
    int at = (t->first + t->n) % TAIL_BATCHES;
    if (t->n == TAIL_BATCHES)
        t->first = (t->first + 1) % TAIL_BATCHES;
    else
        t->n++;
    t->e[at].base_offset = h->base_offset;
    t->e[at].last_offset = h->base_offset + h->last_offset_delta;
    t->e[at].pos = pos;
    t->e[at].size = size;
}

/* The batch of @p s holding @p target from the ring, as seg_translate() finds it in the file.
 * @return whether the ring covers @p target. */
static bool tail_find(const tail_batches *t, const segment *s, int64_t target, uint64_t *pos,
                      uint32_t *size)
{
    if (!t || t->n == 0 || t->seg != s || target < t->e[t->first].base_offset)
        return false;
    for (int i = 0; i < t->n; i++) {
        int k = (t->first + i) % TAIL_BATCHES;
        if (t->e[k].last_offset >= target) {
            *pos = t->e[k].pos;
            *size = t->e[k].size;
            return true;
        }
    }
    return false;
}

/* Closes the indexes of a segment that stops being active: a final time-index entry for the
 * largest timestamp (Kafka's onBecomeInactiveSegment), then both trimmed to their entries. */
static void seg_deactivate(segment *s)
{
    if (!s->oidx.writable && !s->tidx.writable)
        return; /* opened closed and trimmed: nothing to finish */
    if (s->max_timestamp >= 0 && !kc_index_full(&s->tidx))
        kc_time_index_maybe_append(&s->tidx, s->max_timestamp, s->offset_of_max_timestamp);
    kc_index_trim(&s->oidx);
    kc_index_trim(&s->tidx);
}

/* Records a batch (header @p h at @p pos, @p size bytes) in the segment's state and indexes. */
static void seg_account(segment *s, const kc_batch_header *h, uint64_t pos, uint32_t size,
                        int32_t index_interval, bool index)
{
    int64_t last = h->base_offset + h->last_offset_delta;
    if (h->max_timestamp > s->max_timestamp) {
        s->max_timestamp = h->max_timestamp;
        s->offset_of_max_timestamp = last;
    }
    if (index && s->bytes_since_index > (uint32_t)index_interval) {
        kc_offset_index_append(&s->oidx, last, (uint32_t)pos);
        kc_time_index_maybe_append(&s->tidx, s->max_timestamp, s->offset_of_max_timestamp);
        s->bytes_since_index = 0;
    }
    s->bytes_since_index += size;
    s->next_offset = last + 1;
}

/*
 * Scans the segment from byte @p from (a batch boundary) to its end. With @p verify every
 * batch's CRC is checked and the indexes are rebuilt from scratch (@p from must be 0); the file
 * is truncated at the first invalid byte. Without, batch headers are only walked to find the
 * end of a segment whose indexes are trusted.
 * Returns 1 when it truncated, 0 when clean, -errno on I/O errors.
 */
static int seg_scan(kc_plog *l, segment *s, uint64_t from, bool verify, kc_plog_open_stats *st)
{
    struct stat stt;
    if (fstat(s->fd, &stt))
        return -errno;
    uint64_t file_size = (uint64_t)stt.st_size, pos = from;
    if (verify) {
        kc_index_reset(&s->oidx);
        kc_index_reset(&s->tidx);
        s->max_timestamp = -1;
        s->next_offset = s->base_offset;
        s->bytes_since_index = 0;
    }
    size_t cap = 1 << 16;
    uint8_t *buf = verify ? malloc(cap) : NULL;
    if (verify && !buf)
        kc_fatal("plog: out of memory");
    const char *why = NULL;
    int rc = 0;
    while (pos < file_size) {
        uint8_t hdr[KC_BATCH_HEADER_BYTES];
        kc_batch_header h;
        if (file_size - pos < KC_BATCH_HEADER_BYTES) {
            why = "truncated batch header";
            break;
        }
        if ((rc = kc_pread_full(s->fd, hdr, sizeof(hdr), (off_t)pos)))
            break;
        kc_batch_header_parse(hdr, sizeof(hdr), &h);
        uint64_t size = (uint64_t)h.length + KC_BATCH_LOG_OVERHEAD;
        if (h.magic != 2 || h.length < KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD ||
            size > file_size - pos || size > UINT32_MAX) {
            why = "bad batch length or magic";
            break;
        }
        if (h.base_offset < s->next_offset || h.last_offset_delta < 0 ||
            h.last_offset_delta > INT32_MAX - (h.base_offset - s->base_offset)) {
            why = "offsets out of order";
            break;
        }
        if (verify) {
            if (size > cap) {
                free(buf);
                cap = size;
                if (!(buf = malloc(cap)))
                    kc_fatal("plog: out of memory");
            }
            if ((rc = kc_pread_full(s->fd, buf, size, (off_t)pos)))
                break;
            if (kc_batch_compute_crc(buf, size) != h.crc) {
                why = "CRC-32C mismatch";
                break;
            }
            if (st)
                st->bytes_scanned += size;
            /* LogSegment.recover: a batch of a newer epoch starts it (older ones are ignored) */
            kc_epoch_cache_assign(&l->epochs, h.partition_leader_epoch, h.base_offset);
        }
        seg_account(s, &h, pos, (uint32_t)size, l->cfg.index_interval_bytes, verify);
        pos += size;
    }
    free(buf);
    if (rc)
        return rc;
    s->size = pos;
    if (pos < file_size) {
        kc_warn("STORAGE",
                "%s/%020" PRId64 ".log: %s at byte %" PRIu64 ", truncating %" PRIu64 " bytes",
                l->dir, s->base_offset, why, pos, file_size - pos);
        if (st)
            st->bytes_truncated += file_size - pos;
        if (ftruncate(s->fd, (off_t)pos))
            return -errno;
        return 1;
    }
    return 0;
}

/* Remaps the trimmed, read-only indexes of a segment that becomes (or is) the active one
 * writable and preallocated, for appends or truncation. */
static int seg_writable(kc_plog *l, segment *s)
{
    if (s->oidx.writable && s->tidx.writable)
        return 0;
    kc_index_close(&s->oidx);
    kc_index_close(&s->tidx);
    return seg_open_indexes(l, s, true, false);
}

/* Rebuilds both indexes by a full scan, reopening them writable when they were mapped
 * read-only. */
static int seg_rebuild(kc_plog *l, segment *s, kc_plog_open_stats *st)
{
    st->indexes_rebuilt++;
    int rc = seg_writable(l, s);
    return rc ? rc : seg_scan(l, s, 0, true, st);
}

/* Recomputes the end and largest timestamp of a segment whose indexes are trusted: from the
 * last offset-index entry on, batch headers are walked to the end of the file. */
static int seg_resume(kc_plog *l, segment *s, kc_plog_open_stats *st)
{
    int64_t off = s->base_offset;
    uint32_t pos = 0;
    if (s->oidx.entries)
        kc_offset_index_entry(&s->oidx, s->oidx.entries - 1, &off, &pos);
    kc_time_index_last(&s->tidx, &s->max_timestamp, &s->offset_of_max_timestamp);
    s->next_offset = s->base_offset;
    if (pos) {
        /* the entry names the last offset of the batch at pos: the walk resumes there */
        uint8_t hdr[KC_BATCH_HEADER_BYTES];
        kc_batch_header h;
        if (kc_pread_full(s->fd, hdr, sizeof(hdr), pos) ||
            kc_batch_header_parse(hdr, sizeof(hdr), &h) ||
            h.base_offset + h.last_offset_delta != off)
            return seg_rebuild(l, s, st);
        s->next_offset = h.base_offset;
    }
    s->bytes_since_index = 0;
    return seg_scan(l, s, pos, false, st);
}

/* Loads a segment whose data is trusted (before the recovery point or after a clean shutdown):
 * sane indexes are kept and only the batches from the last offset-index entry on are walked;
 * missing or insane ones are rebuilt by a full scan. */
static int seg_load_trusted(kc_plog *l, segment *s, bool index_missing, kc_plog_open_stats *st)
{
    struct stat stt;
    bool empty_log = fstat(s->fd, &stt) == 0 && stt.st_size == 0;
    if ((index_missing && !empty_log) || kc_index_sanity_check(&s->oidx) ||
        kc_index_sanity_check(&s->tidx)) {
        kc_warn("STORAGE", "%s/%020" PRId64 ".index: missing or corrupt index, rebuilding", l->dir,
                s->base_offset);
        return seg_rebuild(l, s, st);
    }
    return seg_resume(l, s, st);
}

/* ------------------------------------------------------------------ open and close */

/* The header of the batch at @p pos of @p s and its size. @return 1, 0 past the last whole
 * header, -EBADMSG for a length that leaves the segment (never loop on damage), -errno. */
static int seg_header_at(const segment *s, uint64_t pos, kc_batch_header *h, uint32_t *size)
{
    if (pos + KC_BATCH_HEADER_BYTES > s->size)
        return 0;
    uint8_t hdr[KC_BATCH_HEADER_BYTES];
    int rc = kc_pread_full(s->fd, hdr, sizeof(hdr), (off_t)pos);
    if (rc)
        return rc;
    kc_batch_header_parse(hdr, sizeof(hdr), h);
    *size = (uint32_t)h->length + KC_BATCH_LOG_OVERHEAD;
    if (h->length < KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD || pos + *size > s->size)
        return -EBADMSG;
    return 1;
}

/* An idempotent batch moves its producer's state, whoever appended it (ProducerAppendInfo). */
static void note_producer(kc_plog *l, const kc_batch_header *h)
{
    if (h->producer_id < 0 || h->base_sequence < 0)
        return;
    kc_producer_append a = {
        h->producer_id,   h->producer_epoch,
        h->base_sequence, kc_producer_last_seq(h->base_sequence, h->last_offset_delta + 1),
        h->base_offset,   h->base_offset + h->last_offset_delta,
        h->max_timestamp};
    kc_producer_state_update(&l->producers, &a);
}

/* Index of the segment holding @p offset (the last one whose base is <= offset), or -1. */
static int seg_floor(const kc_plog *l, int64_t offset)
{
    int lo = 0, hi = l->nsegs - 1, found = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (l->segs[mid]->base_offset <= offset) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

static bool is_segment_base(const kc_plog *l, int64_t offset)
{
    for (int i = 0; i < l->nsegs; i++)
        if (l->segs[i]->base_offset == offset)
            return true;
    return false;
}

/*
 * Kafka's rebuildProducerState: load the newest readable snapshot at or below the log end
 * offset, then replay the batch headers from it (every header when there is none). Snapshots
 * above the log end (a truncated past), corrupt ones, and older ones that are not at a segment
 * base (a previous close) are deleted.
 */
static int rebuild_producers_from(kc_plog *l, const int64_t *offs, int n)
{
    int64_t leo = kc_plog_log_end_offset(l), from = -1;
    kc_producer_state_clear(&l->producers);
    for (int i = n - 1; i >= 0; i--) {
        char path[4096];
        kc_producer_snapshot_path(l->dir, offs[i], path, sizeof(path));
        if (offs[i] <= leo && from < 0) {
            int rc = kc_producer_snapshot_read(path, &l->producers);
            if (rc == 0) {
                from = offs[i];
                continue;
            }
            kc_warn("STORAGE", "%s: unreadable producer snapshot %s (%s): deleted", l->dir, path,
                    strerror(-rc));
        } else if (offs[i] <= leo && is_segment_base(l, offs[i])) {
            continue;
        }
        unlink(path);
    }
    l->snapshot_offset = from;
    if (from == leo) /* the snapshot of a clean close: no batch after it to replay */
        return 0;
    int first = from < 0 ? 0 : seg_floor(l, from);
    for (int i = first < 0 ? 0 : first; i < l->nsegs; i++) {
        kc_batch_header h;
        uint32_t size = 0; /* set when seg_header_at() returns 1 */
        int rc;
        for (uint64_t pos = 0; (rc = seg_header_at(l->segs[i], pos, &h, &size)) == 1; pos += size)
            if (h.base_offset >= from)
                note_producer(l, &h);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int rebuild_producers(kc_plog *l)
{
    int64_t *offs;
    int n;
    if (kc_producer_snapshot_list(l->dir, &offs, &n))
        return rebuild_producers_from(l, NULL, 0);
    int rc = rebuild_producers_from(l, offs, n);
    free(offs);
    return rc;
}

/* Kafka's takeSnapshot: the producers as of @p offset (no batch between the log end and it),
 * only past the newest snapshot. Written without an fsync: the flush job that makes the segment
 * below it durable syncs it too (kc_plog_prepare_flush). A roll used to fsync it on the reactor,
 * where it queued behind the worker's flush of the segment just rolled away from and held every
 * connection for hundreds of milliseconds (KAFKA-9693, fixed the same way in KAFKA-15046). A
 * snapshot lost to a crash before that flush costs a longer replay at the next open, never a
 * wrong state: the open reads the newest snapshot that passes its CRC and is not above the log
 * end. A failure to write it costs the same: logged. */
static void take_snapshot(kc_plog *l, int64_t offset)
{
    if (offset <= l->snapshot_offset)
        return;
    int rc = kc_producer_snapshot_write(l->dir, offset, &l->producers);
    if (rc) {
        kc_warn("STORAGE", "%s: cannot write the producer snapshot at %" PRId64 ": %s", l->dir,
                offset, strerror(-rc));
    } else {
        l->snapshot_offset = offset;
        l->snapshot_unsynced = true;
    }
}

static void delete_snapshots(kc_plog *l)
{
    int64_t *offs;
    int n;
    if (kc_producer_snapshot_list(l->dir, &offs, &n) == 0) {
        for (int i = 0; i < n; i++) {
            char path[4096];
            kc_producer_snapshot_path(l->dir, offs[i], path, sizeof(path));
            unlink(path);
        }
        free(offs);
    }
    l->snapshot_offset = -1;
}

const kc_producer_state *kc_plog_producer_state(const kc_plog *l)
{
    return &l->producers;
}

int kc_plog_expire_producers(kc_plog *l, int64_t now_ms, int64_t max_age_ms)
{
    return kc_producer_state_expire(&l->producers, now_ms, max_age_ms);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The files of a partition folder that opening needs, each kind's offsets ascending: one
 * listing per log at start-up instead of a listing and a stat per kind (10,000 logs). */
enum { LS_LOG, LS_INDEX, LS_TIMEINDEX, LS_SNAPSHOT, LS_KINDS };
static const char *const listing_suffix[LS_KINDS] = {".log", ".index", ".timeindex", ".snapshot"};

typedef struct seg_listing {
    int64_t *v[LS_KINDS];
    size_t n[LS_KINDS], cap[LS_KINDS];
} seg_listing;

static void listing_free(seg_listing *ls)
{
    for (int k = 0; k < LS_KINDS; k++)
        free(ls->v[k]);
    memset(ls, 0, sizeof(*ls));
}

static bool listing_has(const seg_listing *ls, int kind, int64_t base)
{
    return ls->n[kind] &&
           bsearch(&base, ls->v[kind], ls->n[kind], sizeof(int64_t), cmp_i64) != NULL;
}

/* "<20-digit offset><suffix>": the kind and offset, or -1. */
static int listing_kind(const char *name, int64_t *offset)
{
    if (strlen(name) <= 20)
        return -1;
    for (int k = 0; k < LS_KINDS; k++)
        if (strcmp(name + 20, listing_suffix[k]) == 0) {
            char *end;
            long long v = strtoll(name, &end, 10);
            if (end != name + 20 || v < 0)
                return -1;
            *offset = v;
            return k;
        }
    return -1;
}

/* An interrupted cleaning: its staged files are incomplete. */
static void remove_staging(const char *dir)
{
    char staging[4096];
    snprintf(staging, sizeof(staging), "%s/%s", dir, KC_CLEANER_STAGING);
    DIR *sd = opendir(staging);
    if (!sd)
        return;
    struct dirent *e;
    while ((e = readdir(sd))) {
        char path[4096 + 260];
        snprintf(path, sizeof(path), "%s/%s", staging, e->d_name);
        if (e->d_name[0] != '.')
            unlink(path);
    }
    closedir(sd);
}

/* Lists the folder's segment, index and snapshot files into @p ls (zeroed by the caller);
 * removes leftovers of interrupted deletions and cleanings. @return 0 or -errno. */
static int list_segments(const char *dir, seg_listing *ls)
{
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    bool staging = false;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (ends_with(e->d_name, ".deleted") || ends_with(e->d_name, ".cleaned")) {
            char path[4096 + 260];
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
            continue;
        }
        staging |= strcmp(e->d_name, KC_CLEANER_STAGING) == 0;
        int64_t off;
        int k = listing_kind(e->d_name, &off);
        if (k < 0)
            continue;
        if (ls->n[k] == ls->cap[k]) {
            ls->cap[k] = ls->cap[k] ? ls->cap[k] * 2 : 4;
            if (!(ls->v[k] = realloc(ls->v[k], ls->cap[k] * sizeof(int64_t))))
                kc_fatal("plog: out of memory");
        }
        ls->v[k][ls->n[k]++] = off;
    }
    closedir(d);
    if (staging)
        remove_staging(dir);
    for (int k = 0; k < LS_KINDS; k++)
        if (ls->n[k] > 1)
            qsort(ls->v[k], ls->n[k], sizeof(int64_t), cmp_i64);
    return 0;
}

static void remove_segment_files(kc_plog *l, int64_t base)
{
    for (int k = 0; k < LS_KINDS; k++) {
        char path[4096];
        seg_path(l, base, listing_suffix[k], path, sizeof(path));
        unlink(path);
    }
}

int kc_plog_open(const char *dir, const kc_log_config *cfg, const kc_plog_open_opts *o,
                 kc_plog **out, kc_plog_open_stats *stats, char *err, size_t errlen)
{
    kc_plog_open_stats local = {0};
    kc_plog_open_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof(*st));
    seg_listing ls = {0};
    bool clean = o->clean_shutdown;
    int rc = list_segments(dir, &ls);
    if (rc == -ENOENT && (rc = kc_mkdirs(dir)) == 0) { /* a new log: nothing to recover */
        clean = true;
        rc = list_segments(dir, &ls);
    }
    if (rc) {
        snprintf(err, errlen, "cannot open '%s': %s", dir, strerror(-rc));
        listing_free(&ls);
        return -1;
    }
    const int64_t *bases = ls.v[LS_LOG];
    size_t nb = ls.n[LS_LOG];
    kc_plog *l = calloc(1, sizeof(*l));
    if (!l || !(l->dir = strdup(dir)))
        kc_fatal("plog: out of memory");
    l->cfg = *cfg;
    l->snapshot_offset = INT64_MAX; /* none is written before the state is rebuilt */
    if (kc_epoch_cache_load(&l->epochs, dir))
        l->epochs.dirty = true; /* malformed: replaced by what the scans below assign */
    int64_t recover_from = clean ? INT64_MAX : (o->recovery_point < 0 ? 0 : o->recovery_point);
    bool truncated = false;
    for (size_t i = 0; i < nb; i++) {
        if (truncated) { /* nothing after damage may be served */
            kc_warn("STORAGE", "%s: removing segment %020" PRId64 " after a truncated one", dir,
                    bases[i]);
            remove_segment_files(l, bases[i]);
            continue;
        }
        bool last = i + 1 == nb;
        bool index_missing =
            !listing_has(&ls, LS_INDEX, bases[i]) || !listing_has(&ls, LS_TIMEINDEX, bases[i]);
        int64_t next_base = last ? INT64_MAX : bases[i + 1];
        bool recover = next_base > recover_from;
        /* segments that need no recovery keep their trimmed indexes as they are: no
         * preallocation and trim again on every start; the active one's become writable at its
         * first append (seg_writable), so a restart of 10,000 idle logs resizes no file */
        segment *s = seg_new(l, bases[i], false, &rc);
        if (s && (rc = seg_open_indexes(l, s, recover, index_missing)))
            seg_free(s);
        if (rc) {
            snprintf(err, errlen, "cannot open segment %020" PRId64 " in '%s': %s", bases[i], dir,
                     strerror(-rc));
            listing_free(&ls);
            kc_plog_close(l);
            return -1;
        }
        if (l->nsegs && bases[i] < active(l)->next_offset) {
            /* overlapping segments are damage too: keep the earlier one */
            kc_warn("STORAGE", "%s: segment %020" PRId64 " overlaps the previous one", dir,
                    bases[i]);
            seg_free(s);
            remove_segment_files(l, bases[i]);
            truncated = true;
            continue;
        }
        if (recover) {
            if (st->segments_recovered++ == 0)
                /* epochs from here on come from the batches themselves: the file may predate a
                 * truncation whose recovery point and epochs never reached the disk */
                kc_epoch_cache_truncate_from_end(&l->epochs, bases[i]);
            rc = seg_scan(l, s, 0, true, st);
        } else {
            rc = seg_load_trusted(l, s, index_missing, st);
        }
        if (rc < 0) {
            snprintf(err, errlen, "cannot read segment %020" PRId64 " in '%s': %s", bases[i], dir,
                     strerror(-rc));
            seg_free(s);
            listing_free(&ls);
            kc_plog_close(l);
            return -1;
        }
        truncated = rc == 1;
        push_seg(l, s);
        if (!last && !truncated)
            seg_deactivate(s);
        else if (truncated) {
            /* it becomes the active segment: its indexes must take appends */
            if (!s->oidx.writable && seg_rebuild(l, s, st) < 0)
                kc_warn("STORAGE", "%s: cannot reopen the indexes of %020" PRId64, dir, bases[i]);
            s->roll_base_ms = o->now_ms;
        }
    }
    if (l->nsegs == 0) {
        int64_t base = o->log_start_offset > 0 ? o->log_start_offset : 0;
        segment *s = seg_create(l, base, &rc);
        if (!s) {
            snprintf(err, errlen, "cannot create a segment in '%s': %s", dir, strerror(-rc));
            kc_plog_close(l);
            return -1;
        }
        push_seg(l, s);
    }
    segment *a = active(l);
    if (a->roll_base_ms < 0 && a->size > 0)
        a->roll_base_ms = o->now_ms; /* segment.ms counts from when this process opened it */
    int64_t leo = a->next_offset;
    l->log_start_offset = l->segs[0]->base_offset;
    if (o->log_start_offset > l->log_start_offset)
        l->log_start_offset = o->log_start_offset < leo ? o->log_start_offset : leo;
    /* as Kafka's LogLoader: only a clean shutdown vouches for the whole log; after recovery the
     * scanned tail came from the page cache and counts as flushed only after a real fsync */
    if (clean)
        l->recovery_point = leo;
    else
        l->recovery_point =
            o->recovery_point < 0 ? 0 : (o->recovery_point < leo ? o->recovery_point : leo);
    /* as Kafka's Log at load: no epoch past the end, none before the start */
    kc_epoch_cache_truncate_from_end(&l->epochs, leo);
    kc_epoch_cache_truncate_from_start(&l->epochs, l->log_start_offset);
    /* after damage segment files (snapshots among them) were removed: list again */
    rc = truncated ? rebuild_producers(l)
                   : rebuild_producers_from(l, ls.v[LS_SNAPSHOT], (int)ls.n[LS_SNAPSHOT]);
    listing_free(&ls);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read the batches of '%s': %s", dir, strerror(-rc));
        kc_plog_close(l);
        return -1;
    }
    *out = l;
    return 0;
}

void kc_plog_set_config(kc_plog *l, const kc_log_config *cfg)
{
    l->cfg = *cfg;
}

const kc_log_config *kc_plog_config(const kc_plog *l)
{
    return &l->cfg;
}

const char *kc_plog_dir(const kc_plog *l)
{
    return l->dir;
}

int64_t kc_plog_log_start_offset(const kc_plog *l)
{
    return l->log_start_offset;
}

int64_t kc_plog_log_end_offset(const kc_plog *l)
{
    return active(l)->next_offset;
}

int64_t kc_plog_recovery_point(const kc_plog *l)
{
    return l->recovery_point;
}

uint64_t kc_plog_size_bytes(const kc_plog *l)
{
    uint64_t n = 0;
    for (int i = 0; i < l->nsegs; i++)
        n += l->segs[i]->size;
    return n;
}

int kc_plog_segment_count(const kc_plog *l)
{
    return l->nsegs;
}

int64_t kc_plog_segment_base(const kc_plog *l, int i)
{
    return i >= 0 && i < l->nsegs ? l->segs[i]->base_offset : -1;
}

int64_t kc_plog_unflushed_messages(const kc_plog *l)
{
    return l->unflushed;
}

void kc_plog_close(kc_plog *l)
{
    if (!l)
        return;
    if (l->nsegs) {
        take_snapshot(l, kc_plog_log_end_offset(l));
        segment *s = active(l); /* seg_deactivate, without remapping what is closed next */
        if (s->tidx.writable && s->max_timestamp >= 0 && !kc_index_full(&s->tidx))
            kc_time_index_maybe_append(&s->tidx, s->max_timestamp, s->offset_of_max_timestamp);
        kc_index_close_trimmed(&s->oidx);
        kc_index_close_trimmed(&s->tidx);
    }
    for (int i = 0; i < l->nsegs; i++)
        seg_free(l->segs[i]);
    free(l->segs);
    free(l->tail);
    free(l->dir);
    kc_epoch_cache_free(&l->epochs);
    kc_producer_state_clear(&l->producers);
    free(l);
}

kc_epoch_cache *kc_plog_epoch_cache(kc_plog *l)
{
    return &l->epochs;
}

/* ------------------------------------------------------------------ append and roll */

/* Starts a new active segment at @p base (>= the log end offset). An empty active segment is
 * replaced when @p base differs from its own (a follower's batch far past it), kept otherwise. */
static int roll_at(kc_plog *l, int64_t base)
{
    segment *old = active(l);
    if (old->size == 0 && old->base_offset == base)
        return 0;
    int rc;
    segment *s = seg_create(l, base, &rc);
    if (!s) {
        kc_error("STORAGE", "%s: cannot roll a new segment: %s", l->dir, strerror(-rc));
        return rc;
    }
    if (old->size == 0) {
        l->nsegs--;
        remove_segment_files(l, old->base_offset);
        seg_free(old);
    } else {
        seg_deactivate(old);
    }
    push_seg(l, s);
    kc_debug("STORAGE", "%s: rolled segment %020" PRId64, l->dir, s->base_offset);
    take_snapshot(l, base);
    return 0;
}

int kc_plog_roll(kc_plog *l, int64_t now_ms)
{
    (void)now_ms;
    segment *old = active(l);
    return old->size == 0 ? 0 : roll_at(l, old->next_offset);
}

/* Whether the batch @p h of @p len bytes must start a new segment, were @p pending batches of
 * @p pending_bytes appended to @p s before it (a follower's run, written at once; 0 and 0
 * otherwise). @p first_offset: the offset the batch will get (the log end offset on the leader,
 * the batch's own on a follower). */
static bool should_roll(const kc_plog *l, const segment *s, uint64_t pending_bytes, size_t pending,
                        size_t len, const kc_batch_header *h, int64_t first_offset, int64_t now_ms)
{
    uint64_t size = s->size + pending_bytes;
    if (size == 0)
        return false;
    if (size + len > (uint64_t)l->cfg.segment_bytes)
        return true;
    if (s->roll_base_ms >= 0 && now_ms - s->roll_base_ms > l->cfg.segment_ms)
        return true;
    /* each pending batch may take an entry of each index */
    if (s->oidx.entries + pending >= s->oidx.max_entries ||
        s->tidx.entries + pending >= s->tidx.max_entries)
        return true;
    /* relative offsets in the indexes are int32 */
    return first_offset + h->last_offset_delta - s->base_offset > INT32_MAX;
}

/* Writes @p len bytes at the end of the active segment @p s; a failed write is undone. */
static int seg_write(kc_plog *l, segment *s, const uint8_t *p, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(s->fd, p + done, len - done, (off_t)(s->size + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            if (ftruncate(s->fd, (off_t)s->size))
                kc_error("STORAGE", "%s: cannot undo a partial append: %s", l->dir,
                         strerror(errno));
            return -e;
        }
        done += (size_t)w;
    }
    return 0;
}

/* Accounts for the batch (header @p h, @p len bytes) just written at the end of @p s: indexes,
 * size, the epoch cache, producer state. */
static void seg_note_batch(kc_plog *l, segment *s, const kc_batch_header *h, size_t len,
                           int64_t now_ms)
{
    if (s->roll_base_ms < 0)
        s->roll_base_ms = now_ms;
    tail_note(l, s, h, s->size, (uint32_t)len);
    seg_account(s, h, s->size, (uint32_t)len, l->cfg.index_interval_bytes, true);
    s->size += len;
    l->unflushed += h->record_count;
    kc_epoch_cache_assign(&l->epochs, h->partition_leader_epoch, h->base_offset);
    note_producer(l, h);
}

/* Writes the batch @p p (header @p h, already stamped) at the end of the active segment @p s and
 * accounts for it; a failed write is undone. */
static int seg_write_batch(kc_plog *l, segment *s, const uint8_t *p, size_t len,
                           const kc_batch_header *h, int64_t now_ms)
{
    int rc = seg_write(l, s, p, len);
    if (rc == 0)
        seg_note_batch(l, s, h, len, now_ms);
    return rc;
}

int kc_plog_append(kc_plog *l, uint8_t *batch, size_t len, int32_t leader_epoch, int64_t now_ms,
                   int64_t *base_offset_out, bool *rolled)
{
    kc_batch_header h;
    if (rolled)
        *rolled = false;
    if (kc_batch_header_parse(batch, len, &h) || len > UINT32_MAX)
        return -EINVAL;
    int rc = seg_writable(l, active(l));
    if (rc)
        return rc;
    if (should_roll(l, active(l), 0, 0, len, &h, active(l)->next_offset, now_ms)) {
        rc = kc_plog_roll(l, now_ms);
        if (rc)
            return rc;
        if (rolled)
            *rolled = true;
    }
    segment *s = active(l);
    int64_t base = s->next_offset;
    kc_put_be64(batch, (uint64_t)base);
    kc_put_be32(batch + KC_BATCH_OFF_EPOCH, (uint32_t)leader_epoch);
    h.base_offset = base;
    h.partition_leader_epoch = leader_epoch;
    rc = seg_write_batch(l, s, batch, len, &h, now_ms);
    if (rc)
        return rc;
    *base_offset_out = base;
    return 0;
}

/* Writes the run @p p of @p len bytes (whole batches, checked) at the end of the active segment
 * @p s in one write, then accounts for each batch. */
static int seg_write_run(kc_plog *l, segment *s, const uint8_t *p, size_t len, int64_t now_ms)
{
    int rc = seg_write(l, s, p, len);
    for (size_t pos = 0; rc == 0 && pos < len;) {
        kc_batch_header h;
        kc_batch_header_parse(p + pos, len - pos, &h);
        size_t size = (size_t)(uint32_t)h.length + KC_BATCH_LOG_OVERHEAD;
        seg_note_batch(l, s, &h, size, now_ms);
        pos += size;
    }
    return rc;
}

/*
 * A follower's fetched batches are appended in runs: as many batches as go into the active
 * segment as it stands are checked first and written with one pwrite (one per batch cost a
 * system call per batch of a fetch response). A run ends where the segment must roll (should_roll
 * counting the run's own bytes and index entries), at a partial batch, or before a batch that is
 * corrupt or not past the log end; what comes before such a batch is appended, as before.
 */
int kc_plog_append_replica(kc_plog *l, const uint8_t *batches, size_t len, int64_t now_ms,
                           size_t *appended, bool *rolled)
{
    if (appended)
        *appended = 0;
    if (rolled)
        *rolled = false;
    size_t pos = 0;
    int err = 0;
    while (!err && len - pos >= KC_BATCH_HEADER_BYTES) {
        segment *s = active(l);
        int rc = seg_writable(l, s);
        if (rc)
            return rc;
        size_t end = pos, n = 0; /* the run: batches [pos, end), n of them */
        int64_t next = s->next_offset;
        bool roll = false;
        while (len - end >= KC_BATCH_HEADER_BYTES) {
            const uint8_t *b = batches + end;
            kc_batch_header h;
            kc_batch_header_parse(b, len - end, &h);
            uint64_t size = (uint64_t)(uint32_t)h.length + KC_BATCH_LOG_OVERHEAD;
            if (h.length >= KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD && size > len - end &&
                h.magic == 2) {
                err = 1; /* a partial batch at the end of the fetched range: done */
                break;
            }
            if (h.magic != 2 || h.length < KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD ||
                size > UINT32_MAX || h.last_offset_delta < 0 || h.base_offset < 0 ||
                h.base_offset > INT64_MAX - h.last_offset_delta ||
                kc_batch_compute_crc(b, size) != h.crc) {
                kc_warn("STORAGE", "%s: corrupt batch from the leader at offset %" PRId64, l->dir,
                        h.base_offset);
                err = -EBADMSG;
                break;
            }
            if (h.base_offset < next) {
                err = -ERANGE;
                break;
            }
            bool fits = h.base_offset + h.last_offset_delta - s->base_offset <= INT32_MAX;
            if (s->size == 0 && n == 0
                    ? !fits
                    : should_roll(l, s, end - pos, n, size, &h, h.base_offset, now_ms)) {
                roll = n == 0; /* else the run ends here and the next one rolls first */
                if (roll)
                    next = h.base_offset;
                break;
            }
            next = h.base_offset + h.last_offset_delta + 1;
            end += size;
            n++;
        }
        if (roll) {
            bool had_data = s->size > 0; /* roll_at frees an empty segment it replaces */
            if ((rc = roll_at(l, next)))
                return rc;
            if (rolled && had_data) /* not when an empty segment was only replaced */
                *rolled = true;
            continue;
        }
        if (n > 0 && (rc = seg_write_run(l, s, batches + pos, end - pos, now_ms)))
            return rc;
        pos = end;
        if (appended)
            *appended = pos;
    }
    return err < 0 ? err : 0;
}

/* ------------------------------------------------------------------ lookup and read */

/*
 * The batch of @p s holding @p target, or the first after it: its position, size and header.
 * Index floor, then a walk over batch headers (Kafka's translateOffset).
 * Returns 1 found, 0 when no batch of the segment ends at or after @p target, -errno.
 */
static int seg_translate(const segment *s, int64_t target, uint64_t *pos_out, uint32_t *size_out,
                         kc_batch_header *h_out)
{
    int64_t off;
    uint32_t pos32;
    kc_offset_index_lookup(&s->oidx, target, &off, &pos32);
    uint64_t pos = pos32;
    kc_batch_header h;
    uint32_t size = 0; /* set when seg_header_at() returns 1 */
    int rc;
    while ((rc = seg_header_at(s, pos, &h, &size)) == 1) {
        if (h.base_offset + h.last_offset_delta >= target) {
            *pos_out = pos;
            *size_out = size;
            if (h_out)
                *h_out = h;
            return 1;
        }
        pos += size;
    }
    return rc; /* 0, or damage below a trusted index entry */
}

int kc_plog_read_slice(kc_plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                       bool min_one_batch, kc_plog_slice *out)
{
    memset(out, 0, sizeof(*out));
    out->fd = -1;
    if (offset < l->log_start_offset || offset > max_offset || offset > kc_plog_log_end_offset(l))
        return 1;
    if (offset == max_offset)
        return 0;
    for (int i = seg_floor(l, offset); i >= 0 && i < l->nsegs; i++) {
        segment *s = l->segs[i];
        uint64_t pos = 0; /* set whenever seg_translate returns 1; zeroed for the optimiser */
        uint32_t first = 0;
        int rc = tail_find(l->tail, s, offset, &pos, &first)
                     ? 1
                     : seg_translate(s, offset, &pos, &first, NULL);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue; /* offset at this segment's end: the next one starts there */
        uint64_t end = s->size;
        if (max_offset < s->next_offset) {
            uint64_t hw_pos = 0;
            uint32_t hw_size = 0;
            rc = tail_find(l->tail, s, max_offset, &hw_pos, &hw_size)
                     ? 1
                     : seg_translate(s, max_offset, &hw_pos, &hw_size, NULL);
            if (rc < 0)
                return rc;
            if (rc == 1)
                end = hw_pos;
        }
        if (end <= pos)
            return 0;
        uint64_t n = end - pos;
        uint64_t limit = max_bytes < 0 ? 0 : (uint64_t)max_bytes;
        if (limit < first) {
            /* Kafka (v3+) never answers an incomplete first batch: either all of it (KIP-74,
             * first non-empty partition) or nothing */
            if (!min_one_batch)
                return 0;
            limit = first;
        }
        if (n > limit)
            n = limit;
        out->fd = s->fd;
        out->position = (int64_t)pos;
        out->bytes = (int32_t)n;
        return 0;
    }
    return 0;
}

int kc_plog_read(kc_plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                 bool min_one_batch, kc_arena *a, kc_bytes *out)
{
    kc_plog_slice sl;
    out->p = NULL;
    out->len = 0;
    int rc = kc_plog_read_slice(l, offset, max_offset, max_bytes, min_one_batch, &sl);
    if (rc || sl.bytes == 0)
        return rc;
    uint8_t *buf = kc_arena_alloc(a, (size_t)sl.bytes);
    if ((rc = kc_pread_full(sl.fd, buf, (size_t)sl.bytes, (off_t)sl.position)))
        return rc;
    out->p = buf;
    out->len = sl.bytes;
    return 0;
}

int kc_plog_offset_for_timestamp(kc_plog *l, int64_t timestamp_ms, int64_t max_offset,
                                 int64_t *offset_out, int64_t *timestamp_out)
{
    *offset_out = *timestamp_out = -1;
    for (int i = 0; i < l->nsegs; i++) {
        segment *s = l->segs[i];
        if (s->max_timestamp < timestamp_ms || s->size == 0)
            continue;
        int64_t from = kc_time_index_lookup(&s->tidx, timestamp_ms);
        int64_t ioff;
        uint32_t ipos;
        kc_offset_index_lookup(&s->oidx, from, &ioff, &ipos);
        uint64_t pos = ipos;
        kc_batch_header h;
        uint32_t size = 0; /* set when seg_header_at() returns 1 */
        int rc;
        while ((rc = seg_header_at(s, pos, &h, &size)) == 1) {
            if (h.base_offset >= max_offset)
                return 0;
            if (h.max_timestamp < timestamp_ms ||
                h.base_offset + h.last_offset_delta < l->log_start_offset) {
                pos += size;
                continue;
            }
            uint8_t *buf = malloc(size);
            if (!buf)
                kc_fatal("plog: out of memory");
            rc = kc_pread_full(s->fd, buf, size, (off_t)pos);
            if (rc == 0)
                *offset_out = kc_batch_offset_for_timestamp_from(
                    buf, size, &h, timestamp_ms, l->log_start_offset, timestamp_out);
            free(buf);
            if (rc)
                return rc;
            if (*offset_out >= 0)
                return 0;
            /* MaxTimestamp qualified but every qualifying record is below the log start
             * offset: the answer lies further on */
            *timestamp_out = -1;
            pos += size;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------ truncation */

/* Removes segments from index @p from on: closed and unlinked at once (Kafka deletes them
 * synchronously on truncation too). */
static void drop_segments_from(kc_plog *l, int from)
{
    for (int i = l->nsegs - 1; i >= from; i--) {
        segment *s = l->segs[i];
        int64_t base = s->base_offset;
        seg_free(s);
        remove_segment_files(l, base);
    }
    l->nsegs = from;
}

int kc_plog_truncate_fully_and_start_at(kc_plog *l, int64_t offset)
{
    if (offset < 0)
        return -EINVAL;
    drop_segments_from(l, 0);
    int rc;
    segment *s = seg_create(l, offset, &rc);
    if (!s) {
        /* the log must keep an active segment: fatal as running out of memory is */
        kc_fatal("%s: cannot create segment %020" PRId64 ": %s", l->dir, offset, strerror(-rc));
    }
    push_seg(l, s);
    kc_fsync_dir(l->dir); /* the removals must not come back after a crash */
    kc_info("STORAGE", "%s: truncated fully, log restarts at offset %" PRId64, l->dir, offset);
    l->log_start_offset = offset;
    if (l->recovery_point > offset)
        l->recovery_point = offset;
    l->unflushed = 0;
    kc_epoch_cache_truncate_from_end(&l->epochs, 0); /* Kafka's clearAndFlush */
    kc_producer_state_clear(&l->producers);
    delete_snapshots(l);
    return 0;
}

int kc_plog_truncate_to(kc_plog *l, int64_t offset)
{
    if (offset >= kc_plog_log_end_offset(l))
        return 0;
    if (offset < l->log_start_offset)
        return kc_plog_truncate_fully_and_start_at(l, offset);
    int i = seg_floor(l, offset);
    if (i < 0)
        i = 0;
    segment *s = l->segs[i];
    uint64_t pos = 0;
    uint32_t size = 0;
    kc_batch_header h = {0}; /* gcc -O2 cannot see that rc == 1 sets it */
    int rc = seg_translate(s, offset, &pos, &size, &h);
    if (rc < 0)
        return rc;
    int64_t cut = rc == 1 ? h.base_offset : s->next_offset; /* first offset removed */
    if (rc == 0)
        pos = s->size;
    if (cut < l->log_start_offset) /* the batch holding the log start offset goes: nothing stays */
        return kc_plog_truncate_fully_and_start_at(l, offset);
    if ((rc = seg_writable(l, s))) /* a closed segment may become the active one */
        return rc;
    if (ftruncate(s->fd, (off_t)pos))
        return -errno;
    s->size = pos;
    if (l->tail)
        l->tail->n = 0;
    drop_segments_from(l, i + 1);
    kc_index_truncate_to(&s->oidx, cut);
    kc_index_truncate_to(&s->tidx, cut);
    kc_plog_open_stats st = {0};
    if ((rc = seg_resume(l, s, &st)) < 0)
        return rc;
    int64_t leo = s->next_offset;
    kc_info("STORAGE", "%s: truncated to offset %" PRId64 " (asked %" PRId64 ")", l->dir, leo,
            offset);
    if (l->recovery_point > leo)
        l->recovery_point = leo;
    kc_epoch_cache_truncate_from_end(&l->epochs, leo);
    return rebuild_producers(l);
}

/* ------------------------------------------------------------------ retention */

int64_t kc_plog_delete_records(kc_plog *l, int64_t offset)
{
    int64_t leo = kc_plog_log_end_offset(l);
    if (offset > leo)
        offset = leo;
    if (offset > l->log_start_offset) {
        l->log_start_offset = offset;
        kc_epoch_cache_truncate_from_start(&l->epochs, offset);
    }
    return l->log_start_offset;
}

static int64_t seg_largest_timestamp(const kc_plog *l, const segment *s)
{
    if (s->max_timestamp >= 0)
        return s->max_timestamp;
    struct stat st; /* no timestamps at all: Kafka falls back to the file's mtime */
    char path[4096];
    seg_path(l, s->base_offset, ".log", path, sizeof(path));
    return stat(path, &st) == 0 ? (int64_t)st.st_mtime * 1000 : INT64_MAX;
}

/* Removes the oldest segment: renames its files `.deleted` and adds them to the list. */
static void delete_oldest(kc_plog *l, char ***deleted, int *n, int *cap)
{
    segment *s = l->segs[0];
    memmove(l->segs, l->segs + 1, (size_t)(l->nsegs - 1) * sizeof(*l->segs));
    l->nsegs--;
    /* the producer snapshot at its base goes with it (Kafka's deleteSegmentFiles) */
    static const char *const exts[] = {".log", ".index", ".timeindex", ".snapshot"};
    for (size_t i = 0; i < 4; i++) {
        char from[4096], to[4200];
        seg_path(l, s->base_offset, exts[i], from, sizeof(from));
        snprintf(to, sizeof(to), "%s.deleted", from);
        if (rename(from, to)) {
            if (errno != ENOENT)
                kc_error("STORAGE", "cannot rename '%s': %s", from, strerror(errno));
            continue;
        }
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            if (!(*deleted = realloc(*deleted, (size_t)*cap * sizeof(char *))))
                kc_fatal("plog: out of memory");
        }
        if (!((*deleted)[(*n)++] = strdup(to)))
            kc_fatal("plog: out of memory");
    }
    kc_info("STORAGE", "%s: deleting segment %020" PRId64 " (%" PRIu64 " bytes)", l->dir,
            s->base_offset, s->size);
    seg_free(s);
}

int kc_plog_retention(kc_plog *l, int64_t now_ms, char ***deleted, int *n_deleted)
{
    *deleted = NULL;
    *n_deleted = 0;
    int cap = 0, removed = 0;
    uint64_t total = kc_plog_size_bytes(l);
    while (l->nsegs > 1) { /* never the active segment */
        segment *s = l->segs[0];
        bool below_start = l->segs[1]->base_offset <= l->log_start_offset;
        bool too_old = l->cfg.cleanup_delete && l->cfg.retention_ms >= 0 &&
                       now_ms - seg_largest_timestamp(l, s) > l->cfg.retention_ms;
        bool too_big = l->cfg.cleanup_delete && l->cfg.retention_bytes >= 0 &&
                       total >= (uint64_t)l->cfg.retention_bytes + s->size;
        if (!below_start && !too_old && !too_big)
            break;
        total -= s->size;
        delete_oldest(l, deleted, n_deleted, &cap);
        removed++;
    }
    if (l->segs[0]->base_offset > l->log_start_offset) {
        l->log_start_offset = l->segs[0]->base_offset;
        kc_epoch_cache_truncate_from_start(&l->epochs, l->log_start_offset);
    }
    return removed;
}

/* ------------------------------------------------------------------ flush */

kc_plog_flush_job *kc_plog_prepare_flush(kc_plog *l, int64_t up_to)
{
    if (up_to <= l->recovery_point)
        return NULL;
    kc_plog_flush_job *j = calloc(1, sizeof(*j));
    if (!j || !(j->fds = calloc((size_t)l->nsegs * 3 + 2, sizeof(int))))
        kc_fatal("plog: out of memory");
    j->up_to = up_to;
    for (int i = 0; i < l->nsegs; i++) {
        segment *s = l->segs[i];
        if (s->next_offset <= l->recovery_point || s->base_offset >= up_to)
            continue;
        /* indexes hold no descriptor (index.h): open them by path for the worker's fsync */
        int fds[3] = {dup(s->fd), kc_index_open_for_sync(&s->oidx),
                      kc_index_open_for_sync(&s->tidx)};
        for (int k = 0; k < 3; k++)
            if (fds[k] >= 0)
                j->fds[j->n++] = fds[k];
    }
    if (l->snapshot_unsynced && l->snapshot_offset <= up_to) {
        char path[4096];
        kc_producer_snapshot_path(l->dir, l->snapshot_offset, path, sizeof(path));
        int fd = open(path, O_RDONLY | O_CLOEXEC); /* gone (truncated away): nothing to sync */
        if (fd >= 0)
            j->fds[j->n++] = fd;
        l->snapshot_unsynced = false;
    }
    /* the folder too: rolled segments' directory entries must be as durable as their data */
    int dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
        j->fds[j->n++] = dfd;
    l->unflushed = 0;
    return j;
}

int kc_plog_flush_job_run(kc_plog_flush_job *j)
{
    int rc = 0;
    for (int i = 0; i < j->n; i++) {
        if (fsync(j->fds[i]) && !rc)
            rc = -errno;
        close(j->fds[i]);
    }
    j->n = 0;
    return rc;
}

void kc_plog_flush_job_done(kc_plog *l, kc_plog_flush_job *j, bool ok)
{
    if (ok && l && j->up_to > l->recovery_point)
        l->recovery_point = j->up_to;
    for (int i = 0; i < j->n; i++)
        close(j->fds[i]);
    free(j->fds);
    free(j);
}

void kc_plog_mark_flushed(kc_plog *l)
{
    l->recovery_point = kc_plog_log_end_offset(l);
    l->unflushed = 0;
}

int kc_plog_flush(kc_plog *l)
{
    int rc = kc_fsync_dir(l->dir);
    for (int i = 0; i < l->nsegs; i++) {
        segment *s = l->segs[i];
        /* below the recovery point a flush job already made it durable (indexes included):
         * a clean shutdown of 10,000 idle logs need not fsync 30,000 files again */
        if (s->next_offset <= l->recovery_point)
            continue;
        if (fsync(s->fd) && !rc)
            rc = -errno;
        kc_index *ixs[2] = {&s->oidx, &s->tidx};
        for (int k = 0; k < 2; k++) {
            int fd = kc_index_open_for_sync(ixs[k]);
            if (fd >= 0) {
                if (fsync(fd) && !rc)
                    rc = -errno;
                close(fd);
            } else if (fd != -EBADF && !rc) {
                rc = fd;
            }
        }
    }
    if (rc == 0) {
        l->recovery_point = kc_plog_log_end_offset(l);
        l->unflushed = 0;
    }
    return rc;
}

/* ------------------------------------------------------------------ cleaner support */

int kc_segment_build_indexes(const char *dir, int64_t base, const kc_log_config *cfg)
{
    kc_plog tmp = {0};
    tmp.dir = (char *)dir;
    tmp.cfg = *cfg;
    int rc;
    segment *s = seg_new(&tmp, base, false, &rc);
    if (!s)
        return rc;
    if ((rc = seg_open_indexes(&tmp, s, true, false))) {
        seg_free(s);
        return rc;
    }
    rc = seg_scan(&tmp, s, 0, true, NULL);
    seg_deactivate(s);
    seg_free(s);
    kc_epoch_cache_free(&tmp.epochs); /* filled by the scan, of no use here */
    return rc == 1 ? -EBADMSG : rc;
}

int kc_plog_closed_segment(const kc_plog *l, int i, int64_t *base, int64_t *max_timestamp,
                           int *fd_dup)
{
    if (i < 0 || i >= l->nsegs - 1)
        return -1;
    const segment *s = l->segs[i];
    *base = s->base_offset;
    *max_timestamp = seg_largest_timestamp(l, s);
    *fd_dup = dup(s->fd);
    return *fd_dup < 0 ? -1 : 0;
}

int kc_plog_replace_segment(kc_plog *l, int64_t base, const char *staging)
{
    static const char *const exts[] = {".log", ".index", ".timeindex"};
    int idx = -1;
    for (int i = 0; i < l->nsegs - 1; i++)
        if (l->segs[i]->base_offset == base)
            idx = i;
    char from[4096], to[4096];
    if (idx < 0) {
        for (size_t k = 0; k < 3; k++) {
            snprintf(from, sizeof(from), "%s/%020" PRId64 "%s", staging, base, exts[k]);
            unlink(from);
        }
        return 0;
    }
    /* the .log goes last: until it moves, the old log with a rebuilt-on-load index is valid */
    for (int k = 2; k >= 0; k--) {
        snprintf(from, sizeof(from), "%s/%020" PRId64 "%s", staging, base, exts[k]);
        seg_path(l, base, exts[k], to, sizeof(to));
        if (rename(from, to))
            return -errno;
    }
    segment *old = l->segs[idx];
    int rc;
    segment *s = seg_new(l, base, false, &rc);
    if (s && (rc = seg_open_indexes(l, s, false, false))) {
        seg_free(s);
        s = NULL;
    }
    if (s && seg_load_trusted(l, s, false, &(kc_plog_open_stats){0}) < 0) {
        seg_free(s);
        s = NULL;
        rc = -EIO;
    }
    if (!s)
        return rc;
    seg_deactivate(s);
    s->roll_base_ms = old->roll_base_ms;
    l->segs[idx] = s;
    seg_free(old);
    return 1;
}
