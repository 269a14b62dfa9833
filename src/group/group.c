/*
 * Group and member bookkeeping (Kafka's GroupMetadata / MemberMetadata); see group.h.
 */
#include "group/group.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"

static char *xstrndup(const char *s, size_t n)
{
    char *d = strndup(s ? s : "", s ? n : 0);
    if (!d)
        kc_fatal("group: out of memory");
    return d;
}

char *kc_group_strdup(kc_str s)
{
    return xstrndup(s.len > 0 ? s.p : "", s.len > 0 ? (size_t)s.len : 0);
}

/* A nullable copy: NULL for a null string. */
static char *str_dup(kc_str s)
{
    return s.len < 0 ? NULL : kc_group_strdup(s);
}

static void push(kc_member ***arr, int *n, int *cap, kc_member *m)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        *arr = realloc(*arr, sizeof(**arr) * (size_t)*cap);
        if (!*arr)
            kc_fatal("group: out of memory");
    }
    (*arr)[(*n)++] = m;
}

static bool take(kc_member **arr, int *n, const kc_member *m)
{
    for (int i = 0; i < *n; i++) {
        if (arr[i] == m) {
            memmove(arr + i, arr + i + 1, sizeof(*arr) * (size_t)(*n - i - 1));
            (*n)--;
            return true;
        }
    }
    return false;
}

const char *kc_group_state_name(kc_group_state s)
{
    static const char *const names[] = {"Empty", "PreparingRebalance", "CompletingRebalance",
                                        "Stable", "Dead"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "Unknown";
}

kc_group *kc_group_new(kc_str group_id, int32_t partition)
{
    kc_group *g = kc_xcalloc(1, sizeof(*g));
    g->group_id = str_dup(group_id.len < 0 ? kc_str_c("") : group_id);
    g->partition = partition;
    g->state = KC_GROUP_EMPTY;
    g->state_timestamp_ms = -1;
    g->n_buckets = 16;
    g->offsets = kc_xcalloc((size_t)g->n_buckets, sizeof(*g->offsets));
    return g;
}

static void committed_free(kc_committed *c)
{
    free(c->topic);
    free(c->metadata);
    free(c);
}

void kc_group_free(kc_group *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_members; i++)
        kc_member_free(g->members[i]);
    for (int i = 0; i < g->n_pending; i++)
        kc_member_free(g->pending[i]);
    for (int i = 0; i < g->n_buckets; i++) {
        for (kc_committed *c = g->offsets[i], *n; c; c = n) {
            n = c->next;
            committed_free(c);
        }
    }
    free(g->offsets);
    free(g->load_value);
    free(g->members);
    free(g->pending);
    free(g->group_id);
    free(g->protocol_type);
    free(g->protocol);
    free(g);
}

int kc_group_transition(kc_group *g, kc_group_state to, int64_t now_ms)
{
    static const unsigned valid_from[] = {
        [KC_GROUP_EMPTY] = 1u << KC_GROUP_PREPARING_REBALANCE,
        [KC_GROUP_PREPARING_REBALANCE] =
            1u << KC_GROUP_STABLE | 1u << KC_GROUP_COMPLETING_REBALANCE | 1u << KC_GROUP_EMPTY,
        [KC_GROUP_COMPLETING_REBALANCE] = 1u << KC_GROUP_PREPARING_REBALANCE,
        [KC_GROUP_STABLE] = 1u << KC_GROUP_COMPLETING_REBALANCE,
        [KC_GROUP_DEAD] = 1u << KC_GROUP_STABLE | 1u << KC_GROUP_PREPARING_REBALANCE |
                          1u << KC_GROUP_COMPLETING_REBALANCE | 1u << KC_GROUP_EMPTY |
                          1u << KC_GROUP_DEAD,
    };
    if (!(valid_from[to] & (1u << g->state)))
        return -1;
    g->state = to;
    g->state_timestamp_ms = now_ms;
    return 0;
}

static kc_member *find_in(kc_member *const *arr, int n, kc_str id)
{
    for (int i = 0; i < n && id.len >= 0; i++)
        if (kc_str_eq(id, arr[i]->member_id))
            return arr[i];
    return NULL;
}

kc_member *kc_group_member(const kc_group *g, kc_str member_id)
{
    return find_in(g->members, g->n_members, member_id);
}

kc_member *kc_group_pending_member(const kc_group *g, kc_str member_id)
{
    return find_in(g->pending, g->n_pending, member_id);
}

kc_member *kc_group_static_member(const kc_group *g, kc_str instance_id)
{
    for (int i = 0; i < g->n_members && instance_id.len >= 0; i++)
        if (g->members[i]->group_instance_id &&
            kc_str_eq(instance_id, g->members[i]->group_instance_id))
            return g->members[i];
    return NULL;
}

kc_member *kc_group_identify(const kc_group *g, kc_str member_id, kc_str instance_id, bool *fenced)
{
    kc_member *m = kc_group_member(g, member_id);
    kc_member *st = kc_group_static_member(g, instance_id);
    *fenced = st && st != m;
    return m;
}

kc_member *kc_member_new(kc_group *g, const char *member_id, kc_str instance_id, kc_str client_id,
                         const char *client_host, int32_t session_timeout_ms,
                         int32_t rebalance_timeout_ms)
{
    kc_member *m = kc_xcalloc(1, sizeof(*m));
    m->group = g;
    m->member_id = xstrndup(member_id, strlen(member_id));
    m->group_instance_id = str_dup(instance_id);
    m->client_id = str_dup(client_id.len < 0 ? kc_str_c("") : client_id);
    m->client_host = xstrndup(client_host, strlen(client_host));
    m->session_timeout_ms = session_timeout_ms;
    m->rebalance_timeout_ms = rebalance_timeout_ms;
    return m;
}

static void protocols_free(kc_member *m)
{
    for (int i = 0; i < m->n_protocols; i++) {
        free(m->protocols[i].name);
        free(m->protocols[i].metadata);
    }
    free(m->protocols);
    m->protocols = NULL;
    m->n_protocols = 0;
}

void kc_member_set_protocols(kc_member *m, const kc_str *names, const kc_bytes *metadata, int n)
{
    protocols_free(m);
    m->protocols = kc_xcalloc((size_t)n, sizeof(*m->protocols));
    for (int i = 0; i < n; i++) {
        m->protocols[i].name = str_dup(names[i].len < 0 ? kc_str_c("") : names[i]);
        int32_t len = metadata[i].len > 0 ? metadata[i].len : 0;
        m->protocols[i].metadata = kc_xcalloc((size_t)len, 1);
        if (len)
            memcpy(m->protocols[i].metadata, metadata[i].p, (size_t)len);
        m->protocols[i].metadata_len = len;
    }
    m->n_protocols = n;
}

const uint8_t *kc_member_metadata(const kc_member *m, const char *name, int32_t *len)
{
    for (int i = 0; i < m->n_protocols && name; i++) {
        if (strcmp(m->protocols[i].name, name) == 0) {
            *len = m->protocols[i].metadata_len;
            return m->protocols[i].metadata;
        }
    }
    *len = 0;
    return NULL;
}

bool kc_member_matches(const kc_member *m, const kc_str *names, const kc_bytes *metadata, int n)
{
    if (n != m->n_protocols)
        return false;
    for (int i = 0; i < n; i++) {
        const kc_protocol *p = &m->protocols[i];
        int32_t len = metadata[i].len > 0 ? metadata[i].len : 0;
        if (!kc_str_eq(names[i], p->name) || len != p->metadata_len ||
            (len && memcmp(metadata[i].p, p->metadata, (size_t)len) != 0))
            return false;
    }
    return true;
}

void kc_member_set_assignment(kc_member *m, const uint8_t *a, int32_t len)
{
    free(m->assignment);
    m->assignment = NULL;
    m->assignment_len = 0;
    if (a && len > 0) {
        m->assignment = kc_xcalloc((size_t)len, 1);
        memcpy(m->assignment, a, (size_t)len);
        m->assignment_len = len;
    }
}

void kc_group_rename_member(kc_group *g, kc_member *m, const char *new_id)
{
    bool leads = g->leader_id == m->member_id;
    free(m->member_id);
    m->member_id = xstrndup(new_id, strlen(new_id));
    if (leads)
        g->leader_id = m->member_id;
}

void kc_member_free(kc_member *m)
{
    if (!m)
        return;
    protocols_free(m);
    free(m->member_id);
    free(m->group_instance_id);
    free(m->client_id);
    free(m->client_host);
    free(m->assignment);
    free(m);
}

static void update_rebalance_timeout(kc_group *g)
{
    g->rebalance_timeout_ms = 0;
    for (int i = 0; i < g->n_members; i++)
        if (g->members[i]->rebalance_timeout_ms > g->rebalance_timeout_ms)
            g->rebalance_timeout_ms = g->members[i]->rebalance_timeout_ms;
}

void kc_group_add_member(kc_group *g, kc_member *m)
{
    m->group = g;
    m->pending = false;
    push(&g->members, &g->n_members, &g->cap_members, m);
    if (!g->leader_id)
        g->leader_id = m->member_id;
    if (m->join_req)
        g->n_awaiting_join++;
    update_rebalance_timeout(g);
}

void kc_group_remove_member(kc_group *g, kc_member *m)
{
    if (take(g->pending, &g->n_pending, m))
        return;
    if (!take(g->members, &g->n_members, m))
        return;
    if (m->join_req)
        g->n_awaiting_join--;
    if (g->leader_id == m->member_id)
        g->leader_id = g->n_members ? g->members[0]->member_id : NULL;
    update_rebalance_timeout(g);
}

void kc_group_add_pending(kc_group *g, kc_member *m)
{
    m->group = g;
    m->pending = true;
    push(&g->pending, &g->n_pending, &g->cap_pending, m);
}

bool kc_group_all_joined(const kc_group *g)
{
    return g->n_members == g->n_awaiting_join && g->n_pending == 0;
}

static bool member_offers(const kc_member *m, const char *name)
{
    for (int i = 0; i < m->n_protocols; i++)
        if (strcmp(m->protocols[i].name, name) == 0)
            return true;
    return false;
}

static bool all_offer(const kc_group *g, const char *name)
{
    for (int i = 0; i < g->n_members; i++)
        if (!member_offers(g->members[i], name))
            return false;
    return true;
}

bool kc_group_supports(const kc_group *g, kc_str type, const kc_str *names, int n)
{
    if (g->n_members == 0)
        return type.len > 0 && n > 0;
    if (!g->protocol_type || !kc_str_eq(type, g->protocol_type))
        return false;
    for (int i = 0; i < n; i++) {
        char buf[256];
        if (names[i].len < 0 || (size_t)names[i].len >= sizeof(buf))
            continue;
        memcpy(buf, names[i].p, (size_t)names[i].len);
        buf[names[i].len] = '\0';
        if (all_offer(g, buf))
            return true;
    }
    return false;
}

const char *kc_group_select_protocol(const kc_group *g)
{
    if (g->n_members == 0)
        return NULL;
    /* candidates in the first member's order of preference: the tie-break */
    const kc_member *first = g->members[0];
    const char *best = NULL;
    int best_votes = 0;
    for (int c = 0; c < first->n_protocols; c++) {
        const char *cand = first->protocols[c].name;
        if (!all_offer(g, cand))
            continue;
        int votes = 0;
        for (int i = 0; i < g->n_members; i++) {
            const kc_member *m = g->members[i];
            for (int k = 0; k < m->n_protocols; k++) { /* m's most preferred candidate */
                if (all_offer(g, m->protocols[k].name)) {
                    votes += strcmp(m->protocols[k].name, cand) == 0;
                    break;
                }
            }
        }
        if (votes > best_votes) {
            best = cand;
            best_votes = votes;
        }
    }
    return best;
}

/* ConsumerProtocolSubscription (any version): int16 version, then an array of topic strings;
 * later fields do not matter here. Calls @p fn per topic until it returns true. */
static int subscription_each(const uint8_t *p, int32_t len, bool (*fn)(kc_str, void *), void *arg,
                             bool *hit)
{
    kc_rbuf r;
    kc_rbuf_init(&r, p, len > 0 ? (size_t)len : 0);
    (void)kc_rbuf_i16(&r);
    int32_t n = kc_rbuf_array_len(&r, false, false, 2);
    for (int32_t i = 0; i < n && !r.err; i++) {
        kc_str t = kc_rbuf_str(&r, false, false);
        if (!r.err && fn(t, arg)) {
            *hit = true;
            return 0;
        }
    }
    return r.err ? -1 : 0;
}

static bool topic_is(kc_str t, void *arg)
{
    return kc_str_eq(t, arg);
}

static bool is_consumer_group(const kc_group *g)
{
    return g->protocol_type && strcmp(g->protocol_type, "consumer") == 0 && g->protocol &&
           g->n_members > 0;
}

bool kc_group_subscriptions_known(const kc_group *g)
{
    if (!is_consumer_group(g))
        return false;
    for (int i = 0; i < g->n_members; i++) {
        int32_t len;
        const uint8_t *md = kc_member_metadata(g->members[i], g->protocol, &len);
        bool hit = false;
        if (!md || subscription_each(md, len, topic_is, (void *)"", &hit))
            return false;
    }
    return true;
}

bool kc_group_subscribed_to(const kc_group *g, const char *topic)
{
    if (!kc_group_subscriptions_known(g))
        return true;
    for (int i = 0; i < g->n_members; i++) {
        int32_t len;
        const uint8_t *md = kc_member_metadata(g->members[i], g->protocol, &len);
        bool hit = false;
        subscription_each(md, len, topic_is, (void *)topic, &hit);
        if (hit)
            return true;
    }
    return false;
}

static unsigned tp_hash(const char *topic, int32_t partition)
{
    unsigned h = 2166136261u;
    for (const char *s = topic; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return (h ^ (unsigned)partition) * 16777619u;
}

kc_committed *kc_group_offset(const kc_group *g, const char *topic, int32_t partition)
{
    unsigned b = tp_hash(topic, partition) % (unsigned)g->n_buckets;
    for (kc_committed *c = g->offsets[b]; c; c = c->next)
        if (c->partition == partition && strcmp(c->topic, topic) == 0)
            return c;
    return NULL;
}

static void grow_offsets(kc_group *g)
{
    int nb = g->n_buckets * 2;
    kc_committed **nt = kc_xcalloc((size_t)nb, sizeof(*nt));
    for (int i = 0; i < g->n_buckets; i++) {
        for (kc_committed *c = g->offsets[i], *n; c; c = n) {
            n = c->next;
            unsigned b = tp_hash(c->topic, c->partition) % (unsigned)nb;
            c->next = nt[b];
            nt[b] = c;
        }
    }
    free(g->offsets);
    g->offsets = nt;
    g->n_buckets = nb;
}

kc_committed *kc_group_offset_ensure(kc_group *g, const char *topic, int32_t partition)
{
    kc_committed *c = kc_group_offset(g, topic, partition);
    if (c)
        return c;
    if (g->n_offsets >= g->n_buckets)
        grow_offsets(g);
    c = kc_xcalloc(1, sizeof(*c));
    c->topic = xstrndup(topic, strlen(topic));
    c->partition = partition;
    c->offset = -1;
    c->leader_epoch = -1;
    c->expire_timestamp = -1;
    unsigned b = tp_hash(topic, partition) % (unsigned)g->n_buckets;
    c->next = g->offsets[b];
    g->offsets[b] = c;
    g->n_offsets++;
    return c;
}

void kc_group_offset_remove(kc_group *g, const char *topic, int32_t partition)
{
    unsigned b = tp_hash(topic, partition) % (unsigned)g->n_buckets;
    for (kc_committed **pp = &g->offsets[b]; *pp; pp = &(*pp)->next) {
        kc_committed *c = *pp;
        if (c->partition == partition && strcmp(c->topic, topic) == 0) {
            *pp = c->next;
            committed_free(c);
            g->n_offsets--;
            return;
        }
    }
}

void kc_group_offsets_each(kc_group *g, void (*fn)(kc_committed *c, void *arg), void *arg)
{
    for (int i = 0; i < g->n_buckets; i++)
        for (kc_committed *c = g->offsets[i]; c; c = c->next)
            fn(c, arg);
}
