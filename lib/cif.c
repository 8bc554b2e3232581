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
        c->capacity = rows;
        return 0;
}

/*
 * One step of the variance sums of cmprsk's cinc for d deaths of one cause among rs
 * at risk: w is the derivative weight the cause contributes.  The (d - 1)/(rs - 1)
 * factor is cinc's correction for tied deaths.
 */
static void add_variance_terms(double v[3], double fk, double d, double rs, double t3, double t4) {
        double t5 = d > 1 ? 1 - (d - 1) / (rs - 1) : 1;
        double t6 = fk * fk * t5 * d / (rs * rs);
        v[0] += t4 * t4 * t6;
        v[1] += t3 * t4 * t6;
        v[2] += t3 * t3 * t6;
}

int cif_estimate(const SurvTable *t, int arm, CifCurve *c) {
        if (arm != SURV_ALL && (arm < 0 || (size_t)arm >= t->n_arms))
                return -EINVAL;

        /* Rows are at most the table's; sizing once keeps the loop free of checks. */
        int r = reserve(c, t->n_times ? t->n_times : 1);
        if (r < 0)
                return r;

        /*
         * fk is the all-cause Kaplan–Meier just before the day, f the incidence, and
         * v the three running sums whose combination v0 + f^2 v2 - 2 f v1 is cinc's
         * variance; it is taken only on days with an event of interest.
         */
        double fk = 1, f = 0, var = 0, v[3] = { 0, 0, 0 };
        c->n = 0;
        c->follow_up = -1;
        for (size_t i = 0; i < t->n_times; i++) {
                uint32_t k[OUTCOME_KINDS];
                uint32_t at_risk = survtable_select(t, i, arm, SURV_ALL, k);
                if (k[OUTCOME_CENSORED] + k[OUTCOME_EVENT] + k[OUTCOME_COMPETING] > 0)
                        c->follow_up = t->time[i];
                double d1 = k[OUTCOME_EVENT], d2 = k[OUTCOME_COMPETING], rs = at_risk;
                if (d1 + d2 == 0)
                        continue;
                double fkn = fk * (rs - d1 - d2) / rs;
                if (d1 > 0)
                        f += fk * d1 / rs;
                if (d2 > 0 && fkn > 0)
                        add_variance_terms(v, fk, d2, rs, 1 / fkn, f / fkn);
                if (d1 > 0) {
                        /* An event that empties the risk set has no 1/fkn term, yet cinc still combines all three sums. */
                        double t3 = fkn > 0 ? 1 / fkn : 0;
                        add_variance_terms(v, fk, d1, rs, t3, 1 + t3 * f);
                        var = v[0] + f * f * v[2] - 2 * f * v[1];
                }
                fk = fkn;
                c->time[c->n] = t->time[i];
                c->estimate[c->n] = f;
                c->variance[c->n] = var;
                c->n++;
        }
        return 0;
}

void cif_at(const CifCurve *c, int32_t day, double *ret_estimate, double *ret_variance) {
        if (c->follow_up < 0 || day < 0 || day > c->follow_up) {
                *ret_estimate = *ret_variance = NAN;
                return;
        }
        /* The first row after day, by bisection; the answer is the row before it. */
        size_t lo = 0, hi = c->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (c->time[mid] <= day)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *ret_estimate = lo ? c->estimate[lo - 1] : 0;
        *ret_variance = lo ? c->variance[lo - 1] : 0;
}
