/* ingest.h — the ingest socket: events in from sites, decided and stored in batches, acknowledged after commit. */
#pragma once

#include <stdint.h>

#include "config.h"
#include "store.h"
#include "zap.h"
#include "trials.h"

typedef struct Ingest Ingest;

/*
 * Binds a ZeroMQ ROUTER at c->ingest (frames larger than c->max_message_bytes are
 * refused by libzmq, which drops the sender's connection), a CURVE server when zap is
 * set: then each event must come from a site key that may speak for its site and trial.
 * The trials, the store and zap stay the caller's.  Returns 0 or a negative errno.
 */
int ingest_new(Ingest **ret, void *zmq_context, const Config *c, const Zap *zap, Trials *trials, Store *store);

/* Closes the socket, waiting a little for the last acknowledgements to leave; accepts NULL. */
void ingest_free(Ingest *in);

/* The ROUTER socket, for zmq_poll(). */
void *ingest_socket(const Ingest *in);

/*
 * Takes up to batch_max waiting messages and answers each: a duplicate (site, site_seq)
 * gets the answer it got the first time; anything else is decided by the trial rules,
 * applied to the trials if accepted, and recorded (accepted or refused) in one store
 * transaction.  Only after the commit are the acknowledgements sent.  For every trial
 * t an accepted event moved, the bits of its endpoints are set in changed[t].
 *
 * Returns the number of messages answered (0 when none was waiting), or a negative
 * errno when the store failed: then nothing of the batch is stored or acknowledged,
 * but the trials may already hold some of its events, so the caller must not go on
 * (replaying the store rebuilds them); the error text is in store_error().
 */
int ingest_batch(Ingest *in, int64_t now, uint32_t *changed);
