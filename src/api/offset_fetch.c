/* OffsetFetch (9, v1-7; flexible from v6): decoded here, answered by the group coordinator
 * (group/coordinator.h). Authorization (KafkaApis.handleOffsetFetchRequest): Group:DESCRIBE,
 * else GROUP_AUTHORIZATION_FAILED (top-level from v2, on every listed partition in v1); then
 * Topic:DESCRIBE: a listed partition of a refused topic answers TOPIC_AUTHORIZATION_FAILED with
 * offset -1, an all-partitions request (v2+, null topics) leaves refused topics out. */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_offset_fetch(kc_request *req)
{
    int16_t v = req->hdr.api_version;
    kc_offset_fetch_req r;
    if (kc_offset_fetch_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed OffsetFetch request");
        return;
    }
    if (!kc_authorized(req, KC_OP_DESCRIBE, KC_RES_GROUP, r.group_id)) {
        /* Kafka's getErrorResponse: v2+ the error alone, v1 on every partition (offset -1) */
        kc_offset_fetch_resp resp = {0};
        int32_t nt = v >= 2 || r.topics_count < 0 ? 0 : r.topics_count;
        resp.error_code = KC_ERR_GROUP_AUTHORIZATION_FAILED;
        resp.topics_count = nt;
        resp.topics = kc_arena_alloc(&req->arena, sizeof(*resp.topics) * (size_t)(nt + 1));
        for (int32_t i = 0; i < nt; i++) {
            const kc_offset_fetch_request_topic *t = &r.topics[i];
            kc_offset_fetch_response_topic *o = &resp.topics[i];
            o->name = t->name;
            o->partitions_count = t->partition_indexes_count > 0 ? t->partition_indexes_count : 0;
            o->partitions = kc_arena_alloc(&req->arena, sizeof(*o->partitions) *
                                                            (size_t)(o->partitions_count + 1));
            for (int32_t j = 0; j < o->partitions_count; j++)
                o->partitions[j] = (kc_offset_fetch_response_partition){
                    t->partition_indexes[j], -1, -1, kc_str_c(""),
                    KC_ERR_GROUP_AUTHORIZATION_FAILED};
        }
        kc_offset_fetch_resp_encode(&req->out, v, &resp);
        kc_request_respond(req);
        return;
    }
    kc_coord_offset_fetch(req, &r, kc_authz_topic_describe);
}
