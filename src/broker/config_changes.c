/*
 * The config-change listener and the entity writer (see config_changes.h for the protocol).
 *
 * Invariants:
 *  - notifications come one at a time from the change listener (broker/change_listener.h); each
 *    is reported done once its entity was read and applied (a ZooKeeper failure reports it not
 *    applied, and the listener retries it);
 *  - the live config b->cfg is always static_cfg + dyn_default + dyn_broker
 *    (kc_cfg_broker_rederive); only numeric/boolean fields are ever written into it;
 *  - every callback checks b->shutting_down first and then touches nothing but its own op.
 */
#include "broker/config_changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/change_listener.h"
#include "common/log.h"
#include "security/scram_store.h"
#include "proto/errors.h"

#define CHANGES_PATH    "/config/changes"
#define CHANGE_NAME     "config_change_"
#define WRITE_ATTEMPTS  3
#define ENTITY_NAME_MAX 800 /* a sanitized user name can triple */

typedef struct cc_state {
    kc_broker *b;
    bool started;
    kc_config static_cfg; /* shallow copy of b->cfg as loaded; shares its strings */
    kc_cfg_kvs dyn_default;
    kc_cfg_kvs dyn_broker;
    kc_change_listener *listener; /* /config/changes */
} cc_state;

static cc_state cc;

/* An entity read for a notification, or (notification false) one of its own. */
typedef struct cc_op {
    bool notification;
    char type[32];
    char name[ENTITY_NAME_MAX];
} cc_op;

static cc_op *op_new(bool notification, const char *type, const char *name)
{
    cc_op *o = calloc(1, sizeof(*o));
    if (!o)
        kc_fatal("config: out of memory");
    o->notification = notification;
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
        cc_op *o = op_new(false, "topics", b->topics.all[i]->name);
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

/* ------------------------------------------------------------------ notifications */

static void done(cc_op *o)
{
    free(o);
    kc_change_listener_done(cc.listener, true);
}

/* A ZooKeeper failure: the listener keeps the notification and tries again. */
static void retry_later(cc_op *o, const char *what, int rc)
{
    kc_warn("CONFIG", "config change %s/%s: %s failed: %s; retrying", o->type, o->name, what,
            zerror(rc));
    free(o);
    kc_change_listener_done(cc.listener, false);
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
        if (!o->notification) {
            kc_warn("CONFIG", "reading /config/brokers/%s failed: %s", o->name, zerror(res->rc));
            free(o);
            return;
        }
        retry_later(o, "reading the broker config", res->rc);
        return;
    }
    apply_broker_entity(o->name, res->rc == ZOK ? res->data : NULL,
                        res->rc == ZOK ? res->data_len : 0, !o->notification);
    if (!o->notification)
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

static void on_notification(kc_change_listener *l, const char *data, int len, void *arg)
{
    (void)l;
    (void)arg;
    cc_op *o = op_new(true, "", "");
    char err[300];
    if (kc_cfg_change_parse(data, len, o->type, sizeof(o->type), o->name, sizeof(o->name), err,
                            sizeof(err))) {
        kc_warn("CONFIG", "ignoring a config change notification: %s", err);
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

void kc_config_changes_start(kc_broker *b)
{
    if (cc.started)
        return;
    cc.b = b;
    cc.static_cfg = *b->cfg;
    cc.started = true;
    char id[16];
    snprintf(id, sizeof(id), "%d", b->cfg->broker_id);
    read_entity(op_new(false, "brokers", KC_CFG_DEFAULT_ENTITY), on_broker_entity);
    read_entity(op_new(false, "brokers", id), on_broker_entity);
    cc.listener = kc_change_listener_start(b, CHANGES_PATH, CHANGE_NAME, on_notification, NULL);
}

void kc_config_changes_on_watch(kc_broker *b, int type, const char *path)
{
    if (cc.started && cc.b == b)
        kc_change_listener_on_watch(cc.listener, type, path);
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
    kc_zk_acreate(w->b->zk, CHANGES_PATH "/" CHANGE_NAME, w->notification,
                  (int)strlen(w->notification), ZOO_SEQUENCE, on_cw_notified, w);
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
