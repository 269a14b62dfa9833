/*
 * `cafka groups`, Kafka's kafka-consumer-groups.sh (ConsumerGroupCommand, 2.8) on librdkafka's
 * admin API: --list (ListConsumerGroups), --describe (DescribeConsumerGroups,
 * ListConsumerGroupOffsets and ListOffsets for the log end offsets), --delete (DeleteGroups),
 * --reset-offsets (ListOffsets, AlterConsumerGroupOffsets) and --delete-offsets
 * (DeleteConsumerGroupOffsets).
 *
 * Output follows ConsumerGroupCommand: the same column headers, widths and "-" for a missing
 * value, and its messages. Where Kafka's order is a hash map's, rows are sorted (groups by
 * name, partitions by topic and number) so that the output is stable. Differences, all because
 * this tool keeps stdout for results and exits non-zero on failure:
 *  - errors go to stderr as one `Error: ...` line and make the exit status 1 (Kafka prints them
 *    on stdout and exits 0), e.g. "Consumer group 'G' does not exist." for a Dead group;
 *  - notes ("Consumer group 'G' has no active members.", the rebalancing warning, the offset
 *    clamping warnings of --reset-offsets) go to stderr without Kafka's leading blank line;
 *  - --reset-offsets prints its table only when some group could be reset.
 * LOG-END-OFFSET is ListOffsets "latest" (rd_kafka_offsets_for_times with -1, one request per
 * leader for all partitions), which cafka answers with the high watermark as Kafka does; so LAG
 * counts what a consumer can still fetch. librdkafka sends the isolation level of its
 * configuration (read_committed by default), which only differs once transactions exist.
 *
 * --list --state: the states come from DescribeConsumerGroups of every listed group and the
 * filter is applied here, so that it also works with brokers without ListGroups v4.
 * --timeout bounds every admin request (Kafka's default, 5000 ms; see run_request for the
 * retries within it); connecting and the first metadata keep admin_common's own bound.
 * Not implemented: --from-file.
 *
 * Bad arguments are usage errors (exit 2), checked before connecting; failures reported by a
 * broker or the connection are exit 1.
 */
#include "cli/admin_groups.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/admin_common.h"
#include "common/clock.h"

#define CONTEXT            "Executing consumer group command failed due to "
#define DEFAULT_TIMEOUT_MS 5000

enum action { ACT_NONE, ACT_LIST, ACT_DESCRIBE, ACT_DELETE, ACT_RESET, ACT_DELETE_OFFSETS };

enum scenario {
    SC_NONE,
    SC_TO_OFFSET,
    SC_SHIFT_BY,
    SC_TO_DATETIME,
    SC_BY_DURATION,
    SC_TO_EARLIEST,
    SC_TO_LATEST,
    SC_TO_CURRENT
};

typedef struct groups_opts {
    enum action action;
    int n_actions;
    const char *bootstrap, *command_config;
    long timeout_ms;
    kc_strv groups; /* --group, duplicates dropped */
    bool all_groups;
    kc_strv topic_args;                      /* --topic as given */
    rd_kafka_topic_partition_list_t *topics; /* parsed --topic; partition -1: all of them */
    bool all_topics;
    bool members, verbose, offsets, state;
    const char *state_value; /* --state's optional value */
    bool state_filter[RD_KAFKA_CONSUMER_GROUP_STATE__CNT];
    bool has_state_filter;
    enum scenario scenario;
    int n_scenarios;
    int64_t scenario_value; /* the offset, the shift, or the timestamp in ms */
    bool dry_run, execute, export_csv;
} groups_opts;

#define USAGE_LINE                                                                                 \
    "usage: cafka groups --bootstrap-server HOST:PORT (--list | --describe | --delete |\n"         \
    "                    --reset-offsets | --delete-offsets) [OPTION]...\n"
static const char usage_line[] = USAGE_LINE "`cafka groups --help` describes the options.\n";
static const char usage_text[] = USAGE_LINE
    "List, describe and delete consumer groups, reset or delete their offsets (as\n"
    "kafka-consumer-groups.sh).\n"
    "Actions (exactly one):\n"
    "  --list                        list the consumer groups\n"
    "  --describe                    offsets and lag per partition (default, or --offsets),\n"
    "                                members (--members [--verbose]) or state (--state)\n"
    "  --delete                      delete the groups (--group or --all-groups)\n"
    "  --reset-offsets               reset the committed offsets of inactive groups\n"
    "  --delete-offsets              delete the committed offsets of --topic from one --group\n"
    "Options:\n"
    "  --bootstrap-server HOST:PORT  broker(s) to connect to (required)\n"
    "  --command-config FILE         client properties (Kafka's or librdkafka's names):\n"
    "                                security.protocol, sasl.mechanism, sasl.jaas.config,\n"
    "                                ssl.truststore.location, ssl.keystore.location, ...\n"
    "  --timeout MS                  bound on each admin request (default 5000)\n"
    "  --group G                     a consumer group (repeatable)\n"
    "  --all-groups                  every consumer group (--describe, --delete,\n"
    "                                --reset-offsets)\n"
    "  --topic T[:P,P...]            a topic, or some of its partitions (--reset-offsets:\n"
    "                                repeatable; --delete-offsets)\n"
    "  --all-topics                  every partition the group has offsets for\n"
    "                                (--reset-offsets)\n"
    "  --offsets | --members | --state  what --describe shows; --verbose adds the\n"
    "                                assignment to --members\n"
    "  --state [STATE,...]           with --list: each group's state, only those in the\n"
    "                                states given (Stable, Empty, PreparingRebalance, ...)\n"
    "Reset scenarios (exactly one, with --reset-offsets):\n"
    "  --to-earliest | --to-latest | --to-current | --to-offset N | --shift-by N |\n"
    "  --to-datetime YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm] | --by-duration PnDTnHnMnS\n"
    "  --dry-run                     show the new offsets only (the default)\n"
    "  --execute                     commit the new offsets\n"
    "  --export                      print the new offsets as CSV\n"
    "  --help                        print this text\n"
    "Exit status: 0 done, 1 the operation failed, 2 bad usage.\n";

#define usage_error(...) kc_usage_error(usage_line, __VA_ARGS__)

static void free_opts(groups_opts *o)
{
    kc_strv_free(&o->groups);
    kc_strv_free(&o->topic_args);
    if (o->topics)
        rd_kafka_topic_partition_list_destroy(o->topics);
}

/* ------------------------------------------------------------------------------------------ */
/* Argument parsing */

/* rd_kafka_err2str with librdkafka's "Broker: " prefix dropped, so that a broker's error reads
 * as Kafka's tools print it. */
static const char *err_text(const char *s)
{
    return s && strncmp(s, "Broker: ", 8) == 0 ? s + 8 : s ? s : "";
}

static const char *code_text(rd_kafka_resp_err_t e)
{
    return err_text(rd_kafka_err2str(e));
}

/* "T" or "T:0,1,2" (TopicPartition specs of --topic) into o->topics. */
static int add_topic_arg(groups_opts *o, const char *arg)
{
    kc_strv_push(&o->topic_args, arg, (size_t)-1);
    const char *colon = strchr(arg, ':');
    size_t tlen = colon ? (size_t)(colon - arg) : strlen(arg);
    char *topic = kc_trim_dup(arg, tlen);
    int rc = 0;
    if (!topic[0]) {
        rc = usage_error("--topic %s: empty topic name", arg);
    } else if (!colon) {
        rd_kafka_topic_partition_list_add(o->topics, topic, RD_KAFKA_PARTITION_UA);
    } else {
        for (const char *p = colon + 1;;) {
            size_t len = strcspn(p, ",");
            char *num = kc_trim_dup(p, len);
            long part;
            bool bad = kc_parse_int(num, 0, INT32_MAX, &part) < 0;
            free(num);
            if (bad) {
                rc = usage_error("--topic %s: expected TOPIC or TOPIC:PARTITION,PARTITION...", arg);
                break;
            }
            if (!rd_kafka_topic_partition_list_find(o->topics, topic, (int32_t)part))
                rd_kafka_topic_partition_list_add(o->topics, topic, (int32_t)part);
            p += len;
            if (!*p)
                break;
            p++;
        }
    }
    free(topic);
    return rc;
}

/* Kafka's Utils.getDateTime: yyyy-MM-dd'T'HH:mm:ss.SSS, then Z, +hh, +hhmm or +hh:mm (UTC when
 * no zone is given). */
static int parse_datetime(const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, frac_len = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
        return -1;
    const char *p = s + n;
    long frac = 0;
    if (*p != '.')
        return -1;
    for (p++; isdigit((unsigned char)*p); p++, frac_len++)
        frac = frac * 10 + (*p - '0');
    if (frac_len != 3 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
        return -1;
    long offset_s = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, zh = 0, zm = 0;
        p++;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
            return -1;
        zh = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == ':')
            p++;
        if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1])) {
            zm = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
        if (zh > 18 || zm > 59)
            return -1;
        offset_s = sign * (zh * 3600L + zm * 60L);
    }
    if (*p)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    if (tm.tm_mday != d) /* timegm normalised an impossible date such as 02-30 */
        return -1;
    *ms = ((int64_t)t - offset_s) * 1000 + frac;
    return 0;
}

/* A signed decimal at *p, advanced past it. */
static int duration_number(const char **p, int64_t *out)
{
    char *end;
    long long v = strtoll(*p, &end, 10);
    if (end == *p || !isdigit((unsigned char)end[-1]))
        return -1;
    *p = end;
    *out = v;
    return 0;
}

/* java.time.Duration.parse (PnDTnHnMn.nS, case-insensitive, optional signs) in milliseconds. */
static int parse_duration(const char *s, int64_t *ms)
{
    const char *p = s;
    int64_t total = 0, v;
    int sign = 1, parts = 0;
    if (*p == '-' || *p == '+')
        sign = *p++ == '-' ? -1 : 1;
    if (toupper((unsigned char)*p++) != 'P')
        return -1;
    if (*p && toupper((unsigned char)*p) != 'T') {
        if (duration_number(&p, &v) < 0 || toupper((unsigned char)*p++) != 'D')
            return -1;
        total += v * 86400000;
        parts++;
    }
    if (toupper((unsigned char)*p) == 'T') {
        p++;
        int in_t = 0;
        static const struct {
            char unit;
            int64_t ms;
        } units[] = {{'H', 3600000}, {'M', 60000}, {'S', 1000}};
        for (size_t u = 0; u < 3 && *p; u++) {
            const char *save = p;
            if (duration_number(&p, &v) < 0)
                return -1;
            int64_t frac_ms = 0;
            if (units[u].unit == 'S' && (*p == '.' || *p == ',')) {
                int digits = 0;
                for (p++; isdigit((unsigned char)*p); p++, digits++)
                    if (digits < 3)
                        frac_ms = frac_ms * 10 + (*p - '0');
                for (; digits < 3; digits++)
                    frac_ms *= 10;
                if (*save == '-')
                    frac_ms = -frac_ms;
            }
            if (toupper((unsigned char)*p) != units[u].unit) {
                p = save; /* maybe the next unit */
                continue;
            }
            p++;
            total += v * units[u].ms + frac_ms;
            in_t++;
        }
        if (!in_t)
            return -1;
        parts += in_t;
    }
    if (*p || !parts)
        return -1;
    *ms = sign * total;
    return 0;
}

static int parse_states(groups_opts *o, const char *text)
{
    o->has_state_filter = true;
    for (const char *p = text;;) {
        size_t len = strcspn(p, ",");
        char *name = kc_trim_dup(p, len);
        rd_kafka_consumer_group_state_t st = RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN;
        for (int k = 1; k < RD_KAFKA_CONSUMER_GROUP_STATE__CNT; k++)
            if (strcasecmp(name, rd_kafka_consumer_group_state_name(k)) == 0)
                st = k;
        free(name);
        if (st == RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN)
            return usage_error("Invalid state list '%s'. Valid states are: PreparingRebalance, "
                               "CompletingRebalance, Stable, Dead, Empty",
                               text);
        o->state_filter[st] = true;
        p += len;
        if (!*p)
            return 0;
        p++;
    }
}

/* A reset scenario option at argv[*i] and its value: 1 when it is one, 0 when not, -1 after a
 * usage error (a bad value, a second scenario). */
static int scenario_opt(int argc, char **argv, int *i, groups_opts *o)
{
    static const struct {
        const char *name;
        enum scenario sc;
        bool has_value;
    } sc[] = {{"--to-offset", SC_TO_OFFSET, true},      {"--shift-by", SC_SHIFT_BY, true},
              {"--to-datetime", SC_TO_DATETIME, true},  {"--by-duration", SC_BY_DURATION, true},
              {"--to-earliest", SC_TO_EARLIEST, false}, {"--to-latest", SC_TO_LATEST, false},
              {"--to-current", SC_TO_CURRENT, false}};
    for (size_t k = 0; k < sizeof(sc) / sizeof(sc[0]); k++) {
        const char *v = NULL;
        if (!sc[k].has_value) {
            if (strcmp(argv[*i], sc[k].name) != 0)
                continue;
        } else {
            int m = kc_opt_value(argc, argv, i, sc[k].name, &v);
            if (m == 0)
                continue;
            if (m < 0) {
                usage_error("Option [%s] requires an argument", sc[k].name + 2);
                return -1;
            }
        }
        if (o->n_scenarios && o->scenario != sc[k].sc) {
            usage_error("Option \"[%s]\" can't be used with another reset scenario",
                        sc[k].name + 2);
            return -1;
        }
        if (o->scenario != sc[k].sc)
            o->n_scenarios++;
        o->scenario = sc[k].sc;
        long n;
        switch (sc[k].sc) {
        case SC_TO_OFFSET:
        case SC_SHIFT_BY:
            if (kc_parse_int(v, INT64_MIN, INT64_MAX, &n) < 0) {
                usage_error("%s %s: expected a number", sc[k].name, v);
                return -1;
            }
            o->scenario_value = n;
            break;
        case SC_TO_DATETIME:
            if (parse_datetime(v, &o->scenario_value) < 0) {
                usage_error("--to-datetime %s: expected YYYY-MM-DDTHH:mm:SS.sss with "
                            "an optional zone (Z, +hh, +hhmm, +hh:mm)",
                            v);
                return -1;
            }
            break;
        case SC_BY_DURATION:
            if (parse_duration(v, &o->scenario_value) < 0) {
                usage_error("--by-duration %s: expected PnDTnHnMnS", v);
                return -1;
            }
            break;
        default:
            break;
        }
        return 1;
    }
    return 0;
}

/* Kafka's checkArgs, and a few checks it leaves to later failures. Returns -1 when the
 * arguments are good, otherwise the exit code. */
static int check_args(groups_opts *o)
{
    if (!o->bootstrap)
        return usage_error("Missing required argument \"[bootstrap-server]\"");
    if (o->n_actions != 1)
        return usage_error("Command must include exactly one action: --list, --describe, "
                           "--delete, --reset-offsets, --delete-offsets");
    enum action act = o->action;
    bool has_group = o->groups.n > 0, has_topic = o->topics->cnt > 0;
    if (has_group && o->all_groups)
        return usage_error("Option \"[group]\" can't be used with option \"[all-groups]\"");
    if (has_group && act == ACT_LIST)
        return usage_error("Option \"[group]\" can't be used with option \"[list]\"");
    if (has_topic && (act == ACT_LIST || act == ACT_DESCRIBE))
        return usage_error("Option \"[topic]\" can't be used with option \"[%s]\"",
                           act == ACT_LIST ? "list" : "describe");
    if ((o->members || o->verbose || o->offsets) && act != ACT_DESCRIBE)
        return usage_error("Option(s) [%s] are unavailable given other options on the command "
                           "line",
                           o->members   ? "members"
                           : o->verbose ? "verbose"
                                        : "offsets");
    if (o->state && act != ACT_DESCRIBE && act != ACT_LIST)
        return usage_error("Option(s) [state] are unavailable given other options on the command "
                           "line");
    if (act != ACT_RESET &&
        (o->n_scenarios || o->dry_run || o->execute || o->export_csv || o->all_topics))
        return usage_error("The reset scenarios, --all-topics, --dry-run, --execute and --export "
                           "are only valid with --reset-offsets");

    switch (act) {
    case ACT_LIST:
        if (o->state_value && parse_states(o, o->state_value) != 0)
            return KC_EXIT_USAGE;
        break;
    case ACT_DESCRIBE:
        if (!has_group && !o->all_groups)
            return usage_error("Option [describe] takes one of these options: [all-groups], "
                               "[group]");
        if (o->members + o->offsets + o->state > 1)
            return usage_error("Option [describe] takes at most one of these options: [members], "
                               "[offsets], [state]");
        if (o->state_value)
            return usage_error("Option [describe] does not take a value for [state]");
        break;
    case ACT_DELETE:
        if (!has_group && !o->all_groups)
            return usage_error("Option [delete] takes one of these options: [all-groups], [group]");
        if (has_topic)
            return usage_error("The consumer does not support topic-specific offset deletion from "
                               "a consumer group.");
        break;
    case ACT_DELETE_OFFSETS:
        if (!has_group || !has_topic)
            return usage_error("Option [delete-offsets] takes the following options: [group], "
                               "[topic]");
        if (o->groups.n > 1)
            return usage_error("Option [delete-offsets] supports one consumer group at a time");
        break;
    case ACT_RESET:
        if (o->dry_run && o->execute)
            return usage_error("Option [reset-offsets] only accepts one of [execute] and "
                               "[dry-run]");
        if (!has_group && !o->all_groups)
            return usage_error("Option [reset-offsets] takes one of these options: [all-groups], "
                               "[group]");
        if (!o->n_scenarios)
            return usage_error("Option [reset-offsets] requires one of the following scenarios: "
                               "[to-offset], [shift-by], [to-datetime], [by-duration], "
                               "[to-earliest], [to-latest], [to-current]");
        if (!has_topic && !o->all_topics)
            return usage_error("One of the reset scopes should be defined: --all-topics, --topic.");
        if (has_topic && o->all_topics)
            return usage_error("Option \"[all-topics]\" can't be used with option \"[topic]\"");
        if (!o->dry_run && !o->execute)
            fputs("WARN: No action will be performed as the --execute option is missing. In a "
                  "future major release, the default behavior of this command will be to prompt "
                  "the user before executing the reset rather than doing a dry run. You should "
                  "add the --dry-run option explicitly if you are scripting this command and want "
                  "to keep the current default behavior without prompting.\n",
                  stderr);
        break;
    default:
        break;
    }
    return -1;
}

/* Returns -1 when the arguments are good, otherwise the exit code. */
static int parse_args(int argc, char **argv, groups_opts *o)
{
    static const struct {
        const char *name;
        enum action action;
    } actions[] = {{"--list", ACT_LIST},
                   {"--describe", ACT_DESCRIBE},
                   {"--delete", ACT_DELETE},
                   {"--reset-offsets", ACT_RESET},
                   {"--delete-offsets", ACT_DELETE_OFFSETS}};
    const struct {
        const char *name;
        bool *flag;
    } flags[] = {{"--all-groups", &o->all_groups}, {"--all-topics", &o->all_topics},
                 {"--members", &o->members},       {"--verbose", &o->verbose},
                 {"--offsets", &o->offsets},       {"--dry-run", &o->dry_run},
                 {"--execute", &o->execute},       {"--export", &o->export_csv}};
    o->timeout_ms = DEFAULT_TIMEOUT_MS;
    o->topics = rd_kafka_topic_partition_list_new(4);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        bool known = false;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return KC_EXIT_OK;
        }
        for (size_t k = 0; k < sizeof(actions) / sizeof(actions[0]); k++) {
            if (strcmp(a, actions[k].name) == 0) {
                if (o->action != actions[k].action)
                    o->n_actions++;
                o->action = actions[k].action;
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
        /* --state takes an optional value: --state=V, or the next argument unless an option */
        if (strcmp(a, "--state") == 0 || strncmp(a, "--state=", 8) == 0) {
            o->state = true;
            if (a[7] == '=')
                o->state_value = a + 8;
            else if (i + 1 < argc && argv[i + 1][0] != '-')
                o->state_value = argv[++i];
            continue;
        }
        int m = scenario_opt(argc, argv, &i, o);
        if (m < 0)
            return KC_EXIT_USAGE;
        if (m)
            continue;
        if ((m = kc_opt_value(argc, argv, &i, "--bootstrap-server", &o->bootstrap)) ||
            (m = kc_opt_value(argc, argv, &i, "--command-config", &o->command_config))) {
            if (m < 0)
                return usage_error("Option [%s] requires an argument", a + 2);
            continue;
        }
        if ((m = kc_opt_value(argc, argv, &i, "--group", &v)) != 0) {
            if (m < 0)
                return usage_error("Option [group] requires an argument");
            if (!v[0])
                return usage_error("--group must not be empty");
            if (!kc_strv_contains(&o->groups, v))
                kc_strv_push(&o->groups, v, (size_t)-1);
            continue;
        }
        if ((m = kc_opt_value(argc, argv, &i, "--topic", &v)) != 0) {
            if (m < 0)
                return usage_error("Option [topic] requires an argument");
            if (add_topic_arg(o, v) != 0)
                return KC_EXIT_USAGE;
            continue;
        }
        if ((m = kc_opt_value(argc, argv, &i, "--timeout", &v)) != 0) {
            if (m < 0)
                return usage_error("Option [timeout] requires an argument");
            if (kc_parse_int(v, 1, INT32_MAX - 10000, &o->timeout_ms) < 0)
                return usage_error("--timeout %s: expected a number of milliseconds", v);
            continue;
        }
        if (strcmp(a, "--from-file") == 0 || strncmp(a, "--from-file=", 12) == 0)
            return usage_error("--from-file is not supported by cafka groups");
        if (strcmp(a, "--zookeeper") == 0 || strncmp(a, "--zookeeper=", 12) == 0)
            return usage_error(
                "--zookeeper: cafka's tools talk to brokers only; use --bootstrap-server");
        return usage_error(a[0] == '-' ? "%s is not a recognized option" : "unexpected argument %s",
                           a);
    }
    return check_args(o);
}

/* ------------------------------------------------------------------------------------------ */
/* Admin requests */

/* Waits for the admin request just started on a->queue; prints why when it failed. */
static rd_kafka_event_t *wait_result(kc_admin *a)
{
    char why[512];
    rd_kafka_event_t *ev = kc_admin_wait(a, why, sizeof(why));
    if (!ev)
        kc_print_error(CONTEXT, err_text(why));
    return ev;
}

/* One admin request that goes to a group's coordinator, kept so that it can be sent again. */
typedef struct group_req {
    rd_kafka_admin_op_t op;
    const char *group;                            /* the group of a one-group request */
    const kc_strv *groups;                        /* DescribeConsumerGroups, DeleteGroups */
    const rd_kafka_topic_partition_list_t *parts; /* the offsets requests (NULL: all) */
} group_req;

static void start_request(kc_admin *a, const group_req *r, const rd_kafka_AdminOptions_t *opt)
{
    switch (r->op) {
    case RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS:
        rd_kafka_DescribeConsumerGroups(a->rk, (const char **)r->groups->v, r->groups->n, opt,
                                        a->queue);
        break;
    case RD_KAFKA_ADMIN_OP_DELETEGROUPS: {
        rd_kafka_DeleteGroup_t **del = calloc(r->groups->n, sizeof(*del));
        if (!del)
            abort();
        for (size_t i = 0; i < r->groups->n; i++)
            del[i] = rd_kafka_DeleteGroup_new(r->groups->v[i]);
        rd_kafka_DeleteGroups(a->rk, del, r->groups->n, opt, a->queue);
        rd_kafka_DeleteGroup_destroy_array(del, r->groups->n);
        free(del);
        break;
    }
    case RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS: {
        rd_kafka_ListConsumerGroupOffsets_t *req =
            rd_kafka_ListConsumerGroupOffsets_new(r->group, r->parts);
        rd_kafka_ListConsumerGroupOffsets(a->rk, &req, 1, opt, a->queue);
        rd_kafka_ListConsumerGroupOffsets_destroy(req);
        break;
    }
    case RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS: {
        rd_kafka_AlterConsumerGroupOffsets_t *req =
            rd_kafka_AlterConsumerGroupOffsets_new(r->group, r->parts);
        rd_kafka_AlterConsumerGroupOffsets(a->rk, &req, 1, opt, a->queue);
        rd_kafka_AlterConsumerGroupOffsets_destroy(req);
        break;
    }
    case RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS: {
        rd_kafka_DeleteConsumerGroupOffsets_t *req =
            rd_kafka_DeleteConsumerGroupOffsets_new(r->group, r->parts);
        rd_kafka_DeleteConsumerGroupOffsets(a->rk, &req, 1, opt, a->queue);
        rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
        break;
    }
    default:
        abort();
    }
}

static bool timed_out(const rd_kafka_error_t *e)
{
    return e && rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__TIMED_OUT;
}

/* Whether a result of @p op holds a group that timed out: librdkafka sends DescribeGroups and
 * DeleteGroups per group and reports a timeout in that group's result, not the event's. */
static bool group_timed_out(rd_kafka_event_t *ev, rd_kafka_admin_op_t op)
{
    size_t n = 0;
    const rd_kafka_group_result_t **res = NULL;
    if (op == RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS) {
        const rd_kafka_ConsumerGroupDescription_t **d =
            rd_kafka_DescribeConsumerGroups_result_groups(
                rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
        for (size_t i = 0; i < n; i++)
            if (timed_out(rd_kafka_ConsumerGroupDescription_error(d[i])))
                return true;
        return false;
    }
    if (op == RD_KAFKA_ADMIN_OP_DELETEGROUPS)
        res = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
    else if (op == RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS)
        res = rd_kafka_ListConsumerGroupOffsets_result_groups(
            rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
    else if (op == RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS)
        res = rd_kafka_AlterConsumerGroupOffsets_result_groups(
            rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
    else if (op == RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS)
        res = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
            rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
    for (size_t i = 0; i < n; i++)
        if (timed_out(rd_kafka_group_result_error(res[i])))
            return true;
    return false;
}

/*
 * Runs @p r within --timeout. librdkafka 2.0.2 asks FindCoordinator three times, 100 ms apart,
 * while the broker answers COORDINATOR_NOT_AVAILABLE or COORDINATOR_LOAD_IN_PROGRESS, and then
 * waits for a broker state change that never comes until the request times out: the first group
 * request after __consumer_offsets is created, or while a moved coordinator loads its groups,
 * would take the whole --timeout and fail. So each attempt gets a slice of the time left (1 s,
 * then doubling), and an attempt that timed out (as a whole or for one of its groups) is sent
 * again, whole, while time is left. Sending again
 * is harmless for every request here except DeleteGroups, whose repeat after a first attempt
 * that did reach the coordinator answers GROUP_ID_NOT_FOUND; that takes an answer slower than
 * the slice.
 * @return the result event, or NULL with the reason in @p why and a->wait_err.
 */
static rd_kafka_event_t *run_request(kc_admin *a, const group_req *r, char *why, size_t len)
{
    int total = a->timeout_ms, slice = 1000;
    int64_t deadline = kc_mono_ms() + total;
    for (;;) {
        int64_t left = deadline - kc_mono_ms();
        a->timeout_ms = left < 1 ? 1 : left < slice ? (int)left : slice;
        rd_kafka_AdminOptions_t *opt = kc_admin_options(a, r->op);
        start_request(a, r, opt);
        rd_kafka_AdminOptions_destroy(opt);
        rd_kafka_event_t *ev = kc_admin_wait(a, why, len);
        a->timeout_ms = total;
        bool again = ev ? group_timed_out(ev, r->op) : a->wait_err == RD_KAFKA_RESP_ERR__TIMED_OUT;
        if (!again || kc_mono_ms() >= deadline)
            return ev;
        if (ev)
            rd_kafka_event_destroy(ev);
        if (slice < INT32_MAX / 2)
            slice *= 2;
    }
}

/* run_request, printing why when it failed. */
static rd_kafka_event_t *request(kc_admin *a, const group_req *r)
{
    char why[512];
    rd_kafka_event_t *ev = run_request(a, r, why, sizeof(why));
    if (!ev)
        kc_print_error(CONTEXT, err_text(why));
    return ev;
}

static void print_group_error(const rd_kafka_error_t *e)
{
    kc_print_error(CONTEXT, err_text(rd_kafka_error_string(e)));
}

/* The ids of all consumer groups, sorted. */
static int list_group_ids(kc_admin *a, kc_strv *out)
{
    rd_kafka_AdminOptions_t *opt = kc_admin_options(a, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    rd_kafka_ListConsumerGroups(a->rk, opt, a->queue);
    rd_kafka_AdminOptions_destroy(opt);
    rd_kafka_event_t *ev = wait_result(a);
    if (!ev)
        return -1;
    const rd_kafka_ListConsumerGroups_result_t *res = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t n = 0, n_err = 0;
    const rd_kafka_error_t **errs = rd_kafka_ListConsumerGroups_result_errors(res, &n_err);
    if (n_err) { /* a broker did not answer: the list would be incomplete */
        print_group_error(errs[0]);
        rd_kafka_event_destroy(ev);
        return -1;
    }
    const rd_kafka_ConsumerGroupListing_t **l = rd_kafka_ListConsumerGroups_result_valid(res, &n);
    for (size_t i = 0; i < n; i++) {
        const char *id = rd_kafka_ConsumerGroupListing_group_id(l[i]);
        if (!kc_strv_contains(out, id))
            kc_strv_push(out, id, (size_t)-1);
    }
    rd_kafka_event_destroy(ev);
    kc_strv_sort(out);
    return 0;
}

/* The groups the command acts on: --all-groups lists them, else --group, sorted. */
static int target_groups(kc_admin *a, const groups_opts *o, kc_strv *out)
{
    if (o->all_groups)
        return list_group_ids(a, out);
    for (size_t i = 0; i < o->groups.n; i++)
        kc_strv_push(out, o->groups.v[i], (size_t)-1);
    kc_strv_sort(out);
    return 0;
}

/* DescribeConsumerGroups of @p ids (at least one); NULL after printing why. */
static rd_kafka_event_t *describe_groups(kc_admin *a, const kc_strv *ids)
{
    group_req r = {.op = RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, .groups = ids};
    return request(a, &r);
}

static const rd_kafka_ConsumerGroupDescription_t *find_description(rd_kafka_event_t *ev,
                                                                   const char *group)
{
    size_t n = 0;
    const rd_kafka_ConsumerGroupDescription_t **d = rd_kafka_DescribeConsumerGroups_result_groups(
        rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rd_kafka_ConsumerGroupDescription_group_id(d[i]), group) == 0)
            return d[i];
    return NULL;
}

/* The state of a described group; a group the coordinator does not know is Dead (as Kafka's
 * DescribeGroups answers it). UNKNOWN after printing why when the description failed. */
static rd_kafka_consumer_group_state_t group_state(const rd_kafka_ConsumerGroupDescription_t *d,
                                                   const char *group)
{
    if (!d) {
        char msg[512];
        snprintf(msg, sizeof(msg), "DescribeConsumerGroups answered nothing for group '%s'", group);
        kc_print_error(CONTEXT, msg);
        return RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN;
    }
    const rd_kafka_error_t *e = rd_kafka_ConsumerGroupDescription_error(d);
    if (e && rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
        return RD_KAFKA_CONSUMER_GROUP_STATE_DEAD;
    if (e) {
        print_group_error(e);
        return RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN;
    }
    return rd_kafka_ConsumerGroupDescription_state(d);
}

/* The committed offsets of @p group (partitions without one left out), sorted by topic and
 * partition; NULL after printing why. */
static rd_kafka_topic_partition_list_t *committed_offsets(kc_admin *a, const char *group)
{
    group_req r = {.op = RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, .group = group};
    rd_kafka_event_t *ev = request(a, &r);
    if (!ev)
        return NULL;
    size_t n = 0;
    const rd_kafka_group_result_t **res = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
    rd_kafka_topic_partition_list_t *out = NULL;
    if (n != 1) {
        kc_print_error(CONTEXT, "ListConsumerGroupOffsets answered no result for the group");
    } else if (rd_kafka_group_result_error(res[0])) {
        print_group_error(rd_kafka_group_result_error(res[0]));
    } else {
        const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(res[0]);
        out = rd_kafka_topic_partition_list_new(parts ? parts->cnt : 0);
        /* as Kafka's admin client: a partition with an error or offset -1 has no commit */
        for (int i = 0; parts && i < parts->cnt; i++)
            if (!parts->elems[i].err && parts->elems[i].offset >= 0)
                rd_kafka_topic_partition_list_add(out, parts->elems[i].topic,
                                                  parts->elems[i].partition)
                    ->offset = parts->elems[i].offset;
        rd_kafka_topic_partition_list_sort(out, NULL, NULL);
    }
    rd_kafka_event_destroy(ev);
    return out;
}

static bool md_has_partition(const rd_kafka_metadata_t *md, const char *topic, int32_t partition)
{
    for (int i = 0; i < md->topic_cnt; i++) {
        if (strcmp(md->topics[i].topic, topic) != 0)
            continue;
        for (int p = 0; p < md->topics[i].partition_cnt; p++)
            if (md->topics[i].partitions[p].id == partition)
                return true;
    }
    return false;
}

/* ListOffsets for every partition of @p tps at @p when (-2 earliest, -1 latest, or a
 * timestamp in ms), written to each element's offset; a partition the metadata does not know,
 * or whose query failed, gets its error in ->err and offset -1. Partitions are queried together
 * (one request per leader). @return 0, or -1 after printing why when the query as a whole
 * failed. */
static int list_offsets(kc_admin *a, rd_kafka_topic_partition_list_t *tps, int64_t when)
{
    rd_kafka_topic_partition_list_t *q = rd_kafka_topic_partition_list_new(tps->cnt);
    for (int i = 0; i < tps->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &tps->elems[i];
        tp->offset = -1;
        tp->err = RD_KAFKA_RESP_ERR_NO_ERROR;
        /* librdkafka would wait out the whole timeout for a partition that has no leader to
         * find */
        if (!md_has_partition(a->md, tp->topic, tp->partition))
            tp->err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        else
            rd_kafka_topic_partition_list_add(q, tp->topic, tp->partition)->offset = when;
    }
    int rc = 0;
    if (q->cnt) {
        rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(a->rk, q, a->timeout_ms);
        if (e) {
            kc_print_error(CONTEXT, code_text(e));
            rc = -1;
        }
        for (int i = 0; rc == 0 && i < q->cnt; i++) {
            rd_kafka_topic_partition_t *tp =
                rd_kafka_topic_partition_list_find(tps, q->elems[i].topic, q->elems[i].partition);
            tp->err = q->elems[i].err;
            tp->offset = q->elems[i].err ? -1 : q->elems[i].offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(q);
    return rc;
}

static const char *num_or_dash(char *buf, size_t len, int64_t v)
{
    if (v < 0)
        return "-";
    snprintf(buf, len, "%" PRId64, v);
    return buf;
}

static size_t max_len(size_t w, const char *s)
{
    size_t n = strlen(s);
    return n > w ? n : w;
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* Kafka's shouldPrintMemberState: the note for the group's state (stderr) and whether its table
 * is printed. A Dead group is an error. */
static bool state_allows_print(const char *group, rd_kafka_consumer_group_state_t st, size_t rows,
                               int *rc)
{
    char msg[512];
    switch (st) {
    case RD_KAFKA_CONSUMER_GROUP_STATE_DEAD:
        snprintf(msg, sizeof(msg), "Consumer group '%s' does not exist.", group);
        kc_print_error("", msg);
        *rc = -1;
        return false;
    case RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY:
        fprintf(stderr, "Consumer group '%s' has no active members.\n", group);
        break;
    case RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE:
    case RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE:
        fprintf(stderr, "Warning: Consumer group '%s' is rebalancing.\n", group);
        break;
    case RD_KAFKA_CONSUMER_GROUP_STATE_STABLE:
        break;
    default:
        snprintf(msg, sizeof(msg), "Expected a valid consumer group state, but found '%s'.",
                 rd_kafka_consumer_group_state_name(st));
        kc_print_error("", msg);
        *rc = -1;
        return false;
    }
    return rows > 0;
}

/* ------------------------------------------------------------------------------------------ */
/* --list */

static int cmd_list(kc_admin *a, const groups_opts *o)
{
    kc_strv ids = {0};
    if (list_group_ids(a, &ids) < 0)
        return -1;
    int rc = 0;
    if (!o->state) {
        for (size_t i = 0; i < ids.n; i++)
            puts(ids.v[i]);
    } else {
        rd_kafka_event_t *ev = ids.n ? describe_groups(a, &ids) : NULL;
        size_t w = 15;
        for (size_t i = 0; i < ids.n; i++)
            w = max_len(w, ids.v[i]);
        if (ids.n && !ev) {
            rc = -1;
        } else {
            printf("%-*s %s\n", (int)w, "GROUP", "STATE");
            for (size_t i = 0; i < ids.n; i++) {
                rd_kafka_consumer_group_state_t st =
                    group_state(find_description(ev, ids.v[i]), ids.v[i]);
                if (st == RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN) {
                    rc = -1;
                    continue;
                }
                if (!o->has_state_filter || o->state_filter[st])
                    printf("%-*s %s\n", (int)w, ids.v[i], rd_kafka_consumer_group_state_name(st));
            }
        }
        if (ev)
            rd_kafka_event_destroy(ev);
    }
    kc_strv_free(&ids);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* --describe */

typedef struct offset_row {
    const char *topic;
    int32_t partition;
    int64_t offset; /* committed, -1: none */
    int64_t leo;    /* -1: unknown */
    const char *consumer, *host, *client;
} offset_row;

static int cmp_member_size(const void *x, const void *y)
{
    const rd_kafka_MemberDescription_t *a = *(const rd_kafka_MemberDescription_t *const *)x;
    const rd_kafka_MemberDescription_t *b = *(const rd_kafka_MemberDescription_t *const *)y;
    int na = rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(a))->cnt;
    int nb = rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(b))->cnt;
    return (nb > na) - (nb < na);
}

/* The members of @p d, those with most partitions first (Kafka's order for the offsets table;
 * ties keep the coordinator's order). Caller frees. */
static const rd_kafka_MemberDescription_t **
sorted_members(const rd_kafka_ConsumerGroupDescription_t *d, size_t *n)
{
    *n = rd_kafka_ConsumerGroupDescription_member_count(d);
    const rd_kafka_MemberDescription_t **m = calloc(*n ? *n : 1, sizeof(*m));
    if (!m)
        abort();
    for (size_t i = 0; i < *n; i++)
        m[i] = rd_kafka_ConsumerGroupDescription_member(d, i);
    /* insertion sort: stable, and groups are small */
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && cmp_member_size(&m[j - 1], &m[j]) > 0; j--) {
            const rd_kafka_MemberDescription_t *t = m[j];
            m[j] = m[j - 1];
            m[j - 1] = t;
        }
    return m;
}

static void push_row(offset_row **rows, size_t *n, offset_row r)
{
    offset_row *grown = realloc(*rows, (*n + 1) * sizeof(**rows));
    if (!grown)
        abort();
    *rows = grown;
    grown[(*n)++] = r;
}

/* GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID: the
 * partitions assigned to members, then those with a committed offset but no member. */
static int describe_offsets(kc_admin *a, const char *group,
                            const rd_kafka_ConsumerGroupDescription_t *d,
                            rd_kafka_consumer_group_state_t st)
{
    rd_kafka_topic_partition_list_t *committed = committed_offsets(a, group);
    if (!committed)
        return -1;
    offset_row *rows = NULL;
    size_t n_rows = 0, n_members;
    const rd_kafka_MemberDescription_t **members = sorted_members(d, &n_members);
    rd_kafka_topic_partition_list_t *owned = rd_kafka_topic_partition_list_new(8);
    rd_kafka_topic_partition_list_t *parts = NULL;
    for (size_t i = 0; i < n_members; i++) {
        const rd_kafka_MemberDescription_t *m = members[i];
        parts = rd_kafka_topic_partition_list_copy(
            rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m)));
        rd_kafka_topic_partition_list_sort(parts, NULL, NULL);
        for (int p = 0; p < parts->cnt; p++) {
            const rd_kafka_topic_partition_t *tp = &parts->elems[p];
            const rd_kafka_topic_partition_t *c =
                rd_kafka_topic_partition_list_find(committed, tp->topic, tp->partition);
            rd_kafka_topic_partition_t *kept =
                rd_kafka_topic_partition_list_add(owned, tp->topic, tp->partition);
            push_row(&rows, &n_rows,
                     (offset_row){kept->topic, tp->partition, c ? c->offset : -1, -1,
                                  or_empty(rd_kafka_MemberDescription_consumer_id(m)),
                                  or_empty(rd_kafka_MemberDescription_host(m)),
                                  or_empty(rd_kafka_MemberDescription_client_id(m))});
        }
        rd_kafka_topic_partition_list_destroy(parts);
    }
    free(members);
    for (int i = 0; i < committed->cnt; i++) {
        const rd_kafka_topic_partition_t *c = &committed->elems[i];
        if (!rd_kafka_topic_partition_list_find(owned, c->topic, c->partition))
            push_row(&rows, &n_rows,
                     (offset_row){c->topic, c->partition, c->offset, -1, "-", "-", "-"});
    }

    int rc = 0;
    if (n_rows) { /* the log end offsets, for every row at once */
        parts = rd_kafka_topic_partition_list_new((int)n_rows);
        for (size_t r = 0; r < n_rows; r++)
            if (!rd_kafka_topic_partition_list_find(parts, rows[r].topic, rows[r].partition))
                rd_kafka_topic_partition_list_add(parts, rows[r].topic, rows[r].partition);
        rc = list_offsets(a, parts, RD_KAFKA_OFFSET_END);
        for (size_t r = 0; rc == 0 && r < n_rows; r++)
            rows[r].leo =
                rd_kafka_topic_partition_list_find(parts, rows[r].topic, rows[r].partition)->offset;
        rd_kafka_topic_partition_list_destroy(parts);
    }
    if (rc == 0 && state_allows_print(group, st, n_rows, &rc)) {
        size_t wg = max_len(15, group), wt = 15, wc = 15, wh = 15;
        for (size_t r = 0; r < n_rows; r++) {
            wt = max_len(wt, rows[r].topic);
            wc = max_len(wc, rows[r].consumer);
            wh = max_len(wh, rows[r].host);
        }
        printf("\n%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s\n", (int)wg, "GROUP", (int)wt,
               "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", (int)wc,
               "CONSUMER-ID", (int)wh, "HOST", "CLIENT-ID");
        for (size_t r = 0; r < n_rows; r++) {
            const offset_row *w = &rows[r];
            char b1[24], b2[24], b3[24];
            int64_t lag = w->offset >= 0 && w->leo >= 0 ? w->leo - w->offset : -1;
            /* a committed offset past the end (a truncated log) makes a negative lag, which
             * Kafka prints as it is */
            const char *lag_s = w->offset >= 0 && w->leo >= 0
                                    ? (snprintf(b3, sizeof(b3), "%" PRId64, lag), b3)
                                    : "-";
            printf("%-*s %-*s %-10d %-15s %-15s %-15s %-*s %-*s %s\n", (int)wg, group, (int)wt,
                   w->topic, (int)w->partition, num_or_dash(b1, sizeof(b1), w->offset),
                   num_or_dash(b2, sizeof(b2), w->leo), lag_s, (int)wc, w->consumer, (int)wh,
                   w->host, w->client);
        }
    }
    free(rows);
    rd_kafka_topic_partition_list_destroy(owned);
    rd_kafka_topic_partition_list_destroy(committed);
    return rc;
}

static int cmp_tp(const void *x, const void *y)
{
    const rd_kafka_topic_partition_t *a = x, *b = y;
    int c = strcmp(a->topic, b->topic);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

/* "t1(0,1), t2(3)" or "-", as Kafka's --members --verbose. */
static void print_assignment(const rd_kafka_topic_partition_list_t *assigned)
{
    if (!assigned || !assigned->cnt) {
        fputs("-", stdout);
        return;
    }
    rd_kafka_topic_partition_t *s = malloc((size_t)assigned->cnt * sizeof(*s));
    if (!s)
        abort();
    memcpy(s, assigned->elems, (size_t)assigned->cnt * sizeof(*s));
    qsort(s, (size_t)assigned->cnt, sizeof(*s), cmp_tp);
    for (int i = 0; i < assigned->cnt; i++) {
        bool first_of_topic = i == 0 || strcmp(s[i - 1].topic, s[i].topic) != 0;
        bool last_of_topic = i + 1 == assigned->cnt || strcmp(s[i + 1].topic, s[i].topic) != 0;
        if (first_of_topic)
            printf("%s%s(", i ? ", " : "", s[i].topic);
        printf("%d%s", (int)s[i].partition, last_of_topic ? ")" : ",");
    }
    free(s);
}

/* GROUP CONSUMER-ID [GROUP-INSTANCE-ID] HOST CLIENT-ID #PARTITIONS [ASSIGNMENT] */
static int describe_members(const groups_opts *o, const char *group,
                            const rd_kafka_ConsumerGroupDescription_t *d,
                            rd_kafka_consumer_group_state_t st)
{
    size_t n = rd_kafka_ConsumerGroupDescription_member_count(d);
    int rc = 0;
    if (!state_allows_print(group, st, n, &rc))
        return rc;
    size_t wg = max_len(15, group), wc = 15, wi = 17, wh = 15, wl = 15;
    bool with_instance = false;
    for (size_t i = 0; i < n; i++) {
        const rd_kafka_MemberDescription_t *m = rd_kafka_ConsumerGroupDescription_member(d, i);
        const char *inst = or_empty(rd_kafka_MemberDescription_group_instance_id(m));
        wc = max_len(wc, or_empty(rd_kafka_MemberDescription_consumer_id(m)));
        wi = max_len(wi, inst);
        wh = max_len(wh, or_empty(rd_kafka_MemberDescription_host(m)));
        wl = max_len(wl, or_empty(rd_kafka_MemberDescription_client_id(m)));
        with_instance |= inst[0] != '\0';
    }
    printf("\n%-*s %-*s ", (int)wg, "GROUP", (int)wc, "CONSUMER-ID");
    if (with_instance)
        printf("%-*s ", (int)wi, "GROUP-INSTANCE-ID");
    printf("%-*s %-*s %-15s %s\n", (int)wh, "HOST", (int)wl, "CLIENT-ID", "#PARTITIONS",
           o->verbose ? "ASSIGNMENT" : "");
    for (size_t i = 0; i < n; i++) {
        const rd_kafka_MemberDescription_t *m = rd_kafka_ConsumerGroupDescription_member(d, i);
        const rd_kafka_topic_partition_list_t *assigned =
            rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m));
        printf("%-*s %-*s ", (int)wg, group, (int)wc,
               or_empty(rd_kafka_MemberDescription_consumer_id(m)));
        if (with_instance)
            printf("%-*s ", (int)wi, or_empty(rd_kafka_MemberDescription_group_instance_id(m)));
        printf("%-*s %-*s %-15d ", (int)wh, or_empty(rd_kafka_MemberDescription_host(m)), (int)wl,
               or_empty(rd_kafka_MemberDescription_client_id(m)), assigned ? assigned->cnt : 0);
        if (o->verbose)
            print_assignment(assigned);
        putchar('\n');
    }
    return 0;
}

/* GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS */
static int describe_state(const char *group, const rd_kafka_ConsumerGroupDescription_t *d,
                          rd_kafka_consumer_group_state_t st)
{
    int rc = 0;
    if (!state_allows_print(group, st, 1, &rc))
        return rc;
    const rd_kafka_Node_t *node = rd_kafka_ConsumerGroupDescription_coordinator(d);
    char coordinator[300];
    if (node)
        snprintf(coordinator, sizeof(coordinator), "%s:%u (%d)", or_empty(rd_kafka_Node_host(node)),
                 (unsigned)rd_kafka_Node_port(node), rd_kafka_Node_id(node));
    else
        snprintf(coordinator, sizeof(coordinator), "-");
    /* as Kafka: the coordinator's width sizes the GROUP column */
    int w = (int)max_len(25, coordinator);
    printf("\n%-*s %-25s %-20s %-15s %s", w, "GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY",
           "STATE", "#MEMBERS");
    printf("\n%-*s %-25s %-20s %-15s %zu\n", w, group, coordinator,
           or_empty(rd_kafka_ConsumerGroupDescription_partition_assignor(d)),
           rd_kafka_consumer_group_state_name(st),
           rd_kafka_ConsumerGroupDescription_member_count(d));
    return 0;
}

static int cmd_describe(kc_admin *a, const groups_opts *o)
{
    kc_strv ids = {0};
    if (target_groups(a, o, &ids) < 0)
        return -1;
    int rc = 0;
    rd_kafka_event_t *ev = ids.n ? describe_groups(a, &ids) : NULL;
    if (ids.n && !ev)
        rc = -1;
    for (size_t i = 0; ev && i < ids.n; i++) {
        const rd_kafka_ConsumerGroupDescription_t *d = find_description(ev, ids.v[i]);
        rd_kafka_consumer_group_state_t st = group_state(d, ids.v[i]);
        int one = 0;
        if (st == RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN)
            one = -1;
        else if (o->members)
            one = describe_members(o, ids.v[i], d, st);
        else if (o->state)
            one = describe_state(ids.v[i], d, st);
        else if (st == RD_KAFKA_CONSUMER_GROUP_STATE_DEAD)
            state_allows_print(ids.v[i], st, 0, &one); /* the "does not exist" error */
        else
            one = describe_offsets(a, ids.v[i], d, st);
        if (one < 0)
            rc = -1;
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    kc_strv_free(&ids);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* --delete */

static void print_quoted_list(const kc_strv *names, bool ok_only, const bool *ok)
{
    bool first = true;
    for (size_t i = 0; i < names->n; i++) {
        if (ok_only && !ok[i])
            continue;
        printf("%s'%s'", first ? "" : ", ", names->v[i]);
        first = false;
    }
}

static int cmd_delete(kc_admin *a, const groups_opts *o)
{
    kc_strv ids = {0};
    if (target_groups(a, o, &ids) < 0)
        return -1;
    bool *ok = calloc(ids.n ? ids.n : 1, sizeof(*ok));
    const char **why = calloc(ids.n ? ids.n : 1, sizeof(*why));
    if (!ok || !why)
        abort();
    rd_kafka_event_t *ev = NULL;
    int rc = 0;
    if (ids.n) {
        group_req r = {.op = RD_KAFKA_ADMIN_OP_DELETEGROUPS, .groups = &ids};
        if (!(ev = request(a, &r)))
            rc = -1;
    }
    size_t n_res = 0, n_failed = 0;
    const rd_kafka_group_result_t **res =
        ev ? rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n_res)
           : NULL;
    for (size_t i = 0; ev && i < ids.n; i++) {
        why[i] = "DeleteGroups answered no result for the group";
        for (size_t j = 0; j < n_res; j++) {
            if (strcmp(rd_kafka_group_result_name(res[j]), ids.v[i]) != 0)
                continue;
            const rd_kafka_error_t *e = rd_kafka_group_result_error(res[j]);
            ok[i] = !e;
            why[i] = e ? err_text(rd_kafka_error_string(e)) : NULL;
        }
        n_failed += !ok[i];
    }
    if (rc == 0 && !n_failed) {
        fputs("Deletion of requested consumer groups (", stdout);
        print_quoted_list(&ids, false, ok);
        puts(") was successful.");
    } else if (rc == 0) {
        rc = -1;
        kc_print_error("", "Deletion of some consumer groups failed:");
        for (size_t i = 0; i < ids.n; i++)
            if (!ok[i])
                fprintf(stderr, "* Group '%s' could not be deleted due to: %s\n", ids.v[i], why[i]);
        if (n_failed < ids.n) {
            fputs("\nThese consumer groups were deleted successfully: ", stdout);
            print_quoted_list(&ids, true, ok);
            putchar('\n');
        }
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    free(ok);
    free(why);
    kc_strv_free(&ids);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* --reset-offsets */

/* Prints Kafka's "Error getting <what> offset of topic partition: t-p" for the first partition
 * of @p tps without an offset; @return -1 then, 0 when every partition has one. */
static int require_offsets(const rd_kafka_topic_partition_list_t *tps, const char *what)
{
    for (int i = 0; i < tps->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &tps->elems[i];
        if (tp->err || tp->offset < 0) {
            char msg[512];
            snprintf(msg, sizeof(msg), "Error getting %s offset of topic partition: %s-%d%s%s",
                     what, tp->topic, (int)tp->partition, tp->err ? ": " : "",
                     tp->err ? code_text(tp->err) : "");
            kc_print_error("", msg);
            return -1;
        }
    }
    return 0;
}

/* A copy of @p tps with each partition's earliest (-2) or latest (-1) offset; NULL after
 * printing why. */
static rd_kafka_topic_partition_list_t *
log_offsets(kc_admin *a, const rd_kafka_topic_partition_list_t *tps, int64_t when)
{
    rd_kafka_topic_partition_list_t *out = rd_kafka_topic_partition_list_copy(tps);
    if (list_offsets(a, out, when) < 0 ||
        require_offsets(out, when == RD_KAFKA_OFFSET_BEGINNING ? "starting" : "ending") < 0) {
        rd_kafka_topic_partition_list_destroy(out);
        return NULL;
    }
    return out;
}

/* Kafka's checkOffsetsRange: each requested offset into [log start, log end], with a warning
 * when it moves. */
static int clamp_offsets(kc_admin *a, rd_kafka_topic_partition_list_t *plan)
{
    rd_kafka_topic_partition_list_t *start = log_offsets(a, plan, RD_KAFKA_OFFSET_BEGINNING);
    rd_kafka_topic_partition_list_t *end = start ? log_offsets(a, plan, RD_KAFKA_OFFSET_END) : NULL;
    if (!end) {
        if (start)
            rd_kafka_topic_partition_list_destroy(start);
        return -1;
    }
    for (int i = 0; i < plan->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &plan->elems[i];
        int64_t lo = start->elems[i].offset, hi = end->elems[i].offset;
        if (tp->offset > hi) {
            fprintf(stderr,
                    "WARN: New offset (%" PRId64 ") is higher than latest offset for topic "
                    "partition %s-%d. Value will be set to %" PRId64 "\n",
                    tp->offset, tp->topic, (int)tp->partition, hi);
            tp->offset = hi;
        } else if (tp->offset < lo) {
            fprintf(stderr,
                    "WARN: New offset (%" PRId64 ") is lower than earliest offset for topic "
                    "partition %s-%d. Value will be set to %" PRId64 "\n",
                    tp->offset, tp->topic, (int)tp->partition, lo);
            tp->offset = lo;
        }
    }
    rd_kafka_topic_partition_list_destroy(start);
    rd_kafka_topic_partition_list_destroy(end);
    return 0;
}

/* The partitions to reset: --all-topics is those with a committed offset, --topic T all of T's
 * partitions (from the metadata), --topic T:P those named. Sorted; NULL after printing why. */
static rd_kafka_topic_partition_list_t *
partitions_to_reset(kc_admin *a, const groups_opts *o,
                    const rd_kafka_topic_partition_list_t *committed)
{
    rd_kafka_topic_partition_list_t *out = rd_kafka_topic_partition_list_new(8);
    if (o->all_topics) {
        for (int i = 0; i < committed->cnt; i++)
            rd_kafka_topic_partition_list_add(out, committed->elems[i].topic,
                                              committed->elems[i].partition);
    }
    for (int i = 0; i < o->topics->cnt; i++) {
        const rd_kafka_topic_partition_t *spec = &o->topics->elems[i];
        if (spec->partition != RD_KAFKA_PARTITION_UA) {
            if (!rd_kafka_topic_partition_list_find(out, spec->topic, spec->partition))
                rd_kafka_topic_partition_list_add(out, spec->topic, spec->partition);
            continue;
        }
        const rd_kafka_metadata_topic_t *mt = NULL;
        for (int t = 0; t < a->md->topic_cnt; t++)
            if (strcmp(a->md->topics[t].topic, spec->topic) == 0)
                mt = &a->md->topics[t];
        if (!mt || mt->err) {
            char msg[512];
            snprintf(msg, sizeof(msg), "%s: %s",
                     code_text(mt ? mt->err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART),
                     spec->topic);
            kc_print_error(CONTEXT, msg);
            rd_kafka_topic_partition_list_destroy(out);
            return NULL;
        }
        for (int p = 0; p < mt->partition_cnt; p++)
            if (!rd_kafka_topic_partition_list_find(out, spec->topic, mt->partitions[p].id))
                rd_kafka_topic_partition_list_add(out, spec->topic, mt->partitions[p].id);
    }
    rd_kafka_topic_partition_list_sort(out, NULL, NULL);
    return out;
}

static int64_t add_saturating(int64_t x, int64_t y)
{
    if (y > 0 && x > INT64_MAX - y)
        return INT64_MAX;
    if (y < 0 && x < INT64_MIN - y)
        return INT64_MIN;
    return x + y;
}

/* Kafka's prepareOffsetsToReset: the new offset of every partition of @p plan. */
static int prepare_offsets(kc_admin *a, const groups_opts *o, rd_kafka_topic_partition_list_t *plan,
                           const rd_kafka_topic_partition_list_t *committed)
{
    rd_kafka_topic_partition_list_t *got = NULL;
    int64_t when = o->scenario_value;
    switch (o->scenario) {
    case SC_TO_OFFSET:
        for (int i = 0; i < plan->cnt; i++)
            plan->elems[i].offset = o->scenario_value;
        return clamp_offsets(a, plan);
    case SC_SHIFT_BY:
        for (int i = 0; i < plan->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &plan->elems[i];
            const rd_kafka_topic_partition_t *c =
                rd_kafka_topic_partition_list_find(committed, tp->topic, tp->partition);
            if (!c) {
                char msg[512];
                snprintf(msg, sizeof(msg),
                         "Cannot shift offset for partition %s-%d since there is no current "
                         "committed offset",
                         tp->topic, (int)tp->partition);
                kc_print_error("", msg);
                return -1;
            }
            tp->offset = add_saturating(c->offset, o->scenario_value);
        }
        return clamp_offsets(a, plan);
    case SC_TO_EARLIEST:
    case SC_TO_LATEST:
        got = log_offsets(a, plan,
                          o->scenario == SC_TO_EARLIEST ? RD_KAFKA_OFFSET_BEGINNING
                                                        : RD_KAFKA_OFFSET_END);
        break;
    case SC_BY_DURATION:
        when = (int64_t)time(NULL) * 1000 - o->scenario_value;
        /* fall through */
    case SC_TO_DATETIME:
        got = rd_kafka_topic_partition_list_copy(plan);
        if (list_offsets(a, got, when) < 0) {
            rd_kafka_topic_partition_list_destroy(got);
            return -1;
        }
        /* no record at or after the time: the log end, as Kafka */
        for (int i = 0; i < got->cnt; i++) {
            if (got->elems[i].err || got->elems[i].offset >= 0)
                continue;
            rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
            rd_kafka_topic_partition_list_add(one, got->elems[i].topic, got->elems[i].partition);
            rd_kafka_topic_partition_list_t *end = log_offsets(a, one, RD_KAFKA_OFFSET_END);
            rd_kafka_topic_partition_list_destroy(one);
            if (!end) {
                rd_kafka_topic_partition_list_destroy(got);
                return -1;
            }
            got->elems[i].offset = end->elems[0].offset;
            rd_kafka_topic_partition_list_destroy(end);
        }
        if (require_offsets(got, "by timestamp") < 0) {
            rd_kafka_topic_partition_list_destroy(got);
            return -1;
        }
        break;
    case SC_TO_CURRENT:
        got = log_offsets(a, plan, RD_KAFKA_OFFSET_END);
        for (int i = 0; got && i < got->cnt; i++) {
            const rd_kafka_topic_partition_t *c = rd_kafka_topic_partition_list_find(
                committed, got->elems[i].topic, got->elems[i].partition);
            if (c)
                got->elems[i].offset = c->offset;
        }
        break;
    default:
        return -1;
    }
    if (!got)
        return -1;
    for (int i = 0; i < plan->cnt; i++)
        plan->elems[i].offset = got->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(got);
    return 0;
}

/* AlterConsumerGroupOffsets: commit @p plan for @p group. */
static int alter_offsets(kc_admin *a, const char *group,
                         const rd_kafka_topic_partition_list_t *plan)
{
    group_req r = {
        .op = RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, .group = group, .parts = plan};
    rd_kafka_event_t *ev = request(a, &r);
    if (!ev)
        return -1;
    size_t n = 0;
    const rd_kafka_group_result_t **res = rd_kafka_AlterConsumerGroupOffsets_result_groups(
        rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
    int rc = 0;
    if (n != 1) {
        kc_print_error(CONTEXT, "AlterConsumerGroupOffsets answered no result for the group");
        rc = -1;
    } else if (rd_kafka_group_result_error(res[0])) {
        print_group_error(rd_kafka_group_result_error(res[0]));
        rc = -1;
    } else {
        const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(res[0]);
        for (int i = 0; parts && i < parts->cnt && rc == 0; i++) {
            if (!parts->elems[i].err)
                continue;
            char msg[512];
            snprintf(msg, sizeof(msg), "%s-%d: %s", parts->elems[i].topic,
                     (int)parts->elems[i].partition, code_text(parts->elems[i].err));
            kc_print_error(CONTEXT, msg);
            rc = -1;
        }
    }
    rd_kafka_event_destroy(ev);
    return rc;
}

/* One group of --reset-offsets: the plan (new offsets) in *plan, committed with --execute.
 * *plan stays NULL when the group may not be reset. */
static int reset_group(kc_admin *a, const groups_opts *o, const char *group,
                       rd_kafka_consumer_group_state_t st, rd_kafka_topic_partition_list_t **plan)
{
    *plan = NULL;
    if (st != RD_KAFKA_CONSUMER_GROUP_STATE_EMPTY && st != RD_KAFKA_CONSUMER_GROUP_STATE_DEAD) {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "Assignments can only be reset if the group '%s' is inactive, but the current "
                 "state is %s.",
                 group, rd_kafka_consumer_group_state_name(st));
        kc_print_error("", msg);
        return -1;
    }
    rd_kafka_topic_partition_list_t *committed = committed_offsets(a, group);
    if (!committed)
        return -1;
    rd_kafka_topic_partition_list_t *p = partitions_to_reset(a, o, committed);
    int rc = p ? prepare_offsets(a, o, p, committed) : -1;
    if (rc == 0 && o->execute && p->cnt)
        rc = alter_offsets(a, group, p);
    rd_kafka_topic_partition_list_destroy(committed);
    if (rc == 0)
        *plan = p;
    else if (p)
        rd_kafka_topic_partition_list_destroy(p);
    return rc;
}

static void print_reset(const groups_opts *o, const kc_strv *ids,
                        rd_kafka_topic_partition_list_t *const *plans)
{
    bool any = false;
    for (size_t g = 0; g < ids->n; g++)
        any |= plans[g] != NULL;
    if (o->export_csv) { /* Kafka's CSV: topic,partition,offset, the group first with several */
        for (size_t g = 0; g < ids->n; g++)
            for (int i = 0; plans[g] && i < plans[g]->cnt; i++) {
                const rd_kafka_topic_partition_t *tp = &plans[g]->elems[i];
                if (o->groups.n != 1)
                    printf("%s,", ids->v[g]);
                printf("%s,%d,%" PRId64 "\n", tp->topic, (int)tp->partition, tp->offset);
            }
        putchar('\n');
        return;
    }
    if (!any)
        return;
    printf("\n%-30s %-30s %-10s %-15s\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
    for (size_t g = 0; g < ids->n; g++)
        for (int i = 0; plans[g] && i < plans[g]->cnt; i++) {
            const rd_kafka_topic_partition_t *tp = &plans[g]->elems[i];
            printf("%-30s %-30s %-10d %-15" PRId64 "\n", ids->v[g], tp->topic, (int)tp->partition,
                   tp->offset);
        }
}

static int cmd_reset(kc_admin *a, const groups_opts *o)
{
    kc_strv ids = {0};
    if (target_groups(a, o, &ids) < 0)
        return -1;
    if (!ids.n) {
        kc_strv_free(&ids);
        return 0;
    }
    rd_kafka_event_t *ev = describe_groups(a, &ids);
    if (!ev) {
        kc_strv_free(&ids);
        return -1;
    }
    rd_kafka_topic_partition_list_t **plans = calloc(ids.n, sizeof(*plans));
    if (!plans)
        abort();
    int rc = 0;
    for (size_t g = 0; g < ids.n; g++) {
        rd_kafka_consumer_group_state_t st = group_state(find_description(ev, ids.v[g]), ids.v[g]);
        if (st == RD_KAFKA_CONSUMER_GROUP_STATE_UNKNOWN ||
            reset_group(a, o, ids.v[g], st, &plans[g]) < 0)
            rc = -1;
    }
    print_reset(o, &ids, plans);
    for (size_t g = 0; g < ids.n; g++)
        if (plans[g])
            rd_kafka_topic_partition_list_destroy(plans[g]);
    free(plans);
    rd_kafka_event_destroy(ev);
    kc_strv_free(&ids);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* --delete-offsets */

/* Kafka's message for the request's outcome, by the first error (0: success). */
static void print_delete_offsets_outcome(const groups_opts *o, rd_kafka_resp_err_t top,
                                         const char *top_text)
{
    const char *group = o->groups.v[0];
    char msg[512];
    switch (top) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
        fputs("Request succeed for deleting offsets with topic ", stdout);
        for (size_t i = 0; i < o->topic_args.n; i++)
            printf("%s%s", i ? ", " : "", o->topic_args.v[i]);
        printf(" group %s\n", group);
        return;
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
        snprintf(msg, sizeof(msg), "'%s' is not valid.", group);
        break;
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
        snprintf(msg, sizeof(msg), "'%s' does not exist.", group);
        break;
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        snprintf(msg, sizeof(msg), "Access to '%s' is not authorized.", group);
        break;
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
        snprintf(msg, sizeof(msg),
                 "Deleting offsets of a consumer group '%s' is forbidden if the group is not "
                 "empty.",
                 group);
        break;
    case RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        snprintf(msg, sizeof(msg),
                 "Encounter some partition level error, see the follow-up "
                 "details:");
        break;
    default:
        snprintf(msg, sizeof(msg), "Encounter some unknown error: %s", top_text);
        break;
    }
    kc_print_error("", msg);
}

static int cmd_delete_offsets(kc_admin *a, const groups_opts *o)
{
    const char *group = o->groups.v[0];
    /* the partitions to delete, and in `missing` the topics the metadata does not know (Kafka's
     * "Not Provided" rows) */
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(8);
    rd_kafka_topic_partition_list_t *missing = rd_kafka_topic_partition_list_new(1);
    for (int i = 0; i < o->topics->cnt; i++) {
        const rd_kafka_topic_partition_t *spec = &o->topics->elems[i];
        if (spec->partition != RD_KAFKA_PARTITION_UA) {
            if (!rd_kafka_topic_partition_list_find(parts, spec->topic, spec->partition))
                rd_kafka_topic_partition_list_add(parts, spec->topic, spec->partition);
            continue;
        }
        bool found = false;
        for (int t = 0; t < a->md->topic_cnt; t++) {
            const rd_kafka_metadata_topic_t *mt = &a->md->topics[t];
            if (strcmp(mt->topic, spec->topic) != 0 || mt->err)
                continue;
            found = true;
            for (int p = 0; p < mt->partition_cnt; p++)
                if (!rd_kafka_topic_partition_list_find(parts, mt->topic, mt->partitions[p].id))
                    rd_kafka_topic_partition_list_add(parts, mt->topic, mt->partitions[p].id);
        }
        if (!found)
            rd_kafka_topic_partition_list_add(missing, spec->topic, -1)->err =
                RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    }

    rd_kafka_resp_err_t top = RD_KAFKA_RESP_ERR_NO_ERROR;
    char top_text[512] = "";
    rd_kafka_event_t *ev = NULL;
    const rd_kafka_topic_partition_list_t *answered = NULL;
    if (parts->cnt) {
        group_req r = {
            .op = RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, .group = group, .parts = parts};
        ev = run_request(a, &r, top_text, sizeof(top_text));
        if (!ev) {
            /* librdkafka fails the whole request on OffsetDelete's top-level error code */
            top = a->wait_err;
            if (top < 0) { /* a local failure (timeout, transport): no outcome to report */
                kc_print_error(CONTEXT, top_text);
                rd_kafka_topic_partition_list_destroy(parts);
                rd_kafka_topic_partition_list_destroy(missing);
                return -1;
            }
        } else {
            size_t n = 0;
            const rd_kafka_group_result_t **res = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
                rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
            const rd_kafka_error_t *e = n == 1 ? rd_kafka_group_result_error(res[0]) : NULL;
            if (e) {
                top = rd_kafka_error_code(e);
                snprintf(top_text, sizeof(top_text), "%s", err_text(rd_kafka_error_string(e)));
            } else if (n == 1) {
                answered = rd_kafka_group_result_partitions(res[0]);
            }
        }
    }
    /* as Kafka's result.all(): the first partition error is the outcome's */
    for (int i = 0; !top && answered && i < answered->cnt; i++)
        top = answered->elems[i].err;
    if (!top && missing->cnt)
        top = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    if (!top_text[0] && top)
        snprintf(top_text, sizeof(top_text), "%s", code_text(top));
    print_delete_offsets_outcome(o, top, top_text);

    printf("\n%-30s %-15s %-15s\n", "TOPIC", "PARTITION", "STATUS");
    rd_kafka_topic_partition_list_t *rows = rd_kafka_topic_partition_list_copy(parts);
    for (int i = 0; i < rows->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &rows->elems[i];
        const rd_kafka_topic_partition_t *r =
            answered ? rd_kafka_topic_partition_list_find(answered, tp->topic, tp->partition)
                     : NULL;
        tp->err = r ? r->err : top;
    }
    for (int i = 0; i < missing->cnt; i++)
        rd_kafka_topic_partition_list_add(rows, missing->elems[i].topic, -1)->err =
            missing->elems[i].err;
    rd_kafka_topic_partition_list_sort(rows, NULL, NULL);
    for (int i = 0; i < rows->cnt; i++) {
        const rd_kafka_topic_partition_t *tp = &rows->elems[i];
        char part[16];
        if (tp->partition >= 0)
            snprintf(part, sizeof(part), "%d", (int)tp->partition);
        else
            snprintf(part, sizeof(part), "Not Provided");
        printf("%-30s %-15s ", tp->topic, part);
        if (tp->err)
            printf("Error: %s\n", tp->err == top && top_text[0] ? top_text : code_text(tp->err));
        else
            printf("Successful\n");
    }
    rd_kafka_topic_partition_list_destroy(rows);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_topic_partition_list_destroy(missing);
    if (ev)
        rd_kafka_event_destroy(ev);
    return top ? -1 : 0;
}

/* ------------------------------------------------------------------------------------------ */

int kc_cli_groups(int argc, char **argv)
{
    groups_opts o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) {
        free_opts(&o);
        return rc;
    }
    kc_admin a;
    char why[1024];
    if (kc_admin_open(&a, o.bootstrap, o.command_config, true, why, sizeof(why)) < 0) {
        kc_print_error(CONTEXT, why);
        free_opts(&o);
        return KC_EXIT_ERROR;
    }
    a.timeout_ms = (int)o.timeout_ms;
    switch (o.action) {
    case ACT_LIST:
        rc = cmd_list(&a, &o);
        break;
    case ACT_DESCRIBE:
        rc = cmd_describe(&a, &o);
        break;
    case ACT_DELETE:
        rc = cmd_delete(&a, &o);
        break;
    case ACT_RESET:
        rc = cmd_reset(&a, &o);
        break;
    case ACT_DELETE_OFFSETS:
        rc = cmd_delete_offsets(&a, &o);
        break;
    default:
        rc = -1;
        break;
    }
    fflush(stdout);
    kc_admin_close(&a);
    free_opts(&o);
    return rc == 0 ? KC_EXIT_OK : KC_EXIT_ERROR;
}
