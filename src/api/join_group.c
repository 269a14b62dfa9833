/* JoinGroup (11, v0-7; flexible from v6): decoded here, answered by the group coordinator
 * (group/coordinator.h). */
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"

void kc_handle_join_group(kc_request *req)
{
    kc_join_group_req r;
    if (kc_join_group_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed JoinGroup request");
        return;
    }
    kc_coord_join_group(req, &r);
}
