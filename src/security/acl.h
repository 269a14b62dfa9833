/*
 * Kafka 2.8's ACL model as ZooKeeper-mode AclAuthorizer keeps and applies it: the enums with
 * their wire codes and names, the ACL znodes (`/kafka-acl/<Type>/<name>` for literal patterns,
 * `/kafka-acl-extended/prefixed/<Type>/<name>` for prefixed ones, payload
 * {"version":1,"acls":[...]}), the change notifications under `/kafka-acl-changes` and
 * `/kafka-acl-extended-changes`, an in-memory ACL cache (kc_acl_store), the authorization
 * decision (AclAuthorizer.authorizeAction) and the filter of DescribeAcls / DeleteAcls
 * (AclBindingFilter.matches). No ZooKeeper I/O and no logging here: the broker reads the znodes
 * and feeds the store; the codecs report -1 and the caller logs with the path in hand.
 *
 * Invariants of the store: every resource pattern in it has a concrete resource type (Topic ..
 * DelegationToken), a LITERAL or PREFIXED pattern type and at least one entry; a pattern's entries
 * are a set (no two equal entries), in the order first given. The store is not thread-safe:
 * one thread (the reactor) updates it and authorizes with it.
 *
 * Ownership convention: a kc_acl_pattern or kc_acl_entries that a function of this file fills
 * owns its strings (free with kc_acl_pattern_clear / kc_acl_entries_free); a const pointer
 * passed in is borrowed for the call only; pointers the store hands out are borrowed until the
 * store's next update.
 *
 * Sources (apache/kafka 2.8): clients common/acl/{AclOperation, AclPermissionType,
 * AccessControlEntryFilter, AclBindingFilter}.java, common/resource/{ResourceType, PatternType,
 * ResourcePatternFilter}.java, common/utils/SecurityUtils.java; core
 * kafka/security/authorizer/{AclAuthorizer, AclEntry}.scala, kafka/zk/ZkData.scala
 * (ZkAclStore, ExtendedAclZNode, LiteralAclChangeStore, ExtendedAclChangeStore, ResourceZNode,
 * ExtendedAclChangeEvent).
 */
#ifndef KC_ACL_H
#define KC_ACL_H

#include <stdbool.h>
#include <stddef.h>

/* Kafka's wire codes (ResourceType, PatternType, AclOperation, AclPermissionType .code()).
 * ResourceType.USER (7) came with Kafka 3.3 and is not part of 2.8. */
enum kc_acl_resource {
    KC_RES_UNKNOWN = 0,
    KC_RES_ANY = 1, /* filters only */
    KC_RES_TOPIC = 2,
    KC_RES_GROUP = 3,
    KC_RES_CLUSTER = 4, /* one resource, named KC_ACL_CLUSTER_NAME */
    KC_RES_TRANSACTIONAL_ID = 5,
    KC_RES_DELEGATION_TOKEN = 6,
};
enum kc_acl_pattern {
    KC_PAT_UNKNOWN = 0,
    KC_PAT_ANY = 1,   /* filters only */
    KC_PAT_MATCH = 2, /* filters only: the patterns that would apply to a name */
    KC_PAT_LITERAL = 3,
    KC_PAT_PREFIXED = 4,
};
enum kc_acl_op {
    KC_OP_UNKNOWN = 0,
    KC_OP_ANY = 1, /* filters only */
    KC_OP_ALL = 2,
    KC_OP_READ = 3,
    KC_OP_WRITE = 4,
    KC_OP_CREATE = 5,
    KC_OP_DELETE = 6,
    KC_OP_ALTER = 7,
    KC_OP_DESCRIBE = 8,
    KC_OP_CLUSTER_ACTION = 9,
    KC_OP_DESCRIBE_CONFIGS = 10,
    KC_OP_ALTER_CONFIGS = 11,
    KC_OP_IDEMPOTENT_WRITE = 12,
};
enum kc_acl_perm {
    KC_PERM_UNKNOWN = 0,
    KC_PERM_ANY = 1, /* filters only */
    KC_PERM_DENY = 2,
    KC_PERM_ALLOW = 3,
};

#define KC_ACL_CLUSTER_NAME       "kafka-cluster" /* the one Cluster resource */
#define KC_ACL_WILDCARD_RESOURCE  "*"             /* a LITERAL name matching every name */
#define KC_ACL_WILDCARD_PRINCIPAL "User:*"
#define KC_ACL_WILDCARD_HOST      "*"
#define KC_ACL_CHANGE_PREFIX      "acl_changes_" /* sequential change nodes: acl_changes_<seq> */

/** A resource pattern (Kafka's ResourcePattern): (resource type, name, pattern type). The tag
 *  differs from the typedef because `enum kc_acl_pattern` holds the pattern-type codes. */
typedef struct kc_acl_resource_pattern {
    int resource_type; /* enum kc_acl_resource */
    char *name;        /* owned when a function of this file filled the struct */
    int pattern_type;  /* enum kc_acl_pattern: LITERAL or PREFIXED in a stored pattern */
} kc_acl_pattern;

/** An access control entry (Kafka's AccessControlEntry). */
typedef struct kc_acl_entry {
    char *principal; /* "Type:name", e.g. "User:alice"; "User:*" is every principal */
    char *host;      /* the client's address as text, or "*" for every host */
    int op;          /* enum kc_acl_op */
    int perm;        /* enum kc_acl_perm: DENY or ALLOW (UNKNOWN when read as such) */
} kc_acl_entry;

/** A growable array of entries that owns every string in it. */
typedef struct kc_acl_entries {
    kc_acl_entry *v;
    int n, cap;
} kc_acl_entries;

/* ---- names ---------------------------------------------------------------------------------- */

/**
 * The PascalCase name of resource type @p type, as in ACL znode paths and Kafka's tools
 * (SecurityUtils.resourceTypeName): "Topic", "Group", "Cluster", "TransactionalId",
 * "DelegationToken" (and "Unknown", "Any").
 * @return a static string, or NULL when @p type is not a code of enum kc_acl_resource.
 */
const char *kc_acl_resource_name(int type);

/**
 * The Java enum name of resource type @p type (ResourceType.toString): "TOPIC", "GROUP",
 * "CLUSTER", "TRANSACTIONAL_ID", "DELEGATION_TOKEN" (and "UNKNOWN", "ANY"); the spelling of the
 * change notifications.
 * @return a static string, or NULL when @p type is not a code of enum kc_acl_resource.
 */
const char *kc_acl_resource_enum_name(int type);

/**
 * Resource type named @p s. ASCII case is ignored and both spellings are read: the PascalCase
 * name ("TransactionalId", "transactionalid": SecurityUtils.resourceType, used for znode paths)
 * and the enum name ("TRANSACTIONAL_ID", "transactional_id": ResourceType.fromString, used for
 * change notifications). Kafka applies each rule in its own place; reading both everywhere only
 * accepts spellings that no Kafka writer produces in the other place.
 * @param s NUL-terminated; NULL reads as unknown
 * @return the code, KC_RES_UNKNOWN when nothing matches (as Kafka's lookups answer).
 */
int kc_acl_resource_parse(const char *s);

/**
 * The PascalCase name of operation @p op (SecurityUtils.operationName), as written in ACL
 * payloads: "All", "Read", "Write", "Create", "Delete", "Alter", "Describe", "ClusterAction",
 * "DescribeConfigs", "AlterConfigs", "IdempotentWrite" (and "Unknown", "Any").
 * @return a static string, or NULL when @p op is not a code of enum kc_acl_op.
 */
const char *kc_acl_op_name(int op);

/**
 * Operation named @p s: PascalCase or enum name ("ClusterAction", "CLUSTERACTION",
 * "CLUSTER_ACTION", "cluster_action"), ASCII case ignored (SecurityUtils.operation and
 * AclOperation.fromString together).
 * @return the code, KC_OP_UNKNOWN when nothing matches or @p s is NULL.
 */
int kc_acl_op_parse(const char *s);

/**
 * The PascalCase name of permission @p perm (SecurityUtils.permissionTypeName): "Deny",
 * "Allow" (and "Unknown", "Any").
 * @return a static string, or NULL when @p perm is not a code of enum kc_acl_perm.
 */
const char *kc_acl_perm_name(int perm);

/** Permission named @p s, ASCII case ignored ("Allow", "ALLOW", "deny").
 *  @return the code, KC_PERM_UNKNOWN when nothing matches or @p s is NULL. */
int kc_acl_perm_parse(const char *s);

/**
 * The Java enum name of pattern type @p pt (PatternType.name()): "UNKNOWN", "ANY", "MATCH",
 * "LITERAL", "PREFIXED"; the spelling of extended change notifications.
 * @return a static string, or NULL when @p pt is not a code of enum kc_acl_pattern.
 */
const char *kc_acl_pattern_type_name(int pt);

/**
 * Pattern type named @p s, ASCII case ignored. Kafka's PatternType.fromString is case-sensitive
 * ("PREFIXED" only); "Prefixed" is read here too, which no Kafka writer produces.
 * @return the code, KC_PAT_UNKNOWN when nothing matches or @p s is NULL.
 */
int kc_acl_pattern_type_parse(const char *s);

/* ---- patterns, entries ---------------------------------------------------------------------- */

/** Free the name of @p p and zero it (NULL or an already cleared pattern is fine). */
void kc_acl_pattern_clear(kc_acl_pattern *p);

/**
 * Append a copy of (@p principal, @p host, @p op, @p perm) to @p es unless an equal entry is
 * already there (the entries of one pattern are a set, as Kafka's Set[AclEntry]). Strings are
 * copied; aborts on OOM.
 * @return 1 when appended, 0 when it was already present.
 */
int kc_acl_entries_add(kc_acl_entries *es, const char *principal, const char *host, int op,
                       int perm);

/** Free every entry of @p es and the array, and zero it (NULL is fine). */
void kc_acl_entries_free(kc_acl_entries *es);

/**
 * Whether @p s is a Kafka principal string: non-empty with a ':' (SecurityUtils.
 * parseKafkaPrincipal splits "Type:name" at the first ':'; "User:" is well-formed).
 */
bool kc_acl_principal_valid(const char *s);

/* ---- znodes: paths and payloads ------------------------------------------------------------ */

/**
 * The znode folder holding the patterns of @p pattern_type: "/kafka-acl" for LITERAL,
 * "/kafka-acl-extended/prefixed" for PREFIXED (ZkAclStore: ExtendedAclZNode plus the lower-case
 * pattern type). Its children are PascalCase resource types, theirs the pattern names.
 * @return a static string, or NULL for any other pattern type.
 */
const char *kc_acl_store_root(int pattern_type);

/**
 * The folder of the change notifications for @p pattern_type: "/kafka-acl-changes" for LITERAL
 * (LiteralAclChangeStore), "/kafka-acl-extended-changes" for PREFIXED (ExtendedAclChangeStore).
 * Nodes are persistent-sequential, named KC_ACL_CHANGE_PREFIX followed by the sequence.
 * @return a static string, or NULL for any other pattern type.
 */
const char *kc_acl_change_root(int pattern_type);

/**
 * The znode of pattern @p p: `/kafka-acl/<Type>/<name>` or
 * `/kafka-acl-extended/prefixed/<Type>/<name>` (ResourceZNode.path), the name unescaped as Kafka
 * writes it.
 * @return a new string (caller frees), or NULL when the pattern cannot be stored: a type that is
 *         not concrete, a pattern type other than LITERAL/PREFIXED, or a name that is NULL, empty,
 *         "." or "..", or holds '/' (AclAuthorizer.validateAclBinding refuses '/'; ZooKeeper
 *         refuses the others as path elements). Aborts on OOM.
 */
char *kc_acl_znode_path(const kc_acl_pattern *p);

/**
 * The pattern whose znode is @p path (the inverse of kc_acl_znode_path). The type element is
 * read with kc_acl_resource_parse.
 * @param out filled on success (owned name; kc_acl_pattern_clear), untouched on failure
 * @return 0, or -1 when @p path is not a pattern znode of a known resource type (AclAuthorizer
 *         skips an unknown type folder with a warning).
 */
int kc_acl_znode_parse(const char *path, kc_acl_pattern *out);

/**
 * Parse a pattern znode's payload (AclEntry.fromBytes):
 * {"version":1,"acls":[{"principal":"User:alice","permissionType":"Allow","operation":"Read",
 * "host":"*"}, ...]}. "version" must be the integer 1; each entry needs the four string fields;
 * other fields are ignored (Kafka reads the JSON tree by key). Operation and permission names
 * are read with kc_acl_op_parse / kc_acl_perm_parse, and an unrecognised name is kept as UNKNOWN
 * (an entry that never grants nor denies, but does make the resource "have ACLs"), as Kafka does;
 * "Any" is refused, as AccessControlEntry's constructor does. Equal entries collapse into one.
 * @param json the payload, @p len bytes (not NUL-terminated); NULL or 0 bytes is "no ACLs"
 * @param out  zeroed or holding entries; emptied first, then filled (owned;
 *             kc_acl_entries_free); empty after a failure
 * @return the number of entries, or -1 when malformed: not JSON, not an object, a wrong or
 *         missing version, a missing or mistyped field, an invalid principal, an ANY operation
 *         or permission (then @p out is empty). Kafka 2.8 reads text that is not JSON at all as
 *         an empty set (Json.parseBytes gives None) and throws on the rest; the caller decides
 *         (and logs) what a -1 means for the pattern.
 */
int kc_acl_json_parse(const char *json, int len, kc_acl_entries *out);

/**
 * The payload Kafka writes for @p n entries @p e (ResourceZNode.encode, Jackson on
 * AclEntry.toJsonCompatibleMap): {"version":1,"acls":[{"principal":..,"permissionType":..,
 * "operation":..,"host":..}]}, compact, fields in that order, names PascalCase.
 * @return a new NUL-terminated string (caller frees), or NULL when a string is not valid UTF-8
 *         or an op/permission has no name. Aborts on OOM.
 */
char *kc_acl_json_format(const kc_acl_entry *e, int n);

/* ---- change notifications ------------------------------------------------------------------- */

/**
 * The data of the change node announcing that pattern @p p's znode changed:
 *  - LITERAL, under "/kafka-acl-changes": "<ENUM_TYPE>:<name>", e.g. "TOPIC:orders"
 *    (LiteralAclChangeStore.encode writes ResourceType.toString, the enum name);
 *  - PREFIXED, under "/kafka-acl-extended-changes":
 *    {"version":1,"resourceType":"TOPIC","name":"pay-","patternType":"PREFIXED"}
 *    (ExtendedAclChangeStore.encode: Jackson on ExtendedAclChangeEvent, fields in constructor
 *    order, enum names).
 * @return a new NUL-terminated string (caller frees; the node's data is its strlen bytes), or NULL
 *         for a type that is not concrete, another pattern type, a NULL name or (PREFIXED) a name
 *         that is not valid UTF-8. Aborts on OOM.
 */
char *kc_acl_change_encode(const kc_acl_pattern *p);

/**
 * The pattern named by a change node's data.
 * @param extended false for a node under "/kafka-acl-changes" ("<Type>:<name>", split at the first
 *        ':', LiteralAclChangeStore.decode; the pattern is LITERAL), true for one under
 *        "/kafka-acl-extended-changes" (the JSON object above; "version" may be absent, must be
 *        an integer <= 1 when present; the three strings are required; other fields are ignored,
 *        where Kafka's Jackson mapping would refuse them; the pattern type may be LITERAL, which
 *        Kafka then refreshes in the literal store, or PREFIXED)
 * @param data @p len bytes, not NUL-terminated
 * @param out filled on success (owned name; kc_acl_pattern_clear), untouched on failure
 * @return 0, or -1 when malformed, when the resource type is not concrete, or when the name is
 *         empty or holds a NUL byte (such a pattern has no znode to re-read).
 */
int kc_acl_change_decode(bool extended, const char *data, int len, kc_acl_pattern *out);

/* ---- authorizer configuration ---------------------------------------------------------------- */

/** What AclAuthorizer.configure reads. */
typedef struct kc_acl_config {
    char **super_users; /* n_super_users owned "Type:name" strings */
    int n_super_users;
    bool allow_everyone_if_no_acl_found; /* allow.everyone.if.no.acl.found (default false) */
} kc_acl_config;

/**
 * Fill @p cfg from `super.users` @p super_users and `allow.everyone.if.no.acl.found`. The list
 * is split at ';' (DNs hold commas) as Java's String.split does (trailing empty elements
 * dropped), each element trimmed of bytes <= ' ' (String.trim) and checked as a principal
 * (SecurityUtils.parseKafkaPrincipal). NULL or "" means no super user.
 * @param cfg filled (owned strings; kc_acl_config_clear), also on failure
 * @param err receives the reason on failure (@p errlen bytes, NUL-terminated; may be NULL)
 * @return 0, or -1 when an element is empty or has no ':' (Kafka's configure throws, so the
 *         broker does not start); @p cfg then has no super user.
 */
int kc_acl_config_init(kc_acl_config *cfg, const char *super_users, bool allow_everyone, char *err,
                       size_t errlen);

/** Free what kc_acl_config_init allocated and zero @p cfg (NULL is fine). */
void kc_acl_config_clear(kc_acl_config *cfg);

/** Whether @p principal ("Type:name") is one of @p cfg's super users (exact, case-sensitive). */
bool kc_acl_is_super_user(const kc_acl_config *cfg, const char *principal);

/* ---- the store and the decision -------------------------------------------------------------- */

typedef struct kc_acl_store kc_acl_store;

/** An empty store. Aborts on OOM. */
kc_acl_store *kc_acl_store_new(void);

/** Free @p s, its patterns and entries (NULL is fine). */
void kc_acl_store_free(kc_acl_store *s);

/**
 * Replace every entry of pattern @p p with @p n entries @p e (how the broker applies one ACL
 * znode it has read; equal entries collapse). @p n == 0 removes the pattern (the znode is gone or
 * empty). Strings are copied; aborts on OOM. Invalidates what the store handed out before.
 * @return the number of entries now kept for @p p, or -1 (store unchanged) when @p p has a type
 *         that is not concrete, a pattern type other than LITERAL/PREFIXED or a NULL name, or an
 *         entry has a NULL principal or host, an ANY or out-of-range operation or permission
 *         (AccessControlEntry refuses ANY; UNKNOWN is kept, as kc_acl_json_parse reads it).
 */
int kc_acl_store_set(kc_acl_store *s, const kc_acl_pattern *p, const kc_acl_entry *e, int n);

/**
 * The entries of the pattern (@p resource_type, @p name, @p pattern_type) and their number in
 * *@p n (0 and NULL when the store has no such pattern). Borrowed until the next update; the base
 * for a CreateAcls/DeleteAcls read-modify-write of that znode.
 */
const kc_acl_entry *kc_acl_store_get(const kc_acl_store *s, int resource_type, const char *name,
                                     int pattern_type, int *n);

/** Number of patterns in @p s. */
int kc_acl_store_patterns(const kc_acl_store *s);

/**
 * Whether @p principal from @p host may perform @p op on the resource (@p resource_type,
 * @p resource_name): AclAuthorizer.authorizeAction of Kafka 2.8, in order:
 *  1. a super user is allowed (even over a DENY);
 *  2. the ACLs considered are those of the literal pattern named @p resource_name, of the literal
 *     wildcard "*", and of every prefixed pattern whose name @p resource_name starts with, all of
 *     the same resource type (a prefixed "*" is no wildcard; a prefixed "" applies to the name ""
 *     only, as Kafka's ordered-map range misses it otherwise); when there are none at all (for
 *     any principal, host or operation), the answer is allow_everyone_if_no_acl_found;
 *  3. an entry applies when its principal equals @p principal or is "User:*", and its host equals
 *     @p host (the text, no CIDR or name lookup) or is "*";
 *  4. an applying DENY naming @p op or ALL refuses (DENY READ does not deny DESCRIBE);
 *  5. otherwise an applying ALLOW naming @p op or ALL allows; ALLOW of READ, WRITE, DELETE or
 *     ALTER also allows DESCRIBE, and ALLOW of ALTER_CONFIGS allows DESCRIBE_CONFIGS (implied
 *     operations grant only; they never deny);
 *  6. otherwise refused.
 * O(length of the name) hash probes; no scan of the store.
 * @param s the store (NULL is an empty store)
 * @param principal the session's "Type:name", e.g. "User:alice" or "User:ANONYMOUS"
 * @param host the client address as Java's getHostAddress writes it
 * @param op a concrete operation (ALL..IDEMPOTENT_WRITE)
 * @param resource_type a concrete type (TOPIC..DELEGATION_TOKEN)
 * @return true when allowed; false also when an argument is NULL or @p op / @p resource_type is
 *         not concrete.
 */
bool kc_acl_authorize(const kc_acl_store *s, const kc_acl_config *cfg, const char *principal,
                      const char *host, int op, int resource_type, const char *resource_name);

/** A DescribeAcls / DeleteAcls filter (AclBindingFilter: a ResourcePatternFilter and an
 *  AccessControlEntryFilter). The strings are borrowed. */
typedef struct kc_acl_filter {
    int resource_type;     /* KC_RES_ANY, or only patterns of this type */
    const char *name;      /* NULL: any name */
    int pattern_type;      /* ANY, MATCH, or only patterns of this type (LITERAL, PREFIXED) */
    const char *principal; /* NULL: any principal, else exactly this one ("User:*" is literal) */
    const char *host;      /* NULL: any host, else exactly this one */
    int op;                /* KC_OP_ANY, or exactly this operation (ALL is not widened) */
    int perm;              /* KC_PERM_ANY, or exactly this permission */
} kc_acl_filter;

/**
 * Whether @p f's pattern part matches @p p (ResourcePatternFilter.matches): the type is ANY or
 * equal; the pattern type is ANY, MATCH or equal; then a NULL name matches, ANY or an equal
 * pattern type compares names exactly, and MATCH matches a LITERAL pattern with the same name or
 * the name "*", and a PREFIXED pattern that the filter's name starts with.
 */
bool kc_acl_filter_matches_pattern(const kc_acl_filter *f, const kc_acl_pattern *p);

/** Whether @p f's entry part matches @p e (AccessControlEntryFilter.matches): each of principal,
 *  host, operation, permission is unset (NULL / ANY) or exactly equal. */
bool kc_acl_filter_matches_entry(const kc_acl_filter *f, const kc_acl_entry *e);

/** One ACL binding handed out by the store: both pointers borrowed until its next update. */
typedef struct kc_acl_binding {
    const kc_acl_pattern *pattern;
    const kc_acl_entry *entry;
} kc_acl_binding;

/**
 * Why a CreateAcls creation cannot be stored, as Kafka's ResourcePattern, AccessControlEntry and
 * KafkaApis.handleCreateAcls refuse it: a resource type that is not concrete, a pattern type
 * other than LITERAL/PREFIXED, an operation or permission that is UNKNOWN, ANY or out of range
 * ("ACL binding contains unknown elements"); a Cluster not named "kafka-cluster"; an empty name;
 * a principal without ':'. (A name with '/' is refused later, by kc_acl_znode_path.)
 * @return a static message (answered with INVALID_REQUEST), or NULL when the binding is valid.
 */
const char *kc_acl_binding_invalid(int resource_type, const char *name, int pattern_type,
                                   const char *principal, int op, int perm);

/**
 * Why a DescribeAcls / DeleteAcls filter is refused: an UNKNOWN or out-of-range code in any of
 * its four enums (AclBindingFilter.isUnknown; "Filter contain UNKNOWN elements", Kafka's text).
 * @return a static message (answered with INVALID_REQUEST), or NULL when it is usable.
 */
const char *kc_acl_filter_invalid(const kc_acl_filter *f);

/**
 * Every (pattern, entry) of @p s that @p f matches (AclAuthorizer.acls with
 * AclBindingFilter.matches), ordered as Kafka's ACL cache iterates: by resource type code, then
 * LITERAL before PREFIXED, then name descending by byte (Java compares UTF-16 units, which orders
 * the same except between characters above U+FFFF and U+E000..U+FFFF); a pattern's entries in
 * the store's order.
 * @param out receives a new array of the bindings (caller frees the array only; NULL when none)
 * @return the number of bindings. Aborts on OOM.
 */
int kc_acl_store_find(const kc_acl_store *s, const kc_acl_filter *f, kc_acl_binding **out);

#endif
