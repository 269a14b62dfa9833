/*
 * `cafka acls`: kafka-acls.sh (Kafka 2.8's kafka.admin.AclCommand with --bootstrap-server): add,
 * remove and list ACL bindings through the brokers, with AclCommand's flags, checks, messages
 * and output. The requests go over cli/wire_client.h with the generated codecs (CreateAcls for
 * --add, DeleteAcls for --remove, DescribeAcls for --list and for the listing that follows
 * --add and --remove), each at the highest version of 0-2 (v1 at least: the pattern type) the
 * broker serves, to the first bootstrap server that answers, as Kafka's admin client sends them
 * to any broker.
 *
 * The parsing is exposed (kc_acls_parse) so that unit tests check the flags -> bindings and
 * filters mapping without a broker; the names, codes and the filter semantics come from
 * security/acl.h.
 *
 * Output, as AclCommand prints it (Scala's `s"...: $Newline ${acls.map("\t" + _)
 * .mkString(Newline)} $Newline"` and println, so a space ends the title line, starts the first
 * entry line and ends the last one, and an empty line follows):
 *   Adding ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)`: \n
 *    \t(principal=User:alice, host=*, operation=READ, permissionType=ALLOW) \n
 *   \n
 * then `Current ACLs for resource `...`: ` blocks for the resources named on the command line
 * (every resource when none is named), and with --list --principal P first a line
 * "ACLs for principal `P`" and only P's entries. Resources are listed in the order the broker
 * answers them (first appearance), entries likewise; AclCommand's Scala sets have no order.
 *
 * Divergences from kafka-acls.sh: no --authorizer / --authorizer-properties (ZooKeeper access),
 * never a confirmation prompt (--force is accepted and changes nothing), long options are not
 * abbreviated, and an unknown --operation is refused by name rather than through
 * "ResourceType ... only supports operations ...".
 *
 * Exit codes, as kafka-acls.sh: 0 success, 1 for bad usage (the message and the usage line on
 * stderr) and for a failed operation (one `Error: while executing ACL command: NAME: message`
 * line on stderr, e.g. SECURITY_DISABLED when the broker has no authorizer,
 * CLUSTER_AUTHORIZATION_FAILED for a principal without Cluster:Alter / Cluster:Describe).
 * `--help` prints the options on stdout and exits 0.
 */
#ifndef KC_ADMIN_ACLS_H
#define KC_ADMIN_ACLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/admin_common.h"
#include "security/acl.h"

/* The action: exactly one of --add, --remove, --list. */
typedef enum kc_acls_action {
    KC_ACLS_ADD = 1,
    KC_ACLS_REMOVE = 2,
    KC_ACLS_LIST = 3,
} kc_acls_action;

/* A resource pattern (for --add) or resource pattern filter (for --remove, --list: the pattern
 * type may be ANY or MATCH) and a set of entries: the entries to add, the entries to remove (none:
 * every entry of the filter), or the entries a listing found. */
typedef struct kc_acls_target {
    kc_acl_pattern pattern; /* owned name (NULL only in a filter that matches any name) */
    kc_acl_entries entries; /* owned; a set (equal entries collapse), in the order first added */
} kc_acls_target;

/* A growable list of targets, each pattern once (resource type, name and pattern type compared),
 * in the order first added. Zero-initialise before use; release with kc_acls_targets_free. */
typedef struct kc_acls_targets {
    kc_acls_target *v;
    int n, cap;
} kc_acls_targets;

/* What the command line asks for. */
typedef struct kc_acls_cmd {
    kc_acls_action action;
    const char *bootstrap;      /* --bootstrap-server, borrowed from argv */
    const char *command_config; /* --command-config, borrowed from argv; NULL when absent */
    bool force;                 /* --force (accepted; cafka never prompts) */
    int pattern_type;           /* --resource-pattern-type, enum kc_acl_pattern (LITERAL) */
    /* The resources named by --topic, --cluster (or --idempotent), --group, --transactional-id
     * and --delegation-token, in that order, as resource pattern filters of pattern_type (no
     * entries): what --list describes and what --add / --remove list afterwards; none = every
     * ACL. As Kafka, --cluster names nothing unless the pattern type is LITERAL. */
    kc_acls_targets filters;
    /* --add, --remove: each pattern (filter) with the entries to create or delete, built as
     * AclCommand does: the --operation set (default All) for every resource, or --producer
     * (WRITE, DESCRIBE, CREATE on topics; WRITE, DESCRIBE on transactional ids; with
     * --idempotent IDEMPOTENT_WRITE on the cluster) and/or --consumer (READ, DESCRIBE on topics,
     * READ on groups); each operation for every --allow-principal x --allow-host (ALLOW) and
     * --deny-principal x --deny-host (DENY), the hosts defaulting to "*". Empty for --list. */
    kc_acls_targets targets;
    kc_strv principals; /* --principal (only with --list): the principals to list, trimmed */
} kc_acls_cmd;

/**
 * Parse the arguments after the word `acls` and apply AclCommand's checks, in its order:
 * options and their values; --bootstrap-server required; exactly one action; the options --list,
 * --producer and --consumer exclude; --principal only with --list; --producer needs --topic,
 * --idempotent needs --producer; --consumer needs --topic and --group and (without --producer)
 * no --cluster or --transactional-id; a specific pattern type for --add; at least one resource
 * for --add and --remove; principals in Type:name form; known operations that the resource type
 * supports (AclEntry.supportedOperations plus All); a principal for every resource of --add.
 * @param out  zeroed by the call; filled on success; release with kc_acls_cmd_free (also after a
 *             failure). Its strings point into @p argv or are owned copies (names, principals,
 *             hosts, trimmed as Kafka trims them; transactional ids are kept as given).
 * @param err  receives a one-line message on failure (AclCommand's text where it has one, e.g.
 *             "With --consumer you must specify a --topic and a --group and no --cluster or
 *             --transactional-id option should be specified.")
 * @return 0, or -1 on bad usage. `--help` is not handled here (kc_cli_acls does).
 */
int kc_acls_parse(int argc, char **argv, kc_acls_cmd *out, char *err, size_t errlen);

/** Free everything @p c owns and zero it (a zeroed @p c is fine). */
void kc_acls_cmd_free(kc_acls_cmd *c);

/**
 * The target of pattern (@p resource_type, @p name, @p pattern_type) in @p t, appended (with a
 * copy of @p name and no entries) when it is not there yet. @p name may be NULL (any name).
 * Aborts when memory runs out.
 * @return the target, valid until the next call on @p t.
 */
kc_acls_target *kc_acls_targets_get(kc_acls_targets *t, int resource_type, const char *name,
                                    int pattern_type);

/** Free every target of @p t and the array, and zero it (a zeroed @p t is fine). */
void kc_acls_targets_free(kc_acls_targets *t);

/**
 * Format @p p as Kafka's ResourcePattern.toString (ResourcePatternFilter's is the same):
 * "ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)"; a NULL name is
 * "<any>", an unknown code "UNKNOWN".
 * @return the length of the whole text, as snprintf (truncated to @p len bytes, NUL-terminated).
 */
int kc_acls_format_pattern(const kc_acl_pattern *p, char *buf, size_t len);

/**
 * Format @p e as Kafka's AccessControlEntry.toString:
 * "(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)" (enum names: READ,
 * IDEMPOTENT_WRITE, DENY; an unknown code "UNKNOWN"; a NULL string "<any>").
 * @return the length of the whole text, as snprintf (truncated to @p len bytes, NUL-terminated).
 */
int kc_acls_format_entry(const kc_acl_entry *e, char *buf, size_t len);

/**
 * Print one AclCommand block on @p out: "<title> `<pattern>`: ", the entries each after a tab,
 * and the spaces and empty line of AclCommand's layout (see the top of this file).
 * @param title "Adding ACLs for resource" or "Current ACLs for resource"
 */
void kc_acls_print_block(FILE *out, const char *title, const kc_acl_pattern *p,
                         const kc_acl_entry *e, int n);

/**
 * Print a listing as AclCommand's listAcls does: with no @p principals a "Current ACLs for
 * resource" block per target of @p acls; otherwise, for each principal, the line
 * "ACLs for principal `P`" and the blocks of the targets that have entries of P, with only those.
 */
void kc_acls_print_listing(FILE *out, const kc_acls_targets *acls, const kc_strv *principals);

/**
 * Run `cafka acls` with the arguments after the word `acls` (@p argv[0] is the first option).
 * Prints results on stdout and errors on stderr (see the top of this file).
 * @return 0 on success, 1 on bad usage or when the operation failed (connection, ApiVersions,
 *         a broker error in any result); `--help` returns 0.
 */
int kc_cli_acls(int argc, char **argv);

#endif
