/*
 * Per-partition log settings (src/storage/log_config.h): Kafka's LogConfig defaults taken from
 * the broker's log.* keys (filled through kc_config_load from a temp server.properties), and
 * topic-level overrides with Kafka's names, types and bounds.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "proto/compression.h"
#include "storage/log_config.h"

#define REQUIRED "zookeeper.connect=localhost:2181\nbroker.id=1\n"

static char path[64];
static kc_config cfg;

static void setup(void)
{
    memset(&cfg, 0, sizeof(cfg));
    snprintf(path, sizeof(path), "/tmp/cafka-unit-logcfg-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
}

static void teardown(void)
{
    kc_config_free(&cfg);
    if (path[0])
        unlink(path);
}

TestSuite(log_config, .init = setup, .fini = teardown, .timeout = 30);

/* Load server.properties @p text into cfg and derive the log defaults. */
static void defaults_from(const char *text, kc_log_config *lc)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    char err[256] = "";
    cr_assert_eq(kc_config_load(&cfg, path, 0, NULL, err, sizeof(err)), 0, "load: %s", err);
    memset(lc, 0x5A, sizeof(*lc));
    kc_log_config_defaults(lc, &cfg);
}

Test(log_config, kafka_defaults)
{
    kc_log_config lc;
    defaults_from(REQUIRED, &lc);
    cr_assert_eq(lc.segment_bytes, 1073741824);
    cr_assert_eq(lc.segment_ms, 168ll * 3600 * 1000);
    cr_assert_eq(lc.segment_index_bytes, 10485760);
    cr_assert_eq(lc.index_interval_bytes, 4096);
    cr_assert_eq(lc.retention_ms, 168ll * 3600 * 1000);
    cr_assert_eq(lc.retention_bytes, -1);
    cr_assert_eq(lc.flush_messages, INT64_MAX);
    cr_assert_eq(lc.flush_ms, INT64_MAX, "log.flush.interval.ms unset: never");
    cr_assert_eq(lc.file_delete_delay_ms, 60000);
    cr_assert(lc.cleanup_delete);
    cr_assert_not(lc.cleanup_compact);
    cr_assert_eq(lc.delete_retention_ms, 86400000);
    cr_assert_eq(lc.max_message_bytes, 1048588);
}

Test(log_config, broker_keys_become_defaults)
{
    kc_log_config lc;
    defaults_from(REQUIRED "log.segment.bytes=1048576\n"
                           "log.roll.hours=2\n"
                           "log.index.size.max.bytes=4096\n"
                           "log.index.interval.bytes=128\n"
                           "log.retention.hours=5\n"
                           "log.retention.bytes=999999\n"
                           "log.flush.interval.messages=10\n"
                           "log.flush.interval.ms=250\n"
                           "log.segment.delete.delay.ms=5\n"
                           "log.cleaner.delete.retention.ms=77\n"
                           "message.max.bytes=2000\n",
                  &lc);
    cr_assert_eq(lc.segment_bytes, 1048576);
    cr_assert_eq(lc.segment_ms, 2 * 3600 * 1000);
    cr_assert_eq(lc.segment_index_bytes, 4096);
    cr_assert_eq(lc.index_interval_bytes, 128);
    cr_assert_eq(lc.retention_ms, 5 * 3600 * 1000);
    cr_assert_eq(lc.retention_bytes, 999999);
    cr_assert_eq(lc.flush_messages, 10);
    cr_assert_eq(lc.flush_ms, 250);
    cr_assert_eq(lc.file_delete_delay_ms, 5);
    cr_assert_eq(lc.delete_retention_ms, 77);
    cr_assert_eq(lc.max_message_bytes, 2000);
}

Test(log_config, ms_keys_take_precedence)
{
    kc_log_config lc;
    /* log.roll.ms over log.roll.hours; log.retention.ms over .minutes over .hours */
    defaults_from(REQUIRED
                  "log.roll.hours=2\nlog.roll.ms=1234\n"
                  "log.retention.hours=5\nlog.retention.minutes=3\nlog.retention.ms=4321\n",
                  &lc);
    cr_assert_eq(lc.segment_ms, 1234);
    cr_assert_eq(lc.retention_ms, 4321);
}

Test(log_config, retention_minutes_over_hours)
{
    kc_log_config lc;
    defaults_from(REQUIRED "log.retention.hours=5\nlog.retention.minutes=3\n", &lc);
    cr_assert_eq(lc.retention_ms, 3 * 60 * 1000);
}

Test(log_config, retention_unlimited)
{
    kc_log_config lc;
    defaults_from(REQUIRED "log.retention.ms=-1\n", &lc);
    cr_assert_eq(lc.retention_ms, -1);
}

Test(log_config, topic_overrides_apply)
{
    kc_log_config lc;
    defaults_from(REQUIRED, &lc);
    kc_log_config before = lc;
    cr_assert_eq(kc_log_config_apply(&lc, "segment.bytes", "16384"), 1);
    cr_assert_eq(lc.segment_bytes, 16384);
    cr_assert_eq(kc_log_config_apply(&lc, "retention.ms", "3600000"), 1);
    cr_assert_eq(lc.retention_ms, 3600000);
    cr_assert_eq(kc_log_config_apply(&lc, "max.message.bytes", "5000"), 1);
    cr_assert_eq(lc.max_message_bytes, 5000);
    cr_assert_eq(lc.min_insync_replicas, 1, "broker default");
    cr_assert_eq(kc_log_config_apply(&lc, "min.insync.replicas", "2"), 1);
    cr_assert_eq(lc.min_insync_replicas, 2);
    cr_assert_eq(kc_log_config_apply(&lc, "segment.ms", "60000"), 1);
    cr_assert_eq(lc.segment_ms, 60000);
    cr_assert_eq(kc_log_config_apply(&lc, "segment.index.bytes", "800"), 1);
    cr_assert_eq(lc.segment_index_bytes, 800);
    cr_assert_eq(kc_log_config_apply(&lc, "index.interval.bytes", "0"), 1);
    cr_assert_eq(lc.index_interval_bytes, 0);
    cr_assert_eq(kc_log_config_apply(&lc, "retention.bytes", "1000000"), 1);
    cr_assert_eq(lc.retention_bytes, 1000000);
    cr_assert_eq(kc_log_config_apply(&lc, "flush.messages", "3"), 1);
    cr_assert_eq(lc.flush_messages, 3);
    cr_assert_eq(kc_log_config_apply(&lc, "flush.ms", "0"), 1);
    cr_assert_eq(lc.flush_ms, 0);
    cr_assert_eq(kc_log_config_apply(&lc, "file.delete.delay.ms", "0"), 1);
    cr_assert_eq(lc.file_delete_delay_ms, 0);
    cr_assert_eq(kc_log_config_apply(&lc, "delete.retention.ms", "10"), 1);
    cr_assert_eq(lc.delete_retention_ms, 10);
    cr_assert_eq(kc_log_config_apply(&lc, "retention.ms", "-1"), 1, "-1 = unlimited");
    cr_assert_eq(lc.retention_ms, -1);
    cr_assert_eq(kc_log_config_apply(&lc, "retention.bytes", "-1"), 1);
    cr_assert_eq(lc.retention_bytes, -1);
    cr_assert_eq(kc_log_config_apply(&lc, "max.message.bytes", "0"), 1);
    cr_assert_eq(kc_log_config_apply(&lc, "segment.bytes", "14"), 1, "Kafka's minimum");
    cr_assert_eq(kc_log_config_apply(&lc, "segment.bytes", "2147483647"), 1);
    cr_assert_eq(lc.segment_bytes, 2147483647);
    /* the broker defaults themselves are untouched */
    kc_log_config again;
    kc_log_config_defaults(&again, &cfg);
    cr_assert_eq(memcmp(&again, &before, sizeof(again)), 0);
}

Test(log_config, cleanup_policy)
{
    kc_log_config lc;
    defaults_from(REQUIRED, &lc);
    cr_assert_eq(kc_log_config_apply(&lc, "cleanup.policy", "compact,delete"), 1);
    cr_assert(lc.cleanup_compact);
    cr_assert(lc.cleanup_delete);
    cr_assert_eq(kc_log_config_apply(&lc, "cleanup.policy", "compact"), 1);
    cr_assert(lc.cleanup_compact);
    cr_assert_not(lc.cleanup_delete, "compact alone: no retention deletion");
    cr_assert_eq(kc_log_config_apply(&lc, "cleanup.policy", "delete"), 1);
    cr_assert_not(lc.cleanup_compact);
    cr_assert(lc.cleanup_delete);
    cr_assert_eq(kc_log_config_apply(&lc, "cleanup.policy", "delete, compact"), 1,
                 "list items are trimmed");
    cr_assert(lc.cleanup_compact);
    cr_assert(lc.cleanup_delete);

    cr_assert_eq(kc_log_config_apply(&lc, "cleanup.policy", "compact"), 1);
    cr_assert_eq(kc_log_config_apply(&lc, "cleanup.policy", "compact,shred"), -1);
    cr_assert_eq(kc_log_config_apply(&lc, "cleanup.policy", "Delete"), -1, "case matters");
    cr_assert_eq(kc_log_config_apply(&lc, "cleanup.policy", "nothing"), -1);
    cr_assert(lc.cleanup_compact, "a refused value changes nothing");
    cr_assert_not(lc.cleanup_delete, "a refused value changes nothing");
}

Test(log_config, bad_values_refused)
{
    kc_log_config lc;
    defaults_from(REQUIRED, &lc);
    kc_log_config before = lc;
    const struct {
        const char *name, *value;
    } bad[] = {
        {"segment.bytes", "13"}, /* below LegacyRecord.RECORD_OVERHEAD_V0 */
        {"segment.bytes", "abc"},
        {"segment.bytes", ""},
        {"segment.bytes", "100x"},
        {"segment.bytes", "-1"},
        {"segment.bytes", "2147483648"}, /* segment.bytes is an INT in Kafka */
        {"segment.ms", "0"},
        {"retention.ms", "-2"},
        {"retention.ms", "1.5"},
        {"max.message.bytes", "-1"},
        {"min.insync.replicas", "0"},
        {"min.insync.replicas", "2147483648"},
        {"max.message.bytes", "2147483648"},
        {"segment.index.bytes", "2147483648"},
        {"index.interval.bytes", "-1"},
        {"file.delete.delay.ms", "-1"},
        {"delete.retention.ms", "-1"},
        {"flush.ms", "-1"},
        {"retention.ms", "99999999999999999999"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cr_assert_eq(kc_log_config_apply(&lc, bad[i].name, bad[i].value), -1, "%s=%s accepted",
                     bad[i].name, bad[i].value);
        cr_assert_eq(memcmp(&lc, &before, sizeof(lc)), 0, "%s=%s changed the config", bad[i].name,
                     bad[i].value);
    }
}

Test(log_config, unknown_names_refused)
{
    kc_log_config lc;
    defaults_from(REQUIRED, &lc);
    const char *unknown[] = {"segment.byte", "log.segment.bytes", "retention",    "",
                             "foo.bar",      "Segment.bytes",     "retention.ms "};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        cr_assert_eq(kc_log_config_apply(&lc, unknown[i], "1"), -1, "'%s' accepted", unknown[i]);
        cr_assert_not(kc_log_config_known(unknown[i], strlen(unknown[i])), "'%s' known",
                      unknown[i]);
    }
}

Test(log_config, known_but_unused_names_accepted)
{
    kc_log_config lc;
    defaults_from(REQUIRED, &lc);
    kc_log_config before = lc;
    const struct {
        const char *name, *value;
    } unused[] = {
        {"unclean.leader.election.enable", "false"},
        {"message.timestamp.type", "CreateTime"},
        {"preallocate", "false"},
        {"min.cleanable.dirty.ratio", "0.5"},
        {"segment.jitter.ms", "0"},
        {"message.downconversion.enable", "true"},
        {"follower.replication.throttled.replicas", ""},
    };
    for (size_t i = 0; i < sizeof(unused) / sizeof(unused[0]); i++) {
        cr_assert_eq(kc_log_config_apply(&lc, unused[i].name, unused[i].value), 0, "%s",
                     unused[i].name);
        cr_assert(kc_log_config_known(unused[i].name, strlen(unused[i].name)));
    }
    cr_assert_eq(memcmp(&lc, &before, sizeof(lc)), 0, "nothing changed");
    /* known checks a length-delimited name */
    cr_assert(kc_log_config_known("retention.ms=5", 12));
    cr_assert_not(kc_log_config_known("retention.ms=5", 11));
    cr_assert(kc_log_config_known("cleanup.policy", 14));
}

Test(log_config, compression_type)
{
    kc_log_config lc;
    defaults_from(REQUIRED, &lc);
    cr_assert_eq(lc.compression_codec, KC_CODEC_PRODUCER, "the broker default, producer");
    const struct {
        const char *value;
        int codec;
    } ok[] = {{"uncompressed", KC_CODEC_NONE}, {"gzip", KC_CODEC_GZIP},
              {"snappy", KC_CODEC_SNAPPY},     {"lz4", KC_CODEC_LZ4},
              {"zstd", KC_CODEC_ZSTD},         {"producer", KC_CODEC_PRODUCER}};
    char buf[32];
    const kc_topic_key *k = kc_log_config_topic_key("compression.type", 16);
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        cr_assert_eq(kc_log_config_apply(&lc, "compression.type", ok[i].value), 1, "%s",
                     ok[i].value);
        cr_assert_eq(lc.compression_codec, ok[i].codec);
        cr_assert_str_eq(kc_log_config_value(k, &lc, buf, sizeof(buf)), ok[i].value);
    }
    cr_assert_eq(kc_log_config_apply(&lc, "compression.type", "GZIP"), -1, "case matters");
    cr_assert_eq(kc_log_config_apply(&lc, "compression.type", "none"), -1);
    cr_assert_eq(lc.compression_codec, KC_CODEC_PRODUCER, "a refused value changes nothing");
}
