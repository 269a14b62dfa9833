/* The blocking Kafka client of the `cafka` tools (see wire_client.h). */
#include "cli/wire_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/clock.h"
#include "kc_apis.h"
#include "net/listeners.h"
#include "proto/header.h"
#include "security/sasl_client.h"

/* Largest response accepted (a Metadata response of a very large cluster stays far below). */
#define MAX_RESPONSE (100u << 20)
/* Error codes this module interprets. */
#define ERR_UNSUPPORTED_SASL_MECHANISM 33

struct kc_wire {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    kc_wire_security sec; /* copied; strings borrowed */
    char client_id[64];
    char host[256];
    int port;
    char peer[300];
    int timeout_ms;
    int32_t next_correlation;
    /* ApiVersions v0 answer, fetched on first use */
    bool have_versions;
    int n_versions;
    struct {
        int16_t key, min, max;
    } * versions;
};

/* The first queued OpenSSL error as text, or @p fallback. */
static const char *ssl_error_text(char *buf, size_t len, const char *fallback)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        snprintf(buf, len, "%s", fallback);
        return buf;
    }
    ERR_error_string_n(e, buf, len);
    ERR_clear_error();
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* I/O with a deadline */

/* Wait until @p fd is ready for @p events. @return 0, or -1 (errno ETIMEDOUT on timeout). */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - kc_mono_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (n > 0)
            return 0; /* readable, writable, or an error/hang-up the next call will report */
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* Retry an SSL operation's WANT_READ / WANT_WRITE by polling. @return 1 to retry, 0 the peer
 * closed, -1 an error (errno set, or EPROTO for a TLS failure). */
static int ssl_retry(kc_wire *w, int rc, int64_t deadline)
{
    switch (SSL_get_error(w->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
        return wait_fd(w->fd, POLLIN, deadline) == 0 ? 1 : -1;
    case SSL_ERROR_WANT_WRITE:
        return wait_fd(w->fd, POLLOUT, deadline) == 0 ? 1 : -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        if (errno == 0)
            return 0; /* EOF without close_notify */
        return -1;
    default:
        errno = EPROTO;
        return -1;
    }
}

/* Send (@p writing) or receive exactly @p n bytes at @p p before @p deadline.
 * @return 0, or -1 with errno set: 0 when the peer closed the connection while we read, EPIPE
 * when it closed it while we wrote. */
static int io_transfer(kc_wire *w, uint8_t *p, size_t n, int64_t deadline, bool writing)
{
    while (n > 0) {
        ssize_t k;
        if (w->ssl) {
            ERR_clear_error();
            int len = n > INT32_MAX ? INT32_MAX : (int)n;
            int r = writing ? SSL_write(w->ssl, p, len) : SSL_read(w->ssl, p, len);
            if (r <= 0) {
                int again = ssl_retry(w, r, deadline);
                if (again > 0)
                    continue;
                if (again == 0)
                    errno = writing ? EPIPE : 0;
                return -1;
            }
            k = r;
        } else {
            k = writing ? send(w->fd, p, n, MSG_NOSIGNAL) : recv(w->fd, p, n, 0);
            if (k == 0 && !writing) {
                errno = 0;
                return -1;
            }
            if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (wait_fd(w->fd, writing ? POLLOUT : POLLIN, deadline))
                    return -1;
                continue;
            }
            if (k < 0 && errno != EINTR)
                return -1;
            if (k <= 0)
                continue;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void io_error(const kc_wire *w, const char *what, char *err, size_t errlen)
{
    char tls[256];
    if (w->ssl && ERR_peek_error() != 0) /* e.g. the broker's alert: certificate required */
        snprintf(err, errlen, "%s: TLS error on the connection to %s: %s", what, w->peer,
                 ssl_error_text(tls, sizeof(tls), "?"));
    else if (errno == 0)
        snprintf(err, errlen, "%s: the broker %s closed the connection", what, w->peer);
    else if (errno == ETIMEDOUT)
        snprintf(err, errlen, "%s: no answer from %s within %d ms", what, w->peer, w->timeout_ms);
    else if (errno == EPROTO)
        snprintf(err, errlen, "%s: TLS error on the connection to %s", what, w->peer);
    else
        snprintf(err, errlen, "%s: %s: %s%s", what, w->peer, strerror(errno),
                 w->ssl && errno == ECONNRESET && !w->sec.cert_file && !w->sec.cert_pem &&
                         !w->sec.pkcs12_file
                     ? " (does the listener require a client certificate? ssl.keystore.location)"
                     : "");
}

/* ------------------------------------------------------------------------------------------ */
/* Requests */

static int request(kc_wire *w, int16_t api_key, int16_t api_version, const kc_wbuf *body,
                   kc_wire_resp *out, int64_t deadline, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const kc_api_info *info = kc_api_find(api_key);
    const char *name = info ? info->name : "request";
    int32_t corr = w->next_correlation++;
    kc_wbuf f = {0};
    kc_wbuf_i32(&f, 0);
    kc_req_header_write(&f, api_key, api_version, corr, w->client_id);
    if (body && body->len)
        kc_wbuf_put(&f, body->data, body->len);
    kc_wbuf_i32_at(&f, 0, (int32_t)(f.len - 4));
    int rc = io_transfer(w, f.data, f.len, deadline, true);
    kc_wbuf_free(&f);
    if (rc) {
        io_error(w, name, err, errlen);
        return -1;
    }
    uint8_t head[8];
    if (io_transfer(w, head, 4, deadline, false)) {
        io_error(w, name, err, errlen);
        return -1;
    }
    uint32_t size = kc_be32(head);
    if (size < 4 || size > MAX_RESPONSE) {
        snprintf(err, errlen, "%s: bad response size %u from %s", name, size, w->peer);
        return -1;
    }
    out->buf = malloc(size);
    if (!out->buf)
        abort();
    if (io_transfer(w, out->buf, size, deadline, false)) {
        io_error(w, name, err, errlen);
        kc_wire_resp_free(out);
        return -1;
    }
    if ((int32_t)kc_be32(out->buf) != corr) {
        snprintf(err, errlen, "%s: response to another request from %s", name, w->peer);
        kc_wire_resp_free(out);
        return -1;
    }
    kc_rbuf_init(&out->body, out->buf + 4, size - 4);
    if (kc_resp_header_flexible(api_key, api_version))
        kc_rbuf_skip_tags(&out->body);
    if (out->body.err) {
        snprintf(err, errlen, "%s: malformed response header from %s", name, w->peer);
        kc_wire_resp_free(out);
        return -1;
    }
    return 0;
}

int kc_wire_request(kc_wire *w, int16_t api_key, int16_t api_version, const kc_wbuf *body,
                    kc_wire_resp *out, char *err, size_t errlen)
{
    return request(w, api_key, api_version, body, out, kc_mono_ms() + w->timeout_ms, err, errlen);
}

void kc_wire_resp_free(kc_wire_resp *r)
{
    free(r->buf);
    memset(r, 0, sizeof(*r));
}

int kc_wire_api_versions(kc_wire *w, int16_t api_key, int16_t *min, int16_t *max, char *err,
                         size_t errlen)
{
    if (!w->have_versions) {
        kc_wbuf body = {0};
        kc_wire_resp resp;
        if (request(w, KC_API_API_VERSIONS, 0, &body, &resp, kc_mono_ms() + w->timeout_ms, err,
                    errlen))
            return -1;
        kc_arena a = {0};
        kc_api_versions_resp r;
        int rc = kc_api_versions_resp_decode(&resp.body, 0, &r, &a);
        if (rc == 0 && r.error_code == 0 && r.api_keys_count > 0) {
            w->versions = calloc((size_t)r.api_keys_count, sizeof(*w->versions));
            if (!w->versions)
                abort();
            for (int32_t i = 0; i < r.api_keys_count; i++) {
                w->versions[i].key = r.api_keys[i].api_key;
                w->versions[i].min = r.api_keys[i].min_version;
                w->versions[i].max = r.api_keys[i].max_version;
            }
            w->n_versions = r.api_keys_count;
        } else if (rc == 0 && r.error_code) {
            snprintf(err, errlen, "ApiVersions: error %d from %s", r.error_code, w->peer);
            rc = -1;
        } else if (rc) {
            snprintf(err, errlen, "ApiVersions: malformed response from %s", w->peer);
        }
        kc_arena_free(&a);
        kc_wire_resp_free(&resp);
        if (rc)
            return -1;
        w->have_versions = true;
    }
    for (int i = 0; i < w->n_versions; i++)
        if (w->versions[i].key == api_key) {
            *min = w->versions[i].min;
            *max = w->versions[i].max;
            return 0;
        }
    return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* TLS */

static int load_ca_pem(SSL_CTX *ctx, const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return -1;
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    int n = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert(store, x) == 1)
            n++;
        X509_free(x);
    }
    ERR_clear_error(); /* the end of the text reads as an error */
    BIO_free(bio);
    return n > 0 ? 0 : -1;
}

static int load_cert_pem(SSL_CTX *ctx, const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return -1;
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    int rc = x && SSL_CTX_use_certificate(ctx, x) == 1 ? 0 : -1;
    X509_free(x);
    X509 *extra;
    while (rc == 0 && (extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (SSL_CTX_add_extra_chain_cert(ctx, extra) != 1) { /* takes the certificate */
            X509_free(extra);
            rc = -1;
        }
    if (rc == 0)
        ERR_clear_error();
    BIO_free(bio);
    return rc;
}

static int load_key_pem(SSL_CTX *ctx, const char *pem, const char *password)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    if (!bio)
        return -1;
    EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, kc_tls_key_password_cb, (void *)password);
    int rc = k && SSL_CTX_use_PrivateKey(ctx, k) == 1 ? 0 : -1;
    EVP_PKEY_free(k);
    BIO_free(bio);
    return rc;
}

static int load_pkcs12(SSL_CTX *ctx, const char *path, const char *password)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    PKCS12 *p12 = d2i_PKCS12_fp(f, NULL);
    fclose(f);
    if (!p12)
        return -1;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int rc = PKCS12_parse(p12, password ? password : "", &key, &cert, &ca) == 1 ? 0 : -1;
    if (rc == 0 && (!cert || !key || SSL_CTX_use_certificate(ctx, cert) != 1 ||
                    SSL_CTX_use_PrivateKey(ctx, key) != 1))
        rc = -1;
    while (rc == 0 && ca && sk_X509_num(ca) > 0) {
        X509 *x = sk_X509_shift(ca);
        if (SSL_CTX_add_extra_chain_cert(ctx, x) != 1) {
            X509_free(x);
            rc = -1;
        }
    }
    sk_X509_pop_free(ca, X509_free);
    X509_free(cert);
    EVP_PKEY_free(key);
    PKCS12_free(p12);
    return rc;
}

static SSL_CTX *make_ctx(const kc_wire_security *sec, char *err, size_t errlen)
{
    char buf[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot create a TLS context: %s",
                 ssl_error_text(buf, sizeof(buf), "?"));
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, sec->no_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    const char *what = NULL;
    if (sec->ca_file && SSL_CTX_load_verify_locations(ctx, sec->ca_file, NULL) != 1)
        what = "cannot read the trust store (ssl.truststore.location / ssl.ca.location)";
    else if (!what && sec->ca_pem && load_ca_pem(ctx, sec->ca_pem) < 0)
        what = "no certificate in ssl.truststore.certificates / ssl.ca.pem";
    else if (!what && !sec->ca_file && !sec->ca_pem && SSL_CTX_set_default_verify_paths(ctx) != 1)
        what = "cannot load the system's CA certificates";
    if (!what && (sec->key_file || sec->key_pem)) {
        SSL_CTX_set_default_passwd_cb(ctx, kc_tls_key_password_cb);
        SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)sec->key_password);
    }
    if (!what && sec->cert_file && SSL_CTX_use_certificate_chain_file(ctx, sec->cert_file) != 1)
        what = "cannot read the client certificate (ssl.keystore.location / "
               "ssl.certificate.location)";
    if (!what && sec->cert_pem && load_cert_pem(ctx, sec->cert_pem) < 0)
        what = "cannot read the client certificate (ssl.keystore.certificate.chain)";
    if (!what && sec->key_file &&
        SSL_CTX_use_PrivateKey_file(ctx, sec->key_file, SSL_FILETYPE_PEM) != 1)
        what = "cannot read the client key (ssl.keystore.location / ssl.key.location; wrong "
               "ssl.key.password?)";
    if (!what && sec->key_pem && load_key_pem(ctx, sec->key_pem, sec->key_password) < 0)
        what = "cannot read the client key (ssl.keystore.key; wrong ssl.key.password?)";
    if (!what && sec->pkcs12_file && load_pkcs12(ctx, sec->pkcs12_file, sec->pkcs12_password) < 0)
        what = "cannot read the PKCS#12 key store (ssl.keystore.location; wrong "
               "ssl.keystore.password?)";
    if (!what && (sec->cert_file || sec->cert_pem || sec->pkcs12_file) &&
        SSL_CTX_check_private_key(ctx) != 1)
        what = "the client key does not match the client certificate";
    if (what) {
        snprintf(err, errlen, "%s: %s", what, ssl_error_text(buf, sizeof(buf), "no detail"));
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static int tls_handshake(kc_wire *w, int64_t deadline, char *err, size_t errlen)
{
    char buf[256];
    w->ctx = make_ctx(&w->sec, err, errlen);
    if (!w->ctx)
        return -1;
    w->ssl = SSL_new(w->ctx);
    if (!w->ssl || SSL_set_fd(w->ssl, w->fd) != 1) {
        snprintf(err, errlen, "cannot create a TLS session: %s",
                 ssl_error_text(buf, sizeof(buf), "?"));
        return -1;
    }
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, w->host, ip) == 1 || inet_pton(AF_INET6, w->host, ip) == 1;
    if (!is_ip)
        SSL_set_tlsext_host_name(w->ssl, w->host);
    if (!w->sec.no_verify && !w->sec.no_hostname_verify) {
        X509_VERIFY_PARAM *param = SSL_get0_param(w->ssl);
        int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, w->host)
                       : X509_VERIFY_PARAM_set1_host(param, w->host, 0);
        if (ok != 1) {
            snprintf(err, errlen, "cannot set the host name to verify (%s)", w->host);
            return -1;
        }
    }
    for (;;) {
        ERR_clear_error();
        int rc = SSL_connect(w->ssl);
        if (rc == 1)
            return 0;
        int r = ssl_retry(w, rc, deadline);
        if (r == 1)
            continue;
        long vr = SSL_get_verify_result(w->ssl);
        if (vr != X509_V_OK)
            snprintf(err, errlen, "SSL handshake with %s failed: certificate verify failed: %s",
                     w->peer, X509_verify_cert_error_string(vr));
        else if (r == 0 || (errno != ETIMEDOUT && errno != EPROTO))
            snprintf(err, errlen, "SSL handshake with %s failed: %s", w->peer,
                     r == 0 || errno == 0 ? "the broker closed the connection (not a TLS "
                                            "listener?)"
                                          : strerror(errno));
        else if (errno == ETIMEDOUT)
            snprintf(err, errlen, "SSL handshake with %s failed: no answer within %d ms", w->peer,
                     w->timeout_ms);
        else
            snprintf(err, errlen, "SSL handshake with %s failed: %s", w->peer,
                     ssl_error_text(buf, sizeof(buf), "protocol error (not a TLS listener?)"));
        return -1;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* SASL (KIP-152: SaslHandshake v1, then the tokens in SaslAuthenticate v1) */

static int sasl_authenticate(kc_wire *w, int64_t deadline, char *err, size_t errlen)
{
    const char *mech = w->sec.sasl_mechanism;
    if (!w->sec.sasl_username || !w->sec.sasl_password) {
        snprintf(err, errlen, "SASL %s needs a username and a password (sasl.jaas.config)", mech);
        return -1;
    }
    kc_wbuf body = {0};
    kc_sasl_handshake_req hreq = {.mechanism = kc_str_c(mech)};
    kc_sasl_handshake_req_encode(&body, 1, &hreq);
    kc_wire_resp resp;
    int rc = request(w, KC_API_SASL_HANDSHAKE, 1, &body, &resp, deadline, err, errlen);
    kc_wbuf_free(&body);
    if (rc)
        return -1;
    kc_arena a = {0};
    kc_sasl_handshake_resp h;
    if (kc_sasl_handshake_resp_decode(&resp.body, 1, &h, &a)) {
        snprintf(err, errlen, "SaslHandshake: malformed response from %s", w->peer);
        rc = -1;
    } else if (h.error_code == ERR_UNSUPPORTED_SASL_MECHANISM) {
        int n = snprintf(err, errlen,
                         "Client SASL mechanism '%s' not enabled in the server, enabled "
                         "mechanisms are [",
                         mech);
        for (int32_t i = 0; i < h.mechanisms_count && n > 0 && (size_t)n < errlen; i++)
            n += snprintf(err + n, errlen - (size_t)n, "%s%.*s", i ? ", " : "",
                          (int)h.mechanisms[i].len, h.mechanisms[i].p);
        if (n > 0 && (size_t)n < errlen)
            snprintf(err + n, errlen - (size_t)n, "]");
        rc = -1;
    } else if (h.error_code) {
        snprintf(err, errlen, "SaslHandshake with %s failed: error %d%s", w->peer, h.error_code,
                 h.error_code == 34 ? " (ILLEGAL_SASL_STATE: not a SASL listener?)" : "");
        rc = -1;
    }
    kc_arena_free(&a);
    kc_wire_resp_free(&resp);
    if (rc)
        return -1;

    const kc_ibclient_sasl_ops *ops = kc_sasl_client_ops();
    void *s = ops->start(mech, w->sec.sasl_username, w->sec.sasl_password);
    if (!s) {
        snprintf(err, errlen, "SASL mechanism %s cannot start (bad username?)", mech);
        return -1;
    }
    const uint8_t *in = NULL;
    size_t in_len = 0;
    kc_wire_resp last = {0};
    for (;;) {
        uint8_t *tok = NULL;
        size_t tok_len = 0;
        char why[256] = "";
        int st = ops->step(s, in, in_len, &tok, &tok_len, why, sizeof(why));
        kc_wire_resp_free(&last);
        if (st == KC_IBSASL_DONE) {
            rc = 0;
            break;
        }
        if (st == KC_IBSASL_FAILED) {
            snprintf(err, errlen, "SASL %s authentication with %s failed: %s", mech, w->peer, why);
            rc = -1;
            break;
        }
        kc_sasl_authenticate_req areq = {.auth_bytes = {tok, (int32_t)tok_len}};
        kc_sasl_authenticate_req_encode(&body, 1, &areq);
        if (tok) {
            OPENSSL_cleanse(tok, tok_len); /* a PLAIN token holds the password */
            free(tok);
        }
        rc = request(w, KC_API_SASL_AUTHENTICATE, 1, &body, &last, deadline, err, errlen);
        OPENSSL_cleanse(body.data, body.len);
        kc_wbuf_free(&body);
        if (rc)
            break;
        kc_sasl_authenticate_resp ar;
        if (kc_sasl_authenticate_resp_decode(&last.body, 1, &ar, &a)) {
            snprintf(err, errlen, "SaslAuthenticate: malformed response from %s", w->peer);
            rc = -1;
            break;
        }
        if (ar.error_code) {
            /* Kafka's client reports the broker's message as it is */
            if (ar.error_message.len > 0)
                snprintf(err, errlen, "%.*s", (int)ar.error_message.len, ar.error_message.p);
            else
                snprintf(err, errlen, "SASL %s authentication with %s failed: error %d", mech,
                         w->peer, ar.error_code);
            rc = -1;
            break;
        }
        in = ar.auth_bytes.p;
        in_len = ar.auth_bytes.len > 0 ? (size_t)ar.auth_bytes.len : 0;
    }
    kc_wire_resp_free(&last);
    kc_arena_free(&a);
    ops->free(s);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Connections */

static int dial(kc_wire *w, int64_t deadline, char *err, size_t errlen)
{
    char service[16];
    snprintf(service, sizeof(service), "%d", w->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(w->host, service, &hints, &res);
    if (rc) {
        snprintf(err, errlen, "Connection to %s failed: %s", w->peer, gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai && w->fd < 0; ai = ai->ai_next) {
        int fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        int ok = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
        if (ok == EINPROGRESS) {
            socklen_t len = sizeof(ok);
            if (wait_fd(fd, POLLOUT, deadline))
                ok = errno;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &ok, &len))
                ok = errno;
        }
        if (ok) {
            snprintf(err, errlen, "Connection to %s failed: %s", w->peer,
                     ok == ETIMEDOUT ? "timed out" : strerror(ok));
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        w->fd = fd;
    }
    freeaddrinfo(res);
    return w->fd >= 0 ? 0 : -1;
}

kc_wire *kc_wire_connect(const char *host, int port, const kc_wire_security *sec,
                         const char *client_id, int timeout_ms, char *err, size_t errlen)
{
    kc_wire *w = calloc(1, sizeof(*w));
    if (!w)
        abort();
    w->fd = -1;
    if (sec)
        w->sec = *sec;
    snprintf(w->client_id, sizeof(w->client_id), "%s", client_id ? client_id : "cafka");
    snprintf(w->host, sizeof(w->host), "%s", host);
    w->port = port;
    snprintf(w->peer, sizeof(w->peer), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    w->timeout_ms = timeout_ms;
    w->next_correlation = 1;
    int64_t deadline = kc_mono_ms() + timeout_ms;
    if (dial(w, deadline, err, errlen) || (w->sec.tls && tls_handshake(w, deadline, err, errlen)) ||
        (w->sec.sasl_mechanism && sasl_authenticate(w, deadline, err, errlen))) {
        kc_wire_close(w);
        return NULL;
    }
    return w;
}

/* Split "host:port" (IPv6 as "[::1]:9092") into @p host and *port. */
static int split_hostport(const char *s, size_t len, char *host, size_t hostlen, int *port)
{
    char buf[300];
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *colon = strrchr(buf, ':');
    if (!colon || colon == buf)
        return -1;
    *colon = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || p < 1 || p > 65535)
        return -1;
    char *h = buf;
    size_t hl = strlen(h);
    if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
    }
    if (strlen(h) >= hostlen)
        return -1;
    memcpy(host, h, strlen(h) + 1);
    *port = (int)p;
    return 0;
}

kc_wire *kc_wire_connect_bootstrap(const char *bootstrap, const kc_wire_security *sec,
                                   const char *client_id, int timeout_ms, char *err, size_t errlen)
{
    snprintf(err, errlen, "no bootstrap server given");
    for (const char *p = bootstrap;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            return NULL;
        size_t len = strcspn(p, ",");
        while (len && p[len - 1] == ' ')
            len--;
        char host[256];
        int port;
        if (split_hostport(p, len, host, sizeof(host), &port)) {
            snprintf(err, errlen, "Invalid url in bootstrap.servers: %.*s", (int)len, p);
            return NULL;
        }
        kc_wire *w = kc_wire_connect(host, port, sec, client_id, timeout_ms, err, errlen);
        if (w)
            return w;
        p += strcspn(p, ",");
    }
}

kc_wire *kc_wire_connect_controller(kc_wire *w, bool *retriable, char *err, size_t errlen)
{
    bool dummy;
    if (!retriable)
        retriable = &dummy;
    *retriable = false;
    kc_wbuf body = {0};
    kc_metadata_req req = {.topics_count = 0}; /* v1: an empty list asks for no topics */
    kc_metadata_req_encode(&body, 1, &req);
    kc_wire_resp resp;
    int rc = kc_wire_request(w, KC_API_METADATA, 1, &body, &resp, err, errlen);
    kc_wbuf_free(&body);
    if (rc)
        return NULL;
    kc_arena a = {0};
    kc_metadata_resp md;
    char host[256] = "";
    int port = -1;
    if (kc_metadata_resp_decode(&resp.body, 1, &md, &a)) {
        snprintf(err, errlen, "Metadata: malformed response from %s", w->peer);
        kc_arena_free(&a);
        kc_wire_resp_free(&resp);
        return NULL;
    } else {
        for (int32_t i = 0; i < md.brokers_count; i++)
            if (md.controller_id >= 0 && md.brokers[i].node_id == md.controller_id) {
                snprintf(host, sizeof(host), "%.*s", (int)md.brokers[i].host.len,
                         md.brokers[i].host.p);
                port = md.brokers[i].port;
            }
        if (port < 0)
            snprintf(err, errlen, "The controller is not available (controller id %d)",
                     (int)md.controller_id);
    }
    kc_arena_free(&a);
    kc_wire_resp_free(&resp);
    *retriable = true;
    if (port < 0)
        return NULL;
    return kc_wire_connect(host, port, &w->sec, w->client_id, w->timeout_ms, err, errlen);
}

const char *kc_wire_peer(const kc_wire *w)
{
    return w->peer;
}

void kc_wire_close(kc_wire *w)
{
    if (!w)
        return;
    if (w->ssl) {
        SSL_shutdown(w->ssl); /* best effort close_notify; the socket is non-blocking */
        SSL_free(w->ssl);
    }
    if (w->ctx)
        SSL_CTX_free(w->ctx);
    if (w->fd >= 0)
        close(w->fd);
    free(w->versions);
    free(w);
}
