/* The metadata cache; see metadata_cache.h. Topics are found through an open-addressing index
 * of their names (an UpdateMetadata of 10,000 single-partition topics looked each one up by a
 * linear scan: 50 million comparisons); the index is rebuilt when a topic leaves, which only
 * deletions do. */
#include "broker/metadata_cache.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "kc_apis.h"

static char *dup_str(kc_str s)
{
    if (s.len < 0)
        return NULL;
    char *d = strndup(s.p ? s.p : "", (size_t)s.len);
    if (!d)
        kc_fatal("metadata cache: out of memory");
    return d;
}

static void copy_ids(int32_t **dst, int32_t *n, const int32_t *src, int32_t count)
{
    free(*dst);
    *n = count > 0 ? count : 0;
    *dst = malloc(sizeof(int32_t) * (size_t)(*n ? *n : 1));
    if (!*dst)
        kc_fatal("metadata cache: out of memory");
    if (*n)
        memcpy(*dst, src, sizeof(int32_t) * (size_t)*n);
}

void kc_metadata_cache_init(kc_metadata_cache *mc)
{
    memset(mc, 0, sizeof(*mc));
    mc->controller_id = -1;
}

static void free_brokers(kc_metadata_cache *mc)
{
    for (int32_t i = 0; i < mc->n_brokers; i++) {
        kc_mc_broker *b = &mc->brokers[i];
        for (int32_t j = 0; j < b->n_endpoints; j++) {
            free(b->endpoints[j].listener);
            free(b->endpoints[j].host);
        }
        free(b->endpoints);
        free(b->rack);
    }
    free(mc->brokers);
    mc->brokers = NULL;
    mc->n_brokers = 0;
}

static void free_partition(kc_mc_partition *p)
{
    free(p->isr);
    free(p->replicas);
    free(p->offline);
    memset(p, 0, sizeof(*p));
}

static void free_topic(kc_mc_topic *t)
{
    for (int32_t i = 0; i < t->n_partitions; i++)
        free_partition(&t->partitions[i]);
    free(t->partitions);
    free(t->name);
    free(t);
}

static uint32_t name_hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static void index_put(kc_metadata_cache *mc, int32_t i)
{
    const char *name = mc->topics[i]->name;
    uint32_t k = name_hash(name, strlen(name)) & (mc->index_cap - 1);
    while (mc->index[k])
        k = (k + 1) & (mc->index_cap - 1);
    mc->index[k] = i + 1;
}

/* Sizes the index for @p n topics and enters topics [0, n_topics). */
static void index_rebuild(kc_metadata_cache *mc, int32_t n)
{
    uint32_t cap = 16;
    while (cap < 2u * (uint32_t)n)
        cap *= 2;
    free(mc->index);
    mc->index = calloc(cap, sizeof(*mc->index));
    if (!mc->index)
        kc_fatal("metadata cache: out of memory");
    mc->index_cap = cap;
    for (int32_t i = 0; i < mc->n_topics; i++)
        index_put(mc, i);
}

static int32_t topic_index(const kc_metadata_cache *mc, kc_str name)
{
    if (mc->index_cap == 0 || name.len < 0)
        return -1;
    uint32_t k = name_hash(name.p, (size_t)name.len) & (mc->index_cap - 1);
    for (; mc->index[k]; k = (k + 1) & (mc->index_cap - 1))
        if (kc_str_eq(name, mc->topics[mc->index[k] - 1]->name))
            return mc->index[k] - 1;
    return -1;
}

static void remove_topic(kc_metadata_cache *mc, int32_t i)
{
    free_topic(mc->topics[i]);
    memmove(&mc->topics[i], &mc->topics[i + 1],
            sizeof(*mc->topics) * (size_t)(mc->n_topics - i - 1));
    mc->n_topics--;
    index_rebuild(mc, mc->n_topics);
}

static kc_mc_topic *ensure_topic(kc_metadata_cache *mc, kc_str name)
{
    int32_t i = topic_index(mc, name);
    if (i >= 0)
        return mc->topics[i];
    if (mc->n_topics == mc->cap_topics) {
        mc->cap_topics = mc->cap_topics ? mc->cap_topics * 2 : 16;
        mc->topics = realloc(mc->topics, sizeof(*mc->topics) * (size_t)mc->cap_topics);
        if (!mc->topics)
            kc_fatal("metadata cache: out of memory");
    }
    kc_mc_topic *t = calloc(1, sizeof(*t));
    if (!t)
        kc_fatal("metadata cache: out of memory");
    t->name = dup_str(name);
    mc->topics[mc->n_topics++] = t;
    if (2u * (uint32_t)mc->n_topics > mc->index_cap)
        index_rebuild(mc, mc->n_topics);
    else
        index_put(mc, mc->n_topics - 1);
    return t;
}

static void apply_partition(kc_metadata_cache *mc, kc_str topic,
                            const kc_update_metadata_partition_state *s)
{
    if (s->partition_index < 0)
        return;
    if (s->leader == KC_LEADER_DURING_DELETE) {
        int32_t i = topic_index(mc, topic);
        if (i < 0)
            return;
        kc_mc_topic *t = mc->topics[i];
        if (s->partition_index < t->n_partitions)
            free_partition(&t->partitions[s->partition_index]);
        bool any = false;
        for (int32_t p = 0; p < t->n_partitions; p++)
            any |= t->partitions[p].present;
        if (!any)
            remove_topic(mc, i);
        return;
    }
    kc_mc_topic *t = ensure_topic(mc, topic);
    if (s->partition_index >= t->n_partitions) {
        int32_t n = s->partition_index + 1;
        t->partitions = realloc(t->partitions, sizeof(*t->partitions) * (size_t)n);
        if (!t->partitions)
            kc_fatal("metadata cache: out of memory");
        memset(&t->partitions[t->n_partitions], 0,
               sizeof(*t->partitions) * (size_t)(n - t->n_partitions));
        t->n_partitions = n;
    }
    kc_mc_partition *p = &t->partitions[s->partition_index];
    p->present = true;
    p->leader = s->leader;
    p->leader_epoch = s->leader_epoch;
    p->controller_epoch = s->controller_epoch;
    p->zk_version = s->zk_version;
    copy_ids(&p->isr, &p->n_isr, s->isr, s->isr_count);
    copy_ids(&p->replicas, &p->n_replicas, s->replicas, s->replicas_count);
    copy_ids(&p->offline, &p->n_offline, s->offline_replicas, s->offline_replicas_count);
}

void kc_metadata_cache_update(kc_metadata_cache *mc, const kc_update_metadata_req *r)
{
    free_brokers(mc);
    mc->controller_id = r->controller_id;
    int32_t n = r->live_brokers_count > 0 ? r->live_brokers_count : 0;
    mc->brokers = calloc((size_t)(n ? n : 1), sizeof(*mc->brokers));
    if (!mc->brokers)
        kc_fatal("metadata cache: out of memory");
    for (int32_t i = 0; i < n; i++) {
        const kc_update_metadata_broker *in = &r->live_brokers[i];
        kc_mc_broker *b = &mc->brokers[i];
        b->id = in->id;
        b->rack = dup_str(in->rack);
        b->n_endpoints = in->endpoints_count > 0 ? in->endpoints_count : 0;
        b->endpoints = calloc((size_t)(b->n_endpoints ? b->n_endpoints : 1), sizeof(*b->endpoints));
        if (!b->endpoints)
            kc_fatal("metadata cache: out of memory");
        for (int32_t j = 0; j < b->n_endpoints; j++) {
            const kc_update_metadata_endpoint *e = &in->endpoints[j];
            b->endpoints[j] = (kc_mc_endpoint){dup_str(e->listener), dup_str(e->host), e->port,
                                               e->security_protocol};
        }
    }
    mc->n_brokers = n;
    for (int32_t i = 0; i < r->topic_states_count; i++)
        for (int32_t j = 0; j < r->topic_states[i].partition_states_count; j++)
            apply_partition(mc, r->topic_states[i].topic_name,
                            &r->topic_states[i].partition_states[j]);
}

const kc_mc_topic *kc_metadata_cache_topic(const kc_metadata_cache *mc, kc_str name)
{
    int32_t i = topic_index(mc, name);
    return i >= 0 ? mc->topics[i] : NULL;
}

const kc_mc_broker *kc_metadata_cache_broker(const kc_metadata_cache *mc, int32_t id)
{
    for (int32_t i = 0; i < mc->n_brokers; i++)
        if (mc->brokers[i].id == id)
            return &mc->brokers[i];
    return NULL;
}

bool kc_metadata_cache_live(const kc_metadata_cache *mc, int32_t id)
{
    return kc_metadata_cache_broker(mc, id) != NULL;
}

const kc_mc_endpoint *kc_mc_broker_endpoint(const kc_mc_broker *b, const char *listener)
{
    for (int32_t i = 0; i < b->n_endpoints; i++)
        if (b->endpoints[i].listener && strcmp(b->endpoints[i].listener, listener) == 0)
            return &b->endpoints[i];
    return NULL;
}

bool kc_metadata_cache_has_leaders(const kc_metadata_cache *mc, kc_str name)
{
    const kc_mc_topic *t = kc_metadata_cache_topic(mc, name);
    if (!t || t->n_partitions == 0)
        return false;
    for (int32_t i = 0; i < t->n_partitions; i++)
        if (!t->partitions[i].present || t->partitions[i].leader < 0)
            return false;
    return true;
}

void kc_metadata_cache_free(kc_metadata_cache *mc)
{
    free_brokers(mc);
    for (int32_t i = 0; i < mc->n_topics; i++)
        free_topic(mc->topics[i]);
    free(mc->topics);
    free(mc->index);
    kc_metadata_cache_init(mc);
}
