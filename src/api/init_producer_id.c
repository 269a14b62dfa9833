/*
 * InitProducerId (22), v0-4 (flexible from v2), for idempotent producers: a null transactional
 * id gets a new producer id with epoch 0 from any broker (Kafka 2.8's
 * TransactionCoordinator.handleInitProducerId: every call uses an id; KIP-360's ProducerId and
 * ProducerEpoch are checked for shape, otherwise ignored). Transactional ids belong to a
 * transaction coordinator, which cafka does not have: NOT_COORDINATOR, as from a broker that is
 * not the id's coordinator (FindCoordinator for transactions answers COORDINATOR_NOT_AVAILABLE).
 * Authorization (KafkaApis.handleInitProducerIdRequest), before the request's shape is checked: a
 * transactional id needs TransactionalId:WRITE, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
 * without one, Cluster:IDEMPOTENT_WRITE or WRITE on some topic (KIP-679), else
 * CLUSTER_AUTHORIZATION_FAILED.
 */
#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/producer_ids.h"
#include "kc_apis.h"
#include "proto/errors.h"

static void respond(kc_request *req, int16_t err, int64_t producer_id)
{
    kc_init_producer_id_resp resp = {.throttle_time_ms = 0,
                                     .error_code = err,
                                     .producer_id = err ? -1 : producer_id,
                                     .producer_epoch = err ? -1 : 0};
    kc_init_producer_id_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}

static void on_producer_id(struct kc_broker *b, int64_t producer_id, int16_t err, void *arg)
{
    (void)b;
    respond(arg, err, producer_id);
}

void kc_handle_init_producer_id(kc_request *req)
{
    kc_init_producer_id_req r;
    if (kc_init_producer_id_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed InitProducerId request");
        return;
    }
    bool transactional = r.transactional_id.len >= 0;
    if (transactional &&
        !kc_authorized(req, KC_OP_WRITE, KC_RES_TRANSACTIONAL_ID, r.transactional_id)) {
        respond(req, KC_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1);
        return;
    }
    if (!transactional && !kc_authorized_cluster(req, KC_OP_IDEMPOTENT_WRITE) &&
        !kc_authorized_any(req, KC_OP_WRITE, KC_RES_TOPIC)) {
        respond(req, KC_ERR_CLUSTER_AUTHORIZATION_FAILED, -1);
        return;
    }
    if (r.transactional_id.len == 0 || (r.producer_id == -1) != (r.producer_epoch == -1)) {
        respond(req, KC_ERR_INVALID_REQUEST, -1);
        return;
    }
    if (r.transactional_id.len > 0) {
        respond(req, KC_ERR_NOT_COORDINATOR, -1);
        return;
    }
    kc_producer_ids_take(req->broker, on_producer_id, req);
}
