/* test-logrank.c — the log-rank test and the arm-versus-control z against survdiff. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "interim/logrank.h"
#include "interim/numeric.h"
#include "refdata.h"

/*
 * survdiff(Surv(time, status == 1) ~ arm [+ strata(stratum)]): chisq, df and p from
 * logrank.csv; each present arm's observed, expected and variance row from arms.csv,
 * whose rows follow the same (set, stratified) order.  Absent arms must be all zero.
 */
static void test_survdiff(void **state) {
        static const char *const key[] = { "set", "stratified", NULL };
        RefTable *tests = reftable_load("logrank/logrank.csv"), *arms = reftable_load("logrank/arms.csv");
        RefSet set = { 0 };
        size_t a = 0;
        for (size_t i = 0; i < tests->n_rows; i++) {
                const char *name = reftable_str(tests, i, "set");
                const SurvTable *t = refset_get(&set, name);
                bool stratified = reftable_num(tests, i, "stratified") == 1;
                LogRank lr;
                assert_int_equal(logrank_init(&lr, t->n_arms), 0);
                assert_int_equal(logrank_test(&lr, t, stratified), 0);
                assert_int_equal(lr.df, reftable_num(tests, i, "df"));
                assert_ref(lr.chisq, reftable_num(tests, i, "chisq"), REF_TOL, "chisq %s stratified %d", name, stratified);
                assert_ref(lr.p, reftable_num(tests, i, "p"), REF_TOL, "p %s stratified %d", name, stratified);

                assert_string_equal(reftable_str(arms, a, "set"), name);
                size_t end = reftable_group_end(arms, a, key);
                bool present[3] = { false };
                for (; a < end; a++) {
                        size_t g = (size_t)reftable_num(arms, a, "arm");
                        present[g] = true;
                        assert_ref(lr.observed[g], reftable_num(arms, a, "observed"), REF_TOL, "O %s arm %zu", name, g);
                        assert_ref(lr.expected[g], reftable_num(arms, a, "expected"), REF_TOL, "E %s arm %zu", name, g);
                        for (size_t h = 0; h < t->n_arms; h++) {
                                char col[32];
                                snprintf(col, sizeof(col), "var_%zu", h);
                                double v = reftable_num(arms, a, col);
                                if (isnan(v)) /* an absent arm */
                                        assert_true(lr.var[g * t->n_arms + h] == 0);
                                else
                                        assert_ref(lr.var[g * t->n_arms + h], v, REF_TOL, "V %s arm %zu, %zu",
                                                   name, g, h);
                        }
                }
                for (size_t g = 0; g < t->n_arms; g++)
                        if (!present[g])
                                assert_true(lr.observed[g] == 0 && lr.expected[g] == 0);
                logrank_deinit(&lr);
        }
        assert_int_equal(a, arms->n_rows);
        refset_done(&set);
        reftable_free(tests);
        reftable_free(arms);
}

/* Each arm against arm 0 alone: survdiff on the two arms' patients, z = (E - O) / sqrt(V). */
static void test_pair_z(void **state) {
        RefTable *rt = reftable_load("logrank/z.csv");
        RefSet set = { 0 };
        for (size_t i = 0; i < rt->n_rows; i++) {
                const char *name = reftable_str(rt, i, "set");
                const SurvTable *t = refset_get(&set, name);
                size_t arm = (size_t)reftable_num(rt, i, "arm"), control = (size_t)reftable_num(rt, i, "control");
                bool stratified = reftable_num(rt, i, "stratified") == 1;
                LogRankZ z;
                assert_int_equal(logrank_z(t, arm, control, stratified, &z), 0);
                assert_ref(z.observed, reftable_num(rt, i, "observed"), REF_TOL, "O %s arm %zu", name, arm);
                assert_ref(z.expected, reftable_num(rt, i, "expected"), REF_TOL, "E %s arm %zu", name, arm);
                assert_ref(z.var, reftable_num(rt, i, "var"), REF_TOL, "V %s arm %zu", name, arm);
                assert_ref(z.z, reftable_num(rt, i, "z"), REF_TOL, "z %s arm %zu stratified %d", name, arm, stratified);
        }
        refset_done(&set);
        reftable_free(rt);
}

/* With two arms the pair's z squared is the test's chi-square, and its sign says who did better. */
static void test_z_matches_chisq(void **state) {
        RefSet set = { 0 };
        const SurvTable *t = refset_get(&set, "gbsg");
        LogRank lr;
        assert_int_equal(logrank_init(&lr, 2), 0);
        for (int stratified = 0; stratified < 2; stratified++) {
                LogRankZ z;
                assert_int_equal(logrank_test(&lr, t, stratified), 0);
                assert_int_equal(logrank_z(t, 1, 0, stratified, &z), 0);
                assert_ref(z.z * z.z, lr.chisq, REF_TOL, "z^2 stratified %d", stratified);
                assert_true(z.z > 0); /* tamoxifen had fewer recurrences than expected */
                assert_int_equal(logrank_z(t, 0, 1, stratified, &z), 0);
                assert_true(z.z < 0);
        }
        logrank_deinit(&lr);
        refset_done(&set);
}

/* What R cannot run: one patient, one arm; and arguments out of range. */
static void test_degenerate(void **state) {
        RefSet set = { 0 };
        const SurvTable *t = refset_get(&set, "edge-onepatient");
        LogRank lr;
        assert_int_equal(logrank_init(&lr, 1), 0);
        assert_int_equal(logrank_test(&lr, t, false), 0);
        assert_int_equal(lr.df, 0);
        assert_true(lr.chisq == 0 && isnan(lr.p));
        assert_true(lr.observed[0] == 1 && lr.expected[0] == 1 && lr.var[0] == 0);
        logrank_deinit(&lr);

        t = refset_get(&set, "aml");
        assert_int_equal(logrank_init(&lr, 3), 0);
        assert_int_equal(logrank_test(&lr, t, false), -EINVAL);
        logrank_deinit(&lr);
        logrank_deinit(NULL);
        assert_int_equal(logrank_init(&lr, 0), -EINVAL);
        LogRankZ z;
        assert_int_equal(logrank_z(t, 1, 1, false, &z), -EINVAL);
        assert_int_equal(logrank_z(t, 2, 0, false, &z), -EINVAL);
        refset_done(&set);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_survdiff),
                cmocka_unit_test(test_pair_z),
                cmocka_unit_test(test_z_matches_chisq),
                cmocka_unit_test(test_degenerate),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
