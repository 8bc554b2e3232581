/* svgplot.h — an endpoint's statistics drawn as SVG for a DSMB report: the arms' curves over the number at risk, and the monitoring. */
#pragma once

#include <stdio.h>

#include "statistics.pb-c.h"

/*
 * Draws the arms' curves against months since randomization: Kaplan–Meier survival
 * with its confidence band, censoring ticks and dashed medians, or, for an endpoint
 * with competing events (the message holds cumulative incidence), the cumulative
 * incidence of the endpoint's event instead.  A legend with each arm's numbers and
 * the hazard ratios and tests the message holds; the number at risk under the axis.
 * Returns 0 or -EIO.
 */
int svgplot_curves(FILE *f, const Interim__Statistics *s);

/*
 * Writes DIR/TRIAL-ENDPOINT.svg (the curves) and, for a monitored endpoint,
 * DIR/TRIAL-ENDPOINT-monitoring.svg, each through a temporary file renamed over the
 * old one, so that a reader never sees half a drawing.  The files are private to the
 * user (mode 0600): they hold unblinded numbers.  Returns 0 or a negative errno.
 */
int svgplot_write(const char *dir, const Interim__Statistics *s);
