/* reload.c — which trial definitions of a configuration read again may replace the running ones. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reload.h"

/* Why next cannot replace the running definition old, or NULL when it can. */
static const char *incompatible(const TrialSpec *old, const TrialSpec *next, char *buf, size_t size) {
        if (!trial_names_equal(old->arms, old->n_arms, next->arms, next->n_arms))
                return "its arms changed";
        if (!trial_names_equal(old->strata, old->n_strata, next->strata, next->n_strata))
                return "its strata changed";
        for (size_t e = 0; e < old->n_endpoints; e++) {
                const EndpointSpec *o = &old->endpoints[e];
                const EndpointSpec *n = e < next->n_endpoints ? &next->endpoints[e] : NULL;
                if (!n || strcmp(o->name, n->name) != 0 || o->events != n->events || o->competing != n->competing) {
                        snprintf(buf, size, "endpoint %s was removed, moved or changed (new endpoints go after the others)",
                                 o->name);
                        return buf;
                }
        }
        return NULL;
}

static const TrialConfig *find(const Config *c, const char *name) {
        for (size_t i = 0; i < c->n_trials; i++)
                if (strcmp(c->trials[i].spec.name, name) == 0)
                        return &c->trials[i];
        return NULL;
}

/* Replaces next's definition in slot by a copy of the running one. */
static int keep(TrialConfig *slot, const TrialConfig *running) {
        TrialConfig copy;
        int r = config_trial_copy(&copy, running);
        if (r < 0)
                return r;
        config_trial_deinit(slot);
        *slot = copy;
        return 0;
}

/* Appends a copy of a running trial that next no longer has. */
static int append(Config *next, const TrialConfig *running) {
        TrialConfig *trials = realloc(next->trials, (next->n_trials + 1) * sizeof(*trials));
        if (!trials)
                return -ENOMEM;
        next->trials = trials;
        int r = config_trial_copy(&trials[next->n_trials], running);
        if (r == 0)
                next->n_trials++;
        return r;
}

int reload_merge(const Config *c, Config *next) {
        char buf[256];
        int r = 0;
        for (size_t i = 0; r == 0 && i < next->n_trials; i++) {
                TrialConfig *t = &next->trials[i];
                const TrialConfig *running = find(c, t->spec.name);
                const char *why = running ? incompatible(&running->spec, &t->spec, buf, sizeof(buf)) : NULL;
                if (why) {
                        log_error("reload: trial %s refused, %s; it stays as it was", t->spec.name, why);
                        r = keep(t, running);
                } else if (!running)
                        log_notice("reload: trial %s added", t->spec.name);
                else
                        for (size_t e = running->spec.n_endpoints; e < t->spec.n_endpoints; e++)
                                log_notice("reload: endpoint %s %s added", t->spec.name, t->spec.endpoints[e].name);
        }
        for (size_t i = 0; r == 0 && i < c->n_trials; i++)
                if (!find(next, c->trials[i].spec.name)) {
                        log_error("reload: trial %s is no longer in the file; it stays (its events are in the store)",
                                  c->trials[i].spec.name);
                        r = append(next, &c->trials[i]);
                }
        return r;
}
