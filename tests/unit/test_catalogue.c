/*
 * The configuration catalogues: every broker key is declared once (config/config.h) and every
 * topic key once (storage/log_config.h); start-up, DescribeConfigs and AlterConfigs read them.
 * These tests check the entries themselves and that the readers agree with each other, so that
 * a default cannot drift between start-up and DescribeConfigs.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/dynconf.h"
#include "proto/errors.h"
#include "storage/log_config.h"

#define S(lit) ((kc_str){lit, (int32_t)sizeof(lit) - 1})

static bool has_field(const kc_config_key *k)
{
    return k->type != KC_CK_IGNORED && k->type != KC_CK_DESCRIBED;
}

/* A broker config loaded with only the required keys set. */
static void load_minimal(kc_config *c)
{
    char *ov[] = {"zookeeper.connect=127.0.0.1:2181", "broker.id=1"};
    char err[300];
    memset(c, 0, sizeof(*c));
    cr_assert_eq(kc_config_load(c, NULL, 2, ov, err, sizeof(err)), 0, "%s", err);
}

/* DescribeConfigs of a broker (or of a topic without overrides) loaded with load_minimal(). */
static int describe_defaults(kc_config *c, bool topic, kc_arena *a, kc_cfg_entry **e)
{
    load_minimal(c);
    kc_cfg_layers L = {c, c, NULL, NULL};
    return topic ? kc_cfg_describe_topic(&L, NULL, NULL, -1, a, e)
                 : kc_cfg_describe_broker(&L, true, NULL, -1, a, e);
}

Test(catalogue, broker_entries_well_formed)
{
    size_t n;
    const kc_config_key *keys = kc_config_keys(&n);
    cr_assert_gt(n, 60);
    for (size_t i = 0; i < n; i++) {
        const kc_config_key *k = &keys[i];
        cr_assert_eq(kc_config_key_find(k->name), k, "%s declared twice", k->name);
        if (k->type == KC_CK_INT || k->type == KC_CK_LONG) {
            cr_assert_leq(k->min, k->max, "%s", k->name);
            if (k->type == KC_CK_INT)
                cr_assert(k->min >= INT32_MIN && k->max <= INT32_MAX, "%s", k->name);
            if (!k->dflt)
                cr_assert(k->unset >= k->min && k->unset <= k->max,
                          "%s: the unset value must be one the key accepts", k->name);
        }
        if (k->update != KC_CU_READ_ONLY)
            cr_assert(k->type == KC_CK_INT || k->type == KC_CK_LONG || k->type == KC_CK_BOOL,
                      "%s: only numeric and boolean keys may be updated at run time", k->name);
        if (k->hidden)
            cr_assert_eq(k->type, KC_CK_IGNORED, "%s", k->name);
        if (k->sensitive)
            cr_assert(k->type == KC_CK_STRING || k->type == KC_CK_IGNORED, "%s", k->name);
    }
}

/* Every default parses with its own key's validator, and prints back as written (so that
 * DescribeConfigs shows the default exactly as the catalogue declares it). */
Test(catalogue, broker_defaults_parse_with_their_validator)
{
    size_t n;
    const kc_config_key *keys = kc_config_keys(&n);
    for (size_t i = 0; i < n; i++) {
        const kc_config_key *k = &keys[i];
        if (!k->dflt || !has_field(k))
            continue;
        kc_config c;
        memset(&c, 0, sizeof(c));
        char err[300] = "";
        cr_assert_eq(kc_config_set(&c, k->name, k->dflt, err, sizeof(err)), 1, "%s=%s: %s", k->name,
                     k->dflt, err);
        char back[64] = "";
        if (k->type == KC_CK_INT)
            snprintf(back, sizeof(back), "%d", *(int32_t *)((char *)&c + k->off));
        else if (k->type == KC_CK_LONG)
            snprintf(back, sizeof(back), "%lld", (long long)*(int64_t *)((char *)&c + k->off));
        else if (k->type == KC_CK_BOOL)
            snprintf(back, sizeof(back), "%s", *(bool *)((char *)&c + k->off) ? "true" : "false");
        if (back[0])
            cr_assert_str_eq(back, k->dflt, "%s", k->name);
        kc_config_free(&c);
    }
}

/* What start-up puts in each field equals the default DescribeConfigs reports for the key. */
Test(catalogue, describe_default_equals_startup_default)
{
    kc_config c;
    kc_arena a = KC_ARENA_INIT;
    kc_cfg_entry *e;
    int n = describe_defaults(&c, false, &a, &e);
    size_t nk;
    const kc_config_key *keys = kc_config_keys(&nk);
    int listed = 0;
    for (size_t i = 0; i < nk; i++)
        listed += !keys[i].hidden;
    cr_assert_eq(n, listed, "every catalogue key but the hidden ones is described");
    int checked = 0;
    for (int i = 0; i < n; i++) {
        const char *name = e[i].name;
        if (strcmp(name, "broker.id") == 0 || strcmp(name, "zookeeper.connect") == 0 ||
            strcmp(name, "zookeeper.connection.timeout.ms") == 0) /* set, or derived */
            continue;
        const kc_config_key *k = kc_config_key_find(name);
        cr_assert_not_null(k, "%s", name);
        cr_assert_eq(e[i].source, KC_CFG_SOURCE_DEFAULT, "%s", name);
        const char *dflt = NULL;
        for (int s = 0; s < e[i].n_synonyms; s++)
            if (e[i].synonyms[s].source == KC_CFG_SOURCE_DEFAULT &&
                strcmp(e[i].synonyms[s].name, name) == 0)
                dflt = e[i].synonyms[s].value;
        if (e[i].sensitive) {
            cr_assert_null(e[i].value, "%s", name);
            continue;
        }
        if (!dflt)
            cr_assert_null(e[i].value, "%s: %s at start-up, no default described", name,
                           e[i].value);
        else
            cr_assert(e[i].value && strcmp(e[i].value, dflt) == 0,
                      "%s: start-up %s, described default %s", name,
                      e[i].value ? e[i].value : "null", dflt);
        cr_assert_eq(e[i].read_only, k->update == KC_CU_READ_ONLY, "%s", name);
        checked++;
    }
    cr_assert_gt(checked, 60);
    kc_arena_free(&a);
    kc_config_free(&c);
}

/* Kafka 2.8's update modes for the replication keys (DynamicBrokerConfig); the ones Kafka can
 * update (num.replica.fetchers, num.recovery.threads.per.data.dir) are read-only while cafka only
 * reads them at start-up. */
Test(catalogue, replication_keys_update_modes)
{
    static const char *const read_only[] = {
        "replica.lag.time.max.ms",
        "replica.fetch.max.bytes",
        "replica.fetch.min.bytes",
        "replica.fetch.wait.max.ms",
        "replica.fetch.backoff.ms",
        "replica.fetch.response.max.bytes",
        "replica.socket.timeout.ms",
        "replica.high.watermark.checkpoint.interval.ms",
        "num.replica.fetchers",
        "num.recovery.threads.per.data.dir",
        "controlled.shutdown.enable",
        "controlled.shutdown.max.retries",
        "controlled.shutdown.retry.backoff.ms",
        "auto.leader.rebalance.enable",
        "leader.imbalance.check.interval.seconds",
        "leader.imbalance.per.broker.percentage",
        "controller.socket.timeout.ms",
    };
    for (size_t i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++) {
        const kc_config_key *k = kc_config_key_find(read_only[i]);
        cr_assert_not_null(k, "%s", read_only[i]);
        cr_assert_eq(k->update, KC_CU_READ_ONLY, "%s", read_only[i]);
        cr_assert_not(k->hidden, "%s", read_only[i]);
        cr_assert_not(kc_cfg_broker_dynamic(read_only[i]), "%s", read_only[i]);
    }
    cr_assert_eq(kc_config_key_find("min.insync.replicas")->update, KC_CU_CLUSTER_WIDE);
    cr_assert_eq(kc_config_key_find("unclean.leader.election.enable")->update, KC_CU_CLUSTER_WIDE);

    kc_config c;
    load_minimal(&c);
    char msg[400];
    kc_cfg_kvs kvs = {0};
    kc_cfg_kvs_set(&kvs, "num.replica.fetchers", "2");
    cr_assert_eq(kc_cfg_broker_validate(&kvs, &c, S(""), msg, sizeof(msg)), KC_ERR_INVALID_REQUEST);
    cr_assert(strstr(msg, "Cannot update these configs dynamically: Set(num.replica.fetchers)"),
              "%s", msg);
    kc_cfg_kvs_free(&kvs);
    kc_config_free(&c);
}

/* Every topic key's broker synonym is a broker key, and every topic key lands in kc_log_config
 * exactly when kc_log_config_apply acts on it. */
Test(catalogue, topic_entries_well_formed)
{
    size_t n;
    const kc_topic_key *keys = kc_log_config_topic_keys(&n);
    cr_assert_eq(n, 26);
    kc_config c;
    load_minimal(&c);
    for (size_t i = 0; i < n; i++) {
        const kc_topic_key *k = &keys[i];
        cr_assert_eq(kc_log_config_topic_key(k->name, strlen(k->name)), k, "%s twice", k->name);
        cr_assert(kc_log_config_known(k->name, strlen(k->name)), "%s", k->name);
        if (i)
            cr_assert_lt(strcmp(keys[i - 1].name, k->name), 0, "%s out of order", k->name);
        if (k->synonym) {
            const kc_config_key *b = kc_config_key_find(k->synonym);
            cr_assert_not_null(b, "%s: synonym %s not in the broker catalogue", k->name,
                               k->synonym);
            cr_assert(k->dflt == NULL || b->dflt == NULL,
                      "%s: a default declared both here and by %s", k->name, k->synonym);
        }
        kc_log_config lc;
        kc_log_config_defaults(&lc, &c);
        char buf[64];
        const char *held = kc_log_config_value(k, &lc, buf, sizeof(buf));
        cr_assert_eq(held != NULL, k->dest != KC_TD_NONE, "%s", k->name);
        if (held) {
            char copy[64];
            snprintf(copy, sizeof(copy), "%s", held);
            cr_assert_eq(kc_log_config_apply(&lc, k->name, copy), 1, "%s=%s", k->name, copy);
        }
    }
    kc_config_free(&c);
}

/* The default DescribeConfigs shows for every topic key passes that key's own validator, and
 * AlterConfigs would accept it. */
Test(catalogue, topic_defaults_parse_with_their_validator)
{
    kc_config c;
    kc_arena a = KC_ARENA_INIT;
    kc_cfg_entry *e;
    size_t nk;
    kc_log_config_topic_keys(&nk);
    int n = describe_defaults(&c, true, &a, &e);
    cr_assert_eq((size_t)n, nk);
    for (int i = 0; i < n; i++) {
        const kc_topic_key *k = kc_log_config_topic_key(e[i].name, strlen(e[i].name));
        cr_assert_not_null(e[i].value, "%s has no default", e[i].name);
        char why[300] = "";
        cr_assert_eq(kc_log_config_check(k, e[i].value, why, sizeof(why)), 0, "%s=%s: %s",
                     e[i].name, e[i].value, why);
        kc_cfg_kvs kvs = {0};
        kc_cfg_kvs_set(&kvs, e[i].name, e[i].value);
        char msg[400] = "";
        cr_assert_eq(kc_cfg_topic_validate(&kvs, &c, S("t"), msg, sizeof(msg)), KC_ERR_NONE, "%s",
                     msg);
        kc_cfg_kvs_free(&kvs);
    }
    kc_arena_free(&a);
    kc_config_free(&c);
}

/* min.insync.replicas is a topic key that reaches kc_log_config.min_insync_replicas, with the
 * broker key as its default. */
Test(catalogue, min_insync_replicas_topic_key)
{
    const kc_topic_key *k = kc_log_config_topic_key("min.insync.replicas", 19);
    cr_assert_not_null(k);
    cr_assert_str_eq(k->synonym, "min.insync.replicas");
    cr_assert_eq(k->dest, KC_TD_I32);
    cr_assert_eq(k->off, offsetof(kc_log_config, min_insync_replicas));
    kc_config c;
    char *ov[] = {"zookeeper.connect=127.0.0.1:2181", "broker.id=1", "min.insync.replicas=2"};
    char err[300];
    memset(&c, 0, sizeof(c));
    cr_assert_eq(kc_config_load(&c, NULL, 3, ov, err, sizeof(err)), 0, "%s", err);
    kc_log_config lc;
    kc_log_config_defaults(&lc, &c);
    cr_assert_eq(lc.min_insync_replicas, 2);
    cr_assert_eq(kc_log_config_apply(&lc, "min.insync.replicas", "3"), 1);
    cr_assert_eq(lc.min_insync_replicas, 3);
    kc_config_free(&c);
}
