/* gsd-spending.c — the alpha- and beta-spending functions, as rpact's getSpendingValueCpp defines them. */
#include <math.h>
#include <gsl/gsl_cdf.h>

#include "gsd-internal.h"

double gsd_spend(const GsdSpending *s, int sides, double total, double t) {
        /* A look at or beyond the planned events is the last: it spends what is left. */
        if (t >= 1.0)
                return total;
        switch (s->family) {
        case GSD_LAN_DEMETS_OBF: {
                /* Two-sided: 4 (1 - Phi(z_{1 - alpha/4} / sqrt(t))), which is alpha at t = 1. */
                double q = gsl_cdf_ugaussian_Qinv(total / (2.0 * sides));
                return 2.0 * sides * gsl_cdf_ugaussian_Q(q / sqrt(t));
        }
        case GSD_LAN_DEMETS_POCOCK:
                return total * log1p((M_E - 1.0) * t);
        case GSD_HWANG_SHIH_DECANI:
                if (s->param == 0.0)
                        return total * t;
                return total * -expm1(-s->param * t) / -expm1(-s->param);
        case GSD_KIM_DEMETS:
                return total * pow(t, s->param);
        }
        return NAN;
}
