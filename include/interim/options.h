/* options.h — how a trial's statistics are to be reported and monitored: the configurable choices. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interim/km.h"

/* Handling of tied event times in the Cox model, as coxph(ties=). */
typedef enum {
        TIES_EFRON,
        TIES_BRESLOW,
} CoxTies;

/* Most landmark days a trial may ask for. */
#define REPORT_MAX_LANDMARKS 16

/* What a trial's statistics report: the [trial] section of the configuration. */
typedef struct ReportOptions {
        bool stratified;    /* log-rank, Cox and Gray's test by stratum */
        KmConfType ci;      /* survfit(conf.type=); log-log by default here */
        double conf_level;  /* in (0, 1) */
        CoxTies ties;
        size_t n_landmarks;
        int32_t landmarks[REPORT_MAX_LANDMARKS]; /* days, ascending */
        int32_t rmst_tau;   /* days; 0: no restricted mean */
} ReportOptions;

/* A spending-function family for group-sequential boundaries. */
typedef enum {
        SPENDING_OBF,    /* Lan–DeMets O'Brien–Fleming type */
        SPENDING_POCOCK, /* Lan–DeMets Pocock type */
        SPENDING_HSD,    /* Hwang–Shih–DeCani, parameter gamma */
        SPENDING_KD,     /* Kim–DeMets power, parameter rho */
} SpendingFamily;

typedef struct Spending {
        SpendingFamily family;
        double parameter; /* gamma or rho; unused otherwise */
} Spending;

typedef enum {
        FUTILITY_NONE,
        FUTILITY_SPENDING, /* non-binding beta-spending */
        FUTILITY_Z,        /* a fixed z bound */
} FutilityKind;

/* A trial's group-sequential design: the [design] section of the configuration. */
typedef struct DesignOptions {
        size_t endpoint;        /* index of the primary endpoint */
        double planned_events;
        double alpha;
        int sides;              /* 1 or 2 */
        Spending efficacy;
        FutilityKind futility;
        Spending futility_spending;
        double futility_z;
        double beta;            /* for beta-spending futility: 1 - power */
        double hazard_ratio;    /* the design's alternative */
} DesignOptions;
