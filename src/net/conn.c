/*
 * Connection state and framing. A connection stops reading while MAX_INFLIGHT requests wait for
 * their responses (Kafka mutes a channel with a request in flight; we allow a window so that
 * pipelining clients such as librdkafka stay fast) and resumes when the queue drains.
 * Admission bounds what the broker holds for requests: at queued.max.requests requests read and
 * neither answered nor delayed, or queued.max.request.bytes of their frames, every connection
 * stops reading (Kafka mutes its channels the same way when the request queue or the memory pool
 * is full, and releases a request from both once handled) until one is answered or delayed; and
 * one connection stops reading while it holds socket.request.max.bytes of unanswered frames,
 * delayed ones included unless their handler released the frame (kc_request_release_frame: a
 * parked acks=all Produce, whose records are in the log). Exempt, whatever listener they come
 * in on (clients often share the inter-broker one): the requests that delayed ones wait for
 * (kc_req_waited_for). The fast path pays two counters and a peek at the frame's first bytes.
 * Responses: a connection stops being read while OUTPUT_PAUSE_BYTES wait to be sent to it, and,
 * once the responses queued in memory for all connections together exceed
 * queued.max.response.bytes, while more than OUTPUT_SHARE_BYTES of its own are in memory: the
 * connections that do not read their answers stop taking requests, those that read stay served.
 * On PLAINTEXT, answers held in memory go out once the callbacks already due in the turn of the
 * loop that finished them ran, all those of one connection in one writev (request_finish): a
 * read of several pipelined requests, or a high watermark that completes several acks=all
 * produces, costs one system call and one wake-up of the client, not one each. Until then they
 * count as output for the pause above.
 * A sweep closes what a peer may leave hanging: a TLS handshake or a partial request frame that
 * sees no byte for socket.connection.setup.timeout.ms, and a connection idle (nothing read,
 * nothing queued either way) for connections.max.idle.ms, as Kafka's Selector does. The fast
 * path pays one clock read per read callback for it.
 */
#include "net/conn.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <arpa/inet.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/dispatch.h"
#include "broker/broker.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "common/clock.h"
#include "kc_apis.h"
#include "net/conn_quotas.h"
#include "net/listeners.h"
#include "net/sock_io.h"
#include "proto/header.h"

#define MAX_INFLIGHT 64
/* A client that does not read its responses stops being read from (Kafka mutes such a
 * channel): reading pauses above PAUSE bytes queued for it and resumes below RESUME. PAUSE
 * bounds what a connection that never reads can make the broker hold (plus the responses of
 * the at most MAX_INFLIGHT requests already taken): 300 such connections held 2.5 GB with 8 MiB
 * here. Fetch responses queue file ranges, which count here but hold no memory. */
#define OUTPUT_PAUSE_BYTES  (1u << 20)
#define OUTPUT_RESUME_BYTES (256u << 10)
/* Above queued.max.response.bytes in total, a connection holding more than this much response
 * memory stops being read until its output drains to OUTPUT_RESUME_BYTES. */
#define OUTPUT_SHARE_BYTES (64u << 10)
/* After response memory peaked above this and fell below a sixteenth of it, the sweep gives
 * the freed heap back (malloc_trim): glibc keeps it otherwise, and a burst of clients that did
 * not read would leave the broker's RSS tens of MiB above its baseline for good. */
#define TRIM_AFTER_BYTES (8 << 20)

typedef struct kc_conn {
    kc_broker *broker;
    struct bufferevent *bev;
    int listener;
    char peer[128];
    char ip[64];        /* the peer's address, as counted by the connection quotas */
    char host[64];      /* the same as ACL host entries name it (java_host_text) */
    bool inter_broker;  /* on the inter-broker listener (exempt from max.connections, not from
                           admission: see kc_req_waited_for) */
    bool handshaking;   /* TLS handshake not completed yet */
    bool plain;         /* no TLS: read by rd, written beside the bufferevent (sock_io.h) */
    kc_sock_reader rd;  /* plain: the reading half (the bufferevent never reads) */
    kc_frame_fill fill; /* a large request frame being read straight into its buffer */
    enum kc_auth_state auth;
    void *sasl; /* the SASL exchange in progress (api/sasl_*.c) */
    void (*sasl_free)(void *);
    char principal[300];
    int64_t accepted_ms; /* kc_mono_ms() */
    int64_t last_read_ms;
    kc_request *head, *tail; /* in-order queue */
    int inflight;
    bool paused;        /* reading disabled because of MAX_INFLIGHT or held_bytes */
    bool admit_wait;    /* reading disabled until the broker's admission opens (admission_closed) */
    int64_t held_bytes; /* frames of this connection's unanswered requests */
    bool out_full;      /* reading disabled: too much output waits to be sent (see above) */
    int64_t out_mem;    /* of the output, bytes in memory (an upper bound: file ranges sent
                           with sendfile take none); counted in broker->queued_response_bytes */
    struct evbuffer_cb_entry *out_cb; /* keeps out_mem as the output drains */
    bool out_tail_file;       /* the output's last chain may be a file range (see out_add) */
    struct event *flush_ev;   /* plain: finished responses go out together (request_finish) */
    int64_t due_bytes;        /* of those, waiting for flush_ev; counted as output (output_full)
                                 and in broker->queued_response_bytes */
    bool closed;              /* bev freed; struct freed when no callback is on the stack */
    bool draining;            /* graceful shutdown: close once the queue and output are empty */
    int in_callback;          /* depth of our callbacks on the stack */
    LIST_ENTRY(kc_conn) link; /* broker->conns */
} kc_conn;

static void admission_release(kc_broker *b);

/* @p req was answered or delayed (or dies unanswered): it stops counting against the broker's
 * admission limits, as a handled request in Kafka leaves the request queue and the memory pool.
 * A request that waits for others must not hold back the ones it waits for. */
static void request_leave_queue(kc_request *req)
{
    if (!req->queued)
        return;
    req->queued = false;
    req->broker->queued_requests--;
    req->broker->held_request_bytes -= (int64_t)req->frame_len;
    if (req->broker->admit_waiters)
        admission_release(req->broker);
}

/* Frees @p req's frame: it stops counting against its connection and the admission limits. */
static void request_drop_frame(kc_request *req)
{
    request_leave_queue(req);
    if (req->conn)
        req->conn->held_bytes -= (int64_t)req->frame_len;
    free(req->frame);
    req->frame = NULL;
    req->frame_len = 0;
}

static void request_free(kc_request *req)
{
    request_drop_frame(req);
    kc_arena_free(&req->arena);
    kc_wbuf_free(&req->out);
    free(req);
}

static void conn_unlink(kc_conn *c)
{
    kc_broker *b = c->broker;
    LIST_REMOVE(c, link);
    b->n_conns--;
}

/* Where requests arrive: the reader's input (plaintext) or the bufferevent's (TLS). */
static struct evbuffer *conn_input(const kc_conn *c)
{
    return c->plain ? c->rd.in : bufferevent_get_input(c->bev);
}

static void conn_read_disable(kc_conn *c)
{
    if (c->plain)
        kc_sock_reader_disable(&c->rd);
    else
        bufferevent_disable(c->bev, EV_READ);
}

/* Reading may go on: frames already buffered will not cause another read event, so one is
 * asked for from the loop, never recursively, so that no caller sees its connection vanish
 * under it. */
static void conn_read_resume(kc_conn *c)
{
    if (c->plain) {
        kc_sock_reader_enable(&c->rd);
        kc_sock_reader_wake(&c->rd);
    } else {
        bufferevent_enable(c->bev, EV_READ);
        bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
    }
}

/* Closes the socket now. Finished requests are freed; unfinished ones are orphaned and freed by
 * whoever finishes them. The struct itself goes when no callback of ours is running. */
static void conn_close(kc_conn *c)
{
    if (c->closed)
        return;
    c->closed = true;
    evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
    c->broker->queued_response_bytes -= c->out_mem;
    c->out_mem = 0;
    kc_sock_reader_free(&c->rd); /* before the bufferevent closes the descriptor */
    if (c->flush_ev)
        event_free(c->flush_ev);
    c->flush_ev = NULL;
    c->broker->queued_response_bytes -= c->due_bytes;
    c->due_bytes = 0;
    bufferevent_free(c->bev);
    c->bev = NULL;
    conn_unlink(c);
    kc_broker *b = c->broker;
    if (c->admit_wait)
        b->admit_waiters--;
    c->admit_wait = false;
    if (c->sasl)
        c->sasl_free(c->sasl);
    c->sasl = NULL;
    kc_frame_fill_free(&c->fill);
    kc_conn_quotas_remove(b->conn_quotas, c->ip, c->inter_broker);
    if (b->accept_paused && !kc_conn_quotas_full(b->conn_quotas))
        kc_listeners_set_accepting(b, true);
    kc_request *r = c->head;
    while (r) {
        kc_request *n = r->next;
        if (r->done) {
            request_free(r);
        } else {
            r->conn = NULL;
            if (r->on_orphan)
                r->on_orphan(r);
        }
        r = n;
    }
    c->head = c->tail = NULL;
    if (!c->in_callback)
        free(c);
}

/* Whether a connection may not take a request of @p frame_bytes now. The first frame is always
 * admitted, however large (socket.request.max.bytes bounds it), so nothing starves. */
static bool admission_closed(const kc_broker *b, int64_t frame_bytes)
{
    const kc_config *cfg = b->cfg;
    if (b->queued_requests >= cfg->queued_max_requests)
        return true;
    return cfg->queued_max_request_bytes > 0 && b->held_request_bytes > 0 &&
           b->held_request_bytes + frame_bytes > cfg->queued_max_request_bytes;
}

/* Something was answered or delayed: let the waiting connections read again (from the loop,
 * never recursively) once admission is open. */
static void admission_release(kc_broker *b)
{
    if (admission_closed(b, 0))
        return;
    for (kc_conn *c = LIST_FIRST(&b->conns); c && b->admit_waiters; c = LIST_NEXT(c, link)) {
        if (!c->admit_wait)
            continue;
        c->admit_wait = false;
        b->admit_waiters--;
        if (!c->paused && !c->out_full && !c->draining)
            conn_read_resume(c);
    }
}

void kc_request_delayed(kc_request *req)
{
    request_leave_queue(req);
}

/* A paused connection is not resumed here: its handlers run only while it reads, and a later
 * release is seen by the next answer's conn_flush. */
void kc_request_release_frame(kc_request *req)
{
    request_drop_frame(req);
    req->hdr.client_id = KC_STR_NULL;
    kc_rbuf_init(&req->body, NULL, 0);
}

static void conn_maybe_finish_drain(kc_conn *c)
{
    if (c->draining && !c->closed && !c->head &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        conn_close(c);
}

/* Copies @p len bytes of @p fd at @p off into @p out (TLS must encrypt them in user space). */
static void add_file_copy(struct evbuffer *out, int fd, int64_t off, size_t len)
{
    struct evbuffer_iovec v;
    if (evbuffer_reserve_space(out, (ev_ssize_t)len, &v, 1) < 1)
        kc_fatal("conn: out of memory");
    if (kc_pread_full(fd, v.iov_base, len, (off_t)off)) {
        /* the range was checked against the log: a short read means the disk failed; pad so
         * that the frame stays well-formed (the client sees a corrupt batch) */
        memset(v.iov_base, 0, len);
        kc_error("NET", "pread of a fetch range failed");
    }
    v.iov_len = len;
    evbuffer_commit_space(out, &v, 1);
}

/* Appends @p len bytes of memory to @p c's output. libevent 2.1's evbuffer_add sizes the chain it
 * appends after a file range by where that range ends in its file (a file chain's buffer_len is
 * offset + length), so each fetch response that followed one ending in sendfile data allocated
 * (mmap) and freed (munmap) a chain as large as the segment's read position, up to
 * log.segment.bytes: 256 MiB per follower fetch round was seen. Such bytes get a chain of their
 * own, linked after the file range. */
static void out_add(kc_conn *c, struct evbuffer *out, const uint8_t *data, size_t len)
{
    if (!len)
        return;
    if (!c->out_tail_file) {
        if (evbuffer_add(out, data, len))
            kc_fatal("conn: out of memory");
        return;
    }
    struct evbuffer *part = evbuffer_new();
    if (!part || evbuffer_add(part, data, len) || evbuffer_add_buffer(out, part))
        kc_fatal("conn: out of memory");
    evbuffer_free(part);
    c->out_tail_file = false;
}

/* Queues a file range: spliced with sendfile on PLAINTEXT, where evbuffer_add_file takes over
 * the writer's own (pinned) descriptor; copied on TLS. @return the bytes it holds in memory. */
static size_t out_add_file(kc_conn *c, struct evbuffer *out, kc_wbuf_splice *sp, int64_t offset,
                           size_t len)
{
    if (c->plain && sp->owned && evbuffer_add_file(out, sp->fd, offset, (ev_off_t)len) == 0) {
        sp->fd = -1;
        c->out_tail_file = true;
        return 0;
    }
    add_file_copy(out, sp->fd, offset, len);
    return len;
}

/* Writes one response frame, size prefix patched: on PLAINTEXT with nothing queued before it and
 * @p send_now, as much as the socket takes at once (kc_sock_send_frame, file ranges straight
 * from their descriptors); what is left is queued, memory parts copied and file ranges added
 * with out_add_file (on PLAINTEXT after kc_wbuf_pin_files, which may turn the whole frame into
 * memory: the bytes, and so the count already sent, stay the same). */
static void conn_write_response(kc_conn *c, struct evbuffer *out, kc_wbuf *w, bool send_now)
{
    kc_wbuf_i32_at(w, 0, (int32_t)(kc_wbuf_total(w) - 4));
    size_t skip = 0;
    if (send_now && c->plain && evbuffer_get_length(out) == 0 &&
        !(bufferevent_get_enabled(c->bev) & EV_WRITE))
        skip = kc_sock_send_frame(bufferevent_getfd(c->bev), w);
    if (c->plain && skip < kc_wbuf_total(w))
        kc_wbuf_pin_files(w); /* the queued rest is sent after this turn of the loop */
    size_t pos = 0, mem = 0;
    for (int i = 0; i <= w->n_splices; i++) {
        kc_wbuf_splice *sp = i < w->n_splices ? &w->splices[i] : NULL;
        size_t end = sp ? sp->at : w->len, n = end - pos, from = skip < n ? skip : n;
        out_add(c, out, w->data + pos + from, n - from);
        mem += n - from;
        skip -= from;
        pos = end;
        if (!sp)
            break;
        from = skip < sp->len ? skip : sp->len;
        if (from < sp->len)
            mem += out_add_file(c, out, sp, sp->offset + (int64_t)from, sp->len - from);
        skip -= from;
    }
    c->out_mem += (int64_t)mem;
    kc_broker *b = c->broker;
    b->queued_response_bytes += (int64_t)mem;
    if (b->queued_response_bytes > b->response_bytes_peak)
        b->response_bytes_peak = b->queued_response_bytes;
}

/* The output drained: what stays queued bounds what of it is in memory. */
static void on_output_change(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)buf;
    kc_conn *c = arg;
    if (info->n_deleted == 0)
        return;
    int64_t left = (int64_t)(info->orig_size + info->n_added - info->n_deleted);
    if (c->out_mem > left) {
        c->broker->queued_response_bytes -= c->out_mem - left;
        c->out_mem = left;
    }
}

/* Whether @p c must stop reading until its output drains (see the header comment). */
static bool output_full(const kc_conn *c)
{
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) + (size_t)c->due_bytes >
        OUTPUT_PAUSE_BYTES)
        return true;
    /* the inter-broker listener is not exempt (clients often share it): a follower or the
     * controller reads its answers at once, so the pause lasts until they are sent */
    const kc_broker *b = c->broker;
    return b->cfg->queued_max_response_bytes >= 0 &&
           b->queued_response_bytes > b->cfg->queued_max_response_bytes &&
           c->out_mem + c->due_bytes > (int64_t)OUTPUT_SHARE_BYTES;
}

/* The output drained, in part or whole: reading resumes once it is at OUTPUT_RESUME_BYTES. */
static void conn_output_drained(kc_conn *c)
{
    if (c->out_full && evbuffer_get_length(bufferevent_get_output(c->bev)) <= OUTPUT_RESUME_BYTES &&
        !c->draining) {
        c->out_full = false;
        if (!c->paused)
            conn_read_resume(c);
    }
}

/* Plaintext: the responses go out now, from the turn of the loop that finished them (see
 * sock_io.h). TLS connections write through their bufferevent. */
static void conn_send(kc_conn *c)
{
    if (!c->plain)
        return;
    kc_sock_write_now(c->bev);
    conn_output_drained(c);
}

/* Writes every finished response at the head of the queue, in order. Several of them, all in
 * memory, are queued and written with one writev (conn_send); a file range is worth its own
 * sendfile, and queuing it would cost a dup of its descriptor. */
static void conn_flush(kc_conn *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    int ready = 0;
    bool files = false;
    for (const kc_request *r = c->head; r && r->done; r = r->next) {
        ready += !r->no_response;
        files |= r->out.n_splices > 0;
    }
    bool one_write = ready > 1 && !files;
    if (c->flush_ev)
        event_del(c->flush_ev);                       /* a flush already due is this one */
    c->broker->queued_response_bytes -= c->due_bytes; /* counted again as they are queued */
    c->due_bytes = 0;
    while (c->head && c->head->done) {
        kc_request *r = c->head;
        c->head = r->next;
        if (!c->head)
            c->tail = NULL;
        if (!r->no_response)
            conn_write_response(c, out, &r->out, !one_write);
        c->inflight--;
        request_free(r);
    }
    conn_send(c);
    if (c->paused && c->inflight < MAX_INFLIGHT / 2 &&
        c->held_bytes < c->broker->cfg->socket_request_max_bytes / 2 && !c->draining) {
        c->paused = false;
        if (!c->out_full)
            conn_read_resume(c);
    }
}

static void conn_on_flush_due(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_conn *c = arg;
    c->in_callback++;
    conn_flush(c);
    conn_maybe_finish_drain(c);
    if (--c->in_callback == 0 && c->closed)
        free(c);
}

static void request_finish(kc_request *req)
{
    req->done = true;
    request_leave_queue(req); /* what it holds now waits only for the socket */
    kc_conn *c = req->conn;
    if (!c) {
        request_free(req);
        return;
    }
    /* Plaintext, in memory: sent once the callbacks already due this turn of the loop ran, with
     * every other response they finish on this connection (the rest of the requests one read
     * brought, the acks=all produces one high watermark advance completes): one writev instead
     * of a send each. A response with file ranges goes now, and those due before it with it. */
    if (c->plain && req->out.n_splices == 0 && !c->draining) {
        if (!c->flush_ev &&
            !(c->flush_ev = event_new(c->broker->base, -1, 0, conn_on_flush_due, c)))
            kc_fatal("conn: out of memory");
        int64_t n = req->no_response ? 0 : (int64_t)kc_wbuf_total(&req->out);
        c->due_bytes += n; /* a reader that never reads still stops being read (output_full) */
        c->broker->queued_response_bytes += n;
        event_active(c->flush_ev, 0, 0);
        return;
    }
    if (c->head != req) /* waits behind an unanswered request: past this turn of the loop */
        kc_wbuf_pin_files(&req->out);
    c->in_callback++;
    conn_flush(c);
    conn_maybe_finish_drain(c);
    if (--c->in_callback == 0 && c->closed)
        free(c);
}

void kc_request_respond(kc_request *req)
{
    request_finish(req);
}

const char *kc_request_peer(const kc_request *req)
{
    return req->conn ? req->conn->peer : "?";
}

enum kc_auth_state kc_request_auth_state(const kc_request *req)
{
    return req->conn ? req->conn->auth : KC_AUTH_DONE;
}

void kc_request_set_auth(kc_request *req, enum kc_auth_state state, void *session,
                         void (*session_free)(void *))
{
    kc_conn *c = req->conn;
    if (!c) {
        if (session)
            session_free(session);
        return;
    }
    if (c->sasl && c->sasl != session)
        c->sasl_free(c->sasl);
    c->auth = state;
    c->sasl = session;
    c->sasl_free = session_free;
}

void *kc_request_sasl_session(const kc_request *req)
{
    return req->conn ? req->conn->sasl : NULL;
}

void kc_request_authenticated(kc_request *req, const char *principal)
{
    kc_conn *c = req->conn;
    if (!c)
        return;
    kc_request_set_auth(req, KC_AUTH_DONE, NULL, NULL);
    snprintf(c->principal, sizeof(c->principal), "%s", principal);
}

const char *kc_request_principal(const kc_request *req)
{
    return req->conn ? req->conn->principal : "User:ANONYMOUS";
}

const char *kc_request_host(const kc_request *req)
{
    return req->conn ? req->conn->host : "";
}

/* The address as Java's InetAddress.getHostAddress() writes it, the text Kafka's authorizer
 * compares with an ACL's host: IPv4 dotted; IPv6 as eight hex groups without "::" compression
 * ("0:0:0:0:0:0:0:1"); an IPv4-mapped IPv6 address as IPv4 (Java delivers those as v4). */
static void java_host_text(const char *ip, char *out, size_t n)
{
    struct in6_addr a;
    snprintf(out, n, "%s", ip);
    if (!strchr(ip, ':') || inet_pton(AF_INET6, ip, &a) != 1)
        return;
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
        inet_ntop(AF_INET, &a.s6_addr[12], out, (socklen_t)n);
        return;
    }
    size_t at = 0;
    for (int i = 0; i < 8 && at < n; i++)
        at += (size_t)snprintf(out + at, n - at, "%s%x", i ? ":" : "",
                               (unsigned)(a.s6_addr[2 * i] << 8 | a.s6_addr[2 * i + 1]));
}

void kc_request_close_after_response(kc_request *req)
{
    kc_conn *c = req->conn;
    if (!c || c->draining)
        return;
    c->draining = true; /* conn_maybe_finish_drain closes once the response is out */
    conn_read_disable(c);
}

void kc_request_finish_silently(kc_request *req)
{
    req->no_response = true;
    request_finish(req);
}

void kc_request_protocol_error(kc_request *req, const char *why)
{
    kc_conn *c = req->conn;
    static kc_log_limit limit;
    int dropped;
    if (kc_log_allow(&limit, 1000, &dropped)) {
        char client[160];
        kc_log_escape(req->hdr.client_id.p, req->hdr.client_id.len, client, sizeof(client));
        kc_warn("NET",
                "closing connection from %s: %s (api %d v%d, correlation id %d, client '%s'; "
                "%d more not logged)",
                c ? c->peer : "?", why, req->hdr.api_key, req->hdr.api_version,
                req->hdr.correlation_id, client, dropped);
    }
    req->done = true; /* freed by conn_close with the other finished requests */
    if (c)
        conn_close(c);
    else
        request_free(req);
}

/* Parses one complete frame and hands it to its handler. Takes ownership of @p frame. */
static void conn_handle_frame(kc_conn *c, uint8_t *frame, size_t len)
{
    kc_request *req = calloc(1, sizeof(*req));
    if (!req)
        kc_fatal("conn: out of memory");
    req->conn = c;
    req->broker = c->broker;
    req->listener = c->listener;
    req->frame = frame;
    req->frame_len = len;
    req->queued = true;
    c->broker->queued_requests++;
    c->broker->held_request_bytes += (int64_t)len;
    c->held_bytes += (int64_t)len;
    kc_rbuf_init(&req->body, frame, len);
    /* queue first so that a protocol error frees it with the connection */
    if (c->tail)
        c->tail->next = req;
    else
        c->head = req;
    c->tail = req;
    c->inflight++;
    if (c->auth == KC_AUTH_RAW_TOKENS) { /* a bare token: the whole frame, answered bare */
        req->raw_sasl = true;
        req->hdr.api_key = KC_API_SASL_AUTHENTICATE;
        req->hdr.correlation_id = -1;
        kc_wbuf_reserve(&req->out, 4);
        kc_dispatch_find(KC_API_SASL_AUTHENTICATE)(req);
        return;
    }
    if (kc_req_header_parse(&req->body, &req->hdr)) {
        kc_request_protocol_error(req, "truncated request header");
        return;
    }
    const kc_api_info *api = kc_api_find(req->hdr.api_key);
    kc_handler_fn fn = api ? kc_dispatch_find(req->hdr.api_key) : NULL;
    if (!fn) {
        kc_request_protocol_error(req, "unknown api key");
        return;
    }
    if (c->auth != KC_AUTH_DONE && !api->before_auth) {
        kc_request_protocol_error(req, "request before SASL authentication completed");
        return;
    }
    bool in_range =
        req->hdr.api_version >= api->min_version && req->hdr.api_version <= api->max_version;
    if (!in_range && req->hdr.api_key != KC_API_API_VERSIONS) {
        kc_request_protocol_error(req, "unsupported api version");
        return;
    }
    /* response frame: size (patched in conn_flush), correlation id, header tags if flexible */
    kc_wbuf_reserve(&req->out, 4);
    kc_wbuf_i32(&req->out, req->hdr.correlation_id);
    if (in_range && kc_resp_header_flexible(req->hdr.api_key, req->hdr.api_version))
        kc_wbuf_u8(&req->out, 0);
    kc_dispatch_call(req, api, fn);
}

/* The next complete request frame of @p c: from a large frame being read straight into its
 * buffer, or from the input. @return whether *@p frame (owned by the caller, *@p len bytes after
 * the size prefix) is set; false when reading must stop for now (the frame is incomplete, the
 * connection waits for admission or was closed). */
static bool next_frame(kc_conn *c, struct bufferevent *bev, struct evbuffer *in, bool *more,
                       uint8_t **frame, size_t *len)
{
    const kc_config *cfg = c->broker->cfg;
    for (;;) {
        if (c->fill.buf)
            return (*frame = kc_frame_fill_step(&c->fill, &c->rd, len)) != NULL;
        size_t have = evbuffer_get_length(in);
        uint8_t szb[4];
        if (have < 4) {
            if (*more && kc_sock_reader_fill(&c->rd, 4 - have, more))
                continue;
            return false;
        }
        evbuffer_copyout(in, szb, 4);
        int32_t size = (int32_t)kc_be32(szb);
        /* before authentication a peer gets far less (CVE-2022-34917) */
        bool pre_auth = c->auth != KC_AUTH_DONE &&
                        cfg->sasl_server_max_receive_size < cfg->socket_request_max_bytes;
        int32_t max = pre_auth ? cfg->sasl_server_max_receive_size : cfg->socket_request_max_bytes;
        if (size < 0 || size > max) {
            kc_warn("NET", "closing connection from %s: frame size %d outside [0, %d] (%s)",
                    c->peer, size, max,
                    pre_auth ? "sasl.server.max.receive.size" : "socket.request.max.bytes");
            conn_close(c);
            return false;
        }
        /* the requests that delayed ones wait for pass, told by the frame's first bytes, and so
         * does a SASL exchange: its frames are small (pre_auth) and answered at once */
        bool closed = c->auth == KC_AUTH_DONE && admission_closed(c->broker, size);
        size_t head =
            4 + (KC_REQ_WAITED_FOR_PEEK_BYTES < (size_t)size ? KC_REQ_WAITED_FOR_PEEK_BYTES
                                                             : (size_t)size);
        if (closed && have < head) { /* they come together */
            if (*more && kc_sock_reader_fill(&c->rd, head - have, more))
                continue;
            if (!c->plain)
                bufferevent_setwatermark(bev, EV_READ, head, 0);
            return false;
        }
        uint8_t peek[4 + KC_REQ_WAITED_FOR_PEEK_BYTES];
        if (closed && evbuffer_copyout(in, peek, head) == (ev_ssize_t)head &&
            !kc_req_waited_for(peek + 4, head - 4)) {
            c->admit_wait = true;
            c->broker->admit_waiters++;
            conn_read_disable(c);
            return false;
        }
        if (have < 4 + (size_t)size) {
            if (c->plain && (size_t)size >= KC_FRAME_FILL_MIN_BYTES) {
                evbuffer_drain(in, 4);
                kc_frame_fill_start(&c->fill, (size_t)size);
                continue;
            }
            if (*more && kc_sock_reader_fill(&c->rd, 4 + (size_t)size - have, more))
                continue;
            if (!c->plain) /* wake only when the whole frame is there */
                bufferevent_setwatermark(bev, EV_READ, 4 + (size_t)size, 0);
            return false;
        }
        if (!c->plain)
            bufferevent_setwatermark(bev, EV_READ, 0, 0);
        *len = (size_t)size;
        *frame = malloc(size ? (size_t)size : 1);
        if (!*frame)
            kc_fatal("conn: out of memory");
        evbuffer_drain(in, 4);
        evbuffer_remove(in, *frame, (size_t)size);
        return true;
    }
}

/* Takes every complete frame that may be taken now. @p more: whether to read the socket when
 * frames run out (the plaintext reader's wake-up; a TLS bufferevent has read already). */
static void conn_read_frames(kc_conn *c, bool more)
{
    struct bufferevent *bev = c->bev;
    struct evbuffer *in = conn_input(c);
    const kc_config *cfg = c->broker->cfg;
    c->last_read_ms = kc_mono_ms();
    if (c->plain)
        kc_sock_reader_begin(&c->rd);
    c->in_callback++;
    uint8_t *frame;
    size_t len;
    while (!c->closed && !c->paused && !c->out_full && !c->draining && !c->admit_wait) {
        if (output_full(c)) {
            c->out_full = true;
            conn_read_disable(c);
            break;
        }
        if (!next_frame(c, bev, in, &more, &frame, &len))
            break;
        conn_handle_frame(c, frame, len);
        if (!c->closed &&
            (c->inflight >= MAX_INFLIGHT || c->held_bytes >= cfg->socket_request_max_bytes)) {
            c->paused = true;
            conn_read_disable(c);
        }
    }
    if (!c->closed && c->plain && c->rd.error) { /* end of stream or a failed read */
        conn_flush(c); /* what was answered still goes: the peer may have only shut its side */
        if (!c->closed)
            conn_close(c);
    }
    c->in_callback--;
    if (c->closed && !c->in_callback)
        free(c);
}

static void conn_on_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn_read_frames(arg, false);
}

static void conn_on_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_read_frames(arg, true);
}

static void conn_on_write(struct bufferevent *bev, void *arg)
{
    kc_conn *c = arg;
    if (c->plain)
        kc_sock_write_done(bev);
    conn_output_drained(c);
    conn_maybe_finish_drain(c);
}

/*
 * ssl.principal.mapping.rules=DEFAULT: "User:" and the certificate subject as Java's
 * X500Principal.getName() writes it (RFC 2253: most specific RDN first, UTF-8 kept), e.g.
 * "User:CN=alice,O=cafka"; without a client certificate the session stays User:ANONYMOUS.
 */
static void set_tls_principal(kc_conn *c)
{
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    X509 *cert = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
    BIO *bio = cert ? BIO_new(BIO_s_mem()) : NULL;
    if (!bio)
        return;
    if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
                           XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *dn;
        long n = BIO_get_mem_data(bio, &dn);
        snprintf(c->principal, sizeof(c->principal), "User:%.*s", (int)n, dn);
    }
    BIO_free(bio);
}

static void conn_on_event(struct bufferevent *bev, short what, void *arg)
{
    kc_conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) { /* the TLS handshake completed */
        c->handshaking = false;
        c->last_read_ms = kc_mono_ms();
        if (c->auth == KC_AUTH_DONE) /* SSL: the principal is the client certificate's */
            set_tls_principal(c);
        return;
    }
    if (what & BEV_EVENT_ERROR) {
        unsigned long e;
        while ((e = bufferevent_get_openssl_error(bev))) {
            char buf[256];
            ERR_error_string_n(e, buf, sizeof(buf));
            kc_info("NET", "TLS error from %s: %s", c->peer, buf);
        }
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        c->in_callback++;
        conn_close(c);
        c->in_callback--;
        if (!c->in_callback)
            free(c);
    }
}

void kc_conn_accept(kc_broker *b, struct bufferevent *bev, int listener, const char *peer,
                    const char *ip)
{
    kc_conn *c = calloc(1, sizeof(*c));
    if (!c)
        kc_fatal("conn: out of memory");
    c->broker = b;
    c->bev = bev;
    c->listener = listener;
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    snprintf(c->ip, sizeof(c->ip), "%s", ip);
    java_host_text(ip, c->host, sizeof(c->host));
    c->inter_broker = kc_config_listener_is_inter_broker(b->cfg, listener);
    c->handshaking = kc_sec_is_tls(b->cfg->listeners[listener].protocol);
    c->plain = !c->handshaking;
    c->auth =
        kc_sec_is_sasl(b->cfg->listeners[listener].protocol) ? KC_AUTH_HANDSHAKE : KC_AUTH_DONE;
    snprintf(c->principal, sizeof(c->principal), "User:ANONYMOUS");
    c->accepted_ms = c->last_read_ms = kc_mono_ms();
    LIST_INSERT_HEAD(&b->conns, c, link);
    b->n_conns++;
    bufferevent_setcb(bev, conn_on_read, conn_on_write, conn_on_event, c);
    c->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), on_output_change, c);
    if (!c->out_cb)
        kc_fatal("conn: out of memory");
    /* the write callback fires once the output drains to this level (resumes reading) */
    bufferevent_setwatermark(bev, EV_WRITE, OUTPUT_RESUME_BYTES, 0);
    if (c->plain) { /* the reader reads; writes go out at once (see conn_send) */
        kc_sock_reader_init(&c->rd, b->base, bufferevent_getfd(bev), conn_on_readable, c);
        kc_sock_reader_enable(&c->rd);
        /* a new bufferevent starts with EV_WRITE enabled: the first answer would wait a turn
         * for the write event, and one owed when the peer's end of stream is read, be lost */
        bufferevent_disable(bev, EV_WRITE);
    } else {
        bufferevent_enable(bev, EV_READ | EV_WRITE);
    }
    kc_debug("NET", "accepted connection from %s", peer);
}

enum overdue { NOT_OVERDUE = -1, HANDSHAKE_STALLED, SASL_STALLED, FRAME_STALLED, IDLE, N_OVERDUE };

static const char *const overdue_why[N_OVERDUE] = {
    "TLS handshake not completed within socket.connection.setup.timeout.ms",
    "SASL authentication not completed within socket.connection.setup.timeout.ms",
    "partial request frame stalled for socket.connection.setup.timeout.ms",
    "idle for connections.max.idle.ms",
};

/* Whether @p c should be closed now (@p now_ms monotonic), and why. */
static enum overdue conn_overdue(const kc_conn *c, int64_t now_ms)
{
    const kc_config *cfg = c->broker->cfg;
    int64_t quiet = now_ms - c->last_read_ms;
    bool late = now_ms - c->accepted_ms > cfg->socket_connection_setup_timeout_ms;
    if (c->handshaking)
        return late ? HANDSHAKE_STALLED : NOT_OVERDUE;
    if (c->auth != KC_AUTH_DONE && late)
        return SASL_STALLED;
    struct evbuffer *in = conn_input(c), *out = bufferevent_get_output(c->bev);
    if ((evbuffer_get_length(in) > 0 || c->fill.buf) && !c->paused && !c->out_full &&
        !c->admit_wait)
        return quiet > cfg->socket_connection_setup_timeout_ms ? FRAME_STALLED : NOT_OVERDUE;
    if (!c->head && evbuffer_get_length(out) == 0 && quiet > cfg->connections_max_idle_ms)
        return IDLE;
    return NOT_OVERDUE;
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    kc_broker *b = arg;
    static kc_log_limit limits[N_OVERDUE];
    int64_t now = kc_mono_ms();
    for (kc_conn *c = LIST_FIRST(&b->conns), *next; c; c = next) {
        next = LIST_NEXT(c, link);
        enum overdue why = c->draining ? NOT_OVERDUE : conn_overdue(c, now);
        if (why == NOT_OVERDUE)
            continue;
        int dropped;
        if (kc_log_allow(&limits[why], 10000, &dropped))
            kc_info("NET", "closing connection from %s: %s (%d more not logged)", c->peer,
                    overdue_why[why], dropped);
        conn_close(c); /* no callback of ours is on the stack: frees it */
    }
    if (b->response_bytes_peak > TRIM_AFTER_BYTES &&
        b->queued_response_bytes < TRIM_AFTER_BYTES / 16) {
        malloc_trim(0);
        b->response_bytes_peak = b->queued_response_bytes;
    }
}

void kc_conns_start(kc_broker *b)
{
    b->conn_quotas = kc_conn_quotas_new(b->cfg);
    int64_t every = b->cfg->socket_connection_setup_timeout_ms < b->cfg->connections_max_idle_ms
                        ? b->cfg->socket_connection_setup_timeout_ms
                        : b->cfg->connections_max_idle_ms;
    every = every / 4 < 100 ? 100 : every / 4 > 1000 ? 1000 : every / 4;
    b->conn_sweep = event_new(b->base, -1, EV_PERSIST, on_sweep, b);
    struct timeval tv = kc_timeval_ms(every);
    event_add(b->conn_sweep, &tv);
}

void kc_conns_shutdown(kc_broker *b)
{
    kc_conn *c = LIST_FIRST(&b->conns);
    while (c) {
        kc_conn *n = LIST_NEXT(c, link);
        c->draining = true;
        conn_read_disable(c);
        conn_maybe_finish_drain(c);
        c = n;
    }
}

int kc_conns_count(const kc_broker *b)
{
    return b->n_conns;
}

void kc_conns_free_all(kc_broker *b)
{
    while (!LIST_EMPTY(&b->conns))
        conn_close(LIST_FIRST(&b->conns));
    if (b->conn_sweep)
        event_free(b->conn_sweep);
    b->conn_sweep = NULL;
    kc_conn_quotas_free(b->conn_quotas);
    b->conn_quotas = NULL;
}
