/*
 * The fetch session cache (src/broker/fetch_session.h, KIP-227): the (id, epoch) decision table,
 * incremental updates (add at the tail, update in place, forget, empty session closed), the
 * response inclusion rule and its rotation, epoch wrap, and eviction by slots (stale LRU first,
 * then the (privileged, size, id) key with the 120 s minimum age), and a fetcher's mirror.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "broker/fetch_session.h"

#define S(lit) ((kc_str){lit, (int32_t)sizeof(lit) - 1})

static kc_fetch_session_cache *c;

static void teardown(void)
{
    kc_fetch_session_cache_free(c);
    c = NULL;
}

TestSuite(fetch_session, .fini = teardown, .timeout = 30);

static kc_fs_fetch_data fd(int64_t offset)
{
    return (kc_fs_fetch_data){1048576, offset, -1, -1};
}

/* A session of @p n partitions t-0 .. t-(n-1) created at @p now. */
static kc_fetch_session *make(bool privileged, int n, int64_t now)
{
    kc_fetch_session *s = kc_fetch_session_create(c, privileged, n, now);
    if (!s)
        return NULL;
    for (int i = 0; i < n; i++) {
        kc_fs_fetch_data d = fd(0);
        kc_fetch_session_update(s, S("t"), i, &d);
    }
    return s;
}

/* The session's partition numbers in order, into @p out; @return how many. */
static int order(kc_fetch_session *s, int32_t *out)
{
    int n = 0;
    kc_fs_partition *p;
    TAILQ_FOREACH (p, &s->order, order)
        out[n++] = p->partition;
    return n;
}

Test(fetch_session, create_ids_and_first_epoch)
{
    c = kc_fetch_session_cache_new(1000, 42);
    kc_fetch_session *a = make(false, 2, 1000), *b = make(true, 1, 1000);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_gt(a->id, 0);
    cr_assert_gt(b->id, 0);
    cr_assert_neq(a->id, b->id);
    cr_assert_eq(a->epoch, 1);
    cr_assert_not(a->privileged);
    cr_assert(b->privileged);
    cr_assert_eq(a->size, 2);
    cr_assert_eq(kc_fetch_session_get(c, a->id), a);
    cr_assert_eq(kc_fetch_session_cache_size(c), 2);
    kc_fs_partition *p = kc_fetch_session_find(a, S("t"), 1);
    cr_assert_not_null(p);
    cr_assert_eq(p->high_watermark, -1);
    cr_assert_eq(p->local_log_start_offset, -1);
    cr_assert_null(kc_fetch_session_find(a, S("t"), 2));
    cr_assert_null(kc_fetch_session_find(a, S("u"), 1));

    /* same seed, same ids */
    int32_t ida = a->id;
    kc_fetch_session_cache *c2 = kc_fetch_session_cache_new(1000, 42);
    kc_fetch_session *a2 = kc_fetch_session_create(c2, false, 0, 0);
    cr_assert_eq(a2->id, ida);
    kc_fetch_session_cache_free(c2);
}

Test(fetch_session, no_slots_no_session)
{
    c = kc_fetch_session_cache_new(0, 1);
    cr_assert_null(kc_fetch_session_create(c, true, 10, 0));
    cr_assert_null(kc_fetch_session_create(c, false, 10, 1000000));
}

Test(fetch_session, decision_table)
{
    c = kc_fetch_session_cache_new(10, 7);
    kc_fetch_session *s, *out;
    int16_t err;

    cr_assert_eq(kc_fetch_session_begin(c, 0, -1, &out, &err), KC_FS_SESSIONLESS);
    cr_assert_eq(err, 0);
    cr_assert_eq(kc_fetch_session_begin(c, 0, 0, &out, &err), KC_FS_FULL);

    /* unknown id -> 70; (0, N>0) too */
    cr_assert_eq(kc_fetch_session_begin(c, 12345, 1, &out, &err), KC_FS_ERROR);
    cr_assert_eq(err, KC_ERR_FETCH_SESSION_ID_NOT_FOUND);
    cr_assert_null(out);
    cr_assert_eq(kc_fetch_session_begin(c, 0, 3, &out, &err), KC_FS_ERROR);
    cr_assert_eq(err, KC_ERR_FETCH_SESSION_ID_NOT_FOUND);

    s = make(false, 1, 0);
    int32_t id = s->id;
    /* wrong epoch -> 71, session kept */
    cr_assert_eq(kc_fetch_session_begin(c, id, 2, &out, &err), KC_FS_ERROR);
    cr_assert_eq(err, KC_ERR_INVALID_FETCH_SESSION_EPOCH);
    cr_assert_eq(kc_fetch_session_get(c, id), s);
    cr_assert_eq(kc_fetch_session_begin(c, id, -5, &out, &err), KC_FS_ERROR);
    cr_assert_eq(err, KC_ERR_INVALID_FETCH_SESSION_EPOCH);
    /* right epoch */
    cr_assert_eq(kc_fetch_session_begin(c, id, 1, &out, &err), KC_FS_INCREMENTAL);
    cr_assert_eq(out, s);
    cr_assert_eq(err, 0);

    /* (id, -1) closes, no new session */
    cr_assert_eq(kc_fetch_session_begin(c, id, -1, &out, &err), KC_FS_SESSIONLESS);
    cr_assert_null(kc_fetch_session_get(c, id));
    cr_assert_eq(kc_fetch_session_cache_size(c), 0);
    cr_assert_eq(kc_fetch_session_begin(c, id, 1, &out, &err), KC_FS_ERROR);
    cr_assert_eq(err, KC_ERR_FETCH_SESSION_ID_NOT_FOUND);

    /* (id, 0) closes and renews: full fetch, a new session with another id */
    s = make(false, 1, 0);
    id = s->id;
    cr_assert_eq(kc_fetch_session_begin(c, id, 0, &out, &err), KC_FS_FULL);
    cr_assert_null(kc_fetch_session_get(c, id));
    kc_fetch_session *n = make(false, 1, 0);
    cr_assert_not_null(n);
    cr_assert_neq(n->id, id);
    cr_assert_eq(n->epoch, 1);
}

Test(fetch_session, epoch_bump_and_wrap)
{
    cr_assert_eq(kc_fetch_session_next_epoch(0), 1);
    cr_assert_eq(kc_fetch_session_next_epoch(1), 2);
    cr_assert_eq(kc_fetch_session_next_epoch(INT32_MAX), 1);
    c = kc_fetch_session_cache_new(10, 3);
    kc_fetch_session *s = make(false, 1, 0), *out;
    int16_t err;
    cr_assert(kc_fetch_session_commit(c, s, 10));
    cr_assert_eq(s->epoch, 2);
    cr_assert_eq(s->last_used_ms, 10);
    s->epoch = INT32_MAX;
    cr_assert_eq(kc_fetch_session_begin(c, s->id, INT32_MAX, &out, &err), KC_FS_INCREMENTAL);
    cr_assert(kc_fetch_session_commit(c, s, 20));
    cr_assert_eq(s->epoch, 1);
    cr_assert_eq(kc_fetch_session_begin(c, s->id, 1, &out, &err), KC_FS_INCREMENTAL);
}

Test(fetch_session, incremental_add_update_forget)
{
    c = kc_fetch_session_cache_new(10, 3);
    kc_fetch_session *s = make(false, 3, 0);
    int32_t o[16];
    /* update in place keeps the order */
    kc_fs_fetch_data d = {500, 77, 5, 9};
    kc_fs_partition *p = kc_fetch_session_update(s, S("t"), 1, &d);
    cr_assert_eq(s->size, 3);
    cr_assert_eq(order(s, o), 3);
    cr_assert_eq(o[0] * 100 + o[1] * 10 + o[2], 12);
    cr_assert_eq(p->fetch_offset, 77);
    cr_assert_eq(p->max_bytes, 500);
    cr_assert_eq(p->log_start_offset, 5);
    cr_assert_eq(p->current_leader_epoch, 9);
    /* add at the tail */
    d = fd(3);
    kc_fetch_session_update(s, S("u"), 0, &d);
    cr_assert_eq(s->size, 4);
    cr_assert_eq(TAILQ_LAST(&s->order, kc_fs_order)->partition, 0);
    cr_assert_eq(TAILQ_LAST(&s->order, kc_fs_order)->topic_len, 1);
    cr_assert_eq(TAILQ_LAST(&s->order, kc_fs_order)->topic[0], 'u');
    /* forget */
    cr_assert(kc_fetch_session_forget(s, S("t"), 0));
    cr_assert_not(kc_fetch_session_forget(s, S("t"), 0));
    cr_assert_not(kc_fetch_session_forget(s, S("x"), 0));
    cr_assert_eq(s->size, 3);
    cr_assert_null(kc_fetch_session_find(s, S("t"), 0));
    cr_assert_eq(TAILQ_FIRST(&s->order)->partition, 1);
    /* a partition both added and forgotten ends up removed (update first, then forget) */
    d = fd(0);
    kc_fetch_session_update(s, S("v"), 0, &d);
    kc_fetch_session_forget(s, S("v"), 0);
    cr_assert_null(kc_fetch_session_find(s, S("v"), 0));
    cr_assert(kc_fetch_session_commit(c, s, 5));
    /* forgetting everything closes the session */
    int32_t id = s->id;
    kc_fetch_session_forget(s, S("t"), 1);
    kc_fetch_session_forget(s, S("t"), 2);
    kc_fetch_session_forget(s, S("u"), 0);
    cr_assert_eq(s->size, 0);
    cr_assert_not(kc_fetch_session_commit(c, s, 6));
    cr_assert_null(kc_fetch_session_get(c, id));
    cr_assert_eq(kc_fetch_session_cache_size(c), 0);
}

/* Thousands of partitions: the hash table grows and every lookup still finds its partition. */
Test(fetch_session, many_partitions)
{
    c = kc_fetch_session_cache_new(10, 3);
    kc_fetch_session *s = make(true, 5000, 0);
    cr_assert_eq(s->size, 5000);
    for (int i = 0; i < 5000; i++)
        cr_assert_not_null(kc_fetch_session_find(s, S("t"), i));
    for (int i = 0; i < 5000; i += 2)
        cr_assert(kc_fetch_session_forget(s, S("t"), i));
    cr_assert_eq(s->size, 2500);
    for (int i = 0; i < 5000; i++)
        cr_assert_eq(kc_fetch_session_find(s, S("t"), i) != NULL, i % 2 == 1);
}

Test(fetch_session, inclusion_rule_and_rotation)
{
    c = kc_fetch_session_cache_new(10, 3);
    kc_fetch_session *s = make(false, 3, 0);
    kc_fs_partition *p0 = kc_fetch_session_find(s, S("t"), 0),
                    *p1 = kc_fetch_session_find(s, S("t"), 1),
                    *p2 = kc_fetch_session_find(s, S("t"), 2);
    int32_t o[4];
    /* full response: cached values set, order kept */
    cr_assert(kc_fetch_session_sent(s, p0, 0, 10, 0, false, false));
    cr_assert(kc_fetch_session_sent(s, p1, 0, 20, 0, false, false));
    cr_assert(kc_fetch_session_sent(s, p2, 0, 30, 0, false, false));
    cr_assert_eq(p0->high_watermark, 10);
    order(s, o);
    cr_assert_eq(o[0] * 100 + o[1] * 10 + o[2], 12);

    /* nothing changed: excluded, order kept */
    cr_assert_not(kc_fetch_session_sent(s, p0, 0, 10, 0, false, true));
    cr_assert_not(kc_fetch_session_sent(s, p1, 0, 20, 0, false, true));
    cr_assert_not(kc_fetch_session_sent(s, p2, 0, 30, 0, false, true));
    order(s, o);
    cr_assert_eq(o[0] * 100 + o[1] * 10 + o[2], 12);

    /* HW change includes and moves to the tail */
    cr_assert(kc_fetch_session_sent(s, p0, 0, 11, 0, false, true));
    cr_assert_eq(p0->high_watermark, 11);
    order(s, o);
    cr_assert_eq(o[0] * 100 + o[1] * 10 + o[2], 120);
    /* records include */
    cr_assert(kc_fetch_session_sent(s, p1, 0, 20, 0, true, true));
    order(s, o);
    cr_assert_eq(o[0] * 100 + o[1] * 10 + o[2], 201);
    /* log start offset change includes */
    cr_assert(kc_fetch_session_sent(s, p2, 0, 30, 4, false, true));
    cr_assert_eq(p2->local_log_start_offset, 4);
    cr_assert_not(kc_fetch_session_sent(s, p2, 0, 30, 4, false, true));
    /* an error includes and resets the cached HW, so the partition comes back once it clears */
    cr_assert(kc_fetch_session_sent(s, p0, 6, 11, 0, false, true));
    cr_assert_eq(p0->high_watermark, -1);
    cr_assert(kc_fetch_session_sent(s, p0, 0, 11, 0, false, true));
    cr_assert_not(kc_fetch_session_sent(s, p0, 0, 11, 0, false, true));
}

Test(fetch_session, evict_stale_lru_first)
{
    c = kc_fetch_session_cache_new(2, 5);
    kc_fetch_session *a = make(true, 100, 0), *b = make(true, 100, 1000);
    int32_t ida = a->id, idb = b->id;
    kc_fetch_session_touch(c, a, 2000); /* b is now the least recently used */
    /* full, nothing idle > 120 s, followers of more partitions not old enough: no room */
    cr_assert_null(kc_fetch_session_create(c, false, 1, 100000));
    cr_assert_null(kc_fetch_session_create(c, true, 1000, 100000));
    cr_assert_eq(kc_fetch_session_cache_size(c), 2);
    /* b idle for more than 120 s: evicted even by a small consumer session */
    kc_fetch_session *n = kc_fetch_session_create(c, false, 1, 1000 + 120001);
    cr_assert_not_null(n);
    cr_assert_null(kc_fetch_session_get(c, idb));
    cr_assert_not_null(kc_fetch_session_get(c, ida));
    /* exactly 120 s idle is not stale */
    kc_fetch_session_cache_free(c);
    c = kc_fetch_session_cache_new(1, 5);
    make(true, 5, 0);
    cr_assert_null(kc_fetch_session_create(c, false, 1, 120000));
}

Test(fetch_session, evict_follower_evicts_consumer)
{
    c = kc_fetch_session_cache_new(2, 9);
    kc_fetch_session *f = make(true, 1, 0), *k = make(false, 50, 0);
    int32_t idf = f->id, idk = k->id;
    kc_fetch_session_touch(c, f, 1000);
    kc_fetch_session_touch(c, k, 1000);
    /* a consumer cannot evict a young consumer session, even a bigger one from a smaller */
    cr_assert_null(kc_fetch_session_create(c, false, 100, 2000));
    /* a follower evicts any consumer session, whatever its size or age */
    kc_fetch_session *n = kc_fetch_session_create(c, true, 1, 2000);
    cr_assert_not_null(n);
    cr_assert_null(kc_fetch_session_get(c, idk));
    cr_assert_not_null(kc_fetch_session_get(c, idf));
    /* a young follower session cannot be evicted by a follower of more partitions */
    cr_assert_null(kc_fetch_session_create(c, true, 1000, 3000));
}

Test(fetch_session, evict_old_sessions_by_key)
{
    c = kc_fetch_session_cache_new(2, 11);
    kc_fetch_session *k = make(false, 10, 0), *f = make(true, 10, 0);
    int32_t idk = k->id, idf = f->id;
    int64_t now = 200000; /* both created more than 120 s ago, used recently */
    kc_fetch_session_touch(c, k, now - 1000);
    kc_fetch_session_touch(c, f, now - 1000);
    /* a consumer of fewer or as many partitions cannot evict the old consumer */
    cr_assert_null(kc_fetch_session_create(c, false, 10, now));
    cr_assert_null(kc_fetch_session_create(c, false, 5, now));
    /* a consumer of more partitions evicts the old consumer session (the smallest key) */
    kc_fetch_session *n = kc_fetch_session_create(c, false, 11, now);
    cr_assert_not_null(n);
    cr_assert_null(kc_fetch_session_get(c, idk));
    for (int i = 0; i < 11; i++) {
        kc_fs_fetch_data d = fd(0);
        kc_fetch_session_update(n, S("t"), i, &d);
    }
    /* a young consumer session of 11 is now the smallest for a follower: evicted first */
    int32_t idn = n->id;
    kc_fetch_session *g = kc_fetch_session_create(c, true, 1, now);
    cr_assert_not_null(g);
    cr_assert(g->id == idn || kc_fetch_session_get(c, idn) == NULL);
    cr_assert_not_null(kc_fetch_session_get(c, idf));
    cr_assert_eq(kc_fetch_session_cache_size(c), 2);
    /* an old follower session of 10 partitions: a follower of more evicts it, a consumer never */
    kc_fetch_session_touch(c, g, now);
    for (int i = 0; i < 5; i++) {
        kc_fs_fetch_data d = fd(0);
        kc_fetch_session_update(g, S("t"), i, &d);
    }
    cr_assert_null(kc_fetch_session_create(c, false, 100, now + 1000));
    cr_assert_null(kc_fetch_session_create(c, true, 10, now + 1000));
    cr_assert_not_null(kc_fetch_session_create(c, true, 11, now + 1000));
    cr_assert_null(kc_fetch_session_get(c, idf));
}

/* A fetcher's mirror: no cache, no id; it grows from a small hint, clears to empty and is
 * usable again (the follower's side of a session closed and reopened). */
Test(fetch_session, mirror_clear_and_reuse)
{
    kc_fetch_session *m = kc_fetch_session_mirror_new(4);
    cr_assert_eq(m->id, 0);
    for (int i = 0; i < 3000; i++) {
        kc_fs_fetch_data d = fd(i);
        kc_fetch_session_update(m, S("t"), i, &d);
    }
    cr_assert_eq(m->size, 3000);
    cr_assert_eq(kc_fetch_session_find(m, S("t"), 2999)->fetch_offset, 2999);
    kc_fetch_session_mirror_clear(m);
    cr_assert_eq(m->size, 0);
    cr_assert(TAILQ_EMPTY(&m->order));
    cr_assert_null(kc_fetch_session_find(m, S("t"), 7));
    kc_fs_fetch_data d = fd(42);
    kc_fetch_session_update(m, S("t"), 7, &d);
    cr_assert_eq(m->size, 1);
    cr_assert_eq(kc_fetch_session_find(m, S("t"), 7)->fetch_offset, 42);
    cr_assert_eq(TAILQ_FIRST(&m->order), TAILQ_LAST(&m->order, kc_fs_order));
    kc_fetch_session_mirror_free(m);
    kc_fetch_session_mirror_free(NULL);
}
