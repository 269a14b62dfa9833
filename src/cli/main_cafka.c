/*
 * `cafka`: the command-line tools. Today: `cafka dump-log [--print-data-log] FILE...`
 * (kafka-dump-log.sh). Exit codes: 0 ok, 1 a file could not be dumped, 2 bad usage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/dump_log.h"

static int usage(void)
{
    fprintf(stderr, "usage: cafka dump-log [--print-data-log] FILE...\n"
                    "  FILE: a segment (.log), offset index (.index) or time index (.timeindex)\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "dump-log") != 0)
        return usage();
    bool data = false;
    int files = 0, rc = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--print-data-log") == 0 || strcmp(argv[i], "--deep-iteration") == 0) {
            data |= argv[i][2] == 'p';
            continue;
        }
        if (strcmp(argv[i], "--files") == 0)
            continue; /* kafka-dump-log.sh spelling: --files a,b */
        if (argv[i][0] == '-')
            return usage();
        char *save = NULL;
        for (char *f = strtok_r(argv[i], ",", &save); f; f = strtok_r(NULL, ",", &save)) {
            files++;
            if (kc_dump_file(f, data, stdout, stderr))
                rc = 1;
        }
    }
    return files ? rc : usage();
}
