/*
 * Readers of the broker catalogue (config.c) and of the topic catalogue (storage/log_config.c),
 * entity/notification payloads, AlterConfigs validation, the dynamic broker layer and
 * DescribeConfigs entries. Pure: every input is an argument; nothing here talks to ZooKeeper or
 * reads broker state.
 *
 * Invariant: a broker key marked dynamic is an int, long or boolean field of kc_config (checked
 * by a unit test), so kc_cfg_broker_rederive() and validation on a shallow copy never touch a
 * string the live config owns.
 */
#include "config/dynconf.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "proto/errors.h"

#define MAX_SYNONYMS 16

/* ================================================================== key lists */

void kc_cfg_kvs_free(kc_cfg_kvs *kvs)
{
    for (int i = 0; i < kvs->n; i++) {
        free(kvs->items[i].name);
        free(kvs->items[i].value);
    }
    free(kvs->items);
    kvs->items = NULL;
    kvs->n = 0;
}

int kc_cfg_entity_sanitize(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        bool plain = isalnum(*p) || *p == '.' || *p == '-' || *p == '_';
        if (n + (plain ? 1 : 3) >= cap)
            return -1;
        if (plain)
            out[n++] = (char)*p;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
    }
    if (n >= cap)
        return -1;
    out[n] = '\0';
    return 0;
}

int kc_cfg_entity_desanitize(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = name; *p; p++) {
        if (n + 1 >= cap)
            return -1;
        if (*p != '%') {
            out[n++] = *p;
            continue;
        }
        if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
            return -1;
        char hex[3] = {p[1], p[2], 0};
        out[n++] = (char)strtol(hex, NULL, 16);
        p += 2;
    }
    if (n >= cap)
        return -1;
    out[n] = '\0';
    return 0;
}

bool kc_cfg_kvs_remove(kc_cfg_kvs *kvs, const char *name)
{
    for (int i = 0; i < kvs->n; i++)
        if (strcmp(kvs->items[i].name, name) == 0) {
            free(kvs->items[i].name);
            free(kvs->items[i].value);
            memmove(&kvs->items[i], &kvs->items[i + 1],
                    sizeof(*kvs->items) * (size_t)(kvs->n - i - 1));
            kvs->n--;
            return true;
        }
    return false;
}

const char *kc_cfg_kvs_get(const kc_cfg_kvs *kvs, const char *name)
{
    if (!kvs)
        return NULL;
    for (int i = 0; i < kvs->n; i++)
        if (strcmp(kvs->items[i].name, name) == 0)
            return kvs->items[i].value;
    return NULL;
}

void kc_cfg_kvs_set(kc_cfg_kvs *kvs, const char *name, const char *value)
{
    for (int i = 0; i < kvs->n; i++)
        if (strcmp(kvs->items[i].name, name) == 0) {
            free(kvs->items[i].value);
            kvs->items[i].value = kc_xstrdup(value);
            return;
        }
    kc_cfg_kv *grown = realloc(kvs->items, sizeof(*grown) * (size_t)(kvs->n + 1));
    if (!grown)
        kc_fatal("dynconf: out of memory");
    kvs->items = grown;
    kvs->items[kvs->n].name = kc_xstrdup(name);
    kvs->items[kvs->n].value = kc_xstrdup(value);
    kvs->n++;
}

int kc_cfg_kvs_parse(const char *json, int len, kc_cfg_kvs *out)
{
    kc_cfg_kvs_free(out);
    if (!json || len <= 0)
        return 0;
    json_t *j = json_loadb(json, (size_t)len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return -1;
    }
    json_t *cfg = json_object_get(j, "config");
    const char *k;
    json_t *v;
    json_object_foreach(cfg, k, v)
    {
        if (json_is_string(v))
            kc_cfg_kvs_set(out, k, json_string_value(v));
    }
    json_decref(j);
    return 0;
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s)
        kc_fatal("dynconf: out of memory");
    return s;
}

char *kc_cfg_kvs_json(const kc_cfg_kvs *kvs)
{
    json_t *cfg = json_object();
    for (int i = 0; kvs && i < kvs->n; i++)
        json_object_set_new(cfg, kvs->items[i].name, json_string(kvs->items[i].value));
    return dump(json_pack("{s:i, s:o}", "version", 1, "config", cfg));
}

char *kc_cfg_kvs_summary(const kc_cfg_kvs *kvs)
{
    if (!kvs || kvs->n == 0)
        return kc_xstrdup("(none)");
    size_t n = 1;
    for (int i = 0; i < kvs->n; i++)
        n += strlen(kvs->items[i].name) + strlen(kvs->items[i].value) + 3;
    char *s = malloc(n);
    if (!s)
        kc_fatal("dynconf: out of memory");
    size_t at = 0;
    for (int i = 0; i < kvs->n; i++)
        at += (size_t)snprintf(s + at, n - at, "%s%s=%s", i ? ", " : "", kvs->items[i].name,
                               kvs->items[i].value);
    return s;
}

/* ================================================================== notifications */

int64_t kc_cfg_change_seq(const char *child, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(child, prefix, pl) != 0 || !child[pl])
        return -1;
    for (const char *p = child + pl; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    errno = 0;
    long long v = strtoll(child + pl, NULL, 10);
    return errno ? -1 : (int64_t)v;
}

static int copy_out(const char *src, size_t n, char *dst, size_t dstlen)
{
    if (n == 0 || n >= dstlen)
        return -1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

int kc_cfg_change_parse(const char *json, int len, char *type, size_t typelen, char *name,
                        size_t namelen, char *err, size_t errlen)
{
    json_t *j = json && len > 0 ? json_loadb(json, (size_t)len, 0, NULL) : NULL;
    int rc = -1;
    if (!json_is_object(j)) {
        snprintf(err, errlen, "config change notification is not a JSON object");
        goto out;
    }
    json_t *ver = json_object_get(j, "version");
    if (!json_is_integer(ver)) {
        snprintf(err, errlen, "config change notification has no version");
        goto out;
    }
    json_int_t version = json_integer_value(ver);
    if (version == 1) {
        const char *t = json_string_value(json_object_get(j, "entity_type"));
        const char *n = json_string_value(json_object_get(j, "entity_name"));
        if (!t || (strcmp(t, "topics") != 0 && strcmp(t, "clients") != 0)) {
            snprintf(err, errlen,
                     "Version 1 config change notification must have 'entity_type' "
                     "set to 'clients' or 'topics'");
            goto out;
        }
        if (!n) {
            snprintf(err, errlen,
                     "Version 1 config change notification does not specify 'entity_name'");
            goto out;
        }
        if (copy_out(t, strlen(t), type, typelen) || copy_out(n, strlen(n), name, namelen)) {
            snprintf(err, errlen, "config change notification names an empty or too long entity");
            goto out;
        }
        rc = 0;
    } else if (version == 2) {
        const char *path = json_string_value(json_object_get(j, "entity_path"));
        const char *slash = path ? strchr(path, '/') : NULL;
        if (!slash) {
            snprintf(err, errlen,
                     "Version 2 config change notification must specify "
                     "'entity_path' as <type>/<name>");
            goto out;
        }
        if (copy_out(path, (size_t)(slash - path), type, typelen) ||
            copy_out(slash + 1, strlen(slash + 1), name, namelen)) {
            snprintf(err, errlen, "config change notification names an empty or too long entity");
            goto out;
        }
        rc = 0;
    } else {
        snprintf(err, errlen,
                 "Config change notification has unsupported version '%lld', supported versions "
                 "are 1 and 2.",
                 (long long)version);
    }
out:
    json_decref(j);
    return rc;
}

char *kc_cfg_change_json(const char *entity_type, const char *entity_name)
{
    size_t n = strlen(entity_type) + strlen(entity_name) + 2;
    char *path = malloc(n);
    if (!path)
        kc_fatal("dynconf: out of memory");
    snprintf(path, n, "%s/%s", entity_type, entity_name);
    char *s = dump(json_pack("{s:i, s:s}", "version", 2, "entity_path", path));
    free(path);
    return s;
}

/* ================================================================== topic configs */

const char *kc_cfg_resource_type_name(int8_t type)
{
    switch (type) {
    case KC_CFG_RESOURCE_TOPIC:
        return "TOPIC";
    case KC_CFG_RESOURCE_BROKER:
        return "BROKER";
    case KC_CFG_RESOURCE_BROKER_LOGGER:
        return "BROKER_LOGGER";
    case KC_CFG_RESOURCE_CLIENT_METRICS:
        return "CLIENT_METRICS";
    case KC_CFG_RESOURCE_GROUP:
        return "GROUP";
    default:
        return "UNKNOWN";
    }
}

const char *kc_cfg_resource_str(int8_t type, kc_str name, char *buf, size_t len)
{
    snprintf(buf, len, "ConfigResource(type=%s, name='%.*s')", kc_cfg_resource_type_name(type),
             name.len > 0 ? (int)name.len : 0, name.p ? name.p : "");
    return buf;
}

int16_t kc_cfg_topic_validate(const kc_cfg_kvs *kvs, const kc_config *cfg, kc_str topic, char *msg,
                              size_t msglen)
{
    for (int i = 0; kvs && i < kvs->n; i++)
        if (!kc_log_config_known(kvs->items[i].name, strlen(kvs->items[i].name))) {
            snprintf(msg, msglen, "Unknown topic config name: %s", kvs->items[i].name);
            return KC_ERR_INVALID_CONFIG;
        }
    char res[400], why[300];
    kc_log_config probe;
    kc_log_config_defaults(&probe, cfg);
    for (int i = 0; kvs && i < kvs->n; i++) {
        const kc_cfg_kv *kv = &kvs->items[i];
        const kc_topic_key *k = kc_log_config_topic_key(kv->name, strlen(kv->name));
        char trimmed[512];
        int bad = k ? kc_log_config_check(k, kv->value, why, sizeof(why)) : 0;
        kc_log_config_trim(kv->value, trimmed, sizeof(trimmed));
        if (!bad && kc_log_config_apply(&probe, kv->name, trimmed) < 0) {
            snprintf(why, sizeof(why), "not usable");
            bad = -1;
        }
        if (bad) {
            snprintf(msg, msglen,
                     "Invalid config value for resource %s: Invalid value %s for configuration "
                     "%s: %s",
                     kc_cfg_resource_str(KC_CFG_RESOURCE_TOPIC, topic, res, sizeof(res)), kv->value,
                     kv->name, why);
            return KC_ERR_INVALID_REQUEST;
        }
    }
    return KC_ERR_NONE;
}

/* ================================================================== broker configs */

typedef kc_config_key broker_key;

static const broker_key *find_broker_key(const char *name)
{
    return kc_config_key_find(name);
}

int kc_cfg_broker_id_parse(kc_str name, int32_t *id)
{
    if (name.len <= 0 || name.len > 11)
        return -1;
    int32_t i = name.p[0] == '-' || name.p[0] == '+' ? 1 : 0;
    if (i == name.len)
        return -1;
    int64_t v = 0;
    for (; i < name.len; i++) {
        if (!isdigit((unsigned char)name.p[i]))
            return -1;
        v = v * 10 + (name.p[i] - '0');
    }
    if (name.p[0] == '-')
        v = -v;
    if (v < INT32_MIN || v > INT32_MAX)
        return -1;
    *id = (int32_t)v;
    return 0;
}

bool kc_cfg_broker_dynamic(const char *name)
{
    const broker_key *k = find_broker_key(name);
    return k && k->update != KC_CU_READ_ONLY;
}

/* The value of @p k in @p c as Kafka prints it, or NULL when unset. */
static const char *broker_value(const broker_key *k, const kc_config *c, char *buf, size_t n)
{
    const char *base = (const char *)c;
    switch (k->type) {
    case KC_CK_INT: {
        int32_t v;
        memcpy(&v, base + k->off, sizeof(v));
        if (!k->dflt && v == k->unset)
            return NULL;
        snprintf(buf, n, "%d", v);
        return buf;
    }
    case KC_CK_LONG: {
        int64_t v;
        memcpy(&v, base + k->off, sizeof(v));
        if (!k->dflt && v == k->unset)
            return NULL;
        snprintf(buf, n, "%lld", (long long)v);
        return buf;
    }
    case KC_CK_BOOL: {
        bool v;
        memcpy(&v, base + k->off, sizeof(v));
        return v ? "true" : "false";
    }
    case KC_CK_STRING: {
        const char *s;
        memcpy(&s, base + k->off, sizeof(s));
        return s;
    }
    case KC_CK_CLIENT_AUTH: {
        int v;
        memcpy(&v, base + k->off, sizeof(v));
        return v == KC_SSL_AUTH_REQUIRED    ? "required"
               : v == KC_SSL_AUTH_REQUESTED ? "requested"
                                            : "none";
    }
    case KC_CK_IGNORED:
    case KC_CK_DESCRIBED:
        return k->dflt;
    }
    return NULL;
}

/* Does cafka keep @p k in a kc_config field? */
static bool has_field(const broker_key *k)
{
    return k->type != KC_CK_IGNORED && k->type != KC_CK_DESCRIBED;
}

static size_t field_width(const broker_key *k)
{
    switch (k->type) {
    case KC_CK_INT:
        return sizeof(int32_t);
    case KC_CK_LONG:
        return sizeof(int64_t);
    case KC_CK_BOOL:
        return sizeof(bool);
    default:
        return 0;
    }
}

int16_t kc_cfg_broker_validate(const kc_cfg_kvs *kvs, const kc_config *current,
                               kc_str resource_name, char *msg, size_t msglen)
{
    char res[300], names[600];
    size_t at = 0;
    names[0] = '\0';
    for (int i = 0; kvs && i < kvs->n; i++)
        if (!kc_cfg_broker_dynamic(kvs->items[i].name) && at < sizeof(names))
            at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s", at ? ", " : "",
                                   kvs->items[i].name);
    kc_cfg_resource_str(KC_CFG_RESOURCE_BROKER, resource_name, res, sizeof(res));
    if (at) {
        snprintf(msg, msglen,
                 "Invalid config value for resource %s: Cannot update these configs "
                 "dynamically: Set(%s)",
                 res, names);
        return KC_ERR_INVALID_REQUEST;
    }
    at = 0;
    for (int i = 0; kvs && i < kvs->n && resource_name.len <= 0; i++) {
        const broker_key *k = find_broker_key(kvs->items[i].name);
        if (k->update == KC_CU_PER_BROKER && at < sizeof(names))
            at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s", at ? ", " : "", k->name);
    }
    if (at) {
        snprintf(msg, msglen,
                 "Invalid config value for resource %s: Cannot update these configs at default "
                 "cluster level, broker id must be specified: Set(%s)",
                 res, names);
        return KC_ERR_INVALID_REQUEST;
    }
    kc_config scratch = *current; /* only numeric/boolean fields are written (file comment) */
    for (int i = 0; kvs && i < kvs->n; i++) {
        char why[400];
        if (kc_config_set(&scratch, kvs->items[i].name, kvs->items[i].value, why, sizeof(why)) !=
            1) {
            snprintf(msg, msglen, "Invalid config value for resource %s: %s", res, why);
            return KC_ERR_INVALID_REQUEST;
        }
    }
    return KC_ERR_NONE;
}

void kc_cfg_broker_filter(kc_cfg_kvs *kvs, const kc_config *current, char *dropped,
                          size_t droppedlen)
{
    size_t at = dropped && droppedlen ? strlen(dropped) : 0;
    int w = 0;
    for (int i = 0; i < kvs->n; i++) {
        kc_cfg_kvs one = {&kvs->items[i], 1};
        char msg[1024]; /* unused: the reason is not reported here */
        /* any broker id: whether a per-broker key may sit in the layer it came from was
         * checked when it was written */
        if (kc_cfg_broker_validate(&one, current, (kc_str){"*", 1}, msg, sizeof(msg)) ==
            KC_ERR_NONE) {
            kvs->items[w++] = kvs->items[i];
            continue;
        }
        if (dropped && at < droppedlen)
            at += (size_t)snprintf(dropped + at, droppedlen - at, "%s%s", at ? ", " : "",
                                   kvs->items[i].name);
        free(kvs->items[i].name);
        free(kvs->items[i].value);
    }
    kvs->n = w;
}

static void apply_layer(kc_config *live, const kc_cfg_kvs *kvs)
{
    for (int i = 0; kvs && i < kvs->n; i++) {
        char err[300];
        if (kc_cfg_broker_dynamic(kvs->items[i].name))
            kc_config_set(live, kvs->items[i].name, kvs->items[i].value, err, sizeof(err));
    }
}

void kc_cfg_broker_rederive(kc_config *live, const kc_config *static_cfg,
                            const kc_cfg_kvs *dyn_default, const kc_cfg_kvs *dyn_broker)
{
    size_t nk;
    const broker_key *keys = kc_config_keys(&nk);
    for (size_t i = 0; i < nk; i++) {
        const broker_key *k = &keys[i];
        size_t w = field_width(k);
        if (k->update != KC_CU_READ_ONLY && w)
            memcpy((char *)live + k->off, (const char *)static_cfg + k->off, w);
    }
    apply_layer(live, dyn_default);
    apply_layer(live, dyn_broker);
}

/* ================================================================== describe */

static bool wanted(const char *name, const kc_str *keys, int32_t n_keys)
{
    if (n_keys <= 0)
        return true;
    for (int32_t i = 0; i < n_keys; i++)
        if (kc_str_eq(keys[i], name))
            return true;
    return false;
}

/* DynamicBrokerConfig.brokerConfigSynonyms (without listener prefixes). */
static int broker_synonyms(const char *name, const char *out[3])
{
    static const char *const groups[][4] = {
        {"log.roll.ms", "log.roll.hours", NULL, NULL},
        {"log.roll.jitter.ms", "log.roll.jitter.hours", NULL, NULL},
        {"log.flush.interval.ms", "log.flush.scheduler.interval.ms", NULL, NULL},
        {"log.retention.ms", "log.retention.minutes", "log.retention.hours", NULL},
    };
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        bool match = false;
        for (int i = 0; groups[g][i]; i++)
            match |= strcmp(groups[g][i], name) == 0;
        /* log.flush.scheduler.interval.ms is only a synonym of log.flush.interval.ms */
        if (match && !(g == 2 && strcmp(name, groups[g][1]) == 0)) {
            int n = 0;
            for (; groups[g][n]; n++)
                out[n] = groups[g][n];
            return n;
        }
    }
    out[0] = name;
    return 1;
}

/* Is broker config @p name set in layer @p source? Its value into @p *value. */
static bool layer_has(const kc_cfg_layers *L, int source, const char *name, const char **value,
                      char *buf, size_t n)
{
    const broker_key *k;
    switch (source) {
    case KC_CFG_SOURCE_DYNAMIC_BROKER:
        return (*value = kc_cfg_kvs_get(L->dyn_broker, name)) != NULL;
    case KC_CFG_SOURCE_DYNAMIC_DEFAULT_BROKER:
        return (*value = kc_cfg_kvs_get(L->dyn_default, name)) != NULL;
    case KC_CFG_SOURCE_STATIC_BROKER:
        /* set in server.properties / --override: cafka keeps no record of which keys the file
         * named, so a value that differs from Kafka's default counts as set there */
        k = find_broker_key(name);
        if (!k || !has_field(k))
            return false;
        *value = broker_value(k, L->static_cfg, buf, n);
        return *value && (!k->dflt || strcmp(*value, k->dflt) != 0);
    case KC_CFG_SOURCE_DEFAULT:
        k = find_broker_key(name);
        return k && (*value = k->dflt) != NULL;
    }
    return false;
}

static const char *adup(kc_arena *a, const char *s)
{
    return s ? kc_arena_strndup(a, s, strlen(s)) : NULL;
}

/* ConfigHelper.configSynonyms: appends to @p out (at most MAX_SYNONYMS) and returns the count. */
static int config_synonyms(const kc_cfg_layers *L, const char *name, bool sensitive,
                           bool default_only, kc_arena *a, kc_cfg_synonym *out, int n)
{
    static const int sources[] = {KC_CFG_SOURCE_DYNAMIC_BROKER,
                                  KC_CFG_SOURCE_DYNAMIC_DEFAULT_BROKER, KC_CFG_SOURCE_STATIC_BROKER,
                                  KC_CFG_SOURCE_DEFAULT};
    const char *names[3];
    int n_names = broker_synonyms(name, names);
    int start = n;
    for (size_t s = 0; s < sizeof(sources) / sizeof(sources[0]); s++) {
        if (default_only && sources[s] != KC_CFG_SOURCE_DYNAMIC_DEFAULT_BROKER)
            continue;
        for (int i = 0; i < n_names && n < MAX_SYNONYMS; i++) {
            char buf[64];
            const char *v = NULL;
            if (!layer_has(L, sources[s], names[i], &v, buf, sizeof(buf)))
                continue;
            out[n].name = adup(a, names[i]);
            out[n].value = sensitive ? NULL : adup(a, v);
            out[n].source = (int8_t)sources[s];
            n++;
        }
    }
    /* drop those before the first synonym named @p name (e.g. log.retention.hours when the
     * config is log.retention.ms) */
    int first = start;
    while (first < n && strcmp(out[first].name, name) != 0)
        first++;
    memmove(out + start, out + first, sizeof(*out) * (size_t)(n - first));
    return start + (n - first);
}

static void finish_entry(kc_cfg_entry *e, const kc_cfg_synonym *syn, int n, kc_arena *a)
{
    e->source = n ? syn[0].source : KC_CFG_SOURCE_DEFAULT;
    e->n_synonyms = n;
    e->synonyms = n ? kc_arena_alloc(a, sizeof(*syn) * (size_t)n) : NULL;
    if (n)
        memcpy(e->synonyms, syn, sizeof(*syn) * (size_t)n);
}

/* The value of topic config @p k when the topic has no override: what its log config holds,
 * else the broker's current value of its synonym, else the key's own default. */
static const char *topic_effective(const kc_topic_key *k, const kc_log_config *lc,
                                   const kc_config *cur, char *buf, size_t n)
{
    const char *v = kc_log_config_value(k, lc, buf, n);
    if (v)
        return v;
    const broker_key *b = k->synonym ? find_broker_key(k->synonym) : NULL;
    if (b && (v = broker_value(b, cur, buf, n)) != NULL)
        return v;
    return k->dflt;
}

int kc_cfg_describe_topic(const kc_cfg_layers *L, const kc_cfg_kvs *overrides, const kc_str *keys,
                          int32_t n_keys, kc_arena *a, kc_cfg_entry **out)
{
    kc_log_config lc;
    kc_log_config_defaults(&lc, L->current);
    for (int i = 0; overrides && i < overrides->n; i++)
        kc_log_config_apply(&lc, overrides->items[i].name, overrides->items[i].value);
    size_t nk;
    const kc_topic_key *all = kc_log_config_topic_keys(&nk);
    kc_cfg_entry *e = kc_arena_alloc(a, sizeof(*e) * nk);
    int n = 0;
    for (size_t i = 0; i < nk; i++) {
        const kc_topic_key *k = &all[i];
        if (!wanted(k->name, keys, n_keys))
            continue;
        kc_cfg_synonym syn[MAX_SYNONYMS];
        int ns = 0;
        const char *ov = kc_cfg_kvs_get(overrides, k->name);
        if (ov)
            syn[ns++] = (kc_cfg_synonym){k->name, adup(a, ov), KC_CFG_SOURCE_TOPIC};
        if (k->synonym)
            ns = config_synonyms(L, k->synonym, false, false, a, syn, ns);
        char buf[64];
        e[n] = (kc_cfg_entry){.name = k->name};
        e[n].value =
            ov ? adup(a, ov) : adup(a, topic_effective(k, &lc, L->current, buf, sizeof(buf)));
        finish_entry(&e[n], syn, ns, a);
        n++;
    }
    *out = e;
    return n;
}

int kc_cfg_describe_broker(const kc_cfg_layers *L, bool per_broker, const kc_str *keys,
                           int32_t n_keys, kc_arena *a, kc_cfg_entry **out)
{
    size_t nk;
    const broker_key *all = kc_config_keys(&nk);
    int cap = per_broker ? (int)nk : (L->dyn_default ? L->dyn_default->n : 0);
    kc_cfg_entry *e = kc_arena_alloc(a, sizeof(*e) * (size_t)(cap ? cap : 1));
    int n = 0;
    for (int i = 0; i < cap; i++) {
        const broker_key *k;
        const char *name, *value;
        char buf[64];
        if (per_broker) {
            k = &all[i];
            if (k->hidden)
                continue;
            name = k->name;
            value = broker_value(k, L->current, buf, sizeof(buf));
        } else {
            name = L->dyn_default->items[i].name;
            value = L->dyn_default->items[i].value;
            k = find_broker_key(name);
        }
        if (!wanted(name, keys, n_keys))
            continue;
        bool sensitive = k && k->sensitive;
        kc_cfg_synonym syn[MAX_SYNONYMS];
        int ns = config_synonyms(L, name, sensitive, !per_broker, a, syn, 0);
        e[n] = (kc_cfg_entry){.name = adup(a, name)};
        e[n].value = sensitive ? NULL : adup(a, value);
        e[n].sensitive = sensitive;
        e[n].read_only = !(k && k->update != KC_CU_READ_ONLY);
        finish_entry(&e[n], syn, ns, a);
        n++;
    }
    *out = e;
    return n;
}
