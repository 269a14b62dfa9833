/* DescribeGroups (15, v0-5; flexible from v5): decoded here, answered by the group coordinator
 * (group/coordinator.h). Authorization (KafkaApis.handleDescribeGroupsRequest): Group:DESCRIBE
 * per group, else GROUP_AUTHORIZATION_FAILED for it with no state; v3+ asked for
 * authorized_operations gets READ, DESCRIBE and DELETE as allowed on each group described.
 */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_describe_groups(kc_request *req)
{
    kc_describe_groups_req r;
    if (kc_describe_groups_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed DescribeGroups request");
        return;
    }
    bool with_ops = req->hdr.api_version >= 3 && r.include_authorized_operations;
    kc_coord_describe_groups(req, &r, kc_authz_group_describe,
                             with_ops ? kc_authz_group_ops : NULL);
}
