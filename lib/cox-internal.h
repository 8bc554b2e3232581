/* cox-internal.h — what the Cox files share: the buckets of event times the fit is made of, their sums, and cox_evaluate(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "interim/cox.h"

#define SERIES_POWERS 4 /* centred power sums of j^2, j^4, j^6, j^8 */

/* A time's order: 0 summed term by term, else the highest power of j kept. */
enum { ORDER_TERMS = 0, ORDER_SHORT = 4, ORDER_LONG = 8, ORDERS = 3 };

/*
 * The kernels take LANES terms at once as GCC generic vectors: SIMD where the target
 * has it, and in any case independent sums for consecutive terms.  Vectors pass only
 * between static inlined functions here, so no calling convention is involved.  On
 * x86-64 cox_evaluate() (with every kernel inlined) is built twice, for AVX2 and for the
 * baseline, and the loader picks the one the processor runs; both make the same
 * operations on four lanes, so they give the same numbers to the bit.  Defining
 * INTERIM_BASELINE builds the baseline alone (the tests check it that way too).
 */
#if defined(__x86_64__) || defined(__AVX__)
#define LANES 4
#else
#define LANES 2
#endif
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double Vec __attribute__((vector_size(LANES * sizeof(double))));

/* LANES doubles from p, aligned or not. */
static inline __attribute__((always_inline)) Vec vec_load(const double *p) {
        Vec v;
        memcpy(&v, p, sizeof(v));
        return v;
}

/* The sum of v's lanes, in order. */
static inline __attribute__((always_inline)) double vec_sum(Vec v) {
        double sum = 0;
        for (int l = 0; l < LANES; l++)
                sum += v[l];
        return sum;
}

/*
 * Event times are kept per group of strata (a stratum, or all when not stratified) in
 * buckets of equal deaths and order, each in time order, with each field contiguous so
 * that LANES times load as a vector; a bucket is padded to a whole pair of vectors with
 * a neutral time.  A change in a group's rows from some day on empties its buckets from
 * that day on and refills them from the table: they hold what building them afresh
 * would, in the same order, so the sums of the likelihood are the same to the bit.
 */
typedef struct Bucket {
        uint32_t deaths;
        int order;                /* ORDER_TERMS, or Efron by the series of this order */
        double pw[SERIES_POWERS]; /* series: centred power sums of j for the deaths */
        size_t n, cap;            /* times, and rows allocated */
        double *data;             /* [2 n_arms][cap]: at risk, then dying, per arm */
        int32_t *day;             /* [cap] */
} Bucket;

/*
 * A group's buckets by deaths and order, its events, and its sums (see Sums) at beta 0,
 * where every fit starts: they stand while the group's times do.
 */
typedef struct Group {
        size_t n_deaths;  /* deaths below this have slots */
        uint32_t *bucket; /* [n_deaths][ORDERS]: index + 1 in CoxCells.bucket, 0 for none yet */
        double *total;    /* [n_arms]: events per arm */
        Vec *zero;        /* [n_arms + n_arms^2]: the sums at beta 0 */
        double zero_log;  /* and the sum of log x */
        bool zero_valid;
} Group;

/*
 * What the likelihood of a fit is made of.  Every patient of an arm shares its
 * covariates, so the counts at risk and dying per arm at each event time of each
 * stratum (each time when not stratified) are all it depends on: per arm the number
 * at risk n_a and its share of the deaths f_a = d_a / d.  The risk set of the r-th of
 * d tied deaths (Efron) is x_r = sum_a (n_a - r f_a) exp(beta_a); Breslow takes r = 0
 * for all d.  Times are bucketed by d, so that the log-likelihood is a few logs of
 * products.
 */
typedef struct CoxCells {
        size_t n_arms;
        double *total; /* [n_arms]: events per arm */

        /* The buckets' table: groups of strata and ties; built false while they stand for none. */
        size_t n_groups, cap_groups;
        bool built, stratified;
        CoxTies ties;
        Group *group;

        size_t n_buckets, cap_buckets;
        Bucket *bucket;

        Vec *sums;       /* [n_arms + n_arms^2]: see Sums */
        Vec *group_sums; /* [n_arms + n_arms^2]: one group's */
} CoxCells;

/*
 * Sums over the risk sets at one beta, before their multiplicity, in LANES parts: per
 * arm a >= 1 of its share p_a of the risk set, and the information, of p_a - p_a^2 on
 * the diagonal and -p_a p_b off it.  R forms the diagonal so too: where one arm makes
 * up nearly all of the risk set it cancels to 0 in both, and the term is aliased.
 */
typedef struct Sums {
        Vec *share; /* [n_arms] */
        Vec *info;  /* [n_arms][n_arms], 1 <= a <= b */
} Sums;

/* The partial likelihood at one beta: value, score and information (upper triangle). */
typedef struct Eval {
        double loglik;
        double *u;    /* [k] */
        double *imat; /* [k][k] */
} Eval;

/*
 * The partial likelihood at beta (w the scratch of the weights exp(beta), n_arms of
 * them), with s (n_arms + n_arms^2 vectors) the scratch of its sums, into e.
 */
void cox_evaluate(CoxCells *c, CoxTies ties, const double *beta, double *w, Sums *s, Eval *e);
