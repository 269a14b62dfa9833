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
 *
 * Authentication (Kafka's SaslServerAuthenticator): a connection on a SASL listener starts in
 * KC_AUTH_HANDSHAKE. Until it is authenticated only ApiVersions, SaslHandshake and
 * SaslAuthenticate are read (anything else closes it), frames are bounded by
 * sasl.server.max.receive.size, and the whole exchange must end within
 * socket.connection.setup.timeout.ms. The SASL handlers (api/sasl_*.c) move the state; this
 * layer only gates and frames. In KC_AUTH_RAW_TOKENS (after SaslHandshake v0) every frame is a
 * bare SASL token without a request header: it is handed to the SaslAuthenticate handler with
 * req->raw_sasl set, and its response goes out as a bare token too.
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

/** Where a connection is in authentication. */
enum kc_auth_state {
    KC_AUTH_DONE = 0,   /* authenticated, or a listener without SASL */
    KC_AUTH_HANDSHAKE,  /* SASL listener: waiting for SaslHandshake */
    KC_AUTH_TOKENS,     /* after SaslHandshake v1: SaslAuthenticate requests */
    KC_AUTH_RAW_TOKENS, /* after SaslHandshake v0: bare length-prefixed tokens */
};

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
    bool raw_sasl; /* a bare SASL token (KC_AUTH_RAW_TOKENS): no header in, none out */
    bool queued;   /* counted in the broker's admission limits (see kc_request_delayed) */
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
 * @p req now waits for something else (the purgatory, other members, the followers): it stops
 * counting against queued.max.requests and queued.max.request.bytes, as a handled request
 * leaves Kafka's request queue and memory pool, so that it never holds back the requests it
 * waits for. Its frame still counts against its connection's socket.request.max.bytes until it
 * is answered.
 * Idempotent; answering a request does the same.
 */
void kc_request_delayed(kc_request *req);

/**
 * The handler of @p req no longer needs its frame: frees it, and it stops counting against its
 * connection's socket.request.max.bytes (and, as kc_request_delayed(), the admission limits).
 * Afterwards req->body, req->hdr.client_id and every string decoded from the body point
 * nowhere: copy what the response still needs into req->arena first. A delayed acks=all
 * Produce calls it once its records are appended, as Kafka's clearPartitionRecords() does, so
 * that parked produces hold their responses, not their records.
 * Idempotent.
 */
void kc_request_release_frame(kc_request *req);

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

/** The authentication state of @p req's connection (KC_AUTH_DONE once it is gone). */
enum kc_auth_state kc_request_auth_state(const kc_request *req);

/**
 * Move @p req's connection to @p state. @p session (may be NULL) is the SASL exchange in progress,
 * owned by the connection from now on and released with @p session_free when replaced or when
 * the connection closes. No effect once the connection is gone.
 */
void kc_request_set_auth(kc_request *req, enum kc_auth_state state, void *session,
                         void (*session_free)(void *));

/** The SASL exchange stored by kc_request_set_auth(), or NULL. */
void *kc_request_sasl_session(const kc_request *req);

/**
 * The connection authenticated as @p principal ("User:<name>", Kafka's KafkaPrincipal form):
 * the state becomes KC_AUTH_DONE and the SASL exchange is released.
 */
void kc_request_authenticated(kc_request *req, const char *principal);

/**
 * The principal of @p req's connection: "User:<name>" after SASL, "User:<subject DN>" on an SSL
 * listener with a client certificate (RFC 2253), "User:ANONYMOUS" otherwise
 * (Kafka's principal for PLAINTEXT and for TLS without a client certificate). Borrowed.
 */
const char *kc_request_principal(const kc_request *req);

/**
 * Close @p req's connection once its response (and every earlier one) has been written, and
 * read nothing more from it: a failed authentication (Kafka closes after the error response).
 */
void kc_request_close_after_response(kc_request *req);

/**
 * The client's address as ACL host entries name it, Java's getHostAddress() text ("127.0.0.1",
 * "0:0:0:0:0:0:0:1"; an IPv4-mapped address as IPv4); "" once the connection is gone. Borrowed
 * for the request's life.
 */
const char *kc_request_host(const kc_request *req);

/** Start a graceful close of every connection: stop reading, flush queued responses, close. */
void kc_conns_shutdown(struct kc_broker *b);

/** Number of open connections (for the shutdown wait). */
int kc_conns_count(const struct kc_broker *b);

/** Free every connection at once, the sweep and the quotas (after the loop stopped). */
void kc_conns_free_all(struct kc_broker *b);

#endif
