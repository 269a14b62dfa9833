/*
 * Kafka's dynamic configuration model, as pure functions (no ZooKeeper, no broker state):
 *  - reading the catalogues: broker keys (config/config.h: kc_config field, Kafka default, update
 *    mode, sensitive or not) and topic-level configs (LogConfig: type, validator, broker synonym);
 *  - config entity payloads (`/config/<type>/<entity>`, {"version":1,"config":{...}}) and change
 *    notifications (`/config/changes/config_change_<seq>`, v1 and v2);
 *  - validation of AlterConfigs input (LogConfig.validate, DynamicBrokerConfig.validate);
 *  - the dynamic broker layer: re-deriving the live kc_config from the static one plus
 *    `/config/brokers/<default>` and `/config/brokers/<id>` (per-broker wins);
 *  - DescribeConfigs entries with Kafka's sources and synonyms (kafka.server.ConfigHelper).
 *
 * Invariants: only keys of numeric or boolean type are updatable at run time, so re-deriving
 * never frees or replaces a string of a kc_config (a shallow copy of the static config can be
 * shared with the live one). Describe results live in a caller-supplied arena.
 *
 * Sources of the rules: Kafka 2.8/3.x kafka.server.{ConfigHelper, ZkAdminManager,
 * DynamicBrokerConfig, DynamicConfigManager}, kafka.log.LogConfig, ConfigDef validators.
 */
#ifndef KC_DYNCONF_H
#define KC_DYNCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "config/config.h"
#include "proto/buf.h"
#include "storage/log_config.h"

/** DescribeConfigsResponse.ConfigSource ids. */
enum kc_config_source {
    KC_CFG_SOURCE_UNKNOWN = 0,
    KC_CFG_SOURCE_TOPIC = 1,                  /* DYNAMIC_TOPIC_CONFIG: /config/topics/<t> */
    KC_CFG_SOURCE_DYNAMIC_BROKER = 2,         /* /config/brokers/<id> */
    KC_CFG_SOURCE_DYNAMIC_DEFAULT_BROKER = 3, /* /config/brokers/<default> */
    KC_CFG_SOURCE_STATIC_BROKER = 4,          /* server.properties / --override */
    KC_CFG_SOURCE_DEFAULT = 5,                /* Kafka's default */
};

/** ConfigResource.Type ids. */
enum kc_config_resource_type {
    KC_CFG_RESOURCE_UNKNOWN = 0,
    KC_CFG_RESOURCE_TOPIC = 2,
    KC_CFG_RESOURCE_BROKER = 4,
    KC_CFG_RESOURCE_BROKER_LOGGER = 8,
    KC_CFG_RESOURCE_CLIENT_METRICS = 16,
    KC_CFG_RESOURCE_GROUP = 32,
};

/** Kafka's notation for the cluster-wide default entity (`/config/brokers/<default>`). */
#define KC_CFG_DEFAULT_ENTITY "<default>"

/** Notifications older than this are purged once processed (Kafka's changeExpirationMs). */
#define KC_CFG_CHANGE_EXPIRATION_MS (15 * 60 * 1000)

/** One `name=value` config; both malloc'd and owned by the list. */
typedef struct kc_cfg_kv {
    char *name;
    char *value;
} kc_cfg_kv;

/** An ordered list of configs with unique names. Zero-initialised = empty. */
typedef struct kc_cfg_kvs {
    kc_cfg_kv *items;
    int n;
} kc_cfg_kvs;

/* ------------------------------------------------------------------ entity payloads */

/**
 * Parse a config entity payload {"version":1,"config":{"k":"v",...}} into @p out (emptied
 * first). A NULL or empty payload, or one without "config", is an empty list (Kafka reads a
 * missing config as no overrides); non-string values are skipped.
 * @param out owned by the caller afterwards: kc_cfg_kvs_free().
 * @return 0, or -1 when @p json is not a JSON object (@p out is then empty).
 */
int kc_cfg_kvs_parse(const char *json, int len, kc_cfg_kvs *out);

/** Set @p name to @p value (copied), replacing an existing entry. Aborts on OOM. */
void kc_cfg_kvs_set(kc_cfg_kvs *kvs, const char *name, const char *value);

/**
 * Kafka's Sanitizer for entity names in znode paths (`/config/users/<sanitized>`): bytes other
 * than ASCII letters, digits, '.', '-' and '_' become %XX (upper-case hex), as Java's URLEncoder
 * with "+" -> "%20" and "*" -> "%2A". @return 0, or -1 when @p cap is too small.
 */
int kc_cfg_entity_sanitize(const char *name, char *out, size_t cap);

/** The inverse of kc_cfg_entity_sanitize(); -1 on a malformed escape or when @p cap is short. */
int kc_cfg_entity_desanitize(const char *name, char *out, size_t cap);

/** Remove @p name; @return true when it was there. */
bool kc_cfg_kvs_remove(kc_cfg_kvs *kvs, const char *name);

/** The value of @p name, or NULL. @p kvs may be NULL (empty). */
const char *kc_cfg_kvs_get(const kc_cfg_kvs *kvs, const char *name);

/** Free every entry; @p kvs is empty afterwards. */
void kc_cfg_kvs_free(kc_cfg_kvs *kvs);

/** The entity payload {"version":1,"config":{...}} of @p kvs; malloc'd, caller frees. */
char *kc_cfg_kvs_json(const kc_cfg_kvs *kvs);

/** "k1=v1, k2=v2" (or "(none)") for log lines; malloc'd, caller frees. */
char *kc_cfg_kvs_summary(const kc_cfg_kvs *kvs);

/* ------------------------------------------------------------------ change notifications */

/**
 * The sequence number of a change notification named @p prefix followed by digits, as
 * ZooKeeper names persistent-sequential nodes ("config_change_0000000012" under
 * `/config/changes`, "acl_changes_0000000003" under `/kafka-acl-changes`).
 * @return the number (>= 0), or -1 for any other name.
 */
int64_t kc_cfg_change_seq(const char *child, const char *prefix);

/**
 * Parse a change notification (ConfigChangedNotificationHandler): v2
 * {"version":2,"entity_path":"<type>/<name>"} (split at the first '/'), or v1
 * {"version":1,"entity_type":"topics"|"clients","entity_name":"<name>"}.
 * @param type receives the entity type ("topics", "brokers", ...), NUL-terminated
 * @param name receives the entity name ("my-topic", "<default>", "1", "alice/clients/app"...)
 * @return 0, or -1 with @p err set (not JSON, unknown version, missing field, v1 for another
 *         type than topics/clients, a path without '/', an empty name, too long).
 */
int kc_cfg_change_parse(const char *json, int len, char *type, size_t typelen, char *name,
                        size_t namelen, char *err, size_t errlen);

/** The v2 notification payload for `<type>/<name>`; malloc'd, caller frees. */
char *kc_cfg_change_json(const char *entity_type, const char *entity_name);

/* ------------------------------------------------------------------ validation */

/**
 * Kafka's ConfigResource.toString for messages: "ConfigResource(type=TOPIC, name='t')".
 * @return @p buf.
 */
const char *kc_cfg_resource_str(int8_t type, kc_str name, char *buf, size_t len);

/** Kafka's name of resource type @p type ("TOPIC", "BROKER", ..., "UNKNOWN"). */
const char *kc_cfg_resource_type_name(int8_t type);

/**
 * Validate the complete override set of topic @p topic as AlterConfigs does (LogConfig.validate:
 * every name first, then every value with Kafka's type and validator, then cafka's own parser
 * on a probe so that whatever is accepted can be applied).
 * @return KC_ERR_NONE; KC_ERR_INVALID_CONFIG "Unknown topic config name: <name>"; or
 *         KC_ERR_INVALID_REQUEST "Invalid config value for resource ConfigResource(type=TOPIC,
 *         name='<t>'): Invalid value <v> for configuration <name>: <why>" (ZkAdminManager turns
 *         a ConfigException into InvalidRequestException). @p msg receives the message.
 */
int16_t kc_cfg_topic_validate(const kc_cfg_kvs *kvs, const kc_config *cfg, kc_str topic, char *msg,
                              size_t msglen);

/**
 * A BROKER resource name as a broker id, as Kafka's resourceNameToBrokerId (Java
 * Integer.parseInt: an optional sign, decimal digits, int32 range, nothing else).
 * @return 0 with @p *id set, or -1 when @p name is not such an integer (the caller answers
 *         INVALID_REQUEST "Broker id must be an integer, but it is: <name>").
 */
int kc_cfg_broker_id_parse(kc_str name, int32_t *id);

/** True when broker config @p name can be changed at run time through `/config/brokers`. */
bool kc_cfg_broker_dynamic(const char *name);

/**
 * Validate a dynamic broker config set for resource name @p resource_name ("" = cluster
 * default) as DynamicBrokerConfig.validate does: names that cannot be updated at run time, then
 * per-broker-only names at the cluster default, then values (the catalogue's types and bounds,
 * checked on a copy of @p current).
 * @return KC_ERR_NONE or KC_ERR_INVALID_REQUEST with @p msg "Invalid config value for resource
 *         ConfigResource(type=BROKER, name='<n>'): Cannot update these configs dynamically:
 *         Set(<names>)", "...: Cannot update these configs at default cluster level, broker id
 *         must be specified: Set(<names>)" or "...: <why the value is unusable>".
 */
int16_t kc_cfg_broker_validate(const kc_cfg_kvs *kvs, const kc_config *current,
                               kc_str resource_name, char *msg, size_t msglen);

/**
 * Keep only the entries of @p kvs that kc_cfg_broker_validate() would accept one by one
 * (what a broker applies from a `/config/brokers` znode another tool may have written);
 * dropped names are appended to @p dropped ("a, b"), which may be NULL.
 */
void kc_cfg_broker_filter(kc_cfg_kvs *kvs, const kc_config *current, char *dropped,
                          size_t droppedlen);

/**
 * Re-derive the live broker config: every run-time-updatable field of @p live is reset from
 * @p static_cfg, then @p dyn_default and then @p dyn_broker are applied (per-broker wins; Kafka
 * merges dynamic props over the static ones, so precedence rules such as log.retention.ms over
 * .hours still hold across layers). Entries that are not updatable or not usable are skipped.
 * Only numeric and boolean fields are written.
 */
void kc_cfg_broker_rederive(kc_config *live, const kc_config *static_cfg,
                            const kc_cfg_kvs *dyn_default, const kc_cfg_kvs *dyn_broker);

/* ------------------------------------------------------------------ describe */

/** The layers a broker's configuration is made of. NULL kvs = empty. */
typedef struct kc_cfg_layers {
    const kc_config *static_cfg;   /* as loaded from server.properties and --override */
    const kc_config *current;      /* static + dynamic layers (the broker's live config) */
    const kc_cfg_kvs *dyn_default; /* /config/brokers/<default> */
    const kc_cfg_kvs *dyn_broker;  /* /config/brokers/<this broker's id> */
} kc_cfg_layers;

typedef struct kc_cfg_synonym {
    const char *name;
    const char *value; /* NULL = null (sensitive) */
    int8_t source;     /* enum kc_config_source */
} kc_cfg_synonym;

/** One DescribeConfigs entry; strings live in the arena passed to the describe call. */
typedef struct kc_cfg_entry {
    const char *name;
    const char *value; /* NULL = null (sensitive, or unset without a default) */
    int8_t source;     /* enum kc_config_source */
    bool read_only;
    bool sensitive;
    int n_synonyms;
    kc_cfg_synonym *synonyms; /* Kafka's order: topic override, then the broker layers */
} kc_cfg_entry;

/**
 * The entries of a topic whose overrides are @p overrides (NULL = none), for the config names
 * in @p keys (@p n_keys <= 0 = every topic config Kafka lists). Values: the override when set,
 * else the broker's effective default. Source and synonyms follow ConfigHelper
 * .createTopicConfigEntry: the override (TOPIC), then the broker synonyms (e.g. log.retention.ms,
 * .minutes, .hours) found in the dynamic per-broker, dynamic default, static and default
 * layers, in that order, dropping those before the first one named like the topic config's
 * broker synonym; the source is the first synonym's, DEFAULT when there is none.
 * @return the number of entries in @p *out (allocated from @p a).
 */
int kc_cfg_describe_topic(const kc_cfg_layers *L, const kc_cfg_kvs *overrides, const kc_str *keys,
                          int32_t n_keys, kc_arena *a, kc_cfg_entry **out);

/**
 * The entries of resource BROKER: with @p per_broker, every broker config cafka knows with its
 * current value (ConfigHelper.createBrokerConfigEntry with perBrokerConfig); without, only the
 * cluster-wide dynamic defaults of `/config/brokers/<default>`, whose synonyms keep the
 * DYNAMIC_DEFAULT_BROKER ones only. Password-like keys are sensitive with null values.
 * read_only is false only for the keys cafka can update at run time. Filtered by @p keys as
 * kc_cfg_describe_topic().
 * @return the number of entries in @p *out (allocated from @p a).
 */
int kc_cfg_describe_broker(const kc_cfg_layers *L, bool per_broker, const kc_str *keys,
                           int32_t n_keys, kc_arena *a, kc_cfg_entry **out);

#endif
