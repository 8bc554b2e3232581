/* test-rmst.c — restricted mean survival and its arm difference against print(fit, rmean = tau). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "interim/km.h"
#include "interim/numeric.h"
#include "refdata.h"

/* summary(fit, rmean = tau)$table: tau at the first time, mid-way, at the last event and time, past the end. */
static void test_rmst(void **state) {
        static const char *const key[] = { "set", "arm", "stratum", NULL };
        RefTable *rt = reftable_load("km/rmst.csv");
        RefSet set = { 0 };
        KmCurve c;
        km_init(&c);
        for (size_t g = 0; g < rt->n_rows;) {
                size_t end = reftable_group_end(rt, g, key);
                const SurvTable *t = refset_get(&set, reftable_str(rt, g, "set"));
                assert_int_equal(km_fit(&c, t, (int)reftable_num(rt, g, "arm"), (int)reftable_num(rt, g, "stratum"),
                                        KM_SURVIVAL, KM_CONF_LOG, 0.95),
                                 0);
                for (size_t i = g; i < end; i++) {
                        KmRmst r;
                        double tau = reftable_num(rt, i, "tau");
                        assert_int_equal(km_rmst(&c, tau, &r), 0);
                        assert_ref(r.rmean, reftable_num(rt, i, "rmean"), REF_TOL, "rmean %s arm %s stratum %s tau %g",
                                   reftable_str(rt, i, "set"), reftable_str(rt, i, "arm"),
                                   reftable_str(rt, i, "stratum"), tau);
                        assert_ref(r.std_err, reftable_num(rt, i, "se"), REF_TOL, "se %s arm %s stratum %s tau %g",
                                   reftable_str(rt, i, "set"), reftable_str(rt, i, "arm"),
                                   reftable_str(rt, i, "stratum"), tau);
                }
                g = end;
        }
        km_deinit(&c);
        refset_done(&set);
        reftable_free(rt);
}

/* Arm minus control from the two survfit rmeans, at conf.int 0.95 and 0.90. */
static void test_rmst_diff(void **state) {
        RefTable *rt = reftable_load("km/rmstdiff.csv");
        RefSet set = { 0 };
        KmCurve arm, control;
        km_init(&arm);
        km_init(&control);
        for (size_t i = 0; i < rt->n_rows; i++) {
                const SurvTable *t = refset_get(&set, reftable_str(rt, i, "set"));
                double tau = reftable_num(rt, i, "tau");
                KmRmst ra, rc;
                KmRmstDiff d;
                assert_int_equal(km_fit(&arm, t, (int)reftable_num(rt, i, "arm"), SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
                assert_int_equal(km_fit(&control, t, (int)reftable_num(rt, i, "control"), SURV_ALL, KM_SURVIVAL,
                                        KM_CONF_LOG, 0.95),
                                 0);
                assert_int_equal(km_rmst(&arm, tau, &ra), 0);
                assert_int_equal(km_rmst(&control, tau, &rc), 0);
                assert_int_equal(km_rmst_diff(&ra, &rc, reftable_num(rt, i, "conf_level"), &d), 0);
                const char *what[] = { "diff", "se", "lower", "upper", "p" };
                double got[] = { d.diff, d.std_err, d.lower, d.upper, d.p };
                for (size_t k = 0; k < 5; k++)
                        assert_ref(got[k], reftable_num(rt, i, what[k]), REF_TOL, "%s %s arm %s tau %g level %s",
                                   what[k], reftable_str(rt, i, "set"), reftable_str(rt, i, "arm"), tau,
                                   reftable_str(rt, i, "conf_level"));
        }
        km_deinit(&arm);
        km_deinit(&control);
        refset_done(&set);
        reftable_free(rt);
}

/* By hand: edge-onetime's arm 0 (three deaths at day 4) has area 4 whatever tau past it. */
static void test_edges(void **state) {
        RefSet set = { 0 };
        KmCurve c;
        km_init(&c);
        KmRmst r;
        assert_int_equal(km_fit(&c, refset_get(&set, "edge-onetime"), 0, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        assert_int_equal(km_rmst(&c, 3, &r), 0);
        assert_ref(r.rmean, 3, 0, "rmean before the only time");
        assert_ref(r.std_err, 0, 0, "se before the only time");
        assert_int_equal(km_rmst(&c, 100, &r), 0);
        assert_ref(r.rmean, 4, 0, "rmean past the end");
        assert_ref(r.std_err, 0, 0, "se past the end");
        assert_int_equal(km_rmst(&c, -1, &r), -EINVAL);

        assert_int_equal(km_fit(&c, refset_get(&set, "edge-emptyarm"), 1, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        assert_int_equal(km_rmst(&c, 10, &r), 0);
        assert_true(isnan(r.rmean) && isnan(r.std_err));

        KmRmstDiff d;
        KmRmst a = { .tau = 10, .rmean = 7, .std_err = 1 }, b = { .tau = 10, .rmean = 5, .std_err = 1 };
        assert_int_equal(km_rmst_diff(&a, &b, 1, &d), -EINVAL);
        km_deinit(&c);
        refset_done(&set);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rmst),
                cmocka_unit_test(test_rmst_diff),
                cmocka_unit_test(test_edges),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
