/*
 * Kafka's one-line JAAS configuration, as `listener.name.<l>.<mechanism>.sasl.jaas.config`
 * carries it (KIP-103; Kafka's JaasConfig):
 *
 *     <LoginModule class> <flag> [<option>=<value> ...];
 *
 * flag is required, requisite, sufficient or optional; a value is a word or a double-quoted
 * string (backslash escapes the next character). A broker mechanism takes exactly one login
 * module. PLAIN reads `user_<name>="<password>"` options (the users it accepts) and, like the
 * SCRAM modules, `username`/`password` (what this broker sends to other brokers).
 */
#ifndef KC_JAAS_H
#define KC_JAAS_H

#include <stddef.h>

typedef struct kc_jaas_option {
    char *key;
    char *value;
} kc_jaas_option;

/** One parsed login module; every string owned (kc_jaas_free()). */
typedef struct kc_jaas {
    char *login_module; /* e.g. org.apache.kafka.common.security.plain.PlainLoginModule */
    char *flag;         /* lower case */
    kc_jaas_option *options;
    int n_options;
} kc_jaas;

/**
 * Parse @p text into @p out (zeroed by the caller).
 * @return 0, or -1 with @p err set ("expected '='", "unterminated quoted value", an unknown flag,
 *         no login module, or more than one (Kafka: "Must supply exactly 1 non-null JAAS
 *         mechanism configuration")); @p out is left empty on failure. Aborts on OOM.
 */
int kc_jaas_parse(const char *text, kc_jaas *out, char *err, size_t errlen);

/** The value of option @p key (exact, case-sensitive), or NULL. Valid while @p j lives. */
const char *kc_jaas_get(const kc_jaas *j, const char *key);

/** Free what @p j owns; @p j is empty afterwards. */
void kc_jaas_free(kc_jaas *j);

#endif
