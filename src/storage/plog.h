/*
 * Partition log: the records of one partition replica in `<log.dir>/<topic>-<partition>/`, as
 * Kafka lays them out: segment files `<20-digit base offset>.log` holding RecordBatch v2 bytes
 * exactly as produced, with BaseOffset and PartitionLeaderEpoch stamped.
 *
 * Invariants: batches are contiguous and in offset order across segments; log_end_offset is the
 * last batch's last offset + 1 (or the newest segment's base offset when it is empty); only the
 * newest segment is appended to. The location of every batch is kept in memory (the walking
 * skeleton's index; on-disk .index/.timeindex files come with the storage engine).
 *
 * Threading: one owner thread (the reactor). Appends write into the page cache without fsync;
 * kc_plog_close() flushes.
 */
#ifndef KC_PLOG_H
#define KC_PLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "proto/buf.h"

typedef struct kc_plog kc_plog;

/**
 * Open (creating if missing) the partition log in folder @p dir. Existing segments are scanned
 * batch by batch (length, magic, CRC-32C); a segment is truncated at its first invalid byte, and
 * segments after a truncated one are removed, so that only a clean prefix is ever served.
 *
 * @param out  receives the log, owned by the caller (kc_plog_close()).
 * @param err  receives a message on failure.
 * @return 0, or -1 on an I/O error (folder not creatable, segment not readable).
 */
int kc_plog_open(const char *dir, kc_plog **out, char *err, size_t errlen);

/** Offset of the first record still in the log (0 for a new log). */
int64_t kc_plog_log_start_offset(const kc_plog *l);
/** Offset the next appended record will get. */
int64_t kc_plog_log_end_offset(const kc_plog *l);
/** Total bytes of all segments. */
uint64_t kc_plog_size_bytes(const kc_plog *l);

/**
 * Append one validated RecordBatch v2: BaseOffset := log end offset and
 * PartitionLeaderEpoch := @p leader_epoch are stamped into @p batch in place (both are outside
 * the CRC), then the bytes are written to the newest segment. A failed or short write is undone
 * by truncating the segment back, so the log never holds a partial batch it would serve.
 *
 * @param batch   @p len bytes of one batch whose RecordCount/LastOffsetDelta were validated.
 * @param base_offset_out receives the assigned base offset.
 * @return 0, or -errno from the write.
 */
int kc_plog_append(kc_plog *l, uint8_t *batch, size_t len, int32_t leader_epoch,
                   int64_t *base_offset_out);

/**
 * Read whole batches starting with the one that holds @p offset, stopping before any batch that
 * starts at or past @p max_offset (the high watermark) and before @p max_bytes would be exceeded
 * — except that the first batch is always returned whole even when larger (KIP-74).
 *
 * @param a    the returned bytes are allocated here.
 * @param out  receives the bytes (len 0 when @p offset == @p max_offset or nothing fits).
 * @return 0; 1 (OFFSET_OUT_OF_RANGE) when @p offset < log start offset or > @p max_offset;
 *         -errno on a read error.
 */
int kc_plog_read(kc_plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes, kc_arena *a,
                 kc_bytes *out);

/**
 * Bytes a kc_plog_read() with the same arguments would return, without reading (for delayed
 * fetches deciding whether min_bytes is reached). 0 when out of range.
 */
size_t kc_plog_bytes_available(const kc_plog *l, int64_t offset, int64_t max_offset,
                               int32_t max_bytes);

/**
 * Kafka's ListOffsets by timestamp: the first batch (below @p max_offset) whose MaxTimestamp is
 * >= @p timestamp_ms, and in it the first record whose timestamp is >= the target.
 *
 * @param offset_out,timestamp_out receive the answer; both -1 when no record qualifies.
 * @return 0; -1 when the answer lies in a compressed batch whose first record is older than the
 *         target (the exact record would need decompression, so no offset is guessed); -errno
 *         on a read error.
 */
int kc_plog_offset_for_timestamp(kc_plog *l, int64_t timestamp_ms, int64_t max_offset,
                                 int64_t *offset_out, int64_t *timestamp_out);

/** fsync every segment (blocking: shutdown only). @return 0 or -errno of the first failure. */
int kc_plog_flush(kc_plog *l);

/** Close the files and free the log. Does not flush. */
void kc_plog_close(kc_plog *l);

#endif
