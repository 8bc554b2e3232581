/* test-kmquantile.c — Kaplan–Meier quantiles and their limits against quantile.survfit. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "interim/km.h"
#include "interim/numeric.h"
#include "refdata.h"

static const double quartiles[] = { 0.25, 0.5, 0.75 };

/*
 * quantile(fit, probs = c(0.25, 0.5, 0.75)) for every curve of quantiles.csv of the
 * given mode (1 for the reverse curves: median follow-up) under all three conf.types
 * at conf.int 0.95 and 0.90.  Returns the number of curves checked.
 */
static size_t check_quantiles(int reverse) {
        static const char *const key[] = { "set", "arm", "stratum", "reverse", "conf_type", "conf_level", NULL };
        RefTable *rt = reftable_load("km/quantiles.csv");
        RefSet set = { 0 };
        KmCurve c;
        km_init(&c);
        size_t curves = 0;
        for (size_t g = 0; g < rt->n_rows;) {
                size_t end = reftable_group_end(rt, g, key);
                assert_int_equal(end - g, 3);
                if (reftable_num(rt, g, "reverse") != reverse) {
                        g = end;
                        continue;
                }
                int type = km_conf_type_from_name(reftable_str(rt, g, "conf_type"));
                assert_true(type >= 0);
                const SurvTable *t = refset_get(&set, reftable_str(rt, g, "set"));
                assert_int_equal(km_fit(&c, t, (int)reftable_num(rt, g, "arm"), (int)reftable_num(rt, g, "stratum"),
                                        reverse ? KM_REVERSE : KM_SURVIVAL, (KmConfType)type,
                                        reftable_num(rt, g, "conf_level")),
                                 0);
                KmQuantile q[3];
                assert_int_equal(km_quantiles(&c, 3, quartiles, q), 0);
                for (size_t i = g; i < end; i++) {
                        assert_ref(quartiles[i - g], reftable_num(rt, i, "prob"), 0, "prob");
                        const char *what[] = { "quantile", "lower", "upper" };
                        double got[] = { q[i - g].time, q[i - g].lower, q[i - g].upper };
                        for (size_t k = 0; k < 3; k++)
                                assert_ref(got[k], reftable_num(rt, i, what[k]), REF_TOL,
                                           "%s %s arm %s stratum %s %s %s p %s", what[k],
                                           reftable_str(rt, i, "set"), reftable_str(rt, i, "arm"),
                                           reftable_str(rt, i, "stratum"), reftable_str(rt, i, "conf_type"),
                                           reftable_str(rt, i, "conf_level"), reftable_str(rt, i, "prob"));
                }
                curves++;
                g = end;
        }
        km_deinit(&c);
        refset_done(&set);
        reftable_free(rt);
        return curves;
}

static void test_quantiles(void **state) {
        assert_true(check_quantiles(0) > 300);
}

/* Median follow-up: quantiles of survfit(Surv(time, status == 0) ~ 1). */
static void test_median_follow_up(void **state) {
        assert_true(check_quantiles(1) >= 14 * 6);
}

/*
 * The cases the rule is for, as R prints them: edge-flathalf's arms sit at exactly 0.5
 * from day 2 (arm 0) and day 7 (arm 1) to their last times 5 and 9, giving medians 3.5
 * and 8 (print.survfit would say 2 and 7); edge-neverhalf pooled and its arm 1 end
 * above 0.5 (at 0.514 and 0.667), so their medians do not exist.
 */
static void test_flat_and_missing_median(void **state) {
        RefSet set = { 0 };
        KmCurve c;
        km_init(&c);
        const double half = 0.5;
        KmQuantile q;
        const SurvTable *t = refset_get(&set, "edge-flathalf");
        assert_int_equal(km_fit(&c, t, 0, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        assert_int_equal(km_quantiles(&c, 1, &half, &q), 0);
        assert_ref(q.time, 3.5, 0, "flat median arm 0");
        assert_ref(q.lower, 1, 0, "flat median lower arm 0");
        assert_true(isnan(q.upper));
        assert_int_equal(km_fit(&c, t, 1, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        assert_int_equal(km_quantiles(&c, 1, &half, &q), 0);
        assert_ref(q.time, 8, 0, "flat median arm 1");

        t = refset_get(&set, "edge-neverhalf");
        for (int arm = SURV_ALL; arm < 2; arm += 2) {
                assert_int_equal(km_fit(&c, t, arm, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
                KmQuantile qs[3];
                assert_int_equal(km_quantiles(&c, 3, quartiles, qs), 0);
                assert_true(isnan(qs[1].time) && isnan(qs[2].time));
        }
        km_deinit(&c);
        refset_done(&set);
}

/* A one-cell table from counts per day: the crafted curves of make-km.R. */
static void counts_table(SurvTable *t, size_t n, const int32_t *days, const uint32_t *events,
                         const uint32_t *censored) {
        assert_int_equal(survtable_init(t, 1, 1), 0);
        for (size_t i = 0; i < n; i++) {
                uint32_t *k;
                assert_int_equal(survtable_append(t, days[i], &k), 0);
                k[OUTCOME_EVENT] = events[i];
                k[OUTCOME_CENSORED] = censored[i];
        }
        assert_int_equal(survtable_seal(t), 0);
}

/*
 * quantile(fit, probs) for the sets of probs.csv: p = 0 (time 0, or NA when the line is
 * flat at 0), p = 1e-9 below the tolerance, p = 1; nearhalf, whose S ends 5e-9 above
 * 0.5 so that its median is NA alone but the midpoint 6 beside 0.25; and the limit
 * lines whose last distinct value is an earlier one's copy (NA, or a cap at 1) dropped.
 */
static void test_probability_sets(void **state) {
        static const char *const key[] = { "set", "arm", "conf_type", "probs", NULL };
        RefTable *rt = reftable_load("km/probs.csv");
        RefSet set = { 0 };
        /* nearhalf: S ends 5e-9 above 0.5; nanlast and capped: see make-km.R. */
        SurvTable nearhalf, nanlast, capped;
        counts_table(&nearhalf, 2, (const int32_t[]){ 5, 7 }, (const uint32_t[]){ 50000000, 0 },
                     (const uint32_t[]){ 0, 50000001 });
        counts_table(&nanlast, 3, (const int32_t[]){ 1, 3, 5 }, (const uint32_t[]){ 0, 1, 1 },
                     (const uint32_t[]){ 1, 0, 0 });
        counts_table(&capped, 4, (const int32_t[]){ 1, 2, 3, 4 }, (const uint32_t[]){ 50, 0, 1, 0 },
                     (const uint32_t[]){ 0, 48, 0, 1 });
        KmCurve c;
        km_init(&c);
        size_t groups = 0;
        for (size_t g = 0; g < rt->n_rows; groups++) {
                size_t end = reftable_group_end(rt, g, key);
                const char *name = reftable_str(rt, g, "set");
                const SurvTable *t = strcmp(name, "nearhalf") == 0 ? &nearhalf
                                     : strcmp(name, "nanlast") == 0 ? &nanlast
                                     : strcmp(name, "capped") == 0  ? &capped
                                                                    : refset_get(&set, name);
                int type = km_conf_type_from_name(reftable_str(rt, g, "conf_type"));
                assert_true(type >= 0);
                assert_int_equal(km_fit(&c, t, (int)reftable_num(rt, g, "arm"), SURV_ALL, KM_SURVIVAL,
                                        (KmConfType)type, 0.95),
                                 0);
                double probs[8];
                KmQuantile q[8];
                assert_true(end - g <= 8);
                for (size_t i = g; i < end; i++)
                        probs[i - g] = reftable_num(rt, i, "prob");
                assert_int_equal(km_quantiles(&c, end - g, probs, q), 0);
                for (size_t i = g; i < end; i++) {
                        const char *what[] = { "quantile", "lower", "upper" };
                        double got[] = { q[i - g].time, q[i - g].lower, q[i - g].upper };
                        for (size_t k = 0; k < 3; k++)
                                assert_ref(got[k], reftable_num(rt, i, what[k]), REF_TOL, "%s %s %s probs %s p %s",
                                           what[k], name, reftable_str(rt, i, "conf_type"),
                                           reftable_str(rt, i, "probs"), reftable_str(rt, i, "prob"));
                }
                g = end;
        }
        assert_int_equal(groups, 5 * 2 * 3 + 2);
        km_deinit(&c);
        survtable_deinit(&nearhalf);
        survtable_deinit(&nanlast);
        survtable_deinit(&capped);
        refset_done(&set);
        reftable_free(rt);
}

static void test_empty_and_invalid(void **state) {
        RefSet set = { 0 };
        KmCurve c;
        km_init(&c);
        assert_int_equal(km_fit(&c, refset_get(&set, "edge-emptyarm"), 1, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        KmQuantile q[3];
        assert_int_equal(km_quantiles(&c, 3, quartiles, q), 0);
        for (size_t i = 0; i < 3; i++)
                assert_true(isnan(q[i].time) && isnan(q[i].lower) && isnan(q[i].upper));
        const double bad[] = { 0.5, 1.5 }, nan[] = { NAN };
        assert_int_equal(km_quantiles(&c, 2, bad, q), -EINVAL);
        assert_int_equal(km_quantiles(&c, 1, nan, q), -EINVAL);
        km_deinit(&c);
        refset_done(&set);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_quantiles),
                cmocka_unit_test(test_median_follow_up),
                cmocka_unit_test(test_flat_and_missing_median),
                cmocka_unit_test(test_probability_sets),
                cmocka_unit_test(test_empty_and_invalid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
