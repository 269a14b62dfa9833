/*
 * Per-IP connection counts in a chained hash table (an entry lives while its count is above 0),
 * and the count of client-listener connections for max.connections.
 */
#include "net/conn_quotas.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define BUCKETS 4096

typedef struct ip_count {
    struct ip_count *next;
    int count;
    char ip[];
} ip_count;

struct kc_conn_quotas {
    const kc_config *cfg;
    int clients; /* connections on the client listeners */
    ip_count *buckets[BUCKETS];
};

static uint32_t ip_hash(const char *ip)
{
    uint32_t h = 2166136261u;
    for (; *ip; ip++)
        h = (h ^ (uint8_t)*ip) * 16777619u;
    return h % BUCKETS;
}

/* max.connections.per.ip, or the override naming @p ip */
static int32_t ip_limit(const kc_config *cfg, const char *ip)
{
    for (int i = 0; i < cfg->n_ip_overrides; i++)
        if (strcmp(cfg->ip_overrides[i].host, ip) == 0)
            return cfg->ip_overrides[i].limit;
    return cfg->max_connections_per_ip;
}

kc_conn_quotas *kc_conn_quotas_new(const kc_config *cfg)
{
    kc_conn_quotas *q = calloc(1, sizeof(*q));
    if (!q)
        kc_fatal("conn quotas: out of memory");
    q->cfg = cfg;
    return q;
}

void kc_conn_quotas_free(kc_conn_quotas *q)
{
    if (!q)
        return;
    for (int i = 0; i < BUCKETS; i++)
        for (ip_count *e = q->buckets[i], *n; e; e = n) {
            n = e->next;
            free(e);
        }
    free(q);
}

bool kc_conn_quotas_add(kc_conn_quotas *q, const char *ip, bool inter_broker)
{
    ip_count **head = &q->buckets[ip_hash(ip)], *e = *head;
    while (e && strcmp(e->ip, ip) != 0)
        e = e->next;
    if ((e ? e->count : 0) >= ip_limit(q->cfg, ip))
        return false;
    if (!e) {
        size_t n = strlen(ip) + 1;
        if (!(e = calloc(1, sizeof(*e) + n)))
            kc_fatal("conn quotas: out of memory");
        memcpy(e->ip, ip, n);
        e->next = *head;
        *head = e;
    }
    e->count++;
    if (!inter_broker)
        q->clients++;
    return true;
}

void kc_conn_quotas_remove(kc_conn_quotas *q, const char *ip, bool inter_broker)
{
    ip_count **link = &q->buckets[ip_hash(ip)];
    while (*link && strcmp((*link)->ip, ip) != 0)
        link = &(*link)->next;
    ip_count *e = *link;
    if (!e)
        return; /* never counted: the caller's bug, but nothing to undo */
    if (--e->count == 0) {
        *link = e->next;
        free(e);
    }
    if (!inter_broker)
        q->clients--;
}

bool kc_conn_quotas_full(const kc_conn_quotas *q)
{
    return q->clients >= q->cfg->max_connections;
}
