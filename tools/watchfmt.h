/* watchfmt.h — numbers and decisions as the table and the drawings word them: rounded for reading, absent ones named. */
#pragma once

#include <stdbool.h>

#include "statistics.pb-c.h"

/* Room for one formatted number or pair of limits. */
typedef char WatchText[64];

/*
 * v with `digits` decimals (conversion 'f') or significant digits ('g'), or `absent`
 * when the wire has no (finite) number.  Returns buf or absent.
 */
const char *watchfmt_num(WatchText buf, bool has, double v, char conversion, int digits, const char *absent);

/* A p-value as reported: "p = 0.043", "p = 0.0012", "p < 0.0001", "p = NA".  Returns buf. */
const char *watchfmt_p(WatchText buf, bool has, double p);

/* Limits "(lower<sep>upper)", each as watchfmt_num() writes it.  Returns buf. */
const char *watchfmt_limits(WatchText buf, bool has_lower, double lower, bool has_upper, double upper, char conversion,
                            int digits, const char *absent, const char *sep);

/*
 * What a comparison's z means under its bounds now: "efficacy bound crossed", "at or
 * below the futility bound" or "continue".  A comparison from an older daemon, without
 * bounds of its own, is read against the block's m (the first comparison's).
 */
const char *watchfmt_decision(const Interim__Monitoring *m, const Interim__Comparison *c);
