/* backup.h — a consistent copy of a store, taken while the daemon may be writing it, and checked. */
#pragma once

#include <stdio.h>

/*
 * Copies the store in state_dir, as of its last commit, into the new directory dest
 * (its parent must exist; dest must not; trailing slashes are dropped) as
 * dest/interimd.db, without a log.  The daemon may run and write meanwhile.  The copy
 * is made and synced in dest.partial-XXXXXX, renamed to dest when whole (never over
 * something made meanwhile), dest's parent synced; a copy that fails is removed.  Then
 * checks the copy's hash chains read-only and writes to out what it holds and the
 * events' head (the hash to keep elsewhere).  Returns 0, -EEXIST (dest exists),
 * -EBADMSG (a row of the copy does not verify, said on out; the copy stays) or
 * another negative errno; with a description in *ret_error (caller frees; NULL when
 * out of memory) when something could not be read or written.
 */
int backup_store(const char *state_dir, const char *dest, FILE *out, char **ret_error);
