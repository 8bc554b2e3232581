/* test-cox.c — the arm-indicator Cox fit against R's coxph (public, edge and simulated data) and direct sums. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "interim/cox.h"
#include "interim/numeric.h"
#include "refdata.h"
#include "simulate.h"

/*
 * A coefficient R flags as infinite (an arm without events), or leaves where its
 * iteration ran out (edge-separated), is the iterate at which the likelihood went flat:
 * there the score, events minus expected, is about exp(coef) ~ 1e-10 but formed from
 * terms of order 1, so R's digits beyond ~1e-8 relative are the rounding of its
 * summation order.  Such a term's numbers, and the Wald test made of it, are held to
 * INF_TOL instead of REF_TOL.
 */
#define INF_TOL 1e-6

static RefTable *fits_ref, *terms_ref;

static int load_refs(void **state) {
        fits_ref = reftable_load("cox/fits.csv");
        terms_ref = reftable_load("cox/terms.csv");
        return 0;
}

static int free_refs(void **state) {
        reftable_free(fits_ref);
        reftable_free(terms_ref);
        return 0;
}

static bool same_fit(const RefTable *rt, size_t row, const char *set, bool stratified, const char *ties) {
        return strcmp(reftable_str(rt, row, "set"), set) == 0 &&
               reftable_num(rt, row, "stratified") == stratified && strcmp(reftable_str(rt, row, "ties"), ties) == 0;
}

/*
 * The tolerance of a chi-square p-value whose statistic is held to stat_tol relative:
 * far in the tail p = Q(stat) moves stat f(stat) / Q(stat) times as much as stat does,
 * about stat / 2.  It matters where R's own statistic is only that good: on the larger
 * data sets R sums its log-likelihood in an order that leaves ~1e-9 absolute error
 * (sim-days: 2e-9 against a 113-bit sum, where ours is within 1e-11), and the
 * likelihood-ratio p at 7e-9 magnifies it 17 times.
 */
static double p_tol(double stat, size_t df, double stat_tol) {
        if (df == 0 || stat <= 0)
                return stat_tol;
        double gain = stat * gsl_ran_chisq_pdf(stat, (double)df) / gsl_cdf_chisq_Q(stat, (double)df);
        return stat_tol * fmax(1, gain);
}

static void check_test(const CoxTest *test, size_t row, const char *name, double tol, const char *what) {
        char col[32];
        snprintf(col, sizeof(col), "%s", name);
        assert_ref(test->stat, reftable_num(fits_ref, row, col), tol, "%s %s", what, name);
        snprintf(col, sizeof(col), "%s_df", name);
        assert_int_equal(test->df, (size_t)reftable_num(fits_ref, row, col));
        snprintf(col, sizeof(col), "%s_p", name);
        assert_ref(test->p, reftable_num(fits_ref, row, col), p_tol(test->stat, test->df, tol), "%s %s p", what,
                   name);
}

static void check_model(const CoxFit *fit, size_t row, const char *what) {
        assert_int_equal(fit->n, (uint64_t)reftable_num(fits_ref, row, "n"));
        assert_int_equal(fit->n_events, (uint64_t)reftable_num(fits_ref, row, "nevent"));
        assert_int_equal(fit->iter, (int)reftable_num(fits_ref, row, "iter"));
        assert_int_equal(fit->converged, reftable_num(fits_ref, row, "converged") == 1);
        bool infinite = false;
        for (size_t a = 0; a < fit->n_terms; a++)
                infinite |= fit->term[a].infinite;
        /* Out of iterations R warns once for the model, not per term. */
        if (!fit->converged)
                assert_int_equal(infinite, reftable_num(fits_ref, row, "may_be_infinite") == 1);
        double loglik0 = reftable_num(fits_ref, row, "loglik0"), loglik = reftable_num(fits_ref, row, "loglik");
        assert_ref(fit->loglik_null, loglik0, REF_TOL, "%s loglik0", what);
        /*
         * A log-likelihood is a sum of terms of the size of loglik0 (never smaller than
         * loglik): when a perfect fit drives it to 0 (edge-separated) only its error on
         * that scale means anything, so the difference is compared relative to loglik0.
         */
        assert_ref(loglik0 + (fit->loglik - loglik), loglik0, REF_TOL, "%s loglik", what);
        check_test(&fit->lrt, row, "lrt", REF_TOL, what);
        check_test(&fit->score, row, "score", REF_TOL, what);
        check_test(&fit->wald, row, "wald", infinite || !fit->converged ? INF_TOL : REF_TOL, what);
}

static void check_terms(const CoxFit *fit, const char *set, bool stratified, const char *ties, double conf,
                        const char *what) {
        size_t seen = 0;
        for (size_t row = 0; row < terms_ref->n_rows; row++) {
                if (!same_fit(terms_ref, row, set, stratified, ties) || reftable_num(terms_ref, row, "conf") != conf)
                        continue;
                size_t a = (size_t)reftable_num(terms_ref, row, "term") - 1;
                assert_true(a < fit->n_terms);
                const CoxTerm *term = &fit->term[a];
                seen++;
                assert_int_equal(term->infinite, reftable_num(terms_ref, row, "infinite") == 1);
                if (isnan(reftable_num(terms_ref, row, "coef"))) {
                        /* R's NA term keeps a zero row in fit$var, so it prints se 0; we give NaN. */
                        assert_false(term->estimable);
                        assert_true(reftable_num(terms_ref, row, "se") == 0);
                        assert_true(isnan(term->se) && isnan(term->coef) && isnan(term->hr) && isnan(term->lower) &&
                                    isnan(term->upper) && isnan(term->z) && isnan(term->p));
                        continue;
                }
                assert_true(term->estimable);
                double tol = term->infinite || !fit->converged ? INF_TOL : REF_TOL;
                assert_ref(term->coef, reftable_num(terms_ref, row, "coef"), tol, "%s term %zu coef", what, a + 1);
                assert_ref(term->se, reftable_num(terms_ref, row, "se"), tol, "%s term %zu se", what, a + 1);
                assert_ref(term->hr, reftable_num(terms_ref, row, "hr"), tol, "%s term %zu hr", what, a + 1);
                assert_ref(term->z, reftable_num(terms_ref, row, "z"), tol, "%s term %zu z", what, a + 1);
                assert_ref(term->p, reftable_num(terms_ref, row, "p"), p_tol(term->z * term->z, 1, 2 * tol),
                           "%s term %zu p", what, a + 1);
                assert_ref(term->lower, reftable_num(terms_ref, row, "lower"), tol, "%s term %zu lower", what, a + 1);
                assert_ref(term->upper, reftable_num(terms_ref, row, "upper"), tol, "%s term %zu upper", what, a + 1);
        }
        assert_int_equal(seen, fit->n_terms);
}

/* Every fit R made of the data set named by *state: both tie methods, stratified or not, two levels. */
static void test_reference(void **state) {
        const char *set = *state;
        SurvTable t;
        refdata_load_table(set, 0, 0, &t);
        CoxFit fit;
        assert_int_equal(cox_init(&fit, t.n_arms), 0);
        size_t fits = 0;
        for (size_t row = 0; row < fits_ref->n_rows; row++) {
                if (strcmp(reftable_str(fits_ref, row, "set"), set) != 0)
                        continue;
                bool stratified = reftable_num(fits_ref, row, "stratified") == 1;
                const char *ties = reftable_str(fits_ref, row, "ties");
                for (int level = 0; level < 2; level++) {
                        double conf = level == 0 ? 0.95 : 0.9;
                        CoxOptions opt = { .ties = strcmp(ties, "efron") == 0 ? COX_EFRON : COX_BRESLOW,
                                           .stratified = stratified,
                                           .conf_level = conf };
                        char what[96];
                        snprintf(what, sizeof(what), "%s %s%s conf %g", set, ties, stratified ? " strata" : "", conf);
                        assert_int_equal(cox_fit(&fit, &t, &opt), 0);
                        check_model(&fit, row, what);
                        check_terms(&fit, set, stratified, ties, conf, what);
                }
                fits++;
        }
        assert_true(fits > 0);
        cox_deinit(&fit);
        survtable_deinit(&t);
}

/*
 * The partial log-likelihood of a fit's model at beta, with its information, summed
 * death by death in long double: the definition, with none of the library's series,
 * products or vector lanes.
 */
static long double direct_sums(const SurvTable *t, const CoxOptions *opt, const double *beta, long double *imat) {
        size_t A = t->n_arms, k = A - 1, groups = opt->stratified ? t->n_strata : 1;
        long double loglik = 0, w[A], n[A], d[A], p[A];
        w[0] = 1;
        for (size_t a = 1; a < A; a++)
                w[a] = expl(beta[a - 1]);
        for (size_t q = 0; q < k * k; q++)
                imat[q] = 0;
        for (size_t g = 0; g < groups; g++)
                for (size_t i = 0; i < t->n_times; i++) {
                        long double deaths = 0;
                        for (size_t a = 0; a < A; a++) {
                                n[a] = d[a] = 0;
                                for (size_t s = 0; s < t->n_strata; s++)
                                        if (!opt->stratified || s == g) {
                                                n[a] += survtable_at_risk(t, i, s, a);
                                                d[a] += survtable_counts(t, i, s, a)[OUTCOME_EVENT];
                                        }
                                deaths += d[a];
                                if (a > 0)
                                        loglik += d[a] * beta[a - 1];
                        }
                        /* Efron: the r-th death's risk set lacks r/d of each dying patient; Breslow: d times the whole. */
                        size_t sets = opt->ties == COX_EFRON ? (size_t)deaths : deaths > 0;
                        long double mult = opt->ties == COX_EFRON ? 1 : deaths;
                        for (size_t r = 0; r < sets; r++) {
                                long double x = 0, f = opt->ties == COX_EFRON ? r / deaths : 0;
                                for (size_t a = 0; a < A; a++)
                                        x += (p[a] = (n[a] - f * d[a]) * w[a]);
                                loglik -= mult * logl(x);
                                for (size_t a = 1; a < A; a++)
                                        for (size_t b = 1; b < A; b++)
                                                imat[(a - 1) * k + b - 1] += mult * ((a == b) * p[a] / x - p[a] * p[b] / (x * x));
                        }
                }
        return loglik;
}

/*
 * Fits large simulated trials with many deaths tied at large risk sets, two and three
 * arms, and checks the log-likelihoods and variances against direct_sums().  Those the
 * library forms from series and products hold to a few ulps; 1e-12 leaves room for the
 * condition of the information.
 */
static void test_direct_sums(void **state) {
        const struct {
                size_t n, arms, strata;
                int unit;
        } trials[] = {
                { 20000, 2, 3, 1 },  /* days: few ties per stratum, some dozens pooled */
                { 20000, 2, 3, 30 }, /* months: dozens of ties per stratum */
                { 9000, 3, 2, 7 },   /* weeks, three arms */
        };
        for (size_t q = 0; q < sizeof(trials) / sizeof(*trials); q++) {
                SurvTable t;
                CoxFit fit;
                simulate_trial(trials[q].n, trials[q].arms, trials[q].strata, trials[q].unit, 7 + q, &t);
                assert_int_equal(cox_init(&fit, t.n_arms), 0);
                size_t k = fit.n_terms;
                for (int variant = 0; variant < 4; variant++) {
                        CoxOptions opt = { .ties = variant & 1 ? COX_BRESLOW : COX_EFRON,
                                           .stratified = variant & 2,
                                           .conf_level = 0.95 };
                        assert_int_equal(cox_fit(&fit, &t, &opt), 0);
                        assert_true(fit.converged);
                        double zero[k], coef[k];
                        long double imat[k * k];
                        for (size_t a = 0; a < k; a++) {
                                zero[a] = 0;
                                coef[a] = fit.term[a].coef;
                        }
                        assert_ref(fit.loglik_null, (double)direct_sums(&t, &opt, zero, imat), 1e-12,
                                   "trial %zu variant %d loglik0", q, variant);
                        assert_ref(fit.loglik, (double)direct_sums(&t, &opt, coef, imat), 1e-12,
                                   "trial %zu variant %d loglik", q, variant);
                        /* var * imat = identity */
                        for (size_t a = 0; a < k; a++)
                                for (size_t b = 0; b < k; b++) {
                                        long double sum = 0;
                                        for (size_t c = 0; c < k; c++)
                                                sum += fit.var[a * k + c] * imat[c * k + b];
                                        assert_true(fabsl(sum - (a == b)) < 1e-12);
                                }
                }
                cox_deinit(&fit);
                survtable_deinit(&t);
        }
}

static void test_rejects_bad_input(void **state) {
        CoxFit fit;
        assert_int_equal(cox_init(&fit, 1), -EINVAL);
        assert_int_equal(cox_init(&fit, 2), 0);
        SurvTable t;
        refdata_load_table("colon", 0, 0, &t); /* three arms */
        CoxOptions opt = { .ties = COX_EFRON, .conf_level = 0.95 };
        assert_int_equal(cox_fit(&fit, &t, &opt), -EINVAL);
        survtable_deinit(&t);
        refdata_load_table("aml", 0, 0, &t);
        assert_int_equal(cox_fit(&fit, &t, &opt), 0);
        const double levels[] = { 0, 1, -0.5, NAN };
        for (size_t i = 0; i < 4; i++) {
                opt.conf_level = levels[i];
                assert_int_equal(cox_fit(&fit, &t, &opt), -EINVAL);
        }
        opt = (CoxOptions){ .ties = 7, .conf_level = 0.95 };
        assert_int_equal(cox_fit(&fit, &t, &opt), -EINVAL);
        survtable_deinit(&t);
        cox_deinit(&fit);
        cox_deinit(NULL);
}

/* Two arms, everybody in the control arm: the one term is NA and every test 0 on 0 df. */
static void test_empty_second_arm(void **state) {
        SurvTable t;
        refdata_load_table("aml", 0, 0, &t);
        SurvTable one;
        assert_int_equal(survtable_init(&one, 1, 2), 0);
        for (size_t i = 0; i < t.n_times; i++) {
                uint32_t *row, k[OUTCOME_KINDS];
                assert_int_equal(survtable_append(&one, t.time[i], &row), 0);
                survtable_select(&t, i, SURV_ALL, SURV_ALL, k);
                memcpy(row, k, sizeof(k)); /* stratum 0, arm 0 */
        }
        assert_int_equal(survtable_seal(&one), 0);
        CoxFit fit;
        assert_int_equal(cox_init(&fit, 2), 0);
        CoxOptions opt = { .ties = COX_EFRON, .conf_level = 0.95 };
        assert_int_equal(cox_fit(&fit, &one, &opt), 0);
        assert_int_equal(fit.n_events, 18);
        assert_false(fit.term[0].estimable);
        assert_true(isnan(fit.term[0].coef) && isnan(fit.term[0].se) && isnan(fit.term[0].p));
        assert_true(fit.loglik == fit.loglik_null && fit.loglik < 0);
        const CoxTest *tests[] = { &fit.lrt, &fit.score, &fit.wald };
        for (size_t i = 0; i < 3; i++) {
                assert_true(tests[i]->stat == 0);
                assert_int_equal(tests[i]->df, 0);
                assert_true(tests[i]->p == 1);
        }
        cox_deinit(&fit);
        survtable_deinit(&one);
        survtable_deinit(&t);
}

/* The workspace carries nothing from one fit to the next: a refit gives the same bits. */
static void test_reuse(void **state) {
        SurvTable big, small;
        simulate_trial(5000, 2, 3, 7, 99, &big);
        refdata_load_table("aml", 3, 2, &small);
        CoxFit fit;
        assert_int_equal(cox_init(&fit, 2), 0);
        CoxOptions opt = { .ties = COX_EFRON, .stratified = true, .conf_level = 0.9 };
        assert_int_equal(cox_fit(&fit, &big, &opt), 0);
        CoxTerm first = fit.term[0];
        double loglik = fit.loglik;
        assert_int_equal(cox_fit(&fit, &small, &opt), 0);
        assert_true(fit.term[0].coef != first.coef);
        assert_int_equal(cox_fit(&fit, &big, &opt), 0);
        assert_memory_equal(&fit.term[0], &first, sizeof(first));
        assert_true(fit.loglik == loglik);
        cox_deinit(&fit);
        survtable_deinit(&big);
        survtable_deinit(&small);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_prestate(test_reference, "gbsg"),
                cmocka_unit_test_prestate(test_reference, "veteran"),
                cmocka_unit_test_prestate(test_reference, "colon"),
                cmocka_unit_test_prestate(test_reference, "lung"),
                cmocka_unit_test_prestate(test_reference, "aml"),
                cmocka_unit_test_prestate(test_reference, "pbc"),
                cmocka_unit_test_prestate(test_reference, "mgus2"),
                cmocka_unit_test_prestate(test_reference, "edge-onetime"),
                cmocka_unit_test_prestate(test_reference, "edge-day0"),
                cmocka_unit_test_prestate(test_reference, "edge-emptyarm"),
                cmocka_unit_test_prestate(test_reference, "edge-allcensored"),
                cmocka_unit_test_prestate(test_reference, "edge-cmptie"),
                cmocka_unit_test_prestate(test_reference, "edge-neverhalf"),
                cmocka_unit_test_prestate(test_reference, "edge-flathalf"),
                cmocka_unit_test_prestate(test_reference, "edge-armnoevent"),
                cmocka_unit_test_prestate(test_reference, "edge-separated"),
                cmocka_unit_test_prestate(test_reference, "edge-lonely"),
                cmocka_unit_test_prestate(test_reference, "sim-weeks"),
                cmocka_unit_test_prestate(test_reference, "sim-days"),
                cmocka_unit_test(test_direct_sums),
                cmocka_unit_test(test_rejects_bad_input),
                cmocka_unit_test(test_empty_second_arm),
                cmocka_unit_test(test_reuse),
        };
        return cmocka_run_group_tests(tests, load_refs, free_refs);
}
