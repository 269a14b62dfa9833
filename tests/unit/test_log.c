/*
 * The logger's defences against peers (common/log.h): strings a peer sent are escaped before
 * they reach a log line, and lines outside events can trigger are rate-limited.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

Test(log, escape_keeps_printable_ascii_and_hexes_the_rest)
{
    char out[64];
    cr_assert_str_eq(kc_log_escape("rdkafka-1.2", 11, out, sizeof(out)), "rdkafka-1.2");
    const char evil[] = "a\nb\rc\x1b[31md\\e\xff";
    cr_assert_str_eq(kc_log_escape(evil, (int)sizeof(evil) - 1, out, sizeof(out)),
                     "a\\x0ab\\x0dc\\x1b[31md\\x5ce\\xff");
    cr_assert_str_eq(kc_log_escape(NULL, -1, out, sizeof(out)), "(null)");
    cr_assert_str_eq(kc_log_escape("", 0, out, sizeof(out)), "");
    const char nul[] = {'x', 0, 'y'};
    cr_assert_str_eq(kc_log_escape(nul, 3, out, sizeof(out)), "x\\x00y", "a NUL inside");
}

Test(log, escape_cuts_long_strings_within_the_buffer)
{
    char big[1000];
    memset(big, 'k', sizeof(big));
    char out[16];
    memset(out, '#', sizeof(out));
    kc_log_escape(big, (int)sizeof(big), out, sizeof(out));
    cr_assert_lt(strlen(out), sizeof(out));
    cr_assert_eq(strcmp(out + strlen(out) - 3, "..."), 0, "'%s' ends with ...", out);
    char hex[8];
    kc_log_escape("\n\n\n\n", 4, hex, sizeof(hex)); /* no partial \xNN */
    cr_assert_str_eq(hex, "\\x0a...");
}

Test(log, allow_passes_once_per_interval_and_counts_the_rest)
{
    kc_log_limit l = {0};
    int dropped = -1;
    cr_assert(kc_log_allow(&l, 60000, &dropped));
    cr_assert_eq(dropped, 0);
    for (int i = 0; i < 5; i++)
        cr_assert_not(kc_log_allow(&l, 60000, &dropped));
    l.next_ms = kc_mono_ms() - 1; /* the interval is over */
    cr_assert(kc_log_allow(&l, 60000, &dropped));
    cr_assert_eq(dropped, 5, "the suppressed lines are reported with the next one");
    cr_assert_not(kc_log_allow(&l, 60000, &dropped));
}
