/* watchfmt.c — rounding numbers for reading, and naming a monitoring decision. */
#include <math.h>
#include <stdio.h>

#include "watchfmt.h"

const char *watchfmt_num(WatchText buf, bool has, double v, char conversion, int digits, const char *absent) {
        if (!has || !isfinite(v))
                return absent;
        snprintf(buf, sizeof(WatchText), conversion == 'g' ? "%.*g" : "%.*f", digits, v);
        return buf;
}

const char *watchfmt_p(WatchText buf, bool has, double p) {
        if (!has || !isfinite(p))
                snprintf(buf, sizeof(WatchText), "p = NA");
        else if (p < 0.0001)
                snprintf(buf, sizeof(WatchText), "p < 0.0001");
        else
                snprintf(buf, sizeof(WatchText), p < 0.001 ? "p = %.4f" : "p = %.3f", p);
        return buf;
}

const char *watchfmt_limits(WatchText buf, bool has_lower, double lower, bool has_upper, double upper, char conversion,
                            int digits, const char *absent, const char *sep) {
        WatchText l, u;
        snprintf(buf, sizeof(WatchText), "(%s%s%s)", watchfmt_num(l, has_lower, lower, conversion, digits, absent), sep,
                 watchfmt_num(u, has_upper, upper, conversion, digits, absent));
        return buf;
}

const char *watchfmt_decision(const Interim__Monitoring *m, const Interim__Comparison *c) {
        if (c->crossed)
                return "efficacy bound crossed";
        bool has = c->has_events ? c->has_futility_bound : m->has_futility_bound;
        double bound = c->has_events ? c->futility_bound : m->futility_bound;
        if (c->has_z && has && c->z <= bound)
                return "at or below the futility bound";
        return "continue";
}
