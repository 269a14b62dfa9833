/* The broker's connection to the active controller (see controller_client.h). Invariant: the
 * client, when present, points at the broker the metadata cache named when it was made. */
#include "broker/controller_client.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

void kc_controller_client_send(kc_broker *b, int16_t api_key, int16_t api_version,
                               const kc_wbuf *body, kc_ibclient_cb cb, void *arg)
{
    int32_t id = b->metadata.controller_id;
    if (b->ctl_client && b->ctl_client_for != id) { /* the controller moved */
        kc_ibclient_close(b->ctl_client);
        kc_ibclient_free(b->ctl_client);
        b->ctl_client = NULL;
    }
    const kc_mc_broker *cb_broker = id >= 0 ? kc_metadata_cache_broker(&b->metadata, id) : NULL;
    const kc_mc_endpoint *ep =
        cb_broker ? kc_mc_broker_endpoint(cb_broker, kc_config_inter_broker_listener(b->cfg))
                  : NULL;
    if (!ep) {
        cb(arg, api_key, api_version, NULL);
        return;
    }
    if (!b->ctl_client) {
        char cid[64];
        snprintf(cid, sizeof(cid), "broker-%d-to-controller", b->cfg->broker_id);
        b->ctl_client = kc_ibclient_new(b->base, &b->ib_security, ep->host, ep->port, cid,
                                        b->cfg->controller_socket_timeout_ms);
        b->ctl_client_for = id;
    }
    kc_ibclient_send(b->ctl_client, api_key, api_version, body, cb, arg);
}

void kc_controller_client_free(kc_broker *b)
{
    kc_ibclient_free(b->ctl_client);
    b->ctl_client = NULL;
    b->ctl_client_for = -1;
}
