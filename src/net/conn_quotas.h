/*
 * Connection quotas (Kafka's ConnectionQuotas): max.connections.per.ip with
 * max.connections.per.ip.overrides, counted per peer IP, and max.connections over every listener
 * but the inter-broker one (Kafka lets brokers in past the limit so that replication never
 * starves). A connection beyond its IP's limit is closed at once; at max.connections the broker
 * stops accepting on the client listeners (connections wait in the kernel's backlog, as Kafka's
 * acceptor blocks) until one closes. Invariant: every counted connection is uncounted exactly
 * once, when it closes.
 */
#ifndef KC_CONN_QUOTAS_H
#define KC_CONN_QUOTAS_H

#include <stdbool.h>

#include "config/config.h"

typedef struct kc_conn_quotas kc_conn_quotas;

/** Quotas for @p cfg (borrowed for their life). Aborts on out-of-memory. */
kc_conn_quotas *kc_conn_quotas_new(const kc_config *cfg);

/** Frees @p q (NULL is fine). */
void kc_conn_quotas_free(kc_conn_quotas *q);

/**
 * Counts a new connection from numeric address @p ip on a client listener (@p inter_broker
 * false) or the inter-broker listener.
 * @return true when counted; false when @p ip is at its max.connections.per.ip (or override)
 *         limit: nothing is counted and the caller closes the socket.
 */
bool kc_conn_quotas_add(kc_conn_quotas *q, const char *ip, bool inter_broker);

/** Uncounts a connection that kc_conn_quotas_add() counted. */
void kc_conn_quotas_remove(kc_conn_quotas *q, const char *ip, bool inter_broker);

/** True while the client listeners hold max.connections connections. */
bool kc_conn_quotas_full(const kc_conn_quotas *q);

#endif
