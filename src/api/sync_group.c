/* SyncGroup (14, v0-5; flexible from v4): decoded here, answered by the group coordinator
 * (group/coordinator.h). Authorization (KafkaApis.handleSyncGroupRequest): Group:READ, else
 * GROUP_AUTHORIZATION_FAILED before the coordinator sees the request. */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_sync_group(kc_request *req)
{
    kc_sync_group_req r;
    if (kc_sync_group_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed SyncGroup request");
        return;
    }
    if (!kc_authorized(req, KC_OP_READ, KC_RES_GROUP, r.group_id)) {
        kc_sync_group_resp resp = {.error_code = KC_ERR_GROUP_AUTHORIZATION_FAILED,
                                   .protocol_type = KC_STR_NULL,
                                   .protocol_name = KC_STR_NULL,
                                   .assignment = {(const uint8_t *)"", 0}};
        kc_sync_group_resp_encode(&req->out, req->hdr.api_version, &resp);
        kc_request_respond(req);
        return;
    }
    kc_coord_sync_group(req, &r);
}
