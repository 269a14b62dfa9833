/*
 * The server side of one SASL exchange on one connection, for the mechanisms cafka serves:
 * PLAIN (RFC 4616, Kafka's PlainSaslServer: users from the listener's JAAS line
 * `user_<name>="<password>"`) and SCRAM-SHA-256/512 (RFC 5802/7677, Kafka's ScramSaslServer:
 * credentials from the SCRAM store). The transport (SaslAuthenticate or bare v0 tokens) is the
 * caller's; this module only turns client tokens into server tokens and a verdict.
 * Error texts are Kafka's, and never say whether a user exists.
 */
#ifndef KC_SASL_SERVER_H
#define KC_SASL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "config/jaas.h"
#include "security/scram_store.h"

typedef struct kc_sasl_server kc_sasl_server;

enum kc_sasl_step {
    KC_SASL_CONTINUE = 0, /* send the output token and wait for the next client token */
    KC_SASL_DONE,         /* authenticated: send the output token (may be empty) */
    KC_SASL_FAILED,       /* authentication failed: err holds the message for the client */
};

/**
 * Start an exchange for @p mechanism ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512").
 * @p plain_users: the listener's PLAIN JAAS configuration (borrowed; needed for PLAIN);
 * @p store: the SCRAM credentials (borrowed; needed for SCRAM). Both must outlive the exchange.
 * @return the exchange, or NULL for another mechanism. Aborts on OOM.
 */
kc_sasl_server *kc_sasl_server_new(const char *mechanism, const kc_jaas *plain_users,
                                   const kc_scram_store *store);

/**
 * Feed the client's next token (@p in, @p len bytes).
 * @param out     receives a malloc'd token to send back (possibly 0 bytes; caller frees), or
 *                NULL on KC_SASL_FAILED.
 * @param err     on KC_SASL_FAILED, the message for SaslAuthenticate's error_message.
 * @return enum kc_sasl_step. A token after DONE or FAILED fails.
 */
int kc_sasl_server_step(kc_sasl_server *s, const uint8_t *in, size_t len, uint8_t **out,
                        size_t *out_len, char *err, size_t errlen);

/** The authenticated user name (after KC_SASL_DONE), else NULL. Borrowed from @p s. */
const char *kc_sasl_server_user(const kc_sasl_server *s);

/** The mechanism name given to kc_sasl_server_new(). */
const char *kc_sasl_server_mechanism(const kc_sasl_server *s);

/** Free the exchange (void * so that a connection can hold it opaquely). NULL is fine. */
void kc_sasl_server_free(void *s);

#endif
