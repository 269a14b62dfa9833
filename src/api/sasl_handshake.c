/*
 * SaslHandshake (17), v0-1, as Kafka's SaslServerAuthenticator answers it on a SASL listener:
 * the client names a mechanism; when sasl.enabled.mechanisms has it the exchange starts
 * (v1: SaslAuthenticate requests follow; v0: bare length-prefixed tokens), otherwise the answer
 * is UNSUPPORTED_SASL_MECHANISM with the enabled list and the connection is closed. Both answers
 * carry the enabled mechanisms in their configured order (Kafka's order is a HashSet's). After
 * authentication, or on a listener without SASL, the answer is ILLEGAL_SASL_STATE
 * (KafkaApis.handleSaslHandshakeRequest); in the middle of an exchange it is ILLEGAL_SASL_STATE
 * and the connection is closed.
 */
#include <string.h>

#include "api/dispatch.h"
#include "broker/broker.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "security/sasl_server.h"

void kc_handle_sasl_handshake(kc_request *req)
{
    kc_broker *b = req->broker;
    int16_t v = req->hdr.api_version;
    kc_sasl_handshake_req r;
    if (kc_sasl_handshake_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed SaslHandshake request");
        return;
    }
    kc_sasl_handshake_resp resp = {.error_code = KC_ERR_NONE, .mechanisms_count = 0};
    enum kc_auth_state state = kc_request_auth_state(req);
    if (state != KC_AUTH_HANDSHAKE) {
        /* after authentication KafkaApis answers and keeps the connection; in the middle of an
         * exchange SaslServerAuthenticator answers and closes it */
        resp.error_code = KC_ERR_ILLEGAL_SASL_STATE;
        kc_sasl_handshake_resp_encode(&req->out, v, &resp);
        if (state != KC_AUTH_DONE)
            kc_request_close_after_response(req);
        kc_request_respond(req);
        return;
    }
    resp.mechanisms_count = b->cfg->n_sasl_mechanism_names;
    resp.mechanisms = kc_arena_alloc(&req->arena, sizeof(*resp.mechanisms) * 3);
    for (int i = 0; i < resp.mechanisms_count; i++)
        resp.mechanisms[i] = kc_str_c(b->cfg->sasl_mechanism_names[i]);
    char *mech = kc_arena_strndup(&req->arena, r.mechanism.p,
                                  r.mechanism.len < 0 ? 0 : (size_t)r.mechanism.len);
    bool enabled = false;
    for (int i = 0; i < resp.mechanisms_count; i++)
        enabled |= strcmp(resp.mechanisms[i].p, mech) == 0;
    const char *listener = b->cfg->listeners[req->listener].name;
    kc_sasl_server *s =
        enabled
            ? kc_sasl_server_new(mech, kc_config_jaas(b->cfg, listener, "PLAIN"), b->scram_store)
            : NULL;
    if (!s) {
        resp.error_code = KC_ERR_UNSUPPORTED_SASL_MECHANISM;
        kc_info("SASL", "closing connection from %s: unsupported SASL mechanism",
                kc_request_peer(req));
        kc_sasl_handshake_resp_encode(&req->out, v, &resp);
        kc_request_close_after_response(req);
        kc_request_respond(req);
        return;
    }
    kc_request_set_auth(req, v == 0 ? KC_AUTH_RAW_TOKENS : KC_AUTH_TOKENS, s, kc_sasl_server_free);
    kc_sasl_handshake_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
