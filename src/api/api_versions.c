/*
 * ApiVersions (18), v0-3. The table is the generated kc_apis list. A version newer than v3 is
 * answered, not closed (KIP-511): a v0-format body with UNSUPPORTED_VERSION and the full table,
 * so that clients step down (librdkafka retries lower, kafkajs goes 2 -> 1 -> 0).
 */
#include "api/dispatch.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_api_versions(kc_request *req)
{
    const kc_api_info *self = kc_api_find(KC_API_API_VERSIONS);
    int16_t v = req->hdr.api_version;
    kc_api_versions_resp resp = {0};
    kc_api_versions_key keys[KC_API_COUNT];
    for (int i = 0; i < KC_API_COUNT; i++)
        keys[i] =
            (kc_api_versions_key){kc_apis[i].key, kc_apis[i].min_version, kc_apis[i].max_version};
    resp.api_keys = keys;
    resp.api_keys_count = KC_API_COUNT;
    if (v < self->min_version || v > self->max_version) {
        resp.error_code = KC_ERR_UNSUPPORTED_VERSION;
        kc_api_versions_resp_encode(&req->out, 0, &resp);
        kc_request_respond(req);
        return;
    }
    kc_api_versions_req r;
    if (kc_api_versions_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed ApiVersions request");
        return;
    }
    kc_api_versions_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
