/* Listener sockets and the accept path; TLS connections start in the accepting state. Accepting
 * stops at max.connections (client listeners) and for a back-off after EMFILE (all of them). */
#include "net/listeners.h"

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "broker/broker.h"
#include "common/clock.h"
#include "common/log.h"
#include "net/conn.h"
#include "net/conn_quotas.h"

int kc_tls_key_password_cb(char *buf, int size, int rwflag, void *userdata)
{
    (void)rwflag;
    const char *pw = userdata;
    if (!pw)
        return 0;
    int n = (int)strlen(pw);
    if (n > size)
        n = size;
    memcpy(buf, pw, (size_t)n);
    return n;
}

static void ssl_err_string(char *out, size_t len)
{
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, out, len);
    else
        snprintf(out, len, "unknown error");
    ERR_clear_error();
}

/* The parts of a TLS context servers and clients share: protocols, our certificate chain and
 * key (a client presents them for ssl.client.auth), and the trust store. */
static SSL_CTX *tls_ctx_new(const kc_config *cfg, bool server, char *err, size_t errlen)
{
    char why[256];
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot create TLS context");
        return NULL;
    }
    const char *protos = cfg->ssl_enabled_protocols ? cfg->ssl_enabled_protocols : "";
    int min = strstr(protos, "TLSv1.2") ? TLS1_2_VERSION : TLS1_3_VERSION;
    if (!strstr(protos, "TLSv1.2") && !strstr(protos, "TLSv1.3")) {
        snprintf(err, errlen,
                 "invalid value '%s' for 'ssl.enabled.protocols': needs TLSv1.2 and/or TLSv1.3",
                 protos);
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, min);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_default_passwd_cb(ctx, kc_tls_key_password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, cfg->ssl_key_password);
    const char *ks = cfg->ssl_keystore_location;
    if (SSL_CTX_use_certificate_chain_file(ctx, ks) != 1) {
        ssl_err_string(why, sizeof(why));
        snprintf(err, errlen, "invalid value '%s' for 'ssl.keystore.location': no certificate (%s)",
                 ks, why);
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, ks, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ssl_err_string(why, sizeof(why));
        snprintf(err, errlen,
                 "invalid value '%s' for 'ssl.keystore.location': no usable private key (%s)", ks,
                 why);
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (cfg->ssl_truststore_location &&
        SSL_CTX_load_verify_locations(ctx, cfg->ssl_truststore_location, NULL) != 1) {
        ssl_err_string(why, sizeof(why));
        snprintf(err, errlen, "invalid value '%s' for 'ssl.truststore.location': %s",
                 cfg->ssl_truststore_location, why);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

struct ssl_ctx_st *kc_tls_server_ctx_new(const kc_config *cfg, char *err, size_t errlen)
{
    SSL_CTX *ctx = tls_ctx_new(cfg, true, err, errlen);
    if (!ctx)
        return NULL;
    if (cfg->ssl_truststore_location) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->ssl_truststore_location);
        if (names)
            SSL_CTX_set_client_CA_list(ctx, names);
    }
    int mode = SSL_VERIFY_NONE;
    if (cfg->ssl_client_auth == KC_SSL_AUTH_REQUESTED)
        mode = SSL_VERIFY_PEER;
    else if (cfg->ssl_client_auth == KC_SSL_AUTH_REQUIRED)
        mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, NULL);
    return ctx;
}

struct ssl_ctx_st *kc_tls_client_ctx_new(const kc_config *cfg, char *err, size_t errlen)
{
    SSL_CTX *ctx = tls_ctx_new(cfg, false, err, errlen);
    if (!ctx)
        return NULL;
    if (cfg->ssl_truststore_location) /* without a trust store no broker can be verified */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return ctx;
}

typedef struct listener_ctx {
    kc_broker *b;
    int index;
} listener_ctx;

static listener_ctx listener_ctxs[KC_MAX_LISTENERS];

/* Out of descriptors (EMFILE/ENFILE) at accept: every listener stops accepting for
 * ACCEPT_BACKOFF_MS while the connections already open keep being served; without this,
 * libevent retries a level-triggered accept that fails at once, in a tight loop. */
#define ACCEPT_BACKOFF_MS 1000
static struct event *accept_backoff_timer;
static bool accept_backing_off;

/* Client listeners run unless max.connections or a descriptor back-off holds them; the
 * inter-broker one only stops for the back-off. */
static void apply_accepting(kc_broker *b)
{
    for (int i = 0; i < b->cfg->n_listeners; i++) {
        if (!b->listeners[i])
            continue;
        bool on = !accept_backing_off &&
                  (!b->accept_paused || kc_config_listener_is_inter_broker(b->cfg, i));
        if (on)
            evconnlistener_enable(b->listeners[i]);
        else
            evconnlistener_disable(b->listeners[i]);
    }
}

static void on_accept_backoff_over(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    accept_backing_off = false;
    apply_accepting(arg);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
    (void)l;
    kc_broker *b = ((listener_ctx *)arg)->b;
    int err = EVUTIL_SOCKET_ERROR();
    static kc_log_limit limit;
    int dropped;
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
        if (kc_log_allow(&limit, 10000, &dropped))
            kc_warn("NET", "accept failed: %s (%d more not logged)", strerror(err), dropped);
        return; /* ECONNABORTED and kin concern one peer: keep accepting */
    }
    if (kc_log_allow(&limit, ACCEPT_BACKOFF_MS, &dropped))
        kc_warn("NET",
                "accept failed: %s: not accepting connections for %d ms; the open ones are "
                "still served (%d more not logged)",
                strerror(err), ACCEPT_BACKOFF_MS, dropped);
    accept_backing_off = true;
    apply_accepting(b);
    if (!accept_backoff_timer)
        accept_backoff_timer = evtimer_new(b->base, on_accept_backoff_over, b);
    struct timeval tv = kc_timeval_ms(ACCEPT_BACKOFF_MS);
    if (accept_backoff_timer)
        evtimer_add(accept_backoff_timer, &tv);
    else
        on_accept_backoff_over(-1, 0, b); /* no timer: better a busy loop than a dead listener */
}

/* The inter-broker listener is exempt from max.connections, as in Kafka. */
static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    (void)l;
    listener_ctx *lc = arg;
    kc_broker *b = lc->b;
    char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?", peer[NI_MAXHOST + NI_MAXSERV + 2];
    getnameinfo(sa, (socklen_t)salen, host, sizeof(host), serv, sizeof(serv),
                NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(peer, sizeof(peer), "%s:%s", host, serv);
    bool inter_broker = kc_config_listener_is_inter_broker(b->cfg, lc->index);
    if (!kc_conn_quotas_add(b->conn_quotas, host, inter_broker)) {
        static kc_log_limit limit;
        int dropped;
        if (kc_log_allow(&limit, 10000, &dropped))
            kc_info("NET",
                    "rejected connection from %s: the address has max.connections.per.ip "
                    "connections already (%d more rejections not logged)",
                    peer, dropped);
        evutil_closesocket(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const kc_listener_conf *conf = &b->cfg->listeners[lc->index];
    struct bufferevent *bev;
    if (kc_sec_is_tls(conf->protocol)) {
        SSL *ssl = SSL_new(b->ssl_ctx);
        if (!ssl) {
            evutil_closesocket(fd);
            return;
        }
        bev = bufferevent_openssl_socket_new(b->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                             BEV_OPT_CLOSE_ON_FREE);
    } else {
        bev = bufferevent_socket_new(b->base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (!bev) {
        kc_error("NET", "cannot set up connection from %s", peer);
        evutil_closesocket(fd);
        kc_conn_quotas_remove(b->conn_quotas, host, inter_broker);
        return;
    }
    kc_conn_accept(b, bev, lc->index, peer, host);
    if (!inter_broker && kc_conn_quotas_full(b->conn_quotas))
        kc_listeners_set_accepting(b, false);
}

void kc_listeners_set_accepting(kc_broker *b, bool on)
{
    if (b->accept_paused == !on)
        return;
    b->accept_paused = !on;
    if (!on)
        kc_info("NET", "max.connections (%d) reached: new client connections wait",
                b->cfg->max_connections);
    apply_accepting(b);
}

int kc_listeners_start(kc_broker *b)
{
    for (int i = 0; i < b->cfg->n_listeners; i++) {
        const kc_listener_conf *lc = &b->cfg->listeners[i];
        struct addrinfo hints = {0}, *res = NULL;
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        char port[16];
        snprintf(port, sizeof(port), "%d", lc->port);
        int rc = getaddrinfo(lc->host[0] ? lc->host : NULL, port, &hints, &res);
        if (rc) {
            kc_error("NET", "listener %s: cannot resolve '%s': %s", lc->name, lc->host,
                     gai_strerror(rc));
            return -1;
        }
        listener_ctxs[i] = (listener_ctx){b, i};
        b->listeners[i] = evconnlistener_new_bind(b->base, on_accept, &listener_ctxs[i],
                                                  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
                                                      LEV_OPT_CLOSE_ON_EXEC,
                                                  128, res->ai_addr, (int)res->ai_addrlen);
        freeaddrinfo(res);
        if (b->listeners[i])
            evconnlistener_set_error_cb(b->listeners[i], on_accept_error);
        if (!b->listeners[i]) {
            kc_error("NET", "listener %s: cannot listen on %s:%d: %s", lc->name, lc->host, lc->port,
                     evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
            return -1;
        }
        kc_info("NET", "listening on %s://%s:%d", lc->name, lc->host, lc->port);
    }
    return 0;
}

void kc_listeners_stop(kc_broker *b)
{
    if (accept_backoff_timer) {
        event_free(accept_backoff_timer);
        accept_backoff_timer = NULL;
    }
    accept_backing_off = false;
    for (int i = 0; i < KC_MAX_LISTENERS; i++)
        if (b->listeners[i]) {
            evconnlistener_free(b->listeners[i]);
            b->listeners[i] = NULL;
        }
}
