/* OffsetDelete (47, v0): decoded here, answered by the group coordinator (group/coordinator.h).
 * Authorization (KafkaApis.handleOffsetDeleteRequest): Group:DELETE, else
 * GROUP_AUTHORIZATION_FAILED alone; then Topic:READ per topic, else TOPIC_AUTHORIZATION_FAILED
 * before the partition's existence is looked at. */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_offset_delete(kc_request *req)
{
    kc_offset_delete_req r;
    if (kc_offset_delete_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed OffsetDelete request");
        return;
    }
    if (!kc_authorized(req, KC_OP_DELETE, KC_RES_GROUP, r.group_id)) {
        kc_offset_delete_resp resp = {.error_code = KC_ERR_GROUP_AUTHORIZATION_FAILED};
        kc_offset_delete_resp_encode(&req->out, req->hdr.api_version, &resp);
        kc_request_respond(req);
        return;
    }
    kc_coord_offset_delete(req, &r, kc_authz_topic_read);
}
