/*
 * AlterIsr (56), v0, from partition leaders (KIP-497). Only the active controller answers;
 * another broker answers NOT_CONTROLLER at once and the leader retries. The controller
 * thread decides (ctl_requests.c) and the answer is sent when it is done.
 */
#include "api/dispatch.h"
#include "broker/broker.h"
#include "controller/controller.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_alter_isr(kc_request *req)
{
    const uint8_t *body = req->body.p;
    kc_alter_isr_req r;
    if (kc_alter_isr_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed AlterIsr request");
        return;
    }
    if (kc_controller_is_active(req->broker->controller)) {
        kc_api_to_controller(req, body);
        return;
    }
    kc_alter_isr_resp resp = {.error_code = KC_ERR_NOT_CONTROLLER};
    kc_alter_isr_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}
