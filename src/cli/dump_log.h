/*
 * `cafka dump-log`: prints segment and index files as Kafka's kafka-dump-log.sh
 * (kafka.tools.DumpLogSegments) does.
 */
#ifndef KC_DUMP_LOG_H
#define KC_DUMP_LOG_H

#include <stdbool.h>
#include <stdio.h>

/**
 * Dump @p path to @p out: a `.log` segment (one line per batch: base and last offset, count,
 * producer fields, leader epoch, position, timestamp type and max timestamp, size, magic,
 * codec, CRC and whether it is valid; with @p print_data one `| offset: ...` line per record of
 * uncompressed batches with key, value and header keys), a `.index` (offset, position per
 * entry) or a `.timeindex` (timestamp, offset per entry). Stops at the first batch that cannot
 * be parsed, saying where.
 * @return 0, or -1 when the file cannot be read or is not one of those kinds (message on
 *         @p err).
 */
int kc_dump_file(const char *path, bool print_data, FILE *out, FILE *err);

#endif
