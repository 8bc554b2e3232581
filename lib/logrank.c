/* logrank.c — the log-rank test of k arms, pooled or stratified, as R's survdiff. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>

#include "interim/logrank.h"

int logrank_init(LogRank *lr, size_t n_arms) {
        *lr = (LogRank){ .n_arms = n_arms };
        if (n_arms == 0)
                return -EINVAL;
        lr->observed = calloc(n_arms, sizeof(double));
        lr->expected = calloc(n_arms, sizeof(double));
        lr->var = calloc(n_arms * n_arms, sizeof(double));
        lr->work = calloc(n_arms * (n_arms + 1), sizeof(double));
        if (!lr->observed || !lr->expected || !lr->var || !lr->work) {
                logrank_deinit(lr);
                return -ENOMEM;
        }
        return 0;
}

void logrank_deinit(LogRank *lr) {
        if (!lr)
                return;
        free(lr->observed);
        free(lr->expected);
        free(lr->var);
        free(lr->work);
        survpasses_deinit(&lr->groups);
        *lr = (LogRank){ 0 };
}

/* Doubles of one group's sums for n arms: observed[n], expected[n], var[n][n]. */
#define SUMS(n) ((n) * ((n) + 2))

/* The arms compared: all of the table's, or a pair. */
typedef struct Arms {
        size_t n;
        const size_t *index; /* [n], or NULL for arms 0 .. n-1 */
} Arms;

static size_t arm_at(const Arms *arms, size_t g) {
        return arms->index ? arms->index[g] : g;
}

/*
 * survdiff2() at one death time of one stratum: risk[g] at risk in group g, deaths in
 * all.  Adds to expected[n] and var[n][n] (observed is counted by the caller).  R divides
 * in every term; the shared quotients here change only the last bits.
 */
static inline __attribute__((always_inline)) void add_time(size_t n, const double *risk, double deaths,
                                                           double *expected, double *var) {
        double at_risk = 0;
        for (size_t g = 0; g < n; g++)
                at_risk += risk[g];
        double share = deaths / at_risk;
        for (size_t g = 0; g < n; g++)
                expected[g] += share * risk[g];
        if (at_risk == 1)
                return;
        double spread = share * (at_risk - deaths) / (at_risk - 1), inv = 1 / at_risk;
        for (size_t j = 0; j < n; j++) {
                double tmp = spread * risk[j];
                for (size_t k = 0; k < n; k++)
                        var[j * n + k] += tmp * ((j == k) - risk[k] * inv);
        }
}

/*
 * The rows from i on of a group of ns strata from s0 for n compared arms, added to sums
 * (observed[n], expected[n], var[n][n]), keeping checkpoints in cp (or none).  risk is a
 * workspace of n values.  Returns 0 or -ENOMEM.
 */
static inline __attribute__((always_inline)) int group_pass(const SurvTable *t, const Arms *arms, size_t n, size_t s0,
                                                             size_t ns, size_t i, SurvCheckpoints *cp, double *risk,
                                                             double *sums) {
        double *observed = sums, *expected = sums + n, *var = sums + 2 * n;
        size_t cells = t->n_strata * t->n_arms;
        for (; i < t->n_times; i++) {
                if (cp && survcheckpoints_keep(cp, t->time[i], sums) < 0)
                        return -ENOMEM;
                const uint32_t *k = t->count + (i * cells + s0 * t->n_arms) * OUTCOME_KINDS + OUTCOME_EVENT;
                const uint32_t *r = t->n_risk + i * cells + s0 * t->n_arms;
                double deaths = 0;
                for (size_t g = 0; g < n; g++) {
                        size_t a = arm_at(arms, g);
                        uint32_t d = 0, at_risk = 0;
                        for (size_t u = 0; u < ns; u++) {
                                d += k[(u * t->n_arms + a) * OUTCOME_KINDS];
                                at_risk += r[u * t->n_arms + a];
                        }
                        risk[g] = at_risk;
                        observed[g] += d;
                        deaths += d;
                }
                if (deaths > 0)
                        add_time(n, risk, deaths, expected, var);
        }
        return 0;
}

/*
 * The sums of one group of strata (stratum `group` when stratified, else all pooled)
 * for the compared arms: from scratch (from 0), or with checkpoints cp taken up at the
 * last before day `from`.  risk is a workspace of arms->n values.  Two arms in one
 * stratum, the common case, get a copy with the loops over them unrolled.  Returns 0
 * or -ENOMEM.
 */
static int group_sums(const SurvTable *t, const Arms *arms, bool stratified, size_t group, int32_t from,
                      SurvCheckpoints *cp, double *risk, double *sums) {
        size_t n = arms->n, s0 = stratified ? group : 0, ns = stratified ? 1 : t->n_strata;
        for (size_t g = 0; g < SUMS(n); g++)
                sums[g] = 0;
        size_t i = cp ? survcheckpoints_resume(cp, t, from, sums) : 0;
        if (n == 2 && ns == 1)
                return group_pass(t, arms, 2, s0, 1, i, cp, risk, sums);
        return group_pass(t, arms, n, s0, ns, i, cp, risk, sums);
}

/* Adds a group's sums to the totals. */
static void add_sums(size_t n, const double *sums, double *observed, double *expected, double *var) {
        for (size_t g = 0; g < n; g++) {
                observed[g] += sums[g];
                expected[g] += sums[n + g];
        }
        for (size_t g = 0; g < n * n; g++)
                var[g] += sums[2 * n + g];
}

/*
 * survdiff's statistic: with the arms whose expected is positive, less the first of them,
 * chisq = (O - E)' V^-1 (O - E).  V is positive semi-definite, so Cholesky solves it; it
 * fails on a singular V, where R's solve() stops, and chisq and p are then NaN.
 */
static void chisq_test(LogRank *lr) {
        size_t n = lr->n_arms, m = 0, first = n;
        for (size_t g = 0; g < n; g++)
                if (lr->expected[g] > 0) {
                        if (m++ == 0)
                                first = g;
                }
        lr->df = (int)m - 1;
        if (m < 2) {
                /* No comparison: R reports chisq 0 on df <= 0, whose p is meaningless. */
                lr->chisq = 0;
                lr->p = NAN;
                return;
        }
        size_t dim = m - 1;
        double *a = lr->work, *b = lr->work + dim * dim;
        size_t r = 0;
        for (size_t j = first + 1; j < n; j++) {
                if (!(lr->expected[j] > 0))
                        continue;
                size_t c = 0;
                for (size_t k = first + 1; k < n; k++)
                        if (lr->expected[k] > 0)
                                a[r * dim + c++] = lr->var[j * n + k];
                b[r++] = lr->observed[j] - lr->expected[j];
        }
        gsl_matrix_view A = gsl_matrix_view_array(a, dim, dim);
        gsl_vector_view x = gsl_vector_view_array(b, dim);
        lr->chisq = lr->p = NAN;
        if (gsl_linalg_cholesky_decomp1(&A.matrix) != GSL_SUCCESS ||
            gsl_linalg_cholesky_svx(&A.matrix, &x.vector) != GSL_SUCCESS)
                return;
        /* b now holds V^-1 (O - E). */
        double chisq = 0;
        r = 0;
        for (size_t j = first + 1; j < n; j++)
                if (lr->expected[j] > 0)
                        chisq += b[r++] * (lr->observed[j] - lr->expected[j]);
        lr->chisq = chisq;
        lr->p = gsl_cdf_chisq_Q(chisq, lr->df);
}

/*
 * The totals of lr's arms (all of t's, or a pair) over t's groups of strata, with each
 * group's sums kept from the last call when the change map leaves them, and taken up
 * from a checkpoint otherwise.  Returns 0 or -ENOMEM.
 */
static int update(LogRank *lr, const SurvTable *t, const Arms *arms, bool stratified, const int32_t *changed) {
        size_t n = lr->n_arms, groups = stratified ? t->n_strata : 1;
        bool paired = arms->index != NULL;
        int r = survpasses_reserve(&lr->groups, groups, SUMS(n), SUMS(n));
        if (r < 0)
                return r;
        if (stratified != lr->stratified || groups != lr->n_groups || paired != lr->paired ||
            (paired && (arms->index[0] != lr->pair[0] || arms->index[1] != lr->pair[1])))
                changed = NULL;
        lr->stratified = stratified;
        lr->n_groups = 0; /* until every group is up to date */
        lr->paired = paired;
        if (paired) {
                lr->pair[0] = arms->index[0];
                lr->pair[1] = arms->index[1];
        }
        for (size_t g = 0; g < n; g++)
                lr->observed[g] = lr->expected[g] = 0;
        for (size_t g = 0; g < n * n; g++)
                lr->var[g] = 0;
        for (size_t g = 0; g < groups; g++) {
                double *sums = lr->groups.result + g * SUMS(n);
                SurvCells cells = survtable_cells(t, SURV_ALL, stratified ? (int)g : SURV_ALL);
                int32_t from = survtable_first_change(changed, cells);
                /* work doubles as the risk workspace here; chisq_test reuses it after. */
                if (from != SURV_UNCHANGED &&
                    (r = group_sums(t, arms, stratified, g, from, &lr->groups.checkpoints[g], lr->work, sums)) < 0)
                        return r;
                add_sums(n, sums, lr->observed, lr->expected, lr->var);
        }
        lr->n_groups = groups;
        return 0;
}

int logrank_update(LogRank *lr, const SurvTable *t, bool stratified, const int32_t *changed) {
        if (t->n_arms != lr->n_arms)
                return -EINVAL;
        Arms all = { .n = lr->n_arms };
        int r = update(lr, t, &all, stratified, changed);
        if (r < 0)
                return r;
        chisq_test(lr);
        return 0;
}

int logrank_test(LogRank *lr, const SurvTable *t, bool stratified) {
        return logrank_update(lr, t, stratified, NULL);
}

/* The z of the first of two arms, from their observed and expected events and variance. */
static LogRankZ z_of(const double *observed, const double *expected, const double *var) {
        return (LogRankZ){
                .observed = observed[0],
                .expected = expected[0],
                .var = var[0],
                .z = (expected[0] - observed[0]) / sqrt(var[0]),
        };
}

int logrank_z(const SurvTable *t, size_t arm, size_t control, bool stratified, LogRankZ *ret) {
        if (arm == control || arm >= t->n_arms || control >= t->n_arms)
                return -EINVAL;
        const size_t index[2] = { arm, control };
        Arms pair = { .n = 2, .index = index };
        double risk[2], sums[SUMS(2)], observed[2] = { 0, 0 }, expected[2] = { 0, 0 }, var[4] = { 0, 0, 0, 0 };
        for (size_t g = 0; g < (stratified ? t->n_strata : 1); g++) {
                (void)group_sums(t, &pair, stratified, g, 0, NULL, risk, sums);
                add_sums(2, sums, observed, expected, var);
        }
        *ret = z_of(observed, expected, var);
        return 0;
}

int logrank_z_update(LogRank *lr, const SurvTable *t, size_t arm, size_t control, bool stratified,
                     const int32_t *changed, LogRankZ *ret) {
        if (lr->n_arms != 2 || arm == control || arm >= t->n_arms || control >= t->n_arms)
                return -EINVAL;
        const size_t index[2] = { arm, control };
        Arms pair = { .n = 2, .index = index };
        int r = update(lr, t, &pair, stratified, changed);
        if (r < 0)
                return r;
        *ret = z_of(lr->observed, lr->expected, lr->var);
        return 0;
}
