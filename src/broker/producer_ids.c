/*
 * The block claim is a read-modify-conditional-write loop on the reactor: get the znode, write
 * the next block at the version read; a BADVERSION means another broker (or our own lost reply)
 * wrote first, so the znode is read again and the claim counts as done only if it holds exactly
 * our block. Invariant: ids in [next, end] are ours and unused; next > end means none.
 */
#include "broker/producer_ids.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "common/log.h"
#include "proto/errors.h"
#include "zk/zk.h"
#include "zk/znodes.h"

#define BLOCK_PATH "/latest_producer_id_block"

typedef struct waiter {
    kc_producer_id_cb cb;
    void *arg;
} waiter;

typedef struct kc_producer_ids {
    kc_broker *b;
    int64_t next, end;
    int64_t claim_start, claim_end; /* the block being written */
    bool claiming, shut;
    waiter *waiting;
    int n_waiting, cap_waiting;
} kc_producer_ids;

static void claim(kc_producer_ids *p);

static void fail_waiting(kc_producer_ids *p)
{
    waiter *w = p->waiting;
    int n = p->n_waiting;
    p->waiting = NULL;
    p->n_waiting = p->cap_waiting = 0;
    for (int i = 0; i < n; i++)
        w[i].cb(p->b, -1, KC_ERR_COORDINATOR_NOT_AVAILABLE, w[i].arg);
    free(w);
}

static void serve_waiting(kc_producer_ids *p)
{
    int served = 0;
    while (served < p->n_waiting && p->next <= p->end) {
        waiter w = p->waiting[served++];
        w.cb(p->b, p->next++, KC_ERR_NONE, w.arg);
    }
    for (int i = served; i < p->n_waiting; i++)
        p->waiting[i - served] = p->waiting[i];
    p->n_waiting -= served;
    if (p->n_waiting > 0)
        claim(p); /* more waiters than ids left in a block */
}

static void claimed(kc_producer_ids *p)
{
    p->claiming = false;
    p->next = p->claim_start;
    p->end = p->claim_end;
    kc_info("BROKER", "producer id block [%lld, %lld] claimed", (long long)p->next,
            (long long)p->end);
    serve_waiting(p);
}

static void claim_failed(kc_producer_ids *p, const char *why, int rc)
{
    p->claiming = false;
    kc_warn("BROKER", "cannot claim a producer id block: %s (ZooKeeper %d)", why, rc);
    fail_waiting(p); /* clients retry InitProducerId: the next request claims again */
}

static void on_reread(const kc_zk_result *res, void *arg);

static void on_written(const kc_zk_result *res, void *arg)
{
    kc_producer_ids *p = arg;
    if (p->shut)
        return;
    if (res->rc == ZOK)
        claimed(p);
    else if (res->rc == ZBADVERSION) /* lost race, or our write landed and its reply was lost */
        kc_zk_aget(p->b->zk, BLOCK_PATH, 0, on_reread, p);
    else
        claim_failed(p, "setData failed", res->rc);
}

/* Read the znode and write the block after the one it holds. @p check_ours: a BADVERSION
 * re-read, which succeeded if the znode already holds our block. */
static void on_read(const kc_zk_result *res, void *arg, bool check_ours)
{
    kc_producer_ids *p = arg;
    if (p->shut)
        return;
    if (res->rc != ZOK) {
        claim_failed(p, "getData failed", res->rc);
        return;
    }
    int32_t broker;
    int64_t start, end;
    int rc = kc_znode_producer_id_block_parse(res->data, res->data_len, &broker, &start, &end);
    if (rc < 0) {
        claim_failed(p, "unreadable " BLOCK_PATH, 0);
        return;
    }
    if (check_ours && rc == 1 && broker == p->b->cfg->broker_id && start == p->claim_start &&
        end == p->claim_end) {
        claimed(p);
        return;
    }
    if (rc == 1 && end > INT64_MAX - KC_PRODUCER_ID_BLOCK) {
        claim_failed(p, "producer ids exhausted", 0);
        return;
    }
    p->claim_start = rc == 1 ? end + 1 : 0;
    p->claim_end = p->claim_start + KC_PRODUCER_ID_BLOCK - 1;
    char *json =
        kc_znode_producer_id_block_json(p->b->cfg->broker_id, p->claim_start, p->claim_end);
    kc_zk_aset(p->b->zk, BLOCK_PATH, json, (int)strlen(json), res->stat.version, on_written, p);
    free(json);
}

static void on_first_read(const kc_zk_result *res, void *arg)
{
    on_read(res, arg, false);
}

static void on_reread(const kc_zk_result *res, void *arg)
{
    on_read(res, arg, true);
}

static void claim(kc_producer_ids *p)
{
    if (p->claiming || p->shut)
        return;
    p->claiming = true;
    kc_zk_aget(p->b->zk, BLOCK_PATH, 0, on_first_read, p);
}

void kc_producer_ids_start(kc_broker *b)
{
    kc_producer_ids *p = calloc(1, sizeof(*p));
    if (!p)
        kc_fatal("producer ids: out of memory");
    p->b = b;
    p->next = 0;
    p->end = -1;
    b->producer_ids = p;
    claim(p);
}

void kc_producer_ids_take(kc_broker *b, kc_producer_id_cb cb, void *arg)
{
    kc_producer_ids *p = b->producer_ids;
    if (!p || p->shut) {
        cb(b, -1, KC_ERR_COORDINATOR_NOT_AVAILABLE, arg);
        return;
    }
    if (p->n_waiting == 0 && p->next <= p->end) {
        cb(b, p->next++, KC_ERR_NONE, arg);
        return;
    }
    if (p->n_waiting == p->cap_waiting) {
        int cap = p->cap_waiting ? 2 * p->cap_waiting : 8;
        waiter *w = realloc(p->waiting, sizeof(*w) * (size_t)cap);
        if (!w)
            kc_fatal("producer ids: out of memory");
        p->waiting = w;
        p->cap_waiting = cap;
    }
    p->waiting[p->n_waiting++] = (waiter){cb, arg};
    claim(p);
}

void kc_producer_ids_shutdown(kc_broker *b)
{
    kc_producer_ids *p = b->producer_ids;
    if (!p || p->shut)
        return;
    p->shut = true;
    fail_waiting(p);
}

void kc_producer_ids_free(kc_broker *b)
{
    kc_producer_ids *p = b->producer_ids;
    if (!p)
        return;
    kc_producer_ids_shutdown(b);
    free(p->waiting);
    free(p);
    b->producer_ids = NULL;
}
