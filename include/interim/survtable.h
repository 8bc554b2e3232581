/* survtable.h — per-time event, competing and censoring counts by stratum and arm: the input of every statistic. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* How one patient's follow-up ended for one endpoint. */
typedef enum {
        OUTCOME_CENSORED = 0,  /* still event-free at the last follow-up */
        OUTCOME_EVENT = 1,     /* the endpoint's event */
        OUTCOME_COMPETING = 2, /* a competing event ended follow-up */
        OUTCOME_KINDS = 3,
} Outcome;

/* Selects every arm or every stratum in the statistics' arm/stratum arguments. */
#define SURV_ALL (-1)

/*
 * The counts at each distinct time (days) at which any cell has an exit, for cells
 * (stratum, arm).  n_risk is the number still at risk just before the time, the
 * quantity every R survival routine works from.  Rows are strictly ascending in time.
 */
typedef struct SurvTable {
        size_t n_times;
        size_t n_strata;
        size_t n_arms;
        int32_t *time;     /* [n_times] */
        uint32_t *count;   /* [n_times][n_strata][n_arms][OUTCOME_KINDS] */
        uint32_t *n_risk;  /* [n_times][n_strata][n_arms] */
        uint32_t *n_start; /* [n_strata][n_arms]: patients in the cell */
        size_t capacity;   /* rows allocated */
} SurvTable;

/* Prepares an empty table for n_strata x n_arms cells.  Returns 0 or -ENOMEM/-EINVAL. */
int survtable_init(SurvTable *t, size_t n_strata, size_t n_arms);

/* Frees what survtable_init and the builders allocated; accepts a zeroed table. */
void survtable_deinit(SurvTable *t);

/* Empties the table, keeping its cells and memory. */
void survtable_clear(SurvTable *t);

/*
 * Appends a row for time (greater than the last row's) with zero counts and returns
 * its counts [n_strata][n_arms][OUTCOME_KINDS] in *ret_counts for the caller to fill.
 * Call survtable_seal() once every row is in.  Returns 0, -EINVAL or -ENOMEM.
 */
int survtable_append(SurvTable *t, int32_t time, uint32_t **ret_counts);

/*
 * Appends a row for time (greater than the last row's) with counts copied from src and
 * returns pointers to the row's counts and its (unset) n_risk for a builder that
 * computes n_start and n_risk itself instead of calling survtable_seal().
 */
int survtable_push(SurvTable *t, int32_t time, const uint32_t *src, uint32_t **ret_counts, uint32_t **ret_risk);

/* Computes n_start and n_risk from the counts.  Returns 0. */
int survtable_seal(SurvTable *t);

/*
 * Builds the table from one record per patient: time in days (>= 0), outcome, arm and
 * stratum indices (below the table's dimensions).  Returns 0, -EINVAL or -ENOMEM.
 */
int survtable_from_records(SurvTable *t, size_t n, const int32_t *time, const uint8_t *outcome,
                           const uint16_t *arm, const uint16_t *stratum);

/* Counts of row i for one cell: an array of OUTCOME_KINDS. */
static inline const uint32_t *survtable_counts(const SurvTable *t, size_t i, size_t stratum, size_t arm) {
        return t->count + ((i * t->n_strata + stratum) * t->n_arms + arm) * OUTCOME_KINDS;
}

/* Patients at risk just before the time of row i in one cell. */
static inline uint32_t survtable_at_risk(const SurvTable *t, size_t i, size_t stratum, size_t arm) {
        return t->n_risk[(i * t->n_strata + stratum) * t->n_arms + arm];
}

/* Patients in one cell. */
static inline uint32_t survtable_size(const SurvTable *t, size_t stratum, size_t arm) {
        return t->n_start[stratum * t->n_arms + arm];
}

/* How many of the n ascending days in time[] are on or before day (by bisection). */
static inline size_t days_through(const int32_t *time, size_t n, int32_t day) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (time[mid] <= day)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/*
 * Sums over the selected cells (arm or SURV_ALL, stratum or SURV_ALL) of row i: the
 * counts by outcome into ret_counts[OUTCOME_KINDS] and the number at risk, returned.
 */
uint32_t survtable_select(const SurvTable *t, size_t i, int arm, int stratum, uint32_t ret_counts[OUTCOME_KINDS]);
