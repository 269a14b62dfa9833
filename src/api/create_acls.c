/*
 * CreateAcls (30), v0-2 (v2 flexible), as Kafka 2.8's KafkaApis.handleCreateAcls and
 * AclAuthorizer.createAcls answer it: ALTER on the Cluster, else CLUSTER_AUTHORIZATION_FAILED
 * for every creation; without an authorizer SECURITY_DISABLED for every creation; a creation
 * that is not a storable binding gets INVALID_REQUEST (kc_acl_binding_invalid); the valid ones
 * are grouped by resource pattern and each pattern's znode is rewritten once with its new
 * entries added (broker/acls.h: conditional on the version, then a change notification), every
 * creation of a pattern getting that write's result. Results come in request order.
 */
#include <stdlib.h>
#include <string.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/acls.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"

typedef struct create_op {
    kc_request *req;
    kc_create_acls_req r;
    kc_create_acls_resp resp;
    int *group; /* per creation: the index of the first creation of its pattern, -1 if invalid */
    int pending;
} create_op;

typedef struct pattern_op {
    create_op *op;
    int first; /* the first creation of this pattern */
} pattern_op;

static const char *cstr(kc_request *req, kc_str s)
{
    return kc_arena_strndup(&req->arena, s.p ? s.p : "", s.len > 0 ? (size_t)s.len : 0);
}

static void set_result(create_op *op, int i, int16_t code, const char *msg)
{
    op->resp.results[i].error_code = code;
    op->resp.results[i].error_message =
        msg ? kc_str_c(kc_arena_strndup(&op->req->arena, msg, strlen(msg))) : KC_STR_NULL;
}

static void finish(create_op *op)
{
    kc_create_acls_resp_encode(&op->req->out, op->req->hdr.api_version, &op->resp);
    kc_request_respond(op->req);
    free(op->group);
    free(op);
}

static void add_entries(const kc_acl_entry *cur, int n, kc_acl_entries *out, void *arg)
{
    pattern_op *p = arg;
    create_op *op = p->op;
    for (int i = 0; i < n; i++)
        kc_acl_entries_add(out, cur[i].principal, cur[i].host, cur[i].op, cur[i].perm);
    for (int i = p->first; i < op->r.creations_count; i++) {
        if (op->group[i] != p->first)
            continue;
        const kc_acl_creation *c = &op->r.creations[i];
        kc_acl_entries_add(out, cstr(op->req, c->principal), cstr(op->req, c->host), c->operation,
                           c->permission_type);
    }
}

static void on_pattern_done(int16_t code, const char *msg, void *arg)
{
    pattern_op *p = arg;
    create_op *op = p->op;
    for (int i = p->first; i < op->r.creations_count; i++)
        if (op->group[i] == p->first)
            set_result(op, i, code, msg);
    free(p);
    if (--op->pending == 0)
        finish(op);
}

static bool same_pattern(const kc_acl_creation *a, const kc_acl_creation *b)
{
    return a->resource_type == b->resource_type &&
           a->resource_pattern_type == b->resource_pattern_type &&
           a->resource_name.len == b->resource_name.len &&
           (a->resource_name.len <= 0 ||
            memcmp(a->resource_name.p, b->resource_name.p, (size_t)a->resource_name.len) == 0);
}

void kc_handle_create_acls(kc_request *req)
{
    create_op *op = calloc(1, sizeof(*op));
    if (!op)
        kc_fatal("acls: out of memory");
    op->req = req;
    kc_create_acls_req *r = &op->r;
    if (kc_create_acls_req_decode(&req->body, req->hdr.api_version, r, &req->arena)) {
        free(op);
        kc_request_protocol_error(req, "malformed CreateAcls request");
        return;
    }
    int n = r->creations_count > 0 ? r->creations_count : 0;
    op->resp.results_count = n;
    op->resp.results = kc_arena_alloc(&req->arena, sizeof(*op->resp.results) * (size_t)(n + 1));
    op->group = malloc(sizeof(*op->group) * (size_t)(n + 1));
    if (!op->group)
        kc_fatal("acls: out of memory");
    int16_t refused = !kc_authorized_cluster(req, KC_OP_ALTER) ? KC_ERR_CLUSTER_AUTHORIZATION_FAILED
                      : !kc_authorizer_enabled(req)            ? KC_ERR_SECURITY_DISABLED
                                                               : KC_ERR_NONE;
    for (int i = 0; i < n; i++) {
        const kc_acl_creation *c = &r->creations[i];
        op->group[i] = -1;
        if (refused) {
            set_result(op, i, refused,
                       refused == KC_ERR_SECURITY_DISABLED
                           ? "No Authorizer is configured on the broker"
                           : NULL);
            continue;
        }
        const char *name = c->resource_name.len < 0 ? NULL : cstr(req, c->resource_name);
        const char *why =
            kc_acl_binding_invalid(c->resource_type, name, c->resource_pattern_type,
                                   cstr(req, c->principal), c->operation, c->permission_type);
        if (why) {
            set_result(op, i, KC_ERR_INVALID_REQUEST, why);
            continue;
        }
        op->group[i] = i;
        for (int k = 0; k < i; k++)
            if (op->group[k] == k && same_pattern(&r->creations[k], c)) {
                op->group[i] = k;
                break;
            }
    }
    op->pending = 1; /* held until every pattern is started */
    for (int i = 0; i < n; i++) {
        if (op->group[i] != i)
            continue;
        const kc_acl_creation *c = &r->creations[i];
        pattern_op *p = calloc(1, sizeof(*p));
        if (!p)
            kc_fatal("acls: out of memory");
        p->op = op;
        p->first = i;
        op->pending++;
        kc_acl_pattern pat = {c->resource_type, (char *)cstr(req, c->resource_name),
                              c->resource_pattern_type};
        kc_acls_update(req->broker, &pat, add_entries, p, on_pattern_done, p);
    }
    if (--op->pending == 0)
        finish(op);
}
