/*
 * Broker configuration: Kafka's server.properties names, meanings and defaults
 * (kafka.server.KafkaConfig). One catalogue in config.c declares every broker key cafka knows,
 * once: type, kc_config field, default, bounds, whether it can be updated at run time and
 * whether it is sensitive. Start-up (kc_config_load), DescribeConfigs and AlterConfigs
 * (config/dynconf.c) all read it. A key not in it is a warning, a value it cannot use is an
 * error that names the key, the value and why, and start-up stops before anything else happens.
 */
#ifndef KC_CONFIG_H
#define KC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KC_MAX_LISTENERS 8
#define KC_MAX_LOG_DIRS  16

enum kc_security_protocol {
    KC_SEC_PLAINTEXT = 0,
    KC_SEC_SSL = 1,
    KC_SEC_SASL_PLAINTEXT = 2,
    KC_SEC_SASL_SSL = 3,
};

/** True for the protocols that run over TLS (SSL, SASL_SSL). */
static inline bool kc_sec_is_tls(int protocol)
{
    return protocol == KC_SEC_SSL || protocol == KC_SEC_SASL_SSL;
}

/** True for the protocols that authenticate with SASL (SASL_PLAINTEXT, SASL_SSL). */
static inline bool kc_sec_is_sasl(int protocol)
{
    return protocol == KC_SEC_SASL_PLAINTEXT || protocol == KC_SEC_SASL_SSL;
}
enum kc_ssl_client_auth { KC_SSL_AUTH_NONE = 0, KC_SSL_AUTH_REQUESTED, KC_SSL_AUTH_REQUIRED };

/** One `NAME://host:port` entry of `listeners` or `advertised.listeners`. */
typedef struct kc_listener_conf {
    char name[64];  /* listener name, upper case, e.g. "PLAINTEXT" */
    char host[256]; /* "" = all interfaces (bind) */
    int port;       /* 0..65535 */
    int protocol;   /* enum kc_security_protocol, from listener.security.protocol.map */
} kc_listener_conf;

/** One max.connections.per.ip.overrides entry. */
typedef struct kc_ip_limit {
    char host[64]; /* a numeric IP address, as the peer's address prints */
    int32_t limit;
} kc_ip_limit;

#define KC_MAX_IP_OVERRIDES 64

/** SASL mechanisms cafka serves (sasl.enabled.mechanisms), as bits. */
enum kc_sasl_mechanism_bit {
    KC_SASL_PLAIN = 1 << 0,
    KC_SASL_SCRAM_SHA_256 = 1 << 1,
    KC_SASL_SCRAM_SHA_512 = 1 << 2,
};

#define KC_MAX_JAAS 16

/** One `listener.name.<listener>.<mechanism>.sasl.jaas.config` line (Kafka's per-listener JAAS
 *  configuration, KIP-103), parsed by config/jaas.h. */
typedef struct kc_jaas_conf {
    char listener[64];      /* upper case, as kc_listener_conf.name */
    char mechanism[32];     /* upper case: PLAIN, SCRAM-SHA-256, ... */
    char *text;             /* the value as written; owned */
    struct kc_jaas *parsed; /* owned; set by kc_config_load's validation */
} kc_jaas_conf;

typedef struct kc_config {
    int32_t broker_id;
    char *listeners_raw;
    char *advertised_listeners_raw; /* NULL = same as listeners */
    char *listener_security_protocol_map;
    char *inter_broker_listener_name; /* NULL = from security.inter.broker.protocol */
    char *security_inter_broker_protocol;
    char *log_dirs_raw; /* NULL = log.dir */
    char *log_dir;
    char *compression_type;  /* the broker default of the topic config; see proto/compression.h */
    char *zookeeper_connect; /* required */
    int32_t zookeeper_session_timeout_ms;
    bool zookeeper_set_acl;      /* create znodes with Kafka's secure ACLs (zk/zk.h) */
    char *zookeeper_auth_digest; /* "user:password" for ZooKeeper's digest scheme, or NULL */
    int32_t zookeeper_connection_timeout_ms; /* -1 = zookeeper.session.timeout.ms */
    int32_t num_partitions;
    int32_t default_replication_factor;
    int32_t min_insync_replicas;
    bool auto_create_topics_enable;
    bool delete_topic_enable;
    bool unclean_leader_election_enable;
    int32_t controller_socket_timeout_ms; /* controller -> broker round trips */
    int32_t socket_request_max_bytes;
    int32_t queued_max_requests;       /* requests read, neither answered nor delayed */
    int64_t queued_max_request_bytes;  /* frames read and not answered; -1 = no bound */
    int64_t queued_max_response_bytes; /* responses queued in memory, all connections; -1 = none */
    int32_t message_max_bytes;
    int32_t log_segment_bytes;
    int64_t log_retention_ms; /* -1 = unset, then minutes, then hours */
    int32_t log_retention_minutes;
    int32_t log_retention_hours;
    int64_t log_retention_bytes;
    int64_t log_retention_check_interval_ms;
    int64_t log_roll_ms;
    int32_t log_roll_hours;
    int64_t log_flush_interval_messages;
    int64_t log_flush_interval_ms;
    int32_t log_index_interval_bytes;
    int32_t log_index_size_max_bytes;
    int64_t log_segment_delete_delay_ms;
    int64_t log_cleaner_delete_retention_ms;
    int64_t log_flush_offset_checkpoint_interval_ms;
    int64_t log_flush_scheduler_interval_ms;
    int64_t log_cleaner_backoff_ms;
    int32_t offsets_topic_num_partitions;
    int32_t offsets_topic_replication_factor;
    int32_t offsets_topic_segment_bytes;
    int32_t offsets_commit_required_acks; /* -1 = the whole ISR, 1 = the leader */
    int32_t offsets_commit_timeout_ms;
    int32_t offsets_retention_minutes;
    int64_t offsets_retention_check_interval_ms;
    int32_t offsets_load_buffer_size;
    int32_t transactional_id_expiration_ms;
    int32_t offset_metadata_max_bytes;
    int64_t replica_lag_time_max_ms;
    /* KIP-227 (broker/fetch_session.h) */
    int32_t max_incremental_fetch_session_cache_slots;
    int32_t replica_fetch_max_bytes; /* per partition, as Kafka's */
    int32_t replica_fetch_min_bytes;
    int32_t replica_fetch_wait_max_ms;
    int32_t replica_fetch_backoff_ms;
    int32_t replica_fetch_response_max_bytes; /* per fetch request */
    int32_t replica_socket_timeout_ms;
    int32_t num_replica_fetchers;              /* fetcher connections per source broker */
    int32_t num_recovery_threads_per_data_dir; /* opening and closing logs, per log dir */
    int64_t replica_high_watermark_checkpoint_interval_ms;
    bool controlled_shutdown_enable;
    int32_t controlled_shutdown_max_retries;
    int64_t controlled_shutdown_retry_backoff_ms;
    bool auto_leader_rebalance_enable;
    int64_t leader_imbalance_check_interval_seconds;
    int32_t leader_imbalance_per_broker_percentage;
    int32_t group_initial_rebalance_delay_ms;
    int32_t group_min_session_timeout_ms;
    int32_t group_max_session_timeout_ms;
    int32_t group_max_size;
    char *broker_rack;
    char *ssl_keystore_type;
    char *ssl_keystore_location;
    char *ssl_key_password;
    char *ssl_truststore_type;
    char *ssl_truststore_location;
    int ssl_client_auth; /* enum kc_ssl_client_auth */
    char *ssl_enabled_protocols;
    int32_t max_connections;        /* client listeners together (the inter-broker one exempt) */
    int32_t max_connections_per_ip; /* every listener */
    char *max_connections_per_ip_overrides_raw;
    int64_t connections_max_idle_ms;
    /* the deadline of a TLS handshake and of a partial request frame (no byte for that long) */
    int64_t socket_connection_setup_timeout_ms;
    char *sasl_enabled_mechanisms;              /* comma-separated */
    char *sasl_mechanism_inter_broker_protocol; /* used when the inter-broker listener is SASL */
    int32_t sasl_server_max_receive_size;       /* frame bound before authentication */
    char *authorizer_class_name;                /* "" = no authorizer: everything allowed */
    char *super_users;                          /* "User:a;User:b" (checked by the broker) */
    bool allow_everyone_if_no_acl_found;
    char *ssl_principal_mapping_rules; /* DEFAULT only: the certificate's RFC 2253 DN */

    /* Derived by kc_config_load() from the raw strings above. */
    kc_listener_conf listeners[KC_MAX_LISTENERS];
    int n_listeners;
    kc_listener_conf advertised[KC_MAX_LISTENERS];
    int n_advertised;
    char *log_dirs[KC_MAX_LOG_DIRS]; /* each strdup'd */
    int n_log_dirs;
    kc_ip_limit ip_overrides[KC_MAX_IP_OVERRIDES]; /* max.connections.per.ip.overrides */
    int n_ip_overrides;
    int sasl_mechanisms; /* enum kc_sasl_mechanism_bit, from sasl.enabled.mechanisms */
    const char *sasl_mechanism_names[3]; /* the same, in sasl.enabled.mechanisms order */
    int n_sasl_mechanism_names;
    bool authorizer;                /* authorizer.class.name names Kafka's AclAuthorizer */
    kc_jaas_conf jaas[KC_MAX_JAAS]; /* collected while loading, validated at derive */
    int n_jaas;
} kc_config;

/** How a catalogue key is typed, parsed and stored. */
enum kc_config_key_type {
    KC_CK_INT,         /* int32_t field, decimal, within [min, max] */
    KC_CK_LONG,        /* int64_t field, decimal, within [min, max] */
    KC_CK_BOOL,        /* bool field, "true" / "false" (any case) */
    KC_CK_STRING,      /* char * field, any text; owned by the kc_config */
    KC_CK_CLIENT_AUTH, /* int field (enum kc_ssl_client_auth): none, requested, required */
    KC_CK_IGNORED,     /* a Kafka key accepted silently at start-up; cafka has no use for it */
    KC_CK_DESCRIBED,   /* a Kafka key cafka does not read (unknown at start-up: a warning) whose
                        * default DescribeConfigs shows, e.g. the broker synonym of a topic config */
};

/** Kafka's "Update Mode" of a broker key (DynamicBrokerConfig). */
enum kc_config_update {
    KC_CU_READ_ONLY = 0, /* only from server.properties / --override */
    KC_CU_PER_BROKER,    /* at run time through /config/brokers/<id> only */
    KC_CU_CLUSTER_WIDE,  /* at run time through /config/brokers/<id> or /config/brokers/<default> */
};

/** One broker key of the catalogue. */
typedef struct kc_config_key {
    const char *name;
    enum kc_config_key_type type;
    size_t off;       /* offset of the field in kc_config (INT .. CLIENT_AUTH) */
    const char *dflt; /* Kafka's default as DescribeConfigs prints it; NULL = none (null) */
    int64_t min, max; /* INT, LONG: accepted range */
    int64_t unset;    /* INT, LONG without a default: the field's "not set" value, in range */
    enum kc_config_update update;
    bool sensitive; /* PASSWORD type: value never shown */
    bool hidden;    /* not listed by DescribeConfigs */
} kc_config_key;

/** The catalogue, in DescribeConfigs order; @p n receives its length. */
const kc_config_key *kc_config_keys(size_t *n);

/** The catalogue entry of @p name, or NULL. */
const kc_config_key *kc_config_key_find(const char *name);

/**
 * Load defaults, then the properties file @p path (Java .properties syntax: `key=value`,
 * `key: value`, `#`/`!` comments, backslash continuation and escapes), then @p overrides
 * (`key=value` strings, applied in order, later wins), then validate and derive listeners and
 * log dirs. Unknown keys are logged as warnings.
 *
 * @param c      zero-initialised by the caller; owns its strings afterwards (kc_config_free()).
 * @param err    receives "'<key>': ..." or a file error on failure, NUL-terminated.
 * @return 0, or -1 when the file cannot be read or a value is unusable (missing required key,
 *         not a number, out of range, malformed listener, unknown security protocol...).
 */
int kc_config_load(kc_config *c, const char *path, int n_overrides, char *const *overrides,
                   char *err, size_t errlen);

/**
 * Apply one `key=value` assignment to @p c (no derivation, no cross-key checks).
 * @return 1 applied, 0 unknown key (ignored), -1 unusable value (@p err says why).
 */
int kc_config_set(kc_config *c, const char *key, const char *value, char *err, size_t errlen);

/** Free every string @p c owns. */
void kc_config_free(kc_config *c);

/**
 * The effective log retention in milliseconds: log.retention.ms, else .minutes, else .hours
 * (Kafka's precedence); -1 means unlimited.
 */
int64_t kc_config_retention_ms(const kc_config *c);

/**
 * Name of the listener brokers use to reach each other: inter.broker.listener.name, else the
 * listener named like security.inter.broker.protocol (Kafka's rule).
 */
const char *kc_config_inter_broker_listener(const kc_config *c);

/** True when listener @p index (0 <= index < n_listeners) is the inter-broker listener: its
 *  connections are exempt from max.connections, as Kafka exempts them. */
bool kc_config_listener_is_inter_broker(const kc_config *c, int index);

/**
 * The parsed JAAS configuration of @p mechanism ("PLAIN", "SCRAM-SHA-256", ...) on listener
 * @p listener (its upper-case name), or NULL when server.properties has none.
 */
const struct kc_jaas *kc_config_jaas(const kc_config *c, const char *listener,
                                     const char *mechanism);

/** Security protocol of the inter-broker listener (enum kc_security_protocol); PLAINTEXT when
 *  no listener has that name. */
int kc_config_inter_broker_protocol(const kc_config *c);

/**
 * Parse a listener list "NAME://host:port,..." using @p protocol_map ("NAME:PROTO,...").
 * @return the number of listeners, or -1 with @p err set (bad syntax, bad port, listener
 *         name without a protocol, unknown security protocol).
 */
int kc_config_parse_listeners(const char *list, const char *protocol_map, kc_listener_conf *out,
                              int max, char *err, size_t errlen);

#endif
