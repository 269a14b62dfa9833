/*
 * DeleteRecords (21), v0-1 (KIP-107): raise a partition's log start offset. offset -1 means the
 * high watermark; an offset above it (or below -1) gets OFFSET_OUT_OF_RANGE. The low watermark
 * answered is the new log start offset; whole segments below it are deleted by the retention
 * pass run right after, and a Fetch below it gets OFFSET_OUT_OF_RANGE from then on. A topic the
 * principal may not DELETE gets TOPIC_AUTHORIZATION_FAILED on every partition (KafkaApis).
 */
#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/log_manager.h"
#include "kc_apis.h"
#include "proto/errors.h"

static void delete_partition(kc_broker *b, kc_str topic, const kc_delete_records_partition *in,
                             kc_delete_records_partition_result *out)
{
    out->partition_index = in->partition_index;
    out->low_watermark = -1;
    kc_partition *p = kc_broker_leader_partition(b, topic, in->partition_index, &out->error_code);
    if (!p)
        return;
    int64_t hw = p->high_watermark;
    int64_t target = in->offset == -1 ? hw : in->offset;
    if (target < 0 || target > hw) {
        out->error_code = KC_ERR_OFFSET_OUT_OF_RANGE;
        return;
    }
    out->low_watermark = kc_plog_delete_records(p->log, target);
    kc_log_manager_retention(b, p);
}

void kc_handle_delete_records(kc_request *req)
{
    kc_broker *b = req->broker;
    kc_delete_records_req r;
    if (kc_delete_records_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed DeleteRecords request");
        return;
    }
    kc_delete_records_resp resp = {0};
    resp.topics_count = r.topics_count;
    resp.topics = kc_arena_alloc(&req->arena, sizeof(*resp.topics) * (size_t)(r.topics_count + 1));
    for (int32_t i = 0; i < r.topics_count; i++) {
        const kc_delete_records_topic *in = &r.topics[i];
        kc_delete_records_topic_result *out = &resp.topics[i];
        out->name = in->name;
        out->partitions_count = in->partitions_count;
        out->partitions = kc_arena_alloc(&req->arena, sizeof(*out->partitions) *
                                                          (size_t)(in->partitions_count + 1));
        bool allowed = kc_authorized(req, KC_OP_DELETE, KC_RES_TOPIC, in->name);
        for (int32_t j = 0; j < in->partitions_count; j++)
            if (allowed)
                delete_partition(b, in->name, &in->partitions[j], &out->partitions[j]);
            else
                out->partitions[j] = (kc_delete_records_partition_result){
                    in->partitions[j].partition_index, -1, KC_ERR_TOPIC_AUTHORIZATION_FAILED};
    }
    kc_delete_records_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}
