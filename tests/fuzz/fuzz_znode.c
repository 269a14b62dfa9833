/*
 * Fuzz target: every parser of a znode payload another process may have written (ZooKeeper is
 * shared with Kafka's tools and other brokers), each run on the whole input:
 *  - zk/znodes: /cluster/id, /latest_producer_id_block, /brokers/topics/<t>,
 *    .../partitions/<p>/state, /controller;
 *  - security/acl: /kafka-acl* pattern payloads, both change-notification forms, pattern paths;
 *  - config/dynconf: /config/<type>/<name> entity payloads, /config/changes notifications and
 *    their sequence names, sanitized entity names;
 *  - security/scram_store: /config/users/<user> (SCRAM credentials inside the entity payload).
 * What parses is written back with the matching writer and parsed again: the same value must
 * come out (the writers and parsers agree).
 *
 * Input: the payload bytes (tests/fuzz/corpus/znode holds zk-schema's examples and Kafka's
 * payloads of the other znodes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/dynconf.h"
#include "fuzz_common.h"
#include "security/acl.h"
#include "security/scram_store.h"
#include "zk/znodes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void topic(const char *json, size_t len)
{
    int32_t n, rf, *replicas, n2, rf2, *replicas2;
    char id[23], id2[23];
    if (kc_znode_topic_parse(json, len, &n, &rf, &replicas, id))
        return;
    char *again = kc_znode_topic_json(n, rf, replicas, id[0] ? id : NULL);
    FUZZ_CHECK(kc_znode_topic_parse(again, strlen(again), &n2, &rf2, &replicas2, id2) == 0);
    FUZZ_CHECK(n == n2 && rf == rf2 && strcmp(id, id2) == 0);
    FUZZ_CHECK(memcmp(replicas, replicas2, sizeof(*replicas) * (size_t)n * (size_t)rf) == 0);
    free(again);
    free(replicas);
    free(replicas2);
}

static void partition_state(const char *json, size_t len)
{
    int32_t leader, epoch, cepoch, *isr, leader2, epoch2, cepoch2, *isr2;
    int n, n2;
    if (kc_znode_partition_state_parse(json, len, &leader, &epoch, &cepoch, &isr, &n))
        return;
    char *again = kc_znode_partition_state_json(leader, epoch, isr, n, cepoch);
    FUZZ_CHECK(kc_znode_partition_state_parse(again, strlen(again), &leader2, &epoch2, &cepoch2,
                                              &isr2, &n2) == 0);
    FUZZ_CHECK(leader == leader2 && epoch == epoch2 && cepoch == cepoch2 && n == n2);
    FUZZ_CHECK(n == 0 || memcmp(isr, isr2, sizeof(*isr) * (size_t)n) == 0);
    free(again);
    free(isr);
    free(isr2);
}

static void small_znodes(const char *json, size_t len)
{
    char id[64], id2[64];
    if (kc_znode_cluster_id_parse(json, len, id, sizeof(id)) == 0) {
        char *again = kc_znode_cluster_id_json(id);
        FUZZ_CHECK(kc_znode_cluster_id_parse(again, strlen(again), id2, sizeof(id2)) == 0);
        FUZZ_CHECK(strcmp(id, id2) == 0);
        free(again);
    }
    int32_t broker, broker2;
    int64_t start, end, start2, end2;
    if (kc_znode_producer_id_block_parse(json, (int)len, &broker, &start, &end) == 1) {
        char *again = kc_znode_producer_id_block_json(broker, start, end);
        FUZZ_CHECK(kc_znode_producer_id_block_parse(again, (int)strlen(again), &broker2, &start2,
                                                    &end2) == 1);
        FUZZ_CHECK(broker == broker2 && start == start2 && end == end2);
        free(again);
    }
    int32_t controller = kc_znode_controller_parse(json, len);
    if (controller >= 0) {
        char *again = kc_znode_controller_json(controller, 1);
        FUZZ_CHECK(kc_znode_controller_parse(again, strlen(again)) == controller);
        free(again);
    }
}

static bool same_pattern(const kc_acl_pattern *a, const kc_acl_pattern *b)
{
    return a->resource_type == b->resource_type && a->pattern_type == b->pattern_type &&
           strcmp(a->name, b->name) == 0;
}

static void acls(const char *json, size_t len, const char *text)
{
    kc_acl_entries es = {0}, es2 = {0};
    if (kc_acl_json_parse(json, (int)len, &es) > 0) {
        char *again = kc_acl_json_format(es.v, es.n);
        if (again) {
            FUZZ_CHECK(kc_acl_json_parse(again, (int)strlen(again), &es2) == es.n);
            free(again);
        }
    }
    kc_acl_entries_free(&es);
    kc_acl_entries_free(&es2);
    for (int extended = 0; extended <= 1; extended++) {
        kc_acl_pattern p, p2;
        if (kc_acl_change_decode(extended, json, (int)len, &p))
            continue;
        char *again = kc_acl_change_encode(&p);
        if (again) {
            FUZZ_CHECK(kc_acl_change_decode(p.pattern_type == KC_PAT_PREFIXED, again,
                                            (int)strlen(again), &p2) == 0);
            FUZZ_CHECK(same_pattern(&p, &p2));
            kc_acl_pattern_clear(&p2);
            free(again);
        }
        kc_acl_pattern_clear(&p);
    }
    kc_acl_pattern p, p2;
    if (kc_acl_znode_parse(text, &p) == 0) {
        char *path = kc_acl_znode_path(&p);
        if (path) {
            FUZZ_CHECK(kc_acl_znode_parse(path, &p2) == 0 && same_pattern(&p, &p2));
            kc_acl_pattern_clear(&p2);
            free(path);
        }
        kc_acl_pattern_clear(&p);
    }
}

static void dynconf(const char *json, size_t len, const char *text)
{
    kc_cfg_kvs kvs = {0}, kvs2 = {0};
    if (kc_cfg_kvs_parse(json, (int)len, &kvs) == 0) {
        char *again = kc_cfg_kvs_json(&kvs);
        FUZZ_CHECK(kc_cfg_kvs_parse(again, (int)strlen(again), &kvs2) == 0 && kvs.n == kvs2.n);
        for (int i = 0; i < kvs.n; i++)
            FUZZ_CHECK(strcmp(kvs.items[i].value, kc_cfg_kvs_get(&kvs2, kvs.items[i].name)) == 0);
        free(again);
        free(kc_cfg_kvs_summary(&kvs));
    }
    kc_cfg_kvs_free(&kvs);
    kc_cfg_kvs_free(&kvs2);
    char type[64], name[512], err[256];
    kc_cfg_change_parse(json, (int)len, type, sizeof(type), name, sizeof(name), err, sizeof(err));
    kc_cfg_change_seq(text, "config_change_");
    char plain[512], escaped[1536];
    if (kc_cfg_entity_desanitize(text, plain, sizeof(plain)) == 0 &&
        kc_cfg_entity_sanitize(plain, escaped, sizeof(escaped)) == 0)
        FUZZ_CHECK(kc_cfg_entity_desanitize(escaped, name, sizeof(name)) == 0 &&
                   strcmp(plain, name) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kc_scram_store *store;
    fuzz_quiet();
    if (!store)
        store = kc_scram_store_new();
    if (size > 1 << 20)
        return 0;
    const char *json = (const char *)data;
    char *text = malloc(size + 1); /* the same bytes as a C string, for the path parsers */
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    small_znodes(json, size);
    topic(json, size);
    partition_state(json, size);
    acls(json, size, text);
    dynconf(json, size, text);
    kc_scram_store_update(store, "alice", json, (int)size);
    free(text);
    return 0;
}
