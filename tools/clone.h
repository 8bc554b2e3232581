/* clone.h — the monitor's copy of the published statistics: the Clone pattern's client as a state machine without sockets. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statistics.pb-c.h"

/* Topics of the messages that are not statistics, as interimd sends them. */
#define CLONE_TOPIC_HEARTBEAT "[heartbeat]"
#define CLONE_TOPIC_END "[end]"
#define CLONE_TOPIC_ERROR "[error]"

/* Heartbeat intervals without one after which the daemon is taken for gone. */
#define CLONE_SILENT_BEATS 3

/* The interval assumed before a heartbeat told it (ms). */
#define CLONE_DEFAULT_INTERVAL_MS 1000

/* How long a snapshot may take before it is asked for again (ms). */
#define CLONE_SNAPSHOT_TIMEOUT_MS 5000

typedef enum CloneState {
        CLONE_WAITING, /* for a heartbeat or a publication: the subscription is not known to work, or the daemon is silent */
        CLONE_SYNCING, /* a snapshot is asked for; publications are kept until it is complete */
        CLONE_LIVE,    /* the snapshot is in; each publication is applied as it comes */
} CloneState;

/* Why the copy is being (re)built. */
typedef enum CloneReason {
        CLONE_START,       /* the first snapshot */
        CLONE_GAP,         /* a topic's seq was not the one after its last */
        CLONE_SILENCE,     /* no heartbeat for CLONE_SILENT_BEATS intervals */
        CLONE_RESTART,     /* a heartbeat from another start of the daemon */
        CLONE_NO_SNAPSHOT, /* a snapshot did not complete in time, or did not hold what its end listed */
} CloneReason;

typedef struct CloneCallbacks {
        /*
         * A topic's statistics were replaced (a new topic, or another seq), s living until
         * the topic's next change; or, with s NULL, the topic is gone (a new snapshot lacks it).
         */
        void (*topic)(const char *topic, const Interim__Statistics *s, void *userdata);
        /* The state changed: why (for WAITING and SYNCING), and what happened in words (e.g. the gap). */
        void (*state)(CloneState state, CloneReason reason, const char *detail, void *userdata);
} CloneCallbacks;

typedef struct Clone Clone;

/*
 * Creates a copy of the topics under the given prefixes (n == 0: every topic), in
 * state WAITING: the caller subscribes to each prefix and to CLONE_TOPIC_HEARTBEAT
 * first, and the snapshot is asked for once the subscription shows it works.  The
 * callbacks (either may be NULL) get userdata.  Returns 0 or -ENOMEM.
 */
int clone_new(Clone **ret, const char *const *prefixes, size_t n, const CloneCallbacks *cb, void *userdata);

/* Frees the copy; accepts NULL. */
void clone_free(Clone *c);

/* Asks for a snapshot now, without waiting for a heartbeat: for a copy that subscribes to nothing. */
void clone_sync(Clone *c, int64_t now);

/*
 * Whether a snapshot is to be asked for: the caller then sends an
 * interim.SnapshotRequest for each of clone_prefixes() on a new socket, so that no
 * answer to an earlier request is taken for this one's.  Clears the request.
 */
bool clone_take_request(Clone *c);

/* The prefixes asked for ("" when every topic), n in *ret_n. */
const char *const *clone_prefixes(const Clone *c, size_t *ret_n);

/*
 * Takes a message from the subscription: topic and body as received; now in ms of a
 * monotonic clock.  Returns 0, or -EBADMSG (a body that does not decode; ignored) or
 * -ENOMEM.
 */
int clone_publication(Clone *c, const char *topic, const uint8_t *body, size_t size, int64_t now);

/*
 * Takes a message of a snapshot answer.  Returns 0, -EBADMSG, -ENOMEM, or -EPROTO when
 * the daemon refused the request (*ret_error, when not NULL, then holds its reason,
 * the caller's to free()).
 */
int clone_snapshot(Clone *c, const char *topic, const uint8_t *body, size_t size, int64_t now, char **ret_error);

/* Acts on the clock: a silent daemon, a snapshot that does not come. */
void clone_tick(Clone *c, int64_t now);

/* When clone_tick() has something to do next (ms, as now), or INT64_MAX. */
int64_t clone_deadline(const Clone *c);

/* The state the copy is in. */
CloneState clone_state(const Clone *c);

/* Number of topics held; topic i's name and statistics (i < clone_count()). */
size_t clone_count(const Clone *c);
const char *clone_topic(const Clone *c, size_t i, const Interim__Statistics **ret_stats);
