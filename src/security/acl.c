/*
 * The ACL model of acl.h. The store is one chained hash table keyed by (resource type, pattern
 * type, name), so that a decision costs a probe for the literal name, one for the literal "*",
 * and, when the type has prefixed patterns at all, one per prefix length of the name: the FNV-1a
 * state of the name is extended byte by byte, so the prefixes hash in O(length) together.
 * Kafka walks an ordered map instead (AclAuthorizer.matchingAcls); the set gathered is the same.
 * A decision reads every gathered entry once, with no allocation.
 */
#include "security/acl.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"

/* ---- names ---------------------------------------------------------------------------------- */

typedef struct names {
    const char *pascal; /* SecurityUtils' PascalCase name */
    const char *upper;  /* the Java enum name */
} names;

static const names RESOURCE_NAMES[] = {
    {"Unknown", "UNKNOWN"},
    {"Any", "ANY"},
    {"Topic", "TOPIC"},
    {"Group", "GROUP"},
    {"Cluster", "CLUSTER"},
    {"TransactionalId", "TRANSACTIONAL_ID"},
    {"DelegationToken", "DELEGATION_TOKEN"},
};
static const names OP_NAMES[] = {
    {"Unknown", "UNKNOWN"},
    {"Any", "ANY"},
    {"All", "ALL"},
    {"Read", "READ"},
    {"Write", "WRITE"},
    {"Create", "CREATE"},
    {"Delete", "DELETE"},
    {"Alter", "ALTER"},
    {"Describe", "DESCRIBE"},
    {"ClusterAction", "CLUSTER_ACTION"},
    {"DescribeConfigs", "DESCRIBE_CONFIGS"},
    {"AlterConfigs", "ALTER_CONFIGS"},
    {"IdempotentWrite", "IDEMPOTENT_WRITE"},
};
static const names PERM_NAMES[] = {
    {"Unknown", "UNKNOWN"},
    {"Any", "ANY"},
    {"Deny", "DENY"},
    {"Allow", "ALLOW"},
};
static const names PATTERN_NAMES[] = {
    {"Unknown", "UNKNOWN"}, {"Any", "ANY"},           {"Match", "MATCH"},
    {"Literal", "LITERAL"}, {"Prefixed", "PREFIXED"},
};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ASCII-only case folding: locale-independent, as Locale.ROOT is for these ASCII names. */
static bool ascii_caseeq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

static int parse_name(const names *t, int n, const char *s)
{
    if (!s)
        return 0;
    for (int i = 0; i < n; i++)
        if (ascii_caseeq(s, t[i].pascal) || ascii_caseeq(s, t[i].upper))
            return i;
    return 0; /* every table's code 0 is UNKNOWN */
}

const char *kc_acl_resource_name(int type)
{
    return type >= 0 && type < COUNT(RESOURCE_NAMES) ? RESOURCE_NAMES[type].pascal : NULL;
}

const char *kc_acl_resource_enum_name(int type)
{
    return type >= 0 && type < COUNT(RESOURCE_NAMES) ? RESOURCE_NAMES[type].upper : NULL;
}

int kc_acl_resource_parse(const char *s)
{
    return parse_name(RESOURCE_NAMES, COUNT(RESOURCE_NAMES), s);
}

const char *kc_acl_op_name(int op)
{
    return op >= 0 && op < COUNT(OP_NAMES) ? OP_NAMES[op].pascal : NULL;
}

int kc_acl_op_parse(const char *s)
{
    return parse_name(OP_NAMES, COUNT(OP_NAMES), s);
}

const char *kc_acl_perm_name(int perm)
{
    return perm >= 0 && perm < COUNT(PERM_NAMES) ? PERM_NAMES[perm].pascal : NULL;
}

int kc_acl_perm_parse(const char *s)
{
    return parse_name(PERM_NAMES, COUNT(PERM_NAMES), s);
}

const char *kc_acl_pattern_type_name(int pt)
{
    return pt >= 0 && pt < COUNT(PATTERN_NAMES) ? PATTERN_NAMES[pt].upper : NULL;
}

int kc_acl_pattern_type_parse(const char *s)
{
    return parse_name(PATTERN_NAMES, COUNT(PATTERN_NAMES), s);
}

static bool concrete_type(int t)
{
    return t >= KC_RES_TOPIC && t <= KC_RES_DELEGATION_TOKEN;
}

static bool stored_pattern_type(int pt)
{
    return pt == KC_PAT_LITERAL || pt == KC_PAT_PREFIXED;
}

/* ---- request validation --------------------------------------------------------------------- */

const char *kc_acl_binding_invalid(int resource_type, const char *name, int pattern_type,
                                   const char *principal, int op, int perm)
{
    if (!concrete_type(resource_type) || !stored_pattern_type(pattern_type) || op <= KC_OP_ANY ||
        op > KC_OP_IDEMPOTENT_WRITE || perm <= KC_PERM_ANY || perm > KC_PERM_ALLOW)
        return "ACL binding contains unknown elements";
    if (resource_type == KC_RES_CLUSTER && (!name || strcmp(name, KC_ACL_CLUSTER_NAME) != 0))
        return "The only valid name for the CLUSTER resource is " KC_ACL_CLUSTER_NAME;
    if (!name || !*name)
        return "Invalid empty resource name";
    if (!kc_acl_principal_valid(principal))
        return "Invalid principal: expected Type:name";
    return NULL;
}

const char *kc_acl_filter_invalid(const kc_acl_filter *f)
{
    if (f->resource_type <= KC_RES_UNKNOWN || f->resource_type > KC_RES_DELEGATION_TOKEN ||
        f->pattern_type <= KC_PAT_UNKNOWN || f->pattern_type > KC_PAT_PREFIXED ||
        f->op <= KC_OP_UNKNOWN || f->op > KC_OP_IDEMPOTENT_WRITE || f->perm <= KC_PERM_UNKNOWN ||
        f->perm > KC_PERM_ALLOW)
        return "Filter contain UNKNOWN elements";
    return NULL;
}

/* ---- patterns, entries ---------------------------------------------------------------------- */

void kc_acl_pattern_clear(kc_acl_pattern *p)
{
    if (!p)
        return;
    free(p->name);
    memset(p, 0, sizeof(*p));
}

static bool entry_eq(const kc_acl_entry *e, const char *principal, const char *host, int op,
                     int perm)
{
    return e->op == op && e->perm == perm && !strcmp(e->principal, principal) &&
           !strcmp(e->host, host);
}

int kc_acl_entries_add(kc_acl_entries *es, const char *principal, const char *host, int op,
                       int perm)
{
    for (int i = 0; i < es->n; i++)
        if (entry_eq(&es->v[i], principal, host, op, perm))
            return 0;
    if (es->n == es->cap) {
        int cap = es->cap ? 2 * es->cap : 4;
        kc_acl_entry *grown = realloc(es->v, sizeof(*grown) * (size_t)cap);
        if (!grown)
            kc_fatal("acl: out of memory");
        es->v = grown;
        es->cap = cap;
    }
    es->v[es->n++] = (kc_acl_entry){kc_xstrdup(principal), kc_xstrdup(host), op, perm};
    return 1;
}

void kc_acl_entries_free(kc_acl_entries *es)
{
    if (!es)
        return;
    for (int i = 0; i < es->n; i++) {
        free(es->v[i].principal);
        free(es->v[i].host);
    }
    free(es->v);
    memset(es, 0, sizeof(*es));
}

bool kc_acl_principal_valid(const char *s)
{
    return s && *s && strchr(s, ':');
}

/* ---- znodes: paths and payloads ------------------------------------------------------------ */

#define LITERAL_ROOT  "/kafka-acl"
#define PREFIXED_ROOT "/kafka-acl-extended/prefixed"

const char *kc_acl_store_root(int pattern_type)
{
    if (pattern_type == KC_PAT_LITERAL)
        return LITERAL_ROOT;
    if (pattern_type == KC_PAT_PREFIXED)
        return PREFIXED_ROOT;
    return NULL;
}

const char *kc_acl_change_root(int pattern_type)
{
    if (pattern_type == KC_PAT_LITERAL)
        return "/kafka-acl-changes";
    if (pattern_type == KC_PAT_PREFIXED)
        return "/kafka-acl-extended-changes";
    return NULL;
}

/* Whether @p name can be the last element of a znode path. */
static bool znode_name_ok(const char *name)
{
    return name && *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

char *kc_acl_znode_path(const kc_acl_pattern *p)
{
    if (!p || !concrete_type(p->resource_type) || !stored_pattern_type(p->pattern_type) ||
        !znode_name_ok(p->name))
        return NULL;
    char *out;
    if (asprintf(&out, "%s/%s/%s", kc_acl_store_root(p->pattern_type),
                 kc_acl_resource_name(p->resource_type), p->name) < 0)
        kc_fatal("acl: out of memory");
    return out;
}

int kc_acl_znode_parse(const char *path, kc_acl_pattern *out)
{
    if (!path)
        return -1;
    int pt;
    const char *rest;
    if (!strncmp(path, LITERAL_ROOT "/", strlen(LITERAL_ROOT "/"))) {
        pt = KC_PAT_LITERAL;
        rest = path + strlen(LITERAL_ROOT "/");
    } else if (!strncmp(path, PREFIXED_ROOT "/", strlen(PREFIXED_ROOT "/"))) {
        pt = KC_PAT_PREFIXED;
        rest = path + strlen(PREFIXED_ROOT "/");
    } else {
        return -1;
    }
    const char *slash = strchr(rest, '/');
    if (!slash)
        return -1;
    char type_name[32];
    size_t tl = (size_t)(slash - rest);
    if (tl == 0 || tl >= sizeof(type_name))
        return -1;
    memcpy(type_name, rest, tl);
    type_name[tl] = '\0';
    int type = kc_acl_resource_parse(type_name);
    if (!concrete_type(type) || !znode_name_ok(slash + 1))
        return -1;
    *out = (kc_acl_pattern){type, kc_xstrdup(slash + 1), pt};
    return 0;
}

/* The string value of @p key in object @p o, or NULL when absent or not a string. */
static const char *str_field(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int kc_acl_json_parse(const char *json, int len, kc_acl_entries *out)
{
    kc_acl_entries_free(out);
    if (!json || len <= 0)
        return 0;
    json_t *j = json_loadb(json, (size_t)len, 0, NULL);
    json_t *ver = json_object_get(j, "version");
    json_t *acls = json_object_get(j, "acls");
    if (!json_is_object(j) || !json_is_integer(ver) || json_integer_value(ver) != 1 ||
        !json_is_array(acls))
        goto bad;
    size_t i;
    json_t *item;
    json_array_foreach(acls, i, item)
    {
        const char *principal = str_field(item, "principal");
        const char *perm_s = str_field(item, "permissionType");
        const char *op_s = str_field(item, "operation");
        const char *host = str_field(item, "host");
        if (!json_is_object(item) || !kc_acl_principal_valid(principal) || !perm_s || !op_s ||
            !host)
            goto bad;
        int op = kc_acl_op_parse(op_s), perm = kc_acl_perm_parse(perm_s);
        if (op == KC_OP_ANY || perm == KC_PERM_ANY)
            goto bad;
        kc_acl_entries_add(out, principal, host, op, perm);
    }
    json_decref(j);
    return out->n;
bad:
    json_decref(j);
    kc_acl_entries_free(out);
    return -1;
}

/* json_string() of @p s, recording a failure (NULL, invalid UTF-8) in *@p ok. */
static json_t *jstr(const char *s, bool *ok)
{
    json_t *v = s ? json_string(s) : NULL;
    if (!v) {
        *ok = false;
        return json_null();
    }
    return v;
}

/* Compact text of @p j (consumed), or NULL when !@p ok. */
static char *dump(json_t *j, bool ok)
{
    char *s = ok ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (ok && !s)
        kc_fatal("acl: out of memory");
    return s;
}

char *kc_acl_json_format(const kc_acl_entry *e, int n)
{
    bool ok = true;
    json_t *acls = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "principal", jstr(e[i].principal, &ok));
        json_object_set_new(o, "permissionType", jstr(kc_acl_perm_name(e[i].perm), &ok));
        json_object_set_new(o, "operation", jstr(kc_acl_op_name(e[i].op), &ok));
        json_object_set_new(o, "host", jstr(e[i].host, &ok));
        json_array_append_new(acls, o);
    }
    json_t *j = json_object();
    json_object_set_new(j, "version", json_integer(1));
    json_object_set_new(j, "acls", acls);
    return dump(j, ok);
}

/* ---- change notifications ------------------------------------------------------------------- */

char *kc_acl_change_encode(const kc_acl_pattern *p)
{
    if (!p || !concrete_type(p->resource_type) || !p->name)
        return NULL;
    if (p->pattern_type == KC_PAT_LITERAL) {
        char *out;
        if (asprintf(&out, "%s:%s", kc_acl_resource_enum_name(p->resource_type), p->name) < 0)
            kc_fatal("acl: out of memory");
        return out;
    }
    if (p->pattern_type != KC_PAT_PREFIXED)
        return NULL;
    bool ok = true;
    json_t *j = json_object();
    json_object_set_new(j, "version", json_integer(1));
    json_object_set_new(j, "resourceType", jstr(kc_acl_resource_enum_name(p->resource_type), &ok));
    json_object_set_new(j, "name", jstr(p->name, &ok));
    json_object_set_new(j, "patternType", jstr(kc_acl_pattern_type_name(p->pattern_type), &ok));
    return dump(j, ok);
}

static int decode_extended(const char *data, int len, kc_acl_pattern *out)
{
    int rc = -1;
    json_t *j = json_loadb(data, (size_t)len, 0, NULL);
    json_t *ver = json_object_get(j, "version");
    const char *type_s = str_field(j, "resourceType");
    const char *name = str_field(j, "name");
    const char *pt_s = str_field(j, "patternType");
    /* ExtendedAclChangeEvent: an int version (absent or null reads as 0), at most current */
    bool ver_ok =
        !ver || json_is_null(ver) || (json_is_integer(ver) && json_integer_value(ver) <= 1);
    if (json_is_object(j) && ver_ok && type_s && name && *name && pt_s) {
        int type = kc_acl_resource_parse(type_s);
        int pt = kc_acl_pattern_type_parse(pt_s);
        if (concrete_type(type) && stored_pattern_type(pt)) {
            *out = (kc_acl_pattern){type, kc_xstrdup(name), pt};
            rc = 0;
        }
    }
    json_decref(j);
    return rc;
}

int kc_acl_change_decode(bool extended, const char *data, int len, kc_acl_pattern *out)
{
    if (!data || len <= 0)
        return -1;
    if (extended)
        return decode_extended(data, len, out);
    if (memchr(data, '\0', (size_t)len))
        return -1;
    const char *colon = memchr(data, ':', (size_t)len);
    if (!colon || colon == data + len - 1)
        return -1;
    char type_name[32];
    size_t tl = (size_t)(colon - data);
    if (tl >= sizeof(type_name))
        return -1;
    memcpy(type_name, data, tl);
    type_name[tl] = '\0';
    int type = kc_acl_resource_parse(type_name);
    if (!concrete_type(type))
        return -1;
    *out = (kc_acl_pattern){type, kc_xstrndup(colon + 1, (size_t)(data + len - colon - 1)),
                            KC_PAT_LITERAL};
    return 0;
}

/* ---- authorizer configuration ---------------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, const char *arg)
{
    if (err && errlen)
        snprintf(err, errlen, fmt, arg);
}

int kc_acl_config_init(kc_acl_config *cfg, const char *super_users, bool allow_everyone, char *err,
                       size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->allow_everyone_if_no_acl_found = allow_everyone;
    if (!super_users || !*super_users)
        return 0;
    /* String.split(";"): elements between separators, trailing empty elements dropped */
    size_t len = strlen(super_users);
    while (len > 0 && super_users[len - 1] == ';')
        len--;
    int cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += super_users[i] == ';';
    cfg->super_users = calloc((size_t)cap, sizeof(char *));
    if (!cfg->super_users)
        kc_fatal("acl: out of memory");
    const char *p = super_users, *end = super_users + len;
    while (len > 0 && p <= end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        const char *a = p, *b = stop;
        while (a < b && (unsigned char)*a <= ' ')
            a++;
        while (b > a && (unsigned char)b[-1] <= ' ')
            b--;
        char *principal = kc_xstrndup(a, (size_t)(b - a));
        if (!kc_acl_principal_valid(principal)) {
            set_err(err, errlen,
                    "super.users: expected a string in format principalType:principalName but "
                    "got '%s'",
                    principal);
            free(principal);
            kc_acl_config_clear(cfg);
            cfg->allow_everyone_if_no_acl_found = allow_everyone;
            return -1;
        }
        cfg->super_users[cfg->n_super_users++] = principal;
        if (!semi)
            break;
        p = semi + 1;
    }
    return 0;
}

void kc_acl_config_clear(kc_acl_config *cfg)
{
    if (!cfg)
        return;
    for (int i = 0; i < cfg->n_super_users; i++)
        free(cfg->super_users[i]);
    free(cfg->super_users);
    memset(cfg, 0, sizeof(*cfg));
}

bool kc_acl_is_super_user(const kc_acl_config *cfg, const char *principal)
{
    if (!cfg || !principal)
        return false;
    for (int i = 0; i < cfg->n_super_users; i++)
        if (!strcmp(cfg->super_users[i], principal))
            return true;
    return false;
}

/* ---- the store --------------------------------------------------------------------------------
 */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME  0x100000001b3ULL

typedef struct acl_node {
    struct acl_node *next; /* bucket chain */
    uint64_t hash;         /* key_hash() of the pattern */
    size_t name_len;
    kc_acl_pattern pattern; /* owned name */
    kc_acl_entries entries; /* n >= 1 */
} acl_node;

struct kc_acl_store {
    acl_node **buckets;
    size_t n_buckets; /* a power of two */
    int count;        /* patterns */
    int n_prefixed[KC_RES_DELEGATION_TOKEN + 1];
};

static uint64_t fnv_step(uint64_t h, unsigned char c)
{
    return (h ^ c) * FNV_PRIME;
}

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++)
        h = fnv_step(h, (unsigned char)s[i]);
    return h;
}

/* The key's hash from the FNV state of its name (so prefixes can be hashed incrementally),
 * finished with a 64-bit mixer so that the low bits pick buckets well. */
static uint64_t key_hash(uint64_t name_fnv, int type, int pt)
{
    uint64_t h = name_fnv ^ ((uint64_t)(type * 8 + pt) * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

kc_acl_store *kc_acl_store_new(void)
{
    kc_acl_store *s = calloc(1, sizeof(*s));
    if (!s)
        kc_fatal("acl: out of memory");
    s->n_buckets = 64;
    s->buckets = calloc(s->n_buckets, sizeof(*s->buckets));
    if (!s->buckets)
        kc_fatal("acl: out of memory");
    return s;
}

static void node_free(acl_node *n)
{
    kc_acl_pattern_clear(&n->pattern);
    kc_acl_entries_free(&n->entries);
    free(n);
}

void kc_acl_store_free(kc_acl_store *s)
{
    if (!s)
        return;
    for (size_t b = 0; b < s->n_buckets; b++) {
        for (acl_node *n = s->buckets[b], *next; n; n = next) {
            next = n->next;
            node_free(n);
        }
    }
    free(s->buckets);
    free(s);
}

/* The bucket slot that points at the node of (type, pt, name[0..len)), or at the chain's NULL. */
static acl_node **slot(const kc_acl_store *s, uint64_t h, int type, int pt, const char *name,
                       size_t len)
{
    acl_node **at = &s->buckets[h & (s->n_buckets - 1)];
    for (; *at; at = &(*at)->next) {
        const acl_node *n = *at;
        if (n->hash == h && n->pattern.resource_type == type && n->pattern.pattern_type == pt &&
            n->name_len == len && !memcmp(n->pattern.name, name, len))
            break;
    }
    return at;
}

static const acl_node *lookup(const kc_acl_store *s, uint64_t name_fnv, int type, int pt,
                              const char *name, size_t len)
{
    return *slot(s, key_hash(name_fnv, type, pt), type, pt, name, len);
}

static void grow(kc_acl_store *s)
{
    size_t nb = s->n_buckets * 2;
    acl_node **b = calloc(nb, sizeof(*b));
    if (!b)
        kc_fatal("acl: out of memory");
    for (size_t i = 0; i < s->n_buckets; i++) {
        for (acl_node *n = s->buckets[i], *next; n; n = next) {
            next = n->next;
            acl_node **head = &b[n->hash & (nb - 1)];
            n->next = *head;
            *head = n;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->n_buckets = nb;
}

int kc_acl_store_set(kc_acl_store *s, const kc_acl_pattern *p, const kc_acl_entry *e, int n)
{
    if (!p || !concrete_type(p->resource_type) || !stored_pattern_type(p->pattern_type) ||
        !p->name || n < 0 || (n > 0 && !e))
        return -1;
    for (int i = 0; i < n; i++)
        if (!e[i].principal || !e[i].host || e[i].op < 0 || e[i].op > KC_OP_IDEMPOTENT_WRITE ||
            e[i].op == KC_OP_ANY || e[i].perm < 0 || e[i].perm > KC_PERM_ALLOW ||
            e[i].perm == KC_PERM_ANY)
            return -1;
    kc_acl_entries es = {0};
    for (int i = 0; i < n; i++)
        kc_acl_entries_add(&es, e[i].principal, e[i].host, e[i].op, e[i].perm);

    size_t len = strlen(p->name);
    uint64_t h = key_hash(fnv(p->name, len), p->resource_type, p->pattern_type);
    acl_node **at = slot(s, h, p->resource_type, p->pattern_type, p->name, len);
    int prefixed = p->pattern_type == KC_PAT_PREFIXED;
    if (*at && es.n == 0) {
        acl_node *gone = *at;
        *at = gone->next;
        node_free(gone);
        s->count--;
        s->n_prefixed[p->resource_type] -= prefixed;
    } else if (*at) {
        kc_acl_entries_free(&(*at)->entries);
        (*at)->entries = es;
    } else if (es.n > 0) {
        acl_node *node = calloc(1, sizeof(*node));
        if (!node)
            kc_fatal("acl: out of memory");
        node->hash = h;
        node->name_len = len;
        node->pattern = (kc_acl_pattern){p->resource_type, kc_xstrdup(p->name), p->pattern_type};
        node->entries = es;
        *at = node; /* the end of the chain */
        s->count++;
        s->n_prefixed[p->resource_type] += prefixed;
        if ((size_t)s->count > s->n_buckets)
            grow(s);
    }
    return es.n;
}

const kc_acl_entry *kc_acl_store_get(const kc_acl_store *s, int resource_type, const char *name,
                                     int pattern_type, int *n)
{
    *n = 0;
    if (!s || !name)
        return NULL;
    size_t len = strlen(name);
    const acl_node *node = lookup(s, fnv(name, len), resource_type, pattern_type, name, len);
    if (!node)
        return NULL;
    *n = node->entries.n;
    return node->entries.v;
}

int kc_acl_store_patterns(const kc_acl_store *s)
{
    return s ? s->count : 0;
}

/* ---- the decision -----------------------------------------------------------------------------
 */

/* What the gathered entries say about one request. */
typedef struct verdict {
    int entries; /* entries on the gathered patterns, whoever they name */
    bool deny;   /* an applying DENY of the op or ALL */
    bool allow;  /* an applying ALLOW of the op, ALL or an op that implies it */
} verdict;

/* Whether an ALLOW of @p acl_op grants @p op (AclAuthorizer.authorizeAction: allowOps). */
static bool grants(int acl_op, int op)
{
    if (acl_op == op || acl_op == KC_OP_ALL)
        return true;
    if (op == KC_OP_DESCRIBE)
        return acl_op == KC_OP_READ || acl_op == KC_OP_WRITE || acl_op == KC_OP_DELETE ||
               acl_op == KC_OP_ALTER;
    if (op == KC_OP_DESCRIBE_CONFIGS)
        return acl_op == KC_OP_ALTER_CONFIGS;
    return false;
}

static void weigh(const acl_node *n, const char *principal, const char *host, int op, verdict *v)
{
    if (!n)
        return;
    v->entries += n->entries.n;
    for (int i = 0; i < n->entries.n; i++) {
        const kc_acl_entry *e = &n->entries.v[i];
        if (strcmp(e->principal, principal) && strcmp(e->principal, KC_ACL_WILDCARD_PRINCIPAL))
            continue;
        if (strcmp(e->host, host) && strcmp(e->host, KC_ACL_WILDCARD_HOST))
            continue;
        if (e->perm == KC_PERM_DENY && (e->op == op || e->op == KC_OP_ALL))
            v->deny = true;
        else if (e->perm == KC_PERM_ALLOW && grants(e->op, op))
            v->allow = true;
    }
}

bool kc_acl_authorize(const kc_acl_store *s, const kc_acl_config *cfg, const char *principal,
                      const char *host, int op, int resource_type, const char *resource_name)
{
    if (!principal || !host || !resource_name || op < KC_OP_ALL || op > KC_OP_IDEMPOTENT_WRITE ||
        !concrete_type(resource_type))
        return false;
    if (kc_acl_is_super_user(cfg, principal))
        return true;
    verdict v = {0};
    if (s) {
        size_t len = strlen(resource_name);
        weigh(lookup(s, fnv(resource_name, len), resource_type, KC_PAT_LITERAL, resource_name, len),
              principal, host, op, &v);
        if (strcmp(resource_name, KC_ACL_WILDCARD_RESOURCE))
            weigh(lookup(s, fnv("*", 1), resource_type, KC_PAT_LITERAL, "*", 1), principal, host,
                  op, &v);
        if (s->n_prefixed[resource_type] > 0) {
            /* every prefix, the name itself included; "" only for the name "" (see acl.h) */
            uint64_t h = FNV_OFFSET;
            if (len == 0)
                weigh(lookup(s, h, resource_type, KC_PAT_PREFIXED, resource_name, 0), principal,
                      host, op, &v);
            for (size_t l = 1; l <= len; l++) {
                h = fnv_step(h, (unsigned char)resource_name[l - 1]);
                weigh(lookup(s, h, resource_type, KC_PAT_PREFIXED, resource_name, l), principal,
                      host, op, &v);
            }
        }
    }
    if (v.entries == 0)
        return cfg && cfg->allow_everyone_if_no_acl_found;
    return !v.deny && v.allow;
}

/* ---- filters ----------------------------------------------------------------------------------
 */

bool kc_acl_filter_matches_pattern(const kc_acl_filter *f, const kc_acl_pattern *p)
{
    if (f->resource_type != KC_RES_ANY && f->resource_type != p->resource_type)
        return false;
    if (f->pattern_type != KC_PAT_ANY && f->pattern_type != KC_PAT_MATCH &&
        f->pattern_type != p->pattern_type)
        return false;
    if (!f->name)
        return true;
    if (f->pattern_type == KC_PAT_ANY || f->pattern_type == p->pattern_type)
        return !strcmp(f->name, p->name);
    switch (p->pattern_type) { /* MATCH */
    case KC_PAT_LITERAL:
        return !strcmp(f->name, p->name) || !strcmp(p->name, KC_ACL_WILDCARD_RESOURCE);
    case KC_PAT_PREFIXED:
        return !strncmp(f->name, p->name, strlen(p->name));
    default:
        return false;
    }
}

bool kc_acl_filter_matches_entry(const kc_acl_filter *f, const kc_acl_entry *e)
{
    return (!f->principal || !strcmp(f->principal, e->principal)) &&
           (!f->host || !strcmp(f->host, e->host)) && (f->op == KC_OP_ANY || f->op == e->op) &&
           (f->perm == KC_PERM_ANY || f->perm == e->perm);
}

/* Kafka's ResourceOrdering (type, then pattern type, then name reversed); a pattern's entries
 * keep their order (the same pattern means the same array, so the pointers compare). */
static int binding_cmp(const void *a, const void *b)
{
    const kc_acl_binding *x = a, *y = b;
    if (x->pattern != y->pattern) {
        if (x->pattern->resource_type != y->pattern->resource_type)
            return x->pattern->resource_type < y->pattern->resource_type ? -1 : 1;
        if (x->pattern->pattern_type != y->pattern->pattern_type)
            return x->pattern->pattern_type < y->pattern->pattern_type ? -1 : 1;
        return -strcmp(x->pattern->name, y->pattern->name);
    }
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

int kc_acl_store_find(const kc_acl_store *s, const kc_acl_filter *f, kc_acl_binding **out)
{
    *out = NULL;
    if (!s || !f)
        return 0;
    int n = 0, cap = 0;
    for (size_t b = 0; b < s->n_buckets; b++) {
        for (const acl_node *node = s->buckets[b]; node; node = node->next) {
            if (!kc_acl_filter_matches_pattern(f, &node->pattern))
                continue;
            for (int i = 0; i < node->entries.n; i++) {
                if (!kc_acl_filter_matches_entry(f, &node->entries.v[i]))
                    continue;
                if (n == cap) {
                    cap = cap ? 2 * cap : 16;
                    kc_acl_binding *grown = realloc(*out, sizeof(*grown) * (size_t)cap);
                    if (!grown)
                        kc_fatal("acl: out of memory");
                    *out = grown;
                }
                (*out)[n++] = (kc_acl_binding){&node->pattern, &node->entries.v[i]};
            }
        }
    }
    if (n > 1)
        qsort(*out, (size_t)n, sizeof(**out), binding_cmp);
    return n;
}
