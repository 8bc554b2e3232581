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
 * first m = ng - 1 carry scores.  Groups with nobody at risk on a day are skipped on
 * that day, as crst does.
 */
typedef struct {
        size_t ng, m;
        const size_t *arm;           /* [ng] the table's arm of each group */
        double *d1, *d2, *rs;        /* [ng] events, competing events, at risk, on the day */
        double *skmm, *skm;          /* [ng] all-cause Kaplan–Meier before and after the day */
        double *f1m;                 /* [ng] cumulative incidence before the day */
        double *v3;                  /* [ng] */
        double *a, *c;               /* [ng][ng] */
        double *v2;                  /* [m][ng] */
        double *s, *v;               /* [m], [m][m]: scores and their variance, summed over strata */
        double *tau;                 /* [m] QR scratch */
        double *x;                   /* [m] QR scratch */
        double fm;                   /* pooled cumulative incidence before the day */
} Gray;

void gray_init(GrayWork *w) {
        *w = (GrayWork){ 0 };
}

void gray_deinit(GrayWork *w) {
        if (!w)
                return;
        free(w->buf);
        free(w->arm);
        gray_init(w);
}

static int reserve(GrayWork *w, size_t n_arms, size_t ng, Gray *g) {
        size_t m = ng - 1;
        size_t need = 7 * ng + 2 * ng * ng + m * ng + m * m + 3 * m;
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
        *g = (Gray){ .ng = ng, .m = m, .arm = w->arm };
        g->d1 = p, p += ng;
        g->d2 = p, p += ng;
        g->rs = p, p += ng;
        g->skmm = p, p += ng;
        g->skm = p, p += ng;
        g->f1m = p, p += ng;
        g->v3 = p, p += ng;
        g->a = p, p += ng * ng;
        g->c = p, p += ng * ng;
        g->v2 = p, p += m * ng;
        g->s = p, p += m;
        g->v = p, p += m * m;
        g->tau = p, p += m;
        g->x = p;
        return 0;
}

static void stratum_start(Gray *g) {
        size_t ng = g->ng;
        for (size_t k = 0; k < ng; k++) {
                g->skmm[k] = g->skm[k] = 1;
                g->f1m[k] = g->v3[k] = 0;
        }
        memset(g->c, 0, ng * ng * sizeof(*g->c));
        memset(g->v2, 0, g->m * ng * sizeof(*g->v2));
        g->fm = 0;
}

/* Gathers the day's counts by group (over every stratum for SURV_ALL); returns events + competing. */
static double gather(Gray *g, const SurvTable *t, size_t i, int stratum, double *ret_nd1) {
        size_t s0 = stratum == SURV_ALL ? 0 : (size_t)stratum;
        size_t s1 = stratum == SURV_ALL ? t->n_strata : s0 + 1;
        double nd1 = 0, nd2 = 0;
        for (size_t k = 0; k < g->ng; k++) {
                uint32_t d1 = 0, d2 = 0, rs = 0;
                for (size_t s = s0; s < s1; s++) {
                        const uint32_t *n = survtable_counts(t, i, s, g->arm[k]);
                        d1 += n[OUTCOME_EVENT];
                        d2 += n[OUTCOME_COMPETING];
                        rs += survtable_at_risk(t, i, s, g->arm[k]);
                }
                g->d1[k] = d1;
                g->d2[k] = d2;
                g->rs[k] = rs;
                nd1 += d1;
                nd2 += d2;
        }
        *ret_nd1 = nd1;
        return nd1 + nd2;
}

/*
 * Adds w times the outer product of the columns y_i = p_ik - q c_ik (i < m) of one
 * group k to the score variance, and w q y_ik to v2: crst's update for one group's
 * deaths, with p = a for events of interest and p = 0 for competing events.
 */
static void add_group_terms(Gray *g, size_t k, const double *p, double q, double w) {
        size_t ng = g->ng;
        for (size_t i = 0; i < g->m; i++) {
                double yi = (p ? p[i * ng + k] : 0) - q * g->c[i * ng + k];
                g->v2[i * ng + k] += yi * q * w;
                for (size_t j = 0; j <= i; j++) {
                        double yj = (p ? p[j * ng + k] : 0) - q * g->c[j * ng + k];
                        g->v[i * g->m + j] += yi * yj * w;
                }
        }
}

/* One day with nd1 events of interest (and some competing events) in the stratum. */
static void step(Gray *g, double nd1, double rho) {
        size_t ng = g->ng;
        double tr = 0, tq = 0, fm = g->fm;
        for (size_t k = 0; k < ng; k++) {
                if (g->rs[k] <= 0)
                        continue;
                double rs = g->rs[k], skmm = g->skmm[k];
                g->skm[k] = skmm * (rs - g->d1[k] - g->d2[k]) / rs;
                tr += rs / skmm;
                tq += rs * (1 - g->f1m[k]) / skmm;
        }
        double f = fm + nd1 / tr;

        if (nd1 > 0) {
                /* a is the day's weighted covariance of group indicators; c sums a dF/(1 - F-). */
                double fb = pow(1 - fm, rho);
                for (size_t i = 0; i < ng; i++) {
                        for (size_t j = i; j < ng; j++)
                                g->a[i * ng + j] = 0;
                        if (g->rs[i] <= 0)
                                continue;
                        double t1 = g->rs[i] / g->skmm[i];
                        g->a[i * ng + i] = fb * t1 * (1 - t1 / tr);
                        g->c[i * ng + i] += g->a[i * ng + i] * nd1 / (tr * (1 - fm));
                        for (size_t j = i + 1; j < ng; j++) {
                                if (g->rs[j] <= 0)
                                        continue;
                                g->a[i * ng + j] = -fb * t1 * g->rs[j] / (g->skmm[j] * tr);
                                g->c[i * ng + j] += g->a[i * ng + j] * nd1 / (tr * (1 - fm));
                        }
                }
                for (size_t i = 1; i < ng; i++)
                        for (size_t j = 0; j < i; j++) {
                                g->a[i * ng + j] = g->a[j * ng + i];
                                g->c[i * ng + j] = g->c[j * ng + i];
                        }
                for (size_t i = 0; i < g->m; i++)
                        if (g->rs[i] > 0)
                                g->s[i] += fb * (g->d1[i] - nd1 * g->rs[i] * (1 - g->f1m[i]) / (g->skmm[i] * tq));

                for (size_t k = 0; k < ng; k++) {
                        if (g->rs[k] <= 0)
                                continue;
                        double t4 = g->skm[k] > 0 ? 1 - (1 - f) / g->skm[k] : 1;
                        double t5 = nd1 > 1 ? 1 - (nd1 - 1) / (tr * g->skmm[k] - 1) : 1;
                        double t3 = t5 * g->skmm[k] * nd1 / (tr * g->rs[k]);
                        g->v3[k] += t4 * t4 * t3;
                        add_group_terms(g, k, g->a, t4, t3);
                }
        }

        for (size_t k = 0; k < ng; k++) {
                double d2 = g->d2[k], rs = g->rs[k];
                if (g->skm[k] <= 0 || d2 <= 0)
                        continue;
                double t4 = (1 - f) / g->skm[k];
                double t5 = d2 > 1 ? 1 - (d2 - 1) / (rs - 1) : 1;
                double t3 = t5 * (g->skmm[k] * g->skmm[k] * d2) / (rs * rs);
                g->v3[k] += t4 * t4 * t3;
                /* crst subtracts here where the event update adds: y = -t4 c gives that sign. */
                add_group_terms(g, k, NULL, t4, t3);
        }

        g->fm = f;
        for (size_t k = 0; k < ng; k++)
                if (g->rs[k] > 0) {
                        g->f1m[k] += g->skmm[k] * g->d1[k] / g->rs[k];
                        g->skmm[k] = g->skm[k];
                }
}

/* Adds the stratum's terms that need its final c: c V3 c' + c v2' + v2 c'. */
static void stratum_finish(Gray *g) {
        size_t ng = g->ng, m = g->m;
        for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j <= i; j++) {
                        double *v = &g->v[i * m + j];
                        for (size_t k = 0; k < ng; k++) {
                                double ci = g->c[i * ng + k], cj = g->c[j * ng + k];
                                *v += ci * cj * g->v3[k];
                                *v += ci * g->v2[j * ng + k];
                                *v += cj * g->v2[i * ng + k];
                        }
                }
}

static void pass(Gray *g, const SurvTable *t, int stratum, double rho) {
        stratum_start(g);
        for (size_t i = 0; i < t->n_times; i++) {
                double nd1;
                if (gather(g, t, i, stratum, &nd1) > 0)
                        step(g, nd1, rho);
        }
        stratum_finish(g);
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
                        g->v[i * m + j] = g->v[j * m + i];
        gsl_matrix_view v = gsl_matrix_view_array(g->v, m, m);
        gsl_vector_view tau = gsl_vector_view_array(g->tau, m);
        gsl_vector_view s = gsl_vector_view_array(g->s, m);
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

int gray_test(const SurvTable *t, bool stratified, double rho, GrayWork *w, GrayTest *ret) {
        size_t ng = 0;
        for (size_t a = 0; a < t->n_arms; a++)
                ng += arm_has_patients(t, a);
        if (ng < 2) {
                *ret = (GrayTest){ .stat = NAN, .p = NAN, .df = 0 };
                return 0;
        }

        Gray g;
        int r = reserve(w, t->n_arms, ng, &g);
        if (r < 0)
                return r;
        for (size_t a = 0, k = 0; a < t->n_arms; a++)
                if (arm_has_patients(t, a))
                        w->arm[k++] = a;
        memset(g.s, 0, g.m * sizeof(*g.s));
        memset(g.v, 0, g.m * g.m * sizeof(*g.v));

        if (stratified)
                for (size_t s = 0; s < t->n_strata; s++)
                        pass(&g, t, (int)s, rho);
        else
                pass(&g, t, SURV_ALL, rho);

        double stat;
        r = quadratic_form(&g, &stat);
        if (r < 0)
                return r;
        /* 1 - P rather than Q: the p-value as cuminc computes it. */
        *ret = (GrayTest){ .stat = stat, .p = 1 - gsl_cdf_chisq_P(stat, (double)(ng - 1)), .df = (unsigned)(ng - 1) };
        return 0;
}
