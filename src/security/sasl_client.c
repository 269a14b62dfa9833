/* Client SASL exchanges for inter-broker connections (see sasl_client.h). */
#include "security/sasl_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "security/scram.h"

typedef struct session {
    kc_scram_client *scram; /* NULL for PLAIN */
    char *plain;            /* PLAIN: the token "\0user\0password" */
    size_t plain_len;
    int steps;
} session;

static void *start(const char *mechanism, const char *username, const char *password)
{
    session *s = calloc(1, sizeof(*s));
    if (!s)
        kc_fatal("sasl: out of memory");
    int mech = kc_scram_mechanism_parse(mechanism);
    if (mech > 0) {
        s->scram = kc_scram_client_new(mech, username, password);
    } else if (strcmp(mechanism, "PLAIN") == 0) {
        size_t ul = strlen(username), pl = strlen(password);
        s->plain_len = 1 + ul + 1 + pl;
        s->plain = malloc(s->plain_len);
        if (!s->plain)
            kc_fatal("sasl: out of memory");
        s->plain[0] = '\0';
        memcpy(s->plain + 1, username, ul);
        s->plain[1 + ul] = '\0';
        memcpy(s->plain + 2 + ul, password, pl);
    }
    if (!s->scram && !s->plain) {
        free(s);
        return NULL;
    }
    return s;
}

static int step(void *p, const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len,
                char *err, size_t errlen)
{
    session *s = p;
    char *tok = NULL;
    *out = NULL;
    *out_len = 0;
    switch (s->steps++) {
    case 0:
        if (s->plain) {
            *out = malloc(s->plain_len);
            if (!*out)
                kc_fatal("sasl: out of memory");
            memcpy(*out, s->plain, s->plain_len);
            *out_len = s->plain_len;
            return KC_IBSASL_CONTINUE;
        }
        if (kc_scram_client_first(s->scram, &tok, out_len)) {
            snprintf(err, errlen, "cannot build the SCRAM client-first-message");
            return KC_IBSASL_FAILED;
        }
        *out = (uint8_t *)tok;
        return KC_IBSASL_CONTINUE;
    case 1:
        if (s->plain)
            return KC_IBSASL_DONE; /* PLAIN's answer is an empty token */
        if (kc_scram_client_final(s->scram, in, in_len, &tok, out_len, err, errlen))
            return KC_IBSASL_FAILED;
        *out = (uint8_t *)tok;
        return KC_IBSASL_CONTINUE;
    case 2:
        if (s->scram && kc_scram_client_verify(s->scram, in, in_len, err, errlen) == 0)
            return KC_IBSASL_DONE;
        if (s->scram)
            return KC_IBSASL_FAILED;
        /* fallthrough */
    default:
        snprintf(err, errlen, "unexpected SASL token after the exchange");
        return KC_IBSASL_FAILED;
    }
}

static void session_free(void *p)
{
    session *s = p;
    if (!s)
        return;
    kc_scram_client_free(s->scram);
    if (s->plain) {
        OPENSSL_cleanse(s->plain, s->plain_len);
        free(s->plain);
    }
    free(s);
}

const kc_ibclient_sasl_ops *kc_sasl_client_ops(void)
{
    static const kc_ibclient_sasl_ops ops = {start, step, session_free};
    return &ops;
}
