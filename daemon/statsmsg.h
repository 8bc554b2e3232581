/* statsmsg.h — an endpoint's Summary as the wire's Statistics message (protobuf-c), arm-level or pooled; no I/O. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "interim/summary.h"
#include "interim/trial.h"
#include "statistics.pb-c.h"

/* The name of the pooled arm on the wire. */
#define STATS_POOLED_ARM "all"

/* Which statistics a message carries. */
typedef enum {
        STATS_ARM_LEVEL, /* every arm, then the arms pooled, and the comparisons: the DSMB's channel */
        STATS_POOLED,    /* the arms pooled as the one arm "all", nothing compared: the open channel */
} StatsForm;

/*
 * The memory a built message lives in, reused from one build to the next: once the
 * largest summary has been built, building allocates nothing.
 */
typedef struct StatsMsg {
        uint8_t *base;  /* one block, grown at the start of a build to what the last one needed */
        size_t size, used;
        size_t wanted;  /* asked for during this build */
        void **extra;   /* blocks asked for beyond base during this build */
        size_t n_extra, cap_extra;
} StatsMsg;

/* Prepares an empty workspace. */
void statsmsg_init(StatsMsg *m);

/* Frees the workspace and any message built in it; accepts a zeroed one. */
void statsmsg_deinit(StatsMsg *m);

/*
 * Builds the Statistics of endpoint `endpoint` of the trial spec from its summary s,
 * with sequence number seq and as_of (days since 1970-01-01), in the given form.
 * Returns 0 and the message in *ret, which points into m, s and spec and lives until
 * the next build or statsmsg_deinit(); or -ENOMEM.
 */
int statsmsg_build(StatsMsg *m, const TrialSpec *spec, size_t endpoint, const Summary *s, uint64_t seq, int32_t as_of,
                   StatsForm form, Interim__Statistics **ret);
