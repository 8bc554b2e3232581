/* reload.h — SIGHUP: the configuration's trials read again and merged into the running ones, compatible changes only. */
#pragma once

#include "config.h"

/*
 * Merges the running trials of c into next, the configuration file read again, so
 * that next's trials become those to run.  A trial new in next is taken, and so is a
 * trial whose arms, strata and endpoints are as in c, endpoints possibly added at the
 * end (its report and design options may change).  Any other change to a running trial
 * (arms, strata, an endpoint changed, removed or moved) is refused: the trial stays as
 * in c.  A trial missing from next stays too (its events are in the store).  Every
 * refusal and addition is logged.  Returns 0 or -ENOMEM.
 */
int reload_merge(const Config *c, Config *next);
