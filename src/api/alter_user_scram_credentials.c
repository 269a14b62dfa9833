/*
 * AlterUserScramCredentials (51), v0 (flexible), as Kafka 2.8 answers it (KafkaApis and
 * ZkAdminManager.alterUserScramCredentials): only the active controller acts (others answer
 * NOT_CONTROLLER for every user), and only for a principal with Cluster:ALTER (else
 * CLUSTER_AUTHORIZATION_FAILED for every user). Per user, the first failure wins:
 *  1. an empty name: UNACCEPTABLE_CREDENTIAL "Username must not be empty"; a mechanism other than
 *     SCRAM-SHA-256 (1) or SCRAM-SHA-512 (2): UNSUPPORTED_SASL_MECHANISM "Unknown SCRAM
 *     mechanism"; iterations outside [4096, 16384]: UNACCEPTABLE_CREDENTIAL "Too few iterations"
 *     / "Too many iterations" (an empty or over-long salt is refused the same way: cafka keeps
 *     salts of 1..128 bytes);
 *  2. one (user, mechanism) pair named twice among deletions and upsertions: DUPLICATE_RESOURCE
 *     "A user credential cannot be altered twice in the same request";
 *  3. `/config/users/<user>` is read; deleting a mechanism it does not hold: RESOURCE_NOT_FOUND
 *     "Attempt to delete a user credential that does not exist";
 *  4. the config is written back with the deletions removed and each upsertion stored as
 *     salt/stored_key/server_key/iterations computed from the salted password the client sent
 *     (the password itself never reaches the broker), other keys of the user (quotas) kept, and a
 *     `users/<user>` change notification created (broker/config_changes.h); every broker's
 *     SCRAM store follows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api/authz.h"
#include "api/dispatch.h"
#include "broker/broker.h"
#include "broker/config_changes.h"
#include "common/log.h"
#include "config/dynconf.h"
#include "controller/controller.h"
#include "kc_apis.h"
#include "proto/errors.h"
#include "security/scram.h"
#include "zk/zk.h"

typedef struct alter_op alter_op;

typedef struct user_op {
    alter_op *op;
    int index; /* into op->resp.results */
    char *name;
    char path_name[800]; /* the name as Kafka's Sanitizer writes it in znode paths */
} user_op;

struct alter_op {
    kc_request *req;
    kc_alter_user_scram_credentials_req r;
    kc_alter_user_scram_credentials_resp resp;
    int pending;
};

static void set_result(kc_request *req, kc_alter_user_scram_credentials_result *res, int16_t code,
                       const char *msg)
{
    res->error_code = code;
    res->error_message =
        msg ? kc_str_c(kc_arena_strndup(&req->arena, msg, strlen(msg))) : KC_STR_NULL;
}

static void finish(alter_op *op)
{
    kc_alter_user_scram_credentials_resp_encode(&op->req->out, op->req->hdr.api_version, &op->resp);
    kc_request_respond(op->req);
    free(op);
}

static void user_done(user_op *u)
{
    alter_op *op = u->op;
    free(u->name);
    free(u);
    if (--op->pending == 0)
        finish(op);
}

static void on_written(int16_t code, const char *message, void *arg)
{
    user_op *u = arg;
    set_result(u->op->req, &u->op->resp.results[u->index], code, message);
    user_done(u);
}

/* Steps 3 and 4 for one user, with the current payload of /config/users/<user>. */
static void on_user_config(const kc_zk_result *res, void *arg)
{
    user_op *u = arg;
    alter_op *op = u->op;
    kc_request *req = op->req;
    kc_alter_user_scram_credentials_result *out = &op->resp.results[u->index];
    if (res->rc != ZOK && res->rc != ZNONODE) {
        kc_error("SCRAM", "reading /config/users/%s failed: %s", u->name, zerror(res->rc));
        set_result(req, out, KC_ERR_UNKNOWN_SERVER_ERROR, "ZooKeeper read failed");
        user_done(u);
        return;
    }
    kc_cfg_kvs kvs = {0};
    if (res->rc == ZOK && res->data_len > 0 && kc_cfg_kvs_parse(res->data, res->data_len, &kvs))
        kc_warn("SCRAM", "/config/users/%s is not a config object; rewriting it", u->name);
    const kc_alter_user_scram_credentials_req *r = &op->r;
    for (int i = 0; i < r->deletions_count; i++) {
        if (!kc_str_eq(r->deletions[i].name, u->name))
            continue;
        if (!kc_cfg_kvs_remove(&kvs, kc_scram_mechanism_name(r->deletions[i].mechanism))) {
            set_result(req, out, KC_ERR_RESOURCE_NOT_FOUND,
                       "Attempt to delete a user credential that does not exist");
            kc_cfg_kvs_free(&kvs);
            user_done(u);
            return;
        }
    }
    for (int i = 0; i < r->upsertions_count; i++) {
        const kc_scram_credential_upsertion *up = &r->upsertions[i];
        if (!kc_str_eq(up->name, u->name))
            continue;
        kc_scram_credential cred;
        /* checked in step 1, so this cannot fail */
        kc_scram_credential_from_salted(up->mechanism, up->salted_password.p,
                                        (size_t)up->salted_password.len, up->salt.p,
                                        (size_t)up->salt.len, up->iterations, &cred);
        char *text = kc_scram_credential_format(&cred);
        OPENSSL_cleanse(&cred, sizeof(cred));
        kc_cfg_kvs_set(&kvs, kc_scram_mechanism_name(up->mechanism), text);
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    kc_config_changes_write(req->broker, "users", u->path_name, &kvs, on_written, u);
    kc_cfg_kvs_free(&kvs);
}

/* Step 1 for one deletion or upsertion; NULL when it is acceptable. */
static const char *illegal(kc_str name, int8_t mech, const int32_t *iterations,
                           const kc_bytes *salt, int16_t *code)
{
    *code = KC_ERR_UNACCEPTABLE_CREDENTIAL;
    if (name.len <= 0)
        return "Username must not be empty";
    if (mech != KC_SCRAM_SHA_256 && mech != KC_SCRAM_SHA_512) {
        *code = KC_ERR_UNSUPPORTED_SASL_MECHANISM;
        return "Unknown SCRAM mechanism";
    }
    if (iterations && *iterations > KC_SCRAM_MAX_ITERATIONS)
        return "Too many iterations";
    if (iterations && *iterations < KC_SCRAM_MIN_ITERATIONS)
        return "Too few iterations";
    if (salt && (salt->len <= 0 || salt->len > KC_SCRAM_MAX_SALT_BYTES))
        return "Salt must be 1 to 128 bytes";
    return NULL;
}

/* The result slot of @p name, created on first sight (in request order). */
static int slot_of(alter_op *op, kc_str name)
{
    for (int i = 0; i < op->resp.results_count; i++)
        if (op->resp.results[i].user.len == name.len &&
            (name.len <= 0 || memcmp(op->resp.results[i].user.p, name.p, (size_t)name.len) == 0))
            return i;
    kc_alter_user_scram_credentials_result *res = &op->resp.results[op->resp.results_count];
    *res = (kc_alter_user_scram_credentials_result){
        .user = name.len < 0 ? kc_str_c("") : name, .error_code = -2, .error_message = KC_STR_NULL};
    return op->resp.results_count++;
}

static void fail_once(alter_op *op, int slot, int16_t code, const char *msg)
{
    if (op->resp.results[slot].error_code == -2)
        set_result(op->req, &op->resp.results[slot], code, msg);
}

void kc_handle_alter_user_scram_credentials(kc_request *req)
{
    alter_op *op = calloc(1, sizeof(*op));
    if (!op)
        kc_fatal("scram: out of memory");
    op->req = req;
    int16_t v = req->hdr.api_version;
    kc_alter_user_scram_credentials_req *r = &op->r;
    if (kc_alter_user_scram_credentials_req_decode(&req->body, v, r, &req->arena)) {
        free(op);
        kc_request_protocol_error(req, "malformed AlterUserScramCredentials request");
        return;
    }
    int nd = r->deletions_count > 0 ? r->deletions_count : 0;
    int nu = r->upsertions_count > 0 ? r->upsertions_count : 0;
    op->resp.results =
        kc_arena_alloc(&req->arena, sizeof(*op->resp.results) * (size_t)(nd + nu + 1));
    int16_t code;
    const char *why;
    /* an upsertion's complaint wins over a deletion's, as Kafka merges them */
    for (int i = 0; i < nu; i++) {
        const kc_scram_credential_upsertion *up = &r->upsertions[i];
        int s = slot_of(op, up->name);
        if ((why = illegal(up->name, up->mechanism, &up->iterations, &up->salt, &code)))
            fail_once(op, s, code, why);
    }
    for (int i = 0; i < nd; i++) {
        int s = slot_of(op, r->deletions[i].name);
        if ((why = illegal(r->deletions[i].name, r->deletions[i].mechanism, NULL, NULL, &code)))
            fail_once(op, s, code, why);
    }
    if (!kc_controller_is_active(req->broker->controller)) {
        for (int i = 0; i < op->resp.results_count; i++)
            set_result(req, &op->resp.results[i], KC_ERR_NOT_CONTROLLER,
                       "This is not the correct controller for this cluster.");
        finish(op);
        return;
    }
    if (!kc_authorized_cluster(req, KC_OP_ALTER)) { /* after NOT_CONTROLLER, as KafkaApis */
        for (int i = 0; i < op->resp.results_count; i++)
            set_result(req, &op->resp.results[i], KC_ERR_CLUSTER_AUTHORIZATION_FAILED, NULL);
        finish(op);
        return;
    }
    /* step 2: the same (user, mechanism) twice */
    for (int i = 0; i < nd + nu; i++) {
        kc_str ni = i < nd ? r->deletions[i].name : r->upsertions[i - nd].name;
        int8_t mi = i < nd ? r->deletions[i].mechanism : r->upsertions[i - nd].mechanism;
        for (int k = i + 1; k < nd + nu; k++) {
            kc_str nk = k < nd ? r->deletions[k].name : r->upsertions[k - nd].name;
            int8_t mk = k < nd ? r->deletions[k].mechanism : r->upsertions[k - nd].mechanism;
            if (mi == mk && ni.len == nk.len &&
                (ni.len <= 0 || !memcmp(ni.p, nk.p, (size_t)ni.len)))
                fail_once(op, slot_of(op, ni), KC_ERR_DUPLICATE_RESOURCE,
                          "A user credential cannot be altered twice in the same request");
        }
    }
    op->pending = 1; /* held until every user is started */
    for (int i = 0; i < op->resp.results_count; i++) {
        if (op->resp.results[i].error_code != -2)
            continue;
        user_op *u = calloc(1, sizeof(*u));
        if (!u)
            kc_fatal("scram: out of memory");
        u->op = op;
        u->index = i;
        u->name = strndup(op->resp.results[i].user.p, (size_t)op->resp.results[i].user.len);
        if (!u->name)
            kc_fatal("scram: out of memory");
        if (kc_cfg_entity_sanitize(u->name, u->path_name, sizeof(u->path_name))) {
            set_result(req, &op->resp.results[i], KC_ERR_UNACCEPTABLE_CREDENTIAL,
                       "Username is too long");
            free(u->name);
            free(u);
            continue;
        }
        op->pending++;
        char path[900];
        snprintf(path, sizeof(path), "/config/users/%s", u->path_name);
        kc_zk_aget(req->broker->zk, path, 0, on_user_config, u);
    }
    if (--op->pending == 0)
        finish(op);
}
