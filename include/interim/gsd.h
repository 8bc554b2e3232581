/* gsd.h — group-sequential monitoring of a time-to-event comparison: spending-function boundaries, the monitoring state, conditional power and repeated confidence intervals. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Everything here is defined as rpact 3.3.4 defines it for a group-sequential design
 * (getDesignGroupSequential) analysed with survival data (getDataset(overallEvents =,
 * overallLogRanks =, overallAllocationRatios =)).  The functions take numbers in:
 * the events of each comparison and its log-rank z, (E - O) / sqrt(V) of the
 * experimental arm (survival::survdiff's expected minus observed events over the
 * square root of their variance).
 *
 * Sign conventions and rpact's names:
 *
 *  - z is the standardized log-rank statistic of the experimental arm against control,
 *    POSITIVE WHEN THE EXPERIMENTAL ARM DOES BETTER (fewer events than expected).
 *    rpact's log-rank statistics have the opposite orientation: z is -overallLogRanks
 *    of the dataset analysed with directionUpper = FALSE, and is then what rpact calls
 *    the overall test statistic (overallTestStatistics, 1 - qnorm(overallPValues)).
 *  - The hazard ratio is experimental over control: below 1 favours experimental.  Its
 *    estimate from z at d events with allocation ratio r is rpact's effectSizes:
 *    HR = exp(-z (1 + r) / sqrt(r d)).  r is experimental : control randomization
 *    (rpact's allocationRatioPlanned, and the datasets' overallAllocationRatios).
 *  - The information fraction of a look is its events over the planned events
 *    (rpact's informationRates).  A look at or beyond the planned events is the final
 *    look and spends the remaining alpha; its fraction may exceed 1 and the joint law
 *    of the looks then uses the events actually observed (rpact's user-defined
 *    spending of the same cumulative alpha at informationRates = events / events of
 *    the final look gives the same bounds).  No look follows a final look.
 *  - The efficacy bound is rpact's criticalValues: a one-sided design rejects when
 *    z > bound, a two-sided (symmetric) design when |z| > bound.  The futility bound is
 *    rpact's futilityBounds (non-binding): stop for futility when z < bound.
 *  - Alpha spent is rpact's alphaSpent (cumulative, both tails for two-sided designs):
 *    the spending function at each look's fraction, alpha at the final look.
 *
 * Futility is non-binding: it never changes the efficacy bounds.  It is offered for
 * one-sided designs only, as in rpact, which ignores fixed futility bounds of
 * two-sided designs and calls its two-sided beta spending experimental.
 *
 * Beta-spending futility bounds are computed under the drift the design hazard ratio
 * gives at the planned events, theta = -log(HR) sqrt(r D) / (1 + r) at full
 * information (the expected z there).  rpact's getDesignGroupSequential instead solves
 * for the drift that makes the bounds meet at the last look (its `shift`); the two
 * agree when D is the maxNumberOfEvents rpact's getSampleSizeSurvival gives for the
 * design and hazard ratio at the same information rates.  Fixing the drift keeps each
 * look's futility bound a function of the looks made so far, as the efficacy bounds
 * are; the final look has no futility bound (not rejecting there is accepting).
 *
 * Bounds are computed to about 1e-9 (checked against exact normal integrals from
 * mvtnorm).  rpact's own bounds are within 6e-7 of them in ordinary designs, but off by
 * up to 1e-4 in two-sided designs after a bound above 6 (its grid stops at -6) and by
 * up to 1e-2 after a look a few events from the last (its grid is too coarse there).
 *
 * Multi-arm trials compare each experimental arm with control, one GsdMonitor each,
 * each comparison with the design's full alpha: there is no multiplicity adjustment
 * across arms.  Planned events, fractions and z are then those of the comparison: the
 * events in the experimental arm and control together.
 */

/* The most looks of one comparison (rpact's kMax limit). */
#define GSD_MAX_LOOKS 20

/* A spending-function family; rpact's typeOfDesign "as*" and typeBetaSpending "bs*". */
typedef enum GsdFamily {
        GSD_LAN_DEMETS_OBF,    /* asOF / bsOF: O'Brien-Fleming type */
        GSD_LAN_DEMETS_POCOCK, /* asP / bsP: Pocock type */
        GSD_HWANG_SHIH_DECANI, /* asHSD / bsHSD: parameter gamma (gammaA / gammaB) */
        GSD_KIM_DEMETS,        /* asKD / bsKD: power family, parameter rho > 0 (gammaA / gammaB) */
} GsdFamily;

typedef struct GsdSpending {
        GsdFamily family;
        double param; /* gamma or rho; unused by the Lan-DeMets families */
} GsdSpending;

typedef enum GsdFutility {
        GSD_FUTILITY_NONE,
        GSD_FUTILITY_BETA,  /* beta spending under the design hazard ratio */
        GSD_FUTILITY_FIXED, /* the same z bound at every interim look */
} GsdFutility;

/* A trial design, for one endpoint; a multi-arm trial uses it for every comparison. */
typedef struct GsdDesign {
        int sides;                    /* 1 or 2 */
        double alpha;                 /* in (0, 0.5); two-sided: both tails together */
        double beta;                  /* type II error, spent by GSD_FUTILITY_BETA */
        GsdSpending efficacy;         /* alpha spending */
        GsdFutility futility;
        GsdSpending futility_spending; /* beta spending, GSD_FUTILITY_BETA */
        double futility_z;            /* GSD_FUTILITY_FIXED */
        double planned_events;        /* D, events of the comparison at full information */
        double hazard_ratio;          /* design hazard ratio, experimental / control */
        double allocation;            /* r, experimental : control */
} GsdDesign;

/* Checks a design's parameters.  Returns 0 or -EINVAL. */
int gsd_design_check(const GsdDesign *d);

/* The bounds of a sequence of looks. */
typedef struct GsdBounds {
        size_t n_looks;
        double fraction[GSD_MAX_LOOKS];    /* information fraction (informationRates) */
        double efficacy[GSD_MAX_LOOKS];    /* criticalValues; +INFINITY if no alpha is left to spend */
        double futility[GSD_MAX_LOOKS];    /* futilityBounds; -INFINITY where none */
        double alpha_spent[GSD_MAX_LOOKS]; /* alphaSpent, cumulative */
        double alpha_look[GSD_MAX_LOOKS];  /* spent at this look */
} GsdBounds;

/*
 * Computes the efficacy and futility bounds and the alpha spent for looks at the
 * information fractions fraction[0..n_looks) (strictly increasing and positive; only
 * the last may be 1 or more), by the recursive integration of the looks' joint normal
 * law (Armitage, McPherson & Rowe 1969) on Jennison & Turnbull's grid.  Returns 0,
 * -EINVAL or -EDOM (a boundary search failed).
 */
int gsd_bounds(const GsdDesign *d, size_t n_looks, const double *fraction, GsdBounds *ret);

/* rpact's action at a look: getTestActions(). */
typedef enum GsdAction {
        GSD_CONTINUE, /* "continue" */
        GSD_REJECT,   /* beyond the efficacy bound: "reject and stop", "reject" at the final look */
        GSD_ACCEPT,   /* below the futility bound: "accept and stop"; at the final look, not rejected: "accept" */
} GsdAction;

/* The monitoring state of one comparison. */
typedef struct GsdState {
        /*
         * The recorded looks, then the look made now (unless the current events are
         * those of the last recorded look: it is then that look), then, unless the look
         * made now is final, the final look at full information that would follow it.
         */
        GsdBounds bounds;
        size_t now; /* index in bounds of the look made now */

        double fraction;     /* current events / planned events */
        double z;            /* current log-rank z */
        double hazard_ratio; /* effectSizes at the current events */
        GsdAction action;    /* of the look made now, at the current z */

        /*
         * getConditionalPower() at the look made now, for a design whose last look is
         * at full information (nPlanned = planned - current events): the probability
         * of rejecting there, with thetaH1 the design hazard ratio (cp_design) and with
         * the observed one (cp_trend).  NaN when the look made now is final.
         */
        double cp_design;
        double cp_trend;

        /* The recorded looks: hazard ratio, action and getRepeatedConfidenceIntervals(). */
        double look_hazard_ratio[GSD_MAX_LOOKS];
        GsdAction look_action[GSD_MAX_LOOKS];
        double rci_lower[GSD_MAX_LOOKS];
        double rci_upper[GSD_MAX_LOOKS];
} GsdState;

/*
 * The monitor of one comparison: its design and recorded formal looks, with the
 * recursion carried past the last of them, so that a refresh only integrates the look
 * made now and the final look.  Rebuild it when a look is recorded.  A multi-arm trial
 * keeps one per experimental arm against control, all from the same design: each
 * comparison has the design's full alpha (no multiplicity adjustment).
 */
typedef struct GsdMonitor GsdMonitor;

/*
 * Creates the monitor of a comparison with n_looks recorded formal looks: events
 * look_events[i] (strictly increasing; only the last may reach the planned events)
 * and log-rank z look_z[i].  Returns 0, -EINVAL, -ENOMEM or -EDOM; the caller owns
 * *ret and frees it with gsd_monitor_free().
 */
int gsd_monitor_new(GsdMonitor **ret, const GsdDesign *d, size_t n_looks, const double *look_events,
                    const double *look_z);

/* Frees a monitor; accepts NULL. */
void gsd_monitor_free(GsdMonitor *m);

/*
 * The monitoring state at the current events (no fewer than at the last look) and z.
 * The recorded looks, a look made now and a final look after it may number
 * GSD_MAX_LOOKS.  After a final look the current events must be that look's.  Not for
 * concurrent calls on one monitor.  Returns 0, -EINVAL or -EDOM.
 */
int gsd_monitor_state(const GsdMonitor *m, double events_now, double z_now, GsdState *ret);

/*
 * gsd_monitor_state() for a state *ret that already holds the monitor's state at the
 * same events (from either function): the bounds, which depend on the events only, stay;
 * what depends on z is redone.  Returns 0 or -EINVAL.
 */
int gsd_monitor_restate(const GsdMonitor *m, double events_now, double z_now, GsdState *ret);

/*
 * The recorded looks' part of a state, for when no look can be made now (no events
 * yet, or no z): the bounds of the recorded looks only (now is their number, past the
 * last), their hazard ratios, actions and repeated confidence intervals; the fraction,
 * z, hazard ratio and conditional powers now are NaN.  Returns 0 or -EINVAL.
 */
int gsd_monitor_looks(const GsdMonitor *m, GsdState *ret);

/* rpact's effectSizes: the hazard ratio estimate exp(-z (1 + r) / sqrt(r events)). */
double gsd_hazard_ratio(double z, double events, double allocation);

/*
 * rpact's getRepeatedConfidenceIntervals() at a look with efficacy bound c: the hazard
 * ratios whose shifted log-rank statistic stays within c, i.e.
 * HR exp(-+ c (1 + r) / sqrt(r events)), into *ret_lower and *ret_upper.
 */
void gsd_rci(double bound, double z, double events, double allocation, double *ret_lower,
             double *ret_upper);

/*
 * rpact's getConditionalPower() for one remaining look: the probability that z at full
 * information exceeds final_bound given z at information fraction (< 1) and the drift
 * theta, the expected z at full information (-log(thetaH1) sqrt(r D) / (1 + r)):
 * Phi((z sqrt(t) + theta (1 - t) - final_bound) / sqrt(1 - t)).  NaN if fraction >= 1.
 */
double gsd_conditional_power(double fraction, double z, double theta, double final_bound);
