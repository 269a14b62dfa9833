/*
 * SASL SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Apache Kafka 2.8 speaks them
 * (clients/.../security/scram/internals: ScramMechanism, ScramFormatter, ScramMessages,
 * ScramSaslServer, ScramSaslClient, ScramCredentialUtils): credentials and their ZooKeeper
 * string form, the broker's side of one exchange and the client's side (inter-broker, tests).
 *
 * Owns: the SCRAM arithmetic (Hi = PBKDF2-HMAC, ClientKey, StoredKey, ServerKey, signatures,
 * proofs, all through OpenSSL), the message grammar, the state machine of one exchange.
 * Not owned: framing (SaslHandshake/SaslAuthenticate), credential lookup in /config/users, and
 * what the client is told on failure (the caller sends one fixed message whatever the reason).
 *
 * Invariants:
 *  - Every message is parsed with its length, never past it, and refused above
 *    KC_SCRAM_MAX_MESSAGE bytes; nothing is allocated from a number the peer chose beyond that cap.
 *  - Every comparison involving a secret (StoredKey, ServerSignature) is CRYPTO_memcmp.
 *  - The server checks, byte for byte, that the client-final nonce equals the combined nonce
 *    (CVE-2024-56128; also accepted: the client nonce followed by it, which librdkafka up to
 *    2.6.0 sends) and that the channel binding echoes the gs2 header; an authzid other than
 *    the username is refused (CVE-2017-12610).
 *  - An exchange object runs its steps once, in order; any failure is final (state FAILED).
 *  - Passwords are used as their bytes: no SASLprep, as Kafka (ScramFormatter.normalize is
 *    plain UTF-8 encoding).
 *  - The only global state is the per-process random key that derives fake credentials for
 *    unknown users, created once under pthread_once; everything else lives in the objects, so
 *    distinct objects may be used from distinct threads (the broker uses one thread anyway).
 */
#ifndef KC_SCRAM_H
#define KC_SCRAM_H

#include <stddef.h>
#include <stdint.h>

/* Kafka's ScramMechanism type ids (the `mechanism` int8 of Describe/AlterUserScramCredentials). */
enum { KC_SCRAM_SHA_256 = 1, KC_SCRAM_SHA_512 = 2 };

/* ScramMechanism.minIterations / maxIterations (the same for both mechanisms). */
#define KC_SCRAM_MIN_ITERATIONS 4096
#define KC_SCRAM_MAX_ITERATIONS 16384
/* Longest salt a credential holds; longer ones are refused everywhere a credential is built. */
#define KC_SCRAM_MAX_SALT_BYTES 128
/* Longest SCRAM message accepted from a peer, in bytes. */
#define KC_SCRAM_MAX_MESSAGE 65536
/* Longest hash (SHA-512), the size of the key arrays below. */
#define KC_SCRAM_MAX_HASH_LEN 64

/** "SCRAM-SHA-256" or "SCRAM-SHA-512" for @p mech (static strings), NULL for any other value. */
const char *kc_scram_mechanism_name(int mech);

/**
 * The mechanism named @p name (NUL-terminated), compared exactly and case-sensitively as
 * ScramMechanism.forMechanismName; -1 for NULL or any other name.
 */
int kc_scram_mechanism_parse(const char *name);

/** The digest length of @p mech in bytes: 32 (SHA-256), 64 (SHA-512), 0 for anything else. */
size_t kc_scram_hash_len(int mech);

/**
 * One user's credential for one mechanism (Kafka's ScramCredential): what the broker keeps, and
 * never the password. stored_key and server_key use the first kc_scram_hash_len(mech) bytes.
 */
typedef struct kc_scram_credential {
    int mech;
    uint8_t salt[KC_SCRAM_MAX_SALT_BYTES];
    size_t salt_len; /* 1..KC_SCRAM_MAX_SALT_BYTES */
    uint8_t stored_key[KC_SCRAM_MAX_HASH_LEN];
    uint8_t server_key[KC_SCRAM_MAX_HASH_LEN];
    int32_t iterations;
} kc_scram_credential;

/**
 * Hi(password, salt, iterations) (RFC 5802 §2.2: PBKDF2-HMAC with dkLen = hash length), the
 * "salted password" that kafka-configs and AlterUserScramCredentials clients compute.
 * @param password      @p password_len bytes used as they are (no SASLprep; NULL allowed if 0)
 * @param salt          1..KC_SCRAM_MAX_SALT_BYTES bytes
 * @param iterations    KC_SCRAM_MIN_ITERATIONS..KC_SCRAM_MAX_ITERATIONS (ScramMechanism bounds)
 * @param out           receives kc_scram_hash_len(mech) bytes (caller's buffer)
 * @return 0, or -1 for an unknown @p mech, iterations or salt length out of range, a password
 *         longer than INT_MAX, a NULL pointer, or an OpenSSL failure (out is then unspecified).
 */
int kc_scram_salted_password(int mech, const char *password, size_t password_len,
                             const uint8_t *salt, size_t salt_len, int32_t iterations,
                             uint8_t *out);

/**
 * Build the credential for @p password as ScramFormatter.generateCredential does with a given
 * salt: SaltedPassword = Hi(...), ClientKey = HMAC(SaltedPassword, "Client Key"),
 * StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key") (RFC 5802 §3).
 * Arguments and bounds as kc_scram_salted_password(); @p out is filled (caller-owned) on success.
 * @return 0, or -1 on every error of kc_scram_salted_password() or a NULL @p out.
 */
int kc_scram_credential_from_password(int mech, const char *password, size_t password_len,
                                      const uint8_t *salt, size_t salt_len, int32_t iterations,
                                      kc_scram_credential *out);

/**
 * The same from an already salted password, as AlterUserScramCredentials carries it (salt +
 * salted_password; Kafka's ZkAdminManager/ControllerApis check iterations against the
 * mechanism's min and max and otherwise derive the keys like this).
 * @param salted        exactly kc_scram_hash_len(mech) bytes
 * @return 0, or -1 for an unknown @p mech, @p salted_len other than the hash length, iterations
 *         outside [KC_SCRAM_MIN_ITERATIONS, KC_SCRAM_MAX_ITERATIONS], a salt not 1..128 bytes,
 *         a NULL pointer or an OpenSSL failure.
 */
int kc_scram_credential_from_salted(int mech, const uint8_t *salted, size_t salted_len,
                                    const uint8_t *salt, size_t salt_len, int32_t iterations,
                                    kc_scram_credential *out);

/**
 * Parse Kafka's ZooKeeper form of a credential (ScramCredentialUtils.credentialFromString), the
 * value of the "SCRAM-SHA-256"/"SCRAM-SHA-512" key in /config/users/<user>:
 * "salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>".
 * @param s, len  the string (need not be NUL-terminated; at most KC_SCRAM_MAX_MESSAGE bytes)
 * Rules: the four keys each exactly once, in any order (Kafka reads them into a Properties), and
 * nothing else; standard base64 with padding, canonical (RFC 4648 §4; trailing bits zero);
 * salt 1..KC_SCRAM_MAX_SALT_BYTES bytes; stored_key and server_key exactly
 * kc_scram_hash_len(mech) bytes; iterations decimal digits only, 1..INT32_MAX (Kafka accepts any
 * positive count here; the minimum is enforced when the server uses the credential).
 * Stricter than Java where Java is lax and Kafka never writes that form: no sign, no unpadded
 * base64, no trailing comma, no duplicate key, no empty salt.
 * @return 0 with @p out filled (out->mech = mech), or -1 on anything malformed or unknown mech.
 */
int kc_scram_credential_parse(int mech, const char *s, size_t len, kc_scram_credential *out);

/**
 * Kafka's ZooKeeper form of @p c (ScramCredentialUtils.credentialToString), keys in Kafka's
 * order, standard padded base64, iterations in decimal.
 * @return a malloc'd NUL-terminated string the caller frees, or NULL for NULL, an unknown mech,
 *         a salt length outside 1..128 or an allocation failure.
 */
char *kc_scram_credential_format(const kc_scram_credential *c);

/* ---- server side of one exchange (ScramSaslServer) ---- */

typedef struct kc_scram_server kc_scram_server;

/** A new exchange for @p mech; NULL for an unknown mech or no memory. Free with _free. */
kc_scram_server *kc_scram_server_new(int mech);

/** Free @p s (NULL allowed); key material it held is cleansed first. */
void kc_scram_server_free(kc_scram_server *s);

/**
 * Step 1: the client-first-message (RFC 5802 §7, Kafka's ClientFirstMessage grammar):
 * gs2-header "n,," or "n,a=<saslname>," then "n=<saslname>,r=<nonce>" then optional
 * ",<alpha>=<value>" extensions.
 *  - Only channel-binding flag "n" is accepted, as Kafka ("y" and "p=" are refused).
 *  - saslname: bytes 0x01..0x7F except ',' and '=', plus the escapes "=2C" (',') and "=3D"
 *    ('='); any other '=' is an error, as is an empty name. Kafka's grammar is ASCII-only, so
 *    a non-ASCII user name is refused here as it is by Kafka.
 *  - authzid, if present, is unescaped likewise and must equal the username, else -1 with
 *    "Authentication failed: Client requested an authorization id that is different from
 *    username" (CVE-2017-12610; RFC-correct: Kafka compares the still-escaped authzid).
 *  - nonce: one or more of 0x21..0x7E except ','.
 *  - a reserved "m=" attribute is refused (RFC 5802 §5.1 "MUST cause authentication failure";
 *    Kafka's grammar would skip it).
 *  - extensions: key [A-Za-z]+, value 0x01..0x7F except ','; unknown ones are ignored as in
 *    Kafka; "tokenauth" with value "true" (any case, Boolean.parseBoolean) is refused: delegation
 *    tokens are not supported.
 * @param msg, len   the message (at most KC_SCRAM_MAX_MESSAGE bytes)
 * @param user       receives the unescaped username, NUL-terminated; @p user_cap bytes incl. NUL
 * @param err        receives a NUL-terminated reason on failure (may be NULL / errlen 0)
 * @return 0, or -1 on a malformed message, a name longer than user_cap - 1, an out-of-order call
 *         ("unexpected message") or a refusal above; the exchange is then FAILED.
 */
int kc_scram_server_client_first(kc_scram_server *s, const uint8_t *msg, size_t len, char *user,
                                 size_t user_cap, char *err, size_t errlen);

/**
 * Step 2: the server-first-message "r=<client nonce><server nonce>,s=<b64 salt>,i=<iterations>".
 * The server nonce is 32 characters of base64 alphabet from RAND_bytes (or the test nonce).
 * @param cred  the user's credential for this mechanism (copied; the caller keeps ownership), or
 *              NULL if the user has none: then a fake credential is answered, derived by HMAC
 *              from the username and a per-process random key (a 25- or 26-character base36
 *              salt like Kafka's own, 4096 iterations), so the reply looks like a real user's
 *              and is stable per name; step 3 then always fails. (Kafka itself fails step 1
 *              for an unknown user; this is the RFC 5802 §9 advice instead.)
 * @param out, out_len  receive a malloc'd NUL-terminated message (length without the NUL) that
 *              the caller frees
 * @return 0, or -1 if called out of order, if @p cred is for another mechanism, has iterations
 *         below KC_SCRAM_MIN_ITERATIONS (Kafka: "Iterations .. is less than the minimum") or a
 *         salt length outside 1..128, or on RAND/allocation failure; the exchange is then FAILED.
 */
int kc_scram_server_first(kc_scram_server *s, const kc_scram_credential *cred, char **out,
                          size_t *out_len);

/**
 * Step 3: the client-final-message "c=<b64 cbind>,r=<nonce>[,<alpha>=<value>...],p=<b64 proof>".
 * Checked in order: c decodes to exactly the gs2 header of step 1 (c=biws for "n,,"); r equals
 * the combined nonce byte for byte, or the client nonce followed by the combined nonce
 * (librdkafka <= 2.6.0's form) (CVE-2024-56128); p is hash-length bytes and
 * H(p XOR HMAC(StoredKey, AuthMessage)) == StoredKey (CRYPTO_memcmp). AuthMessage is
 * client-first-message-bare "," server-first-message "," client-final-message-without-proof,
 * each exactly as sent (RFC 5802 §3; identical to Kafka's reconstruction for every message
 * Kafka's and librdkafka's clients send).
 * @param out, out_len  on success a malloc'd "v=<b64 ServerSignature>" the caller frees
 * @param err  the reason on failure, for the log only: the caller must send the client the same
 *             answer whatever the reason
 * @return 0 (exchange COMPLETE), or -1 (FAILED) on any check above, a malformed or oversized
 *         message, an unknown user, an out-of-order call or an allocation failure.
 */
int kc_scram_server_client_final(kc_scram_server *s, const uint8_t *msg, size_t len, char **out,
                                 size_t *out_len, char *err, size_t errlen);

/** Test hook: use @p server_nonce (0x21..0x7E except ',', 1..255 bytes; ignored otherwise)
 *  instead of a random nonce in step 2. */
void kc_scram_server_set_nonce(kc_scram_server *s, const char *server_nonce);

/* ---- client side (ScramSaslClient): the inter-broker client and tests ---- */

typedef struct kc_scram_client kc_scram_client;

/**
 * A new client exchange as @p user (NUL-terminated; 1..8192 bytes, sent escaped) with
 * @p password (NUL-terminated, used as its bytes). Both are copied; the password copy is
 * cleansed on free. NULL for an unknown mech, NULL/empty/overlong user, NULL password or no
 * memory.
 */
kc_scram_client *kc_scram_client_new(int mech, const char *user, const char *password);

/** Free @p c (NULL allowed), cleansing the password and derived keys. */
void kc_scram_client_free(kc_scram_client *c);

/**
 * Step 1: "n,,n=<escaped user>,r=<nonce>" (no authzid, no extensions, as Kafka's client);
 * the nonce is 32 base64-alphabet characters from RAND_bytes, or the test nonce.
 * @param out, out_len  a malloc'd NUL-terminated message the caller frees
 * @return 0, or -1 if called out of order or on RAND/allocation failure.
 */
int kc_scram_client_first(kc_scram_client *c, char **out, size_t *out_len);

/**
 * Step 2: read the server-first-message (grammar of Kafka's ServerFirstMessage, "m=" refused,
 * trailing extensions ignored), check that its nonce starts with ours and that iterations is a
 * positive int32 not below KC_SCRAM_MIN_ITERATIONS (ScramSaslClient's checks), then compute
 * the proof and answer "c=biws,r=<combined nonce>,p=<b64 proof>". Iterations have no upper
 * bound, as in Kafka, so a hostile server can make this step slow.
 * @param out, out_len  a malloc'd NUL-terminated message the caller frees
 * @return 0, or -1 with @p err filled on a malformed or oversized message, a failed check, an
 *         out-of-order call, or an OpenSSL/allocation failure.
 */
int kc_scram_client_final(kc_scram_client *c, const uint8_t *server_first, size_t len, char **out,
                          size_t *out_len, char *err, size_t errlen);

/**
 * Step 3: read the server-final-message: "v=<b64 ServerSignature>[,extensions]" must carry
 * exactly the signature we expect (CRYPTO_memcmp), which proves the server knew the ServerKey;
 * "e=<error>" is a failure reported in @p err as Kafka's "Sasl authentication using <mech>
 * failed with error: <error>".
 * @return 0 (authenticated both ways), or -1 with @p err filled.
 */
int kc_scram_client_verify(kc_scram_client *c, const uint8_t *server_final, size_t len, char *err,
                           size_t errlen);

/** Test hook: use @p nonce (0x21..0x7E except ',', 1..255 bytes; ignored otherwise) instead of
 *  a random nonce in step 1. */
void kc_scram_client_set_nonce(kc_scram_client *c, const char *nonce);

#endif
