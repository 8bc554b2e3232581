/* rmst.c — restricted mean survival time of a Kaplan–Meier curve and the difference of two arms. */
#include <errno.h>
#include <math.h>

#include <gsl/gsl_cdf.h>

#include "interim/km.h"

/*
 * survival:::survmean with end.time = tau: the area under S from 0 to tau, in rectangles
 * at the rows' times (S taken flat past the last row), and the variance
 * sum_k h_k A_k^2 where A_k is the area from the k-th time to tau and
 * h_k = d / (n (n - d)), set to 0 where everyone at risk had the event.
 */
int km_rmst(const KmCurve *c, double tau, KmRmst *ret) {
        if (!(tau >= 0))
                return -EINVAL;
        if (c->n_rows == 0) {
                *ret = (KmRmst){ .tau = tau, .rmean = NAN, .std_err = NAN };
                return 0;
        }
        size_t kept = 0;
        while (kept < c->n_rows && c->time[kept] <= tau)
                kept++;
        double area = 0, var = 0, end = tau;
        for (size_t k = kept; k-- > 0;) {
                area += (end - c->time[k]) * c->surv[k];
                end = c->time[k];
                double at_risk = c->n_risk[k], d = c->n_event[k];
                if (at_risk > d)
                        var += d / (at_risk * (at_risk - d)) * area * area;
        }
        *ret = (KmRmst){ .tau = tau, .rmean = area + end, .std_err = sqrt(var) };
        return 0;
}

int km_rmst_diff(const KmRmst *arm, const KmRmst *control, double conf_level, KmRmstDiff *ret) {
        if (!(conf_level > 0 && conf_level < 1))
                return -EINVAL;
        double diff = arm->rmean - control->rmean;
        double se = sqrt(arm->std_err * arm->std_err + control->std_err * control->std_err);
        double z = gsl_cdf_ugaussian_Pinv(1 - (1 - conf_level) / 2);
        *ret = (KmRmstDiff){
                .diff = diff,
                .std_err = se,
                .lower = diff - z * se,
                .upper = diff + z * se,
                .p = 2 * gsl_cdf_ugaussian_P(-fabs(diff) / se),
        };
        return 0;
}
