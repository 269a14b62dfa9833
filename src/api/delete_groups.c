/* DeleteGroups (42, v0-2; flexible from v2): decoded here, answered by the group coordinator
 * (group/coordinator.h). Authorization (KafkaApis.handleDeleteGroupsRequest): Group:DELETE per
 * group, else GROUP_AUTHORIZATION_FAILED for it.
 */
#include "api/authz.h"
#include "api/dispatch.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_delete_groups(kc_request *req)
{
    kc_delete_groups_req r;
    if (kc_delete_groups_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed DeleteGroups request");
        return;
    }
    kc_coord_delete_groups(req, &r, kc_authz_group_delete);
}
