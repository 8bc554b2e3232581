/* test-summary.c — a whole endpoint summary against R, and live refreshes against from-scratch tables. */
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

#include "interim/numeric.h"
#include "interim/sim.h"
#include "interim/summary.h"
#include "refdata.h"

static ReportOptions report(void) {
        return (ReportOptions){ .stratified = true, .ci = KM_CONF_LOGLOG, .conf_level = 0.95, .ties = COX_EFRON,
                                .n_landmarks = 3, .landmarks = { 365, 730, 1095 }, .rmst_tau = 1825 };
}

/* A spec with the table's arms and strata and one endpoint, competing when asked. */
static TrialSpec spec_for(const SurvTable *t, bool competing, EndpointSpec *ep) {
        static char *names[] = { "a0", "a1", "a2", "a3" };
        *ep = (EndpointSpec){ "ep", EVENT_BIT(EVENT_DEATH), competing ? EVENT_BIT(EVENT_PROGRESSION_DISTANT) : 0 };
        return (TrialSpec){ .name = "T", .n_arms = t->n_arms, .arms = names, .n_strata = t->n_strata,
                            .strata = names, .n_endpoints = 1, .endpoints = ep };
}

static void assert_quantile(const KmQuantile *q, const RefTable *rt, size_t row, const char *name) {
        char col[64];
        assert_ref(q->time, reftable_num(rt, row, name), REF_TOL, "%s", name);
        snprintf(col, sizeof(col), "%s_lower", name);
        assert_ref(q->lower, reftable_num(rt, row, col), REF_TOL, "%s", col);
        snprintf(col, sizeof(col), "%s_upper", name);
        assert_ref(q->upper, reftable_num(rt, row, col), REF_TOL, "%s", col);
}

static void assert_landmark(const KmLandmark *l, const RefTable *rt, size_t row, int which) {
        char col[64];
        const char *parts[] = { "surv", "se", "lower", "upper" };
        const double got[] = { l->surv, l->std_err, l->lower, l->upper };
        for (int i = 0; i < 4; i++) {
                snprintf(col, sizeof(col), "lm%d_%s", which, parts[i]);
                assert_ref(got[i], reftable_num(rt, row, col), REF_TOL, "%s", col);
        }
        snprintf(col, sizeof(col), "lm%d_risk", which);
        assert_int_equal(l->n_risk, (uint32_t)reftable_num(rt, row, col));
}

/* The summary of a reference data set under report(); the caller frees both. */
static void summarize(const char *set, bool competing, SurvTable *t, Summary *s) {
        refdata_load_table(set, 0, 0, t);
        EndpointSpec ep;
        TrialSpec spec = spec_for(t, competing, &ep);
        ReportOptions opt = report();
        assert_int_equal(summary_init(s, &spec, 0, &opt), 0);
        assert_int_equal(summary_compute(s, t, NULL, 0), 0);
        assert_true(s->compared);
}

static void check_set(const char *set, bool competing) {
        SurvTable t;
        Summary s;
        summarize(set, competing, &t, &s);

        RefTable *arms = reftable_load("summary/arms.csv");
        size_t seen = 0;
        for (size_t row = 0; row < arms->n_rows; row++) {
                if (strcmp(reftable_str(arms, row, "set"), set) != 0)
                        continue;
                int arm = (int)reftable_num(arms, row, "arm");
                const ArmSummary *a = &s.arm[arm < 0 ? s.n_arms : (size_t)arm];
                assert_int_equal(a->n, (uint32_t)reftable_num(arms, row, "n"));
                assert_int_equal(a->events, (uint32_t)reftable_num(arms, row, "events"));
                assert_int_equal(a->competing, (uint32_t)reftable_num(arms, row, "competing"));
                assert_int_equal(a->censored, (uint32_t)reftable_num(arms, row, "censored"));
                assert_quantile(&a->q25, arms, row, "q25");
                assert_quantile(&a->median, arms, row, "median");
                assert_quantile(&a->q75, arms, row, "q75");
                assert_landmark(&a->landmark[0], arms, row, 1);
                assert_landmark(&a->landmark[2], arms, row, 3);
                assert_ref(a->rmst.rmean, reftable_num(arms, row, "rmean"), REF_TOL, "%s rmean", set);
                assert_ref(a->rmst.std_err, reftable_num(arms, row, "rmean_se"), REF_TOL, "%s se(rmean)", set);
                assert_ref(a->followup.time, reftable_num(arms, row, "followup"), REF_TOL, "%s follow-up", set);
                seen++;
        }
        assert_int_equal(seen, s.n_arms + 1);
        reftable_free(arms);

        RefTable *lr = reftable_load("summary/logrank.csv");
        for (size_t row = 0; row < lr->n_rows; row++)
                if (strcmp(reftable_str(lr, row, "set"), set) == 0) {
                        assert_ref(s.logrank.chisq, reftable_num(lr, row, "chisq"), REF_TOL, "%s chisq", set);
                        assert_int_equal(s.logrank.df, (int)reftable_num(lr, row, "df"));
                        assert_ref(s.logrank.p, reftable_num(lr, row, "p"), REF_TOL, "%s p", set);
                        seen++;
                }
        reftable_free(lr);

        RefTable *rd = reftable_load("summary/rmstdiff.csv");
        for (size_t row = 0; row < rd->n_rows; row++)
                if (strcmp(reftable_str(rd, row, "set"), set) == 0) {
                        const KmRmstDiff *d = &s.rmst_diff[(size_t)reftable_num(rd, row, "arm")];
                        assert_ref(d->diff, reftable_num(rd, row, "diff"), REF_TOL, "%s diff", set);
                        assert_ref(d->lower, reftable_num(rd, row, "lower"), REF_TOL, "%s lower", set);
                        assert_ref(d->upper, reftable_num(rd, row, "upper"), REF_TOL, "%s upper", set);
                        assert_ref(d->p, reftable_num(rd, row, "p"), REF_TOL, "%s p", set);
                        seen++;
                }
        reftable_free(rd);

        RefTable *cx = reftable_load("summary/cox.csv");
        for (size_t row = 0; row < cx->n_rows; row++)
                if (strcmp(reftable_str(cx, row, "set"), set) == 0) {
                        const CoxTerm *term = &s.cox.term[(size_t)reftable_num(cx, row, "arm") - 1];
                        assert_ref(term->coef, reftable_num(cx, row, "coef"), REF_TOL, "%s coef", set);
                        assert_ref(term->se, reftable_num(cx, row, "se"), REF_TOL, "%s se", set);
                        assert_ref(term->hr, reftable_num(cx, row, "hr"), REF_TOL, "%s hr", set);
                        assert_ref(term->lower, reftable_num(cx, row, "lower"), REF_TOL, "%s lower", set);
                        assert_ref(term->upper, reftable_num(cx, row, "upper"), REF_TOL, "%s upper", set);
                        assert_ref(term->p, reftable_num(cx, row, "p"), REF_TOL, "%s p", set);
                        assert_ref(s.cox.lrt.p, reftable_num(cx, row, "lr_p"), REF_TOL, "%s LR p", set);
                        assert_ref(s.cox.score.p, reftable_num(cx, row, "score_p"), REF_TOL, "%s score p", set);
                        assert_ref(s.cox.wald.p, reftable_num(cx, row, "wald_p"), REF_TOL, "%s Wald p", set);
                        seen++;
                }
        reftable_free(cx);
        assert_int_equal(seen, s.n_arms + 1 + 1 + 2 * (s.n_arms - 1));
        summary_deinit(&s);
        survtable_deinit(&t);
}

static void test_gbsg(void **state) {
        check_set("gbsg", false);
}

static void test_colon_three_arms(void **state) {
        check_set("colon", false);
}

static void test_pbc_competing(void **state) {
        check_set("pbc", true);
}

/* Cumulative incidence per arm and Gray's stratified test, for endpoints with competing events. */
static void check_competing(const char *set) {
        SurvTable t;
        Summary s;
        summarize(set, true, &t, &s);
        RefTable *rt = reftable_load("summary/competing.csv");
        size_t seen = 0;
        for (size_t row = 0; row < rt->n_rows; row++) {
                if (strcmp(reftable_str(rt, row, "set"), set) != 0)
                        continue;
                const CifCurve *c = &s.arm[(size_t)reftable_num(rt, row, "arm")].cif;
                for (int k = 1; k <= 2; k++) {
                        char col[16];
                        double est, var;
                        snprintf(col, sizeof(col), "time%d", k);
                        cif_at(c, (int32_t)reftable_num(rt, row, col), &est, &var);
                        snprintf(col, sizeof(col), "est%d", k);
                        assert_ref(est, reftable_num(rt, row, col), REF_TOL, "%s %s", set, col);
                        snprintf(col, sizeof(col), "var%d", k);
                        assert_ref(var, reftable_num(rt, row, col), REF_TOL, "%s %s", set, col);
                }
                assert_ref(s.gray.stat, reftable_num(rt, row, "gray_stat"), REF_TOL, "%s Gray stat", set);
                assert_ref(s.gray.p, reftable_num(rt, row, "gray_p"), REF_TOL, "%s Gray p", set);
                assert_int_equal(s.gray.df, (int)reftable_num(rt, row, "gray_df"));
                seen++;
        }
        assert_int_equal(seen, 2);
        reftable_free(rt);
        summary_deinit(&s);
        survtable_deinit(&t);
}

static void test_competing_pbc(void **state) {
        check_competing("pbc");
}

static void test_competing_mgus2(void **state) {
        check_competing("mgus2");
}

/* Asserts two curves hold the same rows, bit for bit. */
static void assert_same_curve(const KmCurve *x, const KmCurve *y) {
        size_t n = x->n_rows;
        assert_int_equal(n, y->n_rows);
        assert_int_equal(x->n, y->n);
        assert_int_equal(x->n_events, y->n_events);
        assert_memory_equal(x->time, y->time, n * sizeof(int32_t));
        assert_memory_equal(x->n_risk, y->n_risk, n * sizeof(uint32_t));
        assert_memory_equal(x->n_event, y->n_event, n * sizeof(uint32_t));
        assert_memory_equal(x->n_censor, y->n_censor, n * sizeof(uint32_t));
        assert_memory_equal(x->surv, y->surv, n * sizeof(double));
        assert_memory_equal(x->std_err, y->std_err, n * sizeof(double));
        assert_memory_equal(x->lower, y->lower, n * sizeof(double));
        assert_memory_equal(x->upper, y->upper, n * sizeof(double));
}

/* Asserts two summaries hold the same numbers, bit for bit. */
static void assert_same(const Summary *a, const Summary *b) {
        for (size_t i = 0; i <= a->n_arms; i++) {
                const ArmSummary *x = &a->arm[i], *y = &b->arm[i];
                assert_int_equal(x->n, y->n);
                assert_int_equal(x->events, y->events);
                assert_int_equal(x->competing, y->competing);
                assert_int_equal(x->censored, y->censored);
                assert_same_curve(&x->curve, &y->curve);
                assert_same_curve(&x->reverse, &y->reverse);
                assert_memory_equal(&x->median, &y->median, sizeof(x->median));
                assert_memory_equal(&x->q25, &y->q25, sizeof(x->q25));
                assert_memory_equal(&x->q75, &y->q75, sizeof(x->q75));
                assert_memory_equal(x->landmark, y->landmark, a->opt.n_landmarks * sizeof(KmLandmark));
                assert_memory_equal(&x->rmst, &y->rmst, sizeof(x->rmst));
                assert_memory_equal(&x->followup, &y->followup, sizeof(x->followup));
                assert_int_equal(x->cif.n, y->cif.n);
                assert_int_equal(x->cif.follow_up, y->cif.follow_up);
                assert_memory_equal(x->cif.time, y->cif.time, x->cif.n * sizeof(int32_t));
                assert_memory_equal(x->cif.estimate, y->cif.estimate, x->cif.n * sizeof(double));
                assert_memory_equal(x->cif.variance, y->cif.variance, x->cif.n * sizeof(double));
        }
        assert_int_equal(a->compared, b->compared);
        if (a->compared) {
                size_t k = a->cox.n_terms;
                assert_memory_equal(a->logrank.expected, b->logrank.expected, a->n_arms * sizeof(double));
                assert_memory_equal(a->logrank.var, b->logrank.var, a->n_arms * a->n_arms * sizeof(double));
                assert_memory_equal(&a->logrank.chisq, &b->logrank.chisq, sizeof(double));
                assert_memory_equal(&a->logrank.p, &b->logrank.p, sizeof(double));
                assert_memory_equal(&a->gray, &b->gray, sizeof(a->gray));
                assert_memory_equal(a->cox.term, b->cox.term, k * sizeof(CoxTerm));
                assert_memory_equal(a->cox.var, b->cox.var, k * k * sizeof(double));
                assert_memory_equal(&a->cox.loglik, &b->cox.loglik, sizeof(double));
                assert_memory_equal(&a->cox.loglik_null, &b->cox.loglik_null, sizeof(double));
                assert_memory_equal(&a->cox.score, &b->cox.score, sizeof(CoxTest));
                assert_int_equal(a->cox.iter, b->cox.iter);
                assert_memory_equal(a->rmst_diff + 1, b->rmst_diff + 1, (a->n_arms - 1) * sizeof(KmRmstDiff));
        }
        assert_int_equal(a->monitored, b->monitored);
        for (size_t i = 0; a->monitored && i < a->monitoring.n_comparisons; i++) {
                const Comparison *x = &a->monitoring.cmp[i], *y = &b->monitoring.cmp[i];
                assert_int_equal(x->valid, y->valid);
                assert_memory_equal(&x->events, &y->events, sizeof(double));
                assert_memory_equal(&x->now, &y->now, sizeof(x->now));
                if (!x->valid)
                        continue;
                const GsdState *u = &x->state, *v = &y->state;
                size_t n = u->bounds.n_looks;
                assert_int_equal(n, v->bounds.n_looks);
                assert_memory_equal(u->bounds.fraction, v->bounds.fraction, n * sizeof(double));
                assert_memory_equal(u->bounds.efficacy, v->bounds.efficacy, n * sizeof(double));
                assert_memory_equal(u->bounds.alpha_spent, v->bounds.alpha_spent, n * sizeof(double));
                assert_int_equal(u->now, v->now);
                assert_int_equal(u->action, v->action);
                const double uz[] = { u->z, u->hazard_ratio, u->cp_design, u->cp_trend };
                const double vz[] = { v->z, v->hazard_ratio, v->cp_design, v->cp_trend };
                assert_memory_equal(uz, vz, sizeof(uz));
                assert_memory_equal(u->rci_lower, v->rci_lower, x->n_looks * sizeof(double));
                assert_memory_equal(u->rci_upper, v->rci_upper, x->n_looks * sizeof(double));
        }
}

/*
 * Summaries of the live trial, one refreshed after every event and one after every
 * 500th, equal the statistics of the from-scratch table: refreshes redo only what the
 * changes reach, and the numbers stay those of a computation from scratch.  With
 * `worker`, the first and the from-scratch one run their comparisons on a worker
 * thread, else the second does: either way the numbers are the same to the bit.
 */
static void check_live(const ReportOptions *opt, size_t n_patients, size_t n_arms, bool design, bool worker) {
        SimParams p;
        sim_params_e2108(&p);
        p.n_patients = n_patients;
        if (n_arms == 3) { /* a third arm between the two */
                p.n_arms = 3;
                p.arms[2] = "radiation";
                p.allocation[0] = p.allocation[1] = p.allocation[2] = 1.0 / 3;
                p.os_median_months[2] = 48;
                p.lrp_3y[2] = 0.16;
                p.distant_median_months[2] = 20;
        }
        SimEvent *ev;
        size_t n;
        assert_int_equal(sim_generate(&p, &ev, &n), 0);
        static const EndpointSpec eps[] = {
                { "os", EVENT_BIT(EVENT_DEATH), 0 },
                { "lrp", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL), EVENT_BIT(EVENT_DEATH) },
        };
        TrialSpec spec = { .name = "E2108", .n_arms = n_arms, .arms = (char **)p.arms, .n_strata = 3,
                           .strata = (char **)p.strata, .n_endpoints = 2, .endpoints = (EndpointSpec *)eps };
        GsdDesign gsd = { .sides = 1, .alpha = 0.025, .beta = 0.2, .efficacy = { GSD_LAN_DEMETS_OBF },
                          .planned_events = 60, .hazard_ratio = 0.5, .allocation = 1 };
        Trial *t;
        assert_int_equal(trial_new(&t, &spec), 0);
        Summary live, sparse, scratch;
        assert_int_equal(summary_init(&live, &spec, 1, opt), 0);
        assert_int_equal(summary_init(&sparse, &spec, 1, opt), 0);
        assert_int_equal(summary_init(&scratch, &spec, 1, opt), 0);
        Worker *w;
        assert_int_equal(worker_new(&w), 0);
        summary_set_worker(worker ? &live : &sparse, w);
        summary_set_worker(&scratch, worker ? w : NULL);
        if (design) {
                assert_int_equal(summary_set_design(&live, &gsd), 0);
                assert_int_equal(summary_set_design(&sparse, &gsd), 0);
                assert_int_equal(summary_set_design(&scratch, &gsd), 0);
        }
        SurvTable tab;
        assert_int_equal(survtable_init(&tab, 3, n_arms), 0);
        char id[16];
        uint32_t looks = 0;
        for (size_t i = 0; i < n; i++) {
                snprintf(id, sizeof(id), "P%u", ev[i].patient);
                TrialEvent e = { .kind = ev[i].kind, .patient = id, .date = ev[i].date,
                                 .arm = p.arms[ev[i].arm], .stratum = p.strata[ev[i].stratum] };
                assert_int_equal(trial_apply(t, &e, INT32_MAX - 1), TRIAL_OK);
                /* Now and then take back a random earlier death or progression of this patient. */
                if (ev[i].kind >= EVENT_PROGRESSION_LOCOREGIONAL && i % 3 == 0)
                        assert_int_equal(trial_retract(t, &e), TRIAL_OK);
                if (design && i % 1500 == 1499)
                        assert_int_equal(trial_look(t, ++looks, ev[i].date, INT32_MAX - 1), TRIAL_OK);
                assert_int_equal(summary_refresh(&live, t), 0);
                bool both = i % 500 == 0 || i == n - 1;
                if (both)
                        assert_int_equal(summary_refresh(&sparse, t), 0);
                size_t n_looks;
                const TrialLook *tl = trial_looks(t, &n_looks);
                assert_int_equal(trial_table_as_of(t, 1, INT32_MAX, &tab), 0);
                assert_int_equal(summary_compute(&scratch, &tab, tl, n_looks), 0);
                assert_same(&live, &scratch);
                if (both)
                        assert_same(&sparse, &scratch);
        }
        assert_true(live.arm[n_arms].events > 20);
        assert_true(live.arm[n_arms].competing > 50);
        assert_true(!design || live.monitoring.cmp[0].valid);
        summary_deinit(&live);
        summary_deinit(&sparse);
        summary_deinit(&scratch);
        worker_free(w);
        survtable_deinit(&tab);
        trial_free(t);
        free(ev);
}

static void test_live_equals_scratch(void **state) {
        ReportOptions opt = report();
        check_live(&opt, 300, 2, false, false);
}

/* Pooled strata, Breslow's ties, log limits, no restricted mean, and monitoring at recorded looks. */
static void test_live_pooled_monitored(void **state) {
        ReportOptions opt = { .stratified = false, .ci = KM_CONF_LOG, .conf_level = 0.9, .ties = COX_BRESLOW,
                              .n_landmarks = 1, .landmarks = { 730 } };
        check_live(&opt, 200, 2, true, true);
}

/* Three arms: each compared with the control when monitored. */
static void test_live_three_arms(void **state) {
        ReportOptions opt = report();
        check_live(&opt, 200, 3, true, true);
}

static void test_bad_options(void **state) {
        SurvTable t;
        refdata_load_table("aml", 0, 0, &t);
        EndpointSpec ep;
        TrialSpec spec = spec_for(&t, false, &ep);
        ReportOptions opt = report();
        Summary s;
        opt.conf_level = 1;
        assert_int_equal(summary_init(&s, &spec, 0, &opt), -EINVAL);
        opt = report();
        assert_int_equal(summary_init(&s, &spec, 1, &opt), -EINVAL);
        assert_int_equal(summary_init(&s, &spec, 0, &opt), 0);
        SurvTable other;
        assert_int_equal(survtable_init(&other, 2, 2), 0);
        assert_int_equal(summary_compute(&s, &other, NULL, 0), -EINVAL);
        summary_deinit(&s);
        survtable_deinit(&other);
        survtable_deinit(&t);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_gbsg),
                cmocka_unit_test(test_colon_three_arms),
                cmocka_unit_test(test_pbc_competing),
                cmocka_unit_test(test_competing_pbc),
                cmocka_unit_test(test_competing_mgus2),
                cmocka_unit_test(test_live_equals_scratch),
                cmocka_unit_test(test_live_pooled_monitored),
                cmocka_unit_test(test_live_three_arms),
                cmocka_unit_test(test_bad_options),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
