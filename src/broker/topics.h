/*
 * The broker's local replicas (Kafka's ReplicaManager partitions): per partition the replica
 * assignment, leader, leader epoch and ISR as the controller's last LeaderAndIsr set them, and
 * the local partition log when this broker hosts a replica. The cluster-wide view that
 * Metadata answers from is the metadata cache (metadata_cache.h), not this registry.
 *
 * Owned by the reactor thread. Topics and partitions are never freed before the registry is:
 * kc_topic and kc_partition pointers stay valid for its life (workers and waiters hold them),
 * a deleted topic only loses its logs and leadership and is revived if created again.
 */
#ifndef KC_TOPICS_H
#define KC_TOPICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "storage/log_config.h"
#include "storage/plog.h"

typedef struct kc_topic kc_topic;

typedef struct kc_partition {
    kc_topic *topic;
    int32_t id;
    int32_t *replicas; /* broker ids, assignment order */
    int32_t n_replicas;
    int32_t leader;       /* broker id, -1 = none (until LeaderAndIsr names one) */
    int32_t leader_epoch; /* stamped into PartitionLeaderEpoch of appended batches; -1 = none */
    int32_t *isr;         /* in-sync replicas: the controller's, or what AlterIsr made them */
    int32_t n_isr;
    int32_t zk_version; /* version of the partition state znode (AlterIsr current_isr_version) */
    int64_t high_watermark;      /* leader: min log end offset of the ISR; follower: the leader's,
                                    capped by its own log end offset; never moves back while leader */
    struct kc_replica_state *rs; /* replication state (replica/replica.h), NULL until a role */
    kc_plog *log;                /* NULL when this broker hosts no replica */
    int log_dir;                 /* index into cfg->log_dirs of the folder holding the log */
    int64_t last_flush_ms;       /* when a flush was last started (flush.ms) */
    bool flush_in_flight;
    bool cleaning;                         /* a compaction job is running */
    bool deleting;                         /* StopReplica(delete) waits for running jobs */
    struct kc_flush_waiter *flush_waiters; /* produce requests waiting for an fsync */
    int64_t cleaned_through; /* base of the last closed segment when compaction last ran */
} kc_partition;

struct kc_topic {
    char *name;
    kc_partition **partitions; /* [n_partitions], each allocated once (stable pointers) */
    int32_t n_partitions;
    bool internal;            /* __consumer_offsets, __transaction_state */
    bool config_loaded;       /* log_config holds /config/topics/<t> (cleared on deletion) */
    kc_log_config log_config; /* broker defaults + /config/topics/<t> overrides */
    kc_topic *hash_next;
};

typedef struct kc_topics {
    kc_topic **buckets;
    size_t n_buckets;
    kc_topic **all; /* insertion order, for Metadata "all topics" */
    size_t count, cap;
} kc_topics;

/** Initialise an empty registry. */
void kc_topics_init(kc_topics *t);

/** The topic named @p name, or NULL. */
kc_topic *kc_topics_find(const kc_topics *t, kc_str name);

/**
 * Add topic @p name with @p n_partitions partitions; @p replicas holds n_partitions *
 * @p replication_factor broker ids, partition-major. No partition has a leader until
 * LeaderAndIsr.
 * @return the new topic (owned by the registry), or NULL when the name exists already.
 */
kc_topic *kc_topics_add(kc_topics *t, const char *name, int32_t n_partitions,
                        int32_t replication_factor, const int32_t *replicas);

/** The topic @p name, added with no partitions when unknown (never NULL; aborts on OOM). */
kc_topic *kc_topics_ensure(kc_topics *t, kc_str name);

/** The partition @p id of @p topic, or NULL when out of range. */
kc_partition *kc_topic_partition(kc_topic *topic, int32_t id);

/** Partition @p id (>= 0) of @p topic, growing the topic up to it (CreatePartitions). */
kc_partition *kc_topic_ensure_partition(kc_topic *topic, int32_t id);

/** True when @p id is among the @p n ids of @p ids (replica lists, ISRs). */
bool kc_ids_contain(const int32_t *ids, int n, int32_t id);

/** Replace @p dst (with *@p n_dst entries, malloc'd or NULL) by a copy of @p n ids. */
void kc_ids_assign(int32_t **dst, int32_t *n_dst, const int32_t *src, int32_t n);

/** Close every log still open (no fsync) and free the registry. */
void kc_topics_destroy(kc_topics *t);

/**
 * Kafka's topic name rule (org.apache.kafka.common.internals.Topic.validate): 1..249 characters
 * of [a-zA-Z0-9._-], and neither "." nor "..".
 */
bool kc_topic_name_valid(kc_str name);

#endif
