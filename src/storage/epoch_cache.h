/*
 * Leader epoch cache of one partition log (Kafka's LeaderEpochFileCache, KIP-101): the ordered
 * list of (leader epoch, start offset) pairs, one per epoch in which the log got records, kept in
 * `<partition dir>/leader-epoch-checkpoint` in Kafka's text format: a version line "0", a count
 * line, then one "<epoch> <start offset>" line per entry, oldest first.
 *
 * Invariants: epochs strictly increase and start offsets never decrease along the list. The
 * cache is owned by its log (plog.c assigns on append, truncates with the log) and touched by the
 * reactor only; the file is written from a formatted copy on a worker.
 */
#ifndef KC_EPOCH_CACHE_H
#define KC_EPOCH_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#define KC_LEADER_EPOCH_CHECKPOINT "leader-epoch-checkpoint"
#define KC_UNDEFINED_EPOCH         (-1)
#define KC_UNDEFINED_EPOCH_OFFSET  (-1LL)

typedef struct kc_epoch_entry {
    int32_t epoch;
    int64_t start_offset;
} kc_epoch_entry;

typedef struct kc_epoch_cache {
    kc_epoch_entry *entries; /* oldest first */
    int n, cap;
    bool dirty; /* changed since the last kc_epoch_cache_format() */
} kc_epoch_cache;

/** Empty the cache @p c (zero-initialised or previously used) and free its entries. */
void kc_epoch_cache_free(kc_epoch_cache *c);

/**
 * Read `<dir>/leader-epoch-checkpoint` into @p c (zero-initialised). A missing file reads as
 * empty. @return 0, or -1 when the file is malformed (the cache is then left empty; callers
 * rebuild it from the batches they scan).
 */
int kc_epoch_cache_load(kc_epoch_cache *c, const char *dir);

/**
 * Kafka's assign(epoch, startOffset): record that @p epoch starts at @p start_offset. Ignored
 * when @p epoch is not newer than the latest entry (a repeat of the latest epoch keeps its
 * earlier start offset); entries whose start offset is >= @p start_offset with a lower epoch
 * are removed first, as Kafka does, so the invariants hold. Negative epochs are ignored.
 */
void kc_epoch_cache_assign(kc_epoch_cache *c, int32_t epoch, int64_t start_offset);

/** The newest epoch, or KC_UNDEFINED_EPOCH when empty. */
int32_t kc_epoch_cache_latest_epoch(const kc_epoch_cache *c);

/**
 * Kafka's endOffsetFor(requestedEpoch) for OffsetForLeaderEpoch: the largest epoch <= the
 * requested one held here and the offset where it ended (the start offset of the next epoch,
 * or @p log_end_offset when it is the latest). As Kafka 2.8 (and the reference table, §6.2):
 *  - undefined request or empty cache: (KC_UNDEFINED_EPOCH, KC_UNDEFINED_EPOCH_OFFSET);
 *  - the latest epoch: (it, @p log_end_offset);
 *  - newer than the latest epoch: (KC_UNDEFINED_EPOCH, KC_UNDEFINED_EPOCH_OFFSET);
 *  - older than the first entry: (@p requested_epoch, start offset of the first entry);
 *  - otherwise: (largest epoch <= requested, start offset of the smallest epoch > requested).
 */
void kc_epoch_cache_end_offset_for(const kc_epoch_cache *c, int32_t requested_epoch,
                                   int64_t log_end_offset, int32_t *epoch_out,
                                   int64_t *end_offset_out);

/** Remove every entry whose start offset is >= @p end_offset (the log was truncated there). */
void kc_epoch_cache_truncate_from_end(kc_epoch_cache *c, int64_t end_offset);

/**
 * The log start offset moved to @p start_offset: entries wholly below it go, and the entry
 * covering it has its start offset raised to @p start_offset (Kafka's truncateFromStart).
 */
void kc_epoch_cache_truncate_from_start(kc_epoch_cache *c, int64_t start_offset);

/** The file contents for @p c (malloc'd, caller frees); clears c->dirty. */
char *kc_epoch_cache_format(kc_epoch_cache *c);

/**
 * The follower's truncation decision after its leader answered OffsetForLeaderEpoch for the
 * follower's latest epoch (Kafka 2.8 AbstractFetcherThread.getOffsetTruncationState; KIP-101,
 * KIP-279). @p leader_epoch / @p leader_end_offset are the leader's answer; @p follower_leo the
 * follower's log end offset. Rules:
 *  - leader end offset undefined: truncate to @p follower_hw (old leaders), done;
 *  - leader epoch undefined: truncate to min(leader end offset, follower LEO), done;
 *  - the follower's endOffsetFor(leader epoch) is undefined (empty cache, or the leader's epoch
 *    newer than all of the follower's): truncate to min(leader end offset, LEO), done (a
 *    follower whose epochs are all newer than the leader's gets the leader's epoch ending at
 *    its first entry from endOffsetFor, hence the "same epoch" rule, as in Kafka);
 *  - the follower's largest epoch <= the leader's differs from it: truncate to min(its end
 *    offset, LEO) and ask again with the new latest epoch (*done = false);
 *  - same epoch: truncate to min(leader end offset, follower's end offset for it, LEO), done.
 * @return the offset to truncate to (may equal @p follower_leo: nothing to cut).
 */
int64_t kc_epoch_truncation_offset(const kc_epoch_cache *follower, int64_t follower_leo,
                                   int64_t follower_hw, int32_t leader_epoch,
                                   int64_t leader_end_offset, bool *done);

#endif
