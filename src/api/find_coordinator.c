/*
 * FindCoordinator (10), v0-3 (flexible from v3). A group's coordinator is the leader of its
 * __consumer_offsets partition (group/coordinator.h), answered with its endpoint on the listener
 * the request came in on. The first request creates __consumer_offsets
 * (offsets.topic.num.partitions, offsets.topic.replication.factor, cleanup.policy=compact,
 * offsets.topic.segment.bytes, compression.type=producer, as Kafka's
 * GroupCoordinator.offsetsTopicConfigs); until it exists with a live leader, and while fewer
 * brokers are alive than its replication factor, the answer is COORDINATOR_NOT_AVAILABLE.
 * Transaction coordinators (key_type 1) do not exist yet: COORDINATOR_NOT_AVAILABLE.
 * Authorization (KafkaApis.handleFindCoordinatorRequest), first: Group:DESCRIBE on the key
 * (key_type 0), else GROUP_AUTHORIZATION_FAILED; TransactionalId:DESCRIBE (key_type 1), else
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
 */
#include <stdio.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/topic_create.h"
#include "group/coordinator.h"
#include "kc_apis.h"
#include "proto/errors.h"

/* Kafka's Errors messages for what this API answers */
static const char *error_message(int16_t err)
{
    switch (err) {
    case KC_ERR_INVALID_REQUEST:
        return "unknown coordinator key type";
    case KC_ERR_GROUP_AUTHORIZATION_FAILED:
        return "Group authorization failed.";
    case KC_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        return "Transactional Id authorization failed.";
    default:
        return "The coordinator is not available.";
    }
}

static void create_offsets_topic(kc_broker *b)
{
    kc_str name = kc_str_c(KC_OFFSETS_TOPIC);
    if (kc_topic_create_in_flight(b, name))
        return;
    char seg[32];
    snprintf(seg, sizeof(seg), "%d", b->cfg->offsets_topic_segment_bytes);
    kc_str names[] = {kc_str_c("cleanup.policy"), kc_str_c("segment.bytes"),
                      kc_str_c("compression.type")};
    kc_str values[] = {kc_str_c("compact"), kc_str_c(seg), kc_str_c("producer")};
    kc_topic_create_spec spec = {.name = name,
                                 .num_partitions = b->cfg->offsets_topic_num_partitions,
                                 .replication_factor =
                                     (int16_t)b->cfg->offsets_topic_replication_factor,
                                 .n_configs = 3,
                                 .config_names = names,
                                 .config_values = values};
    kc_topic_auto_create(b, &spec);
}

void kc_handle_find_coordinator(kc_request *req)
{
    kc_broker *b = req->broker;
    int16_t v = req->hdr.api_version;
    kc_find_coordinator_req r;
    if (kc_find_coordinator_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed FindCoordinator request");
        return;
    }
    kc_find_coordinator_resp resp = {.error_code = KC_ERR_COORDINATOR_NOT_AVAILABLE,
                                     .error_message = KC_STR_NULL,
                                     .node_id = -1,
                                     .host = kc_str_c(""),
                                     .port = -1};
    const kc_mc_topic *t = kc_metadata_cache_topic(&b->metadata, kc_str_c(KC_OFFSETS_TOPIC));
    if (r.key_type == 0 && !kc_authorized(req, KC_OP_DESCRIBE, KC_RES_GROUP, r.key)) {
        resp.error_code = KC_ERR_GROUP_AUTHORIZATION_FAILED;
    } else if (r.key_type == 1 &&
               !kc_authorized(req, KC_OP_DESCRIBE, KC_RES_TRANSACTIONAL_ID, r.key)) {
        resp.error_code = KC_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    } else if (r.key_type != 0) {
        resp.error_code =
            r.key_type == 1 ? KC_ERR_COORDINATOR_NOT_AVAILABLE : KC_ERR_INVALID_REQUEST;
    } else if (!t) {
        create_offsets_topic(b);
    } else {
        int32_t part = kc_coordinator_partition_for(b, r.key);
        const kc_mc_partition *p =
            part < t->n_partitions && t->partitions[part].present ? &t->partitions[part] : NULL;
        const kc_mc_broker *mb =
            p && p->leader >= 0 && kc_metadata_cache_live(&b->metadata, p->leader)
                ? kc_metadata_cache_broker(&b->metadata, p->leader)
                : NULL;
        const kc_mc_endpoint *e =
            mb ? kc_mc_broker_endpoint(mb, b->cfg->listeners[req->listener].name) : NULL;
        if (e) {
            resp.error_code = KC_ERR_NONE;
            resp.node_id = mb->id;
            resp.host = kc_str_c(e->host);
            resp.port = e->port;
        }
    }
    if (resp.error_code)
        resp.error_message = kc_str_c(error_message(resp.error_code));
    kc_find_coordinator_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
