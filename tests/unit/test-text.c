/* test-text.c — well-formed UTF-8 and the ways text fails to be; names, and the characters they may not hold; text made printable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "interim/text.h"

static void test_utf8_valid(void **state) {
        (void)state;
        assert_true(text_utf8(""));
        assert_true(text_utf8("P0001"));
        assert_true(text_utf8("Z\xc3\xbcrich"));                /* ü, two bytes */
        assert_true(text_utf8("\xe2\x82\xac 12"));              /* €, three bytes */
        assert_true(text_utf8("\xf0\x9f\x98\x80"));             /* U+1F600, four bytes */
        assert_true(text_utf8("\xc2\x80"));                     /* the least two-byte character */
        assert_true(text_utf8("\xef\xbf\xbf"));                 /* U+FFFF */
        assert_true(text_utf8("\xf4\x8f\xbf\xbf"));             /* U+10FFFF, the last */
        assert_true(text_utf8("\xed\x9f\xbf\xee\x80\x80"));     /* either side of the surrogates */
}

static void test_utf8_invalid(void **state) {
        (void)state;
        assert_false(text_utf8("P\xff\xfe"));                   /* bytes no UTF-8 has */
        assert_false(text_utf8("\x80"));                        /* a continuation alone */
        assert_false(text_utf8("Z\xc3"));                       /* cut short by the end */
        assert_false(text_utf8("\xe2\x82"));
        assert_false(text_utf8("\xe2\x82x"));                   /* cut short by an ASCII byte */
        assert_false(text_utf8("\xc0\xaf"));                    /* overlong '/' */
        assert_false(text_utf8("\xc1\xbf"));
        assert_false(text_utf8("\xe0\x80\xaf"));                /* overlong, three bytes */
        assert_false(text_utf8("\xf0\x8f\xbf\xbf"));            /* overlong, four bytes */
        assert_false(text_utf8("\xed\xa0\x80"));                /* U+D800, a surrogate */
        assert_false(text_utf8("\xed\xbf\xbf"));                /* U+DFFF */
        assert_false(text_utf8("\xf4\x90\x80\x80"));            /* U+110000 */
        assert_false(text_utf8("\xf8\x88\x80\x80\x80"));        /* five bytes */
}

/* Whether the NUL-terminated s is a name. */
static bool name(const char *s) {
        return text_name(s, strlen(s));
}

static void test_names(void **state) {
        (void)state;
        assert_true(name("P0001"));
        assert_true(name("Z\xc3\xbcrich"));                      /* letters beyond ASCII */
        assert_true(name("\xe6\x9d\xb1\xe4\xba\xac-07"));          /* 東京-07 */
        assert_true(name("a.b_c/d:e"));                          /* punctuation */
        assert_true(name("\xf4\x8f\xbf\xbf"));                   /* U+10FFFF, a noncharacter: no rule is about it */
        assert_true(text_name("P1xyz", 2));                      /* only the n bytes given count */
        assert_true(name("Jos\xc3\xa9"));                         /* é, precomposed: NFC */
        assert_true(name("\xea\xb0\x80"));                        /* 가, a Hangul syllable: NFC */
}

static void test_not_names(void **state) {
        (void)state;
        assert_false(name(""));
        assert_false(text_name("P1", 0));
        assert_false(name("P 1"));                               /* ASCII blanks and controls */
        assert_false(name("P\t1"));
        assert_false(name("P1\n"));
        assert_false(name("\x7f"));
        assert_false(name("P\xc2\xa0" "1"));                      /* U+00A0, no-break space */
        assert_false(name("P\xc2\x85"));                         /* U+0085, next line: a C1 control */
        assert_false(name("P\xc2\x9f"));                         /* U+009F, the last C1 control */
        assert_false(name("P\xe1\x9a\x80"));                     /* U+1680, ogham space mark */
        assert_false(name("P\xe2\x80\x83"));                     /* U+2003, em space */
        assert_false(name("P\xe2\x80\xa8"));                     /* U+2028, line separator */
        assert_false(name("P\xe3\x80\x80"));                     /* U+3000, ideographic space */
        assert_false(name("P\xc2\xad" "1"));                     /* U+00AD, soft hyphen: invisible */
        assert_false(name("P\xe2\x80\x8b" "1"));                 /* U+200B, zero-width space */
        assert_false(name("P\xe2\x80\xae" "1"));                 /* U+202E, right-to-left override */
        assert_false(name("\xef\xbb\xbf" "P1"));                 /* U+FEFF, byte order mark */
        assert_false(name("P\xff"));                              /* not UTF-8 */
        assert_false(name("P\xed\xa0\x80"));                     /* a surrogate */
        assert_false(name("P\xc0\xaf"));                         /* an overlong '/' */
        assert_false(name("P\xf4\x90\x80\x80"));                 /* U+110000 */
        assert_false(text_name("Z\xc3\xbc", 2));                  /* a character cut by n */
        assert_false(name("P1\xef\xb8\x8f"));                     /* U+FE0F, a variation selector: invisible */
        assert_false(name("P\xcd\x8f" "1"));                      /* U+034F, combining grapheme joiner */
        assert_false(name("P\xe3\x85\xa4" "1"));                  /* U+3164, Hangul filler */
        assert_false(name("P1\xf3\xa0\x84\x80"));                 /* U+E0100, a variation selector beyond the BMP */
        assert_false(name("Jose\xcc\x81"));                       /* e and U+0301: not NFC, prints as José */
        assert_false(name("\xe1\x84\x80\xe1\x85\xa1"));             /* ᄀ and ᅡ: not NFC, prints as 가 */
}

/* Whether text_printable() makes in into want. */
static void printable(const char *in, const char *want) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%s", in);
        assert_ptr_equal(text_printable(buf), buf);
        assert_string_equal(buf, want);
}

static void test_printable(void **state) {
        (void)state;
        printable("", "");
        printable("P0001, row 3: date 2026-13-01", "P0001, row 3: date 2026-13-01");
        printable("Z\xc3\xbcrich \xe6\x9d\xb1\xe4\xba\xac \xc2\xa0", "Z\xc3\xbcrich \xe6\x9d\xb1\xe4\xba\xac \xc2\xa0"); /* letters, a no-break space */
        printable("a\tb\nc\x1b[2Jd\x7f", "a?b?c?[2Jd?");                     /* ASCII controls, an escape sequence */
        printable("x\xc2\x85y\xc2\x9b" "2J", "x?y?2J");                       /* C1 controls: next line, CSI */
        printable("P\xe2\x80\xae" "1cba", "P?1cba");                          /* U+202E, right-to-left override */
        printable("\xe2\x81\xa6" "x\xe2\x81\xa9", "?x?");                     /* U+2066, U+2069: isolates */
        printable("a\xe2\x80\xa8" "b\xe2\x80\xa9", "a?b?");                   /* line and paragraph separators */
        printable("P\xff\xfe", "P??");                                         /* bytes no UTF-8 has: one '?' each */
        printable("Z\xc3", "Z?");                                               /* cut short by the end */
        printable("\xe2\x82x", "??x");                                          /* cut short by an ASCII byte */
        printable("\xed\xa0\x80!", "???" "!");                                  /* a surrogate */
        printable("\xc0\xaf", "??");                                            /* an overlong '/' */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_utf8_valid),
                cmocka_unit_test(test_utf8_invalid),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_not_names),
                cmocka_unit_test(test_printable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
