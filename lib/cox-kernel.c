/* cox-kernel.c — the Cox partial likelihood at one beta, summed over the buckets of event times LANES at a time. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "cox-internal.h"

/* cox_evaluate() built for AVX2 and for the baseline, or the baseline alone: see LANES. */
#if defined(__x86_64__) && !defined(__AVX2__) && !defined(INTERIM_BASELINE)
#define KERNEL __attribute__((target_clones("default", "avx2")))
#else
#define KERNEL
#endif
typedef int64_t VecInt __attribute__((vector_size(LANES * sizeof(int64_t))));
typedef uint64_t VecBits __attribute__((vector_size(LANES * sizeof(uint64_t))));

/*
 * Products of risk sets are kept as mantissas and binary exponents.  While every
 * |beta| <= SAFE_BETA each x lies within 2^+-178 (weights within 2^+-145, at most
 * 2^32 at risk, at least 1 in total), so RENORM_EVERY factors fit in a double between
 * renormalizations; beyond it every factor is renormalized with frexp(), which also
 * carries a zero or infinite risk set through to the log-likelihood as R has it.
 */
#define SAFE_BETA 100.0
#define RENORM_EVERY 4

/* A product of risk sets: the running mantissas, their exponents, and factors since renormalizing. */
typedef struct Product {
        Vec m;
        VecInt e;
        int pending, every;
} Product;

static inline __attribute__((always_inline)) Product product_new(int every) {
        return (Product){ .m = (Vec){ 0 } + 1, .every = every };
}

static inline __attribute__((always_inline)) void product_mul(Product *p, Vec x) {
        p->m *= x;
        if (++p->pending < p->every)
                return;
        p->pending = 0;
        if (p->every == RENORM_EVERY) {
                /* m is positive and normal: move its exponent to e, leaving it in [1, 2). */
                VecBits bits = (VecBits)p->m, shift = (bits >> 52) - 1023;
                p->e += (VecInt)shift;
                p->m = (Vec)(bits - (shift << 52));
        } else
                for (int l = 0; l < LANES; l++) {
                        int shift;
                        p->m[l] = frexp(p->m[l], &shift);
                        p->e[l] += shift;
                }
}

/* product_mul() of a factor that is the product of two safe ones, so counts for two. */
static inline __attribute__((always_inline)) void product_mul_pair(Product *p, Vec x) {
        p->pending++;
        product_mul(p, x);
}

static inline __attribute__((always_inline)) double product_log(const Product *p) {
        double sum = 0;
        for (int l = 0; l < LANES; l++)
                sum += log(p->m[l]) + (double)p->e[l] * M_LN2;
        return sum;
}

/*
 * Efron's sums over the deaths r of series times, x_r = xbar - j step with
 * j = r - (deaths-1)/2, from the centred power sums pw of j: of 1/x, j/x, 1/x^2, j/x^2,
 * j^2/x^2 and log(x / xbar).
 */
typedef struct Series {
        Vec h1, j1, h2, j2, k2, log;
} Series;

static inline __attribute__((always_inline)) void series_sums(const Bucket *b, int order, Vec xbar, Vec step,
                                                              Series *q) {
        const double *pw = b->pw;
        double deaths = b->deaths;
        Vec inv = 1 / xbar, t = step * inv, tau = t * t, inv2 = inv * inv;
        if (order == ORDER_SHORT) {
                q->h1 = inv * (deaths + tau * (pw[0] + tau * pw[1]));
                q->j1 = inv * t * (pw[0] + tau * pw[1]);
                q->h2 = inv2 * (deaths + tau * (3 * pw[0] + tau * 5 * pw[1]));
                q->j2 = inv2 * t * (2 * pw[0] + tau * 4 * pw[1]);
                q->k2 = inv2 * (pw[0] + tau * 3 * pw[1]);
                q->log = -tau * (pw[0] / 2 + tau * pw[1] / 4);
                return;
        }
        q->h1 = inv * (deaths + tau * (pw[0] + tau * (pw[1] + tau * (pw[2] + tau * pw[3]))));
        q->j1 = inv * t * (pw[0] + tau * (pw[1] + tau * (pw[2] + tau * pw[3])));
        q->h2 = inv2 * (deaths + tau * (3 * pw[0] + tau * (5 * pw[1] + tau * (7 * pw[2] + tau * 9 * pw[3]))));
        q->j2 = inv2 * t * (2 * pw[0] + tau * (4 * pw[1] + tau * (6 * pw[2] + tau * 8 * pw[3])));
        q->k2 = inv2 * (pw[0] + tau * (3 * pw[1] + tau * (5 * pw[2] + tau * 7 * pw[3])));
        q->log = -tau * (pw[0] / 2 + tau * (pw[1] / 4 + tau * (pw[2] / 6 + tau * pw[3] / 8)));
}

/*
 * Sums over the deaths r of a series time of p_a and of p_a p_b: arm a's weight at
 * death r is w_a (mid_a - j f_a), with mid_a = n_a - (d-1)/2 f_a.
 */
static inline __attribute__((always_inline)) Vec series_share(const Series *z, double w, Vec mid, Vec f) {
        return w * (mid * z->h1 - f * z->j1);
}

static inline __attribute__((always_inline)) Vec series_pair(const Series *z, double wa, Vec mida, Vec fa, double wb,
                                                              Vec midb, Vec fb) {
        return wa * wb * (mida * midb * z->h2 - (mida * fb + midb * fa) * z->j2 + fa * fb * z->k2);
}

/*
 * Adds the times of one bucket at the weights w = exp(beta) (w[0] = 1) to the sums and
 * returns their sum of log x over the deaths.  Term by term, each of `loops` risk sets
 * per time enters `mult` times (Efron: d and 1; Breslow: 1 and d); by series, the sums
 * over the deaths come from series_sums().  For any number of arms.
 */
static inline __attribute__((always_inline)) double add_bucket_any(const CoxCells *c, const Bucket *b, int order,
                                                                   uint32_t loops, double mult, const double *w,
                                                                   int every, Sums *s) {
        size_t A = c->n_arms;
        Vec share[A], info[A * A], n[A], f[A], mid[A], p[A], corr = { 0 };
        Product prod = product_new(every);
        double half = (b->deaths - 1) / 2.0, per_death = 1.0 / b->deaths;
        for (size_t a = 1; a < A; a++) {
                share[a] = (Vec){ 0 };
                for (size_t q = a; q < A; q++)
                        info[a * A + q] = (Vec){ 0 };
        }
        const double *data = b->data;
        size_t cap = b->cap;
        for (size_t i = 0; i < b->n; i += LANES) {
                Vec x0 = { 0 }, step = { 0 };
                for (size_t a = 0; a < A; a++) {
                        n[a] = vec_load(data + a * cap + i);
                        f[a] = vec_load(data + (A + a) * cap + i) * per_death;
                        x0 += n[a] * w[a];
                        step += f[a] * w[a];
                }
                if (order != ORDER_TERMS) {
                        Series z;
                        Vec xbar = x0 - half * step;
                        series_sums(b, order, xbar, step, &z);
                        for (size_t a = 1; a < A; a++)
                                mid[a] = n[a] - half * f[a];
                        for (size_t a = 1; a < A; a++) {
                                Vec sh = series_share(&z, w[a], mid[a], f[a]);
                                share[a] += sh;
                                info[a * A + a] += sh - series_pair(&z, w[a], mid[a], f[a], w[a], mid[a], f[a]);
                                for (size_t q = a + 1; q < A; q++)
                                        info[a * A + q] -= series_pair(&z, w[a], mid[a], f[a], w[q], mid[q], f[q]);
                        }
                        corr += z.log;
                        product_mul(&prod, xbar);
                        continue;
                }
                for (uint32_t r = 0; r < loops; r++) {
                        Vec x = x0 - (double)r * step, inv = 1 / x;
                        for (size_t a = 1; a < A; a++)
                                p[a] = (n[a] - (double)r * f[a]) * (w[a] * inv);
                        for (size_t a = 1; a < A; a++) {
                                share[a] += p[a];
                                info[a * A + a] += p[a] - p[a] * p[a];
                                for (size_t q = a + 1; q < A; q++)
                                        info[a * A + q] -= p[a] * p[q];
                        }
                        product_mul(&prod, x);
                }
        }
        for (size_t a = 1; a < A; a++) {
                s->share[a] += mult * share[a];
                for (size_t q = a; q < A; q++)
                        s->info[a * A + q] += mult * info[a * A + q];
        }
        /* A series time's product is of xbar, its log taken once per death. */
        return (order != ORDER_TERMS ? b->deaths : mult) * product_log(&prod) + vec_sum(corr);
}

/*
 * The terms r < loops of two vectors of times at once, while every factor is safe:
 * one division serves both, 1/x_a = x_b / (x_a x_b), and the pair's product enters the
 * running product as one factor counting for two.
 */
static inline __attribute__((always_inline)) void terms_paired(uint32_t loops, Vec n1a, Vec x0a, Vec f1a, Vec stepa,
                                                                Vec n1b, Vec x0b, Vec f1b, Vec stepb, Vec *share,
                                                                Vec *info, Product *prod) {
        Vec xa = x0a, xb = x0b, na = n1a, nb = n1b;
        for (uint32_t r = 0; r < loops; r++) {
                Vec ab = xa * xb, inv = 1 / ab;
                Vec pa = na * (xb * inv), pb = nb * (xa * inv);
                *share += pa + pb;
                *info += (pa - pa * pa) + (pb - pb * pb);
                product_mul_pair(prod, ab);
                /* The next of the dying leaves each risk set. */
                xa -= stepa;
                xb -= stepb;
                na -= f1a;
                nb -= f1b;
        }
}

/*
 * add_bucket_any() for two arms (w the second's weight), written out so that every sum
 * stays in a register, and with the second arm's counts weighted once per time.  A
 * single risk set per time (Breslow, or one death) needs no shares of the deaths.
 */
static inline __attribute__((always_inline)) double add_bucket_two(const Bucket *b, int order,
                                                                   uint32_t loops, double mult, double w,
                                                                   int every, Sums *s) {
        Vec share = { 0 }, info = { 0 }, corr = { 0 };
        Product prod = product_new(every);
        double half = (b->deaths - 1) / 2.0, per_death = 1.0 / b->deaths;
        const double *data = b->data;
        size_t cap = b->cap;
        if (order == ORDER_TERMS && every == RENORM_EVERY) {
                /* Buckets are padded to pairs of vectors. */
                for (size_t i = 0; i < b->n; i += 2 * LANES) {
                        size_t j = i + LANES;
                        Vec n1a = vec_load(data + cap + i) * w, x0a = vec_load(data + i) + n1a;
                        Vec n1b = vec_load(data + cap + j) * w, x0b = vec_load(data + j) + n1b;
                        Vec f1a = { 0 }, stepa = { 0 }, f1b = { 0 }, stepb = { 0 };
                        if (loops > 1) {
                                f1a = vec_load(data + 3 * cap + i) * (per_death * w);
                                stepa = vec_load(data + 2 * cap + i) * per_death + f1a;
                                f1b = vec_load(data + 3 * cap + j) * (per_death * w);
                                stepb = vec_load(data + 2 * cap + j) * per_death + f1b;
                        }
                        terms_paired(loops, n1a, x0a, f1a, stepa, n1b, x0b, f1b, stepb, &share, &info, &prod);
                }
                s->share[1] += mult * share;
                s->info[3] += mult * info;
                return mult * product_log(&prod);
        }
        for (size_t i = 0; i < b->n; i += LANES) {
                Vec n0 = vec_load(data + i), n1 = vec_load(data + cap + i) * w, x0 = n0 + n1;
                if (order == ORDER_TERMS && loops == 1) {
                        Vec p1 = n1 / x0;
                        share += p1;
                        info += p1 - p1 * p1;
                        product_mul(&prod, x0);
                        continue;
                }
                Vec f0 = vec_load(data + 2 * cap + i) * per_death;
                Vec f1 = vec_load(data + 3 * cap + i) * (per_death * w), step = f0 + f1;
                if (order != ORDER_TERMS) {
                        Series z;
                        Vec xbar = x0 - half * step, mid1 = n1 - half * f1;
                        series_sums(b, order, xbar, step, &z);
                        Vec sh = series_share(&z, 1, mid1, f1);
                        share += sh;
                        info += sh - series_pair(&z, 1, mid1, f1, 1, mid1, f1);
                        corr += z.log;
                        product_mul(&prod, xbar);
                        continue;
                }
                for (uint32_t r = 0; r < loops; r++) {
                        Vec x = x0 - (double)r * step;
                        Vec p1 = (n1 - (double)r * f1) / x;
                        share += p1;
                        info += p1 - p1 * p1;
                        product_mul(&prod, x);
                }
        }
        s->share[1] += mult * share;
        s->info[3] += mult * info;
        return (order != ORDER_TERMS ? b->deaths : mult) * product_log(&prod) + vec_sum(corr);
}

/* Adds a group's buckets by deaths and order; returns their sum of log x over the deaths. */
static inline __attribute__((always_inline)) double add_group(const CoxCells *c, const Group *g, CoxTies ties,
                                                               const double *w, int every, Sums *s) {
        double log = 0;
        for (size_t i = 0; i < ORDERS * g->n_deaths; i++) {
                if (!g->bucket[i] || c->bucket[g->bucket[i] - 1].n == 0)
                        continue;
                const Bucket *b = &c->bucket[g->bucket[i] - 1];
                /* Efron: a risk set per death, each once; Breslow: one, entering once per death. */
                uint32_t loops = ties == COX_EFRON ? b->deaths : 1;
                double mult = ties == COX_EFRON ? 1 : b->deaths;
                if (c->n_arms != 2)
                        log += add_bucket_any(c, b, b->order, loops, mult, w, every, s);
                else if (b->order == ORDER_LONG)
                        log += add_bucket_two(b, ORDER_LONG, 1, 1, w[1], every, s);
                else if (b->order == ORDER_SHORT)
                        log += add_bucket_two(b, ORDER_SHORT, 1, 1, w[1], every, s);
                else if (loops == 1)
                        log += add_bucket_two(b, ORDER_TERMS, 1, mult, w[1], every, s);
                else
                        log += add_bucket_two(b, ORDER_TERMS, loops, mult, w[1], every, s);
        }
        return log;
}

/*
 * Adds every group's sums to s (zeroed), each group's formed apart (an order independent
 * of when each bucket was made), and at beta 0 taken from the group when it has them;
 * returns the sum of log x over the deaths.
 */
static inline __attribute__((always_inline)) double add_all(CoxCells *c, CoxTies ties, const double *w, int every,
                                                             bool at_zero, Sums *s) {
        size_t width = c->n_arms + c->n_arms * c->n_arms;
        Vec *total = s->share, *sums = c->group_sums;
        Sums group = { .share = sums, .info = sums + c->n_arms };
        double log = 0;
        for (size_t k = 0; k < c->n_groups; k++) {
                Group *g = &c->group[k];
                double group_log;
                if (at_zero && g->zero_valid) {
                        memcpy(sums, g->zero, width * sizeof(*sums));
                        group_log = g->zero_log;
                } else {
                        for (size_t i = 0; i < width; i++)
                                sums[i] = (Vec){ 0 };
                        group_log = add_group(c, g, ties, w, every, &group);
                        if (at_zero) {
                                memcpy(g->zero, sums, width * sizeof(*sums));
                                g->zero_log = group_log;
                                g->zero_valid = true;
                        }
                }
                log += group_log;
                for (size_t i = 0; i < width; i++)
                        total[i] += sums[i];
        }
        return log;
}

KERNEL void cox_evaluate(CoxCells *c, CoxTies ties, const double *beta, double *w, Sums *s, Eval *e) {
        size_t A = c->n_arms, k = A - 1;
        double loglik = 0;
        int every = RENORM_EVERY;
        bool at_zero = true;
        w[0] = 1;
        for (size_t a = 1; a < A; a++) {
                w[a] = exp(beta[a - 1]);
                loglik += c->total[a] * beta[a - 1];
                if (!(fabs(beta[a - 1]) <= SAFE_BETA))
                        every = 1;
                at_zero &= beta[a - 1] == 0;
        }
        for (size_t i = 0; i < A + A * A; i++)
                s->share[i] = (Vec){ 0 };
        loglik -= add_all(c, ties, w, every, at_zero, s);
        e->loglik = loglik;
        for (size_t a = 1; a < A; a++) {
                e->u[a - 1] = c->total[a] - vec_sum(s->share[a]);
                for (size_t b = a; b < A; b++)
                        e->imat[(a - 1) * k + b - 1] = vec_sum(s->info[a * A + b]);
        }
}
