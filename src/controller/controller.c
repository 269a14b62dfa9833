/*
 * The controller thread, its event queue and the election (reference §4.1). Events are
 * processed one at a time; a fenced write that fails its epoch check (c->moved) ends the
 * current event and resigns. Invariant: `active` is true only between a won election and the
 * next resignation, and then /controller names this broker in the current session.
 */
#include "controller/controller.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "controller/ctl_internal.h"
#include "zk/znodes.h"

/* ---------------------------------------------------------------- context helpers */

ctl_broker *ctl_broker_find(kc_controller *c, int32_t id)
{
    for (int i = 0; i < c->n_brokers; i++)
        if (c->brokers[i].id == id)
            return &c->brokers[i];
    return NULL;
}

bool ctl_broker_live(int32_t id, void *c)
{
    return ctl_broker_find(c, id) != NULL;
}

bool ctl_broker_eligible(int32_t id, void *c)
{
    const ctl_broker *b = ctl_broker_find(c, id);
    return b && !b->shutting_down;
}

ctl_topic *ctl_topic_find(kc_controller *c, const char *name)
{
    for (ctl_topic *t = c->topics; t; t = t->next)
        if (strcmp(t->name, name) == 0)
            return t;
    return NULL;
}

void ctl_topic_free(ctl_topic *t)
{
    for (int p = 0; p < t->n_partitions; p++) {
        free(t->parts[p].replicas);
        free(t->parts[p].isr);
    }
    free(t->parts);
    free(t->awaiting);
    free(t->name);
    free(t);
}

/* ---------------------------------------------------------------- queue */

static void post_event(kc_controller *c, ctl_event *e)
{
    pthread_mutex_lock(&c->lock);
    if (c->tail)
        c->tail->next = e;
    else
        c->head = e;
    c->tail = e;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static void post(kc_controller *c, ctl_event_type type, const char *name, int32_t broker,
                 int16_t error, int64_t broker_epoch)
{
    ctl_event *e = calloc(1, sizeof(*e));
    if (!e || (name && !(e->name = strdup(name))))
        kc_fatal("controller: out of memory");
    e->type = type;
    e->broker = broker;
    e->error = error;
    e->broker_epoch = broker_epoch;
    post_event(c, e);
}

void ctl_post(kc_controller *c, ctl_event_type type, const char *name, int32_t broker,
              int16_t error)
{
    post(c, type, name, broker, error, 0);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- election */

static void resign(kc_controller *c, const char *why)
{
    if (c->acting)
        kc_info("CONTROLLER", "broker %d resigns as controller: %s", c->cfg->broker_id, why);
    c->acting = false;
    atomic_store(&c->active, false);
    c->moved = false;
    c->next_rebalance_ms = 0;
    ctl_clear(c);
}

/* Reads /controller (setting a watch either way); returns the broker id in it, -1 if none. */
static int32_t read_controller(kc_controller *c)
{
    for (;;) {
        char *data;
        int len;
        struct Stat st;
        int rc = ctl_get(c, "/controller", true, &data, &len, &st);
        if (rc == ZOK) {
            int32_t r = data ? kc_znode_controller_parse(data, (size_t)len) : -1;
            free(data);
            return r;
        }
        /* a get sets no watch on a missing node: an exists watch reports its creation */
        if (rc != ZNONODE || ctl_exists(c, "/controller", &st) != ZOK)
            return -1;
    }
}

/* /controller_epoch as (epoch, version), created as "0" when missing (Kafka). */
static int read_epoch(kc_controller *c, int32_t *epoch, int32_t *version)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        char *data;
        int len;
        struct Stat st;
        int rc = ctl_get(c, "/controller_epoch", false, &data, &len, &st);
        if (rc == ZOK) {
            *epoch = data ? atoi(data) : 0;
            *version = st.version;
            free(data);
            return 0;
        }
        if (rc != ZNONODE)
            return -1;
        zhandle_t *zh = kc_zk_acquire(c->zk);
        rc = zh ? zoo_create(zh, "/controller_epoch", "0", 1, kc_zk_acl(c->zk, "/controller_epoch"),
                             0, NULL, 0)
                : ZINVALIDSTATE;
        kc_zk_release(c->zk);
        if (rc != ZOK && rc != ZNODEEXISTS)
            return -1;
    }
    return -1;
}

static void elect(kc_controller *c)
{
    if (!c->registered || c->acting)
        return;
    int32_t id = read_controller(c);
    atomic_store(&c->active_id, id);
    if (id >= 0)
        return; /* someone is controller; the watch tells us when that changes */
    int32_t epoch, version;
    if (read_epoch(c, &epoch, &version)) {
        kc_warn("CONTROLLER", "cannot read /controller_epoch; election retried on next event");
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char *json = kc_znode_controller_json(c->cfg->broker_id,
                                          (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    char epoch_s[16];
    snprintf(epoch_s, sizeof(epoch_s), "%d", epoch + 1);
    zoo_op_t ops[2];
    struct Stat st;
    zoo_create_op_init(&ops[0], "/controller", json, (int)strlen(json),
                       kc_zk_acl(c->zk, "/controller"), ZOO_EPHEMERAL, NULL, 0);
    zoo_set_op_init(&ops[1], "/controller_epoch", epoch_s, (int)strlen(epoch_s), version, &st);
    zoo_op_result_t res[2];
    zhandle_t *zh = kc_zk_acquire(c->zk);
    int rc = zh ? zoo_multi(zh, 2, ops, res) : ZINVALIDSTATE;
    kc_zk_release(c->zk);
    free(json);
    if (rc != ZOK) {
        /* NODEEXISTS / BADVERSION: another broker won (or an earlier retry of ours did, which
         * the /controller contents tell) */
        id = read_controller(c);
        atomic_store(&c->active_id, id);
        if (id != c->cfg->broker_id) {
            kc_info("CONTROLLER", "broker %d lost the election (%s); controller is %d",
                    c->cfg->broker_id, zerror(rc), id);
            return;
        }
        if (read_epoch(c, &epoch, &version))
            return;
        st.version = version;
        epoch--; /* epoch + 1 below is the one stored */
    }
    atomic_store(&c->epoch, epoch + 1);
    c->epoch_zk_version = st.version;
    c->acting = true;
    atomic_store(&c->active, true);
    atomic_store(&c->active_id, c->cfg->broker_id);
    kc_info("CONTROLLER", "broker %d is the controller (epoch %d, epoch zk version %d)",
            c->cfg->broker_id, epoch + 1, st.version);
    read_controller(c); /* re-arm the watch on /controller */
    /* Kafka's first auto-rebalance check comes 5 s after failover */
    c->next_rebalance_ms = c->cfg->auto_leader_rebalance_enable ? now_ms() + 5000 : 0;
    ctl_on_failover(c);
}

static void on_controller_change(kc_controller *c)
{
    int32_t id = read_controller(c);
    atomic_store(&c->active_id, id);
    if (c->acting && id != c->cfg->broker_id)
        resign(c, "/controller names another broker");
    if (id < 0)
        elect(c);
}

/* ---------------------------------------------------------------- thread */

static void process(kc_controller *c, ctl_event *e)
{
    switch (e->type) {
    case EV_ELECT:
        c->registered = true;
        c->broker_epoch = e->broker_epoch;
        elect(c);
        break;
    case EV_EXPIRED:
        c->registered = false;
        resign(c, "ZooKeeper session expired");
        break;
    case EV_CONTROLLER_CHANGE:
        if (c->registered)
            on_controller_change(c);
        break;
    case EV_CALL: /* answered either way: NOT_CONTROLLER when not acting */
        ctl_on_call(c, e->call);
        break;
    default:
        if (!c->acting)
            break;
        switch (e->type) {
        case EV_BROKER_CHANGE:
            ctl_on_broker_change(c);
            break;
        case EV_TOPIC_CHANGE:
            ctl_on_topic_change(c);
            break;
        case EV_PARTITION_MODIFICATION:
            ctl_on_partition_modification(c, e->name);
            break;
        case EV_TOPIC_DELETION:
            ctl_on_topic_deletion(c);
            break;
        case EV_STOP_REPLICA_DONE:
            ctl_on_stop_replica_done(c, e->name, e->broker, e->error);
            break;
        default:
            break;
        }
    }
    if (c->moved) {
        resign(c, "a fenced write found a newer controller epoch");
        if (c->registered)
            on_controller_change(c);
    }
}

static void *run(void *arg)
{
    kc_controller *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        bool rebalance = false;
        while (!c->head && !rebalance) {
            if (!c->acting || c->next_rebalance_ms == 0) {
                pthread_cond_wait(&c->cond, &c->lock);
                continue;
            }
            int64_t at = c->next_rebalance_ms;
            struct timespec ts = {(time_t)(at / 1000), (long)(at % 1000) * 1000000};
            rebalance = pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT && !c->head &&
                        now_ms() >= at;
        }
        if (rebalance) {
            pthread_mutex_unlock(&c->lock);
            c->next_rebalance_ms =
                now_ms() + c->cfg->leader_imbalance_check_interval_seconds * 1000;
            ctl_auto_rebalance(c);
            if (c->moved) {
                resign(c, "a fenced write found a newer controller epoch");
                if (c->registered)
                    on_controller_change(c);
            }
            continue;
        }
        ctl_event *e = c->head;
        c->head = e->next;
        if (!c->head)
            c->tail = NULL;
        pthread_mutex_unlock(&c->lock);
        bool stop = e->type == EV_STOP;
        if (!stop)
            process(c, e);
        ctl_call_free(e->call);
        free(e->name);
        free(e);
        if (stop)
            break;
    }
    resign(c, "broker shutting down");
    return NULL;
}

kc_controller *kc_controller_new(const kc_config *cfg, kc_zk *zk)
{
    kc_controller *c = calloc(1, sizeof(*c));
    if (!c)
        kc_fatal("controller: out of memory");
    c->cfg = cfg;
    c->zk = zk;
    atomic_init(&c->active, false);
    atomic_init(&c->active_id, -1);
    atomic_init(&c->epoch, 0);
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the rebalance timer's clock */
    pthread_cond_init(&c->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&c->thread, NULL, run, c))
        kc_fatal("controller: cannot start its thread");
    return c;
}

void kc_controller_elect(kc_controller *c, int64_t broker_epoch)
{
    post(c, EV_ELECT, NULL, 0, 0, broker_epoch);
}

void kc_controller_submit(kc_controller *c, int16_t api_key, int16_t version, const uint8_t *body,
                          size_t len, kc_mailbox *mb, kc_controller_done_fn done, void *arg)
{
    ctl_event *e = calloc(1, sizeof(*e));
    ctl_call *call = calloc(1, sizeof(*call));
    if (!e || !call || !(call->body = malloc(len ? len : 1)))
        kc_fatal("controller: out of memory");
    if (len)
        memcpy(call->body, body, len);
    call->len = len;
    call->api_key = api_key;
    call->version = version;
    call->mb = mb;
    call->done = done;
    call->arg = arg;
    e->type = EV_CALL;
    e->call = call;
    post_event(c, e);
}

void kc_controller_reply_free(kc_controller_reply *r)
{
    if (!r)
        return;
    free(r->body);
    free(r);
}

void kc_controller_session_expired(kc_controller *c)
{
    /* resign now: the active flag must not outlive the session that backed it */
    atomic_store(&c->active, false);
    ctl_post(c, EV_EXPIRED, NULL, 0, 0);
}

bool kc_controller_is_active(const kc_controller *c)
{
    return c && atomic_load(&c->active);
}

int32_t kc_controller_active_id(const kc_controller *c)
{
    return c ? atomic_load(&c->active_id) : -1;
}

int32_t kc_controller_epoch(const kc_controller *c)
{
    return c ? atomic_load(&c->epoch) : 0;
}

void kc_controller_free(kc_controller *c)
{
    if (!c)
        return;
    ctl_post(c, EV_STOP, NULL, 0, 0);
    pthread_join(c->thread, NULL);
    for (ctl_event *e = c->head, *n; e; e = n) {
        n = e->next;
        ctl_call_free(e->call);
        free(e->name);
        free(e);
    }
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
}
