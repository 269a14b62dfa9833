/*
 * SCRAM-SHA-256/512 (src/security/scram.h): the RFC 7677 §3 exchange byte for byte, client and
 * server against each other, the server's refusals (wrong password, CVE-2024-56128 nonce,
 * CVE-2017-12610 authzid, bad escapes, unknown users, call order), and Kafka's ZooKeeper
 * credential string. Expected keys were computed independently with Python's hashlib
 * (pbkdf2_hmac + hmac), not with the code under test. test_final() builds client-final messages
 * with OpenSSL directly, so the server is also checked against a second SCRAM client that can
 * send what ours never would (an authzid, a tampered nonce with a matching proof).
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "security/scram.h"

#define RFC_SALT_B64 "W22ZaJ0SNY7soEsUEjb6gQ=="
#define RFC_CNONCE   "rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE   "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_FINAL                                                                                  \
    "c=biws,r=" RFC_CNONCE RFC_SNONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_SRV_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* RFC 7677's user as Kafka stores it (keys from Python hashlib) */
#define RFC_KAFKA_CRED                                                                             \
    "salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key=WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,"       \
    "server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=,iterations=4096"
/* SCRAM-SHA-512, password "admin-secret", a Kafka-style base36 salt, 8192 iterations */
#define SHA512_SALT "1ab2cd3ef4gh5ij6kl7mn8op9q"
#define SHA512_KAFKA_CRED                                                                          \
    "salt=MWFiMmNkM2VmNGdoNWlqNmtsN21uOG9wOXE=,stored_key=Ikko9hdVy81bCCEv13LMEaEpCm9jJsKmTgxqIp"  \
    "arJJD0g3DtYPcvJ1YlTXpGtxzaKkrIp2S7+h+AReBAvOapOg==,server_key=K4ErQSXuFmFbtXHH8uqxzVRPCeQ3b"  \
    "d4/7DZGXghYkkDOA9x8OKvG/BLkUzsdVG5szLaDKsbI1H3w1bmX8vNM3g==,iterations=8192"
#define SHA512_SALTED                                                                              \
    "EUG88UVOHziZf6DvLQphc0gJFCvD1YqfdaOA8sWkbT1Uuohy/84Aia45QV/2SveJJxCPSMTrXtcaL+Vg/8+Eqg=="

static const uint8_t RFC_SALT[16] = {0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e,
                                     0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81};

static size_t b64dec(const char *in, uint8_t *out)
{
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)strlen(in));
    cr_assert(n >= 0);
    size_t l = strlen(in);
    if (l >= 1 && in[l - 1] == '=')
        n--;
    if (l >= 2 && in[l - 2] == '=')
        n--;
    return (size_t)n;
}

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

static kc_scram_credential cred_for(int mech, const char *pw, const char *salt, int32_t it)
{
    kc_scram_credential c;
    cr_assert_eq(
        kc_scram_credential_from_password(mech, pw, strlen(pw), u8(salt), strlen(salt), it, &c), 0);
    return c;
}

/* A client-final built with OpenSSL directly: gs2 header, nonce and password as given. */
static char *test_final(int mech, const char *gs2, const char *bare, const char *server_first,
                        const char *nonce, const char *pw, const uint8_t *salt, size_t salt_len,
                        int it)
{
    const EVP_MD *md = mech == KC_SCRAM_SHA_256 ? EVP_sha256() : EVP_sha512();
    int h = EVP_MD_get_size(md);
    uint8_t salted[64], ck[64], sk[64], sig[64], proof[64];
    unsigned l;
    cr_assert(PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, (int)salt_len, it, md, h, salted));
    HMAC(md, salted, h, u8("Client Key"), 10, ck, &l);
    EVP_Digest(ck, (size_t)h, sk, &l, md, NULL);
    char cb[64];
    EVP_EncodeBlock((unsigned char *)cb, u8(gs2), (int)strlen(gs2));
    char without[1024];
    snprintf(without, sizeof(without), "c=%s,r=%s", cb, nonce);
    char am[4096];
    snprintf(am, sizeof(am), "%s,%s,%s", bare, server_first, without);
    HMAC(md, sk, h, u8(am), strlen(am), sig, &l);
    for (int i = 0; i < h; i++)
        proof[i] = ck[i] ^ sig[i];
    char p[100];
    EVP_EncodeBlock((unsigned char *)p, proof, h);
    char *out = malloc(2048);
    snprintf(out, 2048, "%s,p=%s", without, p);
    return out;
}

/* Run steps 1 and 2 of the server on @p first; returns the server-first (caller frees). */
static char *server_up_to_first(kc_scram_server *s, const char *first,
                                const kc_scram_credential *cred, char *user, size_t ucap)
{
    char err[256] = "";
    cr_assert_eq(
        kc_scram_server_client_first(s, u8(first), strlen(first), user, ucap, err, sizeof(err)), 0,
        "client-first refused: %s", err);
    char *sf = NULL;
    size_t sf_len = 0;
    cr_assert_eq(kc_scram_server_first(s, cred, &sf, &sf_len), 0);
    cr_assert_eq(strlen(sf), sf_len);
    return sf;
}

/* A full exchange between our client and server; 0 when both sides succeed. */
static int exchange(int mech, const char *user, const char *pw, const kc_scram_credential *cred,
                    char *err, size_t errlen)
{
    kc_scram_client *c = kc_scram_client_new(mech, user, pw);
    kc_scram_server *s = kc_scram_server_new(mech);
    cr_assert(c && s);
    char *cf, *sf, *fin, *sfin;
    size_t n;
    char name[256];
    int rc = -1;
    cr_assert_eq(kc_scram_client_first(c, &cf, &n), 0);
    cr_assert_eq(kc_scram_server_client_first(s, u8(cf), n, name, sizeof(name), err, errlen), 0);
    cr_assert_str_eq(name, user);
    cr_assert_eq(kc_scram_server_first(s, cred, &sf, &n), 0);
    cr_assert_eq(kc_scram_client_final(c, u8(sf), n, &fin, &n, err, errlen), 0, "%s", err);
    if (kc_scram_server_client_final(s, u8(fin), n, &sfin, &n, err, errlen) == 0) {
        rc = kc_scram_client_verify(c, u8(sfin), n, err, errlen);
        free(sfin);
    }
    free(cf);
    free(sf);
    free(fin);
    kc_scram_client_free(c);
    kc_scram_server_free(s);
    return rc;
}

Test(scram, mechanism_names_ids_and_hash_lengths)
{
    cr_assert_str_eq(kc_scram_mechanism_name(KC_SCRAM_SHA_256), "SCRAM-SHA-256");
    cr_assert_str_eq(kc_scram_mechanism_name(KC_SCRAM_SHA_512), "SCRAM-SHA-512");
    cr_assert_null(kc_scram_mechanism_name(0));
    cr_assert_null(kc_scram_mechanism_name(3));
    cr_assert_eq(kc_scram_mechanism_parse("SCRAM-SHA-256"), 1);
    cr_assert_eq(kc_scram_mechanism_parse("SCRAM-SHA-512"), 2);
    cr_assert_eq(kc_scram_mechanism_parse("scram-sha-256"), -1);
    cr_assert_eq(kc_scram_mechanism_parse("SCRAM-SHA-1"), -1);
    cr_assert_eq(kc_scram_mechanism_parse(NULL), -1);
    cr_assert_eq(kc_scram_hash_len(KC_SCRAM_SHA_256), 32);
    cr_assert_eq(kc_scram_hash_len(KC_SCRAM_SHA_512), 64);
    cr_assert_eq(kc_scram_hash_len(7), 0);
    cr_assert_null(kc_scram_server_new(0));
    cr_assert_null(kc_scram_client_new(3, "u", "p"));
}

Test(scram, rfc7677_sha256_example_end_to_end)
{
    kc_scram_credential cred;
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pencil", 6, RFC_SALT,
                                                   sizeof(RFC_SALT), 4096, &cred),
                 0);
    kc_scram_client *c = kc_scram_client_new(KC_SCRAM_SHA_256, "user", "pencil");
    kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
    kc_scram_client_set_nonce(c, RFC_CNONCE);
    kc_scram_server_set_nonce(s, RFC_SNONCE);
    char err[256] = "", user[64];
    char *m;
    size_t n;

    cr_assert_eq(kc_scram_client_first(c, &m, &n), 0);
    cr_assert_str_eq(m, "n,,n=user,r=" RFC_CNONCE);
    cr_assert_eq(n, strlen(m));
    cr_assert_eq(kc_scram_server_client_first(s, u8(m), n, user, sizeof(user), err, sizeof(err)), 0,
                 "%s", err);
    cr_assert_str_eq(user, "user");
    free(m);

    cr_assert_eq(kc_scram_server_first(s, &cred, &m, &n), 0);
    cr_assert_str_eq(m, "r=" RFC_CNONCE RFC_SNONCE ",s=" RFC_SALT_B64 ",i=4096");
    char *fin;
    cr_assert_eq(kc_scram_client_final(c, u8(m), n, &fin, &n, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(fin, RFC_FINAL);
    cr_assert_eq(n, strlen(RFC_FINAL));
    free(m);

    cr_assert_eq(kc_scram_server_client_final(s, u8(fin), n, &m, &n, err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_str_eq(m, RFC_SRV_FINAL);
    cr_assert_eq(n, strlen(RFC_SRV_FINAL));
    cr_assert_eq(kc_scram_client_verify(c, u8(m), n, err, sizeof(err)), 0, "%s", err);
    free(m);
    free(fin);
    kc_scram_client_free(c);
    kc_scram_server_free(s);
}

Test(scram, rfc7677_client_final_from_an_independent_client_is_accepted)
{
    kc_scram_credential cred;
    cr_assert_eq(
        kc_scram_credential_parse(KC_SCRAM_SHA_256, RFC_KAFKA_CRED, strlen(RFC_KAFKA_CRED), &cred),
        0);
    kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
    kc_scram_server_set_nonce(s, RFC_SNONCE);
    char user[64], err[256] = "", *m;
    size_t n;
    char *sf = server_up_to_first(s, "n,,n=user,r=" RFC_CNONCE, &cred, user, sizeof(user));
    cr_assert_eq(
        kc_scram_server_client_final(s, u8(RFC_FINAL), strlen(RFC_FINAL), &m, &n, err, sizeof(err)),
        0, "%s", err);
    cr_assert_str_eq(m, RFC_SRV_FINAL);
    free(m);
    free(sf);
    kc_scram_server_free(s);
}

Test(scram, sha512_round_trip_with_random_nonces)
{
    kc_scram_credential cred = cred_for(KC_SCRAM_SHA_512, "admin-secret", SHA512_SALT, 8192);
    char err[256] = "";
    cr_assert_eq(exchange(KC_SCRAM_SHA_512, "admin", "admin-secret", &cred, err, sizeof(err)), 0,
                 "%s", err);

    /* random nonces: 32 characters each, different per exchange, no ',' */
    kc_scram_client *c1 = kc_scram_client_new(KC_SCRAM_SHA_512, "admin", "x");
    kc_scram_client *c2 = kc_scram_client_new(KC_SCRAM_SHA_512, "admin", "x");
    char *m1, *m2;
    size_t n1, n2;
    cr_assert_eq(kc_scram_client_first(c1, &m1, &n1), 0);
    cr_assert_eq(kc_scram_client_first(c2, &m2, &n2), 0);
    cr_assert_eq(n1, strlen("n,,n=admin,r=") + 32);
    cr_assert_str_neq(m1, m2);
    cr_assert_null(strchr(m1 + strlen("n,,n=admin,r="), ','));
    kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_512);
    char user[64];
    char *sf = server_up_to_first(s, m1, &cred, user, sizeof(user));
    /* r=<32 client><32 server>,s=<b64 of the 26-byte salt>,i=8192 */
    cr_assert_eq(strncmp(sf, "r=", 2), 0);
    cr_assert_eq(strncmp(sf + 2, m1 + strlen("n,,n=admin,r="), 32), 0);
    const char *s_attr = strstr(sf, ",s=");
    cr_assert_not_null(s_attr);
    cr_assert_eq(s_attr - (sf + 2), 64, "combined nonce of 64 characters: %s", sf);
    cr_assert_str_eq(s_attr, ",s=MWFiMmNkM2VmNGdoNWlqNmtsN21uOG9wOXE=,i=8192");
    free(m1);
    free(m2);
    free(sf);
    kc_scram_client_free(c1);
    kc_scram_client_free(c2);
    kc_scram_server_free(s);
}

Test(scram, wrong_password_fails_at_the_final_step)
{
    kc_scram_credential cred = cred_for(KC_SCRAM_SHA_512, "admin-secret", SHA512_SALT, 8192);
    char err[256] = "";
    cr_assert_eq(exchange(KC_SCRAM_SHA_512, "admin", "admin-secreT", &cred, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "Invalid client credentials");

    kc_scram_credential c256 = cred_for(KC_SCRAM_SHA_256, "pencil", "saltsaltsalt", 4096);
    cr_assert_eq(exchange(KC_SCRAM_SHA_256, "user", "pencil", &c256, err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_eq(exchange(KC_SCRAM_SHA_256, "user", "", &c256, err, sizeof(err)), -1);
}

Test(scram, tampered_nonce_in_client_final_fails_cve_2024_56128)
{
    kc_scram_credential cred;
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pencil", 6, RFC_SALT,
                                                   sizeof(RFC_SALT), 4096, &cred),
                 0);
    const char *bare = "n=user,r=" RFC_CNONCE;
    /* proofs computed over the tampered nonce, so only the nonce check can refuse them */
    const char *tampered[] = {
        RFC_CNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1", /* last byte changed */
        RFC_CNONCE,                                  /* the client's nonce alone */
        RFC_CNONCE RFC_SNONCE "x",                   /* one byte longer */
        "attacker" RFC_SNONCE,                       /* another client nonce */
    };
    for (size_t i = 0; i < sizeof(tampered) / sizeof(tampered[0]); i++) {
        kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
        kc_scram_server_set_nonce(s, RFC_SNONCE);
        char user[64], err[256] = "", *m = NULL;
        size_t n;
        char *sf = server_up_to_first(s, "n,,n=user,r=" RFC_CNONCE, &cred, user, sizeof(user));
        char *fin = test_final(KC_SCRAM_SHA_256, "n,,", bare, sf, tampered[i], "pencil", RFC_SALT,
                               sizeof(RFC_SALT), 4096);
        cr_assert_eq(
            kc_scram_server_client_final(s, u8(fin), strlen(fin), &m, &n, err, sizeof(err)), -1,
            "tampered nonce %zu accepted", i);
        cr_assert_null(m);
        cr_assert_str_eq(err, "Invalid client nonce in the final client message.");
        free(fin);
        free(sf);
        kc_scram_server_free(s);
    }
    /* librdkafka up to 2.6.0 repeats its nonce: client nonce + combined nonce is accepted */
    {
        kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
        kc_scram_server_set_nonce(s, RFC_SNONCE);
        char user[64], err[256] = "", *m = NULL;
        size_t n;
        char *sf = server_up_to_first(s, "n,,n=user,r=" RFC_CNONCE, &cred, user, sizeof(user));
        char *fin = test_final(KC_SCRAM_SHA_256, "n,,", bare, sf, RFC_CNONCE RFC_CNONCE RFC_SNONCE,
                               "pencil", RFC_SALT, sizeof(RFC_SALT), 4096);
        cr_assert_eq(
            kc_scram_server_client_final(s, u8(fin), strlen(fin), &m, &n, err, sizeof(err)), 0,
            "librdkafka's doubled nonce refused: %s", err);
        free(m);
        free(fin);
        free(sf);
        kc_scram_server_free(s);
    }
    /* the same construction with the true nonce passes: the helper is a valid client */
    kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
    kc_scram_server_set_nonce(s, RFC_SNONCE);
    char user[64], err[256] = "", *m;
    size_t n;
    char *sf = server_up_to_first(s, "n,,n=user,r=" RFC_CNONCE, &cred, user, sizeof(user));
    char *fin = test_final(KC_SCRAM_SHA_256, "n,,", bare, sf, RFC_CNONCE RFC_SNONCE, "pencil",
                           RFC_SALT, sizeof(RFC_SALT), 4096);
    cr_assert_str_eq(fin, RFC_FINAL);
    cr_assert_eq(kc_scram_server_client_final(s, u8(fin), strlen(fin), &m, &n, err, sizeof(err)), 0,
                 "%s", err);
    free(m);
    free(fin);
    free(sf);
    kc_scram_server_free(s);
}

Test(scram, authzid_different_from_user_fails_cve_2017_12610)
{
    const char *msgs[] = {"n,a=admin,n=user,r=abc", "n,a=user2,n=user,r=abc",
                          "n,a=a=2Cb,n=a=3Db,r=abc"};
    for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
        char user[64], err[256] = "";
        cr_assert_eq(kc_scram_server_client_first(s, u8(msgs[i]), strlen(msgs[i]), user,
                                                  sizeof(user), err, sizeof(err)),
                     -1, "%s", msgs[i]);
        cr_assert_str_eq(err, "Authentication failed: Client requested an authorization id that "
                              "is different from username");
        kc_scram_server_free(s);
    }
}

Test(scram, authzid_equal_to_user_succeeds)
{
    kc_scram_credential cred = cred_for(KC_SCRAM_SHA_256, "pencil", "NaCl-salt", 4096);
    const char *cases[][3] = {
        /* client-first, gs2 header, bare */
        {"n,a=user,n=user,r=abcdef", "n,a=user,", "n=user,r=abcdef"},
        {"n,a=a=2Cb=3Dc,n=a=2Cb=3Dc,r=abcdef", "n,a=a=2Cb=3Dc,", "n=a=2Cb=3Dc,r=abcdef"},
    };
    for (size_t i = 0; i < 2; i++) {
        kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
        char user[64], err[256] = "", *m;
        size_t n;
        char *sf = server_up_to_first(s, cases[i][0], &cred, user, sizeof(user));
        cr_assert_str_eq(user, i == 0 ? "user" : "a,b=c");
        char nonce[128];
        snprintf(nonce, sizeof(nonce), "%.*s", (int)(strchr(sf, ',') - sf - 2), sf + 2);
        char *fin = test_final(KC_SCRAM_SHA_256, cases[i][1], cases[i][2], sf, nonce, "pencil",
                               u8("NaCl-salt"), 9, 4096);
        /* c= carries the gs2 header with its authzid */
        const char *cb = i == 0 ? "c=bixhPXVzZXIs," : "c=bixhPWE9MkNiPTNEYyw=,";
        cr_assert_eq(strncmp(fin, cb, strlen(cb)), 0, "%s", fin);
        cr_assert_eq(
            kc_scram_server_client_final(s, u8(fin), strlen(fin), &m, &n, err, sizeof(err)), 0,
            "%s", err);
        cr_assert_eq(strncmp(m, "v=", 2), 0);
        free(m);
        free(fin);
        free(sf);
        kc_scram_server_free(s);
    }
}

Test(scram, channel_binding_must_echo_the_gs2_header)
{
    kc_scram_credential cred = cred_for(KC_SCRAM_SHA_256, "pencil", "NaCl-salt", 4096);
    kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
    char user[64], err[256] = "", *m = NULL;
    size_t n;
    char *sf = server_up_to_first(s, "n,a=user,n=user,r=abcdef", &cred, user, sizeof(user));
    char nonce[128];
    snprintf(nonce, sizeof(nonce), "%.*s", (int)(strchr(sf, ',') - sf - 2), sf + 2);
    /* a valid proof over "c=biws", but the client-first carried an authzid */
    char *fin = test_final(KC_SCRAM_SHA_256, "n,,", "n=user,r=abcdef", sf, nonce, "pencil",
                           u8("NaCl-salt"), 9, 4096);
    cr_assert_eq(kc_scram_server_client_final(s, u8(fin), strlen(fin), &m, &n, err, sizeof(err)),
                 -1);
    cr_assert_str_eq(err, "Invalid channel binding in the final client message.");
    cr_assert_null(m);
    free(fin);
    free(sf);
    kc_scram_server_free(s);
}

Test(scram, saslname_escaping_round_trip)
{
    kc_scram_credential cred = cred_for(KC_SCRAM_SHA_256, "pw", "salty-salt", 4096);
    kc_scram_client *c = kc_scram_client_new(KC_SCRAM_SHA_256, "a,b=c", "pw");
    kc_scram_client_set_nonce(c, "fixednonce");
    char *m;
    size_t n;
    cr_assert_eq(kc_scram_client_first(c, &m, &n), 0);
    cr_assert_str_eq(m, "n,,n=a=2Cb=3Dc,r=fixednonce");
    kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
    char user[64], err[256] = "";
    cr_assert_eq(kc_scram_server_client_first(s, u8(m), n, user, sizeof(user), err, sizeof(err)), 0,
                 "%s", err);
    cr_assert_str_eq(user, "a,b=c");
    free(m);
    kc_scram_client_free(c);
    kc_scram_server_free(s);

    cr_assert_eq(exchange(KC_SCRAM_SHA_256, "a,b=c", "pw", &cred, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(exchange(KC_SCRAM_SHA_256, "==,,", "pw", &cred, err, sizeof(err)), 0, "%s", err);
}

Test(scram, malformed_client_first_messages_fail)
{
    static const struct {
        const char *msg;
        const char *err;
    } BAD[] = {
        {"n,,n=a=2Xb,r=abc", "Invalid username in SCRAM client first message"},
        {"n,,n=a=2cb,r=abc", "Invalid username in SCRAM client first message"},
        {"n,,n=ab=,r=abc", "Invalid username in SCRAM client first message"},
        {"n,,n=a=3,r=abc", "Invalid username in SCRAM client first message"},
        {"n,,n=,r=abc", "Invalid username in SCRAM client first message"},
        {"n,,n=caf\xc3\xa9,r=abc", "Invalid username in SCRAM client first message"},
        {"y,,n=user,r=abc", "SCRAM channel binding is not supported"},
        {"p=tls-unique,,n=user,r=abc", "SCRAM channel binding is not supported"},
        {"n,,n=user,r=abc,tokenauth=true", "Delegation token authentication is not supported"},
        {"n,,n=user,r=abc,tokenauth=TRUE", "Delegation token authentication is not supported"},
        {"n,,m=ext,n=user,r=abc", "Unsupported SCRAM mandatory extension"},
        {"n,,n=user,r=", "Invalid SCRAM client first message format"},
        {"n,,n=user,r=a c", "Invalid SCRAM client first message format"},
        {"n,,n=user", "Invalid SCRAM client first message format"},
        {"n,,n=user,r=abc,", "Invalid SCRAM client first message format"},
        {"n,,n=user,r=abc,1x=2", "Invalid SCRAM client first message format"},
        {"n,,n=user,r=abc,ext=", "Invalid SCRAM client first message format"},
        {"n,,r=abc,n=user", "Invalid SCRAM client first message format"},
        {"n,x=u,n=user,r=abc", "Invalid SCRAM client first message format"},
        {"n,a=,n=user,r=abc", "Invalid SCRAM client first message format"},
        {"n,a=u=2X,n=user,r=abc", "Invalid SCRAM client first message format"},
        {"n,", "Invalid SCRAM client first message format"},
        {"", "Invalid SCRAM client first message format"},
    };
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_512);
        char user[64], err[256] = "";
        cr_assert_eq(kc_scram_server_client_first(s, u8(BAD[i].msg), strlen(BAD[i].msg), user,
                                                  sizeof(user), err, sizeof(err)),
                     -1, "accepted: %s", BAD[i].msg);
        cr_assert_str_eq(err, BAD[i].err, "%s", BAD[i].msg);
        /* the exchange is over: nothing later is accepted */
        char *m = NULL;
        size_t n;
        cr_assert_eq(kc_scram_server_first(s, NULL, &m, &n), -1);
        cr_assert_null(m);
        kc_scram_server_free(s);
    }
    /* unknown extensions and tokenauth=false are ignored, as in Kafka */
    const char *ok[] = {"n,,n=user,r=abc,foo=bar", "n,,n=user,r=abc,tokenauth=false,x=a=b"};
    for (size_t i = 0; i < 2; i++) {
        kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_512);
        char user[64], err[256] = "";
        cr_assert_eq(kc_scram_server_client_first(s, u8(ok[i]), strlen(ok[i]), user, sizeof(user),
                                                  err, sizeof(err)),
                     0, "%s: %s", ok[i], err);
        kc_scram_server_free(s);
    }
}

Test(scram, user_buffer_and_message_size_limits)
{
    kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
    char user[5], err[256] = "";
    cr_assert_eq(kc_scram_server_client_first(s, u8("n,,n=abcde,r=x"), 14, user, sizeof(user), err,
                                              sizeof(err)),
                 -1);
    cr_assert_str_eq(err, "SCRAM user name too long");
    kc_scram_server_free(s);
    s = kc_scram_server_new(KC_SCRAM_SHA_256);
    cr_assert_eq(kc_scram_server_client_first(s, u8("n,,n=abcd,r=x"), 13, user, sizeof(user), err,
                                              sizeof(err)),
                 0, "%s", err);
    cr_assert_str_eq(user, "abcd");
    kc_scram_server_free(s);

    size_t big = KC_SCRAM_MAX_MESSAGE + 1;
    char *msg = malloc(big);
    memset(msg, 'a', big);
    memcpy(msg, "n,,n=user,r=", 12);
    s = kc_scram_server_new(KC_SCRAM_SHA_256);
    char name[64];
    cr_assert_eq(
        kc_scram_server_client_first(s, u8(msg), big, name, sizeof(name), err, sizeof(err)), -1);
    cr_assert_str_eq(err, "SCRAM message too large");
    kc_scram_server_free(s);
    free(msg);
}

Test(scram, unknown_user_gets_a_plausible_server_first_then_fails)
{
    char err[256] = "";
    cr_assert_eq(exchange(KC_SCRAM_SHA_256, "ghost", "anything", NULL, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "Authentication failed: Invalid user credentials");

    /* the fake reply is stable per (user, mechanism), like a stored credential */
    char *sf[4];
    const char *who[4] = {"ghost", "ghost", "phantom", "ghost"};
    int mech[4] = {KC_SCRAM_SHA_256, KC_SCRAM_SHA_256, KC_SCRAM_SHA_256, KC_SCRAM_SHA_512};
    char salts[4][64];
    for (int i = 0; i < 4; i++) {
        kc_scram_server *s = kc_scram_server_new(mech[i]);
        kc_scram_server_set_nonce(s, "SERVERNONCE");
        char first[64], user[64];
        snprintf(first, sizeof(first), "n,,n=%s,r=cn", who[i]);
        sf[i] = server_up_to_first(s, first, NULL, user, sizeof(user));
        cr_assert_eq(strncmp(sf[i], "r=cnSERVERNONCE,s=", 18), 0, "%s", sf[i]);
        const char *iattr = strstr(sf[i], ",i=");
        cr_assert_str_eq(iattr, ",i=4096");
        snprintf(salts[i], sizeof(salts[i]), "%.*s", (int)(iattr - (sf[i] + 18)), sf[i] + 18);
        /* a base36 string of a 130-bit number, as Kafka's generated salts */
        uint8_t raw[64];
        size_t rl = b64dec(salts[i], raw);
        cr_assert(rl >= 20 && rl <= 26, "salt of %zu bytes", rl);
        for (size_t k = 0; k < rl; k++)
            cr_assert((raw[k] >= '0' && raw[k] <= '9') || (raw[k] >= 'a' && raw[k] <= 'z'));
        kc_scram_server_free(s);
    }
    cr_assert_str_eq(salts[0], salts[1]);
    cr_assert_str_neq(salts[0], salts[2]);
    cr_assert_str_neq(salts[0], salts[3]);
    for (int i = 0; i < 4; i++)
        free(sf[i]);
}

Test(scram, credential_format_parse_round_trip)
{
    kc_scram_credential a = cred_for(KC_SCRAM_SHA_512, "admin-secret", SHA512_SALT, 8192), b;
    char *s = kc_scram_credential_format(&a);
    cr_assert_not_null(s);
    cr_assert_str_eq(s, SHA512_KAFKA_CRED);
    cr_assert_eq(kc_scram_credential_parse(KC_SCRAM_SHA_512, s, strlen(s), &b), 0);
    cr_assert_eq(b.mech, KC_SCRAM_SHA_512);
    cr_assert_eq(b.salt_len, strlen(SHA512_SALT));
    cr_assert_eq(memcmp(b.salt, SHA512_SALT, b.salt_len), 0);
    cr_assert_eq(memcmp(a.stored_key, b.stored_key, 64), 0);
    cr_assert_eq(memcmp(a.server_key, b.server_key, 64), 0);
    cr_assert_eq(b.iterations, 8192);
    free(s);

    kc_scram_credential r;
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pencil", 6, RFC_SALT,
                                                   sizeof(RFC_SALT), 4096, &r),
                 0);
    s = kc_scram_credential_format(&r);
    cr_assert_str_eq(s, RFC_KAFKA_CRED);
    free(s);
}

Test(scram, known_kafka_strings_parse)
{
    kc_scram_credential c, want;
    cr_assert_eq(
        kc_scram_credential_parse(KC_SCRAM_SHA_256, RFC_KAFKA_CRED, strlen(RFC_KAFKA_CRED), &c), 0);
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pencil", 6, RFC_SALT,
                                                   sizeof(RFC_SALT), 4096, &want),
                 0);
    cr_assert_eq(c.salt_len, 16);
    cr_assert_eq(memcmp(c.salt, RFC_SALT, 16), 0);
    cr_assert_eq(memcmp(c.stored_key, want.stored_key, 32), 0);
    cr_assert_eq(memcmp(c.server_key, want.server_key, 32), 0);
    cr_assert_eq(c.iterations, 4096);

    /* keys in another order, as Kafka reads them into a Properties */
    const char *reordered =
        "iterations=4096,server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=,"
        "salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key=WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=";
    cr_assert_eq(kc_scram_credential_parse(KC_SCRAM_SHA_256, reordered, strlen(reordered), &c), 0);
    cr_assert_eq(memcmp(c.server_key, want.server_key, 32), 0);
    /* any positive iteration count parses (the server refuses < 4096 when it uses it) */
    const char *low =
        "salt=W22ZaJ0SNY7soEsUEjb6gQ==,stored_key=WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLm"
        "tbsT4qY=,server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=,iterations=1";
    cr_assert_eq(kc_scram_credential_parse(KC_SCRAM_SHA_256, low, strlen(low), &c), 0);
    cr_assert_eq(c.iterations, 1);
    kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
    char user[64], *m = NULL;
    size_t n;
    cr_assert_eq(kc_scram_server_client_first(s, u8("n,,n=u,r=x"), 10, user, 64, NULL, 0), 0);
    cr_assert_eq(kc_scram_server_first(s, &c, &m, &n), -1);
    cr_assert_null(m);
    kc_scram_server_free(s);
    /* length bounds the input, not a NUL */
    char buf[sizeof(RFC_KAFKA_CRED) + 7];
    memcpy(buf, RFC_KAFKA_CRED "XXXXXXX", sizeof(buf));
    cr_assert_eq(kc_scram_credential_parse(KC_SCRAM_SHA_256, buf, strlen(RFC_KAFKA_CRED), &c), 0);
}

Test(scram, malformed_credential_strings_fail)
{
#define SALT ",salt=W22ZaJ0SNY7soEsUEjb6gQ=="
#define STK  ",stored_key=WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
#define SVK  ",server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
    static const char *BAD[] = {
        "salt=W22ZaJ0SNY7soEsUEjb6gQ==" STK SVK,                           /* no iterations */
        "iterations=4096" STK SVK,                                         /* no salt */
        "iterations=4096" SALT SVK,                                        /* no stored_key */
        "iterations=4096" SALT STK,                                        /* no server_key */
        "iterations=4096" SALT STK SVK ",extra=1",                         /* unknown key */
        "iterations=4096" SALT STK SVK SALT,                               /* duplicate */
        "iterations=4096" SALT STK SVK ",",                                /* trailing comma */
        "iterations=4096,salt=W22ZaJ0SNY7soEsUEjb6gQ=" STK SVK,            /* bad padding */
        "iterations=4096,salt=W22ZaJ0SNY7soEsUEjb6gQ" STK SVK,             /* unpadded */
        "iterations=4096,salt=W22ZaJ0SNY7soEsUEjb6gR==" STK SVK,           /* trailing bits */
        "iterations=4096,salt=W22Z*J0SNY7soEsUEjb6gQ==" STK SVK,           /* bad character */
        "iterations=4096,salt=" STK SVK,                                   /* empty salt */
        "iterations=4096" SALT ",stored_key=WG5d8oPm3OtcPnkdi4Uo7Bke" SVK, /* short key */
        "iterations=4096" SALT STK ",server_key=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dUA" SVK,
        "iterations=0" SALT STK SVK,
        "iterations=-4096" SALT STK SVK,
        "iterations=+4096" SALT STK SVK,
        "iterations=4096x" SALT STK SVK,
        "iterations=2147483648" SALT STK SVK,
        "iterations=" SALT STK SVK,
        "=4096" SALT STK SVK,
        "iterations" SALT STK SVK,
        "",
    };
    kc_scram_credential c;
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++)
        cr_assert_eq(kc_scram_credential_parse(KC_SCRAM_SHA_256, BAD[i], strlen(BAD[i]), &c), -1,
                     "accepted: %s", BAD[i]);
    /* SHA-256-sized keys are the wrong length for SCRAM-SHA-512 */
    cr_assert_eq(
        kc_scram_credential_parse(KC_SCRAM_SHA_512, RFC_KAFKA_CRED, strlen(RFC_KAFKA_CRED), &c),
        -1);
    cr_assert_eq(kc_scram_credential_parse(KC_SCRAM_SHA_256, SHA512_KAFKA_CRED,
                                           strlen(SHA512_KAFKA_CRED), &c),
                 -1);
    cr_assert_eq(kc_scram_credential_parse(0, RFC_KAFKA_CRED, strlen(RFC_KAFKA_CRED), &c), -1);
#undef SALT
#undef STK
#undef SVK
}

Test(scram, credential_builders_enforce_mechanism_bounds)
{
    kc_scram_credential c;
    const uint8_t salt[129] = {1};
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pw", 2, salt, 16, 4095, &c),
                 -1);
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pw", 2, salt, 16, 0, &c), -1);
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pw", 2, salt, 16, 16385, &c),
                 -1);
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pw", 2, salt, 0, 4096, &c),
                 -1);
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pw", 2, salt, 129, 4096, &c),
                 -1);
    cr_assert_eq(kc_scram_credential_from_password(3, "pw", 2, salt, 16, 4096, &c), -1);
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_256, "pw", 2, salt, 128, 4096, &c),
                 0);
    cr_assert_eq(c.salt_len, 128);
    cr_assert_eq(kc_scram_credential_from_password(KC_SCRAM_SHA_512, "pw", 2, salt, 16, 16384, &c),
                 0);
    cr_assert_eq(c.iterations, 16384);
}

Test(scram, salted_password_and_from_salted_match_from_password)
{
    uint8_t salted[64], want[64];
    cr_assert_eq(kc_scram_salted_password(KC_SCRAM_SHA_512, "admin-secret", 12, u8(SHA512_SALT),
                                          strlen(SHA512_SALT), 8192, salted),
                 0);
    cr_assert_eq(b64dec(SHA512_SALTED, want), 64);
    cr_assert_eq(memcmp(salted, want, 64), 0);

    kc_scram_credential a, b;
    cr_assert_eq(kc_scram_credential_from_salted(KC_SCRAM_SHA_512, salted, 64, u8(SHA512_SALT),
                                                 strlen(SHA512_SALT), 8192, &a),
                 0);
    b = cred_for(KC_SCRAM_SHA_512, "admin-secret", SHA512_SALT, 8192);
    cr_assert_eq(memcmp(a.stored_key, b.stored_key, 64), 0);
    cr_assert_eq(memcmp(a.server_key, b.server_key, 64), 0);
    cr_assert_eq(a.salt_len, b.salt_len);
    /* the salted password must be exactly one hash long */
    cr_assert_eq(kc_scram_credential_from_salted(KC_SCRAM_SHA_512, salted, 32, u8(SHA512_SALT),
                                                 strlen(SHA512_SALT), 8192, &a),
                 -1);
    cr_assert_eq(kc_scram_credential_from_salted(KC_SCRAM_SHA_256, salted, 64, u8(SHA512_SALT),
                                                 strlen(SHA512_SALT), 8192, &a),
                 -1);
    cr_assert_eq(kc_scram_credential_from_salted(KC_SCRAM_SHA_512, salted, 64, u8(SHA512_SALT),
                                                 strlen(SHA512_SALT), 2048, &a),
                 -1);
}

Test(scram, client_verify_rejects_a_wrong_server_signature)
{
    const char *bad[] = {
        "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", /* last character changed */
        "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* zeros */
        "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95A==", /* one byte short */
        "v=",
        "x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        "e=invalid-proof",
    };
    const char *errs[] = {
        "Invalid server signature in server final message",
        "Invalid server signature in server final message",
        "Invalid server signature in server final message",
        "Invalid server signature in server final message",
        "Invalid SCRAM server final message format",
        "Sasl authentication using SCRAM-SHA-256 failed with error: invalid-proof",
    };
    for (size_t i = 0; i <= sizeof(bad) / sizeof(bad[0]); i++) {
        kc_scram_client *c = kc_scram_client_new(KC_SCRAM_SHA_256, "user", "pencil");
        kc_scram_client_set_nonce(c, RFC_CNONCE);
        char *m, err[256] = "";
        size_t n;
        cr_assert_eq(kc_scram_client_first(c, &m, &n), 0);
        free(m);
        const char *sf = "r=" RFC_CNONCE RFC_SNONCE ",s=" RFC_SALT_B64 ",i=4096";
        cr_assert_eq(kc_scram_client_final(c, u8(sf), strlen(sf), &m, &n, err, sizeof(err)), 0);
        cr_assert_str_eq(m, RFC_FINAL);
        free(m);
        if (i == sizeof(bad) / sizeof(bad[0])) { /* control: the right one passes */
            cr_assert_eq(kc_scram_client_verify(c, u8(RFC_SRV_FINAL), strlen(RFC_SRV_FINAL), err,
                                                sizeof(err)),
                         0, "%s", err);
        } else {
            cr_assert_eq(kc_scram_client_verify(c, u8(bad[i]), strlen(bad[i]), err, sizeof(err)),
                         -1, "accepted %s", bad[i]);
            cr_assert_str_eq(err, errs[i]);
        }
        kc_scram_client_free(c);
    }
}

Test(scram, client_checks_the_server_first_message)
{
    static const struct {
        const char *msg;
        const char *err;
    } BAD[] = {
        {"r=otherNONCE,s=" RFC_SALT_B64 ",i=4096",
         "Invalid server nonce: does not start with client nonce"},
        {"r=clientnonc,s=" RFC_SALT_B64 ",i=4096",
         "Invalid server nonce: does not start with client nonce"},
        {"r=clientnonceSRV,s=" RFC_SALT_B64 ",i=4095",
         "Requested iterations 4095 is less than the minimum 4096 for SCRAM-SHA-256"},
        {"r=clientnonceSRV,s=" RFC_SALT_B64 ",i=0",
         "Invalid SCRAM server first message format: invalid iterations"},
        {"r=clientnonceSRV,s=" RFC_SALT_B64 ",i=99999999999",
         "Invalid SCRAM server first message format: invalid iterations"},
        {"r=clientnonceSRV,s=W22ZaJ0SNY7soEsUEjb6gQ,i=4096",
         "Invalid SCRAM server first message format"},
        {"r=clientnonceSRV,s=,i=4096", "Invalid SCRAM server first message format"},
        {"r=clientnonceSRV,i=4096,s=" RFC_SALT_B64, "Invalid SCRAM server first message format"},
        {"m=x,r=clientnonceSRV,s=" RFC_SALT_B64 ",i=4096", "Unsupported SCRAM mandatory extension"},
        {"e=other-error", "Invalid SCRAM server first message format"},
    };
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        kc_scram_client *c = kc_scram_client_new(KC_SCRAM_SHA_256, "user", "pencil");
        kc_scram_client_set_nonce(c, "clientnonce");
        char *m = NULL, err[256] = "";
        size_t n;
        cr_assert_eq(kc_scram_client_first(c, &m, &n), 0);
        free(m);
        m = NULL;
        cr_assert_eq(
            kc_scram_client_final(c, u8(BAD[i].msg), strlen(BAD[i].msg), &m, &n, err, sizeof(err)),
            -1, "accepted %s", BAD[i].msg);
        cr_assert_null(m);
        cr_assert_str_eq(err, BAD[i].err, "%s", BAD[i].msg);
        kc_scram_client_free(c);
    }
}

Test(scram, steps_out_of_order_fail)
{
    kc_scram_credential cred = cred_for(KC_SCRAM_SHA_256, "pencil", "NaCl-salt", 4096);
    char user[64], err[256] = "", *m = NULL;
    size_t n;

    /* server: step 2 first, step 3 first, step 1 twice, anything after completion */
    kc_scram_server *s = kc_scram_server_new(KC_SCRAM_SHA_256);
    cr_assert_eq(kc_scram_server_first(s, &cred, &m, &n), -1);
    cr_assert_null(m);
    cr_assert_eq(kc_scram_server_client_first(s, u8("n,,n=user,r=abc"), 15, user, sizeof(user), err,
                                              sizeof(err)),
                 -1, "a failed exchange stays failed");
    cr_assert_str_eq(err, "unexpected message");
    kc_scram_server_free(s);

    s = kc_scram_server_new(KC_SCRAM_SHA_256);
    cr_assert_eq(
        kc_scram_server_client_final(s, u8(RFC_FINAL), strlen(RFC_FINAL), &m, &n, err, sizeof(err)),
        -1);
    cr_assert_str_eq(err, "unexpected message");
    kc_scram_server_free(s);

    s = kc_scram_server_new(KC_SCRAM_SHA_256);
    cr_assert_eq(kc_scram_server_client_first(s, u8("n,,n=user,r=abc"), 15, user, sizeof(user), err,
                                              sizeof(err)),
                 0);
    cr_assert_eq(kc_scram_server_client_first(s, u8("n,,n=user,r=abc"), 15, user, sizeof(user), err,
                                              sizeof(err)),
                 -1);
    cr_assert_str_eq(err, "unexpected message");
    kc_scram_server_free(s);

    s = kc_scram_server_new(KC_SCRAM_SHA_256);
    kc_scram_client *c = kc_scram_client_new(KC_SCRAM_SHA_256, "user", "pencil");
    char *cf, *sf, *fin, *sfin;
    cr_assert_eq(kc_scram_client_first(c, &cf, &n), 0);
    cr_assert_eq(kc_scram_client_first(c, &m, &n), -1, "client step 1 twice");
    kc_scram_client_free(c);
    c = kc_scram_client_new(KC_SCRAM_SHA_256, "user", "pencil");
    free(cf);
    cr_assert_eq(
        kc_scram_client_verify(c, u8(RFC_SRV_FINAL), strlen(RFC_SRV_FINAL), err, sizeof(err)), -1,
        "client step 3 first");
    cr_assert_str_eq(err, "unexpected message");
    kc_scram_client_free(c);

    c = kc_scram_client_new(KC_SCRAM_SHA_256, "user", "pencil");
    cr_assert_eq(kc_scram_client_first(c, &cf, &n), 0);
    cr_assert_eq(kc_scram_server_client_first(s, u8(cf), n, user, sizeof(user), err, sizeof(err)),
                 0);
    cr_assert_eq(kc_scram_server_first(s, &cred, &sf, &n), 0);
    cr_assert_eq(kc_scram_server_first(s, &cred, &m, &n), -1, "server step 2 twice");
    cr_assert_eq(kc_scram_client_final(c, u8(sf), strlen(sf), &fin, &n, err, sizeof(err)), 0);
    cr_assert_eq(kc_scram_server_client_final(s, u8(fin), n, &sfin, &n, err, sizeof(err)), -1,
                 "the exchange failed at the repeated step 2");
    kc_scram_server_free(s);

    /* a completed exchange accepts nothing more */
    s = kc_scram_server_new(KC_SCRAM_SHA_256);
    cr_assert_eq(
        kc_scram_server_client_first(s, u8(cf), strlen(cf), user, sizeof(user), err, sizeof(err)),
        0);
    free(sf);
    cr_assert_eq(kc_scram_server_first(s, &cred, &sf, &n), 0);
    kc_scram_client_free(c);
    c = kc_scram_client_new(KC_SCRAM_SHA_256, "user", "pencil");
    char nonce[128];
    snprintf(nonce, sizeof(nonce), "%.*s", (int)(strlen(cf) - 12), cf + 12);
    kc_scram_client_set_nonce(c, nonce);
    free(cf);
    cr_assert_eq(kc_scram_client_first(c, &cf, &n), 0);
    free(fin);
    cr_assert_eq(kc_scram_client_final(c, u8(sf), strlen(sf), &fin, &n, err, sizeof(err)), 0);
    cr_assert_eq(kc_scram_server_client_final(s, u8(fin), n, &sfin, &n, err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_eq(kc_scram_client_verify(c, u8(sfin), n, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(kc_scram_client_verify(c, u8(sfin), n, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "unexpected message");
    free(sfin);
    sfin = NULL;
    cr_assert_eq(kc_scram_server_client_final(s, u8(fin), strlen(fin), &sfin, &n, err, sizeof(err)),
                 -1);
    cr_assert_str_eq(err, "unexpected message");
    cr_assert_null(sfin);
    free(cf);
    free(sf);
    free(fin);
    kc_scram_client_free(c);
    kc_scram_server_free(s);
}
