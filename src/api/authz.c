/* Per-request authorization over broker/acls.h (see authz.h). */
#include "api/authz.h"

#include <string.h>

#include "broker/acls.h"
#include "broker/broker.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"

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

static int16_t refusal(bool allowed, int resource_type)
{
    return allowed                         ? KC_ERR_NONE
           : resource_type == KC_RES_TOPIC ? KC_ERR_TOPIC_AUTHORIZATION_FAILED
                                           : KC_ERR_GROUP_AUTHORIZATION_FAILED;
}

int16_t kc_authz_topic_read(kc_request *req, kc_str topic)
{
    return refusal(kc_authorized(req, KC_OP_READ, KC_RES_TOPIC, topic), KC_RES_TOPIC);
}

int16_t kc_authz_topic_describe(kc_request *req, kc_str topic)
{
    return refusal(kc_authorized(req, KC_OP_DESCRIBE, KC_RES_TOPIC, topic), KC_RES_TOPIC);
}

int16_t kc_authz_group_describe(kc_request *req, kc_str group)
{
    return refusal(kc_authorized(req, KC_OP_DESCRIBE, KC_RES_GROUP, group), KC_RES_GROUP);
}

int16_t kc_authz_group_delete(kc_request *req, kc_str group)
{
    return refusal(kc_authorized(req, KC_OP_DELETE, KC_RES_GROUP, group), KC_RES_GROUP);
}

int32_t kc_authz_group_ops(kc_request *req, kc_str group)
{
    static const int ops[] = {KC_OP_READ, KC_OP_DESCRIBE, KC_OP_DELETE};
    int32_t bits = 0;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (kc_authorized(req, ops[i], KC_RES_GROUP, group))
            bits |= (int32_t)1 << ops[i];
    return bits;
}

bool kc_authorizer_enabled(const kc_request *req)
{
    return req->broker->acls != NULL;
}
