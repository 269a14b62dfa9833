/*
 * Log compaction (cleanup.policy=compact, Kafka's LogCleaner) for one partition log, in three
 * steps so that the reactor never does the heavy work:
 *   1. kc_cleaner_prepare (reactor): snapshot the closed segments (dup'd descriptors);
 *   2. kc_cleaner_run (worker): map every key to its latest offset, then rewrite each closed
 *      segment into the `.cleaner` staging folder keeping, per key, only the latest record;
 *      tombstones (null values) are dropped once their segment is older than
 *      delete.retention.ms; offsets never change (a filtered batch keeps its base offset and
 *      last offset delta, as Kafka's MemoryRecords.filterTo does); indexes are built there too;
 *   3. kc_cleaner_finish (reactor): rename the staged files over the originals (segments the
 *      retention deleted meanwhile are skipped).
 * The active segment is never cleaned. Compressed batches are inflated for both passes and the
 * records they keep are compressed again with the batch's codec; control batches are kept.
 */
#ifndef KC_CLEANER_H
#define KC_CLEANER_H

#include <stdint.h>

#include "storage/plog.h"

typedef struct kc_clean_job kc_clean_job;

/** Cleaning statistics of a finished job. */
typedef struct kc_clean_stats {
    int segments;         /* closed segments rewritten */
    int64_t records_read; /* records seen in data batches, compressed ones included */
    int64_t records_kept;
    int64_t bytes_before, bytes_after;
} kc_clean_stats;

/**
 * Snapshot the closed segments of @p l (reactor). @p now_ms decides which tombstones expire.
 * @return a job, or NULL when the log has no closed segment.
 */
kc_clean_job *kc_cleaner_prepare(kc_plog *l, int64_t now_ms);

/** Build the cleaned segments (worker thread; touches no kc_plog). @return 0 or -errno. */
int kc_cleaner_run(kc_clean_job *j);

/**
 * Swap the cleaned segments into @p l (reactor) when the run succeeded (@p ok), else discard
 * them; frees the job. @p stats optional. @return segments replaced, or -errno.
 */
int kc_cleaner_finish(kc_plog *l, kc_clean_job *j, bool ok, kc_clean_stats *stats);

#endif
