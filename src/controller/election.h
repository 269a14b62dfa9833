/*
 * Leader election rules of Kafka's controller (kafka.controller.Election,
 * PartitionLeaderElectionAlgorithms), as pure functions over replica lists so that they can be
 * tested without a cluster. "Live" is decided by the caller's predicate.
 */
#ifndef KC_ELECTION_H
#define KC_ELECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/topics.h" /* kc_ids_contain */

/** Whether broker @p id is alive (registered under /brokers/ids). */
typedef bool (*kc_live_fn)(int32_t id, void *arg);

/**
 * Offline (and New-with-ISR) partition election: the first replica in assignment order that is
 * live and in the ISR. With @p unclean (unclean.leader.election.enable) and no such replica,
 * the first live replica, and *unclean_used is set (the caller then sets ISR = [leader]).
 * @return the new leader's broker id, or -1 when none can be chosen (the partition stays
 *         offline).
 */
int32_t kc_elect_offline_leader(const int32_t *replicas, int n_replicas, const int32_t *isr,
                                int n_isr, bool unclean, kc_live_fn live, void *arg,
                                bool *unclean_used);

/**
 * Removes from @p isr (in place) the brokers that are not live, keeping the order. Kafka never
 * empties an ISR: when no member is live, the first one is kept.
 * @return the new length (>= 1 when @p n_isr >= 1).
 */
int kc_isr_keep_live(int32_t *isr, int n_isr, kc_live_fn live, void *arg);

/**
 * Controlled-shutdown election (ControlledShutdownPartitionLeaderElectionStrategy): the first
 * replica in assignment order that is live, in the ISR and not shutting down (@p live must be
 * false for brokers shutting down). @return the new leader, or -1 (the partition keeps its
 * leader and is reported as remaining).
 */
int32_t kc_elect_controlled_shutdown_leader(const int32_t *replicas, int n_replicas,
                                            const int32_t *isr, int n_isr, kc_live_fn live,
                                            void *arg);

/**
 * Preferred-replica election (PreferredReplicaPartitionLeaderElectionStrategy): the first
 * replica of the assignment when it is live (and not shutting down) and in the ISR.
 * @return that replica, or -1 (PREFERRED_LEADER_NOT_AVAILABLE).
 */
int32_t kc_elect_preferred_leader(const int32_t *replicas, int n_replicas, const int32_t *isr,
                                  int n_isr, kc_live_fn live, void *arg);

/**
 * Removes @p id from @p isr (in place, order kept) unless it is the only member: Kafka never
 * empties an ISR. @return the new length.
 */
int kc_isr_remove(int32_t *isr, int n_isr, int32_t id);

/**
 * The auto-rebalance trigger (checkAndTriggerAutoLeaderRebalance): a preferred broker with
 * @p n_preferred partitions, @p n_not_led of which it does not lead, is imbalanced when
 * n_not_led / n_preferred > @p percentage / 100.
 */
bool kc_leader_imbalanced(int n_not_led, int n_preferred, int32_t percentage);

/**
 * Validates the ISR an AlterIsr asks for: not empty, no duplicates, every member a replica of
 * the partition and live, and the leader @p leader among them. @return true when acceptable
 * (else the controller answers INVALID_REQUEST).
 */
bool kc_alter_isr_valid(const int32_t *replicas, int n_replicas, const int32_t *new_isr,
                        int n_new_isr, int32_t leader, kc_live_fn live, void *arg);

#endif
