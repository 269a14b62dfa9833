/*
 * mmap'd offset and time indexes; lookups are binary searches over the entries. An index holds
 * no file descriptor between calls (Kafka closes index files once mapped): a broker of 10,000
 * partitions then needs one descriptor per segment, not three. The few operations that need
 * the file (trim, fsync) reopen it by its path.
 */
#include "storage/index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto/buf.h"

static int map(kc_index *ix, int fd, size_t bytes)
{
    if (ix->map)
        munmap(ix->map, ix->max_entries * (size_t)ix->entry_size);
    ix->map = NULL;
    ix->max_entries = bytes / (size_t)ix->entry_size;
    if (ix->max_entries == 0)
        return 0;
    void *m = mmap(NULL, ix->max_entries * (size_t)ix->entry_size,
                   PROT_READ | (ix->writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        ix->max_entries = 0;
        return -errno;
    }
    ix->map = m;
    return 0;
}

int kc_index_open(kc_index *ix, const char *path, int64_t base_offset, int entry_size,
                  int32_t max_bytes, bool writable)
{
    memset(ix, 0, sizeof(*ix));
    ix->entry_size = entry_size;
    ix->base_offset = base_offset;
    ix->writable = writable;
    int fd = open(path, (writable ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int rc = 0;
    struct stat st;
    if (fstat(fd, &st)) {
        rc = -errno;
        goto out;
    }
    ix->entries = (size_t)st.st_size / (size_t)entry_size;
    ix->torn = (size_t)st.st_size % (size_t)entry_size != 0;
    size_t bytes = (size_t)st.st_size;
    if (writable) {
        size_t want = (size_t)(max_bytes < entry_size ? entry_size : max_bytes);
        want -= want % (size_t)entry_size;
        if (want < ix->entries * (size_t)entry_size)
            want = ix->entries * (size_t)entry_size;
        if (ftruncate(fd, (off_t)want)) {
            rc = -errno;
            goto out;
        }
        bytes = want;
    }
    rc = map(ix, fd, bytes);
    if (rc == 0 && !(ix->path = strdup(path)))
        rc = -ENOMEM;
out:
    close(fd);
    if (rc)
        kc_index_close(ix);
    return rc;
}

bool kc_index_full(const kc_index *ix)
{
    return ix->entries >= ix->max_entries;
}

static int64_t rel_offset_at(const kc_index *ix, size_t i)
{
    const uint8_t *e = ix->map + i * (size_t)ix->entry_size;
    return (int32_t)kc_be32(ix->entry_size == KC_OFFSET_INDEX_ENTRY ? e : e + 8);
}

void kc_offset_index_entry(const kc_index *ix, size_t i, int64_t *offset, uint32_t *position)
{
    const uint8_t *e = ix->map + i * KC_OFFSET_INDEX_ENTRY;
    *offset = ix->base_offset + (int32_t)kc_be32(e);
    *position = kc_be32(e + 4);
}

void kc_time_index_entry(const kc_index *ix, size_t i, int64_t *timestamp, int64_t *offset)
{
    const uint8_t *e = ix->map + i * KC_TIME_INDEX_ENTRY;
    *timestamp = (int64_t)kc_be64(e);
    *offset = ix->base_offset + (int32_t)kc_be32(e + 8);
}

int kc_index_sanity_check(const kc_index *ix)
{
    if (ix->torn || ix->entries > ix->max_entries)
        return -1;
    for (size_t i = 0; i < ix->entries; i++) {
        int64_t rel = rel_offset_at(ix, i);
        if (rel < 0 || (i > 0 && rel <= rel_offset_at(ix, i - 1)))
            return -1;
        if (ix->entry_size == KC_TIME_INDEX_ENTRY && i > 0 &&
            (int64_t)kc_be64(ix->map + i * 12) <= (int64_t)kc_be64(ix->map + (i - 1) * 12))
            return -1;
    }
    return 0;
}

int kc_offset_index_append(kc_index *ix, int64_t offset, uint32_t position)
{
    int64_t rel = offset - ix->base_offset;
    if (kc_index_full(ix) || rel < 0 || rel > INT32_MAX ||
        (ix->entries && rel <= rel_offset_at(ix, ix->entries - 1)))
        return -1;
    uint8_t *e = ix->map + ix->entries * KC_OFFSET_INDEX_ENTRY;
    kc_put_be32(e, (uint32_t)rel);
    kc_put_be32(e + 4, position);
    ix->entries++;
    return 0;
}

/* Index of the last entry whose key is <= target, or -1. key(i) is offset or timestamp. */
static int64_t floor_entry(const kc_index *ix, int64_t target, bool by_time)
{
    int64_t lo = 0, hi = (int64_t)ix->entries - 1, found = -1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        int64_t key = by_time ? (int64_t)kc_be64(ix->map + (size_t)mid * KC_TIME_INDEX_ENTRY)
                              : ix->base_offset + rel_offset_at(ix, (size_t)mid);
        if (key <= target) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

void kc_offset_index_lookup(const kc_index *ix, int64_t target, int64_t *offset, uint32_t *position)
{
    int64_t i = floor_entry(ix, target, false);
    if (i < 0) {
        *offset = ix->base_offset;
        *position = 0;
        return;
    }
    kc_offset_index_entry(ix, (size_t)i, offset, position);
}

int kc_time_index_maybe_append(kc_index *ix, int64_t timestamp, int64_t offset)
{
    int64_t last_ts, last_off;
    kc_time_index_last(ix, &last_ts, &last_off);
    int64_t rel = offset - ix->base_offset;
    if (ix->entries && (timestamp <= last_ts || offset <= last_off))
        return 0;
    if (kc_index_full(ix) || rel < 0 || rel > INT32_MAX)
        return -1;
    uint8_t *e = ix->map + ix->entries * KC_TIME_INDEX_ENTRY;
    kc_put_be64(e, (uint64_t)timestamp);
    kc_put_be32(e + 8, (uint32_t)rel);
    ix->entries++;
    return 1;
}

int64_t kc_time_index_lookup(const kc_index *ix, int64_t target)
{
    int64_t i = floor_entry(ix, target, true);
    if (i < 0)
        return ix->base_offset;
    int64_t ts, off;
    kc_time_index_entry(ix, (size_t)i, &ts, &off);
    return off;
}

void kc_time_index_last(const kc_index *ix, int64_t *timestamp, int64_t *offset)
{
    if (ix->entries == 0) {
        *timestamp = -1;
        *offset = ix->base_offset;
        return;
    }
    kc_time_index_entry(ix, ix->entries - 1, timestamp, offset);
}

void kc_index_reset(kc_index *ix)
{
    ix->entries = 0;
    ix->torn = false;
}

void kc_index_truncate_to(kc_index *ix, int64_t offset)
{
    while (ix->entries && ix->base_offset + rel_offset_at(ix, ix->entries - 1) >= offset)
        ix->entries--;
}

int kc_index_trim(kc_index *ix)
{
    size_t bytes = ix->entries * (size_t)ix->entry_size;
    if (ix->map)
        munmap(ix->map, ix->max_entries * (size_t)ix->entry_size);
    ix->map = NULL;
    ix->max_entries = 0;
    int fd = ix->path ? open(ix->path, O_RDWR | O_CLOEXEC) : -1;
    int rc = fd < 0 ? (ix->path ? -errno : -EBADF) : 0;
    if (rc == 0 && ix->writable && ftruncate(fd, (off_t)bytes))
        rc = -errno;
    if (rc == 0) {
        ix->writable = false;
        rc = map(ix, fd, bytes);
    }
    if (fd >= 0)
        close(fd);
    if (rc || (ix->entries && !ix->map)) {
        /* no mapping (vm.max_map_count, ENOMEM, EMFILE): lookups fall back to walking the
         * segment */
        ix->entries = 0;
        ix->torn = true;
    }
    return rc;
}

int kc_index_open_for_sync(const kc_index *ix)
{
    if (!ix->path)
        return -EBADF;
    int fd = open(ix->path, O_RDONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int kc_index_flush(kc_index *ix)
{
    if (ix->map && msync(ix->map, ix->max_entries * (size_t)ix->entry_size, MS_SYNC))
        return -errno;
    int fd = kc_index_open_for_sync(ix);
    if (fd == -EBADF)
        return 0;
    if (fd < 0)
        return fd;
    int rc = fsync(fd) ? -errno : 0;
    close(fd);
    return rc;
}

int kc_index_close_trimmed(kc_index *ix)
{
    bool cut = ix->writable && ix->path;
    off_t bytes = (off_t)(ix->entries * (size_t)ix->entry_size);
    char *path = ix->path;
    ix->path = NULL; /* kept for the cut below */
    kc_index_close(ix);
    int rc = cut && truncate(path, bytes) ? -errno : 0;
    ix->writable = false;
    free(path);
    return rc;
}

void kc_index_close(kc_index *ix)
{
    if (ix->map)
        munmap(ix->map, ix->max_entries * (size_t)ix->entry_size);
    ix->map = NULL;
    ix->max_entries = 0;
    free(ix->path);
    ix->path = NULL;
}
