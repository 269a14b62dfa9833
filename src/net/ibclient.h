/*
 * The inter-broker client on the reactor: one non-blocking connection to another broker's
 * listener (PLAINTEXT or SSL), carrying requests in order and matching responses by their
 * correlation id (responses come back in request order per connection, as on every Kafka
 * connection). Replica fetchers and the broker-to-controller requests (AlterIsr,
 * ControlledShutdown) use it; nothing on it blocks the reactor except the address lookup of a
 * host name (numeric addresses and /etc/hosts names resolve without waiting).
 *
 * Failure model: any connect, TLS, read or write error, a malformed frame or a request left
 * unanswered for timeout_ms closes the connection and fails every request in flight (callback
 * with body NULL), in order. The next send opens a new connection; backing off is the caller's
 * decision (replica.fetch.backoff.ms, the controller retry interval), not this module's.
 */
#ifndef KC_IBCLIENT_H
#define KC_IBCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

struct event_base;
struct ssl_ctx_st;

typedef struct kc_ibclient kc_ibclient;

/** Outcome of one client step of a SASL exchange. */
enum { KC_IBSASL_CONTINUE = 0, KC_IBSASL_DONE, KC_IBSASL_FAILED };

/**
 * The client side of SASL mechanisms, supplied from above (security/sasl_client.h) so that this
 * layer does not depend on it. step() gets the server's last token (NULL, 0 before the first
 * one) and returns KC_IBSASL_CONTINUE with a malloc'd token to send in *out, KC_IBSASL_DONE when
 * the exchange completed (nothing to send), or KC_IBSASL_FAILED with @p err set.
 */
typedef struct kc_ibclient_sasl_ops {
    void *(*start)(const char *mechanism, const char *username, const char *password);
    int (*step)(void *session, const uint8_t *in, size_t in_len, uint8_t **out, size_t *out_len,
                char *err, size_t errlen);
    void (*free)(void *session);
} kc_ibclient_sasl_ops;

/** How connections reach the other brokers: TLS and/or SASL, as the inter-broker listener's
 *  security protocol says. Everything borrowed; it must outlive the clients that use it. */
typedef struct kc_ibclient_security {
    struct ssl_ctx_st *ssl_ctx; /* TLS when not NULL */
    const char *sasl_mechanism; /* SASL when not NULL: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 */
    const char *sasl_username;
    const char *sasl_password;
    const kc_ibclient_sasl_ops *sasl_ops;
} kc_ibclient_security;

/**
 * Response of one request: @p body is positioned at the response body (after the correlation id
 * and, for flexible versions, the header's tagged fields) and valid only during the call; NULL
 * when the request failed. The callback may send more requests on the same client, and may free
 * it (then no further callback of that client runs).
 */
typedef void (*kc_ibclient_cb)(void *arg, int16_t api_key, int16_t api_version, kc_rbuf *body);

/**
 * A client for @p host:@p port with @p sec (borrowed; NULL = PLAINTEXT): TLS through
 * sec->ssl_ctx (the peer's certificate is checked against its trust store by the context's
 * verify mode), then, with sec->sasl_mechanism, SaslHandshake v1 and SaslAuthenticate v1 before
 * anything else on every new connection (requests sent meanwhile wait; a failed authentication
 * fails them like a broken connection). No connection is opened until the first send.
 * @p client_id goes into every request header; @p timeout_ms bounds each round trip
 * (replica.socket.timeout.ms, controller.socket.timeout.ms).
 * @return the client (kc_ibclient_free()); aborts on OOM.
 */
kc_ibclient *kc_ibclient_new(struct event_base *base, const kc_ibclient_security *sec,
                             const char *host, int port, const char *client_id, int timeout_ms);

/**
 * Queue request (@p api_key, @p api_version) with body @p body (its bytes are copied; the caller
 * frees @p body) after a request header v1, or v2 for flexible versions. @p cb is called exactly
 * once, with the response or with NULL (possibly before this returns, when no connection can be
 * opened), unless the client is freed first.
 */
void kc_ibclient_send(kc_ibclient *c, int16_t api_key, int16_t api_version, const kc_wbuf *body,
                      kc_ibclient_cb cb, void *arg);

/** Requests sent and not answered yet. */
int kc_ibclient_in_flight(const kc_ibclient *c);

/** "host:port" of the peer, for logs. */
const char *kc_ibclient_peer(const kc_ibclient *c);

/**
 * Close the connection now and fail every request in flight (callbacks with NULL); the next send
 * reconnects. Callbacks must not send on @p c synchronously (schedule a retry instead).
 */
void kc_ibclient_close(kc_ibclient *c);

/** Close the connection and free @p c; callbacks of requests in flight are not called. */
void kc_ibclient_free(kc_ibclient *c);

#endif
