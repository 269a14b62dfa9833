/*
 * Kafka's offset checkpoint files (src/storage/checkpoint.h), in a mkdtemp directory: the text
 * format of OffsetCheckpointFile ("0\n<count>\n<topic> <partition> <offset>\n..."), reading
 * files Kafka wrote, refusal of malformed files, and the atomic write.
 */
#include <criterion/criterion.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs_util.h"
#include "storage/checkpoint.h"

static char dir[128];
static char path[256];

static void setup(void)
{
    cr_assert_eq(fu_mkdtemp(dir, sizeof(dir), "checkpoint"), 0);
    snprintf(path, sizeof(path), "%s/%s", dir, KC_RECOVERY_POINT_CHECKPOINT);
}

static void teardown(void)
{
    if (dir[0])
        fu_rm_tree(dir);
}

TestSuite(checkpoint, .init = setup, .fini = teardown, .timeout = 30);

static void write_text(const char *text)
{
    cr_assert_eq(fu_write_file(path, text, strlen(text)), 0);
}

static void read_fails(const char *text, const char *why)
{
    write_text(text);
    kc_checkpoint cp = {0};
    int rc = kc_checkpoint_read(path, &cp);
    int n = cp.n;
    kc_checkpoint_free(&cp);
    cr_assert_eq(rc, -1, "accepted %s: \"%s\"", why, text);
    cr_assert_eq(n, 0, "%s: nothing kept", why);
}

Test(checkpoint, file_names_are_kafkas)
{
    cr_assert_str_eq(KC_RECOVERY_POINT_CHECKPOINT, "recovery-point-offset-checkpoint");
    cr_assert_str_eq(KC_REPLICATION_OFFSET_CHECKPOINT, "replication-offset-checkpoint");
    cr_assert_str_eq(KC_LOG_START_OFFSET_CHECKPOINT, "log-start-offset-checkpoint");
    cr_assert_str_eq(KC_CLEAN_SHUTDOWN_FILE, ".kafka_cleanshutdown");
}

Test(checkpoint, format_is_kafkas)
{
    kc_checkpoint cp = {0};
    kc_checkpoint_add(&cp, "orders", 0, 42);
    kc_checkpoint_add(&cp, "orders", 11, 0);
    kc_checkpoint_add(&cp, "__consumer_offsets", 3, 9223372036854775807ll);
    kc_checkpoint_add(&cp, "a.b-c_d", 2147483647, -1);
    char *s = kc_checkpoint_format(&cp);
    cr_assert_str_eq(s, "0\n4\norders 0 42\norders 11 0\n__consumer_offsets 3 9223372036854775807\n"
                        "a.b-c_d 2147483647 -1\n");
    free(s);
    kc_checkpoint_free(&cp);
    cr_assert_eq(cp.n, 0);
    cr_assert_null(cp.entries);

    kc_checkpoint empty = {0};
    s = kc_checkpoint_format(&empty);
    cr_assert_str_eq(s, "0\n0\n");
    free(s);
}

Test(checkpoint, round_trip_through_file)
{
    kc_checkpoint cp = {0};
    char topic[64];
    for (int i = 0; i < 100; i++) { /* more than the first allocation */
        snprintf(topic, sizeof(topic), "topic-%d", i % 7);
        kc_checkpoint_add(&cp, topic, i, (int64_t)i * 1000003);
    }
    char *s = kc_checkpoint_format(&cp);
    cr_assert_eq(kc_checkpoint_write_file(path, s, true), 0);
    free(s);

    kc_checkpoint back = {0};
    cr_assert_eq(kc_checkpoint_read(path, &back), 0);
    cr_assert_eq(back.n, 100);
    for (int i = 0; i < 100; i++) {
        cr_assert_str_eq(back.entries[i].topic, cp.entries[i].topic);
        cr_assert_eq(back.entries[i].partition, i);
        cr_assert_eq(back.entries[i].offset, (int64_t)i * 1000003);
        snprintf(topic, sizeof(topic), "topic-%d", i % 7);
        cr_assert_eq(kc_checkpoint_get(&back, topic, i), (int64_t)i * 1000003);
    }
    cr_assert_eq(kc_checkpoint_get(&back, "topic-0", 1), -1, "topic-1 holds partition 1");
    cr_assert_eq(kc_checkpoint_get(&back, "nope", 0), -1);
    kc_checkpoint_free(&back);
    kc_checkpoint_free(&cp);
}

Test(checkpoint, reads_a_kafka_written_file)
{
    write_text("0\n3\nevents 0 1500\nevents 1 0\n__consumer_offsets 49 77\n");
    kc_checkpoint cp = {0};
    cr_assert_eq(kc_checkpoint_read(path, &cp), 0);
    cr_assert_eq(cp.n, 3);
    cr_assert_eq(kc_checkpoint_get(&cp, "events", 0), 1500);
    cr_assert_eq(kc_checkpoint_get(&cp, "events", 1), 0);
    cr_assert_eq(kc_checkpoint_get(&cp, "__consumer_offsets", 49), 77);
    cr_assert_eq(kc_checkpoint_get(&cp, "events", 2), -1);
    kc_checkpoint_free(&cp);
}

Test(checkpoint, missing_file_is_empty)
{
    kc_checkpoint cp = {0};
    cr_assert_eq(kc_checkpoint_read(path, &cp), 0);
    cr_assert_eq(cp.n, 0);
    cr_assert_eq(kc_checkpoint_get(&cp, "t", 0), -1);
    kc_checkpoint_free(&cp);
}

Test(checkpoint, empty_count_is_empty)
{
    write_text("0\n0\n");
    kc_checkpoint cp = {0};
    cr_assert_eq(kc_checkpoint_read(path, &cp), 0);
    cr_assert_eq(cp.n, 0);
    kc_checkpoint_free(&cp);
}

Test(checkpoint, malformed_files_are_refused)
{
    read_fails("1\n1\nt 0 5\n", "version 1");
    read_fails("x\n1\nt 0 5\n", "a non-numeric version");
    read_fails("0\nx\n", "a non-numeric count");
    read_fails("0\n-1\n", "a negative count");
    read_fails("0\n3\nt 0 5\nt 1 6\n", "a count larger than the lines");
    read_fails("0\n1\nt 0\n", "a line without an offset");
    read_fails("0\n1\nt zero 5\n", "a non-numeric partition");
    read_fails("0\n1\nt 0 five\n", "a non-numeric offset");
    read_fails("0\n2\nt 0 5\n\n", "an empty entry line");
    read_fails("\x01\x02\xff garbage\n\n", "binary garbage");
}

/* Kafka's CheckpointFile.read: every line after the count is an entry, and their number must
 * equal the count; an entry is exactly "<topic> <partition> <offset>" with whole numbers. */
Test(checkpoint, count_smaller_than_lines_is_refused)
{
    read_fails("0\n1\nt 0 5\nt 1 6\n", "two entries under a count of 1");
}

Test(checkpoint, entry_with_extra_fields_or_junk_is_refused)
{
    read_fails("0\n1\nt 0 5 7\n", "a fourth field");
    read_fails("0\n1\nt 0 5x\n", "an offset with trailing junk");
    read_fails("0\n1\nt 0x 5\n", "a partition with trailing junk");
}

Test(checkpoint, empty_or_headless_file_has_no_entries)
{
    /* Kafka reads both as empty; refusing them is as safe (every offset unknown) */
    const char *texts[] = {"", "0\n"};
    for (size_t i = 0; i < 2; i++) {
        write_text(texts[i]);
        kc_checkpoint cp = {0};
        (void)kc_checkpoint_read(path, &cp);
        cr_assert_eq(cp.n, 0, "\"%s\"", texts[i]);
        kc_checkpoint_free(&cp);
    }
}

Test(checkpoint, malformed_file_after_partial_parse_keeps_nothing)
{
    /* two good lines then a bad one: nothing of it may be used */
    write_text("0\n3\na 0 1\nb 0 2\nc x 3\n");
    kc_checkpoint cp = {0};
    cr_assert_eq(kc_checkpoint_read(path, &cp), -1);
    cr_assert_eq(cp.n, 0);
    cr_assert_null(cp.entries);
    cr_assert_eq(kc_checkpoint_get(&cp, "a", 0), -1);
}

Test(checkpoint, unreadable_path_is_an_error)
{
    /* a folder where the file should be: not "missing", so not silently empty */
    cr_assert_eq(mkdir(path, 0755), 0);
    kc_checkpoint cp = {0};
    cr_assert_eq(kc_checkpoint_read(path, &cp), -1);
    kc_checkpoint_free(&cp);
}

Test(checkpoint, atomic_write_replaces_and_leaves_no_tmp)
{
    write_text("0\n1\nold 0 1\n");
    cr_assert_eq(kc_checkpoint_write_file(path, "0\n1\nnew 0 2\n", true), 0);
    size_t n;
    uint8_t *b = fu_read_file(path, &n);
    cr_assert_not_null(b);
    cr_assert_eq(n, strlen("0\n1\nnew 0 2\n"));
    cr_assert_eq(memcmp(b, "0\n1\nnew 0 2\n", n), 0);
    free(b);
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    cr_assert_not(fu_exists(tmp), "%s left behind", tmp);
    cr_assert_eq(fu_count_suffix(dir, ""), 1, "only the checkpoint file in the folder");
    /* a shorter content fully replaces a longer one */
    cr_assert_eq(kc_checkpoint_write_file(path, "0\n0\n", true), 0);
    cr_assert_eq(fu_file_size(path), 4);
}

Test(checkpoint, write_into_missing_folder_fails)
{
    char bad[300];
    snprintf(bad, sizeof(bad), "%s/no-such-dir/%s", dir, KC_LOG_START_OFFSET_CHECKPOINT);
    cr_assert_lt(kc_checkpoint_write_file(bad, "0\n0\n", true), 0);
    cr_assert_not(fu_exists(bad));
}
