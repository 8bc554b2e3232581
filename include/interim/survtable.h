/* survtable.h — per-time event, competing and censoring counts by stratum and arm: the input of every statistic, and what a statistic keeps of its passes over it to redo only what changed. */
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
        uint32_t *margin;  /* [n_times][n_arms + 1][OUTCOME_KINDS + 1]: each arm's counts by outcome and
                            * number at risk with its strata pooled, then all arms': what curves read */
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

/* Makes room for n rows, keeping those there.  Returns 0 or -ENOMEM. */
int survtable_reserve(SurvTable *t, size_t n);

/*
 * Appends a row for time (greater than the last row's) with counts copied from src and
 * returns pointers to the row's counts and its (unset) n_risk for a builder that
 * computes n_start and n_risk itself, and calls survtable_margins() on each row,
 * instead of calling survtable_seal().  Returns 0, -EINVAL or -ENOMEM.
 */
int survtable_push(SurvTable *t, int32_t time, const uint32_t *src, uint32_t **ret_counts, uint32_t **ret_risk);

/* Computes n_start, n_risk and the margins from the counts.  Returns 0. */
int survtable_seal(SurvTable *t);

/* Computes row i's margins from its counts and numbers at risk. */
void survtable_margins(SurvTable *t, size_t i);

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
 * A selection of cells (an arm or SURV_ALL, a stratum or SURV_ALL) as n cells, every
 * stride-th from cell first in the table's stratum-major, arm-minor order.
 */
typedef struct SurvCells {
        size_t first, stride, n;
        size_t margin; /* of a row's margins when the cells are an arm's or all across strata; SIZE_MAX otherwise */
} SurvCells;

/* The cells of arm (or SURV_ALL) in stratum (or SURV_ALL); both within the table's dimensions. */
static inline SurvCells survtable_cells(const SurvTable *t, int arm, int stratum) {
        size_t a = arm == SURV_ALL ? 0 : (size_t)arm, s = stratum == SURV_ALL ? 0 : (size_t)stratum;
        size_t n_arms = arm == SURV_ALL ? t->n_arms : 1, n_strata = stratum == SURV_ALL ? t->n_strata : 1;
        size_t margin = stratum != SURV_ALL ? SIZE_MAX : arm == SURV_ALL ? t->n_arms : a;
        /* Whole strata are contiguous; one arm across strata is every n_arms-th cell. */
        if (n_arms == t->n_arms)
                return (SurvCells){ .first = s * t->n_arms, .stride = 1, .n = n_strata * t->n_arms, .margin = margin };
        return (SurvCells){ .first = s * t->n_arms + a, .stride = t->n_arms, .n = n_strata, .margin = margin };
}

/*
 * Sums over the cells sel of row i: the counts by outcome into ret_counts[OUTCOME_KINDS]
 * and the number at risk, returned.
 */
static inline uint32_t survtable_gather(const SurvTable *t, size_t i, SurvCells sel,
                                        uint32_t ret_counts[OUTCOME_KINDS]) {
        if (sel.margin != SIZE_MAX) {
                const uint32_t *m = t->margin + (i * (t->n_arms + 1) + sel.margin) * (OUTCOME_KINDS + 1);
                ret_counts[0] = m[0];
                ret_counts[1] = m[1];
                ret_counts[2] = m[2];
                return m[OUTCOME_KINDS];
        }
        size_t cells = t->n_strata * t->n_arms;
        const uint32_t *k = t->count + (i * cells + sel.first) * OUTCOME_KINDS, *r = t->n_risk + i * cells + sel.first;
        uint32_t c0 = 0, c1 = 0, c2 = 0, risk = 0;
        for (size_t j = 0; j < sel.n; j++, k += sel.stride * OUTCOME_KINDS, r += sel.stride) {
                c0 += k[0];
                c1 += k[1];
                c2 += k[2];
                risk += *r;
        }
        ret_counts[0] = c0;
        ret_counts[1] = c1;
        ret_counts[2] = c2;
        return risk;
}

/*
 * Sums over the selected cells (arm or SURV_ALL, stratum or SURV_ALL) of row i: the
 * counts by outcome into ret_counts[OUTCOME_KINDS] and the number at risk, returned.
 */
uint32_t survtable_select(const SurvTable *t, size_t i, int arm, int stratum, uint32_t ret_counts[OUTCOME_KINDS]);

/*
 * What a statistic may reuse from its last computation: a change map holds, per cell
 * (stratum-major, arm-minor, as the table's), the first day on which the table may
 * differ from the one the statistic last saw, SURV_UNCHANGED when it does not.  Earlier
 * days keep their counts and numbers at risk, so a pass over the rows in time order can
 * resume there.  A NULL map means the table may differ anywhere.
 */
#define SURV_UNCHANGED INT32_MAX

/* The first day on which any of the cells sel may have changed, by the map changed (or NULL: day 0). */
static inline int32_t survtable_first_change(const int32_t *changed, SurvCells sel) {
        if (!changed)
                return 0;
        int32_t first = SURV_UNCHANGED;
        for (size_t j = 0; j < sel.n; j++)
                if (changed[sel.first + j * sel.stride] < first)
                        first = changed[sel.first + j * sel.stride];
        return first;
}

/* Days in a block of a pass's checkpoints. */
#define SURV_BLOCK_DAYS 64

/*
 * The states of a pass over a table's rows in time order (width doubles each), kept
 * before the first row of each block of SURV_BLOCK_DAYS days, so that after a change
 * the pass can resume at the block of its first changed day.
 */
typedef struct SurvCheckpoints {
        size_t width;
        size_t n;        /* states kept: before blocks 0 .. n-1 */
        size_t capacity; /* states allocated */
        double *state;   /* [capacity][width] */
} SurvCheckpoints;

/*
 * Where a pass over t resumes when t may differ from the table of the kept states from
 * day `from` on: copies the last state kept before from into state (which the caller
 * set to the initial state, left as it is when none is kept), forgets the later ones,
 * and returns the first row of t to process.
 */
size_t survcheckpoints_resume(SurvCheckpoints *cp, const SurvTable *t, int32_t from, double *state);

/* survcheckpoints_keep() once a block needs its state.  Returns 0 or -ENOMEM. */
int survcheckpoints_push(SurvCheckpoints *cp, int32_t day, const double *state);

/*
 * Keeps state, the pass's before a row on `day`, for every block up to day's not kept
 * yet.  Call it before each row.  Returns 0 or -ENOMEM.
 */
static inline int survcheckpoints_keep(SurvCheckpoints *cp, int32_t day, const double *state) {
        return (size_t)day / SURV_BLOCK_DAYS < cp->n ? 0 : survcheckpoints_push(cp, day, state);
}

/*
 * A statistic's passes over a table, one per group of strata (each stratum, or all of
 * them pooled), kept for its next computation: each group's result (width doubles) and
 * the checkpoints of its pass (states of state_width doubles).  A zeroed one holds no
 * group.
 */
typedef struct SurvPasses {
        size_t width, state_width;
        size_t capacity;              /* groups allocated */
        double *result;               /* [capacity][width] */
        SurvCheckpoints *checkpoints; /* [capacity] */
} SurvPasses;

/* Frees the passes' memory; accepts a zeroed struct. */
void survpasses_deinit(SurvPasses *p);

/*
 * Makes room for n groups with results of width doubles and states of state_width
 * doubles, keeping what the groups hold unless the widths change.  Returns 0 or -ENOMEM.
 */
int survpasses_reserve(SurvPasses *p, size_t n, size_t width, size_t state_width);
