/* cox.c — Cox partial-likelihood fit of arm indicators from per-time counts, step for step as R's coxph. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "cox-internal.h"

/* R's coxph.control() defaults. */
#define COX_EPS 1e-9                          /* relative change of the log-likelihood that ends the iteration */
#define COX_ITER_MAX 20
#define COX_TOLER_CHOL 1.8189894035458565e-12 /* .Machine$double.eps^0.75 */
#define COX_TOLER_INF 3.1622776601683795e-05  /* sqrt(eps) */

/*
 * Efron's sums at a time with d tied deaths run over the risk set less r/d of the dying,
 * r = 0..d-1: values in arithmetic progression about their mean xbar, x_r = xbar - j e
 * with j = r - (d-1)/2.  Expanding 1/(1 - j e / xbar) in rho = ((d-1)/2 e / xbar)^2
 * gives every sum the likelihood needs from the centred power sums of j; up to the j^8
 * term they hold to a few ulps while rho <= SERIES_RHO, that is while the dying are
 * below about 1.4% of the (weighted) risk set.  Such a time then costs the same
 * however many die at it, where the sums themselves cost in proportion (and closed
 * forms through lgamma/digamma cancel badly when few of many die).  Times with fewer
 * deaths than SERIES_MIN_DEATHS are cheaper summed term by term, and so are the rare
 * ones with too large a share dying.
 */
#define SERIES_RHO 5e-5
#define SERIES_MIN_DEATHS 6

/*
 * Most tied deaths are a far smaller share of the risk set: up to rho <= SHORT_RHO the
 * series to j^4 holds as well (checked against 113-bit sums), at less than half the
 * work.
 */
#define SHORT_RHO 1e-6

/* Doubles of Newton scratch for k terms: see newton_scratch(). */
#define SCRATCH_SIZE(k) (5 * (k) + (k) + 1 + 2 * (k) * (k))

int cox_init(CoxFit *fit, size_t n_arms) {
        if (n_arms < 2)
                return -EINVAL;
        size_t k = n_arms - 1;
        *fit = (CoxFit){ .n_terms = k };
        fit->term = calloc(k, sizeof(*fit->term));
        fit->var = calloc(k * k, sizeof(*fit->var));
        fit->cells = calloc(1, sizeof(*fit->cells));
        fit->scratch = calloc(SCRATCH_SIZE(k), sizeof(*fit->scratch));
        CoxCells *c = fit->cells;
        if (c) {
                c->n_arms = n_arms;
                c->total = calloc(n_arms, sizeof(*c->total));
                c->sums = aligned_alloc(sizeof(Vec), 2 * (n_arms + n_arms * n_arms) * sizeof(Vec));
                c->group_sums = c->sums ? c->sums + n_arms + n_arms * n_arms : NULL;
        }
        if (!fit->term || !fit->var || !fit->scratch || !c || !c->total || !c->sums) {
                cox_deinit(fit);
                return -ENOMEM;
        }
        return 0;
}

/* Frees the buckets and groups, leaving none. */
static void cells_clear(CoxCells *c) {
        for (size_t b = 0; b < c->n_buckets; b++) {
                free(c->bucket[b].data);
                free(c->bucket[b].day);
        }
        for (size_t g = 0; g < c->cap_groups; g++) {
                free(c->group[g].bucket);
                free(c->group[g].total);
                free(c->group[g].zero);
        }
        free(c->bucket);
        free(c->group);
        c->bucket = NULL;
        c->group = NULL;
        c->n_buckets = c->cap_buckets = c->n_groups = c->cap_groups = 0;
        c->built = false;
}

void cox_deinit(CoxFit *fit) {
        if (!fit)
                return;
        CoxCells *c = fit->cells;
        if (c) {
                cells_clear(c);
                free(c->total);
                free(c->sums);
                free(c);
        }
        free(fit->term);
        free(fit->var);
        free(fit->scratch);
        *fit = (CoxFit){ 0 };
}

/*
 * Grows the array *pp (any pointer type) of *cap rows of size bytes to hold at least n,
 * keeping its contents.  Returns 0 or -ENOMEM.
 */
static int reserve(void *pp, size_t *cap, size_t n, size_t size) {
        if (n <= *cap)
                return 0;
        if (n > SIZE_MAX / 2 / size)
                return -ENOMEM;
        n += n / 2 + 16;
        void *p;
        memcpy(&p, pp, sizeof(p));
        p = realloc(p, n * size);
        if (!p)
                return -ENOMEM;
        memcpy(pp, &p, sizeof(p));
        *cap = n;
        return 0;
}

/* Sums of j^2, j^4, j^6, j^8 over j = r - (d-1)/2, r = 0..d-1. */
static void centred_powers(double d, double *ret) {
        double d2 = d * d, q = d * (d2 - 1);
        ret[0] = q / 12;
        ret[1] = q * (3 * d2 - 7) / 240;
        ret[2] = q * ((3 * d2 - 18) * d2 + 31) / 1344;
        ret[3] = q * (((5 * d2 - 55) * d2 + 239) * d2 - 381) / 11520;
}

/*
 * Whether rho stays within rho_max at every beta for a time with these counts: the
 * share of the weighted risk set dying is at most the largest share of an arm's, and
 * rho = (g / (1 - g))^2 with g = (d-1)/(2d) times that share.
 */
static inline __attribute__((always_inline)) bool rho_within(const uint32_t *risk, const uint32_t *dying, size_t A,
                                                              uint32_t deaths, double rho_max) {
        /* dying / risk <= 2d/(d-1) root / (1 + root), without dividing */
        double root = sqrt(rho_max), left = (deaths - 1) * (1 + root), right = 2.0 * deaths * root;
        bool within = true;
        for (size_t a = 0; a < A; a++)
                within &= dying[a] * left <= risk[a] * right;
        return within;
}

/* How an Efron time is summed: its series order, or ORDER_TERMS. */
static inline __attribute__((always_inline)) int series_order(const uint32_t *risk, const uint32_t *dying, size_t A,
                                                               uint32_t deaths) {
        /* Both tests taken, so that the choice needs no branch. */
        bool series = deaths >= SERIES_MIN_DEATHS && rho_within(risk, dying, A, deaths, SERIES_RHO);
        bool shorter = rho_within(risk, dying, A, deaths, SHORT_RHO);
        return series ? (shorter ? ORDER_SHORT : ORDER_LONG) : ORDER_TERMS;
}

/* The bucket of a group for these deaths and order, made when new.  Returns NULL when out of memory. */
static Bucket *bucket_of(CoxCells *c, Group *g, uint32_t deaths, int order) {
        if (deaths >= g->n_deaths) {
                size_t old = g->n_deaths;
                if (reserve(&g->bucket, &g->n_deaths, deaths + 1, ORDERS * sizeof(*g->bucket)) < 0)
                        return NULL;
                memset(g->bucket + ORDERS * old, 0, ORDERS * (g->n_deaths - old) * sizeof(*g->bucket));
        }
        uint32_t *slot = &g->bucket[ORDERS * deaths + order / 4];
        if (*slot == 0) {
                if (reserve(&c->bucket, &c->cap_buckets, c->n_buckets + 1, sizeof(*c->bucket)) < 0)
                        return NULL;
                Bucket *b = &c->bucket[c->n_buckets];
                *b = (Bucket){ .deaths = deaths, .order = order };
                centred_powers(deaths, b->pw);
                *slot = (uint32_t)++c->n_buckets;
        }
        return &c->bucket[*slot - 1];
}

/* Makes room in a bucket for n rows, keeping its rows.  Returns 0 or -ENOMEM. */
static int bucket_reserve(Bucket *b, size_t fields, size_t n) {
        if (n <= b->cap)
                return 0;
        size_t cap = n + n / 2 + 2 * LANES;
        double *data = malloc(fields * cap * sizeof(*data));
        int32_t *day = realloc(b->day, cap * sizeof(*day));
        if (!data || !day) {
                free(data);
                if (day)
                        b->day = day;
                return -ENOMEM;
        }
        for (size_t f = 0; f < fields && b->data; f++)
                memcpy(data + f * cap, b->data + f * b->cap, b->n * sizeof(*data));
        free(b->data);
        b->data = data;
        b->day = day;
        b->cap = cap;
        return 0;
}

/* Appends a time of a group: per arm at risk and dying, deaths in all.  Returns 0 or -ENOMEM. */
static inline __attribute__((always_inline)) int bucket_append(CoxCells *c, Group *g, CoxTies ties, int32_t day,
                                                                const uint32_t *risk, const uint32_t *dying,
                                                                uint32_t deaths) {
        size_t A = c->n_arms;
        int order = ties == COX_EFRON ? series_order(risk, dying, A, deaths) : 0;
        uint32_t slot = deaths < g->n_deaths ? g->bucket[ORDERS * deaths + order / 4] : 0;
        Bucket *b = slot ? &c->bucket[slot - 1] : bucket_of(c, g, deaths, order);
        /* Room for the padding to a pair of vectors. */
        if (!b || (b->n + 2 * LANES > b->cap && bucket_reserve(b, 2 * A, b->n + 2 * LANES) < 0))
                return -ENOMEM;
        double *data = b->data + b->n;
        size_t cap = b->cap;
        for (size_t a = 0; a < A; a++) {
                data[a * cap] = risk[a];
                data[(A + a) * cap] = dying[a];
        }
        b->day[b->n++] = day;
        return 0;
}

/*
 * Appends to group g's buckets the times with deaths of the table's rows from i on, in
 * ns strata from s0 taken as one, for A arms.  Returns 0 or -ENOMEM.
 */
static inline __attribute__((always_inline)) int fill_rows(CoxCells *c, Group *g, const SurvTable *t, size_t i,
                                                            size_t s0, size_t ns, size_t A) {
        uint32_t risk[A], dying[A];
        const int32_t *time = t->time;
        size_t cells = t->n_strata * A, n_times = t->n_times;
        const uint32_t *n_risk = t->n_risk + s0 * A, *count = t->count + s0 * A * OUTCOME_KINDS + OUTCOME_EVENT;
        for (; i < n_times; i++) {
                const uint32_t *nr = n_risk + i * cells, *ev = count + i * cells * OUTCOME_KINDS;
                uint32_t deaths = 0;
                for (size_t a = 0; a < A; a++) {
                        risk[a] = dying[a] = 0;
                        for (size_t s = 0; s < ns; s++) {
                                risk[a] += nr[s * A + a];
                                dying[a] += ev[(s * A + a) * OUTCOME_KINDS];
                        }
                        deaths += dying[a];
                }
                if (deaths > 0) {
                        int r = bucket_append(c, g, c->ties, time[i], risk, dying, deaths);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/*
 * Refills group k's buckets (stratum k, or all strata pooled when not stratified) with
 * the table's times from day `from` on, and counts its events.  Returns 0 or -ENOMEM.
 */
static int group_fill(CoxCells *c, const SurvTable *t, size_t k, int32_t from) {
        size_t A = c->n_arms, s0 = c->stratified ? k : 0, ns = c->stratified ? 1 : t->n_strata;
        Group *g = &c->group[k];
        g->zero_valid = false;
        for (size_t i = 0; i < ORDERS * g->n_deaths; i++)
                if (g->bucket[i]) {
                        Bucket *b = &c->bucket[g->bucket[i] - 1];
                        b->n = days_through(b->day, b->n, from - 1);
                }
        /* Two arms and one stratum, the common case, with the loops over them unrolled. */
        size_t first = days_through(t->time, t->n_times, from - 1);
        int r = A == 2 && ns == 1 ? fill_rows(c, g, t, first, s0, 1, 2) : fill_rows(c, g, t, first, s0, ns, A);
        if (r < 0)
                return r;
        /* Pad each bucket to pairs of vectors with a neutral time (x = 1 from arm 0 alone), and count the events. */
        for (size_t a = 0; a < A; a++)
                g->total[a] = 0;
        for (size_t i = 0; i < ORDERS * g->n_deaths; i++) {
                if (!g->bucket[i])
                        continue;
                Bucket *b = &c->bucket[g->bucket[i] - 1];
                for (size_t row = b->n; row % (2 * LANES) != 0; row++)
                        for (size_t f = 0; f < 2 * A; f++)
                                b->data[f * b->cap + row] = f == 0;
                /* Whole vectors, padding included: its dying are 0. */
                for (size_t a = 0; a < A; a++) {
                        const double *d = b->data + (A + a) * b->cap;
                        Vec total = { 0 };
                        for (size_t row = 0; row < b->n; row += LANES)
                                total += vec_load(d + row);
                        g->total[a] += vec_sum(total);
                }
        }
        return 0;
}

/*
 * Brings the buckets of a fit up to date with table t, which differs from the table
 * they were built from as the change map `changed` says (NULL: anywhere), and counts
 * the events per arm.  Returns 0 or -ENOMEM.
 */
static int cells_update(CoxCells *c, const SurvTable *t, bool stratified, CoxTies ties, const int32_t *changed) {
        size_t A = c->n_arms, groups = stratified ? t->n_strata : 1;
        if (!c->built || groups != c->n_groups || stratified != c->stratified || ties != c->ties) {
                cells_clear(c);
                changed = NULL;
        }
        size_t old = c->cap_groups;
        if (reserve(&c->group, &c->cap_groups, groups, sizeof(*c->group)) < 0)
                return -ENOMEM;
        memset(c->group + old, 0, (c->cap_groups - old) * sizeof(*c->group));
        for (size_t k = 0; k < groups; k++) {
                Group *g = &c->group[k];
                if (!g->total && !(g->total = calloc(A, sizeof(*g->total))))
                        return -ENOMEM;
                if (!g->zero && !(g->zero = aligned_alloc(sizeof(Vec), (A + A * A) * sizeof(Vec))))
                        return -ENOMEM;
        }
        c->stratified = stratified;
        c->ties = ties;
        c->n_groups = groups;
        c->built = false; /* until every group is up to date */
        for (size_t k = 0; k < groups; k++) {
                SurvCells cells = survtable_cells(t, SURV_ALL, stratified ? (int)k : SURV_ALL);
                int32_t from = survtable_first_change(changed, cells);
                int r = from == SURV_UNCHANGED ? 0 : group_fill(c, t, k, from);
                if (r < 0)
                        return r;
        }
        c->built = true;
        for (size_t a = 0; a < A; a++) {
                c->total[a] = 0;
                for (size_t k = 0; k < groups; k++)
                        c->total[a] += c->group[k].total[a];
        }
        return 0;
}

/*
 * Factors the symmetric m (upper triangle given) as L D L' in its lower triangle and
 * diagonal, as R's cholesky2: a pivot below toler times the largest diagonal marks an
 * aliased column, whose pivot is set to 0 and which later solves skip.  GSL's
 * factorizations reject such semidefinite matrices instead.  Returns the rank.
 */
static size_t ldl_factor(double *m, size_t n, double toler) {
        double big = 0;
        for (size_t i = 0; i < n; i++) {
                if (m[i * n + i] > big)
                        big = m[i * n + i];
                for (size_t j = i + 1; j < n; j++)
                        m[j * n + i] = m[i * n + j];
        }
        if (big == 0)
                return 0;
        double eps = big * toler;
        size_t rank = 0;
        for (size_t i = 0; i < n; i++) {
                double pivot = m[i * n + i];
                if (!isfinite(pivot) || pivot < eps) {
                        m[i * n + i] = 0;
                        continue;
                }
                rank++;
                for (size_t j = i + 1; j < n; j++) {
                        double l = m[j * n + i] / pivot;
                        m[j * n + i] = l;
                        m[j * n + j] -= l * l * pivot;
                        for (size_t q = j + 1; q < n; q++)
                                m[q * n + j] -= l * m[q * n + i];
                }
        }
        return rank;
}

/* Solves m y = b in place for the ldl_factor of m, zero for aliased columns. */
static void ldl_solve(const double *m, size_t n, double *y) {
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < i; j++)
                        y[i] -= y[j] * m[i * n + j];
        for (size_t i = n; i-- > 0;) {
                if (m[i * n + i] == 0) {
                        y[i] = 0;
                        continue;
                }
                y[i] /= m[i * n + i];
                for (size_t j = i + 1; j < n; j++)
                        y[i] -= y[j] * m[j * n + i];
        }
}

/*
 * Replaces the ldl_factor in m by the symmetric inverse of the factored matrix, with
 * zero rows and columns for aliased columns (a generalized inverse).
 */
static void ldl_invert(double *m, size_t n) {
        /* Invert D and the unit lower triangle L in place. */
        for (size_t i = 0; i < n; i++) {
                if (m[i * n + i] <= 0)
                        continue;
                m[i * n + i] = 1 / m[i * n + i];
                for (size_t j = i + 1; j < n; j++) {
                        m[j * n + i] = -m[j * n + i];
                        for (size_t q = 0; q < i; q++)
                                m[j * n + q] += m[j * n + i] * m[i * n + q];
                }
        }
        /* The inverse is L^-T D^-1 L^-1, formed in the upper triangle. */
        for (size_t i = 0; i < n; i++) {
                if (m[i * n + i] == 0) {
                        for (size_t j = 0; j < n; j++)
                                m[i * n + j] = m[j * n + i] = 0;
                        continue;
                }
                for (size_t j = i + 1; j < n; j++) {
                        double v = m[j * n + i] * m[j * n + j];
                        m[i * n + j] = v;
                        for (size_t q = i; q < j; q++)
                                m[i * n + q] += v * m[j * n + q];
                }
        }
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < i; j++)
                        m[i * n + j] = m[j * n + i];
}

/* Scratch of the Newton iteration, carved from fit->scratch (SCRATCH_SIZE doubles) and the cells' sums. */
typedef struct Newton {
        double *beta, *newbeta, *step, *u0; /* [k] */
        double *w;                          /* [n_arms] */
        double *chol;                       /* [k][k]: the information, factored */
        Sums sums;
        Eval e;
} Newton;

static Newton newton_scratch(const CoxFit *fit) {
        size_t k = fit->n_terms, A = k + 1;
        double *s = fit->scratch;
        Newton n = { .beta = s, .newbeta = s + k, .step = s + 2 * k, .u0 = s + 3 * k };
        n.e.u = s + 4 * k;
        n.w = s + 5 * k;
        n.e.imat = n.w + A;
        n.chol = n.e.imat + k * k;
        n.sums.share = fit->cells->sums;
        n.sums.info = n.sums.share + A;
        return n;
}

static bool all_finite(const double *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!isfinite(v[i]))
                        return false;
        return true;
}

/*
 * R's coxfit6 iteration: Newton-Raphson from beta 0, each step accepted when the
 * log-likelihood does not fall and otherwise pulled back towards the last accepted
 * beta (by half, then two thirds, ...); done when the log-likelihood changed by at
 * most COX_EPS relative, at that iterate.  Leaves the fitted beta in n->beta, the
 * score at it in n->e.u, its variance in fit->var; sets the log-likelihoods, the
 * score statistic, iter and converged.
 */
static void newton(CoxFit *fit, CoxTies ties, Newton *n) {
        CoxCells *c = fit->cells;
        size_t k = fit->n_terms;

        memset(n->beta, 0, k * sizeof(*n->beta));
        cox_evaluate(c, ties, n->beta, n->w, &n->sums, &n->e);
        fit->loglik_null = fit->loglik = n->e.loglik;
        memcpy(n->chol, n->e.imat, k * k * sizeof(*n->chol));
        ldl_factor(n->chol, k, COX_TOLER_CHOL);
        memcpy(n->u0, n->e.u, k * sizeof(*n->u0));
        ldl_solve(n->chol, k, n->u0);
        double sc = 0;
        for (size_t a = 0; a < k; a++) {
                sc += n->e.u[a] * n->u0[a];
                n->newbeta[a] = n->beta[a] + n->u0[a];
        }
        fit->score.stat = sc;

        double best = n->e.loglik;
        int halving = 0;
        for (fit->iter = 1; fit->iter <= COX_ITER_MAX; fit->iter++) {
                cox_evaluate(c, ties, n->newbeta, n->w, &n->sums, &n->e);
                memcpy(n->chol, n->e.imat, k * k * sizeof(*n->chol));
                ldl_factor(n->chol, k, COX_TOLER_CHOL);
                bool finite = isfinite(n->e.loglik) && all_finite(n->e.u, k) && all_finite(n->chol, k * k);
                if (finite && fabs(1 - best / n->e.loglik) <= COX_EPS) {
                        fit->loglik = n->e.loglik;
                        memcpy(n->beta, n->newbeta, k * sizeof(*n->beta));
                        ldl_invert(n->chol, k);
                        memcpy(fit->var, n->chol, k * k * sizeof(*fit->var));
                        fit->converged = true;
                        return;
                }
                if (!finite || n->e.loglik < best) {
                        halving++;
                        for (size_t a = 0; a < k; a++)
                                n->newbeta[a] = (n->newbeta[a] + halving * n->beta[a]) / (halving + 1.0);
                } else {
                        halving = 0;
                        best = n->e.loglik;
                        memcpy(n->step, n->e.u, k * sizeof(*n->step));
                        ldl_solve(n->chol, k, n->step);
                        for (size_t a = 0; a < k; a++) {
                                n->beta[a] = n->newbeta[a];
                                n->newbeta[a] += n->step[a];
                        }
                }
        }
        /*
         * Out of iterations: R re-evaluates at the last accepted beta and inverts that
         * information without factoring it, which keeps only its diagonal.
         */
        cox_evaluate(c, ties, n->beta, n->w, &n->sums, &n->e);
        fit->loglik = n->e.loglik;
        memset(fit->var, 0, k * k * sizeof(*fit->var));
        for (size_t a = 0; a < k; a++)
                if (n->e.imat[a * k + a] > 0)
                        fit->var[a * k + a] = 1 / n->e.imat[a * k + a];
        fit->converged = false;
}

/*
 * Upper tail of the chi-square.  On 0 degrees of freedom (nothing estimable) it is R's
 * pchisq(): all mass at 0, so p is 1 for a statistic of 0 and 0 above.
 */
static double chisq_p(double stat, size_t df) {
        if (df == 0)
                return stat > 0 ? 0 : 1;
        return gsl_cdf_chisq_Q(stat, (double)df);
}

static void set_test(CoxTest *test, double stat, size_t df) {
        *test = (CoxTest){ .stat = stat, .df = df, .p = chisq_p(stat, df) };
}

/*
 * The Wald test of the estimable coefficients as R's coxph.wtest: b' V^-1 b with V
 * factored as the information was.  Uses n->chol, n->step and n->u0 as scratch.
 */
static double wald_stat(const CoxFit *fit, const Newton *n) {
        size_t k = fit->n_terms, m = 0;
        for (size_t a = 0; a < k; a++) {
                if (!fit->term[a].estimable)
                        continue;
                size_t q = 0;
                for (size_t b = 0; b < k; b++)
                        if (fit->term[b].estimable)
                                n->chol[m * k + q++] = fit->var[a * k + b];
                n->step[m++] = n->beta[a];
        }
        if (m == 0)
                return 0;
        if (m == 1)
                return n->step[0] * n->step[0] / n->chol[0];
        /* Repack the m x m block contiguously for the factorization. */
        for (size_t i = 0; i < m; i++)
                memmove(n->chol + i * m, n->chol + i * k, m * sizeof(*n->chol));
        double *solve = n->u0;
        memcpy(solve, n->step, m * sizeof(*solve));
        ldl_factor(n->chol, m, COX_TOLER_CHOL);
        ldl_solve(n->chol, m, solve);
        double stat = 0;
        for (size_t i = 0; i < m; i++)
                stat += n->step[i] * solve[i];
        return stat;
}

/*
 * R's warnings about infinite coefficients: after convergence, a term whose
 * one-step change |u V| is still above eps and toler.inf |coef|; after running out of
 * iterations, a coefficient above 500 or a non-finite change.
 */
static bool looks_infinite(const CoxFit *fit, const Newton *n, size_t a) {
        size_t k = fit->n_terms;
        double change = 0;
        for (size_t b = 0; b < k; b++)
                change += n->e.u[b] * fit->var[b * k + a];
        change = fabs(change);
        if (!fit->converged)
                return !isfinite(change) || n->beta[a] > 500;
        return !isfinite(n->e.u[a]) || (change > COX_EPS && change > COX_TOLER_INF * fabs(n->beta[a]));
}

static void set_term(CoxTerm *term, double coef, double var, double zq) {
        if (var == 0) {
                /*
                 * Aliased: R's NA.  (When its iterations ran out R leaves such a term
                 * at 0 with se 0; it is no better estimated for that.)
                 */
                *term = (CoxTerm){ .coef = NAN, .se = NAN, .hr = NAN, .lower = NAN, .upper = NAN,
                                   .z = NAN, .p = NAN };
                return;
        }
        double se = sqrt(var), z = coef / se;
        *term = (CoxTerm){
                .coef = coef, .se = se, .hr = exp(coef),
                .lower = exp(coef - zq * se), .upper = exp(coef + zq * se),
                .z = z, .p = gsl_cdf_chisq_Q(z * z, 1), .estimable = true,
        };
}

/* R's answer without events: nothing estimable, log-likelihoods 0, every test 0. */
static void fit_no_events(CoxFit *fit) {
        size_t k = fit->n_terms;
        memset(fit->var, 0, k * k * sizeof(*fit->var));
        for (size_t a = 0; a < k; a++)
                set_term(&fit->term[a], 0, 0, 0);
        fit->loglik_null = fit->loglik = 0;
        set_test(&fit->lrt, 0, 0);
        set_test(&fit->score, 0, 0);
        set_test(&fit->wald, 0, 0);
        fit->iter = 0;
        fit->converged = true;
}

int cox_fit(CoxFit *fit, const SurvTable *t, const CoxOptions *opt) {
        return cox_update(fit, t, opt, NULL);
}

int cox_update(CoxFit *fit, const SurvTable *t, const CoxOptions *opt, const int32_t *changed) {
        size_t k = fit->n_terms;
        if (t->n_arms != k + 1 || (opt->ties != COX_EFRON && opt->ties != COX_BRESLOW) ||
            !(opt->conf_level > 0 && opt->conf_level < 1))
                return -EINVAL;
        int r = cells_update(fit->cells, t, opt->stratified, opt->ties, changed);
        if (r < 0)
                return r;

        fit->n = 0;
        for (size_t c = 0; c < t->n_strata * t->n_arms; c++)
                fit->n += t->n_start[c];
        fit->n_events = 0;
        for (size_t a = 0; a <= k; a++)
                fit->n_events += (uint64_t)fit->cells->total[a];
        if (fit->n_events == 0) {
                fit_no_events(fit);
                return 0;
        }

        Newton n = newton_scratch(fit);
        newton(fit, opt->ties, &n);

        double zq = gsl_cdf_ugaussian_Pinv((1 + opt->conf_level) / 2);
        size_t df = 0;
        for (size_t a = 0; a < k; a++) {
                set_term(&fit->term[a], n.beta[a], fit->var[a * k + a], zq);
                if (fit->term[a].estimable) {
                        fit->term[a].infinite = looks_infinite(fit, &n, a);
                        df++;
                }
        }
        set_test(&fit->lrt, -2 * (fit->loglik_null - fit->loglik), df);
        set_test(&fit->score, fit->score.stat, df);
        set_test(&fit->wald, wald_stat(fit, &n), df);
        return 0;
}
