/*
 * Requests from this broker to the active controller (Kafka's BrokerToControllerChannelManager):
 * AlterIsr from partition leaders, ControlledShutdown at shutdown. The controller is the one the
 * metadata cache names (UpdateMetadata's controller id), reached on its inter-broker listener
 * through one inter-broker client (net/ibclient.h), recreated when the controller moves.
 * Reactor thread only.
 */
#ifndef KC_CONTROLLER_CLIENT_H
#define KC_CONTROLLER_CLIENT_H

#include "broker/broker.h"
#include "net/ibclient.h"

/**
 * Send (@p api_key, @p api_version, @p body) to the active controller. @p cb gets the response
 * body, or NULL when no controller is known, it cannot be reached, or the connection failed
 * (the caller retries after its own backoff). @p body is copied.
 */
void kc_controller_client_send(kc_broker *b, int16_t api_key, int16_t api_version,
                               const kc_wbuf *body, kc_ibclient_cb cb, void *arg);

/** Close the connection (shutdown). Callbacks of requests in flight are not called. */
void kc_controller_client_free(kc_broker *b);

#endif
