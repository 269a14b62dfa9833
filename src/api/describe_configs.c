/*
 * DescribeConfigs (32), v0-2, as kafka.server.ConfigHelper answers it in ZooKeeper mode. Each
 * resource is answered on its own; the response goes out when every resource has its result.
 *  - TOPIC: the name must be legal (INVALID_TOPIC_EXCEPTION), `/brokers/topics/<t>` must exist
 *    (UNKNOWN_TOPIC_OR_PARTITION), then `/config/topics/<t>` gives the overrides; every
 *    topic-level config is listed (config/dynconf.c). Both reads are asynchronous.
 *  - BROKER: "" = the cluster-wide dynamic defaults, this broker's id = every broker config;
 *    another id or a name that is not a number is INVALID_REQUEST (the client must ask that
 *    broker).
 *  - any other resource type: INVALID_REQUEST "Unsupported resource type: <TYPE>".
 * configuration_keys null or empty = every config. Synonyms only from v1 and only when asked;
 * v0 carries is_default (source == DEFAULT_CONFIG) instead of config_source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/config_changes.h"
#include "common/log.h"
#include "config/dynconf.h"
#include "kc_apis.h"
#include "proto/errors.h"

typedef struct describe_ctx {
    kc_request *req;
    kc_describe_configs_resp resp;
    bool synonyms;
    int pending;
} describe_ctx;

typedef struct describe_slot {
    describe_ctx *ctx;
    const kc_describe_configs_resource *res;
    kc_describe_configs_result *out;
    char name[256];
} describe_slot;

static void maybe_respond(describe_ctx *ctx)
{
    if (--ctx->pending > 0)
        return;
    kc_describe_configs_resp_encode(&ctx->req->out, ctx->req->hdr.api_version, &ctx->resp);
    kc_request_respond(ctx->req); /* frees the arena that holds ctx */
}

static kc_str arena_str(kc_arena *a, const char *s)
{
    if (!s)
        return KC_STR_NULL;
    return kc_str_c(kc_arena_strndup(a, s, strlen(s)));
}

static void set_error(describe_ctx *ctx, kc_describe_configs_result *out, int16_t err,
                      const char *msg)
{
    out->error_code = err;
    out->error_message = arena_str(&ctx->req->arena, msg);
    out->configs_count = 0;
    out->configs = NULL;
}

static void fill(describe_ctx *ctx, kc_describe_configs_result *out, const kc_cfg_entry *e, int n)
{
    kc_arena *a = &ctx->req->arena;
    out->configs_count = n;
    out->configs = kc_arena_alloc(a, sizeof(*out->configs) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        kc_describe_configs_resource_result *c = &out->configs[i];
        c->name = kc_str_c(e[i].name); /* entries live in the request arena */
        c->value = e[i].value ? kc_str_c(e[i].value) : KC_STR_NULL;
        c->read_only = e[i].read_only;
        c->is_default = e[i].source == KC_CFG_SOURCE_DEFAULT;
        c->config_source = e[i].source;
        c->is_sensitive = e[i].sensitive;
        c->synonyms_count = 0;
        c->synonyms = NULL;
        if (!ctx->synonyms || e[i].n_synonyms == 0)
            continue;
        c->synonyms_count = e[i].n_synonyms;
        c->synonyms = kc_arena_alloc(a, sizeof(*c->synonyms) * (size_t)e[i].n_synonyms);
        for (int s = 0; s < e[i].n_synonyms; s++) {
            c->synonyms[s].name = kc_str_c(e[i].synonyms[s].name);
            c->synonyms[s].value =
                e[i].synonyms[s].value ? kc_str_c(e[i].synonyms[s].value) : KC_STR_NULL;
            c->synonyms[s].source = e[i].synonyms[s].source;
        }
    }
}

static void on_topic_config(const kc_zk_result *res, void *arg)
{
    describe_slot *slot = arg;
    describe_ctx *ctx = slot->ctx;
    if (res->rc != ZOK && res->rc != ZNONODE) {
        kc_warn("CONFIG", "reading /config/topics/%s failed: %s", slot->name, zerror(res->rc));
        set_error(ctx, slot->out, KC_ERR_UNKNOWN_SERVER_ERROR, NULL);
        maybe_respond(ctx);
        return;
    }
    kc_cfg_kvs overrides = {0};
    if (res->rc == ZOK && kc_cfg_kvs_parse(res->data, res->data_len, &overrides))
        kc_warn("CONFIG", "/config/topics/%s is not a JSON object; described without overrides",
                slot->name);
    kc_cfg_layers layers;
    kc_config_changes_layers(ctx->req->broker, &layers);
    kc_cfg_entry *entries;
    int n = kc_cfg_describe_topic(&layers, &overrides, slot->res->configuration_keys,
                                  slot->res->configuration_keys_count, &ctx->req->arena, &entries);
    fill(ctx, slot->out, entries, n);
    kc_cfg_kvs_free(&overrides);
    maybe_respond(ctx);
}

static void on_topic_exists(const kc_zk_result *res, void *arg)
{
    describe_slot *slot = arg;
    describe_ctx *ctx = slot->ctx;
    if (res->rc == ZNONODE) {
        set_error(ctx, slot->out, KC_ERR_UNKNOWN_TOPIC_OR_PARTITION, NULL);
        maybe_respond(ctx);
        return;
    }
    if (res->rc != ZOK) {
        kc_warn("CONFIG", "reading /brokers/topics/%s failed: %s", slot->name, zerror(res->rc));
        set_error(ctx, slot->out, KC_ERR_UNKNOWN_SERVER_ERROR, NULL);
        maybe_respond(ctx);
        return;
    }
    char path[320];
    snprintf(path, sizeof(path), "/config/topics/%s", slot->name);
    kc_zk_aget(ctx->req->broker->zk, path, 0, on_topic_config, slot);
}

static void describe_topic(describe_ctx *ctx, describe_slot *slot)
{
    if (!kc_topic_name_valid(slot->res->resource_name)) {
        set_error(ctx, slot->out, KC_ERR_INVALID_TOPIC_EXCEPTION,
                  "Topic name is illegal, it can only contain ASCII alphanumerics, '.', '_' "
                  "and '-'");
        return;
    }
    snprintf(slot->name, sizeof(slot->name), "%.*s", (int)slot->res->resource_name.len,
             slot->res->resource_name.p);
    char path[320];
    snprintf(path, sizeof(path), "/brokers/topics/%s", slot->name);
    ctx->pending++;
    kc_zk_aget(ctx->req->broker->zk, path, 0, on_topic_exists, slot);
}

static void describe_broker(describe_ctx *ctx, describe_slot *slot)
{
    kc_broker *b = ctx->req->broker;
    kc_str name = slot->res->resource_name;
    char msg[300];
    bool per_broker = name.len > 0;
    if (per_broker) {
        int32_t id;
        if (kc_cfg_broker_id_parse(name, &id)) {
            snprintf(msg, sizeof(msg), "Broker id must be an integer, but it is: %.*s",
                     (int)name.len, name.p);
            set_error(ctx, slot->out, KC_ERR_INVALID_REQUEST, msg);
            return;
        }
        if (id != b->cfg->broker_id) {
            snprintf(msg, sizeof(msg),
                     "Unexpected broker id, expected %d or empty string, but received %.*s",
                     b->cfg->broker_id, (int)name.len, name.p);
            set_error(ctx, slot->out, KC_ERR_INVALID_REQUEST, msg);
            return;
        }
    }
    kc_cfg_layers layers;
    kc_config_changes_layers(b, &layers);
    kc_cfg_entry *entries;
    int n = kc_cfg_describe_broker(&layers, per_broker, slot->res->configuration_keys,
                                   slot->res->configuration_keys_count, &ctx->req->arena, &entries);
    fill(ctx, slot->out, entries, n);
}

void kc_handle_describe_configs(kc_request *req)
{
    kc_describe_configs_req r;
    if (kc_describe_configs_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed DescribeConfigs request");
        return;
    }
    describe_ctx *ctx = kc_arena_alloc(&req->arena, sizeof(*ctx));
    ctx->req = req;
    ctx->synonyms = req->hdr.api_version >= 1 && r.include_synonyms;
    ctx->resp.results_count = r.resources_count;
    ctx->resp.results =
        kc_arena_alloc(&req->arena, sizeof(*ctx->resp.results) * (size_t)(r.resources_count + 1));
    ctx->pending = 1; /* held until every resource has been started */
    for (int32_t i = 0; i < r.resources_count; i++) {
        const kc_describe_configs_resource *res = &r.resources[i];
        kc_describe_configs_result *out = &ctx->resp.results[i];
        out->resource_type = res->resource_type;
        out->resource_name = res->resource_name;
        out->error_code = KC_ERR_NONE;
        out->error_message = KC_STR_NULL;
        describe_slot *slot = kc_arena_alloc(&req->arena, sizeof(*slot));
        slot->ctx = ctx;
        slot->res = res;
        slot->out = out;
        /* KafkaApis: Topic:DESCRIBE_CONFIGS, or Cluster:DESCRIBE_CONFIGS for a broker */
        if (res->resource_type == KC_CFG_RESOURCE_TOPIC &&
            !kc_authorized(req, KC_OP_DESCRIBE_CONFIGS, KC_RES_TOPIC, res->resource_name)) {
            set_error(ctx, out, KC_ERR_TOPIC_AUTHORIZATION_FAILED, NULL);
        } else if ((res->resource_type == KC_CFG_RESOURCE_BROKER ||
                    res->resource_type == KC_CFG_RESOURCE_BROKER_LOGGER) &&
                   !kc_authorized_cluster(req, KC_OP_DESCRIBE_CONFIGS)) {
            set_error(ctx, out, KC_ERR_CLUSTER_AUTHORIZATION_FAILED, NULL);
        } else if (res->resource_type == KC_CFG_RESOURCE_TOPIC) {
            describe_topic(ctx, slot);
        } else if (res->resource_type == KC_CFG_RESOURCE_BROKER) {
            describe_broker(ctx, slot);
        } else {
            char msg[128];
            snprintf(msg, sizeof(msg), "Unsupported resource type: %s",
                     kc_cfg_resource_type_name(res->resource_type));
            set_error(ctx, out, KC_ERR_INVALID_REQUEST, msg);
        }
    }
    maybe_respond(ctx);
}
