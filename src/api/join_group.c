/* JoinGroup (11, v0-7; flexible from v6): decoded here, answered by the group coordinator
 * (group/coordinator.h). Authorization (KafkaApis.handleJoinGroupRequest): Group:READ, else
 * GROUP_AUTHORIZATION_FAILED before the coordinator sees the request. */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_join_group(kc_request *req)
{
    kc_join_group_req r;
    if (kc_join_group_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed JoinGroup request");
        return;
    }
    if (!kc_authorized(req, KC_OP_READ, KC_RES_GROUP, r.group_id)) {
        /* Kafka's JoinGroupResult(UNKNOWN_MEMBER_ID, error): no protocol (null from v7) */
        kc_join_group_resp resp = {.error_code = KC_ERR_GROUP_AUTHORIZATION_FAILED,
                                   .generation_id = -1,
                                   .protocol_type = KC_STR_NULL,
                                   .protocol_name =
                                       req->hdr.api_version >= 7 ? KC_STR_NULL : kc_str_c(""),
                                   .leader = kc_str_c(""),
                                   .member_id = kc_str_c("")};
        kc_join_group_resp_encode(&req->out, req->hdr.api_version, &resp);
        kc_request_respond(req);
        return;
    }
    kc_coord_join_group(req, &r);
}
