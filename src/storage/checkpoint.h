/*
 * Kafka's offset checkpoint files in each log dir (OffsetCheckpointFile):
 * `recovery-point-offset-checkpoint`, `replication-offset-checkpoint`,
 * `log-start-offset-checkpoint`. Text: a version line "0", a count line, then one
 * "<topic> <partition> <offset>" line per partition. Written whole to a temporary file, fsync'd
 * and renamed, so a crash leaves the old or the new file, never a torn one.
 */
#ifndef KC_CHECKPOINT_H
#define KC_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KC_RECOVERY_POINT_CHECKPOINT     "recovery-point-offset-checkpoint"
#define KC_REPLICATION_OFFSET_CHECKPOINT "replication-offset-checkpoint"
#define KC_LOG_START_OFFSET_CHECKPOINT   "log-start-offset-checkpoint"
#define KC_CLEAN_SHUTDOWN_FILE           ".kafka_cleanshutdown"

typedef struct kc_checkpoint_entry {
    char *topic; /* owned by the array (kc_checkpoint_free()) */
    int32_t partition;
    int64_t offset;
} kc_checkpoint_entry;

typedef struct kc_checkpoint {
    kc_checkpoint_entry *entries; /* in file (or kc_checkpoint_add()) order */
    int n, cap;
    kc_checkpoint_entry **by_key; /* entries sorted by (topic, partition) after a read, for
                                   * kc_checkpoint_get(); NULL after an add */
} kc_checkpoint;

/**
 * Read @p path into @p cp (zero-initialised by the caller). A missing file reads as empty.
 * @return 0, or -1 when the file is malformed (wrong version, count or line): the caller then
 *         treats every offset as unknown, which is safe (full recovery).
 */
int kc_checkpoint_read(const char *path, kc_checkpoint *cp);

/** Add an entry (@p topic copied). */
void kc_checkpoint_add(kc_checkpoint *cp, const char *topic, int32_t partition, int64_t offset);

/** The offset recorded for (@p topic, @p partition), or -1. A binary search in a checkpoint
 *  read from a file (a start-up looks up three per log, 10,000 logs), a scan otherwise. */
int64_t kc_checkpoint_get(const kc_checkpoint *cp, const char *topic, int32_t partition);

/** Render @p cp in the file format; returns a malloc'd string. */
char *kc_checkpoint_format(const kc_checkpoint *cp);

/**
 * Write @p content to @p path atomically (tmp file, rename); when @p durable, also fsync the
 * file before the rename and the folder after it (otherwise the caller syncs the file system
 * later). Blocking: workers and shutdown only. @return 0 or -errno.
 */
int kc_checkpoint_write_file(const char *path, const char *content, bool durable);

/** Free the entries; @p cp is empty afterwards. */
void kc_checkpoint_free(kc_checkpoint *cp);

#endif
