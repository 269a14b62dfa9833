/*
 * The controller's channel to one broker (Kafka's ControllerChannelManager): a queue of control
 * requests sent in order on the broker's inter-broker listener (PLAINTEXT or SSL) by the
 * reactor's inter-broker client (net/ibclient.h), so that a slow or stopped broker never holds
 * up the controller thread or the other brokers.
 *
 * A request that fails (connect refused, send or receive error, no answer within
 * controller.socket.timeout.ms) is sent again on a new connection after a short backoff, as
 * Kafka does, until it is answered or the channel is freed (the broker left the cluster).
 * Done callbacks run on the reactor thread, or on the freeing thread with NULL.
 */
#ifndef KC_CHANNEL_H
#define KC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "net/ibclient.h"

typedef struct kc_channel kc_channel;
struct event_base;
struct ssl_ctx_st;
struct kc_mailbox;

/**
 * Where channels live: the reactor's @p base, the @p mb that hands them work from the controller
 * thread, and how to reach brokers (@p sec: TLS and/or SASL; NULL = PLAINTEXT). Set once by the
 * broker at start, before the controller runs; all borrowed for the process's life.
 */
void kc_channel_set_env(struct event_base *base, struct kc_mailbox *mb,
                        const kc_ibclient_security *sec);

/**
 * Called on the channel's thread once per request: @p resp is the response body (after the
 * correlation id, @p len bytes, valid during the call), or NULL when the request was dropped
 * because the channel was freed.
 */
typedef void (*kc_channel_done)(int32_t broker_id, int16_t api_key, const uint8_t *resp, size_t len,
                                void *arg);

/**
 * Start a channel to broker @p broker_id at @p host:@p port. @p client_id names
 * the sender in request headers; @p timeout_ms bounds each round trip.
 * @return the channel (owned by the caller; kc_channel_free), never NULL (aborts on OOM).
 */
kc_channel *kc_channel_new(int32_t broker_id, const char *host, int port, const char *client_id,
                           int timeout_ms);

/**
 * Queue a request: @p body (@p len bytes, malloc'd; ownership passes to the channel) is sent
 * after a v1 request header for (@p api_key, @p api_version). @p done may be NULL.
 */
void kc_channel_send(kc_channel *ch, int16_t api_key, int16_t api_version, uint8_t *body,
                     size_t len, kc_channel_done done, void *arg);

/** Call the done callbacks of requests not answered yet with NULL (on the calling thread, before
 *  returning; a late answer is dropped) and release @p ch (its connection closes on the reactor).
 */
void kc_channel_free(kc_channel *ch);

/** Broker id of @p ch. */
int32_t kc_channel_broker(const kc_channel *ch);

#endif
