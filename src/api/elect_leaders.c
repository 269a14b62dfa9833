/*
 * ElectLeaders (43), v0-2: preferred (type 0) or unclean (type 1) leader elections asked by
 * an admin client. Only the active controller acts; another broker answers NOT_CONTROLLER for
 * every listed partition, as Kafka's KafkaApis does (top-level error NONE). The answer is sent
 * once the controller wrote the new states and queued LeaderAndIsr/UpdateMetadata; cafka does
 * not wait for the brokers' metadata caches (Kafka's DelayedElectLeader) before answering.
 * Before all: Cluster:ALTER, else CLUSTER_AUTHORIZATION_FAILED at the top (v1+) and for every
 * partition (KafkaApis.handleElectReplicaLeader).
 */
#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "controller/controller.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_elect_leaders(kc_request *req)
{
    const uint8_t *body = req->body.p;
    kc_elect_leaders_req r;
    if (kc_elect_leaders_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed ElectLeaders request");
        return;
    }
    bool allowed = kc_authorized_cluster(req, KC_OP_ALTER);
    if (allowed && kc_controller_is_active(req->broker->controller)) {
        kc_api_to_controller(req, body);
        return;
    }
    int16_t code = allowed ? KC_ERR_NOT_CONTROLLER : KC_ERR_CLUSTER_AUTHORIZATION_FAILED;
    kc_elect_leaders_resp resp = {.error_code = allowed ? KC_ERR_NONE : code};
    int32_t n = r.topic_partitions_count > 0 ? r.topic_partitions_count : 0;
    resp.replica_election_results =
        kc_arena_alloc(&req->arena, sizeof(*resp.replica_election_results) * (size_t)(n + 1));
    resp.replica_election_results_count = n;
    for (int32_t i = 0; i < n; i++) {
        const kc_topic_partitions *tp = &r.topic_partitions[i];
        int32_t np = tp->partitions_count > 0 ? tp->partitions_count : 0;
        kc_replica_election_result *res = &resp.replica_election_results[i];
        res->topic = tp->topic;
        res->partition_result_count = np;
        res->partition_result =
            kc_arena_alloc(&req->arena, sizeof(*res->partition_result) * (size_t)(np + 1));
        for (int32_t j = 0; j < np; j++)
            res->partition_result[j] = (kc_partition_result){tp->partitions[j], code, KC_STR_NULL};
    }
    kc_elect_leaders_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}
