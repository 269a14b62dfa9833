/*
 * The broker's metadata cache (Kafka's ZK-mode MetadataCache): the live brokers with their
 * endpoints, the controller id, and every partition's leader, leader epoch, ISR, replicas and
 * offline replicas, exactly as the controller's UpdateMetadata requests described them. Every
 * broker answers Metadata from it; brokers learn about their peers only from it.
 *
 * Update rules (Kafka's MetadataCache.updateMetadata): the live broker list and controller id
 * are replaced by each request; partition states are upserts; a state whose leader is -2
 * (LeaderDuringDelete) removes the partition, and a topic without partitions goes.
 *
 * Owned by the reactor thread.
 */
#ifndef KC_METADATA_CACHE_H
#define KC_METADATA_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/buf.h"

#define KC_LEADER_DURING_DELETE (-2)

typedef struct kc_mc_endpoint {
    char *listener; /* listener name, e.g. "PLAINTEXT" */
    char *host;
    int32_t port;
    int16_t security_protocol; /* 0 PLAINTEXT, 1 SSL */
} kc_mc_endpoint;

typedef struct kc_mc_broker {
    int32_t id;
    char *rack; /* NULL when none */
    kc_mc_endpoint *endpoints;
    int32_t n_endpoints;
} kc_mc_broker;

typedef struct kc_mc_partition {
    bool present;
    int32_t leader, leader_epoch, controller_epoch, zk_version;
    int32_t *isr, n_isr;
    int32_t *replicas, n_replicas;
    int32_t *offline, n_offline;
} kc_mc_partition;

typedef struct kc_mc_topic {
    char *name;
    kc_mc_partition *partitions; /* indexed by partition id; holes have present == false */
    int32_t n_partitions;        /* 1 + highest present partition id */
} kc_mc_topic;

typedef struct kc_metadata_cache {
    int32_t controller_id; /* -1 until the first UpdateMetadata */
    kc_mc_broker *brokers;
    int32_t n_brokers;
    kc_mc_topic **topics; /* order of first appearance */
    int32_t n_topics, cap_topics;
    int32_t *index;     /* open addressing by name hash: position in topics + 1, 0 = empty */
    uint32_t index_cap; /* a power of two, at least twice n_topics (0 before the first topic) */
} kc_metadata_cache;

struct kc_update_metadata_req;

/** An empty cache (no brokers, controller -1). */
void kc_metadata_cache_init(kc_metadata_cache *mc);

/** Apply one UpdateMetadata request (borrowed; everything needed is copied). */
void kc_metadata_cache_update(kc_metadata_cache *mc, const struct kc_update_metadata_req *r);

/** The topic @p name, or NULL. */
const kc_mc_topic *kc_metadata_cache_topic(const kc_metadata_cache *mc, kc_str name);

/** The live broker @p id, or NULL. */
const kc_mc_broker *kc_metadata_cache_broker(const kc_metadata_cache *mc, int32_t id);

/** True when broker @p id is live (listed by the last UpdateMetadata). */
bool kc_metadata_cache_live(const kc_metadata_cache *mc, int32_t id);

/** The endpoint of @p b on the listener named @p listener, or NULL. */
const kc_mc_endpoint *kc_mc_broker_endpoint(const kc_mc_broker *b, const char *listener);

/** True when every partition of topic @p name is present with a leader (>= 0). */
bool kc_metadata_cache_has_leaders(const kc_metadata_cache *mc, kc_str name);

/** Free everything. */
void kc_metadata_cache_free(kc_metadata_cache *mc);

#endif
