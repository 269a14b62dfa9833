/*
 * `cafka topics`, Kafka's kafka-topics.sh (TopicCommand, 2.7, --bootstrap-server mode) on
 * librdkafka's admin API: --create (CreateTopics), --delete (DeleteTopics), --alter
 * --partitions (CreatePartitions), --list and --describe (Metadata + DescribeConfigs).
 *
 * As in Kafka, --topic is a literal name for --create and a regular expression (full match,
 * commas meaning "or") for --list, --describe, --alter and --delete; a --topic that matches
 * nothing is an error unless --if-exists is given. --describe prints kafka-topics.sh 2.7 lines
 * (no TopicId: Metadata below v10 does not carry it); the Configs column lists the topic's own
 * overrides, i.e. the DescribeConfigs entries whose source is DYNAMIC_TOPIC_CONFIG.
 *
 * Everything that can be checked from the arguments alone (unknown or conflicting options,
 * malformed numbers or replica assignments) is a usage error (exit 2); failures reported by a
 * broker or the connection are exit 1 with one `Error: while executing topic command : ...`
 * line.
 */
#include "cli/admin_topics.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin_common.h"

#define CONTEXT "while executing topic command : "

enum action { ACT_NONE, ACT_CREATE, ACT_DELETE, ACT_LIST, ACT_DESCRIBE, ACT_ALTER };

typedef struct topics_opts {
    enum action action;
    int n_actions;
    const char *bootstrap;
    const char *command_config;
    const char *topic;
    long partitions; /* -1: not given */
    long rf;         /* -1: not given */
    bool has_assignment;
    int32_t *assignment; /* n_assigned rows of assigned_rf broker ids */
    size_t n_assigned, assigned_rf;
    kc_strv config_keys, config_values; /* --config, later duplicates replace earlier ones */
    bool if_exists, if_not_exists, exclude_internal;
    bool report_overrides, report_urp, report_unavailable, report_under_min_isr, report_at_min_isr;
} topics_opts;

#define USAGE_LINE "usage: cafka topics --bootstrap-server HOST:PORT ACTION [OPTION]...\n"
static const char usage_line[] = USAGE_LINE "`cafka topics --help` describes the options.\n";
static const char usage_text[] = USAGE_LINE
    "Create, delete, describe or change topics (as kafka-topics.sh).\n"
    "Actions (exactly one):\n"
    "  --create                      create --topic\n"
    "  --delete                      delete the topics --topic matches\n"
    "  --list                        list topic names (those --topic matches, if given)\n"
    "  --describe                    describe topics (those --topic matches, if given)\n"
    "  --alter                       raise the partition count of the topics --topic matches\n"
    "Options:\n"
    "  --bootstrap-server HOST:PORT  broker(s) to connect to (required)\n"
    "  --command-config FILE         client properties (Kafka's or librdkafka's names):\n"
    "                                security.protocol, sasl.mechanism, sasl.jaas.config,\n"
    "                                ssl.truststore.location, ssl.keystore.location, ...\n"
    "                                (e.g. security.protocol=ssl, ssl.ca.location=...)\n"
    "  --topic TOPIC                 topic name; a regular expression except with --create\n"
    "  --partitions N                partition count (--create, --alter)\n"
    "  --replication-factor R        replication factor (--create)\n"
    "  --replica-assignment LIST     broker ids per partition, e.g. 1:2,2:3,3:1\n"
    "                                (--create; --alter: the new partitions' entries are used)\n"
    "  --config KEY=VALUE            topic config override (--create; repeatable)\n"
    "  --if-exists                   no error when --topic matches nothing\n"
    "                                (--alter, --delete, --describe)\n"
    "  --if-not-exists               no error when the topic exists (--create)\n"
    "  --exclude-internal            leave out internal topics (--list, --describe)\n"
    "  --topics-with-overrides       only topics with config overrides (--describe)\n"
    "  --under-replicated-partitions only partitions whose ISR is smaller than the replica set\n"
    "  --unavailable-partitions      only partitions without a live leader\n"
    "  --under-min-isr-partitions    only partitions whose ISR is below min.insync.replicas\n"
    "  --at-min-isr-partitions       only partitions whose ISR equals min.insync.replicas\n"
    "  --help                        print this text\n"
    "Exit status: 0 done, 1 the operation failed, 2 bad usage.\n";

#define usage_error(...) kc_usage_error(usage_line, __VA_ARGS__)

static void free_opts(topics_opts *o)
{
    free(o->assignment);
    kc_strv_free(&o->config_keys);
    kc_strv_free(&o->config_values);
}

static bool is_internal(const char *topic)
{
    return strcmp(topic, "__consumer_offsets") == 0 || strcmp(topic, "__transaction_state") == 0;
}

/* "1:2,2:3" -> rows of broker ids, all of one length and without duplicates in a row (as
 * TopicCommand.parseReplicaAssignment requires). */
static int parse_assignment(topics_opts *o, const char *text)
{
    size_t rows = 1, cells = 1;
    for (const char *p = text; *p; p++) {
        rows += *p == ',';
        cells += *p == ',' || *p == ':';
    }
    o->assignment = calloc(cells, sizeof(*o->assignment));
    if (!o->assignment)
        abort();
    const char *p = text;
    size_t k = 0;
    for (size_t r = 0; r < rows; r++) {
        size_t in_row = 0;
        for (;;) {
            size_t len = strcspn(p, ",:");
            char *cell = kc_trim_dup(p, len);
            long id;
            int bad = kc_parse_int(cell, 0, INT32_MAX, &id);
            free(cell);
            if (bad)
                return usage_error("--replica-assignment %s: expected broker ids like 1:2,2:3",
                                   text);
            for (size_t j = k - in_row; j < k; j++)
                if (o->assignment[j] == (int32_t)id)
                    return usage_error("--replica-assignment %s: a partition lists a broker twice",
                                       text);
            o->assignment[k++] = (int32_t)id;
            in_row++;
            p += len;
            if (*p == ':') {
                p++;
                continue;
            }
            if (*p == ',')
                p++;
            break;
        }
        if (r == 0)
            o->assigned_rf = in_row;
        else if (in_row != o->assigned_rf)
            return usage_error("--replica-assignment %s: partitions have different replication "
                               "factors",
                               text);
    }
    o->n_assigned = rows;
    o->has_assignment = true;
    return 0;
}

static int add_config(topics_opts *o, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq)
        return usage_error("--config %s: expected KEY=VALUE", kv);
    char *key = kc_trim_dup(kv, (size_t)(eq - kv));
    char *value = kc_trim_dup(eq + 1, strlen(eq + 1));
    int rc = 0;
    if (!key[0]) {
        rc = usage_error("--config %s: empty key", kv);
    } else {
        for (size_t i = 0; i < o->config_keys.n; i++) {
            if (strcmp(o->config_keys.v[i], key) == 0) {
                free(o->config_values.v[i]);
                o->config_values.v[i] = value;
                value = NULL;
                break;
            }
        }
        if (value) {
            kc_strv_push(&o->config_keys, key, (size_t)-1);
            kc_strv_push(&o->config_values, value, (size_t)-1);
        }
    }
    free(key);
    free(value);
    return rc;
}

/* Returns -1 when the arguments are good, otherwise the exit code. */
static int parse_args(int argc, char **argv, topics_opts *o)
{
    static const struct {
        const char *name;
        enum action action;
    } actions[] = {{"--create", ACT_CREATE},
                   {"--delete", ACT_DELETE},
                   {"--list", ACT_LIST},
                   {"--describe", ACT_DESCRIBE},
                   {"--alter", ACT_ALTER}};
    const struct {
        const char *name;
        bool *flag;
    } flags[] = {{"--if-exists", &o->if_exists},
                 {"--if-not-exists", &o->if_not_exists},
                 {"--exclude-internal", &o->exclude_internal},
                 {"--topics-with-overrides", &o->report_overrides},
                 {"--under-replicated-partitions", &o->report_urp},
                 {"--unavailable-partitions", &o->report_unavailable},
                 {"--under-min-isr-partitions", &o->report_under_min_isr},
                 {"--at-min-isr-partitions", &o->report_at_min_isr}};
    o->partitions = o->rf = -1;
    const char *assignment = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        bool known = false;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return KC_EXIT_OK;
        }
        for (size_t k = 0; k < sizeof(actions) / sizeof(actions[0]); k++) {
            if (strcmp(a, actions[k].name) == 0) {
                o->action = actions[k].action;
                o->n_actions++;
                known = true;
            }
        }
        for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
            if (strcmp(a, flags[k].name) == 0) {
                *flags[k].flag = true;
                known = true;
            }
        }
        if (known)
            continue;
        int m;
        long n;
        if ((m = kc_opt_value(argc, argv, &i, "--bootstrap-server", &o->bootstrap)) ||
            (m = kc_opt_value(argc, argv, &i, "--command-config", &o->command_config)) ||
            (m = kc_opt_value(argc, argv, &i, "--topic", &o->topic)) ||
            (m = kc_opt_value(argc, argv, &i, "--replica-assignment", &assignment))) {
            if (m < 0)
                return usage_error("%s requires a value", a);
            continue;
        }
        if ((m = kc_opt_value(argc, argv, &i, "--partitions", &v)) != 0) {
            if (m < 0)
                return usage_error("%s requires a value", a);
            if (kc_parse_int(v, 1, INT32_MAX, &n) < 0)
                return usage_error("--partitions %s: expected a number of at least 1", v);
            o->partitions = n;
            continue;
        }
        if ((m = kc_opt_value(argc, argv, &i, "--replication-factor", &v)) != 0) {
            if (m < 0)
                return usage_error("%s requires a value", a);
            if (kc_parse_int(v, 1, INT16_MAX, &n) < 0)
                return usage_error("--replication-factor %s: expected a number from 1 to 32767", v);
            o->rf = n;
            continue;
        }
        if ((m = kc_opt_value(argc, argv, &i, "--config", &v)) != 0) {
            if (m < 0)
                return usage_error("%s requires a value", a);
            if (add_config(o, v) != 0)
                return KC_EXIT_USAGE;
            continue;
        }
        if (strcmp(a, "--zookeeper") == 0 || strncmp(a, "--zookeeper=", 12) == 0)
            return usage_error(
                "--zookeeper: cafka's tools talk to brokers only; use --bootstrap-server");
        return usage_error(a[0] == '-' ? "unknown option %s" : "unexpected argument %s", a);
    }

    if (o->n_actions != 1)
        return usage_error("%s", "Command must include exactly one action: --list, --describe, "
                                 "--create, --alter or --delete");
    if (!o->bootstrap)
        return usage_error("%s", "--bootstrap-server is required");
    if (!o->topic && o->action != ACT_LIST && o->action != ACT_DESCRIBE)
        return usage_error("%s", "--topic is required with --create, --alter and --delete");
    if (o->topic && !o->topic[0])
        return usage_error("%s", "--topic must not be empty");
    bool create = o->action == ACT_CREATE, alter = o->action == ACT_ALTER;
    bool describe = o->action == ACT_DESCRIBE;
    if (o->partitions >= 0 && !create && !alter)
        return usage_error("%s", "--partitions is only valid with --create and --alter");
    if (o->rf >= 0 && !create)
        return usage_error("%s", "--replication-factor is only valid with --create");
    if (assignment && !create && !alter)
        return usage_error("%s", "--replica-assignment is only valid with --create and --alter");
    if (o->config_keys.n && !create)
        return usage_error("%s", o->action == ACT_ALTER
                                     ? "--config cannot be used with --alter: use cafka configs "
                                       "--entity-type topics --alter --add-config"
                                     : "--config is only valid with --create");
    if (o->if_not_exists && !create)
        return usage_error("%s", "--if-not-exists is only valid with --create");
    if (o->if_exists && !alter && !describe && o->action != ACT_DELETE)
        return usage_error("%s", "--if-exists is only valid with --alter, --delete and --describe");
    if (o->exclude_internal && !describe && o->action != ACT_LIST)
        return usage_error("%s", "--exclude-internal is only valid with --list and --describe");
    int reports = o->report_overrides + o->report_urp + o->report_unavailable +
                  o->report_under_min_isr + o->report_at_min_isr;
    if (reports && !describe)
        return usage_error("%s", "the --*-partitions and --topics-with-overrides filters are "
                                 "only valid with --describe");
    if (reports > 1)
        return usage_error("%s", "use at most one of --topics-with-overrides, "
                                 "--under-replicated-partitions, --unavailable-partitions, "
                                 "--under-min-isr-partitions, --at-min-isr-partitions");
    if (alter && o->partitions < 0)
        return usage_error("%s", "--alter needs --partitions (the new partition count)");
    if (assignment) {
        if (create && (o->partitions >= 0 || o->rf >= 0))
            return usage_error("%s", "--replica-assignment cannot be used with --partitions or "
                                     "--replication-factor");
        if (parse_assignment(o, assignment) != 0)
            return KC_EXIT_USAGE;
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------ */

static const rd_kafka_metadata_topic_t *md_topic(const rd_kafka_metadata_t *md, const char *name)
{
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, name) == 0)
            return &md->topics[i];
    return NULL;
}

/* The sorted names of the topics in the metadata that --topic (a regex, as Kafka's
 * TopicFilter.IncludeList) matches, all when no --topic. */
static int select_topics(const kc_admin *a, const topics_opts *o, kc_strv *out)
{
    regex_t re;
    if (o->topic) {
        /* Kafka: trim, ',' means '|', spaces and surrounding quotes dropped, whole-name match. */
        size_t n = strlen(o->topic);
        char *pattern = malloc(n + 5), *w = pattern;
        if (!pattern)
            abort();
        const char *s = o->topic, *e = o->topic + n;
        while (s < e && (*s == '"' || *s == '\'' || *s == ' '))
            s++;
        while (e > s && (e[-1] == '"' || e[-1] == '\'' || e[-1] == ' '))
            e--;
        *w++ = '^';
        *w++ = '(';
        for (; s < e; s++)
            if (*s != ' ')
                *w++ = *s == ',' ? '|' : *s;
        *w++ = ')';
        *w++ = '$';
        *w = '\0';
        int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
        free(pattern);
        if (rc != 0) {
            char msg[512];
            snprintf(msg, sizeof(msg), "%s is an invalid regex.", o->topic);
            kc_print_error(CONTEXT, msg);
            return -1;
        }
    }
    for (int i = 0; i < a->md->topic_cnt; i++) {
        const char *t = a->md->topics[i].topic;
        if (o->exclude_internal && is_internal(t))
            continue;
        if (o->topic && regexec(&re, t, 0, NULL, 0) != 0)
            continue;
        if (!kc_strv_contains(out, t))
            kc_strv_push(out, t, (size_t)-1);
    }
    if (o->topic)
        regfree(&re);
    kc_strv_sort(out);
    return 0;
}

/* TopicCommand.ensureTopicExists. */
static int ensure_matched(const topics_opts *o, const kc_strv *topics)
{
    if (topics->n || !o->topic || o->if_exists)
        return 0;
    char msg[512];
    snprintf(msg, sizeof(msg), "Topic '%s' does not exist as expected", o->topic);
    kc_print_error(CONTEXT, msg);
    return -1;
}

/* Prints the first error among per-topic results and returns -1; 0 when there is none. With
 * @p ignore_exists, TOPIC_ALREADY_EXISTS is not an error (--if-not-exists). */
static int check_topic_results(const rd_kafka_topic_result_t **res, size_t n, bool ignore_exists)
{
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR ||
            (ignore_exists && e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS))
            continue;
        const char *why = rd_kafka_topic_result_error_string(res[i]);
        kc_print_error(CONTEXT, why ? why : rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

static int cmd_create(kc_admin *a, const topics_opts *o)
{
    char why[512];
    if (strchr(o->topic, '.') || strchr(o->topic, '_'))
        puts("WARNING: Due to limitations in metric names, topics with a period ('.') or "
             "underscore ('_') could collide. To avoid issues it is best to use either, but not "
             "both.");
    rd_kafka_NewTopic_t *nt =
        rd_kafka_NewTopic_new(o->topic, o->has_assignment ? (int)o->n_assigned : (int)o->partitions,
                              o->has_assignment ? -1 : (int)o->rf, why, sizeof(why));
    if (!nt) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    for (size_t p = 0; o->has_assignment && p < o->n_assigned; p++) {
        if (rd_kafka_NewTopic_set_replica_assignment(nt, (int32_t)p,
                                                     o->assignment + p * o->assigned_rf,
                                                     o->assigned_rf, why, sizeof(why))) {
            kc_print_error(CONTEXT, why);
            rd_kafka_NewTopic_destroy(nt);
            return -1;
        }
    }
    for (size_t i = 0; i < o->config_keys.n; i++)
        rd_kafka_NewTopic_set_config(nt, o->config_keys.v[i], o->config_values.v[i]);

    rd_kafka_AdminOptions_t *opt = kc_admin_options(a, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_CreateTopics(a->rk, &nt, 1, opt, a->queue);
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_NewTopic_destroy(nt);

    rd_kafka_event_t *ev = kc_admin_wait(a, why, sizeof(why));
    if (!ev) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    size_t n = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    int rc = check_topic_results(res, n, o->if_not_exists);
    if (rc == 0 && n != 1) {
        kc_print_error(CONTEXT, "CreateTopics answered no result for the topic");
        rc = -1;
    }
    if (rc == 0 && rd_kafka_topic_result_error(res[0]) == RD_KAFKA_RESP_ERR_NO_ERROR)
        printf("Created topic %s.\n", o->topic);
    rd_kafka_event_destroy(ev);
    return rc;
}

static int cmd_delete(kc_admin *a, const kc_strv *topics)
{
    if (!topics->n)
        return 0;
    rd_kafka_DeleteTopic_t **dt = calloc(topics->n, sizeof(*dt));
    if (!dt)
        abort();
    for (size_t i = 0; i < topics->n; i++)
        dt[i] = rd_kafka_DeleteTopic_new(topics->v[i]);
    rd_kafka_AdminOptions_t *opt = kc_admin_options(a, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_DeleteTopics(a->rk, dt, topics->n, opt, a->queue);
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_DeleteTopic_destroy_array(dt, topics->n);
    free(dt);

    char why[512];
    rd_kafka_event_t *ev = kc_admin_wait(a, why, sizeof(why));
    if (!ev) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    size_t n = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    int rc = check_topic_results(res, n, false);
    rd_kafka_event_destroy(ev);
    return rc;
}

static int cmd_alter(kc_admin *a, const topics_opts *o, const kc_strv *topics)
{
    if (!topics->n)
        return 0;
    char why[512];
    rd_kafka_NewPartitions_t **np = calloc(topics->n, sizeof(*np));
    if (!np)
        abort();
    int rc = 0;
    for (size_t i = 0; i < topics->n && rc == 0; i++) {
        np[i] = rd_kafka_NewPartitions_new(topics->v[i], (size_t)o->partitions, why, sizeof(why));
        if (!np[i]) {
            rc = -1;
            break;
        }
        /* As TopicCommand: the assignment lists every partition; the existing ones are
         * skipped. */
        const rd_kafka_metadata_topic_t *mt = md_topic(a->md, topics->v[i]);
        size_t start = mt ? (size_t)mt->partition_cnt : 0;
        for (size_t p = start; o->has_assignment && p < o->n_assigned; p++) {
            if (rd_kafka_NewPartitions_set_replica_assignment(np[i], (int32_t)(p - start),
                                                              o->assignment + p * o->assigned_rf,
                                                              o->assigned_rf, why, sizeof(why))) {
                rc = -1;
                break;
            }
        }
    }
    if (rc == 0) {
        rd_kafka_AdminOptions_t *opt = kc_admin_options(a, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS);
        rd_kafka_CreatePartitions(a->rk, np, topics->n, opt, a->queue);
        rd_kafka_AdminOptions_destroy(opt);
    } else {
        kc_print_error(CONTEXT, why);
    }
    for (size_t i = 0; i < topics->n; i++)
        if (np[i])
            rd_kafka_NewPartitions_destroy(np[i]);
    free(np);
    if (rc != 0)
        return rc;

    rd_kafka_event_t *ev = kc_admin_wait(a, why, sizeof(why));
    if (!ev) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    size_t n = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(ev), &n);
    rc = check_topic_results(res, n, false);
    rd_kafka_event_destroy(ev);
    return rc;
}

static void print_ids(const int32_t *ids, int n)
{
    for (int i = 0; i < n; i++)
        printf(i ? ",%d" : "%d", (int)ids[i]);
}

static int cmp_partition(const void *x, const void *y)
{
    const rd_kafka_metadata_partition_t *a = *(const rd_kafka_metadata_partition_t *const *)x;
    const rd_kafka_metadata_partition_t *b = *(const rd_kafka_metadata_partition_t *const *)y;
    return (a->id > b->id) - (a->id < b->id);
}

static bool broker_live(const rd_kafka_metadata_t *md, int32_t id)
{
    for (int i = 0; i < md->broker_cnt; i++)
        if (md->brokers[i].id == id)
            return true;
    return false;
}

/* Whether TopicCommand's DescribeOptions would print this partition. */
static bool print_partition(const topics_opts *o, const rd_kafka_metadata_t *md,
                            const rd_kafka_metadata_partition_t *p, long min_isr)
{
    bool describe_configs = !o->report_urp && !o->report_unavailable && !o->report_under_min_isr &&
                            !o->report_at_min_isr;
    bool has_leader = p->leader >= 0;
    return describe_configs || (o->report_urp && p->isr_cnt < p->replica_cnt) ||
           (o->report_unavailable && (!has_leader || !broker_live(md, p->leader))) ||
           (o->report_under_min_isr && (!has_leader || (min_isr >= 0 && p->isr_cnt < min_isr))) ||
           (o->report_at_min_isr && min_isr >= 0 && p->isr_cnt == min_isr);
}

static void describe_one(const kc_admin *a, const topics_opts *o, const char *name,
                         const rd_kafka_ConfigResource_t *res)
{
    const rd_kafka_metadata_topic_t *mt = md_topic(a->md, name);
    int np = mt ? mt->partition_cnt : 0;
    const rd_kafka_metadata_partition_t **parts = calloc(np ? (size_t)np : 1, sizeof(*parts));
    if (!parts)
        abort();
    for (int i = 0; i < np; i++)
        parts[i] = &mt->partitions[i];
    qsort(parts, (size_t)np, sizeof(*parts), cmp_partition);

    size_t n_entries = 0;
    const rd_kafka_ConfigEntry_t **entries = rd_kafka_ConfigResource_configs(res, &n_entries);
    bool has_overrides = false;
    for (size_t i = 0; i < n_entries; i++)
        has_overrides |=
            rd_kafka_ConfigEntry_source(entries[i]) == RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
    long min_isr = -1;
    const rd_kafka_ConfigEntry_t *mi = kc_config_find(res, "min.insync.replicas");
    if (mi && rd_kafka_ConfigEntry_value(mi) &&
        kc_parse_int(rd_kafka_ConfigEntry_value(mi), 0, INT32_MAX, &min_isr) < 0)
        min_isr = -1;

    bool describe_configs = !o->report_urp && !o->report_unavailable && !o->report_under_min_isr &&
                            !o->report_at_min_isr;
    if (describe_configs && (!o->report_overrides || has_overrides)) {
        printf("Topic: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: ", name, np,
               np ? parts[0]->replica_cnt : 0);
        bool first = true;
        for (size_t i = 0; i < n_entries; i++) {
            if (rd_kafka_ConfigEntry_source(entries[i]) !=
                RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG)
                continue;
            const char *v = rd_kafka_ConfigEntry_value(entries[i]);
            printf("%s%s=%s", first ? "" : ",", rd_kafka_ConfigEntry_name(entries[i]),
                   v ? v : "null");
            first = false;
        }
        putchar('\n');
    }
    if (!o->report_overrides) {
        for (int i = 0; i < np; i++) {
            const rd_kafka_metadata_partition_t *p = parts[i];
            if (!print_partition(o, a->md, p, min_isr))
                continue;
            printf("\tTopic: %s\tPartition: %d\tLeader: ", name, (int)p->id);
            /* Kafka's admin client knows a leader only as one of Metadata's brokers: a leader
             * id that is not among them prints as none, as kafka-topics.sh does */
            if (p->leader >= 0 && broker_live(a->md, p->leader))
                printf("%d", (int)p->leader);
            else
                fputs("none", stdout);
            fputs("\tReplicas: ", stdout);
            print_ids(p->replicas, p->replica_cnt);
            fputs("\tIsr: ", stdout);
            print_ids(p->isrs, p->isr_cnt);
            putchar('\n');
        }
    }
    free(parts);
}

static int cmd_describe(kc_admin *a, const topics_opts *o, const kc_strv *topics)
{
    if (!topics->n)
        return 0;
    kc_configs cfg;
    char why[512];
    if (kc_admin_describe_configs(a, RD_KAFKA_RESOURCE_TOPIC, topics->v, topics->n, &cfg, why,
                                  sizeof(why)) < 0) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    for (size_t i = 0; i < topics->n; i++)
        describe_one(a, o, topics->v[i], cfg.res[i]);
    kc_configs_free(&cfg);
    return 0;
}

int kc_cli_topics(int argc, char **argv)
{
    topics_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) {
        free_opts(&o);
        return rc;
    }
    kc_admin a;
    char why[1024];
    if (kc_admin_open(&a, o.bootstrap, o.command_config, o.action != ACT_CREATE, why, sizeof(why)) <
        0) {
        kc_print_error(CONTEXT, why);
        free_opts(&o);
        return KC_EXIT_ERROR;
    }
    kc_strv topics = {0};
    if (o.action == ACT_CREATE) {
        rc = cmd_create(&a, &o);
    } else if ((rc = select_topics(&a, &o, &topics)) == 0) {
        switch (o.action) {
        case ACT_LIST:
            for (size_t i = 0; i < topics.n; i++)
                puts(topics.v[i]);
            break;
        case ACT_DESCRIBE:
            rc = ensure_matched(&o, &topics) ? -1 : cmd_describe(&a, &o, &topics);
            break;
        case ACT_DELETE:
            rc = ensure_matched(&o, &topics) ? -1 : cmd_delete(&a, &topics);
            break;
        case ACT_ALTER:
            rc = ensure_matched(&o, &topics) ? -1 : cmd_alter(&a, &o, &topics);
            break;
        default:
            break;
        }
    }
    fflush(stdout);
    kc_strv_free(&topics);
    kc_admin_close(&a);
    free_opts(&o);
    return rc == 0 ? KC_EXIT_OK : KC_EXIT_ERROR;
}
