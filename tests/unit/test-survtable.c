/* test-survtable.c — building the per-time count table from patient records. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "interim/survtable.h"

static void test_from_records(void **state) {
        /* Two arms, two strata; ties at day 5 across cells, an event at day 0. */
        const int32_t time[] = { 5, 0, 5, 9, 5, 12, 9 };
        const uint8_t outcome[] = { OUTCOME_EVENT, OUTCOME_EVENT, OUTCOME_CENSORED, OUTCOME_COMPETING,
                                    OUTCOME_EVENT, OUTCOME_CENSORED, OUTCOME_EVENT };
        const uint16_t arm[] = { 0, 1, 0, 1, 1, 0, 0 };
        const uint16_t stratum[] = { 0, 0, 1, 1, 0, 0, 0 };
        SurvTable t;
        assert_int_equal(survtable_init(&t, 2, 2), 0);
        assert_int_equal(survtable_from_records(&t, 7, time, outcome, arm, stratum), 0);

        assert_int_equal(t.n_times, 4);
        assert_int_equal(t.time[0], 0);
        assert_int_equal(t.time[1], 5);
        assert_int_equal(t.time[2], 9);
        assert_int_equal(t.time[3], 12);
        assert_int_equal(survtable_size(&t, 0, 0), 3);
        assert_int_equal(survtable_size(&t, 0, 1), 2);
        assert_int_equal(survtable_size(&t, 1, 0), 1);
        assert_int_equal(survtable_size(&t, 1, 1), 1);
        /* stratum 0, arm 0: patients at 5 (event), 12 (censored), 9 (event). */
        assert_int_equal(survtable_at_risk(&t, 1, 0, 0), 3);
        assert_int_equal(survtable_counts(&t, 1, 0, 0)[OUTCOME_EVENT], 1);
        assert_int_equal(survtable_at_risk(&t, 2, 0, 0), 2);
        assert_int_equal(survtable_at_risk(&t, 3, 0, 0), 1);
        assert_int_equal(survtable_counts(&t, 3, 0, 0)[OUTCOME_CENSORED], 1);

        uint32_t k[OUTCOME_KINDS];
        assert_int_equal(survtable_select(&t, 1, SURV_ALL, SURV_ALL, k), 6);
        assert_int_equal(k[OUTCOME_EVENT], 2);
        assert_int_equal(k[OUTCOME_CENSORED], 1);
        assert_int_equal(survtable_select(&t, 2, 1, SURV_ALL, k), 1);
        assert_int_equal(k[OUTCOME_COMPETING], 1);
        survtable_deinit(&t);
}

/* The same records, their times spread a thousandfold: indexed by day, then sorted; the same table but for the times. */
static void test_sparse_times(void **state) {
        enum { N = 2000, SPREAD = 1000 };
        static int32_t time[N], spread[N];
        static uint8_t outcome[N];
        static uint16_t arm[N], stratum[N];
        uint32_t x = 2108;
        for (size_t i = 0; i < N; i++) {
                x = x * 1103515245u + 12345u;
                time[i] = (int32_t)(x >> 8) % 3000;
                spread[i] = time[i] * SPREAD;
                outcome[i] = (uint8_t)(x % OUTCOME_KINDS);
                arm[i] = (uint16_t)(x >> 4) % 3;
                stratum[i] = (uint16_t)(x >> 6) % 2;
        }
        SurvTable a, b;
        assert_int_equal(survtable_init(&a, 2, 3), 0);
        assert_int_equal(survtable_init(&b, 2, 3), 0);
        assert_int_equal(survtable_from_records(&a, N, time, outcome, arm, stratum), 0);
        assert_int_equal(survtable_from_records(&b, N, spread, outcome, arm, stratum), 0);
        assert_true(a.n_times > 1000);
        assert_int_equal(a.n_times, b.n_times);
        uint32_t total = 0;
        for (size_t i = 0; i < a.n_times; i++) {
                assert_true(i == 0 || a.time[i] > a.time[i - 1]);
                assert_int_equal(b.time[i], a.time[i] * SPREAD);
                for (size_t s = 0; s < 2; s++)
                        for (size_t c = 0; c < 3; c++) {
                                assert_memory_equal(survtable_counts(&a, i, s, c), survtable_counts(&b, i, s, c),
                                                    OUTCOME_KINDS * sizeof(uint32_t));
                                assert_int_equal(survtable_at_risk(&a, i, s, c), survtable_at_risk(&b, i, s, c));
                                for (size_t o = 0; o < OUTCOME_KINDS; o++)
                                        total += survtable_counts(&a, i, s, c)[o];
                        }
        }
        assert_int_equal(total, N);
        /* A record at each end of the day index: day 0 and the largest. */
        const int32_t ends[] = { 8 * 2 + 1024, 0 };
        assert_int_equal(survtable_from_records(&a, 2, ends, outcome, arm, stratum), 0);
        assert_int_equal(a.n_times, 2);
        assert_int_equal(a.time[0], 0);
        assert_int_equal(a.time[1], 8 * 2 + 1024);
        survtable_deinit(&a);
        survtable_deinit(&b);
}

static void test_rejects_bad_records(void **state) {
        const int32_t time[] = { 3, -1 };
        const uint8_t outcome[] = { 0, 1 };
        const uint16_t cell[] = { 0, 0 };
        SurvTable t;
        assert_int_equal(survtable_init(&t, 1, 1), 0);
        assert_int_equal(survtable_from_records(&t, 2, time, outcome, cell, cell), -EINVAL);
        const uint16_t arm[] = { 0, 1 };
        const int32_t ok[] = { 3, 4 };
        assert_int_equal(survtable_from_records(&t, 2, ok, outcome, arm, cell), -EINVAL);
        uint32_t *row;
        assert_int_equal(survtable_append(&t, 4, &row), 0);
        assert_int_equal(survtable_append(&t, 4, &row), -EINVAL);
        survtable_deinit(&t);
        assert_int_equal(survtable_init(&t, 0, 2), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_from_records),
                cmocka_unit_test(test_sparse_times),
                cmocka_unit_test(test_rejects_bad_records),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
