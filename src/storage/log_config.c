/* Topic-level config names and their parsing; unknown names are refused as Kafka does. */
#include "storage/log_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const known[] = {
    "cleanup.policy",
    "compression.type",
    "delete.retention.ms",
    "file.delete.delay.ms",
    "flush.messages",
    "flush.ms",
    "follower.replication.throttled.replicas",
    "index.interval.bytes",
    "leader.replication.throttled.replicas",
    "max.compaction.lag.ms",
    "max.message.bytes",
    "message.downconversion.enable",
    "message.format.version",
    "message.timestamp.difference.max.ms",
    "message.timestamp.type",
    "min.cleanable.dirty.ratio",
    "min.compaction.lag.ms",
    "min.insync.replicas",
    "preallocate",
    "retention.bytes",
    "retention.ms",
    "segment.bytes",
    "segment.index.bytes",
    "segment.jitter.ms",
    "segment.ms",
    "unclean.leader.election.enable",
    NULL,
};

bool kc_log_config_known(const char *name, size_t len)
{
    for (const char *const *k = known; *k; k++)
        if (strlen(*k) == len && memcmp(*k, name, len) == 0)
            return true;
    return false;
}

void kc_log_config_defaults(kc_log_config *lc, const kc_config *cfg)
{
    memset(lc, 0, sizeof(*lc));
    lc->segment_bytes = cfg->log_segment_bytes;
    lc->segment_ms =
        cfg->log_roll_ms >= 0 ? cfg->log_roll_ms : (int64_t)cfg->log_roll_hours * 3600000;
    lc->segment_index_bytes = cfg->log_index_size_max_bytes;
    lc->index_interval_bytes = cfg->log_index_interval_bytes;
    lc->retention_ms = kc_config_retention_ms(cfg);
    lc->retention_bytes = cfg->log_retention_bytes;
    lc->flush_messages = cfg->log_flush_interval_messages;
    lc->flush_ms = cfg->log_flush_interval_ms >= 0 ? cfg->log_flush_interval_ms : INT64_MAX;
    lc->file_delete_delay_ms = cfg->log_segment_delete_delay_ms;
    lc->cleanup_delete = true;
    lc->cleanup_compact = false;
    lc->delete_retention_ms = cfg->log_cleaner_delete_retention_ms;
    lc->max_message_bytes = cfg->message_max_bytes;
    lc->min_insync_replicas = cfg->min_insync_replicas;
}

static int parse_long(const char *s, int64_t min, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min)
        return -1;
    *out = v;
    return 0;
}

int kc_log_config_apply(kc_log_config *lc, const char *name, const char *value)
{
    int64_t v;
    struct {
        const char *name;
        int64_t min;
        int64_t *dst64;
        int32_t *dst32;
    } nums[] = {
        {"segment.bytes", 14, &lc->segment_bytes, NULL},
        {"segment.ms", 1, &lc->segment_ms, NULL},
        {"segment.index.bytes", 4, NULL, &lc->segment_index_bytes},
        {"index.interval.bytes", 0, NULL, &lc->index_interval_bytes},
        {"retention.ms", -1, &lc->retention_ms, NULL},
        {"retention.bytes", -1, &lc->retention_bytes, NULL},
        {"flush.messages", 1, &lc->flush_messages, NULL},
        {"flush.ms", 0, &lc->flush_ms, NULL},
        {"file.delete.delay.ms", 0, &lc->file_delete_delay_ms, NULL},
        {"delete.retention.ms", 0, &lc->delete_retention_ms, NULL},
        {"max.message.bytes", 0, NULL, &lc->max_message_bytes},
        {"min.insync.replicas", 1, NULL, &lc->min_insync_replicas},
    };
    for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        if (strcmp(name, nums[i].name) != 0)
            continue;
        if (parse_long(value, nums[i].min, &v))
            return -1;
        if (nums[i].dst32 || strcmp(name, "segment.bytes") == 0) { /* Kafka INT configs */
            if (v > INT32_MAX)
                return -1;
        }
        if (nums[i].dst32) {
            *nums[i].dst32 = (int32_t)v;
        } else {
            *nums[i].dst64 = v;
        }
        return 1;
    }
    if (strcmp(name, "cleanup.policy") == 0) {
        bool del = false, compact = false;
        char *copy = strdup(value), *save = NULL;
        int rc = 1;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            size_t n = strlen(t);
            while (n && t[n - 1] == ' ')
                t[--n] = '\0';
            if (strcmp(t, "delete") == 0)
                del = true;
            else if (strcmp(t, "compact") == 0)
                compact = true;
            else
                rc = -1;
        }
        free(copy);
        if (rc < 0 || (!del && !compact))
            return -1;
        lc->cleanup_delete = del;
        lc->cleanup_compact = compact;
        return 1;
    }
    return kc_log_config_known(name, strlen(name)) ? 0 : -1;
}
