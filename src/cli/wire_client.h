/*
 * A small blocking Kafka client for the `cafka` tools, for the requests librdkafka 2.0.2 cannot
 * send (ElectLeaders, DescribeUserScramCredentials, AlterUserScramCredentials): one TCP
 * connection, optionally TLS (OpenSSL) and SASL (SaslHandshake v1 + SaslAuthenticate v1 with
 * PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, as Kafka's Java client and librdkafka do), then one
 * request at a time with the generated codecs of kc_apis.h.
 *
 * Every operation has a deadline: kc_wire_connect bounds connect + TLS + SASL by its
 * timeout, each kc_wire_request bounds its round trip by the same timeout; a peer that stalls
 * makes the call fail, never hang. The socket is non-blocking underneath and waited on with
 * poll(). Writes use MSG_NOSIGNAL (plain) or rely on SIGPIPE being ignored (TLS; main_cafka.c
 * ignores it).
 *
 * Secrets: the SASL password and TLS key password are only read from @p sec; no message this
 * module produces contains them.
 */
#ifndef KC_WIRE_CLIENT_H
#define KC_WIRE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/* How to reach the brokers: Kafka's security.protocol and the settings it needs. Strings are
 * borrowed (cli/client_config.h fills this from a --command-config file). Zeroed = PLAINTEXT. */
typedef struct kc_wire_security {
    bool tls;                   /* SSL or SASL_SSL */
    const char *sasl_mechanism; /* NULL: no SASL; PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 */
    const char *sasl_username;
    const char *sasl_password;
    /* TLS trust: a PEM file and/or PEM text; neither = the system's default CA paths */
    const char *ca_file, *ca_pem;
    /* TLS client certificate (optional): PEM files, PEM text, or a PKCS#12 file */
    const char *cert_file, *key_file, *cert_pem, *key_pem, *key_password;
    const char *pkcs12_file, *pkcs12_password;
    bool no_verify;          /* enable.ssl.certificate.verification=false */
    bool no_hostname_verify; /* ssl.endpoint.identification.algorithm= (empty) or none */
} kc_wire_security;

typedef struct kc_wire kc_wire;

/** A response: @p body is positioned at the response body (after the correlation id and, for
 *  flexible versions, the header's tagged fields) and reads from @p buf. */
typedef struct kc_wire_resp {
    uint8_t *buf; /* owned; kc_wire_resp_free() */
    kc_rbuf body;
} kc_wire_resp;

/**
 * Connect to @p host:@p port, do TLS and SASL as @p sec says (NULL = PLAINTEXT), all within
 * @p timeout_ms.
 * @param client_id  sent in every request header
 * @return the connection (kc_wire_close()), or NULL with a one-line reason in @p err, e.g.
 *         "Connection to 127.0.0.1:9092 failed: Connection refused", "SSL handshake with ...
 *         failed: certificate verify failed", or the broker's SASL error message.
 */
kc_wire *kc_wire_connect(const char *host, int port, const kc_wire_security *sec,
                         const char *client_id, int timeout_ms, char *err, size_t errlen);

/**
 * Connect to the first server of @p bootstrap ("host:port[,host:port...]") that accepts the
 * connection (and authentication), trying them in order.
 * @return as kc_wire_connect(); @p err holds the last failure, or a malformed-list message.
 */
kc_wire *kc_wire_connect_bootstrap(const char *bootstrap, const kc_wire_security *sec,
                                   const char *client_id, int timeout_ms, char *err, size_t errlen);

/**
 * Send one request (header v1, or v2 when kc_api_is_flexible(@p api_key, @p api_version)) with
 * @p body (an encoded request body) and wait for its response.
 * @return 0 and @p out filled (kc_wire_resp_free()), or -1 with @p err set (I/O error, timeout,
 *         the connection closed, a response to another correlation id, a response above
 *         100 MiB). After a failure the connection must not be used again.
 */
int kc_wire_request(kc_wire *w, int16_t api_key, int16_t api_version, const kc_wbuf *body,
                    kc_wire_resp *out, char *err, size_t errlen);

/** Free what kc_wire_request returned; safe on a zeroed @p r. */
void kc_wire_resp_free(kc_wire_resp *r);

/**
 * The versions of @p api_key the broker serves, from ApiVersions v0 (sent once per connection,
 * then cached).
 * @return 0 with *min and *max set, 1 when the broker does not list the API, -1 with @p err set.
 */
int kc_wire_api_versions(kc_wire *w, int16_t api_key, int16_t *min, int16_t *max, char *err,
                         size_t errlen);

/**
 * Ask @p w's broker for the cluster's controller (Metadata v1: controller_id and the brokers'
 * addresses on the listener @p w uses) and connect to it with @p w's security settings.
 * @param retriable  (may be NULL) set to true when the failure may pass (no controller known
 *                   yet, or the controller's connection failed: it may be moving), false when
 *                   @p w itself failed (and must not be used again)
 * @return a new connection, or NULL with @p err set ("The controller is not available ...", a
 *         connection or authentication failure, or @p w's request failure).
 */
kc_wire *kc_wire_connect_controller(kc_wire *w, bool *retriable, char *err, size_t errlen);

/** "host:port" of the connection (static storage inside @p w). */
const char *kc_wire_peer(const kc_wire *w);

/** Close the connection and free everything (NULL allowed). */
void kc_wire_close(kc_wire *w);

#endif
