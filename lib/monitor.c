/* monitor.c — feeding the group-sequential module each comparison's events and log-rank z, at looks and now. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interim/monitor.h"

int monitoring_init(Monitoring *m, const GsdDesign *design, size_t n_arms, bool stratified) {
        *m = (Monitoring){ .design = *design, .stratified = stratified, .n_comparisons = n_arms - 1 };
        if (n_arms < 2 || gsd_design_check(design) < 0)
                return -EINVAL;
        m->cmp = calloc(m->n_comparisons, sizeof(*m->cmp));
        if (!m->cmp)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_comparisons; i++) {
                m->cmp[i] = (Comparison){ .arm = i + 1, .n_looks = SIZE_MAX }; /* built on first update */
                if (logrank_init(&m->cmp[i].logrank, 2) < 0) {
                        monitoring_deinit(m);
                        return -ENOMEM;
                }
        }
        return 0;
}

void monitoring_deinit(Monitoring *m) {
        if (!m)
                return;
        for (size_t i = 0; m->cmp && i < m->n_comparisons; i++) {
                gsd_monitor_free(m->cmp[i].monitor);
                logrank_deinit(&m->cmp[i].logrank);
        }
        free(m->cmp);
        *m = (Monitoring){ 0 };
}

/* Events of the comparison of arm with arm 0 in a table. */
static double comparison_events(const SurvTable *t, size_t arm) {
        double d = 0;
        for (size_t i = 0; i < t->n_times; i++)
                for (size_t s = 0; s < t->n_strata; s++)
                        d += survtable_counts(t, i, s, 0)[OUTCOME_EVENT] + survtable_counts(t, i, s, arm)[OUTCOME_EVENT];
        return d;
}

/*
 * Rebuilds a comparison's monitor from the looks that are analyses: each with more
 * events than the analysis before it (the first with any), none after an analysis that
 * reached the planned events, and each with a z.  Returns 0, or -ENOMEM.
 */
static int rebuild(Monitoring *m, Comparison *c, const TrialLook *looks, size_t endpoint) {
        double events[GSD_MAX_LOOKS], z[GSD_MAX_LOOKS];
        size_t n = 0;
        gsd_monitor_free(c->monitor);
        c->monitor = NULL;
        for (size_t i = 0; i < m->n_looks; i++) {
                const SurvTable *t = &looks[i].tables[endpoint];
                LogRankZ lz;
                c->look_events[i] = comparison_events(t, c->arm);
                c->look_z[i] = logrank_z(t, c->arm, 0, m->stratified, &lz) == 0 ? lz.z : NAN;
                double before = n > 0 ? events[n - 1] : 0;
                bool analysis = c->look_events[i] > before && before < m->design.planned_events &&
                                isfinite(c->look_z[i]);
                c->look_analysis[i] = analysis ? n : MONITORING_NO_ANALYSIS;
                if (analysis) {
                        events[n] = c->look_events[i];
                        z[n++] = c->look_z[i];
                }
        }
        c->n_looks = m->n_looks;
        c->state_events = 0;
        int r = gsd_monitor_new(&c->monitor, &m->design, n, events, z);
        return r == -ENOMEM ? r : 0;
}

int monitoring_update(Monitoring *m, const SurvTable *now, const int32_t *changed, const TrialLook *looks,
                      size_t n_looks, size_t endpoint) {
        /*
         * Up to GSD_MAX_LOOKS recorded looks are monitored (rpact's kMax); a look now and a
         * final look need room too, and gsd_monitor_state() says when there is none: the
         * recorded looks keep their bounds then.
         */
        bool usable = n_looks <= GSD_MAX_LOOKS;
        if (usable && n_looks != m->n_looks) {
                m->n_looks = n_looks;
                for (size_t i = 0; i < n_looks; i++) {
                        m->look_number[i] = looks[i].number;
                        m->look_cut[i] = looks[i].cut;
                }
        }
        for (size_t i = 0; i < m->n_comparisons; i++) {
                Comparison *c = &m->cmp[i];
                c->valid = false;
                c->looks_valid = false;
                /* Every update goes through the log-rank, whose sums follow the table. */
                int r = logrank_z_update(&c->logrank, now, c->arm, 0, m->stratified, changed, &c->now);
                if (r < 0)
                        return r;
                c->events = c->logrank.observed[0] + c->logrank.observed[1];
                if (!usable)
                        continue;
                if (c->n_looks != m->n_looks && (r = rebuild(m, c, looks, endpoint)) < 0)
                        return r;
                if (!c->monitor)
                        continue;
                /* After a final analysis the monitoring state is that analysis's. */
                double events = c->events, z = c->now.z;
                for (size_t k = c->n_looks; k-- > 0;)
                        if (c->look_analysis[k] != MONITORING_NO_ANALYSIS) {
                                if (c->look_events[k] >= m->design.planned_events) {
                                        events = c->look_events[k];
                                        z = c->look_z[k];
                                }
                                break;
                        }
                r = events <= 0 || isnan(z)           ? -EINVAL
                    : events == c->state_events ? gsd_monitor_restate(c->monitor, events, z, &c->state)
                                                : gsd_monitor_state(c->monitor, events, z, &c->state);
                c->valid = r == 0;
                c->state_events = c->valid ? events : 0;
                /*
                 * Without a look now (no events, no z, or fewer events than at the last look
                 * since a retraction), the recorded looks still have their bounds.
                 */
                c->looks_valid = c->valid || gsd_monitor_looks(c->monitor, &c->state) == 0;
        }
        return 0;
}
