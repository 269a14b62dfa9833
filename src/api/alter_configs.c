/*
 * AlterConfigs (33), v0-1, as ZkAdminManager.alterConfigs answers it: each resource's config
 * set REPLACES the entity's whole override set (not incremental; that is
 * IncrementalAlterConfigs). Per resource, in Kafka's order:
 *  1. a null value: INVALID_REQUEST "Null value not supported for : <names>";
 *  2. TOPIC: `/brokers/topics/<t>` must exist (UNKNOWN_TOPIC_OR_PARTITION "The topic '<t>' does
 *     not exist."); unknown names are INVALID_CONFIG, unusable values INVALID_REQUEST
 *     (kc_cfg_topic_validate); BROKER: "" (cluster default) or this broker's id, only keys cafka
 *     applies at run time (INVALID_REQUEST "Cannot update these configs dynamically"); other
 *     resource types: INVALID_REQUEST;
 *  3. validate_only stops here; otherwise `/config/topics/<t>` or `/config/brokers/<id|<default>>`
 *     is rewritten and a `/config/changes` notification created (broker/config_changes.c), and
 *     the resource is answered once both writes succeeded. Every broker, this one included,
 *     applies the change when its listener sees the notification.
 */
#include <ctype.h>
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

#define KC_TOPIC_NAME_MAX 249 /* Kafka's Topic.MAX_NAME_LENGTH, as kc_topic_name_valid */

typedef struct alter_ctx {
    kc_request *req;
    kc_alter_configs_resp resp;
    bool validate_only;
    int pending;
} alter_ctx;

typedef struct alter_slot {
    alter_ctx *ctx;
    kc_alter_configs_resource_response *out;
    kc_cfg_kvs kvs; /* malloc'd; freed when the resource is answered */
    kc_str resource_name;
    char name[sizeof("topics/") + KC_TOPIC_NAME_MAX]; /* "topics/<t>" or "brokers/<id>" */
} alter_slot;

static void maybe_respond(alter_ctx *ctx)
{
    if (--ctx->pending > 0)
        return;
    kc_alter_configs_resp_encode(&ctx->req->out, ctx->req->hdr.api_version, &ctx->resp);
    kc_request_respond(ctx->req); /* frees the arena that holds ctx */
}

static void set_result(alter_ctx *ctx, kc_alter_configs_resource_response *out, int16_t err,
                       const char *msg)
{
    out->error_code = err;
    out->error_message =
        msg ? kc_str_c(kc_arena_strndup(&ctx->req->arena, msg, strlen(msg))) : KC_STR_NULL;
}

/* An asynchronous resource is finished. */
static void slot_done(alter_slot *slot, int16_t err, const char *msg)
{
    alter_ctx *ctx = slot->ctx;
    set_result(ctx, slot->out, err, msg);
    kc_cfg_kvs_free(&slot->kvs);
    maybe_respond(ctx);
}

static void on_written(int16_t err, const char *msg, void *arg)
{
    alter_slot *slot = arg;
    if (err == KC_ERR_NONE) {
        char *summary = kc_cfg_kvs_summary(&slot->kvs);
        kc_info("CONFIG", "updated %s with new configuration: %s", slot->name, summary);
        free(summary);
    }
    slot_done(slot, err, msg);
}

static void on_topic_exists(const kc_zk_result *res, void *arg)
{
    alter_slot *slot = arg;
    alter_ctx *ctx = slot->ctx;
    kc_broker *b = ctx->req->broker;
    const char *topic = slot->name + strlen("topics/");
    char msg[1024];
    if (res->rc == ZNONODE) {
        snprintf(msg, sizeof(msg), "The topic '%s' does not exist.", topic);
        slot_done(slot, KC_ERR_UNKNOWN_TOPIC_OR_PARTITION, msg);
        return;
    }
    if (res->rc != ZOK) {
        kc_warn("CONFIG", "reading /brokers/topics/%s failed: %s", topic, zerror(res->rc));
        slot_done(slot, KC_ERR_UNKNOWN_SERVER_ERROR, NULL);
        return;
    }
    int16_t err = kc_cfg_topic_validate(&slot->kvs, b->cfg, slot->resource_name, msg, sizeof(msg));
    if (err != KC_ERR_NONE || ctx->validate_only) {
        slot_done(slot, err, err ? msg : NULL);
        return;
    }
    kc_config_changes_write(b, "topics", topic, &slot->kvs, on_written, slot);
}

/* @return true when the resource was started asynchronously (slot owns kvs then). */
static bool alter_topic(alter_ctx *ctx, alter_slot *slot)
{
    kc_str name = slot->resource_name;
    if (!kc_topic_name_valid(name)) { /* not in the metadata cache, so: unknown */
        char msg[400];
        snprintf(msg, sizeof(msg), "The topic '%.*s' does not exist.",
                 name.len > 0 ? (int)(name.len > 300 ? 300 : name.len) : 0, name.p ? name.p : "");
        set_result(ctx, slot->out, KC_ERR_UNKNOWN_TOPIC_OR_PARTITION, msg);
        return false;
    }
    int n = snprintf(slot->name, sizeof(slot->name), "topics/%.*s", (int)name.len, name.p);
    char path[sizeof("/brokers/topics/") + KC_TOPIC_NAME_MAX];
    int m = snprintf(path, sizeof(path), "/brokers/topics/%.*s", (int)name.len, name.p);
    if (n < 0 || (size_t)n >= sizeof(slot->name) || m < 0 || (size_t)m >= sizeof(path))
        kc_fatal("alter_configs: a valid topic name does not fit its path");
    ctx->pending++;
    kc_zk_aget(ctx->req->broker->zk, path, 0, on_topic_exists, slot);
    return true;
}

static bool alter_broker(alter_ctx *ctx, alter_slot *slot)
{
    kc_broker *b = ctx->req->broker;
    kc_str name = slot->resource_name;
    char msg[1024];
    const char *entity = KC_CFG_DEFAULT_ENTITY;
    char id[32];
    if (name.len > 0) {
        int32_t v;
        if (kc_cfg_broker_id_parse(name, &v)) {
            snprintf(msg, sizeof(msg), "Broker id must be an integer, but it is: %.*s",
                     (int)name.len, name.p);
            set_result(ctx, slot->out, KC_ERR_INVALID_REQUEST, msg);
            return false;
        }
        if (v != b->cfg->broker_id) {
            snprintf(msg, sizeof(msg), "Unexpected broker id, expected %d, but received %.*s",
                     b->cfg->broker_id, (int)name.len, name.p);
            set_result(ctx, slot->out, KC_ERR_INVALID_REQUEST, msg);
            return false;
        }
        snprintf(id, sizeof(id), "%d", b->cfg->broker_id);
        entity = id;
    }
    int16_t err = kc_cfg_broker_validate(&slot->kvs, b->cfg, name, msg, sizeof(msg));
    if (err != KC_ERR_NONE || ctx->validate_only) {
        set_result(ctx, slot->out, err, err ? msg : NULL);
        return false;
    }
    snprintf(slot->name, sizeof(slot->name), "brokers/%s", entity);
    ctx->pending++;
    kc_config_changes_write(b, "brokers", entity, &slot->kvs, on_written, slot);
    return true;
}

void kc_handle_alter_configs(kc_request *req)
{
    kc_alter_configs_req r;
    if (kc_alter_configs_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed AlterConfigs request");
        return;
    }
    alter_ctx *ctx = kc_arena_alloc(&req->arena, sizeof(*ctx));
    ctx->req = req;
    ctx->validate_only = r.validate_only;
    ctx->resp.responses_count = r.resources_count;
    ctx->resp.responses =
        kc_arena_alloc(&req->arena, sizeof(*ctx->resp.responses) * (size_t)(r.resources_count + 1));
    ctx->pending = 1; /* held until every resource has been started */
    for (int32_t i = 0; i < r.resources_count; i++) {
        const kc_alter_configs_resource *res = &r.resources[i];
        kc_alter_configs_resource_response *out = &ctx->resp.responses[i];
        out->resource_type = res->resource_type;
        out->resource_name = res->resource_name;
        out->error_code = KC_ERR_NONE;
        out->error_message = KC_STR_NULL;
        char nulls[512];
        size_t at = 0;
        nulls[0] = '\0';
        for (int32_t k = 0; k < res->configs_count; k++)
            if (res->configs[k].value.len < 0 && at < sizeof(nulls))
                at += (size_t)snprintf(nulls + at, sizeof(nulls) - at, "%s%.*s", at ? "," : "",
                                       (int)res->configs[k].name.len, res->configs[k].name.p);
        if (at) {
            char msg[600];
            snprintf(msg, sizeof(msg), "Null value not supported for : %s", nulls);
            set_result(ctx, out, KC_ERR_INVALID_REQUEST, msg);
            continue;
        }
        if (res->resource_type != KC_CFG_RESOURCE_TOPIC &&
            res->resource_type != KC_CFG_RESOURCE_BROKER) {
            char msg[200];
            snprintf(msg, sizeof(msg),
                     "AlterConfigs is only supported for topics and brokers, but resource type "
                     "is %s",
                     kc_cfg_resource_type_name(res->resource_type));
            set_result(ctx, out, KC_ERR_INVALID_REQUEST, msg);
            continue;
        }
        /* KafkaApis: Topic:ALTER_CONFIGS, or Cluster:ALTER_CONFIGS for a broker */
        if (res->resource_type == KC_CFG_RESOURCE_TOPIC
                ? !kc_authorized(req, KC_OP_ALTER_CONFIGS, KC_RES_TOPIC, res->resource_name)
                : !kc_authorized_cluster(req, KC_OP_ALTER_CONFIGS)) {
            set_result(ctx, out,
                       res->resource_type == KC_CFG_RESOURCE_TOPIC
                           ? KC_ERR_TOPIC_AUTHORIZATION_FAILED
                           : KC_ERR_CLUSTER_AUTHORIZATION_FAILED,
                       NULL);
            continue;
        }
        alter_slot *slot = kc_arena_alloc(&req->arena, sizeof(*slot));
        slot->ctx = ctx;
        slot->out = out;
        slot->resource_name = res->resource_name;
        for (int32_t k = 0; k < res->configs_count; k++) {
            char *n = kc_arena_strndup(&req->arena, res->configs[k].name.p,
                                       (size_t)res->configs[k].name.len);
            kc_str val = res->configs[k].value;
            while (val.len > 0 && isspace((unsigned char)val.p[0]))
                val.p++, val.len--;
            while (val.len > 0 && isspace((unsigned char)val.p[val.len - 1]))
                val.len--;
            /* stored trimmed: Kafka's parsers trim, cafka's apply path does not */
            char *v = kc_arena_strndup(&req->arena, val.p, (size_t)val.len);
            kc_cfg_kvs_set(&slot->kvs, n, v); /* a repeated name: the last one wins */
        }
        bool started = res->resource_type == KC_CFG_RESOURCE_TOPIC ? alter_topic(ctx, slot)
                                                                   : alter_broker(ctx, slot);
        if (!started)
            kc_cfg_kvs_free(&slot->kvs);
    }
    maybe_respond(ctx);
}
