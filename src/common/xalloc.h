/*
 * Allocation that cannot fail: on exhaustion the process logs and exits (kc_fatal), which is
 * what every caller of these did by hand. For memory a peer cannot make large; sizes a peer
 * chooses are bounded by the caller first.
 */
#ifndef KC_XALLOC_H
#define KC_XALLOC_H

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/** realloc(@p p, @p n) (n 0 allocates 1 byte); never NULL. */
static inline void *kc_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        kc_fatal("out of memory (%zu bytes)", n);
    return q;
}

/** calloc(@p n, @p size) (n 0 allocates one element); never NULL. */
static inline void *kc_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        kc_fatal("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

/** strdup(@p s); never NULL. */
static inline char *kc_xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        kc_fatal("out of memory");
    return d;
}

/** strndup(@p s, @p n); never NULL. */
static inline char *kc_xstrndup(const char *s, size_t n)
{
    char *d = strndup(s, n);
    if (!d)
        kc_fatal("out of memory");
    return d;
}

#endif
