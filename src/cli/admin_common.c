/*
 * The librdkafka admin client of `cafka topics` / `cafka configs` and their shared helpers:
 * option matching, integer parsing, one-line errors, string vectors. See admin_common.h.
 *
 * Connection failures: librdkafka retries connecting forever and reports problems through the
 * error callback, which is served by rd_kafka_poll on this thread. Metadata is fetched in
 * short slices with a poll between them, so a refused or failing connection ends the command
 * as soon as librdkafka reports all brokers down instead of after the full timeout.
 */
#include "cli/admin_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* Strings and options */

void kc_strv_push(kc_strv *sv, const char *s, size_t len)
{
    if (len == (size_t)-1)
        len = strlen(s);
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 8;
        sv->v = kc_xrealloc(sv->v, sv->cap * sizeof(*sv->v));
    }
    char *copy = kc_xrealloc(NULL, len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    sv->v[sv->n++] = copy;
}

bool kc_strv_contains(const kc_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void kc_strv_sort(kc_strv *sv)
{
    if (sv->n > 1)
        qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

void kc_strv_free(kc_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

int kc_opt_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *value = argv[++*i];
    return 1;
}

int kc_parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno)
        return -1;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

char *kc_trim_dup(const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    char *out = kc_xrealloc(NULL, len + 1);
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

void kc_print_error(const char *context, const char *message)
{
    fputs("Error: ", stderr);
    fputs(context, stderr);
    for (const char *p = message; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
    fputc('\n', stderr);
}

/* ------------------------------------------------------------------------------------------ */
/* The client */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    (void)rk;
    kc_admin *a = opaque;
    switch (err) {
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        a->all_down = true;
        if (!a->conn_error[0])
            snprintf(a->conn_error, sizeof(a->conn_error), "%s", reason);
        break;
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
        snprintf(a->conn_error, sizeof(a->conn_error), "%s", reason);
        break;
    default:
        break;
    }
}

/* librdkafka's own log lines would break the one-line error contract. */
static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    (void)level;
    (void)fac;
    (void)buf;
}

/* Keys of a --command-config file that are understood by client_config.c and reach librdkafka
 * through the derived security settings (or are Kafka-only and have no librdkafka meaning). */
static const char *const consumed_keys[] = {
    "security.protocol",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.jaas.config",
    "sasl.username",
    "sasl.password",
    "ssl.truststore.location",
    "ssl.truststore.type",
    "ssl.truststore.password",
    "ssl.truststore.certificates",
    "ssl.ca.location",
    "ssl.ca.pem",
    "ssl.keystore.location",
    "ssl.keystore.type",
    "ssl.keystore.password",
    "ssl.keystore.certificate.chain",
    "ssl.keystore.key",
    "ssl.certificate.location",
    "ssl.key.location",
    "ssl.certificate.pem",
    "ssl.key.pem",
    "ssl.key.password",
    "ssl.endpoint.identification.algorithm",
    "enable.ssl.certificate.verification",
};

static bool is_consumed(const char *key)
{
    for (size_t i = 0; i < sizeof(consumed_keys) / sizeof(consumed_keys[0]); i++)
        if (strcmp(key, consumed_keys[i]) == 0)
            return true;
    return false;
}

/* One librdkafka property from the file (or derived from it); a secret value never appears in
 * the message. */
static int conf_set(rd_kafka_conf_t *conf, const kc_client_config *cc, const char *key,
                    const char *value, int line, bool warn_unknown, char *err, size_t errlen)
{
    char why[256];
    rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, key, value, why, sizeof(why));
    if (r == RD_KAFKA_CONF_OK)
        return 0;
    char where[64] = "";
    if (line > 0)
        snprintf(where, sizeof(where), ":%d", line);
    if (r == RD_KAFKA_CONF_UNKNOWN) {
        if (warn_unknown)
            fprintf(stderr, "Warning: %s%s: '%s' is not a known librdkafka property; ignored\n",
                    cc->path, where, key);
        return 0;
    }
    if (kc_client_config_is_secret(key))
        snprintf(err, errlen, "%s%s: invalid value for %s", cc->path, where, key);
    else
        snprintf(err, errlen, "%s%s: %s", cc->path, where, why);
    return -1;
}

/* Apply a --command-config file to @p conf: the security settings in librdkafka's names, then
 * every other key as it is. Sets *debug when the file sets `debug`. */
static int apply_command_config(rd_kafka_conf_t *conf, const kc_client_config *cc, bool *debug,
                                bool warn_unknown, char *err, size_t errlen)
{
    const kc_wire_security *s = &cc->sec;
    struct {
        const char *key, *value;
    } derived[] = {
        {"security.protocol", s->tls ? (s->sasl_mechanism ? "sasl_ssl" : "ssl")
                                     : (s->sasl_mechanism ? "sasl_plaintext" : "plaintext")},
        {"sasl.mechanisms", s->sasl_mechanism},
        {"sasl.username", s->sasl_username},
        {"sasl.password", s->sasl_password},
        {"ssl.ca.location", s->ca_file},
        {"ssl.ca.pem", s->ca_pem},
        {"ssl.certificate.location", s->cert_file},
        {"ssl.key.location", s->key_file},
        {"ssl.certificate.pem", s->cert_pem},
        {"ssl.key.pem", s->key_pem},
        {"ssl.key.password", s->key_password},
        {"ssl.keystore.location", s->pkcs12_file},
        {"ssl.keystore.password", s->pkcs12_file ? s->pkcs12_password : NULL},
        {"ssl.endpoint.identification.algorithm", s->no_hostname_verify ? "none" : NULL},
        {"enable.ssl.certificate.verification", s->no_verify ? "false" : NULL},
    };
    for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++)
        if (derived[i].value &&
            conf_set(conf, cc, derived[i].key, derived[i].value, 0, true, err, errlen) < 0)
            return -1;
    for (size_t i = 0; i < cc->n; i++) {
        const kc_client_prop *p = &cc->props[i];
        if (is_consumed(p->key))
            continue;
        if (conf_set(conf, cc, p->key, p->value, p->line, warn_unknown, err, errlen) < 0)
            return -1;
        if (strcmp(p->key, "debug") == 0)
            *debug = true;
    }
    return 0;
}

int kc_command_config_load(const char *path, kc_client_config *out, char *err, size_t errlen)
{
    if (kc_client_config_load(path, out, err, errlen) < 0)
        return -1;
    /* the same checks and warnings as the librdkafka commands give */
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    bool debug = false;
    int rc = apply_command_config(conf, out, &debug, true, err, errlen);
    rd_kafka_conf_destroy(conf);
    return rc;
}

int kc_admin_open(kc_admin *a, const char *bootstrap, const char *command_config, bool all_topics,
                  char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char why[256];
    bool debug = false;
    if (rd_kafka_conf_set(conf, "client.id", "cafka-admin", why, sizeof(why)) != RD_KAFKA_CONF_OK)
        goto conf_error;
    if (command_config) {
        kc_client_config cc;
        int rc = kc_client_config_load(command_config, &cc, err, errlen);
        if (rc == 0)
            rc = apply_command_config(conf, &cc, &debug, true, err, errlen);
        kc_client_config_free(&cc);
        if (rc < 0) {
            rd_kafka_conf_destroy(conf);
            return -1;
        }
    }
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, why, sizeof(why)) !=
        RD_KAFKA_CONF_OK)
        goto conf_error;
    if (!debug)
        rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_opaque(conf, a);

    a->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (!a->rk) {
        snprintf(err, errlen, "%s", why);
        rd_kafka_conf_destroy(conf); /* rd_kafka_new takes it only on success */
        return -1;
    }
    a->queue = rd_kafka_queue_new(a->rk);

    /* Metadata in growing slices, checking between them whether every broker is down. */
    int64_t deadline = now_ms() + KC_ADMIN_OP_TIMEOUT_MS;
    int slice = 500;
    for (;;) {
        const rd_kafka_metadata_t *md = NULL;
        int64_t left = deadline - now_ms();
        rd_kafka_resp_err_t e =
            rd_kafka_metadata(a->rk, all_topics, NULL, &md, (int)(left < slice ? left : slice));
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            a->md = md;
            return 0;
        }
        rd_kafka_poll(a->rk, 0); /* runs on_error */
        if (a->all_down) {
            snprintf(err, errlen, "cannot connect to %s: %s", bootstrap, a->conn_error);
            break;
        }
        if (e != RD_KAFKA_RESP_ERR__TIMED_OUT && e != RD_KAFKA_RESP_ERR__TRANSPORT) {
            snprintf(err, errlen, "metadata request to %s failed: %s", bootstrap,
                     rd_kafka_err2str(e));
            break;
        }
        if (now_ms() >= deadline) {
            snprintf(err, errlen, "no metadata from %s within %d ms%s%s", bootstrap,
                     KC_ADMIN_OP_TIMEOUT_MS, a->conn_error[0] ? ": " : "", a->conn_error);
            break;
        }
        if (slice < 4000)
            slice *= 2;
    }
    kc_admin_close(a);
    return -1;

conf_error:
    snprintf(err, errlen, "%s", why);
    rd_kafka_conf_destroy(conf);
    return -1;
}

void kc_admin_close(kc_admin *a)
{
    if (a->md)
        rd_kafka_metadata_destroy(a->md);
    if (a->queue)
        rd_kafka_queue_destroy(a->queue);
    if (a->rk)
        rd_kafka_destroy(a->rk);
    a->md = NULL;
    a->queue = NULL;
    a->rk = NULL;
}

rd_kafka_AdminOptions_t *kc_admin_options(kc_admin *a, rd_kafka_admin_op_t op)
{
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(a->rk, op);
    char why[256];
    rd_kafka_AdminOptions_set_request_timeout(
        o, a->timeout_ms > 0 ? a->timeout_ms : KC_ADMIN_REQUEST_TIMEOUT_MS, why, sizeof(why));
    /* Only CreateTopics, DeleteTopics and CreatePartitions carry an operation timeout. */
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
        op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS)
        rd_kafka_AdminOptions_set_operation_timeout(o, KC_ADMIN_OP_TIMEOUT_MS, why, sizeof(why));
    return o;
}

rd_kafka_event_t *kc_admin_wait(kc_admin *a, char *err, size_t errlen)
{
    /* librdkafka ends the request after the request timeout; this is the backstop. */
    int backstop = (a->timeout_ms > 0 ? a->timeout_ms : KC_ADMIN_REQUEST_TIMEOUT_MS) + 10000;
    int64_t deadline = now_ms() + backstop;
    for (;;) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(a->queue, 200);
        rd_kafka_poll(a->rk, 0);
        if (ev) {
            a->wait_err = rd_kafka_event_error(ev);
            if (a->wait_err == RD_KAFKA_RESP_ERR_NO_ERROR)
                return ev;
            snprintf(err, errlen, "%s", rd_kafka_event_error_string(ev));
            rd_kafka_event_destroy(ev);
            return NULL;
        }
        if (now_ms() >= deadline) {
            a->wait_err = RD_KAFKA_RESP_ERR__TIMED_OUT;
            snprintf(err, errlen, "no answer within %d ms%s%s", backstop,
                     a->conn_error[0] ? ": " : "", a->conn_error);
            return NULL;
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Configs */

int kc_admin_describe_configs(kc_admin *a, rd_kafka_ResourceType_t type, char *const *names,
                              size_t n, kc_configs *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    rd_kafka_ConfigResource_t **req = kc_xrealloc(NULL, n * sizeof(*req));
    for (size_t i = 0; i < n; i++)
        req[i] = rd_kafka_ConfigResource_new(type, names[i]);
    rd_kafka_AdminOptions_t *o = kc_admin_options(a, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_DescribeConfigs(a->rk, req, n, o, a->queue);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_ConfigResource_destroy_array(req, n);
    free(req);

    rd_kafka_event_t *ev = kc_admin_wait(a, err, errlen);
    if (!ev)
        return -1;
    const rd_kafka_DescribeConfigs_result_t *result = rd_kafka_event_DescribeConfigs_result(ev);
    size_t cnt = 0;
    const rd_kafka_ConfigResource_t **got =
        result ? rd_kafka_DescribeConfigs_result_resources(result, &cnt) : NULL;
    out->ev = ev;
    out->n = n;
    out->res = kc_xrealloc(NULL, n * sizeof(*out->res));
    for (size_t i = 0; i < n; i++) {
        out->res[i] = NULL;
        for (size_t j = 0; j < cnt; j++)
            if (rd_kafka_ConfigResource_type(got[j]) == type &&
                strcmp(rd_kafka_ConfigResource_name(got[j]), names[i]) == 0)
                out->res[i] = got[j];
        if (!out->res[i]) {
            snprintf(err, errlen, "DescribeConfigs answered nothing for %s %s",
                     rd_kafka_ResourceType_name(type), names[i]);
            kc_configs_free(out);
            return -1;
        }
        if (rd_kafka_ConfigResource_error(out->res[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char *why = rd_kafka_ConfigResource_error_string(out->res[i]);
            snprintf(err, errlen, "%s",
                     why ? why : rd_kafka_err2str(rd_kafka_ConfigResource_error(out->res[i])));
            kc_configs_free(out);
            return -1;
        }
    }
    return 0;
}

void kc_configs_free(kc_configs *c)
{
    free(c->res);
    if (c->ev)
        rd_kafka_event_destroy(c->ev);
    memset(c, 0, sizeof(*c));
}

const rd_kafka_ConfigEntry_t *kc_config_find(const rd_kafka_ConfigResource_t *res, const char *name)
{
    size_t n = 0;
    const rd_kafka_ConfigEntry_t **e = rd_kafka_ConfigResource_configs(res, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rd_kafka_ConfigEntry_name(e[i]), name) == 0)
            return e[i];
    return NULL;
}

int kc_usage_error(const char *usage_line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs(usage_line, stderr);
    return KC_EXIT_USAGE;
}

/* ------------------------------------------------------------------------------------------ */
/* Errors and versions of the wire-client commands */

/* Kafka's exception class (org.apache.kafka.common.errors) and default message per error
 * code, for the codes the wire-client commands meet; librdkafka's text for anything else. */
static const struct {
    int16_t code;
    const char *cls, *msg;
} kafka_errors[] = {
    {31, "ClusterAuthorizationException", "Cluster authorization failed."},
    {33, "UnsupportedSaslMechanismException",
     "The broker does not support the requested SASL mechanism."},
    {35, "UnsupportedVersionException", "The version of API is not supported."},
    {41, "NotControllerException", "This is not the correct controller for this cluster."},
    {42, "InvalidRequestException",
     "This most likely occurs because of a request being malformed by the client library or "
     "the message was sent to an incompatible broker. See the broker logs for more details."},
    {54, "SecurityDisabledException", "Security features are disabled."},
    {91, "ResourceNotFoundException",
     "A request illegally referred to a resource that does not exist."},
    {92, "DuplicateResourceException", "A request illegally referred to the same resource twice."},
    {93, "UnacceptableCredentialException",
     "Requested credential would not meet criteria for acceptability."},
};

const char *kc_kafka_error_class(int16_t code)
{
    for (size_t i = 0; i < sizeof(kafka_errors) / sizeof(kafka_errors[0]); i++)
        if (kafka_errors[i].code == code)
            return kafka_errors[i].cls;
    return "UnknownServerException";
}

void kc_kafka_error_text(int16_t code, kc_str message, char *buf, size_t len)
{
    if (message.len > 0) {
        snprintf(buf, len, "%.*s", (int)message.len, message.p);
        return;
    }
    for (size_t i = 0; i < sizeof(kafka_errors) / sizeof(kafka_errors[0]); i++)
        if (kafka_errors[i].code == code) {
            snprintf(buf, len, "%s", kafka_errors[i].msg);
            return;
        }
    snprintf(buf, len, "%s", rd_kafka_err2str((rd_kafka_resp_err_t)code));
}

int kc_wire_pick_version(kc_wire *w, int16_t api_key, const char *name, int16_t lo, int16_t hi,
                         int16_t *version, char *err, size_t errlen)
{
    int16_t min = 0, max = -1;
    int rc = kc_wire_api_versions(w, api_key, &min, &max, err, errlen);
    if (rc < 0)
        return -1;
    if (rc > 0 || min > hi || max < lo) {
        if (lo == 0)
            snprintf(err, errlen, "The broker %s does not support %s", kc_wire_peer(w), name);
        else
            snprintf(err, errlen, "The broker %s does not support %s v%d or later", kc_wire_peer(w),
                     name, (int)lo);
        return -1;
    }
    *version = max < hi ? max : hi;
    return 0;
}
