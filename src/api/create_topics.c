/*
 * CreateTopics (19), v0-4. Only the active controller acts; other brokers answer
 * NOT_CONTROLLER for every topic and the client retries with the controller named in
 * Metadata. Each topic is validated and created independently (broker/topic_create.c) and
 * its result waits, at most timeout_ms, until every partition has a leader in the metadata
 * cache (Kafka's DelayedCreatePartitions); then REQUEST_TIMED_OUT. The response is sent when
 * every topic has its result. A name that appears twice in one request gets INVALID_REQUEST
 * for each occurrence, as Kafka answers. After the controller check, Cluster:CREATE or
 * Topic:CREATE, else TOPIC_AUTHORIZATION_FAILED (KafkaApis.handleCreateTopicsRequest).
 */
#include <stdlib.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/metadata_wait.h"
#include "broker/topic_create.h"
#include "controller/controller.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"

typedef struct create_ctx {
    kc_request *req;
    kc_create_topics_resp resp;
    int pending;
    int32_t timeout_ms;
    bool validate_only;
} create_ctx;

typedef struct topic_slot {
    create_ctx *ctx;
    int32_t index;
} topic_slot;

static void maybe_respond(create_ctx *ctx)
{
    if (--ctx->pending > 0)
        return;
    kc_create_topics_resp_encode(&ctx->req->out, ctx->req->hdr.api_version, &ctx->resp);
    kc_request_respond(ctx->req); /* frees the arena that holds ctx */
}

static bool has_leaders(kc_broker *b, void *arg)
{
    topic_slot *slot = arg;
    return kc_metadata_cache_has_leaders(&b->metadata, slot->ctx->resp.topics[slot->index].name);
}

static void on_leaders(kc_broker *b, bool met, void *arg)
{
    (void)b;
    topic_slot *slot = arg;
    kc_creatable_topic_result *res = &slot->ctx->resp.topics[slot->index];
    if (!met) {
        res->error_code = KC_ERR_REQUEST_TIMED_OUT;
        res->error_message = kc_str_c("Timed out waiting for the partitions to get leaders");
    }
    maybe_respond(slot->ctx);
}

static void on_created(int16_t err, const char *msg, void *arg)
{
    topic_slot *slot = arg;
    create_ctx *ctx = slot->ctx;
    kc_creatable_topic_result *res = &ctx->resp.topics[slot->index];
    res->error_code = err;
    res->error_message = msg ? kc_str_c(msg) : KC_STR_NULL;
    if (err || ctx->validate_only || ctx->timeout_ms <= 0) {
        maybe_respond(ctx);
        return;
    }
    kc_metadata_wait(ctx->req->broker, ctx->timeout_ms, has_leaders, on_leaders, slot);
}

void kc_handle_create_topics(kc_request *req)
{
    kc_broker *b = req->broker;
    kc_create_topics_req r;
    if (kc_create_topics_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed CreateTopics request");
        return;
    }
    create_ctx *ctx = kc_arena_alloc(&req->arena, sizeof(*ctx));
    ctx->req = req;
    ctx->resp.topics_count = r.topics_count;
    ctx->resp.topics =
        kc_arena_alloc(&req->arena, sizeof(*ctx->resp.topics) * (size_t)(r.topics_count + 1));
    ctx->pending = 1; /* held until every topic has been started */
    ctx->timeout_ms = r.timeout_ms;
    ctx->validate_only = r.validate_only;
    bool controller = kc_controller_is_active(b->controller);
    /* KafkaApis: Cluster:CREATE covers every topic, else Topic:CREATE each */
    bool create_all = controller && r.topics_count > 0 && kc_authorized_cluster(req, KC_OP_CREATE);
    for (int32_t i = 0; i < r.topics_count; i++) {
        const kc_creatable_topic *t = &r.topics[i];
        kc_creatable_topic_result *res = &ctx->resp.topics[i];
        res->name = t->name;
        res->error_message = KC_STR_NULL;
        bool dup = false;
        for (int32_t j = 0; j < r.topics_count; j++)
            dup |= j != i && kc_str_same(t->name, r.topics[j].name);
        if (dup) {
            res->error_code = KC_ERR_INVALID_REQUEST;
            res->error_message = kc_str_c("Duplicate topic name in the request");
            continue;
        }
        if (!controller) {
            res->error_code = KC_ERR_NOT_CONTROLLER;
            res->error_message = kc_str_c("This is not the correct controller for this cluster.");
            continue;
        }
        if (!create_all && !kc_authorized(req, KC_OP_CREATE, KC_RES_TOPIC, t->name)) {
            res->error_code = KC_ERR_TOPIC_AUTHORIZATION_FAILED;
            res->error_message = kc_str_c("Authorization failed.");
            continue;
        }
        kc_topic_create_spec spec = {
            .name = t->name,
            .num_partitions = t->num_partitions,
            .replication_factor = t->replication_factor,
            .validate_only = r.validate_only,
        };
        if (t->assignments_count > 0) {
            int32_t n = t->assignments_count;
            int32_t *parts = kc_arena_alloc(&req->arena, sizeof(int32_t) * (size_t)n);
            int32_t *sizes = kc_arena_alloc(&req->arena, sizeof(int32_t) * (size_t)n);
            const int32_t **lists = kc_arena_alloc(&req->arena, sizeof(int32_t *) * (size_t)n);
            for (int32_t k = 0; k < n; k++) {
                parts[k] = t->assignments[k].partition_index;
                sizes[k] = t->assignments[k].broker_ids_count;
                lists[k] = t->assignments[k].broker_ids;
            }
            spec.n_assignments = n;
            spec.assignment_partition = parts;
            spec.assignment_sizes = sizes;
            spec.assignment_brokers = lists;
        }
        if (t->configs_count > 0) {
            kc_str *names = kc_arena_alloc(&req->arena, sizeof(kc_str) * (size_t)t->configs_count);
            kc_str *values = kc_arena_alloc(&req->arena, sizeof(kc_str) * (size_t)t->configs_count);
            for (int32_t k = 0; k < t->configs_count; k++) {
                names[k] = t->configs[k].name;
                values[k] = t->configs[k].value;
            }
            spec.n_configs = t->configs_count;
            spec.config_names = names;
            spec.config_values = values;
        }
        topic_slot *slot = kc_arena_alloc(&req->arena, sizeof(*slot));
        slot->ctx = ctx;
        slot->index = i;
        ctx->pending++;
        kc_topic_create(b, &spec, on_created, slot);
    }
    maybe_respond(ctx);
}
