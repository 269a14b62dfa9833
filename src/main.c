/*
 * cafka-server: `cafka-server server.properties [--override key=value ...]`.
 * Exit codes: 0 after a clean shutdown, 1 when start-up fails (bad config, ZooKeeper
 * unreachable, broker id in use...), 2 on bad usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "common/log.h"
#include "config/config.h"

static void usage(void)
{
    fprintf(stderr, "usage: cafka-server server.properties [--override key=value ...]\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage();
        return 2;
    }
    const char *lvl = getenv("CAFKA_LOG_LEVEL");
    if (lvl && strcmp(lvl, "debug") == 0)
        kc_log_level = KC_LOG_DEBUG;
    char **overrides = calloc((size_t)argc, sizeof(char *));
    int n_overrides = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--override") == 0 && i + 1 < argc) {
            overrides[n_overrides++] = argv[++i];
        } else {
            usage();
            free(overrides);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    kc_config cfg = {0};
    char err[1024];
    if (kc_config_load(&cfg, argv[1], n_overrides, overrides, err, sizeof(err))) {
        kc_error("CONFIG", "%s", err);
        fprintf(stderr, "cafka-server: configuration error: %s\n", err);
        kc_config_free(&cfg);
        free(overrides);
        return 1;
    }
    free(overrides);
    kc_broker b;
    int rc = 1;
    if (kc_broker_start(&b, &cfg) == 0)
        rc = kc_broker_run(&b);
    kc_broker_destroy(&b);
    kc_config_free(&cfg);
    return rc;
}
