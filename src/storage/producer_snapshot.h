/*
 * Kafka's producer state snapshot files, `<20-digit offset>.snapshot` in the partition folder
 * (ProducerStateManager.writeSnapshot / readSnapshot, version 1): the producers of a log up to
 * that offset, so that opening a log replays only the batches after it. Byte layout:
 * ../shared/reference/kafka-groups-and-producer-state.md §5.3.
 */
#ifndef KC_PRODUCER_SNAPSHOT_H
#define KC_PRODUCER_SNAPSHOT_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/producer_state.h"

/** "<dir>/<20-digit offset>.snapshot" into @p out (@p len bytes). */
void kc_producer_snapshot_path(const char *dir, int64_t offset, char *out, size_t len);

/**
 * Write @p ps as the snapshot at @p offset in @p dir: int16 version 1, uint32 CRC-32C of the
 * rest, int32 count, then per producer its id, epoch, last batch (last sequence, last offset,
 * offset delta), last timestamp, coordinator epoch -1 and no open transaction (46 bytes).
 * Written in place (no temporary file) and not fsynced: the caller makes it durable with the
 * log's next flush job, or with one syncfs at a clean shutdown instead of 10,000 fsyncs (Kafka
 * 3.7 also moved this fsync off the request path, KAFKA-15046). A torn snapshot fails its CRC
 * at load and is deleted.
 * @return 0 or -errno.
 */
int kc_producer_snapshot_write(const char *dir, int64_t offset, const kc_producer_state *ps);

/**
 * Read the snapshot file @p path into @p ps (emptied first). Each producer gets its last batch
 * back (Kafka's snapshots keep one, so a retry is recognised only against the last batch).
 * @return 0; -EBADMSG for a wrong version, CRC, size or entry; -errno.
 */
int kc_producer_snapshot_read(const char *path, kc_producer_state *ps);

/**
 * The offsets of the snapshot files in @p dir, ascending, in a malloc'd array (*n entries; the
 * caller frees it). @return 0 or -errno.
 */
int kc_producer_snapshot_list(const char *dir, int64_t **offsets, int *n);

#endif
