/*
 * Automatic replica placement for new topics, as Kafka's AdminUtils.assignReplicasToBrokers does
 * it (kafka.admin.AdminUtils in 2.8, org.apache.kafka.admin.AdminUtils in 3.x): the rack-unaware
 * round robin with an increasing follower shift, the rack-alternated broker list, and the
 * rack-aware walk that spreads each partition over as many racks as it can. Pure functions, no
 * broker state; any thread.
 *
 * Not covered: Kafka's startPartitionId (AddPartitions continues numbering at the old partition
 * count, which changes where the shift bumps); partition numbering here always starts at 0.
 */
#ifndef KC_REPLICA_ASSIGN_H
#define KC_REPLICA_ASSIGN_H

#include <stdint.h>

/** A live broker as placement sees it (Kafka's BrokerMetadata). */
typedef struct kc_broker_meta {
    int32_t id;
    const char *rack; /* NULL = no broker.rack; "" is a rack like any other (Option(rack)) */
} kc_broker_meta;

/**
 * Errors of the int-returning functions below. Each names Kafka's exception and the error code
 * Kafka puts in a CreateTopics response for it (ZkAdminManager.createTopics catches the exception
 * and answers with ApiError.fromThrowable).
 */
enum {
    KC_ASSIGN_OK = 0,
    /** n_partitions <= 0. Kafka: InvalidPartitionsException "Number of partitions must be larger
     * than 0." -> INVALID_PARTITIONS (37). */
    KC_ASSIGN_EPARTITIONS = -1,
    /** rf <= 0 ("Replication factor must be larger than 0.") or rf > number of brokers
     * ("Replication factor: <rf> larger than available brokers: <n>."). Kafka:
     * InvalidReplicationFactorException -> INVALID_REPLICATION_FACTOR (38). */
    KC_ASSIGN_EREPLICATION = -2,
    /** Some brokers have a rack and some do not. Kafka: AdminOperationException "Not all brokers
     * have rack information for replica rack aware assignment." That exception is not an
     * ApiException, so Kafka 2.8 answers CreateTopics with UNKNOWN_SERVER_ERROR (-1) and that
     * message; a caller that wants a client error instead should use INVALID_REPLICATION_FACTOR
     * (38), the error of "these brokers cannot hold this many replicas", not
     * INVALID_REPLICA_ASSIGNMENT, which Kafka keeps for a manual assignment that is wrong. Kafka's
     * RackAwareMode.Safe (auto creation before 2.x) instead ignores the racks: call
     * kc_assign_replicas_rack_unaware. */
    KC_ASSIGN_EMIXED_RACKS = -3,
    /** Not a Kafka rule, a precondition of this API: the same broker id twice, n < 0, or a NULL
     * array. Map to UNKNOWN_SERVER_ERROR (-1); the live broker list never repeats an id. */
    KC_ASSIGN_EINVAL = -4,
    /** Out of memory for the scratch arrays. Map to UNKNOWN_SERVER_ERROR (-1). */
    KC_ASSIGN_ENOMEM = -5,
};

/**
 * Kafka's assignReplicasToBrokersRackUnaware. Partition p's first replica is
 * brokers[(p + start_index) % n]; the shift starts at @p shift and grows by one at every
 * p > 0 with p % n == 0; follower j (0-based) is
 * brokers[(first + 1 + (shift + j) % (n - 1)) % n] (AdminUtils.replicaIndex).
 *
 * Same contract as kc_assign_replicas in broker/topic_create.h, which it will replace; for
 * start_index, shift >= 0 the two agree element for element.
 *
 * @param brokers      @p n_brokers distinct broker ids in the order to use. Kafka sorts them by
 *                     id first (AdminZkClient.getBrokerMetadatas); pass them sorted to match it.
 *                     Borrowed, read only.
 * @param n_brokers    >= @p rf
 * @param n_partitions >= 1
 * @param rf           replication factor, 1 <= rf <= n_brokers
 * @param start_index  index of partition 0's leader in @p brokers; any value >= 0 (taken mod n).
 *                     Negative = pick at random with rand() in [0, n), Kafka's -1.
 * @param shift        initial nextReplicaShift, >= 0. Negative = random in [0, n) like Kafka
 *                     (note Kafka draws it from [0, n), and with a fixed start index uses the
 *                     start index as the shift too).
 * @param out          caller-owned, n_partitions * rf ids, partition-major; fully written.
 * Preconditions are not checked (void, like the function it replaces); kc_assign_replicas_auto
 * checks them.
 */
void kc_assign_replicas_rack_unaware(const int32_t *brokers, int n_brokers, int32_t n_partitions,
                                     int32_t rf, int start_index, int shift, int32_t *out);

/**
 * Kafka's getRackAlternatedBrokerList: group brokers by rack, sort racks (byte order of the
 * strings, which is Java's String.compareTo order except for characters above U+FFFF against
 * U+E000..U+FFFF) and the ids inside each rack, then take one broker from each rack in turn,
 * skipping racks that have run out. Example (AdminUtils' doc): rack1 {0,1,2}, rack2 {3,4,5},
 * rack3 {6,7,8} -> 0,3,6,1,4,7,2,5,8.
 *
 * @param brokers  @p n brokers with distinct ids, every rack non-NULL, any order. Borrowed.
 * @param out      caller-owned, @p n ids, written on success
 * @return the number of distinct racks (>= 1 when n >= 1, 0 when n == 0), or KC_ASSIGN_EINVAL
 *         (NULL rack, repeated id, n < 0), KC_ASSIGN_ENOMEM.
 */
int kc_rack_alternated_broker_list(const kc_broker_meta *brokers, int n, int32_t *out);

/**
 * Kafka's assignReplicasToBrokersRackAware. Over the rack-alternated list L (size n, numRacks
 * racks): partition p's leader is L[(p + start_index) % n]; the shift bumps as in the rack-unaware
 * case; followers come from walking k = 0, 1, ... (k is not reset between followers of one
 * partition) over L[replicaIndex(first, shift * numRacks, k, n)], taking a broker when
 * (its rack holds no replica of p yet, or every rack does) and (it holds no replica of p yet, or
 * every broker does). With rf >= numRacks every rack gets a replica, otherwise no rack gets two.
 *
 * @param brokers      @p n brokers, distinct ids, every rack non-NULL, any order. Borrowed.
 * @param n            number of brokers
 * @param n_partitions >= 1
 * @param rf           1 <= rf <= n
 * @param start_index  index into the rack-alternated list of partition 0's leader, >= 0 (mod n);
 *                     negative = random in [0, n) (Kafka's -1)
 * @param shift        initial nextReplicaShift, >= 0; negative = random in [0, n)
 * @param out          caller-owned, n_partitions * rf ids, partition-major; written only on
 *                     success
 * @return KC_ASSIGN_OK, KC_ASSIGN_EPARTITIONS, KC_ASSIGN_EREPLICATION, KC_ASSIGN_EINVAL (NULL
 *         rack, repeated id, NULL array), KC_ASSIGN_ENOMEM.
 */
int kc_assign_replicas_rack_aware(const kc_broker_meta *brokers, int n, int32_t n_partitions,
                                  int32_t rf, int start_index, int shift, int32_t *out);

/**
 * Kafka's assignReplicasToBrokers(brokerMetadatas, nPartitions, replicationFactor, ...) in its
 * default (RackAwareMode.Enforced-like) form: checks in Kafka's order -- n_partitions <= 0
 * (KC_ASSIGN_EPARTITIONS), rf <= 0, then rf > n (KC_ASSIGN_EREPLICATION) -- then, when no broker
 * has a rack, the rack-unaware placement over the ids sorted ascending; when every broker has one,
 * the rack-aware placement; when only some do, KC_ASSIGN_EMIXED_RACKS.
 *
 * @param brokers      @p n live brokers, distinct ids, any order (a sorted copy is used).
 *                     Borrowed, read only.
 * @param start_index  leader index of partition 0 (into the sorted ids, or the rack-alternated
 *                     list); negative = random like Kafka's fixedStartIndex -1
 * @param shift        initial follower shift; negative = random
 * @param out          caller-owned, n_partitions * rf ids, partition-major; written only on
 *                     success
 * @return KC_ASSIGN_OK or one of the negative KC_ASSIGN_E* codes above (see each for its Kafka
 *         rule and error code).
 */
int kc_assign_replicas_auto(const kc_broker_meta *brokers, int n, int32_t n_partitions, int32_t rf,
                            int start_index, int shift, int32_t *out);

#endif
