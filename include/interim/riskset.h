/* riskset.h — incremental per-day counts of exits by stratum, arm and outcome for one endpoint. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "interim/survtable.h"

/*
 * For each day since randomization: how many patients of each (stratum, arm) cell left
 * follow-up that day and how (event, competing event, censoring).  A patient is in
 * exactly one place; moving it is O(1) (amortized over the rare growth of the day
 * range), and a table for the statistics is read off in O(days in use x cells).
 */
typedef struct RiskSet {
        size_t n_strata, n_arms;
        size_t n_days;    /* days allocated: 0 .. n_days-1 */
        uint32_t *count;  /* [n_days][n_strata][n_arms][OUTCOME_KINDS] */
        uint32_t *arm_count; /* [n_days][n_arms][OUTCOME_KINDS]: the same with the strata pooled */
        uint32_t *in_day; /* [n_days]: patients whose follow-up ends that day */
        uint64_t *used;   /* bitmap over days: in_day != 0 */
        uint32_t *in_cell; /* [n_strata][n_arms]: patients in each cell */
        uint64_t n_patients;
        uint64_t generation; /* adds and removes so far */
        uint64_t *changed;   /* [n_days / SURV_BLOCK_DAYS][n_strata][n_arms]: generation of each cell's last
                              * change in each block of days */
} RiskSet;

/* Prepares an empty risk set for n_strata x n_arms cells.  Returns 0, -EINVAL or -ENOMEM. */
int riskset_init(RiskSet *rs, size_t n_strata, size_t n_arms);

/* Frees a risk set's memory; accepts a zeroed one. */
void riskset_deinit(RiskSet *rs);

/* Adds one patient of a cell whose follow-up ends on day with outcome.  Returns as riskset_reserve(). */
int riskset_add(RiskSet *rs, size_t stratum, size_t arm, int32_t day, Outcome outcome);

/* Removes one patient previously added with the same arguments. */
void riskset_remove(RiskSet *rs, size_t stratum, size_t arm, int32_t day, Outcome outcome);

/* Makes sure days 0..day can be added without allocating.  Returns 0, -EINVAL (day out of range) or -ENOMEM. */
int riskset_reserve(RiskSet *rs, int32_t day);

/*
 * Fills a table (initialised with the same cells) with the current counts.  Returns 0,
 * -EINVAL (a table of other cells) or -ENOMEM.
 */
int riskset_table(const RiskSet *rs, SurvTable *ret);

/*
 * Brings t, filled from this risk set (by riskset_table() or this function) when
 * rs->generation was `since`, up to date, rebuilding only its rows from the first
 * block of days changed since through the last (the later rows, numbers at risk
 * included, cannot differ), and writes its change map (see survtable.h) into
 * ret_changed[n_strata][n_arms]: per cell the first day of the first block of days in
 * which it changed since, or day 0 when the cell gained or lost patients.  Returns 0,
 * -EINVAL or -ENOMEM.
 */
int riskset_update(const RiskSet *rs, uint64_t since, SurvTable *t, int32_t *ret_changed);
