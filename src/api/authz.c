/* Per-request authorization over broker/acls.h (see authz.h). */
#include "api/authz.h"

#include <string.h>

#include "broker/acls.h"
#include "broker/broker.h"
#include "common/log.h"
#include "kc_apis.h"

static void log_denied(kc_request *req, int op, int resource_type, const char *name)
{
    static kc_log_limit limit;
    int dropped;
    if (!kc_log_allow(&limit, 1000, &dropped))
        return;
    char safe[300];
    const kc_api_info *api = kc_api_find(req->hdr.api_key);
    kc_info("AUTHZ",
            "Principal = %s is Denied Operation = %s from host = %s on resource = %s:%s for "
            "request = %s (%d more not logged)",
            kc_request_principal(req), kc_acl_op_name(op), kc_request_host(req),
            kc_acl_resource_name(resource_type),
            kc_log_escape(name, (int)strlen(name), safe, sizeof(safe)), api ? api->name : "?",
            dropped);
}

static bool authorized_c(kc_request *req, int op, int resource_type, const char *name)
{
    if (!req->broker->acls)
        return true;
    if (kc_acls_authorize(req->broker, kc_request_principal(req), kc_request_host(req), op,
                          resource_type, name))
        return true;
    log_denied(req, op, resource_type, name);
    return false;
}

bool kc_authorized(kc_request *req, int op, int resource_type, kc_str name)
{
    if (!req->broker->acls)
        return true;
    /* ACLs name NUL-free strings: a name holding a NUL would be judged by its prefix */
    if (name.len > 0 && memchr(name.p, 0, (size_t)name.len)) {
        log_denied(req, op, resource_type, "(a name holding a NUL byte)");
        return false;
    }
    const char *c =
        kc_arena_strndup(&req->arena, name.p ? name.p : "", name.len > 0 ? (size_t)name.len : 0);
    return authorized_c(req, op, resource_type, c);
}

bool kc_authorized_cluster(kc_request *req, int op)
{
    return authorized_c(req, op, KC_RES_CLUSTER, KC_ACL_CLUSTER_NAME);
}

bool kc_authorized_any(kc_request *req, int op, int resource_type)
{
    if (!req->broker->acls)
        return true;
    if (kc_acls_authorize_any(req->broker, kc_request_principal(req), kc_request_host(req), op,
                              resource_type))
        return true;
    log_denied(req, op, resource_type, "*");
    return false;
}

bool kc_authorizer_enabled(const kc_request *req)
{
    return req->broker->acls != NULL;
}
