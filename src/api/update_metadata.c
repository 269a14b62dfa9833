/*
 * UpdateMetadata (6), v5, from the controller: replaces the live brokers and controller id of
 * the metadata cache and upserts the partition states it lists (metadata_cache.h). Refused
 * with STALE_CONTROLLER_EPOCH / STALE_BROKER_EPOCH when its epochs are stale.
 */
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/metadata_wait.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_update_metadata(kc_request *req)
{
    kc_broker *b = req->broker;
    kc_update_metadata_req r;
    if (kc_update_metadata_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed UpdateMetadata request");
        return;
    }
    kc_update_metadata_resp resp = {kc_broker_check_control(b, r.controller_epoch, r.broker_epoch)};
    if (resp.error_code)
        kc_warn("METADATA", "refusing UpdateMetadata of controller %d epoch %d: error %d",
                r.controller_id, r.controller_epoch, resp.error_code);
    else {
        kc_metadata_cache_update(&b->metadata, &r);
        kc_metadata_wait_notify(b);
    }
    kc_update_metadata_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}
