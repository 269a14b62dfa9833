/*
 * Partition log: the records of one partition replica in `<log.dir>/<topic>-<partition>/`, laid
 * out as Kafka's: segments `<20-digit base offset>.log` holding RecordBatch v2 bytes as produced
 * (BaseOffset and PartitionLeaderEpoch stamped), each with a sparse `.index` and `.timeindex`
 * (storage/index.h).
 *
 * Invariants: batches are contiguous and in offset order within and across segments; only the
 * newest (active) segment is appended to; log_start_offset <= log_end_offset; nothing past the
 * first invalid byte found by recovery is ever served. Time is passed in (now_ms) so that roll
 * and retention are testable with an injected clock.
 *
 * Threading: the reactor owns a log. Slow work is split out: fsync runs on a worker through
 * kc_plog_prepare_flush() (dup'd descriptors), deleted segments are renamed `.deleted` here and
 * unlinked later by the caller on a worker.
 */
#ifndef KC_PLOG_H
#define KC_PLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "proto/buf.h"
#include "storage/epoch_cache.h"
#include "storage/log_config.h"

typedef struct kc_plog kc_plog;

/** Sub-folder of a partition folder where the log cleaner builds replacement segments. */
#define KC_CLEANER_STAGING ".cleaner"

/** What the log dir's checkpoints and clean-shutdown marker say about this log. */
typedef struct kc_plog_open_opts {
    bool clean_shutdown;      /* .kafka_cleanshutdown was present: no recovery scan */
    int64_t recovery_point;   /* recovery-point-offset-checkpoint, -1 = unknown (scan all) */
    int64_t log_start_offset; /* log-start-offset-checkpoint, -1 = unknown */
    int64_t now_ms;
} kc_plog_open_opts;

/** What opening the log did (for the recovery log line and tests). */
typedef struct kc_plog_open_stats {
    uint64_t bytes_scanned;   /* bytes read and CRC-checked by recovery */
    int segments_recovered;   /* segments scanned by recovery */
    int indexes_rebuilt;      /* segments whose index files were missing or corrupt */
    uint64_t bytes_truncated; /* invalid bytes cut off (and later segments removed) */
} kc_plog_open_stats;

/** A byte range of one segment file: what a Fetch sends (with sendfile on PLAINTEXT). */
typedef struct kc_plog_slice {
    int fd;           /* the segment's descriptor, valid until the next call that may delete
                         segments (retention, truncation, close): dup() it to keep it */
    int64_t position; /* byte position in the segment */
    int32_t bytes;    /* 0 = nothing to send */
} kc_plog_slice;

/**
 * Open (creating if missing) the log in folder @p dir. Leftover `.deleted`/`.cleaned` files are
 * removed. Unless @p o->clean_shutdown, every segment holding offsets at or after the recovery
 * point is scanned batch by batch (length, magic, offsets, CRC-32C): the log is truncated at
 * the first invalid byte, later segments are removed, and indexes are rebuilt. Missing or
 * corrupt index files are rebuilt in any case.
 * @param cfg   copied; change later with kc_plog_set_config()
 * @param stats optional
 * @return 0, or -1 with @p err set (folder not creatable, file not readable).
 */
int kc_plog_open(const char *dir, const kc_log_config *cfg, const kc_plog_open_opts *o,
                 kc_plog **out, kc_plog_open_stats *stats, char *err, size_t errlen);

/** Replace the log's settings (a topic override changed). */
void kc_plog_set_config(kc_plog *l, const kc_log_config *cfg);
const kc_log_config *kc_plog_config(const kc_plog *l);
const char *kc_plog_dir(const kc_plog *l);

int64_t kc_plog_log_start_offset(const kc_plog *l);
int64_t kc_plog_log_end_offset(const kc_plog *l);
/** Offset below which everything is known to be on disk (fsync'd). */
int64_t kc_plog_recovery_point(const kc_plog *l);
/** Total bytes of all segments. */
uint64_t kc_plog_size_bytes(const kc_plog *l);
int kc_plog_segment_count(const kc_plog *l);
/** Base offset of segment @p i (0 = oldest). */
int64_t kc_plog_segment_base(const kc_plog *l, int i);
/** Records appended since the last flush was prepared. */
int64_t kc_plog_unflushed_messages(const kc_plog *l);

/**
 * Append one validated RecordBatch v2: rolls first when the active segment is full
 * (segment.bytes), old (segment.ms since its first append), its index is full, or the batch's
 * offsets would not fit its relative offsets; then BaseOffset := log end offset and
 * PartitionLeaderEpoch := @p leader_epoch are stamped into @p batch in place and the bytes are
 * written. A failed write is undone by truncating the segment back.
 * @param rolled optional: set true when a new segment was started (the caller flushes the old
 *               one through kc_plog_prepare_flush(), as Kafka does on roll)
 * @return 0, or -errno.
 */
int kc_plog_append(kc_plog *l, uint8_t *batch, size_t len, int32_t leader_epoch, int64_t now_ms,
                   int64_t *base_offset_out, bool *rolled);

/**
 * Follower append (Kafka's Log.appendAsFollower): @p len bytes of record batches as fetched from
 * the leader, kept byte for byte with their offsets and leader epochs. Each batch is checked
 * (magic 2, length, CRC-32C); a partial batch at the end (Fetch ranges may end mid-batch) is
 * ignored. The first batch's base offset must be >= the log end offset (compacted leaders leave
 * gaps); the log end offset becomes the last batch's last offset + 1. Each batch whose
 * PartitionLeaderEpoch is newer than the epoch cache's latest is assigned there. Rolls as
 * kc_plog_append() does.
 * @param appended optional: bytes of whole batches appended
 * @param rolled   optional: set true when a new segment was started
 * @return 0 (also when nothing whole was found); -EBADMSG for a corrupt batch (nothing of it
 *         or after it appended; earlier batches stay); -ERANGE when a base offset is below the
 *         log end offset; -errno on a write error.
 */
int kc_plog_append_replica(kc_plog *l, const uint8_t *batches, size_t len, int64_t now_ms,
                           size_t *appended, bool *rolled);

/**
 * Truncate the log to @p offset (Kafka's Log.truncateTo): every batch whose last offset is >=
 * @p offset is removed (whole batches only: a batch straddling @p offset goes too), segments
 * wholly past it are deleted, the active segment becomes the last remaining one, indexes are
 * trimmed, the recovery point is lowered, and the epoch cache is truncated from the new end.
 * No-op when @p offset >= the log end offset. When @p offset < the log start offset, or the batch
 * holding the log start offset would go, the log is emptied and restarted at @p offset (Kafka's
 * truncateFullyAndStartAt). The new log end offset is the end of the last batch kept (below or at
 * @p offset). Removed segment files are unlinked at once. The epoch cache is marked dirty; the
 * caller should have the log dir's checkpoints written soon (Kafka checkpoints the recovery
 * point right after a truncation).
 * @return 0 or -errno.
 */
int kc_plog_truncate_to(kc_plog *l, int64_t offset);

/** Delete every segment and start an empty log at @p offset (Kafka's truncateFullyAndStartAt:
 *  a follower whose fetch offset fell below the leader's log start offset). @return 0/-errno. */
int kc_plog_truncate_fully_and_start_at(kc_plog *l, int64_t offset);

struct kc_producer_state;

/**
 * The idempotent producers of this log (storage/producer_state.h): every appended batch with a
 * producer id and sequence updates it (client, coordinator and follower appends alike). As
 * Kafka, the log writes it to `<offset>.snapshot` files (storage/producer_snapshot.h) at each
 * roll (the new segment's base) and at close (the log end); at open and after
 * kc_plog_truncate_to() it loads the newest snapshot at or below the log end and replays the
 * batch headers after it (all of them when there is none); snapshots above the log end go.
 * kc_plog_truncate_fully_and_start_at() empties it and deletes every snapshot; a segment deleted
 * by retention takes the snapshot at its base along. Raising the log start offset keeps it.
 */
const struct kc_producer_state *kc_plog_producer_state(const kc_plog *l);

/** Drop producers idle for @p max_age_ms (transactional.id.expiration.ms). @return how many. */
int kc_plog_expire_producers(kc_plog *l, int64_t now_ms, int64_t max_age_ms);

/**
 * The log's leader epoch cache, loaded from `leader-epoch-checkpoint` at open (and completed from
 * the batches recovery scans), assigned by appends, truncated with the log. Never NULL.
 */
kc_epoch_cache *kc_plog_epoch_cache(kc_plog *l);

/** Start a new active segment at the log end offset now (no-op when the active one is empty). */
int kc_plog_roll(kc_plog *l, int64_t now_ms);

/**
 * Locate what a Fetch at @p offset returns, as Kafka's LogSegment.read: from the start of the
 * batch holding @p offset up to the high watermark @p max_offset, at most @p max_bytes — but
 * the whole first batch when @p min_one_batch (KIP-74). The range may end mid-batch, as
 * Kafka's does; clients drop a partial trailing batch. Only one segment is read per call.
 * @return 0 (out->bytes 0 when @p offset == @p max_offset); 1 (OFFSET_OUT_OF_RANGE) when
 *         @p offset < log start offset or > @p max_offset; -errno on a read error.
 */
int kc_plog_read_slice(kc_plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                       bool min_one_batch, kc_plog_slice *out);

/** kc_plog_read_slice() copied into memory from @p a (SSL connections, tools, tests). */
int kc_plog_read(kc_plog *l, int64_t offset, int64_t max_offset, int32_t max_bytes,
                 bool min_one_batch, kc_arena *a, kc_bytes *out);

/**
 * Kafka's ListOffsets by timestamp: the first segment whose largest timestamp is >= the target,
 * in it (time index, offset index, short scan) the first batch whose MaxTimestamp is >= the
 * target, and in that batch (inflated when compressed) the first record whose timestamp is
 * >= the target. Batches at or past @p max_offset are not considered.
 * @return 0 with both outputs -1 when no record qualifies; -errno.
 */
int kc_plog_offset_for_timestamp(kc_plog *l, int64_t timestamp_ms, int64_t max_offset,
                                 int64_t *offset_out, int64_t *timestamp_out);

/**
 * DeleteRecords (KIP-107): raise the log start offset to @p offset (never lowers it). Whole
 * segments below it go at the next kc_plog_retention(). The caller checks @p offset <= high
 * watermark. @return the new log start offset.
 */
int64_t kc_plog_delete_records(kc_plog *l, int64_t offset);

/**
 * One retention pass (Kafka's deleteOldSegments), closed segments only, oldest first: when
 * cleanup.policy has delete, segments whose largest timestamp is older than retention.ms and
 * those that take the log over retention.bytes; always, segments wholly below the log start
 * offset. Removed segments leave the log at once and their files are renamed with a
 * `.deleted` suffix; the log start offset advances to the first remaining segment.
 * @param deleted receives malloc'd paths of the renamed files (caller frees each and the array)
 *                to unlink after file.delete.delay.ms; NULL when none
 * @return the number of segments removed.
 */
int kc_plog_retention(kc_plog *l, int64_t now_ms, char ***deleted, int *n_deleted);

/** A flush of segment files taken on the reactor and run on a worker. */
typedef struct kc_plog_flush_job kc_plog_flush_job;

/**
 * Dup the descriptors of every segment (and index) that holds offsets in [recovery point,
 * @p up_to) so that a worker can fsync them, with the log's folder and its newest producer
 * snapshot when that one, at or below @p up_to, was written without an fsync (a roll's).
 * @return the job, or NULL when nothing to flush (nothing past the recovery point).
 */
kc_plog_flush_job *kc_plog_prepare_flush(kc_plog *l, int64_t up_to);
/** Worker: fsync the job's files. @return 0 or the first -errno. */
int kc_plog_flush_job_run(kc_plog_flush_job *j);
/** Reactor: the job succeeded (@p ok): advance the recovery point; frees the job. */
void kc_plog_flush_job_done(kc_plog *l, kc_plog_flush_job *j, bool ok);

/** fsync every segment now (blocking: shutdown and tools). @return 0 or the first -errno. */
int kc_plog_flush(kc_plog *l);

/**
 * The caller made every file of the log durable another way (syncfs(2) of its file system at
 * shutdown): the recovery point becomes the log end offset.
 */
void kc_plog_mark_flushed(kc_plog *l);

/**
 * Write the `.index` and `.timeindex` of segment file `<dir>/<base>.log` (a standalone file, e.g.
 * one the log cleaner built in its staging folder), as recovery would rebuild them. Any thread;
 * touches no kc_plog. @return 0 or -errno (a segment with an invalid batch is -EBADMSG).
 */
int kc_segment_build_indexes(const char *dir, int64_t base, const kc_log_config *cfg);

/**
 * Closed segment @p i (0 = oldest; never the active one): its base offset, largest timestamp
 * and a dup() of its descriptor for a worker to read (caller closes). @return 0, or -1 when @p i
 * is not a closed segment.
 */
int kc_plog_closed_segment(const kc_plog *l, int i, int64_t *base, int64_t *max_timestamp,
                           int *fd_dup);

/**
 * Replace closed segment @p base with the files `<staging>/<base>.{log,index,timeindex}` (by
 * rename) and reload it. Skipped when the segment is gone (retention) or active.
 * @return 1 replaced, 0 skipped (staged files removed), -errno on a failed rename.
 */
int kc_plog_replace_segment(kc_plog *l, int64_t base, const char *staging);

/**
 * Write the producer snapshot at the log end offset, trim the active indexes, close the files and
 * free the log. Does not fsync any of them: a caller that relies on them after a crash syncs the
 * file system first (kc_log_manager_shutdown). NULL is accepted.
 */
void kc_plog_close(kc_plog *l);

#endif
