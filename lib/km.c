/* km.c — fitting Kaplan–Meier curves with Greenwood errors and pointwise limits, and reading them at a day. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "interim/km.h"

void km_init(KmCurve *c) {
        *c = (KmCurve){ 0 };
}

void km_deinit(KmCurve *c) {
        if (!c)
                return;
        free(c->surv); /* the one block holding every array */
        *c = (KmCurve){ 0 };
}

int km_conf_type_from_name(const char *name) {
        static const char *const names[] = {
                [KM_CONF_PLAIN] = "plain",
                [KM_CONF_LOG] = "log",
                [KM_CONF_LOGLOG] = "log-log",
                [KM_CONF_NONE] = "none",
        };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(name, names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}

/*
 * survfit_confint() with logse = TRUE: se is the Greenwood error of log S.  R's NA
 * (log of a zero S, log-log of S 0 or 1) and its NaN (an infinite se times S = 0) are
 * both NaN here; fmin/fmax would drop a NaN that pmin/pmax keep, hence the guards.  The
 * log and log-log limits are R's exp(log(S) -/+ z se) and exp(-exp(log(-log(S)) -/+ h))
 * rewritten with fewer exp/log calls: they are most of a fit's time.
 */
static void conf_limits(KmConfType type, double z, double s, double se, double *ret_lower, double *ret_upper) {
        double lo = NAN, up = NAN;
        switch (type) {
        case KM_CONF_PLAIN: {
                double half = se * s * z;
                if (!isnan(half)) {
                        lo = fmax(s - half, 0);
                        up = fmin(s + half, 1);
                }
                break;
        }
        case KM_CONF_LOG:
                if (s > 0) {
                        double e = exp(z * se);
                        lo = s / e;
                        up = fmin(s * e, 1);
                }
                break;
        case KM_CONF_NONE:
                break;
        case KM_CONF_LOGLOG:
                if (s > 0 && s < 1) {
                        double log_s = log(s), e = exp(z * se / log_s);
                        lo = exp(log_s / e);
                        up = exp(log_s * e);
                }
                break;
        }
        *ret_lower = lo;
        *ret_upper = up;
}

/* Grows the arrays to n rows; their contents need not survive, a fit rewrites them. */
static int ensure_rows(KmCurve *c, size_t n) {
        if (n <= c->capacity)
                return 0;
        size_t doubles = 4 * n * sizeof(double), words = 4 * n * sizeof(uint32_t);
        double *block = malloc(doubles + words);
        if (!block)
                return -ENOMEM;
        free(c->surv);
        c->surv = block;
        c->std_err = block + n;
        c->lower = block + 2 * n;
        c->upper = block + 3 * n;
        uint32_t *w = (uint32_t *)(block + 4 * n);
        c->time = (int32_t *)w;
        c->n_risk = w + n;
        c->n_event = w + 2 * n;
        c->n_censor = w + 3 * n;
        c->capacity = n;
        return 0;
}

int km_fit(KmCurve *c, const SurvTable *t, int arm, int stratum, KmMode mode,
           KmConfType conf_type, double conf_level) {
        if ((arm != SURV_ALL && (arm < 0 || (size_t)arm >= t->n_arms)) ||
            (stratum != SURV_ALL && (stratum < 0 || (size_t)stratum >= t->n_strata)) ||
            (mode != KM_SURVIVAL && mode != KM_REVERSE) || conf_type < KM_CONF_PLAIN ||
            conf_type > KM_CONF_NONE || !(conf_level > 0 && conf_level < 1))
                return -EINVAL;
        int r = ensure_rows(c, t->n_times);
        if (r < 0)
                return r;

        c->mode = mode;
        c->conf_type = conf_type;
        c->conf_level = conf_level;
        c->n = 0;
        double z = gsl_cdf_ugaussian_Pinv(1 - (1 - conf_level) / 2);
        double s = 1, greenwood = 0;
        size_t j = 0;
        for (size_t i = 0; i < t->n_times; i++) {
                uint32_t k[OUTCOME_KINDS];
                uint32_t risk = survtable_select(t, i, arm, stratum, k);
                uint32_t exits = k[OUTCOME_CENSORED] + k[OUTCOME_EVENT] + k[OUTCOME_COMPETING];
                if (exits == 0)
                        continue;
                uint32_t d = mode == KM_REVERSE ? k[OUTCOME_CENSORED] : k[OUTCOME_EVENT];
                if (d > 0) {
                        s *= (double)(risk - d) / risk;
                        /* The last at risk all have the event: R's d / 0 makes the error infinite. */
                        greenwood += d == risk ? INFINITY : d / ((double)risk * (risk - d));
                }
                if (j == 0)
                        c->n = risk;
                c->time[j] = t->time[i];
                c->n_risk[j] = risk;
                c->n_event[j] = d;
                c->n_censor[j] = exits - d;
                c->surv[j] = s;
                c->std_err[j] = s * sqrt(greenwood);
                if (d > 0 || j == 0)
                        conf_limits(conf_type, z, s, sqrt(greenwood), &c->lower[j], &c->upper[j]);
                else { /* only censorings: nothing moved */
                        c->lower[j] = c->lower[j - 1];
                        c->upper[j] = c->upper[j - 1];
                }
                j++;
        }
        c->n_rows = j;
        return 0;
}

int km_landmark(const KmCurve *c, int32_t day, KmLandmark *ret) {
        if (day < 0)
                return -EINVAL;
        if (c->n_rows == 0) {
                *ret = (KmLandmark){ .surv = NAN, .std_err = NAN, .lower = NAN, .upper = NAN };
                return 0;
        }
        size_t after = days_through(c->time, c->n_rows, day); /* rows at or before day */
        /* The first row at or after day holds the number at risk at day. */
        size_t next = after > 0 && c->time[after - 1] == day ? after - 1 : after;
        uint32_t n_risk = next < c->n_rows ? c->n_risk[next] : 0;
        if (after == 0)
                *ret = (KmLandmark){ .surv = 1, .std_err = 0, .lower = 1, .upper = 1, .n_risk = n_risk };
        else
                *ret = (KmLandmark){
                        .surv = c->surv[after - 1],
                        .std_err = c->std_err[after - 1],
                        .lower = c->lower[after - 1],
                        .upper = c->upper[after - 1],
                        .n_risk = n_risk,
                };
        return 0;
}
