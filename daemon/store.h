/* store.h — the durable, append-only, hash-chained record of every event, every refusal and every arm-level snapshot (SQLite). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size of a row hash (BLAKE2b-256). */
#define STORE_HASH_BYTES 32

/* Longest rejection text kept in a StoreAnswer. */
#define STORE_TEXT_MAX 256

typedef struct Store Store;

/*
 * A row of table events: an accepted event.  Strings are NUL-terminated.  When the store
 * hands a row out, its pointers are valid only during the callback.
 */
typedef struct StoreEvent {
        int64_t store_seq;   /* assigned by store_append_event() */
        int64_t server_time; /* microseconds since 1970-01-01 UTC */
        const char *sender;  /* who sent it, as the transport knows it */
        const char *trial;
        const char *site;
        int64_t site_seq;
        const char *patient; /* NULL for a look */
        const char *kind;    /* "enroll", "contact", ..., "retract", "look" */
        const char *date;    /* YYYY-MM-DD; NULL for a retraction */
        const uint8_t *payload; /* the encoded Event as received */
        size_t payload_len;
        int64_t retracts;    /* store_seq of the event this one retracts; 0: none */
        bool retracted;      /* (read only) a later event retracts this one */
} StoreEvent;

/* A row of table rejected: a refused attempt. */
typedef struct StoreRejection {
        int64_t reject_seq;  /* (read only) its place in table rejected */
        int64_t server_time;
        const char *sender;
        const char *trial;   /* NULL when unknown */
        const char *site;    /* NULL (and site_seq 0) when the attempt carried no usable key */
        int64_t site_seq;
        int reason;          /* a Reason of the wire schema */
        const char *text;
        const uint8_t *raw;  /* the bytes received */
        size_t raw_len;
} StoreRejection;

/* A row of table disclosures: arm-level statistics sent in a snapshot, and to whom. */
typedef struct StoreDisclosure {
        int64_t server_time;
        const char *recipient; /* the key's name, or the peer's address */
        const char *prefix;    /* the topics asked for */
        const char *data_cut;  /* YYYY-MM-DD; NULL for the live statistics */
} StoreDisclosure;

/* The answer first given to a (site, site_seq). */
typedef struct StoreAnswer {
        bool accepted;
        int64_t store_seq;   /* when accepted */
        int reason;          /* when rejected */
        char text[STORE_TEXT_MAX];
} StoreAnswer;

/* Called with each row handed out; a negative errno return stops the walk and is passed on. */
typedef int (*StoreEventFn)(const StoreEvent *e, void *userdata);

/*
 * Opens the store in directory dir, making a new one when the directory has no
 * interimd.db: takes its lock file, so that one daemon at a time writes it, checks (or
 * upgrades) the schema, and checks that the last row of each table closes its hash
 * chain.  Returns 0, -EBUSY (another process holds the store), -EPROTO (not an
 * interimd store, an empty file among them, or another schema version), -EEXIST (a
 * write-ahead log or journal without its store),
 * -EBADMSG (the chain head does not verify) or another negative errno, with a
 * description of the failure in *ret_error (the caller frees it; NULL when out of memory).
 */
int store_open(Store **ret, const char *dir, char **ret_error);

/*
 * Opens an existing store in directory dir for reading only (an auditor, a test), even
 * while the daemon writes it: takes no lock, creates nothing, checks the schema and
 * the chain heads as store_open() does.  Appends fail with -EROFS.  Returns as
 * store_open().
 */
int store_open_readonly(Store **ret, const char *dir, char **ret_error);

/*
 * Writes the store as of its last commit (whatever a writer does meanwhile) into the
 * SQLite file at path (new or empty), with SQLite's online backup, and leaves it in
 * rollback-journal mode: one file, no log beside it.  It is synced as SQLite commits,
 * not renamed.  Returns 0 or a negative errno, with SQLite's message in *ret_error
 * (caller frees; NULL when out of memory).
 */
int store_copy(Store *s, const char *path, char **ret_error);

/* Closes the store; accepts NULL.  An open batch is rolled back. */
void store_free(Store *s);

/* The last SQLite error message of the store, for the log: after a rollback, that of the failure that caused it. */
const char *store_error(const Store *s);

/* The last event's store_seq (0 when none) and hash (zeros when none). */
void store_head(const Store *s, int64_t *ret_seq, uint8_t ret_hash[STORE_HASH_BYTES]);

/* The number of refusals stored. */
int64_t store_rejections(const Store *s);

/* The number of arm-level snapshots recorded. */
int64_t store_disclosures(const Store *s);

/* Starts a batch: one write transaction for many appends.  Returns 0 or a negative errno. */
int store_begin(Store *s);

/* Makes the batch durable.  Returns 0, or a negative errno after rolling the batch back. */
int store_commit(Store *s);

/* Abandons the batch: nothing of it was stored. */
void store_rollback(Store *s);

/*
 * Appends an accepted event within a batch (e->store_seq and e->retracted are ignored).
 * Returns 0 and its store_seq in *ret_store_seq, or a negative errno (-EEXIST when
 * (site, site_seq) was answered before, or the target is already retracted).
 */
int store_append_event(Store *s, const StoreEvent *e, int64_t *ret_store_seq);

/* Appends a rejection within a batch.  Returns 0 or a negative errno (-EEXIST as above). */
int store_append_rejection(Store *s, const StoreRejection *j);

/* Appends a disclosure within a batch.  Returns 0 or a negative errno. */
int store_append_disclosure(Store *s, const StoreDisclosure *d);

/*
 * Looks up the answer given before to (site, site_seq), in this batch or earlier.
 * Returns 1 and the answer in *ret, 0 if there was none, or a negative errno.
 */
int store_answer(Store *s, const char *site, int64_t site_seq, StoreAnswer *ret);

/*
 * Finds the accepted event of (site, site_seq), in this batch or earlier, and calls fn
 * with it.  Returns 1 (found, fn returned 0), 0 (no such event), fn's negative result
 * or a negative errno.
 */
int store_find(Store *s, const char *site, int64_t site_seq, StoreEventFn fn, void *userdata);

/* Finds the accepted event at store_seq and calls fn with it; returns as store_find(). */
int store_get(Store *s, int64_t store_seq, StoreEventFn fn, void *userdata);

/*
 * Calls fn with every accepted event in store order (the order they were applied in).
 * Returns 0, fn's negative result, or a negative errno.
 */
int store_replay(Store *s, StoreEventFn fn, void *userdata);

/* As store_replay(), with only the events of the n_trials trials named (none when n_trials is 0). */
int store_replay_trials(Store *s, const char *const *trials, size_t n_trials, StoreEventFn fn, void *userdata);

/*
 * Calls fn with every row of both tables, merged by server time (an event before a
 * refusal of the same microsecond), each table in its own order: one of e and j is
 * NULL.  Returns 0, fn's negative result, or a negative errno.
 */
int store_each_record(Store *s,
                      int (*fn)(const StoreEvent *e, const StoreRejection *j, void *userdata),
                      void *userdata);

/*
 * The stored sequence-number bound of a publication topic: no publication of the
 * topic has had a larger seq (0 when the topic is unknown).  Returns 0 or a negative errno.
 */
int store_topic_seq(Store *s, const char *topic, int64_t *ret_seq);

/* Sets a topic's bound, within a batch: outside the hash chains.  Returns 0 or a negative errno. */
int store_set_topic_seq(Store *s, const char *topic, int64_t seq);

/*
 * Walks the hash chains from the start, recomputing every row's hash, then checks that
 * no event has the (site, site_seq) of a refusal.  Returns 0, or -EBADMSG with the
 * table ("events", "rejected" or "disclosures") and row number of the first row that
 * does not verify, or another negative errno.
 */
int store_verify(Store *s, const char **ret_table, int64_t *ret_row);
