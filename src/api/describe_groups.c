/* DescribeGroups (15, v0-5; flexible from v5): decoded here, answered by the group coordinator
 * (group/coordinator.h).
 */
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"

void kc_handle_describe_groups(kc_request *req)
{
    kc_describe_groups_req r;
    if (kc_describe_groups_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed DescribeGroups request");
        return;
    }
    kc_coord_describe_groups(req, &r);
}
