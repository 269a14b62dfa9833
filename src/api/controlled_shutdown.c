/*
 * ControlledShutdown (7), v1-3, from a broker about to stop. Only the active controller
 * answers; another broker answers NOT_CONTROLLER at once. The controller thread moves the
 * broker's leaderships (ctl_requests.c) and the answer lists what it still leads.
 */
#include "api/dispatch.h"
#include "broker/broker.h"
#include "controller/controller.h"
#include "kc_apis.h"
#include "proto/errors.h"

void kc_handle_controlled_shutdown(kc_request *req)
{
    const uint8_t *body = req->body.p;
    kc_controlled_shutdown_req r;
    if (kc_controlled_shutdown_req_decode(&req->body, req->hdr.api_version, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed ControlledShutdown request");
        return;
    }
    if (kc_controller_is_active(req->broker->controller)) {
        kc_api_to_controller(req, body);
        return;
    }
    kc_controlled_shutdown_resp resp = {.error_code = KC_ERR_NOT_CONTROLLER};
    kc_controlled_shutdown_resp_encode(&req->out, req->hdr.api_version, &resp);
    kc_request_respond(req);
}
