/* clone.c — the Clone pattern's client: snapshot, held publications, sequence checks, heartbeats; no sockets, no clock of its own. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clone.h"
#include "interim.pb-c.h"

/* Topics with their statistics, in the order they came. */
typedef struct Entry {
        char *name;
        Interim__Statistics *stats;
} Entry;

typedef struct List {
        Entry *item;
        size_t n, cap;
} List;

struct Clone {
        char **prefixes;
        size_t n_prefixes;
        CloneCallbacks cb;
        void *userdata;
        CloneState state;
        CloneReason reason;  /* of the rebuild under way or awaited */
        bool request;        /* a snapshot is to be asked for */
        List topics;         /* the copy */
        List snap;           /* the snapshot being received */
        List held;           /* publications received since the snapshot was asked for */
        size_t ends;         /* snapshot ends received: one per prefix completes it */
        int64_t progress;    /* when the snapshot was asked for or last sent something */
        bool beating;        /* a heartbeat came: silence is watched */
        int64_t beat;        /* when the last one came */
        int64_t interval_ms; /* the daemon's heartbeat interval */
        int64_t started;     /* the daemon's start, as its heartbeats tell */
        char detail[192];
};

/* ---- lists ---- */

static size_t list_find(const List *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->item[i].name, name) == 0)
                        return i;
        return SIZE_MAX;
}

/* Appends, taking stats (freed on failure).  Returns 0 or -ENOMEM. */
static int list_push(List *l, const char *name, Interim__Statistics *stats) {
        char *copy = strdup(name);
        if (copy && l->n == l->cap) {
                size_t cap = l->cap ? 2 * l->cap : 8;
                Entry *item = realloc(l->item, cap * sizeof(*item));
                if (item) {
                        l->item = item;
                        l->cap = cap;
                }
        }
        if (!copy || l->n == l->cap) {
                free(copy);
                interim__statistics__free_unpacked(stats, NULL);
                return -ENOMEM;
        }
        l->item[l->n++] = (Entry){ copy, stats };
        return 0;
}

static void entry_free(Entry *e) {
        free(e->name);
        if (e->stats)
                interim__statistics__free_unpacked(e->stats, NULL);
}

static void list_remove(List *l, size_t i) {
        entry_free(&l->item[i]);
        memmove(&l->item[i], &l->item[i + 1], (l->n - i - 1) * sizeof(*l->item));
        l->n--;
}

static void list_clear(List *l) {
        for (size_t i = 0; i < l->n; i++)
                entry_free(&l->item[i]);
        l->n = 0;
}

static void list_deinit(List *l) {
        list_clear(l);
        free(l->item);
        *l = (List){ 0 };
}

/* ---- the state ---- */

static void announce(Clone *c, CloneState state) {
        c->state = state;
        if (c->cb.state)
                c->cb.state(state, c->reason, c->detail, c->userdata);
}

/* Forgets the snapshot in progress and the publications held.  The copy stays, shown, until a snapshot replaces it. */
static void forget(Clone *c) {
        list_clear(&c->snap);
        list_clear(&c->held);
        c->ends = 0;
}

/* Starts over: asks for a snapshot. */
static void resync(Clone *c, CloneReason reason, int64_t now) {
        forget(c);
        c->reason = reason;
        c->request = true;
        c->progress = now;
        announce(c, CLONE_SYNCING);
}

/* The daemon went quiet: nothing to ask it until it speaks again. */
static void fall_silent(Clone *c) {
        forget(c);
        c->reason = CLONE_SILENCE;
        c->request = false;
        announce(c, CLONE_WAITING);
}

/* Makes stats (taken) the topic's statistics; tells only of a new topic or another seq. */
static int apply(Clone *c, const char *name, Interim__Statistics *stats) {
        size_t i = list_find(&c->topics, name);
        if (i == SIZE_MAX) {
                int r = list_push(&c->topics, name, stats);
                if (r < 0)
                        return r;
                i = c->topics.n - 1;
        } else if (c->topics.item[i].stats->seq == stats->seq) {
                interim__statistics__free_unpacked(stats, NULL);
                return 0;
        } else {
                interim__statistics__free_unpacked(c->topics.item[i].stats, NULL);
                c->topics.item[i].stats = stats;
        }
        if (c->cb.topic)
                c->cb.topic(name, stats, c->userdata);
        return 0;
}

/*
 * A publication while live: the next of its topic is applied, anything else is a gap
 * (the PUB socket dropped messages, perhaps the last of other topics too): resync.  A
 * topic not held yet (added by a reload since the snapshot) is taken as it comes:
 * each publication holds all of a topic's statistics.
 */
static int follow(Clone *c, const char *name, Interim__Statistics *stats, int64_t now) {
        size_t i = list_find(&c->topics, name);
        if (i != SIZE_MAX && stats->seq != c->topics.item[i].stats->seq + 1) {
                snprintf(c->detail, sizeof(c->detail), "%s: seq %" PRIu64 " after %" PRIu64, name, stats->seq,
                         c->topics.item[i].stats->seq);
                interim__statistics__free_unpacked(stats, NULL);
                resync(c, CLONE_GAP, now);
                return 0;
        }
        return apply(c, name, stats);
}

/*
 * The snapshot is complete: it replaces the copy (topics it lacks are gone), then the
 * publications held are applied, those its seqs already cover skipped.
 */
static int complete(Clone *c, int64_t now) {
        for (size_t i = c->topics.n; i-- > 0;)
                if (list_find(&c->snap, c->topics.item[i].name) == SIZE_MAX) {
                        if (c->cb.topic)
                                c->cb.topic(c->topics.item[i].name, NULL, c->userdata);
                        list_remove(&c->topics, i);
                }
        int r = 0;
        for (size_t i = 0; i < c->snap.n; i++) {
                Entry *e = &c->snap.item[i];
                if (r == 0)
                        r = apply(c, e->name, e->stats);
                else
                        interim__statistics__free_unpacked(e->stats, NULL);
                e->stats = NULL;
        }
        list_clear(&c->snap);
        /* Held apart: a gap among them starts over, which clears c->held. */
        List held = c->held;
        c->held = (List){ 0 };
        c->state = CLONE_LIVE;
        for (size_t i = 0; i < held.n; i++) {
                Entry *e = &held.item[i];
                size_t t = list_find(&c->topics, e->name);
                if (r == 0 && c->state == CLONE_LIVE && (t == SIZE_MAX || e->stats->seq > c->topics.item[t].stats->seq))
                        r = follow(c, e->name, e->stats, now);
                else
                        interim__statistics__free_unpacked(e->stats, NULL);
                e->stats = NULL;
        }
        list_deinit(&held);
        if (r == 0 && c->state == CLONE_LIVE) {
                snprintf(c->detail, sizeof(c->detail), "%zu topics", c->topics.n);
                announce(c, CLONE_LIVE);
        }
        return r;
}

/* ---- the API ---- */

int clone_new(Clone **ret, const char *const *prefixes, size_t n, const CloneCallbacks *cb, void *userdata) {
        static const char *const everything[] = { "" };
        if (n == 0) {
                prefixes = everything;
                n = 1;
        }
        Clone *c = calloc(1, sizeof(*c));
        if (!c || !(c->prefixes = calloc(n, sizeof(*c->prefixes)))) {
                free(c);
                return -ENOMEM;
        }
        for (; c->n_prefixes < n; c->n_prefixes++)
                if (!(c->prefixes[c->n_prefixes] = strdup(prefixes[c->n_prefixes]))) {
                        clone_free(c);
                        return -ENOMEM;
                }
        if (cb)
                c->cb = *cb;
        c->userdata = userdata;
        c->state = CLONE_WAITING;
        c->reason = CLONE_START;
        c->interval_ms = CLONE_DEFAULT_INTERVAL_MS;
        *ret = c;
        return 0;
}

void clone_free(Clone *c) {
        if (!c)
                return;
        for (size_t i = 0; i < c->n_prefixes; i++)
                free(c->prefixes[i]);
        free(c->prefixes);
        list_deinit(&c->topics);
        list_deinit(&c->snap);
        list_deinit(&c->held);
        free(c);
}

void clone_sync(Clone *c, int64_t now) {
        snprintf(c->detail, sizeof(c->detail), "snapshot asked for");
        resync(c, c->reason, now);
}

bool clone_take_request(Clone *c) {
        bool r = c->request;
        c->request = false;
        return r;
}

const char *const *clone_prefixes(const Clone *c, size_t *ret_n) {
        *ret_n = c->n_prefixes;
        return (const char *const *)c->prefixes;
}

static int heartbeat(Clone *c, const uint8_t *body, size_t size, int64_t now) {
        Interim__Heartbeat *hb = interim__heartbeat__unpack(NULL, size, body);
        if (!hb)
                return -EBADMSG;
        bool restarted = c->beating && hb->started != c->started;
        c->beating = true;
        c->beat = now;
        c->started = hb->started;
        if (hb->interval_ms > 0)
                c->interval_ms = hb->interval_ms;
        interim__heartbeat__free_unpacked(hb, NULL);
        if (restarted) {
                snprintf(c->detail, sizeof(c->detail), "the daemon started again");
                resync(c, CLONE_RESTART, now);
        } else if (c->state == CLONE_WAITING) {
                snprintf(c->detail, sizeof(c->detail), "heartbeat");
                resync(c, c->reason, now);
        }
        return 0;
}

int clone_publication(Clone *c, const char *topic, const uint8_t *body, size_t size, int64_t now) {
        if (strcmp(topic, CLONE_TOPIC_HEARTBEAT) == 0)
                return heartbeat(c, body, size, now);
        Interim__Statistics *stats = interim__statistics__unpack(NULL, size, body);
        if (!stats)
                return -EBADMSG;
        switch (c->state) {
        case CLONE_WAITING:
                /* The subscription works.  This publication is older than the snapshot about to be asked for. */
                interim__statistics__free_unpacked(stats, NULL);
                snprintf(c->detail, sizeof(c->detail), "publication");
                resync(c, c->reason, now);
                return 0;
        case CLONE_SYNCING:
                return list_push(&c->held, topic, stats);
        case CLONE_LIVE:
                return follow(c, topic, stats, now);
        }
        return 0;
}

/* The end of one prefix's snapshot: every topic it lists must have come, with that seq. */
static int snapshot_end(Clone *c, const uint8_t *body, size_t size, int64_t now) {
        Interim__SnapshotEnd *end = interim__snapshot_end__unpack(NULL, size, body);
        if (!end)
                return -EBADMSG;
        bool whole = true;
        for (size_t i = 0; whole && i < end->n_topics; i++) {
                size_t t = list_find(&c->snap, end->topics[i]->topic);
                whole = t != SIZE_MAX && c->snap.item[t].stats->seq == end->topics[i]->seq;
                if (!whole)
                        snprintf(c->detail, sizeof(c->detail), "snapshot of '%s' without %s at seq %" PRIu64,
                                 end->prefix, end->topics[i]->topic, end->topics[i]->seq);
        }
        interim__snapshot_end__free_unpacked(end, NULL);
        if (!whole) {
                resync(c, CLONE_NO_SNAPSHOT, now);
                return 0;
        }
        return ++c->ends == c->n_prefixes ? complete(c, now) : 0;
}

int clone_snapshot(Clone *c, const char *topic, const uint8_t *body, size_t size, int64_t now, char **ret_error) {
        if (c->state != CLONE_SYNCING)
                return 0;
        c->progress = now;
        if (strcmp(topic, CLONE_TOPIC_END) == 0)
                return snapshot_end(c, body, size, now);
        if (strcmp(topic, CLONE_TOPIC_ERROR) == 0) {
                Interim__SnapshotError *e = interim__snapshot_error__unpack(NULL, size, body);
                if (!e)
                        return -EBADMSG;
                if (ret_error)
                        *ret_error = strdup(e->reason);
                interim__snapshot_error__free_unpacked(e, NULL);
                return -EPROTO;
        }
        Interim__Statistics *stats = interim__statistics__unpack(NULL, size, body);
        if (!stats)
                return -EBADMSG;
        /* Overlapping prefixes send a topic twice, the same statistics. */
        if (list_find(&c->snap, topic) != SIZE_MAX) {
                interim__statistics__free_unpacked(stats, NULL);
                return 0;
        }
        return list_push(&c->snap, topic, stats);
}

void clone_tick(Clone *c, int64_t now) {
        if (c->beating && c->state != CLONE_WAITING && now - c->beat >= CLONE_SILENT_BEATS * c->interval_ms) {
                snprintf(c->detail, sizeof(c->detail), "no heartbeat for %.1f s", (double)(now - c->beat) / 1000);
                fall_silent(c);
        } else if (c->state == CLONE_SYNCING && now - c->progress >= CLONE_SNAPSHOT_TIMEOUT_MS) {
                snprintf(c->detail, sizeof(c->detail), "no snapshot for %.1f s", (double)(now - c->progress) / 1000);
                resync(c, CLONE_NO_SNAPSHOT, now);
        }
}

int64_t clone_deadline(const Clone *c) {
        int64_t d = INT64_MAX;
        if (c->beating && c->state != CLONE_WAITING)
                d = c->beat + CLONE_SILENT_BEATS * c->interval_ms;
        if (c->state == CLONE_SYNCING && c->progress + CLONE_SNAPSHOT_TIMEOUT_MS < d)
                d = c->progress + CLONE_SNAPSHOT_TIMEOUT_MS;
        return d;
}

CloneState clone_state(const Clone *c) {
        return c->state;
}

size_t clone_count(const Clone *c) {
        return c->topics.n;
}

const char *clone_topic(const Clone *c, size_t i, const Interim__Statistics **ret_stats) {
        *ret_stats = c->topics.item[i].stats;
        return c->topics.item[i].name;
}
