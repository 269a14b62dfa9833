/* Heartbeat (12, v0-4; flexible from v4): decoded here, answered by the group coordinator
 * (group/coordinator.h). */
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"

void kc_handle_heartbeat(kc_request *req)
{
    kc_heartbeat_req r;
    if (kc_heartbeat_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed Heartbeat request");
        return;
    }
    kc_coord_heartbeat(req, &r);
}
