/*
 * Controller channels (see channel.h) on the broker's one inter-broker client: the controller
 * thread queues requests; the reactor sends them in order over a kc_ibclient (PLAINTEXT or
 * SSL, as the inter-broker listener is) and runs the done callbacks.
 *
 * Threads: `lock` guards the queue and `freed`. The head of the queue stays queued while it is
 * in flight, so that kc_channel_free() on the controller thread can answer every request not yet
 * answered with NULL, synchronously, as the controller expects; the reactor drops an answer
 * that arrives after that. The channel memory is released on the reactor (posted), after its
 * client is gone.
 */
#include "controller/channel.h"

#include <event2/event.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/mailbox.h"
#include "net/ibclient.h"

#define RETRY_BACKOFF_MS 100

typedef struct creq {
    struct creq *next;
    int16_t api_key, api_version;
    uint8_t *body;
    size_t len;
    kc_channel_done done;
    void *arg;
} creq;

struct kc_channel {
    int32_t broker_id;
    char host[256];
    int port;
    char client_id[64];
    int timeout_ms;
    pthread_mutex_t lock;
    creq *head, *tail;
    bool freed;
    /* reactor only */
    kc_ibclient *client;
    struct event *retry;
    bool in_flight, warned;
};

static struct event_base *env_base;
static kc_mailbox *env_mb;
static const kc_ibclient_security *env_security;

void kc_channel_set_env(struct event_base *base, kc_mailbox *mb, const kc_ibclient_security *sec)
{
    env_base = base;
    env_mb = mb;
    env_security = sec;
}

static void pump(void *arg);

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pump(arg);
}

static void on_response(void *arg, int16_t api_key, int16_t api_version, kc_rbuf *body)
{
    (void)api_version;
    kc_channel *ch = arg;
    ch->in_flight = false;
    pthread_mutex_lock(&ch->lock);
    if (ch->freed) { /* answered NULL by kc_channel_free already */
        pthread_mutex_unlock(&ch->lock);
        return;
    }
    if (!body) {
        pthread_mutex_unlock(&ch->lock);
        if (!ch->warned)
            kc_warn("CONTROLLER", "request %d to broker %d at %s:%d failed; retrying", api_key,
                    ch->broker_id, ch->host, ch->port);
        ch->warned = true;
        struct timeval tv = kc_timeval_ms(RETRY_BACKOFF_MS);
        evtimer_add(ch->retry, &tv);
        return;
    }
    ch->warned = false;
    creq *r = ch->head;
    ch->head = r->next;
    if (!ch->head)
        ch->tail = NULL;
    pthread_mutex_unlock(&ch->lock);
    if (r->done)
        r->done(ch->broker_id, r->api_key, body->p, (size_t)(body->end - body->p), r->arg);
    free(r->body);
    free(r);
    pump(ch);
}

/* Reactor: send the head of the queue unless one is in flight. */
static void pump(void *arg)
{
    kc_channel *ch = arg;
    if (ch->in_flight)
        return;
    pthread_mutex_lock(&ch->lock);
    creq *r = ch->freed ? NULL : ch->head;
    kc_wbuf w = {0};
    int16_t key = 0, ver = 0;
    if (r) {
        kc_wbuf_put(&w, r->body, r->len);
        key = r->api_key;
        ver = r->api_version;
    }
    pthread_mutex_unlock(&ch->lock);
    if (!r)
        return;
    if (!ch->client)
        ch->client = kc_ibclient_new(env_base, env_security, ch->host, ch->port, ch->client_id,
                                     ch->timeout_ms);
    ch->in_flight = true;
    kc_ibclient_send(ch->client, key, ver, &w, on_response, ch);
    kc_wbuf_free(&w);
}

/* Reactor: the controller let go of the channel. */
static void release(void *arg)
{
    kc_channel *ch = arg;
    kc_ibclient_free(ch->client); /* in-flight callbacks are not called */
    event_free(ch->retry);
    pthread_mutex_destroy(&ch->lock);
    free(ch);
}

kc_channel *kc_channel_new(int32_t broker_id, const char *host, int port, const char *client_id,
                           int timeout_ms)
{
    kc_channel *ch = calloc(1, sizeof(*ch));
    if (!ch)
        kc_fatal("channel: out of memory");
    ch->broker_id = broker_id;
    snprintf(ch->host, sizeof(ch->host), "%s", host);
    ch->port = port;
    snprintf(ch->client_id, sizeof(ch->client_id), "%s", client_id);
    ch->timeout_ms = timeout_ms;
    pthread_mutex_init(&ch->lock, NULL);
    ch->retry = evtimer_new(env_base, on_retry, ch);
    return ch;
}

void kc_channel_send(kc_channel *ch, int16_t api_key, int16_t api_version, uint8_t *body,
                     size_t len, kc_channel_done done, void *arg)
{
    creq *r = calloc(1, sizeof(*r));
    if (!r)
        kc_fatal("channel: out of memory");
    *r = (creq){NULL, api_key, api_version, body, len, done, arg};
    pthread_mutex_lock(&ch->lock);
    if (ch->tail)
        ch->tail->next = r;
    else
        ch->head = r;
    ch->tail = r;
    pthread_mutex_unlock(&ch->lock);
    kc_mailbox_post(env_mb, pump, ch);
}

void kc_channel_free(kc_channel *ch)
{
    if (!ch)
        return;
    pthread_mutex_lock(&ch->lock);
    ch->freed = true;
    creq *r = ch->head;
    ch->head = ch->tail = NULL;
    pthread_mutex_unlock(&ch->lock);
    while (r) {
        creq *next = r->next;
        if (r->done)
            r->done(ch->broker_id, r->api_key, NULL, 0, r->arg);
        free(r->body);
        free(r);
        r = next;
    }
    kc_mailbox_post(env_mb, release, ch);
}

int32_t kc_channel_broker(const kc_channel *ch)
{
    return ch->broker_id;
}
