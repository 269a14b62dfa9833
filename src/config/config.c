/*
 * The catalogue of broker keys and the Java .properties reader. Defaults are Kafka's
 * (KafkaConfig); a key without a default is "unset" (a null string, or the numeric `unset`
 * value) and is resolved from another key at derive time. Update modes are Kafka 2.8's
 * DynamicBrokerConfig ones, except that a key Kafka can update but cafka only reads at start-up
 * is read-only here.
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "config/jaas.h"
#include "proto/compression.h"

#define F(field) offsetof(kc_config, field)
#define IMAX     INT32_MAX
#define LMAX     INT64_MAX
#define RO       KC_CU_READ_ONLY
#define CW       KC_CU_CLUSTER_WIDE

/* clang-format off */
#define I32(n, f, d, lo, hi, u)       {n, KC_CK_INT, F(f), d, lo, hi, 0, u, false, false}
#define I64(n, f, d, lo, hi, u)       {n, KC_CK_LONG, F(f), d, lo, hi, 0, u, false, false}
#define I32_UNSET(n, f, z, lo, hi, u) {n, KC_CK_INT, F(f), NULL, lo, hi, z, u, false, false}
#define I64_UNSET(n, f, z, lo, hi, u) {n, KC_CK_LONG, F(f), NULL, lo, hi, z, u, false, false}
#define BOOL(n, f, d, u)              {n, KC_CK_BOOL, F(f), d, 0, 0, 0, u, false, false}
#define STR(n, f, d)                  {n, KC_CK_STRING, F(f), d, 0, 0, 0, RO, false, false}
#define SECRET(n, f)                  {n, KC_CK_STRING, F(f), NULL, 0, 0, 0, RO, true, false}
#define IGNORED(n)                    {n, KC_CK_IGNORED, 0, NULL, 0, 0, 0, RO, false, true}
#define IGNORED_SECRET(n)             {n, KC_CK_IGNORED, 0, NULL, 0, 0, 0, RO, true, false}
#define DESCRIBED(n, d)               {n, KC_CK_DESCRIBED, 0, d, 0, 0, 0, RO, false, false}
/* clang-format on */

static const kc_config_key keys[] = {
    I32("broker.id", broker_id, "-1", -1, IMAX, RO),
    STR("listeners", listeners_raw, "PLAINTEXT://:9092"),
    STR("advertised.listeners", advertised_listeners_raw, NULL),
    STR("listener.security.protocol.map", listener_security_protocol_map,
        "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"),
    STR("inter.broker.listener.name", inter_broker_listener_name, NULL),
    STR("security.inter.broker.protocol", security_inter_broker_protocol, "PLAINTEXT"),
    STR("log.dirs", log_dirs_raw, NULL),
    STR("log.dir", log_dir, "/tmp/kafka-logs"),
    STR("zookeeper.connect", zookeeper_connect, NULL),
    I32("zookeeper.session.timeout.ms", zookeeper_session_timeout_ms, "18000", 1, IMAX, RO),
    I32_UNSET("zookeeper.connection.timeout.ms", zookeeper_connection_timeout_ms, -1, -1, IMAX, RO),
    BOOL("zookeeper.set.acl", zookeeper_set_acl, "false", RO),
    /* cafka's own: the digest identity ("user:password") of every broker's ZooKeeper session,
     * where Kafka reads a JAAS Client section */
    SECRET("zookeeper.auth.digest", zookeeper_auth_digest),
    I32("num.partitions", num_partitions, "1", 1, IMAX, RO),
    I32("default.replication.factor", default_replication_factor, "1", 1, INT16_MAX, RO),
    I32("min.insync.replicas", min_insync_replicas, "1", 1, IMAX, CW),
    BOOL("auto.create.topics.enable", auto_create_topics_enable, "true", RO),
    BOOL("delete.topic.enable", delete_topic_enable, "true", RO),
    BOOL("unclean.leader.election.enable", unclean_leader_election_enable, "false", CW),
    I32("controller.socket.timeout.ms", controller_socket_timeout_ms, "30000", 1, IMAX, RO),
    I32("socket.request.max.bytes", socket_request_max_bytes, "104857600", 1, IMAX, RO),
    /* Kafka's request queue and memory pool; cafka's admission (net/conn.c) */
    I32("queued.max.requests", queued_max_requests, "500", 1, IMAX, RO),
    I64("queued.max.request.bytes", queued_max_request_bytes, "-1", -1, LMAX, RO),
    /* cafka's own: response bytes in memory for all connections together (net/conn.c) */
    I64("queued.max.response.bytes", queued_max_response_bytes, "104857600", -1, LMAX, RO),
    I32("message.max.bytes", message_max_bytes, "1048588", 0, IMAX, CW),
    I32("log.segment.bytes", log_segment_bytes, "1073741824", 14, IMAX, CW),
    I64_UNSET("log.retention.ms", log_retention_ms, -2, -2, LMAX, CW),
    I32_UNSET("log.retention.minutes", log_retention_minutes, -2, -2, IMAX, CW),
    I32("log.retention.hours", log_retention_hours, "168", -1, IMAX, CW),
    I64("log.retention.bytes", log_retention_bytes, "-1", -1, LMAX, CW),
    I64("log.retention.check.interval.ms", log_retention_check_interval_ms, "300000", 1, LMAX, RO),
    I64_UNSET("log.roll.ms", log_roll_ms, -1, -1, LMAX, CW),
    I32("log.roll.hours", log_roll_hours, "168", 1, IMAX, CW),
    I64("log.flush.interval.messages", log_flush_interval_messages, "9223372036854775807", 1, LMAX,
        CW),
    I64_UNSET("log.flush.interval.ms", log_flush_interval_ms, -1, -1, LMAX, CW),
    I32("log.index.interval.bytes", log_index_interval_bytes, "4096", 0, IMAX, CW),
    I32("log.index.size.max.bytes", log_index_size_max_bytes, "10485760", 4, IMAX, CW),
    I64("log.segment.delete.delay.ms", log_segment_delete_delay_ms, "60000", 0, LMAX, CW),
    I64("log.cleaner.delete.retention.ms", log_cleaner_delete_retention_ms, "86400000", 0, LMAX,
        CW),
    I64("log.flush.offset.checkpoint.interval.ms", log_flush_offset_checkpoint_interval_ms, "60000",
        1, LMAX, RO),
    I64("log.flush.scheduler.interval.ms", log_flush_scheduler_interval_ms, "9223372036854775807",
        1, LMAX, RO),
    /* cluster-wide in Kafka (LogCleaner); cafka reads it from the static config */
    I64("log.cleaner.backoff.ms", log_cleaner_backoff_ms, "15000", 0, LMAX, RO),
    I32("offsets.topic.num.partitions", offsets_topic_num_partitions, "50", 1, IMAX, RO),
    I32("offsets.topic.replication.factor", offsets_topic_replication_factor, "3", 1, INT16_MAX,
        RO),
    I32("offsets.topic.segment.bytes", offsets_topic_segment_bytes, "104857600", 1, IMAX, RO),
    I32("offsets.commit.required.acks", offsets_commit_required_acks, "-1", -1, 1, RO),
    I32("offsets.commit.timeout.ms", offsets_commit_timeout_ms, "5000", 1, IMAX, RO),
    I32("offsets.retention.minutes", offsets_retention_minutes, "10080", 1, IMAX, RO),
    I64("offsets.retention.check.interval.ms", offsets_retention_check_interval_ms, "600000", 1,
        LMAX, RO),
    I32("offsets.load.buffer.size", offsets_load_buffer_size, "5242880", 1, IMAX, RO),
    /* Kafka 2.8 also expires idle idempotent producers after it (producer.id.expiration.ms is 3.4)
     */
    I32("transactional.id.expiration.ms", transactional_id_expiration_ms, "604800000", 1, IMAX, RO),
    I32("offset.metadata.max.bytes", offset_metadata_max_bytes, "4096", 0, IMAX, RO),
    I64("replica.lag.time.max.ms", replica_lag_time_max_ms, "30000", 1, LMAX, RO),
    I32("max.incremental.fetch.session.cache.slots", max_incremental_fetch_session_cache_slots,
        "1000", 0, IMAX, RO),
    I32("replica.fetch.max.bytes", replica_fetch_max_bytes, "1048576", 0, IMAX, RO),
    I32("replica.fetch.min.bytes", replica_fetch_min_bytes, "1", 1, IMAX, RO),
    I32("replica.fetch.wait.max.ms", replica_fetch_wait_max_ms, "500", 0, IMAX, RO),
    I32("replica.fetch.backoff.ms", replica_fetch_backoff_ms, "1000", 0, IMAX, RO),
    I32("replica.fetch.response.max.bytes", replica_fetch_response_max_bytes, "10485760", 0, IMAX,
        RO),
    I32("replica.socket.timeout.ms", replica_socket_timeout_ms, "30000", 1, IMAX, RO),
    /* cluster-wide in Kafka (DynamicThreadPool); cafka sizes its fetcher set at start-up */
    I32("num.replica.fetchers", num_replica_fetchers, "1", 1, 64, RO),
    I32("num.recovery.threads.per.data.dir", num_recovery_threads_per_data_dir, "1", 1, 64, RO),
    I64("replica.high.watermark.checkpoint.interval.ms",
        replica_high_watermark_checkpoint_interval_ms, "5000", 1, LMAX, RO),
    BOOL("controlled.shutdown.enable", controlled_shutdown_enable, "true", RO),
    I32("controlled.shutdown.max.retries", controlled_shutdown_max_retries, "3", 0, IMAX, RO),
    I64("controlled.shutdown.retry.backoff.ms", controlled_shutdown_retry_backoff_ms, "5000", 0,
        LMAX, RO),
    BOOL("auto.leader.rebalance.enable", auto_leader_rebalance_enable, "true", RO),
    I64("leader.imbalance.check.interval.seconds", leader_imbalance_check_interval_seconds, "300",
        1, LMAX, RO),
    I32("leader.imbalance.per.broker.percentage", leader_imbalance_per_broker_percentage, "10", 0,
        100, RO),
    I32("group.initial.rebalance.delay.ms", group_initial_rebalance_delay_ms, "3000", 0, IMAX, RO),
    I32("group.min.session.timeout.ms", group_min_session_timeout_ms, "6000", 0, IMAX, RO),
    I32("group.max.session.timeout.ms", group_max_session_timeout_ms, "1800000", 0, IMAX, RO),
    I32("group.max.size", group_max_size, "2147483647", 1, IMAX, RO),
    STR("broker.rack", broker_rack, NULL),
    /* per-broker (listener-prefixed) in Kafka; cafka loads its TLS context at start-up */
    STR("ssl.keystore.type", ssl_keystore_type, "JKS"),
    STR("ssl.keystore.location", ssl_keystore_location, NULL),
    SECRET("ssl.key.password", ssl_key_password),
    IGNORED_SECRET("ssl.keystore.password"),
    STR("ssl.truststore.type", ssl_truststore_type, "JKS"),
    STR("ssl.truststore.location", ssl_truststore_location, NULL),
    IGNORED_SECRET("ssl.truststore.password"),
    {"ssl.client.auth", KC_CK_CLIENT_AUTH, F(ssl_client_auth), "none", 0, 0, 0, RO, false, false},
    STR("ssl.enabled.protocols", ssl_enabled_protocols, "TLSv1.2,TLSv1.3"),
    /* cluster-wide in Kafka (DynamicConnectionQuota); cafka reads them at start-up */
    I32("max.connections", max_connections, "2147483647", 0, IMAX, RO),
    I32("max.connections.per.ip", max_connections_per_ip, "2147483647", 0, IMAX, RO),
    STR("max.connections.per.ip.overrides", max_connections_per_ip_overrides_raw, ""),
    I64("connections.max.idle.ms", connections_max_idle_ms, "600000", 1, LMAX, RO),
    /* a client config in Kafka (KIP-601); cafka's deadline for TLS handshakes and frames */
    I64("socket.connection.setup.timeout.ms", socket_connection_setup_timeout_ms, "10000", 1, LMAX,
        RO),
    /* per-listener in Kafka (listener.name.<l>.sasl.enabled.mechanisms); one set for all here */
    STR("sasl.enabled.mechanisms", sasl_enabled_mechanisms, "GSSAPI"),
    STR("sasl.mechanism.inter.broker.protocol", sasl_mechanism_inter_broker_protocol, "GSSAPI"),
    I32("sasl.server.max.receive.size", sasl_server_max_receive_size, "524288", 1, IMAX, RO),
    /* the authorizer (KIP-504 names); its ACLs live in /kafka-acl* (security/acl.h) */
    STR("authorizer.class.name", authorizer_class_name, ""),
    STR("super.users", super_users, NULL),
    BOOL("allow.everyone.if.no.acl.found", allow_everyone_if_no_acl_found, "false", RO),
    STR("ssl.principal.mapping.rules", ssl_principal_mapping_rules, "DEFAULT"),
    /* Kafka broker defaults of topic configs cafka has no broker key for */
    DESCRIBED("log.cleanup.policy", "delete"),
    STR("compression.type", compression_type, "producer"),
    DESCRIBED("log.cleaner.max.compaction.lag.ms", "9223372036854775807"),
    DESCRIBED("log.cleaner.min.compaction.lag.ms", "0"),
    DESCRIBED("log.cleaner.min.cleanable.ratio", "0.5"),
    DESCRIBED("log.message.downconversion.enable", "true"),
    DESCRIBED("log.message.format.version", "3.0-IV1"),
    DESCRIBED("log.message.timestamp.difference.max.ms", "9223372036854775807"),
    DESCRIBED("log.message.timestamp.type", "CreateTime"),
    DESCRIBED("log.preallocate", "false"),
    DESCRIBED("log.roll.jitter.ms", NULL),
    DESCRIBED("log.roll.jitter.hours", "0"),
    /* Known Kafka keys that tune Kafka's JVM threads and pools; cafka's design has no use for
     * them, so they are accepted silently to let stock server.properties files load. */
    IGNORED("num.network.threads"),
    IGNORED("num.io.threads"),
    IGNORED("socket.send.buffer.bytes"),
    IGNORED("socket.receive.buffer.bytes"),
    IGNORED("transaction.state.log.replication.factor"),
    IGNORED("transaction.state.log.min.isr"),
    IGNORED("ssl.endpoint.identification.algorithm"),
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

const kc_config_key *kc_config_keys(size_t *n)
{
    *n = N_KEYS;
    return keys;
}

const kc_config_key *kc_config_key_find(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int parse_int64(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return -1;
    long long v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

#define JAAS_PREFIX "listener.name."
#define JAAS_SUFFIX ".sasl.jaas.config"

/* listener.name.<listener>.<mechanism>.sasl.jaas.config: kept for validation at derive time.
 * @return 1 taken, 0 not such a key, -1 error. */
static int set_jaas(kc_config *c, const char *key, const char *value, char *err, size_t errlen)
{
    size_t kl = strlen(key), pl = strlen(JAAS_PREFIX), sl = strlen(JAAS_SUFFIX);
    if (kl <= pl + sl || strncmp(key, JAAS_PREFIX, pl) || strcmp(key + kl - sl, JAAS_SUFFIX))
        return 0;
    const char *mid = key + pl, *dot = memchr(mid, '.', kl - pl - sl);
    size_t llen = dot ? (size_t)(dot - mid) : 0, mlen = dot ? kl - sl - pl - llen - 1 : 0;
    kc_jaas_conf tmp = {0};
    if (!dot || llen == 0 || mlen == 0 || llen >= sizeof(tmp.listener) ||
        mlen >= sizeof(tmp.mechanism)) {
        set_err(err, errlen,
                "invalid key '%s': expected listener.name.<listener>.<mechanism>.sasl.jaas.config",
                key);
        return -1;
    }
    for (size_t i = 0; i < llen; i++)
        tmp.listener[i] = (char)toupper((unsigned char)mid[i]);
    for (size_t i = 0; i < mlen; i++)
        tmp.mechanism[i] = (char)toupper((unsigned char)dot[1 + i]);
    kc_jaas_conf *slot = NULL;
    for (int i = 0; i < c->n_jaas; i++)
        if (!strcmp(c->jaas[i].listener, tmp.listener) &&
            !strcmp(c->jaas[i].mechanism, tmp.mechanism))
            slot = &c->jaas[i];
    if (!slot) {
        if (c->n_jaas == KC_MAX_JAAS) {
            set_err(err, errlen, "invalid key '%s': more than %d JAAS configurations", key,
                    KC_MAX_JAAS);
            return -1;
        }
        slot = &c->jaas[c->n_jaas++];
        *slot = tmp;
    }
    free(slot->text);
    slot->text = strdup(value);
    if (!slot->text)
        kc_fatal("config: out of memory");
    return 1;
}

int kc_config_set(kc_config *c, const char *key, const char *value, char *err, size_t errlen)
{
    const kc_config_key *k = kc_config_key_find(key);
    if (!k)
        return set_jaas(c, key, value, err, errlen);
    char *base = (char *)c;
    switch (k->type) {
    case KC_CK_DESCRIBED:
        return 0;
    case KC_CK_IGNORED:
        return 1;
    case KC_CK_INT:
    case KC_CK_LONG: {
        int64_t v;
        if (parse_int64(value, &v)) {
            set_err(err, errlen, "invalid value '%s' for '%s': not an integer", value, key);
            return -1;
        }
        if (v < k->min || v > k->max) {
            set_err(err, errlen, "invalid value '%s' for '%s': must be in [%lld, %lld]", value, key,
                    (long long)k->min, (long long)k->max);
            return -1;
        }
        if (k->type == KC_CK_INT)
            *(int32_t *)(base + k->off) = (int32_t)v;
        else
            *(int64_t *)(base + k->off) = v;
        return 1;
    }
    case KC_CK_BOOL:
        if (strcasecmp(value, "true") == 0)
            *(bool *)(base + k->off) = true;
        else if (strcasecmp(value, "false") == 0)
            *(bool *)(base + k->off) = false;
        else {
            set_err(err, errlen, "invalid value '%s' for '%s': must be true or false", value, key);
            return -1;
        }
        return 1;
    case KC_CK_CLIENT_AUTH:
        if (strcasecmp(value, "none") == 0)
            *(int *)(base + k->off) = KC_SSL_AUTH_NONE;
        else if (strcasecmp(value, "requested") == 0)
            *(int *)(base + k->off) = KC_SSL_AUTH_REQUESTED;
        else if (strcasecmp(value, "required") == 0)
            *(int *)(base + k->off) = KC_SSL_AUTH_REQUIRED;
        else {
            set_err(err, errlen,
                    "invalid value '%s' for '%s': must be one of none, requested, required", value,
                    key);
            return -1;
        }
        return 1;
    case KC_CK_STRING: {
        char **dst = (char **)(base + k->off);
        free(*dst);
        *dst = strdup(value);
        if (!*dst)
            kc_fatal("config: out of memory");
        return 1;
    }
    }
    return 0;
}

/* Java .properties unescaping of one logical line's key or value, in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\\' && r[1]) {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r == 'r' ? '\r' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Splits "key=value", "key: value" or "key value" at the first unescaped separator. */
static int apply_line(kc_config *c, char *line, const char *origin, int lineno, char *err,
                      size_t errlen)
{
    char *s = trim(line);
    if (!*s || *s == '#' || *s == '!')
        return 0;
    char *sep = s;
    while (*sep && !(*sep == '=' || *sep == ':' || isspace((unsigned char)*sep))) {
        if (*sep == '\\' && sep[1])
            sep++;
        sep++;
    }
    char *value = sep;
    if (*sep) {
        bool ws = isspace((unsigned char)*sep);
        *sep = '\0';
        value = trim(sep + 1);
        /* "key  =  value": after whitespace an '=' or ':' may still follow */
        if (ws && (*value == '=' || *value == ':'))
            value = trim(value + 1);
    }
    unescape(s);
    unescape(value);
    int rc = kc_config_set(c, s, value, err, errlen);
    if (rc == 0)
        kc_warn("CONFIG", "%s:%d: unknown config key '%s' ignored", origin, lineno, s);
    return rc < 0 ? -1 : 0;
}

static int load_file(kc_config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(err, errlen, "cannot read config file '%s': %s", path, strerror(errno));
        return -1;
    }
    char *logical = NULL;
    size_t llen = 0;
    char buf[8192];
    int lineno = 0, start_line = 0, rc = 0;
    while (fgets(buf, sizeof(buf), f)) {
        lineno++;
        size_t n = strlen(buf);
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        /* a line ending in an odd number of backslashes continues on the next */
        size_t bs = 0;
        while (bs < n && buf[n - 1 - bs] == '\\')
            bs++;
        bool cont = bs % 2 == 1;
        if (cont)
            buf[--n] = '\0';
        if (!logical) { /* a comment line never continues, even when it ends in '\\' */
            char *first = trim(buf);
            if (*first == '#' || *first == '!')
                continue;
        }
        char *piece = logical ? trim(buf) : buf;
        size_t plen = strlen(piece);
        char *grown = realloc(logical, llen + plen + 1);
        if (!grown)
            kc_fatal("config: out of memory");
        if (!logical)
            start_line = lineno;
        logical = grown;
        memcpy(logical + llen, piece, plen + 1);
        llen += plen;
        if (cont)
            continue;
        if (apply_line(c, logical, path, start_line, err, errlen)) {
            rc = -1;
            break;
        }
        free(logical);
        logical = NULL;
        llen = 0;
    }
    if (rc == 0 && logical && apply_line(c, logical, path, start_line, err, errlen))
        rc = -1;
    free(logical);
    fclose(f);
    return rc;
}

static int protocol_of(const char *map, const char *name, int *proto, char *err, size_t errlen)
{
    char *copy = strdup(map);
    if (!copy)
        kc_fatal("config: out of memory");
    char *save = NULL;
    const char *found = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        if (!colon)
            continue;
        *colon = '\0';
        if (strcasecmp(trim(tok), name) == 0)
            found = trim(colon + 1);
        if (found)
            break;
    }
    int rc = 0;
    if (!found) {
        set_err(err, errlen, "listener name '%s' has no entry in 'listener.security.protocol.map'",
                name);
        rc = -1;
    } else if (strcasecmp(found, "PLAINTEXT") == 0) {
        *proto = KC_SEC_PLAINTEXT;
    } else if (strcasecmp(found, "SSL") == 0) {
        *proto = KC_SEC_SSL;
    } else if (strcasecmp(found, "SASL_PLAINTEXT") == 0) {
        *proto = KC_SEC_SASL_PLAINTEXT;
    } else if (strcasecmp(found, "SASL_SSL") == 0) {
        *proto = KC_SEC_SASL_SSL;
    } else {
        set_err(err, errlen, "security protocol '%s' of listener '%s' is not supported", found,
                name);
        rc = -1;
    }
    free(copy);
    return rc;
}

int kc_config_parse_listeners(const char *list, const char *protocol_map, kc_listener_conf *out,
                              int max, char *err, size_t errlen)
{
    char *copy = strdup(list);
    if (!copy)
        kc_fatal("config: out of memory");
    int n = 0, rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (!*tok)
            continue;
        char *sep = strstr(tok, "://");
        if (!sep || sep == tok || n >= max) {
            set_err(err, errlen, "malformed listener '%s' (expected NAME://host:port)", tok);
            rc = -1;
            break;
        }
        kc_listener_conf *l = &out[n];
        memset(l, 0, sizeof(*l));
        *sep = '\0';
        snprintf(l->name, sizeof(l->name), "%s", tok);
        for (char *p = l->name; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        char *hostport = sep + 3;
        char *colon = strrchr(hostport, ':');
        int64_t port;
        if (!colon || parse_int64(colon + 1, &port) || port < 0 || port > 65535) {
            set_err(err, errlen, "malformed listener '%s://%s' (bad or missing port)", l->name,
                    hostport);
            rc = -1;
            break;
        }
        *colon = '\0';
        if (hostport[0] == '[') { /* IPv6 literal */
            size_t hl = strlen(hostport);
            if (hl >= 2 && hostport[hl - 1] == ']') {
                hostport[hl - 1] = '\0';
                hostport++;
            }
        }
        snprintf(l->host, sizeof(l->host), "%s", hostport);
        l->port = (int)port;
        for (int i = 0; i < n; i++)
            if (strcmp(out[i].name, l->name) == 0) {
                set_err(err, errlen, "listener name '%s' appears twice", l->name);
                rc = -1;
            }
        if (rc || protocol_of(protocol_map, l->name, &l->protocol, err, errlen)) {
            rc = -1;
            break;
        }
        n++;
    }
    free(copy);
    if (rc == 0 && n == 0) {
        set_err(err, errlen, "no listener in '%s'", list);
        rc = -1;
    }
    return rc ? -1 : n;
}

/* max.connections.per.ip.overrides: "ip:limit,ip:limit" (Kafka takes host names too; cafka
 * compares numeric addresses). */
static int parse_ip_overrides(kc_config *c, char *err, size_t errlen)
{
    const char *raw =
        c->max_connections_per_ip_overrides_raw ? c->max_connections_per_ip_overrides_raw : "";
    char *copy = strdup(raw), *save = NULL;
    if (!copy)
        kc_fatal("config: out of memory");
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (!*tok)
            continue;
        char *colon = strrchr(tok, ':'), *end = NULL;
        long limit = colon ? strtol(colon + 1, &end, 10) : -1;
        if (!colon || colon == tok || end == colon + 1 || *end || limit < 0 || limit > INT32_MAX ||
            (size_t)(colon - tok) >= sizeof(c->ip_overrides[0].host) ||
            c->n_ip_overrides >= KC_MAX_IP_OVERRIDES) {
            set_err(err, errlen,
                    "invalid value '%s' for 'max.connections.per.ip.overrides': expected "
                    "ip:limit[,ip:limit...] (at most %d entries), got '%s'",
                    raw, KC_MAX_IP_OVERRIDES, tok);
            rc = -1;
            break;
        }
        kc_ip_limit *o = &c->ip_overrides[c->n_ip_overrides++];
        memcpy(o->host, tok, (size_t)(colon - tok));
        o->host[colon - tok] = 0;
        o->limit = (int32_t)limit;
    }
    free(copy);
    return rc;
}

/* The mechanisms cafka serves, indexed by their bit number (enum kc_sasl_mechanism_bit). */
static const char *const sasl_mechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};

/* The kc_sasl_mechanism_bit of @p name, or 0 for a mechanism cafka does not serve. */
static int sasl_mechanism_bit(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, sasl_mechanisms[i]))
            return 1 << i;
    return 0;
}

/* sasl.enabled.mechanisms and the JAAS lines, checked when a listener uses SASL (Kafka's
 * default GSSAPI is harmless without one). */
static int derive_sasl(kc_config *c, char *err, size_t errlen)
{
    bool any_sasl = false;
    for (int i = 0; i < c->n_listeners; i++)
        any_sasl |= kc_sec_is_sasl(c->listeners[i].protocol);
    for (int i = 0; i < c->n_jaas; i++) {
        kc_jaas_conf *j = &c->jaas[i];
        char why[300];
        j->parsed = calloc(1, sizeof(*j->parsed));
        if (!j->parsed)
            kc_fatal("config: out of memory");
        if (kc_jaas_parse(j->text, j->parsed, why, sizeof(why))) {
            set_err(err, errlen, "invalid value for 'listener.name.%s.%s.sasl.jaas.config': %s",
                    j->listener, j->mechanism, why);
            return -1;
        }
    }
    c->sasl_mechanisms = 0;
    c->n_sasl_mechanism_names = 0;
    char *copy = strdup(c->sasl_enabled_mechanisms), *save = NULL;
    if (!copy)
        kc_fatal("config: out of memory");
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        int bit = sasl_mechanism_bit(tok);
        if (bit && !(c->sasl_mechanisms & bit)) {
            c->sasl_mechanisms |= bit;
            c->sasl_mechanism_names[c->n_sasl_mechanism_names++] = sasl_mechanisms[ffs(bit) - 1];
        } else if (!bit && *tok && any_sasl) {
            set_err(err, errlen,
                    "invalid value '%s' for 'sasl.enabled.mechanisms': mechanism '%s' is not "
                    "supported (cafka serves PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512)",
                    c->sasl_enabled_mechanisms, tok);
            rc = -1;
        }
    }
    free(copy);
    if (rc || !any_sasl)
        return rc;
    if (!c->sasl_mechanisms) {
        set_err(err, errlen, "invalid value '%s' for 'sasl.enabled.mechanisms': no mechanism",
                c->sasl_enabled_mechanisms);
        return -1;
    }
    for (int i = 0; i < c->n_listeners; i++) {
        const kc_listener_conf *l = &c->listeners[i];
        if (!kc_sec_is_sasl(l->protocol) || !(c->sasl_mechanisms & KC_SASL_PLAIN))
            continue;
        const kc_jaas *j = kc_config_jaas(c, l->name, "PLAIN");
        if (!j || !strstr(j->login_module, "PlainLoginModule")) {
            char lower[64];
            snprintf(lower, sizeof(lower), "%s", l->name);
            for (char *p = lower; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            set_err(err, errlen,
                    "missing 'listener.name.%s.plain.sasl.jaas.config' (a PlainLoginModule line "
                    "with user_<name>=\"<password>\" options): listener %s enables PLAIN",
                    lower, l->name);
            return -1;
        }
    }
    if (!kc_sec_is_sasl(kc_config_inter_broker_protocol(c)))
        return 0;
    const char *mech = c->sasl_mechanism_inter_broker_protocol;
    int bit = sasl_mechanism_bit(mech);
    if (!(c->sasl_mechanisms & bit)) {
        set_err(err, errlen,
                "invalid value '%s' for 'sasl.mechanism.inter.broker.protocol': the inter-broker "
                "listener is SASL and the mechanism must be one of sasl.enabled.mechanisms (%s)",
                mech, c->sasl_enabled_mechanisms);
        return -1;
    }
    const char *ib = kc_config_inter_broker_listener(c);
    const kc_jaas *j = kc_config_jaas(c, ib, mech);
    if (!j || !kc_jaas_get(j, "username") || !kc_jaas_get(j, "password")) {
        set_err(err, errlen,
                "missing username and password in 'listener.name.%s.%s.sasl.jaas.config': the "
                "broker authenticates to other brokers with them",
                ib, mech);
        return -1;
    }
    return 0;
}

/* Kafka 2.8's ZooKeeper-mode authorizer under its current and its pre-KIP-504 name. */
static const char *const acl_authorizers[] = {"kafka.security.authorizer.AclAuthorizer",
                                              "kafka.security.auth.SimpleAclAuthorizer"};

static int derive_authorizer(kc_config *c, char *err, size_t errlen)
{
    const char *name = c->authorizer_class_name ? trim(c->authorizer_class_name) : "";
    c->authorizer = false;
    for (size_t i = 0; i < sizeof(acl_authorizers) / sizeof(acl_authorizers[0]); i++)
        c->authorizer |= strcmp(name, acl_authorizers[i]) == 0;
    if (*name && !c->authorizer) {
        set_err(err, errlen,
                "invalid value '%s' for 'authorizer.class.name': cafka's authorizer is "
                "kafka.security.authorizer.AclAuthorizer (ACLs in ZooKeeper)",
                name);
        return -1;
    }
    if (c->ssl_principal_mapping_rules && strcmp(trim(c->ssl_principal_mapping_rules), "DEFAULT")) {
        set_err(err, errlen,
                "invalid value '%s' for 'ssl.principal.mapping.rules': only DEFAULT (the "
                "certificate's distinguished name) is supported",
                c->ssl_principal_mapping_rules);
        return -1;
    }
    return 0;
}

static int derive(kc_config *c, char *err, size_t errlen)
{
    const char *digest = c->zookeeper_auth_digest;
    if (digest && *digest && (!strchr(digest, ':') || *digest == ':')) {
        set_err(err, errlen,
                "invalid value for 'zookeeper.auth.digest': expected <user>:<password>");
        return -1;
    }
    if (c->zookeeper_set_acl && !(digest && *digest)) {
        /* Kafka refuses zookeeper.set.acl without a secure ZooKeeper client */
        set_err(err, errlen,
                "'zookeeper.set.acl' is true but 'zookeeper.auth.digest' is not set: znodes "
                "created with creator-only ACLs need an authenticated session");
        return -1;
    }
    if (parse_ip_overrides(c, err, errlen) || derive_authorizer(c, err, errlen))
        return -1;
    if (kc_compression_type_parse(c->compression_type) == -2) {
        set_err(err, errlen,
                "invalid value '%s' for 'compression.type': must be one of uncompressed, zstd, "
                "lz4, snappy, gzip, producer",
                c->compression_type);
        return -1;
    }
    if (!c->zookeeper_connect || !*c->zookeeper_connect) {
        set_err(err, errlen, "missing required config 'zookeeper.connect'");
        return -1;
    }
    if (c->broker_id < 0) {
        set_err(err, errlen,
                "invalid value '%d' for 'broker.id': must be set to an id >= 0 (broker id "
                "generation is not supported)",
                c->broker_id);
        return -1;
    }
    char sub[400];
    c->n_listeners = kc_config_parse_listeners(c->listeners_raw, c->listener_security_protocol_map,
                                               c->listeners, KC_MAX_LISTENERS, sub, sizeof(sub));
    if (c->n_listeners < 0) {
        set_err(err, errlen, "invalid value '%s' for 'listeners': %s", c->listeners_raw, sub);
        return -1;
    }
    const char *adv = c->advertised_listeners_raw ? c->advertised_listeners_raw : c->listeners_raw;
    c->n_advertised = kc_config_parse_listeners(adv, c->listener_security_protocol_map,
                                                c->advertised, KC_MAX_LISTENERS, sub, sizeof(sub));
    if (c->n_advertised < 0) {
        set_err(err, errlen, "invalid value '%s' for 'advertised.listeners': %s", adv, sub);
        return -1;
    }
    for (int i = 0; i < c->n_advertised; i++) {
        if (c->advertised[i].port == 0) {
            set_err(err, errlen, "invalid value '%s' for 'advertised.listeners': port 0", adv);
            return -1;
        }
        if (!c->advertised[i].host[0]) /* Kafka advertises the canonical host name */
            snprintf(c->advertised[i].host, sizeof(c->advertised[i].host), "localhost");
    }
    if (derive_sasl(c, err, errlen))
        return -1;
    bool has_ssl = false;
    for (int i = 0; i < c->n_listeners; i++)
        has_ssl |= kc_sec_is_tls(c->listeners[i].protocol);
    if (has_ssl) {
        if (strcasecmp(c->ssl_keystore_type, "PEM") != 0) {
            set_err(err, errlen,
                    "invalid value '%s' for 'ssl.keystore.type': only PEM is supported",
                    c->ssl_keystore_type);
            return -1;
        }
        if (!c->ssl_keystore_location) {
            set_err(err, errlen, "missing 'ssl.keystore.location' required by the SSL listener");
            return -1;
        }
        if (c->ssl_truststore_location && strcasecmp(c->ssl_truststore_type, "PEM") != 0) {
            set_err(err, errlen,
                    "invalid value '%s' for 'ssl.truststore.type': only PEM is supported",
                    c->ssl_truststore_type);
            return -1;
        }
        if (c->ssl_client_auth != KC_SSL_AUTH_NONE && !c->ssl_truststore_location) {
            set_err(err, errlen, "'ssl.client.auth' needs 'ssl.truststore.location'");
            return -1;
        }
    }
    const char *dirs = c->log_dirs_raw ? c->log_dirs_raw : c->log_dir;
    char *copy = strdup(dirs), *save = NULL;
    if (!copy)
        kc_fatal("config: out of memory");
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (!*tok)
            continue;
        if (c->n_log_dirs >= KC_MAX_LOG_DIRS) {
            free(copy);
            set_err(err, errlen, "invalid value '%s' for 'log.dirs': more than %d dirs", dirs,
                    KC_MAX_LOG_DIRS);
            return -1;
        }
        c->log_dirs[c->n_log_dirs] = strdup(tok);
        if (!c->log_dirs[c->n_log_dirs++])
            kc_fatal("config: out of memory");
    }
    free(copy);
    if (c->n_log_dirs == 0) {
        set_err(err, errlen, "invalid value '%s' for 'log.dirs': no directory", dirs);
        return -1;
    }
    if (c->zookeeper_connection_timeout_ms < 0)
        c->zookeeper_connection_timeout_ms = c->zookeeper_session_timeout_ms;
    return 0;
}

int kc_config_load(kc_config *c, const char *path, int n_overrides, char *const *overrides,
                   char *err, size_t errlen)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        const kc_config_key *k = &keys[i];
        if (k->type == KC_CK_IGNORED || k->type == KC_CK_DESCRIBED)
            continue;
        if (k->dflt) {
            if (kc_config_set(c, k->name, k->dflt, err, errlen) < 0)
                return -1;
        } else if (k->type == KC_CK_INT) {
            *(int32_t *)((char *)c + k->off) = (int32_t)k->unset;
        } else if (k->type == KC_CK_LONG) {
            *(int64_t *)((char *)c + k->off) = k->unset;
        }
    }
    if (path && load_file(c, path, err, errlen))
        return -1;
    for (int i = 0; i < n_overrides; i++) {
        char *kv = strdup(overrides[i]);
        if (!kv)
            kc_fatal("config: out of memory");
        char *eq = strchr(kv, '=');
        if (!eq) {
            set_err(err, errlen, "override '%s' is not key=value", overrides[i]);
            free(kv);
            return -1;
        }
        *eq = '\0';
        int rc = kc_config_set(c, trim(kv), eq + 1, err, errlen);
        if (rc == 0)
            kc_warn("CONFIG", "unknown config key '%s' in --override ignored", kv);
        free(kv);
        if (rc < 0)
            return -1;
    }
    return derive(c, err, errlen);
}

const char *kc_config_inter_broker_listener(const kc_config *c)
{
    return c->inter_broker_listener_name ? c->inter_broker_listener_name
                                         : c->security_inter_broker_protocol;
}

bool kc_config_listener_is_inter_broker(const kc_config *c, int index)
{
    return strcmp(c->listeners[index].name, kc_config_inter_broker_listener(c)) == 0;
}

int kc_config_inter_broker_protocol(const kc_config *c)
{
    const char *name = kc_config_inter_broker_listener(c);
    for (int i = 0; i < c->n_listeners; i++)
        if (strcmp(c->listeners[i].name, name) == 0)
            return c->listeners[i].protocol;
    return KC_SEC_PLAINTEXT;
}

int64_t kc_config_retention_ms(const kc_config *c)
{
    int64_t ms;
    if (c->log_retention_ms != -2)
        ms = c->log_retention_ms;
    else if (c->log_retention_minutes != -2)
        ms = (int64_t)c->log_retention_minutes * 60000;
    else
        ms = (int64_t)c->log_retention_hours * 3600000;
    return ms < 0 ? -1 : ms;
}

void kc_config_free(kc_config *c)
{
    char *base = (char *)c;
    for (size_t i = 0; i < N_KEYS; i++)
        if (keys[i].type == KC_CK_STRING) {
            char **p = (char **)(base + keys[i].off);
            free(*p);
            *p = NULL;
        }
    for (int i = 0; i < c->n_log_dirs; i++)
        free(c->log_dirs[i]);
    c->n_log_dirs = 0;
    for (int i = 0; i < c->n_jaas; i++) {
        free(c->jaas[i].text);
        if (c->jaas[i].parsed)
            kc_jaas_free(c->jaas[i].parsed);
        free(c->jaas[i].parsed);
    }
    c->n_jaas = 0;
}

const kc_jaas *kc_config_jaas(const kc_config *c, const char *listener, const char *mechanism)
{
    for (int i = 0; i < c->n_jaas; i++)
        if (!strcmp(c->jaas[i].listener, listener) && !strcmp(c->jaas[i].mechanism, mechanism))
            return c->jaas[i].parsed;
    return NULL;
}
