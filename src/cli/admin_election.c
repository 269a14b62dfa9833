/*
 * `cafka leader-election`: kafka-leader-election.sh. Debian 12's librdkafka (2.0) has no
 * rd_kafka_ElectLeaders, so the request goes over a small blocking socket with the generated
 * codec: Metadata v1 to the bootstrap server names the controller and its address, then
 * ElectLeaders v1 (election type, null partitions for --all-topic-partitions) goes to the
 * controller, as Kafka's admin client sends it. PLAINTEXT listeners only.
 * Output as LeaderElectionCommand prints it: "Successfully completed leader election (PREFERRED)
 * for partitions t-0, t-1", "Valid replica already elected for partitions ..." (error
 * ELECTION_NOT_NEEDED), one "Error completing leader election ..." line per failed partition
 * and then exit 1.
 */
#include "cli/admin_election.h"

#include <errno.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli/admin_common.h"
#include "common/arena.h"
#include "kc_apis.h"
#include "proto/buf.h"

#define API_METADATA            3
#define API_ELECT_LEADERS       43
#define ERR_ELECTION_NOT_NEEDED 84
#define IO_TIMEOUT_S            30
#define ELECTION_TIMEOUT_MS     30000
#define MAX_RESPONSE            (100 * 1024 * 1024)

#define USAGE_LINE                                                                                 \
    "usage: cafka leader-election --bootstrap-server HOST:PORT --election-type "                   \
    "preferred|unclean\n"                                                                          \
    "           (--all-topic-partitions | --topic T --partition P | --path-to-json-file F)\n"

static const char usage_line[] =
    USAGE_LINE "`cafka leader-election --help` describes the options.\n";
static const char usage_text[] = USAGE_LINE
    "Runs a preferred or unclean leader election, as kafka-leader-election.sh.\n"
    "  --bootstrap-server HOST:PORT  a broker's PLAINTEXT listener (comma list: the first)\n"
    "  --election-type TYPE          preferred or unclean\n"
    "  --all-topic-partitions        every partition of every topic\n"
    "  --topic T --partition P       one partition\n"
    "  --path-to-json-file F         {\"partitions\": [{\"topic\": \"t\", \"partition\": 0}, "
    "...]}\n";

typedef struct election_opts {
    const char *bootstrap, *type, *topic, *partition, *json_file;
    bool all;
    int8_t election_type; /* 0 preferred, 1 unclean */
} election_opts;

static int parse_args(int argc, char **argv, election_opts *o)
{
    for (int i = 0; i < argc; i++) {
        int m;
        if (strcmp(argv[i], "--all-topic-partitions") == 0) {
            o->all = true;
            continue;
        }
        struct {
            const char *name;
            const char **dst;
        } vals[] = {{"--bootstrap-server", &o->bootstrap},
                    {"--election-type", &o->type},
                    {"--topic", &o->topic},
                    {"--partition", &o->partition},
                    {"--path-to-json-file", &o->json_file}};
        bool matched = false;
        for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]) && !matched; k++) {
            m = kc_opt_value(argc, argv, &i, vals[k].name, vals[k].dst);
            if (m < 0)
                return kc_usage_error(usage_line, "Option %s requires an argument", vals[k].name);
            matched = m > 0;
        }
        if (!matched)
            return kc_usage_error(usage_line, "%s is not a recognized option", argv[i]);
    }
    if (!o->bootstrap)
        return kc_usage_error(usage_line, "Missing required option(s) [bootstrap-server]");
    if (!o->type)
        return kc_usage_error(usage_line, "Missing required option(s) [election-type]");
    if (strcasecmp(o->type, "preferred") == 0)
        o->election_type = 0;
    else if (strcasecmp(o->type, "unclean") == 0)
        o->election_type = 1;
    else
        return kc_usage_error(usage_line, "Unknown election type: %s (preferred or unclean)",
                              o->type);
    if (o->all + !!o->topic + !!o->json_file != 1)
        return kc_usage_error(usage_line, "One and only one of the following options is required: "
                                          "all-topic-partitions, topic, path-to-json-file");
    if (o->topic && !o->partition)
        return kc_usage_error(usage_line, "Missing required option(s) [partition]");
    if (o->partition && !o->topic)
        return kc_usage_error(usage_line, "Option partition is only allowed if topic is used");
    return KC_EXIT_OK;
}

/* ------------------------------------------------------------------ partitions to elect */

/* The partitions to elect, grouped by topic as Kafka's request carries them. */
typedef struct tp_list {
    kc_topic_partitions *v; /* topic names and partition arrays are malloc'd */
    int32_t n;
} tp_list;

static void tp_free(tp_list *l)
{
    for (int32_t i = 0; i < l->n; i++) {
        free((char *)l->v[i].topic.p);
        free(l->v[i].partitions);
    }
    free(l->v);
}

static bool tp_contains(const tp_list *l, const char *topic, int32_t partition)
{
    for (int32_t i = 0; i < l->n; i++)
        if (kc_str_same(l->v[i].topic, kc_str_c(topic)))
            for (int32_t k = 0; k < l->v[i].partitions_count; k++)
                if (l->v[i].partitions[k] == partition)
                    return true;
    return false;
}

static void tp_push(tp_list *l, const char *topic, int32_t partition)
{
    int32_t i = 0;
    while (i < l->n && !kc_str_same(l->v[i].topic, kc_str_c(topic)))
        i++;
    if (i == l->n) {
        kc_topic_partitions *v = realloc(l->v, sizeof(*v) * (size_t)(l->n + 1));
        char *name = strdup(topic);
        if (!v || !name)
            abort();
        l->v = v;
        l->v[l->n++] = (kc_topic_partitions){kc_str_c(name), 0, NULL};
    }
    kc_topic_partitions *t = &l->v[i];
    int32_t *ids = realloc(t->partitions, sizeof(*ids) * (size_t)(t->partitions_count + 1));
    if (!ids)
        abort();
    t->partitions = ids;
    t->partitions[t->partitions_count++] = partition;
}

/* {"partitions": [{"topic": "t", "partition": 0}, ...]}, as kafka-leader-election.sh reads it. */
static int read_json(const char *path, tp_list *l)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    char why[600];
    if (!root) {
        snprintf(why, sizeof(why), "%s: %s", path, jerr.text);
        kc_print_error("", why);
        return -1;
    }
    json_t *parts = json_object_get(root, "partitions");
    size_t i;
    json_t *p;
    int rc = json_is_array(parts) ? 0 : -1;
    json_array_foreach(parts, i, p)
    {
        json_t *t = json_object_get(p, "topic"), *n = json_object_get(p, "partition");
        if (!json_is_string(t) || !json_is_integer(n) || json_integer_value(n) < 0 ||
            json_integer_value(n) > INT32_MAX) {
            rc = -1;
            break;
        }
        if (tp_contains(l, json_string_value(t), (int32_t)json_integer_value(n))) {
            snprintf(why, sizeof(why), "Replica election data contains duplicate partitions: %s-%d",
                     json_string_value(t), (int)json_integer_value(n));
            kc_print_error("", why);
            json_decref(root);
            return -1;
        }
        tp_push(l, json_string_value(t), (int32_t)json_integer_value(n));
    }
    json_decref(root);
    if (rc < 0) {
        snprintf(why, sizeof(why),
                 "%s: expected {\"partitions\": [{\"topic\": \"t\", \"partition\": 0}, ...]}",
                 path);
        kc_print_error("", why);
    }
    return rc;
}

/* ------------------------------------------------------------------ a blocking client */

static int dial(const char *host, int port, char *why, size_t whylen)
{
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc) {
        snprintf(why, whylen, "%s:%d: %s", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            snprintf(why, whylen, "Connection to %s:%d failed: %s", host, port, strerror(errno));
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    return fd;
}

static int io_all(int fd, void *buf, size_t n, bool out)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t k = out ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Sends a request (header v1) whose body is in @p body; returns the response body (after the
 * correlation id) in a malloc'd buffer, or NULL with @p why set. */
static uint8_t *roundtrip(int fd, int16_t api, int16_t version, const kc_wbuf *body, size_t *len,
                          char *why, size_t whylen)
{
    kc_wbuf w = {0};
    kc_wbuf_i32(&w, 0); /* size, patched below */
    kc_wbuf_i16(&w, api);
    kc_wbuf_i16(&w, version);
    kc_wbuf_i32(&w, 1); /* correlation id */
    kc_wbuf_str(&w, false, kc_str_c("cafka-leader-election"));
    kc_wbuf_put(&w, body->data, body->len);
    kc_wbuf_i32_at(&w, 0, (int32_t)(w.len - 4));
    int rc = io_all(fd, w.data, w.len, true);
    kc_wbuf_free(&w);
    uint8_t hdr[8];
    uint32_t size = 0;
    if (rc == 0 && io_all(fd, hdr, 4, false) == 0)
        size = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (rc || size < 4 || size > MAX_RESPONSE || io_all(fd, hdr + 4, 4, false)) {
        snprintf(why, whylen, "no response to %s from the broker",
                 api == API_METADATA ? "Metadata" : "ElectLeaders");
        return NULL;
    }
    *len = size - 4;
    uint8_t *resp = malloc(*len ? *len : 1);
    if (!resp)
        abort();
    if (io_all(fd, resp, *len, false)) {
        free(resp);
        snprintf(why, whylen, "the broker closed the connection mid-response");
        return NULL;
    }
    return resp;
}

/* The controller's address from a Metadata v1 response of the bootstrap broker. */
static int find_controller(const char *bootstrap, char *host, size_t hostlen, int *port, char *why,
                           size_t whylen)
{
    char first[256];
    snprintf(first, sizeof(first), "%.*s", (int)strcspn(bootstrap, ","), bootstrap);
    char *colon = strrchr(first, ':');
    long p;
    if (!colon || kc_parse_int(colon + 1, 1, 65535, &p) < 0) {
        snprintf(why, whylen, "Invalid bootstrap server %s (HOST:PORT)", first);
        return -1;
    }
    *colon = '\0';
    int fd = dial(first, (int)p, why, whylen);
    if (fd < 0)
        return -1;
    kc_wbuf body = {0};
    kc_metadata_req req = {.topics_count = 0};
    kc_metadata_req_encode(&body, 1, &req);
    size_t len = 0;
    uint8_t *resp = roundtrip(fd, API_METADATA, 1, &body, &len, why, whylen);
    kc_wbuf_free(&body);
    close(fd);
    if (!resp)
        return -1;
    kc_arena arena = {0};
    kc_rbuf r;
    kc_rbuf_init(&r, resp, len);
    kc_metadata_resp md;
    int rc = -1;
    if (kc_metadata_resp_decode(&r, 1, &md, &arena)) {
        snprintf(why, whylen, "malformed Metadata response");
    } else {
        snprintf(why, whylen, "The controller (broker %d) is not available", (int)md.controller_id);
        for (int32_t i = 0; i < md.brokers_count; i++)
            if (md.brokers[i].node_id == md.controller_id && md.controller_id >= 0) {
                snprintf(host, hostlen, "%.*s", (int)md.brokers[i].host.len, md.brokers[i].host.p);
                *port = md.brokers[i].port;
                rc = 0;
            }
    }
    kc_arena_free(&arena);
    free(resp);
    return rc;
}

/* ------------------------------------------------------------------ output */

static void print_partitions(const char *head, const kc_elect_leaders_resp *resp, bool noop)
{
    bool first = true;
    for (int32_t t = 0; t < resp->replica_election_results_count; t++) {
        const kc_replica_election_result *r = &resp->replica_election_results[t];
        for (int32_t p = 0; p < r->partition_result_count; p++) {
            int16_t err = r->partition_result[p].error_code;
            if (noop ? err != ERR_ELECTION_NOT_NEEDED : err != 0)
                continue;
            printf("%s%.*s-%d", first ? head : ", ", (int)r->topic.len, r->topic.p,
                   (int)r->partition_result[p].partition_id);
            first = false;
        }
    }
    if (!first)
        putchar('\n');
}

/* @return the number of partitions that could not be elected. */
static int report(const election_opts *o, const kc_elect_leaders_resp *resp)
{
    const char *type = o->election_type ? "UNCLEAN" : "PREFERRED";
    char head[128];
    snprintf(head, sizeof(head), "Successfully completed leader election (%s) for partitions ",
             type);
    print_partitions(head, resp, false);
    print_partitions("Valid replica already elected for partitions ", resp, true);
    int failed = 0;
    for (int32_t t = 0; t < resp->replica_election_results_count; t++) {
        const kc_replica_election_result *r = &resp->replica_election_results[t];
        for (int32_t p = 0; p < r->partition_result_count; p++) {
            const kc_partition_result *pr = &r->partition_result[p];
            if (pr->error_code == 0 || pr->error_code == ERR_ELECTION_NOT_NEEDED)
                continue;
            rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)pr->error_code;
            printf("Error completing leader election (%s) for partition: %.*s-%d: %s: %.*s\n", type,
                   (int)r->topic.len, r->topic.p, (int)pr->partition_id, rd_kafka_err2name(e),
                   pr->error_message.len > 0 ? (int)pr->error_message.len
                                             : (int)strlen(rd_kafka_err2str(e)),
                   pr->error_message.len > 0 ? pr->error_message.p : rd_kafka_err2str(e));
            failed++;
        }
    }
    return failed;
}

int kc_cli_leader_election(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return KC_EXIT_OK;
        }
    election_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    tp_list list = {0};
    if (o.topic) {
        long p;
        if (kc_parse_int(o.partition, 0, INT32_MAX, &p) < 0)
            return kc_usage_error(usage_line, "Invalid partition: %s", o.partition);
        tp_push(&list, o.topic, (int32_t)p);
    } else if (o.json_file && read_json(o.json_file, &list) < 0) {
        tp_free(&list);
        return KC_EXIT_ERROR;
    }

    char why[512], host[256];
    int port = 0;
    int fd = -1;
    if (find_controller(o.bootstrap, host, sizeof(host), &port, why, sizeof(why)) == 0)
        fd = dial(host, port, why, sizeof(why));
    if (fd < 0) {
        kc_print_error("", why);
        tp_free(&list);
        return KC_EXIT_ERROR;
    }
    kc_elect_leaders_req req = {
        .election_type = o.election_type,
        .topic_partitions_count = o.all ? -1 : list.n,
        .topic_partitions = list.v,
        .timeout_ms = ELECTION_TIMEOUT_MS,
    };
    kc_wbuf body = {0};
    kc_elect_leaders_req_encode(&body, 1, &req);
    size_t len = 0;
    uint8_t *resp = roundtrip(fd, API_ELECT_LEADERS, 1, &body, &len, why, sizeof(why));
    kc_wbuf_free(&body);
    close(fd);
    tp_free(&list);
    if (!resp) {
        kc_print_error("", why);
        return KC_EXIT_ERROR;
    }
    kc_arena arena = {0};
    kc_rbuf r;
    kc_rbuf_init(&r, resp, len);
    kc_elect_leaders_resp out;
    rc = KC_EXIT_OK;
    if (kc_elect_leaders_resp_decode(&r, 1, &out, &arena)) {
        kc_print_error("", "malformed ElectLeaders response");
        rc = KC_EXIT_ERROR;
    } else if (out.error_code) {
        rd_kafka_resp_err_t e = (rd_kafka_resp_err_t)out.error_code;
        snprintf(why, sizeof(why), "%s: %s", rd_kafka_err2name(e), rd_kafka_err2str(e));
        kc_print_error("", why);
        rc = KC_EXIT_ERROR;
    } else {
        int failed = report(&o, &out);
        if (failed) {
            snprintf(why, sizeof(why), "%d replica(s) could not be elected", failed);
            kc_print_error("", why);
            rc = KC_EXIT_ERROR;
        }
    }
    kc_arena_free(&arena);
    free(resp);
    return rc;
}
