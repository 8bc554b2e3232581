/* km.c — fitting Kaplan–Meier curves with Greenwood errors and pointwise limits, and reading them at a day. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "interim/km.h"
#include "vecmath.h"

void km_init(KmCurve *c) {
        *c = (KmCurve){ .line = { { .first_nan = SIZE_MAX }, { .first_nan = SIZE_MAX }, { .first_nan = SIZE_MAX } } };
}

void km_deinit(KmCurve *c) {
        if (!c)
                return;
        free(c->surv); /* the one block holding every array */
        km_init(c);
}

/* R's conf.type names, by KmConfType. */
static const char *const conf_type_names[] = {
        [KM_CONF_PLAIN] = "plain",
        [KM_CONF_LOG] = "log",
        [KM_CONF_LOGLOG] = "log-log",
        [KM_CONF_NONE] = "none",
};

int km_conf_type_from_name(const char *name) {
        for (size_t i = 0; i < sizeof(conf_type_names) / sizeof(conf_type_names[0]); i++)
                if (strcmp(name, conf_type_names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}

const char *km_conf_type_name(KmConfType type) {
        return (size_t)type < sizeof(conf_type_names) / sizeof(conf_type_names[0]) ? conf_type_names[type] : NULL;
}

/* Rows whose limits are computed together, with their scratch on the stack. */
#define LIMITS_CHUNK 64

/*
 * survfit_confint() with logse = TRUE for m <= LIMITS_CHUNK rows: s the estimates and,
 * on entry, lower the Greenwood errors of log S, which the lower limits replace.  R's
 * NA (log of a zero S, log-log of S 0 or 1) and its NaN (an infinite se times S = 0)
 * are both NaN here; fmin/fmax would drop a NaN that pmin/pmax keep, hence the guards.
 * The log and log-log limits are R's exp(log(S) -/+ z se) and
 * exp(-exp(log(-log(S)) -/+ h)) rewritten with fewer exp/log calls, and those calls
 * made over the rows together: they are most of a fit's time.
 */
static void limits_chunk(KmConfType type, double z, const double *s, double *lower, double *upper, size_t m) {
        double a[LIMITS_CHUNK], b[LIMITS_CHUNK];
        switch (type) {
        case KM_CONF_PLAIN:
                for (size_t i = 0; i < m; i++) {
                        double half = lower[i] * s[i] * z;
                        lower[i] = isnan(half) ? NAN : fmax(s[i] - half, 0);
                        upper[i] = isnan(half) ? NAN : fmin(s[i] + half, 1);
                }
                break;
        case KM_CONF_LOG:
                for (size_t i = 0; i < m; i++)
                        a[i] = z * lower[i];
                vecmath_exp(a, m); /* e */
                for (size_t i = 0; i < m; i++) {
                        lower[i] = s[i] > 0 ? s[i] / a[i] : NAN;
                        upper[i] = s[i] > 0 ? fmin(s[i] * a[i], 1) : NAN;
                }
                break;
        case KM_CONF_LOGLOG:
                for (size_t i = 0; i < m; i++)
                        a[i] = s[i] > 0 && s[i] < 1 ? s[i] : 0.5; /* rows out of range get NaN below */
                vecmath_log(a, m); /* log S */
                for (size_t i = 0; i < m; i++)
                        b[i] = z * lower[i] / a[i];
                vecmath_exp(b, m); /* e */
                for (size_t i = 0; i < m; i++) {
                        lower[i] = a[i] / b[i];
                        upper[i] = a[i] * b[i];
                }
                vecmath_exp(lower, m);
                vecmath_exp(upper, m);
                for (size_t i = 0; i < m; i++)
                        if (!(s[i] > 0 && s[i] < 1))
                                lower[i] = upper[i] = NAN;
                break;
        case KM_CONF_NONE:
                for (size_t i = 0; i < m; i++)
                        lower[i] = upper[i] = NAN;
                break;
        }
}

/* limits_chunk() over n rows. */
static void conf_limits(KmConfType type, double z, const double *s, double *lower, double *upper, size_t n) {
        for (size_t from = 0; from < n; from += LIMITS_CHUNK)
                limits_chunk(type, z, s + from, lower + from, upper + from,
                             n - from < LIMITS_CHUNK ? n - from : LIMITS_CHUNK);
}

/* Doubles and 32-bit words per row in a curve's one block of memory. */
#define ROW_DOUBLES 7
#define ROW_WORDS 6

/* Points the curve's arrays into block, holding n rows. */
static void carve(KmCurve *c, double *block, size_t n) {
        uint32_t *w = (uint32_t *)(block + ROW_DOUBLES * n);
        c->surv = block;
        c->std_err = block + n;
        c->lower = block + 2 * n;
        c->upper = block + 3 * n;
        c->greenwood = block + 4 * n;
        c->time = (int32_t *)w;
        c->n_risk = w + n;
        c->n_event = w + 2 * n;
        c->n_censor = w + 3 * n;
        c->line[0].peak = NULL;
        c->line[0].falls = NULL;
        for (int l = 1; l < 3; l++) {
                c->line[l].peak = block + (4 + l) * n;
                c->line[l].falls = w + (3 + l) * n;
        }
}

/* Grows the arrays to n rows, keeping the rows fitted so far. */
static int ensure_rows(KmCurve *c, size_t n) {
        if (n <= c->capacity)
                return 0;
        n += n / 4;
        double *block = malloc(n * (ROW_DOUBLES * sizeof(double) + ROW_WORDS * sizeof(uint32_t)));
        if (!block)
                return -ENOMEM;
        KmCurve old = *c;
        carve(c, block, n);
        c->capacity = n;
        if (!old.surv)
                return 0;
        size_t rows = old.n_rows;
        memcpy(c->surv, old.surv, rows * sizeof(double));
        memcpy(c->std_err, old.std_err, rows * sizeof(double));
        memcpy(c->lower, old.lower, rows * sizeof(double));
        memcpy(c->upper, old.upper, rows * sizeof(double));
        memcpy(c->greenwood, old.greenwood, rows * sizeof(double));
        memcpy(c->time, old.time, rows * sizeof(int32_t));
        memcpy(c->n_risk, old.n_risk, rows * sizeof(uint32_t));
        memcpy(c->n_event, old.n_event, rows * sizeof(uint32_t));
        memcpy(c->n_censor, old.n_censor, rows * sizeof(uint32_t));
        for (int l = 1; l < 3; l++) {
                memcpy(c->line[l].peak, old.line[l].peak, rows * sizeof(double));
                memcpy(c->line[l].falls, old.line[l].falls, old.line[l].n_falls * sizeof(uint32_t));
        }
        free(old.surv); /* the one block holding every array */
        return 0;
}

int km_fit(KmCurve *c, const SurvTable *t, int arm, int stratum, KmMode mode,
           KmConfType conf_type, double conf_level) {
        if ((mode != KM_SURVIVAL && mode != KM_REVERSE) || conf_type < KM_CONF_PLAIN || conf_type > KM_CONF_NONE ||
            !(conf_level > 0 && conf_level < 1))
                return -EINVAL;
        c->mode = mode;
        c->conf_type = conf_type;
        c->conf_level = conf_level;
        c->arm = arm;
        c->stratum = stratum;
        return km_update(c, t, NULL);
}

/* Adds row j's value v to a line whose peak before it is *peak. */
static inline void line_add(KmLine *line, size_t j, double v, double *peak) {
        double y = 1 - v;
        if (isnan(y)) {
                if (line->first_nan == SIZE_MAX)
                        line->first_nan = j;
        } else if (y < *peak)
                line->falls[line->n_falls++] = (uint32_t)j;
        else
                *peak = y;
        line->peak[j] = *peak;
}

/* Forgets what a line knew of the rows from j on. */
static void line_truncate(KmLine *line, size_t j) {
        while (line->n_falls > 0 && line->falls[line->n_falls - 1] >= j)
                line->n_falls--;
        if (line->first_nan != SIZE_MAX && line->first_nan >= j)
                line->first_nan = SIZE_MAX;
}

int km_update(KmCurve *c, const SurvTable *t, const int32_t *changed) {
        if ((c->arm != SURV_ALL && (c->arm < 0 || (size_t)c->arm >= t->n_arms)) ||
            (c->stratum != SURV_ALL && (c->stratum < 0 || (size_t)c->stratum >= t->n_strata)))
                return -EINVAL;
        SurvCells sel = survtable_cells(t, c->arm, c->stratum);
        int32_t from = survtable_first_change(changed, sel);
        if (from == SURV_UNCHANGED)
                return 0;
        if (from == 0)
                c->n_rows = c->n_events = 0;
        int r = ensure_rows(c, t->n_times);
        if (r < 0)
                return r;

        /* Every row before the change stays; the fit goes on from the last of them. */
        size_t j = days_through(c->time, c->n_rows, from - 1);
        for (size_t row = j; row < c->n_rows; row++)
                c->n_events -= c->n_event[row];
        bool limits = c->conf_type != KM_CONF_NONE;
        double peak[3] = { 0, 0, 0 };
        for (int l = 1; l < 3 && limits; l++) {
                line_truncate(&c->line[l], j);
                peak[l] = j > 0 ? c->line[l].peak[j - 1] : 0;
        }
        double s = j > 0 ? c->surv[j - 1] : 1, greenwood = j > 0 ? c->greenwood[j - 1] : 0;
        if (j == 0)
                c->n = 0;
        KmMode mode = c->mode;
        KmConfType conf_type = c->conf_type;
        double z = gsl_cdf_ugaussian_Pinv(1 - (1 - c->conf_level) / 2);
        size_t first = j;
        for (size_t i = days_through(t->time, t->n_times, from - 1); i < t->n_times; i++) {
                uint32_t k[OUTCOME_KINDS];
                uint32_t risk = survtable_gather(t, i, sel, k);
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
                c->n_events += d;
                c->n_censor[j] = exits - d;
                c->surv[j] = s;
                c->greenwood[j] = greenwood;
                double se = sqrt(greenwood);
                c->std_err[j] = s * se;
                c->lower[j] = se; /* for conf_limits() */
                j++;
        }
        c->n_rows = j;
        conf_limits(conf_type, z, c->surv + first, c->lower + first, c->upper + first, j - first);
        for (size_t row = first; row < j && limits; row++) {
                line_add(&c->line[1], row, c->lower[row], &peak[1]);
                line_add(&c->line[2], row, c->upper[row], &peak[2]);
        }
        /* The estimates never fall nor are NaN; limits not computed are NaN throughout. */
        c->line[0] = (KmLine){ .first_nan = SIZE_MAX };
        for (int l = 1; l < 3 && !limits; l++)
                c->line[l] = (KmLine){ .peak = c->line[l].peak, .falls = c->line[l].falls,
                                       .first_nan = j ? 0 : SIZE_MAX };
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
