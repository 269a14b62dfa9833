/*
 * DescribeUserScramCredentials (50), v0 (flexible), as Kafka 2.8's ZkAdminManager answers it:
 * a null or empty user list describes every user with a credential, sorted by name; a user named
 * twice gets DUPLICATE_RESOURCE, an empty name or a user without credentials RESOURCE_NOT_FOUND.
 * Each credential is shown as its mechanism and iterations, never its salt or keys. Answered from
 * this broker's SCRAM store (what it authenticates with), which follows `/config/users` through
 * change notifications: right after an AlterUserScramCredentials on the controller another broker
 * may answer with the previous credentials for the time a notification takes to arrive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/dispatch.h"
#include "broker/broker.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "security/scram_store.h"

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void describe_user(kc_request *req, const char *user,
                          kc_describe_user_scram_credentials_result *out)
{
    const kc_scram_store *st = req->broker->scram_store;
    out->user = kc_str_c(user);
    out->error_code = KC_ERR_NONE;
    out->error_message = KC_STR_NULL;
    out->credential_infos = kc_arena_alloc(&req->arena, sizeof(*out->credential_infos) * 2);
    out->credential_infos_count = 0;
    for (int mech = KC_SCRAM_SHA_256; mech <= KC_SCRAM_SHA_512; mech++) {
        const kc_scram_credential *c = kc_scram_store_get(st, user, mech);
        if (c)
            out->credential_infos[out->credential_infos_count++] =
                (kc_credential_info){.mechanism = (int8_t)mech, .iterations = c->iterations};
    }
    if (out->credential_infos_count == 0) {
        char msg[400];
        if (!*user)
            snprintf(msg, sizeof(msg), "Username must not be empty");
        else
            snprintf(msg, sizeof(msg),
                     "Attempt to describe a user credential that does not exist: %s", user);
        out->error_code = KC_ERR_RESOURCE_NOT_FOUND;
        out->error_message = kc_str_c(kc_arena_strndup(&req->arena, msg, strlen(msg)));
    }
}

void kc_handle_describe_user_scram_credentials(kc_request *req)
{
    int16_t v = req->hdr.api_version;
    kc_describe_user_scram_credentials_req r;
    if (kc_describe_user_scram_credentials_req_decode(&req->body, v, &r, &req->arena)) {
        kc_request_protocol_error(req, "malformed DescribeUserScramCredentials request");
        return;
    }
    const kc_scram_store *st = req->broker->scram_store;
    kc_describe_user_scram_credentials_resp resp = {.error_code = KC_ERR_NONE,
                                                    .error_message = KC_STR_NULL};
    if (r.users_count <= 0) {
        int n = kc_scram_store_count(st);
        const char **names = kc_arena_alloc(&req->arena, sizeof(*names) * (size_t)(n ? n : 1));
        for (int i = 0; i < n; i++)
            names[i] = kc_scram_store_user(st, i);
        qsort(names, (size_t)n, sizeof(*names), by_name);
        resp.results = kc_arena_alloc(&req->arena, sizeof(*resp.results) * (size_t)(n ? n : 1));
        for (int i = 0; i < n; i++)
            describe_user(req, names[i], &resp.results[resp.results_count++]);
    } else {
        resp.results = kc_arena_alloc(&req->arena, sizeof(*resp.results) * (size_t)r.users_count);
        for (int i = 0; i < r.users_count; i++) {
            kc_str name = r.users[i].name;
            char *user = kc_arena_strndup(&req->arena, name.p, name.len < 0 ? 0 : (size_t)name.len);
            int seen = 0;
            for (int k = 0; k < r.users_count; k++)
                seen += kc_str_eq(r.users[k].name, user);
            bool listed = false;
            for (int k = 0; k < resp.results_count; k++)
                listed |= kc_str_eq(resp.results[k].user, user);
            if (listed)
                continue;
            kc_describe_user_scram_credentials_result *res = &resp.results[resp.results_count++];
            if (seen > 1) {
                char msg[400];
                snprintf(msg, sizeof(msg),
                         "Cannot describe SCRAM credentials for the same user twice in a single "
                         "request: %s",
                         user);
                *res = (kc_describe_user_scram_credentials_result){
                    .user = kc_str_c(user),
                    .error_code = KC_ERR_DUPLICATE_RESOURCE,
                    .error_message = kc_str_c(kc_arena_strndup(&req->arena, msg, strlen(msg)))};
            } else {
                describe_user(req, user, res);
            }
        }
    }
    kc_describe_user_scram_credentials_resp_encode(&req->out, v, &resp);
    kc_request_respond(req);
}
