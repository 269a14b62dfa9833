/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's RecordBatch v2
 * (DefaultRecordBatch.java). Uses the SSE4.2 crc32 instruction when the CPU has it and a
 * slicing table otherwise; both give identical results (tested against RFC 3720 check values).
 */
#ifndef KC_CRC32C_H
#define KC_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/**
 * Extend @p crc (0 to start) over @p len bytes at @p data and return the new CRC. Chaining
 * calls over consecutive pieces equals one call over the whole.
 */
uint32_t kc_crc32c(uint32_t crc, const void *data, size_t len);

/** The portable table implementation, exposed so tests can compare it with the hardware path. */
uint32_t kc_crc32c_sw(uint32_t crc, const void *data, size_t len);

#endif
