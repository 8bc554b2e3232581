/* watchtable.h — an endpoint's statistics as a readable block of text: arms, comparisons, monitoring. */
#pragma once

#include <stdio.h>

#include "statistics.pb-c.h"

/*
 * Writes the statistics of one trial endpoint as lines of text: a heading, a row per
 * arm (patients, events, median with its limits, survival at the landmarks), then the
 * comparisons and the monitoring that the message holds.  Times are in days; a median
 * or limit the curve does not reach is "NR", another absent number "NA".
 */
void watchtable_print(FILE *f, const Interim__Statistics *s);
