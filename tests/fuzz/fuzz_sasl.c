/*
 * Fuzz target: the SASL messages a peer sends before it is authenticated, and the SASL
 * configuration text: a PLAIN token (security/sasl_server), the SCRAM client-first and
 * client-final messages (security/scram, the server side, with a fixed server nonce so that a
 * valid proof can be reached, and through the broker's exchange as well), the server-first and
 * server-final messages the inter-broker client reads, a SCRAM credential string of
 * /config/users (parsed, formatted, parsed again: the same credential), and a JAAS line
 * (config/jaas).
 *
 * Input: byte 0 picks the mode (modulo FUZZ_SASL_MODES). PLAIN, credential and
 * JAAS take the rest whole; the SCRAM modes take two messages: a big-endian u16 length, the
 * first message, then the second (the rest).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/jaas.h"
#include "fuzz_common.h"
#include "security/sasl_server.h"
#include "security/scram.h"
#include "security/scram_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The modes: the first input byte modulo FUZZ_SASL_MODES. */
enum {
    FUZZ_SASL_PLAIN,      /* a PLAIN token through the broker's SASL exchange */
    FUZZ_SASL_SCRAM_256,  /* client-first, client-final to the SCRAM-SHA-256 server */
    FUZZ_SASL_SCRAM_512,  /* the same for SCRAM-SHA-512 */
    FUZZ_SASL_CLIENT,     /* server-first, server-final to the (inter-broker) client */
    FUZZ_SASL_CREDENTIAL, /* a credential string of /config/users (both mechanisms) */
    FUZZ_SASL_JAAS,       /* a sasl.jaas.config line */
    FUZZ_SASL_MODES
};

/* The fixed world of the target (tests/fuzz/seeds.py writes seeds that pass its checks).
 * RFC 7677 §3: user "user", password "pencil". */
#define FIX_USER     "user"
#define FIX_PASSWORD "pencil"
#define FIX_CNONCE   "rOprNGfwEbeRWgbNEkqO"
#define FIX_SNONCE   "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"

/* /config/users/user as Kafka writes it: RFC 7677's SCRAM-SHA-256 credential, and
 * SCRAM-SHA-512 for password "admin-secret" (keys computed with Python's hashlib) */
#define FIX_USER_JSON                                                                              \
    "{\"version\":1,\"config\":{\"SCRAM-SHA-256\":\"salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key="     \
    "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrm"  \
    "fPwDl2dU=,iterations=4096\",\"SCRAM-SHA-512\":\"salt=MWFiMmNkM2VmNGdoNWlqNmtsN21uOG9wOXE=,"   \
    "stored_key=Ikko9hdVy81bCCEv13LMEaEpCm9jJsKmTgxqIparJJD0g3DtYPcvJ1YlTXpGtxzaKkrIp2S7+h+AReBA"  \
    "vOapOg==,server_key=K4ErQSXuFmFbtXHH8uqxzVRPCeQ3bd4/7DZGXghYkkDOA9x8OKvG/BLkUzsdVG5szLaDKsbI" \
    "1H3w1bmX8vNM3g==,iterations=8192\"}}"

/* the PLAIN users of the listener */
#define FIX_PLAIN_JAAS                                                                             \
    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "         \
    "password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";"

static kc_scram_store *store;
static kc_jaas plain_users;

static void fixture(void)
{
    if (store)
        return;
    fuzz_quiet();
    store = kc_scram_store_new();
    FUZZ_CHECK(kc_scram_store_update(store, FIX_USER, FIX_USER_JSON, strlen(FIX_USER_JSON)) == 2);
    char err[256];
    FUZZ_CHECK(kc_jaas_parse(FIX_PLAIN_JAAS, &plain_users, err, sizeof(err)) == 0);
}

/* The broker's exchange (sasl_server.c): each token in turn while it continues. */
static void exchange(const char *mechanism, const uint8_t *m1, size_t l1, const uint8_t *m2,
                     size_t l2)
{
    kc_sasl_server *s = kc_sasl_server_new(mechanism, &plain_users, store);
    FUZZ_CHECK(s != NULL);
    const uint8_t *tok[3] = {m1, m2, m2};
    size_t len[3] = {l1, l2, l2};
    for (int i = 0; i < 3; i++) {
        uint8_t *out;
        size_t out_len;
        char err[512];
        int rc = kc_sasl_server_step(s, tok[i], len[i], &out, &out_len, err, sizeof(err));
        FUZZ_CHECK((rc == KC_SASL_FAILED) == (out == NULL));
        FUZZ_CHECK(rc != KC_SASL_DONE || kc_sasl_server_user(s) != NULL);
        free(out);
        if (rc != KC_SASL_CONTINUE)
            break;
    }
    kc_sasl_server_free(s);
}

static void scram_server(int mech, const uint8_t *m1, size_t l1, const uint8_t *m2, size_t l2)
{
    kc_scram_server *s = kc_scram_server_new(mech);
    kc_scram_server_set_nonce(s, FIX_SNONCE);
    char user[256], err[256];
    if (kc_scram_server_client_first(s, m1, l1, user, sizeof(user), err, sizeof(err)) == 0) {
        FUZZ_CHECK(strlen(user) > 0);
        char *first, *final;
        size_t first_len, final_len;
        const kc_scram_credential *cred = kc_scram_store_get(store, user, mech);
        FUZZ_CHECK(kc_scram_server_first(s, cred, &first, &first_len) == 0);
        if (kc_scram_server_client_final(s, m2, l2, &final, &final_len, err, sizeof(err)) == 0) {
            FUZZ_CHECK(cred != NULL); /* no proof passes for a user without a credential */
            free(final);
        }
        free(first);
    }
    kc_scram_server_free(s);
    exchange(kc_scram_mechanism_name(mech), m1, l1, m2, l2);
}

/* The iteration count of a server-first message, as text: the client runs PBKDF2 with it (no
 * upper bound, as Kafka's client), so only counts of at most 4 digits are fuzzed here. */
static bool few_iterations(const uint8_t *m, size_t l)
{
    for (size_t i = 0; i + 3 <= l; i++)
        if (m[i] == ',' && m[i + 1] == 'i' && m[i + 2] == '=') {
            size_t n = 0;
            while (i + 3 + n < l && m[i + 3 + n] != ',')
                n++;
            return n <= 4;
        }
    return true;
}

static void scram_client(const uint8_t *m1, size_t l1, const uint8_t *m2, size_t l2)
{
    if (!few_iterations(m1, l1))
        return;
    kc_scram_client *c = kc_scram_client_new(KC_SCRAM_SHA_256, FIX_USER, FIX_PASSWORD);
    kc_scram_client_set_nonce(c, FIX_CNONCE);
    char *first, *final, err[256];
    size_t first_len, final_len;
    FUZZ_CHECK(kc_scram_client_first(c, &first, &first_len) == 0);
    if (kc_scram_client_final(c, m1, l1, &final, &final_len, err, sizeof(err)) == 0) {
        kc_scram_client_verify(c, m2, l2, err, sizeof(err));
        free(final);
    }
    free(first);
    kc_scram_client_free(c);
}

static void credential(const char *s, size_t len)
{
    for (int mech = KC_SCRAM_SHA_256; mech <= KC_SCRAM_SHA_512; mech++) {
        kc_scram_credential c, c2;
        if (kc_scram_credential_parse(mech, s, len, &c))
            continue;
        char *again = kc_scram_credential_format(&c);
        FUZZ_CHECK(again != NULL);
        FUZZ_CHECK(kc_scram_credential_parse(mech, again, strlen(again), &c2) == 0);
        size_t h = kc_scram_hash_len(mech);
        FUZZ_CHECK(c.salt_len == c2.salt_len && memcmp(c.salt, c2.salt, c.salt_len) == 0);
        FUZZ_CHECK(memcmp(c.stored_key, c2.stored_key, h) == 0);
        FUZZ_CHECK(memcmp(c.server_key, c2.server_key, h) == 0 && c.iterations == c2.iterations);
        free(again);
    }
}

static void jaas(const uint8_t *p, size_t len)
{
    char *text = malloc(len + 1), err[256];
    FUZZ_CHECK(text != NULL);
    memcpy(text, p, len);
    text[len] = '\0';
    kc_jaas j = {0};
    if (kc_jaas_parse(text, &j, err, sizeof(err)) == 0) {
        FUZZ_CHECK(j.login_module != NULL && j.flag != NULL);
        kc_jaas_get(&j, "username");
        kc_jaas_free(&j);
    }
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fixture();
    if (size < 1)
        return 0;
    int mode = data[0] % FUZZ_SASL_MODES;
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    /* the two messages of the SCRAM modes */
    size_t l1 = len >= 2 ? (size_t)(p[0] << 8 | p[1]) : 0;
    const uint8_t *m1 = p + (len >= 2 ? 2 : len);
    if (l1 > len - (size_t)(m1 - p))
        l1 = len - (size_t)(m1 - p);
    const uint8_t *m2 = m1 + l1;
    size_t l2 = len - (size_t)(m2 - p);
    switch (mode) {
    case FUZZ_SASL_PLAIN:
        exchange("PLAIN", p, len, p, len);
        break;
    case FUZZ_SASL_SCRAM_256:
        scram_server(KC_SCRAM_SHA_256, m1, l1, m2, l2);
        break;
    case FUZZ_SASL_SCRAM_512:
        scram_server(KC_SCRAM_SHA_512, m1, l1, m2, l2);
        break;
    case FUZZ_SASL_CLIENT:
        scram_client(m1, l1, m2, l2);
        break;
    case FUZZ_SASL_CREDENTIAL:
        credential((const char *)p, len);
        break;
    default:
        jaas(p, len);
    }
    return 0;
}
