/*
 * Kafka's ZkNodeChangeNotificationListener, the one mechanism by which a broker follows changes
 * announced through persistent-sequential znodes `<root>/<prefix><10-digit seq>` (config changes
 * under `/config/changes`, ACL changes under `/kafka-acl-changes` and
 * `/kafka-acl-extended-changes`):
 *  - at start every notification present is processed (a restarted Kafka broker re-processes them
 *    all), afterwards those with a sequence number above the last one processed, one at a time
 *    and in order; each is only a trigger, the handler re-reads what it names;
 *  - a notification stays at the head of the queue until its handler reports it applied (a
 *    ZooKeeper failure leaves it there and the 1 s timer tries again);
 *  - notifications older than 15 minutes are deleted once processed (Kafka's purge,
 *    KC_CFG_CHANGE_EXPIRATION_MS);
 *  - a session expiry loses the child watch: the timer notices the new session and lists (and
 *    watches) the root again.
 * Reactor thread only; every ZooKeeper call is asynchronous. A listener goes quiet once the
 * broker is shutting down.
 */
#ifndef KC_CHANGE_LISTENER_H
#define KC_CHANGE_LISTENER_H

#include <stdbool.h>

#include "broker/broker.h"

typedef struct kc_change_listener kc_change_listener;

/**
 * Process one notification, whose node holds @p len bytes at @p data (NULL, -1 for a null
 * payload). The handler must call kc_change_listener_done() on @p l exactly once, at once or
 * later from the reactor; no other notification of @p l is handed out meanwhile.
 */
typedef void (*kc_change_fn)(kc_change_listener *l, const char *data, int len, void *arg);

/**
 * Start following @p root (e.g. "/config/changes") for children named @p prefix followed by
 * digits (e.g. "config_change_"); @p fn with @p arg gets each notification. Lists and watches
 * @p root now (a missing root is listed again by the timer). Both strings are copied. Aborts on
 * OOM or when the timer cannot be armed.
 * @return the listener; kc_change_listener_free() once the ZooKeeper session is closed, or
 *         never (a listener may live as long as the process).
 */
kc_change_listener *kc_change_listener_start(kc_broker *b, const char *root, const char *prefix,
                                             kc_change_fn fn, void *arg);

/**
 * End the processing of the notification handed to the handler: @p applied true moves past it
 * (and purges it when old enough); false keeps it at the head for the timer to retry (log why
 * before calling).
 */
void kc_change_listener_done(kc_change_listener *l, bool applied);

/** A watch event from broker.c's on_zk_watch: a child event on @p l's root lists it again. */
void kc_change_listener_on_watch(kc_change_listener *l, int type, const char *path);

/** Free @p l (NULL is fine): only once no ZooKeeper callback can reach it any more. */
void kc_change_listener_free(kc_change_listener *l);

#endif
