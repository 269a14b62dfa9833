/*
 * ListOffsets (2), v1-3. -1 (latest) answers the high watermark (also the last stable offset:
 * there are no transactions), -2 (earliest) the log start offset, a timestamp the first offset
 * whose timestamp is >= it, or -1/-1 when there is none. When the exact record cannot be
 * determined the partition gets an error rather than a guessed offset. A topic the principal
 * may not DESCRIBE gets TOPIC_AUTHORIZATION_FAILED on every partition (KafkaApis).
 */
#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "kc_apis.h"
#include "proto/errors.h"

static void list_partition(kc_broker *b, kc_str topic, const kc_list_offsets_partition *in,
                           kc_list_offsets_partition_response *out)
{
    out->partition_index = in->partition_index;
    out->timestamp = -1;
    out->offset = -1;
    kc_partition *p = kc_broker_leader_partition(b, topic, in->partition_index, &out->error_code);
    if (!p)
        return;
    int64_t hw = p->high_watermark;
    out->error_code = KC_ERR_NONE;
    if (in->timestamp == -1) {
        out->offset = hw;
    } else if (in->timestamp == -2) {
        out->offset = kc_plog_log_start_offset(p->log);
    } else if (in->timestamp < 0) {
        out->error_code = KC_ERR_INVALID_REQUEST;
    } else if (kc_plog_offset_for_timestamp(p->log, in->timestamp, hw, &out->offset,
                                            &out->timestamp)) {
        out->offset = out->timestamp = -1;
        out->error_code = KC_ERR_UNKNOWN_SERVER_ERROR;
    }
}

void kc_handle_list_offsets(kc_request *req)
{
    kc_broker *b = req->broker;
    int16_t v = req->hdr.api_version;
    kc_list_offsets_req r;
    if (kc_list_offsets_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed ListOffsets request");
        return;
    }
    kc_list_offsets_resp resp = {0};
    resp.topics_count = r.topics_count;
    resp.topics = kc_arena_alloc(&req->arena, sizeof(*resp.topics) * (size_t)(r.topics_count + 1));
    for (int32_t i = 0; i < r.topics_count; i++) {
        const kc_list_offsets_topic *in = &r.topics[i];
        kc_list_offsets_topic_response *out = &resp.topics[i];
        out->name = in->name;
        out->partitions_count = in->partitions_count;
        out->partitions = kc_arena_alloc(&req->arena, sizeof(*out->partitions) *
                                                          (size_t)(in->partitions_count + 1));
        bool allowed = kc_authorized(req, KC_OP_DESCRIBE, KC_RES_TOPIC, in->name);
        for (int32_t j = 0; j < in->partitions_count; j++) {
            if (allowed)
                list_partition(b, in->name, &in->partitions[j], &out->partitions[j]);
            else
                out->partitions[j] = (kc_list_offsets_partition_response){
                    .partition_index = in->partitions[j].partition_index,
                    .error_code = KC_ERR_TOPIC_AUTHORIZATION_FAILED,
                    .timestamp = -1,
                    .offset = -1};
        }
    }
    kc_list_offsets_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
