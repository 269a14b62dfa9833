/*
 * `cafka leader-election`: kafka-leader-election.sh. Debian 12's librdkafka (2.0) has no
 * rd_kafka_ElectLeaders, so the request goes over a small blocking socket with the generated
 * codec (cli/wire_client.h): Metadata v1 to the bootstrap server names the controller and its
 * address, then ElectLeaders v1 (election type, null partitions for --all-topic-partitions) goes
 * to the controller, as Kafka's admin client sends it. Any listener: --admin.config FILE
 * (kafka-leader-election.sh's name; --command-config is the same) gives the client's
 * security.protocol, SASL and TLS settings (cli/client_config.h).
 * Output as LeaderElectionCommand prints it: "Successfully completed leader election (PREFERRED)
 * for partitions t-0, t-1", "Valid replica already elected for partitions ..." (error
 * ELECTION_NOT_NEEDED), one "Error completing leader election ..." line per failed partition
 * and then exit 1.
 */
#include "cli/admin_election.h"

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/admin_common.h"
#include "cli/wire_client.h"
#include "common/arena.h"
#include "kc_apis.h"
#include "proto/buf.h"

#define API_ELECT_LEADERS       43
#define ERR_ELECTION_NOT_NEEDED 84
#define ELECTION_TIMEOUT_MS     30000

#define USAGE_LINE                                                                                 \
    "usage: cafka leader-election --bootstrap-server HOST:PORT --election-type "                   \
    "preferred|unclean\n"                                                                          \
    "           (--all-topic-partitions | --topic T --partition P | --path-to-json-file F)\n"

static const char usage_line[] =
    USAGE_LINE "`cafka leader-election --help` describes the options.\n";
static const char usage_text[] = USAGE_LINE
    "Runs a preferred or unclean leader election, as kafka-leader-election.sh.\n"
    "  --bootstrap-server HOST:PORT  broker(s) to connect to (comma list: tried in order)\n"
    "  --admin.config FILE           client properties (Kafka's or librdkafka's names) for\n"
    "                                SSL/SASL listeners; --command-config is the same\n"
    "  --election-type TYPE          preferred or unclean\n"
    "  --all-topic-partitions        every partition of every topic\n"
    "  --topic T --partition P       one partition\n"
    "  --path-to-json-file F         {\"partitions\": [{\"topic\": \"t\", \"partition\": 0}, "
    "...]}\n";

typedef struct election_opts {
    const char *bootstrap, *type, *topic, *partition, *json_file, *config;
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
                    {"--path-to-json-file", &o->json_file},
                    {"--admin.config", &o->config},
                    {"--command-config", &o->config}};
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

    char why[1024];
    kc_client_config cc = {0};
    if (o.config && kc_command_config_load(o.config, &cc, why, sizeof(why)) < 0) {
        kc_print_error("", why);
        kc_client_config_free(&cc);
        tp_free(&list);
        return KC_EXIT_ERROR;
    }
    kc_wire *ctl = NULL;
    kc_wire *boot = kc_wire_connect_bootstrap(o.bootstrap, &cc.sec, "cafka-leader-election",
                                              KC_ADMIN_REQUEST_TIMEOUT_MS, why, sizeof(why));
    if (boot)
        ctl = kc_wire_connect_controller(boot, NULL, why, sizeof(why));
    kc_wire_close(boot);
    if (!ctl) {
        kc_print_error("", why);
        kc_client_config_free(&cc);
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
    kc_wire_resp resp;
    int failed_io = kc_wire_request(ctl, API_ELECT_LEADERS, 1, &body, &resp, why, sizeof(why));
    kc_wbuf_free(&body);
    kc_wire_close(ctl);
    kc_client_config_free(&cc);
    tp_free(&list);
    if (failed_io) {
        kc_print_error("", why);
        return KC_EXIT_ERROR;
    }
    kc_arena arena = {0};
    kc_elect_leaders_resp out;
    rc = KC_EXIT_OK;
    if (kc_elect_leaders_resp_decode(&resp.body, 1, &out, &arena)) {
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
    kc_wire_resp_free(&resp);
    return rc;
}
