/* gsd-density.c — the recursive integration of the looks' joint law: each look's grid and panels, the kernel from the last look, tail probabilities and the bound that gives one. */
#include <errno.h>
#include <math.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_roots.h>

#include "interim/numeric.h"
#include "gsd-internal.h"

/* The 7-point closed Newton-Cotes rule: weights x 840 / panel width. */
static const double NC_WEIGHT[GSD_PANEL + 1] = { 41, 216, 27, 272, 27, 216, 41 };

/* The interpolating polynomial of 7 values at u = -3..3: u^k has sum_i VANDERMONDE_INV[k][i] g_i / 720. */
static const double VANDERMONDE_INV[GSD_PANEL + 1][GSD_PANEL + 1] = {
        { 0, 0, 0, 720, 0, 0, 0 },
        { -12, 108, -540, 0, 540, -108, 12 },
        { 4, -54, 540, -980, 540, -54, 4 },
        { 15, -120, 195, 0, -195, 120, -15 },
        { -5, 60, -195, 280, -195, 60, -5 },
        { -3, 12, -15, 0, 15, -12, 3 },
        { 1, -6, 15, -20, 15, -6, 1 },
};

static const double INV_SQRT_2PI = 0.39894228040143267794;

/* Gaussian kernel terms beyond this many standard deviations (< 3e-18 of the peak) are left out. */
#define KERNEL_REACH 9.0

/*
 * Newton-Cotes resolves a Gaussian kernel whose standard deviation spans this many node
 * spacings to about 1e-10; a narrower kernel (looks close together) is integrated
 * exactly against the panel's interpolating polynomial instead.
 */
#define NC_SPACINGS 6.0

/*
 * An edge of the last look's region is smoothed over EDGE_REACH kernel widths
 * (Phi(-6) < 1e-9) in the new look; base points EDGE_STEP widths apart there give the
 * rule 12 nodes a width, which keeps bounds after close looks within 1e-10.
 */
#define EDGE_REACH 6.0
#define EDGE_STEP 0.5

/* The widest panel: the rule then resolves kernels of standard deviation 1/3 and more. */
#define MAX_PANEL 0.5

/* Running products of the kernel restart after this many nodes (rounding < 1e-12). */
#define RESTART 64

/* Newton steps end when they move a bound by less than this. */
#define BOUND_TOL 1e-12
#define MAX_ITER 100

void gsd_density_init(GsdDensity *g) {
        g->t = 0.0;
        g->n = 0;
}

/*
 * A stretch of a look's grid that needs finer panels: where the last look's bound
 * lands after a step too short for the kernel to smooth it over.
 */
typedef struct Zone {
        double lo, hi, step;
} Zone;

static bool in_zone(const Zone *zone, size_t n_zones, double p) {
        for (size_t i = 0; i < n_zones; i++)
                if (p >= zone[i].lo && p <= zone[i].hi)
                        return true;
        return false;
}

/*
 * The base points for a look whose Z has mean mu, restricted to [lower, upper]: the
 * ends of the region within reach of the mean, the grid's points between them, and
 * evenly spaced points in the zones instead of the grid's.  Returns how many, in
 * ascending order (0 if the region holds no mass).
 */
static size_t grid_points(double mu, double lower, double upper, const Zone *zone, size_t n_zones,
                          double *x) {
        const int r = GSD_GRID_R;
        const double h = 1.5 / r, reach = 3.0 + 4.0 * log(r);
        double lo = fmax(lower, mu - reach), hi = fmin(upper, mu + reach);
        if (!(lo < hi))
                return 0;
        /* Uniform steps from mu - 3 - below * h to mu + 3 + above * h cover the bounds. */
        int below = isinf(lower) || lo > mu - 3.0 ? 0 : (int)ceil((mu - 3.0 - lo) / h);
        int above = isinf(upper) || hi < mu + 3.0 ? 0 : (int)ceil((hi - mu - 3.0) / h);

        size_t m = 0;
        x[m++] = lo;
        const int last = 5 * r + below + above; /* index of the last logarithmic point, + 1 */
        for (int i = 1 - r; i < last; i++) {
                double p;
                if (i <= 0)
                        p = mu - 3.0 - below * h - 4.0 * log((double)r / (i + r));
                else if (i <= last - r)
                        p = mu - 3.0 - below * h + i * h;
                else
                        p = mu + 3.0 + above * h + 4.0 * log((double)r / (last - i));
                if (p > lo && p < hi && !in_zone(zone, n_zones, p))
                        x[m++] = p;
        }
        for (size_t z = 0; z < n_zones; z++) {
                double a = fmax(zone[z].lo, lo), b = fmin(zone[z].hi, hi);
                if (!(a < b))
                        continue;
                int steps = (int)ceil((b - a) / zone[z].step);
                for (int i = 0; i <= steps; i++) {
                        double p = a + (b - a) * i / steps;
                        if (p > lo && p < hi)
                                x[m++] = p;
                }
        }
        x[m++] = hi;

        /* Insertion sort (only the zones' points are out of order), dropping repeats. */
        for (size_t i = 1; i < m; i++) {
                double p = x[i];
                size_t j = i;
                for (; j > 0 && x[j - 1] > p; j--)
                        x[j] = x[j - 1];
                x[j] = p;
        }
        size_t n = 1;
        for (size_t i = 1; i < m; i++)
                if (x[i] > x[n - 1])
                        x[n++] = x[i];
        return n;
}

/*
 * Fills g's nodes: panels between the base points, split to at most MAX_PANEL wide
 * (the grid's outer intervals are wider), each cut in GSD_PANEL equal steps.
 */
static void grid(GsdDensity *g, double mu, double lower, double upper, const Zone *zone,
                 size_t n_zones) {
        double x[GSD_PANELS_MAX + 1];
        size_t m = grid_points(mu, lower, upper, zone, n_zones, x), n = 0;
        for (size_t i = 0; i + 1 < m; i++) {
                int parts = (int)ceil((x[i + 1] - x[i]) / MAX_PANEL);
                for (int j = 0; j < GSD_PANEL * parts; j++)
                        g->z[n++] = x[i] + (x[i + 1] - x[i]) * j / (GSD_PANEL * parts);
        }
        if (m)
                g->z[n++] = x[m - 1];
        g->n = n;
}

static size_t n_panels(const GsdDensity *g) {
        return g->n ? (g->n - 1) / GSD_PANEL : 0;
}

static double panel_width(const GsdDensity *g, size_t p) {
        return g->z[GSD_PANEL * (p + 1)] - g->z[GSD_PANEL * p];
}

/*
 * Sums each panel's mass by the rule, and finds its interpolating polynomial: the
 * coefficients of u^k, u = -3..3 node spacings from the panel's centre.
 */
static void weigh(GsdDensity *g) {
        for (size_t p = 0; p < n_panels(g); p++) {
                const double *v = g->g + GSD_PANEL * p;
                double w = panel_width(g, p) / 840.0, sum = 0.0;
                for (int j = 0; j <= GSD_PANEL; j++)
                        sum += NC_WEIGHT[j] * w * v[j];
                g->panel_mass[p] = sum;
                for (int k = 0; k <= GSD_PANEL; k++) {
                        double c = 0.0;
                        for (int i = 0; i <= GSD_PANEL; i++)
                                c += VANDERMONDE_INV[k][i] * v[i];
                        g->poly[p][k] = c / 720.0;
                }
        }
}

/*
 * The law of Z at the look t given Z = z at the last one is normal in z's units: the
 * last look's z with Gaussian weight of mean m = a x - b and standard deviation s gives
 * the new look's x; its subdensity there is a times the weight's integral.
 */
typedef struct Kernel {
        double a, b, s;
} Kernel;

static Kernel kernel_of(const GsdDensity *g, double theta, double t) {
        double dt = t - g->t;
        return (Kernel){ .a = sqrt(t / g->t), .b = theta * dt / sqrt(g->t), .s = sqrt(dt / g->t) };
}

static bool panel_is_narrow(const GsdDensity *g, size_t p, double s) {
        return panel_width(g, p) * NC_SPACINGS > GSD_PANEL * s;
}

/*
 * The coefficients of panel p's interpolating polynomial in w = (z - m) / s: its
 * monomial form shifted to m (Horner) and scaled.
 */
static void panel_poly(const GsdDensity *g, size_t p, double m, double s, double c[GSD_PANEL + 1]) {
        double h = panel_width(g, p) / GSD_PANEL;
        for (int k = 0; k <= GSD_PANEL; k++)
                c[k] = g->poly[p][k];
        double um = (m - g->z[GSD_PANEL * p + GSD_PANEL / 2]) / h;
        for (int i = 0; i < GSD_PANEL; i++)
                for (int j = GSD_PANEL - 1; j >= i; j--)
                        c[j] += um * c[j + 1];
        double scale = 1.0;
        for (int k = 0; k <= GSD_PANEL; k++, scale *= s / h)
                c[k] *= scale;
}

/*
 * Panel p integrated exactly against the kernel, through the moments of the standard
 * normal over the panel's stretch within KERNEL_REACH: into *ret_dens the integral of
 * g(z) phi((z - m) / s) / s, and into *ret_upper (when not NULL) that of
 * g(z) Phi((z - m) / s), the probability of passing a bound whose kernel mean is m.
 */
static void panel_exact(const GsdDensity *g, size_t p, double m, double s, double *ret_dens,
                        double *ret_upper) {
        double c[GSD_PANEL + 1];
        panel_poly(g, p, m, s, c);
        double wa = (g->z[GSD_PANEL * p] - m) / s, wb = (g->z[GSD_PANEL * (p + 1)] - m) / s;
        double lo = fmax(wa, -KERNEL_REACH), hi = fmin(wb, KERNEL_REACH);
        double dens = 0.0, upper = 0.0;
        if (lo < hi) {
                double plo = gsl_ran_ugaussian_pdf(lo), phi = gsl_ran_ugaussian_pdf(hi);
                double cdf_lo = gsl_cdf_ugaussian_P(lo), cdf_hi = gsl_cdf_ugaussian_P(hi);
                /* M_k: integral of w^k phi(w) over [lo, hi], by M_k = (k - 1) M_{k-2} + [-w^{k-1} phi]. */
                double mom[GSD_PANEL + 2];
                mom[0] = lo > 0.0 ? gsl_cdf_ugaussian_Q(lo) - gsl_cdf_ugaussian_Q(hi) : cdf_hi - cdf_lo;
                mom[1] = plo - phi;
                double plk = plo, phk = phi; /* lo^{k-1} phi(lo), hi^{k-1} phi(hi) */
                for (int k = 2; k <= GSD_PANEL + 1; k++) {
                        plk *= lo;
                        phk *= hi;
                        mom[k] = (k - 1) * mom[k - 2] + plk - phk;
                }
                /* Integral of w^k Phi(w) = [w^{k+1} Phi(w) - M_{k+1}] / (k + 1) over [lo, hi]. */
                double lk = lo, hk = hi;
                for (int k = 0; k <= GSD_PANEL; k++, lk *= lo, hk *= hi) {
                        dens += c[k] * mom[k];
                        upper += c[k] * (hk * cdf_hi - lk * cdf_lo - mom[k + 1]) / (k + 1);
                }
        }
        if (ret_upper) {
                /* Beyond the reach Phi is 1: the polynomial's own integral. */
                double from = fmax(wa, KERNEL_REACH);
                if (wb > from) {
                        double fk = 1.0, bk = 1.0;
                        for (int k = 0; k <= GSD_PANEL; k++) {
                                fk *= from;
                                bk *= wb;
                                upper += c[k] * (bk - fk) / (k + 1);
                        }
                }
                *ret_upper = upper * s;
        }
        *ret_dens = dens;
}

/* Panel p by the Newton-Cotes rule: as panel_exact(). */
static void panel_nc(const GsdDensity *g, size_t p, double m, double s, double *ret_dens,
                     double *ret_upper) {
        const size_t o = GSD_PANEL * p;
        double w = panel_width(g, p) / 840.0, dens = 0.0, upper = 0.0;
        for (int j = 0; j <= GSD_PANEL; j++) {
                double u = (g->z[o + j] - m) / s, gw = NC_WEIGHT[j] * w * g->g[o + j];
                dens += gw * gsl_ran_ugaussian_pdf(u);
                upper += gw * gsl_cdf_ugaussian_P(u);
        }
        *ret_upper = upper;
        *ret_dens = dens / s;
}

/*
 * The sum over the nodes from first within reach of m of weight[i] phi((z_i - m) / s):
 * along evenly spaced nodes exp(-u^2 / 2) follows by two running products, which
 * restart where the spacing changes and every RESTART nodes.  q[i] is
 * exp(-((z_{i+1} - z_i) / s)^2), the second product's factor.
 */
static double kernel_sum(const GsdDensity *g, const double *weight, const double *q, size_t first,
                         double m, double s) {
        double top = m + KERNEL_REACH * s, inv = 1.0 / s, sum = 0.0, e = 0.0, ratio = 0.0, dz = 0.0;
        int run = 0;
        for (size_t i = first; i < g->n && g->z[i] <= top; i++) {
                double step = i + 1 < g->n ? g->z[i + 1] - g->z[i] : dz;
                if (run == 0 || fabs(step - dz) > 1e-12 * step) {
                        double u = (g->z[i] - m) * inv, du = step * inv;
                        dz = step;
                        e = exp(-0.5 * u * u);
                        ratio = exp(-u * du - 0.5 * du * du);
                        run = RESTART;
                }
                sum += weight[i] * e;
                e *= ratio;
                ratio *= q[i];
                run--;
        }
        return sum * INV_SQRT_2PI * inv;
}

double gsd_density_tail(const GsdDensity *g, double theta, double t, double bound, bool upper,
                        double *ret_density) {
        if (g->t == 0.0) {
                double u = bound - theta * sqrt(t);
                *ret_density = gsl_ran_ugaussian_pdf(u);
                return upper ? gsl_cdf_ugaussian_Q(u) : gsl_cdf_ugaussian_P(u);
        }
        Kernel k = kernel_of(g, theta, t);
        double m = k.a * bound - k.b;
        double p_up = 0.0, p_low = 0.0, dens = 0.0;
        for (size_t p = 0; p < n_panels(g); p++) {
                double za = g->z[GSD_PANEL * p], zb = g->z[GSD_PANEL * (p + 1)];
                /* Paths from a panel far above the kernel all pass the bound; far below, none. */
                if (za > m + KERNEL_REACH * k.s) {
                        p_up += g->panel_mass[p];
                } else if (zb < m - KERNEL_REACH * k.s) {
                        p_low += g->panel_mass[p];
                } else {
                        double d, u;
                        if (panel_is_narrow(g, p, k.s))
                                panel_exact(g, p, m, k.s, &d, &u);
                        else
                                panel_nc(g, p, m, k.s, &d, &u);
                        dens += d;
                        p_up += u;
                        p_low += g->panel_mass[p] - u;
                }
        }
        *ret_density = dens * k.a;
        return upper ? p_up : p_low;
}
typedef struct TailRoot {
        const GsdDensity *g;
        double theta, t, log_target;
        bool upper;
} TailRoot;

/* log P(tail beyond x) - log target, concave in x (the subdensities are log-concave). */
static void tail_fdf(double x, void *params, double *ret_f, double *ret_df) {
        const TailRoot *p = params;
        double dens;
        double prob = gsd_density_tail(p->g, p->theta, p->t, x, p->upper, &dens);
        *ret_f = log(prob) - p->log_target;
        *ret_df = (p->upper ? -dens : dens) / prob;
}

static double tail_f(double x, void *params) {
        double f, df;
        tail_fdf(x, params, &f, &df);
        return f;
}

static double tail_df(double x, void *params) {
        double f, df;
        tail_fdf(x, params, &f, &df);
        return df;
}

/*
 * A start for Newton's method beyond the root (tail at most target) where the tail is
 * not 0: log P is concave, so the steps then approach the root monotonically.  The
 * tail of Z_t alone bounds that of the continuing paths, so its quantile x is beyond
 * the root; when nothing continues that far (looks close together), bisect back.
 */
static int newton_start(const TailRoot *p, double *x) {
        double dens, dir = p->upper ? 1.0 : -1.0, step = 1.0;
        double far = *x, near = *x;
        double target = exp(p->log_target);
        if (gsd_density_tail(p->g, p->theta, p->t, *x, p->upper, &dens) > 0.0)
                return 0;
        for (int iter = 0; iter < MAX_ITER; iter++) {
                near = far - dir * step;
                double prob = gsd_density_tail(p->g, p->theta, p->t, near, p->upper, &dens);
                if (prob >= target)
                        break;
                if (prob > 0.0) {
                        *x = near;
                        return 0;
                }
                far = near;
                step *= 2.0;
        }
        for (int iter = 0; iter < MAX_ITER; iter++) {
                double mid = 0.5 * (near + far);
                double prob = gsd_density_tail(p->g, p->theta, p->t, mid, p->upper, &dens);
                if (prob > target) {
                        near = mid;
                } else if (prob > 0.0) {
                        *x = mid;
                        return 0;
                } else {
                        far = mid;
                }
        }
        return -EDOM;
}

int gsd_density_solve(const GsdDensity *g, gsl_root_fdfsolver *solver, double theta, double t,
                      double target, bool upper, double *ret_bound) {
        TailRoot p = { .g = g, .theta = theta, .t = t, .log_target = log(target), .upper = upper };
        gsl_function_fdf fdf = { .f = tail_f, .df = tail_df, .fdf = tail_fdf, .params = &p };
        double x = theta * sqrt(t) +
                   (upper ? gsl_cdf_ugaussian_Qinv(target) : gsl_cdf_ugaussian_Pinv(target));
        int r = newton_start(&p, &x);
        if (r < 0)
                return r;
        int status = gsl_root_fdfsolver_set(solver, &fdf, x);
        for (int iter = 0; status == GSL_SUCCESS; iter++) {
                double x0 = x;
                status = gsl_root_fdfsolver_iterate(solver);
                x = gsl_root_fdfsolver_root(solver);
                if (status == GSL_SUCCESS && !isfinite(x))
                        status = GSL_EDOM;
                if (status == GSL_SUCCESS && gsl_root_test_delta(x, x0, BOUND_TOL, 0.0) == GSL_SUCCESS)
                        break;
                if (iter == MAX_ITER - 1)
                        status = GSL_EMAXITER;
        }
        if (status != GSL_SUCCESS)
                return numeric_status(status);
        *ret_bound = x;
        return 0;
}

void gsd_density_step(GsdDensity *g, double theta, double t, double lower, double upper) {
        /* g is rebuilt in place from a copy of the last look's. */
        GsdDensity old = *g, *next = g;
        if (old.t > 0.0 && old.n == 0) {
                next->t = t;
                return;
        }
        Zone zone[2];
        size_t n_zones = 0;
        if (old.t > 0.0) {
                /*
                 * The last look's region ends where the kernel's mean is at its bounds;
                 * in the new look's units the edge is s / a wide.  Panels there are
                 * made narrow enough for the rule when the grid's are not.
                 */
                Kernel k = kernel_of(&old, theta, t);
                double width = k.s / k.a, step = EDGE_STEP * width;
                if (step < 1.5 / GSD_GRID_R) {
                        double edge[2] = { (old.z[0] + k.b) / k.a, (old.z[old.n - 1] + k.b) / k.a };
                        for (size_t i = 0; i < 2; i++)
                                zone[n_zones++] = (Zone){ edge[i] - EDGE_REACH * width,
                                                          edge[i] + EDGE_REACH * width, step };
                }
        }
        grid(next, theta * sqrt(t), lower, upper, zone, n_zones);
        next->t = t;
        if (old.t == 0.0) {
                for (size_t j = 0; j < next->n; j++)
                        next->g[j] = gsl_ran_ugaussian_pdf(next->z[j] - theta * sqrt(t));
        } else {
                Kernel k = kernel_of(&old, theta, t);
                /* The rule's weights from the panels wide enough for it, per node. */
                double weight[GSD_GRID_MAX], q[GSD_GRID_MAX];
                bool narrow[GSD_PANELS_MAX];
                for (size_t i = 0; i < old.n; i++) {
                        double du = i + 1 < old.n ? (old.z[i + 1] - old.z[i]) / k.s : 0.0;
                        weight[i] = 0.0;
                        q[i] = exp(-du * du);
                }
                for (size_t p = 0; p < n_panels(&old); p++) {
                        narrow[p] = panel_is_narrow(&old, p, k.s);
                        double w = panel_width(&old, p) / 840.0;
                        for (int j = 0; !narrow[p] && j <= GSD_PANEL; j++)
                                weight[GSD_PANEL * p + j] += NC_WEIGHT[j] * w * old.g[GSD_PANEL * p + j];
                }
                size_t first = 0, first_panel = 0;
                for (size_t j = 0; j < next->n; j++) {
                        double m = k.a * next->z[j] - k.b, reach = KERNEL_REACH * k.s;
                        /* Both grids ascend, so what is within reach only moves up. */
                        while (first < old.n && old.z[first] < m - reach)
                                first++;
                        while (first_panel < n_panels(&old) &&
                               old.z[GSD_PANEL * (first_panel + 1)] < m - reach)
                                first_panel++;
                        double h = kernel_sum(&old, weight, q, first, m, k.s);
                        for (size_t p = first_panel;
                             p < n_panels(&old) && old.z[GSD_PANEL * p] <= m + reach; p++) {
                                double d;
                                if (narrow[p]) {
                                        panel_exact(&old, p, m, k.s, &d, NULL);
                                        h += d;
                                }
                        }
                        next->g[j] = h * k.a;
                }
        }
        weigh(next);
}
