/* JSON for Kafka's znodes. Key order does not matter to Kafka (it writes with Jackson). */
#include "zk/znodes.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

const char *const kc_znode_skeleton_paths[] = {
    "/consumers",
    "/brokers/ids",
    "/brokers/topics",
    "/brokers/seqid",
    "/config/changes",
    "/config/topics",
    "/config/clients",
    "/config/users",
    "/config/brokers",
    "/config/ips",
    "/admin/delete_topics",
    "/isr_change_notification",
    "/log_dir_event_notification",
    "/latest_producer_id_block",
    NULL,
};

void kc_znode_random_uuid(char out[23])
{
    unsigned char raw[16], b64[32];
    /* Kafka's Uuid.randomUuid() draws again when the string would start with '-' (it would
     * read as an option on a command line) */
    do {
        if (RAND_bytes(raw, sizeof(raw)) != 1)
            kc_fatal("znodes: RAND_bytes failed");
        EVP_EncodeBlock(b64, raw, sizeof(raw)); /* 24 chars, last two '=' */
    } while (b64[0] == '+');
    for (int i = 0; i < 22; i++)
        out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
    out[22] = '\0';
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s)
        kc_fatal("znodes: out of memory");
    return s;
}

char *kc_znode_cluster_id_json(const char *id)
{
    return dump(json_pack("{s:s, s:s}", "version", "1", "id", id));
}

int kc_znode_cluster_id_parse(const char *json, size_t len, char *out, size_t outlen)
{
    json_t *j = json_loadb(json, len, 0, NULL);
    const char *id = j ? json_string_value(json_object_get(j, "id")) : NULL;
    int rc = -1;
    if (id && strlen(id) < outlen) {
        snprintf(out, outlen, "%s", id);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

char *kc_znode_producer_id_block_json(int32_t broker_id, int64_t block_start, int64_t block_end)
{
    char start[24], end[24];
    snprintf(start, sizeof(start), "%lld", (long long)block_start);
    snprintf(end, sizeof(end), "%lld", (long long)block_end);
    return dump(json_pack("{s:i, s:i, s:s, s:s}", "version", 1, "broker", (int)broker_id,
                          "block_start", start, "block_end", end));
}

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

int kc_znode_producer_id_block_parse(const char *json, int len, int32_t *broker_id,
                                     int64_t *block_start, int64_t *block_end)
{
    if (!json || len <= 0)
        return 0;
    json_t *j = json_loadb(json, (size_t)len, 0, NULL);
    json_t *broker = j ? json_object_get(j, "broker") : NULL;
    int rc = -1;
    if (json_is_integer(broker) &&
        !parse_i64(json_string_value(json_object_get(j, "block_start")), block_start) &&
        !parse_i64(json_string_value(json_object_get(j, "block_end")), block_end) &&
        *block_start <= *block_end) {
        *broker_id = (int32_t)json_integer_value(broker);
        rc = 1;
    }
    json_decref(j);
    return rc;
}

static const char *protocol_name(int p)
{
    static const char *const names[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
    return p >= 0 && p < 4 ? names[p] : "PLAINTEXT";
}

static char *endpoint(const kc_listener_conf *l)
{
    char buf[400];
    bool v6 = strchr(l->host, ':') != NULL;
    snprintf(buf, sizeof(buf), v6 ? "%s://[%s]:%d" : "%s://%s:%d", l->name, l->host, l->port);
    return strdup(buf);
}

char *kc_znode_broker_json(const kc_config *cfg, int64_t now_ms)
{
    json_t *j = json_object();
    json_t *eps = json_array(), *map = json_object();
    const kc_listener_conf *plain = NULL;
    for (int i = 0; i < cfg->n_advertised; i++) {
        const kc_listener_conf *l = &cfg->advertised[i];
        char *e = endpoint(l);
        json_array_append_new(eps, json_string(e));
        free(e);
        json_object_set_new(map, l->name, json_string(protocol_name(l->protocol)));
        if (!plain && l->protocol == KC_SEC_PLAINTEXT)
            plain = l;
    }
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)now_ms);
    json_object_set_new(j, "version", json_integer(5));
    json_object_set_new(j, "host", plain ? json_string(plain->host) : json_null());
    json_object_set_new(j, "port", json_integer(plain ? plain->port : -1));
    json_object_set_new(j, "jmx_port", json_integer(-1));
    json_object_set_new(j, "timestamp", json_string(ts));
    json_object_set_new(j, "endpoints", eps);
    json_object_set_new(j, "listener_security_protocol_map", map);
    if (cfg->broker_rack)
        json_object_set_new(j, "rack", json_string(cfg->broker_rack));
    json_object_set_new(j, "features", json_object());
    return dump(j);
}

char *kc_znode_topic_json(int32_t n_partitions, int32_t replication_factor, const int32_t *replicas,
                          const char *topic_id)
{
    json_t *parts = json_object();
    for (int32_t p = 0; p < n_partitions; p++) {
        json_t *list = json_array();
        for (int32_t r = 0; r < replication_factor; r++)
            json_array_append_new(list, json_integer(replicas[p * replication_factor + r]));
        char key[16];
        snprintf(key, sizeof(key), "%d", p);
        json_object_set_new(parts, key, list);
    }
    json_t *j = json_pack("{s:i, s:o, s:o, s:o}", "version", 3, "partitions", parts,
                          "adding_replicas", json_object(), "removing_replicas", json_object());
    if (topic_id)
        json_object_set_new(j, "topic_id", json_string(topic_id));
    return dump(j);
}

int kc_znode_topic_parse(const char *json, size_t len, int32_t *n_partitions,
                         int32_t *replication_factor, int32_t **replicas_out, char topic_id[23])
{
    json_t *j = json_loadb(json, len, 0, NULL);
    json_t *parts = j ? json_object_get(j, "partitions") : NULL;
    if (!json_is_object(parts) || json_object_size(parts) == 0 ||
        json_object_size(parts) > 1000000) {
        json_decref(j);
        return -1;
    }
    int32_t n = (int32_t)json_object_size(parts), rf = -1;
    int32_t *out = NULL;
    for (int32_t p = 0; p < n; p++) {
        char key[16];
        snprintf(key, sizeof(key), "%d", p);
        json_t *list = json_object_get(parts, key);
        if (!json_is_array(list) || json_array_size(list) == 0 ||
            (rf >= 0 && json_array_size(list) != (size_t)rf) || json_array_size(list) > 1000)
            goto bad;
        if (rf < 0) {
            rf = (int32_t)json_array_size(list);
            out = calloc((size_t)n * (size_t)rf, sizeof(int32_t));
            if (!out)
                kc_fatal("znodes: out of memory");
        }
        for (int32_t r = 0; r < rf; r++) {
            json_t *id = json_array_get(list, (size_t)r);
            if (!json_is_integer(id))
                goto bad;
            out[p * rf + r] = (int32_t)json_integer_value(id);
        }
    }
    if (topic_id) {
        const char *id = json_string_value(json_object_get(j, "topic_id"));
        snprintf(topic_id, 23, "%s", id ? id : "");
    }
    json_decref(j);
    *n_partitions = n;
    *replication_factor = rf;
    *replicas_out = out;
    return 0;
bad:
    free(out);
    json_decref(j);
    return -1;
}

char *kc_znode_partition_state_json(int32_t leader, int32_t leader_epoch, const int32_t *isr,
                                    int n_isr, int32_t controller_epoch)
{
    json_t *a = json_array();
    for (int i = 0; i < n_isr; i++)
        json_array_append_new(a, json_integer(isr[i]));
    return dump(json_pack("{s:i, s:i, s:i, s:o, s:i}", "controller_epoch", controller_epoch,
                          "leader", leader, "version", 1, "isr", a, "leader_epoch", leader_epoch));
}

int kc_znode_partition_state_parse(const char *json, size_t len, int32_t *leader,
                                   int32_t *leader_epoch, int32_t *controller_epoch,
                                   int32_t **isr_out, int *n_isr)
{
    json_t *j = json_loadb(json, len, 0, NULL);
    json_t *l = json_object_get(j, "leader"), *e = json_object_get(j, "leader_epoch");
    json_t *c = json_object_get(j, "controller_epoch"), *isr = json_object_get(j, "isr");
    if (!json_is_integer(l) || !json_is_integer(e) || !json_is_integer(c) || !json_is_array(isr) ||
        json_array_size(isr) > 1000) {
        json_decref(j);
        return -1;
    }
    int n = (int)json_array_size(isr);
    int32_t *out = calloc((size_t)(n ? n : 1), sizeof(int32_t));
    if (!out)
        kc_fatal("znodes: out of memory");
    for (int i = 0; i < n; i++) {
        json_t *id = json_array_get(isr, (size_t)i);
        if (!json_is_integer(id)) {
            free(out);
            json_decref(j);
            return -1;
        }
        out[i] = (int32_t)json_integer_value(id);
    }
    *leader = (int32_t)json_integer_value(l);
    *leader_epoch = (int32_t)json_integer_value(e);
    *controller_epoch = (int32_t)json_integer_value(c);
    *isr_out = out;
    *n_isr = n;
    json_decref(j);
    return 0;
}

char *kc_znode_controller_json(int32_t broker_id, int64_t now_ms)
{
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)now_ms);
    return dump(json_pack("{s:i, s:i, s:s}", "version", 1, "brokerid", broker_id, "timestamp", ts));
}

int32_t kc_znode_controller_parse(const char *json, size_t len)
{
    json_t *j = json_loadb(json, len, 0, NULL);
    json_t *id = json_object_get(j, "brokerid");
    int32_t r = json_is_integer(id) ? (int32_t)json_integer_value(id) : -1;
    json_decref(j);
    return r;
}

char *kc_znode_topic_config_json(int n, const char *const *names, const char *const *values)
{
    json_t *cfg = json_object();
    for (int i = 0; i < n; i++)
        if (values[i])
            json_object_set_new(cfg, names[i], json_string(values[i]));
    return dump(json_pack("{s:i, s:o}", "version", 1, "config", cfg));
}
