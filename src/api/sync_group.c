/* SyncGroup (14, v0-5; flexible from v4): decoded here, answered by the group coordinator
 * (group/coordinator.h). */
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"

void kc_handle_sync_group(kc_request *req)
{
    kc_sync_group_req r;
    if (kc_sync_group_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed SyncGroup request");
        return;
    }
    kc_coord_sync_group(req, &r);
}
