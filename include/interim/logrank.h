/* logrank.h — the k-arm log-rank test, unstratified or stratified, and the signed z of one arm against a control. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "interim/survtable.h"

/*
 * survdiff(Surv(time, status == 1) ~ arm [+ strata(stratum)]): competing events are
 * censorings.  Arms with nobody have zero counts and take no part, as an absent factor
 * level in R.  The caller owns the struct: logrank_init() once for the table's number of
 * arms, logrank_test() or logrank_update() on every refresh (their memory grows with the
 * table's strata and days, then is reused), logrank_deinit() at the end.
 */
typedef struct LogRank {
        size_t n_arms;
        double *observed; /* [n_arms] events, summed over strata */
        double *expected; /* [n_arms] */
        double *var;      /* [n_arms][n_arms] variance of observed - expected */
        double chisq;     /* NaN when the variance is singular (R stops) */
        int df;           /* arms with expected > 0, less one (R's rule; -1 with no event) */
        double p;         /* upper tail of chi-square on df; NaN when df < 1 */
        double *work;     /* [n_arms][n_arms + 1] for the solve */

        /* What logrank_update() reuses: the sums of each group of strata and the checkpoints of its pass. */
        bool stratified;  /* of the last test */
        bool paired;      /* the last test was logrank_z_update()'s, of pair[0] against pair[1] */
        size_t pair[2];
        size_t n_groups;
        SurvPasses groups; /* results: observed[n_arms], expected[n_arms], var[n_arms][n_arms] */
} LogRank;

/* The two-arm comparison used by group-sequential monitoring. */
typedef struct LogRankZ {
        double observed; /* events in the arm */
        double expected;
        double var;
        double z; /* (expected - observed) / sqrt(var): positive favours the arm */
} LogRankZ;

/* Allocates the arrays for n_arms (> 0) arms.  Returns 0, -EINVAL or -ENOMEM. */
int logrank_init(LogRank *lr, size_t n_arms);

/* Frees the arrays; accepts NULL and a zeroed struct. */
void logrank_deinit(LogRank *lr);

/*
 * Runs the test on a sealed table with lr's number of arms, pooling the strata or, when
 * stratified, summing the per-stratum observed, expected and variance as
 * survdiff(... + strata(stratum)).  O(rows x cells x arms).  Returns 0, -EINVAL (a table
 * of another number of arms) or -ENOMEM.
 */
int logrank_test(LogRank *lr, const SurvTable *t, bool stratified);

/*
 * logrank_test() on a table that differs from the one of lr's last test only as the
 * change map `changed` says (see survtable.h; NULL: anywhere): each stratum's sums (the
 * pooled strata's, unstratified) are taken up from the last checkpoint before its first
 * change, giving what logrank_test() gives.  Returns 0, -EINVAL or -ENOMEM.
 */
int logrank_update(LogRank *lr, const SurvTable *t, bool stratified, const int32_t *changed);

/*
 * Compares arm with control alone (the other arms left out), stratified or not, from
 * the same table: survdiff on the two arms' patients, read for the arm.  Returns 0 or
 * -EINVAL (arm equal to control or out of range).
 */
int logrank_z(const SurvTable *t, size_t arm, size_t control, bool stratified, LogRankZ *ret);

/*
 * logrank_z() with lr (initialised for 2 arms) kept from one call to the next for the
 * same comparison, on a table that differs from the last one only as the change map
 * `changed` says (see survtable.h; NULL: anywhere): each stratum's sums are taken up
 * from the last checkpoint before its first change.  lr->observed[0] and [1] hold the
 * events of arm and control.  Returns 0, -EINVAL or -ENOMEM.
 */
int logrank_z_update(LogRank *lr, const SurvTable *t, size_t arm, size_t control, bool stratified,
                     const int32_t *changed, LogRankZ *ret);
