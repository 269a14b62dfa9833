/*
 * Segments and the in-memory batch locations of one partition log. Recovery on open is a scan of
 * every batch with CRC-32C verification; the first bad byte ends the log (Kafka's
 * LogSegment.recover truncates the same way).
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

#include "common/log.h"
#include "proto/records.h"

typedef struct batch_loc {
    int64_t base_offset;
    int64_t last_offset;
    int64_t base_timestamp;
    int64_t max_timestamp;
    uint32_t position; /* byte position in the segment */
    uint32_t size;     /* batch bytes including the 12-byte log overhead */
    int16_t attributes;
} batch_loc;

typedef struct segment {
    int64_t base_offset;
    int fd;
    uint64_t size; /* bytes of valid batches */
    batch_loc *batches;
    size_t n, cap;
} segment;

struct kc_plog {
    char *dir;
    segment *segs;
    int nsegs;
    int64_t log_end_offset;
};

static void seg_push(segment *s, const batch_loc *b)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        batch_loc *nb = realloc(s->batches, cap * sizeof(*nb));
        if (!nb)
            kc_fatal("plog: out of memory");
        s->batches = nb;
        s->cap = cap;
    }
    s->batches[s->n++] = *b;
}

static int pread_full(int fd, void *buf, size_t len, off_t off)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t r = pread(fd, p, len, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -EIO;
        p += r;
        len -= (size_t)r;
        off += r;
    }
    return 0;
}

/* Scans @p s from position 0, records each valid batch, truncates at the first invalid byte.
 * Returns 1 when something was truncated, 0 when clean, -errno on I/O errors. */
static int seg_recover(segment *s, const char *path, int64_t expected_base)
{
    struct stat st;
    if (fstat(s->fd, &st))
        return -errno;
    uint64_t file_size = (uint64_t)st.st_size, pos = 0;
    int64_t next = expected_base;
    size_t bufcap = 1 << 16;
    uint8_t *buf = malloc(bufcap);
    if (!buf)
        kc_fatal("plog: out of memory");
    const char *why = NULL;
    while (pos < file_size) {
        kc_batch_header h;
        uint8_t hdr[KC_BATCH_HEADER_BYTES];
        if (file_size - pos < KC_BATCH_HEADER_BYTES) {
            why = "truncated batch header";
            break;
        }
        int rc = pread_full(s->fd, hdr, sizeof(hdr), (off_t)pos);
        if (rc) {
            free(buf);
            return rc;
        }
        kc_batch_header_parse(hdr, sizeof(hdr), &h);
        uint64_t size = (uint64_t)h.length + KC_BATCH_LOG_OVERHEAD;
        if (h.magic != 2 || h.length < KC_BATCH_HEADER_BYTES - KC_BATCH_LOG_OVERHEAD ||
            size > UINT32_MAX || size > file_size - pos) {
            why = "bad batch length or magic";
            break;
        }
        if (h.base_offset < next || h.last_offset_delta < 0) {
            why = "offsets out of order";
            break;
        }
        if (size > bufcap) {
            free(buf);
            bufcap = size;
            buf = malloc(bufcap);
            if (!buf)
                kc_fatal("plog: out of memory");
        }
        rc = pread_full(s->fd, buf, size, (off_t)pos);
        if (rc) {
            free(buf);
            return rc;
        }
        if (kc_batch_compute_crc(buf, size) != h.crc) {
            why = "CRC-32C mismatch";
            break;
        }
        batch_loc b = {h.base_offset,    h.base_offset + h.last_offset_delta,
                       h.base_timestamp, h.max_timestamp,
                       (uint32_t)pos,    (uint32_t)size,
                       h.attributes};
        seg_push(s, &b);
        next = b.last_offset + 1;
        pos += size;
    }
    free(buf);
    s->size = pos;
    if (pos < file_size) {
        kc_warn("STORAGE", "%s: %s at byte %" PRIu64 ", truncating %" PRIu64 " bytes", path, why,
                pos, file_size - pos);
        if (ftruncate(s->fd, (off_t)pos))
            return -errno;
        return 1;
    }
    return 0;
}

static int seg_open(segment *s, const char *dir, int64_t base, bool create)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%020" PRId64 ".log", dir, base);
    memset(s, 0, sizeof(*s));
    s->base_offset = base;
    s->fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    return s->fd < 0 ? -errno : 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return -errno;
            *p = '/';
        }
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return -errno;
    return 0;
}

int kc_plog_open(const char *dir, kc_plog **out, char *err, size_t errlen)
{
    int rc = mkdirs(dir);
    if (rc) {
        snprintf(err, errlen, "cannot create '%s': %s", dir, strerror(-rc));
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot open '%s': %s", dir, strerror(errno));
        return -1;
    }
    int64_t *bases = NULL;
    size_t nb = 0, cb = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n != 24 || strcmp(e->d_name + 20, ".log") != 0)
            continue;
        char *end;
        long long base = strtoll(e->d_name, &end, 10);
        if (end != e->d_name + 20 || base < 0)
            continue;
        if (nb == cb) {
            cb = cb ? cb * 2 : 8;
            bases = realloc(bases, cb * sizeof(*bases));
            if (!bases)
                kc_fatal("plog: out of memory");
        }
        bases[nb++] = base;
    }
    closedir(d);
    if (nb)
        qsort(bases, nb, sizeof(*bases), cmp_i64);

    kc_plog *l = calloc(1, sizeof(*l));
    if (!l || !(l->dir = strdup(dir)))
        kc_fatal("plog: out of memory");
    l->segs = calloc(nb ? nb : 1, sizeof(segment));
    if (!l->segs)
        kc_fatal("plog: out of memory");
    int64_t next = nb ? bases[0] : 0;
    bool truncated = false;
    for (size_t i = 0; i < nb; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%020" PRId64 ".log", dir, bases[i]);
        if (truncated) { /* nothing after damage may be served */
            kc_warn("STORAGE", "%s: removing segment after a truncated one", path);
            unlink(path);
            continue;
        }
        segment *s = &l->segs[l->nsegs];
        rc = seg_open(s, dir, bases[i], false);
        if (rc == 0)
            rc = seg_recover(s, path, next > bases[i] ? next : bases[i]);
        if (rc < 0) {
            snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-rc));
            l->nsegs++;
            free(bases);
            kc_plog_close(l);
            return -1;
        }
        truncated = rc == 1;
        l->nsegs++;
        next = s->n ? s->batches[s->n - 1].last_offset + 1
                    : (next > s->base_offset ? next : s->base_offset);
    }
    free(bases);
    if (l->nsegs == 0) {
        rc = seg_open(&l->segs[0], dir, 0, true);
        if (rc) {
            snprintf(err, errlen, "cannot create segment in '%s': %s", dir, strerror(-rc));
            kc_plog_close(l);
            return -1;
        }
        l->nsegs = 1;
        next = 0;
    }
    l->log_end_offset = next;
    *out = l;
    return 0;
}

int64_t kc_plog_log_start_offset(const kc_plog *l)
{
    for (int i = 0; i < l->nsegs; i++)
        if (l->segs[i].n)
            return l->segs[i].batches[0].base_offset;
    return l->log_end_offset;
}

int64_t kc_plog_log_end_offset(const kc_plog *l)
{
    return l->log_end_offset;
}

uint64_t kc_plog_size_bytes(const kc_plog *l)
{
    uint64_t n = 0;
    for (int i = 0; i < l->nsegs; i++)
        n += l->segs[i].size;
    return n;
}

int kc_plog_append(kc_plog *l, uint8_t *batch, size_t len, int32_t leader_epoch,
                   int64_t *base_offset_out)
{
    segment *s = &l->segs[l->nsegs - 1];
    kc_batch_header h;
    if (kc_batch_header_parse(batch, len, &h) || s->size + len > UINT32_MAX)
        return -EINVAL;
    int64_t base = l->log_end_offset;
    kc_put_be64(batch, (uint64_t)base);
    kc_put_be32(batch + KC_BATCH_OFF_EPOCH, (uint32_t)leader_epoch);
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(s->fd, batch + done, len - done, (off_t)(s->size + done));
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
    batch_loc b = {base,
                   base + h.last_offset_delta,
                   h.base_timestamp,
                   h.max_timestamp,
                   (uint32_t)s->size,
                   (uint32_t)len,
                   h.attributes};
    seg_push(s, &b);
    s->size += len;
    l->log_end_offset = b.last_offset + 1;
    *base_offset_out = base;
    return 0;
}

/* Finds the segment and batch holding @p offset; false when no batch does. */
static bool locate(const kc_plog *l, int64_t offset, int *seg_out, size_t *batch_out)
{
    for (int i = l->nsegs - 1; i >= 0; i--) {
        const segment *s = &l->segs[i];
        if (!s->n || s->batches[0].base_offset > offset)
            continue;
        size_t lo = 0, hi = s->n; /* first batch with last_offset >= offset */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (s->batches[mid].last_offset < offset)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == s->n)
            return false;
        *seg_out = i;
        *batch_out = lo;
        return true;
    }
    return false;
}

/* Number of bytes of the run of batches from (seg, idx) within the limits. */
static size_t run_bytes(const segment *s, size_t idx, int64_t max_offset, int32_t max_bytes)
{
    size_t total = 0;
    for (size_t i = idx; i < s->n; i++) {
        const batch_loc *b = &s->batches[i];
        if (b->base_offset >= max_offset)
            break;
        if (total > 0 && total + b->size > (size_t)(max_bytes < 0 ? 0 : max_bytes))
            break;
        total += b->size;
    }
    return total;
}

size_t kc_plog_bytes_available(const kc_plog *l, int64_t offset, int64_t max_offset,
                               int32_t max_bytes)
{
    int si;
    size_t bi;
    if (offset < kc_plog_log_start_offset(l) || offset >= max_offset ||
        !locate(l, offset, &si, &bi))
        return 0;
    return run_bytes(&l->segs[si], bi, max_offset, max_bytes);
}

int kc_plog_read(kc_plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes, kc_arena *a,
                 kc_bytes *out)
{
    out->p = NULL;
    out->len = 0;
    if (offset < kc_plog_log_start_offset(l) || offset > max_offset)
        return 1;
    int si;
    size_t bi;
    if (offset == max_offset || !locate(l, offset, &si, &bi))
        return 0;
    const segment *s = &l->segs[si];
    size_t n = run_bytes(s, bi, max_offset, max_bytes);
    if (n == 0)
        return 0;
    uint8_t *buf = kc_arena_alloc(a, n);
    int rc = pread_full(s->fd, buf, n, (off_t)s->batches[bi].position);
    if (rc)
        return rc;
    out->p = buf;
    out->len = (int32_t)n;
    return 0;
}

int kc_plog_offset_for_timestamp(kc_plog *l, int64_t timestamp_ms, int64_t max_offset,
                                 int64_t *offset_out, int64_t *timestamp_out)
{
    *offset_out = *timestamp_out = -1;
    for (int i = 0; i < l->nsegs; i++) {
        const segment *s = &l->segs[i];
        for (size_t j = 0; j < s->n; j++) {
            const batch_loc *b = &s->batches[j];
            if (b->base_offset >= max_offset)
                return 0;
            if (b->max_timestamp < timestamp_ms)
                continue;
            if (b->attributes & KC_ATTR_CODEC_MASK) {
                if (b->base_timestamp < timestamp_ms)
                    return -1;
                *offset_out = b->base_offset;
                *timestamp_out = b->base_timestamp;
                return 0;
            }
            uint8_t *buf = malloc(b->size);
            if (!buf)
                kc_fatal("plog: out of memory");
            int rc = pread_full(s->fd, buf, b->size, (off_t)b->position);
            kc_batch_header h;
            if (rc == 0) {
                kc_batch_header_parse(buf, b->size, &h);
                *offset_out =
                    kc_batch_offset_for_timestamp(buf, b->size, &h, timestamp_ms, timestamp_out);
            }
            free(buf);
            if (rc)
                return rc;
            if (*offset_out >= 0)
                return 0;
            return -1; /* MaxTimestamp said a record qualifies but none did: inconsistent */
        }
    }
    return 0;
}

int kc_plog_flush(kc_plog *l)
{
    int rc = 0;
    for (int i = 0; i < l->nsegs; i++)
        if (fsync(l->segs[i].fd) && !rc)
            rc = -errno;
    return rc;
}

void kc_plog_close(kc_plog *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->nsegs; i++) {
        if (l->segs[i].fd >= 0)
            close(l->segs[i].fd);
        free(l->segs[i].batches);
    }
    free(l->segs);
    free(l->dir);
    free(l);
}
