/* gsd-boundary.c — a design's checks and drift, and the boundary searches through its looks. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_roots.h>

#include "gsd-internal.h"

int gsd_design_check(const GsdDesign *d) {
        if (!d || (d->sides != 1 && d->sides != 2) || !(d->alpha > 0.0 && d->alpha < 0.5))
                return -EINVAL;
        if (!(d->planned_events > 0.0) || !isfinite(d->planned_events))
                return -EINVAL;
        if (!(d->hazard_ratio > 0.0) || !isfinite(d->hazard_ratio))
                return -EINVAL;
        if (!(d->allocation > 0.0) || !isfinite(d->allocation))
                return -EINVAL;

        const GsdSpending *spend[2] = { &d->efficacy, NULL };
        switch (d->futility) {
        case GSD_FUTILITY_NONE:
                break;
        case GSD_FUTILITY_BETA:
                if (d->sides != 1 || !(d->beta > 0.0 && d->beta < 1.0 - d->alpha))
                        return -EINVAL;
                spend[1] = &d->futility_spending;
                break;
        case GSD_FUTILITY_FIXED:
                if (d->sides != 1 || !isfinite(d->futility_z))
                        return -EINVAL;
                break;
        default:
                return -EINVAL;
        }
        for (size_t i = 0; i < 2 && spend[i]; i++) {
                switch (spend[i]->family) {
                case GSD_LAN_DEMETS_OBF:
                case GSD_LAN_DEMETS_POCOCK:
                        break;
                case GSD_HWANG_SHIH_DECANI:
                        if (!isfinite(spend[i]->param))
                                return -EINVAL;
                        break;
                case GSD_KIM_DEMETS:
                        if (!(spend[i]->param > 0.0) || !isfinite(spend[i]->param))
                                return -EINVAL;
                        break;
                default:
                        return -EINVAL;
                }
        }
        return 0;
}

double gsd_design_drift(const GsdDesign *d) {
        double r = d->allocation;
        /* sqrt(r D) / (1 + r), written so that no extreme allocation overflows. */
        return -log(d->hazard_ratio) * sqrt(d->planned_events) / (sqrt(r) + 1.0 / sqrt(r));
}

void gsd_recursion_init(GsdRecursion *r) {
        gsd_density_init(&r->null);
        gsd_density_init(&r->drift);
        r->alpha_spent = 0.0;
        r->beta_spent = 0.0;
        r->drift_rejected = 0.0;
}

/*
 * The efficacy bound of the look at t, under no effect and ignoring futility
 * (non-binding); alpha spent into b's row k.
 */
static int efficacy_bound(GsdRecursion *r, const GsdDesign *d, gsl_root_fdfsolver *solver,
                          double t, GsdBounds *b, size_t k) {
        double cum = gsd_spend(&d->efficacy, d->sides, d->alpha, t);
        double before = r->alpha_spent;
        /* Spending functions increase, but rounding can make a late increment vanish. */
        double look = fmax(cum - before, 0.0);
        b->alpha_spent[k] = cum;
        b->alpha_look[k] = look;
        r->alpha_spent = fmax(cum, before);

        double c = INFINITY;
        /* Symmetric two-sided bounds spend half of the look's alpha in each tail. */
        double target = look / d->sides;
        /*
         * The paths stopped before carry at most the alpha spent before: when that is
         * nothing beside the look's share (the first look; early looks of a steep spending
         * function, 1e-56 at 2% of the information under O'Brien–Fleming, far in a tail
         * the grid does not resolve), the tail of the paths that go on is Z_t's own to
         * double precision, and so is the bound.
         */
        if (target >= DBL_MIN && before <= 1e-15 * target)
                c = gsl_cdf_ugaussian_Qinv(target);
        else if (target >= DBL_MIN) {
                int ret = gsd_density_solve(&r->null, solver, 0.0, t, target, true, &c);
                if (ret < 0)
                        return ret;
        }
        b->efficacy[k] = c;
        return 0;
}

/*
 * The beta-spending futility bound of the interim look at t under the design's drift:
 * the probability of continuing so far and falling below it is the look's share of
 * beta.  A bound that would pass the efficacy bound c stops there: nothing continues.
 */
static int futility_bound(GsdRecursion *r, const GsdDesign *d, gsl_root_fdfsolver *solver,
                          double t, double c, double *ret_bound) {
        double theta = gsd_design_drift(d);
        double cum = gsd_spend(&d->futility_spending, 1, d->beta, t);
        /* The paths stopped before, for futility or efficacy: as in efficacy_bound(). */
        double before = r->beta_spent + r->drift_rejected;
        double target = cum - r->beta_spent, dens;
        r->beta_spent = cum;
        *ret_bound = c;
        if (target < DBL_MIN)
                *ret_bound = -INFINITY;
        else if (before <= 1e-15 * target)
                *ret_bound = fmin(theta * sqrt(t) + gsl_cdf_ugaussian_Pinv(target), c);
        else if (gsd_density_tail(&r->drift, theta, t, c, false, &dens) > target) {
                int ret = gsd_density_solve(&r->drift, solver, theta, t, target, false, ret_bound);
                if (ret < 0)
                        return ret;
                *ret_bound = fmin(*ret_bound, c);
        }
        return 0;
}

int gsd_recursion_look(GsdRecursion *r, const GsdDesign *d, gsl_root_fdfsolver *solver, double t,
                       bool step, GsdBounds *b, size_t k) {
        b->fraction[k] = t;
        b->futility[k] = -INFINITY;
        int ret = efficacy_bound(r, d, solver, t, b, k);
        if (ret < 0)
                return ret;
        double c = b->efficacy[k];
        /* The final look has no futility bound: not rejecting there is accepting. */
        if (t < 1.0 && d->futility == GSD_FUTILITY_FIXED)
                b->futility[k] = d->futility_z;
        if (t < 1.0 && d->futility == GSD_FUTILITY_BETA) {
                ret = futility_bound(r, d, solver, t, c, &b->futility[k]);
                if (ret < 0)
                        return ret;
                if (step) {
                        double theta = gsd_design_drift(d);
                        gsd_density_step(&r->drift, theta, t, b->futility[k], c);
                        /* Z_t beyond c alone bounds the paths stopped for efficacy here. */
                        r->drift_rejected += gsl_cdf_ugaussian_Q(c - theta * sqrt(t));
                }
        }
        if (step)
                gsd_density_step(&r->null, 0.0, t, d->sides == 2 ? -c : -INFINITY, c);
        return 0;
}

int gsd_check_fractions(size_t n, const double *fraction) {
        if (n > GSD_MAX_LOOKS || (n > 0 && !fraction))
                return -EINVAL;
        for (size_t k = 0; k < n; k++) {
                double t = fraction[k];
                if (!(t > 0.0) || !isfinite(t) || (k > 0 && !(t > fraction[k - 1])) ||
                    (t >= 1.0 && k + 1 < n))
                        return -EINVAL;
        }
        return 0;
}

int gsd_bounds(const GsdDesign *d, size_t n_looks, const double *fraction, GsdBounds *ret) {
        int r = gsd_design_check(d);
        if (r < 0)
                return r;
        if (n_looks == 0 || !ret)
                return -EINVAL;
        r = gsd_check_fractions(n_looks, fraction);
        if (r < 0)
                return r;

        gsl_root_fdfsolver *solver = gsl_root_fdfsolver_alloc(gsl_root_fdfsolver_newton);
        if (!solver)
                return -ENOMEM;
        GsdRecursion rec;
        gsd_recursion_init(&rec);
        ret->n_looks = n_looks;
        for (size_t k = 0; k < n_looks && r >= 0; k++)
                r = gsd_recursion_look(&rec, d, solver, fraction[k], k + 1 < n_looks, ret, k);
        gsl_root_fdfsolver_free(solver);
        return r < 0 ? r : 0;
}
