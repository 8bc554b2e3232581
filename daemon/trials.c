/* trials.c — the live trials: created from the configuration, rebuilt by replaying the store. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "trials.h"

/*
 * The trials of c: each running's trial whose definition is unchanged when running is
 * set (then marked in kept), else a new one.  Returns 0 or a negative errno.
 */
static int trials_make(Trials **ret, const Config *c, const Trials *running) {
        Trials *ts = calloc(1, sizeof(*ts));
        if (!ts)
                return -ENOMEM;
        ts->trial = calloc(c->n_trials, sizeof(*ts->trial));
        if (running)
                ts->kept = calloc(c->n_trials, sizeof(*ts->kept));
        if (!ts->trial || (running && !ts->kept)) {
                trials_free(ts);
                return -ENOMEM;
        }
        for (; ts->n < c->n_trials; ts->n++) {
                const TrialSpec *spec = &c->trials[ts->n].spec;
                size_t from;
                Trial *t = running ? trials_find(running, spec->name, &from) : NULL;
                if (t && trial_spec_equal(trial_spec(t), spec)) {
                        ts->trial[ts->n] = t;
                        ts->kept[ts->n] = true;
                        continue;
                }
                int r = trial_new(&ts->trial[ts->n], spec);
                if (r < 0) {
                        trials_free(ts);
                        return r;
                }
        }
        *ret = ts;
        return 0;
}

int trials_new(Trials **ret, const Config *c) {
        return trials_make(ret, c, NULL);
}

void trials_free(Trials *ts) {
        if (!ts)
                return;
        for (size_t i = 0; i < ts->n; i++)
                if (!ts->kept || !ts->kept[i])
                        trial_free(ts->trial[i]);
        free(ts->trial);
        free(ts->kept);
        free(ts);
}

Trial *trials_find(const Trials *ts, const char *name, size_t *ret_index) {
        for (size_t i = 0; i < ts->n; i++)
                if (strcmp(trial_spec(ts->trial[i])->name, name) == 0) {
                        *ret_index = i;
                        return ts->trial[i];
                }
        return NULL;
}

typedef struct Replay {
        Trials *trials;
        Store *store;
        size_t n;
        char *error;
        bool row_failed; /* a row's replay failed, not the store (the error says why, unless memory ran out) */
} Replay;

__attribute__((format(printf, 3, 4))) static int replay_fail(Replay *rp, const StoreEvent *row, const char *fmt, ...) {
        char why[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        if (asprintf(&rp->error, "event %" PRId64 " (site %s, site_seq %" PRId64 "): %s", row->store_seq, row->site,
                     row->site_seq, why) < 0)
                rp->error = NULL;
        return -EBADMSG;
}

static int replay_row(const StoreEvent *row, void *userdata) {
        Replay *rp = userdata;
        StoredEvent e = { 0 }, target = { 0 };
        size_t index;
        int r = event_load(row, &e);
        if (r < 0) {
                r = r == -EBADMSG ? replay_fail(rp, row, "the stored payload is not a valid Event") : r;
                goto done;
        }
        /* A reload picks a trial's events by this column: it must say what the Event says. */
        if (strcmp(row->trial, e.event->trial) != 0) {
                r = replay_fail(rp, row, "its trial column (%s) is not its Event's trial (%s)", row->trial,
                                e.event->trial);
                goto done;
        }
        Trial *t = trials_find(rp->trials, e.event->trial, &index);
        if (!t) {
                r = replay_fail(rp, row, "trial %s is not in the configuration", e.event->trial);
                goto done;
        }
        if (e.parsed.action == ACTION_RETRACT) {
                r = store_get(rp->store, row->retracts, event_load, &target);
                if (r == 0 || r == -EBADMSG)
                        r = replay_fail(rp, row, "the retracted event %" PRId64 " is missing or damaged", row->retracts);
                if (r < 0)
                        goto done;
        }
        r = event_apply(t, &e.parsed, &target.parsed, event_today(row->server_time));
        if (r > 0)
                r = replay_fail(rp, row, "refused on replay: %s", trial_reject_str((TrialReject)r));
        if (r == 0)
                rp->n++;
done:
        rp->row_failed = r < 0;
        stored_event_deinit(&e);
        stored_event_deinit(&target);
        return r;
}

/*
 * Replays the store into ts: every trial's events, or (wanted set) only those of the
 * n_wanted trials named in wanted, picked out by the rows' trial column, which is their
 * Event's trial.
 */
static int replay(Trials *ts, const char *const *wanted, size_t n_wanted, Store *store, size_t *ret_n,
                  char **ret_error) {
        Replay rp = { .trials = ts, .store = store };
        *ret_error = NULL;
        int r = wanted ? store_replay_trials(store, wanted, n_wanted, replay_row, &rp)
                       : store_replay(store, replay_row, &rp);
        if (r < 0) {
                /* Not a row's fault: the store's, whose own words say what. */
                if (!rp.row_failed && asprintf(&rp.error, "%s (store: %s)", strerror(-r), store_error(store)) < 0)
                        rp.error = NULL;
                *ret_error = rp.error;
                return r;
        }
        *ret_n = rp.n;
        return 0;
}

int trials_replay(Trials *ts, Store *store, size_t *ret_n, char **ret_error) {
        return replay(ts, NULL, 0, store, ret_n, ret_error);
}

int trials_reload(Trials **ret, const Trials *running, const Config *next, Store *store, size_t *ret_n,
                  char **ret_error) {
        Trials *ts;
        *ret_error = NULL;
        *ret_n = 0;
        int r = trials_make(&ts, next, running);
        if (r < 0)
                return r;
        const char **rebuilt = calloc(ts->n, sizeof(*rebuilt));
        if (!rebuilt) {
                trials_free(ts);
                return -ENOMEM;
        }
        /* A trial not kept that runs now was given endpoints; one that does not is new, and has no events. */
        size_t n_rebuilt = 0, from;
        for (size_t i = 0; i < ts->n; i++) {
                const char *name = next->trials[i].spec.name;
                if (!ts->kept[i] && trials_find(running, name, &from))
                        rebuilt[n_rebuilt++] = name;
        }
        if (n_rebuilt > 0)
                r = replay(ts, rebuilt, n_rebuilt, store, ret_n, ret_error);
        free(rebuilt);
        if (r < 0) {
                trials_free(ts);
                return r;
        }
        *ret = ts;
        return 0;
}

void trials_adopt(Trials *next, Trials *running) {
        for (size_t i = 0; next->kept && i < next->n; i++)
                for (size_t j = 0; next->kept[i] && j < running->n; j++)
                        if (running->trial[j] == next->trial[i])
                                running->trial[j] = NULL;
        free(next->kept);
        next->kept = NULL;
}
