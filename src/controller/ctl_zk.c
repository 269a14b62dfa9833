/*
 * The controller's ZooKeeper reads and fenced writes (synchronous, controller thread only).
 * Each call holds the session handle only for itself (kc_zk_acquire) so that the reactor can
 * replace an expired session between two calls. Transient connection errors are retried for
 * up to zookeeper.connection.timeout.ms, as Kafka's ZooKeeperClient waits for a reconnection.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "controller/ctl_internal.h"
#include "zk/znodes.h"

#define PATH_MAX_LEN 600

static bool retry(kc_controller *c, int rc, int *attempts)
{
    if ((rc != ZCONNECTIONLOSS && rc != ZOPERATIONTIMEOUT) || c->moved)
        return false;
    if (++*attempts * 200 > c->cfg->zookeeper_connection_timeout_ms)
        return false;
    struct timespec ts = {0, 200 * 1000000};
    nanosleep(&ts, NULL);
    return true;
}

void ctl_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    (void)zh;
    (void)state;
    kc_controller *c = ctx;
    if (type == ZOO_SESSION_EVENT || !path)
        return;
    if (strcmp(path, "/controller") == 0)
        ctl_post(c, EV_CONTROLLER_CHANGE, NULL, 0, 0);
    else if (strcmp(path, "/brokers/ids") == 0 || strncmp(path, "/brokers/ids/", 13) == 0)
        ctl_post(c, EV_BROKER_CHANGE, NULL, 0, 0);
    else if (strcmp(path, "/brokers/topics") == 0)
        ctl_post(c, EV_TOPIC_CHANGE, NULL, 0, 0);
    else if (strncmp(path, "/brokers/topics/", 16) == 0 && !strchr(path + 16, '/') &&
             type == ZOO_CHANGED_EVENT)
        ctl_post(c, EV_PARTITION_MODIFICATION, path + 16, 0, 0);
    else if (strcmp(path, "/admin/delete_topics") == 0)
        ctl_post(c, EV_TOPIC_DELETION, NULL, 0, 0);
}

int ctl_get(kc_controller *c, const char *path, bool watch, char **data, int *len, struct Stat *st)
{
    /* start small (state and registration payloads are ~100 bytes) and read again at the
     * node's dataLength when it did not fit */
    int attempts = 0, rc, cap = 1024;
    char *buf = NULL;
    for (;;) {
        char *grown = realloc(buf, (size_t)cap + 1);
        if (!grown)
            kc_fatal("controller: out of memory");
        buf = grown;
        do {
            zhandle_t *zh = kc_zk_acquire(c->zk);
            *len = cap;
            rc = zh ? zoo_wget(zh, path, watch ? ctl_watcher : NULL, c, buf, len, st)
                    : ZINVALIDSTATE;
            kc_zk_release(c->zk);
        } while (retry(c, rc, &attempts));
        if (rc != ZOK || st->dataLength <= cap)
            break;
        cap = st->dataLength;
    }
    if (rc != ZOK || *len < 0) {
        *len = rc == ZOK ? -1 : 0;
        free(buf);
        *data = NULL;
        return rc;
    }
    buf[*len] = '\0';
    *data = buf;
    return ZOK;
}

int ctl_children(kc_controller *c, const char *path, bool watch, struct String_vector *out)
{
    int attempts = 0, rc;
    memset(out, 0, sizeof(*out));
    do {
        zhandle_t *zh = kc_zk_acquire(c->zk);
        rc = zh ? zoo_wget_children(zh, path, watch ? ctl_watcher : NULL, c, out) : ZINVALIDSTATE;
        kc_zk_release(c->zk);
    } while (retry(c, rc, &attempts));
    return rc;
}

int ctl_exists(kc_controller *c, const char *path, struct Stat *st)
{
    int attempts = 0, rc;
    do {
        zhandle_t *zh = kc_zk_acquire(c->zk);
        rc = zh ? zoo_wexists(zh, path, ctl_watcher, c, st) : ZINVALIDSTATE;
        kc_zk_release(c->zk);
    } while (retry(c, rc, &attempts));
    return rc;
}

int ctl_fenced(kc_controller *c, int n, zoo_op_t *ops, zoo_op_result_t *res)
{
    zoo_op_t all[n + 1];
    zoo_op_result_t results[n + 1];
    memset(results, 0, sizeof(results));
    zoo_check_op_init(&all[0], "/controller_epoch", c->epoch_zk_version);
    memcpy(&all[1], ops, sizeof(zoo_op_t) * (size_t)n);
    int attempts = 0, rc;
    do {
        zhandle_t *zh = kc_zk_acquire(c->zk);
        rc = zh ? zoo_multi(zh, n + 1, all, results) : ZINVALIDSTATE;
        kc_zk_release(c->zk);
    } while (retry(c, rc, &attempts));
    if (rc == ZSESSIONEXPIRED || rc == ZINVALIDSTATE) {
        c->moved = true; /* our session is gone: so is /controller */
    } else if (rc != ZOK && rc != ZCONNECTIONLOSS && rc != ZOPERATIONTIMEOUT &&
               results[0].err != ZOK && results[0].err != ZRUNTIMEINCONSISTENCY) {
        kc_warn("CONTROLLER", "controller epoch check failed (%s): another broker is controller",
                zerror(results[0].err));
        c->moved = true;
    }
    if (res)
        memcpy(res, &results[1], sizeof(zoo_op_result_t) * (size_t)n);
    return rc;
}

/* ---------------------------------------------------------------- brokers */

int ctl_load_broker(kc_controller *c, int32_t id, ctl_broker *b)
{
    char path[64], *data;
    int len;
    struct Stat st;
    snprintf(path, sizeof(path), "/brokers/ids/%d", id);
    int rc = ctl_get(c, path, true, &data, &len, &st);
    if (rc != ZOK)
        return rc;
    memset(b, 0, sizeof(*b));
    b->id = id;
    b->epoch = st.czxid;
    json_t *j = data ? json_loadb(data, (size_t)len, 0, NULL) : NULL;
    free(data);
    if (!j)
        return ZMARSHALLINGERROR;
    const char *rack = json_string_value(json_object_get(j, "rack"));
    b->rack = rack ? strdup(rack) : NULL;
    json_t *map = json_object_get(j, "listener_security_protocol_map");
    size_t i;
    json_t *ep;
    json_array_foreach(json_object_get(j, "endpoints"), i, ep)
    {
        const char *s = json_string_value(ep);
        if (!s || b->n_eps == CTL_MAX_ENDPOINTS)
            continue;
        const char *sep = strstr(s, "://");
        if (!sep)
            continue;
        ctl_endpoint *e = &b->eps[b->n_eps];
        snprintf(e->listener, sizeof(e->listener), "%.*s", (int)(sep - s), s);
        const char *host = sep + 3, *colon = strrchr(host, ':');
        if (!colon)
            continue;
        const char *h = host;
        size_t hl = (size_t)(colon - host);
        if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') { /* IPv6 in brackets */
            h++;
            hl -= 2;
        }
        snprintf(e->host, sizeof(e->host), "%.*s", (int)hl, h);
        e->port = atoi(colon + 1);
        const char *proto = json_string_value(json_object_get(map, e->listener));
        if (!proto)
            proto = e->listener;
        e->protocol = strcmp(proto, "SSL") == 0              ? 1
                      : strcmp(proto, "SASL_PLAINTEXT") == 0 ? 2
                      : strcmp(proto, "SASL_SSL") == 0       ? 3
                                                             : 0;
        b->n_eps++;
    }
    json_decref(j);
    return ZOK;
}

/* ---------------------------------------------------------------- topics */

/* Takes a state znode's payload into @p part; rc is the read's. */
static int take_state(ctl_partition *part, int rc, char *data, int len, const struct Stat *st)
{
    part->has_state = false;
    part->meta_dirty = true;
    if (rc != ZOK)
        return rc;
    int32_t *isr = NULL;
    int n_isr = 0;
    rc = data && len >= 0
             ? kc_znode_partition_state_parse(data, (size_t)len, &part->leader, &part->leader_epoch,
                                              &part->controller_epoch, &isr, &n_isr)
             : -1;
    if (rc)
        return ZMARSHALLINGERROR;
    free(part->isr);
    part->isr = isr;
    part->n_isr = n_isr;
    part->has_state = true;
    part->zk_version = st->version;
    return ZOK;
}

static int read_state(kc_controller *c, const char *topic, int p, ctl_partition *part)
{
    char path[PATH_MAX_LEN], *data;
    int len;
    struct Stat st;
    snprintf(path, sizeof(path), "/brokers/topics/%s/partitions/%d/state", topic, p);
    int rc = ctl_get(c, path, false, &data, &len, &st);
    rc = take_state(part, rc, data, len, &st);
    free(data);
    return rc;
}

/* Pipelined reads of many state znodes (Kafka's ZooKeeperClient sends them all, then waits):
 * one round trip each made a 10,000-partition topic take seconds to load at every controller
 * election. Completions run on libzookeeper's completion thread; the controller thread waits. */
typedef struct state_batch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pending;
} state_batch;

typedef struct state_read {
    state_batch *batch;
    int rc, len;
    char *data;
    struct Stat st;
} state_read;

static void on_state_read(int rc, const char *value, int value_len, const struct Stat *stat,
                          const void *arg)
{
    state_read *r = (state_read *)arg;
    r->rc = rc;
    if (rc == ZOK && stat)
        r->st = *stat;
    if (rc == ZOK && value && value_len >= 0 && (r->data = malloc((size_t)value_len + 1))) {
        memcpy(r->data, value, (size_t)value_len);
        r->data[value_len] = '\0';
        r->len = value_len;
    }
    pthread_mutex_lock(&r->batch->mu);
    if (--r->batch->pending == 0)
        pthread_cond_signal(&r->batch->cv);
    pthread_mutex_unlock(&r->batch->mu);
}

/* One window of pipelined reads: partitions [lo, lo + n). */
typedef struct state_window {
    state_batch batch;
    int lo, n;
    state_read reads[];
} state_window;

static state_window *issue_window(kc_controller *c, ctl_topic *t, int lo, int n)
{
    state_window *w = calloc(1, sizeof(*w) + (size_t)n * sizeof(state_read));
    if (!w)
        kc_fatal("controller: out of memory");
    pthread_mutex_init(&w->batch.mu, NULL);
    pthread_cond_init(&w->batch.cv, NULL);
    w->batch.pending = n;
    w->lo = lo;
    w->n = n;
    zhandle_t *zh = kc_zk_acquire(c->zk);
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX_LEN];
        snprintf(path, sizeof(path), "/brokers/topics/%s/partitions/%d/state", t->name, lo + i);
        w->reads[i] = (state_read){.batch = &w->batch, .rc = ZSYSTEMERROR, .len = -1};
        int rc = zh ? zoo_aget(zh, path, 0, on_state_read, &w->reads[i]) : ZINVALIDSTATE;
        if (rc != ZOK) {
            w->reads[i].rc = rc;
            pthread_mutex_lock(&w->batch.mu);
            w->batch.pending--;
            pthread_mutex_unlock(&w->batch.mu);
        }
    }
    kc_zk_release(c->zk);
    return w;
}

/* Waits for the window's reads, takes their states and frees it. */
static void take_window(kc_controller *c, ctl_topic *t, state_window *w)
{
    pthread_mutex_lock(&w->batch.mu);
    while (w->batch.pending > 0)
        pthread_cond_wait(&w->batch.cv, &w->batch.mu);
    pthread_mutex_unlock(&w->batch.mu);
    for (int i = 0; i < w->n; i++) {
        ctl_partition *part = &t->parts[w->lo + i];
        state_read *r = &w->reads[i];
        /* no copy (an empty znode, out of memory): the one-by-one read says why */
        if (r->rc == ZOK && r->data)
            take_state(part, ZOK, r->data, r->len, &r->st);
        else if (r->rc == ZNONODE)
            part->has_state = false;
        else
            read_state(c, t->name, w->lo + i, part);
        free(r->data);
    }
    pthread_mutex_destroy(&w->batch.mu);
    pthread_cond_destroy(&w->batch.cv);
    free(w);
}

/* Reads the states of partitions [from, to) of @p t; a read the pipeline could not do (lost
 * connection, a payload over libzookeeper's buffer) is done again one by one with retries.
 * Two windows are in flight: the next one's reads keep ZooKeeper busy while this thread parses
 * the states of the one before (a window at a time left ZooKeeper idle for each parse). */
static void read_states(kc_controller *c, ctl_topic *t, int from, int to)
{
    enum { WINDOW = 2048 }; /* bounded: libzookeeper queues every request in memory */
    state_window *w = NULL;
    for (int lo = from; lo < to || w; lo += WINDOW) {
        state_window *next =
            lo < to ? issue_window(c, t, lo, to - lo < WINDOW ? to - lo : WINDOW) : NULL;
        if (w)
            take_window(c, t, w);
        w = next;
    }
}

/* Reads the assignment of @p t (data watch) and appends its partitions beyond
 * t->n_partitions with their states; sets @p version to the znode's and @p has_id when it
 * holds a topic id. */
static int read_assignment(kc_controller *c, ctl_topic *t, int *version, bool *has_id)
{
    char path[PATH_MAX_LEN], *data;
    int len;
    struct Stat st;
    snprintf(path, sizeof(path), "/brokers/topics/%s", t->name);
    int rc = ctl_get(c, path, true, &data, &len, &st);
    if (rc != ZOK)
        return rc;
    int32_t n, rf, *replicas;
    char id[23];
    rc = data ? kc_znode_topic_parse(data, (size_t)len, &n, &rf, &replicas, id) : -1;
    free(data);
    if (rc)
        return ZMARSHALLINGERROR;
    *version = st.version;
    *has_id = id[0] != '\0';
    if (*has_id)
        snprintf(t->topic_id, sizeof(t->topic_id), "%s", id);
    if (n > t->n_partitions) {
        t->parts = realloc(t->parts, sizeof(*t->parts) * (size_t)n);
        if (!t->parts)
            kc_fatal("controller: out of memory");
        memset(&t->parts[t->n_partitions], 0, sizeof(*t->parts) * (size_t)(n - t->n_partitions));
        for (int p = t->n_partitions; p < n; p++) {
            ctl_partition *part = &t->parts[p];
            part->n_replicas = rf;
            part->replicas = malloc(sizeof(int32_t) * (size_t)rf);
            if (!part->replicas)
                kc_fatal("controller: out of memory");
            memcpy(part->replicas, replicas + (size_t)p * (size_t)rf, sizeof(int32_t) * (size_t)rf);
            part->leader = -1;
        }
        read_states(c, t, t->n_partitions, n);
        t->n_partitions = n;
    }
    free(replicas);
    return ZOK;
}

/* Kafka's controller adds a topic id to an assignment written without one (older tools). */
static void add_topic_id(kc_controller *c, ctl_topic *t, int version)
{
    int rf = t->n_partitions ? t->parts[0].n_replicas : 0;
    int32_t *replicas = calloc((size_t)(t->n_partitions * rf + 1), sizeof(int32_t));
    if (!replicas)
        kc_fatal("controller: out of memory");
    for (int p = 0; p < t->n_partitions; p++)
        memcpy(replicas + p * rf, t->parts[p].replicas, sizeof(int32_t) * (size_t)rf);
    kc_znode_random_uuid(t->topic_id);
    char *out = kc_znode_topic_json(t->n_partitions, rf, replicas, t->topic_id);
    free(replicas);
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof(path), "/brokers/topics/%s", t->name);
    zoo_op_t op;
    zoo_set_op_init(&op, path, out, (int)strlen(out), version, NULL);
    int rc = ctl_fenced(c, 1, &op, NULL);
    if (rc != ZOK)
        kc_warn("CONTROLLER", "adding a topic id to %s failed: %s", path, zerror(rc));
    free(out);
}

ctl_topic *ctl_load_topic(kc_controller *c, const char *name)
{
    ctl_topic *t = calloc(1, sizeof(*t));
    if (!t || !(t->name = strdup(name)))
        kc_fatal("controller: out of memory");
    int version;
    bool has_id;
    if (read_assignment(c, t, &version, &has_id) != ZOK) {
        kc_warn("CONTROLLER", "ignoring topic %s: unreadable assignment", name);
        ctl_topic_free(t);
        return NULL;
    }
    if (!has_id)
        add_topic_id(c, t, version);
    return t;
}

int ctl_reload_assignment(kc_controller *c, ctl_topic *t)
{
    int version;
    bool has_id;
    return read_assignment(c, t, &version, &has_id);
}

/* The partition's cached state after a successful write of it. */
static void took_state(ctl_partition *part, int32_t leader, int32_t leader_epoch,
                       int32_t controller_epoch, int32_t zk_version, const int32_t *isr, int n_isr)
{
    part->has_state = true; /* a created state znode has version 0 */
    part->leader = leader;
    part->leader_epoch = leader_epoch;
    part->controller_epoch = controller_epoch;
    part->zk_version = zk_version;
    if (part->isr != isr) {
        free(part->isr);
        part->isr = calloc((size_t)(n_isr ? n_isr : 1), sizeof(int32_t));
        if (!part->isr)
            kc_fatal("controller: out of memory");
        memcpy(part->isr, isr, sizeof(int32_t) * (size_t)n_isr);
    }
    part->n_isr = n_isr;
    part->dirty = part->meta_dirty = true;
}

int ctl_write_state(kc_controller *c, ctl_topic *t, int p, int32_t leader, int32_t leader_epoch,
                    const int32_t *isr, int n_isr)
{
    ctl_partition *part = &t->parts[p];
    int32_t epoch = atomic_load(&c->epoch);
    char *json = kc_znode_partition_state_json(leader, leader_epoch, isr, n_isr, epoch);
    char ppath[PATH_MAX_LEN], pnpath[PATH_MAX_LEN], spath[PATH_MAX_LEN];
    snprintf(ppath, sizeof(ppath), "/brokers/topics/%s/partitions", t->name);
    snprintf(pnpath, sizeof(pnpath), "/brokers/topics/%s/partitions/%d", t->name, p);
    snprintf(spath, sizeof(spath), "/brokers/topics/%s/partitions/%d/state", t->name, p);
    int rc;
    struct Stat st = {0};
    zoo_op_t ops[2];
    if (!part->has_state) {
        /* parents persistent and without data, as Kafka creates them: one multi for the
         * partition node and its state; the topic's `partitions` node only when missing */
        zoo_create_op_init(&ops[0], pnpath, NULL, -1, kc_zk_acl(c->zk, pnpath), 0, NULL, 0);
        zoo_create_op_init(&ops[1], spath, json, (int)strlen(json), kc_zk_acl(c->zk, spath), 0,
                           NULL, 0);
        rc = ctl_fenced(c, 2, ops, NULL);
        if (rc == ZNONODE && !c->moved) {
            zoo_op_t parent;
            zoo_create_op_init(&parent, ppath, NULL, -1, kc_zk_acl(c->zk, ppath), 0, NULL, 0);
            ctl_fenced(c, 1, &parent, NULL);
            rc = ctl_fenced(c, 2, ops, NULL);
        }
        if (rc == ZNODEEXISTS && !c->moved) /* partition node left by an earlier attempt */
            rc = ctl_fenced(c, 1, &ops[1], NULL);
    } else {
        zoo_set_op_init(&ops[0], spath, json, (int)strlen(json), part->zk_version, &st);
        rc = ctl_fenced(c, 1, ops, NULL);
    }
    free(json);
    if (rc != ZOK) {
        /* the ISR may be part->isr, which the reread replaces */
        int32_t *want = malloc(sizeof(int32_t) * (size_t)(n_isr ? n_isr : 1));
        if (!want)
            kc_fatal("controller: out of memory");
        memcpy(want, isr, sizeof(int32_t) * (size_t)n_isr);
        read_state(c, t->name, p, part); /* BADVERSION: someone else wrote; take theirs */
        /* NODEEXISTS or BADVERSION on a retried write whose first reply was lost (a ZooKeeper
         * operation timeout): the znode holds our own write, fenced by our controller epoch */
        bool ours = (rc == ZNODEEXISTS || rc == ZBADVERSION) && part->has_state &&
                    part->leader == leader && part->leader_epoch == leader_epoch &&
                    part->controller_epoch == epoch && part->n_isr == n_isr &&
                    memcmp(part->isr, want, sizeof(int32_t) * (size_t)n_isr) == 0;
        free(want);
        if (ours) {
            kc_info("CONTROLLER", "%s already holds this write (a retried request)", spath);
            part->dirty = part->meta_dirty = true;
            return ZOK;
        }
        if (!c->moved)
            kc_warn("CONTROLLER", "writing %s failed: %s; reread it", spath, zerror(rc));
        return rc;
    }
    took_state(part, leader, leader_epoch, epoch, st.version, isr, n_isr);
    return ZOK;
}

void ctl_create_states(kc_controller *c, ctl_topic *t, const int *ps, const int32_t *isrs,
                       const int *n_isrs, int stride, int n)
{
    /* 2 creates a partition: 500 keep a multi near 100 KB, far below jute.maxbuffer (1 MB) */
    enum { BATCH = 500 };
    int32_t epoch = atomic_load(&c->epoch);
    for (int lo = 0; lo < n && !c->moved; lo += BATCH) {
        int k = n - lo < BATCH ? n - lo : BATCH;
        zoo_op_t *ops = calloc((size_t)k * 2, sizeof(*ops));
        char **bufs = calloc((size_t)k * 3, sizeof(char *));
        if (!ops || !bufs)
            kc_fatal("controller: out of memory");
        for (int i = 0; i < k; i++) {
            int p = ps[lo + i];
            const int32_t *isr = isrs + (size_t)(lo + i) * (size_t)stride;
            char **b = &bufs[i * 3];
            if (asprintf(&b[0], "/brokers/topics/%s/partitions/%d", t->name, p) < 0 ||
                asprintf(&b[1], "/brokers/topics/%s/partitions/%d/state", t->name, p) < 0 ||
                !(b[2] = kc_znode_partition_state_json(isr[0], 0, isr, n_isrs[lo + i], epoch)))
                kc_fatal("controller: out of memory");
            zoo_create_op_init(&ops[i * 2], b[0], NULL, -1, kc_zk_acl(c->zk, b[0]), 0, NULL, 0);
            zoo_create_op_init(&ops[i * 2 + 1], b[1], b[2], (int)strlen(b[2]),
                               kc_zk_acl(c->zk, b[1]), 0, NULL, 0);
        }
        int rc = ctl_fenced(c, k * 2, ops, NULL);
        if (rc == ZNONODE && !c->moved) { /* the topic's `partitions` node is created once */
            char ppath[PATH_MAX_LEN];
            snprintf(ppath, sizeof(ppath), "/brokers/topics/%s/partitions", t->name);
            zoo_op_t parent;
            zoo_create_op_init(&parent, ppath, NULL, -1, kc_zk_acl(c->zk, ppath), 0, NULL, 0);
            ctl_fenced(c, 1, &parent, NULL);
            rc = ctl_fenced(c, k * 2, ops, NULL);
        }
        for (int i = 0; i < k && !c->moved; i++) {
            int p = ps[lo + i];
            const int32_t *isr = isrs + (size_t)(lo + i) * (size_t)stride;
            /* a multi is all or nothing: on failure (a node left by an earlier attempt) each
             * partition is written alone, which knows those cases */
            if (rc == ZOK)
                took_state(&t->parts[p], isr[0], 0, epoch, 0, isr, n_isrs[lo + i]);
            else if (ctl_write_state(c, t, p, isr[0], 0, isr, n_isrs[lo + i]) != ZOK)
                continue;
            t->parts[p].is_new = true;
        }
        for (int i = 0; i < k * 3; i++)
            free(bufs[i]);
        free(bufs);
        free(ops);
    }
}

/* Deletes the subtree under @p path (children first), fenced, one node at a time. */
static int delete_tree(kc_controller *c, const char *path)
{
    struct String_vector kids;
    int rc = ctl_children(c, path, false, &kids);
    if (rc == ZNONODE)
        return ZOK;
    if (rc != ZOK)
        return rc;
    for (int i = 0; i < kids.count && rc == ZOK; i++) {
        char child[PATH_MAX_LEN];
        snprintf(child, sizeof(child), "%s/%s", path, kids.data[i]);
        rc = delete_tree(c, child);
    }
    deallocate_String_vector(&kids);
    if (rc != ZOK)
        return rc;
    zoo_op_t op;
    zoo_delete_op_init(&op, path, -1);
    rc = ctl_fenced(c, 1, &op, NULL);
    return rc == ZNONODE ? ZOK : rc;
}

int ctl_delete_marker(kc_controller *c, const char *name)
{
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof(path), "/admin/delete_topics/%s", name);
    zoo_op_t op;
    zoo_delete_op_init(&op, path, -1);
    int rc = ctl_fenced(c, 1, &op, NULL);
    return rc == ZNONODE ? ZOK : rc;
}

int ctl_delete_topic_znodes(kc_controller *c, ctl_topic *t)
{
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof(path), "/brokers/topics/%s", t->name);
    int rc = delete_tree(c, path);
    if (rc == ZOK) {
        snprintf(path, sizeof(path), "/config/topics/%s", t->name);
        zoo_op_t op;
        zoo_delete_op_init(&op, path, -1);
        rc = ctl_fenced(c, 1, &op, NULL);
        rc = rc == ZNONODE ? ZOK : rc;
    }
    return rc == ZOK ? ctl_delete_marker(c, t->name) : rc;
}
