/*
 * The broker's view of topics and partitions: the assignment read from
 * `/brokers/topics/<t>` (replicas per partition, first = preferred leader), who leads each
 * partition, and the local partition log when this broker hosts a replica.
 *
 * Owned by the reactor thread. Topics are only added here (deletion is the control plane's
 * issue); kc_topic pointers stay valid for the registry's life.
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
    int32_t leader;        /* broker id, -1 = none */
    int32_t leader_epoch;  /* stamped into PartitionLeaderEpoch of appended batches */
    kc_plog *log;          /* NULL when this broker hosts no replica */
    int log_dir;           /* index into cfg->log_dirs of the folder holding the log */
    int64_t last_flush_ms; /* when a flush was last started (flush.ms) */
    bool flush_in_flight;
    bool cleaning;                         /* a compaction job is running */
    struct kc_flush_waiter *flush_waiters; /* produce requests waiting for an fsync */
    int64_t cleaned_through; /* base of the last closed segment when compaction last ran */
} kc_partition;

struct kc_topic {
    char *name;
    kc_partition *partitions;
    int32_t n_partitions;
    bool internal;            /* __consumer_offsets, __transaction_state */
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
 * @p replication_factor broker ids, partition-major. Leaders start as the first replica.
 * @return the new topic (owned by the registry), or NULL when the name exists already.
 */
kc_topic *kc_topics_add(kc_topics *t, const char *name, int32_t n_partitions,
                        int32_t replication_factor, const int32_t *replicas);

/** The partition @p id of @p topic, or NULL when out of range. */
kc_partition *kc_topic_partition(kc_topic *topic, int32_t id);

/** Close every log still open (no fsync) and free the registry. */
void kc_topics_destroy(kc_topics *t);

/**
 * Kafka's topic name rule (org.apache.kafka.common.internals.Topic.validate): 1..249 characters
 * of [a-zA-Z0-9._-], and neither "." nor "..".
 */
bool kc_topic_name_valid(kc_str name);

#endif
