/*
 * `cafka acls` without a broker (cli/admin_acls.h): the command line -> resource pattern filters
 * and (pattern, entries) bindings, AclCommand's checks and messages, and the printed
 * ResourcePattern / AccessControlEntry blocks.
 */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/admin_acls.h"

#define MAX_ARGS 32

static char errbuf[512];

/* kc_acls_parse over the NULL-terminated arguments after "acls". */
static int parse(kc_acls_cmd *c, ...)
{
    char *argv[MAX_ARGS];
    int argc = 0;
    va_list ap;
    va_start(ap, c);
    for (const char *a = va_arg(ap, const char *); a; a = va_arg(ap, const char *)) {
        cr_assert_lt(argc, MAX_ARGS);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    errbuf[0] = '\0';
    return kc_acls_parse(argc, argv, c, errbuf, sizeof(errbuf));
}

/* Parse and expect failure with a message containing @p want. */
#define expect_error(want, ...)                                                                    \
    do {                                                                                           \
        kc_acls_cmd c_;                                                                            \
        cr_assert_eq(parse(&c_, __VA_ARGS__, NULL), -1, "parse succeeded, expected: %s", want);    \
        cr_assert(strstr(errbuf, want), "error \"%s\" lacks \"%s\"", errbuf, want);                \
        kc_acls_cmd_free(&c_);                                                                     \
    } while (0)

static const kc_acls_target *find(const kc_acls_targets *t, int type, const char *name, int pt)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i].pattern.resource_type == type && t->v[i].pattern.pattern_type == pt &&
            strcmp(t->v[i].pattern.name, name) == 0)
            return &t->v[i];
    return NULL;
}

static bool has_entry(const kc_acls_target *t, const char *principal, const char *host, int op,
                      int perm)
{
    for (int i = 0; i < t->entries.n; i++) {
        const kc_acl_entry *e = &t->entries.v[i];
        if (strcmp(e->principal, principal) == 0 && strcmp(e->host, host) == 0 && e->op == op &&
            e->perm == perm)
            return true;
    }
    return false;
}

/* @p t has exactly the @p n operations of @p ops, each ALLOWed to @p principal from "*". */
static void assert_allowed_ops(const kc_acls_target *t, const char *principal, const int *ops,
                               int n)
{
    cr_assert_not_null(t);
    cr_assert_eq(t->entries.n, n, "%d entries, expected %d", t->entries.n, n);
    for (int i = 0; i < n; i++)
        cr_assert(has_entry(t, principal, "*", ops[i], KC_PERM_ALLOW), "no %s for %s",
                  kc_acl_op_name(ops[i]), principal);
}

#define BOOT "--bootstrap-server", "127.0.0.1:9092"

Test(admin_acls, add_operation_on_topic)
{
    kc_acls_cmd c;
    cr_assert_eq(parse(&c, BOOT, "--add", "--allow-principal", "User:alice", "--operation", "Read",
                       "--topic", "t1", NULL),
                 0, "%s", errbuf);
    cr_assert_eq(c.action, KC_ACLS_ADD);
    cr_assert_str_eq(c.bootstrap, "127.0.0.1:9092");
    cr_assert_null(c.command_config);
    cr_assert_eq(c.pattern_type, KC_PAT_LITERAL);
    cr_assert_eq(c.filters.n, 1);
    cr_assert_eq(c.targets.n, 1);
    const int ops[] = {KC_OP_READ};
    assert_allowed_ops(find(&c.targets, KC_RES_TOPIC, "t1", KC_PAT_LITERAL), "User:alice", ops, 1);
    cr_assert_not_null(find(&c.filters, KC_RES_TOPIC, "t1", KC_PAT_LITERAL));
    kc_acls_cmd_free(&c);
}

Test(admin_acls, producer_gives_write_describe_create_on_topics)
{
    kc_acls_cmd c;
    cr_assert_eq(
        parse(&c, BOOT, "--add", "--producer", "--topic", "t", "--allow-principal", "User:a", NULL),
        0, "%s", errbuf);
    cr_assert_eq(c.targets.n, 1);
    const int ops[] = {KC_OP_WRITE, KC_OP_DESCRIBE, KC_OP_CREATE};
    assert_allowed_ops(find(&c.targets, KC_RES_TOPIC, "t", KC_PAT_LITERAL), "User:a", ops, 3);
    kc_acls_cmd_free(&c);
}

Test(admin_acls, producer_idempotent_and_transactional_id)
{
    kc_acls_cmd c;
    cr_assert_eq(parse(&c, BOOT, "--add", "--producer", "--idempotent", "--topic", "t",
                       "--transactional-id", "tx", "--allow-principal", "User:a", NULL),
                 0, "%s", errbuf);
    cr_assert_eq(c.targets.n, 3);
    const int topic_ops[] = {KC_OP_WRITE, KC_OP_DESCRIBE, KC_OP_CREATE};
    const int txn_ops[] = {KC_OP_WRITE, KC_OP_DESCRIBE};
    const int cluster_ops[] = {KC_OP_IDEMPOTENT_WRITE};
    assert_allowed_ops(find(&c.targets, KC_RES_TOPIC, "t", KC_PAT_LITERAL), "User:a", topic_ops, 3);
    assert_allowed_ops(find(&c.targets, KC_RES_TRANSACTIONAL_ID, "tx", KC_PAT_LITERAL), "User:a",
                       txn_ops, 2);
    assert_allowed_ops(find(&c.targets, KC_RES_CLUSTER, KC_ACL_CLUSTER_NAME, KC_PAT_LITERAL),
                       "User:a", cluster_ops, 1);
    /* --idempotent names the cluster for the listing that follows, as --cluster does */
    cr_assert_not_null(find(&c.filters, KC_RES_CLUSTER, "kafka-cluster", KC_PAT_LITERAL));
    kc_acls_cmd_free(&c);
}

Test(admin_acls, consumer_gives_read_describe_on_topics_and_read_on_group)
{
    kc_acls_cmd c;
    cr_assert_eq(parse(&c, BOOT, "--add", "--consumer", "--topic", "t", "--group", "g",
                       "--allow-principal", "User:bob", NULL),
                 0, "%s", errbuf);
    cr_assert_eq(c.targets.n, 2);
    const int topic_ops[] = {KC_OP_READ, KC_OP_DESCRIBE};
    const int group_ops[] = {KC_OP_READ};
    assert_allowed_ops(find(&c.targets, KC_RES_TOPIC, "t", KC_PAT_LITERAL), "User:bob", topic_ops,
                       2);
    assert_allowed_ops(find(&c.targets, KC_RES_GROUP, "g", KC_PAT_LITERAL), "User:bob", group_ops,
                       1);
    kc_acls_cmd_free(&c);
}

Test(admin_acls, producer_and_consumer_merge_on_topics)
{
    kc_acls_cmd c;
    cr_assert_eq(parse(&c, BOOT, "--add", "--producer", "--consumer", "--topic", "t", "--group",
                       "g", "--allow-principal", "User:a", NULL),
                 0, "%s", errbuf);
    const int topic_ops[] = {KC_OP_WRITE, KC_OP_DESCRIBE, KC_OP_CREATE, KC_OP_READ};
    assert_allowed_ops(find(&c.targets, KC_RES_TOPIC, "t", KC_PAT_LITERAL), "User:a", topic_ops, 4);
    const int group_ops[] = {KC_OP_READ};
    assert_allowed_ops(find(&c.targets, KC_RES_GROUP, "g", KC_PAT_LITERAL), "User:a", group_ops, 1);
    kc_acls_cmd_free(&c);
}

Test(admin_acls, consumer_needs_topic_and_group)
{
    const char *msg = "With --consumer you must specify a --topic and a --group and no --cluster "
                      "or --transactional-id option should be specified.";
    expect_error(msg, BOOT, "--add", "--consumer", "--topic", "t", "--allow-principal", "User:a");
    expect_error(msg, BOOT, "--add", "--consumer", "--group", "g", "--allow-principal", "User:a");
    expect_error(msg, BOOT, "--add", "--consumer", "--topic", "t", "--group", "g", "--cluster",
                 "--allow-principal", "User:a");
    expect_error(msg, BOOT, "--add", "--consumer", "--topic", "t", "--group", "g",
                 "--transactional-id", "x", "--allow-principal", "User:a");
    expect_error("With --producer you must specify a --topic", BOOT, "--add", "--producer",
                 "--allow-principal", "User:a");
    expect_error("The --idempotent option is only available if --producer is set", BOOT, "--add",
                 "--idempotent", "--topic", "t", "--allow-principal", "User:a");
    expect_error("Option \"[producer]\" can't be used with option \"[operation]\"", BOOT, "--add",
                 "--producer", "--topic", "t", "--allow-principal", "User:a", "--operation",
                 "Read");
    expect_error("Option \"[consumer]\" can't be used with option \"[deny-principal]\"", BOOT,
                 "--add", "--consumer", "--topic", "t", "--group", "g", "--deny-principal",
                 "User:a");
}

Test(admin_acls, principals_hosts_and_operations_multiply)
{
    kc_acls_cmd c;
    cr_assert_eq(parse(&c, BOOT, "--add", "--allow-principal", "User:alice", "--allow-principal",
                       " User:carol ", "--operation", "Read", "--operation", "WRITE", "--operation",
                       "read", "--allow-host", "10.0.0.1", "--allow-host", "10.0.0.2",
                       "--deny-principal", "User:bob", "--topic", " orders ", NULL),
                 0, "%s", errbuf);
    const kc_acls_target *t = find(&c.targets, KC_RES_TOPIC, "orders", KC_PAT_LITERAL);
    cr_assert_not_null(t, "topic names are trimmed");
    /* 2 allowed principals x {Read, Write} x 2 hosts, then bob x {Read, Write} x "*" */
    cr_assert_eq(t->entries.n, 10);
    const char *who[] = {"User:alice", "User:carol"};
    const char *from[] = {"10.0.0.1", "10.0.0.2"};
    for (int p = 0; p < 2; p++)
        for (int h = 0; h < 2; h++) {
            cr_assert(has_entry(t, who[p], from[h], KC_OP_READ, KC_PERM_ALLOW));
            cr_assert(has_entry(t, who[p], from[h], KC_OP_WRITE, KC_PERM_ALLOW));
        }
    cr_assert(has_entry(t, "User:bob", "*", KC_OP_READ, KC_PERM_DENY));
    cr_assert(has_entry(t, "User:bob", "*", KC_OP_WRITE, KC_PERM_DENY));
    cr_assert(has_entry(t, "User:alice", "10.0.0.1", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert_eq(t->entries.v[0].perm, KC_PERM_ALLOW, "allowed entries come first");
    kc_acls_cmd_free(&c);
}

Test(admin_acls, default_operation_is_all_and_names_are_kafkas)
{
    kc_acls_cmd c;
    cr_assert_eq(parse(&c, BOOT, "--add", "--allow-principal", "User:*", "--group", "*", NULL), 0,
                 "%s", errbuf);
    const int all[] = {KC_OP_ALL};
    assert_allowed_ops(find(&c.targets, KC_RES_GROUP, "*", KC_PAT_LITERAL), "User:*", all, 1);
    kc_acls_cmd_free(&c);

    /* PascalCase, enum names and any case, as SecurityUtils.operation and AclOperation.fromString
     */
    cr_assert_eq(parse(&c, BOOT, "--add", "--allow-principal", "User:a", "--cluster", "--operation",
                       "ClusterAction", "--operation", "describe_configs", "--operation",
                       "IDEMPOTENTWRITE", "--operation", "Alter", NULL),
                 0, "%s", errbuf);
    const int ops[] = {KC_OP_CLUSTER_ACTION, KC_OP_DESCRIBE_CONFIGS, KC_OP_IDEMPOTENT_WRITE,
                       KC_OP_ALTER};
    assert_allowed_ops(find(&c.targets, KC_RES_CLUSTER, "kafka-cluster", KC_PAT_LITERAL), "User:a",
                       ops, 4);
    kc_acls_cmd_free(&c);
}

Test(admin_acls, operations_are_checked)
{
    expect_error("Unknown operation: Frobnicate", BOOT, "--add", "--allow-principal", "User:a",
                 "--topic", "t", "--operation", "Frobnicate");
    expect_error("Unknown operation: Any", BOOT, "--add", "--allow-principal", "User:a", "--topic",
                 "t", "--operation", "Any");
    expect_error("ResourceType GROUP only supports operations All, Read, Delete, Describe", BOOT,
                 "--add", "--allow-principal", "User:a", "--group", "g", "--operation", "Write");
    expect_error("ResourceType TOPIC only supports operations", BOOT, "--add", "--allow-principal",
                 "User:a", "--topic", "t", "--operation", "ClusterAction");
    expect_error("ResourceType TRANSACTIONAL_ID only supports operations All, Write, Describe",
                 BOOT, "--add", "--allow-principal", "User:a", "--transactional-id", "x",
                 "--operation", "Read");
}

Test(admin_acls, add_needs_principal_and_resource)
{
    expect_error("You must specify one of: --allow-principal, --deny-principal when trying to add "
                 "ACLs.",
                 BOOT, "--add", "--topic", "t", "--operation", "Read");
    expect_error("You must provide at least one resource: --topic <topic> or --cluster or --group "
                 "<group>",
                 BOOT, "--add", "--allow-principal", "User:a");
    /* the cluster is LITERAL only: a prefixed --cluster names no resource, as in Kafka */
    expect_error("You must provide at least one resource", BOOT, "--remove", "--cluster",
                 "--resource-pattern-type", "prefixed");
    expect_error("expected a string in format principalType:principalName but got alice", BOOT,
                 "--add", "--allow-principal", "alice", "--topic", "t");
    expect_error("expected a string in format principalType:principalName but got", BOOT, "--list",
                 "--principal", "");
}

Test(admin_acls, actions_and_options)
{
    expect_error("Command must include exactly one action: --list, --add, --remove.", BOOT,
                 "--topic", "t");
    expect_error("Command must include exactly one action", BOOT, "--add", "--list", "--topic",
                 "t");
    expect_error("Missing required argument \"[bootstrap-server]\"", "--list");
    expect_error("--frobnicate is not a recognized option", BOOT, "--list", "--frobnicate");
    expect_error("Option --topic requires an argument", BOOT, "--list", "--topic");
    expect_error("--authorizer-properties is not supported", "--authorizer-properties",
                 "zookeeper.connect=localhost:2181", "--list");
    expect_error("Option \"[list]\" can't be used with option \"[allow-principal]\"", BOOT,
                 "--list", "--allow-principal", "User:a");
    expect_error("Option \"[list]\" can't be used with option \"[producer]\"", BOOT, "--list",
                 "--producer", "--topic", "t");
    expect_error("The --principal option is only available if --list is set", BOOT, "--add",
                 "--principal", "User:a", "--allow-principal", "User:a", "--topic", "t");
    expect_error("Unknown resource-pattern-type: wild", BOOT, "--list", "--resource-pattern-type",
                 "wild");
    expect_error("A '--resource-pattern-type' value of 'ANY' is not valid when adding acls.", BOOT,
                 "--add", "--resource-pattern-type", "any", "--topic", "t", "--allow-principal",
                 "User:a");
    expect_error("A '--resource-pattern-type' value of 'MATCH' is not valid when adding acls.",
                 BOOT, "--add", "--resource-pattern-type", "MATCH", "--topic", "t",
                 "--allow-principal", "User:a");
}

Test(admin_acls, list_filters)
{
    kc_acls_cmd c;
    cr_assert_eq(parse(&c, BOOT, "--list", NULL), 0, "%s", errbuf);
    cr_assert_eq(c.action, KC_ACLS_LIST);
    cr_assert_eq(c.filters.n, 0, "no resource: every ACL");
    cr_assert_eq(c.targets.n, 0);
    kc_acls_cmd_free(&c);

    cr_assert_eq(parse(&c, "--bootstrap-server=h:1", "--command-config", "admin.properties",
                       "--list", "--topic", "t", "--cluster", "--group", "g", "--principal",
                       "User:alice", "--principal", "User:alice", NULL),
                 0, "%s", errbuf);
    cr_assert_str_eq(c.bootstrap, "h:1");
    cr_assert_str_eq(c.command_config, "admin.properties");
    cr_assert_eq(c.filters.n, 3);
    /* getResourceFilter's order: topics, the cluster, groups */
    cr_assert_eq(c.filters.v[0].pattern.resource_type, KC_RES_TOPIC);
    cr_assert_eq(c.filters.v[1].pattern.resource_type, KC_RES_CLUSTER);
    cr_assert_str_eq(c.filters.v[1].pattern.name, "kafka-cluster");
    cr_assert_eq(c.filters.v[2].pattern.resource_type, KC_RES_GROUP);
    cr_assert_eq(c.principals.n, 1, "principals are a set");
    cr_assert_str_eq(c.principals.v[0], "User:alice");
    kc_acls_cmd_free(&c);

    cr_assert_eq(
        parse(&c, BOOT, "--list", "--topic", "pay-", "--resource-pattern-type", "match", NULL), 0,
        "%s", errbuf);
    cr_assert_not_null(find(&c.filters, KC_RES_TOPIC, "pay-", KC_PAT_MATCH));
    kc_acls_cmd_free(&c);
}

Test(admin_acls, remove_filters_and_entries)
{
    kc_acls_cmd c;
    /* no principal: every entry of the filter */
    cr_assert_eq(parse(&c, BOOT, "--remove", "--force", "--topic", "t1", "--resource-pattern-type",
                       "any", NULL),
                 0, "%s", errbuf);
    cr_assert_eq(c.action, KC_ACLS_REMOVE);
    cr_assert(c.force);
    cr_assert_eq(c.targets.n, 1);
    const kc_acls_target *t = find(&c.targets, KC_RES_TOPIC, "t1", KC_PAT_ANY);
    cr_assert_not_null(t);
    cr_assert_eq(t->entries.n, 0);
    kc_acls_cmd_free(&c);

    cr_assert_eq(parse(&c, BOOT, "--remove", "--allow-principal", "User:alice", "--operation",
                       "Describe", "--topic", "t1", "--transactional-id", " tx ", NULL),
                 0, "%s", errbuf);
    const int ops[] = {KC_OP_DESCRIBE};
    assert_allowed_ops(find(&c.targets, KC_RES_TOPIC, "t1", KC_PAT_LITERAL), "User:alice", ops, 1);
    assert_allowed_ops(find(&c.targets, KC_RES_TRANSACTIONAL_ID, " tx ", KC_PAT_LITERAL),
                       "User:alice", ops, 1);
    cr_assert_not_null(find(&c.filters, KC_RES_TRANSACTIONAL_ID, " tx ", KC_PAT_LITERAL),
                       "transactional ids are not trimmed (AclCommand)");
    kc_acls_cmd_free(&c);

    /* an operation the resource type does not support is refused for --remove too */
    expect_error("ResourceType TRANSACTIONAL_ID only supports operations", BOOT, "--remove",
                 "--allow-principal", "User:alice", "--operation", "Read", "--transactional-id",
                 "tx");
}

Test(admin_acls, prefixed_patterns)
{
    kc_acls_cmd c;
    cr_assert_eq(parse(&c, BOOT, "--add", "--resource-pattern-type", "PREFIXED", "--topic", "pay-",
                       "--deny-principal", "User:eve", "--deny-host", "10.0.0.7", "--operation",
                       "Write", NULL),
                 0, "%s", errbuf);
    const kc_acls_target *t = find(&c.targets, KC_RES_TOPIC, "pay-", KC_PAT_PREFIXED);
    cr_assert_not_null(t);
    cr_assert_eq(t->entries.n, 1);
    cr_assert(has_entry(t, "User:eve", "10.0.0.7", KC_OP_WRITE, KC_PERM_DENY));
    kc_acls_cmd_free(&c);
}

Test(admin_acls, printed_strings)
{
    char buf[256];
    kc_acl_pattern p = {KC_RES_TOPIC, "orders", KC_PAT_LITERAL};
    kc_acls_format_pattern(&p, buf, sizeof(buf));
    cr_assert_str_eq(buf, "ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)");
    kc_acl_pattern q = {KC_RES_TRANSACTIONAL_ID, NULL, KC_PAT_MATCH};
    kc_acls_format_pattern(&q, buf, sizeof(buf));
    cr_assert_str_eq(
        buf, "ResourcePattern(resourceType=TRANSACTIONAL_ID, name=<any>, patternType=MATCH)");
    kc_acl_pattern r = {KC_RES_CLUSTER, "kafka-cluster", KC_PAT_PREFIXED};
    int n = kc_acls_format_pattern(&r, buf, 10);
    cr_assert_eq(n, (int)strlen("ResourcePattern(resourceType=CLUSTER, name=kafka-cluster, "
                                "patternType=PREFIXED)"));
    cr_assert_str_eq(buf, "ResourceP", "truncated as snprintf");

    kc_acl_entry e = {"User:alice", "*", KC_OP_READ, KC_PERM_ALLOW};
    kc_acls_format_entry(&e, buf, sizeof(buf));
    cr_assert_str_eq(buf, "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)");
    kc_acl_entry f = {"User:bob", "10.0.0.7", KC_OP_IDEMPOTENT_WRITE, KC_PERM_DENY};
    kc_acls_format_entry(&f, buf, sizeof(buf));
    cr_assert_str_eq(
        buf,
        "(principal=User:bob, host=10.0.0.7, operation=IDEMPOTENT_WRITE, permissionType=DENY)");
    kc_acl_entry g = {"User:c", "*", KC_OP_DESCRIBE_CONFIGS, 42};
    kc_acls_format_entry(&g, buf, sizeof(buf));
    cr_assert_str_eq(
        buf, "(principal=User:c, host=*, operation=DESCRIBE_CONFIGS, permissionType=UNKNOWN)");
    kc_acl_entry h = {"User:c", "*", KC_OP_CLUSTER_ACTION, KC_PERM_ALLOW};
    kc_acls_format_entry(&h, buf, sizeof(buf));
    cr_assert(strstr(buf, "operation=CLUSTER_ACTION,"), "%s", buf);
}

/* What @p print writes, as a new string. */
static char *capture(void (*print)(FILE *, void *), void *arg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_not_null(out);
    print(out, arg);
    fclose(out);
    return text;
}

static void print_two(FILE *out, void *arg)
{
    (void)arg;
    kc_acl_pattern p = {KC_RES_TOPIC, "orders", KC_PAT_LITERAL};
    kc_acl_entry e[] = {{"User:alice", "*", KC_OP_READ, KC_PERM_ALLOW},
                        {"User:alice", "*", KC_OP_WRITE, KC_PERM_ALLOW}};
    kc_acls_print_block(out, "Adding ACLs for resource", &p, e, 2);
}

static void print_one(FILE *out, void *arg)
{
    (void)arg;
    kc_acl_pattern p = {KC_RES_GROUP, "g", KC_PAT_PREFIXED};
    kc_acl_entry e = {"User:bob", "*", KC_OP_READ, KC_PERM_DENY};
    kc_acls_print_block(out, "Current ACLs for resource", &p, &e, 1);
}

Test(admin_acls, blocks_as_acl_command_prints_them)
{
    char *text = capture(print_two, NULL);
    cr_assert_str_eq(text, "Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, "
                           "name=orders, patternType=LITERAL)`: \n"
                           " \t(principal=User:alice, host=*, operation=READ, "
                           "permissionType=ALLOW)\n"
                           "\t(principal=User:alice, host=*, operation=WRITE, "
                           "permissionType=ALLOW) \n"
                           "\n");
    free(text);
    text = capture(print_one, NULL);
    cr_assert_str_eq(text, "Current ACLs for resource `ResourcePattern(resourceType=GROUP, "
                           "name=g, patternType=PREFIXED)`: \n"
                           " \t(principal=User:bob, host=*, operation=READ, permissionType=DENY) \n"
                           "\n");
    free(text);
}

static void print_listing(FILE *out, void *arg)
{
    kc_acls_targets acls = {0};
    kc_acls_target *t = kc_acls_targets_get(&acls, KC_RES_TOPIC, "t1", KC_PAT_LITERAL);
    kc_acl_entries_add(&t->entries, "User:alice", "*", KC_OP_READ, KC_PERM_ALLOW);
    kc_acl_entries_add(&t->entries, "User:bob", "*", KC_OP_READ, KC_PERM_ALLOW);
    cr_assert_eq(kc_acls_targets_get(&acls, KC_RES_TOPIC, "t1", KC_PAT_LITERAL), t,
                 "one target per pattern");
    t = kc_acls_targets_get(&acls, KC_RES_GROUP, "g", KC_PAT_LITERAL);
    kc_acl_entries_add(&t->entries, "User:bob", "*", KC_OP_READ, KC_PERM_ALLOW);
    kc_acls_print_listing(out, &acls, arg);
    kc_acls_targets_free(&acls);
}

Test(admin_acls, listing_with_and_without_principals)
{
    char *text = capture(print_listing, NULL);
    cr_assert_str_eq(text,
                     "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, "
                     "name=t1, patternType=LITERAL)`: \n"
                     " \t(principal=User:alice, host=*, operation=READ, "
                     "permissionType=ALLOW)\n"
                     "\t(principal=User:bob, host=*, operation=READ, permissionType=ALLOW) \n"
                     "\n"
                     "Current ACLs for resource `ResourcePattern(resourceType=GROUP, "
                     "name=g, patternType=LITERAL)`: \n"
                     " \t(principal=User:bob, host=*, operation=READ, permissionType=ALLOW) \n"
                     "\n");
    free(text);

    kc_strv who = {0};
    kc_strv_push(&who, "User:alice", (size_t)-1);
    text = capture(print_listing, &who);
    cr_assert_str_eq(text, "ACLs for principal `User:alice`\n"
                           "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, "
                           "name=t1, patternType=LITERAL)`: \n"
                           " \t(principal=User:alice, host=*, operation=READ, "
                           "permissionType=ALLOW) \n"
                           "\n");
    free(text);
    kc_strv_free(&who);
}
