/* audit.h — the audit trail read back from a stopped daemon's store: checking its hash chains, exporting it as CSV. */
#pragma once

#include <stdio.h>

#include "store.h"

/*
 * Opens the store in state_dir (which must hold one) and walks its hash chains from
 * the start.  Writes to out how many rows verified, or the table and row of the first
 * that does not.  Returns 0 when every row verifies, -EBADMSG when one does not, or
 * another negative errno; with a description in *ret_error (caller frees; NULL when
 * out of memory) when the store could not be read.
 */
int audit_verify(const char *state_dir, FILE *out, char **ret_error);

/* audit_verify() of a store already open, named label in what is written. */
int audit_verify_store(Store *s, const char *label, FILE *out, char **ret_error);

/*
 * Writes the audit trail of trial as CSV to out: a header, then every accepted,
 * retracted and rejected event of the trial in store order, with its server time (UTC)
 * and sender; every field quoted.  Returns 0 or a negative errno, with *ret_error as
 * audit_verify().
 */
int audit_export(const char *state_dir, const char *trial, FILE *out, char **ret_error);
