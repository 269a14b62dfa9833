/*
 * Inter-broker client connections (see ibclient.h). Invariant: `inflight` lists the requests
 * written to the connection in write order; the response at the head of the input matches the
 * head of the list, or the connection is broken and everything in flight fails.
 */
#include "net/ibclient.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "common/log.h"
#include "kc_apis.h"
#include "net/sock_io.h"
#include "proto/header.h"

/* Largest response accepted: a fetch response is bounded by replica.fetch.response.max.bytes
 * (10 MiB by default) plus one oversized first batch (KIP-74); anything near this is a broken
 * peer, not data. */
#define MAX_RESPONSE_BYTES (512u << 20)

typedef struct inflight {
    struct inflight *next;
    int32_t correlation;
    int16_t api_key, api_version;
    kc_ibclient_cb cb;
    void *arg;
} inflight;

struct kc_ibclient {
    struct event_base *base;
    kc_ibclient_security sec; /* copied; the strings and context are borrowed */
    char host[256];
    int port;
    char peer[300];
    char client_id[64];
    int timeout_ms;
    struct bufferevent *bev; /* NULL while disconnected */
    kc_sock_reader rd;       /* plaintext: the reading half (the bufferevent only writes) */
    bool connected;          /* plaintext and connected: requests are written at once and
                                EV_WRITE stays disabled while the socket takes them (sock_io.h) */
    kc_frame_fill fill;      /* a large response being read straight into its buffer */
    inflight *head, *tail;   /* written to the connection, answered in this order */
    int n_inflight;          /* both lists */
    /* SASL: until the exchange on this connection succeeded, requests wait here, their bytes in
     * held_bytes, so that the exchange's own requests go first */
    bool authenticated;
    void *sasl;
    inflight *held_head, *held_tail;
    struct evbuffer *held_bytes;
    int32_t next_correlation;
    bool warned; /* one warning per run of failures, not one per retry */
    int depth;   /* callbacks of ours on the stack: the client must outlive them */
    bool dead;   /* freed by its owner during a callback: destroyed when depth drops to 0 */
};

static void free_list(inflight *f)
{
    while (f) {
        inflight *next = f->next;
        free(f);
        f = next;
    }
}

static void reset_sasl(kc_ibclient *c)
{
    if (c->sasl)
        c->sec.sasl_ops->free(c->sasl);
    c->sasl = NULL;
    c->authenticated = !c->sec.sasl_mechanism;
    if (c->held_bytes)
        evbuffer_drain(c->held_bytes, evbuffer_get_length(c->held_bytes));
}

static void destroy(kc_ibclient *c)
{
    kc_sock_reader_free(&c->rd); /* before the bufferevent closes the descriptor */
    if (c->bev)
        bufferevent_free(c->bev);
    kc_frame_fill_free(&c->fill);
    free_list(c->head);
    free_list(c->held_head);
    reset_sasl(c);
    if (c->held_bytes)
        evbuffer_free(c->held_bytes);
    free(c);
}

/* Every entry from libevent or the owner goes through enter/leave, so that a callback may free
 * the client (the owner shutting down from inside an answer) without pulling it from under the
 * code that called it. leave() returns true when the client is gone or going. */
static void enter(kc_ibclient *c)
{
    c->depth++;
}

static bool leave(kc_ibclient *c)
{
    if (--c->depth > 0)
        return c->dead;
    if (c->dead) {
        destroy(c);
        return true;
    }
    return false;
}

static void set_read_timeout(kc_ibclient *c)
{
    if (!c->sec.ssl_ctx) {
        kc_sock_reader_set_timeout(&c->rd, c->n_inflight > 0 ? c->timeout_ms : -1);
        return;
    }
    struct timeval tv = kc_timeval_ms(c->timeout_ms);
    bufferevent_set_timeouts(c->bev, c->n_inflight > 0 ? &tv : NULL, NULL);
}

/* Close the connection and fail everything in flight. The list is detached first: callbacks
 * may send again, which opens a new connection with a list of its own. */
static void fail_all(kc_ibclient *c, const char *why)
{
    if (!c->warned)
        kc_warn("NET", "inter-broker connection to %s failed: %s", c->peer, why);
    c->warned = true;
    kc_sock_reader_free(&c->rd);
    if (c->bev) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    kc_frame_fill_free(&c->fill);
    inflight *f = c->head;
    if (c->tail)
        c->tail->next = c->held_head; /* the waiting ones fail after those sent */
    else
        f = c->held_head;
    c->head = c->tail = c->held_head = c->held_tail = NULL;
    c->n_inflight = 0;
    reset_sasl(c);
    while (f) {
        inflight *next = f->next;
        if (!c->dead) /* an owner that freed the client wants no more answers */
            f->cb(f->arg, f->api_key, f->api_version, NULL);
        free(f);
        f = next;
    }
}

/* The next complete response frame on @p bev: from a large one being read straight into its
 * buffer (*@p owned set: the caller frees it), or from the input (left there: the caller drains
 * 4 + *@p n bytes after use). *@p frame points after the size prefix, at the correlation id.
 * @return false when the frame is incomplete or the connection failed. */
static bool next_frame(kc_ibclient *c, struct evbuffer *in, bool *more, const uint8_t **frame,
                       size_t *n, uint8_t **owned)
{
    *owned = NULL;
    for (;;) {
        if (c->fill.buf)
            return (*frame = *owned = kc_frame_fill_step(&c->fill, &c->rd, n)) != NULL;
        size_t avail = evbuffer_get_length(in), need = 8;
        uint8_t head[8];
        if (avail >= sizeof(head)) {
            evbuffer_copyout(in, head, sizeof(head));
            *n = kc_be32(head);
            if (*n < 4 || *n > MAX_RESPONSE_BYTES) {
                fail_all(c, "bad response size");
                return false;
            }
            need = 4 + *n;
            if (avail < need && !c->sec.ssl_ctx && *n >= KC_FRAME_FILL_MIN_BYTES) {
                evbuffer_drain(in, 4);
                kc_frame_fill_start(&c->fill, *n);
                continue;
            }
        }
        if (avail < need) {
            if (*more && kc_sock_reader_fill(&c->rd, need - avail, more))
                continue;
            return false;
        }
        *frame = evbuffer_pullup(in, (ev_ssize_t)need) + 4;
        return true;
    }
}

/* Answers every complete response frame. @p more: whether to read the socket when frames run
 * out (the plaintext reader's wake-up; a TLS bufferevent has read already). */
static void read_frames(kc_ibclient *c, struct bufferevent *bev, bool more)
{
    struct evbuffer *in = c->sec.ssl_ctx ? bufferevent_get_input(bev) : c->rd.in;
    const uint8_t *frame;
    size_t n;
    uint8_t *owned;
    while (c->bev == bev && !c->dead && next_frame(c, in, &more, &frame, &n, &owned)) {
        inflight *f = c->head;
        if (!f || (int32_t)kc_be32(frame) != f->correlation) {
            free(owned);
            fail_all(c, "response to no request in flight");
            return;
        }
        c->head = f->next;
        if (!c->head)
            c->tail = NULL;
        c->n_inflight--;
        c->warned = false;
        kc_rbuf r;
        kc_rbuf_init(&r, frame + 4, n - 4);
        if (kc_resp_header_flexible(f->api_key, f->api_version))
            kc_rbuf_skip_tags(&r);
        set_read_timeout(c);
        f->cb(f->arg, f->api_key, f->api_version, r.err ? NULL : &r);
        free(f);
        free(owned);
        if (!owned && c->bev == bev && !c->dead) /* the callback did not lose the connection */
            evbuffer_drain(in, 4 + n);
    }
    if (c->bev == bev && !c->dead && !c->sec.ssl_ctx && c->rd.error)
        fail_all(c, c->rd.error < 0 ? "closed by the peer" : strerror(c->rd.error));
}

static void on_read(struct bufferevent *bev, void *arg)
{
    kc_ibclient *c = arg;
    enter(c);
    read_frames(c, bev, false);
    leave(c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    kc_ibclient *c = arg;
    enter(c);
    if (what & EV_TIMEOUT) {
        char why[64];
        snprintf(why, sizeof(why), "no response within %d ms", c->timeout_ms);
        fail_all(c, why);
    } else {
        kc_sock_reader_begin(&c->rd);
        read_frames(c, c->bev, true);
    }
    leave(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    kc_ibclient *c = arg;
    if (c->connected)
        kc_sock_write_done(bev);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    kc_ibclient *c = arg;
    enter(c);
    if (what & BEV_EVENT_CONNECTED) {
        /* what was queued while connecting is being written by the bufferevent; on_write
         * disables EV_WRITE once it is out */
        c->connected = !c->sec.ssl_ctx;
        if (c->connected)
            kc_sock_write_done(bev);
    } else {
        char why[128];
        if (what & BEV_EVENT_TIMEOUT)
            snprintf(why, sizeof(why), "no response within %d ms", c->timeout_ms);
        else if (what & BEV_EVENT_EOF)
            snprintf(why, sizeof(why), "closed by the peer");
        else
            snprintf(why, sizeof(why), "%s", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        fail_all(c, why); /* the owner may free the client from a failure callback */
    }
    leave(c);
}

static int do_connect(kc_ibclient *c)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    char port[16];
    snprintf(port, sizeof(port), "%d", c->port);
    if (getaddrinfo(c->host, port, &hints, &ai) || !ai)
        return -1;
    if (c->sec.ssl_ctx) {
        SSL *ssl = SSL_new(c->sec.ssl_ctx);
        if (!ssl) {
            freeaddrinfo(ai);
            return -1;
        }
        SSL_set_tlsext_host_name(ssl, c->host);
        c->bev = bufferevent_openssl_socket_new(c->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                BEV_OPT_CLOSE_ON_FREE);
    } else {
        c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!c->bev) {
        freeaddrinfo(ai);
        return -1;
    }
    c->connected = false;
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    /* plaintext: the reader reads, from the start (a refused connection reads as an error) */
    bufferevent_enable(c->bev, c->sec.ssl_ctx ? EV_READ | EV_WRITE : EV_WRITE);
    int rc = bufferevent_socket_connect(c->bev, ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (rc) {
        bufferevent_free(c->bev);
        c->bev = NULL;
        return -1;
    }
    if (!c->sec.ssl_ctx) {
        kc_sock_reader_init(&c->rd, c->base, bufferevent_getfd(c->bev), on_readable, c);
        kc_sock_reader_enable(&c->rd);
    }
    /* requests are small and latency-bound (a follower's fetch moves the high watermark that
     * acks=all waits for): Nagle's delay on top of a delayed ACK would add tens of ms each */
    int one = 1;
    setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return 0;
}

kc_ibclient *kc_ibclient_new(struct event_base *base, const kc_ibclient_security *sec,
                             const char *host, int port, const char *client_id, int timeout_ms)
{
    kc_ibclient *c = calloc(1, sizeof(*c));
    if (!c)
        kc_fatal("ibclient: out of memory");
    c->base = base;
    if (sec)
        c->sec = *sec;
    c->authenticated = !c->sec.sasl_mechanism;
    c->held_bytes = evbuffer_new();
    if (!c->held_bytes)
        kc_fatal("ibclient: out of memory");
    snprintf(c->host, sizeof(c->host), "%s", host);
    c->port = port;
    snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
    snprintf(c->client_id, sizeof(c->client_id), "%s", client_id);
    c->timeout_ms = timeout_ms;
    return c;
}

static void sasl_start(kc_ibclient *c);

/* Queue one request: written at once, or (@p wait) held until SASL authentication completed. */
static void send_request(kc_ibclient *c, int16_t api_key, int16_t api_version, const kc_wbuf *body,
                         kc_ibclient_cb cb, void *arg, bool wait)
{
    inflight *f = calloc(1, sizeof(*f));
    if (!f)
        kc_fatal("ibclient: out of memory");
    f->correlation = c->next_correlation++;
    if (c->next_correlation < 0)
        c->next_correlation = 0;
    f->api_key = api_key;
    f->api_version = api_version;
    f->cb = cb;
    f->arg = arg;
    kc_wbuf w = {0};
    kc_wbuf_i32(&w, 0);
    kc_req_header_write(&w, api_key, api_version, f->correlation, c->client_id);
    kc_wbuf_put(&w, body->data, body->len);
    kc_wbuf_i32_at(&w, 0, (int32_t)(w.len - 4));
    inflight **head = &c->head, **tail = &c->tail;
    if (wait && !c->authenticated) {
        evbuffer_add(c->held_bytes, w.data, w.len);
        head = &c->held_head;
        tail = &c->held_tail;
    } else {
        bufferevent_write(c->bev, w.data, w.len);
        if (c->connected)
            kc_sock_write_now(c->bev);
    }
    kc_wbuf_free(&w);
    if (*tail)
        (*tail)->next = f;
    else
        *head = f;
    *tail = f;
    c->n_inflight++;
    set_read_timeout(c);
}

void kc_ibclient_send(kc_ibclient *c, int16_t api_key, int16_t api_version, const kc_wbuf *body,
                      kc_ibclient_cb cb, void *arg)
{
    if (!c->bev && do_connect(c)) {
        /* fail through the same path as a broken connection */
        inflight *f = calloc(1, sizeof(*f));
        if (!f)
            kc_fatal("ibclient: out of memory");
        f->api_key = api_key;
        f->api_version = api_version;
        f->cb = cb;
        f->arg = arg;
        c->head = c->tail = f;
        c->n_inflight = 1;
        enter(c);
        fail_all(c, "cannot connect");
        leave(c);
        return;
    }
    if (!c->authenticated && !c->sasl)
        sasl_start(c);
    send_request(c, api_key, api_version, body, cb, arg, true);
}

/* ------------------------------------------------------------------ SASL (KIP-152, v1 flow) */

static void on_sasl_authenticate(void *arg, int16_t api_key, int16_t api_version, kc_rbuf *body);

/* Feed the server's token (NULL before the first) to the exchange and send what it answers. */
static void sasl_next(kc_ibclient *c, const uint8_t *in, size_t in_len)
{
    uint8_t *out = NULL;
    size_t out_len = 0;
    char err[256] = "";
    int rc = c->sec.sasl_ops->step(c->sasl, in, in_len, &out, &out_len, err, sizeof(err));
    if (rc == KC_IBSASL_FAILED) {
        char why[320];
        snprintf(why, sizeof(why), "SASL %s authentication failed: %s", c->sec.sasl_mechanism, err);
        fail_all(c, why);
        return;
    }
    if (rc == KC_IBSASL_DONE) { /* the held requests go out behind the exchange */
        c->sec.sasl_ops->free(c->sasl);
        c->sasl = NULL;
        c->authenticated = true;
        if (c->held_head) {
            if (c->tail)
                c->tail->next = c->held_head;
            else
                c->head = c->held_head;
            c->tail = c->held_tail;
            c->held_head = c->held_tail = NULL;
        }
        bufferevent_write_buffer(c->bev, c->held_bytes);
        if (c->connected)
            kc_sock_write_now(c->bev);
        return;
    }
    kc_sasl_authenticate_req req = {.auth_bytes = {out, (int32_t)out_len}};
    kc_wbuf w = {0};
    kc_sasl_authenticate_req_encode(&w, 1, &req);
    send_request(c, KC_API_SASL_AUTHENTICATE, 1, &w, on_sasl_authenticate, c, false);
    kc_wbuf_free(&w);
    OPENSSL_cleanse(out, out_len);
    free(out);
}

static void on_sasl_authenticate(void *arg, int16_t api_key, int16_t api_version, kc_rbuf *body)
{
    (void)api_key;
    kc_ibclient *c = arg;
    if (!body) /* the connection failed: fail_all is reporting it */
        return;
    kc_sasl_authenticate_resp r;
    kc_arena a = {0};
    if (kc_sasl_authenticate_resp_decode(body, api_version, &r, &a)) {
        fail_all(c, "malformed SaslAuthenticate response");
    } else if (r.error_code) {
        char why[400];
        snprintf(why, sizeof(why), "SASL %s authentication failed: error %d: %.*s",
                 c->sec.sasl_mechanism, r.error_code,
                 r.error_message.len > 0 ? (int)r.error_message.len : 0,
                 r.error_message.len > 0 ? r.error_message.p : "");
        fail_all(c, why);
    } else {
        sasl_next(c, r.auth_bytes.p, r.auth_bytes.len > 0 ? (size_t)r.auth_bytes.len : 0);
    }
    kc_arena_free(&a);
}

static void on_sasl_handshake(void *arg, int16_t api_key, int16_t api_version, kc_rbuf *body)
{
    (void)api_key;
    kc_ibclient *c = arg;
    if (!body)
        return;
    kc_sasl_handshake_resp r;
    kc_arena a = {0};
    if (kc_sasl_handshake_resp_decode(body, api_version, &r, &a)) {
        fail_all(c, "malformed SaslHandshake response");
    } else if (r.error_code) {
        char why[128];
        snprintf(why, sizeof(why), "SaslHandshake for %s refused with error %d",
                 c->sec.sasl_mechanism, r.error_code);
        fail_all(c, why);
    } else {
        sasl_next(c, NULL, 0);
    }
    kc_arena_free(&a);
}

/* A new connection: SaslHandshake v1 first (kept out of the held list: it goes before them). */
static void sasl_start(kc_ibclient *c)
{
    c->sasl =
        c->sec.sasl_ops->start(c->sec.sasl_mechanism, c->sec.sasl_username, c->sec.sasl_password);
    if (!c->sasl)
        kc_fatal("ibclient: SASL mechanism %s cannot start", c->sec.sasl_mechanism);
    kc_sasl_handshake_req req = {.mechanism = kc_str_c(c->sec.sasl_mechanism)};
    kc_wbuf w = {0};
    kc_sasl_handshake_req_encode(&w, 1, &req);
    send_request(c, KC_API_SASL_HANDSHAKE, 1, &w, on_sasl_handshake, c, false);
    kc_wbuf_free(&w);
}

void kc_ibclient_close(kc_ibclient *c)
{
    c->warned = true; /* asked for: nothing to warn about */
    enter(c);
    fail_all(c, "closed");
    if (!leave(c))
        c->warned = false;
}

int kc_ibclient_in_flight(const kc_ibclient *c)
{
    return c->n_inflight;
}

const char *kc_ibclient_peer(const kc_ibclient *c)
{
    return c->peer;
}

void kc_ibclient_free(kc_ibclient *c)
{
    if (!c)
        return;
    if (c->depth > 0) { /* inside one of our callbacks: finish when it returns */
        c->dead = true;
        return;
    }
    destroy(c);
}
