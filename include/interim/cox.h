/* cox.h — Cox proportional-hazards model of the arms (arm 0 the control), fitted from a SurvTable. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interim/survtable.h"

/* How tied event times enter the partial likelihood. */
typedef enum {
        COX_EFRON = 0,
        COX_BRESLOW = 1,
} CoxTies;

/* What to fit. */
typedef struct CoxOptions {
        CoxTies ties;
        bool stratified;   /* a baseline hazard per stratum of the table (R's strata()) */
        double conf_level; /* of the Wald limits of the hazard ratios, in (0, 1) */
} CoxOptions;

/*
 * One non-control arm's term.  A term R reports as NA (an arm with nobody, no events at
 * all, or an information that cancels to 0) has estimable false and NaN in every
 * number, se included (R prints 0 there, from the zeroed row of its variance).
 */
typedef struct CoxTerm {
        double coef;         /* log hazard ratio against arm 0 */
        double se;           /* its standard error */
        double hr;           /* exp(coef) */
        double lower, upper; /* Wald limits of hr at conf_level */
        double z;            /* coef / se */
        double p;            /* two-sided Wald p */
        bool estimable;
        bool infinite;       /* R warns the coefficient may be infinite (e.g. an arm without events) */
} CoxTerm;

/*
 * A chi-square test of all estimable terms at once.  With none estimable df is 0 and p,
 * as R's pchisq() has it, 1 for a statistic of 0 and 0 otherwise.
 */
typedef struct CoxTest {
        double stat;
        size_t df;
        double p;
} CoxTest;

/*
 * A fit and the workspace it reuses from one refresh to the next: cox_init() it once
 * for a number of arms, then cox_fit() or cox_update() it as often as needed; memory
 * grows only when a table has more event times than any before.
 */
typedef struct CoxFit {
        size_t n_terms;           /* arms - 1 */
        CoxTerm *term;            /* [n_terms]: term[a - 1] is arm a against arm 0 */
        double *var;              /* [n_terms][n_terms]: variance of the coefficients */
        double loglik_null;       /* partial log-likelihood at coef 0 */
        double loglik;            /* at the fitted coef */
        CoxTest lrt, score, wald; /* likelihood-ratio, score (log-rank) and Wald tests */
        uint64_t n, n_events;     /* patients and events of the fit */
        int iter;                 /* Newton iterations (R's fit$iter; 21 when they ran out) */
        bool converged;           /* false: R warns "Ran out of iterations"; var is then diagonal, as R's */

        /* Workspace, private to cox.c. */
        struct CoxCells *cells;
        double *scratch;
} CoxFit;

/* Prepares a fit for tables of n_arms arms (at least 2).  Returns 0, -EINVAL or -ENOMEM. */
int cox_init(CoxFit *fit, size_t n_arms);

/* Frees what cox_init and cox_fit allocated; accepts a zeroed fit. */
void cox_deinit(CoxFit *fit);

/*
 * Fits the hazard of the event (outcome 1; competing events count as censorings, so
 * this is the cause-specific hazard) on one indicator per non-control arm, as R's
 * coxph(Surv(time, status == 1) ~ factor(arm) [+ strata(stratum)], ties = ...) does,
 * into fit: Newton-Raphson from 0 with R's step-halving, convergence test and
 * singularity rule, so that iterations, estimates and tests are R's.  t must be sealed
 * and have the arms fit was prepared for.  A table with no events gives R's answer: NA
 * terms, log-likelihoods 0, every test 0 on 0 df with p 1, iter 0.  Returns 0, -EINVAL
 * (bad options or arms) or -ENOMEM.
 */
int cox_fit(CoxFit *fit, const SurvTable *t, const CoxOptions *opt);

/*
 * cox_fit() on a table that differs from the one of fit's last fit only as the change
 * map `changed` says (see survtable.h; NULL: anywhere): what the likelihood is made of
 * is redone only for the strata and days a change reaches (the iteration itself is
 * not), giving what cox_fit() gives.  Returns as cox_fit().
 */
int cox_update(CoxFit *fit, const SurvTable *t, const CoxOptions *opt, const int32_t *changed);
