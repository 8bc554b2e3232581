/* gsd-internal.h — what the group-sequential files share: spending values and the density recursion. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <gsl/gsl_roots.h>

#include "interim/gsd.h"

/*
 * The grid of a look: Jennison & Turnbull's points (Group Sequential Methods, 2000,
 * ch. 19) with r = GSD_GRID_R, spaced 3/(2r) within 3 standard deviations of the drift
 * mean and logarithmically beyond, out to 3 + 4 log r; the uniform part is stretched
 * over the look's finite bounds, where the crossing probabilities are made.  Each
 * interval between points is a panel (or several) of the 7-point closed Newton-Cotes
 * rule, GSD_PANEL steps wide: rpact uses the same rule on its grid.
 */
#define GSD_GRID_R 6
#define GSD_PANEL 6
/*
 * At most 4r + 2 * 29 uniform panels (the centre stretched over both bounds, 7.2 / (1.5
 * / r) each side), 20 in each logarithmic tail once split, 2 * 25 in the edge zones.
 */
#define GSD_PANELS_MAX 192
#define GSD_GRID_MAX (GSD_PANEL * GSD_PANELS_MAX + 1)

/*
 * The joint law of the looks so far, as the subdensity of the last look's Z over its
 * continuation region: the density of paths still running.  Z_k = S_k / sqrt(t_k),
 * where the score S has independent N(theta dt, dt) increments over information
 * fractions t: theta is the drift at full information.
 */
typedef struct GsdDensity {
        double t;  /* information fraction of the last look; 0 before the first */
        size_t n;  /* nodes, GSD_PANEL per panel and one; 0 after a look that stops every path */
        double z[GSD_GRID_MAX];
        double g[GSD_GRID_MAX];            /* subdensity */
        double panel_mass[GSD_PANELS_MAX]; /* its integral over each panel */
        double poly[GSD_PANELS_MAX][GSD_PANEL + 1]; /* and its interpolating polynomial there */
} GsdDensity;

/* Cumulative alpha or beta spent at information fraction t (capped at 1) out of total. */
double gsd_spend(const GsdSpending *s, int sides, double total, double t);

/* Starts the recursion before the first look. */
void gsd_density_init(GsdDensity *g);

/*
 * The probability that every earlier look continued and the look at t (> g->t) has Z
 * above bound (upper) or below it; the subdensity of Z at bound in *ret_density.
 */
double gsd_density_tail(const GsdDensity *g, double theta, double t, double bound, bool upper,
                        double *ret_density);

/*
 * Finds the bound at which gsd_density_tail() equals target (0 < target < 1), by
 * Newton's method on its logarithm with the caller's solver (gsl_root_fdfsolver_newton).
 * Returns 0, or -EDOM when the search fails.
 */
int gsd_density_solve(const GsdDensity *g, gsl_root_fdfsolver *solver, double theta, double t,
                      double target, bool upper, double *ret_bound);

/* Moves the recursion on to the look at t (> g->t) that continues while lower < Z < upper. */
void gsd_density_step(GsdDensity *g, double theta, double t, double lower, double upper);

/* The drift of a design: the expected z at full information under its hazard ratio. */
double gsd_design_drift(const GsdDesign *d);

/*
 * The recursion through a design's looks: the paths still running under no effect, for
 * the efficacy bounds, and under the design's drift, for beta-spending futility bounds.
 */
typedef struct GsdRecursion {
        GsdDensity null;
        GsdDensity drift;
        double alpha_spent, beta_spent;
        double drift_rejected; /* under the drift, a bound on the paths stopped for efficacy so far */
} GsdRecursion;

/* Starts the recursion before the first look, under no effect and under the drift, with nothing spent. */
void gsd_recursion_init(GsdRecursion *r);

/*
 * The bounds of the next look, at information fraction t, into b's row k; then, if
 * step, the recursion moves on past it.  Returns 0 or -EDOM.
 */
int gsd_recursion_look(GsdRecursion *r, const GsdDesign *d, gsl_root_fdfsolver *solver, double t,
                       bool step, GsdBounds *b, size_t k);

/* Checks n (<= GSD_MAX_LOOKS) information fractions: positive, increasing, only the last >= 1.  Returns 0 or -EINVAL. */
int gsd_check_fractions(size_t n, const double *fraction);
