/*
 * Partition replication on this broker (Kafka's ReplicaManager and Partition): the role of each
 * local replica (leader or follower), the leader's view of its followers (log end offsets,
 * last caught-up times), the high watermark, ISR shrink and expand proposed to the controller
 * with AlterIsr, and the follower's fetchers (fetcher.h).
 *
 * Rules (Kafka 2.8; ../shared/reference/kafka-authz-fetch-sessions-isr.md §5):
 *  - The leader's high watermark is the minimum log end offset of the leader and every remote
 *    replica that is in the maximal ISR or caught up within replica.lag.time.max.ms; it only
 *    moves up, never past the leader's log end offset, and stays put while such a replica's log
 *    end offset is unknown (-1, just after the election).
 *  - A follower is caught up at time t when it fetched at or past the leader's log end offset of
 *    that moment, or at or past the log end offset of its previous fetch (then as of that one).
 *  - Shrink: every replica.lag.time.max.ms / 2, ISR members other than the leader whose log end
 *    offset differs from the leader's and that have not caught up within replica.lag.time.max.ms
 *    are proposed out. Expand: on a follower's fetch, a replica outside the ISR whose log end
 *    offset reached both the high watermark and the leader epoch's start offset is proposed in.
 *    One proposal per partition at a time; the committed ISR changes only when the controller
 *    answers (or a LeaderAndIsr brings a newer state).
 *  - A follower's high watermark is the leader's, clamped to its own log end offset.
 *
 * Reactor thread only: every partition's log, ISR and high watermark are touched here alone.
 */
#ifndef KC_REPLICA_H
#define KC_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/topics.h"

struct kc_broker;

/** Start the replica manager of @p b: the ISR check timer. */
void kc_replica_manager_start(struct kc_broker *b);

/** Stop fetching and drop pending ISR changes (shutdown). */
void kc_replica_manager_stop(struct kc_broker *b);

/** Free what kc_replica_manager_start() made, and every partition's replication state. */
void kc_replica_manager_free(struct kc_broker *b);

/**
 * LeaderAndIsr made this broker the leader of @p p (p->leader_epoch, p->isr, p->replicas set, log
 * open): stop fetching it, start tracking its followers (log end offsets unknown), record the
 * epoch's start offset in the epoch cache (KAFKA-7415), and recompute the high watermark.
 */
void kc_replica_become_leader(struct kc_broker *b, kc_partition *p);

/**
 * LeaderAndIsr made this broker a follower of @p p (p->leader may be -1: no leader to fetch from
 * yet). Its high watermark is clamped to its log end offset; fetching (after truncation by
 * leader epoch) starts when the leader is known. Delayed operations on @p p are completed (they
 * see it is no longer led here).
 */
void kc_replica_become_follower(struct kc_broker *b, kc_partition *p);

/** StopReplica (or deletion): stop fetching @p p and drop its replication state. */
void kc_replica_stop(struct kc_broker *b, kc_partition *p);

/**
 * Leader: follower @p replica_id fetched @p p at @p fetch_offset; @p leader_leo is the leader's
 * log end offset when the read started. Updates the follower's log end offset and caught-up
 * time, may propose an ISR expansion, and advances the high watermark.
 * @return false when @p replica_id is not in the assignment (Kafka then answers empty records
 *         without recording anything).
 */
bool kc_replica_on_follower_fetch(struct kc_broker *b, kc_partition *p, int32_t replica_id,
                                  int64_t fetch_offset, int64_t leader_leo);

/** Leader: records were appended to @p p; advance the high watermark and wake waiters. */
void kc_replica_on_leader_append(struct kc_broker *b, kc_partition *p);

/**
 * Leader: the maximal ISR size (committed ISR, plus a replica being added, as Kafka's
 * maximalIsr): what NOT_ENOUGH_REPLICAS_AFTER_APPEND is decided on.
 */
int32_t kc_replica_maximal_isr_size(const kc_partition *p);

/**
 * Whether an acks=all wait for the records below @p required_offset of @p p is over: this
 * broker stopped leading it, or the high watermark passed them (the ISR has them). A new
 * leader epoch with this broker still leading keeps the wait, as Kafka's DelayedProduce.
 */
bool kc_replica_append_settled(const struct kc_broker *b, const kc_partition *p,
                               int64_t required_offset);

/** True when this broker leads @p p (has its log and the last LeaderAndIsr named it). */
bool kc_replica_is_leader(const struct kc_broker *b, const kc_partition *p);

/**
 * Follower: set the high watermark from a fetch response: @p leader_hw clamped to
 * [log start offset, log end offset]. Used by the fetcher.
 */
void kc_replica_follower_set_hw(struct kc_broker *b, kc_partition *p, int64_t leader_hw);

#endif
