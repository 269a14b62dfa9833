/*
 * The fetch session cache (KIP-227, Kafka's FetchSession.scala): see fetch_session.h. Sessions
 * are found by id through a chained hash table, partitions within a session through another,
 * so that a follower's session of thousands of partitions costs O(1) per partition listed.
 * Eviction (§4.5) scans the sessions (at most max_slots) only when the cache is full and a new
 * session is wanted.
 */
#include "broker/fetch_session.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

struct kc_fetch_session_cache {
    int32_t max_slots;
    int32_t count;
    uint64_t rng;
    uint64_t next_serial;
    kc_fetch_session **ids; /* n_ids buckets, a power of two */
    uint32_t n_ids;
    TAILQ_HEAD(, kc_fetch_session) lru; /* least recently used first */
};

/* splitmix64 */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t id_slot(const kc_fetch_session_cache *c, int32_t id)
{
    return ((uint32_t)id * 2654435761u) & (c->n_ids - 1);
}

static uint32_t part_hash(kc_str topic, int32_t partition)
{
    uint32_t h = 2166136261u;
    for (int32_t i = 0; i < topic.len; i++)
        h = (h ^ (uint8_t)topic.p[i]) * 16777619u;
    for (int i = 0; i < 4; i++)
        h = (h ^ (uint8_t)((uint32_t)partition >> (8 * i))) * 16777619u;
    return h;
}

/* ------------------------------------------------------------------ cache */

kc_fetch_session_cache *kc_fetch_session_cache_new(int32_t max_slots, uint64_t seed)
{
    kc_fetch_session_cache *c = kc_xcalloc(1, sizeof(*c));
    c->max_slots = max_slots < 0 ? 0 : max_slots;
    c->rng = seed;
    c->next_serial = 1;
    c->n_ids = 16;
    c->ids = kc_xcalloc(c->n_ids, sizeof(*c->ids));
    TAILQ_INIT(&c->lru);
    return c;
}

static void session_free(kc_fetch_session *s)
{
    for (kc_fs_partition *p = TAILQ_FIRST(&s->order), *next; p; p = next) {
        next = TAILQ_NEXT(p, order);
        free(p);
    }
    free(s->buckets);
    free(s);
}

void kc_fetch_session_cache_free(kc_fetch_session_cache *c)
{
    if (!c)
        return;
    for (kc_fetch_session *s = TAILQ_FIRST(&c->lru), *next; s; s = next) {
        next = TAILQ_NEXT(s, lru);
        session_free(s);
    }
    free(c->ids);
    free(c);
}

int32_t kc_fetch_session_cache_size(const kc_fetch_session_cache *c)
{
    return c->count;
}

kc_fetch_session *kc_fetch_session_get(kc_fetch_session_cache *c, int32_t id)
{
    if (id <= 0)
        return NULL;
    for (kc_fetch_session *s = c->ids[id_slot(c, id)]; s; s = s->id_next)
        if (s->id == id)
            return s;
    return NULL;
}

static void session_remove(kc_fetch_session_cache *c, kc_fetch_session *s)
{
    kc_fetch_session **pp = &c->ids[id_slot(c, s->id)];
    while (*pp != s)
        pp = &(*pp)->id_next;
    *pp = s->id_next;
    TAILQ_REMOVE(&c->lru, s, lru);
    c->count--;
    session_free(s);
}

bool kc_fetch_session_remove(kc_fetch_session_cache *c, int32_t id)
{
    kc_fetch_session *s = kc_fetch_session_get(c, id);
    if (!s)
        return false;
    session_remove(c, s);
    return true;
}

void kc_fetch_session_touch(kc_fetch_session_cache *c, kc_fetch_session *s, int64_t now_ms)
{
    s->last_used_ms = now_ms;
    TAILQ_REMOVE(&c->lru, s, lru);
    TAILQ_INSERT_TAIL(&c->lru, s, lru);
}

int32_t kc_fetch_session_next_epoch(int32_t epoch)
{
    if (epoch < 0)
        return KC_FETCH_SESSION_FINAL_EPOCH; /* FetchMetadata.nextEpoch: -1 stays -1 */
    return epoch == INT32_MAX ? 1 : epoch + 1;
}

kc_fs_mode kc_fetch_session_begin(kc_fetch_session_cache *c, int32_t session_id, int32_t epoch,
                                  kc_fetch_session **out, int16_t *err)
{
    *out = NULL;
    *err = 0;
    if (epoch == KC_FETCH_SESSION_INITIAL_EPOCH || epoch == KC_FETCH_SESSION_FINAL_EPOCH) {
        if (session_id != KC_FETCH_SESSION_INVALID_ID)
            kc_fetch_session_remove(c, session_id);
        return epoch == KC_FETCH_SESSION_INITIAL_EPOCH ? KC_FS_FULL : KC_FS_SESSIONLESS;
    }
    kc_fetch_session *s = kc_fetch_session_get(c, session_id);
    if (!s) {
        *err = KC_ERR_FETCH_SESSION_ID_NOT_FOUND;
        return KC_FS_ERROR;
    }
    if (s->epoch != epoch) {
        *err = KC_ERR_INVALID_FETCH_SESSION_EPOCH;
        return KC_FS_ERROR;
    }
    *out = s;
    return KC_FS_INCREMENTAL;
}

/* (privileged, size, id) of Kafka's EvictableKey: false < true, then size, then id. */
static int key_cmp(bool pa, int32_t sa, int32_t ia, bool pb, int32_t sb, int32_t ib)
{
    if (pa != pb)
        return pa ? 1 : -1;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    return ia < ib ? -1 : ia > ib;
}

/* FetchSessionCache.tryEvict: the stale LRU session, else the smallest evictable key when the
 * new one is larger. A follower may evict any consumer session and follower sessions older
 * than the minimum age; a consumer only sessions older than it. */
static bool try_evict(kc_fetch_session_cache *c, bool privileged, int32_t size, int64_t now_ms)
{
    kc_fetch_session *lru = TAILQ_FIRST(&c->lru);
    if (!lru)
        return false;
    if (now_ms - lru->last_used_ms > KC_FETCH_SESSION_EVICTION_MS) {
        session_remove(c, lru);
        return true;
    }
    kc_fetch_session *min = NULL, *s;
    TAILQ_FOREACH (s, &c->lru, lru) {
        bool old = now_ms - s->created_ms > KC_FETCH_SESSION_EVICTION_MS;
        if (!(old || (privileged && !s->privileged)))
            continue;
        if (!min || key_cmp(s->privileged, s->size, s->id, min->privileged, min->size, min->id) < 0)
            min = s;
    }
    if (!min || key_cmp(privileged, size, 0, min->privileged, min->size, min->id) < 0)
        return false;
    session_remove(c, min);
    return true;
}

static void ids_grow(kc_fetch_session_cache *c)
{
    uint32_t old_n = c->n_ids;
    kc_fetch_session **old = c->ids;
    c->n_ids = old_n * 2;
    c->ids = kc_xcalloc(c->n_ids, sizeof(*c->ids));
    for (uint32_t i = 0; i < old_n; i++)
        for (kc_fetch_session *s = old[i], *next; s; s = next) {
            next = s->id_next;
            uint32_t k = id_slot(c, s->id);
            s->id_next = c->ids[k];
            c->ids[k] = s;
        }
    free(old);
}

static void buckets_init(kc_fetch_session *s, int32_t n_partitions)
{
    s->n_buckets = 8;
    while (s->n_buckets < (uint32_t)n_partitions && s->n_buckets < (1u << 30))
        s->n_buckets *= 2;
    s->buckets = kc_xcalloc(s->n_buckets, sizeof(*s->buckets));
}

kc_fetch_session *kc_fetch_session_mirror_new(int32_t n_partitions_hint)
{
    kc_fetch_session *s = kc_xcalloc(1, sizeof(*s));
    TAILQ_INIT(&s->order);
    buckets_init(s, n_partitions_hint);
    return s;
}

void kc_fetch_session_mirror_clear(kc_fetch_session *s)
{
    for (kc_fs_partition *p = TAILQ_FIRST(&s->order), *next; p; p = next) {
        next = TAILQ_NEXT(p, order);
        free(p);
    }
    TAILQ_INIT(&s->order);
    s->size = 0;
    memset(s->buckets, 0, sizeof(*s->buckets) * s->n_buckets);
}

void kc_fetch_session_mirror_free(kc_fetch_session *s)
{
    if (s)
        session_free(s);
}

kc_fetch_session *kc_fetch_session_create(kc_fetch_session_cache *c, bool privileged,
                                          int32_t n_partitions, int64_t now_ms)
{
    if (c->max_slots <= 0)
        return NULL;
    if (c->count >= c->max_slots && !try_evict(c, privileged, n_partitions, now_ms))
        return NULL;
    int32_t id;
    do
        id = (int32_t)(rng_next(&c->rng) >> 33); /* [0, 2^31-1] */
    while (id == 0 || kc_fetch_session_get(c, id));
    kc_fetch_session *s = kc_xcalloc(1, sizeof(*s));
    s->id = id;
    s->serial = c->next_serial++;
    s->privileged = privileged;
    s->created_ms = s->last_used_ms = now_ms;
    s->epoch = kc_fetch_session_next_epoch(KC_FETCH_SESSION_INITIAL_EPOCH);
    TAILQ_INIT(&s->order);
    buckets_init(s, n_partitions);
    if ((uint32_t)c->count >= c->n_ids)
        ids_grow(c);
    uint32_t k = id_slot(c, id);
    s->id_next = c->ids[k];
    c->ids[k] = s;
    TAILQ_INSERT_TAIL(&c->lru, s, lru);
    c->count++;
    return s;
}

bool kc_fetch_session_commit(kc_fetch_session_cache *c, kc_fetch_session *s, int64_t now_ms)
{
    if (s->size == 0) {
        session_remove(c, s);
        return false;
    }
    kc_fetch_session_touch(c, s, now_ms);
    s->epoch = kc_fetch_session_next_epoch(s->epoch);
    return true;
}

/* ------------------------------------------------------------------ partitions */

static bool part_is(const kc_fs_partition *p, uint32_t h, kc_str topic, int32_t partition)
{
    return p->hash == h && p->partition == partition && p->topic_len == topic.len &&
           memcmp(p->topic, topic.p, (size_t)topic.len) == 0;
}

kc_fs_partition *kc_fetch_session_find(kc_fetch_session *s, kc_str topic, int32_t partition)
{
    if (topic.len < 0)
        topic.len = 0;
    uint32_t h = part_hash(topic, partition);
    for (kc_fs_partition *p = s->buckets[h & (s->n_buckets - 1)]; p; p = p->hnext)
        if (part_is(p, h, topic, partition))
            return p;
    return NULL;
}

static void buckets_grow(kc_fetch_session *s)
{
    uint32_t n = s->n_buckets * 2;
    kc_fs_partition **b = kc_xcalloc(n, sizeof(*b));
    kc_fs_partition *p;
    TAILQ_FOREACH (p, &s->order, order) {
        p->hnext = b[p->hash & (n - 1)];
        b[p->hash & (n - 1)] = p;
    }
    free(s->buckets);
    s->buckets = b;
    s->n_buckets = n;
}

kc_fs_partition *kc_fetch_session_update(kc_fetch_session *s, kc_str topic, int32_t partition,
                                         const kc_fs_fetch_data *d)
{
    if (topic.len < 0)
        topic.len = 0;
    kc_fs_partition *p = kc_fetch_session_find(s, topic, partition);
    if (!p) {
        if ((uint32_t)s->size >= s->n_buckets && s->n_buckets < (1u << 30))
            buckets_grow(s);
        p = kc_xcalloc(1, sizeof(*p) + (size_t)topic.len);
        p->partition = partition;
        p->topic_len = topic.len;
        memcpy(p->topic, topic.p, (size_t)topic.len);
        p->hash = part_hash(topic, partition);
        p->high_watermark = p->local_log_start_offset = -1;
        uint32_t k = p->hash & (s->n_buckets - 1);
        p->hnext = s->buckets[k];
        s->buckets[k] = p;
        TAILQ_INSERT_TAIL(&s->order, p, order);
        s->size++;
    }
    p->max_bytes = d->max_bytes;
    p->fetch_offset = d->fetch_offset;
    p->log_start_offset = d->log_start_offset;
    p->current_leader_epoch = d->current_leader_epoch;
    return p;
}

bool kc_fetch_session_forget(kc_fetch_session *s, kc_str topic, int32_t partition)
{
    if (topic.len < 0)
        topic.len = 0;
    uint32_t h = part_hash(topic, partition);
    kc_fs_partition **pp = &s->buckets[h & (s->n_buckets - 1)];
    for (; *pp; pp = &(*pp)->hnext)
        if (part_is(*pp, h, topic, partition)) {
            kc_fs_partition *p = *pp;
            *pp = p->hnext;
            TAILQ_REMOVE(&s->order, p, order);
            s->size--;
            free(p);
            return true;
        }
    return false;
}

bool kc_fetch_session_sent(kc_fetch_session *s, kc_fs_partition *p, int16_t error,
                           int64_t high_watermark, int64_t log_start_offset, bool has_records,
                           bool incremental)
{
    bool include = has_records || error != 0 || high_watermark != p->high_watermark ||
                   log_start_offset != p->local_log_start_offset;
    p->high_watermark = error != 0 ? -1 : high_watermark;
    p->local_log_start_offset = log_start_offset;
    if (include && incremental && TAILQ_NEXT(p, order)) { /* not already the tail */
        TAILQ_REMOVE(&s->order, p, order);
        TAILQ_INSERT_TAIL(&s->order, p, order);
    }
    return include;
}
