/* OffsetFetch (9, v1-7; flexible from v6): decoded here, answered by the group coordinator
 * (group/coordinator.h). */
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"

void kc_handle_offset_fetch(kc_request *req)
{
    kc_offset_fetch_req r;
    if (kc_offset_fetch_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed OffsetFetch request");
        return;
    }
    kc_coord_offset_fetch(req, &r);
}
