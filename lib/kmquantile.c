/* kmquantile.c — quantiles of a Kaplan–Meier curve and of its confidence limits, as R's quantile.survfit. */
#include <errno.h>
#include <math.h>

#include "interim/km.h"

/*
 * quantile.survfit() calls findq(x, y, p, tol) on x = (0, times) and y = (0, 1 - v) for
 * v the curve, its lower and its upper limit.  findq drops repeated y values (a later
 * copy of an earlier value, NA matching NA), finds through approx(y +/- tol, index, p,
 * "constant", f = 1) the first y within tol of p and the first past it, and returns the
 * midpoint of their times.  approx sorts the points by y: the limits need not be
 * monotone (an upper limit rises where few are at risk).  What the fit keeps of each
 * line (KmLine: its running peak and where it falls) makes each search a bisection.
 */
static const double tolerance = 0x1p-26; /* sqrt(.Machine$double.eps) */

/*
 * The largest 1 - v of line l up to row r: the estimates never fall, and the limits of
 * a curve fitted without them are NaN throughout (0 before any value).
 */
static double line_peak(const KmCurve *c, int l, size_t r) {
        if (l == 0)
                return 1 - c->surv[r];
        return c->conf_type == KM_CONF_NONE ? 0 : c->line[l].peak[r];
}

/*
 * findq's y[n]: the last y that is not a copy of an earlier one.  Copies other than of
 * the first point's 0, of an earlier NaN or of the row before are rare: a y above the
 * line's peak before it is new, and only others are looked for among the earlier rows.
 */
static double last_new_y(const KmCurve *c, int l, const double *v, size_t n) {
        const KmLine *line = &c->line[l];
        for (size_t r = n; r-- > 0;) {
                double y = 1 - v[r];
                if (isnan(y)) {
                        if (line->first_nan < r)
                                continue;
                        return y;
                }
                if (y == 0 || (r > 0 && y == 1 - v[r - 1])) /* the first point's 0, or the row before */
                        continue;
                if (r == 0 || y > line_peak(c, l, r - 1))
                        return y;
                size_t j = 0;
                while (j + 1 < r && 1 - v[j] != y)
                        j++;
                if (j + 1 >= r)
                        return y;
        }
        return 0;
}

/*
 * approx(y + shift, index, p, method = "constant", f = 1): the point whose shifted y is
 * the least one at or above p, the first of equal ones (point 0 is the first point,
 * point r + 1 row r); -1 (NA) when p is outside the shifted values.  Every v is at most
 * 1, so y >= 0 and the first point's key is the least.  NaN takes no part, as approx
 * drops NA.  The first row whose key reaches p is where the line's peak does (found by
 * bisection, adding the shift being monotone); a later row has a lesser key only where
 * the line falls.
 */
static long approx_index(const KmCurve *c, int l, const double *v, size_t n, double shift, double p) {
        const KmLine *line = &c->line[l];
        if (p <= shift)
                return p < shift ? -1 : 0;
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (line_peak(c, l, mid) + shift >= p)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        if (lo == n)
                return -1;
        size_t best = lo, f = 0, end = line->n_falls;
        double best_key = (1 - v[lo]) + shift;
        while (f < end) { /* the first fall after lo */
                size_t mid = f + (end - f) / 2;
                if (line->falls[mid] <= lo)
                        f = mid + 1;
                else
                        end = mid;
        }
        for (; f < line->n_falls; f++) {
                size_t r = line->falls[f];
                double key = (1 - v[r]) + shift;
                if (key >= p && key < best_key) {
                        best_key = key;
                        best = r;
                }
        }
        return (long)best + 1;
}

/* The x of point k: 0 for the first point. */
static double point_x(const KmCurve *c, long k) {
        return k < 0 ? NAN : k == 0 ? 0 : c->time[k - 1];
}

/* findq() at one probability p on line l (values v); min_prob is the least of the probabilities asked for. */
static double findq(const KmCurve *c, int l, const double *v, double last_y, double min_prob, double p) {
        size_t n = c->n_rows;
        if ((n > 0 ? line_peak(c, l, n - 1) : 0) < min_prob) /* max(y, na.rm = TRUE) */
                return NAN;
        double x1 = point_x(c, approx_index(c, l, v, n, tolerance, p));
        double q = (x1 + point_x(c, approx_index(c, l, v, n, -tolerance, p))) / 2;
        if (p == 0)
                q = 0;
        if (!isnan(last_y) && fabs(p - last_y) < tolerance)
                q = (x1 + point_x(c, (long)n)) / 2; /* flat at p to the end: up to the last time */
        return q;
}

int km_quantiles(const KmCurve *c, size_t n_probs, const double *probs, KmQuantile *ret) {
        double min_prob = INFINITY;
        for (size_t i = 0; i < n_probs; i++) {
                if (!(probs[i] >= 0 && probs[i] <= 1))
                        return -EINVAL;
                min_prob = fmin(min_prob, probs[i]);
        }
        const double *v[3] = { c->surv, c->lower, c->upper };
        double last_y[3];
        /* The limits of a curve fitted without them are NaN throughout: findq's last y is NaN. */
        for (int l = 0; l < 3; l++)
                last_y[l] = l > 0 && c->conf_type == KM_CONF_NONE ? (c->n_rows > 0 ? NAN : 0)
                                                                  : last_new_y(c, l, v[l], c->n_rows);
        for (size_t i = 0; i < n_probs; i++)
                ret[i] = (KmQuantile){
                        .time = findq(c, 0, v[0], last_y[0], min_prob, probs[i]),
                        .lower = findq(c, 1, v[1], last_y[1], min_prob, probs[i]),
                        .upper = findq(c, 2, v[2], last_y[2], min_prob, probs[i]),
                };
        return 0;
}
