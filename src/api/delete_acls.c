/*
 * DeleteAcls (31), v0-2 (v2 flexible), as Kafka 2.8's KafkaApis.handleDeleteAcls and
 * AclAuthorizer.deleteAcls answer it: ALTER on the Cluster, else CLUSTER_AUTHORIZATION_FAILED
 * for every filter; without an authorizer SECURITY_DISABLED for every filter; a filter with an
 * UNKNOWN element gets INVALID_REQUEST. The patterns considered are those of the ACL cache plus,
 * for a filter naming exactly one pattern, that pattern (the cache may lag ZooKeeper); each
 * pattern any filter matches is rewritten once (broker/acls.h) without the entries a matching
 * filter's entry part matches. A deleted binding is reported under the first filter that matched
 * it, with the error of its pattern's write (NONE when it was written).
 */
#include <stdlib.h>
#include <string.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/acls.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "kc_apis.h"
#include "proto/errors.h"

typedef struct deleted {
    kc_acl_pattern pattern; /* owned copy */
    kc_acl_entry entry;     /* owned copy */
    int filter;
    int16_t error_code;
} deleted;

typedef struct delete_op {
    kc_request *req;
    kc_delete_acls_req r;
    kc_acl_filter *filters; /* per request filter, strings in the arena */
    const char **invalid;   /* per filter: why it is refused, or NULL */
    int16_t refusal; /* the error of a refused filter: INVALID_REQUEST or SECURITY_DISABLED */
    deleted *gone;   /* every binding deleted (or failed to be), growable */
    int n_gone, cap_gone;
    int pending;
} delete_op;

/* One pattern being rewritten, and the bindings the current attempt removes from it. */
typedef struct pattern_op {
    delete_op *op;
    kc_acl_pattern pattern;
    deleted *removed;
    int n_removed, cap_removed;
} pattern_op;

static const char *cstr(kc_request *req, kc_str s)
{
    return s.len < 0 ? NULL : kc_arena_strndup(&req->arena, s.p ? s.p : "", (size_t)s.len);
}

static kc_str astr(kc_request *req, const char *s)
{
    return kc_str_c(kc_arena_strndup(&req->arena, s, strlen(s)));
}

static void deleted_clear(deleted *d)
{
    kc_acl_pattern_clear(&d->pattern);
    free(d->entry.principal);
    free(d->entry.host);
}

static void finish(delete_op *op)
{
    kc_request *req = op->req;
    int nf = op->r.filters_count > 0 ? op->r.filters_count : 0;
    kc_delete_acls_resp resp = {0};
    resp.filter_results_count = nf;
    resp.filter_results =
        kc_arena_alloc(&req->arena, sizeof(*resp.filter_results) * (size_t)(nf + 1));
    for (int f = 0; f < nf; f++) {
        kc_delete_acls_filter_result *fr = &resp.filter_results[f];
        fr->error_message = KC_STR_NULL;
        if (op->invalid[f]) {
            fr->error_code = op->refusal;
            fr->error_message = kc_str_c(op->invalid[f]);
            continue;
        }
        fr->matching_acls =
            kc_arena_alloc(&req->arena, sizeof(*fr->matching_acls) * (size_t)(op->n_gone + 1));
        for (int i = 0; i < op->n_gone; i++) {
            const deleted *d = &op->gone[i];
            if (d->filter != f)
                continue;
            fr->matching_acls[fr->matching_acls_count++] = (kc_delete_acls_matching_acl){
                .error_code = d->error_code,
                .error_message =
                    d->error_code ? kc_str_c("ZooKeeper update of the ACLs failed") : KC_STR_NULL,
                .resource_type = (int8_t)d->pattern.resource_type,
                .resource_name = astr(req, d->pattern.name),
                .pattern_type = (int8_t)d->pattern.pattern_type,
                .principal = astr(req, d->entry.principal),
                .host = astr(req, d->entry.host),
                .operation = (int8_t)d->entry.op,
                .permission_type = (int8_t)d->entry.perm};
        }
    }
    kc_delete_acls_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
    for (int i = 0; i < op->n_gone; i++)
        deleted_clear(&op->gone[i]);
    free(op->gone);
    free(op);
}

static void push(deleted **v, int *n, int *cap, const kc_acl_pattern *p, const kc_acl_entry *e,
                 int filter, int16_t code)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = kc_xrealloc(*v, sizeof(**v) * (size_t)*cap);
    }
    (*v)[(*n)++] = (deleted){{p->resource_type, kc_xstrdup(p->name), p->pattern_type},
                             {kc_xstrdup(e->principal), kc_xstrdup(e->host), e->op, e->perm},
                             filter,
                             code};
}

static void remove_matching(const kc_acl_entry *cur, int n, kc_acl_entries *out, void *arg)
{
    pattern_op *p = arg;
    delete_op *op = p->op;
    for (int i = 0; i < p->n_removed; i++)
        deleted_clear(&p->removed[i]);
    p->n_removed = 0; /* a retry edits what ZooKeeper holds now */
    for (int i = 0; i < n; i++) {
        int by = -1;
        for (int f = 0; f < op->r.filters_count && by < 0; f++)
            if (!op->invalid[f] && kc_acl_filter_matches_pattern(&op->filters[f], &p->pattern) &&
                kc_acl_filter_matches_entry(&op->filters[f], &cur[i]))
                by = f;
        if (by >= 0)
            push(&p->removed, &p->n_removed, &p->cap_removed, &p->pattern, &cur[i], by, 0);
        else
            kc_acl_entries_add(out, cur[i].principal, cur[i].host, cur[i].op, cur[i].perm);
    }
}

static void on_pattern_done(int16_t code, const char *msg, void *arg)
{
    (void)msg;
    pattern_op *p = arg;
    delete_op *op = p->op;
    for (int i = 0; i < p->n_removed; i++) {
        deleted *d = &p->removed[i];
        push(&op->gone, &op->n_gone, &op->cap_gone, &d->pattern, &d->entry, d->filter, code);
        deleted_clear(d);
    }
    free(p->removed);
    kc_acl_pattern_clear(&p->pattern);
    free(p);
    if (--op->pending == 0)
        finish(op);
}

static void start_pattern(delete_op *op, const kc_acl_pattern *pat)
{
    pattern_op *p = calloc(1, sizeof(*p));
    if (!p)
        kc_fatal("acls: out of memory");
    p->op = op;
    p->pattern = (kc_acl_pattern){pat->resource_type, kc_xstrdup(pat->name), pat->pattern_type};
    op->pending++;
    kc_acls_update(op->req->broker, &p->pattern, remove_matching, p, on_pattern_done, p);
}

/* A filter naming exactly one pattern (ResourcePatternFilter.matchesAtMostOne). */
static bool names_one(const kc_acl_filter *f)
{
    return f->name && f->resource_type >= KC_RES_TOPIC &&
           (f->pattern_type == KC_PAT_LITERAL || f->pattern_type == KC_PAT_PREFIXED);
}

void kc_handle_delete_acls(kc_request *req)
{
    delete_op *op = calloc(1, sizeof(*op));
    if (!op)
        kc_fatal("acls: out of memory");
    op->req = req;
    kc_delete_acls_req *r = &op->r;
    if (kc_delete_acls_req_decode(&req->body, req->hdr.api_version, r, &req->arena)) {
        free(op);
        kc_request_protocol_error(req, "malformed DeleteAcls request");
        return;
    }
    int nf = r->filters_count > 0 ? r->filters_count : 0;
    op->filters = kc_arena_alloc(&req->arena, sizeof(*op->filters) * (size_t)(nf + 1));
    op->invalid = kc_arena_alloc(&req->arena, sizeof(*op->invalid) * (size_t)(nf + 1));
    bool allowed = kc_authorized_cluster(req, KC_OP_ALTER), enabled = kc_authorizer_enabled(req);
    op->refusal = enabled ? KC_ERR_INVALID_REQUEST : KC_ERR_SECURITY_DISABLED;
    if (!allowed) {
        kc_delete_acls_resp resp = {0};
        resp.filter_results_count = nf;
        resp.filter_results =
            kc_arena_alloc(&req->arena, sizeof(*resp.filter_results) * (size_t)(nf + 1));
        for (int f = 0; f < nf; f++)
            resp.filter_results[f] = (kc_delete_acls_filter_result){
                KC_ERR_CLUSTER_AUTHORIZATION_FAILED, KC_STR_NULL, 0, NULL};
        kc_delete_acls_resp_encode(&req->out, req->hdr.api_version, &resp);
        kc_request_respond(req);
        free(op);
        return;
    }
    for (int f = 0; f < nf; f++) {
        const kc_delete_acls_filter *x = &r->filters[f];
        op->filters[f] =
            (kc_acl_filter){x->resource_type_filter,   cstr(req, x->resource_name_filter),
                            x->pattern_type_filter,    cstr(req, x->principal_filter),
                            cstr(req, x->host_filter), x->operation,
                            x->permission_type};
        op->invalid[f] = !enabled ? "No Authorizer is configured on the broker"
                                  : kc_acl_filter_invalid(&op->filters[f]);
    }
    op->pending = 1; /* held until every pattern is started */
    if (enabled) {
        /* every cached pattern some usable filter matches, then the exactly named ones */
        kc_acl_filter any = {KC_RES_ANY, NULL, KC_PAT_ANY, NULL, NULL, KC_OP_ANY, KC_PERM_ANY};
        kc_acl_binding *all = NULL;
        int n = kc_acl_store_find(kc_acls_store(req->broker), &any, &all);
        kc_acl_pattern **todo = kc_xrealloc(NULL, sizeof(*todo) * (size_t)(n + nf + 1));
        int n_todo = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && all[i - 1].pattern == all[i].pattern)
                continue;
            for (int f = 0; f < nf; f++)
                if (!op->invalid[f] &&
                    kc_acl_filter_matches_pattern(&op->filters[f], all[i].pattern)) {
                    todo[n_todo++] = (kc_acl_pattern *)all[i].pattern;
                    break;
                }
        }
        kc_acl_pattern *named = kc_arena_alloc(&req->arena, sizeof(*named) * (size_t)(nf + 1));
        for (int f = 0; f < nf; f++) {
            const kc_acl_filter *x = &op->filters[f];
            if (op->invalid[f] || !names_one(x))
                continue;
            bool seen = false;
            for (int k = 0; k < n_todo && !seen; k++)
                seen = todo[k]->resource_type == x->resource_type &&
                       todo[k]->pattern_type == x->pattern_type && !strcmp(todo[k]->name, x->name);
            if (!seen) {
                named[f] = (kc_acl_pattern){x->resource_type, (char *)x->name, x->pattern_type};
                todo[n_todo++] = &named[f];
            }
        }
        /* copies first: a write completing at once would change the cache under `all` */
        kc_acl_pattern *copies = kc_xrealloc(NULL, sizeof(*copies) * (size_t)(n_todo + 1));
        for (int k = 0; k < n_todo; k++)
            copies[k] = (kc_acl_pattern){
                todo[k]->resource_type,
                kc_arena_strndup(&req->arena, todo[k]->name, strlen(todo[k]->name)),
                todo[k]->pattern_type};
        free(all);
        free(todo);
        for (int k = 0; k < n_todo; k++)
            start_pattern(op, &copies[k]);
        free(copies);
    }
    if (--op->pending == 0)
        finish(op);
}
