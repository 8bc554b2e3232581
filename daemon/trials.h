/* trials.h — the daemon's live trials, one per [trial] of the configuration, rebuilt from the store. */
#pragma once

#include <stddef.h>

#include "config.h"
#include "interim/trial.h"
#include "store.h"

typedef struct Trials {
        size_t n;
        Trial **trial; /* [n], in configuration order */
} Trials;

/*
 * Creates an empty live trial for each trial of the configuration.  Returns 0, -EINVAL
 * (the library refuses a definition) or -ENOMEM.
 */
int trials_new(Trials **ret, const Config *c);

/* Frees the trials; accepts NULL. */
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
