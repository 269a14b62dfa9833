/*
 * Delayed operations (see purgatory.h). Invariant: an operation is in the watch list of each of
 * its keys exactly while it is pending; it leaves all of them (and its timer is freed) before
 * its completion runs, so a completion that triggers further checks never meets it again.
 */
#include "broker/purgatory.h"

#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>

#include "broker/broker.h"
#include "common/clock.h"
#include "common/log.h"
#include "net/conn.h"

#define N_BUCKETS 4096

typedef struct watch_list {
    struct watch_list *next;
    const void *key;
    kc_delayed **ops;
    int n, cap;
    bool soon; /* the key waits in the purgatory's soon list */
} watch_list;

struct kc_delayed {
    kc_purgatory *pg;
    const kc_delayed_ops *ops;
    void *arg;
    const void **keys;
    int n_keys;
    struct event *timer;
    kc_request *req;
};

struct kc_purgatory {
    kc_broker *b;
    watch_list *buckets[N_BUCKETS];
    int size;
    /* kc_purgatory_check_soon(): keys to check once the callbacks already due this turn ran */
    struct event *soon_ev;
    const void **soon;
    int n_soon, cap_soon;
};

static size_t bucket_of(const void *key)
{
    uintptr_t k = (uintptr_t)key;
    k ^= k >> 17;
    k *= 0x9E3779B97F4A7C15ull;
    return (size_t)(k >> 40) % N_BUCKETS;
}

static watch_list *list_find(kc_purgatory *pg, const void *key, bool create)
{
    watch_list **pp = &pg->buckets[bucket_of(key)];
    for (watch_list *w = *pp; w; w = w->next)
        if (w->key == key)
            return w;
    if (!create)
        return NULL;
    watch_list *w = calloc(1, sizeof(*w));
    if (!w)
        kc_fatal("purgatory: out of memory");
    w->key = key;
    w->next = *pp;
    *pp = w;
    return w;
}

static void list_remove(kc_purgatory *pg, const void *key, kc_delayed *d)
{
    watch_list **pp = &pg->buckets[bucket_of(key)];
    for (watch_list *w = *pp; w; pp = &w->next, w = w->next) {
        if (w->key != key)
            continue;
        for (int i = 0; i < w->n; i++)
            if (w->ops[i] == d) {
                w->ops[i] = w->ops[--w->n];
                break;
            }
        if (w->n == 0) {
            *pp = w->next;
            free(w->ops);
            free(w);
        }
        return;
    }
}

/* Stop watching @p d everywhere; it is then owned by whoever completes it. */
static void unwatch(kc_delayed *d)
{
    kc_purgatory *pg = d->pg;
    for (int i = 0; i < d->n_keys; i++)
        list_remove(pg, d->keys[i], d);
    event_free(d->timer);
    d->timer = NULL;
    if (d->req) {
        d->req->on_orphan = NULL;
        d->req->pending = NULL;
    }
    pg->size--;
}

static void finish(kc_delayed *d, bool expired)
{
    kc_broker *b = d->pg->b;
    const kc_delayed_ops *ops = d->ops;
    void *arg = d->arg;
    free(d->keys);
    free(d);
    ops->complete(b, arg, expired);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_delayed *d = arg;
    unwatch(d);
    finish(d, true);
}

static void on_orphan(kc_request *req)
{
    kc_delayed *d = req->pending;
    unwatch(d);
    finish(d, true);
}

kc_purgatory *kc_purgatory_new(kc_broker *b)
{
    kc_purgatory *pg = calloc(1, sizeof(*pg));
    if (!pg)
        kc_fatal("purgatory: out of memory");
    pg->b = b;
    return pg;
}

kc_delayed *kc_purgatory_watch(kc_purgatory *pg, const void *const *keys, int n_keys,
                               int64_t timeout_ms, const kc_delayed_ops *ops, void *arg,
                               kc_request *req)
{
    const void *self = pg;
    if (n_keys <= 0) { /* still findable by kc_purgatory_expire_all(), under the purgatory */
        keys = &self;
        n_keys = 1;
    }
    kc_delayed *d = calloc(1, sizeof(*d));
    d->keys = calloc((size_t)n_keys, sizeof(*d->keys));
    if (!d || !d->keys)
        kc_fatal("purgatory: out of memory");
    d->pg = pg;
    d->ops = ops;
    d->arg = arg;
    for (int i = 0; i < n_keys; i++) {
        bool dup = false;
        for (int j = 0; j < d->n_keys && !dup; j++)
            dup = d->keys[j] == keys[i];
        if (dup)
            continue;
        d->keys[d->n_keys++] = keys[i];
        watch_list *w = list_find(pg, keys[i], true);
        if (w->n == w->cap) {
            w->cap = w->cap ? 2 * w->cap : 4;
            w->ops = realloc(w->ops, sizeof(*w->ops) * (size_t)w->cap);
            if (!w->ops)
                kc_fatal("purgatory: out of memory");
        }
        w->ops[w->n++] = d;
    }
    d->timer = evtimer_new(pg->b->base, on_timeout, d);
    struct timeval tv = kc_timeval_ms(timeout_ms);
    evtimer_add(d->timer, &tv);
    if (req) {
        d->req = req;
        req->pending = d;
        req->on_orphan = on_orphan;
        kc_request_delayed(req); /* handled: no longer counts as queued */
    }
    pg->size++;
    return d;
}

void kc_purgatory_check(kc_purgatory *pg, const void *key)
{
    watch_list *w = list_find(pg, key, false);
    if (!w)
        return;
    /* Take every ready operation out first, then complete them: a completion may append,
     * answer, or watch new operations, and must only ever meet the lists, never this walk. */
    kc_delayed *stack[64], **ready = stack;
    int n = 0, cap = 64;
    for (int i = 0; i < w->n; i++) {
        kc_delayed *d = w->ops[i];
        if (!d->ops->ready(pg->b, d->arg))
            continue;
        if (n == cap) {
            cap *= 2;
            kc_delayed **bigger = malloc(sizeof(*bigger) * (size_t)cap);
            if (!bigger)
                kc_fatal("purgatory: out of memory");
            for (int j = 0; j < n; j++)
                bigger[j] = ready[j];
            if (ready != stack)
                free(ready);
            ready = bigger;
        }
        ready[n++] = d;
    }
    for (int i = 0; i < n; i++)
        unwatch(ready[i]); /* may free w */
    for (int i = 0; i < n; i++)
        finish(ready[i], false);
    if (ready != stack)
        free(ready);
}

static void on_soon(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_purgatory *pg = arg;
    /* keys marked while these checks run (a completion that appends) wait for the next pass:
     * take the list as it is now */
    const void **keys = pg->soon;
    int n = pg->n_soon;
    pg->soon = NULL;
    pg->n_soon = pg->cap_soon = 0;
    for (int i = 0; i < n; i++) {
        watch_list *w = list_find(pg, keys[i], false);
        if (w)
            w->soon = false;
    }
    for (int i = 0; i < n; i++)
        kc_purgatory_check(pg, keys[i]);
    free(keys);
}

void kc_purgatory_check_soon(kc_purgatory *pg, const void *key)
{
    watch_list *w = list_find(pg, key, false);
    if (!w || w->soon)
        return; /* nothing waits on it, or its check is already due */
    if (pg->n_soon == pg->cap_soon) {
        pg->cap_soon = pg->cap_soon ? 2 * pg->cap_soon : 16;
        pg->soon = realloc(pg->soon, sizeof(*pg->soon) * (size_t)pg->cap_soon);
        if (!pg->soon)
            kc_fatal("purgatory: out of memory");
    }
    pg->soon[pg->n_soon++] = key;
    w->soon = true;
    if (!pg->soon_ev && !(pg->soon_ev = event_new(pg->b->base, -1, 0, on_soon, pg)))
        kc_fatal("purgatory: out of memory");
    if (pg->n_soon == 1)
        event_active(pg->soon_ev, 0, 0);
}

int kc_purgatory_size(const kc_purgatory *pg)
{
    return pg->size;
}

void kc_purgatory_expire_all(kc_purgatory *pg)
{
    for (;;) {
        kc_delayed *d = NULL;
        for (int i = 0; i < N_BUCKETS && !d; i++)
            if (pg->buckets[i])
                d = pg->buckets[i]->ops[0];
        if (!d)
            return;
        unwatch(d);
        finish(d, true);
    }
}

void kc_purgatory_free(kc_purgatory *pg)
{
    if (pg->soon_ev)
        event_free(pg->soon_ev);
    free(pg->soon);
    free(pg);
}
