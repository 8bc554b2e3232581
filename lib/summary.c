/* summary.c — recomputing one endpoint's published statistics from its table. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interim/summary.h"

int summary_init(Summary *s, const TrialSpec *spec, size_t endpoint, const ReportOptions *opt) {
        *s = (Summary){ .opt = *opt, .endpoint = endpoint, .n_arms = spec->n_arms,
                        .n_strata = spec->n_strata ? spec->n_strata : 1 };
        if (endpoint >= spec->n_endpoints || opt->n_landmarks > REPORT_MAX_LANDMARKS || !(opt->conf_level > 0) ||
            !(opt->conf_level < 1) || opt->rmst_tau < 0)
                return -EINVAL;
        s->has_competing = spec->endpoints[endpoint].competing != 0;
        s->arm = calloc(s->n_arms + 1, sizeof(*s->arm));
        s->rmst_diff = calloc(s->n_arms, sizeof(*s->rmst_diff));
        s->changed = calloc(s->n_strata * s->n_arms, sizeof(*s->changed));
        if (!s->arm || !s->rmst_diff || !s->changed)
                goto nomem;
        for (size_t a = 0; a <= s->n_arms; a++) {
                km_init(&s->arm[a].curve);
                km_init(&s->arm[a].reverse);
                cif_init(&s->arm[a].cif);
        }
        gray_init(&s->gray_work);
        if (logrank_init(&s->logrank, s->n_arms) < 0 || survtable_init(&s->table, s->n_strata, s->n_arms) < 0)
                goto nomem;
        if (s->n_arms >= 2 && cox_init(&s->cox, s->n_arms) < 0)
                goto nomem;
        return 0;
nomem:
        summary_deinit(s);
        return -ENOMEM;
}

int summary_set_design(Summary *s, const GsdDesign *design) {
        monitoring_deinit(&s->monitoring);
        int r = monitoring_init(&s->monitoring, design, s->n_arms, s->opt.stratified);
        s->monitored = r == 0;
        s->source = NULL; /* the next refresh monitors from scratch */
        return r;
}

void summary_deinit(Summary *s) {
        if (!s)
                return;
        for (size_t a = 0; s->arm && a <= s->n_arms; a++) {
                km_deinit(&s->arm[a].curve);
                km_deinit(&s->arm[a].reverse);
                cif_deinit(&s->arm[a].cif);
        }
        gray_deinit(&s->gray_work);
        free(s->arm);
        free(s->rmst_diff);
        free(s->changed);
        logrank_deinit(&s->logrank);
        cox_deinit(&s->cox);
        monitoring_deinit(&s->monitoring);
        survtable_deinit(&s->table);
        *s = (Summary){ 0 };
}

/* Copies a sealed table into dst, growing it only when src has more rows than ever before. */
static int table_copy(SurvTable *dst, const SurvTable *src) {
        if (dst->n_strata != src->n_strata || dst->n_arms != src->n_arms)
                return -EINVAL;
        size_t cells = src->n_strata * src->n_arms;
        survtable_clear(dst);
        for (size_t i = 0; i < src->n_times; i++) {
                uint32_t *row, *risk;
                int r = survtable_push(dst, src->time[i], src->count + i * cells * OUTCOME_KINDS, &row, &risk);
                if (r < 0)
                        return r;
                memcpy(risk, src->n_risk + i * cells, cells * sizeof(*risk));
                survtable_margins(dst, i);
        }
        memcpy(dst->n_start, src->n_start, cells * sizeof(*dst->n_start));
        return 0;
}

/*
 * Counts and Kaplan–Meier statistics of one arm (or SURV_ALL), for the change map
 * changed (NULL: from scratch).
 */
static int arm_compute(Summary *s, int arm, const int32_t *changed, ArmSummary *ret) {
        static const double probs[3] = { 0.25, 0.5, 0.75 };
        const SurvTable *t = &s->table;
        int32_t from = survtable_first_change(changed, survtable_cells(t, arm, SURV_ALL));
        if (from == SURV_UNCHANGED)
                return 0;
        int r = changed ? km_update(&ret->curve, t, changed)
                        : km_fit(&ret->curve, t, arm, SURV_ALL, KM_SURVIVAL, s->opt.ci, s->opt.conf_level);
        if (r < 0)
                return r;
        /* Only the median of the reverse curve is published: no limits to compute. */
        r = changed ? km_update(&ret->reverse, t, changed)
                    : km_fit(&ret->reverse, t, arm, SURV_ALL, KM_REVERSE, KM_CONF_NONE, s->opt.conf_level);
        if (r < 0)
                return r;
        ret->n = ret->curve.n;
        ret->events = ret->curve.n_events;
        ret->censored = ret->reverse.n_events;
        ret->competing = ret->n - ret->events - ret->censored;

        KmQuantile q[3];
        r = km_quantiles(&ret->curve, 3, probs, q);
        if (r < 0)
                return r;
        ret->q25 = q[0];
        ret->median = q[1];
        ret->q75 = q[2];
        for (size_t l = 0; l < s->opt.n_landmarks; l++) {
                r = km_landmark(&ret->curve, s->opt.landmarks[l], &ret->landmark[l]);
                if (r < 0)
                        return r;
        }
        /* The restricted mean reads only the rows up to tau. */
        if (s->opt.rmst_tau > 0 && (!changed || from <= s->opt.rmst_tau) &&
            (r = km_rmst(&ret->curve, s->opt.rmst_tau, &ret->rmst)) < 0)
                return r;
        r = km_quantiles(&ret->reverse, 1, &probs[1], &ret->followup);
        if (r < 0)
                return r;
        if (!s->has_competing)
                return 0;
        return changed ? cif_update(t, changed, &ret->cif) : cif_estimate(t, arm, &ret->cif);
}

/* The Cox model and Gray's test (set when two or more arms have patients), for the change map changed. */
static int compare(Summary *s, const int32_t *changed) {
        CoxOptions cox = { .ties = s->opt.ties, .stratified = s->opt.stratified, .conf_level = s->opt.conf_level };
        int r = cox_update(&s->cox, &s->table, &cox, changed);
        if (r == 0 && s->has_competing)
                r = gray_update(&s->table, s->opt.stratified, 0, changed, &s->gray_work, &s->gray);
        return r;
}

/* compare() as a job for the worker: it writes only the fields of those two. */
typedef struct CompareJob {
        Summary *s;
        const int32_t *changed;
} CompareJob;

static int compare_job(void *arg) {
        const CompareJob *job = arg;
        return compare(job->s, job->changed);
}

/* Arms of table t with patients. */
static size_t arms_with_patients(const SurvTable *t) {
        size_t n = 0;
        for (size_t a = 0; a < t->n_arms; a++) {
                uint32_t patients = 0;
                for (size_t st = 0; st < t->n_strata; st++)
                        patients += survtable_size(t, st, a);
                n += patients > 0;
        }
        return n;
}

/*
 * Every statistic from s->table and the looks, redoing what the change map changed
 * reaches (NULL: everything).  With a worker, the Cox model and Gray's test run on it
 * while this thread computes the arms, the log-rank test and the monitoring.
 */
static int compute(Summary *s, const int32_t *changed, const TrialLook *looks, size_t n_looks) {
        int32_t from = survtable_first_change(changed, survtable_cells(&s->table, SURV_ALL, SURV_ALL));
        /* The comparisons' workspaces hold the last table compared, maybe older than the last one computed. */
        bool was_compared = s->compared;
        s->compared = arms_with_patients(&s->table) >= 2;
        bool comparing = s->compared && from != SURV_UNCHANGED;
        CompareJob job = { .s = s, .changed = was_compared ? changed : NULL };
        if (comparing && s->worker)
                worker_run(s->worker, compare_job, &job);
        int r = 0;
        for (size_t a = 0; a <= s->n_arms && r == 0; a++)
                r = arm_compute(s, a < s->n_arms ? (int)a : SURV_ALL, changed, &s->arm[a]);
        if (r == 0 && comparing)
                r = logrank_update(&s->logrank, &s->table, s->opt.stratified, job.changed);
        if (r == 0 && s->monitored && (from != SURV_UNCHANGED || n_looks != s->n_looks)) {
                s->n_looks = n_looks;
                r = monitoring_update(&s->monitoring, &s->table, changed, looks, n_looks, s->endpoint);
        }
        int compared = !comparing ? 0 : s->worker ? worker_wait(s->worker) : r == 0 ? compare(s, job.changed) : 0;
        if (r < 0 || compared < 0)
                return r < 0 ? r : compared;
        for (size_t a = 1; comparing && s->opt.rmst_tau > 0 && a < s->n_arms; a++) {
                r = km_rmst_diff(&s->arm[a].rmst, &s->arm[0].rmst, s->opt.conf_level, &s->rmst_diff[a]);
                if (r < 0)
                        return r;
        }
        return 0;
}

void summary_set_worker(Summary *s, Worker *w) {
        s->worker = w;
}

int summary_compute(Summary *s, const SurvTable *t, const TrialLook *looks, size_t n_looks) {
        s->source = NULL;
        int r = table_copy(&s->table, t);
        return r < 0 ? r : compute(s, NULL, looks, n_looks);
}

int summary_refresh(Summary *s, const Trial *trial) {
        const RiskSet *rs = trial_riskset(trial, s->endpoint);
        if (!rs)
                return -EINVAL;
        bool reuse = s->source == rs;
        s->source = NULL; /* until every statistic is up to date */
        uint64_t generation = rs->generation;
        int r = reuse ? riskset_update(rs, s->generation, &s->table, s->changed) : riskset_table(rs, &s->table);
        if (r < 0)
                return r;
        size_t n_looks;
        const TrialLook *looks = trial_looks(trial, &n_looks);
        r = compute(s, reuse ? s->changed : NULL, looks, n_looks);
        if (r < 0)
                return r;
        s->source = rs;
        s->generation = generation;
        return 0;
}
