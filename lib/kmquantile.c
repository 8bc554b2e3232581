/* kmquantile.c — quantiles of a Kaplan–Meier curve and of its confidence limits, as R's quantile.survfit. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "interim/km.h"

/*
 * quantile.survfit() calls findq(x, y, p, tol) on x = (0, times) and y = (0, 1 - v) for
 * v the curve, its lower and its upper limit.  findq drops repeated y values (a later
 * copy of an earlier value, NA matching NA), finds through approx(y +/- tol, index, p,
 * "constant", f = 1) the first y within tol of p and the first past it, and returns the
 * midpoint of their times.  approx sorts the points by y: the limits need not be
 * monotone (an upper limit rises where few are at risk), and a search stops at the first
 * point past p only on a line found monotone.
 */
static const double tolerance = 0x1p-26; /* sqrt(.Machine$double.eps) */

/* One of the curve's lines as findq sees it: y = 1 - v after a first point (0, 0). */
typedef struct Line {
        const double *v; /* [n]: surv, lower or upper */
        size_t n;
        double max_y;  /* max(y, na.rm = TRUE) */
        double last_y; /* y[n] once copies are dropped */
        bool monotone; /* y never falls, NaN aside */
} Line;

/*
 * findq's y[n]: the last y that is not a copy of an earlier one.  Copies other than of
 * the first point's 0, of an earlier NaN or of the row before are rare, so the search
 * back for one usually ends at the first value it checks.
 */
static double last_new_y(const double *v, size_t n, size_t first_nan) {
        for (size_t r = n; r-- > 0;) {
                double y = 1 - v[r];
                if (isnan(y)) {
                        if (first_nan < r)
                                continue;
                        return y;
                }
                if (y == 0 || (r > 0 && y == 1 - v[r - 1])) /* the first point's 0, or the row before */
                        continue;
                size_t j = 0;
                while (j + 1 < r && 1 - v[j] != y)
                        j++;
                if (j + 1 >= r)
                        return y;
        }
        return 0;
}

/* Reads a line once for what findq needs of it at every p. */
static Line line_scan(const double *v, size_t n) {
        Line line = { .v = v, .n = n, .max_y = 0, .monotone = true };
        size_t first_nan = n;
        for (size_t r = 0; r < n; r++) {
                double y = 1 - v[r];
                if (isnan(y)) {
                        if (first_nan == n)
                                first_nan = r;
                        continue;
                }
                if (y < line.max_y)
                        line.monotone = false;
                else
                        line.max_y = y;
        }
        line.last_y = last_new_y(v, n, first_nan);
        return line;
}

/*
 * approx(y + shift, index, p, method = "constant", f = 1): the point whose shifted y is
 * the least one at or above p, the first of equal ones (point 0 is the first point,
 * point r + 1 row r); -1 (NA) when p is outside the shifted values.  Every v is at most
 * 1, so y >= 0 and the first point's key is the least.  NaN takes no part, as approx
 * drops NA.
 */
static long approx_index(const Line *line, double shift, double p) {
        if (p <= shift)
                return p < shift ? -1 : 0;
        double best_key = INFINITY;
        long best = -1;
        for (size_t r = 0; r < line->n; r++) {
                double key = (1 - line->v[r]) + shift;
                if (key >= p && key < best_key) {
                        best_key = key;
                        best = (long)r + 1;
                        if (line->monotone)
                                break;
                }
        }
        return best;
}

/* The x of point k: 0 for the first point. */
static double point_x(const KmCurve *c, long k) {
        return k < 0 ? NAN : k == 0 ? 0 : c->time[k - 1];
}

/* findq() at one probability p; min_prob is the least of the probabilities asked for. */
static double findq(const KmCurve *c, const Line *line, double min_prob, double p) {
        if (line->max_y < min_prob)
                return NAN;
        double x1 = point_x(c, approx_index(line, tolerance, p));
        double q = (x1 + point_x(c, approx_index(line, -tolerance, p))) / 2;
        if (p == 0)
                q = 0;
        if (!isnan(line->last_y) && fabs(p - line->last_y) < tolerance)
                q = (x1 + point_x(c, (long)c->n_rows)) / 2; /* flat at p to the end: up to the last time */
        return q;
}

int km_quantiles(const KmCurve *c, size_t n_probs, const double *probs, KmQuantile *ret) {
        double min_prob = INFINITY;
        for (size_t i = 0; i < n_probs; i++) {
                if (!(probs[i] >= 0 && probs[i] <= 1))
                        return -EINVAL;
                min_prob = fmin(min_prob, probs[i]);
        }
        Line surv = line_scan(c->surv, c->n_rows), lower = line_scan(c->lower, c->n_rows),
             upper = line_scan(c->upper, c->n_rows);
        for (size_t i = 0; i < n_probs; i++)
                ret[i] = (KmQuantile){
                        .time = findq(c, &surv, min_prob, probs[i]),
                        .lower = findq(c, &lower, min_prob, probs[i]),
                        .upper = findq(c, &upper, min_prob, probs[i]),
                };
        return 0;
}
