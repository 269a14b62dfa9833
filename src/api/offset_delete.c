/* OffsetDelete (47, v0): decoded here, answered by the group coordinator (group/coordinator.h). */
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"

void kc_handle_offset_delete(kc_request *req)
{
    kc_offset_delete_req r;
    if (kc_offset_delete_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed OffsetDelete request");
        return;
    }
    kc_coord_offset_delete(req, &r);
}
