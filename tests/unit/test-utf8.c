/* test-utf8.c — well-formed UTF-8 and the ways text fails to be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "interim/utf8.h"

static void test_valid(void **state) {
        (void)state;
        assert_true(utf8_valid(""));
        assert_true(utf8_valid("P0001"));
        assert_true(utf8_valid("Z\xc3\xbcrich"));                /* ü, two bytes */
        assert_true(utf8_valid("\xe2\x82\xac 12"));              /* €, three bytes */
        assert_true(utf8_valid("\xf0\x9f\x98\x80"));             /* U+1F600, four bytes */
        assert_true(utf8_valid("\xc2\x80"));                     /* the least two-byte character */
        assert_true(utf8_valid("\xef\xbf\xbf"));                 /* U+FFFF */
        assert_true(utf8_valid("\xf4\x8f\xbf\xbf"));             /* U+10FFFF, the last */
        assert_true(utf8_valid("\xed\x9f\xbf\xee\x80\x80"));     /* either side of the surrogates */
}

static void test_invalid(void **state) {
        (void)state;
        assert_false(utf8_valid("P\xff\xfe"));                   /* bytes no UTF-8 has */
        assert_false(utf8_valid("\x80"));                        /* a continuation alone */
        assert_false(utf8_valid("Z\xc3"));                       /* cut short by the end */
        assert_false(utf8_valid("\xe2\x82"));
        assert_false(utf8_valid("\xe2\x82x"));                   /* cut short by an ASCII byte */
        assert_false(utf8_valid("\xc0\xaf"));                    /* overlong '/' */
        assert_false(utf8_valid("\xc1\xbf"));
        assert_false(utf8_valid("\xe0\x80\xaf"));                /* overlong, three bytes */
        assert_false(utf8_valid("\xf0\x8f\xbf\xbf"));            /* overlong, four bytes */
        assert_false(utf8_valid("\xed\xa0\x80"));                /* U+D800, a surrogate */
        assert_false(utf8_valid("\xed\xbf\xbf"));                /* U+DFFF */
        assert_false(utf8_valid("\xf4\x90\x80\x80"));            /* U+110000 */
        assert_false(utf8_valid("\xf8\x88\x80\x80\x80"));        /* five bytes */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_invalid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
