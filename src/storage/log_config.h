/*
 * Per-partition log settings: Kafka's topic-level configs (LogConfig) with their broker-level
 * defaults (log.* keys of server.properties). A topic override from /config/topics/<t> replaces
 * the broker default for that topic only.
 *
 * One catalogue in log_config.c declares every topic key once: its name, its broker synonym
 * (a key of the broker catalogue, config/config.h, that holds the broker-wide default), Kafka's
 * type and validator, and where it lands in kc_log_config. kc_log_config_apply/_known and
 * DescribeConfigs/AlterConfigs (config/dynconf.c) all read it.
 */
#ifndef KC_LOG_CONFIG_H
#define KC_LOG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

typedef struct kc_log_config {
    int64_t segment_bytes;        /* segment.bytes (log.segment.bytes), default 1 GiB */
    int64_t segment_ms;           /* segment.ms (log.roll.ms | log.roll.hours), default 168 h */
    int32_t segment_index_bytes;  /* segment.index.bytes (log.index.size.max.bytes), 10 MiB */
    int32_t index_interval_bytes; /* index.interval.bytes (log.index.interval.bytes), 4096 */
    int64_t retention_ms;         /* retention.ms (log.retention.*), -1 = unlimited */
    int64_t retention_bytes;      /* retention.bytes (log.retention.bytes), -1 = unlimited */
    int64_t flush_messages;       /* flush.messages (log.flush.interval.messages) */
    int64_t flush_ms;             /* flush.ms (log.flush.interval.ms); INT64_MAX = never */
    int64_t file_delete_delay_ms; /* file.delete.delay.ms (log.segment.delete.delay.ms), 60000 */
    bool cleanup_delete;          /* cleanup.policy contains "delete" */
    bool cleanup_compact;         /* cleanup.policy contains "compact" */
    int64_t delete_retention_ms;  /* delete.retention.ms (log.cleaner.delete.retention.ms), 1 day */
    int32_t max_message_bytes;    /* max.message.bytes (message.max.bytes) */
    int32_t min_insync_replicas;  /* min.insync.replicas, for acks=all produce */
    int32_t compression_codec;    /* compression.type: KC_CODEC_PRODUCER or a codec id */
} kc_log_config;

/** Kafka's ConfigDef type of a topic key. */
enum kc_topic_type { KC_TT_LONG, KC_TT_INT, KC_TT_BOOL, KC_TT_STRING, KC_TT_LIST, KC_TT_DOUBLE };

/** Kafka's validator of a topic key. */
enum kc_topic_check {
    KC_TC_NONE,
    KC_TC_RANGE,       /* [min, max] */
    KC_TC_CHOICE,      /* one of choices */
    KC_TC_LIST_CHOICE, /* a non-empty comma-separated list of choices */
    KC_TC_THROTTLED,   /* "*" or "partition:broker,..." (ThrottledReplicaListValidator) */
    KC_TC_VERSION,     /* a Kafka version such as "2.8" or "3.0-IV1" */
};

/** Where a topic key lands in kc_log_config. */
enum kc_topic_dest {
    KC_TD_NONE,    /* known to Kafka, not acted on by cafka's log */
    KC_TD_I64,     /* the int64_t field at off */
    KC_TD_I32,     /* the int32_t field at off */
    KC_TD_CLEANUP, /* cleanup_delete / cleanup_compact */
    KC_TD_CODEC,   /* compression_codec */
};

/** One topic key of the catalogue. */
typedef struct kc_topic_key {
    const char *name;
    const char *synonym; /* broker key holding the broker-wide default (LogConfig's
                          * TopicConfigSynonyms); NULL = none */
    enum kc_topic_type type;
    enum kc_topic_check check;
    int64_t min, max;           /* KC_TC_RANGE */
    const char *const *choices; /* KC_TC_CHOICE, KC_TC_LIST_CHOICE */
    const char *dflt;           /* the default when the synonym gives none; else NULL */
    enum kc_topic_dest dest;
    size_t off; /* KC_TD_I64, KC_TD_I32: offsetof(kc_log_config, field) */
} kc_topic_key;

/** The catalogue, alphabetical (the order DescribeConfigs lists it in); @p n its length. */
const kc_topic_key *kc_log_config_topic_keys(size_t *n);

/** The catalogue entry of the @p len bytes at @p name, or NULL. */
const kc_topic_key *kc_log_config_topic_key(const char *name, size_t len);

/**
 * Kafka's parse and validation of @p value for @p k (ConfigDef), after trimming.
 * @return 0 when valid, else -1 with ConfigException's detail in @p why ("Value must be at
 *         least 14", "String must be one of: ...").
 */
int kc_log_config_check(const kc_topic_key *k, const char *value, char *why, size_t whylen);

/** @p s without leading and trailing white space, copied into @p buf (Kafka trims a value
 *  before parsing it). @return @p buf. */
const char *kc_log_config_trim(const char *s, char *buf, size_t n);

/**
 * The value @p lc holds for @p k as Kafka prints it (in @p buf, or a literal), or NULL when
 * @p k does not land in kc_log_config (KC_TD_NONE).
 */
const char *kc_log_config_value(const kc_topic_key *k, const kc_log_config *lc, char *buf,
                                size_t n);

/** The broker-level defaults from @p cfg (Kafka's precedence among ms/minutes/hours keys). */
void kc_log_config_defaults(kc_log_config *lc, const kc_config *cfg);

/**
 * Apply one topic-level override `name=value` (Kafka's topic config names).
 * @return 1 applied, 0 a known Kafka topic config cafka does not act on, -1 unknown name or a
 *         value that is not valid for it (the CreateTopics INVALID_CONFIG cases).
 */
int kc_log_config_apply(kc_log_config *lc, const char *name, const char *value);

/** True when @p name is a topic-level config Kafka knows (LogConfig). */
bool kc_log_config_known(const char *name, size_t len);

/**
 * A version string Kafka's ApiVersion.apply accepts (message.format.version,
 * log.message.format.version, inter.broker.protocol.version): "0.10.0", "0.10.0.0", "0.10.0-IV1",
 * "2.8", "2.8.0", "2.8-IV1", "3.0-IV1"... Only the first three ("0.x") or two segments count.
 */
bool kc_cfg_version_valid(const char *v);

#endif
