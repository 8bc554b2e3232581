/* test-cif.c — cumulative incidence and Gray's test against cmprsk::cuminc (tests/reference/cif/make-cif.R). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "interim/cif.h"
#include "interim/numeric.h"
#include "refdata.h"

static RefTable *curves, *points, *tests;

static int load_refs(void **state) {
        curves = reftable_load("cif/curves.csv");
        points = reftable_load("cif/timepoints.csv");
        tests = reftable_load("cif/tests.csv");
        return 0;
}

static int free_refs(void **state) {
        reftable_free(curves);
        reftable_free(points);
        reftable_free(tests);
        return 0;
}

static bool row_is(const RefTable *rt, size_t row, const char *set, int arm) {
        return strcmp(reftable_str(rt, row, "set"), set) == 0 && (int)reftable_num(rt, row, "arm") == arm;
}

/* Compares the curve of one selection with cuminc's rows and timepoints(); returns the values compared. */
static size_t check_curve(const SurvTable *t, const char *set, int arm, CifCurve *c) {
        assert_int_equal(cif_estimate(t, arm, c), 0);
        size_t k = 0, compared = 0;
        for (size_t i = 0; i < curves->n_rows; i++) {
                if (!row_is(curves, i, set, arm))
                        continue;
                assert_true(k < c->n);
                assert_int_equal(c->time[k], (int32_t)reftable_num(curves, i, "time"));
                assert_ref(c->estimate[k], reftable_num(curves, i, "estimate"), REF_TOL, "%s arm %d estimate on day %d",
                           set, arm, c->time[k]);
                assert_ref(c->variance[k], reftable_num(curves, i, "variance"), REF_TOL, "%s arm %d variance on day %d",
                           set, arm, c->time[k]);
                k++;
        }
        assert_int_equal(c->n, k);
        compared += k;
        for (size_t i = 0; i < points->n_rows; i++) {
                if (!row_is(points, i, set, arm))
                        continue;
                int32_t day = (int32_t)reftable_num(points, i, "day");
                double est, var;
                cif_at(c, day, &est, &var);
                assert_ref(est, reftable_num(points, i, "estimate"), REF_TOL, "%s arm %d estimate at day %d", set, arm, day);
                assert_ref(var, reftable_num(points, i, "variance"), REF_TOL, "%s arm %d variance at day %d", set, arm, day);
                compared++;
        }
        return compared;
}

static size_t check_tests(const SurvTable *t, const char *set) {
        GrayWork w;
        gray_init(&w);
        size_t compared = 0;
        for (size_t i = 0; i < tests->n_rows; i++) {
                if (strcmp(reftable_str(tests, i, "set"), set) != 0)
                        continue;
                bool stratified = reftable_num(tests, i, "stratified") != 0;
                double rho = reftable_num(tests, i, "rho");
                GrayTest g;
                assert_int_equal(gray_test(t, stratified, rho, &w, &g), 0);
                assert_int_equal(g.df, (unsigned)reftable_num(tests, i, "df"));
                assert_ref(g.stat, reftable_num(tests, i, "stat"), REF_TOL, "%s stratified %d rho %g stat", set,
                           stratified, rho);
                assert_ref(g.p, reftable_num(tests, i, "p"), REF_TOL, "%s stratified %d rho %g p", set, stratified, rho);
                compared++;
        }
        gray_deinit(&w);
        return compared;
}

/* Every arm and the pooled curve, then every test row, of one data set; one curve reused throughout. */
static void check_set(const char *set) {
        SurvTable t;
        refdata_load_table(set, 0, 0, &t);
        CifCurve c;
        cif_init(&c);
        size_t compared = check_curve(&t, set, SURV_ALL, &c);
        for (size_t a = 0; a < t.n_arms; a++)
                compared += check_curve(&t, set, (int)a, &c);
        assert_true(compared > 0);
        assert_int_equal(check_tests(&t, set) > 0, t.n_arms > 1);
        cif_deinit(&c);
        survtable_deinit(&t);
}

static void test_pbc(void **state) {
        check_set("pbc");
}

static void test_mgus2(void **state) {
        check_set("mgus2");
}

static void test_colon_three_arms(void **state) {
        check_set("colon-cr");
}

static void test_edge_cmptie(void **state) {
        check_set("edge-cmptie");
}

static void test_edge_cmpempty(void **state) {
        /* An arm absent from a stratum, and an arm emptied by tied deaths of both causes. */
        check_set("edge-cmpempty");
}

static void test_edge_day0(void **state) {
        check_set("edge-day0");
}

static void test_edge_onetime(void **state) {
        /* Every event on one day: cuminc's variance matrix is singular, stat -1 and p 1. */
        check_set("edge-onetime");
}

static void test_edge_emptyarm(void **state) {
        check_set("edge-emptyarm");
        SurvTable t;
        refdata_load_table("edge-emptyarm", 0, 0, &t);
        CifCurve c;
        cif_init(&c);
        assert_int_equal(cif_estimate(&t, 1, &c), 0);
        assert_int_equal(c.n, 0);
        assert_int_equal(c.follow_up, -1);
        double est, var;
        cif_at(&c, 0, &est, &var);
        assert_true(isnan(est) && isnan(var));
        assert_int_equal(cif_estimate(&t, 3, &c), -EINVAL);
        assert_int_equal(cif_estimate(&t, -2, &c), -EINVAL);
        cif_deinit(&c);
        survtable_deinit(&t);
}

static void test_edge_onepatient(void **state) {
        check_set("edge-onepatient");
        SurvTable t;
        refdata_load_table("edge-onepatient", 0, 0, &t);
        GrayWork w;
        gray_init(&w);
        GrayTest g;
        assert_int_equal(gray_test(&t, false, 0, &w, &g), 0);
        assert_int_equal(g.df, 0);
        assert_true(isnan(g.stat) && isnan(g.p));
        gray_deinit(&w);
        survtable_deinit(&t);
}

/* Gray's test of t, stratified or not, is none: df 0, NaN statistic and p. */
static void assert_no_gray_test(const SurvTable *t, GrayWork *w) {
        for (int stratified = 0; stratified < 2; stratified++) {
                GrayTest g;
                assert_int_equal(gray_test(t, stratified, 0, w, &g), 0);
                assert_int_equal(g.df, 0);
                assert_true(isnan(g.stat) && isnan(g.p));
        }
}

static void test_edge_allcensored(void **state) {
        /*
         * cuminc stops on data without any event ("NAs in foreign function call"): no
         * test.  The curve is then 0 up to the last follow-up.
         */
        SurvTable t;
        refdata_load_table("edge-allcensored", 0, 0, &t);
        CifCurve c;
        cif_init(&c);
        assert_int_equal(cif_estimate(&t, SURV_ALL, &c), 0);
        assert_int_equal(c.n, 0);
        assert_int_equal(c.follow_up, 9);
        double est, var;
        cif_at(&c, 9, &est, &var);
        assert_true(est == 0 && var == 0);
        cif_at(&c, 10, &est, &var);
        assert_true(isnan(est) && isnan(var));
        assert_int_equal(cif_estimate(&t, 0, &c), 0);
        assert_int_equal(c.follow_up, 5);
        cif_deinit(&c);

        GrayWork w;
        gray_init(&w);
        assert_no_gray_test(&t, &w);
        gray_deinit(&w);
        survtable_deinit(&t);
}

static void test_edge_nocause1(void **state) {
        /*
         * Competing events only: cuminc(time, status, arm, cencode = 0)$Tests has a row for
         * cause 2 alone (stat 0.0099, p 0.92), none for cause 1.  A test done after one
         * with events, in the same workspace, gives none either.
         */
        SurvTable t, pbc;
        refdata_load_table("edge-nocause1", 0, 0, &t);
        refdata_load_table("pbc", 0, 0, &pbc);
        GrayWork w;
        gray_init(&w);
        GrayTest g;
        assert_int_equal(gray_test(&pbc, false, 0, &w, &g), 0);
        assert_true(g.df == 1 && isfinite(g.stat));
        assert_no_gray_test(&t, &w);
        gray_deinit(&w);
        survtable_deinit(&t);
        survtable_deinit(&pbc);
}

static void test_reuses_memory(void **state) {
        /* A smaller table after a larger one, and a second test, allocate nothing. */
        SurvTable big, small;
        refdata_load_table("colon-cr", 0, 0, &big);
        refdata_load_table("edge-cmptie", 0, 0, &small);
        CifCurve c;
        cif_init(&c);
        assert_int_equal(cif_estimate(&big, SURV_ALL, &c), 0);
        int32_t *time = c.time;
        double *est = c.estimate, *var = c.variance;
        size_t capacity = c.capacity;
        assert_int_equal(cif_estimate(&small, 1, &c), 0);
        assert_ptr_equal(c.time, time);
        assert_ptr_equal(c.estimate, est);
        assert_ptr_equal(c.variance, var);
        assert_int_equal(c.capacity, capacity);
        cif_deinit(&c);
        assert_null(c.time);

        GrayWork w;
        gray_init(&w);
        GrayTest g;
        assert_int_equal(gray_test(&big, true, 0, &w, &g), 0);
        double *buf = w.buf;
        size_t *arm = w.arm;
        assert_int_equal(gray_test(&small, false, 0, &w, &g), 0);
        assert_ptr_equal(w.buf, buf);
        assert_ptr_equal(w.arm, arm);
        gray_deinit(&w);
        gray_deinit(NULL);
        cif_deinit(NULL);
        survtable_deinit(&big);
        survtable_deinit(&small);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests_[] = {
                cmocka_unit_test(test_pbc),
                cmocka_unit_test(test_mgus2),
                cmocka_unit_test(test_colon_three_arms),
                cmocka_unit_test(test_edge_cmptie),
                cmocka_unit_test(test_edge_cmpempty),
                cmocka_unit_test(test_edge_day0),
                cmocka_unit_test(test_edge_onetime),
                cmocka_unit_test(test_edge_emptyarm),
                cmocka_unit_test(test_edge_onepatient),
                cmocka_unit_test(test_edge_allcensored),
                cmocka_unit_test(test_edge_nocause1),
                cmocka_unit_test(test_reuses_memory),
        };
        return cmocka_run_group_tests(tests_, load_refs, free_refs);
}
