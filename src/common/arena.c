/*
 * Bump allocator over a list of malloc'd chunks. Large requests get a chunk of their own so a
 * single big array does not waste a whole default chunk.
 */
#include "common/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define ARENA_CHUNK_BYTES 8192

struct kc_arena_chunk {
    kc_arena_chunk *next;
    size_t used; /* bytes handed out from data[] */
    size_t cap;  /* bytes in data[] */
    _Alignas(16) unsigned char data[];
};

void *kc_arena_alloc(kc_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    kc_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > ARENA_CHUNK_BYTES / 2 ? size : ARENA_CHUNK_BYTES;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            kc_fatal("arena: out of memory allocating %zu bytes", cap);
        c->used = 0;
        c->cap = cap;
        if (a->head && size > ARENA_CHUNK_BYTES / 2) {
            /* keep the partly used chunk in front for later small allocations */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *kc_arena_strndup(kc_arena *a, const char *src, size_t len)
{
    char *s = kc_arena_alloc(a, len + 1);
    memcpy(s, src, len);
    s[len] = '\0';
    return s;
}

void kc_arena_free(kc_arena *a)
{
    kc_arena_chunk *c = a->head;
    while (c) {
        kc_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}
