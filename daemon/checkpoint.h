/* checkpoint.h — the store's write-ahead log copied back into the database by a thread of its own, off the commit path. */
#pragma once

#include <sqlite3.h>

/* Commits leaving at least this many frames in the log ask for a checkpoint (SQLite's own default). */
#define CHECKPOINT_PAGES 1000

/*
 * A log this long cannot be copied back: another connection's open read transaction
 * (an auditor's sqlite3) needs its frames.  It is logged then, and at each doubling.
 */
#define CHECKPOINT_WARN_PAGES (4 * CHECKPOINT_PAGES)

typedef struct Checkpointer Checkpointer;

/*
 * Opens a second connection to the database file at path and starts a thread that
 * checkpoints on it when asked; the writer's connection db no longer checkpoints after
 * every CHECKPOINT_PAGES frames but asks the thread, and copies only what the thread
 * left when the log reaches twice that, so that the log can start again.  Returns 0 or
 * a negative errno.
 */
int checkpointer_new(Checkpointer **ret, sqlite3 *db, const char *path);

/* Stops the thread (after the checkpoint it runs, if any) and closes its connection; accepts NULL. */
void checkpointer_free(Checkpointer *c);
