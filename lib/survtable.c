/* survtable.c — building and sealing the per-time count table shared by all statistics; the checkpoints and passes that let a statistic redo only what changed. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "interim/survtable.h"

int survtable_init(SurvTable *t, size_t n_strata, size_t n_arms) {
        if (n_strata == 0 || n_arms == 0)
                return -EINVAL;
        *t = (SurvTable){ .n_strata = n_strata, .n_arms = n_arms };
        t->n_start = calloc(n_strata * n_arms, sizeof(*t->n_start));
        return t->n_start ? 0 : -ENOMEM;
}

void survtable_deinit(SurvTable *t) {
        if (!t)
                return;
        free(t->time);
        free(t->count);
        free(t->n_risk);
        free(t->margin);
        free(t->n_start);
        *t = (SurvTable){ 0 };
}

void survtable_clear(SurvTable *t) {
        t->n_times = 0;
        memset(t->n_start, 0, t->n_strata * t->n_arms * sizeof(*t->n_start));
}

int survtable_reserve(SurvTable *t, size_t n) {
        if (n <= t->capacity)
                return 0;
        size_t cells = t->n_strata * t->n_arms;
        size_t cap = t->capacity ? 2 * t->capacity : 64;
        while (cap < n)
                cap *= 2;
        int32_t *time = realloc(t->time, cap * sizeof(*time));
        if (!time)
                return -ENOMEM;
        t->time = time;
        uint32_t *count = realloc(t->count, cap * cells * OUTCOME_KINDS * sizeof(*count));
        if (!count)
                return -ENOMEM;
        t->count = count;
        uint32_t *risk = realloc(t->n_risk, cap * cells * sizeof(*risk));
        if (!risk)
                return -ENOMEM;
        t->n_risk = risk;
        uint32_t *margin = realloc(t->margin, cap * (t->n_arms + 1) * (OUTCOME_KINDS + 1) * sizeof(*margin));
        if (!margin)
                return -ENOMEM;
        t->margin = margin;
        t->capacity = cap;
        return 0;
}

int survtable_push(SurvTable *t, int32_t time, const uint32_t *src, uint32_t **ret_counts, uint32_t **ret_risk) {
        size_t cells = t->n_strata * t->n_arms;
        if (t->n_times > 0 && time <= t->time[t->n_times - 1])
                return -EINVAL;
        int r = survtable_reserve(t, t->n_times + 1);
        if (r < 0)
                return r;
        size_t i = t->n_times++;
        t->time[i] = time;
        uint32_t *row = t->count + i * cells * OUTCOME_KINDS;
        if (src)
                memcpy(row, src, cells * OUTCOME_KINDS * sizeof(*row));
        else
                memset(row, 0, cells * OUTCOME_KINDS * sizeof(*row));
        *ret_counts = row;
        if (ret_risk)
                *ret_risk = t->n_risk + i * cells;
        return 0;
}

int survtable_append(SurvTable *t, int32_t time, uint32_t **ret_counts) {
        return survtable_push(t, time, NULL, ret_counts, NULL);
}

int survtable_seal(SurvTable *t) {
        size_t cells = t->n_strata * t->n_arms;
        memset(t->n_start, 0, cells * sizeof(*t->n_start));
        for (size_t i = 0; i < t->n_times; i++) {
                const uint32_t *k = t->count + i * cells * OUTCOME_KINDS;
                for (size_t c = 0; c < cells; c++, k += OUTCOME_KINDS)
                        t->n_start[c] += k[0] + k[1] + k[2];
        }
        /* Row i at risk = row i-1 at risk minus row i-1's exits. */
        for (size_t i = 0; i < t->n_times; i++) {
                uint32_t *risk = t->n_risk + i * cells;
                if (i == 0) {
                        memcpy(risk, t->n_start, cells * sizeof(*risk));
                        continue;
                }
                const uint32_t *prev = risk - cells;
                const uint32_t *k = t->count + (i - 1) * cells * OUTCOME_KINDS;
                for (size_t c = 0; c < cells; c++, k += OUTCOME_KINDS)
                        risk[c] = prev[c] - (k[0] + k[1] + k[2]);
        }
        for (size_t i = 0; i < t->n_times; i++)
                survtable_margins(t, i);
        return 0;
}

void survtable_margins(SurvTable *t, size_t i) {
        size_t A = t->n_arms, width = OUTCOME_KINDS + 1;
        uint32_t *m = t->margin + i * (A + 1) * width, *all = m + A * width;
        memset(all, 0, width * sizeof(*all));
        for (size_t a = 0; a < A; a++, m += width) {
                /* The arm's cells, summed one by one: the margins are not there yet. */
                SurvCells arm = { .first = a, .stride = A, .n = t->n_strata, .margin = SIZE_MAX };
                m[OUTCOME_KINDS] = survtable_gather(t, i, arm, m);
                for (size_t o = 0; o < width; o++)
                        all[o] += m[o];
        }
}

static int cmp_int32(const void *a, const void *b) {
        int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
        return (x > y) - (x < y);
}

/*
 * Records whose largest time is at most DENSE_PER_RECORD times their count, plus
 * DENSE_SLACK, are indexed by a table of every day up to it (one pass, no sort): 800
 * patients or more with 20 years of follow-up are, and the table stays within a few
 * times the records' size.  Others are sorted.
 */
#define DENSE_PER_RECORD 8
#define DENSE_SLACK 1024

/* Appends the distinct times in ascending order; ret_slot[d] is then day d's row + 1 (0: none).  Returns 0 or -ENOMEM. */
static int rows_dense(SurvTable *t, size_t n, const int32_t *time, int32_t max, uint32_t **ret_slot) {
        uint32_t *slot = calloc((size_t)max + 1, sizeof(*slot));
        if (!slot)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                slot[time[i]] = 1;
        int r = 0;
        for (int32_t d = 0; d <= max && r == 0; d++) {
                uint32_t *row;
                if (slot[d] && (r = survtable_append(t, d, &row)) == 0)
                        slot[d] = (uint32_t)t->n_times;
        }
        if (r < 0) {
                free(slot);
                return r;
        }
        *ret_slot = slot;
        return 0;
}

/* Appends the distinct times in ascending order, sorted.  Returns 0 or -ENOMEM. */
static int rows_sorted(SurvTable *t, size_t n, const int32_t *time) {
        int32_t *sorted = malloc((n ? n : 1) * sizeof(*sorted));
        if (!sorted)
                return -ENOMEM;
        memcpy(sorted, time, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_int32);
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                uint32_t *row;
                if (i == 0 || sorted[i] != sorted[i - 1])
                        r = survtable_append(t, sorted[i], &row);
        }
        free(sorted);
        return r;
}

int survtable_from_records(SurvTable *t, size_t n, const int32_t *time, const uint8_t *outcome,
                           const uint16_t *arm, const uint16_t *stratum) {
        int32_t max = 0;
        for (size_t i = 0; i < n; i++) {
                if (time[i] < 0 || outcome[i] >= OUTCOME_KINDS || arm[i] >= t->n_arms ||
                    stratum[i] >= t->n_strata)
                        return -EINVAL;
                if (time[i] > max)
                        max = time[i];
        }

        survtable_clear(t);
        uint32_t *slot = NULL;
        bool dense = (uint64_t)max <= DENSE_PER_RECORD * (uint64_t)n + DENSE_SLACK;
        int r = dense ? rows_dense(t, n, time, max, &slot) : rows_sorted(t, n, time);
        if (r < 0)
                return r;

        size_t cells = t->n_strata * t->n_arms;
        for (size_t i = 0; i < n; i++) {
                size_t row;
                if (dense)
                        row = slot[time[i]] - 1;
                else
                        row = (size_t)((const int32_t *)bsearch(&time[i], t->time, t->n_times, sizeof(*t->time),
                                                                cmp_int32) - t->time);
                size_t cell = (size_t)stratum[i] * t->n_arms + arm[i];
                t->count[(row * cells + cell) * OUTCOME_KINDS + outcome[i]]++;
        }
        free(slot);
        return survtable_seal(t);
}

uint32_t survtable_select(const SurvTable *t, size_t i, int arm, int stratum, uint32_t ret_counts[OUTCOME_KINDS]) {
        return survtable_gather(t, i, survtable_cells(t, arm, stratum), ret_counts);
}

/* Prepares checkpoints of states of width doubles, holding none. */
static void survcheckpoints_init(SurvCheckpoints *cp, size_t width) {
        *cp = (SurvCheckpoints){ .width = width };
}

/* Frees the states; accepts a zeroed struct. */
static void survcheckpoints_deinit(SurvCheckpoints *cp) {
        if (!cp)
                return;
        free(cp->state);
        *cp = (SurvCheckpoints){ 0 };
}

size_t survcheckpoints_resume(SurvCheckpoints *cp, const SurvTable *t, int32_t from, double *state) {
        if (cp->n == 0)
                return 0;
        size_t k = (size_t)from / SURV_BLOCK_DAYS;
        if (k >= cp->n)
                k = cp->n - 1;
        memcpy(state, cp->state + k * cp->width, cp->width * sizeof(*state));
        cp->n = k + 1;
        return days_through(t->time, t->n_times, (int32_t)(k * SURV_BLOCK_DAYS) - 1);
}

int survcheckpoints_push(SurvCheckpoints *cp, int32_t day, const double *state) {
        size_t need = (size_t)day / SURV_BLOCK_DAYS + 1;
        if (need > cp->capacity) {
                size_t cap = cp->capacity ? cp->capacity : 64;
                while (cap < need)
                        cap *= 2;
                double *p = realloc(cp->state, cap * cp->width * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                cp->state = p;
                cp->capacity = cap;
        }
        for (; cp->n < need; cp->n++)
                memcpy(cp->state + cp->n * cp->width, state, cp->width * sizeof(*state));
        return 0;
}

/* Prepares passes that hold no group. */
static void survpasses_init(SurvPasses *p) {
        *p = (SurvPasses){ 0 };
}

void survpasses_deinit(SurvPasses *p) {
        if (!p)
                return;
        for (size_t g = 0; g < p->capacity; g++)
                survcheckpoints_deinit(&p->checkpoints[g]);
        free(p->checkpoints);
        free(p->result);
        survpasses_init(p);
}

int survpasses_reserve(SurvPasses *p, size_t n, size_t width, size_t state_width) {
        if (width != p->width || state_width != p->state_width) {
                survpasses_deinit(p);
                p->width = width;
                p->state_width = state_width;
        }
        if (n <= p->capacity)
                return 0;
        double *result = realloc(p->result, n * width * sizeof(*result));
        if (!result)
                return -ENOMEM;
        p->result = result;
        SurvCheckpoints *cp = realloc(p->checkpoints, n * sizeof(*cp));
        if (!cp)
                return -ENOMEM;
        p->checkpoints = cp;
        for (; p->capacity < n; p->capacity++)
                survcheckpoints_init(&cp[p->capacity], state_width);
        return 0;
}
