/* cif.c — Aalen–Johansen cumulative incidence of the event with cmprsk's delta-method variance. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "interim/cif.h"

void cif_init(CifCurve *c) {
        *c = (CifCurve){ .follow_up = -1 };
}

void cif_deinit(CifCurve *c) {
        if (!c)
                return;
        free(c->time);
        free(c->estimate);
        free(c->variance);
        free(c->state);
        cif_init(c);
}

static int reserve(CifCurve *c, size_t rows) {
        if (rows <= c->capacity)
                return 0;
        int32_t *time = realloc(c->time, rows * sizeof(*time));
        if (!time)
                return -ENOMEM;
        c->time = time;
        double *est = realloc(c->estimate, rows * sizeof(*est));
        if (!est)
                return -ENOMEM;
        c->estimate = est;
        double *var = realloc(c->variance, rows * sizeof(*var));
        if (!var)
                return -ENOMEM;
        c->variance = var;
        double *state = realloc(c->state, rows * 4 * sizeof(*state));
        if (!state)
                return -ENOMEM;
        c->state = state;
        c->capacity = rows;
        return 0;
}

/* Adds one cause's terms, with weight t6 and derivatives t3, t4, to cinc's three variance sums. */
static inline void add_variance_terms(double v[3], double t6, double t3, double t4) {
        v[0] += t4 * t4 * t6;
        v[1] += t3 * t4 * t6;
        v[2] += t3 * t3 * t6;
}

int cif_estimate(const SurvTable *t, int arm, CifCurve *c) {
        if (arm != SURV_ALL && (arm < 0 || (size_t)arm >= t->n_arms))
                return -EINVAL;
        c->arm = arm;
        return cif_update(t, NULL, c);
}

/* The last day of t with an exit among the cells sel; -1 for none. */
static int32_t follow_up(const SurvTable *t, SurvCells sel) {
        for (size_t i = t->n_times; i-- > 0;) {
                uint32_t k[OUTCOME_KINDS];
                (void)survtable_gather(t, i, sel, k);
                if (k[OUTCOME_CENSORED] + k[OUTCOME_EVENT] + k[OUTCOME_COMPETING] > 0)
                        return t->time[i];
        }
        return -1;
}

int cif_update(const SurvTable *t, const int32_t *changed, CifCurve *c) {
        SurvCells sel = survtable_cells(t, c->arm, SURV_ALL);
        int32_t from = survtable_first_change(changed, sel);
        if (from == SURV_UNCHANGED)
                return 0;
        if (from == 0)
                c->n = 0;
        /* Rows are at most the table's; sizing once keeps the loop free of checks. */
        int r = reserve(c, t->n_times ? t->n_times : 1);
        if (r < 0)
                return r;

        /*
         * fk is the all-cause Kaplan–Meier just before the day, f the incidence, and
         * v the three running sums whose combination v0 + f^2 v2 - 2 f v1 is cinc's
         * variance; it is taken only on days with an event of interest.  The rows
         * before the change stay, and the sums go on from the last of them.
         */
        size_t j = days_through(c->time, c->n, from - 1);
        double fk = 1, f = 0, var = 0, v[3] = { 0, 0, 0 };
        if (j > 0) {
                const double *st = c->state + 4 * (j - 1);
                fk = st[0];
                f = c->estimate[j - 1];
                var = c->variance[j - 1];
                v[0] = st[1];
                v[1] = st[2];
                v[2] = st[3];
        }
        for (size_t i = days_through(t->time, t->n_times, from - 1); i < t->n_times; i++) {
                uint32_t k[OUTCOME_KINDS];
                double rs = survtable_gather(t, i, sel, k);
                double d1 = k[OUTCOME_EVENT], d2 = k[OUTCOME_COMPETING], left = rs - d1 - d2;
                if (d1 + d2 == 0)
                        continue;
                double inv_rs = 1 / rs, fkn = fk * left * inv_rs;
                double inv_tie = 1 / (rs > 1 ? rs - 1 : 1);
                /* 1/fkn, or 0 where cinc drops the term of a day that empties the risk set. */
                double t3 = left > 0 ? 1 / fkn : 0;
                /*
                 * cinc's weight fk^2 (1 - (d - 1)/(rs - 1)) d / rs^2 is 0 for no death, so
                 * each cause is added whether or not it occurred today.
                 */
                double w = fk * fk * inv_rs * inv_rs;
                f += fk * d1 * inv_rs;
                add_variance_terms(v, w * (1 - (d2 - 1) * inv_tie) * d2, t3, f * t3);
                add_variance_terms(v, w * (1 - (d1 - 1) * inv_tie) * d1, t3, 1 + t3 * f);
                if (d1 > 0)
                        var = v[0] + f * f * v[2] - 2 * f * v[1];
                fk = fkn;
                c->time[j] = t->time[i];
                c->estimate[j] = f;
                c->variance[j] = var;
                double *st = c->state + 4 * j;
                st[0] = fk;
                st[1] = v[0];
                st[2] = v[1];
                st[3] = v[2];
                j++;
        }
        c->n = j;
        c->follow_up = follow_up(t, sel);
        return 0;
}

void cif_at(const CifCurve *c, int32_t day, double *ret_estimate, double *ret_variance) {
        if (c->follow_up < 0 || day < 0 || day > c->follow_up) {
                *ret_estimate = *ret_variance = NAN;
                return;
        }
        /* The answer is the last row on or before day. */
        size_t lo = days_through(c->time, c->n, day);
        *ret_estimate = lo ? c->estimate[lo - 1] : 0;
        *ret_variance = lo ? c->variance[lo - 1] : 0;
}
