/*
 * The change-notification listener (see change_listener.h for the protocol).
 *
 * Invariants: `last_seq` only grows; `queue` ascends behind its head, and the head is in flight
 * exactly while `busy`; every ZooKeeper callback checks gone() first and then touches nothing
 * but the listener and its own op.
 */
#include "broker/change_listener.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "config/dynconf.h"

#define TIMER_MS 1000

struct kc_change_listener {
    kc_broker *b;
    char root[64];
    char prefix[32];
    kc_change_fn fn;
    void *arg;
    int64_t last_seq;      /* highest notification processed, -1 = none */
    int64_t armed_session; /* session whose child watch on root is set */
    bool need_list;        /* a listing failed or a new session: list again on the timer */
    bool busy;             /* the head of the queue is with the handler */
    int64_t head_ctime;    /* creation time of the head's node, ms (0 = unknown) */
    int64_t *queue;        /* sequence numbers to process, ascending */
    int n_queue, cap_queue;
    struct event *timer;
};

/* One ZooKeeper read of a notification node. */
typedef struct cl_op {
    kc_change_listener *l;
    int64_t seq;
} cl_op;

static void pump(kc_change_listener *l);

static bool gone(const kc_change_listener *l)
{
    return l->b->shutting_down;
}

static cl_op *op_new(kc_change_listener *l, int64_t seq)
{
    cl_op *o = calloc(1, sizeof(*o));
    if (!o)
        kc_fatal("change listener: out of memory");
    o->l = l;
    o->seq = seq;
    return o;
}

static void node_path(const kc_change_listener *l, int64_t seq, char *out, size_t n)
{
    snprintf(out, n, "%s/%s%010lld", l->root, l->prefix, (long long)seq);
}

/* ------------------------------------------------------------------ purge */

typedef struct purge_op {
    zoo_op_t op;
    char path[128];
} purge_op;

static void on_purge_done(const kc_zk_result *res, void *arg)
{
    purge_op *p = arg;
    if (res->rc == ZOK)
        kc_debug("ZK", "purged change notification %s", p->path);
    free(p);
}

static void purge(kc_change_listener *l, int64_t seq)
{
    purge_op *p = calloc(1, sizeof(*p));
    if (!p)
        kc_fatal("change listener: out of memory");
    node_path(l, seq, p->path, sizeof(p->path));
    zoo_delete_op_init(&p->op, p->path, -1);
    kc_zk_amulti(l->b->zk, 1, &p->op, on_purge_done, p);
}

static bool expired(int64_t ctime)
{
    return kc_now_ms() - ctime > KC_CFG_CHANGE_EXPIRATION_MS;
}

static void on_purge_stat(const kc_zk_result *res, void *arg)
{
    cl_op *o = arg;
    if (!gone(o->l) && res->rc == ZOK && expired(res->stat.ctime))
        purge(o->l, o->seq);
    free(o);
}

/* ------------------------------------------------------------------ the queue */

void kc_change_listener_done(kc_change_listener *l, bool applied)
{
    if (!l->busy)
        return;
    l->busy = false;
    if (!applied || gone(l))
        return; /* stays at the head: the timer pumps it again */
    int64_t seq = l->queue[0];
    if (seq > l->last_seq)
        l->last_seq = seq;
    memmove(l->queue, l->queue + 1, sizeof(*l->queue) * (size_t)(l->n_queue - 1));
    l->n_queue--;
    if (l->head_ctime && expired(l->head_ctime))
        purge(l, seq);
    pump(l);
}

static void on_notification(const kc_zk_result *res, void *arg)
{
    cl_op *o = arg;
    kc_change_listener *l = o->l;
    free(o);
    if (gone(l)) {
        l->busy = false;
        return;
    }
    if (res->rc == ZNONODE) { /* purged meanwhile by another broker */
        l->head_ctime = 0;
        kc_change_listener_done(l, true);
        return;
    }
    if (res->rc != ZOK) {
        kc_warn("ZK", "reading change notification %s/%s%010lld failed: %s; retrying", l->root,
                l->prefix, (long long)l->queue[0], zerror(res->rc));
        kc_change_listener_done(l, false);
        return;
    }
    l->head_ctime = res->stat.ctime;
    l->fn(l, res->data, res->data_len, l->arg);
}

static void pump(kc_change_listener *l)
{
    if (gone(l) || l->busy || l->n_queue == 0)
        return;
    l->busy = true;
    char path[128];
    node_path(l, l->queue[0], path, sizeof(path));
    kc_zk_aget(l->b->zk, path, 0, on_notification, op_new(l, l->queue[0]));
}

static bool queued(const kc_change_listener *l, int64_t seq)
{
    for (int i = 0; i < l->n_queue; i++)
        if (l->queue[i] == seq)
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
    kc_change_listener *l = arg;
    if (gone(l))
        return;
    if (res->rc != ZOK) {
        if (res->rc != ZNONODE)
            kc_warn("ZK", "listing %s failed: %s; retrying", l->root, zerror(res->rc));
        l->need_list = true;
        return;
    }
    for (int i = 0; i < res->n_children; i++) {
        int64_t seq = kc_cfg_change_seq(res->children[i], l->prefix);
        if (seq < 0)
            continue;
        if (seq <= l->last_seq) { /* processed: purge it once it is old enough */
            char path[128];
            node_path(l, seq, path, sizeof(path));
            kc_zk_aget(l->b->zk, path, 0, on_purge_stat, op_new(l, seq));
            continue;
        }
        if (queued(l, seq))
            continue;
        if (l->n_queue == l->cap_queue) {
            int cap = l->cap_queue ? l->cap_queue * 2 : 16;
            int64_t *grown = realloc(l->queue, sizeof(*grown) * (size_t)cap);
            if (!grown)
                kc_fatal("change listener: out of memory");
            l->queue = grown;
            l->cap_queue = cap;
        }
        l->queue[l->n_queue++] = seq;
    }
    /* the head may be in flight: sort only behind it */
    int from = l->busy ? 1 : 0;
    if (l->n_queue > from)
        qsort(l->queue + from, (size_t)(l->n_queue - from), sizeof(*l->queue), cmp_i64);
    pump(l);
}

static void list_changes(kc_change_listener *l)
{
    kc_zk_aget_children(l->b->zk, l->root, 1, on_children, l);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_change_listener *l = arg;
    if (gone(l)) {
        event_del(l->timer);
        return;
    }
    int64_t sid = kc_zk_session_id(l->b->zk);
    if (sid && sid != l->armed_session) { /* a new session has no watch of ours */
        l->armed_session = sid;
        l->need_list = true;
    }
    if (l->need_list) {
        l->need_list = false;
        list_changes(l);
    }
    pump(l);
}

kc_change_listener *kc_change_listener_start(kc_broker *b, const char *root, const char *prefix,
                                             kc_change_fn fn, void *arg)
{
    kc_change_listener *l = calloc(1, sizeof(*l));
    if (!l)
        kc_fatal("change listener: out of memory");
    l->b = b;
    snprintf(l->root, sizeof(l->root), "%s", root);
    snprintf(l->prefix, sizeof(l->prefix), "%s", prefix);
    l->fn = fn;
    l->arg = arg;
    l->last_seq = -1;
    l->armed_session = kc_zk_session_id(b->zk);
    list_changes(l);
    l->timer = event_new(b->base, -1, EV_PERSIST, on_timer, l);
    struct timeval tv = kc_timeval_ms(TIMER_MS);
    if (!l->timer || event_add(l->timer, &tv))
        kc_fatal("change listener: cannot arm the timer for %s", root);
    return l;
}

void kc_change_listener_on_watch(kc_change_listener *l, int type, const char *path)
{
    if (l && !gone(l) && type == ZOO_CHILD_EVENT && strcmp(path, l->root) == 0)
        list_changes(l);
}

void kc_change_listener_free(kc_change_listener *l)
{
    if (!l)
        return;
    if (l->timer)
        event_free(l->timer);
    free(l->queue);
    free(l);
}
