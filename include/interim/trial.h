/* trial.h — a trial's definition and its live state: patients, their facts, per-endpoint risk sets. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interim/riskset.h"
#include "interim/survtable.h"

/* What a follow-up event says about a patient.  Dates are days since 1970-01-01. */
typedef enum {
        EVENT_ENROLL,                    /* randomized to an arm (and stratum) on this date */
        EVENT_CONTACT,                   /* known alive and event-free as of this date */
        EVENT_PROGRESSION_LOCOREGIONAL,
        EVENT_PROGRESSION_DISTANT,
        EVENT_DEATH,
        EVENT_WITHDRAW,                  /* follow-up ends here */
        EVENT_KINDS,
} EventKind;

/* Longest patient identifier, in bytes. */
#define TRIAL_PATIENT_ID_MAX 64

/* Most endpoints a trial may define. */
#define TRIAL_MAX_ENDPOINTS 16

/* Bit of an event kind in an endpoint's event and competing sets. */
#define EVENT_BIT(kind) (1u << (kind))

/* One endpoint: its time is the first of its events; a competing event ends follow-up. */
typedef struct EndpointSpec {
        char *name;
        uint32_t events;    /* EVENT_BIT()s */
        uint32_t competing; /* EVENT_BIT()s, disjoint from events */
} EndpointSpec;

/* A trial's fixed definition: arms (the first is the control), strata, endpoints. */
typedef struct TrialSpec {
        char *name;
        size_t n_arms;
        char **arms;
        size_t n_strata; /* 0: the trial has no strata */
        char **strata;
        size_t n_endpoints;
        EndpointSpec *endpoints;
} TrialSpec;

/* Why an event was refused; 0 means accepted.  Stable numbers: they go on the wire. */
typedef enum {
        TRIAL_OK = 0,
        TRIAL_REJECT_UNKNOWN_ARM = 1,
        TRIAL_REJECT_UNKNOWN_STRATUM = 2,
        TRIAL_REJECT_MISSING_STRATUM = 3,
        TRIAL_REJECT_NOT_ENROLLED = 4,
        TRIAL_REJECT_ENROLLED_TWICE = 5,
        TRIAL_REJECT_BEFORE_RANDOMIZATION = 6,
        TRIAL_REJECT_AFTER_DEATH = 7,
        TRIAL_REJECT_AFTER_WITHDRAWAL = 8,
        TRIAL_REJECT_FUTURE_DATE = 9,
        TRIAL_REJECT_NO_SUCH_FACT = 10,
        TRIAL_REJECT_HAS_FOLLOWUP = 11,
        TRIAL_REJECT_BAD_PATIENT = 12,
        TRIAL_REJECT_CONTRADICTS_LATER = 13,
        TRIAL_REJECT_DUPLICATE_FACT = 14,
        TRIAL_REJECT_LOOK_ORDER = 15,
        TRIAL_REJECT_MAX,
} TrialReject;

/* A short fixed English sentence for a rejection code (never NULL). */
const char *trial_reject_str(TrialReject r);

/* One event as the trial sees it.  arm and stratum are names, used by EVENT_ENROLL only. */
typedef struct TrialEvent {
        EventKind kind;
        const char *patient;
        int32_t date;
        const char *arm;
        const char *stratum;
} TrialEvent;

typedef struct Trial Trial;

/*
 * Creates the live state of a trial.  The spec is copied.  Returns 0, -EINVAL for an
 * inconsistent spec (no arms, duplicate names, overlapping event sets) or -ENOMEM.
 */
int trial_new(Trial **ret, const TrialSpec *spec);

/* Frees a trial; accepts NULL. */
void trial_free(Trial *t);

/* The trial's definition. */
const TrialSpec *trial_spec(const Trial *t);

/* Whether two lists of names are the same names in the same order. */
bool trial_names_equal(char *const *a, size_t n_a, char *const *b, size_t n_b);

/*
 * Copies the definition src into *ret, checked as trial_new() checks it.  Returns 0,
 * -EINVAL for an inconsistent definition or -ENOMEM; *ret is zeroed on failure.
 */
int trial_spec_copy(TrialSpec *ret, const TrialSpec *src);

/* Frees what a definition holds and zeroes it; accepts a zeroed one. */
void trial_spec_deinit(TrialSpec *s);

/* Whether two definitions are the same: name, arms, strata and endpoints, in order. */
bool trial_spec_equal(const TrialSpec *a, const TrialSpec *b);

/*
 * Says whether the event could be applied now, without changing anything: TRIAL_OK or
 * the rule it breaks.  today (days since 1970-01-01) bounds dates from above.
 */
TrialReject trial_check(const Trial *t, const TrialEvent *e, int32_t today);

/*
 * Applies an event that trial_check() accepted (checking again), moving the patient in
 * every endpoint's risk set.  Returns TRIAL_OK, a positive TrialReject (nothing changed)
 * or -ENOMEM (nothing changed).
 */
int trial_apply(Trial *t, const TrialEvent *e, int32_t today);

/*
 * Takes back an applied event (a retraction): the patient's state becomes what it would
 * be had the event never come.  Retracting an enrollment needs a patient without other
 * facts.  Returns TRIAL_OK, TRIAL_REJECT_NO_SUCH_FACT / _HAS_FOLLOWUP / _NOT_ENROLLED.
 */
int trial_retract(Trial *t, const TrialEvent *e);

/* A formal interim look: its number, data cut, and every endpoint's table at the cut. */
typedef struct TrialLook {
        uint32_t number; /* 1, 2, ... */
        int32_t cut;     /* days since 1970-01-01 */
        SurvTable *tables; /* [n_endpoints], frozen when the look was recorded */
} TrialLook;

/*
 * Records formal look number (one more than the last) with data cut date (not before the
 * last look's, not after today), freezing each endpoint's table at the cut.  Returns
 * TRIAL_OK, TRIAL_REJECT_LOOK_ORDER / _FUTURE_DATE (nothing changed) or -ENOMEM.
 */
int trial_look(Trial *t, uint32_t number, int32_t cut, int32_t today);

/* The recorded looks, oldest first; their count in *ret_n. */
const TrialLook *trial_looks(const Trial *t, size_t *ret_n);

/* Number of enrolled patients, per arm when arm >= 0, in all arms for SURV_ALL. */
size_t trial_enrolled(const Trial *t, int arm);

/* The live risk set of an endpoint (an index in the spec's endpoints), or NULL for no such endpoint. */
const RiskSet *trial_riskset(const Trial *t, size_t endpoint);

/*
 * Fills a table (initialised with the trial's cells) for an endpoint from every
 * patient's facts dated on or before cut (a data cut; INT32_MAX for all), patient by
 * patient: the from-scratch computation.  Returns 0, -EINVAL (no such endpoint, or a
 * table of other cells) or -ENOMEM.
 */
int trial_table_as_of(const Trial *t, size_t endpoint, int32_t cut, SurvTable *ret);
