/*
 * Topic creation as Kafka's AdminZkClient does it: validate, write `/config/topics/<t>` (even
 * when empty), then create `/brokers/topics/<t>` with the replica assignment; the create of the
 * assignment znode is the commit point (NODEEXISTS there means TOPIC_ALREADY_EXISTS). Then the
 * controller notices the new topic through its watch. Used by CreateTopics and by auto topic
 * creation in Metadata.
 * Reactor thread only; the ZooKeeper writes are asynchronous.
 */
#ifndef KC_TOPIC_CREATE_H
#define KC_TOPIC_CREATE_H

#include <stdbool.h>
#include <stdint.h>

#include "broker/broker.h"

/** Called once on the reactor with a Kafka error code and a message (NULL on success). */
typedef void (*kc_topic_create_cb)(int16_t error_code, const char *message, void *arg);

typedef struct kc_topic_create_spec {
    kc_str name;
    int32_t num_partitions;                   /* -1 = num.partitions */
    int16_t replication_factor;               /* -1 = default.replication.factor */
    int32_t n_assignments;                    /* 0 = assign automatically */
    const int32_t *assignment_partition;      /* [n_assignments] partition index of each entry */
    const int32_t *const *assignment_brokers; /* [n_assignments] broker id lists */
    const int32_t *assignment_sizes;          /* [n_assignments] list lengths */
    int32_t n_configs;
    const kc_str *config_names;
    const kc_str *config_values; /* len -1 = null */
    bool validate_only;
} kc_topic_create_spec;

/**
 * Validate @p spec and, unless validate_only, create the topic. @p cb runs exactly once, maybe
 * before this returns (validation errors, validate_only). Error codes: INVALID_TOPIC_EXCEPTION
 * (17), TOPIC_ALREADY_EXISTS (36), INVALID_PARTITIONS (37), INVALID_REPLICATION_FACTOR (38, also
 * when it exceeds the live brokers), INVALID_REPLICA_ASSIGNMENT (39), INVALID_CONFIG (40),
 * UNKNOWN_SERVER_ERROR on a ZooKeeper failure.
 */
void kc_topic_create(kc_broker *b, const kc_topic_create_spec *spec, kc_topic_create_cb cb,
                     void *arg);

/**
 * The size bound of one topic, checked in 64 bits before anything is allocated: its assignment
 * znode must fit in ZooKeeper's jute.maxbuffer (1 MiB by default), and needs at least
 * `"<p>":[`, `]`, `,` per partition and a digit and a comma per replica. Kafka has no count
 * limit of its own; a count that cannot be written is refused up front instead of failing in
 * ZooKeeper after the assignment was computed. @return KC_ERR_NONE, or INVALID_PARTITIONS with
 * @p *msg set to a static message.
 */
int16_t kc_topic_size_check(int64_t n_partitions, int64_t rf, const char **msg);

/**
 * Auto topic creation (Metadata, FindCoordinator): kc_topic_create() whose outcome is only
 * logged. @return the validation error known at once (e.g. INVALID_REPLICATION_FACTOR when
 * fewer brokers are alive), else LEADER_NOT_AVAILABLE: what the asking request answers until
 * the topic exists, as Kafka does.
 */
int16_t kc_topic_auto_create(kc_broker *b, const kc_topic_create_spec *spec);

/** True while a creation of @p name is in flight. */
bool kc_topic_create_in_flight(const kc_broker *b, kc_str name);

/**
 * Kafka's placement (AdminUtils.assignReplicasToBrokers) over the live brokers of the metadata
 * cache, rack-aware when they have broker.rack (racks from the metadata cache): @p n_partitions x
 * @p rf ids into
 * @p out, partition-major. @p start_index -1 = random, as Kafka picks it; the follower shift is
 * random. @return KC_ASSIGN_OK or a KC_ASSIGN_E* code (replica_assign.h), e.g. mixed racks.
 */
int kc_assign_live(kc_broker *b, int32_t n_partitions, int32_t rf, int start_index, int32_t *out);

#endif
