/* test-answered.c — the highest site_seq answered per site: notes, look-ups, growth over many sites. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "answered.h"

static void test_sites(void **state) {
        (void)state;
        Answered a = { 0 };
        assert_int_equal(answered_max(&a, "S01"), 0);
        assert_int_equal(answered_note(&a, "S01", 5), 0);
        assert_int_equal(answered_note(&a, "S01", 3), 0); /* a lower key, refused or resent: the highest stays */
        assert_int_equal(answered_note(&a, "S02", 1), 0);
        assert_int_equal(answered_note(&a, "S01", 9), 0);
        assert_int_equal(answered_max(&a, "S01"), 9);
        assert_int_equal(answered_max(&a, "S02"), 1);
        assert_int_equal(answered_max(&a, "S03"), 0);
        assert_int_equal(answered_max(&a, "S0"), 0);
        assert_int_equal(answered_max(&a, ""), 0);
        assert_int_equal(a.n, 2);
        answered_clear(&a);
        assert_int_equal(a.n, 0);
        assert_int_equal(answered_max(&a, "S01"), 0);
}

/* Sites noted in a scrambled order, each several times, across many doublings of the table. */
static void test_many_sites(void **state) {
        (void)state;
        enum { SITES = 20000 };
        Answered a = { 0 };
        char name[32];
        for (int round = 1; round <= 3; round++)
                for (uint32_t i = 0; i < SITES; i++) {
                        uint32_t k = (i * 7919u) % SITES; /* 7919 is prime: every site once a round */
                        snprintf(name, sizeof(name), "site-%u", k);
                        assert_int_equal(answered_note(&a, name, (int64_t)k * 10 + round), 0);
                }
        assert_int_equal(a.n, SITES);
        assert_true(a.capacity >= 2 * a.n);
        for (uint32_t k = 0; k < SITES; k++) {
                snprintf(name, sizeof(name), "site-%u", k);
                assert_int_equal(answered_max(&a, name), (int64_t)k * 10 + 3);
        }
        assert_int_equal(answered_max(&a, "site-20000"), 0);
        answered_clear(&a);
}

int main(void) {
        if (sodium_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sites),
                cmocka_unit_test(test_many_sites),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
