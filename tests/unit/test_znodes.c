/*
 * Znode payloads (src/zk/znodes.h), checked by parsing them back with jansson against
 * ZooKeeper-mode Kafka's layout (kafka.zk.ZkData; zk-schema/).
 */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "zk/znodes.h"

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    cr_assert_not_null(j, "invalid JSON (%s): %s", e.text, s);
    return j;
}

static void load_cfg(kc_config *c, int n, char *const *ov)
{
    char err[512] = "";
    memset(c, 0, sizeof(*c));
    cr_assert_eq(kc_config_load(c, NULL, n, ov, err, sizeof(err)), 0, "%s", err);
}

static const char *obj_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_string(v), "'%s' is not a string", key);
    return json_string_value(v);
}

Test(znodes, broker_registration_v5)
{
    char *ov[] = {"zookeeper.connect=zk:2181",
                  "broker.id=1",
                  "listeners=SSL://0.0.0.0:9093,PLAINTEXT://0.0.0.0:9092",
                  "advertised.listeners=SSL://k1.example:9093,PLAINTEXT://k1.example:9092",
                  "ssl.keystore.type=PEM",
                  "ssl.keystore.location=/k.pem"};
    kc_config c;
    load_cfg(&c, 6, ov);
    char *s = kc_znode_broker_json(&c, 1700000000123ll);
    json_t *j = parse(s);
    cr_assert(json_is_integer(json_object_get(j, "version")));
    cr_assert_eq(json_integer_value(json_object_get(j, "version")), 5);
    cr_assert(json_is_integer(json_object_get(j, "jmx_port")));
    cr_assert_eq(json_integer_value(json_object_get(j, "jmx_port")), -1);
    cr_assert_str_eq(obj_str(j, "timestamp"), "1700000000123", "timestamp is a string of ms");
    /* host/port are those of the PLAINTEXT listener, even when it is not first */
    cr_assert_str_eq(obj_str(j, "host"), "k1.example");
    cr_assert_eq(json_integer_value(json_object_get(j, "port")), 9092);
    json_t *eps = json_object_get(j, "endpoints");
    cr_assert(json_is_array(eps));
    cr_assert_eq(json_array_size(eps), 2);
    cr_assert_str_eq(json_string_value(json_array_get(eps, 0)), "SSL://k1.example:9093");
    cr_assert_str_eq(json_string_value(json_array_get(eps, 1)), "PLAINTEXT://k1.example:9092");
    json_t *map = json_object_get(j, "listener_security_protocol_map");
    cr_assert(json_is_object(map));
    cr_assert_eq(json_object_size(map), 2);
    cr_assert_str_eq(obj_str(map, "SSL"), "SSL");
    cr_assert_str_eq(obj_str(map, "PLAINTEXT"), "PLAINTEXT");
    json_t *features = json_object_get(j, "features");
    cr_assert(json_is_object(features));
    cr_assert_eq(json_object_size(features), 0, "features {}");
    cr_assert_null(json_object_get(j, "rack"), "rack only when set");
    /* nothing beyond the v5 keys */
    const char *allowed[] = {"version",
                             "host",
                             "port",
                             "jmx_port",
                             "timestamp",
                             "endpoints",
                             "listener_security_protocol_map",
                             "rack",
                             "features"};
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
            ok |= strcmp(key, allowed[i]) == 0;
        cr_assert(ok, "unexpected key '%s'", key);
    }
    json_decref(j);
    free(s);
    kc_config_free(&c);
}

Test(znodes, broker_registration_rack_and_custom_listener)
{
    char *ov[] = {
        "zookeeper.connect=zk:2181", "broker.id=2", "listeners=REPL://h:9094,PLAINTEXT://h:9092",
        "listener.security.protocol.map=REPL:PLAINTEXT,PLAINTEXT:PLAINTEXT", "broker.rack=az1"};
    kc_config c;
    load_cfg(&c, 5, ov);
    char *s = kc_znode_broker_json(&c, 5);
    json_t *j = parse(s);
    cr_assert_str_eq(obj_str(j, "rack"), "az1");
    cr_assert_str_eq(obj_str(j, "timestamp"), "5");
    json_t *map = json_object_get(j, "listener_security_protocol_map");
    cr_assert_str_eq(obj_str(map, "REPL"), "PLAINTEXT");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "endpoints"), 0)),
                     "REPL://h:9094");
    /* the first PLAINTEXT-protocol listener gives host/port */
    cr_assert_str_eq(obj_str(j, "host"), "h");
    cr_assert_eq(json_integer_value(json_object_get(j, "port")), 9094);
    json_decref(j);
    free(s);
    kc_config_free(&c);
}

Test(znodes, broker_registration_without_plaintext)
{
    char *ov[] = {"zookeeper.connect=zk:2181", "broker.id=1", "listeners=SSL://s:9093",
                  "ssl.keystore.type=PEM", "ssl.keystore.location=/k.pem"};
    kc_config c;
    load_cfg(&c, 5, ov);
    char *s = kc_znode_broker_json(&c, 1);
    json_t *j = parse(s);
    json_t *host = json_object_get(j, "host");
    cr_assert_not_null(host, "host key present");
    cr_assert(json_is_null(host), "host null without a PLAINTEXT endpoint");
    cr_assert_eq(json_integer_value(json_object_get(j, "port")), -1);
    json_decref(j);
    free(s);
    kc_config_free(&c);
}

Test(znodes, broker_registration_ipv6_endpoint)
{
    char *ov[] = {"zookeeper.connect=zk:2181", "broker.id=1", "listeners=PLAINTEXT://[::1]:9092"};
    kc_config c;
    load_cfg(&c, 3, ov);
    char *s = kc_znode_broker_json(&c, 1);
    json_t *j = parse(s);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "endpoints"), 0)),
                     "PLAINTEXT://[::1]:9092");
    cr_assert_str_eq(obj_str(j, "host"), "::1");
    json_decref(j);
    free(s);
    kc_config_free(&c);
}

Test(znodes, cluster_id_json)
{
    char *s = kc_znode_cluster_id_json("Nk018hRAQFytWskYqtQduw");
    json_t *j = parse(s);
    cr_assert_str_eq(obj_str(j, "version"), "1", "version is the string \"1\"");
    cr_assert_str_eq(obj_str(j, "id"), "Nk018hRAQFytWskYqtQduw");
    cr_assert_eq(json_object_size(j), 2);
    json_decref(j);
    char out[64];
    cr_assert_eq(kc_znode_cluster_id_parse(s, strlen(s), out, sizeof(out)), 0);
    cr_assert_str_eq(out, "Nk018hRAQFytWskYqtQduw");
    free(s);
}

Test(znodes, cluster_id_parse_kafka_payload_and_errors)
{
    const char *kafka = "{\"version\":\"1\",\"id\":\"Nk018hRAQFytWskYqtQduw\"}";
    char out[23];
    cr_assert_eq(kc_znode_cluster_id_parse(kafka, strlen(kafka), out, sizeof(out)), 0);
    cr_assert_str_eq(out, "Nk018hRAQFytWskYqtQduw");
    const char *bad[] = {"", "{", "[]", "{\"version\":\"1\"}", "{\"id\":5}", "{\"id\":null}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(kc_znode_cluster_id_parse(bad[i], strlen(bad[i]), out, sizeof(out)), -1,
                     "accepted %s", bad[i]);
    char small[8];
    cr_assert_eq(kc_znode_cluster_id_parse(kafka, strlen(kafka), small, sizeof(small)), -1,
                 "id longer than the output buffer");
    /* the length bounds the parse: trailing bytes are not read */
    char buf[128];
    snprintf(buf, sizeof(buf), "%sGARBAGE", kafka);
    cr_assert_eq(kc_znode_cluster_id_parse(buf, strlen(kafka), out, sizeof(out)), 0);
}

static bool b64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

Test(znodes, random_uuid_shape)
{
    char prev[23] = "";
    for (int k = 0; k < 200; k++) {
        char u[23];
        memset(u, 'x', sizeof(u));
        kc_znode_random_uuid(u);
        cr_assert_eq(u[22], '\0');
        cr_assert_eq(strlen(u), 22);
        for (int i = 0; i < 22; i++)
            cr_assert(b64url(u[i]), "char %d of %s", i, u);
        /* 16 bytes = 128 bits: the 22nd char carries 2 bits, so it is one of A, Q, g, w */
        cr_assert(strchr("AQgw", u[21]) != NULL, "last char of %s", u);
        cr_assert_str_neq(u, prev, "two random ids are equal");
        memcpy(prev, u, sizeof(u));
    }
}

/* Kafka's Uuid.randomUuid() never returns an id whose string starts with '-' (it would read as
 * a command-line option) nor the reserved ZERO/ONE ids. */
Test(znodes, random_uuid_never_starts_with_dash)
{
    for (int k = 0; k < 5000; k++) {
        char u[23];
        kc_znode_random_uuid(u);
        cr_assert_neq(u[0], '-', "generated %s (Kafka's Uuid.randomUuid never starts with '-')", u);
        cr_assert_str_neq(u, "AAAAAAAAAAAAAAAAAAAAAA");
        cr_assert_str_neq(u, "AAAAAAAAAAAAAAAAAAAAAQ");
    }
}

Test(znodes, topic_json_and_parse_round_trip)
{
    const int32_t replicas[] = {1, 2, 3, 2, 3, 1, 3, 1, 2, 1, 3, 2};
    char *s = kc_znode_topic_json(4, 3, replicas, "AbCdEfGhIjKlMnOpQrStUw");
    json_t *j = parse(s);
    cr_assert_eq(json_integer_value(json_object_get(j, "version")), 3);
    json_t *parts = json_object_get(j, "partitions");
    cr_assert(json_is_object(parts));
    cr_assert_eq(json_object_size(parts), 4);
    json_t *p1 = json_object_get(parts, "1");
    cr_assert(json_is_array(p1));
    cr_assert_eq(json_array_size(p1), 3);
    cr_assert_eq(json_integer_value(json_array_get(p1, 0)), 2);
    cr_assert_eq(json_integer_value(json_array_get(p1, 2)), 1);
    cr_assert(json_is_object(json_object_get(j, "adding_replicas")));
    cr_assert_eq(json_object_size(json_object_get(j, "adding_replicas")), 0);
    cr_assert(json_is_object(json_object_get(j, "removing_replicas")));
    cr_assert_eq(json_object_size(json_object_get(j, "removing_replicas")), 0);
    cr_assert_str_eq(obj_str(j, "topic_id"), "AbCdEfGhIjKlMnOpQrStUw");
    json_decref(j);

    int32_t n = 0, rf = 0, *out = NULL;
    char id[23];
    cr_assert_eq(kc_znode_topic_parse(s, strlen(s), &n, &rf, &out, id), 0);
    cr_assert_str_eq(id, "AbCdEfGhIjKlMnOpQrStUw");
    cr_assert_eq(n, 4);
    cr_assert_eq(rf, 3);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(out[i], replicas[i], "replica %d", i);
    free(out);
    free(s);

    s = kc_znode_topic_json(1, 1, replicas, NULL);
    j = parse(s);
    cr_assert_null(json_object_get(j, "topic_id"), "no topic_id when none is given");
    json_decref(j);
    free(s);
}

Test(znodes, topic_parse_older_versions_and_many_partitions)
{
    const char *v1 = "{\"version\":1,\"partitions\":{\"1\":[2],\"0\":[1]}}";
    int32_t n, rf, *out = NULL;
    char id[23] = "x";
    cr_assert_eq(kc_znode_topic_parse(v1, strlen(v1), &n, &rf, &out, id), 0);
    cr_assert_str_eq(id, "", "v1 has no topic id");
    cr_assert_eq(n, 2);
    cr_assert_eq(rf, 1);
    cr_assert_eq(out[0], 1, "partition order follows the ids, not the JSON key order");
    cr_assert_eq(out[1], 2);
    free(out);

    int32_t reps[24];
    for (int i = 0; i < 24; i++)
        reps[i] = i % 5;
    char *s = kc_znode_topic_json(12, 2, reps, NULL);
    cr_assert_eq(kc_znode_topic_parse(s, strlen(s), &n, &rf, &out, NULL), 0);
    cr_assert_eq(n, 12, "two-digit partition ids");
    for (int i = 0; i < 24; i++)
        cr_assert_eq(out[i], reps[i]);
    free(out);
    free(s);
}

Test(znodes, topic_parse_rejects_malformed)
{
    const char *bad[] = {
        "",
        "{",
        "[]",
        "{\"version\":3}",                          /* missing partitions */
        "{\"partitions\":[]}",                      /* not an object */
        "{\"partitions\":{}}",                      /* no partition */
        "{\"partitions\":{\"0\":[1],\"2\":[1]}}",   /* ids not contiguous */
        "{\"partitions\":{\"1\":[1],\"2\":[1]}}",   /* does not start at 0 */
        "{\"partitions\":{\"0\":[1,2],\"1\":[1]}}", /* differing replica counts */
        "{\"partitions\":{\"0\":[1],\"1\":[1,2]}}", /* differing replica counts */
        "{\"partitions\":{\"0\":[]}}",              /* no replicas */
        "{\"partitions\":{\"0\":[\"1\"]}}",         /* replica not an integer */
        "{\"partitions\":{\"0\":1}}",               /* not a list */
        "{\"partitions\":{\"0\":[1],\"x\":[1]}}",   /* non-numeric id */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int32_t n = -5, rf = -5, *out = NULL;
        cr_assert_eq(kc_znode_topic_parse(bad[i], strlen(bad[i]), &n, &rf, &out, NULL), -1,
                     "accepted %s", bad[i]);
        cr_assert_null(out);
    }
}

Test(znodes, topic_config_json)
{
    const char *names[] = {"retention.ms", "cleanup.policy", "segment.bytes"};
    const char *values[] = {"86400000", NULL, "1048576"};
    char *s = kc_znode_topic_config_json(3, names, values);
    json_t *j = parse(s);
    cr_assert_eq(json_integer_value(json_object_get(j, "version")), 1);
    json_t *c = json_object_get(j, "config");
    cr_assert(json_is_object(c));
    cr_assert_eq(json_object_size(c), 2, "null values are dropped");
    cr_assert_str_eq(obj_str(c, "retention.ms"), "86400000");
    cr_assert_str_eq(obj_str(c, "segment.bytes"), "1048576");
    json_decref(j);
    free(s);

    s = kc_znode_topic_config_json(0, NULL, NULL);
    j = parse(s);
    cr_assert_eq(json_object_size(json_object_get(j, "config")), 0, "{} even when empty");
    json_decref(j);
    free(s);
}

Test(znodes, skeleton_paths_match_kafka)
{
    /* ZkData.PersistentZkPaths plus ConfigType.all */
    const char *want[] = {"/consumers",
                          "/brokers/ids",
                          "/brokers/topics",
                          "/config/changes",
                          "/admin/delete_topics",
                          "/brokers/seqid",
                          "/isr_change_notification",
                          "/latest_producer_id_block",
                          "/log_dir_event_notification",
                          "/config/topics",
                          "/config/clients",
                          "/config/users",
                          "/config/brokers",
                          "/config/ips"};
    size_t n = 0;
    while (kc_znode_skeleton_paths[n])
        n++;
    cr_assert_eq(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < n; k++)
            found |= strcmp(kc_znode_skeleton_paths[k], want[i]) == 0;
        cr_assert(found, "missing %s", want[i]);
    }
}

Test(znodes, partition_state_round_trip)
{
    const int32_t isr[] = {3, 1};
    char *s = kc_znode_partition_state_json(3, 4, isr, 2, 7);
    json_t *j = parse(s);
    cr_assert_eq(json_integer_value(json_object_get(j, "version")), 1);
    cr_assert_eq(json_integer_value(json_object_get(j, "leader")), 3);
    cr_assert_eq(json_integer_value(json_object_get(j, "leader_epoch")), 4);
    cr_assert_eq(json_integer_value(json_object_get(j, "controller_epoch")), 7);
    cr_assert_eq(json_array_size(json_object_get(j, "isr")), 2);
    cr_assert_null(json_object_get(j, "leader_recovery_state"), "only after unclean elections");
    json_decref(j);
    int32_t leader, epoch, ctl, *out = NULL;
    int n;
    cr_assert_eq(kc_znode_partition_state_parse(s, strlen(s), &leader, &epoch, &ctl, &out, &n), 0);
    cr_assert_eq(leader, 3);
    cr_assert_eq(epoch, 4);
    cr_assert_eq(ctl, 7);
    cr_assert_eq(n, 2);
    cr_assert_eq(out[0], 3);
    cr_assert_eq(out[1], 1);
    free(out);
    free(s);
    const char *bad[] = {
        "", "{}", "{\"leader\":1,\"leader_epoch\":0,\"controller_epoch\":1}",
        "{\"leader\":1,\"leader_epoch\":0,\"controller_epoch\":1,\"isr\":[\"1\"]}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(
            kc_znode_partition_state_parse(bad[i], strlen(bad[i]), &leader, &epoch, &ctl, &out, &n),
            -1, "accepted %s", bad[i]);
}

Test(znodes, controller_round_trip)
{
    char *s = kc_znode_controller_json(2, 1700000000000LL);
    json_t *j = parse(s);
    cr_assert_eq(json_integer_value(json_object_get(j, "version")), 1);
    cr_assert_str_eq(obj_str(j, "timestamp"), "1700000000000", "a string, as Kafka writes it");
    json_decref(j);
    cr_assert_eq(kc_znode_controller_parse(s, strlen(s)), 2);
    free(s);
    cr_assert_eq(kc_znode_controller_parse("{}", 2), -1);
    cr_assert_eq(kc_znode_controller_parse("x", 1), -1);
}

Test(znodes, producer_id_block)
{
    char *j = kc_znode_producer_id_block_json(2, 3000, 3999);
    json_t *v = json_loads(j, 0, NULL);
    cr_assert_not_null(v);
    cr_assert_eq(json_integer_value(json_object_get(v, "version")), 1);
    cr_assert_eq(json_integer_value(json_object_get(v, "broker")), 2);
    cr_assert_str_eq(json_string_value(json_object_get(v, "block_start")), "3000",
                     "bounds are strings, as Kafka writes them");
    cr_assert_str_eq(json_string_value(json_object_get(v, "block_end")), "3999");
    json_decref(v);
    int32_t broker = -1;
    int64_t start = -1, end = -1;
    cr_assert_eq(kc_znode_producer_id_block_parse(j, (int)strlen(j), &broker, &start, &end), 1);
    cr_assert_eq(broker, 2);
    cr_assert_eq(start, 3000);
    cr_assert_eq(end, 3999);
    free(j);
    /* Kafka's own payload (ProducerIdBlockZNode), key order and all */
    const char *kafka = "{\"version\":1,\"broker\":1,\"block_start\":\"0\",\"block_end\":\"999\"}";
    cr_assert_eq(kc_znode_producer_id_block_parse(kafka, (int)strlen(kafka), &broker, &start, &end),
                 1);
    cr_assert_eq(end, 999);
    cr_assert_eq(kc_znode_producer_id_block_parse(NULL, -1, &broker, &start, &end), 0, "null");
    cr_assert_eq(kc_znode_producer_id_block_parse("", 0, &broker, &start, &end), 0, "empty");
    const char *bad[] = {"{", "{\"broker\":1,\"block_start\":0,\"block_end\":\"9\"}",
                         "{\"broker\":1,\"block_start\":\"9\",\"block_end\":\"0\"}",
                         "{\"broker\":1,\"block_start\":\"-5\",\"block_end\":\"9\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        cr_assert_eq(
            kc_znode_producer_id_block_parse(bad[i], (int)strlen(bad[i]), &broker, &start, &end),
            -1, "%s", bad[i]);
}
