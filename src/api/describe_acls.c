/*
 * DescribeAcls (29), v0-2 (v2 flexible), as Kafka 2.8's KafkaApis.handleDescribeAcls answers it:
 * DESCRIBE on the Cluster is checked by the dispatcher (apis.spec); without an authorizer the
 * answer is SECURITY_DISABLED; a filter with an UNKNOWN element is INVALID_REQUEST; otherwise
 * every binding of the ACL cache the filter matches, grouped by resource pattern in the cache's
 * order (kc_acl_store_find).
 */
#include <stdlib.h>
#include <string.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/acls.h"
#include "kc_apis.h"
#include "proto/errors.h"

/* A request's nullable string as a borrowed C string in the arena (NULL stays NULL). */
static const char *cstr(kc_request *req, kc_str s)
{
    return s.len < 0 ? NULL : kc_arena_strndup(&req->arena, s.p ? s.p : "", (size_t)s.len);
}

void kc_handle_describe_acls(kc_request *req)
{
    int16_t v = req->hdr.api_version;
    kc_describe_acls_req r;
    if (kc_describe_acls_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed DescribeAcls request");
        return;
    }
    kc_describe_acls_resp resp = {.error_message = KC_STR_NULL};
    kc_acl_filter f = {r.resource_type_filter,   cstr(req, r.resource_name_filter),
                       r.pattern_type_filter,    cstr(req, r.principal_filter),
                       cstr(req, r.host_filter), r.operation,
                       r.permission_type};
    const char *invalid = kc_acl_filter_invalid(&f);
    if (!kc_authorizer_enabled(req)) {
        resp.error_code = KC_ERR_SECURITY_DISABLED;
        resp.error_message = kc_str_c("No Authorizer is configured on the broker");
    } else if (invalid) {
        resp.error_code = KC_ERR_INVALID_REQUEST;
        resp.error_message = kc_str_c(invalid);
    } else {
        kc_acl_binding *found = NULL;
        int n = kc_acl_store_find(kc_acls_store(req->broker), &f, &found);
        resp.resources = kc_arena_alloc(&req->arena, sizeof(*resp.resources) * (size_t)(n + 1));
        kc_acl_description *acls = kc_arena_alloc(&req->arena, sizeof(*acls) * (size_t)(n + 1));
        for (int i = 0; i < n; i++) {
            const kc_acl_pattern *p = found[i].pattern;
            if (i == 0 || found[i - 1].pattern != p) {
                kc_describe_acls_resource *res = &resp.resources[resp.resources_count++];
                res->resource_type = (int8_t)p->resource_type;
                res->resource_name =
                    kc_str_c(kc_arena_strndup(&req->arena, p->name, strlen(p->name)));
                res->pattern_type = (int8_t)p->pattern_type;
                res->acls = &acls[i];
            }
            const kc_acl_entry *e = found[i].entry;
            acls[i] = (kc_acl_description){
                kc_str_c(kc_arena_strndup(&req->arena, e->principal, strlen(e->principal))),
                kc_str_c(kc_arena_strndup(&req->arena, e->host, strlen(e->host))), (int8_t)e->op,
                (int8_t)e->perm};
            resp.resources[resp.resources_count - 1].acls_count++;
        }
        free(found);
    }
    kc_describe_acls_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
