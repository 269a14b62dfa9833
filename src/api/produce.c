/*
 * Produce (0), v3-7. Each partition's records are validated whole (proto/records.c) before
 * anything is appended; a rejected batch gets its error code and leaves the log untouched.
 * acks=0 gets no response; when such a request fails, the connection is closed instead, which is
 * how Kafka tells an acks=0 producer (it has no response to read an error from).
 * With one replica per partition the ISR is this broker alone, so acks=-1 completes at once
 * unless min.insync.replicas asks for more (NOT_ENOUGH_REPLICAS). When flush.messages is
 * reached the response waits for the fsync on a worker, as Kafka acknowledges only after it.
 */
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/log_manager.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "proto/records.h"

#include <string.h>

/* The response waits for fsyncs when flush.messages asks for them before the acknowledgement. */
typedef struct produce_ctx {
    kc_request *req;
    kc_produce_resp resp;
    int pending; /* flushes still running, +1 while partitions are being appended */
} produce_ctx;

typedef struct flush_slot {
    produce_ctx *ctx;
    kc_produce_partition_response *pr;
} flush_slot;

static void produce_maybe_respond(produce_ctx *ctx)
{
    if (--ctx->pending > 0)
        return;
    kc_produce_resp_encode(&ctx->req->out, ctx->req->hdr.api_version, &ctx->resp);
    kc_request_respond(ctx->req); /* frees the arena holding ctx */
}

static void on_flushed(void *arg, bool ok)
{
    flush_slot *slot = arg;
    if (!ok) { /* appended but not durable as asked: the client must not count on it */
        slot->pr->error_code = KC_ERR_KAFKA_STORAGE_ERROR;
        slot->pr->base_offset = -1;
    }
    produce_maybe_respond(slot->ctx);
}

static int16_t produce_partition(kc_broker *b, kc_str name, const kc_produce_partition *pd,
                                 int16_t acks, int16_t v, kc_produce_partition_response *out,
                                 produce_ctx *ctx)
{
    out->index = pd->index;
    out->base_offset = -1;
    out->log_append_time_ms = -1;
    out->log_start_offset = -1;
    int16_t err;
    kc_partition *p = kc_broker_leader_partition(b, name, pd->index, &err);
    if (!p)
        return err;
    kc_topic *t = p->topic;
    out->log_start_offset = kc_plog_log_start_offset(p->log);
    if (pd->records.len <= 0)
        return KC_ERR_INVALID_RECORD;
    kc_batch_header h;
    err = (int16_t)kc_records_validate_produce(pd->records.p, pd->records.len,
                                               t->log_config.max_message_bytes, &h);
    if (err)
        return err;
    if (t->log_config.cleanup_compact &&
        kc_batch_has_null_key(pd->records.p, (size_t)pd->records.len, &h))
        return KC_ERR_INVALID_RECORD;
    if (v < 7 && (h.attributes & KC_ATTR_CODEC_MASK) == 4)
        return KC_ERR_UNSUPPORTED_COMPRESSION_TYPE; /* zstd needs Produce v7 (KIP-110) */
    if (acks == -1 && b->cfg->min_insync_replicas > 1)
        return KC_ERR_NOT_ENOUGH_REPLICAS;
    /* the frame is ours: fix MaxTimestamp and stamp BaseOffset/PartitionLeaderEpoch in place */
    kc_batch_fix_max_timestamp((uint8_t *)pd->records.p, (size_t)pd->records.len, &h);
    int64_t base;
    bool rolled;
    int rc = kc_plog_append(p->log, (uint8_t *)pd->records.p, (size_t)pd->records.len,
                            p->leader_epoch, kc_now_ms(), &base, &rolled);
    if (rc) {
        kc_error("STORAGE", "append to %s-%d failed: %s", t->name, p->id, strerror(-rc));
        return KC_ERR_KAFKA_STORAGE_ERROR;
    }
    out->base_offset = base;
    /* Kafka fsyncs inside the append when flush.messages is reached, before it answers */
    if (ctx && kc_plog_unflushed_messages(p->log) >= t->log_config.flush_messages) {
        flush_slot *slot = kc_arena_alloc(&ctx->req->arena, sizeof(*slot));
        slot->ctx = ctx;
        slot->pr = out;
        ctx->pending++;
        kc_log_manager_flush_then(b, p, base + h.record_count, on_flushed, slot);
    }
    kc_log_manager_after_append(b, p, rolled);
    kc_broker_on_append(b, p);
    return KC_ERR_NONE;
}

void kc_handle_produce(kc_request *req)
{
    kc_broker *b = req->broker;
    int16_t v = req->hdr.api_version;
    kc_produce_req r;
    if (kc_produce_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed Produce request");
        return;
    }
    bool acks_ok = r.acks == -1 || r.acks == 0 || r.acks == 1;
    bool failed = false;
    produce_ctx *ctx = kc_arena_alloc(&req->arena, sizeof(*ctx));
    ctx->req = req;
    ctx->pending = 1;
    kc_produce_resp resp = {0};
    resp.responses_count = r.topic_data_count;
    resp.responses =
        kc_arena_alloc(&req->arena, sizeof(*resp.responses) * (size_t)(r.topic_data_count + 1));
    for (int32_t i = 0; i < r.topic_data_count; i++) {
        const kc_produce_topic *td = &r.topic_data[i];
        kc_produce_topic_response *tr = &resp.responses[i];
        tr->name = td->name;
        tr->partition_responses_count = td->partition_data_count;
        tr->partition_responses = kc_arena_alloc(
            &req->arena, sizeof(*tr->partition_responses) * (size_t)(td->partition_data_count + 1));
        for (int32_t j = 0; j < td->partition_data_count; j++) {
            kc_produce_partition_response *pr = &tr->partition_responses[j];
            if (!acks_ok) {
                *pr = (kc_produce_partition_response){td->partition_data[j].index,
                                                      KC_ERR_INVALID_REQUIRED_ACKS, -1, -1, -1};
            } else {
                pr->error_code = produce_partition(b, td->name, &td->partition_data[j], r.acks, v,
                                                   pr, r.acks == 0 ? NULL : ctx);
            }
            failed |= pr->error_code != KC_ERR_NONE;
        }
    }
    if (r.acks == 0) { /* no response to hold back: flushes still run, on the after-append path */
        if (failed) {
            kc_request_protocol_error(req, "acks=0 produce failed");
            return;
        }
        kc_request_finish_silently(req);
        return;
    }
    ctx->resp = resp;
    produce_maybe_respond(ctx);
}
