/*
 * Leader epoch cache (Kafka's LeaderEpochFileCache) and the follower's truncation decision
 * (AbstractFetcherThread.getOffsetTruncationState, Kafka 2.8). The list is short (one entry per
 * leader change that reached the log), so every operation is a linear walk from the end.
 */
#include "storage/epoch_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

void kc_epoch_cache_free(kc_epoch_cache *c)
{
    free(c->entries);
    memset(c, 0, sizeof(*c));
}

static void push(kc_epoch_cache *c, int32_t epoch, int64_t start_offset)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->entries = realloc(c->entries, (size_t)c->cap * sizeof(*c->entries));
        if (!c->entries)
            kc_fatal("epoch cache: out of memory");
    }
    c->entries[c->n++] = (kc_epoch_entry){epoch, start_offset};
}

/* One line of the file: "<a> <b>" (Kafka splits on runs of white space), nothing else. */
static int parse_pair(const char *line, int64_t *a, int64_t *b)
{
    char *end;
    errno = 0;
    long long x = strtoll(line, &end, 10);
    if (end == line || (*end != ' ' && *end != '\t') || errno)
        return -1;
    const char *p = end + 1;
    long long y = strtoll(p, &end, 10);
    if (end == p || errno || strspn(end, "\r\n") != strlen(end))
        return -1;
    *a = x;
    *b = y;
    return 0;
}

static int parse_long(const char *line, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(line, &end, 10);
    if (end == line || errno || strspn(end, "\r\n") != strlen(end))
        return -1;
    *v = x;
    return 0;
}

int kc_epoch_cache_load(kc_epoch_cache *c, const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, KC_LEADER_EPOCH_CHECKPOINT);
    kc_epoch_cache_free(c);
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char line[256];
    int64_t version, count;
    int rc = 0;
    if (!fgets(line, sizeof(line), f) || parse_long(line, &version) || version != 0 ||
        !fgets(line, sizeof(line), f) || parse_long(line, &count) || count < 0 || count > INT32_MAX)
        rc = -1;
    for (int64_t i = 0; rc == 0 && i < count; i++) {
        int64_t epoch, start;
        if (!fgets(line, sizeof(line), f) || parse_pair(line, &epoch, &start) || epoch < 0 ||
            epoch > INT32_MAX || start < 0)
            rc = -1;
        else if (c->n &&
                 (epoch <= c->entries[c->n - 1].epoch || start < c->entries[c->n - 1].start_offset))
            rc = -1; /* the invariants are the file's too: never trust a list out of order */
        else
            push(c, (int32_t)epoch, start);
    }
    while (rc == 0 && fgets(line, sizeof(line), f)) /* more entries than the count says */
        if (strspn(line, " \r\n") != strlen(line))
            rc = -1;
    fclose(f);
    if (rc) {
        kc_warn("STORAGE", "'%s' is malformed: leader epochs are rebuilt from the log", path);
        kc_epoch_cache_free(c);
    }
    c->dirty = false;
    return rc;
}

void kc_epoch_cache_assign(kc_epoch_cache *c, int32_t epoch, int64_t start_offset)
{
    if (epoch < 0 || start_offset < 0 || epoch <= kc_epoch_cache_latest_epoch(c))
        return;
    /* a newer epoch starting at or before older entries: those entries never got records that
     * survived (the log was truncated under them) */
    while (c->n && c->entries[c->n - 1].start_offset >= start_offset)
        c->n--;
    push(c, epoch, start_offset);
    c->dirty = true;
}

int32_t kc_epoch_cache_latest_epoch(const kc_epoch_cache *c)
{
    return c->n ? c->entries[c->n - 1].epoch : KC_UNDEFINED_EPOCH;
}

void kc_epoch_cache_end_offset_for(const kc_epoch_cache *c, int32_t requested_epoch,
                                   int64_t log_end_offset, int32_t *epoch_out,
                                   int64_t *end_offset_out)
{
    *epoch_out = KC_UNDEFINED_EPOCH;
    *end_offset_out = KC_UNDEFINED_EPOCH_OFFSET;
    if (requested_epoch == KC_UNDEFINED_EPOCH || c->n == 0)
        return;
    if (requested_epoch == c->entries[c->n - 1].epoch) {
        *epoch_out = requested_epoch;
        *end_offset_out = log_end_offset;
        return;
    }
    /* the first entry newer than the request: none means the request is newer than anything
     * known (Kafka answers undefined) */
    int hi = c->n - 1;
    if (requested_epoch > c->entries[hi].epoch)
        return;
    while (hi > 0 && c->entries[hi - 1].epoch > requested_epoch)
        hi--;
    /* older than every entry: Kafka answers the requested epoch itself, ending where the first
     * known epoch starts */
    *epoch_out = hi > 0 ? c->entries[hi - 1].epoch : requested_epoch;
    *end_offset_out = c->entries[hi].start_offset;
}

void kc_epoch_cache_truncate_from_end(kc_epoch_cache *c, int64_t end_offset)
{
    if (end_offset < 0)
        return;
    int n = c->n;
    while (c->n && c->entries[c->n - 1].start_offset >= end_offset)
        c->n--;
    if (c->n != n)
        c->dirty = true;
}

void kc_epoch_cache_truncate_from_start(kc_epoch_cache *c, int64_t start_offset)
{
    /* the last entry starting at or before the new start covers it; those before go */
    int k = -1;
    for (int i = 0; i < c->n && c->entries[i].start_offset <= start_offset; i++)
        k = i;
    if (k < 0 || (k == 0 && c->entries[0].start_offset == start_offset))
        return;
    memmove(c->entries, c->entries + k, (size_t)(c->n - k) * sizeof(*c->entries));
    c->n -= k;
    c->entries[0].start_offset = start_offset;
    c->dirty = true;
}

char *kc_epoch_cache_format(kc_epoch_cache *c)
{
    size_t cap = 32 + (size_t)c->n * 34, len = 0;
    char *s = malloc(cap);
    if (!s)
        kc_fatal("epoch cache: out of memory");
    len += (size_t)snprintf(s + len, cap - len, "0\n%d\n", c->n);
    for (int i = 0; i < c->n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%" PRId32 " %" PRId64 "\n",
                                c->entries[i].epoch, c->entries[i].start_offset);
    c->dirty = false;
    return s;
}

int64_t kc_epoch_truncation_offset(const kc_epoch_cache *follower, int64_t follower_leo,
                                   int64_t follower_hw, int32_t leader_epoch,
                                   int64_t leader_end_offset, bool *done)
{
    *done = true;
    if (leader_end_offset == KC_UNDEFINED_EPOCH_OFFSET)
        return follower_hw;
    if (leader_epoch == KC_UNDEFINED_EPOCH)
        return leader_end_offset < follower_leo ? leader_end_offset : follower_leo;
    int32_t fe;
    int64_t fo;
    kc_epoch_cache_end_offset_for(follower, leader_epoch, follower_leo, &fe, &fo);
    if (fo == KC_UNDEFINED_EPOCH_OFFSET) /* no epochs tracked: trust the leader's offset */
        return leader_end_offset < follower_leo ? leader_end_offset : follower_leo;
    if (fe != leader_epoch) {
        /* KIP-279: the leader never had the follower's epoch fe; cut to where fe ended here
         * and ask again with the follower's new latest epoch */
        *done = false;
        return fo < follower_leo ? fo : follower_leo;
    }
    int64_t to = fo < leader_end_offset ? fo : leader_end_offset;
    return to < follower_leo ? to : follower_leo;
}
