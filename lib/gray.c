/* gray.c — Gray's k-sample test for the cumulative incidence of the event, as cmprsk's crstm defines it. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>

#include "interim/cif.h"
#include "interim/numeric.h"

/* R's qr() (LINPACK dqrdc2) takes a column as dependent below this fraction of its norm. */
#define QR_TOL 1e-7

/*
 * The state of one pass over a stratum, in crst's terms, for ng groups of which the
 * first m = ng - 1 carry scores.  A group with nobody at risk on a day has h = 0
 * there, which zeroes its row and column of crst's a (step() says why it needs no
 * other test).  Only the m rows of c that the variance reads are kept.  The pass's
 * state is one run of doubles from skmm to fm, the rest scratch.
 */
typedef struct {
        size_t ng, m;
        const size_t *arm;           /* [ng] the table's arm of each group */
        double *state;               /* the state, STATE_SIZE(ng) doubles: */
        double *skmm, *inv_skmm;     /* [ng] all-cause Kaplan–Meier before the day, and 1 / it while > 0 */
        double *f1m;                 /* [ng] cumulative incidence before the day */
        double *v3;                  /* [ng] */
        double *c;                   /* [m][ng] */
        double *v2;                  /* [m][ng] */
        double *s, *v;               /* [m], [m][m]: the stratum's scores and their variance */
        double *fm;                  /* [1] pooled cumulative incidence before the day */
        double *d1, *d2, *rs;        /* [ng] events, competing events, at risk, on the day */
        double *h;                   /* [ng] rs / skmm: crst's \hat h, the weighted risk set */
        double *we, *qw, *w, *ak;    /* [ng] the day's variance weights by group, see step() */
        double *total_s, *total_v;   /* [m], [m][m]: the terms summed over strata */
        double *tau;                 /* [m] QR scratch */
        double *x;                   /* [m] QR scratch */
} Gray;

/* Doubles of a pass's state, and of a stratum's terms (scores and variance), for ng groups. */
#define STATE_SIZE(ng) (4 * (ng) + 2 * ((ng) - 1) * (ng) + ((ng) - 1) * (ng) + 1)
#define TERMS_SIZE(ng) ((ng) - 1 + ((ng) - 1) * ((ng) - 1))

void gray_init(GrayWork *w) {
        *w = (GrayWork){ 0 };
}

void gray_deinit(GrayWork *w) {
        if (!w)
                return;
        free(w->buf);
        free(w->arm);
        survpasses_deinit(&w->strata);
        gray_init(w);
}

static int reserve(GrayWork *w, size_t n_arms, size_t ng, Gray *g) {
        size_t m = ng - 1;
        size_t need = STATE_SIZE(ng) + 8 * ng + m + m * m + 2 * m;
        if (need > w->capacity) {
                double *buf = realloc(w->buf, need * sizeof(*buf));
                if (!buf)
                        return -ENOMEM;
                w->buf = buf;
                w->capacity = need;
        }
        if (n_arms > w->arm_capacity) {
                size_t *arm = realloc(w->arm, n_arms * sizeof(*arm));
                if (!arm)
                        return -ENOMEM;
                w->arm = arm;
                w->arm_capacity = n_arms;
        }
        double *p = w->buf;
        *g = (Gray){ .ng = ng, .m = m, .arm = w->arm, .state = p };
        g->skmm = p, p += ng;
        g->inv_skmm = p, p += ng;
        g->f1m = p, p += ng;
        g->v3 = p, p += ng;
        g->c = p, p += m * ng;
        g->v2 = p, p += m * ng;
        g->s = p, p += m;
        g->v = p, p += m * m;
        g->fm = p, p += 1;
        g->d1 = p, p += ng;
        g->d2 = p, p += ng;
        g->rs = p, p += ng;
        g->h = p, p += ng;
        g->we = p, p += ng;
        g->qw = p, p += ng;
        g->w = p, p += ng;
        g->ak = p, p += ng;
        g->total_s = p, p += m;
        g->total_v = p, p += m * m;
        g->tau = p, p += m;
        g->x = p;
        return 0;
}

/* The state at the start of a stratum. */
static void stratum_start(Gray *g) {
        size_t ng = g->ng;
        for (size_t k = 0; k < ng; k++) {
                g->skmm[k] = g->inv_skmm[k] = 1;
                g->f1m[k] = g->v3[k] = 0;
        }
        memset(g->c, 0, g->m * ng * sizeof(*g->c));
        memset(g->v2, 0, g->m * ng * sizeof(*g->v2));
        memset(g->s, 0, g->m * sizeof(*g->s));
        memset(g->v, 0, g->m * g->m * sizeof(*g->v));
        g->fm[0] = 0;
}

/*
 * For the per-day code, so that pass() can stamp out copies with ng and the strata
 * fixed; the unroll pragmas below then unroll the loops over two groups completely.
 */
#define INLINE static inline __attribute__((always_inline))

/*
 * Gathers row i's counts by group, summed over ns strata from s0; returns whether the
 * day has a death of either cause, with the events of interest in *ret_nd1.
 */
INLINE bool gather(Gray *g, size_t ng, const SurvTable *t, size_t i, size_t s0, size_t ns, double *ret_nd1) {
        size_t width = t->n_arms;
        const uint32_t *n = survtable_counts(t, i, s0, 0), *r = t->n_risk + (i * t->n_strata + s0) * width;
        uint32_t nd1 = 0, nd2 = 0;
#pragma GCC unroll 2
        for (size_t k = 0; k < ng; k++) {
                size_t a = g->arm[k];
                uint32_t d1 = 0, d2 = 0, rs = 0;
                for (size_t s = 0; s < ns; s++) {
                        d1 += n[(s * width + a) * OUTCOME_KINDS + OUTCOME_EVENT];
                        d2 += n[(s * width + a) * OUTCOME_KINDS + OUTCOME_COMPETING];
                        rs += r[s * width + a];
                }
                g->d1[k] = d1;
                g->d2[k] = d2;
                g->rs[k] = rs;
                nd1 += d1;
                nd2 += d2;
        }
        *ret_nd1 = nd1;
        return nd1 + nd2 > 0;
}

/*
 * One day with nd1 events of interest (and some competing events) in the stratum.
 * crst's a = fb (diag(h) - h h' / tr) is formed entry by entry where it is needed.
 * For each group k crst adds we ye ye' + wc yc yc' to the variance, with ye = a_.k -
 * qe c_.k for its events and yc = -qc c_.k for its competing events (today's c);
 * since qe = 1 - qc that is we a a' - qe we (a c' + c a') + w c c', w = qe^2 we +
 * qc^2 wc, and likewise qe we a - w c for v2 and w for v3.
 */
INLINE void step(Gray *g, size_t ng, double nd1, double rho) {
        size_t m = ng - 1;
        const double *restrict d1 = g->d1, *restrict d2 = g->d2, *restrict rs = g->rs;
        double *restrict h = g->h, *restrict skmm = g->skmm, *restrict inv_skmm = g->inv_skmm;
        double *restrict f1m = g->f1m, *restrict v3 = g->v3, *restrict c = g->c, *restrict v2 = g->v2;
        double *restrict s = g->s, *restrict v = g->v;
        double fm = g->fm[0], tr = 0, tq = 0;
#pragma GCC unroll 2
        for (size_t k = 0; k < ng; k++) {
                h[k] = rs[k] * inv_skmm[k];
                tr += h[k];
                tq += h[k] * (1 - f1m[k]);
        }
        double fb = rho == 0 ? 1 : pow(1 - fm, rho); /* the same, without a call per day */
        double f = fm, inv_tr = 0;
        if (nd1 > 0) {
                inv_tr = 1 / tr;
                f = fm + nd1 * inv_tr;
                double inv_tq = 1 / tq;
                double dc = fb * nd1 * inv_tr / (1 - fm); /* c grows by a dF / (1 - F-) */
                for (size_t i = 0; i < m; i++) {
                        for (size_t k = 0; k < ng; k++)
                                c[i * ng + k] -= dc * h[i] * h[k] * inv_tr;
                        c[i * ng + i] += dc * h[i];
                        s[i] += fb * (d1[i] - nd1 * h[i] * (1 - f1m[i]) * inv_tq);
                }
        }

        /*
         * Group by group without branches on the day's counts, which vary from day to
         * day past a branch predictor.  A tie correction 1 - (d - 1)/(n - 1) is 1 for
         * one death and weightless for none.  crst's tests on skm need no counterpart:
         * from a group's last day on its column of c no longer changes, so the qe and
         * qc terms of that day cancel against stratum_finish()'s; a group never at
         * risk in the stratum has zero a and c.
         */
        double *restrict we = g->we, *restrict qw = g->qw, *restrict w = g->w, *restrict ak = g->ak;
#pragma GCC unroll 2
        for (size_t k = 0; k < ng; k++) {
                double r = rs[k], left = r - d1[k] - d2[k], tie1 = tr * skmm[k] - 1, tie2 = r - 1;
                double inv_r = 1 / (r > 0 ? r : 1);
                double inv_tie1 = 1 / (nd1 > 1 ? tie1 : 1);
                double inv_tie2 = 1 / (r > 1 ? tie2 : 1);
                double inv_skm = inv_skmm[k] * r / (left > 0 ? left : 1);
                double qc = (1 - f) * inv_skm, qe = 1 - qc;
                double wck = (1 - (d2[k] - 1) * inv_tie2) * skmm[k] * skmm[k] * d2[k] * inv_r * inv_r;
                we[k] = (1 - (nd1 - 1) * inv_tie1) * skmm[k] * nd1 * inv_tr * inv_r;
                qw[k] = qe * we[k];
                w[k] = qe * qw[k] + qc * qc * wck;
                v3[k] += w[k];
                ak[k] = -fb * h[k] * inv_tr; /* a_ik = h_i (ak + fb [i = k]) */
                f1m[k] += skmm[k] * d1[k] * inv_r;
                skmm[k] *= left * inv_r;
                inv_skmm[k] = inv_skm;
        }
        for (size_t i = 0; i < m; i++) {
                for (size_t k = 0; k < ng; k++) {
                        double ai = h[i] * (ak[k] + (i == k ? fb : 0));
                        v2[i * ng + k] += qw[k] * ai - w[k] * c[i * ng + k];
                }
                for (size_t j = 0; j <= i; j++)
                        for (size_t k = 0; k < ng; k++) {
                                double ai = h[i] * (ak[k] + (i == k ? fb : 0)), ci = c[i * ng + k];
                                double aj = h[j] * (ak[k] + (j == k ? fb : 0)), cj = c[j * ng + k];
                                v[i * m + j] += we[k] * ai * aj - qw[k] * (ai * cj + ci * aj) + w[k] * ci * cj;
                        }
        }
        g->fm[0] = f;
}

/*
 * The stratum's terms into terms[m + m^2]: its scores, and its variance with the terms
 * that need its final c added, c V3 c' + c v2' + v2 c'.
 */
static void stratum_finish(const Gray *g, double *terms) {
        size_t ng = g->ng, m = g->m;
        memcpy(terms, g->s, m * sizeof(*terms));
        memset(terms + m, 0, m * m * sizeof(*terms)); /* the upper triangle stays 0 */
        for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j <= i; j++) {
                        double v = g->v[i * m + j];
                        for (size_t k = 0; k < ng; k++) {
                                double ci = g->c[i * ng + k], cj = g->c[j * ng + k];
                                v += ci * cj * g->v3[k];
                                v += ci * g->v2[j * ng + k];
                                v += cj * g->v2[i * ng + k];
                        }
                        terms[m + i * m + j] = v;
                }
}

/* The rows of t from i on, for ns strata from s0 taken as one, keeping checkpoints in cp. */
INLINE int pass_fixed(Gray *g, size_t ng, const SurvTable *t, size_t i, size_t s0, size_t ns, double rho,
                      SurvCheckpoints *cp) {
        for (; i < t->n_times; i++) {
                if (survcheckpoints_keep(cp, t->time[i], g->state) < 0)
                        return -ENOMEM;
                double nd1;
                if (gather(g, ng, t, i, s0, ns, &nd1))
                        step(g, ng, nd1, rho);
        }
        return 0;
}

/*
 * One pass over the table's rows from i on.  Two arms, by far the common trial, get
 * copies with the loops over arms (and strata) unrolled.
 */
static int pass(Gray *g, const SurvTable *t, size_t i, size_t s0, size_t ns, double rho, SurvCheckpoints *cp) {
        if (g->ng == 2 && ns == 1)
                return pass_fixed(g, 2, t, i, s0, 1, rho, cp);
        if (g->ng == 2)
                return pass_fixed(g, 2, t, i, s0, ns, rho, cp);
        return pass_fixed(g, g->ng, t, i, s0, ns, rho, cp);
}

/*
 * s' V^-1 s, or -1 when V is singular by R's qr() rule: unpivoted Householder QR, a
 * column dependent once what is left of it falls below QR_TOL of its norm (dqrdc2
 * pivots only such columns, so the first one met decides the rank).
 */
static int quadratic_form(Gray *g, double *ret_stat) {
        size_t m = g->m;
        for (size_t i = 0; i < m; i++)
                for (size_t j = i + 1; j < m; j++)
                        g->total_v[i * m + j] = g->total_v[j * m + i];
        gsl_matrix_view v = gsl_matrix_view_array(g->total_v, m, m);
        gsl_vector_view tau = gsl_vector_view_array(g->tau, m);
        gsl_vector_view s = gsl_vector_view_array(g->total_s, m);
        gsl_vector_view x = gsl_vector_view_array(g->x, m);
        for (size_t j = 0; j < m; j++) {
                gsl_vector_view col = gsl_matrix_column(&v.matrix, j);
                double norm = gsl_blas_dnrm2(&col.vector);
                g->x[j] = norm > 0 ? norm : 1;
        }
        int r = gsl_linalg_QR_decomp(&v.matrix, &tau.vector);
        if (r != GSL_SUCCESS)
                return numeric_status(r);
        for (size_t j = 0; j < m; j++)
                if (fabs(gsl_matrix_get(&v.matrix, j, j)) < QR_TOL * g->x[j]) {
                        *ret_stat = -1;
                        return 0;
                }
        r = gsl_linalg_QR_solve(&v.matrix, &tau.vector, &s.vector, &x.vector);
        if (r != GSL_SUCCESS)
                return numeric_status(r);
        r = gsl_blas_ddot(&s.vector, &x.vector, ret_stat);
        return numeric_status(r);
}

static bool arm_has_patients(const SurvTable *t, size_t arm) {
        for (size_t s = 0; s < t->n_strata; s++)
                if (survtable_size(t, s, arm) > 0)
                        return true;
        return false;
}

/* Whether any patient had the event (cause 1): cuminc() has no test for a cause that never occurs. */
static bool has_events(const SurvTable *t) {
        uint32_t counts[OUTCOME_KINDS];
        for (size_t i = 0; i < t->n_times; i++) {
                survtable_select(t, i, SURV_ALL, SURV_ALL, counts);
                if (counts[OUTCOME_EVENT] > 0)
                        return true;
        }
        return false;
}

int gray_update(const SurvTable *t, bool stratified, double rho, const int32_t *changed, GrayWork *w, GrayTest *ret) {
        size_t ng = 0;
        for (size_t a = 0; a < t->n_arms; a++)
                ng += arm_has_patients(t, a);
        if (ng < 2 || !has_events(t)) {
                w->ng = 0;
                *ret = (GrayTest){ .stat = NAN, .p = NAN, .df = 0 };
                return 0;
        }

        Gray g;
        int r = reserve(w, t->n_arms, ng, &g);
        if (r < 0)
                return r;
        /* The terms and checkpoints kept are of the last test's groups and options. */
        bool same = ng == w->ng && stratified == w->stratified && rho == w->rho && t->n_strata == w->n_strata;
        for (size_t a = 0, k = 0; a < t->n_arms; a++)
                if (arm_has_patients(t, a)) {
                        same = same && w->arm[k] == a;
                        w->arm[k++] = a;
                }
        if (!same)
                changed = NULL;
        size_t groups = stratified ? t->n_strata : 1, m = ng - 1;
        if ((r = survpasses_reserve(&w->strata, groups, TERMS_SIZE(ng), STATE_SIZE(ng))) < 0)
                return r;
        /* Until every stratum is redone, the kept terms stand for no test. */
        w->ng = 0;
        memset(g.total_s, 0, m * sizeof(*g.total_s));
        memset(g.total_v, 0, m * m * sizeof(*g.total_v));
        for (size_t k = 0; k < groups; k++) {
                double *terms = w->strata.result + k * TERMS_SIZE(ng);
                SurvCells cells = survtable_cells(t, SURV_ALL, stratified ? (int)k : SURV_ALL);
                int32_t from = survtable_first_change(changed, cells);
                if (from != SURV_UNCHANGED) {
                        SurvCheckpoints *cp = &w->strata.checkpoints[k];
                        stratum_start(&g);
                        size_t first = survcheckpoints_resume(cp, t, from, g.state);
                        if ((r = pass(&g, t, first, stratified ? k : 0, stratified ? 1 : t->n_strata, rho, cp)) < 0)
                                return r;
                        stratum_finish(&g, terms);
                }
                for (size_t i = 0; i < m; i++)
                        g.total_s[i] += terms[i];
                for (size_t i = 0; i < m * m; i++)
                        g.total_v[i] += terms[m + i];
        }
        w->ng = ng;
        w->stratified = stratified;
        w->rho = rho;
        w->n_strata = t->n_strata;

        double stat;
        r = quadratic_form(&g, &stat);
        if (r < 0)
                return r;
        /* 1 - P rather than Q: the p-value as cuminc computes it. */
        *ret = (GrayTest){ .stat = stat, .p = 1 - gsl_cdf_chisq_P(stat, (double)(ng - 1)), .df = (unsigned)(ng - 1) };
        return 0;
}

int gray_test(const SurvTable *t, bool stratified, double rho, GrayWork *w, GrayTest *ret) {
        return gray_update(t, stratified, rho, NULL, w, ret);
}
