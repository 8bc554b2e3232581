/* fullstats.h — a Statistics message with every block of the wire filled, absent numbers included, for interim-watch's tests. */
#pragma once

#include "statistics.pb-c.h"

/*
 * A three-arm endpoint's statistics ("control", "new" and the pooled "all"), with
 * curves, landmarks, restricted means, cumulative incidence, log-rank, Cox, RMST
 * differences, Gray's test and monitoring with one look.  Absent: the median of "new"
 * (not reached) and its upper limit, a curve row's limits, the futility bound now.
 * Arm "control" holds 0.1 + 0.2 as a curve's std_err (17 digits to print).  The
 * message is rebuilt on each call, in static memory, for the caller to change.
 */
Interim__Statistics *fullstats(void);
