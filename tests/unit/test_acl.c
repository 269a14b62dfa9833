/*
 * The ACL model (src/security/acl.h) against Kafka 2.8's AclAuthorizer: every rule of the
 * decision (super users, deny wins, the literal wildcard, the wildcard principal, prefixed
 * patterns, implied DESCRIBE / DESCRIBE_CONFIGS, ALL, hosts, allow.everyone.if.no.acl.found with
 * and without ACLs for others), the znode paths and payloads (our round trip and payloads as
 * Kafka writes them), both change-notification formats, super.users parsing, and the
 * DescribeAcls / DeleteAcls filter including MATCH. Expected strings are written out by hand
 * from Kafka's sources (ZkData.scala, AclEntry.scala), not produced by the code under test.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "security/acl.h"

/* ---- helpers -------------------------------------------------------------------------------- */

static kc_acl_entry E(const char *principal, const char *host, int op, int perm)
{
    return (kc_acl_entry){(char *)principal, (char *)host, op, perm};
}

static kc_acl_pattern P(int type, const char *name, int pt)
{
    return (kc_acl_pattern){type, (char *)name, pt};
}

static void set1(kc_acl_store *s, int type, const char *name, int pt, kc_acl_entry e)
{
    kc_acl_pattern p = P(type, name, pt);
    cr_assert_eq(kc_acl_store_set(s, &p, &e, 1), 1);
}

static kc_acl_config no_super(bool allow_everyone)
{
    kc_acl_config c;
    cr_assert_eq(kc_acl_config_init(&c, NULL, allow_everyone, NULL, 0), 0);
    return c;
}

#define ALICE "User:alice"
#define BOB   "User:bob"
#define HOST  "10.0.0.7"

static bool az(const kc_acl_store *s, const kc_acl_config *c, const char *who, int op, int type,
               const char *name)
{
    return kc_acl_authorize(s, c, who, HOST, op, type, name);
}

/* ---- names ---------------------------------------------------------------------------------- */

Test(acl, codes_are_kafkas)
{
    /* ResourceType, PatternType, AclOperation, AclPermissionType .code() in Kafka 2.8 */
    cr_assert_eq(KC_RES_TOPIC, 2);
    cr_assert_eq(KC_RES_DELEGATION_TOKEN, 6);
    cr_assert_eq(KC_PAT_MATCH, 2);
    cr_assert_eq(KC_PAT_PREFIXED, 4);
    cr_assert_eq(KC_OP_ALL, 2);
    cr_assert_eq(KC_OP_CLUSTER_ACTION, 9);
    cr_assert_eq(KC_OP_IDEMPOTENT_WRITE, 12);
    cr_assert_eq(KC_PERM_DENY, 2);
    cr_assert_eq(KC_PERM_ALLOW, 3);
}

Test(acl, names_both_ways)
{
    static const char *res[] = {"Topic", "Group", "Cluster", "TransactionalId", "DelegationToken"};
    for (int t = KC_RES_TOPIC; t <= KC_RES_DELEGATION_TOKEN; t++) {
        cr_assert_str_eq(kc_acl_resource_name(t), res[t - KC_RES_TOPIC]);
        cr_assert_eq(kc_acl_resource_parse(res[t - KC_RES_TOPIC]), t);
        cr_assert_eq(kc_acl_resource_parse(kc_acl_resource_enum_name(t)), t);
    }
    cr_assert_str_eq(kc_acl_resource_enum_name(KC_RES_TRANSACTIONAL_ID), "TRANSACTIONAL_ID");
    cr_assert_eq(kc_acl_resource_parse("topic"), KC_RES_TOPIC);
    cr_assert_eq(kc_acl_resource_parse("TRANSACTIONALID"), KC_RES_TRANSACTIONAL_ID);
    cr_assert_eq(kc_acl_resource_parse("transactional_id"), KC_RES_TRANSACTIONAL_ID);
    cr_assert_eq(kc_acl_resource_parse("Topics"), KC_RES_UNKNOWN);
    cr_assert_eq(kc_acl_resource_parse(NULL), KC_RES_UNKNOWN);
    cr_assert_null(kc_acl_resource_name(7));
    cr_assert_null(kc_acl_resource_name(-1));

    static const char *ops[] = {
        "All",      "Read",          "Write",           "Create",       "Delete",         "Alter",
        "Describe", "ClusterAction", "DescribeConfigs", "AlterConfigs", "IdempotentWrite"};
    for (int op = KC_OP_ALL; op <= KC_OP_IDEMPOTENT_WRITE; op++) {
        cr_assert_str_eq(kc_acl_op_name(op), ops[op - KC_OP_ALL]);
        cr_assert_eq(kc_acl_op_parse(ops[op - KC_OP_ALL]), op);
    }
    cr_assert_eq(kc_acl_op_parse("CLUSTER_ACTION"), KC_OP_CLUSTER_ACTION);
    cr_assert_eq(kc_acl_op_parse("clusteraction"), KC_OP_CLUSTER_ACTION);
    cr_assert_eq(kc_acl_op_parse("READ"), KC_OP_READ);
    cr_assert_eq(kc_acl_op_parse("Any"), KC_OP_ANY);
    cr_assert_eq(kc_acl_op_parse("Reed"), KC_OP_UNKNOWN);
    cr_assert_null(kc_acl_op_name(13));

    cr_assert_str_eq(kc_acl_perm_name(KC_PERM_ALLOW), "Allow");
    cr_assert_str_eq(kc_acl_perm_name(KC_PERM_DENY), "Deny");
    cr_assert_eq(kc_acl_perm_parse("ALLOW"), KC_PERM_ALLOW);
    cr_assert_eq(kc_acl_perm_parse("deny"), KC_PERM_DENY);
    cr_assert_eq(kc_acl_perm_parse("maybe"), KC_PERM_UNKNOWN);

    cr_assert_str_eq(kc_acl_pattern_type_name(KC_PAT_PREFIXED), "PREFIXED");
    cr_assert_str_eq(kc_acl_pattern_type_name(KC_PAT_LITERAL), "LITERAL");
    cr_assert_eq(kc_acl_pattern_type_parse("PREFIXED"), KC_PAT_PREFIXED);
    cr_assert_eq(kc_acl_pattern_type_parse("match"), KC_PAT_MATCH);
    cr_assert_eq(kc_acl_pattern_type_parse("suffixed"), KC_PAT_UNKNOWN);
}

/* ---- znode paths ---------------------------------------------------------------------------- */

Test(acl, znode_paths)
{
    struct {
        kc_acl_pattern p;
        const char *path;
    } ok[] = {
        {P(KC_RES_TOPIC, "orders", KC_PAT_LITERAL), "/kafka-acl/Topic/orders"},
        {P(KC_RES_TOPIC, "*", KC_PAT_LITERAL), "/kafka-acl/Topic/*"},
        {P(KC_RES_CLUSTER, "kafka-cluster", KC_PAT_LITERAL), "/kafka-acl/Cluster/kafka-cluster"},
        {P(KC_RES_GROUP, "app-", KC_PAT_PREFIXED), "/kafka-acl-extended/prefixed/Group/app-"},
        {P(KC_RES_TRANSACTIONAL_ID, "tx", KC_PAT_PREFIXED),
         "/kafka-acl-extended/prefixed/TransactionalId/tx"},
        {P(KC_RES_DELEGATION_TOKEN, "tok", KC_PAT_LITERAL), "/kafka-acl/DelegationToken/tok"},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char *path = kc_acl_znode_path(&ok[i].p);
        cr_assert_str_eq(path, ok[i].path);
        kc_acl_pattern back;
        cr_assert_eq(kc_acl_znode_parse(path, &back), 0, "%s", path);
        cr_assert_eq(back.resource_type, ok[i].p.resource_type);
        cr_assert_eq(back.pattern_type, ok[i].p.pattern_type);
        cr_assert_str_eq(back.name, ok[i].p.name);
        kc_acl_pattern_clear(&back);
        free(path);
    }
    cr_assert_str_eq(kc_acl_store_root(KC_PAT_LITERAL), "/kafka-acl");
    cr_assert_str_eq(kc_acl_store_root(KC_PAT_PREFIXED), "/kafka-acl-extended/prefixed");
    cr_assert_null(kc_acl_store_root(KC_PAT_MATCH));

    kc_acl_pattern bad[] = {
        P(KC_RES_ANY, "x", KC_PAT_LITERAL),     P(KC_RES_UNKNOWN, "x", KC_PAT_LITERAL),
        P(KC_RES_TOPIC, "x", KC_PAT_MATCH),     P(KC_RES_TOPIC, "x", KC_PAT_ANY),
        P(KC_RES_TOPIC, "a/b", KC_PAT_LITERAL), P(KC_RES_TOPIC, "", KC_PAT_LITERAL),
        P(KC_RES_TOPIC, ".", KC_PAT_LITERAL),   P(KC_RES_TOPIC, "..", KC_PAT_PREFIXED),
        P(KC_RES_TOPIC, NULL, KC_PAT_LITERAL),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_null(kc_acl_znode_path(&bad[i]), "bad[%zu]", i);
}

Test(acl, znode_parse_refuses)
{
    static const char *bad[] = {
        "/kafka-acl",
        "/kafka-acl/Topic",
        "/kafka-acl/Topic/",
        "/kafka-acl/Bogus/x",
        "/kafka-acl/Any/x",
        "/kafka-acl/Topic/a/b",
        "/kafka-acl-extended/literal/Topic/x",
        "/kafka-acl-extended/prefixed/Topic",
        "/kafka-acl-changes/acl_changes_0000000001",
        "/kafka-aclx/Topic/x",
        "kafka-acl/Topic/x",
        "/kafka-acl//x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kc_acl_pattern p = {0};
        cr_assert_eq(kc_acl_znode_parse(bad[i], &p), -1, "%s", bad[i]);
        cr_assert_null(p.name);
    }
    /* a type folder as a hand-made or older tool spells it (SecurityUtils reads case-blind) */
    kc_acl_pattern p;
    cr_assert_eq(kc_acl_znode_parse("/kafka-acl/TOPIC/x", &p), 0);
    cr_assert_eq(p.resource_type, KC_RES_TOPIC);
    kc_acl_pattern_clear(&p);
}

/* ---- payloads ------------------------------------------------------------------------------- */

Test(acl, json_format_and_round_trip)
{
    kc_acl_entry in[] = {
        E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW),
        E("User:*", HOST, KC_OP_WRITE, KC_PERM_DENY),
        E("User:CN=a,OU=b", "*", KC_OP_CLUSTER_ACTION, KC_PERM_ALLOW),
        E(BOB, "*", KC_OP_IDEMPOTENT_WRITE, KC_PERM_ALLOW),
        E(BOB, "*", KC_OP_ALL, KC_PERM_DENY),
    };
    char *json = kc_acl_json_format(in, 5);
    cr_assert_str_eq(
        json, "{\"version\":1,\"acls\":["
              "{\"principal\":\"User:alice\",\"permissionType\":\"Allow\",\"operation\":\"Read\","
              "\"host\":\"*\"},"
              "{\"principal\":\"User:*\",\"permissionType\":\"Deny\",\"operation\":\"Write\","
              "\"host\":\"10.0.0.7\"},"
              "{\"principal\":\"User:CN=a,OU=b\",\"permissionType\":\"Allow\","
              "\"operation\":\"ClusterAction\",\"host\":\"*\"},"
              "{\"principal\":\"User:bob\",\"permissionType\":\"Allow\","
              "\"operation\":\"IdempotentWrite\",\"host\":\"*\"},"
              "{\"principal\":\"User:bob\",\"permissionType\":\"Deny\",\"operation\":\"All\","
              "\"host\":\"*\"}]}");
    kc_acl_entries out = {0};
    cr_assert_eq(kc_acl_json_parse(json, (int)strlen(json), &out), 5);
    for (int i = 0; i < 5; i++) {
        cr_assert_str_eq(out.v[i].principal, in[i].principal);
        cr_assert_str_eq(out.v[i].host, in[i].host);
        cr_assert_eq(out.v[i].op, in[i].op);
        cr_assert_eq(out.v[i].perm, in[i].perm);
    }
    kc_acl_entries_free(&out);
    free(json);

    char *empty = kc_acl_json_format(NULL, 0);
    cr_assert_str_eq(empty, "{\"version\":1,\"acls\":[]}");
    free(empty);
    kc_acl_entry unnamed = E(ALICE, "*", 99, KC_PERM_ALLOW);
    cr_assert_null(kc_acl_json_format(&unnamed, 1));
    kc_acl_entry bad_utf8 = E("User:\xff", "*", KC_OP_READ, KC_PERM_ALLOW);
    cr_assert_null(kc_acl_json_format(&bad_utf8, 1));
}

Test(acl, json_as_kafka_writes_it)
{
    /* ZkData's doc example: spaces, another field order; older writers' UPPER_CASE values; a
     * field Kafka does not know; a duplicate entry (Kafka keeps a Set) */
    const char *kafka = "{\"version\": 1, \"acls\": [ "
                        "{ \"host\":\"host1\", \"permissionType\": \"Deny\",\"operation\": "
                        "\"Read\",\"principal\": \"User:alice\"},"
                        "{\"principal\":\"User:bob\",\"permissionType\":\"ALLOW\","
                        "\"operation\":\"DESCRIBECONFIGS\",\"host\":\"*\",\"comment\":1},"
                        "{\"principal\":\"User:bob\",\"permissionType\":\"Allow\","
                        "\"operation\":\"DescribeConfigs\",\"host\":\"*\"}],"
                        "\"extra\":{\"x\":[1,2]}}";
    kc_acl_entries out = {0};
    cr_assert_eq(kc_acl_json_parse(kafka, (int)strlen(kafka), &out), 2);
    cr_assert_str_eq(out.v[0].principal, ALICE);
    cr_assert_str_eq(out.v[0].host, "host1");
    cr_assert_eq(out.v[0].op, KC_OP_READ);
    cr_assert_eq(out.v[0].perm, KC_PERM_DENY);
    cr_assert_str_eq(out.v[1].principal, BOB);
    cr_assert_eq(out.v[1].op, KC_OP_DESCRIBE_CONFIGS);
    cr_assert_eq(out.v[1].perm, KC_PERM_ALLOW);

    /* not NUL-terminated: only len bytes are read */
    char buf[128];
    const char *one = "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":"
                      "\"Allow\",\"operation\":\"Write\",\"host\":\"*\"}]}";
    size_t l = strlen(one);
    memcpy(buf, one, l);
    memset(buf + l, 'x', sizeof(buf) - l);
    cr_assert_eq(kc_acl_json_parse(buf, (int)l, &out), 1);
    cr_assert_eq(out.v[0].op, KC_OP_WRITE);

    /* an operation name Kafka does not know is kept as UNKNOWN, as SecurityUtils reads it */
    const char *unknown = "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":"
                          "\"Allow\",\"operation\":\"Fly\",\"host\":\"*\"}]}";
    cr_assert_eq(kc_acl_json_parse(unknown, (int)strlen(unknown), &out), 1);
    cr_assert_eq(out.v[0].op, KC_OP_UNKNOWN);
    kc_acl_entries_free(&out);

    cr_assert_eq(kc_acl_json_parse(NULL, 0, &out), 0);
    cr_assert_eq(kc_acl_json_parse("", 0, &out), 0);
}

Test(acl, json_malformed)
{
    static const char *bad[] = {
        "not json",
        "[]",
        "{\"acls\":[]}",
        "{\"version\":2,\"acls\":[]}",
        "{\"version\":\"1\",\"acls\":[]}",
        "{\"version\":1.0,\"acls\":[]}",
        "{\"version\":1}",
        "{\"version\":1,\"acls\":{}}",
        "{\"version\":1,\"acls\":[1]}",
        "{\"version\":1,\"acls\":[{\"permissionType\":\"Allow\",\"operation\":\"Read\","
        "\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"alice\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":null}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":3,\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":\"Any\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Any\","
        "\"operation\":\"Read\",\"host\":\"*\"}]}",
        "{\"version\":1,\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"Allow\","
        "\"operation\":\"Read\",\"host\":\"*\"},{}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kc_acl_entries out = {0};
        cr_assert_eq(kc_acl_json_parse(bad[i], (int)strlen(bad[i]), &out), -1, "%s", bad[i]);
        cr_assert_eq(out.n, 0);
        cr_assert_null(out.v);
    }
}

/* ---- change notifications ------------------------------------------------------------------- */

Test(acl, change_literal)
{
    cr_assert_str_eq(kc_acl_change_root(KC_PAT_LITERAL), "/kafka-acl-changes");
    kc_acl_pattern p = P(KC_RES_TOPIC, "orders", KC_PAT_LITERAL);
    char *d = kc_acl_change_encode(&p);
    cr_assert_str_eq(d, "TOPIC:orders");
    free(d);
    p = P(KC_RES_TRANSACTIONAL_ID, "tx:1", KC_PAT_LITERAL);
    d = kc_acl_change_encode(&p);
    cr_assert_str_eq(d, "TRANSACTIONAL_ID:tx:1");

    kc_acl_pattern back;
    cr_assert_eq(kc_acl_change_decode(false, d, (int)strlen(d), &back), 0);
    cr_assert_eq(back.resource_type, KC_RES_TRANSACTIONAL_ID);
    cr_assert_eq(back.pattern_type, KC_PAT_LITERAL);
    cr_assert_str_eq(back.name, "tx:1"); /* split at the first ':' only */
    kc_acl_pattern_clear(&back);
    free(d);

    /* pre-2.0 writers used the PascalCase name; not NUL-terminated input */
    cr_assert_eq(kc_acl_change_decode(false, "Cluster:kafka-clusterXYZ", 21, &back), 0);
    cr_assert_eq(back.resource_type, KC_RES_CLUSTER);
    cr_assert_str_eq(back.name, "kafka-cluster");
    kc_acl_pattern_clear(&back);

    static const char *bad[] = {"TOPIC", "TOPIC:", ":x", "Bogus:x", "ANY:x", "UNKNOWN:x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kc_acl_pattern q = {0};
        cr_assert_eq(kc_acl_change_decode(false, bad[i], (int)strlen(bad[i]), &q), -1, "%s",
                     bad[i]);
        cr_assert_null(q.name);
    }
    cr_assert_eq(kc_acl_change_decode(false, "TOPIC:a\0b", 9, &back), -1);
    cr_assert_eq(kc_acl_change_decode(false, "TOPIC:a", 0, &back), -1);
    p = P(KC_RES_TOPIC, "x", KC_PAT_MATCH);
    cr_assert_null(kc_acl_change_encode(&p));
    p = P(KC_RES_ANY, "x", KC_PAT_LITERAL);
    cr_assert_null(kc_acl_change_encode(&p));
}

Test(acl, change_extended)
{
    cr_assert_str_eq(kc_acl_change_root(KC_PAT_PREFIXED), "/kafka-acl-extended-changes");
    cr_assert_str_eq(KC_ACL_CHANGE_PREFIX, "acl_changes_");
    kc_acl_pattern p = P(KC_RES_TOPIC, "pay-", KC_PAT_PREFIXED);
    char *d = kc_acl_change_encode(&p);
    cr_assert_str_eq(d, "{\"version\":1,\"resourceType\":\"TOPIC\",\"name\":\"pay-\","
                        "\"patternType\":\"PREFIXED\"}");
    kc_acl_pattern back;
    cr_assert_eq(kc_acl_change_decode(true, d, (int)strlen(d), &back), 0);
    cr_assert_eq(back.resource_type, KC_RES_TOPIC);
    cr_assert_eq(back.pattern_type, KC_PAT_PREFIXED);
    cr_assert_str_eq(back.name, "pay-");
    kc_acl_pattern_clear(&back);
    free(d);

    p = P(KC_RES_DELEGATION_TOKEN, "t", KC_PAT_PREFIXED);
    d = kc_acl_change_encode(&p);
    cr_assert_str_eq(d, "{\"version\":1,\"resourceType\":\"DELEGATION_TOKEN\",\"name\":\"t\","
                        "\"patternType\":\"PREFIXED\"}");
    free(d);

    /* Jackson reads fields in any order and a missing version as 0; LITERAL is accepted (Kafka
     * then refreshes the literal store) */
    const char *other = "{\"patternType\":\"LITERAL\",\"name\":\"g\",\"resourceType\":\"GROUP\"}";
    cr_assert_eq(kc_acl_change_decode(true, other, (int)strlen(other), &back), 0);
    cr_assert_eq(back.resource_type, KC_RES_GROUP);
    cr_assert_eq(back.pattern_type, KC_PAT_LITERAL);
    kc_acl_pattern_clear(&back);

    static const char *bad[] = {
        "TOPIC:x",
        "{\"version\":2,\"resourceType\":\"TOPIC\",\"name\":\"x\",\"patternType\":\"PREFIXED\"}",
        "{\"version\":1,\"resourceType\":\"TOPIC\",\"patternType\":\"PREFIXED\"}",
        "{\"version\":1,\"resourceType\":\"TOPIC\",\"name\":\"\",\"patternType\":\"PREFIXED\"}",
        "{\"version\":1,\"resourceType\":\"ANY\",\"name\":\"x\",\"patternType\":\"PREFIXED\"}",
        "{\"version\":1,\"resourceType\":\"TOPIC\",\"name\":\"x\",\"patternType\":\"MATCH\"}",
        "{\"version\":1,\"resourceType\":\"TOPIC\",\"name\":\"x\",\"patternType\":\"UNKNOWN\"}",
        "{\"version\":1,\"resourceType\":\"TOPIC\",\"name\":7,\"patternType\":\"PREFIXED\"}",
        "[\"TOPIC\",\"x\"]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        kc_acl_pattern q = {0};
        cr_assert_eq(kc_acl_change_decode(true, bad[i], (int)strlen(bad[i]), &q), -1, "%s", bad[i]);
        cr_assert_null(q.name);
    }
}

/* ---- super.users ---------------------------------------------------------------------------- */

Test(acl, super_users_parse)
{
    kc_acl_config c;
    char err[256];
    cr_assert_eq(kc_acl_config_init(&c, " User:admin ; User:CN=broker,O=org;\tUser:x;;", true, err,
                                    sizeof(err)),
                 0);
    cr_assert_eq(c.n_super_users, 3);
    cr_assert_str_eq(c.super_users[0], "User:admin");
    cr_assert_str_eq(c.super_users[1], "User:CN=broker,O=org");
    cr_assert_str_eq(c.super_users[2], "User:x");
    cr_assert(c.allow_everyone_if_no_acl_found);
    cr_assert(kc_acl_is_super_user(&c, "User:admin"));
    cr_assert_not(kc_acl_is_super_user(&c, "User:Admin"));
    cr_assert_not(kc_acl_is_super_user(&c, "User:admin "));
    kc_acl_config_clear(&c);

    cr_assert_eq(kc_acl_config_init(&c, "", false, err, sizeof(err)), 0);
    cr_assert_eq(c.n_super_users, 0);
    cr_assert_eq(kc_acl_config_init(&c, ";;", false, err, sizeof(err)), 0);
    cr_assert_eq(c.n_super_users, 0);
    kc_acl_config_clear(&c);

    static const char *bad[] = {";User:a", "User:a;;User:b", "alice", "User:a; ", " "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        cr_assert_eq(kc_acl_config_init(&c, bad[i], false, err, sizeof(err)), -1, "%s", bad[i]);
        cr_assert_eq(c.n_super_users, 0);
        cr_assert(strstr(err, "super.users"), "%s", err);
        kc_acl_config_clear(&c);
    }
}

/* ---- the decision --------------------------------------------------------------------------- */

Test(acl, super_user_allowed_even_over_deny)
{
    kc_acl_store *s = kc_acl_store_new();
    set1(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, E("User:*", "*", KC_OP_ALL, KC_PERM_DENY));
    kc_acl_config c;
    cr_assert_eq(kc_acl_config_init(&c, "User:admin", false, NULL, 0), 0);
    cr_assert(az(s, &c, "User:admin", KC_OP_WRITE, KC_RES_TOPIC, "t"));
    cr_assert(az(s, &c, "User:admin", KC_OP_CLUSTER_ACTION, KC_RES_CLUSTER, "kafka-cluster"));
    cr_assert_not(az(s, &c, ALICE, KC_OP_WRITE, KC_RES_TOPIC, "t"));
    kc_acl_config_clear(&c);
    kc_acl_store_free(s);
}

Test(acl, deny_wins)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_config c = no_super(true);
    kc_acl_entry both[] = {E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW),
                           E(ALICE, "*", KC_OP_READ, KC_PERM_DENY)};
    kc_acl_pattern t = P(KC_RES_TOPIC, "t", KC_PAT_LITERAL);
    cr_assert_eq(kc_acl_store_set(s, &t, both, 2), 2);
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));

    /* a DENY on the wildcard beats an ALLOW on the literal; a DENY of another op does not */
    set1(s, KC_RES_GROUP, "g", KC_PAT_LITERAL, E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW));
    set1(s, KC_RES_GROUP, "*", KC_PAT_LITERAL, E("User:*", "*", KC_OP_READ, KC_PERM_DENY));
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_GROUP, "g"));
    set1(s, KC_RES_GROUP, "*", KC_PAT_LITERAL, E("User:*", "*", KC_OP_DELETE, KC_PERM_DENY));
    cr_assert(az(s, &c, ALICE, KC_OP_READ, KC_RES_GROUP, "g"));

    /* a prefixed DENY beats a literal ALLOW; DENY READ does not deny DESCRIBE */
    set1(s, KC_RES_TOPIC, "pay.eu", KC_PAT_LITERAL, E(BOB, "*", KC_OP_READ, KC_PERM_ALLOW));
    set1(s, KC_RES_TOPIC, "pay.", KC_PAT_PREFIXED, E(BOB, "*", KC_OP_READ, KC_PERM_DENY));
    cr_assert_not(az(s, &c, BOB, KC_OP_READ, KC_RES_TOPIC, "pay.eu"));
    cr_assert(az(s, &c, BOB, KC_OP_DESCRIBE, KC_RES_TOPIC, "pay.eu"));
    kc_acl_config_clear(&c);
    kc_acl_store_free(s);
}

Test(acl, wildcard_resource)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_config c = no_super(false);
    set1(s, KC_RES_TOPIC, "*", KC_PAT_LITERAL, E(ALICE, "*", KC_OP_WRITE, KC_PERM_ALLOW));
    cr_assert(az(s, &c, ALICE, KC_OP_WRITE, KC_RES_TOPIC, "anything"));
    cr_assert(az(s, &c, ALICE, KC_OP_WRITE, KC_RES_TOPIC, "*"));
    cr_assert_not(az(s, &c, ALICE, KC_OP_WRITE, KC_RES_GROUP, "anything"));
    cr_assert_not(az(s, &c, BOB, KC_OP_WRITE, KC_RES_TOPIC, "anything"));
    /* a prefixed "*" is no wildcard: it applies to names starting with '*' only */
    set1(s, KC_RES_GROUP, "*", KC_PAT_PREFIXED, E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_GROUP, "g"));
    cr_assert(az(s, &c, ALICE, KC_OP_READ, KC_RES_GROUP, "*g"));
    kc_acl_config_clear(&c);
    kc_acl_store_free(s);
}

Test(acl, wildcard_principal)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_config c = no_super(false);
    set1(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, E("User:*", "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));
    cr_assert(az(s, &c, "User:ANONYMOUS", KC_OP_READ, KC_RES_TOPIC, "t"));
    /* only "User:*" is the wildcard; principals compare exactly (case-sensitive) */
    set1(s, KC_RES_TOPIC, "u", KC_PAT_LITERAL, E("Group:*", "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "u"));
    set1(s, KC_RES_TOPIC, "v", KC_PAT_LITERAL, E("User:Alice", "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "v"));
    kc_acl_config_clear(&c);
    kc_acl_store_free(s);
}

Test(acl, prefixed)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_config c = no_super(false);
    set1(s, KC_RES_TOPIC, "pay", KC_PAT_PREFIXED, E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "payments"));
    cr_assert(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "pay")); /* equality included */
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "pa"));
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "xpay"));
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "Payments"));
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_GROUP, "payments"));
    /* several prefixes of one name all count */
    set1(s, KC_RES_TOPIC, "payments.eu.", KC_PAT_PREFIXED, E(BOB, "*", KC_OP_WRITE, KC_PERM_ALLOW));
    cr_assert(az(s, &c, BOB, KC_OP_WRITE, KC_RES_TOPIC, "payments.eu.card"));
    cr_assert(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "payments.eu.card"));
    cr_assert_not(az(s, &c, BOB, KC_OP_WRITE, KC_RES_TOPIC, "payments.us.card"));
    /* a prefixed "" (no API or znode can make one) applies to the name "" only: Kafka's range
     * from the name down to its first character misses it */
    set1(s, KC_RES_TOPIC, "", KC_PAT_PREFIXED, E(BOB, "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert_not(az(s, &c, BOB, KC_OP_READ, KC_RES_TOPIC, "x"));
    cr_assert(az(s, &c, BOB, KC_OP_READ, KC_RES_TOPIC, ""));
    kc_acl_pattern none = P(KC_RES_TOPIC, "", KC_PAT_PREFIXED);
    cr_assert_eq(kc_acl_store_set(s, &none, NULL, 0), 0);

    /* many prefixed patterns (the table grows): each still found, no false match */
    char name[32];
    for (int i = 0; i < 500; i++) {
        snprintf(name, sizeof(name), "p%d-", i);
        set1(s, KC_RES_GROUP, name, KC_PAT_PREFIXED, E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW));
    }
    cr_assert_eq(kc_acl_store_patterns(s), 502);
    for (int i = 0; i < 500; i += 37) {
        snprintf(name, sizeof(name), "p%d-consumer", i);
        cr_assert(az(s, &c, ALICE, KC_OP_READ, KC_RES_GROUP, name), "%s", name);
        snprintf(name, sizeof(name), "p%dconsumer", i);
        cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_GROUP, name), "%s", name);
    }
    kc_acl_config_clear(&c);
    kc_acl_store_free(s);
}

Test(acl, implied_describe)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_config c = no_super(false);
    int implying[] = {KC_OP_READ, KC_OP_WRITE, KC_OP_DELETE, KC_OP_ALTER, KC_OP_DESCRIBE};
    for (size_t i = 0; i < sizeof(implying) / sizeof(implying[0]); i++) {
        set1(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, E(ALICE, "*", implying[i], KC_PERM_ALLOW));
        cr_assert(az(s, &c, ALICE, KC_OP_DESCRIBE, KC_RES_TOPIC, "t"), "op %d", implying[i]);
    }
    int not_implying[] = {KC_OP_CREATE, KC_OP_CLUSTER_ACTION, KC_OP_DESCRIBE_CONFIGS,
                          KC_OP_ALTER_CONFIGS, KC_OP_IDEMPOTENT_WRITE};
    for (size_t i = 0; i < sizeof(not_implying) / sizeof(not_implying[0]); i++) {
        set1(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, E(ALICE, "*", not_implying[i], KC_PERM_ALLOW));
        cr_assert_not(az(s, &c, ALICE, KC_OP_DESCRIBE, KC_RES_TOPIC, "t"), "op %d",
                      not_implying[i]);
    }
    /* implication goes one way: DESCRIBE does not allow READ */
    set1(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, E(ALICE, "*", KC_OP_DESCRIBE, KC_PERM_ALLOW));
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));
    /* a DENY of READ does not deny DESCRIBE granted by WRITE */
    kc_acl_entry two[] = {E(ALICE, "*", KC_OP_WRITE, KC_PERM_ALLOW),
                          E(ALICE, "*", KC_OP_READ, KC_PERM_DENY)};
    kc_acl_pattern t = P(KC_RES_TOPIC, "t", KC_PAT_LITERAL);
    cr_assert_eq(kc_acl_store_set(s, &t, two, 2), 2);
    cr_assert(az(s, &c, ALICE, KC_OP_DESCRIBE, KC_RES_TOPIC, "t"));
    kc_acl_config_clear(&c);
    kc_acl_store_free(s);
}

Test(acl, implied_describe_configs)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_config c = no_super(false);
    set1(s, KC_RES_CLUSTER, "kafka-cluster", KC_PAT_LITERAL,
         E(ALICE, "*", KC_OP_ALTER_CONFIGS, KC_PERM_ALLOW));
    cr_assert(az(s, &c, ALICE, KC_OP_DESCRIBE_CONFIGS, KC_RES_CLUSTER, "kafka-cluster"));
    cr_assert(az(s, &c, ALICE, KC_OP_ALTER_CONFIGS, KC_RES_CLUSTER, "kafka-cluster"));
    cr_assert_not(az(s, &c, ALICE, KC_OP_DESCRIBE, KC_RES_CLUSTER, "kafka-cluster"));
    set1(s, KC_RES_CLUSTER, "kafka-cluster", KC_PAT_LITERAL,
         E(ALICE, "*", KC_OP_ALTER, KC_PERM_ALLOW));
    cr_assert_not(az(s, &c, ALICE, KC_OP_DESCRIBE_CONFIGS, KC_RES_CLUSTER, "kafka-cluster"));
    set1(s, KC_RES_CLUSTER, "kafka-cluster", KC_PAT_LITERAL,
         E(ALICE, "*", KC_OP_DESCRIBE_CONFIGS, KC_PERM_ALLOW));
    cr_assert_not(az(s, &c, ALICE, KC_OP_ALTER_CONFIGS, KC_RES_CLUSTER, "kafka-cluster"));
    kc_acl_config_clear(&c);
    kc_acl_store_free(s);
}

Test(acl, all_operation)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_config c = no_super(false);
    set1(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, E(ALICE, "*", KC_OP_ALL, KC_PERM_ALLOW));
    for (int op = KC_OP_ALL; op <= KC_OP_IDEMPOTENT_WRITE; op++)
        cr_assert(az(s, &c, ALICE, op, KC_RES_TOPIC, "t"), "op %d", op);
    kc_acl_entry two[] = {E(ALICE, "*", KC_OP_ALL, KC_PERM_ALLOW),
                          E(ALICE, "*", KC_OP_ALL, KC_PERM_DENY)};
    kc_acl_pattern t = P(KC_RES_TOPIC, "t", KC_PAT_LITERAL);
    cr_assert_eq(kc_acl_store_set(s, &t, two, 2), 2);
    for (int op = KC_OP_ALL; op <= KC_OP_IDEMPOTENT_WRITE; op++)
        cr_assert_not(az(s, &c, ALICE, op, KC_RES_TOPIC, "t"), "op %d", op);
    /* asking for ALL needs an ALL grant */
    set1(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert_not(az(s, &c, ALICE, KC_OP_ALL, KC_RES_TOPIC, "t"));
    /* requests that are not a concrete check are refused, even for a super user */
    cr_assert_not(az(s, &c, ALICE, KC_OP_ANY, KC_RES_TOPIC, "t"));
    cr_assert_not(az(s, &c, ALICE, KC_OP_READ, KC_RES_ANY, "t"));
    cr_assert_not(kc_acl_authorize(s, &c, ALICE, HOST, KC_OP_READ, KC_RES_TOPIC, NULL));
    kc_acl_config_clear(&c);
    kc_acl_store_free(s);
}

Test(acl, allow_everyone_if_no_acl_found)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_config open = no_super(true), closed = no_super(false);
    /* no ACL at all on the resource */
    cr_assert(az(s, &open, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));
    cr_assert_not(az(s, &closed, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));
    cr_assert(az(NULL, &open, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));
    cr_assert_not(az(s, NULL, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));
    /* ACLs on other resources (another name, another type, a prefix that does not match) do not
     * count */
    set1(s, KC_RES_TOPIC, "other", KC_PAT_LITERAL, E(BOB, "*", KC_OP_READ, KC_PERM_ALLOW));
    set1(s, KC_RES_GROUP, "t", KC_PAT_LITERAL, E(BOB, "*", KC_OP_READ, KC_PERM_ALLOW));
    set1(s, KC_RES_TOPIC, "tt", KC_PAT_PREFIXED, E(BOB, "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert(az(s, &open, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));
    /* one ACL for someone else on the resource: alice is refused even with the flag */
    set1(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, E(BOB, "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert_not(az(s, &open, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));
    cr_assert(az(s, &open, BOB, KC_OP_READ, KC_RES_TOPIC, "t"));
    /* ... also when it names another operation or comes through a prefix or the wildcard */
    cr_assert_not(az(s, &open, BOB, KC_OP_WRITE, KC_RES_TOPIC, "t"));
    cr_assert_not(az(s, &open, ALICE, KC_OP_READ, KC_RES_TOPIC, "tt-1"));
    set1(s, KC_RES_GROUP, "*", KC_PAT_LITERAL, E(BOB, "*", KC_OP_READ, KC_PERM_ALLOW));
    cr_assert_not(az(s, &open, ALICE, KC_OP_READ, KC_RES_GROUP, "g"));
    /* removing the pattern brings the flag back */
    kc_acl_pattern t = P(KC_RES_TOPIC, "t", KC_PAT_LITERAL);
    cr_assert_eq(kc_acl_store_set(s, &t, NULL, 0), 0);
    cr_assert(az(s, &open, ALICE, KC_OP_READ, KC_RES_TOPIC, "t"));
    kc_acl_config_clear(&open);
    kc_acl_config_clear(&closed);
    kc_acl_store_free(s);
}

Test(acl, host_match)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_config c = no_super(false);
    set1(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, E(ALICE, HOST, KC_OP_READ, KC_PERM_ALLOW));
    cr_assert(kc_acl_authorize(s, &c, ALICE, HOST, KC_OP_READ, KC_RES_TOPIC, "t"));
    cr_assert_not(kc_acl_authorize(s, &c, ALICE, "10.0.0.8", KC_OP_READ, KC_RES_TOPIC, "t"));
    cr_assert_not(kc_acl_authorize(s, &c, ALICE, "10.0.0.70", KC_OP_READ, KC_RES_TOPIC, "t"));
    /* a DENY for one host leaves the others allowed by the "*" host */
    kc_acl_entry two[] = {E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW),
                          E(ALICE, "0:0:0:0:0:0:0:1", KC_OP_READ, KC_PERM_DENY)};
    kc_acl_pattern t = P(KC_RES_TOPIC, "t", KC_PAT_LITERAL);
    cr_assert_eq(kc_acl_store_set(s, &t, two, 2), 2);
    cr_assert(kc_acl_authorize(s, &c, ALICE, HOST, KC_OP_READ, KC_RES_TOPIC, "t"));
    cr_assert_not(kc_acl_authorize(s, &c, ALICE, "0:0:0:0:0:0:0:1", KC_OP_READ, KC_RES_TOPIC, "t"));
    kc_acl_config_clear(&c);
    kc_acl_store_free(s);
}

Test(acl, store_replace_and_remove)
{
    kc_acl_store *s = kc_acl_store_new();
    kc_acl_pattern t = P(KC_RES_TOPIC, "t", KC_PAT_LITERAL);
    kc_acl_entry dup[] = {E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW),
                          E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW),
                          E(BOB, "*", KC_OP_READ, KC_PERM_ALLOW)};
    cr_assert_eq(kc_acl_store_set(s, &t, dup, 3), 2); /* a set */
    int n;
    const kc_acl_entry *e = kc_acl_store_get(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(e[0].principal, ALICE);
    cr_assert_str_eq(e[1].principal, BOB);
    cr_assert_null(kc_acl_store_get(s, KC_RES_TOPIC, "t", KC_PAT_PREFIXED, &n));
    cr_assert_eq(n, 0);

    cr_assert_eq(kc_acl_store_set(s, &t, &dup[2], 1), 1); /* replaces the whole list */
    e = kc_acl_store_get(s, KC_RES_TOPIC, "t", KC_PAT_LITERAL, &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(e[0].principal, BOB);
    cr_assert_eq(kc_acl_store_patterns(s), 1);
    cr_assert_eq(kc_acl_store_set(s, &t, NULL, 0), 0);
    cr_assert_eq(kc_acl_store_patterns(s), 0);
    cr_assert_eq(kc_acl_store_set(s, &t, NULL, 0), 0); /* removing the absent is fine */

    /* refused: not a stored pattern, or an entry Kafka could not hold */
    kc_acl_pattern badp[] = {P(KC_RES_ANY, "t", KC_PAT_LITERAL), P(KC_RES_TOPIC, "t", KC_PAT_MATCH),
                             P(KC_RES_TOPIC, NULL, KC_PAT_LITERAL)};
    for (size_t i = 0; i < sizeof(badp) / sizeof(badp[0]); i++)
        cr_assert_eq(kc_acl_store_set(s, &badp[i], dup, 1), -1);
    kc_acl_entry bade[] = {
        E(NULL, "*", KC_OP_READ, KC_PERM_ALLOW), E(ALICE, NULL, KC_OP_READ, KC_PERM_ALLOW),
        E(ALICE, "*", KC_OP_ANY, KC_PERM_ALLOW), E(ALICE, "*", KC_OP_READ, KC_PERM_ANY),
        E(ALICE, "*", 13, KC_PERM_ALLOW)};
    for (size_t i = 0; i < sizeof(bade) / sizeof(bade[0]); i++)
        cr_assert_eq(kc_acl_store_set(s, &t, &bade[i], 1), -1, "entry %zu", i);
    cr_assert_eq(kc_acl_store_patterns(s), 0);

    /* literal and prefixed patterns of one name are distinct */
    set1(s, KC_RES_TOPIC, "x", KC_PAT_LITERAL, dup[0]);
    set1(s, KC_RES_TOPIC, "x", KC_PAT_PREFIXED, dup[2]);
    cr_assert_eq(kc_acl_store_patterns(s), 2);
    kc_acl_store_free(s);
}

/* ---- filters -------------------------------------------------------------------------------- */

/* The store the filter tests share. */
static kc_acl_store *filter_store(void)
{
    kc_acl_store *s = kc_acl_store_new();
    set1(s, KC_RES_TOPIC, "payments", KC_PAT_LITERAL, E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW));
    set1(s, KC_RES_TOPIC, "*", KC_PAT_LITERAL, E(BOB, HOST, KC_OP_WRITE, KC_PERM_DENY));
    set1(s, KC_RES_TOPIC, "pay", KC_PAT_PREFIXED, E(ALICE, "*", KC_OP_ALL, KC_PERM_ALLOW));
    set1(s, KC_RES_TOPIC, "payments.eu", KC_PAT_PREFIXED,
         E("User:*", "*", KC_OP_DESCRIBE, KC_PERM_ALLOW));
    set1(s, KC_RES_TOPIC, "other", KC_PAT_LITERAL, E(BOB, "*", KC_OP_READ, KC_PERM_ALLOW));
    set1(s, KC_RES_GROUP, "payments", KC_PAT_LITERAL, E(ALICE, "*", KC_OP_READ, KC_PERM_ALLOW));
    return s;
}

static kc_acl_filter any_filter(void)
{
    return (kc_acl_filter){KC_RES_ANY, NULL, KC_PAT_ANY, NULL, NULL, KC_OP_ANY, KC_PERM_ANY};
}

/* "Type/PATTERN/name" of each binding found, joined with ' ' */
static char *found(const kc_acl_store *s, const kc_acl_filter *f)
{
    kc_acl_binding *b;
    int n = kc_acl_store_find(s, f, &b);
    static char out[1024];
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        char one[128];
        snprintf(one, sizeof(one), "%s%s/%c/%s", i ? " " : "",
                 kc_acl_resource_name(b[i].pattern->resource_type),
                 kc_acl_pattern_type_name(b[i].pattern->pattern_type)[0], b[i].pattern->name);
        strncat(out, one, sizeof(out) - strlen(out) - 1);
    }
    free(b);
    return out;
}

Test(acl, filter_any_in_kafka_order)
{
    kc_acl_store *s = filter_store();
    kc_acl_filter f = any_filter();
    /* Kafka's ResourceOrdering: type, LITERAL before PREFIXED, name descending */
    cr_assert_str_eq(found(s, &f), "Topic/L/payments Topic/L/other Topic/L/* "
                                   "Topic/P/payments.eu Topic/P/pay Group/L/payments");
    kc_acl_store_free(s);
    kc_acl_store *empty = kc_acl_store_new();
    kc_acl_binding *b = (kc_acl_binding *)1;
    cr_assert_eq(kc_acl_store_find(empty, &f, &b), 0);
    cr_assert_null(b);
    kc_acl_store_free(empty);
}

Test(acl, filter_literal_and_any_pattern_type)
{
    kc_acl_store *s = filter_store();
    kc_acl_filter f = any_filter();
    f.resource_type = KC_RES_TOPIC;
    f.pattern_type = KC_PAT_LITERAL;
    cr_assert_str_eq(found(s, &f), "Topic/L/payments Topic/L/other Topic/L/*");
    f.name = "payments";
    cr_assert_str_eq(found(s, &f), "Topic/L/payments");
    f.name = "*"; /* the wildcard only, not every literal */
    cr_assert_str_eq(found(s, &f), "Topic/L/*");
    f.name = "pay";
    f.pattern_type = KC_PAT_PREFIXED;
    cr_assert_str_eq(found(s, &f), "Topic/P/pay");
    f.pattern_type = KC_PAT_ANY; /* exact name, either pattern type */
    f.name = "payments";
    f.resource_type = KC_RES_ANY;
    cr_assert_str_eq(found(s, &f), "Topic/L/payments Group/L/payments");
    kc_acl_store_free(s);
}

Test(acl, filter_match)
{
    kc_acl_store *s = filter_store();
    kc_acl_filter f = any_filter();
    f.resource_type = KC_RES_TOPIC;
    f.pattern_type = KC_PAT_MATCH;
    f.name = "payments.eu.card";
    /* what applies to the topic: the wildcard and both prefixes, not the literal "payments" */
    cr_assert_str_eq(found(s, &f), "Topic/L/* Topic/P/payments.eu Topic/P/pay");
    f.name = "payments";
    cr_assert_str_eq(found(s, &f), "Topic/L/payments Topic/L/* Topic/P/pay");
    f.name = NULL; /* MATCH without a name: every pattern of the type */
    cr_assert_str_eq(found(s, &f), "Topic/L/payments Topic/L/other Topic/L/* "
                                   "Topic/P/payments.eu Topic/P/pay");
    kc_acl_pattern p = P(KC_RES_TOPIC, "pa", KC_PAT_PREFIXED);
    f.name = "pay";
    cr_assert(kc_acl_filter_matches_pattern(&f, &p));
    p.name = "payx";
    cr_assert_not(kc_acl_filter_matches_pattern(&f, &p));
    kc_acl_store_free(s);
}

Test(acl, filter_entry_fields)
{
    kc_acl_store *s = filter_store();
    kc_acl_filter f = any_filter();
    f.principal = ALICE;
    cr_assert_str_eq(found(s, &f), "Topic/L/payments Topic/P/pay Group/L/payments");
    f.op = KC_OP_READ; /* exact: the ALL entry on "pay" is not widened */
    cr_assert_str_eq(found(s, &f), "Topic/L/payments Group/L/payments");
    f = any_filter();
    f.principal = "User:*"; /* the literal principal "User:*", not a wildcard */
    cr_assert_str_eq(found(s, &f), "Topic/P/payments.eu");
    f = any_filter();
    f.host = HOST;
    cr_assert_str_eq(found(s, &f), "Topic/L/*");
    f = any_filter();
    f.perm = KC_PERM_DENY;
    cr_assert_str_eq(found(s, &f), "Topic/L/*");
    f.perm = KC_PERM_ALLOW;
    f.op = KC_OP_ALL;
    cr_assert_str_eq(found(s, &f), "Topic/P/pay");

    kc_acl_entry e = E(BOB, "*", KC_OP_WRITE, KC_PERM_DENY);
    f = any_filter();
    cr_assert(kc_acl_filter_matches_entry(&f, &e));
    f.host = "*";
    f.principal = BOB;
    f.op = KC_OP_WRITE;
    f.perm = KC_PERM_DENY;
    cr_assert(kc_acl_filter_matches_entry(&f, &e));
    f.perm = KC_PERM_ALLOW;
    cr_assert_not(kc_acl_filter_matches_entry(&f, &e));
    kc_acl_store_free(s);
}
