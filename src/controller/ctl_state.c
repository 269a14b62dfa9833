/*
 * The controller's state machines (Kafka's PartitionStateMachine, ReplicaStateMachine and
 * TopicDeletionManager, reduced to what ZooKeeper-mode Kafka does on each event; reference
 * §4.1-4.4). Every decision is written to the state znode first (fenced, conditional on its
 * version) and only then sent to brokers, so brokers never learn a leadership ZooKeeper does
 * not hold. Controller thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "common/log.h"
#include "controller/ctl_internal.h"
#include "proto/errors.h"

static int cmp_i32(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return a < b ? -1 : a > b;
}

/* ---------------------------------------------------------------- partitions */

/* New -> Online for every partition of @p t without a state: leader = first live replica in
 * assignment order, ISR = live replicas, leader epoch 0, written in batches. A partition with no
 * live replica stays New (no state znode). */
static void elect_new_all(kc_controller *c, ctl_topic *t)
{
    int stride = 1;
    for (int p = 0; p < t->n_partitions; p++)
        if (t->parts[p].n_replicas > stride)
            stride = t->parts[p].n_replicas;
    int *ps = malloc(sizeof(int) * (size_t)(t->n_partitions + 1));
    int *n_isrs = malloc(sizeof(int) * (size_t)(t->n_partitions + 1));
    int32_t *isrs = malloc(sizeof(int32_t) * (size_t)stride * (size_t)(t->n_partitions + 1));
    if (!ps || !n_isrs || !isrs)
        kc_fatal("controller: out of memory");
    int n = 0;
    for (int p = 0; p < t->n_partitions; p++) {
        ctl_partition *part = &t->parts[p];
        if (part->has_state)
            continue;
        int32_t *isr = isrs + (size_t)n * (size_t)stride;
        int k = 0;
        for (int r = 0; r < part->n_replicas; r++)
            if (ctl_broker_eligible(part->replicas[r], c))
                isr[k++] = part->replicas[r];
        if (k == 0)
            continue;
        ps[n] = p;
        n_isrs[n++] = k;
    }
    if (n > 0) {
        ctl_create_states(c, t, ps, isrs, n_isrs, stride, n);
        int online = 0;
        for (int i = 0; i < n; i++)
            online += t->parts[ps[i]].has_state;
        kc_info("CONTROLLER", "topic %s: %d of %d new partitions New -> Online", t->name, online,
                n);
    }
    free(ps);
    free(n_isrs);
    free(isrs);
}

/* unclean.leader.election.enable for topic @p t: its /config/topics/<t> override, else the
 * broker's, read when an election needs it, as Kafka's controller does (a live config). */
static bool topic_unclean(kc_controller *c, const ctl_topic *t)
{
    bool on = c->cfg->unclean_leader_election_enable;
    char path[600], *data = NULL;
    int len = 0;
    struct Stat st;
    snprintf(path, sizeof(path), "/config/topics/%s", t->name);
    if (ctl_get(c, path, false, &data, &len, &st) != ZOK || !data)
        return on;
    json_t *root = json_loadb(data, (size_t)len, 0, NULL);
    json_t *v = json_object_get(json_object_get(root, "config"), "unclean.leader.election.enable");
    if (json_is_string(v))
        on = strcmp(json_string_value(v), "true") == 0;
    json_decref(root);
    free(data);
    return on;
}

/* Offline -> Online by the offline election (first live replica in the ISR, in assignment
 * order), ISR = its live members, leader epoch + 1. Without a candidate the partition stays
 * offline (leader -1, ISR never emptied). Only writes when something changes. */
static void elect_offline(kc_controller *c, ctl_topic *t, int p)
{
    ctl_partition *part = &t->parts[p];
    bool unclean = false;
    int32_t leader = part->leader;
    /* an online partition keeps its leader (only dead ISR members leave); shutting-down
     * brokers are not chosen */
    if (leader < 0 || !ctl_broker_live(leader, c)) {
        leader = kc_elect_offline_leader(part->replicas, part->n_replicas, part->isr, part->n_isr,
                                         false, ctl_broker_eligible, c, &unclean);
        if (leader < 0 && topic_unclean(c, t))
            leader = kc_elect_offline_leader(part->replicas, part->n_replicas, part->isr,
                                             part->n_isr, true, ctl_broker_eligible, c, &unclean);
    }
    int32_t isr[part->n_isr + 1];
    int n;
    if (unclean) {
        isr[0] = leader;
        n = 1;
    } else {
        memcpy(isr, part->isr, sizeof(int32_t) * (size_t)part->n_isr);
        n = kc_isr_keep_live(isr, part->n_isr, ctl_broker_live, c);
    }
    bool same_isr = n == part->n_isr && memcmp(isr, part->isr, sizeof(int32_t) * (size_t)n) == 0;
    if (leader == part->leader && same_isr)
        return;
    if (ctl_write_state(c, t, p, leader, part->leader_epoch + 1, isr, n) == 0)
        kc_info("CONTROLLER", "partition %s-%d: leader %d (epoch %d), isr of %d%s", t->name, p,
                leader, part->leader_epoch, n, unclean ? " (unclean election)" : "");
}

/* Puts every partition that can be online online: New ones get a first state, those whose
 * leader is gone (or -1) are re-elected, and live leaders lose dead ISR members. */
static void online_all(kc_controller *c)
{
    for (ctl_topic *t = c->topics; t && !c->moved; t = t->next) {
        if (t->deleting)
            continue;
        for (int p = 0; p < t->n_partitions && !c->moved; p++)
            if (t->parts[p].has_state)
                elect_offline(c, t, p);
        if (!c->moved)
            elect_new_all(c, t);
    }
}

/* ---------------------------------------------------------------- brokers */

static void broker_free(ctl_broker *b)
{
    kc_channel_free(b->ch);
    free(b->rack);
    b->ch = NULL;
    b->rack = NULL;
}

static void open_channel(kc_controller *c, ctl_broker *b)
{
    const char *name = c->cfg->inter_broker_listener_name ? c->cfg->inter_broker_listener_name
                                                          : c->cfg->security_inter_broker_protocol;
    for (int i = 0; i < b->n_eps; i++)
        if (strcmp(b->eps[i].listener, name) == 0) {
            char client_id[32];
            snprintf(client_id, sizeof(client_id), "controller-%d", c->cfg->broker_id);
            b->ch = kc_channel_new(b->id, b->eps[i].host, b->eps[i].port, client_id,
                                   c->cfg->controller_socket_timeout_ms);
            return;
        }
    kc_warn("CONTROLLER", "broker %d has no %s endpoint; it gets no control requests", b->id, name);
}

static void resume_deletions(kc_controller *c);

/* Rereads /brokers/ids (child watch) and every registration (data watch). Returns the number
 * of brokers that joined (or re-registered) with their ids in @p joined (malloc'd), -1 when
 * the listing failed. */
static int refresh_brokers(kc_controller *c, int32_t **joined)
{
    struct String_vector ids;
    *joined = NULL;
    if (ctl_children(c, "/brokers/ids", true, &ids) != ZOK)
        return -1;
    ctl_broker *now = calloc((size_t)ids.count + 1, sizeof(*now));
    if (!now)
        kc_fatal("controller: out of memory");
    int n = 0;
    for (int i = 0; i < ids.count; i++) {
        char *end;
        long id = strtol(ids.data[i], &end, 10);
        if (*end || id < 0 || id > INT32_MAX)
            continue;
        if (ctl_load_broker(c, (int32_t)id, &now[n]) == ZOK)
            n++;
    }
    deallocate_String_vector(&ids);
    qsort(now, (size_t)n, sizeof(*now), cmp_i32); /* id is the first member */

    /* dead: gone, or bounced (a newer registration: handled as a loss, then a join) */
    *joined = calloc((size_t)n + 1, sizeof(int32_t));
    if (!*joined)
        kc_fatal("controller: out of memory");
    int n_joined = 0, n_dead = 0;
    int32_t *dead = calloc((size_t)c->n_brokers + 1, sizeof(int32_t));
    if (!dead)
        kc_fatal("controller: out of memory");
    for (int i = 0; i < c->n_brokers; i++) {
        ctl_broker *old = &c->brokers[i];
        bool alive = false;
        for (int j = 0; j < n; j++)
            if (now[j].id == old->id && now[j].epoch == old->epoch) {
                alive = true;
                now[j].shutting_down = old->shutting_down;
                now[j].ch = old->ch; /* keep the channel */
                old->ch = NULL;
            }
        if (!alive) {
            kc_info("CONTROLLER", "broker %d left (or re-registered)", old->id);
            dead[n_dead++] = old->id;
        }
        broker_free(old);
    }
    free(c->brokers);
    c->brokers = now;
    c->n_brokers = n;
    for (int j = 0; j < n; j++)
        if (!now[j].ch) {
            kc_info("CONTROLLER", "broker %d joined (epoch %lld)", now[j].id,
                    (long long)now[j].epoch);
            open_channel(c, &now[j]);
            (*joined)[n_joined++] = now[j].id;
        }
    ctl_mark_replicas_of(c, dead, n_dead);
    ctl_mark_replicas_of(c, *joined, n_joined);
    free(dead);
    return n_joined;
}

void ctl_on_broker_change(kc_controller *c)
{
    int32_t *joined;
    int n_joined = refresh_brokers(c, &joined);
    if (n_joined < 0)
        return;
    online_all(c); /* leaders of dead brokers move; offline partitions of joiners come back */
    if (!c->moved) {
        ctl_flush(c, joined, n_joined); /* joiners get LeaderAndIsr for all their replicas */
        resume_deletions(c);
    }
    free(joined);
}

/* ---------------------------------------------------------------- topics */

/* Rereads /brokers/topics (child watch): topics gone leave the context, new ones are loaded
 * with their states. @return false when the listing failed. */
static bool refresh_topics(kc_controller *c)
{
    struct String_vector names;
    if (ctl_children(c, "/brokers/topics", true, &names) != ZOK)
        return false;
    /* topics gone from ZooKeeper (deleted by us or by hand) leave the context */
    for (ctl_topic **pp = &c->topics; *pp;) {
        bool present = false;
        for (int i = 0; i < names.count; i++)
            present |= strcmp(names.data[i], (*pp)->name) == 0;
        if (present) {
            pp = &(*pp)->next;
            continue;
        }
        ctl_topic *gone = *pp;
        *pp = gone->next;
        ctl_topic_free(gone);
    }
    for (int i = 0; i < names.count; i++) {
        if (ctl_topic_find(c, names.data[i]))
            continue;
        ctl_topic *t = ctl_load_topic(c, names.data[i]);
        if (!t)
            continue;
        kc_info("CONTROLLER", "new topic %s with %d partitions", t->name, t->n_partitions);
        t->next = c->topics;
        c->topics = t;
    }
    deallocate_String_vector(&names);
    return true;
}

void ctl_on_topic_change(kc_controller *c)
{
    if (!refresh_topics(c))
        return;
    online_all(c);
    if (!c->moved)
        ctl_flush(c, NULL, 0);
}

void ctl_on_partition_modification(kc_controller *c, const char *topic)
{
    ctl_topic *t = ctl_topic_find(c, topic);
    if (!t || t->deleting)
        return;
    int before = t->n_partitions;
    if (ctl_reload_assignment(c, t) != ZOK || t->n_partitions == before)
        return;
    kc_info("CONTROLLER", "topic %s: partitions %d -> %d", topic, before, t->n_partitions);
    online_all(c);
    if (!c->moved)
        ctl_flush(c, NULL, 0);
}

/* ---------------------------------------------------------------- deletion */

/* Starts the deletion of @p t once every replica is live (Kafka: a topic with an offline
 * replica is ineligible until it returns): metadata with LeaderDuringDelete to everyone, then
 * StopReplica(delete) to each replica. */
static void start_deletion(kc_controller *c, ctl_topic *t)
{
    if (t->stop_sent)
        return;
    int32_t reps[256];
    int n = 0;
    for (int p = 0; p < t->n_partitions; p++)
        for (int r = 0; r < t->parts[p].n_replicas; r++) {
            int32_t id = t->parts[p].replicas[r];
            if (!ctl_broker_live(id, c)) {
                kc_info("CONTROLLER", "deletion of %s waits for broker %d", t->name, id);
                return;
            }
            if (!kc_ids_contain(reps, n, id) && n < 256)
                reps[n++] = id;
        }
    free(t->awaiting);
    t->awaiting = calloc((size_t)(n + 1), sizeof(int32_t));
    if (!t->awaiting)
        kc_fatal("controller: out of memory");
    memcpy(t->awaiting, reps, sizeof(int32_t) * (size_t)n);
    t->n_awaiting = n;
    t->stop_sent = true;
    kc_info("CONTROLLER", "deleting topic %s on %d replicas", t->name, n);
    ctl_flush(c, NULL, 0); /* UpdateMetadata with leader -2 for its partitions */
    ctl_send_stop_replica(c, t);
    if (n == 0)
        ctl_on_stop_replica_done(c, t->name, -1, KC_ERR_NONE);
}

static void resume_deletions(kc_controller *c)
{
    for (ctl_topic *t = c->topics; t && !c->moved; t = t->next)
        if (t->deleting)
            start_deletion(c, t);
}

void ctl_on_topic_deletion(kc_controller *c)
{
    struct String_vector names;
    if (ctl_children(c, "/admin/delete_topics", true, &names) != ZOK)
        return;
    for (int i = 0; i < names.count && !c->moved; i++) {
        ctl_topic *t = ctl_topic_find(c, names.data[i]);
        if (!t || !c->cfg->delete_topic_enable) {
            /* unknown topic, or deletion disabled: Kafka removes the marker at once */
            kc_info("CONTROLLER", "removing deletion marker of %s (%s)", names.data[i],
                    t ? "delete.topic.enable=false" : "unknown topic");
            ctl_delete_marker(c, names.data[i]);
            continue;
        }
        t->deleting = true;
        start_deletion(c, t);
    }
    deallocate_String_vector(&names);
}

void ctl_on_stop_replica_done(kc_controller *c, const char *topic, int32_t broker, int16_t error)
{
    ctl_topic *t = ctl_topic_find(c, topic);
    if (!t || !t->deleting)
        return;
    if (error) {
        /* retried when the broker comes back (resume_deletions on the next broker change) */
        kc_warn("CONTROLLER", "broker %d failed to delete %s (error %d)", broker, topic, error);
        t->stop_sent = false;
        return;
    }
    for (int i = 0; i < t->n_awaiting; i++)
        if (t->awaiting[i] == broker)
            t->awaiting[i] = t->awaiting[--t->n_awaiting];
    if (t->n_awaiting > 0)
        return;
    if (ctl_delete_topic_znodes(c, t) != ZOK) {
        kc_warn("CONTROLLER", "removing the znodes of %s failed; retried on the next event", topic);
        t->stop_sent = false;
        return;
    }
    kc_info("CONTROLLER", "deleted topic %s", topic);
    for (ctl_topic **pp = &c->topics; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    ctl_topic_free(t);
}

/* ---------------------------------------------------------------- failover */

void ctl_on_failover(kc_controller *c)
{
    int32_t *joined; /* every live broker is new to this controller */
    if (refresh_brokers(c, &joined) < 0 || c->moved || !refresh_topics(c)) {
        free(joined);
        return;
    }
    online_all(c);
    /* a full UpdateMetadata and every replica's LeaderAndIsr to every live broker */
    if (!c->moved)
        ctl_flush(c, joined, c->n_brokers);
    free(joined);
    if (!c->moved)
        ctl_on_topic_deletion(c);
}

void ctl_clear(kc_controller *c)
{
    for (int i = 0; i < c->n_brokers; i++)
        broker_free(&c->brokers[i]);
    free(c->brokers);
    c->brokers = NULL;
    c->n_brokers = 0;
    while (c->topics) {
        ctl_topic *t = c->topics;
        c->topics = t->next;
        ctl_topic_free(t);
    }
}
