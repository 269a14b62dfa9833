/*
 * Per-request memory arena: decoders and handlers allocate from it, and everything is freed at
 * once when the request's response has been sent. Allocation never fails (OOM aborts, as in
 * redis and h2o), so callers carry no NULL checks.
 */
#ifndef KC_ARENA_H
#define KC_ARENA_H

#include <stddef.h>

typedef struct kc_arena_chunk kc_arena_chunk;

typedef struct kc_arena {
    kc_arena_chunk *head; /* newest chunk first; NULL when nothing was allocated */
} kc_arena;

/** An empty arena (no memory held yet). */
#define KC_ARENA_INIT                                                                              \
    {                                                                                              \
        NULL                                                                                       \
    }

/**
 * Allocate @p size zeroed bytes, 16-byte aligned, owned by @p a until kc_arena_free().
 * Aborts the process when memory is exhausted.
 */
void *kc_arena_alloc(kc_arena *a, size_t size);

/** Copy @p len bytes of @p src into the arena and NUL-terminate them; returns the copy. */
char *kc_arena_strndup(kc_arena *a, const char *src, size_t len);

/** Release every allocation of @p a; the arena is empty and reusable afterwards. */
void kc_arena_free(kc_arena *a);

#endif
