/*
 * Kafka's sparse segment indexes, memory-mapped and laid out as Kafka's OffsetIndex and
 * TimeIndex so Kafka's tools can read them:
 *
 *   <base>.index      entries of 8 bytes:  relative offset i32 | position i32     (big-endian)
 *   <base>.timeindex  entries of 12 bytes: timestamp i64      | relative offset i32
 *
 * An index of the active segment is preallocated to segment.index.bytes (rounded down to whole
 * entries) and trimmed to its entries when the segment rolls or the log closes; a crash leaves
 * zeros after the last entry, which the sanity check rejects, so the index is rebuilt.
 * Invariants: offset-index relative offsets strictly increase; time-index timestamps and
 * offsets strictly increase. Owned by the reactor thread.
 */
#ifndef KC_INDEX_H
#define KC_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KC_OFFSET_INDEX_ENTRY 8
#define KC_TIME_INDEX_ENTRY   12

typedef struct kc_index {
    char *path;          /* owned; the file is open only inside trim and sync calls */
    uint8_t *map;        /* mapping of max_entries entries (NULL when max_entries is 0) */
    size_t entries;      /* valid entries */
    size_t max_entries;  /* capacity of the mapping */
    int entry_size;      /* 8 or 12 */
    int64_t base_offset; /* the segment's base offset */
    bool writable;       /* preallocated for appends */
    bool torn;           /* the file held a partial entry when opened (fails the sanity check) */
} kc_index;

/**
 * Open or create the index at @p path. A writable index is extended to @p max_bytes (rounded
 * down to whole entries) for appends; a read-only one maps exactly the file.
 * Entries = file size / entry size before extension (call kc_index_sanity_check() before use).
 * @return 0, or -errno.
 */
int kc_index_open(kc_index *ix, const char *path, int64_t base_offset, int entry_size,
                  int32_t max_bytes, bool writable);

/** True when full (the segment must roll). */
bool kc_index_full(const kc_index *ix);

/**
 * Kafka's sanity check: whole entries, strictly increasing offsets (and timestamps), offsets
 * not below the base. @return 0 when sane, -1 when the index must be rebuilt.
 */
int kc_index_sanity_check(const kc_index *ix);

/** Append to an offset index: @p offset > last entry's offset, @p position in the segment. */
int kc_offset_index_append(kc_index *ix, int64_t offset, uint32_t position);

/**
 * Largest entry whose offset is <= @p target: its offset and position. With no such entry,
 * (base offset, 0): the scan then starts at the segment's beginning.
 */
void kc_offset_index_lookup(const kc_index *ix, int64_t target, int64_t *offset,
                            uint32_t *position);

/** Append (@p timestamp, @p offset) when @p timestamp is greater than the last entry's. */
int kc_time_index_maybe_append(kc_index *ix, int64_t timestamp, int64_t offset);

/**
 * Largest entry whose timestamp is <= @p target: its offset; the base offset when none (the
 * scan for the first record with timestamp >= target starts there, as in Kafka's TimeIndex).
 */
int64_t kc_time_index_lookup(const kc_index *ix, int64_t target);

/** Last entry of a time index: its timestamp and offset; (-1, base) when empty. */
void kc_time_index_last(const kc_index *ix, int64_t *timestamp, int64_t *offset);

/** Forget every entry (the index is being rebuilt). */
void kc_index_reset(kc_index *ix);

/** Drop entries whose offset is >= @p offset (log truncation). */
void kc_index_truncate_to(kc_index *ix, int64_t offset);

/**
 * Shrink the file to its entries and map it read-only-sized (segment roll, close).
 * @return 0, or -errno.
 */
int kc_index_trim(kc_index *ix);

/** msync the mapping and fsync the file (worker threads only). @return 0 or -errno. */
int kc_index_flush(kc_index *ix);

/**
 * A new read-only descriptor of the index file, for a flush job to fsync on a worker (the
 * caller closes it). @return the descriptor, -EBADF for an index never opened, or -errno of
 * open(2) (ENOENT when the segment was deleted, EMFILE).
 */
int kc_index_open_for_sync(const kc_index *ix);

/** Unmap and free; holds no descriptor. Safe on a zeroed or already closed index. */
void kc_index_close(kc_index *ix);

/**
 * kc_index_trim() then kc_index_close() for an index that is not used again (the log closes):
 * the file is cut to its entries by path (truncate(2)) after the unmap, without the reopen and
 * remap of a trim: 2 system calls instead of 6, 10,000 logs closing at shutdown.
 * @return 0, or -errno of truncate(2) (the index is closed either way; a file left longer, as
 * after a failed trim, fails the next start's sanity check and is rebuilt).
 */
int kc_index_close_trimmed(kc_index *ix);

/** Entry @p i of an offset index: absolute offset and position. */
void kc_offset_index_entry(const kc_index *ix, size_t i, int64_t *offset, uint32_t *position);
/** Entry @p i of a time index: timestamp and absolute offset. */
void kc_time_index_entry(const kc_index *ix, size_t i, int64_t *timestamp, int64_t *offset);

#endif
