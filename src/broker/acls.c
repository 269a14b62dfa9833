/*
 * The ACL cache, its change listeners and the ACL writer (see acls.h).
 *
 * Invariants: the cache holds, per pattern, what its znode held when last read (at start-up,
 * after a change notification, or after our own write); a write never touches the cache before
 * ZooKeeper accepted it; every ZooKeeper callback checks b->shutting_down before touching the
 * cache.
 */
#include "broker/acls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/change_listener.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "proto/errors.h"

#define MAX_UPDATE_RETRIES 10 /* AclAuthorizer.maxUpdateRetries */
#define ZNODE_MAX_BYTES    (1 << 20)

/* The concrete resource types: Kafka's AclEntry.ResourceTypes, one znode folder each. */
static const int resource_types[] = {KC_RES_TOPIC, KC_RES_GROUP, KC_RES_CLUSTER,
                                     KC_RES_TRANSACTIONAL_ID, KC_RES_DELEGATION_TOKEN};
#define N_RESOURCE_TYPES ((int)(sizeof(resource_types) / sizeof(resource_types[0])))

/* One change folder: literal patterns announce under /kafka-acl-changes, prefixed ones under
 * /kafka-acl-extended-changes in another format. */
typedef struct acl_changes {
    kc_acls *acls;
    bool extended;
    kc_change_listener *listener;
} acl_changes;

struct kc_acls {
    kc_broker *b;
    kc_acl_store *store;
    kc_acl_config cfg;
    acl_changes changes[2]; /* [0] literal, [1] extended */
};

static const int pattern_types[2] = {KC_PAT_LITERAL, KC_PAT_PREFIXED};

/* Apply a pattern znode's payload (@p data NULL: the znode is gone) to the cache. */
static void apply(kc_acls *a, const kc_acl_pattern *p, const char *path, const char *data, int len)
{
    kc_acl_entries es = {0};
    if (data && len > 0 && kc_acl_json_parse(data, len, &es) < 0)
        kc_error("ACL", "%s holds malformed ACLs; the pattern is read as having none", path);
    kc_acl_store_set(a->store, p, es.v, es.n);
    kc_acl_entries_free(&es);
}

/* ------------------------------------------------------------------ start-up */

static int load_folder(kc_acls *a, int pattern_type, int resource_type, char *buf)
{
    kc_zk *zk = a->b->zk;
    char folder[128];
    snprintf(folder, sizeof(folder), "%s/%s", kc_acl_store_root(pattern_type),
             kc_acl_resource_name(resource_type));
    int rc = kc_zk_sync_mkdirs(zk, folder);
    struct String_vector names = {0, NULL};
    if (rc == ZOK)
        rc = kc_zk_sync_get_children(zk, folder, &names);
    if (rc != ZOK) {
        kc_error("ACL", "reading %s failed: %s", folder, zerror(rc));
        return -1;
    }
    for (int i = 0; i < names.count && rc == ZOK; i++) {
        kc_acl_pattern p = {resource_type, names.data[i], pattern_type};
        char *path = kc_acl_znode_path(&p);
        int len = ZNODE_MAX_BYTES;
        if (!path)
            continue; /* a name ZooKeeper allows but no ACL writer makes */
        rc = kc_zk_sync_get(zk, path, buf, &len);
        if (rc == ZOK)
            apply(a, &p, path, buf, len);
        else if (rc == ZNONODE)
            rc = ZOK;
        else
            kc_error("ACL", "reading %s failed: %s", path, zerror(rc));
        free(path);
    }
    deallocate_String_vector(&names);
    return rc == ZOK ? 0 : -1;
}

int kc_acls_load(kc_broker *b)
{
    if (!b->cfg->authorizer)
        return 0;
    kc_acls *a = calloc(1, sizeof(*a));
    if (!a)
        kc_fatal("acls: out of memory");
    a->b = b;
    a->store = kc_acl_store_new();
    b->acls = a;
    char err[300];
    if (kc_acl_config_init(&a->cfg, b->cfg->super_users, b->cfg->allow_everyone_if_no_acl_found,
                           err, sizeof(err))) {
        kc_error("CONFIG", "invalid value '%s' for 'super.users': %s", b->cfg->super_users, err);
        return -1;
    }
    char *buf = malloc(ZNODE_MAX_BYTES);
    if (!buf)
        kc_fatal("acls: out of memory");
    int rc = 0;
    for (int pt = 0; pt < 2 && !rc; pt++) {
        for (int t = 0; t < N_RESOURCE_TYPES && !rc; t++)
            rc = load_folder(a, pattern_types[pt], resource_types[t], buf);
        int zrc = rc ? ZOK : kc_zk_sync_mkdirs(b->zk, kc_acl_change_root(pattern_types[pt]));
        if (zrc != ZOK) {
            kc_error("ACL", "creating %s failed: %s", kc_acl_change_root(pattern_types[pt]),
                     zerror(zrc));
            rc = -1;
        }
    }
    free(buf);
    if (!rc)
        kc_info("ACL", "authorizer on: %d ACL resource pattern(s) loaded, %d super user(s)",
                kc_acl_store_patterns(a->store), a->cfg.n_super_users);
    return rc;
}

/* ------------------------------------------------------------------ change notifications */

typedef struct reread_op {
    acl_changes *ch;
    kc_acl_pattern pattern;
    char *path;
} reread_op;

static void reread_free(reread_op *o)
{
    kc_acl_pattern_clear(&o->pattern);
    free(o->path);
    free(o);
}

static void on_pattern_read(const kc_zk_result *res, void *arg)
{
    reread_op *o = arg;
    acl_changes *ch = o->ch;
    if (ch->acls->b->shutting_down) {
        reread_free(o);
        kc_change_listener_done(ch->listener, false);
        return;
    }
    if (res->rc != ZOK && res->rc != ZNONODE) {
        kc_warn("ACL", "re-reading %s failed: %s; retrying", o->path, zerror(res->rc));
        reread_free(o);
        kc_change_listener_done(ch->listener, false);
        return;
    }
    apply(ch->acls, &o->pattern, o->path, res->rc == ZOK ? res->data : NULL,
          res->rc == ZOK ? res->data_len : 0);
    kc_debug("ACL", "applied the ACL change of %s", o->path);
    reread_free(o);
    kc_change_listener_done(ch->listener, true);
}

static void on_acl_change(kc_change_listener *l, const char *data, int len, void *arg)
{
    acl_changes *ch = arg;
    reread_op *o = calloc(1, sizeof(*o));
    if (!o)
        kc_fatal("acls: out of memory");
    o->ch = ch;
    if (!data || len <= 0 || kc_acl_change_decode(ch->extended, data, len, &o->pattern) ||
        !(o->path = kc_acl_znode_path(&o->pattern))) {
        kc_warn("ACL", "ignoring a malformed ACL change notification under %s",
                kc_acl_change_root(pattern_types[ch->extended]));
        reread_free(o);
        kc_change_listener_done(l, true);
        return;
    }
    kc_zk_aget(ch->acls->b->zk, o->path, 0, on_pattern_read, o);
}

void kc_acls_start(kc_broker *b)
{
    kc_acls *a = b->acls;
    if (!a)
        return;
    for (int i = 0; i < 2; i++) {
        acl_changes *ch = &a->changes[i];
        ch->acls = a;
        ch->extended = i == 1;
        ch->listener = kc_change_listener_start(b, kc_acl_change_root(pattern_types[i]),
                                                KC_ACL_CHANGE_PREFIX, on_acl_change, ch);
    }
}

void kc_acls_on_watch(kc_broker *b, int type, const char *path)
{
    if (!b->acls)
        return;
    for (int i = 0; i < 2; i++)
        kc_change_listener_on_watch(b->acls->changes[i].listener, type, path);
}

void kc_acls_free(kc_broker *b)
{
    kc_acls *a = b->acls;
    if (!a)
        return;
    for (int i = 0; i < 2; i++)
        kc_change_listener_free(a->changes[i].listener);
    kc_acl_store_free(a->store);
    kc_acl_config_clear(&a->cfg);
    free(a);
    b->acls = NULL;
}

/* ------------------------------------------------------------------ decisions */

bool kc_acls_authorize(const kc_broker *b, const char *principal, const char *host, int op,
                       int resource_type, const char *name)
{
    const kc_acls *a = b->acls;
    return !a || kc_acl_authorize(a->store, &a->cfg, principal, host, op, resource_type, name);
}

static bool entry_applies(const kc_acl_entry *e, const char *principal, const char *host, int op)
{
    return (strcmp(e->principal, principal) == 0 ||
            strcmp(e->principal, KC_ACL_WILDCARD_PRINCIPAL) == 0) &&
           (strcmp(e->host, host) == 0 || strcmp(e->host, KC_ACL_WILDCARD_HOST) == 0) &&
           (e->op == op || e->op == KC_OP_ALL);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether a DENY among @p deny (patterns, @p nd of them) covers the allowed pattern @p p:
 * a denied prefix that is a prefix of its name, or (for a literal) a denied equal literal. */
static bool denied_by(const kc_acl_pattern *p, const kc_acl_pattern *const *deny, int nd)
{
    for (int i = 0; i < nd; i++) {
        if (deny[i]->pattern_type == KC_PAT_PREFIXED && starts_with(p->name, deny[i]->name))
            return true;
        if (p->pattern_type == KC_PAT_LITERAL && deny[i]->pattern_type == KC_PAT_LITERAL &&
            strcmp(p->name, deny[i]->name) == 0)
            return true;
    }
    return false;
}

bool kc_acls_authorize_any(const kc_broker *b, const char *principal, const char *host, int op,
                           int resource_type)
{
    const kc_acls *a = b->acls;
    if (!a || kc_acl_is_super_user(&a->cfg, principal))
        return true;
    kc_acl_filter f = {resource_type, NULL, KC_PAT_ANY, NULL, NULL, KC_OP_ANY, KC_PERM_ANY};
    kc_acl_binding *all = NULL;
    int n = kc_acl_store_find(a->store, &f, &all);
    const kc_acl_pattern **deny = kc_xrealloc(NULL, sizeof(*deny) * (size_t)(n + 1));
    const kc_acl_pattern **allow = kc_xrealloc(NULL, sizeof(*allow) * (size_t)(n + 1));
    int nd = 0, na = 0;
    bool deny_all = false;
    for (int i = 0; i < n; i++) {
        const kc_acl_pattern *p = all[i].pattern;
        if (!entry_applies(all[i].entry, principal, host, op))
            continue;
        if (all[i].entry->perm == KC_PERM_DENY) {
            deny[nd++] = p;
            deny_all |=
                p->pattern_type == KC_PAT_LITERAL && strcmp(p->name, KC_ACL_WILDCARD_RESOURCE) == 0;
        } else if (all[i].entry->perm == KC_PERM_ALLOW) {
            allow[na++] = p;
        }
    }
    bool ok = false;
    if (!deny_all) {
        ok = a->cfg.allow_everyone_if_no_acl_found || (nd == 0 && na > 0);
        for (int i = 0; i < na && !ok; i++)
            ok = (allow[i]->pattern_type == KC_PAT_LITERAL &&
                  strcmp(allow[i]->name, KC_ACL_WILDCARD_RESOURCE) == 0) ||
                 !denied_by(allow[i], deny, nd);
    }
    free(all);
    free(deny);
    free(allow);
    return ok;
}

const kc_acl_store *kc_acls_store(const kc_broker *b)
{
    return b->acls ? b->acls->store : NULL;
}

/* ------------------------------------------------------------------ the writer */

typedef struct update_op {
    kc_acls *a;
    kc_acl_pattern pattern;
    char *path;
    kc_acls_edit_fn edit;
    void *edit_arg;
    kc_acls_done_fn done;
    void *done_arg;
    int attempts;
    kc_acl_entries next; /* what the znode is being set to */
    char *json;
    zoo_op_t op;
} update_op;

static void update_finish(update_op *u, int16_t err, const char *msg)
{
    u->done(err, msg, u->done_arg);
    kc_acl_pattern_clear(&u->pattern);
    kc_acl_entries_free(&u->next);
    free(u->path);
    free(u->json);
    free(u);
}

static void update_read(update_op *u);

/* The answer waits for the notification, as Kafka's updateResourceAcls creates it before
 * returning: a client that saw its CreateAcls answered finds the change announced. */
static void on_notified(const kc_zk_result *res, void *arg)
{
    update_op *u = arg;
    if (res->rc != ZOK)
        kc_error("ACL",
                 "creating the change notification for %s failed: %s; other brokers apply the "
                 "change only when they restart",
                 u->path, zerror(res->rc));
    update_finish(u, KC_ERR_NONE, NULL);
}

static void on_written(const kc_zk_result *res, void *arg)
{
    update_op *u = arg;
    if (u->a->b->shutting_down) {
        update_finish(u, KC_ERR_UNKNOWN_SERVER_ERROR, "the broker is shutting down");
        return;
    }
    if ((res->rc == ZBADVERSION || res->rc == ZNODEEXISTS || res->rc == ZNONODE) &&
        u->attempts < MAX_UPDATE_RETRIES) {
        update_read(u); /* another writer came between: edit its result */
        return;
    }
    if (res->rc != ZOK) {
        kc_error("ACL", "writing %s failed: %s", u->path, zerror(res->rc));
        update_finish(u, KC_ERR_UNKNOWN_SERVER_ERROR, "ZooKeeper write of the ACLs failed");
        return;
    }
    kc_acl_store_set(u->a->store, &u->pattern, u->next.v, u->next.n);
    char *change = kc_acl_change_encode(&u->pattern); /* the path was valid: so is the change */
    kc_zk_acreate(u->a->b->zk,
                  u->pattern.pattern_type == KC_PAT_LITERAL
                      ? "/kafka-acl-changes/" KC_ACL_CHANGE_PREFIX
                      : "/kafka-acl-extended-changes/" KC_ACL_CHANGE_PREFIX,
                  change, change ? (int)strlen(change) : 0, ZOO_SEQUENCE, on_notified, u);
    free(change);
}

static bool same_set(const kc_acl_entries *x, const kc_acl_entry *y, int ny)
{
    if (x->n != ny)
        return false;
    for (int i = 0; i < ny; i++) {
        bool found = false;
        for (int j = 0; j < x->n && !found; j++)
            found = x->v[j].op == y[i].op && x->v[j].perm == y[i].perm &&
                    strcmp(x->v[j].principal, y[i].principal) == 0 &&
                    strcmp(x->v[j].host, y[i].host) == 0;
        if (!found)
            return false;
    }
    return true;
}

static void on_current(const kc_zk_result *res, void *arg)
{
    update_op *u = arg;
    if (u->a->b->shutting_down) {
        update_finish(u, KC_ERR_UNKNOWN_SERVER_ERROR, "the broker is shutting down");
        return;
    }
    if (res->rc != ZOK && res->rc != ZNONODE) {
        kc_error("ACL", "reading %s failed: %s", u->path, zerror(res->rc));
        update_finish(u, KC_ERR_UNKNOWN_SERVER_ERROR, "ZooKeeper read of the ACLs failed");
        return;
    }
    kc_acl_entries cur = {0};
    if (res->rc == ZOK && res->data_len > 0 &&
        kc_acl_json_parse(res->data, res->data_len, &cur) < 0) {
        kc_error("ACL", "%s holds malformed ACLs; refusing to rewrite it", u->path);
        update_finish(u, KC_ERR_UNKNOWN_SERVER_ERROR, "the stored ACLs are malformed");
        return;
    }
    kc_acl_entries_free(&u->next);
    u->edit(cur.v, cur.n, &u->next, u->edit_arg);
    bool unchanged = same_set(&u->next, cur.v, cur.n);
    kc_acl_entries_free(&cur);
    if (unchanged) {
        kc_acl_store_set(u->a->store, &u->pattern, u->next.v, u->next.n); /* as ZooKeeper has it */
        update_finish(u, KC_ERR_NONE, NULL);
        return;
    }
    free(u->json);
    u->json = NULL;
    kc_zk *zk = u->a->b->zk;
    if (u->next.n == 0) {
        zoo_delete_op_init(&u->op, u->path, res->stat.version);
        kc_zk_amulti(zk, 1, &u->op, on_written, u);
        return;
    }
    u->json = kc_acl_json_format(u->next.v, u->next.n);
    if (!u->json) {
        update_finish(u, KC_ERR_INVALID_REQUEST, "an ACL string is not valid UTF-8");
        return;
    }
    if (res->rc == ZOK)
        kc_zk_aset(zk, u->path, u->json, (int)strlen(u->json), res->stat.version, on_written, u);
    else
        kc_zk_acreate(zk, u->path, u->json, (int)strlen(u->json), 0, on_written, u);
}

static void update_read(update_op *u)
{
    u->attempts++;
    kc_zk_aget(u->a->b->zk, u->path, 0, on_current, u);
}

void kc_acls_update(kc_broker *b, const kc_acl_pattern *p, kc_acls_edit_fn edit, void *edit_arg,
                    kc_acls_done_fn done, void *done_arg)
{
    update_op *u = calloc(1, sizeof(*u));
    if (!u)
        kc_fatal("acls: out of memory");
    u->a = b->acls;
    u->edit = edit;
    u->edit_arg = edit_arg;
    u->done = done;
    u->done_arg = done_arg;
    u->pattern =
        (kc_acl_pattern){p->resource_type, p->name ? strdup(p->name) : NULL, p->pattern_type};
    if (p->name && !u->pattern.name)
        kc_fatal("acls: out of memory");
    u->path = u->a ? kc_acl_znode_path(&u->pattern) : NULL;
    if (!u->path) {
        update_finish(u, u->a ? KC_ERR_INVALID_REQUEST : KC_ERR_SECURITY_DISABLED,
                      u->a ? "the resource pattern cannot be stored" : "no authorizer configured");
        return;
    }
    update_read(u);
}
