/*
 * Snapshot files: built in memory and written with one write (the log's flush job syncs them);
 * read whole (a few dozen bytes per producer). Entries are written in hash order, as Kafka's.
 */
#include "storage/producer_snapshot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "proto/buf.h"

#define HEADER_BYTES 10 /* version, CRC, count */
#define ENTRY_BYTES  46
#define SUFFIX       ".snapshot"

void kc_producer_snapshot_path(const char *dir, int64_t offset, char *out, size_t len)
{
    snprintf(out, len, "%s/%020" PRId64 SUFFIX, dir, offset);
}

int kc_producer_snapshot_write(const char *dir, int64_t offset, const kc_producer_state *ps)
{
    size_t n = HEADER_BYTES + (size_t)ps->n_entries * ENTRY_BYTES;
    uint8_t *buf = malloc(n), *p = buf + HEADER_BYTES;
    if (!buf)
        kc_fatal("producer snapshot: out of memory");
    for (int i = 0; i < ps->n_buckets; i++)
        for (const kc_producer_entry *e = ps->buckets[i]; e; e = e->next) {
            const kc_producer_batch *last = e->n_batches ? &e->batches[e->n_batches - 1] : NULL;
            kc_put_be64(p, (uint64_t)e->producer_id);
            kc_put_be16(p + 8, (uint16_t)e->epoch);
            kc_put_be32(p + 10, (uint32_t)(last ? last->last_seq : -1));
            kc_put_be64(p + 14, (uint64_t)(last ? last->last_offset : -1));
            kc_put_be32(p + 22, (uint32_t)(last ? last->last_offset - last->first_offset : 0));
            kc_put_be64(p + 26, (uint64_t)e->last_timestamp);
            kc_put_be32(p + 34, (uint32_t)-1); /* coordinator epoch: no transactions */
            kc_put_be64(p + 38, (uint64_t)-1); /* current transaction's first offset */
            p += ENTRY_BYTES;
        }
    kc_put_be16(buf, 1);
    kc_put_be32(buf + 6, (uint32_t)ps->n_entries);
    kc_put_be32(buf + 2, kc_crc32c(0, buf + 6, n - 6));
    char path[4096];
    kc_producer_snapshot_path(dir, offset, path, sizeof(path));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? -errno : kc_write_full(fd, buf, n);
    if (fd >= 0)
        close(fd);
    free(buf);
    return rc;
}

int kc_producer_snapshot_read(const char *path, kc_producer_state *ps)
{
    kc_producer_state_clear(ps);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st)) {
        int e = -errno;
        close(fd);
        return e;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = n >= HEADER_BYTES ? malloc(n) : NULL;
    int rc = n < HEADER_BYTES ? -EBADMSG : !buf ? -ENOMEM : kc_pread_full(fd, buf, n, 0);
    close(fd);
    if (rc == 0 && (kc_be16(buf) != 1 || kc_be32(buf + 2) != kc_crc32c(0, buf + 6, n - 6) ||
                    (uint64_t)kc_be32(buf + 6) * ENTRY_BYTES != n - HEADER_BYTES))
        rc = -EBADMSG;
    for (const uint8_t *p = buf + HEADER_BYTES; rc == 0 && p < buf + n; p += ENTRY_BYTES) {
        int64_t last_offset = (int64_t)kc_be64(p + 14);
        int32_t last_seq = (int32_t)kc_be32(p + 10), delta = (int32_t)kc_be32(p + 22);
        if (last_offset < 0)
            continue; /* no batch: nothing to deduplicate against (Kafka restores none either) */
        if (delta < 0 || last_seq < 0 || delta > last_offset) {
            rc = -EBADMSG;
            break;
        }
        int32_t first_seq = last_seq >= delta
                                ? last_seq - delta
                                : (int32_t)((int64_t)INT32_MAX - (delta - last_seq) + 1);
        kc_producer_append a = {
            (int64_t)kc_be64(p), (int16_t)kc_be16(p + 8), first_seq, last_seq, last_offset - delta,
            last_offset,         (int64_t)kc_be64(p + 26)};
        kc_producer_state_update(ps, &a);
    }
    free(buf);
    if (rc)
        kc_producer_state_clear(ps);
    return rc;
}

int kc_producer_snapshot_list(const char *dir, int64_t **offsets, int *n)
{
    *offsets = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    int cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len != 20 + strlen(SUFFIX) || strcmp(e->d_name + 20, SUFFIX) != 0)
            continue;
        char *end;
        long long v = strtoll(e->d_name, &end, 10);
        if (end != e->d_name + 20 || v < 0)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            int64_t *o = realloc(*offsets, sizeof(*o) * (size_t)cap);
            if (!o)
                kc_fatal("producer snapshot: out of memory");
            *offsets = o;
        }
        (*offsets)[(*n)++] = v;
    }
    closedir(d);
    for (int i = 1; i < *n; i++) /* insertion sort: a handful of files */
        for (int j = i; j > 0 && (*offsets)[j - 1] > (*offsets)[j]; j--) {
            int64_t t = (*offsets)[j];
            (*offsets)[j] = (*offsets)[j - 1];
            (*offsets)[j - 1] = t;
        }
    return 0;
}
