/*
 * Broker configuration (src/config/config.h): Kafka's defaults, the Java .properties reader,
 * overrides, validation errors that name the key, and listener derivation.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/jaas.h"

#define REQUIRED "zookeeper.connect=zk1:2181,zk2:2181/kafka\nbroker.id=0\n"

static char path[PATH_MAX];
static kc_config cfg;
static char err[512];

static void setup(void)
{
    memset(&cfg, 0, sizeof(cfg));
    err[0] = '\0';
    snprintf(path, sizeof(path), "/tmp/cafka-unit-config-XXXXXX");
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

TestSuite(config, .init = setup, .fini = teardown, .timeout = 30);

/* Write @p text to the temp file and load it with @p n overrides. */
static int load(const char *text, int n, char *const *overrides)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return kc_config_load(&cfg, path, n, overrides, err, sizeof(err));
}

static void load_ok(const char *text)
{
    cr_assert_eq(load(text, 0, NULL), 0, "load failed: %s", err);
}

/* The load must fail with a message that names @p key. */
static void load_fails_naming(const char *text, const char *key)
{
    cr_assert_eq(load(text, 0, NULL), -1, "accepted; expected an error about '%s'", key);
    cr_assert_neq(err[0], '\0', "no error message");
    cr_assert_not_null(strstr(err, key), "error '%s' does not name '%s'", err, key);
}

Test(config, kafka_defaults)
{
    char *ov[] = {"zookeeper.connect=localhost:2181", "broker.id=3"};
    cr_assert_eq(kc_config_load(&cfg, NULL, 2, ov, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cfg.broker_id, 3);
    cr_assert_str_eq(cfg.zookeeper_connect, "localhost:2181");
    cr_assert_eq(cfg.num_partitions, 1);
    cr_assert_eq(cfg.default_replication_factor, 1);
    cr_assert_eq(cfg.min_insync_replicas, 1);
    cr_assert_eq(cfg.socket_request_max_bytes, 104857600);
    cr_assert_eq(cfg.message_max_bytes, 1048588);
    cr_assert_eq(cfg.log_segment_bytes, 1073741824);
    cr_assert_eq(cfg.zookeeper_session_timeout_ms, 18000);
    cr_assert_eq(cfg.zookeeper_connection_timeout_ms, 18000,
                 "connection timeout defaults to the session timeout");
    cr_assert_eq(cfg.auto_create_topics_enable, true);
    cr_assert_eq(cfg.delete_topic_enable, true);
    cr_assert_eq(cfg.unclean_leader_election_enable, false);
    cr_assert_eq(cfg.log_retention_hours, 168);
    cr_assert_eq(kc_config_retention_ms(&cfg), 168ll * 3600 * 1000);
    cr_assert_eq(cfg.log_retention_bytes, -1);
    cr_assert_eq(cfg.log_retention_check_interval_ms, 300000);
    cr_assert_eq(cfg.log_roll_hours, 168);
    cr_assert_eq(cfg.log_index_interval_bytes, 4096);
    cr_assert_eq(cfg.log_index_size_max_bytes, 10485760);
    cr_assert_eq(cfg.offsets_topic_num_partitions, 50);
    cr_assert_eq(cfg.offsets_topic_replication_factor, 3);
    cr_assert_eq(cfg.replica_lag_time_max_ms, 30000);
    cr_assert_eq(cfg.group_initial_rebalance_delay_ms, 3000);
    cr_assert_eq(cfg.ssl_client_auth, KC_SSL_AUTH_NONE);
    cr_assert_str_eq(cfg.log_dir, "/tmp/kafka-logs");
    cr_assert_eq(cfg.n_log_dirs, 1);
    cr_assert_str_eq(cfg.log_dirs[0], "/tmp/kafka-logs");
    cr_assert_eq(cfg.n_listeners, 1);
    cr_assert_str_eq(cfg.listeners[0].name, "PLAINTEXT");
    cr_assert_str_eq(cfg.listeners[0].host, "");
    cr_assert_eq(cfg.listeners[0].port, 9092);
    cr_assert_eq(cfg.listeners[0].protocol, KC_SEC_PLAINTEXT);
    cr_assert_eq(cfg.n_advertised, 1);
    cr_assert_eq(cfg.advertised[0].port, 9092);
    cr_assert_null(cfg.broker_rack);
}

Test(config, retention_precedence)
{
    load_ok(REQUIRED);
    cr_assert_eq(kc_config_retention_ms(&cfg), 604800000ll);
    cfg.log_retention_hours = 1;
    cr_assert_eq(kc_config_retention_ms(&cfg), 3600000ll);
    kc_config_free(&cfg);
    memset(&cfg, 0, sizeof(cfg));

    load_ok(REQUIRED "log.retention.hours=2\nlog.retention.minutes=5\n");
    cr_assert_eq(kc_config_retention_ms(&cfg), 300000ll, "minutes win over hours");
    kc_config_free(&cfg);
    memset(&cfg, 0, sizeof(cfg));

    load_ok(REQUIRED "log.retention.hours=2\nlog.retention.minutes=5\nlog.retention.ms=1234\n");
    cr_assert_eq(kc_config_retention_ms(&cfg), 1234ll, "ms wins over minutes and hours");
    kc_config_free(&cfg);
    memset(&cfg, 0, sizeof(cfg));

    load_ok(REQUIRED "log.retention.ms=-1\n");
    cr_assert_eq(kc_config_retention_ms(&cfg), -1ll, "-1 = unlimited");
    kc_config_free(&cfg);
    memset(&cfg, 0, sizeof(cfg));

    load_ok(REQUIRED "log.retention.hours=-1\n");
    cr_assert_eq(kc_config_retention_ms(&cfg), -1ll);
    kc_config_free(&cfg);
    memset(&cfg, 0, sizeof(cfg));

    load_ok(REQUIRED "log.retention.hours=100000\n");
    cr_assert_eq(kc_config_retention_ms(&cfg), 100000ll * 3600000, "no 32-bit overflow");
}

Test(config, properties_syntax)
{
    load_ok("# a comment\n"
            "! another comment\n"
            "\n"
            "   \t\n"
            "zookeeper.connect=zk:2181\n"
            "broker.id: 7\n"
            "num.partitions 4\n"
            "default.replication.factor = 1\n"
            "   min.insync.replicas   =   1   \n"
            "log.retention.hours:12\n"
            "log.dirs=/data/a,\\\n"
            "         /data/b\n"
            "broker.rack=rack\\\n"
            "  -1\n"
            "message.max.bytes\t=\t2000000\r\n"
            "auto.create.topics.enable=FALSE\n");
    cr_assert_str_eq(cfg.zookeeper_connect, "zk:2181");
    cr_assert_eq(cfg.broker_id, 7, "key: value");
    cr_assert_eq(cfg.num_partitions, 4, "key value");
    cr_assert_eq(cfg.default_replication_factor, 1, "spaces around '='");
    cr_assert_eq(cfg.min_insync_replicas, 1);
    cr_assert_eq(cfg.log_retention_hours, 12);
    cr_assert_eq(cfg.n_log_dirs, 2, "backslash continuation");
    cr_assert_str_eq(cfg.log_dirs[0], "/data/a");
    cr_assert_str_eq(cfg.log_dirs[1], "/data/b");
    cr_assert_str_eq(cfg.broker_rack, "rack-1", "continuation drops leading whitespace");
    cr_assert_eq(cfg.message_max_bytes, 2000000, "tabs and CRLF");
    cr_assert_eq(cfg.auto_create_topics_enable, false, "booleans are case-insensitive");
}

Test(config, continuation_at_end_of_file)
{
    load_ok(REQUIRED "broker.rack=r1\\\n");
    cr_assert_str_eq(cfg.broker_rack, "r1");
}

Test(config, escaped_backslash_is_not_continuation)
{
    load_ok(REQUIRED "broker.rack=a\\\\\nnum.partitions=3\n");
    cr_assert_str_eq(cfg.broker_rack, "a\\");
    cr_assert_eq(cfg.num_partitions, 3);
}

/* java.util.Properties: "a comment line cannot be extended" by a trailing backslash. */
Test(config, comment_line_is_not_continued)
{
    load_ok(REQUIRED "# the next line sets partitions \\\n"
                     "num.partitions=6\n");
    cr_assert_eq(cfg.num_partitions, 6,
                 "a comment ending in a backslash swallowed the next line (num.partitions = %d)",
                 cfg.num_partitions);
}

Test(config, later_line_wins)
{
    load_ok(REQUIRED "num.partitions=2\nnum.partitions=5\n");
    cr_assert_eq(cfg.num_partitions, 5);
}

Test(config, overrides_win_over_file)
{
    char *ov[] = {"num.partitions=9", "log.dirs=/x", "num.partitions=10",
                  "listeners=PLAINTEXT://127.0.0.1:19092"};
    cr_assert_eq(load(REQUIRED "num.partitions=2\nlog.dirs=/a,/b\n", 4, ov), 0, "%s", err);
    cr_assert_eq(cfg.num_partitions, 10, "later override wins");
    cr_assert_eq(cfg.n_log_dirs, 1);
    cr_assert_str_eq(cfg.log_dirs[0], "/x");
    cr_assert_eq(cfg.listeners[0].port, 19092);
}

Test(config, override_can_supply_required_keys)
{
    char *ov[] = {"zookeeper.connect=z:1", "broker.id=1"};
    cr_assert_eq(load("num.partitions=2\n", 2, ov), 0, "%s", err);
    cr_assert_eq(cfg.broker_id, 1);
}

Test(config, override_without_equals_fails)
{
    char *ov[] = {"num.partitions"};
    cr_assert_eq(load(REQUIRED, 1, ov), -1);
    cr_assert_not_null(strstr(err, "num.partitions"), "%s", err);
}

Test(config, bad_override_value_fails)
{
    char *ov[] = {"num.partitions=zero"};
    cr_assert_eq(load(REQUIRED, 1, ov), -1);
    cr_assert_not_null(strstr(err, "num.partitions"), "%s", err);
}

Test(config, unknown_key_is_not_an_error)
{
    char *ov[] = {"also.unknown=1"};
    cr_assert_eq(load(REQUIRED "some.unknown.key=value\nnum.network.threads=3\n", 1, ov), 0, "%s",
                 err);
    cr_assert_eq(kc_config_set(&cfg, "no.such.key", "x", err, sizeof(err)), 0);
    cr_assert_eq(kc_config_set(&cfg, "num.io.threads", "8", err, sizeof(err)), 1,
                 "known Kafka keys cafka ignores are accepted");
}

Test(config, missing_file_fails)
{
    unlink(path);
    cr_assert_eq(kc_config_load(&cfg, path, 0, NULL, err, sizeof(err)), -1);
    cr_assert_not_null(strstr(err, path), "%s", err);
    path[0] = '\0';
}

/* ---- bad values name the key ---- */

Test(config, num_partitions_not_a_number)
{
    load_fails_naming(REQUIRED "num.partitions=abc\n", "num.partitions");
}

Test(config, num_partitions_zero)
{
    load_fails_naming(REQUIRED "num.partitions=0\n", "num.partitions");
}

Test(config, num_partitions_trailing_garbage)
{
    load_fails_naming(REQUIRED "num.partitions=3x\n", "num.partitions");
}

Test(config, int_out_of_range)
{
    load_fails_naming(REQUIRED "socket.request.max.bytes=2147483648\n", "socket.request.max.bytes");
}

Test(config, empty_number)
{
    load_fails_naming(REQUIRED "message.max.bytes=\n", "message.max.bytes");
}

Test(config, bool_maybe)
{
    load_fails_naming(REQUIRED "auto.create.topics.enable=maybe\n", "auto.create.topics.enable");
}

Test(config, ssl_client_auth_sometimes)
{
    load_fails_naming(REQUIRED "ssl.client.auth=sometimes\n", "ssl.client.auth");
}

Test(config, ssl_client_auth_values)
{
    load_ok(REQUIRED "ssl.client.auth=required\n");
    cr_assert_eq(cfg.ssl_client_auth, KC_SSL_AUTH_REQUIRED);
    kc_config_free(&cfg);
    memset(&cfg, 0, sizeof(cfg));
    load_ok(REQUIRED "ssl.client.auth=Requested\n");
    cr_assert_eq(cfg.ssl_client_auth, KC_SSL_AUTH_REQUESTED);
}

Test(config, listeners_garbage)
{
    load_fails_naming(REQUIRED "listeners=garbage\n", "listeners");
}

Test(config, listeners_unknown_protocol_name)
{
    load_fails_naming(REQUIRED "listeners=INTERNAL://:9092\n", "listeners");
    cr_assert_not_null(strstr(err, "INTERNAL"), "%s", err);
}

#define PLAIN_JAAS                                                                                 \
    "listener.name.sasl_plaintext.plain.sasl.jaas.config="                                         \
    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "         \
    "password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice secret\";\n"

Test(config, sasl_listener_with_kafka_default_mechanism_gssapi_is_refused)
{
    load_fails_naming(REQUIRED "listeners=SASL_PLAINTEXT://:9092\n", "sasl.enabled.mechanisms");
    cr_assert_not_null(strstr(err, "GSSAPI"), "%s", err);
}

Test(config, sasl_plain_listener_needs_its_jaas_line)
{
    load_fails_naming(REQUIRED "listeners=SASL_PLAINTEXT://:9092\nsasl.enabled.mechanisms=PLAIN\n",
                      "listener.name.sasl_plaintext.plain.sasl.jaas.config");
}

Test(config, sasl_listener_with_plain_and_scram)
{
    load_ok(REQUIRED "listeners=PLAINTEXT://:9092,SASL_PLAINTEXT://:9094\n"
                     "sasl.enabled.mechanisms=PLAIN, SCRAM-SHA-256,SCRAM-SHA-512\n" PLAIN_JAAS);
    cr_assert_eq(cfg.listeners[1].protocol, KC_SEC_SASL_PLAINTEXT);
    cr_assert_eq(cfg.sasl_mechanisms,
                 KC_SASL_PLAIN | KC_SASL_SCRAM_SHA_256 | KC_SASL_SCRAM_SHA_512);
    const kc_jaas *j = kc_config_jaas(&cfg, "SASL_PLAINTEXT", "PLAIN");
    cr_assert_not_null(j);
    cr_assert_str_eq(j->login_module, "org.apache.kafka.common.security.plain.PlainLoginModule");
    cr_assert_str_eq(kc_jaas_get(j, "user_alice"), "alice secret");
    cr_assert_str_eq(kc_jaas_get(j, "username"), "admin");
    cr_assert_null(kc_config_jaas(&cfg, "SASL_PLAINTEXT", "SCRAM-SHA-256"));
}

Test(config, malformed_jaas_line_names_its_key)
{
    load_fails_naming(REQUIRED "listeners=SASL_PLAINTEXT://:9092\nsasl.enabled.mechanisms=PLAIN\n"
                               "listener.name.sasl_plaintext.plain.sasl.jaas.config="
                               "org.apache.kafka.common.security.plain.PlainLoginModule required "
                               "user_a=\"x\"\n",
                      "listener.name.SASL_PLAINTEXT.PLAIN.sasl.jaas.config");
    cr_assert_not_null(strstr(err, "';'"), "%s", err);
}

Test(config, sasl_inter_broker_listener_needs_credentials)
{
    load_fails_naming(REQUIRED "listeners=SASL_PLAINTEXT://:9092\n"
                               "sasl.enabled.mechanisms=SCRAM-SHA-256\n"
                               "security.inter.broker.protocol=SASL_PLAINTEXT\n"
                               "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256\n",
                      "listener.name.SASL_PLAINTEXT.SCRAM-SHA-256.sasl.jaas.config");
    load_fails_naming(REQUIRED "listeners=SASL_PLAINTEXT://:9092\n"
                               "sasl.enabled.mechanisms=SCRAM-SHA-256\n"
                               "security.inter.broker.protocol=SASL_PLAINTEXT\n",
                      "sasl.mechanism.inter.broker.protocol");
}

Test(config, listeners_bad_port)
{
    load_fails_naming(REQUIRED "listeners=PLAINTEXT://host:99999\n", "listeners");
}

Test(config, listeners_missing_port)
{
    load_fails_naming(REQUIRED "listeners=PLAINTEXT://host\n", "listeners");
}

Test(config, listeners_empty)
{
    load_fails_naming(REQUIRED "listeners=\n", "listeners");
}

Test(config, missing_zookeeper_connect)
{
    load_fails_naming("broker.id=0\n", "zookeeper.connect");
}

Test(config, missing_broker_id)
{
    load_fails_naming("zookeeper.connect=zk:2181\n", "broker.id");
}

Test(config, negative_broker_id)
{
    load_fails_naming("zookeeper.connect=zk:2181\nbroker.id=-5\n", "broker.id");
}

/* ---- listeners ---- */

Test(config, listeners_derived)
{
    load_ok(REQUIRED "listeners=PLAINTEXT://127.0.0.1:9092,ssl://broker.example.com:9093\n"
                     "ssl.keystore.type=PEM\n"
                     "ssl.keystore.location=/etc/cafka/server.pem\n");
    cr_assert_eq(cfg.n_listeners, 2);
    cr_assert_str_eq(cfg.listeners[0].name, "PLAINTEXT");
    cr_assert_str_eq(cfg.listeners[0].host, "127.0.0.1");
    cr_assert_eq(cfg.listeners[0].port, 9092);
    cr_assert_eq(cfg.listeners[0].protocol, KC_SEC_PLAINTEXT);
    cr_assert_str_eq(cfg.listeners[1].name, "SSL", "names are upper-cased");
    cr_assert_str_eq(cfg.listeners[1].host, "broker.example.com");
    cr_assert_eq(cfg.listeners[1].port, 9093);
    cr_assert_eq(cfg.listeners[1].protocol, KC_SEC_SSL);
    cr_assert_eq(cfg.n_advertised, 2, "advertised.listeners defaults to listeners");
    for (int i = 0; i < 2; i++) {
        cr_assert_str_eq(cfg.advertised[i].name, cfg.listeners[i].name);
        cr_assert_str_eq(cfg.advertised[i].host, cfg.listeners[i].host);
        cr_assert_eq(cfg.advertised[i].port, cfg.listeners[i].port);
        cr_assert_eq(cfg.advertised[i].protocol, cfg.listeners[i].protocol);
    }
}

Test(config, advertised_listeners_explicit)
{
    load_ok(REQUIRED "listeners=PLAINTEXT://0.0.0.0:9092\n"
                     "advertised.listeners=PLAINTEXT://public.example.com:19092\n");
    cr_assert_str_eq(cfg.listeners[0].host, "0.0.0.0");
    cr_assert_eq(cfg.n_advertised, 1);
    cr_assert_str_eq(cfg.advertised[0].host, "public.example.com");
    cr_assert_eq(cfg.advertised[0].port, 19092);
}

Test(config, custom_listener_names_via_protocol_map)
{
    load_ok(REQUIRED "listeners=INTERNAL://:9092,EXTERNAL://:9093\n"
                     "listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT\n"
                     "inter.broker.listener.name=INTERNAL\n");
    cr_assert_eq(cfg.n_listeners, 2);
    cr_assert_str_eq(cfg.listeners[0].name, "INTERNAL");
    cr_assert_eq(cfg.listeners[0].protocol, KC_SEC_PLAINTEXT);
    cr_assert_str_eq(cfg.listeners[1].name, "EXTERNAL");
    cr_assert_eq(cfg.listeners[1].port, 9093);
}

Test(config, ssl_listener_without_keystore_location)
{
    load_fails_naming(REQUIRED "listeners=SSL://:9093\nssl.keystore.type=PEM\n",
                      "ssl.keystore.location");
}

Test(config, ssl_listener_with_jks_keystore)
{
    load_fails_naming(REQUIRED "listeners=SSL://:9093\nssl.keystore.location=/k.jks\n",
                      "ssl.keystore.type");
}

Test(config, ssl_client_auth_needs_truststore)
{
    load_fails_naming(REQUIRED "listeners=SSL://:9093\nssl.keystore.type=PEM\n"
                               "ssl.keystore.location=/k.pem\nssl.client.auth=required\n",
                      "ssl.truststore.location");
}

Test(config, parse_listeners_directly)
{
    const char *map = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL";
    kc_listener_conf out[KC_MAX_LISTENERS];
    cr_assert_eq(kc_config_parse_listeners("PLAINTEXT://[::1]:9092, SSL://:9093", map, out,
                                           KC_MAX_LISTENERS, err, sizeof(err)),
                 2, "%s", err);
    cr_assert_str_eq(out[0].host, "::1", "IPv6 brackets stripped");
    cr_assert_eq(out[0].port, 9092);
    cr_assert_str_eq(out[1].host, "");
    cr_assert_eq(out[1].protocol, KC_SEC_SSL);

    cr_assert_eq(kc_config_parse_listeners("PLAINTEXT://:1,PLAINTEXT://:2", map, out,
                                           KC_MAX_LISTENERS, err, sizeof(err)),
                 -1, "duplicate listener names");
    cr_assert_eq(
        kc_config_parse_listeners("SASL_SSL://:1", map, out, KC_MAX_LISTENERS, err, sizeof(err)), 1,
        "%s", err);
    cr_assert_eq(out[0].protocol, KC_SEC_SASL_SSL);
    cr_assert_eq(kc_config_parse_listeners("KERBEROS://:1", "KERBEROS:GSSAPI", out,
                                           KC_MAX_LISTENERS, err, sizeof(err)),
                 -1, "an unknown security protocol");
    cr_assert_eq(kc_config_parse_listeners("://:1", map, out, KC_MAX_LISTENERS, err, sizeof(err)),
                 -1, "empty name");
    cr_assert_eq(
        kc_config_parse_listeners("PLAINTEXT://h:-1", map, out, KC_MAX_LISTENERS, err, sizeof(err)),
        -1, "negative port");
    cr_assert_eq(
        kc_config_parse_listeners("PLAINTEXT://:1,SSL://:2", map, out, 1, err, sizeof(err)), -1,
        "more than max listeners");
    cr_assert_eq(kc_config_parse_listeners("", map, out, KC_MAX_LISTENERS, err, sizeof(err)), -1,
                 "no listener");
}

Test(config, set_reports_results)
{
    load_ok(REQUIRED);
    cr_assert_eq(kc_config_set(&cfg, "num.partitions", "12", err, sizeof(err)), 1);
    cr_assert_eq(cfg.num_partitions, 12);
    cr_assert_eq(kc_config_set(&cfg, "num.partitions", "-3", err, sizeof(err)), -1);
    cr_assert_not_null(strstr(err, "num.partitions"));
    cr_assert_eq(cfg.num_partitions, 12, "a rejected value leaves the old one");
    cr_assert_eq(kc_config_set(&cfg, "log.retention.ms", "9223372036854775807", err, sizeof(err)),
                 1);
    cr_assert_eq(cfg.log_retention_ms, INT64_MAX);
    cr_assert_eq(kc_config_set(&cfg, "log.retention.ms", "9223372036854775808", err, sizeof(err)),
                 -1, "int64 overflow");
}

Test(config, log_dirs_list)
{
    load_ok(REQUIRED "log.dirs= /d1 , /d2,,/d3 \nlog.dir=/ignored\n");
    cr_assert_eq(cfg.n_log_dirs, 3);
    cr_assert_str_eq(cfg.log_dirs[0], "/d1");
    cr_assert_str_eq(cfg.log_dirs[1], "/d2");
    cr_assert_str_eq(cfg.log_dirs[2], "/d3");
}

Test(config, log_dir_used_without_log_dirs)
{
    load_ok(REQUIRED "log.dir=/var/lib/cafka\n");
    cr_assert_eq(cfg.n_log_dirs, 1);
    cr_assert_str_eq(cfg.log_dirs[0], "/var/lib/cafka");
}

Test(config, compression_type)
{
    load_fails_naming(REQUIRED "compression.type=deflate\n", "compression.type");
    load_fails_naming(REQUIRED "compression.type=GZIP\n", "compression.type");
    load_ok(REQUIRED "compression.type=zstd\n");
    load_ok(REQUIRED "compression.type=uncompressed\n");
}

Test(config, connection_quota_keys)
{
    load_ok(REQUIRED);
    cr_assert_eq(cfg.max_connections, INT32_MAX, "Kafka's default");
    cr_assert_eq(cfg.max_connections_per_ip, INT32_MAX);
    cr_assert_eq(cfg.connections_max_idle_ms, 600000);
    cr_assert_eq(cfg.socket_connection_setup_timeout_ms, 10000);
    cr_assert_eq(cfg.n_ip_overrides, 0);
    kc_config_free(&cfg);
    memset(&cfg, 0, sizeof(cfg));
    load_ok(REQUIRED "max.connections.per.ip=10\n"
                     "max.connections.per.ip.overrides= 127.0.0.2:0 , ::1:500,10.0.0.1:7\n");
    cr_assert_eq(cfg.n_ip_overrides, 3);
    cr_assert_str_eq(cfg.ip_overrides[0].host, "127.0.0.2");
    cr_assert_eq(cfg.ip_overrides[0].limit, 0);
    cr_assert_str_eq(cfg.ip_overrides[1].host, "::1", "the last colon separates the limit");
    cr_assert_eq(cfg.ip_overrides[1].limit, 500);
    cr_assert_eq(cfg.ip_overrides[2].limit, 7);
}

Test(config, bad_connection_quota_overrides_name_the_key)
{
    const char *bad[] = {"a",           "127.0.0.1:",   ":5",
                         "127.0.0.1:x", "127.0.0.1:-1", "127.0.0.1:99999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), REQUIRED "max.connections.per.ip.overrides=%s\n", bad[i]);
        load_fails_naming(text, "max.connections.per.ip.overrides");
        kc_config_free(&cfg);
        memset(&cfg, 0, sizeof(cfg));
    }
    load_fails_naming(REQUIRED "connections.max.idle.ms=0\n", "connections.max.idle.ms");
}
