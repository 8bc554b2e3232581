/* options.h — how a trial's statistics are to be reported and monitored: the configurable choices. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interim/cox.h"
#include "interim/gsd.h"
#include "interim/km.h"

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

/* A trial's group-sequential design: the [design] section of the configuration. */
typedef struct DesignOptions {
        size_t endpoint; /* index of the primary endpoint */
        GsdDesign gsd;
} DesignOptions;
