/*
 * The config-change listener and the entity writer (see config_changes.h for the protocol).
 *
 * Invariants:
 *  - notifications are processed one at a time, in sequence order; `last_seq` only grows, and
 *    a notification stays at the head of the queue until its entity was read and applied (a
 *    ZooKeeper failure leaves it there for the timer to retry);
 *  - the live config b->cfg is always static_cfg + dyn_default + dyn_broker
 *    (kc_cfg_broker_rederive); only numeric/boolean fields are ever written into it;
 *  - every callback checks b->shutting_down first and then touches nothing but its own op.
 */
#include "broker/config_changes.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "security/scram_store.h"
#include "proto/errors.h"

#define CHANGES_PATH    "/config/changes"
#define CHANGE_PREFIX   CHANGES_PATH "/config_change_"
#define TIMER_MS        1000
#define WRITE_ATTEMPTS  3
#define ENTITY_NAME_MAX 800 /* a sanitized user name can triple */

typedef struct cc_state {
    kc_broker *b;
    bool started;
    kc_config static_cfg; /* shallow copy of b->cfg as loaded; shares its strings */
    kc_cfg_kvs dyn_default;
    kc_cfg_kvs dyn_broker;
    int64_t last_seq;      /* highest notification processed, -1 = none */
    int64_t armed_session; /* session whose child watch on /config/changes is set */
    bool need_list;        /* a listing failed or a new session: list again on the timer */
    bool busy;             /* the head of the queue is being processed */
    int64_t *queue;        /* sequence numbers to process, ascending */
    int n_queue, cap_queue;
    struct event *timer;
} cc_state;

static cc_state cc;

/* One notification being processed, or (seq -1) an entity read of its own. */
typedef struct cc_op {
    int64_t seq;
    int64_t ctime; /* the notification's creation time, ms */
    char type[32];
    char name[ENTITY_NAME_MAX];
} cc_op;

static void pump(void);

static cc_op *op_new(int64_t seq, const char *type, const char *name)
{
    cc_op *o = calloc(1, sizeof(*o));
    if (!o)
        kc_fatal("config: out of memory");
    o->seq = seq;
    snprintf(o->type, sizeof(o->type), "%s", type);
    snprintf(o->name, sizeof(o->name), "%s", name);
    return o;
}

static bool gone(void)
{
    return !cc.started || cc.b->shutting_down;
}

/* ------------------------------------------------------------------ applying */

static void apply_topic(const char *name, const char *data, int len, bool announce)
{
    kc_broker *b = cc.b;
    kc_topic *t = kc_topics_find(&b->topics, kc_str_c(name));
    if (!t) {
        kc_debug("CONFIG", "config change for topics/%s: topic not known here", name);
        return;
    }
    kc_broker_apply_topic_config(b, t, data, len);
    if (!announce)
        return;
    kc_cfg_kvs kvs = {0};
    kc_cfg_kvs_parse(data, len, &kvs);
    char *summary = kc_cfg_kvs_summary(&kvs);
    kc_info("CONFIG", "applied config change topics/%s: %s", name, summary);
    free(summary);
    kc_cfg_kvs_free(&kvs);
}

static void on_reapply_read(const kc_zk_result *res, void *arg)
{
    cc_op *o = arg;
    if (!gone() && (res->rc == ZOK || res->rc == ZNONODE))
        apply_topic(o->name, res->rc == ZOK ? res->data : NULL, res->rc == ZOK ? res->data_len : 0,
                    false);
    else if (!gone())
        kc_warn("CONFIG", "re-reading /config/topics/%s failed: %s", o->name, zerror(res->rc));
    free(o);
}

/* The broker defaults changed: every topic re-derives its config from the new defaults and its
 * own overrides (read again: the registry keeps only the merged result). */
static void reapply_all_topics(void)
{
    kc_broker *b = cc.b;
    for (size_t i = 0; i < b->topics.count; i++) {
        cc_op *o = op_new(-1, "topics", b->topics.all[i]->name);
        char path[ENTITY_NAME_MAX + 32];
        snprintf(path, sizeof(path), "/config/topics/%s", o->name);
        kc_zk_aget(b->zk, path, 0, on_reapply_read, o);
    }
}

/* @p startup: the read at start-up, not a notification (quiet when there is nothing). */
static void apply_broker_entity(const char *name, const char *data, int len, bool startup)
{
    kc_broker *b = cc.b;
    kc_cfg_kvs kvs = {0};
    if (kc_cfg_kvs_parse(data, len, &kvs))
        kc_warn("CONFIG", "/config/brokers/%s is not a JSON object; treated as empty", name);
    char dropped[400] = "";
    kc_cfg_broker_filter(&kvs, &cc.static_cfg, dropped, sizeof(dropped));
    if (dropped[0])
        kc_warn("CONFIG", "brokers/%s: ignoring configs that cannot be applied at run time: %s",
                name, dropped);
    kc_cfg_kvs *layer = strcmp(name, KC_CFG_DEFAULT_ENTITY) == 0 ? &cc.dyn_default : &cc.dyn_broker;
    if (startup && kvs.n == 0 && layer->n == 0) {
        kc_cfg_kvs_free(&kvs);
        return;
    }
    kc_cfg_kvs_free(layer);
    *layer = kvs;
    kc_cfg_broker_rederive(b->cfg, &cc.static_cfg, &cc.dyn_default, &cc.dyn_broker);
    char *summary = kc_cfg_kvs_summary(layer);
    kc_info("CONFIG", "%s brokers/%s: %s",
            startup ? "loaded dynamic broker config" : "applied config change", name, summary);
    free(summary);
    reapply_all_topics();
}

/* ------------------------------------------------------------------ purge */

typedef struct purge_op {
    zoo_op_t op;
    char path[64];
} purge_op;

static void on_purge_done(const kc_zk_result *res, void *arg)
{
    purge_op *p = arg;
    if (res->rc == ZOK)
        kc_debug("CONFIG", "purged config change notification %s", p->path);
    free(p);
}

static void purge(int64_t seq)
{
    purge_op *p = calloc(1, sizeof(*p));
    if (!p)
        kc_fatal("config: out of memory");
    snprintf(p->path, sizeof(p->path), CHANGE_PREFIX "%010lld", (long long)seq);
    zoo_delete_op_init(&p->op, p->path, -1);
    kc_zk_amulti(cc.b->zk, 1, &p->op, on_purge_done, p);
}

static bool expired(int64_t ctime)
{
    return kc_now_ms() - ctime > KC_CFG_CHANGE_EXPIRATION_MS;
}

static void on_purge_stat(const kc_zk_result *res, void *arg)
{
    cc_op *o = arg;
    if (!gone() && res->rc == ZOK && expired(res->stat.ctime))
        purge(o->seq);
    free(o);
}

/* ------------------------------------------------------------------ the queue */

static void done(cc_op *o)
{
    if (o->seq > cc.last_seq)
        cc.last_seq = o->seq;
    if (cc.n_queue > 0 && cc.queue[0] == o->seq) {
        memmove(cc.queue, cc.queue + 1, sizeof(*cc.queue) * (size_t)(cc.n_queue - 1));
        cc.n_queue--;
    }
    if (o->ctime && expired(o->ctime))
        purge(o->seq);
    cc.busy = false;
    free(o);
    pump();
}

/* A ZooKeeper failure: leave the notification at the head, the timer tries again. */
static void retry_later(cc_op *o, const char *what, int rc)
{
    kc_warn("CONFIG", "config change %010lld: %s failed: %s; retrying", (long long)o->seq, what,
            zerror(rc));
    cc.busy = false;
    free(o);
}

static void on_topic_entity(const kc_zk_result *res, void *arg)
{
    cc_op *o = arg;
    if (gone()) {
        free(o);
        return;
    }
    if (res->rc != ZOK && res->rc != ZNONODE) {
        retry_later(o, "reading the topic config", res->rc);
        return;
    }
    apply_topic(o->name, res->rc == ZOK ? res->data : NULL, res->rc == ZOK ? res->data_len : 0,
                true);
    done(o);
}

static void on_broker_entity(const kc_zk_result *res, void *arg)
{
    cc_op *o = arg;
    if (gone()) {
        free(o);
        return;
    }
    if (res->rc != ZOK && res->rc != ZNONODE) {
        if (o->seq < 0) {
            kc_warn("CONFIG", "reading /config/brokers/%s failed: %s", o->name, zerror(res->rc));
            free(o);
            return;
        }
        retry_later(o, "reading the broker config", res->rc);
        return;
    }
    apply_broker_entity(o->name, res->rc == ZOK ? res->data : NULL,
                        res->rc == ZOK ? res->data_len : 0, o->seq < 0);
    if (o->seq < 0)
        free(o);
    else
        done(o);
}

/* users/<sanitized name>: the user's SCRAM credentials, re-read whole. */
static void on_user_entity(const kc_zk_result *res, void *arg)
{
    cc_op *o = arg;
    if (gone()) {
        free(o);
        return;
    }
    if (res->rc != ZOK && res->rc != ZNONODE) {
        retry_later(o, "reading the user config", res->rc);
        return;
    }
    char user[ENTITY_NAME_MAX];
    if (kc_cfg_entity_desanitize(o->name, user, sizeof(user))) {
        kc_warn("CONFIG", "ignoring /config/users/%s: not a sanitized user name", o->name);
    } else {
        int n = kc_scram_store_update(cc.b->scram_store, user, res->rc == ZOK ? res->data : NULL,
                                      res->rc == ZOK ? res->data_len : 0);
        kc_info("CONFIG", "applied config change users/%s: %d SCRAM credential(s)", o->name,
                n < 0 ? 0 : n);
    }
    done(o);
}

static void read_entity(cc_op *o, kc_zk_cb cb)
{
    char path[ENTITY_NAME_MAX + 64];
    snprintf(path, sizeof(path), "/config/%s/%s", o->type, o->name);
    kc_zk_aget(cc.b->zk, path, 0, cb, o);
}

static bool is_my_broker_entity(const char *name)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", cc.b->cfg->broker_id);
    return strcmp(name, KC_CFG_DEFAULT_ENTITY) == 0 || strcmp(name, id) == 0;
}

static void on_notification(const kc_zk_result *res, void *arg)
{
    cc_op *o = arg;
    if (gone()) {
        free(o);
        return;
    }
    if (res->rc == ZNONODE) { /* purged meanwhile by another broker */
        done(o);
        return;
    }
    if (res->rc != ZOK) {
        retry_later(o, "reading the notification", res->rc);
        return;
    }
    o->ctime = res->stat.ctime;
    char err[300];
    if (kc_cfg_change_parse(res->data, res->data_len, o->type, sizeof(o->type), o->name,
                            sizeof(o->name), err, sizeof(err))) {
        kc_warn("CONFIG", "ignoring config change %010lld: %s", (long long)o->seq, err);
        done(o);
        return;
    }
    if (strcmp(o->type, "topics") == 0) {
        read_entity(o, on_topic_entity);
    } else if (strcmp(o->type, "users") == 0 && !strchr(o->name, '/')) {
        read_entity(o, on_user_entity);
    } else if (strcmp(o->type, "brokers") == 0 && is_my_broker_entity(o->name)) {
        read_entity(o, on_broker_entity);
    } else {
        kc_debug("CONFIG", "config change %s/%s: nothing to apply on this broker", o->type,
                 o->name);
        done(o);
    }
}

static void pump(void)
{
    if (gone() || cc.busy || cc.n_queue == 0)
        return;
    cc.busy = true;
    cc_op *o = op_new(cc.queue[0], "", "");
    char path[64];
    snprintf(path, sizeof(path), CHANGE_PREFIX "%010lld", (long long)o->seq);
    kc_zk_aget(cc.b->zk, path, 0, on_notification, o);
}

static bool queued(int64_t seq)
{
    for (int i = 0; i < cc.n_queue; i++)
        if (cc.queue[i] == seq)
            return true;
    return false;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, c = *(const int64_t *)y;
    return a < c ? -1 : a > c;
}

static void on_children(const kc_zk_result *res, void *arg)
{
    (void)arg;
    if (gone())
        return;
    if (res->rc != ZOK) {
        kc_warn("CONFIG", "listing %s failed: %s; retrying", CHANGES_PATH, zerror(res->rc));
        cc.need_list = true;
        return;
    }
    for (int i = 0; i < res->n_children; i++) {
        int64_t seq = kc_cfg_change_seq(res->children[i]);
        if (seq < 0)
            continue;
        if (seq <= cc.last_seq) { /* processed: purge it once it is old enough */
            cc_op *o = op_new(seq, "", "");
            char path[64];
            snprintf(path, sizeof(path), CHANGE_PREFIX "%010lld", (long long)seq);
            kc_zk_aget(cc.b->zk, path, 0, on_purge_stat, o);
            continue;
        }
        if (queued(seq))
            continue;
        if (cc.n_queue == cc.cap_queue) {
            int cap = cc.cap_queue ? cc.cap_queue * 2 : 16;
            int64_t *grown = realloc(cc.queue, sizeof(*grown) * (size_t)cap);
            if (!grown)
                kc_fatal("config: out of memory");
            cc.queue = grown;
            cc.cap_queue = cap;
        }
        cc.queue[cc.n_queue++] = seq;
    }
    /* the head may be in flight: sort only behind it */
    int from = cc.busy ? 1 : 0;
    if (cc.n_queue > from)
        qsort(cc.queue + from, (size_t)(cc.n_queue - from), sizeof(*cc.queue), cmp_i64);
    pump();
}

static void list_changes(void)
{
    kc_zk_aget_children(cc.b->zk, CHANGES_PATH, 1, on_children, NULL);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    if (gone()) {
        event_del(cc.timer);
        return;
    }
    int64_t sid = kc_zk_session_id(cc.b->zk);
    if (sid && sid != cc.armed_session) { /* a new session has no watch of ours */
        cc.armed_session = sid;
        cc.need_list = true;
    }
    if (cc.need_list) {
        cc.need_list = false;
        list_changes();
    }
    pump();
}

void kc_config_changes_start(kc_broker *b)
{
    if (cc.started)
        return;
    cc.b = b;
    cc.static_cfg = *b->cfg;
    cc.last_seq = -1;
    cc.armed_session = kc_zk_session_id(b->zk);
    cc.started = true;
    char id[16];
    snprintf(id, sizeof(id), "%d", b->cfg->broker_id);
    read_entity(op_new(-1, "brokers", KC_CFG_DEFAULT_ENTITY), on_broker_entity);
    read_entity(op_new(-1, "brokers", id), on_broker_entity);
    list_changes();
    cc.timer = event_new(b->base, -1, EV_PERSIST, on_timer, NULL);
    struct timeval tv = {TIMER_MS / 1000, (TIMER_MS % 1000) * 1000};
    if (!cc.timer || event_add(cc.timer, &tv))
        kc_fatal("config: cannot arm the config change timer");
}

void kc_config_changes_on_watch(kc_broker *b, int type, const char *path)
{
    if (!cc.started || cc.b != b || gone())
        return;
    if (type == ZOO_CHILD_EVENT && strcmp(path, CHANGES_PATH) == 0)
        list_changes();
}

void kc_config_changes_layers(const kc_broker *b, kc_cfg_layers *out)
{
    bool ours = cc.started && cc.b == b;
    out->static_cfg = ours ? &cc.static_cfg : b->cfg;
    out->current = b->cfg;
    out->dyn_default = ours ? &cc.dyn_default : NULL;
    out->dyn_broker = ours ? &cc.dyn_broker : NULL;
}

/* ------------------------------------------------------------------ the writer */

typedef struct cw_op {
    kc_broker *b;
    char path[ENTITY_NAME_MAX + 64];
    char *json;
    char *notification;
    int attempts;
    kc_config_write_cb cb;
    void *arg;
} cw_op;

static void cw_finish(cw_op *w, int rc, const char *what)
{
    if (rc == ZOK) {
        w->cb(KC_ERR_NONE, NULL, w->arg);
    } else {
        kc_error("CONFIG", "%s for %s failed: %s", what, w->path, zerror(rc));
        w->cb(KC_ERR_UNKNOWN_SERVER_ERROR, "ZooKeeper write failed", w->arg);
    }
    free(w->json);
    free(w->notification);
    free(w);
}

static void on_cw_notified(const kc_zk_result *res, void *arg)
{
    cw_finish(arg, res->rc, "creating the change notification");
}

static void cw_notify(cw_op *w)
{
    kc_zk_acreate(w->b->zk, CHANGE_PREFIX, w->notification, (int)strlen(w->notification),
                  ZOO_SEQUENCE, on_cw_notified, w);
}

static void on_cw_set(const kc_zk_result *res, void *arg);

static void on_cw_created(const kc_zk_result *res, void *arg)
{
    cw_op *w = arg;
    if (res->rc == ZOK) {
        cw_notify(w);
    } else if (res->rc == ZNODEEXISTS && ++w->attempts < WRITE_ATTEMPTS) {
        kc_zk_aset(w->b->zk, w->path, w->json, (int)strlen(w->json), -1, on_cw_set, w);
    } else {
        cw_finish(w, res->rc, "creating the config");
    }
}

static void on_cw_set(const kc_zk_result *res, void *arg)
{
    cw_op *w = arg;
    if (res->rc == ZOK)
        cw_notify(w);
    else if (res->rc == ZNONODE)
        kc_zk_acreate(w->b->zk, w->path, w->json, (int)strlen(w->json), 0, on_cw_created, w);
    else
        cw_finish(w, res->rc, "writing the config");
}

void kc_config_changes_write(kc_broker *b, const char *entity_type, const char *entity_name,
                             const kc_cfg_kvs *config, kc_config_write_cb cb, void *arg)
{
    cw_op *w = calloc(1, sizeof(*w));
    if (!w)
        kc_fatal("config: out of memory");
    w->b = b;
    w->cb = cb;
    w->arg = arg;
    snprintf(w->path, sizeof(w->path), "/config/%s/%s", entity_type, entity_name);
    w->json = kc_cfg_kvs_json(config);
    w->notification = kc_cfg_change_json(entity_type, entity_name);
    kc_zk_aset(b->zk, w->path, w->json, (int)strlen(w->json), -1, on_cw_set, w);
}
