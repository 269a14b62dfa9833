/*
 * Metadata (3), v0-5, answered from the metadata cache (UpdateMetadata from the controller).
 * Brokers: every live broker, with its endpoint on the listener the client came in on. Topics:
 * requested or all (v0 empty list = all; v1+ null = all, empty = none). An unknown topic is
 * auto-created when auto.create.topics.enable and (v < 4 or allow_auto_topic_creation), and
 * answered LEADER_NOT_AVAILABLE until it exists, as Kafka does; before the broker's first
 * UpdateMetadata (just started) it knows neither the topics nor the live brokers to place a new
 * one on, and answers LEADER_NOT_AVAILABLE without creating (the client retries).
 * Authorization (KafkaApis.handleTopicMetadataRequest): a topic the principal may not DESCRIBE
 * is left out of an all-topics answer, and answered TOPIC_AUTHORIZATION_FAILED (no partitions,
 * existence not revealed) when named; auto-creation also needs CREATE on the Cluster or on the
 * topic, else TOPIC_AUTHORIZATION_FAILED.
 */
#include <stdlib.h>
#include <string.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/topic_create.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"

/* Starts auto-creation; returns the error code the topic gets in this response: a validation
 * error at once (e.g. INVALID_REPLICATION_FACTOR), else LEADER_NOT_AVAILABLE until created. */
static int16_t auto_create(kc_broker *b, kc_str name)
{
    kc_topic_create_spec spec = {.name = name, .num_partitions = -1, .replication_factor = -1};
    return kc_topic_auto_create(b, &spec);
}

static void fill_topic(kc_request *req, kc_metadata_topic *out, const kc_mc_topic *t)
{
    out->error_code = KC_ERR_NONE;
    out->name = kc_str_c(t->name);
    out->is_internal =
        strcmp(t->name, "__consumer_offsets") == 0 || strcmp(t->name, "__transaction_state") == 0;
    out->partitions =
        kc_arena_alloc(&req->arena, sizeof(kc_metadata_partition) * (size_t)(t->n_partitions + 1));
    for (int32_t i = 0; i < t->n_partitions; i++) {
        const kc_mc_partition *p = &t->partitions[i];
        if (!p->present)
            continue;
        kc_metadata_partition *mp = &out->partitions[out->partitions_count++];
        /* Kafka: no leader -> LEADER_NOT_AVAILABLE; a leader whose broker is not live (never
         * the case with a controller that re-elects) would be listed as is */
        mp->error_code = p->leader >= 0 ? KC_ERR_NONE : KC_ERR_LEADER_NOT_AVAILABLE;
        mp->partition_index = i;
        mp->leader_id = p->leader;
        mp->replica_nodes = p->replicas;
        mp->replica_nodes_count = p->n_replicas;
        mp->isr_nodes = p->isr;
        mp->isr_nodes_count = p->n_isr;
        mp->offline_replicas = p->offline;
        mp->offline_replicas_count = p->n_offline;
    }
}

/* The live brokers with their endpoint on @p listener (Kafka lists a broker only when it has
 * an endpoint on the listener the request came in on). */
static void fill_brokers(kc_request *req, kc_metadata_resp *resp, const char *listener)
{
    kc_broker *b = req->broker;
    const kc_metadata_cache *mc = &b->metadata;
    resp->brokers =
        kc_arena_alloc(&req->arena, sizeof(kc_metadata_broker) * (size_t)(mc->n_brokers + 1));
    for (int32_t i = 0; i < mc->n_brokers; i++) {
        const kc_mc_broker *mb = &mc->brokers[i];
        const kc_mc_endpoint *e = kc_mc_broker_endpoint(mb, listener);
        if (e)
            resp->brokers[resp->brokers_count++] = (kc_metadata_broker){
                mb->id, kc_str_c(e->host), e->port, mb->rack ? kc_str_c(mb->rack) : KC_STR_NULL};
    }
}

void kc_handle_metadata(kc_request *req)
{
    kc_broker *b = req->broker;
    int16_t v = req->hdr.api_version;
    kc_metadata_req r;
    if (kc_metadata_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed Metadata request");
        return;
    }
    kc_metadata_resp resp = {0};
    fill_brokers(req, &resp, b->cfg->listeners[req->listener].name);
    resp.cluster_id = kc_str_c(b->cluster_id);
    resp.controller_id = b->metadata.controller_id;

    const kc_metadata_cache *mc = &b->metadata;
    bool all = r.topics_count < 0 || (v == 0 && r.topics_count == 0);
    if (all) {
        resp.topics =
            kc_arena_alloc(&req->arena, sizeof(kc_metadata_topic) * (size_t)(mc->n_topics + 1));
        for (int32_t i = 0; i < mc->n_topics; i++)
            if (kc_authorized(req, KC_OP_DESCRIBE, KC_RES_TOPIC, kc_str_c(mc->topics[i]->name)))
                fill_topic(req, &resp.topics[resp.topics_count++], mc->topics[i]);
    } else {
        resp.topics_count = r.topics_count;
        resp.topics =
            kc_arena_alloc(&req->arena, sizeof(kc_metadata_topic) * (size_t)(r.topics_count + 1));
        for (int32_t i = 0; i < r.topics_count; i++) {
            kc_str name = r.topics[i].name;
            kc_metadata_topic *mt = &resp.topics[i];
            if (!kc_authorized(req, KC_OP_DESCRIBE, KC_RES_TOPIC, name)) {
                *mt = (kc_metadata_topic){.error_code = KC_ERR_TOPIC_AUTHORIZATION_FAILED,
                                          .name = name};
                continue;
            }
            const kc_mc_topic *t = kc_metadata_cache_topic(mc, name);
            if (t) {
                fill_topic(req, mt, t);
                continue;
            }
            mt->name = name;
            if (!kc_topic_name_valid(name))
                mt->error_code = KC_ERR_INVALID_TOPIC_EXCEPTION;
            else if (kc_topic_create_in_flight(b, name))
                mt->error_code = KC_ERR_LEADER_NOT_AVAILABLE;
            else if (!b->cfg->auto_create_topics_enable || (v >= 4 && !r.allow_auto_topic_creation))
                mt->error_code = KC_ERR_UNKNOWN_TOPIC_OR_PARTITION;
            else if (!kc_authorized_cluster(req, KC_OP_CREATE) &&
                     !kc_authorized(req, KC_OP_CREATE, KC_RES_TOPIC, name))
                mt->error_code = KC_ERR_TOPIC_AUTHORIZATION_FAILED;
            else if (mc->controller_id < 0) /* no UpdateMetadata yet: the live brokers, and */
                mt->error_code = KC_ERR_LEADER_NOT_AVAILABLE; /* the topics, are not known */
            else
                mt->error_code = auto_create(b, name);
        }
    }
    kc_metadata_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
