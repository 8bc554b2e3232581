/* simulate.h — seeded simulated trials for tests and benchmarks: a SurvTable without R. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "interim/survtable.h"

/*
 * Simulates n patients randomized evenly to `arms` arms (hazard ratios 1, 0.8, 0.65,
 * ... against arm 0) and spread evenly over `strata` strata (baseline hazards 0.7, 1,
 * 1.4, ...), accrued over 1000 days and followed to day 3000, baseline median 2500
 * days, 2% a year lost to follow-up; times are counted in whole units of `unit` days,
 * so a larger unit ties more deaths.  The same seed gives the same trial.  Fills *ret
 * (initialized here) or aborts.
 */
void simulate_trial(size_t n, size_t arms, size_t strata, int unit, uint64_t seed, SurvTable *ret);
