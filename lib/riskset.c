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
        free(rs->in_day);
        free(rs->used);
        free(rs->in_cell);
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
        uint32_t *in_day = realloc(rs->in_day, n * sizeof(*in_day));
        if (!in_day)
                return -ENOMEM;
        rs->in_day = in_day;
        uint64_t *used = realloc(rs->used, n / 64 * sizeof(*used));
        if (!used)
                return -ENOMEM;
        rs->used = used;
        memset(count + rs->n_days * width, 0, (n - rs->n_days) * width * sizeof(*count));
        memset(in_day + rs->n_days, 0, (n - rs->n_days) * sizeof(*in_day));
        memset(used + rs->n_days / 64, 0, (n - rs->n_days) / 64 * sizeof(*used));
        rs->n_days = n;
        return 0;
}

static uint32_t *cell(RiskSet *rs, size_t stratum, size_t arm, int32_t day) {
        return rs->count + (size_t)day * row_width(rs) + (stratum * rs->n_arms + arm) * OUTCOME_KINDS;
}

int riskset_add(RiskSet *rs, size_t stratum, size_t arm, int32_t day, Outcome outcome) {
        int r = riskset_reserve(rs, day);
        if (r < 0)
                return r;
        cell(rs, stratum, arm, day)[outcome]++;
        rs->in_cell[stratum * rs->n_arms + arm]++;
        if (rs->in_day[day]++ == 0)
                rs->used[day / 64] |= UINT64_C(1) << (day % 64);
        rs->n_patients++;
        return 0;
}

void riskset_remove(RiskSet *rs, size_t stratum, size_t arm, int32_t day, Outcome outcome) {
        cell(rs, stratum, arm, day)[outcome]--;
        rs->in_cell[stratum * rs->n_arms + arm]--;
        if (--rs->in_day[day] == 0)
                rs->used[day / 64] &= ~(UINT64_C(1) << (day % 64));
        rs->n_patients--;
}

int riskset_table(const RiskSet *rs, SurvTable *ret) {
        size_t cells = rs->n_strata * rs->n_arms;
        if (ret->n_strata != rs->n_strata || ret->n_arms != rs->n_arms)
                return -EINVAL;
        survtable_clear(ret);
        memcpy(ret->n_start, rs->in_cell, cells * sizeof(*ret->n_start));
        for (size_t w = 0; w < rs->n_days / 64; w++)
                for (uint64_t bits = rs->used[w]; bits; bits &= bits - 1) {
                        int32_t day = (int32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
                        uint32_t *row, *risk;
                        int r = survtable_push(ret, day, rs->count + (size_t)day * cells * OUTCOME_KINDS, &row, &risk);
                        if (r < 0)
                                return r;
                        /* At risk = at risk on the previous row minus its exits (pointers taken after any growth). */
                        if (ret->n_times == 1) {
                                memcpy(risk, ret->n_start, cells * sizeof(*risk));
                                continue;
                        }
                        const uint32_t *prev_risk = risk - cells;
                        const uint32_t *k = row - cells * OUTCOME_KINDS;
                        for (size_t c = 0; c < cells; c++, k += OUTCOME_KINDS)
                                risk[c] = prev_risk[c] - (k[0] + k[1] + k[2]);
                }
        return 0;
}
