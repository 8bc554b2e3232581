/* sim.h — seeded simulation of a trial's follow-up event stream (default: an E2108-like trial). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "interim/trial.h"

#define SIM_MAX_ARMS 4
#define SIM_MAX_STRATA 4

/* What to simulate.  Hazards are constant per arm; months are 365.25/12 days. */
typedef struct SimParams {
        uint64_t seed;
        size_t n_patients;
        size_t n_sites;
        size_t n_arms;
        const char *arms[SIM_MAX_ARMS];
        double allocation[SIM_MAX_ARMS];      /* shares of the patients, summing to 1 */
        size_t n_strata;
        const char *strata[SIM_MAX_STRATA];
        double stratum_share[SIM_MAX_STRATA]; /* probabilities, summing to 1 */
        int32_t accrual_start, accrual_end;   /* dates, days since 1970-01-01 */
        int32_t followup_end;                 /* data end date */
        int32_t contact_every;                /* days between follow-up contacts */
        double os_median_months[SIM_MAX_ARMS];
        double lrp_3y[SIM_MAX_ARMS];          /* 3-year cumulative incidence of locoregional progression */
        double distant_median_months[SIM_MAX_ARMS];
        double withdraw_share;                /* patients who withdraw at a uniform time in follow-up */
} SimParams;

/* One simulated event.  Events come in calendar order; a patient's enrollment first. */
typedef struct SimEvent {
        int32_t date;
        uint32_t patient; /* 0-based, in order of enrollment */
        uint16_t site;    /* 0-based */
        uint8_t kind;     /* EventKind */
        uint8_t arm;      /* enrollments: index into arms */
        uint8_t stratum;  /* enrollments: index into strata */
} SimEvent;

/*
 * The E2108 design: 256 randomized (131 systemic therapy = control, 125 early
 * locoregional therapy), strata HR+/HER2-, HER2+, triple-negative, accrual 2011–2015,
 * contacts every 3 months, median OS 54 months in both arms, 3-year locoregional
 * progression 26% vs 10%, follow-up through 2019.
 */
void sim_params_e2108(SimParams *ret);

/*
 * Generates the event stream.  *ret_events is malloc'ed, owned by the caller.
 * Returns 0, -EINVAL for inconsistent parameters or -ENOMEM.
 */
int sim_generate(const SimParams *p, SimEvent **ret_events, size_t *ret_n);
