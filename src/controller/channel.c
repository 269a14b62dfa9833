/*
 * Controller -> broker request threads; see channel.h. Invariant: only the channel's thread
 * touches the socket; the queue is shared under `lock`. All socket waits are polls of at most
 * POLL_MS so that `stop` is noticed quickly.
 */
#include "controller/channel.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "proto/buf.h"

#define POLL_MS          200
#define RETRY_BACKOFF_MS 300 /* Kafka: controller retries with a short backoff */
#define MAX_RESPONSE     (64 << 20)

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
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    creq *head, *tail;
    bool stop;
    int fd;
    int32_t correlation;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool stopping(kc_channel *ch)
{
    pthread_mutex_lock(&ch->lock);
    bool s = ch->stop;
    pthread_mutex_unlock(&ch->lock);
    return s;
}

/* Waits for @p events on the socket until @p deadline; 1 ready, 0 timeout or stop, -1 error. */
static int wait_fd(kc_channel *ch, short events, int64_t deadline)
{
    for (;;) {
        if (stopping(ch))
            return 0;
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {ch->fd, events, 0};
        int rc = poll(&p, 1, left < POLL_MS ? (int)left : POLL_MS);
        if (rc > 0)
            return (p.revents & (POLLERR | POLLNVAL)) && !(p.revents & events) ? -1 : 1;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
}

static void disconnect(kc_channel *ch)
{
    if (ch->fd >= 0)
        close(ch->fd);
    ch->fd = -1;
}

static int do_connect(kc_channel *ch, int64_t deadline)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    char port[16];
    snprintf(port, sizeof(port), "%d", ch->port);
    if (getaddrinfo(ch->host, port, &hints, &ai) || !ai)
        return -1;
    ch->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int rc = ch->fd < 0 ? -1 : connect(ch->fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    if (ch->fd < 0)
        return -1;
    if (rc < 0 && errno != EINPROGRESS)
        goto fail;
    if (rc < 0) {
        if (wait_fd(ch, POLLOUT, deadline) != 1)
            goto fail;
        int err = 0;
        socklen_t l = sizeof(err);
        if (getsockopt(ch->fd, SOL_SOCKET, SO_ERROR, &err, &l) || err)
            goto fail;
    }
    return 0;
fail:
    disconnect(ch);
    return -1;
}

static int write_all(kc_channel *ch, const uint8_t *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        ssize_t w = send(ch->fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(ch, POLLOUT, deadline) != 1)
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

static int read_all(kc_channel *ch, uint8_t *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        ssize_t r = recv(ch->fd, p, n, 0);
        if (r > 0) {
            p += r;
            n -= (size_t)r;
        } else if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_fd(ch, POLLIN, deadline) != 1)
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

/* One round trip on the current (or a new) connection; returns the malloc'd response body
 * after the correlation id, or NULL on any failure (the connection is then closed). */
static uint8_t *round_trip(kc_channel *ch, const creq *r, size_t *resp_len)
{
    int64_t deadline = mono_ms() + ch->timeout_ms;
    if (ch->fd < 0 && do_connect(ch, deadline))
        return NULL;
    int32_t corr = ++ch->correlation;
    kc_wbuf w = {0}; /* request header v1 after the size, then the body */
    kc_wbuf_i32(&w, 0);
    kc_wbuf_i16(&w, r->api_key);
    kc_wbuf_i16(&w, r->api_version);
    kc_wbuf_i32(&w, corr);
    kc_wbuf_str(&w, false, kc_str_c(ch->client_id));
    kc_wbuf_put(&w, r->body, r->len);
    kc_wbuf_i32_at(&w, 0, (int32_t)(w.len - 4));
    int rc = write_all(ch, w.data, w.len, deadline);
    kc_wbuf_free(&w);
    uint8_t head[8];
    if (rc || read_all(ch, head, sizeof(head), deadline))
        goto fail;
    uint32_t n = kc_be32(head);
    if (n < 4 || n > MAX_RESPONSE || (int32_t)kc_be32(head + 4) != corr)
        goto fail;
    uint8_t *body = malloc(n - 4 + 1);
    if (!body)
        kc_fatal("channel: out of memory");
    if (read_all(ch, body, n - 4, deadline)) {
        free(body);
        goto fail;
    }
    *resp_len = n - 4;
    return body;
fail:
    disconnect(ch);
    return NULL;
}

static void *run(void *arg)
{
    kc_channel *ch = arg;
    bool warned = false;
    for (;;) {
        pthread_mutex_lock(&ch->lock);
        while (!ch->head && !ch->stop)
            pthread_cond_wait(&ch->cond, &ch->lock);
        if (ch->stop) {
            pthread_mutex_unlock(&ch->lock);
            break;
        }
        creq *r = ch->head;
        pthread_mutex_unlock(&ch->lock);

        size_t len = 0;
        uint8_t *resp = round_trip(ch, r, &len);
        if (!resp) {
            if (!warned && !stopping(ch))
                kc_warn("CONTROLLER", "request %d to broker %d at %s:%d failed; retrying",
                        r->api_key, ch->broker_id, ch->host, ch->port);
            warned = true;
            struct timespec ts = {0, RETRY_BACKOFF_MS * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        warned = false;
        pthread_mutex_lock(&ch->lock);
        ch->head = r->next;
        if (!ch->head)
            ch->tail = NULL;
        pthread_mutex_unlock(&ch->lock);
        if (r->done)
            r->done(ch->broker_id, r->api_key, resp, len, r->arg);
        free(resp);
        free(r->body);
        free(r);
    }
    disconnect(ch);
    return NULL;
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
    ch->fd = -1;
    pthread_mutex_init(&ch->lock, NULL);
    pthread_cond_init(&ch->cond, NULL);
    if (pthread_create(&ch->thread, NULL, run, ch))
        kc_fatal("channel: cannot start a thread");
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
    pthread_cond_signal(&ch->cond);
    pthread_mutex_unlock(&ch->lock);
}

void kc_channel_free(kc_channel *ch)
{
    if (!ch)
        return;
    pthread_mutex_lock(&ch->lock);
    ch->stop = true;
    pthread_cond_signal(&ch->cond);
    pthread_mutex_unlock(&ch->lock);
    pthread_join(ch->thread, NULL);
    for (creq *r = ch->head, *next; r; r = next) {
        next = r->next;
        if (r->done)
            r->done(ch->broker_id, r->api_key, NULL, 0, r->arg);
        free(r->body);
        free(r);
    }
    pthread_mutex_destroy(&ch->lock);
    pthread_cond_destroy(&ch->cond);
    free(ch);
}

int32_t kc_channel_broker(const kc_channel *ch)
{
    return ch->broker_id;
}
