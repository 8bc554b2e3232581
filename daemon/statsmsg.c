/* statsmsg.c — building the Statistics message of one trial endpoint from its Summary, one block per function. */
#include <errno.h>
#include <math.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>

#include "interim/date.h"
#include "statsmsg.h"

/* ---- the workspace: a bump allocator reset by each build ---- */

#define ALIGNMENT alignof(max_align_t)

void statsmsg_init(StatsMsg *m) {
        *m = (StatsMsg){ 0 };
}

static void extra_free(StatsMsg *m) {
        for (size_t i = 0; i < m->n_extra; i++)
                free(m->extra[i]);
        m->n_extra = 0;
}

void statsmsg_deinit(StatsMsg *m) {
        if (!m)
                return;
        extra_free(m);
        free(m->extra);
        free(m->base);
        *m = (StatsMsg){ 0 };
}

/* Forgets the last message; if it did not fit in the block, the block grows to what it needed. */
static void start(StatsMsg *m) {
        extra_free(m);
        if (m->wanted > m->size) {
                free(m->base);
                m->base = malloc(m->wanted);
                m->size = m->base ? m->wanted : 0;
        }
        m->used = 0;
        m->wanted = 0;
}

/* n bytes (n > 0) for this build, or NULL. */
static void *alloc(StatsMsg *m, size_t n) {
        n = (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        m->wanted += n;
        if (n <= m->size - m->used) {
                void *p = m->base + m->used;
                m->used += n;
                return p;
        }
        if (m->n_extra == m->cap_extra) {
                size_t cap = m->cap_extra ? 2 * m->cap_extra : 16;
                void **extra = realloc(m->extra, cap * sizeof(*extra));
                if (!extra)
                        return NULL;
                m->extra = extra;
                m->cap_extra = cap;
        }
        void *p = malloc(n);
        if (p)
                m->extra[m->n_extra++] = p;
        return p;
}

/*
 * Allocates n messages and the array of pointers to them that a repeated field holds;
 * the caller initialises each message.  Returns false when out of memory.
 */
#define ALLOC_REPEATED(m, n, items, ptrs)                                                    \
        ((n) == 0 || (((items) = alloc((m), (n) * sizeof(*(items)))) != NULL &&              \
                      ((ptrs) = alloc((m), (n) * sizeof(*(ptrs)))) != NULL))

/* An optional number of the wire: absent where the library gives NaN (R's NA). */
#define SET_OPTIONAL(msg, field, value)                   \
        do {                                              \
                double v_ = (value);                      \
                (msg)->has_##field = !isnan(v_);          \
                (msg)->field = isnan(v_) ? 0 : v_;        \
        } while (0)

/* A number that may be infinite (a bound with no alpha left): absent unless finite. */
#define SET_FINITE(msg, field, value)                     \
        do {                                              \
                double v_ = (value);                      \
                (msg)->has_##field = isfinite(v_);        \
                (msg)->field = isfinite(v_) ? v_ : 0;     \
        } while (0)

/* ---- the blocks of an arm ---- */

static Interim__Interval *interval_block(StatsMsg *m, const KmQuantile *q) {
        Interim__Interval *i = alloc(m, sizeof(*i));
        if (!i)
                return NULL;
        *i = (Interim__Interval)INTERIM__INTERVAL__INIT;
        SET_OPTIONAL(i, estimate, q->time);
        SET_OPTIONAL(i, lower, q->lower);
        SET_OPTIONAL(i, upper, q->upper);
        return i;
}

static Interim__Quartiles *quartiles_block(StatsMsg *m, const ArmSummary *a) {
        Interim__Quartiles *q = alloc(m, sizeof(*q));
        if (!q)
                return NULL;
        *q = (Interim__Quartiles)INTERIM__QUARTILES__INIT;
        q->q25 = interval_block(m, &a->q25);
        q->q75 = interval_block(m, &a->q75);
        return q->q25 && q->q75 ? q : NULL;
}

static int curve_block(StatsMsg *m, const KmCurve *c, Interim__ArmStatistics *ret) {
        Interim__CurvePoint *rows = NULL, **ptrs = NULL;
        if (!ALLOC_REPEATED(m, c->n_rows, rows, ptrs))
                return -ENOMEM;
        for (size_t i = 0; i < c->n_rows; i++) {
                Interim__CurvePoint *p = &rows[i];
                *p = (Interim__CurvePoint)INTERIM__CURVE_POINT__INIT;
                p->time = c->time[i];
                p->n_risk = c->n_risk[i];
                p->n_event = c->n_event[i];
                p->n_censor = c->n_censor[i];
                p->surv = c->surv[i];
                SET_OPTIONAL(p, std_err, c->std_err[i]);
                SET_OPTIONAL(p, lower, c->lower[i]);
                SET_OPTIONAL(p, upper, c->upper[i]);
                ptrs[i] = p;
        }
        ret->n_curve = c->n_rows;
        ret->curve = ptrs;
        return 0;
}

static int landmarks_block(StatsMsg *m, const ArmSummary *a, const ReportOptions *opt, Interim__ArmStatistics *ret) {
        Interim__LandmarkPoint *rows = NULL, **ptrs = NULL;
        if (!ALLOC_REPEATED(m, opt->n_landmarks, rows, ptrs))
                return -ENOMEM;
        for (size_t i = 0; i < opt->n_landmarks; i++) {
                Interim__LandmarkPoint *p = &rows[i];
                const KmLandmark *l = &a->landmark[i];
                *p = (Interim__LandmarkPoint)INTERIM__LANDMARK_POINT__INIT;
                p->time = opt->landmarks[i];
                p->n_risk = l->n_risk;
                SET_OPTIONAL(p, surv, l->surv);
                SET_OPTIONAL(p, std_err, l->std_err);
                SET_OPTIONAL(p, lower, l->lower);
                SET_OPTIONAL(p, upper, l->upper);
                ptrs[i] = p;
        }
        ret->n_landmarks = opt->n_landmarks;
        ret->landmarks = ptrs;
        return 0;
}

static Interim__Rmst *rmst_block(StatsMsg *m, const KmRmst *r) {
        Interim__Rmst *b = alloc(m, sizeof(*b));
        if (!b)
                return NULL;
        *b = (Interim__Rmst)INTERIM__RMST__INIT;
        b->tau = r->tau;
        SET_OPTIONAL(b, estimate, r->rmean);
        SET_OPTIONAL(b, std_err, r->std_err);
        return b;
}

static int cif_block(StatsMsg *m, const CifCurve *c, Interim__ArmStatistics *ret) {
        Interim__CifPoint *rows = NULL, **ptrs = NULL;
        if (!ALLOC_REPEATED(m, c->n, rows, ptrs))
                return -ENOMEM;
        for (size_t i = 0; i < c->n; i++) {
                Interim__CifPoint *p = &rows[i];
                *p = (Interim__CifPoint)INTERIM__CIF_POINT__INIT;
                p->time = c->time[i];
                SET_OPTIONAL(p, estimate, c->estimate[i]);
                SET_OPTIONAL(p, variance, c->variance[i]);
                ptrs[i] = p;
        }
        ret->n_cif = c->n;
        ret->cif = ptrs;
        return 0;
}

static Interim__ArmStatistics *arm_block(StatsMsg *m, const Summary *s, const ArmSummary *a, const char *name) {
        const ReportOptions *opt = &s->opt;
        Interim__ArmStatistics *b = alloc(m, sizeof(*b));
        if (!b)
                return NULL;
        *b = (Interim__ArmStatistics)INTERIM__ARM_STATISTICS__INIT;
        b->arm = (char *)name;
        b->n = a->n;
        b->events = a->events;
        b->censored = a->censored;
        b->competing = a->competing;
        SET_OPTIONAL(b, followup_median, a->followup.time);
        b->median = interval_block(m, &a->median);
        b->quartiles = quartiles_block(m, a);
        if (opt->rmst_tau > 0 && !(b->rmst = rmst_block(m, &a->rmst)))
                return NULL;
        if (!b->median || !b->quartiles || curve_block(m, &a->curve, b) < 0 || landmarks_block(m, a, opt, b) < 0)
                return NULL;
        if (s->has_competing && cif_block(m, &a->cif, b) < 0)
                return NULL;
        return b;
}

/* The arms of the message: each arm then the pooled one, or the pooled one alone. */
static int arms_block(StatsMsg *m, const TrialSpec *spec, const Summary *s, StatsForm form, Interim__Statistics *ret) {
        size_t first = form == STATS_POOLED ? s->n_arms : 0, n = s->n_arms + 1 - first;
        Interim__ArmStatistics **arms = alloc(m, n * sizeof(*arms));
        if (!arms)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                size_t a = first + i;
                arms[i] = arm_block(m, s, &s->arm[a], a < s->n_arms ? spec->arms[a] : STATS_POOLED_ARM);
                if (!arms[i])
                        return -ENOMEM;
        }
        ret->n_arms = n;
        ret->arms = arms;
        return 0;
}

/* ---- the comparisons (arm-level only) ---- */

static Interim__LogRankTest *logrank_block(StatsMsg *m, const Summary *s) {
        Interim__LogRankTest *b = alloc(m, sizeof(*b));
        if (!b)
                return NULL;
        *b = (Interim__LogRankTest)INTERIM__LOG_RANK_TEST__INIT;
        SET_OPTIONAL(b, chisq, s->logrank.chisq);
        b->df = s->logrank.df;
        SET_OPTIONAL(b, p, s->logrank.p);
        b->stratified = s->opt.stratified;
        return b;
}

/* Each arm after the control against it. */
static int rmst_diff_block(StatsMsg *m, const TrialSpec *spec, const Summary *s, Interim__Statistics *ret) {
        size_t n = s->n_arms - 1;
        Interim__RmstDiff *rows = NULL, **ptrs = NULL;
        if (!ALLOC_REPEATED(m, n, rows, ptrs))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const KmRmstDiff *d = &s->rmst_diff[i + 1];
                Interim__RmstDiff *p = &rows[i];
                *p = (Interim__RmstDiff)INTERIM__RMST_DIFF__INIT;
                p->arm = spec->arms[i + 1];
                SET_OPTIONAL(p, diff, d->diff);
                SET_OPTIONAL(p, lower, d->lower);
                SET_OPTIONAL(p, upper, d->upper);
                SET_OPTIONAL(p, p, d->p);
                ptrs[i] = p;
        }
        ret->n_rmst_diff = n;
        ret->rmst_diff = ptrs;
        return 0;
}

/*
 * The Cox model.  Its terms are arms against the control; while the control has no
 * patients R's fit makes the first other arm their reference, so the terms are listed
 * without numbers (the model's tests stand: they compare the arms there are).
 */
static Interim__Cox *cox_block(StatsMsg *m, const TrialSpec *spec, const Summary *s) {
        const CoxFit *f = &s->cox;
        bool against_control = s->arm[0].n > 0;
        Interim__Cox *b = alloc(m, sizeof(*b));
        Interim__CoxTerm *rows = NULL, **ptrs = NULL;
        if (!b || !ALLOC_REPEATED(m, f->n_terms, rows, ptrs))
                return NULL;
        *b = (Interim__Cox)INTERIM__COX__INIT;
        b->ties = s->opt.ties == COX_BRESLOW ? "breslow" : "efron";
        b->stratified = s->opt.stratified;
        SET_OPTIONAL(b, lr_p, f->lrt.p);
        SET_OPTIONAL(b, score_p, f->score.p);
        SET_OPTIONAL(b, wald_p, f->wald.p);
        b->has_converged = b->has_iterations = true;
        b->converged = f->converged;
        b->iterations = f->iter;
        for (size_t i = 0; i < f->n_terms; i++) {
                const CoxTerm *t = &f->term[i];
                Interim__CoxTerm *p = &rows[i];
                *p = (Interim__CoxTerm)INTERIM__COX_TERM__INIT;
                p->arm = spec->arms[i + 1];
                ptrs[i] = p;
                if (!against_control)
                        continue;
                SET_OPTIONAL(p, coef, t->coef);
                SET_OPTIONAL(p, se, t->se);
                SET_OPTIONAL(p, hr, t->hr);
                SET_OPTIONAL(p, lower, t->lower);
                SET_OPTIONAL(p, upper, t->upper);
                SET_OPTIONAL(p, p, t->p);
                p->has_may_be_infinite = true;
                p->may_be_infinite = t->infinite;
        }
        b->n_terms = f->n_terms;
        b->terms = ptrs;
        return b;
}

static Interim__GrayTest *gray_block(StatsMsg *m, const Summary *s) {
        Interim__GrayTest *b = alloc(m, sizeof(*b));
        if (!b)
                return NULL;
        *b = (Interim__GrayTest)INTERIM__GRAY_TEST__INIT;
        SET_OPTIONAL(b, stat, s->gray.stat);
        b->df = (int32_t)s->gray.df;
        SET_OPTIONAL(b, p, s->gray.p);
        return b;
}

static int comparisons_block(StatsMsg *m, const TrialSpec *spec, const Summary *s, Interim__Statistics *ret) {
        if (!s->compared)
                return 0;
        if (!(ret->logrank = logrank_block(m, s)) || !(ret->cox = cox_block(m, spec, s)))
                return -ENOMEM;
        if (s->has_competing && !(ret->gray = gray_block(m, s)))
                return -ENOMEM;
        return s->opt.rmst_tau > 0 ? rmst_diff_block(m, spec, s, ret) : 0;
}

/* ---- group-sequential monitoring ---- */

/*
 * The recorded looks as comparison c saw them, into *ret_looks; z and the RCI only at
 * arm level.  They are listed even when there are no numbers now (no events, no z, or
 * fewer events than at the last look): a look is a fact.  A look that is not one of the
 * design's analyses has no bounds, alpha spent, information fraction or RCI.
 */
static int looks_block(StatsMsg *m, const Monitoring *mon, const Comparison *c, StatsForm form,
                       Interim__MonitoringLook ***ret_looks, size_t *ret_n) {
        size_t n = mon->n_looks;
        Interim__MonitoringLook *rows = NULL, **ptrs = NULL;
        Interim__Limits *rci = NULL;
        char *cuts = NULL;
        if (n > 0 && (!ALLOC_REPEATED(m, n, rows, ptrs) || !(rci = alloc(m, n * sizeof(*rci))) ||
                      !(cuts = alloc(m, n * 11))))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                Interim__MonitoringLook *p = &rows[i];
                const GsdBounds *b = &c->state.bounds;
                *p = (Interim__MonitoringLook)INTERIM__MONITORING_LOOK__INIT;
                p->look = mon->look_number[i];
                date_format(mon->look_cut[i], cuts + 11 * i);
                p->data_cut = cuts + 11 * i;
                p->events = (uint32_t)c->look_events[i];
                size_t k = c->looks_valid ? c->look_analysis[i] : MONITORING_NO_ANALYSIS;
                if (k != MONITORING_NO_ANALYSIS) {
                        SET_FINITE(p, information_fraction, b->fraction[k]);
                        SET_FINITE(p, efficacy_bound, b->efficacy[k]);
                        SET_FINITE(p, futility_bound, b->futility[k]);
                        SET_FINITE(p, alpha_spent, b->alpha_spent[k]);
                }
                if (form == STATS_ARM_LEVEL) {
                        SET_FINITE(p, z, c->look_z[i]);
                        /* Only an analysis has an RCI: a look that is not one has no block, not an empty one. */
                        if (k != MONITORING_NO_ANALYSIS) {
                                rci[i] = (Interim__Limits)INTERIM__LIMITS__INIT;
                                SET_FINITE(&rci[i], lower, c->state.rci_lower[k]);
                                SET_FINITE(&rci[i], upper, c->state.rci_upper[k]);
                                p->hr_rci = &rci[i];
                        }
                }
                ptrs[i] = p;
        }
        *ret_n = n;
        *ret_looks = ptrs;
        return 0;
}

/* Sets a message's information fraction and the bounds and alpha spent now, from comparison c (valid). */
#define SET_NOW(p, c)                                                                       \
        do {                                                                                \
                const GsdBounds *bounds_ = &(c)->state.bounds;                              \
                SET_FINITE(p, information_fraction, (c)->state.fraction);                   \
                SET_FINITE(p, alpha_spent, bounds_->alpha_spent[(c)->state.now]);           \
                SET_FINITE(p, efficacy_bound, bounds_->efficacy[(c)->state.now]);           \
                SET_FINITE(p, futility_bound, bounds_->futility[(c)->state.now]);           \
        } while (0)

/* Each experimental arm against the control: z, decision, conditional power, its own information, bounds and looks. */
static int monitored_arms_block(StatsMsg *m, const TrialSpec *spec, const Monitoring *mon, Interim__Monitoring *ret) {
        size_t n = mon->n_comparisons;
        Interim__Comparison *rows = NULL, **ptrs = NULL;
        Interim__ConditionalPower *cp = NULL;
        if (!ALLOC_REPEATED(m, n, rows, ptrs) || !(cp = alloc(m, n * sizeof(*cp))))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const Comparison *c = &mon->cmp[i];
                Interim__Comparison *p = &rows[i];
                *p = (Interim__Comparison)INTERIM__COMPARISON__INIT;
                p->arm = spec->arms[c->arm];
                p->crossed = c->valid && c->state.action == GSD_REJECT;
                p->has_events = true;
                p->events = (uint32_t)c->events;
                /* The log-rank z now, with or without a look now (none with fewer events than at the last look). */
                SET_FINITE(p, z, c->now.z);
                if (c->valid) {
                        cp[i] = (Interim__ConditionalPower)INTERIM__CONDITIONAL_POWER__INIT;
                        SET_FINITE(&cp[i], current_trend, c->state.cp_trend);
                        SET_FINITE(&cp[i], design, c->state.cp_design);
                        p->conditional_power = &cp[i];
                        SET_NOW(p, c);
                }
                if (looks_block(m, mon, c, STATS_ARM_LEVEL, &p->looks, &p->n_looks) < 0)
                        return -ENOMEM;
                ptrs[i] = p;
        }
        ret->n_comparisons = n;
        ret->comparisons = ptrs;
        return 0;
}

/*
 * The monitoring of the design's endpoint.  The information, bounds and alpha spent
 * are those of the first experimental arm against control (the only comparison of a
 * two-arm trial); every comparison is listed at arm level.
 */
static int monitoring_block(StatsMsg *m, const TrialSpec *spec, const Summary *s, StatsForm form,
                            Interim__Statistics *ret) {
        const Monitoring *mon = &s->monitoring;
        const Comparison *c = &mon->cmp[0];
        Interim__Monitoring *b = alloc(m, sizeof(*b));
        if (!b)
                return -ENOMEM;
        *b = (Interim__Monitoring)INTERIM__MONITORING__INIT;
        b->events = (uint32_t)c->events;
        b->planned_events = mon->design.planned_events;
        if (c->valid)
                SET_NOW(b, c);
        if (form == STATS_ARM_LEVEL) {
                if (monitored_arms_block(m, spec, mon, b) < 0)
                        return -ENOMEM;
                /* The block's looks are the first comparison's, already built. */
                b->n_looks = b->comparisons[0]->n_looks;
                b->looks = b->comparisons[0]->looks;
        } else if (looks_block(m, mon, c, form, &b->looks, &b->n_looks) < 0)
                return -ENOMEM;
        ret->monitoring = b;
        return 0;
}

/* ---- the message ---- */

int statsmsg_build(StatsMsg *m, const TrialSpec *spec, size_t endpoint, const Summary *s, uint64_t seq, int32_t as_of,
                   StatsForm form, Interim__Statistics **ret) {
        start(m);
        Interim__Statistics *msg = alloc(m, sizeof(*msg));
        char *day = alloc(m, 11);
        if (!msg || !day)
                return -ENOMEM;
        *msg = (Interim__Statistics)INTERIM__STATISTICS__INIT;
        date_format(as_of, day);
        msg->trial = spec->name;
        msg->endpoint = spec->endpoints[endpoint].name;
        msg->seq = seq;
        msg->as_of = day;
        msg->has_conf_level = true;
        msg->conf_level = s->opt.conf_level;
        msg->conf_type = (char *)km_conf_type_name(s->opt.ci);
        int r = arms_block(m, spec, s, form, msg);
        if (r == 0 && form == STATS_ARM_LEVEL)
                r = comparisons_block(m, spec, s, msg);
        /*
         * With more than two arms the monitoring is the first comparison's: its events, and
         * the information and bounds that follow from them, would tell how the events fall
         * between arms.  With two the comparison's events are all of them.
         */
        if (r == 0 && s->monitored && (form == STATS_ARM_LEVEL || spec->n_arms == 2))
                r = monitoring_block(m, spec, s, form, msg);
        if (r < 0)
                return r;
        *ret = msg;
        return 0;
}
