/* test-date.c — YYYY-MM-DD parsing and formatting. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "interim/date.h"

static void test_known_days(void **state) {
        int32_t d;
        assert_int_equal(date_parse("1970-01-01", &d), 0);
        assert_int_equal(d, 0);
        assert_int_equal(date_parse("2011-03-02", &d), 0);
        assert_int_equal(d, 15035); /* as.integer(as.Date("2011-03-02")) in R */
        assert_int_equal(date_parse("2000-02-29", &d), 0);
        assert_int_equal(d, 11016);
        assert_int_equal(date_parse("1969-12-31", &d), 0);
        assert_int_equal(d, -1);
}

static void test_round_trip(void **state) {
        char buf[11];
        for (int32_t d = -25567; d < 80000; d += 7) { /* 1900-01-01 .. 2189 */
                int32_t back;
                date_format(d, buf);
                assert_int_equal(date_parse(buf, &back), 0);
                assert_int_equal(back, d);
        }
        date_format(15035, buf);
        assert_string_equal(buf, "2011-03-02");
}

static void test_rejects(void **state) {
        const char *bad[] = { "", "2011-3-02", "2011-02-29", "1900-02-29", "2011-13-01", "2011-00-10",
                              "2011-04-31", "2011-03-02 ", "20110302", "1899-12-31", "2011/03/02", "2011-03-0x" };
        int32_t d = 42;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                assert_int_equal(date_parse(bad[i], &d), -EINVAL);
                assert_int_equal(d, 42);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_known_days),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_rejects),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
