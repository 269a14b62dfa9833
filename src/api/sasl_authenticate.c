/*
 * SaslAuthenticate (36), v0-2 (flexible from v2), and the bare tokens of the v0 flow (KIP-152):
 * each client token goes to the connection's SASL exchange (security/sasl_server.h) and the
 * server token comes back. On success the connection is authenticated as User:<name>; on
 * failure the answer is SASL_AUTHENTICATION_FAILED with Kafka's message and the connection is
 * closed after it (a bare-token exchange is just closed: it has no way to carry an error).
 * session_lifetime_ms is 0: re-authentication (KIP-368) is not offered.
 * Outside an exchange the answer is ILLEGAL_SASL_STATE, as KafkaApis gives it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/dispatch.h"
#include "broker/broker.h"
#include "common/log.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "security/sasl_server.h"

static void authenticated(kc_request *req, kc_sasl_server *s)
{
    char principal[300];
    snprintf(principal, sizeof(principal), "User:%s", kc_sasl_server_user(s));
    kc_debug("SASL", "%s authenticated as %s with %s", kc_request_peer(req), principal,
             kc_sasl_server_mechanism(s));
    kc_request_authenticated(req, principal); /* frees s */
}

static void failed(kc_request *req, const char *why)
{
    static kc_log_limit limit;
    int dropped;
    if (kc_log_allow(&limit, 1000, &dropped))
        kc_info("SASL", "failed authentication from %s: %s (%d more not logged)",
                kc_request_peer(req), why, dropped);
    kc_request_close_after_response(req);
}

static void raw_token(kc_request *req)
{
    kc_sasl_server *s = kc_request_sasl_session(req);
    uint8_t *out;
    size_t out_len;
    char err[300];
    int rc = kc_sasl_server_step(s, req->frame, req->frame_len, &out, &out_len, err, sizeof(err));
    if (rc == KC_SASL_FAILED) {
        failed(req, err);
        kc_request_finish_silently(req);
        return;
    }
    kc_wbuf_put(&req->out, out, out_len);
    free(out);
    if (rc == KC_SASL_DONE)
        authenticated(req, s);
    kc_request_respond(req);
}

void kc_handle_sasl_authenticate(kc_request *req)
{
    if (req->raw_sasl) {
        raw_token(req);
        return;
    }
    int16_t v = req->hdr.api_version;
    kc_sasl_authenticate_req r;
    if (kc_sasl_authenticate_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed SaslAuthenticate request");
        return;
    }
    kc_sasl_authenticate_resp resp = {.error_code = KC_ERR_NONE,
                                      .error_message = KC_STR_NULL,
                                      .auth_bytes = {(const uint8_t *)"", 0},
                                      .session_lifetime_ms = 0};
    enum kc_auth_state state = kc_request_auth_state(req);
    if (state == KC_AUTH_DONE) {
        resp.error_code = KC_ERR_ILLEGAL_SASL_STATE;
        resp.error_message = kc_str_c("SaslAuthenticate request received after successful "
                                      "authentication");
    } else if (state != KC_AUTH_TOKENS) {
        kc_request_protocol_error(req, "SaslAuthenticate before SaslHandshake");
        return;
    } else {
        kc_sasl_server *s = kc_request_sasl_session(req);
        uint8_t *out;
        size_t out_len;
        char err[300];
        int rc = kc_sasl_server_step(s, r.auth_bytes.p,
                                     r.auth_bytes.len < 0 ? 0 : (size_t)r.auth_bytes.len, &out,
                                     &out_len, err, sizeof(err));
        if (rc == KC_SASL_FAILED) {
            resp.error_code = KC_ERR_SASL_AUTHENTICATION_FAILED;
            resp.error_message = kc_str_c(kc_arena_strndup(&req->arena, err, strlen(err)));
            failed(req, err);
        } else {
            uint8_t *copy = kc_arena_alloc(&req->arena, out_len ? out_len : 1);
            memcpy(copy, out, out_len);
            resp.auth_bytes = (kc_bytes){copy, (int32_t)out_len};
            if (rc == KC_SASL_DONE)
                authenticated(req, s);
        }
        free(out);
    }
    kc_sasl_authenticate_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
