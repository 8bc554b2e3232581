/* gsd-monitor.c — the monitoring state of a comparison: bounds of the looks, actions, conditional power, repeated confidence intervals. */
#include <errno.h>
#include <math.h>
#include <gsl/gsl_cdf.h>

#include "gsd-internal.h"

double gsd_hazard_ratio(double z, double events, double allocation) {
        double r = allocation;
        return exp(-z * (1.0 + r) / sqrt(r * events));
}

void gsd_rci(double bound, double z, double events, double allocation, double *ret_lower,
             double *ret_upper) {
        double r = allocation;
        double scale = (1.0 + r) / sqrt(r * events);
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

int gsd_monitor(const GsdDesign *d, size_t n_looks, const double *look_events, const double *look_z,
                double events_now, double z_now, GsdState *ret) {
        int r = gsd_design_check(d);
        if (r < 0)
                return r;
        if (n_looks > GSD_MAX_LOOKS || (n_looks > 0 && (!look_events || !look_z)) || !ret)
                return -EINVAL;
        if (!(events_now > 0.0) || !isfinite(events_now) || !isfinite(z_now))
                return -EINVAL;

        double fraction[GSD_MAX_LOOKS];
        for (size_t i = 0; i < n_looks; i++) {
                double e = look_events[i];
                if (!(e > 0.0) || !isfinite(e) || !isfinite(look_z[i]) ||
                    (i > 0 && !(e > look_events[i - 1])))
                        return -EINVAL;
                fraction[i] = e / d->planned_events;
        }

        /* The look made now is a new one unless no event came since the last look. */
        size_t n = n_looks;
        if (n == 0 || events_now > look_events[n - 1]) {
                if ((n > 0 && fraction[n - 1] >= 1.0) || n == GSD_MAX_LOOKS)
                        return -EINVAL;
                fraction[n++] = events_now / d->planned_events;
        } else if (events_now < look_events[n - 1]) {
                return -EINVAL;
        }
        size_t now = n - 1;
        bool final = fraction[now] >= 1.0;
        if (!final) {
                if (n == GSD_MAX_LOOKS)
                        return -EINVAL;
                fraction[n++] = 1.0;
        }

        r = gsd_bounds(d, n, fraction, &ret->bounds);
        if (r < 0)
                return r;
        ret->now = now;
        ret->fraction = fraction[now];
        ret->z = z_now;
        ret->hazard_ratio = gsd_hazard_ratio(z_now, events_now, d->allocation);
        ret->action = action_at(d, &ret->bounds, now, z_now);
        if (final) {
                ret->cp_design = NAN;
                ret->cp_trend = NAN;
        } else {
                double t = fraction[now], c = ret->bounds.efficacy[now + 1];
                ret->cp_design = gsd_conditional_power(t, z_now, gsd_design_drift(d), c);
                /* The observed hazard ratio's drift at full information is z / sqrt(t). */
                ret->cp_trend = gsd_conditional_power(t, z_now, z_now / sqrt(t), c);
        }

        for (size_t i = 0; i < n_looks; i++) {
                ret->look_hazard_ratio[i] = gsd_hazard_ratio(look_z[i], look_events[i], d->allocation);
                ret->look_action[i] = action_at(d, &ret->bounds, i, look_z[i]);
                gsd_rci(ret->bounds.efficacy[i], look_z[i], look_events[i], d->allocation,
                        &ret->rci_lower[i], &ret->rci_upper[i]);
        }
        return 0;
}

int gsd_monitor_arms(const GsdDesign *d, size_t n_arms, size_t n_looks, const double *look_events,
                     const double *look_z, const double *events_now, const double *z_now,
                     GsdState *ret) {
        if (n_arms == 0 || !events_now || !z_now || !ret)
                return -EINVAL;
        for (size_t a = 0; a < n_arms; a++) {
                size_t off = a * n_looks;
                int r = gsd_monitor(d, n_looks, look_events ? look_events + off : NULL,
                                    look_z ? look_z + off : NULL, events_now[a], z_now[a], &ret[a]);
                if (r < 0)
                        return r;
        }
        return 0;
}
