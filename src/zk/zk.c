/*
 * Session handling and the thread bridge. Completions run on libzookeeper_mt's completion
 * thread: they copy what they got into a heap `op` and post it; nothing else happens there.
 */
#include "zk/zk.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

struct kc_zk {
    char *hosts;  /* without chroot */
    char *chroot; /* "/kafka" or NULL */
    int session_timeout_ms;
    kc_mailbox *mb;
    kc_zk_watch_cb on_watch;
    kc_zk_session_cb on_session;
    void *arg;
    zhandle_t *zh;
    pthread_mutex_t lock; /* guards connected for the start-up wait */
    pthread_cond_t cond;
    int connected;
    int connect_timeout_ms; /* zookeeper.connection.timeout.ms, for start-up retries */
    /* Readers: the controller thread around each synchronous call. Writer: the reactor when
     * it replaces or closes the handle, so no call runs on a handle being closed. */
    pthread_rwlock_t handle_lock;
    char *digest; /* "user:password" for zoo_add_auth, or NULL */
    bool set_acl; /* zookeeper.set.acl: create znodes with Kafka's secure ACLs */
};

typedef struct op {
    kc_zk *zk;
    kc_zk_cb cb;
    void *arg;
    kc_zk_result res;
    char *data_copy;
    char *path_copy;
    zoo_op_result_t *multi_results;
} op;

typedef struct zk_event {
    kc_zk *zk;
    zhandle_t *zh;
    int type, state;
    char *path;
} zk_event;

static void event_on_reactor(void *arg)
{
    zk_event *e = arg;
    if (e->zh == e->zk->zh) {
        if (e->type == ZOO_SESSION_EVENT)
            e->zk->on_session(e->state, e->zk->arg);
        else
            e->zk->on_watch(e->type, e->path, e->zk->arg);
    }
    free(e->path);
    free(e);
}

/* ZooKeeper thread. */
static void global_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
    kc_zk *zk = ctx;
    if (type == ZOO_SESSION_EVENT) {
        pthread_mutex_lock(&zk->lock);
        zk->connected = state == ZOO_CONNECTED_STATE;
        pthread_cond_broadcast(&zk->cond);
        pthread_mutex_unlock(&zk->lock);
    }
    if (!zk->mb)
        return;
    zk_event *e = calloc(1, sizeof(*e));
    if (!e)
        kc_fatal("zk: out of memory");
    e->zk = zk;
    e->zh = zh;
    e->type = type;
    e->state = state;
    e->path = strdup(path ? path : "");
    kc_mailbox_post(zk->mb, event_on_reactor, e);
}

kc_zk *kc_zk_new(const char *connect, int session_timeout_ms, kc_mailbox *mb,
                 kc_zk_watch_cb on_watch, kc_zk_session_cb on_session, void *arg)
{
    kc_zk *zk = calloc(1, sizeof(*zk));
    if (!zk || !(zk->hosts = strdup(connect)))
        kc_fatal("zk: out of memory");
    char *slash = strchr(zk->hosts, '/');
    if (slash) {
        if (slash[1])
            zk->chroot = strdup(slash);
        *slash = '\0';
        size_t n = zk->chroot ? strlen(zk->chroot) : 0;
        if (n > 1 && zk->chroot[n - 1] == '/')
            zk->chroot[n - 1] = '\0';
    }
    zk->session_timeout_ms = session_timeout_ms;
    zk->mb = mb;
    zk->on_watch = on_watch;
    zk->on_session = on_session;
    zk->arg = arg;
    pthread_mutex_init(&zk->lock, NULL);
    pthread_cond_init(&zk->cond, NULL);
    pthread_rwlock_init(&zk->handle_lock, NULL);
    return zk;
}

static int wait_connected(kc_zk *zk, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&zk->lock);
    int rc = 0;
    while (!zk->connected && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&zk->cond, &zk->lock, &deadline);
    int ok = zk->connected;
    pthread_mutex_unlock(&zk->lock);
    return ok ? 0 : -1;
}

static char *full_hosts(const kc_zk *zk)
{
    size_t n = strlen(zk->hosts) + (zk->chroot ? strlen(zk->chroot) : 0) + 1;
    char *s = malloc(n);
    if (!s)
        kc_fatal("zk: out of memory");
    snprintf(s, n, "%s%s", zk->hosts, zk->chroot ? zk->chroot : "");
    return s;
}

bool kc_zk_sync_retry(kc_zk *zk, int rc, int64_t *deadline_ms)
{
    if (rc != ZCONNECTIONLOSS && rc != ZOPERATIONTIMEOUT)
        return false;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    if (*deadline_ms == 0)
        *deadline_ms = ms + zk->connect_timeout_ms;
    if (ms >= *deadline_ms)
        return false;
    kc_warn("ZK", "ZooKeeper call failed (%s), retrying", zerror(rc));
    struct timespec pause = {0, 200 * 1000000};
    nanosleep(&pause, NULL);
    return true;
}

int kc_zk_sync_get(kc_zk *zk, const char *path, char *buf, int *len)
{
    int cap = *len, rc;
    int64_t deadline = 0;
    do {
        *len = cap;
        rc = zoo_get(zk->zh, path, 0, buf, len, NULL);
    } while (kc_zk_sync_retry(zk, rc, &deadline));
    return rc;
}

int kc_zk_sync_get_children(kc_zk *zk, const char *path, struct String_vector *out)
{
    int rc;
    int64_t deadline = 0;
    do
        rc = zoo_get_children(zk->zh, path, 0, out);
    while (kc_zk_sync_retry(zk, rc, &deadline));
    return rc;
}

#define RESOLVE_WINDOW_MS 30000

/* Every new handle authenticates before its first request: the C client queues the auth packet
 * ahead of them and sends it again after each reconnection of the session. */
static zhandle_t *open_handle(kc_zk *zk, const char *hosts)
{
    zhandle_t *zh = zookeeper_init(hosts, global_watcher, zk->session_timeout_ms, NULL, zk, 0);
    /* By default the client resolves every host name (getaddrinfo: a netlink socket and a read
     * of /dev/urandom) on each turn of its I/O loop, that is for nearly every request: a
     * controller reading 10,000 partition states spent a fifth of its time there. Resolve at
     * most every RESOLVE_WINDOW_MS, and always after a connection loss (as the Java client). */
    if (zh)
        zoo_set_servers_resolution_delay(zh, RESOLVE_WINDOW_MS);
    if (zh && zk->digest)
        zoo_add_auth(zh, "digest", zk->digest, (int)strlen(zk->digest), NULL, NULL);
    return zh;
}

void kc_zk_set_security(kc_zk *zk, const char *digest, bool set_acl)
{
    free(zk->digest);
    zk->digest = digest && *digest ? strdup(digest) : NULL;
    if (digest && *digest && !zk->digest)
        kc_fatal("zk: out of memory");
    zk->set_acl = set_acl;
}

/* Kafka's ZkData.defaultAcls: the creator (any session with the same digest identity) may do
 * everything and the world may read, except under the sensitive roots (ZkData.SensitiveRootPaths:
 * SCRAM credentials and dynamic broker configs, which may hold passwords), which the world may
 * not even read. */
#define PERM_READ 1 /* ZOO_PERM_READ, ZOO_PERM_ALL: extern ints in the C API, not constants */
#define PERM_ALL  31
static struct ACL creator_all[] = {{PERM_ALL, {"auth", ""}}};
static struct ACL creator_all_world_read[] = {{PERM_ALL, {"auth", ""}},
                                              {PERM_READ, {"world", "anyone"}}};
static struct ACL_vector secure_sensitive = {1, creator_all};
static struct ACL_vector secure_default = {2, creator_all_world_read};

static bool under(const char *path, const char *root)
{
    size_t n = strlen(root);
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

struct ACL_vector *kc_zk_acl(const kc_zk *zk, const char *path)
{
    if (!zk->set_acl)
        return &ZOO_OPEN_ACL_UNSAFE;
    if (path && (under(path, "/config/users") || under(path, "/config/brokers") ||
                 under(path, "/delegation_token")))
        return &secure_sensitive;
    return &secure_default;
}

int kc_zk_connect(kc_zk *zk, int timeout_ms, char *err, size_t errlen)
{
    zk->connect_timeout_ms = timeout_ms;
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    if (zk->chroot) {
        /* The chroot must exist before a chrooted session is usable (Kafka creates it). */
        kc_mailbox *mb = zk->mb;
        zk->mb = NULL;
        zk->zh = open_handle(zk, zk->hosts);
        if (!zk->zh || wait_connected(zk, timeout_ms)) {
            snprintf(err, errlen, "cannot connect to ZooKeeper '%s' within %d ms", zk->hosts,
                     timeout_ms);
            zk->mb = mb;
            return -1;
        }
        int rc = kc_zk_sync_mkdirs(zk, zk->chroot);
        zookeeper_close(zk->zh);
        zk->zh = NULL;
        zk->connected = 0;
        zk->mb = mb;
        if (rc != ZOK) {
            snprintf(err, errlen, "cannot create chroot '%s': %s", zk->chroot, zerror(rc));
            return -1;
        }
    }
    char *hosts = full_hosts(zk);
    zk->zh = open_handle(zk, hosts);
    free(hosts);
    if (!zk->zh || wait_connected(zk, timeout_ms)) {
        snprintf(err, errlen, "cannot connect to ZooKeeper '%s' within %d ms", zk->hosts,
                 timeout_ms);
        return -1;
    }
    return 0;
}

int kc_zk_reconnect(kc_zk *zk)
{
    pthread_rwlock_wrlock(&zk->handle_lock);
    if (zk->zh)
        zookeeper_close(zk->zh);
    zk->connected = 0;
    char *hosts = full_hosts(zk);
    zk->zh = open_handle(zk, hosts);
    free(hosts);
    pthread_rwlock_unlock(&zk->handle_lock);
    return zk->zh ? 0 : -1;
}

zhandle_t *kc_zk_acquire(kc_zk *zk)
{
    pthread_rwlock_rdlock(&zk->handle_lock);
    return zk->zh;
}

void kc_zk_release(kc_zk *zk)
{
    pthread_rwlock_unlock(&zk->handle_lock);
}

zhandle_t *kc_zk_handle(kc_zk *zk)
{
    return zk->zh;
}

int64_t kc_zk_session_id(kc_zk *zk)
{
    const clientid_t *id = zk->zh ? zoo_client_id(zk->zh) : NULL;
    return id ? id->client_id : 0;
}

void kc_zk_close(kc_zk *zk)
{
    if (zk && zk->zh) {
        pthread_rwlock_wrlock(&zk->handle_lock);
        zookeeper_close(zk->zh);
        zk->zh = NULL;
        pthread_rwlock_unlock(&zk->handle_lock);
    }
}

void kc_zk_free(kc_zk *zk)
{
    if (!zk)
        return;
    kc_zk_close(zk);
    pthread_mutex_destroy(&zk->lock);
    pthread_cond_destroy(&zk->cond);
    pthread_rwlock_destroy(&zk->handle_lock);
    free(zk->hosts);
    free(zk->chroot);
    free(zk->digest);
    free(zk);
}

int kc_zk_sync_mkdirs(kc_zk *zk, const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            int rc;
            int64_t deadline = 0;
            do
                rc = zoo_create(zk->zh, buf, NULL, -1, kc_zk_acl(zk, buf), 0, NULL, 0);
            while (kc_zk_sync_retry(zk, rc, &deadline));
            if (rc != ZOK && rc != ZNODEEXISTS)
                return rc;
            *p = c;
            if (!c)
                return ZOK;
        }
    }
}

int kc_zk_sync_mkdirs_all(kc_zk *zk, const char *const *paths)
{
    /* a restart finds them all: one multi of existence checks instead of a create per level */
    int n = 0;
    while (paths[n])
        n++;
    zoo_op_t *ops = calloc((size_t)n + 1, sizeof(*ops));
    zoo_op_result_t *res = calloc((size_t)n + 1, sizeof(*res));
    if (!ops || !res)
        kc_fatal("zk: out of memory");
    for (int i = 0; i < n; i++)
        zoo_check_op_init(&ops[i], paths[i], -1); /* version -1: any, the znode must exist */
    int rc = n ? zoo_multi(zk->zh, n, ops, res) : ZOK;
    free(ops);
    free(res);
    for (int i = 0; i < n && rc != ZOK; i++) {
        int e = kc_zk_sync_mkdirs(zk, paths[i]);
        if (e != ZOK)
            return e;
    }
    return ZOK;
}

/* ---- asynchronous operations ---- */

static op *op_new(kc_zk *zk, kc_zk_cb cb, void *arg)
{
    op *o = calloc(1, sizeof(*o));
    if (!o)
        kc_fatal("zk: out of memory");
    o->zk = zk;
    o->cb = cb;
    o->arg = arg;
    o->res.data_len = -1;
    return o;
}

static void op_on_reactor(void *arg)
{
    op *o = arg;
    o->res.data = o->data_copy;
    o->res.path = o->path_copy;
    o->cb(&o->res, o->arg);
    for (int i = 0; i < o->res.n_children; i++)
        free(o->res.children[i]);
    free(o->res.children);
    free(o->data_copy);
    free(o->path_copy);
    free(o->multi_results);
    free(o);
}

static void op_post(op *o, int rc)
{
    o->res.rc = rc;
    kc_mailbox_post(o->zk->mb, op_on_reactor, o);
}

static void on_string(int rc, const char *value, const void *data)
{
    op *o = (op *)data;
    if (rc == ZOK && value)
        o->path_copy = strdup(value);
    op_post(o, rc);
}

static void on_data(int rc, const char *value, int len, const struct Stat *stat, const void *data)
{
    op *o = (op *)data;
    if (rc == ZOK) {
        if (stat)
            o->res.stat = *stat;
        if (value && len >= 0) {
            o->data_copy = malloc((size_t)len + 1);
            if (!o->data_copy)
                kc_fatal("zk: out of memory");
            memcpy(o->data_copy, value, (size_t)len);
            o->data_copy[len] = '\0';
            o->res.data_len = len;
        }
    }
    op_post(o, rc);
}

static void on_stat(int rc, const struct Stat *stat, const void *data)
{
    op *o = (op *)data;
    if (rc == ZOK && stat)
        o->res.stat = *stat;
    op_post(o, rc);
}

static void on_strings(int rc, const struct String_vector *v, const void *data)
{
    op *o = (op *)data;
    if (rc == ZOK && v && v->count > 0) {
        o->res.children = calloc((size_t)v->count, sizeof(char *));
        if (!o->res.children)
            kc_fatal("zk: out of memory");
        for (int i = 0; i < v->count; i++)
            if (!(o->res.children[i] = strdup(v->data[i])))
                kc_fatal("zk: out of memory");
        o->res.n_children = v->count;
    }
    op_post(o, rc);
}

static void on_void(int rc, const void *data)
{
    op_post((op *)data, rc);
}

/* A zoo_a* call that fails synchronously never calls its completion: report it the same way. */
static void check_submit(op *o, int rc)
{
    if (rc != ZOK)
        op_post(o, rc);
}

/* Each call below submits only with a live handle; without one (between an expiry and the new
 * session) the callback gets ZINVALIDSTATE through the same path as any failure. */

void kc_zk_acreate(kc_zk *zk, const char *path, const char *data, int len, int flags, kc_zk_cb cb,
                   void *arg)
{
    op *o = op_new(zk, cb, arg);
    check_submit(
        o, zk->zh ? zoo_acreate(zk->zh, path, data, len, kc_zk_acl(zk, path), flags, on_string, o)
                  : ZINVALIDSTATE);
}

void kc_zk_aget(kc_zk *zk, const char *path, int watch, kc_zk_cb cb, void *arg)
{
    op *o = op_new(zk, cb, arg);
    check_submit(o, zk->zh ? zoo_aget(zk->zh, path, watch, on_data, o) : ZINVALIDSTATE);
}

void kc_zk_aget_children(kc_zk *zk, const char *path, int watch, kc_zk_cb cb, void *arg)
{
    op *o = op_new(zk, cb, arg);
    check_submit(o, zk->zh ? zoo_aget_children(zk->zh, path, watch, on_strings, o) : ZINVALIDSTATE);
}

void kc_zk_aset(kc_zk *zk, const char *path, const char *data, int len, int version, kc_zk_cb cb,
                void *arg)
{
    op *o = op_new(zk, cb, arg);
    check_submit(o,
                 zk->zh ? zoo_aset(zk->zh, path, data, len, version, on_stat, o) : ZINVALIDSTATE);
}

void kc_zk_amulti(kc_zk *zk, int count, const zoo_op_t *ops, kc_zk_cb cb, void *arg)
{
    op *o = op_new(zk, cb, arg);
    o->multi_results = calloc((size_t)count, sizeof(zoo_op_result_t));
    if (!o->multi_results)
        kc_fatal("zk: out of memory");
    check_submit(o, zk->zh ? zoo_amulti(zk->zh, count, ops, o->multi_results, on_void, o)
                           : ZINVALIDSTATE);
}
