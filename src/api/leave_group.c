/* LeaveGroup (13, v0-4, flexible from v4; v3+ leaves a batch of members): decoded here, answered by
 * the group coordinator (group/coordinator.h). Authorization (KafkaApis.handleLeaveGroupRequest):
 * Group:READ, else GROUP_AUTHORIZATION_FAILED (no member entries) before the coordinator sees it.
 */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_leave_group(kc_request *req)
{
    kc_leave_group_req r;
    if (kc_leave_group_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed LeaveGroup request");
        return;
    }
    if (!kc_authorized(req, KC_OP_READ, KC_RES_GROUP, r.group_id)) {
        kc_leave_group_resp resp = {.error_code = KC_ERR_GROUP_AUTHORIZATION_FAILED};
        kc_leave_group_resp_encode(&req->out, req->hdr.api_version, &resp);
        kc_request_respond(req);
        return;
    }
    kc_coord_leave_group(req, &r);
}
