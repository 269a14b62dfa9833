/*
 * Payloads of the znodes cafka writes and reads, byte-compatible with ZooKeeper-mode Kafka
 * 2.8/3.x (kafka.zk.ZkData; ../shared/reference/kafka-zookeeper-layout.md; zk-schema/). Pure
 * functions: JSON through jansson, no ZooKeeper calls. Returned strings are malloc'd and owned
 * by the caller (free()).
 */
#ifndef KC_ZNODES_H
#define KC_ZNODES_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/** Persistent paths every Kafka broker creates at start-up if missing (ZkData.PersistentZkPaths).
 */
extern const char *const kc_znode_skeleton_paths[];

/** A random Kafka Uuid as 22 characters of unpadded base64url into @p out (23 bytes). */
void kc_znode_random_uuid(char out[23]);

/** `/cluster/id`: {"version":"1","id":"<id>"} (version is a string, as Kafka writes it). */
char *kc_znode_cluster_id_json(const char *id);

/** Read the id of a `/cluster/id` payload into @p out. @return 0, or -1 if malformed. */
int kc_znode_cluster_id_parse(const char *json, size_t len, char *out, size_t outlen);

/**
 * `/latest_producer_id_block`: {"version":1,"broker":<id>,"block_start":"<n>","block_end":"<m>"},
 * the inclusive bounds as decimal strings (Kafka's ProducerIdBlockZNode). Malloc'd.
 */
char *kc_znode_producer_id_block_json(int32_t broker_id, int64_t block_start, int64_t block_end);

/**
 * Read a `/latest_producer_id_block` payload (@p len bytes; an empty or null payload means no
 * block was ever taken). @return 1 with the broker id and both bounds set, 0 when empty,
 * -1 when malformed.
 */
int kc_znode_producer_id_block_parse(const char *json, int len, int32_t *broker_id,
                                     int64_t *block_start, int64_t *block_end);

/**
 * `/brokers/ids/<id>` v5: version 5, host/port of the first PLAINTEXT advertised listener (else
 * null/-1), jmx_port -1, timestamp (ms, as a string), endpoints "NAME://host:port",
 * listener_security_protocol_map, rack when set, features {}.
 */
char *kc_znode_broker_json(const kc_config *cfg, int64_t now_ms);

/**
 * `/brokers/topics/<t>` v3: {"version":3,"partitions":{"0":[1,2]},"adding_replicas":{},
 * "removing_replicas":{},"topic_id":"<uuid>"}; @p replicas is partition-major,
 * @p n_partitions x @p replication_factor broker ids.
 */
char *kc_znode_topic_json(int32_t n_partitions, int32_t replication_factor, const int32_t *replicas,
                          const char *topic_id);

/**
 * Parse a `/brokers/topics/<t>` payload (any version; only "partitions" is required).
 * Partitions must be numbered 0..n-1 with the same replica count each (Kafka's rule).
 * @param replicas_out malloc'd partition-major array, owned by the caller.
 * @param topic_id     when not NULL, receives the "topic_id" (v3), "" when absent.
 * @return 0, or -1 when malformed.
 */
int kc_znode_topic_parse(const char *json, size_t len, int32_t *n_partitions,
                         int32_t *replication_factor, int32_t **replicas_out, char topic_id[23]);

/**
 * `.../partitions/<p>/state` v1: {"version":1,"leader":L,"leader_epoch":E,"isr":[...],
 * "controller_epoch":C} (Kafka's TopicPartitionStateZNode; the ISR is never empty).
 */
char *kc_znode_partition_state_json(int32_t leader, int32_t leader_epoch, const int32_t *isr,
                                    int n_isr, int32_t controller_epoch);

/**
 * Parse a partition state payload. @p isr_out is malloc'd (owned by the caller).
 * @return 0, or -1 when malformed (leader, leader_epoch, controller_epoch or isr missing).
 */
int kc_znode_partition_state_parse(const char *json, size_t len, int32_t *leader,
                                   int32_t *leader_epoch, int32_t *controller_epoch,
                                   int32_t **isr_out, int *n_isr);

/** `/controller` v1: {"version":1,"brokerid":N,"timestamp":"<ms>"} (timestamp a string). */
char *kc_znode_controller_json(int32_t broker_id, int64_t now_ms);

/** The "brokerid" of a `/controller` payload, or -1 when malformed. Readers need only it. */
int32_t kc_znode_controller_parse(const char *json, size_t len);

/**
 * `/config/topics/<t>`: {"version":1,"config":{...}} with @p n entries; values are strings
 * (a NULL value is skipped, as Kafka drops a null override).
 */
char *kc_znode_topic_config_json(int n, const char *const *names, const char *const *values);

#endif
