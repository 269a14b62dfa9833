/*
 * `cafka configs`, Kafka's kafka-configs.sh (ConfigCommand, --bootstrap-server mode) for the
 * entity types `topics` and `brokers` on librdkafka's admin API.
 *
 * --describe prints the entity's dynamic configs (source DYNAMIC_TOPIC_CONFIG for a topic,
 * DYNAMIC_BROKER_CONFIG for a broker; every config with --all) with their synonyms, as
 * kafka-configs.sh does. Without --entity-name it describes every topic, or every broker in
 * the metadata.
 *
 * --alter: librdkafka 2.0.2 has only the non-incremental AlterConfigs, which replaces the
 * entity's whole set of dynamic configs. So this does what kafka-configs.sh did before
 * IncrementalAlterConfigs: DescribeConfigs, keep the current dynamic configs, apply
 * --add-config and --delete-config, send the full set with AlterConfigs. Deleting a key that
 * is not set fails ("Invalid config(s): ..."), as does a sensitive current value the broker
 * does not disclose unless the command sets it again. The read-modify-write is not atomic: a
 * change made by someone else between the two requests is lost (as with the old tool).
 *
 * Bad arguments are usage errors (exit 2); broker and connection failures are exit 1 with one
 * `Error: while executing config command : ...` line.
 */
#include "cli/admin_configs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin_common.h"

#define CONTEXT "while executing config command : "

typedef struct configs_opts {
    const char *bootstrap;
    const char *command_config;
    const char *entity_type;
    const char *entity_name;
    rd_kafka_ResourceType_t type;
    bool describe, alter, all;
    kc_strv add_keys, add_values; /* --add-config, later duplicates replace earlier ones */
    kc_strv delete_keys;          /* --delete-config */
} configs_opts;

#define USAGE_LINE                                                                                 \
    "usage: cafka configs --bootstrap-server HOST:PORT --entity-type topics|brokers\n"             \
    "                     [--entity-name NAME] (--describe [--all] | --alter\n"                    \
    "                     [--add-config K=V[,K=V...]] [--delete-config K[,K...]])\n"
static const char usage_line[] = USAGE_LINE "`cafka configs --help` describes the options.\n";
static const char usage_text[] = USAGE_LINE
    "Describe or change the dynamic configuration of a topic or broker (as kafka-configs.sh).\n"
    "  --bootstrap-server HOST:PORT  broker(s) to connect to (required)\n"
    "  --command-config FILE         librdkafka client properties, key=value per line\n"
    "  --entity-type TYPE            topics or brokers (required)\n"
    "  --entity-name NAME            topic name or broker id (required with --alter;\n"
    "                                --describe without it describes all)\n"
    "  --describe                    print the dynamic configs (all configs with --all)\n"
    "  --alter                       change the dynamic configs\n"
    "  --add-config K=V,...          configs to set; a value with commas goes in [brackets]\n"
    "  --delete-config K,...         configs to remove (each must be set)\n"
    "  --help                        print this text\n"
    "Exit status: 0 done, 1 the operation failed, 2 bad usage.\n";

#define usage_error(...) kc_usage_error(usage_line, __VA_ARGS__)

static void free_opts(configs_opts *o)
{
    kc_strv_free(&o->add_keys);
    kc_strv_free(&o->add_values);
    kc_strv_free(&o->delete_keys);
}

/* One K=V of --add-config; the value loses its [ and ] (Kafka's list syntax) and outer
 * spaces. */
static int add_one(configs_opts *o, const char *kv, size_t len)
{
    const char *eq = memchr(kv, '=', len);
    if (!eq)
        return usage_error("--add-config: '%.*s' is not KEY=VALUE", (int)len, kv);
    char *key = kc_trim_dup(kv, (size_t)(eq - kv));
    if (!key[0]) {
        free(key);
        return usage_error("--add-config: '%.*s' has an empty key", (int)len, kv);
    }
    size_t vlen = len - (size_t)(eq + 1 - kv), w = 0;
    char *raw = malloc(vlen + 1);
    if (!raw)
        abort();
    for (size_t i = 0; i < vlen; i++)
        if (eq[1 + i] != '[' && eq[1 + i] != ']')
            raw[w++] = eq[1 + i];
    char *value = kc_trim_dup(raw, w);
    free(raw);
    for (size_t i = 0; i < o->add_keys.n; i++) {
        if (strcmp(o->add_keys.v[i], key) == 0) {
            free(o->add_values.v[i]);
            o->add_values.v[i] = value;
            free(key);
            return 0;
        }
    }
    kc_strv_push(&o->add_keys, key, (size_t)-1);
    kc_strv_push(&o->add_values, value, (size_t)-1);
    free(key);
    free(value);
    return 0;
}

/* K=V,K=[a,b],... : commas inside brackets belong to the value. */
static int parse_add(configs_opts *o, const char *text)
{
    const char *start = text;
    int depth = 0;
    for (const char *p = text;; p++) {
        if (*p == '[')
            depth++;
        else if (*p == ']' && depth > 0)
            depth--;
        if (*p == '\0' || (*p == ',' && depth == 0)) {
            if (add_one(o, start, (size_t)(p - start)) != 0)
                return -1;
            if (*p == '\0')
                return 0;
            start = p + 1;
        }
    }
}

static int parse_delete(configs_opts *o, const char *text)
{
    for (const char *p = text;;) {
        size_t len = strcspn(p, ",");
        char *key = kc_trim_dup(p, len);
        if (!key[0]) {
            free(key);
            return usage_error("--delete-config %s: empty key", text);
        }
        if (!kc_strv_contains(&o->delete_keys, key))
            kc_strv_push(&o->delete_keys, key, (size_t)-1);
        free(key);
        p += len;
        if (!*p)
            return 0;
        p++;
    }
}

/* Returns -1 when the arguments are good, otherwise the exit code. */
static int parse_args(int argc, char **argv, configs_opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return KC_EXIT_OK;
        }
        if (strcmp(a, "--describe") == 0) {
            o->describe = true;
            continue;
        }
        if (strcmp(a, "--alter") == 0) {
            o->alter = true;
            continue;
        }
        if (strcmp(a, "--all") == 0) {
            o->all = true;
            continue;
        }
        int m;
        if ((m = kc_opt_value(argc, argv, &i, "--bootstrap-server", &o->bootstrap)) ||
            (m = kc_opt_value(argc, argv, &i, "--command-config", &o->command_config)) ||
            (m = kc_opt_value(argc, argv, &i, "--entity-type", &o->entity_type)) ||
            (m = kc_opt_value(argc, argv, &i, "--entity-name", &o->entity_name))) {
            if (m < 0)
                return usage_error("%s requires a value", a);
            continue;
        }
        if ((m = kc_opt_value(argc, argv, &i, "--add-config", &v)) != 0) {
            if (m < 0)
                return usage_error("%s requires a value", a);
            if (parse_add(o, v) != 0)
                return KC_EXIT_USAGE;
            continue;
        }
        if ((m = kc_opt_value(argc, argv, &i, "--delete-config", &v)) != 0) {
            if (m < 0)
                return usage_error("%s requires a value", a);
            if (parse_delete(o, v) != 0)
                return KC_EXIT_USAGE;
            continue;
        }
        if (strcmp(a, "--zookeeper") == 0 || strncmp(a, "--zookeeper=", 12) == 0)
            return usage_error(
                "--zookeeper: cafka's tools talk to brokers only; use --bootstrap-server");
        return usage_error(a[0] == '-' ? "unknown option %s" : "unexpected argument %s", a);
    }

    if (o->describe == o->alter)
        return usage_error("Command must include exactly one action: --describe, --alter");
    if (!o->bootstrap)
        return usage_error("--bootstrap-server is required");
    if (!o->entity_type)
        return usage_error("--entity-type is required");
    if (strcmp(o->entity_type, "topics") == 0)
        o->type = RD_KAFKA_RESOURCE_TOPIC;
    else if (strcmp(o->entity_type, "brokers") == 0)
        o->type = RD_KAFKA_RESOURCE_BROKER;
    else
        return usage_error("--entity-type %s: cafka supports topics and brokers", o->entity_type);
    if (o->entity_name && !o->entity_name[0])
        return usage_error("--entity-name must not be empty");
    long id;
    if (o->entity_name && o->type == RD_KAFKA_RESOURCE_BROKER &&
        kc_parse_int(o->entity_name, 0, INT32_MAX, &id) < 0)
        return usage_error("The entity name for brokers must be a valid integer broker id, "
                           "found: %s",
                           o->entity_name);
    if (o->all && !o->describe)
        return usage_error("--all is only valid with --describe");
    if ((o->add_keys.n || o->delete_keys.n) && !o->alter)
        return usage_error("--add-config and --delete-config are only valid with --alter");
    if (o->alter) {
        if (!o->entity_name)
            return usage_error("An entity name must be specified with --alter of %s",
                               o->entity_type);
        if (!o->add_keys.n && !o->delete_keys.n)
            return usage_error("At least one of --add-config or --delete-config must be "
                               "specified with --alter");
        for (size_t i = 0; i < o->add_keys.n; i++)
            if (kc_strv_contains(&o->delete_keys, o->add_keys.v[i]))
                return usage_error("%s is both in --add-config and in --delete-config",
                                   o->add_keys.v[i]);
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------ */

static rd_kafka_ConfigSource_t dynamic_source(const configs_opts *o)
{
    return o->type == RD_KAFKA_RESOURCE_TOPIC ? RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG
                                              : RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG;
}

/* "topics" -> "topic", as ConfigCommand's entityType.dropRight(1). */
static const char *entity_word(const configs_opts *o)
{
    return o->type == RD_KAFKA_RESOURCE_TOPIC ? "topic" : "broker";
}

static const char *or_null(const char *s)
{
    return s ? s : "null";
}

/* A broker resource goes to that broker: one missing from the metadata (not running) would
 * only make librdkafka wait for it until the request times out. */
static int check_broker_live(const kc_admin *a, const configs_opts *o, const char *name)
{
    if (o->type != RD_KAFKA_RESOURCE_BROKER)
        return 0;
    long id = -1;
    kc_parse_int(name, 0, INT32_MAX, &id);
    char msg[512];
    int w =
        snprintf(msg, sizeof(msg), "Broker %s is not a live broker of the cluster (live:", name);
    for (int i = 0; i < a->md->broker_cnt; i++) {
        if (a->md->brokers[i].id == id)
            return 0;
        if (w > 0 && (size_t)w < sizeof(msg))
            w += snprintf(msg + w, sizeof(msg) - (size_t)w, " %d", (int)a->md->brokers[i].id);
    }
    if (w > 0 && (size_t)w < sizeof(msg))
        snprintf(msg + w, sizeof(msg) - (size_t)w, ")");
    kc_print_error(CONTEXT, msg);
    return -1;
}

static int describe_one(kc_admin *a, const configs_opts *o, char *name)
{
    kc_configs cfg;
    char why[512];
    if (check_broker_live(a, o, name) < 0)
        return -1;
    if (kc_admin_describe_configs(a, o->type, &name, 1, &cfg, why, sizeof(why)) < 0) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    printf("%s configs for %s %s are:\n", o->all ? "All" : "Dynamic", entity_word(o), name);
    size_t n = 0;
    const rd_kafka_ConfigEntry_t **e = rd_kafka_ConfigResource_configs(cfg.res[0], &n);
    for (size_t i = 0; i < n; i++) {
        if (!o->all && rd_kafka_ConfigEntry_source(e[i]) != dynamic_source(o))
            continue;
        printf("  %s=%s sensitive=%s synonyms={", rd_kafka_ConfigEntry_name(e[i]),
               or_null(rd_kafka_ConfigEntry_value(e[i])),
               rd_kafka_ConfigEntry_is_sensitive(e[i]) ? "true" : "false");
        size_t ns = 0;
        const rd_kafka_ConfigEntry_t **syn = rd_kafka_ConfigEntry_synonyms(e[i], &ns);
        for (size_t j = 0; j < ns; j++)
            printf("%s%s:%s=%s", j ? ", " : "",
                   rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(syn[j])),
                   rd_kafka_ConfigEntry_name(syn[j]), or_null(rd_kafka_ConfigEntry_value(syn[j])));
        puts("}");
    }
    kc_configs_free(&cfg);
    return 0;
}

static int cmp_id(const void *x, const void *y)
{
    int32_t a = *(const int32_t *)x, b = *(const int32_t *)y;
    return (a > b) - (a < b);
}

static int cmd_describe(kc_admin *a, const configs_opts *o)
{
    kc_strv names = {0};
    if (o->entity_name) {
        kc_strv_push(&names, o->entity_name, (size_t)-1);
    } else if (o->type == RD_KAFKA_RESOURCE_TOPIC) {
        for (int i = 0; i < a->md->topic_cnt; i++)
            kc_strv_push(&names, a->md->topics[i].topic, (size_t)-1);
        kc_strv_sort(&names);
    } else {
        int32_t *ids = calloc((size_t)a->md->broker_cnt + 1, sizeof(*ids));
        if (!ids)
            abort();
        for (int i = 0; i < a->md->broker_cnt; i++)
            ids[i] = a->md->brokers[i].id;
        qsort(ids, (size_t)a->md->broker_cnt, sizeof(*ids), cmp_id);
        for (int i = 0; i < a->md->broker_cnt; i++) {
            char buf[16];
            snprintf(buf, sizeof(buf), "%d", (int)ids[i]);
            kc_strv_push(&names, buf, (size_t)-1);
        }
        free(ids);
    }
    int rc = 0;
    for (size_t i = 0; i < names.n && rc == 0; i++)
        rc = describe_one(a, o, names.v[i]);
    kc_strv_free(&names);
    return rc;
}

static int cmd_alter(kc_admin *a, const configs_opts *o)
{
    char why[1024];
    kc_configs cur;
    char *name = (char *)o->entity_name;
    if (check_broker_live(a, o, name) < 0)
        return -1;
    if (kc_admin_describe_configs(a, o->type, &name, 1, &cur, why, sizeof(why)) < 0) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    size_t n = 0;
    const rd_kafka_ConfigEntry_t **e = rd_kafka_ConfigResource_configs(cur.res[0], &n);
    kc_strv keys = {0}, missing = {0};
    /* The dynamic entries now set, indexed like keys; values may be NULL (sensitive). */
    const char **values = calloc(n + 1, sizeof(*values));
    if (!values)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (rd_kafka_ConfigEntry_source(e[i]) != dynamic_source(o))
            continue;
        values[keys.n] = rd_kafka_ConfigEntry_value(e[i]);
        kc_strv_push(&keys, rd_kafka_ConfigEntry_name(e[i]), (size_t)-1);
    }
    for (size_t i = 0; i < o->delete_keys.n; i++)
        if (!kc_strv_contains(&keys, o->delete_keys.v[i]))
            kc_strv_push(&missing, o->delete_keys.v[i], (size_t)-1);

    int rc = 0;
    if (missing.n) {
        snprintf(why, sizeof(why), "Invalid config(s): ");
        for (size_t i = 0; i < missing.n; i++)
            snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", i ? "," : "",
                     missing.v[i]);
        kc_print_error(CONTEXT, why);
        rc = -1;
    }

    rd_kafka_ConfigResource_t *res = NULL;
    if (rc == 0) {
        res = rd_kafka_ConfigResource_new(o->type, o->entity_name);
        kc_strv hidden = {0};
        for (size_t i = 0; i < keys.n; i++) {
            if (kc_strv_contains(&o->delete_keys, keys.v[i]) ||
                kc_strv_contains(&o->add_keys, keys.v[i]))
                continue;
            if (!values[i])
                kc_strv_push(&hidden, keys.v[i], (size_t)-1);
            else
                rd_kafka_ConfigResource_set_config(res, keys.v[i], values[i]);
        }
        for (size_t i = 0; i < o->add_keys.n; i++)
            rd_kafka_ConfigResource_set_config(res, o->add_keys.v[i], o->add_values.v[i]);
        if (hidden.n) {
            snprintf(why, sizeof(why),
                     "All sensitive %s config entries must be specified for --alter, missing "
                     "entries: ",
                     entity_word(o));
            for (size_t i = 0; i < hidden.n; i++)
                snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s%s", i ? "," : "",
                         hidden.v[i]);
            kc_print_error(CONTEXT, why);
            rc = -1;
        }
        kc_strv_free(&hidden);
    }
    free(values);
    kc_strv_free(&keys);
    kc_strv_free(&missing);
    kc_configs_free(&cur);

    if (rc == 0) {
        rd_kafka_AdminOptions_t *opt = kc_admin_options(a, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
        rd_kafka_AlterConfigs(a->rk, &res, 1, opt, a->queue);
        rd_kafka_AdminOptions_destroy(opt);
        rd_kafka_event_t *ev = kc_admin_wait(a, why, sizeof(why));
        if (!ev) {
            kc_print_error(CONTEXT, why);
            rc = -1;
        } else {
            size_t cnt = 0;
            const rd_kafka_ConfigResource_t **got = rd_kafka_AlterConfigs_result_resources(
                rd_kafka_event_AlterConfigs_result(ev), &cnt);
            for (size_t i = 0; i < cnt && rc == 0; i++) {
                rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(got[i]);
                if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                    continue;
                const char *msg = rd_kafka_ConfigResource_error_string(got[i]);
                kc_print_error(CONTEXT, msg ? msg : rd_kafka_err2str(err));
                rc = -1;
            }
            if (rc == 0 && cnt == 0) {
                kc_print_error(CONTEXT, "AlterConfigs answered no resource");
                rc = -1;
            }
            rd_kafka_event_destroy(ev);
        }
    }
    if (res)
        rd_kafka_ConfigResource_destroy(res);
    if (rc == 0)
        printf("Completed updating config for %s %s.\n", entity_word(o), o->entity_name);
    return rc;
}

int kc_cli_configs(int argc, char **argv)
{
    configs_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) {
        free_opts(&o);
        return rc;
    }
    kc_admin a;
    char why[1024];
    bool all_topics = o.type == RD_KAFKA_RESOURCE_TOPIC && !o.entity_name;
    if (kc_admin_open(&a, o.bootstrap, o.command_config, all_topics, why, sizeof(why)) < 0) {
        kc_print_error(CONTEXT, why);
        free_opts(&o);
        return KC_EXIT_ERROR;
    }
    rc = o.describe ? cmd_describe(&a, &o) : cmd_alter(&a, &o);
    fflush(stdout);
    kc_admin_close(&a);
    free_opts(&o);
    return rc == 0 ? KC_EXIT_OK : KC_EXIT_ERROR;
}
