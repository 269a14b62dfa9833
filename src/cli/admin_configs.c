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
 * `--entity-type users` (or `--user NAME`) manages SCRAM credentials, as kafka-configs.sh does
 * with --bootstrap-server (ConfigCommand.alterUserScramCredentialConfigs and
 * describeClientQuotaAndUserScramCredentialConfigs). librdkafka 2.0.2 has no API for them, so
 * they go through cli/wire_client.h: DescribeUserScramCredentials v0 to the bootstrap broker,
 * AlterUserScramCredentials v0 to the controller (found with Metadata; NOT_CONTROLLER answers
 * are retried against the new controller until KC_ADMIN_OP_TIMEOUT_MS).
 *  - `--add-config
 * 'SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=x]'`: each value
 * must match `(?:iterations=(-?[0-9]*),)?password=(.*)`; missing or -1 iterations mean 4096; fewer
 * than 4096 fail here, more than 16384 are refused by the broker ("Too many iterations"). The salt
 * is Kafka's own: 130 random bits written in base 36, sent as those ASCII bytes
 * (UserScramCredentialUpsertion), and the CLI sends SaltedPassword = Hi(password, salt,
 * iterations); the password itself never leaves the CLI.
 *  - `--delete-config SCRAM-SHA-256[,SCRAM-SHA-512]`; adding and deleting go in one request.
 *  - On success `Completed updating config for user alice.`; a per-user error from the broker is
 *    `Error: while executing config command : <the broker's message>` and exit 1.
 *  - `--describe [--entity-name alice]` (every user with SCRAM credentials without a name)
 *    prints `SCRAM credential configs for user-principal 'alice' are
 *    SCRAM-SHA-256=iterations=8192, SCRAM-SHA-512=iterations=4096`. A per-user error prints
 *    Kafka's line `Error retrieving SCRAM credential configs for user-principal 'alice':
 *    ExecutionException: org.apache.kafka.common.errors.<Exception>: <message>` on stderr
 *    (Kafka prints it on stdout and exits 0; cafka exits 1, so scripts notice).
 *  - Quota configs (producer_byte_rate, ...) are not supported; other keys are refused with
 *    Kafka's message.
 * No password is ever printed: an invalid credential value is reported without it.
 *
 * Bad arguments are usage errors (exit 2); broker and connection failures, and values Kafka's
 * tool refuses before sending (a SCRAM value that does not parse, too few iterations), are exit 1
 * with one `Error: while executing config command : ...` line.
 */
#include "cli/admin_configs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctype.h>
#include <errno.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cli/admin_common.h"
#include "cli/wire_client.h"
#include "common/arena.h"
#include "kc_apis.h"
#include "security/scram.h"

#define CONTEXT "while executing config command : "

/* Entity types: ConfigType.TOPIC, BROKER, USER. */
enum { ENT_TOPICS, ENT_BROKERS, ENT_USERS };

typedef struct configs_opts {
    const char *bootstrap;
    const char *command_config;
    const char *entity_type;
    const char *entity_name;
    const char *flag_name; /* --topic / --broker / --user NAME */
    const char *flag_type; /* the entity type that flag names */
    int kind;              /* ENT_* */
    rd_kafka_ResourceType_t type;
    bool describe, alter, all;
    kc_strv add_keys, add_values; /* --add-config, later duplicates replace earlier ones */
    kc_strv delete_keys;          /* --delete-config */
} configs_opts;

#define USAGE_LINE                                                                                 \
    "usage: cafka configs --bootstrap-server HOST:PORT --entity-type topics|brokers|users\n"       \
    "                     [--entity-name NAME] (--describe [--all] | --alter\n"                    \
    "                     [--add-config K=V[,K=V...]] [--delete-config K[,K...]])\n"
static const char usage_line[] = USAGE_LINE "`cafka configs --help` describes the options.\n";
static const char usage_text[] = USAGE_LINE
    "Describe or change the dynamic configuration of a topic or broker, or the SCRAM\n"
    "credentials of a user (as kafka-configs.sh).\n"
    "  --bootstrap-server HOST:PORT  broker(s) to connect to (required)\n"
    "  --command-config FILE         client properties (Kafka's or librdkafka's names):\n"
    "                                security.protocol, sasl.mechanism, sasl.jaas.config,\n"
    "                                ssl.truststore.location, ssl.keystore.location, ...\n"
    "  --entity-type TYPE            topics, brokers or users (required)\n"
    "  --entity-name NAME            topic name, broker id or user name (required with\n"
    "                                --alter; --describe without it describes all)\n"
    "  --topic T | --broker ID | --user U   the same as --entity-type/--entity-name\n"
    "  --describe                    print the dynamic configs (all configs with --all)\n"
    "  --alter                       change the dynamic configs\n"
    "  --add-config K=V,...          configs to set; a value with commas goes in [brackets];\n"
    "                                users: SCRAM-SHA-256=[iterations=8192,password=P],\n"
    "                                SCRAM-SHA-512=[password=P] (iterations 4096 by default)\n"
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
    /* ConfigCommand splits on every '=' outside [brackets] and wants exactly two parts; the
     * text is not echoed, as it may hold a password */
    int depth = 0, outside = 0;
    for (size_t i = 0; i < len; i++) {
        if (kv[i] == '[')
            depth++;
        else if (kv[i] == ']' && depth > 0)
            depth--;
        else if (kv[i] == '=' && depth == 0)
            outside++;
    }
    if (outside != 1)
        return usage_error("Invalid entity config: all configs to be added must be in the format "
                           "\"key=val\" or \"key=[val1,val2]\" to group values which contain "
                           "commas.");
    char *key = kc_trim_dup(kv, (size_t)(eq - kv));
    if (!key[0]) {
        free(key);
        return usage_error("--add-config: a config has an empty key");
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
        static const struct {
            const char *flag, *type;
        } entity_flags[] = {{"--topic", "topics"}, {"--broker", "brokers"}, {"--user", "users"}};
        bool flag = false;
        for (size_t k = 0; k < sizeof(entity_flags) / sizeof(entity_flags[0]) && !flag; k++) {
            if ((m = kc_opt_value(argc, argv, &i, entity_flags[k].flag, &v)) == 0)
                continue;
            if (m < 0)
                return usage_error("%s requires a value", a);
            if (o->flag_type && strcmp(o->flag_type, entity_flags[k].type) != 0)
                return usage_error("Only 'users' and 'clients' entity types may be specified "
                                   "together");
            o->flag_type = entity_flags[k].type;
            o->flag_name = v;
            flag = true;
        }
        if (flag)
            continue;
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
    if (o->flag_type) {
        if (o->entity_type || o->entity_name)
            return usage_error("--entity-{type,name,default} should not be used in conjunction "
                               "with specific entity flags");
        o->entity_type = o->flag_type;
        o->entity_name = o->flag_name;
    }
    if (!o->entity_type)
        return usage_error("--entity-type is required");
    if (strcmp(o->entity_type, "topics") == 0) {
        o->kind = ENT_TOPICS;
        o->type = RD_KAFKA_RESOURCE_TOPIC;
    } else if (strcmp(o->entity_type, "brokers") == 0) {
        o->kind = ENT_BROKERS;
        o->type = RD_KAFKA_RESOURCE_BROKER;
    } else if (strcmp(o->entity_type, "users") == 0) {
        o->kind = ENT_USERS;
        o->type = RD_KAFKA_RESOURCE_UNKNOWN;
    } else {
        return usage_error("--entity-type %s: cafka supports topics, brokers and users",
                           o->entity_type);
    }
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
        /* users: the broker answers a credential altered twice (DUPLICATE_RESOURCE) */
        for (size_t i = 0; i < o->add_keys.n && o->kind != ENT_USERS; i++)
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

/* ------------------------------------------------------------------------------------------ */
/* users: SCRAM credentials over the wire client */

#define ERR_NOT_CONTROLLER 41
#define RETRY_BACKOFF_MS   200

static bool is_quota_key(const char *k)
{
    return strcmp(k, "producer_byte_rate") == 0 || strcmp(k, "consumer_byte_rate") == 0 ||
           strcmp(k, "request_percentage") == 0 || strcmp(k, "controller_mutation_rate") == 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One upsertion: mechanism, iterations, Kafka's salt and the salted password. */
typedef struct upsert {
    int mech;
    int32_t iterations;
    char salt[32]; /* base 36 text, sent as its ASCII bytes */
    size_t salt_len;
    uint8_t salted[KC_SCRAM_MAX_HASH_LEN];
} upsert;

/* new BigInteger(130, new SecureRandom()).toString(36) (UserScramCredentialUpsertion's salt). */
static int make_salt(upsert *u)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    BIGNUM *bn = BN_new();
    if (!bn || BN_rand(bn, 130, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
        BN_free(bn);
        return -1;
    }
    char rev[32];
    size_t n = 0;
    do {
        BN_ULONG r = BN_div_word(bn, 36);
        if (r == (BN_ULONG)-1) {
            BN_free(bn);
            return -1;
        }
        rev[n++] = digits[r];
    } while (!BN_is_zero(bn) && n < sizeof(rev));
    BN_free(bn);
    for (size_t i = 0; i < n; i++)
        u->salt[i] = rev[n - 1 - i];
    u->salt_len = n;
    return 0;
}

/* Hi(password, salt, iterations). Iterations above the mechanism's maximum are computed all the
 * same, since it is the broker's to refuse them ("Too many iterations"), up to a bound that
 * keeps the command from computing for minutes. */
#define MAX_CLIENT_ITERATIONS (1 << 20)
static int salt_password(upsert *u, const char *password, char *why, size_t whylen)
{
    const char *name = kc_scram_mechanism_name(u->mech);
    if (u->iterations > MAX_CLIENT_ITERATIONS) {
        snprintf(why, whylen, "Iterations %d is more than the maximum %d allowed for %s",
                 (int)u->iterations, KC_SCRAM_MAX_ITERATIONS, name);
        return -1;
    }
    if (make_salt(u) < 0) {
        snprintf(why, whylen, "cannot generate a random salt");
        return -1;
    }
    int rc;
    if (u->iterations <= KC_SCRAM_MAX_ITERATIONS)
        rc = kc_scram_salted_password(u->mech, password, strlen(password), (const uint8_t *)u->salt,
                                      u->salt_len, u->iterations, u->salted);
    else
        rc = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), (const unsigned char *)u->salt,
                               (int)u->salt_len, u->iterations,
                               u->mech == KC_SCRAM_SHA_256 ? EVP_sha256() : EVP_sha512(),
                               (int)kc_scram_hash_len(u->mech), u->salted) == 1
                 ? 0
                 : -1;
    if (rc < 0) {
        snprintf(why, whylen, "cannot compute the salted password for %s", name);
        return -1;
    }
    return 0;
}

/* ConfigCommand.iterationsAndPasswordBytes: @p value must match
 * (?:iterations=(\-?[0-9]*),)?password=(.*) as a whole (Java's '.' stops at line ends). */
static int parse_credential(const char *mech_name, const char *value, int32_t *iterations,
                            const char **password, char *why, size_t whylen)
{
    const char *pw = NULL, *it = NULL;
    size_t it_len = 0;
    if (strncmp(value, "iterations=", 11) == 0) {
        const char *q = value + 11;
        it = q;
        if (*q == '-')
            q++;
        while (isdigit((unsigned char)*q))
            q++;
        it_len = (size_t)(q - it);
        if (strncmp(q, ",password=", 10) == 0)
            pw = q + 10;
    } else if (strncmp(value, "password=", 9) == 0) {
        pw = value + 9;
    }
    if (!pw || strpbrk(pw, "\n\r")) {
        snprintf(why, whylen,
                 "Invalid credential property %s (expected %s=[iterations=N,password=P] or "
                 "%s=[password=P])",
                 mech_name, mech_name, mech_name);
        return -1;
    }
    long n = KC_SCRAM_MIN_ITERATIONS;
    if (it) {
        char buf[32];
        char *end = NULL;
        snprintf(buf, sizeof(buf), "%.*s", (int)(it_len < 31 ? it_len : 31), it);
        errno = 0;
        n = it_len ? strtol(buf, &end, 10) : 0;
        if (!it_len || it_len > 30 || *end || errno || n < INT32_MIN || n > INT32_MAX) {
            snprintf(why, whylen, "For input string: \"%.*s\"", (int)it_len, it);
            return -1;
        }
        if (n == -1)
            n = KC_SCRAM_MIN_ITERATIONS; /* DefaultScramIterations */
    }
    if (n < KC_SCRAM_MIN_ITERATIONS) {
        snprintf(why, whylen, "Iterations %ld is less than the minimum %d required for %s", n,
                 KC_SCRAM_MIN_ITERATIONS, mech_name);
        return -1;
    }
    *iterations = (int32_t)n;
    *password = pw;
    return 0;
}

/* "Set(a, b)" as Scala prints the set of unexpected keys. */
static void scala_set(const kc_strv *sv, char *buf, size_t len)
{
    int w = snprintf(buf, len, "Set(");
    for (size_t i = 0; i < sv->n && w > 0 && (size_t)w < len; i++)
        w += snprintf(buf + w, len - (size_t)w, "%s%s", i ? ", " : "", sv->v[i]);
    if (w > 0 && (size_t)w < len)
        snprintf(buf + w, len - (size_t)w, ")");
}

/* The keys checks of ConfigCommand.alterConfig for users. @return 0 or -1 (printed). */
static int check_user_keys(const configs_opts *o)
{
    kc_strv unknown_add = {0}, unknown_del = {0}, quota = {0};
    bool scram = false;
    for (size_t i = 0; i < o->add_keys.n; i++) {
        const char *k = o->add_keys.v[i];
        if (kc_scram_mechanism_parse(k) > 0)
            scram = true;
        else if (is_quota_key(k))
            kc_strv_push(&quota, k, (size_t)-1);
        else
            kc_strv_push(&unknown_add, k, (size_t)-1);
    }
    for (size_t i = 0; i < o->delete_keys.n; i++) {
        const char *k = o->delete_keys.v[i];
        if (kc_scram_mechanism_parse(k) > 0)
            scram = true;
        else if (is_quota_key(k))
            kc_strv_push(&quota, k, (size_t)-1);
        else
            kc_strv_push(&unknown_del, k, (size_t)-1);
    }
    char why[1024], set[768];
    int rc = -1;
    if (unknown_add.n) {
        scala_set(&unknown_add, set, sizeof(set));
        snprintf(why, sizeof(why),
                 "Only quota and SCRAM credential configs can be added for 'users' using "
                 "--bootstrap-server. Unexpected config names: %s",
                 set);
    } else if (unknown_del.n) {
        scala_set(&unknown_del, set, sizeof(set));
        snprintf(why, sizeof(why),
                 "Only quota and SCRAM credential configs can be deleted for 'users' using "
                 "--bootstrap-server. Unexpected config names: %s",
                 set);
    } else if (quota.n && scram) {
        snprintf(why, sizeof(why),
                 "Cannot alter both quota and SCRAM credential configs simultaneously for "
                 "'users' using --bootstrap-server.");
    } else if (quota.n) {
        scala_set(&quota, set, sizeof(set));
        snprintf(why, sizeof(why), "cafka does not support client quotas: %s", set);
    } else {
        rc = 0;
    }
    if (rc < 0)
        kc_print_error(CONTEXT, why);
    kc_strv_free(&unknown_add);
    kc_strv_free(&unknown_del);
    kc_strv_free(&quota);
    return rc;
}

/* Fail unless @p w's broker serves version 0 of @p api_key. @return 0 or -1 (printed). */
static int require_api(kc_wire *w, int16_t api_key, const char *name)
{
    int16_t version;
    char why[512];
    if (kc_wire_pick_version(w, api_key, name, 0, 0, &version, why, sizeof(why)) < 0) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    return 0;
}

static int users_alter(const configs_opts *o, const kc_wire_security *sec)
{
    if (check_user_keys(o) < 0)
        return -1;
    char why[1024];
    kc_alter_user_scram_credentials_req req = {0};
    kc_scram_credential_deletion dels[2];
    kc_scram_credential_upsertion ups[2];
    upsert u[2];
    for (size_t i = 0; i < o->delete_keys.n && req.deletions_count < 2; i++)
        dels[req.deletions_count++] = (kc_scram_credential_deletion){
            .name = kc_str_c(o->entity_name),
            .mechanism = (int8_t)kc_scram_mechanism_parse(o->delete_keys.v[i])};
    int rc = 0;
    for (size_t i = 0; i < o->add_keys.n && req.upsertions_count < 2 && rc == 0; i++) {
        upsert *x = &u[req.upsertions_count];
        const char *password = NULL;
        x->mech = kc_scram_mechanism_parse(o->add_keys.v[i]);
        if (parse_credential(o->add_keys.v[i], o->add_values.v[i], &x->iterations, &password, why,
                             sizeof(why)) < 0 ||
            salt_password(x, password, why, sizeof(why)) < 0) {
            kc_print_error(CONTEXT, why);
            rc = -1;
            break;
        }
        ups[req.upsertions_count++] = (kc_scram_credential_upsertion){
            .name = kc_str_c(o->entity_name),
            .mechanism = (int8_t)x->mech,
            .iterations = x->iterations,
            .salt = {(const uint8_t *)x->salt, (int32_t)x->salt_len},
            .salted_password = {x->salted, (int32_t)kc_scram_hash_len(x->mech)},
        };
    }
    req.deletions = dels;
    req.upsertions = ups;
    kc_wbuf body = {0};
    if (rc == 0)
        kc_alter_user_scram_credentials_req_encode(&body, 0, &req);
    OPENSSL_cleanse(u, sizeof(u));

    kc_wire *boot = NULL, *ctl = NULL;
    if (rc == 0) {
        boot = kc_wire_connect_bootstrap(o->bootstrap, sec, "cafka-admin",
                                         KC_ADMIN_REQUEST_TIMEOUT_MS, why, sizeof(why));
        if (!boot) {
            kc_print_error(CONTEXT, why);
            rc = -1;
        }
    }
    int64_t deadline = mono_ms() + KC_ADMIN_OP_TIMEOUT_MS;
    bool done = rc != 0;
    while (!done) {
        bool retriable = false;
        ctl = kc_wire_connect_controller(boot, &retriable, why, sizeof(why));
        if (!ctl) {
            if (retriable && mono_ms() + RETRY_BACKOFF_MS < deadline) {
                sleep_ms(RETRY_BACKOFF_MS);
                continue;
            }
            kc_print_error(CONTEXT, why);
            rc = -1;
            break;
        }
        if (require_api(ctl, KC_API_ALTER_USER_SCRAM_CREDENTIALS, "ALTER_USER_SCRAM_CREDENTIALS")) {
            rc = -1;
            break;
        }
        kc_wire_resp resp;
        if (kc_wire_request(ctl, KC_API_ALTER_USER_SCRAM_CREDENTIALS, 0, &body, &resp, why,
                            sizeof(why))) {
            kc_print_error(CONTEXT, why);
            rc = -1;
            break;
        }
        kc_arena a = {0};
        kc_alter_user_scram_credentials_resp r;
        if (kc_alter_user_scram_credentials_resp_decode(&resp.body, 0, &r, &a)) {
            kc_print_error(CONTEXT, "malformed AlterUserScramCredentials response");
            rc = -1;
            done = true;
        } else {
            bool moved = r.results_count > 0;
            for (int32_t i = 0; i < r.results_count; i++)
                moved = moved && r.results[i].error_code == ERR_NOT_CONTROLLER;
            if (moved && mono_ms() + RETRY_BACKOFF_MS < deadline) {
                /* the controller moved between Metadata and the request: ask again */
                kc_wire_close(ctl);
                ctl = NULL;
                sleep_ms(RETRY_BACKOFF_MS);
            } else {
                done = true;
                for (int32_t i = 0; i < r.results_count && rc == 0; i++) {
                    if (r.results[i].error_code == 0)
                        continue;
                    kc_kafka_error_text(r.results[i].error_code, r.results[i].error_message, why,
                                        sizeof(why));
                    kc_print_error(CONTEXT, why);
                    rc = -1;
                }
                if (rc == 0 && r.results_count == 0) {
                    kc_print_error(CONTEXT, "AlterUserScramCredentials answered no user");
                    rc = -1;
                }
            }
        }
        kc_arena_free(&a);
        kc_wire_resp_free(&resp);
    }
    kc_wire_close(ctl);
    kc_wire_close(boot);
    if (body.data)
        OPENSSL_cleanse(body.data, body.len);
    kc_wbuf_free(&body);
    if (rc == 0)
        printf("Completed updating config for user %s.\n", o->entity_name);
    return rc;
}

static int users_describe(const configs_opts *o, const kc_wire_security *sec)
{
    char why[1024];
    kc_wire *w = kc_wire_connect_bootstrap(o->bootstrap, sec, "cafka-admin",
                                           KC_ADMIN_REQUEST_TIMEOUT_MS, why, sizeof(why));
    if (!w) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    if (require_api(w, KC_API_DESCRIBE_USER_SCRAM_CREDENTIALS, "DESCRIBE_USER_SCRAM_CREDENTIALS")) {
        kc_wire_close(w);
        return -1;
    }
    kc_user_name name = {kc_str_c(o->entity_name ? o->entity_name : "")};
    kc_describe_user_scram_credentials_req req = {
        .users_count = o->entity_name ? 1 : -1, /* null: every user */
        .users = o->entity_name ? &name : NULL,
    };
    kc_wbuf body = {0};
    kc_describe_user_scram_credentials_req_encode(&body, 0, &req);
    kc_wire_resp resp;
    int rc = kc_wire_request(w, KC_API_DESCRIBE_USER_SCRAM_CREDENTIALS, 0, &body, &resp, why,
                             sizeof(why));
    kc_wbuf_free(&body);
    kc_wire_close(w);
    if (rc) {
        kc_print_error(CONTEXT, why);
        return -1;
    }
    kc_arena a = {0};
    kc_describe_user_scram_credentials_resp r;
    if (kc_describe_user_scram_credentials_resp_decode(&resp.body, 0, &r, &a)) {
        kc_print_error(CONTEXT, "malformed DescribeUserScramCredentials response");
        rc = -1;
    } else if (r.error_code) {
        kc_kafka_error_text(r.error_code, r.error_message, why, sizeof(why));
        kc_print_error(CONTEXT, why);
        rc = -1;
    } else {
        for (int32_t i = 0; i < r.results_count; i++) {
            const kc_describe_user_scram_credentials_result *u = &r.results[i];
            if (u->error_code) {
                kc_kafka_error_text(u->error_code, u->error_message, why, sizeof(why));
                fflush(stdout);
                fprintf(stderr,
                        "Error retrieving SCRAM credential configs for user-principal '%.*s': "
                        "ExecutionException: org.apache.kafka.common.errors.%s: %s\n",
                        (int)u->user.len, u->user.p, kc_kafka_error_class(u->error_code), why);
                rc = -1;
                continue;
            }
            printf("SCRAM credential configs for user-principal '%.*s' are ", (int)u->user.len,
                   u->user.p);
            for (int32_t k = 0; k < u->credential_infos_count; k++) {
                const char *mech = kc_scram_mechanism_name(u->credential_infos[k].mechanism);
                printf("%s%s=iterations=%d", k ? ", " : "", mech ? mech : "UNKNOWN",
                       (int)u->credential_infos[k].iterations);
            }
            putchar('\n');
        }
    }
    kc_arena_free(&a);
    kc_wire_resp_free(&resp);
    return rc;
}

static int run_users(const configs_opts *o)
{
    kc_client_config cc = {0};
    char why[1024];
    if (o->command_config && kc_command_config_load(o->command_config, &cc, why, sizeof(why))) {
        kc_print_error(CONTEXT, why);
        kc_client_config_free(&cc);
        return KC_EXIT_ERROR;
    }
    int rc = o->describe ? users_describe(o, &cc.sec) : users_alter(o, &cc.sec);
    fflush(stdout);
    kc_client_config_free(&cc);
    return rc == 0 ? KC_EXIT_OK : KC_EXIT_ERROR;
}

int kc_cli_configs(int argc, char **argv)
{
    configs_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) {
        free_opts(&o);
        return rc;
    }
    if (o.kind == ENT_USERS) {
        rc = run_users(&o);
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
