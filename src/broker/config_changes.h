/*
 * Dynamic configuration on a running broker, as Kafka's DynamicConfigManager and AdminZkClient
 * do it in ZooKeeper mode:
 *  - the writer: AlterConfigs rewrites `/config/<type>/<entity>` whole, then creates the
 *    persistent-sequential notification `/config/changes/config_change_<seq>`
 *    {"version":2,"entity_path":"<type>/<entity>"};
 *  - the listener: every broker follows `/config/changes` with the change listener
 *    (broker/change_listener.h: every notification, in order, re-processed after a restart).
 *    Each one is only a trigger: the entity is re-read and applied live:
 *      topics/<t>              -> the topic's log config (broker defaults + overrides) and every
 *                                 open partition log of it (retention, roll, flush rules)
 *      brokers/<default>, <id> -> the dynamic broker layer (per-broker over cluster default over
 *                                 server.properties), written through into the live kc_config,
 *                                 then every topic's config is re-derived (overrides still win)
 *      users/<sanitized user>  -> the user's SCRAM credentials in b->scram_store (broker.c reads
 *                                 every user under /config/users before the listeners start)
 *
 * Reactor thread only; every ZooKeeper call is asynchronous. The state is per process (one
 * broker per process, src/main.c): kc_broker has no slot for it, so it lives in this module,
 * bound to the broker passed to kc_config_changes_start().
 */
#ifndef KC_CONFIG_CHANGES_H
#define KC_CONFIG_CHANGES_H

#include <stdint.h>

#include "broker/broker.h"
#include "config/dynconf.h"

/**
 * Start the listener for @p b: snapshot the static config (as loaded), read
 * `/config/brokers/<default>` and `/config/brokers/<id>`, list and watch `/config/changes` and
 * process every notification there. Call once, from kc_broker_start() after the watches are
 * armed (topics loaded, session up). Nothing blocks; ZooKeeper failures are logged and retried
 * by the timer, never fatal.
 */
void kc_config_changes_start(kc_broker *b);

/**
 * A watch event from broker.c's on_zk_watch (any type and path; only a child event on
 * `/config/changes` is acted on: the children are listed again, with a new watch).
 */
void kc_config_changes_on_watch(kc_broker *b, int type, const char *path);

/**
 * The layers @p b's configuration is made of now (DescribeConfigs). Before
 * kc_config_changes_start() (or for another broker) the static and current configs are both
 * b->cfg and the dynamic layers are empty. Pointers stay valid until the next config change is
 * applied on the reactor: use them within one reactor callback.
 */
void kc_config_changes_layers(const kc_broker *b, kc_cfg_layers *out);

/** Called once on the reactor with a Kafka error code and a message (NULL on success). */
typedef void (*kc_config_write_cb)(int16_t error_code, const char *message, void *arg);

/**
 * Replace `/config/<entity_type>/<entity_name>` with @p config ({"version":1,"config":{...}},
 * setData, or create when missing), then create the change notification
 * {"version":2,"entity_path":"<entity_type>/<entity_name>"} (AdminZkClient.changeEntityConfig).
 * @p entity_type is "topics", "brokers" or "users"; @p entity_name a topic, a broker id,
 * "<default>" or a user name as kc_cfg_entity_sanitize() writes it.
 * @p config is copied. @p cb runs exactly once, later, with KC_ERR_NONE or
 * KC_ERR_UNKNOWN_SERVER_ERROR ("ZooKeeper write failed") when a write failed.
 */
void kc_config_changes_write(kc_broker *b, const char *entity_type, const char *entity_name,
                             const kc_cfg_kvs *config, kc_config_write_cb cb, void *arg);

#endif
