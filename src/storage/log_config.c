/*
 * The catalogue of topic-level configs (Kafka 3.x LogConfig), their validators and their
 * parsing into kc_log_config; unknown names are refused as Kafka does. Broker-wide defaults
 * come from the broker catalogue (config/config.h) through each key's synonym.
 */
#include "storage/log_config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/compression.h"

#define LC(f) offsetof(kc_log_config, f)
#define LMAX  INT64_MAX
#define IMAX  INT32_MAX

static const char *const cleanup_choices[] = {"compact", "delete", NULL};
static const char *const compression_choices[] = {"uncompressed", "zstd",     "lz4", "snappy",
                                                  "gzip",         "producer", NULL};
static const char *const ts_type_choices[] = {"CreateTime", "LogAppendTime", NULL};

/* clang-format off */
#define RANGE(t, lo, hi) KC_TT_##t, KC_TC_RANGE, lo, hi, NULL
#define CHOICE(t, c, ch) KC_TT_##t, KC_TC_##c, 0, 0, ch
#define PLAIN(t, c)      KC_TT_##t, KC_TC_##c, 0, 0, NULL
#define TO64(f)          NULL, KC_TD_I64, LC(f)
#define TO32(f)          NULL, KC_TD_I32, LC(f)
#define NOWHERE          NULL, KC_TD_NONE, 0
/* clang-format on */

/* Alphabetical: the order DescribeConfigs lists them in. */
static const kc_topic_key topic_keys[] = {
    {"cleanup.policy", "log.cleanup.policy", CHOICE(LIST, LIST_CHOICE, cleanup_choices), NULL,
     KC_TD_CLEANUP, 0},
    {"compression.type", "compression.type", CHOICE(STRING, CHOICE, compression_choices), NULL,
     KC_TD_CODEC, 0},
    {"delete.retention.ms", "log.cleaner.delete.retention.ms", RANGE(LONG, 0, LMAX),
     TO64(delete_retention_ms)},
    {"file.delete.delay.ms", "log.segment.delete.delay.ms", RANGE(LONG, 0, LMAX),
     TO64(file_delete_delay_ms)},
    {"flush.messages", "log.flush.interval.messages", RANGE(LONG, 1, LMAX), TO64(flush_messages)},
    {"flush.ms", "log.flush.interval.ms", RANGE(LONG, 0, LMAX), TO64(flush_ms)},
    {"follower.replication.throttled.replicas", NULL, PLAIN(LIST, THROTTLED), "", KC_TD_NONE, 0},
    {"index.interval.bytes", "log.index.interval.bytes", RANGE(INT, 0, IMAX),
     TO32(index_interval_bytes)},
    {"leader.replication.throttled.replicas", NULL, PLAIN(LIST, THROTTLED), "", KC_TD_NONE, 0},
    {"max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", RANGE(LONG, 1, LMAX), NOWHERE},
    {"max.message.bytes", "message.max.bytes", RANGE(INT, 0, IMAX), TO32(max_message_bytes)},
    {"message.downconversion.enable", "log.message.downconversion.enable", PLAIN(BOOL, NONE),
     NOWHERE},
    {"message.format.version", "log.message.format.version", PLAIN(STRING, VERSION), NOWHERE},
    {"message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms",
     RANGE(LONG, 0, LMAX), NOWHERE},
    {"message.timestamp.type", "log.message.timestamp.type",
     CHOICE(STRING, CHOICE, ts_type_choices), NOWHERE},
    {"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", RANGE(DOUBLE, 0, 1), NOWHERE},
    {"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", RANGE(LONG, 0, LMAX), NOWHERE},
    {"min.insync.replicas", "min.insync.replicas", RANGE(INT, 1, IMAX), TO32(min_insync_replicas)},
    {"preallocate", "log.preallocate", PLAIN(BOOL, NONE), NOWHERE},
    {"retention.bytes", "log.retention.bytes", RANGE(LONG, -1, LMAX), TO64(retention_bytes)},
    {"retention.ms", "log.retention.ms", RANGE(LONG, -1, LMAX), TO64(retention_ms)},
    {"segment.bytes", "log.segment.bytes", RANGE(INT, 14, IMAX), TO64(segment_bytes)},
    {"segment.index.bytes", "log.index.size.max.bytes", RANGE(INT, 4, IMAX),
     TO32(segment_index_bytes)},
    /* Kafka derives it from log.roll.jitter.hours, whose default is 0 */
    {"segment.jitter.ms", "log.roll.jitter.ms", RANGE(LONG, 0, LMAX), "0", KC_TD_NONE, 0},
    {"segment.ms", "log.roll.ms", RANGE(LONG, 1, LMAX), TO64(segment_ms)},
    /* acted on by the controller, which reads it from /config/topics/<t> at election time */
    {"unclean.leader.election.enable", "unclean.leader.election.enable", PLAIN(BOOL, NONE),
     NOWHERE},
};
#define N_TOPIC_KEYS (sizeof(topic_keys) / sizeof(topic_keys[0]))

const kc_topic_key *kc_log_config_topic_keys(size_t *n)
{
    *n = N_TOPIC_KEYS;
    return topic_keys;
}

const kc_topic_key *kc_log_config_topic_key(const char *name, size_t len)
{
    for (size_t i = 0; i < N_TOPIC_KEYS; i++)
        if (strlen(topic_keys[i].name) == len && memcmp(topic_keys[i].name, name, len) == 0)
            return &topic_keys[i];
    return NULL;
}

bool kc_log_config_known(const char *name, size_t len)
{
    return kc_log_config_topic_key(name, len) != NULL;
}

const char *kc_log_config_trim(const char *s, char *buf, size_t n)
{
    while (isspace((unsigned char)*s))
        s++;
    snprintf(buf, n, "%s", s);
    size_t l = strlen(buf);
    while (l && isspace((unsigned char)buf[l - 1]))
        buf[--l] = '\0';
    return buf;
}

static void join_choices(const char *const *c, char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; c[i] && at < n; i++)
        at += (size_t)snprintf(buf + at, n - at, "%s%s", i ? ", " : "", c[i]);
}

static bool in_choices(const char *const *c, const char *v)
{
    for (int i = 0; c[i]; i++)
        if (strcmp(c[i], v) == 0)
            return true;
    return false;
}

/* "*" or "partition:broker,..." (ThrottledReplicaListValidator); "" is the default. */
static bool throttled_ok(const char *v)
{
    if (strcmp(v, "*") == 0 || !*v)
        return true;
    const char *p = v;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p++ != ':')
            return false;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
        while (*p == ' ')
            p++;
        if (!*p)
            return true;
        if (*p++ != ',')
            return false;
    }
}

/* Every version Kafka's ApiVersion knows (Kafka 3.0: KAFKA_0_8_0 .. KAFKA_3_0_IV1), and their
 * short versions ("0.10.0", "2.8", "3.0": the last IV of that release). */
static const char *const api_versions[] = {
    "0.8.0",      "0.8.1",      "0.8.2",      "0.9.0",   "0.10.0-IV0", "0.10.0-IV1", "0.10.0",
    "0.10.1-IV0", "0.10.1-IV1", "0.10.1-IV2", "0.10.1",  "0.10.2-IV0", "0.10.2",     "0.11.0-IV0",
    "0.11.0-IV1", "0.11.0-IV2", "0.11.0",     "1.0-IV0", "1.0",        "1.1-IV0",    "1.1",
    "2.0-IV0",    "2.0-IV1",    "2.0",        "2.1-IV0", "2.1-IV1",    "2.1-IV2",    "2.1",
    "2.2-IV0",    "2.2-IV1",    "2.2",        "2.3-IV0", "2.3-IV1",    "2.3",        "2.4-IV0",
    "2.4-IV1",    "2.4",        "2.5-IV0",    "2.5",     "2.6-IV0",    "2.6",        "2.7-IV0",
    "2.7-IV1",    "2.7-IV2",    "2.7",        "2.8-IV0", "2.8-IV1",    "2.8",        "3.0-IV0",
    "3.0-IV1",    "3.0",        NULL,
};

/* A Kafka message format / inter-broker version as ApiVersion.apply parses it: split at '.',
 * keep the first three segments when it starts with "0." and two otherwise, and look that key
 * up; the rest is ignored. So "0.10.0.0", "0.10.0.1", "2.8.0", "2.8-IV1" and "3.0-IV1" are
 * versions, "2.8.1" is "2.8", and "2", "0.10", "banana" or "2.9" are not. */
bool kc_cfg_version_valid(const char *v)
{
    int keep = strncmp(v, "0.", 2) == 0 ? 3 : 2;
    size_t len = strlen(v);
    const char *p = v;
    for (int seg = 1; seg <= keep; seg++) {
        const char *dot = strchr(p, '.');
        if (!dot)
            break; /* fewer segments: the whole string is the key */
        if (seg == keep) {
            len = (size_t)(dot - v);
            break;
        }
        p = dot + 1;
    }
    for (const char *const *k = api_versions; *k; k++)
        if (strlen(*k) == len && strncmp(*k, v, len) == 0)
            return true;
    return false;
}

int kc_log_config_check(const kc_topic_key *k, const char *raw, char *why, size_t whylen)
{
    char v[512];
    kc_log_config_trim(raw, v, sizeof(v));
    char choices[256];
    switch (k->type) {
    case KC_TT_LONG:
    case KC_TT_INT: {
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        bool bad = errno || end == v || *end;
        if (!bad && k->type == KC_TT_INT && (n < INT32_MIN || n > INT32_MAX))
            bad = true;
        if (bad) {
            snprintf(why, whylen, "Not a number of type %s", k->type == KC_TT_INT ? "INT" : "LONG");
            return -1;
        }
        if (k->check == KC_TC_RANGE && n < k->min) {
            snprintf(why, whylen, "Value must be at least %lld", (long long)k->min);
            return -1;
        }
        if (k->check == KC_TC_RANGE && k->max != INT64_MAX && k->max != INT32_MAX && n > k->max) {
            snprintf(why, whylen, "Value must be no more than %lld", (long long)k->max);
            return -1;
        }
        return 0;
    }
    case KC_TT_DOUBLE: {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end || isnan(d)) {
            snprintf(why, whylen, "Not a number of type DOUBLE");
            return -1;
        }
        if (k->check == KC_TC_RANGE && d < (double)k->min) {
            snprintf(why, whylen, "Value must be at least %lld", (long long)k->min);
            return -1;
        }
        if (k->check == KC_TC_RANGE && d > (double)k->max) {
            snprintf(why, whylen, "Value must be no more than %lld", (long long)k->max);
            return -1;
        }
        return 0;
    }
    case KC_TT_BOOL:
        if (strcasecmp(v, "true") != 0 && strcasecmp(v, "false") != 0) {
            snprintf(why, whylen, "Expected value to be either true or false");
            return -1;
        }
        return 0;
    case KC_TT_STRING:
        if (k->check == KC_TC_CHOICE && !in_choices(k->choices, v)) {
            join_choices(k->choices, choices, sizeof(choices));
            snprintf(why, whylen, "String must be one of: %s", choices);
            return -1;
        }
        if (k->check == KC_TC_VERSION && !kc_cfg_version_valid(v)) {
            snprintf(why, whylen, "Version `%.64s` is not a valid version", v);
            return -1;
        }
        return 0;
    case KC_TT_LIST:
        if (k->check == KC_TC_THROTTLED && !throttled_ok(v)) {
            snprintf(why, whylen,
                     "must be the literal '*' or a list of replicas in the following format: "
                     "[partitionId]:[brokerId],[partitionId]:[brokerId],...");
            return -1;
        }
        if (k->check == KC_TC_LIST_CHOICE) {
            char copy[512], *save = NULL;
            int n = 0;
            snprintf(copy, sizeof(copy), "%s", v);
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char item[128];
                kc_log_config_trim(t, item, sizeof(item));
                n++;
                if (!in_choices(k->choices, item))
                    n = -1000;
            }
            if (n <= 0) {
                join_choices(k->choices, choices, sizeof(choices));
                snprintf(why, whylen, "String must be one of: %s", choices);
                return -1;
            }
        }
        return 0;
    }
    return 0;
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
    lc->compression_codec = kc_compression_type_parse(cfg->compression_type);
}

static int parse_long(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int apply_cleanup(kc_log_config *lc, const char *value)
{
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

int kc_log_config_apply(kc_log_config *lc, const char *name, const char *value)
{
    const kc_topic_key *k = kc_log_config_topic_key(name, strlen(name));
    int64_t v;
    if (!k)
        return -1;
    switch (k->dest) {
    case KC_TD_NONE:
        return 0;
    case KC_TD_CLEANUP:
        return apply_cleanup(lc, value);
    case KC_TD_CODEC: {
        int codec = kc_compression_type_parse(value);
        if (codec == -2)
            return -1;
        lc->compression_codec = codec;
        return 1;
    }
    case KC_TD_I64:
    case KC_TD_I32:
        if (parse_long(value, &v) || v < k->min || v > k->max)
            return -1;
        if (k->type == KC_TT_INT && (v < INT32_MIN || v > INT32_MAX))
            return -1;
        if (k->dest == KC_TD_I32) {
            int32_t v32 = (int32_t)v;
            memcpy((char *)lc + k->off, &v32, sizeof(v32));
        } else {
            memcpy((char *)lc + k->off, &v, sizeof(v));
        }
        return 1;
    }
    return -1;
}

const char *kc_log_config_value(const kc_topic_key *k, const kc_log_config *lc, char *buf, size_t n)
{
    switch (k->dest) {
    case KC_TD_I64: {
        int64_t v;
        memcpy(&v, (const char *)lc + k->off, sizeof(v));
        snprintf(buf, n, "%lld", (long long)v);
        return buf;
    }
    case KC_TD_I32: {
        int32_t v;
        memcpy(&v, (const char *)lc + k->off, sizeof(v));
        snprintf(buf, n, "%d", v);
        return buf;
    }
    case KC_TD_CLEANUP:
        return lc->cleanup_compact ? (lc->cleanup_delete ? "compact,delete" : "compact") : "delete";
    case KC_TD_CODEC:
        return lc->compression_codec == KC_CODEC_PRODUCER ? "producer"
               : lc->compression_codec == KC_CODEC_NONE   ? "uncompressed"
                                                          : kc_codec_name(lc->compression_codec);
    case KC_TD_NONE:
        return NULL;
    }
    return NULL;
}
