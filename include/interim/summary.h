/* summary.h — every statistic published for one trial endpoint, recomputed from its table on each refresh. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interim/cif.h"
#include "interim/cox.h"
#include "interim/km.h"
#include "interim/logrank.h"
#include "interim/monitor.h"
#include "interim/options.h"
#include "interim/survtable.h"
#include "interim/trial.h"
#include "interim/worker.h"

/* The statistics of one arm, or of all arms pooled (the open channel's view). */
typedef struct ArmSummary {
        uint32_t n, events, competing, censored;
        KmCurve curve;                  /* survfit(Surv(time, status == 1) ~ 1) */
        KmQuantile median, q25, q75;    /* quantile.survfit, probs 0.5, 0.25, 0.75 */
        KmLandmark landmark[REPORT_MAX_LANDMARKS]; /* summary(fit, times =, extend = TRUE) */
        KmRmst rmst;                    /* when ReportOptions.rmst_tau > 0 */
        KmCurve reverse;                /* reverse Kaplan–Meier: follow-up */
        KmQuantile followup;            /* its median: the median follow-up */
        CifCurve cif;                   /* cmprsk::cuminc, cause 1: when the endpoint has competing events */
} ArmSummary;

/*
 * One endpoint's statistics and the workspace that keeps a refresh free of allocation
 * once it has grown.  arm[0 .. n_arms-1] are the arms, arm[n_arms] all arms pooled.
 */
typedef struct Summary {
        ReportOptions opt;
        size_t endpoint;
        size_t n_arms, n_strata;
        bool has_competing;  /* the endpoint defines competing events */
        ArmSummary *arm;     /* [n_arms + 1] */
        bool compared;       /* two or more arms have patients: the comparisons below are set */
        LogRank logrank;
        CoxFit cox;          /* coxph(... ~ arm [+ strata(stratum)], ties =) */
        KmRmstDiff *rmst_diff; /* [n_arms]: arm a against arm 0; [0] unused */
        GrayTest gray;       /* Gray's test, cuminc()$Tests: when the endpoint has competing events */
        GrayWork gray_work;
        bool monitored;      /* the endpoint is the design's primary endpoint */
        Monitoring monitoring;
        SurvTable table;     /* the table the statistics were computed from */

        /* What a refresh reuses: the risk set the statistics were last computed from, and when. */
        const RiskSet *source; /* NULL: computed from another table, or not at all */
        uint64_t generation;   /* source->generation then */
        size_t n_looks;        /* the looks they were monitored at */
        int32_t *changed;      /* [n_strata][n_arms]: the change map of a refresh */
        Worker *worker;        /* runs the comparisons while the arms are computed; NULL: none */
} Summary;

/*
 * Prepares the statistics of endpoint `endpoint` of a trial with the given report
 * options.  Returns 0, -EINVAL or -ENOMEM.
 */
int summary_init(Summary *s, const TrialSpec *spec, size_t endpoint, const ReportOptions *opt);

/*
 * Makes the endpoint a monitored one under a group-sequential design (its arms against
 * arm 0).  Returns 0, -EINVAL (a single arm, or a design gsd_design_check() refuses)
 * or -ENOMEM.
 */
int summary_set_design(Summary *s, const GsdDesign *design);

/* Frees a summary's memory; accepts a zeroed one. */
void summary_deinit(Summary *s);

/*
 * Lets summary_compute() and summary_refresh() run the Cox model and Gray's test on
 * worker w while they compute the arms' curves, the log-rank test and the
 * monitoring; the numbers are the same.  One worker may serve many summaries that
 * compute one at a time.  NULL: everything on the caller's thread (the default).
 */
void summary_set_worker(Summary *s, Worker *w);

/*
 * Recomputes every statistic from table t (sealed, with the summary's cells), which is
 * copied into s->table, and the n_looks recorded formal looks (for monitoring).
 * Returns 0, -EINVAL or -ENOMEM; on error s is left inconsistent and must be
 * recomputed before use.
 */
int summary_compute(Summary *s, const SurvTable *t, const TrialLook *looks, size_t n_looks);

/*
 * Brings the endpoint's table up to date with the trial's risk set, and every statistic
 * with it and the trial's looks.  A summary refreshed from the same trial before redoes
 * only what the risk set's changes since reach (see riskset_update()): the rows of each
 * curve and pass from the first day a change touches, the statistics of arms and strata
 * a change touches.  The numbers are those summary_compute() gives, to the bit.  Refresh
 * a summary from one trial only: one refreshed from another must be fresh or go through
 * summary_compute() first (a trial allocated where a freed one was would pass for it).
 * Returns as summary_compute().
 */
int summary_refresh(Summary *s, const Trial *trial);
