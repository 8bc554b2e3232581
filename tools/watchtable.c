/* watchtable.c — the text table: fixed-width rows, numbers rounded for reading (the JSON gives them whole). */
#include <string.h>

#include "watchfmt.h"
#include "watchtable.h"

/* Longest arm name shown whole in the table. */
#define NAME_SHOWN 20

static const char *control_name(const Interim__Statistics *s) {
        return s->n_arms > 0 ? s->arms[0]->arm : "control";
}

/* ---- the arms ---- */

static int name_width(const Interim__Statistics *s) {
        int w = 3;
        for (size_t a = 0; a < s->n_arms; a++) {
                int len = (int)strlen(s->arms[a]->arm);
                w = len > w ? len : w;
        }
        return w < NAME_SHOWN ? w : NAME_SHOWN;
}

static void arms_rows(FILE *f, const Interim__Statistics *s) {
        bool competing = false;
        for (size_t a = 0; a < s->n_arms; a++)
                competing = competing || s->arms[a]->competing > 0;
        int w = name_width(s);
        fprintf(f, "  %-*s %6s %7s %9s", w, "arm", "n", "events", "censored");
        if (competing)
                fprintf(f, " %9s", "competing");
        fprintf(f, "  %-26s", "median days (limits)");
        const Interim__ArmStatistics *first = s->n_arms > 0 ? s->arms[0] : NULL;
        for (size_t l = 0; first && l < first->n_landmarks; l++) {
                WatchText head;
                snprintf(head, sizeof(head), "S(%d)", first->landmarks[l]->time);
                fprintf(f, " %8s", head);
        }
        fputc('\n', f);
        for (size_t a = 0; a < s->n_arms; a++) {
                const Interim__ArmStatistics *arm = s->arms[a];
                const Interim__Interval *m = arm->median;
                WatchText est, lim;
                char median[2 * sizeof(WatchText)];
                snprintf(median, sizeof(median), "%s %s", watchfmt_num(est, m->has_estimate, m->estimate, 'g', 6, "NR"),
                         watchfmt_limits(lim, m->has_lower, m->lower, m->has_upper, m->upper, 'g', 6, "NR", ", "));
                fprintf(f, "  %-*.*s %6u %7u %9u", w, NAME_SHOWN, arm->arm, arm->n, arm->events, arm->censored);
                if (competing)
                        fprintf(f, " %9u", arm->competing);
                fprintf(f, "  %-26s", median);
                for (size_t l = 0; l < arm->n_landmarks; l++) {
                        WatchText v;
                        const Interim__LandmarkPoint *p = arm->landmarks[l];
                        fprintf(f, " %8s", watchfmt_num(v, p->has_surv, p->surv, 'f', 3, "NA"));
                }
                fputc('\n', f);
        }
}

/* ---- the comparisons ---- */

static void cox_rows(FILE *f, const Interim__Statistics *s) {
        const Interim__Cox *c = s->cox;
        WatchText a, b, w;
        fprintf(f, "  Cox model (%s ties%s): likelihood ratio %s, score %s, Wald %s", c->ties,
                c->stratified ? ", stratified" : "", watchfmt_p(a, c->has_lr_p, c->lr_p),
                watchfmt_p(b, c->has_score_p, c->score_p), watchfmt_p(w, c->has_wald_p, c->wald_p));
        /* R's two warnings, next to the numbers they are about. */
        if (c->has_converged && !c->converged)
                fputs("; ran out of iterations and did not converge", f);
        fputc('\n', f);
        for (size_t i = 0; i < c->n_terms; i++) {
                const Interim__CoxTerm *t = c->terms[i];
                WatchText hr, lim, p;
                fprintf(f, "  HR %s vs %s: %s %s, %s%s\n", t->arm, control_name(s),
                        watchfmt_num(hr, t->has_hr, t->hr, 'f', 3, "NA"),
                        watchfmt_limits(lim, t->has_lower, t->lower, t->has_upper, t->upper, 'f', 3, "NA", ", "),
                        watchfmt_p(p, t->has_p, t->p), t->may_be_infinite ? "; coefficient may be infinite" : "");
        }
}

static void tests_rows(FILE *f, const Interim__Statistics *s) {
        WatchText a, b;
        if (s->logrank)
                fprintf(f, "  log-rank: chi-square %s on %d df, %s%s\n",
                        watchfmt_num(a, s->logrank->has_chisq, s->logrank->chisq, 'f', 3, "NA"), s->logrank->df,
                        watchfmt_p(b, s->logrank->has_p, s->logrank->p), s->logrank->stratified ? ", stratified" : "");
        if (s->cox)
                cox_rows(f, s);
        const Interim__Rmst *r = s->n_arms > 0 ? s->arms[0]->rmst : NULL;
        for (size_t i = 0; r && i < s->n_rmst_diff; i++) {
                const Interim__RmstDiff *d = s->rmst_diff[i];
                WatchText diff, lim, p;
                fprintf(f, "  RMST to day %.0f, %s - %s: %s %s days, %s\n", r->tau, d->arm, control_name(s),
                        watchfmt_num(diff, d->has_diff, d->diff, 'f', 1, "NA"),
                        watchfmt_limits(lim, d->has_lower, d->lower, d->has_upper, d->upper, 'f', 1, "NA", ", "),
                        watchfmt_p(p, d->has_p, d->p));
        }
        if (s->gray)
                fprintf(f, "  Gray's test: %s on %d df, %s\n", watchfmt_num(a, s->gray->has_stat, s->gray->stat, 'f', 3, "NA"),
                        s->gray->df, watchfmt_p(b, s->gray->has_p, s->gray->p));
}

/* ---- the monitoring ---- */

static void look_row(FILE *f, const char *indent, const Interim__MonitoringLook *l) {
        WatchText frac, z, eff, fut, spent, rci;
        fprintf(f, "%slook %u (%s): %u events, information fraction %s, z %s, efficacy bound %s, futility bound %s, alpha spent %s",
                indent, l->look, l->data_cut, l->events,
                watchfmt_num(frac, l->has_information_fraction, l->information_fraction, 'f', 3, "NA"),
                watchfmt_num(z, l->has_z, l->z, 'f', 3, "NA"),
                watchfmt_num(eff, l->has_efficacy_bound, l->efficacy_bound, 'f', 3, "NA"),
                watchfmt_num(fut, l->has_futility_bound, l->futility_bound, 'f', 3, "NA"),
                watchfmt_num(spent, l->has_alpha_spent, l->alpha_spent, 'g', 3, "NA"));
        if (l->hr_rci)
                fprintf(f, ", HR repeated CI %s",
                        watchfmt_limits(rci, l->hr_rci->has_lower, l->hr_rci->lower, l->hr_rci->has_upper, l->hr_rci->upper,
                                        'f', 3, "NA", ", "));
        fputc('\n', f);
}

/*
 * One arm against the control.  With more than one comparison each has its own events,
 * information and bounds, shown on its line, and its own looks, shown under it.
 */
static void comparison_row(FILE *f, const Interim__Statistics *s, const Interim__Comparison *c) {
        const Interim__ConditionalPower *cp = c->conditional_power;
        bool own = s->monitoring->n_comparisons > 1 && c->has_events; /* older daemons: the block's only */
        WatchText z, trend, design, frac, eff, fut;
        fprintf(f, "    %s vs %s: ", c->arm, control_name(s));
        if (own)
                fprintf(f, "%u events, information fraction %s, efficacy bound %s, futility bound %s; ", c->events,
                        watchfmt_num(frac, c->has_information_fraction, c->information_fraction, 'f', 3, "NA"),
                        watchfmt_num(eff, c->has_efficacy_bound, c->efficacy_bound, 'f', 3, "NA"),
                        watchfmt_num(fut, c->has_futility_bound, c->futility_bound, 'f', 3, "NA"));
        fprintf(f, "z %s, %s; conditional power %s (current trend), %s (design)\n",
                watchfmt_num(z, c->has_z, c->z, 'f', 3, "NA"), watchfmt_decision(s->monitoring, c),
                watchfmt_num(trend, cp && cp->has_current_trend, cp ? cp->current_trend : 0, 'f', 3, "NA"),
                watchfmt_num(design, cp && cp->has_design, cp ? cp->design : 0, 'f', 3, "NA"));
        for (size_t i = 0; own && i < c->n_looks; i++)
                look_row(f, "      ", c->looks[i]);
}

/* The design's block: the first comparison's information and bounds, then each comparison, then the looks. */
static void monitoring_rows(FILE *f, const Interim__Statistics *s) {
        const Interim__Monitoring *m = s->monitoring;
        WatchText frac, spent, eff, fut;
        fprintf(f, "  monitoring: %u of %.0f events, information fraction %s, alpha spent %s, efficacy bound %s, futility bound %s\n",
                m->events, m->planned_events,
                watchfmt_num(frac, m->has_information_fraction, m->information_fraction, 'f', 3, "NA"),
                watchfmt_num(spent, m->has_alpha_spent, m->alpha_spent, 'g', 3, "NA"),
                watchfmt_num(eff, m->has_efficacy_bound, m->efficacy_bound, 'f', 3, "NA"),
                watchfmt_num(fut, m->has_futility_bound, m->futility_bound, 'f', 3, "NA"));
        for (size_t i = 0; i < m->n_comparisons; i++)
                comparison_row(f, s, m->comparisons[i]);
        /* With several comparisons each has shown its own looks. */
        for (size_t i = 0; m->n_comparisons <= 1 && i < m->n_looks; i++)
                look_row(f, "    ", m->looks[i]);
}

void watchtable_print(FILE *f, const Interim__Statistics *s) {
        fprintf(f, "%s/%s  as of %s  (seq %llu)", s->trial, s->endpoint, s->as_of, (unsigned long long)s->seq);
        if (s->has_conf_level && s->conf_type)
                fprintf(f, "  %g%% intervals, %s limits", 100 * s->conf_level, s->conf_type);
        fputc('\n', f);
        arms_rows(f, s);
        tests_rows(f, s);
        if (s->monitoring)
                monitoring_rows(f, s);
}
