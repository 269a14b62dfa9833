/*
 * Java String.hashCode over UTF-8, Utils.abs and GroupMetadataManager.partitionFor
 * (src/common/java_hash.h): the worked examples of the reference's coordinator table (N = 50),
 * and malformed UTF-8 decoded as JDK 17's `new String(bytes, UTF_8)` does — every expected
 * value here was printed by JDK 17.0.15.
 */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>

#include "common/java_hash.h"

static int32_t hash_of(const char *s)
{
    return kc_java_string_hash(s, strlen(s));
}

typedef struct vec {
    const char *group;
    int32_t hash;
    int32_t partition; /* of 50 */
} vec;

/* ../shared/reference/kafka-groups-and-producer-state.md §1 */
static const vec TABLE[] = {
    {"my-group", -1906497762, 12},
    {"test-group", 627841412, 12},
    {"console-consumer-12345", 158455506, 6},
    {"group1", -1237460590, 40},
    {"orders", -1008770331, 31},
    {"polygenelubricants", INT32_MIN, 0},
    {"gr\xc3\xbcppe", -1233264812, 12}, /* U+00FC: one unit */
    {"g\xf0\x9f\x98\x80", 1871882, 32}, /* U+1F600: surrogates D83D DE00 */
    {"", 0, 0},
};

Test(java_hash, reference_table)
{
    for (size_t i = 0; i < sizeof(TABLE) / sizeof(TABLE[0]); i++) {
        const vec *v = &TABLE[i];
        cr_assert_eq(hash_of(v->group), v->hash, "hashCode(\"%s\") = %d, want %d", v->group,
                     hash_of(v->group), v->hash);
        cr_assert_eq(kc_group_partition(v->group, strlen(v->group), 50), v->partition,
                     "partitionFor(\"%s\")", v->group);
    }
}

Test(java_hash, polygenelubricants_is_int32_min_and_lands_on_partition_0)
{
    int32_t h = hash_of("polygenelubricants");
    cr_assert_eq(h, INT32_MIN);
    cr_assert_eq(kc_java_abs(h), 0, "Utils.abs, not Math.abs (which stays negative)");
    for (int32_t n = 1; n <= 200; n++)
        cr_assert_eq(kc_group_partition("polygenelubricants", 18, n), 0, "n = %d", n);
}

Test(java_hash, empty_and_null_input_hash_to_zero)
{
    cr_assert_eq(kc_java_string_hash("", 0), 0);
    cr_assert_eq(kc_java_string_hash(NULL, 0), 0);
}

Test(java_hash, length_not_nul_terminator_bounds_the_input)
{
    cr_assert_eq(kc_java_string_hash("my-groupXYZ", 8), -1906497762);
    /* an embedded NUL is a character (U+0000) like any other */
    cr_assert_eq(kc_java_string_hash("a\0b", 3), 31 * 31 * 'a' + 0 * 31 + 'b');
}

Test(java_hash, utils_abs)
{
    cr_assert_eq(kc_java_abs(INT32_MIN), 0);
    cr_assert_eq(kc_java_abs(INT32_MIN + 1), INT32_MAX);
    cr_assert_eq(kc_java_abs(INT32_MAX), INT32_MAX);
    cr_assert_eq(kc_java_abs(-5), 5);
    cr_assert_eq(kc_java_abs(5), 5);
    cr_assert_eq(kc_java_abs(0), 0);
}

Test(java_hash, partition_is_in_range)
{
    const char *groups[] = {"my-group", "group1", "orders", "x", "\xff\xfe"};
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        for (int32_t n = 1; n <= 64; n++) {
            int32_t p = kc_group_partition(groups[i], strlen(groups[i]), n);
            cr_assert(p >= 0 && p < n, "%s %% %d = %d", groups[i], n, p);
        }
}

typedef struct bad {
    const char *bytes;
    size_t len;
    int32_t hash;      /* JDK 17: new String(bytes, UTF_8).hashCode() */
    const char *units; /* what Java decoded, for the failure message */
} bad;

#define B(lit) lit, sizeof(lit) - 1

static const bad MALFORMED[] = {
    {B("\xff"), 65533, "FFFD"},            /* never a lead byte */
    {B("\x80\xbf"), 2097056, "FFFD FFFD"}, /* lone continuations */
    {B("\xc0\xaf"), 2097056, "FFFD FFFD"}, /* overlong 2-byte lead */
    {B("\xc3"), 65533, "FFFD"},            /* cut short by the end */
    {B("a\xc3"
       "b"),
     2124838, "0061 FFFD 0062"},    /* lead, then not a continuation */
    {B("\xe2\x82"), 65533, "FFFD"}, /* 3-byte cut short: one FFFD */
    {B("\xe2\x82"
       "A"),
     2031588, "FFFD 0041"},                          /* maximal subpart, then A */
    {B("\xe0\x80\x80"), 65074269, "FFFD FFFD FFFD"}, /* overlong: lead alone */
    {B("\xed\xa0\x80"), 65533, "FFFD"},              /* a surrogate: one FFFD */
    {B("\xed\xa0"
       "A"),
     2031588, "FFFD 0041"},             /* surrogate prefix, then A */
    {B("\xed\xa0"), 65533, "FFFD"},     /* ... cut short */
    {B("\xf0\x9f\x98"), 65533, "FFFD"}, /* 4-byte cut short */
    {B("\xf0\x9f"), 65533, "FFFD"},     /* 4-byte cut shorter */
    {B("\xf0\x9f\x98"
       "A"),
     2031588, "FFFD 0041"},                                     /* maximal subpart, then A */
    {B("\xf4\x90\x80\x80"), 2017367872, "FFFD FFFD FFFD FFFD"}, /* above U+10FFFF */
    {B("\xf5\x80\x80\x80"), 2017367872, "FFFD FFFD FFFD FFFD"}, /* F5 never leads */
    {B("\xf0"), 65533, "FFFD"},
    {B("\xe2"), 65533, "FFFD"},
};

Test(java_hash, malformed_utf8_decodes_as_jdk17)
{
    for (size_t i = 0; i < sizeof(MALFORMED) / sizeof(MALFORMED[0]); i++) {
        const bad *b = &MALFORMED[i];
        int32_t got = kc_java_string_hash(b->bytes, b->len);
        cr_assert_eq(got, b->hash, "case %zu (Java decodes it as %s): %d, want %d", i, b->units,
                     got, b->hash);
    }
}

Test(java_hash, one_replacement_equals_the_replacement_character)
{
    /* U+FFFD spelled correctly (EF BF BD) hashes as any single replaced run */
    cr_assert_eq(hash_of("\xef\xbf\xbd"), 65533);
    cr_assert_eq(hash_of("x\xf0\x9f\x98"), hash_of("x\xef\xbf\xbd"));
}
