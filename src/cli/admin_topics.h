/*
 * `cafka topics`: create, delete, list, describe and add partitions to topics through the
 * Kafka admin protocol, with kafka-topics.sh's flags and output.
 */
#ifndef KC_ADMIN_TOPICS_H
#define KC_ADMIN_TOPICS_H

/**
 * Run `cafka topics` with the arguments after the word `topics` (@p argv[0] is the first
 * option). Prints results on stdout, one `Error: ...` line on stderr on failure.
 * @return 0 on success, 1 when the operation failed (connection, broker error, no such topic),
 *         2 on bad usage (usage text on stderr; `--help` prints it on stdout and returns 0).
 */
int kc_cli_topics(int argc, char **argv);

#endif
