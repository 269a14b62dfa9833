/*
 * `cafka configs`: describe and alter the dynamic configuration of topics and brokers through
 * the Kafka admin protocol, with kafka-configs.sh's flags and output.
 */
#ifndef KC_ADMIN_CONFIGS_H
#define KC_ADMIN_CONFIGS_H

/**
 * Run `cafka configs` with the arguments after the word `configs` (@p argv[0] is the first
 * option). Prints results on stdout, one `Error: ...` line on stderr on failure.
 * @return 0 on success, 1 when the operation failed (connection, broker error, deleting a key
 *         that is not set), 2 on bad usage (usage text on stderr; `--help` prints it on stdout
 *         and returns 0).
 */
int kc_cli_configs(int argc, char **argv);

#endif
