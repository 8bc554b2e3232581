/* riskset.c — incremental per-day exit counts for one endpoint, read off as a SurvTable. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "interim/riskset.h"

/* Largest day a risk set accepts: 200 years of follow-up. */
#define RISKSET_MAX_DAY (200 * 366)

int riskset_init(RiskSet *rs, size_t n_strata, size_t n_arms) {
        if (n_strata == 0 || n_arms == 0)
                return -EINVAL;
        *rs = (RiskSet){ .n_strata = n_strata, .n_arms = n_arms };
        rs->in_cell = calloc(n_strata * n_arms, sizeof(*rs->in_cell));
        return rs->in_cell ? 0 : -ENOMEM;
}

void riskset_deinit(RiskSet *rs) {
        if (!rs)
                return;
        free(rs->count);
        free(rs->arm_count);
        free(rs->in_day);
        free(rs->used);
        free(rs->in_cell);
        free(rs->changed);
        *rs = (RiskSet){ 0 };
}

static size_t row_width(const RiskSet *rs) {
        return rs->n_strata * rs->n_arms * OUTCOME_KINDS;
}

int riskset_reserve(RiskSet *rs, int32_t day) {
        if (day < 0 || day > RISKSET_MAX_DAY)
                return -EINVAL;
        if ((size_t)day < rs->n_days)
                return 0;
        size_t n = rs->n_days ? rs->n_days : 1024;
        while (n <= (size_t)day)
                n *= 2;
        size_t width = row_width(rs);
        uint32_t *count = realloc(rs->count, n * width * sizeof(*count));
        if (!count)
                return -ENOMEM;
        rs->count = count;
        uint32_t *arm_count = realloc(rs->arm_count, n * rs->n_arms * OUTCOME_KINDS * sizeof(*arm_count));
        if (!arm_count)
                return -ENOMEM;
        rs->arm_count = arm_count;
        memset(arm_count + rs->n_days * rs->n_arms * OUTCOME_KINDS, 0,
               (n - rs->n_days) * rs->n_arms * OUTCOME_KINDS * sizeof(*arm_count));
        uint32_t *in_day = realloc(rs->in_day, n * sizeof(*in_day));
        if (!in_day)
                return -ENOMEM;
        rs->in_day = in_day;
        uint64_t *used = realloc(rs->used, n / 64 * sizeof(*used));
        if (!used)
                return -ENOMEM;
        rs->used = used;
        size_t cells = rs->n_strata * rs->n_arms, blocks = rs->n_days / SURV_BLOCK_DAYS;
        uint64_t *changed = realloc(rs->changed, n / SURV_BLOCK_DAYS * cells * sizeof(*changed));
        if (!changed)
                return -ENOMEM;
        rs->changed = changed;
        memset(changed + blocks * cells, 0, (n / SURV_BLOCK_DAYS - blocks) * cells * sizeof(*changed));
        memset(count + rs->n_days * width, 0, (n - rs->n_days) * width * sizeof(*count));
        memset(in_day + rs->n_days, 0, (n - rs->n_days) * sizeof(*in_day));
        memset(used + rs->n_days / 64, 0, (n - rs->n_days) / 64 * sizeof(*used));
        rs->n_days = n;
        return 0;
}

static uint32_t *cell(RiskSet *rs, size_t stratum, size_t arm, int32_t day) {
        return rs->count + (size_t)day * row_width(rs) + (stratum * rs->n_arms + arm) * OUTCOME_KINDS;
}

static void mark_changed(RiskSet *rs, size_t stratum, size_t arm, int32_t day) {
        size_t cells = rs->n_strata * rs->n_arms;
        rs->changed[(size_t)day / SURV_BLOCK_DAYS * cells + stratum * rs->n_arms + arm] = ++rs->generation;
}

int riskset_add(RiskSet *rs, size_t stratum, size_t arm, int32_t day, Outcome outcome) {
        int r = riskset_reserve(rs, day);
        if (r < 0)
                return r;
        cell(rs, stratum, arm, day)[outcome]++;
        rs->arm_count[((size_t)day * rs->n_arms + arm) * OUTCOME_KINDS + outcome]++;
        mark_changed(rs, stratum, arm, day);
        rs->in_cell[stratum * rs->n_arms + arm]++;
        if (rs->in_day[day]++ == 0)
                rs->used[day / 64] |= UINT64_C(1) << (day % 64);
        rs->n_patients++;
        return 0;
}

void riskset_remove(RiskSet *rs, size_t stratum, size_t arm, int32_t day, Outcome outcome) {
        cell(rs, stratum, arm, day)[outcome]--;
        rs->arm_count[((size_t)day * rs->n_arms + arm) * OUTCOME_KINDS + outcome]--;
        mark_changed(rs, stratum, arm, day);
        rs->in_cell[stratum * rs->n_arms + arm]--;
        if (--rs->in_day[day] == 0)
                rs->used[day / 64] &= ~(UINT64_C(1) << (day % 64));
        rs->n_patients--;
}

/*
 * Rebuilds t's rows of the days from `from` through `through`, keeping the others: per
 * row the counts and each arm's margin from the risk set, and the numbers at risk from
 * the row before (the cells' and margins' at start on the first row).  The rows after
 * `through` stay as they are, moved when the rows between change in number: the caller
 * knows that every patient moved since t was built left and joined days up to `through`,
 * so that later days have the same counts and the same numbers at risk.
 */
static int table_between(const RiskSet *rs, int32_t from, int32_t through, SurvTable *t) {
        size_t A = rs->n_arms, cells = rs->n_strata * A, width = OUTCOME_KINDS + 1;
        memcpy(t->n_start, rs->in_cell, cells * sizeof(*t->n_start));
        uint32_t start[A + 1];
        start[A] = 0;
        for (size_t a = 0; a < A; a++) {
                start[a] = 0;
                for (size_t s = 0; s < rs->n_strata; s++)
                        start[a] += rs->in_cell[s * A + a];
                start[A] += start[a];
        }
        if (through >= (int32_t)rs->n_days)
                through = (int32_t)rs->n_days - 1;
        size_t kept = t->n_times, i0 = days_through(t->time, kept, from - 1), i1 = days_through(t->time, kept, through);
        /* The days in use from `from` through `through`, a word of the bitmap at a time. */
        size_t w0 = (size_t)from / 64, w1 = through >= from ? (size_t)through / 64 + 1 : w0, rows = 0;
        uint64_t mask0 = ~UINT64_C(0) << (from % 64), mask1 = ~UINT64_C(0) >> (63 - (through >= 0 ? through : 0) % 64);
#define USED(w) (rs->used[w] & ((w) == w0 ? mask0 : ~UINT64_C(0)) & ((w) + 1 == w1 ? mask1 : ~UINT64_C(0)))
        for (size_t w = w0; w < w1; w++)
                rows += (size_t)__builtin_popcountll(USED(w));
        size_t tail = kept - i1, n = i0 + rows + tail;
        int r = survtable_reserve(t, n);
        if (r < 0)
                return r;
        if (tail > 0 && i0 + rows != i1) {
                size_t to = i0 + rows;
                memmove(t->time + to, t->time + i1, tail * sizeof(*t->time));
                memmove(t->count + to * cells * OUTCOME_KINDS, t->count + i1 * cells * OUTCOME_KINDS,
                        tail * cells * OUTCOME_KINDS * sizeof(*t->count));
                memmove(t->n_risk + to * cells, t->n_risk + i1 * cells, tail * cells * sizeof(*t->n_risk));
                memmove(t->margin + to * (A + 1) * width, t->margin + i1 * (A + 1) * width,
                        tail * (A + 1) * width * sizeof(*t->margin));
        }
        t->n_times = i0;
        for (size_t w = w0; w < w1; w++)
                for (uint64_t bits = USED(w); bits; bits &= bits - 1) {
                        int32_t day = (int32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
                        size_t i = t->n_times++;
                        t->time[i] = day;
                        uint32_t *row = t->count + i * cells * OUTCOME_KINDS, *risk = t->n_risk + i * cells;
                        uint32_t *m = t->margin + i * (A + 1) * width;
                        const uint32_t *arm = rs->arm_count + (size_t)day * A * OUTCOME_KINDS;
                        memcpy(row, rs->count + (size_t)day * cells * OUTCOME_KINDS,
                               cells * OUTCOME_KINDS * sizeof(*row));
                        if (i == 0) {
                                memcpy(risk, t->n_start, cells * sizeof(*risk));
                                for (size_t a = 0; a <= A; a++)
                                        m[a * width + OUTCOME_KINDS] = start[a];
                        } else {
                                const uint32_t *k = row - cells * OUTCOME_KINDS, *prev = risk - cells;
                                for (size_t c = 0; c < cells; c++, k += OUTCOME_KINDS)
                                        risk[c] = prev[c] - (k[0] + k[1] + k[2]);
                                const uint32_t *pm = m - (A + 1) * width;
                                for (size_t a = 0; a <= A; a++, pm += width)
                                        m[a * width + OUTCOME_KINDS] = pm[OUTCOME_KINDS] - (pm[0] + pm[1] + pm[2]);
                        }
                        uint32_t *all = m + A * width;
                        all[0] = all[1] = all[2] = 0;
                        for (size_t a = 0; a < A; a++, m += width, arm += OUTCOME_KINDS) {
                                all[0] += m[0] = arm[0];
                                all[1] += m[1] = arm[1];
                                all[2] += m[2] = arm[2];
                        }
                }
#undef USED
        t->n_times = n;
        return 0;
}

int riskset_table(const RiskSet *rs, SurvTable *ret) {
        if (ret->n_strata != rs->n_strata || ret->n_arms != rs->n_arms)
                return -EINVAL;
        survtable_clear(ret);
        return table_between(rs, 0, INT32_MAX, ret);
}

int riskset_update(const RiskSet *rs, uint64_t since, SurvTable *t, int32_t *ret_changed) {
        size_t cells = rs->n_strata * rs->n_arms, blocks = rs->n_days / SURV_BLOCK_DAYS;
        if (t->n_strata != rs->n_strata || t->n_arms != rs->n_arms)
                return -EINVAL;
        int32_t from = SURV_UNCHANGED, through = -1;
        for (size_t c = 0; c < cells; c++) {
                /* A cell's numbers at risk change on every day when it gains or loses patients. */
                ret_changed[c] = t->n_start[c] != rs->in_cell[c] ? 0 : SURV_UNCHANGED;
                if (ret_changed[c] < from)
                        from = ret_changed[c];
        }
        /* Blocks in day order: the first change found in a cell is its earliest. */
        for (size_t b = 0; b < blocks && rs->generation != since; b++) {
                const uint64_t *g = rs->changed + b * cells;
                for (size_t c = 0; c < cells; c++)
                        if (g[c] > since) {
                                /* Every patient moved left a day and joined one in a block stamped since. */
                                through = (int32_t)((b + 1) * SURV_BLOCK_DAYS - 1);
                                if (ret_changed[c] == SURV_UNCHANGED)
                                        ret_changed[c] = (int32_t)(b * SURV_BLOCK_DAYS);
                                if (ret_changed[c] < from)
                                        from = ret_changed[c];
                        }
        }
        if (from == SURV_UNCHANGED)
                return 0;
        /* A cell that gained or lost patients has a stamped block too; without one, rebuild to the end. */
        return table_between(rs, from, through >= from ? through : INT32_MAX, t);
}
