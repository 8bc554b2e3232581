/* test-km.c — Kaplan–Meier curves and landmark survival against survfit and summary.survfit. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                        double events = 0;
                        for (size_t i = g; i < end; i++)
                                events += reftable_num(rt, i, "n_event");
                        assert_int_equal(c.n_events, events);
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

/* A copy of t with one patient of cell (stratum, arm) moved from row `from` to row `to` (later), sealed. */
static void moved(const SurvTable *t, size_t stratum, size_t arm, size_t from, size_t to, Outcome outcome,
                  SurvTable *ret) {
        size_t width = t->n_strata * t->n_arms * OUTCOME_KINDS, cell = (stratum * t->n_arms + arm) * OUTCOME_KINDS;
        assert_int_equal(survtable_init(ret, t->n_strata, t->n_arms), 0);
        for (size_t i = 0; i < t->n_times; i++) {
                uint32_t *row;
                assert_int_equal(survtable_append(ret, t->time[i], &row), 0);
                memcpy(row, t->count + i * width, width * sizeof(*row));
        }
        uint32_t *k = ret->count + from * width + cell;
        Outcome left = k[OUTCOME_EVENT] ? OUTCOME_EVENT : k[OUTCOME_CENSORED] ? OUTCOME_CENSORED : OUTCOME_COMPETING;
        assert_true(k[left] > 0);
        k[left]--;
        ret->count[to * width + cell + outcome]++;
        assert_int_equal(survtable_seal(ret), 0);
}

/*
 * A curve brought up to date after a patient's move equals a fresh fit of the new
 * table, to the bit, for every selection, mode and limits: those of cells the move
 * left alone from the start, the others from the day it left.
 */
static void test_update(void **state) {
        RefSet set = { 0 };
        const SurvTable *t = refset_get(&set, "colon");
        KmCurve live, fresh;
        km_init(&live);
        km_init(&fresh);
        size_t cells = t->n_strata * t->n_arms, checked = 0;
        for (size_t move = 0; move < 12; move++) {
                size_t s = move % t->n_strata, a = move % t->n_arms, from = t->n_times / 4 + 37 * move;
                while (survtable_counts(t, from, s, a)[0] + survtable_counts(t, from, s, a)[1] +
                               survtable_counts(t, from, s, a)[2] == 0)
                        from++; /* a row where the cell has someone to move */
                size_t to = from + 1 + move * 5;
                assert_true(to < t->n_times);
                SurvTable u;
                moved(t, s, a, from, to, move % 3 ? OUTCOME_CENSORED : OUTCOME_EVENT, &u);
                int32_t changed[cells];
                for (size_t c = 0; c < cells; c++)
                        changed[c] = c == s * t->n_arms + a ? t->time[from] : SURV_UNCHANGED;
                for (int arm = SURV_ALL; arm < (int)t->n_arms; arm++)
                        for (int stratum = SURV_ALL; stratum < (int)t->n_strata; stratum++)
                                for (int mode = KM_SURVIVAL; mode <= KM_REVERSE; mode++) {
                                        KmConfType type = mode == KM_REVERSE ? KM_CONF_NONE : (KmConfType)(move % 3);
                                        assert_int_equal(km_fit(&live, t, arm, stratum, mode, type, 0.95), 0);
                                        assert_int_equal(km_update(&live, &u, changed), 0);
                                        assert_int_equal(km_fit(&fresh, &u, arm, stratum, mode, type, 0.95), 0);
                                        size_t n = fresh.n_rows;
                                        assert_int_equal(live.n_rows, n);
                                        assert_int_equal(live.n, fresh.n);
                                        assert_int_equal(live.n_events, fresh.n_events);
                                        assert_memory_equal(live.time, fresh.time, n * sizeof(int32_t));
                                        assert_memory_equal(live.n_risk, fresh.n_risk, n * sizeof(uint32_t));
                                        assert_memory_equal(live.surv, fresh.surv, n * sizeof(double));
                                        assert_memory_equal(live.std_err, fresh.std_err, n * sizeof(double));
                                        assert_memory_equal(live.lower, fresh.lower, n * sizeof(double));
                                        assert_memory_equal(live.upper, fresh.upper, n * sizeof(double));
                                        static const double probs[3] = { 0.25, 0.5, 0.75 };
                                        KmQuantile ql[3], qf[3];
                                        assert_int_equal(km_quantiles(&live, 3, probs, ql), 0);
                                        assert_int_equal(km_quantiles(&fresh, 3, probs, qf), 0);
                                        assert_memory_equal(ql, qf, sizeof(ql));
                                        checked++;
                                }
                survtable_deinit(&u);
        }
        assert_int_equal(checked, 12 * (t->n_arms + 1) * (t->n_strata + 1) * 2);
        km_deinit(&live);
        km_deinit(&fresh);
        refset_done(&set);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_curves),
                cmocka_unit_test(test_landmarks),
                cmocka_unit_test(test_ties_and_day0),
                cmocka_unit_test(test_empty_and_invalid),
                cmocka_unit_test(test_reuse),
                cmocka_unit_test(test_update),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
