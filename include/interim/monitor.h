/* monitor.h — group-sequential monitoring of one endpoint: each arm against control, at the recorded looks and now. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interim/gsd.h"
#include "interim/logrank.h"
#include "interim/survtable.h"
#include "interim/trial.h"

/*
 * One experimental arm against the control (arm 0).  A comparison's events are those
 * of the two arms; its z is their log-rank z (stratified when the trial is), positive
 * when the experimental arm does better.  Each comparison spends the design's full
 * alpha: there is no multiplicity adjustment across arms.
 */
typedef struct Comparison {
        size_t arm;
        bool valid;              /* state holds numbers now: events > 0 (no fewer than at the last look), a z, no more looks than the design takes */
        bool looks_valid;        /* state holds the recorded looks' bounds and RCIs (so too when valid) */
        double events;           /* now */
        LogRankZ now;
        LogRank logrank;         /* the comparison's log-rank, kept for the next update */
        GsdState state;          /* gsd_monitor_state() at the events and z now */
        double state_events;     /* the events of state's bounds; 0 when it holds none */
        size_t n_looks;          /* recorded looks at the last rebuild (the analyses among them: look_analysis) */
        double look_events[GSD_MAX_LOOKS];
        double look_z[GSD_MAX_LOOKS];
        /*
         * Per recorded look, its place among the design's analyses (the index of its
         * bounds, alpha spent and RCI in state), or MONITORING_NO_ANALYSIS for a look
         * that added no information: no more events than the analysis before it (none
         * at all, or the same), an analysis already final, or no z.  Such a look spends
         * no alpha and has no bounds; the analyses go on without it.
         */
        size_t look_analysis[GSD_MAX_LOOKS];
        GsdMonitor *monitor;
} Comparison;

/* Comparison.look_analysis of a look that is not one of the design's analyses. */
#define MONITORING_NO_ANALYSIS SIZE_MAX

/* The monitoring of one endpoint under a design. */
typedef struct Monitoring {
        GsdDesign design;
        bool stratified;
        size_t n_comparisons;     /* arms - 1 */
        Comparison *cmp;          /* [n_comparisons]: cmp[a - 1] is arm a */
        size_t n_looks;           /* recorded looks taken into account */
        uint32_t look_number[GSD_MAX_LOOKS];
        int32_t look_cut[GSD_MAX_LOOKS];
} Monitoring;

/* Prepares the monitoring of an endpoint of n_arms (>= 2) arms.  Returns 0, -EINVAL or -ENOMEM. */
int monitoring_init(Monitoring *m, const GsdDesign *design, size_t n_arms, bool stratified);

/* Frees the monitors; accepts a zeroed struct. */
void monitoring_deinit(Monitoring *m);

/*
 * Brings every comparison up to date with table `now` and the trial's recorded looks
 * (their frozen tables of this endpoint).  `now` differs from the table of the last
 * update only as the change map `changed` says (see survtable.h; NULL: anywhere): the
 * log-rank sums are taken up where it first changed, and the bounds of the look made
 * now are kept while its events stay.  Looks that add no information are not analyses
 * (see Comparison.look_analysis).  A comparison without events, or without room for a
 * look now and a final look after its analyses, is left !valid (its looks stay
 * looks_valid); more than GSD_MAX_LOOKS recorded looks leave it without either.
 * Returns 0, -EINVAL (a table without the comparisons' arms) or -ENOMEM.
 */
int monitoring_update(Monitoring *m, const SurvTable *now, const int32_t *changed, const TrialLook *looks,
                      size_t n_looks, size_t endpoint);
