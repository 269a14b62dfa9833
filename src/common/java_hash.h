/*
 * Java's String.hashCode over UTF-8 bytes, and Kafka's Utils.abs, for the placement rules Kafka
 * computes in Java: the group coordinator's partition (GroupMetadataManager.partitionFor) and
 * the replica fetcher's index (AbstractFetcherManager.getFetcherId).
 *
 * Invariant: for every byte string, kc_java_string_hash() equals
 * `new String(bytes, StandardCharsets.UTF_8).hashCode()` on JDK 17 — malformed input included,
 * so a group id that reached a Java broker as bytes lands on the same partition here.
 * Pure functions: no allocation, no globals.
 */
#ifndef KC_JAVA_HASH_H
#define KC_JAVA_HASH_H

#include <stddef.h>
#include <stdint.h>

/**
 * Java's String.hashCode of the string whose UTF-8 encoding is @p utf8 (@p len bytes, need not
 * be NUL-terminated; NULL is allowed when @p len is 0).
 *
 * The bytes are transcoded to UTF-16 code units (a character above U+FFFF becomes a surrogate
 * pair) and h = 31 * h + unit is folded over them in uint32 wrap-around, read back as int32;
 * "" hashes to 0.
 *
 * Malformed UTF-8 is decoded as JDK 17's `new String(bytes, UTF_8)` (java.lang.String
 * decodeUTF8_UTF16 with replacement) does, each replaced run contributing one U+FFFD:
 *  - a byte 80..C1 or F8..FF where a character should start: one U+FFFD for that byte;
 *  - a lead byte whose next byte is not an allowed continuation (80..BF; after E0 only A0..BF,
 *    after F0 only 90..BF, after F4 only 80..8F), or a lead F5..F7: U+FFFD for the lead alone,
 *    and decoding resumes at the next byte;
 *  - a 3- or 4-byte sequence that breaks off at a later byte: one U+FFFD for the valid prefix
 *    (the "maximal subpart"), resuming at the offending byte;
 *  - a complete 3-byte sequence for a surrogate (ED A0..BF xx): one U+FFFD for all three bytes
 *    (Java's one departure from the maximal-subpart practice, which would give three);
 *  - a sequence cut short by the end of the input: one U+FFFD for what is left.
 * @return the hash; never fails.
 */
int32_t kc_java_string_hash(const char *utf8, size_t len);

/**
 * Kafka's Utils.abs (clients/.../common/utils/Utils.java): |n|, except 0 for INT32_MIN (where
 * Java's Math.abs would stay negative). Not Utils.toPositive (n & 0x7fffffff).
 */
int32_t kc_java_abs(int32_t n);

/**
 * The `__consumer_offsets` partition that holds group @p group_id (@p len UTF-8 bytes):
 * Utils.abs(groupId.hashCode) % @p n_partitions, as GroupMetadataManager.partitionFor (and the
 * transaction coordinator for a transactional.id).
 * @param n_partitions the offsets topic's partition count (> 0; the caller checks it)
 * @return a partition in [0, n_partitions).
 */
int32_t kc_group_partition(const char *group_id, size_t len, int32_t n_partitions);

#endif
