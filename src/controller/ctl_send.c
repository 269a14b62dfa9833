/*
 * Building the controller's requests from the context and queueing them on the channels.
 * Within one batch the order is Kafka's: LeaderAndIsr, then UpdateMetadata, then StopReplica;
 * each channel sends in queue order, so a broker sees them in that order too.
 *
 * Versions: LeaderAndIsr v3, UpdateMetadata v5, StopReplica v1 (the newest non-flexible ones,
 * all carrying broker epochs).
 */
#include <stdlib.h>
#include <string.h>

#include "common/arena.h"
#include "common/log.h"
#include "controller/ctl_internal.h"
#include "kc_apis.h"
#include "proto/errors.h"

#define LEADER_AND_ISR_VERSION  3
#define UPDATE_METADATA_VERSION 5
#define STOP_REPLICA_VERSION    1

static void send_body(ctl_broker *b, int16_t key, int16_t version, kc_wbuf *w, kc_channel_done done,
                      void *arg)
{
    kc_channel_send(b->ch, key, version, w->data, w->len, done, arg);
    w->data = NULL; /* the channel owns it now */
    kc_wbuf_free(w);
}

static void on_leader_and_isr(int32_t broker, int16_t key, const uint8_t *resp, size_t len,
                              void *arg)
{
    (void)key;
    (void)arg;
    if (!resp)
        return;
    kc_rbuf r;
    kc_rbuf_init(&r, resp, len);
    kc_arena a = {0};
    kc_leader_and_isr_resp out;
    if (kc_leader_and_isr_resp_decode(&r, LEADER_AND_ISR_VERSION, &out, &a) == 0 &&
        out.error_code != KC_ERR_NONE)
        kc_warn("CONTROLLER", "broker %d answered LeaderAndIsr with error %d", broker,
                out.error_code);
    kc_arena_free(&a);
}

static const ctl_endpoint *inter_broker_endpoint(const kc_controller *c, const ctl_broker *b)
{
    const char *name = c->cfg->inter_broker_listener_name ? c->cfg->inter_broker_listener_name
                                                          : c->cfg->security_inter_broker_protocol;
    for (int i = 0; i < b->n_eps; i++)
        if (strcmp(b->eps[i].listener, name) == 0)
            return &b->eps[i];
    return NULL;
}

static int count_topics(const kc_controller *c)
{
    int n = 0;
    for (const ctl_topic *t = c->topics; t; t = t->next)
        n++;
    return n;
}

static void send_leader_and_isr(kc_controller *c, ctl_broker *dst, bool full)
{
    kc_arena a = {0};
    kc_leader_and_isr_req req = {
        c->cfg->broker_id, atomic_load(&c->epoch), dst->epoch, 0, NULL, 0, NULL};
    req.topic_states =
        kc_arena_alloc(&a, sizeof(*req.topic_states) * (size_t)(count_topics(c) + 1));
    int32_t leaders[64];
    int n_leaders = 0;
    int n_parts_total = 0;
    for (ctl_topic *t = c->topics; t; t = t->next) {
        if (t->deleting)
            continue;
        kc_leader_and_isr_topic_state *ts = &req.topic_states[req.topic_states_count];
        ts->topic_name = kc_str_c(t->name);
        ts->partition_states =
            kc_arena_alloc(&a, sizeof(*ts->partition_states) * (size_t)(t->n_partitions + 1));
        for (int p = 0; p < t->n_partitions; p++) {
            ctl_partition *part = &t->parts[p];
            if (!part->has_state || !(full || part->dirty) ||
                !kc_ids_contain(part->replicas, part->n_replicas, dst->id))
                continue;
            kc_leader_and_isr_partition_state *ps =
                &ts->partition_states[ts->partition_states_count++];
            *ps = (kc_leader_and_isr_partition_state){
                .partition_index = p,
                .controller_epoch = part->controller_epoch,
                .leader = part->leader,
                .leader_epoch = part->leader_epoch,
                .isr_count = part->n_isr,
                .isr = part->isr,
                .zk_version = part->zk_version,
                .replicas_count = part->n_replicas,
                .replicas = part->replicas,
                .is_new = part->is_new,
            };
            if (part->leader >= 0 && !kc_ids_contain(leaders, n_leaders, part->leader) &&
                n_leaders < 64)
                leaders[n_leaders++] = part->leader;
        }
        if (ts->partition_states_count > 0) {
            req.topic_states_count++;
            n_parts_total += ts->partition_states_count;
        }
    }
    if (n_parts_total == 0) {
        kc_arena_free(&a);
        return;
    }
    req.live_leaders = kc_arena_alloc(&a, sizeof(*req.live_leaders) * (size_t)(n_leaders + 1));
    for (int i = 0; i < n_leaders; i++) {
        ctl_broker *lb = ctl_broker_find(c, leaders[i]);
        const ctl_endpoint *e = lb ? inter_broker_endpoint(c, lb) : NULL;
        if (e)
            req.live_leaders[req.live_leaders_count++] =
                (kc_leader_and_isr_live_leader){leaders[i], kc_str_c(e->host), e->port};
    }
    kc_wbuf w = {0};
    kc_leader_and_isr_req_encode(&w, LEADER_AND_ISR_VERSION, &req);
    kc_arena_free(&a);
    send_body(dst, 4, LEADER_AND_ISR_VERSION, &w, on_leader_and_isr, NULL);
}

/* UpdateMetadata v5 to @p dst: the live brokers, and every partition (@p full) or only those
 * that changed since the last one (Kafka sends the partitions a change touched; a broker keeps
 * the others in its cache). */
static void send_update_metadata(kc_controller *c, ctl_broker *dst, bool full)
{
    kc_arena a = {0};
    kc_update_metadata_req req = {
        c->cfg->broker_id, atomic_load(&c->epoch), dst->epoch, 0, NULL, 0, NULL};
    req.topic_states =
        kc_arena_alloc(&a, sizeof(*req.topic_states) * (size_t)(count_topics(c) + 1));
    for (ctl_topic *t = c->topics; t; t = t->next) {
        kc_update_metadata_topic_state *ts = &req.topic_states[req.topic_states_count];
        ts->topic_name = kc_str_c(t->name);
        ts->partition_states =
            kc_arena_alloc(&a, sizeof(*ts->partition_states) * (size_t)(t->n_partitions + 1));
        for (int p = 0; p < t->n_partitions; p++) {
            ctl_partition *part = &t->parts[p];
            if ((!part->has_state && !t->deleting) || !(full || part->meta_dirty || t->deleting))
                continue;
            int32_t *offline = kc_arena_alloc(&a, sizeof(int32_t) * (size_t)(part->n_replicas + 1));
            int n_off = 0;
            for (int r = 0; r < part->n_replicas; r++)
                if (!ctl_broker_live(part->replicas[r], c))
                    offline[n_off++] = part->replicas[r];
            ts->partition_states[ts->partition_states_count++] =
                (kc_update_metadata_partition_state){
                    .partition_index = p,
                    .controller_epoch = part->controller_epoch,
                    /* LeaderDuringDelete: brokers drop the partition from their caches */
                    .leader = t->deleting ? -2 : part->leader,
                    .leader_epoch = part->leader_epoch,
                    .isr_count = part->n_isr,
                    .isr = part->isr,
                    .zk_version = part->zk_version,
                    .replicas_count = part->n_replicas,
                    .replicas = part->replicas,
                    .offline_replicas_count = n_off,
                    .offline_replicas = offline,
                };
        }
        if (ts->partition_states_count > 0)
            req.topic_states_count++;
    }
    req.live_brokers = kc_arena_alloc(&a, sizeof(*req.live_brokers) * (size_t)(c->n_brokers + 1));
    for (int i = 0; i < c->n_brokers; i++) {
        ctl_broker *b = &c->brokers[i];
        kc_update_metadata_broker *lb = &req.live_brokers[req.live_brokers_count++];
        lb->id = b->id;
        lb->rack = b->rack ? kc_str_c(b->rack) : KC_STR_NULL;
        lb->endpoints = kc_arena_alloc(&a, sizeof(*lb->endpoints) * (size_t)(b->n_eps + 1));
        for (int j = 0; j < b->n_eps; j++)
            lb->endpoints[lb->endpoints_count++] =
                (kc_update_metadata_endpoint){b->eps[j].port, kc_str_c(b->eps[j].host),
                                              kc_str_c(b->eps[j].listener), b->eps[j].protocol};
    }
    kc_wbuf w = {0};
    kc_update_metadata_req_encode(&w, UPDATE_METADATA_VERSION, &req);
    kc_arena_free(&a);
    send_body(dst, 6, UPDATE_METADATA_VERSION, &w, NULL, NULL);
}

void ctl_flush(kc_controller *c, const int32_t *full, int n_full)
{
    for (int i = 0; i < c->n_brokers; i++)
        send_leader_and_isr(c, &c->brokers[i], kc_ids_contain(full, n_full, c->brokers[i].id));
    for (int i = 0; i < c->n_brokers; i++)
        send_update_metadata(c, &c->brokers[i], kc_ids_contain(full, n_full, c->brokers[i].id));
    for (ctl_topic *t = c->topics; t; t = t->next)
        for (int p = 0; p < t->n_partitions; p++)
            t->parts[p].dirty = t->parts[p].is_new = t->parts[p].meta_dirty = false;
}

typedef struct stop_ctx {
    kc_controller *c;
    char topic[];
} stop_ctx;

static void on_stop_replica(int32_t broker, int16_t key, const uint8_t *resp, size_t len, void *arg)
{
    (void)key;
    stop_ctx *s = arg;
    int16_t err = KC_ERR_BROKER_NOT_AVAILABLE; /* dropped: the broker left */
    if (resp) {
        kc_rbuf r;
        kc_rbuf_init(&r, resp, len);
        kc_arena a = {0};
        kc_stop_replica_resp out;
        err = KC_ERR_UNKNOWN_SERVER_ERROR;
        if (kc_stop_replica_resp_decode(&r, STOP_REPLICA_VERSION, &out, &a) == 0) {
            err = out.error_code;
            for (int32_t i = 0; i < out.partition_errors_count && !err; i++)
                err = out.partition_errors[i].error_code;
        }
        kc_arena_free(&a);
    }
    ctl_post(s->c, EV_STOP_REPLICA_DONE, s->topic, broker, err);
    free(s);
}

void ctl_send_stop_replica(kc_controller *c, ctl_topic *t)
{
    for (int i = 0; i < c->n_brokers; i++) {
        ctl_broker *dst = &c->brokers[i];
        if (!kc_ids_contain(t->awaiting, t->n_awaiting, dst->id))
            continue;
        int32_t *parts = calloc((size_t)(t->n_partitions + 1), sizeof(int32_t));
        if (!parts)
            kc_fatal("controller: out of memory");
        int n = 0;
        for (int p = 0; p < t->n_partitions; p++)
            if (kc_ids_contain(t->parts[p].replicas, t->parts[p].n_replicas, dst->id))
                parts[n++] = p;
        kc_stop_replica_topic st = {kc_str_c(t->name), n, parts};
        kc_stop_replica_req req = {
            c->cfg->broker_id, atomic_load(&c->epoch), dst->epoch, true, 1, &st};
        kc_wbuf w = {0};
        kc_stop_replica_req_encode(&w, STOP_REPLICA_VERSION, &req);
        free(parts);
        stop_ctx *s = malloc(sizeof(*s) + strlen(t->name) + 1);
        if (!s)
            kc_fatal("controller: out of memory");
        s->c = c;
        strcpy(s->topic, t->name);
        send_body(dst, 5, STOP_REPLICA_VERSION, &w, on_stop_replica, s);
    }
}

void ctl_send_update_metadata_all(kc_controller *c)
{
    for (int i = 0; i < c->n_brokers; i++)
        send_update_metadata(c, &c->brokers[i], false);
    for (ctl_topic *t = c->topics; t; t = t->next)
        for (int p = 0; p < t->n_partitions; p++)
            t->parts[p].meta_dirty = false;
}

void ctl_mark_replicas_of(kc_controller *c, const int32_t *ids, int n)
{
    if (n <= 0)
        return;
    for (ctl_topic *t = c->topics; t; t = t->next)
        for (int p = 0; p < t->n_partitions; p++)
            for (int r = 0; r < t->parts[p].n_replicas; r++)
                if (kc_ids_contain(ids, n, t->parts[p].replicas[r]))
                    t->parts[p].meta_dirty = true;
}

void ctl_send_stop_replica_keep(kc_controller *c, ctl_broker *dst, const ctl_tp *tps, int n)
{
    if (n == 0 || !dst->ch)
        return;
    kc_arena a = {0};
    kc_stop_replica_topic *topics = kc_arena_alloc(&a, sizeof(*topics) * (size_t)n);
    int n_topics = 0;
    for (int i = 0; i < n; i++) {
        kc_stop_replica_topic *st = NULL;
        for (int j = 0; j < n_topics && !st; j++)
            if (strcmp(topics[j].name.p, tps[i].t->name) == 0)
                st = &topics[j];
        if (!st) {
            st = &topics[n_topics++];
            st->name = kc_str_c(tps[i].t->name);
            st->partition_indexes = kc_arena_alloc(&a, sizeof(int32_t) * (size_t)n);
            st->partition_indexes_count = 0;
        }
        st->partition_indexes[st->partition_indexes_count++] = tps[i].p;
    }
    kc_stop_replica_req req = {
        c->cfg->broker_id, atomic_load(&c->epoch), dst->epoch, false, n_topics, topics};
    kc_wbuf w = {0};
    kc_stop_replica_req_encode(&w, STOP_REPLICA_VERSION, &req);
    kc_arena_free(&a);
    send_body(dst, 5, STOP_REPLICA_VERSION, &w, NULL, NULL);
}
