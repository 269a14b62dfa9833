/*
 * `cafka`: the command-line tools.
 *   cafka dump-log [--print-data-log] FILE...   kafka-dump-log.sh
 *   cafka topics --bootstrap-server H:P ...      kafka-topics.sh (cli/admin_topics.h)
 *   cafka configs --bootstrap-server H:P ...     kafka-configs.sh (cli/admin_configs.h)
 *   cafka leader-election --bootstrap-server ... kafka-leader-election.sh (cli/admin_election.h)
 *   cafka groups --bootstrap-server H:P ...      kafka-consumer-groups.sh (cli/admin_groups.h)
 *   cafka acls --bootstrap-server H:P ...        kafka-acls.sh (cli/admin_acls.h)
 * Exit codes: 0 ok, 1 the operation failed (a file could not be dumped, a broker refused),
 * 2 bad usage (`cafka acls` exits 1 on bad usage too, as kafka-acls.sh does).
 * Every admin command takes --command-config FILE (kafka-leader-election.sh's name,
 * --admin.config, too): Kafka's client properties for TLS and SASL (cli/client_config.h).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/admin_acls.h"
#include "cli/admin_configs.h"
#include "cli/admin_election.h"
#include "cli/admin_groups.h"
#include "cli/admin_topics.h"
#include "cli/dump_log.h"

static int usage(FILE *out, int rc)
{
    fprintf(out,
            "usage: cafka COMMAND [ARGS]...\n"
            "  cafka dump-log [--print-data-log] [--offsets-decoder] FILE...\n"
            "      print segments (.log), offset indexes (.index) and time indexes\n"
            "      (.timeindex) as kafka-dump-log.sh; --offsets-decoder decodes the\n"
            "      records of __consumer_offsets segments (implies --print-data-log)\n"
            "  cafka topics --bootstrap-server HOST:PORT (--create|--delete|--list|\n"
            "               --describe|--alter) [--topic T] ...   as kafka-topics.sh\n"
            "  cafka configs --bootstrap-server HOST:PORT --entity-type topics|brokers|users\n"
            "               [--entity-name N] (--describe|--alter ...)   as kafka-configs.sh\n"
            "               (users: SCRAM credentials)\n"
            "  cafka leader-election --bootstrap-server HOST:PORT --election-type\n"
            "               preferred|unclean (--all-topic-partitions|--topic T --partition P|\n"
            "               --path-to-json-file F)   as kafka-leader-election.sh\n"
            "  cafka groups --bootstrap-server HOST:PORT (--list|--describe|--delete|\n"
            "               --reset-offsets|--delete-offsets) [--group G] ...\n"
            "               as kafka-consumer-groups.sh\n"
            "  cafka acls --bootstrap-server HOST:PORT (--add|--remove|--list)\n"
            "               [--topic T|--group G|--cluster|--transactional-id ID]...\n"
            "               [--allow-principal P] [--operation OP] ...   as kafka-acls.sh\n"
            "The admin commands take --command-config FILE: client properties with Kafka's\n"
            "names (security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.location,\n"
            "...) or librdkafka's, for SSL and SASL listeners.\n"
            "`cafka COMMAND --help` describes the options of a command.\n");
    return rc;
}

static int dump_log(int argc, char **argv)
{
    bool data = false, offsets = false;
    int files = 0, rc = 0;
    /* options first, wherever they stand, as kafka-dump-log.sh's parser takes them */
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--print-data-log") == 0)
            data = true;
        else if (strcmp(argv[i], "--offsets-decoder") == 0)
            offsets = true; /* a decoder implies --print-data-log, as in Kafka */
        else if (argv[i][0] == '-' && strcmp(argv[i], "--deep-iteration") != 0 &&
                 strcmp(argv[i], "--files") != 0) /* kafka-dump-log.sh spelling: --files a,b */
            return usage(stderr, 2);
    }
    kc_dump_mode mode = offsets ? KC_DUMP_OFFSETS : data ? KC_DUMP_RECORDS : KC_DUMP_BATCHES;
    for (int i = 2; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        char *save = NULL;
        for (char *f = strtok_r(argv[i], ",", &save); f; f = strtok_r(NULL, ",", &save)) {
            files++;
            if (kc_dump_file(f, mode, stdout, stderr))
                rc = 1;
        }
    }
    return files ? rc : usage(stderr, 2);
}

int main(int argc, char **argv)
{
    /* a TLS connection of the wire client writes through OpenSSL, which cannot pass
     * MSG_NOSIGNAL: a broker closing it must be an error, not a killed process */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2)
        return usage(stderr, 2);
    if (strcmp(argv[1], "dump-log") == 0)
        return dump_log(argc, argv);
    if (strcmp(argv[1], "topics") == 0)
        return kc_cli_topics(argc - 2, argv + 2);
    if (strcmp(argv[1], "configs") == 0)
        return kc_cli_configs(argc - 2, argv + 2);
    if (strcmp(argv[1], "leader-election") == 0)
        return kc_cli_leader_election(argc - 2, argv + 2);
    if (strcmp(argv[1], "groups") == 0)
        return kc_cli_groups(argc - 2, argv + 2);
    if (strcmp(argv[1], "acls") == 0)
        return kc_cli_acls(argc - 2, argv + 2);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return usage(stdout, 0);
    fprintf(stderr, "Error: unknown command %s\n", argv[1]);
    return usage(stderr, 2);
}
