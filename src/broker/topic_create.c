/*
 * Validation and the two-step ZooKeeper write of a new topic (what AdminZkClient does on any
 * broker; the controller then makes the partitions online). Each creation in flight is a
 * kc_topic_create node on the broker's list, so that a second create or an auto-create of the
 * same name sees it.
 */
#include "broker/topic_create.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/replica_assign.h"
#include "common/log.h"
#include "proto/errors.h"
#include "zk/znodes.h"

typedef struct kc_topic_create {
    struct kc_topic_create *next;
    kc_broker *b;
    char *name;
    int32_t n_partitions, rf;
    int32_t *replicas; /* partition-major */
    char *config_json;
    char *topic_json;
    char path[600];
    kc_topic_create_cb cb;
    void *arg;
} create_op;

int kc_assign_live(kc_broker *b, int32_t n_partitions, int32_t rf, int start_index, int32_t *out)
{
    const kc_metadata_cache *mc = &b->metadata;
    int n = mc->n_brokers;
    kc_broker_meta *metas = calloc((size_t)(n ? n : 1), sizeof(*metas));
    if (!metas)
        kc_fatal("topic: out of memory");
    for (int i = 0; i < n; i++)
        metas[i] = (kc_broker_meta){mc->brokers[i].id, mc->brokers[i].rack};
    int rc = kc_assign_replicas_auto(metas, n, n_partitions, rf, start_index, -1, out);
    free(metas);
    return rc;
}

#define ZNODE_MAX_BYTES 0xfffff /* ZooKeeper's default jute.maxbuffer */

int16_t kc_topic_size_check(int64_t n_partitions, int64_t rf, const char **msg)
{
    if (n_partitions <= 0 || rf <= 0 || n_partitions * (5 + 2 * rf) <= ZNODE_MAX_BYTES)
        return KC_ERR_NONE;
    *msg = "The number of partitions times the replication factor is too large: the assignment "
           "would not fit in the topic's znode (ZooKeeper's jute.maxbuffer, 1 MiB).";
    return KC_ERR_INVALID_PARTITIONS;
}

bool kc_topic_create_in_flight(const kc_broker *b, kc_str name)
{
    for (const create_op *c = b->creating; c; c = c->next)
        if (kc_str_eq(name, c->name))
            return true;
    return false;
}

static void finish(create_op *c, int16_t err, const char *msg)
{
    kc_broker *b = c->b;
    for (create_op **pp = &b->creating; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    c->cb(err, msg, c->arg);
    free(c->name);
    free(c->replicas);
    free(c->config_json);
    free(c->topic_json);
    free(c);
}

static void on_topic_created(const kc_zk_result *res, void *arg)
{
    create_op *c = arg;
    if (res->rc == ZNODEEXISTS) {
        finish(c, KC_ERR_TOPIC_ALREADY_EXISTS, "Topic already exists.");
        return;
    }
    if (res->rc != ZOK) {
        kc_error("TOPIC", "creating %s failed: %s", c->path, zerror(res->rc));
        finish(c, KC_ERR_UNKNOWN_SERVER_ERROR, "ZooKeeper write failed");
        return;
    }
    /* the controller's watch on /brokers/topics takes it from here: it elects leaders and
     * sends LeaderAndIsr to the replicas, which open their logs */
    kc_info("TOPIC", "created topic %s with %d partitions, replication factor %d", c->name,
            c->n_partitions, c->rf);
    finish(c, KC_ERR_NONE, NULL);
}

static void create_assignment(create_op *c)
{
    snprintf(c->path, sizeof(c->path), "/brokers/topics/%s", c->name);
    kc_zk_acreate(c->b->zk, c->path, c->topic_json, (int)strlen(c->topic_json), 0, on_topic_created,
                  c);
}

static void on_config_set(const kc_zk_result *res, void *arg)
{
    create_op *c = arg;
    if (res->rc != ZOK) {
        kc_error("TOPIC", "writing %s failed: %s", c->path, zerror(res->rc));
        finish(c, KC_ERR_UNKNOWN_SERVER_ERROR, "ZooKeeper write failed");
        return;
    }
    create_assignment(c);
}

static void on_config_created(const kc_zk_result *res, void *arg)
{
    create_op *c = arg;
    if (res->rc == ZNODEEXISTS) { /* leftover of an earlier failed create: Kafka overwrites */
        kc_zk_aset(c->b->zk, c->path, c->config_json, (int)strlen(c->config_json), -1,
                   on_config_set, c);
        return;
    }
    on_config_set(res, arg);
}

static int16_t validate(kc_broker *b, const kc_topic_create_spec *s, int32_t *n_partitions,
                        int32_t *rf, const char **msg)
{
    if (!kc_topic_name_valid(s->name)) {
        *msg = "Topic name is illegal, it can only contain ASCII alphanumerics, '.', '_' and '-'";
        return KC_ERR_INVALID_TOPIC_EXCEPTION;
    }
    if (kc_metadata_cache_topic(&b->metadata, s->name) || kc_topic_create_in_flight(b, s->name)) {
        *msg = "Topic already exists.";
        return KC_ERR_TOPIC_ALREADY_EXISTS;
    }
    for (int32_t i = 0; i < s->n_configs; i++) {
        kc_log_config probe;
        kc_log_config_defaults(&probe, b->cfg);
        char name[128], value[256];
        snprintf(name, sizeof(name), "%.*s", (int)s->config_names[i].len, s->config_names[i].p);
        snprintf(value, sizeof(value), "%.*s",
                 (int)(s->config_values[i].len < 0 ? 0 : s->config_values[i].len),
                 s->config_values[i].p ? s->config_values[i].p : "");
        if (!kc_log_config_known(s->config_names[i].p, (size_t)s->config_names[i].len)) {
            *msg = "Unknown topic config name";
            return KC_ERR_INVALID_CONFIG;
        }
        if (s->config_values[i].len >= 0 && kc_log_config_apply(&probe, name, value) < 0) {
            *msg = "Invalid value for a topic config";
            return KC_ERR_INVALID_CONFIG;
        }
    }
    if (s->n_assignments > 0) {
        if (s->num_partitions != -1 || s->replication_factor != -1) {
            *msg = "Both numPartitions or replicationFactor and replicasAssignments were set.";
            return KC_ERR_INVALID_REQUEST;
        }
        *n_partitions = s->n_assignments;
        *rf = s->assignment_sizes[0];
        int16_t err = kc_topic_size_check(*n_partitions, *rf, msg);
        if (err)
            return err;
        for (int32_t i = 0; i < s->n_assignments; i++) {
            bool seen = false;
            for (int32_t j = 0; j < s->n_assignments; j++)
                seen |= s->assignment_partition[j] == i;
            if (!seen || s->assignment_sizes[i] != *rf || *rf <= 0) {
                *msg = "Partitions must be 0..n-1 with the same number of replicas each";
                return KC_ERR_INVALID_REPLICA_ASSIGNMENT;
            }
            for (int32_t r = 0; r < *rf; r++) {
                if (!kc_metadata_cache_live(&b->metadata, s->assignment_brokers[i][r])) {
                    *msg = "Replica assignment names a broker that is not alive";
                    return KC_ERR_INVALID_REPLICA_ASSIGNMENT;
                }
                for (int32_t q = 0; q < r; q++)
                    if (s->assignment_brokers[i][q] == s->assignment_brokers[i][r]) {
                        *msg = "Duplicate replica assignment";
                        return KC_ERR_INVALID_REPLICA_ASSIGNMENT;
                    }
            }
        }
        return KC_ERR_NONE;
    }
    *n_partitions = s->num_partitions == -1 ? b->cfg->num_partitions : s->num_partitions;
    *rf = s->replication_factor == -1 ? b->cfg->default_replication_factor : s->replication_factor;
    if (*n_partitions <= 0) {
        *msg = "Number of partitions must be larger than 0.";
        return KC_ERR_INVALID_PARTITIONS;
    }
    if (*rf <= 0) {
        *msg = "Replication factor must be larger than 0.";
        return KC_ERR_INVALID_REPLICATION_FACTOR;
    }
    if (*rf > b->metadata.n_brokers) {
        *msg = "Replication factor is larger than the number of available brokers.";
        return KC_ERR_INVALID_REPLICATION_FACTOR;
    }
    return kc_topic_size_check(*n_partitions, *rf, msg);
}

void kc_topic_create(kc_broker *b, const kc_topic_create_spec *s, kc_topic_create_cb cb, void *arg)
{
    int32_t n_partitions = 0, rf = 0;
    const char *msg = NULL;
    int16_t err = validate(b, s, &n_partitions, &rf, &msg);
    if (err || s->validate_only) {
        cb(err, msg, arg);
        return;
    }
    create_op *c = calloc(1, sizeof(*c));
    if (!c)
        kc_fatal("topic: out of memory");
    c->b = b;
    c->name = strndup(s->name.p, (size_t)s->name.len);
    c->n_partitions = n_partitions;
    c->rf = rf;
    c->cb = cb;
    c->arg = arg;
    c->replicas = calloc((size_t)n_partitions * (size_t)rf, sizeof(int32_t));
    if (!c->name || !c->replicas)
        kc_fatal("topic: out of memory");
    if (s->n_assignments > 0) {
        for (int32_t i = 0; i < s->n_assignments; i++)
            memcpy(c->replicas + s->assignment_partition[i] * rf, s->assignment_brokers[i],
                   sizeof(int32_t) * (size_t)rf);
    } else if (kc_assign_live(b, n_partitions, rf, -1, c->replicas) != KC_ASSIGN_OK) {
        free(c->name);
        free(c->replicas);
        free(c);
        cb(KC_ERR_INVALID_REPLICATION_FACTOR,
           "Not all brokers have rack information for "
           "replica rack aware assignment.",
           arg);
        return;
    }
    const char **names = calloc((size_t)s->n_configs + 1, sizeof(char *));
    const char **values = calloc((size_t)s->n_configs + 1, sizeof(char *));
    for (int32_t i = 0; i < s->n_configs; i++) {
        names[i] = strndup(s->config_names[i].p, (size_t)s->config_names[i].len);
        values[i] = s->config_values[i].len < 0
                        ? NULL
                        : strndup(s->config_values[i].p, (size_t)s->config_values[i].len);
    }
    c->config_json = kc_znode_topic_config_json(s->n_configs, names, values);
    for (int32_t i = 0; i < s->n_configs; i++) {
        free((char *)names[i]);
        free((char *)values[i]);
    }
    free(names);
    free(values);
    char topic_id[23];
    kc_znode_random_uuid(topic_id);
    c->topic_json = kc_znode_topic_json(n_partitions, rf, c->replicas, topic_id);
    c->next = b->creating;
    b->creating = c;
    snprintf(c->path, sizeof(c->path), "/config/topics/%s", c->name);
    kc_zk_acreate(b->zk, c->path, c->config_json, (int)strlen(c->config_json), 0, on_config_created,
                  c);
}

typedef struct auto_create_ctx {
    char *name;
    int16_t *sync_err; /* set while kc_topic_create() has not returned yet */
} auto_create_ctx;

static void on_auto_created(int16_t err, const char *msg, void *arg)
{
    auto_create_ctx *ctx = arg;
    if (ctx->sync_err)
        *ctx->sync_err = err;
    static kc_log_limit limit; /* clients trigger it, as often as they like */
    int suppressed;
    if (err && kc_log_allow(&limit, 10000, &suppressed)) {
        if (err == KC_ERR_TOPIC_ALREADY_EXISTS) /* another request's creation won the race */
            kc_info("TOPIC", "auto-creation of topic %s: it exists already (%d more suppressed)",
                    ctx->name, suppressed);
        else
            kc_warn("TOPIC", "auto-creation of topic %s failed: error %d (%s) (%d more suppressed)",
                    ctx->name, err, msg ? msg : "", suppressed);
    }
    free(ctx->name);
    free(ctx);
}

int16_t kc_topic_auto_create(kc_broker *b, const kc_topic_create_spec *spec)
{
    auto_create_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx || !(ctx->name = strndup(spec->name.p, (size_t)spec->name.len)))
        kc_fatal("topic creation: out of memory");
    int16_t sync_err = -2;
    ctx->sync_err = &sync_err;
    kc_topic_create(b, spec, on_auto_created, ctx);
    if (sync_err != -2)
        return sync_err ? sync_err : KC_ERR_LEADER_NOT_AVAILABLE;
    ctx->sync_err = NULL;
    return KC_ERR_LEADER_NOT_AVAILABLE;
}
