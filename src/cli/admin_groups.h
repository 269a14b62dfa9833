/*
 * `cafka groups`: kafka-consumer-groups.sh over librdkafka's admin API.
 */
#ifndef KC_ADMIN_GROUPS_H
#define KC_ADMIN_GROUPS_H

/**
 * Run `cafka groups` with @p argc/@p argv (the arguments after "groups").
 * @return 0 ok, 1 the operation failed, 2 bad usage.
 */
int kc_cli_groups(int argc, char **argv);

#endif
