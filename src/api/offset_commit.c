/* OffsetCommit (8, v2-8; flexible from v8): decoded here, answered by the group coordinator
 * (group/coordinator.h). Authorization (KafkaApis.handleOffsetCommitRequest): Group:READ, else
 * GROUP_AUTHORIZATION_FAILED on every partition; then Topic:READ per topic, else
 * TOPIC_AUTHORIZATION_FAILED before the partition's existence is looked at. */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_offset_commit(kc_request *req)
{
    kc_offset_commit_req r;
    if (kc_offset_commit_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed OffsetCommit request");
        return;
    }
    if (!kc_authorized(req, KC_OP_READ, KC_RES_GROUP, r.group_id)) {
        kc_offset_commit_resp resp = {0};
        int32_t nt = r.topics_count > 0 ? r.topics_count : 0;
        resp.topics_count = nt;
        resp.topics = kc_arena_alloc(&req->arena, sizeof(*resp.topics) * (size_t)(nt + 1));
        for (int32_t i = 0; i < nt; i++) {
            const kc_offset_commit_request_topic *t = &r.topics[i];
            kc_offset_commit_response_topic *o = &resp.topics[i];
            o->name = t->name;
            o->partitions_count = t->partitions_count > 0 ? t->partitions_count : 0;
            o->partitions = kc_arena_alloc(&req->arena, sizeof(*o->partitions) *
                                                            (size_t)(o->partitions_count + 1));
            for (int32_t j = 0; j < o->partitions_count; j++)
                o->partitions[j] = (kc_offset_commit_response_partition){
                    t->partitions[j].partition_index, KC_ERR_GROUP_AUTHORIZATION_FAILED};
        }
        kc_offset_commit_resp_encode(&req->out, req->hdr.api_version, &resp);
        kc_request_respond(req);
        return;
    }
    kc_coord_offset_commit(req, &r, kc_authz_topic_read);
}
