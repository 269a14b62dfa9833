/*
 * SCRAM-SHA-256/512 (see scram.h for the contract and the Kafka sources it follows).
 *
 * Structure: a strict base64 codec and the SCRAM primitives (Hi, HMAC, H) over OpenSSL; the
 * credential and its ZooKeeper string; then the two state machines. Messages are parsed by
 * walking their comma-separated attributes with explicit lengths; a message is copied only
 * after its length has been checked against KC_SCRAM_MAX_MESSAGE, and every buffer is sized
 * from lengths already bounded that way. Secrets (salted password, keys, proofs) live in the
 * objects or on the stack and are cleansed with OPENSSL_cleanse when no longer needed.
 *
 * Global state: fake_key (per-process random key for unknown users' fake credentials), set
 * once through pthread_once and read-only afterwards.
 */
#include "security/scram.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define NONCE_RAW_BYTES   24  /* random bytes of a generated nonce: 32 base64 characters */
#define MAX_TEST_NONCE    255 /* longest nonce the test hooks accept */
#define MAX_CLIENT_USER   8192
#define FAKE_ITERATIONS   4096 /* Kafka's default (kafka-configs) */
#define FAKE_RANDOM_BYTES 17   /* 130 bits, as ScramFormatter.secureRandomString */

/* ---------------------------------------------------------------- helpers */

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static const EVP_MD *md_of(int mech)
{
    switch (mech) {
    case KC_SCRAM_SHA_256:
        return EVP_sha256();
    case KC_SCRAM_SHA_512:
        return EVP_sha512();
    default:
        return NULL;
    }
}

const char *kc_scram_mechanism_name(int mech)
{
    switch (mech) {
    case KC_SCRAM_SHA_256:
        return "SCRAM-SHA-256";
    case KC_SCRAM_SHA_512:
        return "SCRAM-SHA-512";
    default:
        return NULL;
    }
}

int kc_scram_mechanism_parse(const char *name)
{
    if (name == NULL)
        return -1;
    if (strcmp(name, "SCRAM-SHA-256") == 0)
        return KC_SCRAM_SHA_256;
    if (strcmp(name, "SCRAM-SHA-512") == 0)
        return KC_SCRAM_SHA_512;
    return -1;
}

size_t kc_scram_hash_len(int mech)
{
    switch (mech) {
    case KC_SCRAM_SHA_256:
        return 32;
    case KC_SCRAM_SHA_512:
        return 64;
    default:
        return 0;
    }
}

/* Attribute characters of Kafka's grammar (ScramMessages.AbstractScramMessage). */
static bool is_printable(uint8_t c) /* PRINTABLE: nonces */
{
    return c >= 0x21 && c <= 0x7e && c != ',';
}

static bool is_value(uint8_t c) /* VALUE: extension values */
{
    return c >= 0x01 && c <= 0x7f && c != ',';
}

static bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Index of the first ',' in p[from, n), or n. */
static size_t next_comma(const uint8_t *p, size_t n, size_t from)
{
    const uint8_t *c = from < n ? memchr(p + from, ',', n - from) : NULL;
    return c ? (size_t)(c - p) : n;
}

static bool has_prefix(const uint8_t *p, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    return n >= k && memcmp(p, pre, k) == 0;
}

static bool all_printable(const uint8_t *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_printable(p[i]))
            return false;
    return true;
}

/* One extension attribute "<alpha>+=<value>+" (EXTENSIONS in Kafka's grammar). */
static bool is_extension(const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && is_alpha(p[k]))
        k++;
    if (k == 0 || k + 1 >= n || p[k] != '=')
        return false;
    for (size_t i = k + 1; i < n; i++)
        if (!is_value(p[i]))
            return false;
    return true;
}

/* Decimal digits only, 1..INT32_MAX. */
static int parse_count(const uint8_t *p, size_t n, int32_t *out)
{
    if (n == 0)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
        if (v > INT32_MAX)
            return -1;
    }
    if (v < 1)
        return -1;
    *out = (int32_t)v;
    return 0;
}

/* A nonce for the test hooks: 1..MAX_TEST_NONCE printable characters. */
static bool test_nonce_ok(const char *n)
{
    if (n == NULL)
        return false;
    size_t len = strnlen(n, MAX_TEST_NONCE + 1);
    return len <= MAX_TEST_NONCE && all_printable((const uint8_t *)n, len);
}

/* ---------------------------------------------------------------- base64 (RFC 4648 §4) */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

/* Writes b64_len(n) characters and a NUL. */
static void b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = B64[w >> 18];
        out[o++] = B64[(w >> 12) & 63];
        out[o++] = B64[(w >> 6) & 63];
        out[o++] = B64[w & 63];
    }
    if (n - i == 1) {
        uint32_t w = (uint32_t)in[i] << 16;
        out[o++] = B64[w >> 18];
        out[o++] = B64[(w >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = B64[w >> 18];
        out[o++] = B64[(w >> 12) & 63];
        out[o++] = B64[(w >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

static int b64_val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/*
 * Strict decode: length a multiple of 4, alphabet only, '=' only as the last one or two
 * characters, unused trailing bits zero (canonical). At most @p cap bytes are written; a longer
 * result is an error. Empty input decodes to 0 bytes.
 */
static int b64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    if (n % 4 != 0)
        return -1;
    size_t pad = 0;
    if (n >= 4 && in[n - 1] == '=')
        pad = in[n - 2] == '=' ? 2 : 1;
    size_t olen = n / 4 * 3 - pad;
    if (olen > cap)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        size_t valid = (i + 4 == n) ? 4 - pad : 4;
        int v[4] = {0, 0, 0, 0};
        for (size_t k = 0; k < valid; k++)
            if ((v[k] = b64_val(in[i + k])) < 0)
                return -1;
        if (valid == 2 && (v[1] & 0x0f) != 0)
            return -1;
        if (valid == 3 && (v[2] & 0x03) != 0)
            return -1;
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        out[o++] = (uint8_t)(w >> 16);
        if (valid >= 3)
            out[o++] = (uint8_t)(w >> 8);
        if (valid == 4)
            out[o++] = (uint8_t)w;
    }
    *out_len = o;
    return 0;
}

/* ---------------------------------------------------------------- SCRAM primitives */

static int hmac(int mech, const uint8_t *key, size_t key_len, const void *data, size_t len,
                uint8_t *out)
{
    unsigned int olen = 0;
    if (key_len > INT_MAX)
        return -1;
    if (HMAC(md_of(mech), key, (int)key_len, data, len, out, &olen) == NULL ||
        olen != kc_scram_hash_len(mech))
        return -1;
    return 0;
}

static int hash(int mech, const uint8_t *data, size_t len, uint8_t *out)
{
    unsigned int olen = 0;
    if (EVP_Digest(data, len, out, &olen, md_of(mech), NULL) != 1 ||
        olen != kc_scram_hash_len(mech))
        return -1;
    return 0;
}

/* Hi() of RFC 5802 §2.2 is PBKDF2 (RFC 8018) with HMAC-H and dkLen = hash length; the
 * PKCS5_ entry point runs it without SP 800-132's lower bounds. */
static int hi(int mech, const char *pw, size_t pw_len, const uint8_t *salt, size_t salt_len,
              int32_t iterations, uint8_t *out)
{
    static const char empty[1] = "";
    if (pw_len > INT_MAX || salt_len > INT_MAX || iterations < 1)
        return -1;
    if (PKCS5_PBKDF2_HMAC(pw_len ? pw : empty, (int)pw_len, salt, (int)salt_len, iterations,
                          md_of(mech), (int)kc_scram_hash_len(mech), out) != 1)
        return -1;
    return 0;
}

/* StoredKey and ServerKey from a salted password (RFC 5802 §3). */
static int keys_from_salted(int mech, const uint8_t *salted, uint8_t *stored_key,
                            uint8_t *server_key)
{
    size_t h = kc_scram_hash_len(mech);
    uint8_t client_key[KC_SCRAM_MAX_HASH_LEN];
    int rc = -1;
    if (hmac(mech, salted, h, "Client Key", 10, client_key) == 0 &&
        hash(mech, client_key, h, stored_key) == 0 &&
        hmac(mech, salted, h, "Server Key", 10, server_key) == 0)
        rc = 0;
    OPENSSL_cleanse(client_key, sizeof(client_key));
    return rc;
}

static bool build_args_ok(int mech, const uint8_t *salt, size_t salt_len, int32_t iterations)
{
    return md_of(mech) != NULL && salt != NULL && salt_len >= 1 &&
           salt_len <= KC_SCRAM_MAX_SALT_BYTES && iterations >= KC_SCRAM_MIN_ITERATIONS &&
           iterations <= KC_SCRAM_MAX_ITERATIONS;
}

int kc_scram_salted_password(int mech, const char *password, size_t password_len,
                             const uint8_t *salt, size_t salt_len, int32_t iterations, uint8_t *out)
{
    if (!build_args_ok(mech, salt, salt_len, iterations) || out == NULL ||
        (password == NULL && password_len != 0))
        return -1;
    return hi(mech, password, password_len, salt, salt_len, iterations, out);
}

int kc_scram_credential_from_salted(int mech, const uint8_t *salted, size_t salted_len,
                                    const uint8_t *salt, size_t salt_len, int32_t iterations,
                                    kc_scram_credential *out)
{
    if (!build_args_ok(mech, salt, salt_len, iterations) || out == NULL || salted == NULL ||
        salted_len != kc_scram_hash_len(mech))
        return -1;
    kc_scram_credential c;
    memset(&c, 0, sizeof(c));
    c.mech = mech;
    memcpy(c.salt, salt, salt_len);
    c.salt_len = salt_len;
    c.iterations = iterations;
    if (keys_from_salted(mech, salted, c.stored_key, c.server_key) != 0) {
        OPENSSL_cleanse(&c, sizeof(c));
        return -1;
    }
    *out = c;
    OPENSSL_cleanse(&c, sizeof(c));
    return 0;
}

int kc_scram_credential_from_password(int mech, const char *password, size_t password_len,
                                      const uint8_t *salt, size_t salt_len, int32_t iterations,
                                      kc_scram_credential *out)
{
    uint8_t salted[KC_SCRAM_MAX_HASH_LEN];
    if (out == NULL || kc_scram_salted_password(mech, password, password_len, salt, salt_len,
                                                iterations, salted) != 0)
        return -1;
    int rc = kc_scram_credential_from_salted(mech, salted, kc_scram_hash_len(mech), salt, salt_len,
                                             iterations, out);
    OPENSSL_cleanse(salted, sizeof(salted));
    return rc;
}

/* ---------------------------------------------------------------- ZooKeeper string form */

int kc_scram_credential_parse(int mech, const char *s, size_t len, kc_scram_credential *out)
{
    static const char *const KEYS[4] = {"salt", "stored_key", "server_key", "iterations"};
    size_t h = kc_scram_hash_len(mech);
    if (h == 0 || s == NULL || out == NULL || len > KC_SCRAM_MAX_MESSAGE)
        return -1;
    const uint8_t *p = (const uint8_t *)s;
    kc_scram_credential c;
    memset(&c, 0, sizeof(c));
    c.mech = mech;
    bool seen[4] = {false, false, false, false};
    int rc = -1;
    for (size_t i = 0;;) {
        size_t end = next_comma(p, len, i);
        const uint8_t *eq = memchr(p + i, '=', end - i);
        if (eq == NULL || eq == p + i)
            goto out;
        size_t klen = (size_t)(eq - (p + i));
        const uint8_t *v = eq + 1;
        size_t vlen = end - (size_t)(v - p);
        int k = -1;
        for (int j = 0; j < 4; j++)
            if (strlen(KEYS[j]) == klen && memcmp(KEYS[j], p + i, klen) == 0)
                k = j;
        if (k < 0 || seen[k])
            goto out;
        seen[k] = true;
        size_t n = 0;
        switch (k) {
        case 0:
            if (b64_decode(v, vlen, c.salt, sizeof(c.salt), &n) != 0 || n == 0)
                goto out;
            c.salt_len = n;
            break;
        case 1:
        case 2:
            if (b64_decode(v, vlen, k == 1 ? c.stored_key : c.server_key, h, &n) != 0 || n != h)
                goto out;
            break;
        default:
            if (parse_count(v, vlen, &c.iterations) != 0)
                goto out;
        }
        if (end == len)
            break;
        i = end + 1;
    }
    if (seen[0] && seen[1] && seen[2] && seen[3]) {
        *out = c;
        rc = 0;
    }
out:
    OPENSSL_cleanse(&c, sizeof(c));
    return rc;
}

char *kc_scram_credential_format(const kc_scram_credential *c)
{
    if (c == NULL)
        return NULL;
    size_t h = kc_scram_hash_len(c->mech);
    if (h == 0 || c->salt_len < 1 || c->salt_len > KC_SCRAM_MAX_SALT_BYTES)
        return NULL;
    char salt[b64_len(KC_SCRAM_MAX_SALT_BYTES) + 1];
    char stored[b64_len(KC_SCRAM_MAX_HASH_LEN) + 1], server[b64_len(KC_SCRAM_MAX_HASH_LEN) + 1];
    b64_encode(c->salt, c->salt_len, salt);
    b64_encode(c->stored_key, h, stored);
    b64_encode(c->server_key, h, server);
    size_t cap = sizeof(salt) + sizeof(stored) + sizeof(server) + 64;
    char *s = malloc(cap);
    if (s != NULL)
        snprintf(s, cap, "salt=%s,stored_key=%s,server_key=%s,iterations=%d", salt, stored, server,
                 (int)c->iterations);
    return s;
}

/* ---------------------------------------------------------------- fake credentials */

static pthread_once_t fake_once = PTHREAD_ONCE_INIT;
static uint8_t fake_key[32];
static bool fake_key_ok;

static void fake_key_init(void)
{
    fake_key_ok = RAND_bytes(fake_key, sizeof(fake_key)) == 1;
}

/*
 * The credential answered for a user that has none: every byte an HMAC-SHA-512 of the name
 * under the per-process key, so the same name gets the same reply for the life of the process.
 * The salt imitates Kafka's own (ScramFormatter.secureRandomBytes: a 130-bit number in base 36,
 * as ASCII), which is what credentials made by kafka-configs carry.
 */
static int fake_credential(int mech, const char *user, size_t user_len, kc_scram_credential *c)
{
    uint8_t k[64], d[64];
    unsigned int klen = 0, dlen = 0;
    const char *name = kc_scram_mechanism_name(mech);
    pthread_once(&fake_once, fake_key_init);
    if (!fake_key_ok || name == NULL)
        return -1;
    memset(c, 0, sizeof(*c));
    c->mech = mech;
    c->iterations = FAKE_ITERATIONS;
    /* d = HMAC(HMAC(fake_key, mechanism name), user): one salt per (user, mechanism), as real
     * users have; bytes 0..16 read as a 130-bit big-endian number, written in base 36 */
    bool ok =
        HMAC(EVP_sha512(), fake_key, (int)sizeof(fake_key), (const uint8_t *)name, strlen(name), k,
             &klen) != NULL &&
        klen == sizeof(k) &&
        HMAC(EVP_sha512(), k, (int)sizeof(k), (const uint8_t *)user, user_len, d, &dlen) != NULL &&
        dlen == sizeof(d);
    OPENSSL_cleanse(k, sizeof(k));
    if (!ok)
        return -1;
    uint8_t num[FAKE_RANDOM_BYTES];
    memcpy(num, d, sizeof(num));
    num[0] &= 0x03; /* 136 - 6 = 130 bits */
    char digits[32];
    size_t nd = 0;
    for (;;) {
        bool zero = true;
        unsigned rem = 0;
        for (size_t i = 0; i < sizeof(num); i++) {
            unsigned cur = rem << 8 | num[i];
            num[i] = (uint8_t)(cur / 36);
            rem = cur % 36;
            if (num[i] != 0)
                zero = false;
        }
        digits[nd++] = "0123456789abcdefghijklmnopqrstuvwxyz"[rem];
        if (zero || nd == sizeof(digits))
            break;
    }
    for (size_t i = 0; i < nd; i++)
        c->salt[i] = (uint8_t)digits[nd - 1 - i];
    c->salt_len = nd;
    /* keys: never matched (the final step fails on the fake flag), only shaped like real ones */
    memcpy(c->stored_key, d, sizeof(c->stored_key));
    memcpy(c->server_key, d, sizeof(c->server_key));
    OPENSSL_cleanse(d, sizeof(d));
    return 0;
}

/* A fresh nonce: NONCE_RAW_BYTES from RAND_bytes in base64 (no padding, no ','). */
static int random_nonce(char *out /* b64_len(NONCE_RAW_BYTES) + 1 */)
{
    uint8_t r[NONCE_RAW_BYTES];
    if (RAND_bytes(r, sizeof(r)) != 1)
        return -1;
    b64_encode(r, sizeof(r), out);
    return 0;
}

/* AuthMessage = client-first-message-bare "," server-first-message ","
 * client-final-message-without-proof (RFC 5802 §3); malloc'd, *len set. */
static uint8_t *auth_message(const void *bare, size_t bare_len, const void *first, size_t first_len,
                             const void *final, size_t final_len, size_t *len)
{
    size_t n = bare_len + 1 + first_len + 1 + final_len;
    uint8_t *m = malloc(n);
    if (m == NULL)
        return NULL;
    memcpy(m, bare, bare_len);
    m[bare_len] = ',';
    memcpy(m + bare_len + 1, first, first_len);
    m[bare_len + 1 + first_len] = ',';
    memcpy(m + bare_len + 2 + first_len, final, final_len);
    *len = n;
    return m;
}

/* ---------------------------------------------------------------- server */

typedef enum {
    SV_WANT_CLIENT_FIRST,
    SV_WANT_SERVER_FIRST,
    SV_WANT_CLIENT_FINAL,
    SV_COMPLETE,
    SV_FAILED
} sv_state;

struct kc_scram_server {
    int mech;
    sv_state state;
    uint8_t *client_first; /* client-first-message as received */
    size_t client_first_len;
    size_t gs2_len;                /* the gs2 header is client_first[0, gs2_len) */
    size_t cnonce_off, cnonce_len; /* the client nonce inside client_first */
    char *user;                    /* unescaped, NUL-terminated */
    size_t user_len;
    char *server_first; /* server-first-message as sent; NUL-terminated */
    size_t server_first_len;
    size_t nonce_len; /* combined nonce: server_first + 2 */
    kc_scram_credential cred;
    bool fake;
    char test_nonce[MAX_TEST_NONCE + 1]; /* "" when unset */
};

kc_scram_server *kc_scram_server_new(int mech)
{
    if (md_of(mech) == NULL)
        return NULL;
    kc_scram_server *s = calloc(1, sizeof(*s));
    if (s != NULL)
        s->mech = mech;
    return s;
}

static void server_clear(kc_scram_server *s)
{
    OPENSSL_cleanse(&s->cred, sizeof(s->cred));
    free(s->client_first);
    free(s->user);
    free(s->server_first);
    s->client_first = NULL;
    s->user = NULL;
    s->server_first = NULL;
}

void kc_scram_server_free(kc_scram_server *s)
{
    if (s == NULL)
        return;
    server_clear(s);
    free(s);
}

void kc_scram_server_set_nonce(kc_scram_server *s, const char *server_nonce)
{
    if (s != NULL && test_nonce_ok(server_nonce))
        snprintf(s->test_nonce, sizeof(s->test_nonce), "%s", server_nonce);
}

static int server_fail(kc_scram_server *s, char *err, size_t errlen, const char *why)
{
    set_err(err, errlen, "%s", why);
    server_clear(s);
    s->state = SV_FAILED;
    return -1;
}

/* Unescape a saslname (RFC 5802 §5.1: "=2C" is ',', "=3D" is '='; Kafka's grammar admits
 * 0x01..0x7F otherwise) into out[cap]. 0, -1 malformed, -2 longer than cap - 1. */
static int saslname_decode(const uint8_t *p, size_t n, char *out, size_t cap, size_t *olen)
{
    size_t o = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n;) {
        char ch;
        if (p[i] == '=') {
            if (n - i < 3)
                return -1;
            if (p[i + 1] == '2' && p[i + 2] == 'C')
                ch = ',';
            else if (p[i + 1] == '3' && p[i + 2] == 'D')
                ch = '=';
            else
                return -1;
            i += 3;
        } else if (p[i] >= 0x01 && p[i] <= 0x7f && p[i] != ',') {
            ch = (char)p[i++];
        } else {
            return -1;
        }
        if (o + 1 >= cap)
            return -2;
        out[o++] = ch;
    }
    out[o] = '\0';
    *olen = o;
    return 0;
}

/* Boolean.parseBoolean: "true" in any case. */
static bool is_true(const uint8_t *p, size_t n)
{
    static const char T[] = "true";
    if (n != 4)
        return false;
    for (size_t i = 0; i < 4; i++)
        if ((p[i] | 0x20) != T[i])
            return false;
    return true;
}

int kc_scram_server_client_first(kc_scram_server *s, const uint8_t *msg, size_t len, char *user,
                                 size_t user_cap, char *err, size_t errlen)
{
    static const char BAD[] = "Invalid SCRAM client first message format";
    if (s == NULL)
        return -1;
    if (s->state != SV_WANT_CLIENT_FIRST)
        return server_fail(s, err, errlen, "unexpected message");
    if (msg == NULL || user == NULL || user_cap == 0)
        return server_fail(s, err, errlen, "invalid arguments");
    if (len > KC_SCRAM_MAX_MESSAGE)
        return server_fail(s, err, errlen, "SCRAM message too large");

    /* gs2-header: "n," [ "a=" saslname ] "," */
    if (len < 1 || msg[0] != 'n')
        return server_fail(s, err, errlen,
                           len >= 1 && (msg[0] == 'y' || msg[0] == 'p')
                               ? "SCRAM channel binding is not supported"
                               : BAD);
    if (len < 2 || msg[1] != ',')
        return server_fail(s, err, errlen, BAD);
    size_t i = 2;
    size_t az_end = next_comma(msg, len, i);
    if (az_end == len)
        return server_fail(s, err, errlen, BAD);
    size_t az_off = i, az_len = az_end - i;
    if (az_len != 0 && !has_prefix(msg + i, az_len, "a="))
        return server_fail(s, err, errlen, BAD);
    size_t gs2_len = az_end + 1;

    /* client-first-message-bare: [reserved-mext ","] "n=" saslname ",r=" nonce [extensions] */
    i = gs2_len;
    if (has_prefix(msg + i, len - i, "m="))
        return server_fail(s, err, errlen, "Unsupported SCRAM mandatory extension");
    if (!has_prefix(msg + i, len - i, "n="))
        return server_fail(s, err, errlen, BAD);
    size_t name_off = i + 2, name_end = next_comma(msg, len, name_off);
    if (name_end == len || !has_prefix(msg + name_end + 1, len - name_end - 1, "r="))
        return server_fail(s, err, errlen, BAD);
    size_t cnonce_off = name_end + 3, cnonce_end = next_comma(msg, len, cnonce_off);
    if (!all_printable(msg + cnonce_off, cnonce_end - cnonce_off))
        return server_fail(s, err, errlen, BAD);
    for (i = cnonce_end; i < len;) {
        size_t start = i + 1, end = next_comma(msg, len, start);
        if (!is_extension(msg + start, end - start))
            return server_fail(s, err, errlen, BAD);
        if (has_prefix(msg + start, end - start, "tokenauth=") &&
            is_true(msg + start + 10, end - start - 10))
            return server_fail(s, err, errlen, "Delegation token authentication is not supported");
        i = end;
    }

    size_t name_len = name_end - name_off, ulen = 0;
    int rc = saslname_decode(msg + name_off, name_len, user, user_cap, &ulen);
    if (rc == -2)
        return server_fail(s, err, errlen, "SCRAM user name too long");
    if (rc != 0)
        return server_fail(s, err, errlen, "Invalid username in SCRAM client first message");
    if (az_len != 0) {
        /* the authzid unescapes to at most as many bytes as it has */
        char *az = malloc(az_len);
        size_t alen = 0;
        if (az == NULL)
            return server_fail(s, err, errlen, "out of memory");
        rc = saslname_decode(msg + az_off + 2, az_len - 2, az, az_len, &alen);
        bool same = rc == 0 && alen == ulen && memcmp(az, user, ulen) == 0;
        free(az);
        if (rc != 0)
            return server_fail(s, err, errlen, BAD);
        if (!same)
            return server_fail(s, err, errlen,
                               "Authentication failed: Client requested an authorization id "
                               "that is different from username");
    }

    s->client_first = malloc(len);
    s->user = malloc(ulen + 1);
    if (s->client_first == NULL || s->user == NULL)
        return server_fail(s, err, errlen, "out of memory");
    memcpy(s->client_first, msg, len);
    memcpy(s->user, user, ulen + 1);
    s->client_first_len = len;
    s->gs2_len = gs2_len;
    s->cnonce_off = cnonce_off;
    s->cnonce_len = cnonce_end - cnonce_off;
    s->user_len = ulen;
    s->state = SV_WANT_SERVER_FIRST;
    return 0;
}

int kc_scram_server_first(kc_scram_server *s, const kc_scram_credential *cred, char **out,
                          size_t *out_len)
{
    if (s == NULL)
        return -1;
    if (s->state != SV_WANT_SERVER_FIRST || out == NULL || out_len == NULL)
        return server_fail(s, NULL, 0, "");
    if (cred != NULL) {
        if (cred->mech != s->mech || cred->iterations < KC_SCRAM_MIN_ITERATIONS ||
            cred->salt_len < 1 || cred->salt_len > KC_SCRAM_MAX_SALT_BYTES)
            return server_fail(s, NULL, 0, "");
        s->cred = *cred;
        s->fake = false;
    } else {
        if (fake_credential(s->mech, s->user, s->user_len, &s->cred) != 0)
            return server_fail(s, NULL, 0, "");
        s->fake = true;
    }

    char rnd[b64_len(NONCE_RAW_BYTES) + 1];
    const char *snonce = s->test_nonce;
    if (snonce[0] == '\0') {
        if (random_nonce(rnd) != 0)
            return server_fail(s, NULL, 0, "");
        snonce = rnd;
    }
    size_t snonce_len = strlen(snonce);
    char salt[b64_len(KC_SCRAM_MAX_SALT_BYTES) + 1];
    b64_encode(s->cred.salt, s->cred.salt_len, salt);
    /* "r=" nonce ",s=" salt ",i=" count: lengths bounded by the 64 KiB client message */
    size_t cap = 2 + s->cnonce_len + snonce_len + 3 + strlen(salt) + 3 + 11 + 1;
    char *m = malloc(cap);
    if (m == NULL)
        return server_fail(s, NULL, 0, "");
    int n = snprintf(m, cap, "r=%.*s%s,s=%s,i=%d", (int)s->cnonce_len,
                     (const char *)s->client_first + s->cnonce_off, snonce, salt,
                     (int)s->cred.iterations);
    if (n < 0 || (size_t)n >= cap) {
        free(m);
        return server_fail(s, NULL, 0, "");
    }
    char *copy = malloc((size_t)n + 1);
    if (copy == NULL) {
        free(m);
        return server_fail(s, NULL, 0, "");
    }
    memcpy(copy, m, (size_t)n + 1);
    s->server_first = copy;
    s->server_first_len = (size_t)n;
    s->nonce_len = s->cnonce_len + snonce_len;
    s->state = SV_WANT_CLIENT_FINAL;
    *out = m;
    *out_len = (size_t)n;
    return 0;
}

int kc_scram_server_client_final(kc_scram_server *s, const uint8_t *msg, size_t len, char **out,
                                 size_t *out_len, char *err, size_t errlen)
{
    static const char BAD[] = "Invalid SCRAM client final message format";
    if (s == NULL)
        return -1;
    if (s->state != SV_WANT_CLIENT_FINAL)
        return server_fail(s, err, errlen, "unexpected message");
    if (msg == NULL || out == NULL || out_len == NULL)
        return server_fail(s, err, errlen, "invalid arguments");
    if (len > KC_SCRAM_MAX_MESSAGE)
        return server_fail(s, err, errlen, "SCRAM message too large");

    /* "c=" b64 ",r=" nonce ("," ext)* ",p=" b64 */
    if (!has_prefix(msg, len, "c="))
        return server_fail(s, err, errlen, BAD);
    size_t cb_end = next_comma(msg, len, 2);
    if (cb_end == len || !has_prefix(msg + cb_end + 1, len - cb_end - 1, "r="))
        return server_fail(s, err, errlen, BAD);
    size_t r_off = cb_end + 3, r_end = next_comma(msg, len, r_off);
    if (r_end == len || !all_printable(msg + r_off, r_end - r_off))
        return server_fail(s, err, errlen, BAD);
    size_t p_start = r_end + 1; /* start of the last attribute */
    for (;;) {
        size_t end = next_comma(msg, len, p_start);
        if (end == len)
            break;
        if (!is_extension(msg + p_start, end - p_start))
            return server_fail(s, err, errlen, BAD);
        p_start = end + 1;
    }
    if (!has_prefix(msg + p_start, len - p_start, "p="))
        return server_fail(s, err, errlen, BAD);

    /* channel binding: exactly the gs2 header of the client-first-message. Canonical base64
     * is unique, so comparing with our encoding of the header is comparing the decoded bytes. */
    size_t cb_len = b64_len(s->gs2_len);
    bool cb_ok = false;
    if (cb_end - 2 == cb_len) {
        char *cb = malloc(cb_len + 1);
        if (cb == NULL)
            return server_fail(s, err, errlen, "out of memory");
        b64_encode(s->client_first, s->gs2_len, cb);
        cb_ok = memcmp(cb, msg + 2, cb_len) == 0;
        free(cb);
    }
    if (!cb_ok)
        return server_fail(s, err, errlen, "Invalid channel binding in the final client message.");
    /* CVE-2024-56128: the nonce must be the combined nonce, byte for byte, or the client nonce
     * followed by it: librdkafka up to 2.6.0 repeats its own nonce (confluentinc/librdkafka#4895;
     * Kafka 3.8.1 accepts any nonce ending with the combined one for that reason) */
    size_t r_len = r_end - r_off, extra = r_len - s->nonce_len;
    bool doubled = r_len == s->cnonce_len + s->nonce_len &&
                   memcmp(msg + r_off, s->server_first + 2, s->cnonce_len) == 0;
    if ((r_len != s->nonce_len && !doubled) ||
        CRYPTO_memcmp(msg + r_off + (doubled ? extra : 0), s->server_first + 2, s->nonce_len) != 0)
        return server_fail(s, err, errlen, "Invalid client nonce in the final client message.");
    size_t h = kc_scram_hash_len(s->mech);
    uint8_t proof[KC_SCRAM_MAX_HASH_LEN];
    size_t proof_len = 0;
    if (b64_decode(msg + p_start + 2, len - p_start - 2, proof, h, &proof_len) != 0 ||
        proof_len != h)
        return server_fail(s, err, errlen, "Invalid client proof in the final client message.");

    const uint8_t *bare = s->client_first + s->gs2_len;
    size_t am_len = 0;
    uint8_t *am = auth_message(bare, s->client_first_len - s->gs2_len, s->server_first,
                               s->server_first_len, msg, p_start - 1, &am_len);
    if (am == NULL)
        return server_fail(s, err, errlen, "out of memory");
    uint8_t sig[KC_SCRAM_MAX_HASH_LEN], key[KC_SCRAM_MAX_HASH_LEN], stored[KC_SCRAM_MAX_HASH_LEN];
    int rc = -1;
    const char *why = "Invalid client credentials";
    if (hmac(s->mech, s->cred.stored_key, h, am, am_len, sig) == 0) {
        for (size_t i = 0; i < h; i++)
            key[i] = proof[i] ^ sig[i];
        if (hash(s->mech, key, h, stored) == 0 &&
            CRYPTO_memcmp(stored, s->cred.stored_key, h) == 0 && !s->fake)
            rc = 0;
        if (s->fake)
            why = "Authentication failed: Invalid user credentials";
    } else {
        why = "SCRAM computation failed";
    }
    char *reply = NULL;
    size_t reply_len = 0;
    if (rc == 0) {
        rc = -1;
        if (hmac(s->mech, s->cred.server_key, h, am, am_len, sig) == 0 &&
            (reply = malloc(2 + b64_len(h) + 1)) != NULL) {
            memcpy(reply, "v=", 2);
            b64_encode(sig, h, reply + 2);
            reply_len = 2 + b64_len(h);
            rc = 0;
        } else {
            why = "SCRAM computation failed";
        }
    }
    OPENSSL_cleanse(sig, sizeof(sig));
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(stored, sizeof(stored));
    free(am);
    if (rc != 0)
        return server_fail(s, err, errlen, why);
    server_clear(s);
    s->state = SV_COMPLETE;
    *out = reply;
    *out_len = reply_len;
    return 0;
}

/* ---------------------------------------------------------------- client */

typedef enum {
    CL_WANT_FIRST,
    CL_WANT_SERVER_FIRST,
    CL_WANT_SERVER_FINAL,
    CL_COMPLETE,
    CL_FAILED
} cl_state;

struct kc_scram_client {
    int mech;
    cl_state state;
    char *user;
    char *password;
    size_t password_len;
    char *bare; /* client-first-message-bare as sent */
    size_t bare_len;
    size_t nonce_off, nonce_len; /* our nonce inside bare */
    uint8_t server_sig[KC_SCRAM_MAX_HASH_LEN];
    char test_nonce[MAX_TEST_NONCE + 1];
};

kc_scram_client *kc_scram_client_new(int mech, const char *user, const char *password)
{
    if (md_of(mech) == NULL || user == NULL || password == NULL)
        return NULL;
    size_t ulen = strnlen(user, MAX_CLIENT_USER + 1);
    if (ulen == 0 || ulen > MAX_CLIENT_USER)
        return NULL;
    kc_scram_client *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->mech = mech;
    c->password_len = strlen(password);
    c->user = strdup(user);
    c->password = strdup(password);
    if (c->user == NULL || c->password == NULL) {
        kc_scram_client_free(c);
        return NULL;
    }
    return c;
}

static void client_clear(kc_scram_client *c)
{
    if (c->password != NULL)
        OPENSSL_cleanse(c->password, c->password_len);
    free(c->password);
    free(c->bare);
    c->password = NULL;
    c->bare = NULL;
    OPENSSL_cleanse(c->server_sig, sizeof(c->server_sig));
}

void kc_scram_client_free(kc_scram_client *c)
{
    if (c == NULL)
        return;
    client_clear(c);
    free(c->user);
    free(c);
}

void kc_scram_client_set_nonce(kc_scram_client *c, const char *nonce)
{
    if (c != NULL && test_nonce_ok(nonce))
        snprintf(c->test_nonce, sizeof(c->test_nonce), "%s", nonce);
}

static int client_fail(kc_scram_client *c, char *err, size_t errlen, const char *why)
{
    set_err(err, errlen, "%s", why);
    client_clear(c);
    c->state = CL_FAILED;
    return -1;
}

int kc_scram_client_first(kc_scram_client *c, char **out, size_t *out_len)
{
    if (c == NULL)
        return -1;
    if (c->state != CL_WANT_FIRST || out == NULL || out_len == NULL)
        return client_fail(c, NULL, 0, "");
    char rnd[b64_len(NONCE_RAW_BYTES) + 1];
    const char *nonce = c->test_nonce;
    if (nonce[0] == '\0') {
        if (random_nonce(rnd) != 0)
            return client_fail(c, NULL, 0, "");
        nonce = rnd;
    }
    size_t ulen = strlen(c->user), nlen = strlen(nonce);
    /* "n,," "n=" escaped-user ",r=" nonce; escaping at most triples the name */
    size_t cap = 3 + 2 + 3 * ulen + 3 + nlen + 1;
    char *m = malloc(cap);
    if (m == NULL)
        return client_fail(c, NULL, 0, "");
    size_t o = 0;
    memcpy(m, "n,,n=", 5);
    o = 5;
    for (size_t i = 0; i < ulen; i++) {
        if (c->user[i] == ',') {
            memcpy(m + o, "=2C", 3);
            o += 3;
        } else if (c->user[i] == '=') {
            memcpy(m + o, "=3D", 3);
            o += 3;
        } else {
            m[o++] = c->user[i];
        }
    }
    memcpy(m + o, ",r=", 3);
    o += 3;
    c->nonce_off = o - 3;
    memcpy(m + o, nonce, nlen);
    o += nlen;
    m[o] = '\0';
    c->bare = malloc(o - 3 + 1);
    if (c->bare == NULL) {
        free(m);
        return client_fail(c, NULL, 0, "");
    }
    memcpy(c->bare, m + 3, o - 3 + 1);
    c->bare_len = o - 3;
    c->nonce_len = nlen;
    c->state = CL_WANT_SERVER_FIRST;
    *out = m;
    *out_len = o;
    return 0;
}

int kc_scram_client_final(kc_scram_client *c, const uint8_t *msg, size_t len, char **out,
                          size_t *out_len, char *err, size_t errlen)
{
    static const char BAD[] = "Invalid SCRAM server first message format";
    if (c == NULL)
        return -1;
    if (c->state != CL_WANT_SERVER_FIRST)
        return client_fail(c, err, errlen, "unexpected message");
    if (msg == NULL || out == NULL || out_len == NULL)
        return client_fail(c, err, errlen, "invalid arguments");
    if (len > KC_SCRAM_MAX_MESSAGE)
        return client_fail(c, err, errlen, "SCRAM message too large");

    /* "r=" nonce ",s=" b64 ",i=" digits ("," ext)* */
    if (has_prefix(msg, len, "m="))
        return client_fail(c, err, errlen, "Unsupported SCRAM mandatory extension");
    if (!has_prefix(msg, len, "r="))
        return client_fail(c, err, errlen, BAD);
    size_t r_end = next_comma(msg, len, 2);
    if (r_end == len || !all_printable(msg + 2, r_end - 2) ||
        !has_prefix(msg + r_end + 1, len - r_end - 1, "s="))
        return client_fail(c, err, errlen, BAD);
    size_t s_off = r_end + 3, s_end = next_comma(msg, len, s_off);
    if (s_end == len || !has_prefix(msg + s_end + 1, len - s_end - 1, "i="))
        return client_fail(c, err, errlen, BAD);
    size_t i_off = s_end + 3, i_end = next_comma(msg, len, i_off);
    for (size_t i = i_end; i < len;) {
        size_t start = i + 1, end = next_comma(msg, len, start);
        if (!is_extension(msg + start, end - start))
            return client_fail(c, err, errlen, BAD);
        i = end;
    }
    int32_t iterations = 0;
    if (parse_count(msg + i_off, i_end - i_off, &iterations) != 0)
        return client_fail(c, err, errlen,
                           "Invalid SCRAM server first message format: invalid iterations");
    const uint8_t *nonce = msg + 2;
    size_t nonce_len = r_end - 2;
    if (nonce_len < c->nonce_len || memcmp(nonce, c->bare + c->nonce_off, c->nonce_len) != 0)
        return client_fail(c, err, errlen,
                           "Invalid server nonce: does not start with client nonce");
    if (iterations < KC_SCRAM_MIN_ITERATIONS) {
        char why[128];
        snprintf(why, sizeof(why), "Requested iterations %d is less than the minimum %d for %s",
                 (int)iterations, KC_SCRAM_MIN_ITERATIONS, kc_scram_mechanism_name(c->mech));
        return client_fail(c, err, errlen, why);
    }
    size_t salt_b64 = s_end - s_off;
    uint8_t *salt = malloc(salt_b64 / 4 * 3 + 1);
    size_t salt_len = 0;
    if (salt == NULL)
        return client_fail(c, err, errlen, "out of memory");
    if (b64_decode(msg + s_off, salt_b64, salt, salt_b64 / 4 * 3, &salt_len) != 0 ||
        salt_len == 0) {
        free(salt);
        return client_fail(c, err, errlen, BAD);
    }

    size_t h = kc_scram_hash_len(c->mech);
    /* client-final-message-without-proof: "c=biws,r=" nonce (gs2 header "n,," in base64) */
    size_t wp_len = 9 + nonce_len;
    size_t cap = wp_len + 3 + b64_len(h) + 1;
    char *m = malloc(cap);
    if (m == NULL) {
        free(salt);
        return client_fail(c, err, errlen, "out of memory");
    }
    memcpy(m, "c=biws,r=", 9);
    memcpy(m + 9, nonce, nonce_len);
    size_t am_len = 0;
    uint8_t *am = auth_message(c->bare, c->bare_len, msg, len, m, wp_len, &am_len);
    uint8_t salted[KC_SCRAM_MAX_HASH_LEN], client_key[KC_SCRAM_MAX_HASH_LEN];
    uint8_t stored[KC_SCRAM_MAX_HASH_LEN], sig[KC_SCRAM_MAX_HASH_LEN];
    uint8_t server_key[KC_SCRAM_MAX_HASH_LEN];
    int rc = -1;
    if (am != NULL &&
        hi(c->mech, c->password, c->password_len, salt, salt_len, iterations, salted) == 0 &&
        hmac(c->mech, salted, h, "Client Key", 10, client_key) == 0 &&
        hash(c->mech, client_key, h, stored) == 0 &&
        hmac(c->mech, stored, h, am, am_len, sig) == 0 &&
        hmac(c->mech, salted, h, "Server Key", 10, server_key) == 0 &&
        hmac(c->mech, server_key, h, am, am_len, c->server_sig) == 0) {
        uint8_t proof[KC_SCRAM_MAX_HASH_LEN];
        for (size_t i = 0; i < h; i++)
            proof[i] = client_key[i] ^ sig[i];
        memcpy(m + wp_len, ",p=", 3);
        b64_encode(proof, h, m + wp_len + 3);
        rc = 0;
    }
    OPENSSL_cleanse(salted, sizeof(salted));
    OPENSSL_cleanse(client_key, sizeof(client_key));
    OPENSSL_cleanse(stored, sizeof(stored));
    OPENSSL_cleanse(sig, sizeof(sig));
    OPENSSL_cleanse(server_key, sizeof(server_key));
    free(am);
    free(salt);
    if (rc != 0) {
        free(m);
        return client_fail(c, err, errlen, "Client final message could not be created");
    }
    /* the password is not needed any more */
    OPENSSL_cleanse(c->password, c->password_len);
    c->state = CL_WANT_SERVER_FINAL;
    *out = m;
    *out_len = wp_len + 3 + b64_len(h);
    return 0;
}

int kc_scram_client_verify(kc_scram_client *c, const uint8_t *msg, size_t len, char *err,
                           size_t errlen)
{
    static const char BAD[] = "Invalid SCRAM server final message format";
    if (c == NULL)
        return -1;
    if (c->state != CL_WANT_SERVER_FINAL)
        return client_fail(c, err, errlen, "unexpected message");
    if (msg == NULL)
        return client_fail(c, err, errlen, "invalid arguments");
    if (len > KC_SCRAM_MAX_MESSAGE)
        return client_fail(c, err, errlen, "SCRAM message too large");
    if (has_prefix(msg, len, "e=")) {
        /* server-error-value: VALUE_SAFE, 0x01..0x7F except ',' and '=' */
        if (len == 2)
            return client_fail(c, err, errlen, BAD);
        for (size_t i = 2; i < len; i++)
            if (msg[i] == 0 || msg[i] > 0x7f || msg[i] == ',' || msg[i] == '=')
                return client_fail(c, err, errlen, BAD);
        char why[512];
        int n = snprintf(why, sizeof(why), "Sasl authentication using %s failed with error: ",
                         kc_scram_mechanism_name(c->mech));
        size_t o = n > 0 ? (size_t)n : 0;
        for (size_t i = 2; i < len && o + 1 < sizeof(why); i++)
            why[o++] = msg[i] >= 0x20 && msg[i] < 0x7f ? (char)msg[i] : '?';
        why[o] = '\0';
        return client_fail(c, err, errlen, why);
    }
    if (!has_prefix(msg, len, "v="))
        return client_fail(c, err, errlen, BAD);
    size_t v_end = next_comma(msg, len, 2);
    for (size_t i = v_end; i < len;) {
        size_t start = i + 1, end = next_comma(msg, len, start);
        if (!is_extension(msg + start, end - start))
            return client_fail(c, err, errlen, BAD);
        i = end;
    }
    size_t h = kc_scram_hash_len(c->mech);
    uint8_t sig[KC_SCRAM_MAX_HASH_LEN];
    size_t sig_len = 0;
    if (b64_decode(msg + 2, v_end - 2, sig, h, &sig_len) != 0 || sig_len != h ||
        CRYPTO_memcmp(sig, c->server_sig, h) != 0)
        return client_fail(c, err, errlen, "Invalid server signature in server final message");
    client_clear(c);
    c->state = CL_COMPLETE;
    return 0;
}
