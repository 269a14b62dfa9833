/*
 * The broker's log manager (Kafka's LogManager): opens partition logs with what the log dir's
 * checkpoints and clean-shutdown marker say, and runs the periodic log work — retention every
 * log.retention.check.interval.ms, recovery-point / log-start / replication checkpoints every
 * log.flush.offset.checkpoint.interval.ms, flushes by flush.messages / flush.ms and on segment
 * roll, and the delayed unlink of deleted segments (file.delete.delay.ms). Every fsync, write of
 * a checkpoint and unlink runs on a worker; the reactor only decides.
 */
#ifndef KC_LOG_MANAGER_H
#define KC_LOG_MANAGER_H

#include <stdbool.h>

#include "broker/broker.h"

/**
 * Read every log dir's checkpoints and clean-shutdown marker (blocking, start-up).
 * @return 0, or -1 after logging an unreadable log dir.
 */
int kc_log_manager_init(kc_broker *b);

/** Arm the periodic tasks on the reactor (after start-up). */
void kc_log_manager_start_tasks(kc_broker *b);

/**
 * Open the local log of @p p when this broker is one of its replicas (no-op otherwise or when
 * open already), recovering it as the checkpoints require. @return 0, or -1 with the reason in
 * @p why (@p cap bytes, NUL-terminated) for the caller to log: the partition's previous log is
 * still being deleted, or the open failed (a storage error, EMFILE). The caller logs, so that a
 * request opening thousands of logs can say it once.
 */
int kc_log_manager_open(kc_broker *b, kc_partition *p, char *why, size_t cap);

/**
 * kc_log_manager_open() for every partition of every loaded topic, on
 * num.recovery.threads.per.data.dir threads per log dir, and log how many logs opened in how
 * long. Blocking: start-up only, before the reactor runs; a log that fails to open is logged
 * and left closed.
 */
void kc_log_manager_open_all(kc_broker *b);

/**
 * Remove the local log of @p p (StopReplica with delete): close it, rename its folder to
 * `<topic>-<partition>.<id>-delete` (Kafka's name) and remove that on a worker. When a flush or
 * compaction of the log is running, the deletion is retried every 50 ms until they finish
 * (p->deleting is set meanwhile and the partition cannot be opened again).
 * @return 0 (done or deferred), or -1 after logging a failed rename.
 */
int kc_log_manager_delete(kc_broker *b, kc_partition *p);

/** After an append to @p p: flush the previous segment when it rolled, and honour
 *  flush.messages. */
void kc_log_manager_after_append(kc_broker *b, kc_partition *p, bool rolled);

/** Called when the flush a caller waited for is done (@p ok false: the fsync failed). */
typedef void (*kc_flush_cb)(void *arg, bool ok);

/**
 * Call @p cb once everything below @p up_to of @p p is fsync'd (at once when it already is),
 * starting a flush on a worker when none is running. Produce uses it to acknowledge only
 * after the fsync when flush.messages asks for one, as Kafka flushes before it answers.
 */
void kc_log_manager_flush_then(kc_broker *b, kc_partition *p, int64_t up_to, kc_flush_cb cb,
                               void *arg);

/** Run retention for @p p now (DeleteRecords moved its log start offset). */
void kc_log_manager_retention(kc_broker *b, kc_partition *p);

/**
 * Clean shutdown, after the workers stopped: fsync every log, write the checkpoints, close the
 * logs, then write the clean-shutdown marker in each log dir (blocking).
 */
void kc_log_manager_shutdown(kc_broker *b);

/** Free what init read (checkpoints) and the timers. */
void kc_log_manager_free(kc_broker *b);

#endif
