/*
 * CreatePartitions (37), v0-1, as Kafka's AdminZkClient.addPartitions: only the active
 * controller acts (others: NOT_CONTROLLER). The topic's current assignment is read from its
 * znode `/brokers/topics/<t>`, the truth on the controller (as Kafka's
 * getFullReplicaAssignmentForTopics), not from the metadata cache, which learns a topic created
 * a moment ago only later (no znode: UNKNOWN_TOPIC_OR_PARTITION). The new count must exceed the
 * current one (INVALID_PARTITIONS), and a count whose assignment could not fit in the znode is
 * INVALID_PARTITIONS too, checked in 64 bits before anything is allocated; explicit assignments
 * must name live brokers, without duplicates, with the topic's replication factor
 * (INVALID_REPLICA_ASSIGNMENT); otherwise the new partitions are placed by Kafka's rule, starting
 * from the broker of partition 0's first replica. The assignment znode `/brokers/topics/<t>` is
 * rewritten (conditional on the version read) and the controller's data watch makes the new
 * partitions online; the result waits, at most timeout_ms, until they have leaders in the metadata
 * cache.
 * After the controller check, Topic:ALTER, else TOPIC_AUTHORIZATION_FAILED (KafkaApis).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/metadata_wait.h"
#include "broker/topic_create.h"
#include "common/log.h"
#include "controller/controller.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "zk/znodes.h"

#define TOPIC_PREFIX "/brokers/topics/"

typedef struct cp_ctx {
    kc_request *req;
    kc_create_partitions_resp resp;
    int pending;
    int32_t timeout_ms;
    bool validate_only;
} cp_ctx;

typedef struct cp_slot {
    cp_ctx *ctx;
    int32_t index;
    int32_t old_count, count, rf;
    int32_t *replicas; /* (count - old_count) x rf, arena */
    const kc_create_partitions_topic *in;
    char path[600];
} cp_slot;

static void maybe_respond(cp_ctx *ctx)
{
    if (--ctx->pending > 0)
        return;
    kc_create_partitions_resp_encode(&ctx->req->out, ctx->req->hdr.api_version, &ctx->resp);
    kc_request_respond(ctx->req);
}

static void fail(cp_slot *s, int16_t err, const char *msg)
{
    s->ctx->resp.results[s->index].error_code = err;
    s->ctx->resp.results[s->index].error_message = kc_str_c(msg);
    maybe_respond(s->ctx);
}

static bool all_led(kc_broker *b, void *arg)
{
    cp_slot *s = arg;
    const kc_mc_topic *t =
        kc_metadata_cache_topic(&b->metadata, s->ctx->resp.results[s->index].name);
    return t && t->n_partitions >= s->count &&
           kc_metadata_cache_has_leaders(&b->metadata, s->ctx->resp.results[s->index].name);
}

static void on_led(kc_broker *b, bool met, void *arg)
{
    (void)b;
    cp_slot *s = arg;
    if (!met) {
        fail(s, KC_ERR_REQUEST_TIMED_OUT, "Timed out waiting for the new partitions' leaders");
        return;
    }
    maybe_respond(s->ctx);
}

static void on_written(const kc_zk_result *res, void *arg)
{
    cp_slot *s = arg;
    if (res->rc == ZBADVERSION) {
        fail(s, KC_ERR_INVALID_PARTITIONS, "The topic's assignment changed concurrently");
        return;
    }
    if (res->rc != ZOK) {
        kc_error("TOPIC", "writing %s failed: %s", s->path, zerror(res->rc));
        fail(s, KC_ERR_UNKNOWN_SERVER_ERROR, "ZooKeeper write failed");
        return;
    }
    kc_info("TOPIC", "%s: partitions %d -> %d", s->path, s->old_count, s->count);
    kc_metadata_wait(s->ctx->req->broker, s->ctx->timeout_ms, all_led, on_led, s);
}

/* Fills s->replicas; returns an error code with *msg, or KC_ERR_NONE. */
static int16_t assign(kc_request *req, cp_slot *s, const kc_create_partitions_topic *in,
                      int32_t first_replica, const char **msg)
{
    kc_broker *b = req->broker;
    int32_t n_new = s->count - s->old_count;
    /* bounded by kc_topic_size_check */
    s->replicas =
        kc_arena_alloc(&req->arena, sizeof(int32_t) * ((size_t)n_new * (size_t)s->rf + 1));
    if (in->assignments_count >= 0) {
        if (in->assignments_count != n_new) {
            *msg = "Increasing the number of partitions by N needs N replica assignments";
            return KC_ERR_INVALID_REPLICA_ASSIGNMENT;
        }
        for (int32_t i = 0; i < n_new; i++) {
            const kc_create_partitions_assignment *a = &in->assignments[i];
            if (a->broker_ids_count != s->rf) {
                *msg = "Inconsistent replication factor between partitions";
                return KC_ERR_INVALID_REPLICA_ASSIGNMENT;
            }
            for (int32_t r = 0; r < s->rf; r++) {
                int32_t id = a->broker_ids[r];
                if (!kc_metadata_cache_live(&b->metadata, id)) {
                    *msg = "Replica assignment names a broker that is not alive";
                    return KC_ERR_INVALID_REPLICA_ASSIGNMENT;
                }
                for (int32_t q = 0; q < r; q++)
                    if (a->broker_ids[q] == id) {
                        *msg = "Duplicate brokers in a replica assignment";
                        return KC_ERR_INVALID_REPLICA_ASSIGNMENT;
                    }
                s->replicas[i * s->rf + r] = id;
            }
        }
        return KC_ERR_NONE;
    }
    const kc_metadata_cache *mc = &b->metadata;
    if (s->rf > mc->n_brokers) {
        *msg = "Replication factor is larger than the number of available brokers.";
        return KC_ERR_INVALID_REPLICATION_FACTOR;
    }
    /* Kafka starts from the broker of partition 0's first replica */
    int start = 0; /* its index among the sorted live ids */
    for (int i = 0; i < mc->n_brokers; i++)
        start += mc->brokers[i].id < first_replica;
    int32_t *all =
        kc_arena_alloc(&req->arena, sizeof(int32_t) * ((size_t)s->count * (size_t)s->rf + 1));
    if (kc_assign_live(b, s->count, s->rf, start, all) != 0) {
        *msg = "Not all brokers have rack information for replica rack aware assignment.";
        return KC_ERR_INVALID_REPLICATION_FACTOR;
    }
    memcpy(s->replicas, all + s->old_count * s->rf, sizeof(int32_t) * (size_t)(n_new * s->rf));
    return KC_ERR_NONE;
}

static void on_read(const kc_zk_result *res, void *arg)
{
    cp_slot *s = arg;
    kc_request *req = s->ctx->req;
    int32_t n = 0, rf = 0, *old = NULL;
    char id[23];
    char *msg = kc_arena_alloc(&req->arena, 160);
    if (res->rc == ZNONODE) {
        snprintf(msg, 160, "The topic '%.100s' does not exist.", s->path + strlen(TOPIC_PREFIX));
        fail(s, KC_ERR_UNKNOWN_TOPIC_OR_PARTITION, msg);
        return;
    }
    if (res->rc != ZOK || !res->data ||
        kc_znode_topic_parse(res->data, (size_t)res->data_len, &n, &rf, &old, id) || n <= 0 ||
        rf <= 0) {
        kc_error("TOPIC", "reading %s failed: %s", s->path,
                 res->rc != ZOK ? zerror(res->rc) : "not a topic assignment");
        free(old);
        fail(s, KC_ERR_UNKNOWN_SERVER_ERROR, "Reading the topic's assignment failed");
        return;
    }
    s->old_count = n;
    s->rf = rf;
    int16_t err = KC_ERR_NONE;
    const char *why = NULL;
    if (s->count < n) {
        snprintf(msg, 160,
                 "Topic currently has %d partitions, which is higher than the requested %d.", n,
                 s->count);
        err = KC_ERR_INVALID_PARTITIONS;
    } else if (s->count == n) {
        snprintf(msg, 160, "Topic already has %d partitions.", n);
        err = KC_ERR_INVALID_PARTITIONS;
    } else if (!(err = kc_topic_size_check(s->count, rf, &why))) {
        err = assign(req, s, s->in, old[0], &why);
    }
    if (err || s->ctx->validate_only) {
        free(old);
        if (err)
            fail(s, err, why ? why : msg); /* why: a static message */
        else
            maybe_respond(s->ctx);
        return;
    }
    int32_t *all = realloc(old, sizeof(int32_t) * (size_t)s->count * (size_t)rf);
    if (!all)
        kc_fatal("create_partitions: out of memory");
    memcpy(all + (size_t)n * (size_t)rf, s->replicas,
           sizeof(int32_t) * (size_t)(s->count - n) * (size_t)rf);
    char *out = kc_znode_topic_json(s->count, rf, all, id[0] ? id : NULL);
    free(all);
    kc_zk_aset(req->broker->zk, s->path, out, (int)strlen(out), res->stat.version, on_written, s);
    free(out);
}

void kc_handle_create_partitions(kc_request *req)
{
    kc_broker *b = req->broker;
    kc_create_partitions_req r;
    if (kc_create_partitions_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed CreatePartitions request");
        return;
    }
    cp_ctx *ctx = kc_arena_alloc(&req->arena, sizeof(*ctx));
    ctx->req = req;
    ctx->timeout_ms = r.timeout_ms;
    ctx->validate_only = r.validate_only;
    ctx->pending = 1;
    ctx->resp.results_count = r.topics_count > 0 ? r.topics_count : 0;
    ctx->resp.results = kc_arena_alloc(&req->arena, sizeof(*ctx->resp.results) *
                                                        (size_t)(ctx->resp.results_count + 1));
    bool controller = kc_controller_is_active(b->controller);
    for (int32_t i = 0; i < ctx->resp.results_count; i++) {
        const kc_create_partitions_topic *in = &r.topics[i];
        kc_create_partitions_topic_result *out = &ctx->resp.results[i];
        out->name = in->name;
        out->error_message = KC_STR_NULL;
        cp_slot *s = kc_arena_alloc(&req->arena, sizeof(*s));
        s->ctx = ctx;
        s->index = i;
        s->in = in;
        s->count = in->count;
        if (!controller) {
            out->error_code = KC_ERR_NOT_CONTROLLER;
            continue;
        }
        if (!kc_authorized(req, KC_OP_ALTER, KC_RES_TOPIC, in->name)) {
            out->error_code = KC_ERR_TOPIC_AUTHORIZATION_FAILED; /* before existence: KafkaApis */
            continue;
        }
        if (!kc_topic_name_valid(in->name)) { /* no such znode can exist */
            out->error_code = KC_ERR_UNKNOWN_TOPIC_OR_PARTITION;
            continue;
        }
        snprintf(s->path, sizeof(s->path), TOPIC_PREFIX "%.*s", (int)in->name.len, in->name.p);
        ctx->pending++;
        kc_zk_aget(b->zk, s->path, 0, on_read, s);
    }
    maybe_respond(ctx);
}
