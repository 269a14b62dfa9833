/*
 * The table of known keys and the Java .properties reader. Defaults are Kafka's (KafkaConfig,
 * Kafka 3.x); a null default means "unset" and is resolved from another key at derive time.
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

enum ctype { CT_INT, CT_LONG, CT_BOOL, CT_STRING, CT_CLIENT_AUTH, CT_IGNORED };

typedef struct conf_key {
    const char *name;
    enum ctype type;
    size_t off;       /* offset in kc_config; unused for CT_IGNORED */
    const char *dflt; /* NULL = unset */
    int64_t min, max;
} conf_key;

#define F(field) offsetof(kc_config, field)
#define IMAX     INT32_MAX
#define LMAX     INT64_MAX

static const conf_key keys[] = {
    {"broker.id", CT_INT, F(broker_id), "-1", -1, IMAX},
    {"listeners", CT_STRING, F(listeners_raw), "PLAINTEXT://:9092", 0, 0},
    {"advertised.listeners", CT_STRING, F(advertised_listeners_raw), NULL, 0, 0},
    {"listener.security.protocol.map", CT_STRING, F(listener_security_protocol_map),
     "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL", 0, 0},
    {"inter.broker.listener.name", CT_STRING, F(inter_broker_listener_name), NULL, 0, 0},
    {"security.inter.broker.protocol", CT_STRING, F(security_inter_broker_protocol), "PLAINTEXT", 0,
     0},
    {"log.dirs", CT_STRING, F(log_dirs_raw), NULL, 0, 0},
    {"log.dir", CT_STRING, F(log_dir), "/tmp/kafka-logs", 0, 0},
    {"zookeeper.connect", CT_STRING, F(zookeeper_connect), NULL, 0, 0},
    {"zookeeper.session.timeout.ms", CT_INT, F(zookeeper_session_timeout_ms), "18000", 1, IMAX},
    {"zookeeper.connection.timeout.ms", CT_INT, F(zookeeper_connection_timeout_ms), "-1", -1, IMAX},
    {"num.partitions", CT_INT, F(num_partitions), "1", 1, IMAX},
    {"default.replication.factor", CT_INT, F(default_replication_factor), "1", 1, INT16_MAX},
    {"min.insync.replicas", CT_INT, F(min_insync_replicas), "1", 1, IMAX},
    {"auto.create.topics.enable", CT_BOOL, F(auto_create_topics_enable), "true", 0, 0},
    {"delete.topic.enable", CT_BOOL, F(delete_topic_enable), "true", 0, 0},
    {"unclean.leader.election.enable", CT_BOOL, F(unclean_leader_election_enable), "false", 0, 0},
    {"controller.socket.timeout.ms", CT_INT, F(controller_socket_timeout_ms), "30000", 1, IMAX},
    {"socket.request.max.bytes", CT_INT, F(socket_request_max_bytes), "104857600", 1, IMAX},
    {"message.max.bytes", CT_INT, F(message_max_bytes), "1048588", 0, IMAX},
    {"log.segment.bytes", CT_INT, F(log_segment_bytes), "1073741824", 14, IMAX},
    {"log.retention.ms", CT_LONG, F(log_retention_ms), "-2", -2, LMAX},
    {"log.retention.minutes", CT_INT, F(log_retention_minutes), "-2", -2, IMAX},
    {"log.retention.hours", CT_INT, F(log_retention_hours), "168", -1, IMAX},
    {"log.retention.bytes", CT_LONG, F(log_retention_bytes), "-1", -1, LMAX},
    {"log.retention.check.interval.ms", CT_LONG, F(log_retention_check_interval_ms), "300000", 1,
     LMAX},
    {"log.roll.ms", CT_LONG, F(log_roll_ms), "-1", -1, LMAX},
    {"log.roll.hours", CT_INT, F(log_roll_hours), "168", 1, IMAX},
    {"log.flush.interval.messages", CT_LONG, F(log_flush_interval_messages), "9223372036854775807",
     1, LMAX},
    {"log.flush.interval.ms", CT_LONG, F(log_flush_interval_ms), "-1", -1, LMAX},
    {"log.index.interval.bytes", CT_INT, F(log_index_interval_bytes), "4096", 0, IMAX},
    {"log.index.size.max.bytes", CT_INT, F(log_index_size_max_bytes), "10485760", 4, IMAX},
    {"log.segment.delete.delay.ms", CT_LONG, F(log_segment_delete_delay_ms), "60000", 0, LMAX},
    {"log.cleaner.delete.retention.ms", CT_LONG, F(log_cleaner_delete_retention_ms), "86400000", 0,
     LMAX},
    {"log.flush.offset.checkpoint.interval.ms", CT_LONG, F(log_flush_offset_checkpoint_interval_ms),
     "60000", 1, LMAX},
    {"log.flush.scheduler.interval.ms", CT_LONG, F(log_flush_scheduler_interval_ms),
     "9223372036854775807", 1, LMAX},
    {"log.cleaner.backoff.ms", CT_LONG, F(log_cleaner_backoff_ms), "15000", 0, LMAX},
    {"offsets.topic.num.partitions", CT_INT, F(offsets_topic_num_partitions), "50", 1, IMAX},
    {"offsets.topic.replication.factor", CT_INT, F(offsets_topic_replication_factor), "3", 1,
     INT16_MAX},
    {"replica.lag.time.max.ms", CT_LONG, F(replica_lag_time_max_ms), "30000", 1, LMAX},
    {"replica.fetch.max.bytes", CT_INT, F(replica_fetch_max_bytes), "1048576", 0, IMAX},
    {"replica.fetch.min.bytes", CT_INT, F(replica_fetch_min_bytes), "1", 1, IMAX},
    {"replica.fetch.wait.max.ms", CT_INT, F(replica_fetch_wait_max_ms), "500", 0, IMAX},
    {"replica.fetch.backoff.ms", CT_INT, F(replica_fetch_backoff_ms), "1000", 0, IMAX},
    {"replica.fetch.response.max.bytes", CT_INT, F(replica_fetch_response_max_bytes), "10485760", 0,
     IMAX},
    {"replica.socket.timeout.ms", CT_INT, F(replica_socket_timeout_ms), "30000", 1, IMAX},
    {"num.replica.fetchers", CT_INT, F(num_replica_fetchers), "1", 1, 64},
    {"replica.high.watermark.checkpoint.interval.ms", CT_LONG,
     F(replica_high_watermark_checkpoint_interval_ms), "5000", 1, LMAX},
    {"controlled.shutdown.enable", CT_BOOL, F(controlled_shutdown_enable), "true", 0, 0},
    {"controlled.shutdown.max.retries", CT_INT, F(controlled_shutdown_max_retries), "3", 0, IMAX},
    {"controlled.shutdown.retry.backoff.ms", CT_LONG, F(controlled_shutdown_retry_backoff_ms),
     "5000", 0, LMAX},
    {"auto.leader.rebalance.enable", CT_BOOL, F(auto_leader_rebalance_enable), "true", 0, 0},
    {"leader.imbalance.check.interval.seconds", CT_LONG, F(leader_imbalance_check_interval_seconds),
     "300", 1, LMAX},
    {"leader.imbalance.per.broker.percentage", CT_INT, F(leader_imbalance_per_broker_percentage),
     "10", 0, 100},
    {"group.initial.rebalance.delay.ms", CT_INT, F(group_initial_rebalance_delay_ms), "3000", 0,
     IMAX},
    {"broker.rack", CT_STRING, F(broker_rack), NULL, 0, 0},
    {"ssl.keystore.type", CT_STRING, F(ssl_keystore_type), "JKS", 0, 0},
    {"ssl.keystore.location", CT_STRING, F(ssl_keystore_location), NULL, 0, 0},
    {"ssl.key.password", CT_STRING, F(ssl_key_password), NULL, 0, 0},
    {"ssl.truststore.type", CT_STRING, F(ssl_truststore_type), "JKS", 0, 0},
    {"ssl.truststore.location", CT_STRING, F(ssl_truststore_location), NULL, 0, 0},
    {"ssl.client.auth", CT_CLIENT_AUTH, F(ssl_client_auth), "none", 0, 0},
    {"ssl.enabled.protocols", CT_STRING, F(ssl_enabled_protocols), "TLSv1.2,TLSv1.3", 0, 0},
    /* Known Kafka keys that tune Kafka's JVM threads and pools; cafka's design has no use for
     * them, so they are accepted silently to let stock server.properties files load. */
    {"num.network.threads", CT_IGNORED, 0, NULL, 0, 0},
    {"num.io.threads", CT_IGNORED, 0, NULL, 0, 0},
    {"num.recovery.threads.per.data.dir", CT_IGNORED, 0, NULL, 0, 0},
    {"socket.send.buffer.bytes", CT_IGNORED, 0, NULL, 0, 0},
    {"socket.receive.buffer.bytes", CT_IGNORED, 0, NULL, 0, 0},
    {"transaction.state.log.replication.factor", CT_IGNORED, 0, NULL, 0, 0},
    {"transaction.state.log.min.isr", CT_IGNORED, 0, NULL, 0, 0},
    {"ssl.keystore.password", CT_IGNORED, 0, NULL, 0, 0},
    {"ssl.truststore.password", CT_IGNORED, 0, NULL, 0, 0},
    {"ssl.endpoint.identification.algorithm", CT_IGNORED, 0, NULL, 0, 0},
};

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

int kc_config_set(kc_config *c, const char *key, const char *value, char *err, size_t errlen)
{
    const conf_key *k = NULL;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(keys[i].name, key) == 0)
            k = &keys[i];
    if (!k)
        return 0;
    char *base = (char *)c;
    switch (k->type) {
    case CT_IGNORED:
        return 1;
    case CT_INT:
    case CT_LONG: {
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
        if (k->type == CT_INT)
            *(int32_t *)(base + k->off) = (int32_t)v;
        else
            *(int64_t *)(base + k->off) = v;
        return 1;
    }
    case CT_BOOL:
        if (strcasecmp(value, "true") == 0)
            *(bool *)(base + k->off) = true;
        else if (strcasecmp(value, "false") == 0)
            *(bool *)(base + k->off) = false;
        else {
            set_err(err, errlen, "invalid value '%s' for '%s': must be true or false", value, key);
            return -1;
        }
        return 1;
    case CT_CLIENT_AUTH:
        if (strcasecmp(value, "none") == 0)
            c->ssl_client_auth = KC_SSL_AUTH_NONE;
        else if (strcasecmp(value, "requested") == 0)
            c->ssl_client_auth = KC_SSL_AUTH_REQUESTED;
        else if (strcasecmp(value, "required") == 0)
            c->ssl_client_auth = KC_SSL_AUTH_REQUIRED;
        else {
            set_err(err, errlen,
                    "invalid value '%s' for '%s': must be one of none, requested, required", value,
                    key);
            return -1;
        }
        return 1;
    case CT_STRING: {
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

static int derive(kc_config *c, char *err, size_t errlen)
{
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
    bool has_ssl = false;
    for (int i = 0; i < c->n_listeners; i++)
        has_ssl |= c->listeners[i].protocol == KC_SEC_SSL;
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
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (keys[i].dflt && kc_config_set(c, keys[i].name, keys[i].dflt, err, errlen) < 0)
            return -1;
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
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (keys[i].type == CT_STRING) {
            char **p = (char **)(base + keys[i].off);
            free(*p);
            *p = NULL;
        }
    for (int i = 0; i < c->n_log_dirs; i++)
        free(c->log_dirs[i]);
    c->n_log_dirs = 0;
}
