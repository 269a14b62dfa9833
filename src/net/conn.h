/*
 * Client connections: Kafka framing (int32 size + request), in-order responses, and the
 * request object handlers fill.
 *
 * Ordering invariant (protocol guide; kafka-python relies on it): requests of one connection are
 * queued in arrival order and a response is written only when every earlier one has been
 * written, whatever order handlers finish in. A request without a response (Produce acks=0)
 * still holds its place until it is finished.
 *
 * A frame larger than socket.request.max.bytes, a header that cannot be parsed, an unknown API
 * key or an unsupported version (except ApiVersions) closes that connection only, without a
 * response, as Kafka does.
 */
#ifndef KC_CONN_H
#define KC_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "proto/buf.h"
#include "proto/header.h"

struct kc_broker;
struct kc_conn;
struct bufferevent;

typedef struct kc_request kc_request;

struct kc_request {
    kc_request *next;     /* connection queue, arrival order */
    struct kc_conn *conn; /* NULL once the connection is gone (response then dropped) */
    struct kc_broker *broker;
    int listener;   /* index into cfg->listeners of the listener it came in on */
    uint8_t *frame; /* the request bytes after the size prefix (owned, mutable) */
    size_t frame_len;
    kc_req_header hdr;
    kc_rbuf body;   /* positioned at the request body */
    kc_arena arena; /* freed with the request */
    kc_wbuf out;    /* the response frame: size, header, then the body handlers append */
    bool done;
    bool no_response;
    /* Set by a handler whose request waits (delayed fetch): called when the connection closes
     * before the request finished, so that the waiter is cancelled instead of lingering until
     * its timeout. It must finish the request (kc_request_respond() frees it). */
    void (*on_orphan)(kc_request *req);
    void *pending; /* the handler's waiter, for on_orphan */
};

/**
 * Accept a new connection on @p bev (ownership passes to the connection) for listener index
 * @p listener; @p peer is a printable address for logs, @p ip the numeric address the
 * connection quotas counted it under (uncounted when it closes).
 */
void kc_conn_accept(struct kc_broker *b, struct bufferevent *bev, int listener, const char *peer,
                    const char *ip);

/**
 * Create the connection quotas and start the sweep that closes stalled TLS handshakes and
 * partial frames (socket.connection.setup.timeout.ms) and idle connections
 * (connections.max.idle.ms). Before the listeners start.
 */
void kc_conns_start(struct kc_broker *b);

/**
 * Finish @p req: its response body has been appended to req->out. Responses are written in
 * request order. Frees @p req once written (or at once when its connection is gone).
 */
void kc_request_respond(kc_request *req);

/**
 * The client address of @p req's connection as "host:port" (numeric), or "?" once the
 * connection is gone. Borrowed: valid while @p req is.
 */
const char *kc_request_peer(const kc_request *req);

/** Finish @p req without a response (Produce acks=0). Frees @p req in order. */
void kc_request_finish_silently(kc_request *req);

/**
 * The request could not be decoded: log @p why, close its connection (other connections are not
 * affected) and free @p req. The caller must not touch @p req afterwards.
 */
void kc_request_protocol_error(kc_request *req, const char *why);

/** Start a graceful close of every connection: stop reading, flush queued responses, close. */
void kc_conns_shutdown(struct kc_broker *b);

/** Number of open connections (for the shutdown wait). */
int kc_conns_count(const struct kc_broker *b);

/** Free every connection at once, the sweep and the quotas (after the loop stopped). */
void kc_conns_free_all(struct kc_broker *b);

#endif
