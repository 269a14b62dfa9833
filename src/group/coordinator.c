/*
 * The coordinator's tables and life cycle: the groups by id, which partitions of
 * __consumer_offsets are owned here (led and loaded), loading and unloading on leadership
 * changes, offset expiration (offsets.retention.minutes, KIP-211), and the group admin APIs
 * (DescribeGroups, ListGroups, DeleteGroups). Invariant: a cached group's partition is owned
 * or loading (its groups are then shells nobody is answered from); losing a partition cancels
 * its load and kills and drops its groups before anything else runs.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "broker/broker.h"
#include "common/clock.h"
#include "common/java_hash.h"
#include "common/log.h"
#include "group/coord_internal.h"
#include "proto/errors.h"

kc_coordinator *kc_coord(kc_broker *b)
{
    return b->coordinator;
}

int64_t kc_coord_now(void)
{
    return kc_now_ms();
}

static unsigned id_hash(kc_str id)
{
    unsigned h = 2166136261u;
    for (int32_t i = 0; i < id.len; i++)
        h = (h ^ (uint8_t)id.p[i]) * 16777619u;
    return h;
}

kc_group *kc_coord_find(kc_coordinator *c, kc_str id)
{
    if (id.len < 0)
        return NULL;
    for (kc_group *g = c->buckets[id_hash(id) % (unsigned)c->n_buckets]; g; g = g->hash_next)
        if (kc_str_eq(id, g->group_id))
            return g;
    return NULL;
}

static void grow(kc_coordinator *c)
{
    int nb = c->n_buckets * 2;
    kc_group **nt = calloc((size_t)nb, sizeof(*nt));
    if (!nt)
        kc_fatal("coordinator: out of memory");
    for (int i = 0; i < c->n_buckets; i++) {
        for (kc_group *g = c->buckets[i], *n; g; g = n) {
            n = g->hash_next;
            unsigned k = id_hash(kc_str_c(g->group_id)) % (unsigned)nb;
            g->hash_next = nt[k];
            nt[k] = g;
        }
    }
    free(c->buckets);
    c->buckets = nt;
    c->n_buckets = nb;
}

kc_group *kc_coord_create(kc_coordinator *c, kc_str id, int32_t partition)
{
    if (c->n_groups >= c->n_buckets)
        grow(c);
    kc_group *g = kc_group_new(id, partition);
    unsigned k = id_hash(id) % (unsigned)c->n_buckets;
    g->hash_next = c->buckets[k];
    c->buckets[k] = g;
    c->n_groups++;
    return g;
}

void kc_coord_drop(kc_coordinator *c, kc_group *g)
{
    unsigned k = id_hash(kc_str_c(g->group_id)) % (unsigned)c->n_buckets;
    for (kc_group **pp = &c->buckets[k]; *pp; pp = &(*pp)->hash_next) {
        if (*pp == g) {
            *pp = g->hash_next;
            c->n_groups--;
            break;
        }
    }
    g->unloaded = true;
    if (g->writes == 0)
        kc_group_free(g);
}

int32_t kc_coordinator_partition_for(kc_broker *b, kc_str group_id)
{
    /* Kafka fixes the count at start-up from ZooKeeper; the metadata cache holds the same */
    const kc_mc_topic *t = kc_metadata_cache_topic(&b->metadata, kc_str_c(KC_OFFSETS_TOPIC));
    int32_t n = t && t->n_partitions > 0 ? t->n_partitions : b->cfg->offsets_topic_num_partitions;
    return kc_group_partition(group_id.p ? group_id.p : "",
                              group_id.len > 0 ? (size_t)group_id.len : 0, n);
}

static bool owned(const kc_coordinator *c, int32_t part)
{
    return part >= 0 && part < c->n_parts && c->owned[part];
}

static bool loading(const kc_coordinator *c, int32_t part)
{
    return part >= 0 && part < c->n_parts && c->loading[part];
}

int16_t kc_coord_check(kc_coordinator *c, kc_str id, bool empty_ok, int32_t *partition)
{
    if (id.len < 0 || (id.len == 0 && !empty_ok))
        return KC_ERR_INVALID_GROUP_ID;
    if (c->shut)
        return KC_ERR_COORDINATOR_NOT_AVAILABLE;
    *partition = kc_coordinator_partition_for(c->b, id);
    if (loading(c, *partition))
        return KC_ERR_COORDINATOR_LOAD_IN_PROGRESS;
    return owned(c, *partition) ? KC_ERR_NONE : KC_ERR_NOT_COORDINATOR;
}

void kc_coord_client_host(const kc_request *req, char *buf, size_t len)
{
    const char *peer = kc_request_peer(req);
    const char *colon = strrchr(peer, ':');
    int n = colon ? (int)(colon - peer) : (int)strlen(peer);
    snprintf(buf, len, "/%.*s", n, peer);
}

/* ---------------------------------------------------------------- expiration */

typedef struct expire_ctx {
    kc_group *g;
    int64_t now, retention_ms;
    char **topics;
    int32_t *parts;
    int n, cap;
} expire_ctx;

static void collect(expire_ctx *x, const kc_committed *o)
{
    if (x->n == x->cap) {
        x->cap = x->cap ? 2 * x->cap : 16;
        x->topics = realloc(x->topics, sizeof(*x->topics) * (size_t)x->cap);
        x->parts = realloc(x->parts, sizeof(*x->parts) * (size_t)x->cap);
        if (!x->topics || !x->parts)
            kc_fatal("coordinator: out of memory");
    }
    x->topics[x->n] = strdup(o->topic);
    x->parts[x->n++] = o->partition;
}

/* GroupMetadata.removeExpiredOffsets (KIP-211, with KAFKA-13636's Stable-only rule) */
static void collect_expired(kc_committed *o, void *arg)
{
    expire_ctx *x = arg;
    kc_group *g = x->g;
    if (o->pending || !o->present)
        return;
    bool expired;
    if (o->expire_timestamp >= 0) {
        expired = x->now >= o->expire_timestamp;
    } else if (g->state == KC_GROUP_EMPTY && g->protocol_type) {
        int64_t since = g->state_timestamp_ms >= 0 ? g->state_timestamp_ms : o->commit_timestamp;
        expired = x->now - since >= x->retention_ms;
    } else if (!g->protocol_type) {
        expired = x->now - o->commit_timestamp >= x->retention_ms;
    } else if (g->state == KC_GROUP_STABLE && kc_group_subscriptions_known(g)) {
        expired =
            !kc_group_subscribed_to(g, o->topic) && x->now - o->commit_timestamp >= x->retention_ms;
    } else {
        expired = false;
    }
    if (!expired)
        return;
    collect(x, o);
}

/* Tombstones for @p n offsets of @p g (and its group key when it dies), then the cache. */
void kc_coord_remove_offsets(kc_coordinator *c, kc_group *g, char **topics, int32_t *parts, int n)
{
    for (int i = 0; i < n; i++)
        kc_group_offset_remove(g, topics[i], parts[i]);
    bool dies = g->state == KC_GROUP_EMPTY && g->n_offsets == 0 && g->n_pending == 0;
    if (n > 0 || dies)
        kc_group_log_tombstones(c, g, topics, parts, n, dies && g->generation > 0);
    if (dies) {
        kc_group_kill(c, g, 0);
        kc_coord_drop(c, g);
    }
}

static void expire_offsets(kc_coordinator *c)
{
    int64_t now = kc_coord_now();
    int64_t retention = (int64_t)c->b->cfg->offsets_retention_minutes * 60000;
    int removed = 0, dead = 0;
    /* collect first: dropping a group changes the table */
    kc_group **all = malloc(sizeof(*all) * (size_t)(c->n_groups + 1));
    if (!all)
        kc_fatal("coordinator: out of memory");
    int n = 0;
    for (int i = 0; i < c->n_buckets; i++)
        for (kc_group *g = c->buckets[i]; g; g = g->hash_next)
            if (owned(c, g->partition))
                all[n++] = g;
    for (int i = 0; i < n; i++) {
        kc_group *g = all[i];
        expire_ctx x = {.g = g, .now = now, .retention_ms = retention};
        kc_group_offsets_each(g, collect_expired, &x);
        bool dies = g->state == KC_GROUP_EMPTY && g->n_offsets == x.n && g->n_pending == 0;
        removed += x.n;
        dead += dies;
        if (x.n > 0 || dies)
            kc_coord_remove_offsets(c, g, x.topics, x.parts, x.n);
        for (int k = 0; k < x.n; k++)
            free(x.topics[k]);
        free(x.topics);
        free(x.parts);
    }
    free(all);
    if (removed || dead)
        kc_info("GROUP", "removed %d expired offsets and %d dead groups", removed, dead);
}

static void on_expire_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_coordinator *c = arg;
    if (c->shut)
        return;
    expire_offsets(c);
    struct timeval tv = kc_timeval_ms(c->b->cfg->offsets_retention_check_interval_ms);
    evtimer_add(c->expire_timer, &tv);
}

/* ---------------------------------------------------------------- life cycle */

void kc_coordinator_start(kc_broker *b)
{
    kc_coordinator *c = calloc(1, sizeof(*c));
    if (!c)
        kc_fatal("coordinator: out of memory");
    c->b = b;
    c->n_buckets = 64;
    c->buckets = calloc((size_t)c->n_buckets, sizeof(*c->buckets));
    if (!c->buckets)
        kc_fatal("coordinator: out of memory");
    b->coordinator = c;
    c->expire_timer = evtimer_new(b->base, on_expire_timer, c);
    struct timeval tv = kc_timeval_ms(b->cfg->offsets_retention_check_interval_ms);
    evtimer_add(c->expire_timer, &tv);
}

static void cancel_load(kc_coordinator *c, int32_t part)
{
    kc_group_load *l = c->loading[part];
    if (!l)
        return;
    event_free(l->step);
    free(l);
    c->loading[part] = NULL;
}

static void unload_partition(kc_coordinator *c, int32_t part, int16_t err)
{
    kc_group **victims = malloc(sizeof(*victims) * (size_t)(c->n_groups + 1));
    if (!victims)
        kc_fatal("coordinator: out of memory");
    int n = 0;
    for (int i = 0; i < c->n_buckets; i++)
        for (kc_group *g = c->buckets[i]; g; g = g->hash_next)
            if (part < 0 || g->partition == part)
                victims[n++] = g;
    for (int i = 0; i < n; i++) {
        kc_group_kill(c, victims[i], err);
        kc_coord_drop(c, victims[i]);
    }
    free(victims);
    if (part >= 0 && part < c->n_parts) {
        c->owned[part] = false;
        cancel_load(c, part);
    }
    if (n && part >= 0)
        kc_info("GROUP", "unloaded %d groups of %s-%d", n, KC_OFFSETS_TOPIC, part);
    else if (n)
        kc_info("GROUP", "unloaded %d groups (shutting down)", n);
}

void kc_coordinator_shutdown(kc_broker *b)
{
    kc_coordinator *c = b->coordinator;
    if (!c || c->shut)
        return;
    unload_partition(c, -1, KC_ERR_NOT_COORDINATOR);
    for (int32_t i = 0; i < c->n_parts; i++) {
        c->owned[i] = false;
        cancel_load(c, i);
    }
    c->shut = true;
    if (c->expire_timer)
        event_del(c->expire_timer);
}

void kc_coordinator_free(kc_broker *b)
{
    kc_coordinator *c = b->coordinator;
    if (!c)
        return;
    kc_coordinator_shutdown(b);
    if (c->expire_timer)
        event_free(c->expire_timer);
    free(c->buckets);
    free(c->owned);
    free(c->loading);
    free(c);
    b->coordinator = NULL;
}

static void load_step(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_group_load *l = arg;
    kc_coordinator *c = l->c;
    int rc = kc_group_log_load_step(c, l);
    if (rc > 0) {
        struct timeval now = {0, 0}; /* a timer, not an activation: sockets get their turn */
        evtimer_add(l->step, &now);
        return;
    }
    /* a log that cannot be read to its end is served with what was read: Kafka keeps none of
     * it, which sends every consumer of those groups to auto.offset.reset; older commits only
     * repeat records */
    int32_t part = l->partition;
    int n = kc_group_log_load_end(c, l);
    if (n || rc) /* 50 partitions usually hold nothing yet: no line for those */
        kc_info("GROUP", "loaded %d groups of %s-%d in %lld ms%s", n, KC_OFFSETS_TOPIC, part,
                (long long)(kc_mono_ms() - l->started_ms),
                rc ? " (the log could not be read to its end)" : "");
    cancel_load(c, part);
    c->owned[part] = true;
}

void kc_coordinator_on_elect(kc_broker *b, kc_partition *p)
{
    kc_coordinator *c = b->coordinator;
    if (!c || c->shut)
        return;
    if (p->id >= c->n_parts) {
        int32_t n = p->id + 1;
        bool *o = realloc(c->owned, sizeof(*o) * (size_t)n);
        kc_group_load **l = o ? realloc(c->loading, sizeof(*l) * (size_t)n) : NULL;
        if (!o || !l)
            kc_fatal("coordinator: out of memory");
        for (int32_t i = c->n_parts; i < n; i++) {
            o[i] = false;
            l[i] = NULL;
        }
        c->owned = o;
        c->loading = l;
        c->n_parts = n;
    }
    /* a new epoch while leading or loading: the cache is what the log says (Kafka keeps it) */
    if (c->owned[p->id] || c->loading[p->id])
        return;
    kc_group_load *l = calloc(1, sizeof(*l));
    if (!l || !(l->step = evtimer_new(b->base, load_step, l)))
        kc_fatal("coordinator: out of memory");
    l->c = c;
    l->started_ms = kc_mono_ms();
    if (kc_group_log_load_begin(c, p->id, l)) {
        event_free(l->step);
        free(l);
        return;
    }
    c->loading[p->id] = l;
    struct timeval now = {0, 0};
    evtimer_add(l->step, &now);
}

void kc_coordinator_on_resign(kc_broker *b, kc_partition *p)
{
    kc_coordinator *c = b->coordinator;
    if (!c || (!owned(c, p->id) && !loading(c, p->id)))
        return;
    unload_partition(c, p->id, KC_ERR_NOT_COORDINATOR);
}

/* ---------------------------------------------------------------- admin APIs */

static kc_str cstr(const char *s)
{
    return kc_str_c(s ? s : "");
}

void kc_coord_describe_groups(kc_request *req, const kc_describe_groups_req *r,
                              kc_coord_authz_fn group_authz, kc_coord_ops_fn ops)
{
    kc_coordinator *c = kc_coord(req->broker);
    int32_t n = r->groups_count > 0 ? r->groups_count : 0;
    kc_describe_groups_resp resp = {0};
    resp.groups = kc_arena_alloc(&req->arena, sizeof(*resp.groups) * (size_t)(n + 1));
    resp.groups_count = n;
    for (int32_t i = 0; i < n; i++) {
        kc_described_group *o = &resp.groups[i];
        o->group_id = r->groups[i];
        o->authorized_operations = INT32_MIN;
        int32_t part;
        o->error_code = group_authz(req, r->groups[i]);
        if (!o->error_code)
            o->error_code = kc_coord_check(c, r->groups[i], true, &part);
        if (!o->error_code && ops)
            o->authorized_operations = ops(req, r->groups[i]);
        kc_group *g = o->error_code ? NULL : kc_coord_find(c, r->groups[i]);
        /* Kafka: an absent group is "Dead"; a group-level error answers NoState, "" */
        o->group_state = kc_str_c(g ? kc_group_state_name(g->state) : o->error_code ? "" : "Dead");
        o->protocol_type = cstr(g ? g->protocol_type : NULL);
        bool stable = g && g->state == KC_GROUP_STABLE;
        o->protocol_data = cstr(stable ? g->protocol : NULL);
        if (!g)
            continue;
        o->members = kc_arena_alloc(&req->arena, sizeof(*o->members) * (size_t)(g->n_members + 1));
        o->members_count = g->n_members;
        for (int k = 0; k < g->n_members; k++) {
            const kc_member *m = g->members[k];
            kc_described_group_member *om = &o->members[k];
            om->member_id = kc_str_c(m->member_id);
            om->group_instance_id =
                m->group_instance_id ? kc_str_c(m->group_instance_id) : KC_STR_NULL;
            om->client_id = kc_str_c(m->client_id);
            om->client_host = kc_str_c(m->client_host);
            int32_t len = 0;
            const uint8_t *md = stable ? kc_member_metadata(m, g->protocol, &len) : NULL;
            om->member_metadata = (kc_bytes){md ? md : (const uint8_t *)"", md ? len : 0};
            om->member_assignment =
                (kc_bytes){stable && m->assignment ? m->assignment : (const uint8_t *)"",
                           stable ? m->assignment_len : 0};
        }
    }
    kc_describe_groups_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}

/* ListGroups v4 (KIP-518): states named exactly; none or an empty filter lists all */
static bool state_wanted(const kc_list_groups_req *r, kc_group_state st)
{
    if (r->states_filter_count <= 0)
        return true;
    for (int32_t i = 0; i < r->states_filter_count; i++)
        if (kc_str_eq(r->states_filter[i], kc_group_state_name(st)))
            return true;
    return false;
}

void kc_coord_list_groups(kc_request *req, const kc_list_groups_req *r,
                          kc_coord_authz_fn group_authz)
{
    kc_coordinator *c = kc_coord(req->broker);
    kc_list_groups_resp resp = {0};
    resp.error_code = c->shut ? KC_ERR_COORDINATOR_NOT_AVAILABLE : KC_ERR_NONE;
    /* Kafka lists what it has loaded and says that more is coming */
    for (int32_t i = 0; i < c->n_parts && !resp.error_code; i++)
        if (c->loading[i])
            resp.error_code = KC_ERR_COORDINATOR_LOAD_IN_PROGRESS;
    resp.groups = kc_arena_alloc(&req->arena, sizeof(*resp.groups) * (size_t)(c->n_groups + 1));
    for (int i = 0; i < c->n_buckets && !c->shut; i++) {
        for (kc_group *g = c->buckets[i]; g; g = g->hash_next) {
            if (!owned(c, g->partition) || !state_wanted(r, g->state) ||
                (group_authz && group_authz(req, kc_str_c(g->group_id))))
                continue;
            kc_listed_group *o = &resp.groups[resp.groups_count++];
            o->group_id = kc_str_c(g->group_id);
            o->protocol_type = cstr(g->protocol_type);
            o->group_state = kc_str_c(kc_group_state_name(g->state));
        }
    }
    kc_list_groups_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}

static void collect_all(kc_committed *o, void *arg)
{
    expire_ctx *x = arg;
    collect(x, o);
}

void kc_coord_delete_groups(kc_request *req, const kc_delete_groups_req *r,
                            kc_coord_authz_fn group_authz)
{
    kc_coordinator *c = kc_coord(req->broker);
    int32_t n = r->groups_names_count > 0 ? r->groups_names_count : 0;
    kc_delete_groups_resp resp = {0};
    resp.results = kc_arena_alloc(&req->arena, sizeof(*resp.results) * (size_t)(n + 1));
    resp.results_count = n;
    for (int32_t i = 0; i < n; i++) {
        kc_deletable_group_result *o = &resp.results[i];
        o->group_id = r->groups_names[i];
        int32_t part;
        o->error_code = group_authz(req, r->groups_names[i]);
        if (!o->error_code)
            o->error_code = kc_coord_check(c, r->groups_names[i], true, &part);
        if (o->error_code)
            continue;
        kc_group *g = kc_coord_find(c, r->groups_names[i]);
        if (!g || g->state == KC_GROUP_DEAD) {
            o->error_code = KC_ERR_GROUP_ID_NOT_FOUND;
        } else if (g->state != KC_GROUP_EMPTY) {
            o->error_code = KC_ERR_NON_EMPTY_GROUP;
        } else {
            expire_ctx x = {.g = g};
            kc_group_offsets_each(g, collect_all, &x);
            kc_info("GROUP", "group %s deleted (%d offsets)", g->group_id, x.n);
            kc_group_transition(g, KC_GROUP_DEAD, kc_coord_now());
            kc_group_log_tombstones(c, g, x.topics, x.parts, x.n, g->generation > 0);
            kc_group_kill(c, g, 0);
            kc_coord_drop(c, g);
            for (int k = 0; k < x.n; k++)
                free(x.topics[k]);
            free(x.topics);
            free(x.parts);
        }
    }
    kc_delete_groups_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}
