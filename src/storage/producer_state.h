/*
 * Per-partition idempotent producer state (Kafka 2.8's ProducerStateManager, without
 * transactions): for each producer id its epoch, the timestamp of its last batch and the last
 * five batches' sequence and offset ranges. The partition log keeps it in step with every append
 * (client, coordinator and replication alike) and rebuilds it from the batch headers at open
 * and after a truncation. Rules: ../shared/reference/kafka-groups-and-producer-state.md §5.
 *
 * Invariant: an entry's batches all carry its epoch (an epoch change clears them), newest last.
 */
#ifndef KC_PRODUCER_STATE_H
#define KC_PRODUCER_STATE_H

#include <stdbool.h>
#include <stdint.h>

/** Batches remembered per producer (Kafka's ProducerStateEntry.NumBatchesToRetain). */
#define KC_PRODUCER_BATCHES 5

typedef struct kc_producer_batch {
    int32_t first_seq, last_seq;
    int64_t first_offset, last_offset;
    int64_t timestamp; /* the batch's MaxTimestamp */
} kc_producer_batch;

typedef struct kc_producer_entry {
    int64_t producer_id;
    int16_t epoch;
    int64_t last_timestamp;
    kc_producer_batch batches[KC_PRODUCER_BATCHES]; /* oldest first */
    int n_batches;
    struct kc_producer_entry *next; /* hash chain */
} kc_producer_entry;

typedef struct kc_producer_state {
    kc_producer_entry **buckets;
    int n_buckets, n_entries;
} kc_producer_state;

/** One idempotent batch as the state sees it (from its RecordBatch header). */
typedef struct kc_producer_append {
    int64_t producer_id; /* >= 0 */
    int16_t epoch;
    int32_t first_seq, last_seq; /* last_seq wraps past INT32_MAX to 0 */
    int64_t first_offset, last_offset;
    int64_t timestamp;
} kc_producer_append;

/** The sequence of the last record of a batch of @p count records starting at @p first_seq,
 *  wrapping after INT32_MAX to 0 (DefaultRecordBatch.incrementSequence). */
int32_t kc_producer_last_seq(int32_t first_seq, int32_t count);

/** An empty state. */
void kc_producer_state_init(kc_producer_state *ps);

/** Free every entry; @p ps is empty (and usable) afterwards. */
void kc_producer_state_clear(kc_producer_state *ps);

/** The entry of @p producer_id, or NULL. */
const kc_producer_entry *kc_producer_state_find(const kc_producer_state *ps, int64_t producer_id);

/**
 * Check a client's idempotent batch @p a (first_offset/last_offset unused) before it is
 * appended (Log.analyzeAndValidateProducerState + ProducerAppendInfo.checkProducerEpoch /
 * checkSequence), in Kafka 2.8's order:
 * 1. the same epoch and a remembered batch with exactly this (first_seq, last_seq): a duplicate;
 *    *dup receives that batch and the result is KC_ERR_NONE (nothing must be appended);
 * 2. an epoch below the entry's: KC_ERR_INVALID_PRODUCER_EPOCH;
 * 3. a newer epoch: first_seq must be 0;
 * 4. the same epoch: first_seq must follow the last batch's last_seq (0 after INT32_MAX).
 * An unknown producer id accepts any sequence (KIP-360: 2.8 has no UNKNOWN_PRODUCER_ID).
 * @param dup set to NULL unless the batch is a duplicate; then it points into @p ps (valid
 *            until the next change)
 * @return KC_ERR_NONE, KC_ERR_INVALID_PRODUCER_EPOCH (47) or
 *         KC_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER (45).
 */
int16_t kc_producer_state_check(const kc_producer_state *ps, const kc_producer_append *a,
                                const kc_producer_batch **dup);

/**
 * Record an appended idempotent batch (any origin: no checks, as Kafka's replication and
 * recovery). A newer epoch replaces the entry's batches; the oldest of five goes.
 */
void kc_producer_state_update(kc_producer_state *ps, const kc_producer_append *a);

/**
 * Drop producers whose last batch is @p max_age_ms or more older than @p now_ms (Kafka 2.8's
 * transactional.id.expiration.ms rule). @return how many were dropped.
 */
int kc_producer_state_expire(kc_producer_state *ps, int64_t now_ms, int64_t max_age_ms);

#endif
