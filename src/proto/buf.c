/* Wire reader/writer primitives; see buf.h for the bounds and error invariants. */
#include "proto/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/log.h"

kc_str kc_str_c(const char *s)
{
    return (kc_str){s, (int32_t)strlen(s)};
}

bool kc_str_eq(kc_str s, const char *c)
{
    size_t n = strlen(c);
    return s.len >= 0 && (size_t)s.len == n && memcmp(s.p, c, n) == 0;
}

bool kc_str_same(kc_str a, kc_str b)
{
    return a.len >= 0 && a.len == b.len && memcmp(a.p, b.p, (size_t)a.len) == 0;
}

void kc_rbuf_init(kc_rbuf *r, const void *data, size_t len)
{
    r->p = data;
    /* an empty writer's data is NULL: NULL + 0 is undefined behaviour in C (UBSan's
     * pointer-overflow check, found by tests/fuzz) */
    r->end = len ? r->p + len : r->p;
    r->err = 0;
}

size_t kc_rbuf_remaining(const kc_rbuf *r)
{
    return (size_t)(r->end - r->p);
}

/* Returns the start of @p n readable bytes and consumes them, or NULL (err set). */
static const uint8_t *take(kc_rbuf *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = 1;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

int8_t kc_rbuf_i8(kc_rbuf *r)
{
    const uint8_t *p = take(r, 1);
    return p ? (int8_t)p[0] : 0;
}

int16_t kc_rbuf_i16(kc_rbuf *r)
{
    const uint8_t *p = take(r, 2);
    return p ? (int16_t)kc_be16(p) : 0;
}

int32_t kc_rbuf_i32(kc_rbuf *r)
{
    const uint8_t *p = take(r, 4);
    return p ? (int32_t)kc_be32(p) : 0;
}

uint32_t kc_rbuf_u32(kc_rbuf *r)
{
    const uint8_t *p = take(r, 4);
    return p ? kc_be32(p) : 0;
}

int64_t kc_rbuf_i64(kc_rbuf *r)
{
    const uint8_t *p = take(r, 8);
    return p ? (int64_t)kc_be64(p) : 0;
}

bool kc_rbuf_bool(kc_rbuf *r)
{
    return kc_rbuf_i8(r) != 0;
}

static uint64_t read_uvarint64(kc_rbuf *r, int max_bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < max_bytes; i++) {
        const uint8_t *p = take(r, 1);
        if (!p)
            return 0;
        v |= (uint64_t)(p[0] & 0x7f) << (7 * i);
        if (!(p[0] & 0x80))
            return v;
    }
    r->err = 1;
    return 0;
}

uint32_t kc_rbuf_uvarint(kc_rbuf *r)
{
    uint64_t v = read_uvarint64(r, 5);
    if (v > UINT32_MAX) {
        r->err = 1;
        return 0;
    }
    return (uint32_t)v;
}

int32_t kc_rbuf_varint(kc_rbuf *r)
{
    uint32_t u = kc_rbuf_uvarint(r);
    return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}

int64_t kc_rbuf_varlong(kc_rbuf *r)
{
    uint64_t u = read_uvarint64(r, 10);
    return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

void kc_rbuf_skip(kc_rbuf *r, size_t n)
{
    take(r, n);
}

/* Reads a length prefix: int16/int32 or compact uvarint (len+1). Returns -1 for null. */
static int64_t read_len(kc_rbuf *r, bool flex, bool wide)
{
    if (flex)
        return (int64_t)kc_rbuf_uvarint(r) - 1;
    return wide ? kc_rbuf_i32(r) : kc_rbuf_i16(r);
}

kc_str kc_rbuf_str(kc_rbuf *r, bool flex, bool nullable)
{
    int64_t n = read_len(r, flex, false);
    if (r->err || n < -1 || (n == -1 && !nullable)) {
        r->err = 1;
        return (kc_str){NULL, n == -1 ? -1 : 0};
    }
    if (n == -1)
        return KC_STR_NULL;
    const uint8_t *p = take(r, (size_t)n);
    return p ? (kc_str){(const char *)p, (int32_t)n} : (kc_str){NULL, 0};
}

kc_bytes kc_rbuf_bytes(kc_rbuf *r, bool flex, bool nullable)
{
    int64_t n = read_len(r, flex, true);
    if (r->err || n < -1 || (n == -1 && !nullable)) {
        r->err = 1;
        return (kc_bytes){NULL, n == -1 ? -1 : 0};
    }
    if (n == -1)
        return (kc_bytes){NULL, -1};
    const uint8_t *p = take(r, (size_t)n);
    return p ? (kc_bytes){p, (int32_t)n} : (kc_bytes){NULL, 0};
}

int32_t kc_rbuf_array_len(kc_rbuf *r, bool flex, bool nullable, size_t min_elem_bytes)
{
    int64_t n = read_len(r, flex, true);
    if (min_elem_bytes == 0)
        min_elem_bytes = 1;
    if (r->err || n < -1 || (n == -1 && !nullable) ||
        (n > 0 && (uint64_t)n > kc_rbuf_remaining(r) / min_elem_bytes)) {
        r->err = 1;
        return 0;
    }
    return (int32_t)n;
}

void kc_rbuf_skip_tags(kc_rbuf *r)
{
    uint32_t n = kc_rbuf_uvarint(r);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        (void)kc_rbuf_uvarint(r); /* tag */
        uint32_t size = kc_rbuf_uvarint(r);
        kc_rbuf_skip(r, size);
    }
}

size_t kc_wbuf_reserve(kc_wbuf *w, size_t n)
{
    if (w->cap - w->len < n) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap - w->len < n)
            cap *= 2;
        uint8_t *d = realloc(w->data, cap);
        if (!d)
            kc_fatal("wbuf: out of memory growing to %zu bytes", cap);
        w->data = d;
        w->cap = cap;
    }
    size_t off = w->len;
    w->len += n;
    return off;
}

void kc_wbuf_put(kc_wbuf *w, const void *data, size_t n)
{
    if (n == 0)
        return;
    size_t off = kc_wbuf_reserve(w, n);
    memcpy(w->data + off, data, n);
}

void kc_wbuf_u8(kc_wbuf *w, uint8_t v)
{
    kc_wbuf_put(w, &v, 1);
}

void kc_wbuf_i8(kc_wbuf *w, int8_t v)
{
    kc_wbuf_u8(w, (uint8_t)v);
}

void kc_wbuf_i16(kc_wbuf *w, int16_t v)
{
    uint8_t b[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    kc_wbuf_put(w, b, 2);
}

void kc_wbuf_i32(kc_wbuf *w, int32_t v)
{
    uint8_t b[4];
    kc_put_be32(b, (uint32_t)v);
    kc_wbuf_put(w, b, 4);
}

void kc_wbuf_i64(kc_wbuf *w, int64_t v)
{
    uint8_t b[8];
    kc_put_be64(b, (uint64_t)v);
    kc_wbuf_put(w, b, 8);
}

void kc_wbuf_bool(kc_wbuf *w, bool v)
{
    kc_wbuf_u8(w, v ? 1 : 0);
}

static void write_uvarint64(kc_wbuf *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    while (v >= 0x80) {
        b[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b[n++] = (uint8_t)v;
    kc_wbuf_put(w, b, n);
}

void kc_wbuf_uvarint(kc_wbuf *w, uint32_t v)
{
    write_uvarint64(w, v);
}

void kc_wbuf_varint(kc_wbuf *w, int32_t v)
{
    write_uvarint64(w, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}

void kc_wbuf_varlong(kc_wbuf *w, int64_t v)
{
    write_uvarint64(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void kc_wbuf_i32_at(kc_wbuf *w, size_t off, int32_t v)
{
    kc_put_be32(w->data + off, (uint32_t)v);
}

static void write_len(kc_wbuf *w, bool flex, bool wide, int32_t n)
{
    if (flex)
        kc_wbuf_uvarint(w, (uint32_t)(n + 1));
    else if (wide)
        kc_wbuf_i32(w, n);
    else
        kc_wbuf_i16(w, (int16_t)n);
}

void kc_wbuf_str(kc_wbuf *w, bool flex, kc_str s)
{
    int32_t n = s.len < 0 ? -1 : s.len;
    write_len(w, flex, false, n);
    if (n > 0)
        kc_wbuf_put(w, s.p, (size_t)n);
}

void kc_wbuf_bytes(kc_wbuf *w, bool flex, kc_bytes b)
{
    int32_t n = b.len < 0 ? -1 : b.len;
    write_len(w, flex, true, n);
    if (n > 0)
        kc_wbuf_put(w, b.p, (size_t)n);
}

void kc_wbuf_array_len(kc_wbuf *w, bool flex, int32_t n)
{
    write_len(w, flex, true, n < 0 ? -1 : n);
}

kc_records kc_rbuf_records(kc_rbuf *r, bool flex, bool nullable)
{
    kc_bytes b = kc_rbuf_bytes(r, flex, nullable);
    return (kc_records){b.p, b.len, -1, 0};
}

void kc_wbuf_file(kc_wbuf *w, int fd, int64_t offset, size_t len)
{
    if (w->n_splices == w->cap_splices) {
        w->cap_splices = w->cap_splices ? w->cap_splices * 2 : 8;
        w->splices = realloc(w->splices, (size_t)w->cap_splices * sizeof(*w->splices));
        if (!w->splices)
            kc_fatal("wbuf: out of memory");
    }
    w->splices[w->n_splices++] = (kc_wbuf_splice){w->len, fd, false, offset, len};
    w->spliced_bytes += len;
}

/* Reads @p len bytes of @p fd at @p offset into @p dst; zeroes when the read fails. */
static void read_range(uint8_t *dst, int fd, int64_t offset, size_t len)
{
    if (kc_pread_full(fd, dst, len, (off_t)offset)) {
        /* the range was checked against the log: a short read means the disk failed; the
         * frame stays well-formed and the client sees a corrupt batch */
        kc_error("WBUF", "pread of a fetch range failed");
        memset(dst, 0, len);
    }
}

/* The whole output in memory: the file ranges read in between the memory parts. */
static void flatten(kc_wbuf *w)
{
    size_t total = kc_wbuf_total(w), pos = 0, out = 0;
    uint8_t *flat = malloc(total ? total : 1);
    if (!flat)
        kc_fatal("wbuf: out of memory");
    for (int i = 0; i < w->n_splices; i++) {
        kc_wbuf_splice *sp = &w->splices[i];
        if (sp->at > pos)
            memcpy(flat + out, w->data + pos, sp->at - pos);
        out += sp->at - pos;
        pos = sp->at;
        read_range(flat + out, sp->fd, sp->offset, sp->len);
        out += sp->len;
        if (sp->owned)
            close(sp->fd);
    }
    if (w->len > pos)
        memcpy(flat + out, w->data + pos, w->len - pos);
    free(w->data);
    free(w->splices);
    w->data = flat;
    w->len = w->cap = total;
    w->splices = NULL;
    w->n_splices = w->cap_splices = 0;
    w->spliced_bytes = 0;
}

void kc_wbuf_pin_files(kc_wbuf *w)
{
    for (int i = 0; i < w->n_splices; i++) {
        kc_wbuf_splice *sp = &w->splices[i];
        if (sp->owned || sp->fd < 0)
            continue;
        int d = dup(sp->fd);
        if (d < 0) { /* out of descriptors (EMFILE): copy the bytes instead of failing */
            flatten(w);
            return;
        }
        sp->fd = d;
        sp->owned = true;
    }
}

void kc_wbuf_records(kc_wbuf *w, bool flex, kc_records r)
{
    if (r.p == NULL && r.len > 0) {
        write_len(w, flex, true, r.len);
        kc_wbuf_file(w, r.fd, r.file_pos, (size_t)r.len);
        return;
    }
    kc_wbuf_bytes(w, flex, (kc_bytes){r.p, r.len});
}

size_t kc_wbuf_total(const kc_wbuf *w)
{
    return w->len + w->spliced_bytes;
}

void kc_wbuf_free(kc_wbuf *w)
{
    for (int i = 0; i < w->n_splices; i++)
        if (w->splices[i].owned && w->splices[i].fd >= 0)
            close(w->splices[i].fd);
    free(w->splices);
    free(w->data);
    memset(w, 0, sizeof(*w));
}
