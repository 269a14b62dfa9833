/*
 * Group membership (Kafka 2.8 GroupCoordinator: handleJoinGroup, handleSyncGroup,
 * handleHeartbeat, handleLeaveGroup, onCompleteJoin, onExpireHeartbeat) and its three delayed
 * operations on the one purgatory:
 *   - the join (DelayedJoin, or KIP-134's InitialDelayedJoin from Empty), keyed by the group:
 *     ready when every member's JoinGroup is parked and none is pending;
 *   - the sync (DelayedSync, KAFKA-12890), keyed by the group: members that were answered
 *     JoinGroup but never sent SyncGroup within the rebalance timeout are removed;
 *   - each member's heartbeat (DelayedHeartbeat), keyed by the member: a liveness event
 *     completes it and arms the next; expiry removes the member.
 * Invariant: every operation that points at a group or member completes before that group or
 * member is freed (kc_member_discard and kc_group_kill complete them through a check of their
 * key, synchronously).
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/purgatory.h"
#include "common/log.h"
#include "group/coord_internal.h"
#include "proto/errors.h"

#define NEW_MEMBER_JOIN_TIMEOUT_MS 300000 /* GroupCoordinator.NewMemberJoinTimeoutMs */

static kc_str cstr(const char *s)
{
    return s ? kc_str_c(s) : kc_str_c("");
}

static kc_str nstr(const char *s)
{
    return s ? kc_str_c(s) : KC_STR_NULL;
}

/* ---------------------------------------------------------------- parked requests */

static void join_orphan(kc_request *req);
static void sync_orphan(kc_request *req);

static bool in_group(const kc_group *g, const kc_member *m)
{
    return !m->pending && kc_group_member(g, kc_str_c(m->member_id)) == m;
}

/* A parked JoinGroup or SyncGroup waits for the other members' requests: it leaves the
 * admission limits (kc_request_delayed) so that it never holds theirs back. */
static void park_join(kc_group *g, kc_member *m, kc_request *req)
{
    m->join_req = req;
    req->pending = m;
    req->on_orphan = join_orphan;
    kc_request_delayed(req);
    if (in_group(g, m))
        g->n_awaiting_join++;
}

static kc_request *unpark_join(kc_member *m)
{
    kc_request *req = m->join_req;
    if (!req)
        return NULL;
    m->join_req = NULL;
    req->pending = NULL;
    req->on_orphan = NULL;
    if (in_group(m->group, m))
        m->group->n_awaiting_join--;
    return req;
}

/* Answer a JoinGroup. The leader of a successful join gets every member's metadata for the
 * chosen protocol; nobody else does. */
static void join_respond(kc_request *req, int16_t err, const kc_group *g, const char *member_id,
                         const char *leader, bool with_members)
{
    kc_join_group_resp resp = {0};
    resp.error_code = err;
    resp.generation_id = err ? -1 : g->generation;
    /* v7+ (KIP-559) names the protocol type; an error answer has neither (null from v7) */
    resp.protocol_type = nstr(err ? NULL : g->protocol_type);
    resp.protocol_name =
        err && req->hdr.api_version >= 7 ? KC_STR_NULL : cstr(err ? NULL : g->protocol);
    resp.leader = cstr(err ? NULL : leader);
    resp.member_id = cstr(member_id);
    if (!err && with_members) {
        resp.members =
            kc_arena_alloc(&req->arena, sizeof(*resp.members) * (size_t)(g->n_members + 1));
        for (int i = 0; i < g->n_members; i++) {
            const kc_member *m = g->members[i];
            kc_join_group_response_member *o = &resp.members[resp.members_count++];
            o->member_id = kc_str_c(m->member_id);
            o->group_instance_id = nstr(m->group_instance_id);
            int32_t len;
            const uint8_t *md = kc_member_metadata(m, g->protocol, &len);
            o->metadata = (kc_bytes){md ? md : (const uint8_t *)"", len};
        }
    }
    kc_join_group_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}

static void answer_join(kc_member *m, int16_t err, bool with_members, const char *leader)
{
    kc_request *req = unpark_join(m);
    if (req)
        join_respond(req, err, m->group, err == KC_ERR_UNKNOWN_MEMBER_ID ? "" : m->member_id,
                     leader, with_members);
}

/* The client's connection closed while parked: it must rejoin before its session runs out. */
static void join_orphan(kc_request *req)
{
    kc_member *m = req->pending;
    kc_broker *b = req->broker;
    unpark_join(m);
    kc_request_respond(req); /* the connection is gone: nothing is sent */
    kc_member_heartbeat(kc_coord(b), m,
                        m->is_new ? NEW_MEMBER_JOIN_TIMEOUT_MS : m->session_timeout_ms);
}

static void park_sync(kc_member *m, kc_request *req)
{
    m->sync_req = req;
    req->pending = m;
    req->on_orphan = sync_orphan;
    kc_request_delayed(req);
}

static void sync_respond(kc_request *req, int16_t err, const kc_group *g, const uint8_t *a,
                         int32_t len)
{
    kc_sync_group_resp resp = {0};
    resp.error_code = err;
    resp.protocol_type = nstr(err || !g ? NULL : g->protocol_type); /* v5+ (KIP-559) */
    resp.protocol_name = nstr(err || !g ? NULL : g->protocol);
    resp.assignment = (kc_bytes){a && !err ? a : (const uint8_t *)"", a && !err ? len : 0};
    kc_sync_group_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}

/* @return whether a parked SyncGroup was answered */
static bool answer_sync(kc_member *m, int16_t err)
{
    kc_request *req = m->sync_req;
    if (!req)
        return false;
    m->sync_req = NULL;
    req->pending = NULL;
    req->on_orphan = NULL;
    sync_respond(req, err, m->group, m->assignment, m->assignment_len);
    return true;
}

static void sync_orphan(kc_request *req)
{
    kc_member *m = req->pending;
    kc_broker *b = req->broker;
    m->sync_req = NULL;
    req->pending = NULL;
    kc_request_respond(req);
    kc_member_heartbeat(kc_coord(b), m, m->session_timeout_ms);
}

/* ---------------------------------------------------------------- heartbeats */

/* MemberMetadata.hasSatisfiedHeartbeat: a parked member needs no heartbeat, except a new one. */
static bool heartbeat_satisfied(const kc_member *m)
{
    if (m->is_new || m->pending)
        return m->heartbeat_satisfied;
    return m->join_req || m->sync_req || m->heartbeat_satisfied;
}

static bool hb_ready(kc_broker *b, void *arg)
{
    (void)b;
    kc_member *m = arg;
    return m->leaving || heartbeat_satisfied(m);
}

static void remove_member_and_update(kc_coordinator *c, kc_group *g, kc_member *m);
static void check_join(kc_coordinator *c, kc_group *g);

static void hb_complete(kc_broker *b, void *arg, bool expired)
{
    kc_member *m = arg;
    kc_coordinator *c = kc_coord(b);
    if (!expired || m->leaving || c->shut || b->shutting_down || heartbeat_satisfied(m))
        return;
    kc_group *g = m->group;
    kc_info("GROUP", "member %s of group %s: session expired (%d ms)", m->member_id, g->group_id,
            m->session_timeout_ms);
    if (m->pending) {
        kc_member_discard(c, g, m, 0);
        if (g->state == KC_GROUP_PREPARING_REBALANCE)
            check_join(c, g);
        return;
    }
    remove_member_and_update(c, g, m);
}

static const kc_delayed_ops hb_ops = {hb_ready, hb_complete};

void kc_member_heartbeat(kc_coordinator *c, kc_member *m, int64_t timeout_ms)
{
    m->heartbeat_satisfied = true;
    kc_purgatory_check(c->b->purgatory, m);
    m->heartbeat_satisfied = false;
    if (hb_ready(c->b, m))
        return; /* parked: the next liveness event arms it (Kafka completes it at once too) */
    const void *key = m;
    kc_purgatory_watch(c->b->purgatory, &key, 1, timeout_ms, &hb_ops, m, NULL);
}

void kc_member_discard(kc_coordinator *c, kc_group *g, kc_member *m, int16_t err)
{
    if (err) {
        answer_join(m, err, false, NULL);
        answer_sync(m, err);
    }
    /* what is still parked goes unanswered only when its connection is gone: answer it */
    answer_join(m, KC_ERR_UNKNOWN_MEMBER_ID, false, NULL);
    answer_sync(m, KC_ERR_UNKNOWN_MEMBER_ID);
    m->leaving = true;
    kc_purgatory_check(c->b->purgatory, m);
    kc_group_remove_member(g, m);
    kc_member_free(m);
}

/* ---------------------------------------------------------------- rebalance */

static void arm_join(kc_coordinator *c, kc_group *g, int64_t timeout_ms, bool initial);
static void arm_sync(kc_coordinator *c, kc_group *g);

static void reset_and_propagate(kc_coordinator *c, kc_group *g, int16_t err)
{
    for (int i = 0; i < g->n_members; i++) {
        kc_member *m = g->members[i];
        kc_member_set_assignment(m, NULL, 0);
        if (answer_sync(m, err))
            kc_member_heartbeat(c, m, m->session_timeout_ms);
    }
}

static void prepare_rebalance(kc_coordinator *c, kc_group *g, const char *why)
{
    if (g->state == KC_GROUP_COMPLETING_REBALANCE)
        reset_and_propagate(c, g, KC_ERR_REBALANCE_IN_PROGRESS);
    bool initial = g->state == KC_GROUP_EMPTY;
    if (kc_group_transition(g, KC_GROUP_PREPARING_REBALANCE, kc_coord_now()))
        return;
    kc_info("GROUP", "group %s: preparing to rebalance (generation %d): %s", g->group_id,
            g->generation, why);
    for (int i = 0; i < g->n_members; i++)
        g->members[i]->sync_wanted = false;
    kc_purgatory_check(c->b->purgatory, g); /* a DelayedSync of the old generation ends */
    int32_t delay = c->b->cfg->group_initial_rebalance_delay_ms;
    if (initial) {
        g->join_remaining_ms =
            g->rebalance_timeout_ms - delay > 0 ? g->rebalance_timeout_ms - delay : 0;
        arm_join(c, g, delay, true);
    } else {
        arm_join(c, g, g->rebalance_timeout_ms, false);
    }
}

static void maybe_prepare_rebalance(kc_coordinator *c, kc_group *g, const char *why)
{
    if (g->state == KC_GROUP_STABLE || g->state == KC_GROUP_COMPLETING_REBALANCE ||
        g->state == KC_GROUP_EMPTY)
        prepare_rebalance(c, g, why);
}

/* GroupMetadata.maybeElectNewJoinedLeader */
static bool elect_joined_leader(kc_group *g)
{
    if (!g->leader_id)
        return false;
    kc_member *leader = kc_group_member(g, kc_str_c(g->leader_id));
    if (leader && leader->join_req)
        return true;
    for (int i = 0; i < g->n_members; i++) {
        if (g->members[i]->join_req) {
            g->leader_id = g->members[i]->member_id;
            return true;
        }
    }
    return false;
}

static void on_empty_stored(kc_broker *b, int16_t err, void *arg)
{
    (void)b;
    kc_group *g = arg;
    if (err)
        kc_warn("GROUP", "group %s: writing its empty state failed (error %d)", g->group_id, err);
}

/* GroupCoordinator.onCompleteJoin */
static void complete_join(kc_coordinator *c, kc_group *g)
{
    for (int i = g->n_members - 1; i >= 0; i--) {
        kc_member *m = g->members[i];
        if (!m->join_req && !m->group_instance_id) {
            kc_info("GROUP", "group %s: member %s did not rejoin in time; removed", g->group_id,
                    m->member_id);
            kc_member_discard(c, g, m, 0);
        }
    }
    if (g->state == KC_GROUP_DEAD)
        return;
    if (!elect_joined_leader(g) && g->n_members > 0) {
        arm_join(c, g, g->rebalance_timeout_ms, false); /* wait for the static members' sessions */
        return;
    }
    g->generation++;
    free(g->protocol);
    g->protocol = NULL;
    if (g->n_members > 0) {
        const char *p = kc_group_select_protocol(g);
        g->protocol = kc_group_strdup(cstr(p));
        kc_group_transition(g, KC_GROUP_COMPLETING_REBALANCE, kc_coord_now());
    } else {
        kc_group_transition(g, KC_GROUP_EMPTY, kc_coord_now());
    }
    kc_info("GROUP", "group %s: generation %d (%s, protocol %s, %d members)", g->group_id,
            g->generation, kc_group_state_name(g->state), g->protocol ? g->protocol : "none",
            g->n_members);
    if (g->state == KC_GROUP_EMPTY) {
        kc_group_log_store_group(c, g, on_empty_stored, g);
        return;
    }
    for (int i = 0; i < g->n_members; i++) {
        kc_member *m = g->members[i];
        bool leads = g->leader_id == m->member_id;
        answer_join(m, KC_ERR_NONE, leads, g->leader_id);
        kc_member_heartbeat(c, m, m->session_timeout_ms);
        m->is_new = false;
        m->sync_wanted = true;
    }
    arm_sync(c, g);
}

static bool join_ready(kc_broker *b, void *arg)
{
    (void)b;
    kc_group *g = arg;
    return g->state == KC_GROUP_DEAD || (!g->join_initial && kc_group_all_joined(g));
}

static void join_complete(kc_broker *b, void *arg, bool expired)
{
    kc_group *g = arg;
    kc_coordinator *c = kc_coord(b);
    g->join_armed = false;
    if (c->shut || b->shutting_down || g->state != KC_GROUP_PREPARING_REBALANCE)
        return;
    if (g->join_initial && expired && g->new_member_added && g->join_remaining_ms > 0) {
        /* KIP-134: members are still arriving; wait again, within the rebalance timeout */
        g->new_member_added = false;
        int64_t delay = c->b->cfg->group_initial_rebalance_delay_ms;
        if (delay > g->join_remaining_ms)
            delay = g->join_remaining_ms;
        g->join_remaining_ms -= delay;
        arm_join(c, g, delay, true);
        return;
    }
    complete_join(c, g);
}

static const kc_delayed_ops join_ops = {join_ready, join_complete};

static void arm_join(kc_coordinator *c, kc_group *g, int64_t timeout_ms, bool initial)
{
    g->join_initial = initial;
    if (!initial)
        g->new_member_added = false;
    if (join_ready(c->b, g)) {
        complete_join(c, g);
        return;
    }
    g->join_armed = true;
    const void *key = g;
    kc_purgatory_watch(c->b->purgatory, &key, 1, timeout_ms, &join_ops, g, NULL);
}

static void check_join(kc_coordinator *c, kc_group *g)
{
    kc_purgatory_check(c->b->purgatory, g);
}

typedef struct sync_wait {
    kc_group *g;
    int32_t generation;
} sync_wait;

static bool sync_ready(kc_broker *b, void *arg)
{
    (void)b;
    sync_wait *s = arg;
    kc_group *g = s->g;
    if (s->generation != g->generation ||
        (g->state != KC_GROUP_COMPLETING_REBALANCE && g->state != KC_GROUP_STABLE))
        return true;
    for (int i = 0; i < g->n_members; i++)
        if (g->members[i]->sync_wanted)
            return false;
    return true;
}

static void sync_complete(kc_broker *b, void *arg, bool expired)
{
    sync_wait *s = arg;
    kc_group *g = s->g;
    kc_coordinator *c = kc_coord(b);
    bool act = expired && !c->shut && !b->shutting_down && !sync_ready(b, s);
    free(s);
    g->sync_armed = false;
    if (!act)
        return;
    for (int i = g->n_members - 1; i >= 0; i--) {
        kc_member *m = g->members[i];
        if (m->sync_wanted) {
            kc_info("GROUP", "group %s: member %s sent no SyncGroup in time; removed", g->group_id,
                    m->member_id);
            kc_member_discard(c, g, m, 0);
        }
    }
    if (g->state == KC_GROUP_COMPLETING_REBALANCE || g->state == KC_GROUP_STABLE)
        prepare_rebalance(c, g, "members failed to sync");
}

static const kc_delayed_ops sync_ops = {sync_ready, sync_complete};

static void arm_sync(kc_coordinator *c, kc_group *g)
{
    sync_wait *s = calloc(1, sizeof(*s));
    if (!s)
        kc_fatal("group: out of memory");
    *s = (sync_wait){g, g->generation};
    g->sync_armed = true;
    const void *key = g;
    kc_purgatory_watch(c->b->purgatory, &key, 1, g->rebalance_timeout_ms, &sync_ops, s, NULL);
}

/* GroupCoordinator.removeMemberAndUpdateGroup */
static void remove_member_and_update(kc_coordinator *c, kc_group *g, kc_member *m)
{
    kc_member_discard(c, g, m, KC_ERR_UNKNOWN_MEMBER_ID);
    if (g->state == KC_GROUP_STABLE || g->state == KC_GROUP_COMPLETING_REBALANCE)
        maybe_prepare_rebalance(c, g, "a member left");
    else if (g->state == KC_GROUP_PREPARING_REBALANCE)
        check_join(c, g);
}

void kc_group_loaded(kc_coordinator *c, kc_group *g)
{
    for (int i = 0; i < g->n_members; i++)
        kc_member_heartbeat(c, g->members[i], g->members[i]->session_timeout_ms);
    if (g->n_members > c->b->cfg->group_max_size)
        prepare_rebalance(c, g, "group.max.size exceeded after loading");
}

void kc_group_kill(kc_coordinator *c, kc_group *g, int16_t err)
{
    kc_group_transition(g, KC_GROUP_DEAD, kc_coord_now());
    while (g->n_members > 0)
        kc_member_discard(c, g, g->members[g->n_members - 1], err);
    while (g->n_pending > 0)
        kc_member_discard(c, g, g->pending[g->n_pending - 1], err);
    kc_purgatory_check(c->b->purgatory, g); /* join and sync operations end */
}

/* ---------------------------------------------------------------- JoinGroup */

static void new_member_id(kc_str prefix, char *out, size_t len)
{
    uint8_t u[16];
    if (RAND_bytes(u, sizeof(u)) != 1)
        kc_fatal("group: no random bytes for a member id");
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* UUID version 4, as java.util.UUID.randomUUID */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    int n = prefix.len > 0 ? (prefix.len > 200 ? 200 : prefix.len) : 0;
    snprintf(out, len, "%.*s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             n, prefix.p ? prefix.p : "", u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
             u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

typedef struct join_in {
    kc_request *req;
    const kc_join_group_req *r;
    kc_str *names;
    kc_bytes *metadata;
    int n;
    int32_t rebalance_timeout_ms;
    char host[80];
} join_in;

/* GroupMetadata.canAddMember-style admission against group.max.size */
static bool accept_joining(const kc_coordinator *c, const kc_group *g, const kc_member *known)
{
    int32_t max = c->b->cfg->group_max_size;
    switch (g->state) {
    case KC_GROUP_EMPTY:
    case KC_GROUP_DEAD:
        return true;
    case KC_GROUP_PREPARING_REBALANCE:
        return (known && known->join_req) || g->n_awaiting_join < max;
    default:
        return known || g->n_members < max;
    }
}

static void add_member_and_rebalance(kc_coordinator *c, kc_group *g, join_in *in,
                                     const char *member_id, kc_member *from_pending)
{
    kc_member *m = from_pending;
    if (m) {
        kc_group_remove_member(g, m); /* out of the pending list */
        m->session_timeout_ms = in->r->session_timeout_ms;
        m->rebalance_timeout_ms = in->rebalance_timeout_ms;
    } else {
        m = kc_member_new(g, member_id, in->r->group_instance_id, in->req->hdr.client_id, in->host,
                          in->r->session_timeout_ms, in->rebalance_timeout_ms);
    }
    kc_member_set_protocols(m, in->names, in->metadata, in->n);
    m->is_new = true;
    if (g->n_members == 0) { /* GroupMetadata.add: the first member sets the type */
        free(g->protocol_type);
        g->protocol_type = kc_group_strdup(in->r->protocol_type);
    }
    if (g->state == KC_GROUP_PREPARING_REBALANCE && g->generation == 0)
        g->new_member_added = true;
    park_join(g, m, in->req);  /* not in the group yet: kc_group_add_member counts it */
    kc_group_add_member(g, m); /* counts it as awaiting join */
    kc_member_heartbeat(c, m, NEW_MEMBER_JOIN_TIMEOUT_MS);
    maybe_prepare_rebalance(c, g, "a member joined");
}

static void update_member_and_rebalance(kc_coordinator *c, kc_group *g, kc_member *m, join_in *in)
{
    kc_member_set_protocols(m, in->names, in->metadata, in->n);
    answer_join(m, KC_ERR_REBALANCE_IN_PROGRESS, false, NULL); /* a duplicate join is replaced */
    park_join(g, m, in->req);
    maybe_prepare_rebalance(c, g, "a member rejoined with new metadata");
}

typedef struct static_swap {
    kc_group *g;
    char *new_id, *old_id, *old_leader;
} static_swap;

static void on_static_stored(kc_broker *b, int16_t err, void *arg)
{
    static_swap *s = arg;
    kc_group *g = s->g;
    kc_member *m = g->unloaded ? NULL : kc_group_member(g, kc_str_c(s->new_id));
    if (m && err) {
        kc_group_rename_member(g, m, s->old_id);
        kc_request *req = unpark_join(m);
        if (req)
            join_respond(req, err, g, "", NULL, false);
    } else if (m) {
        answer_join(m, KC_ERR_NONE, false, s->old_leader);
    }
    if (m)
        kc_member_heartbeat(kc_coord(b), m, m->session_timeout_ms);
    free(s->new_id);
    free(s->old_id);
    free(s->old_leader);
    free(s);
}

/* GroupCoordinator.updateStaticMemberAndRebalance: the instance returns with a new member id */
static void static_rejoin(kc_coordinator *c, kc_group *g, kc_member *m, join_in *in,
                          const char *new_id)
{
    char *old_leader = g->leader_id ? kc_group_strdup(kc_str_c(g->leader_id)) : NULL;
    char *old_id = kc_group_strdup(kc_str_c(m->member_id));
    answer_join(m, KC_ERR_FENCED_INSTANCE_ID, false, NULL);
    answer_sync(m, KC_ERR_FENCED_INSTANCE_ID);
    kc_group_rename_member(g, m, new_id);
    kc_member_heartbeat(c, m, m->session_timeout_ms);
    kc_member_set_protocols(m, in->names, in->metadata, in->n);
    park_join(g, m, in->req);
    /* Kafka 2.8 rebalances only when the next generation would pick another protocol: new
     * metadata alone (a sticky assignor's owned partitions) keeps the assignment */
    const char *next = kc_group_select_protocol(g);
    bool same = next && g->protocol && strcmp(next, g->protocol) == 0;
    if (g->state == KC_GROUP_STABLE && same) {
        static_swap *s = calloc(1, sizeof(*s));
        if (!s)
            kc_fatal("group: out of memory");
        *s = (static_swap){g, kc_group_strdup(kc_str_c(new_id)), old_id, old_leader};
        kc_info("GROUP", "group %s: static member %s returned as %s; no rebalance", g->group_id,
                m->group_instance_id, new_id);
        kc_group_log_store_group(c, g, on_static_stored, s);
        return;
    }
    free(old_id);
    free(old_leader);
    if (g->state == KC_GROUP_STABLE || g->state == KC_GROUP_COMPLETING_REBALANCE)
        prepare_rebalance(c, g, "a static member rejoined");
}

static void join_unknown(kc_coordinator *c, kc_group *g, join_in *in)
{
    const kc_join_group_req *r = in->r;
    if (g->state == KC_GROUP_DEAD) {
        join_respond(in->req, KC_ERR_COORDINATOR_NOT_AVAILABLE, g, "", NULL, false);
        return;
    }
    if (!kc_group_supports(g, r->protocol_type, in->names, in->n)) {
        join_respond(in->req, KC_ERR_INCONSISTENT_GROUP_PROTOCOL, g, "", NULL, false);
        return;
    }
    char id[320];
    bool is_static = r->group_instance_id.len >= 0;
    new_member_id(is_static ? r->group_instance_id : in->req->hdr.client_id, id, sizeof(id));
    if (is_static) {
        kc_member *old = kc_group_static_member(g, r->group_instance_id);
        if (old) {
            static_rejoin(c, g, old, in, id);
            return;
        }
        add_member_and_rebalance(c, g, in, id, NULL);
        return;
    }
    if (in->req->hdr.api_version >= 4) { /* KIP-394: the client must come back with this id */
        kc_member *m = kc_member_new(g, id, KC_STR_NULL, in->req->hdr.client_id, in->host,
                                     r->session_timeout_ms, in->rebalance_timeout_ms);
        kc_group_add_pending(g, m);
        kc_member_heartbeat(c, m, r->session_timeout_ms);
        join_respond(in->req, KC_ERR_MEMBER_ID_REQUIRED, g, id, NULL, false);
        return;
    }
    add_member_and_rebalance(c, g, in, id, NULL);
}

static void join_known(kc_coordinator *c, kc_group *g, join_in *in, const char *member_id)
{
    const kc_join_group_req *r = in->r;
    if (g->state == KC_GROUP_DEAD) {
        join_respond(in->req, KC_ERR_COORDINATOR_NOT_AVAILABLE, g, member_id, NULL, false);
        return;
    }
    if (!kc_group_supports(g, r->protocol_type, in->names, in->n)) {
        join_respond(in->req, KC_ERR_INCONSISTENT_GROUP_PROTOCOL, g, member_id, NULL, false);
        return;
    }
    kc_member *pend = kc_group_pending_member(g, r->member_id);
    if (pend) {
        add_member_and_rebalance(c, g, in, member_id, pend);
        return;
    }
    bool fenced;
    kc_member *m = kc_group_identify(g, r->member_id, r->group_instance_id, &fenced);
    if (fenced) {
        join_respond(in->req, KC_ERR_FENCED_INSTANCE_ID, g, member_id, NULL, false);
        return;
    }
    if (r->group_instance_id.len >= 0 && !kc_group_static_member(g, r->group_instance_id))
        m = NULL; /* the instance id is unknown: so is the member */
    if (!m) {
        join_respond(in->req, KC_ERR_UNKNOWN_MEMBER_ID, g, member_id, NULL, false);
        return;
    }
    bool same = kc_member_matches(m, in->names, in->metadata, in->n);
    switch (g->state) {
    case KC_GROUP_PREPARING_REBALANCE:
        update_member_and_rebalance(c, g, m, in);
        break;
    case KC_GROUP_COMPLETING_REBALANCE:
        if (same) /* the JoinGroup answer was lost: send it again */
            join_respond(in->req, KC_ERR_NONE, g, member_id, g->leader_id,
                         g->leader_id == m->member_id);
        else
            update_member_and_rebalance(c, g, m, in);
        break;
    case KC_GROUP_STABLE:
        if (g->leader_id == m->member_id || !same)
            update_member_and_rebalance(c, g, m, in);
        else
            join_respond(in->req, KC_ERR_NONE, g, member_id, g->leader_id, false);
        break;
    default:
        join_respond(in->req, KC_ERR_UNKNOWN_MEMBER_ID, g, member_id, NULL, false);
    }
}

void kc_coord_join_group(kc_request *req, const kc_join_group_req *r)
{
    kc_coordinator *c = kc_coord(req->broker);
    const kc_config *cfg = req->broker->cfg;
    const char *member_id = kc_arena_strndup(&req->arena, r->member_id.p ? r->member_id.p : "",
                                             r->member_id.len > 0 ? (size_t)r->member_id.len : 0);
    int32_t part;
    int16_t err = kc_coord_check(c, r->group_id, false, &part);
    if (!err && (r->session_timeout_ms < cfg->group_min_session_timeout_ms ||
                 r->session_timeout_ms > cfg->group_max_session_timeout_ms))
        err = KC_ERR_INVALID_SESSION_TIMEOUT;
    if (!err && (r->protocols_count <= 0 || r->protocol_type.len <= 0))
        err = KC_ERR_INCONSISTENT_GROUP_PROTOCOL;
    kc_group *g = err ? NULL : kc_coord_find(c, r->group_id);
    if (!err && !g && member_id[0])
        err = KC_ERR_UNKNOWN_MEMBER_ID;
    if (err) {
        join_respond(req, err, NULL, member_id, NULL, false);
        return;
    }
    if (!g)
        g = kc_coord_create(c, r->group_id, part);
    join_in in = {.req = req, .r = r, .n = r->protocols_count};
    in.rebalance_timeout_ms =
        r->rebalance_timeout_ms >= 0 ? r->rebalance_timeout_ms : r->session_timeout_ms;
    in.names = kc_arena_alloc(&req->arena, sizeof(*in.names) * (size_t)in.n);
    in.metadata = kc_arena_alloc(&req->arena, sizeof(*in.metadata) * (size_t)in.n);
    for (int i = 0; i < in.n; i++) {
        in.names[i] = r->protocols[i].name;
        in.metadata[i] = r->protocols[i].metadata;
    }
    kc_coord_client_host(req, in.host, sizeof(in.host));
    kc_member *known = member_id[0] ? kc_group_member(g, r->member_id) : NULL;
    if (!accept_joining(c, g, known)) {
        if (known)
            remove_member_and_update(c, g, known);
        join_respond(req, KC_ERR_GROUP_MAX_SIZE_REACHED, g, "", NULL, false);
        return;
    }
    if (member_id[0])
        join_known(c, g, &in, member_id);
    else
        join_unknown(c, g, &in);
    if (g->state == KC_GROUP_PREPARING_REBALANCE)
        check_join(c, g);
}

/* ---------------------------------------------------------------- SyncGroup */

/* Common member checks of SyncGroup, Heartbeat and OffsetCommit: the group exists and lives,
 * the static instance is not fenced, the member is known, the generation matches. */
static int16_t member_check(kc_coordinator *c, kc_str group_id, kc_str member_id,
                            kc_str instance_id, int32_t generation, kc_group **gp, kc_member **mp)
{
    int32_t part;
    int16_t err = kc_coord_check(c, group_id, false, &part);
    if (err)
        return err;
    kc_group *g = kc_coord_find(c, group_id);
    if (!g)
        return KC_ERR_UNKNOWN_MEMBER_ID;
    if (g->state == KC_GROUP_DEAD)
        return KC_ERR_COORDINATOR_NOT_AVAILABLE;
    bool fenced;
    kc_member *m = kc_group_identify(g, member_id, instance_id, &fenced);
    if (fenced)
        return KC_ERR_FENCED_INSTANCE_ID;
    if (!m)
        return KC_ERR_UNKNOWN_MEMBER_ID;
    if (generation != g->generation)
        return KC_ERR_ILLEGAL_GENERATION;
    *gp = g;
    *mp = m;
    return KC_ERR_NONE;
}

typedef struct sync_store {
    kc_group *g;
    int32_t generation;
} sync_store;

static void on_assignment_stored(kc_broker *b, int16_t err, void *arg)
{
    sync_store *s = arg;
    kc_group *g = s->g;
    kc_coordinator *c = kc_coord(b);
    if (!g->unloaded && g->state == KC_GROUP_COMPLETING_REBALANCE &&
        s->generation == g->generation) {
        if (err) {
            reset_and_propagate(c, g, err);
            maybe_prepare_rebalance(c, g, "storing the assignment failed");
        } else {
            kc_group_transition(g, KC_GROUP_STABLE, kc_coord_now());
            for (int i = 0; i < g->n_members; i++)
                if (answer_sync(g->members[i], KC_ERR_NONE))
                    kc_member_heartbeat(c, g->members[i], g->members[i]->session_timeout_ms);
            kc_info("GROUP", "group %s: stable at generation %d", g->group_id, g->generation);
        }
    }
    free(s);
}

void kc_coord_sync_group(kc_request *req, const kc_sync_group_req *r)
{
    kc_coordinator *c = kc_coord(req->broker);
    kc_group *g = NULL;
    kc_member *m = NULL;
    int16_t err =
        member_check(c, r->group_id, r->member_id, r->group_instance_id, r->generation_id, &g, &m);
    /* the rebalance's state is lost with the old coordinator: rejoin, without rediscovery
     * (older clients do not expect COORDINATOR_LOAD_IN_PROGRESS here; Kafka's handleSyncGroup) */
    if (err == KC_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        err = KC_ERR_REBALANCE_IN_PROGRESS;
    /* v5+ (KIP-559): a named protocol type or name must be the group's */
    if (!err &&
        ((r->protocol_type.len >= 0 && g->protocol_type &&
          !kc_str_eq(r->protocol_type, g->protocol_type)) ||
         (r->protocol_name.len >= 0 && g->protocol && !kc_str_eq(r->protocol_name, g->protocol))))
        err = KC_ERR_INCONSISTENT_GROUP_PROTOCOL;
    if (!err && g->state == KC_GROUP_EMPTY)
        err = KC_ERR_UNKNOWN_MEMBER_ID;
    if (!err && g->state == KC_GROUP_PREPARING_REBALANCE)
        err = KC_ERR_REBALANCE_IN_PROGRESS;
    if (err) {
        sync_respond(req, err, NULL, NULL, 0);
        return;
    }
    m->sync_wanted = false;
    if (g->state == KC_GROUP_STABLE) {
        sync_respond(req, KC_ERR_NONE, g, m->assignment, m->assignment_len);
        kc_member_heartbeat(c, m, m->session_timeout_ms);
        kc_purgatory_check(c->b->purgatory, g);
        return;
    }
    answer_sync(m, KC_ERR_REBALANCE_IN_PROGRESS); /* a duplicate is replaced */
    park_sync(m, req);
    kc_purgatory_check(c->b->purgatory, m); /* parked: its heartbeat is satisfied */
    kc_purgatory_check(c->b->purgatory, g);
    if (g->leader_id != m->member_id)
        return;
    /* the leader's assignment: members it left out get an empty one */
    for (int i = 0; i < g->n_members; i++)
        kc_member_set_assignment(g->members[i], NULL, 0);
    for (int32_t i = 0; i < r->assignments_count; i++) {
        const kc_sync_group_request_assignment *a = &r->assignments[i];
        kc_member *am = kc_group_member(g, a->member_id);
        if (am)
            kc_member_set_assignment(am, a->assignment.p, a->assignment.len);
    }
    sync_store *s = calloc(1, sizeof(*s));
    if (!s)
        kc_fatal("group: out of memory");
    *s = (sync_store){g, g->generation};
    kc_group_log_store_group(c, g, on_assignment_stored, s);
}

/* ---------------------------------------------------------------- Heartbeat */

void kc_coord_heartbeat(kc_request *req, const kc_heartbeat_req *r)
{
    kc_coordinator *c = kc_coord(req->broker);
    kc_group *g = NULL;
    kc_member *m = NULL;
    int16_t err =
        member_check(c, r->group_id, r->member_id, r->group_instance_id, r->generation_id, &g, &m);
    if (err == KC_ERR_COORDINATOR_LOAD_IN_PROGRESS)
        err = KC_ERR_NONE; /* Kafka's handleHeartbeat: answered blindly while loading */
    else if (!err) {
        switch (g->state) {
        case KC_GROUP_EMPTY:
            err = KC_ERR_UNKNOWN_MEMBER_ID;
            break;
        case KC_GROUP_PREPARING_REBALANCE:
            kc_member_heartbeat(c, m, m->session_timeout_ms);
            err = KC_ERR_REBALANCE_IN_PROGRESS;
            break;
        default:
            kc_member_heartbeat(c, m, m->session_timeout_ms);
        }
    }
    kc_heartbeat_resp resp = {0, err};
    kc_heartbeat_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}

/* ---------------------------------------------------------------- LeaveGroup */

static int16_t leave_one(kc_coordinator *c, kc_group *g, kc_str member_id, kc_str instance_id)
{
    kc_member *st = kc_group_static_member(g, instance_id);
    if (st && member_id.len > 0 && !kc_str_eq(member_id, st->member_id))
        return KC_ERR_FENCED_INSTANCE_ID; /* an admin's leave (member id "") is not fenced */
    kc_member *pend = kc_group_pending_member(g, member_id);
    if (pend) {
        kc_member_discard(c, g, pend, 0);
        if (g->state == KC_GROUP_PREPARING_REBALANCE)
            check_join(c, g);
        return KC_ERR_NONE;
    }
    kc_member *m = st ? st : kc_group_member(g, member_id);
    if (!m)
        return KC_ERR_UNKNOWN_MEMBER_ID;
    kc_info("GROUP", "group %s: member %s left", g->group_id, m->member_id);
    remove_member_and_update(c, g, m);
    return KC_ERR_NONE;
}

void kc_coord_leave_group(kc_request *req, const kc_leave_group_req *r)
{
    kc_coordinator *c = kc_coord(req->broker);
    int16_t v = req->hdr.api_version;
    kc_leave_group_resp resp = {0};
    int32_t n = v >= 3 ? (r->members_count > 0 ? r->members_count : 0) : 1;
    resp.members = kc_arena_alloc(&req->arena, sizeof(*resp.members) * (size_t)(n + 1));
    resp.members_count = v >= 3 ? n : 0;
    int32_t part;
    resp.error_code = kc_coord_check(c, r->group_id, false, &part);
    kc_group *g = resp.error_code ? NULL : kc_coord_find(c, r->group_id);
    if (g && g->state == KC_GROUP_DEAD)
        resp.error_code = KC_ERR_COORDINATOR_NOT_AVAILABLE;
    for (int32_t i = 0; i < n && !resp.error_code; i++) {
        kc_str mid = v >= 3 ? r->members[i].member_id : r->member_id;
        kc_str inst = v >= 3 ? r->members[i].group_instance_id : KC_STR_NULL;
        int16_t e = g ? leave_one(c, g, mid, inst) : KC_ERR_UNKNOWN_MEMBER_ID;
        if (v >= 3)
            resp.members[i] = (kc_member_response){mid, inst, e};
        else
            resp.error_code = e; /* v0-2: the member's error is the answer */
    }
    if (resp.error_code)
        resp.members_count = 0; /* Kafka's leaveError(error, List.empty) */
    kc_leave_group_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
