/* OffsetCommit (8, v2-8; flexible from v8): decoded here, answered by the group coordinator
 * (group/coordinator.h). */
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"

void kc_handle_offset_commit(kc_request *req)
{
    kc_offset_commit_req r;
    if (kc_offset_commit_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed OffsetCommit request");
        return;
    }
    kc_coord_offset_commit(req, &r);
}
