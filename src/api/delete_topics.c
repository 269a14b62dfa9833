/*
 * DeleteTopics (20), v0-3. Only the active controller acts (others: NOT_CONTROLLER). It
 * creates the marker `/admin/delete_topics/<t>` (an existing marker means the deletion is
 * under way already) and the controller's watch does the deletion (StopReplica with delete on
 * every replica, then the znodes). Each topic's result waits, at most timeout_ms, until the
 * topic is gone from the metadata cache (Kafka's DelayedDeleteTopics), else
 * REQUEST_TIMED_OUT. After the controller check, Topic:DELETE, else TOPIC_AUTHORIZATION_FAILED
 * before existence is looked at (KafkaApis.handleDeleteTopicsRequest).
 */
#include <stdio.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/metadata_wait.h"
#include "common/log.h"
#include "controller/controller.h"
#include "kc_apis.h"
#include "proto/errors.h"

typedef struct del_ctx {
    kc_request *req;
    kc_delete_topics_resp resp;
    int pending;
    int32_t timeout_ms;
} del_ctx;

typedef struct del_slot {
    del_ctx *ctx;
    int32_t index;
    char path[600];
} del_slot;

static void maybe_respond(del_ctx *ctx)
{
    if (--ctx->pending > 0)
        return;
    kc_delete_topics_resp_encode(&ctx->req->out, ctx->req->hdr.api_version, &ctx->resp);
    kc_request_respond(ctx->req);
}

static bool gone(kc_broker *b, void *arg)
{
    del_slot *s = arg;
    return !kc_metadata_cache_topic(&b->metadata, s->ctx->resp.responses[s->index].name);
}

static void on_gone(kc_broker *b, bool met, void *arg)
{
    (void)b;
    del_slot *s = arg;
    if (!met)
        s->ctx->resp.responses[s->index].error_code = KC_ERR_REQUEST_TIMED_OUT;
    maybe_respond(s->ctx);
}

static void on_marker(const kc_zk_result *res, void *arg)
{
    del_slot *s = arg;
    kc_deletable_topic_result *out = &s->ctx->resp.responses[s->index];
    if (res->rc != ZOK && res->rc != ZNODEEXISTS) {
        kc_error("TOPIC", "creating %s failed: %s", s->path, zerror(res->rc));
        out->error_code = KC_ERR_UNKNOWN_SERVER_ERROR;
        maybe_respond(s->ctx);
        return;
    }
    kc_info("TOPIC", "topic %.*s marked for deletion", (int)out->name.len, out->name.p);
    kc_metadata_wait(s->ctx->req->broker, s->ctx->timeout_ms, gone, on_gone, s);
}

void kc_handle_delete_topics(kc_request *req)
{
    kc_broker *b = req->broker;
    kc_delete_topics_req r;
    if (kc_delete_topics_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed DeleteTopics request");
        return;
    }
    del_ctx *ctx = kc_arena_alloc(&req->arena, sizeof(*ctx));
    ctx->req = req;
    ctx->timeout_ms = r.timeout_ms;
    ctx->pending = 1;
    ctx->resp.responses_count = r.topic_names_count > 0 ? r.topic_names_count : 0;
    ctx->resp.responses = kc_arena_alloc(&req->arena, sizeof(*ctx->resp.responses) *
                                                          (size_t)(ctx->resp.responses_count + 1));
    bool controller = kc_controller_is_active(b->controller);
    for (int32_t i = 0; i < ctx->resp.responses_count; i++) {
        kc_deletable_topic_result *out = &ctx->resp.responses[i];
        out->name = r.topic_names[i];
        if (!controller)
            out->error_code = KC_ERR_NOT_CONTROLLER;
        else if (!kc_authorized(req, KC_OP_DELETE, KC_RES_TOPIC, out->name))
            out->error_code = KC_ERR_TOPIC_AUTHORIZATION_FAILED; /* before existence: KafkaApis */
        else if (!b->cfg->delete_topic_enable)
            out->error_code = KC_ERR_TOPIC_DELETION_DISABLED;
        else if (!kc_topic_name_valid(out->name) ||
                 !kc_metadata_cache_topic(&b->metadata, out->name))
            out->error_code = KC_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        if (out->error_code)
            continue;
        del_slot *s = kc_arena_alloc(&req->arena, sizeof(*s));
        s->ctx = ctx;
        s->index = i;
        snprintf(s->path, sizeof(s->path), "/admin/delete_topics/%.*s", (int)out->name.len,
                 out->name.p);
        ctx->pending++;
        kc_zk_acreate(b->zk, s->path, NULL, -1, 0, on_marker, s);
    }
    maybe_respond(ctx);
}
