/* km.h — Kaplan–Meier curves with their confidence limits, quantiles, landmark survival and restricted means. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "interim/survtable.h"

/* Scale on which pointwise confidence limits are built: R's conf.type. */
typedef enum {
        KM_CONF_PLAIN,  /* "plain": S +/- z se */
        KM_CONF_LOG,    /* "log": R's default */
        KM_CONF_LOGLOG, /* "log-log" */
        KM_CONF_NONE,   /* "none": no limits (NaN), for curves read only for their estimates */
} KmConfType;

/* What the curve estimates. */
typedef enum {
        /* Survival from the endpoint's event; competing events count as censorings:
         * survfit(Surv(time, status == 1) ~ 1). */
        KM_SURVIVAL,
        /* The reverse (censoring) curve whose median is the median follow-up: censorings
         * are the events, events and competing events the censorings:
         * survfit(Surv(time, status == 0) ~ 1). */
        KM_REVERSE,
} KmMode;

/*
 * What quantiles are read off on one of a curve's limits, kept by each fit: per row the
 * largest 1 - v so far, and the rows where 1 - v falls below it (a limit may rise where
 * few are at risk).  The estimates never fall, and a curve fitted without limits has
 * none to read: their lines keep no peaks.  Private to the km module.
 */
typedef struct KmLine {
        double *peak;     /* [n_rows]: the largest 1 - v up to the row, NaN aside; 0 before any; NULL when not kept */
        uint32_t *falls;  /* [n_falls]: ascending rows whose 1 - v is below the peak of the rows before */
        size_t n_falls;
        size_t first_nan; /* first row whose v is NaN; SIZE_MAX for none */
} KmLine;

/*
 * A fitted curve: one row at each time at which the selection has an exit, as survfit's
 * rows, in arrays indexed by row.  The caller owns it: km_init() once, km_fit() on every
 * refresh (it grows the arrays once to the table's size and reuses them after), or
 * km_update() to redo only the rows of a change, km_deinit() at the end.
 */
typedef struct KmCurve {
        KmMode mode;
        KmConfType conf_type;
        double conf_level;
        int arm, stratum;  /* the selection: an index or SURV_ALL */
        uint32_t n;        /* patients in the selection */
        size_t n_rows;
        uint32_t n_events; /* events of the curve's mode in all rows */
        int32_t *time;     /* ascending */
        uint32_t *n_risk;  /* at risk just before time */
        uint32_t *n_event; /* events of the curve's mode */
        uint32_t *n_censor;/* everything else that left at time */
        double *surv;      /* S(time) */
        double *std_err;   /* Greenwood standard error of S(time); NaN once S is 0 */
        double *lower;     /* pointwise confidence limits; NaN where R gives NA */
        double *upper;
        double *greenwood; /* Greenwood's sum of d / (n (n - d)) up to time: the variance of log S */
        KmLine line[3];    /* of surv, lower and upper */
        size_t capacity;   /* rows allocated */
} KmCurve;

/* A quantile of the event distribution with its confidence limits; NaN where R gives NA. */
typedef struct KmQuantile {
        double time;
        double lower;
        double upper;
} KmQuantile;

/* The curve read at one day: summary(fit, times = day, extend = TRUE). */
typedef struct KmLandmark {
        double surv;
        double std_err;
        double lower;
        double upper;
        uint32_t n_risk; /* at risk at the day: of the first row at or after it, 0 past the end */
} KmLandmark;

/* Restricted mean survival time up to tau and its standard error. */
typedef struct KmRmst {
        double tau;
        double rmean;
        double std_err;
} KmRmst;

/* Difference of two restricted means (arm minus control) with its normal inference. */
typedef struct KmRmstDiff {
        double diff;
        double std_err; /* sqrt(se_arm^2 + se_control^2) */
        double lower;   /* diff -/+ z se */
        double upper;
        double p;       /* two-sided normal p-value */
} KmRmstDiff;

/* Prepares an empty curve. */
void km_init(KmCurve *c);

/* Frees the curve's rows; accepts NULL and a curve that never fitted. */
void km_deinit(KmCurve *c);

/* Maps R's conf.type name ("plain", "log", "log-log", "none") to its KmConfType, or -EINVAL. */
int km_conf_type_from_name(const char *name);

/* R's conf.type name of a KmConfType ("none" for KM_CONF_NONE; NULL for no such type). */
const char *km_conf_type_name(KmConfType type);

/*
 * Fits the curve of the patients of one arm (or SURV_ALL) in one stratum (or SURV_ALL)
 * of a sealed table: the curve of an arm pools its strata, like survfit(... ~ arm).
 * conf_type and conf_level (in (0, 1)) set the pointwise limits, as survfit's conf.type
 * and conf.int.  O(rows x selected cells); allocates only when the table has grown.
 * Returns 0, -EINVAL (bad selection or level) or -ENOMEM.
 */
int km_fit(KmCurve *c, const SurvTable *t, int arm, int stratum, KmMode mode,
           KmConfType conf_type, double conf_level);

/*
 * Brings a curve fitted by km_fit() (or this function) up to date with table t, which
 * differs from the table of its last fit only as the change map `changed` says (see
 * survtable.h; NULL: anywhere): the rows before the first change of its cells are kept,
 * the others computed as km_fit() computes them, so the curve equals a fresh fit.
 * Returns 0, -EINVAL (a selection outside t) or -ENOMEM.
 */
int km_update(KmCurve *c, const SurvTable *t, const int32_t *changed);

/*
 * Quantiles of the event distribution (probs[i] in [0, 1]: 0.5 is the median, 0.25 the
 * time by which a quarter had the event) with limits read off the confidence curves,
 * exactly as quantile.survfit(fit, probs) does: a curve flat at a probability (within
 * sqrt(DBL_EPSILON)) gives the midpoint of the time it got there and the time it left
 * (or its last time), and every quantile is NaN when the curve stays above 1 - min(probs).
 * print.survfit reports the first time instead for a curve that ends flat at 0.5.
 * Writes ret[n_probs].  Returns 0 or -EINVAL.
 */
int km_quantiles(const KmCurve *c, size_t n_probs, const double *probs, KmQuantile *ret);

/*
 * The curve at a day >= 0: the last row at or before it (S = 1, limits 1 before the
 * first row), as summary(fit, times = day, extend = TRUE).  All NaN for an empty curve.
 * Returns 0 or -EINVAL.
 */
int km_landmark(const KmCurve *c, int32_t day, KmLandmark *ret);

/*
 * Restricted mean survival up to tau >= 0 with its standard error, as
 * print(fit, rmean = tau): the area under the curve from 0, extended flat past its last
 * time.  NaN for an empty curve.  Returns 0 or -EINVAL.
 */
int km_rmst(const KmCurve *c, double tau, KmRmst *ret);

/*
 * Difference arm minus control of two restricted means with limits at conf_level and
 * a two-sided p-value, treating the arms as independent.  Returns 0 or -EINVAL.
 */
int km_rmst_diff(const KmRmst *arm, const KmRmst *control, double conf_level, KmRmstDiff *ret);
