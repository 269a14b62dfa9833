/*
 * The broker's file-descriptor budget, settled once at start-up: every open segment holds one
 * descriptor (indexes are mapped and closed, storage/index.h), every connection one, and the
 * rest (ZooKeeper, listeners, workers' short-lived opens) a fixed reserve.
 */
#ifndef KC_FD_BUDGET_H
#define KC_FD_BUDGET_H

#include <stdint.h>

struct kc_config;

/* Descriptors kept aside for listeners, ZooKeeper, log files, checkpoints and the workers'
 * short-lived opens, beyond one per segment. */
#define KC_FD_RESERVE 256

/**
 * Raises the soft RLIMIT_NOFILE to the hard limit (Kafka's documentation asks operators for
 * 100,000; we take what the hard limit allows), counts the segments (`*.log` files in the
 * `<topic>-<partition>` folders) of every log dir of @p cfg, and logs the budget: the limit,
 * the segments to open and what is left for connections.
 *
 * @param[out] limit      the soft limit now in force (optional)
 * @param[out] segments   segments found (optional)
 * @param err, err_len    the reason when the call fails, naming the numbers
 * @return 0, or -1 when segments + KC_FD_RESERVE exceed the limit: the broker must not start,
 *         since it could open neither every log nor a single connection (issue 12: a broker that
 *         ran out at start-up answered nothing and logged accept errors in a loop).
 */
int kc_fd_budget_check(const struct kc_config *cfg, int64_t *limit, int64_t *segments, char *err,
                       int err_len);

#endif
