/* SASL server exchanges (see sasl_server.h). PLAIN is one step; SCRAM is two (client-first ->
 * server-first, client-final -> server-final). The user name is fixed by the first SCRAM step
 * and only reported once the proof was verified. */
#include "security/sasl_server.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "security/scram.h"

#define USER_MAX 256

struct kc_sasl_server {
    char mechanism[32];
    const kc_jaas *plain_users;
    const kc_scram_store *store;
    kc_scram_server *scram; /* SCRAM only */
    int steps;
    bool done, failed;
    char user[USER_MAX];
};

kc_sasl_server *kc_sasl_server_new(const char *mechanism, const kc_jaas *plain_users,
                                   const kc_scram_store *store)
{
    int mech = kc_scram_mechanism_parse(mechanism);
    if (strcmp(mechanism, "PLAIN") != 0 && mech < 0)
        return NULL;
    kc_sasl_server *s = calloc(1, sizeof(*s));
    if (!s)
        kc_fatal("sasl: out of memory");
    snprintf(s->mechanism, sizeof(s->mechanism), "%s", mechanism);
    s->plain_users = plain_users;
    s->store = store;
    if (mech > 0 && !(s->scram = kc_scram_server_new(mech)))
        kc_fatal("sasl: cannot start a SCRAM exchange");
    return s;
}

static uint8_t *empty_token(size_t *len)
{
    uint8_t *t = malloc(1);
    if (!t)
        kc_fatal("sasl: out of memory");
    *len = 0;
    return t;
}

static bool same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
    /* CVE-2021-38153: compare in constant time (the length is not secret enough to hide) */
    return alen == blen && CRYPTO_memcmp(a, b, alen) == 0;
}

/* PLAIN: [authzid] NUL authcid NUL passwd (RFC 4616), checked as PlainSaslServer does. */
static int plain_step(kc_sasl_server *s, const uint8_t *in, size_t len, char *err, size_t errlen)
{
    const char *parts[3];
    size_t plen[3];
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && in[i] != 0)
            continue;
        if (n < 3) {
            parts[n] = (const char *)in + start;
            plen[n] = i - start;
        }
        n++;
        start = i + 1;
    }
    if (n != 3) {
        snprintf(err, errlen, "Invalid SASL/PLAIN response: expected 3 tokens, got %d", n);
        return KC_SASL_FAILED;
    }
    if (plen[1] == 0) {
        snprintf(err, errlen, "Authentication failed: username not specified");
        return KC_SASL_FAILED;
    }
    if (plen[2] == 0) {
        snprintf(err, errlen, "Authentication failed: password not specified");
        return KC_SASL_FAILED;
    }
    if (plen[0] && (plen[0] != plen[1] || memcmp(parts[0], parts[1], plen[1]) != 0)) {
        /* CVE-2017-12610: the principal is the authenticated name, never the requested one */
        snprintf(err, errlen,
                 "Authentication failed: Client requested an authorization id that is different "
                 "from username");
        return KC_SASL_FAILED;
    }
    char key[USER_MAX + 8];
    const char *want = NULL;
    if (plen[1] < USER_MAX && s->plain_users) {
        snprintf(key, sizeof(key), "user_%.*s", (int)plen[1], parts[1]);
        want = kc_jaas_get(s->plain_users, key);
    }
    if (!want || !same_secret(want, strlen(want), parts[2], plen[2])) {
        snprintf(err, errlen, "Authentication failed: Invalid username or password");
        return KC_SASL_FAILED;
    }
    memcpy(s->user, parts[1], plen[1]);
    s->user[plen[1]] = '\0';
    return KC_SASL_DONE;
}

static int scram_step(kc_sasl_server *s, const uint8_t *in, size_t len, uint8_t **out,
                      size_t *out_len, char *err, size_t errlen)
{
    char why[256];
    char *tok = NULL;
    if (s->steps == 1) {
        if (kc_scram_server_client_first(s->scram, in, len, s->user, sizeof(s->user), why,
                                         sizeof(why))) {
            snprintf(err, errlen, "%s", why);
            return KC_SASL_FAILED;
        }
        int mech = kc_scram_mechanism_parse(s->mechanism);
        const kc_scram_credential *cred = kc_scram_store_get(s->store, s->user, mech);
        if (kc_scram_server_first(s->scram, cred, &tok, out_len)) {
            snprintf(err, errlen, "Authentication failed: Invalid user credentials");
            return KC_SASL_FAILED;
        }
        *out = (uint8_t *)tok;
        return KC_SASL_CONTINUE;
    }
    if (kc_scram_server_client_final(s->scram, in, len, &tok, out_len, why, sizeof(why))) {
        kc_debug("SASL", "SCRAM authentication of '%s' failed: %s", s->user, why);
        snprintf(err, errlen,
                 "Authentication failed during authentication due to invalid credentials with "
                 "SASL mechanism %s",
                 s->mechanism);
        return KC_SASL_FAILED;
    }
    *out = (uint8_t *)tok;
    return KC_SASL_DONE;
}

int kc_sasl_server_step(kc_sasl_server *s, const uint8_t *in, size_t len, uint8_t **out,
                        size_t *out_len, char *err, size_t errlen)
{
    *out = NULL;
    *out_len = 0;
    if (s->done || s->failed) {
        snprintf(err, errlen, "Unexpected SASL token after the exchange ended");
        s->failed = true;
        return KC_SASL_FAILED;
    }
    s->steps++;
    int rc = s->scram ? scram_step(s, in, len, out, out_len, err, errlen)
                      : plain_step(s, in, len, err, errlen);
    if (rc == KC_SASL_DONE && !*out)
        *out = empty_token(out_len);
    s->done = rc == KC_SASL_DONE;
    s->failed = rc == KC_SASL_FAILED;
    if (s->failed) {
        free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return rc;
}

const char *kc_sasl_server_user(const kc_sasl_server *s)
{
    return s->done ? s->user : NULL;
}

const char *kc_sasl_server_mechanism(const kc_sasl_server *s)
{
    return s->mechanism;
}

void kc_sasl_server_free(void *p)
{
    kc_sasl_server *s = p;
    if (!s)
        return;
    kc_scram_server_free(s->scram);
    free(s);
}
