/*
 * `cafka acls`: kafka-acls.sh over the Kafka protocol (CreateAcls, DeleteAcls, DescribeAcls with
 * the generated codecs of kc_apis.h through cli/wire_client.h). See admin_acls.h for the
 * behaviour; the sources followed are Kafka 2.8's kafka/admin/AclCommand.scala
 * (AclCommandOptions.checkArgs, getResourceFilter, getResourceFilterToAcls, getAcl,
 * validateOperation, AdminClientService) and AclEntry.supportedOperations.
 */
#include "cli/admin_acls.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "cli/wire_client.h"
#include "common/arena.h"
#include "common/xalloc.h"
#include "kc_apis.h"
#include "proto/buf.h"

#define CONTEXT   "while executing ACL command: "
#define CLIENT_ID "cafka-acls"

#define USAGE_LINE                                                                                 \
    "usage: cafka acls --bootstrap-server HOST:PORT [--command-config FILE]\n"                     \
    "           (--add | --remove | --list) [--topic T] [--group G] [--cluster]\n"                 \
    "           [--transactional-id ID] [--allow-principal P] [--operation OP] ...\n"

static const char usage_line[] = USAGE_LINE "`cafka acls --help` describes the options.\n";
static const char usage_text[] = USAGE_LINE
    "Adds, removes and lists ACLs through the brokers, as kafka-acls.sh.\n"
    "  --bootstrap-server HOST:PORT  broker(s) to connect to (comma list: tried in order)\n"
    "  --command-config FILE         client properties (Kafka's or librdkafka's names) for\n"
    "                                SSL/SASL listeners\n"
    "  --add | --remove | --list     the action (--remove without a principal removes every\n"
    "                                ACL of the resources; --list without a resource lists all)\n"
    "  --topic T, --group G, --transactional-id ID, --delegation-token ID (repeatable),\n"
    "  --cluster                     the resources; a LITERAL '*' is every resource of the type\n"
    "  --resource-pattern-type TYPE  literal (default) or prefixed; with --list and --remove\n"
    "                                also any (every pattern type, exact name) or match (every\n"
    "                                pattern that applies to the name)\n"
    "  --allow-principal P           Type:name, e.g. User:alice; User:* is every user\n"
    "  --deny-principal P            (both repeatable; deny rules win over allow rules)\n"
    "  --allow-host H, --deny-host H hosts of those principals (repeatable; default *)\n"
    "  --operation OP                repeatable, default All: Read, Write, Create, Delete,\n"
    "                                Alter, Describe, ClusterAction, DescribeConfigs,\n"
    "                                AlterConfigs, IdempotentWrite, All\n"
    "  --producer                    WRITE, DESCRIBE and CREATE on the topics, WRITE and\n"
    "                                DESCRIBE on the transactional ids; with --idempotent also\n"
    "                                IDEMPOTENT_WRITE on the cluster\n"
    "  --consumer                    READ and DESCRIBE on the topics, READ on the groups (needs\n"
    "                                --topic and --group)\n"
    "  --principal P                 with --list: only the ACLs of P (repeatable)\n"
    "  --force                       accepted; cafka acls never prompts\n"
    "Exit status: 0 success, 1 bad usage or a failed operation.\n";

/* ------------------------------------------------------------------------------------------ */
/* Targets */

kc_acls_target *kc_acls_targets_get(kc_acls_targets *t, int resource_type, const char *name,
                                    int pattern_type)
{
    for (int i = 0; i < t->n; i++) {
        const kc_acl_pattern *p = &t->v[i].pattern;
        bool same_name = p->name && name ? strcmp(p->name, name) == 0 : p->name == name;
        if (p->resource_type == resource_type && p->pattern_type == pattern_type && same_name)
            return &t->v[i];
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->v = kc_xrealloc(t->v, (size_t)t->cap * sizeof(*t->v));
    }
    kc_acls_target *x = &t->v[t->n++];
    memset(x, 0, sizeof(*x));
    x->pattern.resource_type = resource_type;
    x->pattern.name = name ? kc_xstrdup(name) : NULL;
    x->pattern.pattern_type = pattern_type;
    return x;
}

void kc_acls_targets_free(kc_acls_targets *t)
{
    for (int i = 0; i < t->n; i++) {
        kc_acl_pattern_clear(&t->v[i].pattern);
        kc_acl_entries_free(&t->v[i].entries);
    }
    free(t->v);
    memset(t, 0, sizeof(*t));
}

void kc_acls_cmd_free(kc_acls_cmd *c)
{
    kc_acls_targets_free(&c->filters);
    kc_acls_targets_free(&c->targets);
    kc_strv_free(&c->principals);
    memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------------------------------------ */
/* Printing, as Kafka's toString methods and AclCommand's println */

/* Kafka's PascalCase name ("ClusterAction", from security/acl.h) as the Java enum constant it
 * comes from ("CLUSTER_ACTION"); NULL (a code without a name) is "UNKNOWN". */
static const char *enum_name(const char *pascal, char *buf, size_t len)
{
    if (!pascal)
        return "UNKNOWN";
    size_t j = 0;
    for (size_t i = 0; pascal[i] && j + 2 < len; i++) {
        if (i > 0 && isupper((unsigned char)pascal[i]))
            buf[j++] = '_';
        buf[j++] = (char)toupper((unsigned char)pascal[i]);
    }
    buf[j] = '\0';
    return buf;
}

int kc_acls_format_pattern(const kc_acl_pattern *p, char *buf, size_t len)
{
    const char *type = kc_acl_resource_enum_name(p->resource_type);
    const char *pattern = kc_acl_pattern_type_name(p->pattern_type);
    return snprintf(buf, len, "ResourcePattern(resourceType=%s, name=%s, patternType=%s)",
                    type ? type : "UNKNOWN", p->name ? p->name : "<any>",
                    pattern ? pattern : "UNKNOWN");
}

int kc_acls_format_entry(const kc_acl_entry *e, char *buf, size_t len)
{
    char op[32], perm[32];
    return snprintf(buf, len, "(principal=%s, host=%s, operation=%s, permissionType=%s)",
                    e->principal ? e->principal : "<any>", e->host ? e->host : "<any>",
                    enum_name(kc_acl_op_name(e->op), op, sizeof(op)),
                    enum_name(kc_acl_perm_name(e->perm), perm, sizeof(perm)));
}

void kc_acls_print_block(FILE *out, const char *title, const kc_acl_pattern *p,
                         const kc_acl_entry *e, int n)
{
    size_t len = (size_t)kc_acls_format_pattern(p, NULL, 0) + 1;
    char *text = kc_xrealloc(NULL, len);
    kc_acls_format_pattern(p, text, len);
    /* s"$title `$resource`: $Newline ${acls.map("\t" + _).mkString(Newline)} $Newline" */
    fprintf(out, "%s `%s`: \n ", title, text);
    for (int i = 0; i < n; i++) {
        len = (size_t)kc_acls_format_entry(&e[i], NULL, 0) + 1;
        text = kc_xrealloc(text, len);
        kc_acls_format_entry(&e[i], text, len);
        fprintf(out, "%s\t%s", i ? "\n" : "", text);
    }
    fputs(" \n\n", out);
    free(text);
}

void kc_acls_print_listing(FILE *out, const kc_acls_targets *acls, const kc_strv *principals)
{
    if (!principals || principals->n == 0) {
        for (int i = 0; i < acls->n; i++)
            kc_acls_print_block(out, "Current ACLs for resource", &acls->v[i].pattern,
                                acls->v[i].entries.v, acls->v[i].entries.n);
        return;
    }
    for (size_t k = 0; k < principals->n; k++) {
        fprintf(out, "ACLs for principal `%s`\n", principals->v[k]);
        for (int i = 0; i < acls->n; i++) {
            kc_acl_entries mine = {0};
            const kc_acl_entries *all = &acls->v[i].entries;
            for (int j = 0; j < all->n; j++)
                if (all->v[j].principal && strcmp(all->v[j].principal, principals->v[k]) == 0)
                    kc_acl_entries_add(&mine, all->v[j].principal, all->v[j].host, all->v[j].op,
                                       all->v[j].perm);
            if (mine.n > 0)
                kc_acls_print_block(out, "Current ACLs for resource", &acls->v[i].pattern, mine.v,
                                    mine.n);
            kc_acl_entries_free(&mine);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing */

/* The command line as given, before AclCommand's checks. */
typedef struct raw_opts {
    bool add, remove, list, producer, consumer, idempotent, cluster, force;
    const char *bootstrap, *config, *pattern;
    kc_strv topics, groups, txn_ids, tokens, ops, principals;
    kc_strv allow_p, deny_p, allow_h, deny_h;
} raw_opts;

static void raw_free(raw_opts *o)
{
    kc_strv *all[] = {&o->topics,     &o->groups,  &o->txn_ids, &o->tokens,  &o->ops,
                      &o->principals, &o->allow_p, &o->deny_p,  &o->allow_h, &o->deny_h};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        kc_strv_free(all[i]);
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int read_options(int argc, char **argv, raw_opts *o, char *err, size_t errlen)
{
    const struct {
        const char *name;
        bool *flag;
    } flags[] = {{"--add", &o->add},           {"--remove", &o->remove},
                 {"--list", &o->list},         {"--producer", &o->producer},
                 {"--consumer", &o->consumer}, {"--idempotent", &o->idempotent},
                 {"--cluster", &o->cluster},   {"--force", &o->force}};
    const struct {
        const char *name;
        const char **value;
    } singles[] = {{"--bootstrap-server", &o->bootstrap},
                   {"--command-config", &o->config},
                   {"--resource-pattern-type", &o->pattern}};
    const struct {
        const char *name;
        kc_strv *values;
    } lists[] = {{"--topic", &o->topics},
                 {"--group", &o->groups},
                 {"--transactional-id", &o->txn_ids},
                 {"--delegation-token", &o->tokens},
                 {"--operation", &o->ops},
                 {"--principal", &o->principals},
                 {"--allow-principal", &o->allow_p},
                 {"--deny-principal", &o->deny_p},
                 {"--allow-host", &o->allow_h},
                 {"--deny-host", &o->deny_h}};
    static const char *const zookeeper_only[] = {"--authorizer", "--authorizer-properties",
                                                 "--zk-tls-config-file"};
    for (int i = 0; i < argc; i++) {
        bool matched = false;
        for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]) && !matched; k++)
            if (strcmp(argv[i], flags[k].name) == 0)
                matched = *flags[k].flag = true;
        for (size_t k = 0; k < sizeof(singles) / sizeof(singles[0]) && !matched; k++) {
            int m = kc_opt_value(argc, argv, &i, singles[k].name, singles[k].value);
            if (m < 0)
                return fail(err, errlen, "Option %s requires an argument", singles[k].name);
            matched = m > 0;
        }
        for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]) && !matched; k++) {
            const char *value;
            int m = kc_opt_value(argc, argv, &i, lists[k].name, &value);
            if (m < 0)
                return fail(err, errlen, "Option %s requires an argument", lists[k].name);
            if (m > 0)
                kc_strv_push(lists[k].values, value, (size_t)-1);
            matched = m > 0;
        }
        for (size_t k = 0; k < sizeof(zookeeper_only) / sizeof(zookeeper_only[0]); k++) {
            size_t n = strlen(zookeeper_only[k]);
            if (!matched && strncmp(argv[i], zookeeper_only[k], n) == 0 &&
                (argv[i][n] == '\0' || argv[i][n] == '='))
                return fail(err, errlen,
                            "%s is not supported: cafka acls manages ACLs through the brokers "
                            "(--bootstrap-server)",
                            zookeeper_only[k]);
        }
        if (!matched)
            return fail(err, errlen, "%s is not a recognized option", argv[i]);
    }
    return 0;
}

typedef struct opt_use {
    const char *name;
    bool used;
} opt_use;

/* CommandLineUtils.checkInvalidArgs: @p used excludes every option of @p others. */
static int exclude(const char *used, const opt_use *others, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++)
        if (others[i].used)
            return fail(err, errlen, "Option \"[%s]\" can't be used with option \"[%s]\"", used,
                        others[i].name);
    return 0;
}

/* AclCommandOptions.checkArgs (the --bootstrap-server variant). */
static int check_args(const raw_opts *o, char *err, size_t errlen)
{
    if (!o->bootstrap)
        return fail(err, errlen, "Missing required argument \"[bootstrap-server]\"");
    if (o->add + o->remove + o->list != 1)
        return fail(err, errlen,
                    "Command must include exactly one action: --list, --add, --remove. ");
    const opt_use list_excl[] = {
        {"producer", o->producer},        {"consumer", o->consumer},
        {"allow-host", o->allow_h.n > 0}, {"allow-principal", o->allow_p.n > 0},
        {"deny-host", o->deny_h.n > 0},   {"deny-principal", o->deny_p.n > 0}};
    const opt_use role_excl[] = {{"operation", o->ops.n > 0},
                                 {"deny-principal", o->deny_p.n > 0},
                                 {"deny-host", o->deny_h.n > 0}};
    size_t n_list = sizeof(list_excl) / sizeof(list_excl[0]);
    size_t n_role = sizeof(role_excl) / sizeof(role_excl[0]);
    if ((o->list && exclude("list", list_excl, n_list, err, errlen)) ||
        (o->producer && exclude("producer", role_excl, n_role, err, errlen)) ||
        (o->consumer && exclude("consumer", role_excl, n_role, err, errlen)))
        return -1;
    if (o->principals.n > 0 && !o->list)
        return fail(err, errlen, "The --principal option is only available if --list is set");
    if (o->producer && o->topics.n == 0)
        return fail(err, errlen, "With --producer you must specify a --topic");
    if (o->idempotent && !o->producer)
        return fail(err, errlen, "The --idempotent option is only available if --producer is set");
    if (o->consumer && (o->topics.n == 0 || o->groups.n == 0 ||
                        (!o->producer && (o->cluster || o->txn_ids.n > 0))))
        return fail(err, errlen,
                    "With --consumer you must specify a --topic and a --group and no --cluster or "
                    "--transactional-id option should be specified.");
    return 0;
}

/* Trimmed copies of @p in appended to @p out, each checked as a principal
 * (SecurityUtils.parseKafkaPrincipal). */
static int principals(const kc_strv *in, kc_strv *out, char *err, size_t errlen)
{
    for (size_t i = 0; i < in->n; i++) {
        char *p = kc_trim_dup(in->v[i], strlen(in->v[i]));
        if (!kc_acl_principal_valid(p)) {
            fail(err, errlen, "expected a string in format principalType:principalName but got %s",
                 p);
            free(p);
            return -1;
        }
        if (!kc_strv_contains(out, p))
            kc_strv_push(out, p, (size_t)-1);
        free(p);
    }
    return 0;
}

/* Trimmed copies of @p in in @p out (a set), or "*" when @p in is empty and @p principals is not
 * (AclCommand.getHosts). */
static void hosts(const kc_strv *in, const kc_strv *principals, kc_strv *out)
{
    for (size_t i = 0; i < in->n; i++) {
        char *h = kc_trim_dup(in->v[i], strlen(in->v[i]));
        if (!kc_strv_contains(out, h))
            kc_strv_push(out, h, (size_t)-1);
        free(h);
    }
    if (in->n == 0 && principals->n > 0)
        kc_strv_push(out, KC_ACL_WILDCARD_HOST, (size_t)-1);
}

/* Who gets the entries: principals and their hosts, per permission. */
typedef struct people {
    kc_strv allow_p, allow_h, deny_p, deny_h;
} people;

static void people_free(people *p)
{
    kc_strv_free(&p->allow_p);
    kc_strv_free(&p->allow_h);
    kc_strv_free(&p->deny_p);
    kc_strv_free(&p->deny_h);
}

/* AclCommand.getAcl: every (principal, operation, host) of the allowed, then of the denied. */
static void add_entries(kc_acls_target *t, const int *ops, int n_ops, const people *who)
{
    const struct {
        const kc_strv *p, *h;
        int perm;
    } sides[] = {{&who->allow_p, &who->allow_h, KC_PERM_ALLOW},
                 {&who->deny_p, &who->deny_h, KC_PERM_DENY}};
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; i < sides[s].p->n; i++)
            for (int k = 0; k < n_ops; k++)
                for (size_t j = 0; j < sides[s].h->n; j++)
                    kc_acl_entries_add(&t->entries, sides[s].p->v[i], sides[s].h->v[j], ops[k],
                                       sides[s].perm);
}

/* AclEntry.supportedOperations(type) + ALL, as a bit set of operation codes. */
static unsigned supported_ops(int resource_type)
{
#define OP(x) (1u << KC_OP_##x)
    switch (resource_type) {
    case KC_RES_TOPIC:
        return OP(ALL) | OP(READ) | OP(WRITE) | OP(CREATE) | OP(DESCRIBE) | OP(DELETE) | OP(ALTER) |
               OP(DESCRIBE_CONFIGS) | OP(ALTER_CONFIGS);
    case KC_RES_GROUP:
        return OP(ALL) | OP(READ) | OP(DESCRIBE) | OP(DELETE);
    case KC_RES_CLUSTER:
        return OP(ALL) | OP(CREATE) | OP(CLUSTER_ACTION) | OP(DESCRIBE_CONFIGS) |
               OP(ALTER_CONFIGS) | OP(IDEMPOTENT_WRITE) | OP(ALTER) | OP(DESCRIBE);
    case KC_RES_TRANSACTIONAL_ID:
        return OP(ALL) | OP(DESCRIBE) | OP(WRITE);
    case KC_RES_DELEGATION_TOKEN:
        return OP(ALL) | OP(DESCRIBE);
    default:
        return 0;
    }
#undef OP
}

/* AclCommand.validateOperation. */
static int validate_ops(const kc_acls_targets *t, char *err, size_t errlen)
{
    for (int i = 0; i < t->n; i++) {
        unsigned ok = supported_ops(t->v[i].pattern.resource_type);
        for (int j = 0; j < t->v[i].entries.n; j++) {
            if (ok & (1u << t->v[i].entries.v[j].op))
                continue;
            char names[256] = "";
            for (int op = KC_OP_ALL; op <= KC_OP_IDEMPOTENT_WRITE; op++)
                if (ok & (1u << op))
                    snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                             names[0] ? ", " : "", kc_acl_op_name(op));
            const char *type = kc_acl_resource_enum_name(t->v[i].pattern.resource_type);
            return fail(err, errlen, "ResourceType %s only supports operations %s",
                        type ? type : "UNKNOWN", names);
        }
    }
    return 0;
}

/* The --operation values as a set of codes (default All). @return the number, or -1. */
static int operations(const kc_strv *in, int *ops, char *err, size_t errlen)
{
    int n = 0;
    if (in->n == 0)
        ops[n++] = KC_OP_ALL;
    for (size_t i = 0; i < in->n; i++) {
        char *name = kc_trim_dup(in->v[i], strlen(in->v[i]));
        int op = kc_acl_op_parse(name);
        if (op < KC_OP_ALL || op > KC_OP_IDEMPOTENT_WRITE) {
            fail(err, errlen,
                 "Unknown operation: %s (valid: Read, Write, Create, Delete, Alter, Describe, "
                 "ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, All)",
                 name);
            free(name);
            return -1;
        }
        free(name);
        bool seen = false;
        for (int k = 0; k < n; k++)
            seen = seen || ops[k] == op;
        if (!seen)
            ops[n++] = op;
    }
    return n;
}

/* AclCommand.getResourceFilter: the named resources as filters of @p c->pattern_type. */
static void resource_filters(const raw_opts *o, kc_acls_cmd *c)
{
    for (size_t i = 0; i < o->topics.n; i++) {
        char *name = kc_trim_dup(o->topics.v[i], strlen(o->topics.v[i]));
        kc_acls_targets_get(&c->filters, KC_RES_TOPIC, name, c->pattern_type);
        free(name);
    }
    if (c->pattern_type == KC_PAT_LITERAL && (o->cluster || o->idempotent))
        kc_acls_targets_get(&c->filters, KC_RES_CLUSTER, KC_ACL_CLUSTER_NAME, KC_PAT_LITERAL);
    for (size_t i = 0; i < o->groups.n; i++) {
        char *name = kc_trim_dup(o->groups.v[i], strlen(o->groups.v[i]));
        kc_acls_targets_get(&c->filters, KC_RES_GROUP, name, c->pattern_type);
        free(name);
    }
    for (size_t i = 0; i < o->txn_ids.n; i++) /* not trimmed, as in AclCommand */
        kc_acls_targets_get(&c->filters, KC_RES_TRANSACTIONAL_ID, o->txn_ids.v[i], c->pattern_type);
    for (size_t i = 0; i < o->tokens.n; i++) {
        char *name = kc_trim_dup(o->tokens.v[i], strlen(o->tokens.v[i]));
        kc_acls_targets_get(&c->filters, KC_RES_DELEGATION_TOKEN, name, c->pattern_type);
        free(name);
    }
}

/* The entries of @p ops for every filter of @p type (KC_RES_ANY: every filter) into targets. */
static void grant(kc_acls_cmd *c, int type, const int *ops, int n_ops, const people *who)
{
    for (int i = 0; i < c->filters.n; i++) {
        const kc_acl_pattern *f = &c->filters.v[i].pattern;
        if (type != KC_RES_ANY && f->resource_type != type)
            continue;
        kc_acls_target *t =
            kc_acls_targets_get(&c->targets, f->resource_type, f->name, f->pattern_type);
        add_entries(t, ops, n_ops, who);
    }
}

/* AclCommand.getResourceFilterToAcls: --producer and/or --consumer, or the --operation set. */
static void build_targets(const raw_opts *o, kc_acls_cmd *c, const int *ops, int n_ops,
                          const people *who)
{
    if (!o->producer && !o->consumer)
        grant(c, KC_RES_ANY, ops, n_ops, who);
    if (o->producer) {
        static const int topic_ops[] = {KC_OP_WRITE, KC_OP_DESCRIBE, KC_OP_CREATE};
        static const int txn_ops[] = {KC_OP_WRITE, KC_OP_DESCRIBE};
        static const int cluster_ops[] = {KC_OP_IDEMPOTENT_WRITE};
        grant(c, KC_RES_TOPIC, topic_ops, 3, who);
        grant(c, KC_RES_TRANSACTIONAL_ID, txn_ops, 2, who);
        if (o->idempotent) /* the LITERAL cluster, whatever --resource-pattern-type says */
            add_entries(kc_acls_targets_get(&c->targets, KC_RES_CLUSTER, KC_ACL_CLUSTER_NAME,
                                            KC_PAT_LITERAL),
                        cluster_ops, 1, who);
    }
    if (o->consumer) {
        static const int topic_ops[] = {KC_OP_READ, KC_OP_DESCRIBE};
        static const int group_ops[] = {KC_OP_READ};
        grant(c, KC_RES_TOPIC, topic_ops, 2, who);
        grant(c, KC_RES_GROUP, group_ops, 1, who);
    }
}

/* Everything after checkArgs: what AclCommand's add/remove/list derive from the options. */
static int derive(const raw_opts *o, kc_acls_cmd *c, char *err, size_t errlen)
{
    if (c->action == KC_ACLS_ADD && c->pattern_type != KC_PAT_LITERAL &&
        c->pattern_type != KC_PAT_PREFIXED)
        return fail(err, errlen,
                    "A '--resource-pattern-type' value of '%s' is not valid when adding acls.",
                    kc_acl_pattern_type_name(c->pattern_type));
    resource_filters(o, c);
    if (c->action != KC_ACLS_LIST && c->filters.n == 0)
        return fail(err, errlen,
                    "You must provide at least one resource: --topic <topic> or --cluster or "
                    "--group <group> or --delegation-token <Delegation Token ID>");
    if (principals(&o->principals, &c->principals, err, errlen) < 0)
        return -1;
    int ops[KC_OP_IDEMPOTENT_WRITE + 1];
    int n_ops = operations(&o->ops, ops, err, errlen);
    if (n_ops < 0)
        return -1;
    if (c->action == KC_ACLS_LIST)
        return 0;
    people who = {0};
    int rc = principals(&o->allow_p, &who.allow_p, err, errlen);
    if (rc == 0)
        rc = principals(&o->deny_p, &who.deny_p, err, errlen);
    if (rc == 0) {
        hosts(&o->allow_h, &who.allow_p, &who.allow_h);
        hosts(&o->deny_h, &who.deny_p, &who.deny_h);
        build_targets(o, c, ops, n_ops, &who);
        rc = validate_ops(&c->targets, err, errlen);
    }
    people_free(&who);
    for (int i = 0; rc == 0 && c->action == KC_ACLS_ADD && i < c->targets.n; i++)
        if (c->targets.v[i].entries.n == 0)
            rc = fail(err, errlen,
                      "You must specify one of: --allow-principal, --deny-principal when trying "
                      "to add ACLs.");
    return rc;
}

int kc_acls_parse(int argc, char **argv, kc_acls_cmd *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    raw_opts o = {0};
    int rc = read_options(argc, argv, &o, err, errlen);
    if (rc == 0 && o.pattern) {
        /* joptsimple's EnumConverter: the constant's name, any case */
        out->pattern_type = kc_acl_pattern_type_parse(o.pattern);
        if (out->pattern_type == KC_PAT_UNKNOWN)
            rc = fail(err, errlen, "Unknown resource-pattern-type: %s", o.pattern);
    } else {
        out->pattern_type = KC_PAT_LITERAL;
    }
    if (rc == 0)
        rc = check_args(&o, err, errlen);
    if (rc == 0) {
        out->action = o.add ? KC_ACLS_ADD : o.remove ? KC_ACLS_REMOVE : KC_ACLS_LIST;
        out->bootstrap = o.bootstrap;
        out->command_config = o.config;
        out->force = o.force;
        rc = derive(&o, out, err, errlen);
    }
    raw_free(&o);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Requests */

/* Print the broker's error @p code as "NAME: message" (Kafka's Errors names; librdkafka calls
 * -1 UNKNOWN). @return -1 */
static int broker_error(int16_t code, kc_str message)
{
    char text[1024], line[1200];
    kc_kafka_error_text(code, message, text, sizeof(text));
    snprintf(line, sizeof(line), "%s: %s",
             code == -1 ? "UNKNOWN_SERVER_ERROR" : rd_kafka_err2name((rd_kafka_resp_err_t)code),
             text);
    fflush(stdout);
    kc_print_error(CONTEXT, line);
    return -1;
}

static int print_failure(const char *why)
{
    fflush(stdout);
    kc_print_error(CONTEXT, why);
    return -1;
}

/* The version of @p api_key to send: the highest of 1-2 the broker serves (v0 has no pattern
 * type). @return 0, or -1 (printed). */
static int version_of(kc_wire *w, int16_t api_key, const char *name, int16_t *v)
{
    char why[512];
    if (kc_wire_pick_version(w, api_key, name, 1, 2, v, why, sizeof(why)) < 0)
        return print_failure(why);
    return 0;
}

/* Decodes and checks one response body (decoded into @p a); @return 0, or -1 (printed). */
typedef int (*check_fn)(kc_rbuf *body, int16_t v, kc_arena *a, void *arg);

/* Send @p body (freed) as @p api_key v@p v, wait for the response and hand it to @p check.
 * @return 0, or -1 (printed). */
static int exchange(kc_wire *w, int16_t api_key, int16_t v, kc_wbuf *body, check_fn check,
                    void *arg)
{
    char why[1024];
    kc_wire_resp resp;
    int rc = kc_wire_request(w, api_key, v, body, &resp, why, sizeof(why));
    kc_wbuf_free(body);
    if (rc)
        return print_failure(why);
    kc_arena a = {0};
    rc = check(&resp.body, v, &a, arg);
    kc_arena_free(&a);
    kc_wire_resp_free(&resp);
    return rc;
}

static char *dup_str(kc_str s)
{
    return kc_xstrndup(s.p ? s.p : "", s.len > 0 ? (size_t)s.len : 0);
}

/* DescribeAcls response: its bindings merged into @p arg (kc_acls_targets). */
static int check_described(kc_rbuf *body, int16_t v, kc_arena *a, void *arg)
{
    kc_acls_targets *out = arg;
    kc_describe_acls_resp r;
    if (kc_describe_acls_resp_decode(body, v, &r, a))
        return print_failure("malformed DescribeAcls response");
    if (r.error_code)
        return broker_error(r.error_code, r.error_message);
    for (int32_t i = 0; i < r.resources_count; i++) {
        const kc_describe_acls_resource *res = &r.resources[i];
        char *name = dup_str(res->resource_name);
        kc_acls_target *t = kc_acls_targets_get(out, res->resource_type, name, res->pattern_type);
        free(name);
        for (int32_t k = 0; k < res->acls_count; k++) {
            char *principal = dup_str(res->acls[k].principal);
            char *host = dup_str(res->acls[k].host);
            kc_acl_entries_add(&t->entries, principal, host, res->acls[k].operation,
                               res->acls[k].permission_type);
            free(principal);
            free(host);
        }
    }
    return 0;
}

/* DescribeAcls of (@p f, any entry); the bindings found are merged into @p out. */
static int describe(kc_wire *w, const kc_acl_pattern *f, kc_acls_targets *out)
{
    int16_t v;
    if (version_of(w, KC_API_DESCRIBE_ACLS, "DESCRIBE_ACLS", &v))
        return -1;
    kc_describe_acls_req req = {
        .resource_type_filter = (int8_t)f->resource_type,
        .resource_name_filter = f->name ? kc_str_c(f->name) : KC_STR_NULL,
        .pattern_type_filter = (int8_t)f->pattern_type,
        .principal_filter = KC_STR_NULL,
        .host_filter = KC_STR_NULL,
        .operation = KC_OP_ANY,
        .permission_type = KC_PERM_ANY,
    };
    kc_wbuf body = {0};
    kc_describe_acls_req_encode(&body, v, &req);
    return exchange(w, KC_API_DESCRIBE_ACLS, v, &body, check_described, out);
}

/* AdminClientService.listAcls: the named resources (or everything), then printed. */
static int list_acls(kc_wire *w, const kc_acls_cmd *c)
{
    kc_acls_targets found = {0};
    int rc = 0;
    if (c->filters.n == 0) {
        const kc_acl_pattern any = {KC_RES_ANY, NULL, KC_PAT_ANY};
        rc = describe(w, &any, &found);
    }
    for (int i = 0; i < c->filters.n && rc == 0; i++)
        rc = describe(w, &c->filters.v[i].pattern, &found);
    if (rc == 0)
        kc_acls_print_listing(stdout, &found, &c->principals);
    kc_acls_targets_free(&found);
    return rc;
}

/* CreateAcls response for @p arg (int) creations: every result without an error. */
static int check_created(kc_rbuf *body, int16_t v, kc_arena *a, void *arg)
{
    kc_create_acls_resp r;
    if (kc_create_acls_resp_decode(body, v, &r, a))
        return print_failure("malformed CreateAcls response");
    if (r.results_count != *(const int *)arg)
        return print_failure("CreateAcls answered another number of results than ACLs sent");
    for (int32_t k = 0; k < r.results_count; k++)
        if (r.results[k].error_code)
            return broker_error(r.results[k].error_code, r.results[k].error_message);
    return 0;
}

/* AdminClientService.addAcls for one resource: print what is added, then CreateAcls it. */
static int create_target(kc_wire *w, int16_t v, const kc_acls_target *t)
{
    kc_acls_print_block(stdout, "Adding ACLs for resource", &t->pattern, t->entries.v,
                        t->entries.n);
    int n = t->entries.n;
    kc_acl_creation *cr = kc_xrealloc(NULL, (size_t)n * sizeof(*cr));
    for (int k = 0; k < n; k++)
        cr[k] = (kc_acl_creation){
            .resource_type = (int8_t)t->pattern.resource_type,
            .resource_name = kc_str_c(t->pattern.name),
            .resource_pattern_type = (int8_t)t->pattern.pattern_type,
            .principal = kc_str_c(t->entries.v[k].principal),
            .host = kc_str_c(t->entries.v[k].host),
            .operation = (int8_t)t->entries.v[k].op,
            .permission_type = (int8_t)t->entries.v[k].perm,
        };
    kc_create_acls_req req = {.creations_count = n, .creations = cr};
    kc_wbuf body = {0};
    kc_create_acls_req_encode(&body, v, &req);
    free(cr);
    return exchange(w, KC_API_CREATE_ACLS, v, &body, check_created, &n);
}

/* DeleteAcls response for @p arg (int) filters: no error in a filter or in a deleted binding. */
static int check_deleted(kc_rbuf *body, int16_t v, kc_arena *a, void *arg)
{
    kc_delete_acls_resp r;
    if (kc_delete_acls_resp_decode(body, v, &r, a))
        return print_failure("malformed DeleteAcls response");
    if (r.filter_results_count != *(const int *)arg)
        return print_failure("DeleteAcls answered another number of results than filters sent");
    for (int32_t k = 0; k < r.filter_results_count; k++) {
        const kc_delete_acls_filter_result *f = &r.filter_results[k];
        if (f->error_code)
            return broker_error(f->error_code, f->error_message);
        for (int32_t m = 0; m < f->matching_acls_count; m++)
            if (f->matching_acls[m].error_code)
                return broker_error(f->matching_acls[m].error_code,
                                    f->matching_acls[m].error_message);
    }
    return 0;
}

/* AdminClientService.removeAcls for one resource filter: one DeleteAcls of its entries (none:
 * every entry), without the confirmation prompt. */
static int delete_target(kc_wire *w, int16_t v, const kc_acls_target *t)
{
    int n = t->entries.n ? t->entries.n : 1;
    kc_delete_acls_filter *f = kc_xrealloc(NULL, (size_t)n * sizeof(*f));
    for (int k = 0; k < n; k++) {
        const kc_acl_entry *e = t->entries.n ? &t->entries.v[k] : NULL;
        f[k] = (kc_delete_acls_filter){
            .resource_type_filter = (int8_t)t->pattern.resource_type,
            .resource_name_filter = t->pattern.name ? kc_str_c(t->pattern.name) : KC_STR_NULL,
            .pattern_type_filter = (int8_t)t->pattern.pattern_type,
            .principal_filter = e ? kc_str_c(e->principal) : KC_STR_NULL,
            .host_filter = e ? kc_str_c(e->host) : KC_STR_NULL,
            .operation = (int8_t)(e ? e->op : KC_OP_ANY),
            .permission_type = (int8_t)(e ? e->perm : KC_PERM_ANY),
        };
    }
    kc_delete_acls_req req = {.filters_count = n, .filters = f};
    kc_wbuf body = {0};
    kc_delete_acls_req_encode(&body, v, &req);
    free(f);
    return exchange(w, KC_API_DELETE_ACLS, v, &body, check_deleted, &n);
}

/* --add (@p api_key CreateAcls) or --remove (DeleteAcls): @p apply on every target in turn,
 * stopping at the first failure as the admin client's all().get() does, then the listing. */
static int change_acls(kc_wire *w, const kc_acls_cmd *c, int16_t api_key, const char *name,
                       int (*apply)(kc_wire *, int16_t, const kc_acls_target *))
{
    int16_t v;
    if (version_of(w, api_key, name, &v))
        return -1;
    for (int i = 0; i < c->targets.n; i++)
        if (apply(w, v, &c->targets.v[i]))
            return -1;
    return list_acls(w, c);
}

int kc_cli_acls(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return KC_EXIT_OK;
        }
    kc_acls_cmd c;
    char why[1024];
    if (kc_acls_parse(argc, argv, &c, why, sizeof(why)) < 0) {
        kc_usage_error(usage_line, "%s", why);
        kc_acls_cmd_free(&c);
        return KC_EXIT_ERROR; /* kafka-acls.sh exits 1 on bad usage too */
    }
    kc_client_config cc = {0};
    kc_wire *w = NULL;
    int rc = 0;
    if (c.command_config && kc_command_config_load(c.command_config, &cc, why, sizeof(why)) < 0)
        rc = print_failure(why);
    if (rc == 0) {
        w = kc_wire_connect_bootstrap(c.bootstrap, &cc.sec, CLIENT_ID, KC_ADMIN_REQUEST_TIMEOUT_MS,
                                      why, sizeof(why));
        if (!w)
            rc = print_failure(why);
    }
    if (rc == 0 && c.action == KC_ACLS_ADD)
        rc = change_acls(w, &c, KC_API_CREATE_ACLS, "CREATE_ACLS", create_target);
    else if (rc == 0 && c.action == KC_ACLS_REMOVE)
        rc = change_acls(w, &c, KC_API_DELETE_ACLS, "DELETE_ACLS", delete_target);
    else if (rc == 0)
        rc = list_acls(w, &c);
    kc_wire_close(w);
    kc_client_config_free(&cc);
    kc_acls_cmd_free(&c);
    return rc ? KC_EXIT_ERROR : KC_EXIT_OK;
}
