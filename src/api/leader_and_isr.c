/*
 * LeaderAndIsr (4), v2-3, from the controller: become leader or follower of the listed
 * partitions (Kafka's ReplicaManager.becomeLeaderOrFollower). A topic this broker does not know
 * yet first gets its `/config/topics/<t>` read, so that its logs open with the topic's
 * overrides; then each partition takes the new leader, leader epoch, replicas and ISR and its
 * log is opened when this broker is a replica. A partition state whose leader epoch is not
 * newer than the one held is refused with STALE_CONTROLLER_EPOCH, as Kafka does; the request
 * as a whole is refused when its controller or broker epoch is stale.
 * The new role then takes effect (replica/replica.h): a leader starts tracking its followers and
 * its high watermark, a follower truncates by leader epoch and fetches from its leader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/dispatch.h"
#include "group/coordinator.h"
#include "broker/broker.h"
#include "broker/log_manager.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "replica/replica.h"

typedef struct lai {
    kc_request *req;
    kc_leader_and_isr_req r;
    int pending; /* config reads in flight */
} lai;

typedef struct lai_config {
    lai *ctx;
    kc_topic *topic;
} lai_config;

static void apply(lai *x)
{
    kc_request *req = x->req;
    kc_broker *b = req->broker;
    const kc_leader_and_isr_req *r = &x->r;
    int32_t total = 0;
    for (int32_t i = 0; i < r->topic_states_count; i++)
        total += r->topic_states[i].partition_states_count;
    kc_leader_and_isr_resp resp = {0};
    /* one line for the whole request: out of descriptors, every open of a 10,000-partition
     * request fails alike */
    char why[512], why_more[512];
    int n_failed = 0;
    const kc_partition *first_failed = NULL;
    resp.partition_errors =
        kc_arena_alloc(&req->arena, sizeof(*resp.partition_errors) * (size_t)(total + 1));
    for (int32_t i = 0; i < r->topic_states_count; i++) {
        const kc_leader_and_isr_topic_state *ts = &r->topic_states[i];
        bool valid = kc_topic_name_valid(ts->topic_name); /* names become folder names */
        kc_topic *t = valid ? kc_topics_ensure(&b->topics, ts->topic_name) : NULL;
        for (int32_t j = 0; j < ts->partition_states_count; j++) {
            const kc_leader_and_isr_partition_state *ps = &ts->partition_states[j];
            kc_leader_and_isr_partition_error *pe =
                &resp.partition_errors[resp.partition_errors_count++];
            pe->topic_name = ts->topic_name;
            pe->partition_index = ps->partition_index;
            if (!valid) {
                pe->error_code = KC_ERR_INVALID_TOPIC_EXCEPTION;
                continue;
            }
            if (ps->partition_index < 0 || ps->partition_index > 1 << 20) {
                pe->error_code = KC_ERR_INVALID_REQUEST;
                continue;
            }
            kc_partition *p = kc_topic_ensure_partition(t, ps->partition_index);
            if (p->log && ps->leader_epoch <= p->leader_epoch) {
                pe->error_code = KC_ERR_STALE_CONTROLLER_EPOCH;
                continue;
            }
            kc_ids_assign(&p->replicas, &p->n_replicas, ps->replicas,
                          ps->replicas_count > 0 ? ps->replicas_count : 0);
            kc_ids_assign(&p->isr, &p->n_isr, ps->isr, ps->isr_count > 0 ? ps->isr_count : 0);
            bool was_leader = p->leader == b->cfg->broker_id, first = p->leader_epoch < 0;
            p->leader = ps->leader;
            p->leader_epoch = ps->leader_epoch;
            p->zk_version = ps->zk_version;
            if (kc_log_manager_open(b, p, n_failed ? why_more : why, sizeof(why))) {
                if (!n_failed++)
                    first_failed = p;
                pe->error_code = KC_ERR_KAFKA_STORAGE_ERROR;
                continue;
            }
            bool leader = p->leader == b->cfg->broker_id;
            if (!p->log)
                ; /* not a replica here: nothing to lead or follow */
            else if (leader)
                kc_replica_become_leader(b, p);
            else
                kc_replica_become_follower(b, p);
            if (p->log && t->internal && strcmp(t->name, KC_OFFSETS_TOPIC) == 0) {
                if (leader)
                    kc_coordinator_on_elect(b, p); /* a new epoch reloads its groups */
                else
                    kc_coordinator_on_resign(b, p);
            }
            if (leader != was_leader || first)
                kc_info("REPLICA", "%s-%d: %s (leader epoch %d)", t->name, p->id,
                        leader ? "became leader" : "became follower", p->leader_epoch);
            pe->error_code = KC_ERR_NONE;
        }
    }
    if (n_failed)
        kc_error("STORAGE",
                 "cannot open %d partition log(s) of a LeaderAndIsr of %d partitions (%s-%d: %s)",
                 n_failed, total, first_failed->topic->name, first_failed->id, why);
    kc_leader_and_isr_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}

static void on_config(const kc_zk_result *res, void *arg)
{
    lai_config *lc = arg;
    lai *x = lc->ctx;
    kc_broker *b = x->req->broker;
    if (res->rc == ZOK || res->rc == ZNONODE) {
        kc_broker_apply_topic_config(b, lc->topic, res->rc == ZOK ? res->data : NULL,
                                     res->rc == ZOK ? res->data_len : 0);
        lc->topic->config_loaded = true;
    } else {
        kc_warn("REPLICA", "reading /config/topics/%s failed (%s); using the broker defaults",
                lc->topic->name, zerror(res->rc));
    }
    free(lc);
    if (--x->pending == 0)
        apply(x);
}

void kc_handle_leader_and_isr(kc_request *req)
{
    kc_broker *b = req->broker;
    lai *x = kc_arena_alloc(&req->arena, sizeof(*x));
    x->req = req;
    if (kc_leader_and_isr_req_decode(&req->body, req->hdr.api_version, &x->r, &req->arena)) {
        kc_request_protocol_error(req, "malformed LeaderAndIsr request");
        return;
    }
    int16_t err = kc_broker_check_control(b, x->r.controller_epoch, x->r.broker_epoch);
    if (err) {
        kc_warn("REPLICA", "refusing LeaderAndIsr of controller %d epoch %d: error %d",
                x->r.controller_id, x->r.controller_epoch, err);
        kc_leader_and_isr_resp resp = {err, 0, NULL};
        kc_leader_and_isr_resp_encode(&req->out, req->hdr.api_version, &resp);
        kc_request_respond(req);
        return;
    }
    x->pending = 1; /* held until every read is issued */
    for (int32_t i = 0; i < x->r.topic_states_count; i++) {
        kc_str name = x->r.topic_states[i].topic_name;
        if (!kc_topic_name_valid(name))
            continue;
        kc_topic *t = kc_topics_ensure(&b->topics, name);
        if (t->config_loaded)
            continue;
        lai_config *lc = calloc(1, sizeof(*lc));
        if (!lc)
            kc_fatal("leader_and_isr: out of memory");
        lc->ctx = x;
        lc->topic = t;
        x->pending++;
        char path[600];
        snprintf(path, sizeof(path), "/config/topics/%s", t->name);
        kc_zk_aget(b->zk, path, 0, on_config, lc);
    }
    if (--x->pending == 0)
        apply(x);
}
