/*
 * The broker's listeners (`listeners` config): one libevent evconnlistener per entry, PLAINTEXT
 * sockets or SSL through bufferevent_openssl, and the OpenSSL context built from Kafka's ssl.*
 * configs (PEM key and trust stores, KIP-651). Accepted connections pass the connection quotas
 * first (net/conn_quotas.h).
 */
#ifndef KC_LISTENERS_H
#define KC_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

struct kc_broker;
struct ssl_ctx_st;

/**
 * OpenSSL's pem_password_cb for a key protected by the password @p userdata (a NUL-terminated
 * string, or NULL for none): copies it into @p buf (at most @p size bytes) and returns its length.
 */
int kc_tls_key_password_cb(char *buf, int size, int rwflag, void *userdata);

/**
 * Build the TLS server context: TLS 1.2 minimum (TLS 1.3 only when ssl.enabled.protocols lists
 * only it), certificate chain and private key from ssl.keystore.location (one PEM file holding
 * both; ssl.key.password decrypts an encrypted key), trust anchors from ssl.truststore.location,
 * ssl.client.auth none/requested/required (required = mTLS: a client without a certificate
 * signed by the trust store fails the handshake). Renegotiation is disabled.
 * @return the context (caller owns, SSL_CTX_free()), or NULL with @p err naming the key at fault.
 */
struct ssl_ctx_st *kc_tls_server_ctx_new(const kc_config *cfg, char *err, size_t errlen);

/**
 * Build the TLS client context of inter-broker connections (replica fetchers, requests to the
 * controller) from the same keys: the broker presents its keystore certificate (for
 * ssl.client.auth=required peers) and verifies the peer against ssl.truststore.location.
 * @return the context (caller owns), or NULL with @p err naming the key at fault.
 */
struct ssl_ctx_st *kc_tls_client_ctx_new(const kc_config *cfg, char *err, size_t errlen);

/**
 * Bind and listen on every configured listener. @return 0, or -1 after logging which listener
 * could not bind (address in use...).
 */
int kc_listeners_start(struct kc_broker *b);

/** Stop accepting on every listener (idempotent). */
void kc_listeners_stop(struct kc_broker *b);

/**
 * Pause (@p on false) or resume accepting on the client listeners, all but the inter-broker
 * one: at max.connections new connections wait in the kernel's backlog, as Kafka's acceptor
 * blocks, until a connection closes. Idempotent; logs the pause.
 */
void kc_listeners_set_accepting(struct kc_broker *b, bool on);

#endif
