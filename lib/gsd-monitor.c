/* gsd-monitor.c — the monitoring state of a comparison: bounds of the looks, actions, conditional power, repeated confidence intervals. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>

#include "gsd-internal.h"

/* (1 + r) / sqrt(r d), written so that no extreme allocation r overflows. */
static double log_hr_scale(double events, double r) {
        return (sqrt(r) + 1.0 / sqrt(r)) / sqrt(events);
}

double gsd_hazard_ratio(double z, double events, double allocation) {
        return exp(-z * log_hr_scale(events, allocation));
}

void gsd_rci(double bound, double z, double events, double allocation, double *ret_lower,
             double *ret_upper) {
        double scale = log_hr_scale(events, allocation);
        *ret_lower = exp((-z - bound) * scale);
        *ret_upper = exp((-z + bound) * scale);
}

double gsd_conditional_power(double fraction, double z, double theta, double final_bound) {
        double t = fraction;
        if (!(t < 1.0))
                return NAN;
        return gsl_cdf_ugaussian_P((z * sqrt(t) + theta * (1.0 - t) - final_bound) / sqrt(1.0 - t));
}

/* rpact's getTestActions: strict inequalities, and the efficacy bound checked first. */
static GsdAction action_at(const GsdDesign *d, const GsdBounds *b, size_t k, double z) {
        if ((d->sides == 2 ? fabs(z) : z) > b->efficacy[k])
                return GSD_REJECT;
        if (b->fraction[k] >= 1.0 || z < b->futility[k])
                return GSD_ACCEPT;
        return GSD_CONTINUE;
}

struct GsdMonitor {
        GsdDesign design;
        size_t n_looks;
        double events[GSD_MAX_LOOKS], z[GSD_MAX_LOOKS];
        GsdBounds looks;   /* of the recorded looks */
        GsdRecursion rec;  /* moved on past the last recorded look */
        gsl_root_fdfsolver *solver;
};

int gsd_monitor_new(GsdMonitor **ret, const GsdDesign *d, size_t n_looks, const double *look_events,
                    const double *look_z) {
        int r = gsd_design_check(d);
        if (r < 0)
                return r;
        if (!ret || n_looks > GSD_MAX_LOOKS || (n_looks > 0 && (!look_events || !look_z)))
                return -EINVAL;
        double fraction[GSD_MAX_LOOKS];
        for (size_t i = 0; i < n_looks; i++) {
                if (!isfinite(look_events[i]) || !isfinite(look_z[i]))
                        return -EINVAL;
                fraction[i] = look_events[i] / d->planned_events;
        }
        r = gsd_check_fractions(n_looks, fraction);
        if (r < 0)
                return r;

        GsdMonitor *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->solver = gsl_root_fdfsolver_alloc(gsl_root_fdfsolver_newton);
        if (!m->solver) {
                free(m);
                return -ENOMEM;
        }
        m->design = *d;
        m->n_looks = n_looks;
        m->looks.n_looks = n_looks;
        gsd_recursion_init(&m->rec);
        for (size_t i = 0; i < n_looks; i++) {
                m->events[i] = look_events[i];
                m->z[i] = look_z[i];
                /* Nothing follows a final look. */
                r = gsd_recursion_look(&m->rec, d, m->solver, fraction[i], fraction[i] < 1.0, &m->looks, i);
                if (r < 0) {
                        gsd_monitor_free(m);
                        return r;
                }
        }
        *ret = m;
        return 0;
}

void gsd_monitor_free(GsdMonitor *m) {
        if (!m)
                return;
        gsl_root_fdfsolver_free(m->solver);
        free(m);
}

/* The recorded looks' hazard ratios, actions and RCIs, from the bounds in ret. */
static void recorded_looks(const GsdMonitor *m, GsdState *ret) {
        const GsdDesign *d = &m->design;
        for (size_t i = 0; i < m->n_looks; i++) {
                ret->look_hazard_ratio[i] = gsd_hazard_ratio(m->z[i], m->events[i], d->allocation);
                ret->look_action[i] = action_at(d, &ret->bounds, i, m->z[i]);
                gsd_rci(ret->bounds.efficacy[i], m->z[i], m->events[i], d->allocation, &ret->rci_lower[i],
                        &ret->rci_upper[i]);
        }
}

int gsd_monitor_looks(const GsdMonitor *m, GsdState *ret) {
        if (!m || !ret)
                return -EINVAL;
        *ret = (GsdState){ .bounds = m->looks, .now = m->n_looks, .fraction = NAN, .z = NAN, .hazard_ratio = NAN,
                           .action = GSD_CONTINUE, .cp_design = NAN, .cp_trend = NAN };
        recorded_looks(m, ret);
        return 0;
}

int gsd_monitor_state(const GsdMonitor *m, double events_now, double z_now, GsdState *ret) {
        const GsdDesign *d = &m->design;
        size_t n = m->n_looks;
        if (!ret || !(events_now > 0.0) || !isfinite(events_now) || !isfinite(z_now))
                return -EINVAL;
        if (n > 0 && events_now < m->events[n - 1])
                return -EINVAL;

        ret->bounds = m->looks;
        GsdRecursion rec = m->rec;
        /* The look made now is a new one unless no event came since the last look. */
        if (n == 0 || events_now > m->events[n - 1]) {
                if ((n > 0 && m->looks.fraction[n - 1] >= 1.0) || n == GSD_MAX_LOOKS)
                        return -EINVAL;
                double t = events_now / d->planned_events;
                int r = gsd_recursion_look(&rec, d, m->solver, t, t < 1.0, &ret->bounds, n++);
                if (r < 0)
                        return r;
        }
        size_t now = n - 1;
        bool final = ret->bounds.fraction[now] >= 1.0;
        if (!final) {
                if (n == GSD_MAX_LOOKS)
                        return -EINVAL;
                int r = gsd_recursion_look(&rec, d, m->solver, 1.0, false, &ret->bounds, n++);
                if (r < 0)
                        return r;
        }
        ret->bounds.n_looks = n;
        ret->now = now;
        ret->fraction = ret->bounds.fraction[now];
        return gsd_monitor_restate(m, events_now, z_now, ret);
}

int gsd_monitor_restate(const GsdMonitor *m, double events_now, double z_now, GsdState *ret) {
        const GsdDesign *d = &m->design;
        if (!ret || !(events_now > 0.0) || !isfinite(events_now) || !isfinite(z_now))
                return -EINVAL;
        size_t now = ret->now;
        bool final = ret->fraction >= 1.0;
        ret->z = z_now;
        ret->hazard_ratio = gsd_hazard_ratio(z_now, events_now, d->allocation);
        ret->action = action_at(d, &ret->bounds, now, z_now);
        if (final) {
                ret->cp_design = NAN;
                ret->cp_trend = NAN;
        } else {
                double t = ret->fraction, c = ret->bounds.efficacy[now + 1];
                ret->cp_design = gsd_conditional_power(t, z_now, gsd_design_drift(d), c);
                /* The observed hazard ratio's drift at full information is z / sqrt(t). */
                ret->cp_trend = gsd_conditional_power(t, z_now, z_now / sqrt(t), c);
        }
        recorded_looks(m, ret);
        return 0;
}
