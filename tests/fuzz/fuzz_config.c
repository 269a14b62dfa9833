/*
 * Fuzz target: the broker's configuration parsers.
 *  - server.properties text through kc_config_load (config/config.c: Java .properties syntax,
 *    every key's type and validator, listeners, the security protocol map, SASL and JAAS lines,
 *    connection quotas, log dirs). The text is handed over as a memfd, so the one file parser is
 *    the one fuzzed.
 *  - every `key=value` line of the same text as a dynamic config set, as AlterConfigs and
 *    /config/{topics,brokers} carry them (config/dynconf.c): validated as topic overrides
 *    (storage/log_config), as broker configs per broker and cluster-wide, filtered and applied
 *    over a loaded configuration as the broker's config-change listener does.
 *
 * Input: server.properties text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config.h"
#include "config/dynconf.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BASE_PROPERTIES                                                                            \
    "broker.id=1\nzookeeper.connect=127.0.0.1:2181/cafka\nlog.dirs=/nonexistent/cafka-fuzz\n"      \
    "listeners=PLAINTEXT://127.0.0.1:9092\n"

/* kc_config_load on @p len bytes of text; 0 or -1 as it returns. @p c is zeroed first. */
static int load(kc_config *c, const void *text, size_t len)
{
    int fd = memfd_create("server.properties", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(len == 0 || write(fd, text, len) == (ssize_t)len);
    char path[64], err[1024];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    memset(c, 0, sizeof(*c));
    int rc = kc_config_load(c, path, 0, NULL, err, sizeof(err));
    close(fd);
    return rc;
}

/* The `key=value` lines of the input (split at the first '='), as a dynamic config set. */
static void kv_lines(const uint8_t *data, size_t size, kc_cfg_kvs *kvs)
{
    char *text = malloc(size + 1), *save = NULL;
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq || eq == line)
            continue;
        *eq = '\0';
        kc_cfg_kvs_set(kvs, line, eq + 1);
    }
    free(text);
}

static void dynamic(const kc_config *base, const uint8_t *data, size_t size)
{
    kc_cfg_kvs kvs = {0};
    kv_lines(data, size, &kvs);
    char msg[2048], dropped[1024] = "";
    kc_cfg_topic_validate(&kvs, base, kc_str_c("fuzz-topic"), msg, sizeof(msg));
    kc_cfg_broker_validate(&kvs, base, kc_str_c(""), msg, sizeof(msg));
    kc_cfg_broker_validate(&kvs, base, kc_str_c("1"), msg, sizeof(msg));
    kc_cfg_broker_filter(&kvs, base, dropped, sizeof(dropped));
    kc_config live = *base; /* as the broker's: a shallow copy sharing the strings */
    kc_cfg_broker_rederive(&live, base, &kvs, NULL);
    kc_cfg_kvs_free(&kvs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static kc_config base;
    static bool loaded;
    fuzz_quiet();
    if (!loaded) {
        FUZZ_CHECK(load(&base, BASE_PROPERTIES, strlen(BASE_PROPERTIES)) == 0);
        loaded = true;
    }
    kc_config c;
    if (load(&c, data, size) == 0) {
        FUZZ_CHECK(c.n_log_dirs > 0);
        kc_config_retention_ms(&c);
        kc_config_inter_broker_protocol(&c);
    }
    kc_config_free(&c);
    dynamic(&base, data, size);
    return 0;
}
