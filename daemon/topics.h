/* topics.h — the publication topics, one per trial endpoint ("TRIAL/ENDPOINT"): statistics, sequence numbers, last publication. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "config.h"
#include "interim/summary.h"
#include "statsmsg.h"
#include "store.h"
#include "trials.h"

/*
 * Topics of the messages that are not statistics.  Names have no brackets, so no
 * trial endpoint's topic starts like these.
 */
#define TOPIC_HEARTBEAT "[heartbeat]"
#define TOPIC_SNAPSHOT_END "[end]"
#define TOPIC_SNAPSHOT_ERROR "[error]"

/*
 * Sequence numbers are stored this far ahead of the last publication, so that the
 * store is written once per this many publications of a topic: after a crash they
 * resume from the stored number (a gap, which makes monitors resynchronise), after a
 * clean stop from the exact last one.
 */
#define TOPIC_SEQ_AHEAD 1024

typedef struct Topic {
        char *name;            /* "TRIAL/ENDPOINT" */
        size_t trial;          /* index in the Trials and the Config */
        size_t endpoint;
        Summary summary;       /* the statistics of the last publication */
        uint64_t seq;          /* of the last publication; 0 before the first */
        uint64_t seq_stored;   /* the store's bound: no publication of the topic had a larger seq */
        bool changed;          /* the trial moved since the last publication */
        int64_t due;           /* when changed: the time its publication is due (ms, monotonic clock) */
        int64_t published_at;  /* the time of the last publication (ms, monotonic clock) */
        bool published;        /* full and pooled hold the last publication */
        zmq_msg_t full;        /* its Statistics, encoded: arm-level */
        zmq_msg_t pooled;      /* and pooled */
} Topic;

typedef struct Topics {
        size_t n;
        Topic *topic;          /* [n]: the trials' endpoints in configuration order */
        Topic **updated;       /* [n]: the topics updated by the last topics_update() */
        size_t n_updated;
        StatsMsg msg;
} Topics;

/*
 * Creates a topic for each endpoint of each trial of c, none published yet, refreshed
 * with the help of worker (see summary_set_worker(); NULL: none).  A topic of previous
 * (the topics before a reload; NULL at start) keeps its sequence numbers; any other
 * reads them from the store.  Returns 0 or a negative errno.
 */
int topics_new(Topics **ret, const Config *c, const Trials *trials, Store *store, Worker *worker,
               const Topics *previous);

/* Frees the topics; accepts NULL. */
void topics_free(Topics *ts);

/*
 * Marks the topics whose bit is set in changed[trial] (bit i: endpoint i) as changed at
 * now (ms, monotonic).  A topic not published for interval ms is due at once (the
 * leading edge); one published more recently is due interval ms after that publication,
 * with every change until then (the trailing edge).  A topic changed already keeps its
 * due time.
 */
void topics_mark(Topics *ts, const uint32_t *changed, int64_t now, int64_t interval);

/* Makes every changed topic due at now: what is pending goes out before a stop. */
void topics_expedite(Topics *ts, int64_t now);

/* The earliest due time of a changed topic (ms, monotonic), or INT64_MAX. */
int64_t topics_next_due(const Topics *ts);

/*
 * Publishes, in memory, every topic due at now or never published: stores sequence
 * numbers ahead when they run out, then refreshes each topic's statistics from its
 * trial, gives it the next seq and encodes it (as_of today, days since 1970-01-01).
 * The updated topics are left in ts->updated[0 .. ts->n_updated - 1] for sending.
 * Returns 0, or a negative errno: -ENOMEM, or a store failure (store_error() tells).
 */
int topics_update(Topics *ts, const Trials *trials, Store *store, int64_t now, int32_t today);

/*
 * Stores every topic's exact last seq, so that the next start continues from it.
 * Returns 0 or a negative errno.
 */
int topics_store_seqs(const Topics *ts, Store *store);
