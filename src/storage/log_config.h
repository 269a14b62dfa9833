/*
 * Per-partition log settings: Kafka's topic-level configs (LogConfig) with their broker-level
 * defaults (log.* keys of server.properties). A topic override from /config/topics/<t> replaces
 * the broker default for that topic only.
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
} kc_log_config;

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

#endif
