/* Offset checkpoint files: parse, format, atomic write. */
#include "storage/checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/log.h"

static int cmp_key(const char *topic, int32_t partition, const kc_checkpoint_entry *e)
{
    int c = strcmp(topic, e->topic);
    return c ? c : (partition > e->partition) - (partition < e->partition);
}

static int cmp_entries(const void *a, const void *b)
{
    const kc_checkpoint_entry *x = *(kc_checkpoint_entry *const *)a;
    return cmp_key(x->topic, x->partition, *(kc_checkpoint_entry *const *)b);
}

void kc_checkpoint_add(kc_checkpoint *cp, const char *topic, int32_t partition, int64_t offset)
{
    free(cp->by_key); /* its pointers may move with the entries */
    cp->by_key = NULL;
    if (cp->n == cp->cap) {
        cp->cap = cp->cap ? cp->cap * 2 : 16;
        cp->entries = realloc(cp->entries, (size_t)cp->cap * sizeof(*cp->entries));
        if (!cp->entries)
            kc_fatal("checkpoint: out of memory");
    }
    kc_checkpoint_entry *e = &cp->entries[cp->n++];
    if (!(e->topic = strdup(topic)))
        kc_fatal("checkpoint: out of memory");
    e->partition = partition;
    e->offset = offset;
}

int kc_checkpoint_read(const char *path, kc_checkpoint *cp)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char line[1024];
    long version = -1, count = -1;
    int rc = 0;
    if (!fgets(line, sizeof(line), f) || sscanf(line, "%ld", &version) != 1 || version != 0 ||
        !fgets(line, sizeof(line), f) || sscanf(line, "%ld", &count) != 1 || count < 0)
        rc = -1;
    for (long i = 0; rc == 0 && i < count; i++) {
        char topic[300];
        int32_t partition;
        int64_t offset;
        int end = -1;
        /* exactly "<topic> <partition> <offset>": no extra field, no trailing junk */
        if (!fgets(line, sizeof(line), f) ||
            sscanf(line, "%299s %" SCNd32 " %" SCNd64 "%n", topic, &partition, &offset, &end) !=
                3 ||
            end < 0 || strspn(line + end, " \r\n") != strlen(line + end))
            rc = -1;
        else
            kc_checkpoint_add(cp, topic, partition, offset);
    }
    while (rc == 0 && fgets(line, sizeof(line), f)) /* more entries than the count says */
        if (strspn(line, " \r\n") != strlen(line))
            rc = -1;
    fclose(f);
    if (rc) {
        kc_checkpoint_free(cp);
        return rc;
    }
    if (cp->n > 0) {
        if (!(cp->by_key = malloc((size_t)cp->n * sizeof(*cp->by_key))))
            kc_fatal("checkpoint: out of memory");
        for (int i = 0; i < cp->n; i++)
            cp->by_key[i] = &cp->entries[i];
        qsort(cp->by_key, (size_t)cp->n, sizeof(*cp->by_key), cmp_entries);
    }
    return 0;
}

int64_t kc_checkpoint_get(const kc_checkpoint *cp, const char *topic, int32_t partition)
{
    if (cp->by_key) {
        int lo = 0, hi = cp->n - 1;
        while (lo <= hi) {
            int mid = lo + (hi - lo) / 2, c = cmp_key(topic, partition, cp->by_key[mid]);
            if (c == 0)
                return cp->by_key[mid]->offset;
            if (c < 0)
                hi = mid - 1;
            else
                lo = mid + 1;
        }
        return -1;
    }
    for (int i = 0; i < cp->n; i++)
        if (cp->entries[i].partition == partition && strcmp(cp->entries[i].topic, topic) == 0)
            return cp->entries[i].offset;
    return -1;
}

char *kc_checkpoint_format(const kc_checkpoint *cp)
{
    size_t cap = 64, len = 0;
    for (int i = 0; i < cp->n; i++)
        cap += strlen(cp->entries[i].topic) + 48;
    char *s = malloc(cap);
    if (!s)
        kc_fatal("checkpoint: out of memory");
    len += (size_t)snprintf(s + len, cap - len, "0\n%d\n", cp->n);
    for (int i = 0; i < cp->n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s %d %" PRId64 "\n", cp->entries[i].topic,
                                cp->entries[i].partition, cp->entries[i].offset);
    return s;
}

int kc_checkpoint_write_file(const char *path, const char *content, bool durable)
{
    return durable ? kc_write_file_atomic(path, content, strlen(content))
                   : kc_write_file_replace(path, content, strlen(content));
}

void kc_checkpoint_free(kc_checkpoint *cp)
{
    for (int i = 0; i < cp->n; i++)
        free(cp->entries[i].topic);
    free(cp->entries);
    free(cp->by_key);
    memset(cp, 0, sizeof(*cp));
}
