/*
 * Produce (0), v0-7. Each partition's records are validated whole (proto/records.c) before
 * anything is appended; a rejected batch gets its error code and leaves the log untouched.
 * acks=0 gets no response; when such a request fails, the connection is closed instead, which is
 * how Kafka tells an acks=0 producer (it has no response to read an error from).
 * acks=1 answers after the leader's append. acks=-1 (Kafka's DelayedProduce): refused with
 * NOT_ENOUGH_REPLICAS before anything is appended when the ISR is smaller than the topic's
 * min.insync.replicas; otherwise appended, then the answer waits in the purgatory, holding its
 * response but no longer its frame (Kafka's clearPartitionRecords), until the high
 * watermark passes every appended batch (the whole ISR has it), or the request's timeout_ms
 * (REQUEST_TIMED_OUT for partitions still waiting), or leadership is lost
 * (NOT_LEADER_OR_FOLLOWER). A partition whose ISR shrank below min.insync.replicas meanwhile
 * gets NOT_ENOUGH_REPLICAS_AFTER_APPEND (the records stay). When flush.messages is reached the
 * response also waits for the fsync on a worker, as Kafka acknowledges only after it.
 * An idempotent batch (producer id and sequence) is checked against the partition's producer
 * state first (storage/producer_state.h): a retry of one of the producer's last five batches is
 * answered with its original offset and not written again; a gap or an overlap gets
 * OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch INVALID_PRODUCER_EPOCH. A topic whose
 * compression.type names a codec gets its batches in that codec (recompressed when the producer
 * used another), as Kafka's LogValidator does; "producer" keeps them as sent. Produce v0-2 may
 * carry message format v0/v1: it is up-converted to one RecordBatch v2 first
 * (proto/legacy_records.h).
 */
#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/log_manager.h"
#include "broker/purgatory.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/compression.h"
#include "proto/errors.h"
#include "proto/legacy_records.h"
#include "proto/records.h"
#include "replica/replica.h"
#include "storage/producer_state.h"

#include <stdlib.h>
#include <string.h>

/* A partition appended with acks=-1, waiting for its high watermark to pass required_offset. */
typedef struct replica_wait {
    kc_partition *p;
    int64_t required_offset; /* last offset appended + 1 */
    kc_produce_partition_response *pr;
    bool done;
} replica_wait;

/* The response waits for fsyncs when flush.messages asks for them before the acknowledgement,
 * and for the ISR with acks=-1. */
typedef struct produce_ctx {
    kc_request *req;
    kc_produce_resp resp;
    int pending; /* flushes still running, the replication wait, +1 while appending */
    replica_wait *waits;
    int n_waits;
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

/* Validates the batch at @p batch (@p len bytes; the frame is ours to rewrite) and appends it
 * to @p p, which this broker leads. */
static int16_t append_batch(kc_broker *b, kc_partition *p, uint8_t *batch, size_t len, int16_t acks,
                            int16_t v, kc_produce_partition_response *out, produce_ctx *ctx)
{
    kc_topic *t = p->topic;
    int16_t err;
    kc_batch_header h;
    err = (int16_t)kc_records_validate_produce(batch, (int32_t)len, t->log_config.max_message_bytes,
                                               &h);
    if (err)
        return err;
    if (t->log_config.cleanup_compact && kc_batch_has_null_key(batch, len, &h))
        return KC_ERR_INVALID_RECORD;
    if (v < 7 && (h.attributes & KC_ATTR_CODEC_MASK) == 4)
        return KC_ERR_UNSUPPORTED_COMPRESSION_TYPE; /* zstd needs Produce v7 (KIP-110) */
    if (acks == -1 && p->n_isr < t->log_config.min_insync_replicas)
        return KC_ERR_NOT_ENOUGH_REPLICAS;
    if (h.producer_id >= 0) {
        const kc_producer_batch *dup;
        kc_producer_append a = {.producer_id = h.producer_id,
                                .epoch = h.producer_epoch,
                                .first_seq = h.base_sequence,
                                .last_seq = kc_producer_last_seq(h.base_sequence, h.record_count)};
        err = kc_producer_state_check(kc_plog_producer_state(p->log), &a, &dup);
        if (err)
            return err;
        if (dup) { /* a retry of an appended batch: its first answer again, nothing written */
            out->base_offset = dup->first_offset;
            out->log_append_time_ms = dup->timestamp;
            if (acks == -1 && ctx)
                ctx->waits[ctx->n_waits++] = (replica_wait){p, dup->last_offset + 1, out, false};
            return KC_ERR_NONE;
        }
    }
    /* the frame is ours: fix MaxTimestamp and stamp BaseOffset/PartitionLeaderEpoch in place */
    uint8_t *rewritten = NULL;
    int target = t->log_config.compression_codec;
    if (target != KC_CODEC_PRODUCER && target != (h.attributes & KC_ATTR_CODEC_MASK)) {
        /* the topic's compression.type names another codec: LogValidator recompresses */
        size_t max_inflate = (size_t)t->log_config.max_message_bytes * KC_BATCH_INFLATE_FACTOR;
        if (kc_batch_recompress(batch, len, &h, target, max_inflate, &rewritten, &len))
            return KC_ERR_CORRUPT_MESSAGE; /* validated already: cannot happen */
        batch = rewritten;
        kc_batch_header_parse(batch, len, &h);
        if (len > (size_t)t->log_config.max_message_bytes) {
            free(rewritten);
            return KC_ERR_MESSAGE_TOO_LARGE;
        }
    }
    kc_batch_fix_max_timestamp(batch, len, &h);
    int64_t base;
    bool rolled;
    int rc = kc_plog_append(p->log, batch, len, p->leader_epoch, kc_now_ms(), &base, &rolled);
    free(rewritten);
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
    if (acks == -1 && ctx) {
        replica_wait *w = &ctx->waits[ctx->n_waits++];
        *w = (replica_wait){p, base + h.last_offset_delta + 1, out, false};
    }
    kc_replica_on_leader_append(b, p);
    return KC_ERR_NONE;
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
    out->log_start_offset = kc_plog_log_start_offset(p->log);
    if (pd->records.len <= 0)
        return KC_ERR_INVALID_RECORD;
    uint8_t *records = (uint8_t *)pd->records.p, *converted = NULL;
    size_t len = (size_t)pd->records.len;
    /* Produce v0-2 may carry message format v0/v1 (the magic sits at the same place in both
     * formats); the log keeps v2 only, as Kafka's LogValidator up-converts */
    if (v < 3 && len > KC_BATCH_OFF_MAGIC && records[KC_BATCH_OFF_MAGIC] < 2) {
        size_t max_inflate =
            (size_t)p->topic->log_config.max_message_bytes * KC_BATCH_INFLATE_FACTOR;
        err = (int16_t)kc_legacy_up_convert(records, len, max_inflate, &converted, &len);
        if (err)
            return err;
        records = converted;
    }
    err = append_batch(b, p, records, len, acks, v, out, ctx);
    free(converted);
    return err;
}

/* Whether a partition's wait is over: answered already, leadership lost, or replicated. Losing
 * leadership ends it at once: becoming a follower checks the purgatory before any truncation
 * could remove the records. */
static bool wait_over(kc_broker *b, const replica_wait *w)
{
    return w->done || kc_replica_append_settled(b, w->p, w->required_offset);
}

/* Settle what can be settled of each waiting partition; true when none waits any more. */
static bool replicas_settled(kc_broker *b, produce_ctx *ctx)
{
    bool all = true;
    for (int i = 0; i < ctx->n_waits; i++) {
        replica_wait *w = &ctx->waits[i];
        if (w->done)
            continue;
        if (!wait_over(b, w)) {
            all = false;
            continue;
        }
        if (!kc_replica_is_leader(b, w->p))
            w->pr->error_code = KC_ERR_NOT_LEADER_OR_FOLLOWER;
        else if (kc_replica_maximal_isr_size(w->p) < w->p->topic->log_config.min_insync_replicas)
            w->pr->error_code = KC_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        w->done = true;
    }
    return all;
}

static bool produce_ready(kc_broker *b, void *arg)
{
    produce_ctx *ctx = arg;
    for (int i = 0; i < ctx->n_waits; i++)
        if (!wait_over(b, &ctx->waits[i]))
            return false;
    return true;
}

static void produce_complete(kc_broker *b, void *arg, bool expired)
{
    produce_ctx *ctx = arg;
    replicas_settled(b, ctx);
    for (int i = 0; i < ctx->n_waits && expired; i++)
        if (!ctx->waits[i].done)
            ctx->waits[i].pr->error_code = KC_ERR_REQUEST_TIMED_OUT;
    produce_maybe_respond(ctx);
}

static const kc_delayed_ops delayed_produce_ops = {produce_ready, produce_complete};

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
    /* KafkaApis.handleProduceRequest: TransactionalId:WRITE when transactional, then
     * Topic:WRITE per topic, before the topic's existence is looked at */
    bool txn_ok = r.transactional_id.len < 0 ||
                  kc_authorized(req, KC_OP_WRITE, KC_RES_TRANSACTIONAL_ID, r.transactional_id);
    produce_ctx *ctx = kc_arena_alloc(&req->arena, sizeof(*ctx));
    ctx->req = req;
    ctx->pending = 1;
    int32_t n_parts = 0;
    for (int32_t i = 0; i < r.topic_data_count; i++)
        n_parts += r.topic_data[i].partition_data_count;
    ctx->waits = kc_arena_alloc(&req->arena, sizeof(*ctx->waits) * (size_t)(n_parts + 1));
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
        int16_t refused = !txn_ok ? KC_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                          : !kc_authorized(req, KC_OP_WRITE, KC_RES_TOPIC, td->name)
                              ? KC_ERR_TOPIC_AUTHORIZATION_FAILED
                              : KC_ERR_NONE;
        for (int32_t j = 0; j < td->partition_data_count; j++) {
            kc_produce_partition_response *pr = &tr->partition_responses[j];
            if (!acks_ok || refused) {
                *pr = (kc_produce_partition_response){
                    td->partition_data[j].index, refused ? refused : KC_ERR_INVALID_REQUIRED_ACKS,
                    -1, -1, -1};
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
    /* even while shutting down: an answer before the ISR has the records would acknowledge what
     * a new leader may not have (the purgatory expires it as REQUEST_TIMED_OUT) */
    if (ctx->n_waits > 0 && !replicas_settled(b, ctx)) {
        ctx->pending++; /* the replication wait, released by produce_complete */
        /* the records are in the log: the wait holds the response alone, not the frame */
        for (int32_t i = 0; i < resp.responses_count; i++) {
            kc_str *name = &ctx->resp.responses[i].name;
            if (name->len >= 0)
                name->p = kc_arena_strndup(&req->arena, name->p, (size_t)name->len);
        }
        kc_request_release_frame(req);
        const void **keys = kc_arena_alloc(&req->arena, sizeof(*keys) * (size_t)ctx->n_waits);
        for (int i = 0; i < ctx->n_waits; i++)
            keys[i] = ctx->waits[i].p;
        kc_purgatory_watch(b->purgatory, keys, ctx->n_waits, r.timeout_ms, &delayed_produce_ops,
                           ctx, req);
    }
    produce_maybe_respond(ctx);
}
