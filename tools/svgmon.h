/* svgmon.h — the monitoring drawing: z against information fraction, with the bounds at the looks made and now. */
#pragma once

#include <stdio.h>

#include "statistics.pb-c.h"

/*
 * Draws the group-sequential monitoring of s: the efficacy (and futility) bounds at
 * each look and now, the observed z, the looks marked, a table of the looks under the
 * axis.  Returns 0, -EINVAL when s has no monitoring block, -ENOMEM or -EIO.
 */
int svgmon_draw(FILE *f, const Interim__Statistics *s);
