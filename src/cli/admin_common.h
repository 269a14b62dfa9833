/*
 * Shared pieces of the admin commands of `cafka` (`topics`, `configs`, `groups`): the librdkafka
 * admin client (connect, metadata, run one admin request with timeouts), Kafka-tool style option
 * parsing, one-line error reporting and a small string vector. Everything here links
 * librdkafka, so it is kept out of cafkacore (CMakeLists.txt excludes src/cli/admin_*).
 */
#ifndef KC_ADMIN_COMMON_H
#define KC_ADMIN_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "cli/client_config.h"

/* Exit codes of the admin commands: success, a failed operation, bad usage. */
enum { KC_EXIT_OK = 0, KC_EXIT_ERROR = 1, KC_EXIT_USAGE = 2 };

/* The operation timeout sent to the broker (CreateTopics, DeleteTopics, CreatePartitions) and
 * the bound on waiting for metadata, in milliseconds. */
#define KC_ADMIN_OP_TIMEOUT_MS 30000
/* How long librdkafka waits for the response of one admin request, in milliseconds. It is
 * longer than the operation timeout so that the broker's own timeout answer arrives. */
#define KC_ADMIN_REQUEST_TIMEOUT_MS 40000

/* A growable vector of owned, NUL-terminated strings. Zero-initialise before use. */
typedef struct kc_strv {
    char **v;
    size_t n, cap;
} kc_strv;

/**
 * Append a copy of the first @p len bytes of @p s (or of all of it when @p len is (size_t)-1).
 * Aborts the process when memory runs out (a command-line tool has nothing better to do).
 */
void kc_strv_push(kc_strv *sv, const char *s, size_t len);

/** @return true when @p s equals one of the strings of @p sv. */
bool kc_strv_contains(const kc_strv *sv, const char *s);

/** Sort @p sv bytewise (strcmp order), as Kafka's tools sort topic names. */
void kc_strv_sort(kc_strv *sv);

/** Free every string and the array; @p sv is empty (and reusable) afterwards. */
void kc_strv_free(kc_strv *sv);

/**
 * Match the option @p name ("--topic") that takes a value, in either spelling Kafka's tools
 * accept: `--topic VALUE` or `--topic=VALUE`.
 * @param i      index of the argument being looked at; advanced past the value when it is taken
 *               from the next argument.
 * @param value  set to the value (points into @p argv) on a match.
 * @return 1 on a match, 0 when argv[*i] is not @p name, -1 when it is @p name but the value is
 *         missing (nothing printed; *i unchanged).
 */
int kc_opt_value(int argc, char **argv, int *i, const char *name, const char **value);

/**
 * Parse a decimal integer in [@p min, @p max] (surrounding spaces allowed).
 * @return 0 and *out set, or -1 when @p s is not such a number.
 */
int kc_parse_int(const char *s, long min, long max, long *out);

/** Copy @p s without the spaces and tabs at both ends into a new string (caller frees). */
char *kc_trim_dup(const char *s, size_t len);

/**
 * Print `Error: <context><message>` as one line on stderr: newlines and carriage returns in
 * @p message (which may come from a broker) are printed as spaces. @p context may be "".
 */
void kc_print_error(const char *context, const char *message);

/** Print "Error: <fmt...>" and then @p usage_line on stderr. @return KC_EXIT_USAGE (2). */
__attribute__((format(printf, 2, 3))) int kc_usage_error(const char *usage_line, const char *fmt,
                                                         ...);

/* A connected admin client. Fields are read-only for callers. */
typedef struct kc_admin {
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;       /* where admin results arrive */
    const rd_kafka_metadata_t *md; /* the metadata fetched by kc_admin_open (owned) */
    bool all_down;                 /* librdkafka reported every broker down */
    char conn_error[512];          /* last connection-level error librdkafka reported */
    int timeout_ms;                /* > 0: replaces KC_ADMIN_REQUEST_TIMEOUT_MS in
                                      kc_admin_options and kc_admin_wait (a tool's --timeout);
                                      set it after kc_admin_open */
    rd_kafka_resp_err_t wait_err;  /* why the last kc_admin_wait returned NULL */
} kc_admin;

/**
 * Create a librdkafka client for @p bootstrap ("host:port[,host:port...]") and fetch metadata
 * from it, which proves that a broker answers. Settings from @p command_config (a Java
 * properties file with Kafka's or librdkafka's client property names, cli/client_config.h; may
 * be NULL) apply before the bootstrap servers, which always come from @p bootstrap: the
 * security settings in librdkafka's names, every other key as it is, a key librdkafka does not
 * know with a warning on stderr. librdkafka's own log lines are silenced unless that file sets
 * `debug`.
 * @param a          zeroed by the call; must stay at the same address until kc_admin_close.
 * @param all_topics fetch every topic (for listing and matching) rather than brokers only.
 * @param err        receives the reason on failure: a bad property, a connection failure (fails
 *                   as soon as librdkafka reports all brokers down), or a timeout after
 *                   KC_ADMIN_OP_TIMEOUT_MS.
 * @return 0, or -1 (then nothing needs closing).
 */
int kc_admin_open(kc_admin *a, const char *bootstrap, const char *command_config, bool all_topics,
                  char *err, size_t errlen);

/**
 * Load a --command-config file for a command that talks through cli/wire_client.h: parsed and
 * checked exactly as kc_admin_open does (the same errors, the same warnings for keys librdkafka
 * does not know), so that one file behaves alike for every command.
 * @param out  release with kc_client_config_free (also after a failure)
 * @return 0, or -1 with the reason in @p err.
 */
int kc_command_config_load(const char *path, kc_client_config *out, char *err, size_t errlen);

/** Destroy the client and the metadata; safe on a zeroed or already closed @p a. */
void kc_admin_close(kc_admin *a);

/**
 * New admin options for @p op with the operation and request timeouts above; the caller
 * destroys them (rd_kafka_AdminOptions_destroy) after starting the request.
 */
rd_kafka_AdminOptions_t *kc_admin_options(kc_admin *a, rd_kafka_admin_op_t op);

/**
 * Wait for the result of the admin request started on a->queue.
 * @return the result event (caller destroys it with rd_kafka_event_destroy), or NULL with the
 *         reason in @p err and its code in a->wait_err when the request as a whole failed (e.g.
 *         timed out, or the broker does not support the API, or answered a request-level
 *         error) or no result came in time. Per-topic or per-resource errors are inside the
 *         event and are the caller's to check.
 */
rd_kafka_event_t *kc_admin_wait(kc_admin *a, char *err, size_t errlen);

/* The result of kc_admin_describe_configs. */
typedef struct kc_configs {
    rd_kafka_event_t *ev;                  /* the result event, which owns the resources */
    const rd_kafka_ConfigResource_t **res; /* n resources in the order they were asked for */
    size_t n;
} kc_configs;

/**
 * DescribeConfigs for the @p n resources of type @p type named @p names; waits for the result
 * and checks that every resource came back without an error.
 * @param out  filled on success; release with kc_configs_free.
 * @return 0, or -1 with the reason in @p err (request failure, a resource missing from the
 *         answer, or the first resource error, e.g. an unknown topic).
 */
int kc_admin_describe_configs(kc_admin *a, rd_kafka_ResourceType_t type, char *const *names,
                              size_t n, kc_configs *out, char *err, size_t errlen);

/** Free what kc_admin_describe_configs returned; safe on a zeroed @p c. */
void kc_configs_free(kc_configs *c);

/**
 * Find the entry named @p name among the top-level entries of @p res (defaults included).
 * @return the entry (owned by the result event) or NULL.
 */
const rd_kafka_ConfigEntry_t *kc_config_find(const rd_kafka_ConfigResource_t *res,
                                             const char *name);

/* ---- the commands that talk through cli/wire_client.h ---- */

/**
 * Kafka's exception class (org.apache.kafka.common.errors) for error @p code, e.g.
 * "ClusterAuthorizationException", for the codes the wire-client commands meet.
 * @return a static string; "UnknownServerException" for a code not in the table.
 */
const char *kc_kafka_error_class(int16_t code);

/**
 * The text of error @p code: the broker's @p message when it is not empty, else Kafka's default
 * message for the code ("Cluster authorization failed."), else librdkafka's text.
 * @param buf receives the NUL-terminated text (truncated to @p len bytes)
 */
void kc_kafka_error_text(int16_t code, kc_str message, char *buf, size_t len);

/**
 * The highest version of @p api_key in [@p lo, @p hi] that @p w's broker serves (ApiVersions,
 * cached by the connection).
 * @param name     the API as Kafka's tools name it ("DESCRIBE_ACLS"), for the message
 * @param version  set on success
 * @return 0, or -1 with @p err set: the ApiVersions request failed (then @p w must not be used
 *         again), or the broker serves no version in the range ("The broker H:P does not
 *         support NAME", "... v1 or later" when @p lo > 0).
 */
int kc_wire_pick_version(kc_wire *w, int16_t api_key, const char *name, int16_t lo, int16_t hi,
                         int16_t *version, char *err, size_t errlen);

#endif
