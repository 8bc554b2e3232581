/* cif.h — competing risks: cumulative incidence of the event (Aalen–Johansen) and Gray's k-sample test, as cmprsk::cuminc computes them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interim/survtable.h"

/*
 * The cumulative incidence of OUTCOME_EVENT for one selection of patients, with
 * cmprsk's delta-method variance.  One row per distinct day on which the selection
 * has an event of either cause, ascending.
 *
 * cuminc()'s $time/$est/$var are a doubled step representation: element 1 is
 * (0, 0, 0); each day t_j with an event of interest gives two elements, the first
 * holding the value before t_j, the second the value from t_j on; the last element
 * repeats the final value at the largest follow-up time.  A row here at t_j is the
 * second element of t_j's pair.  A row on a day with only competing events carries
 * the values of the row before it (0 and 0 before the first event of interest):
 * cuminc's step function there, as cmprsk::timepoints() reads it.  (cinc's variance
 * terms of a competing event cancel while the incidence stays put; they count from
 * the next event of interest on.)
 */
typedef struct CifCurve {
        int arm;           /* the selection: an arm or SURV_ALL, strata pooled */
        size_t n;          /* rows */
        int32_t *time;     /* [n] days */
        double *estimate;  /* [n] cumulative incidence from this day on */
        double *variance;  /* [n] its variance */
        double *state;     /* [n][4]: the all-cause Kaplan–Meier after the day and cinc's three
                            * variance sums, from which cif_update() goes on */
        int32_t follow_up; /* largest day in the selection (any outcome); -1 when it is empty */
        size_t capacity;   /* rows allocated */
} CifCurve;

/* Prepares an empty curve that owns no memory. */
void cif_init(CifCurve *c);

/* Frees the curve's rows; accepts a zeroed curve. */
void cif_deinit(CifCurve *c);

/*
 * Computes the curve of arm (an index, or SURV_ALL for every arm), pooled over strata,
 * into c, reusing its memory; allocates only when c has fewer rows than needed.
 * Equals cuminc(ftime, fstatus, group, cencode = 0) for cause 1 (cuminc without group
 * for SURV_ALL).  Returns 0, -EINVAL (arm out of range) or -ENOMEM.
 */
int cif_estimate(const SurvTable *t, int arm, CifCurve *c);

/*
 * Brings a curve computed by cif_estimate() (or this function) up to date with table t,
 * which differs from the table it was last computed from only as the change map
 * `changed` says (see survtable.h; NULL: anywhere): the rows before the first change of
 * its cells are kept, the others computed as cif_estimate() does.  Returns 0 or -ENOMEM.
 */
int cif_update(const SurvTable *t, const int32_t *changed, CifCurve *c);

/*
 * Evaluates the curve on day as cmprsk::timepoints() does: the last row on or before
 * day (0 and 0 before the first), NaN (R's NA) before day 0, after the follow-up or
 * for an empty selection.
 */
void cif_at(const CifCurve *c, int32_t day, double *ret_estimate, double *ret_variance);

/* Gray's test for equal cumulative incidence of OUTCOME_EVENT among arms. */
typedef struct GrayTest {
        double stat; /* chi-square statistic; -1, as in cuminc, when its variance is singular
                      * by R's qr() rule (so whenever no event of interest occurred) */
        double p;    /* 1 - pchisq(stat, df); 1 when stat is -1; NaN when df is 0 */
        unsigned df; /* arms with at least one patient, minus one */
} GrayTest;

/*
 * Caller-owned memory of gray_test() and gray_update(); grows with the number of arms
 * and strata, never shrinks.
 */
typedef struct GrayWork {
        double *buf;
        size_t capacity;     /* doubles in buf */
        size_t *arm;         /* the arm of each compared group */
        size_t arm_capacity; /* entries in arm */

        /* What gray_update() reuses: the last test's groups and options, and each stratum's terms and pass. */
        size_t ng;           /* compared groups; 0 before any test */
        bool stratified;
        double rho;
        size_t n_strata;     /* the table's */
        SurvPasses strata;   /* results: scores[m] and their variance [m][m], m = ng - 1 */
} GrayWork;

/* Prepares workspace that owns no memory. */
void gray_init(GrayWork *w);

/* Frees the workspace; accepts a zeroed one. */
void gray_deinit(GrayWork *w);

/*
 * Gray's k-sample test for the cause-1 subdistribution among arms: the Tests row for
 * cause 1 of cuminc(ftime, fstatus, group = arm, strata, rho, cencode = 0), with the
 * table's strata when stratified (else one stratum), and weight (1 - F(t-))^rho.
 * Arms without patients are left out, as R drops empty factor levels; with fewer than
 * two arms left, or no event of cause 1 (cuminc() then has no test for it), the result
 * has df 0 and NaN stat and p.  Grows w when the table
 * needs more scratch than it has.  Returns 0, -ENOMEM or -EDOM.
 */
int gray_test(const SurvTable *t, bool stratified, double rho, GrayWork *w, GrayTest *ret);

/*
 * gray_test() on a table that differs from the one of w's last test only as the change
 * map `changed` says (see survtable.h; NULL: anywhere): each stratum's pass (the pooled
 * strata's, unstratified) is taken up from its last checkpoint before its first change,
 * giving what gray_test() gives.  Returns as gray_test().
 */
int gray_update(const SurvTable *t, bool stratified, double rho, const int32_t *changed, GrayWork *w, GrayTest *ret);
