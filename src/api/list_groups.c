/* ListGroups (16), v0-4 (flexible from v3; v4 filters by state): the groups this broker coordinates
 * (group/coordinator.h). Authorization (KafkaApis.handleListGroupsRequest): Cluster:DESCRIBE lists
 * every group, otherwise only the groups that may be described; never an error. */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_list_groups(kc_request *req)
{
    kc_list_groups_req r;
    if (kc_list_groups_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed ListGroups request");
        return;
    }
    kc_coord_list_groups(
        req, &r, kc_authorized_cluster(req, KC_OP_DESCRIBE) ? NULL : kc_authz_group_describe);
}
