/*
 * Dynamic configuration, pure side (src/config/dynconf.h): entity and notification payloads,
 * AlterConfigs validation (Kafka's error codes and messages), the dynamic broker layer and
 * DescribeConfigs entries with Kafka's sources and synonyms (ConfigHelper).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/dynconf.h"
#include "proto/errors.h"

#define S(lit) ((kc_str){lit, (int32_t)sizeof(lit) - 1})

/* A broker config from --override style assignments (no file). */
static void load(kc_config *c, const char *extra1, const char *extra2)
{
    char *ov[4] = {"zookeeper.connect=127.0.0.1:2181", "broker.id=1", NULL, NULL};
    int n = 2;
    if (extra1)
        ov[n++] = (char *)extra1;
    if (extra2)
        ov[n++] = (char *)extra2;
    char err[300];
    memset(c, 0, sizeof(*c));
    cr_assert_eq(kc_config_load(c, NULL, n, ov, err, sizeof(err)), 0, "%s", err);
}

static const kc_cfg_entry *find(const kc_cfg_entry *e, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(e[i].name, name) == 0)
            return &e[i];
    return NULL;
}

/* ---------------------------------------------------------------- payloads */

Test(dynconf, entity_parse_and_json)
{
    static const char json[] =
        "{\"version\":1,\"config\":{\"retention.ms\":\"1000\",\"x\":5,\"cleanup.policy\":"
        "\"compact\"}}";
    kc_cfg_kvs kvs = {0};
    cr_assert_eq(kc_cfg_kvs_parse(json, (int)strlen(json), &kvs), 0);
    cr_assert_eq(kvs.n, 2, "the non-string value is skipped");
    cr_assert_str_eq(kc_cfg_kvs_get(&kvs, "retention.ms"), "1000");
    cr_assert_str_eq(kc_cfg_kvs_get(&kvs, "cleanup.policy"), "compact");
    cr_assert_null(kc_cfg_kvs_get(&kvs, "x"));
    kc_cfg_kvs_set(&kvs, "retention.ms", "2000");
    cr_assert_eq(kvs.n, 2);
    char *out = kc_cfg_kvs_json(&kvs);
    cr_assert_str_eq(out, "{\"version\":1,\"config\":{\"retention.ms\":\"2000\",\"cleanup.policy\":"
                          "\"compact\"}}");
    free(out);
    char *sum = kc_cfg_kvs_summary(&kvs);
    cr_assert_str_eq(sum, "retention.ms=2000, cleanup.policy=compact");
    free(sum);
    cr_assert_eq(kc_cfg_kvs_parse(NULL, 0, &kvs), 0);
    cr_assert_eq(kvs.n, 0, "a null payload is no overrides");
    cr_assert_eq(kc_cfg_kvs_parse("{\"version\":1}", 13, &kvs), 0);
    cr_assert_eq(kvs.n, 0);
    cr_assert_eq(kc_cfg_kvs_parse("[1]", 3, &kvs), -1);
    cr_assert_eq(kc_cfg_kvs_parse("{nope", 5, &kvs), -1);
    out = kc_cfg_kvs_json(&kvs);
    cr_assert_str_eq(out, "{\"version\":1,\"config\":{}}");
    free(out);
    sum = kc_cfg_kvs_summary(&kvs);
    cr_assert_str_eq(sum, "(none)");
    free(sum);
    kc_cfg_kvs_free(&kvs);
}

Test(dynconf, change_sequence_numbers)
{
    cr_assert_eq(kc_cfg_change_seq("config_change_0000000012", "config_change_"), 12);
    cr_assert_eq(kc_cfg_change_seq("config_change_0000000000", "config_change_"), 0);
    cr_assert_eq(kc_cfg_change_seq("config_change_2147483648", "config_change_"), 2147483648LL);
    cr_assert_eq(kc_cfg_change_seq("config_change_", "config_change_"), -1);
    cr_assert_eq(kc_cfg_change_seq("config_change_12a", "config_change_"), -1);
    cr_assert_eq(kc_cfg_change_seq("acl_changes_0000000001", "config_change_"), -1);
    cr_assert_eq(kc_cfg_change_seq("acl_changes_0000000001", "acl_changes_"), 1);
}

static int parse(const char *json, char *type, char *name)
{
    char err[300];
    return kc_cfg_change_parse(json, (int)strlen(json), type, 32, name, 300, err, sizeof(err));
}

Test(dynconf, change_notifications)
{
    char type[32], name[300];
    char *j = kc_cfg_change_json("topics", "my-topic");
    cr_assert_str_eq(j, "{\"version\":2,\"entity_path\":\"topics/my-topic\"}");
    cr_assert_eq(parse(j, type, name), 0);
    cr_assert_str_eq(type, "topics");
    cr_assert_str_eq(name, "my-topic");
    free(j);
    cr_assert_eq(parse("{\"version\":2,\"entity_path\":\"brokers/<default>\"}", type, name), 0);
    cr_assert_str_eq(type, "brokers");
    cr_assert_str_eq(name, "<default>");
    cr_assert_eq(parse("{\"version\":2,\"entity_path\":\"users/alice/clients/app\"}", type, name),
                 0);
    cr_assert_str_eq(type, "users");
    cr_assert_str_eq(name, "alice/clients/app", "split at the first '/'");
    cr_assert_eq(
        parse("{\"version\":1,\"entity_type\":\"topics\",\"entity_name\":\"t\"}", type, name), 0);
    cr_assert_str_eq(type, "topics");
    cr_assert_str_eq(name, "t");
    /* v1 is only for topics and clients; other shapes are refused */
    cr_assert_eq(
        parse("{\"version\":1,\"entity_type\":\"brokers\",\"entity_name\":\"1\"}", type, name), -1);
    cr_assert_eq(parse("{\"version\":1,\"entity_type\":\"topics\"}", type, name), -1);
    cr_assert_eq(parse("{\"version\":2,\"entity_path\":\"topics\"}", type, name), -1);
    cr_assert_eq(parse("{\"version\":2,\"entity_path\":\"topics/\"}", type, name), -1);
    cr_assert_eq(parse("{\"version\":2}", type, name), -1);
    cr_assert_eq(parse("{\"version\":3,\"entity_path\":\"topics/t\"}", type, name), -1);
    cr_assert_eq(parse("topics/t", type, name), -1);
    char err[300];
    cr_assert_eq(kc_cfg_change_parse(NULL, -1, type, 32, name, 300, err, sizeof(err)), -1);
}

/* ---------------------------------------------------------------- validation */

static int16_t validate_topic(const kc_config *c, const char *k, const char *v, char *msg)
{
    kc_cfg_kvs kvs = {0};
    kc_cfg_kvs_set(&kvs, k, v);
    int16_t err = kc_cfg_topic_validate(&kvs, c, S("t"), msg, 600);
    kc_cfg_kvs_free(&kvs);
    return err;
}

Test(dynconf, topic_validation_follows_kafka)
{
    kc_config c;
    load(&c, NULL, NULL);
    char msg[600];
    cr_assert_eq(validate_topic(&c, "retention.ms", "1000", msg), KC_ERR_NONE);
    cr_assert_eq(validate_topic(&c, "retention.ms", " -1 ", msg), KC_ERR_NONE);
    cr_assert_eq(validate_topic(&c, "cleanup.policy", "compact, delete", msg), KC_ERR_NONE);
    cr_assert_eq(validate_topic(&c, "compression.type", "zstd", msg), KC_ERR_NONE);
    cr_assert_eq(validate_topic(&c, "message.timestamp.type", "LogAppendTime", msg), KC_ERR_NONE);
    cr_assert_eq(validate_topic(&c, "min.cleanable.dirty.ratio", "0.25", msg), KC_ERR_NONE);
    cr_assert_eq(validate_topic(&c, "message.format.version", "2.8-IV1", msg), KC_ERR_NONE);
    cr_assert_eq(validate_topic(&c, "leader.replication.throttled.replicas", "0:1,1:2", msg),
                 KC_ERR_NONE);
    cr_assert_eq(validate_topic(&c, "unclean.leader.election.enable", "TRUE", msg), KC_ERR_NONE);

    cr_assert_eq(validate_topic(&c, "retention.mss", "1", msg), KC_ERR_INVALID_CONFIG);
    cr_assert_str_eq(msg, "Unknown topic config name: retention.mss");
    cr_assert_eq(validate_topic(&c, "retention.ms", "abc", msg), KC_ERR_INVALID_REQUEST);
    cr_assert_str_eq(msg, "Invalid config value for resource ConfigResource(type=TOPIC, name='t'): "
                          "Invalid value abc for configuration retention.ms: Not a number of type "
                          "LONG");
    cr_assert_eq(validate_topic(&c, "retention.ms", "-2", msg), KC_ERR_INVALID_REQUEST);
    cr_assert(strstr(msg, "Value must be at least -1"), "%s", msg);
    cr_assert_eq(validate_topic(&c, "segment.bytes", "3000000000", msg), KC_ERR_INVALID_REQUEST);
    cr_assert(strstr(msg, "Not a number of type INT"), "%s", msg);
    cr_assert_eq(validate_topic(&c, "segment.bytes", "13", msg), KC_ERR_INVALID_REQUEST);
    cr_assert_eq(validate_topic(&c, "cleanup.policy", "delete,forever", msg),
                 KC_ERR_INVALID_REQUEST);
    cr_assert(strstr(msg, "String must be one of: compact, delete"), "%s", msg);
    cr_assert_eq(validate_topic(&c, "compression.type", "brotli", msg), KC_ERR_INVALID_REQUEST);
    cr_assert_eq(validate_topic(&c, "preallocate", "yes", msg), KC_ERR_INVALID_REQUEST);
    cr_assert(strstr(msg, "Expected value to be either true or false"), "%s", msg);
    cr_assert_eq(validate_topic(&c, "min.cleanable.dirty.ratio", "1.5", msg),
                 KC_ERR_INVALID_REQUEST);
    cr_assert_eq(validate_topic(&c, "message.format.version", "banana", msg),
                 KC_ERR_INVALID_REQUEST);
    cr_assert_eq(validate_topic(&c, "follower.replication.throttled.replicas", "x", msg),
                 KC_ERR_INVALID_REQUEST);

    /* every name is checked before any value (LogConfig.validate) */
    kc_cfg_kvs kvs = {0};
    kc_cfg_kvs_set(&kvs, "retention.ms", "abc");
    kc_cfg_kvs_set(&kvs, "nope", "1");
    cr_assert_eq(kc_cfg_topic_validate(&kvs, &c, S("t"), msg, sizeof(msg)), KC_ERR_INVALID_CONFIG);
    kc_cfg_kvs_free(&kvs);
    cr_assert_eq(kc_cfg_topic_validate(&kvs, &c, S("t"), msg, sizeof(msg)), KC_ERR_NONE,
                 "an empty set clears every override");
    kc_config_free(&c);
}

/* ApiVersion.apply: "0." versions keep three segments, the others two; the rest is ignored */
Test(dynconf, versions_as_kafka_parses_them)
{
    const char *ok[] = {"0.8.0",   "0.9.0.1", "0.10.0",     "0.10.0.0", "0.10.0.1", "0.10.0-IV1",
                        "0.10.2",  "0.11.0",  "0.11.0-IV2", "1.0",      "1.0.2",    "1.1-IV0",
                        "2.0.0",   "2.4.1",   "2.8",        "2.8.0",    "2.8.1",    "2.8-IV0",
                        "2.8-IV1", "3.0",     "3.0-IV0",    "3.0-IV1",  "2.8.x"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        cr_assert(kc_cfg_version_valid(ok[i]), "%s", ok[i]);
    const char *bad[] = {"",       "2",     "0.10",    "0.10.3", "2.9",  "2.8-IV2", "3.1",
                         "banana", "0.7.0", "1.0-IV1", "2..8",   ".2.8", "2.8-iv1", "3.0-IV2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert(!kc_cfg_version_valid(bad[i]), "%s", bad[i]);

    kc_config c;
    load(&c, NULL, NULL);
    char msg[600];
    cr_assert_eq(validate_topic(&c, "message.format.version", "0.10.0.0", msg), KC_ERR_NONE, "%s",
                 msg);
    cr_assert_eq(validate_topic(&c, "message.format.version", " 2.8.0 ", msg), KC_ERR_NONE, "%s",
                 msg);
    cr_assert_eq(validate_topic(&c, "message.format.version", "2.9", msg), KC_ERR_INVALID_REQUEST);
    cr_assert(strstr(msg, "Version `2.9` is not a valid version"), "%s", msg);
    kc_config_free(&c);
}

Test(dynconf, broker_validation)
{
    kc_config c;
    load(&c, NULL, NULL);
    char msg[600];
    kc_cfg_kvs kvs = {0};
    kc_cfg_kvs_set(&kvs, "log.retention.ms", "1000");
    kc_cfg_kvs_set(&kvs, "message.max.bytes", "2000000");
    cr_assert_eq(kc_cfg_broker_validate(&kvs, &c, S(""), msg, sizeof(msg)), KC_ERR_NONE);
    kc_cfg_kvs_set(&kvs, "num.partitions", "3");
    kc_cfg_kvs_set(&kvs, "listeners", "PLAINTEXT://:1");
    cr_assert_eq(kc_cfg_broker_validate(&kvs, &c, S("1"), msg, sizeof(msg)),
                 KC_ERR_INVALID_REQUEST);
    cr_assert_str_eq(msg, "Invalid config value for resource ConfigResource(type=BROKER, "
                          "name='1'): Cannot update these configs dynamically: "
                          "Set(num.partitions, listeners)");
    kc_cfg_kvs_free(&kvs);
    kc_cfg_kvs_set(&kvs, "log.segment.bytes", "10");
    cr_assert_eq(kc_cfg_broker_validate(&kvs, &c, S(""), msg, sizeof(msg)), KC_ERR_INVALID_REQUEST);
    cr_assert(strstr(msg, "name='')") && strstr(msg, "log.segment.bytes"), "%s", msg);
    kc_cfg_kvs_free(&kvs);

    /* what a broker keeps from a znode another tool wrote */
    kc_cfg_kvs_set(&kvs, "log.retention.ms", "1000");
    kc_cfg_kvs_set(&kvs, "log.cleaner.threads", "2");
    kc_cfg_kvs_set(&kvs, "log.roll.ms", "x");
    char dropped[200] = "";
    kc_cfg_broker_filter(&kvs, &c, dropped, sizeof(dropped));
    cr_assert_eq(kvs.n, 1);
    cr_assert_str_eq(kvs.items[0].name, "log.retention.ms");
    cr_assert_str_eq(dropped, "log.cleaner.threads, log.roll.ms");
    kc_cfg_kvs_free(&kvs);
    kc_config_free(&c);
}

/* The file comment's invariant: every key updatable at run time is numeric or boolean, so that
 * re-deriving never frees or replaces a string (a string key would accept any text). */
Test(dynconf, dynamic_keys_are_never_strings)
{
    kc_config c;
    load(&c, NULL, NULL);
    kc_cfg_layers L = {&c, &c, NULL, NULL};
    kc_arena a = KC_ARENA_INIT;
    kc_cfg_entry *e;
    int n = kc_cfg_describe_broker(&L, true, NULL, -1, &a, &e);
    int dynamic = 0;
    for (int i = 0; i < n; i++) {
        cr_assert_eq(kc_cfg_broker_dynamic(e[i].name), !e[i].read_only, "%s", e[i].name);
        if (e[i].read_only)
            continue;
        dynamic++;
        kc_config scratch = c;
        char err[300];
        cr_assert_eq(kc_config_set(&scratch, e[i].name, "not a value", err, sizeof(err)), -1,
                     "%s accepts any text: a string key must not be dynamic", e[i].name);
    }
    cr_assert_geq(dynamic, 15);
    kc_arena_free(&a);
    kc_config_free(&c);
}

Test(dynconf, broker_layers_rederive)
{
    kc_config st, live;
    load(&st, "log.segment.bytes=1048576", NULL);
    live = st; /* shallow: shares the strings, as the broker's snapshot does */
    char *listeners = live.listeners_raw;
    kc_cfg_kvs def = {0}, mine = {0};
    kc_cfg_kvs_set(&def, "log.retention.ms", "1000");
    kc_cfg_kvs_set(&def, "log.segment.bytes", "2097152");
    kc_cfg_kvs_set(&def, "num.partitions", "7"); /* not dynamic: ignored */
    kc_cfg_broker_rederive(&live, &st, &def, &mine);
    cr_assert_eq(kc_config_retention_ms(&live), 1000);
    cr_assert_eq(live.log_segment_bytes, 2097152);
    cr_assert_eq(live.num_partitions, 1);
    cr_assert_eq(live.listeners_raw, listeners);
    kc_cfg_kvs_set(&mine, "log.retention.ms", "2000"); /* per broker wins */
    kc_cfg_broker_rederive(&live, &st, &def, &mine);
    cr_assert_eq(kc_config_retention_ms(&live), 2000);
    kc_cfg_kvs_free(&def);
    kc_cfg_kvs_free(&mine);
    kc_cfg_broker_rederive(&live, &st, &def, &mine); /* layers gone: back to static */
    cr_assert_eq(kc_config_retention_ms(&live), 168LL * 3600000);
    cr_assert_eq(live.log_segment_bytes, 1048576);
    kc_config_free(&st);

    /* precedence holds across layers: a static log.retention.ms beats a dynamic .hours */
    load(&st, "log.retention.ms=5000", NULL);
    live = st;
    kc_cfg_kvs_set(&def, "log.retention.hours", "1");
    kc_cfg_broker_rederive(&live, &st, &def, NULL);
    cr_assert_eq(kc_config_retention_ms(&live), 5000);
    cr_assert_eq(live.log_retention_hours, 1);
    kc_cfg_kvs_free(&def);
    kc_config_free(&st);
}

/* ---------------------------------------------------------------- describe */

Test(dynconf, describe_topic_defaults_and_overrides)
{
    kc_config c;
    load(&c, NULL, NULL);
    kc_cfg_layers L = {&c, &c, NULL, NULL};
    kc_arena a = KC_ARENA_INIT;
    kc_cfg_entry *e;
    int n = kc_cfg_describe_topic(&L, NULL, NULL, -1, &a, &e);
    cr_assert_eq(n, 26, "every LogConfig key cafka knows");
    const kc_cfg_entry *r = find(e, n, "retention.ms");
    cr_assert_str_eq(r->value, "604800000");
    cr_assert_eq(r->source, KC_CFG_SOURCE_DEFAULT);
    cr_assert_not(r->read_only);
    /* Kafka drops synonyms before the first one named log.retention.ms: the default
     * log.retention.hours=168 is dropped, so there are none */
    cr_assert_eq(r->n_synonyms, 0);
    const kc_cfg_entry *s = find(e, n, "segment.bytes");
    cr_assert_str_eq(s->value, "1073741824");
    cr_assert_eq(s->n_synonyms, 1);
    cr_assert_str_eq(s->synonyms[0].name, "log.segment.bytes");
    cr_assert_str_eq(s->synonyms[0].value, "1073741824");
    cr_assert_eq(s->synonyms[0].source, KC_CFG_SOURCE_DEFAULT);
    cr_assert_str_eq(find(e, n, "cleanup.policy")->value, "delete");
    cr_assert_str_eq(find(e, n, "compression.type")->value, "producer");
    cr_assert_str_eq(find(e, n, "flush.ms")->value, "9223372036854775807");
    cr_assert_str_eq(find(e, n, "min.insync.replicas")->value, "1");
    cr_assert_str_eq(find(e, n, "max.message.bytes")->value, "1048588");
    cr_assert_str_eq(find(e, n, "segment.ms")->value, "604800000");

    kc_cfg_kvs ov = {0};
    kc_cfg_kvs_set(&ov, "retention.ms", "1000");
    kc_cfg_kvs_set(&ov, "cleanup.policy", "compact");
    kc_str keys[] = {S("retention.ms"), S("cleanup.policy"), S("no.such.key")};
    n = kc_cfg_describe_topic(&L, &ov, keys, 3, &a, &e);
    cr_assert_eq(n, 2);
    r = find(e, n, "retention.ms");
    cr_assert_str_eq(r->value, "1000");
    cr_assert_eq(r->source, KC_CFG_SOURCE_TOPIC);
    cr_assert_eq(r->n_synonyms, 1);
    cr_assert_str_eq(r->synonyms[0].name, "retention.ms");
    cr_assert_eq(r->synonyms[0].source, KC_CFG_SOURCE_TOPIC);
    const kc_cfg_entry *cp = find(e, n, "cleanup.policy");
    cr_assert_str_eq(cp->value, "compact");
    cr_assert_eq(cp->n_synonyms, 2);
    cr_assert_str_eq(cp->synonyms[1].name, "log.cleanup.policy");
    cr_assert_str_eq(cp->synonyms[1].value, "delete");
    cr_assert_eq(cp->synonyms[1].source, KC_CFG_SOURCE_DEFAULT);
    kc_cfg_kvs_free(&ov);
    kc_arena_free(&a);
    kc_config_free(&c);
}

Test(dynconf, describe_topic_static_and_dynamic_broker_layers)
{
    kc_config st, live;
    load(&st, "log.segment.bytes=1048576", "log.retention.ms=3600000");
    live = st;
    kc_cfg_kvs def = {0}, mine = {0};
    kc_cfg_kvs_set(&def, "log.retention.ms", "1000");
    kc_cfg_kvs_set(&mine, "log.segment.bytes", "2097152");
    kc_cfg_broker_rederive(&live, &st, &def, &mine);
    kc_cfg_layers L = {&st, &live, &def, &mine};
    kc_arena a = KC_ARENA_INIT;
    kc_cfg_entry *e;
    int n = kc_cfg_describe_topic(&L, NULL, NULL, 0, &a, &e);
    const kc_cfg_entry *r = find(e, n, "retention.ms");
    cr_assert_str_eq(r->value, "1000");
    cr_assert_eq(r->source, KC_CFG_SOURCE_DYNAMIC_DEFAULT_BROKER);
    cr_assert_eq(r->n_synonyms, 3);
    cr_assert_str_eq(r->synonyms[0].name, "log.retention.ms");
    cr_assert_eq(r->synonyms[0].source, KC_CFG_SOURCE_DYNAMIC_DEFAULT_BROKER);
    cr_assert_str_eq(r->synonyms[1].name, "log.retention.ms");
    cr_assert_str_eq(r->synonyms[1].value, "3600000");
    cr_assert_eq(r->synonyms[1].source, KC_CFG_SOURCE_STATIC_BROKER);
    cr_assert_str_eq(r->synonyms[2].name, "log.retention.hours");
    cr_assert_eq(r->synonyms[2].source, KC_CFG_SOURCE_DEFAULT);
    const kc_cfg_entry *s = find(e, n, "segment.bytes");
    cr_assert_str_eq(s->value, "2097152");
    cr_assert_eq(s->source, KC_CFG_SOURCE_DYNAMIC_BROKER);
    cr_assert_eq(s->n_synonyms, 3);
    cr_assert_eq(s->synonyms[1].source, KC_CFG_SOURCE_STATIC_BROKER);
    cr_assert_str_eq(s->synonyms[1].value, "1048576");
    cr_assert_eq(s->synonyms[2].source, KC_CFG_SOURCE_DEFAULT);
    kc_cfg_kvs_free(&def);
    kc_cfg_kvs_free(&mine);
    kc_arena_free(&a);
    kc_config_free(&st);
}

Test(dynconf, describe_broker)
{
    kc_config st, live;
    load(&st, "num.partitions=3", "ssl.key.password=secret");
    live = st;
    kc_cfg_kvs def = {0};
    kc_cfg_kvs_set(&def, "log.retention.ms", "1000");
    kc_cfg_broker_rederive(&live, &st, &def, NULL);
    kc_cfg_layers L = {&st, &live, &def, NULL};
    kc_arena a = KC_ARENA_INIT;
    kc_cfg_entry *e;
    int n = kc_cfg_describe_broker(&L, true, NULL, -1, &a, &e);
    const kc_cfg_entry *np = find(e, n, "num.partitions");
    cr_assert_str_eq(np->value, "3");
    cr_assert_eq(np->source, KC_CFG_SOURCE_STATIC_BROKER);
    cr_assert(np->read_only);
    const kc_cfg_entry *pw = find(e, n, "ssl.key.password");
    cr_assert(pw->sensitive);
    cr_assert_null(pw->value);
    cr_assert_eq(pw->source, KC_CFG_SOURCE_STATIC_BROKER);
    cr_assert_null(pw->synonyms[0].value, "sensitive synonyms have no value either");
    const kc_cfg_entry *ks = find(e, n, "ssl.keystore.password");
    cr_assert(ks->sensitive);
    cr_assert_null(ks->value);
    const kc_cfg_entry *rm = find(e, n, "log.retention.ms");
    cr_assert_str_eq(rm->value, "1000");
    cr_assert_eq(rm->source, KC_CFG_SOURCE_DYNAMIC_DEFAULT_BROKER);
    cr_assert_not(rm->read_only);
    const kc_cfg_entry *rh = find(e, n, "log.retention.hours");
    cr_assert_str_eq(rh->value, "168");
    cr_assert_eq(rh->source, KC_CFG_SOURCE_DEFAULT);
    cr_assert_eq(rh->n_synonyms, 1, "log.retention.ms before it is dropped");
    const kc_cfg_entry *rc = find(e, n, "log.roll.ms");
    cr_assert_null(rc->value, "unset without a default");
    cr_assert_eq(rc->source, KC_CFG_SOURCE_DEFAULT);
    cr_assert_str_eq(find(e, n, "ssl.client.auth")->value, "none");
    cr_assert_str_eq(find(e, n, "auto.create.topics.enable")->value, "true");

    /* the cluster default lists only what /config/brokers/<default> holds */
    n = kc_cfg_describe_broker(&L, false, NULL, -1, &a, &e);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(e[0].name, "log.retention.ms");
    cr_assert_str_eq(e[0].value, "1000");
    cr_assert_eq(e[0].source, KC_CFG_SOURCE_DYNAMIC_DEFAULT_BROKER);
    cr_assert_eq(e[0].n_synonyms, 1);
    kc_str keys[] = {S("num.partitions")};
    n = kc_cfg_describe_broker(&L, true, keys, 1, &a, &e);
    cr_assert_eq(n, 1);
    kc_cfg_kvs_free(&def);
    kc_arena_free(&a);
    kc_config_free(&st);
}

Test(dynconf, broker_ids)
{
    int32_t id = 0;
    cr_assert_eq(kc_cfg_broker_id_parse(S("1"), &id), 0);
    cr_assert_eq(id, 1);
    cr_assert_eq(kc_cfg_broker_id_parse(S("+7"), &id), 0);
    cr_assert_eq(id, 7);
    cr_assert_eq(kc_cfg_broker_id_parse(S("-1"), &id), 0);
    cr_assert_eq(id, -1);
    cr_assert_eq(kc_cfg_broker_id_parse(S("2147483647"), &id), 0);
    cr_assert_eq(kc_cfg_broker_id_parse(S("2147483648"), &id), -1);
    cr_assert_eq(kc_cfg_broker_id_parse(S(""), &id), -1);
    cr_assert_eq(kc_cfg_broker_id_parse(S("-"), &id), -1);
    cr_assert_eq(kc_cfg_broker_id_parse(S(" 1"), &id), -1);
    cr_assert_eq(kc_cfg_broker_id_parse(S("one"), &id), -1);
    cr_assert_eq(kc_cfg_broker_id_parse(S("<default>"), &id), -1);
}

Test(dynconf, resource_names)
{
    char buf[100];
    cr_assert_str_eq(kc_cfg_resource_str(2, S("t"), buf, sizeof(buf)),
                     "ConfigResource(type=TOPIC, name='t')");
    cr_assert_str_eq(kc_cfg_resource_str(4, S(""), buf, sizeof(buf)),
                     "ConfigResource(type=BROKER, name='')");
    cr_assert_str_eq(kc_cfg_resource_type_name(8), "BROKER_LOGGER");
    cr_assert_str_eq(kc_cfg_resource_type_name(3), "UNKNOWN");
}
