/* LeaveGroup (13, v0-4, flexible from v4; v3+ leaves a batch of members): decoded here, answered by
 * the group coordinator (group/coordinator.h). */
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"

void kc_handle_leave_group(kc_request *req)
{
    kc_leave_group_req r;
    if (kc_leave_group_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed LeaveGroup request");
        return;
    }
    kc_coord_leave_group(req, &r);
}
