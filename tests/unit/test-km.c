/* test-km.c — Kaplan–Meier curves and landmark survival against survfit and summary.survfit. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "interim/km.h"
#include "interim/numeric.h"
#include "refdata.h"

/* The columns naming one fitted curve in the reference files. */
static const char *const curve_key[] = { "set", "arm", "stratum", "reverse", NULL };

/* Fits the curve named by reference row i (R's -1 is SURV_ALL). */
static void fit_row(KmCurve *c, RefSet *set, const RefTable *rt, size_t i, KmConfType type, double level) {
        const SurvTable *t = refset_get(set, reftable_str(rt, i, "set"));
        KmMode mode = reftable_num(rt, i, "reverse") == 1 ? KM_REVERSE : KM_SURVIVAL;
        assert_int_equal(km_fit(c, t, (int)reftable_num(rt, i, "arm"), (int)reftable_num(rt, i, "stratum"),
                                mode, type, level),
                         0);
}

#define ROW_FMT "%s arm %s stratum %s reverse %s row %zu"
#define ROW_ARGS(rt, i, j)                                                                       \
        reftable_str(rt, i, "set"), reftable_str(rt, i, "arm"), reftable_str(rt, i, "stratum"), \
                reftable_str(rt, i, "reverse"), (size_t)(j)

/* survfit(..., conf.type=, conf.int=): every row, its counts and each setting's limits. */
static void test_curves(void **state) {
        static const struct {
                const char *tag;
                KmConfType type;
                double level;
        } confs[] = {
                { "plain_95", KM_CONF_PLAIN, 0.95 },
                { "log_95", KM_CONF_LOG, 0.95 },
                { "loglog_95", KM_CONF_LOGLOG, 0.95 },
                { "loglog_90", KM_CONF_LOGLOG, 0.90 },
        };
        RefTable *rt = reftable_load("km/curves.csv");
        RefSet set = { 0 };
        KmCurve c;
        km_init(&c);
        size_t curves = 0;
        for (size_t g = 0; g < rt->n_rows; curves++) {
                size_t end = reftable_group_end(rt, g, curve_key);
                for (size_t k = 0; k < sizeof(confs) / sizeof(confs[0]); k++) {
                        fit_row(&c, &set, rt, g, confs[k].type, confs[k].level);
                        assert_int_equal(c.n_rows, end - g);
                        assert_int_equal(c.n, reftable_num(rt, g, "n_risk"));
                        char lower[32], upper[32];
                        snprintf(lower, sizeof(lower), "lower_%s", confs[k].tag);
                        snprintf(upper, sizeof(upper), "upper_%s", confs[k].tag);
                        for (size_t i = g; i < end; i++) {
                                size_t j = i - g;
                                assert_int_equal(c.time[j], reftable_num(rt, i, "time"));
                                assert_int_equal(c.n_risk[j], reftable_num(rt, i, "n_risk"));
                                assert_int_equal(c.n_event[j], reftable_num(rt, i, "n_event"));
                                assert_int_equal(c.n_censor[j], reftable_num(rt, i, "n_censor"));
                                assert_ref(c.surv[j], reftable_num(rt, i, "surv"), REF_TOL, "surv " ROW_FMT,
                                           ROW_ARGS(rt, i, j));
                                assert_ref(c.std_err[j], reftable_num(rt, i, "std_err"), REF_TOL,
                                           "std_err " ROW_FMT, ROW_ARGS(rt, i, j));
                                assert_ref(c.lower[j], reftable_num(rt, i, lower), REF_TOL, "%s " ROW_FMT,
                                           lower, ROW_ARGS(rt, i, j));
                                assert_ref(c.upper[j], reftable_num(rt, i, upper), REF_TOL, "%s " ROW_FMT,
                                           upper, ROW_ARGS(rt, i, j));
                        }
                }
                g = end;
        }
        assert_true(curves > 60);
        km_deinit(&c);
        refset_done(&set);
        reftable_free(rt);
}

/* summary(fit, times = days, extend = TRUE): before the first event, on and between rows, past the end. */
static void test_landmarks(void **state) {
        static const char *const key[] = { "set", "arm", "stratum", "reverse", "conf_type", "conf_level", NULL };
        RefTable *rt = reftable_load("km/landmarks.csv");
        RefSet set = { 0 };
        KmCurve c;
        km_init(&c);
        for (size_t g = 0; g < rt->n_rows;) {
                size_t end = reftable_group_end(rt, g, key);
                int type = km_conf_type_from_name(reftable_str(rt, g, "conf_type"));
                assert_true(type >= 0);
                fit_row(&c, &set, rt, g, (KmConfType)type, reftable_num(rt, g, "conf_level"));
                for (size_t i = g; i < end; i++) {
                        int32_t day = (int32_t)reftable_num(rt, i, "day");
                        KmLandmark m;
                        assert_int_equal(km_landmark(&c, day, &m), 0);
                        assert_int_equal(m.n_risk, reftable_num(rt, i, "n_risk"));
                        assert_ref(m.surv, reftable_num(rt, i, "surv"), REF_TOL, "surv " ROW_FMT " day %d",
                                   ROW_ARGS(rt, i, i - g), day);
                        assert_ref(m.std_err, reftable_num(rt, i, "std_err"), REF_TOL, "std_err " ROW_FMT " day %d",
                                   ROW_ARGS(rt, i, i - g), day);
                        assert_ref(m.lower, reftable_num(rt, i, "lower"), REF_TOL, "lower " ROW_FMT " day %d",
                                   ROW_ARGS(rt, i, i - g), day);
                        assert_ref(m.upper, reftable_num(rt, i, "upper"), REF_TOL, "upper " ROW_FMT " day %d",
                                   ROW_ARGS(rt, i, i - g), day);
                }
                g = end;
        }
        km_deinit(&c);
        refset_done(&set);
        reftable_free(rt);
}

/* Competing events tied with events count as censorings at that time; day-0 events open the curve. */
static void test_ties_and_day0(void **state) {
        RefSet set = { 0 };
        KmCurve c;
        km_init(&c);
        /* edge-cmptie arm 0: day 2 has an event and a censoring, day 7 a competing event. */
        assert_int_equal(km_fit(&c, refset_get(&set, "edge-cmptie"), 0, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        assert_int_equal(c.time[0], 2);
        assert_int_equal(c.n_event[0], 1);
        assert_int_equal(c.n_censor[0], 1);
        assert_int_equal(c.time[3], 7);
        assert_int_equal(c.n_event[3], 0);
        assert_int_equal(c.n_censor[3], 1);
        /* The reverse curve swaps them: the day-2 censoring is its event, the rest censorings. */
        assert_int_equal(km_fit(&c, &set.table, SURV_ALL, SURV_ALL, KM_REVERSE, KM_CONF_LOG, 0.95), 0);
        assert_int_equal(c.n_event[0], 1);
        assert_int_equal(c.n_censor[0], 2);
        assert_ref(c.surv[0], 11.0 / 12.0, REF_TOL, "reverse surv at 2");

        /* edge-day0: two of ten have the event on day 0. */
        assert_int_equal(km_fit(&c, refset_get(&set, "edge-day0"), SURV_ALL, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        assert_int_equal(c.time[0], 0);
        assert_ref(c.surv[0], 0.8, REF_TOL, "surv at 0");
        KmLandmark m;
        assert_int_equal(km_landmark(&c, 0, &m), 0);
        assert_ref(m.surv, 0.8, REF_TOL, "landmark at 0");
        assert_int_equal(m.n_risk, 10);

        /* conf.type = "none": the same estimates, no limits. */
        double surv1 = c.surv[1], se1 = c.std_err[1];
        assert_int_equal(km_fit(&c, &set.table, SURV_ALL, SURV_ALL, KM_SURVIVAL, KM_CONF_NONE, 0.95), 0);
        assert_true(c.surv[1] == surv1 && c.std_err[1] == se1);
        assert_true(isnan(c.lower[1]) && isnan(c.upper[1]));
        km_deinit(&c);
        refset_done(&set);
}

/* A curve with nobody, a selection out of range, a bad level. */
static void test_empty_and_invalid(void **state) {
        RefSet set = { 0 };
        const SurvTable *t = refset_get(&set, "edge-emptyarm");
        KmCurve c;
        km_init(&c);
        assert_int_equal(km_fit(&c, t, 1, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        assert_int_equal(c.n_rows, 0);
        assert_int_equal(c.n, 0);
        KmLandmark m;
        assert_int_equal(km_landmark(&c, 5, &m), 0);
        assert_true(isnan(m.surv) && isnan(m.lower) && m.n_risk == 0);
        assert_int_equal(km_landmark(&c, -1, &m), -EINVAL);

        assert_int_equal(km_fit(&c, t, 3, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), -EINVAL);
        assert_int_equal(km_fit(&c, t, -2, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), -EINVAL);
        assert_int_equal(km_fit(&c, t, 0, 1, KM_SURVIVAL, KM_CONF_LOG, 0.95), -EINVAL);
        assert_int_equal(km_fit(&c, t, 0, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 1), -EINVAL);
        assert_int_equal(km_fit(&c, t, 0, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0), -EINVAL);
        assert_int_equal(km_fit(&c, t, 0, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, NAN), -EINVAL);
        assert_int_equal(km_fit(&c, t, 0, SURV_ALL, KM_SURVIVAL, (KmConfType)7, 0.95), -EINVAL);

        assert_int_equal(km_conf_type_from_name("plain"), KM_CONF_PLAIN);
        assert_int_equal(km_conf_type_from_name("log"), KM_CONF_LOG);
        assert_int_equal(km_conf_type_from_name("log-log"), KM_CONF_LOGLOG);
        assert_int_equal(km_conf_type_from_name("none"), KM_CONF_NONE);
        assert_int_equal(km_conf_type_from_name("logit"), -EINVAL);
        km_deinit(&c);
        km_deinit(NULL);
        refset_done(&set);
}

/* Refits reuse the caller's rows: they grow once to the largest table, then stay put. */
static void test_reuse(void **state) {
        RefSet big = { 0 }, small = { 0 };
        const SurvTable *tb = refset_get(&big, "colon"), *ts = refset_get(&small, "aml");
        KmCurve c;
        km_init(&c);
        assert_int_equal(km_fit(&c, tb, SURV_ALL, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        const double *surv = c.surv;
        size_t capacity = c.capacity;
        assert_true(capacity >= tb->n_times);
        double last = c.surv[c.n_rows - 1];
        assert_int_equal(km_fit(&c, ts, 1, SURV_ALL, KM_SURVIVAL, KM_CONF_PLAIN, 0.9), 0);
        assert_int_equal(c.n, 12);
        assert_int_equal(km_fit(&c, tb, SURV_ALL, SURV_ALL, KM_SURVIVAL, KM_CONF_LOG, 0.95), 0);
        assert_ptr_equal(c.surv, surv);
        assert_int_equal(c.capacity, capacity);
        assert_ref(c.surv[c.n_rows - 1], last, 0, "refit");
        km_deinit(&c);
        refset_done(&big);
        refset_done(&small);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_curves),
                cmocka_unit_test(test_landmarks),
                cmocka_unit_test(test_ties_and_day0),
                cmocka_unit_test(test_empty_and_invalid),
                cmocka_unit_test(test_reuse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
