/*
 * Requests answered by the controller thread (AlterIsr, ControlledShutdown, ElectLeaders): the
 * body is handed over with kc_controller_submit() and the answer comes back through the
 * broker's mailbox. The request waits meanwhile; if its connection closes first, on_orphan
 * frees it and the late answer is dropped.
 */
#include <stdlib.h>

#include "api/dispatch.h"
#include "broker/broker.h"
#include "common/log.h"
#include "controller/controller.h"

typedef struct ctl_wait {
    kc_request *req; /* NULL once orphaned */
} ctl_wait;

static void on_orphan(kc_request *req)
{
    ctl_wait *w = req->pending;
    w->req = NULL; /* freed when the controller's answer arrives */
    req->on_orphan = NULL;
    req->pending = NULL;
    kc_request_respond(req); /* no connection: just frees the request */
}

static void on_reply(kc_controller_reply *r)
{
    ctl_wait *w = r->arg;
    kc_request *req = w->req;
    free(w);
    if (!req) {
        kc_controller_reply_free(r);
        return;
    }
    req->on_orphan = NULL;
    req->pending = NULL;
    if (!r->body) {
        kc_controller_reply_free(r);
        kc_request_protocol_error(req, "malformed request for the controller");
        return;
    }
    kc_wbuf_put(&req->out, r->body, r->len);
    kc_controller_reply_free(r);
    kc_request_respond(req);
}

void kc_api_to_controller(kc_request *req, const uint8_t *body)
{
    kc_broker *b = req->broker;
    ctl_wait *w = malloc(sizeof(*w));
    if (!w)
        kc_fatal("controller call: out of memory");
    w->req = req;
    req->pending = w;
    req->on_orphan = on_orphan;
    kc_controller_submit(b->controller, req->hdr.api_key, req->hdr.api_version, body,
                         (size_t)(req->body.end - body), b->mb, on_reply, w);
}
