/* Heartbeat (12, v0-4; flexible from v4): decoded here, answered by the group coordinator
 * (group/coordinator.h). Authorization (KafkaApis.handleHeartbeatRequest): Group:READ, else
 * GROUP_AUTHORIZATION_FAILED before the coordinator sees the request. */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_heartbeat(kc_request *req)
{
    kc_heartbeat_req r;
    if (kc_heartbeat_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed Heartbeat request");
        return;
    }
    if (!kc_authorized(req, KC_OP_READ, KC_RES_GROUP, r.group_id)) {
        kc_heartbeat_resp resp = {0, KC_ERR_GROUP_AUTHORIZATION_FAILED};
        kc_heartbeat_resp_encode(&req->out, req->hdr.api_version, &resp);
        kc_request_respond(req);
        return;
    }
    kc_coord_heartbeat(req, &r);
}
