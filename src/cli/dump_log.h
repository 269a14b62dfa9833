/*
 * `cafka dump-log`: prints segment and index files as Kafka's kafka-dump-log.sh
 * (kafka.tools.DumpLogSegments) does.
 */
#ifndef KC_DUMP_LOG_H
#define KC_DUMP_LOG_H

#include <stdbool.h>
#include <stdio.h>

/** What kc_dump_file() prints for the records of a segment. */
typedef enum kc_dump_mode {
    KC_DUMP_BATCHES = 0, /* one line per batch, no records */
    KC_DUMP_RECORDS = 1, /* --print-data-log: also a line per record, key and value as bytes */
    KC_DUMP_OFFSETS = 2, /* --offsets-decoder: a line per record, key and value decoded as
                          * `__consumer_offsets` records (Kafka 2.8's OffsetsMessageParser) */
} kc_dump_mode;

/**
 * Dump @p path to @p out: a `.log` segment (one line per batch: base and last offset, count,
 * producer fields, leader epoch, position, timestamp type and max timestamp, size, magic,
 * codec, CRC and whether it is valid; with @p mode KC_DUMP_RECORDS or KC_DUMP_OFFSETS one
 * `| offset: ...` line per record of uncompressed batches with key, value and header keys), a
 * `.index` (offset, position per entry) or a `.timeindex` (timestamp, offset per entry). Stops
 * at the first batch that cannot be parsed, saying where.
 *
 * KC_DUMP_OFFSETS prints, as kafka.coordinator.group.GroupMetadataManager
 * .formatRecordKeyAndValue (2.8) does:
 *   key: offset_commit::group=G,partition=T-P payload: offset=O[,metadata=M]
 *   key: group_metadata::group=G payload: {"protocolType":..,"protocol":..,"generationId":N,
 *        "assignment":"{member=[t-0, t-1][:USERDATAHEX],...}"}    (consumer protocol groups;
 *        other protocol types print member=HEX of the raw assignment)
 *   payload: <DELETE> for a tombstone.
 * Names print as they are, except that bytes below 0x20, 0x7f and '\\' print as \xNN so a
 * record stays on one line; JSON strings are escaped as Kafka's Jackson does.
 * Members come in record order (Kafka's follow its HashMap). Where 2.8 would abort the whole
 * dump (a record without a key, an unknown key version, undecodable bytes) the record's line
 * ends in ` key: Error at offset O, skipping. REASON` as later Kafka versions print, and the
 * dump goes on. Records of control batches print no key or payload.
 * @return 0, or -1 when the file cannot be read or is not one of those kinds (message on
 *         @p err).
 */
int kc_dump_file(const char *path, kc_dump_mode mode, FILE *out, FILE *err);

#endif
