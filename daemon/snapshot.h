/* snapshot.h — the snapshot ROUTER: a monitor's request for the statistics of every topic under a prefix, live or at a data cut. */
#pragma once

#include <stdint.h>

#include "config.h"
#include "store.h"
#include "topics.h"
#include "trials.h"
#include "zap.h"

/* Most requests answered per call, so that a flood of them cannot hold ingest up. */
#define SNAPSHOT_BATCH 16

/* Messages queued for one peer; a snapshot that does not fit is abandoned, and the peer asks again. */
#define SNAPSHOT_HWM 1000

typedef struct Snapshot Snapshot;

/*
 * Binds a ROUTER at c->snapshot (which must be set); requests larger than
 * c->max_message_bytes are refused by libzmq.  With zap set, a CURVE server whose
 * arm-level answers go to dsmb keys only.  Returns 0 or a negative errno.
 */
int snapshot_new(Snapshot **ret, void *zmq_context, const Config *c, const Zap *zap);

/* Closes the socket; accepts NULL. */
void snapshot_free(Snapshot *s);

/* The ROUTER socket, for zmq_poll(). */
void *snapshot_socket(const Snapshot *s);

/*
 * Answers up to SNAPSHOT_BATCH waiting requests (interim.SnapshotRequest), and stops
 * after the first with a data cut: its statistics are computed here from every
 * patient, and ingest is served between two of them.  For each,
 * every topic whose name starts with the prefix goes back as two frames, its name and
 * its Statistics (arm-level or pooled, as asked): the last publication and its seq,
 * or, with a data cut, statistics computed from the facts dated on or before it, with
 * seq 0.  Then TOPIC_SNAPSHOT_END and an interim.SnapshotEnd naming every topic sent
 * with its seq.  A request that is not understood gets TOPIC_SNAPSHOT_ERROR and an
 * interim.SnapshotError saying why.  Sending never blocks: when a peer's queue is
 * full the rest of its answer is dropped.  Each arm-level answer is first recorded in
 * the store with its recipient and now (microseconds since 1970); one that cannot be
 * recorded is not sent.
 */
void snapshot_serve(Snapshot *s, Topics *ts, const Trials *trials, Store *store, int64_t now);
