/* topics.c — each trial endpoint's topic: refreshed and encoded when due, its sequence numbers kept ahead in the store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "topics.h"

static void topic_deinit(Topic *t) {
        free(t->name);
        summary_deinit(&t->summary);
        zmq_msg_close(&t->full);
        zmq_msg_close(&t->pooled);
}

void topics_free(Topics *ts) {
        if (!ts)
                return;
        for (size_t i = 0; i < ts->n; i++)
                topic_deinit(&ts->topic[i]);
        free(ts->topic);
        free(ts->updated);
        statsmsg_deinit(&ts->msg);
        free(ts);
}

static const Topic *topics_find(const Topics *ts, const char *name) {
        for (size_t i = 0; ts && i < ts->n; i++)
                if (strcmp(ts->topic[i].name, name) == 0)
                        return &ts->topic[i];
        return NULL;
}

static int topic_init(Topic *t, const TrialConfig *tc, size_t trial, size_t endpoint, Store *store,
                      Worker *worker, const Topics *previous) {
        *t = (Topic){ .trial = trial, .endpoint = endpoint };
        zmq_msg_init(&t->full);
        zmq_msg_init(&t->pooled);
        if (asprintf(&t->name, "%s/%s", tc->spec.name, tc->spec.endpoints[endpoint].name) < 0) {
                t->name = NULL;
                return -ENOMEM;
        }
        int r = summary_init(&t->summary, &tc->spec, endpoint, &tc->report);
        if (r == 0 && tc->has_design && tc->design.endpoint == endpoint)
                r = summary_set_design(&t->summary, &tc->design.gsd);
        if (r < 0)
                return r;
        summary_set_worker(&t->summary, worker);
        const Topic *before = topics_find(previous, t->name);
        if (before) {
                t->seq = before->seq;
                t->seq_stored = before->seq_stored;
                return 0;
        }
        int64_t stored;
        r = store_topic_seq(store, t->name, &stored);
        t->seq = t->seq_stored = (uint64_t)stored;
        return r;
}

int topics_new(Topics **ret, const Config *c, const Trials *trials, Store *store, Worker *worker,
               const Topics *previous) {
        Topics *ts = calloc(1, sizeof(*ts));
        if (!ts)
                return -ENOMEM;
        statsmsg_init(&ts->msg);
        size_t n = 0;
        for (size_t i = 0; i < trials->n; i++)
                n += c->trials[i].spec.n_endpoints;
        ts->topic = calloc(n, sizeof(*ts->topic));
        ts->updated = calloc(n, sizeof(*ts->updated));
        int r = ts->topic && ts->updated ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < trials->n; i++)
                for (size_t e = 0; r == 0 && e < c->trials[i].spec.n_endpoints; e++) {
                        r = topic_init(&ts->topic[ts->n], &c->trials[i], i, e, store, worker, previous);
                        ts->n++;
                }
        if (r < 0) {
                topics_free(ts);
                return r;
        }
        *ret = ts;
        return 0;
}

void topics_mark(Topics *ts, const uint32_t *changed, int64_t now, int64_t interval) {
        for (size_t i = 0; i < ts->n; i++) {
                Topic *t = &ts->topic[i];
                if (!t->changed && (changed[t->trial] >> t->endpoint & 1)) {
                        int64_t next = t->published_at + interval;
                        t->changed = true;
                        t->due = next > now ? next : now;
                }
        }
}

void topics_expedite(Topics *ts, int64_t now) {
        for (size_t i = 0; i < ts->n; i++)
                if (ts->topic[i].changed && ts->topic[i].due > now)
                        ts->topic[i].due = now;
}

int64_t topics_next_due(const Topics *ts) {
        int64_t next = INT64_MAX;
        for (size_t i = 0; i < ts->n; i++)
                if (ts->topic[i].changed && ts->topic[i].due < next)
                        next = ts->topic[i].due;
        return next;
}

/* Writes the seqs of the topics in `list` that would pass their stored bound, in one transaction. */
static int store_ahead(Topic *const *list, size_t n, Store *store) {
        bool begun = false;
        int r = 0;
        for (size_t i = 0; r == 0 && i < n; i++) {
                Topic *t = list[i];
                if (t->seq < t->seq_stored)
                        continue;
                if (!begun && (r = store_begin(store)) == 0)
                        begun = true;
                if (r == 0)
                        r = store_set_topic_seq(store, t->name, (int64_t)(t->seq + TOPIC_SEQ_AHEAD));
        }
        if (!begun)
                return r;
        if (r < 0) {
                store_rollback(store);
                return r;
        }
        r = store_commit(store);
        /* Only once the store holds them may the numbers go out. */
        for (size_t i = 0; r == 0 && i < n; i++)
                if (list[i]->seq >= list[i]->seq_stored)
                        list[i]->seq_stored = list[i]->seq + TOPIC_SEQ_AHEAD;
        return r;
}

/* Encodes the topic's summary in one form into a new zmq message. */
static int encode(Topics *ts, const Topic *t, const Trial *trial, int32_t today, StatsForm form, zmq_msg_t *ret) {
        Interim__Statistics *msg;
        int r = statsmsg_build(&ts->msg, trial_spec(trial), t->endpoint, &t->summary, t->seq, today, form, &msg);
        return r < 0 ? r : frames_pack(&msg->base, ret);
}

/* Refreshes one topic from its trial and encodes it under the next seq, published at now (ms, monotonic). */
static int topic_update(Topics *ts, Topic *t, const Trial *trial, int64_t now, int32_t today) {
        zmq_msg_t full, pooled;
        int r = summary_refresh(&t->summary, trial);
        if (r < 0)
                return r;
        t->seq++;
        r = encode(ts, t, trial, today, STATS_ARM_LEVEL, &full);
        if (r < 0)
                goto fail;
        r = encode(ts, t, trial, today, STATS_POOLED, &pooled);
        if (r < 0) {
                zmq_msg_close(&full);
                goto fail;
        }
        /* Moving releases the last publication's content (snapshots being sent keep their share). */
        zmq_msg_move(&t->full, &full);
        zmq_msg_move(&t->pooled, &pooled);
        zmq_msg_close(&full);
        zmq_msg_close(&pooled);
        t->published = true;
        t->published_at = now;
        t->changed = false;
        return 0;
fail:
        /* Not published: the number is used by the next attempt. */
        t->seq--;
        return r;
}

int topics_update(Topics *ts, const Trials *trials, Store *store, int64_t now, int32_t today) {
        ts->n_updated = 0;
        for (size_t i = 0; i < ts->n; i++) {
                Topic *t = &ts->topic[i];
                if (!t->published || (t->changed && t->due <= now))
                        ts->updated[ts->n_updated++] = t;
        }
        int r = store_ahead(ts->updated, ts->n_updated, store);
        for (size_t i = 0; r == 0 && i < ts->n_updated; i++)
                r = topic_update(ts, ts->updated[i], trials->trial[ts->updated[i]->trial], now, today);
        if (r < 0)
                ts->n_updated = 0;
        return r;
}

int topics_store_seqs(const Topics *ts, Store *store) {
        int r = store_begin(store);
        for (size_t i = 0; r == 0 && i < ts->n; i++)
                r = store_set_topic_seq(store, ts->topic[i].name, (int64_t)ts->topic[i].seq);
        if (r < 0) {
                store_rollback(store);
                return r;
        }
        return store_commit(store);
}
