/*
 * The controller's ZooKeeper reads and fenced writes (synchronous, controller thread only).
 * Each call holds the session handle only for itself (kc_zk_acquire) so that the reactor can
 * replace an expired session between two calls. Transient connection errors are retried for
 * up to zookeeper.connection.timeout.ms, as Kafka's ZooKeeperClient waits for a reconnection.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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
    int attempts = 0, rc;
    int cap = 1 << 20;
    char *buf = malloc((size_t)cap + 1);
    if (!buf)
        kc_fatal("controller: out of memory");
    do {
        zhandle_t *zh = kc_zk_acquire(c->zk);
        *len = cap;
        rc = zh ? zoo_wget(zh, path, watch ? ctl_watcher : NULL, c, buf, len, st) : ZINVALIDSTATE;
        kc_zk_release(c->zk);
    } while (retry(c, rc, &attempts));
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

static int read_state(kc_controller *c, const char *topic, int p, ctl_partition *part)
{
    char path[PATH_MAX_LEN], *data;
    int len;
    struct Stat st;
    snprintf(path, sizeof(path), "/brokers/topics/%s/partitions/%d/state", topic, p);
    int rc = ctl_get(c, path, false, &data, &len, &st);
    part->has_state = false;
    if (rc != ZOK)
        return rc;
    json_t *j = data ? json_loadb(data, (size_t)len, 0, NULL) : NULL;
    free(data);
    if (!j)
        return ZMARSHALLINGERROR;
    part->has_state = true;
    part->leader = (int32_t)json_integer_value(json_object_get(j, "leader"));
    part->leader_epoch = (int32_t)json_integer_value(json_object_get(j, "leader_epoch"));
    part->controller_epoch = (int32_t)json_integer_value(json_object_get(j, "controller_epoch"));
    part->zk_version = st.version;
    json_t *isr = json_object_get(j, "isr");
    free(part->isr);
    part->n_isr = (int)json_array_size(isr);
    part->isr = calloc((size_t)(part->n_isr ? part->n_isr : 1), sizeof(int32_t));
    if (!part->isr)
        kc_fatal("controller: out of memory");
    for (int i = 0; i < part->n_isr; i++)
        part->isr[i] = (int32_t)json_integer_value(json_array_get(isr, (size_t)i));
    json_decref(j);
    return ZOK;
}

/* Parses an assignment payload into @p t's partitions from index t->n_partitions on. */
static int parse_assignment(ctl_topic *t, const char *data, int len, bool *has_id)
{
    json_t *j = data ? json_loadb(data, (size_t)len, 0, NULL) : NULL;
    json_t *parts = j ? json_object_get(j, "partitions") : NULL;
    if (!json_is_object(parts)) {
        json_decref(j);
        return -1;
    }
    const char *id = json_string_value(json_object_get(j, "topic_id"));
    *has_id = id != NULL;
    if (id)
        snprintf(t->topic_id, sizeof(t->topic_id), "%s", id);
    int n = (int)json_object_size(parts);
    if (n > t->n_partitions) {
        t->parts = realloc(t->parts, sizeof(*t->parts) * (size_t)n);
        if (!t->parts)
            kc_fatal("controller: out of memory");
        memset(&t->parts[t->n_partitions], 0, sizeof(*t->parts) * (size_t)(n - t->n_partitions));
        for (int p = t->n_partitions; p < n; p++) {
            char key[16];
            snprintf(key, sizeof(key), "%d", p);
            json_t *reps = json_object_get(parts, key);
            ctl_partition *part = &t->parts[p];
            part->n_replicas = (int)json_array_size(reps);
            part->replicas =
                calloc((size_t)(part->n_replicas ? part->n_replicas : 1), sizeof(int32_t));
            if (!part->replicas)
                kc_fatal("controller: out of memory");
            for (int r = 0; r < part->n_replicas; r++)
                part->replicas[r] = (int32_t)json_integer_value(json_array_get(reps, (size_t)r));
            part->leader = -1;
        }
        t->n_partitions = n;
    }
    json_decref(j);
    return 0;
}

/* Kafka's controller adds a topic id to an assignment written without one (older tools). */
static void add_topic_id(kc_controller *c, ctl_topic *t, const char *data, int len, int version)
{
    json_t *j = json_loadb(data, (size_t)len, 0, NULL);
    if (!j)
        return;
    kc_znode_random_uuid(t->topic_id);
    json_object_set_new(j, "topic_id", json_string(t->topic_id));
    json_object_set_new(j, "version", json_integer(3));
    char *out = json_dumps(j, JSON_COMPACT);
    json_decref(j);
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
    char path[PATH_MAX_LEN], *data;
    int len;
    struct Stat st;
    snprintf(path, sizeof(path), "/brokers/topics/%s", name);
    if (ctl_get(c, path, true, &data, &len, &st) != ZOK)
        return NULL;
    ctl_topic *t = calloc(1, sizeof(*t));
    if (!t || !(t->name = strdup(name)))
        kc_fatal("controller: out of memory");
    bool has_id = false;
    if (parse_assignment(t, data, len, &has_id)) {
        kc_warn("CONTROLLER", "ignoring topic %s: unreadable assignment", name);
        free(data);
        ctl_topic_free(t);
        return NULL;
    }
    if (!has_id)
        add_topic_id(c, t, data, len, st.version);
    free(data);
    for (int p = 0; p < t->n_partitions; p++)
        read_state(c, name, p, &t->parts[p]);
    return t;
}

int ctl_reload_assignment(kc_controller *c, ctl_topic *t)
{
    char path[PATH_MAX_LEN], *data;
    int len;
    struct Stat st;
    snprintf(path, sizeof(path), "/brokers/topics/%s", t->name);
    int rc = ctl_get(c, path, true, &data, &len, &st);
    if (rc != ZOK)
        return rc;
    bool has_id;
    int old = t->n_partitions;
    rc = parse_assignment(t, data, len, &has_id) ? ZMARSHALLINGERROR : ZOK;
    free(data);
    for (int p = old; p < t->n_partitions; p++)
        read_state(c, t->name, p, &t->parts[p]);
    return rc;
}

static char *state_json(int32_t leader, int32_t leader_epoch, const int32_t *isr, int n_isr,
                        int32_t controller_epoch)
{
    json_t *j = json_object();
    json_t *a = json_array();
    for (int i = 0; i < n_isr; i++)
        json_array_append_new(a, json_integer(isr[i]));
    json_object_set_new(j, "controller_epoch", json_integer(controller_epoch));
    json_object_set_new(j, "leader", json_integer(leader));
    json_object_set_new(j, "version", json_integer(1));
    json_object_set_new(j, "leader_epoch", json_integer(leader_epoch));
    json_object_set_new(j, "isr", a);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s)
        kc_fatal("controller: out of memory");
    return s;
}

int ctl_write_state(kc_controller *c, ctl_topic *t, int p, int32_t leader, int32_t leader_epoch,
                    const int32_t *isr, int n_isr)
{
    ctl_partition *part = &t->parts[p];
    int32_t epoch = atomic_load(&c->epoch);
    char *json = state_json(leader, leader_epoch, isr, n_isr, epoch);
    char ppath[PATH_MAX_LEN], pnpath[PATH_MAX_LEN], spath[PATH_MAX_LEN];
    snprintf(ppath, sizeof(ppath), "/brokers/topics/%s/partitions", t->name);
    snprintf(pnpath, sizeof(pnpath), "/brokers/topics/%s/partitions/%d", t->name, p);
    snprintf(spath, sizeof(spath), "/brokers/topics/%s/partitions/%d/state", t->name, p);
    int rc;
    struct Stat st;
    if (!part->has_state) {
        /* the parents are persistent and without data, as Kafka creates them */
        zoo_op_t op;
        zoo_create_op_init(&op, ppath, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        ctl_fenced(c, 1, &op, NULL);
        zoo_create_op_init(&op, pnpath, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        ctl_fenced(c, 1, &op, NULL);
        zoo_create_op_init(&op, spath, json, (int)strlen(json), &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
        rc = ctl_fenced(c, 1, &op, NULL);
        st.version = 0;
    } else {
        zoo_op_t op;
        zoo_set_op_init(&op, spath, json, (int)strlen(json), part->zk_version, &st);
        zoo_op_result_t res;
        rc = ctl_fenced(c, 1, &op, &res);
    }
    free(json);
    if (rc != ZOK) {
        if (!c->moved)
            kc_warn("CONTROLLER", "writing %s failed: %s; rereading it", spath, zerror(rc));
        read_state(c, t->name, p, part); /* BADVERSION: someone else wrote; take theirs */
        return rc;
    }
    part->has_state = true;
    part->leader = leader;
    part->leader_epoch = leader_epoch;
    part->controller_epoch = epoch;
    part->zk_version = st.version;
    if (part->isr != isr) {
        free(part->isr);
        part->isr = calloc((size_t)(n_isr ? n_isr : 1), sizeof(int32_t));
        if (!part->isr)
            kc_fatal("controller: out of memory");
        memcpy(part->isr, isr, sizeof(int32_t) * (size_t)n_isr);
    }
    part->n_isr = n_isr;
    part->dirty = true;
    return ZOK;
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
