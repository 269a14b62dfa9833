/*
 * Bounds-checked reader and growable writer for Kafka's big-endian wire encoding, with the
 * varint forms of KIP-482 (unsigned LEB128) and of RecordBatch v2 records (ZigZag).
 *
 * Reader invariant: p <= end always. Every read first checks the bytes that remain; on a short
 * read it sets the sticky r->err, returns zero/empty, and consumes nothing more, so a decoder
 * may read a whole structure and check err once. No read allocates.
 */
#ifndef KC_BUF_H
#define KC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A string view: not NUL-terminated; len -1 means null. */
typedef struct kc_str {
    const char *p;
    int32_t len;
} kc_str;

/** A byte-range view; len -1 means null. */
typedef struct kc_bytes {
    const uint8_t *p;
    int32_t len;
} kc_bytes;

/**
 * A RECORDS field: bytes in memory (@p p, @p len), or — when @p p is NULL and @p len > 0 — a
 * byte range of file @p fd at @p file_pos, which the writer sends without copying (sendfile).
 * len -1 = null.
 */
typedef struct kc_records {
    const uint8_t *p;
    int32_t len;
    int fd; /* borrowed; see kc_wbuf_file() */
    int64_t file_pos;
} kc_records;

typedef struct kc_rbuf {
    const uint8_t *p;   /* next byte to read */
    const uint8_t *end; /* one past the last readable byte */
    int err;            /* sticky: non-zero once any read failed */
} kc_rbuf;

/** A file range spliced into a writer's output at byte @p at of its memory part. */
typedef struct kc_wbuf_splice {
    size_t at;      /* the file bytes go before data[at] */
    int fd;         /* borrowed (see kc_wbuf_file) or, when owned, a dup; -1 once handed over */
    bool owned;     /* fd is the writer's own (kc_wbuf_pin_files): kc_wbuf_free closes it */
    int64_t offset; /* in the file */
    size_t len;
} kc_wbuf_splice;

typedef struct kc_wbuf {
    uint8_t *data;           /* malloc'd, owned by the writer; NULL when empty */
    size_t len;              /* bytes written to data */
    size_t cap;              /* bytes allocated */
    kc_wbuf_splice *splices; /* file ranges, in output order; NULL when none */
    int n_splices, cap_splices;
    size_t spliced_bytes; /* sum of the splices' lengths */
} kc_wbuf;

#define KC_STR_NULL ((kc_str){NULL, -1})
/** A view of a C string literal or NUL-terminated string (borrowed). */
kc_str kc_str_c(const char *s);
/** True when neither is null and both hold the same bytes. */
bool kc_str_same(kc_str a, kc_str b);
/** True when @p s is not null and equals the NUL-terminated @p c. */
bool kc_str_eq(kc_str s, const char *c);

/** A reader over @p len bytes at @p data (borrowed for the reader's life). */
void kc_rbuf_init(kc_rbuf *r, const void *data, size_t len);
/** Bytes left to read. */
size_t kc_rbuf_remaining(const kc_rbuf *r);

int8_t kc_rbuf_i8(kc_rbuf *r);
int16_t kc_rbuf_i16(kc_rbuf *r);
int32_t kc_rbuf_i32(kc_rbuf *r);
int64_t kc_rbuf_i64(kc_rbuf *r);
uint32_t kc_rbuf_u32(kc_rbuf *r);
/** Kafka BOOLEAN: one byte, 0 false, anything else true. */
bool kc_rbuf_bool(kc_rbuf *r);
/** Unsigned LEB128 of at most 5 bytes (UNSIGNED_VARINT); longer encodings set err. */
uint32_t kc_rbuf_uvarint(kc_rbuf *r);
/** ZigZag varint of at most 5 bytes (VARINT). */
int32_t kc_rbuf_varint(kc_rbuf *r);
/** ZigZag varint of at most 10 bytes (VARLONG). */
int64_t kc_rbuf_varlong(kc_rbuf *r);
/** Skip @p n bytes (err if fewer remain). */
void kc_rbuf_skip(kc_rbuf *r, size_t n);

/**
 * STRING / NULLABLE_STRING (int16 length) or, when @p flex, COMPACT_(NULLABLE_)STRING
 * (uvarint length+1). A null where @p nullable is false sets err.
 */
kc_str kc_rbuf_str(kc_rbuf *r, bool flex, bool nullable);
/** BYTES / NULLABLE_BYTES (int32 length) or their compact forms, as kc_rbuf_str(). */
kc_bytes kc_rbuf_bytes(kc_rbuf *r, bool flex, bool nullable);
/**
 * An array count (int32, or uvarint count+1 when @p flex). Returns -1 for null (err unless
 * @p nullable). Each element takes at least @p min_elem_bytes (>= 1) on the wire, so a count
 * whose elements could not fit in the bytes remaining sets err: this bounds any allocation made
 * from the count by the request's own size (CVE-2022-34917).
 */
int32_t kc_rbuf_array_len(kc_rbuf *r, bool flex, bool nullable, size_t min_elem_bytes);
/** Skip a KIP-482 tagged-field section (count, then tag/size/data each). */
void kc_rbuf_skip_tags(kc_rbuf *r);

/* An empty writer is zero-initialised: kc_wbuf w = {0}; */
/** Reserve @p n bytes at the end and return their offset (contents unspecified). */
size_t kc_wbuf_reserve(kc_wbuf *w, size_t n);
void kc_wbuf_put(kc_wbuf *w, const void *data, size_t n);
void kc_wbuf_u8(kc_wbuf *w, uint8_t v);
void kc_wbuf_i8(kc_wbuf *w, int8_t v);
void kc_wbuf_i16(kc_wbuf *w, int16_t v);
void kc_wbuf_i32(kc_wbuf *w, int32_t v);
void kc_wbuf_i64(kc_wbuf *w, int64_t v);
void kc_wbuf_bool(kc_wbuf *w, bool v);
void kc_wbuf_uvarint(kc_wbuf *w, uint32_t v);
void kc_wbuf_varint(kc_wbuf *w, int32_t v);
void kc_wbuf_varlong(kc_wbuf *w, int64_t v);
/** Overwrite the int32 at offset @p off (from kc_wbuf_reserve) with @p v, big-endian. */
void kc_wbuf_i32_at(kc_wbuf *w, size_t off, int32_t v);
void kc_wbuf_str(kc_wbuf *w, bool flex, kc_str s);
void kc_wbuf_bytes(kc_wbuf *w, bool flex, kc_bytes b);
/** RECORDS (BYTES) from memory or, when file-backed, a length then a splice of the file. */
void kc_wbuf_records(kc_wbuf *w, bool flex, kc_records r);
/** RECORDS reader: a memory view (fd -1). */
kc_records kc_rbuf_records(kc_rbuf *r, bool flex, bool nullable);
/**
 * Splice @p len bytes of file @p fd at @p offset into the output here. The descriptor is
 * borrowed (a log segment's, kc_plog_slice): valid only until control returns to the event
 * loop or a call that may delete segments. A writer that outlives that (a response queued
 * behind another, or handed to a worker) must call kc_wbuf_pin_files() first: a dup() per
 * response that is sent at once cost two system calls per fetch. Aborts on OOM.
 */
void kc_wbuf_file(kc_wbuf *w, int fd, int64_t offset, size_t len);
/**
 * Makes the writer's file ranges its own: each borrowed descriptor is dup'd (closed by
 * kc_wbuf_free). When dup() fails (EMFILE), the whole output is read into memory instead and
 * the writer holds no file range any more (a range that cannot be read is zeroes, logged: the
 * client sees a corrupt batch). Aborts on OOM.
 */
void kc_wbuf_pin_files(kc_wbuf *w);
/** Total output bytes: memory plus spliced file ranges. */
size_t kc_wbuf_total(const kc_wbuf *w);
/** An array count; @p n -1 writes null. */
void kc_wbuf_array_len(kc_wbuf *w, bool flex, int32_t n);
/** Free the writer's memory; it is empty afterwards. */
void kc_wbuf_free(kc_wbuf *w);

/** Big-endian loads and stores on raw memory (no bounds checks: callers check). */
static inline uint16_t kc_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t kc_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t kc_be64(const uint8_t *p)
{
    return (uint64_t)kc_be32(p) << 32 | kc_be32(p + 4);
}
static inline void kc_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void kc_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void kc_put_be64(uint8_t *p, uint64_t v)
{
    kc_put_be32(p, (uint32_t)(v >> 32));
    kc_put_be32(p + 4, (uint32_t)v);
}

#endif
