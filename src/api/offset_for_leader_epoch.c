/*
 * OffsetForLeaderEpoch (23), v0-3: where the leader's log ends for a leader epoch, from its epoch
 * cache (Kafka's LeaderEpochFileCache.endOffsetFor). Followers truncate by the answer (KIP-101,
 * KIP-279); KIP-320 consumers detect log truncation with it. Errors in Kafka's order: not hosted
 * (UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER), current_leader_epoch older
 * (FENCED_LEADER_EPOCH) or newer (UNKNOWN_LEADER_EPOCH) than ours, not the leader. Before all:
 * Cluster:CLUSTER_ACTION (replicas), else Topic:DESCRIBE per topic, refused with
 * TOPIC_AUTHORIZATION_FAILED on every partition (KafkaApis).
 */
#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "kc_apis.h"
#include "proto/errors.h"

static void answer(kc_broker *b, kc_str topic, const kc_offset_for_leader_partition *rp,
                   kc_epoch_end_offset *out)
{
    out->partition = rp->partition;
    out->leader_epoch = KC_UNDEFINED_EPOCH;
    out->end_offset = KC_UNDEFINED_EPOCH_OFFSET;
    kc_partition *p = kc_broker_leader_partition(b, topic, rp->partition, &out->error_code);
    if (!p)
        return;
    if (rp->current_leader_epoch >= 0 && rp->current_leader_epoch != p->leader_epoch) {
        out->error_code = rp->current_leader_epoch < p->leader_epoch ? KC_ERR_FENCED_LEADER_EPOCH
                                                                     : KC_ERR_UNKNOWN_LEADER_EPOCH;
        return;
    }
    out->error_code = KC_ERR_NONE;
    kc_epoch_cache_end_offset_for(kc_plog_epoch_cache(p->log), rp->leader_epoch,
                                  kc_plog_log_end_offset(p->log), &out->leader_epoch,
                                  &out->end_offset);
}

void kc_handle_offset_for_leader_epoch(kc_request *req)
{
    kc_broker *b = req->broker;
    int16_t v = req->hdr.api_version;
    kc_offset_for_leader_epoch_req r;
    if (kc_offset_for_leader_epoch_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed OffsetForLeaderEpoch request");
        return;
    }
    kc_offset_for_leader_epoch_resp resp = {0};
    resp.topics_count = r.topics_count > 0 ? r.topics_count : 0;
    resp.topics =
        kc_arena_alloc(&req->arena, sizeof(*resp.topics) * (size_t)(resp.topics_count + 1));
    bool replica = resp.topics_count > 0 && kc_authorized_cluster(req, KC_OP_CLUSTER_ACTION);
    for (int32_t i = 0; i < resp.topics_count; i++) {
        const kc_offset_for_leader_topic *t = &r.topics[i];
        bool allowed = replica || kc_authorized(req, KC_OP_DESCRIBE, KC_RES_TOPIC, t->topic);
        kc_offset_for_leader_topic_result *tr = &resp.topics[i];
        tr->topic = t->topic;
        tr->partitions_count = t->partitions_count > 0 ? t->partitions_count : 0;
        tr->partitions = kc_arena_alloc(&req->arena, sizeof(*tr->partitions) *
                                                         (size_t)(tr->partitions_count + 1));
        for (int32_t j = 0; j < tr->partitions_count; j++)
            if (allowed)
                answer(b, t->topic, &t->partitions[j], &tr->partitions[j]);
            else
                tr->partitions[j] =
                    (kc_epoch_end_offset){.error_code = KC_ERR_TOPIC_AUTHORIZATION_FAILED,
                                          .partition = t->partitions[j].partition,
                                          .leader_epoch = KC_UNDEFINED_EPOCH,
                                          .end_offset = KC_UNDEFINED_EPOCH_OFFSET};
    }
    kc_offset_for_leader_epoch_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
