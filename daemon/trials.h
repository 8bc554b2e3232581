/* trials.h — the daemon's live trials, one per [trial] of the configuration, rebuilt from the store. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "interim/trial.h"
#include "store.h"

typedef struct Trials {
        size_t n;
        Trial **trial; /* [n], in configuration order */
        bool *kept;    /* NULL, or [n]: the trial is still the running one's (trials_reload()) */
} Trials;

/*
 * Creates an empty live trial for each trial of the configuration.  Returns 0, -EINVAL
 * (the library refuses a definition) or -ENOMEM.
 */
int trials_new(Trials **ret, const Config *c);

/* Frees the trials, except those kept from the running ones; accepts NULL. */
void trials_free(Trials *ts);

/* The trial named name and its index in *ret_index, or NULL. */
Trial *trials_find(const Trials *ts, const char *name, size_t *ret_index);

/*
 * Applies every accepted event of the store, in store order, as it was applied when it
 * came: each with the "today" of its arrival.  An event the trials now refuse means the
 * store and the configuration disagree (a trial, arm or stratum removed, or a damaged
 * store): returns -EBADMSG with a description in *ret_error (the caller frees it).
 * Returns 0 and the number of events in *ret_n, or a negative errno.
 */
int trials_replay(Trials *ts, Store *store, size_t *ret_n, char **ret_error);

/*
 * The live trials of next, a configuration merged by reload_merge() from the running
 * one: a trial whose definition is unchanged is the running trial itself, kept with
 * all that was applied to it (marked in kept); a trial new to the daemon starts empty
 * (the store holds only events of running trials: a start refuses a store with others);
 * a trial given new endpoints is built again from its events in the store, the only
 * events replayed.  running is left as it was until trials_adopt().  Returns 0 and the
 * number of events replayed in *ret_n, or as trials_replay().
 */
int trials_reload(Trials **ret, const Trials *running, const Config *next, Store *store, size_t *ret_n,
                  char **ret_error);

/* Makes the trials kept by trials_reload() next's own: running no longer has them. */
void trials_adopt(Trials *next, Trials *running);
