/* Topic registry: a chained hash on the name plus an insertion-ordered array. */
#include "broker/topics.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define INITIAL_BUCKETS 256

static uint64_t hash_name(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
    return h;
}

void kc_topics_init(kc_topics *t)
{
    memset(t, 0, sizeof(*t));
    t->n_buckets = INITIAL_BUCKETS;
    t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
    if (!t->buckets)
        kc_fatal("topics: out of memory");
}

kc_topic *kc_topics_find(const kc_topics *t, kc_str name)
{
    if (name.len < 0)
        return NULL;
    kc_topic *e = t->buckets[hash_name(name.p, (size_t)name.len) % t->n_buckets];
    for (; e; e = e->hash_next)
        if (strlen(e->name) == (size_t)name.len && memcmp(e->name, name.p, (size_t)name.len) == 0)
            return e;
    return NULL;
}

static void rehash(kc_topics *t)
{
    size_t n = t->n_buckets * 2;
    kc_topic **b = calloc(n, sizeof(*b));
    if (!b)
        kc_fatal("topics: out of memory");
    for (size_t i = 0; i < t->count; i++) {
        kc_topic *e = t->all[i];
        size_t h = hash_name(e->name, strlen(e->name)) % n;
        e->hash_next = b[h];
        b[h] = e;
    }
    free(t->buckets);
    t->buckets = b;
    t->n_buckets = n;
}

static kc_topic *link_topic(kc_topics *t, const char *name, size_t len)
{
    kc_topic *e = calloc(1, sizeof(*e));
    if (!e || !(e->name = strndup(name, len)))
        kc_fatal("topics: out of memory");
    e->internal =
        strcmp(e->name, "__consumer_offsets") == 0 || strcmp(e->name, "__transaction_state") == 0;
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->all = realloc(t->all, t->cap * sizeof(*t->all));
        if (!t->all)
            kc_fatal("topics: out of memory");
    }
    /* grow before linking e: rehash() relinks everything already in all[] */
    if (t->count + 1 > t->n_buckets)
        rehash(t);
    t->all[t->count++] = e;
    size_t h = hash_name(e->name, len) % t->n_buckets;
    e->hash_next = t->buckets[h];
    t->buckets[h] = e;
    return e;
}

bool kc_ids_contain(const int32_t *ids, int n, int32_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

void kc_ids_assign(int32_t **dst, int32_t *n_dst, const int32_t *src, int32_t n)
{
    int32_t *copy = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    if (!copy)
        kc_fatal("topics: out of memory");
    if (n > 0)
        memcpy(copy, src, sizeof(int32_t) * (size_t)n);
    free(*dst);
    *dst = copy;
    *n_dst = n;
}

kc_partition *kc_topic_ensure_partition(kc_topic *topic, int32_t id)
{
    if (id < topic->n_partitions)
        return topic->partitions[id];
    kc_partition **ps = realloc(topic->partitions, sizeof(*ps) * (size_t)(id + 1));
    if (!ps)
        kc_fatal("topics: out of memory");
    topic->partitions = ps;
    for (int32_t i = topic->n_partitions; i <= id; i++) {
        kc_partition *p = calloc(1, sizeof(*p));
        if (!p)
            kc_fatal("topics: out of memory");
        p->topic = topic;
        p->id = i;
        p->leader = -1;
        p->leader_epoch = -1;
        ps[i] = p;
    }
    topic->n_partitions = id + 1;
    return ps[id];
}

kc_topic *kc_topics_add(kc_topics *t, const char *name, int32_t n_partitions,
                        int32_t replication_factor, const int32_t *replicas)
{
    if (kc_topics_find(t, kc_str_c(name)))
        return NULL;
    kc_topic *e = link_topic(t, name, strlen(name));
    for (int32_t i = 0; i < n_partitions; i++) {
        kc_partition *p = kc_topic_ensure_partition(e, i);
        kc_ids_assign(&p->replicas, &p->n_replicas,
                      replicas + (size_t)i * (size_t)replication_factor, replication_factor);
    }
    return e;
}

kc_topic *kc_topics_ensure(kc_topics *t, kc_str name)
{
    kc_topic *e = kc_topics_find(t, name);
    return e ? e : link_topic(t, name.p, (size_t)name.len);
}

kc_partition *kc_topic_partition(kc_topic *topic, int32_t id)
{
    if (!topic || id < 0 || id >= topic->n_partitions)
        return NULL;
    return topic->partitions[id];
}

void kc_topics_destroy(kc_topics *t)
{
    for (size_t i = 0; i < t->count; i++) {
        kc_topic *e = t->all[i];
        for (int32_t j = 0; j < e->n_partitions; j++) {
            kc_partition *p = e->partitions[j];
            kc_plog_close(p->log); /* the log manager flushed and closed them at shutdown */
            free(p->replicas);
            free(p->isr);
            free(p);
        }
        free(e->partitions);
        free(e->name);
        free(e);
    }
    free(t->all);
    free(t->buckets);
    memset(t, 0, sizeof(*t));
}

bool kc_topic_name_valid(kc_str name)
{
    if (name.len <= 0 || name.len > 249)
        return false;
    if ((name.len == 1 && name.p[0] == '.') ||
        (name.len == 2 && name.p[0] == '.' && name.p[1] == '.'))
        return false;
    for (int32_t i = 0; i < name.len; i++) {
        char c = name.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}
