/*
 * Connection quotas (net/conn_quotas.h): max.connections.per.ip with its overrides, counted per
 * address, and max.connections over the client listeners only (the inter-broker listener is
 * exempt, as in Kafka).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "net/conn_quotas.h"

static kc_config cfg_with(int32_t per_ip, int32_t total)
{
    kc_config c;
    memset(&c, 0, sizeof(c));
    c.max_connections_per_ip = per_ip;
    c.max_connections = total;
    return c;
}

Test(conn_quotas, per_ip_limit_counts_each_address_apart)
{
    kc_config c = cfg_with(3, 1000);
    kc_conn_quotas *q = kc_conn_quotas_new(&c);
    for (int i = 0; i < 3; i++) {
        cr_assert(kc_conn_quotas_add(q, "10.0.0.1", false));
        cr_assert(kc_conn_quotas_add(q, "10.0.0.2", i % 2));
    }
    cr_assert_not(kc_conn_quotas_add(q, "10.0.0.1", false), "the fourth from one address");
    cr_assert_not(kc_conn_quotas_add(q, "10.0.0.2", true), "brokers too are limited per address");
    kc_conn_quotas_remove(q, "10.0.0.1", false);
    cr_assert(kc_conn_quotas_add(q, "10.0.0.1", false), "a slot freed by a close");
    for (int i = 0; i < 3; i++)
        kc_conn_quotas_remove(q, "10.0.0.1", false);
    kc_conn_quotas_remove(q, "10.9.9.9", false); /* never counted: no effect */
    for (int i = 0; i < 3; i++)
        cr_assert(kc_conn_quotas_add(q, "10.0.0.1", false), "the count went back to 0");
    kc_conn_quotas_free(q);
}

Test(conn_quotas, overrides_replace_the_limit_for_their_address)
{
    kc_config c = cfg_with(1, 1000);
    c.n_ip_overrides = 2;
    snprintf(c.ip_overrides[0].host, sizeof(c.ip_overrides[0].host), "127.0.0.5");
    c.ip_overrides[0].limit = 4;
    snprintf(c.ip_overrides[1].host, sizeof(c.ip_overrides[1].host), "127.0.0.6");
    c.ip_overrides[1].limit = 0;
    kc_conn_quotas *q = kc_conn_quotas_new(&c);
    for (int i = 0; i < 4; i++)
        cr_assert(kc_conn_quotas_add(q, "127.0.0.5", false));
    cr_assert_not(kc_conn_quotas_add(q, "127.0.0.5", false));
    cr_assert_not(kc_conn_quotas_add(q, "127.0.0.6", false), "an override of 0 refuses all");
    cr_assert(kc_conn_quotas_add(q, "127.0.0.7", false));
    cr_assert_not(kc_conn_quotas_add(q, "127.0.0.7", false), "others keep the default");
    kc_conn_quotas_free(q);
}

Test(conn_quotas, max_connections_counts_client_listeners_only)
{
    kc_config c = cfg_with(1000000, 50);
    kc_conn_quotas *q = kc_conn_quotas_new(&c);
    char ip[32];
    for (int i = 0; i < 5000; i++) { /* many addresses: the table chains and grows */
        snprintf(ip, sizeof(ip), "10.%d.%d.%d", i / 65536, (i / 256) % 256, i % 256);
        cr_assert(kc_conn_quotas_add(q, ip, true), "inter-broker connections are exempt");
    }
    cr_assert_not(kc_conn_quotas_full(q));
    for (int i = 0; i < 50; i++) {
        cr_assert_not(kc_conn_quotas_full(q));
        cr_assert(kc_conn_quotas_add(q, "192.168.0.1", false));
    }
    cr_assert(kc_conn_quotas_full(q));
    kc_conn_quotas_remove(q, "192.168.0.1", false);
    cr_assert_not(kc_conn_quotas_full(q));
    kc_conn_quotas_remove(q, "10.0.0.1", true);
    kc_conn_quotas_free(q); /* frees what is still counted */
}
