/*
 * The `--command-config FILE` of the `cafka` admin commands: a Java properties file with the
 * client settings Kafka's tools read (kafka-topics.sh --command-config, kafka-configs.sh
 * --command-config, kafka-leader-election.sh --admin.config), so the file an operator already
 * has for Kafka's tools works here. librdkafka's own names are accepted too.
 *
 * File syntax: java.util.Properties.load — `key=value`, `key: value` or `key value`; `#` and
 * `!` start comment lines; a line ending in an odd number of backslashes continues on the next
 * (leading blanks of the continuation dropped); escapes \t \n \r \f \uXXXX and \<any char>.
 * A key given twice keeps its last value, as Properties does.
 *
 * The security settings, understood here and handed to both clients (librdkafka in
 * admin_common.c, the wire client in wire_client.c):
 *   security.protocol      PLAINTEXT (default), SSL, SASL_PLAINTEXT, SASL_SSL (any case)
 *   sasl.mechanism         PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (Kafka's default, GSSAPI, is
 *                          not supported); librdkafka's sasl.mechanisms is an alias
 *   sasl.jaas.config       `org.apache.kafka.common.security.plain.PlainLoginModule required
 *                          username="u" password="p";` (or ...scram.ScramLoginModule): the
 *                          username and password are taken from it
 *   sasl.username / sasl.password   librdkafka's names; they win over sasl.jaas.config
 *   ssl.truststore.location (+ ssl.truststore.type PEM) or ssl.ca.location: CA file (PEM);
 *   ssl.truststore.certificates or ssl.ca.pem: CA certificates as PEM text
 *   ssl.keystore.location: with ssl.keystore.type PEM (or a file that is PEM) a file holding
 *                          the client certificate and key; with PKCS12 a PKCS#12 file
 *                          (password ssl.keystore.password); JKS is refused
 *   ssl.keystore.certificate.chain / ssl.keystore.key: PEM text (Kafka's PEM-in-config form)
 *   ssl.certificate.location / ssl.key.location / ssl.certificate.pem / ssl.key.pem: librdkafka's
 *   ssl.key.password       the password of the client key
 *   ssl.endpoint.identification.algorithm  https (default: the broker's certificate must name
 *                          the host connected to) or empty / none
 *   enable.ssl.certificate.verification    librdkafka's; false disables verification
 * The trust and key store settings get Kafka's own consistency checks and messages
 * (DefaultSslEngineFactory: "SSL trust store password cannot be specified for PEM format.", "SSL
 * key store is specified, but key store password is not specified.", ...).
 * Secrets (passwords, the JAAS line, keys) are never part of a message from this module.
 */
#ifndef KC_CLIENT_CONFIG_H
#define KC_CLIENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/wire_client.h"

typedef struct kc_client_prop {
    char *key, *value;
    int line; /* where the (last) setting was read */
} kc_client_prop;

typedef struct kc_client_config {
    char *path;
    kc_client_prop *props; /* file order of first appearance; values of the last appearance */
    size_t n, cap;
    /* derived by kc_client_config_load; the strings point into props or into owned copies */
    kc_wire_security sec;
    char *jaas_username, *jaas_password; /* owned copies from sasl.jaas.config */
    bool keystore_pkcs12;                /* ssl.keystore.location is PKCS#12 */
} kc_client_config;

/**
 * Read @p path and derive the security settings (see above).
 * @param out  zeroed by the call; release with kc_client_config_free (also after a failure).
 * @return 0, or -1 with a one-line reason in @p err naming the file, the line and the key
 *         (never a secret value): unreadable file, bad escape, unknown security.protocol,
 *         unsupported sasl.mechanism, a SASL protocol without credentials, a JAAS line that
 *         does not parse or names no username/password, a JKS store.
 */
int kc_client_config_load(const char *path, kc_client_config *out, char *err, size_t errlen);

/** The value of @p key, or NULL. */
const char *kc_client_config_get(const kc_client_config *c, const char *key);

/** True for keys whose values must never be printed (passwords, JAAS lines, keys). */
bool kc_client_config_is_secret(const char *key);

/** Free everything @p c owns, cleansing secret values; @p c is zeroed. */
void kc_client_config_free(kc_client_config *c);

#endif
